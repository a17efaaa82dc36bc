//! The wallet's identity: an Ed25519 key that signs, and an X25519 key that others seal to.
//!
//! Both secrets are made on the device from the OS CSPRNG, live in memory only while the wallet
//! is unlocked, are zeroized on drop, and are written to disk only inside a sealed row. The
//! public half is stored in clear so the app can show who the wallet is before unlocking; after
//! each unlock the wallet re-derives it from the secrets and refuses a file where they differ.

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey as AgreementPublic, StaticSecret};
use zeroize::Zeroizing;

use crate::encoding::{DecodeError, Reader, Writer};
use crate::vault::{VaultError, random_bytes};

const SECRET_VERSION: u8 = 1;

/// The secret keys. `Debug` prints only the public half.
pub struct Identity {
    signing: SigningKey,
    agreement: StaticSecret,
    /// Derived once from the secrets: the X25519 half costs a scalar multiplication, and every
    /// transfer, receipt and envelope opening asks for the public keys.
    public: PublicIdentity,
}

impl Identity {
    pub fn generate() -> Result<Self, VaultError> {
        let mut seed = Zeroizing::new([0u8; 64]);
        random_bytes(seed.as_mut())?;
        let (sign_seed, agree_seed) = seed.split_at(32);
        let signing = SigningKey::from_bytes(sign_seed.try_into().expect("32 bytes"));
        let agreement = StaticSecret::from(<[u8; 32]>::try_from(agree_seed).expect("32 bytes"));
        Ok(Self::from_secrets(signing, agreement))
    }

    fn from_secrets(signing: SigningKey, agreement: StaticSecret) -> Self {
        let public = PublicIdentity {
            signing_key: signing.verifying_key().to_bytes(),
            agreement_key: AgreementPublic::from(&agreement).to_bytes(),
        };
        Self { signing, agreement, public }
    }

    pub fn public(&self) -> PublicIdentity {
        self.public
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    pub(crate) fn agreement_secret(&self) -> &StaticSecret {
        &self.agreement
    }

    /// The sealed-row plaintext: `version || ed25519 seed || x25519 secret`.
    pub(crate) fn encode_secret(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::new();
        w.u8(SECRET_VERSION).fixed(self.signing.as_bytes()).fixed(self.agreement.as_bytes());
        Zeroizing::new(w.finish())
    }

    pub(crate) fn decode_secret(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        r.version("identity", SECRET_VERSION)?;
        let sign = Zeroizing::new(r.array::<32>("signing key")?);
        let agree = Zeroizing::new(r.array::<32>("agreement key")?);
        r.finish()?;
        Ok(Self::from_secrets(SigningKey::from_bytes(&sign), StaticSecret::from(*agree)))
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").field("public", &self.public()).field("secrets", &"<redacted>").finish()
    }
}

/// Public keys of a wallet: safe to show, store and send.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicIdentity {
    pub signing_key: [u8; 32],
    pub agreement_key: [u8; 32],
}

impl PublicIdentity {
    /// A short code two people can read to each other to check they have the right wallet:
    /// the first 80 bits of SHA-256 over both keys, in base32, grouped by four
    /// (e.g. `K3QF-7ZPA-M2XD-QV4B`; base32 has no 0/1/8/9, so no O/I/B look-alikes).
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(b"outpost/fingerprint/v1");
        hash.update(self.signing_key);
        hash.update(self.agreement_key);
        let digest = hash.finalize();
        let text = data_encoding::BASE32_NOPAD.encode(&digest[..10]);
        text.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ascii"))
            .collect::<Vec<_>>()
            .join("-")
    }
}

impl std::fmt::Debug for PublicIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicIdentity({})", self.fingerprint())
    }
}
