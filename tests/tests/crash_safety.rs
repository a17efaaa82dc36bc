//! Crash safety of the wallet file across real processes: a child process does the work and is
//! killed with SIGKILL part-way; the test then reopens the file and checks what survived.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use outpost_wallet_core::{
    Currency, KdfParams, Pin, SoftwareProtector, VaultError, Wallet, WalletError, WalletOptions,
};

const PIN: &str = "482916";
const NEW_PIN: &str = "731904";
const WRONG: &str = "000000";

struct Setup {
    _dir: tempfile::TempDir,
    wallet: PathBuf,
    key: PathBuf,
}

fn setup(kdf: KdfParams) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("device.key");
    let wallet = dir.path().join("w.db");
    let protector = Arc::new(SoftwareProtector::create(&key).unwrap());
    let options = WalletOptions { kdf, ..Default::default() };
    drop(Wallet::create(&wallet, &Pin::new(PIN).unwrap(), Currency::JPY, protector, options).unwrap());
    Setup { _dir: dir, wallet, key }
}

fn spawn(args: &[&str]) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_outpost-scenario-child"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the child process");
    // Wait until the child has opened the wallet and is about to start the operation.
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "started");
    child
}

fn failures(wallet: &Path) -> i64 {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    rusqlite::Connection::open_with_flags(wallet, flags)
        .and_then(|c| c.query_row("SELECT failures FROM pin_attempts", [], |r| r.get(0)))
        .unwrap_or(-1)
}

fn open(setup: &Setup) -> Wallet {
    let protector = Arc::new(SoftwareProtector::open(&setup.key).unwrap());
    Wallet::open(&setup.wallet, protector, WalletOptions::default()).unwrap()
}

#[test]
fn a_pin_try_killed_mid_check_is_still_counted() {
    // Argon2id at 256 MiB x 4 passes takes long enough to be killed in the middle of it.
    let setup = setup(KdfParams::new(256 * 1024, 4, 1).unwrap());
    let mut child = spawn(&["unlock", setup.wallet.to_str().unwrap(), setup.key.to_str().unwrap(), WRONG]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while failures(&setup.wallet) != 1 {
        assert!(Instant::now() < deadline, "the try was never recorded");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(child.try_wait().unwrap().is_none(), "the child must still be checking the PIN when killed");
    child.kill().unwrap();
    assert_eq!(child.wait().unwrap().signal(), Some(9));

    let wallet = open(&setup);
    let err = wallet.unlock(&Pin::new(WRONG).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            WalletError::Vault(VaultError::PinIncorrect { tries_before_delay: 2, tries_left: 8, .. })
        ),
        "the killed try must count as the first of two: {err}"
    );
}

#[test]
fn a_pin_change_killed_at_any_point_leaves_exactly_one_working_pin() {
    let change_pin = |setup: &Setup| {
        spawn(&["change-pin", setup.wallet.to_str().unwrap(), setup.key.to_str().unwrap(), PIN, NEW_PIN])
    };
    // How long an uninterrupted change takes here, so the kills below land across the two
    // Argon2id runs and the commit on a fast machine and a slow one alike.
    let full_run = {
        let setup = setup(KdfParams::DEFAULT);
        let started = Instant::now();
        assert!(change_pin(&setup).wait().unwrap().success());
        started.elapsed()
    };
    let mut outcomes = [0usize; 2];
    for round in 0..8u32 {
        let setup = setup(KdfParams::DEFAULT);
        let mut child = change_pin(&setup);
        std::thread::sleep(full_run * round / 6);
        let _ = child.kill();
        child.wait().unwrap();

        let wallet = open(&setup);
        let old_works = wallet.unlock(&Pin::new(PIN).unwrap()).is_ok();
        wallet.lock();
        let new_works = wallet.unlock(&Pin::new(NEW_PIN).unwrap()).is_ok();
        assert!(old_works ^ new_works, "round {round}: old PIN works {old_works}, new PIN works {new_works}");
        wallet.unlock(&Pin::new(if new_works { NEW_PIN } else { PIN }).unwrap()).unwrap();
        assert_eq!(wallet.verify_log().unwrap().entries, if new_works { 2 } else { 1 });
        outcomes[usize::from(new_works)] += 1;
    }
    // Both sides of the commit were exercised, or the test proved less than it claims.
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "outcomes (old PIN, new PIN): {outcomes:?}");
}
