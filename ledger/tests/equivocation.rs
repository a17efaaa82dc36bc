//! The ledger never signs a fork (docs/adr/0011): it remembers every checkpoint it signed in
//! `checkpoints.log`, outside its database, and refuses to sign a log that does not extend the
//! last one, naming the first entry that differs. Real files throughout: the database is edited
//! with SQL, truncated and restored from a copy, as an insider or a careless restore would.

mod common;
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{Server, TOKEN, enrolment_body, sync_request};
use outpost_ledger::{EntryKind, Ledger, LedgerError};
use outpost_wallet_core::Currency;
use outpost_wallet_core::audit::AuditEntry;
use outpost_wallet_core::identity::Identity;
use serde_json::json;
use support::{TestClock, yen};

/// A ledger on a real directory with one member paid twice, and a checkpoint signed over it.
struct Hq {
    dir: tempfile::TempDir,
    clock: Arc<TestClock>,
    ledger: Ledger,
}

impl Hq {
    fn new() -> Hq {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(TestClock::at(1_800_000_000));
        let ledger = Ledger::open(dir.path(), Currency::JPY, clock.clone()).unwrap();
        let identity = Identity::generate().unwrap();
        let qr = enrolment_qr(&identity, "AIKO-0001");
        ledger.enrol(&qr).unwrap();
        ledger.credit("AIKO-0001", yen(20_000), "November pay").unwrap();
        ledger.credit("AIKO-0001", yen(1_000), "allowance").unwrap();
        ledger.checkpoint().unwrap();
        Hq { dir, clock, ledger }
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("ledger.db")
    }

    fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db_path()).unwrap()
    }

    /// Closes the ledger and opens it again on the same files, as a restart does.
    fn restart(self) -> Hq {
        let Hq { dir, clock, ledger } = self;
        drop(ledger);
        let ledger = Ledger::open(dir.path(), Currency::JPY, clock.clone()).unwrap();
        Hq { dir, clock, ledger }
    }

    /// Raises the amount of the credit at `seq` tenfold in its stored leaf.
    fn edit_credit(&self, seq: i64) {
        let db = self.sql();
        let leaf: Vec<u8> =
            db.query_row("SELECT leaf FROM audit WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
        let mut entry = AuditEntry::from_leaf_data(&leaf).unwrap();
        assert_eq!(entry.kind, EntryKind::Credited);
        for m in &mut entry.moves {
            m.delta *= 10;
        }
        db.execute("UPDATE audit SET leaf = ?2 WHERE seq = ?1", rusqlite::params![seq, entry.leaf_data()])
            .unwrap();
    }

    fn checkpoint_file(&self) -> PathBuf {
        self.dir.path().join("checkpoints.log")
    }
}

fn enrolment_qr(identity: &Identity, member_id: &str) -> String {
    enrolment_body(identity, member_id)["enrolment_qr"].as_str().unwrap().to_owned()
}

/// The refusal every signing path gives, with its first divergent entry.
fn refused(result: Result<impl std::fmt::Debug, LedgerError>) -> (u64, String) {
    match result {
        Err(err @ LedgerError::Equivocation { first_divergent, .. }) => (first_divergent, err.to_string()),
        other => panic!("expected a refusal to sign, got {other:?}"),
    }
}

#[test]
fn an_edited_leaf_is_refused_on_every_signing_path_naming_the_entry() {
    let hq = Hq::new();
    hq.edit_credit(2);

    let (first, message) = refused(hq.ledger.checkpoint());
    assert_eq!(first, 2);
    assert!(message.contains("entry 2, now stored as Credited of AIKO-0001"), "{message}");
    assert!(message.contains("entries 0 to 1 still hash to the leaves it signed"), "{message}");
    assert_eq!(refused(hq.ledger.consistency(1)).0, 2);
    assert_eq!(refused(hq.ledger.export_audit()).0, 2);
    assert!(hq.ledger.check_invariants().is_err());
}

#[test]
fn an_edited_leaf_is_refused_after_a_restart_too() {
    let hq = Hq::new();
    hq.edit_credit(3);
    let hq = hq.restart();
    assert_eq!(refused(hq.ledger.checkpoint()).0, 3);
}

