//! The ledger's audit log as anyone can check it: the entry format, and the offline audit.
//!
//! Every ledger event is one [`AuditEntry`], and its canonical encoding is a leaf of an RFC 6962
//! Merkle tree ([`crate::merkle`]) whose root the ledger signs in [`Checkpoint`]s. An entry says
//! what happened in words (`detail`), which accounts it moved and by how much (`moves`, summing
//! to zero), and carries the signed messages that justify it (`evidence`): the wallet's enrolment
//! request, the ledger's purse certificate, the sender's transfers. So an auditor holding only the
//! exported log and the ledger's public key can re-check every signature, replay every balance
//! and check the invariants, with [`audit_log`]; and a wallet can check that the entries about its
//! own money are in the tree the ledger signed.
//!
//! The ledger writes entries with this code and wallets and auditors read them with it: there is
//! one definition of the format.

use std::collections::{BTreeMap, BTreeSet};

use thiserror::Error;

use crate::encoding::{DecodeError, Reader, Writer};
use crate::merkle::{self, Hash};
use crate::money::{Amount, Currency};
use crate::protocol::chain::{self, Link};
use crate::protocol::{
    Checkpoint, EnrolmentRequest, EquivocationProof, MessageId, PurseCertificate, Transfer,
};

const ENTRY_VERSION: u8 = 1;
const MAX_DETAIL: usize = 1024;
const MAX_MOVES: usize = 8;
const MAX_EVIDENCE: usize = 4;
/// A piece of evidence: an officer act's authorisation carries signed bodies (a replacement
/// wallet's enrolment QR among them) and up to `officer::MAX_APPROVALS` approvals.
pub const MAX_EVIDENCE_BYTES: usize = 8 * 1024;

/// What an entry records. Codes are stable and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum EntryKind {
    /// The first entry: `subject` is the ledger's public key.
    LedgerCreated,
    /// `subject` is the wallet key; evidence: the enrolment request.
    MemberEnrolled,
    /// Pay or an allowance from outside the ledger.
    Credited,
    /// The officer set the member's offline purse limit (`subject` starts with it, big-endian).
    PurseLimitSet,
    /// `subject` is the purse id; evidence: the certificate; moves: account to purse.
    PurseIssued,
    /// The wallet declared its final spend from a purse; moves: the unspent remainder back.
    PurseClosed,
    /// A transfer the sender uploaded before its receiver: known, not yet paid. `subject` is
    /// the transfer id; evidence: the transfer.
    TransferHeld,
    /// A transfer paid to its receiver; evidence: the transfer; moves: purse (and, for a double
    /// spend, the sender's account) to the receiver's account.
    Settled,
    /// Funds unclaimed after the settlement window went back to the purse's owner.
    Returned,
    /// Proof of a double spend or of an undeclared spend; `subject` is the purse id; evidence:
    /// the transfers.
    DoubleSpend,
    /// A purse revoked (double spend, officer, replaced device); `subject` is the purse id.
    Revoked,
    /// A payment through the ledger between two online accounts.
    OnlinePayment,
    /// The member's wallet replaced by a new one; evidence: the new wallet's enrolment request.
    DeviceReplaced,
    /// A wallet synced; `subject` is the request id, `device_time` its clock.
    Synced,
    /// A receiver claimed (by its own upload or its signed receipt) a transfer that conflicts
    /// with one of the same purse it was already paid for: its own wallet must have refused it.
    /// `member_id` is the receiver's member, `subject` the transfer id; evidence: the refused
    /// claim, then the transfer already paid. Not paid; the receiver is flagged (docs/adr/0010).
    Complicit,
    /// A transfer that reached the ledger after its purse's settlement window, when the purse's
    /// money had gone back to its owner. `member_id` is the signer, `subject` the transfer id;
    /// evidence: the transfer. Recorded, not paid.
    LateSpend,
    /// An officer reported a member's device lost (revoked or replaced it). `subject` is the old
    /// wallet key. Double spends proved afterwards from its purses are carried by the loss
    /// account, not the member.
    DeviceLost,
    /// Proof of a double spend from a purse of a device reported lost: the evidence and checks of
    /// [`EntryKind::DoubleSpend`], but the member is not flagged.
    LostDeviceSpend,
    /// A member's wallet reported two checkpoints the ledger signed for one log size with
    /// different roots: proof the ledger forked its log (docs/adr/0014). `member_id` is the
    /// reporter, `subject` the proof's id; evidence: the proof (both compact checkpoints).
    /// Moves no money.
    EquivocationReported,
    /// An officer enrolled by the officers: `subject` is their public key; evidence: the
    /// officers' authorisation, whose body holds the new officer's self-signed enrolment.
    OfficerEnrolled,
    /// An officer removed by the others: `subject` is their public key; evidence: the
    /// authorisation.
    OfficerRemoved,
    /// A founding officer, named when the ledger was created: only straight after
    /// `LedgerCreated`. `subject` is their public key; evidence: their self-signed enrolment.
    OfficerFounded,
    /// An officer linked a passkey to themselves (docs/adr/0021): `subject` is their public key;
    /// evidence: their request signed with their own Ed25519 key, whose body is the link.
    PasskeyLinked,
}

