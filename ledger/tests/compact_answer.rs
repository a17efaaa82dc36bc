//! The version 4 sync answer (docs/adr/0020): a receiver's full sync of 256 settled transfers fits
//! a thin link, its entries share one multi-leaf proof that the wallet checks, a wallet that still
//! asks in version 3 gets the answer it always did, and a ledger that forges or trims the one
//! proof has its whole answer refused.

mod support;

use std::sync::Arc;

use outpost_ledger::Ledger;
use outpost_ledger::simulated::{Member, Payer};
use outpost_wallet_core::audit::{AuditEntry, EntryKind};
use outpost_wallet_core::merkle;
use outpost_wallet_core::protocol::Transfer;
use outpost_wallet_core::protocol::sync::{
    MAX_SYNC_TRANSFERS, Outcome, PurseOrder, SyncResponse, SyncResponseBody,
};
use outpost_wallet_core::transport::{SyncTransport, TransportError};
use outpost_wallet_core::{Clock, WalletError};
use support::{Unit, pay, yen};

/// The target of docs/adr/0020 for a full sync of 256 settled transfers.
const THIN_LINK_BYTES: usize = 40 * 1024;

/// Sixteen payers with a purse each, and `receivers` canteens, on one ledger.
fn payers_and_canteens(unit: &Unit, receivers: usize) -> (Vec<Payer>, Vec<Member>) {
    let now = unit.clock.now_unix();
    let ledger = &unit.ledger;
    let canteens =
        (0..receivers).map(|i| Member::enrol(ledger, &format!("CANTEEN-{i:02}"), now).unwrap()).collect();
    let mut payers = Vec::new();
    for i in 0..16 {
        let member_id = format!("PAYER-{i:04}");
        let mut payer = Member::enrol(ledger, &member_id, now).unwrap();
        ledger.credit(&member_id, yen(50_000), "pay").unwrap();
        let request = payer
            .request_version(4, Vec::new(), Some(PurseOrder { closing: Vec::new(), amount: 20_000 }), now)
            .unwrap();
        let answer = ledger.sync(&request).unwrap();
        let (_, body) = payer.follow(&ledger.public_key(), &request, &answer).unwrap();
        payers.push(Payer::new(payer, body.purse.unwrap()));
    }
    (payers, canteens)
}

/// Two full syncs of transfers of 10 each: from each payer's purse, sequence numbers 1 to 16 to
/// `first` and 17 to 32 to `second`, 256 each.
fn two_full_syncs(
    payers: &mut [Payer],
    first: &Member,
    second: &Member,
    now: u64,
) -> (Vec<Transfer>, Vec<Transfer>) {
    let (mut to_first, mut to_second) = (Vec::new(), Vec::new());
    for payer in payers {
        for seq in 1..=32u32 {
            let (to, transfers) = if seq <= 16 { (first, &mut to_first) } else { (second, &mut to_second) };
            transfers.push(payer.pay(to.identity.public().signing_key, 10, now).unwrap());
        }
    }
    (to_first, to_second)
}

#[test]
fn a_full_sync_of_256_settled_transfers_fits_a_thin_link_and_an_old_wallet_still_gets_every_proof() {
    let unit = Unit::new();
    let now = unit.clock.now_unix();
    let (mut payers, mut canteens) = payers_and_canteens(&unit, 2);
    let ledger = &unit.ledger;
    let (to_new, to_old) = two_full_syncs(&mut payers, &canteens[0], &canteens[1], now);
    assert_eq!((to_new.len(), to_old.len()), (MAX_SYNC_TRANSFERS, MAX_SYNC_TRANSFERS));

    let canteen = &mut canteens[0];
    let request = canteen.request_version(4, to_new, None, now).unwrap();
    let answer = ledger.sync(&request).unwrap();
    let (version, body) = canteen.follow(&ledger.public_key(), &request, &answer).unwrap();
    assert_eq!(version, 4, "answered in the request's version");
    assert_eq!(body.outcomes.len(), MAX_SYNC_TRANSFERS);
    assert!(body.outcomes.iter().all(|o| o.outcome == Outcome::Settled), "every transfer settled");
    assert!(answer.len() <= THIN_LINK_BYTES, "the answer is {} bytes", answer.len());
    assert!(!body.more, "one round");
    for proved in &body.entries {
        let entry = AuditEntry::from_leaf_data(&proved.leaf).unwrap();
        assert_ne!(entry.kind, EntryKind::Settled, "a settlement the outcomes already say is left out");
    }

    // The same sync asked in version 3, by a wallet not yet upgraded: every entry in full, each
    // with its own proof, as before.
    let old = &mut canteens[1];
    let request = old.request_version(3, to_old, None, now).unwrap();
    let answer = ledger.sync(&request).unwrap();
    let (version, body) = old.follow(&ledger.public_key(), &request, &answer).unwrap();
    assert_eq!(version, 3);
    assert!(body.outcomes.iter().all(|o| o.outcome == Outcome::Settled));
    assert!(!body.entries.is_empty() && body.entries.iter().all(|e| !e.proof.is_empty()), "one proof each");
    assert!(body.entries_proof.is_empty());
    for proved in &body.entries {
        let entry = AuditEntry::from_leaf_data(&proved.leaf).unwrap();
        let leaf = merkle::leaf_hash(&proved.leaf);
        merkle::verify_inclusion(
            &leaf,
            entry.seq,
            body.checkpoint.size,
            &proved.proof,
            &body.checkpoint.root,
        )
        .unwrap();
    }
    assert!(answer.len() > 2 * THIN_LINK_BYTES, "version 3 carries every leaf: {} bytes", answer.len());
}

