//! The real `outpost-ledger` binary in a temporary directory, spoken to over real HTTP on
//! loopback, and the wallets and signed messages the tests send it.

#![allow(dead_code)] // each test file uses a different part of this module

// Shared with `support` (a test that uses both loads it twice, the same code).
#[allow(clippy::duplicate_mod)]
#[path = "../support/database.rs"]
pub mod database;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use outpost_ledger::simulated;
use outpost_wallet_core::audit::{self, EntryKind};
use outpost_wallet_core::hex;
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::officer::{self, OfficerKey};
use outpost_wallet_core::protocol::sync::{PurseOrder, SyncRequest};
use outpost_wallet_core::protocol::{Checkpoint, EnrolmentRequest};
use outpost_wallet_core::qr::{self, PayloadKind};
use outpost_wallet_core::{
    Amount, Currency, Direction, KdfParams, Pin, SoftwareProtector, TransferStatus, Wallet, WalletOptions,
};
use serde_json::{Value, json};
use ureq::http::{Method, Request};

/// The two founding officers of every test ledger: the same keys for the whole test binary, so
/// a ledger restarted on its directory still knows them.
pub fn officers() -> &'static [OfficerKey; 2] {
    static OFFICERS: OnceLock<[OfficerKey; 2]> = OnceLock::new();
    OFFICERS.get_or_init(|| {
        [OfficerKey::generate("Alice Sato").unwrap(), OfficerKey::generate("Ben Okafor").unwrap()]
    })
}

/// The `--founding-officer` arguments for both test officers.
pub fn founding_args() -> Vec<String> {
    officers()
        .iter()
        .flat_map(|o| ["--founding-officer".to_owned(), o.enrolment_code(now()).unwrap()])
        .collect()
}

/// The header value of `officer`'s signature on `method path` with `body`, signed now.
pub fn signature(officer: &OfficerKey, method: &str, path: &str, body: &[u8]) -> String {
    officer.sign_request(method, path, body, now()).unwrap().to_header()
}

/// A running ledger server. Dropping it stops it (SIGTERM, then SIGKILL if it hangs).
pub struct Server {
    child: Child,
    pub base: String,
    agent: ureq::Agent,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    _stdout: BufReader<ChildStdout>,
    /// Whether the books are checked when the server is dropped.
    officer: bool,
    /// Removed after the server stopped (fields drop in order).
    _dir: Option<tempfile::TempDir>,
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// The `Retry-After` header, when there is one.
    pub retry_after: Option<String>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("status {}: body is not JSON ({e}): {}", self.status, String::from_utf8_lossy(&self.body))
        })
    }

    /// The `error` message of a refusal, asserted to be a JSON error body with words in it.
    pub fn error(&self) -> String {
        assert!(self.content_type.starts_with("application/json"), "{self:?}");
        let error =
            self.json()["error"].as_str().unwrap_or_else(|| panic!("no error field: {self:?}")).to_owned();
        assert!(!error.trim().is_empty(), "an empty error message");
        error
    }
}

