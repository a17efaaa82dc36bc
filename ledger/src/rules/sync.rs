//! The wallet's sync endpoint: one signed request in, one signed response out (DESIGN section 6).
//!
//! Order of work inside one transaction: the wallet's transfers (settled, held or proved double
//! spent), its receipts (which pay held transfers), its online payments, the purses it closes and
//! the new purse it asks for; then the response, with the member's log entries since the wallet
//! last looked and a checkpoint over the log as it stands after this sync. The signed response is
//! stored as the wallet's last answer before the transaction commits, so a repeat of that request,
//! whether a retry after a cut connection or a replay by someone else, gets the same bytes back
//! and changes nothing. Only the last answer is kept (one row per wallet, docs/adr/0018): an
//! older request replayed has seen less of the log than the wallet has since acknowledged
//! (`seen_up_to`), and is refused without being done again.

use std::collections::HashSet;

use outpost_wallet_core::Amount;
use outpost_wallet_core::audit::{Account, AuditEntry, EntryKind};
use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::sync::{
    MAX_SYNC_ENTRIES, MAX_SYNC_NOTICES, MAX_SYNC_REVOKED, OnlinePayment, Outcome, PaymentOutcome,
    ProvedEntry, RiskNotice, SightedProof, SyncRequest, SyncResponseBody,
};
use outpost_wallet_core::protocol::witnessed::WitnessedCheckpoint;
use outpost_wallet_core::protocol::{EquivocationProof, MessageId, PurseCertificate, PurseTerms};

use crate::rules::audit::{self, NewEntry};
use crate::rules::checkpoint_log::Signing;
use crate::rules::log_cache::LogCache;
use crate::rules::outcome::PaymentReason;
use crate::rules::risk;
use crate::rules::settlement::{self, Uploads};
use crate::storage::{KeyState, LastAnswer, NewPurse, Tx};
use crate::{Ledger, LedgerError, Member, inconsistent, known_member};

pub(crate) fn handle(ledger: &Ledger, bytes: &[u8]) -> Result<Vec<u8>, LedgerError> {
    let request = SyncRequest::from_bytes(bytes)?;
    request.verify().map_err(|_| LedgerError::BadRequestSignature)?;
    let body = request.body();
    // The signatures are checked on every core, from before the write transaction begins; the
    // transaction takes the results in the request's order as they come.
    let uploads: Vec<_> = body.transfers.iter().chain(&body.evidence).collect();
    settlement::check_transfers(&ledger.public_key(), &uploads, |checked| answer(ledger, &request, checked))
}

/// Does what the request asks, in one transaction, and answers it.
fn answer(
    ledger: &Ledger,
    request: &SyncRequest,
    mut checked: impl Iterator<Item = settlement::Checked>,
) -> Result<Vec<u8>, LedgerError> {
    let request_hash = request.id();
    let body = request.body();
    let window = ledger.policy.settlement_window;
    ledger.write_and_sign(|tx, now, log, signing| {
        if let Some(LastAnswer { request_id, request_hash: hash, seen_up_to, response }) =
            tx.last_answer(&body.wallet_key)?
        {
            if request_id == body.request_id {
                return if hash == request_hash { Ok(response) } else { Err(LedgerError::RequestIdReused) };
            }
            // A wallet sends a new request only after reading the answer to its last one, and
            // that answer moved it past everything the last request had seen: a request that
            // has seen less is an old one replayed, or a wallet file restored from an old copy.
            let acknowledged = seen_up_to;
            if body.seen_up_to < acknowledged {
                return Err(LedgerError::SyncBehind { sent: body.seen_up_to, acknowledged });
            }
        }
        let member_id = match settlement::member_of_key(tx, &body.wallet_key)? {
            None => return Err(LedgerError::UnknownWallet),
            Some((member_id, KeyState::Active)) => member_id,
            Some((_, state)) => return Err(LedgerError::WalletBlocked { state }),
        };
        let detail = format!("{member_id} synced (device clock {})", body.device_time);
        let entry = NewEntry::new(EntryKind::Synced, &member_id, detail)
            .subject(request_hash)
            .device_time(body.device_time);
        audit::append(tx, now, entry)?;
        let mut recorded = Vec::new();
        for proof in request.equivocations() {
            recorded.extend(record_equivocation(ledger, tx, now, &member_id, proof)?);
        }

        let mut uploads = Uploads::new(tx, now, window, body.wallet_key);
        for transfer in checked.by_ref().take(body.transfers.len()) {
            uploads.transfer(transfer)?;
        }
        for transfer in checked {
            uploads.evidence(transfer)?;
        }
        for receipt in &body.receipts {
            uploads.receipt(receipt)?;
        }
        let outcomes = uploads.finish()?;
        let payments = body
            .payments
            .iter()
            .map(|p| pay_online(ledger, tx, now, &member_id, p))
            .collect::<Result<Vec<_>, _>>()?;
        let mut purse = None;
        if let Some(order) = &body.purse {
            for declaration in &order.closing {
                if let Some(reason) =
                    settlement::close_purse(tx, now, &member_id, body.device_time, declaration)?
                {
                    tracing::info!(member = %member_id, %reason, "purse declaration refused");
                }
            }
            if order.amount > 0 {
                purse = issue_purse(ledger, tx, now, &member_id, order.amount)?;
            }
        }

        let member = known_member(tx, &member_id)?;
        let answered = Answered { outcomes, payments, purse, recorded };
        let response = respond(ledger, tx, log, signing, now, &member, request, answered)?;
        i64::try_from(body.seen_up_to).map_err(|_| inconsistent("seen_up_to beyond i64"))?;
        let answer = LastAnswer {
            request_id: body.request_id.to_vec(),
            request_hash: request_hash.to_vec(),
            seen_up_to: body.seen_up_to,
            response,
        };
        tx.put_answer(&body.wallet_key, &answer, now)?;
        Ok(answer.response)
    })
}

