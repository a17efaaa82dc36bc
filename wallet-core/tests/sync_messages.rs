//! The sync-era messages under attack: the sync request and response, the ledger's checkpoints,
//! audit-log leaves and the audit export.
//!
//! Each decoder refuses every truncation, every trailing byte and every count or length above its
//! limit with a typed error, the counts before reading (let alone allocating) the items; a message
//! with any bit changed never verifies as another message; a response answers one request under one
//! ledger key; a checkpoint is accepted only as an extension of the one held; and the offline audit
//! names what a dishonest ledger did to its log.
//!
//! The byte layouts tested here are version 3's, which the ledger still writes to wallets not yet
//! upgraded; version 4's compact answer has its own tests in `sync_answer_v4.rs`.
//!
//! Where a test forges bytes by hand, the offsets come from the wire layout in
//! `protocol/sync.rs`, and the test first checks that the message has the length that layout
//! predicts, so a format change fails loudly here instead of silently testing another field.

mod common;

use common::{DAY, yen};
use ed25519_dalek::{Signer, SigningKey};
use outpost_wallet_core::audit::{
    Account, AuditEntry, AuditError, EntryFault, EntryKind, LedgerAmount, MAX_EXPORT_ENTRIES, Move,
    audit_log, check_against, decode_export, encode_export,
};
use outpost_wallet_core::encoding::{DecodeError, Writer};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::merkle::{
    self, Hash, MAX_CONSISTENCY_PROOF_LEN, MAX_INCLUSION_PROOF_LEN, MerkleError,
};
use outpost_wallet_core::protocol::sync::{
    MAX_LOG_ENTRY, MAX_SYNC_BYTES, MAX_SYNC_DECLARATIONS, MAX_SYNC_ENTRIES, MAX_SYNC_EVIDENCE,
    MAX_SYNC_NOTICES, MAX_SYNC_PAYMENTS, MAX_SYNC_RECEIPTS, MAX_SYNC_REVOKED, MAX_SYNC_SIGHTED,
    MAX_SYNC_TEXT, MAX_SYNC_TRANSFERS, OnlinePayment, Outcome, PaymentOutcome, ProvedEntry, PurseDeclaration,
    PurseOrder, RiskNotice, SightedProof, TransferOutcome,
};
use outpost_wallet_core::protocol::witnessed::{CompactCosignature, MAX_COSIGNATURES, WitnessedCheckpoint};
use outpost_wallet_core::protocol::{
    Checkpoint, CheckpointError, LedgerSigner, MAX_MEMBER_ID, MAX_MEMO, MessageId, ProtocolError,
    PurseCertificate, PurseTerms, Receipt, SyncRequest, SyncRequestBody, SyncResponse, SyncResponseBody,
    Transfer, TransferTerms,
};
use proptest::prelude::*;

const NOW: u64 = 1_800_000_000;
const ALICE: &str = "ALICE-0042";
const BOB: &str = "BOB-0007";
/// How many log entries Alice's wallet held a checkpoint over before it synced.
const HELD: usize = 3;

const REQUEST_DOMAIN: &str = "outpost/sync-request/v1";

// ---------------------------------------------------------------------------------------------
// A world: one ledger, Alice (whose wallet syncs) and Bob, real purses, transfers and a log
// ---------------------------------------------------------------------------------------------

struct World {
    ledger: LedgerSigner,
    alice: Identity,
    bob: Identity,
    alice_purse: PurseCertificate,
    bob_purse: PurseCertificate,
}

fn world() -> World {
    let ledger = LedgerSigner::generate().unwrap();
    let alice = Identity::generate().unwrap();
    let bob = Identity::generate().unwrap();
    let alice_purse = purse(&ledger, &alice, ALICE, 1);
    let bob_purse = purse(&ledger, &bob, BOB, 1);
    World { ledger, alice, bob, alice_purse, bob_purse }
}

fn purse(ledger: &LedgerSigner, owner: &Identity, member_id: &str, serial: u32) -> PurseCertificate {
    ledger
        .issue(PurseTerms {
            wallet_key: owner.public().signing_key,
            serial,
            member_id: member_id.into(),
            amount: yen(10_000),
            issued_at: NOW - DAY,
            expires_at: NOW + 7 * DAY,
        })
        .unwrap()
}

/// A purse's chain of transfers of `amounts`, from its first, each continuing the one before.
fn chain(certificate: &PurseCertificate, sender: &Identity, to: &Identity, amounts: &[u64]) -> Vec<Transfer> {
    let mut out: Vec<Transfer> = Vec::new();
    let mut spent = 0;
    for (seq, &amount) in (1u32..).zip(amounts) {
        spent += amount;
        let terms = TransferTerms {
            seq,
            prev_hash: out.last().map_or(certificate.chain_start(), Transfer::id),
            spent_after: spent,
            amount,
            receiver_key: to.public().signing_key,
            request_nonce: (seq % 2 == 1).then_some([seq as u8; 16]),
            time: NOW + u64::from(seq),
            memo: format!("item {seq}"),
        };
        out.push(Transfer::sign(certificate.clone(), terms, sender).unwrap());
    }
    out
}

fn member(id: &str) -> Account {
    Account::Member(id.into())
}

fn entry(seq: u64, kind: EntryKind, member_id: &str, moves: &[(Account, i64)]) -> AuditEntry {
    AuditEntry {
        seq,
        at: NOW + seq,
        device_time: 0,
        kind,
        member_id: member_id.into(),
        subject: [0; 32],
        moves: moves
            .iter()
            .map(|(account, delta)| Move { account: account.clone(), delta: *delta })
            .collect(),
        evidence: Vec::new(),
        detail: format!("{kind:?} #{seq}"),
    }
}

fn leaves(entries: &[AuditEntry]) -> Vec<Hash> {
    entries.iter().map(AuditEntry::leaf_hash).collect()
}

fn checkpoint_over(ledger: &LedgerSigner, entries: &[AuditEntry]) -> Checkpoint {
    ledger.checkpoint(entries.len() as u64, merkle::root(&leaves(entries)), NOW + 100)
}

/// A cosignature as a sync answer carries it (its signature is not checked by the decoder).
fn cosignature(tag: u8) -> CompactCosignature {
    CompactCosignature { key_id: u32::from(tag), timestamp: NOW + u64::from(tag), signature: [tag; 64] }
}

fn outcome(transfer_id: MessageId, outcome: Outcome, reason: &str) -> TransferOutcome {
    TransferOutcome { transfer_id, outcome, reason: reason.into() }
}

/// A genuine request, the checkpoint its wallet held, and the ledger's genuine answer.
struct Exchange {
    request: SyncRequest,
    held: Checkpoint,
    response: SyncResponse,
}

impl World {
    fn ledger_key(&self) -> [u8; 32] {
        self.ledger.public_key()
    }

    /// Alice's two transfers to Bob, then Bob's one to Alice.
    fn transfers(&self) -> Vec<Transfer> {
        let mut out = chain(&self.alice_purse, &self.alice, &self.bob, &[2_500, 1_500]);
        out.extend(chain(&self.bob_purse, &self.bob, &self.alice, &[700]));
        out
    }

    /// Everything a request can carry, each list with several items.
    fn request_body(&self) -> SyncRequestBody {
        let transfers = self.transfers();
        SyncRequestBody {
            wallet_key: self.alice.public().signing_key,
            request_id: [0xa1; 16],
            device_time: NOW + 3,
            checkpoint_size: HELD as u64,
            seen_up_to: HELD as u64,
            receipts: vec![
                Receipt::sign(transfers[0].id(), NOW, &self.bob).unwrap(),
                Receipt::sign(transfers[1].id(), NOW + 1, &self.bob).unwrap(),
            ],
            transfers,
            // A second transfer from slot 1 of Bob's purse: a double spend Alice refused.
            evidence: chain(&self.bob_purse, &self.bob, &self.alice, &[300]),
            purse: Some(PurseOrder {
                closing: vec![
                    PurseDeclaration { purse_id: self.alice_purse.purse_id(), last_seq: 2, spent: 4_000 },
                    PurseDeclaration { purse_id: [0x33; 32], last_seq: 0, spent: 0 },
                ],
                amount: 10_000,
            }),
            payments: vec![
                OnlinePayment {
                    payment_id: [1; 16],
                    to_key: self.bob.public().signing_key,
                    amount: 1_200,
                    memo: "rent".into(),
                },
                OnlinePayment { payment_id: [2; 16], to_key: [0x77; 32], amount: 1, memo: "お茶".into() },
                OnlinePayment {
                    payment_id: [3; 16],
                    to_key: [0x78; 32],
                    amount: 9,
                    memo: "m".repeat(MAX_MEMO),
                },
            ],
        }
    }

    fn request(&self) -> SyncRequest {
        SyncRequest::sign(self.request_body(), &self.alice).unwrap()
    }

    /// A small log: the ledger's creation, two credits, a payment, a sync, another credit.
    fn log(&self) -> Vec<AuditEntry> {
        let mut created = entry(0, EntryKind::LedgerCreated, "", &[]);
        created.subject = self.ledger_key();
        let mut synced = entry(4, EntryKind::Synced, ALICE, &[]);
        synced.subject = [9; 32];
        synced.device_time = NOW + 3;
        vec![
            created,
            entry(1, EntryKind::Credited, ALICE, &[(Account::Outside, -5_000), (member(ALICE), 5_000)]),
            entry(2, EntryKind::Credited, BOB, &[(Account::Outside, -3_000), (member(BOB), 3_000)]),
            entry(3, EntryKind::OnlinePayment, ALICE, &[(member(ALICE), -2_000), (member(BOB), 2_000)]),
            synced,
            entry(5, EntryKind::Credited, ALICE, &[(Account::Outside, -1_000), (member(ALICE), 1_000)]),
        ]
    }

