//! Purse certificates: the ledger's signed statement that a wallet may spend up to an amount
//! offline, until an expiry. The receiver of an offline transfer checks it against the ledger key
//! it pinned at enrolment, so a cheater's loss is capped by what the ledger chose to issue.

use ed25519_dalek::SigningKey;

use super::{
    Kind, MAX_MEMBER_ID, MessageId, ProtocolError, Signed, check_len, read_amount, read_currency, read_time,
    write_currency, write_time,
};
use crate::money::Amount;

const KIND: Kind = Kind { domain: "outpost/purse-certificate/v1", name: "purse certificate", version: 1 };

/// What the ledger grants: the fields of a purse certificate before signing.
///
/// The purse id and the chain start are not fields: both are the certificate's id (a hash of the
/// signed certificate), so they cannot disagree with it and cost no QR bytes. The ledger makes
/// ids unique by never issuing the same `serial` twice to one wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurseTerms {
    /// The wallet's Ed25519 key: the only key whose transfers spend this purse.
    pub wallet_key: [u8; 32],
    /// The ledger's count of purses issued to this wallet: 1 for the first, then 2, 3, …
    pub serial: u32,
    pub member_id: String,
    /// The most that transfers from this purse may add up to.
    pub amount: Amount,
    /// Ledger time (Unix seconds) of issue, and the time after which receivers refuse the purse.
    pub issued_at: u64,
    pub expires_at: u64,
}

/// A purse certificate as carried inside every transfer. Its fields are only trustworthy after
/// [`PurseCertificate::verify`] against the pinned ledger key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurseCertificate {
    terms: PurseTerms,
    signed: Signed,
}

impl PurseTerms {
    fn encode(&self) -> Result<Vec<u8>, ProtocolError> {
        check_len("member id", &self.member_id, MAX_MEMBER_ID)?;
        if self.expires_at <= self.issued_at {
            return Err(ProtocolError::Invalid { message: KIND.name, reason: "expires before it is issued" });
        }
        let mut w = KIND.writer();
        w.fixed(&self.wallet_key).u32(self.serial).short_text(&self.member_id);
        write_currency(&mut w, self.amount.currency());
        w.u64(self.amount.minor());
        write_time(&mut w, KIND.name, self.issued_at)?;
        write_time(&mut w, KIND.name, self.expires_at)?;
        Ok(w.finish())
    }
}

impl PurseCertificate {
    pub fn terms(&self) -> &PurseTerms {
        &self.terms
    }

    pub fn id(&self) -> MessageId {
        self.signed.id(&KIND)
    }

    /// The purse's id, under which the ledger and receivers track its transfers: the
    /// certificate's id.
    pub fn purse_id(&self) -> MessageId {
        self.id()
    }

    /// The `previous` hash the purse's first transfer carries: the certificate's id, which ties
    /// the whole chain to this one grant.
    pub fn chain_start(&self) -> [u8; 32] {
        self.id()
    }

    /// `body || signature`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let (signed, mut r) = Signed::parse(&KIND, bytes)?;
        let m = KIND.malformed();
        let wallet_key = r.array("wallet key").map_err(&m)?;
        let serial = r.u32("purse serial").map_err(&m)?;
        let member_id = r.short_text("member id", MAX_MEMBER_ID).map_err(&m)?.to_owned();
        let currency = read_currency(&mut r).map_err(&m)?;
        let amount = read_amount(&mut r, currency, "purse amount").map_err(&m)?;
        let issued_at = read_time(&mut r, "issue time").map_err(&m)?;
        let expires_at = read_time(&mut r, "expiry").map_err(&m)?;
        r.finish().map_err(&m)?;
        let terms = PurseTerms { wallet_key, serial, member_id, amount, issued_at, expires_at };
        Ok(Self { terms, signed })
    }

    /// Checks the ledger's signature with the ledger key the wallet pinned at enrolment.
    pub fn verify(&self, ledger_key: &[u8; 32]) -> Result<(), ProtocolError> {
        self.signed.verify(&KIND, ledger_key)
    }
}

/// The ledger's signing key, as far as the protocol needs it: issuing purse certificates. It
/// lives here so the ledger and the tests issue purses with the very code wallets verify.
pub struct LedgerSigner {
    pub(super) key: SigningKey,
}

impl LedgerSigner {
    /// A fresh ledger key from the OS CSPRNG.
    pub fn generate() -> Result<Self, crate::vault::VaultError> {
        let mut secret = zeroize::Zeroizing::new([0u8; 32]);
        crate::vault::random_bytes(secret.as_mut())?;
        Ok(Self::from_secret(&secret))
    }

    pub fn from_secret(secret: &[u8; 32]) -> Self {
        Self { key: SigningKey::from_bytes(secret) }
    }

    /// The secret key, for the ledger to keep in its key file. Zeroized when dropped.
    pub fn export_secret(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.key.to_bytes())
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn issue(&self, terms: PurseTerms) -> Result<PurseCertificate, ProtocolError> {
        let signed = Signed::sign(&KIND, terms.encode()?, &self.key);
        Ok(PurseCertificate { terms, signed })
    }
}

impl std::fmt::Debug for LedgerSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LedgerSigner(public {:02x?}…)", &self.public_key()[..4])
    }
}
