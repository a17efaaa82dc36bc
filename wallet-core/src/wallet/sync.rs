//! Sync with the ledger, from the wallet's side (DESIGN section 6).
//!
//! One round is three steps, and only the first and last hold the wallet's lock:
//!
//! 1. **Prepare.** If a request is pending from a round that never finished, take it unchanged.
//!    Otherwise build one: every transfer the ledger has not had its final say on, the receipts
//!    for them, queued online payments and, when asked, a purse order that closes this wallet's
//!    purses (declaring each one's final spend) and asks for a new one. The signed request is
//!    stored as pending, and the purses marked closed, in one transaction before anything is sent.
//! 2. **Exchange** the bytes through the app's [`SyncTransport`].
//! 3. **Check, then apply.** The response must be signed by the pinned ledger key and answer this
//!    request; its checkpoint must extend the one the wallet holds (so a ledger that rewrote
//!    history is caught); every log entry must be proved in the checkpoint's tree. Only then, in
//!    one transaction: transfer statuses, the online balance, the new purse, revocations, risk
//!    notices, the checkpoint, and the pending request removed.
//!
//! A round cut anywhere leaves the request pending; the next sync sends the same bytes and the
//! ledger answers with the response it stored, so nothing happens twice. A purse order is only
//! sent after a round has reached the ledger, so a phone without a network does not close the
//! purse it needs offline.

use rusqlite::{Transaction, params};

use super::payments::{Rows, read_ledger_key, short_id};
use super::records::{TransferRecord, TransferStatus};
use super::sightings::{self, UnprovedPair};
use super::{Wallet, WalletError, row, witnesses};
use crate::audit::{Account, AuditEntry, EntryKind};
use crate::encoding::{DecodeError, Reader, Writer};
use crate::event_log::EventKind;
use crate::identity::PublicIdentity;
use crate::merkle;
use crate::money::Amount;
use crate::protocol::sync::{
    MAX_SYNC_EQUIVOCATIONS, MAX_SYNC_EVIDENCE, MAX_SYNC_PAYMENTS, MAX_SYNC_SIGHTED, MAX_SYNC_TRANSFERS,
    OnlinePayment, Outcome, PaymentOutcome, PurseDeclaration, PurseOrder, RiskNotice, SyncRequest,
    SyncRequestBody, SyncResponse, SyncResponseBody,
};
use crate::protocol::{Checkpoint, MAX_MEMO, MessageId, ProtocolError};
use crate::transport::SyncTransport;
use crate::vault::{DataKey, VaultError, random_bytes};

const PENDING: &str = "sync_pending";
const CHECKPOINT: &str = "sync_checkpoint";
const SEEN_UP_TO: &str = "sync_seen_up_to";
pub(super) const ONLINE: &str = "sync_online_balance";
const NOTICES: &str = "sync_notices";
const OUTBOX: &str = "sync_online_outbox";
const SETTING_VERSION: u8 = 1;
/// Rounds in one sync before it stops and reports (the next sync continues).
const MAX_ROUNDS: u32 = 16;

/// What to ask of the ledger at a sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Load a fresh offline purse of up to this amount. The ledger issues at most the member's
    /// purse limit and what the online account holds. This wallet's current purses are closed
    /// and declared first, and what they did not spend goes back to the online account.
    pub purse: Option<Amount>,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Request/response exchanges made.
    pub rounds: u32,
    /// Transfers the ledger paid (sent or received) that this wallet learnt of in this sync.
    pub settled: u32,
    /// Uploaded transfers the ledger holds until their receiver syncs.
    pub held: u32,
    /// Sent transfers nobody claimed in time, returned to the online account.
    pub returned: u32,
    /// Transfers the ledger refused, with its reason.
    pub refused: Vec<(MessageId, String)>,
    /// The amount of the purse loaded, if one was.
    pub new_purse: Option<Amount>,
    /// Revocations this wallet had not heard of.
    pub newly_revoked: u32,
    /// The online account after the sync, in minor units (negative: owed to the ledger).
    pub online_balance_minor: i64,
    pub notices: Vec<RiskNotice>,
    pub payments: Vec<PaymentOutcome>,
    /// Size of the ledger checkpoint now held.
    pub checkpoint_size: u64,
    /// Checkpoints seen on other phones that the ledger proved consistent with its log.
    pub sightings_proved: u32,
    /// Checkpoints seen on other phones that the ledger failed to prove consistent with its
    /// answer: each has plain words for the member ([`UnprovedPair::notice`]) and is kept.
    pub unproved: Vec<UnprovedPair>,
    /// Log positions of the entries that, as this sync's answers proved, record this wallet's
    /// fork proofs.
    pub fork_proofs_recorded: Vec<u64>,
}