impl Server {
    /// A new ledger in a temporary directory, founded by the two test [`officers`].
    pub fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Self::start_in(dir.path());
        server._dir = Some(dir);
        server
    }

    /// A new ledger in a temporary directory, founded by the two test [`officers`], with `args`
    /// added to the command line.
    pub fn start_with(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Self::start_in_with(dir.path(), args);
        server._dir = Some(dir);
        server
    }

    /// Starts the binary on `dir`: a new ledger founded by the two test [`officers`], or the
    /// ledger already there.
    pub fn start_in(dir: &Path) -> Server {
        Self::start_in_with(dir, &[])
    }

    /// [`Server::start_in`] with `args` added to the command line (its policy, its network).
    pub fn start_in_with(dir: &Path, args: &[&str]) -> Server {
        let exists = outpost_ledger::Ledger::exists(dir, &database::server_database(dir));
        let mut command = ledger_command(dir);
        if !exists {
            command.args(founding_args());
        }
        command.args(args);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("the ledger binary starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        let stderr_reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buffer) {
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(base) = line.trim_end().strip_prefix("listening on ") else {
            let _ = child.wait();
            let _ = stderr_reader.join();
            panic!("no listening line but {line:?}; stderr: {}", stderr.lock().unwrap());
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build();
        Server {
            child,
            base: base.to_owned(),
            agent: config.into(),
            stderr,
            stderr_reader: Some(stderr_reader),
            _stdout: stdout,
            officer: true,
            _dir: None,
        }
    }

    pub fn address(&self) -> &str {
        self.base.strip_prefix("http://").or_else(|| self.base.strip_prefix("https://")).unwrap()
    }

    /// The server process's id, to read its memory from /proc.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server logged so far.
    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Reads the logs, also after the server stopped (then all of them).
    pub fn logs_handle(&self) -> impl Fn() -> String + use<> {
        let stderr = Arc::clone(&self.stderr);
        move || stderr.lock().unwrap().clone()
    }

    /// Sends one request; `signature` is the whole `Outpost-Officer-Request` header value.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Reply {
        let mut request = Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap());
        request = request.uri(format!("{}{path}", self.base));
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        if let Some(signature) = signature {
            request = request.header(officer::HEADER, signature);
        }
        let request = request.body(body.to_vec()).unwrap();
        let mut response = self.agent.run(request).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let retry_after =
            response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
        Reply { status: response.status().as_u16(), content_type, body, retry_after }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, None, b"")
    }

    /// An officer request as the two test officers make it: signed by the first; an act that
    /// waits for approval (202) is approved by the second, and the answer is the approval's.
    /// `body` is sent as JSON when given.
    pub fn officer(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let [maker, checker] = officers();
        let reply = self.as_officer(maker, method, path, body);
        match reply.status {
            202 => self.approve(checker, reply.json()["pending_id"].as_str().unwrap()),
            _ => reply,
        }
    }

    /// One request signed by `officer`; `body` is sent as JSON when given.
    pub fn as_officer(&self, officer: &OfficerKey, method: &str, path: &str, body: Option<Value>) -> Reply {
        match body {
            Some(body) => {
                let bytes = serde_json::to_vec(&body).unwrap();
                let signature = signature(officer, method, path, &bytes);
                self.send(method, path, Some("application/json"), Some(&signature), &bytes)
            }
            None => self.send(method, path, None, Some(&signature(officer, method, path, b"")), b""),
        }
    }

    /// `officer`'s approval of the pending act `id`.
    pub fn approve(&self, officer: &OfficerKey, id: &str) -> Reply {
        self.as_officer(officer, "POST", &format!("/v1/officer/pending/{id}/approve"), None)
    }

    /// An officer request with raw body bytes declared as JSON, signed by the first officer.
    pub fn officer_raw(&self, method: &str, path: &str, body: &[u8]) -> Reply {
        let signature = signature(&officers()[0], method, path, body);
        self.send(method, path, Some("application/json"), Some(&signature), body)
    }

    pub fn sync(&self, request: &[u8]) -> Reply {
        self.send("POST", "/v1/sync", Some("application/octet-stream"), None, request)
    }

    pub fn ledger_key(&self) -> [u8; 32] {
        let reply = self.get("/v1/ledger");
        assert_eq!(reply.status, 200);
        hex::decode_array(reply.json()["public_key"].as_str().unwrap()).unwrap()
    }

    /// The current signed checkpoint, verified with the ledger's key.
    pub fn checkpoint(&self) -> Checkpoint {
        let reply = self.get("/v1/checkpoint");
        assert_eq!(reply.status, 200, "{:?}", reply);
        let json = reply.json();
        let checkpoint =
            Checkpoint::from_bytes(&hex::decode(json["signed"].as_str().unwrap()).unwrap()).unwrap();
        checkpoint.verify(&self.ledger_key()).unwrap();
        assert_eq!(json["size"].as_u64(), Some(checkpoint.size));
        assert_eq!(json["root"].as_str().unwrap(), hex::encode(&checkpoint.root));
        checkpoint
    }

    /// Enrols a fresh wallet identity for `member_id` through the officer endpoint.
    pub fn enrol(&self, member_id: &str) -> Identity {
        let identity = Identity::generate().unwrap();
        let reply = self.officer("POST", "/v1/officer/members", Some(enrolment_body(&identity, member_id)));
        assert_eq!(reply.status, 201, "{}", String::from_utf8_lossy(&reply.body));
        identity
    }

    /// Kills the process with SIGKILL, as a crash would, and waits until it is gone; the books
    /// are not checked.
    pub fn kill(mut self) -> ExitStatus {
        self.officer = false;
        let _ = self.child.kill();
        self.terminate()
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn stop(mut self) -> ExitStatus {
        self.officer = false;
        self.terminate()
    }

    /// The ledger's invariant check: accounts plus purses equal everything credited, and the
    /// whole log passes an offline audit. Run after every test that used a server.
    pub fn assert_books(&self) {
        let reply = self.officer("GET", "/v1/officer/invariants", None);
        assert_eq!(reply.status, 200, "the books do not balance: {}", String::from_utf8_lossy(&reply.body));
        assert_eq!(reply.json()["balanced"], serde_json::json!(true));
    }

    fn terminate(&mut self) -> ExitStatus {
        let status = self.wait_for_exit();
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        status
    }

    fn wait_for_exit(&mut self) -> ExitStatus {
        if let Ok(Some(status)) = self.child.try_wait() {
            return status;
        }
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.officer && !std::thread::panicking() && matches!(self.child.try_wait(), Ok(None)) {
            self.assert_books();
        }
        self.terminate();
    }
}

