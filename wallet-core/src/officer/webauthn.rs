//! An officer's passkey: a WebAuthn assertion (ES256, P-256) over an officer request's
//! challenge, signature kind 2 (docs/adr/0021-the-officers-console-and-passkeys.md).
//!
//! ```text
//! PasskeyAssertion = public key (SEC1, 65 bytes), authenticatorData, clientDataJSON,
//!                    ECDSA signature (DER) on authenticatorData || SHA-256(clientDataJSON)
//! PasskeyLink      = the JSON body of `POST /v1/officer/passkeys`, signed with the officer's
//!                    own Ed25519 key: which passkey (credential id, public key) may sign for
//!                    them, at which relying party (rp id) and from which origin
//! ```
//!
//! The assertion carries its public key so that [`PasskeyAssertion::verify`] stands alone, like
//! an Ed25519 signature: it checks everything the bytes themselves say (the signature, the
//! clientData `type` and `challenge`, the user-presence flag) and returns the rest
//! ([`PasskeyUse`]: rp id hash, origin, counter). Whether that passkey is linked to the request's
//! officer, for that rp id and origin, is for whoever knows the links: the ledger at request time
//! and [`super::authority`] when the audit replays the log.
//!
//! Every input is bounded before it is read: authenticator data at [`MAX_AUTHENTICATOR_DATA`],
//! client data at [`MAX_CLIENT_DATA`], a DER signature at [`MAX_SIGNATURE`].

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use super::{Challenge, OfficerError};
use crate::encoding::{DecodeError, Reader, Writer};
use crate::hex;

/// Longest authenticator data read (37 bytes plus extensions).
pub const MAX_AUTHENTICATOR_DATA: usize = 1024;
/// Longest clientDataJSON read.
pub const MAX_CLIENT_DATA: usize = 2048;
/// Longest DER ECDSA P-256 signature (two 33-byte integers and their headers).
pub const MAX_SIGNATURE: usize = 72;
/// Longest credential id a link names (WebAuthn allows up to 1023 bytes).
pub const MAX_CREDENTIAL_ID: usize = 1023;
/// Longest rp id or origin a link names.
pub const MAX_ORIGIN: usize = 253;
/// The path of a passkey link: signed by the officer's own Ed25519 key.
pub const LINK_PATH: &str = "/v1/officer/passkeys";

const FLAG_USER_PRESENT: u8 = 0x01;
const FLAG_ATTESTED_DATA: u8 = 0x40;
const FLAG_EXTENSIONS: u8 = 0x80;

/// A passkey's signature on a challenge, as the browser returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyAssertion {
    /// The passkey's P-256 public key, SEC1 uncompressed (`04 || x || y`).
    pub public_key: [u8; 65],
    pub authenticator_data: Vec<u8>,
    pub client_data_json: Vec<u8>,
    /// ECDSA P-256 with SHA-256, DER, as WebAuthn returns it.
    pub signature: Vec<u8>,
}

/// What a verified assertion says beyond its signature: checked against the passkey's link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyUse {
    pub public_key: [u8; 65],
    /// SHA-256 of the relying party id the authenticator signed for.
    pub rp_id_hash: [u8; 32],
    /// The page's origin, as the browser wrote it into the client data.
    pub origin: String,
    /// The authenticator's signature counter (0 when it keeps none).
    pub counter: u32,
}

fn invalid(what: &'static str, reason: &'static str) -> OfficerError {
    OfficerError::Malformed(DecodeError::Invalid { what, reason })
}

impl PasskeyAssertion {
    pub(super) fn write(&self, w: &mut Writer) {
        w.fixed(&self.public_key)
            .bytes(&self.authenticator_data)
            .bytes(&self.client_data_json)
            .bytes(&self.signature);
    }

