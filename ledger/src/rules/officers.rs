//! Officers at the ledger: who they are, how each request of theirs is authenticated, and the
//! two-person rule under which their acts wait for approval (docs/adr/0016).
//!
//! Lifecycle of an officer act (a credit, a purse limit, a device revoked or replaced, a purse
//! revoked, an officer enrolled or removed):
//!
//! ```text
//! maker's signed request ─► [`Ledger::submit`] ─► pending (202, its id = the request's challenge)
//!     ─► another officer's signed approval ─► [`Ledger::approve`] ─► … until `threshold` officers
//!     ─► executed, in the same transaction as the last approval, with the maker's signed request,
//!        its body and every approval as the entry's evidence
//!     ─► or declined ([`Ledger::decline`]) / expired (after `approval_ttl`): never executed
//! ```
//!
//! Because the last approval and the act it completes commit together, a crash leaves either a
//! pending request still waiting for that approval or the act done with its evidence, never an
//! act without evidence or an approval that did nothing.
//!
//! Authentication ([`Ledger::authenticate`]) checks, before any handler runs: the header parses,
//! the signature verifies (a passkey's also against its link: `passkeys`, docs/adr/0021), the
//! signer is an enrolled officer not removed, the signed method, path
//! and body hash are the request's, the signed time is within `skew` of the ledger's clock, and
//! the nonce was never seen (nonces are stored in the database for the skew window, so a
//! restart does not reopen replays).

use outpost_wallet_core::Amount;
use outpost_wallet_core::audit::{EntryKind, MAX_EVIDENCE_BYTES};
use outpost_wallet_core::hex;
use outpost_wallet_core::officer::authority::{check_self_enrolment, path_segment};
use outpost_wallet_core::officer::{Authorisation, Challenge, ENROL_PATH, SignedOfficerRequest};
use serde::{Deserialize, Serialize};

use crate::rules::audit::{self, NewEntry};
use crate::rules::settlement;
use crate::storage::{OfficerRow, PendingRow, PendingState, Tx};
use crate::{Ledger, LedgerError, Member, MessageId, OfficerRefusal};

/// The two-person rule and its limits.
#[derive(Debug, Clone)]
pub struct OfficerPolicy {
    /// Officers who must sign an act (the maker included): never below 2.
    pub threshold: usize,
    /// Seconds a pending act waits for its approvals before it expires.
    pub approval_ttl: u64,
    /// Seconds an officer's clock may differ from the ledger's.
    pub skew: u64,
    /// The largest single credit, in minor units.
    pub credit_cap_minor: u64,
    /// The most credited in any 24 hours, in minor units.
    pub daily_credit_cap_minor: u64,
}

impl Default for OfficerPolicy {
    fn default() -> Self {
        Self {
            threshold: 2,
            approval_ttl: 24 * 3600,
            skew: 300,
            credit_cap_minor: 1_000_000,
            daily_credit_cap_minor: 50_000_000,
        }
    }
}

/// The fewest officers an act may need.
pub const MIN_THRESHOLD: usize = outpost_wallet_core::officer::authority::MIN_SIGNERS;

/// An enrolled officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    pub public_key: [u8; 32],
    pub name: String,
    pub enrolled_at: u64,
}

/// A request that passed [`Ledger::authenticate`]: who sent it and what they signed.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub officer: Officer,
    pub signed: SignedOfficerRequest,
    pub body: Vec<u8>,
}

/// What an officer act does, as parsed from its request at the server's boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "act", rename_all = "snake_case")]
pub enum Act {
    Credit { member_id: String, amount_minor: u64, memo: String, batch: String },
    SetPurseLimit { member_id: String, limit_minor: u64 },
    RevokeDevice { member_id: String, reason: String },
    ReplaceDevice { member_id: String, enrolment_qr: String },
    RevokePurse { purse_id: String, reason: String },
    EnrolOfficer { enrolment: String },
    RemoveOfficer { public_key: String },
}

