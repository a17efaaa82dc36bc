//! Arbitrary input at the boundaries the other decoder suites do not reach, on the stable
//! toolchain (the cargo-fuzz targets in `fuzz/` are the long-running version of these):
//!
//! - scanned text of every kind, damaged anywhere, through the whole path its kind takes (QR
//!   decoding, the envelope, the message decoder, the signatures): only the genuine text verifies;
//! - bytes sent to the ledger's sync, and bytes a wallet receives as the ledger's answer: typed
//!   errors, and nothing changed on either side;
//! - exports and leaves that decode encode back to the very same bytes.
//!
//! Already covered elsewhere, and not repeated here: arbitrary bytes into each message decoder and
//! the envelope, mutated messages never verifying, and arbitrary QR payloads given to a wallet's
//! accept / confirm / pay (`wallet-core/tests/decoders.rs`); QR text round trips
//! (`wallet-core/tests/qr.rs`); arbitrary bytes into the sync-era decoders
//! (`wallet-core/tests/sync_messages.rs`); malformed and forged sync bodies over HTTP
//! (`ledger/tests/server.rs`).

mod common;

use std::sync::Arc;

use common::{Direct, fast, pin, yen};
use outpost_ledger::Ledger;
use outpost_wallet_core::audit::{AuditEntry, decode_export, encode_export};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::{
    Checkpoint, EnrolmentRequest, LedgerSigner, PaymentRequest, PurseCertificate, PurseTerms, Receipt,
    SyncRequest, Transfer, TransferTerms,
};
use outpost_wallet_core::qr::{self, PayloadKind};
use outpost_wallet_core::transport::{SyncTransport, TransportError};
use outpost_wallet_core::{
    Clock, Currency, SoftwareProtector, SyncOptions, SystemClock, Wallet, WalletError, envelope,
};
use proptest::prelude::*;

/// A ledger on a real file with two members whose wallets have synced once, and a payment between
/// them waiting to be uploaded.
struct Scene {
    _dir: tempfile::TempDir,
    ledger: Arc<Ledger>,
    aiko: Wallet,
    ben: Wallet,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let ledger_dir = dir.path().join("ledger");
        std::fs::create_dir(&ledger_dir).unwrap();
        let ledger = Arc::new(Ledger::open(&ledger_dir, Currency::JPY, Arc::new(SystemClock)).unwrap());
        let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key")).unwrap());
        let member = |name: &str, member_id: &str| {
            let wallet =
                Wallet::create(dir.path().join(name), &pin(), Currency::JPY, protector.clone(), fast())
                    .unwrap();
            let (_, enrolment) = wallet.enrolment_request(member_id).unwrap();
            ledger.enrol(&enrolment).unwrap();
            ledger.credit(member_id, yen(30_000), "pay").unwrap();
            wallet.pin_ledger_key(ledger.public_key()).unwrap();
            wallet.sync(&Direct(&ledger), &SyncOptions { purse: Some(yen(10_000)) }).unwrap();
            wallet
        };
        let (aiko, ben) = (member("aiko.wallet", "AIKO-0001"), member("ben.wallet", "BEN-0002"));
        let payment = aiko.pay_contact(&ben.public_identity(), yen(2_500), "lunch").unwrap();
        let accepted = ben.accept(&payment.qr_text).unwrap();
        aiko.confirm_receipt(&accepted.receipt_qr).unwrap();
        Scene { _dir: dir, ledger, aiko, ben }
    }
}

/// Hands the request to the ledger and gives the wallet back `answer(genuine response)`.
struct Tampering<'a, F: Fn(Vec<u8>) -> Vec<u8> + Send + Sync>(&'a Ledger, F);

impl<F: Fn(Vec<u8>) -> Vec<u8> + Send + Sync> SyncTransport for Tampering<'_, F> {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok((self.1)(Direct(self.0).exchange(request)?))
    }
}

/// What a wallet shows: balances, history and the length of its event log.
fn snapshot(wallet: &Wallet) -> impl PartialEq + std::fmt::Debug {
    (
        wallet.balances().unwrap(),
        wallet.history(None, 100).unwrap(),
        wallet.verify_log().unwrap().entries,
        wallet.ledger_checkpoint().unwrap(),
    )
}

/// One genuine QR text of every kind, and what it takes to verify each one.
struct Codes {
    ledger: [u8; 32],
    receiver: Identity,
    now: u64,
    texts: Vec<(PayloadKind, String)>,
}

