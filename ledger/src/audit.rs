//! The ledger's side of the audit log: appending entries inside the transaction that makes each
//! change, reading them back, and the Merkle tree and proofs over them. The entry format and the
//! offline audit live in wallet-core (`outpost_wallet_core::audit`), so the ledger, wallets and
//! auditors read one definition.
//!
//! The tree is built from the stored leaves, never from what the ledger meant to write: a leaf
//! changed or removed in the database changes the root the ledger signs next, and wallets holding
//! an earlier checkpoint refuse the inconsistent one. `log_cache` keeps the tree between calls and
//! says why it still sees such a change.

use outpost_wallet_core::audit::{Account, AuditEntry, EntryKind, Move};
use outpost_wallet_core::merkle::{self, Hash, MerkleError};

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

/// The Merkle tree over the log, grown one leaf at a time: what the ledger keeps between calls
/// (see `log_cache`) so that a sync's answer gets its root and proofs for O(log n) hashes
/// instead of re-hashing the whole log.
///
/// It keeps every *complete* subtree: `complete[h][i]` is the hash of leaves `i·2^h` to
/// `(i+1)·2^h - 1`. Appending a leaf costs one node hash on average, and the whole tree fewer than
/// 2n hashes. A tree whose size is not a power of two also has an incomplete subtree at some
/// heights, along its right edge; a [`TreeView`] hashes those once (at most one hash per height).
/// Every range RFC 6962 hashes, splitting at the largest power of two below its size, starts at a
/// multiple of that power: it is either a complete subtree or one of the right edge's, so roots
/// and proofs are lookups. The tests below check them against `merkle`'s direct computation for
/// every size, index and earlier size up to 70.
#[derive(Default)]
pub(crate) struct Tree {
    complete: Vec<Vec<Hash>>,
}

impl Tree {
    pub fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        let mut height = 0;
        loop {
            if height == self.complete.len() {
                self.complete.push(Vec::new());
            }
            let level = &mut self.complete[height];
            level.push(node);
            // An even count: the new node completes a pair, so their parent is complete too.
            if level.len() % 2 == 1 {
                return;
            }
            node = merkle::node_hash(&level[level.len() - 2], &level[level.len() - 1]);
            height += 1;
        }
    }

    pub fn size(&self) -> u64 {
        self.complete.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// The tree as it stands, with its right edge hashed, for its root and proofs.
    pub fn view(&self) -> TreeView<'_> {
        let mut view = TreeView { complete: &self.complete, size: self.size(), edge: Vec::new() };
        view.edge.push(None);
        for height in 1..=view.height() {
            let index = view.size >> height;
            let edge = if view.size.is_multiple_of(1 << height) {
                None
            } else {
                // The incomplete node's children: the left always exists, the right only when the
                // tree reaches past the left; a node without its right child is its left child.
                let left = view.node(height - 1, 2 * index);
                let right = view.node(height - 1, 2 * index + 1);
                left.map(|left| right.map_or(left, |right| merkle::node_hash(&left, &right)))
            };
            view.edge.push(edge);
        }
        view
    }
}

/// A [`Tree`] at its current size, with the hash of its incomplete subtree at each height (if
/// any): the RFC 6962 tree, node by node.
pub(crate) struct TreeView<'t> {
    complete: &'t [Vec<Hash>],
    size: u64,
    /// `edge[h]`: the hash of leaves `(size >> h) << h` to the last, when that is not a complete
    /// subtree.
    edge: Vec<Option<Hash>>,
}

