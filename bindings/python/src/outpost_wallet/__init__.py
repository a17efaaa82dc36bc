"""Outpost's wallet core for Python.

Everything is re-exported from the module uniffi generates (``outpost_ffi``, written by
``bindings/generate.sh`` next to the native library). The only addition: ``str()`` of an Outpost
error is its readable ``reason`` ("PIN incorrect, 2 tries left before a 1-minute delay"), where
uniffi's default would list every field. The fields stay readable as attributes
(``e.tries_left``).

Blocking calls (``Wallet.create``, ``unlock``, ``change_pin``, ``sync``) run Argon2id or network
round trips: in an asyncio program call them through ``asyncio.to_thread``. Callbacks the app
implements (``KeyProtector``, ``SyncTransport``, ``LogSink``) must never call back into the
wallet.
"""

from . import outpost_ffi as _ffi
from .outpost_ffi import *  # noqa: F401,F403  (the generated API is this package's API)


def _reason(self):
    return self.reason


def _readable_errors(base):
    for name in dir(base):
        variant = getattr(base, name)
        if isinstance(variant, type) and issubclass(variant, base) and variant is not base:
            variant.__str__ = _reason


for _error in (_ffi.WalletError, _ffi.KeyProtectorError, _ffi.SyncTransportError, _ffi.LogSinkError):
    _readable_errors(_error)

__all__ = list(_ffi.__all__)
