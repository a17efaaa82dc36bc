//! Finance officers as the ledger, its auditors and (later) a browser know them: who they are,
//! the one signed form of an officer's request, and the evidence an officer act leaves in the
//! audit log (docs/adr/0016-officers-sign-every-request-two-person-rule.md).
//!
//! ```text
//! OfficerRequest  = method, path, SHA-256(body), time, nonce, officer key       (the statement)
//! challenge       = SHA-256("outpost/officer-request/v1" || statement)
//! OfficerSignature::Ed25519   the officer key's signature on the challenge         (CLI, code 1)
//! OfficerSignature::WebAuthn  a passkey's assertion over the challenge     (the console, code 2)
//! SignedOfficerRequest = statement || signature   (the `Outpost-Officer-Request` header)
//! Authorisation = the maker's signed request and body, then each approver's signed approval
//! ```
//!
//! The challenge is a hash so that a passkey can sign it as WebAuthn's `challenge`; the
//! statement itself stays in Outpost's one canonical encoding (`crate::encoding`), so that the
//! ledger, the CLI and the offline audit read the same bytes. An approval is itself a signed
//! request, `POST /v1/officer/pending/<maker's challenge in hex>/approve` with an empty body: by
//! its path it names exactly the request it approves.
//!
//! What an officer act says is checked against the log by [`authority`]: the audit replays the
//! officer set and refuses an entry whose signatures, signers or signed bodies do not match it.

pub mod authority;
pub mod body;
pub mod key_file;
pub mod webauthn;

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::encoding::{DecodeError, Reader, Writer};
use crate::hex;
use crate::signature;

pub use key_file::{OfficerKey, OfficerKeyError};
pub use webauthn::{PasskeyAssertion, PasskeyLink, PasskeyUse};

const DOMAIN: &str = "outpost/officer-request/v1";
const REQUEST_VERSION: u8 = 1;
const AUTHORISATION_VERSION: u8 = 1;
/// Longest method name read.
const MAX_METHOD: usize = 16;
/// Longest path (with its query) read.
pub const MAX_PATH: usize = 512;
/// Longest request body an authorisation carries: the ledger reads no larger officer body.
pub const MAX_BODY: usize = 4096;
/// Most approvals one authorisation carries.
pub const MAX_APPROVALS: usize = 8;
/// The HTTP header that carries a [`SignedOfficerRequest`], base64url without padding.
pub const HEADER: &str = "Outpost-Officer-Request";

/// The challenge an officer's signature covers: SHA-256 of the domain-separated statement.
pub type Challenge = [u8; 32];

/// Why an officer request or its evidence was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum OfficerError {
    #[error(
        "the officer's signed request is damaged ({0}): sign it again with `outpost ledger call` or the console"
    )]
    Malformed(#[from] DecodeError),
    #[error(
        "the officer's signature does not verify, so the request was altered or signed with another key: sign \
         it again with your own officer key"
    )]
    BadSignature,
    #[error(
        "the request's signature is of kind {0}, which this build does not check (1 is Ed25519, 2 a passkey): \
         sign with an officer key or a passkey"
    )]
    UnknownSignatureKind(u8),
    #[error("the request's {field} is longer than the {max} bytes allowed: shorten it")]
    TooLong { field: &'static str, max: usize },
    #[error("the system's random number generator failed ({0}): restart the machine and try again")]
    Random(String),
    #[error("the signed request is for {signed}, but this request is {actual}: sign the request you send")]
    Mismatch { signed: String, actual: String },
}

/// What an officer signs: one HTTP request, bound to its body by hash, to a moment and to a
/// one-time nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerRequest {
    pub officer_key: [u8; 32],
    /// `GET`, `POST`, `PUT` or `DELETE`, as sent.
    pub method: String,
    /// The path and query as sent, e.g. `/v1/officer/members/AIKO-0001/credit`.
    pub path: String,
    pub body_hash: [u8; 32],
    /// The officer's clock, Unix seconds.
    pub time: u64,
    pub nonce: [u8; 16],
}

impl OfficerRequest {
    /// A statement for `method path` with `body`, at `time`, with a fresh random nonce.
    pub fn new(
        officer_key: [u8; 32],
        method: &str,
        path: &str,
        body: &[u8],
        time: u64,
    ) -> Result<Self, OfficerError> {
        let mut nonce = [0u8; 16];
        crate::vault::random_bytes(&mut nonce).map_err(|e| OfficerError::Random(e.to_string()))?;
        let request = Self {
            officer_key,
            method: method.to_owned(),
            path: path.to_owned(),
            body_hash: Sha256::digest(body).into(),
            time,
            nonce,
        };
        request.check_bounds()?;
        Ok(request)
    }

