//! A wallet that does not age (docs/adr/0020): what a closed purse or a long payer chain no longer
//! costs, and that the state kept to make it so (the index of open purses, one chain row per
//! accepted transfer) can be deleted, put back from an older copy or moved without hiding money
//! or letting a double spend through. Also the migration of a schema 5 wallet file.

mod common;

use common::{Fixture, TestLedger, yen};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::{PurseCertificate, Transfer, TransferTerms};
use outpost_wallet_core::qr::{self, PayloadKind};
use outpost_wallet_core::{Clock, Wallet, WalletError, envelope};

fn sealed_to(to: &Wallet, transfer: &Transfer) -> String {
    let sealed =
        envelope::seal(&to.public_identity().agreement_key, "transfer", &transfer.to_bytes()).unwrap();
    qr::encode(PayloadKind::Transfer, &sealed)
}

/// A payer outside any wallet file, signing a chain of transfers from one purse.
struct Payer {
    identity: Identity,
    certificate: PurseCertificate,
    prev: [u8; 32],
    spent: u64,
    seq: u32,
}

impl Payer {
    fn new(f: &Fixture, ledger: &TestLedger, member_id: &str, purse: u64) -> Self {
        let identity = Identity::generate().unwrap();
        let certificate =
            ledger.certificate(identity.public().signing_key, member_id, purse, f.clock.now_unix());
        let prev = certificate.chain_start();
        Self { identity, certificate, prev, spent: 0, seq: 0 }
    }

    /// The purse's next transfer of `amount` to `to`.
    fn next(&mut self, f: &Fixture, to: &Wallet, amount: u64) -> Transfer {
        self.seq += 1;
        self.spent += amount;
        let transfer = self.at(f, to, self.seq, self.prev, self.spent, amount);
        self.prev = transfer.id();
        transfer
    }

    fn at(
        &self,
        f: &Fixture,
        to: &Wallet,
        seq: u32,
        prev: [u8; 32],
        spent_after: u64,
        amount: u64,
    ) -> Transfer {
        let terms = TransferTerms {
            seq,
            prev_hash: prev,
            spent_after,
            amount,
            receiver_key: to.public_identity().signing_key,
            request_nonce: None,
            time: f.clock.now_unix(),
            memo: "canteen".into(),
        };
        Transfer::sign(self.certificate.clone(), terms, &self.identity).unwrap()
    }
}

fn link_rows(path: &std::path::Path) -> Vec<(Vec<u8>, i64, Vec<u8>)> {
    let conn = common::sql(path);
    let mut stmt = conn.prepare("SELECT purse, seq, sealed FROM purse_link ORDER BY seq").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

fn open_purse_index(path: &std::path::Path) -> Option<Vec<u8>> {
    let conn = common::sql(path);
    conn.query_row("SELECT sealed FROM setting WHERE name = 'open_purses'", [], |r| r.get(0)).ok()
}

fn put_open_purse_index(path: &std::path::Path, sealed: Option<&[u8]>) {
    let conn = common::sql(path);
    conn.execute("DELETE FROM setting WHERE name = 'open_purses'", []).unwrap();
    if let Some(sealed) = sealed {
        conn.execute("INSERT INTO setting (name, sealed) VALUES ('open_purses', ?1)", [sealed]).unwrap();
    }
}

#[test]
fn each_accept_from_a_long_purse_writes_one_row_of_the_same_size() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let path = f.path("canteen.wallet");
    let canteen = f.member(&ledger, "canteen.wallet", "CANTEEN-01", 0);
    let mut payer = Payer::new(&f, &ledger, "AIKO-0001", 100_000);
    for _ in 0..30 {
        canteen.accept(&sealed_to(&canteen, &payer.next(&f, &canteen, 100))).unwrap();
    }
    let rows = link_rows(&path);
    assert_eq!(rows.len(), 30, "one chain row per accepted transfer");
    assert!(rows.windows(2).all(|pair| pair[0].2.len() == pair[1].2.len()), "every row the same size");
    assert!(rows[0].2.len() < 200, "a row holds one link: {} bytes", rows[0].2.len());
    assert_eq!(canteen.balances().unwrap().pending_incoming, yen(3_000));
}

#[test]
fn a_slot_reused_far_down_a_long_chain_is_caught_from_the_neighbours_rows() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let canteen = f.member(&ledger, "canteen.wallet", "CANTEEN-01", 0);
    let mut payer = Payer::new(&f, &ledger, "AIKO-0001", 100_000);
    let mut sent = Vec::new();
    for _ in 0..20 {
        let transfer = payer.next(&f, &canteen, 100);
        canteen.accept(&sealed_to(&canteen, &transfer)).unwrap();
        sent.push(transfer);
    }
    // Seq 7 again, with another amount: the same slot signed twice.
    let rival = payer.at(&f, &canteen, 7, sent[5].id(), 700 + 50, 150);
    let err = canteen.accept(&sealed_to(&canteen, &rival)).unwrap_err();
    assert!(matches!(err, WalletError::DoubleSpend { seq: 7, .. }), "{err:?}");
    assert_eq!(canteen.balances().unwrap().pending_incoming, yen(2_000), "the rival not credited");
}

