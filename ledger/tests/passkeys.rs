//! Officers' passkeys and the web console, on the real binary over HTTP (docs/adr/0021): a
//! passkey signs for an officer only once that officer's own key linked it; its signature is
//! checked for the officer, relying party, origin, presence and counter; the two-person rule is
//! unchanged; the offline audit checks a passkey signature like an Ed25519 one; and the console
//! is served under a strict Content-Security-Policy.

mod common;
#[path = "support/insider.rs"]
mod insider;

use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use common::{Server, database, now, officers, signature};
use insider::Insider;
use outpost_wallet_core::audit::{EntryKind, audit_log, decode_export};
use outpost_wallet_core::hex;
use outpost_wallet_core::officer::authority::{OfficerFault, OfficerSet};
use outpost_wallet_core::officer::webauthn::{MAX_AUTHENTICATOR_DATA, MAX_CLIENT_DATA};
use outpost_wallet_core::officer::{
    OfficerKey, OfficerRequest, OfficerSignature, PasskeyAssertion, PasskeyLink, SignedOfficerRequest,
};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const MEMBERS: &str = "/v1/officer/members";
const RP_ID: &str = "127.0.0.1";

/// A virtual authenticator: one P-256 key and its counter.
struct Authenticator {
    key: SigningKey,
    counter: u32,
}

/// How an assertion departs from an honest one, for the attacks below.
#[derive(Clone, Copy, Default)]
struct Twist<'a> {
    origin: Option<&'a str>,
    rp_id: Option<&'a str>,
    flags: Option<u8>,
    counter: Option<u32>,
    officer: Option<[u8; 32]>,
    /// Pad the client data and the authenticator data (as extensions) to the most the decoder reads.
    padded: bool,
}

impl Authenticator {
    fn new(seed: u8) -> Self {
        Self { key: SigningKey::from_slice(&[seed; 32]).unwrap(), counter: 0 }
    }

    fn public_key(&self) -> [u8; 65] {
        self.key.verifying_key().to_sec1_point(false).as_bytes().try_into().unwrap()
    }

    fn link(&self, server: &Server) -> PasskeyLink {
        PasskeyLink {
            credential_id: self.public_key()[1..17].to_vec(),
            public_key: self.public_key(),
            rp_id: RP_ID.into(),
            origin: server.base.clone(),
        }
    }

