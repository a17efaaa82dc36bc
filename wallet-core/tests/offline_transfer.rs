//! The offline QR handshake between real wallet files: request, pay, accept, receipt, and what
//! each wallet shows afterwards. Refusals are in `offline_transfer_refusals.rs`.

mod common;

use common::{Fixture, TestLedger, yen};
use outpost_wallet_core::{Direction, TransferStatus};

#[test]
fn two_wallets_complete_a_handshake_through_qr_text_only() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);

    // Everything between the phones below is QR text: a String in, a String out.
    let request_qr: String = ben.create_request(Some(yen(3_000)), "canteen", 600).unwrap().qr_text;
    let transfer_qr: String = aiko.pay_request(&request_qr, None, "").unwrap().qr_text;
    let accepted = ben.accept(&transfer_qr).unwrap();
    let confirmed = aiko.confirm_receipt(&accepted.receipt_qr).unwrap();

    assert_eq!(accepted.amount, yen(3_000));
    assert_eq!(accepted.sender_member_id, "AIKO-0001");
    assert_eq!(accepted.memo, "canteen");
    assert!(!accepted.already_accepted);
    assert_eq!(confirmed.transfer_id, accepted.transfer_id);
    assert!(!confirmed.already_confirmed);

    let a = aiko.balances().unwrap();
    assert_eq!((a.offline_purse, a.pending_outgoing, a.pending_incoming), (yen(7_000), yen(3_000), yen(0)));
    let b = ben.balances().unwrap();
    assert_eq!((b.offline_purse, b.pending_outgoing, b.pending_incoming), (yen(0), yen(0), yen(3_000)));

    let sent = &aiko.history(None, 10).unwrap()[0];
    assert_eq!(
        (sent.direction, sent.status, sent.amount),
        (Direction::Sent, TransferStatus::Delivered, yen(3_000))
    );
    assert_eq!(sent.counterparty_key, ben.public_identity().signing_key);
    let received = &ben.history(None, 10).unwrap()[0];
    assert_eq!(
        (received.direction, received.status, received.counterparty_label.as_str()),
        (Direction::Received, TransferStatus::PendingSettlement, "AIKO-0001")
    );
    assert_eq!(received.transfer_id, sent.transfer_id);
    aiko.verify_log().unwrap();
    ben.verify_log().unwrap();
}

#[test]
fn the_purse_goes_down_as_soon_as_pay_returns_and_survives_reopening() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    aiko.pay_contact(&ben.public_identity(), yen(2_500), "fuel").unwrap();
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(7_500));
    drop(aiko);
    let aiko = f.open_unlocked(&f.path("aiko.wallet"));
    let balances = aiko.balances().unwrap();
    assert_eq!((balances.offline_purse, balances.pending_outgoing), (yen(7_500), yen(2_500)));
    assert_eq!(aiko.history(None, 10).unwrap()[0].status, TransferStatus::AwaitingReceipt);
}

#[test]
fn accepting_the_same_transfer_twice_credits_once_and_returns_the_same_receipt() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let payment = aiko.pay_contact(&ben.public_identity(), yen(1_000), "").unwrap();
    let first = ben.accept(&payment.qr_text).unwrap();
    // The sender shows the same transfer again (sealed afresh, so the text differs).
    let again_qr = aiko.show_transfer(&payment.transfer_id).unwrap();
    assert_ne!(again_qr, payment.qr_text);
    for qr in [&payment.qr_text, &again_qr] {
        let again = ben.accept(qr).unwrap();
        assert!(again.already_accepted);
        assert_eq!(again.receipt_qr, first.receipt_qr);
    }
    assert_eq!(ben.balances().unwrap().pending_incoming, yen(1_000));
    assert_eq!(ben.history(None, 10).unwrap().len(), 1);

    assert!(!aiko.confirm_receipt(&first.receipt_qr).unwrap().already_confirmed);
    assert!(aiko.confirm_receipt(&first.receipt_qr).unwrap().already_confirmed);
}

#[test]
fn several_transfers_chain_from_one_purse_and_are_accepted_in_any_order() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let payments: Vec<_> =
        (1..=4).map(|i| aiko.pay_contact(&ben.public_identity(), yen(i * 100), "").unwrap()).collect();
    for index in [2, 0, 3, 1] {
        ben.accept(&payments[index].qr_text).unwrap();
    }
    assert_eq!(ben.balances().unwrap().pending_incoming, yen(1_000));
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(9_000));
}