/// The binary, with logs at `info` whatever the test runner's environment says.
pub fn ledger_command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_outpost-ledger"));
    command.arg("--dir").arg(dir).args(["--listen", "127.0.0.1:0"]).env("OUTPOST_LOG", "info");
    command.args(database::database_args(dir));
    command
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// The officer's JSON for enrolling `identity` as `member_id`, as its wallet would show it.
pub fn enrolment_body(identity: &Identity, member_id: &str) -> Value {
    let request = EnrolmentRequest::sign(identity, member_id, now()).unwrap();
    serde_json::json!({ "enrolment_qr": qr::encode(PayloadKind::Enrolment, &request.to_bytes()) })
}

/// A real wallet in `dir` and its enrolment QR text for `member_id`.
pub fn wallet(dir: &Path, name: &str, member_id: &str) -> (Wallet, String) {
    let protector = Arc::new(SoftwareProtector::create(dir.join(format!("{name}.key"))).unwrap());
    let options = WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() };
    let pin = Pin::new("482916").unwrap();
    let wallet =
        Wallet::create(dir.join(format!("{name}.wallet")), &pin, Currency::JPY, protector, options).unwrap();
    let (_, text) = wallet.enrolment_request(member_id).unwrap();
    (wallet, text)
}

/// `count` wallets in `dir`, enrolled as `member_id(i)` and credited `credit` each through the
/// officer API, a few at a time (files and fsyncs, not under test), each pinning the ledger's
/// key. Wallet `i` is enrolled through `servers[i % n]` and credited through the next one: with
/// several processes on one database, an act lands on another process than the enrolment.
pub fn enrolled_wallets(
    dir: &Path,
    servers: &[&Server],
    count: usize,
    member_id: &(dyn Fn(usize) -> String + Sync),
    credit: u64,
) -> Vec<Wallet> {
    let ledger_key = servers[0].ledger_key();
    let per_thread = count.div_ceil(8);
    let mut wallets: Vec<Option<Wallet>> = (0..count).map(|_| None).collect();
    std::thread::scope(|scope| {
        for (chunk, slots) in wallets.chunks_mut(per_thread).enumerate() {
            scope.spawn(move || {
                for (k, slot) in slots.iter_mut().enumerate() {
                    let i = chunk * per_thread + k;
                    let (wallet, qr) = wallet(dir, &format!("w{i}"), &member_id(i));
                    let enrolling = servers[i % servers.len()];
                    let reply =
                        enrolling.officer("POST", "/v1/officer/members", Some(json!({ "enrolment_qr": qr })));
                    assert_eq!(reply.status, 201, "{reply:?}");
                    let path = format!("/v1/officer/members/{}/credit", member_id(i));
                    let body = json!({ "amount_minor": credit, "memo": "pay", "batch": "2026-11" });
                    let crediting = servers[(i + 1) % servers.len()];
                    assert_eq!(crediting.officer("POST", &path, Some(body)).status, 200);
                    wallet.pin_ledger_key(ledger_key).unwrap();
                    *slot = Some(wallet);
                }
            });
        }
    });
    wallets.into_iter().map(Option::unwrap).collect()
}

