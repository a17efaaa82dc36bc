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

/// Every level of the Merkle tree over `leaves`, built once so that a sync's answer can carry many
/// inclusion proofs for O(n + k log n) hashes instead of O(k n): a sync of a full batch proves up
/// to `MAX_SYNC_ENTRIES` entries over the whole log.
///
/// Bottom-up pairing, with an unpaired last node carried up unhashed, builds exactly RFC 6962's
/// tree (which splits at the largest power of two below the size), so the root and the paths are
/// those of `merkle::root` and `merkle::inclusion_proof`; the tests below check it against them.
pub(crate) struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    pub fn new(leaves: Vec<Hash>) -> Tree {
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|level| level.len() > 1) {
            let below = levels.last().expect("a level");
            let above = below
                .chunks(2)
                .map(|pair| match pair {
                    [left, right] => merkle::node_hash(left, right),
                    [carried] => *carried,
                    _ => unreachable!("chunks of two"),
                })
                .collect();
            levels.push(above);
        }
        Tree { levels }
    }

    pub fn size(&self) -> u64 {
        self.levels[0].len() as u64
    }

    pub fn leaves(&self) -> &[Hash] {
        &self.levels[0]
    }

    pub fn root(&self) -> Hash {
        match self.levels.last().and_then(|top| top.first()) {
            Some(root) if self.size() > 0 => *root,
            _ => merkle::empty_root(),
        }
    }

    /// RFC 6962 `PATH(index, D[n])`, from the leaf's sibling up; `None` past the last leaf.
    pub fn inclusion_proof(&self, index: u64) -> Option<Vec<Hash>> {
        let mut at = usize::try_from(index).ok().filter(|&i| i < self.levels[0].len())?;
        let mut proof = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(sibling) = level.get(at ^ 1) {
                proof.push(*sibling);
            }
            at /= 2;
        }
        Some(proof)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| merkle::leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn the_tree_has_rfc_6962_roots_and_inclusion_proofs_for_every_size_and_leaf() {
        for n in 0..70 {
            let leaves = leaves(n);
            let tree = Tree::new(leaves.clone());
            assert_eq!(tree.root(), merkle::root(&leaves), "size {n}");
            for index in 0..n as u64 {
                let proof = tree.inclusion_proof(index).unwrap();
                assert_eq!(proof, merkle::inclusion_proof(&leaves, index).unwrap(), "size {n}, leaf {index}");
                merkle::verify_inclusion(&leaves[index as usize], index, n as u64, &proof, &tree.root())
                    .unwrap();
            }
            assert_eq!(tree.inclusion_proof(n as u64), None);
        }
    }
}
