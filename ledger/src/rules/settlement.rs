//! Purses and offline transfers on the ledger: issuing and closing purses, settling transfers
//! exactly once, attributing double spends, and returning what purses hold after their
//! settlement window. Every function runs inside the caller's transaction and appends the audit
//! entries for what it changes.
//!
//! The policy (docs/adr/0006-settlement-and-double-spends.md):
//! - A transfer uploaded by its receiver, or with the receiver's receipt, is paid to the
//!   receiver's online account. One uploaded by the sender alone is held until the receiver or a
//!   receipt shows up: the receiver may never have scanned it, and the sender may have paid again.
//! - Payment comes out of the purse; what the purse no longer holds (only after a double spend)
//!   comes out of the sender's online account, which may go negative. Honest receivers are paid.
//! - Two transfers with one (purse, sequence), or a transfer beyond what the sender declared when
//!   closing the purse, are proof of a double spend: the sender is flagged and the purse revoked.
//! - After a purse's expiry plus the settlement window, what it still holds goes back to its
//!   owner, held transfers are returned, and later uploads are refused.

mod in_order;

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use outpost_wallet_core::audit::{Account, EntryKind, encode_declaration};
use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::chain::{self, Conflict, Link};
use outpost_wallet_core::protocol::sync::{Outcome, PurseDeclaration, TransferOutcome};
use outpost_wallet_core::protocol::{MessageId, ProtocolError, Receipt, Transfer};

use crate::rules::audit::{self, NewEntry};
use crate::rules::outcome::TransferReason;
use crate::storage::{KeyState, NewTransfer, PurseState, TransferState, Tx};
pub(crate) use crate::storage::{Proved, PurseRow};
use crate::{LedgerError, inconsistent, minor};
use in_order::map_chunks_in_order;

/// Transfers checked as one signature batch. A batch of 32 costs about 40% of 32 single checks
/// (64: 30%, 256: 23%), while a chunk still comes back soon enough for the transaction to start;
/// a bad signature costs its chunk a second, one-by-one pass.
const BATCH: usize = 32;

pub(crate) fn purse_row(tx: &dyn Tx, purse_id: &MessageId) -> Result<Option<PurseRow>, LedgerError> {
    tx.purse(purse_id)
}

/// Adds `delta` to a member's online account; a balance below zero flags the member.
pub(crate) fn add_to_account(tx: &dyn Tx, member_id: &str, delta: i64) -> Result<(), LedgerError> {
    if !tx.add_to_account(member_id, delta)? {
        return Err(inconsistent(&format!("no account for member {member_id}")));
    }
    Ok(())
}

/// The member a wallet key belongs or belonged to, and the key's state.
pub(crate) fn member_of_key(tx: &dyn Tx, key: &[u8; 32]) -> Result<Option<(String, KeyState)>, LedgerError> {
    tx.wallet_key(key)
}

pub(crate) fn revoke(conn: &dyn Tx, now: u64, purse_id: &MessageId, reason: &str) -> Result<(), LedgerError> {
    revoke_authorised(conn, now, purse_id, reason, None)
}

/// [`revoke`], by officers whose authorisation (`outpost_wallet_core::officer::Authorisation`)
/// the entry carries.
pub(crate) fn revoke_authorised(
    conn: &dyn Tx,
    now: u64,
    purse_id: &MessageId,
    reason: &str,
    authorisation: Option<Vec<u8>>,
) -> Result<(), LedgerError> {
    let purse = purse_row(conn, purse_id)?
        .ok_or_else(|| LedgerError::UnknownPurse { purse: hex::short(purse_id) })?;
    if matches!(purse.state, PurseState::Revoked | PurseState::Finished) {
        return Ok(());
    }
    conn.set_purse_state(purse_id, PurseState::Revoked)?;
    let detail = format!("purse {} of {} revoked: {reason}", hex::short(purse_id), purse.member_id);
    let mut entry = NewEntry::new(EntryKind::Revoked, &purse.member_id, detail).subject(*purse_id);
    if let Some(authorisation) = authorisation {
        entry = entry.evidence(authorisation);
    }
    audit::append(conn, now, entry)?;
    Ok(())
}

/// Revokes every purse of the member that can still be spent from or declared.
pub(crate) fn revoke_all(
    conn: &dyn Tx,
    now: u64,
    member_id: &str,
    reason: &str,
) -> Result<Vec<MessageId>, LedgerError> {
    let ids = conn.live_purses_of(member_id)?;
    for id in &ids {
        revoke(conn, now, id, reason)?;
    }
    Ok(ids)
}

/// Returns what every purse past its expiry and settlement window still holds to its member,
/// returns its held transfers, and finishes it. Returns how many purses it finished.
pub(crate) fn sweep(conn: &dyn Tx, now: u64, window: u64) -> Result<u64, LedgerError> {
    let ids = conn.purses_expired_before(now.saturating_sub(window))?;
    for id in &ids {
        let purse = purse_row(conn, id)?.ok_or_else(|| inconsistent("a swept purse vanished"))?;
        let returned = conn.return_held(id)?;
        conn.finish_purse(id)?;
        add_to_account(conn, &purse.member_id, purse.outstanding)?;
        let detail = format!(
            "purse {} of {} past its settlement window: {} minor units back to the account, {returned} unclaimed \
             transfers returned",
            hex::short(id),
            purse.member_id,
            purse.outstanding
        );
        let entry = NewEntry::new(EntryKind::Returned, &purse.member_id, detail)
            .subject(*id)
            .moving(Account::Purse(*id), -purse.outstanding)
            .moving(Account::Member(purse.member_id.clone()), purse.outstanding);
        audit::append(conn, now, entry)?;
    }
    Ok(ids.len() as u64)
}

