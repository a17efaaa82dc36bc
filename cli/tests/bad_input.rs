//! What a user sees when they get something wrong: one line saying what was wrong, a non-zero
//! exit, never a panic, and files left as they were.

mod support;

use std::path::Path;

use support::{LedgerServer, assert_one_line_error, create_wallet, outpost, stderr, wallet};

const PIN: &str = "482916";

fn fresh_wallet() -> (tempfile::TempDir, &'static str) {
    let temp = tempfile::tempdir().unwrap();
    create_wallet(temp.path(), "mine.wallet", PIN);
    (temp, "mine.wallet")
}

/// A payment request made by a second wallet in `dir`, as its QR text.
fn request_from_other_wallet(dir: &Path) -> String {
    create_wallet(dir, "other.wallet", PIN);
    wallet(dir, "other.wallet", PIN, &["request", "--amount", "500", "--out", "request.txt"])
        .assert()
        .success();
    std::fs::read_to_string(dir.join("request.txt")).unwrap().trim().to_owned()
}

#[test]
fn garbage_qr_text_is_named_as_not_an_outpost_code() {
    let (temp, name) = fresh_wallet();
    let out = wallet(temp.path(), name, PIN, &["accept", "HELLO WORLD"]).output().unwrap();
    assert_one_line_error(&out, "this is not an Outpost code");
}

#[test]
fn truncated_qr_text_is_refused_as_incomplete() {
    let (temp, name) = fresh_wallet();
    let request = request_from_other_wallet(temp.path());
    // Cut after a whole number of 3-character groups (past the 5-character header), so the text
    // still decodes and it is the message inside that is found short.
    let body = request.len() - "OP1R:".len();
    let cut = &request[..5 + (body - 30) / 3 * 3];
    let out = wallet(temp.path(), name, PIN, &["pay", cut]).output().unwrap();
    assert_one_line_error(&out, "the payment request is damaged (input ends early");
}

#[test]
fn lowercased_qr_text_says_something_changed_it() {
    let (temp, name) = fresh_wallet();
    let request = request_from_other_wallet(temp.path()).to_lowercase();
    let out = wallet(temp.path(), name, PIN, &["pay", &request]).output().unwrap();
    assert_one_line_error(&out, "QR text must be uppercase");
}

#[test]
fn a_request_given_to_accept_says_which_code_to_scan() {
    let (temp, name) = fresh_wallet();
    request_from_other_wallet(temp.path());
    let out = wallet(temp.path(), name, PIN, &["accept", "--qr-file", "request.txt"]).output().unwrap();
    assert_one_line_error(&out, "this is a payment request, not a transfer: scan the transfer QR code");
}

#[test]
fn empty_stdin_is_an_empty_scan() {
    let (temp, name) = fresh_wallet();
    let out = wallet(temp.path(), name, PIN, &["confirm", "-"]).write_stdin("\n").output().unwrap();
    assert_one_line_error(&out, "the scanned text is empty");
}

#[test]
fn a_wrong_pin_says_how_many_tries_are_left() {
    let (temp, name) = fresh_wallet();
    let out = wallet(temp.path(), name, "999999", &["balance"]).output().unwrap();
    assert_one_line_error(&out, "PIN incorrect, 3 tries left");
    let out = wallet(temp.path(), name, "999998", &["balance"]).output().unwrap();
    assert_one_line_error(&out, "PIN incorrect, 2 tries left");
    wallet(temp.path(), name, PIN, &["balance"]).assert().success();
}

#[test]
fn a_missing_wallet_file_says_how_to_make_one() {
    let temp = tempfile::tempdir().unwrap();
    let out = wallet(temp.path(), "nowhere.wallet", PIN, &["balance"]).output().unwrap();
    assert_one_line_error(&out, "no wallet file at nowhere.wallet");
    assert!(stderr(&out).contains("outpost wallet create"));
}

#[test]
fn an_unreachable_ledger_is_named_with_its_url() {
    let (temp, name) = fresh_wallet();
    let dead = "http://127.0.0.1:1";
    let key = "00".repeat(32);
    let out =
        wallet(temp.path(), name, PIN, &["sync", "--ledger", dead, "--ledger-key", &key]).output().unwrap();
    assert_one_line_error(&out, "cannot reach the ledger at http://127.0.0.1:1");
    let officer = support::Officer::make(temp.path(), "carol", "Carol Diaz");
    let out = outpost(temp.path())
        .args(["ledger", "members", "--ledger", dead])
        .args(officer.args())
        .output()
        .unwrap();
    assert_one_line_error(&out, "cannot reach the ledger at http://127.0.0.1:1");
}

