//! Version 4 of the sync answer (docs/adr/0020) under attack: its compact outcomes (each reason
//! once) and its entries with one shared proof round-trip, and every truncation, trailing byte,
//! forged reason number, reason listed twice or unused, and oversized proof count is a typed
//! error; an answer replayed for another request does not verify.

use outpost_wallet_core::encoding::DecodeError;
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::merkle;
use outpost_wallet_core::protocol::sync::{
    MAX_ENTRIES_PROOF_LEN, Outcome, ProvedEntry, SyncRequest, SyncRequestBody, SyncResponse,
    SyncResponseBody, TransferOutcome,
};
use outpost_wallet_core::protocol::{LedgerSigner, ProtocolError};

const NOW: u64 = 1_800_000_000;
const MEMBER: &str = "ALICE-0001";

fn outcome(id: u8, outcome: Outcome, reason: &str) -> TransferOutcome {
    TransferOutcome { transfer_id: [id; 32], outcome, reason: reason.into() }
}

fn body(ledger: &LedgerSigner) -> SyncResponseBody {
    let leaves: Vec<Vec<u8>> = (0..6u8).map(|i| vec![i; 20]).collect();
    let hashes: Vec<merkle::Hash> = leaves.iter().map(|l| merkle::leaf_hash(l)).collect();
    let root = merkle::root(&hashes);
    let proved = [1u64, 2, 4];
    SyncResponseBody {
        request: [0xcc; 32],
        ledger_time: NOW,
        member_id: MEMBER.into(),
        online_balance: 100,
        outcomes: vec![
            outcome(1, Outcome::Settled, "paid"),
            outcome(2, Outcome::Settled, "paid"),
            outcome(3, Outcome::Refused, "not yours"),
        ],
        payments: Vec::new(),
        purse: None,
        revoked: Vec::new(),
        notices: Vec::new(),
        checkpoint: ledger.checkpoint(6, root, NOW),
        consistency: Vec::new(),
        entries: proved
            .iter()
            .map(|&i| ProvedEntry { leaf: leaves[i as usize].clone(), proof: Vec::new() })
            .collect(),
        entries_proof: merkle::multi_inclusion_proof(&hashes, &proved).unwrap(),
        seen_up_to: 6,
        more: false,
        witnessed: None,
        sighted: Vec::new(),
        recorded: Vec::new(),
    }
}

/// Offset of the reasons count: version | request 32 | time 8 | member id (u8 + text) | balance 8.
const REASONS: usize = 1 + 32 + 8 + 1 + MEMBER.len() + 8;
/// Reasons "paid" and "not yours" (u8 length + text each), then the outcomes count.
const OUTCOMES: usize = REASONS + 2 + (1 + 4) + (1 + 9);
/// Each outcome: id 32 | code 1 | reason number u16.
fn reason_number_at(outcome: usize) -> usize {
    OUTCOMES + 2 + outcome * 35 + 33
}

fn patched(bytes: &[u8], at: usize, with: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at..at + with.len()].copy_from_slice(with);
    out
}

fn malformed(result: Result<SyncResponse, ProtocolError>) -> DecodeError {
    match result {
        Err(ProtocolError::Malformed { source, .. }) => source,
        other => panic!("expected a malformed answer, got {other:?}"),
    }
}

#[test]
fn a_version_4_answer_round_trips_with_each_reason_once_and_one_proof() {
    let ledger = LedgerSigner::generate().unwrap();
    let body = body(&ledger);
    let signed = ledger.sign_sync_response(body.clone()).unwrap();
    assert_eq!(signed.version(), 4);
    let bytes = signed.to_bytes();
    assert_eq!(&bytes[REASONS..REASONS + 2], &[0, 2], "two distinct reasons");
    let read = SyncResponse::from_bytes(&bytes).unwrap();
    assert_eq!(read.body(), &body);
    read.verify(&ledger.public_key(), &body.request).unwrap();
    let indices = [1u64, 2, 4];
    let leaves: Vec<_> = read.body().entries.iter().map(|e| merkle::leaf_hash(&e.leaf)).collect();
    merkle::verify_multi_inclusion(
        &indices,
        &leaves,
        6,
        &read.body().entries_proof,
        &read.body().checkpoint.root,
    )
    .unwrap();
}