const KINDS: [(EntryKind, u8); 23] = [
    (EntryKind::LedgerCreated, 1),
    (EntryKind::MemberEnrolled, 2),
    (EntryKind::Credited, 3),
    (EntryKind::PurseLimitSet, 4),
    (EntryKind::PurseIssued, 5),
    (EntryKind::PurseClosed, 6),
    (EntryKind::TransferHeld, 7),
    (EntryKind::Settled, 8),
    (EntryKind::Returned, 9),
    (EntryKind::DoubleSpend, 10),
    (EntryKind::Revoked, 11),
    (EntryKind::OnlinePayment, 12),
    (EntryKind::DeviceReplaced, 13),
    (EntryKind::Synced, 14),
    (EntryKind::Complicit, 15),
    (EntryKind::LateSpend, 16),
    (EntryKind::DeviceLost, 17),
    (EntryKind::LostDeviceSpend, 18),
    (EntryKind::EquivocationReported, 19),
    (EntryKind::OfficerEnrolled, 20),
    (EntryKind::OfficerRemoved, 21),
    (EntryKind::OfficerFounded, 22),
    (EntryKind::PasskeyLinked, 23),
];

/// What the entry records, in words: `a credit`.
impl std::fmt::Display for EntryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EntryKind::LedgerCreated => "the ledger's creation",
            EntryKind::MemberEnrolled => "a member's enrolment",
            EntryKind::Credited => "a credit",
            EntryKind::PurseLimitSet => "a purse limit set",
            EntryKind::PurseIssued => "a purse issued",
            EntryKind::PurseClosed => "a purse closed",
            EntryKind::TransferHeld => "a transfer held",
            EntryKind::Settled => "a transfer settled",
            EntryKind::Returned => "a purse's money returned",
            EntryKind::DoubleSpend => "a proved double spend",
            EntryKind::Revoked => "a purse revoked",
            EntryKind::OnlinePayment => "an online payment",
            EntryKind::DeviceReplaced => "a device replaced",
            EntryKind::Synced => "a sync",
            EntryKind::Complicit => "a conflicting claim",
            EntryKind::LateSpend => "a late spend",
            EntryKind::DeviceLost => "a device reported lost",
            EntryKind::LostDeviceSpend => "a lost device's double spend",
            EntryKind::EquivocationReported => "a forked log reported",
            EntryKind::OfficerEnrolled => "an officer enrolled",
            EntryKind::OfficerRemoved => "an officer removed",
            EntryKind::OfficerFounded => "a founding officer named",
            EntryKind::PasskeyLinked => "a passkey linked",
        })
    }
}

impl EntryKind {
    pub fn code(self) -> u8 {
        KINDS.iter().find(|(k, _)| *k == self).map(|(_, c)| *c).expect("every kind has a code")
    }

    pub fn from_code(code: u8) -> Option<Self> {
        KINDS.iter().find(|(_, c)| *c == code).map(|(k, _)| *k)
    }
}

/// An account the ledger keeps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Account {
    /// Where credited pay comes from: the only account allowed below zero without a flag, and
    /// minus everything ever credited.
    Outside,
    /// A member's online account.
    Member(String),
    /// An offline purse, by purse id.
    Purse(MessageId),
    /// What the ministry carries: double spends from the purses of a device reported lost, beyond
    /// what the purse held (docs/adr/0010). Only ever pays out, so its balance is zero or less.
    Loss,
}

/// A change to one account's balance, in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub account: Account,
    pub delta: i64,
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log, from 0: the leaf index in the Merkle tree.
    pub seq: u64,
    /// Ledger time, Unix seconds.
    pub at: u64,
    /// The device's clock when a wallet caused the entry, else 0.
    pub device_time: u64,
    pub kind: EntryKind,
    /// The member the entry is about, or empty.
    pub member_id: String,
    /// The id the entry is about (see [`EntryKind`]), or zeros.
    pub subject: [u8; 32],
    pub moves: Vec<Move>,
    /// Signed messages that justify the entry, in their own encodings.
    pub evidence: Vec<Vec<u8>>,
    /// The entry in plain words, for officers and auditors.
    pub detail: String,
}

impl AuditEntry {
    /// The leaf data: every field, canonically encoded. The writer (the ledger) keeps within the
    /// bounds the reader enforces: at most 8 moves, 4 pieces of evidence of 8 KiB, a detail of
    /// 1 KiB and member ids of 255 bytes (enrolment caps them at 16).
    pub fn leaf_data(&self) -> Vec<u8> {
        // Every variable part with its length prefix, and the fixed fields: no regrowing.
        let moves: usize = self
            .moves
            .iter()
            .map(|m| match &m.account {
                Account::Outside | Account::Loss => 9,
                Account::Member(id) => 10 + id.len(),
                Account::Purse(id) => 9 + id.len(),
            })
            .sum();
        let evidence: usize = self.evidence.iter().map(|e| 4 + e.len()).sum();
        let mut w =
            Writer::with_capacity(64 + self.member_id.len() + moves + evidence + 4 + self.detail.len());
        w.u8(ENTRY_VERSION)
            .u64(self.seq)
            .u64(self.at)
            .u64(self.device_time)
            .u8(self.kind.code())
            .short_text(&self.member_id)
            .fixed(&self.subject)
            .u8(self.moves.len() as u8);
        for m in &self.moves {
            match &m.account {
                Account::Outside => w.u8(0),
                Account::Member(id) => w.u8(1).short_text(id),
                Account::Purse(id) => w.u8(2).fixed(id),
                Account::Loss => w.u8(3),
            };
            w.u64(m.delta.cast_unsigned());
        }
        w.u8(self.evidence.len() as u8);
        for e in &self.evidence {
            w.bytes(e);
        }
        w.text(&self.detail);
        w.finish()
    }