#[test]
fn a_key_that_is_not_an_officers_is_refused_by_the_ledger() {
    let temp = tempfile::tempdir().unwrap();
    let hq = LedgerServer::start(temp.path());
    let stranger = support::Officer::make(temp.path(), "mallory", "Mallory");
    let out = outpost(temp.path())
        .args(["ledger", "members", "--ledger", &hq.url])
        .args(stranger.args())
        .output()
        .unwrap();
    assert_one_line_error(&out, "signed by a key that is not an officer of this ledger");
}

#[test]
fn officer_commands_need_an_officer_key_with_private_files() {
    let temp = tempfile::tempdir().unwrap();
    let out =
        outpost(temp.path()).args(["ledger", "members", "--ledger", "http://127.0.0.1:1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(support::stderr(&out).contains("--officer-key"), "{}", support::stderr(&out));
    let officer = support::Officer::make(temp.path(), "alice", "Alice Sato");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&officer.key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = outpost(temp.path()).args(["officer", "show", "--key"]).arg(&officer.key).output().unwrap();
        assert_one_line_error(&out, "may be read or written by other users (mode 644), so it was not used");
        std::fs::set_permissions(&officer.key, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&officer.passphrase, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = outpost(temp.path())
            .args(["officer", "code", "--key"])
            .arg(&officer.key)
            .arg("--passphrase-file")
            .arg(&officer.passphrase)
            .output()
            .unwrap();
        assert_one_line_error(&out, "may be read by other users, so it was not used");
    }
}

#[test]
fn an_existing_file_is_never_overwritten_by_out() {
    let (temp, name) = fresh_wallet();
    let before = std::fs::read(temp.path().join(name)).unwrap();
    let out =
        wallet(temp.path(), name, PIN, &["request", "--amount", "100", "--out", name]).output().unwrap();
    assert_one_line_error(&out, "already exists and was not overwritten");
    assert_eq!(std::fs::read(temp.path().join(name)).unwrap(), before);
}

#[test]
fn create_refuses_to_overwrite_a_wallet() {
    let (temp, name) = fresh_wallet();
    let out = wallet(temp.path(), name, PIN, &["create"]).output().unwrap();
    assert_one_line_error(&out, "a wallet already exists at");
}

#[test]
fn a_command_without_its_wallet_is_a_usage_error() {
    let temp = tempfile::tempdir().unwrap();
    let out = outpost(temp.path()).args(["wallet", "balance"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "error: no wallet file was named: give --wallet PATH, or set OUTPOST_WALLET"
    );
}

#[test]
fn an_empty_damaged_or_wrong_scan_is_refused_before_the_pin_is_asked() {
    let (temp, name) = fresh_wallet();
    let request = request_from_other_wallet(temp.path());
    // No PIN in the environment and none on standard input: had the command asked for one, it
    // would have failed on that instead.
    for (args, expected) in [
        (vec!["accept", ""], "the scanned text is empty"),
        (vec!["confirm", "OP1C:B"], "damaged"),
        (vec!["accept", "OP1Z:BB8"], "header is damaged"),
        (vec!["pay", "OP2R:BB8"], "update the app"),
        (vec!["accept", request.as_str()], "this is a payment request, not a transfer"),
    ] {
        let out = support::outpost(temp.path())
            .arg("wallet")
            .args(&args)
            .args(["--wallet", name])
            .write_stdin("")
            .output()
            .unwrap();
        assert_one_line_error(&out, expected);
        assert!(!stderr(&out).contains("PIN"), "{args:?} asked for the PIN: {}", stderr(&out));
    }
}

#[test]
fn an_empty_or_wrong_enrolment_code_is_refused_before_the_passphrase_is_asked() {
    let (temp, _) = fresh_wallet();
    let request = request_from_other_wallet(temp.path());
    std::fs::write(temp.path().join("empty.txt"), "\n").unwrap();
    // No officer key file and no passphrase: had the command asked for one, or opened the key,
    // it would have failed on that instead.
    for (args, expected) in [
        (vec!["--qr-file", "empty.txt"], "the scanned text is empty"),
        (vec![request.as_str()], "this is a payment request, not an enrolment"),
        (vec!["OP1E:B"], "damaged"),
    ] {
        let out = support::outpost(temp.path())
            .args(["ledger", "enrol", "--officer-key", "nobody.officer"])
            .args(&args)
            .write_stdin("")
            .output()
            .unwrap();
        assert_one_line_error(&out, expected);
        assert!(!stderr(&out).contains("passphrase"), "{args:?} asked for the passphrase: {}", stderr(&out));
    }
}
