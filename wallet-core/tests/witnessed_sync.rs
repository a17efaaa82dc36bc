//! A wallet that pinned witness keys applies a sync answer only when its witnessed checkpoint is
//! cosigned by enough of them, signed by the ledger, extended by the fresh checkpoint, no older
//! than the one the wallet holds and fresh enough (docs/adr/0013-witnesses.md). Each refusal
//! applies nothing. A wallet without witnesses pinned syncs as before.
//!
//! The ledger here is a `LedgerSigner` behind a `SyncTransport` that answers with a log of
//! synthetic leaves, so each test sets exactly the witnessed checkpoint it needs.

mod common;

use std::sync::Mutex;

use common::{Fixture, TestLedger};
use outpost_wallet_core::merkle::{self, Hash};
use outpost_wallet_core::protocol::cosignature::Cosigner;
use outpost_wallet_core::protocol::sync::SyncResponseBody;
use outpost_wallet_core::protocol::witnessed::{
    CompactCosignature, MAX_WITNESS_LAG, WitnessError, WitnessedCheckpoint,
};
use outpost_wallet_core::protocol::{CheckpointError, SyncRequest};
use outpost_wallet_core::transport::{SyncTransport, TransportError};
use outpost_wallet_core::wallet::SyncOptions;
use outpost_wallet_core::{Wallet, WalletError};

const TIME: u64 = 1_800_000_000;

/// What the fake ledger answers next.
#[derive(Clone)]
struct Answer {
    size: u64,
    /// `None`: no witnessed checkpoint in the answer.
    witnessed_size: Option<u64>,
    /// Seconds the witnessed checkpoint was signed before the fresh one.
    lag: u64,
    /// Indexes into the witnesses that cosign, in order (repeats allowed).
    cosigners: Vec<usize>,
    /// Sign the witnessed checkpoint over another log than the fresh one's.
    forked: bool,
    /// Flip a bit of the first cosignature.
    bad_cosignature: bool,
}

struct FakeLedger {
    ledger: TestLedger,
    witnesses: Vec<Cosigner>,
    next: Mutex<Answer>,
}

fn leaves(size: u64, tag: u8) -> Vec<Hash> {
    (0..size).map(|i| merkle::leaf_hash(&[&[tag][..], &i.to_be_bytes()].concat())).collect()
}

impl FakeLedger {
    fn new(witnesses: usize) -> Self {
        Self {
            ledger: TestLedger::new(),
            witnesses: (0..witnesses)
                .map(|i| Cosigner::from_secret(&format!("w{i}.example"), &[i as u8 + 1; 32]).unwrap())
                .collect(),
            next: Mutex::new(Answer {
                size: 10,
                witnessed_size: Some(8),
                lag: 30,
                cosigners: vec![0, 1],
                forked: false,
                bad_cosignature: false,
            }),
        }
    }

    fn key(&self, index: usize) -> String {
        self.witnesses[index].verifier_key()
    }

    fn set(&self, change: impl FnOnce(&mut Answer)) {
        change(&mut self.next.lock().unwrap());
    }

    fn witnessed(&self, answer: &Answer, fresh: &[Hash]) -> Option<WitnessedCheckpoint> {
        let size = answer.witnessed_size?;
        let log = if answer.forked { leaves(size, 9) } else { fresh[..size as usize].to_vec() };
        let signer = &self.ledger.signer;
        let checkpoint = signer.checkpoint(size, merkle::root(&log), TIME - answer.lag);
        let text = checkpoint.note_text(&signer.public_key());
        let mut cosignatures: Vec<CompactCosignature> = answer
            .cosigners
            .iter()
            .map(|&i| {
                let line = self.witnesses[i].cosign(&text, TIME - answer.lag + 1 + i as u64);
                let note = format!("{text}\n{line}");
                let parsed = outpost_wallet_core::protocol::note::SignedNote::parse(note.as_bytes()).unwrap();
                CompactCosignature::from_line(&parsed.signatures[0]).unwrap()
            })
            .collect();
        if answer.bad_cosignature {
            cosignatures[0].signature[5] ^= 1;
        }
        let consistency = if size == 0 || size as usize == fresh.len() {
            Vec::new()
        } else {
            merkle::consistency_proof(fresh, size).unwrap()
        };
        Some(WitnessedCheckpoint { checkpoint, cosignatures, consistency })
    }
}

