//! Adversarial cases, each named for what it proves: wrong PINs, files tampered with, and a ledger
//! that equivocates (shows different histories under one key).
//!
//! Cases that already have their test elsewhere are not repeated here:
//! - wrong PINs: what the user is told, growing delays, lock-out, none of it reset by closing
//!   and reopening, a wrong protector not counted (`wallet-core/tests/pin_attempts.rs`); a PIN
//!   try killed mid-check still counted, a PIN change killed anywhere leaving exactly one working
//!   PIN (`tests/tests/crash_safety.rs`);
//! - tampered wallet files: a flipped bit in a balance, the identity or the wrapped key; rows
//!   moved to another table, id or wallet; swapped clear public keys; a deleted balance; a newer
//!   schema; a file that is not a wallet; a file cut short at any length
//!   (`wallet-core/tests/tampering.rs`); any flipped bit in any sealed row
//!   (`wallet-core/tests/row_encryption.rs`); edited, removed, reordered, rolled-back event log
//!   entries (`wallet-core/tests/event_log.rs`); a whole wallet file restored from a copy to spend
//!   again (`ledger/tests/settlement.rs`, `ledger/tests/http_sync.rs`);
//! - a ledger that rewrites or drops a leaf of its log, or whose database is edited behind its
//!   back (`ledger/tests/settlement.rs`, `ledger/tests/http_sync.rs`); checkpoints that shrink,
//!   are rewritten or come with a wrong proof (`wallet-core/tests/sync_messages.rs`).
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::{Direct, PIN, fast, pay, pin, yen};
use outpost_ledger::{EntryKind, Ledger};
use outpost_wallet_core::audit;
use outpost_wallet_core::protocol::CheckpointError;
use outpost_wallet_core::{
    Currency, Pin, SoftwareProtector, StoreError, SyncOptions, SystemClock, VaultError, Wallet, WalletError,
};

const WRONG: &str = "000000";

/// A ledger on a real file in its own directory, and members with real wallet files.
struct Unit {
    dir: tempfile::TempDir,
    protector: Arc<SoftwareProtector>,
    ledger: Option<Arc<Ledger>>,
}

impl Unit {
    fn new() -> Unit {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ledger")).unwrap();
        let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key")).unwrap());
        let mut unit = Unit { dir, protector, ledger: None };
        unit.start_ledger();
        unit
    }

    fn ledger(&self) -> &Ledger {
        self.ledger.as_ref().expect("the ledger is running")
    }

    fn ledger_dir(&self) -> PathBuf {
        self.dir.path().join("ledger")
    }

    fn start_ledger(&mut self) {
        self.ledger =
            Some(Arc::new(Ledger::open(&self.ledger_dir(), Currency::JPY, Arc::new(SystemClock)).unwrap()));
    }

    /// Stops the ledger (its database closed and whole on disk).
    fn stop_ledger(&mut self) {
        self.ledger = None;
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.wallet"))
    }

    /// A wallet enrolled as `member_id`, credited `credit` and holding a purse of `purse`.
    fn member(&self, name: &str, member_id: &str, credit: u64, purse: u64) -> Wallet {
        let wallet =
            Wallet::create(self.path(name), &pin(), Currency::JPY, self.protector.clone(), fast()).unwrap();
        let (_, enrolment) = wallet.enrolment_request(member_id).unwrap();
        self.ledger().enrol(&enrolment).unwrap();
        if credit > 0 {
            self.ledger().credit(member_id, yen(credit), "pay").unwrap();
        }
        wallet.pin_ledger_key(self.ledger().public_key()).unwrap();
        let purse = (purse > 0).then(|| yen(purse));
        wallet.sync(&Direct(self.ledger()), &SyncOptions { purse }).unwrap();
        wallet
    }

    fn reopen(&self, name: &str) -> Wallet {
        let wallet = Wallet::open(self.path(name), self.protector.clone(), fast()).unwrap();
        wallet.unlock(&pin()).unwrap();
        wallet
    }

    fn sync(&self, wallet: &Wallet) -> Result<outpost_wallet_core::SyncReport, WalletError> {
        wallet.sync(&Direct(self.ledger()), &SyncOptions::default())
    }
}

