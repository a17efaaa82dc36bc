//! The vault: how a wallet's data is encrypted at rest and how the key to it is guarded.
//!
//! ```text
//!   rows (balances, keys, events)  <- sealed with the DATA KEY (XChaCha20-Poly1305, AD = table+id)
//!   DATA KEY (random, 256 bits)    <- wrapped with a key from the PIN (Argon2id)   = PIN wrap
//!   PIN wrap                       <- wrapped again by the app's KeyProtector      = stored
//! ```
//!
//! Invariants:
//! - The data key never changes for the life of a wallet, so changing the PIN or upgrading the
//!   Argon2id parameters rewrites one small record and no rows.
//! - A row's associated data names the wallet, the table and the row id, so a sealed row copied to
//!   another id, table or wallet fails to open instead of showing another row's value.
//! - Every sealed format starts with a version byte; an unknown version is an error, never a guess.
//! - The PIN alone is weak (a 6-digit PIN falls to an offline search), so the outer
//!   [`KeyProtector`] layer, which apps back with Android Keystore or the Secure Enclave, is what
//!   makes guessing expensive. The durable wrong-PIN counter in [`attempts`] slows guessing
//!   through the app itself. See `docs/adr/0002-vault-key-hierarchy.md`.

pub mod attempts;
mod data_key;
mod pin;
mod protector;

pub use data_key::{DataKey, RowRef};
pub use pin::{KdfParams, Pin, PinWrap};
pub use protector::{KeyProtector, ProtectorError, SoftwareProtector};

use thiserror::Error;

/// Errors from the vault: PIN checks, the key protector, and sealed data that will not open.
#[derive(Debug, Error)]
// Exhaustive on purpose: bindings/src/error.rs maps every variant for Kotlin, Swift and Python,
// and a new variant must fail that build until it is mapped.
pub enum VaultError {
    /// The PIN was wrong. The fields tell the app what to show and when to allow the next try.
    #[error("{}", attempts::describe_incorrect(*tries_left, *retry_after_secs, *tries_before_delay, *next_delay_secs))]
    PinIncorrect {
        /// Wrong PINs still allowed before the wallet locks for good.
        tries_left: u32,
        /// Seconds before the next try is accepted (0: now).
        retry_after_secs: u64,
        /// Tries the user can still make before having to wait (0: delays have started).
        tries_before_delay: u32,
        /// The next delay ahead, in seconds: imposed once `tries_before_delay` more wrong PINs
        /// are entered (or by the very next one, when delays have started).
        next_delay_secs: u64,
    },
    /// A try came before the delay from earlier wrong PINs ran out. It was not counted.
    #[error("too many incorrect PINs: try again in {}", attempts::human_duration(*retry_after_secs))]
    PinDelayed { retry_after_secs: u64, tries_left: u32 },
    /// Too many wrong PINs: this device will not unlock the wallet again.
    #[error(
        "after {failures} incorrect PINs this wallet cannot be unlocked on this device again (its \
         data is kept): ask your finance officer to move you to a new device"
    )]
    LockedOut { failures: u32 },
    /// The PIN does not meet the rules for a new PIN.
    #[error("PIN not accepted: {reason}")]
    InvalidPin { reason: &'static str },
    /// The app's key protector failed (wrong or missing hardware key, user cancelled, damaged
    /// wrapped key). No PIN try was counted.
    #[error(transparent)]
    Protector(#[from] ProtectorError),
    /// A sealed record did not authenticate: it was damaged, tampered with, moved from another
    /// row, table or wallet. Nothing was read from it.
    #[error(
        "part of this wallet's data ({table} {id}) is damaged or was changed outside the app, so it \
         was not used: restore the wallet file from a backup, or sync to recover"
    )]
    Tampered { table: &'static str, id: String },
    /// The key record unwrapped by the protector is not a PIN wrap this build understands.
    #[error(
        "the wallet's key record is damaged or from an unknown version ({reason}): restore the wallet file from a backup"
    )]
    KeyRecordDamaged { reason: String },
    /// Argon2id parameters outside what this build accepts.
    #[error("the PIN key's Argon2id parameters are not accepted ({reason}): use the defaults")]
    KdfParams { reason: &'static str },
    /// The operating system's random number generator failed.
    #[error("the device's random number generator failed ({0}): restart the device and try again")]
    Random(String),
}

/// Fills `out` from the operating system's CSPRNG.
pub(crate) fn random_bytes(out: &mut [u8]) -> Result<(), VaultError> {
    getrandom::fill(out).map_err(|e| VaultError::Random(e.to_string()))
}
