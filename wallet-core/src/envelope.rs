//! Sealed envelopes: a payload only the holder of one X25519 key can open.
//!
//! A transfer shown as a QR code can be photographed by anyone nearby, so it travels sealed to
//! the receiver's X25519 key from the payment request:
//!
//! ```text
//! e            = fresh X25519 secret, used once
//! shared       = X25519(e, recipient)                (refused if non-contributory)
//! key          = HKDF-SHA256(salt = E || R, ikm = shared, info = "outpost/envelope/v2" || purpose)
//! check        = first 2 bytes of HKDF-SHA256(same salt and ikm, info = "outpost/envelope/v2/recipient" || purpose)
//! envelope     = version (2) || E (32) || check (2)
//!                || ChaCha20-Poly1305(key, nonce = 0, aad = version || check || purpose)
//! ```
//!
//! The all-zero nonce is safe because every envelope derives a fresh key from a fresh ephemeral
//! secret; the purpose string keeps an envelope made for one message type from opening as another.
//!
//! **The recipient check** lets a phone tell "this was sealed to another wallet" from "this was
//! altered": the receiver derives the check from its own shared secret first. A different check
//! means another recipient (or an altered ephemeral key, which looks the same to anyone but the
//! sender); the same check and a failing tag mean the sealed bytes were altered. Two bytes leave
//! a 1 in 65,536 chance that another wallet's envelope is called altered instead, which changes
//! only the words; they cost 2 of the 5 bytes the transfer's QR budget had spare. The check is a
//! pseudorandom function of the shared secret, so it tells an onlooker nothing about the
//! recipient. Version 1 envelopes (no check) still open; their failure keeps the old words,
//! which cannot say which of the two happened.

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

/// The version [`seal`] writes.
const VERSION: u8 = 2;
/// Envelopes from before the recipient check, still opened.
const VERSION_WITHOUT_CHECK: u8 = 1;
const EPHEMERAL: usize = 32;
const CHECK: usize = 2;
const HEADER: usize = 1 + EPHEMERAL + CHECK;
const TAG: usize = 16;

/// Bytes an envelope adds to its payload.
pub const OVERHEAD: usize = HEADER + TAG;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    #[error("the sealed code is cut short ({len} bytes): scan the whole code again")]
    Truncated { len: usize },
    #[error(
        "this code was sealed by a newer Outpost app (envelope version {found}): update the app to read it"
    )]
    UnsupportedVersion { found: u8 },
    #[error(
        "this code is sealed to another wallet: it was not meant for you, so ask the payer to pay your own request"
    )]
    NotForMe,
    #[error(
        "this code was altered or damaged after it was sealed: scan it again, or ask the payer to show it again"
    )]
    Altered,
    #[error(
        "this code, from an older Outpost app, is sealed to another wallet or was altered: check it was meant for you and scan it again"
    )]
    NotForMeOrAltered,
    #[error(
        "the receiver's key in this code is not usable (not an X25519 key): ask the receiver to show their code again"
    )]
    BadRecipientKey,
    #[error("the device's random number generator failed: restart the device and try again")]
    Random,
}

/// The AEAD key, and the recipient check (empty for version 1), for one envelope.
struct Keys {
    key: Zeroizing<[u8; 32]>,
    check: [u8; CHECK],
}

fn derive(version: u8, shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32], purpose: &str) -> Keys {
    let salt = [ephemeral.as_slice(), recipient].concat();
    let hkdf = Hkdf::<Sha256>::new(Some(&salt), shared);
    let label = if version == VERSION_WITHOUT_CHECK { "outpost/envelope/v1" } else { "outpost/envelope/v2" };
    let mut key = Zeroizing::new([0u8; 32]);
    hkdf.expand(&Writer::new().text(label).text(purpose).finish(), key.as_mut())
        .expect("32 bytes is a valid HKDF length");
    let mut check = [0u8; CHECK];
    hkdf.expand(&Writer::new().text("outpost/envelope/v2/recipient").text(purpose).finish(), &mut check)
        .expect("2 bytes is a valid HKDF length");
    Keys { key, check }
}

