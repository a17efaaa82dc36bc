//! Officers as an insider and an outsider would attack them, on the real binary over HTTP: one
//! officer key alone moves no money and takes over no member's device; the maker cannot approve
//! their own act; approvals expire; the caps hold; and the offline audit names both officers
//! behind every act and refuses a log whose officer evidence was altered.

mod common;

use common::{Server, enrolment_body, now, officers, signature};
use outpost_wallet_core::audit::{AuditEntry, AuditError, EntryFault, EntryKind, audit_log, decode_export};
use outpost_wallet_core::hex;
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::merkle;
use outpost_wallet_core::officer::authority::OfficerFault;
use outpost_wallet_core::officer::{Authorisation, OfficerKey};
use outpost_wallet_core::protocol::sync::{OnlinePayment, SyncRequest, SyncRequestBody, SyncResponse};
use outpost_wallet_core::protocol::{Checkpoint, LedgerSigner};
use serde_json::{Value, json};

const MEMBERS: &str = "/v1/officer/members";

fn credit_body(amount_minor: u64) -> Value {
    json!({ "amount_minor": amount_minor, "memo": "November pay", "batch": "2026-11" })
}

fn balance(server: &Server, member_id: &str) -> i64 {
    let reply = server.as_officer(&officers()[0], "GET", &format!("{MEMBERS}/{member_id}"), None);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    reply.json()["balance_minor"].as_i64().unwrap()
}

/// A sync from `identity` that pays `amount` online to `to`.
fn paying_sync(identity: &Identity, to: &Identity, amount: u64) -> Vec<u8> {
    let body = SyncRequestBody {
        wallet_key: identity.public().signing_key,
        request_id: [9; 16],
        device_time: now(),
        checkpoint_size: 0,
        seen_up_to: 0,
        transfers: Vec::new(),
        receipts: Vec::new(),
        evidence: Vec::new(),
        purse: None,
        payments: vec![OnlinePayment {
            payment_id: [7; 16],
            to_key: to.public().signing_key,
            amount,
            memo: "thanks".into(),
        }],
    };
    SyncRequest::sign(body, identity).unwrap().to_bytes()
}

#[test]
fn a_device_takeover_fails_with_one_officer_and_succeeds_only_with_two_who_are_named() {
    let server = Server::start();
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    let accomplice = server.enrol("MALLORY-0099");
    let pay =
        server.as_officer(alice, "POST", &format!("{MEMBERS}/AIKO-0001/credit"), Some(credit_body(50_000)));
    assert_eq!(server.approve(ben, pay.json()["pending_id"].as_str().unwrap()).status, 200);

    // Alice, alone, puts her own wallet in place of Aiko's.
    let attacker = Identity::generate().unwrap();
    let path = format!("{MEMBERS}/AIKO-0001/replace-device");
    let made = server.as_officer(alice, "POST", &path, Some(enrolment_body(&attacker, "AIKO-0001")));
    assert_eq!(made.status, 202, "{:?}", made.json());
    let id = made.json()["pending_id"].as_str().unwrap().to_owned();
    let refused = server.sync(&paying_sync(&attacker, &accomplice, 50_000));
    assert_ne!(refused.status, 200, "the attacker's wallet synced as Aiko with one officer's word");
    let own = server.approve(alice, &id);
    assert_eq!(own.status, 403, "{:?}", own.json());
    assert!(own.error().contains("cannot approve"), "{}", own.error());
    assert_eq!(balance(&server, "AIKO-0001"), 50_000);
    assert_eq!(balance(&server, "MALLORY-0099"), 0);

    // With a second officer's approval the replacement runs, and the log names both.
    assert_eq!(server.approve(ben, &id).status, 200);
    let drained = server.sync(&paying_sync(&attacker, &accomplice, 50_000));
    assert_eq!(drained.status, 200, "{:?}", drained.json());
    assert!(SyncResponse::from_bytes(&drained.body).unwrap().body().payments[0].paid);
    assert_eq!(balance(&server, "MALLORY-0099"), 50_000);

    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let report = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap();
    let replaced = report.officer_acts.iter().find(|a| a.kind == EntryKind::DeviceReplaced).unwrap();
    let names: Vec<&str> = replaced.officers.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(names, ["Alice Sato", "Ben Okafor"]);
    let credited = report.officer_acts.iter().find(|a| a.kind == EntryKind::Credited).unwrap();
    assert_eq!(credited.batch.as_deref(), Some("2026-11"));
    assert_eq!(credited.officers.len(), 2);
}

