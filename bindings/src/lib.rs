//! The uniffi facade over `outpost-wallet-core` for Kotlin, Swift and Python.
//!
//! Proc-macro uniffi, no UDL; this crate holds no domain logic, only wrapping. Today it exports
//! only the library's version, so apps and CI can check that the native library they load is the
//! one they built against. The wallet API arrives with the bindings issue.

uniffi::setup_scaffolding!();

/// The version of the native Outpost library, e.g. "0.1.0".
#[uniffi::export]
pub fn library_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