/// A signed sync request from `identity` that carries nothing but `purse_amount` (0: no order).
pub fn sync_request(
    identity: &Identity,
    request_id: [u8; 16],
    device_time: u64,
    purse_amount: u64,
) -> SyncRequest {
    let purse = (purse_amount > 0).then(|| PurseOrder { closing: Vec::new(), amount: purse_amount });
    let body = simulated::request_body(identity, request_id, device_time, Vec::new(), purse);
    SyncRequest::sign(body, identity).unwrap()
}

/// Wallet `i` of a ring of `wallets.len()`: enrolled as `member_id(i)`, credited `credit`, loaded
/// a purse of `purse`, paid wallet `i + 1` `amount(i)` offline, and synced until everything
/// settled. The load and multi-process tests build one each.
pub struct Ring<'a> {
    pub wallets: &'a [Wallet],
    pub member_id: &'a dyn Fn(usize) -> String,
    pub amount: fn(usize) -> u64,
    pub credit: u64,
    pub purse: u64,
}

/// Checks a [`Ring`] against `server`: every wallet reconciles with what it paid and was paid and
/// with the ledger's member, and the ledger's log audits offline against every wallet's
/// checkpoint, with each payment settled exactly once.
pub fn assert_ring_settled(server: &Server, ring: &Ring) {
    let yen = |n: u64| Amount::from_minor(n, Currency::JPY).unwrap();
    let count = ring.wallets.len();
    let ledger_key = server.ledger_key();
    let members: Vec<Value> =
        server.officer("GET", "/v1/officer/members", None).json().as_array().unwrap().clone();
    assert_eq!(members.len(), count);
    let mut sent_ids = HashSet::new();
    for (i, wallet) in ring.wallets.iter().enumerate() {
        let (paid, received) = ((ring.amount)(i), (ring.amount)((i + count - 1) % count));
        let balances = wallet.balances().unwrap();
        assert_eq!(balances.online, yen(ring.credit - ring.purse + received), "wallet {i}");
        assert_eq!(balances.offline_purse, yen(ring.purse - paid), "wallet {i}");
        assert!(
            balances.pending_incoming.is_zero() && balances.pending_outgoing.is_zero(),
            "wallet {i}: {balances:?}"
        );
        let member = members.iter().find(|m| m["member_id"] == json!((ring.member_id)(i))).unwrap();
        assert_eq!(member["balance_minor"], json!(ring.credit - ring.purse + received), "member {i}");
        assert_eq!(member["in_purses_minor"], json!(ring.purse - paid), "member {i}");
        let history = wallet.history(None, 10).unwrap();
        let statuses: Vec<_> = history.iter().map(|e| (e.direction, e.status)).collect();
        assert_eq!(history.len(), 2, "wallet {i}: one payment out, one in: {statuses:?}");
        for entry in &history {
            let settled = match entry.direction {
                Direction::Sent => TransferStatus::SentSettled,
                Direction::Received => TransferStatus::ReceivedSettled,
            };
            assert_eq!(entry.status, settled, "wallet {i}");
            if entry.direction == Direction::Sent {
                assert!(
                    sent_ids.insert(entry.transfer_id),
                    "wallet {i} sent a transfer another wallet also sent"
                );
            }
        }
        wallet.verify_log().unwrap();
    }

    // The ledger paid each transfer once, and its log audits against every wallet's checkpoint.
    let export = server.officer("GET", "/v1/officer/audit", None);
    assert_eq!(export.status, 200);
    let (checkpoint, entries) = audit::decode_export(&export.body).unwrap();
    let report = audit::audit_log(&entries, &checkpoint, &ledger_key).unwrap();
    assert_eq!(report.credited, (count as u64 * ring.credit) as i64);
    assert_eq!(report.accounts + report.purses, report.credited);
    let settled: Vec<_> =
        entries.iter().filter(|e| e.kind == EntryKind::Settled).map(|e| e.subject).collect();
    let distinct: HashSet<_> = settled.iter().copied().collect();
    assert_eq!((settled.len(), distinct), (count, sent_ids), "each payment settled exactly once");
    assert!(entries.iter().all(|e| e.kind != EntryKind::DoubleSpend));
    for wallet in ring.wallets {
        let held = wallet.ledger_checkpoint().unwrap().unwrap();
        audit::check_against(&entries, &held, &ledger_key).unwrap();
    }
}
