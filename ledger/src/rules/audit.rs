//! The ledger's side of the audit log: appending entries inside the transaction that makes each
//! change, and reading them back. The entry format and the offline audit live in wallet-core
//! (`outpost_wallet_core::audit`), and so does the Merkle tree over them
//! (`outpost_wallet_core::merkle::Tree`), so the ledger, wallets and auditors read one definition.
//!
//! The tree is built from the stored leaves, never from what the ledger meant to write: a leaf
//! changed or removed in the database changes the root the ledger signs next, and wallets holding
//! an earlier checkpoint refuse the inconsistent one. `log_cache` keeps the tree between calls and
//! says why it still sees such a change.

use outpost_wallet_core::audit::{Account, AuditEntry, EntryKind, Move};

use crate::LedgerError;
pub(crate) use crate::storage::MemberLeaf;
use crate::storage::Tx;

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
/// change it records. Returns its position, which the storage hands out serialized with every
/// other write: no gap, no position twice.
pub(crate) fn append(tx: &dyn Tx, at: u64, entry: NewEntry) -> Result<u64, LedgerError> {
    let seq = tx.next_seq()?;
    let entry = AuditEntry {
        seq,
        at,
        device_time: entry.device_time,
        kind: entry.kind,
        member_id: entry.member_id,
        subject: entry.subject,
        moves: entry.moves,
        evidence: entry.evidence,
        detail: entry.detail,
    };
    tx.insert_leaf(seq, &entry.leaf_data(), &entry.parties())?;
    Ok(seq)
}

/// Calls `f` with each stored leaf from position `from`, at most `limit`, in order, as stored
/// (possibly tampered with: callers that need entries decode them), without holding them all.
pub(crate) fn for_each_leaf(
    tx: &dyn Tx,
    from: u64,
    limit: u32,
    mut f: impl FnMut(u64, &[u8]) -> Result<(), LedgerError>,
) -> Result<(), LedgerError> {
    tx.for_each_leaf(from, limit, &mut f)
}

pub(crate) fn decode(seq: u64, leaf: &[u8]) -> Result<AuditEntry, LedgerError> {
    AuditEntry::from_leaf_data(leaf)
        .map_err(|e| LedgerError::Inconsistent { detail: format!("audit entry {seq} does not decode: {e}") })
}

pub(crate) fn entries(conn: &dyn Tx, from: u64, limit: u32) -> Result<Vec<AuditEntry>, LedgerError> {
    let mut out = Vec::new();
    for_each_leaf(conn, from, limit, |seq, leaf| {
        out.push(decode(seq, leaf)?);
        Ok(())
    })?;
    Ok(out)
}

/// The entries that concern `member_id` from position `from`, at most `limit`, in order.
pub(crate) fn member_leaves(
    tx: &dyn Tx,
    member_id: &str,
    from: u64,
    limit: usize,
) -> Result<Vec<MemberLeaf>, LedgerError> {
    tx.member_leaves(member_id, from, limit)
}