    fn check_bounds(&self) -> Result<(), OfficerError> {
        if self.method.is_empty() || self.method.len() > MAX_METHOD {
            return Err(OfficerError::TooLong { field: "method", max: MAX_METHOD });
        }
        if self.path.len() > MAX_PATH {
            return Err(OfficerError::TooLong { field: "path", max: MAX_PATH });
        }
        Ok(())
    }

    /// The statement's canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.finish()
    }

    fn write(&self, w: &mut Writer) {
        w.u8(REQUEST_VERSION)
            .fixed(&self.officer_key)
            .short_text(&self.method)
            .text(&self.path)
            .fixed(&self.body_hash)
            .u64(self.time)
            .fixed(&self.nonce);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.version("officer request", REQUEST_VERSION)?;
        Ok(Self {
            officer_key: r.array("officer key")?,
            method: r.short_text("method", MAX_METHOD)?.to_owned(),
            path: r.text("path", MAX_PATH)?.to_owned(),
            body_hash: r.array("body hash")?,
            time: r.u64("time")?,
            nonce: r.array("nonce")?,
        })
    }

    /// What the signature covers: SHA-256 of the domain and the statement. A passkey signs it as
    /// WebAuthn's challenge; an Ed25519 officer key signs it directly.
    pub fn challenge(&self) -> Challenge {
        let mut w = Writer::new();
        w.text(DOMAIN);
        self.write(&mut w);
        Sha256::digest(w.finish()).into()
    }

    /// Signs with an Ed25519 officer key (whose public key must be `officer_key`).
    pub fn sign(self, key: &SigningKey) -> SignedOfficerRequest {
        let signature = OfficerSignature::Ed25519(key.sign(&self.challenge()).to_bytes());
        SignedOfficerRequest { request: self, signature }
    }

    /// Whether this statement is for `method path` with exactly `body`.
    pub fn check_matches(&self, method: &str, path: &str, body: &[u8]) -> Result<(), OfficerError> {
        let body_hash: [u8; 32] = Sha256::digest(body).into();
        if self.method != method || self.path != path {
            return Err(OfficerError::Mismatch {
                signed: format!("{} {}", self.method, self.path),
                actual: format!("{method} {path}"),
            });
        }
        if self.body_hash != body_hash {
            return Err(OfficerError::Mismatch {
                signed: "another body".into(),
                actual: "this body (its SHA-256 differs)".into(),
            });
        }
        Ok(())
    }
}

/// A signature on a [`Challenge`]: the officer's Ed25519 key (the CLI), or one of their
/// passkeys (the console), with no change to the request format.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OfficerSignature {
    /// Kind 1: Ed25519 on the 32 challenge bytes, under the protocol's one rule
    /// ([`crate::signature::verify`]).
    Ed25519([u8; 64]),
    /// Kind 2: a WebAuthn assertion whose clientData challenge is the 32 challenge bytes
    /// ([`webauthn`]); which officer the passkey signs for is the link's to say.
    WebAuthn(PasskeyAssertion),
}

impl OfficerSignature {
    fn write(&self, w: &mut Writer) {
        match self {
            OfficerSignature::Ed25519(signature) => w.u8(1).fixed(signature),
            OfficerSignature::WebAuthn(assertion) => {
                w.u8(2);
                assertion.write(w);
                w
            }
        };
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, OfficerError> {
        match r.u8("signature kind")? {
            1 => Ok(OfficerSignature::Ed25519(r.array("signature")?)),
            2 => Ok(OfficerSignature::WebAuthn(PasskeyAssertion::read(r)?)),
            kind => Err(OfficerError::UnknownSignatureKind(kind)),
        }
    }
}

/// A statement and its signature: what an officer's request carries in [`HEADER`] and what an
/// officer act leaves in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedOfficerRequest {
    pub request: OfficerRequest,
    pub signature: OfficerSignature,
}

