//! The protocol messages: encoding round trips, signatures, purse rules, and refusal of every
//! altered, truncated or foreign message.

use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::{
    EnrolmentRequest, LedgerSigner, PaymentRequest, ProtocolError, PurseCertificate, PurseTerms, Receipt,
    Transfer, TransferTerms,
};
use outpost_wallet_core::{Amount, Currency, envelope};

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;

struct World {
    ledger: LedgerSigner,
    alice: Identity,
    bob: Identity,
    certificate: PurseCertificate,
}

fn yen(minor: u64) -> Amount {
    Amount::from_minor(minor, Currency::JPY).unwrap()
}

fn world() -> World {
    let ledger = LedgerSigner::generate().unwrap();
    let alice = Identity::generate().unwrap();
    let bob = Identity::generate().unwrap();
    let certificate = ledger
        .issue(PurseTerms {
            wallet_key: alice.public().signing_key,
            serial: 1,
            member_id: "ALICE-0042".into(),
            amount: yen(10_000),
            issued_at: NOW - DAY,
            expires_at: NOW + 7 * DAY,
        })
        .unwrap();
    World { ledger, alice, bob, certificate }
}

fn first_transfer(w: &World, amount: u64, memo: &str) -> TransferTerms {
    TransferTerms {
        seq: 1,
        prev_hash: w.certificate.chain_start(),
        spent_after: amount,
        amount,
        receiver_key: w.bob.public().signing_key,
        request_nonce: Some([5; 16]),
        time: NOW,
        memo: memo.into(),
    }
}

fn transfer(w: &World) -> Transfer {
    Transfer::sign(w.certificate.clone(), first_transfer(w, 3_000, "lunch"), &w.alice).unwrap()
}

#[test]
fn every_message_round_trips_through_bytes_with_the_same_id() {
    let w = world();
    let cert = PurseCertificate::from_bytes(&w.certificate.to_bytes()).unwrap();
    assert_eq!((&cert, cert.id()), (&w.certificate, w.certificate.id()));

    let t = transfer(&w);
    let back = Transfer::from_bytes(&t.to_bytes()).unwrap();
    assert_eq!((&back, back.id()), (&t, t.id()));
    assert_eq!(back.amount().to_string(), "¥3,000");

    let request =
        PaymentRequest::sign(&w.bob, Currency::JPY, Some(yen(3_000)), [5; 16], NOW + 600, "canteen").unwrap();
    let back = PaymentRequest::from_bytes(&request.to_bytes()).unwrap();
    assert_eq!((&back, back.id()), (&request, request.id()));

    let open = PaymentRequest::sign(&w.bob, Currency::JPY, None, [6; 16], NOW + 600, "").unwrap();
    assert_eq!(PaymentRequest::from_bytes(&open.to_bytes()).unwrap().amount, None);

    let receipt = Receipt::sign(t.id(), NOW, &w.bob).unwrap();
    let back = Receipt::from_bytes(&receipt.to_bytes()).unwrap();
    assert_eq!((&back, back.id()), (&receipt, receipt.id()));

    let enrolment = EnrolmentRequest::sign(&w.alice, "ALICE-0042", NOW).unwrap();
    let back = EnrolmentRequest::from_bytes(&enrolment.to_bytes()).unwrap();
    assert_eq!((&back, back.id()), (&enrolment, enrolment.id()));
}

#[test]
fn a_valid_transfer_verifies_against_the_pinned_ledger_key() {
    let w = world();
    let verified = transfer(&w).verify(&w.ledger.public_key(), NOW).unwrap();
    assert_eq!(verified.terms().receiver_key, w.bob.public().signing_key);
    assert_eq!(verified.certificate().terms().member_id, "ALICE-0042");
}

#[test]
fn a_transfer_under_another_ledgers_key_is_refused() {
    let w = world();
    let stranger = LedgerSigner::generate().unwrap();
    let err = transfer(&w).verify(&stranger.public_key(), NOW).unwrap_err();
    assert_eq!(err, ProtocolError::BadSignature { message: "purse certificate" });
}

