//! Settlement throughput beside the raw limit: one sync from a receiver (a canteen) carrying a
//! full batch of transfers (`MAX_SYNC_TRANSFERS`) from sixteen payers, which the ledger verifies,
//! settles, logs and answers; against the same number of strict Ed25519 verifications. Criterion
//! reports both as elements a second.
//!
//! The ledger's log grows by a batch each iteration, as it would in service. Every answer signs a
//! root over the whole log, from the tree the ledger keeps between syncs, so later samples cost
//! about what early ones do, apart from SQLite's own tables growing.
//!
//! `cargo bench -p outpost-ledger`. `outpost bench --json` reports the same comparison.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signature, Signer, SigningKey};
use outpost_ledger::Ledger;
use outpost_ledger::simulated::{Member, Payer};
use outpost_wallet_core::protocol::Transfer;
use outpost_wallet_core::protocol::sync::{MAX_SYNC_TRANSFERS, Outcome, PurseOrder};
use outpost_wallet_core::{Amount, Currency, SystemClock};

const PAYERS: usize = 16;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn enrol(ledger: &Ledger, member_id: &str, credit: u64) -> Member {
    let member = Member::enrol(ledger, member_id, now()).unwrap();
    if credit > 0 {
        ledger.credit(member_id, Amount::from_minor(credit, Currency::JPY).unwrap(), "pay").unwrap();
    }
    member
}

fn settlement(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path(), Currency::JPY, Arc::new(SystemClock)).unwrap();
    let mut canteen = enrol(&ledger, "CANTEEN-0001", 0);
    let mut payers: Vec<Payer> = (0..PAYERS)
        .map(|i| {
            let mut member = enrol(&ledger, &format!("PAYER-{i:04}"), 50_000);
            let purse = Some(PurseOrder { closing: Vec::new(), amount: 20_000 });
            let body = member.sync(&ledger, Vec::new(), purse, now()).unwrap();
            Payer::new(member, body.purse.expect("a purse"))
        })
        .collect();
    let receiver = canteen.identity.public().signing_key;
    let mut batch = || -> Vec<Transfer> {
        let mut transfers = Vec::with_capacity(MAX_SYNC_TRANSFERS);
        for purse in &mut payers {
            for _ in 0..MAX_SYNC_TRANSFERS / PAYERS {
                transfers.push(purse.pay(receiver, 1, now()).unwrap());
            }
        }
        transfers
    };

    // The raw limit: as many strict verifications of transfer-sized messages as the batch holds.
    let key = SigningKey::from_bytes(&[0x5a; 32]);
    let signed: Vec<(Vec<u8>, Signature)> = batch()
        .into_iter()
        .map(|t| {
            let bytes = t.to_bytes();
            let signature = key.sign(&bytes);
            (bytes, signature)
        })
        .collect();
    let verifying = key.verifying_key();

    let mut group = c.benchmark_group(format!("settle a batch of {MAX_SYNC_TRANSFERS}"));
    group.throughput(Throughput::Elements(MAX_SYNC_TRANSFERS as u64));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    group.bench_function("raw strict verifications", |b| {
        b.iter(|| {
            for (message, signature) in &signed {
                verifying.verify_strict(message, signature).unwrap();
            }
        })
    });
    group.bench_function("Ledger::sync from the receiver", |b| {
        b.iter_batched(
            || canteen.request(batch(), None, now()).unwrap(),
            |request| ledger.sync(&request).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.finish();

    // The batches settled: every transfer, and the books still balance.
    let body = canteen.sync(&ledger, batch(), None, now()).unwrap();
    assert!(body.outcomes.iter().all(|o| o.outcome == Outcome::Settled));
    ledger.check_invariants().unwrap();
}

criterion_group!(benches, settlement);
criterion_main!(benches);