/// A request ready to send and what is needed to check its answer.
struct Prepared {
    bytes: Vec<u8>,
    id: MessageId,
    ledger_key: [u8; 32],
    /// It carried as many transfers as one request may: more may be waiting.
    full: bool,
    /// The sizes of checkpoints seen on other phones it asked the ledger to prove.
    sighted: Vec<u64>,
    /// The ids of the fork proofs it carried.
    reported: Vec<MessageId>,
}

impl Prepared {
    fn new(request: &SyncRequest, bytes: Vec<u8>, ledger_key: [u8; 32], full: bool) -> Self {
        Prepared {
            id: request.id(),
            bytes,
            ledger_key,
            full,
            sighted: request.sighted().to_vec(),
            reported: request.equivocations().iter().map(|p| p.id()).collect(),
        }
    }
}

impl Wallet {
    /// Syncs with the ledger through `transport`: uploads what the ledger has not seen, applies
    /// what it answers, and verifies its signatures and proofs (see the module documentation).
    ///
    /// Blocking: it makes network round trips. Call it off the UI thread. Other wallet calls
    /// from other threads wait only while the request is prepared and the response applied.
    pub fn sync(
        &self,
        transport: &dyn SyncTransport,
        options: &SyncOptions,
    ) -> Result<SyncReport, WalletError> {
        if let Some(amount) = options.purse {
            self.check_currency(amount.currency())?;
        }
        let mut report = SyncReport::default();
        let mut purse = options.purse.filter(|a| !a.is_zero());
        let mut reached = false;
        while report.rounds < MAX_ROUNDS {
            let order = if reached { purse.take() } else { None };
            let prepared = self.prepare_sync(order)?;
            let answer = transport.exchange(&prepared.bytes)?;
            reached = true;
            report.rounds += 1;
            let more = self.apply_sync(&prepared, &answer, &mut report)?;
            if !more && !prepared.full && purse.is_none() {
                break;
            }
        }
        Ok(report)
    }

    /// Queues a payment from the online account to `to`, made by the ledger at the next sync
    /// (both sides must be enrolled). Returns the payment's id, which the sync report's
    /// payment outcomes name.
    pub fn pay_online(
        &self,
        to: &PublicIdentity,
        amount: Amount,
        memo: &str,
    ) -> Result<[u8; 16], WalletError> {
        self.check_currency(amount.currency())?;
        if amount.is_zero() {
            return Err(
                ProtocolError::Invalid { message: "online payment", reason: "the amount is zero" }.into()
            );
        }
        if memo.len() > MAX_MEMO {
            return Err(ProtocolError::TooLong { field: "memo", max: MAX_MEMO }.into());
        }
        if to.signing_key == self.record.public.signing_key {
            return Err(WalletError::SelfPayment);
        }
        self.with_unlocked(|store, key| {
            let mut outbox = read_outbox(store.conn(), key, &self.record.wallet_id)?;
            if outbox.len() >= MAX_SYNC_PAYMENTS {
                return Err(ProtocolError::Invalid {
                    message: "online payment",
                    reason: "too many payments wait for the next sync: sync first",
                }
                .into());
            }
            let mut payment_id = [0u8; 16];
            random_bytes(&mut payment_id)?;
            outbox.push(OnlinePayment {
                payment_id,
                to_key: to.signing_key,
                amount: amount.minor(),
                memo: memo.to_owned(),
            });
            let tx = store.write()?;
            write_setting(&tx, key, &self.record.wallet_id, OUTBOX, &encode_outbox(&outbox))?;
            let detail = format!(
                "online payment {} of {amount} to {} queued",
                short_id(&payment_id),
                to.fingerprint()
            );
            self.log(key).append(&tx, self.now(), EventKind::OnlinePaymentQueued, &detail)?;
            tx.commit()?;
            Ok(payment_id)
        })
    }

    /// The risk notices the ledger returned at the last sync.
    pub fn risk_notices(&self) -> Result<Vec<RiskNotice>, WalletError> {
        self.with_unlocked(|store, key| {
            match read_setting(store.conn(), key, &self.record.wallet_id, NOTICES)? {
                Some(bytes) => decode_notices(&bytes).map_err(|_| tampered(NOTICES)),
                None => Ok(Vec::new()),
            }
        })
    }

