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
use crate::audit::{Account, AuditEntry, EntryKind, LedgerAmount};
use crate::hex;
use crate::money::Currency;
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

/// What is wrong with an entry's officer evidence: a phrase, shown inside the audit's
/// [`crate::audit::AuditError::BadEntry`]. Officers are named by name once enrolled, else by the
/// start of their key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfficerFault {
    #[error("a founding officer is named after the ledger had officers, and founders are set once")]
    FoundedTwice,
    #[error("an officer is enrolled or removed in a ledger founded without officers")]
    NoOfficersToAct,
    #[error("it is an officer act without the officers' signatures")]
    Unsigned,
    #[error("{what} does not decode ({reason})")]
    Unreadable { what: &'static str, reason: String },
    #[error("a signature on {what} does not verify")]
    BadSignature { what: &'static str },
    #[error("it is signed by {officer}, who is not an officer at this point")]
    NotAnOfficer { officer: String },
    #[error("{officer} signed it twice, and the approvals must be by different officers")]
    SignedTwice { officer: String },
    #[error(
        "it is signed by {signers} officer only, and an officer act needs at least {MIN_SIGNERS} different officers"
    )]
    TooFewSigners { signers: usize },
    #[error("it removes someone who is not an officer")]
    RemovesNonOfficer,
    #[error("it leaves fewer than {MIN_SIGNERS} officers, who could no longer act")]
    LeavesTooFew,
    #[error("it is signed by a passkey not linked to {officer} at this point")]
    PasskeyNotLinked { officer: String },
    #[error("{officer}'s passkey signed it outside its link ({reason})")]
    PasskeyMisused { officer: String, reason: String },
    #[error("a passkey is linked in a ledger founded without officers")]
    PasskeyWithoutOfficers,
    #[error("a passkey link carries no officer's signature")]
    LinkUnsigned,
    #[error("a passkey is linked by another passkey, and only the officer's own key may link one")]
    LinkedByPasskey,
    #[error("the passkey link is not the request of the officer it links")]
    LinkNotTheOfficers,
    #[error("a passkey is linked by {officer}, who is not an officer")]
    LinkedByNonOfficer { officer: String },
    #[error("the passkey is already linked to another officer")]
    LinkedTwice,
    #[error("a founding officer has no self-signed enrolment")]
    FounderUnsigned,
    #[error("a founding enrolment carries approvals")]
    FounderApproved,
    #[error("{officer} is named a founding officer twice")]
    FounderTwice { officer: String },
    #[error("the self-enrolment is not signed by the officer it enrols")]
    NotSelfSigned,
    #[error("the self-enrolment names nobody")]
    Nameless,
    #[error("the signed body {problem}")]
    BadBody { problem: &'static str },
    #[error("the officers signed {method} {path}, which is not {expected}")]
    SignedOther { method: String, path: String, expected: &'static str },
    #[error("the officers signed a credit of {signed}, not the {credited} credited")]
    CreditDiffers { signed: SignedAmount, credited: LedgerAmount },
    #[error("the officers signed a purse limit of {signed}, not the {limit} set")]
    LimitDiffers { signed: SignedAmount, limit: LedgerAmount },
    #[error("the credit has no payroll batch reference")]
    NoBatch,
    #[error("the officers approved another wallet than the one put in")]
    OtherWallet,
}

/// An amount as the officers' signed body gives it, which may be missing or not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedAmount {
    Amount(LedgerAmount),
    NotANumber,
}

impl std::fmt::Display for SignedAmount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignedAmount::Amount(amount) => amount.fmt(f),
            SignedAmount::NotANumber => f.write_str("no amount"),
        }
    }
}

impl SignedAmount {
    fn of(signed: Option<u64>) -> Self {
        match signed.and_then(|a| i64::try_from(a).ok()) {
            Some(minor) => SignedAmount::Amount(LedgerAmount { minor, currency: None }),
            None => SignedAmount::NotANumber,
        }
    }
}

impl OfficerFault {
    /// The fault with its amounts in the ledger's currency, which the officer set does not know.
    pub fn priced(self, currency: Option<Currency>) -> Self {
        let price = |mut amount: LedgerAmount| {
            amount.currency = currency;
            amount
        };
        let price_signed = |signed: SignedAmount| match signed {
            SignedAmount::Amount(amount) => SignedAmount::Amount(price(amount)),
            other => other,
        };
        match self {
            OfficerFault::CreditDiffers { signed, credited } => {
                OfficerFault::CreditDiffers { signed: price_signed(signed), credited: price(credited) }
            }
            OfficerFault::LimitDiffers { signed, limit } => {
                OfficerFault::LimitDiffers { signed: price_signed(signed), limit: price(limit) }
            }
            other => other,
        }
    }
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

    /// An officer as the audit names them: by name once enrolled, else by the start of their key.
    fn name(&self, key: &[u8; 32]) -> String {
        self.active.get(key).cloned().unwrap_or_else(|| short(key))
    }

