//! The five attacks of the money-safety review, each played as a dishonest member would: signing
//! with wallet-core's own code whatever their keys can sign, and uploading by hand-built sync
//! requests. Each test failed on the ledger before docs/adr/0010; each now checks that the books
//! balance, the cheat is proved and named, and honest members are paid and never flagged.

mod support;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use outpost_ledger::rules::risk::Reason;
use outpost_ledger::{EntryKind, Ledger, Policy};
use outpost_wallet_core::audit::{Account, AuditEntry};
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::sync::{
    Outcome, PurseDeclaration, PurseOrder, SyncRequest, SyncRequestBody, SyncResponse, SyncResponseBody,
};
use outpost_wallet_core::protocol::{EnrolmentRequest, PurseCertificate, Receipt, Transfer, TransferTerms};
use outpost_wallet_core::qr::{self, PayloadKind};
use outpost_wallet_core::{Clock, Currency};
use support::{DAY, TestClock, yen};

/// A ledger on a real SQLite file, a clock the test moves, and members who sign by hand.
struct Hq {
    _dir: tempfile::TempDir,
    clock: Arc<TestClock>,
    ledger: Ledger,
    requests: AtomicU64,
}

struct Member {
    id: String,
    key: Identity,
}

/// What a member uploads in one sync.
#[derive(Default)]
struct Upload<'a> {
    transfers: Vec<&'a Transfer>,
    receipts: Vec<Receipt>,
    evidence: Vec<&'a Transfer>,
    closing: Vec<PurseDeclaration>,
    purse: u64,
}

impl Hq {
    fn new() -> Hq {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(TestClock::at(1_800_000_000));
        let ledger = Ledger::open_on(
            dir.path(),
            &support::test_database(),
            Currency::JPY,
            clock.clone(),
            Policy::default(),
        )
        .unwrap();
        Hq { _dir: dir, clock, ledger, requests: AtomicU64::new(1) }
    }

    fn now(&self) -> u64 {
        self.clock.now_unix()
    }

    /// A member enrolled by the officer and credited `pay`.
    fn member(&self, id: &str, pay: u64) -> Member {
        let key = Identity::generate().unwrap();
        let request = EnrolmentRequest::sign(&key, id, self.now()).unwrap();
        self.ledger.enrol(&qr::encode(PayloadKind::Enrolment, &request.to_bytes())).unwrap();
        if pay > 0 {
            self.ledger.credit(id, yen(pay), "pay").unwrap();
        }
        Member { id: id.to_owned(), key }
    }

    fn sync(&self, member: &Member, upload: Upload<'_>) -> SyncResponseBody {
        let n = self.requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let body = SyncRequestBody {
            wallet_key: member.key.public().signing_key,
            request_id: u128::from(n).to_be_bytes(),
            device_time: self.now(),
            checkpoint_size: 0,
            seen_up_to: 0,
            transfers: upload.transfers.into_iter().cloned().collect(),
            receipts: upload.receipts,
            evidence: upload.evidence.into_iter().cloned().collect(),
            purse: (upload.purse > 0 || !upload.closing.is_empty())
                .then_some(PurseOrder { closing: upload.closing, amount: upload.purse }),
            payments: Vec::new(),
        };
        let request = SyncRequest::sign(body, &member.key).unwrap();
        let response = SyncResponse::from_bytes(&self.ledger.sync(&request.to_bytes()).unwrap()).unwrap();
        response.verify(&self.ledger.public_key(), &request.id()).unwrap();
        response.into_body()
    }

    fn purse(&self, member: &Member, amount: u64) -> PurseCertificate {
        self.sync(member, Upload { purse: amount, ..Upload::default() }).purse.expect("a purse")
    }

    fn balance(&self, member: &Member) -> i64 {
        self.ledger.member(&member.id).unwrap().balance_minor
    }

    fn entries(&self, kind: EntryKind) -> Vec<AuditEntry> {
        self.ledger.audit_entries(0, u32::MAX).unwrap().into_iter().filter(|e| e.kind == kind).collect()
    }

    /// The books balance and the exported log passes its offline audit.
    fn assert_books(&self) {
        let report = self.ledger.check_invariants().unwrap();
        assert_eq!(report.accounts + report.purses, report.credited + report.losses);
    }

    fn flagged(&self, member: &Member) -> bool {
        self.ledger.member(&member.id).unwrap().flagged
    }

