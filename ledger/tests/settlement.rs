//! Settlement through sync, with the ledger's own code in-process and a clock the test moves:
//! purses loaded, offline transfers settled exactly once in any upload order, unclaimed transfers
//! returned after the window, double spends caught and paid for by their signer.

mod support;

use outpost_wallet_core::{Balances, TransferStatus};
use std::sync::atomic::{AtomicBool, Ordering};

use outpost_ledger::simulated::{Member as SimMember, Payer};
use outpost_ledger::{EntryKind, Policy};
use outpost_wallet_core::audit;
use outpost_wallet_core::protocol::sync::{Outcome, PurseOrder};
use outpost_wallet_core::protocol::{Transfer, TransferTerms};
use outpost_wallet_core::transport::{SyncTransport, TransportError};
use outpost_wallet_core::{Clock, SyncOptions, WalletError};
use support::insider::Insider;
use support::{DAY, InProcess, Unit, pay, yen};

fn balances(wallet: &outpost_wallet_core::Wallet) -> Balances {
    wallet.balances().unwrap()
}

#[test]
fn three_members_pay_offline_and_every_balance_settles() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    let chie = unit.member("chie", "CHIE-0003");
    for id in ["AIKO-0001", "BEN-0002", "CHIE-0003"] {
        unit.ledger.credit(id, yen(50_000), "November pay").unwrap();
    }
    for wallet in [&aiko, &ben, &chie] {
        let report = unit.load_purse(wallet, 20_000);
        assert_eq!(report.new_purse, Some(yen(20_000)));
        assert_eq!(balances(wallet).online, yen(30_000));
        assert_eq!(balances(wallet).offline_purse, yen(20_000));
    }
    unit.assert_books();

    pay(&aiko, &ben, 3_000, true);
    pay(&ben, &chie, 1_000, true);
    pay(&chie, &aiko, 500, true);
    pay(&aiko, &chie, 2_000, false);

    // The receivers sync first, then the senders, then everyone again.
    for wallet in [&chie, &ben, &aiko, &chie, &ben, &aiko] {
        unit.sync(wallet);
        unit.assert_books();
    }
    assert_eq!(balances(&aiko).online, yen(30_500));
    assert_eq!(balances(&ben).online, yen(33_000));
    assert_eq!(balances(&chie).online, yen(33_000));
    for wallet in [&aiko, &ben, &chie] {
        let b = balances(wallet);
        assert!(b.pending_incoming.is_zero() && b.pending_outgoing.is_zero(), "{b:?}");
        for entry in wallet.history(None, 50).unwrap() {
            assert!(
                matches!(entry.status, TransferStatus::SentSettled | TransferStatus::ReceivedSettled),
                "{entry:?}"
            );
        }
        wallet.verify_log().unwrap();
    }
}

fn count(unit: &Unit, kind: EntryKind, subject: [u8; 32]) -> usize {
    unit.ledger
        .audit_entries(0, u32::MAX)
        .unwrap()
        .iter()
        .filter(|e| e.kind == kind && e.subject == subject)
        .count()
}

#[test]
fn a_transfer_settles_once_whoever_uploads_it_and_however_often() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    let id = pay(&aiko, &ben, 3_000, true);

    let first = unit.sync(&aiko); // the sender, with the receipt, uploads first
    assert_eq!(first.settled, 1);
    for _ in 0..3 {
        unit.sync(&ben);
        unit.sync(&aiko);
    }
    assert_eq!(count(&unit, EntryKind::Settled, id), 1, "settled exactly once");
    assert_eq!(balances(&ben).online, yen(3_000));
    assert_eq!(unit.ledger.member("BEN-0002").unwrap().balance_minor, 3_000);
    unit.assert_books();
}

