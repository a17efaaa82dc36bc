//! Witness cosignatures (C2SP `tlog-cosignature`, <https://c2sp.org/tlog-cosignature>): a
//! witness's statement that, as of its timestamp, the checkpoint is the largest consistent tree
//! it has seen of that log. A wallet that demands cosignatures from witnesses outside HQ holds a
//! checkpoint the ledger alone could not have forked (docs/adr/0013-witnesses.md).
//!
//! An Ed25519 cosignature (v1) is a signed-note signature line
//!
//! ```text
//! — <witness name> base64(key ID || timestamp u64 big-endian || Ed25519 signature)
//! ```
//!
//! with key ID = SHA-256(name || 0x0A || 0x04 || public key)[:4], over the message
//!
//! ```text
//! cosignature/v1
//! time <timestamp>
//! <the checkpoint's note text, every line up to the blank line>
//! ```
//!
//! The message starts with `c`, so no cosignature can be taken for a checkpoint signature (whose
//! text starts with `o`) or for any other Outpost message (whose first byte is zero).

use ed25519_dalek::{Signer, SigningKey};
use zeroize::Zeroizing;

use super::note::{self, NoteSignature, VerifierKey};
use crate::signature;

/// The signature type of an Ed25519 cosignature v1, in its key ID and verifier key.
pub const COSIGNATURE_V1: u8 = 0x04;

/// Why a cosignature did not count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignatureError {
    #[error(
        "the witness key “{0}” is not a verifier key of an Ed25519 cosigner ({1}): copy the witness's key again"
    )]
    BadKey(String, &'static str),
    #[error("the cosignature by {witness} is not a timestamp and an Ed25519 signature")]
    Malformed { witness: String },
    #[error("the cosignature by {witness} does not verify (altered, or for another checkpoint)")]
    BadSignature { witness: String },
}

/// The message a cosignature v1 signs over the note text `text` (with its final newline).
pub fn cosigned_message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// A witness's signing key and name.
pub struct Cosigner {
    name: String,
    key: SigningKey,
}

impl Cosigner {
    /// The cosigner called `name` (a schema-less URL, as the spec advises) with this secret.
    ///
    /// ```
    /// use outpost_wallet_core::protocol::cosignature::{Cosigner, WitnessKey};
    ///
    /// let witness = Cosigner::from_secret("witness.example/w1", &[3; 32]).unwrap();
    /// let line = witness.cosign("example.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 1_790_000_000);
    /// assert!(line.starts_with("— witness.example/w1 "));
    /// let key = WitnessKey::parse(&witness.verifier_key()).unwrap();
    /// assert_eq!(key.name(), "witness.example/w1");
    /// ```
    pub fn from_secret(name: &str, secret: &[u8; 32]) -> Result<Self, CosignatureError> {
        if !note::is_valid_name(name) {
            return Err(CosignatureError::BadKey(
                name.to_owned(),
                "the name is empty or holds a space or a plus sign",
            ));
        }
        let secret = Zeroizing::new(*secret);
        Ok(Self { name: name.to_owned(), key: SigningKey::from_bytes(&secret) })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// `name+keyid+base64(0x04 || key)`: what a log or a wallet is configured with.
    pub fn verifier_key(&self) -> String {
        let public_key = self.public_key();
        let key_id = note::key_id(&self.name, COSIGNATURE_V1, &public_key);
        VerifierKey { name: self.name.clone(), key_id, signature_type: COSIGNATURE_V1, public_key }
            .to_string()
    }

    /// The cosignature line (newline included) over the checkpoint note text `text`.
    pub fn cosign(&self, text: &str, timestamp: u64) -> String {
        let signature = self.key.sign(cosigned_message(text, timestamp).as_bytes()).to_bytes();
        let key_id = note::key_id(&self.name, COSIGNATURE_V1, &self.public_key());
        note::signature_line_for(&self.name, key_id, &[&timestamp.to_be_bytes()[..], &signature].concat())
    }
}

/// A witness's public key as a log or a wallet trusts it: its name and Ed25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    name: String,
    key_id: u32,
    public_key: [u8; 32],
}

