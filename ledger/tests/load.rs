//! Load: 200 wallets sync with the real `outpost-ledger` process over loopback HTTP at the same
//! moment, three times over (load a purse; upload a day of offline payments; learn they settled),
//! one thread a wallet. Prints the throughput and the p50/p99 latency of a sync; asserts that
//! every payment settled exactly once and that every wallet, the ledger's members and the
//! ledger's totals reconcile to the yen.
//!
//! Bounded: 200 wallets, three syncs each, every exchange limited by the transport's timeout.
//! Nothing here asserts a speed; the figures are printed for the record.

mod common;
mod support;

use std::sync::Barrier;
use std::time::{Duration, Instant};

use common::{Ring, Server};
use outpost_wallet_core::transport::HttpTransport;
use outpost_wallet_core::{SyncOptions, Wallet};
use support::{pay_round_the_circle, yen};

const WALLETS: usize = 200;
const CREDIT: u64 = 50_000;
const PURSE: u64 = 20_000;

/// What wallet `i` pays wallet `i + 1` offline: different for neighbours, so a payment
/// credited to the wrong member or twice shows in the sums.
fn amount(i: usize) -> u64 {
    100 + (i as u64 * 37) % 900
}

/// Runs `f` on every wallet at once, one thread each, released together; returns each call's
/// latency and the whole phase's wall time.
fn all_at_once(wallets: &[Wallet], f: impl Fn(usize, &Wallet) + Sync) -> (Vec<Duration>, Duration) {
    let start = Barrier::new(wallets.len() + 1);
    std::thread::scope(|scope| {
        let threads: Vec<_> = wallets
            .iter()
            .enumerate()
            .map(|(i, wallet)| {
                let (start, f) = (&start, &f);
                scope.spawn(move || {
                    start.wait();
                    let began = Instant::now();
                    f(i, wallet);
                    began.elapsed()
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        let latencies = threads.into_iter().map(|t| t.join().expect("a wallet thread failed")).collect();
        (latencies, began.elapsed())
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn two_hundred_wallets_syncing_at_once_settle_every_payment_exactly_once() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let member_id = |i: usize| format!("LOAD-{i:05}");

    // Enrol and pay everyone, a few wallets at a time (files and fsyncs, not under test).
    let wallets = common::enrolled_wallets(dir.path(), &[&server], WALLETS, &member_id, CREDIT);
    let transport = HttpTransport::with_timeout(&server.base, Duration::from_secs(120));

    // Morning: everyone loads a purse at once.
    let (mut latencies, mut busy) = all_at_once(&wallets, |_, wallet| {
        let report = wallet.sync(&transport, &SyncOptions { purse: Some(yen(PURSE)) }).unwrap();
        assert_eq!(report.new_purse, Some(yen(PURSE)));
    });

    // The network is down: each pays the next one round the circle, by QR code.
    pay_round_the_circle(&wallets, amount);

    // Evening: everyone uploads at once, then everyone syncs again to learn what settled.
    for _ in 0..2 {
        let (more, took) = all_at_once(&wallets, |_, wallet| {
            wallet.sync(&transport, &SyncOptions::default()).unwrap();
        });
        latencies.extend(more);
        busy += took;
    }

    latencies.sort();
    let syncs = latencies.len();
    println!(
        "load: {WALLETS} wallets, {syncs} syncs in {busy:.2?} of concurrent phases: {:.0} syncs/s; \
         sync latency p50 {:.1?}, p99 {:.1?}, max {:.1?}",
        syncs as f64 / busy.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies[syncs - 1],
    );

    common::assert_ring_settled(
        &server,
        &Ring { wallets: &wallets, member_id: &member_id, amount, credit: CREDIT, purse: PURSE },
    );
    server.assert_books();
}
