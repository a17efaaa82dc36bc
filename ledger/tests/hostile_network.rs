//! The real `outpost-ledger` binary against clients that mean it harm, over real TCP on loopback:
//! connections stalled mid-header, bodies dripped a byte at a time or held one byte short of the
//! limit, one member syncing in a tight loop, one address hammering the officer endpoints, and
//! every malformed request the framework used to answer in its own words. Each attack is kept
//! here as a test; each asserts that other clients are still served and that refusals are the
//! API's JSON error.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Server, now, sync_request};
use outpost_wallet_core::protocol::sync::MAX_SYNC_BYTES;

/// The server's resident memory, from /proc.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Reads what the server sends until it closes the connection, waiting at most `limit`.
/// `None` if the connection was still open when the time ran out.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(answer),
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return None;
            }
            // Reset by the server: closed too.
            Err(_) => return Some(answer),
        }
    }
}

/// One request written raw, for what no well-behaved client library would send.
fn raw(server: &Server, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.address()).unwrap();
    stream.write_all(request).unwrap();
    let answer =
        read_until_closed(&mut stream, Duration::from_secs(10)).expect("the server answers and closes");
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn stalled_headers_and_dripping_bodies_do_not_starve_other_clients_and_are_closed() {
    let server = Server::start_with(&["--header-timeout", "2", "--body-timeout", "2"]);
    let mut stalled_heads: Vec<TcpStream> = (0..80)
        .map(|_| {
            let mut stream = TcpStream::connect(server.address()).unwrap();
            stream.write_all(b"GET /v1/ledger HTTP/1.1\r\nHost: ledger\r\nX-Never-Ends: ").unwrap();
            stream
        })
        .collect();
    let mut dripping: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut stream = TcpStream::connect(server.address()).unwrap();
            stream
                .write_all(
                    b"POST /v1/sync HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/octet-stream\r\n\
                      Content-Length: 1000\r\n\r\nab",
                )
                .unwrap();
            stream
        })
        .collect();

    // Liveness, not speed: with a hundred connections stalled, another client is still answered.
    let started = Instant::now();
    let reply = server.get("/v1/ledger");
    assert_eq!(reply.status, 200);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(1), "another client waited {waited:?}");

    // The header timeout (2 s) closes every stalled head; a margin for a loaded machine.
    for stream in &mut stalled_heads {
        assert!(read_until_closed(stream, Duration::from_secs(8)).is_some(), "a stalled head was left open");
    }
    // The body timeout answers each dripping body with 408 and closes the connection.
    for stream in &mut dripping {
        let answer =
            read_until_closed(stream, Duration::from_secs(8)).expect("a dripping body was left open");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("did not arrive within 2 s"), "{answer}");
    }
}

#[test]
fn bodies_held_one_byte_short_of_the_limit_hold_bounded_memory() {
    let server = Server::start_with(&["--body-timeout", "30"]);
    assert_eq!(server.get("/v1/ledger").status, 200);
    let before = rss_kib(server.pid());
    let head = format!(
        "POST /v1/sync HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {MAX_SYNC_BYTES}\r\n\r\n"
    );
    let almost = vec![0x5a; MAX_SYNC_BYTES - 1];
    let held: Vec<TcpStream> = (0..300)
        .filter_map(|_| {
            let mut stream = TcpStream::connect(server.address()).ok()?;
            stream.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
            // Refused ones (over the budget or the address's rate) are closed mid-write: fine.
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&almost));
            Some(stream)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let during = rss_kib(server.pid());
    let grown_mib = during.saturating_sub(before) / 1024;
    println!("RSS {before} KiB before, {during} KiB with 300 bodies held: grew {grown_mib} MiB");
    // The budget for large bodies is 32 MiB; heads and small bodies add little at 300 connections.
    assert!(grown_mib < 64, "memory grew by {grown_mib} MiB");
    let started = Instant::now();
    assert_eq!(server.get("/v1/ledger").status, 200);
    assert!(started.elapsed() < Duration::from_secs(1));
    drop(held);
}

#[test]
fn a_burst_of_syncs_from_one_member_is_told_to_wait_and_other_members_are_not() {
    let server = Server::start();
    let aiko = server.enrol("AIKO-0001");
    let ben = server.enrol("BEN-0002");
    let mut refused = None;
    for i in 0..60u8 {
        let reply = server.sync(&sync_request(&aiko, [i; 16], now(), 0).to_bytes());
        if reply.status == 429 {
            refused = Some(reply);
            break;
        }
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    }
    let refused = refused.expect("a burst of 60 syncs from one wallet is slowed");
    let wait: u64 = refused.retry_after.as_deref().expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    let error = refused.error();
    assert!(error.contains("too many syncs from this wallet"), "{error}");
    assert!(error.contains(&format!("wait {wait} s")), "{error}");

    let reply = server.sync(&sync_request(&ben, [1; 16], now(), 0).to_bytes());
    assert_eq!(reply.status, 200, "another member syncs as usual");
}

#[test]
fn a_stranger_cannot_spend_a_members_sync_allowance() {
    let server = Server::start();
    let aiko = server.enrol("AIKO-0001");
    // Requests naming Aiko's key with a signature that does not verify are refused as forged,
    // and not counted against her.
    for i in 0..30u8 {
        let mut forged = sync_request(&aiko, [i; 16], now(), 0).to_bytes();
        *forged.last_mut().unwrap() ^= 1;
        let reply = server.sync(&forged);
        assert_eq!(reply.status, 401, "{}", String::from_utf8_lossy(&reply.body));
    }
    let reply = server.sync(&sync_request(&aiko, [99; 16], now(), 0).to_bytes());
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
}