/// What the request's work produced, for the answer.
struct Answered {
    outcomes: Vec<outpost_wallet_core::protocol::sync::TransferOutcome>,
    payments: Vec<PaymentOutcome>,
    purse: Option<PurseCertificate>,
    /// The log positions of the entries recording the request's fork proofs.
    recorded: Vec<u64>,
}

/// Records a member's proof that this ledger signed two checkpoints of one size with different
/// roots (docs/adr/0014), once: a proof reported before (by this member, resending until it
/// sees the entry, or by another) keeps its first entry. An honest ledger cannot be shown one,
/// since it never signs a fork (docs/adr/0011); recording it anyway puts the proof in every audit
/// export. Returns the entry's position, which the answer proves to the wallet; a proof that does
/// not verify under this ledger's key proves nothing, is left out and gets none.
fn record_equivocation(
    ledger: &Ledger,
    tx: &dyn Tx,
    now: u64,
    member_id: &str,
    proof: &EquivocationProof,
) -> Result<Option<u64>, LedgerError> {
    if let Err(e) = proof.verify(&ledger.public_key()) {
        tracing::warn!(member = %member_id, error = %e, "equivocation proof refused");
        return Ok(None);
    }
    let proof_id = proof.id();
    if let Some(seq) = tx.equivocation(&proof_id)? {
        return Ok(Some(seq));
    }
    tracing::error!(member = %member_id, size = proof.size(), "a member proved this ledger signed two logs of one size");
    let detail = format!(
        "{member_id} reported two checkpoints signed by this ledger for {} entries with different roots \
         ({} and {}): the ledger forked its log",
        proof.size(),
        hex::short(&proof.first.root[..6]),
        hex::short(&proof.second.root[..6]),
    );
    let entry = NewEntry::new(EntryKind::EquivocationReported, member_id, detail)
        .subject(proof_id)
        .evidence(proof.to_bytes());
    let seq = audit::append(tx, now, entry)?;
    tx.insert_equivocation(&proof_id, seq)?;
    Ok(Some(seq))
}

