//! Secret key files (the ledger's signing key, the witness's key, a TLS private key) are refused
//! when anyone but their owner can read them, or write to them: a key other users could copy is
//! no longer the ledger's alone, and a warning in a log nobody reads protects nothing. The
//! refusal names the `chmod` that fixes it.

use std::io::Write;
use std::path::Path;

use outpost_wallet_core::protocol::LedgerSigner;

use crate::LedgerError;

/// `Err` with the sentence to show when the file at `path` (holding `what`) is open to the group
/// or to other users. Only Unix has the permission bits to check.
pub fn refuse_if_exposed(path: &Path, what: &str) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| {
                format!("cannot read the permissions of {what} {} ({e}): check its path", path.display())
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{what} {} can be read or changed by other users (mode {:03o}): run `chmod 600 {}` and start again",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    Ok(())
}

/// Makes the ledger's key on first start: a new file, never an overwrite, readable by its owner
/// only, synced before the ledger records its public key.
pub(crate) fn create_key(path: &Path) -> Result<LedgerSigner, LedgerError> {
    let fail = |reason: String| LedgerError::KeyFile { path: path.to_path_buf(), reason };
    let signer = LedgerSigner::generate().map_err(|e| fail(e.to_string()))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        fail(format!("cannot create it ({e}); a key file without its ledger database is never overwritten"))
    })?;
    file.write_all(signer.export_secret().as_slice()).map_err(|e| fail(e.to_string()))?;
    file.sync_all().map_err(|e| fail(e.to_string()))?;
    Ok(signer)
}

pub(crate) fn load_key(path: &Path) -> Result<LedgerSigner, LedgerError> {
    let fail = |reason: String| LedgerError::KeyFile { path: path.to_path_buf(), reason };
    refuse_if_exposed(path, "the ledger key").map_err(fail)?;
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(path).map_err(|e| fail(format!("cannot read it: {e}")))?);
    let secret: &[u8; 32] =
        bytes.as_slice().try_into().map_err(|_| fail(format!("{} bytes, expected 32", bytes.len())))?;
    Ok(LedgerSigner::from_secret(secret))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_key_others_can_read_is_refused_with_the_chmod_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, [0u8; 32]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = refuse_if_exposed(&path, "the key").unwrap_err();
        assert!(refused.contains(&format!("chmod 600 {}", path.display())), "{refused}");
        assert!(refused.contains("644"), "{refused}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(refuse_if_exposed(&path, "the key").is_ok());
    }
}
