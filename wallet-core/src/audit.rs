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

use std::collections::BTreeMap;

use thiserror::Error;

use crate::encoding::{DecodeError, Reader, Writer};
use crate::merkle::{self, Hash};
use crate::protocol::{Checkpoint, EnrolmentRequest, MessageId, PurseCertificate, Transfer};

const ENTRY_VERSION: u8 = 1;
const MAX_DETAIL: usize = 1024;
const MAX_MOVES: usize = 8;
const MAX_EVIDENCE: usize = 4;
const MAX_EVIDENCE_BYTES: usize = 1024;

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
}

const KINDS: [(EntryKind, u8); 14] = [
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
];

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
    /// bounds the reader enforces: at most 8 moves, 4 pieces of evidence of 1 KiB, a detail of
    /// 1 KiB and member ids of 255 bytes (enrolment caps them at 16).
    pub fn leaf_data(&self) -> Vec<u8> {
        // Every variable part with its length prefix, and the fixed fields: no regrowing.
        let moves: usize = self
            .moves
            .iter()
            .map(|m| match &m.account {
                Account::Outside => 9,
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
            };
            w.u64(m.delta as u64);
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
                _ => return Err(DecodeError::Invalid { what: "account", reason: "unknown kind" }),
            };
            moves.push(Move { account, delta: r.u64("delta")? as i64 });
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

/// Why an exported log failed its audit. Each names the entry at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AuditError {
    #[error("the checkpoint: {0}")]
    Checkpoint(crate::protocol::ProtocolError),
    #[error("the checkpoint covers {checkpoint} entries but the log has {found}")]
    SizeMismatch { checkpoint: u64, found: u64 },
    #[error(
        "the log's Merkle root does not match the signed checkpoint: an entry was changed, removed or added"
    )]
    RootMismatch,
    #[error("entry {position} says it is entry {seq}: an entry was removed or reordered")]
    OutOfOrder { position: u64, seq: u64 },
    #[error("entry {seq}: {reason}")]
    BadEntry { seq: u64, reason: String },
    #[error("the log does not start with the ledger's creation under the key that signed the checkpoint")]
    WrongLedger,
    #[error(
        "the log's first {size} entries are not the ones the ledger signed before (checkpoint of \
         {size} entries): its history was rewritten"
    )]
    Rewritten { size: u64 },
    #[error("account {account} went to {balance} at entry {seq} without a double-spend flag")]
    Negative { seq: u64, account: String, balance: i64 },
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
    /// Members flagged by double-spend proof.
    pub flagged: Vec<String>,
    /// Balances after the last entry.
    pub balances: BTreeMap<Account, i64>,
}

/// Audits an exported log offline: the checkpoint is the ledger's and covers exactly these
/// entries; every entry is in its place; every signed message in the evidence verifies and
/// matches its entry; every entry's moves sum to zero; no purse ever goes below zero and no member
/// does unless proved to have double spent; and accounts plus purses equal everything credited.
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
    let mut balances: BTreeMap<Account, i64> = BTreeMap::new();
    let mut flagged: Vec<String> = Vec::new();
    for entry in entries {
        check_entry(entry, ledger_key)?;
        if entry.kind == EntryKind::DoubleSpend && !flagged.contains(&entry.member_id) {
            flagged.push(entry.member_id.clone());
        }
        for m in &entry.moves {
            let balance = balances.entry(m.account.clone()).or_insert(0);
            *balance = balance.checked_add(m.delta).ok_or_else(|| bad(entry, "a balance overflows"))?;
            let allowed = match &m.account {
                Account::Outside => true,
                Account::Member(id) => flagged.contains(id),
                Account::Purse(_) => false,
            };
            if *balance < 0 && !allowed {
                return Err(AuditError::Negative {
                    seq: entry.seq,
                    account: account_name(&m.account),
                    balance: *balance,
                });
            }
        }
    }
    let overflow =
        || AuditError::BadEntry { seq: entries.len() as u64, reason: "the totals overflow".into() };
    let sum = |pick: fn(&Account) -> bool| {
        balances.iter().filter(|(a, _)| pick(a)).try_fold(0i64, |total, (_, b)| total.checked_add(*b))
    };
    let credited = sum(|a| matches!(a, Account::Outside)).and_then(i64::checked_neg).ok_or_else(overflow)?;
    let accounts = sum(|a| matches!(a, Account::Member(_))).ok_or_else(overflow)?;
    let purses = sum(|a| matches!(a, Account::Purse(_))).ok_or_else(overflow)?;
    if accounts.checked_add(purses) != Some(credited) {
        return Err(AuditError::BadEntry {
            seq: entries.len() as u64,
            reason: format!("accounts {accounts} and purses {purses} do not add up to {credited} credited"),
        });
    }
    Ok(AuditReport { entries: entries.len() as u64, credited, accounts, purses, flagged, balances })
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