/// Who uploaded a transfer or receipt.
struct Uploader {
    wallet_key: [u8; 32],
}

/// One sync's uploads (transfers, evidence, receipts), taken in the request's order inside its
/// transaction, and their outcomes.
///
/// A batch of transfers to one receiver would otherwise look the receiver up, and update their
/// account, once per transfer. Here each receiver's wallet key is looked up once, and what each
/// receiver is paid is added up and credited with one update per receiver. The credits are
/// written before anything that reads a balance they change (a debit, which flags a member whose
/// balance goes below zero) and at the latest in [`Uploads::finish`], the only way to the
/// outcomes, so no answer goes out without them. Credits only add, so writing them later within
/// the transaction changes nothing but the number of statements.
pub(crate) struct Uploads<'c> {
    conn: &'c dyn Tx,
    now: u64,
    window: u64,
    uploader: Uploader,
    payees: Payees,
    tips: Tips,
    outcomes: Vec<TransferOutcome>,
}

impl<'c> Uploads<'c> {
    pub fn new(conn: &'c dyn Tx, now: u64, window: u64, wallet_key: [u8; 32]) -> Self {
        Uploads {
            conn,
            now,
            window,
            uploader: Uploader { wallet_key },
            payees: Payees::default(),
            tips: Tips::default(),
            outcomes: Vec::new(),
        }
    }

    /// A transfer the wallet sent or received; see [`upload_transfer`].
    pub fn transfer(&mut self, checked: Checked) -> Result<(), LedgerError> {
        let outcome = upload_transfer(
            self.conn,
            self.now,
            self.window,
            checked,
            &self.uploader,
            &mut self.payees,
            &mut self.tips,
        )?;
        self.outcomes.push(outcome);
        Ok(())
    }

    /// A transfer the wallet refused as a double spend; see [`upload_evidence`].
    pub fn evidence(&mut self, checked: Checked) -> Result<(), LedgerError> {
        let outcome = upload_evidence(self.conn, self.now, checked, &self.uploader, &mut self.tips)?;
        self.outcomes.push(outcome);
        Ok(())
    }

    /// A receipt the wallet scanned; its outcome replaces the transfer's, if the request had both.
    pub fn receipt(&mut self, receipt: &Receipt) -> Result<(), LedgerError> {
        if let Some(outcome) = upload_receipt(self.conn, self.now, self.window, receipt, &mut self.payees)? {
            self.outcomes.retain(|o| o.transfer_id != outcome.transfer_id);
            self.outcomes.push(outcome);
        }
        Ok(())
    }

    /// Credits what the receivers were paid and returns the outcomes, at most a response's worth.
    pub fn finish(mut self) -> Result<Vec<TransferOutcome>, LedgerError> {
        self.payees.credit_accounts(self.conn)?;
        self.outcomes.truncate(outpost_wallet_core::protocol::sync::MAX_SYNC_TRANSFERS);
        Ok(self.outcomes)
    }
}

/// The receivers of one sync's transfers: whose each wallet key is, and what each is owed and not
/// yet credited.
#[derive(Default)]
struct Payees {
    members: HashMap<[u8; 32], Option<String>>,
    /// Ordered, so that the updates come in the same order on every run.
    owed: BTreeMap<String, i64>,
}

impl Payees {
    /// The member a receiver's key belongs or belonged to; `None` if not enrolled here.
    fn member_of(&mut self, conn: &dyn Tx, key: &[u8; 32]) -> Result<Option<String>, LedgerError> {
        if let Some(member) = self.members.get(key) {
            return Ok(member.clone());
        }
        let member = member_of_key(conn, key)?.map(|(member_id, _)| member_id);
        self.members.insert(*key, member.clone());
        Ok(member)
    }

    fn owe(&mut self, member_id: &str, amount: i64) {
        match self.owed.get_mut(member_id) {
            Some(owed) => *owed += amount,
            None => {
                self.owed.insert(member_id.to_owned(), amount);
            }
        }
    }

    /// Writes what is owed to the accounts.
    fn credit_accounts(&mut self, conn: &dyn Tx) -> Result<(), LedgerError> {
        for (member_id, amount) in std::mem::take(&mut self.owed) {
            add_to_account(conn, &member_id, amount)?;
        }
        Ok(())
    }
}

fn outcome(transfer_id: MessageId, outcome: Outcome, reason: TransferReason) -> TransferOutcome {
    let mut reason = reason.to_string();
    reason.truncate(outpost_wallet_core::protocol::sync::MAX_SYNC_TEXT);
    TransferOutcome { transfer_id, outcome, reason }
}

/// An uploaded transfer after the checks every receiver runs (the wallet-core code, without the
/// expiry: the ledger applies its settlement window instead): the transfer, or why it was
/// refused. [`check_transfers`] makes them.
pub(crate) struct Checked {
    id: MessageId,
    verdict: Result<Transfer, ProtocolError>,
}