    /// Everything a response can carry: an outcome of every kind, payments, a new purse, revoked
    /// purses, notices, a checkpoint with its consistency proof from the wallet's, and Alice's log
    /// entries with their inclusion proofs.
    fn exchange(&self) -> Exchange {
        let request = self.request();
        let log = self.log();
        let all = leaves(&log);
        let held = checkpoint_over(&self.ledger, &log[..HELD]);
        let transfers = &request.body().transfers;
        let body = SyncResponseBody {
            request: request.id(),
            ledger_time: NOW + 100,
            member_id: ALICE.into(),
            online_balance: -1_500,
            outcomes: vec![
                outcome(transfers[0].id(), Outcome::Settled, ""),
                outcome(transfers[1].id(), Outcome::Held, "waiting for the receiver"),
                outcome(transfers[2].id(), Outcome::Returned, "unclaimed for 30 days"),
                outcome([0x44; 32], Outcome::DoubleSpend, "a second transfer from slot 2"),
                outcome([0x55; 32], Outcome::Refused, &"r".repeat(MAX_SYNC_TEXT)),
            ],
            payments: vec![
                PaymentOutcome { payment_id: [1; 16], paid: true, reason: String::new() },
                PaymentOutcome { payment_id: [2; 16], paid: false, reason: "payee unknown".into() },
            ],
            purse: Some(purse(&self.ledger, &self.alice, ALICE, 2)),
            revoked: vec![self.alice_purse.purse_id(), self.bob_purse.purse_id(), [0x66; 32]],
            notices: vec![
                RiskNotice {
                    code: "velocity".into(),
                    score: 80,
                    at: NOW + 50,
                    detail: "twelve transfers in an hour".into(),
                },
                RiskNotice { code: "clock-skew".into(), score: 100, at: NOW + 60, detail: String::new() },
            ],
            checkpoint: checkpoint_over(&self.ledger, &log),
            consistency: merkle::consistency_proof(&all, HELD as u64).unwrap(),
            entries: log
                .iter()
                .filter(|e| e.parties().contains(&ALICE))
                .map(|e| ProvedEntry {
                    leaf: e.leaf_data(),
                    proof: merkle::inclusion_proof(&all, e.seq).unwrap(),
                })
                .collect(),
            entries_proof: Vec::new(),
            seen_up_to: log.len() as u64,
            more: true,
            sighted: Vec::new(),
            recorded: Vec::new(),
            witnessed: Some(WitnessedCheckpoint {
                checkpoint: held.clone(),
                cosignatures: vec![cosignature(1), cosignature(2)],
                consistency: merkle::consistency_proof(&all, HELD as u64).unwrap(),
            }),
        };
        let response = self.ledger.sign_sync_response_version(3, body).unwrap();
        Exchange { request, held, response }
    }

    /// A request with no items and no purse order: the smallest there is.
    fn bare_request_body(&self) -> SyncRequestBody {
        SyncRequestBody {
            wallet_key: self.alice.public().signing_key,
            request_id: [0xb2; 16],
            device_time: NOW,
            checkpoint_size: 0,
            seen_up_to: 0,
            transfers: Vec::new(),
            receipts: Vec::new(),
            evidence: Vec::new(),
            purse: None,
            payments: Vec::new(),
        }
    }

    /// A response to Alice with no items, under a checkpoint of the empty log.
    fn bare_response_body(&self) -> SyncResponseBody {
        SyncResponseBody {
            request: [0xcc; 32],
            ledger_time: NOW,
            member_id: ALICE.into(),
            online_balance: 0,
            outcomes: Vec::new(),
            payments: Vec::new(),
            purse: None,
            revoked: Vec::new(),
            notices: Vec::new(),
            checkpoint: self.ledger.checkpoint(0, merkle::empty_root(), NOW),
            consistency: Vec::new(),
            entries: Vec::new(),
            entries_proof: Vec::new(),
            seen_up_to: 0,
            more: false,
            sighted: Vec::new(),
            recorded: Vec::new(),
            witnessed: None,
        }
    }

    fn sign_response(&self, body: SyncResponseBody) -> Vec<u8> {
        self.ledger.sign_sync_response_version(3, body).unwrap().to_bytes()
    }
}

// Offsets in a bare request body: version 1 | wallet key 32 | request id 16 | device time 8 |
// checkpoint size 8 | seen up to 8 | transfers u16 | receipts u16 | evidence u16 |
// purse order flag u8 | (closing u16 | amount u64 when the flag is 1) | payments u16 |
// equivocation proofs u16 | sighted sizes u8 (version 3).
const BARE_REQUEST_BODY: usize = 85;
const REQUEST_TRANSFERS: usize = 73;
const REQUEST_RECEIPTS: usize = 75;
const REQUEST_EVIDENCE: usize = 77;
const REQUEST_PURSE_FLAG: usize = 79;
const REQUEST_CLOSING: usize = 80;
const REQUEST_PAYMENTS: usize = 80;
const REQUEST_EQUIVOCATIONS: usize = 82;
const REQUEST_SIGHTED: usize = 84;
const MAX_EQUIVOCATIONS: usize = outpost_wallet_core::protocol::sync::MAX_SYNC_EQUIVOCATIONS;

// Offsets in a bare response body to Alice (member id of 10 bytes): version 1 | request 32 |
// ledger time 8 | member id 1 + 10 | balance 8 | outcomes u16 | payment outcomes u16 |
// purse flag u8 | revoked u16 | notices u16 | checkpoint 4 + 113 | consistency u8 + hashes |
// entries u16 + entries | seen up to 8 | more u8 | witnessed flag u8 (+ the witnessed checkpoint
// when 1) | sighted proofs u8 | recorded entries u16 (version 3). The fields before the
// witnessed flag are addressed from the body's end, past the `TAIL`.
const BARE_RESPONSE_BODY: usize = 202;
const TAIL: usize = 1 + 1 + 2;
const RESPONSE_OUTCOMES: usize = 60;
const RESPONSE_PAYMENTS: usize = 62;
const RESPONSE_PURSE_FLAG: usize = 64;
const RESPONSE_REVOKED: usize = 65;
const RESPONSE_NOTICES: usize = 67;

/// `bytes` with `new` written over them at `at`.
fn patched(bytes: &[u8], at: usize, new: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at..at + new.len()].copy_from_slice(new);
    out
}

fn count(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap().to_be_bytes()
}

fn malformed(message: &'static str, source: DecodeError) -> ProtocolError {
    ProtocolError::Malformed { message, source }
}

fn too_long(what: &'static str, len: usize, max: usize) -> DecodeError {
    DecodeError::TooLong { what, len, max }
}

/// The body of a signed message re-signed by `key` over `domain`, as the wire format says:
/// Ed25519 over (u32 length + domain) || body, appended to the body.
fn resigned(bytes: &[u8], domain: &str, key: &SigningKey) -> Vec<u8> {
    let body = &bytes[..bytes.len() - 64];
    let signature = key.sign(&Writer::new().text(domain).fixed(body).finish());
    [body, &signature.to_bytes()[..]].concat()
}

fn flipped(bytes: &[u8], at: usize, bit: u8) -> Vec<u8> {
    patched(bytes, at, &[bytes[at] ^ (1 << bit)])
}

fn assert_every_truncation_is_truncated<T: std::fmt::Debug>(
    bytes: &[u8],
    message: &str,
    decode: impl Fn(&[u8]) -> Result<T, ProtocolError>,
) {
    for cut in 0..bytes.len() {
        match decode(&bytes[..cut]) {
            Err(ProtocolError::Malformed { message: m, source: DecodeError::Truncated { .. } })
                if m == message => {}
            other => panic!("{message} cut to {cut} of {} bytes gave {other:?}", bytes.len()),
        }
    }
}

fn assert_trailing_bytes_are_refused<T: std::fmt::Debug>(
    bytes: &[u8],
    message: &'static str,
    decode: impl Fn(&[u8]) -> Result<T, ProtocolError>,
) {
    for extra in [1, 2, 63, 64, 65, 200] {
        for fill in [0x00, 0xff] {
            let longer = [bytes, &vec![fill; extra][..]].concat();
            assert_eq!(
                decode(&longer).unwrap_err(),
                malformed(message, DecodeError::TrailingBytes { extra }),
                "{extra} trailing bytes of {fill:#04x}"
            );
        }
    }
}

