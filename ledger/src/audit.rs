//! The ledger's audit log: one entry per ledger event, appended in the transaction that makes
//! the change. Each entry's canonical encoding is a leaf of an RFC 6962 Merkle tree, so a signed
//! root commits to the whole history (signed checkpoints and proofs come with the server).

use outpost_wallet_core::encoding::Writer;
use outpost_wallet_core::merkle::{self, Hash};
use rusqlite::{Connection, Transaction, params};

use crate::LedgerError;

const ENTRY_VERSION: u8 = 1;

/// What an entry records. Codes are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryKind {
    LedgerCreated,
    MemberEnrolled,
    Credited,
}

impl EntryKind {
    fn code(self) -> u8 {
        match self {
            Self::LedgerCreated => 1,
            Self::MemberEnrolled => 2,
            Self::Credited => 3,
        }
    }

    fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            1 => Self::LedgerCreated,
            2 => Self::MemberEnrolled,
            3 => Self::Credited,
            _ => return None,
        })
    }
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log, from 0: the leaf index in the Merkle tree.
    pub seq: u64,
    /// Ledger time, Unix seconds.
    pub at: u64,
    pub kind: EntryKind,
    pub detail: String,
}

impl AuditEntry {
    /// The leaf data: `version || seq || time || kind || detail`, canonical.
    pub fn leaf_data(&self) -> Vec<u8> {
        Writer::new()
            .u8(ENTRY_VERSION)
            .u64(self.seq)
            .u64(self.at)
            .u8(self.kind.code())
            .text(&self.detail)
            .finish()
    }

    pub fn leaf_hash(&self) -> Hash {
        merkle::leaf_hash(&self.leaf_data())
    }
}

pub(crate) fn append(
    tx: &Transaction<'_>,
    at: u64,
    kind: EntryKind,
    detail: &str,
) -> Result<u64, LedgerError> {
    let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq) + 1, 0) FROM audit", [], |r| r.get(0))?;
    tx.execute(
        "INSERT INTO audit (seq, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
        params![seq, at as i64, kind.code(), detail],
    )?;
    Ok(seq as u64)
}

pub(crate) fn entries(conn: &Connection, from: u64, limit: u32) -> Result<Vec<AuditEntry>, LedgerError> {
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let mut stmt =
        conn.prepare("SELECT seq, at, kind, detail FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2")?;
    let rows = stmt.query_map(params![from, limit], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at, kind, detail) = row?;
        let kind = EntryKind::from_code(kind).ok_or_else(|| LedgerError::Inconsistent {
            detail: format!("audit entry {seq} has unknown kind {kind}"),
        })?;
        out.push(AuditEntry { seq: seq as u64, at: at.max(0) as u64, kind, detail });
    }
    Ok(out)
}

pub(crate) fn root(conn: &Connection) -> Result<(u64, Hash), LedgerError> {
    let all = entries(conn, 0, u32::MAX)?;
    for (expected, entry) in all.iter().enumerate() {
        if entry.seq != expected as u64 {
            return Err(LedgerError::Inconsistent { detail: format!("audit entry {expected} is missing") });
        }
    }
    let leaves: Vec<Hash> = all.iter().map(AuditEntry::leaf_hash).collect();
    Ok((leaves.len() as u64, merkle::root(&leaves)))
}