/// Checks a request's uploaded transfers exactly as [`Transfer::verify_grant`] does, on every
/// core, and runs `take` with the results in the transfers' order as they come, so that the write
/// transaction settles the first while later ones are still being verified. The transfers go in
/// chunks of [`BATCH`] to [`Transfer::verify_grants_with`], which checks a chunk's signatures as
/// one batch and gives each transfer the verdict it would get alone. Each distinct purse
/// certificate (by its bytes, signature included) is verified once, by the first check that meets
/// it, and its result given to every transfer that carries the same bytes. Nothing here reads the
/// database, so doing it before or beside the transaction changes no outcome.
pub(crate) fn check_transfers<O>(
    ledger_key: &[u8; 32],
    transfers: &[&Transfer],
    take: impl FnOnce(&mut dyn Iterator<Item = Checked>) -> O,
) -> O {
    let mut distinct: HashMap<Vec<u8>, usize> = HashMap::new();
    for transfer in transfers {
        let next = distinct.len();
        distinct.entry(transfer.certificate().to_bytes()).or_insert(next);
    }
    let certificate_checks: Vec<OnceLock<Result<(), ProtocolError>>> =
        (0..distinct.len()).map(|_| OnceLock::new()).collect();
    let check = |chunk: &[&Transfer]| -> Vec<Checked> {
        let ids = chunk.iter().map(|transfer| transfer.id());
        let verdicts =
            Transfer::verify_grants_with(chunk.iter().map(|&transfer| transfer.clone()).collect(), |own| {
                match distinct.get(&own.to_bytes()) {
                    Some(&index) => certificate_checks[index].get_or_init(|| own.verify(ledger_key)).clone(),
                    None => own.verify(ledger_key),
                }
            });
        ids.zip(verdicts)
            .map(|(id, verdict)| Checked { id, verdict: verdict.map(|verified| verified.into_transfer()) })
            .collect()
    };
    map_chunks_in_order(transfers, BATCH, check, |checked| take(checked))
}

/// A checked transfer and the purse it spends from; or the refusal to answer with.
fn verified_with_purse(
    conn: &dyn Tx,
    checked: Checked,
) -> Result<Result<(Transfer, PurseRow), TransferOutcome>, LedgerError> {
    let transfer = match checked.verdict {
        Ok(transfer) => transfer,
        Err(e) => return Ok(Err(outcome(checked.id, Outcome::Refused, TransferReason::Invalid(e)))),
    };
    match purse_row(conn, &transfer.certificate().purse_id())? {
        Some(purse) => Ok(Ok((transfer, purse))),
        None => Ok(Err(outcome(checked.id, Outcome::Refused, TransferReason::UnknownPurse))),
    }
}

/// Takes one uploaded transfer, checked by [`check_transfers`] with the wallet-core code every
/// receiver runs: settles, holds, refuses or records it as double-spend evidence. Uploading it
/// again changes nothing, except that a held transfer is paid once its receiver or receipt shows
/// up. Every new transfer is checked against the purse's stored transfers and declaration
/// ([`first_conflict`]) before anything is paid or held, whoever uploads it (docs/adr/0010).
fn upload_transfer(
    conn: &dyn Tx,
    now: u64,
    window: u64,
    checked: Checked,
    uploader: &Uploader,
    payees: &mut Payees,
    tips: &mut Tips,
) -> Result<TransferOutcome, LedgerError> {
    let id = checked.id;
    let (transfer, purse) = match verified_with_purse(conn, checked)? {
        Ok(found) => found,
        Err(refused) => return Ok(refused),
    };
    let cert = transfer.certificate();
    let is_receiver = uploader.wallet_key == transfer.terms().receiver_key;
    if uploader.wallet_key != cert.terms().wallet_key && !is_receiver {
        return Ok(outcome(id, Outcome::Refused, TransferReason::NotAParty));
    }
    let late = is_late(&purse, now, window);

    let slot = read_slot(conn, tips, &purse, &transfer, id)?;
    if let Some(state) = slot.known {
        return Ok(match state {
            TransferState::Held if (is_receiver || has_receipt(conn, &id)?) && !late => {
                claim(conn, now, &purse, &transfer, id, Row::Held, payees)?
            }
            TransferState::Held => outcome(id, Outcome::Held, TransferReason::Waiting),
            TransferState::Settled => outcome(id, Outcome::Settled, TransferReason::Paid),
            TransferState::Returned => outcome(id, Outcome::Returned, TransferReason::Late),
            TransferState::Evidence => outcome(id, Outcome::DoubleSpend, TransferReason::Evidence),
        });
    }

    let fraud = prove_any_conflict(conn, now, &purse, &transfer, slot)?;
    // Every way on from here stores the transfer.
    tips.stored(&purse.purse_id, Link::of(&transfer));
    if late {
        insert_transfer(conn, now, &transfer, id, TransferState::Returned)?;
        record_late_spend(conn, now, &purse, &transfer, id)?;
        return Ok(outcome(id, Outcome::Returned, TransferReason::Late));
    }
    // A proof just found revoked the purse: read it as it now stands.
    let purse = if fraud { reread(conn, &purse)? } else { purse };
    if is_receiver || has_receipt(conn, &id)? {
        return claim(conn, now, &purse, &transfer, id, Row::New, payees);
    }
    insert_transfer(conn, now, &transfer, id, TransferState::Held)?;
    let detail = format!(
        "transfer {} of {} minor units from {} held until its receiver syncs",
        hex::short(&id),
        transfer.terms().amount,
        purse.member_id
    );
    audit::append(
        conn,
        now,
        transfer_entry(EntryKind::TransferHeld, &purse.member_id, &transfer, id, detail),
    )?;
    Ok(outcome(id, if fraud { Outcome::DoubleSpend } else { Outcome::Held }, TransferReason::Waiting))
}

