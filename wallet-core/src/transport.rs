//! How a wallet reaches the ledger: one request's bytes out, one response's bytes back.
//!
//! Apps implement [`SyncTransport`] with their platform's HTTP stack (OkHttp, URLSession), which
//! already knows the device's proxies, certificates and network policy. The CLI and the tests use
//! [`HttpTransport`], behind the `http` cargo feature so that an app bringing its own transport
//! ships no second HTTP client.
//!
//! A transport moves bytes and nothing else: the request is signed by the wallet and the
//! response by the ledger, and the wallet checks the response itself, so a transport (or a proxy
//! behind it) can fail a sync but never make a wallet accept something the ledger did not sign.

use thiserror::Error;

/// Why an exchange with the ledger failed. The wallet's state is unchanged: retrying resends the
/// same request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No answer: no network, the ledger is down, or the connection was cut.
    #[error("the ledger could not be reached: {detail}")]
    Unreachable { detail: String },
    /// The ledger answered with an error; `message` is its explanation.
    #[error("the ledger refused the sync (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// The answer was larger than any sync response may be.
    #[error("the ledger's answer is larger than {max} bytes")]
    TooLarge { max: usize },
}

/// Sends one sync request to the ledger and returns its response.
///
/// Implementations may block (the wallet's `sync` is a blocking call, made off the UI thread).
/// An implementation must not call back into the wallet: the wallet is busy with this sync.
pub trait SyncTransport: Send + Sync {
    /// POSTs `request` to the ledger's sync endpoint (`/v1/sync`) as
    /// `application/octet-stream` and returns the body of a `200` answer. Any other status is
    /// [`TransportError::Refused`] with the body's `error` text when there is one.
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError>;
}

#[cfg(feature = "http")]
pub use http::HttpTransport;

#[cfg(feature = "http")]
mod http {
    use std::time::Duration;

    use super::{SyncTransport, TransportError};
    use crate::protocol::sync::MAX_SYNC_BYTES;

    /// The built-in transport: plain HTTP/1.1 with a blocking client, for the CLI, desktop use and
    /// tests. It speaks `http://` only (TLS is the app's HTTP stack's or a local proxy's job).
    pub struct HttpTransport {
        url: String,
        agent: ureq::Agent,
    }

    impl HttpTransport {
        /// A transport to the ledger at `base_url` (e.g. `http://127.0.0.1:7300`), with a 30 s
        /// limit on each exchange.
        pub fn new(base_url: &str) -> Self {
            Self::with_timeout(base_url, Duration::from_secs(30))
        }

        pub fn with_timeout(base_url: &str, timeout: Duration) -> Self {
            let agent = ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .build()
                .new_agent();
            Self { url: format!("{}/v1/sync", base_url.trim_end_matches('/')), agent }
        }
    }

    impl SyncTransport for HttpTransport {
        fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
            let unreachable = |e: ureq::Error| TransportError::Unreachable { detail: e.to_string() };
            let mut response = self
                .agent
                .post(&self.url)
                .header("content-type", "application/octet-stream")
                .send(request)
                .map_err(unreachable)?;
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_SYNC_BYTES as u64 + 1)
                .read_to_vec()
                .map_err(unreachable)?;
            if body.len() > MAX_SYNC_BYTES {
                return Err(TransportError::TooLarge { max: MAX_SYNC_BYTES });
            }
            if status != 200 {
                return Err(TransportError::Refused { status, message: error_text(&body) });
            }
            Ok(body)
        }
    }

    /// The ledger's JSON error text (`{"error": "…"}`), or the body as text.
    fn error_text(body: &[u8]) -> String {
        let json = serde_json::from_slice::<serde_json::Value>(body).ok();
        let mut message = match json.as_ref().and_then(|v| v.get("error")).and_then(|e| e.as_str()) {
            Some(message) => message.to_owned(),
            None => String::from_utf8_lossy(body).trim().to_owned(),
        };
        if message.len() > 500 {
            let mut cut = 500;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        message
    }
}
