//! Crash injection for the two-person rule: the ledger process is killed with SIGKILL at random
//! moments while it handles the approval that completes a credit, then started again on the same
//! files. Whatever the moment, the credit is either still pending, waiting for that approval,
//! or done exactly once with both officers' signatures as its evidence; an approval the ledger
//! answered 200 to is never lost; approving again after a restart completes a pending credit
//! once and is refused for a done one; and the books and the offline audit hold at the end.
//!
//! 50 kills by default; `OUTPOST_OFFICER_CRASH_KILLS` asks for more and `OUTPOST_CRASH_SEED`
//! replays a run (the seed is printed).
#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use common::{Server, officers, signature};
use outpost_wallet_core::audit::{EntryKind, audit_log, decode_export};
use outpost_wallet_core::officer::HEADER;
use serde_json::json;

const MEMBER: &str = "AIKO-0001";

fn balance(server: &Server) -> i64 {
    let reply = server.as_officer(&officers()[0], "GET", &format!("/v1/officer/members/{MEMBER}"), None);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    reply.json()["balance_minor"].as_i64().unwrap()
}

/// Whether `id` still waits for an approval, and how many it needs.
fn waiting(server: &Server, id: &str) -> Option<u64> {
    let pending = server.as_officer(&officers()[0], "GET", "/v1/officer/pending", None).json();
    pending
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pending_id"] == id)
        .map(|p| p["approvals_needed"].as_u64().unwrap())
}

/// The second officer's approval of `id`, sent raw so that a connection cut by the kill is an
/// answer too: `Some(status)` if the ledger answered, `None` if it died first.
fn approve_raw(address: &str, id: &str) -> Option<u16> {
    let path = format!("/v1/officer/pending/{id}/approve");
    let header = signature(&officers()[1], "POST", &path, b"");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: ledger\r\n{HEADER}: {header}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    answer.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// xorshift64*, replayable from the printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

#[test]
fn a_ledger_killed_during_the_last_approval_leaves_the_credit_pending_or_done_once() {
    let kills: u64 =
        std::env::var("OUTPOST_OFFICER_CRASH_KILLS").map_or(50, |v| v.parse().expect("a number of kills"));
    let seed: u64 = std::env::var("OUTPOST_CRASH_SEED").map_or_else(
        |_| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1,
        |v| v.parse().expect("a seed"),
    );
    println!("officer crash injection: {kills} kills, OUTPOST_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let [alice, ben] = officers();
    let mut server = Server::start_in(dir.path());
    server.enrol(MEMBER);
    let credit_path = format!("/v1/officer/members/{MEMBER}/credit");
    let make = |server: &Server, round: u64| {
        let body = json!({ "amount_minor": 1_000 + round, "memo": "pay", "batch": format!("crash-{round}") });
        let made = server.as_officer(alice, "POST", &credit_path, Some(body));
        assert_eq!(made.status, 202, "{:?}", made.json());
        made.json()["pending_id"].as_str().unwrap().to_owned()
    };

    // How long an approval takes when left alone, so kills can land anywhere in it.
    let mut longest = Duration::ZERO;
    for round in 0..3 {
        let id = make(&server, round);
        let started = Instant::now();
        assert_eq!(approve_raw(server.address(), &id), Some(200));
        longest = longest.max(started.elapsed());
    }
    let mut expected = (0..3).map(|round| 1_000 + round as i64).sum::<i64>();
    assert_eq!(balance(&server), expected);

    let (mut cut_off, mut pending_after, mut done_after) = (0, 0, 0);
    for round in 3..3 + kills {
        let id = make(&server, round);
        let amount = 1_000 + round as i64;
        let address = server.address().to_owned();
        let approval = std::thread::spawn({
            let id = id.clone();
            move || approve_raw(&address, &id)
        });
        std::thread::sleep(Duration::from_micros(rng.below(longest.mul_f64(1.5).as_micros() as u64)));
        let status = server.kill();
        assert_eq!(status.signal(), Some(9), "the ledger had stopped before the kill: {status}");
        let answered = approval.join().unwrap();
        server = Server::start_in(dir.path());

        match waiting(&server, &id) {
            Some(needed) => {
                // Not done: nothing was paid, and the ledger never said it was.
                assert_eq!(needed, 1, "the maker's request lost its place");
                assert_ne!(answered, Some(200), "an approval answered 200 was lost in the crash");
                assert_eq!(balance(&server), expected, "money moved for a credit still pending");
                pending_after += 1;
                assert_eq!(server.approve(ben, &id).status, 200);
            }
            None => {
                // Done, once: a second approval is refused and moves nothing.
                assert_eq!(balance(&server), expected + amount, "the credit was not done exactly once");
                done_after += 1;
                let again = server.approve(ben, &id);
                assert!((400..500).contains(&again.status), "{:?}", again.json());
            }
        }
        expected += amount;
        assert_eq!(balance(&server), expected);
        if answered.is_none() {
            cut_off += 1;
        }
    }
    println!("kills before the answer: {cut_off}; left pending: {pending_after}; found done: {done_after}");
    assert!(cut_off > 0, "no kill landed before the ledger answered: the test proved nothing");

    server.assert_books();
    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let report = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap();
    let credits: Vec<_> = report.officer_acts.iter().filter(|a| a.kind == EntryKind::Credited).collect();
    assert_eq!(credits.len() as u64, 3 + kills, "one Credited entry for each credit, no more");
    for credit in credits {
        let names: Vec<&str> = credit.officers.iter().map(|(_, name)| name.as_str()).collect();
        assert_eq!(names, ["Alice Sato", "Ben Okafor"]);
    }
}