#[test]
fn a_transfer_the_sender_uploads_alone_is_held_then_returned_after_the_window() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    let id = pay(&aiko, &ben, 3_000, false); // ben's receipt never reaches aiko

    let report = unit.sync(&aiko);
    assert_eq!(report.held, 1, "no receipt and no upload by the receiver: held");
    assert_eq!(unit.ledger.member("BEN-0002").unwrap().balance_minor, 0);
    unit.assert_books();

    let policy = unit.ledger.policy().clone();
    unit.clock.advance(policy.purse_lifetime + policy.settlement_window + DAY);
    let report = unit.sync(&aiko);
    assert_eq!(report.returned, 1);
    assert_eq!(balances(&aiko).online, yen(20_000), "the whole purse is back, the unclaimed 3,000 too");
    assert!(balances(&aiko).pending_outgoing.is_zero());
    assert_eq!(aiko.history(None, 10).unwrap()[0].status, TransferStatus::Returned);

    let late = unit.sync(&ben);
    assert_eq!(late.refused.len(), 1, "too late for the receiver: {late:?}");
    assert_eq!(late.refused[0].0, id);
    assert!(balances(&ben).online.is_zero() && balances(&ben).pending_incoming.is_zero());
    assert_eq!(ben.history(None, 10).unwrap()[0].status, TransferStatus::ReceivedRefused);
    unit.assert_books();
}

