//! The ledger never signs a fork (docs/adr/0011): it remembers every checkpoint it signed in
//! `checkpoints.log`, outside its database, and refuses to sign a log that does not extend the
//! last one, naming the first entry that differs. Real files throughout: the database is edited
//! with SQL, truncated and restored from a copy, as an insider or a careless restore would, on
//! SQLite and (with `OUTPOST_LEDGER_BACKEND=postgres`) on PostgreSQL, where the insider edits the
//! tables through another connection (`support::insider`).

mod common;
mod support;

use std::path::PathBuf;
use std::sync::Arc;

use common::{Server, enrolment_body, sync_request};
use outpost_ledger::{Database, EntryKind, Ledger, LedgerError, Policy};
use outpost_wallet_core::Currency;
use outpost_wallet_core::audit::AuditEntry;
use outpost_wallet_core::identity::Identity;
use serde_json::json;
use support::insider::{self, Backup, Insider};
use support::{TestClock, yen};

/// A ledger on a real directory with one member paid twice, and a checkpoint signed over it.
struct Hq {
    dir: tempfile::TempDir,
    clock: Arc<TestClock>,
    database: Database,
    ledger: Ledger,
}

fn open(dir: &std::path::Path, database: &Database, clock: Arc<TestClock>) -> Result<Ledger, LedgerError> {
    Ledger::open_on(dir, database, Currency::JPY, clock, Policy::default())
}

impl Hq {
    fn new() -> Hq {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(TestClock::at(1_800_000_000));
        let database = support::test_database();
        let ledger = open(dir.path(), &database, clock.clone()).unwrap();
        let identity = Identity::generate().unwrap();
        let qr = enrolment_qr(&identity, "AIKO-0001");
        ledger.enrol(&qr).unwrap();
        ledger.credit("AIKO-0001", yen(20_000), "November pay").unwrap();
        ledger.credit("AIKO-0001", yen(1_000), "allowance").unwrap();
        ledger.checkpoint().unwrap();
        Hq { dir, clock, database, ledger }
    }

    /// The ledger's database opened beside it, as an insider would.
    fn sql(&self) -> Insider {
        Insider::open(self.dir.path(), &self.database)
    }

    /// Closes the ledger and opens it again on the same files, as a restart does.
    fn restart(self) -> Hq {
        let Hq { dir, clock, database, ledger } = self;
        drop(ledger);
        let ledger = open(dir.path(), &database, clock.clone()).unwrap();
        Hq { dir, clock, database, ledger }
    }

    /// Stops the ledger, copies its database as a backup, and starts it again.
    fn backup(self) -> (Hq, Backup) {
        let Hq { dir, clock, database, ledger } = self;
        drop(ledger);
        let backup = insider::backup(dir.path(), &database);
        let ledger = open(dir.path(), &database, clock.clone()).unwrap();
        (Hq { dir, clock, database, ledger }, backup)
    }

    /// Stops the ledger, puts `backup` back in place of its database, and starts it again.
    fn restore(self, backup: Backup) -> Hq {
        let Hq { dir, clock, database, ledger } = self;
        drop(ledger);
        insider::restore(dir.path(), &database, backup);
        let ledger = open(dir.path(), &database, clock.clone()).unwrap();
        Hq { dir, clock, database, ledger }
    }