    /// The newest ledger checkpoint this wallet holds, verified when it arrived.
    pub fn ledger_checkpoint(&self) -> Result<Option<Checkpoint>, WalletError> {
        self.with_unlocked(|store, key| read_checkpoint(store.conn(), key, &self.record.wallet_id))
    }

    /// The online balance the ledger reported at the last sync, in minor units; negative when
    /// the member owes the ledger.
    pub fn online_balance_minor(&self) -> Result<i64, WalletError> {
        self.with_unlocked(|store, key| read_online(store.conn(), key, &self.record.wallet_id))
    }

    pub(super) fn online_balance_in(
        &self,
        conn: &rusqlite::Connection,
        key: &DataKey,
    ) -> Result<i64, WalletError> {
        read_online(conn, key, &self.record.wallet_id)
    }

    fn prepare_sync(&self, purse: Option<Amount>) -> Result<Prepared, WalletError> {
        self.with_identity(|store, key, identity| {
            let wallet_id = &self.record.wallet_id;
            let ledger_key =
                read_ledger_key(store.conn(), key, wallet_id)?.ok_or(WalletError::NotEnrolled)?;
            if let Some(bytes) = read_setting(store.conn(), key, wallet_id, PENDING)? {
                // Of any version this build reads: one stored before an upgrade is resent as it
                // was, and the ledger answers it with the answer it stored, of that version too.
                let request = SyncRequest::from_bytes(&bytes).map_err(|_| tampered(PENDING))?;
                let full = request.body().transfers.len() == MAX_SYNC_TRANSFERS;
                return Ok(Prepared::new(&request, bytes, ledger_key, full));
            }
            let rows = self.rows(key);
            let records = unsettled(store.conn(), &rows, MAX_SYNC_TRANSFERS)?;
            let full = records.len() == MAX_SYNC_TRANSFERS;
            let (evidence, records): (Vec<_>, Vec<_>) =
                records.into_iter().partition(|r| r.status == TransferStatus::DoubleSpendEvidence);
            let receipts = records
                .iter()
                .filter(|r| r.status == TransferStatus::Delivered)
                .filter_map(|r| r.receipt.clone())
                .collect();
            let tx = store.write()?;
            let order = match purse {
                Some(amount) => Some(self.close_purses(&tx, key, amount)?),
                None => None,
            };
            let body = SyncRequestBody {
                wallet_key: self.record.public.signing_key,
                request_id: {
                    let mut id = [0u8; 16];
                    random_bytes(&mut id)?;
                    id
                },
                device_time: self.now(),
                checkpoint_size: read_held_tree(&tx, key, wallet_id)?.map_or(0, |(size, _)| size),
                seen_up_to: read_u64(&tx, key, wallet_id, SEEN_UP_TO)?,
                transfers: records.into_iter().map(|r| r.transfer).collect(),
                receipts,
                evidence: evidence.into_iter().take(MAX_SYNC_EVIDENCE).map(|r| r.transfer).collect(),
                purse: order,
                payments: read_outbox(&tx, key, wallet_id)?,
            };
            let forks = sightings::take_unrecorded_proofs(&tx, &rows, MAX_SYNC_EQUIVOCATIONS)?;
            let sighted = sightings::sizes_to_prove(&tx, &rows, MAX_SYNC_SIGHTED)?;
            let request = SyncRequest::sign_asking(body, forks, sighted, identity)?;
            let bytes = request.to_bytes();
            write_setting(&tx, key, wallet_id, PENDING, &bytes)?;
            tx.commit()?;
            Ok(Prepared::new(&request, bytes, ledger_key, full))
        })
    }

    /// Marks every purse of this wallet closed and declares how far each was spent.
    fn close_purses(
        &self,
        tx: &Transaction<'_>,
        key: &DataKey,
        amount: Amount,
    ) -> Result<PurseOrder, WalletError> {
        let rows = self.rows(key);
        let mut closing = Vec::new();
        let mut still_open = Vec::new();
        for mut purse in self.open_purses(tx, key)?.purses {
            let purse_id = purse.certificate.purse_id();
            if closing.len() == crate::protocol::sync::MAX_SYNC_DECLARATIONS {
                still_open.push(purse_id);
                continue;
            }
            closing.push(PurseDeclaration { purse_id, last_seq: purse.next_seq - 1, spent: purse.spent });
            purse.closed = true;
            rows.put(tx, "purse", &rows.lookup("purse", &purse_id), &purse.encode())?;
            let detail = format!(
                "purse {} closed for a new one: {} transfers, {} minor units spent",
                short_id(&purse_id),
                purse.next_seq - 1,
                purse.spent
            );
            self.log(key).append(tx, self.now(), EventKind::PurseClosed, &detail)?;
        }
        self.write_open_purses(tx, key, &still_open)?;
        Ok(PurseOrder { closing, amount: amount.minor() })
    }

