//! Outpost's wallet core: money, keys, the encrypted wallet file and its event log.
//!
//! Pure Rust with no FFI, HTTP framework or ledger database in it: the `bindings` crate wraps it
//! for Kotlin, Swift and Python, and the ledger will verify with the same protocol code.
//!
//! Start at [`Wallet`]:
//!
//! ```
//! use std::sync::Arc;
//! use outpost_wallet_core::{Currency, KdfParams, Pin, SoftwareProtector, Wallet, WalletOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key"))?);
//! // Real wallets keep the default Argon2id parameters; the fast profile is for examples and tests.
//! let options = WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() };
//! let pin = Pin::new("482916")?;
//!
//! let wallet = Wallet::create(dir.path().join("wallet.db"), &pin, Currency::JPY, protector.clone(), options.clone())?;
//! let who = wallet.public_identity().fingerprint();
//! drop(wallet);
//!
//! let wallet = Wallet::open(dir.path().join("wallet.db"), protector, options)?;
//! assert_eq!(wallet.public_identity().fingerprint(), who); // readable while locked
//! wallet.unlock(&pin)?;
//! assert_eq!(wallet.balances()?.online.to_code_string(), "JPY 0");
//! # Ok(())
//! # }
//! ```

//! Paying offline: two wallets that trust the same ledger key, and nothing between them but QR
//! text. (Here the ledger is a local [`protocol::LedgerSigner`]; in the field the purse comes
//! from the ledger at sync.)
//!
//! ```
//! # use std::sync::Arc;
//! # use outpost_wallet_core::{Amount, Currency, KdfParams, Pin, SoftwareProtector, Wallet, WalletOptions};
//! # use outpost_wallet_core::protocol::{LedgerSigner, PurseTerms};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let protector = Arc::new(SoftwareProtector::create(dir.path().join("device.key"))?);
//! # let options = WalletOptions { kdf: KdfParams::INSECURE_FAST_FOR_TESTS, ..Default::default() };
//! # let pin = Pin::new("482916")?;
//! let aiko = Wallet::create(dir.path().join("aiko.db"), &pin, Currency::JPY, protector.clone(), options.clone())?;
//! let ben = Wallet::create(dir.path().join("ben.db"), &pin, Currency::JPY, protector, options)?;
//! let yen = |n| Amount::from_minor(n, Currency::JPY);
//!
//! // Enrolment and sync, done by the ledger in the field.
//! let ledger = LedgerSigner::generate()?;
//! let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
//! for wallet in [&aiko, &ben] {
//!     wallet.pin_ledger_key(ledger.public_key())?;
//! }
//! aiko.install_purse(&ledger.issue(PurseTerms {
//!     wallet_key: aiko.public_identity().signing_key,
//!     serial: 1,
//!     member_id: "AIKO-0001".into(),
//!     amount: yen(10_000)?,
//!     issued_at: now,
//!     expires_at: now + 7 * 86_400,
//! })?)?;
//!
//! let request = ben.create_request(Some(yen(3_000)?), "canteen", 600)?; // Ben shows request.qr_text
//! let payment = aiko.pay_request(&request.qr_text, None, "")?;         // committed, then shown
//! let accepted = ben.accept(&payment.qr_text)?;                         // checked, stored, receipt
//! aiko.confirm_receipt(&accepted.receipt_qr)?;                           // delivered
//!
//! assert_eq!(aiko.balances()?.offline_purse, yen(7_000)?);
//! assert_eq!(ben.balances()?.pending_incoming, yen(3_000)?);
//! # Ok(())
//! # }
//! ```

pub mod audit;
pub mod clock;
pub mod encoding;
pub mod envelope;
pub mod event_log;
pub mod hex;
pub mod identity;
pub mod merkle;
/// Reading docs/messages.md in the crates' message tests.
#[cfg(any(test, feature = "fixtures"))]
pub mod message_table;
#[cfg(test)]
mod messages;
pub mod money;
pub mod officer;
pub mod protocol;
pub mod qr;
pub mod signature;
pub mod store;
pub mod transport;
pub mod vault;
pub mod wallet;

pub use clock::{Clock, SystemClock};
pub use event_log::{Event, EventKind, LinkFault, LogReport};
pub use identity::PublicIdentity;
pub use money::{Amount, Currency, MoneyError};
pub use store::StoreError;
pub use vault::{KdfParams, KeyProtector, Pin, ProtectorError, SoftwareProtector, VaultError};
pub use wallet::{
    Accepted, Balances, Confirmed, Contact, CreatedRequest, Direction, HistoryEntry, Payment, SyncOptions,
    SyncReport, TransferStatus, Wallet, WalletError, WalletOptions,
};