fn is_late(purse: &PurseRow, now: u64, window: u64) -> bool {
    purse.state == PurseState::Finished || now > purse.expires_at.saturating_add(window)
}

/// Takes a transfer a receiver refused as a double spend: it proves the double spend when it
/// conflicts with a transfer the ledger holds (now or later) and is never paid.
fn upload_evidence(
    conn: &dyn Tx,
    now: u64,
    checked: Checked,
    uploader: &Uploader,
    tips: &mut Tips,
) -> Result<TransferOutcome, LedgerError> {
    let id = checked.id;
    let (transfer, purse) = match verified_with_purse(conn, checked)? {
        Ok(found) => found,
        Err(refused) => return Ok(refused),
    };
    if uploader.wallet_key != transfer.terms().receiver_key {
        return Ok(outcome(id, Outcome::Refused, TransferReason::EvidenceNotFromReceiver));
    }
    let slot = read_slot(conn, tips, &purse, &transfer, id)?;
    if slot.known.is_none() {
        prove_any_conflict(conn, now, &purse, &transfer, slot)?;
        tips.stored(&purse.purse_id, Link::of(&transfer));
        insert_transfer(conn, now, &transfer, id, TransferState::Evidence)?;
    }
    Ok(outcome(id, Outcome::DoubleSpend, TransferReason::Evidence))
}

/// Takes a receipt a sender scanned: a held transfer it acknowledges is the receiver's claim, and
/// is paid as [`claim`] says.
fn upload_receipt(
    conn: &dyn Tx,
    now: u64,
    window: u64,
    receipt: &Receipt,
    payees: &mut Payees,
) -> Result<Option<TransferOutcome>, LedgerError> {
    if receipt.verify().is_err() {
        return Ok(Some(outcome(receipt.transfer_id, Outcome::Refused, TransferReason::ReceiptSignature)));
    }
    // Only a held transfer can still be paid: for any other, known or not, the receipt changes
    // nothing and is not kept.
    let row = conn.held_transfer(&receipt.transfer_id)?;
    let Some((receiver_key, bytes)) = row else {
        return Ok(None);
    };
    if receiver_key != receipt.receiver_key {
        return Ok(Some(outcome(
            receipt.transfer_id,
            Outcome::Refused,
            TransferReason::ReceiptNotFromReceiver,
        )));
    }
    conn.insert_receipt(&receipt.transfer_id, &receipt.to_bytes())?;
    let transfer = Transfer::from_bytes(&bytes)?;
    let purse = purse_row(conn, &transfer.certificate().purse_id())?
        .ok_or_else(|| inconsistent("a held transfer's purse is missing"))?;
    if is_late(&purse, now, window) {
        return Ok(None);
    }
    claim(conn, now, &purse, &transfer, receipt.transfer_id, Row::Held, payees).map(Some)
}

fn has_receipt(conn: &dyn Tx, id: &MessageId) -> Result<bool, LedgerError> {
    conn.has_receipt(id)
}

/// What the ledger holds in a transfer's slot: the transfer itself (its state), or a rival; and,
/// when the slot lies past every stored transfer of the purse, the highest of them.
struct Slot {
    known: Option<TransferState>,
    rival: Option<Vec<u8>>,
    /// `Some` when the slot is past the purse's stored transfers: then it is free and its only
    /// stored neighbour is this one (`None` inside: the purse has none stored).
    past: Option<Option<Link>>,
}

/// The highest stored transfer of each purse a sync touches, kept while its transaction runs (no
/// other writer can store into the purse meanwhile). A new transfer past it has a free slot and
/// the tip as its only stored neighbour, so a purse's transfers uploaded in order (the common
/// sync) cost no query for their slot or their neighbours.
#[derive(Default)]
pub(crate) struct Tips(HashMap<MessageId, Option<Link>>);

impl Tips {
    fn tip(&mut self, conn: &dyn Tx, purse_id: &MessageId) -> Result<Option<Link>, LedgerError> {
        if let Some(tip) = self.0.get(purse_id) {
            return Ok(*tip);
        }
        let highest = conn.highest_transfer(purse_id)?;
        let tip = highest.map(|bytes| Transfer::from_bytes(&bytes).map(|t| Link::of(&t))).transpose()?;
        self.0.insert(*purse_id, tip);
        Ok(tip)
    }

    /// A transfer of the purse is being stored.
    fn stored(&mut self, purse_id: &MessageId, link: Link) {
        if let Some(tip) = self.0.get_mut(purse_id)
            && tip.is_none_or(|tip| tip.seq < link.seq)
        {
            *tip = Some(link);
        }
    }
}