#[test]
fn a_sync_answer_is_refused_and_signs_nothing() {
    let hq = Hq::new();
    let identity = Identity::generate().unwrap();
    hq.ledger.enrol(&enrolment_qr(&identity, "BEN-0002")).unwrap();
    hq.ledger.checkpoint().unwrap();
    hq.edit_credit(2);

    let request = sync_request(&identity, [7; 16], outpost_wallet_core::Clock::now_unix(&*hq.clock), 0);
    let (first, _) = refused(hq.ledger.sync(&request.to_bytes()));
    assert_eq!(first, 2);
    // The transaction rolled back: the refused sync left no entry behind.
    let entries: i64 = hq.sql().query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0)).unwrap();
    assert_eq!(entries, 5);
}

#[test]
fn deleting_the_newest_entries_is_refused() {
    let hq = Hq::new();
    hq.sql().execute("DELETE FROM audit WHERE seq >= 2", []).unwrap();

    let (first, message) = refused(hq.ledger.checkpoint());
    assert_eq!(first, 2);
    assert!(message.contains("entries 2 to 3 are gone"), "{message}");
}

#[test]
fn restoring_an_older_copy_of_the_database_is_refused() {
    let hq = Hq::new();
    let copy = hq.dir.path().join("backup.db");
    hq.sql().execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
    hq.ledger.credit("AIKO-0001", yen(500), "December pay").unwrap();
    hq.ledger.checkpoint().unwrap();

    let Hq { dir, clock, ledger } = hq;
    drop(ledger);
    restore(dir.path(), &copy);
    let hq = Hq { ledger: Ledger::open(dir.path(), Currency::JPY, clock.clone()).unwrap(), dir, clock };

    let (first, message) = refused(hq.ledger.checkpoint());
    assert_eq!(first, 4);
    assert!(message.contains("entries 4 to 4 are gone"), "{message}");
    assert!(message.contains("an older copy of ledger.db restored"), "{message}");
}

