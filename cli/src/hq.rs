//! The ledger at HQ as the command reaches it over HTTP: its public description (`/v1/ledger`)
//! for wallets and auditors, and the officer API (`/v1/officer/…`), where every request carries
//! the officer's signature over its method, path, body, time and a fresh nonce
//! (`outpost_wallet_core::officer`).
//!
//! Answers are parsed into typed values here, at the one boundary with the network; a refusal
//! becomes [`HqError::Refused`] carrying the ledger's own `{"error": "…"}` words, which already
//! say what to change. Wallet sync does not come through here: it goes through the library's
//! `HttpTransport`, which signs and checks every byte itself.

use std::io::Read as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use outpost_wallet_core::transport::{Trust, http_agent};

use outpost_ledger::http::officer_api::{
    ActResultJson, CreditBody, EnrolmentBody, FlagJson, LedgerInfoJson, MemberJson, OfficerEnrolmentBody,
    OfficerJson, PasskeyJson, PendingJson, PurseJson, RevocationBody,
};
use outpost_wallet_core::hex;
use outpost_wallet_core::officer::{self, OfficerKey};
use outpost_wallet_core::{Amount, Currency};
use serde::de::DeserializeOwned;

use crate::error::Error;

/// Where the ledger is when nobody says: `outpost ledger serve`'s default address.
pub const DEFAULT_URL: &str = "http://127.0.0.1:7300";

/// Largest JSON answer read (the member list of a large unit fits many times over).
const MAX_JSON_ANSWER: u64 = 16 * 1024 * 1024;
/// Largest audit export read: the library's own ceiling on entries makes a bigger file unreadable
/// anyway, and it is held in memory.
const MAX_EXPORT: u64 = 1024 * 1024 * 1024;

/// What can go wrong between the command and the ledger. Checked against `docs/messages.md`
/// with the command's other errors (`messages.rs`).
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    #[error(
        "cannot reach the ledger at {url} ({detail}): check that `outpost ledger serve` runs there and the address is right"
    )]
    Unreachable { url: String, detail: String },
    #[error(
        "the ledger at {url} presented a TLS certificate this command does not trust ({detail}): give the CA that signed it, or the certificate itself to pin it, with --ca-file"
    )]
    Untrusted { url: String, detail: String },
    #[error(
        "the TLS connection to the ledger at {url} failed ({detail}): check the ledger's TLS set-up and --ca-file"
    )]
    TlsFailed { url: String, detail: String },
    #[error("{message} (the ledger refused {what}, HTTP {status})")]
    Refused { what: String, status: u16, message: String },
    /// An answer that is not the ledger's: a proxy's, or another server's at that address.
    #[error(
        "{what} was refused with HTTP {status} and no reason from the ledger ({body}): check that the URL is the ledger's, and read its log"
    )]
    RefusedWithoutWords { what: String, status: u16, body: String },
    #[error(
        "the ledger's answer to {what} is not what this command understands ({detail}): use the outpost command of the ledger's release"
    )]
    BadAnswer { what: String, detail: String },
    #[error("cannot make the request {what} ({detail}): check its method and path")]
    BadRequest { what: String, detail: String },
}

/// What `/v1/ledger` says about the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerInfo {
    pub public_key: [u8; 32],
    pub currency: Currency,
}

/// A connection to one ledger, with the officer's unlocked key when the command has one.
pub struct Hq {
    url: String,
    agent: ureq::Agent,
    officer: Option<OfficerKey>,
}

/// What an approval did: the act's result once it ran, or the act still waiting.
#[derive(Debug, Clone)]
pub enum Approval {
    Executed(ActResultJson),
    Waiting(PendingJson),
}

/// The certificates an `https://` ledger must chain to (`--ca-file`): shared by every command
/// that reaches a ledger or a witness.
#[derive(Debug, Clone, Default, Args)]
pub struct TrustArgs {
    /// PEM file of the CA that signed the ledger's TLS certificate, or of the ledger's own
    /// certificate to pin it; needed for https:// URLs
    #[arg(long, value_name = "FILE", env = "OUTPOST_CA_FILE")]
    pub ca_file: Option<PathBuf>,
}

impl TrustArgs {
    pub fn trust(&self) -> Result<Trust, Error> {
        match &self.ca_file {
            None => Ok(Trust::none()),
            Some(path) => Ok(Trust::from_pem_file(path)?),
        }
    }
}

impl Hq {
    /// The ledger at `url`, e.g. `http://127.0.0.1:7300`, trusting no TLS certificate: an
    /// `https://` URL needs [`Hq::with_trust`].
    #[cfg(test)]
    pub fn new(url: &str) -> Result<Hq, Error> {
        Self::with_trust(url, &Trust::none())
    }