#[test]
fn a_wallet_restored_from_a_copy_that_spends_again_is_caught_flagged_revoked_and_pays_for_it() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    let chie = unit.member("chie", "CHIE-0003");
    unit.ledger.credit("AIKO-0001", yen(10_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    assert!(balances(&aiko).online.is_zero());

    // Aiko copies her wallet file, pays Ben, then puts the copy back and pays Chie from the
    // same purse funds.
    let mut to_ben = [0; 32];
    let aiko = unit.restore_after(aiko, |aiko| to_ben = pay(aiko, &ben, 6_000, true));
    let to_chie = pay(&aiko, &chie, 6_000, true);

    unit.sync(&ben);
    unit.sync(&chie);
    // Both honest receivers are paid; the purse covered 10,000, Aiko's account the other 2,000.
    assert_eq!(balances(&ben).online, yen(6_000));
    assert_eq!(balances(&chie).online, yen(6_000));
    let cheat = unit.ledger.member("AIKO-0001").unwrap();
    assert_eq!(cheat.balance_minor, -2_000);
    assert!(cheat.flagged);

    let proof = unit
        .ledger
        .audit_entries(0, u32::MAX)
        .unwrap()
        .into_iter()
        .find(|e| e.kind == EntryKind::DoubleSpend);
    let proof = proof.expect("a double-spend entry");
    assert_eq!(proof.member_id, "AIKO-0001");
    assert_eq!(proof.evidence.len(), 2, "both transfers are the evidence");
    let flags = unit.ledger.flags().unwrap();
    let flag = flags.iter().find(|f| f.reason.code() == "double-spend").expect("flagged");
    assert_eq!(flag.member_id, "AIKO-0001");
    assert_eq!(flag.score, 100);
    let mut evidence = flag.evidence.clone();
    evidence.sort();
    let mut expected = vec![to_ben, to_chie];
    expected.sort();
    assert_eq!(evidence, expected);

    // The purse is revoked everywhere, and the cheat's wallet hears of it with the debt.
    let purse = unit.ledger.purses("AIKO-0001").unwrap()[0].clone();
    assert_eq!(purse.state, outpost_ledger::PurseState::Revoked);
    let report = unit.sync(&aiko);
    assert!(report.notices.iter().any(|n| n.code == "double-spend"), "{:?}", report.notices);
    assert_eq!(balances(&aiko).owed, yen(2_000));
    assert!(balances(&aiko).offline_purse.is_zero(), "a revoked purse pays nothing");
    let refill = aiko.sync(&unit.transport(), &SyncOptions { purse: Some(yen(1_000)) }).unwrap();
    assert_eq!(refill.new_purse, None, "a flagged member gets no new purse");
    unit.assert_books();
}

#[test]
fn a_cheat_paid_and_debited_in_one_sync_ends_with_the_difference() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    let chie = unit.member("chie", "CHIE-0003");
    let dan = unit.member("dan", "DAN-0004");
    unit.ledger.credit("AIKO-0001", yen(10_000), "pay").unwrap();
    unit.ledger.credit("DAN-0004", yen(3_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    unit.load_purse(&dan, 3_000);
    let aiko = unit.restore_after(aiko, |aiko| {
        pay(aiko, &ben, 6_000, true);
    });
    pay(&aiko, &chie, 6_000, true);
    pay(&dan, &aiko, 3_000, true);
    unit.sync(&ben);

    // One sync from Aiko: Dan's 3,000 to her, and her second 6,000 with Chie's receipt, which the
    // purse (4,000 left after Ben) covers only in part.
    unit.sync(&aiko);
    let cheat = unit.ledger.member("AIKO-0001").unwrap();
    assert!(cheat.flagged);
    assert_eq!(cheat.balance_minor, 3_000 - 2_000);
    assert_eq!(unit.ledger.member("CHIE-0003").unwrap().balance_minor, 6_000);
    assert_eq!(unit.ledger.member("BEN-0002").unwrap().balance_minor, 6_000);
    unit.assert_books();
}

#[test]
fn a_spend_beyond_what_the_wallet_declared_is_a_double_spend() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    // Ben keeps the transfer and has not synced yet.
    let aiko = unit.restore_after(aiko, |aiko| {
        pay(aiko, &ben, 4_000, true);
    });
    // The restored wallet declares the purse unspent and takes a new one: all 10,000 come back.
    let report = aiko.sync(&unit.transport(), &SyncOptions { purse: Some(yen(10_000)) }).unwrap();
    assert_eq!(report.new_purse, Some(yen(10_000)));

    unit.sync(&ben);
    assert_eq!(balances(&ben).online, yen(4_000), "the honest receiver is paid");
    let member = unit.ledger.member("AIKO-0001").unwrap();
    assert!(member.flagged);
    // 20,000 credited; the first purse's 10,000 came back unspent by declaration and went into the
    // second purse; the undeclared 4,000 is debited.
    assert_eq!(member.balance_minor, 10_000 - 4_000);
    assert!(
        unit.ledger
            .flags()
            .unwrap()
            .iter()
            .any(|f| f.member_id == "AIKO-0001" && f.reason.code() == "double-spend")
    );
    unit.assert_books();
}

#[test]
fn a_ledger_that_rewrites_a_leaf_is_refused_by_the_next_sync_and_fails_an_offline_audit() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.sync(&aiko);
    let held = aiko.ledger_checkpoint().unwrap().expect("a checkpoint after sync");
    let before = balances(&aiko);

    // Someone with the database raises the credit in its leaf.
    unit.tampered.set(true);
    let mut db = Insider::open(&unit.dir.path().join("ledger"), &unit.database);
    let mut entry = audit::AuditEntry::from_leaf_data(&db.leaf(2)).unwrap();
    assert_eq!(entry.kind, EntryKind::Credited);
    for m in &mut entry.moves {
        m.delta *= 10;
    }
    db.set_leaf(2, &entry.leaf_data());
    // The ledger itself refuses to sign the rewritten log (tests/equivocation.rs); an officer who
    // accepts it anyway does not hide it from a wallet that synced before.
    unit.ledger.accept_rewritten_log("the database was edited and the ledger told to sign it").unwrap();

    let err = aiko.sync(&unit.transport(), &SyncOptions::default()).unwrap_err();
    assert!(matches!(err, WalletError::LedgerHistory(_)), "{err}");
    assert!(err.to_string().contains("rewritten"), "{err}");
    assert_eq!(balances(&aiko), before, "nothing from the answer was applied");
    assert_eq!(aiko.ledger_checkpoint().unwrap(), Some(held.clone()));

    let export = unit.ledger.export_audit().unwrap();
    let err = audit::check_against(&export.entries, &held, &unit.ledger.public_key()).unwrap_err();
    assert_eq!(err, audit::AuditError::Rewritten { size: held.size });
}

