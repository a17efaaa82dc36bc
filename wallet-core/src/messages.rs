//! Every message a member's phone can show, checked against the table in `docs/messages.md`.
//!
//! One sample of each error a wallet operation can return is rendered here, with fixed sample
//! values, and must appear word for word in the table's row for its code; every row of the table's
//! member section must have a sample. [`code`] names each error with an exhaustive `match`, so a
//! new variant does not compile until it is named here, and then the test asks for its sample and
//! its row. Each text must also read as one sentence a person can act on: no stacked `x: y: z`
//! chains outside parentheses, no Rust formatting, no `(s)` plurals.
//!
//! The same holds for what is not an error: the lines a sync reports ([`SyncLine`], section
//! "After a sync") and the notices beside the balances and payments ([`notices`], section "Beside
//! the balances"). Those stand alone, so each is a capitalised sentence ending with a full stop.

use std::path::PathBuf;

use crate::audit::{AuditError, Divergence, EntryFault, EntryKind, LedgerAmount};
use crate::encoding::DecodeError;
use crate::envelope::EnvelopeError;
use crate::event_log::LinkFault;
use crate::merkle::MerkleError;
use crate::money::{Amount, Currency, MoneyError};
use crate::officer::authority::{OfficerFault, SignedAmount};
use crate::protocol::CheckpointError;
use crate::protocol::LedgerSigner;
use crate::protocol::ProtocolError;
use crate::protocol::cosignature::CosignatureError;
use crate::protocol::sync::{PaymentOutcome, RiskNotice};
use crate::protocol::witnessed::WitnessError;
use crate::qr::{PayloadKind, QrError};
use crate::store::StoreError;
use crate::transport::TransportError;
use crate::vault::{ProtectorError, VaultError};
use crate::wallet::{
    CheckpointSeen, HeldAtLedger, HeldReason, ProofFailure, SyncLine, SyncReport, UnprovedPair, WalletError,
};