    /// The ledger at `url` (`http://` or `https://`), whose TLS certificate must chain to `trust`.
    pub fn with_trust(url: &str, trust: &Trust) -> Result<Hq, Error> {
        let url = url.trim();
        let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else {
            return Err(Error::UrlScheme { url: url.to_owned() });
        };
        if rest.trim_end_matches('/').is_empty() {
            return Err(Error::UrlNoHost { url: url.to_owned() });
        }
        let url = url.trim_end_matches('/');
        Ok(Hq { url: url.to_owned(), agent: http_agent(Duration::from_secs(60), trust), officer: None })
    }

    /// Whether answers come over TLS, from a server whose certificate chained to the trust given:
    /// only then is what the network says about the ledger (its key) the ledger's own word.
    pub fn is_https(&self) -> bool {
        self.url.starts_with("https://")
    }

    /// The same ledger, with the officer's key that signs each `/v1/officer/…` request.
    pub fn with_officer(mut self, key: OfficerKey) -> Hq {
        self.officer = Some(key);
        self
    }

    /// The officer whose key signs the `/v1/officer/…` requests, when the command has one.
    pub fn officer(&self) -> Option<&OfficerKey> {
        self.officer.as_ref()
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The ledger's public key and currency. Public: no officer signature needed.
    pub fn ledger_info(&self) -> Result<LedgerInfo, HqError> {
        let what = "the request for its key (GET /v1/ledger)";
        let info: LedgerInfoJson = self.get_json(what, "/v1/ledger")?;
        let bad = |detail: String| HqError::BadAnswer { what: what.into(), detail };
        let public_key = hex::decode_array(info.public_key.trim())
            .map_err(|_| bad("its key is not 64 hexadecimal digits".into()))?;
        let currency = Currency::new(&info.currency, info.exponent).map_err(|e| bad(e.to_string()))?;
        Ok(LedgerInfo { public_key, currency })
    }

    pub fn enrol(&self, enrolment_qr: &str) -> Result<MemberJson, HqError> {
        let body = serde_json::json!(EnrolmentBody { enrolment_qr: enrolment_qr.to_owned() });
        self.post_json("the enrolment", "/v1/officer/members", &body)
    }

    pub fn members(&self) -> Result<Vec<MemberJson>, HqError> {
        self.get_json("the member list", "/v1/officer/members")
    }

    pub fn purses(&self, member_id: &str) -> Result<Vec<PurseJson>, HqError> {
        let path = format!("/v1/officer/members/{}/purses", path_segment(member_id));
        self.get_json(&format!("the purses of {member_id}"), &path)
    }

    /// Makes a credit of `amount` to `member_id` from payroll batch `batch`: it waits for a
    /// second officer's approval.
    pub fn credit(
        &self,
        member_id: &str,
        amount: Amount,
        memo: &str,
        batch: &str,
    ) -> Result<PendingJson, HqError> {
        let path = format!("/v1/officer/members/{}/credit", path_segment(member_id));
        let body = serde_json::json!(CreditBody {
            amount_minor: amount.minor(),
            memo: memo.to_owned(),
            batch: batch.to_owned()
        });
        self.post_json(&format!("the credit to {member_id}"), &path, &body)
    }

    /// The acts waiting for approval.
    pub fn pending(&self) -> Result<Vec<PendingJson>, HqError> {
        self.get_json("the list of pending acts", "/v1/officer/pending")
    }

    /// Approves the pending act `id` (64 hex digits).
    pub fn approve(&self, id: &str) -> Result<Approval, Error> {
        let what = format!("the approval of {id}");
        let path = officer::approval_path(&parse_id(id)?);
        let (status, body) = self.send(&what, "POST", &path, None)?;
        if status == 202 {
            return Ok(Approval::Waiting(parse_json(&what, &body)?));
        }
        Ok(Approval::Executed(parse_json(&what, &body)?))
    }

    /// Declines the pending act `id`: it will never run.
    pub fn decline(&self, id: &str) -> Result<PendingJson, Error> {
        let what = format!("declining {id}");
        let id = parse_id(id)?;
        let path = format!("/v1/officer/pending/{}/decline", hex::encode(&id));
        let (_, body) = self.send(&what, "POST", &path, None)?;
        Ok(parse_json(&what, &body)?)
    }

    pub fn officers(&self) -> Result<Vec<OfficerJson>, HqError> {
        self.get_json("the list of officers", "/v1/officer/officers")
    }

    /// Asks the officers to enrol a new one, from the code `outpost officer new` printed.
    pub fn add_officer(&self, enrolment: &str) -> Result<PendingJson, HqError> {
        let body = serde_json::json!(OfficerEnrolmentBody { enrolment: enrolment.trim().to_owned() });
        self.post_json("the officer enrolment", officer::ENROL_PATH, &body)
    }

    /// Asks the officers to remove the officer with `public_key`.
    pub fn remove_officer(&self, public_key: &[u8; 32]) -> Result<PendingJson, HqError> {
        let what = "the officer removal";
        let path = format!("{}/{}", officer::ENROL_PATH, hex::encode(public_key));
        let (_, body) = self.send(what, "DELETE", &path, None)?;
        parse_json(what, &body)
    }

    /// Links a passkey to the officer whose key signs this request.
    pub fn link_passkey(&self, link: &officer::PasskeyLink) -> Result<PasskeyJson, HqError> {
        let what = "the passkey link";
        let body: serde_json::Value = serde_json::from_slice(&link.to_body())
            .map_err(|e| HqError::BadRequest { what: what.into(), detail: e.to_string() })?;
        self.post_json(what, officer::webauthn::LINK_PATH, &body)
    }

    pub fn flags(&self) -> Result<Vec<FlagJson>, HqError> {
        self.get_json("the list of risk flags", "/v1/officer/flags")
    }

    /// Makes the revocation of one purse: it waits for a second officer's approval.
    pub fn revoke_purse(&self, purse_id: &str, reason: &str) -> Result<PendingJson, HqError> {
        let path = format!("/v1/officer/purses/{}/revoke", path_segment(&purse_id.to_ascii_lowercase()));
        let body = serde_json::json!(RevocationBody { reason: reason.to_owned() });
        self.post_json("the purse revocation", &path, &body)
    }

    /// Makes the revocation of a member's device (no more syncs, its purses revoked): it waits
    /// for a second officer's approval.
    pub fn revoke_device(&self, member_id: &str, reason: &str) -> Result<PendingJson, HqError> {
        let path = format!("/v1/officer/members/{}/revoke-device", path_segment(member_id));
        let body = serde_json::json!(RevocationBody { reason: reason.to_owned() });
        self.post_json(&format!("the revocation of {member_id}'s device"), &path, &body)
    }

    /// The ledger's newest checkpoint as it serves it at `GET /v1/checkpoint` (JSON with the
    /// signed bytes in hex), unparsed: an auditor keeps exactly what was served. Public.
    pub fn checkpoint(&self) -> Result<Vec<u8>, HqError> {
        let what = "the checkpoint (GET /v1/checkpoint)";
        let response =
            self.agent.get(format!("{}/v1/checkpoint", self.url)).call().map_err(|e| self.unreachable(e))?;
        self.read_answer(what, response, MAX_JSON_ANSWER)
    }

    /// The audit export, in the format `outpost_wallet_core::audit::decode_export` reads.
    pub fn audit_export(&self) -> Result<Vec<u8>, HqError> {
        let what = "the audit export (GET /v1/officer/audit)";
        let response = self.request("GET", "/v1/officer/audit", None)?;
        self.read_answer(what, response, MAX_EXPORT)
    }

    /// One signed request as given; the answer's bytes.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>, HqError> {
        let what = format!("{method} {path}");
        let response = self.request(method, path, body)?;
        self.read_answer(&what, response, MAX_EXPORT)
    }

