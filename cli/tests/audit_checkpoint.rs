//! An auditor holds checkpoints from earlier visits and checks every later export against them
//! with `outpost audit verify --checkpoint FILE`: a history rewritten by an insider who also
//! emptied the ledger's checkpoint file passes the export's own audit, and fails against them.

mod support;

use std::path::Path;

use outpost_wallet_core::audit::{AuditEntry, EntryKind};
use predicates::str::contains;
use support::{LedgerServer, assert_one_line_error, outpost, stdout};

const PIN: &str = "482916";

/// A ledger (founded by two officers: entries 1 and 2) with Aiko enrolled and paid, and the
/// checkpoints an auditor saved before and after her second credit (entry 5): `before.json` (5
/// entries) and `after.json` (6).
fn ledger_with_saved_checkpoints(dir: &Path) -> LedgerServer {
    let hq = LedgerServer::start(dir);
    hq.paid_member(dir, "aiko.wallet", PIN, "AIKO-0001", 50_000);
    save_checkpoint(dir, &hq, "before.json").stdout(contains("5 entries"));
    hq.act(dir, &["credit", "AIKO-0001", "1000", "--memo", "allowance", "--batch", "2026-11"])
        .assert()
        .success();
    save_checkpoint(dir, &hq, "after.json").stdout(contains("6 entries"));
    hq
}

fn save_checkpoint(dir: &Path, hq: &LedgerServer, file: &str) -> assert_cmd::assert::Assert {
    outpost(dir)
        .args(["audit", "checkpoint", "--ledger", &hq.url, "--ledger-key", &hq.key, "--out", file])
        .assert()
        .success()
}

fn verify(dir: &Path, hq: &LedgerServer, checkpoints: &[&str]) -> assert_cmd::Command {
    let mut cmd = outpost(dir);
    cmd.args(["audit", "verify", "--ledger", &hq.url, "--ledger-key", &hq.key]).args(hq.officers[0].args());
    for file in checkpoints {
        cmd.args(["--checkpoint", file]);
    }
    cmd
}

#[test]
fn an_export_that_extends_the_checkpoints_held_passes() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let hq = ledger_with_saved_checkpoints(dir);
    hq.act(dir, &["credit", "AIKO-0001", "200", "--memo", "bonus", "--batch", "2026-11"]).assert().success();

    verify(dir, &hq, &["before.json", "after.json"])
        .assert()
        .success()
        .stdout(contains("passed"))
        .stdout(contains("extends          the checkpoint held of 5 entries"))
        .stdout(contains("extends          the checkpoint held of 6 entries"));
    let alone = stdout(&verify(dir, &hq, &[]).assert().success().get_output().clone());
    assert!(alone.contains("NOT checked"), "{alone}");
    assert!(alone.contains("not that its history was never rewritten"), "{alone}");
}

#[test]
fn a_leaf_edited_after_the_checkpoint_was_saved_fails_naming_the_entry() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let hq = ledger_with_saved_checkpoints(dir);
    drop(hq);

    // An insider raising the allowance tenfold is caught by the export's own audit: the two
    // officers signed 1000. So the insider rewrites only what no officer signed (the entry's
    // words), empties the checkpoint file and the database's record of the largest checkpoint
    // signed (`signed_head`) so the ledger forgets what it signed, and starts it again: it signs
    // the rewritten log.
    let ledger_dir = dir.join("hq");
    let db = rusqlite::Connection::open(ledger_dir.join("ledger.db")).unwrap();
    let leaf: Vec<u8> = db.query_row("SELECT leaf FROM audit WHERE seq = 5", [], |r| r.get(0)).unwrap();
    let mut entry = AuditEntry::from_leaf_data(&leaf).unwrap();
    assert_eq!(entry.kind, EntryKind::Credited);
    let mut tenfold = entry.clone();
    for m in &mut tenfold.moves {
        m.delta *= 10;
    }
    entry.detail = "credited ¥1,000 to AIKO-0001: a bonus".into();
    db.execute("UPDATE audit SET leaf = ?1 WHERE seq = 5", [tenfold.leaf_data()]).unwrap();
    db.execute("DELETE FROM signed_head", []).unwrap();
    drop(db);
    std::fs::write(ledger_dir.join("checkpoints.log"), b"").unwrap();
    let hq = LedgerServer::start(dir);
    let caught = verify(dir, &hq, &[]).output().unwrap();
    assert_one_line_error(
        &caught,
        "entry 5 of the log, about AIKO-0001, fails the audit (the officers signed a credit of ¥1,000, not the ¥10,000 credited)",
    );
    drop(hq);
    let db = rusqlite::Connection::open(ledger_dir.join("ledger.db")).unwrap();
    db.execute("UPDATE audit SET leaf = ?1 WHERE seq = 5", [entry.leaf_data()]).unwrap();
    db.execute("DELETE FROM signed_head", []).unwrap();
    drop(db);
    std::fs::write(ledger_dir.join("checkpoints.log"), b"").unwrap();
    let hq = LedgerServer::start(dir);

    // The export passes its own audit: only a checkpoint held from before shows the rewrite.
    verify(dir, &hq, &[]).assert().success();
    let both = verify(dir, &hq, &["before.json", "after.json"]).output().unwrap();
    assert_one_line_error(&both, "the audit FAILED");
    let message = support::stderr(&both);
    assert!(message.contains("does not extend the checkpoint of 6 entries"), "{message}");
    assert!(message.contains("entries 0 to 4 still match"), "{message}");
    assert!(
        message.contains("the first divergent entry is entry 5, now a credit for AIKO-0001"),
        "{message}"
    );

    let one = verify(dir, &hq, &["after.json"]).output().unwrap();
    assert_one_line_error(&one, "the audit FAILED");
    let message = support::stderr(&one);
    assert!(message.contains("one of entries 0 to 5"), "{message}");
}

#[test]
fn a_file_that_holds_no_checkpoint_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::write(dir.join("note.txt"), "not a checkpoint").unwrap();
    std::fs::write(dir.join("audit.bin"), b"").unwrap();
    let key = "ab".repeat(32);
    let output = outpost(dir)
        .args(["audit", "verify", "--file", "audit.bin", "--ledger-key", &key, "--checkpoint", "note.txt"])
        .output()
        .unwrap();
    assert_one_line_error(&output, "note.txt does not hold a ledger checkpoint");
}