/// No message with one bit flipped (each bit of each byte in turn) both decodes and `verifies`.
fn assert_no_flip_verifies(bytes: &[u8], verifies: impl Fn(&[u8]) -> bool) {
    assert!(verifies(bytes), "the unchanged message verifies");
    for at in 0..bytes.len() {
        for bit in 0..8 {
            let changed = flipped(bytes, at, bit);
            assert!(!verifies(&changed), "bit {bit} of byte {at} of {} flipped and it verified", bytes.len());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sync requests
// ---------------------------------------------------------------------------------------------

#[test]
fn a_fully_populated_sync_request_round_trips_and_verifies() {
    let w = world();
    let request = w.request();
    let bytes = request.to_bytes();

    let back = SyncRequest::from_bytes(&bytes).unwrap();
    assert_eq!(back, request);
    assert_eq!(back.id(), request.id());
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(back.body(), &w.request_body());
    back.verify().unwrap();
    for transfer in back.body().transfers.iter().chain(&back.body().evidence) {
        transfer.clone().verify_grant(&w.ledger_key()).unwrap();
    }
    for receipt in &back.body().receipts {
        receipt.verify().unwrap();
    }
}

#[test]
fn every_truncation_of_a_sync_request_is_a_malformed_error() {
    let bytes = world().request().to_bytes();
    assert_every_truncation_is_truncated(&bytes, "sync request", SyncRequest::from_bytes);
}

#[test]
fn a_sync_request_with_any_bit_flipped_never_verifies() {
    let bytes = world().request().to_bytes();
    assert_no_flip_verifies(&bytes, |b| SyncRequest::from_bytes(b).is_ok_and(|r| r.verify().is_ok()));
}

#[test]
fn trailing_bytes_after_a_sync_request_are_refused() {
    let bytes = world().request().to_bytes();
    assert_trailing_bytes_are_refused(&bytes, "sync request", SyncRequest::from_bytes);
}

#[test]
fn forged_request_counts_above_the_limits_are_refused_before_the_items_are_read() {
    let w = world();
    let bare = SyncRequest::sign(w.bare_request_body(), &w.alice).unwrap().to_bytes();
    assert_eq!(bare.len(), BARE_REQUEST_BODY + 64, "the bare request layout");
    let ordering = SyncRequestBody {
        purse: Some(PurseOrder { closing: Vec::new(), amount: 0 }),
        ..w.bare_request_body()
    };
    let ordering = SyncRequest::sign(ordering, &w.alice).unwrap().to_bytes();
    let refused = |bytes: &[u8]| SyncRequest::from_bytes(bytes).unwrap_err();
    let m = |source| malformed("sync request", source);

    // The bytes hold none of the counted items: an error other than TooLong would mean the
    // decoder tried to read them.
    assert_eq!(
        refused(&patched(&bare, REQUEST_TRANSFERS, &count(MAX_SYNC_TRANSFERS + 1))),
        m(too_long("transfers", MAX_SYNC_TRANSFERS + 1, MAX_SYNC_TRANSFERS))
    );
    assert_eq!(
        refused(&patched(&bare, REQUEST_TRANSFERS, &u16::MAX.to_be_bytes())),
        m(too_long("transfers", usize::from(u16::MAX), MAX_SYNC_TRANSFERS))
    );
    assert_eq!(
        refused(&patched(&bare, REQUEST_RECEIPTS, &count(MAX_SYNC_RECEIPTS + 1))),
        m(too_long("receipts", MAX_SYNC_RECEIPTS + 1, MAX_SYNC_RECEIPTS))
    );
    assert_eq!(
        refused(&patched(&bare, REQUEST_EVIDENCE, &count(MAX_SYNC_EVIDENCE + 1))),
        m(too_long("evidence", MAX_SYNC_EVIDENCE + 1, MAX_SYNC_EVIDENCE))
    );
    assert_eq!(
        refused(&patched(&bare, REQUEST_PAYMENTS, &count(MAX_SYNC_PAYMENTS + 1))),
        m(too_long("payments", MAX_SYNC_PAYMENTS + 1, MAX_SYNC_PAYMENTS))
    );
    assert_eq!(
        refused(&patched(&bare, REQUEST_EQUIVOCATIONS, &count(MAX_EQUIVOCATIONS + 1))),
        m(too_long("equivocation proofs", MAX_EQUIVOCATIONS + 1, MAX_EQUIVOCATIONS))
    );
    assert_eq!(
        refused(&patched(&ordering, REQUEST_CLOSING, &count(MAX_SYNC_DECLARATIONS + 1))),
        m(too_long("closing purses", MAX_SYNC_DECLARATIONS + 1, MAX_SYNC_DECLARATIONS))
    );
    assert_eq!(
        refused(&patched(&bare, REQUEST_SIGHTED, &[MAX_SYNC_SIGHTED as u8 + 1])),
        m(too_long("sighted sizes", MAX_SYNC_SIGHTED + 1, MAX_SYNC_SIGHTED))
    );
}

#[test]
fn sighted_sizes_round_trip_and_a_list_out_of_order_repeated_zero_or_too_long_is_refused() {
    let w = world();
    let asking =
        |sizes: Vec<u64>| SyncRequest::sign_asking(w.bare_request_body(), Vec::new(), sizes, &w.alice);
    let sizes: Vec<u64> = (1..=MAX_SYNC_SIGHTED as u64).map(|n| n * 1000).collect();
    let bytes = asking(sizes.clone()).unwrap().to_bytes();
    assert_eq!(bytes.len(), BARE_REQUEST_BODY + 8 * MAX_SYNC_SIGHTED + 64, "8 bytes a size");
    assert_eq!(SyncRequest::from_bytes(&bytes).unwrap().sighted(), &sizes[..]);

    let invalid = || {
        malformed(
            "sync request",
            DecodeError::Invalid { what: "sighted sizes", reason: "not increasing sizes above 0" },
        )
    };
    for wrong in [vec![5, 3], vec![4, 4], vec![0, 2]] {
        assert_eq!(asking(wrong.clone()).unwrap_err(), invalid(), "{wrong:?} cannot be signed");
    }
    let over: Vec<u64> = (1..=MAX_SYNC_SIGHTED as u64 + 1).collect();
    assert!(asking(over).is_err(), "more than one request carries");
    // Forged on the wire: two sizes swapped (and re-signing would not help, the decoder refuses).
    let two = asking(vec![10, 20]).unwrap().to_bytes();
    let at = BARE_REQUEST_BODY;
    let swapped = patched(&patched(&two, at, &20u64.to_be_bytes()), at + 8, &10u64.to_be_bytes());
    assert_eq!(SyncRequest::from_bytes(&swapped).unwrap_err(), invalid());
}

#[test]
fn requests_of_versions_1_and_2_stored_before_an_upgrade_still_read_with_the_same_id() {
    let w = world();
    for version in [1, 2] {
        let old =
            SyncRequest::sign_version(version, w.bare_request_body(), Vec::new(), vec![7], &w.alice).unwrap();
        let bytes = old.to_bytes();
        assert_eq!(bytes[0], version);
        let read = SyncRequest::from_bytes(&bytes).unwrap();
        assert_eq!((read.version(), read.id()), (version, old.id()));
        assert!(read.sighted().is_empty(), "version {version} carries no sighted sizes");
        read.verify().unwrap();
    }
    let future =
        [&[5u8][..], &SyncRequest::sign(w.bare_request_body(), &w.alice).unwrap().to_bytes()[1..]].concat();
    assert!(matches!(
        SyncRequest::from_bytes(&future),
        Err(ProtocolError::Malformed { source: DecodeError::UnsupportedVersion { found: 5, .. }, .. })
    ));
}

#[test]
fn responses_of_versions_1_and_2_stored_before_an_upgrade_still_read_and_verify() {
    let w = world();
    let key = w.ledger_key();
    let mut body = w.bare_response_body();
    body.sighted = vec![SightedProof { size: 1, proof: Vec::new() }];
    for version in [1, 2, 3] {
        let bytes = w.ledger.sign_sync_response_version(version, body.clone()).unwrap().to_bytes();
        let read = SyncResponse::from_bytes(&bytes).unwrap();
        assert_eq!(read.version(), version);
        read.verify(&key, &body.request).unwrap();
        assert_eq!(read.body().sighted.len(), usize::from(version == 3));
    }
    // Version 1 was signed under its own domain: its signature does not pass as version 2's.
    let v1 = w.ledger.sign_sync_response_version(1, body.clone()).unwrap().to_bytes();
    let as_v2 = [&[2u8][..], &v1[1..]].concat();
    assert!(
        !SyncResponse::from_bytes(&as_v2).is_ok_and(|r| r.verify(&key, &body.request).is_ok()),
        "a version 1 answer never passes as version 2"
    );
}

#[test]
fn sighted_proofs_and_recorded_entries_round_trip_and_forged_counts_and_order_are_refused() {
    let w = world();
    let mut body = w.bare_response_body();
    body.sighted = vec![
        SightedProof { size: 3, proof: vec![[1; 32]; 2] },
        SightedProof { size: 9, proof: vec![[2; 32]] },
    ];
    body.recorded = vec![ProvedEntry { leaf: vec![7; 10], proof: vec![[3; 32]] }];
    let bytes = w.sign_response(body.clone());
    // Each proof: size 8 | count u8 | hashes; each entry: length u32 | leaf | count u8 | hashes.
    assert_eq!(bytes.len(), BARE_RESPONSE_BODY + (8 + 1 + 64) + (8 + 1 + 32) + (4 + 10 + 1 + 32) + 64);
    let read = SyncResponse::from_bytes(&bytes).unwrap();
    assert_eq!((&read.body().sighted, &read.body().recorded), (&body.sighted, &body.recorded));

    let m = |source| malformed("sync response", source);
    let bare = w.sign_response(w.bare_response_body());
    let sighted_at = BARE_RESPONSE_BODY - 3;
    assert_eq!(
        SyncResponse::from_bytes(&patched(&bare, sighted_at, &[MAX_SYNC_SIGHTED as u8 + 1])).unwrap_err(),
        m(too_long("sighted proofs", MAX_SYNC_SIGHTED + 1, MAX_SYNC_SIGHTED))
    );
    assert_eq!(
        SyncResponse::from_bytes(&patched(&bare, sighted_at + 1, &count(MAX_EQUIVOCATIONS + 1))).unwrap_err(),
        m(too_long("recorded fork proofs", MAX_EQUIVOCATIONS + 1, MAX_EQUIVOCATIONS))
    );
    let mut unordered = w.bare_response_body();
    unordered.sighted =
        vec![SightedProof { size: 9, proof: Vec::new() }, SightedProof { size: 3, proof: Vec::new() }];
    assert!(matches!(
        w.ledger.sign_sync_response_version(3, unordered),
        Err(ProtocolError::Malformed { .. })
    ));
}

#[test]
fn a_forged_nested_message_length_is_refused_before_it_is_read() {
    let w = world();
    let transfer = w.transfers().remove(0);
    let mut body = w.bare_request_body();
    body.transfers = vec![transfer.clone()];
    let bytes = SyncRequest::sign(body, &w.alice).unwrap().to_bytes();
    assert_eq!(bytes.len(), BARE_REQUEST_BODY + 4 + transfer.to_bytes().len() + 64, "the layout");
    // The transfer's u32 length prefix follows the transfers count; a nested message is at most
    // 1024 bytes.
    let at = REQUEST_TRANSFERS + 2;
    assert_eq!(
        SyncRequest::from_bytes(&patched(&bytes, at, &u32::MAX.to_be_bytes())).unwrap_err(),
        malformed("sync request", too_long("transfer", u32::MAX as usize, 1024))
    );
}

#[test]
fn a_purse_order_flag_other_than_0_or_1_is_refused() {
    let w = world();
    let bare = SyncRequest::sign(w.bare_request_body(), &w.alice).unwrap().to_bytes();
    assert_eq!(
        SyncRequest::from_bytes(&patched(&bare, REQUEST_PURSE_FLAG, &[2])).unwrap_err(),
        malformed("sync request", DecodeError::Invalid { what: "purse order flag", reason: "not 0 or 1" })
    );
}

#[test]
fn input_longer_than_one_sync_carries_is_refused_before_decoding() {
    let w = world();
    let padded = |mut bytes: Vec<u8>| {
        bytes.resize(MAX_SYNC_BYTES + 1, 0);
        bytes
    };
    let request = padded(w.request().to_bytes());
    let response = padded(w.exchange().response.to_bytes());
    assert_eq!(
        SyncRequest::from_bytes(&request).unwrap_err(),
        ProtocolError::TooLong { field: "sync request", max: MAX_SYNC_BYTES }
    );
    assert_eq!(
        SyncResponse::from_bytes(&response).unwrap_err(),
        ProtocolError::TooLong { field: "sync response", max: MAX_SYNC_BYTES }
    );
    // At exactly the limit the input is read, and refused for its padding, not its size.
    let padding = |source: &DecodeError| matches!(source, DecodeError::TrailingBytes { .. });
    assert!(matches!(
        SyncRequest::from_bytes(&request[..MAX_SYNC_BYTES]),
        Err(ProtocolError::Malformed { message: "sync request", source }) if padding(&source)
    ));
    assert!(matches!(
        SyncResponse::from_bytes(&response[..MAX_SYNC_BYTES]),
        Err(ProtocolError::Malformed { message: "sync response", source }) if padding(&source)
    ));
}

#[test]
fn signing_a_request_with_more_items_than_a_sync_carries_is_refused() {
    let w = world();
    let transfer = w.transfers().remove(0);
    let receipt = Receipt::sign(transfer.id(), NOW, &w.bob).unwrap();
    let payment = OnlinePayment { payment_id: [1; 16], to_key: [2; 32], amount: 3, memo: String::new() };
    let declaration = PurseDeclaration { purse_id: [4; 32], last_seq: 1, spent: 5 };
    let too_many =
        ProtocolError::Invalid { message: "sync request", reason: "more items than one sync carries" };
    let sign = |change: &dyn Fn(&mut SyncRequestBody)| {
        let mut body = w.bare_request_body();
        change(&mut body);
        SyncRequest::sign(body, &w.alice)
    };

    assert_eq!(
        sign(&|b| b.transfers = vec![transfer.clone(); MAX_SYNC_TRANSFERS + 1]),
        Err(too_many.clone())
    );
    assert_eq!(sign(&|b| b.receipts = vec![receipt.clone(); MAX_SYNC_RECEIPTS + 1]), Err(too_many.clone()));
    assert_eq!(sign(&|b| b.evidence = vec![transfer.clone(); MAX_SYNC_EVIDENCE + 1]), Err(too_many.clone()));
    assert_eq!(sign(&|b| b.payments = vec![payment.clone(); MAX_SYNC_PAYMENTS + 1]), Err(too_many.clone()));
    assert_eq!(
        sign(&|b| {
            b.purse =
                Some(PurseOrder { closing: vec![declaration.clone(); MAX_SYNC_DECLARATIONS + 1], amount: 0 })
        }),
        Err(too_many)
    );
    let long_memo = OnlinePayment { memo: "m".repeat(MAX_MEMO + 1), ..payment.clone() };
    assert_eq!(
        sign(&|b| b.payments = vec![long_memo.clone()]),
        Err(ProtocolError::TooLong { field: "memo", max: MAX_MEMO })
    );

    // At the limits the request signs and reads back whole.
    let full = sign(&|b| {
        b.transfers = vec![transfer.clone(); MAX_SYNC_TRANSFERS];
        b.receipts = vec![receipt.clone(); MAX_SYNC_RECEIPTS];
        b.evidence = vec![transfer.clone(); MAX_SYNC_EVIDENCE];
        b.payments = vec![payment.clone(); MAX_SYNC_PAYMENTS];
        b.purse = Some(PurseOrder { closing: vec![declaration.clone(); MAX_SYNC_DECLARATIONS], amount: 1 });
    })
    .unwrap();
    assert_eq!(SyncRequest::from_bytes(&full.to_bytes()).unwrap(), full);
}

#[test]
fn a_request_cannot_be_signed_by_another_wallet_than_its_wallet_key() {
    let w = world();
    assert_eq!(
        SyncRequest::sign(w.request_body(), &w.bob),
        Err(ProtocolError::Invalid { message: "sync request", reason: "signed by another wallet" })
    );
}

#[test]
fn a_request_claiming_another_wallets_key_fails_verify() {
    let w = world();
    let bobs = SyncRequestBody { wallet_key: w.bob.public().signing_key, ..w.request_body() };
    let bytes = SyncRequest::sign(bobs, &w.bob).unwrap().to_bytes();
    // Bob's signature over a body that names Alice's wallet instead of his.
    let claimed = patched(&bytes, 1, &w.alice.public().signing_key);
    let claimed = SyncRequest::from_bytes(&claimed).unwrap();
    assert_eq!(claimed.body().wallet_key, w.alice.public().signing_key);
    assert_eq!(claimed.verify(), Err(ProtocolError::BadSignature { message: "sync request" }));
}

#[test]
fn a_request_body_re_signed_by_another_key_fails_verify() {
    let w = world();
    let genuine = w.request().to_bytes();
    let forger = SigningKey::from_bytes(&[0x5a; 32]);

    let forged = SyncRequest::from_bytes(&resigned(&genuine, REQUEST_DOMAIN, &forger)).unwrap();
    assert_eq!(forged.body(), w.request().body());
    assert_eq!(forged.verify(), Err(ProtocolError::BadSignature { message: "sync request" }));

    // The same forgery over a body naming the forger's own key verifies: the refusal above is the
    // key's, not a flaw of the forgery.
    let own = patched(&genuine, 1, &forger.verifying_key().to_bytes());
    SyncRequest::from_bytes(&resigned(&own, REQUEST_DOMAIN, &forger)).unwrap().verify().unwrap();
}

// ---------------------------------------------------------------------------------------------
// Sync responses
// ---------------------------------------------------------------------------------------------

#[test]
fn a_fully_populated_sync_response_round_trips_and_its_proofs_check() {
    let w = world();
    let Exchange { request, held, response } = w.exchange();
    let bytes = response.to_bytes();

    let back = SyncResponse::from_bytes(&bytes).unwrap();
    assert_eq!(back, response);
    assert_eq!(back.to_bytes(), bytes);
    back.verify(&w.ledger_key(), &request.id()).unwrap();

    let body = back.into_body();
    let outcomes: Vec<Outcome> = body.outcomes.iter().map(|o| o.outcome).collect();
    assert_eq!(
        outcomes,
        [Outcome::Settled, Outcome::Held, Outcome::Returned, Outcome::DoubleSpend, Outcome::Refused]
    );
    assert_eq!(body.online_balance, -1_500);
    body.purse.as_ref().unwrap().verify(&w.ledger_key()).unwrap();
    body.checkpoint.check_extends(&held, &body.consistency).unwrap();
    let log = w.log();
    assert_eq!(body.entries.len(), 4);
    for proved in &body.entries {
        let entry = AuditEntry::from_leaf_data(&proved.leaf).unwrap();
        assert_eq!(entry, log[entry.seq as usize]);
        merkle::verify_inclusion(
            &merkle::leaf_hash(&proved.leaf),
            entry.seq,
            body.checkpoint.size,
            &proved.proof,
            &body.checkpoint.root,
        )
        .unwrap();
    }
}

#[test]
fn every_truncation_of_a_sync_response_is_a_malformed_error() {
    let bytes = world().exchange().response.to_bytes();
    assert_every_truncation_is_truncated(&bytes, "sync response", SyncResponse::from_bytes);
}

#[test]
fn a_sync_response_with_any_bit_flipped_never_verifies() {
    let w = world();
    let Exchange { request, response, .. } = w.exchange();
    let (key, id) = (w.ledger_key(), request.id());
    assert_no_flip_verifies(&response.to_bytes(), |b| {
        SyncResponse::from_bytes(b).is_ok_and(|r| r.verify(&key, &id).is_ok())
    });
}

/// A bare response carrying a witnessed checkpoint of the empty log with `n` cosignatures and no
/// proof: ... more u8 | flag 1 | length u32 | checkpoint 113 | count u8 | n × 76 | proof u8.
fn witnessed_response(w: &World, n: usize) -> (Vec<u8>, usize) {
    let mut body = w.bare_response_body();
    body.witnessed = Some(WitnessedCheckpoint {
        checkpoint: w.ledger.checkpoint(0, merkle::empty_root(), NOW),
        cosignatures: (0..n).map(|i| cosignature(i as u8)).collect(),
        consistency: Vec::new(),
    });
    let bytes = w.sign_response(body);
    assert_eq!(bytes.len(), BARE_RESPONSE_BODY + 4 + 113 + 1 + n * 76 + 1 + 64, "the layout");
    (bytes, BARE_RESPONSE_BODY - TAIL)
}

#[test]
fn a_witnessed_checkpoint_round_trips_and_its_forged_counts_and_flag_are_refused() {
    let w = world();
    let (bytes, flag_at) = witnessed_response(&w, MAX_COSIGNATURES);
    let back = SyncResponse::from_bytes(&bytes).unwrap();
    assert_eq!(back.body().witnessed.as_ref().unwrap().cosignatures.len(), MAX_COSIGNATURES);
    let m = |source| malformed("sync response", source);
    let count_at = flag_at + 1 + 4 + 113;
    let over = u8::try_from(MAX_COSIGNATURES + 1).unwrap();
    assert_eq!(
        SyncResponse::from_bytes(&patched(&bytes, count_at, &[over])).unwrap_err(),
        m(too_long("cosignatures", MAX_COSIGNATURES + 1, MAX_COSIGNATURES))
    );
    let proof_at = bytes.len() - 64 - 3 - 1;
    let over = u8::try_from(MAX_CONSISTENCY_PROOF_LEN + 1).unwrap();
    assert_eq!(
        SyncResponse::from_bytes(&patched(&bytes, proof_at, &[over])).unwrap_err(),
        m(too_long("witnessed consistency proof", MAX_CONSISTENCY_PROOF_LEN + 1, MAX_CONSISTENCY_PROOF_LEN))
    );
    assert_eq!(
        SyncResponse::from_bytes(&patched(&bytes, flag_at, &[2])).unwrap_err(),
        m(DecodeError::Invalid { what: "witnessed flag", reason: "not 0 or 1" })
    );
}

#[test]
fn signing_a_response_with_more_cosignatures_than_a_sync_carries_is_refused() {
    let w = world();
    let mut body = w.bare_response_body();
    body.witnessed = Some(WitnessedCheckpoint {
        checkpoint: w.ledger.checkpoint(0, merkle::empty_root(), NOW),
        cosignatures: (0..=MAX_COSIGNATURES).map(|i| cosignature(i as u8)).collect(),
        consistency: Vec::new(),
    });
    assert!(matches!(w.ledger.sign_sync_response_version(3, body), Err(ProtocolError::Invalid { .. })));
}

#[test]
fn trailing_bytes_after_a_sync_response_are_refused() {
    let bytes = world().exchange().response.to_bytes();
    assert_trailing_bytes_are_refused(&bytes, "sync response", SyncResponse::from_bytes);
}

#[test]
fn forged_response_counts_above_the_limits_are_refused_before_the_items_are_read() {
    let w = world();
    let bare = w.sign_response(w.bare_response_body());
    assert_eq!(bare.len(), BARE_RESPONSE_BODY + 64, "the bare response layout");
    let entries_at = BARE_RESPONSE_BODY - TAIL - 11;
    let refused = |bytes: &[u8]| SyncResponse::from_bytes(bytes).unwrap_err();
    let m = |source| malformed("sync response", source);

    assert_eq!(
        refused(&patched(&bare, RESPONSE_OUTCOMES, &count(MAX_SYNC_TRANSFERS + 1))),
        m(too_long("outcomes", MAX_SYNC_TRANSFERS + 1, MAX_SYNC_TRANSFERS))
    );
    assert_eq!(
        refused(&patched(&bare, RESPONSE_PAYMENTS, &count(MAX_SYNC_PAYMENTS + 1))),
        m(too_long("payment outcomes", MAX_SYNC_PAYMENTS + 1, MAX_SYNC_PAYMENTS))
    );
    assert_eq!(
        refused(&patched(&bare, RESPONSE_REVOKED, &count(MAX_SYNC_REVOKED + 1))),
        m(too_long("revoked purses", MAX_SYNC_REVOKED + 1, MAX_SYNC_REVOKED))
    );
    assert_eq!(
        refused(&patched(&bare, RESPONSE_NOTICES, &count(MAX_SYNC_NOTICES + 1))),
        m(too_long("notices", MAX_SYNC_NOTICES + 1, MAX_SYNC_NOTICES))
    );
    assert_eq!(
        refused(&patched(&bare, entries_at, &count(MAX_SYNC_ENTRIES + 1))),
        m(too_long("log entries", MAX_SYNC_ENTRIES + 1, MAX_SYNC_ENTRIES))
    );
    assert_eq!(
        refused(&patched(&bare, entries_at, &u16::MAX.to_be_bytes())),
        m(too_long("log entries", usize::from(u16::MAX), MAX_SYNC_ENTRIES))
    );
}

#[test]
fn forged_proof_and_log_entry_lengths_above_the_limits_are_refused() {
    let w = world();
    let bare = w.sign_response(w.bare_response_body());
    let consistency_at = BARE_RESPONSE_BODY - TAIL - 12;
    let over = u8::try_from(MAX_CONSISTENCY_PROOF_LEN + 1).unwrap();
    assert_eq!(
        SyncResponse::from_bytes(&patched(&bare, consistency_at, &[over])).unwrap_err(),
        malformed(
            "sync response",
            too_long("consistency proof", MAX_CONSISTENCY_PROOF_LEN + 1, MAX_CONSISTENCY_PROOF_LEN)
        )
    );

    // One entry of 10 bytes with an empty proof: ... entries u16 | length u32 | leaf 10 |
    // proof count u8 | seen up to 8 | more u8.
    let mut body = w.bare_response_body();
    body.entries = vec![ProvedEntry { leaf: vec![7; 10], proof: Vec::new() }];
    let one = w.sign_response(body);
    assert_eq!(one.len(), BARE_RESPONSE_BODY + 4 + 10 + 1 + 64, "the layout");
    let end = one.len() - 64 - TAIL;
    let over = u8::try_from(MAX_INCLUSION_PROOF_LEN + 1).unwrap();
    assert_eq!(
        SyncResponse::from_bytes(&patched(&one, end - 10, &[over])).unwrap_err(),
        malformed(
            "sync response",
            too_long("inclusion proof", MAX_INCLUSION_PROOF_LEN + 1, MAX_INCLUSION_PROOF_LEN)
        )
    );
    let over = u32::try_from(MAX_LOG_ENTRY + 1).unwrap();
    assert_eq!(
        SyncResponse::from_bytes(&patched(&one, end - 24, &over.to_be_bytes())).unwrap_err(),
        malformed("sync response", too_long("log entry", MAX_LOG_ENTRY + 1, MAX_LOG_ENTRY))
    );
}

#[test]
fn response_flags_and_codes_outside_their_sets_are_refused() {
    let w = world();
    let invalid = |what, reason| malformed("sync response", DecodeError::Invalid { what, reason });
    let bare = w.sign_response(w.bare_response_body());
    assert_eq!(
        SyncResponse::from_bytes(&patched(&bare, RESPONSE_PURSE_FLAG, &[2])).unwrap_err(),
        invalid("purse flag", "not 0 or 1")
    );
    assert_eq!(
        SyncResponse::from_bytes(&patched(&bare, BARE_RESPONSE_BODY - TAIL - 1, &[2])).unwrap_err(),
        invalid("more", "not 0 or 1")
    );

    // One outcome: its code follows the count and the 32-byte transfer id.
    let mut body = w.bare_response_body();
    body.outcomes = vec![outcome([1; 32], Outcome::Settled, "")];
    let one = w.sign_response(body);
    assert_eq!(one.len(), BARE_RESPONSE_BODY + 32 + 1 + 1 + 64, "the layout");
    for code in [0, 6, 0xff] {
        assert_eq!(
            SyncResponse::from_bytes(&patched(&one, RESPONSE_OUTCOMES + 2 + 32, &[code])).unwrap_err(),
            invalid("outcome", "unknown code"),
            "outcome code {code}"
        );
    }

    // One payment outcome: its paid flag follows the count and the 16-byte payment id.
    let mut body = w.bare_response_body();
    body.payments = vec![PaymentOutcome { payment_id: [1; 16], paid: true, reason: String::new() }];
    let one = w.sign_response(body);
    assert_eq!(one.len(), BARE_RESPONSE_BODY + 16 + 1 + 1 + 64, "the layout");
    assert_eq!(
        SyncResponse::from_bytes(&patched(&one, RESPONSE_PAYMENTS + 2 + 16, &[2])).unwrap_err(),
        invalid("paid", "not 0 or 1")
    );
}

#[test]
fn signing_a_response_with_more_than_a_sync_carries_is_refused() {
    let w = world();
    let invalid = |reason| ProtocolError::Invalid { message: "sync response", reason };
    let too_many = invalid("more items than one sync carries");
    let sign = |change: &dyn Fn(&mut SyncResponseBody)| {
        let mut body = w.bare_response_body();
        change(&mut body);
        w.ledger.sign_sync_response_version(3, body)
    };
    let settled = outcome([1; 32], Outcome::Settled, "");
    let paid = PaymentOutcome { payment_id: [1; 16], paid: true, reason: String::new() };
    let notice = RiskNotice { code: "velocity".into(), score: 1, at: NOW, detail: String::new() };
    let proved = ProvedEntry { leaf: vec![1; 8], proof: Vec::new() };

    assert_eq!(sign(&|b| b.outcomes = vec![settled.clone(); MAX_SYNC_TRANSFERS + 1]), Err(too_many.clone()));
    assert_eq!(sign(&|b| b.payments = vec![paid.clone(); MAX_SYNC_PAYMENTS + 1]), Err(too_many.clone()));
    assert_eq!(sign(&|b| b.revoked = vec![[3; 32]; MAX_SYNC_REVOKED + 1]), Err(too_many.clone()));
    assert_eq!(sign(&|b| b.notices = vec![notice.clone(); MAX_SYNC_NOTICES + 1]), Err(too_many.clone()));
    assert_eq!(sign(&|b| b.entries = vec![proved.clone(); MAX_SYNC_ENTRIES + 1]), Err(too_many));
    assert_eq!(
        sign(&|b| b.consistency = vec![[0; 32]; MAX_CONSISTENCY_PROOF_LEN + 1]),
        Err(invalid("consistency proof too long"))
    );
    assert_eq!(
        sign(&|b| b.entries = vec![ProvedEntry { leaf: vec![0; MAX_LOG_ENTRY + 1], proof: Vec::new() }]),
        Err(invalid("log entry or proof too long"))
    );
    assert_eq!(
        sign(&|b| b.entries =
            vec![ProvedEntry { leaf: Vec::new(), proof: vec![[0; 32]; MAX_INCLUSION_PROOF_LEN + 1] }]),
        Err(invalid("log entry or proof too long"))
    );
    let long = "x".repeat(MAX_SYNC_TEXT + 1);
    assert_eq!(
        sign(&|b| b.outcomes = vec![outcome([1; 32], Outcome::Refused, &long)]),
        Err(ProtocolError::TooLong { field: "outcome reason", max: MAX_SYNC_TEXT })
    );
    assert_eq!(
        sign(&|b| b.notices = vec![RiskNotice { detail: long.clone(), ..notice.clone() }]),
        Err(ProtocolError::TooLong { field: "notice detail", max: MAX_SYNC_TEXT })
    );
    assert_eq!(
        sign(&|b| b.member_id = "M".repeat(MAX_MEMBER_ID + 1)),
        Err(ProtocolError::TooLong { field: "member id", max: MAX_MEMBER_ID })
    );
}

#[test]
fn a_response_at_the_size_limit_round_trips_and_one_entry_more_cannot_be_signed() {
    let w = world();
    let full = ProvedEntry { leaf: vec![0xab; MAX_LOG_ENTRY], proof: Vec::new() };
    // Each such entry takes 4 + 4096 + 1 bytes: 127 fit in MAX_SYNC_BYTES, 128 do not.
    let mut body = w.bare_response_body();
    body.entries = vec![full.clone(); 127];
    let largest = w.ledger.sign_sync_response_version(3, body).unwrap();
    let bytes = largest.to_bytes();
    assert!(bytes.len() <= MAX_SYNC_BYTES && bytes.len() + 4_101 > MAX_SYNC_BYTES, "{}", bytes.len());
    assert_eq!(SyncResponse::from_bytes(&bytes).unwrap(), largest);

    let mut body = w.bare_response_body();
    body.entries = vec![full; 128];
    assert_eq!(
        w.ledger.sign_sync_response_version(3, body),
        Err(ProtocolError::Invalid { message: "sync response", reason: "larger than one sync carries" })
    );
}

#[test]
fn a_genuine_response_to_one_request_does_not_verify_for_another() {
    let w = world();
    let Exchange { request: a, response, .. } = w.exchange();
    let b =
        SyncRequest::sign(SyncRequestBody { request_id: [0xb0; 16], ..w.request_body() }, &w.alice).unwrap();
    assert_ne!(a.id(), b.id());

    response.verify(&w.ledger_key(), &a.id()).unwrap();
    assert_eq!(
        response.verify(&w.ledger_key(), &b.id()),
        Err(ProtocolError::Invalid {
            message: "sync response",
            reason: "it answers another request than the one sent",
        })
    );
}

#[test]
fn a_response_signed_by_another_ledger_is_refused() {
    let w = world();
    let Exchange { request, response, .. } = w.exchange();
    let impostor = LedgerSigner::generate().unwrap();
    let forged = impostor.sign_sync_response_version(3, response.into_body()).unwrap();
    let forged = SyncResponse::from_bytes(&forged.to_bytes()).unwrap();
    assert_eq!(
        forged.verify(&w.ledger_key(), &request.id()),
        Err(ProtocolError::BadSignature { message: "sync response" })
    );
}

#[test]
fn a_response_carrying_a_checkpoint_from_another_ledger_is_refused() {
    let w = world();
    let Exchange { request, response, .. } = w.exchange();
    let impostor = LedgerSigner::generate().unwrap();
    let mut body = response.into_body();
    body.checkpoint = impostor.checkpoint(body.checkpoint.size, body.checkpoint.root, body.checkpoint.time);
    let mixed = w.ledger.sign_sync_response_version(3, body).unwrap();
    assert_eq!(
        mixed.verify(&w.ledger_key(), &request.id()),
        Err(ProtocolError::BadSignature { message: "checkpoint" })
    );
}

// ---------------------------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------------------------

fn hashes(n: usize, tag: &str) -> Vec<Hash> {
    (0..n).map(|i| merkle::leaf_hash(format!("{tag} {i}").as_bytes())).collect()
}

/// A checkpoint of the first 4 of 7 leaves, one of all 7, and the ledger's consistency proof.
fn extension(ledger: &LedgerSigner) -> (Vec<Hash>, Checkpoint, Checkpoint, Vec<Hash>) {
    let leaves = hashes(7, "entry");
    let held = ledger.checkpoint(4, merkle::root(&leaves[..4]), NOW);
    let offered = ledger.checkpoint(7, merkle::root(&leaves), NOW + 60);
    let proof = merkle::consistency_proof(&leaves, 4).unwrap();
    (leaves, held, offered, proof)
}

#[test]
fn a_checkpoint_round_trips_and_verifies_under_its_ledger_key() {
    let ledger = LedgerSigner::generate().unwrap();
    let checkpoint = ledger.checkpoint(7, [0x42; 32], NOW);
    let back = Checkpoint::from_bytes(&checkpoint.to_bytes()).unwrap();
    assert_eq!(back, checkpoint);
    assert_eq!((back.size, back.root, back.time), (7, [0x42; 32], NOW));
    back.verify(&ledger.public_key()).unwrap();
}

#[test]
fn a_checkpoint_signed_by_another_key_fails_verify() {
    let ledger = LedgerSigner::generate().unwrap();
    let impostor = LedgerSigner::generate().unwrap();
    let forged = Checkpoint::from_bytes(&impostor.checkpoint(7, [0x42; 32], NOW).to_bytes()).unwrap();
    assert_eq!(
        forged.verify(&ledger.public_key()),
        Err(ProtocolError::BadSignature { message: "checkpoint" })
    );
}

#[test]
fn every_truncation_of_a_checkpoint_is_a_malformed_error() {
    let bytes = LedgerSigner::generate().unwrap().checkpoint(7, [0x42; 32], NOW).to_bytes();
    assert_every_truncation_is_truncated(&bytes, "checkpoint", Checkpoint::from_bytes);
}

#[test]
fn a_checkpoint_with_any_bit_flipped_never_verifies() {
    let ledger = LedgerSigner::generate().unwrap();
    let key = ledger.public_key();
    let bytes = ledger.checkpoint(7, [0x42; 32], NOW).to_bytes();
    assert_no_flip_verifies(&bytes, |b| Checkpoint::from_bytes(b).is_ok_and(|c| c.verify(&key).is_ok()));
}

#[test]
fn trailing_bytes_after_a_checkpoint_are_refused() {
    let bytes = LedgerSigner::generate().unwrap().checkpoint(7, [0x42; 32], NOW).to_bytes();
    assert_trailing_bytes_are_refused(&bytes, "checkpoint", Checkpoint::from_bytes);
}

#[test]
fn a_checkpoint_extending_the_held_one_is_accepted_with_its_consistency_proof() {
    let ledger = LedgerSigner::generate().unwrap();
    let (_, held, offered, proof) = extension(&ledger);
    offered.check_extends(&held, &proof).unwrap();
    held.check_extends(&held, &[]).unwrap();
}

#[test]
fn a_checkpoint_over_a_shorter_log_is_refused_as_shrunk() {
    let ledger = LedgerSigner::generate().unwrap();
    let (_, shorter, held, _) = extension(&ledger);
    assert_eq!(shorter.check_extends(&held, &[]), Err(CheckpointError::Shrank { held: 7, offered: 4 }));
}

#[test]
fn a_checkpoint_over_a_log_with_its_first_entry_changed_is_refused_as_rewritten() {
    let ledger = LedgerSigner::generate().unwrap();
    let (leaves, held, _, genuine_proof) = extension(&ledger);
    let mut changed = leaves.clone();
    changed[0] = merkle::leaf_hash(b"a different first entry");
    let offered = ledger.checkpoint(7, merkle::root(&changed), NOW + 60);
    // Neither the proof over the changed log nor the one over the genuine log gets it accepted.
    for proof in [merkle::consistency_proof(&changed, 4).unwrap(), genuine_proof] {
        assert_eq!(
            offered.check_extends(&held, &proof),
            Err(CheckpointError::Rewritten { held: 4, offered: 7, reason: MerkleError::RootMismatch })
        );
    }
}

#[test]
fn a_checkpoint_with_a_wrong_consistency_proof_is_refused() {
    let ledger = LedgerSigner::generate().unwrap();
    let (leaves, held, offered, proof) = extension(&ledger);
    let rewritten = |reason| Err(CheckpointError::Rewritten { held: 4, offered: 7, reason });

    for at in 0..proof.len() {
        let mut tampered = proof.clone();
        tampered[at][31] ^= 1;
        assert_eq!(
            offered.check_extends(&held, &tampered),
            rewritten(MerkleError::RootMismatch),
            "hash {at}"
        );
    }
    let n = proof.len();
    assert_eq!(
        offered.check_extends(&held, &proof[..n - 1]),
        rewritten(MerkleError::WrongProofLength { expected: n, found: n - 1 })
    );
    let longer = [&proof[..], &[[0; 32]]].concat();
    assert_eq!(
        offered.check_extends(&held, &longer),
        rewritten(MerkleError::WrongProofLength { expected: n, found: n + 1 })
    );
    assert_eq!(
        offered.check_extends(&held, &[]),
        rewritten(MerkleError::WrongProofLength { expected: n, found: 0 })
    );
    let from_another_size = merkle::consistency_proof(&leaves, 3).unwrap();
    assert!(matches!(
        offered.check_extends(&held, &from_another_size),
        Err(CheckpointError::Rewritten { .. })
    ));
}

#[test]
fn a_checkpoint_of_the_same_size_with_another_root_is_refused_as_rewritten() {
    let ledger = LedgerSigner::generate().unwrap();
    let (_, _, held, _) = extension(&ledger);
    let forked = ledger.checkpoint(7, merkle::root(&hashes(7, "fork")), NOW + 60);
    assert_eq!(
        forked.check_extends(&held, &[]),
        Err(CheckpointError::Rewritten { held: 7, offered: 7, reason: MerkleError::RootMismatch })
    );
}

// ---------------------------------------------------------------------------------------------
// Audit-log leaves
// ---------------------------------------------------------------------------------------------

/// A settled transfer's entry, with every kind of account and evidence in its own encodings.
fn settled_entry(w: &World) -> AuditEntry {
    let transfer = w.transfers().remove(0);
    AuditEntry {
        seq: 7,
        at: NOW + 7,
        device_time: NOW + 2,
        kind: EntryKind::Settled,
        member_id: ALICE.into(),
        subject: transfer.id(),
        moves: vec![
            Move { account: Account::Purse(w.alice_purse.purse_id()), delta: -2_500 },
            Move { account: member(BOB), delta: 2_500 },
            Move { account: Account::Outside, delta: 0 },
        ],
        evidence: vec![transfer.to_bytes(), w.alice_purse.to_bytes()],
        detail: "Settled ¥2,500 from ALICE to BOB — お茶".into(),
    }
}

#[test]
fn a_fully_populated_audit_entry_round_trips_through_its_leaf_data() {
    let entry = settled_entry(&world());
    let leaf = entry.leaf_data();
    let back = AuditEntry::from_leaf_data(&leaf).unwrap();
    assert_eq!(back, entry);
    assert_eq!(back.leaf_data(), leaf);
    assert_eq!(back.leaf_hash(), merkle::leaf_hash(&leaf));
}

#[test]
fn every_truncation_of_leaf_data_is_a_truncated_error() {
    let leaf = settled_entry(&world()).leaf_data();
    for cut in 0..leaf.len() {
        let result = AuditEntry::from_leaf_data(&leaf[..cut]);
        assert!(matches!(result, Err(DecodeError::Truncated { .. })), "cut to {cut}: {result:?}");
    }
}

#[test]
fn trailing_bytes_after_leaf_data_are_refused() {
    let leaf = settled_entry(&world()).leaf_data();
    for extra in [1, 2, 64, 300] {
        let longer = [&leaf[..], &vec![0; extra][..]].concat();
        assert_eq!(AuditEntry::from_leaf_data(&longer), Err(DecodeError::TrailingBytes { extra }));
    }
}

#[test]
fn leaf_data_with_any_bit_flipped_is_refused_or_no_longer_proves_inclusion() {
    let w = world();
    let log = w.log();
    let all = leaves(&log);
    let root = merkle::root(&all);
    let size = log.len() as u64;
    for (index, entry) in (0u64..).zip(&log) {
        let proof = merkle::inclusion_proof(&all, index).unwrap();
        assert_no_flip_verifies(&entry.leaf_data(), |leaf| {
            AuditEntry::from_leaf_data(leaf).is_ok()
                && merkle::verify_inclusion(&merkle::leaf_hash(leaf), index, size, &proof, &root).is_ok()
        });
    }
}

#[test]
fn leaf_data_counts_codes_and_versions_outside_their_bounds_are_refused() {
    let w = world();
    let base = entry(1, EntryKind::Credited, "", &[(Account::Outside, 0)]);
    let decode = |e: &AuditEntry| AuditEntry::from_leaf_data(&e.leaf_data());

    let nine_moves =
        AuditEntry { moves: vec![Move { account: Account::Outside, delta: 0 }; 9], ..base.clone() };
    assert_eq!(decode(&nine_moves), Err(too_long("moves", 9, 8)));
    let five_evidence = AuditEntry { evidence: vec![Vec::new(); 5], ..base.clone() };
    assert_eq!(decode(&five_evidence), Err(too_long("evidence", 5, 4)));
    let big_evidence = AuditEntry { evidence: vec![vec![0; 8193]], ..base.clone() };
    assert_eq!(decode(&big_evidence), Err(too_long("evidence", 8193, 8192)));
    let long_detail = AuditEntry { detail: "d".repeat(1025), ..base.clone() };
    assert_eq!(decode(&long_detail), Err(too_long("detail", 1025, 1024)));

    // version 1 | seq 8 | at 8 | device time 8 | kind 1 | member id 1 + 0 | subject 32 |
    // moves u8 | account kind u8 ...
    let leaf = base.leaf_data();
    assert_eq!(
        AuditEntry::from_leaf_data(&patched(&leaf, 0, &[2])),
        Err(DecodeError::UnsupportedVersion { what: "audit entry", found: 2, supported: 1 })
    );
    for code in [0, 24, 0xff] {
        assert_eq!(
            AuditEntry::from_leaf_data(&patched(&leaf, 25, &[code])),
            Err(DecodeError::Invalid { what: "entry kind", reason: "unknown code" }),
            "kind code {code}"
        );
    }
    assert_eq!(
        AuditEntry::from_leaf_data(&patched(&leaf, 60, &[4])),
        Err(DecodeError::Invalid { what: "account", reason: "unknown kind" })
    );
    // The real evidence of a settled entry is well inside the bounds.
    assert!(decode(&settled_entry(&w)).is_ok());
}

// ---------------------------------------------------------------------------------------------
// The offline audit
// ---------------------------------------------------------------------------------------------

#[test]
fn a_valid_log_under_its_checkpoint_passes_the_audit() {
    let w = world();
    let log = w.log();
    let report = audit_log(&log, &checkpoint_over(&w.ledger, &log), &w.ledger_key()).unwrap();
    assert_eq!((report.entries, report.credited, report.accounts, report.purses), (6, 9_000, 9_000, 0));
    assert!(report.flagged.is_empty());
    assert_eq!(report.balances.get(&member(ALICE)), Some(&4_000));
    assert_eq!(report.balances.get(&member(BOB)), Some(&5_000));
    assert_eq!(report.balances.get(&Account::Outside), Some(&-9_000));
}

#[test]
fn an_entry_whose_moves_do_not_sum_to_zero_fails_the_audit() {
    let w = world();
    let mut log = w.log();
    log[1].moves[1].delta = 5_001;
    let err = audit_log(&log, &checkpoint_over(&w.ledger, &log), &w.ledger_key()).unwrap_err();
    assert!(
        matches!(&err, AuditError::BadEntry { seq: 1, fault: EntryFault::MovesUnbalanced, .. }),
        "{err:?}"
    );
}

#[test]
fn a_member_going_negative_without_double_spend_proof_fails_the_audit() {
    let w = world();
    let mut log = w.log();
    log[3].moves =
        vec![Move { account: member(ALICE), delta: -6_000 }, Move { account: member(BOB), delta: 6_000 }];
    assert_eq!(
        audit_log(&log, &checkpoint_over(&w.ledger, &log), &w.ledger_key()),
        Err(AuditError::Negative {
            seq: 3,
            account: format!("member {ALICE}'s account"),
            balance: LedgerAmount { minor: -1_000, currency: None }
        })
    );
}

#[test]
fn a_member_proved_to_have_double_spent_may_go_negative() {
    let w = world();
    let mut created = entry(0, EntryKind::LedgerCreated, "", &[]);
    created.subject = w.ledger_key();
    let mut proof = entry(2, EntryKind::DoubleSpend, ALICE, &[]);
    proof.subject = w.alice_purse.purse_id();
    let rival = chain(&w.alice_purse, &w.alice, &w.bob, &[2_400]).remove(0);
    proof.evidence = vec![w.transfers()[0].to_bytes(), rival.to_bytes()];
    let log = vec![
        created,
        entry(1, EntryKind::Credited, BOB, &[(Account::Outside, -3_000), (member(BOB), 3_000)]),
        proof,
        entry(3, EntryKind::OnlinePayment, ALICE, &[(member(ALICE), -500), (member(BOB), 500)]),
    ];
    let report = audit_log(&log, &checkpoint_over(&w.ledger, &log), &w.ledger_key()).unwrap();
    assert_eq!(report.flagged, [ALICE]);
    assert_eq!(report.balances.get(&member(ALICE)), Some(&-500));
}

#[test]
fn a_proof_whose_transfers_can_both_be_honest_fails_the_audit() {
    let w = world();
    let mut created = entry(0, EntryKind::LedgerCreated, "", &[]);
    created.subject = w.ledger_key();
    // Two links of one honest chain, given as a "double spend" to make Alice a debtor.
    let mut proof = entry(1, EntryKind::DoubleSpend, ALICE, &[]);
    proof.subject = w.alice_purse.purse_id();
    proof.evidence = w.transfers()[..2].iter().map(Transfer::to_bytes).collect();
    let log = vec![created, proof];
    assert_eq!(
        audit_log(&log, &checkpoint_over(&w.ledger, &log), &w.ledger_key()),
        Err(AuditError::BadEntry { seq: 1, member: ALICE.into(), fault: EntryFault::ProofHonest })
    );
    // One transfer alone is a proof only against a declaration the log holds.
    let mut log = log;
    log[1].evidence.truncate(1);
    assert_eq!(
        audit_log(&log, &checkpoint_over(&w.ledger, &log), &w.ledger_key()),
        Err(AuditError::BadEntry {
            seq: 1,
            member: ALICE.into(),
            fault: EntryFault::ProofWithoutDeclaration
        })
    );
}

#[test]
fn reordered_entries_fail_the_audit_as_out_of_order() {
    let w = world();
    let mut log = w.log();
    log.swap(2, 3);
    assert_eq!(
        audit_log(&log, &checkpoint_over(&w.ledger, &log), &w.ledger_key()),
        Err(AuditError::OutOfOrder { position: 2, seq: 3 })
    );
}

#[test]
fn reordered_and_renumbered_entries_fail_the_audit_against_the_signed_root() {
    let w = world();
    let genuine = w.log();
    let checkpoint = checkpoint_over(&w.ledger, &genuine);
    let mut log = genuine;
    log.swap(2, 3);
    (log[2].seq, log[3].seq) = (2, 3);
    assert_eq!(audit_log(&log, &checkpoint, &w.ledger_key()), Err(AuditError::RootMismatch));
}

#[test]
fn a_log_under_a_checkpoint_signed_by_another_key_fails_the_audit() {
    let w = world();
    let log = w.log();
    let impostor = LedgerSigner::generate().unwrap();
    assert_eq!(
        audit_log(&log, &checkpoint_over(&impostor, &log), &w.ledger_key()),
        Err(AuditError::Checkpoint(ProtocolError::BadSignature { message: "checkpoint" }))
    );
}

#[test]
fn a_checkpoint_of_another_size_than_the_log_fails_the_audit() {
    let w = world();
    let log = w.log();
    let shorter = checkpoint_over(&w.ledger, &log[..5]);
    assert_eq!(
        audit_log(&log, &shorter, &w.ledger_key()),
        Err(AuditError::SizeMismatch { checkpoint: 5, found: 6 })
    );
    let claims_more = w.ledger.checkpoint(7, merkle::root(&leaves(&log)), NOW);
    assert_eq!(
        audit_log(&log, &claims_more, &w.ledger_key()),
        Err(AuditError::SizeMismatch { checkpoint: 7, found: 6 })
    );
}

#[test]
fn a_log_not_started_by_the_ledger_that_signs_it_fails_the_audit() {
    let w = world();
    let mut log = w.log();
    log[0].subject = LedgerSigner::generate().unwrap().public_key();
    assert_eq!(
        audit_log(&log, &checkpoint_over(&w.ledger, &log), &w.ledger_key()),
        Err(AuditError::WrongLedger)
    );
}

#[test]
fn a_changed_earlier_entry_is_caught_against_a_held_checkpoint() {
    let w = world();
    let genuine = w.log();
    let held = checkpoint_over(&w.ledger, &genuine[..HELD]);
    check_against(&genuine, &held, &w.ledger_key()).unwrap();

    // The ledger rewrites Alice's credit and signs a fresh checkpoint over the rewritten log: the
    // log audits clean on its own, but not against what the auditor held.
    let mut rewritten = genuine;
    rewritten[1].moves = vec![
        Move { account: Account::Outside, delta: -50_000 },
        Move { account: member(ALICE), delta: 50_000 },
    ];
    audit_log(&rewritten, &checkpoint_over(&w.ledger, &rewritten), &w.ledger_key()).unwrap();
    assert_eq!(check_against(&rewritten, &held, &w.ledger_key()), Err(AuditError::Rewritten { size: 3 }));
}

#[test]
fn a_log_crediting_more_than_an_i64_in_total_is_refused_not_a_panic() {
    let w = world();
    let mut created = entry(0, EntryKind::LedgerCreated, "", &[]);
    created.subject = w.ledger_key();
    // Every balance fits an i64 and the entry sums to zero, but the total credited is 2^63.
    let half = 1i64 << 62;
    let credit = entry(
        1,
        EntryKind::Credited,
        ALICE,
        &[(Account::Outside, i64::MIN), (member(ALICE), half), (member(BOB), half)],
    );
    let log = vec![created, credit];
    let checkpoint = checkpoint_over(&w.ledger, &log);
    let result = std::panic::catch_unwind(|| audit_log(&log, &checkpoint, &w.ledger_key()));
    assert!(matches!(result, Ok(Err(_))), "expected a typed refusal, got {result:?}");
}

// ---------------------------------------------------------------------------------------------
// The audit export
// ---------------------------------------------------------------------------------------------

fn export(w: &World) -> Vec<u8> {
    let log = w.log();
    encode_export(&checkpoint_over(&w.ledger, &log), &log)
}

#[test]
fn an_audit_export_round_trips_and_audits() {
    let w = world();
    let log = w.log();
    let checkpoint = checkpoint_over(&w.ledger, &log);
    let (back_checkpoint, back_log) = decode_export(&encode_export(&checkpoint, &log)).unwrap();
    assert_eq!((&back_checkpoint, &back_log), (&checkpoint, &log));
    audit_log(&back_log, &back_checkpoint, &w.ledger_key()).unwrap();
}

#[test]
fn every_truncation_of_an_audit_export_is_a_truncated_error() {
    let bytes = export(&world());
    for cut in 0..bytes.len() {
        let result = decode_export(&bytes[..cut]);
        assert!(matches!(result, Err(DecodeError::Truncated { .. })), "cut to {cut}: {result:?}");
    }
}

#[test]
fn an_export_with_a_wrong_magic_is_refused() {
    let bytes = export(&world());
    for magic in [b"OPAUDIT2", b"opaudit1", b"\0\0\0\0\0\0\0\0"] {
        assert_eq!(
            decode_export(&patched(&bytes, 0, magic)),
            Err(DecodeError::Invalid { what: "audit export", reason: "not an Outpost audit log export" })
        );
    }
}

#[test]
fn trailing_bytes_after_an_export_are_refused() {
    let bytes = export(&world());
    for extra in [1, 4, 100] {
        let longer = [&bytes[..], &vec![0; extra][..]].concat();
        assert_eq!(decode_export(&longer), Err(DecodeError::TrailingBytes { extra }));
    }
}

#[test]
fn an_export_entry_count_above_the_limit_is_refused_before_the_entries_are_read() {
    let w = world();
    let checkpoint = checkpoint_over(&w.ledger, &w.log());
    // magic 8 | checkpoint u32 + bytes | entry count u64 | entries
    let empty = encode_export(&checkpoint, &[]);
    let at = 8 + 4 + checkpoint.to_bytes().len();
    assert_eq!(empty.len(), at + 8, "the export layout");
    let max = MAX_EXPORT_ENTRIES as usize;
    for n in [MAX_EXPORT_ENTRIES + 1, u64::MAX] {
        assert_eq!(
            decode_export(&patched(&empty, at, &n.to_be_bytes())),
            Err(too_long("entries", n as usize, max))
        );
    }
}

#[test]
fn an_export_with_any_bit_flipped_fails_to_decode_or_to_audit() {
    let w = world();
    let key = w.ledger_key();
    assert_no_flip_verifies(&export(&w), |b| {
        decode_export(b).is_ok_and(|(checkpoint, log)| audit_log(&log, &checkpoint, &key).is_ok())
    });
}

// ---------------------------------------------------------------------------------------------
// Arbitrary input
// ---------------------------------------------------------------------------------------------

fn account() -> impl Strategy<Value = Account> {
    prop_oneof![
        Just(Account::Outside),
        "[A-Z0-9-]{0,16}".prop_map(Account::Member),
        any::<[u8; 32]>().prop_map(Account::Purse),
    ]
}

/// Any entry inside the leaf format's bounds.
fn audit_entry() -> impl Strategy<Value = AuditEntry> {
    (
        (any::<u64>(), any::<u64>(), any::<u64>(), 1u8..=14),
        ("\\PC{0,40}", any::<[u8; 32]>()),
        proptest::collection::vec((account(), any::<i64>()), 0..=8),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..=4),
        "\\PC{0,200}",
    )
        .prop_map(|((seq, at, device_time, code), (member_id, subject), moves, evidence, detail)| {
            AuditEntry {
                seq,
                at,
                device_time,
                kind: EntryKind::from_code(code).unwrap(),
                member_id,
                subject,
                moves: moves.into_iter().map(|(account, delta)| Move { account, delta }).collect(),
                evidence,
                detail,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_sync_era_decoders(
        bytes in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let _ = SyncRequest::from_bytes(&bytes);
        let _ = SyncResponse::from_bytes(&bytes);
        let _ = Checkpoint::from_bytes(&bytes);
        let _ = AuditEntry::from_leaf_data(&bytes);
        let _ = decode_export(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_header_never_panic_a_decoder(
        bytes in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let versioned = [&[1u8][..], &bytes].concat();
        let _ = SyncRequest::from_bytes(&versioned);
        let _ = SyncResponse::from_bytes(&versioned);
        let _ = Checkpoint::from_bytes(&versioned);
        let _ = AuditEntry::from_leaf_data(&versioned);
        let _ = decode_export(&[&b"OPAUDIT1"[..], &bytes].concat());
    }

    #[test]
    fn audit_entries_within_the_bounds_round_trip_through_leaf_data(entry in audit_entry()) {
        prop_assert_eq!(AuditEntry::from_leaf_data(&entry.leaf_data()), Ok(entry));
    }
}

#[test]
fn a_valid_message_cut_anywhere_and_continued_with_arbitrary_bytes_never_panics_or_verifies() {
    let w = world();
    let Exchange { request, response, .. } = w.exchange();
    let (key, id) = (w.ledger_key(), request.id());
    let checkpoint = response.body().checkpoint.clone();
    let log = w.log();
    let originals = [
        request.to_bytes(),
        response.to_bytes(),
        checkpoint.to_bytes(),
        log[1].leaf_data(),
        encode_export(&checkpoint_over(&w.ledger, &log), &log),
    ];
    let verifies = |kind: usize, b: &[u8]| match kind {
        0 => SyncRequest::from_bytes(b).is_ok_and(|r| r.verify().is_ok()),
        1 => SyncResponse::from_bytes(b).is_ok_and(|r| r.verify(&key, &id).is_ok()),
        2 => Checkpoint::from_bytes(b).is_ok_and(|c| c.verify(&key).is_ok()),
        3 => AuditEntry::from_leaf_data(b).is_ok_and(|e| e == log[1]),
        _ => decode_export(b).is_ok_and(|(c, l)| audit_log(&l, &c, &key).is_ok()),
    };
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 256, ..ProptestConfig::default() });
    runner
        .run(
            &(0usize..5, any::<prop::sample::Index>(), proptest::collection::vec(any::<u8>(), 0..300)),
            |(kind, cut, tail)| {
                let original = &originals[kind];
                let bytes = [&original[..cut.index(original.len())], &tail[..]].concat();
                prop_assert!(bytes == *original || !verifies(kind, &bytes), "message {} verified", kind);
                Ok(())
            },
        )
        .unwrap();
}
