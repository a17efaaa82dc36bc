//! The ledger's HTTP API on the real `outpost-ledger` binary, over real HTTP on loopback: the
//! officer's work, officers' signed requests, bad input to every endpoint, sync and its replay, the public
//! checkpoint endpoints, startup refusals and graceful shutdown. Every refusal must be a JSON
//! error that says what was wrong, and must leave the audit log as it was.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{Server, enrolment_body, ledger_command, now, officers, signature, sync_request, wallet};
use outpost_wallet_core::audit::{audit_log, decode_export};
use outpost_wallet_core::hex;
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::merkle;
use outpost_wallet_core::officer::OfficerKey;
use outpost_wallet_core::protocol::Checkpoint;
use outpost_wallet_core::protocol::sync::{MAX_SYNC_BYTES, SyncResponse};
use serde_json::{Value, json};

const MEMBERS: &str = "/v1/officer/members";

fn credit(server: &Server, member_id: &str, amount_minor: u64) -> Value {
    let body = json!({ "amount_minor": amount_minor, "memo": "pay", "batch": "2026-11" });
    let reply = server.officer("POST", &format!("{MEMBERS}/{member_id}/credit"), Some(body));
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    reply.json()
}

fn member(server: &Server, member_id: &str) -> Value {
    let reply = server.officer("GET", &format!("{MEMBERS}/{member_id}"), None);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    reply.json()
}

#[test]
fn officer_enrols_credits_and_limits_members_and_the_exported_log_audits() {
    let server = Server::start();
    let wallets = tempfile::tempdir().unwrap();
    let (aiko, aiko_qr) = wallet(wallets.path(), "aiko", "AIKO-0001");
    let (ben, ben_qr) = wallet(wallets.path(), "ben", "BEN-0002");

    let reply = server.officer("POST", MEMBERS, Some(json!({ "enrolment_qr": aiko_qr })));
    assert_eq!(reply.status, 201, "{:?}", reply.json());
    let enrolled = reply.json();
    assert_eq!(enrolled["member_id"], "AIKO-0001");
    assert_eq!(enrolled["wallet_key"], hex::encode(&aiko.public_identity().signing_key));
    assert_eq!(enrolled["wallet_fingerprint"], aiko.public_identity().fingerprint());
    assert_eq!(enrolled["balance_minor"], 0);
    assert_eq!(server.officer("POST", MEMBERS, Some(json!({ "enrolment_qr": ben_qr }))).status, 201);
    let again = server.officer("POST", MEMBERS, Some(json!({ "enrolment_qr": aiko_qr })));
    assert_eq!(again.status, 409);
    assert!(again.error().contains("already enrolled"), "{}", again.error());

    assert_eq!(credit(&server, "AIKO-0001", 250_000)["balance_minor"], 250_000);
    assert_eq!(credit(&server, "AIKO-0001", 12_000)["balance_minor"], 262_000);
    assert_eq!(credit(&server, "BEN-0002", 5_000)["balance_minor"], 5_000);
    let limit = json!({ "limit_minor": 30_000 });
    let reply = server.officer("PUT", &format!("{MEMBERS}/AIKO-0001/purse-limit"), Some(limit));
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    assert_eq!(reply.json()["purse_limit_minor"], 30_000);

    let members = server.officer("GET", MEMBERS, None).json();
    let members = members.as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0]["member_id"], "AIKO-0001");
    assert_eq!(members[0]["balance_minor"], 262_000);
    assert_eq!(members[0]["purse_limit_minor"], 30_000);
    assert_eq!(members[0]["in_purses_minor"], 0);
    assert_eq!(members[0]["flagged"], false);
    assert!(members[0]["enrolled_at"].as_u64().unwrap() > 0);
    assert_eq!(members[1]["member_id"], "BEN-0002");
    assert_eq!(members[1]["wallet_key"], hex::encode(&ben.public_identity().signing_key));
    assert_eq!(members[1]["balance_minor"], 5_000);
    assert_eq!(server.officer("GET", &format!("{MEMBERS}/BEN-0002/purses"), None).json(), json!([]));
    assert_eq!(server.officer("GET", "/v1/officer/flags", None).json(), json!([]));

    let size = server.checkpoint().size;
    let invariants = server.officer("GET", "/v1/officer/invariants", None);
    assert_eq!(invariants.status, 200);
    let invariants = invariants.json();
    assert_eq!(invariants["balanced"], true);
    assert_eq!(invariants["entries"], size);
    assert_eq!(invariants["credited_minor"], 267_000);
    assert_eq!(invariants["accounts_minor"], 267_000);
    assert_eq!(invariants["purses_minor"], 0);
    assert_eq!(invariants["flagged"], json!([]));

    let export = server.officer("GET", "/v1/officer/audit", None);
    assert_eq!(export.status, 200);
    assert_eq!(export.content_type, "application/octet-stream");
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    assert_eq!(checkpoint.size, size);
    let report = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap();
    assert_eq!(report.credited, 267_000);
    assert_eq!(report.accounts, 267_000);
}

