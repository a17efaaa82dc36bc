//! Every decoder a scanned or received byte string reaches, fed arbitrary and mutated input:
//! none panics, every failure is a typed error, and a mutated message never verifies.

mod common;

use common::{Fixture, TestLedger, yen};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::{EnrolmentRequest, PaymentRequest, PurseCertificate, Receipt, Transfer};
use outpost_wallet_core::qr::{self, PayloadKind};
use outpost_wallet_core::{Clock, envelope};
use proptest::prelude::*;

/// Runs every message decoder on `bytes`; returns how many accepted it structurally.
fn decode_all(bytes: &[u8]) -> usize {
    [
        Transfer::from_bytes(bytes).is_ok(),
        PurseCertificate::from_bytes(bytes).is_ok(),
        PaymentRequest::from_bytes(bytes).is_ok(),
        Receipt::from_bytes(bytes).is_ok(),
        EnrolmentRequest::from_bytes(bytes).is_ok(),
    ]
    .into_iter()
    .filter(|ok| *ok)
    .count()
}

struct Messages {
    ledger_key: [u8; 32],
    now: u64,
    transfer: Vec<u8>,
    request: Vec<u8>,
    receipt: Vec<u8>,
    enrolment: Vec<u8>,
}

fn messages() -> Messages {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let now = f.clock.now_unix();
    let alice = Identity::generate().unwrap();
    let bob = Identity::generate().unwrap();
    let certificate = ledger.certificate(alice.public().signing_key, "ALICE-0042", 10_000, now);
    let terms = outpost_wallet_core::protocol::TransferTerms {
        seq: 1,
        prev_hash: certificate.chain_start(),
        spent_after: 2_500,
        amount: 2_500,
        receiver_key: bob.public().signing_key,
        request_nonce: Some([7; 16]),
        time: now,
        memo: "rations".into(),
    };
    let transfer = Transfer::sign(certificate, terms, &alice).unwrap();
    Messages {
        ledger_key: ledger.key(),
        now,
        request: PaymentRequest::sign(
            &bob,
            outpost_wallet_core::Currency::JPY,
            Some(yen(2_500)),
            [7; 16],
            now + 600,
            "x",
        )
        .unwrap()
        .to_bytes(),
        receipt: Receipt::sign(transfer.id(), now, &bob).unwrap().to_bytes(),
        enrolment: EnrolmentRequest::sign(&alice, "ALICE-0042", now).unwrap().to_bytes(),
        transfer: transfer.to_bytes(),
    }
}

/// Whether `bytes` decode and verify as the message kind `index` (0 transfer, 1 request,
/// 2 receipt, 3 enrolment).
fn verifies(m: &Messages, index: usize, bytes: &[u8]) -> bool {
    match index {
        0 => Transfer::from_bytes(bytes).and_then(|t| t.verify(&m.ledger_key, m.now)).is_ok(),
        1 => PaymentRequest::from_bytes(bytes).and_then(|r| r.verify(m.now)).is_ok(),
        2 => Receipt::from_bytes(bytes).and_then(|r| r.verify()).is_ok(),
        _ => EnrolmentRequest::from_bytes(bytes).and_then(|e| e.verify()).is_ok(),
    }
}

fn original(m: &Messages, index: usize) -> &[u8] {
    [&m.transfer, &m.request, &m.receipt, &m.enrolment][index]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_a_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        decode_all(&bytes);
        let someone = Identity::generate().unwrap();
        prop_assert!(envelope::open(&someone, "transfer", &bytes).is_err());
    }

    #[test]
    fn arbitrary_text_never_panics_the_qr_decoder(text in "\\PC{0,300}", tail in "[0-9A-Z $%*+./:-]{0,300}") {
        let _ = qr::decode(&text);
        let _ = qr::decode(&format!("OP1T:{tail}"));
    }
}

#[test]
fn mutated_truncated_and_extended_messages_never_verify() {
    let m = messages();
    for index in 0..4 {
        assert!(verifies(&m, index, original(&m, index)), "message {index} verifies unchanged");
    }
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 256, ..Default::default() });
    let strategy = (0usize..4, proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4));
    runner
        .run(&strategy, |(index, flips)| {
            let mut bytes = original(&m, index).to_vec();
            for (at, mask) in &flips {
                let at = at.index(bytes.len());
                bytes[at] ^= mask;
            }
            prop_assert!(!verifies(&m, index, &bytes), "message {} with flips {:?} verified", index, flips);
            Ok(())
        })
        .unwrap();
    runner
        .run(
            &(0usize..4, any::<prop::sample::Index>(), proptest::collection::vec(any::<u8>(), 1..64)),
            |(index, cut, extra)| {
                let bytes = original(&m, index);
                let cut = cut.index(bytes.len());
                prop_assert!(!verifies(&m, index, &bytes[..cut]));
                let longer = [bytes, &extra[..]].concat();
                prop_assert!(!verifies(&m, index, &longer));
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn arbitrary_sealed_payloads_and_texts_given_to_a_wallet_change_nothing() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 5_000);
    let before = (ben.balances().unwrap(), ben.events(None, 1000).unwrap().len());
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 128, ..Default::default() });
    runner
        .run(&(proptest::collection::vec(any::<u8>(), 0..500), "\\PC{0,200}"), |(payload, text)| {
            for kind in PayloadKind::ALL {
                let coded = qr::encode(kind, &payload);
                prop_assert!(ben.accept(&coded).is_err());
                prop_assert!(ben.confirm_receipt(&coded).is_err());
                prop_assert!(ben.pay_request(&coded, Some(yen(1)), "").is_err());
            }
            prop_assert!(ben.accept(&text).is_err());
            Ok(())
        })
        .unwrap();
    assert_eq!((ben.balances().unwrap(), ben.events(None, 1000).unwrap().len()), before);
}
