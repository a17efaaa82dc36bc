//! Who may act, replayed from the audit log: the officer set, and the check that each officer
//! act in the log carries the signatures that allow it and says exactly what the entry did.
//!
//! The offline audit ([`crate::audit::audit_log`]) feeds every entry, in order, to
//! [`OfficerSet::read`]. The rules:
//! - The founding officers are one run of `OfficerFounded` entries, each carrying the officer's
//!   own self-signed enrolment (proof they hold the key), no approvals: straight after
//!   `LedgerCreated`, or, in a ledger begun by a build from before officers, wherever it was
//!   first given officers. Founders are set once: no founding entry after that run.
//! - After that, every officer act (a credit, a purse limit, a device replaced or reported lost,
//!   a purse revoked by an officer, an officer enrolled or removed) carries an [`Authorisation`]
//!   as its last piece of evidence: every signature verifies, the maker and approvers are
//!   distinct officers enrolled at that point, there are at least [`MIN_SIGNERS`] of them, and
//!   the maker's signed request and body name exactly what the entry did.
//! - A ledger created without officers (the library used directly, in tests and benchmarks)
//!   has nobody to attribute acts to: its officer acts are counted as unattributed instead.
//! - Removing an officer that would leave fewer than [`MIN_SIGNERS`] is refused.
//! - A passkey signs for an officer only once a `PasskeyLinked` entry links it, signed by that
//!   officer's own Ed25519 key (never by a passkey: a stolen passkey cannot add another). Each
//!   passkey signature in an act must be by a passkey linked to the officer it names, for the
//!   link's relying party and origin (docs/adr/0021).

use std::collections::BTreeMap;

use super::body::{CreditBody, EnrolmentBody, OfficerEnrolmentBody, PurseLimitBody};
use super::webauthn::LINK_PATH;
use super::{Authorisation, ENROL_PATH, OfficerSignature, PasskeyLink, SignedOfficerRequest};
use crate::audit::{Account, AuditEntry, EntryKind};
use crate::hex;
use crate::protocol::EnrolmentRequest;
use crate::qr::{self, PayloadKind};

/// The fewest distinct officers behind any officer act: the maker and one approver.
pub const MIN_SIGNERS: usize = 2;

/// Who did an officer act, as the audit reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub seq: u64,
    pub kind: EntryKind,
    pub member_id: String,
    /// The maker first, then the approvers: (public key, name).
    pub officers: Vec<([u8; 32], String)>,
    /// A credit's payroll batch reference, from the maker's signed body.
    pub batch: Option<String>,
    /// A credit's amount, in minor units.
    pub amount_minor: Option<i64>,
}

/// The officer set as the log has built it so far.
#[derive(Debug, Default, Clone)]
pub struct OfficerSet {
    active: BTreeMap<[u8; 32], String>,
    /// Linked passkeys by public key: the officer each signs for, and the link.
    passkeys: BTreeMap<[u8; 65], ([u8; 32], PasskeyLink)>,
    /// The previous entry was a founding enrolment: the run of founders is still being read.
    founding: bool,
    founded: bool,
    /// Officer acts in a ledger created without officers.
    pub unattributed: u64,
}

