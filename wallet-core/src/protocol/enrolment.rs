//! Enrolment requests: the wallet's public keys and the member id it is being enrolled for,
//! signed by the wallet so the officer's scan proves the wallet holds the key it presents.

use super::{
    MAX_MEMBER_ID, MessageId, ProtocolError, check_len, malformed, message_id, sign, split_signed, verify,
};
use crate::encoding::{Reader, Writer};
use crate::identity::{Identity, PublicIdentity};

const DOMAIN: &str = "outpost/enrolment-request/v1";
const VERSION: u8 = 1;
const NAME: &str = "enrolment request";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRequest {
    pub member_id: String,
    pub identity: PublicIdentity,
    pub created_at: u64,
    signature: [u8; 64],
    body: Vec<u8>,
}

impl EnrolmentRequest {
    pub fn sign(wallet: &Identity, member_id: &str, created_at: u64) -> Result<Self, ProtocolError> {
        check_len("member id", member_id, MAX_MEMBER_ID)?;
        if member_id.is_empty() {
            return Err(ProtocolError::Invalid { message: NAME, reason: "the member id is empty" });
        }
        let identity = wallet.public();
        let body = Writer::new()
            .u8(VERSION)
            .text(member_id)
            .fixed(&identity.signing_key)
            .fixed(&identity.agreement_key)
            .u64(created_at)
            .finish();
        let signature = sign(DOMAIN, &body, wallet.signing_key());
        Ok(Self { member_id: member_id.to_owned(), identity, created_at, signature, body })
    }

    pub fn id(&self) -> MessageId {
        message_id(DOMAIN, &self.body)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        [self.body.as_slice(), &self.signature].concat()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let (body, signature) = split_signed(bytes, NAME)?;
        let m = malformed(NAME);
        let mut r = Reader::new(body);
        r.version(NAME, VERSION).map_err(&m)?;
        let member_id = r.text("member id", MAX_MEMBER_ID).map_err(&m)?.to_owned();
        let signing_key = r.array("signing key").map_err(&m)?;
        let agreement_key = r.array("agreement key").map_err(&m)?;
        let created_at = r.u64("time").map_err(&m)?;
        r.finish().map_err(&m)?;
        let identity = PublicIdentity { signing_key, agreement_key };
        Ok(Self { member_id, identity, created_at, signature, body: body.to_vec() })
    }

    /// Checks the wallet's signature over its own keys.
    pub fn verify(&self) -> Result<(), ProtocolError> {
        verify(DOMAIN, &self.body, &self.signature, &self.identity.signing_key, NAME)
    }
}