/// Plain SQL on a closed wallet file, as anyone holding the file (but not its keys) can do.
fn sql(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Wrong PINs
// ---------------------------------------------------------------------------------------------

#[test]
fn wrong_pins_racing_from_several_processes_are_each_counted_or_refused_without_being_checked() {
    let unit = Unit::new();
    let path = unit.path("target");
    drop(Wallet::create(&path, &pin(), Currency::JPY, unit.protector.clone(), fast()).unwrap());
    let key = unit.dir.path().join("device.key");

    // Eight guessers at once, each its own process holding the file open.
    let guessers: Vec<_> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_outpost-scenario-child"))
                .args(["unlock", path.to_str().unwrap(), key.to_str().unwrap(), WRONG])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let answers: Vec<String> = guessers
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            let lines: Vec<String> = BufReader::new(&output.stdout[..]).lines().map(Result::unwrap).collect();
            assert_eq!(lines.first().map(String::as_str), Some("started"), "{lines:?}");
            lines.last().unwrap().clone()
        })
        .collect();
    let checked = answers.iter().filter(|a| a.starts_with("error: PIN incorrect")).count();
    let refused =
        answers.iter().filter(|a| a.starts_with("error: too many incorrect PINs: try again in")).count();
    assert_eq!(checked + refused, answers.len(), "every guess was either checked or refused: {answers:#?}");

    // Three free tries and the one that starts the first delay were checked, and counted; every
    // other guess met the delay before its PIN was looked at.
    let failures: i64 =
        sql(&path).query_row("SELECT failures FROM pin_attempts WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!((checked, failures), (4, 4), "{answers:#?}");
    let wallet = Wallet::open(&path, unit.protector.clone(), fast()).unwrap();
    let right = wallet.unlock(&Pin::new(PIN).unwrap()).unwrap_err();
    assert!(matches!(right, WalletError::Vault(VaultError::PinDelayed { .. })), "{right}");
}

#[test]
fn a_deleted_pin_counter_refuses_every_unlock_instead_of_allowing_unlimited_guesses() {
    let unit = Unit::new();
    let path = unit.path("target");
    drop(Wallet::create(&path, &pin(), Currency::JPY, unit.protector.clone(), fast()).unwrap());
    assert_eq!(sql(&path).execute("DELETE FROM pin_attempts", []).unwrap(), 1);

    let wallet = Wallet::open(&path, unit.protector.clone(), fast()).unwrap();
    for guess in [WRONG, PIN] {
        let err = wallet.unlock(&Pin::new(guess).unwrap()).unwrap_err();
        assert!(matches!(err, WalletError::Store(StoreError::Incomplete { .. })), "{guess}: {err}");
    }
    assert!(!wallet.is_unlocked());
    let rows: i64 = sql(&path).query_row("SELECT COUNT(*) FROM pin_attempts", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 0, "the refusal did not quietly recreate a fresh counter");
}

// ---------------------------------------------------------------------------------------------
// Tampered wallet files
// ---------------------------------------------------------------------------------------------

#[test]
fn swapped_history_rows_are_reported_as_tampered_and_never_shown_as_each_other() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001", 20_000, 10_000);
    let ben = unit.member("ben", "BEN-0002", 0, 0);
    pay(&aiko, &ben, 1_000);
    pay(&aiko, &ben, 2_000);
    let balances = aiko.balances().unwrap();
    drop(aiko);

    let db = sql(&unit.path("aiko"));
    let rows: Vec<(i64, Vec<u8>)> = db
        .prepare("SELECT seq, sealed FROM transfer ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    for ((seq, _), (_, sealed)) in rows.iter().zip(rows.iter().rev()) {
        db.execute("UPDATE transfer SET sealed = ?2 WHERE seq = ?1", rusqlite::params![seq, sealed]).unwrap();
    }
    drop(db);

    let aiko = unit.reopen("aiko");
    let err = aiko.history(None, 10).unwrap_err();
    assert!(matches!(err, WalletError::Vault(VaultError::Tampered { table: "transfer", .. })), "{err}");
    let err = unit.sync(&aiko).unwrap_err();
    assert!(
        matches!(err, WalletError::Vault(VaultError::Tampered { .. })),
        "nothing swapped is uploaded: {err}"
    );
    assert_eq!(aiko.balances().unwrap(), balances, "the balances, sealed apart, still read true");
}

#[test]
fn a_purse_row_rolled_back_inside_the_file_never_gets_the_same_funds_paid_out_twice() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001", 10_000, 10_000);
    let ben = unit.member("ben", "BEN-0002", 0, 0);
    let chie = unit.member("chie", "CHIE-0003", 0, 0);
    drop(aiko);
    let (purse_ref, full): (Vec<u8>, Vec<u8>) = sql(&unit.path("aiko"))
        .query_row("SELECT ref, sealed FROM purse", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();

    // Aiko pays Ben, then puts back the purse row as it was before: sealed by her own key, in
    // its own place, so it opens.
    let aiko = unit.reopen("aiko");
    pay(&aiko, &ben, 6_000);
    drop(aiko);
    let changed = sql(&unit.path("aiko"))
        .execute("UPDATE purse SET sealed = ?2 WHERE ref = ?1", rusqlite::params![purse_ref, full])
        .unwrap();
    assert_eq!(changed, 1);

    let aiko = unit.reopen("aiko");
    let request = chie.create_request(Some(yen(6_000)), "", 600).unwrap();
    match aiko.pay_request(&request.qr_text, None, "") {
        // The device noticed: nothing more was signed.
        Err(_) => assert_eq!(aiko.history(None, 10).unwrap().len(), 1),
        // The device signed the same purse slot again; the ledger must catch it.
        Ok(second) => {
            chie.accept(&second.qr_text).unwrap();
            unit.sync(&ben).unwrap();
            unit.sync(&chie).unwrap();
            assert_eq!(ben.balances().unwrap().online, yen(6_000), "the honest receivers are paid");
            assert_eq!(chie.balances().unwrap().online, yen(6_000));
            let cheat = unit.ledger().member("AIKO-0001").unwrap();
            assert!(cheat.flagged);
            assert_eq!(
                cheat.balance_minor,
                10_000 - 12_000,
                "the purse covered 10,000; the rest is her debt"
            );
            let entries = unit.ledger().audit_entries(0, u32::MAX).unwrap();
            let proof =
                entries.iter().find(|e| e.kind == EntryKind::DoubleSpend).expect("a double-spend entry");
            assert_eq!((proof.member_id.as_str(), proof.evidence.len()), ("AIKO-0001", 2));
        }
    }
    let report = unit.ledger().check_invariants().unwrap();
    assert_eq!(report.accounts + report.purses, report.credited);
}