#[test]
fn a_certificate_reissued_with_a_bigger_amount_by_anyone_but_the_ledger_is_refused() {
    let w = world();
    let forger = LedgerSigner::generate().unwrap();
    let mut terms = w.certificate.terms().clone();
    terms.amount = yen(1_000_000);
    let forged = forger.issue(terms).unwrap();
    let mut terms = first_transfer(&w, 500_000, "");
    terms.prev_hash = forged.chain_start();
    let t = Transfer::sign(forged, terms, &w.alice).unwrap();
    let err = t.verify(&w.ledger.public_key(), NOW).unwrap_err();
    assert_eq!(err, ProtocolError::BadSignature { message: "purse certificate" });
}

#[test]
fn any_altered_byte_of_a_transfer_is_refused() {
    let w = world();
    let bytes = transfer(&w).to_bytes();
    for index in 0..bytes.len() {
        let mut altered = bytes.clone();
        altered[index] ^= 0x04;
        let accepted = Transfer::from_bytes(&altered).and_then(|t| t.verify(&w.ledger.public_key(), NOW));
        assert!(accepted.is_err(), "byte {index} altered and still accepted");
    }
}

#[test]
fn every_truncation_and_any_trailing_byte_is_refused() {
    let w = world();
    let bytes = transfer(&w).to_bytes();
    for cut in 0..bytes.len() {
        assert!(Transfer::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(Transfer::from_bytes(&long).and_then(|t| t.verify(&w.ledger.public_key(), NOW)).is_err());
}

#[test]
fn an_unknown_message_version_is_refused_by_name() {
    let w = world();
    let mut bytes = transfer(&w).to_bytes();
    bytes[0] = 2;
    let err = Transfer::from_bytes(&bytes).unwrap_err();
    assert!(err.to_string().contains("unsupported transfer version 2"), "{err}");
}

#[test]
fn an_expired_purse_is_refused_by_the_receivers_clock() {
    let w = world();
    let err = transfer(&w).verify(&w.ledger.public_key(), NOW + 8 * DAY).unwrap_err();
    assert!(matches!(err, ProtocolError::Expired { message: "purse certificate", .. }), "{err}");
}

#[test]
fn a_wallet_cannot_sign_more_than_its_purse_or_from_someone_elses_purse() {
    let w = world();
    let err = Transfer::sign(w.certificate.clone(), first_transfer(&w, 10_001, ""), &w.alice).unwrap_err();
    let yen = |n| Amount::from_minor(n, Currency::JPY).unwrap();
    assert_eq!(err, ProtocolError::Overspend { spent_after: yen(10_001), purse: yen(10_000) });

    let err = Transfer::sign(w.certificate.clone(), first_transfer(&w, 100, ""), &w.bob).unwrap_err();
    assert!(matches!(err, ProtocolError::Invalid { reason: "the signer does not own the purse", .. }));

    let mut terms = first_transfer(&w, 100, "");
    terms.prev_hash = [0; 32];
    assert!(
        Transfer::sign(w.certificate.clone(), terms, &w.alice).is_err(),
        "first transfer must start the chain"
    );

    let mut terms = first_transfer(&w, 0, "");
    terms.spent_after = 0;
    assert!(Transfer::sign(w.certificate.clone(), terms, &w.alice).is_err(), "zero amount");
}

#[test]
fn a_memo_longer_than_32_bytes_is_refused() {
    let w = world();
    let err = Transfer::sign(w.certificate.clone(), first_transfer(&w, 100, &"x".repeat(33)), &w.alice)
        .unwrap_err();
    assert_eq!(err, ProtocolError::TooLong { field: "memo", max: 32 });
}

#[test]
fn receipts_requests_and_enrolments_refuse_alteration() {
    let w = world();
    let receipt = Receipt::sign(transfer(&w).id(), NOW, &w.bob).unwrap().to_bytes();
    let request =
        PaymentRequest::sign(&w.bob, Currency::JPY, Some(yen(1)), [5; 16], NOW + 60, "x").unwrap().to_bytes();
    let enrolment = EnrolmentRequest::sign(&w.alice, "ALICE-0042", NOW).unwrap().to_bytes();
    for index in 0..receipt.len() {
        let mut b = receipt.clone();
        b[index] ^= 1;
        assert!(Receipt::from_bytes(&b).and_then(|r| r.verify()).is_err(), "receipt byte {index}");
    }
    for index in 0..request.len() {
        let mut b = request.clone();
        b[index] ^= 1;
        assert!(PaymentRequest::from_bytes(&b).and_then(|r| r.verify(NOW)).is_err(), "request byte {index}");
    }
    for index in 0..enrolment.len() {
        let mut b = enrolment.clone();
        b[index] ^= 1;
        assert!(EnrolmentRequest::from_bytes(&b).and_then(|r| r.verify()).is_err(), "enrolment byte {index}");
    }
}

#[test]
fn an_expired_payment_request_is_refused() {
    let w = world();
    let request = PaymentRequest::sign(&w.bob, Currency::JPY, None, [5; 16], NOW + 60, "").unwrap();
    assert!(request.verify(NOW + 60).is_ok());
    assert!(matches!(request.verify(NOW + 61), Err(ProtocolError::Expired { .. })));
}

#[test]
fn a_sealed_transfer_opens_only_for_its_receiver() {
    let w = world();
    let carol = Identity::generate().unwrap();
    let bytes = transfer(&w).to_bytes();
    let sealed = envelope::seal(&w.bob.public().agreement_key, "transfer", &bytes).unwrap();
    assert_eq!(sealed.len(), bytes.len() + envelope::OVERHEAD);
    assert_eq!(&envelope::open(&w.bob, "transfer", &sealed).unwrap()[..], &bytes[..]);
    assert_eq!(envelope::open(&carol, "transfer", &sealed), Err(envelope::EnvelopeError::NotForMe));
    assert_eq!(envelope::open(&w.bob, "receipt", &sealed), Err(envelope::EnvelopeError::NotForMe));
    for index in 0..sealed.len() {
        let mut altered = sealed.clone();
        altered[index] ^= 1;
        assert!(envelope::open(&w.bob, "transfer", &altered).is_err(), "byte {index}");
    }
    for cut in 0..sealed.len() {
        assert!(envelope::open(&w.bob, "transfer", &sealed[..cut]).is_err(), "cut {cut}");
    }
    let again = envelope::seal(&w.bob.public().agreement_key, "transfer", &bytes).unwrap();
    assert_ne!(again, sealed, "a fresh ephemeral key for every envelope");
}

#[test]
fn sealed_to_another_wallet_is_told_apart_from_altered() {
    use envelope::EnvelopeError::{Altered, NotForMe, NotForMeOrAltered};
    let w = world();
    let bytes = transfer(&w).to_bytes();
    // Over many envelopes for someone else, the recipient check never lets one pass as altered
    // by chance more often than 2 bytes allow (1 in 65,536 each).
    let strangers: Vec<Identity> = (0..50).map(|_| Identity::generate().unwrap()).collect();
    for stranger in &strangers {
        let sealed = envelope::seal(&stranger.public().agreement_key, "transfer", &bytes).unwrap();
        assert_eq!(envelope::open(&w.bob, "transfer", &sealed), Err(NotForMe));
    }
    let sealed = envelope::seal(&w.bob.public().agreement_key, "transfer", &bytes).unwrap();
    for index in 35..sealed.len() {
        let mut altered = sealed.clone();
        altered[index] ^= 0x80;
        assert_eq!(envelope::open(&w.bob, "transfer", &altered), Err(Altered), "byte {index}");
    }

    // An envelope from before the check still opens for its receiver; a failure cannot be told
    // apart, and its words say so.
    let old = envelope::seal_version_1(&w.bob.public().agreement_key, "transfer", &bytes).unwrap();
    assert_eq!(old[0], 1);
    assert_eq!(&envelope::open(&w.bob, "transfer", &old).unwrap()[..], &bytes[..]);
    assert_eq!(envelope::open(&strangers[0], "transfer", &old), Err(NotForMeOrAltered));
    let mut altered = old.clone();
    altered[40] ^= 1;
    assert_eq!(envelope::open(&w.bob, "transfer", &altered), Err(NotForMeOrAltered));
}

#[test]
fn a_low_order_recipient_key_is_refused() {
    assert_eq!(envelope::seal(&[0; 32], "transfer", b"x"), Err(envelope::EnvelopeError::BadRecipientKey));
}

#[test]
fn the_largest_transfer_fits_the_qr_budget_and_so_does_every_other_message() {
    // The worst case the protocol allows: the longest member id, a 32-byte memo, a request nonce
    // and the largest amounts, sealed to the receiver. The design wants it inside QR version
    // 15-M, which holds `qr::BUDGET_PAYLOAD_LEN` (396) bytes of payload.
    use outpost_wallet_core::protocol::{MAX_MEMBER_ID, MAX_MEMO};
    use outpost_wallet_core::qr::{self, BUDGET_PAYLOAD_LEN, BUDGET_VERSION, PayloadKind};
    let w = world();
    let largest = Amount::from_minor(i64::MAX as u64, Currency::JPY).unwrap();
    let mut terms = w.certificate.terms().clone();
    terms.member_id = "M".repeat(MAX_MEMBER_ID);
    terms.amount = largest;
    terms.serial = u32::MAX;
    terms.expires_at = u64::from(u32::MAX);
    let certificate = w.ledger.issue(terms).unwrap();
    let mut first = first_transfer(&w, largest.minor(), &"m".repeat(MAX_MEMO));
    first.prev_hash = certificate.chain_start();
    first.time = u64::from(u32::MAX);
    let t = Transfer::sign(certificate.clone(), first, &w.alice).unwrap();
    let sealed = envelope::seal(&w.bob.public().agreement_key, "transfer", &t.to_bytes()).unwrap();

    // Request and receipt show the receiver's newest checkpoint (ADR 0014); its compact form is
    // fixed-width, so the largest values cost nothing more.
    let checkpoint = w.ledger.checkpoint(u64::MAX, [0xff; 32], u64::MAX);
    let request = PaymentRequest::sign_showing(
        &w.bob,
        Currency::JPY,
        Some(largest),
        [5; 16],
        NOW,
        &"m".repeat(MAX_MEMO),
        Some(&checkpoint),
    )
    .unwrap();
    let receipt = Receipt::sign_showing(t.id(), NOW, &w.bob, Some(&checkpoint)).unwrap();
    let enrolment = EnrolmentRequest::sign(&w.alice, &"M".repeat(MAX_MEMBER_ID), NOW).unwrap();
    let messages = [
        (PayloadKind::Transfer, "sealed transfer", sealed),
        (PayloadKind::PaymentRequest, "payment request", request.to_bytes()),
        (PayloadKind::Receipt, "receipt", receipt.to_bytes()),
        (PayloadKind::Enrolment, "enrolment request", enrolment.to_bytes()),
        (PayloadKind::PurseCertificate, "purse certificate", certificate.to_bytes()),
    ];
    for (kind, name, payload) in messages {
        let text = qr::encode(kind, &payload);
        let version = qr::version_for(&text).unwrap();
        println!("{name}: {} bytes, QR text {} chars, version {version}-M", payload.len(), text.len());
        assert!(payload.len() <= BUDGET_PAYLOAD_LEN, "{name} is {} bytes", payload.len());
        assert!(version <= BUDGET_VERSION, "{name} needs QR version {version}");
    }
    assert_eq!(t.to_bytes().len() + envelope::OVERHEAD, 393, "the transfer's size changed: update ADR 0004");
    assert_eq!(request.to_bytes().len(), 309, "the request's size changed: update ADR 0004 and 0014");
    assert_eq!(receipt.to_bytes().len(), 247, "the receipt's size changed: update ADR 0004 and 0014");
}

fn showing_checkpoint(w: &World) -> (PaymentRequest, Receipt) {
    let checkpoint = w.ledger.checkpoint(42, [7; 32], NOW);
    let request = PaymentRequest::sign_showing(
        &w.bob,
        Currency::JPY,
        Some(yen(500)),
        [9; 16],
        NOW + 60,
        "tea",
        Some(&checkpoint),
    )
    .unwrap();
    let receipt = Receipt::sign_showing(transfer(w).id(), NOW, &w.bob, Some(&checkpoint)).unwrap();
    (request, receipt)
}

#[test]
fn a_request_and_a_receipt_carry_the_receivers_checkpoint_signed_by_the_receiver() {
    let w = world();
    let (request, receipt) = showing_checkpoint(&w);
    let read = PaymentRequest::from_bytes(&request.to_bytes()).unwrap();
    read.verify(NOW).unwrap();
    let shown = read.checkpoint.as_ref().unwrap();
    shown.verify(&w.ledger.public_key()).unwrap();
    assert_eq!((shown.size, shown.root), (42, [7; 32]));
    let read = Receipt::from_bytes(&receipt.to_bytes()).unwrap();
    read.verify().unwrap();
    assert_eq!(read.checkpoint.as_ref(), Some(shown));
    assert_eq!(read.id(), receipt.id());
}

#[test]
fn a_request_or_receipt_with_a_checkpoint_refuses_every_truncation_alteration_and_extra_byte() {
    let w = world();
    let (request, receipt) = showing_checkpoint(&w);
    let request = request.to_bytes();
    let receipt = receipt.to_bytes();
    for cut in 0..request.len() {
        assert!(
            matches!(PaymentRequest::from_bytes(&request[..cut]), Err(ProtocolError::Malformed { .. })),
            "request cut at {cut}"
        );
    }
    for cut in 0..receipt.len() {
        assert!(
            matches!(Receipt::from_bytes(&receipt[..cut]), Err(ProtocolError::Malformed { .. })),
            "receipt cut at {cut}"
        );
    }
    let longer = |b: &[u8]| [&b[..b.len() - 64], &[0], &b[b.len() - 64..]].concat();
    assert!(matches!(PaymentRequest::from_bytes(&longer(&request)), Err(ProtocolError::Malformed { .. })));
    assert!(matches!(Receipt::from_bytes(&longer(&receipt)), Err(ProtocolError::Malformed { .. })));
    for index in 0..request.len() {
        let mut b = request.clone();
        b[index] ^= 1;
        assert!(PaymentRequest::from_bytes(&b).and_then(|r| r.verify(NOW)).is_err(), "request byte {index}");
    }
    for index in 0..receipt.len() {
        let mut b = receipt.clone();
        b[index] ^= 1;
        assert!(Receipt::from_bytes(&b).and_then(|r| r.verify()).is_err(), "receipt byte {index}");
    }
}

#[test]
fn a_checkpoint_flag_other_than_0_or_1_is_refused_by_name() {
    let w = world();
    let receipt = Receipt::sign(transfer(&w).id(), NOW, &w.bob).unwrap().to_bytes();
    let flag = receipt.len() - 65;
    assert_eq!(receipt[flag], 0);
    let mut b = receipt.clone();
    b[flag] = 2;
    let err = Receipt::from_bytes(&b).unwrap_err();
    assert!(err.to_string().contains("checkpoint flag"), "{err}");
}

#[test]
fn receipts_of_unknown_versions_are_refused_and_version_1_is_read_only_in_its_own_layout() {
    let w = world();
    let receipt = Receipt::sign(transfer(&w).id(), NOW, &w.bob).unwrap().to_bytes();
    let mut future = receipt.clone();
    future[0] = 3;
    let err = Receipt::from_bytes(&future).unwrap_err();
    assert!(err.to_string().contains("unsupported receipt version 3"), "{err}");
    // A version 2 body relabelled 1 has a byte version 1 never had.
    let mut relabelled = receipt;
    relabelled[0] = 1;
    assert!(Receipt::from_bytes(&relabelled).is_err());
}

#[test]
fn times_after_2106_are_refused_when_signing_not_wrapped() {
    let w = world();
    let mut terms = first_transfer(&w, 100, "");
    terms.time = u64::from(u32::MAX) + 1;
    let err = Transfer::sign(w.certificate.clone(), terms, &w.alice).unwrap_err();
    assert!(matches!(err, ProtocolError::Invalid { reason: "a time after 2106 cannot be encoded", .. }));
}

#[test]
fn the_purse_id_and_chain_start_are_the_certificate_id() {
    let w = world();
    assert_eq!(w.certificate.purse_id(), w.certificate.id());
    assert_eq!(w.certificate.chain_start(), w.certificate.id());
    let mut terms = w.certificate.terms().clone();
    terms.serial = 2;
    let next = w.ledger.issue(terms).unwrap();
    assert_ne!(next.purse_id(), w.certificate.purse_id(), "a new serial is a new purse");
    // A first transfer chained to the old purse cannot be moved onto the new one.
    let mut t = first_transfer(&w, 100, "");
    t.prev_hash = w.certificate.chain_start();
    assert!(Transfer::sign(next, t, &w.alice).is_err());
}
