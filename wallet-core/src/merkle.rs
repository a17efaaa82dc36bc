//! RFC 6962 / RFC 9162 Merkle trees: roots, inclusion and consistency proofs, and their checks.
//!
//! The HQ ledger keeps its audit log as an append-only Merkle tree. The ledger makes the proofs;
//! wallets and auditors check them offline with the `verify_*` functions here. Everything is pure:
//! no I/O, no clock, no randomness.
//!
//! # Hashing (RFC 6962 §2.1, RFC 9162 §2.1)
//!
//! ```text
//! empty tree:  MTH({})    = SHA-256()                                  (the hash of no bytes)
//! one leaf:    MTH({d})   = SHA-256(0x00 || d)                         leaf_hash
//! n > 1:       MTH(D[n])  = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  node_hash
//!              where k is the largest power of two smaller than n
//! ```
//!
//! The one-byte prefixes separate the two domains. Without them, an interior node's input
//! (`left || right`, 64 bytes) could also be presented as a 64-byte leaf, and a tree of size 2
//! would have the same root as a tree of size 1 whose one leaf is `left || right`: a second
//! preimage of the root that "proves" an entry that was never logged. With the prefixes, a leaf
//! hash and a node hash are hashes of inputs that can never be equal, so finding such a collision
//! means breaking SHA-256 itself.
//!
//! # What is here
//!
//! - [`leaf_hash`], [`node_hash`], [`empty_root`]: the three hashes above.
//! - [`root`]: MTH over a list of *leaf hashes* (not leaf data).
//! - [`inclusion_proof`] (RFC 6962 §2.1.1 `PATH(m, D[n])`, RFC 9162 §2.1.3.1) and
//!   [`verify_inclusion`] (RFC 9162 §2.1.3.2).
//! - [`consistency_proof`] (RFC 6962 §2.1.2 `PROOF(m, D[n])`, RFC 9162 §2.1.4.1) and
//!   [`verify_consistency`] (RFC 9162 §2.1.4.2).
//! - [`inclusion_proof_len`] and [`consistency_proof_len`]: the exact length a proof must have,
//!   computed from the sizes alone, so a decoder can bound its input before reading any hash.
//! - [`multi_inclusion_proof`], [`verify_multi_inclusion`] and [`multi_inclusion_proof_len`]: one
//!   proof for several leaves at once (below).
//! - [`Tree`]: the same tree grown one leaf at a time, whose roots and proofs are lookups: the
//!   ledger's. Its proofs are made by the same walks as the functions above (`*_with`), with the
//!   subtree hashes it keeps instead of hashes recomputed from every leaf.
//!
//! # One proof for several leaves
//!
//! A sync answer proves many of a member's entries in one tree, often a run of neighbours. One
//! inclusion proof each repeats most hashes: the paths of leaves 100 and 101 of a million-leaf
//! tree share 19 of their 20 hashes. A multi-leaf proof walks RFC 6962's own split of the tree
//! (`MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))`) from the root, left subtree first; a subtree
//! holding none of the proved leaves is one proof hash (its MTH), a single proved leaf is its own
//! leaf hash, and every other subtree is split again. The proof is those subtree hashes in the
//! order of the walk, so its length follows from the indices and the size alone
//! ([`multi_inclusion_proof_len`]) and the verifier refuses a proof of another length before it
//! hashes anything. For one leaf it holds exactly the hashes of RFC 9162's inclusion path (in the
//! walk's order); for a run of `k` consecutive leaves at most about `2·log2(size)`, whatever `k`.
//!
//! The generators take the whole list of leaf hashes and are O(n); they are for tests and tools
//! ([`Tree`] makes the same proofs in O(log n) for the ledger). The verifiers are O(log n), allocate nothing, never panic, and refuse a proof of the
//! wrong length before hashing anything, so a hostile size such as `u64::MAX` costs a few dozen
//! loop steps at most.
//!
//! # Empty trees
//!
//! RFC 9162 defines inclusion paths for `0 <= m < n` and consistency proofs for `0 < m < n` (plus
//! the trivial `m == n`). Nothing is in an empty tree, and an empty tree is a prefix of every
//! tree, so there is nothing to prove about one: every function here answers
//! [`MerkleError::EmptyTree`] for a tree (or old tree) of size 0 instead of accepting an empty
//! proof. A wallet that holds no earlier tree head has nothing to check a new one against; it
//! starts from the new one.
//!
//! # What a proof does not prove
//!
//! A proof binds a leaf (or an old root) to a root *given* the tree sizes; it does not
//! authenticate the sizes. Neighbouring sizes often share a proof's shape (leaf 0 has the same
//! path in trees of 5 and 6 leaves), so a root must only ever be checked with the size that was
//! signed with it, in the same tree head.
//!
//! # Proof lengths
//!
//! An inclusion proof has at most 64 hashes ([`MAX_INCLUSION_PROOF_LEN`]) for any `u64` tree
//! size. A consistency proof has at most `ceil(log2(new_size)) + 1` hashes, which reaches 65
//! ([`MAX_CONSISTENCY_PROOF_LEN`]) only for a new tree of more than 2^63 leaves.
//!
//! ```
//! use outpost_wallet_core::merkle::{self, leaf_hash};
//!
//! let leaves: Vec<_> = ["a", "b", "c"].iter().map(|d| leaf_hash(d.as_bytes())).collect();
//! let root = merkle::root(&leaves);
//!
//! let proof = merkle::inclusion_proof(&leaves, 2)?;
//! merkle::verify_inclusion(&leaves[2], 2, 3, &proof, &root)?;
//!
//! let old_root = merkle::root(&leaves[..2]);
//! let proof = merkle::consistency_proof(&leaves, 2)?;
//! merkle::verify_consistency(2, 3, &old_root, &root, &proof)?;
//! # Ok::<(), merkle::MerkleError>(())
//! ```

