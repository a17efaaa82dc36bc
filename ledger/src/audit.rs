//! The ledger's side of the audit log: appending entries inside the transaction that makes each
//! change, reading them back, and the Merkle root and proofs over them. The entry format and the
//! offline audit live in wallet-core (`outpost_wallet_core::audit`), so the ledger, wallets and
//! auditors read one definition.
//!
//! The root is recomputed from the stored leaves every time, never cached: a leaf changed or
//! removed in the database changes the root the ledger signs next, and wallets holding an earlier
//! checkpoint refuse the inconsistent one.

use outpost_wallet_core::audit::{Account, AuditEntry, EntryKind, Move};
use outpost_wallet_core::merkle::{self, Hash};
use rusqlite::{Connection, params};

use crate::LedgerError;

/// An entry before the log gives it its position.
#[derive(Debug, Clone)]
pub(crate) struct NewEntry {
    pub kind: EntryKind,
    pub member_id: String,
    pub subject: [u8; 32],
    pub device_time: u64,
    pub moves: Vec<Move>,
    pub evidence: Vec<Vec<u8>>,
    pub detail: String,
}

impl NewEntry {
    pub fn new(kind: EntryKind, member_id: &str, detail: impl Into<String>) -> Self {
        Self {
            kind,
            member_id: member_id.to_owned(),
            subject: [0; 32],
            device_time: 0,
            moves: Vec::new(),
            evidence: Vec::new(),
            detail: detail.into(),
        }
    }

    pub fn subject(mut self, subject: [u8; 32]) -> Self {
        self.subject = subject;
        self
    }

    pub fn device_time(mut self, time: u64) -> Self {
        self.device_time = time;
        self
    }

    pub fn evidence(mut self, bytes: Vec<u8>) -> Self {
        self.evidence.push(bytes);
        self
    }

    /// Adds a move; zero moves are left out.
    pub fn moving(mut self, account: Account, delta: i64) -> Self {
        if delta != 0 {
            self.moves.push(Move { account, delta });
        }
        self
    }
}

/// Appends an entry at the end of the log; the caller's transaction makes it durable with the
/// change it records. Returns its position.
pub(crate) fn append(conn: &Connection, at: u64, entry: NewEntry) -> Result<u64, LedgerError> {
    let seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq) + 1, 0) FROM audit", [], |r| r.get(0))?;
    let entry = AuditEntry {
        seq: seq as u64,
        at,
        device_time: entry.device_time,
        kind: entry.kind,
        member_id: entry.member_id,
        subject: entry.subject,
        moves: entry.moves,
        evidence: entry.evidence,
        detail: entry.detail,
    };
    conn.execute("INSERT INTO audit (seq, leaf) VALUES (?1, ?2)", params![seq, entry.leaf_data()])?;
    for member in entry.parties() {
        conn.execute(
            "INSERT OR IGNORE INTO audit_party (member_id, seq) VALUES (?1, ?2)",
            params![member, seq],
        )?;
    }
    Ok(seq as u64)
}

/// The stored leaves from position `from`, at most `limit`, as stored (possibly tampered with:
/// callers that need entries decode them).
pub(crate) fn leaves(conn: &Connection, from: u64, limit: u32) -> Result<Vec<(u64, Vec<u8>)>, LedgerError> {
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare("SELECT seq, leaf FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2")?;
    let rows = stmt.query_map(params![from, limit], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn decode(seq: u64, leaf: &[u8]) -> Result<AuditEntry, LedgerError> {
    AuditEntry::from_leaf_data(leaf)
        .map_err(|e| LedgerError::Inconsistent { detail: format!("audit entry {seq} does not decode: {e}") })
}

pub(crate) fn entries(conn: &Connection, from: u64, limit: u32) -> Result<Vec<AuditEntry>, LedgerError> {
    leaves(conn, from, limit)?.iter().map(|(seq, leaf)| decode(*seq, leaf)).collect()
}

/// The leaf hashes of the whole log, in order of position.
pub(crate) fn leaf_hashes(conn: &Connection) -> Result<Vec<Hash>, LedgerError> {
    Ok(positioned_leaf_hashes(conn)?.into_iter().map(|(_, hash)| hash).collect())
}

/// The leaf hashes in order with the stored `seq` of each. A row's position in the tree is its
/// index in this list; it equals its `seq` unless rows were removed behind the ledger's back,
/// and then wallets and auditors see the tree change.
pub(crate) fn positioned_leaf_hashes(conn: &Connection) -> Result<Vec<(u64, Hash)>, LedgerError> {
    let mut stmt = conn.prepare("SELECT seq, leaf FROM audit ORDER BY seq")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Vec<u8>>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, leaf) = row?;
        out.push((seq, merkle::leaf_hash(&leaf)));
    }
    Ok(out)
}

pub(crate) fn root(conn: &Connection) -> Result<(u64, Hash), LedgerError> {
    let leaves = leaf_hashes(conn)?;
    Ok((leaves.len() as u64, merkle::root(&leaves)))
}

/// Positions of the entries that concern `member_id`, from `from`, at most `limit`.
pub(crate) fn member_positions(
    conn: &Connection,
    member_id: &str,
    from: u64,
    limit: usize,
) -> Result<Vec<u64>, LedgerError> {
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let mut stmt =
        conn.prepare("SELECT seq FROM audit_party WHERE member_id = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3")?;
    let rows = stmt.query_map(params![member_id, from, limit as i64], |r| r.get::<_, i64>(0))?;
    Ok(rows.map(|r| r.map(|s| s as u64)).collect::<Result<_, _>>()?)
}
