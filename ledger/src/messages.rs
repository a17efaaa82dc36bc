//! Every refusal the ledger gives an officer or a syncing member, every refusal of its HTTP API
//! and every risk flag's sentence, checked against the ledger's sections of `docs/messages.md` (as
//! `wallet-core/src/messages.rs` does for the phone): one sample of each [`LedgerError`],
//! [`OfficerRefusal`], [`TransferReason`] and [`PaymentReason`], [`HttpRefusal`], [`Detail`], and
//! of a witness's, a witnessing round's and a server's TLS set-up errors, named by an exhaustive
//! `match`, must appear word for word in its row, and every row must have a sample.

use std::path::PathBuf;

use outpost_wallet_core::money::{Currency, MoneyError};
use outpost_wallet_core::protocol::ProtocolError;
use outpost_wallet_core::qr::QrError;

use outpost_wallet_core::encoding::DecodeError;
use outpost_wallet_core::officer::OfficerError;

use crate::http::refusal::HttpRefusal;
use crate::http::tls::TlsError;
use crate::risk::Detail;
use crate::rules::outcome::{PaymentReason, TransferReason};
use crate::rules::witnessing::{EndpointError, NoCosignature};
use crate::storage::StorageError;
use crate::witness::WitnessError;
use crate::{LedgerError, OfficerRefusal};

fn code(error: &LedgerError) -> &'static str {
    use LedgerError as L;
    match error {
        L::Database(_) => "Database",
        L::KeyFile { .. } => "KeyFile",
        L::KeyMismatch { .. } => "KeyMismatch",
        L::WrongCurrency { .. } => "WrongCurrency",
        L::Qr(_) => "Qr",
        L::Protocol(_) => "Protocol",
        L::Money(_) => "Money",
        L::AlreadyEnrolled { .. } => "AlreadyEnrolled",
        L::WalletAlreadyEnrolled { .. } => "WalletAlreadyEnrolled",
        L::UnknownMember { .. } => "UnknownMember",
        L::UnknownPurse { .. } => "UnknownPurse",
        L::BadText { .. } => "BadText",
        L::BeyondLog { .. } => "BeyondLog",
        L::ZeroCredit => "ZeroCredit",
        L::MemoTooLong { .. } => "MemoTooLong",
        L::EnrolmentForAnotherMember { .. } => "EnrolmentForAnotherMember",
        L::UnknownWallet => "UnknownWallet",
        L::WalletBlocked { .. } => "WalletBlocked",
        L::BadRequestSignature => "BadRequestSignature",
        L::RequestIdReused => "RequestIdReused",
        L::SyncBehind { .. } => "SyncBehind",
        L::Inconsistent { .. } => "Inconsistent",
        L::Equivocation { .. } => "Equivocation",
        L::CheckpointFile { .. } => "CheckpointFile",
        L::NothingToRecover { .. } => "NothingToRecover",
        L::NewerSchema { .. } => "NewerSchema",
        L::OfficerRefused { .. } => "OfficerRefused",
        L::AlreadyFounded => "AlreadyFounded",
    }
}

fn samples() -> Vec<LedgerError> {
    let path = || PathBuf::from("/srv/outpost/ledger.key");
    vec![
        LedgerError::Database(StorageError { message: "database or disk is full".into(), retryable: false }),
        LedgerError::KeyFile { path: path(), reason: "readable by others, mode 644".into() },
        LedgerError::KeyMismatch { path: path() },
        LedgerError::WrongCurrency { ledger: Currency::JPY, asked: Currency::USD },
        QrError::Empty.into(),
        ProtocolError::BadSignature { message: "enrolment request" }.into(),
        MoneyError::TooLarge.into(),
        LedgerError::AlreadyEnrolled { member_id: "AIKO-0001".into() },
        LedgerError::WalletAlreadyEnrolled { member_id: "AIKO-0001".into() },
        LedgerError::UnknownMember { member_id: "AIKO-0009".into() },
        LedgerError::UnknownPurse { purse: "585f14c86fb7".into() },
        LedgerError::BadText { field: "payroll batch", max: 64 },
        LedgerError::BeyondLog { from: 30, size: 24 },
        LedgerError::ZeroCredit,
        LedgerError::MemoTooLong { max: 200 },
        LedgerError::EnrolmentForAnotherMember { expected: "BEN-0002".into(), found: "AIKO-0001".into() },
        LedgerError::UnknownWallet,
        LedgerError::WalletBlocked { state: crate::KeyState::Revoked },
        LedgerError::BadRequestSignature,
        LedgerError::RequestIdReused,
        LedgerError::SyncBehind { sent: 12, acknowledged: 20 },
        LedgerError::Inconsistent { detail: "purse 585f14c86fb7 holds more than it was issued".into() },
        LedgerError::Equivocation {
            signed_size: 24,
            stored_size: 24,
            first_divergent: 2,
            detail: "the first entry that differs is entry 2".into(),
        },
        LedgerError::CheckpointFile {
            path: PathBuf::from("/srv/outpost/checkpoints.log"),
            reason: "its first record is not a checkpoint of this ledger".into(),
        },
        LedgerError::NothingToRecover { size: 24 },
        LedgerError::NewerSchema { found: 9, known: 4 },
        OfficerRefusal::MakerApproves { maker: "Alice Sato".into() }.into(),
        LedgerError::AlreadyFounded,
    ]
}

