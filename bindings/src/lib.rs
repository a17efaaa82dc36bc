//! The uniffi facade over `outpost-wallet-core` for Kotlin, Swift and Python.
//!
//! Proc-macro uniffi, no UDL. This crate holds no domain logic: it copies wallet-core's values
//! into FFI records, maps its errors once (`error.rs`), and adapts the app's callbacks (key
//! protector, sync transport, log sink) to wallet-core's traits. Everything it exports is safe
//! to call from any thread; a panic never crosses the FFI (uniffi catches it and raises an
//! internal error, and the build keeps `panic = "unwind"`).
//!
//! Callbacks into the app run on the calling thread, sometimes while the wallet holds its lock,
//! so a callback must never call back into the wallet. How to regenerate the bindings:
//! `bindings/generate.sh`; the decisions behind this surface: docs/adr/0007-bindings.md.

mod audit;
mod error;
mod log;
mod protector;
mod qr;
mod records;
mod transport;
mod wallet;

pub use audit::verify_audit_export;
pub use error::WalletError;
pub use log::{LogLevel, LogRecord, LogSink, LogSinkError, clear_log_sink, set_log_sink};
pub use protector::{KeyProtector, KeyProtectorError, software_key_protector};
pub use qr::{QrKind, QrMatrix, qr_kind, qr_matrix, qr_svg};
pub use records::*;
#[cfg(feature = "builtin-http")]
pub use transport::http_sync_transport;
pub use transport::{SyncTransport, SyncTransportError};
pub use wallet::Wallet;

uniffi::setup_scaffolding!();

/// The version of the native Outpost library, e.g. "0.1.0", so an app can check that the
/// library it loaded is the one its bindings were generated from.
#[uniffi::export]
pub fn library_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
