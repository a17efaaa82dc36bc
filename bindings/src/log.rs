//! A log sink the app implements, to see what the wallet did in its own logging (Logcat,
//! os_log, Python's logging).
//!
//! The facade reports each operation that changes money or trust (create, unlock, pay, accept,
//! confirm, sync) and every error with its readable text. Records never hold a PIN, a key or a
//! QR code's contents. The sink is called on the thread of the wallet call, possibly while the
//! wallet holds its lock: it must return quickly and must never call back into the wallet.

use std::sync::{Arc, RwLock};

use crate::error::first_line;

/// How much a record matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// One thing the wallet did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    pub level: LogLevel,
    /// The operation, e.g. `wallet.sync`.
    pub target: String,
    pub message: String,
}

/// A sink could not take a record. The wallet ignores it: logging never fails a wallet call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum LogSinkError {
    #[error("{reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for LogSinkError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: first_line(&error.reason).to_owned() }
    }
}

/// Receives the wallet's log records.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    fn log(&self, record: LogRecord) -> Result<(), LogSinkError>;
}

static SINK: RwLock<Option<(Arc<dyn LogSink>, LogLevel)>> = RwLock::new(None);

/// Sends records at `min_level` and above to `sink`, replacing any sink set before. One sink
/// serves every wallet in the process.
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, min_level: LogLevel) {
    *SINK.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((sink, min_level));
}

/// Stops sending records.
#[uniffi::export]
pub fn clear_log_sink() {
    *SINK.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
}

/// Sends one record if a sink wants it. A sink that throws is ignored.
pub(crate) fn emit(level: LogLevel, target: &str, message: impl FnOnce() -> String) {
    let sink = match &*SINK.read().unwrap_or_else(|poisoned| poisoned.into_inner()) {
        Some((sink, min)) if level >= *min => Arc::clone(sink),
        _ => return,
    };
    // The lock is released before calling out, so a slow sink never blocks set_log_sink.
    let _ = sink.log(LogRecord { level, target: target.to_owned(), message: message() });
}
