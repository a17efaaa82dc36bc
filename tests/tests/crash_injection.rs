//! Crash injection: a child process pays, accepts or syncs against a real ledger and is killed
//! with SIGKILL at a random point; then every wallet is reopened, whatever was shown is delivered,
//! everyone syncs, and the books must be exact:
//!
//! - no money created or lost: every wallet's online balance is what the ledger holds for it,
//!   its offline purse is what the ledger's purses still hold for it, nothing is left pending,
//!   and all of it adds up to what was credited;
//! - no purse slot signed twice: the ledger saw at most one transfer per (purse, sequence), raised
//!   no double spend and flagged no one, and no wallet holds double-spend evidence;
//! - the ledger's invariant holds and its whole log passes the offline audit
//!   (`Ledger::check_invariants`), and every wallet's event log verifies.
//!
//! The ledger is served over HTTP on loopback by this test process. `sync` children reach it
//! over that HTTP; `sync-direct` children open the same ledger database in their own process, so
//! kills also land inside the ledger's transactions. Wallets use the cheap test Argon2id profile
//! (`KdfParams::INSECURE_FAST_FOR_TESTS`): the unlock is not under test here, and the default
//! profile would make each child spend most of its life in Argon2id.
//!
//! 200 kills by default, counting only kills that caught the child still running;
//! `OUTPOST_CRASH_KILLS=5000` asks for more, and `OUTPOST_CRASH_SEED` replays a run (the seed is
//! printed). Every 100 kills start a fresh ledger and wallets, so a long run costs the same per
//! kill as a short one.
//!
//! With `OUTPOST_LEDGER_BACKEND=postgres` (through scripts/postgres.sh) the ledger, the HTTP one
//! and the `sync-direct` children's, is on a fresh PostgreSQL database: a kill inside the
//! child's transaction then lands on a PostgreSQL connection.
#![cfg(unix)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Direct, PIN, fast, yen};
use outpost_ledger::http::loopback::Loopback;
use outpost_ledger::{Database, EntryKind, Ledger, Policy};
use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::{MessageId, Transfer};
use outpost_wallet_core::{
    Currency, Pin, PublicIdentity, SoftwareProtector, SyncOptions, SystemClock, TransferStatus, Wallet,
};

const MEMBERS: usize = 3;
const CREDIT: u64 = 200_000;
const PURSE: u64 = 20_000;
const KILLS_PER_WORLD: usize = 100;

/// xorshift64*: enough to spread kills and choices, and replayable from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    Pay,
    Accept,
    Sync,
    SyncDirect,
}

const OPS: [Op; 4] = [Op::Pay, Op::Accept, Op::Sync, Op::SyncDirect];