impl Codes {
    fn new() -> Codes {
        let ledger = LedgerSigner::generate().unwrap();
        let (sender, receiver) = (Identity::generate().unwrap(), Identity::generate().unwrap());
        let now = SystemClock.now_unix();
        let certificate = ledger
            .issue(PurseTerms {
                wallet_key: sender.public().signing_key,
                serial: 1,
                member_id: "AIKO-0001".into(),
                amount: yen(10_000),
                issued_at: now,
                expires_at: now + 86_400,
            })
            .unwrap();
        let terms = TransferTerms {
            seq: 1,
            prev_hash: certificate.chain_start(),
            spent_after: 2_500,
            amount: 2_500,
            receiver_key: receiver.public().signing_key,
            request_nonce: Some([3; 16]),
            time: now,
            memo: "lunch".into(),
        };
        let transfer = Transfer::sign(certificate.clone(), terms, &sender).unwrap();
        let sealed =
            envelope::seal(&receiver.public().agreement_key, "transfer", &transfer.to_bytes()).unwrap();
        let request =
            PaymentRequest::sign(&receiver, Currency::JPY, Some(yen(2_500)), [3; 16], now + 600, "lunch")
                .unwrap();
        let texts = vec![
            (PayloadKind::Enrolment, EnrolmentRequest::sign(&sender, "AIKO-0001", now).unwrap().to_bytes()),
            (PayloadKind::PaymentRequest, request.to_bytes()),
            (PayloadKind::Transfer, sealed),
            (PayloadKind::Receipt, Receipt::sign(transfer.id(), now, &receiver).unwrap().to_bytes()),
            (PayloadKind::PurseCertificate, certificate.to_bytes()),
        ];
        let texts = texts.into_iter().map(|(kind, bytes)| (kind, qr::encode(kind, &bytes))).collect();
        Codes { ledger: ledger.public_key(), receiver, now, texts }
    }

    /// The whole path a scanned text of `kind` takes: QR decoding, the envelope for a transfer,
    /// the message decoder, and the signature checks.
    fn verifies(&self, kind: PayloadKind, text: &str) -> bool {
        let Ok(payload) = qr::expect(text, kind) else { return false };
        match kind {
            PayloadKind::Enrolment => {
                EnrolmentRequest::from_bytes(&payload).is_ok_and(|m| m.verify().is_ok())
            }
            PayloadKind::PaymentRequest => {
                PaymentRequest::from_bytes(&payload).is_ok_and(|m| m.verify(self.now).is_ok())
            }
            PayloadKind::Transfer => {
                envelope::open(&self.receiver, "transfer", &payload).is_ok_and(|plain| {
                    Transfer::from_bytes(&plain).is_ok_and(|m| m.verify(&self.ledger, self.now).is_ok())
                })
            }
            PayloadKind::Receipt => Receipt::from_bytes(&payload).is_ok_and(|m| m.verify().is_ok()),
            PayloadKind::PurseCertificate => {
                PurseCertificate::from_bytes(&payload).is_ok_and(|m| m.verify(&self.ledger).is_ok())
            }
            other => panic!("a payload kind this suite does not know: {other:?}"),
        }
    }
}

#[test]
fn scanned_text_of_every_kind_that_is_not_exactly_a_genuine_code_never_verifies() {
    let codes = Codes::new();
    for (kind, text) in &codes.texts {
        assert!(codes.verifies(*kind, text), "the genuine {kind:?} code verifies");
        assert!(codes.verifies(*kind, &format!("{text}\n")), "with the one line ending a scanner may add");
    }
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 1024, ..Default::default() });
    // Characters a damaged scan or a forger might put in: the QR alphabet, lowercase, anything.
    let character = prop_oneof![
        proptest::sample::select("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".chars().collect::<Vec<_>>()),
        proptest::char::any(),
    ];
    let strategy = (
        0..codes.texts.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), character), 0..4),
        any::<prop::sample::Index>(),
        "\\PC{0,8}",
    );
    runner
        .run(&strategy, |(which, edits, cut, tail)| {
            let (kind, original) = &codes.texts[which];
            let mut chars: Vec<char> = original.chars().collect();
            for (at, c) in edits {
                let at = at.index(chars.len());
                chars[at] = c;
            }
            chars.truncate(cut.index(chars.len() + 1));
            let text: String = chars.into_iter().chain(tail.chars()).collect();
            let unchanged =
                text == *original || text == format!("{original}\n") || text == format!("{original}\r\n");
            prop_assert_eq!(codes.verifies(*kind, &text), unchanged, "{:?}: {:?}", kind, text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn bytes_sent_to_the_ledgers_sync_that_are_not_a_genuine_request_are_refused_and_change_nothing() {
    let scene = Scene::new();
    let before = (scene.ledger.audit_root().unwrap(), scene.ledger.members().unwrap());
    // A genuine request, to damage: what Aiko's next sync sends.
    let genuine = std::sync::Mutex::new(Vec::new());
    struct Capture<'a>(&'a std::sync::Mutex<Vec<u8>>);
    impl SyncTransport for Capture<'_> {
        fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
            *self.0.lock().unwrap() = request.to_vec();
            Err(TransportError::Unreachable { detail: "captured, not sent".into() })
        }
    }
    assert!(scene.aiko.sync(&Capture(&genuine), &SyncOptions::default()).is_err());
    let genuine = genuine.into_inner().unwrap();
    SyncRequest::from_bytes(&genuine).unwrap().verify().unwrap();

    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 256, ..Default::default() });
    let strategy = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048).boxed(),
        (any::<prop::sample::Index>(), 1u8..=255)
            .prop_map({
                let genuine = genuine.clone();
                move |(at, mask)| {
                    let mut bytes = genuine.clone();
                    let at = at.index(bytes.len());
                    bytes[at] ^= mask;
                    bytes
                }
            })
            .boxed(),
        (any::<prop::sample::Index>(), proptest::collection::vec(any::<u8>(), 0..64))
            .prop_map({
                let genuine = genuine.clone();
                move |(cut, tail)| [&genuine[..cut.index(genuine.len())], &tail[..]].concat()
            })
            .boxed(),
    ];
    runner
        .run(&strategy, |bytes| {
            prop_assume!(bytes != genuine);
            prop_assert!(scene.ledger.sync(&bytes).is_err(), "the ledger answered forged bytes");
            Ok(())
        })
        .unwrap();
    assert_eq!((scene.ledger.audit_root().unwrap(), scene.ledger.members().unwrap()), before);
    scene.ledger.check_invariants().unwrap();

    // The genuine request still goes through, once.
    let report = scene.aiko.sync(&Direct(&scene.ledger), &SyncOptions::default()).unwrap();
    assert_eq!(report.rounds, 1);
    scene.ledger.check_invariants().unwrap();
}