#[test]
fn one_officer_alone_moves_no_money_and_each_act_waits_visible_to_officers() {
    let server = Server::start();
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    let made =
        server.as_officer(alice, "POST", &format!("{MEMBERS}/AIKO-0001/credit"), Some(credit_body(9_000)));
    assert_eq!(made.status, 202);
    assert_eq!(balance(&server, "AIKO-0001"), 0);
    let pending = server.as_officer(ben, "GET", "/v1/officer/pending", None).json();
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(pending[0]["maker"]["name"], "Alice Sato");
    assert_eq!(pending[0]["approvals_needed"], 1);
    assert!(pending[0]["act"].as_str().unwrap().contains("9000"), "{pending}");

    // Declined, it never runs, and cannot be approved afterwards.
    let id = made.json()["pending_id"].as_str().unwrap().to_owned();
    let declined = server.as_officer(ben, "POST", &format!("/v1/officer/pending/{id}/decline"), None);
    assert_eq!(declined.status, 200, "{:?}", declined.json());
    let late = server.approve(ben, &id);
    assert_eq!(late.status, 409);
    assert!(late.error().contains("declined"), "{}", late.error());
    assert_eq!(balance(&server, "AIKO-0001"), 0);
    assert_eq!(server.as_officer(alice, "GET", "/v1/officer/pending", None).json(), json!([]));

    // An approval signed for another pending act does not approve this one.
    let made =
        server.as_officer(alice, "POST", &format!("{MEMBERS}/AIKO-0001/credit"), Some(credit_body(9_000)));
    let id = made.json()["pending_id"].as_str().unwrap().to_owned();
    let elsewhere = signature(ben, "POST", &format!("/v1/officer/pending/{}/approve", "ab".repeat(32)), b"");
    let path = format!("/v1/officer/pending/{id}/approve");
    assert_eq!(server.send("POST", &path, None, Some(&elsewhere), b"").status, 401);
    assert_eq!(server.approve(ben, &id).status, 200);
    assert_eq!(balance(&server, "AIKO-0001"), 9_000);
}

#[test]
fn approvals_expire() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in_with(dir.path(), &["--approval-hours", "0"]);
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    let made =
        server.as_officer(alice, "POST", &format!("{MEMBERS}/AIKO-0001/credit"), Some(credit_body(100)));
    let id = made.json()["pending_id"].as_str().unwrap().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    let late = server.approve(ben, &id);
    assert_eq!(late.status, 410, "{:?}", late.json());
    assert!(late.error().contains("expired"), "{}", late.error());
    assert_eq!(balance(&server, "AIKO-0001"), 0);
}

#[test]
fn credits_above_the_per_credit_or_daily_cap_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in_with(dir.path(), &["--credit-cap", "1000", "--daily-credit-cap", "1500"]);
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    let path = format!("{MEMBERS}/AIKO-0001/credit");
    let above = server.as_officer(alice, "POST", &path, Some(credit_body(1_001)));
    assert_eq!(above.status, 403);
    assert!(above.error().contains("cap of ¥1,000"), "{}", above.error());
    let first = server.as_officer(alice, "POST", &path, Some(credit_body(1_000)));
    let second = server.as_officer(alice, "POST", &path, Some(credit_body(600)));
    assert_eq!((first.status, second.status), (202, 202), "each fits alone");
    assert_eq!(server.approve(ben, first.json()["pending_id"].as_str().unwrap()).status, 200);
    let over = server.approve(ben, second.json()["pending_id"].as_str().unwrap());
    assert_eq!(over.status, 403, "the daily cap is checked when the credit runs: {:?}", over.json());
    assert!(over.error().contains("daily cap of ¥1,500"), "{}", over.error());
    assert_eq!(balance(&server, "AIKO-0001"), 1_000);
}