/// Reads the transfer's slot in its purse. An id is a hash over the purse and the sequence, so
/// the transfer, if the ledger already has it, is in this slot too, beside any rival.
fn read_slot(
    conn: &dyn Tx,
    tips: &mut Tips,
    purse: &PurseRow,
    transfer: &Transfer,
    id: MessageId,
) -> Result<Slot, LedgerError> {
    let tip = tips.tip(conn, &purse.purse_id)?;
    if tip.is_none_or(|tip| tip.seq < transfer.terms().seq) {
        return Ok(Slot { known: None, rival: None, past: Some(tip) });
    }
    let mut slot = Slot { known: None, rival: None, past: None };
    for row in conn.slot(&purse.purse_id, transfer.terms().seq)? {
        if row.transfer_id == id {
            slot.known = Some(row.state);
        } else if slot.rival.is_none() {
            slot.rival = Some(row.bytes);
        }
    }
    Ok(slot)
}

/// A conflict found, and the stored transfer's bytes it is with (`None`: the declaration).
type Found = (Conflict, Option<Vec<u8>>);

/// The first reason a new transfer cannot be honest beside what the ledger holds of its purse,
/// and the stored transfer it conflicts with (none for a conflict with the declaration). Reads at
/// most the slot's rival (found by [`read_slot`]), the nearest stored transfer below and the
/// nearest above, through the slot index, or only the purse's tip when the slot is past it: the
/// pair rule's transitivity makes that enough while the purse has no proof (docs/adr/0010).
fn first_conflict(
    conn: &dyn Tx,
    purse: &PurseRow,
    transfer: &Transfer,
    slot: Slot,
) -> Result<Option<Found>, LedgerError> {
    if let Some(rival) = slot.rival {
        return Ok(Some((Conflict::SameSlot, Some(rival))));
    }
    let link = Link::of(transfer);
    match slot.past {
        Some(tip) => {
            if let Some(tip) = tip
                && let Err(conflict) = chain::check_pair(&tip, &link)
            {
                // Read again only to carry it as proof.
                let bytes = conn
                    .transfer_bytes(&purse.purse_id, tip.seq, &tip.transfer_id)?
                    .ok_or_else(|| inconsistent("a purse's highest transfer vanished"))?;
                return Ok(Some((conflict, Some(bytes))));
            }
        }
        None => {
            for above in [false, true] {
                let neighbour = conn.neighbour(&purse.purse_id, link.seq, above)?;
                if let Some(bytes) = neighbour
                    && let Err(conflict) = chain::check_pair(&Link::of(&Transfer::from_bytes(&bytes)?), &link)
                {
                    return Ok(Some((conflict, Some(bytes))));
                }
            }
        }
    }
    if let (Some(last_seq), Some(spent)) = (purse.declared_seq, purse.declared_spent)
        && let Err(conflict) = chain::check_declared(&link, last_seq, spent)
    {
        return Ok(Some((conflict, None)));
    }
    Ok(None)
}

/// Checks a new transfer against its purse and writes the proof of the first conflict, unless the
/// purse is proved already (its signer is named; one proof per purse keeps the log lean). Returns
/// whether the transfer conflicts.
fn prove_any_conflict(
    conn: &dyn Tx,
    now: u64,
    purse: &PurseRow,
    transfer: &Transfer,
    slot: Slot,
) -> Result<bool, LedgerError> {
    let Some((conflict, other)) = first_conflict(conn, purse, transfer, slot)? else {
        return Ok(false);
    };
    if !purse.proved.any() {
        record_double_spend(conn, now, purse, transfer, conflict, other)?;
    }
    Ok(true)
}

fn reread(conn: &dyn Tx, purse: &PurseRow) -> Result<PurseRow, LedgerError> {
    purse_row(conn, &purse.purse_id)?.ok_or_else(|| inconsistent("a purse vanished"))
}

/// Stores a transfer whose id, `id`, the caller has already computed.
fn insert_transfer(
    conn: &dyn Tx,
    now: u64,
    transfer: &Transfer,
    id: MessageId,
    state: TransferState,
) -> Result<(), LedgerError> {
    conn.insert_transfer(&NewTransfer {
        transfer_id: id,
        purse_id: transfer.certificate().purse_id(),
        seq: transfer.terms().seq,
        amount: minor(transfer.terms().amount)?,
        receiver_key: transfer.terms().receiver_key,
        state,
        bytes: transfer.to_bytes(),
        uploaded_at: now,
    })
}

/// Where the transfer being settled stands in the `transfer` table.
enum Row {
    /// Stored as held.
    Held,
    /// Not stored yet: it is stored as settled (or as held, when its receiver is unknown) with
    /// one insert instead of an insert and an update.
    New,
}

impl Row {
    /// Stores the transfer in `state`, or moves it there from held.
    fn put(
        &self,
        conn: &dyn Tx,
        now: u64,
        transfer: &Transfer,
        id: MessageId,
        state: TransferState,
    ) -> Result<(), LedgerError> {
        match self {
            Row::Held => {
                conn.set_transfer_state(&transfer.certificate().purse_id(), transfer.terms().seq, &id, state)
            }
            Row::New => insert_transfer(conn, now, transfer, id, state),
        }
    }
}