#[test]
fn one_address_hammering_officer_endpoints_is_told_to_wait() {
    let server = Server::start();
    let mut refused = None;
    for _ in 0..2000 {
        let reply = server.send("GET", "/v1/officer/flags", None, Some("not-a-signed-request"), b"");
        if reply.status == 429 {
            refused = Some(reply);
            break;
        }
        assert_eq!(reply.status, 401);
    }
    let refused = refused.expect("2000 officer requests in a burst are slowed");
    assert!(refused.retry_after.is_some());
    assert!(refused.error().contains("too many officer requests from this address"));
    // Public reads are not officer requests.
    assert_eq!(server.get("/v1/ledger").status, 200);
    server.stop();
}

#[test]
fn every_refusal_is_a_json_error_that_says_what_to_change() {
    let server = Server::start();
    let sign =
        |method: &str, path: &str, body: &[u8]| common::signature(&common::officers()[0], method, path, body);
    let cases: Vec<(u16, common::Reply, &str)> = vec![
        (404, server.get("/v2/nothing"), "no endpoint GET /v2/nothing"),
        (405, server.send("DELETE", "/v1/ledger", None, None, b""), "does not accept DELETE"),
        (415, server.send("POST", "/v1/sync", Some("text/plain"), None, b"x"), "application/octet-stream"),
        (
            415,
            server.send(
                "POST",
                "/v1/officer/members",
                Some("text/plain"),
                Some(&sign("POST", "/v1/officer/members", b"{}")),
                b"{}",
            ),
            "the Content-Type header application/json",
        ),
        (
            400,
            server.send(
                "POST",
                "/v1/officer/members",
                Some("application/json"),
                Some(&sign("POST", "/v1/officer/members", b"{\"enrol")),
                b"{\"enrol",
            ),
            "not well-formed JSON",
        ),
        (
            422,
            server.send(
                "POST",
                "/v1/officer/members",
                Some("application/json"),
                Some(&sign("POST", "/v1/officer/members", b"{\"qr\": 1}")),
                b"{\"qr\": 1}",
            ),
            "send exactly the fields it takes",
        ),
        (400, server.get("/v1/checkpoint/consistency?from=yesterday"), "the query string `from=yesterday`"),
        (400, server.get("/v1/checkpoint/consistency?size=3"), "the query string"),
        (
            400,
            server.send(
                "GET",
                "/v1/officer/members/%FF%FE",
                None,
                Some(&sign("GET", "/v1/officer/members/%FF%FE", b"")),
                b"",
            ),
            "check the id in it",
        ),
    ];
    for (status, reply, words) in cases {
        assert_eq!(reply.status, status, "{}", String::from_utf8_lossy(&reply.body));
        let error = reply.error();
        assert!(error.contains(words), "{status}: {error}");
        assert!(!error.contains("Failed to"), "framework words in {error}");
    }

    // 413 is server.rs's `an_oversized_sync_body_is_refused_with_413_without_being_read`.
    let long_uri = format!(
        "GET /v1/ledger?pad={} HTTP/1.1\r\nHost: ledger\r\nConnection: close\r\n\r\n",
        "a".repeat(9000)
    );
    let answer = raw(&server, long_uri.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 414"), "{answer}");
    assert!(answer.contains("\"error\":\"the request URI is") && answer.contains("shorten it"), "{answer}");

    let big_header = format!(
        "GET /v1/ledger HTTP/1.1\r\nHost: ledger\r\nX-Pad: {}\r\nConnection: close\r\n\r\n",
        "b".repeat(20_000)
    );
    let answer = raw(&server, big_header.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(answer.contains("send fewer or shorter headers"), "{answer}");
}

/// Heads hyper cannot parse never reach a handler: hyper answers them itself, and the ledger puts
/// its own words in place of hyper's empty answer.
#[test]
fn heads_the_parser_refuses_still_get_a_json_error_that_says_what_to_change() {
    let server = Server::start();
    let json_error = |answer: &str| -> String {
        let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
        assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
        let value: serde_json::Value = serde_json::from_str(body).expect("the body is JSON");
        value["error"].as_str().expect("an error field").to_owned()
    };

    // Far above the 64 KiB hyper buffers, so the router's own 431 cannot run. The server answers
    // before the head is all sent; what it answered is read all the same.
    let mut stream = TcpStream::connect(server.address()).unwrap();
    stream.write_all(b"GET /v1/ledger HTTP/1.1\r\nHost: ledger\r\nX-Pad: ").unwrap();
    for _ in 0..64 {
        if stream.write_all(&[b'c'; 16 * 1024]).is_err() {
            break;
        }
    }
    let answer = read_until_closed(&mut stream, Duration::from_secs(10)).expect("an answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let error = json_error(&answer);
    assert!(error.contains("65536 bytes") && error.contains("send fewer or shorter headers"), "{error}");

    // More headers than hyper keeps (100) is the same refusal.
    let many_headers: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
    let answer =
        raw(&server, format!("GET /v1/ledger HTTP/1.1\r\nHost: ledger\r\n{many_headers}\r\n").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(json_error(&answer).contains("too many headers"));

    for broken in [
        &b"GET /v1/ledger HTTP/9.9\r\nHost: ledger\r\n\r\n"[..],
        b"GET /v1/ledger HTTP/1.1\r\nNo colon here\r\n\r\n",
    ] {
        let answer = raw(&server, broken);
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(json_error(&answer).contains("check its request line"), "{answer}");
    }

    // The server is still well after them all.
    assert_eq!(server.get("/v1/ledger").status, 200);
}