impl OfficerSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn active(&self) -> &BTreeMap<[u8; 32], String> {
        &self.active
    }

    /// Reads the next entry: `Ok(Some(_))` for an officer act, with who did it. The error says
    /// what is wrong with the entry's officer evidence.
    pub fn read(&mut self, entry: &AuditEntry) -> Result<Option<Attribution>, String> {
        if entry.kind == EntryKind::LedgerCreated {
            return Ok(None);
        }
        if entry.kind == EntryKind::OfficerFounded {
            if self.founded && !self.founding {
                return Err(
                    "a founding officer named after the ledger had officers: founders are set once".into()
                );
            }
            self.founding = true;
            return self.found(entry).map(Some);
        }
        self.founding = false;
        if entry.kind == EntryKind::PasskeyLinked {
            return self.link(entry).map(Some);
        }
        let officer_act = match entry.kind {
            EntryKind::Credited
            | EntryKind::PurseLimitSet
            | EntryKind::DeviceReplaced
            | EntryKind::DeviceLost
            | EntryKind::OfficerEnrolled
            | EntryKind::OfficerRemoved => true,
            // A purse revoked by an officer carries the authorisation; one revoked by a double
            // spend or with its device does not.
            EntryKind::Revoked => !entry.evidence.is_empty(),
            _ => false,
        };
        if !officer_act {
            return Ok(None);
        }
        if !self.founded {
            if matches!(entry.kind, EntryKind::OfficerEnrolled | EntryKind::OfficerRemoved) {
                return Err("an officer enrolled or removed in a ledger founded without officers".into());
            }
            self.unattributed += 1;
            return Ok(None);
        }
        let bytes = entry.evidence.last().ok_or("an officer act without the officers' signatures")?;
        let authorisation = Authorisation::from_bytes(bytes).map_err(|e| format!("officer evidence: {e}"))?;
        authorisation.verify().map_err(|e| format!("officer evidence: {e}"))?;
        let mut officers = Vec::new();
        for signed in std::iter::once(&authorisation.maker).chain(&authorisation.approvals) {
            self.check_passkey(signed)?;
            let key = *signed.officer_key();
            let name = self
                .active
                .get(&key)
                .ok_or_else(|| format!("signed by {}, who is not an officer at this point", short(&key)))?;
            if officers.iter().any(|(k, _)| *k == key) {
                return Err(format!("{name} signed twice: the approvals must be by different officers"));
            }
            officers.push((key, name.clone()));
        }
        if officers.len() < MIN_SIGNERS {
            return Err(format!(
                "signed by {}; an officer act needs at least {MIN_SIGNERS} different officers",
                if officers.len() == 1 {
                    "one officer only".to_owned()
                } else {
                    format!("{} officers", officers.len())
                }
            ));
        }
        let batch = check_says(entry, &authorisation)?;
        let amount_minor = (entry.kind == EntryKind::Credited).then(|| {
            entry
                .moves
                .iter()
                .filter(|m| m.account == Account::Member(entry.member_id.clone()))
                .map(|m| m.delta)
                .sum()
        });
        match entry.kind {
            EntryKind::OfficerEnrolled => {
                let name = enrolled_name(entry, &authorisation)?;
                self.active.insert(entry.subject, name);
            }
            EntryKind::OfficerRemoved => {
                if self.active.remove(&entry.subject).is_none() {
                    return Err("removes someone who is not an officer".into());
                }
                if self.active.len() < MIN_SIGNERS {
                    return Err(format!("leaves fewer than {MIN_SIGNERS} officers, who could no longer act"));
                }
            }
            _ => {}
        }
        Ok(Some(Attribution {
            seq: entry.seq,
            kind: entry.kind,
            member_id: entry.member_id.clone(),
            officers,
            batch,
            amount_minor,
        }))
    }

    /// A passkey signature must be by a passkey linked to the officer the request names, for
    /// the link's relying party and origin.
    fn check_passkey(&self, signed: &SignedOfficerRequest) -> Result<(), String> {
        let Some(used) = signed.verify().map_err(|e| format!("officer evidence: {e}"))? else {
            return Ok(());
        };
        match self.passkeys.get(&used.public_key) {
            Some((officer, link)) if officer == signed.officer_key() => link.check_use(&used),
            _ => Err(format!(
                "signed by a passkey not linked to {} at this point",
                short(signed.officer_key())
            )),
        }
    }

    fn link(&mut self, entry: &AuditEntry) -> Result<Attribution, String> {
        if !self.founded {
            return Err("a passkey linked in a ledger founded without officers".into());
        }
        let bytes = entry.evidence.last().ok_or("a passkey link without the officer's signature")?;
        let authorisation = Authorisation::from_bytes(bytes).map_err(|e| format!("passkey link: {e}"))?;
        authorisation.verify().map_err(|e| format!("passkey link: {e}"))?;
        let maker = &authorisation.maker;
        if !matches!(maker.signature, OfficerSignature::Ed25519(_)) {
            return Err("a passkey is linked with the officer's own key, not with another passkey".into());
        }
        if *maker.officer_key() != entry.subject
            || maker.request.method != "POST"
            || maker.request.path != LINK_PATH
        {
            return Err("the passkey link is not the request of the officer it links".into());
        }
        let name = self
            .active
            .get(&entry.subject)
            .ok_or_else(|| format!("a passkey linked by {}, who is not an officer", short(&entry.subject)))?
            .clone();
        let link = PasskeyLink::from_body(&authorisation.body)?;
        if self.passkeys.get(&link.public_key).is_some_and(|(officer, _)| *officer != entry.subject) {
            return Err("a passkey already linked to another officer".into());
        }
        self.passkeys.insert(link.public_key, (entry.subject, link));
        Ok(Attribution {
            seq: entry.seq,
            kind: entry.kind,
            member_id: String::new(),
            officers: vec![(entry.subject, name)],
            batch: None,
            amount_minor: None,
        })
    }

    fn found(&mut self, entry: &AuditEntry) -> Result<Attribution, String> {
        let bytes = entry.evidence.first().ok_or("a founding officer without their self-signed enrolment")?;
        let enrolment = Authorisation::from_bytes(bytes).map_err(|e| format!("founding enrolment: {e}"))?;
        let name = check_self_enrolment(&enrolment, &entry.subject)?;
        if !enrolment.approvals.is_empty() {
            return Err("a founding enrolment carries approvals".into());
        }
        if self.active.insert(entry.subject, name.clone()).is_some() {
            return Err("the same founding officer twice".into());
        }
        self.founded = true;
        Ok(Attribution {
            seq: entry.seq,
            kind: entry.kind,
            member_id: String::new(),
            officers: vec![(entry.subject, name)],
            batch: None,
            amount_minor: None,
        })
    }
}

