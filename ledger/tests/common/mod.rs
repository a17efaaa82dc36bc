//! The real `outpost-ledger` binary in a temporary directory, spoken to over real HTTP on
//! loopback, and the wallets and signed messages the tests send it.

#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use data_encoding::HEXLOWER;
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::officer::{self, OfficerKey};
use outpost_wallet_core::protocol::sync::{PurseOrder, SyncRequest, SyncRequestBody};
use outpost_wallet_core::protocol::{Checkpoint, EnrolmentRequest};
use outpost_wallet_core::qr::{self, PayloadKind};
use outpost_wallet_core::{Currency, KdfParams, Pin, SoftwareProtector, Wallet, WalletOptions};
use serde_json::Value;
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
        let mut command = ledger_command(dir);
        if !dir.join("ledger.db").exists() {
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
        unhex(reply.json()["public_key"].as_str().unwrap()).try_into().unwrap()
    }

    /// The current signed checkpoint, verified with the ledger's key.
    pub fn checkpoint(&self) -> Checkpoint {
        let reply = self.get("/v1/checkpoint");
        assert_eq!(reply.status, 200, "{:?}", reply);
        let json = reply.json();
        let checkpoint = Checkpoint::from_bytes(&unhex(json["signed"].as_str().unwrap())).unwrap();
        checkpoint.verify(&self.ledger_key()).unwrap();
        assert_eq!(json["size"].as_u64(), Some(checkpoint.size));
        assert_eq!(json["root"].as_str().unwrap(), HEXLOWER.encode(&checkpoint.root));
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
    command
}

pub fn hex(bytes: &[u8]) -> String {
    HEXLOWER.encode(bytes)
}

pub fn unhex(text: &str) -> Vec<u8> {
    HEXLOWER.decode(text.as_bytes()).unwrap()
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

/// A signed sync request from `identity` that carries nothing but `purse_amount` (0: no order).
pub fn sync_request(
    identity: &Identity,
    request_id: [u8; 16],
    device_time: u64,
    purse_amount: u64,
) -> SyncRequest {
    let body = SyncRequestBody {
        wallet_key: identity.public().signing_key,
        request_id,
        device_time,
        checkpoint_size: 0,
        seen_up_to: 0,
        transfers: Vec::new(),
        receipts: Vec::new(),
        evidence: Vec::new(),
        purse: (purse_amount > 0).then(|| PurseOrder { closing: Vec::new(), amount: purse_amount }),
        payments: Vec::new(),
    };
    SyncRequest::sign(body, identity).unwrap()
}