impl SyncTransport for FakeLedger {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        let request = SyncRequest::from_bytes(request).unwrap();
        let answer = self.next.lock().unwrap().clone();
        let fresh = leaves(answer.size, 0);
        let held = request.body().checkpoint_size;
        let body = SyncResponseBody {
            request: request.id(),
            ledger_time: TIME,
            member_id: "ALICE-0042".into(),
            online_balance: 0,
            outcomes: Vec::new(),
            payments: Vec::new(),
            purse: None,
            revoked: Vec::new(),
            notices: Vec::new(),
            checkpoint: self.ledger.signer.checkpoint(answer.size, merkle::root(&fresh), TIME),
            consistency: if held == 0 || held == answer.size {
                Vec::new()
            } else {
                merkle::consistency_proof(&fresh, held).unwrap()
            },
            entries: Vec::new(),
            entries_proof: Vec::new(),
            seen_up_to: answer.size,
            more: false,
            sighted: Vec::new(),
            recorded: Vec::new(),
            witnessed: self.witnessed(&answer, &fresh),
        };
        Ok(self.ledger.signer.sign_sync_response(body).unwrap().to_bytes())
    }
}

/// A wallet enrolled with `ledger` that requires `threshold` of witnesses 0 and 1.
fn wallet(fixture: &Fixture, ledger: &FakeLedger, threshold: u8) -> Wallet {
    let wallet = fixture.member(&ledger.ledger, "alice.wallet", "ALICE-0042", 0);
    wallet.pin_witnesses(&[ledger.key(0), ledger.key(1)], threshold).unwrap();
    wallet
}

fn refusal(wallet: &Wallet, ledger: &FakeLedger) -> WitnessError {
    let before = wallet.ledger_checkpoint().unwrap();
    let witnessed_before = wallet.witnessed_checkpoint().unwrap();
    match wallet.sync(ledger, &SyncOptions::default()) {
        Err(WalletError::Witnesses(e)) => {
            assert_eq!(wallet.ledger_checkpoint().unwrap(), before, "nothing applied");
            assert_eq!(wallet.witnessed_checkpoint().unwrap(), witnessed_before, "nothing applied");
            e
        }
        other => panic!("expected a witness refusal, got {other:?}"),
    }
}

#[test]
fn an_answer_cosigned_by_the_threshold_of_pinned_witnesses_is_applied() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(3);
    let wallet = wallet(&fixture, &ledger, 2);
    let report = wallet.sync(&ledger, &SyncOptions::default()).unwrap();
    assert_eq!(report.checkpoint_size, 10);
    assert_eq!(wallet.witnessed_checkpoint().unwrap().unwrap().size, 8);
    let (keys, threshold) = wallet.pinned_witnesses().unwrap().unwrap();
    assert_eq!((keys.len(), threshold), (2, 2));
}

#[test]
fn a_witnessed_checkpoint_the_same_size_as_the_fresh_one_may_be_of_any_age() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = wallet(&fixture, &ledger, 2);
    ledger.set(|a| {
        a.witnessed_size = Some(10);
        a.lag = 10 * MAX_WITNESS_LAG;
    });
    wallet.sync(&ledger, &SyncOptions::default()).unwrap();
    assert_eq!(wallet.witnessed_checkpoint().unwrap().unwrap().size, 10);
}

#[test]
fn a_wallet_without_pinned_witnesses_syncs_without_a_witnessed_checkpoint() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = fixture.member(&ledger.ledger, "alice.wallet", "ALICE-0042", 0);
    ledger.set(|a| a.witnessed_size = None);
    wallet.sync(&ledger, &SyncOptions::default()).unwrap();
    assert_eq!(wallet.witnessed_checkpoint().unwrap(), None);
    assert_eq!(wallet.pinned_witnesses().unwrap(), None);
}

#[test]
fn an_answer_without_a_witnessed_checkpoint_is_refused() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = wallet(&fixture, &ledger, 1);
    ledger.set(|a| a.witnessed_size = None);
    assert_eq!(refusal(&wallet, &ledger), WitnessError::Missing { required: 1 });
}

#[test]
fn too_few_cosignatures_are_refused() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = wallet(&fixture, &ledger, 2);
    ledger.set(|a| a.cosigners = vec![1]);
    assert_eq!(refusal(&wallet, &ledger), WitnessError::TooFewCosignatures { valid: 1, required: 2 });
}

