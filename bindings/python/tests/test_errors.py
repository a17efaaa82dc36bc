"""Every refusal arrives as a typed exception with its readable reason and its fields."""

import pytest

import outpost_wallet as ow
from conftest import PIN


def test_wrong_pin_counts_down_with_readable_text(make_wallet):
    wallet = make_wallet("aiko")
    wallet.lock()
    with pytest.raises(ow.WalletError.PinIncorrect) as first:
        wallet.unlock("000000")
    with pytest.raises(ow.WalletError.PinIncorrect) as second:
        wallet.unlock("000001")
    assert first.value.reason.startswith("PIN incorrect")
    assert str(first.value) == first.value.reason
    assert second.value.tries_left == first.value.tries_left - 1
    assert second.value.tries_before_delay == first.value.tries_before_delay - 1
    wallet.unlock(PIN)
    assert wallet.is_unlocked()


def test_a_locked_wallet_refuses_to_show_balances(make_wallet):
    wallet = make_wallet("aiko")
    wallet.lock()
    with pytest.raises(ow.WalletError.Locked) as error:
        wallet.balances()
    assert "unlock" in str(error.value)


def test_a_short_pin_is_refused_at_creation(make_wallet):
    with pytest.raises(ow.WalletError.InvalidPin):
        make_wallet("aiko", pin="12")


def test_an_unknown_currency_is_a_bad_amount(make_wallet):
    with pytest.raises(ow.WalletError.BadAmount):
        ow.Wallet.create(str(make_wallet.dir / "x.wallet"), PIN, "XYZ", make_wallet.protector)


def test_creating_over_an_existing_file_is_refused(make_wallet):
    make_wallet("aiko")
    with pytest.raises(ow.WalletError.Storage) as error:
        make_wallet("aiko")
    assert "was not overwritten" in error.value.reason


@pytest.mark.parametrize(
    "text",
    ["", "hello", "OP1T:", "OP1X:ABC", "op1t:abc", "OP1T:" + "A" * 5000],
    ids=["empty", "not-outpost", "truncated", "unknown-kind", "lowercase", "oversized"],
)
def test_bad_qr_text_says_what_is_wrong(enrolled_pair, text):
    wallet = enrolled_pair[1]
    # An empty transfer after a valid header is read as a truncated envelope.
    with pytest.raises((ow.WalletError.BadQr, ow.WalletError.BadMessage)) as error:
        wallet.accept(text)
    assert error.value.reason


def test_a_request_scanned_as_a_transfer_is_the_wrong_kind(make_wallet):
    ben = make_wallet("ben")
    request = ben.create_request(100, "", 600)
    with pytest.raises(ow.WalletError.BadQr) as error:
        ben.accept(request.qr_text)
    assert "payment request" in error.value.reason


def test_a_tampered_transfer_is_refused_and_changes_nothing(enrolled_pair):
    aiko, ben, _, _, _ = enrolled_pair
    payment = aiko.pay_request(ben.create_request(1_000, "", 600).qr_text, None, "")
    text = payment.qr_text
    flipped = text[:-3] + ("A" if text[-3] != "A" else "B") + text[-2:]
    with pytest.raises((ow.WalletError.BadQr, ow.WalletError.BadMessage)):
        ben.accept(flipped)
    assert ben.balances().pending_incoming.minor == 0
    assert ben.accept(text).amount.minor == 1_000


def test_paying_the_same_request_twice_names_the_first_transfer(enrolled_pair):
    aiko, ben, _, _, _ = enrolled_pair
    request = ben.create_request(1_000, "", 600)
    first = aiko.pay_request(request.qr_text, None, "")
    with pytest.raises(ow.WalletError.AlreadyPaid) as error:
        aiko.pay_request(request.qr_text, None, "")
    assert error.value.transfer_id == first.transfer_id
    assert aiko.show_transfer(first.transfer_id).startswith("OP1T:")


def test_paying_more_than_the_purse_gives_the_amounts(enrolled_pair):
    aiko, ben, _, _, _ = enrolled_pair
    with pytest.raises(ow.WalletError.InsufficientPurse) as error:
        aiko.pay_request(ben.create_request(50_000, "", 600).qr_text, None, "")
    assert error.value.remaining_minor == 10_000 and error.value.asked_minor == 50_000


def test_paying_without_a_purse_says_to_sync(make_wallet):
    aiko, ben = make_wallet("aiko"), make_wallet("ben")
    with pytest.raises((ow.WalletError.NotEnrolled, ow.WalletError.NoPurse)) as error:
        aiko.pay_request(ben.create_request(100, "", 600).qr_text, None, "")
    assert error.value.reason


def test_a_transfer_for_someone_else_is_refused(ledger, enrolled_pair, make_wallet):
    aiko, ben, _, ben_id, _ = enrolled_pair
    payment = aiko.pay_request(ben.create_request(100, "", 600).qr_text, None, "")
    stranger = make_wallet("carol")
    ledger.enrol(stranger, ben_id.replace("BEN", "CAROL"))
    with pytest.raises((ow.WalletError.Refused, ow.WalletError.BadMessage)) as error:
        stranger.accept(payment.qr_text)
    assert error.value.reason


def test_a_bad_ledger_key_is_refused(make_wallet):
    wallet = make_wallet("aiko")
    with pytest.raises(ow.WalletError.BadMessage):
        wallet.pin_ledger_key("not hex")
    wallet.pin_ledger_key("11" * 32)
    with pytest.raises(ow.WalletError.LedgerKeyMismatch):
        wallet.pin_ledger_key("22" * 32)
    assert wallet.ledger_key() == "11" * 32


def test_amounts_parse_and_format_in_the_wallets_currency(make_wallet):
    wallet = make_wallet("aiko")
    assert wallet.parse_amount("12,300") == 12_300
    assert wallet.format_amount(12_300).text == "¥12,300"
    with pytest.raises(ow.WalletError.BadAmount):
        wallet.parse_amount("12.5")