/// A ledger, its server, and the members' wallet files (closed between rounds).
struct World {
    dir: tempfile::TempDir,
    key: PathBuf,
    protector: Arc<SoftwareProtector>,
    ledger: Arc<Ledger>,
    hq: Loopback,
    wallets: Vec<PathBuf>,
    identities: Vec<PublicIdentity>,
    /// Every (purse, sequence) the ledger has seen a transfer for, and that transfer.
    slots: HashMap<(MessageId, u32), MessageId>,
    /// Log entries already read into `slots`.
    audited: u64,
    round: usize,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("device.key");
        let protector = Arc::new(SoftwareProtector::create(&key).unwrap());
        let ledger_dir = dir.path().join("ledger");
        std::fs::create_dir(&ledger_dir).unwrap();
        // On PostgreSQL the sync-direct child finds the database in the directory's postgres.url.
        let database = common::test_database();
        if let Database::Postgres(url) = &database {
            std::fs::write(ledger_dir.join("postgres.url"), url).unwrap();
        }
        let ledger = Arc::new(
            Ledger::open_on(&ledger_dir, &database, Currency::JPY, Arc::new(SystemClock), Policy::default())
                .unwrap(),
        );
        let hq = Loopback::ledger(ledger.clone(), 0).unwrap();
        let mut world = World {
            dir,
            key,
            protector,
            ledger,
            hq,
            wallets: Vec::new(),
            identities: Vec::new(),
            slots: HashMap::new(),
            audited: 0,
            round: 0,
        };
        for i in 0..MEMBERS {
            let path = world.dir.path().join(format!("member-{i}.wallet"));
            let pin = Pin::new(PIN).unwrap();
            let wallet = Wallet::create(&path, &pin, Currency::JPY, world.protector.clone(), fast()).unwrap();
            let member_id = format!("MEMBER-{i:04}");
            let (_, enrolment) = wallet.enrolment_request(&member_id).unwrap();
            world.ledger.enrol(&enrolment).unwrap();
            world.ledger.credit(&member_id, yen(CREDIT), "pay").unwrap();
            wallet.pin_ledger_key(world.ledger.public_key()).unwrap();
            wallet.sync(&Direct(&world.ledger), &SyncOptions { purse: Some(yen(PURSE)) }).unwrap();
            world.identities.push(wallet.public_identity());
            world.wallets.push(path);
        }
        world.check("setup", &world.open_all());
        world
    }

    fn open(&self, index: usize) -> Wallet {
        let wallet = Wallet::open(&self.wallets[index], self.protector.clone(), fast()).unwrap();
        wallet.unlock(&Pin::new(PIN).unwrap()).unwrap();
        wallet
    }

    fn open_all(&self) -> Vec<Wallet> {
        (0..MEMBERS).map(|i| self.open(i)).collect()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Arranges `op` between `payer` and `payee` and returns the child's arguments.
    fn prepare(&mut self, op: Op, payer: usize, payee: usize, rng: &mut Rng) -> (Vec<String>, Prepared) {
        self.round += 1;
        let round = self.round;
        let wallets = self.open_all();
        let pin = PIN.to_owned();
        let wallet_arg = |i: usize| self.wallets[i].to_str().unwrap().to_owned();
        let key = self.key.to_str().unwrap().to_owned();
        // Every payment needs purse funds; a member whose purse ran low loads a new one first.
        if wallets[payer].balances().unwrap().offline_purse.minor() < 2_000 {
            wallets[payer].sync(&Direct(&self.ledger), &SyncOptions { purse: Some(yen(PURSE)) }).unwrap();
        }
        let amount = 1 + rng.below(1_999);
        match op {
            Op::Pay => {
                let display = self.path(&format!("round-{round}.transfer"));
                let to = self.identities[payee];
                let args = vec![
                    "pay".into(),
                    wallet_arg(payer),
                    key,
                    pin,
                    hex::encode(&to.signing_key),
                    hex::encode(&to.agreement_key),
                    amount.to_string(),
                    display.to_str().unwrap().into(),
                ];
                let newest = newest_position(&wallets[payer]);
                (args, Prepared { op, payer, payee, display, transfer: None, newest })
            }
            Op::Accept => {
                let payment = wallets[payer].pay_contact(&self.identities[payee], yen(amount), "").unwrap();
                let transfer = self.path(&format!("round-{round}.scanned"));
                std::fs::write(&transfer, &payment.qr_text).unwrap();
                let display = self.path(&format!("round-{round}.receipt"));
                let args = vec![
                    "accept".into(),
                    wallet_arg(payee),
                    key,
                    pin,
                    transfer.to_str().unwrap().into(),
                    display.to_str().unwrap().into(),
                ];
                let newest = newest_position(&wallets[payee]);
                (args, Prepared { op, payer, payee, display, transfer: Some(payment.transfer_id), newest })
            }
            Op::Sync | Op::SyncDirect => {
                // Something to upload on both sides: a payment made and accepted offline.
                let payment = wallets[payer].pay_contact(&self.identities[payee], yen(amount), "").unwrap();
                let accepted = wallets[payee].accept(&payment.qr_text).unwrap();
                wallets[payer].confirm_receipt(&accepted.receipt_qr).unwrap();
                let who = if rng.below(2) == 0 { payer } else { payee };
                let purse = if rng.below(2) == 0 { PURSE } else { 0 };
                let (name, ledger) = match op {
                    Op::Sync => ("sync", self.hq.url.clone()),
                    _ => ("sync-direct", self.ledger_dir()),
                };
                let args = vec![name.into(), wallet_arg(who), key, pin, ledger, purse.to_string()];
                (args, Prepared { op, payer, payee, display: PathBuf::new(), transfer: None, newest: 0 })
            }
        }
    }

    fn ledger_dir(&self) -> String {
        self.path("ledger").to_str().unwrap().to_owned()
    }

    /// After the child is gone: reopen every wallet, deliver what was displayed and every
    /// committed transfer not yet receipted, sync everyone twice, and check the books.
    fn recover(&mut self, prepared: &Prepared) -> Option<Reached> {
        let wallets = self.open_all();
        let what = format!("round {} ({:?})", self.round, prepared.op);
        let displayed =
            prepared.display.exists().then(|| std::fs::read_to_string(&prepared.display).unwrap());
        let writer = match prepared.op {
            Op::Pay => Some(prepared.payer),
            Op::Accept => Some(prepared.payee),
            Op::Sync | Op::SyncDirect => None,
        };
        let reached = writer.map(|w| match (newest_position(&wallets[w]) > prepared.newest, &displayed) {
            (false, None) => Reached::NotCommitted,
            (false, Some(_)) => panic!("{what}: displayed, but nothing was committed"),
            (true, None) => Reached::CommittedNotDisplayed,
            (true, Some(_)) => Reached::Displayed,
        });
        match (prepared.op, displayed) {
            (Op::Pay, Some(text)) => {
                // What was displayed must be what the payer committed.
                let accepted = wallets[prepared.payee].accept(&text).unwrap();
                let sent = wallets[prepared.payer].history(None, 5).unwrap();
                assert!(
                    sent.iter().any(|e| e.transfer_id == accepted.transfer_id),
                    "{what}: a transfer was displayed that the payer never committed"
                );
            }
            (Op::Accept, Some(text)) => {
                // A receipt was displayed, so the payee must hold the transfer.
                let confirmed = wallets[prepared.payer].confirm_receipt(&text).unwrap();
                assert_eq!(Some(confirmed.transfer_id), prepared.transfer, "{what}");
                let held = wallets[prepared.payee].history(None, 5).unwrap();
                assert!(
                    held.iter().any(|e| Some(e.transfer_id) == prepared.transfer),
                    "{what}: a receipt was displayed for a transfer the payee never stored"
                );
            }
            _ => {}
        }
        for (i, wallet) in wallets.iter().enumerate() {
            for entry in wallet.history(None, 100).unwrap() {
                if entry.status != TransferStatus::AwaitingReceipt {
                    continue;
                }
                let payee =
                    self.identities.iter().position(|id| id.signing_key == entry.counterparty_key).unwrap();
                let shown = wallet.show_transfer(&entry.transfer_id).unwrap();
                let accepted =
                    wallets[payee].accept(&shown).unwrap_or_else(|e| panic!("{what}: member {i}: {e}"));
                wallet.confirm_receipt(&accepted.receipt_qr).unwrap();
            }
        }
        for _ in 0..2 {
            for wallet in &wallets {
                wallet
                    .sync(&Direct(&self.ledger), &SyncOptions::default())
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
            }
        }
        self.check(&what, &wallets);
        reached
    }

    fn check(&mut self, what: &str, wallets: &[Wallet]) {
        let report = self.ledger.check_invariants().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(report.accounts + report.purses, report.credited, "{what}");
        let credited = self.ledger.total_credited_minor().unwrap();
        assert_eq!(credited, (MEMBERS as u64 * CREDIT) as i64, "{what}: credits are only made at setup");

        let members = self.ledger.members().unwrap();
        let mut held = 0i64;
        for (i, wallet) in wallets.iter().enumerate() {
            let member = &members[i];
            assert_eq!(member.wallet, self.identities[i], "{what}");
            assert!(!member.flagged, "{what}: member {i} was flagged: {member:?}");
            let balances = wallet.balances().unwrap();
            assert_eq!(
                (balances.pending_incoming.minor(), balances.pending_outgoing.minor()),
                (0, 0),
                "{what}: member {i} still has money in flight after delivering and syncing: {balances:?}"
            );
            assert_eq!(wallet.online_balance_minor().unwrap(), member.balance_minor, "{what}: member {i}");
            assert_eq!(balances.online.minor() as i64, member.balance_minor, "{what}: member {i}");
            assert_eq!(
                balances.offline_purse.minor() as i64,
                member.in_purses_minor,
                "{what}: member {i}'s purse and the ledger's purses disagree"
            );
            held += member.balance_minor + balances.offline_purse.minor() as i64;
            wallet.verify_log().unwrap_or_else(|e| panic!("{what}: member {i}: {e}"));
            let evidence = wallet.history(None, 100).unwrap();
            assert!(
                evidence.iter().all(|e| e.status != TransferStatus::DoubleSpendEvidence),
                "{what}: member {i} holds double-spend evidence"
            );
        }
        assert_eq!(held, credited, "{what}: the wallets hold {held} of the {credited} credited");

        let entries = self.ledger.audit_entries(self.audited, u32::MAX).unwrap();
        for entry in &entries {
            assert_ne!(entry.kind, EntryKind::DoubleSpend, "{what}: {}", entry.detail);
            if matches!(entry.kind, EntryKind::Settled | EntryKind::TransferHeld) {
                let transfer = Transfer::from_bytes(&entry.evidence[0]).unwrap();
                let slot = (transfer.certificate().purse_id(), transfer.terms().seq);
                let first = *self.slots.entry(slot).or_insert(transfer.id());
                assert_eq!(first, transfer.id(), "{what}: purse slot {slot:?} signed twice");
            }
        }
        self.audited += entries.len() as u64;
    }
}

