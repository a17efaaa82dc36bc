//! The data key and the sealed-row format.
//!
//! Cipher and nonce discipline: XChaCha20-Poly1305 with a fresh 192-bit nonce from the OS CSPRNG
//! for every seal. With 192-bit random nonces a collision under one key is negligible (about
//! 2^-97 after 2^48 seals), so no nonce counter has to survive crashes or file restores, which a
//! counter in a file that can be copied back could not promise.
//!
//! Sealed row: `version (1) || nonce (24) || ciphertext+tag`, with associated data binding the
//! wallet id, the table and the row id (see [`RowRef`]).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::{VaultError, random_bytes};
use crate::encoding::Writer;

const ROW_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Where a sealed row lives. Sealing binds the ciphertext to all three fields.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    pub wallet_id: &'a [u8; 16],
    pub table: &'static str,
    pub id: &'a [u8],
}

impl RowRef<'_> {
    fn associated_data(&self) -> Vec<u8> {
        Writer::new().text("outpost/row/v1").fixed(self.wallet_id).text(self.table).bytes(self.id).finish()
    }

    fn tampered(&self) -> VaultError {
        let id = match std::str::from_utf8(self.id) {
            Ok(text) if text.bytes().all(|b| b.is_ascii_graphic()) => text.to_owned(),
            // Binary ids (keyed lookups) are named by their first bytes in hex.
            _ => crate::hex::short(self.id),
        };
        VaultError::Tampered { table: self.table, id }
    }
}

/// The random 256-bit key that encrypts every sensitive row. Zeroized on drop; never printed.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn generate() -> Result<Self, VaultError> {
        let mut key = Zeroizing::new([0u8; 32]);
        random_bytes(key.as_mut())?;
        Ok(Self(key))
    }

    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(Zeroizing::new(*bytes))
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// Encrypts `plaintext` for the row `at`.
    pub fn seal(&self, at: RowRef<'_>, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
        seal_with(&self.0, &at.associated_data(), plaintext)
    }

    /// A keyed, one-way stand-in for an id that must be looked up in clear columns (a transfer
    /// id, a purse id, a request nonce): HKDF-SHA256 of the id under this key. Rows are found
    /// without storing ids that would let someone holding the file link it to ledger records.
    pub fn lookup(&self, table: &'static str, id: &[u8]) -> [u8; 32] {
        let info = Writer::new().text("outpost/lookup/v1").text(table).bytes(id).finish();
        let mut out = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(None, self.0.as_slice())
            .expand(&info, &mut out)
            .expect("32 bytes is a valid HKDF length");
        out
    }

    /// Decrypts the row `at`. Any damage, or a blob sealed for another row, is
    /// [`VaultError::Tampered`] naming the row; the caller never sees partial plaintext.
    pub fn open(&self, at: RowRef<'_>, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        open_with(&self.0, &at.associated_data(), sealed).ok_or_else(|| at.tampered())
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// `version || nonce || ciphertext` under `key` with associated data `ad`. Shared by rows, the
/// PIN wrap and the software protector, so there is one sealed format in the crate.
pub(crate) fn seal_with(key: &[u8; 32], ad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut nonce = [0u8; NONCE_LEN];
    random_bytes(&mut nonce)?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: ad })
        .map_err(|_| VaultError::Random("plaintext too long to seal".into()))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(ROW_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// The inverse of [`seal_with`]; `None` for anything that does not authenticate, including an
/// unknown version byte or a blob too short to hold a nonce and tag.
pub(crate) fn open_with(key: &[u8; 32], ad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != ROW_VERSION {
        return None;
    }
    let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let plain = cipher.decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: ad }).ok()?;
    Some(Zeroizing::new(plain))
}