#[test]
fn officers_are_added_and_removed_by_two_officers_and_never_below_the_threshold() {
    let server = Server::start();
    let [alice, ben] = officers();
    let carol = OfficerKey::generate("Carol Diaz").unwrap();
    let remove_ben = format!("/v1/officer/officers/{}", hex::encode(&ben.public_key()));
    let below = server.as_officer(alice, "DELETE", &remove_ben, None);
    assert_eq!(below.status, 409, "{:?}", below.json());
    assert!(below.error().contains("fewer than"), "{}", below.error());

    let code = carol.enrolment_code(now()).unwrap();
    let added = server.officer("POST", "/v1/officer/officers", Some(json!({ "enrolment": code })));
    assert_eq!(added.status, 200, "{:?}", added.json());
    assert_eq!(added.json()["name"], "Carol Diaz");
    // Carol now acts: she makes, Alice approves; then Ben is removed and can no longer sign.
    server.enrol("AIKO-0001");
    let made =
        server.as_officer(&carol, "POST", &format!("{MEMBERS}/AIKO-0001/credit"), Some(credit_body(10)));
    assert_eq!(server.approve(alice, made.json()["pending_id"].as_str().unwrap()).status, 200);
    let removal = server.as_officer(&carol, "DELETE", &remove_ben, None);
    assert_eq!(removal.status, 202);
    assert_eq!(server.approve(alice, removal.json()["pending_id"].as_str().unwrap()).status, 200);
    let gone = server.as_officer(ben, "GET", MEMBERS, None);
    assert_eq!(gone.status, 403);
    assert!(gone.error().contains("removed"), "{}", gone.error());

    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let report = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap();
    let kinds: Vec<EntryKind> = report.officer_acts.iter().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [
            EntryKind::OfficerFounded,
            EntryKind::OfficerFounded,
            EntryKind::OfficerEnrolled,
            EntryKind::Credited,
            EntryKind::OfficerRemoved
        ]
    );
}

/// `entries` under a checkpoint signed with the ledger's own key: what a database editor holding
/// that key could hand an auditor.
fn re_signed(entries: &[AuditEntry], key_file: &std::path::Path) -> Checkpoint {
    let secret: [u8; 32] = std::fs::read(key_file).unwrap().try_into().unwrap();
    let leaves: Vec<_> = entries.iter().map(AuditEntry::leaf_hash).collect();
    LedgerSigner::from_secret(&secret).checkpoint(entries.len() as u64, merkle::root(&leaves), now())
}

#[test]
fn the_offline_audit_refuses_altered_officer_evidence_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path());
    let [alice, ben] = officers();
    server.enrol("AIKO-0001");
    let made =
        server.as_officer(alice, "POST", &format!("{MEMBERS}/AIKO-0001/credit"), Some(credit_body(5_000)));
    assert_eq!(server.approve(ben, made.json()["pending_id"].as_str().unwrap()).status, 200);
    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let ledger_key = server.ledger_key();
    audit_log(&entries, &checkpoint, &ledger_key).unwrap();
    let seq = entries.iter().position(|e| e.kind == EntryKind::Credited).unwrap();
    let key_file = dir.path().join("ledger.key");
    let names_the_entry = |verdict: &Result<_, AuditError>| matches!(verdict, Err(AuditError::BadEntry { seq: s, .. }) if *s == seq as u64);

    // Any altered byte of the officer evidence fails the audit, also under a checkpoint re-signed
    // with the ledger's own key to match: the officers' signatures do not trust the ledger.
    let evidence = entries[seq].evidence.last().unwrap().clone();
    for at in [0, 40, evidence.len() / 2, evidence.len() - 1] {
        let mut altered = entries.clone();
        altered[seq].evidence.last_mut().unwrap()[at] ^= 1;
        assert!(audit_log(&altered, &checkpoint, &ledger_key).is_err(), "byte {at}");
        let verdict = audit_log(&altered, &re_signed(&altered, &key_file), &ledger_key);
        assert!(names_the_entry(&verdict), "byte {at}: {verdict:?}");
    }
    // Valid signatures that say another amount, or only the maker's: refused too.
    let mut more = entries.clone();
    for m in &mut more[seq].moves {
        m.delta *= 10;
    }
    let verdict = audit_log(&more, &re_signed(&more, &key_file), &ledger_key);
    let fault = |verdict: &Result<_, AuditError>| match verdict {
        Err(AuditError::BadEntry { fault: EntryFault::Officer(fault), .. }) => Some(fault.clone()),
        _ => None,
    };
    assert!(
        names_the_entry(&verdict) && matches!(fault(&verdict), Some(OfficerFault::CreditDiffers { .. })),
        "{verdict:?}"
    );
    let mut authorisation = Authorisation::from_bytes(&evidence).unwrap();
    authorisation.approvals.clear();
    let mut alone = entries.clone();
    *alone[seq].evidence.last_mut().unwrap() = authorisation.to_bytes();
    let verdict = audit_log(&alone, &re_signed(&alone, &key_file), &ledger_key);
    assert!(
        names_the_entry(&verdict) && fault(&verdict) == Some(OfficerFault::TooFewSigners { signers: 1 }),
        "{verdict:?}"
    );
    // And a credit the ledger wrote with no officer evidence at all.
    let mut bare = entries.clone();
    bare[seq].evidence.clear();
    let verdict = audit_log(&bare, &re_signed(&bare, &key_file), &ledger_key);
    assert!(names_the_entry(&verdict), "{verdict:?}");
}