/// The table's code for `error`: its type and variant, one level deep for the areas a
/// `WalletError` wraps.
pub fn code(error: &WalletError) -> String {
    use WalletError as W;
    let (area, variant): (&str, &str) = match error {
        W::Store(e) => (
            "StoreError",
            match e {
                StoreError::NotFound { .. } => "NotFound",
                StoreError::AlreadyExists { .. } => "AlreadyExists",
                StoreError::NotAWallet { .. } => "NotAWallet",
                StoreError::NewerSchema { .. } => "NewerSchema",
                StoreError::Corrupt { .. } => "Corrupt",
                StoreError::Incomplete { .. } => "Incomplete",
                StoreError::Io(_) => "Io",
            },
        ),
        W::Vault(e) => (
            "VaultError",
            match e {
                VaultError::PinIncorrect { .. } => "PinIncorrect",
                VaultError::PinDelayed { .. } => "PinDelayed",
                VaultError::LockedOut { .. } => "LockedOut",
                VaultError::InvalidPin { .. } => "InvalidPin",
                VaultError::Protector(ProtectorError::Unavailable { .. }) => "Protector::Unavailable",
                VaultError::Protector(ProtectorError::Cancelled) => "Protector::Cancelled",
                VaultError::Protector(ProtectorError::Failed { .. }) => "Protector::Failed",
                VaultError::Tampered { .. } => "Tampered",
                VaultError::KeyRecordDamaged { .. } => "KeyRecordDamaged",
                VaultError::KdfParams { .. } => "KdfParams",
                VaultError::Random(_) => "Random",
            },
        ),
        W::Money(e) => ("MoneyError", money_code(e)),
        W::Locked => ("WalletError", "Locked"),
        W::LogBroken { .. } => ("WalletError", "LogBroken"),
        W::Protocol(e) => (
            "ProtocolError",
            match e {
                ProtocolError::Malformed { .. } => "Malformed",
                ProtocolError::BadSignature { .. } => "BadSignature",
                ProtocolError::TooLong { .. } => "TooLong",
                ProtocolError::Money(m) => return format!("ProtocolError::Money::{}", money_code(m)),
                ProtocolError::Invalid { .. } => "Invalid",
                ProtocolError::Overspend { .. } => "Overspend",
                ProtocolError::Expired { .. } => "Expired",
            },
        ),
        W::Qr(e) => (
            "QrError",
            match e {
                QrError::TooLong { .. } => "TooLong",
                QrError::Empty => "Empty",
                QrError::NotOutpost => "NotOutpost",
                QrError::Truncated { .. } => "Truncated",
                QrError::UnsupportedVersion { .. } => "UnsupportedVersion",
                QrError::DamagedVersion { .. } => "DamagedVersion",
                QrError::UnknownKind { .. } => "UnknownKind",
                QrError::MissingSeparator { .. } => "MissingSeparator",
                QrError::BadCharacter { found, .. } if found.is_lowercase() => "BadCharacter (lowercase)",
                QrError::BadCharacter { .. } => "BadCharacter",
                QrError::BadEncoding { .. } => "BadEncoding",
                QrError::WrongKind { .. } => "WrongKind",
                QrError::TooBigForQr { .. } => "TooBigForQr",
            },
        ),
        W::Envelope(e) => (
            "EnvelopeError",
            match e {
                EnvelopeError::Truncated { .. } => "Truncated",
                EnvelopeError::UnsupportedVersion { .. } => "UnsupportedVersion",
                EnvelopeError::NotForMe => "NotForMe",
                EnvelopeError::Altered => "Altered",
                EnvelopeError::NotForMeOrAltered => "NotForMeOrAltered",
                EnvelopeError::BadRecipientKey => "BadRecipientKey",
                EnvelopeError::Random => "Random",
            },
        ),
        W::NotEnrolled => ("WalletError", "NotEnrolled"),
        W::LedgerKeyMismatch => ("WalletError", "LedgerKeyMismatch"),
        W::NotMyPurse => ("WalletError", "NotMyPurse"),
        W::WrongCurrency { .. } => ("WalletError", "WrongCurrency"),
        W::NoPurse => ("WalletError", "NoPurse"),
        W::InsufficientPurse { .. } => ("WalletError", "InsufficientPurse"),
        W::PurseExhausted => ("WalletError", "PurseExhausted"),
        W::SelfPayment => ("WalletError", "SelfPayment"),
        W::AmountMismatch { .. } => ("WalletError", "AmountMismatch"),
        W::AmountRequired => ("WalletError", "AmountRequired"),
        W::AlreadyPaid { .. } => ("WalletError", "AlreadyPaid"),
        W::NotAddressedToMe => ("WalletError", "NotAddressedToMe"),
        W::UnknownRequest => ("WalletError", "UnknownRequest"),
        W::RequestAlreadyPaid => ("WalletError", "RequestAlreadyPaid"),
        W::PurseRevoked { .. } => ("WalletError", "PurseRevoked"),
        W::BrokenChain { .. } => ("WalletError", "BrokenChain"),
        W::DoubleSpend { .. } => ("WalletError", "DoubleSpend"),
        W::UnknownTransfer { .. } => ("WalletError", "UnknownTransfer"),
        W::ReceiptFromStranger => ("WalletError", "ReceiptFromStranger"),
        W::Transport(e) => (
            "TransportError",
            match e {
                TransportError::Unreachable { .. } => "Unreachable",
                TransportError::Refused { .. } => "Refused",
                TransportError::TooLarge { .. } => "TooLarge",
            },
        ),
        W::LedgerHistory(e) => (
            "CheckpointError",
            match e {
                CheckpointError::Protocol(_) => "Protocol",
                CheckpointError::Shrank { .. } => "Shrank",
                CheckpointError::Rewritten { .. } => "Rewritten",
            },
        ),
        W::BadLedgerProof { .. } => ("WalletError", "BadLedgerProof"),
        W::Witnesses(e) => (
            "WitnessError",
            match e {
                WitnessError::BadPolicy { .. } => "BadPolicy",
                WitnessError::Missing { .. } => "Missing",
                WitnessError::BadLedgerSignature => "BadLedgerSignature",
                WitnessError::TooFewCosignatures { .. } => "TooFewCosignatures",
                WitnessError::BadCosignature(_) => "BadCosignature",
                WitnessError::Inconsistent(_) => "Inconsistent",
                WitnessError::OlderThanHeld { .. } => "OlderThanHeld",
                WitnessError::TooStale { .. } => "TooStale",
            },
        ),
    };
    format!("{area}::{variant}")
}

fn money_code(e: &MoneyError) -> &'static str {
    match e {
        MoneyError::CurrencyMismatch { .. } => "CurrencyMismatch",
        MoneyError::Insufficient { .. } => "Insufficient",
        MoneyError::TooLarge => "TooLarge",
        MoneyError::Malformed { .. } => "Malformed",
        MoneyError::TooPrecise { .. } => "TooPrecise",
        MoneyError::InvalidCurrency { .. } => "InvalidCurrency",
        MoneyError::UnknownCurrency { .. } => "UnknownCurrency",
    }
}

