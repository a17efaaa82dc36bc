//! The `outpost` binary as a user runs it: its exit codes, its output and the files it leaves.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn outpost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outpost")).args(args).output().expect("the outpost binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_runs_every_check_and_reports_json() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("run");
    let out = outpost(&["demo", "--json", "--dir", dir.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{}", text(&out.stderr));

    let last = stdout.lines().last().expect("some output");
    assert!(last.starts_with('{') && last.ends_with('}'), "last line is not JSON: {last}");
    assert!(last.starts_with(r#"{"checks_passed":"#), "{last}");
    for field in [
        r#""checks_failed":0"#,
        r#""wallets":3"#,
        r#""log_verified":true"#,
        r#""tamper_detected":true"#,
        r#""offline_transfers":2"#,
        r#""double_spend_detected":true"#,
        r#""members":3"#,
        r#""settled":2"#,
        r#""audit_verified":true"#,
        r#""ledger_balanced":true"#,
    ] {
        assert!(last.contains(field), "{field} missing from {last}");
    }
    assert!(!last.contains(r#""checks_passed":0,"#), "{last}");
    let version: u8 = json_number(last, "transfer_qr_version");
    assert!((1..=15).contains(&version), "the transfer QR must fit version 15-M: {last}");
    assert!(json_number::<usize>(last, "transfer_qr_bytes") > 200, "{last}");

    // What a person reads: 80 columns, money as money, counts and lists as words, no Rust
    // formatting (a debug list like `[3, 2]`, an enum's name like `PinChanged`).
    for line in stdout.lines().filter(|l| !l.starts_with('{')) {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
        assert!(!line.contains("(s)") && !line.contains('['), "a count or list not in words: {line}");
        assert!(!line.split_whitespace().any(is_rust_name), "a Rust name, not words: {line}");
    }
    // Every amount the checks refer to was told before, in its step.
    for words in [
        "¥50,000 for Aiko and ¥30,000 for Ben",
        "Ben after sync: online ¥25,000",
        "The copy pays Ben ¥9,000",
        "¥80,000 credited in all",
    ] {
        assert!(stdout.contains(words), "the story does not say {words:?}:\n{stdout}");
    }

    for file in [
        "aiko.wallet",
        "device.key",
        "aiko-tampered.wallet",
        "ben.wallet",
        "ben-device.key",
        "aiko-before-paying.wallet",
        "ledger/ledger.db",
        "ledger/ledger.key",
        "audit-log.bin",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing from {}", dir.display());
    }
}

#[test]
fn demo_refuses_a_non_empty_directory() {
    let temp = tempfile::tempdir().unwrap();
    let existing = temp.path().join("notes.txt");
    fs::write(&existing, "keep me").unwrap();

    let out = outpost(&["demo", "--dir", temp.path().to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.starts_with("error:"), "{stderr}");
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line, no backtrace: {stderr}");
    assert_eq!(fs::read_to_string(&existing).unwrap(), "keep me");
    assert_eq!(entries(temp.path()), ["notes.txt"]);
}

#[test]
fn unknown_subcommand_prints_help_and_fails() {
    let out = outpost(&["frobnicate"]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.starts_with("error:"), "{stderr}");
    assert!(stderr.contains("frobnicate"), "{stderr}");
    assert!(stderr.contains("Usage:") && stderr.contains("demo"), "the help lists the commands: {stderr}");
}

/// A word such as `PinChanged` or `WalletCreated`: capitalised words run together, as Rust
/// prints an enum's name. (`SQLite`, `PostgreSQL` and fingerprints are not.)
fn is_rust_name(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let mut humps = 0;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_uppercase() {
            return false;
        }
        let mut lower = 0;
        while chars.next_if(char::is_ascii_lowercase).is_some() {
            lower += 1;
        }
        if lower == 0 {
            return false;
        }
        humps += 1;
    }
    humps >= 2
}

#[test]
fn rust_names_are_told_from_words() {
    for name in ["PinChanged", "WalletCreated:", "(DoubleSpendDetected)"] {
        assert!(is_rust_name(name), "{name}");
    }
    for word in ["SQLite", "PostgreSQL", "Ben's", "YOYD-UKAN-4MU3-JNZ3", "Aiko", "QR", "iOS", "¥3,000"] {
        assert!(!is_rust_name(word), "{word}");
    }
}

/// The number after `"key":` in a flat JSON object.
fn json_number<T: std::str::FromStr>(json: &str, key: &str) -> T {
    let start =
        json.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("{key} missing: {json}")) + key.len() + 3;
    let digits: String = json[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| panic!("{key} is not a number: {json}"))
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}