#[test]
fn a_lost_device_is_revoked_and_replaced_and_the_old_wallet_may_not_sync() {
    let server = Server::start();
    let old = server.enrol("AIKO-0001");
    credit(&server, "AIKO-0001", 10_000);
    let request = sync_request(&old, [1; 16], now(), 4_000);
    let reply = server.sync(&request.to_bytes());
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    let purse = SyncResponse::from_bytes(&reply.body).unwrap().body().purse.clone().expect("a purse");
    let purse_id = hex::encode(&purse.purse_id());
    let purses = server.officer("GET", &format!("{MEMBERS}/AIKO-0001/purses"), None).json();
    assert_eq!(purses[0]["purse_id"], purse_id.as_str());
    assert_eq!(purses[0]["state"], "open");
    assert_eq!(purses[0]["amount_minor"], 4_000);

    let reason = json!({ "reason": "phone lost" });
    let reply = server.officer("POST", &format!("{MEMBERS}/AIKO-0001/revoke-device"), Some(reason.clone()));
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    assert_eq!(reply.json()["revoked_purses"], json!([purse_id]));
    let purses = server.officer("GET", &format!("{MEMBERS}/AIKO-0001/purses"), None).json();
    assert_eq!(purses[0]["state"], "revoked");
    let again =
        server.officer("POST", &format!("/v1/officer/purses/{purse_id}/revoke"), Some(reason.clone()));
    assert_eq!(again.status, 200, "revoking twice does nothing: {:?}", again.json());
    let unknown =
        server.officer("POST", &format!("/v1/officer/purses/{}/revoke", "ab".repeat(32)), Some(reason));
    assert_eq!(unknown.status, 404);
    assert!(unknown.error().contains("no purse"), "{}", unknown.error());

    let blocked = server.sync(&sync_request(&old, [2; 16], now(), 0).to_bytes());
    assert_eq!(blocked.status, 403);
    assert!(blocked.error().contains("new enrolment"), "{}", blocked.error());

    let new = Identity::generate().unwrap();
    let path = format!("{MEMBERS}/AIKO-0001/replace-device");
    let other = server.officer("POST", &path, Some(enrolment_body(&new, "BEN-0002")));
    assert_eq!(other.status, 400);
    assert!(other.error().contains("BEN-0002"), "{}", other.error());
    let replaced = server.officer("POST", &path, Some(enrolment_body(&new, "AIKO-0001")));
    assert_eq!(replaced.status, 200, "{:?}", replaced.json());
    assert_eq!(replaced.json()["wallet_key"], hex::encode(&new.public().signing_key));
    assert_eq!(server.sync(&sync_request(&new, [3; 16], now(), 0).to_bytes()).status, 200);
}