/// One sample of every error in [`code`], with fixed values.
pub fn samples() -> Vec<WalletError> {
    let yen = |n| Amount::from_minor(n, Currency::JPY).unwrap();
    let id = [0xab; 32];
    let path = || PathBuf::from("/data/aiko.wallet");
    vec![
        StoreError::NotFound { path: path() }.into(),
        StoreError::AlreadyExists { path: path() }.into(),
        StoreError::NotAWallet { path: path() }.into(),
        StoreError::NewerSchema { found: 9, supported: 4 }.into(),
        StoreError::Corrupt { detail: "database disk image is malformed".into() }.into(),
        StoreError::Incomplete { detail: "its key record is missing".into() }.into(),
        StoreError::Io(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            Some("database or disk is full".into()),
        ))
        .into(),
        VaultError::PinIncorrect {
            tries_left: 8,
            retry_after_secs: 0,
            tries_before_delay: 2,
            next_delay_secs: 60,
        }
        .into(),
        VaultError::PinDelayed { retry_after_secs: 300, tries_left: 5 }.into(),
        VaultError::LockedOut { failures: 10 }.into(),
        VaultError::InvalidPin { reason: "use 6 to 12 digits" }.into(),
        VaultError::Protector(ProtectorError::Unavailable { reason: "the keystore is locked".into() }).into(),
        VaultError::Protector(ProtectorError::Cancelled).into(),
        VaultError::Protector(ProtectorError::Failed {
            reason: "the key record was not wrapped by this key file".into(),
        })
        .into(),
        VaultError::Tampered { table: "balance", id: "online".into() }.into(),
        VaultError::KeyRecordDamaged { reason: "unknown PIN wrap version 7".into() }.into(),
        VaultError::KdfParams { reason: "memory below 19 MiB" }.into(),
        VaultError::Random("getrandom failed".into()).into(),
        WalletError::Locked,
        WalletError::LogBroken { seq: 12, fault: LinkFault::Tampered },
        ProtocolError::Malformed {
            message: "payment request",
            source: DecodeError::Truncated { what: "amount", needed: 8 },
        }
        .into(),
        ProtocolError::BadSignature { message: "transfer" }.into(),
        ProtocolError::TooLong { field: "memo", max: 32 }.into(),
        ProtocolError::Money(MoneyError::CurrencyMismatch { left: Currency::JPY, right: Currency::USD })
            .into(),
        ProtocolError::Invalid { message: "transfer", reason: "sequence numbers start at 1" }.into(),
        ProtocolError::Overspend { spent_after: yen(13_000), purse: yen(10_000) }.into(),
        ProtocolError::Expired { message: "payment request", expired_at: 1_796_540_400, now: 1_796_544_000 }
            .into(),
        QrError::TooLong { len: 70_000, max: 1_200 }.into(),
        QrError::Empty.into(),
        QrError::NotOutpost.into(),
        QrError::Truncated { len: 3 }.into(),
        QrError::UnsupportedVersion { found: '2' }.into(),
        QrError::DamagedVersion { found: 'A' }.into(),
        QrError::UnknownKind { found: 'U' }.into(),
        QrError::MissingSeparator { found: 'B' }.into(),
        QrError::BadCharacter { position: 9, found: 'b' }.into(),
        QrError::BadCharacter { position: 9, found: '#' }.into(),
        QrError::BadEncoding { reason: "a group is out of range" }.into(),
        QrError::WrongKind { expected: PayloadKind::Transfer, found: PayloadKind::PaymentRequest }.into(),
        QrError::TooBigForQr { len: 4_000 }.into(),
        EnvelopeError::Truncated { len: 20 }.into(),
        EnvelopeError::UnsupportedVersion { found: 3 }.into(),
        EnvelopeError::NotForMe.into(),
        EnvelopeError::Altered.into(),
        EnvelopeError::NotForMeOrAltered.into(),
        EnvelopeError::BadRecipientKey.into(),
        EnvelopeError::Random.into(),
        WalletError::NotEnrolled,
        WalletError::LedgerKeyMismatch,
        WalletError::NotMyPurse,
        WalletError::WrongCurrency { expected: Currency::JPY, found: Currency::USD },
        WalletError::NoPurse,
        WalletError::InsufficientPurse { remaining: yen(7_000), asked: yen(9_000) },
        WalletError::PurseExhausted,
        WalletError::SelfPayment,
        WalletError::AmountMismatch { requested: yen(3_000), offered: yen(2_000) },
        WalletError::AmountRequired,
        WalletError::AlreadyPaid { transfer_id: id },
        WalletError::NotAddressedToMe,
        WalletError::UnknownRequest,
        WalletError::RequestAlreadyPaid,
        WalletError::PurseRevoked { purse_id: id },
        WalletError::BrokenChain { seq: 3, reason: "its previous hash is not transfer #2's" },
        WalletError::DoubleSpend { member_id: "AIKO-0001".into(), purse_id: id, seq: 1 },
        WalletError::UnknownTransfer { transfer_id: id },
        WalletError::ReceiptFromStranger,
        TransportError::Unreachable { detail: "connection refused".into() }.into(),
        TransportError::Refused {
            status: 409,
            message:
                "this sync request is older than the last one this wallet sent: restore nothing, sync again"
                    .into(),
        }
        .into(),
        TransportError::TooLarge { max: 16_777_216 }.into(),
        CheckpointError::Protocol(ProtocolError::BadSignature { message: "checkpoint" }).into(),
        CheckpointError::Shrank { held: 24, offered: 20 }.into(),
        CheckpointError::Rewritten { held: 24, offered: 30, reason: MerkleError::RootMismatch }.into(),
        WalletError::BadLedgerProof { reason: "the inclusion proof for entry 20 does not verify".into() },
        WitnessError::BadPolicy { reason: "2 of 1 witnesses".into() }.into(),
        WitnessError::Missing { required: 2 }.into(),
        WitnessError::BadLedgerSignature.into(),
        WitnessError::TooFewCosignatures { valid: 1, required: 2 }.into(),
        WitnessError::BadCosignature(CosignatureError::BadSignature { witness: "witness.demo/w1".into() })
            .into(),
        WitnessError::Inconsistent(CheckpointError::Shrank { held: 24, offered: 20 }).into(),
        WitnessError::OlderThanHeld { held: 24, offered: 20 }.into(),
        WitnessError::TooStale { behind: 900, max: 540 }.into(),
        MoneyError::CurrencyMismatch { left: Currency::JPY, right: Currency::USD }.into(),
        MoneyError::Insufficient { available: yen(1_000), needed: yen(3_000) }.into(),
        MoneyError::TooLarge.into(),
        MoneyError::Malformed { text: "12,3x".into(), reason: "use digits and at most one decimal point" }
            .into(),
        MoneyError::TooPrecise { currency: Currency::JPY }.into(),
        MoneyError::InvalidCurrency {
            code: "yen".into(),
            reason: "a currency code is three capital letters",
        }
        .into(),
        MoneyError::UnknownCurrency { code: "XTS".into() }.into(),
    ]
}