    pub fn from_leaf_data(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        r.version("audit entry", ENTRY_VERSION)?;
        let seq = r.u64("seq")?;
        let at = r.u64("time")?;
        let device_time = r.u64("device time")?;
        let kind = EntryKind::from_code(r.u8("kind")?)
            .ok_or(DecodeError::Invalid { what: "entry kind", reason: "unknown code" })?;
        let member_id = r.short_text("member id", 255)?.to_owned();
        let subject = r.array("subject")?;
        let n = usize::from(r.u8("moves")?);
        if n > MAX_MOVES {
            return Err(DecodeError::TooLong { what: "moves", len: n, max: MAX_MOVES });
        }
        let mut moves = Vec::with_capacity(n);
        for _ in 0..n {
            let account = match r.u8("account")? {
                0 => Account::Outside,
                1 => Account::Member(r.short_text("account member", 255)?.to_owned()),
                2 => Account::Purse(r.array("account purse")?),
                3 => Account::Loss,
                _ => return Err(DecodeError::Invalid { what: "account", reason: "unknown kind" }),
            };
            moves.push(Move { account, delta: r.u64("delta")?.cast_signed() });
        }
        let n = usize::from(r.u8("evidence")?);
        if n > MAX_EVIDENCE {
            return Err(DecodeError::TooLong { what: "evidence", len: n, max: MAX_EVIDENCE });
        }
        let evidence = (0..n)
            .map(|_| r.bytes("evidence", MAX_EVIDENCE_BYTES).map(<[u8]>::to_vec))
            .collect::<Result<_, _>>()?;
        let detail = r.text("detail", MAX_DETAIL)?.to_owned();
        r.finish()?;
        Ok(Self { seq, at, device_time, kind, member_id, subject, moves, evidence, detail })
    }

    pub fn leaf_hash(&self) -> Hash {
        merkle::leaf_hash(&self.leaf_data())
    }

    /// The members whose accounts the entry moves, and the member it is about.
    pub fn parties(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .moves
            .iter()
            .filter_map(|m| match &m.account {
                Account::Member(id) => Some(id.as_str()),
                _ => None,
            })
            .collect();
        if !self.member_id.is_empty() {
            out.push(&self.member_id);
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// What the auditor is told to do with a log that failed: it is evidence.
const REPORT: &str = "keep the export and the checkpoints as evidence, and report it to the unit's auditors";

/// Why an exported log failed its audit: one sentence each, what is wrong with the log and what
/// the auditor should do, with the entry, member, officer and amounts an auditor reports.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AuditError {
    #[error(
        "the log's checkpoint is not signed by the ledger key given, so nothing in it was trusted: check the \
         key is your ledger's, and if it is, {REPORT}"
    )]
    Checkpoint(crate::protocol::ProtocolError),
    #[error(
        "the log has {found} entries but its signed checkpoint covers {checkpoint}, so entries were added or \
         removed after signing: {REPORT}"
    )]
    SizeMismatch { checkpoint: u64, found: u64 },
    #[error(
        "the log's entries do not match the Merkle root the ledger signed, so an entry was changed, removed or \
         added: {REPORT}"
    )]
    RootMismatch,
    #[error(
        "entry {position} of the log says it is entry {seq}, so an entry was removed or reordered: {REPORT}"
    )]
    OutOfOrder { position: u64, seq: u64 },
    #[error("entry {seq} of the log{} fails the audit ({fault}): {REPORT}", about(member))]
    BadEntry { seq: u64, member: String, fault: EntryFault },
    #[error(
        "the log does not start with the creation of the ledger whose key was given, so it is another \
         ledger's log or was altered: check the key is your ledger's, and if it is, {REPORT}"
    )]
    WrongLedger,
    #[error(
        "the log's first {size} entries are not the ones the ledger signed in the checkpoint held of them, so \
         its history was rewritten: {REPORT}"
    )]
    Rewritten { size: u64 },
    #[error("{account} went to {balance} at entry {seq} of the log with no proved double spend: {REPORT}")]
    Negative { seq: u64, account: String, balance: LedgerAmount },
    #[error(
        "the log does not extend the checkpoint of {size} entries signed at {}, so its history was rewritten \
         ({divergence}): {REPORT}", crate::clock::utc(*.time)
    )]
    Diverged { size: u64, time: u64, divergence: Divergence },
    #[error("the log's totals are beyond the largest amount, so they cannot be checked: {REPORT}")]
    TotalsOverflow,
    #[error(
        "the log's accounts ({accounts}) and purses ({purses}) do not add up to the {credited} credited and \
         {losses} carried for lost devices, so money was made or lost: {REPORT}"
    )]
    Unbalanced { accounts: LedgerAmount, purses: LedgerAmount, credited: LedgerAmount, losses: LedgerAmount },
}

fn about(member: &str) -> String {
    if member.is_empty() { String::new() } else { format!(", about {member},") }
}

/// An amount the audit read from the log: minor units of the ledger's currency, which may be
/// negative (an account a proved double spend left owing). Shown as money when the log names its
/// currency, else as minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerAmount {
    pub minor: i64,
    pub currency: Option<Currency>,
}

