//! The protocol's one rule for accepting an Ed25519 signature, checked one at a time or many
//! together with the same answer.
//!
//! A signature `(R, s)` by key `A` on message `M` is accepted when:
//!
//! 1. `A` and `R` are canonical encodings (`y < p`) of curve points, neither of small order;
//! 2. `s` is canonical (`s < ℓ`);
//! 3. `[8][s]B = [8]R + [8][k]A`, with `k = SHA-512(R ‖ A ‖ M)`.
//!
//! Point 3 is RFC 8032's own verification equation (section 5.1.7), the one it calls sufficient.
//! The cofactor-free shortcut `[s]B = R + [k]A` that RFC 8032 also allows, and that
//! `ed25519-dalek`'s `verify_strict` checks, gives a different answer for a signature whose `R`
//! carries a torsion component; only the key's holder can make one, but such a signature would
//! pass a batch and fail one by one. With the cofactor in the equation the two always agree
//! (docs/adr/0009-one-signature-rule-checked-in-batches.md), which is what lets the ledger check a
//! sync's worth of transfers as one multi-scalar multiplication and lets an auditor trust that
//! every signature in its log passes the same check on a phone.
//!
//! Point 1 keeps what the strict check added: a small-order key would verify signatures on any
//! message, and only one encoding of each point is accepted. Both tests read the bytes alone, so
//! they cost no point decompression. Points 2 and 3 are `ed25519-zebra`'s single and batch
//! verification (ZIP 215), whose batch is guaranteed to agree with its single check.

use std::sync::OnceLock;

use curve25519_dalek::constants::EIGHT_TORSION;
use ed25519_zebra::batch;
use ed25519_zebra::{Signature, VerificationKey, VerificationKeyBytes};
use sha2::{Digest, Sha512};

/// Whether `signature` is a signature by `key` on `message` under the protocol's rule.
pub fn verify(key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let signature = Signature::from_bytes(signature);
    acceptable_point(key)
        && acceptable_point(signature.r_bytes())
        && VerificationKey::try_from(*key).is_ok_and(|key| key.verify(&signature, message).is_ok())
}

/// Signatures checked together: [`Batch::verify`] is `true` exactly when [`verify`] accepts every
/// queued signature (a wrong answer has probability below 2⁻¹²⁸). Signatures by the same key
/// share one term of the equation, so a batch from few signers costs less still. When it is
/// `false`, check them one by one to learn which failed.
#[derive(Default)]
pub struct Batch {
    inner: batch::Verifier,
    /// A queued key or `R` failed the byte checks, so the batch cannot pass.
    refused: bool,
    len: usize,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn queue(&mut self, key: &[u8; 32], message: &[u8], signature: &[u8; 64]) {
        let signature = Signature::from_bytes(signature);
        self.len += 1;
        if !acceptable_point(key) || !acceptable_point(signature.r_bytes()) {
            self.refused = true;
            return;
        }
        if !self.refused {
            self.inner.queue((VerificationKeyBytes::from(*key), signature, message));
        }
    }

    /// Signatures queued so far.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `true` when every queued signature is accepted. Also `false` when the system's random
    /// source fails, since the batch's coefficients must be unpredictable to the signers.
    pub fn verify(self) -> bool {
        if self.refused {
            return false;
        }
        if self.len == 0 {
            return true;
        }
        match Coefficients::seeded() {
            Some(coefficients) => self.inner.verify(coefficients).is_ok(),
            None => false,
        }
    }
}

/// A canonical encoding (`y < p`) of a point whose `y` is not that of a point of small order.
/// Whether the bytes are on the curve at all is left to the decompression that follows.
fn acceptable_point(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    y[31] &= 0x7f;
    // p = 2²⁵⁵ − 19: y is non-canonical when it is p or more, that is 0x7fff…ffed to 0x7fff…ffff.
    let non_canonical = y[0] >= 0xed && y[1..31].iter().all(|&b| b == 0xff) && y[31] == 0x7f;
    // The sign bit is ignored on purpose: a point and its negation have the same order, and the
    // only points with x = 0 (where a set sign bit would be a second encoding) have small order.
    !non_canonical && !small_order_ys().contains(&y)
}

/// The `y` coordinates (sign bit clear) of the eight points of small order.
fn small_order_ys() -> &'static [[u8; 32]] {
    static YS: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    YS.get_or_init(|| {
        let mut ys: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|point| {
                let mut y = point.compress().to_bytes();
                y[31] &= 0x7f;
                y
            })
            .collect();
        ys.sort_unstable();
        ys.dedup();
        ys
    })
}

