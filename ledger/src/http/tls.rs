//! HTTPS served by the ledger and the witness themselves, from a certificate chain and private
//! key in PEM files (`--tls-cert`, `--tls-key`), with rustls and its `ring` provider.
//!
//! The private key file is refused when other users can read it ([`crate::key_file`]); its bytes
//! are wiped from memory once rustls holds the key. Only TLS 1.2 and 1.3 with rustls's default
//! cipher suites are offered, and only HTTP/1.1 (ALPN `http/1.1`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use zeroize::Zeroizing;

/// Why HTTPS cannot be served as configured. Each message names the file and what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("cannot read {} ({source}): check the path given with --tls-cert or --tls-key", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`): give the server's certificate chain", .0.display())]
    NoCertificate(PathBuf),
    #[error("{} holds no PEM private key (PKCS#8, PKCS#1 or SEC1): give the key of the certificate", .0.display())]
    NoKey(PathBuf),
    #[error("{0}")]
    Exposed(String),
    #[error(
        "the TLS certificate and key do not go together, or are not usable ({0}): give the certificate's own key"
    )]
    Config(String),
}

/// The TLS side of a server: an acceptor for [`crate::http::listener::serve`].
pub fn acceptor(cert_path: &Path, key_path: &Path) -> Result<TlsAcceptor, TlsError> {
    crate::key_file::refuse_if_exposed(key_path, "the TLS private key").map_err(TlsError::Exposed)?;
    let read = |path: &Path| {
        std::fs::read(path).map(Zeroizing::new).map_err(|source| TlsError::Read { path: path.into(), source })
    };
    let certs = CertificateDer::pem_slice_iter(&read(cert_path)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TlsError::NoCertificate(cert_path.into()))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(cert_path.into()));
    }
    let key =
        PrivateKeyDer::from_pem_slice(&read(key_path)?).map_err(|_| TlsError::NoKey(key_path.into()))?;
    // `ring` by choice (docs/adr/0018): aws-lc-rs, rustls's post-quantum provider, needs cmake and
    // clang to build on every machine that builds the ledger.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