    fn certain_flags(&self, member: &Member) -> Vec<Reason> {
        let flags = self.ledger.flags().unwrap();
        flags.iter().filter(|f| f.member_id == member.id && f.score == 100).map(|f| f.reason).collect()
    }
}

/// Signs whatever terms the caller chose, with wallet-core's own signing code.
fn sign(
    purse: &PurseCertificate,
    sender: &Member,
    to: &Member,
    (seq, prev_hash): (u32, [u8; 32]),
    amount: u64,
    spent_after: u64,
    memo: &str,
) -> Transfer {
    let terms = TransferTerms {
        seq,
        prev_hash,
        spent_after,
        amount,
        receiver_key: to.key.public().signing_key,
        request_nonce: None,
        time: 1_800_000_100,
        memo: memo.into(),
    };
    Transfer::sign(purse.clone(), terms, &sender.key).unwrap()
}

fn outcome(body: &SyncResponseBody, transfer: &Transfer) -> Outcome {
    body.outcomes.iter().find(|o| o.transfer_id == transfer.id()).expect("an outcome").outcome
}

#[test]
fn a_chain_that_overspends_at_a_new_sequence_number_is_proved_and_charged_to_its_signer() {
    let hq = Hq::new();
    let (aiko, ben, chidi) = (hq.member("AIKO", 100), hq.member("BEN", 0), hq.member("CHIDI", 0));
    let purse = hq.purse(&aiko, 5);
    // #2 passes every check alone, but its running total does not add its amount to #1's.
    let first = sign(&purse, &aiko, &ben, (1, purse.chain_start()), 5, 5, "");
    let second = sign(&purse, &aiko, &chidi, (2, first.id()), 4, 5, "");

    let ben_sync = hq.sync(&ben, Upload { transfers: vec![&first], ..Upload::default() });
    assert_eq!(outcome(&ben_sync, &first), Outcome::Settled);
    let chidi_sync = hq.sync(&chidi, Upload { transfers: vec![&second], ..Upload::default() });
    assert_eq!(outcome(&chidi_sync, &second), Outcome::Settled, "an honest receiver is paid");
    assert!(chidi_sync.revoked.contains(&purse.purse_id()), "the revocation goes out at the next sync");

    let proofs = hq.entries(EntryKind::DoubleSpend);
    assert_eq!(proofs.len(), 1);
    assert_eq!((proofs[0].member_id.as_str(), proofs[0].subject), ("AIKO", purse.purse_id()));
    assert_eq!(proofs[0].evidence, vec![first.to_bytes(), second.to_bytes()]);
    assert!(hq.flagged(&aiko) && !hq.flagged(&ben) && !hq.flagged(&chidi));
    assert_eq!((hq.balance(&ben), hq.balance(&chidi)), (5, 4));
    assert_eq!(hq.balance(&aiko), 100 - 5 - 4, "the 4 the purse did not hold is Aiko's debt");
    assert_eq!(hq.ledger.purses("AIKO").unwrap()[0].state, outpost_ledger::PurseState::Revoked);
    hq.assert_books();
}

#[test]
fn the_reviews_literal_second_transfer_is_refused_by_the_signing_code_itself() {
    let hq = Hq::new();
    let (aiko, chidi) = (hq.member("AIKO", 100), hq.member("CHIDI", 0));
    let purse = hq.purse(&aiko, 1);
    let first = sign(&purse, &aiko, &chidi, (1, purse.chain_start()), 1, 1, "");
    // ¥1 more with the running total still at 1: no receiver accepts it, no wallet signs it.
    let terms = TransferTerms {
        seq: 2,
        prev_hash: first.id(),
        spent_after: 1,
        amount: 1,
        receiver_key: chidi.key.public().signing_key,
        request_nonce: None,
        time: 1_800_000_100,
        memo: String::new(),
    };
    assert!(Transfer::sign(purse, terms, &aiko.key).is_err());
}