/// A receiver's claim to be paid a transfer: its own upload, or its receipt. In a purse with a
/// proof, a claim that conflicts with a transfer of the purse this receiver was already paid is
/// one its own wallet must have refused: it is not paid, kept as evidence, and the receiver is
/// named. Every other claim is paid ([`settle`]). In a purse without proof no two stored
/// transfers conflict, so no claim can.
fn claim(
    conn: &dyn Tx,
    now: u64,
    purse: &PurseRow,
    transfer: &Transfer,
    id: MessageId,
    row: Row,
    payees: &mut Payees,
) -> Result<TransferOutcome, LedgerError> {
    let receiver_key = transfer.terms().receiver_key;
    let Some(receiver) = payees.member_of(conn, &receiver_key)? else {
        if let Row::New = row {
            insert_transfer(conn, now, transfer, id, TransferState::Held)?;
        }
        return Ok(outcome(id, Outcome::Held, TransferReason::ReceiverNotEnrolled));
    };
    if purse.proved.any()
        && let Some(paid) = conflicting_claim(conn, purse, transfer, &receiver_key)?
    {
        row.put(conn, now, transfer, id, TransferState::Evidence)?;
        let paid_id = Transfer::from_bytes(&paid)?.id();
        if device_lost(conn, &receiver_key)? {
            // Only a receipt can claim for a device reported lost (it may no longer sync), and
            // whoever holds the phone signs it: not paid, and its owner is not named for it.
            return Ok(outcome(id, Outcome::Refused, TransferReason::LostDeviceClaim { paid: paid_id }));
        }
        let detail = format!(
            "{receiver} claimed transfer {} from purse {} of {}, which conflicts with transfer {} of the same \
             purse it was already paid: its own wallet must have refused it; not paid",
            hex::short(&id),
            hex::short(&purse.purse_id),
            purse.member_id,
            hex::short(&paid_id)
        );
        let entry = transfer_entry(EntryKind::Complicit, &receiver, transfer, id, detail).evidence(paid);
        audit::append(conn, now, entry)?;
        conn.flag_member(&receiver)?;
        return Ok(outcome(id, Outcome::Refused, TransferReason::Complicit { paid: paid_id }));
    }
    settle(conn, now, purse, transfer, id, row, &receiver, payees)
}

/// A transfer of the purse already paid to `receiver_key` that conflicts with `transfer`, if any.
/// Reads the purse's settled transfers: only on the path of a proved purse.
fn conflicting_claim(
    conn: &dyn Tx,
    purse: &PurseRow,
    transfer: &Transfer,
    receiver_key: &[u8; 32],
) -> Result<Option<Vec<u8>>, LedgerError> {
    let link = Link::of(transfer);
    for bytes in conn.settled_to(&purse.purse_id, receiver_key)? {
        if chain::check_pair(&Link::of(&Transfer::from_bytes(&bytes)?), &link).is_err() {
            return Ok(Some(bytes));
        }
    }
    Ok(None)
}

/// Pays a transfer (whose id is `id`) to `receiver`'s member: from the purse, and whatever the
/// purse no longer holds (only after a proof) from the signer's account, or from the loss account
/// when the signer's device was reported lost. `purse` is the purse's row as it stands now. The
/// receiver's credit is left to `payees`.
#[allow(clippy::too_many_arguments)]
fn settle(
    conn: &dyn Tx,
    now: u64,
    purse: &PurseRow,
    transfer: &Transfer,
    id: MessageId,
    row: Row,
    receiver: &str,
    payees: &mut Payees,
) -> Result<TransferOutcome, LedgerError> {
    let amount = minor(transfer.terms().amount)?;
    let from_purse = amount.min(purse.outstanding);
    let from_account = amount - from_purse;
    if from_account > 0 && !purse.proved.any() {
        // Transfers of a purse without proof are consistent, so they total at most what it holds.
        return Err(inconsistent(&format!(
            "transfer {} would be paid beyond purse {} without a proof",
            hex::short(&id),
            hex::short(&purse.purse_id)
        )));
    }
    conn.pay_from_purse(&purse.purse_id, from_purse, amount)?;
    row.put(conn, now, transfer, id, TransferState::Settled)?;
    // Only a proof made after the device was reported lost puts the loss on the ministry: a
    // member's own proved cheat stays theirs even if they report the phone lost afterwards.
    let lost = purse.proved == Proved::LostDevice;
    let debtor = if lost { Account::Loss } else { Account::Member(purse.member_id.clone()) };
    if from_account > 0 {
        if lost {
            conn.add_loss(-from_account)?;
        } else {
            // Whether the debit takes the sender below zero depends on what they were paid before.
            payees.credit_accounts(conn)?;
            add_to_account(conn, &purse.member_id, -from_account)?;
        }
    }
    payees.owe(receiver, amount);
    let mut detail = format!(
        "transfer {} settled: {amount} minor units from {} to {receiver}",
        hex::short(&id),
        purse.member_id
    );
    if from_account > 0 {
        let from =
            if lost { "the loss account (device reported lost)" } else { "the sender's account: a debt" };
        detail.push_str(&format!(" ({from_account} beyond the purse, from {from}, after a double spend)"));
    }
    let entry = transfer_entry(EntryKind::Settled, &purse.member_id, transfer, id, detail)
        .moving(Account::Purse(purse.purse_id), -from_purse)
        .moving(debtor, -from_account)
        .moving(Account::Member(receiver.to_owned()), amount);
    audit::append(conn, now, entry)?;
    Ok(outcome(id, Outcome::Settled, TransferReason::Paid))
}

/// Whether a wallet key's device was reported lost: revoked, or replaced by an officer.
fn device_lost(conn: &dyn Tx, wallet_key: &[u8; 32]) -> Result<bool, LedgerError> {
    Ok(member_of_key(conn, wallet_key)?.is_some_and(|(_, state)| state != KeyState::Active))
}