#[test]
fn officer_endpoints_refuse_unsigned_forged_stale_replayed_and_misdirected_requests_and_change_nothing() {
    let server = Server::start();
    server.enrol("AIKO-0001");
    let before = server.checkpoint().size;
    let newcomer = Identity::generate().unwrap();
    let outsider = OfficerKey::generate("Mallory").unwrap();
    let alice = &officers()[0];
    let endpoints: Vec<(&str, String, Value)> = vec![
        ("POST", MEMBERS.into(), enrolment_body(&newcomer, "BEN-0002")),
        ("GET", MEMBERS.into(), Value::Null),
        ("GET", format!("{MEMBERS}/AIKO-0001"), Value::Null),
        (
            "POST",
            format!("{MEMBERS}/AIKO-0001/credit"),
            json!({ "amount_minor": 1_000, "memo": "pay", "batch": "2026-11" }),
        ),
        ("PUT", format!("{MEMBERS}/AIKO-0001/purse-limit"), json!({ "limit_minor": 1 })),
        ("GET", format!("{MEMBERS}/AIKO-0001/purses"), Value::Null),
        ("POST", format!("{MEMBERS}/AIKO-0001/revoke-device"), json!({ "reason": "x" })),
        ("POST", format!("{MEMBERS}/AIKO-0001/replace-device"), enrolment_body(&newcomer, "AIKO-0001")),
        ("POST", format!("/v1/officer/purses/{}/revoke", "ab".repeat(32)), json!({ "reason": "x" })),
        ("GET", "/v1/officer/flags".into(), Value::Null),
        ("GET", "/v1/officer/audit".into(), Value::Null),
        ("GET", "/v1/officer/invariants".into(), Value::Null),
        ("GET", "/v1/officer/pending".into(), Value::Null),
        ("GET", "/v1/officer/officers".into(), Value::Null),
    ];
    for (method, path, body) in &endpoints {
        let body = if body.is_null() { Vec::new() } else { serde_json::to_vec(body).unwrap() };
        let mut flipped = alice.sign_request(method, path, &body, now()).unwrap().to_bytes();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        let attempts: Vec<(Option<String>, &str)> = vec![
            (None, "header"),
            (Some("garbage".into()), "damaged"),
            (Some(signature(&outsider, method, path, &body)), "not an officer"),
            (Some(data_encoding::BASE64URL_NOPAD.encode(&flipped)), "does not verify"),
            (Some(signature(alice, method, "/v1/officer/elsewhere", &body)), "this request is"),
            (
                Some(signature(alice, if *method == "GET" { "POST" } else { "GET" }, path, &body)),
                "this request is",
            ),
            (Some(signature(alice, method, path, b"{\"other\":1}")), "body"),
            (Some(alice.sign_request(method, path, &body, now() - 600).unwrap().to_header()), "clock"),
            (Some(alice.sign_request(method, path, &body, now() + 600).unwrap().to_header()), "clock"),
        ];
        for (header, words) in attempts {
            let reply = server.send(method, path, Some("application/json"), header.as_deref(), &body);
            assert_eq!(reply.status, 401, "{method} {path} ({words})");
            assert!(reply.error().contains(words), "{method} {path}: {} (wanted {words:?})", reply.error());
        }
    }
    // A captured request replayed, also after a restart, is refused.
    let captured = signature(alice, "GET", MEMBERS, b"");
    assert_eq!(server.send("GET", MEMBERS, None, Some(&captured), b"").status, 200);
    let replayed = server.send("GET", MEMBERS, None, Some(&captured), b"");
    assert_eq!(replayed.status, 401);
    assert!(replayed.error().contains("already used"), "{}", replayed.error());

    assert_eq!(server.checkpoint().size, before, "a refused officer request changed the log");
    let members = server.officer("GET", MEMBERS, None).json();
    assert_eq!(members.as_array().unwrap().len(), 1);
    assert_eq!(members[0]["balance_minor"], 0);
}

#[test]
fn a_replayed_officer_request_is_refused_after_a_restart_too() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path());
    let captured = signature(&officers()[0], "GET", MEMBERS, b"");
    assert_eq!(server.send("GET", MEMBERS, None, Some(&captured), b"").status, 200);
    assert!(server.stop().success());
    let server = Server::start_in(dir.path());
    let replayed = server.send("GET", MEMBERS, None, Some(&captured), b"");
    assert_eq!(replayed.status, 401);
    assert!(replayed.error().contains("already used"), "{}", replayed.error());
}