use sha2::{Digest, Sha256};
use thiserror::Error;

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// The most hashes an inclusion proof can have, for any tree size up to `u64::MAX`.
pub const MAX_INCLUSION_PROOF_LEN: usize = 64;

/// The most hashes a consistency proof can have, for any tree sizes up to `u64::MAX`. Trees of
/// at most 2^63 leaves never need more than 64.
pub const MAX_CONSISTENCY_PROOF_LEN: usize = 65;

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// Why a proof could not be made or was refused. Nothing in this module panics on any input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// A tree (or, for consistency, the old tree) of size 0: there is nothing to prove.
    #[error(
        "the tree is empty: an empty tree contains no leaf and is a prefix of every tree, so there is nothing to prove"
    )]
    EmptyTree,
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    /// The "old" tree is larger than the "new" one; an append-only log never shrinks.
    #[error(
        "old tree size {old_size} is larger than new tree size {new_size}: an append-only log never shrinks"
    )]
    SizeOrder { old_size: u64, new_size: u64 },
    /// The proof does not have the number of hashes its sizes call for.
    #[error("wrong proof length: these tree sizes call for {expected} hashes, the proof has {found}")]
    WrongProofLength { expected: usize, found: usize },
    /// A multi-leaf proof asked for no leaf.
    #[error("a multi-leaf proof needs at least one leaf")]
    NoLeaves,
    /// A multi-leaf proof's leaf indices are not strictly increasing.
    #[error("the leaves of a multi-leaf proof must be in increasing order, each once")]
    UnorderedLeaves,
    /// The proof has the right shape but does not lead to the given root (or roots).
    #[error("root mismatch: the proof does not lead to the given tree root")]
    RootMismatch,
}

/// `SHA-256(0x00 || data)`: the hash of one log entry.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hash = Sha256::new();
    hash.update([LEAF_PREFIX]);
    hash.update(data);
    hash.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hash = Sha256::new();
    hash.update([NODE_PREFIX]);
    hash.update(left);
    hash.update(right);
    hash.finalize().into()
}

/// `SHA-256()`: the root of the empty tree (`e3b0c442…b855`).
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// The Merkle Tree Hash of a list of **leaf hashes** (each already [`leaf_hash`]ed).
///
/// `root(&[])` is [`empty_root`] and `root(&[h])` is `h`. O(n) hashes.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [only] => *only,
        _ => {
            let (left, right) = leaves.split_at(split_point(leaves.len()));
            node_hash(&root(left), &root(right))
        }
    }
}