/// What a round set up, for checking what the child left.
struct Prepared {
    op: Op,
    payer: usize,
    payee: usize,
    /// Where the child displays the QR text it shows.
    display: PathBuf,
    /// The transfer the child was given to accept.
    transfer: Option<MessageId>,
    /// The newest history position of the wallet the child writes to (pay, accept) before it ran.
    newest: u64,
}

fn newest_position(wallet: &Wallet) -> u64 {
    wallet.history(None, 1).unwrap().first().map_or(0, |e| e.position)
}

/// Where a killed pay or accept had got to: its commit, and the QR code it then displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Reached {
    NotCommitted,
    CommittedNotDisplayed,
    Displayed,
}

/// Runs the child; kills it `kill_after` after it says `started` (never, if `None`). Returns
/// how long it ran and whether the kill interrupted it.
fn run_child(args: &[String], kill_after: Option<Duration>) -> (Duration, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_outpost-scenario-child"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line.trim_end(), "started", "the child did not start: {args:?}");
    let started = Instant::now();
    match kill_after {
        None => {
            let status = child.wait().unwrap();
            line.clear();
            stdout.read_line(&mut line).unwrap();
            assert!(status.success() && line.trim_end() == "done", "{args:?}: {line}");
            (started.elapsed(), false)
        }
        Some(delay) => {
            std::thread::sleep(delay);
            let _ = child.kill();
            let status = child.wait().unwrap();
            if status.signal().is_none() {
                line.clear();
                stdout.read_line(&mut line).unwrap();
                assert!(status.success(), "{args:?}: the child failed on its own: {line}");
            }
            (started.elapsed(), status.signal() == Some(9))
        }
    }
}

