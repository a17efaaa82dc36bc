//! The offline payment protocol's messages, shared by wallets and the ledger.
//!
//! Every message is `body || signature`, where `body` starts with a version byte and is written
//! with the one canonical encoding (`crate::encoding`), in its compact form: times are 32-bit
//! Unix seconds and short fields have 1-byte length prefixes, so that a transfer with its full
//! purse certificate fits one QR code (docs/adr/0004-compact-transfer-encoding.md). The signer signs
//! `domain || body`, with a distinct domain per message type, so a signature made for one kind of
//! message can never be replayed as another. A message's id is SHA-256 of those signed bytes.
//!
//! | message              | signed by | domain                               |
//! |----------------------|-----------|--------------------------------------|
//! | [`EnrolmentRequest`] | wallet    | `outpost/enrolment-request/v1`        |
//! | [`PurseCertificate`] | ledger    | `outpost/purse-certificate/v1`        |
//! | [`PaymentRequest`]   | receiver  | `outpost/payment-request/v1`          |
//! | [`Transfer`]         | sender    | `outpost/transfer/v1`                 |
//! | [`Receipt`]          | receiver  | `outpost/receipt/v1`                  |
//! | [`Checkpoint`]       | ledger    | none: the text of its signed note (below) |
//! | [`SyncRequest`]      | wallet    | `outpost/sync-request/v1`             |
//! | [`SyncResponse`]     | ledger    | `outpost/sync-response/v2` (`/v1` for version 1) |
//!
//! The checkpoint is the one exception to `domain || body`: its signature covers the text of a
//! standard signed note, so that tools outside Outpost can check it (docs/adr/0012).
//!
//! Decoding checks structure only (lengths, versions, bounds). Signatures are checked by each
//! type's `verify`, which is the only way to obtain the `Verified…` types the wallet acts on.
//! Every signature is checked by the one rule of [`crate::signature`]: canonical encodings, no
//! point of small order, `s` reduced, and RFC 8032's cofactored equation, so that nobody but the
//! signer can make a second valid signature, and checking many together (as the ledger does)
//! answers exactly what checking each alone would.

pub mod chain;
mod checkpoint;
pub mod cosignature;
mod enrolment;
mod equivocation;
pub mod note;
mod purse;
mod receipt;
mod request;
pub mod sync;
mod transfer;
pub mod witnessed;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use enrolment::EnrolmentRequest;
pub use equivocation::{EQUIVOCATION_PROOF_LEN, EquivocationProof};
pub use purse::{LedgerSigner, PurseCertificate, PurseTerms};
pub use receipt::Receipt;
pub use request::PaymentRequest;
pub use sync::{SyncRequest, SyncRequestBody, SyncResponse, SyncResponseBody};
pub use transfer::{Transfer, TransferTerms, VerifiedTransfer};

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::encoding::{DecodeError, Reader, Writer};
use crate::money::{Amount, Currency, MoneyError};
use crate::signature;

/// The id of a message: SHA-256 of its domain-separated signed bytes.
pub type MessageId = [u8; 32];

/// Longest memo, in bytes of UTF-8. Short enough to keep a transfer inside one QR code.
pub const MAX_MEMO: usize = 32;
/// Longest member id, in bytes: a service number, not a name (it travels inside every transfer).
pub const MAX_MEMBER_ID: usize = 16;

/// Why a message was refused.
/// What to do about a damaged message: one shown as a QR code is scanned again; one that came
/// over the network is sent again by whoever sent it.
fn damaged_advice(message: &str) -> &'static str {
    match message {
        "enrolment request" | "payment request" | "purse certificate" | "receipt" | "transfer" => {
            "scan it again"
        }
        _ => "it was refused, send it again",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProtocolError {
    #[error("the {message} is damaged ({source}): {}", damaged_advice(message))]
    Malformed { message: &'static str, source: DecodeError },
    #[error(
        "the {message} signature does not verify, so it was refused: it was altered or signed by someone else"
    )]
    BadSignature { message: &'static str },
    #[error("the {field} is longer than the {max} bytes allowed: shorten it")]
    TooLong { field: &'static str, max: usize },
    #[error("{0}")]
    Money(#[from] MoneyError),
    #[error("the {message} is invalid ({reason}), so it was refused")]
    Invalid { message: &'static str, reason: &'static str },
    #[error(
        "the transfer spends {spent_after} in total from a purse of {purse}, more than it holds: refused"
    )]
    Overspend { spent_after: Amount, purse: Amount },
    #[error(
        "the {message} expired at {} (this device's clock says {}): ask for a new one, or check the clock",
        crate::clock::utc(*.expired_at),
        crate::clock::utc(*.now)
    )]
    Expired { message: &'static str, expired_at: u64, now: u64 },
}

/// What distinguishes one message type on the wire: its signing domain, its name in errors, and
/// the body version this build writes and reads.
#[derive(Clone, Copy)]
struct Kind {
    domain: &'static str,
    name: &'static str,
    version: u8,
}

