//! Sealed envelopes: a payload only the holder of one X25519 key can open.
//!
//! A transfer shown as a QR code can be photographed by anyone nearby, so it travels sealed to
//! the receiver's X25519 key from the payment request:
//!
//! ```text
//! e            = fresh X25519 secret, used once
//! shared       = X25519(e, recipient)                (refused if non-contributory)
//! key          = HKDF-SHA256(salt = E || R, ikm = shared, info = "outpost/envelope/v1" || purpose)
//! envelope     = version (1) || E (32) || ChaCha20-Poly1305(key, nonce = 0, aad = version || purpose)
//! ```
//!
//! The all-zero nonce is safe because every envelope derives a fresh key from a fresh ephemeral
//! secret; the purpose string keeps an envelope made for one message type from opening as another.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use thiserror::Error;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use crate::encoding::Writer;
use crate::identity::Identity;
use crate::vault::random_bytes;

const VERSION: u8 = 1;
const HEADER: usize = 1 + 32;
const TAG: usize = 16;

/// Bytes an envelope adds to its payload.
pub const OVERHEAD: usize = HEADER + TAG;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    #[error("sealed payload too short to be an envelope ({len} bytes)")]
    Truncated { len: usize },
    #[error("unsupported envelope version {found}")]
    UnsupportedVersion { found: u8 },
    #[error("this payload is not sealed to this wallet, or it was altered")]
    NotForMe,
    #[error("the recipient key is not a usable X25519 key")]
    BadRecipientKey,
    #[error("the system random number generator failed")]
    Random,
}

fn derive_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
    purpose: &str,
) -> Zeroizing<[u8; 32]> {
    let salt = [ephemeral.as_slice(), recipient].concat();
    let info = Writer::new().text("outpost/envelope/v1").text(purpose).finish();
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(&salt), shared)
        .expand(&info, key.as_mut())
        .expect("32 bytes is a valid HKDF length");
    key
}

fn aad(purpose: &str) -> Vec<u8> {
    Writer::new().u8(VERSION).text(purpose).finish()
}

/// Seals `plaintext` for the holder of the X25519 key `recipient`.
pub fn seal(recipient: &[u8; 32], purpose: &str, plaintext: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let mut secret = Zeroizing::new([0u8; 32]);
    random_bytes(secret.as_mut()).map_err(|_| EnvelopeError::Random)?;
    let ephemeral = StaticSecret::from(*secret);
    let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
    let shared = ephemeral.diffie_hellman(&PublicKey::from(*recipient));
    if !shared.was_contributory() {
        return Err(EnvelopeError::BadRecipientKey);
    }
    let key = derive_key(shared.as_bytes(), &ephemeral_public, recipient, purpose);
    let ciphertext = ChaCha20Poly1305::new(&(*key).into())
        .encrypt(&Nonce::default(), Payload { msg: plaintext, aad: &aad(purpose) })
        .map_err(|_| EnvelopeError::Random)?;
    let mut out = Vec::with_capacity(HEADER + ciphertext.len());
    out.push(VERSION);
    out.extend_from_slice(&ephemeral_public);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens an envelope sealed to `recipient`'s X25519 key for `purpose`.
pub fn open(recipient: &Identity, purpose: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    if sealed.len() < OVERHEAD {
        return Err(EnvelopeError::Truncated { len: sealed.len() });
    }
    if sealed[0] != VERSION {
        return Err(EnvelopeError::UnsupportedVersion { found: sealed[0] });
    }
    let ephemeral: [u8; 32] = sealed[1..HEADER].try_into().expect("32 bytes");
    let shared = recipient.agreement_secret().diffie_hellman(&PublicKey::from(ephemeral));
    if !shared.was_contributory() {
        return Err(EnvelopeError::NotForMe);
    }
    let key = derive_key(shared.as_bytes(), &ephemeral, &recipient.public().agreement_key, purpose);
    ChaCha20Poly1305::new(&(*key).into())
        .decrypt(&Nonce::default(), Payload { msg: &sealed[HEADER..], aad: &aad(purpose) })
        .map(Zeroizing::new)
        .map_err(|_| EnvelopeError::NotForMe)
}