impl SignedOfficerRequest {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.finish()
    }

    fn write(&self, w: &mut Writer) {
        self.request.write(w);
        self.signature.write(w);
    }

    /// Reads the bytes; checks structure, not the signature.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, OfficerError> {
        let mut r = Reader::new(bytes);
        let signed = Self::read(&mut r)?;
        r.finish()?;
        Ok(signed)
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, OfficerError> {
        let request = OfficerRequest::read(r)?;
        let signature = OfficerSignature::read(r)?;
        Ok(Self { request, signature })
    }

    /// The header value: base64url without padding.
    pub fn to_header(&self) -> String {
        data_encoding::BASE64URL_NOPAD.encode(&self.to_bytes())
    }

    pub fn from_header(value: &str) -> Result<Self, OfficerError> {
        let bytes = data_encoding::BASE64URL_NOPAD.decode(value.trim().as_bytes()).map_err(|_| {
            OfficerError::Malformed(DecodeError::Invalid {
                what: "officer request header",
                reason: "not base64url",
            })
        })?;
        Self::from_bytes(&bytes)
    }

    /// Whether the signature is the named officer's on this statement. An Ed25519 signature is
    /// checked whole (`Ok(None)`); a passkey's assertion is checked as far as its own bytes go,
    /// and what it says of its passkey, relying party and origin is returned for the caller to
    /// check against the officer's links ([`PasskeyLink::check_use`]).
    pub fn verify(&self) -> Result<Option<PasskeyUse>, OfficerError> {
        let challenge = self.request.challenge();
        match &self.signature {
            OfficerSignature::Ed25519(signature) => {
                if signature::verify(&self.request.officer_key, &challenge, signature) {
                    Ok(None)
                } else {
                    Err(OfficerError::BadSignature)
                }
            }
            OfficerSignature::WebAuthn(assertion) => assertion.verify(&challenge).map(Some),
        }
    }

    pub fn officer_key(&self) -> &[u8; 32] {
        &self.request.officer_key
    }

    pub fn challenge(&self) -> Challenge {
        self.request.challenge()
    }
}

/// The path of the approval of the request whose challenge is `challenge`.
pub fn approval_path(challenge: &Challenge) -> String {
    format!("/v1/officer/pending/{}/approve", hex::encode(challenge))
}

/// The officer evidence an entry carries: the maker's signed request with its body, and the
/// approvals (each a signed [`approval_path`] request with an empty body). A founding officer's
/// self-enrolment is an authorisation with no approvals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorisation {
    pub maker: SignedOfficerRequest,
    pub body: Vec<u8>,
    pub approvals: Vec<SignedOfficerRequest>,
}

impl Authorisation {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(AUTHORISATION_VERSION);
        self.maker.write(&mut w);
        w.bytes(&self.body).u8(self.approvals.len() as u8);
        for approval in &self.approvals {
            approval.write(&mut w);
        }
        w.finish()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, OfficerError> {
        let mut r = Reader::new(bytes);
        r.version("officer authorisation", AUTHORISATION_VERSION)?;
        let maker = SignedOfficerRequest::read(&mut r)?;
        let body = r.bytes("request body", MAX_BODY)?.to_vec();
        let n = usize::from(r.u8("approvals")?);
        if n > MAX_APPROVALS {
            return Err(DecodeError::TooLong { what: "approvals", len: n, max: MAX_APPROVALS }.into());
        }
        let approvals = (0..n).map(|_| SignedOfficerRequest::read(&mut r)).collect::<Result<_, _>>()?;
        r.finish()?;
        Ok(Self { maker, body, approvals })
    }

    /// Every signature verifies, the body is the one the maker signed, and every approval names
    /// the maker's request. Who signed, and whether they may, is [`authority`]'s to check.
    pub fn verify(&self) -> Result<(), OfficerError> {
        self.maker.verify()?;
        let signed = &self.maker.request;
        signed.check_matches(&signed.method, &signed.path, &self.body)?;
        let path = approval_path(&self.maker.challenge());
        for approval in &self.approvals {
            approval.verify()?;
            approval.request.check_matches("POST", &path, b"")?;
        }
        Ok(())
    }

    /// The maker's body as JSON.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The maker's body as one of the request bodies of [`body`], if it is exactly that.
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The self-signed enrolment an officer gives to be enrolled: `POST /v1/officer/officers` with
/// `{"name": …, "public_key": …}`, signed by the officer's own key (proof that they hold it).
pub fn self_enrolment(key: &SigningKey, name: &str, time: u64) -> Result<Authorisation, OfficerError> {
    let public_key = key.verifying_key().to_bytes();
    let body =
        serde_json::json!({ "name": name, "public_key": hex::encode(&public_key) }).to_string().into_bytes();
    let maker = OfficerRequest::new(public_key, "POST", ENROL_PATH, &body, time)?.sign(key);
    Ok(Authorisation { maker, body, approvals: Vec::new() })
}

/// Where officers are enrolled.
pub const ENROL_PATH: &str = "/v1/officer/officers";

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    fn signed(k: &SigningKey, method: &str, path: &str, body: &[u8]) -> SignedOfficerRequest {
        OfficerRequest::new(k.verifying_key().to_bytes(), method, path, body, 1_700_000_000).unwrap().sign(k)
    }

    #[test]
    fn a_signed_request_round_trips_through_its_header_and_verifies() {
        let request = signed(&key(1), "POST", "/v1/officer/members/AIKO-0001/credit", b"{}");
        let read = SignedOfficerRequest::from_header(&request.to_header()).unwrap();
        assert_eq!(read, request);
        read.verify().unwrap();
        read.request.check_matches("POST", "/v1/officer/members/AIKO-0001/credit", b"{}").unwrap();
    }