impl std::fmt::Display for LedgerAmount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        match self.currency.map(|c| Amount::from_minor(self.minor.unsigned_abs(), c)) {
            Some(Ok(amount)) => write!(f, "{sign}{amount}"),
            _ => write!(f, "{} in minor units", self.minor),
        }
    }
}

/// The ledger's currency, as its first entry names it (`ledger created for JPY, key …`): only to
/// show amounts as money, so a log that does not name one is audited all the same.
fn ledger_currency(entries: &[AuditEntry]) -> Option<Currency> {
    let first = entries.first().filter(|e| e.kind == EntryKind::LedgerCreated)?;
    let code = first.detail.strip_prefix("ledger created for ")?.split(',').next()?;
    Currency::from_code(code).ok()
}

/// What is wrong with one entry: a phrase, shown in parentheses in [`AuditError::BadEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EntryFault {
    #[error("its moves do not sum to zero, so money was made or lost")]
    MovesUnbalanced,
    #[error("it brings money from outside, which only a credit may")]
    MoneyFromOutside,
    #[error("its evidence is missing")]
    EvidenceMissing,
    #[error("it holds an amount beyond the largest")]
    AmountTooLarge,
    #[error("it moves money, which an entry of its kind never does")]
    MovesMoney,
    #[error("{what} in its evidence does not decode ({reason})")]
    EvidenceUnreadable { what: &'static str, reason: String },
    #[error("the signature on {what} in its evidence does not verify")]
    EvidenceUnsigned { what: &'static str },
    #[error("the enrolment request is for another wallet or member")]
    EnrolmentMismatch,
    #[error("the purse certificate does not match the entry")]
    CertificateMismatch,
    #[error("the transfer does not match the entry")]
    TransferMismatch,
    #[error("the amount paid is not the transfer's amount")]
    AmountMismatch,
    #[error("its proof of a double spend carries {count} transfers, not one or two")]
    ProofSize { count: usize },
    #[error("the transfers it gives as proof are from another purse or member")]
    EvidenceOtherPurse,
    #[error("an equivocation report carries {count} proofs, not one")]
    EquivocationProofCount { count: usize },
    #[error("the proof does not match the entry")]
    ProofMismatch,
    #[error("the device reported lost is not the member's")]
    LostDeviceNotMembers,
    #[error("the purse declaration is for another purse")]
    DeclarationOtherPurse,
    #[error("it proves a spend beyond a declaration the log does not hold")]
    ProofWithoutDeclaration,
    #[error("the transfers it gives as proof of a double spend can both be honest")]
    ProofHonest,
    #[error("a lost device's double spend is recorded as the member's, or the reverse")]
    LossMisattributed,
    #[error("the two transfers do not show the receiver claimed a conflict")]
    NotComplicit,
    #[error("the receiver named is not the transfers' receiver")]
    WrongReceiver,
    #[error("it records a late spend from a purse whose money was never returned")]
    LateWithoutReturn,
    #[error("it moves {account} by {delta}, which settling this transfer may not")]
    SettlementMove { account: String, delta: LedgerAmount },
    #[error("a balance goes beyond the largest amount")]
    BalanceOverflow,
    #[error("money went into the loss account, which only ever pays out")]
    LossCredited,
    #[error("{0}")]
    Officer(crate::officer::authority::OfficerFault),
}

/// Where a log first departs from the checkpoints held of it, as closely as their roots tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The first `matched` entries are those of the largest held checkpoint that still holds.
    pub matched: u64,
    /// The first divergent entry is at `matched` or after, and before `before`.
    pub before: u64,
    /// The log's entry at `matched`, as it stands now, when the range is that one entry.
    pub entry: Option<(EntryKind, String, String)>,
    /// How many entries the log has.
    pub found: u64,
}

/// A phrase, shown in parentheses in [`AuditError::Diverged`].
impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.matched > 0 {
            write!(f, "entries 0 to {} still match a checkpoint held, and ", self.matched - 1)?;
        }
        match &self.entry {
            Some((kind, member, detail)) => write!(
                f,
                "the first divergent entry is entry {}, now {kind}{} (\"{detail}\"), which is not the entry \
                 that was signed",
                self.matched,
                if member.is_empty() { String::new() } else { format!(" for {member}") }
            ),
            None if self.matched >= self.found => write!(
                f,
                "entries {} to {} are gone, as the log has only {} entries",
                self.matched,
                self.before - 1,
                self.found
            ),
            None => write!(
                f,
                "the first divergent entry is one of entries {} to {}, and checkpoints held of more sizes \
                 would narrow it down",
                self.matched,
                self.before.min(self.found) - 1
            ),
        }
    }
}

/// What an offline audit found in a log that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    /// Everything ever credited, in minor units.
    pub credited: i64,
    /// The members' online accounts added up.
    pub accounts: i64,
    /// What purses still hold.
    pub purses: i64,
    /// What the ministry carried for devices reported lost ([`Account::Loss`], as a positive
    /// amount): accounts plus purses equal everything credited plus this.
    pub losses: i64,
    /// Members flagged by double-spend proof.
    pub flagged: Vec<String>,
    /// Members named as party to a double spend (a [`EntryKind::Complicit`] entry).
    pub complicit: Vec<String>,
    /// Balances after the last entry.
    pub balances: BTreeMap<Account, i64>,
    /// Every officer act, with the officers who signed it (maker first).
    pub officer_acts: Vec<crate::officer::authority::Attribution>,
    /// Officer acts of a ledger founded without officers, which nobody signed.
    pub unattributed: u64,
}

