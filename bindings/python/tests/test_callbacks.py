"""The app's callbacks: an exception thrown inside one becomes a typed error, never a crash."""

import pytest

import outpost_wallet as ow
from conftest import PIN


class RaisingProtector(ow.KeyProtector):
    def __init__(self, error):
        self.error = error

    def wrap(self, plaintext):
        raise self.error

    def unwrap(self, wrapped):
        raise self.error


class XorProtector(ow.KeyProtector):
    """Not secure: a stand-in for a hardware key, to prove wrap/unwrap round-trip through Python."""

    def __init__(self):
        self.calls = 0
        self.fail_next = None

    def wrap(self, plaintext):
        self.calls += 1
        return bytes(b ^ 0x5A for b in plaintext) + b"tag"

    def unwrap(self, wrapped):
        self.calls += 1
        if self.fail_next:
            error, self.fail_next = self.fail_next, None
            raise error
        if not wrapped.endswith(b"tag"):
            raise ow.KeyProtectorError.Failed("not wrapped by this key")
        return bytes(b ^ 0x5A for b in wrapped[:-3])


def test_a_protector_written_in_python_creates_and_unlocks(tmp_path):
    protector = XorProtector()
    wallet = ow.Wallet.create(str(tmp_path / "a.wallet"), PIN, "JPY", protector)
    wallet.lock()
    wallet.unlock(PIN)
    assert wallet.is_unlocked() and protector.calls >= 2
    reopened = ow.Wallet.open(str(tmp_path / "a.wallet"), protector)
    assert not reopened.is_unlocked()
    reopened.unlock(PIN)
    assert reopened.identity() == wallet.identity()


def test_a_plain_exception_in_the_protector_is_a_typed_error(tmp_path):
    with pytest.raises(ow.WalletError.KeyProtectorFailed) as error:
        ow.Wallet.create(str(tmp_path / "a.wallet"), PIN, "JPY", RaisingProtector(RuntimeError("hardware gone")))
    assert "hardware gone" in error.value.reason
    assert not (tmp_path / "a.wallet").exists()


def test_a_cancelled_prompt_is_not_a_pin_try(tmp_path):
    protector = XorProtector()
    wallet = ow.Wallet.create(str(tmp_path / "a.wallet"), PIN, "JPY", protector)
    wallet.lock()
    protector.fail_next = ow.KeyProtectorError.Cancelled("user pressed cancel")
    with pytest.raises(ow.WalletError.KeyProtectorCancelled):
        wallet.unlock(PIN)
    protector.fail_next = ow.KeyProtectorError.Unavailable("key invalidated")
    with pytest.raises(ow.WalletError.KeyProtectorUnavailable):
        wallet.unlock(PIN)
    with pytest.raises(ow.WalletError.PinIncorrect) as wrong:
        wallet.unlock("999999")
    # Neither protector failure counted as a wrong PIN: this is the first one.
    with pytest.raises(ow.WalletError.PinIncorrect) as again:
        wallet.unlock("999998")
    assert again.value.tries_left == wrong.value.tries_left - 1
    wallet.unlock(PIN)


class RaisingTransport(ow.SyncTransport):
    def exchange(self, request):
        raise ConnectionResetError("cable cut")


class GarbageTransport(ow.SyncTransport):
    def exchange(self, request):
        return b"\x00garbage"


class RefusingTransport(ow.SyncTransport):
    def exchange(self, request):
        raise ow.SyncTransportError.Refused("ledger in maintenance", 503)


def test_transport_failures_are_typed_and_the_wallet_syncs_afterwards(ledger, enrolled_pair):
    aiko, ben, _, _, transport = enrolled_pair
    with pytest.raises(ow.WalletError.LedgerUnreachable) as error:
        ben.sync(RaisingTransport(), None)
    assert "cable cut" in error.value.reason
    with pytest.raises(ow.WalletError.LedgerRefused) as refused:
        ben.sync(RefusingTransport(), None)
    assert refused.value.status == 503 and "maintenance" in refused.value.reason
    with pytest.raises(ow.WalletError.LedgerUntrusted):
        ben.sync(GarbageTransport(), None)
    assert ben.sync(transport, None).rounds >= 1


def test_an_unreachable_ledger_through_the_built_in_transport(enrolled_pair):
    ben = enrolled_pair[1]
    with pytest.raises(ow.WalletError.LedgerUnreachable):
        ben.sync(ow.http_sync_transport("http://127.0.0.1:9", 2), None)


class Collecting(ow.LogSink):
    def __init__(self):
        self.records = []

    def log(self, record):
        self.records.append(record)


class Raising(ow.LogSink):
    def log(self, record):
        raise ValueError("sink broken")


def test_the_log_sink_sees_operations_and_errors_but_never_breaks_a_call(make_wallet):
    sink = Collecting()
    ow.set_log_sink(sink, ow.LogLevel.DEBUG)
    try:
        wallet = make_wallet("aiko")
        wallet.lock()
        with pytest.raises(ow.WalletError.PinIncorrect):
            wallet.unlock("000000")
        wallet.unlock(PIN)
        targets = [(r.level, r.target) for r in sink.records]
        assert (ow.LogLevel.INFO, "wallet.create") in targets
        assert (ow.LogLevel.WARN, "wallet.unlock") in targets
        assert (ow.LogLevel.INFO, "wallet.unlock") in targets
        assert all(PIN not in r.message for r in sink.records)

        ow.set_log_sink(Raising(), ow.LogLevel.DEBUG)
        wallet.lock()
        wallet.unlock(PIN)
        assert wallet.balances().online.minor == 0

        ow.set_log_sink(sink, ow.LogLevel.ERROR)
        before = len(sink.records)
        wallet.lock()
        wallet.unlock(PIN)
        assert len(sink.records) == before
    finally:
        ow.clear_log_sink()
