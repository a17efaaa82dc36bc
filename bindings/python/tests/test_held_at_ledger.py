"""Money the phone cannot pay with but the ledger still holds for the member.

A cheat restores a copy of their wallet from before they paid and spends the same purse again.
The shop's phone keeps both transfers as evidence; at its sync the ledger revokes the purse.
The cheat's phone then shows the purse's remainder as held at the ledger, with why and when it
comes back, and the ledger counts the same amount.
"""

import gc
import secrets
import shutil

import pytest

import outpost_wallet as ow
from conftest import PIN, HttpTransport


def pay(payer, payee, amount_minor, memo):
    request = payee.create_request(amount_minor, memo, 600)
    return payer.pay_request(request.qr_text, None, "")


def test_a_revoked_purse_remainder_is_shown_as_held_with_why_and_when(ledger, make_wallet):
    suffix = secrets.token_hex(3).upper()
    cheat_id, shop_id = f"CHEAT-{suffix}", f"SHOP-{suffix}"
    transport = HttpTransport(ledger.url)
    cheat, shop = make_wallet("cheat"), make_wallet("shop")
    ledger.enrol(cheat, cheat_id)
    ledger.enrol(shop, shop_id)
    ledger.credit(cheat_id, 20_000)
    assert cheat.sync(transport, 10_000).new_purse.minor == 10_000
    assert cheat.held_at_ledger() == []

    # Closed, the wallet is all in its one file (SQLite folds its write-ahead log back in).
    path = make_wallet.dir / "cheat.wallet"
    del cheat
    gc.collect()
    shutil.copy(path, make_wallet.dir / "copy.wallet")
    cheat = ow.Wallet.open(str(path), make_wallet.protector)
    cheat.unlock(PIN)
    copy = ow.Wallet.open(str(make_wallet.dir / "copy.wallet"), make_wallet.protector)
    copy.unlock(PIN)

    assert shop.accept(pay(cheat, shop, 3_000, "first").qr_text).amount.minor == 3_000
    with pytest.raises(ow.WalletError.DoubleSpend):
        shop.accept(pay(copy, shop, 9_000, "again").qr_text)

    cheat.sync(transport, None)
    shop.sync(transport, None)  # uploads the evidence: the ledger revokes the purse
    cheat.sync(transport, None)

    assert cheat.balances().offline_purse.minor == 0
    [held] = cheat.held_at_ledger()
    assert held.amount == ow.Money(minor=7_000, currency="JPY", text="¥7,000")
    assert held.reason == ow.HeldReason.REVOKED
    assert held.reason_text == "the purse was revoked by the ledger"
    [purse] = ledger.officer("GET", f"/v1/officer/members/{cheat_id}/purses")
    assert purse["state"] == "revoked"
    assert purse["outstanding_minor"] == 7_000, "the ledger holds what the phone shows"
    assert held.purse_id == purse["purse_id"]
    assert held.expires_at == purse["expires_at"]
    assert held.text.startswith("¥7,000 is held at the ledger, since the purse was revoked by the ledger")
    assert "comes back to your online account" in held.text