    /// The `Outpost-Officer-Request` header of `officer`'s request, signed by this passkey as a
    /// browser would, bent by `twist`.
    fn sign(
        &mut self,
        server: &Server,
        officer: [u8; 32],
        method: &str,
        path: &str,
        body: &[u8],
        twist: Twist<'_>,
    ) -> String {
        self.counter += 1;
        let request =
            OfficerRequest::new(twist.officer.unwrap_or(officer), method, path, body, now()).unwrap();
        let challenge = request.challenge();
        let mut client_data = format!(
            r#"{{"type":"webauthn.get","challenge":"{}","origin":"{}","crossOrigin":false}}"#,
            data_encoding::BASE64URL_NOPAD.encode(&challenge),
            twist.origin.unwrap_or(&server.base)
        );
        if twist.padded {
            client_data.pop();
            let room = MAX_CLIENT_DATA - client_data.len() - r#","pad":""}"#.len();
            client_data.push_str(&format!(r#","pad":"{}"}}"#, "p".repeat(room)));
        }
        let mut authenticator_data = Sha256::digest(twist.rp_id.unwrap_or(RP_ID).as_bytes()).to_vec();
        authenticator_data.push(twist.flags.unwrap_or(if twist.padded { 0x85 } else { 0x05 }));
        authenticator_data.extend_from_slice(&twist.counter.unwrap_or(self.counter).to_be_bytes());
        if twist.padded {
            authenticator_data.resize(MAX_AUTHENTICATOR_DATA, 0xa0);
        }
        let mut signed = authenticator_data.clone();
        signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
        let signature: Signature = self.key.sign(&signed);
        SignedOfficerRequest {
            request,
            signature: OfficerSignature::WebAuthn(PasskeyAssertion {
                public_key: self.public_key(),
                authenticator_data,
                client_data_json: client_data.into_bytes(),
                signature: signature.to_der().as_bytes().to_vec(),
            }),
        }
        .to_header()
    }

    fn send(
        &mut self,
        server: &Server,
        officer: [u8; 32],
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> common::Reply {
        self.send_twisted(server, officer, method, path, body, Twist::default())
    }

    fn send_twisted(
        &mut self,
        server: &Server,
        officer: [u8; 32],
        method: &str,
        path: &str,
        body: Option<Value>,
        twist: Twist<'_>,
    ) -> common::Reply {
        let bytes = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default();
        let header = self.sign(server, officer, method, path, &bytes, twist);
        let content_type = (!bytes.is_empty()).then_some("application/json");
        server.send(method, path, content_type, Some(&header), &bytes)
    }
}

/// Links `passkey` to `officer` with the officer's own key, as `outpost officer link-passkey` does.
fn link(
    server: &Server,
    officer: &outpost_wallet_core::officer::OfficerKey,
    passkey: &Authenticator,
) -> common::Reply {
    let body = passkey.link(server).to_body();
    let header = signature(officer, "POST", "/v1/officer/passkeys", &body);
    server.send("POST", "/v1/officer/passkeys", Some("application/json"), Some(&header), &body)
}

fn credit(amount_minor: u64) -> Value {
    json!({ "amount_minor": amount_minor, "memo": "December pay", "batch": "2026-12" })
}

#[test]
fn a_credit_made_with_a_passkey_waits_for_a_second_officer_and_the_audit_checks_the_passkey() {
    let server = Server::start();
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    let mut passkey = Authenticator::new(7);
    let linked = link(&server, alice, &passkey);
    assert_eq!(linked.status, 201, "{:?}", linked.json());

    let made = passkey.send(
        &server,
        alice.public_key(),
        "POST",
        &format!("{MEMBERS}/AIKO-0001/credit"),
        Some(credit(12_300)),
    );
    assert_eq!(made.status, 202, "{:?}", made.json());
    let id = made.json()["pending_id"].as_str().unwrap().to_owned();
    let own =
        passkey.send(&server, alice.public_key(), "POST", &format!("/v1/officer/pending/{id}/approve"), None);
    assert_eq!(own.status, 403, "the maker approved their own credit with their passkey");
    let balance =
        server.as_officer(ben, "GET", &format!("{MEMBERS}/AIKO-0001"), None).json()["balance_minor"].clone();
    assert_eq!(balance, 0, "one officer's passkey moved money");
    assert_eq!(server.approve(ben, &id).status, 200);

    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let report = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap();
    let credited = report.officer_acts.iter().find(|a| a.kind == EntryKind::Credited).unwrap();
    let names: Vec<&str> = credited.officers.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["Alice Sato", "Ben Okafor"]);
    assert!(report.officer_acts.iter().any(|a| a.kind == EntryKind::PasskeyLinked));

    // An insider who deletes the link from the database cannot make the log say otherwise: the
    // audit, replaying the officer set without the link, refuses the passkey's credit.
    let mut officers_without_link = OfficerSet::new();
    let verdict: Result<Vec<_>, OfficerFault> = entries
        .iter()
        .filter(|e| e.kind != EntryKind::PasskeyLinked)
        .map(|e| officers_without_link.read(e))
        .collect();
    assert!(
        matches!(verdict, Err(OfficerFault::PasskeyNotLinked { .. })),
        "a passkey credit audited without its link: {verdict:?}"
    );
}

#[test]
fn a_passkey_slipped_into_the_database_moves_no_money_the_audit_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path());
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    // An insider with the database writes a passkey row for Alice, with no link in the log.
    let planted = Authenticator::new(9);
    Insider::of_server(dir.path()).plant_passkey(
        &planted.public_key()[..],
        &alice.public_key()[..],
        &planted.link(&server).to_body(),
    );
    let mut planted = planted;
    let made = planted.send(
        &server,
        alice.public_key(),
        "POST",
        &format!("{MEMBERS}/AIKO-0001/credit"),
        Some(credit(500)),
    );
    assert_eq!(made.status, 202, "the ledger trusts its own database");
    assert_eq!(server.approve(ben, made.json()["pending_id"].as_str().unwrap()).status, 200);
    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let refused = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap_err();
    assert!(refused.to_string().contains("not linked"), "{refused}");
    // The ledger's own invariant check, which replays the log the same way, says so too.
    let invariants = server.as_officer(alice, "GET", "/v1/officer/invariants", None);
    assert_eq!(invariants.status, 500);
    assert!(invariants.error().contains("not linked"), "{}", invariants.error());
    server.stop();
}