/// An officer's own enrolment, signed with the key it enrols: returns their name.
pub fn check_self_enrolment(enrolment: &Authorisation, key: &[u8; 32]) -> Result<String, String> {
    enrolment.verify().map_err(|e| format!("self-enrolment: {e}"))?;
    let request = &enrolment.maker.request;
    let body = enrolment.body_json().ok_or("the self-enrolment's body is not JSON")?;
    let named = body["public_key"].as_str().and_then(|k| hex::decode(k).ok());
    if request.officer_key != *key
        || named.as_deref() != Some(&key[..])
        || request.method != "POST"
        || request.path != ENROL_PATH
    {
        return Err("the self-enrolment is not signed by the officer it enrols".into());
    }
    body["name"]
        .as_str()
        .filter(|n| !n.trim().is_empty() && n.len() <= super::key_file::MAX_NAME)
        .map(str::to_owned)
        .ok_or_else(|| "the self-enrolment names nobody".into())
}

fn enrolled_name(entry: &AuditEntry, authorisation: &Authorisation) -> Result<String, String> {
    let body: OfficerEnrolmentBody = authorisation.body_as().ok_or("the body has no enrolment code")?;
    let bytes = hex::decode(body.enrolment.trim()).map_err(|_| "the enrolment code is not hex")?;
    let enrolment = Authorisation::from_bytes(&bytes).map_err(|e| format!("the enrolment code: {e}"))?;
    check_self_enrolment(&enrolment, &entry.subject)
}