#[test]
fn an_open_request_is_paid_with_the_amount_the_payer_chooses() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let request = ben.create_request(None, "kitty", 600).unwrap();
    let paid = aiko.pay_request(&request.qr_text, Some(yen(450)), "my share").unwrap();
    let accepted = ben.accept(&paid.qr_text).unwrap();
    assert_eq!((accepted.amount, accepted.memo.as_str()), (yen(450), "my share"));
}

#[test]
fn reading_a_request_shows_what_paying_it_would_do_and_changes_nothing() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let request = ben.create_request(Some(yen(1_200)), "boots", 600).unwrap();
    let transfer = aiko.pay_contact(&ben.public_identity(), yen(10), "").unwrap();

    aiko.lock(); // reading a request needs no keys
    let read = aiko.read_request(&request.qr_text).unwrap();
    assert_eq!(read.receiver_key, ben.public_identity().signing_key);
    assert_eq!(read.receiver_agreement_key, ben.public_identity().agreement_key);
    assert_eq!((read.amount, read.memo.as_str()), (Some(yen(1_200)), "boots"));
    assert_eq!(read.expires_at, request.request.expires_at);
    // A transfer is not a request, and a request cut short is refused.
    assert!(aiko.read_request(&transfer.qr_text).is_err());
    assert!(aiko.read_request(&request.qr_text[..request.qr_text.len() - 9]).is_err());

    drop(aiko);
    let aiko = f.open_unlocked(&f.path("aiko.wallet"));
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(9_990), "reading paid nothing");
    assert_eq!(aiko.history(None, 10).unwrap().len(), 1);
}

#[test]
fn paying_the_same_request_twice_is_refused_and_names_the_first_transfer() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    let request = ben.create_request(Some(yen(300)), "", 600).unwrap();
    aiko.pay_request(&request.qr_text, None, "").unwrap();
    let err = aiko.pay_request(&request.qr_text, None, "").unwrap_err();
    assert!(matches!(err, outpost_wallet_core::WalletError::AlreadyPaid { .. }), "{err}");
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(9_700), "charged once");
}

#[test]
fn a_double_spend_keeps_both_transfers_as_evidence_and_credits_only_the_first() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    // The cheat: copy the wallet file, pay, restore the copy, pay again from the same funds.
    let path = f.path("aiko.wallet");
    drop(aiko);
    let copy = std::fs::read(&path).unwrap();
    let aiko = f.open_unlocked(&path);
    let first = aiko.pay_contact(&ben.public_identity(), yen(6_000), "first").unwrap();
    drop(aiko);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::write(&path, copy).unwrap();
    let aiko = f.open_unlocked(&path);
    assert_eq!(aiko.balances().unwrap().offline_purse, yen(10_000), "the restored copy forgot the spend");
    let second = aiko.pay_contact(&ben.public_identity(), yen(9_000), "second").unwrap();

    ben.accept(&first.qr_text).unwrap();
    let err = ben.accept(&second.qr_text).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(&err, outpost_wallet_core::WalletError::DoubleSpend { member_id, seq: 1, .. } if member_id == "AIKO-0001"),
        "{err}"
    );
    assert!(message.contains("double spend"), "{message}");
    assert_eq!(ben.balances().unwrap().pending_incoming, yen(6_000), "the second is not credited");
    let history = ben.history(None, 10).unwrap();
    let statuses: Vec<_> = history.iter().map(|h| h.status).collect();
    assert_eq!(statuses, [TransferStatus::DoubleSpendEvidence, TransferStatus::PendingSettlement]);
    assert!(ben.events(None, 1).unwrap()[0].detail.contains("double spend"));
    // Scanning the evidence again reports it again and credits nothing.
    assert!(matches!(ben.accept(&second.qr_text), Err(outpost_wallet_core::WalletError::DoubleSpend { .. })));
    assert_eq!(ben.balances().unwrap().pending_incoming, yen(6_000));
    ben.verify_log().unwrap();
}