/// Writes the proof that `transfer` and `other` (or the purse's declaration, when `other` is
/// `None`) cannot both be honest, revokes the purse and marks it proved. The signer is flagged;
/// unless their device was reported lost, in which case the proof names the device and what the
/// purse does not cover is the loss account's.
fn record_double_spend(
    conn: &dyn Tx,
    now: u64,
    purse: &PurseRow,
    transfer: &Transfer,
    conflict: Conflict,
    other: Option<Vec<u8>>,
) -> Result<(), LedgerError> {
    let lost = device_lost(conn, &transfer.certificate().terms().wallet_key)?;
    let kind = if lost { EntryKind::LostDeviceSpend } else { EntryKind::DoubleSpend };
    let mut entry = NewEntry::new(kind, &purse.member_id, "");
    let against = match other {
        Some(other) => {
            let other_seq = Transfer::from_bytes(&other)?.terms().seq;
            entry = entry.evidence(other);
            format!("against transfer {other_seq}")
        }
        None => format!("against the declaration ({:?} / {:?})", purse.declared_seq, purse.declared_spent),
    };
    entry = entry.evidence(transfer.to_bytes()).subject(purse.purse_id).device_time(transfer.terms().time);
    entry.detail = format!(
        "{} by {} from purse {}: transfer {} {against}: {conflict}",
        if lost { "double spend from a device reported lost" } else { "double spend" },
        purse.member_id,
        hex::short(&purse.purse_id),
        transfer.terms().seq
    );
    audit::append(conn, now, entry)?;
    if !lost {
        conn.flag_member(&purse.member_id)?;
    }
    conn.set_proved(&purse.purse_id, if lost { Proved::LostDevice } else { Proved::Member })?;
    revoke(conn, now, &purse.purse_id, "double spend")
}

/// Records a transfer that came after its purse's settlement window: not paid, named.
fn record_late_spend(
    conn: &dyn Tx,
    now: u64,
    purse: &PurseRow,
    transfer: &Transfer,
    id: MessageId,
) -> Result<(), LedgerError> {
    let receiver = member_of_key(conn, &transfer.terms().receiver_key)?
        .map_or_else(|| "a wallet not enrolled here".to_owned(), |(member_id, _)| member_id);
    let detail = format!(
        "late spend: transfer {} of {} minor units from {} to {receiver} reached the ledger after purse {}'s \
         settlement window, when its money had gone back to {}; not paid",
        hex::short(&id),
        transfer.terms().amount,
        purse.member_id,
        hex::short(&purse.purse_id),
        purse.member_id
    );
    audit::append(conn, now, transfer_entry(EntryKind::LateSpend, &purse.member_id, transfer, id, detail))?;
    Ok(())
}

/// An entry about one transfer (`id`): its subject, the sender's device time, and the transfer as
/// the first evidence.
fn transfer_entry(
    kind: EntryKind,
    member_id: &str,
    transfer: &Transfer,
    id: MessageId,
    detail: String,
) -> NewEntry {
    NewEntry::new(kind, member_id, detail)
        .subject(id)
        .device_time(transfer.terms().time)
        .evidence(transfer.to_bytes())
}