/// The inclusion proof (audit path) for the leaf at `index` in the tree of all `leaves`:
/// RFC 6962 §2.1.1 `PATH(index, D[n])`, listed from the leaf's sibling up to the root's child.
///
/// Errors: [`MerkleError::EmptyTree`] if `leaves` is empty, [`MerkleError::IndexOutOfRange`] if
/// `index >= leaves.len()`. O(n) hashes.
pub fn inclusion_proof(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, MerkleError> {
    inclusion_proof_with(index, tree_size(leaves), |start, end| subtree_of(leaves, start, end))
}

/// [`inclusion_proof`] for the leaf at `index` of a tree of `size` leaves, given the MTH of any
/// subtree of RFC 6962's split (`subtree(start, end)`): how [`TreeView`] makes one from the nodes
/// it keeps. The errors of [`inclusion_proof`].
pub fn inclusion_proof_with(
    index: u64,
    size: u64,
    mut subtree: impl FnMut(u64, u64) -> Hash,
) -> Result<Vec<Hash>, MerkleError> {
    if size == 0 {
        return Err(MerkleError::EmptyTree);
    }
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let mut proof = Vec::new();
    path(index, 0, size, &mut subtree, &mut proof);
    Ok(proof)
}

/// The consistency proof that the tree of the first `old_size` leaves is a prefix of the tree of
/// all `leaves`: RFC 6962 §2.1.2 `PROOF(old_size, D[n])`. Empty when `old_size == n`.
///
/// Errors: [`MerkleError::EmptyTree`] if `old_size == 0` (see the module notes),
/// [`MerkleError::SizeOrder`] if `old_size > leaves.len()`. O(n) hashes.
pub fn consistency_proof(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, MerkleError> {
    consistency_proof_with(old_size, tree_size(leaves), |start, end| subtree_of(leaves, start, end))
}

/// [`consistency_proof`] from the tree of `old_size` leaves to the tree of `new_size`, given the
/// MTH of any subtree of RFC 6962's split, as [`inclusion_proof_with`]. The errors of
/// [`consistency_proof`].
pub fn consistency_proof_with(
    old_size: u64,
    new_size: u64,
    mut subtree: impl FnMut(u64, u64) -> Hash,
) -> Result<Vec<Hash>, MerkleError> {
    if old_size > new_size {
        return Err(MerkleError::SizeOrder { old_size, new_size });
    }
    if old_size == 0 {
        return Err(MerkleError::EmptyTree);
    }
    let mut proof = Vec::new();
    subproof(old_size, 0, new_size, true, &mut subtree, &mut proof);
    Ok(proof)
}

/// Checks that `leaf` (a [`leaf_hash`]) is at `index` in the tree of `size` leaves whose root is
/// `root`, by the algorithm of RFC 9162 §2.1.3.2.
///
/// Errors: [`MerkleError::EmptyTree`] if `size == 0`, [`MerkleError::IndexOutOfRange`] if
/// `index >= size`, [`MerkleError::WrongProofLength`] if `proof` does not have exactly
/// [`inclusion_proof_len`] hashes, [`MerkleError::RootMismatch`] if it does not lead to `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    let expected = inclusion_proof_len(index, size)?;
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength { expected, found: proof.len() });
    }
    let wrong_length = MerkleError::WrongProofLength { expected, found: proof.len() };

    // RFC 9162 §2.1.3.2, steps 2 to 5.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    // The two `sn` checks cannot fail after the exact length check above; they stay as the RFC
    // states them.
    for p in proof {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(wrong_length);
    }
    if r != *root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root`, by the algorithm of RFC 9162 §2.1.4.2.
///
/// When the sizes are equal the proof must be empty and the roots identical. Errors:
/// [`MerkleError::SizeOrder`] if `old_size > new_size`, [`MerkleError::EmptyTree`] if
/// `old_size == 0`, [`MerkleError::WrongProofLength`] if `proof` does not have exactly
/// [`consistency_proof_len`] hashes, [`MerkleError::RootMismatch`] if it does not lead to both
/// roots.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    let expected = consistency_proof_len(old_size, new_size)?;
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength { expected, found: proof.len() });
    }
    if old_size == new_size {
        return if old_root == new_root { Ok(()) } else { Err(MerkleError::RootMismatch) };
    }
    let wrong_length = MerkleError::WrongProofLength { expected, found: proof.len() };

    // RFC 9162 §2.1.4.2. Step 1 (an empty path fails) is covered by the length check: for
    // 0 < old_size < new_size the expected length is at least 1. Step 2 prepends `old_root` when
    // `old_size` is a power of two; here that is the choice of the starting hash, without copying.
    let (seed, rest) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        match proof.split_first() {
            Some((first, rest)) => (first, rest),
            None => return Err(wrong_length),
        }
    };
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*seed, *seed);
    // As for inclusion, the `sn` checks cannot fail after the length check.
    for c in rest {
        if sn == 0 {
            return Err(wrong_length);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(wrong_length);
    }
    if fr != *old_root || sr != *new_root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// The exact number of hashes in the inclusion proof for leaf `index` of a tree of `size` leaves
/// (at most [`MAX_INCLUSION_PROOF_LEN`]). O(log size), no hashing.
///
/// Errors: [`MerkleError::EmptyTree`] if `size == 0`, [`MerkleError::IndexOutOfRange`] if
/// `index >= size`.
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, MerkleError> {
    if size == 0 {
        return Err(MerkleError::EmptyTree);
    }
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    // The steps of RFC 9162 §2.1.3.2 without the hashing: one proof hash per loop turn, and the
    // loop must end exactly when `sn` reaches 0.
    Ok(path_steps(index, size - 1))
}

/// The exact number of hashes in the consistency proof from a tree of `old_size` leaves to one of
/// `new_size` leaves (0 when the sizes are equal; at most [`MAX_CONSISTENCY_PROOF_LEN`]).
/// O(log new_size), no hashing.
///
/// Errors: [`MerkleError::SizeOrder`] if `old_size > new_size`, [`MerkleError::EmptyTree`] if
/// `old_size == 0`.
pub fn consistency_proof_len(old_size: u64, new_size: u64) -> Result<usize, MerkleError> {
    if old_size > new_size {
        return Err(MerkleError::SizeOrder { old_size, new_size });
    }
    if old_size == 0 {
        return Err(MerkleError::EmptyTree);
    }
    if old_size == new_size {
        return Ok(0);
    }
    // The steps of RFC 9162 §2.1.4.2 without the hashing: the first path entry is the seed
    // (supplied by the proof unless `old_size` is a power of two, when it is `old_root`), then
    // one entry per loop turn until `sn` reaches 0.
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let seed_in_proof = usize::from(!old_size.is_power_of_two());
    Ok(seed_in_proof + path_steps(fn_, sn))
}

/// Checks `indices` for a multi-leaf proof in a tree of `size` leaves: at least one, strictly
/// increasing, each below `size`.
fn check_indices(indices: &[u64], size: u64) -> Result<(), MerkleError> {
    if size == 0 {
        return Err(MerkleError::EmptyTree);
    }
    let Some(&last) = indices.last() else {
        return Err(MerkleError::NoLeaves);
    };
    if last >= size {
        return Err(MerkleError::IndexOutOfRange { index: last, size });
    }
    if indices.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(MerkleError::UnorderedLeaves);
    }
    Ok(())
}

/// The subtree `start..end` of RFC 6962's split, walked left first, calling `empty` for each
/// subtree that holds none of `indices` (sorted, within the range).
fn walk_multi(start: u64, end: u64, indices: &[u64], empty: &mut impl FnMut(u64, u64)) {
    if indices.is_empty() {
        empty(start, end);
        return;
    }
    if end - start == 1 {
        return;
    }
    let k = largest_power_of_two_below(end - start);
    let split = indices.partition_point(|&i| i < start + k);
    walk_multi(start, start + k, &indices[..split], empty);
    walk_multi(start + k, end, &indices[split..], empty);
}

/// The exact number of hashes in the multi-leaf proof for the leaves at `indices` (strictly
/// increasing) of a tree of `size` leaves. No hashing; O(k·log size) steps for k indices.
///
/// Errors: [`MerkleError::EmptyTree`], [`MerkleError::NoLeaves`],
/// [`MerkleError::IndexOutOfRange`], [`MerkleError::UnorderedLeaves`].
pub fn multi_inclusion_proof_len(indices: &[u64], size: u64) -> Result<usize, MerkleError> {
    check_indices(indices, size)?;
    let mut count = 0;
    walk_multi(0, size, indices, &mut |_, _| count += 1);
    Ok(count)
}

/// The multi-leaf proof for the leaves at `indices` (strictly increasing) of a tree of `size`
/// leaves, given the MTH of any subtree of RFC 6962's split: how the ledger makes one from the
/// tree it keeps (see the module documentation for the shape).
pub fn multi_inclusion_proof_with(
    indices: &[u64],
    size: u64,
    mut subtree: impl FnMut(u64, u64) -> Hash,
) -> Result<Vec<Hash>, MerkleError> {
    check_indices(indices, size)?;
    let mut proof = Vec::new();
    walk_multi(0, size, indices, &mut |start, end| proof.push(subtree(start, end)));
    Ok(proof)
}

/// [`multi_inclusion_proof_with`] over the whole list of leaf hashes. O(n); for tests and tools.
pub fn multi_inclusion_proof(leaves: &[Hash], indices: &[u64]) -> Result<Vec<Hash>, MerkleError> {
    multi_inclusion_proof_with(indices, tree_size(leaves), |start, end| subtree_of(leaves, start, end))
}

/// Checks that `leaves[i]` (a [`leaf_hash`]) is at `indices[i]`, for every `i`, in the tree of
/// `size` leaves whose root is `root`, with one multi-leaf `proof`.
///
/// Errors: those of [`multi_inclusion_proof_len`]; [`MerkleError::WrongProofLength`] when
/// `leaves` and `indices` differ in length or the proof does not have exactly the hashes the
/// indices call for; [`MerkleError::RootMismatch`] when it does not lead to `root`. Never panics;
/// the recursion is as deep as the tree (at most 64).
pub fn verify_multi_inclusion(
    indices: &[u64],
    leaves: &[Hash],
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    if leaves.len() != indices.len() {
        return Err(MerkleError::WrongProofLength { expected: indices.len(), found: leaves.len() });
    }
    let expected = multi_inclusion_proof_len(indices, size)?;
    if proof.len() != expected {
        return Err(MerkleError::WrongProofLength { expected, found: proof.len() });
    }
    let mut hashes = proof.iter();
    let computed = fold_multi(0, size, indices, leaves, &mut hashes);
    if computed != *root {
        return Err(MerkleError::RootMismatch);
    }
    Ok(())
}

/// The MTH of `start..end` from the proved leaves in it and the proof's next hashes. The length
/// was checked first, so the proof never runs short.
fn fold_multi(
    start: u64,
    end: u64,
    indices: &[u64],
    leaves: &[Hash],
    proof: &mut std::slice::Iter<'_, Hash>,
) -> Hash {
    if indices.is_empty() {
        return proof.next().copied().unwrap_or_default();
    }
    if end - start == 1 {
        return leaves[0];
    }
    let k = largest_power_of_two_below(end - start);
    let split = indices.partition_point(|&i| i < start + k);
    let left = fold_multi(start, start + k, &indices[..split], &leaves[..split], proof);
    let right = fold_multi(start + k, end, &indices[split..], &leaves[split..], proof);
    node_hash(&left, &right)
}

/// How many turns the shared loop of RFC 9162 §2.1.3.2 / §2.1.4.2 takes to bring `sn` to 0.
/// Every turn shifts `sn` right at least once, so this is at most 64.
fn path_steps(mut fn_: u64, mut sn: u64) -> usize {
    let mut steps = 0;
    while sn != 0 {
        steps += 1;
        if fn_ & 1 == 0 && fn_ == sn {
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    steps
}

/// The largest power of two smaller than `n`, for `n >= 2`.
fn split_point(n: usize) -> usize {
    debug_assert!(n >= 2);
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

fn tree_size(leaves: &[Hash]) -> u64 {
    // usize is at most 64 bits on every target Rust supports; saturate rather than assume.
    u64::try_from(leaves.len()).unwrap_or(u64::MAX)
}

/// The MTH of leaves `start..end` of a list that holds them all (the generators check the range
/// first). O(end - start).
fn subtree_of(leaves: &[Hash], start: u64, end: u64) -> Hash {
    root(&leaves[start as usize..end as usize])
}

/// RFC 6962 §2.1.1 PATH(m, D[start:end]), appended to `out` bottom-up, each sibling's MTH from
/// `subtree`. Requires `start <= m < end`.
fn path(m: u64, start: u64, end: u64, subtree: &mut impl FnMut(u64, u64) -> Hash, out: &mut Vec<Hash>) {
    if end - start <= 1 {
        return;
    }
    let k = largest_power_of_two_below(end - start);
    if m < start + k {
        path(m, start, start + k, subtree, out);
        out.push(subtree(start + k, end));
    } else {
        path(m, start + k, end, subtree, out);
        out.push(subtree(start, start + k));
    }
}

/// RFC 6962 §2.1.2 SUBPROOF(m, D[start:end], b), appended to `out` bottom-up, each subtree's MTH
/// from `subtree`. Requires `0 < m <= end - start`.
fn subproof(
    m: u64,
    start: u64,
    end: u64,
    b: bool,
    subtree: &mut impl FnMut(u64, u64) -> Hash,
    out: &mut Vec<Hash>,
) {
    if m == end - start {
        if !b {
            out.push(subtree(start, end));
        }
        return;
    }
    let k = largest_power_of_two_below(end - start);
    if m <= k {
        subproof(m, start, start + k, b, subtree, out);
        out.push(subtree(start + k, end));
    } else {
        subproof(m - k, start + k, end, false, subtree, out);
        out.push(subtree(start, start + k));
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

/// The Merkle tree over an append-only log, grown one leaf at a time: what the ledger keeps
/// between calls so that a sync's answer gets its root and proofs for O(log n) hashes instead of
/// re-hashing the whole log.
///
/// It keeps every *complete* subtree: `complete[h][i]` is the hash of leaves `i·2^h` to
/// `(i+1)·2^h - 1`. Appending a leaf costs one node hash on average, and the whole tree fewer than
/// 2n hashes. A tree whose size is not a power of two also has an incomplete subtree at some
/// heights, along its right edge; a [`TreeView`] hashes those once (at most one hash per height).
/// Every range RFC 6962 hashes, splitting at the largest power of two below its size, starts at a
/// multiple of that power: it is either a complete subtree or one of the right edge's, so roots
/// and proofs are lookups, made by the same walks as [`inclusion_proof`] and
/// [`consistency_proof`].
///
/// ```
/// use outpost_wallet_core::merkle::{self, Tree, leaf_hash};
///
/// let leaves: Vec<_> = ["a", "b", "c"].iter().map(|d| leaf_hash(d.as_bytes())).collect();
/// let mut tree = Tree::default();
/// leaves.iter().for_each(|leaf| tree.push(*leaf));
/// let view = tree.view();
/// assert_eq!(view.root(), merkle::root(&leaves));
/// assert_eq!(view.inclusion_proof(2)?, merkle::inclusion_proof(&leaves, 2)?);
/// # Ok::<(), merkle::MerkleError>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct Tree {
    complete: Vec<Vec<Hash>>,
}