#[test]
fn a_passkey_signs_only_for_its_officer_at_its_origin_with_the_user_present_and_once() {
    let server = Server::start();
    let [alice, ben] = officers();
    let mut passkey = Authenticator::new(7);
    let mut stranger = Authenticator::new(8);
    assert_eq!(link(&server, alice, &passkey).status, 201);
    let (a, b) = (alice.public_key(), ben.public_key());
    let read = |p: &mut Authenticator, who, twist| p.send_twisted(&server, who, "GET", MEMBERS, None, twist);

    assert_eq!(read(&mut passkey, a, Twist::default()).status, 200);
    assert_eq!(read(&mut stranger, a, Twist::default()).status, 401, "an unlinked passkey");
    let as_ben = Twist { officer: Some(b), ..Twist::default() };
    assert_eq!(read(&mut passkey, a, as_ben).status, 401, "Alice's passkey signing as Ben");
    let phished = Twist { origin: Some("http://evil.example"), ..Twist::default() };
    let refused = read(&mut passkey, a, phished);
    assert_eq!(refused.status, 401);
    assert!(refused.error().contains("evil.example"), "{}", refused.error());
    let other_rp = Twist { rp_id: Some("evil.example"), ..Twist::default() };
    assert_eq!(read(&mut passkey, a, other_rp).status, 401, "an assertion for another relying party");
    let absent = Twist { flags: Some(0x04), ..Twist::default() };
    assert_eq!(read(&mut passkey, a, absent).status, 401, "no user presence");
    let rolled_back = Twist { counter: Some(1), ..Twist::default() };
    let refused = read(&mut passkey, a, rolled_back);
    assert_eq!(refused.status, 401);
    assert!(refused.error().contains("counter"), "{}", refused.error());

    let header = passkey.sign(&server, a, "GET", MEMBERS, b"", Twist::default());
    assert_eq!(server.send("GET", MEMBERS, None, Some(&header), b"").status, 200);
    let replayed = server.send("GET", MEMBERS, None, Some(&header), b"");
    assert_eq!(replayed.status, 401, "a replayed assertion");
}

#[test]
fn the_largest_passkey_signatures_the_decoder_reads_still_make_an_entry_the_audit_reads() {
    let server = Server::start();
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    let (mut alices, mut bens) = (Authenticator::new(7), Authenticator::new(8));
    assert_eq!(link(&server, alice, &alices).status, 201);
    assert_eq!(link(&server, ben, &bens).status, 201);
    let padded = Twist { padded: true, ..Twist::default() };
    let path = format!("{MEMBERS}/AIKO-0001/credit");
    let made = alices.send_twisted(&server, alice.public_key(), "POST", &path, Some(credit(100)), padded);
    assert_eq!(made.status, 202, "{:?}", made.json());
    let approval = format!("/v1/officer/pending/{}/approve", made.json()["pending_id"].as_str().unwrap());
    let approved = bens.send_twisted(&server, ben.public_key(), "POST", &approval, None, padded);
    assert_eq!(approved.status, 200, "{:?}", approved.json());
    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let report = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap();
    assert!(report.officer_acts.iter().any(|a| a.kind == EntryKind::Credited && a.officers.len() == 2));
}

#[test]
fn a_passkey_is_linked_only_by_its_officers_own_key_and_only_once() {
    let server = Server::start();
    let [alice, ben] = officers();
    let mut passkey = Authenticator::new(7);
    assert_eq!(link(&server, alice, &passkey).status, 201);
    let second = Authenticator::new(9);
    let body = second.link(&server).to_body();
    let header =
        passkey.sign(&server, alice.public_key(), "POST", "/v1/officer/passkeys", &body, Twist::default());
    let by_passkey =
        server.send("POST", "/v1/officer/passkeys", Some("application/json"), Some(&header), &body);
    assert_eq!(by_passkey.status, 403, "a passkey linked another passkey");
    assert_eq!(link(&server, ben, &passkey).status, 409, "Ben took Alice's passkey");
    let mut bad = String::from_utf8(second.link(&server).to_body()).unwrap();
    bad = bad.replace(&server.base, "javascript:alert(1)");
    let header = signature(alice, "POST", "/v1/officer/passkeys", bad.as_bytes());
    let refused =
        server.send("POST", "/v1/officer/passkeys", Some("application/json"), Some(&header), bad.as_bytes());
    assert_eq!(refused.status, 400, "{:?}", refused.json());
}

fn session_cookie(server: &Server, passkey: &mut Authenticator, officer: [u8; 32]) -> String {
    let bytes = b"";
    let header = passkey.sign(server, officer, "POST", "/v1/officer/session", bytes, Twist::default());
    let request = ureq::http::Request::builder()
        .method("POST")
        .uri(format!("{}/v1/officer/session", server.base))
        .header(outpost_wallet_core::officer::HEADER, header)
        .body(Vec::new())
        .unwrap();
    let response = ureq::Agent::new_with_defaults().run(request).unwrap();
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    // Plain HTTP: a browser would not keep a `Secure` cookie (tls.rs checks it is there over HTTPS).
    assert!(!cookie.contains("Secure"), "{cookie}");
    cookie.split(';').next().unwrap().to_owned()
}

