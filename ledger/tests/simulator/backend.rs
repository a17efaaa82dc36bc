//! The two ways the simulator reaches the real ledger: its public Rust API in this process, with
//! a clock the simulator moves; or the real `outpost-ledger` binary over HTTP on loopback, whose
//! clock is the system's and cannot move. Both answer the same [`Observation`] after every step.
//! Both run on the suite's database (`common::database`): SQLite in a temporary directory, or a
//! fresh PostgreSQL database with `OUTPOST_LEDGER_BACKEND=postgres`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use outpost_ledger::{AuditEntry, Ledger, Policy};
use outpost_wallet_core::audit::{Account, decode_export};
use outpost_wallet_core::protocol::MessageId;
use outpost_wallet_core::{Amount, Clock, Currency};
use serde_json::json;

use crate::common::{Server, now as system_now};
use outpost_wallet_core::hex;

/// What the books look like after a step, read only through the ledger's public surface.
#[derive(Debug, Clone)]
pub struct Observation {
    pub members: BTreeMap<String, MemberView>,
    pub entries: Vec<AuditEntry>,
    /// `(member id, reason code)` of every risk flag.
    pub flags: Vec<(String, String)>,
    /// Everything credited, as the ledger counts it.
    pub credited: i64,
    /// The loss account's balance (zero or below: it only pays out).
    pub loss: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberView {
    pub balance: i64,
    pub in_purses: i64,
    pub flagged: bool,
}

pub trait Backend {
    /// The ledger's time now.
    fn now(&self) -> u64;
    /// Moves the ledger's clock; false when this backend cannot.
    fn advance(&self, secs: u64) -> bool;
    fn can_move_clock(&self) -> bool;
    fn ledger_key(&self) -> [u8; 32];
    fn enrol(&self, qr: &str) -> Result<(), String>;
    fn credit(&self, member: &str, amount: u64) -> Result<(), String>;
    fn set_purse_limit(&self, member: &str, limit: u64) -> Result<(), String>;
    fn revoke_purse(&self, purse: &MessageId) -> Result<(), String>;
    fn revoke_device(&self, member: &str) -> Result<(), String>;
    fn replace_device(&self, member: &str, qr: &str) -> Result<(), String>;
    fn sweep(&self) -> Result<(), String>;
    /// One sync: the signed response bytes, or the ledger's refusal in words.
    fn sync(&self, request: &[u8]) -> Result<Vec<u8>, String>;
    /// Runs the ledger's own invariant check (with the offline audit of its exported log) and
    /// reads the books.
    fn observe(&self) -> Result<Observation, String>;
}

/// A clock only the simulator moves.
#[derive(Debug)]
pub struct SimClock(AtomicU64);

impl Clock for SimClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub const START: u64 = 1_800_000_000;
pub const DAY: u64 = 86_400;

/// The policy of the in-process scenarios: short enough that purses expire, windows close,
/// sweeps return money and uploads come late within a scenario.
pub fn short_policy() -> Policy {
    Policy { purse_lifetime: 3 * DAY, settlement_window: 2 * DAY, ..Policy::default() }
}

pub struct InProcess {
    // Field order: the ledger closes before its directory goes.
    ledger: Ledger,
    clock: Arc<SimClock>,
    _dir: tempfile::TempDir,
}

impl InProcess {
    pub fn open() -> Result<Self, String> {
        // A RAM disk when there is one: the ledger syncs every commit to disk, and a simulation
        // commits thousands of times a second.
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::Builder::new().prefix("outpost-sim").tempdir_in(shm)
        } else {
            tempfile::Builder::new().prefix("outpost-sim").tempdir()
        }
        .map_err(|e| format!("temporary directory: {e}"))?;
        let clock = Arc::new(SimClock(AtomicU64::new(START)));
        let database = crate::common::database::test_database();
        let ledger = Ledger::open_on(dir.path(), &database, Currency::JPY, clock.clone(), short_policy())
            .map_err(|e| format!("opening the ledger on {database}: {e}"))?;
        Ok(InProcess { ledger, clock, _dir: dir })
    }
}

fn yen(minor: u64) -> Amount {
    Amount::from_minor(minor, Currency::JPY).expect("a small amount")
}

fn words<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Backend for InProcess {
    fn now(&self) -> u64 {
        self.clock.now_unix()
    }

    fn advance(&self, secs: u64) -> bool {
        self.clock.0.fetch_add(secs, Ordering::SeqCst);
        true
    }

    fn can_move_clock(&self) -> bool {
        true
    }

    fn ledger_key(&self) -> [u8; 32] {
        self.ledger.public_key()
    }

    fn enrol(&self, qr: &str) -> Result<(), String> {
        self.ledger.enrol(qr).map(drop).map_err(words("enrol"))
    }

    fn credit(&self, member: &str, amount: u64) -> Result<(), String> {
        self.ledger.credit(member, yen(amount), "simulated pay").map(drop).map_err(words("credit"))
    }

    fn set_purse_limit(&self, member: &str, limit: u64) -> Result<(), String> {
        self.ledger.set_purse_limit(member, yen(limit)).map_err(words("set_purse_limit"))
    }

    fn revoke_purse(&self, purse: &MessageId) -> Result<(), String> {
        self.ledger.revoke_purse(purse, "officer's decision").map_err(words("revoke_purse"))
    }

    fn revoke_device(&self, member: &str) -> Result<(), String> {
        self.ledger.revoke_device(member, "phone reported lost").map(drop).map_err(words("revoke_device"))
    }

    fn replace_device(&self, member: &str, qr: &str) -> Result<(), String> {
        self.ledger.replace_device(member, qr).map(drop).map_err(words("replace_device"))
    }

    fn sweep(&self) -> Result<(), String> {
        self.ledger.sweep().map(drop).map_err(words("sweep"))
    }

    fn sync(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        self.ledger.sync(request).map_err(|e| e.to_string())
    }

    fn observe(&self) -> Result<Observation, String> {
        let report = self.ledger.check_invariants().map_err(words("check_invariants"))?;
        let loss = report.balances.get(&Account::Loss).copied().unwrap_or(0);
        let entries = self.ledger.audit_entries(0, u32::MAX).map_err(words("audit_entries"))?;
        let members = self
            .ledger
            .members()
            .map_err(words("members"))?
            .into_iter()
            .map(|m| {
                let view =
                    MemberView { balance: m.balance_minor, in_purses: m.in_purses_minor, flagged: m.flagged };
                (m.member_id, view)
            })
            .collect();
        let flags = self
            .ledger
            .flags()
            .map_err(words("flags"))?
            .into_iter()
            .map(|f| (f.member_id, f.reason.code().to_owned()))
            .collect();
        let credited = self.ledger.total_credited_minor().map_err(words("total_credited_minor"))?;
        Ok(Observation { members, entries, flags, credited, loss })
    }
}