#[test]
fn pay_accept_and_sync_killed_at_random_points_never_create_lose_or_double_sign_money() {
    let kills: usize =
        std::env::var("OUTPOST_CRASH_KILLS").map_or(200, |v| v.parse().expect("a number of kills"));
    let seed: u64 =
        std::env::var("OUTPOST_CRASH_SEED").map_or_else(|_| clock_seed(), |v| v.parse().expect("a seed"));
    println!("crash injection: {kills} kills, OUTPOST_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let mut interrupted: HashMap<Op, usize> = HashMap::new();
    let mut finished: HashMap<Op, usize> = HashMap::new();
    let mut reached: HashMap<(Op, Reached), usize> = HashMap::new();
    // Kills are counted only when they caught the child still running; a kill that came after
    // it finished proves nothing and is not counted.
    let (mut killed, mut rounds) = (0, 0);
    while killed < kills {
        let mut world = World::new();
        // How long each operation runs when left alone, so kills can land anywhere in it.
        let mut longest: HashMap<Op, Duration> = HashMap::new();
        for op in OPS {
            for _ in 0..2 {
                let (args, prepared) = world.prepare(op, 0, 1, &mut rng);
                let (took, _) = run_child(&args, None);
                world.recover(&prepared);
                let longest = longest.entry(op).or_default();
                *longest = (*longest).max(took);
            }
        }
        let mut killed_here = 0;
        while killed_here < KILLS_PER_WORLD && killed < kills {
            let op = OPS[rng.below(OPS.len() as u64) as usize];
            let payer = rng.below(MEMBERS as u64) as usize;
            let payee = (payer + 1 + rng.below(MEMBERS as u64 - 1) as usize) % MEMBERS;
            let (args, prepared) = world.prepare(op, payer, payee, &mut rng);
            let window = longest[&op].mul_f64(1.25).as_micros() as u64;
            let (_, interrupting) = run_child(&args, Some(Duration::from_micros(rng.below(window))));
            if interrupting {
                *interrupted.entry(op).or_default() += 1;
                (killed, killed_here) = (killed + 1, killed_here + 1);
            } else {
                *finished.entry(op).or_default() += 1;
            }
            if let Some(at) = world.recover(&prepared) {
                *reached.entry((op, at)).or_default() += 1;
            }
            rounds += 1;
            assert!(rounds < 10 * kills, "kills keep arriving after the child finished: {finished:?}");
        }
    }
    println!(
        "{rounds} rounds; kills that interrupted the operation: {interrupted:?}; that came after it \
         finished: {finished:?}"
    );
    println!("where killed pays and accepts had got to: {reached:?}");
    // Each operation was killed part-way at least once, or the test proved less than it claims.
    for op in OPS {
        assert!(
            interrupted.get(&op).copied().unwrap_or(0) > 0,
            "{op:?} was never interrupted: {interrupted:?}"
        );
    }
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
}