fn with_cookie(server: &Server, method: &str, path: &str, cookie: &str) -> u16 {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.base))
        .header("cookie", cookie)
        .body(Vec::new())
        .unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    agent.run(request).unwrap().status().as_u16()
}

#[test]
fn a_console_session_lets_its_officer_read_but_never_act_without_a_signature() {
    let server = Server::start();
    let [alice, _] = officers();
    server.enrol("AIKO-0001");
    let mut passkey = Authenticator::new(7);
    assert_eq!(link(&server, alice, &passkey).status, 201);
    let cookie = session_cookie(&server, &mut passkey, alice.public_key());
    assert_eq!(with_cookie(&server, "GET", MEMBERS, &cookie), 200);
    assert_eq!(with_cookie(&server, "GET", "/v1/officer/log?member=AIKO-0001", &cookie), 200);
    // A forged request riding on the cookie (CSRF) acts on nothing: acts need a signature.
    assert_eq!(with_cookie(&server, "POST", &format!("{MEMBERS}/AIKO-0001/credit"), &cookie), 401);
    assert_eq!(with_cookie(&server, "GET", MEMBERS, &format!("outpost_officer={}", "ab".repeat(32))), 401);
}

/// The live stream opened with `cookie`, read on a thread: its `data:` lines arrive on the
/// channel, which closes when the server ends the stream.
fn live_stream(server: &Server, cookie: &str) -> std::sync::mpsc::Receiver<String> {
    let request = ureq::http::Request::builder()
        .uri(format!("{}/v1/officer/events", server.base))
        .header("cookie", cookie)
        .body(())
        .unwrap();
    let mut response = ureq::Agent::new_with_defaults().run(request).unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(response.body_mut().as_reader()).lines().map_while(Result::ok) {
            if line.starts_with("data:") && send.send(line).is_err() {
                return;
            }
        }
    });
    receive
}

#[test]
fn a_removed_officer_loses_their_console_session_and_live_stream_at_once() {
    let server = Server::start();
    let [alice, ben] = officers();
    let carol = OfficerKey::generate("Carol Diaz").unwrap();
    let added = server.officer(
        "POST",
        "/v1/officer/officers",
        Some(json!({ "enrolment": carol.enrolment_code(now()).unwrap() })),
    );
    assert_eq!(added.status, 200, "{:?}", added.json());
    let mut carols = Authenticator::new(9);
    assert_eq!(link(&server, &carol, &carols).status, 201);
    let cookie = session_cookie(&server, &mut carols, carol.public_key());
    assert_eq!(with_cookie(&server, "GET", MEMBERS, &cookie), 200);
    let stream = live_stream(&server, &cookie);

    let removal = server.as_officer(
        alice,
        "DELETE",
        &format!("/v1/officer/officers/{}", hex::encode(&carol.public_key())),
        None,
    );
    assert_eq!(removal.status, 202, "{:?}", removal.json());
    assert_eq!(server.approve(ben, removal.json()["pending_id"].as_str().unwrap()).status, 200);
    assert_eq!(with_cookie(&server, "GET", MEMBERS, &cookie), 401, "the session outlived the removal");
    assert_eq!(with_cookie(&server, "GET", "/v1/officer/session", &cookie), 401);
    server.enrol("AIKO-0001");
    // The stream ends at the removal: neither it nor anything after reaches Carol.
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        match stream.recv_timeout(Duration::from_secs(5)) {
            Ok(line) => seen.push(line),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("the live stream is still open: {seen:?}")
            }
        }
    }
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(seen, Vec::<String>::new());
}