#[test]
fn a_cosignature_by_a_witness_the_wallet_does_not_pin_does_not_count() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(3);
    let wallet = wallet(&fixture, &ledger, 2);
    ledger.set(|a| a.cosigners = vec![0, 2]);
    assert_eq!(refusal(&wallet, &ledger), WitnessError::TooFewCosignatures { valid: 1, required: 2 });
}

#[test]
fn a_witness_cosigning_twice_counts_once() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = wallet(&fixture, &ledger, 2);
    ledger.set(|a| a.cosigners = vec![0, 0]);
    assert_eq!(refusal(&wallet, &ledger), WitnessError::TooFewCosignatures { valid: 1, required: 2 });
}

#[test]
fn a_cosignature_that_claims_a_pinned_witness_and_fails_is_refused() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = wallet(&fixture, &ledger, 1);
    ledger.set(|a| a.bad_cosignature = true);
    assert!(matches!(refusal(&wallet, &ledger), WitnessError::BadCosignature(_)));
}

#[test]
fn a_witnessed_checkpoint_the_fresh_one_does_not_extend_is_refused() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = wallet(&fixture, &ledger, 2);
    ledger.set(|a| a.forked = true);
    assert!(matches!(
        refusal(&wallet, &ledger),
        WitnessError::Inconsistent(CheckpointError::Rewritten { held: 8, offered: 10, .. })
    ));
}

#[test]
fn a_witnessed_checkpoint_older_than_the_one_held_is_refused() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = wallet(&fixture, &ledger, 2);
    wallet.sync(&ledger, &SyncOptions::default()).unwrap();
    ledger.set(|a| {
        a.size = 12;
        a.witnessed_size = Some(5);
    });
    assert_eq!(refusal(&wallet, &ledger), WitnessError::OlderThanHeld { held: 8, offered: 5 });
    ledger.set(|a| a.witnessed_size = Some(11));
    wallet.sync(&ledger, &SyncOptions::default()).unwrap();
    assert_eq!(wallet.witnessed_checkpoint().unwrap().unwrap().size, 11, "the newest is kept");
}

#[test]
fn a_witnessed_checkpoint_too_far_behind_a_grown_log_is_refused() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = wallet(&fixture, &ledger, 2);
    ledger.set(|a| a.lag = MAX_WITNESS_LAG + 1);
    assert_eq!(
        refusal(&wallet, &ledger),
        WitnessError::TooStale { behind: MAX_WITNESS_LAG + 1, max: MAX_WITNESS_LAG }
    );
}

#[test]
fn a_witnessed_checkpoint_not_signed_by_the_ledger_is_refused() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    // Alice pins another ledger's witnesses policy but this ledger's key: a witnessed checkpoint
    // signed by a third key must not pass.
    let wallet = wallet(&fixture, &ledger, 1);
    let other = FakeLedger::new(2);
    let stranger = other.witnessed(&ledger.next.lock().unwrap(), &leaves(10, 0)).unwrap();
    struct Swapped<'a>(&'a FakeLedger, WitnessedCheckpoint);
    impl SyncTransport for Swapped<'_> {
        fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
            let answer = self.0.exchange(request)?;
            let mut body =
                outpost_wallet_core::protocol::SyncResponse::from_bytes(&answer).unwrap().into_body();
            body.witnessed = Some(self.1.clone());
            Ok(self.0.ledger.signer.sign_sync_response(body).unwrap().to_bytes())
        }
    }
    let swapped = Swapped(&ledger, stranger);
    match wallet.sync(&swapped, &SyncOptions::default()) {
        Err(WalletError::Witnesses(WitnessError::BadLedgerSignature)) => {}
        other => panic!("expected BadLedgerSignature, got {other:?}"),
    }
}

#[test]
fn policies_that_cannot_be_met_are_not_pinned() {
    let fixture = Fixture::new();
    let ledger = FakeLedger::new(2);
    let wallet = fixture.member(&ledger.ledger, "alice.wallet", "ALICE-0042", 0);
    let bad = |keys: &[String], threshold| {
        matches!(
            wallet.pin_witnesses(keys, threshold),
            Err(WalletError::Witnesses(WitnessError::BadPolicy { .. }))
        )
    };
    assert!(bad(&[ledger.key(0)], 0));
    assert!(bad(&[ledger.key(0)], 2));
    assert!(bad(&[ledger.key(0), ledger.key(0)], 1));
    assert!(bad(&[], 1));
    assert!(bad(&["not a key".to_owned()], 1));
    assert_eq!(wallet.pinned_witnesses().unwrap(), None);
}