fn officer_code(refusal: &OfficerRefusal) -> &'static str {
    use OfficerRefusal as R;
    match refusal {
        R::Request(e) => match e {
            OfficerError::Malformed(_) => "OfficerError::Malformed",
            OfficerError::BadSignature => "OfficerError::BadSignature",
            OfficerError::UnknownSignatureKind(_) => "OfficerError::UnknownSignatureKind",
            OfficerError::TooLong { .. } => "OfficerError::TooLong",
            OfficerError::Random(_) => "OfficerError::Random",
            OfficerError::Mismatch { .. } => "OfficerError::Mismatch",
            // `#[non_exhaustive]` in wallet-core: a variant added there has no sample here, and
            // the test finds no row for this code.
            _ => "OfficerError (not named here yet)",
        },
        R::EnrolmentNotHex => "OfficerRefusal::EnrolmentNotHex",
        R::BadEnrolment { .. } => "OfficerRefusal::BadEnrolment",
        R::EnrolmentWithApprovals => "OfficerRefusal::EnrolmentWithApprovals",
        R::NotHex { .. } => "OfficerRefusal::NotHex",
        R::TooFewFounders { .. } => "OfficerRefusal::TooFewFounders",
        R::FounderTwice { .. } => "OfficerRefusal::FounderTwice",
        R::ThresholdTooLow { .. } => "OfficerRefusal::ThresholdTooLow",
        R::Removed => "OfficerRefusal::Removed",
        R::NotAnOfficer => "OfficerRefusal::NotAnOfficer",
        R::ClockSkew { .. } => "OfficerRefusal::ClockSkew",
        R::Replay => "OfficerRefusal::Replay",
        R::NoRoomForApprovals => "OfficerRefusal::NoRoomForApprovals",
        R::MakerApproves { .. } => "OfficerRefusal::MakerApproves",
        R::AlreadyApproved { .. } => "OfficerRefusal::AlreadyApproved",
        R::EvidenceTooLarge => "OfficerRefusal::EvidenceTooLarge",
        R::NoBatch => "OfficerRefusal::NoBatch",
        R::AboveCreditCap { .. } => "OfficerRefusal::AboveCreditCap",
        R::AboveDailyCap { .. } => "OfficerRefusal::AboveDailyCap",
        R::AlreadyOfficer { .. } => "OfficerRefusal::AlreadyOfficer",
        R::NoSuchOfficer { .. } => "OfficerRefusal::NoSuchOfficer",
        R::TooFewLeft { .. } => "OfficerRefusal::TooFewLeft",
        R::NoPending { .. } => "OfficerRefusal::NoPending",
        R::NotPending { .. } => "OfficerRefusal::NotPending",
        R::Expired { .. } => "OfficerRefusal::Expired",
        R::LinkWithPasskey => "OfficerRefusal::LinkWithPasskey",
        R::BadPasskeyLink { .. } => "OfficerRefusal::BadPasskeyLink",
        R::PasskeyLinked => "OfficerRefusal::PasskeyLinked",
        R::PasskeyNotLinked { .. } => "OfficerRefusal::PasskeyNotLinked",
        R::PasskeyUse { .. } => "OfficerRefusal::PasskeyUse",
        R::PasskeyCopied { .. } => "OfficerRefusal::PasskeyCopied",
    }
}