#[test]
fn a_moved_chain_row_is_tampering_not_a_free_slot() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let path = f.path("canteen.wallet");
    let canteen = f.member(&ledger, "canteen.wallet", "CANTEEN-01", 0);
    let mut payer = Payer::new(&f, &ledger, "AIKO-0001", 100_000);
    for _ in 0..3 {
        canteen.accept(&sealed_to(&canteen, &payer.next(&f, &canteen, 100))).unwrap();
    }
    drop(canteen);
    // Seq 3's sealed row put where seq 4 would be, and seq 3 deleted: the counts still match.
    let conn = common::sql(&path);
    conn.execute("UPDATE purse_link SET seq = 4 WHERE seq = 3", []).unwrap();
    drop(conn);
    let canteen = f.open_unlocked(&path);
    let err = canteen.accept(&sealed_to(&canteen, &payer.next(&f, &canteen, 100))).unwrap_err();
    assert!(matches!(err, WalletError::Vault(_)), "{err:?}");
}

#[test]
fn an_old_copy_of_the_open_purse_index_cannot_hide_a_purse_loaded_since() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let path = f.path("aiko.wallet");
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 5_000);
    let before = open_purse_index(&path).expect("the index is written with the first purse");
    let now = f.clock.now_unix();
    let second = ledger.certificate(aiko.public_identity().signing_key, "AIKO-0001", 3_000, now);
    assert!(aiko.install_purse(&second).unwrap());
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(8_000));
    drop(aiko);

    put_open_purse_index(&path, Some(&before));
    let aiko = f.open_unlocked(&path);
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(8_000), "the old index is out of date: rebuilt");

    put_open_purse_index(&path, None);
    let aiko = f.open_unlocked(&path);
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(8_000), "no index: rebuilt");
    assert!(open_purse_index(&path).is_some(), "written again at unlock");
}

#[test]
fn a_damaged_open_purse_index_is_an_error_never_a_smaller_balance() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let path = f.path("aiko.wallet");
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 5_000);
    drop(aiko);
    let index = open_purse_index(&path).unwrap();
    put_open_purse_index(&path, Some(&common::flip_bit(&index, 40)));
    let aiko = f.open(&path).unwrap();
    aiko.unlock(&common::pin(common::PIN)).unwrap();
    let err = aiko.balances().unwrap_err();
    assert!(matches!(err, WalletError::Vault(_)), "{err:?}");
}

#[test]
fn closed_purses_stay_out_of_pay_and_the_balance() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 1_000);
    let payment = aiko.pay_contact(&ben.public_identity(), yen(1_000), "all of it").unwrap();
    ben.accept(&payment.qr_text).unwrap();
    let err = aiko.pay_contact(&ben.public_identity(), yen(1), "more").unwrap_err();
    assert!(matches!(err, WalletError::InsufficientPurse { .. }), "{err:?}");
    let now = f.clock.now_unix();
    let fresh = ledger.certificate(aiko.public_identity().signing_key, "AIKO-0001", 2_000, now);
    aiko.install_purse(&fresh).unwrap();
    aiko.pay_contact(&ben.public_identity(), yen(500), "from the new purse").unwrap();
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(1_500));
}

/// Turns a wallet file of this build back into the shape a schema 5 build left: the whole-chain
/// table instead of one row per link, and no index of open purses.
fn as_schema_5(path: &std::path::Path) {
    let conn = common::sql(path);
    conn.execute_batch(
        "DROP TABLE purse_link;
         CREATE TABLE purse_chain (ref BLOB PRIMARY KEY CHECK (length(ref) = 32), sealed BLOB NOT NULL) STRICT;
         DELETE FROM setting WHERE name = 'open_purses';
         PRAGMA user_version = 5;",
    )
    .unwrap();
}

#[test]
fn a_schema_5_wallet_migrates_and_keeps_its_purses_and_its_double_spend_checks() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let path = f.path("canteen.wallet");
    let canteen = f.member(&ledger, "canteen.wallet", "CANTEEN-01", 4_000);
    let mut payer = Payer::new(&f, &ledger, "AIKO-0001", 100_000);
    let first = payer.next(&f, &canteen, 100);
    canteen.accept(&sealed_to(&canteen, &first)).unwrap();
    canteen.accept(&sealed_to(&canteen, &payer.next(&f, &canteen, 100))).unwrap();
    let balances = canteen.balances().unwrap();
    drop(canteen);
    as_schema_5(&path);

    let canteen = f.open_unlocked(&path);
    let version: i64 = common::sql(&path).query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, outpost_wallet_core::store::SCHEMA_VERSION);
    assert!(open_purse_index(&path).is_some(), "the index is built at the first unlock");
    assert_eq!(canteen.balances().unwrap(), balances);
    // The first accept after the upgrade rebuilds the purse's links from its transfer rows…
    canteen.accept(&sealed_to(&canteen, &payer.next(&f, &canteen, 100))).unwrap();
    assert_eq!(link_rows(&path).len(), 3, "seq 1 to 3, rebuilt and written");
    // …and seq 2 again is caught from them.
    let rival = payer.at(&f, &canteen, 2, first.id(), 250, 150);
    let err = canteen.accept(&sealed_to(&canteen, &rival)).unwrap_err();
    assert!(matches!(err, WalletError::DoubleSpend { seq: 2, .. }), "{err:?}");
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    canteen.pay_contact(&ben.public_identity(), yen(1_000), "after the upgrade").unwrap();
    assert_eq!(canteen.balances().unwrap().offline_purse, yen(3_000));
}