#[test]
fn every_truncation_and_a_trailing_byte_are_refused() {
    let ledger = LedgerSigner::generate().unwrap();
    let bytes = ledger.sign_sync_response(body(&ledger)).unwrap().to_bytes();
    for cut in 0..bytes.len() {
        assert!(SyncResponse::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    // The signature is the last 64 bytes: a byte slipped in before it is a trailing byte.
    let (message, signature) = bytes.split_at(bytes.len() - 64);
    let longer = [message, &[0], signature].concat();
    assert!(SyncResponse::from_bytes(&longer).is_err());
}

#[test]
fn a_forged_reason_table_is_refused() {
    let ledger = LedgerSigner::generate().unwrap();
    let bytes = ledger.sign_sync_response(body(&ledger)).unwrap().to_bytes();
    assert_eq!(&bytes[reason_number_at(2)..reason_number_at(2) + 2], &[0, 1]);
    let not_in_order = DecodeError::Invalid { what: "reason number", reason: "not a reason listed in order" };
    // The first outcome naming the second reason before the first was used.
    assert_eq!(
        malformed(SyncResponse::from_bytes(&patched(&bytes, reason_number_at(0), &[0, 1]))),
        not_in_order
    );
    // A reason beyond the table.
    assert_eq!(
        malformed(SyncResponse::from_bytes(&patched(&bytes, reason_number_at(2), &[0, 7]))),
        not_in_order
    );
    // The second reason never used.
    assert_eq!(
        malformed(SyncResponse::from_bytes(&patched(&bytes, reason_number_at(2), &[0, 0]))),
        DecodeError::Invalid { what: "outcome reasons", reason: "a reason no outcome uses" }
    );
    // The second reason the same words as the first ("not yours" cut to "paid": same length
    // prefix changed, so the rest no longer parses, or a reason listed twice).
    let twice = patched(&bytes, REASONS + 2 + 5, &[4, b'p', b'a', b'i', b'd']);
    assert!(SyncResponse::from_bytes(&twice).is_err());
}

#[test]
fn an_oversized_proof_count_is_refused_before_it_is_read() {
    let ledger = LedgerSigner::generate().unwrap();
    let body = body(&ledger);
    let bytes = ledger.sign_sync_response(body.clone()).unwrap().to_bytes();
    let proof_count_at = bytes.len() - 64 - (8 + 1 + 1 + 1 + 2) - body.entries_proof.len() * 32 - 2;
    assert_eq!(
        u16::from_be_bytes([bytes[proof_count_at], bytes[proof_count_at + 1]]) as usize,
        body.entries_proof.len()
    );
    let over = (MAX_ENTRIES_PROOF_LEN as u16 + 1).to_be_bytes();
    assert_eq!(
        malformed(SyncResponse::from_bytes(&patched(&bytes, proof_count_at, &over))),
        DecodeError::TooLong {
            what: "entries proof",
            len: MAX_ENTRIES_PROOF_LEN + 1,
            max: MAX_ENTRIES_PROOF_LEN
        }
    );
    let mut too_long = body;
    too_long.entries_proof = vec![[0; 32]; MAX_ENTRIES_PROOF_LEN + 1];
    assert!(ledger.sign_sync_response(too_long).is_err());
}

#[test]
fn an_entry_with_its_own_proof_cannot_be_signed_in_version_4_nor_a_shared_proof_in_version_3() {
    let ledger = LedgerSigner::generate().unwrap();
    let mut own = body(&ledger);
    own.entries[0].proof = vec![[1; 32]];
    assert!(ledger.sign_sync_response(own).is_err());
    assert!(ledger.sign_sync_response_version(3, body(&ledger)).is_err());
}

#[test]
fn a_version_4_answer_replayed_for_another_request_does_not_verify() {
    let ledger = LedgerSigner::generate().unwrap();
    let wallet = Identity::generate().unwrap();
    let request = |id: u8| {
        let body = SyncRequestBody {
            wallet_key: wallet.public().signing_key,
            request_id: [id; 16],
            device_time: NOW,
            checkpoint_size: 0,
            seen_up_to: 0,
            transfers: Vec::new(),
            receipts: Vec::new(),
            evidence: Vec::new(),
            purse: None,
            payments: Vec::new(),
        };
        SyncRequest::sign(body, &wallet).unwrap()
    };
    let (first, second) = (request(1), request(2));
    assert_eq!(first.version(), 4);
    let answer =
        ledger.sign_sync_response(SyncResponseBody { request: first.id(), ..body(&ledger) }).unwrap();
    let read = SyncResponse::from_bytes(&answer.to_bytes()).unwrap();
    read.verify(&ledger.public_key(), &first.id()).unwrap();
    assert!(read.verify(&ledger.public_key(), &second.id()).is_err());
}