impl WitnessKey {
    /// Reads a cosigner's verifier key, `name+keyid+base64(0x04 || key)`.
    pub fn parse(vkey: &str) -> Result<Self, CosignatureError> {
        let bad = |reason| CosignatureError::BadKey(vkey.to_owned(), reason);
        let key = VerifierKey::parse(vkey).map_err(bad)?;
        if key.signature_type != COSIGNATURE_V1 {
            return Err(bad("its type byte is not 0x04, an Ed25519 cosignature v1"));
        }
        Ok(Self { name: key.name, key_id: key.key_id, public_key: key.public_key })
    }

    /// The key of a witness called `name`.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, CosignatureError> {
        if !note::is_valid_name(name) {
            return Err(CosignatureError::BadKey(
                name.to_owned(),
                "the name is empty or holds a space or a plus sign",
            ));
        }
        let key_id = note::key_id(name, COSIGNATURE_V1, &public_key);
        Ok(Self { name: name.to_owned(), key_id, public_key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.public_key
    }

    /// Whether a signature line claims to be this witness's (name and key ID), the spec's test
    /// for which lines to check and which to ignore.
    pub fn claims(&self, line: &NoteSignature) -> bool {
        line.name == self.name && line.key_id == self.key_id
    }

    /// Checks a line this witness [`claims`](Self::claims) against the note text `text`, and
    /// returns the cosignature's timestamp.
    pub fn verify(&self, text: &str, line: &NoteSignature) -> Result<u64, CosignatureError> {
        let (timestamp, signature) = match line.signature.split_at_checked(8) {
            Some((timestamp, signature)) if signature.len() == 64 => (timestamp, signature),
            _ => return Err(CosignatureError::Malformed { witness: self.name.clone() }),
        };
        let timestamp = u64::from_be_bytes(timestamp.try_into().expect("8 bytes"));
        let signature: &[u8; 64] = signature.try_into().expect("64 bytes");
        if timestamp > i64::MAX as u64
            || !self.claims(line)
            || !signature::verify(&self.public_key, cosigned_message(text, timestamp).as_bytes(), signature)
        {
            return Err(CosignatureError::BadSignature { witness: self.name.clone() });
        }
        Ok(timestamp)
    }
}

impl std::fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            signature_type: COSIGNATURE_V1,
            public_key: self.public_key,
        };
        write!(f, "{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::note::SignedNote;

    const TEXT: &str = "example.com/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

    fn witness() -> Cosigner {
        Cosigner::from_secret("witness.example/w1", &[9; 32]).unwrap()
    }

    fn line_of(note_line: &str) -> NoteSignature {
        let note = format!("{TEXT}\n{note_line}");
        SignedNote::parse(note.as_bytes()).unwrap().signatures.remove(0)
    }

    #[test]
    fn a_cosignature_verifies_with_its_timestamp_and_key() {
        let witness = witness();
        let key = WitnessKey::parse(&witness.verifier_key()).unwrap();
        let line = line_of(&witness.cosign(TEXT, 1_790_000_123));
        assert!(key.claims(&line));
        assert_eq!(line.signature.len(), 72);
        assert_eq!(key.verify(TEXT, &line), Ok(1_790_000_123));
        assert_eq!(key.to_string(), witness.verifier_key());
    }

    #[test]
    fn a_cosignature_over_other_text_or_time_or_by_another_key_fails() {
        let witness = witness();
        let key = WitnessKey::parse(&witness.verifier_key()).unwrap();
        let mut line = line_of(&witness.cosign(TEXT, 5));
        assert!(key.verify(&TEXT.replace("\n5\n", "\n6\n"), &line).is_err());
        line.signature[7] ^= 1;
        assert!(key.verify(TEXT, &line).is_err());
        let other = Cosigner::from_secret("witness.example/w1", &[8; 32]).unwrap();
        let foreign = line_of(&other.cosign(TEXT, 5));
        assert!(!key.claims(&foreign), "another key has another key ID");
        let mut short = line_of(&witness.cosign(TEXT, 5));
        short.signature.truncate(71);
        assert_eq!(
            key.verify(TEXT, &short),
            Err(CosignatureError::Malformed { witness: "witness.example/w1".into() })
        );
    }

    #[test]
    fn the_signed_message_is_the_specs() {
        assert_eq!(cosigned_message(TEXT, 1_679_315_147), format!("cosignature/v1\ntime 1679315147\n{TEXT}"));
    }

    #[test]
    fn a_log_key_is_not_a_witness_key() {
        let vkey = note::ed25519_verifier_key("example.com/log", &[1; 32]);
        assert!(matches!(WitnessKey::parse(&vkey), Err(CosignatureError::BadKey(..))));
    }
}
