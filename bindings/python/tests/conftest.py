"""Fixtures for the Python binding tests: a real ledger process on loopback, and wallets.

The ledger is the workspace's own `outpost-ledger` binary (built by the test command; the path
can be given in OUTPOST_LEDGER_BIN). Its officer API is driven over HTTP exactly as an
officer's tool would.
"""

import json
import os
import pathlib
import secrets
import subprocess
import urllib.error
import urllib.request

import pytest

import outpost_wallet as ow

ROOT = pathlib.Path(__file__).resolve().parents[3]
PIN = "482916"


class Ledger:
    def __init__(self, directory):
        binary = os.environ.get("OUTPOST_LEDGER_BIN", str(ROOT / "target" / "debug" / "outpost-ledger"))
        if not os.path.exists(binary):
            raise RuntimeError(f"no ledger binary at {binary}: run `cargo build -p outpost-ledger` first")
        self.token = secrets.token_hex(16)
        env = dict(os.environ, OUTPOST_ADMIN_TOKEN=self.token, OUTPOST_LOG="warn")
        self.process = subprocess.Popen(
            [binary, "--dir", str(directory), "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.process.kill()
            raise RuntimeError(f"the ledger did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self.public_key = self.get_json("/v1/ledger")["public_key"]

    def request(self, method, path, body=None, officer=False):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if officer:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.read()

    def get_json(self, path, officer=False):
        return json.loads(self.request("GET", path, officer=officer))

    def enrol(self, wallet, member_id):
        qr = wallet.enrolment_qr(member_id)
        self.request("POST", "/v1/officer/members", {"enrolment_qr": qr}, officer=True)
        wallet.pin_ledger_key(self.public_key)

    def credit(self, member_id, amount_minor):
        self.request(
            "POST", f"/v1/officer/members/{member_id}/credit", {"amount_minor": amount_minor, "memo": "pay"}, officer=True
        )

    def member(self, member_id):
        return self.get_json(f"/v1/officer/members/{member_id}", officer=True)

    def audit_export(self):
        return self.request("GET", "/v1/officer/audit", officer=True)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class HttpTransport(ow.SyncTransport):
    """The app-side transport, written in Python with urllib, as an app would bring its own."""

    def __init__(self, url):
        self.url = url

    def exchange(self, request):
        req = urllib.request.Request(
            self.url + "/v1/sync", data=bytes(request), headers={"Content-Type": "application/octet-stream"}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            raise ow.SyncTransportError.Refused(e.read().decode(errors="replace"), e.code)
        except OSError as e:
            raise ow.SyncTransportError.Unreachable(str(e))


@pytest.fixture(scope="session")
def ledger(tmp_path_factory):
    ledger = Ledger(tmp_path_factory.mktemp("ledger"))
    yield ledger
    ledger.stop()


@pytest.fixture
def make_wallet(tmp_path):
    """Makes a wallet on this test's own directory and device key."""
    protector = ow.software_key_protector(str(tmp_path / "device.key"))

    def make(name, pin=PIN):
        return ow.Wallet.create(str(tmp_path / f"{name}.wallet"), pin, "JPY", protector)

    make.protector = protector
    make.dir = tmp_path
    return make


@pytest.fixture
def enrolled_pair(ledger, make_wallet):
    """Aiko with a 10,000 purse loaded from 20,000 credited, and Ben, both enrolled."""
    suffix = secrets.token_hex(3).upper()
    aiko, ben = make_wallet("aiko"), make_wallet("ben")
    aiko_id, ben_id = f"AIKO-{suffix}", f"BEN-{suffix}"
    ledger.enrol(aiko, aiko_id)
    ledger.enrol(ben, ben_id)
    ledger.credit(aiko_id, 20_000)
    transport = HttpTransport(ledger.url)
    aiko.sync(transport, 10_000)
    return aiko, ben, aiko_id, ben_id, transport