    pub fn active(&self) -> &BTreeMap<[u8; 32], String> {
        &self.active
    }

    /// Reads the next entry: `Ok(Some(_))` for an officer act, with who did it. The error says
    /// what is wrong with the entry's officer evidence.
    pub fn read(&mut self, entry: &AuditEntry) -> Result<Option<Attribution>, OfficerFault> {
        if entry.kind == EntryKind::LedgerCreated {
            return Ok(None);
        }
        if entry.kind == EntryKind::OfficerFounded {
            if self.founded && !self.founding {
                return Err(OfficerFault::FoundedTwice);
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
                return Err(OfficerFault::NoOfficersToAct);
            }
            self.unattributed += 1;
            return Ok(None);
        }
        let bytes = entry.evidence.last().ok_or(OfficerFault::Unsigned)?;
        let authorisation = Authorisation::from_bytes(bytes).map_err(|e| unreadable(OFFICER_EVIDENCE, &e))?;
        authorisation.verify().map_err(|_| OfficerFault::BadSignature { what: OFFICER_EVIDENCE })?;
        let mut officers = Vec::new();
        for signed in std::iter::once(&authorisation.maker).chain(&authorisation.approvals) {
            self.check_passkey(signed)?;
            let key = *signed.officer_key();
            let name =
                self.active.get(&key).ok_or_else(|| OfficerFault::NotAnOfficer { officer: short(&key) })?;
            if officers.iter().any(|(k, _)| *k == key) {
                return Err(OfficerFault::SignedTwice { officer: name.clone() });
            }
            officers.push((key, name.clone()));
        }
        if officers.len() < MIN_SIGNERS {
            return Err(OfficerFault::TooFewSigners { signers: officers.len() });
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
                    return Err(OfficerFault::RemovesNonOfficer);
                }
                if self.active.len() < MIN_SIGNERS {
                    return Err(OfficerFault::LeavesTooFew);
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
    fn check_passkey(&self, signed: &SignedOfficerRequest) -> Result<(), OfficerFault> {
        let Some(used) =
            signed.verify().map_err(|_| OfficerFault::BadSignature { what: OFFICER_EVIDENCE })?
        else {
            return Ok(());
        };
        match self.passkeys.get(&used.public_key) {
            Some((officer, link)) if officer == signed.officer_key() => link
                .check_use(&used)
                .map_err(|reason| OfficerFault::PasskeyMisused { officer: self.name(officer), reason }),
            _ => Err(OfficerFault::PasskeyNotLinked { officer: self.name(signed.officer_key()) }),
        }
    }

    fn link(&mut self, entry: &AuditEntry) -> Result<Attribution, OfficerFault> {
        if !self.founded {
            return Err(OfficerFault::PasskeyWithoutOfficers);
        }
        let bytes = entry.evidence.last().ok_or(OfficerFault::LinkUnsigned)?;
        let authorisation = Authorisation::from_bytes(bytes).map_err(|e| unreadable(PASSKEY_LINK, &e))?;
        authorisation.verify().map_err(|_| OfficerFault::BadSignature { what: PASSKEY_LINK })?;
        let maker = &authorisation.maker;
        if !matches!(maker.signature, OfficerSignature::Ed25519(_)) {
            return Err(OfficerFault::LinkedByPasskey);
        }
        if *maker.officer_key() != entry.subject
            || maker.request.method != "POST"
            || maker.request.path != LINK_PATH
        {
            return Err(OfficerFault::LinkNotTheOfficers);
        }
        let name = self
            .active
            .get(&entry.subject)
            .ok_or_else(|| OfficerFault::LinkedByNonOfficer { officer: short(&entry.subject) })?
            .clone();
        let link = PasskeyLink::from_body(&authorisation.body)
            .map_err(|reason| OfficerFault::Unreadable { what: PASSKEY_LINK, reason })?;
        if self.passkeys.get(&link.public_key).is_some_and(|(officer, _)| *officer != entry.subject) {
            return Err(OfficerFault::LinkedTwice);
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

    fn found(&mut self, entry: &AuditEntry) -> Result<Attribution, OfficerFault> {
        let bytes = entry.evidence.first().ok_or(OfficerFault::FounderUnsigned)?;
        let enrolment =
            Authorisation::from_bytes(bytes).map_err(|e| unreadable("the founding enrolment", &e))?;
        let name = check_self_enrolment(&enrolment, &entry.subject)?;
        if !enrolment.approvals.is_empty() {
            return Err(OfficerFault::FounderApproved);
        }
        if self.active.insert(entry.subject, name.clone()).is_some() {
            return Err(OfficerFault::FounderTwice { officer: name });
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
pub fn check_self_enrolment(enrolment: &Authorisation, key: &[u8; 32]) -> Result<String, OfficerFault> {
    enrolment.verify().map_err(|_| OfficerFault::BadSignature { what: "the self-enrolment" })?;
    let request = &enrolment.maker.request;
    let body = enrolment.body_json().ok_or(OfficerFault::BadBody { problem: "is not JSON" })?;
    let named = body["public_key"].as_str().and_then(|k| hex::decode(k).ok());
    if request.officer_key != *key
        || named.as_deref() != Some(&key[..])
        || request.method != "POST"
        || request.path != ENROL_PATH
    {
        return Err(OfficerFault::NotSelfSigned);
    }
    body["name"]
        .as_str()
        .filter(|n| !n.trim().is_empty() && n.len() <= super::key_file::MAX_NAME)
        .map(str::to_owned)
        .ok_or(OfficerFault::Nameless)
}

fn enrolled_name(entry: &AuditEntry, authorisation: &Authorisation) -> Result<String, OfficerFault> {
    let body: OfficerEnrolmentBody =
        authorisation.body_as().ok_or(OfficerFault::BadBody { problem: "has no enrolment code" })?;
    let bytes = hex::decode(body.enrolment.trim())
        .map_err(|_| OfficerFault::BadBody { problem: "has an enrolment code that is not hex" })?;
    let enrolment = Authorisation::from_bytes(&bytes).map_err(|e| unreadable("the enrolment code", &e))?;
    check_self_enrolment(&enrolment, &entry.subject)
}

/// The maker's signed request and body say exactly what the entry did. Returns a credit's batch.
fn check_says(entry: &AuditEntry, authorisation: &Authorisation) -> Result<Option<String>, OfficerFault> {
    let request = &authorisation.maker.request;
    let wrong = |expected: &'static str| {
        Err(OfficerFault::SignedOther {
            method: request.method.clone(),
            path: request.path.clone(),
            expected,
        })
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
                return Err(OfficerFault::CreditDiffers {
                    signed: SignedAmount::of(signed),
                    credited: LedgerAmount { minor: credited, currency: None },
                });
            }
            return body
                .map(|b| b.batch)
                .filter(|b| !b.trim().is_empty())
                .map(Some)
                .ok_or(OfficerFault::NoBatch);
        }
        EntryKind::PurseLimitSet => {
            if request.method != "PUT" || request.path != member_path("purse-limit") {
                return wrong("this member's purse limit");
            }
            let limit = u64::from_be_bytes(entry.subject[..8].try_into().expect("8 bytes"));
            let signed = authorisation.body_as::<PurseLimitBody>().map(|b| b.limit_minor);
            if signed != Some(limit) {
                return Err(OfficerFault::LimitDiffers {
                    signed: SignedAmount::of(signed),
                    limit: LedgerAmount { minor: i64::try_from(limit).unwrap_or(i64::MAX), currency: None },
                });
            }
        }
        EntryKind::DeviceReplaced => {
            if request.method != "POST" || request.path != member_path("replace-device") {
                return wrong("a replacement of this member's device");
            }
            let body: EnrolmentBody =
                authorisation.body_as().ok_or(OfficerFault::BadBody { problem: "has no enrolment QR" })?;
            let bytes = qr::expect(&body.enrolment_qr, PayloadKind::Enrolment)
                .map_err(|e| unreadable("the signed enrolment QR", &e))?;
            let request =
                EnrolmentRequest::from_bytes(&bytes).map_err(|e| unreadable("the signed enrolment", &e))?;
            if request.identity.signing_key != entry.subject || entry.evidence.first() != Some(&bytes) {
                return Err(OfficerFault::OtherWallet);
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

const OFFICER_EVIDENCE: &str = "the officers' authorisation";
const PASSKEY_LINK: &str = "the passkey link";

fn unreadable(what: &'static str, reason: &impl std::fmt::Display) -> OfficerFault {
    OfficerFault::Unreadable { what, reason: reason.to_string() }
}

fn short(key: &[u8; 32]) -> String {
    format!("the holder of key {}", hex::encode(&key[..8]))
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
            Err(OfficerFault::CreditDiffers {
                signed: SignedAmount::Amount(LedgerAmount { minor: 1_000, currency: None }),
                credited: LedgerAmount { minor: 10_000, currency: None },
            })
        );

        let (entry, signed) = credit(1_000, r#"{"amount_minor":1000,"memo":"pay","batch":" "}"#);
        assert_eq!(check_says(&entry, &signed), Err(OfficerFault::NoBatch));

        // A field the server would have refused: the body is not a credit's, so it signed no amount.
        let (entry, signed) =
            credit(1_000, r#"{"amount_minor":1000,"memo":"pay","batch":"2026-11","extra":1}"#);
        assert_eq!(
            check_says(&entry, &signed),
            Err(OfficerFault::CreditDiffers {
                signed: SignedAmount::NotANumber,
                credited: LedgerAmount { minor: 1_000, currency: None },
            })
        );
    }
}