    pub(super) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            public_key: r.array("passkey public key")?,
            authenticator_data: r.bytes("authenticator data", MAX_AUTHENTICATOR_DATA)?.to_vec(),
            client_data_json: r.bytes("client data", MAX_CLIENT_DATA)?.to_vec(),
            signature: r.bytes("passkey signature", MAX_SIGNATURE)?.to_vec(),
        })
    }

    /// Checks that this assertion is its public key's signature on `challenge`, made with the
    /// user present, for a `webauthn.get` ceremony in the same origin. Returns what the link must
    /// agree with.
    pub fn verify(&self, challenge: &Challenge) -> Result<PasskeyUse, OfficerError> {
        let (rp_id_hash, flags, counter) = authenticator_data(&self.authenticator_data)?;
        if flags & FLAG_USER_PRESENT == 0 {
            return Err(invalid("authenticator data", "the user was not present (UP flag clear)"));
        }
        let origin = client_data(&self.client_data_json, challenge)?;
        let key = VerifyingKey::from_sec1_bytes(&self.public_key)
            .map_err(|_| invalid("passkey public key", "not a point on P-256"))?;
        let signature = Signature::from_der(&self.signature)
            .map_err(|_| invalid("passkey signature", "not a DER ECDSA signature"))?;
        let mut signed = self.authenticator_data.clone();
        signed.extend_from_slice(&Sha256::digest(&self.client_data_json));
        key.verify(&signed, &signature).map_err(|_| OfficerError::BadSignature)?;
        Ok(PasskeyUse { public_key: self.public_key, rp_id_hash, origin, counter })
    }
}

/// Reads authenticator data from an assertion: rp id hash, flags, counter. An assertion carries
/// no attested credential; extensions are allowed (and not read) only when flagged.
fn authenticator_data(bytes: &[u8]) -> Result<([u8; 32], u8, u32), OfficerError> {
    let mut r = Reader::new(bytes);
    let rp_id_hash: [u8; 32] = r.array("authenticator data")?;
    let flags = r.u8("authenticator data")?;
    let counter = r.u32("authenticator data")?;
    if flags & FLAG_ATTESTED_DATA != 0 {
        return Err(invalid("authenticator data", "an assertion carries no attested credential"));
    }
    if flags & FLAG_EXTENSIONS == 0 {
        r.finish()?;
    }
    Ok((rp_id_hash, flags, counter))
}

/// Reads clientDataJSON: a `webauthn.get` for exactly `challenge`, not cross-origin. Returns
/// its origin.
fn client_data(bytes: &[u8], challenge: &Challenge) -> Result<String, OfficerError> {
    if bytes.len() > MAX_CLIENT_DATA {
        return Err(
            DecodeError::TooLong { what: "client data", len: bytes.len(), max: MAX_CLIENT_DATA }.into()
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| invalid("client data", "not JSON"))?;
    if json["type"].as_str() != Some("webauthn.get") {
        return Err(invalid("client data", "not a webauthn.get ceremony"));
    }
    let expected = data_encoding::BASE64URL_NOPAD.encode(challenge);
    if json["challenge"].as_str() != Some(expected.as_str()) {
        return Err(OfficerError::Mismatch {
            signed: "another challenge".into(),
            actual: "this request's challenge".into(),
        });
    }
    if json["crossOrigin"].as_bool() == Some(true) {
        return Err(invalid("client data", "signed in a cross-origin frame"));
    }
    json["origin"]
        .as_str()
        .filter(|o| !o.is_empty() && o.len() <= MAX_ORIGIN)
        .map(str::to_owned)
        .ok_or_else(|| invalid("client data", "no origin"))
}

/// A passkey an officer links to themselves: the body of `POST /v1/officer/passkeys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyLink {
    pub credential_id: Vec<u8>,
    pub public_key: [u8; 65],
    /// The relying party id the passkey was made for (the ledger's host name).
    pub rp_id: String,
    /// The console's origin (`https://hq.example:8443`).
    pub origin: String,
}

