//! Checkpoints: the ledger's signed statement of its audit log's size and Merkle root at a time.
//!
//! Wallets keep the newest checkpoint they have seen and accept a newer one only with a
//! consistency proof from it (RFC 6962 section 2.1.2), so a ledger that rewrites or drops history
//! is caught at the next sync. A ledger must never sign two checkpoints that do not extend one
//! another: the pair would be signed proof that it forked its log.

use super::{Kind, LedgerSigner, ProtocolError, Signed};
use crate::merkle::{self, Hash, MerkleError};

const KIND: Kind = Kind { domain: "outpost/checkpoint/v1", name: "checkpoint", version: 1 };

/// A signed checkpoint. Its fields mean nothing until [`Checkpoint::verify`] succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Number of leaves in the log.
    pub size: u64,
    /// RFC 6962 root hash over those leaves.
    pub root: Hash,
    /// Ledger time (Unix seconds) when it was signed.
    pub time: u64,
    signed: Signed,
}

/// How a checkpoint failed to extend the one a wallet or auditor held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    #[error(
        "the ledger's log shrank from {held} to {offered} entries: it dropped history, refusing its answer"
    )]
    Shrank { held: u64, offered: u64 },
    #[error(
        "the ledger's log of {offered} entries does not extend the {held} entries it showed before: \
         its history was rewritten ({reason})"
    )]
    Rewritten { held: u64, offered: u64, reason: MerkleError },
}

impl Checkpoint {
    fn encode(size: u64, root: &Hash, time: u64) -> Vec<u8> {
        let mut w = KIND.writer();
        w.u64(size).fixed(root).u64(time);
        w.finish()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let (signed, mut r) = Signed::parse(&KIND, bytes)?;
        let m = KIND.malformed();
        let size = r.u64("log size").map_err(&m)?;
        let root = r.array("root").map_err(&m)?;
        let time = r.u64("time").map_err(&m)?;
        r.finish().map_err(&m)?;
        Ok(Self { size, root, time, signed })
    }

    /// Checks the ledger's signature with the pinned ledger key.
    pub fn verify(&self, ledger_key: &[u8; 32]) -> Result<(), ProtocolError> {
        self.signed.verify(&KIND, ledger_key)
    }

    /// Checks, with the ledger's `proof`, that this checkpoint's log extends `held`'s: the first
    /// `held.size` leaves are unchanged. Both signatures must have been verified already.
    pub fn check_extends(&self, held: &Checkpoint, proof: &[Hash]) -> Result<(), CheckpointError> {
        if self.size < held.size {
            return Err(CheckpointError::Shrank { held: held.size, offered: self.size });
        }
        if held.size == 0 {
            return Ok(());
        }
        merkle::verify_consistency(held.size, self.size, &held.root, &self.root, proof)
            .map_err(|reason| CheckpointError::Rewritten { held: held.size, offered: self.size, reason })
    }
}

impl LedgerSigner {
    /// Signs a checkpoint of the ledger's log.
    pub fn checkpoint(&self, size: u64, root: Hash, time: u64) -> Checkpoint {
        let signed = Signed::sign(&KIND, Checkpoint::encode(size, &root, time), &self.key);
        Checkpoint { size, root, time, signed }
    }
}