/// A credit body with `pad` spaces inside the JSON: still the same credit, but more bytes for
/// the evidence to hold.
fn padded_credit(pad: usize) -> Vec<u8> {
    format!(r#"{{"amount_minor": 100,{}"memo": "December pay", "batch": "2026-12"}}"#, " ".repeat(pad))
        .into_bytes()
}

#[test]
fn a_request_whose_evidence_leaves_no_room_for_its_approvals_is_refused_before_it_waits() {
    let server = Server::start();
    let [alice, _] = officers();
    server.enrol("AIKO-0001");
    let mut passkey = Authenticator::new(7);
    assert_eq!(link(&server, alice, &passkey).status, 201);
    let path = format!("{MEMBERS}/AIKO-0001/credit");
    let padded = Twist { padded: true, ..Twist::default() };
    // The largest passkey signature with the plain body fits half an entry (4 KiB); 1,000 more
    // bytes of body do not.
    let body = padded_credit(1_000);
    let header = passkey.sign(&server, alice.public_key(), "POST", &path, &body, padded);
    let refused = server.send("POST", &path, Some("application/json"), Some(&header), &body);
    assert_eq!(refused.status, 413, "{:?}", refused.json());
    assert!(refused.error().contains("no room for its approvals"), "{}", refused.error());
    assert_eq!(server.as_officer(alice, "GET", "/v1/officer/pending", None).json(), json!([]));
    let body = padded_credit(0);
    let header = passkey.sign(&server, alice.public_key(), "POST", &path, &body, padded);
    assert_eq!(server.send("POST", &path, Some("application/json"), Some(&header), &body).status, 202);
}

#[test]
fn an_approval_that_would_overflow_the_audit_entry_is_refused_and_an_officer_key_still_approves() {
    let carol = OfficerKey::generate("Carol Diaz").unwrap();
    let code = carol.enrolment_code(now()).unwrap();
    let server = Server::start_with(&["--approvals", "3", "--founding-officer", &code]);
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    let mut passkeys = [Authenticator::new(7), Authenticator::new(8), Authenticator::new(9)];
    for (officer, passkey) in [alice, ben, &carol].into_iter().zip(&passkeys) {
        assert_eq!(link(&server, officer, passkey).status, 201);
    }
    let [alices, bens, carols] = &mut passkeys;
    let padded = Twist { padded: true, ..Twist::default() };
    let path = format!("{MEMBERS}/AIKO-0001/credit");
    let made = alices.send_twisted(&server, alice.public_key(), "POST", &path, Some(credit(100)), padded);
    assert_eq!(made.status, 202, "{:?}", made.json());
    let id = made.json()["pending_id"].as_str().unwrap().to_owned();
    let approval = format!("/v1/officer/pending/{id}/approve");
    let second = bens.send_twisted(&server, ben.public_key(), "POST", &approval, None, padded);
    assert_eq!(second.status, 202, "{:?}", second.json());
    // Three of the largest passkey signatures are more than one 8 KiB audit entry holds.
    let third = carols.send_twisted(&server, carol.public_key(), "POST", &approval, None, padded);
    assert_eq!(third.status, 413, "{:?}", third.json());
    assert!(third.error().contains("approve with your officer key"), "{}", third.error());
    assert_eq!(server.approve(&carol, &id).status, 200);
    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let report = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap();
    assert!(report.officer_acts.iter().any(|a| a.kind == EntryKind::Credited && a.officers.len() == 3));
}

#[test]
fn the_live_stream_shows_a_new_entry_within_a_second() {
    let server = Server::start();
    let [alice, _] = officers();
    let mut passkey = Authenticator::new(7);
    assert_eq!(link(&server, alice, &passkey).status, 201);
    let cookie = session_cookie(&server, &mut passkey, alice.public_key());
    let request = ureq::http::Request::builder()
        .uri(format!("{}/v1/officer/events", server.base))
        .header("cookie", &cookie)
        .body(())
        .unwrap();
    let mut response = ureq::Agent::new_with_defaults().run(request).unwrap();
    assert!(
        response.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/event-stream")
    );
    let mut lines = BufReader::new(response.body_mut().as_reader()).lines();
    let started = Instant::now();
    server.enrol("AIKO-0001");
    let seen =
        lines.by_ref().map_while(Result::ok).find(|l| l.starts_with("data:") && l.contains("MemberEnrolled"));
    assert!(seen.unwrap().contains("AIKO-0001"));
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
}

#[test]
fn the_console_is_served_from_the_binary_under_a_strict_content_security_policy() {
    let server = Server::start();
    let page = server.get("/console");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    let html = String::from_utf8(page.body.clone()).unwrap();
    for script in html.split("<script").skip(1) {
        assert!(
            script.trim_start().starts_with("type=\"module\" src=\"/console/"),
            "an inline script: {script}"
        );
    }
    assert!(!html.contains("http://") && !html.contains("https://"), "the page fetches from elsewhere");
    for asset in [
        "/console/app.js",
        "/console/request.js",
        "/console/format.js",
        "/console/qr.js",
        "/console/style.css",
    ] {
        let reply = server.get(asset);
        assert_eq!(reply.status, 200, "{asset}");
        let body = String::from_utf8(reply.body).unwrap();
        assert!(
            !body.contains("eval(") && !body.contains("innerHTML"),
            "{asset} writes markup or evaluates code"
        );
    }
    let headers = ureq::get(format!("{}/console", server.base)).call().unwrap();
    let policy = headers.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(server.get("/console/secret.txt").status, 404);
}