/// The table's code for a sync line.
pub fn line_code(line: &SyncLine) -> &'static str {
    match line {
        SyncLine::Settled { .. } => "Settled",
        SyncLine::Held { .. } => "Held",
        SyncLine::Returned { .. } => "Returned",
        SyncLine::Refused { .. } => "Refused",
        SyncLine::PurseLoaded { .. } => "PurseLoaded",
        SyncLine::NoPurseLoaded => "NoPurseLoaded",
        SyncLine::Revoked { .. } => "Revoked",
        SyncLine::Paid { .. } => "Paid",
        SyncLine::NotPaid { .. } => "NotPaid",
        SyncLine::Notice(_) => "Notice",
        SyncLine::SightingsProved { .. } => "SightingsProved",
        SyncLine::Unproved(_) => "Unproved",
        SyncLine::ForkProofRecorded { .. } => "ForkProofRecorded",
        SyncLine::NothingNew => "NothingNew",
        SyncLine::LogExtended { .. } => "LogExtended",
        SyncLine::LogFirstSeen { .. } => "LogFirstSeen",
    }
}

/// One sample of every sync line, made by [`SyncReport::lines`] from sample reports.
pub fn line_samples() -> Vec<SyncLine> {
    let yen = |n| Amount::from_minor(n, Currency::JPY).unwrap();
    let ledger = LedgerSigner::from_secret(&[1; 32]);
    let checkpoint = |size| ledger.checkpoint(size, [0x11; 32], 1_796_540_400);
    let busy = SyncReport {
        rounds: 1,
        settled: 2,
        held: 1,
        returned: 1,
        refused: vec![([0xab; 32], "the receipt's signature does not verify".into())],
        new_purse: Some(yen(10_000)),
        newly_revoked: 1,
        online_balance_minor: 30_000,
        notices: vec![RiskNotice {
            code: "velocity".into(),
            score: 40,
            at: 1_796_540_400,
            detail: "21 payments were sent within 1 h, more than the 20 allowed: a finance officer should \
                     review it"
                .into(),
        }],
        payments: vec![
            PaymentOutcome { payment_id: [0xcd; 16], paid: true, reason: "paid".into() },
            PaymentOutcome {
                payment_id: [0xef; 16],
                paid: false,
                reason: "the online account holds only ¥1,000".into(),
            },
        ],
        checkpoint_size: 24,
        sightings_proved: 2,
        unproved: vec![UnprovedPair {
            seen: checkpoint(20),
            answer: checkpoint(24),
            failure: ProofFailure::Omitted,
            found_at: 1_796_540_400,
        }],
        fork_proofs_recorded: vec![12],
    };
    let quiet = SyncReport { checkpoint_size: 24, ..SyncReport::default() };
    let mut lines = busy.lines(true, true);
    lines.extend(quiet.lines(true, false));
    lines.extend(quiet.lines(false, true));
    lines
}