fn officer_samples() -> Vec<OfficerRefusal> {
    use OfficerRefusal as R;
    let id = || "4f".repeat(32);
    vec![
        R::Request(OfficerError::Malformed(DecodeError::Truncated { what: "nonce", needed: 16 })),
        R::Request(OfficerError::BadSignature),
        R::Request(OfficerError::UnknownSignatureKind(7)),
        R::Request(OfficerError::TooLong { field: "path", max: 512 }),
        R::Request(OfficerError::Random("getrandom failed".into())),
        R::Request(OfficerError::Mismatch {
            signed: "POST /v1/officer/members/AIKO-0001/credit".into(),
            actual: "POST /v1/officer/members/BEN-0002/credit".into(),
        }),
        R::EnrolmentNotHex,
        R::BadEnrolment { detail: "the self-enrolment names nobody".into() },
        R::EnrolmentWithApprovals,
        R::NotHex { what: "a purse id", chars: 12 },
        R::TooFewFounders { threshold: 2 },
        R::FounderTwice { name: "Alice Sato".into() },
        R::ThresholdTooLow { given: 1, least: 2 },
        R::Removed,
        R::NotAnOfficer,
        R::ClockSkew { signed_at: 1_796_540_400, now: 1_796_541_000, skew: 300 },
        R::Replay,
        R::NoRoomForApprovals,
        R::MakerApproves { maker: "Alice Sato".into() },
        R::AlreadyApproved { approver: "Ben Ito".into() },
        R::EvidenceTooLarge,
        R::NoBatch,
        R::AboveCreditCap { amount: "¥600,000".into(), cap: "¥500,000".into() },
        R::AboveDailyCap { total: "¥2,100,000".into(), cap: "¥2,000,000".into() },
        R::AlreadyOfficer { name: "Chie Mori".into() },
        R::NoSuchOfficer { key: id() },
        R::TooFewLeft { threshold: 2 },
        R::NoPending { id: id() },
        R::NotPending { id: id(), state: "declined".into() },
        R::Expired { id: id(), expired_at: 1_796_540_400 },
        R::LinkWithPasskey,
        R::BadPasskeyLink { detail: "the origin is not https".into() },
        R::PasskeyLinked,
        R::PasskeyNotLinked { officer: "Alice Sato".into() },
        R::PasskeyUse { detail: "the challenge is not this request's".into() },
        R::PasskeyCopied { last: 41, now: 40 },
    ]
}

/// A transfer's or a payment's reason, as one type for the table.
enum Reason {
    Transfer(TransferReason),
    Payment(PaymentReason),
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Transfer(r) => r.fmt(f),
            Reason::Payment(r) => r.fmt(f),
        }
    }
}

fn reason_code(reason: &Reason) -> &'static str {
    use PaymentReason as P;
    use TransferReason as T;
    match reason {
        Reason::Transfer(r) => match r {
            T::Invalid(_) => "TransferReason::Invalid",
            T::UnknownPurse => "TransferReason::UnknownPurse",
            T::NotAParty => "TransferReason::NotAParty",
            T::Waiting => "TransferReason::Waiting",
            T::ReceiverNotEnrolled => "TransferReason::ReceiverNotEnrolled",
            T::Paid => "TransferReason::Paid",
            T::Late => "TransferReason::Late",
            T::Evidence => "TransferReason::Evidence",
            T::EvidenceNotFromReceiver => "TransferReason::EvidenceNotFromReceiver",
            T::ReceiptSignature => "TransferReason::ReceiptSignature",
            T::ReceiptNotFromReceiver => "TransferReason::ReceiptNotFromReceiver",
            T::LostDeviceClaim { .. } => "TransferReason::LostDeviceClaim",
            T::Complicit { .. } => "TransferReason::Complicit",
        },
        Reason::Payment(r) => match r {
            P::Paid => "PaymentReason::Paid",
            P::PayeeNotEnrolled => "PaymentReason::PayeeNotEnrolled",
            P::ToYourself => "PaymentReason::ToYourself",
            P::TooLarge => "PaymentReason::TooLarge",
            P::Zero => "PaymentReason::Zero",
            P::Insufficient { .. } => "PaymentReason::Insufficient",
        },
    }
}