#[allow(clippy::too_many_arguments)]
fn respond(
    ledger: &Ledger,
    tx: &dyn Tx,
    log: &mut LogCache,
    signing: &mut Signing<'_>,
    now: u64,
    member: &Member,
    request: &SyncRequest,
    answered: Answered,
) -> Result<Vec<u8>, LedgerError> {
    let Answered { outcomes, payments, purse, recorded } = answered;
    let body = request.body();
    let tree = log.tree(tx)?;
    let size = tree.view.size();
    let checkpoint = signing.sign(&ledger.signer, tx, &tree, now)?;
    let consistency = if body.checkpoint_size > 0 && body.checkpoint_size <= size {
        tree.view.consistency_proof(body.checkpoint_size).map_err(|e| inconsistent(&e.to_string()))?
    } else {
        // Nothing held, or the wallet holds more than the log has: no proof can exist, and the
        // wallet will refuse the shrunken log.
        Vec::new()
    };
    let witnessed = ledger.witnessed().filter(|w| w.checkpoint.size <= size).map(|w| {
        // The witnessed checkpoint is an earlier signature over this same log: the tree in hand
        // proves the fresh one extends it.
        let consistency = if w.checkpoint.size == 0 || w.checkpoint.size == size {
            Vec::new()
        } else {
            tree.view.consistency_proof(w.checkpoint.size).unwrap_or_default()
        };
        WitnessedCheckpoint { checkpoint: w.checkpoint, cosignatures: w.cosignatures, consistency }
    });
    // From version 4 (docs/adr/0020), the entries that only record the settlement of a transfer
    // this request uploaded are left out: the answer's signed outcome already says it, and they
    // are most of a busy receiver's answer. They cost nothing against the entry limit.
    let version = request.answer_version();
    let settled_here: HashSet<MessageId> = if version >= 4 {
        outcomes.iter().filter(|o| o.outcome == Outcome::Settled).map(|o| o.transfer_id).collect()
    } else {
        HashSet::new()
    };
    let limit = MAX_SYNC_ENTRIES + settled_here.len();
    let mut found = audit::member_leaves(tx, &member.member_id, body.seen_up_to, limit + 1)?;
    let mut more = found.len() > limit;
    found.truncate(limit);
    let mut kept: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut resume = found.last().map(|last| last.seq + 1);
    for audit::MemberLeaf { seq, leaf } in found {
        let leaf = leaf.ok_or_else(|| inconsistent("a log entry vanished"))?;
        if !settled_here.is_empty() && only_settles(&leaf, &settled_here) {
            continue;
        }
        if kept.len() == MAX_SYNC_ENTRIES {
            (more, resume) = (true, Some(seq));
            break;
        }
        kept.push((seq, leaf));
    }
    let seen_up_to = match resume {
        Some(resume) if more => resume,
        _ => tree.next_seq(),
    };
    let position =
        |seq: u64| tree.position(seq).ok_or_else(|| inconsistent("a log entry is not in the tree"));
    let prove = |seq: u64, leaf: Vec<u8>| -> Result<ProvedEntry, LedgerError> {
        let proof = tree
            .view
            .inclusion_proof(position(seq)?)
            .map_err(|_| inconsistent("a log entry is not in the tree"))?;
        Ok(ProvedEntry { leaf, proof })
    };
    let (entries, entries_proof) = if version >= 4 {
        let indices = kept.iter().map(|(seq, _)| position(*seq)).collect::<Result<Vec<u64>, _>>()?;
        let proof = if indices.is_empty() {
            Vec::new()
        } else {
            tree.view.multi_inclusion_proof(&indices).map_err(|e| inconsistent(&e.to_string()))?
        };
        (kept.into_iter().map(|(_, leaf)| ProvedEntry { leaf, proof: Vec::new() }).collect(), proof)
    } else {
        (kept.into_iter().map(|(seq, leaf)| prove(seq, leaf)).collect::<Result<Vec<_>, _>>()?, Vec::new())
    };
    let mut recorded_entries = Vec::new();
    for seq in recorded {
        let leaf = tx.leaf(seq)?.ok_or_else(|| inconsistent("a recorded fork proof's entry vanished"))?;
        recorded_entries.push(prove(seq, leaf)?);
    }
    // Every checkpoint this ledger signed is a prefix of the tree in hand, so each size a phone
    // saw up to it has a proof; a size above it was never signed here and gets none.
    let mut sighted = Vec::new();
    for &from in request.sighted().iter().filter(|&&s| s <= size) {
        let proof = if from == size {
            Vec::new()
        } else {
            tree.view.consistency_proof(from).map_err(|e| inconsistent(&e.to_string()))?
        };
        sighted.push(SightedProof { size: from, proof });
    }

    let window_start = now.saturating_sub(ledger.policy.settlement_window);
    let revoked: Vec<MessageId> = tx.revoked_purses(window_start, MAX_SYNC_REVOKED)?;

    let flags = risk::flags_for(log.flags(tx)?, &member.member_id);
    let notices = flags
        .iter()
        .rev()
        .take(MAX_SYNC_NOTICES)
        .rev()
        .map(|f| {
            let mut detail = f.detail.clone();
            detail.truncate(outpost_wallet_core::protocol::sync::MAX_SYNC_TEXT);
            RiskNotice { code: f.reason.code().to_owned(), score: f.score, at: f.at, detail }
        })
        .collect();

    // In the request's version: a wallet not yet upgraded reads only its own (docs/adr/0015).
    let response = ledger.signer.sign_sync_response_version(
        version,
        SyncResponseBody {
            request: request.id(),
            ledger_time: now,
            member_id: member.member_id.clone(),
            online_balance: member.balance_minor,
            outcomes,
            payments,
            purse,
            revoked,
            notices,
            checkpoint,
            consistency,
            entries,
            entries_proof,
            seen_up_to,
            more,
            witnessed,
            sighted,
            recorded: recorded_entries,
        },
    )?;
    Ok(response.to_bytes())
}

