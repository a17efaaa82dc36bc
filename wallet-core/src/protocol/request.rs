//! Payment requests: what a receiver shows so a sender can pay it. It names the receiver's keys
//! (the transfer is sealed to the X25519 key and addressed to the Ed25519 key), the amount or
//! an open amount, a fresh nonce the transfer must echo, an expiry and a memo.
//!
//! Version 2 adds the newest ledger checkpoint the receiver holds, if any (a presence byte and
//! the 113-byte compact form), so the payer's phone can compare it with its own
//! (docs/adr/0014-phones-compare-checkpoints.md). The receiver's signature covers it; the
//! ledger's signature on it is checked by the payer's wallet against its pinned key.

use super::checkpoint::{read_optional_checkpoint, write_optional_checkpoint};
use super::{
    Checkpoint, Kind, MAX_MEMO, MessageId, ProtocolError, Signed, check_len, read_amount, read_currency,
    read_time, write_currency, write_time,
};
use crate::identity::Identity;
use crate::money::{Amount, Currency};

const KIND: Kind = Kind { domain: "outpost/payment-request/v1", name: "payment request", version: 2 };

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub receiver_key: [u8; 32],
    pub receiver_agreement_key: [u8; 32],
    pub currency: Currency,
    /// `None`: the sender chooses the amount.
    pub amount: Option<Amount>,
    pub nonce: [u8; 16],
    pub expires_at: u64,
    pub memo: String,
    /// The newest ledger checkpoint the receiver held when it signed, unverified until the
    /// payer checks it against its pinned ledger key.
    pub checkpoint: Option<Checkpoint>,
    signed: Signed,
}

impl PaymentRequest {
    /// Signs a request from a receiver that holds no ledger checkpoint.
    pub fn sign(
        receiver: &Identity,
        currency: Currency,
        amount: Option<Amount>,
        nonce: [u8; 16],
        expires_at: u64,
        memo: &str,
    ) -> Result<Self, ProtocolError> {
        Self::sign_showing(receiver, currency, amount, nonce, expires_at, memo, None)
    }

    /// Signs a request that also shows `checkpoint`, the newest the receiver holds.
    pub fn sign_showing(
        receiver: &Identity,
        currency: Currency,
        amount: Option<Amount>,
        nonce: [u8; 16],
        expires_at: u64,
        memo: &str,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Self, ProtocolError> {
        check_len("memo", memo, MAX_MEMO)?;
        if let Some(amount) = amount {
            if amount.currency() != currency {
                return Err(ProtocolError::Invalid {
                    message: KIND.name,
                    reason: "amount in another currency",
                });
            }
            if amount.is_zero() {
                return Err(ProtocolError::Invalid { message: KIND.name, reason: "the amount is zero" });
            }
        }
        let public = receiver.public();
        let mut w = KIND.writer();
        w.fixed(&public.signing_key).fixed(&public.agreement_key);
        write_currency(&mut w, currency);
        match amount {
            Some(a) => w.u8(1).u64(a.minor()),
            None => w.u8(0),
        };
        w.fixed(&nonce);
        write_time(&mut w, KIND.name, expires_at)?;
        w.short_text(memo);
        write_optional_checkpoint(&mut w, checkpoint);
        let body = w.finish();
        let signed = Signed::sign(&KIND, body, receiver.signing_key());
        Ok(Self {
            receiver_key: public.signing_key,
            receiver_agreement_key: public.agreement_key,
            currency,
            amount,
            nonce,
            expires_at,
            memo: memo.to_owned(),
            checkpoint: checkpoint.cloned(),
            signed,
        })
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
        let receiver_key = r.array("receiver key").map_err(&m)?;
        let receiver_agreement_key = r.array("receiver agreement key").map_err(&m)?;
        let currency = read_currency(&mut r).map_err(&m)?;
        let amount = match r.u8("amount flag").map_err(&m)? {
            0 => None,
            1 => Some(read_amount(&mut r, currency, "amount").map_err(&m)?),
            _ => {
                return Err(ProtocolError::Invalid {
                    message: KIND.name,
                    reason: "amount flag is not 0 or 1",
                });
            }
        };
        let nonce = r.array("nonce").map_err(&m)?;
        let expires_at = read_time(&mut r, "expiry").map_err(&m)?;
        let memo = r.short_text("memo", MAX_MEMO).map_err(&m)?.to_owned();
        let checkpoint = if version == 1 { None } else { read_optional_checkpoint(&mut r).map_err(&m)? };
        r.finish().map_err(&m)?;
        Ok(Self {
            receiver_key,
            receiver_agreement_key,
            currency,
            amount,
            nonce,
            expires_at,
            memo,
            checkpoint,
            signed,
        })
    }

    /// Checks the receiver's signature and, against the sender's clock, the expiry.
    pub fn verify(&self, now: u64) -> Result<(), ProtocolError> {
        self.signed.verify(&KIND, &self.receiver_key)?;
        if now > self.expires_at {
            return Err(ProtocolError::Expired { message: KIND.name, expired_at: self.expires_at, now });
        }
        Ok(())
    }
}