fn reason_samples() -> Vec<Reason> {
    use PaymentReason as P;
    use TransferReason as T;
    let paid = [0x3f; 32];
    let transfers = vec![
        T::Invalid(ProtocolError::BadSignature { message: "transfer" }),
        T::UnknownPurse,
        T::NotAParty,
        T::Waiting,
        T::ReceiverNotEnrolled,
        T::Paid,
        T::Late,
        T::Evidence,
        T::EvidenceNotFromReceiver,
        T::ReceiptSignature,
        T::ReceiptNotFromReceiver,
        T::LostDeviceClaim { paid },
        T::Complicit { paid },
    ];
    let payments = vec![
        P::Paid,
        P::PayeeNotEnrolled,
        P::ToYourself,
        P::TooLarge,
        P::Zero,
        P::Insufficient { held: "¥1,000".into() },
    ];
    transfers.into_iter().map(Reason::Transfer).chain(payments.into_iter().map(Reason::Payment)).collect()
}

/// A witness's refusal or fault, or a server's TLS set-up refused, as one type for the table.
enum Server {
    Witness(WitnessError),
    Endpoint(EndpointError),
    NoCosignature(NoCosignature),
    Tls(TlsError),
}

impl std::fmt::Display for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Server::Witness(e) => e.fmt(f),
            Server::Endpoint(e) => e.fmt(f),
            Server::NoCosignature(e) => e.fmt(f),
            Server::Tls(e) => e.fmt(f),
        }
    }
}

fn server_code(error: &Server) -> &'static str {
    use WitnessError as W;
    match error {
        Server::Witness(e) => match e {
            W::Malformed(_) => "WitnessError::Malformed",
            W::UnknownOrigin(_) => "WitnessError::UnknownOrigin",
            W::NotSigned(_) => "WitnessError::NotSigned",
            W::OldSizeAboveSize { .. } => "WitnessError::OldSizeAboveSize",
            W::Conflict { .. } => "WitnessError::Conflict",
            W::Fork { .. } => "WitnessError::Fork",
            W::Inconsistent { .. } => "WitnessError::Inconsistent",
            W::Storage { .. } => "WitnessError::Storage",
            W::Damaged { .. } => "WitnessError::Damaged",
            W::BadLogKey(_) => "WitnessError::BadLogKey",
            W::Exposed(_) => "WitnessError::Exposed",
            W::TooLarge { .. } => "WitnessError::TooLarge",
            W::TooSlow { .. } => "WitnessError::TooSlow",
        },
        Server::Endpoint(e) => match e {
            EndpointError::NotUrlKey { .. } => "EndpointError::NotUrlKey",
            EndpointError::UrlScheme { .. } => "EndpointError::UrlScheme",
            EndpointError::BadKey { .. } => "EndpointError::BadKey",
        },
        Server::NoCosignature(e) => match e {
            NoCosignature::Rewritten { .. } => "NoCosignature::Rewritten",
            NoCosignature::NoProof { .. } => "NoCosignature::NoProof",
            NoCosignature::Unreachable { .. } => "NoCosignature::Unreachable",
            NoCosignature::Unreadable { .. } => "NoCosignature::Unreadable",
            NoCosignature::NoSize { .. } => "NoCosignature::NoSize",
            NoCosignature::Fork { .. } => "NoCosignature::Fork",
            NoCosignature::Refused { .. } => "NoCosignature::Refused",
            NoCosignature::SizeKeptChanging => "NoCosignature::SizeKeptChanging",
            NoCosignature::BadCosignature { .. } => "NoCosignature::BadCosignature",
        },
        Server::Tls(e) => match e {
            TlsError::Read { .. } => "TlsError::Read",
            TlsError::NoCertificate(_) => "TlsError::NoCertificate",
            TlsError::NoKey(_) => "TlsError::NoKey",
            TlsError::Exposed(_) => "TlsError::Exposed",
            TlsError::Config(_) => "TlsError::Config",
        },
    }
}

