//! The key protector an app implements: Android Keystore, the Secure Enclave, or (for desktops
//! and tests) the software key file wallet-core ships.
//!
//! The wallet calls it on create, unlock and PIN change only, from the thread that made that
//! call, while it holds the wallet's lock: an implementation must never call back into the
//! wallet, or it will wait forever. It may block (a biometric prompt) and may be called from any
//! thread.

use std::sync::Arc;

use outpost_wallet_core as wc;

use crate::error::first_line;

/// Why the app's key protector could not wrap or unwrap. Throw one of these from Kotlin, Swift
/// or Python; any other exception arrives as `Failed` with the exception's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum KeyProtectorError {
    /// The protecting key is missing or was invalidated (biometrics re-enrolled, say).
    #[error("{reason}")]
    Unavailable { reason: String },
    /// The user cancelled the authentication prompt.
    #[error("{reason}")]
    Cancelled { reason: String },
    /// Anything else: the wrapped bytes did not open, the hardware failed.
    #[error("{reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyProtectorError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed {
            reason: format!("the app's key protector threw an exception: {}", first_line(&error.reason)),
        }
    }
}

/// Wraps and unwraps the wallet's small key record under a key the device protects.
///
/// `unwrap` must fail (not return garbage) for bytes `wrap` did not produce: use an
/// authenticated cipher (AES-GCM in Android Keystore, ECIES in the Secure Enclave).
#[uniffi::export(with_foreign)]
pub trait KeyProtector: Send + Sync {
    /// Encrypts `plaintext` (at most a few hundred bytes) under the protecting key.
    fn wrap(&self, plaintext: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError>;
    /// Decrypts what `wrap` returned.
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError>;
}

/// The software key protector: a 256-bit key in a file (mode 0600), made if missing. For
/// desktops, the CLI and tests; on a phone use the platform's hardware key store.
#[uniffi::export]
pub fn software_key_protector(key_file: String) -> Result<Arc<dyn KeyProtector>, KeyProtectorError> {
    let inner = wc::SoftwareProtector::open_or_create(&key_file).map_err(KeyProtectorError::from)?;
    Ok(Arc::new(Software(inner)))
}

struct Software(wc::SoftwareProtector);

impl KeyProtector for Software {
    fn wrap(&self, plaintext: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        wc::KeyProtector::wrap(&self.0, &plaintext).map_err(Into::into)
    }

    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, KeyProtectorError> {
        wc::KeyProtector::unwrap(&self.0, &wrapped).map_err(Into::into)
    }
}

impl From<wc::ProtectorError> for KeyProtectorError {
    fn from(error: wc::ProtectorError) -> Self {
        let reason = error.to_string();
        match error {
            wc::ProtectorError::Unavailable { .. } => Self::Unavailable { reason },
            wc::ProtectorError::Cancelled => Self::Cancelled { reason },
            wc::ProtectorError::Failed { .. } => Self::Failed { reason },
        }
    }
}

/// Lets wallet-core call an app's protector.
pub(crate) struct Bridge(pub(crate) Arc<dyn KeyProtector>);

impl wc::KeyProtector for Bridge {
    fn wrap(&self, plaintext: &[u8]) -> Result<Vec<u8>, wc::ProtectorError> {
        self.0.wrap(plaintext.to_vec()).map_err(to_core)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Vec<u8>, wc::ProtectorError> {
        self.0.unwrap(wrapped.to_vec()).map_err(to_core)
    }
}

fn to_core(error: KeyProtectorError) -> wc::ProtectorError {
    match error {
        KeyProtectorError::Unavailable { reason } => wc::ProtectorError::Unavailable { reason },
        KeyProtectorError::Cancelled { .. } => wc::ProtectorError::Cancelled,
        KeyProtectorError::Failed { reason } => wc::ProtectorError::Failed { reason },
    }
}
