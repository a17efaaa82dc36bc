//! An officer's key file: the Ed25519 signing key, sealed under a passphrase with the vault's
//! own PIN wrap (Argon2id, then XChaCha20-Poly1305), so there is one KDF and one cipher in the
//! project. The 32 random bytes the vault would use as a wallet's data key are the officer's
//! Ed25519 seed.
//!
//! ```text
//! version (1) || "outpost/officer-key/v1" || name || public key (32) || file id (16) || PIN wrap
//! ```
//!
//! The name and public key are in clear, so `outpost officer show` needs no passphrase; after
//! unlocking, the key is re-derived and a file whose public key differs is refused. The file id
//! is the PIN wrap's associated data, so a wrap copied from another key file does not open. A
//! file that group or other users may read or write is refused on Unix, not only warned about.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use thiserror::Error;

use crate::encoding::{DecodeError, Reader, Writer};
use crate::hex;
use crate::vault::{DataKey, KdfParams, Pin, PinWrap, VaultError, random_bytes};

const FILE_VERSION: u8 = 1;
const FILE_DOMAIN: &str = "outpost/officer-key/v1";
/// Longest officer name, in bytes.
pub const MAX_NAME: usize = 100;

/// Why a key file could not be made, read or unlocked.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OfficerKeyError {
    #[error("the officer key file {} cannot be read or written ({source}): check its path and permissions", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "the officer key file {} may be read or written by other users (mode {mode:o}), so it was not \
         used: run `chmod 600 {}`", .path.display(), .path.display()
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error(
        "the officer key file {} is not an officer key, or is damaged ({reason}): restore it from a backup, \
         or make a new one with `outpost officer new`", .path.display()
    )]
    Damaged { path: PathBuf, reason: String },
    #[error("wrong passphrase for the officer key file {}: try again", .path.display())]
    WrongPassphrase { path: PathBuf },
    #[error("an officer's name must be 1 to {MAX_NAME} bytes: fill it in, or shorten it")]
    BadName,
    #[error("{0}")]
    Vault(#[from] VaultError),
}

/// An unlocked officer key. The seed is zeroized on drop; `Debug` shows only the public key.
pub struct OfficerKey {
    name: String,
    signing: SigningKey,
}

impl std::fmt::Debug for OfficerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficerKey")
            .field("name", &self.name)
            .field("public_key", &hex::encode(&self.public_key()))
            .finish()
    }
}

impl OfficerKey {
    /// A new random key, held in memory only (tests and harnesses; officers use [`Self::create`]).
    pub fn generate(name: &str) -> Result<Self, OfficerKeyError> {
        check_name(name)?;
        let seed = DataKey::generate()?;
        Ok(Self { name: name.to_owned(), signing: SigningKey::from_bytes(seed.expose()) })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// Signs `method path` with `body` at `time` with a fresh nonce.
    pub fn sign_request(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        time: u64,
    ) -> Result<super::SignedOfficerRequest, super::OfficerError> {
        Ok(super::OfficerRequest::new(self.public_key(), method, path, body, time)?.sign(&self.signing))
    }

    /// The self-signed enrolment ([`super::self_enrolment`]) that founds a ledger with this
    /// officer or asks the officers to enrol them, as text (hex).
    pub fn enrolment_code(&self, time: u64) -> Result<String, super::OfficerError> {
        let authorisation = super::self_enrolment(&self.signing, &self.name, time)?;
        Ok(hex::encode(&authorisation.to_bytes()))
    }

    /// Makes a new key and writes it to `path` (which must not exist), sealed under
    /// `passphrase`, readable by its owner only. Runs Argon2id: slow by design.
    pub fn create(
        path: &Path,
        name: &str,
        passphrase: &Pin,
        params: KdfParams,
    ) -> Result<Self, OfficerKeyError> {
        check_name(name)?;
        let seed = DataKey::generate()?;
        let signing = SigningKey::from_bytes(seed.expose());
        let mut file_id = [0u8; 16];
        random_bytes(&mut file_id)?;
        let wrap = PinWrap::wrap(&seed, passphrase, params, &file_id)?;
        let mut w = Writer::new();
        w.u8(FILE_VERSION)
            .text(FILE_DOMAIN)
            .text(name)
            .fixed(&signing.verifying_key().to_bytes())
            .fixed(&file_id)
            .bytes(&wrap.encode());
        let bytes = w.finish();
        let io = |source| OfficerKeyError::Io { path: path.to_owned(), source };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io)?;
        file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(io)?;
        Ok(Self { name: name.to_owned(), signing })
    }
}