/// The maker's signed request and body say exactly what the entry did. Returns a credit's batch.
fn check_says(entry: &AuditEntry, authorisation: &Authorisation) -> Result<Option<String>, String> {
    let request = &authorisation.maker.request;
    let wrong = |what: &str| {
        Err(format!("the officers signed {} {}, which is not {what}", request.method, request.path))
    };
    let member_path =
        |action: &str| format!("/v1/officer/members/{}/{action}", path_segment(&entry.member_id));
    match entry.kind {
        EntryKind::Credited => {
            if request.method != "POST" || request.path != member_path("credit") {
                return wrong("a credit to this member");
            }
            let credited: i64 = entry
                .moves
                .iter()
                .filter(|m| m.account == Account::Member(entry.member_id.clone()))
                .map(|m| m.delta)
                .sum();
            // A body that is not a credit's signed no amount.
            let body = authorisation.body_as::<CreditBody>();
            let signed = body.as_ref().map(|b| b.amount_minor);
            if signed.and_then(|a| i64::try_from(a).ok()) != Some(credited) {
                let signed = signed.map_or_else(|| "null".to_owned(), |a| a.to_string());
                return Err(format!("the officers signed a credit of {signed}, not the {credited} credited"));
            }
            return body
                .map(|b| b.batch)
                .filter(|b| !b.trim().is_empty())
                .map(Some)
                .ok_or_else(|| "the credit has no payroll batch reference".into());
        }
        EntryKind::PurseLimitSet => {
            if request.method != "PUT" || request.path != member_path("purse-limit") {
                return wrong("this member's purse limit");
            }
            let limit = u64::from_be_bytes(entry.subject[..8].try_into().expect("8 bytes"));
            let signed = authorisation.body_as::<PurseLimitBody>().map(|b| b.limit_minor);
            if signed != Some(limit) {
                let signed = signed.map_or_else(|| "null".to_owned(), |l| l.to_string());
                return Err(format!("the officers signed a limit of {signed}, not {limit}"));
            }
        }
        EntryKind::DeviceReplaced => {
            if request.method != "POST" || request.path != member_path("replace-device") {
                return wrong("a replacement of this member's device");
            }
            let body: EnrolmentBody = authorisation.body_as().ok_or("the body has no enrolment QR")?;
            let bytes = qr::expect(&body.enrolment_qr, PayloadKind::Enrolment)
                .map_err(|e| format!("the signed enrolment QR: {e}"))?;
            let request =
                EnrolmentRequest::from_bytes(&bytes).map_err(|e| format!("the signed enrolment: {e}"))?;
            if request.identity.signing_key != entry.subject || entry.evidence.first() != Some(&bytes) {
                return Err("the officers approved another wallet than the one put in".into());
            }
        }
        EntryKind::DeviceLost => {
            let fits = request.method == "POST"
                && (request.path == member_path("revoke-device")
                    || request.path == member_path("replace-device"));
            return if fits {
                Ok(None)
            } else {
                wrong("a revocation or replacement of this member's device")
            };
        }
        EntryKind::Revoked => {
            let path = format!("/v1/officer/purses/{}/revoke", hex::encode(&entry.subject));
            let fits = request.method == "POST" && request.path == path;
            return if fits { Ok(None) } else { wrong("a revocation of this purse") };
        }
        EntryKind::OfficerEnrolled => {
            let fits = request.method == "POST" && request.path == ENROL_PATH;
            return if fits { Ok(None) } else { wrong("an officer enrolment") };
        }
        EntryKind::OfficerRemoved => {
            let path = format!("{ENROL_PATH}/{}", hex::encode(&entry.subject));
            let fits = request.method == "DELETE" && request.path == path;
            return if fits { Ok(None) } else { wrong("this officer's removal") };
        }
        _ => {}
    }
    Ok(None)
}

/// `text` as one URL path segment, as the CLI and the ledger write it: unreserved characters
/// stay, every other byte is percent-encoded (upper-case hex).
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn short(key: &[u8; 32]) -> String {
    hex::encode(&key[..8])
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;

    use super::*;
    use crate::audit::Move;
    use crate::officer::OfficerRequest;

    /// A credit of `credited` to AIKO-0001, and the maker's signed request for it with `body`.
    fn credit(credited: i64, body: &str) -> (AuditEntry, Authorisation) {
        let key = SigningKey::from_bytes(&[7; 32]);
        let path = "/v1/officer/members/AIKO-0001/credit";
        let body = body.as_bytes().to_vec();
        let maker = OfficerRequest::new(key.verifying_key().to_bytes(), "POST", path, &body, 1_000)
            .unwrap()
            .sign(&key);
        let entry = AuditEntry {
            seq: 5,
            at: 1_000,
            device_time: 0,
            kind: EntryKind::Credited,
            member_id: "AIKO-0001".into(),
            subject: [0; 32],
            moves: vec![Move { account: Account::Member("AIKO-0001".into()), delta: credited }],
            evidence: Vec::new(),
            detail: String::new(),
        };
        (entry, Authorisation { maker, body, approvals: Vec::new() })
    }

    #[test]
    fn a_credit_is_checked_against_the_body_the_server_reads() {
        let (entry, signed) = credit(1_000, r#"{"amount_minor":1000,"memo":"pay","batch":"2026-11"}"#);
        assert_eq!(check_says(&entry, &signed), Ok(Some("2026-11".to_owned())));

        let (entry, signed) = credit(10_000, r#"{"amount_minor":1000,"memo":"pay","batch":"2026-11"}"#);
        assert_eq!(
            check_says(&entry, &signed),
            Err("the officers signed a credit of 1000, not the 10000 credited".to_owned())
        );

        let (entry, signed) = credit(1_000, r#"{"amount_minor":1000,"memo":"pay","batch":" "}"#);
        assert_eq!(check_says(&entry, &signed), Err("the credit has no payroll batch reference".to_owned()));

        // A field the server would have refused: the body is not a credit's, so it signed no amount.
        let (entry, signed) =
            credit(1_000, r#"{"amount_minor":1000,"memo":"pay","batch":"2026-11","extra":1}"#);
        assert_eq!(
            check_says(&entry, &signed),
            Err("the officers signed a credit of null, not the 1000 credited".to_owned())
        );
    }
}