impl Tree {
    /// Appends a [`leaf_hash`].
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
            node = node_hash(&level[level.len() - 2], &level[level.len() - 1]);
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
                left.map(|left| right.map_or(left, |right| node_hash(&left, &right)))
            };
            view.edge.push(edge);
        }
        view
    }
}

/// A [`Tree`] at its current size, with the hash of its incomplete subtree at each height (if
/// any): the RFC 6962 tree, node by node.
#[derive(Debug)]
pub struct TreeView<'t> {
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

    /// The tree's root: [`root`] of its leaves.
    pub fn root(&self) -> Hash {
        match self.size {
            0 => empty_root(),
            _ => self.node(self.height(), 0).expect("a tree of leaves has a root"),
        }
    }

    /// [`inclusion_proof`] for the leaf at `index`, in O(log n) lookups.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, MerkleError> {
        inclusion_proof_with(index, self.size, |start, end| self.subtree(start, end))
    }

    /// [`multi_inclusion_proof`] for the leaves at `indices`, in lookups.
    pub fn multi_inclusion_proof(&self, indices: &[u64]) -> Result<Vec<Hash>, MerkleError> {
        multi_inclusion_proof_with(indices, self.size, |start, end| self.subtree(start, end))
    }

    /// [`consistency_proof`] from the tree of the first `old_size` leaves, in O(log n) lookups.
    pub fn consistency_proof(&self, old_size: u64) -> Result<Vec<Hash>, MerkleError> {
        consistency_proof_with(old_size, self.size, |start, end| self.subtree(start, end))
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