impl Act {
    /// The one request that may carry this act: the audit expects exactly it.
    pub fn route(&self) -> (&'static str, String) {
        let member = |id: &str, action: &str| format!("/v1/officer/members/{}/{action}", path_segment(id));
        match self {
            Act::Credit { member_id, .. } => ("POST", member(member_id, "credit")),
            Act::SetPurseLimit { member_id, .. } => ("PUT", member(member_id, "purse-limit")),
            Act::RevokeDevice { member_id, .. } => ("POST", member(member_id, "revoke-device")),
            Act::ReplaceDevice { member_id, .. } => ("POST", member(member_id, "replace-device")),
            Act::RevokePurse { purse_id, .. } => ("POST", format!("/v1/officer/purses/{purse_id}/revoke")),
            Act::EnrolOfficer { .. } => ("POST", ENROL_PATH.to_owned()),
            Act::RemoveOfficer { public_key } => ("DELETE", format!("{ENROL_PATH}/{public_key}")),
        }
    }

    /// The act in words, for the pending list.
    pub fn describe(&self) -> String {
        match self {
            Act::Credit { member_id, amount_minor, memo, batch } => {
                format!("credit {amount_minor} to {member_id} (batch {batch}): {memo}")
            }
            Act::SetPurseLimit { member_id, limit_minor } => {
                format!("set the purse limit of {member_id} to {limit_minor}")
            }
            Act::RevokeDevice { member_id, reason } => format!("revoke the device of {member_id}: {reason}"),
            Act::ReplaceDevice { member_id, .. } => {
                format!("replace the device of {member_id} with a new wallet")
            }
            Act::RevokePurse { purse_id, reason } => format!("revoke purse {purse_id}: {reason}"),
            Act::EnrolOfficer { enrolment } => match enrolment_of(enrolment) {
                Ok((_, key, name)) => format!("enrol officer {name} ({})", &hex::encode(&key)[..16]),
                Err(_) => "enrol an officer".into(),
            },
            Act::RemoveOfficer { public_key } => format!("remove officer {public_key}"),
        }
    }
}

/// A pending act as officers see it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: Challenge,
    pub act: Act,
    pub maker: Officer,
    pub approvers: Vec<Officer>,
    pub created_at: u64,
    pub expires_at: u64,
    /// Officers who must still approve.
    pub approvals_needed: usize,
}

/// What an approval did.
#[derive(Debug, Clone)]
pub enum Approved {
    /// More approvals are needed.
    Waiting(Pending),
    /// The act is done.
    Executed(Outcome),
}

/// The result of an executed act.
#[derive(Debug, Clone)]
pub enum Outcome {
    Credited { balance_minor: i64 },
    Member(Member),
    RevokedPurses(Vec<MessageId>),
    RevokedPurse(MessageId),
    OfficerEnrolled(Officer),
    OfficerRemoved([u8; 32]),
}

/// The self-enrolment in an enrolment code: it, the key and the name.
fn enrolment_of(code: &str) -> Result<(Authorisation, [u8; 32], String), LedgerError> {
    let bytes = hex::decode(code.trim()).map_err(|_| OfficerRefusal::EnrolmentNotHex)?;
    let enrolment = Authorisation::from_bytes(&bytes)
        .map_err(|e| OfficerRefusal::BadEnrolment { detail: e.to_string() })?;
    let key = *enrolment.maker.officer_key();
    let name = check_self_enrolment(&enrolment, &key)
        .map_err(|fault| OfficerRefusal::BadEnrolment { detail: fault.to_string() })?;
    if !enrolment.approvals.is_empty() {
        return Err(OfficerRefusal::EnrolmentWithApprovals.into());
    }
    Ok((enrolment, key, name))
}

fn parse_key(text: &str) -> Result<[u8; 32], LedgerError> {
    hex::decode_array(text)
        .ok()
        .ok_or_else(|| OfficerRefusal::NotHex { what: "an officer key", chars: text.chars().count() }.into())
}

fn parse_purse(text: &str) -> Result<MessageId, LedgerError> {
    hex::decode_array(text)
        .ok()
        .ok_or_else(|| OfficerRefusal::NotHex { what: "a purse id", chars: text.chars().count() }.into())
}

