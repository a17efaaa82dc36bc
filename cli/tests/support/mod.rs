//! What the `outpost` command tests share: the binary with a clean environment, wallets made
//! the way a user makes them, and a ledger server run as a child process.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command as StdCommand, Output, Stdio};

use assert_cmd::Command;

/// The `outpost` binary, with none of the caller's `OUTPOST_*` settings leaking in.
pub fn outpost(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_outpost"));
    cmd.current_dir(dir);
    for var in [
        "OUTPOST_WALLET",
        "OUTPOST_PIN",
        "OUTPOST_LEDGER",
        "OUTPOST_OFFICER_KEY",
        "OUTPOST_LOG",
        "OUTPOST_CA_FILE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `outpost wallet <args> --wallet <wallet>` with `pin` in `OUTPOST_PIN`.
pub fn wallet(dir: &Path, wallet: &str, pin: &str, args: &[&str]) -> Command {
    let mut cmd = outpost(dir);
    cmd.arg("wallet").args(args).args(["--wallet", wallet]).env("OUTPOST_PIN", pin);
    cmd
}

/// Makes a wallet file (and its `.key`) in `dir`.
pub fn create_wallet(dir: &Path, name: &str, pin: &str) {
    wallet(dir, name, pin, &["create"]).assert().success();
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts what every failure looks like to a user: a non-zero exit, exactly one line on
/// stderr that starts with `error:` and says `expected`, and no panic.
pub fn assert_one_line_error(output: &Output, expected: &str) {
    let err = stderr(output);
    assert!(!output.status.success(), "the command should have failed; stdout:\n{}", stdout(output));
    assert_eq!(output.status.code(), Some(1), "exit status; stderr:\n{err}");
    assert!(!err.contains("panicked"), "a panic reached the user:\n{err}");
    assert_eq!(err.lines().count(), 1, "one line, no backtrace:\n{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
}

/// `outpost ledger serve` on a free loopback port, as a child process; killed when dropped.
pub struct LedgerServer {
    child: Child,
    /// Kept open so the server never writes into a closed pipe.
    _stdout: BufReader<ChildStdout>,
    pub url: String,
    pub key: String,
    /// The two founding officers: the maker of each act, and the one who approves it.
    pub officers: [Officer; 2],
}

/// An officer's key file, made with `outpost officer new`, and its passphrase file.
pub struct Officer {
    pub key: PathBuf,
    pub passphrase: PathBuf,
    pub code: String,
}

impl Officer {
    /// `dir/<file>.officer`, made on first use; its passphrase in `dir/<file>.pass` (mode 0600).
    pub fn make(dir: &Path, file: &str, name: &str) -> Officer {
        let key = dir.join(format!("{file}.officer"));
        let passphrase = dir.join(format!("{file}.pass"));
        if !key.exists() {
            std::fs::write(&passphrase, format!("{file} passphrase")).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&passphrase, std::fs::Permissions::from_mode(0o600)).unwrap();
            }
            let made = outpost(dir)
                .args(["officer", "new", "--name", name, "--key"])
                .arg(&key)
                .arg("--passphrase-file")
                .arg(&passphrase)
                .output()
                .unwrap();
            assert!(made.status.success(), "{}", stderr(&made));
        }
        let code = outpost(dir)
            .args(["officer", "code", "--key"])
            .arg(&key)
            .arg("--passphrase-file")
            .arg(&passphrase)
            .output()
            .unwrap();
        let code = stdout(&code).trim().strip_prefix("enrolment code: ").expect("a code").to_owned();
        Officer { key, passphrase, code }
    }

    /// The `--officer-key … --passphrase-file …` arguments.
    pub fn args(&self) -> Vec<std::ffi::OsString> {
        vec![
            "--officer-key".into(),
            self.key.clone().into_os_string(),
            "--passphrase-file".into(),
            self.passphrase.clone().into_os_string(),
        ]
    }
}

/// The two test officers in `dir`, and the `--founding-officer` arguments a new ledger in
/// `ledger_dir` needs (none when it exists).
pub fn founding(dir: &Path, ledger_dir: &Path) -> ([Officer; 2], Vec<String>) {
    let officers = [Officer::make(dir, "alice", "Alice Sato"), Officer::make(dir, "ben", "Ben Okafor")];
    // On PostgreSQL (`--database`) there is no ledger.db: the key file says the ledger exists.
    let args = if ledger_dir.join("ledger.db").exists() || ledger_dir.join("ledger.key").exists() {
        Vec::new()
    } else {
        officers.iter().flat_map(|o| ["--founding-officer".to_owned(), o.code.clone()]).collect()
    };
    (officers, args)
}

/// Reads the start-up lines of a server `outpost` started (a ledger or a witness) until it says
/// where it listens. Returns its output (kept open, so that it never writes to a closed pipe), the
/// URL, and the key it printed before on the line starting `key_line`. When it stops first, it
/// is killed and the test panics with its log.
pub fn until_listening(
    child: &mut Child,
    key_line: &str,
    log: &Path,
) -> (BufReader<ChildStdout>, String, String) {
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut key = None;
    let mut line = String::new();
    loop {
        line.clear();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("the server stopped before listening; its log:\n{log}");
        }
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            let key = key.unwrap_or_else(|| panic!("no {key_line:?} line before it listened"));
            return (stdout, url.to_owned(), key);
        } else if let Some(rest) = line.trim().strip_prefix(key_line) {
            key = Some(rest.to_owned());
        }
    }
}

