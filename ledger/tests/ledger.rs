//! The ledger on a real SQLite file and key file: first start, restart, enrolment from a real
//! wallet's QR text, credits, the balance invariant and the audit log's Merkle root. The test of
//! an edited entry also runs on PostgreSQL (`OUTPOST_LEDGER_BACKEND=postgres`); the others are
//! about the SQLite file and the key file beside it.

#[path = "support/database.rs"]
mod database;
#[path = "support/insider.rs"]
mod insider;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use outpost_ledger::simulated::Member;
use outpost_ledger::{EntryKind, Ledger, LedgerError, PurseState, UnknownState};
use outpost_wallet_core::merkle;
use outpost_wallet_core::protocol::ProtocolError;
use outpost_wallet_core::protocol::sync::PurseOrder;
use outpost_wallet_core::qr::{self, PayloadKind, QrError};
use outpost_wallet_core::{
    Amount, Clock, Currency, KdfParams, Pin, SoftwareProtector, Wallet, WalletOptions,
};

struct FixedClock(AtomicU64);

impl Clock for FixedClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(AtomicU64::new(1_800_000_000)))
}

fn yen(n: u64) -> Amount {
    Amount::from_minor(n, Currency::JPY).unwrap()
}

fn open(dir: &Path) -> Result<Ledger, LedgerError> {
    Ledger::open(dir, Currency::JPY, clock())
}

/// A real wallet in `dir` and its enrolment QR text for `member_id`.
fn wallet(dir: &Path, name: &str, member_id: &str) -> (Wallet, String) {
    let protector = Arc::new(SoftwareProtector::create(dir.join(format!("{name}.key"))).unwrap());
    let options = WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() };
    let wallet = Wallet::create(
        dir.join(format!("{name}.wallet")),
        &Pin::new("482916").unwrap(),
        Currency::JPY,
        protector,
        options,
    )
    .unwrap();
    let (_, text) = wallet.enrolment_request(member_id).unwrap();
    (wallet, text)
}

#[test]
fn first_start_makes_the_key_and_a_restart_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = open(dir.path()).unwrap().public_key();
    assert!(dir.path().join("ledger.db").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("ledger.key")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key file is readable by its owner only");
    }
    assert_eq!(open(dir.path()).unwrap().public_key(), key, "a restart uses the same key");
    let mode: String = rusqlite::Connection::open(dir.path().join("ledger.db"))
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_swapped_or_missing_key_file_is_refused_and_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()).unwrap());
    let key_path = dir.path().join("ledger.key");
    let original = std::fs::read(&key_path).unwrap();

    // Written as its owner's alone: a key file others can read is refused before it is compared.
    let write_private = |bytes: &[u8]| {
        std::fs::write(&key_path, bytes).unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&key_path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    };
    write_private(&[7u8; 32]);
    let err = open(dir.path()).unwrap_err();
    assert!(matches!(err, LedgerError::KeyMismatch { .. }), "{err}");
    assert!(err.to_string().contains("original key"), "{err}");

    std::fs::remove_file(&key_path).unwrap();
    let err = open(dir.path()).unwrap_err();
    assert!(matches!(err, LedgerError::KeyFile { .. }), "{err}");
    assert!(!key_path.exists(), "a missing key is reported, not silently made anew");

    write_private(&original);
    open(dir.path()).expect("the original key opens it again");
}

#[test]
fn a_key_file_without_its_database_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ledger.key"), [9u8; 32]).unwrap();
    let err = open(dir.path()).unwrap_err();
    assert!(matches!(err, LedgerError::KeyFile { .. }), "{err}");
    assert_eq!(std::fs::read(dir.path().join("ledger.key")).unwrap(), [9u8; 32]);
    assert!(!dir.path().join("ledger.db").exists(), "no half-made ledger is left behind");
}

#[test]
fn a_ledger_is_kept_in_one_currency() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()).unwrap());
    let err = Ledger::open(dir.path(), Currency::new("EUR", 2).unwrap(), clock()).unwrap_err();
    assert!(matches!(err, LedgerError::WrongCurrency { .. }), "{err}");
}

#[test]
fn a_wallet_is_enrolled_from_its_qr_text_once() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open(dir.path()).unwrap();
    let (aiko, aiko_qr) = wallet(dir.path(), "aiko", "AIKO-0001");
    let member = ledger.enrol(&aiko_qr).unwrap();
    assert_eq!((member.member_id.as_str(), member.wallet), ("AIKO-0001", aiko.public_identity()));

    let err = ledger.enrol(&aiko_qr).unwrap_err();
    assert!(matches!(err, LedgerError::AlreadyEnrolled { .. }), "{err}");
    let (_, again) = aiko.enrolment_request("AIKO-0002").unwrap();
    let err = ledger.enrol(&again).unwrap_err();
    assert!(
        matches!(&err, LedgerError::WalletAlreadyEnrolled { member_id } if member_id == "AIKO-0001"),
        "{err}"
    );

    // An altered enrolment (someone else's keys under a real signature) is refused.
    let (_, ben_qr) = wallet(dir.path(), "ben", "BEN-0002");
    let mut bytes = qr::expect(&ben_qr, PayloadKind::Enrolment).unwrap();
    let last_key_byte = bytes.len() - 64 - 4 - 1;
    bytes[last_key_byte] ^= 1;
    let err = ledger.enrol(&qr::encode(PayloadKind::Enrolment, &bytes)).unwrap_err();
    assert!(matches!(err, LedgerError::Protocol(ProtocolError::BadSignature { .. })), "{err}");
    // Another kind of QR code is refused by name.
    let request = aiko.create_request(None, "", 60).unwrap();
    let err = ledger.enrol(&request.qr_text).unwrap_err();
    assert!(matches!(err, LedgerError::Qr(QrError::WrongKind { .. })), "{err}");
    assert_eq!(ledger.members().unwrap().len(), 1, "only Aiko is enrolled");
    ledger.enrol(&ben_qr).unwrap();
    assert_eq!(ledger.members().unwrap().len(), 2);
}