    #[test]
    fn any_changed_field_breaks_the_signature() {
        let request = signed(&key(1), "POST", "/p", b"{}");
        let mut bytes = request.to_bytes();
        for i in 0..bytes.len() {
            bytes[i] ^= 1;
            let verdict = SignedOfficerRequest::from_bytes(&bytes).and_then(|r| r.verify());
            assert!(verdict.is_err(), "byte {i} changed and still accepted");
            bytes[i] ^= 1;
        }
    }

    #[test]
    fn a_request_signed_for_one_path_or_body_does_not_match_another() {
        let request = signed(&key(1), "POST", "/v1/officer/members/A/credit", b"{\"amount_minor\":1}");
        assert!(
            request
                .request
                .check_matches("POST", "/v1/officer/members/B/credit", b"{\"amount_minor\":1}")
                .is_err()
        );
        assert!(
            request
                .request
                .check_matches("POST", "/v1/officer/members/A/credit", b"{\"amount_minor\":9}")
                .is_err()
        );
        assert!(
            request
                .request
                .check_matches("PUT", "/v1/officer/members/A/credit", b"{\"amount_minor\":1}")
                .is_err()
        );
    }

    #[test]
    fn an_authorisation_checks_its_body_and_that_approvals_name_its_request() {
        let maker = signed(&key(1), "POST", "/x", b"{\"a\":1}");
        let approval = signed(&key(2), "POST", &approval_path(&maker.challenge()), b"");
        let authorisation =
            Authorisation { maker: maker.clone(), body: b"{\"a\":1}".to_vec(), approvals: vec![approval] };
        let read = Authorisation::from_bytes(&authorisation.to_bytes()).unwrap();
        read.verify().unwrap();
        let other_body = Authorisation { body: b"{\"a\":2}".to_vec(), ..read.clone() };
        assert!(other_body.verify().is_err());
        let elsewhere = signed(&key(2), "POST", &approval_path(&[7; 32]), b"");
        let misdirected = Authorisation { approvals: vec![elsewhere], ..read };
        assert!(misdirected.verify().is_err());
    }

    fn passkey_signed(counter: u32) -> SignedOfficerRequest {
        let request =
            OfficerRequest::new([5; 32], "POST", "/v1/officer/session", b"", 1_700_000_000).unwrap();
        let assertion = webauthn::tests::assert(&webauthn::tests::passkey(3), &request.challenge(), counter);
        SignedOfficerRequest { request, signature: OfficerSignature::WebAuthn(assertion) }
    }

    #[test]
    fn a_passkey_signed_request_round_trips_through_its_header_and_reports_its_passkey() {
        let signed = passkey_signed(4);
        let read = SignedOfficerRequest::from_header(&signed.to_header()).unwrap();
        assert_eq!(read, signed);
        let used = read.verify().unwrap().expect("a passkey signature reports its use");
        assert_eq!(used.counter, 4);
        assert_eq!(used.public_key, webauthn::tests::public(&webauthn::tests::passkey(3)));
    }

    #[test]
    fn a_passkey_assertion_is_bound_to_its_statement() {
        let mut signed = passkey_signed(1);
        signed.request.path = "/v1/officer/members/A/credit".into();
        assert!(signed.verify().is_err(), "an assertion moved to another request");
    }

    #[test]
    fn truncated_or_tampered_passkey_requests_are_refused_never_accepted() {
        let bytes = passkey_signed(1).to_bytes();
        for len in 0..bytes.len() {
            assert!(SignedOfficerRequest::from_bytes(&bytes[..len]).is_err(), "cut to {len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(SignedOfficerRequest::from_bytes(&longer).is_err(), "a trailing byte");
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            let verdict = SignedOfficerRequest::from_bytes(&bad).and_then(|r| r.verify().map(|_| ()));
            assert!(verdict.is_err(), "byte {i} changed and still accepted");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_after_a_request_are_a_typed_error_or_a_value_never_a_panic(
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)
        ) {
            let mut bytes = passkey_signed(1).request.to_bytes();
            bytes.push(2);
            bytes.extend_from_slice(&tail);
            if let Ok(signed) = SignedOfficerRequest::from_bytes(&bytes) {
                let _ = signed.verify();
            }
        }
    }

    #[test]
    fn an_unknown_signature_kind_is_refused_by_name() {
        let mut bytes = signed(&key(1), "GET", "/x", b"").to_bytes();
        let kind_at = bytes.len() - 65;
        bytes[kind_at] = 3;
        assert_eq!(SignedOfficerRequest::from_bytes(&bytes), Err(OfficerError::UnknownSignatureKind(3)));
    }
}