/// The table's code for an audit failure, one level deeper for what is wrong with one entry.
pub fn audit_code(error: &AuditError) -> String {
    use AuditError as A;
    let entry = |fault: &EntryFault| -> String {
        use EntryFault as F;
        let name = match fault {
            F::MovesUnbalanced => "MovesUnbalanced",
            F::MoneyFromOutside => "MoneyFromOutside",
            F::EvidenceMissing => "EvidenceMissing",
            F::AmountTooLarge => "AmountTooLarge",
            F::MovesMoney => "MovesMoney",
            F::EvidenceUnreadable { .. } => "EvidenceUnreadable",
            F::EvidenceUnsigned { .. } => "EvidenceUnsigned",
            F::EnrolmentMismatch => "EnrolmentMismatch",
            F::CertificateMismatch => "CertificateMismatch",
            F::TransferMismatch => "TransferMismatch",
            F::AmountMismatch => "AmountMismatch",
            F::ProofSize { .. } => "ProofSize",
            F::EvidenceOtherPurse => "EvidenceOtherPurse",
            F::EquivocationProofCount { .. } => "EquivocationProofCount",
            F::ProofMismatch => "ProofMismatch",
            F::LostDeviceNotMembers => "LostDeviceNotMembers",
            F::DeclarationOtherPurse => "DeclarationOtherPurse",
            F::ProofWithoutDeclaration => "ProofWithoutDeclaration",
            F::ProofHonest => "ProofHonest",
            F::LossMisattributed => "LossMisattributed",
            F::NotComplicit => "NotComplicit",
            F::WrongReceiver => "WrongReceiver",
            F::LateWithoutReturn => "LateWithoutReturn",
            F::SettlementMove { .. } => "SettlementMove",
            F::BalanceOverflow => "BalanceOverflow",
            F::LossCredited => "LossCredited",
            F::Officer(fault) => return format!("Officer::{}", officer_code(fault)),
        };
        name.to_owned()
    };
    match error {
        A::Checkpoint(_) => "AuditError::Checkpoint".into(),
        A::SizeMismatch { .. } => "AuditError::SizeMismatch".into(),
        A::RootMismatch => "AuditError::RootMismatch".into(),
        A::OutOfOrder { .. } => "AuditError::OutOfOrder".into(),
        A::BadEntry { fault, .. } => format!("AuditError::BadEntry::{}", entry(fault)),
        A::WrongLedger => "AuditError::WrongLedger".into(),
        A::Rewritten { .. } => "AuditError::Rewritten".into(),
        A::Negative { .. } => "AuditError::Negative".into(),
        A::Diverged { divergence, .. } => match (&divergence.entry, divergence.matched >= divergence.found) {
            (Some(_), _) => "AuditError::Diverged (one entry)".into(),
            (None, true) => "AuditError::Diverged (entries gone)".into(),
            (None, false) => "AuditError::Diverged (a range)".into(),
        },
        A::TotalsOverflow => "AuditError::TotalsOverflow".into(),
        A::Unbalanced { .. } => "AuditError::Unbalanced".into(),
    }
}

fn officer_code(fault: &OfficerFault) -> &'static str {
    use OfficerFault as O;
    match fault {
        O::FoundedTwice => "FoundedTwice",
        O::NoOfficersToAct => "NoOfficersToAct",
        O::Unsigned => "Unsigned",
        O::Unreadable { .. } => "Unreadable",
        O::BadSignature { .. } => "BadSignature",
        O::NotAnOfficer { .. } => "NotAnOfficer",
        O::SignedTwice { .. } => "SignedTwice",
        O::TooFewSigners { .. } => "TooFewSigners",
        O::RemovesNonOfficer => "RemovesNonOfficer",
        O::LeavesTooFew => "LeavesTooFew",
        O::PasskeyNotLinked { .. } => "PasskeyNotLinked",
        O::PasskeyMisused { .. } => "PasskeyMisused",
        O::PasskeyWithoutOfficers => "PasskeyWithoutOfficers",
        O::LinkUnsigned => "LinkUnsigned",
        O::LinkedByPasskey => "LinkedByPasskey",
        O::LinkNotTheOfficers => "LinkNotTheOfficers",
        O::LinkedByNonOfficer { .. } => "LinkedByNonOfficer",
        O::LinkedTwice => "LinkedTwice",
        O::FounderUnsigned => "FounderUnsigned",
        O::FounderApproved => "FounderApproved",
        O::FounderTwice { .. } => "FounderTwice",
        O::NotSelfSigned => "NotSelfSigned",
        O::Nameless => "Nameless",
        O::BadBody { .. } => "BadBody",
        O::SignedOther { .. } => "SignedOther",
        O::CreditDiffers { .. } => "CreditDiffers",
        O::LimitDiffers { .. } => "LimitDiffers",
        O::NoBatch => "NoBatch",
        O::OtherWallet => "OtherWallet",
    }
}