#[test]
fn a_ledger_that_drops_a_leaf_is_refused_by_the_next_sync_and_fails_an_offline_audit() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.sync(&aiko);
    let held = aiko.ledger_checkpoint().unwrap().unwrap();
    unit.tampered.set(true);
    let mut db = Insider::open(&unit.dir.path().join("ledger"), &unit.database);
    assert_eq!(db.execute("DELETE FROM audit WHERE seq = 2"), 1);
    // An insider with the checkpoint file too empties it (and the database's record of the largest
    // checkpoint signed) and starts a ledger that remembers nothing it signed: only the wallets and
    // auditors holding a checkpoint remain to catch the rewrite.
    db.execute("DELETE FROM signed_head");
    std::fs::write(unit.dir.path().join("ledger/checkpoints.log"), b"").unwrap();
    let forgetful = std::sync::Arc::new(
        outpost_ledger::Ledger::open_on(
            &unit.dir.path().join("ledger"),
            &unit.database,
            outpost_wallet_core::Currency::JPY,
            unit.clock.clone(),
            Policy::default(),
        )
        .unwrap(),
    );

    let err = aiko.sync(&InProcess(forgetful.clone()), &SyncOptions::default()).unwrap_err();
    assert!(matches!(err, WalletError::LedgerHistory(_)), "{err}");
    let export = forgetful.export_audit().unwrap();
    let key = forgetful.public_key();
    assert!(matches!(
        audit::audit_log(&export.entries, &export.checkpoint, &key),
        Err(audit::AuditError::OutOfOrder { position: 2, seq: 3 })
    ));
    assert!(audit::check_against(&export.entries, &held, &key).is_err());
}

/// Delivers the request to the ledger, then loses the answer once: a connection cut after the
/// ledger committed.
struct CutOnce {
    inner: InProcess,
    cut: AtomicBool,
}

impl SyncTransport for CutOnce {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = self.inner.exchange(request)?;
        if !self.cut.swap(true, Ordering::SeqCst) {
            return Err(TransportError::Unreachable { detail: "connection reset".into() });
        }
        Ok(answer)
    }
}

#[test]
fn a_sync_cut_after_the_ledger_committed_is_retried_without_doing_anything_twice() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    pay(&aiko, &ben, 3_000, true);

    let transport = CutOnce { inner: unit.transport(), cut: AtomicBool::new(false) };
    let err = ben.sync(&transport, &SyncOptions::default()).unwrap_err();
    assert!(matches!(err, WalletError::Transport(TransportError::Unreachable { .. })), "{err}");
    assert_eq!(unit.ledger.member("BEN-0002").unwrap().balance_minor, 3_000, "the ledger committed");
    assert_eq!(balances(&ben).pending_incoming, yen(3_000), "the wallet has not applied it yet");
    let log_size = unit.ledger.audit_root().unwrap().0;

    let report = ben.sync(&transport, &SyncOptions::default()).unwrap();
    assert_eq!(report.settled, 1);
    assert_eq!(unit.ledger.audit_root().unwrap().0, log_size, "the retry got the stored answer");
    assert_eq!(balances(&ben).online, yen(3_000));
    assert!(balances(&ben).pending_incoming.is_zero());
    unit.sync(&ben);
    assert_eq!(unit.ledger.member("BEN-0002").unwrap().balance_minor, 3_000);
    unit.assert_books();
}