/// The founding officers' codes, checked before anything of a new ledger is written: enough of
/// them, each a valid self-enrolment, no officer twice.
pub(crate) fn check_founders(codes: &[String], threshold: usize) -> Result<(), LedgerError> {
    if codes.len() < threshold {
        return Err(OfficerRefusal::TooFewFounders { threshold }.into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for code in codes {
        let (_, key, name) = enrolment_of(code)?;
        if !seen.insert(key) {
            return Err(OfficerRefusal::FounderTwice { name }.into());
        }
    }
    Ok(())
}

/// Records the founding officers of a new ledger, in the transaction that creates it.
pub(crate) fn found(conn: &dyn Tx, now: u64, codes: &[String], threshold: usize) -> Result<(), LedgerError> {
    check_founders(codes, threshold)?;
    for code in codes {
        let (enrolment, key, name) = enrolment_of(code)?;
        if active_officer(conn, &key)?.is_some() {
            return Err(OfficerRefusal::FounderTwice { name }.into());
        }
        insert_officer(conn, now, &key, &name)?;
        let detail = format!("founding officer {name} ({})", hex::encode(&key));
        audit::append(
            conn,
            now,
            NewEntry::new(EntryKind::OfficerFounded, "", detail).subject(key).evidence(enrolment.to_bytes()),
        )?;
    }
    Ok(())
}

fn insert_officer(conn: &dyn Tx, now: u64, key: &[u8; 32], name: &str) -> Result<(), LedgerError> {
    conn.upsert_officer(key, name, now)
}

fn officer_of(row: OfficerRow) -> Officer {
    Officer { public_key: row.public_key, name: row.name, enrolled_at: row.enrolled_at }
}

fn active_officer(conn: &dyn Tx, key: &[u8; 32]) -> Result<Option<Officer>, LedgerError> {
    Ok(conn.officer(key)?.filter(|row| !row.removed).map(officer_of))
}

fn active_count(conn: &dyn Tx) -> Result<usize, LedgerError> {
    Ok(conn.active_officers()?.len())
}

impl Ledger {
    /// The enrolled officers, by name.
    pub fn officers(&self) -> Result<Vec<Officer>, LedgerError> {
        self.read(|tx| Ok(tx.active_officers()?.into_iter().map(officer_of).collect()))
    }

    /// Authenticates one officer request: `header` is the [`outpost_wallet_core::officer::HEADER`]
    /// value, `method`, `path` (with its query) and `body` the request as received. Records the
    /// nonce; a refusal says why, in words fit for the officer.
    pub fn authenticate(
        &self,
        header: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Authenticated, LedgerError> {
        let signed = SignedOfficerRequest::from_header(header).map_err(OfficerRefusal::from)?;
        let passkey = signed.verify().map_err(OfficerRefusal::from)?;
        signed.request.check_matches(method, path, body).map_err(OfficerRefusal::from)?;
        let skew = self.policy().officers.skew;
        self.write(|tx, now| {
            let Some(officer) = active_officer(tx, signed.officer_key())? else {
                let removed = tx.officer(signed.officer_key())?.is_some();
                return Err(if removed {
                    OfficerRefusal::Removed.into()
                } else {
                    OfficerRefusal::NotAnOfficer.into()
                });
            };
            if let Some(used) = &passkey {
                crate::rules::passkeys::check_use(tx, &officer, used)?;
            }
            let time = signed.request.time;
            if time.abs_diff(now) > skew {
                return Err(OfficerRefusal::ClockSkew { signed_at: time, now, skew }.into());
            }
            tx.forget_nonces_before(now.saturating_sub(2 * skew))?;
            if !tx.insert_nonce(signed.officer_key(), &signed.request.nonce[..], time)? {
                return Err(OfficerRefusal::Replay.into());
            }
            Ok(Authenticated { officer, signed: signed.clone(), body: body.to_vec() })
        })
    }

    /// Stores an officer act to wait for approval. The act must be the one the maker signed
    /// (its canonical method and path), and must make sense now (the member exists, the amount
    /// is within the caps…); it is checked again when it executes.
    pub fn submit(&self, maker: &Authenticated, act: Act) -> Result<Pending, LedgerError> {
        let (method, path) = act.route();
        maker.signed.request.check_matches(method, &path, &maker.body).map_err(OfficerRefusal::from)?;
        self.check_act(&act)?;
        // The evidence must fit the log's bound with its approvals still to come: a passkey's
        // signature is larger than a key's, and its client data is the browser's to pad.
        let alone =
            Authorisation { maker: maker.signed.clone(), body: maker.body.clone(), approvals: Vec::new() };
        if alone.to_bytes().len() > MAX_EVIDENCE_BYTES / 2 {
            return Err(OfficerRefusal::NoRoomForApprovals.into());
        }
        let ttl = self.policy().officers.approval_ttl;
        let id = maker.signed.challenge();
        self.write(|tx, now| {
            self.check_act_now(tx, now, &act)?;
            tx.insert_pending(
                &id,
                &PendingRow {
                    act: serde_json::to_string(&act).map_err(|e| crate::inconsistent(&e.to_string()))?,
                    maker: maker.signed.to_bytes(),
                    body: maker.body.clone(),
                    made_at: now,
                    expires_at: now.saturating_add(ttl),
                    state: PendingState::Pending,
                },
            )?;
            load_pending(tx, &id, self.policy().officers.threshold)
        })
    }

    /// The acts waiting for approval and not expired, oldest first.
    pub fn pending(&self) -> Result<Vec<Pending>, LedgerError> {
        let threshold = self.policy().officers.threshold;
        let now = self.clock.now_unix();
        self.read(|tx| tx.pending_ids(now)?.iter().map(|id| load_pending(tx, id, threshold)).collect())
    }

    /// Records `approver`'s approval of the pending act `id`; with enough approvals, executes it
    /// in the same transaction. The approval must be a signed `POST` of the act's approval path.
    pub fn approve(&self, approver: &Authenticated, id: &Challenge) -> Result<Approved, LedgerError> {
        let threshold = self.policy().officers.threshold;
        let path = outpost_wallet_core::officer::approval_path(id);
        approver.signed.request.check_matches("POST", &path, b"").map_err(OfficerRefusal::from)?;
        self.write(|tx, now| {
            let pending = open_pending(tx, id, now, threshold)?;
            if pending.maker.public_key == approver.officer.public_key {
                return Err(OfficerRefusal::MakerApproves { maker: pending.maker.name.clone() }.into());
            }
            if pending.approvers.iter().any(|o| o.public_key == approver.officer.public_key) {
                return Err(
                    OfficerRefusal::AlreadyApproved { approver: approver.officer.name.clone() }.into()
                );
            }
            let mut evidence = authorisation_of(tx, id)?;
            evidence.approvals.push(approver.signed.clone());
            if evidence.to_bytes().len() > MAX_EVIDENCE_BYTES {
                return Err(OfficerRefusal::EvidenceTooLarge.into());
            }
            tx.insert_approval(id, &approver.officer.public_key, &approver.signed.to_bytes(), now)?;
            let pending = load_pending(tx, id, threshold)?;
            if pending.approvals_needed > 0 {
                return Ok(Approved::Waiting(pending));
            }
            let authorisation = authorisation_of(tx, id)?;
            let outcome = self.execute(tx, now, &pending.act, authorisation.to_bytes())?;
            tx.close_pending(id, PendingState::Executed, None)?;
            Ok(Approved::Executed(outcome))
        })
    }

    /// Declines the pending act `id`: it will never execute. Any officer may decline.
    pub fn decline(&self, officer: &Authenticated, id: &Challenge) -> Result<Pending, LedgerError> {
        let threshold = self.policy().officers.threshold;
        self.write(|tx, now| {
            let pending = open_pending(tx, id, now, threshold)?;
            tx.close_pending(id, PendingState::Declined, Some(&officer.officer.public_key))?;
            Ok(pending)
        })
    }

    /// The checks of an act that need no database.
    fn check_act(&self, act: &Act) -> Result<(), LedgerError> {
        let caps = &self.policy().officers;
        match act {
            Act::Credit { amount_minor, memo, batch, .. } => {
                self.check_credit(Amount::from_minor(*amount_minor, self.currency())?, memo)?;
                if batch.trim().is_empty() || batch.len() > 64 {
                    return Err(OfficerRefusal::NoBatch.into());
                }
                if *amount_minor > caps.credit_cap_minor {
                    let money = |minor| Amount::from_minor(minor, self.currency()).map(|a| a.to_string());
                    return Err(OfficerRefusal::AboveCreditCap {
                        amount: money(*amount_minor)?,
                        cap: money(caps.credit_cap_minor)?,
                    }
                    .into());
                }
            }
            Act::SetPurseLimit { limit_minor, .. } => {
                crate::minor(*limit_minor)?;
            }
            Act::RevokeDevice { reason, .. } | Act::RevokePurse { reason, .. } => {
                crate::check_reason(reason)?
            }
            Act::ReplaceDevice { member_id, enrolment_qr } => {
                crate::parse_replacement(member_id, enrolment_qr)?;
            }
            Act::EnrolOfficer { enrolment } => {
                enrolment_of(enrolment)?;
            }
            Act::RemoveOfficer { public_key } => {
                parse_key(public_key)?;
            }
        }
        if let Act::RevokePurse { purse_id, .. } = act {
            parse_purse(purse_id)?;
        }
        Ok(())
    }

    /// The checks of an act against the ledger as it stands, at submission and at execution.
    fn check_act_now(&self, tx: &dyn Tx, now: u64, act: &Act) -> Result<(), LedgerError> {
        let caps = &self.policy().officers;
        match act {
            Act::Credit { member_id, amount_minor, .. } => {
                crate::known_member(tx, member_id)?;
                let day = tx.credited_since(now.saturating_sub(86_400))?;
                if (day.max(0) as u64).saturating_add(*amount_minor) > caps.daily_credit_cap_minor {
                    let money = |minor| Amount::from_minor(minor, self.currency()).map(|a| a.to_string());
                    return Err(OfficerRefusal::AboveDailyCap {
                        total: money((day.max(0) as u64).saturating_add(*amount_minor))?,
                        cap: money(caps.daily_credit_cap_minor)?,
                    }
                    .into());
                }
            }
            Act::SetPurseLimit { member_id, .. }
            | Act::RevokeDevice { member_id, .. }
            | Act::ReplaceDevice { member_id, .. } => {
                crate::known_member(tx, member_id)?;
            }
            Act::RevokePurse { purse_id, .. } => {
                let id = parse_purse(purse_id)?;
                if tx.purse(&id)?.is_none() {
                    return Err(LedgerError::UnknownPurse { purse: purse_id.clone() });
                }
            }
            Act::EnrolOfficer { enrolment } => {
                let (_, key, name) = enrolment_of(enrolment)?;
                if active_officer(tx, &key)?.is_some() {
                    return Err(OfficerRefusal::AlreadyOfficer { name }.into());
                }
            }
            Act::RemoveOfficer { public_key } => {
                let key = parse_key(public_key)?;
                if active_officer(tx, &key)?.is_none() {
                    return Err(OfficerRefusal::NoSuchOfficer { key: public_key.clone() }.into());
                }
                if active_count(tx)? <= caps.threshold {
                    return Err(OfficerRefusal::TooFewLeft { threshold: caps.threshold }.into());
                }
            }
        }
        Ok(())
    }

    fn execute(
        &self,
        tx: &dyn Tx,
        now: u64,
        act: &Act,
        authorisation: Vec<u8>,
    ) -> Result<Outcome, LedgerError> {
        self.check_act(act)?;
        self.check_act_now(tx, now, act)?;
        let evidence = Some(authorisation.clone());
        Ok(match act {
            Act::Credit { member_id, amount_minor, memo, batch } => {
                let amount = Amount::from_minor(*amount_minor, self.currency())?;
                let detail = format!("credited {amount} to {member_id} (payroll batch {batch}): {memo}");
                let balance_minor = crate::credit_in(
                    tx,
                    now,
                    member_id,
                    crate::minor(*amount_minor)?,
                    &detail,
                    memo,
                    evidence,
                )?;
                Outcome::Credited { balance_minor }
            }
            Act::SetPurseLimit { member_id, limit_minor } => {
                crate::set_purse_limit_in(
                    tx,
                    now,
                    member_id,
                    Amount::from_minor(*limit_minor, self.currency())?,
                    evidence,
                )?;
                Outcome::Member(crate::known_member(tx, member_id)?)
            }
            Act::RevokeDevice { member_id, reason } => {
                Outcome::RevokedPurses(crate::revoke_device_in(tx, now, member_id, reason, evidence)?)
            }
            Act::ReplaceDevice { member_id, enrolment_qr } => {
                let request = crate::parse_replacement(member_id, enrolment_qr)?;
                Outcome::Member(crate::replace_device_in(tx, now, member_id, &request, evidence)?)
            }
            Act::RevokePurse { purse_id, reason } => {
                let id = parse_purse(purse_id)?;
                settlement::revoke_authorised(tx, now, &id, reason, evidence)?;
                Outcome::RevokedPurse(id)
            }
            Act::EnrolOfficer { enrolment } => {
                let (_, key, name) = enrolment_of(enrolment)?;
                insert_officer(tx, now, &key, &name)?;
                let detail = format!("officer {name} ({}) enrolled", hex::encode(&key));
                audit::append(
                    tx,
                    now,
                    NewEntry::new(EntryKind::OfficerEnrolled, "", detail)
                        .subject(key)
                        .evidence(authorisation.clone()),
                )?;
                Outcome::OfficerEnrolled(Officer { public_key: key, name, enrolled_at: now })
            }
            Act::RemoveOfficer { public_key } => {
                let key = parse_key(public_key)?;
                let name = active_officer(tx, &key)?.map(|o| o.name).unwrap_or_default();
                tx.remove_officer(&key, now)?;
                let detail = format!("officer {name} ({public_key}) removed");
                audit::append(
                    tx,
                    now,
                    NewEntry::new(EntryKind::OfficerRemoved, "", detail)
                        .subject(key)
                        .evidence(authorisation.clone()),
                )?;
                Outcome::OfficerRemoved(key)
            }
        })
    }
}

/// A pending act that may still be approved or declined at `now`.
fn open_pending(tx: &dyn Tx, id: &Challenge, now: u64, threshold: usize) -> Result<Pending, LedgerError> {
    match tx.pending(id)?.map(|row| row.state) {
        None => return Err(OfficerRefusal::NoPending { id: hex::encode(id) }.into()),
        Some(PendingState::Pending) => {}
        Some(state) => {
            return Err(OfficerRefusal::NotPending { id: hex::encode(id), state: state.to_string() }.into());
        }
    }
    let pending = load_pending(tx, id, threshold)?;
    if now > pending.expires_at {
        return Err(OfficerRefusal::Expired { id: hex::encode(id), expired_at: pending.expires_at }.into());
    }
    Ok(pending)
}

fn officer_by_key(conn: &dyn Tx, key: &[u8]) -> Result<Officer, LedgerError> {
    conn.officer(key)?
        .map(officer_of)
        .ok_or_else(|| crate::inconsistent("a pending request names an unknown officer"))
}

fn load_pending(conn: &dyn Tx, id: &Challenge, threshold: usize) -> Result<Pending, LedgerError> {
    let row = conn.pending(id)?.ok_or_else(|| crate::inconsistent("a pending request vanished"))?;
    let act: Act =
        serde_json::from_str(&row.act).map_err(|e| crate::inconsistent(&format!("a pending act: {e}")))?;
    let maker =
        SignedOfficerRequest::from_bytes(&row.maker).map_err(|e| crate::inconsistent(&e.to_string()))?;
    let maker = officer_by_key(conn, maker.officer_key())?;
    let approvers =
        conn.approvals(id)?.iter().map(|(k, _)| officer_by_key(conn, k)).collect::<Result<Vec<_>, _>>()?;
    Ok(Pending {
        id: *id,
        act,
        maker,
        approvals_needed: threshold.saturating_sub(1 + approvers.len()),
        approvers,
        created_at: row.made_at,
        expires_at: row.expires_at,
    })
}

/// The evidence of an act about to execute: the maker's request and body, and every approval.
fn authorisation_of(conn: &dyn Tx, id: &Challenge) -> Result<Authorisation, LedgerError> {
    let row = conn.pending(id)?.ok_or_else(|| crate::inconsistent("a pending request vanished"))?;
    let damaged = |e: outpost_wallet_core::officer::OfficerError| {
        crate::inconsistent(&format!("a stored officer request: {e}"))
    };
    let approvals = conn
        .approvals(id)?
        .iter()
        .map(|(_, bytes)| SignedOfficerRequest::from_bytes(bytes).map_err(damaged))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Authorisation {
        maker: SignedOfficerRequest::from_bytes(&row.maker).map_err(damaged)?,
        body: row.body,
        approvals,
    })
}
