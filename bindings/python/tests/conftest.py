"""Fixtures for the Python binding tests: a real ledger process on loopback, and wallets.

The ledger is the workspace's own `outpost-ledger` binary, founded by two officers whose keys the
workspace's `outpost` command makes (both built by the test command; the paths can be given in
OUTPOST_LEDGER_BIN and OUTPOST_BIN). Every officer request goes through `outpost ledger call`,
which signs it with the officer's key exactly as an officer's tool does; an act (a credit) made
by the first officer is approved by the second, since one officer alone moves no money.
"""

import json
import os
import pathlib
import re
import secrets
import subprocess
import urllib.error
import urllib.request

import pytest

import outpost_wallet as ow

ROOT = pathlib.Path(__file__).resolve().parents[3]
PIN = "482916"


def _binary(env, name):
    path = os.environ.get(env, str(ROOT / "target" / "debug" / name))
    if not os.path.exists(path):
        raise RuntimeError(f"no {name} binary at {path}: run `cargo build -p outpost-ledger -p outpost-cli` first")
    return path


class Officer:
    """A finance officer's key file, made with `outpost officer new`, and its passphrase file."""

    def __init__(self, outpost, directory, name):
        self.outpost = outpost
        self.passphrase_file = directory / f"{name}.passphrase"
        self.passphrase_file.write_text(secrets.token_hex(16))
        self.passphrase_file.chmod(0o600)
        self.key = directory / f"{name}.officer"
        made = subprocess.run(
            [outpost, "officer", "new", "--key", str(self.key), "--name", name,
             "--passphrase-file", str(self.passphrase_file)],
            capture_output=True, text=True, check=True,
        )
        self.code = re.search(r"^enrolment code: ([0-9a-f]+)$", made.stdout, re.M).group(1)

    def call(self, url, method, path, body=None):
        """One request signed by this officer; the answer's bytes."""
        args = [self.outpost, "ledger", "call", method, path, "--ledger", url,
                "--officer-key", str(self.key), "--passphrase-file", str(self.passphrase_file)]
        if body is not None:
            args += ["--body", json.dumps(body)]
        done = subprocess.run(args, capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"{method} {path}: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout


class Ledger:
    def __init__(self, directory):
        binary = _binary("OUTPOST_LEDGER_BIN", "outpost-ledger")
        outpost = _binary("OUTPOST_BIN", "outpost")
        keys = directory / "officers"
        keys.mkdir(mode=0o700)
        self.maker = Officer(outpost, keys, "Alice Sato")
        self.checker = Officer(outpost, keys, "Ben Okafor")
        ledger_dir = directory / "ledger"
        ledger_dir.mkdir(mode=0o700)
        self.process = subprocess.Popen(
            [binary, "--dir", str(ledger_dir), "--listen", "127.0.0.1:0",
             "--founding-officer", self.maker.code, "--founding-officer", self.checker.code],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, OUTPOST_LOG="warn"),
            text=True,
        )
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.process.kill()
            raise RuntimeError(f"the ledger did not start: {line!r}")
        self.url = line.removeprefix("listening on ")
        self.public_key = self.get_json("/v1/ledger")["public_key"]

    def get_json(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return json.loads(response.read())

    def officer(self, method, path, body=None):
        """An officer request by the first officer; an act waiting for approval (it answers with
        its pending id) is approved by the second, and the answer is the approval's."""
        answer = json.loads(self.maker.call(self.url, method, path, body))
        if isinstance(answer, dict) and "pending_id" in answer:
            approve = f"/v1/officer/pending/{answer['pending_id']}/approve"
            answer = json.loads(self.checker.call(self.url, "POST", approve))
        return answer

    def enrol(self, wallet, member_id):
        qr = wallet.enrolment_qr(member_id)
        self.officer("POST", "/v1/officer/members", {"enrolment_qr": qr})
        wallet.pin_ledger_key(self.public_key)

    def credit(self, member_id, amount_minor):
        body = {"amount_minor": amount_minor, "memo": "pay", "batch": "2026-11"}
        return self.officer("POST", f"/v1/officer/members/{member_id}/credit", body)

    def member(self, member_id):
        return self.officer("GET", f"/v1/officer/members/{member_id}")

    def audit_export(self):
        return self.maker.call(self.url, "GET", "/v1/officer/audit")

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