fn restore(dir: &Path, copy: &Path) {
    for name in ["ledger.db-wal", "ledger.db-shm"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    std::fs::copy(copy, dir.join("ledger.db")).unwrap();
}

#[test]
fn an_officers_recovery_is_recorded_and_signing_resumes_from_the_new_log() {
    let hq = Hq::new();
    let copy = hq.dir.path().join("backup.db");
    hq.sql().execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
    hq.ledger.credit("AIKO-0001", yen(500), "December pay").unwrap();
    let lost = hq.ledger.checkpoint().unwrap();
    let Hq { dir, clock, ledger } = hq;
    drop(ledger);
    restore(dir.path(), &copy);
    let hq = Hq { ledger: Ledger::open(dir.path(), Currency::JPY, clock.clone()).unwrap(), dir, clock };

    assert!(matches!(hq.ledger.accept_rewritten_log("  "), Err(LedgerError::BadText { .. })));
    let recovery = hq.ledger.accept_rewritten_log("disk lost; restored the backup of the 30th").unwrap();
    assert_eq!((recovery.old_size, recovery.old_root), (lost.size, lost.root));
    assert_eq!((recovery.new_size, recovery.kept), (4, 4));
    assert!(recovery.finding.contains("entries 4 to 4 are gone"), "{}", recovery.finding);

    let resumed = hq.ledger.checkpoint().unwrap();
    assert_eq!((resumed.size, resumed.root), (recovery.new_size, recovery.new_root));
    let file = std::fs::read(hq.checkpoint_file()).unwrap();
    assert!(file.windows(9).any(|w| w == b"disk lost"), "the reason is in the checkpoint file");

    // The recovery outlives a restart, and the next edit is refused against the new head.
    let hq = hq.restart();
    hq.ledger.credit("AIKO-0001", yen(700), "December pay, again").unwrap();
    hq.ledger.checkpoint().unwrap();
    hq.edit_credit(3);
    assert_eq!(refused(hq.ledger.checkpoint()).0, 3);
}

#[test]
fn a_recovery_is_refused_when_there_is_nothing_to_accept_or_the_log_fails_its_audit() {
    let hq = Hq::new();
    assert!(matches!(
        hq.ledger.accept_rewritten_log("just in case"),
        Err(LedgerError::NothingToRecover { .. })
    ));

    // A removed middle entry leaves a log no auditor would pass: it is not accepted either.
    hq.sql().execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    let err = hq.ledger.accept_rewritten_log("restored something").unwrap_err();
    assert!(err.to_string().contains("fails its own audit"), "{err}");
    assert_eq!(refused(hq.ledger.checkpoint()).0, 2);
}

#[test]
fn a_record_cut_short_by_a_crash_is_ignored_and_the_records_before_it_still_hold() {
    let hq = Hq::new();
    let whole = std::fs::read(hq.checkpoint_file()).unwrap();
    // A crash while appending: a length promising more than was written, and a few bytes.
    let mut torn = whole.clone();
    torn.extend_from_slice(&[0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 7]);
    std::fs::write(hq.checkpoint_file(), &torn).unwrap();

    let hq = hq.restart();
    hq.ledger.credit("AIKO-0001", yen(500), "December pay").unwrap();
    hq.ledger.checkpoint().unwrap();
    let after = std::fs::read(hq.checkpoint_file()).unwrap();
    assert_eq!(after[..whole.len()], whole[..], "the torn bytes were cut off, the records kept");

    let hq = hq.restart();
    hq.edit_credit(2);
    assert_eq!(refused(hq.ledger.checkpoint()).0, 2);
}

#[test]
fn damage_before_the_last_record_refuses_to_start() {
    let hq = Hq::new();
    hq.ledger.credit("AIKO-0001", yen(500), "December pay").unwrap();
    hq.ledger.checkpoint().unwrap();
    let mut bytes = std::fs::read(hq.checkpoint_file()).unwrap();
    bytes[10] ^= 1;
    std::fs::write(hq.checkpoint_file(), &bytes).unwrap();
    let Hq { dir, clock, ledger } = hq;
    drop(ledger);
    let err = Ledger::open(dir.path(), Currency::JPY, clock).unwrap_err();
    assert!(matches!(err, LedgerError::CheckpointFile { .. }), "{err}");
}

#[test]
fn a_crash_between_the_commit_and_the_record_leaves_a_ledger_that_starts_and_signs() {
    let hq = Hq::new();
    // The record of the newest checkpoint never reached the disk: the file is as it was before.
    let before = std::fs::read(hq.checkpoint_file()).unwrap();
    hq.ledger.credit("AIKO-0001", yen(500), "December pay").unwrap();
    hq.ledger.checkpoint().unwrap();
    std::fs::write(hq.checkpoint_file(), &before).unwrap();

    let hq = hq.restart();
    let checkpoint = hq.ledger.checkpoint().unwrap();
    assert_eq!(checkpoint.size, 5);
}

#[test]
fn a_ledger_whose_database_was_edited_answers_503_with_the_reason_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path(), Some(TOKEN));
    let identity = Identity::generate().unwrap();
    let reply = server.officer("POST", "/v1/officer/members", Some(enrolment_body(&identity, "AIKO-0001")));
    assert_eq!(reply.status, 201, "{reply:?}");
    let credit = json!({ "amount_minor": 20_000, "memo": "pay" });
    assert_eq!(server.officer("POST", "/v1/officer/members/AIKO-0001/credit", Some(credit)).status, 200);
    let held = server.checkpoint();

    let db = rusqlite::Connection::open(dir.path().join("ledger.db")).unwrap();
    db.execute("UPDATE audit SET leaf = CAST(leaf || x'00' AS BLOB) WHERE seq = 2", []).unwrap();

    for reply in [
        server.get("/v1/checkpoint"),
        server.get(&format!("/v1/checkpoint/consistency?from={}", held.size)),
        server.officer("GET", "/v1/officer/audit", None),
        server.sync(&sync_request(&identity, [1; 16], common::now(), 0).to_bytes()),
    ] {
        assert_eq!(reply.status, 503, "{reply:?}");
        let error = reply.error();
        assert!(error.contains("refuses to sign"), "{error}");
        assert!(error.contains("entry 2, whose stored bytes no longer decode"), "{error}");
        assert!(error.contains("--accept-rewritten-log"), "{error}");
    }
    let logs = server.logs_handle();
    server.stop();
    assert!(logs().contains("REFUSING TO SIGN"), "{}", logs());
}