    /// Raises the amount of the credit at `seq` tenfold in its stored leaf.
    fn edit_credit(&self, seq: i64) {
        let mut db = self.sql();
        let mut entry = AuditEntry::from_leaf_data(&db.leaf(seq)).unwrap();
        assert_eq!(entry.kind, EntryKind::Credited);
        for m in &mut entry.moves {
            m.delta *= 10;
        }
        db.set_leaf(seq, &entry.leaf_data());
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
    assert_eq!(hq.sql().number("SELECT COUNT(*) FROM audit"), 5);
}

#[test]
fn deleting_the_newest_entries_is_refused() {
    let hq = Hq::new();
    assert_eq!(hq.sql().execute("DELETE FROM audit WHERE seq >= 2"), 2);

    let (first, message) = refused(hq.ledger.checkpoint());
    assert_eq!(first, 2);
    assert!(message.contains("entries 2 to 3 are gone"), "{message}");
}

#[test]
fn restoring_an_older_copy_of_the_database_is_refused() {
    let (hq, backup) = Hq::new().backup();
    hq.ledger.credit("AIKO-0001", yen(500), "December pay").unwrap();
    hq.ledger.checkpoint().unwrap();

    let hq = hq.restore(backup);

    let (first, message) = refused(hq.ledger.checkpoint());
    assert_eq!(first, 4);
    assert!(message.contains("entries 4 to 4 are gone"), "{message}");
    assert!(message.contains("an older copy of ledger.db restored"), "{message}");
}

#[test]
fn an_officers_recovery_is_recorded_and_signing_resumes_from_the_new_log() {
    let (hq, backup) = Hq::new().backup();
    hq.ledger.credit("AIKO-0001", yen(500), "December pay").unwrap();
    let lost = hq.ledger.checkpoint().unwrap();
    let hq = hq.restore(backup);

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
    assert_eq!(hq.sql().execute("DELETE FROM audit WHERE seq = 2"), 1);
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
    let Hq { dir, clock, database, ledger } = hq;
    drop(ledger);
    let err = open(dir.path(), &database, clock).unwrap_err();
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
    let server = Server::start_in(dir.path());
    let identity = Identity::generate().unwrap();
    let reply = server.officer("POST", "/v1/officer/members", Some(enrolment_body(&identity, "AIKO-0001")));
    assert_eq!(reply.status, 201, "{reply:?}");
    let credit = json!({ "amount_minor": 20_000, "memo": "pay", "batch": "2026-11" });
    assert_eq!(server.officer("POST", "/v1/officer/members/AIKO-0001/credit", Some(credit)).status, 200);
    let held = server.checkpoint();

    let mut db = Insider::of_server(dir.path());
    let mut leaf = db.leaf(2);
    leaf.push(0);
    db.set_leaf(2, &leaf);

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

/// A second ledger process started on a consistent copy of the first's directory, key included:
/// the insider's way to show one phone a history the other never sees. The units these tests
/// fork are on SQLite whatever the suite's backend ([`forking_unit`]).
fn clone_ledger(unit: &support::Unit) -> Ledger {
    let from = unit.dir.path().join("ledger");
    let to = unit.dir.path().join("ledger-clone");
    std::fs::create_dir(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if !name.starts_with("ledger.db") {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
    let db = rusqlite::Connection::open(from.join("ledger.db")).unwrap();
    db.execute("VACUUM INTO ?1", [to.join("ledger.db").to_str().unwrap()]).unwrap();
    Ledger::open(&to, Currency::JPY, unit.clock.clone()).unwrap()
}

/// A unit on SQLite whatever the suite's backend, for the tests that fork its ledger. What they
/// test is the phones and the wallets catching a ledger that showed two histories, which is the
/// same whichever database the two copies run on; and on PostgreSQL a live database is copied
/// only once every connection to it is closed (`CREATE DATABASE … TEMPLATE`), which these tests,
/// whose first ledger keeps serving after the copy, would have to fake. (Two processes on one
/// PostgreSQL database cannot fork: `signed_head` in the database stops them, tests/processes.rs.)
fn forking_unit() -> support::Unit {
    support::Unit::on(&Database::Sqlite, Policy::default(), 1_800_000_000)
}

/// Two phones synced with two copies of one ledger that were then fed different entries: each
/// holds a validly signed checkpoint of the same size, with a different root.
fn forked_phones() -> (support::Unit, Arc<Ledger>, outpost_wallet_core::Wallet, outpost_wallet_core::Wallet) {
    let unit = forking_unit();
    unit.tampered.set(true);
    let aiko = unit.member("aiko", "AIKO-0001");
    let bea = unit.member("bea", "BEA-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 5_000);
    unit.sync(&bea);
    let clone = Arc::new(clone_ledger(&unit));
    unit.ledger.credit("AIKO-0001", yen(1_000), "allowance").unwrap();
    unit.sync(&aiko);
    clone.credit("BEA-0002", yen(3_000), "allowance").unwrap();
    bea.sync(&support::InProcess(clone.clone()), &Default::default()).unwrap();
    let (a, b) = (aiko.ledger_checkpoint().unwrap().unwrap(), bea.ledger_checkpoint().unwrap().unwrap());
    assert_eq!(a.size, b.size, "the two copies must sign the same size for this test");
    assert_ne!(a.root, b.root);
    (unit, clone, aiko, bea)
}

#[test]
fn phones_that_hold_two_histories_of_one_size_catch_the_ledger_in_a_handshake_and_still_pay() {
    use outpost_wallet_core::wallet::CheckpointSeen;
    let (_unit, _clone, aiko, bea) = forked_phones();
    let size = aiko.ledger_checkpoint().unwrap().unwrap().size;
    let request = bea.create_request(Some(yen(500)), "tea", 600).unwrap();
    let payment = aiko.pay_request(&request.qr_text, None, "").unwrap();
    assert_eq!(payment.checkpoint_seen, CheckpointSeen::LedgerForked { size });
    assert!(payment.checkpoint_seen.notice().unwrap().contains("two different versions of its log"));
    let accepted = bea.accept(&payment.qr_text).unwrap();
    let confirmed = aiko.confirm_receipt(&accepted.receipt_qr).unwrap();
    assert_eq!(confirmed.checkpoint_seen, CheckpointSeen::LedgerForked { size });

    let proofs = aiko.fork_proofs().unwrap();
    assert_eq!(proofs.len(), 1, "the same pair seen twice is kept once");
    let ledger_key = aiko.ledger_key().unwrap().unwrap();
    let proof = &proofs[0];
    proof.held.verify(&ledger_key).unwrap();
    proof.seen.verify(&ledger_key).unwrap();
    assert!(proof.held.conflicts_with(&proof.seen));
    assert_eq!(proof.seen, bea.ledger_checkpoint().unwrap().unwrap());
}

#[test]
fn a_fork_proof_caught_by_phones_reaches_the_ledgers_audit_export_at_the_next_sync() {
    use outpost_wallet_core::audit::{self, EntryKind as Kind};
    use outpost_wallet_core::protocol::EquivocationProof;
    let (unit, _clone, aiko, bea) = forked_phones();
    let request = bea.create_request(Some(yen(500)), "tea", 600).unwrap();
    aiko.pay_request(&request.qr_text, None, "").unwrap();
    unit.sync(&aiko);

    let export = unit.ledger.export_audit().unwrap();
    let reported: Vec<_> = export.entries.iter().filter(|e| e.kind == Kind::EquivocationReported).collect();
    assert_eq!(reported.len(), 1, "one report, from the phone that caught it");
    assert_eq!(reported[0].member_id, "AIKO-0001");
    let proof = EquivocationProof::from_bytes(&reported[0].evidence[0]).unwrap();
    let ledger_key = unit.ledger.public_key();
    proof.verify(&ledger_key).unwrap();
    let held = &aiko.fork_proofs().unwrap()[0];
    assert_eq!(proof, EquivocationProof::new(held.held.clone(), held.seen.clone()).unwrap());
    audit::audit_log(&export.entries, &export.checkpoint, &ledger_key)
        .expect("the export still audits clean");

    unit.sync(&aiko);
    let again = unit.ledger.audit_entries(0, u32::MAX).unwrap();
    assert_eq!(again.iter().filter(|e| e.kind == Kind::EquivocationReported).count(), 1, "sent once");
    assert_eq!(aiko.fork_proofs().unwrap().len(), 1, "kept after it was sent");
}

#[test]
fn an_offline_audit_refuses_an_equivocation_entry_whose_proof_does_not_hold() {
    use outpost_wallet_core::audit::{self, EntryKind as Kind};
    let (unit, _clone, aiko, bea) = forked_phones();
    let request = bea.create_request(Some(yen(500)), "tea", 600).unwrap();
    aiko.pay_request(&request.qr_text, None, "").unwrap();
    unit.sync(&aiko);
    let mut export = unit.ledger.export_audit().unwrap();
    let at = export.entries.iter().position(|e| e.kind == Kind::EquivocationReported).unwrap();
    export.entries[at].subject[0] ^= 1;
    // Re-signed by an insider with the ledger's key file, so only the entry's own check can fail.
    let secret: [u8; 32] =
        std::fs::read(unit.dir.path().join("ledger/ledger.key")).unwrap().try_into().unwrap();
    let leaves: Vec<_> = export.entries.iter().map(|e| e.leaf_hash()).collect();
    let checkpoint = outpost_wallet_core::protocol::LedgerSigner::from_secret(&secret).checkpoint(
        leaves.len() as u64,
        outpost_wallet_core::merkle::root(&leaves),
        export.checkpoint.time,
    );
    let err = audit::audit_log(&export.entries, &checkpoint, &unit.ledger.public_key()).unwrap_err();
    assert!(err.to_string().contains("the proof does not match the entry"), "{err}");
}

#[test]
fn a_phone_behind_or_never_synced_is_no_proof_of_anything_and_a_larger_checkpoint_is_kept_for_a_check() {
    use outpost_wallet_core::wallet::CheckpointSeen;
    let unit = support::Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let bea = unit.member("bea", "BEA-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 5_000);

    let request = bea.create_request(Some(yen(100)), "", 600).unwrap();
    assert_eq!(request.request.checkpoint, None, "a phone that never synced shows none");
    let paid = aiko.pay_request(&request.qr_text, None, "").unwrap();
    assert_eq!(paid.checkpoint_seen, CheckpointSeen::NotShown);
    bea.accept(&paid.qr_text).unwrap();

    unit.sync(&bea);
    unit.ledger.credit("AIKO-0001", yen(1_000), "allowance").unwrap();
    unit.sync(&aiko);
    let (held, seen) =
        (aiko.ledger_checkpoint().unwrap().unwrap(), bea.ledger_checkpoint().unwrap().unwrap());
    assert!(held.size > seen.size);
    let request = bea.create_request(Some(yen(100)), "", 600).unwrap();
    let paid = aiko.pay_request(&request.qr_text, None, "").unwrap();
    assert_eq!(
        paid.checkpoint_seen,
        CheckpointSeen::KeptForCheck { held_size: held.size, seen_size: seen.size }
    );
    assert_eq!(paid.checkpoint_seen.notice(), None, "nothing to alarm the member about");
    let receipt = bea.accept(&paid.qr_text).unwrap().receipt_qr;
    let confirmed = aiko.confirm_receipt(&receipt).unwrap();
    assert_eq!(confirmed.checkpoint_seen, paid.checkpoint_seen);
    assert!(aiko.fork_proofs().unwrap().is_empty());
}

#[test]
fn a_checkpoint_not_signed_by_the_pinned_ledger_is_ignored_and_the_payment_goes_through() {
    use outpost_wallet_core::protocol::{LedgerSigner, PaymentRequest};
    use outpost_wallet_core::qr::{self, PayloadKind};
    use outpost_wallet_core::wallet::CheckpointSeen;
    let unit = support::Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 5_000);
    let held = aiko.ledger_checkpoint().unwrap().unwrap();
    let stranger = Identity::generate().unwrap();
    let forged = LedgerSigner::generate().unwrap().checkpoint(held.size, [9; 32], held.time);
    let request = PaymentRequest::sign_showing(
        &stranger,
        Currency::JPY,
        Some(yen(100)),
        [1; 16],
        outpost_wallet_core::clock::Clock::now_unix(&*unit.clock) + 600,
        "",
        Some(&forged),
    )
    .unwrap();
    let paid =
        aiko.pay_request(&qr::encode(PayloadKind::PaymentRequest, &request.to_bytes()), None, "").unwrap();
    assert_eq!(paid.checkpoint_seen, CheckpointSeen::NotFromOurLedger);
    assert!(paid.checkpoint_seen.notice().unwrap().contains("not signed by your ledger"));
    assert!(aiko.fork_proofs().unwrap().is_empty(), "a checkpoint under another key proves nothing");
}

// Larger-versus-smaller pairs, proved at the next sync (docs/adr/0015): the ledger must prove
// every checkpoint a phone saw part of its answer's log, or stand exposed.

/// A ledger that lies with its own key: each answer of `ledger` is decoded, changed by `edit`
/// and signed again with the key file, as an insider holding it can.
type Edit = fn(&mut outpost_wallet_core::protocol::SyncResponseBody);

struct Lying {
    ledger: Arc<Ledger>,
    signer: outpost_wallet_core::protocol::LedgerSigner,
    edit: Edit,
}

impl Lying {
    fn new(unit: &support::Unit, edit: Edit) -> Self {
        let secret: [u8; 32] =
            std::fs::read(unit.dir.path().join("ledger/ledger.key")).unwrap().try_into().unwrap();
        let signer = outpost_wallet_core::protocol::LedgerSigner::from_secret(&secret);
        Lying { ledger: unit.ledger.clone(), signer, edit }
    }
}

impl outpost_wallet_core::transport::SyncTransport for Lying {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, outpost_wallet_core::transport::TransportError> {
        let answer = support::InProcess(self.ledger.clone()).exchange(request)?;
        let mut body = outpost_wallet_core::protocol::SyncResponse::from_bytes(&answer).unwrap().into_body();
        (self.edit)(&mut body);
        Ok(self.signer.sign_sync_response(body).unwrap().to_bytes())
    }
}

/// Aiko holds a larger checkpoint than Bea, both from one honest ledger, and has seen Bea's in
/// a payment: a pair the next sync must prove.
fn aiko_saw_a_smaller_checkpoint() -> (support::Unit, outpost_wallet_core::Wallet, Checkpoint) {
    use outpost_wallet_core::wallet::CheckpointSeen;
    let unit = support::Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let bea = unit.member("bea", "BEA-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.sync(&bea);
    unit.load_purse(&aiko, 5_000);
    let seen = bea.ledger_checkpoint().unwrap().unwrap();
    let request = bea.create_request(Some(yen(100)), "", 600).unwrap();
    let paid = aiko.pay_request(&request.qr_text, None, "").unwrap();
    assert!(
        matches!(paid.checkpoint_seen, CheckpointSeen::KeptForCheck { .. }),
        "{:?}",
        paid.checkpoint_seen
    );
    (unit, aiko, seen)
}

use outpost_wallet_core::protocol::Checkpoint;
use outpost_wallet_core::wallet::ProofFailure;

#[test]
fn a_checkpoint_seen_on_another_phone_is_proved_at_the_next_sync_and_asked_no_more() {
    let (unit, aiko, _) = aiko_saw_a_smaller_checkpoint();
    let report = unit.sync(&aiko);
    assert_eq!((report.sightings_proved, report.unproved.len()), (1, 0));
    assert_eq!(unit.sync(&aiko).sightings_proved, 0, "a proved pair is asked no more");
    assert!(aiko.unproved_pairs().unwrap().is_empty());

    // The other way round: Bea synced after Aiko, so her checkpoint is the larger one.
    let bea = unit.open(&unit.wallet_path("bea"));
    unit.ledger.credit("BEA-0002", yen(300), "allowance").unwrap();
    unit.sync(&bea);
    let request = bea.create_request(Some(yen(100)), "", 600).unwrap();
    aiko.pay_request(&request.qr_text, None, "").unwrap();
    assert!(bea.ledger_checkpoint().unwrap().unwrap().size > aiko.ledger_checkpoint().unwrap().unwrap().size);
    assert_eq!(unit.sync(&aiko).sightings_proved, 1);
}

#[test]
fn a_ledger_that_omits_the_proof_or_labels_it_for_another_size_is_exposed_and_both_checkpoints_kept() {
    let edits: [(&str, Edit); 2] = [
        ("omitted", |body| body.sighted.clear()),
        ("for another size", |body| {
            for proof in &mut body.sighted {
                proof.size += 1;
            }
        }),
    ];
    for (what, edit) in edits {
        let (unit, aiko, seen) = aiko_saw_a_smaller_checkpoint();
        let report = aiko.sync(&Lying::new(&unit, edit), &Default::default()).unwrap();
        assert_eq!(report.sightings_proved, 0, "{what}");
        assert_eq!(report.unproved.len(), 1, "{what}");
        let pair = &report.unproved[0];
        assert_eq!((pair.failure, &pair.seen), (ProofFailure::Omitted, &seen), "{what}");
        assert!(pair.notice().contains("did not prove that its log"), "{}", pair.notice());
        let key = unit.ledger.public_key();
        pair.seen.verify(&key).unwrap();
        pair.answer.verify(&key).unwrap();
        assert_eq!(aiko.unproved_pairs().unwrap(), report.unproved, "kept for export");
        // Kept, and not asked again: the evidence stands whatever the ledger answers later.
        assert_eq!(unit.sync(&aiko).sightings_proved, 0);
        assert_eq!(aiko.unproved_pairs().unwrap().len(), 1, "{what}");
        unit.tampered.set(true);
    }
}

#[test]
fn a_proof_that_does_not_verify_exposes_the_ledger() {
    let (unit, aiko, _) = aiko_saw_a_smaller_checkpoint();
    let lying = Lying::new(&unit, |body| {
        for proof in &mut body.sighted {
            proof.proof.iter_mut().for_each(|h| h[0] ^= 1);
            proof.proof.push([0; 32]);
        }
    });
    let report = aiko.sync(&lying, &Default::default()).unwrap();
    assert_eq!(report.unproved.len(), 1);
    assert_eq!(report.unproved[0].failure, ProofFailure::DoesNotVerify);
    assert!(report.unproved[0].notice().contains("gave a proof that fails"));
}

#[test]
fn a_replayed_answer_is_refused_and_the_pair_is_still_asked_at_the_next_sync() {
    let (unit, aiko, _) = aiko_saw_a_smaller_checkpoint();
    // An answer captured from Aiko's earlier sync, sent back to her next request.
    let old = std::sync::Mutex::new(None::<Vec<u8>>);
    struct Replay<'a>(Arc<Ledger>, &'a std::sync::Mutex<Option<Vec<u8>>>);
    impl outpost_wallet_core::transport::SyncTransport for Replay<'_> {
        fn exchange(
            &self,
            request: &[u8],
        ) -> Result<Vec<u8>, outpost_wallet_core::transport::TransportError> {
            let mut held = self.1.lock().unwrap();
            if let Some(answer) = held.clone() {
                return Ok(answer);
            }
            let answer = self.0.sync(request).unwrap();
            *held = Some(answer.clone());
            Ok(answer)
        }
    }
    let cai = unit.member("cai", "CAI-0003");
    cai.sync(&Replay(unit.ledger.clone(), &old), &Default::default()).unwrap();
    let refused = aiko.sync(&Replay(unit.ledger.clone(), &old), &Default::default());
    assert!(matches!(refused, Err(outpost_wallet_core::WalletError::BadLedgerProof { .. })), "{refused:?}");
    assert!(aiko.unproved_pairs().unwrap().is_empty(), "nothing from a refused answer is applied");
    assert_eq!(unit.sync(&aiko).sightings_proved, 1, "the pair is asked again and proved");
}

/// Bea's phone was shown a longer history by a copy of the ledger; Aiko saw it in a payment.
/// `clone_entries` and `main_entries` are how many credits each copy signs after the split.
fn aiko_saw_another_history(
    clone_entries: u64,
    main_entries: u64,
) -> (support::Unit, outpost_wallet_core::Wallet, Checkpoint) {
    let unit = forking_unit();
    unit.tampered.set(true);
    let aiko = unit.member("aiko", "AIKO-0001");
    let bea = unit.member("bea", "BEA-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 5_000);
    unit.sync(&bea);
    let clone = Arc::new(clone_ledger(&unit));
    for n in 0..clone_entries {
        clone.credit("BEA-0002", yen(100 + n), "allowance").unwrap();
    }
    bea.sync(&support::InProcess(clone.clone()), &Default::default()).unwrap();
    for n in 0..main_entries {
        unit.ledger.credit("AIKO-0001", yen(100 + n), "allowance").unwrap();
    }
    let seen = bea.ledger_checkpoint().unwrap().unwrap();
    let request = bea.create_request(Some(yen(100)), "", 600).unwrap();
    aiko.pay_request(&request.qr_text, None, "").unwrap();
    (unit, aiko, seen)
}

#[test]
fn a_larger_checkpoint_from_another_history_than_the_ledgers_answer_is_an_unproved_pair() {
    let (unit, aiko, seen) = aiko_saw_another_history(6, 0);
    let report = unit.sync(&aiko);
    let answer = aiko.ledger_checkpoint().unwrap().unwrap();
    assert!(seen.size > answer.size, "the copy signed more than the ledger now answers");
    assert_eq!(report.unproved.len(), 1);
    assert_eq!(report.unproved[0].failure, ProofFailure::AnswerSmaller);
    assert_eq!(report.unproved[0].answer, answer);
    assert!(report.unproved[0].notice().contains("smaller than the log"), "{}", report.unproved[0].notice());
}

#[test]
fn a_smaller_checkpoint_from_another_history_fails_the_ledgers_own_proof() {
    let (unit, aiko, seen) = aiko_saw_another_history(1, 6);
    let report = unit.sync(&aiko);
    assert!(seen.size < report.checkpoint_size);
    assert_eq!(report.unproved.len(), 1, "{report:?}");
    assert_eq!(report.unproved[0].failure, ProofFailure::DoesNotVerify);
    assert_eq!(aiko.unproved_pairs().unwrap().len(), 1);
}

// The wallet confirms the ledger recorded its fork proof.

#[test]
fn a_fork_proof_is_resent_until_an_answer_proves_its_entry_then_marked_recorded() {
    use outpost_wallet_core::audit::EntryKind as Kind;
    let (unit, _clone, aiko, bea) = forked_phones();
    let request = bea.create_request(Some(yen(500)), "tea", 600).unwrap();
    aiko.pay_request(&request.qr_text, None, "").unwrap();

    // A ledger that records the proof but hides the entry from the answer: still waiting.
    let hiding = Lying::new(&unit, |body| body.recorded.clear());
    let report = aiko.sync(&hiding, &Default::default()).unwrap();
    assert!(report.fork_proofs_recorded.is_empty());
    assert_eq!(aiko.fork_proofs().unwrap()[0].recorded_at, None, "not acknowledged, so resent");

    let report = unit.sync(&aiko);
    let entries = unit.ledger.audit_entries(0, u32::MAX).unwrap();
    let reported: Vec<_> = entries.iter().filter(|e| e.kind == Kind::EquivocationReported).collect();
    assert_eq!(reported.len(), 1, "the resent proof is recorded once");
    assert_eq!(report.fork_proofs_recorded, vec![reported[0].seq]);
    assert_eq!(aiko.fork_proofs().unwrap()[0].recorded_at, Some(reported[0].seq));

    let report = unit.sync(&aiko);
    assert!(report.fork_proofs_recorded.is_empty(), "a recorded proof is sent no more");
}

#[test]
fn an_entry_said_to_record_a_fork_proof_that_is_not_in_the_log_refuses_the_answer() {
    let (unit, _clone, aiko, bea) = forked_phones();
    let request = bea.create_request(Some(yen(500)), "tea", 600).unwrap();
    aiko.pay_request(&request.qr_text, None, "").unwrap();
    let forging = Lying::new(&unit, |body| {
        for entry in &mut body.recorded {
            entry.proof.iter_mut().for_each(|h| h[0] ^= 1);
        }
    });
    let refused = aiko.sync(&forging, &Default::default());
    assert!(matches!(refused, Err(outpost_wallet_core::WalletError::BadLedgerProof { .. })), "{refused:?}");
    assert_eq!(aiko.fork_proofs().unwrap()[0].recorded_at, None);
}

#[test]
fn a_wallet_not_yet_upgraded_is_answered_in_its_own_version_and_its_resent_request_gets_the_same_bytes() {
    use outpost_wallet_core::protocol::{SyncRequest, SyncResponse};
    let unit = support::Unit::new();
    let identity = Identity::generate().unwrap();
    unit.ledger.enrol(&enrolment_qr(&identity, "OLD-0001")).unwrap();
    for version in [1u8, 2, 3] {
        let body = sync_request(&identity, [version; 16], 1_800_000_000, 0).body().clone();
        let request = SyncRequest::sign_version(version, body, Vec::new(), Vec::new(), &identity).unwrap();
        let answer = unit.ledger.sync(&request.to_bytes()).unwrap();
        assert_eq!(answer[0], version, "answered in the request's version");
        let read = SyncResponse::from_bytes(&answer).unwrap();
        read.verify(&unit.ledger.public_key(), &request.id()).unwrap();
        assert_eq!(
            unit.ledger.sync(&request.to_bytes()).unwrap(),
            answer,
            "a resent request, the same answer"
        );
    }
}
