//! The key protector: the outer layer around the PIN wrap, supplied by the app.
//!
//! Apps plug in their platform's key store here:
//! - Android: a Keystore AES-GCM key (StrongBox where present), user-authentication bound, so
//!   every unwrap needs the user's biometric or device credential.
//! - iOS: a Secure Enclave P-256 key used for ECIES, gated by LocalAuthentication (the Enclave
//!   cannot hold the wallet's Ed25519 keys, so it guards the data key instead).
//! - CLI, desktop and tests: [`SoftwareProtector`], a 256-bit key in a file beside the wallet.
//!
//! Implementations must not call back into the wallet: the wallet may hold its lock while it
//! waits for `wrap` or `unwrap`, and a call back would deadlock.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;
use zeroize::Zeroizing;

use super::data_key::{open_with, seal_with};
use super::random_bytes;

/// Why a key protector could not wrap or unwrap.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
// Exhaustive on purpose: bindings/src/error.rs maps every variant for Kotlin, Swift and Python,
// and a new variant must fail that build until it is mapped.
pub enum ProtectorError {
    /// The protecting key is missing or invalidated (e.g. biometrics re-enrolled, key file gone).
    #[error(
        "the device key that protects this wallet is not available ({reason}): unlock the device and try again"
    )]
    Unavailable { reason: String },
    /// The user declined the authentication prompt.
    #[error("the device's authentication was cancelled: try again when ready")]
    Cancelled,
    /// The wrapped bytes did not unwrap: another device's key, or damaged data.
    #[error(
        "this device's key cannot open the wallet ({reason}), and no PIN try was counted: open it on the device it was made on"
    )]
    Failed { reason: String },
}

/// Wraps and unwraps the small key record that holds the PIN wrap. Called on unlock, PIN change
/// and parameter upgrades only, so a hardware round-trip per call is fine.
///
/// Must be safe to call from any thread, and must never call back into the wallet.
pub trait KeyProtector: Send + Sync {
    /// Encrypts `plaintext` (a few hundred bytes at most) under the protecting key.
    fn wrap(&self, plaintext: &[u8]) -> Result<Vec<u8>, ProtectorError>;
    /// Decrypts what [`KeyProtector::wrap`] returned. Must fail, not return garbage, for bytes
    /// it did not produce: use an authenticated cipher.
    fn unwrap(&self, wrapped: &[u8]) -> Result<Vec<u8>, ProtectorError>;
}

const KEY_FILE_MAGIC: &[u8; 8] = b"OPSWKEY1";
const AD: &[u8] = b"outpost/software-protector/v1";

/// A key protector backed by a 256-bit key in a file (mode 0600 on Unix).
///
/// For the CLI, desktops and tests. It protects against someone who copies the wallet file but
/// not the key file; it is no substitute for a hardware key store on a phone.
pub struct SoftwareProtector {
    key: Zeroizing<[u8; 32]>,
    path: PathBuf,
}

impl SoftwareProtector {
    /// Creates a new key file at `path`; refuses to overwrite an existing one, since that would
    /// make every wallet it protects unreadable.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, ProtectorError> {
        let path = path.as_ref();
        let mut key = Zeroizing::new([0u8; 32]);
        random_bytes(key.as_mut()).map_err(|e| ProtectorError::Unavailable { reason: e.to_string() })?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let io = |e: std::io::Error| ProtectorError::Unavailable {
            reason: format!("cannot create key file {}: {e}", path.display()),
        };
        let mut file = options.open(path).map_err(io)?;
        let mut contents = Zeroizing::new(Vec::with_capacity(40));
        contents.extend_from_slice(KEY_FILE_MAGIC);
        contents.extend_from_slice(key.as_ref());
        file.write_all(&contents).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(Self { key, path: path.to_path_buf() })
    }

    /// Loads an existing key file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ProtectorError> {
        let path = path.as_ref();
        let contents = Zeroizing::new(fs::read(path).map_err(|e| ProtectorError::Unavailable {
            reason: format!("cannot read key file {}: {e}", path.display()),
        })?);
        if contents.len() != 40 || &contents[..8] != KEY_FILE_MAGIC {
            return Err(ProtectorError::Unavailable {
                reason: format!("{} is not an Outpost software key file", path.display()),
            });
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&contents[8..]);
        Ok(Self { key, path: path.to_path_buf() })
    }

    /// Opens the key file at `path`, creating it first if it does not exist.
    pub fn open_or_create(path: impl AsRef<Path>) -> Result<Self, ProtectorError> {
        if path.as_ref().exists() { Self::open(path) } else { Self::create(path) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::fmt::Debug for SoftwareProtector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareProtector").field("path", &self.path).finish_non_exhaustive()
    }
}

impl KeyProtector for SoftwareProtector {
    fn wrap(&self, plaintext: &[u8]) -> Result<Vec<u8>, ProtectorError> {
        seal_with(&self.key, AD, plaintext).map_err(|e| ProtectorError::Failed { reason: e.to_string() })
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Vec<u8>, ProtectorError> {
        open_with(&self.key, AD, wrapped).map(|plain| plain.to_vec()).ok_or_else(|| ProtectorError::Failed {
            reason: "the key record was not wrapped by this key file, or it is damaged".into(),
        })
    }
}
