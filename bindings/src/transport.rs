//! How a wallet reaches the ledger: the app's own HTTP stack (OkHttp, URLSession), which knows
//! the device's proxies, certificates and network policy, or the built-in plain-HTTP transport.
//!
//! A transport moves bytes only. The wallet signs the request and checks the ledger's signature
//! and proofs on the answer itself, so a transport can fail a sync but never make the wallet
//! accept something the ledger did not sign. The wallet calls it from the thread that called
//! `sync`, between its own locked steps; it must not call back into the wallet.

use std::sync::Arc;

use outpost_wallet_core as wc;

use crate::error::first_line;
use wc::transport::TransportError;

/// Why an exchange with the ledger failed. Throw one from the app's transport; any other
/// exception arrives as `Unreachable` with the exception's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum SyncTransportError {
    /// No answer: no network, the ledger is down, the connection was cut, a timeout.
    #[error("{reason}")]
    Unreachable { reason: String },
    /// The ledger answered with a status other than 200; `reason` is the body's `error` text
    /// when it has one.
    #[error("{reason}")]
    Refused { reason: String, status: u16 },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SyncTransportError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Unreachable {
            reason: format!("the app's sync transport threw an exception: {}", first_line(&error.reason)),
        }
    }
}

/// Sends one sync request to the ledger and returns its answer.
#[uniffi::export(with_foreign)]
pub trait SyncTransport: Send + Sync {
    /// POST `request` to `<ledger>/v1/sync` with `Content-Type: application/octet-stream` and
    /// return the body of a 200 answer. Any other status is `Refused`. Blocking is expected.
    fn exchange(&self, request: Vec<u8>) -> Result<Vec<u8>, SyncTransportError>;
}

/// The built-in transport: plain HTTP/1.1 to `base_url` (e.g. `http://10.0.2.2:7300`), with a
/// limit of `timeout_secs` on each exchange. It does not speak TLS: put the ledger behind a
/// TLS proxy and use the app's HTTP stack for that.
#[cfg(feature = "builtin-http")]
#[uniffi::export]
pub fn http_sync_transport(base_url: String, timeout_secs: u32) -> Arc<dyn SyncTransport> {
    let timeout = std::time::Duration::from_secs(u64::from(timeout_secs.max(1)));
    Arc::new(BuiltIn(wc::transport::HttpTransport::with_timeout(&base_url, timeout)))
}

#[cfg(feature = "builtin-http")]
struct BuiltIn(wc::transport::HttpTransport);

#[cfg(feature = "builtin-http")]
impl SyncTransport for BuiltIn {
    fn exchange(&self, request: Vec<u8>) -> Result<Vec<u8>, SyncTransportError> {
        wc::transport::SyncTransport::exchange(&self.0, &request).map_err(|error| match error {
            TransportError::Refused { status, message } => {
                SyncTransportError::Refused { status, reason: message }
            }
            other => SyncTransportError::Unreachable { reason: other.to_string() },
        })
    }
}

/// Lets wallet-core call an app's transport.
pub(crate) struct Bridge(pub(crate) Arc<dyn SyncTransport>);

impl wc::transport::SyncTransport for Bridge {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.0.exchange(request.to_vec()).map_err(|error| match error {
            SyncTransportError::Unreachable { reason } => TransportError::Unreachable { detail: reason },
            SyncTransportError::Refused { status, reason } => {
                TransportError::Refused { status, message: reason }
            }
        })
    }
}