/// Audits an exported log offline: the checkpoint is the ledger's and covers exactly these
/// entries; every entry is in its place; every signed message in the evidence verifies and
/// matches its entry; every proof of a double spend really is one (docs/adr/0010); every entry's
/// moves sum to zero; a member's account pays for a settlement only from a proved purse, and the
/// loss account only for a device reported lost; no purse ever goes below zero and no member does
/// unless proved to have double spent; and accounts plus purses equal everything credited plus
/// what the ministry carried.
pub fn audit_log(
    entries: &[AuditEntry],
    checkpoint: &Checkpoint,
    ledger_key: &[u8; 32],
) -> Result<AuditReport, AuditError> {
    checkpoint.verify(ledger_key).map_err(AuditError::Checkpoint)?;
    if checkpoint.size != entries.len() as u64 {
        return Err(AuditError::SizeMismatch { checkpoint: checkpoint.size, found: entries.len() as u64 });
    }
    for (position, entry) in entries.iter().enumerate() {
        if entry.seq != position as u64 {
            return Err(AuditError::OutOfOrder { position: position as u64, seq: entry.seq });
        }
    }
    let leaves: Vec<Hash> = entries.iter().map(AuditEntry::leaf_hash).collect();
    if merkle::root(&leaves) != checkpoint.root {
        return Err(AuditError::RootMismatch);
    }
    match entries.first() {
        Some(first) if first.kind == EntryKind::LedgerCreated && &first.subject == ledger_key => {}
        _ => return Err(AuditError::WrongLedger),
    }
    let currency = ledger_currency(entries);
    let mut books = Books { currency, ..Books::default() };
    let mut officers = crate::officer::authority::OfficerSet::new();
    let mut officer_acts = Vec::new();
    for entry in entries {
        let transfers = check_entry(entry, ledger_key)?;
        books.read(entry, &transfers)?;
        if let Some(act) =
            officers.read(entry).map_err(|fault| bad(entry, EntryFault::Officer(fault.priced(currency))))?
        {
            officer_acts.push(act);
        }
    }
    let Books { balances, flagged, complicit, .. } = books;
    let overflow = || AuditError::TotalsOverflow;
    let sum = |pick: fn(&Account) -> bool| {
        balances.iter().filter(|(a, _)| pick(a)).try_fold(0i64, |total, (_, b)| total.checked_add(*b))
    };
    let credited = sum(|a| matches!(a, Account::Outside)).and_then(i64::checked_neg).ok_or_else(overflow)?;
    let accounts = sum(|a| matches!(a, Account::Member(_))).ok_or_else(overflow)?;
    let purses = sum(|a| matches!(a, Account::Purse(_))).ok_or_else(overflow)?;
    let losses = sum(|a| matches!(a, Account::Loss)).and_then(i64::checked_neg).ok_or_else(overflow)?;
    if accounts.checked_add(purses) != credited.checked_add(losses) {
        let amount = |minor| LedgerAmount { minor, currency };
        return Err(AuditError::Unbalanced {
            accounts: amount(accounts),
            purses: amount(purses),
            credited: amount(credited),
            losses: amount(losses),
        });
    }
    Ok(AuditReport {
        entries: entries.len() as u64,
        credited,
        accounts,
        purses,
        losses,
        flagged,
        complicit,
        balances,
        officer_acts,
        unattributed: officers.unattributed,
    })
}

/// What the audit learns from the log as it reads it, in order: the balances, and the facts that
/// later entries are checked against.
#[derive(Default)]
struct Books {
    /// The ledger's currency, to show amounts in errors as money.
    currency: Option<Currency>,
    balances: BTreeMap<Account, i64>,
    flagged: Vec<String>,
    complicit: Vec<String>,
    /// Purses with a proof of a double spend, and whether it was from a device reported lost:
    /// only these may be paid beyond what they hold, and only the latter from the loss account.
    proved: BTreeMap<MessageId, bool>,
    /// Wallet keys reported lost.
    lost: BTreeSet<[u8; 32]>,
    /// Each wallet key's member, from the enrolments and device replacements.
    members: BTreeMap<[u8; 32], String>,
    /// Each closed purse's declaration: last sequence number and total spent.
    declared: BTreeMap<MessageId, (u32, u64)>,
    /// Purses whose money went back to their owner after the settlement window.
    returned: BTreeSet<MessageId>,
}

