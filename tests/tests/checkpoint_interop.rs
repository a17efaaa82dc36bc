//! A ledger's checkpoint checked by an implementation that shares no code with Outpost: the
//! ledger is served on loopback, its note is fetched from `GET /checkpoint` as an auditor would,
//! and Go's `golang.org/x/mod/sumdb/note` (the program in `tests/interop/go`) verifies it with
//! the ledger key in its standard verifier-key form. Go must also refuse the note when its text
//! is changed or when it carries no signature by the pinned key.
//!
//! Go is needed (it is on the development machines and in CI). `go mod download` fetches the one
//! pinned module, checked against the committed go.sum, before anything runs; nothing else goes
//! to the network. Without a `go` command the test says so and passes, so that a machine without
//! Go can still run the rest of the suite.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use outpost_ledger::Ledger;
use outpost_ledger::http::loopback::Loopback;
use outpost_wallet_core::clock::SystemClock;
use outpost_wallet_core::money::Currency;
use outpost_wallet_core::protocol::{Checkpoint, LedgerSigner};

fn go_module() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("interop/go")
}

fn go(args: &[&str]) -> Output {
    Command::new("go")
        .args(args)
        .current_dir(go_module())
        .env("GOFLAGS", "-mod=readonly")
        .output()
        .expect("run go")
}

/// The verifier built once: `go mod download`, then `go build` into `dir`.
fn build_verifier(dir: &Path) -> PathBuf {
    let download = go(&["mod", "download"]);
    assert!(download.status.success(), "go mod download: {}", String::from_utf8_lossy(&download.stderr));
    let binary = dir.join("checkpoint-verify");
    let build = go(&["build", "-o", binary.to_str().unwrap(), "."]);
    assert!(build.status.success(), "go build: {}", String::from_utf8_lossy(&build.stderr));
    binary
}

/// Go's verdict on `note` under `verifier_key`: exit code and standard output.
fn go_verdict(binary: &Path, dir: &Path, verifier_key: &str, note: &str) -> (i32, String) {
    let file = dir.join("checkpoint.note");
    std::fs::write(&file, note).unwrap();
    let output = Command::new(binary).arg(verifier_key).arg(&file).output().unwrap();
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), String::from_utf8(output.stdout).unwrap())
}

/// `GET path` from `server` as plain HTTP/1.1: the status line, headers and body as text.
fn get(server: &Loopback, path: &str) -> String {
    let mut stream = TcpStream::connect(server.address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.address).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn go_sumdb_note_verifies_the_ledgers_checkpoint_and_refuses_a_changed_one() {
    if Command::new("go").arg("version").output().is_err() {
        println!("SKIPPED: no `go` command on this machine; Go's note verifier was not run");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let verifier = build_verifier(dir.path());

    // The ledger keeps its key and database in a directory of its own.
    let ledger_dir = dir.path().join("ledger");
    std::fs::create_dir(&ledger_dir).unwrap();
    let ledger = Arc::new(Ledger::open(&ledger_dir, Currency::JPY, Arc::new(SystemClock)).unwrap());
    let key = ledger.public_key();
    let hq = Loopback::ledger(Arc::clone(&ledger), 0).unwrap();
    let reply = get(&hq, "/checkpoint");
    let (head, note) = reply.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: text/plain; charset=utf-8"), "{head}");
    let checkpoint = Checkpoint::from_note(note.as_bytes()).unwrap();
    checkpoint.verify(&key).unwrap();
    assert!(checkpoint.size >= 1, "a ledger's log starts with its creation");

    let root = note.lines().nth(2).unwrap();
    let vkey = Checkpoint::verifier_key(&key);
    let origin = Checkpoint::origin(&key);
    let (code, stdout) = go_verdict(&verifier, dir.path(), &vkey, note);
    assert_eq!(code, 0, "Go refused the ledger's checkpoint: {stdout}");
    print!("Go, on the ledger's note:\n{stdout}");
    assert_eq!(
        stdout,
        format!(
            "verified {origin}\norigin {origin}\nsize {}\nroot {root}\nextension time {}\n",
            checkpoint.size, checkpoint.time
        )
    );
    // The compact form the wallets hold is the same checkpoint: its note is what Go verified.
    assert_eq!(Checkpoint::from_bytes(&checkpoint.to_bytes()).unwrap().to_note(&key), note);

    let size_line = format!("\n{}\n", checkpoint.size);
    let impostor = LedgerSigner::from_secret(&[9; 32]);
    for (what, forged) in [
        ("a larger size", note.replacen(&size_line, &format!("\n{}\n", checkpoint.size + 1), 1)),
        ("another root", note.replacen(root, &format!("{}=", "A".repeat(43)), 1)),
        ("another time", note.replacen("\ntime ", "\ntime 1", 1)),
        (
            "another ledger's signature",
            impostor.checkpoint(checkpoint.size, checkpoint.root, checkpoint.time).to_note(&key),
        ),
        (
            "only another ledger's own signature",
            impostor
                .checkpoint(checkpoint.size, checkpoint.root, checkpoint.time)
                .to_note(&impostor.public_key()),
        ),
    ] {
        assert_ne!(forged, note, "{what}: the forgery changed nothing");
        let (code, stdout) = go_verdict(&verifier, dir.path(), &vkey, &forged);
        assert_eq!(code, 1, "Go accepted a note with {what}: {stdout}");
        assert!(stdout.starts_with("rejected: "), "{what}: {stdout}");
        print!("Go, on a note with {what}: {stdout}");
        let ours = Checkpoint::from_note(forged.as_bytes()).map(|c| c.verify(&key));
        assert!(!matches!(ours, Ok(Ok(()))), "Outpost accepted a note with {what}");
    }
}