    /// Checks the answer to `prepared` and applies it. Returns whether the ledger has more to
    /// send. Nothing is applied unless every check passes.
    fn apply_sync(
        &self,
        prepared: &Prepared,
        answer: &[u8],
        report: &mut SyncReport,
    ) -> Result<bool, WalletError> {
        // An answer that does not parse or is not the ledger's signed answer to this request is
        // an untrusted ledger answer, whatever the byte that failed.
        let untrusted = |e: ProtocolError| WalletError::BadLedgerProof { reason: e.to_string() };
        let response = SyncResponse::from_bytes(answer).map_err(untrusted)?;
        response.verify(&prepared.ledger_key, &prepared.id).map_err(untrusted)?;
        let version = response.version();
        let body = response.into_body();
        if let Some(certificate) = &body.purse {
            self.check_purse(certificate, &prepared.ledger_key)?;
        }
        self.with_unlocked(|store, key| {
            let wallet_id = &self.record.wallet_id;
            // Another thread's sync may have applied this very answer already.
            if read_setting(store.conn(), key, wallet_id, PENDING)?.as_deref() != Some(&prepared.bytes[..]) {
                return Ok(false);
            }
            // History first: a ledger that rewrote its log is named as such, whatever else its
            // answer gets wrong.
            if let Some((size, root)) = read_held_tree(store.conn(), key, wallet_id)? {
                body.checkpoint.check_extends_tree(size, &root, &body.consistency)?;
            }
            // Then the witnesses, when the wallet requires them: an answer whose log no pinned
            // witness saw is refused whole (docs/adr/0013-witnesses.md).
            let witnessed = match witnesses::read_policy(store.conn(), key, wallet_id)? {
                Some(policy) => Some(policy.check(
                    &prepared.ledger_key,
                    &body.checkpoint,
                    body.witnessed.as_ref(),
                    witnesses::read_witnessed(store.conn(), key, wallet_id)?.as_ref(),
                )?),
                None => None,
            };
            let entries = proved_entries(&body, version)?;
            let recorded = sightings::recorded_entries(&body)?;
            let tx = store.write()?;
            self.apply_body(&tx, key, &body, &entries, report)?;
            let settled =
                self.settle_sightings(&tx, key, &prepared.sighted, &prepared.reported, &body, &recorded)?;
            report.sightings_proved += settled.proved;
            report.unproved.extend(settled.unproved);
            report.fork_proofs_recorded.extend(settled.recorded);
            if let Some(witnessed) = witnessed {
                write_setting(&tx, key, wallet_id, witnesses::WITNESSED, &witnessed.to_bytes())?;
            }
            tx.commit()?;
            Ok(body.more)
        })
    }

