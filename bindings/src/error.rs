//! The one mapping from wallet-core's errors to the errors apps catch.
//!
//! Every variant carries `reason`, the readable text to show the user ("PIN incorrect, 2 tries
//! left before a 1-minute delay"), plus the fields an app acts on (tries left, the transfer to
//! show again, the HTTP status). The Rust `Display` is exported too, so `toString()` in Kotlin,
//! `description` in Swift and `str()` through the Python package give the same text.
//!
//! Why a `reason` field rather than the exception's own message: uniffi builds the Kotlin
//! `message` of an error that has fields from the field list (`reason=…, triesLeft=…`), and a
//! field named `message` would not compile in Kotlin. So the text is always the FIRST field of
//! every variant (bindings/generate.sh relies on that to make Kotlin's `message` the reason).
//! See docs/adr/0007-bindings.md.

use outpost_wallet_core as wc;
use wc::{ProtectorError, VaultError};

/// Why a wallet call failed. `reason` is the text to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum WalletError {
    /// The PIN was wrong; the try was counted.
    #[error("{reason}")]
    PinIncorrect {
        reason: String,
        /// Wrong PINs still allowed before the wallet locks for good.
        tries_left: u32,
        /// Seconds before the next try is accepted (0: now).
        retry_after_secs: u64,
        /// Tries still possible before a delay starts (0: delays have started).
        tries_before_delay: u32,
        /// The next delay ahead, in seconds.
        next_delay_secs: u64,
    },
    /// A try came before the delay from earlier wrong PINs ran out; it was not counted.
    #[error("{reason}")]
    PinDelayed { reason: String, retry_after_secs: u64, tries_left: u32 },
    /// Too many wrong PINs: this device will never unlock the wallet again.
    #[error("{reason}")]
    LockedOut { reason: String, failures: u32 },
    /// A new PIN does not meet the rules.
    #[error("{reason}")]
    InvalidPin { reason: String },
    /// The call needs the wallet unlocked.
    #[error("{reason}")]
    Locked { reason: String },
    /// The app's key protector has no usable key (missing, or invalidated by a biometric change).
    #[error("{reason}")]
    KeyProtectorUnavailable { reason: String },
    /// The user cancelled the key protector's authentication prompt. No PIN try was counted.
    #[error("{reason}")]
    KeyProtectorCancelled { reason: String },
    /// The key protector failed, or threw an exception the app did not map.
    #[error("{reason}")]
    KeyProtectorFailed { reason: String },
    /// Wallet data failed its integrity check (a damaged or edited file, a broken event log).
    /// Nothing was read from it and nothing was changed.
    #[error("{reason}")]
    Tampered { reason: String },
    /// The wallet file could not be used: missing, already there, not a wallet, too new, I/O.
    #[error("{reason}")]
    Storage { reason: String },
    /// The QR text is not an Outpost code, is cut short, or is the wrong kind for this screen.
    #[error("{reason}")]
    BadQr { reason: String },
    /// A scanned message is malformed, badly signed or expired.
    #[error("{reason}")]
    BadMessage { reason: String },
    /// An amount is malformed, too precise, too large or in another currency.
    #[error("{reason}")]
    BadAmount { reason: String },
    /// The wallet has no ledger key pinned yet: enrol first.
    #[error("{reason}")]
    NotEnrolled { reason: String },
    /// The wallet already trusts another ledger key.
    #[error("{reason}")]
    LedgerKeyMismatch { reason: String },
    /// No usable offline purse: sync to load one.
    #[error("{reason}")]
    NoPurse { reason: String },
    /// The purse holds less than asked. Amounts in minor units.
    #[error("{reason}")]
    InsufficientPurse { reason: String, remaining_minor: u64, asked_minor: u64 },
    /// This request was already paid by `transfer_id` (hex): show that transfer again instead.
    #[error("{reason}")]
    AlreadyPaid { reason: String, transfer_id: String },
    /// A second transfer from the same purse slot: not credited, kept as evidence.
    #[error("{reason}")]
    DoubleSpend { reason: String, member_id: String, purse_id: String, seq: u32 },
    /// The payment or scan was refused for a reason the text gives (wrong receiver, self
    /// payment, revoked purse, amount mismatch…). Nothing was changed.
    #[error("{reason}")]
    Refused { reason: String },
    /// The ledger could not be reached. Retrying resends the same request.
    #[error("{reason}")]
    LedgerUnreachable { reason: String },
    /// The ledger answered with an HTTP error.
    #[error("{reason}")]
    LedgerRefused { reason: String, status: u16 },
    /// The ledger's answer failed its signature, proof or history check; nothing was applied.
    #[error("{reason}")]
    LedgerUntrusted { reason: String },
    /// The ledger's answer lacks the witness cosignatures this wallet requires (see
    /// `pin_witnesses`), or they do not check; nothing was applied. Often temporary: the
    /// ledger's witnesses have not cosigned yet, sync again later.
    #[error("{reason}")]
    LedgerNotWitnessed { reason: String },
    /// An exported audit log did not verify.
    #[error("{reason}")]
    AuditFailed { reason: String },
    /// Something that should not happen (the system random generator failed, say).
    #[error("{reason}")]
    Internal { reason: String },
}