#[test]
fn an_online_payment_goes_through_the_ledger_when_both_are_connected() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    unit.ledger.credit("AIKO-0001", yen(8_000), "pay").unwrap();
    let paid = aiko.pay_online(&ben.public_identity(), yen(5_000), "rent").unwrap();
    let too_much = aiko.pay_online(&ben.public_identity(), yen(5_000), "again").unwrap();
    let report = unit.sync(&aiko);
    let outcome = |id| report.payments.iter().find(|p| p.payment_id == id).unwrap().clone();
    assert!(outcome(paid).paid);
    assert!(!outcome(too_much).paid);
    assert!(outcome(too_much).reason.contains("holds only"), "{}", outcome(too_much).reason);
    assert_eq!(balances(&aiko).online, yen(3_000));
    unit.sync(&ben);
    assert_eq!(balances(&ben).online, yen(5_000));
    unit.sync(&aiko);
    assert_eq!(balances(&aiko).online, yen(3_000), "sent once");
    unit.assert_books();
}

#[test]
fn a_revoked_purse_reaches_every_wallet_and_its_transfers_are_refused_offline() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    let purse = unit.ledger.purses("AIKO-0001").unwrap()[0].purse_id;
    unit.ledger.revoke_purse(&purse, "phone reported stolen").unwrap();
    assert_eq!(unit.sync(&ben).newly_revoked, 1);

    let request = ben.create_request(Some(yen(1_000)), "", 600).unwrap();
    let payment = aiko.pay_request(&request.qr_text, None, "").unwrap(); // aiko has not synced
    assert!(matches!(ben.accept(&payment.qr_text), Err(WalletError::PurseRevoked { .. })));
    unit.sync(&aiko);
    let request = ben.create_request(Some(yen(1_000)), "", 600).unwrap();
    assert!(matches!(aiko.pay_request(&request.qr_text, None, ""), Err(WalletError::NoPurse)));
}

#[test]
fn a_replaced_device_is_locked_out_and_its_purse_comes_back_after_the_window() {
    let unit = Unit::new();
    let old = unit.member("aiko", "AIKO-0001");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.load_purse(&old, 10_000);

    let new = outpost_wallet_core::Wallet::create(
        unit.wallet_path("aiko-new"),
        &outpost_wallet_core::Pin::new(support::PIN).unwrap(),
        outpost_wallet_core::Currency::JPY,
        unit.protector.clone(),
        unit.options(),
    )
    .unwrap();
    let (_, qr) = new.enrolment_request("AIKO-0001").unwrap();
    unit.ledger.replace_device("AIKO-0001", &qr).unwrap();
    new.pin_ledger_key(unit.ledger.public_key()).unwrap();

    let err = old.sync(&unit.transport(), &SyncOptions::default()).unwrap_err();
    assert!(err.to_string().contains("replaced"), "{err}");
    assert_eq!(unit.sync(&new).online_balance_minor, 10_000, "the purse is still out");

    let policy = unit.ledger.policy().clone();
    unit.clock.advance(policy.purse_lifetime + policy.settlement_window + DAY);
    assert_eq!(unit.sync(&new).online_balance_minor, 20_000, "its remainder came back after the window");
    unit.assert_books();
}

#[test]
fn a_short_policy_applies_its_own_window() {
    let policy = Policy { purse_lifetime: 100, settlement_window: 50, ..Policy::default() };
    let unit = Unit::with_policy(policy);
    let aiko = unit.member("aiko", "AIKO-0001");
    unit.ledger.credit("AIKO-0001", yen(5_000), "pay").unwrap();
    unit.load_purse(&aiko, 5_000);
    unit.clock.advance(149);
    assert_eq!(unit.ledger.sweep().unwrap(), 0, "inside the window");
    unit.clock.advance(2);
    assert_eq!(unit.ledger.sweep().unwrap(), 1);
    assert_eq!(unit.ledger.member("AIKO-0001").unwrap().balance_minor, 5_000);
    unit.assert_books();
}

