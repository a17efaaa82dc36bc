//! Enrolment requests: the wallet's public keys and the member id it is being enrolled for,
//! signed by the wallet so the officer's scan proves the wallet holds the key it presents.

use super::{Kind, MAX_MEMBER_ID, MessageId, ProtocolError, Signed, check_len, read_time, write_time};
use crate::identity::{Identity, PublicIdentity};

const KIND: Kind = Kind { domain: "outpost/enrolment-request/v1", name: "enrolment request", version: 1 };

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRequest {
    pub member_id: String,
    pub identity: PublicIdentity,
    pub created_at: u64,
    signed: Signed,
}

impl EnrolmentRequest {
    pub fn sign(wallet: &Identity, member_id: &str, created_at: u64) -> Result<Self, ProtocolError> {
        check_len("member id", member_id, MAX_MEMBER_ID)?;
        if member_id.is_empty() {
            return Err(ProtocolError::Invalid { message: KIND.name, reason: "the member id is empty" });
        }
        let identity = wallet.public();
        let mut w = KIND.writer();
        w.short_text(member_id).fixed(&identity.signing_key).fixed(&identity.agreement_key);
        write_time(&mut w, KIND.name, created_at)?;
        let signed = Signed::sign(&KIND, w.finish(), wallet.signing_key());
        Ok(Self { member_id: member_id.to_owned(), identity, created_at, signed })
    }

    pub fn id(&self) -> MessageId {
        self.signed.id(&KIND)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let (signed, mut r) = Signed::parse(&KIND, bytes)?;
        let m = KIND.malformed();
        let member_id = r.short_text("member id", MAX_MEMBER_ID).map_err(&m)?.to_owned();
        let signing_key = r.array("signing key").map_err(&m)?;
        let agreement_key = r.array("agreement key").map_err(&m)?;
        let created_at = read_time(&mut r, "time").map_err(&m)?;
        r.finish().map_err(&m)?;
        let identity = PublicIdentity { signing_key, agreement_key };
        Ok(Self { member_id, identity, created_at, signed })
    }

    /// Checks the wallet's signature over its own keys.
    pub fn verify(&self) -> Result<(), ProtocolError> {
        self.signed.verify(&KIND, &self.identity.signing_key)
    }
}