/// One officer endpoint that reads JSON: each field with a good value and a mistyped one.
struct JsonEndpoint {
    method: &'static str,
    path: String,
    fields: Vec<(&'static str, Value, Value)>,
}

impl JsonEndpoint {
    fn body(&self, without: Option<&str>) -> Value {
        let fields = self.fields.iter().filter(|(name, ..)| Some(*name) != without);
        Value::Object(fields.map(|(name, good, _)| ((*name).to_owned(), good.clone())).collect())
    }
}

#[test]
fn officer_endpoints_refuse_malformed_json_with_a_reason_and_change_nothing() {
    let server = Server::start();
    server.enrol("AIKO-0001");
    let newcomer = Identity::generate().unwrap();
    let qr = |member_id| enrolment_body(&newcomer, member_id)["enrolment_qr"].clone();
    let endpoints = [
        JsonEndpoint {
            method: "POST",
            path: MEMBERS.into(),
            fields: vec![("enrolment_qr", qr("BEN-0002"), json!(7))],
        },
        JsonEndpoint {
            method: "POST",
            path: format!("{MEMBERS}/AIKO-0001/credit"),
            fields: vec![
                ("amount_minor", json!(1_000), json!("1000")),
                ("memo", json!("pay"), json!(false)),
                ("batch", json!("2026-11"), json!(11)),
            ],
        },
        JsonEndpoint {
            method: "PUT",
            path: format!("{MEMBERS}/AIKO-0001/purse-limit"),
            fields: vec![("limit_minor", json!(5_000), json!(-5))],
        },
        JsonEndpoint {
            method: "POST",
            path: format!("{MEMBERS}/AIKO-0001/revoke-device"),
            fields: vec![("reason", json!("lost"), json!(["lost"]))],
        },
        JsonEndpoint {
            method: "POST",
            path: format!("{MEMBERS}/AIKO-0001/replace-device"),
            fields: vec![("enrolment_qr", qr("AIKO-0001"), json!({ "qr": 1 }))],
        },
        JsonEndpoint {
            method: "POST",
            path: format!("/v1/officer/purses/{}/revoke", "ab".repeat(32)),
            fields: vec![("reason", json!("lost"), json!(1.5))],
        },
    ];
    let before = server.checkpoint().size;

    for endpoint in &endpoints {
        let JsonEndpoint { method, path, .. } = endpoint;
        let send = |body: &[u8]| server.officer_raw(method, path, body);
        let good = serde_json::to_string(&endpoint.body(None)).unwrap();

        for garbage in [&b"not json"[..], b"", b"\xff\xfe", b"{\"enrol", &good.as_bytes()[..good.len() - 3]] {
            let reply = send(garbage);
            assert_eq!(reply.status, 400, "{method} {path} {garbage:?}");
            assert!(reply.error().contains("JSON"), "{}", reply.error());
        }
        let reply = send(b"[]");
        assert_eq!(reply.status, 422, "{method} {path}: an array");
        for (name, _, wrong) in &endpoint.fields {
            let reply = server.officer(method, path, Some(endpoint.body(Some(name))));
            assert_eq!(reply.status, 422, "{method} {path} without {name}");
            assert!(reply.error().contains(&format!("missing field `{name}`")), "{}", reply.error());
            let mut body = endpoint.body(None);
            body[*name] = wrong.clone();
            let reply = server.officer(method, path, Some(body));
            assert_eq!(reply.status, 422, "{method} {path} with {name} = {wrong}");
            assert!(reply.error().contains(name), "{}", reply.error());
        }
        let mut body = endpoint.body(None);
        body["surprise"] = json!(1);
        let reply = server.officer(method, path, Some(body));
        assert_eq!(reply.status, 422, "{method} {path} with an unknown field");
        assert!(reply.error().contains("unknown field `surprise`"), "{}", reply.error());

        let signed = || signature(&officers()[0], method, path, good.as_bytes());
        let reply = server.send(method, path, Some("text/plain"), Some(&signed()), good.as_bytes());
        assert_eq!(reply.status, 415, "{method} {path} as text/plain");
        assert!(reply.error().contains("application/json"), "{}", reply.error());
        let reply = server.send(method, path, None, Some(&signed()), good.as_bytes());
        assert_eq!(reply.status, 415, "{method} {path} without a content type");

        let mut huge = endpoint.body(None);
        huge[endpoint.fields[0].0] = json!("a".repeat(70 * 1024));
        let reply = server.officer(method, path, Some(huge));
        assert_eq!(reply.status, 413, "{method} {path} with 70 KiB");
        assert!(reply.error().contains("65536 bytes"), "{}", reply.error());
    }

    let refusals = [
        (
            "POST",
            format!("{MEMBERS}/AIKO-0001/credit"),
            json!({ "amount_minor": 0, "memo": "", "batch": "b" }),
            400,
            "zero",
        ),
        (
            "POST",
            format!("{MEMBERS}/AIKO-0001/credit"),
            json!({ "amount_minor": u64::MAX, "memo": "", "batch": "b" }),
            400,
            "too large",
        ),
        (
            "POST",
            format!("{MEMBERS}/AIKO-0001/credit"),
            json!({ "amount_minor": 1, "memo": "m".repeat(201), "batch": "b" }),
            400,
            "memo",
        ),
        (
            "POST",
            format!("{MEMBERS}/NOBODY/credit"),
            json!({ "amount_minor": 1, "memo": "", "batch": "b" }),
            404,
            "no member NOBODY",
        ),
        ("PUT", format!("{MEMBERS}/NOBODY/purse-limit"), json!({ "limit_minor": 1 }), 404, "no member"),
        ("POST", format!("{MEMBERS}/NOBODY/revoke-device"), json!({ "reason": "x" }), 404, "no member"),
        ("POST", MEMBERS.into(), json!({ "enrolment_qr": "hello" }), 400, "Outpost code"),
        (
            "POST",
            "/v1/officer/purses/xyz/revoke".into(),
            json!({ "reason": "x" }),
            400,
            "64 hexadecimal digits",
        ),
        (
            "POST",
            format!("/v1/officer/purses/{}/revoke", "ab".repeat(31)),
            json!({ "reason": "x" }),
            400,
            "hex",
        ),
    ];
    for (method, path, body, status, words) in refusals {
        let reply = server.officer(method, &path, Some(body));
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.error());
        assert!(reply.error().contains(words), "{method} {path}: {}", reply.error());
    }
    assert!(server.officer("GET", &format!("{MEMBERS}/NOBODY/purses"), None).error().contains("no member"));