#[test]
fn a_double_spend_the_receiver_refused_offline_is_proof_for_the_ledger_and_is_not_paid() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    unit.ledger.credit("AIKO-0001", yen(10_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    let aiko = unit.restore_after(aiko, |aiko| {
        pay(aiko, &ben, 3_000, true);
    });
    let second = aiko.pay_contact(&ben.public_identity(), yen(9_000), "again").unwrap();
    assert!(matches!(ben.accept(&second.qr_text), Err(WalletError::DoubleSpend { .. })));

    let report = unit.sync(&ben);
    assert_eq!(report.settled, 1, "the transfer Ben accepted is paid");
    assert_eq!(balances(&ben).online, yen(3_000), "the one he refused is not");
    let cheat = unit.ledger.member("AIKO-0001").unwrap();
    assert!(cheat.flagged, "Ben's evidence proved the double spend");
    assert_eq!(cheat.balance_minor, 0, "nothing was paid from the refused transfer");
    assert_eq!(count(&unit, EntryKind::Settled, second.transfer_id), 0);
    assert!(
        ben.history(None, 10).unwrap().iter().all(|h| h.status.is_final()),
        "nothing left to upload: {:?}",
        ben.history(None, 10).unwrap()
    );
}

#[test]
fn risk_flags_come_from_settled_activity_and_reach_the_members_wallet() {
    let mut policy = Policy::default();
    policy.risk.velocity_max_payments = 2;
    let unit = Unit::with_policy(policy);
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    unit.ledger.credit("AIKO-0001", yen(20_000), "pay").unwrap();
    unit.ledger.credit("BEN-0002", yen(5_000), "pay").unwrap();
    unit.load_purse(&aiko, 10_000);
    unit.load_purse(&ben, 5_000);
    for amount in [1_000, 1_500, 2_000] {
        pay(&aiko, &ben, amount, true);
    }
    pay(&ben, &aiko, 500, true); // money coming back: a cycle of two
    unit.sync(&ben);
    unit.sync(&aiko);

    let flags = unit.ledger.flags().unwrap();
    let codes = |member: &str| -> Vec<&str> {
        flags.iter().filter(|f| f.member_id == member).map(|f| f.reason.code()).collect()
    };
    assert!(codes("AIKO-0001").contains(&"velocity"), "{flags:?}");
    assert!(codes("AIKO-0001").contains(&"transfer-cycle"), "{flags:?}");
    assert!(!codes("BEN-0002").contains(&"velocity"), "one payment is not a burst: {flags:?}");
    assert_eq!(unit.ledger.flags().unwrap(), flags, "recomputed from the log, the same flags");
    let notices = aiko.risk_notices().unwrap();
    assert!(notices.iter().any(|n| n.code == "velocity" && n.score > 0), "{notices:?}");
}

/// No honest member is ever flagged: real wallets receive everything a cheat with restored copies
/// can show them (the same slot twice to one receiver, rivals to others, the original too), and
/// sync in every order. Each honest receiver is paid once per transfer its wallet accepted, never
/// for the one it kept as evidence, and only the signer is named.
#[test]
fn honest_receivers_are_never_flagged_whatever_a_cheat_shows_them_and_in_any_sync_order() {
    let orders: [[usize; 4]; 6] =
        [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1], [3, 0, 1, 2], [1, 2, 3, 0]];
    for order in orders {
        let unit = Unit::new();
        let aiko = unit.member("aiko", "AIKO-0001");
        let ben = unit.member("ben", "BEN-0002");
        let chie = unit.member("chie", "CHIE-0003");
        let dan = unit.member("dan", "DAN-0004");
        unit.ledger.credit("AIKO-0001", yen(10_000), "pay").unwrap();
        unit.load_purse(&aiko, 10_000);
        // Copy one pays Ben 4,000; copy two pays Ben 5,000 for the same slot (his phone keeps
        // it as evidence) and Chie 5,000 after it; the wallet itself pays Dan 7,000.
        let aiko = unit.restore_after(aiko, |aiko| {
            pay(aiko, &ben, 4_000, true);
        });
        let aiko = unit.restore_after(aiko, |aiko| {
            let request = ben.create_request(Some(yen(5_000)), "", 600).unwrap();
            let second = aiko.pay_request(&request.qr_text, None, "").unwrap();
            assert!(matches!(ben.accept(&second.qr_text), Err(WalletError::DoubleSpend { .. })));
            pay(aiko, &chie, 5_000, true);
        });
        pay(&aiko, &dan, 7_000, true);

        let wallets = [&aiko, &ben, &chie, &dan];
        for &i in order.iter().chain(&order) {
            unit.sync(wallets[i]);
            unit.assert_books();
        }
        for (member, paid) in [("BEN-0002", 4_000), ("CHIE-0003", 5_000), ("DAN-0004", 7_000)] {
            let honest = unit.ledger.member(member).unwrap();
            assert!(!honest.flagged, "{member} flagged in order {order:?}");
            assert_eq!(honest.balance_minor, paid, "{member} in order {order:?}");
        }
        let entries = unit.ledger.audit_entries(0, u32::MAX).unwrap();
        assert!(entries.iter().all(|e| e.kind != EntryKind::Complicit), "order {order:?}");
        let named: Vec<&str> = entries
            .iter()
            .filter(|e| e.kind == EntryKind::DoubleSpend)
            .map(|e| e.member_id.as_str())
            .collect();
        assert_eq!(named, ["AIKO-0001"], "one proof, against the signer, in order {order:?}");
        let flagged: Vec<String> = unit
            .ledger
            .flags()
            .unwrap()
            .into_iter()
            .filter(|f| f.score == 100)
            .map(|f| f.member_id)
            .collect();
        assert!(flagged.iter().all(|m| m == "AIKO-0001"), "{flagged:?} in order {order:?}");
        assert_eq!(unit.ledger.member("AIKO-0001").unwrap().balance_minor, 10_000 - 4_000 - 5_000 - 7_000);
    }
}

