//! What the ledger keeps of the syncs it answered: each wallet's last answer, so that a retry of
//! a cut sync gets the same bytes; never the whole history of answers, which one member syncing in
//! a loop could grow without end. An older request replayed is refused, not done again.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::now;
use outpost_ledger::{Ledger, LedgerError};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::EnrolmentRequest;
use outpost_wallet_core::protocol::sync::{SyncRequest, SyncRequestBody, SyncResponse};
use outpost_wallet_core::qr::{self, PayloadKind};
use outpost_wallet_core::{Currency, SystemClock};

fn ledger(dir: &Path) -> Ledger {
    Ledger::open(dir, Currency::JPY, Arc::new(SystemClock)).unwrap()
}

fn enrol(ledger: &Ledger, member_id: &str) -> Identity {
    let identity = Identity::generate().unwrap();
    let request = EnrolmentRequest::sign(&identity, member_id, now()).unwrap();
    ledger.enrol(&qr::encode(PayloadKind::Enrolment, &request.to_bytes())).unwrap();
    identity
}

/// A request as a wallet makes it: a fresh id, and how far it has seen the log.
fn request(wallet: &Identity, n: u64, seen_up_to: u64) -> Vec<u8> {
    let mut request_id = [0u8; 16];
    request_id[..8].copy_from_slice(&n.to_be_bytes());
    let body = SyncRequestBody {
        wallet_key: wallet.public().signing_key,
        request_id,
        device_time: now(),
        checkpoint_size: 0,
        seen_up_to,
        transfers: Vec::new(),
        receipts: Vec::new(),
        evidence: Vec::new(),
        purse: None,
        payments: Vec::new(),
    };
    SyncRequest::sign(body, wallet).unwrap().to_bytes()
}

fn seen_up_to(answer: &[u8]) -> u64 {
    SyncResponse::from_bytes(answer).unwrap().body().seen_up_to
}

fn stored_answers(dir: &Path) -> i64 {
    let db = rusqlite::Connection::open(dir.join("ledger.db")).unwrap();
    db.query_row("SELECT count(*) FROM sync_answer", [], |r| r.get(0)).unwrap()
}

fn database_bytes(dir: &Path) -> u64 {
    ["ledger.db", "ledger.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(dir.join(name)).ok())
        .map(|m| m.len())
        .sum()
}

#[test]
fn a_retried_sync_gets_the_same_answer_and_an_older_request_replayed_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger(dir.path());
    let aiko = enrol(&ledger, "AIKO-0001");

    let first = request(&aiko, 1, 0);
    let answer = ledger.sync(&first).unwrap();
    let second = request(&aiko, 2, seen_up_to(&answer));
    let answer = ledger.sync(&second).unwrap();
    // The connection was cut: the wallet sends the same bytes and gets the same bytes.
    assert_eq!(ledger.sync(&second).unwrap(), answer);

    let size = ledger.checkpoint().unwrap().size;
    let refused = ledger.sync(&first).unwrap_err();
    assert!(
        matches!(refused, LedgerError::SyncBehind { sent: 0, acknowledged } if acknowledged > 0),
        "{refused}"
    );
    assert!(refused.to_string().contains("old request sent again"), "{refused}");
    assert_eq!(ledger.checkpoint().unwrap().size, size, "a refused replay logs nothing");

    // The wallet's next request goes on from the answer it read.
    let third = request(&aiko, 3, seen_up_to(&answer));
    ledger.sync(&third).unwrap();
    assert_eq!(stored_answers(dir.path()), 1);
}

#[test]
fn ten_thousand_syncs_from_one_wallet_keep_one_answer_and_bounded_storage() {
    const SYNCS: u64 = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger(dir.path());
    let aiko = enrol(&ledger, "AIKO-0001");
    let ben = enrol(&ledger, "BEN-0002");
    ledger.sync(&request(&ben, 1, 0)).unwrap();
    let before = database_bytes(dir.path());

    let mut seen = 0;
    for n in 0..SYNCS {
        seen = seen_up_to(&ledger.sync(&request(&aiko, n, seen)).unwrap());
    }
    drop(ledger);
    assert_eq!(stored_answers(dir.path()), 2, "one answer per wallet");
    let grown = database_bytes(dir.path()).saturating_sub(before);
    let per_sync = grown / SYNCS;
    println!(
        "{SYNCS} syncs grew the database by {grown} bytes ({per_sync} bytes a sync, the audit log's Synced entries)"
    );
    // Each sync adds its `Synced` audit entry (kept for the auditors), nothing else that grows:
    // under 512 bytes a sync, so 10,000 syncs stay under 5 MiB. Before, each kept a ~40 KiB answer.
    assert!(per_sync < 512, "{per_sync} bytes a sync");
}
