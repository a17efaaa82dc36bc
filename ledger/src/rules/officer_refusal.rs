//! Why the ledger refused an officer's request, in the words the officer reads (the `outpost
//! ledger` and `outpost officer` commands, the console, the HTTP API's JSON `error`), with the HTTP
//! status that says whose fault it is. Every reason is a variant, so the whole set is checked
//! against `docs/messages.md` (`crate::messages`): one sentence, what happened, then what to do.

use outpost_wallet_core::clock::utc;
use outpost_wallet_core::officer::OfficerError;

use crate::rules::risk::duration;

/// An officer request refused, and why. `status` gives its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfficerRefusal {
    /// The signed request itself did not check out (its header, signature or binding).
    #[error(transparent)]
    Request(OfficerError),
    #[error("an officer enrolment code is hexadecimal: give it as `outpost officer new` printed it")]
    EnrolmentNotHex,
    #[error(
        "the officer enrolment code cannot be used ({detail}): give it again as `outpost officer new` printed it"
    )]
    BadEnrolment { detail: String },
    #[error(
        "an enrolment code carries approvals, which one never does: give the code `outpost officer new` printed"
    )]
    EnrolmentWithApprovals,
    #[error(
        "{what} is not 64 hexadecimal digits (the one given has {chars} characters): copy it again in full"
    )]
    NotHex { what: &'static str, chars: usize },
    #[error(
        "a new ledger needs at least {threshold} founding officers, since every officer act needs {threshold} \
         different officers: give one --founding-officer for each, with the code `outpost officer new` printed"
    )]
    TooFewFounders { threshold: usize },
    #[error("founding officer {name} is named twice: give each founder once")]
    FounderTwice { name: String },
    #[error(
        "an approval threshold of {given} is below the least allowed, {least}: set it to at least {least}"
    )]
    ThresholdTooLow { given: usize, least: usize },
    #[error("this officer was removed, and their key no longer acts for the ledger: ask a current officer")]
    Removed,
    #[error(
        "the request is signed by a key that is not an officer of this ledger: sign with your own officer key"
    )]
    NotAnOfficer,
    #[error(
        "the request was signed at {}, {} away from the ledger's clock ({}), more than the {} allowed: check \
         the officer's clock and sign again", utc(*.signed_at), duration(.signed_at.abs_diff(*.now)), utc(*.now),
        duration(*.skew)
    )]
    ClockSkew { signed_at: u64, now: u64, skew: u64 },
    #[error("this signed request was already used (a replay): sign a new one")]
    Replay,
    #[error(
        "this signed request and its body would leave the audit entry no room for its approvals: send a shorter body"
    )]
    NoRoomForApprovals,
    #[error("{maker} made this request and cannot approve it: another officer must")]
    MakerApproves { maker: String },
    #[error("{approver} already approved this request: another officer must give the next approval")]
    AlreadyApproved { approver: String },
    #[error(
        "with this approval the act's evidence would be larger than an audit entry holds: approve with your \
         officer key, whose signature is shorter"
    )]
    EvidenceTooLarge,
    #[error("a credit needs a payroll batch reference of 1 to 64 bytes: fill it in, or shorten it")]
    NoBatch,
    #[error("a credit of {amount} is above the cap of {cap} for one credit: credit at most {cap} at once")]
    AboveCreditCap { amount: String, cap: String },
    #[error(
        "this credit would bring the last 24 hours' credits to {total}, above the daily cap of {cap}: credit \
         the rest once earlier credits are a day old"
    )]
    AboveDailyCap { total: String, cap: String },
    #[error("{name} is already an officer: enrol only someone who is not")]
    AlreadyOfficer { name: String },
    #[error("no officer {key} is enrolled here: check the key with `outpost officer list`")]
    NoSuchOfficer { key: String },
    #[error(
        "removing this officer would leave fewer than the {threshold} officers every act needs: enrol another first"
    )]
    TooFewLeft { threshold: usize },
    #[error("no pending request {id} is here: check the id with `outpost ledger pending`")]
    NoPending { id: String },
    #[error(
        "request {id} was already {state}, so nothing more can be done with it: make a new request if it is still needed"
    )]
    NotPending { id: String, state: String },
    #[error("request {id} expired at {} without enough approvals: the maker must submit it again", utc(*.expired_at))]
    Expired { id: String, expired_at: u64 },
    #[error(
        "a passkey is linked with the officer's own key, not with a passkey: use `outpost officer link-passkey`"
    )]
    LinkWithPasskey,
    #[error("the passkey link cannot be used ({detail}): make a new link code on the console's Passkey page")]
    BadPasskeyLink { detail: String },
    #[error("this passkey is already linked: nothing needs to be done")]
    PasskeyLinked,
    #[error("this passkey is not linked to {officer}: link it with `outpost officer link-passkey`")]
    PasskeyNotLinked { officer: String },
    #[error("the passkey's signature was refused ({detail}): sign in to the console again")]
    PasskeyUse { detail: String },
    #[error(
        "the passkey's signature counter went from {last} to {now}, so it may have been copied: link a new \
         passkey, and have this officer's key checked"
    )]
    PasskeyCopied { last: u64, now: u32 },
}

impl OfficerRefusal {
    /// The HTTP status that says whose fault it is: 400 bad input, 401 not authenticated, 403 not
    /// allowed, 404 not found, 409 in conflict with what is there, 410 expired, 413 too large.
    pub fn status(&self) -> u16 {
        use OfficerRefusal as R;
        match self {
            R::EnrolmentNotHex
            | R::BadEnrolment { .. }
            | R::EnrolmentWithApprovals
            | R::NotHex { .. }
            | R::TooFewFounders { .. }
            | R::FounderTwice { .. }
            | R::ThresholdTooLow { .. }
            | R::NoBatch
            | R::BadPasskeyLink { .. } => 400,
            R::Request(_)
            | R::NotAnOfficer
            | R::ClockSkew { .. }
            | R::Replay
            | R::PasskeyNotLinked { .. }
            | R::PasskeyUse { .. }
            | R::PasskeyCopied { .. } => 401,
            R::Removed
            | R::MakerApproves { .. }
            | R::AboveCreditCap { .. }
            | R::AboveDailyCap { .. }
            | R::LinkWithPasskey => 403,
            R::NoSuchOfficer { .. } | R::NoPending { .. } => 404,
            R::AlreadyApproved { .. }
            | R::AlreadyOfficer { .. }
            | R::TooFewLeft { .. }
            | R::NotPending { .. }
            | R::PasskeyLinked => 409,
            R::Expired { .. } => 410,
            R::NoRoomForApprovals | R::EvidenceTooLarge => 413,
        }
    }
}

impl From<OfficerRefusal> for crate::LedgerError {
    fn from(refusal: OfficerRefusal) -> Self {
        crate::LedgerError::OfficerRefused(refusal)
    }
}

impl From<OfficerError> for OfficerRefusal {
    fn from(e: OfficerError) -> Self {
        OfficerRefusal::Request(e)
    }
}