/// One sample of every way an exported log can fail its audit, with fixed values: entry 12 about
/// member AIKO-0001 of a ledger in yen.
pub fn audit_samples() -> Vec<AuditError> {
    let yen = |minor| LedgerAmount { minor, currency: Some(Currency::JPY) };
    let bad = |fault| AuditError::BadEntry { seq: 12, member: "AIKO-0001".into(), fault };
    let officer = |fault: OfficerFault| bad(EntryFault::Officer(fault.priced(Some(Currency::JPY))));
    let bob = || "Ben Tanaka".to_owned();
    let stranger = || "the holder of key 0a1b2c3d4e5f6071".to_owned();
    let unpriced = |minor| LedgerAmount { minor, currency: None };
    let diverged = |matched, before, entry, found| AuditError::Diverged {
        size: before,
        time: 1_796_540_400,
        divergence: Divergence { matched, before, entry, found },
    };
    vec![
        AuditError::Checkpoint(ProtocolError::BadSignature { message: "checkpoint" }),
        AuditError::SizeMismatch { checkpoint: 22, found: 21 },
        AuditError::RootMismatch,
        AuditError::OutOfOrder { position: 5, seq: 7 },
        bad(EntryFault::MovesUnbalanced),
        bad(EntryFault::MoneyFromOutside),
        bad(EntryFault::EvidenceMissing),
        bad(EntryFault::AmountTooLarge),
        bad(EntryFault::MovesMoney),
        bad(EntryFault::EvidenceUnreadable {
            what: "the purse certificate",
            reason: DecodeError::Truncated { what: "amount", needed: 8 }.to_string(),
        }),
        bad(EntryFault::EvidenceUnsigned { what: "a transfer" }),
        bad(EntryFault::EnrolmentMismatch),
        bad(EntryFault::CertificateMismatch),
        bad(EntryFault::TransferMismatch),
        bad(EntryFault::AmountMismatch),
        bad(EntryFault::ProofSize { count: 3 }),
        bad(EntryFault::EvidenceOtherPurse),
        bad(EntryFault::EquivocationProofCount { count: 2 }),
        bad(EntryFault::ProofMismatch),
        bad(EntryFault::LostDeviceNotMembers),
        bad(EntryFault::DeclarationOtherPurse),
        bad(EntryFault::ProofWithoutDeclaration),
        bad(EntryFault::ProofHonest),
        bad(EntryFault::LossMisattributed),
        bad(EntryFault::NotComplicit),
        bad(EntryFault::WrongReceiver),
        bad(EntryFault::LateWithoutReturn),
        bad(EntryFault::SettlementMove { account: "member AIKO-0001's account".into(), delta: yen(-3_000) }),
        bad(EntryFault::BalanceOverflow),
        bad(EntryFault::LossCredited),
        officer(OfficerFault::FoundedTwice),
        officer(OfficerFault::NoOfficersToAct),
        officer(OfficerFault::Unsigned),
        officer(OfficerFault::Unreadable {
            what: "the officers' authorisation",
            reason: DecodeError::Truncated { what: "signature", needed: 64 }.to_string(),
        }),
        officer(OfficerFault::BadSignature { what: "the officers' authorisation" }),
        officer(OfficerFault::NotAnOfficer { officer: stranger() }),
        officer(OfficerFault::SignedTwice { officer: bob() }),
        officer(OfficerFault::TooFewSigners { signers: 1 }),
        officer(OfficerFault::RemovesNonOfficer),
        officer(OfficerFault::LeavesTooFew),
        officer(OfficerFault::PasskeyNotLinked { officer: bob() }),
        officer(OfficerFault::PasskeyMisused {
            officer: bob(),
            reason: "the passkey signed on https://evil.example, not on the console at https://hq.example"
                .into(),
        }),
        officer(OfficerFault::PasskeyWithoutOfficers),
        officer(OfficerFault::LinkUnsigned),
        officer(OfficerFault::LinkedByPasskey),
        officer(OfficerFault::LinkNotTheOfficers),
        officer(OfficerFault::LinkedByNonOfficer { officer: stranger() }),
        officer(OfficerFault::LinkedTwice),
        officer(OfficerFault::FounderUnsigned),
        officer(OfficerFault::FounderApproved),
        officer(OfficerFault::FounderTwice { officer: bob() }),
        officer(OfficerFault::NotSelfSigned),
        officer(OfficerFault::Nameless),
        officer(OfficerFault::BadBody { problem: "has no enrolment code" }),
        officer(OfficerFault::SignedOther {
            method: "POST".into(),
            path: "/v1/officer/members/BEN-0002/credit".into(),
            expected: "a credit to this member",
        }),
        officer(OfficerFault::CreditDiffers {
            signed: SignedAmount::Amount(unpriced(1_000)),
            credited: unpriced(10_000),
        }),
        officer(OfficerFault::LimitDiffers { signed: SignedAmount::NotANumber, limit: unpriced(20_000) }),
        officer(OfficerFault::NoBatch),
        officer(OfficerFault::OtherWallet),
        AuditError::WrongLedger,
        AuditError::Rewritten { size: 22 },
        AuditError::Negative { seq: 12, account: "member AIKO-0001's account".into(), balance: yen(-1_000) },
        diverged(
            5,
            6,
            Some((EntryKind::Credited, "AIKO-0001".into(), "credited ¥1,000 to AIKO-0001, a bonus".into())),
            22,
        ),
        diverged(20, 22, None, 20),
        diverged(0, 6, None, 22),
        AuditError::TotalsOverflow,
        AuditError::Unbalanced {
            accounts: yen(50_000),
            purses: yen(20_000),
            credited: yen(80_000),
            losses: yen(0),
        },
    ]
}

