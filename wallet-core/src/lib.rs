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

pub mod clock;
pub mod encoding;
pub mod envelope;
pub mod event_log;
pub mod identity;
pub mod money;
pub mod protocol;
pub mod qr;
pub mod store;
pub mod vault;
pub mod wallet;

pub use clock::{Clock, SystemClock};
pub use event_log::{Event, EventKind, LinkFault, LogReport};
pub use identity::PublicIdentity;
pub use money::{Amount, Currency, MoneyError};
pub use store::StoreError;
pub use vault::{KdfParams, KeyProtector, Pin, ProtectorError, SoftwareProtector, VaultError};
pub use wallet::{
    Accepted, Balances, Confirmed, Contact, CreatedRequest, Direction, HistoryEntry, Payment, TransferStatus,
    Wallet, WalletError, WalletOptions,
};