    fn apply_body(
        &self,
        tx: &Transaction<'_>,
        key: &DataKey,
        body: &SyncResponseBody,
        entries: &[AuditEntry],
        report: &mut SyncReport,
    ) -> Result<(), WalletError> {
        let wallet_id = &self.record.wallet_id;
        let rows = self.rows(key);
        for outcome in &body.outcomes {
            let Some(record) = rows.transfer(tx, &outcome.transfer_id)? else { continue };
            let outgoing = record.status.is_outgoing();
            let status = match (outcome.outcome, outgoing) {
                (Outcome::Settled, true) => TransferStatus::SentSettled,
                (Outcome::Settled, false) => TransferStatus::ReceivedSettled,
                (Outcome::Returned, true) => TransferStatus::Returned,
                (Outcome::Refused, true) => TransferStatus::SentRefused,
                (Outcome::Returned | Outcome::Refused | Outcome::DoubleSpend, false) => {
                    TransferStatus::ReceivedRefused
                }
                (Outcome::Held, _) => {
                    report.held += 1;
                    continue;
                }
                _ => continue,
            };
            if self.finish_transfer(tx, key, &rows, record, status, &outcome.reason)? {
                match status {
                    TransferStatus::SentSettled | TransferStatus::ReceivedSettled => report.settled += 1,
                    TransferStatus::Returned => report.returned += 1,
                    _ => report.refused.push((outcome.transfer_id, outcome.reason.clone())),
                }
            }
        }
        for entry in entries {
            match entry.kind {
                EntryKind::Settled => {
                    if let Some(record) = rows.transfer(tx, &entry.subject)? {
                        let status = if record.status.is_outgoing() {
                            TransferStatus::SentSettled
                        } else {
                            TransferStatus::ReceivedSettled
                        };
                        if self.finish_transfer(tx, key, &rows, record, status, "settled by the ledger")? {
                            report.settled += 1;
                        }
                    }
                }
                EntryKind::Returned if entry.member_id == body.member_id => {
                    for record in unsettled(tx, &rows, usize::MAX)? {
                        if record.status.is_outgoing()
                            && record.transfer.certificate().purse_id() == entry.subject
                        {
                            let reason = "unclaimed in the settlement window";
                            if self.finish_transfer(
                                tx,
                                key,
                                &rows,
                                record,
                                TransferStatus::Returned,
                                reason,
                            )? {
                                report.returned += 1;
                            }
                        }
                    }
                }
                _ => {}
            }
            let mine = entry.moves.iter().any(|m| m.account == Account::Member(body.member_id.clone()));
            if mine && entry.kind != EntryKind::Settled {
                self.log(key).append(
                    tx,
                    self.now(),
                    EventKind::AccountMoved,
                    &format!("ledger: {}", entry.detail),
                )?;
            }
        }
        if let Some(certificate) = &body.purse
            && self.put_purse(tx, key, certificate)?
        {
            report.new_purse = Some(certificate.terms().amount);
        }
        for purse_id in &body.revoked {
            if self.put_revocation(tx, key, purse_id)? {
                report.newly_revoked += 1;
            }
        }
        let done: Vec<[u8; 16]> = body.payments.iter().map(|p| p.payment_id).collect();
        let outbox: Vec<OnlinePayment> =
            read_outbox(tx, key, wallet_id)?.into_iter().filter(|p| !done.contains(&p.payment_id)).collect();
        write_setting(tx, key, wallet_id, OUTBOX, &encode_outbox(&outbox))?;
        report.payments.extend(body.payments.iter().cloned());

        let online =
            Amount::from_minor(u64::try_from(body.online_balance).unwrap_or(0), self.record.currency)?;
        super::write_balance(tx, key, wallet_id, "online", online)?;
        write_setting(tx, key, wallet_id, ONLINE, &body.online_balance.to_be_bytes())?;
        write_setting(tx, key, wallet_id, NOTICES, &encode_notices(&body.notices))?;
        write_setting(tx, key, wallet_id, CHECKPOINT, &body.checkpoint.to_bytes())?;
        write_setting(tx, key, wallet_id, SEEN_UP_TO, &body.seen_up_to.to_be_bytes())?;
        tx.execute("DELETE FROM setting WHERE name = ?1", params![PENDING])?;
        let detail = format!(
            "synced: online balance {} minor units, ledger log at {} entries, {} outcomes",
            body.online_balance,
            body.checkpoint.size,
            body.outcomes.len()
        );
        self.log(key).append(tx, self.now(), EventKind::Synced, &detail)?;
        report.online_balance_minor = body.online_balance;
        report.notices = body.notices.clone();
        report.checkpoint_size = body.checkpoint.size;
        Ok(())
    }

    /// Gives a transfer the ledger's final status and takes it out of the pending totals.
    /// Returns `false` when it already had one.
    fn finish_transfer(
        &self,
        tx: &Transaction<'_>,
        key: &DataKey,
        rows: &Rows<'_>,
        mut record: TransferRecord,
        status: TransferStatus,
        reason: &str,
    ) -> Result<bool, WalletError> {
        if record.status.is_final() || record.status.is_outgoing() != status.is_outgoing() {
            return Ok(false);
        }
        let amount = record.transfer.amount();
        let pending = match record.status {
            TransferStatus::AwaitingReceipt | TransferStatus::Delivered => Some("pending_out"),
            TransferStatus::PendingSettlement => Some("pending_in"),
            _ => None,
        };
        if let Some(name) = pending {
            let current = super::read_balance(tx, key, &self.record, name)?;
            let left = current.checked_sub(amount).map_err(|_| VaultError::Tampered {
                table: "balance",
                id: format!("{name} is less than a transfer it holds"),
            })?;
            super::write_balance(tx, key, &self.record.wallet_id, name, left)?;
        }
        let id = record.transfer.id();
        record.status = status;
        rows.update_transfer(tx, &record)?;
        let detail = format!("transfer {} of {amount}: {status} ({reason})", short_id(&id));
        self.log(key).append(tx, self.now(), EventKind::TransferSettled, &detail)?;
        Ok(true)
    }
}