    assert_eq!(server.checkpoint().size, before, "a refused officer request changed the log");
    assert_eq!(member(&server, "AIKO-0001")["balance_minor"], 0);
}

#[test]
fn sync_refuses_malformed_forged_and_unknown_requests_and_changes_nothing() {
    let server = Server::start();
    let aiko = server.enrol("AIKO-0001");
    credit(&server, "AIKO-0001", 10_000);
    let request = sync_request(&aiko, [9; 16], now(), 4_000).to_bytes();
    let before = server.checkpoint().size;

    let mut forged = request.clone();
    *forged.last_mut().unwrap() ^= 1;
    let stranger = sync_request(&Identity::generate().unwrap(), [9; 16], now(), 0).to_bytes();
    let cases: [(&str, &[u8], u16, &str); 7] = [
        ("empty", b"", 400, "the sync request is damaged"),
        ("garbage", &[0x5a; 300], 400, "sync request"),
        ("100 KiB of garbage, within the sync limit", &[0x5a; 100 * 1024], 400, "sync request"),
        ("truncated", &request[..request.len() - 10], 400, "the sync request is damaged"),
        ("cut to the header", &request[..40], 400, "the sync request is damaged"),
        ("a flipped signature bit", &forged, 401, "not signed by the wallet"),
        ("an unenrolled wallet", &stranger, 404, "not enrolled"),
    ];
    for (what, body, status, words) in cases {
        let reply = server.sync(body);
        assert_eq!(reply.status, status, "{what}: {:?}", reply.json());
        assert!(reply.error().contains(words), "{what}: {}", reply.error());
    }
    let reply = server.send("POST", "/v1/sync", Some("application/json"), None, &request);
    assert_eq!(reply.status, 415);
    assert!(reply.error().contains("application/octet-stream"), "{}", reply.error());
    let reply = server.send("POST", "/v1/sync", None, None, &request);
    assert_eq!(reply.status, 415, "no content type");

    assert_eq!(server.checkpoint().size, before, "a refused sync changed the log");
    assert_eq!(member(&server, "AIKO-0001")["balance_minor"], 10_000);
    // The refusals did not use up the request id: the genuine request still goes through.
    assert_eq!(server.sync(&request).status, 200);
    assert_eq!(member(&server, "AIKO-0001")["balance_minor"], 6_000);
}

