"""Two wallets pay each other offline by QR text and settle with a real ledger over loopback."""

import outpost_wallet as ow
from conftest import HttpTransport


def test_offline_handshake_then_sync_settles_once(ledger, enrolled_pair):
    aiko, ben, aiko_id, ben_id, transport = enrolled_pair
    assert aiko.balances().offline_purse.minor == 10_000

    request = ben.create_request(3_000, "canteen", 600)
    assert request.qr_text.startswith("OP1R:")
    assert ow.qr_kind(request.qr_text) == ow.QrKind.PAYMENT_REQUEST

    payment = aiko.pay_request(request.qr_text, None, "")
    assert payment.amount.minor == 3_000 and payment.amount.text == "¥3,000"
    assert aiko.balances().offline_purse.minor == 7_000

    accepted = ben.accept(payment.qr_text)
    assert accepted.amount.minor == 3_000
    assert accepted.sender_member_id == aiko_id
    assert accepted.memo == "canteen"
    assert not accepted.already_accepted
    assert ben.balances().pending_incoming.minor == 3_000

    again = ben.accept(payment.qr_text)
    assert again.already_accepted and again.receipt_qr == accepted.receipt_qr
    assert ben.balances().pending_incoming.minor == 3_000

    confirmed = aiko.confirm_receipt(accepted.receipt_qr)
    assert confirmed.transfer_id == payment.transfer_id and not confirmed.already_confirmed
    assert aiko.history(None, 10)[0].status == ow.TransferStatus.DELIVERED

    report = ben.sync(transport, None)
    assert report.settled == 1
    assert ben.balances().online.minor == 3_000
    assert ben.balances().pending_incoming.minor == 0
    assert ben.history(None, 10)[0].status == ow.TransferStatus.RECEIVED_SETTLED
    assert ledger.member(ben_id)["balance_minor"] == 3_000

    aiko.sync(transport, None)
    sent = aiko.history(None, 10)[0]
    assert sent.status == ow.TransferStatus.SENT_SETTLED and sent.direction == ow.Direction.SENT
    assert sent.transfer_id == payment.transfer_id

    # A second sync settles nothing twice.
    assert ben.sync(transport, None).settled == 0
    assert ben.balances().online.minor == 3_000


def test_the_built_in_transport_syncs_too(ledger, enrolled_pair):
    aiko, ben, _, _, _ = enrolled_pair
    built_in = ow.http_sync_transport(ledger.url, 10)
    report = ben.sync(built_in, None)
    assert report.rounds >= 1
    assert ben.ledger_checkpoint().size == report.checkpoint_size


def test_audit_export_verifies_and_extends_the_wallets_checkpoint(ledger, enrolled_pair):
    aiko, _, _, _, transport = enrolled_pair
    export = ledger.audit_export()
    summary = aiko.verify_audit_export(export)
    assert summary.accounts + summary.purses == summary.credited
    assert summary.checkpoint.size >= aiko.ledger_checkpoint().size
    assert ow.verify_audit_export(export, ledger.public_key).entries == summary.entries


def test_a_tampered_audit_export_fails(ledger, enrolled_pair):
    aiko = enrolled_pair[0]
    export = bytearray(ledger.audit_export())
    export[len(export) // 2] ^= 0x01
    try:
        ow.verify_audit_export(bytes(export), ledger.public_key)
    except ow.WalletError.AuditFailed as e:
        assert e.reason
    else:
        raise AssertionError("a flipped byte passed the audit")
    try:
        aiko.verify_audit_export(bytes(export))
    except ow.WalletError.AuditFailed:
        pass
    else:
        raise AssertionError("a flipped byte passed the wallet's audit")


def test_contacts_and_paying_a_contact(enrolled_pair):
    aiko, ben, _, ben_id, _ = enrolled_pair
    contact = aiko.add_contact("Ben", ben.enrolment_qr(ben_id))
    assert contact.label == "Ben"
    assert contact.identity == ben.identity()
    assert [c.label for c in aiko.contacts()] == ["Ben"]
    payment = aiko.pay_contact(ben.identity().signing_key, 500, "tea")
    assert ben.accept(payment.qr_text).amount.minor == 500


def test_the_event_log_verifies_and_pages(enrolled_pair):
    aiko = enrolled_pair[0]
    check = aiko.verify_log()
    events = aiko.events(None, 100)
    assert check.entries == len(events)
    assert events[0].seq > events[-1].seq
    assert events[-1].kind == "WalletCreated"
