//! Crash safety of the wallet file across real processes: a child process does the work and is
//! killed with SIGKILL part-way; the test then reopens the file and checks what survived. The
//! operations: a PIN try, a PIN change, and a payment killed between its commit and its display.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::{LedgerSigner, PurseTerms};
use outpost_wallet_core::{
    Amount, Clock, Currency, Direction, KdfParams, Pin, PublicIdentity, SoftwareProtector, SystemClock,
    TransferStatus, VaultError, Wallet, WalletError, WalletOptions,
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

/// A child process running one operation, and the lines it prints.
struct Running {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Running {
    /// The next line the child prints, without its newline; empty once it has exited.
    fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_outpost-scenario-child"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the child process");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut running = Running { child, stdout };
    // Wait until the child has opened the wallet and is about to start the operation.
    assert_eq!(running.line(), "started");
    running
}

/// Kill delays for `rounds` runs of an operation that takes `full_run` uninterrupted, spread
/// from its start to a little past its end, so that the kills land on both sides of its commit
/// on a fast machine and a slow one alike.
fn spread(full_run: Duration, rounds: u32) -> impl Iterator<Item = Duration> {
    (0..rounds).map(move |round| full_run * round / (rounds - 2))
}

/// Lets the child run for `delay`, then kills it (if it is still running) and reaps it.
fn kill_after(running: &mut Running, delay: Duration) {
    std::thread::sleep(delay);
    let _ = running.child.kill();
    running.child.wait().unwrap();
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
    let mut run = spawn(&["unlock", setup.wallet.to_str().unwrap(), setup.key.to_str().unwrap(), WRONG]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while failures(&setup.wallet) != 1 {
        assert!(Instant::now() < deadline, "the try was never recorded");
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(run.child.try_wait().unwrap().is_none(), "the child must still be checking the PIN when killed");
    run.child.kill().unwrap();
    assert_eq!(run.child.wait().unwrap().signal(), Some(9));

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
        assert!(change_pin(&setup).child.wait().unwrap().success());
        started.elapsed()
    };
    let mut outcomes = [0usize; 2];
    for (round, delay) in spread(full_run, 8).enumerate() {
        let setup = setup(KdfParams::DEFAULT);
        kill_after(&mut change_pin(&setup), delay);

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

// Paying: the transfer is committed (purse debited, transfer stored) before its QR code is shown.

/// What the pay scenarios start from, closed on disk: a sender with a ¥10,000 purse from a test
/// ledger and an enrolled receiver. Both use the fast test KDF, as the `pay` child does, so no
/// unlock re-wraps a key and the only write a pay makes is the pay.
struct PayScene {
    dir: tempfile::TempDir,
    key: PathBuf,
    sender: PathBuf,
    receiver: PathBuf,
    receiver_id: PublicIdentity,
}

const PURSE: u64 = 10_000;
const PRICE: u64 = 3_000;
/// Log entries of the sender before it pays: created, ledger key pinned, purse installed.
const SENDER_LOG_BEFORE_PAY: u64 = 3;

fn yen(minor: u64) -> Amount {
    Amount::from_minor(minor, Currency::JPY).unwrap()
}

fn fast() -> WalletOptions {
    WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() }
}

impl PayScene {
    fn new() -> PayScene {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("device.key");
        let protector = Arc::new(SoftwareProtector::create(&key).unwrap());
        let ledger = LedgerSigner::generate().unwrap();
        let now = SystemClock.now_unix();
        let create = |name: &str| {
            let path = dir.path().join(name);
            let pin = Pin::new(PIN).unwrap();
            let wallet = Wallet::create(&path, &pin, Currency::JPY, protector.clone(), fast()).unwrap();
            wallet.pin_ledger_key(ledger.public_key()).unwrap();
            (path, wallet)
        };
        let (sender, wallet) = create("sender.db");
        let terms = PurseTerms {
            wallet_key: wallet.public_identity().signing_key,
            serial: 1,
            member_id: "AIKO-0001".into(),
            amount: yen(PURSE),
            issued_at: now,
            expires_at: now + 7 * 86_400,
        };
        assert!(wallet.install_purse(&ledger.issue(terms).unwrap()).unwrap());
        drop(wallet);
        let (receiver, wallet) = create("receiver.db");
        let receiver_id = wallet.public_identity();
        drop(wallet);
        PayScene { dir, key, sender, receiver, receiver_id }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A copy of the closed wallet file `from`, so that each run starts from the same state.
    fn copy(&self, from: &Path, name: &str) -> PathBuf {
        let to = self.path(name);
        std::fs::copy(from, &to).unwrap();
        let wal = |p: &Path| PathBuf::from(format!("{}-wal", p.display()));
        assert!(!wal(from).exists(), "copy only closed wallets: a closed one has no WAL file");
        to
    }

    fn open(&self, wallet: &Path) -> Wallet {
        let protector = Arc::new(SoftwareProtector::open(&self.key).unwrap());
        let wallet = Wallet::open(wallet, protector, fast()).unwrap();
        wallet.unlock(&Pin::new(PIN).unwrap()).unwrap();
        wallet
    }

    /// Starts the child paying ¥3,000 from `wallet` to the receiver; returns once it has
    /// unlocked and is about to pay.
    fn pay(&self, wallet: &Path, display: &Path, hold: bool) -> Running {
        let signing = hex::encode(&self.receiver_id.signing_key);
        let agreement = hex::encode(&self.receiver_id.agreement_key);
        let price = PRICE.to_string();
        let mut args = vec![
            "pay",
            wallet.to_str().unwrap(),
            self.key.to_str().unwrap(),
            PIN,
            &signing,
            &agreement,
            &price,
            display.to_str().unwrap(),
        ];
        if hold {
            args.push("--hold");
        }
        spawn(&args)
    }
}

/// Where the child writes the display file before renaming it into place.
fn partial(display: &Path) -> PathBuf {
    PathBuf::from(format!("{}.partial", display.display()))
}

#[test]
fn a_pay_killed_between_commit_and_display_keeps_the_debit_and_shows_the_transfer_again() {
    let scene = PayScene::new();
    let display = scene.path("display.txt");
    let mut run = scene.pay(&scene.sender, &display, true);
    let line = run.line();
    let transfer_id: [u8; 32] = line
        .strip_prefix("committed ")
        .map(|digits| hex::decode_array(digits).unwrap())
        .unwrap_or_else(|| panic!("expected `committed <transfer id>`, the child said {line:?}"));
    run.child.kill().unwrap();
    assert_eq!(run.child.wait().unwrap().signal(), Some(9));
    assert!(!display.exists() && !partial(&display).exists(), "the child was killed before displaying");

    // The reopened sender holds the debit and the transfer, and can show it again.
    let sender = scene.open(&scene.sender);
    let balances = sender.balances().unwrap();
    assert_eq!((balances.offline_purse, balances.pending_outgoing), (yen(PURSE - PRICE), yen(PRICE)));
    let history = sender.history(None, 10).unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    let sent = &history[0];
    assert_eq!(
        (sent.transfer_id, sent.direction, sent.status, sent.amount),
        (transfer_id, Direction::Sent, TransferStatus::AwaitingReceipt, yen(PRICE))
    );
    assert_eq!(sent.counterparty_key, scene.receiver_id.signing_key);
    assert_eq!(sender.verify_log().unwrap().entries, SENDER_LOG_BEFORE_PAY + 1);
    let shown_again = sender.show_transfer(&transfer_id).unwrap();

    // The receiver takes the transfer shown again as the one the killed run committed.
    let receiver = scene.open(&scene.receiver);
    let accepted = receiver.accept(&shown_again).unwrap();
    assert_eq!(
        (accepted.transfer_id, accepted.amount, accepted.already_accepted),
        (transfer_id, yen(PRICE), false)
    );
    assert_eq!(receiver.balances().unwrap().pending_incoming, yen(PRICE));
    assert!(!sender.confirm_receipt(&accepted.receipt_qr).unwrap().already_confirmed);

    // The funds the killed run signed are never signed again: the next pay is the purse's
    // transfer #2, continuing #1. A second #1 would be refused as a double spend, any other
    // number as a broken chain.
    let second = sender.pay_contact(&scene.receiver_id, yen(PRICE), "").unwrap();
    assert_ne!(second.transfer_id, transfer_id);
    assert_eq!(sender.balances().unwrap().offline_purse, yen(PURSE - 2 * PRICE));
    let accepted = receiver.accept(&second.qr_text).unwrap();
    assert_eq!((accepted.transfer_id, accepted.already_accepted), (second.transfer_id, false));
    assert_eq!(receiver.balances().unwrap().pending_incoming, yen(2 * PRICE));
    assert_eq!(sender.verify_log().unwrap().entries, SENDER_LOG_BEFORE_PAY + 3);
    receiver.verify_log().unwrap();
}

/// Where a pay killed at some point had got to, judged from the reopened wallet and the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PayOutcome {
    NotCommitted,
    CommittedNotDisplayed,
    Displayed,
}

/// Reopens a wallet the pay child ran on and checks that the pay happened once, wholly, or not
/// at all, and was displayed only if it happened.
fn check_after_pay(scene: &PayScene, wallet: &Path, display: &Path, round: &str) -> PayOutcome {
    let displayed = display.exists();
    let sender = scene.open(wallet);
    let balances = sender.balances().unwrap();
    let history = sender.history(None, 10).unwrap();
    let log = sender.verify_log().unwrap_or_else(|e| panic!("{round}: the event log is broken: {e}"));
    if history.is_empty() {
        assert_eq!(
            (balances.offline_purse, balances.pending_outgoing),
            (yen(PURSE), yen(0)),
            "{round}: no transfer, so the purse must be whole"
        );
        assert_eq!(log.entries, SENDER_LOG_BEFORE_PAY, "{round}: no transfer, so no log entry for one");
        assert!(
            !displayed && !partial(display).exists(),
            "{round}: a transfer was displayed (or being written out) that the wallet never committed"
        );
        return PayOutcome::NotCommitted;
    }
    assert_eq!(history.len(), 1, "{round}: one pay, one transfer: {history:?}");
    let sent = &history[0];
    assert_eq!(
        (sent.direction, sent.status, sent.amount),
        (Direction::Sent, TransferStatus::AwaitingReceipt, yen(PRICE)),
        "{round}"
    );
    assert_eq!(
        (balances.offline_purse, balances.pending_outgoing),
        (yen(PURSE - PRICE), yen(PRICE)),
        "{round}: the purse must be debited exactly once"
    );
    assert_eq!(log.entries, SENDER_LOG_BEFORE_PAY + 1, "{round}");

    // The committed transfer can be shown again, and a display file, when there is one, holds
    // that very transfer, whole.
    let receiver = scene.open(&scene.copy(&scene.receiver, &format!("{round}-receiver.db")));
    let accepted = receiver.accept(&sender.show_transfer(&sent.transfer_id).unwrap()).unwrap();
    assert_eq!((accepted.transfer_id, accepted.amount), (sent.transfer_id, yen(PRICE)), "{round}");
    if !displayed {
        return PayOutcome::CommittedNotDisplayed;
    }
    let again = receiver.accept(&std::fs::read_to_string(display).unwrap()).unwrap();
    assert_eq!((again.transfer_id, again.already_accepted), (sent.transfer_id, true), "{round}");
    PayOutcome::Displayed
}

#[test]
fn a_pay_killed_at_any_point_is_committed_once_or_not_at_all_and_never_displayed_uncommitted() {
    let scene = PayScene::new();
    let mut round = 0u32;
    let mut kill_pay_at = |delay: Duration| {
        round += 1;
        let name = format!("round-{round}");
        let wallet = scene.copy(&scene.sender, &format!("{name}.db"));
        let display = scene.path(&format!("{name}.display"));
        let mut run = scene.pay(&wallet, &display, false);
        kill_after(&mut run, delay);
        check_after_pay(&scene, &wallet, &display, &name)
    };

    // How long an uninterrupted pay takes here, from `started` to the child's exit: the median
    // of three runs, each of which must also pay and display in full.
    let mut runs: Vec<Duration> = (0..3)
        .map(|i| {
            let wallet = scene.copy(&scene.sender, &format!("measure-{i}.db"));
            let display = scene.path(&format!("measure-{i}.display"));
            let mut run = scene.pay(&wallet, &display, false);
            let started = Instant::now();
            assert_eq!(run.line(), "done");
            assert!(run.child.wait().unwrap().success());
            let took = started.elapsed();
            assert_eq!(
                check_after_pay(&scene, &wallet, &display, &format!("measure-{i}")),
                PayOutcome::Displayed
            );
            took
        })
        .collect();
    runs.sort();
    let full_run = runs[1];

    let mut outcomes: Vec<(Duration, PayOutcome)> =
        spread(full_run, 12).map(|delay| (delay, kill_pay_at(delay))).collect();
    // A machine much busier or calmer than during the measurement can leave one side of the
    // commit untried; a few more kills, right at the start or well after the end, try it.
    for extra in 1..=6u32 {
        let before = outcomes.iter().any(|(_, o)| *o == PayOutcome::NotCommitted);
        let after = outcomes.iter().any(|(_, o)| *o != PayOutcome::NotCommitted);
        let delay = match (before, after) {
            (true, true) => break,
            (false, _) => Duration::ZERO,
            (true, false) => full_run * 2 * extra,
        };
        outcomes.push((delay, kill_pay_at(delay)));
    }
    let count = |o: PayOutcome| outcomes.iter().filter(|(_, found)| *found == o).count();
    let (before, not_shown, shown) = (
        count(PayOutcome::NotCommitted),
        count(PayOutcome::CommittedNotDisplayed),
        count(PayOutcome::Displayed),
    );
    println!(
        "pay from `started` to exit: {full_run:?} (measured {runs:?}); {} kills: {before} before the \
         commit, {} after it ({not_shown} not yet displayed, {shown} displayed); kills at {outcomes:?}",
        outcomes.len(),
        not_shown + shown,
    );
    // Both sides of the commit were exercised, or the test proved less than it claims.
    assert!(before > 0 && not_shown + shown > 0, "outcomes: {outcomes:?}");
}

/// An accept killed at any point leaves the payer purse's chain rows (docs/adr/0020) whole: the
/// transfer is accepted once or not at all, accepting it again credits it once, and a rival for
/// its slot, signed from a restored copy of the payer's file, is caught as a double spend.
#[test]
fn an_accept_killed_at_any_point_leaves_the_purse_chain_rows_whole() {
    let scene = PayScene::new();
    let receiver_before = {
        let sender = scene.open(&scene.sender);
        let receiver = scene.open(&scene.receiver);
        for _ in 0..3 {
            let payment = sender.pay_contact(&scene.receiver_id, yen(1_000), "").unwrap();
            receiver.accept(&payment.qr_text).unwrap();
        }
        drop(receiver);
        scene.copy(&scene.receiver, "receiver-3.db")
    };
    let sender_before = scene.copy(&scene.sender, "sender-3.db");
    let fourth = scene.open(&scene.sender).pay_contact(&scene.receiver_id, yen(1_000), "").unwrap().qr_text;
    let rival = scene.open(&sender_before).pay_contact(&scene.receiver_id, yen(2_000), "").unwrap().qr_text;
    let transfer = scene.path("fourth.transfer");
    std::fs::write(&transfer, &fourth).unwrap();

    let accept = |wallet: &Path, display: &Path| {
        spawn(&[
            "accept",
            wallet.to_str().unwrap(),
            scene.key.to_str().unwrap(),
            PIN,
            transfer.to_str().unwrap(),
            display.to_str().unwrap(),
        ])
    };
    let wallet = scene.copy(&receiver_before, "measure.db");
    let mut run = accept(&wallet, &scene.path("measure.display"));
    let started = Instant::now();
    assert_eq!(run.line(), "done");
    assert!(run.child.wait().unwrap().success());
    let full_run = started.elapsed();

    let (mut before, mut after) = (0, 0);
    for (round, delay) in spread(full_run, 10).enumerate() {
        let wallet = scene.copy(&receiver_before, &format!("accept-{round}.db"));
        let mut run = accept(&wallet, &scene.path(&format!("accept-{round}.display")));
        kill_after(&mut run, delay);
        let links = |path: &Path| -> i64 {
            rusqlite::Connection::open(path)
                .unwrap()
                .query_row("SELECT count(*) FROM purse_link", [], |r| r.get(0))
                .unwrap()
        };
        let receiver = scene.open(&wallet);
        let held = receiver.balances().unwrap().pending_incoming;
        match links(&wallet) {
            3 => {
                assert_eq!(held, yen(3_000), "round {round}: nothing of the killed accept");
                before += 1;
            }
            4 => {
                assert_eq!(held, yen(4_000), "round {round}: the killed accept whole");
                after += 1;
            }
            n => panic!("round {round}: {n} chain rows"),
        }
        receiver.accept(&fourth).unwrap();
        assert_eq!(receiver.balances().unwrap().pending_incoming, yen(4_000), "round {round}: credited once");
        let err = receiver.accept(&rival).unwrap_err();
        assert!(matches!(err, WalletError::DoubleSpend { seq: 4, .. }), "round {round}: {err:?}");
        assert_eq!(receiver.balances().unwrap().pending_incoming, yen(4_000));
        assert!(receiver.verify_log().is_ok());
    }
    println!(
        "accept from `started` to exit: {full_run:?}; kills before the commit: {before}, after: {after}"
    );
}
