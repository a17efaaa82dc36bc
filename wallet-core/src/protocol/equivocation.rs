//! Equivocation proofs: two checkpoints the ledger signed for the same log size with different
//! roots. Each verifies alone under the ledger's key, so together they prove, to anyone holding
//! that key and nothing else, that the ledger showed two histories (docs/adr/0014).
//!
//! Wallets find them by comparing checkpoints with other phones, upload them at sync, and the
//! ledger records each in its audit log ([`crate::audit::EntryKind::EquivocationReported`]),
//! where an offline audit checks it again. Encoded as the two compact checkpoints, smaller
//! first, so one pair has one encoding and one id whichever phone held which.

use sha2::{Digest, Sha256};

use super::{Checkpoint, MessageId, ProtocolError};
use crate::encoding::{DecodeError, Reader, Writer};

const NAME: &str = "equivocation proof";
/// Two compact checkpoints.
pub const EQUIVOCATION_PROOF_LEN: usize = 2 * 113;

/// Two checkpoints for one size with different roots. Its fields mean nothing until
/// [`EquivocationProof::verify`] succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EquivocationProof {
    pub first: Checkpoint,
    pub second: Checkpoint,
}

impl EquivocationProof {
    /// The pair in its one order. Refuses a pair that could not be a proof (other sizes, or the
    /// same root), so nothing past this point has to ask.
    pub fn new(a: Checkpoint, b: Checkpoint) -> Result<Self, ProtocolError> {
        if !a.conflicts_with(&b) {
            return Err(ProtocolError::Invalid {
                message: NAME,
                reason: "the two checkpoints are not of one size with different roots",
            });
        }
        let (first, second) = if a.to_bytes() <= b.to_bytes() { (a, b) } else { (b, a) };
        Ok(Self { first, second })
    }

    /// Checks both signatures under the ledger's key: then the ledger signed two histories.
    pub fn verify(&self, ledger_key: &[u8; 32]) -> Result<(), ProtocolError> {
        self.first.verify(ledger_key)?;
        self.second.verify(ledger_key)
    }

    /// The log size both checkpoints claim.
    pub fn size(&self) -> u64 {
        self.first.size
    }

    /// SHA-256 of the encoding: the same pair always has the same id.
    pub fn id(&self) -> MessageId {
        Sha256::digest(self.to_bytes()).into()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(EQUIVOCATION_PROOF_LEN);
        self.write(&mut w);
        w.finish()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let mut r = Reader::new(bytes);
        let proof = Self::read(&mut r)?;
        r.finish().map_err(|source| ProtocolError::Malformed { message: NAME, source })?;
        Ok(proof)
    }

    pub(super) fn write(&self, w: &mut Writer) {
        w.fixed(&self.first.to_bytes()).fixed(&self.second.to_bytes());
    }

    /// Reads one proof, which must be in its one order and a conflicting pair.
    pub(super) fn read(r: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        let m = |source| ProtocolError::Malformed { message: NAME, source };
        let first: [u8; 113] = r.array("first checkpoint").map_err(m)?;
        let second: [u8; 113] = r.array("second checkpoint").map_err(m)?;
        if first >= second {
            return Err(m(DecodeError::Invalid { what: NAME, reason: "checkpoints out of order" }));
        }
        Self::new(Checkpoint::from_bytes(&first)?, Checkpoint::from_bytes(&second)?)
    }
}