impl Books {
    /// Reads the next entry, whose evidence's `transfers` [`check_entry`] verified.
    fn read(&mut self, entry: &AuditEntry, transfers: &[Transfer]) -> Result<(), AuditError> {
        let transfer = |i: usize| -> Result<&Transfer, AuditError> {
            transfers.get(i).ok_or_else(|| bad(entry, EntryFault::EvidenceMissing))
        };
        match entry.kind {
            EntryKind::MemberEnrolled | EntryKind::DeviceReplaced => {
                self.members.insert(entry.subject, entry.member_id.clone());
            }
            EntryKind::DeviceLost => {
                if self.members.get(&entry.subject) != Some(&entry.member_id) {
                    return Err(bad(entry, EntryFault::LostDeviceNotMembers));
                }
                self.lost.insert(entry.subject);
            }
            EntryKind::PurseClosed => {
                if let Some(bytes) = entry.evidence.first() {
                    let (purse_id, last_seq, spent) = decode_declaration(bytes)
                        .map_err(|e| unreadable(entry, "the purse declaration", &e))?;
                    if purse_id != entry.subject {
                        return Err(bad(entry, EntryFault::DeclarationOtherPurse));
                    }
                    self.declared.insert(purse_id, (last_seq, spent));
                }
            }
            EntryKind::Returned => {
                self.returned.insert(entry.subject);
            }
            EntryKind::DoubleSpend | EntryKind::LostDeviceSpend => {
                let first = transfer(0)?;
                let conflict = match entry.evidence.len() {
                    1 => {
                        let &(last_seq, spent) = self
                            .declared
                            .get(&entry.subject)
                            .ok_or_else(|| bad(entry, EntryFault::ProofWithoutDeclaration))?;
                        chain::check_declared(&Link::of(first), last_seq, spent)
                    }
                    _ => chain::check_pair(&Link::of(first), &Link::of(transfer(1)?)),
                };
                if conflict.is_ok() {
                    return Err(bad(entry, EntryFault::ProofHonest));
                }
                let lost = self.lost.contains(&first.certificate().terms().wallet_key);
                if lost != (entry.kind == EntryKind::LostDeviceSpend) {
                    return Err(bad(entry, EntryFault::LossMisattributed));
                }
                self.proved.entry(entry.subject).or_insert(lost);
                if entry.kind == EntryKind::DoubleSpend && !self.flagged.contains(&entry.member_id) {
                    self.flagged.push(entry.member_id.clone());
                }
            }
            EntryKind::Complicit => {
                let (claim, paid) = (transfer(0)?, transfer(1)?);
                let receiver = claim.terms().receiver_key;
                if claim.certificate().purse_id() != paid.certificate().purse_id()
                    || paid.terms().receiver_key != receiver
                    || claim.id() != entry.subject
                    || chain::check_pair(&Link::of(claim), &Link::of(paid)).is_ok()
                {
                    return Err(bad(entry, EntryFault::NotComplicit));
                }
                if self.members.get(&receiver) != Some(&entry.member_id) {
                    return Err(bad(entry, EntryFault::WrongReceiver));
                }
                if !self.complicit.contains(&entry.member_id) {
                    self.complicit.push(entry.member_id.clone());
                }
            }
            EntryKind::LateSpend => {
                let late = transfer(0)?;
                if late.id() != entry.subject || late.certificate().terms().member_id != entry.member_id {
                    return Err(bad(entry, EntryFault::TransferMismatch));
                }
                if !self.returned.contains(&late.certificate().purse_id()) {
                    return Err(bad(entry, EntryFault::LateWithoutReturn));
                }
            }
            EntryKind::Settled => {
                let settled = transfer(0)?;
                let purse_id = settled.certificate().purse_id();
                let receiver = self.members.get(&settled.terms().receiver_key);
                for m in &entry.moves {
                    let fine = match &m.account {
                        Account::Purse(id) => *id == purse_id && m.delta < 0,
                        Account::Member(id) if m.delta > 0 => Some(id) == receiver,
                        Account::Member(id) => {
                            *id == entry.member_id && self.proved.get(&purse_id) == Some(&false)
                        }
                        Account::Loss => self.proved.get(&purse_id) == Some(&true),
                        Account::Outside => false,
                    };
                    if !fine {
                        return Err(bad(
                            entry,
                            EntryFault::SettlementMove {
                                account: account_name(&m.account),
                                delta: LedgerAmount { minor: m.delta, currency: self.currency },
                            },
                        ));
                    }
                }
            }
            _ => {}
        }
        for m in &entry.moves {
            let balance = self.balances.entry(m.account.clone()).or_insert(0);
            *balance = balance.checked_add(m.delta).ok_or_else(|| bad(entry, EntryFault::BalanceOverflow))?;
            let allowed = match &m.account {
                Account::Outside => true,
                Account::Member(id) => self.flagged.contains(id),
                Account::Purse(_) => false,
                Account::Loss => true,
            };
            if *balance < 0 && !allowed {
                return Err(AuditError::Negative {
                    seq: entry.seq,
                    account: account_name(&m.account),
                    balance: LedgerAmount { minor: *balance, currency: self.currency },
                });
            }
            if m.account == Account::Loss && *balance > 0 {
                return Err(bad(entry, EntryFault::LossCredited));
            }
        }
        Ok(())
    }
}

const DECLARATION_VERSION: u8 = 1;

/// The evidence a `PurseClosed` entry carries: the purse, the last sequence number the wallet
/// declared and its total spend, which a later proof of an undeclared spend is checked against.
pub fn encode_declaration(purse_id: &MessageId, last_seq: u32, spent: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.u8(DECLARATION_VERSION).fixed(purse_id).u32(last_seq).u64(spent);
    w.finish()
}

/// Reads [`encode_declaration`]'s bytes.
pub fn decode_declaration(bytes: &[u8]) -> Result<(MessageId, u32, u64), DecodeError> {
    let mut r = Reader::new(bytes);
    r.version("purse declaration", DECLARATION_VERSION)?;
    let purse_id = r.array("purse id")?;
    let last_seq = r.u32("last sequence")?;
    let spent = r.u64("spent")?;
    r.finish()?;
    Ok((purse_id, last_seq, spent))
}