/// The real binary over HTTP, through the officer endpoints and `/v1/sync`.
pub struct Http {
    server: Server,
    key: [u8; 32],
}

impl Http {
    pub fn start() -> Self {
        let server = Server::start();
        let key = server.ledger_key();
        Http { server, key }
    }

    fn officer(
        &self,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let reply = self.server.officer(method, path, Some(body));
        if (200..300).contains(&reply.status) {
            Ok(reply.json())
        } else {
            Err(format!("{method} {path}: {} {}", reply.status, String::from_utf8_lossy(&reply.body)))
        }
    }
}

impl Backend for Http {
    fn now(&self) -> u64 {
        system_now()
    }

    fn advance(&self, _: u64) -> bool {
        false
    }

    fn can_move_clock(&self) -> bool {
        false
    }

    fn ledger_key(&self) -> [u8; 32] {
        self.key
    }

    fn enrol(&self, qr: &str) -> Result<(), String> {
        self.officer("POST", "/v1/officer/members", json!({ "enrolment_qr": qr })).map(drop)
    }

    fn credit(&self, member: &str, amount: u64) -> Result<(), String> {
        let path = format!("/v1/officer/members/{member}/credit");
        self.officer(
            "POST",
            &path,
            json!({ "amount_minor": amount, "memo": "simulated pay", "batch": "sim" }),
        )
        .map(drop)
    }

    fn set_purse_limit(&self, member: &str, limit: u64) -> Result<(), String> {
        let path = format!("/v1/officer/members/{member}/purse-limit");
        self.officer("PUT", &path, json!({ "limit_minor": limit })).map(drop)
    }

    fn revoke_purse(&self, purse: &MessageId) -> Result<(), String> {
        let path = format!("/v1/officer/purses/{}/revoke", hex::encode(purse));
        self.officer("POST", &path, json!({ "reason": "officer's decision" })).map(drop)
    }

    fn revoke_device(&self, member: &str) -> Result<(), String> {
        let path = format!("/v1/officer/members/{member}/revoke-device");
        self.officer("POST", &path, json!({ "reason": "phone reported lost" })).map(drop)
    }

    fn replace_device(&self, member: &str, qr: &str) -> Result<(), String> {
        let path = format!("/v1/officer/members/{member}/replace-device");
        self.officer("POST", &path, json!({ "enrolment_qr": qr })).map(drop)
    }

    fn sweep(&self) -> Result<(), String> {
        Ok(()) // the server sweeps on its own timer; nothing is ever due without a moving clock
    }

    fn sync(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        let reply = self.server.sync(request);
        if reply.status == 200 {
            Ok(reply.body)
        } else {
            Err(String::from_utf8_lossy(&reply.body).into_owned())
        }
    }

    fn observe(&self) -> Result<Observation, String> {
        let invariants = self.server.officer("GET", "/v1/officer/invariants", None);
        if invariants.status != 200 {
            return Err(format!("the invariants endpoint: {}", String::from_utf8_lossy(&invariants.body)));
        }
        let invariants = invariants.json();
        if invariants["balanced"] != json!(true) {
            return Err(format!("the invariants endpoint says the books do not balance: {invariants}"));
        }
        let credited = invariants["credited_minor"].as_i64().ok_or("no credited_minor")?;
        let audit = self.server.officer("GET", "/v1/officer/audit", None);
        if audit.status != 200 {
            return Err(format!("the audit export: {}", audit.status));
        }
        let (_, entries) = decode_export(&audit.body).map_err(words("the audit export"))?;
        let loss = entries
            .iter()
            .flat_map(|e| &e.moves)
            .filter(|m| m.account == Account::Loss)
            .map(|m| m.delta)
            .sum();
        let members = self.server.officer("GET", "/v1/officer/members", None).json();
        let members = members
            .as_array()
            .ok_or("the members endpoint did not answer a list")?
            .iter()
            .map(|m| {
                let view = MemberView {
                    balance: m["balance_minor"].as_i64().unwrap_or(i64::MIN),
                    in_purses: m["in_purses_minor"].as_i64().unwrap_or(i64::MIN),
                    flagged: m["flagged"].as_bool().unwrap_or(true),
                };
                (m["member_id"].as_str().unwrap_or_default().to_owned(), view)
            })
            .collect();
        let flags = self.server.officer("GET", "/v1/officer/flags", None).json();
        let flags = flags
            .as_array()
            .ok_or("the flags endpoint did not answer a list")?
            .iter()
            .map(|f| {
                (
                    f["member_id"].as_str().unwrap_or_default().to_owned(),
                    f["code"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        Ok(Observation { members, entries, flags, credited, loss })
    }
}