/// The response's log entries, each checked to be in the tree its checkpoint signs: up to version
/// 3 by its own inclusion proof, from version 4 all of them by the answer's one multi-leaf proof,
/// which requires them in strictly increasing position.
fn proved_entries(body: &SyncResponseBody, version: u8) -> Result<Vec<AuditEntry>, WalletError> {
    let mut entries = Vec::with_capacity(body.entries.len());
    for proved in &body.entries {
        let entry = AuditEntry::from_leaf_data(&proved.leaf).map_err(|e| WalletError::BadLedgerProof {
            reason: format!("a log entry does not decode: {e}"),
        })?;
        if version < 4 {
            let leaf = merkle::leaf_hash(&proved.leaf);
            merkle::verify_inclusion(
                &leaf,
                entry.seq,
                body.checkpoint.size,
                &proved.proof,
                &body.checkpoint.root,
            )
            .map_err(|e| WalletError::BadLedgerProof {
                reason: format!("log entry {} is not in the signed log: {e}", entry.seq),
            })?;
        }
        entries.push(entry);
    }
    if version >= 4 && !entries.is_empty() {
        let indices: Vec<u64> = entries.iter().map(|e| e.seq).collect();
        let leaves: Vec<merkle::Hash> = body.entries.iter().map(|p| merkle::leaf_hash(&p.leaf)).collect();
        merkle::verify_multi_inclusion(
            &indices,
            &leaves,
            body.checkpoint.size,
            &body.entries_proof,
            &body.checkpoint.root,
        )
        .map_err(|e| WalletError::BadLedgerProof {
            reason: format!("the log entries are not in the signed log: {e}"),
        })?;
    } else if !body.entries_proof.is_empty() {
        return Err(WalletError::BadLedgerProof {
            reason: "a proof for entries the answer does not carry".into(),
        });
    }
    Ok(entries)
}