/// A key file as read, before the passphrase.
#[derive(Debug, Clone)]
pub struct OfficerKeyFile {
    path: PathBuf,
    name: String,
    public_key: [u8; 32],
    file_id: [u8; 16],
    wrap: PinWrap,
}

impl OfficerKeyFile {
    /// Reads `path`, refusing a file other users may read or write.
    pub fn read(path: &Path) -> Result<Self, OfficerKeyError> {
        check_permissions(path)?;
        let bytes =
            std::fs::read(path).map_err(|source| OfficerKeyError::Io { path: path.to_owned(), source })?;
        let damaged = |reason: String| OfficerKeyError::Damaged { path: path.to_owned(), reason };
        let parse = || -> Result<_, DecodeError> {
            let mut r = Reader::new(&bytes);
            r.version("officer key file", FILE_VERSION)?;
            if r.text("domain", 64)? != FILE_DOMAIN {
                return Err(DecodeError::Invalid { what: "officer key file", reason: "not an officer key" });
            }
            let name = r.text("name", MAX_NAME)?.to_owned();
            let public_key = r.array("public key")?;
            let file_id = r.array("file id")?;
            let wrap = r.bytes("passphrase wrap", 256)?.to_vec();
            r.finish()?;
            Ok((name, public_key, file_id, wrap))
        };
        let (name, public_key, file_id, wrap) = parse().map_err(|e| damaged(e.to_string()))?;
        let wrap = PinWrap::decode(&wrap).map_err(|e| damaged(e.to_string()))?;
        Ok(Self { path: path.to_owned(), name, public_key, file_id, wrap })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.public_key
    }

    /// The key, if `passphrase` is right. Runs Argon2id: slow by design.
    pub fn unlock(&self, passphrase: &Pin) -> Result<OfficerKey, OfficerKeyError> {
        let seed = self
            .wrap
            .unwrap(passphrase, &self.file_id)?
            .ok_or_else(|| OfficerKeyError::WrongPassphrase { path: self.path.clone() })?;
        let signing = SigningKey::from_bytes(seed.expose());
        if signing.verifying_key().to_bytes() != self.public_key {
            return Err(OfficerKeyError::Damaged {
                path: self.path.clone(),
                reason: "the sealed key is not the public key the file names".into(),
            });
        }
        Ok(OfficerKey { name: self.name.clone(), signing })
    }
}

fn check_name(name: &str) -> Result<(), OfficerKeyError> {
    if name.trim().is_empty() || name.len() > MAX_NAME {
        return Err(OfficerKeyError::BadName);
    }
    Ok(())
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> Result<(), OfficerKeyError> {
    use std::os::unix::fs::PermissionsExt;
    let meta =
        std::fs::metadata(path).map_err(|source| OfficerKeyError::Io { path: path.to_owned(), source })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(OfficerKeyError::Permissions { path: path.to_owned(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_: &Path) -> Result<(), OfficerKeyError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams::INSECURE_FAST_FOR_TESTS;

    #[test]
    fn a_key_file_unlocks_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alice.officer");
        let made =
            OfficerKey::create(&path, "Alice Sato", &Pin::new("correct horse").unwrap(), FAST).unwrap();
        let file = OfficerKeyFile::read(&path).unwrap();
        assert_eq!((file.name(), file.public_key()), ("Alice Sato", made.public_key()));
        let key = file.unlock(&Pin::new("correct horse").unwrap()).unwrap();
        assert_eq!(key.public_key(), made.public_key());
        assert!(matches!(
            file.unlock(&Pin::new("wrong horse").unwrap()),
            Err(OfficerKeyError::WrongPassphrase { .. })
        ));
        assert!(OfficerKey::create(&path, "Alice", &Pin::new("another one").unwrap(), FAST).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bob.officer");
        OfficerKey::create(&path, "Bob", &Pin::new("passphrase").unwrap(), FAST).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(OfficerKeyFile::read(&path), Err(OfficerKeyError::Permissions { mode: 0o640, .. })));
    }

    #[test]
    fn a_damaged_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("carol.officer");
        OfficerKey::create(&path, "Carol", &Pin::new("passphrase").unwrap(), FAST).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let file = OfficerKeyFile::read(&path).unwrap();
        assert!(file.unlock(&Pin::new("passphrase").unwrap()).is_err());
    }
}