impl LedgerServer {
    /// Starts a ledger whose directory is `dir/hq`; its log goes to `dir/ledger.log`.
    pub fn start(dir: &Path) -> LedgerServer {
        Self::start_with(dir, &[])
    }

    /// [`LedgerServer::start`] with `args` added to `outpost ledger serve`.
    pub fn start_with(dir: &Path, args: &[&str]) -> LedgerServer {
        let ledger_dir = dir.join("hq");
        let (officers, founders) = founding(dir, &ledger_dir);
        let log = std::fs::File::create(dir.join("ledger.log")).unwrap();
        let mut child = StdCommand::new(env!("CARGO_BIN_EXE_outpost"))
            .args(["ledger", "serve", "--listen", "127.0.0.1:0", "--dir"])
            .arg(&ledger_dir)
            .args(&founders)
            .args(args)
            .env_remove("OUTPOST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("outpost ledger serve starts");
        let (stdout, url, key) = until_listening(&mut child, "ledger key: ", &dir.join("ledger.log"));
        LedgerServer { child, _stdout: stdout, url, key, officers }
    }

    /// `outpost ledger <args>` against this server, signed by the first officer.
    pub fn officer(&self, dir: &Path, args: &[&str]) -> Command {
        self.as_officer(0, dir, args)
    }

    /// `outpost ledger <args>` signed by officer `which` (0 or 1).
    pub fn as_officer(&self, which: usize, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = outpost(dir);
        cmd.arg("ledger").args(args).arg("--ledger").arg(&self.url).args(self.officers[which].args());
        cmd
    }

    /// A new wallet `file` in `dir` with `pin`, enrolled as `member_id` from the code its
    /// `identity` command wrote, and credited `yen` (made and approved): a member paid for
    /// November, where a test's subject comes after.
    pub fn paid_member(&self, dir: &Path, file: &str, pin: &str, member_id: &str, yen: u64) {
        create_wallet(dir, file, pin);
        let code = format!("{file}-enrol.txt");
        wallet(dir, file, pin, &["identity", "--member-id", member_id, "--out", &code]).assert().success();
        self.officer(dir, &["enrol", "--qr-file", &code]).assert().success();
        let amount = yen.to_string();
        self.act(dir, &["credit", member_id, &amount, "--memo", "November pay", "--batch", "2026-11"])
            .assert()
            .success();
    }

    /// `outpost ledger <act…>` made by the first officer, then approved by the second: the
    /// approval's command, to assert on. The act's own command must succeed and print its id.
    pub fn act(&self, dir: &Path, args: &[&str]) -> Command {
        let made = self.officer(dir, args).output().unwrap();
        assert!(made.status.success(), "{}", stderr(&made));
        let out = stdout(&made);
        let id = out
            .lines()
            .find_map(|l| l.strip_prefix("pending id: "))
            .unwrap_or_else(|| panic!("no pending id in:\n{out}"))
            .to_owned();
        self.as_officer(1, dir, &["approve", &id])
    }
}

impl Drop for LedgerServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