    fn get_json<T: DeserializeOwned>(&self, what: &str, path: &str) -> Result<T, HqError> {
        let (_, body) = self.send(what, "GET", path, None)?;
        parse_json(what, &body)
    }

    fn post_json<T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, HqError> {
        let (_, body) = self.send(what, "POST", path, Some(body))?;
        parse_json(what, &body)
    }

    /// Sends one request and returns the status and body of a 2xx answer.
    fn send(
        &self,
        what: &str,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, Vec<u8>), HqError> {
        let response = self.request(method, path, body)?;
        let status = response.status().as_u16();
        Ok((status, self.read_answer(what, response, MAX_JSON_ANSWER)?))
    }

    /// One request, signed by the officer's key when the command has one (every `/v1/officer/…`
    /// request needs it; the ledger says so if it is missing).
    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<ureq::http::Response<ureq::Body>, HqError> {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let mut request = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.url));
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        if let Some(key) = &self.officer {
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            let signed = key.sign_request(method, path, &bytes, now).map_err(|e| HqError::BadRequest {
                what: format!("{method} {path}"),
                detail: e.to_string(),
            })?;
            request = request.header(officer::HEADER, signed.to_header());
        }
        let request = request
            .body(bytes)
            .map_err(|e| HqError::BadRequest { what: format!("{method} {path}"), detail: e.to_string() })?;
        self.agent.run(request).map_err(|e| self.unreachable(e))
    }

    fn unreachable(&self, e: ureq::Error) -> HqError {
        let (url, detail) = (self.url.clone(), e.to_string());
        match e {
            _ if detail.contains("invalid peer certificate") => HqError::Untrusted { url, detail },
            ureq::Error::Tls(_) | ureq::Error::Rustls(_) => HqError::TlsFailed { url, detail },
            _ => HqError::Unreachable { url, detail },
        }
    }

    /// The body of a 2xx answer, or the refusal with the ledger's words.
    fn read_answer(
        &self,
        what: &str,
        mut response: ureq::http::Response<ureq::Body>,
        limit: u64,
    ) -> Result<Vec<u8>, HqError> {
        let status = response.status().as_u16();
        let mut body = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| HqError::Unreachable { url: self.url.clone(), detail: e.to_string() })?;
        if !(200..300).contains(&status) {
            return Err(match ledger_words(&body) {
                Some(message) => HqError::Refused { what: what.into(), status, message },
                None => HqError::RefusedWithoutWords { what: what.into(), status, body: body_text(&body) },
            });
        }
        if body.len() as u64 > limit {
            return Err(HqError::BadAnswer {
                what: what.into(),
                detail: format!("it is larger than the {limit} bytes this command reads"),
            });
        }
        Ok(body)
    }
}

