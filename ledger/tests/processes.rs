//! Two `outpost-ledger` processes on one PostgreSQL database (and one `--dir`: the same key and
//! checkpoint file), 200 wallets syncing across both at once over loopback HTTP. One process is
//! killed with SIGKILL while the wallets upload a day of offline payments; every wallet whose
//! sync it cut retries on the other and succeeds. Nothing is lost or paid twice: every wallet,
//! the ledger's members and its totals reconcile to the yen, the log audits offline against the
//! checkpoint, and a process started again on the database agrees with the survivor.
//!
//! PostgreSQL only (several processes cannot share SQLite's file): run through
//! `OUTPOST_LEDGER_BACKEND=postgres bash scripts/postgres.sh`.

mod common;
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use common::{Ring, Server};
use outpost_wallet_core::SyncOptions;
use outpost_wallet_core::transport::HttpTransport;
use support::{pay_round_the_circle, yen};

const WALLETS: usize = 200;
const CREDIT: u64 = 50_000;
const PURSE: u64 = 20_000;
/// Uploads the first process completes before it is killed.
const KILL_AFTER: usize = 15;

fn amount(i: usize) -> u64 {
    1_000 + (i as u64 % 97) * 10
}

#[test]
fn two_processes_share_one_database_and_one_killed_mid_sync_loses_nothing() {
    if !support::on_postgres() {
        eprintln!("SKIPPED ON SQLITE: several ledger processes share only a PostgreSQL database");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start_in(dir.path());
    let second = Server::start_in(dir.path());
    let ledger_key = first.ledger_key();
    assert_eq!(second.ledger_key(), ledger_key, "one ledger, one key");
    let member_id = |i: usize| format!("PROC-{i:05}");

    // Enrol and pay everyone, the officer's requests spread over both processes.
    let wallets_dir = tempfile::tempdir().unwrap();
    let wallets =
        common::enrolled_wallets(wallets_dir.path(), &[&first, &second], WALLETS, &member_id, CREDIT);
    let transports = [
        HttpTransport::with_timeout(&first.base, Duration::from_secs(120)),
        HttpTransport::with_timeout(&second.base, Duration::from_secs(120)),
    ];

    // Morning: everyone loads a purse at once, even wallets on the first process, odd on the second.
    let started = Instant::now();
    let barrier = Barrier::new(WALLETS);
    std::thread::scope(|scope| {
        for (i, wallet) in wallets.iter().enumerate() {
            let (barrier, transports) = (&barrier, &transports);
            scope.spawn(move || {
                barrier.wait();
                let report =
                    wallet.sync(&transports[i % 2], &SyncOptions { purse: Some(yen(PURSE)) }).unwrap();
                assert_eq!(report.new_purse, Some(yen(PURSE)), "wallet {i}");
            });
        }
    });
    let morning = started.elapsed();

    // Offline: each pays the next one round the circle, by QR code.
    pay_round_the_circle(&wallets, amount);

    // Evening: everyone uploads at once across both processes; the first is killed with SIGKILL
    // once it has answered a few, with the rest of its syncs in flight or not yet sent. A wallet
    // whose sync failed retries on the second process.
    let first = Mutex::new(Some(first));
    let answered_by_first = AtomicUsize::new(0);
    let retried = AtomicUsize::new(0);
    let barrier = Barrier::new(WALLETS + 1);
    std::thread::scope(|scope| {
        let (first, answered_by_first, barrier) = (&first, &answered_by_first, &barrier);
        scope.spawn(move || {
            barrier.wait();
            let deadline = Instant::now() + Duration::from_secs(120);
            while answered_by_first.load(Ordering::SeqCst) < KILL_AFTER && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
            first.lock().unwrap().take().unwrap().kill();
        });
        for (i, wallet) in wallets.iter().enumerate() {
            let (transports, retried) = (&transports, &retried);
            scope.spawn(move || {
                barrier.wait();
                match wallet.sync(&transports[i % 2], &SyncOptions::default()) {
                    Ok(_) if i % 2 == 0 => {
                        answered_by_first.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(_) => {}
                    Err(first_try) => {
                        assert_eq!(i % 2, 0, "wallet {i} failed on the process left running: {first_try}");
                        retried.fetch_add(1, Ordering::SeqCst);
                        wallet.sync(&transports[1], &SyncOptions::default()).unwrap_or_else(|e| {
                            panic!("wallet {i}'s retry failed: {e} (first: {first_try})")
                        });
                    }
                }
            });
        }
    });
    let retried = retried.into_inner();
    assert!(retried > 0, "the kill cut no sync: the test proved nothing");
    assert!(first.lock().unwrap().is_none(), "the first process was killed");

    // Everyone syncs once more, on the survivor, to learn what settled.
    std::thread::scope(|scope| {
        for wallet in &wallets {
            let transport = &transports[1];
            scope.spawn(move || {
                wallet.sync(transport, &SyncOptions::default()).unwrap();
            });
        }
    });
    println!(
        "processes: {WALLETS} purse loads at once on 2 processes in {morning:.2?} ({:.0} syncs/s); \
         {retried} uploads retried on the survivor after the first was killed",
        WALLETS as f64 / morning.as_secs_f64()
    );

    common::assert_ring_settled(
        &second,
        &Ring { wallets: &wallets, member_id: &member_id, amount, credit: CREDIT, purse: PURSE },
    );

    // A process started again on the database catches up with everything the others wrote.
    let again = Server::start_in(dir.path());
    assert_eq!(again.checkpoint().size, second.checkpoint().size);
    assert_eq!(again.checkpoint().root, second.checkpoint().root);
    again.assert_books();
    second.assert_books();
}