type Edit = fn(&mut SyncResponseBody);

/// A ledger that answers honestly and then edits the answer and signs it again with its own key:
/// the wallet can only catch what the proofs catch.
struct Editing {
    ledger: Arc<Ledger>,
    signer: outpost_wallet_core::protocol::LedgerSigner,
    edit: Edit,
}

impl SyncTransport for Editing {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        let answer = support::InProcess(self.ledger.clone()).exchange(request)?;
        let response = SyncResponse::from_bytes(&answer).unwrap();
        let version = response.version();
        let mut body = response.into_body();
        (self.edit)(&mut body);
        Ok(self.signer.sign_sync_response_version(version, body).unwrap().to_bytes())
    }
}

fn editing(unit: &Unit, edit: Edit) -> Editing {
    let secret: [u8; 32] =
        std::fs::read(unit.dir.path().join("ledger/ledger.key")).unwrap().try_into().unwrap();
    let signer = outpost_wallet_core::protocol::LedgerSigner::from_secret(&secret);
    Editing { ledger: unit.ledger.clone(), signer, edit }
}

#[test]
fn a_wallet_checks_the_one_proof_of_its_entries_and_refuses_a_forged_or_trimmed_one_whole() {
    let edits: [(&str, Edit); 5] = [
        ("a proof hash changed", |b| b.entries_proof[0][0] ^= 1),
        ("a proof hash dropped", |b| {
            b.entries_proof.pop();
        }),
        ("an entry dropped", |b| {
            b.entries.remove(0);
        }),
        ("entries out of order", |b| b.entries.swap(0, 1)),
        ("an entry's bytes changed", |b| {
            let last = b.entries[0].leaf.len() - 1;
            b.entries[0].leaf[last] ^= 1;
        }),
    ];
    for (what, edit) in edits {
        let unit = Unit::new();
        let aiko = unit.member("aiko", "AIKO-0001");
        unit.ledger.credit("AIKO-0001", yen(10_000), "pay").unwrap();
        let ben = unit.member("ben", "BEN-0002");
        unit.load_purse(&aiko, 5_000);
        pay(&aiko, &ben, 300, false);
        pay(&aiko, &ben, 400, false);
        unit.sync(&ben);
        // Entries Aiko's answer must prove: two credits (its settlements it uploads itself, and
        // their outcomes say them).
        unit.ledger.credit("AIKO-0001", yen(1_000), "allowance").unwrap();
        unit.ledger.credit("AIKO-0001", yen(2_000), "allowance").unwrap();
        let before = aiko.balances().unwrap();
        let err = aiko.sync(&editing(&unit, edit), &Default::default()).unwrap_err();
        assert!(matches!(err, WalletError::BadLedgerProof { .. }), "{what}: {err:?}");
        assert_eq!(aiko.balances().unwrap(), before, "{what}: nothing applied");
        let report = unit.sync(&aiko);
        assert_eq!(report.settled, 2, "{what}: the honest answer settles both");
        assert_eq!(aiko.balances().unwrap().pending_outgoing, yen(0));
        assert_eq!(aiko.online_balance_minor().unwrap(), 5_000 + 3_000);
    }
}