#[test]
fn an_answer_damaged_or_replaced_in_transit_is_refused_and_the_retry_applies_the_ledgers_once() {
    let scene = Scene::new();
    let before = snapshot(&scene.ben);
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 128, ..Default::default() });
    let strategy =
        (0u8..3, any::<prop::sample::Index>(), 1u8..=255, proptest::collection::vec(any::<u8>(), 0..512));
    runner
        .run(&strategy, |(how, at, mask, noise)| {
            let damage = |genuine: Vec<u8>| match how {
                0 => {
                    let mut bytes = genuine;
                    let at = at.index(bytes.len());
                    bytes[at] ^= mask;
                    bytes
                }
                1 => genuine[..at.index(genuine.len())].to_vec(),
                _ => noise.clone(),
            };
            let refused = scene.ben.sync(&Tampering(&scene.ledger, damage), &SyncOptions::default());
            prop_assert!(
                matches!(refused, Err(WalletError::Protocol(_) | WalletError::BadLedgerProof { .. })),
                "{:?}",
                refused
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(snapshot(&scene.ben), before, "no damaged answer changed anything");

    // The ledger settled Ben's upload at the first attempt and kept its answer; the retry gets it.
    let report = scene.ben.sync(&Direct(&scene.ledger), &SyncOptions::default()).unwrap();
    assert_eq!(report.settled, 1);
    assert_eq!(scene.ben.balances().unwrap().online, yen(20_000 + 2_500));
    scene.aiko.sync(&Direct(&scene.ledger), &SyncOptions::default()).unwrap();
    assert!(scene.aiko.balances().unwrap().pending_outgoing.is_zero());
    scene.ledger.check_invariants().unwrap();
}

#[test]
fn exports_checkpoints_and_leaves_that_decode_encode_back_to_the_same_bytes() {
    let scene = Scene::new();
    scene.ben.sync(&Direct(&scene.ledger), &SyncOptions::default()).unwrap();
    let export = scene.ledger.export_audit().unwrap();
    let file = encode_export(&export.checkpoint, &export.entries);
    let leaf = export.entries.last().unwrap().leaf_data();
    let checkpoint = export.checkpoint.to_bytes();
    let originals = [file, leaf, checkpoint];

    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 1024, ..Default::default() });
    let strategy = (
        0usize..3,
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        any::<prop::sample::Index>(),
        proptest::collection::vec(any::<u8>(), 0..16),
    );
    runner
        .run(&strategy, |(kind, writes, cut, tail)| {
            let mut bytes = originals[kind].clone();
            for (at, value) in writes {
                let at = at.index(bytes.len());
                bytes[at] = value;
            }
            let cut = cut.index(bytes.len() + 1);
            bytes = [&bytes[..cut.min(bytes.len())], &tail[..]].concat();
            match kind {
                0 => {
                    if let Ok((checkpoint, entries)) = decode_export(&bytes) {
                        prop_assert_eq!(encode_export(&checkpoint, &entries), bytes);
                    }
                }
                1 => {
                    if let Ok(entry) = AuditEntry::from_leaf_data(&bytes) {
                        prop_assert_eq!(entry.leaf_data(), bytes);
                    }
                }
                _ => {
                    if let Ok(checkpoint) = Checkpoint::from_bytes(&bytes) {
                        prop_assert_eq!(checkpoint.to_bytes(), bytes);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}