/// The notices the balance and payment screens show beside the numbers, by code.
pub fn notices() -> Vec<(&'static str, String)> {
    let held = |reason| HeldAtLedger {
        purse_id: [0xab; 32],
        amount: Amount::from_minor(7_000, Currency::JPY).unwrap(),
        reason,
        expires_at: 1_797_145_200,
    };
    vec![
        ("HeldAtLedger::Revoked", held(HeldReason::Revoked).words()),
        ("HeldAtLedger::Expired", held(HeldReason::Expired).words()),
        (
            "CheckpointSeen::LedgerForked",
            CheckpointSeen::LedgerForked { size: 24 }.notice().unwrap_or_default(),
        ),
        ("CheckpointSeen::NotFromOurLedger", CheckpointSeen::NotFromOurLedger.notice().unwrap_or_default()),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const TABLE: &str = include_str!("../../docs/messages.md");
    const SECTION: &str = "## On the member's phone";

    /// The member section's rows: code → message, as written in the table.
    fn rows() -> BTreeMap<String, String> {
        section_rows(SECTION)
    }

    fn section_rows(section: &str) -> BTreeMap<String, String> {
        crate::message_table::section_rows(TABLE, section, "")
    }

    #[test]
    fn every_message_is_in_the_table_word_for_word_and_every_row_has_a_message() {
        let rows = rows();
        let mut seen = BTreeMap::new();
        for error in samples() {
            let code = code(&error);
            let text = error.to_string().replace('|', "\\|");
            let row =
                rows.get(&code).unwrap_or_else(|| panic!("docs/messages.md has no row for `{code}`: {text}"));
            assert_eq!(row, &text, "the row for `{code}` differs from the code's words");
            seen.insert(code, ());
        }
        let missing: Vec<&String> = rows.keys().filter(|code| !seen.contains_key(*code)).collect();
        assert!(missing.is_empty(), "rows with no sample here: {missing:?}");
    }

    #[test]
    #[ignore = "prints the member section's rows, to start the table"]
    fn print_rows() {
        for error in samples() {
            println!("| `{}` | {} |", code(&error), error.to_string().replace('|', "\\|"));
        }
    }

    #[test]
    fn every_message_is_one_sentence_a_person_can_act_on() {
        for error in samples() {
            let text = error.to_string();
            let code = code(&error);
            assert!(
                !text.contains("(s)") && !text.contains("Some(") && !text.contains("[\""),
                "{code}: {text}"
            );
            assert!(!text.contains('{') && !text.contains('}'), "{code}: {text}");
            assert!(!text.ends_with('.') && !text.contains(". "), "{code}: one sentence: {text}");
            assert!(!text.contains(';'), "{code}: one sentence, not two joined by a semicolon: {text}");
            // Lowercase, as the app puts it after its own words; an acronym (PIN, QR) stays.
            let first_word = text.split(' ').next().unwrap_or_default();
            assert!(
                !first_word.starts_with(char::is_uppercase) || first_word.chars().all(|c| !c.is_lowercase()),
                "{code}: {text}"
            );
            let colons = crate::message_table::outside_parentheses(&text).matches(": ").count();
            assert!(colons <= 1, "{code}: a stacked chain of {colons} parts: {text}");
        }
    }

    /// The sync lines and the notices beside the balances, by code, in the table's escaping.
    fn standalone() -> Vec<(&'static str, &'static str, String)> {
        let lines = line_samples().into_iter().map(|l| ("## After a sync", line_code(&l), l.to_string()));
        let notices = notices().into_iter().map(|(code, text)| ("## Beside the balances", code, text));
        lines.chain(notices).map(|(section, code, text)| (section, code, text.replace('|', "\\|"))).collect()
    }

    #[test]
    fn every_sync_line_and_notice_is_in_the_table_word_for_word_and_every_row_has_one() {
        let samples = standalone();
        for section in ["## After a sync", "## Beside the balances"] {
            let rows = section_rows(section);
            let mine: Vec<_> = samples.iter().filter(|(s, _, _)| *s == section).collect();
            for (_, code, text) in &mine {
                assert_eq!(
                    rows.get(*code),
                    Some(text),
                    "the row for `{code}` in {section} differs from the code"
                );
            }
            let missing: Vec<&String> =
                rows.keys().filter(|c| !mine.iter().any(|(_, code, _)| code == c)).collect();
            assert!(missing.is_empty(), "rows in {section} with no sample: {missing:?}");
        }
    }

    #[test]
    #[ignore = "prints the sync lines' and notices' rows, to start their tables"]
    fn print_standalone_rows() {
        for (section, code, text) in standalone() {
            println!("{section} | `{code}` | {text} |");
        }
    }

    #[test]
    fn every_sync_line_and_notice_is_one_sentence_that_stands_alone() {
        for (_, code, text) in standalone() {
            let first = text.chars().next().unwrap_or_default();
            assert!(first.is_uppercase() || first.is_ascii_digit() || first == '¥', "{code}: {text}");
            assert!(text.ends_with('.') && !text.contains(". "), "{code}: one sentence: {text}");
            assert!(
                !text.contains("(s)") && !text.contains('{') && !text.contains("Some("),
                "{code}: {text}"
            );
            assert!(!text.contains(';'), "{code}: {text}");
            let colons = crate::message_table::outside_parentheses(&text).matches(": ").count();
            assert!(colons <= 1, "{code}: a stacked chain of {colons} parts: {text}");
        }
    }

    const AUDIT: &str = "## The offline audit";

    #[test]
    fn every_audit_failure_is_in_the_table_word_for_word_and_every_row_has_one() {
        let rows = section_rows(AUDIT);
        let mut seen = Vec::new();
        for error in audit_samples() {
            let code = audit_code(&error);
            let text = error.to_string().replace('|', "\\|");
            let row = rows.get(&code).unwrap_or_else(|| panic!("{AUDIT} has no row for `{code}`: {text}"));
            assert_eq!(row, &text, "the row for `{code}` differs from the code's words");
            seen.push(code);
        }
        let missing: Vec<&String> = rows.keys().filter(|code| !seen.contains(code)).collect();
        assert!(missing.is_empty(), "rows in {AUDIT} with no sample here: {missing:?}");
    }

    #[test]
    #[ignore = "prints the audit section's rows, to start the table"]
    fn print_audit_rows() {
        for error in audit_samples() {
            println!("| `{}` | {} |", audit_code(&error), error.to_string().replace('|', "\\|"));
        }
    }

    #[test]
    fn every_audit_failure_is_one_sentence_an_auditor_can_act_on() {
        for error in audit_samples() {
            let text = error.to_string();
            let code = audit_code(&error);
            assert!(
                !text.contains("(s)") && !text.contains("Some(") && !text.contains("[\""),
                "{code}: {text}"
            );
            assert!(!text.contains('{') && !text.contains('}'), "{code}: {text}");
            assert!(!text.ends_with('.') && !text.contains(". "), "{code}: one sentence: {text}");
            assert!(!text.contains(';'), "{code}: one sentence, not two joined by a semicolon: {text}");
            assert!(
                text.starts_with(char::is_lowercase) || text.starts_with(char::is_numeric),
                "{code}: {text}"
            );
            let colons = crate::message_table::outside_parentheses(&text).matches(": ").count();
            assert_eq!(colons, 1, "{code}: what happened, then what to do, after one colon: {text}");
            assert!(!text.contains("minor units"), "{code}: amounts as money: {text}");
        }
    }
}