impl TreeView<'_> {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hash of every leaf, in order.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.complete.first().map_or(&[], Vec::as_slice)
    }

    pub fn root(&self) -> Hash {
        match self.size {
            0 => merkle::empty_root(),
            _ => self.node(self.height(), 0).expect("a tree of leaves has a root"),
        }
    }

    /// RFC 6962 `PATH(index, D[n])`, from the leaf's sibling up; the errors of
    /// [`merkle::inclusion_proof`].
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, MerkleError> {
        if self.size == 0 {
            return Err(MerkleError::EmptyTree);
        }
        if index >= self.size {
            return Err(MerkleError::IndexOutOfRange { index, size: self.size });
        }
        let mut proof = Vec::new();
        let mut at = index;
        for height in 0..self.height() {
            proof.extend(self.node(height, at ^ 1));
            at /= 2;
        }
        Ok(proof)
    }

    /// One proof for the leaves at `indices` (strictly increasing), as
    /// [`merkle::verify_multi_inclusion`] checks it: every subtree it names is one of RFC 6962's
    /// own, so each is a lookup.
    pub fn multi_inclusion_proof(&self, indices: &[u64]) -> Result<Vec<Hash>, MerkleError> {
        merkle::multi_inclusion_proof_with(indices, self.size, |start, end| self.subtree(start, end))
    }

    /// RFC 6962 `PROOF(old_size, D[n])`; the errors of [`merkle::consistency_proof`].
    pub fn consistency_proof(&self, old_size: u64) -> Result<Vec<Hash>, MerkleError> {
        if old_size > self.size {
            return Err(MerkleError::SizeOrder { old_size, new_size: self.size });
        }
        if old_size == 0 {
            return Err(MerkleError::EmptyTree);
        }
        let mut proof = Vec::new();
        self.subproof(old_size, 0, self.size, true, &mut proof);
        Ok(proof)
    }

    /// RFC 6962 `SUBPROOF(m, D[start:end], whole)`, appended to `out` bottom-up.
    fn subproof(&self, m: u64, start: u64, end: u64, whole: bool, out: &mut Vec<Hash>) {
        if m == end - start {
            if !whole {
                out.push(self.subtree(start, end));
            }
            return;
        }
        let k = largest_power_of_two_below(end - start);
        if m <= k {
            self.subproof(m, start, start + k, whole, out);
            out.push(self.subtree(start + k, end));
        } else {
            self.subproof(m - k, start + k, end, false, out);
            out.push(self.subtree(start, start + k));
        }
    }

    /// The hash of leaves `start..end`, a range RFC 6962's splitting makes: `start` is a multiple
    /// of the smallest power of two not below its length, and it is complete or ends the tree.
    fn subtree(&self, start: u64, end: u64) -> Hash {
        let height = ceil_log2(end - start);
        self.node(height, start >> height).expect("RFC 6962 splits a tree into its own subtrees")
    }

    /// The node at `height` covering leaves from `index·2^height`, if the tree reaches them.
    fn node(&self, height: u32, index: u64) -> Option<Hash> {
        let complete = self.complete.get(height as usize).map_or(&[][..], Vec::as_slice);
        match usize::try_from(index).ok().and_then(|i| complete.get(i)) {
            Some(hash) => Some(*hash),
            None if index == complete.len() as u64 => self.edge.get(height as usize).copied().flatten(),
            None => None,
        }
    }

    /// The root's height.
    fn height(&self) -> u32 {
        ceil_log2(self.size)
    }
}

/// The smallest `h` with `2^h >= n`; 0 for 0 and 1.
fn ceil_log2(n: u64) -> u32 {
    u64::BITS - n.saturating_sub(1).leading_zeros()
}

/// The largest power of two below `n`, for `n >= 2`.
fn largest_power_of_two_below(n: u64) -> u64 {
    1 << (ceil_log2(n) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| merkle::leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn the_tree_has_rfc_6962_roots_and_proofs_for_every_size_leaf_and_earlier_size() {
        let mut tree = Tree::default();
        for n in 0..70 {
            let leaves = leaves(n);
            if n > 0 {
                tree.push(leaves[n - 1]);
            }
            let view = tree.view();
            assert_eq!(view.size(), n as u64);
            assert_eq!(view.root(), merkle::root(&leaves), "size {n}");
            for index in 0..=n as u64 {
                let proof = view.inclusion_proof(index);
                assert_eq!(proof, merkle::inclusion_proof(&leaves, index), "size {n}, leaf {index}");
                if let Ok(proof) = proof {
                    merkle::verify_inclusion(&leaves[index as usize], index, n as u64, &proof, &view.root())
                        .unwrap();
                }
            }
            for old_size in 0..=n as u64 + 1 {
                let proof = view.consistency_proof(old_size);
                assert_eq!(proof, merkle::consistency_proof(&leaves, old_size), "size {n}, from {old_size}");
                if let Ok(proof) = proof {
                    let old_root = merkle::root(&leaves[..old_size as usize]);
                    merkle::verify_consistency(old_size, n as u64, &old_root, &view.root(), &proof).unwrap();
                }
            }
        }
    }
}