/// Closes a purse on its wallet's declaration and gives back what it holds beyond what is spent
/// and not yet settled. The declaration is checked against the purse's highest stored transfer
/// (enough, by the pair rule's transitivity); a conflict is proof of an undeclared spend, and
/// nothing committed to a stored transfer is given back. Returns a refusal reason, if any.
pub(crate) fn close_purse(
    conn: &dyn Tx,
    now: u64,
    member_id: &str,
    device_time: u64,
    declaration: &PurseDeclaration,
) -> Result<Option<String>, LedgerError> {
    let Some(purse) = purse_row(conn, &declaration.purse_id)? else {
        return Ok(Some(format!("no purse {}", hex::short(&declaration.purse_id))));
    };
    if purse.member_id != member_id {
        return Ok(Some("the purse is not this member's".into()));
    }
    if purse.declared_seq.is_some() || purse.state == PurseState::Finished {
        return Ok(None);
    }
    let spent = match i64::try_from(declaration.spent) {
        Ok(spent) if spent <= purse.amount => spent,
        _ => return Ok(Some("the declaration does not fit the purse".into())),
    };
    if (declaration.last_seq == 0) != (declaration.spent == 0) {
        return Ok(Some("the declaration does not fit the purse".into()));
    }
    let highest = conn.highest_transfer(&purse.purse_id)?;
    let highest = highest.map(|bytes| Transfer::from_bytes(&bytes)).transpose()?;
    // What stored transfers committed, even beyond the declaration, stays in the purse for them.
    let committed = match &highest {
        Some(t) => spent.max(minor(t.terms().spent_after)?),
        None => spent,
    };
    let in_flight = committed.checked_sub(purse.settled).unwrap_or(0).max(0);
    let give_back = (purse.outstanding - in_flight).max(0);
    conn.declare_purse(&purse.purse_id, give_back, declaration.last_seq, spent)?;
    add_to_account(conn, member_id, give_back)?;
    let detail = format!(
        "purse {} of {member_id} closed at sequence {}, {} spent: {give_back} minor units back to the account",
        hex::short(&purse.purse_id),
        declaration.last_seq,
        declaration.spent
    );
    let entry = NewEntry::new(EntryKind::PurseClosed, member_id, detail)
        .subject(purse.purse_id)
        .device_time(device_time)
        .evidence(encode_declaration(&purse.purse_id, declaration.last_seq, declaration.spent))
        .moving(Account::Purse(purse.purse_id), -give_back)
        .moving(Account::Member(member_id.to_owned()), give_back);
    audit::append(conn, now, entry)?;
    if let Some(highest) = highest
        && let Err(conflict) =
            chain::check_declared(&Link::of(&highest), declaration.last_seq, declaration.spent)
    {
        let purse = reread(conn, &purse)?;
        if !purse.proved.any() {
            record_double_spend(conn, now, &purse, &highest, conflict, None)?;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use outpost_wallet_core::identity::Identity;
    use outpost_wallet_core::protocol::{
        LedgerSigner, PurseCertificate, PurseTerms, TransferTerms, VerifiedTransfer,
    };
    use outpost_wallet_core::{Amount, Currency};

    use super::*;

    fn purse(ledger: &LedgerSigner, owner: &Identity, serial: u32) -> PurseCertificate {
        let terms = PurseTerms {
            wallet_key: owner.public().signing_key,
            serial,
            member_id: format!("M-{serial}"),
            amount: Amount::from_minor(1_000, Currency::JPY).unwrap(),
            issued_at: 1_700_000_000,
            expires_at: 1_800_000_000,
        };
        ledger.issue(terms).unwrap()
    }

    fn first_transfer(certificate: &PurseCertificate, owner: &Identity, amount: u64) -> Transfer {
        let terms = TransferTerms {
            seq: 1,
            prev_hash: certificate.chain_start(),
            spent_after: amount,
            amount,
            receiver_key: [7; 32],
            request_nonce: None,
            time: 1_700_000_100,
            memo: String::new(),
        };
        Transfer::sign(certificate.clone(), terms, owner).unwrap()
    }

    fn flip_last_byte(bytes: &[u8]) -> Vec<u8> {
        let mut bytes = bytes.to_vec();
        *bytes.last_mut().unwrap() ^= 1;
        bytes
    }

    #[test]
    fn checking_a_batch_gives_what_verifying_each_transfer_alone_gives() {
        let ledger = LedgerSigner::from_secret(&[1; 32]);
        let ledger_key = ledger.public_key();
        let (alice, bob) = (Identity::generate().unwrap(), Identity::generate().unwrap());
        let good = purse(&ledger, &alice, 1);
        // The same certificate body (so the same id) under a broken signature.
        let forged = PurseCertificate::from_bytes(&flip_last_byte(&good.to_bytes())).unwrap();
        assert_eq!(forged.id(), good.id());
        // Signed by another ledger.
        let foreign = purse(&LedgerSigner::from_secret(&[2; 32]), &bob, 1);
        let other = purse(&ledger, &bob, 2);
        let mut transfers = vec![
            first_transfer(&good, &alice, 10),
            first_transfer(&forged, &alice, 11),
            first_transfer(&other, &bob, 12),
            first_transfer(&good, &alice, 13),
            first_transfer(&foreign, &bob, 14),
            first_transfer(&forged, &alice, 15),
            first_transfer(&other, &bob, 16),
        ];
        // A transfer whose own signature is broken, under a good and under a forged certificate.
        for i in [0, 1] {
            let broken = Transfer::from_bytes(&flip_last_byte(&transfers[i].to_bytes())).unwrap();
            transfers.push(broken);
        }

        let refs: Vec<&Transfer> = transfers.iter().collect();
        let checked: Vec<Checked> = check_transfers(&ledger_key, &refs, |checked| checked.collect());
        assert_eq!(checked.len(), transfers.len());
        let mut refused = 0;
        for (transfer, checked) in transfers.iter().zip(&checked) {
            let alone = transfer.clone().verify_grant(&ledger_key).map(VerifiedTransfer::into_transfer);
            assert_eq!(checked.id, transfer.id());
            assert_eq!(checked.verdict, alone);
            refused += usize::from(alone.is_err());
        }
        assert_eq!(refused, 5, "the forged, foreign and broken transfers are refused");

        // Chunks whose batch passes beside one whose batch fails and is checked one by one.
        let mut many: Vec<Transfer> = (0..2 * BATCH as u64)
            .map(|i| {
                if i % 3 == 0 {
                    first_transfer(&other, &bob, 20 + i)
                } else {
                    first_transfer(&good, &alice, 20 + i)
                }
            })
            .collect();
        many.insert(BATCH + 5, transfers[7].clone());
        many.extend(transfers.iter().cloned());
        let refs: Vec<&Transfer> = many.iter().collect();
        let checked: Vec<Checked> = check_transfers(&ledger_key, &refs, |checked| checked.collect());
        let alone: Vec<_> = many
            .iter()
            .map(|t| t.clone().verify_grant(&ledger_key).map(VerifiedTransfer::into_transfer))
            .collect();
        assert_eq!(
            checked.iter().map(|c| c.id).collect::<Vec<_>>(),
            many.iter().map(Transfer::id).collect::<Vec<_>>()
        );
        assert_eq!(checked.into_iter().map(|c| c.verdict).collect::<Vec<_>>(), alone);
        assert_eq!(alone.iter().filter(|v| v.is_err()).count(), 6);
    }
}