#[test]
fn every_operation_appends_to_the_event_log() {
    use outpost_wallet_core::EventKind;
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    ben.add_contact("Aiko", aiko.public_identity()).unwrap();
    let request = ben.create_request(Some(yen(100)), "tea", 600).unwrap();
    let paid = aiko.pay_request(&request.qr_text, None, "").unwrap();
    let accepted = ben.accept(&paid.qr_text).unwrap();
    aiko.confirm_receipt(&accepted.receipt_qr).unwrap();

    let kinds = |w: &outpost_wallet_core::Wallet| -> Vec<EventKind> {
        let mut k: Vec<_> = w.events(None, 50).unwrap().into_iter().map(|e| e.kind).collect();
        k.reverse();
        k
    };
    use EventKind::*;
    assert_eq!(kinds(&aiko), [WalletCreated, LedgerPinned, PurseInstalled, TransferSent, ReceiptConfirmed]);
    assert_eq!(kinds(&ben), [WalletCreated, LedgerPinned, ContactAdded, RequestCreated, TransferReceived]);
}

#[test]
fn history_pages_walk_back_from_the_newest() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 100_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    for i in 1..=7 {
        aiko.pay_contact(&ben.public_identity(), yen(i), &format!("#{i}")).unwrap();
    }
    let first = aiko.history(None, 3).unwrap();
    let second = aiko.history(Some(first[2].position), 3).unwrap();
    let third = aiko.history(Some(second[2].position), 3).unwrap();
    let memos: Vec<_> = [first, second, third].concat().into_iter().map(|h| h.memo).collect();
    assert_eq!(memos, ["#7", "#6", "#5", "#4", "#3", "#2", "#1"]);
}

#[test]
fn a_contact_is_named_in_the_history_of_payments_to_it() {
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);
    aiko.add_contact("Ben (stores)", ben.public_identity()).unwrap();
    assert_eq!(aiko.contacts().unwrap()[0].label, "Ben (stores)");
    aiko.pay_contact(&ben.public_identity(), yen(10), "").unwrap();
    assert_eq!(aiko.history(None, 1).unwrap()[0].counterparty_label, "Ben (stores)");
}

#[test]
fn every_message_type_survives_being_drawn_and_scanned_as_a_picture() {
    use common::photograph_and_scan;
    use outpost_wallet_core::Clock;
    use outpost_wallet_core::protocol::{EnrolmentRequest, PurseCertificate};
    use outpost_wallet_core::qr::{self, PayloadKind};
    let f = Fixture::new();
    let ledger = TestLedger::new();
    let aiko = f.member(&ledger, "aiko.wallet", "AIKO-0001", 10_000);
    let ben = f.member(&ledger, "ben.wallet", "BEN-0002", 0);

    // Enrolment request and purse certificate: the scanned text decodes to the same message.
    let (enrolment, enrolment_qr) = aiko.enrolment_request("AIKO-0001").unwrap();
    let scanned = photograph_and_scan(&enrolment_qr);
    let back = EnrolmentRequest::from_bytes(&qr::expect(&scanned, PayloadKind::Enrolment).unwrap()).unwrap();
    assert_eq!((back.id(), back.identity), (enrolment.id(), aiko.public_identity()));
    back.verify().unwrap();
    let certificate =
        ledger.certificate(ben.public_identity().signing_key, "BEN-0002", 5_000, f.clock.now_unix());
    let certificate_qr = qr::encode(PayloadKind::PurseCertificate, &certificate.to_bytes());
    let scanned = photograph_and_scan(&certificate_qr);
    let back =
        PurseCertificate::from_bytes(&qr::expect(&scanned, PayloadKind::PurseCertificate).unwrap()).unwrap();
    assert_eq!(back, certificate);
    assert!(ben.install_purse(&back).unwrap(), "the scanned certificate installs");

    // The handshake, every message crossing as a picture.
    let request = ben.create_request(Some(yen(1_200)), "boots", 600).unwrap();
    let payment = aiko.pay_request(&photograph_and_scan(&request.qr_text), None, "").unwrap();
    let scanned_transfer = photograph_and_scan(&payment.qr_text);
    assert_eq!(scanned_transfer, payment.qr_text);
    let accepted = ben.accept(&scanned_transfer).unwrap();
    assert_eq!((accepted.transfer_id, accepted.amount), (payment.transfer_id, yen(1_200)));
    let confirmed = aiko.confirm_receipt(&photograph_and_scan(&accepted.receipt_qr)).unwrap();
    assert_eq!(confirmed.transfer_id, payment.transfer_id);
    assert_eq!(aiko.history(None, 1).unwrap()[0].status, TransferStatus::Delivered);
}