/// Sends the head of a POST to /v1/sync, then (when `chunked`) writes chunks until the server
/// stops reading, and returns what the server answered.
fn oversized_sync(server: &Server, chunked: bool) -> String {
    let mut stream = TcpStream::connect(server.address()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let length = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {}", MAX_SYNC_BYTES + 1)
    };
    let head = format!(
        "POST /v1/sync HTTP/1.1\r\nHost: {}\r\nContent-Type: application/octet-stream\r\n{length}\r\n\r\n",
        server.address()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let writer = chunked.then(|| {
        let mut stream = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            let chunk = [format!("{:x}\r\n", 16 * 1024).into_bytes(), vec![0u8; 16 * 1024], b"\r\n".to_vec()]
                .concat();
            // Twice the limit, unless the server closes first.
            for _ in 0..(2 * MAX_SYNC_BYTES / (16 * 1024)) {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        })
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n @ 1..) = stream.read(&mut buffer) {
        answer.extend_from_slice(&buffer[..n]);
        if answer.windows(2).any(|w| w == b"\"}") {
            break;
        }
    }
    drop(stream);
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn an_oversized_sync_body_is_refused_with_413_without_being_read() {
    let server = Server::start();
    let before = server.checkpoint().size;
    // Declared too long: refused on the head alone, before any of the body is sent.
    let answer = oversized_sync(&server, false);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(&format!("larger than the {MAX_SYNC_BYTES} bytes allowed")), "{answer}");
    // Not declared: refused once the limit is passed.
    let answer = oversized_sync(&server, true);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"error\""), "{answer}");
    assert_eq!(server.checkpoint().size, before);
}

#[test]
fn a_valid_sync_gets_a_signed_response_and_a_replay_changes_nothing() {
    let server = Server::start();
    let aiko = server.enrol("AIKO-0001");
    credit(&server, "AIKO-0001", 10_000);
    let request = sync_request(&aiko, [7; 16], now(), 4_000);

    let first = server.sync(&request.to_bytes());
    assert_eq!(first.status, 200, "{:?}", first.json());
    assert_eq!(first.content_type, "application/octet-stream");
    let response = SyncResponse::from_bytes(&first.body).unwrap();
    response.verify(&server.ledger_key(), &request.id()).unwrap();
    let body = response.body();
    assert_eq!(body.member_id, "AIKO-0001");
    assert_eq!(body.online_balance, 6_000);
    assert_eq!(body.purse.as_ref().expect("a purse").terms().amount.minor(), 4_000);
    let size = server.checkpoint().size;
    assert_eq!(body.checkpoint.size, size);

    let replay = server.sync(&request.to_bytes());
    assert_eq!(replay.status, 200);
    assert_eq!(replay.body, first.body, "a repeated request gets the stored response");
    assert_eq!(server.checkpoint().size, size, "a replay added to the log");
    assert_eq!(member(&server, "AIKO-0001")["balance_minor"], 6_000);

    let reused = sync_request(&aiko, [7; 16], now() + 1, 0);
    let reply = server.sync(&reused.to_bytes());
    assert_eq!(reply.status, 409);
    assert!(reply.error().contains("request id"), "{}", reply.error());
    assert_eq!(server.checkpoint().size, size);
}

#[test]
fn the_ledger_key_checkpoints_and_consistency_proofs_are_public_and_verify() {
    let server = Server::start();
    let info = server.get("/v1/ledger").json();
    assert_eq!(info["currency"], "JPY");
    assert_eq!(info["exponent"], 0);
    let key = server.ledger_key();
    let first = server.checkpoint();
    server.enrol("AIKO-0001");
    let middle = server.checkpoint();
    credit(&server, "AIKO-0001", 500);
    server.enrol("BEN-0002");

    for old in [&first, &middle] {
        let reply = server.get(&format!("/v1/checkpoint/consistency?from={}", old.size));
        assert_eq!(reply.status, 200, "{:?}", reply.json());
        let json = reply.json();
        let new =
            Checkpoint::from_bytes(&hex::decode(json["checkpoint"].as_str().unwrap()).unwrap()).unwrap();
        new.verify(&key).unwrap();
        assert_eq!((json["from"].as_u64(), json["to"].as_u64()), (Some(old.size), Some(new.size)));
        assert!(new.size > old.size);
        let proof: Vec<[u8; 32]> = json["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| hex::decode_array(h.as_str().unwrap()).unwrap())
            .collect();
        merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &proof).unwrap();
        new.check_extends(old, &proof).unwrap();
    }

    let size = server.checkpoint().size;
    let whole = server.get(&format!("/v1/checkpoint/consistency?from={size}")).json();
    assert_eq!(whole["proof"], json!([]));
    for query in [format!("from={}", size + 1), "from=abc".into(), "from=-1".into(), String::new()] {
        let reply = server.get(&format!("/v1/checkpoint/consistency?{query}"));
        assert_eq!(reply.status, 400, "{query}");
        assert!(reply.error().contains("from"), "{query}: {}", reply.error());
    }
}