/// The batch's random coefficients: SHA-512 of a fresh 32-byte seed from the system and a block
/// counter. One system call per batch instead of one per signature.
struct Coefficients {
    seed: [u8; 32],
    counter: u64,
    block: [u8; 64],
    used: usize,
}

impl Coefficients {
    fn seeded() -> Option<Self> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).ok()?;
        Some(Self { seed, counter: 0, block: [0; 64], used: 64 })
    }
}

impl rand_core::TryRng for Coefficients {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dst {
            if self.used == self.block.len() {
                let mut hash = Sha512::new();
                hash.update(b"outpost/batch-coefficients/v1");
                hash.update(self.seed);
                hash.update(self.counter.to_le_bytes());
                self.block = hash.finalize().into();
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for Coefficients {}

impl Drop for Coefficients {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.seed);
        zeroize::Zeroize::zeroize(&mut self.block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;
    use ed25519_dalek::{Signer, SigningKey};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn k(r: &[u8; 32], a: &[u8; 32], message: &[u8]) -> Scalar {
        let mut h = Sha512::new();
        h.update(r);
        h.update(a);
        h.update(message);
        Scalar::from_bytes_mod_order_wide(&h.finalize().into())
    }

    /// A signature made by hand with secret scalar `a` for public point `a_point` (which may
    /// carry torsion), nonce `r` and an extra torsion point added to `R`.
    fn crafted(
        a: Scalar,
        a_point: EdwardsPoint,
        r: Scalar,
        torsion: EdwardsPoint,
        message: &[u8],
    ) -> ([u8; 32], [u8; 64]) {
        let big_r = (&r * ED25519_BASEPOINT_TABLE + torsion).compress().to_bytes();
        let a_bytes = a_point.compress().to_bytes();
        let s = r + k(&big_r, &a_bytes, message) * a;
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&big_r);
        signature[32..].copy_from_slice(s.as_bytes());
        (a_bytes, signature)
    }

    fn batch_of(items: &[([u8; 32], Vec<u8>, [u8; 64])]) -> bool {
        let mut batch = Batch::new();
        for (key, message, signature) in items {
            batch.queue(key, message, signature);
        }
        batch.verify()
    }

    #[test]
    fn an_honest_signature_passes_alone_and_in_a_batch_and_nothing_else_does() {
        let signer = key(7);
        let a = signer.verifying_key().to_bytes();
        let signature = signer.sign(b"pay 10").to_bytes();
        assert!(verify(&a, b"pay 10", &signature));
        assert!(!verify(&a, b"pay 11", &signature));
        assert!(!verify(&key(8).verifying_key().to_bytes(), b"pay 10", &signature));
        for byte in 0..64 {
            let mut altered = signature;
            altered[byte] ^= 0x01;
            assert!(!verify(&a, b"pay 10", &altered), "byte {byte} altered");
        }
        assert!(batch_of(&[(a, b"pay 10".to_vec(), signature)]));
        assert!(!batch_of(&[(a, b"pay 11".to_vec(), signature)]));
    }

    #[test]
    fn a_signature_with_s_not_reduced_is_refused() {
        let signer = key(3);
        let a = signer.verifying_key().to_bytes();
        let mut signature = signer.sign(b"m").to_bytes();
        // s + ℓ encodes the same scalar, as a second signature for the same message.
        let ell = Scalar::ZERO - Scalar::ONE;
        let s = Scalar::from_canonical_bytes(signature[32..].try_into().unwrap()).unwrap();
        let mut wide = [0u8; 32];
        let (sum, mut carry) = (s.as_bytes(), 0u16);
        for i in 0..32 {
            let v = u16::from(sum[i]) + u16::from(ell.as_bytes()[i]) + carry + u16::from(i == 0);
            wide[i] = v as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0, "s + ℓ fits 256 bits for this signature");
        signature[32..].copy_from_slice(&wide);
        assert!(!verify(&a, b"m", &signature));
        assert!(!batch_of(&[(a, b"m".to_vec(), signature)]));
    }

    #[test]
    fn keys_and_nonces_of_small_order_are_refused_in_every_encoding() {
        let message = b"anything at all";
        let signer = key(9);
        let a_scalar = signer.to_scalar();
        for torsion in EIGHT_TORSION {
            // A small-order key A with R = [r]B and s = r: the cofactor clears [k]A, so the
            // equation holds for any message. Exactly what the byte checks are there to refuse.
            let r = Scalar::from(777u64);
            let mut signature = [0u8; 64];
            signature[..32].copy_from_slice(&(&r * ED25519_BASEPOINT_TABLE).compress().to_bytes());
            signature[32..].copy_from_slice(r.as_bytes());
            let a = torsion.compress().to_bytes();
            assert!(!verify(&a, message, &signature));
            assert!(!batch_of(&[(a, message.to_vec(), signature)]));
            let mut flipped = a;
            flipped[31] ^= 0x80;
            assert!(!acceptable_point(&a) && !acceptable_point(&flipped));
            // R of small order, from an honest key.
            let (a, signature) =
                crafted(a_scalar, signer.verifying_key().to_edwards(), Scalar::ZERO, torsion, message);
            assert!(!verify(&a, message, &signature));
            assert!(!batch_of(&[(a, message.to_vec(), signature)]));
        }
    }

    #[test]
    fn a_non_canonical_encoding_is_refused() {
        // y from p to 2²⁵⁵ − 1: second encodings of y − p, refused whatever point they reduce to.
        for low in [0xed_u8, 0xee, 0xf0, 0xff] {
            let mut y = [0xff_u8; 32];
            y[0] = low;
            y[31] = 0x7f;
            assert!(!acceptable_point(&y), "y = {low:#x}…");
        }
        let mut minus_two = [0xff_u8; 32];
        minus_two[0] = 0xeb;
        minus_two[31] = 0x7f;
        assert!(acceptable_point(&minus_two), "p − 2 is canonical");
        let mut minus_one = minus_two;
        minus_one[0] = 0xec;
        assert!(!acceptable_point(&minus_one), "p − 1 is the y of the point of order 2");
        assert_eq!(small_order_ys().len(), 5, "y = 1, −1, 0 and the two of the points of order 8");
    }

    #[test]
    fn a_nonce_with_a_torsion_component_is_accepted_alone_and_in_a_batch_alike() {
        // The one difference from a cofactor-free check, and only the key's holder can make it:
        // both ways of checking must give the same answer.
        let signer = key(11);
        let message = b"transfer".to_vec();
        for torsion in EIGHT_TORSION.iter().skip(1) {
            let (a, signature) = crafted(
                signer.to_scalar(),
                signer.verifying_key().to_edwards(),
                Scalar::from(12345u64),
                *torsion,
                &message,
            );
            assert!(acceptable_point(&signature[..32].try_into().unwrap()));
            assert!(verify(&a, &message, &signature), "the cofactored equation holds");
            assert!(batch_of(&[(a, message.clone(), signature)]));
            let honest = signer.sign(b"other").to_bytes();
            assert!(batch_of(&[(a, message.clone(), signature), (a, b"other".to_vec(), honest)]));
            // ed25519-dalek's strict check, without the cofactor, refuses it.
            let dalek = ed25519_dalek::VerifyingKey::from_bytes(&a).unwrap();
            assert!(
                dalek.verify_strict(&message, &ed25519_dalek::Signature::from_bytes(&signature)).is_err()
            );
        }
    }

    #[test]
    fn one_wrong_signature_fails_the_whole_batch() {
        let signers = [key(5), key(6), key(7)];
        let items: Vec<([u8; 32], Vec<u8>, [u8; 64])> = (0..40u8)
            .map(|i| {
                let signer = &signers[usize::from(i) % 3];
                let message = vec![i; 1 + usize::from(i)];
                (signer.verifying_key().to_bytes(), message.clone(), signer.sign(&message).to_bytes())
            })
            .collect();
        assert!(batch_of(&items));
        assert!(batch_of(&[]));
        for (which, byte) in [(0, 0), (17, 40), (39, 63)] {
            let mut altered = items.clone();
            altered[which].2[byte] ^= 0x10;
            assert!(!batch_of(&altered), "signature {which}, byte {byte}");
            let mut other_message = items.clone();
            other_message[which].1.push(0);
            assert!(!batch_of(&other_message));
            let mut other_key = items.clone();
            other_key[which].0 = signers[(which + 1) % 3].verifying_key().to_bytes();
            assert!(!batch_of(&other_key));
        }
    }

    #[test]
    fn a_key_off_the_curve_is_refused() {
        let signer = key(1);
        let signature = signer.sign(b"m").to_bytes();
        let off = (2u8..=255)
            .map(|b| [b; 32])
            .find(|bytes| CompressedEdwardsY(*bytes).decompress().is_none())
            .unwrap();
        assert!(!verify(&off, b"m", &signature));
        assert!(!batch_of(&[(off, b"m".to_vec(), signature)]));
    }
}