impl Kind {
    /// A writer with the version byte already written: every body starts with it.
    fn writer(&self) -> Writer {
        let mut w = Writer::new();
        w.u8(self.version);
        w
    }

    fn malformed(&self) -> impl Fn(DecodeError) -> ProtocolError {
        let message = self.name;
        move |source| ProtocolError::Malformed { message, source }
    }

    fn signed_bytes(&self, body: &[u8]) -> Vec<u8> {
        Writer::new().text(self.domain).fixed(body).finish()
    }
}

/// A body and its signature: the part every message shares, encoded as `body || signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signed {
    body: Vec<u8>,
    signature: [u8; 64],
}

impl Signed {
    fn sign(kind: &Kind, body: Vec<u8>, key: &SigningKey) -> Self {
        let signature = key.sign(&kind.signed_bytes(&body)).to_bytes();
        Self { body, signature }
    }

    /// Splits off the signature and checks the version byte; the reader is left at the first
    /// field after it. The caller reads the fields and calls `finish`.
    fn parse<'a>(kind: &Kind, bytes: &'a [u8]) -> Result<(Self, Reader<'a>), ProtocolError> {
        if bytes.len() < 65 {
            return Err(ProtocolError::Malformed {
                message: kind.name,
                source: DecodeError::Truncated { what: "signature", needed: 65 - bytes.len() },
            });
        }
        let (body, signature) = bytes.split_at(bytes.len() - 64);
        let mut reader = Reader::new(body);
        reader.version(kind.name, kind.version).map_err(kind.malformed())?;
        let signed = Self { body: body.to_vec(), signature: signature.try_into().expect("64 bytes") };
        Ok((signed, reader))
    }

    /// [`Signed::parse`] for a message whose earlier versions are still read: a body of any
    /// version from `oldest` up to `kind.version` (same domain, so its id and signature are
    /// unchanged) is accepted. Returns the version found, for the caller to read the fields that
    /// version has.
    fn parse_since<'a>(
        kind: &Kind,
        oldest: u8,
        bytes: &'a [u8],
    ) -> Result<(Self, Reader<'a>, u8), ProtocolError> {
        match Self::parse(kind, bytes) {
            Ok((signed, reader)) => Ok((signed, reader, kind.version)),
            Err(ProtocolError::Malformed {
                source: DecodeError::UnsupportedVersion { found, .. }, ..
            }) if (oldest..kind.version).contains(&found) => {
                let (signed, reader) = Self::parse(&Kind { version: found, ..*kind }, bytes)?;
                Ok((signed, reader, found))
            }
            Err(e) => Err(e),
        }
    }

    fn id(&self, kind: &Kind) -> MessageId {
        Sha256::digest(kind.signed_bytes(&self.body)).into()
    }

    fn to_bytes(&self) -> Vec<u8> {
        [self.body.as_slice(), &self.signature].concat()
    }

    fn verify(&self, kind: &Kind, signer: &[u8; 32]) -> Result<(), ProtocolError> {
        if signature::verify(signer, &kind.signed_bytes(&self.body), &self.signature) {
            Ok(())
        } else {
            Err(ProtocolError::BadSignature { message: kind.name })
        }
    }

    /// Adds this signature to `batch`, which then passes only if [`Signed::verify`] would.
    fn queue(&self, kind: &Kind, signer: &[u8; 32], batch: &mut signature::Batch) {
        batch.queue(signer, &kind.signed_bytes(&self.body), &self.signature);
    }
}

fn write_currency(w: &mut Writer, currency: Currency) {
    w.fixed(currency.code().as_bytes()).u8(currency.exponent());
}

fn read_currency(r: &mut Reader<'_>) -> Result<Currency, DecodeError> {
    let code: [u8; 3] = r.array("currency code")?;
    let code = std::str::from_utf8(&code).map_err(|_| DecodeError::NotUtf8 { what: "currency code" })?;
    let exponent = r.u8("currency exponent")?;
    Currency::new(code, exponent)
        .map_err(|_| DecodeError::Invalid { what: "currency", reason: "not an ISO 4217 code" })
}

fn read_amount(r: &mut Reader<'_>, currency: Currency, what: &'static str) -> Result<Amount, DecodeError> {
    Amount::from_minor(r.u64(what)?, currency)
        .map_err(|_| DecodeError::Invalid { what, reason: "above the largest amount" })
}

/// Times travel as 32-bit Unix seconds (enough until 2106) to keep transfers inside one QR code.
fn write_time(w: &mut Writer, message: &'static str, time: u64) -> Result<(), ProtocolError> {
    let time = u32::try_from(time)
        .map_err(|_| ProtocolError::Invalid { message, reason: "a time after 2106 cannot be encoded" })?;
    w.u32(time);
    Ok(())
}

fn read_time(r: &mut Reader<'_>, what: &'static str) -> Result<u64, DecodeError> {
    r.u32(what).map(u64::from)
}

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), ProtocolError> {
    if value.len() > max { Err(ProtocolError::TooLong { field, max }) } else { Ok(()) }
}
