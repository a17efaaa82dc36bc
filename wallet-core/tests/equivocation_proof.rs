//! Equivocation proofs (docs/adr/0014): two checkpoints of one size with different roots, as a
//! wallet uploads them in its sync request. Strict decoding: only a conflicting pair in its one
//! order, at most `MAX_SYNC_EQUIVOCATIONS` in a request, nothing cut or left over.

use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::sync::{MAX_SYNC_EQUIVOCATIONS, SyncRequest, SyncRequestBody};
use outpost_wallet_core::protocol::{EQUIVOCATION_PROOF_LEN, EquivocationProof, LedgerSigner, ProtocolError};

const NOW: u64 = 1_800_000_000;

fn fork(ledger: &LedgerSigner, size: u64) -> EquivocationProof {
    EquivocationProof::new(ledger.checkpoint(size, [1; 32], NOW), ledger.checkpoint(size, [2; 32], NOW + 5))
        .unwrap()
}

fn body(wallet: &Identity) -> SyncRequestBody {
    SyncRequestBody {
        wallet_key: wallet.public().signing_key,
        request_id: [7; 16],
        device_time: NOW,
        checkpoint_size: 9,
        seen_up_to: 0,
        transfers: Vec::new(),
        receipts: Vec::new(),
        evidence: Vec::new(),
        purse: None,
        payments: Vec::new(),
    }
}

#[test]
fn two_checkpoints_of_one_size_with_different_roots_prove_a_fork_under_the_ledgers_key() {
    let ledger = LedgerSigner::generate().unwrap();
    let proof = fork(&ledger, 12);
    proof.verify(&ledger.public_key()).unwrap();
    assert_eq!(proof.size(), 12);
    assert_eq!(proof.to_bytes().len(), EQUIVOCATION_PROOF_LEN);
    let other = LedgerSigner::generate().unwrap();
    assert_eq!(proof.verify(&other.public_key()), Err(ProtocolError::BadSignature { message: "checkpoint" }));
}

#[test]
fn a_pair_has_one_encoding_and_one_id_whichever_phone_held_which() {
    let ledger = LedgerSigner::generate().unwrap();
    let (a, b) = (ledger.checkpoint(3, [1; 32], NOW), ledger.checkpoint(3, [2; 32], NOW));
    let one = EquivocationProof::new(a.clone(), b.clone()).unwrap();
    let other = EquivocationProof::new(b, a).unwrap();
    assert_eq!(one, other);
    assert_eq!(one.id(), other.id());
    assert_eq!(EquivocationProof::from_bytes(&one.to_bytes()).unwrap(), one);
}

#[test]
fn pairs_that_prove_nothing_are_refused() {
    let ledger = LedgerSigner::generate().unwrap();
    let same_root =
        EquivocationProof::new(ledger.checkpoint(3, [1; 32], NOW), ledger.checkpoint(3, [1; 32], NOW + 1));
    assert!(matches!(same_root, Err(ProtocolError::Invalid { .. })));
    let other_size =
        EquivocationProof::new(ledger.checkpoint(3, [1; 32], NOW), ledger.checkpoint(4, [2; 32], NOW));
    assert!(matches!(other_size, Err(ProtocolError::Invalid { .. })));
    let proof = fork(&ledger, 3).to_bytes();
    let swapped = [&proof[113..], &proof[..113]].concat();
    assert!(matches!(EquivocationProof::from_bytes(&swapped), Err(ProtocolError::Malformed { .. })));
}

#[test]
fn a_sync_request_carries_equivocation_proofs_signed_by_the_wallet() {
    let ledger = LedgerSigner::generate().unwrap();
    let wallet = Identity::generate().unwrap();
    let proofs = vec![fork(&ledger, 3), fork(&ledger, 8)];
    let request = SyncRequest::sign_reporting(body(&wallet), proofs.clone(), &wallet).unwrap();
    let read = SyncRequest::from_bytes(&request.to_bytes()).unwrap();
    read.verify().unwrap();
    assert_eq!(read.equivocations(), &proofs[..]);
    assert_eq!(read.body(), request.body());
    let plain = SyncRequest::sign(body(&wallet), &wallet).unwrap();
    assert!(SyncRequest::from_bytes(&plain.to_bytes()).unwrap().equivocations().is_empty());
}

#[test]
fn a_sync_request_with_proofs_refuses_every_cut_alteration_and_extra_byte() {
    let ledger = LedgerSigner::generate().unwrap();
    let wallet = Identity::generate().unwrap();
    let bytes =
        SyncRequest::sign_reporting(body(&wallet), vec![fork(&ledger, 3)], &wallet).unwrap().to_bytes();
    for cut in 0..bytes.len() {
        assert!(SyncRequest::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    for index in 0..bytes.len() {
        let mut altered = bytes.clone();
        altered[index] ^= 1;
        assert!(SyncRequest::from_bytes(&altered).and_then(|r| r.verify()).is_err(), "byte {index}");
    }
    let longer = [&bytes[..bytes.len() - 64], &[0], &bytes[bytes.len() - 64..]].concat();
    assert!(matches!(SyncRequest::from_bytes(&longer), Err(ProtocolError::Malformed { .. })));
}

#[test]
fn more_proofs_than_one_request_carries_are_refused_both_ways() {
    let ledger = LedgerSigner::generate().unwrap();
    let wallet = Identity::generate().unwrap();
    let many: Vec<_> = (0..=MAX_SYNC_EQUIVOCATIONS as u64).map(|size| fork(&ledger, size + 1)).collect();
    assert!(matches!(
        SyncRequest::sign_reporting(body(&wallet), many, &wallet),
        Err(ProtocolError::TooLong { .. }) | Err(ProtocolError::Invalid { .. })
    ));
    // A count above the bound is refused before anything is read for it.
    let bytes = SyncRequest::sign_reporting(body(&wallet), Vec::new(), &wallet).unwrap().to_bytes();
    // The proofs' count sits before the count of sighted sizes (version 3).
    let count_at = bytes.len() - 64 - 1 - 2;
    let mut over = bytes.clone();
    over[count_at..count_at + 2].copy_from_slice(&(MAX_SYNC_EQUIVOCATIONS as u16 + 1).to_be_bytes());
    let err = SyncRequest::from_bytes(&over).unwrap_err();
    assert!(err.to_string().contains("equivocation proofs"), "{err}");
}