fn aad(version: u8, check: &[u8], purpose: &str) -> Vec<u8> {
    let mut writer = Writer::new();
    writer.u8(version);
    if version != VERSION_WITHOUT_CHECK {
        writer.bytes(check);
    }
    writer.text(purpose).finish()
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
    let Keys { key, check } = derive(VERSION, shared.as_bytes(), &ephemeral_public, recipient, purpose);
    let ciphertext = ChaCha20Poly1305::new(&(*key).into())
        .encrypt(&Nonce::default(), Payload { msg: plaintext, aad: &aad(VERSION, &check, purpose) })
        .map_err(|_| EnvelopeError::Random)?;
    let mut out = Vec::with_capacity(HEADER + ciphertext.len());
    out.push(VERSION);
    out.extend_from_slice(&ephemeral_public);
    out.extend_from_slice(&check);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens an envelope sealed to `recipient`'s X25519 key for `purpose`.
///
/// Tells apart, for envelopes of version 2: sealed to another wallet ([`EnvelopeError::NotForMe`])
/// and altered ([`EnvelopeError::Altered`]); a version this app does not know yet
/// ([`EnvelopeError::UnsupportedVersion`]) from a damaged version byte (0, also `Altered`).
pub fn open(recipient: &Identity, purpose: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    let version = *sealed.first().ok_or(EnvelopeError::Truncated { len: 0 })?;
    let header = match version {
        VERSION_WITHOUT_CHECK => 1 + EPHEMERAL,
        VERSION => HEADER,
        0 => return Err(EnvelopeError::Altered),
        found => return Err(EnvelopeError::UnsupportedVersion { found }),
    };
    if sealed.len() < header + TAG {
        return Err(EnvelopeError::Truncated { len: sealed.len() });
    }
    let ephemeral: [u8; 32] = sealed[1..1 + EPHEMERAL].try_into().expect("32 bytes");
    let not_for_me =
        if version == VERSION { EnvelopeError::NotForMe } else { EnvelopeError::NotForMeOrAltered };
    let shared = recipient.agreement_secret().diffie_hellman(&PublicKey::from(ephemeral));
    if !shared.was_contributory() {
        return Err(not_for_me);
    }
    let keys = derive(version, shared.as_bytes(), &ephemeral, &recipient.public().agreement_key, purpose);
    let check = &sealed[1 + EPHEMERAL..header];
    if version == VERSION && check != keys.check {
        return Err(EnvelopeError::NotForMe);
    }
    let altered = if version == VERSION { EnvelopeError::Altered } else { EnvelopeError::NotForMeOrAltered };
    ChaCha20Poly1305::new(&(*keys.key).into())
        .decrypt(&Nonce::default(), Payload { msg: &sealed[header..], aad: &aad(version, check, purpose) })
        .map(Zeroizing::new)
        .map_err(|_| altered)
}

/// Seals as version 1 did, without the recipient check: for tests that show such envelopes
/// still open.
#[doc(hidden)]
pub fn seal_version_1(
    recipient: &[u8; 32],
    purpose: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, EnvelopeError> {
    let mut secret = Zeroizing::new([0u8; 32]);
    random_bytes(secret.as_mut()).map_err(|_| EnvelopeError::Random)?;
    let ephemeral = StaticSecret::from(*secret);
    let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
    let shared = ephemeral.diffie_hellman(&PublicKey::from(*recipient));
    let keys = derive(VERSION_WITHOUT_CHECK, shared.as_bytes(), &ephemeral_public, recipient, purpose);
    let ciphertext = ChaCha20Poly1305::new(&(*keys.key).into())
        .encrypt(
            &Nonce::default(),
            Payload { msg: plaintext, aad: &aad(VERSION_WITHOUT_CHECK, &[], purpose) },
        )
        .map_err(|_| EnvelopeError::Random)?;
    Ok([&[VERSION_WITHOUT_CHECK][..], &ephemeral_public, &ciphertext].concat())
}