/// A payer with a 20,000 purse and a canteen, enrolled as the bench's simulated members are: for
/// tests that upload batches no phone would build.
fn payer_and_canteen(unit: &Unit) -> (Payer, SimMember) {
    let now = unit.clock.now_unix();
    let canteen = SimMember::enrol(&unit.ledger, "CANTEEN-01", now).unwrap();
    let mut payer = SimMember::enrol(&unit.ledger, "PAYER-0001", now).unwrap();
    unit.ledger.credit("PAYER-0001", yen(50_000), "pay").unwrap();
    let order = PurseOrder { closing: Vec::new(), amount: 20_000 };
    let body = payer.sync(&unit.ledger, Vec::new(), Some(order), now).unwrap();
    (Payer::new(payer, body.purse.unwrap()), canteen)
}

/// The transfer `payer` could have signed instead of `honest`: the same slot, another amount.
fn rival_of(payer: &Payer, honest: &Transfer, amount: u64) -> Transfer {
    let terms = TransferTerms {
        amount,
        spent_after: honest.terms().spent_after - honest.terms().amount + amount,
        memo: "rival".into(),
        ..honest.terms().clone()
    };
    Transfer::sign(payer.certificate.clone(), terms, &payer.member.identity).unwrap()
}

/// One sync that carries a transfer twice, and a rival of one slot between its copies: however
/// the ledger's storage batches a sync's writes, the rival must see the transfer stored before
/// it, and the copy must see it settled.
#[test]
fn rivals_and_repeats_inside_one_sync_settle_once_and_the_rival_proves_the_double_spend() {
    let unit = Unit::new();
    let now = unit.clock.now_unix();
    let (mut payer, mut canteen) = payer_and_canteen(&unit);
    let to = canteen.identity.public().signing_key;
    let first = payer.pay(to, 100, now).unwrap();
    let second = payer.pay(to, 200, now).unwrap();
    let third = payer.pay(to, 300, now).unwrap();
    let rival = rival_of(&payer, &second, 5_000);
    let upload =
        vec![first.clone(), second.clone(), second.clone(), rival.clone(), third.clone(), first.clone()];

    let answer = canteen.sync(&unit.ledger, upload, None, now).unwrap();
    let outcome = |id: [u8; 32]| answer.outcomes.iter().find(|o| o.transfer_id == id).unwrap().outcome;
    for honest in [&first, &second, &third] {
        assert_eq!(outcome(honest.id()), Outcome::Settled);
        assert_eq!(count(&unit, EntryKind::Settled, honest.id()), 1, "settled exactly once");
    }
    assert_ne!(outcome(rival.id()), Outcome::Settled);
    assert_eq!(count(&unit, EntryKind::Settled, rival.id()), 0, "the rival is never paid");
    let proofs = unit.ledger.audit_entries(0, u32::MAX).unwrap();
    let proofs = proofs.iter().filter(|e| e.kind == EntryKind::DoubleSpend).count();
    assert_eq!(proofs, 1, "the rival proved the double spend once");
    assert_eq!(unit.ledger.member("CANTEEN-01").unwrap().balance_minor, 600);
    assert!(unit.ledger.member("PAYER-0001").unwrap().flagged, "the payer is named");
    unit.assert_books();
}