fn verified_transfer(
    entry: &AuditEntry,
    bytes: &[u8],
    ledger_key: &[u8; 32],
) -> Result<Transfer, AuditError> {
    let transfer = Transfer::from_bytes(bytes).map_err(|e| unreadable(entry, "a transfer", &e))?;
    let verified = transfer.verify_grant(ledger_key).map_err(|_| unsigned(entry, "a transfer"))?;
    Ok(verified.into_transfer())
}

/// Checks an exported log against a checkpoint the auditor (or a wallet) obtained earlier: the
/// ledger's signature on it, and that the log's first `held.size` entries are exactly the ones it
/// covered. A changed, removed or reordered entry fails here even when the export's own
/// checkpoint was signed over the altered log.
pub fn check_against(
    entries: &[AuditEntry],
    held: &Checkpoint,
    ledger_key: &[u8; 32],
) -> Result<(), AuditError> {
    held.verify(ledger_key).map_err(AuditError::Checkpoint)?;
    let size = usize::try_from(held.size).unwrap_or(usize::MAX);
    if size > entries.len() {
        return Err(AuditError::SizeMismatch { checkpoint: held.size, found: entries.len() as u64 });
    }
    let leaves: Vec<Hash> = entries[..size].iter().map(AuditEntry::leaf_hash).collect();
    if merkle::root(&leaves) != held.root {
        return Err(AuditError::Rewritten { size: held.size });
    }
    Ok(())
}

/// [`check_against`] for every checkpoint an auditor holds, naming where the log first departs
/// from them: the largest held checkpoint that still holds and the smallest that does not bracket
/// the first divergent entry, and when they are one entry apart, name it. A checkpoint signs
/// only a root, so nothing finer can be told from them.
pub fn check_against_held(
    entries: &[AuditEntry],
    held: &[Checkpoint],
    ledger_key: &[u8; 32],
) -> Result<(), AuditError> {
    let mut held: Vec<&Checkpoint> = held.iter().collect();
    held.sort_by_key(|c| c.size);
    for checkpoint in &held {
        checkpoint.verify(ledger_key).map_err(AuditError::Checkpoint)?;
    }
    let leaves: Vec<Hash> = entries.iter().map(AuditEntry::leaf_hash).collect();
    let holds = |c: &Checkpoint| {
        usize::try_from(c.size)
            .ok()
            .and_then(|size| leaves.get(..size))
            .is_some_and(|p| merkle::root(p) == c.root)
    };
    let Some(broken) = held.iter().position(|c| !holds(c)) else { return Ok(()) };
    let matched = held[..broken].iter().rev().find(|c| holds(c)).map_or(0, |c| c.size);
    let failed = held[broken];
    let found = entries.len() as u64;
    let entry = (failed.size == matched + 1)
        .then(|| entries.get(matched as usize))
        .flatten()
        .map(|e| (e.kind, e.member_id.clone(), e.detail.clone()));
    Err(AuditError::Diverged {
        size: failed.size,
        time: failed.time,
        divergence: Divergence { matched, before: failed.size, entry, found },
    })
}

fn account_name(account: &Account) -> String {
    match account {
        Account::Outside => "the outside account".into(),
        Account::Member(id) => format!("member {id}'s account"),
        Account::Purse(id) => format!("purse {}", crate::wallet::short_id(id)),
        Account::Loss => "the loss account".into(),
    }
}

fn bad(entry: &AuditEntry, fault: EntryFault) -> AuditError {
    AuditError::BadEntry { seq: entry.seq, member: entry.member_id.clone(), fault }
}

/// A piece of evidence that does not decode: the decoder's reason, in parentheses.
fn unreadable(entry: &AuditEntry, what: &'static str, reason: &impl std::fmt::Display) -> AuditError {
    bad(entry, EntryFault::EvidenceUnreadable { what, reason: reason.to_string() })
}

fn unsigned(entry: &AuditEntry, what: &'static str) -> AuditError {
    bad(entry, EntryFault::EvidenceUnsigned { what })
}