fn server_samples() -> Vec<Server> {
    use WitnessError as W;
    let origin = || "outpost-ledger/585f14c86fb7".to_owned();
    let state = || PathBuf::from("/srv/witness/state.json");
    let witness = vec![
        W::Malformed("the checkpoint has no origin, size and root lines"),
        W::UnknownOrigin(origin()),
        W::NotSigned(origin()),
        W::OldSizeAboveSize { old: 8, size: 5 },
        W::Conflict { old: 0, known: 5 },
        W::Fork { known: 5 },
        W::Inconsistent { old: 5, size: 8, reason: outpost_wallet_core::merkle::MerkleError::RootMismatch },
        W::Storage { path: state(), source: std::io::Error::other("disk full") },
        W::Damaged { path: state(), reason: "it is not JSON".into() },
        W::BadLogKey("not an Ed25519 key (type 0x01)".into()),
        W::Exposed(
            "the witness key /srv/witness/witness.key can be read or changed by other users (mode 644): run `chmod 600 /srv/witness/witness.key` and start again"
                .into(),
        ),
        W::TooLarge { max: 12_288 },
        W::TooSlow { secs: 10 },
    ];
    let tls = vec![
        TlsError::Read { path: "/srv/tls/cert.pem".into(), source: std::io::Error::other("permission denied") },
        TlsError::NoCertificate("/srv/tls/cert.pem".into()),
        TlsError::NoKey("/srv/tls/key.pem".into()),
        TlsError::Exposed(
            "the TLS private key /srv/tls/key.pem can be read or changed by other users (mode 644): run `chmod 600 /srv/tls/key.pem` and start again"
                .into(),
        ),
        TlsError::Config("the private key does not match the certificate".into()),
    ];
    let endpoint = vec![
        EndpointError::NotUrlKey { text: "http://w1.example:7400".into() },
        EndpointError::UrlScheme { url: "w1.example:7400".into() },
        EndpointError::BadKey { detail: "the key is not base64".into() },
    ];
    let rounds = vec![
        NoCosignature::Rewritten { cosigned: 24, size: 20 },
        NoCosignature::NoProof { old: 24, detail: "database is locked".into() },
        NoCosignature::Unreachable { detail: "connection refused".into() },
        NoCosignature::Unreadable { detail: "connection reset".into() },
        NoCosignature::NoSize { text: "conflict".into() },
        NoCosignature::Fork { old: 24 },
        NoCosignature::Refused { status: 403, text: "no valid signature".into() },
        NoCosignature::SizeKeptChanging,
        NoCosignature::BadCosignature { detail: "no line by its key".into() },
    ];
    (witness.into_iter().map(Server::Witness))
        .chain(endpoint.into_iter().map(Server::Endpoint))
        .chain(rounds.into_iter().map(Server::NoCosignature))
        .chain(tls.into_iter().map(Server::Tls))
        .collect()
}

fn http_code(refusal: &HttpRefusal) -> &'static str {
    use HttpRefusal as R;
    match refusal {
        R::TooMany { .. } => "TooMany",
        R::TooSlow { .. } => "TooSlow",
        R::Busy { .. } => "Busy",
        R::Cut { .. } => "Cut",
        R::TooLarge { .. } => "TooLarge",
        R::NotJson => "NotJson",
        R::NotOctetStream => "NotOctetStream",
        R::JsonFields { .. } => "JsonFields",
        R::JsonSyntax { .. } => "JsonSyntax",
        R::JsonRefused { .. } => "JsonRefused",
        R::BadPath { .. } => "BadPath",
        R::BadQuery { .. } => "BadQuery",
        R::UriTooLong { .. } => "UriTooLong",
        R::HeadersTooLarge { .. } => "HeadersTooLarge",
        R::HeadTooLong { .. } => "HeadTooLong",
        R::UriTooLongToRead => "UriTooLongToRead",
        R::NotHttp => "NotHttp",
        R::NoOfficerSignature { .. } => "NoOfficerSignature",
        R::HeaderNotText { .. } => "HeaderNotText",
        R::UnknownEndpoint { .. } => "UnknownEndpoint",
        R::WrongMethod { .. } => "WrongMethod",
        R::BadHexId { .. } => "BadHexId",
        R::TooManySessions => "TooManySessions",
        R::LedgerFault => "LedgerFault",
        R::SyncFault => "SyncFault",
    }
}

fn http_samples() -> Vec<HttpRefusal> {
    use HttpRefusal as R;
    vec![
        R::TooMany { what: "syncs from this wallet", secs: 12 },
        R::TooSlow { what: "the JSON body", secs: 10 },
        R::Busy { secs: 5 },
        R::Cut { what: "a sync request", detail: "connection reset".into() },
        R::TooLarge { what: "a sync request", max: 1_048_576 },
        R::NotJson,
        R::NotOctetStream,
        R::JsonFields { detail: "missing field `amount_minor` at line 1 column 2".into() },
        R::JsonSyntax { detail: "expected value at line 1 column 1".into() },
        R::JsonRefused { detail: "the body is empty".into() },
        R::BadPath { path: "/v1/officer/pending/x".into(), detail: "invalid digit".into() },
        R::BadQuery {
            query: "from=x".into(),
            path: "/v1/officer/log".into(),
            detail: "invalid digit".into(),
        },
        R::UriTooLong { len: 9_000, max: 8_192 },
        R::HeadersTooLarge { len: 20_000, max: 16_384 },
        R::HeadTooLong { max: 65_536 },
        R::UriTooLongToRead,
        R::NotHttp,
        R::NoOfficerSignature { header: "Outpost-Officer-Request" },
        R::HeaderNotText { header: "Outpost-Officer-Request" },
        R::UnknownEndpoint { method: "GET".into(), path: "/v2/nothing".into() },
        R::WrongMethod { method: "DELETE".into(), path: "/v1/ledger".into() },
        R::BadHexId { what: "a purse id", chars: 7 },
        R::TooManySessions,
        R::LedgerFault,
        R::SyncFault,
    ]
}