/// A sync whose last write fails is rolled back whole, on either backend: no transfer stored, no
/// purse paid from, no account credited, no entry appended; the same upload, sent again once the
/// database takes writes, settles each transfer once.
#[test]
fn a_sync_whose_last_write_fails_leaves_nothing_behind_and_settles_once_when_sent_again() {
    let unit = Unit::new();
    let now = unit.clock.now_unix();
    let (mut payer, mut canteen) = payer_and_canteen(&unit);
    let to = canteen.identity.public().signing_key;
    let upload: Vec<Transfer> = (0..40).map(|_| payer.pay(to, 10, now).unwrap()).collect();
    let size = unit.ledger.audit_entries(0, u32::MAX).unwrap().len() as i64;
    let count_rows =
        |insider: &mut Insider, table: &str| insider.number(&format!("SELECT COUNT(*) FROM {table}"));

    // The database refuses one of the entries the sync appends last, and only that one.
    let refused = size + upload.len() as i64 - 1;
    let mut insider = Insider::open(&unit.dir.path().join("ledger"), &unit.database);
    let (refuse, allow) = match insider {
        Insider::Sqlite(_) => (
            format!(
                "CREATE TRIGGER refuse_entry BEFORE INSERT ON audit WHEN NEW.seq = {refused} \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            ),
            "DROP TRIGGER refuse_entry".to_owned(),
        ),
        Insider::Postgres(_) => (
            format!("ALTER TABLE audit ADD CONSTRAINT refuse_entry CHECK (seq <> {refused})"),
            "ALTER TABLE audit DROP CONSTRAINT refuse_entry".to_owned(),
        ),
    };
    let before = (count_rows(&mut insider, "transfer"), count_rows(&mut insider, "audit_party"));
    insider.execute(&refuse);

    let failed = canteen.sync(&unit.ledger, upload.clone(), None, now);
    assert!(failed.is_err(), "the sync fails: {failed:?}");
    assert_eq!((count_rows(&mut insider, "transfer"), count_rows(&mut insider, "audit_party")), before);
    assert_eq!(unit.ledger.audit_entries(0, u32::MAX).unwrap().len() as i64, size);
    assert_eq!(unit.ledger.member("CANTEEN-01").unwrap().balance_minor, 0);
    assert_eq!(unit.ledger.member("PAYER-0001").unwrap().in_purses_minor, 20_000);
    unit.assert_books();

    insider.execute(&allow);
    let answer = canteen.sync(&unit.ledger, upload.clone(), None, now).unwrap();
    assert!(answer.outcomes.iter().all(|o| o.outcome == Outcome::Settled), "{:?}", answer.outcomes);
    for transfer in &upload {
        assert_eq!(count(&unit, EntryKind::Settled, transfer.id()), 1);
    }
    assert_eq!(unit.ledger.member("CANTEEN-01").unwrap().balance_minor, 400);
    assert_eq!(unit.ledger.member("PAYER-0001").unwrap().in_purses_minor, 20_000 - 400);
}
