//! A two-person offline payment done entirely with the `outpost` command, as a user scripts it:
//! a ledger server as a child process, two wallet files, and QR text passed between them
//! through files, then both sync, the ledger settles, and the auditor checks the log.

mod support;

use std::path::Path;

use predicates::str::contains;
use support::{LedgerServer, assert_one_line_error, create_wallet, outpost, stdout, wallet};

const AIKO_PIN: &str = "482916";
const BEN_PIN: &str = "205817";

fn aiko(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    wallet(dir, "aiko.wallet", AIKO_PIN, args)
}

fn ben(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    wallet(dir, "ben.wallet", BEN_PIN, args)
}

/// The line of `text` that starts with `label` (after indentation).
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"))
}

#[test]
fn two_wallets_pay_offline_through_files_then_settle_and_audit() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let hq = LedgerServer::start(dir);

    // Two members make wallets and show the officer their enrolment codes.
    create_wallet(dir, "aiko.wallet", AIKO_PIN);
    create_wallet(dir, "ben.wallet", BEN_PIN);
    assert!(dir.join("aiko.wallet.key").is_file() && dir.join("ben.wallet.key").is_file());
    aiko(dir, &["identity", "--member-id", "AIKO-0001", "--out", "aiko-enrol.txt"])
        .assert()
        .success()
        .stdout(contains("OP1E:"));
    ben(dir, &["identity", "--member-id", "BEN-0002", "--out", "ben-enrol.txt"]).assert().success();

    // The officer enrols both (one from a file, one piped in) and pays Aiko.
    hq.officer(dir, &["enrol", "--qr-file", "aiko-enrol.txt"])
        .assert()
        .success()
        .stdout(contains("Enrolled AIKO-0001"))
        .stdout(contains(hq.key.as_str()));
    let ben_enrolment = std::fs::read_to_string(dir.join("ben-enrol.txt")).unwrap();
    hq.officer(dir, &["enrol"])
        .write_stdin(ben_enrolment)
        .assert()
        .success()
        .stdout(contains("Enrolled BEN-0002"));
    hq.act(dir, &["credit", "AIKO-0001", "50000", "--memo", "November pay", "--batch", "2026-11"])
        .assert()
        .success()
        .stdout(contains("Online balance now ¥50,000"));

    // Over plain HTTP a first sync does not pin whatever key the network presents: anyone on the
    // path could answer with their own. The key comes from the officer.
    aiko(dir, &["sync", "--ledger", &hq.url, "--purse", "10000"])
        .assert()
        .failure()
        .stderr(contains("plain HTTP"))
        .stderr(contains("--ledger-key"))
        .stderr(contains("so nothing was pinned"));
    aiko(dir, &["sync", "--ledger", &hq.url, "--purse", "10000", "--ledger-key", &hq.key])
        .assert()
        .success()
        .stdout(contains("Pinned the ledger key you gave"))
        .stdout(contains("Loaded an offline purse of ¥10,000"));
    ben(dir, &["sync", "--ledger", &hq.url, "--ledger-key", &hq.key])
        .assert()
        .success()
        .stdout(contains("Pinned the ledger key you gave"));

    // Offline: request, transfer and receipt travel as QR text in files.
    ben(dir, &["request", "--amount", "3000", "--memo", "canteen", "--out", "request.txt"])
        .assert()
        .success()
        .stdout(contains("Payment request for ¥3,000"));
    aiko(dir, &["pay", "--qr-file", "request.txt", "--out", "transfer.txt", "--svg", "transfer.svg"])
        .assert()
        .success()
        .stdout(contains("Paid ¥3,000 from the offline purse"));
    assert!(std::fs::read_to_string(dir.join("transfer.txt")).unwrap().starts_with("OP1T:"));
    assert!(std::fs::read_to_string(dir.join("transfer.svg")).unwrap().contains("<svg"));
    ben(dir, &["accept", "--qr-file", "transfer.txt", "--out", "receipt.txt"])
        .assert()
        .success()
        .stdout(contains("Accepted ¥3,000 from AIKO-0001"));
    ben(dir, &["accept", "--qr-file", "transfer.txt"])
        .assert()
        .success()
        .stdout(contains("Already accepted"))
        .stdout(contains("Nothing more was credited"));
    aiko(dir, &["confirm", "--qr-file", "receipt.txt"]).assert().success().stdout(contains("is delivered"));

    let a = stdout(&aiko(dir, &["balance"]).output().unwrap());
    assert!(line(&a, "offline purse").contains("¥7,000"), "{a}");
    assert!(line(&a, "pending out").contains("¥3,000"), "{a}");
    let b = stdout(&ben(dir, &["balance"]).output().unwrap());
    assert!(line(&b, "pending in").contains("¥3,000"), "{b}");
    assert!(line(&b, "online account").contains("¥0"), "{b}");

    // Back online: both sync and the ledger settles the transfer once.
    aiko(dir, &["sync", "--ledger", &hq.url]).assert().success().stdout(contains("extends the history"));
    let synced = stdout(&ben(dir, &["sync", "--ledger", &hq.url]).assert().success().get_output().clone());
    assert!(synced.contains("The ledger settled 1 transfer."), "{synced}");
    let b = stdout(&ben(dir, &["balance"]).output().unwrap());
    assert!(line(&b, "online account").contains("¥3,000"), "{b}");
    assert!(line(&b, "pending in").contains("¥0"), "{b}");
    aiko(dir, &["history"])
        .assert()
        .success()
        .stdout(contains("sent ¥3,000"))
        .stdout(contains("[sent, settled by the ledger]"));
    ben(dir, &["history"]).assert().success().stdout(contains("received ¥3,000 from AIKO-0001 \"canteen\""));

    let members = stdout(&hq.officer(dir, &["members"]).assert().success().get_output().clone());
    assert!(line(&members, "BEN-0002").contains("¥3,000"), "{members}");
    let aiko_row = line(&members, "AIKO-0001");
    assert!(aiko_row.contains("¥40,000") && aiko_row.contains("¥7,000"), "{members}");
    hq.officer(dir, &["flags"]).assert().success().stdout(contains("No risk flags."));

    // Both event logs are intact.
    aiko(dir, &["verify"]).assert().success().stdout(contains("is intact"));
    ben(dir, &["verify"]).assert().success().stdout(contains("is intact"));
    // Checkpoints the phones compared in the handshake agreed: no proof of a ledger fork.
    aiko(dir, &["fork-proofs"])
        .assert()
        .success()
        .stdout(contains("No proof that the ledger forked its log"));

    // The auditor checks the exported log against the key the wallets pinned.
    hq.officer(dir, &["export", "--out", "audit.bin"])
        .assert()
        .success()
        .stdout(contains("outpost audit verify"));
    outpost(dir)
        .args(["audit", "verify", "--file", "audit.bin", "--ledger-key", &hq.key, "--currency", "JPY"])
        .assert()
        .success()
        .stdout(contains("passed"))
        .stdout(contains("credited         ¥50,000"))
        .stdout(contains("flagged members  none"));
    let someone_else = "ab".repeat(32);
    let refused = outpost(dir)
        .args(["audit", "verify", "--file", "audit.bin", "--ledger-key", &someone_else])
        .output()
        .unwrap();
    assert_one_line_error(&refused, "the audit FAILED");
}