fn risk_code(detail: &Detail) -> &'static str {
    match detail {
        Detail::DoubleSpend { .. } => "DoubleSpend",
        Detail::ClockAtSync { .. } => "ClockAtSync",
        Detail::FutureDated { .. } => "FutureDated",
        Detail::NegativeBalance { .. } => "NegativeBalance",
        Detail::Complicit { .. } => "Complicit",
        Detail::LostDeviceSpend { .. } => "LostDeviceSpend",
        Detail::LateSpend { .. } => "LateSpend",
        Detail::TransferCycle { .. } => "TransferCycle",
        Detail::Velocity { .. } => "Velocity",
        Detail::UnusualAmount { .. } => "UnusualAmount",
        Detail::NewCounterparties { .. } => "NewCounterparties",
        Detail::PurseExhausted { .. } => "PurseExhausted",
    }
}

fn risk_samples() -> Vec<Detail> {
    let id = [0x58; 32];
    vec![
        Detail::DoubleSpend { transfers: 2, purse_id: id },
        Detail::ClockAtSync { skew: 900, ahead: true, max: 600 },
        Detail::FutureDated { ahead: 3_600, max: 600 },
        Detail::NegativeBalance { owed: "¥6,000".into() },
        Detail::Complicit { signer: "AIKO-0001".into() },
        Detail::LostDeviceSpend { purse_id: id },
        Detail::LateSpend { transfer_id: id },
        Detail::TransferCycle {
            path: vec!["AIKO-0001".into(), "BEN-0002".into(), "AIKO-0001".into()],
            transfers: 2,
            span: 5_400,
        },
        Detail::Velocity { payments: 21, window: 3_600, max: 20 },
        Detail::UnusualAmount {
            paid: "¥9,000".into(),
            factor: 10,
            median: "¥450".into(),
            exact: false,
            previous: 6,
        },
        Detail::NewCounterparties { payees: 6, window: 86_400, max: 5 },
        Detail::PurseExhausted { purse: "¥10,000".into() },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const TABLE: &str = include_str!("../../docs/messages.md");

    fn rows(section: &str, prefix: &str) -> BTreeMap<String, String> {
        outpost_wallet_core::message_table::section_rows(TABLE, section, prefix)
    }

    /// Each sample's (code, text), in the table's escaping.
    fn texts<T: ToString>(samples: Vec<T>, code: impl Fn(&T) -> &'static str) -> Vec<(&'static str, String)> {
        samples.iter().map(|s| (code(s), s.to_string().replace('|', "\\|"))).collect()
    }

    /// Every sample is in its section word for word, and every row has a sample.
    fn check(section: &str, prefix: &str, samples: &[(&'static str, String)]) {
        let rows = rows(section, prefix);
        for (code, text) in samples {
            assert_eq!(rows.get(*code), Some(text), "the row for `{prefix}{code}` differs from the code");
        }
        let named: Vec<&str> = samples.iter().map(|(code, _)| *code).collect();
        let missing: Vec<&String> = rows.keys().filter(|c| !named.contains(&c.as_str())).collect();
        assert!(missing.is_empty(), "rows in {section} with no sample: {missing:?}");
    }

    fn ledger_texts() -> Vec<(&'static str, String)> {
        texts(samples(), code)
    }

    fn officer_texts() -> Vec<(&'static str, String)> {
        texts(officer_samples(), officer_code)
    }

    fn reason_texts() -> Vec<(&'static str, String)> {
        texts(reason_samples(), reason_code)
    }

    fn server_texts() -> Vec<(&'static str, String)> {
        texts(server_samples(), server_code)
    }

    fn http_texts() -> Vec<(&'static str, String)> {
        texts(http_samples(), http_code)
    }

    fn risk_texts() -> Vec<(&'static str, String)> {
        texts(risk_samples(), risk_code)
    }

    #[test]
    #[ignore = "prints the ledger's sections' rows, to start the tables"]
    fn print_rows() {
        for (prefix, texts) in [
            ("LedgerError::", ledger_texts()),
            ("", officer_texts()),
            ("", reason_texts()),
            ("", server_texts()),
            ("HttpRefusal::", http_texts()),
            ("Detail::", risk_texts()),
        ] {
            println!();
            for (code, text) in texts {
                println!("| `{prefix}{code}` | {text} |");
            }
        }
    }

    #[test]
    fn every_refusal_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        check("## At the ledger", "LedgerError::", &ledger_texts());
    }

    #[test]
    fn every_officer_refusal_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        check("## Officer refusals", "", &officer_texts());
    }

    #[test]
    fn every_transfer_and_payment_reason_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        check("## Why a transfer or payment was not paid", "", &reason_texts());
    }

    /// A reason is a clause the wallet puts in parentheses after its own words: lowercase, no
    /// full stop, no advice of its own (the one colon allowed is a wallet error's, which carries
    /// its own).
    #[test]
    fn every_reason_is_a_clause_for_the_wallets_line() {
        for (code, text) in reason_texts() {
            assert!(text.starts_with(|c: char| c.is_lowercase()), "{code}: {text}");
            assert!(!text.ends_with('.') && !text.contains(". ") && !text.contains(';'), "{code}: {text}");
            assert!(!text.contains(':') || code == "TransferReason::Invalid", "{code}: {text}");
            assert!(text.len() <= outpost_wallet_core::protocol::sync::MAX_SYNC_TEXT, "{code}: {text}");
        }
    }

    #[test]
    fn every_witness_and_tls_error_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        check("## At a witness, and starting a server", "", &server_texts());
    }

    /// Each refusal's status says whose fault it is; the HTTP API answers with it.
    #[test]
    fn an_officer_refusal_carries_its_status() {
        assert_eq!(OfficerRefusal::NoBatch.status(), 400);
        assert_eq!(OfficerRefusal::Replay.status(), 401);
        assert_eq!(OfficerRefusal::MakerApproves { maker: "A".into() }.status(), 403);
        assert_eq!(OfficerRefusal::Expired { id: "x".into(), expired_at: 0 }.status(), 410);
        let error: LedgerError = OfficerRefusal::EvidenceTooLarge.into();
        assert!(matches!(error, LedgerError::OfficerRefused(r) if r.status() == 413));
    }

    #[test]
    fn every_http_refusal_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        check("## Over HTTP", "HttpRefusal::", &http_texts());
    }

    #[test]
    fn every_risk_flag_sentence_is_in_the_table_word_for_word_and_every_row_has_a_sample() {
        check("## Risk flags", "Detail::", &risk_texts());
    }

    #[test]
    fn every_refusal_says_what_happened_then_what_to_do() {
        for (code, text) in ledger_texts()
            .into_iter()
            .chain(officer_texts())
            .chain(server_texts())
            .chain(http_texts())
            .chain(risk_texts())
        {
            let outside = outpost_wallet_core::message_table::outside_parentheses(&text);
            assert!(outside.matches(": ").count() <= 1, "{code}: a stacked chain: {text}");
            assert!(!text.contains(". ") && !text.contains("(s)") && !text.contains(';'), "{code}: {text}");
            assert!(
                !text.contains('{') && !text.contains("Some(") && !text.contains("[\""),
                "{code}: {text}"
            );
        }
    }

    /// The words the engine writes into a flag are a [`Detail`]'s, so the table covers them.
    #[test]
    fn the_engine_writes_the_details_words_with_money_in_the_ledgers_currency() {
        use crate::risk::{Reason, RiskInput, Rules, evaluate};
        let input =
            RiskInput::NegativeBalance { seq: 3, at: 1_000, member_id: "ana".into(), balance_minor: -600 };
        let rules = Rules { currency: Currency::USD, ..Rules::default() };
        let flags = evaluate(&[input], &rules);
        assert_eq!(flags[0].reason, Reason::NegativeBalance);
        assert_eq!(flags[0].detail, Detail::NegativeBalance { owed: "$6.00".into() }.to_string());
    }
}
