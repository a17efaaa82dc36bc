//! Wallets syncing with the real `outpost-ledger` process over HTTP on loopback, with real
//! wallet files and the ledger's real SQLite file: a unit paying offline in several orders, a
//! cheat caught with evidence, and a ledger database edited behind the ledger's back.

mod common;
mod support;

use common::{Server, ledger_command};
use outpost_wallet_core::audit::{self, AuditError};
use outpost_wallet_core::hex;
use outpost_wallet_core::transport::HttpTransport;
use outpost_wallet_core::{SyncOptions, SyncReport, Wallet, WalletError};
use serde_json::json;
use support::insider::Insider;
use support::{pay, yen};

struct Unit {
    server: Server,
    ledger_dir: tempfile::TempDir,
    wallets_dir: tempfile::TempDir,
    transport: HttpTransport,
}

impl Unit {
    fn start() -> Unit {
        let ledger_dir = tempfile::tempdir().unwrap();
        let server = Server::start_in(ledger_dir.path());
        let transport = HttpTransport::new(&server.base);
        Unit { server, ledger_dir, wallets_dir: tempfile::tempdir().unwrap(), transport }
    }

    /// A wallet enrolled by the officer from its QR text, paid `pay`, with the key pinned.
    fn member(&self, name: &str, member_id: &str, pay: u64) -> Wallet {
        let (wallet, qr) = common::wallet(self.wallets_dir.path(), name, member_id);
        let reply = self.server.officer("POST", "/v1/officer/members", Some(json!({ "enrolment_qr": qr })));
        assert_eq!(reply.status, 201, "{reply:?}");
        wallet.pin_ledger_key(self.server.ledger_key()).unwrap();
        if pay > 0 {
            let path = format!("/v1/officer/members/{member_id}/credit");
            let reply = self.server.officer(
                "POST",
                &path,
                Some(json!({ "amount_minor": pay, "memo": "pay", "batch": "2026-11" })),
            );
            assert_eq!(reply.status, 200, "{reply:?}");
        }
        wallet
    }

    fn sync(&self, wallet: &Wallet) -> SyncReport {
        wallet.sync(&self.transport, &SyncOptions::default()).unwrap()
    }

    fn load_purse(&self, wallet: &Wallet, amount: u64) -> SyncReport {
        wallet.sync(&self.transport, &SyncOptions { purse: Some(yen(amount)) }).unwrap()
    }

    /// The ledger's own invariant check, and an auditor's offline check of its export.
    fn assert_books(&self, wallets: &[&Wallet]) {
        let reply = self.server.officer("GET", "/v1/officer/invariants", None);
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.json()["balanced"], json!(true));
        let export = self.server.officer("GET", "/v1/officer/audit", None);
        assert_eq!(export.status, 200);
        let (checkpoint, entries) = audit::decode_export(&export.body).unwrap();
        let key = self.server.ledger_key();
        let report = audit::audit_log(&entries, &checkpoint, &key).unwrap();
        assert_eq!(report.accounts + report.purses, report.credited);
        for wallet in wallets {
            if let Some(held) = wallet.ledger_checkpoint().unwrap() {
                audit::check_against(&entries, &held, &key).unwrap();
            }
        }
    }

    fn member_json(&self, member_id: &str) -> serde_json::Value {
        let reply = self.server.officer("GET", &format!("/v1/officer/members/{member_id}"), None);
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.json()
    }
}

#[test]
fn three_wallets_pay_offline_and_sync_in_any_order_over_http() {
    let unit = Unit::start();
    let aiko = unit.member("aiko", "AIKO-0001", 50_000);
    let ben = unit.member("ben", "BEN-0002", 50_000);
    let chie = unit.member("chie", "CHIE-0003", 50_000);
    for wallet in [&aiko, &ben, &chie] {
        assert_eq!(unit.load_purse(wallet, 20_000).new_purse, Some(yen(20_000)));
    }
    unit.assert_books(&[&aiko, &ben, &chie]);

    // The network is down: a day of offline payments.
    pay(&aiko, &ben, 3_000, true);
    pay(&ben, &chie, 1_200, true);
    pay(&chie, &aiko, 700, false);
    pay(&aiko, &chie, 2_500, true);
    pay(&ben, &aiko, 400, true);

    // Back online: the senders sync first, then the receivers, then everyone again.
    for wallet in [&aiko, &ben, &chie, &chie, &aiko, &ben] {
        unit.sync(wallet);
        unit.assert_books(&[&aiko, &ben, &chie]);
    }
    let expect = [(&aiko, 30_000 + 700 + 400), (&ben, 30_000 + 3_000), (&chie, 30_000 + 1_200 + 2_500)];
    for (wallet, online) in expect {
        let b = wallet.balances().unwrap();
        assert_eq!(b.online, yen(online));
        assert!(b.pending_incoming.is_zero() && b.pending_outgoing.is_zero(), "{b:?}");
        wallet.verify_log().unwrap();
    }
    assert_eq!(unit.member_json("AIKO-0001")["balance_minor"], json!(31_100));
    assert_eq!(unit.member_json("AIKO-0001")["in_purses_minor"], json!(20_000 - 3_000 - 2_500));

    // A new purse: the old one is declared and its remainder comes back first.
    let report = unit.load_purse(&aiko, 10_000);
    assert_eq!(report.new_purse, Some(yen(10_000)));
    assert_eq!(aiko.balances().unwrap().online, yen(31_100 + 14_500 - 10_000));
    unit.assert_books(&[&aiko, &ben, &chie]);
}