/// Whether a log entry only records the settlement of one of `transfers`.
fn only_settles(leaf: &[u8], transfers: &HashSet<MessageId>) -> bool {
    AuditEntry::from_leaf_data(leaf)
        .is_ok_and(|entry| entry.kind == EntryKind::Settled && transfers.contains(&entry.subject))
}

fn pay_online(
    ledger: &Ledger,
    tx: &dyn Tx,
    now: u64,
    payer_id: &str,
    payment: &OnlinePayment,
) -> Result<PaymentOutcome, LedgerError> {
    let refuse = |reason: PaymentReason| PaymentOutcome {
        payment_id: payment.payment_id,
        paid: false,
        reason: reason.to_string(),
    };
    let paid = || PaymentOutcome {
        payment_id: payment.payment_id,
        paid: true,
        reason: PaymentReason::Paid.to_string(),
    };
    if tx.online_payment_done(payer_id, &payment.payment_id)? {
        return Ok(paid());
    }
    let payee = match settlement::member_of_key(tx, &payment.to_key)? {
        Some((payee, KeyState::Active)) => payee,
        _ => return Ok(refuse(PaymentReason::PayeeNotEnrolled)),
    };
    if payee == payer_id {
        return Ok(refuse(PaymentReason::ToYourself));
    }
    let Ok(amount) = i64::try_from(payment.amount) else {
        return Ok(refuse(PaymentReason::TooLarge));
    };
    if amount == 0 {
        return Ok(refuse(PaymentReason::Zero));
    }
    let payer = known_member(tx, payer_id)?;
    if payer.balance_minor < amount {
        let held = Amount::from_minor(u64::try_from(payer.balance_minor).unwrap_or(0), ledger.currency)?;
        return Ok(refuse(PaymentReason::Insufficient { held: held.to_string() }));
    }
    tx.insert_online_payment(payer_id, &payment.payment_id, &payee, amount, now)?;
    settlement::add_to_account(tx, payer_id, -amount)?;
    settlement::add_to_account(tx, &payee, amount)?;
    let mut subject = [0u8; 32];
    subject[..16].copy_from_slice(&payment.payment_id);
    let shown = Amount::from_minor(payment.amount, ledger.currency)?;
    let entry = NewEntry::new(
        EntryKind::OnlinePayment,
        payer_id,
        format!("{payer_id} paid {shown} to {payee} online: {}", payment.memo),
    )
    .subject(subject)
    .moving(Account::Member(payer_id.to_owned()), -amount)
    .moving(Account::Member(payee), amount);
    audit::append(tx, now, entry)?;
    Ok(paid())
}

/// Issues a purse of up to `wanted` minor units, within the member's limit and what the account
/// holds, once the member has no open purse left. Flagged members get none.
fn issue_purse(
    ledger: &Ledger,
    tx: &dyn Tx,
    now: u64,
    member_id: &str,
    wanted: u64,
) -> Result<Option<PurseCertificate>, LedgerError> {
    let member = known_member(tx, member_id)?;
    let open = tx.open_purse_count(member_id)?;
    if member.flagged || open > 0 {
        return Ok(None);
    }
    let amount = wanted.min(member.purse_limit_minor).min(u64::try_from(member.balance_minor).unwrap_or(0));
    if amount == 0 {
        return Ok(None);
    }
    let serial = tx.take_serial(member_id)?;
    let certificate = ledger.signer.issue(PurseTerms {
        wallet_key: member.wallet.signing_key,
        serial,
        member_id: member_id.to_owned(),
        amount: Amount::from_minor(amount, ledger.currency)?,
        issued_at: now,
        expires_at: now + ledger.policy.purse_lifetime,
    })?;
    let purse_id = certificate.purse_id();
    let amount = crate::minor(amount)?;
    tx.insert_purse(&NewPurse {
        purse_id,
        member_id,
        serial,
        amount,
        issued_at: now,
        expires_at: now + ledger.policy.purse_lifetime,
        certificate: certificate.to_bytes(),
    })?;
    settlement::add_to_account(tx, member_id, -amount)?;
    let detail = format!(
        "purse {} issued to {member_id}: {}, serial {serial}",
        hex::short(&purse_id),
        certificate.terms().amount
    );
    let entry = NewEntry::new(EntryKind::PurseIssued, member_id, detail)
        .subject(purse_id)
        .evidence(certificate.to_bytes())
        .moving(Account::Member(member_id.to_owned()), -amount)
        .moving(Account::Purse(purse_id), amount);
    audit::append(tx, now, entry)?;
    Ok(Some(certificate))
}