fn parse_json<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, HqError> {
    serde_json::from_slice(body).map_err(|e| HqError::BadAnswer { what: what.into(), detail: e.to_string() })
}

/// The ledger's `{"error": "…"}` text, kept short, if the body is that.
fn ledger_words(body: &[u8]) -> Option<String> {
    let json = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    json.get("error").and_then(|e| e.as_str()).filter(|m| !m.trim().is_empty()).map(shortened)
}

/// A body that is not the ledger's `{"error": "…"}`, as text, kept short.
fn body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body).trim().to_owned();
    if text.is_empty() { "an empty body".into() } else { shortened(&text) }
}

fn shortened(text: &str) -> String {
    let mut short: String = text.chars().take(300).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// A pending act's id: 64 hexadecimal digits.
pub fn parse_id(text: &str) -> Result<[u8; 32], Error> {
    parse_hex(text, "a pending act's id")
}

/// A 32-byte key written as 64 hexadecimal digits; `what` names it in the refusal.
pub fn parse_key(text: &str, what: &'static str) -> Result<[u8; 32], Error> {
    parse_hex(text, what)
}

fn parse_hex(text: &str, what: &'static str) -> Result<[u8; 32], Error> {
    let text = text.trim();
    hex::decode_array(text).ok().ok_or_else(|| Error::NotHex { what, chars: text.chars().count() })
}

/// `text` made safe as one URL path segment, so a member id can never reach another endpoint:
/// the one spelling the ledger and the offline audit expect in an officer's signed path.
use outpost_wallet_core::officer::authority::path_segment;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_cannot_leave_their_path_segment() {
        assert_eq!(path_segment("AIKO-0001"), "AIKO-0001");
        assert_eq!(path_segment("../flags"), "..%2Fflags");
        assert_eq!(path_segment("a b?c#d"), "a%20b%3Fc%23d");
        assert_eq!(path_segment("ü"), "%C3%BC");
    }

    #[test]
    fn a_ledger_key_is_64_hex_digits() {
        let hex = "ab".repeat(32);
        assert_eq!(parse_key(&hex, "the ledger key").unwrap(), [0xab; 32]);
        assert_eq!(parse_key(&format!(" {} \n", hex.to_uppercase()), "the ledger key").unwrap(), [0xab; 32]);
        assert!(parse_key(&hex[..62], "the ledger key").unwrap_err().to_string().contains("62 characters"));
        assert!(parse_key(&"zz".repeat(32), "the ledger key").is_err());
    }

    #[test]
    fn the_ledgers_own_words_explain_a_refusal() {
        assert_eq!(ledger_words(br#"{"error":"no member BEN-0002"}"#).unwrap(), "no member BEN-0002");
        assert_eq!(ledger_words(b"Bad Gateway\n"), None);
        assert_eq!(body_text(b"Bad Gateway\n"), "Bad Gateway");
        assert_eq!(body_text(b""), "an empty body");
        assert!(
            ledger_words(format!(r#"{{"error":"{}"}}"#, "x".repeat(400)).as_bytes()).unwrap().ends_with('…')
        );
    }

    #[test]
    fn only_plain_http_urls_are_accepted() {
        assert_eq!(Hq::new("http://127.0.0.1:7300/").unwrap().url(), "http://127.0.0.1:7300");
        assert!(Hq::new("https://hq.example").unwrap().is_https());
        assert!(matches!(Hq::new("ftp://hq.example"), Err(Error::UrlScheme { .. })));
        assert!(matches!(Hq::new("http://"), Err(Error::UrlNoHost { .. })));
    }
}