fn account_name(account: &Account) -> String {
    match account {
        Account::Outside => "outside".into(),
        Account::Member(id) => format!("member {id}"),
        Account::Purse(id) => format!("purse {}", crate::wallet::short_id(id)),
    }
}

fn bad(entry: &AuditEntry, reason: impl Into<String>) -> AuditError {
    AuditError::BadEntry { seq: entry.seq, reason: reason.into() }
}

/// The checks of one entry on its own: moves balance, evidence verifies and matches.
fn check_entry(entry: &AuditEntry, ledger_key: &[u8; 32]) -> Result<(), AuditError> {
    let total = entry.moves.iter().try_fold(0i64, |sum, m| sum.checked_add(m.delta));
    if total != Some(0) {
        return Err(bad(entry, "its moves do not sum to zero: money was made or lost"));
    }
    let outside = entry.moves.iter().any(|m| m.account == Account::Outside);
    if outside && entry.kind != EntryKind::Credited {
        return Err(bad(entry, "only a credit may bring money from outside"));
    }
    let evidence = |i: usize| entry.evidence.get(i).ok_or_else(|| bad(entry, "evidence is missing"));
    let transfer = |bytes: &[u8]| -> Result<Transfer, AuditError> {
        let transfer = Transfer::from_bytes(bytes).map_err(|e| bad(entry, e.to_string()))?;
        Ok(transfer.verify_grant(ledger_key).map_err(|e| bad(entry, e.to_string()))?.into_transfer())
    };
    match entry.kind {
        EntryKind::MemberEnrolled | EntryKind::DeviceReplaced => {
            let request =
                EnrolmentRequest::from_bytes(evidence(0)?).map_err(|e| bad(entry, e.to_string()))?;
            request.verify().map_err(|e| bad(entry, e.to_string()))?;
            if request.identity.signing_key != entry.subject || request.member_id != entry.member_id {
                return Err(bad(entry, "the enrolment request is for another wallet or member"));
            }
        }
        EntryKind::PurseIssued => {
            let cert = PurseCertificate::from_bytes(evidence(0)?).map_err(|e| bad(entry, e.to_string()))?;
            cert.verify(ledger_key).map_err(|e| bad(entry, e.to_string()))?;
            let into_purse: i64 = entry
                .moves
                .iter()
                .filter(|m| m.account == Account::Purse(cert.purse_id()))
                .map(|m| m.delta)
                .sum();
            if cert.purse_id() != entry.subject
                || cert.terms().member_id != entry.member_id
                || into_purse != cert.terms().amount.minor() as i64
            {
                return Err(bad(entry, "the purse certificate does not match the entry"));
            }
        }
        EntryKind::TransferHeld | EntryKind::Settled => {
            let t = transfer(evidence(0)?)?;
            if t.id() != entry.subject || t.certificate().terms().member_id != entry.member_id {
                return Err(bad(entry, "the transfer does not match the entry"));
            }
            let paid: i64 = entry.moves.iter().filter(|m| m.delta > 0).map(|m| m.delta).sum();
            let expected = if entry.kind == EntryKind::Settled { t.terms().amount as i64 } else { 0 };
            if paid != expected {
                return Err(bad(entry, "the amount paid is not the transfer's amount"));
            }
        }
        EntryKind::DoubleSpend => {
            let first = transfer(evidence(0)?)?;
            if first.certificate().purse_id() != entry.subject
                || first.certificate().terms().member_id != entry.member_id
            {
                return Err(bad(entry, "the evidence is from another purse or member"));
            }
            if let Ok(bytes) = evidence(1) {
                let second = transfer(bytes)?;
                if second.certificate().purse_id() != entry.subject
                    || second.terms().seq != first.terms().seq
                    || second.id() == first.id()
                {
                    return Err(bad(entry, "the two transfers are not a double spend"));
                }
            }
        }
        _ => {}
    }
    Ok(())
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