#[test]
fn a_ledger_from_before_officers_is_founded_once_and_its_whole_log_still_audits() {
    use outpost_ledger::Ledger;
    use outpost_wallet_core::SystemClock;
    use outpost_wallet_core::money::{Amount, Currency};

    // A ledger as a build from before officers left it: a member, a credit nobody signed.
    let dir = tempfile::tempdir().unwrap();
    {
        let old = Ledger::open(dir.path(), Currency::JPY, std::sync::Arc::new(SystemClock)).unwrap();
        let aiko = Identity::generate().unwrap();
        old.enrol(enrolment_body(&aiko, "AIKO-0001")["enrolment_qr"].as_str().unwrap()).unwrap();
        old.credit("AIKO-0001", Amount::from_minor(4_000, Currency::JPY).unwrap(), "October pay").unwrap();
    }

    // Upgraded, it is given its founders once; from then on two officers move money.
    let founders = common::founding_args();
    let founders: Vec<&str> = founders.iter().map(String::as_str).collect();
    let server = Server::start_in_with(dir.path(), &founders);
    let [alice, ben] = officers();
    let made =
        server.as_officer(alice, "POST", &format!("{MEMBERS}/AIKO-0001/credit"), Some(credit_body(6_000)));
    assert_eq!(made.status, 202, "{:?}", made.json());
    assert_eq!(server.approve(ben, made.json()["pending_id"].as_str().unwrap()).status, 200);
    assert_eq!(balance(&server, "AIKO-0001"), 10_000);

    let export = server.as_officer(alice, "GET", "/v1/officer/audit", None);
    let (checkpoint, entries) = decode_export(&export.body).unwrap();
    let report = audit_log(&entries, &checkpoint, &server.ledger_key()).unwrap();
    assert_eq!(report.unattributed, 1, "the credit from before officers is counted as nobody's");
    let credited = report.officer_acts.iter().find(|a| a.kind == EntryKind::Credited).unwrap();
    assert_eq!(credited.officers.len(), 2);
    assert_eq!(credited.amount_minor, Some(6_000));

    // Founders are set once: a second founding is refused, and a log that names founders again
    // after the ledger had officers fails the audit.
    let ledger_key = server.ledger_key();
    assert_eq!(server.stop().code(), Some(0));
    let output = common::ledger_command(dir.path()).args(&founders).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("founding officers are set once"));
    let mut late = entries.clone();
    let mut again = late.iter().find(|e| e.kind == EntryKind::OfficerFounded).unwrap().clone();
    again.seq = late.len() as u64;
    late.push(again);
    let verdict = audit_log(&late, &re_signed(&late, &dir.path().join("ledger.key")), &ledger_key);
    assert!(
        matches!(
            &verdict,
            Err(AuditError::BadEntry { fault: EntryFault::Officer(OfficerFault::FoundedTwice), .. })
        ),
        "{verdict:?}"
    );
}