/// The checks of one entry on its own: moves balance, evidence verifies and matches. Returns the
/// transfers of its evidence, verified, for the checks that need the log before it ([`Books`]).
fn check_entry(entry: &AuditEntry, ledger_key: &[u8; 32]) -> Result<Vec<Transfer>, AuditError> {
    let total = entry.moves.iter().try_fold(0i64, |sum, m| sum.checked_add(m.delta));
    if total != Some(0) {
        return Err(bad(entry, EntryFault::MovesUnbalanced));
    }
    let outside = entry.moves.iter().any(|m| m.account == Account::Outside);
    if outside && entry.kind != EntryKind::Credited {
        return Err(bad(entry, EntryFault::MoneyFromOutside));
    }
    let evidence = |i: usize| entry.evidence.get(i).ok_or_else(|| bad(entry, EntryFault::EvidenceMissing));
    let minor = |amount: u64| i64::try_from(amount).map_err(|_| bad(entry, EntryFault::AmountTooLarge));
    let moves_nothing = || {
        if entry.moves.is_empty() { Ok(()) } else { Err(bad(entry, EntryFault::MovesMoney)) }
    };
    let mut transfers = Vec::new();
    match entry.kind {
        EntryKind::MemberEnrolled | EntryKind::DeviceReplaced => {
            let request = EnrolmentRequest::from_bytes(evidence(0)?)
                .map_err(|e| unreadable(entry, "the enrolment request", &e))?;
            request.verify().map_err(|_| unsigned(entry, "the enrolment request"))?;
            if request.identity.signing_key != entry.subject || request.member_id != entry.member_id {
                return Err(bad(entry, EntryFault::EnrolmentMismatch));
            }
        }
        EntryKind::PurseIssued => {
            let cert = PurseCertificate::from_bytes(evidence(0)?)
                .map_err(|e| unreadable(entry, "the purse certificate", &e))?;
            cert.verify(ledger_key).map_err(|_| unsigned(entry, "the purse certificate"))?;
            let into_purse: i64 = entry
                .moves
                .iter()
                .filter(|m| m.account == Account::Purse(cert.purse_id()))
                .map(|m| m.delta)
                .sum();
            if cert.purse_id() != entry.subject
                || cert.terms().member_id != entry.member_id
                || into_purse != minor(cert.terms().amount.minor())?
            {
                return Err(bad(entry, EntryFault::CertificateMismatch));
            }
        }
        EntryKind::TransferHeld | EntryKind::Settled => {
            let t = verified_transfer(entry, evidence(0)?, ledger_key)?;
            if t.id() != entry.subject || t.certificate().terms().member_id != entry.member_id {
                return Err(bad(entry, EntryFault::TransferMismatch));
            }
            let paid: i64 = entry.moves.iter().filter(|m| m.delta > 0).map(|m| m.delta).sum();
            let expected = if entry.kind == EntryKind::Settled { minor(t.terms().amount)? } else { 0 };
            if paid != expected {
                return Err(bad(entry, EntryFault::AmountMismatch));
            }
            transfers.push(t);
        }
        EntryKind::DoubleSpend | EntryKind::LostDeviceSpend => {
            moves_nothing()?;
            if entry.evidence.is_empty() || entry.evidence.len() > 2 {
                return Err(bad(entry, EntryFault::ProofSize { count: entry.evidence.len() }));
            }
            for bytes in &entry.evidence {
                let t = verified_transfer(entry, bytes, ledger_key)?;
                if t.certificate().purse_id() != entry.subject
                    || t.certificate().terms().member_id != entry.member_id
                {
                    return Err(bad(entry, EntryFault::EvidenceOtherPurse));
                }
                transfers.push(t);
            }
        }
        EntryKind::Complicit => {
            moves_nothing()?;
            for i in 0..2 {
                transfers.push(verified_transfer(entry, evidence(i)?, ledger_key)?);
            }
        }
        EntryKind::LateSpend => {
            moves_nothing()?;
            transfers.push(verified_transfer(entry, evidence(0)?, ledger_key)?);
        }
        EntryKind::DeviceLost | EntryKind::Revoked | EntryKind::PasskeyLinked => moves_nothing()?,
        EntryKind::EquivocationReported => {
            moves_nothing()?;
            if entry.evidence.len() != 1 {
                return Err(bad(entry, EntryFault::EquivocationProofCount { count: entry.evidence.len() }));
            }
            let proof = EquivocationProof::from_bytes(evidence(0)?)
                .map_err(|e| unreadable(entry, "the equivocation proof", &e))?;
            proof.verify(ledger_key).map_err(|_| unsigned(entry, "the equivocation proof"))?;
            if proof.id() != entry.subject {
                return Err(bad(entry, EntryFault::ProofMismatch));
            }
        }
        _ => {}
    }
    Ok(transfers)
}

const EXPORT_MAGIC: &[u8; 8] = b"OPAUDIT1";
/// Largest exported entry count a reader accepts (the file is read into memory).
pub const MAX_EXPORT_ENTRIES: u64 = 10_000_000;

/// Writes an exported log: a magic tag, the checkpoint, then every entry's leaf data.
pub fn encode_export(checkpoint: &Checkpoint, entries: &[AuditEntry]) -> Vec<u8> {
    let mut w = Writer::new();
    w.fixed(EXPORT_MAGIC).bytes(&checkpoint.to_bytes()).u64(entries.len() as u64);
    for entry in entries {
        w.bytes(&entry.leaf_data());
    }
    w.finish()
}

/// Reads an exported log. Structure only: [`audit_log`] checks what it says.
pub fn decode_export(bytes: &[u8]) -> Result<(Checkpoint, Vec<AuditEntry>), DecodeError> {
    let mut r = Reader::new(bytes);
    let magic: [u8; 8] = r.array("export tag")?;
    if &magic != EXPORT_MAGIC {
        return Err(DecodeError::Invalid { what: "audit export", reason: "not an Outpost audit log export" });
    }
    let checkpoint = Checkpoint::from_bytes(r.bytes("checkpoint", 1024)?)
        .map_err(|_| DecodeError::Invalid { what: "checkpoint", reason: "malformed" })?;
    let n = r.u64("entry count")?;
    if n > MAX_EXPORT_ENTRIES {
        return Err(DecodeError::TooLong {
            what: "entries",
            len: n as usize,
            max: MAX_EXPORT_ENTRIES as usize,
        });
    }
    let mut entries = Vec::new();
    for _ in 0..n {
        entries.push(AuditEntry::from_leaf_data(r.bytes("entry", 64 * 1024)?)?);
    }
    r.finish()?;
    Ok((checkpoint, entries))
}