#[test]
fn unknown_routes_and_wrong_methods_get_json_errors() {
    let server = Server::start();
    let cases = [
        ("GET", "/", false, 404),
        ("GET", "/v1/nothing-here", false, 404),
        ("GET", "/v1/officer/nothing-here", true, 404),
        ("DELETE", "/v1/ledger", false, 405),
        ("GET", "/v1/sync", false, 405),
        ("POST", "/v1/checkpoint", false, 405),
        ("DELETE", MEMBERS, true, 405),
    ];
    for (method, path, signed, status) in cases {
        let signed = signed.then(|| signature(&officers()[0], method, path, b""));
        let reply = server.send(method, path, None, signed.as_deref(), b"");
        assert_eq!(reply.status, status, "{method} {path}");
        assert!(reply.error().contains(path), "{method} {path}: {}", reply.error());
    }
}

#[test]
fn sigterm_finishes_gracefully_and_exits_0() {
    let server = Server::start();
    assert_eq!(server.get("/v1/ledger").status, 200);
    let address = server.address().to_owned();
    let logs = server.logs_handle();
    let status = server.stop();
    assert_eq!(status.code(), Some(0), "{status:?}: {}", logs());
    assert!(logs().contains("SIGTERM"), "{}", logs());
    assert!(TcpStream::connect(address).is_err(), "still listening after shutdown");
}

#[test]
fn startup_refusals_print_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let founders = common::founding_args();
    let one_founder = &founders[..2];
    let cases = [
        (ledger_command(dir.path()).output(), "at least 2 founding officers"),
        (ledger_command(dir.path()).args(one_founder).output(), "at least 2 founding officers"),
        (
            ledger_command(dir.path()).args(["--founding-officer", "zz"]).args(&founders).output(),
            "hexadecimal",
        ),
        (ledger_command(dir.path()).args(one_founder).args(one_founder).output(), "named twice"),
        (ledger_command(dir.path()).args(&founders).args(["--approvals", "1"]).output(), "at least 2"),
        (ledger_command(&missing).args(&founders).output(), "not a directory"),
        (ledger_command(dir.path()).args(["--currency", "XX"]).args(&founders).output(), "XX"),
        (ledger_command(dir.path()).args(["--listen", "nowhere"]).output(), "--listen"),
    ];
    for (output, words) in cases {
        let output = output.unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    assert!(!dir.path().join("ledger.db").exists(), "a refused founding left a ledger behind");
    let started = Server::start_in(dir.path()).stop();
    assert_eq!(started.code(), Some(0));
    let output = ledger_command(dir.path()).args(["--currency", "USD", "--exponent", "2"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("keeps JPY, not USD"));
    let output = ledger_command(dir.path()).args(&founders).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("founding officers are set once"));
}

#[test]
fn the_checkpoint_is_served_as_a_signed_note_at_the_standard_path() {
    let server = Server::start();
    server.enrol("AIKO-0001");
    let reply = server.get("/checkpoint");
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    let key = server.ledger_key();
    let text = String::from_utf8(reply.body).unwrap();
    assert!(text.starts_with(&format!("{}\n", Checkpoint::origin(&key))), "{text}");
    let checkpoint = Checkpoint::from_note(text.as_bytes()).unwrap();
    checkpoint.verify(&key).unwrap();
    let compact = server.checkpoint();
    assert_eq!((checkpoint.size, checkpoint.root), (compact.size, compact.root));
    assert_eq!(server.send("POST", "/checkpoint", None, None, b"").status, 405);
}