impl From<wc::WalletError> for WalletError {
    fn from(error: wc::WalletError) -> Self {
        use wc::WalletError as E;
        let reason = error.to_string();
        match error {
            E::Vault(vault) => from_vault(vault, reason),
            E::Store(_) => Self::Storage { reason },
            E::LogBroken { .. } => Self::Tampered { reason },
            E::Money(_) | E::WrongCurrency { .. } | E::AmountRequired => Self::BadAmount { reason },
            E::Locked => Self::Locked { reason },
            E::Protocol(_) | E::Envelope(_) => Self::BadMessage { reason },
            E::Qr(_) => Self::BadQr { reason },
            E::NotEnrolled => Self::NotEnrolled { reason },
            E::LedgerKeyMismatch => Self::LedgerKeyMismatch { reason },
            E::NoPurse | E::PurseExhausted => Self::NoPurse { reason },
            E::InsufficientPurse { remaining, asked } => Self::InsufficientPurse {
                reason,
                remaining_minor: remaining.minor(),
                asked_minor: asked.minor(),
            },
            E::AlreadyPaid { transfer_id } => {
                Self::AlreadyPaid { reason, transfer_id: wc::hex::encode(&transfer_id) }
            }
            E::DoubleSpend { member_id, purse_id, seq } => {
                Self::DoubleSpend { reason, member_id, purse_id: wc::hex::encode(&purse_id), seq }
            }
            E::NotMyPurse
            | E::SelfPayment
            | E::AmountMismatch { .. }
            | E::NotAddressedToMe
            | E::UnknownRequest
            | E::RequestAlreadyPaid
            | E::PurseRevoked { .. }
            | E::BrokenChain { .. }
            | E::UnknownTransfer { .. }
            | E::ReceiptFromStranger => Self::Refused { reason },
            E::Transport(transport) => match transport {
                wc::transport::TransportError::Refused { status, .. } => {
                    Self::LedgerRefused { reason, status }
                }
                _ => Self::LedgerUnreachable { reason },
            },
            E::LedgerHistory(_) | E::BadLedgerProof { .. } => Self::LedgerUntrusted { reason },
            E::Witnesses(wc::protocol::witnessed::WitnessError::BadPolicy { .. }) => {
                Self::BadMessage { reason }
            }
            E::Witnesses(_) => Self::LedgerNotWitnessed { reason },
        }
    }
}

fn from_vault(error: VaultError, reason: String) -> WalletError {
    match error {
        VaultError::PinIncorrect { tries_left, retry_after_secs, tries_before_delay, next_delay_secs } => {
            WalletError::PinIncorrect {
                reason,
                tries_left,
                retry_after_secs,
                tries_before_delay,
                next_delay_secs,
            }
        }
        VaultError::PinDelayed { retry_after_secs, tries_left } => {
            WalletError::PinDelayed { reason, retry_after_secs, tries_left }
        }
        VaultError::LockedOut { failures } => WalletError::LockedOut { reason, failures },
        VaultError::InvalidPin { .. } => WalletError::InvalidPin { reason },
        VaultError::Protector(ProtectorError::Unavailable { .. }) => {
            WalletError::KeyProtectorUnavailable { reason }
        }
        VaultError::Protector(ProtectorError::Cancelled) => WalletError::KeyProtectorCancelled { reason },
        VaultError::Protector(ProtectorError::Failed { .. }) => WalletError::KeyProtectorFailed { reason },
        VaultError::Tampered { .. } | VaultError::KeyRecordDamaged { .. } => WalletError::Tampered { reason },
        VaultError::KdfParams { .. } | VaultError::Random(_) => WalletError::Internal { reason },
    }
}

impl From<wc::MoneyError> for WalletError {
    fn from(error: wc::MoneyError) -> Self {
        Self::BadAmount { reason: error.to_string() }
    }
}

impl From<wc::qr::QrError> for WalletError {
    fn from(error: wc::qr::QrError) -> Self {
        Self::BadQr { reason: error.to_string() }
    }
}

/// Reads a 32-byte id or key given in hex; `what` names it in the error.
pub(crate) fn unhex32(text: &str, what: &str) -> Result<[u8; 32], WalletError> {
    let bad = || WalletError::BadMessage { reason: format!("{what} must be 64 hexadecimal digits") };
    wc::hex::decode_array(text.trim()).map_err(|_| bad())
}

/// The first line of an exception's text. A Kotlin exception thrown in a callback arrives with
/// its whole stack trace, which belongs in a log, not in a message shown to the user.
pub(crate) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim_end()
}
