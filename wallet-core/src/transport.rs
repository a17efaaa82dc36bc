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
    #[error("the ledger could not be reached ({detail}): check the connection and sync again later")]
    Unreachable { detail: String },
    /// The ledger answered with an error; `message` is its explanation.
    #[error("{message} (the ledger refused the sync, HTTP {status})")]
    Refused { status: u16, message: String },
    /// The answer was larger than any sync response may be.
    #[error(
        "the ledger's answer is larger than the {max} bytes a sync takes, and nothing was applied: sync again later"
    )]
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
pub use http::{HttpTransport, Trust, TrustError, http_agent};

#[cfg(feature = "http")]
mod http {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;
    use std::time::Duration;

    use super::{SyncTransport, TransportError};
    use crate::protocol::sync::MAX_SYNC_BYTES;

    /// The certificates an `https://` ledger (or witness) must chain to: a CA's certificate, or
    /// the server's own certificate pinned. There are no built-in public roots: an Outpost
    /// deployment runs its own CA, and a wallet trusting every public CA would trust whoever
    /// obtained a certificate for the ledger's name.
    #[derive(Clone, Debug, Default)]
    pub struct Trust {
        certificates: Vec<ureq::tls::Certificate<'static>>,
    }

    /// Why a trust file could not be used.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[non_exhaustive]
    pub enum TrustError {
        #[error("cannot read the CA file {} ({detail}): check the path given with --ca-file", .path.display())]
        Read { path: PathBuf, detail: String },
        #[error(
            "the CA file {} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`): give the CA's \
             certificate, or the ledger's own certificate to pin it", .path.display()
        )]
        NoCertificate { path: PathBuf },
    }

    impl Trust {
        /// Nothing trusted: `https://` URLs fail, `http://` ones work.
        pub fn none() -> Self {
            Self::default()
        }

        /// Every certificate in the PEM file at `path`: CA certificates, or a server's own
        /// certificate to pin (it is then the only one that server may present).
        pub fn from_pem_file(path: &Path) -> Result<Self, TrustError> {
            let read =
                |e: &dyn std::fmt::Display| TrustError::Read { path: path.into(), detail: e.to_string() };
            let pem = std::fs::read(path).map_err(|e| read(&e))?;
            let certificates = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => Some(Ok(cert)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| read(&e))?;
            if certificates.is_empty() {
                return Err(TrustError::NoCertificate { path: path.into() });
            }
            Ok(Self { certificates })
        }
    }

    /// A blocking HTTP client that speaks `https://` trusting only `trust`, with `timeout` on
    /// each exchange and HTTP error statuses returned as answers (the caller reads their JSON).
    pub fn http_agent(timeout: Duration, trust: &Trust) -> ureq::Agent {
        // `ring` by choice: aws-lc-rs, rustls's post-quantum provider, needs cmake and clang.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(trust.certificates.clone())))
            .unversioned_rustls_crypto_provider(provider)
            .build();
        ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .new_agent()
    }

    /// The built-in transport: HTTP/1.1 with a blocking client, for the CLI, desktop use and
    /// tests. It speaks `https://` trusting only what it is given ([`Trust`]), and `http://`.
    pub struct HttpTransport {
        url: String,
        agent: ureq::Agent,
    }

    impl HttpTransport {
        /// A transport to the ledger at `base_url` (e.g. `http://127.0.0.1:7300`), with a 30 s
        /// limit on each exchange, trusting no certificate.
        pub fn new(base_url: &str) -> Self {
            Self::with_timeout(base_url, Duration::from_secs(30))
        }

        pub fn with_timeout(base_url: &str, timeout: Duration) -> Self {
            Self::with_trust(base_url, timeout, &Trust::none())
        }

        /// A transport to an `https://` ledger whose certificate chains to `trust`.
        pub fn with_trust(base_url: &str, timeout: Duration, trust: &Trust) -> Self {
            Self {
                url: format!("{}/v1/sync", base_url.trim_end_matches('/')),
                agent: http_agent(timeout, trust),
            }
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