impl PasskeyLink {
    /// Reads a link body: `{"credential_id": base64url, "public_key": hex SEC1, "rp_id", "origin"}`.
    pub fn from_body(body: &[u8]) -> Result<Self, String> {
        let json: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| "a passkey link is a JSON object".to_owned())?;
        let text =
            |field: &str| json[field].as_str().ok_or_else(|| format!("the passkey link has no {field}"));
        let credential_id = data_encoding::BASE64URL_NOPAD
            .decode(text("credential_id")?.as_bytes())
            .map_err(|_| "the credential id is base64url without padding".to_owned())?;
        if credential_id.is_empty() || credential_id.len() > MAX_CREDENTIAL_ID {
            return Err(format!("a credential id is 1 to {MAX_CREDENTIAL_ID} bytes"));
        }
        let public_key: [u8; 65] = hex::decode_array(text("public_key")?)
            .map_err(|_| "the passkey's public key is 130 hexadecimal digits (SEC1, uncompressed)")?;
        VerifyingKey::from_sec1_bytes(&public_key).map_err(|_| "the passkey's public key is not on P-256")?;
        let bounded = |field: &str| -> Result<String, String> {
            let value = text(field)?;
            if value.is_empty() || value.len() > MAX_ORIGIN {
                return Err(format!("the passkey link's {field} is 1 to {MAX_ORIGIN} bytes"));
            }
            Ok(value.to_owned())
        };
        let rp_id = bounded("rp_id")?;
        let origin = bounded("origin")?;
        if !(origin.starts_with("https://") || origin.starts_with("http://")) {
            return Err("the console's origin is an http:// or https:// URL".into());
        }
        Ok(Self { credential_id, public_key, rp_id, origin })
    }

    /// The body the officer signs for this link.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::json!({
            "credential_id": data_encoding::BASE64URL_NOPAD.encode(&self.credential_id),
            "public_key": hex::encode(&self.public_key),
            "rp_id": self.rp_id,
            "origin": self.origin,
        })
        .to_string()
        .into_bytes()
    }

    /// Whether `used` is this passkey, at this link's relying party and origin.
    pub fn check_use(&self, used: &PasskeyUse) -> Result<(), String> {
        if used.public_key != self.public_key {
            return Err("signed by a passkey that is not this one".into());
        }
        if used.rp_id_hash != <[u8; 32]>::from(Sha256::digest(self.rp_id.as_bytes())) {
            return Err(format!("the passkey signed for another relying party than {}", self.rp_id));
        }
        if used.origin != self.origin {
            return Err(format!(
                "the passkey signed on {}, not on the console at {}",
                used.origin, self.origin
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;

    pub const ORIGIN: &str = "http://127.0.0.1:8080";
    pub const RP_ID: &str = "127.0.0.1";

    pub fn passkey(n: u8) -> SigningKey {
        SigningKey::from_slice(&[n; 32]).unwrap()
    }

    pub fn public(key: &SigningKey) -> [u8; 65] {
        key.verifying_key().to_sec1_point(false).as_bytes().try_into().unwrap()
    }

    /// What a browser's authenticator makes for `challenge`, with the given pieces.
    pub fn assert_with(
        key: &SigningKey,
        challenge: &Challenge,
        flags: u8,
        counter: u32,
        client_data: &str,
        rp_id: &str,
    ) -> PasskeyAssertion {
        let mut authenticator_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        authenticator_data.push(flags);
        authenticator_data.extend_from_slice(&counter.to_be_bytes());
        let _ = challenge;
        let mut signed = authenticator_data.clone();
        signed.extend_from_slice(&Sha256::digest(client_data.as_bytes()));
        let signature: Signature = key.sign(&signed);
        PasskeyAssertion {
            public_key: public(key),
            authenticator_data,
            client_data_json: client_data.as_bytes().to_vec(),
            signature: signature.to_der().as_bytes().to_vec(),
        }
    }

    pub fn client_data_for(challenge: &Challenge, kind: &str, origin: &str) -> String {
        format!(
            r#"{{"type":"{kind}","challenge":"{}","origin":"{origin}","crossOrigin":false}}"#,
            data_encoding::BASE64URL_NOPAD.encode(challenge)
        )
    }

    pub fn assert(key: &SigningKey, challenge: &Challenge, counter: u32) -> PasskeyAssertion {
        assert_with(key, challenge, 0x05, counter, &client_data_for(challenge, "webauthn.get", ORIGIN), RP_ID)
    }

    pub fn link(key: &SigningKey) -> PasskeyLink {
        PasskeyLink {
            credential_id: vec![9; 16],
            public_key: public(key),
            rp_id: RP_ID.into(),
            origin: ORIGIN.into(),
        }
    }

    #[test]
    fn a_passkey_assertion_over_the_challenge_verifies_and_reports_its_use() {
        let key = passkey(3);
        let used = assert(&key, &[7; 32], 5).verify(&[7; 32]).unwrap();
        assert_eq!(used.counter, 5);
        assert_eq!(used.origin, ORIGIN);
        link(&key).check_use(&used).unwrap();
    }

    #[test]
    fn an_assertion_for_another_challenge_is_refused() {
        let assertion = assert(&passkey(3), &[7; 32], 1);
        assert!(assertion.verify(&[8; 32]).is_err());
    }

    #[test]
    fn a_registration_ceremony_or_a_cross_origin_frame_is_not_an_assertion() {
        let key = passkey(3);
        let create = client_data_for(&[7; 32], "webauthn.create", ORIGIN);
        assert!(assert_with(&key, &[7; 32], 0x05, 1, &create, RP_ID).verify(&[7; 32]).is_err());
        let framed = client_data_for(&[7; 32], "webauthn.get", ORIGIN).replace("false", "true");
        assert!(assert_with(&key, &[7; 32], 0x05, 1, &framed, RP_ID).verify(&[7; 32]).is_err());
        assert!(assert_with(&key, &[7; 32], 0x05, 1, "not json", RP_ID).verify(&[7; 32]).is_err());
    }

    #[test]
    fn an_assertion_without_user_presence_is_refused() {
        let key = passkey(3);
        let data = client_data_for(&[7; 32], "webauthn.get", ORIGIN);
        assert!(assert_with(&key, &[7; 32], 0x04, 1, &data, RP_ID).verify(&[7; 32]).is_err());
    }

    #[test]
    fn an_assertion_carrying_an_attested_credential_is_refused() {
        let key = passkey(3);
        let data = client_data_for(&[7; 32], "webauthn.get", ORIGIN);
        assert!(assert_with(&key, &[7; 32], 0x45, 1, &data, RP_ID).verify(&[7; 32]).is_err());
    }

    #[test]
    fn a_tampered_assertion_fails_in_every_byte_it_signs() {
        let good = assert(&passkey(3), &[7; 32], 1);
        for i in 0..good.authenticator_data.len() {
            let mut bad = good.clone();
            bad.authenticator_data[i] ^= 1;
            assert!(bad.verify(&[7; 32]).is_err(), "authenticator data byte {i}");
        }
        for i in 0..good.client_data_json.len() {
            let mut bad = good.clone();
            bad.client_data_json[i] ^= 1;
            assert!(bad.verify(&[7; 32]).is_err(), "client data byte {i}");
        }
        for i in 0..good.signature.len() {
            let mut bad = good.clone();
            bad.signature[i] ^= 1;
            assert!(bad.verify(&[7; 32]).is_err(), "signature byte {i}");
        }
        let mut other_key = good.clone();
        other_key.public_key = public(&passkey(4));
        assert_eq!(other_key.verify(&[7; 32]), Err(OfficerError::BadSignature));
    }

    #[test]
    fn truncated_or_oversized_authenticator_data_is_refused() {
        let key = passkey(3);
        let mut good = assert(&key, &[7; 32], 1);
        for len in 0..good.authenticator_data.len() {
            let mut short = good.clone();
            short.authenticator_data.truncate(len);
            assert!(short.verify(&[7; 32]).is_err(), "truncated to {len}");
        }
        good.authenticator_data.push(0);
        assert!(good.verify(&[7; 32]).is_err(), "a trailing byte without the extensions flag");
        let mut w = Writer::new();
        w.fixed(&public(&key)).bytes(&vec![0; MAX_AUTHENTICATOR_DATA + 1]);
        assert!(matches!(
            PasskeyAssertion::read(&mut Reader::new(&w.finish())),
            Err(DecodeError::TooLong { .. })
        ));
        let huge = " ".repeat(MAX_CLIENT_DATA + 1);
        assert!(client_data(huge.as_bytes(), &[7; 32]).is_err());
    }

    #[test]
    fn a_link_is_bound_to_its_relying_party_and_origin() {
        let key = passkey(3);
        let link = link(&key);
        assert_eq!(PasskeyLink::from_body(&link.to_body()).unwrap(), link);
        let data = client_data_for(&[7; 32], "webauthn.get", "http://evil.example");
        let phished = assert_with(&key, &[7; 32], 0x05, 1, &data, RP_ID).verify(&[7; 32]).unwrap();
        assert!(link.check_use(&phished).is_err());
        let data = client_data_for(&[7; 32], "webauthn.get", ORIGIN);
        let other_rp = assert_with(&key, &[7; 32], 0x05, 1, &data, "evil.example").verify(&[7; 32]).unwrap();
        assert!(link.check_use(&other_rp).is_err());
        let someone_else = assert(&passkey(4), &[7; 32], 1).verify(&[7; 32]).unwrap();
        assert!(link.check_use(&someone_else).is_err());
    }

    #[test]
    fn a_malformed_link_body_is_refused_with_a_reason() {
        let good = String::from_utf8(link(&passkey(3)).to_body()).unwrap();
        let not_on_curve = format!("04{}", "11".repeat(64));
        for body in [
            String::from("[]"),
            good.replace(RP_ID, ""),
            good.replace("http://", "javascript:"),
            good.replace(&hex::encode(&public(&passkey(3))), &not_on_curve),
            good.replace(&data_encoding::BASE64URL_NOPAD.encode(&[9; 16]), "!!"),
        ] {
            assert!(PasskeyLink::from_body(body.as_bytes()).is_err(), "{body}");
        }
    }
}