/// Transfers the ledger has not had its final say on, oldest first, at most `limit`.
fn unsettled(
    conn: &rusqlite::Connection,
    rows: &Rows<'_>,
    limit: usize,
) -> Result<Vec<TransferRecord>, WalletError> {
    let mut stmt =
        conn.prepare("SELECT ref, sealed FROM transfer WHERE unsettled = 1 ORDER BY seq LIMIT ?1")?;
    let found = stmt.query_map([limit.min(i64::MAX as usize) as i64], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut out = Vec::new();
    for item in found {
        let (reference, sealed) = item?;
        let record = rows.open("transfer", &reference, &sealed, TransferRecord::decode)?;
        if !record.status.is_final() {
            out.push(record);
        }
    }
    Ok(out)
}

pub(super) fn tampered(name: &str) -> WalletError {
    VaultError::Tampered { table: "setting", id: name.into() }.into()
}

pub(super) fn read_setting(
    conn: &rusqlite::Connection,
    key: &DataKey,
    wallet_id: &[u8; 16],
    name: &str,
) -> Result<Option<Vec<u8>>, WalletError> {
    let Some(sealed) = crate::store::read_blob(conn, "setting", "name", &name)? else {
        return Ok(None);
    };
    let plain = key.open(row(wallet_id, "setting", name.as_bytes()), &sealed)?;
    match plain.split_first() {
        Some((&SETTING_VERSION, rest)) => Ok(Some(rest.to_vec())),
        _ => Err(tampered(name)),
    }
}

pub(super) fn write_setting(
    tx: &Transaction<'_>,
    key: &DataKey,
    wallet_id: &[u8; 16],
    name: &str,
    value: &[u8],
) -> Result<(), WalletError> {
    let plain = [&[SETTING_VERSION][..], value].concat();
    let sealed = key.seal(row(wallet_id, "setting", name.as_bytes()), &plain)?;
    tx.execute(
        "INSERT INTO setting (name, sealed) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed",
        params![name, sealed],
    )?;
    Ok(())
}

fn read_u64(
    conn: &rusqlite::Connection,
    key: &DataKey,
    wallet_id: &[u8; 16],
    name: &str,
) -> Result<u64, WalletError> {
    match read_setting(conn, key, wallet_id, name)? {
        None => Ok(0),
        Some(bytes) => Ok(u64::from_be_bytes(bytes.try_into().map_err(|_| tampered(name))?)),
    }
}

fn read_online(conn: &rusqlite::Connection, key: &DataKey, wallet_id: &[u8; 16]) -> Result<i64, WalletError> {
    Ok(read_u64(conn, key, wallet_id, ONLINE)?.cast_signed())
}

pub(super) fn read_checkpoint(
    conn: &rusqlite::Connection,
    key: &DataKey,
    wallet_id: &[u8; 16],
) -> Result<Option<Checkpoint>, WalletError> {
    match read_setting(conn, key, wallet_id, CHECKPOINT)? {
        None => Ok(None),
        // A checkpoint stored by a build before checkpoints were signed notes: its tree still
        // binds the next sync (`read_held_tree`), but it cannot be shown or compared.
        Some(bytes) if Checkpoint::previous_version_tree(&bytes).is_some() => Ok(None),
        Some(bytes) => Ok(Some(Checkpoint::from_bytes(&bytes).map_err(|_| tampered(CHECKPOINT))?)),
    }
}

/// The size and root of the checkpoint the wallet holds, of any version it ever stored: what the
/// ledger's next answer must extend.
fn read_held_tree(
    conn: &rusqlite::Connection,
    key: &DataKey,
    wallet_id: &[u8; 16],
) -> Result<Option<(u64, merkle::Hash)>, WalletError> {
    let Some(bytes) = read_setting(conn, key, wallet_id, CHECKPOINT)? else { return Ok(None) };
    if let Some(tree) = Checkpoint::previous_version_tree(&bytes) {
        return Ok(Some(tree));
    }
    let checkpoint = Checkpoint::from_bytes(&bytes).map_err(|_| tampered(CHECKPOINT))?;
    Ok(Some((checkpoint.size, checkpoint.root)))
}

fn read_outbox(
    conn: &rusqlite::Connection,
    key: &DataKey,
    wallet_id: &[u8; 16],
) -> Result<Vec<OnlinePayment>, WalletError> {
    match read_setting(conn, key, wallet_id, OUTBOX)? {
        None => Ok(Vec::new()),
        Some(bytes) => decode_outbox(&bytes).map_err(|_| tampered(OUTBOX)),
    }
}

fn encode_outbox(payments: &[OnlinePayment]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u16(payments.len() as u16);
    for p in payments {
        w.fixed(&p.payment_id).fixed(&p.to_key).u64(p.amount).short_text(&p.memo);
    }
    w.finish()
}

fn decode_outbox(bytes: &[u8]) -> Result<Vec<OnlinePayment>, DecodeError> {
    let mut r = Reader::new(bytes);
    let n = usize::from(r.u16("payments")?);
    let mut out = Vec::with_capacity(n.min(MAX_SYNC_PAYMENTS));
    for _ in 0..n {
        out.push(OnlinePayment {
            payment_id: r.array("payment id")?,
            to_key: r.array("payee")?,
            amount: r.u64("amount")?,
            memo: r.short_text("memo", MAX_MEMO)?.to_owned(),
        });
    }
    r.finish()?;
    Ok(out)
}

fn encode_notices(notices: &[RiskNotice]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u16(notices.len() as u16);
    for n in notices {
        w.short_text(&n.code).u16(n.score).u64(n.at).short_text(&n.detail);
    }
    w.finish()
}

fn decode_notices(bytes: &[u8]) -> Result<Vec<RiskNotice>, DecodeError> {
    let mut r = Reader::new(bytes);
    let n = usize::from(r.u16("notices")?);
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(RiskNotice {
            code: r.short_text("code", 255)?.to_owned(),
            score: r.u16("score")?,
            at: r.u64("time")?,
            detail: r.short_text("detail", 255)?.to_owned(),
        });
    }
    r.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::protocol::LedgerSigner;
    use crate::{Currency, KdfParams, Pin, SoftwareProtector, Wallet, WalletOptions};

    fn wallet(dir: &std::path::Path) -> Wallet {
        let protector = Arc::new(SoftwareProtector::create(dir.join("device.key")).unwrap());
        let options = WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() };
        Wallet::create(dir.join("w.wallet"), &Pin::new("482916").unwrap(), Currency::JPY, protector, options)
            .unwrap()
    }

    fn store_checkpoint(wallet: &Wallet, bytes: &[u8]) {
        wallet
            .with_unlocked(|store, key| {
                let tx = store.write()?;
                write_setting(&tx, key, &wallet.record.wallet_id, CHECKPOINT, bytes)?;
                tx.commit()?;
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_checkpoint_stored_before_signed_notes_still_binds_the_next_sync() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = wallet(dir.path());
        // Version 1's compact layout: version, size, root, time, signature.
        let mut v1 = vec![1];
        v1.extend_from_slice(&42u64.to_be_bytes());
        v1.extend_from_slice(&[7; 32]);
        v1.extend_from_slice(&1_800_000_000u64.to_be_bytes());
        v1.extend_from_slice(&[9; 64]);
        store_checkpoint(&wallet, &v1);
        let (held, shown) = wallet
            .with_unlocked(|store, key| {
                let id = &wallet.record.wallet_id;
                Ok((read_held_tree(store.conn(), key, id)?, read_checkpoint(store.conn(), key, id)?))
            })
            .unwrap();
        assert_eq!(held, Some((42, [7; 32])), "the next answer must extend the tree it promised");
        assert_eq!(shown, None, "it cannot be verified again, so it is never shown");

        // Today's form reads as itself; anything else is damage.
        let current = LedgerSigner::from_secret(&[1; 32]).checkpoint(5, [3; 32], 1_800_000_000);
        store_checkpoint(&wallet, &current.to_bytes());
        let held =
            wallet.with_unlocked(|s, k| read_held_tree(s.conn(), k, &wallet.record.wallet_id)).unwrap();
        assert_eq!(held, Some((5, [3; 32])));
        store_checkpoint(&wallet, &v1[..100]);
        let damaged = wallet.with_unlocked(|s, k| read_held_tree(s.conn(), k, &wallet.record.wallet_id));
        assert!(matches!(damaged, Err(WalletError::Vault(_))), "{damaged:?}");
    }

    /// A ledger that answers a request of an earlier version with an answer of `answers`, as a
    /// ledger holding the answer it stored before an upgrade does, and today's requests with
    /// today's answer. Records the version of each request it reads.
    struct StoredAnswers {
        signer: LedgerSigner,
        answers: u8,
        read: std::sync::Mutex<Vec<u8>>,
    }

    impl crate::transport::SyncTransport for StoredAnswers {
        fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, crate::transport::TransportError> {
            let request = SyncRequest::from_bytes(request).expect("the ledger reads every version");
            request.verify().unwrap();
            self.read.lock().unwrap().push(request.version());
            let leaves = [merkle::leaf_hash(b"the one entry")];
            let body = SyncResponseBody {
                request: request.id(),
                ledger_time: 1_800_000_000,
                member_id: "AIKO-0001".into(),
                online_balance: 700,
                outcomes: Vec::new(),
                payments: Vec::new(),
                purse: None,
                revoked: Vec::new(),
                notices: Vec::new(),
                checkpoint: self.signer.checkpoint(1, merkle::root(&leaves), 1_800_000_000),
                consistency: Vec::new(),
                entries: Vec::new(),
                entries_proof: Vec::new(),
                seen_up_to: 1,
                more: false,
                witnessed: None,
                sighted: Vec::new(),
                recorded: Vec::new(),
            };
            let version = if request.version() < 3 { self.answers } else { request.version() };
            Ok(self.signer.sign_sync_response_version(version, body).unwrap().to_bytes())
        }
    }

    #[test]
    fn a_request_left_pending_by_an_older_build_is_resent_as_it_was_and_its_old_answer_applied() {
        for (request, answer) in [(1, 1), (2, 2), (1, 2), (2, 3), (3, 3)] {
            let dir = tempfile::tempdir().unwrap();
            let wallet = wallet(dir.path());
            let signer = LedgerSigner::from_secret(&[4; 32]);
            wallet.pin_ledger_key(signer.public_key()).unwrap();
            let stored = wallet
                .with_identity(|store, key, identity| {
                    let body = SyncRequestBody {
                        wallet_key: identity.public().signing_key,
                        request_id: [5; 16],
                        device_time: 1_800_000_000,
                        checkpoint_size: 0,
                        seen_up_to: 0,
                        transfers: Vec::new(),
                        receipts: Vec::new(),
                        evidence: Vec::new(),
                        purse: None,
                        payments: Vec::new(),
                    };
                    let bytes = SyncRequest::sign_version(request, body, Vec::new(), Vec::new(), identity)?
                        .to_bytes();
                    let tx = store.write()?;
                    write_setting(&tx, key, &wallet.record.wallet_id, PENDING, &bytes)?;
                    tx.commit()?;
                    Ok(bytes)
                })
                .unwrap();
            assert_eq!(stored[0], request);

            let ledger = StoredAnswers { signer, answers: answer, read: Default::default() };
            let report = wallet.sync(&ledger, &SyncOptions::default()).unwrap_or_else(|e| {
                panic!("a version {request} request answered in version {answer} is stuck: {e}")
            });
            assert_eq!((report.online_balance_minor, report.checkpoint_size), (700, 1));
            assert_eq!(wallet.ledger_checkpoint().unwrap().unwrap().size, 1);
            wallet.sync(&ledger, &SyncOptions::default()).unwrap();
            assert_eq!(*ledger.read.lock().unwrap(), vec![request, 4], "the old request once, then today's");
        }
    }
}