// ---------------------------------------------------------------------------------------------
// A ledger that equivocates
// ---------------------------------------------------------------------------------------------

/// A ledger restored from a backup after Aiko and Ben had seen its later history, then going on
/// with a different history that Chie (who last synced before the backup) accepts.
struct Fork {
    unit: Unit,
    aiko: Wallet,
    ben: Wallet,
    /// What Aiko holds: the newest checkpoint of the history the ledger later lost.
    seen: outpost_wallet_core::protocol::Checkpoint,
}

fn fork() -> Fork {
    let mut unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001", 20_000, 10_000);
    let ben = unit.member("ben", "BEN-0002", 20_000, 10_000);
    let chie = unit.member("chie", "CHIE-0003", 20_000, 10_000);

    unit.stop_ledger();
    let backup = unit.dir.path().join("backup");
    copy_dir(&unit.ledger_dir(), &backup);
    unit.start_ledger();
    pay(&aiko, &ben, 3_000);
    unit.ledger().credit("AIKO-0001", yen(5_000), "allowance").unwrap();
    for wallet in [&ben, &aiko, &ben] {
        unit.sync(wallet).unwrap();
    }
    let seen = aiko.ledger_checkpoint().unwrap().unwrap();
    let newest = ben.ledger_checkpoint().unwrap().unwrap().size.max(seen.size);

    unit.stop_ledger();
    std::fs::remove_dir_all(unit.ledger_dir()).unwrap();
    copy_dir(&backup, &unit.ledger_dir());
    unit.start_ledger();
    // The restored ledger goes on, past the sizes Aiko and Ben saw; Chie cannot tell.
    while unit.ledger().audit_root().unwrap().0 <= newest {
        unit.ledger().credit("CHIE-0003", yen(100), "allowance").unwrap();
        unit.sync(&chie).unwrap();
    }
    Fork { unit, aiko, ben, seen }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_ledger_restored_from_a_backup_is_refused_by_every_wallet_that_saw_its_later_history() {
    let Fork { unit, aiko, ben, seen } = fork();
    for (name, wallet) in [("aiko", &aiko), ("ben", &ben)] {
        let before = (
            wallet.balances().unwrap(),
            wallet.history(None, 10).unwrap(),
            wallet.ledger_checkpoint().unwrap(),
        );
        let err = unit.sync(wallet).unwrap_err();
        assert!(
            matches!(err, WalletError::LedgerHistory(CheckpointError::Rewritten { .. })),
            "{name}: {err}"
        );
        assert!(err.to_string().contains("rewritten") && err.to_string().contains("nothing"), "{err}");
        let after = (
            wallet.balances().unwrap(),
            wallet.history(None, 10).unwrap(),
            wallet.ledger_checkpoint().unwrap(),
        );
        assert_eq!(after, before, "{name}: nothing from the forked ledger was applied");
    }
    assert_eq!(aiko.ledger_checkpoint().unwrap(), Some(seen));
}

#[test]
fn two_checkpoints_signed_by_one_ledger_that_do_not_extend_each_other_are_proof_of_a_forked_log() {
    let Fork { unit, seen, .. } = fork();
    let key = unit.ledger().public_key();
    // Both are genuinely signed by the same ledger key...
    let (now, proof) = unit.ledger().consistency(seen.size).unwrap();
    seen.verify(&key).unwrap();
    now.verify(&key).unwrap();
    assert!(now.size > seen.size);
    // ...but even with the ledger's own consistency proof, the newer does not extend the older.
    assert!(matches!(now.check_extends(&seen, &proof), Err(CheckpointError::Rewritten { .. })));
    // An auditor given the ledger's export and the checkpoint Aiko kept reaches the same verdict.
    let export = unit.ledger().export_audit().unwrap();
    audit::audit_log(&export.entries, &export.checkpoint, &key).unwrap();
    assert_eq!(
        audit::check_against(&export.entries, &seen, &key),
        Err(audit::AuditError::Rewritten { size: seen.size })
    );
}