#[test]
fn a_receiver_uploading_rivals_of_one_slot_is_paid_once_and_named_as_party() {
    let hq = Hq::new();
    let (aiko, ben) = (hq.member("AIKO", 100), hq.member("BEN", 0));
    let purse = hq.purse(&aiko, 10);
    let rivals: Vec<Transfer> = (0..5)
        .map(|i| sign(&purse, &aiko, &ben, (1, purse.chain_start()), 10, 10, &format!("copy {i}")))
        .collect();

    let answer = hq.sync(&ben, Upload { transfers: rivals.iter().collect(), ..Upload::default() });
    assert_eq!(outcome(&answer, &rivals[0]), Outcome::Settled);
    for rival in &rivals[1..] {
        assert_eq!(outcome(&answer, rival), Outcome::Refused, "its own wallet must have refused it");
    }
    assert_eq!(hq.balance(&ben), 10, "paid once");
    assert_eq!(hq.balance(&aiko), 90);
    let complicit = hq.entries(EntryKind::Complicit);
    assert_eq!(complicit.len(), 4);
    assert!(complicit.iter().all(|e| e.member_id == "BEN" && e.evidence[1] == rivals[0].to_bytes()));
    assert!(hq.flagged(&ben) && hq.flagged(&aiko));
    assert!(hq.certain_flags(&ben).contains(&Reason::Complicit));
    assert!(hq.certain_flags(&aiko).contains(&Reason::DoubleSpend));

    // The same rivals again, through receipts the colluding receiver signed: still not paid.
    let more: Vec<Transfer> = (5..7)
        .map(|i| sign(&purse, &aiko, &ben, (1, purse.chain_start()), 10, 10, &format!("copy {i}")))
        .collect();
    let receipts = more.iter().map(|t| Receipt::sign(t.id(), hq.now(), &ben.key).unwrap()).collect();
    hq.sync(&aiko, Upload { transfers: more.iter().collect(), receipts, ..Upload::default() });
    assert_eq!(hq.balance(&ben), 10);
    assert_eq!(hq.entries(EntryKind::Complicit).len(), 6);
    hq.assert_books();
}

#[test]
fn a_held_transfer_beyond_an_under_declared_close_is_proved_and_nothing_it_committed_is_given_back() {
    let hq = Hq::new();
    let (aiko, ben) = (hq.member("AIKO", 100), hq.member("BEN", 0));
    let purse = hq.purse(&aiko, 10);
    let spent = sign(&purse, &aiko, &ben, (1, purse.chain_start()), 6, 6, "");
    // Aiko uploads her own transfer (held), then closes the purse declaring only 3 spent.
    let held = hq.sync(&aiko, Upload { transfers: vec![&spent], ..Upload::default() });
    assert_eq!(outcome(&held, &spent), Outcome::Held);
    let declaration = PurseDeclaration { purse_id: purse.purse_id(), last_seq: 1, spent: 3 };
    hq.sync(&aiko, Upload { closing: vec![declaration], ..Upload::default() });
    assert_eq!(hq.balance(&aiko), 90 + 4, "only what no stored transfer committed comes back");
    assert_eq!(hq.entries(EntryKind::DoubleSpend).len(), 1, "the under-declaration is proved at the close");
    assert!(hq.flagged(&aiko));

    let claimed = hq.sync(&ben, Upload { transfers: vec![&spent], ..Upload::default() });
    assert_eq!(outcome(&claimed, &spent), Outcome::Settled);
    assert_eq!(hq.balance(&ben), 6);
    assert_eq!(hq.balance(&aiko), 94, "no debt: the purse still held Ben's 6");
    hq.assert_books();
}

#[test]
fn a_declared_spend_beyond_the_largest_amount_is_refused_not_wrapped() {
    let hq = Hq::new();
    let aiko = hq.member("AIKO", 100);
    let purse = hq.purse(&aiko, 10);
    let declaration = PurseDeclaration { purse_id: purse.purse_id(), last_seq: 1, spent: u64::MAX };
    hq.sync(&aiko, Upload { closing: vec![declaration], ..Upload::default() });
    assert_eq!(hq.balance(&aiko), 90, "nothing given back");
    assert_eq!(hq.ledger.purses("AIKO").unwrap()[0].state, outpost_ledger::PurseState::Open);
    hq.assert_books();
}

