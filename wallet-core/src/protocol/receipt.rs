//! Receipts: the receiver's signed acknowledgement that it stored a transfer. The sender marks
//! the transfer delivered on scanning one; without it the sender can show the transfer again.
//!
//! Version 2 adds the newest ledger checkpoint the receiver holds, if any, as in a payment
//! request: a payment made without a request still shows the payer the receiver's checkpoint.

use super::checkpoint::{read_optional_checkpoint, write_optional_checkpoint};
use super::{Checkpoint, Kind, MessageId, ProtocolError, Signed, read_time, write_time};
use crate::identity::Identity;

const KIND: Kind = Kind { domain: "outpost/receipt/v1", name: "receipt", version: 2 };

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub transfer_id: MessageId,
    pub receiver_key: [u8; 32],
    pub time: u64,
    /// The newest ledger checkpoint the receiver held when it signed, unverified until the
    /// payer checks it against its pinned ledger key.
    pub checkpoint: Option<Checkpoint>,
    signed: Signed,
}

impl Receipt {
    /// Signs a receipt from a receiver that holds no ledger checkpoint.
    pub fn sign(transfer_id: MessageId, time: u64, receiver: &Identity) -> Result<Self, ProtocolError> {
        Self::sign_showing(transfer_id, time, receiver, None)
    }

    /// Signs a receipt that also shows `checkpoint`, the newest the receiver holds.
    pub fn sign_showing(
        transfer_id: MessageId,
        time: u64,
        receiver: &Identity,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Self, ProtocolError> {
        let receiver_key = receiver.public().signing_key;
        let mut w = KIND.writer();
        w.fixed(&transfer_id).fixed(&receiver_key);
        write_time(&mut w, KIND.name, time)?;
        write_optional_checkpoint(&mut w, checkpoint);
        let signed = Signed::sign(&KIND, w.finish(), receiver.signing_key());
        Ok(Self { transfer_id, receiver_key, time, checkpoint: checkpoint.cloned(), signed })
    }

    pub fn id(&self) -> MessageId {
        self.signed.id(&KIND)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        // Version 1 (before checkpoints were shown) is still read: wallets keep what they signed
        // and scanned, and an older app may show one.
        let (signed, mut r, version) = Signed::parse_since(&KIND, 1, bytes)?;
        let m = KIND.malformed();
        let transfer_id = r.array("transfer id").map_err(&m)?;
        let receiver_key = r.array("receiver key").map_err(&m)?;
        let time = read_time(&mut r, "time").map_err(&m)?;
        let checkpoint = if version == 1 { None } else { read_optional_checkpoint(&mut r).map_err(&m)? };
        r.finish().map_err(&m)?;
        Ok(Self { transfer_id, receiver_key, time, checkpoint, signed })
    }

    /// Checks that the receiver named in the receipt signed it.
    pub fn verify(&self) -> Result<(), ProtocolError> {
        self.signed.verify(&KIND, &self.receiver_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A receipt as version 1 wrote it: no checkpoint field.
    fn version_1(transfer_id: MessageId, time: u64, receiver: &Identity) -> Vec<u8> {
        let old = Kind { version: 1, ..KIND };
        let mut w = old.writer();
        w.fixed(&transfer_id).fixed(&receiver.public().signing_key);
        write_time(&mut w, old.name, time).unwrap();
        Signed::sign(&old, w.finish(), receiver.signing_key()).to_bytes()
    }

    #[test]
    fn a_version_1_receipt_a_wallet_kept_still_reads_and_verifies() {
        let receiver = Identity::generate().unwrap();
        let bytes = version_1([7; 32], 1_800_000_000, &receiver);
        let receipt = Receipt::from_bytes(&bytes).unwrap();
        assert_eq!((receipt.transfer_id, receipt.time, &receipt.checkpoint), ([7; 32], 1_800_000_000, &None));
        receipt.verify().unwrap();
        assert_eq!(receipt.to_bytes(), bytes, "kept byte for byte");
        let mut tampered = bytes.clone();
        tampered[1] ^= 1;
        assert!(Receipt::from_bytes(&tampered).unwrap().verify().is_err());
        let mut unknown = bytes;
        unknown[0] = 9;
        assert!(Receipt::from_bytes(&unknown).is_err(), "only the previous version is still read");
    }
}