#[test]
fn credits_add_up_and_the_books_balance() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = open(dir.path()).unwrap();
    let (_, aiko_qr) = wallet(dir.path(), "aiko", "AIKO-0001");
    let (_, ben_qr) = wallet(dir.path(), "ben", "BEN-0002");
    ledger.enrol(&aiko_qr).unwrap();
    ledger.enrol(&ben_qr).unwrap();
    assert_eq!(ledger.credit("AIKO-0001", yen(250_000), "November pay").unwrap(), 250_000);
    assert_eq!(ledger.credit("AIKO-0001", yen(12_000), "field allowance").unwrap(), 262_000);
    ledger.credit("BEN-0002", yen(230_000), "November pay").unwrap();
    ledger.check_invariants().unwrap();
    assert_eq!(ledger.total_credited_minor().unwrap(), 492_000);

    let before = ledger.audit_root().unwrap();
    for (result, what) in [
        (ledger.credit("NOBODY", yen(1), ""), "unknown member"),
        (ledger.credit("BEN-0002", yen(0), ""), "zero"),
        (
            ledger.credit("BEN-0002", Amount::from_minor(1, Currency::new("EUR", 2).unwrap()).unwrap(), ""),
            "currency",
        ),
        (ledger.credit("BEN-0002", yen(1), &"x".repeat(201)), "memo"),
    ] {
        assert!(result.is_err(), "{what} accepted");
    }
    assert_eq!(ledger.audit_root().unwrap(), before, "refused credits leave no trace");
    let balances: Vec<i64> = ledger.members().unwrap().iter().map(|m| m.balance_minor).collect();
    assert_eq!(balances, [262_000, 230_000]);
    ledger.check_invariants().unwrap();
}

#[test]
fn every_change_is_an_audit_leaf_and_an_edited_entry_changes_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let database = database::test_database();
    let open = |dir: &Path| Ledger::open_on(dir, &database, Currency::JPY, clock(), Default::default());
    let ledger = open(dir.path()).unwrap();
    let (_, aiko_qr) = wallet(dir.path(), "aiko", "AIKO-0001");
    ledger.enrol(&aiko_qr).unwrap();
    ledger.credit("AIKO-0001", yen(1_000), "pay").unwrap();
    let entries = ledger.audit_entries(0, 100).unwrap();
    let kinds: Vec<EntryKind> = entries.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EntryKind::LedgerCreated, EntryKind::MemberEnrolled, EntryKind::Credited]);

    let (size, root) = ledger.audit_root().unwrap();
    assert_eq!(size, 3);
    let leaves: Vec<merkle::Hash> = entries.iter().map(|e| e.leaf_hash()).collect();
    for (index, leaf) in leaves.iter().enumerate() {
        let proof = merkle::inclusion_proof(&leaves, index as u64).unwrap();
        merkle::verify_inclusion(leaf, index as u64, size, &proof, &root).unwrap();
    }
    drop(ledger);

    let mut db = insider::Insider::open(dir.path(), &database);
    let mut leaf = db.leaf(2);
    *leaf.last_mut().unwrap() ^= 1;
    db.set_leaf(2, &leaf);
    drop(db);
    let ledger = open(dir.path()).unwrap();
    assert_ne!(ledger.audit_root().unwrap().1, root, "an edited entry is a different tree");
}

#[test]
fn a_state_word_the_ledger_does_not_know_is_refused_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let database = database::test_database();
    let ledger = Ledger::open_on(dir.path(), &database, Currency::JPY, clock(), Default::default()).unwrap();
    let now = clock().now_unix();
    let mut aiko = Member::enrol(&ledger, "AIKO-0001", now).unwrap();
    ledger.credit("AIKO-0001", yen(10_000), "pay").unwrap();
    aiko.sync(&ledger, Vec::new(), Some(PurseOrder { closing: Vec::new(), amount: 5_000 }), now).unwrap();
    assert_eq!(ledger.purses("AIKO-0001").unwrap()[0].state, PurseState::Open);

    insider::Insider::open(dir.path(), &database).write_state_word("purse", "frozen");
    let err = ledger.purses("AIKO-0001").unwrap_err();
    let expected = UnknownState { kind: "PurseState", text: "frozen".into() };
    assert!(
        matches!(&err, LedgerError::Inconsistent { detail } if *detail == expected.to_string()),
        "{err:?}"
    );

    // A sync reads its wallet's key state first.
    insider::Insider::open(dir.path(), &database).write_state_word("wallet_key", "suspended");
    let err = aiko.sync(&ledger, Vec::new(), None, now).unwrap_err();
    let expected = UnknownState { kind: "KeyState", text: "suspended".into() };
    assert!(err.to_string().contains(&expected.to_string()), "{err}");
}