#[test]
fn a_late_spend_is_recorded_against_its_signer_and_not_paid() {
    let hq = Hq::new();
    let (aiko, ben) = (hq.member("AIKO", 100), hq.member("BEN", 0));
    let purse = hq.purse(&aiko, 10);
    let policy = hq.ledger.policy().clone();
    hq.clock.advance(policy.purse_lifetime + policy.settlement_window + DAY);
    hq.ledger.sweep().unwrap();
    assert_eq!(hq.balance(&aiko), 100, "the purse's money went back");
    // Ben's clock was set back: he accepted a transfer from the expired purse.
    let late = sign(&purse, &aiko, &ben, (1, purse.chain_start()), 7, 7, "");

    let answer = hq.sync(&ben, Upload { transfers: vec![&late], ..Upload::default() });
    assert_eq!(outcome(&answer, &late), Outcome::Returned);
    assert_eq!(hq.balance(&ben), 0);
    let recorded = hq.entries(EntryKind::LateSpend);
    assert_eq!(recorded.len(), 1);
    assert_eq!((recorded[0].member_id.as_str(), recorded[0].subject), ("AIKO", late.id()));
    assert_eq!(recorded[0].evidence, vec![late.to_bytes()]);
    assert!(
        hq.ledger.flags().unwrap().iter().any(|f| f.member_id == "AIKO" && f.reason == Reason::LateSpend)
    );
    // Uploading it again records nothing more.
    hq.sync(&ben, Upload { transfers: vec![&late], ..Upload::default() });
    assert_eq!(hq.entries(EntryKind::LateSpend).len(), 1);
    hq.assert_books();
}

#[test]
fn a_thiefs_double_spends_after_a_loss_report_are_the_ministrys_not_the_members() {
    let hq = Hq::new();
    let (aiko, ben, chidi) = (hq.member("AIKO", 100), hq.member("BEN", 0), hq.member("CHIDI", 0));
    let purse = hq.purse(&aiko, 10);
    hq.ledger.revoke_device("AIKO", "phone reported stolen").unwrap();
    // The thief, holding the phone, pays the whole purse to two receivers, dated after the report.
    let to_ben = sign(&purse, &aiko, &ben, (1, purse.chain_start()), 10, 10, "");
    let to_chidi = sign(&purse, &aiko, &chidi, (1, purse.chain_start()), 10, 10, "");

    hq.sync(&ben, Upload { transfers: vec![&to_ben], ..Upload::default() });
    hq.sync(&chidi, Upload { transfers: vec![&to_chidi], ..Upload::default() });
    assert_eq!((hq.balance(&ben), hq.balance(&chidi)), (10, 10), "receivers in good faith are paid");
    assert_eq!(hq.balance(&aiko), 90, "Aiko loses the purse, like cash, and nothing more");
    assert!(!hq.flagged(&aiko));
    assert!(hq.certain_flags(&aiko).is_empty(), "no certain-fraud flag on the member who reported the loss");
    assert_eq!(hq.entries(EntryKind::DeviceLost).len(), 1);
    assert_eq!(hq.entries(EntryKind::LostDeviceSpend).len(), 1);
    assert!(hq.entries(EntryKind::DoubleSpend).is_empty());
    let report = hq.ledger.check_invariants().unwrap();
    assert_eq!(report.losses, 10);
    assert_eq!(report.balances.get(&Account::Loss), Some(&-10));
    hq.assert_books();
}

#[test]
fn a_cheat_proved_before_the_loss_report_stays_the_members_debt() {
    let hq = Hq::new();
    let (aiko, ben, chidi, dan) =
        (hq.member("AIKO", 100), hq.member("BEN", 0), hq.member("CHIDI", 0), hq.member("DAN", 0));
    let purse = hq.purse(&aiko, 10);
    let rivals: Vec<Transfer> = [&ben, &chidi, &dan]
        .into_iter()
        .map(|to| sign(&purse, &aiko, to, (1, purse.chain_start()), 10, 10, ""))
        .collect();
    hq.sync(&ben, Upload { transfers: vec![&rivals[0]], ..Upload::default() });
    hq.sync(&chidi, Upload { transfers: vec![&rivals[1]], ..Upload::default() });
    assert!(hq.flagged(&aiko), "proved against Aiko");
    // Reporting the phone lost now does not move her proved debt onto the ministry.
    hq.ledger.revoke_device("AIKO", "says the phone was stolen").unwrap();
    hq.sync(&dan, Upload { transfers: vec![&rivals[2]], ..Upload::default() });
    assert_eq!(hq.balance(&dan), 10);
    assert_eq!(hq.balance(&aiko), 90 - 20);
    assert_eq!(hq.ledger.check_invariants().unwrap().losses, 0);
    assert!(hq.entries(EntryKind::LostDeviceSpend).is_empty());
    hq.assert_books();
}
