"""A wallet told at enrolment which witnesses to require refuses a sync answer they did not cosign."""

import base64
import hashlib

import pytest

import outpost_wallet as ow


def witness_key(name, public_key):
    """A C2SP cosignature v1 verifier key, as `outpost witness` prints it."""
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + public_key).digest()[:4]
    encoded = base64.b64encode(b"\x04" + public_key).decode()
    return f"{name}+{key_id.hex()}+{encoded}"


def test_pinned_witnesses_are_kept_and_read_back(make_wallet):
    wallet = make_wallet("aiko")
    assert wallet.pinned_witness_keys() == []
    assert wallet.witness_threshold() == 0
    keys = [witness_key("w1.example", bytes([1]) * 32), witness_key("w2.example", bytes([2]) * 32)]
    wallet.pin_witnesses(keys, 2)
    assert wallet.pinned_witness_keys() == keys
    assert wallet.witness_threshold() == 2


@pytest.mark.parametrize(
    "keys, threshold",
    [([], 1), (["not a key"], 1), ([witness_key("w1.example", bytes(32))], 2)],
    ids=["none", "malformed", "threshold-above-keys"],
)
def test_witness_policies_that_cannot_work_are_refused(make_wallet, keys, threshold):
    wallet = make_wallet("aiko")
    with pytest.raises(ow.WalletError.BadMessage) as error:
        wallet.pin_witnesses(keys, threshold)
    assert "witness" in error.value.reason
    assert wallet.witness_threshold() == 0


def test_a_sync_answer_no_pinned_witness_cosigned_is_refused_and_nothing_applied(enrolled_pair):
    aiko, _, _, _, transport = enrolled_pair
    held = aiko.ledger_checkpoint()
    # The test ledger runs without witnesses: its answers carry no witnessed checkpoint.
    aiko.pin_witnesses([witness_key("w1.example", bytes([7]) * 32)], 1)
    with pytest.raises(ow.WalletError.LedgerNotWitnessed) as error:
        aiko.sync(transport, None)
    assert "witness" in error.value.reason
    assert aiko.ledger_checkpoint() == held