#[test]
fn a_cheating_wallet_restored_from_a_copy_is_caught_with_evidence_over_http() {
    let unit = Unit::start();
    let aiko = unit.member("aiko", "AIKO-0001", 10_000);
    let ben = unit.member("ben", "BEN-0002", 0);
    let chie = unit.member("chie", "CHIE-0003", 0);
    unit.load_purse(&aiko, 10_000);

    let path = aiko.path().to_path_buf();
    drop(aiko);
    let copy = unit.wallets_dir.path().join("aiko-copy.wallet");
    std::fs::copy(&path, &copy).unwrap();
    let protector = std::sync::Arc::new(
        outpost_wallet_core::SoftwareProtector::open(unit.wallets_dir.path().join("aiko.key")).unwrap(),
    );
    let reopen = || {
        let options = outpost_wallet_core::WalletOptions {
            kdf: outpost_wallet_core::KdfParams::INSECURE_FAST_FOR_TESTS,
            ..Default::default()
        };
        let wallet = Wallet::open(&path, protector.clone(), options).unwrap();
        wallet.unlock(&outpost_wallet_core::Pin::new("482916").unwrap()).unwrap();
        wallet
    };
    let aiko = reopen();
    let first = pay(&aiko, &ben, 8_000, true);
    drop(aiko);
    std::fs::copy(&copy, &path).unwrap();
    let aiko = reopen();
    let second = pay(&aiko, &chie, 8_000, true);

    unit.sync(&ben);
    unit.sync(&chie);
    assert_eq!(ben.balances().unwrap().online, yen(8_000), "honest receivers are paid");
    assert_eq!(chie.balances().unwrap().online, yen(8_000));

    let member = unit.member_json("AIKO-0001");
    assert_eq!(member["flagged"], json!(true));
    assert_eq!(member["balance_minor"], json!(-6_000), "the loss is debited to the signer");
    let flags = unit.server.officer("GET", "/v1/officer/flags", None).json();
    let flag = flags
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["member_id"] == "AIKO-0001" && f["code"] == "double-spend")
        .expect("a double-spend flag")
        .clone();
    let mut evidence: Vec<Vec<u8>> = flag["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| hex::decode(e.as_str().unwrap()).unwrap())
        .collect();
    evidence.sort();
    let mut expected = vec![first.to_vec(), second.to_vec()];
    expected.sort();
    assert_eq!(evidence, expected);
    let purses = unit.server.officer("GET", "/v1/officer/members/AIKO-0001/purses", None).json();
    assert_eq!(purses[0]["state"], json!("revoked"));

    let report = unit.sync(&aiko);
    assert!(report.notices.iter().any(|n| n.code == "double-spend"));
    assert_eq!(aiko.balances().unwrap().owed, yen(6_000));
    unit.assert_books(&[&aiko, &ben, &chie]);
}

#[test]
fn a_ledger_database_edited_behind_the_ledgers_back_is_caught_by_the_next_sync_over_http() {
    let unit = Unit::start();
    let aiko = unit.member("aiko", "AIKO-0001", 20_000);
    unit.load_purse(&aiko, 5_000);
    let held = aiko.ledger_checkpoint().unwrap().unwrap();
    let before = aiko.balances().unwrap();

    let mut db = Insider::of_server(unit.ledger_dir.path());
    let mut entry = audit::AuditEntry::from_leaf_data(&db.leaf(2)).unwrap();
    entry.detail.push_str(" (and a bonus)");
    db.set_leaf(2, &entry.leaf_data());

    // The ledger refuses to sign the rewritten log at all (tests/equivocation.rs says more).
    let err = aiko.sync(&unit.transport, &SyncOptions::default()).unwrap_err();
    assert!(err.to_string().contains("refuses to sign"), "{err}");
    assert_eq!(aiko.balances().unwrap(), before, "the wallet kept its state");
    assert_eq!(unit.server.officer("GET", "/v1/officer/audit", None).status, 503);

    // An officer who accepts it anyway does not hide it from a wallet or an auditor holding a
    // checkpoint of the log before.
    let accepted = ledger_command(unit.ledger_dir.path())
        .args(["--accept-rewritten-log", "told to sign an edited database"])
        .output()
        .unwrap();
    assert!(accepted.status.success(), "{}", String::from_utf8_lossy(&accepted.stderr));
    // The running ledger reads the recovery from the checkpoint file before its next signature.
    let err = aiko.sync(&unit.transport, &SyncOptions::default()).unwrap_err();
    assert!(matches!(err, WalletError::LedgerHistory(_)), "{err}");
    assert_eq!(aiko.balances().unwrap(), before, "the wallet kept its state");

    let export = unit.server.officer("GET", "/v1/officer/audit", None);
    let (_, entries) = audit::decode_export(&export.body).unwrap();
    assert!(matches!(
        audit::check_against(&entries, &held, &unit.server.ledger_key()),
        Err(AuditError::Rewritten { size, .. }) if size == held.size
    ));
}
