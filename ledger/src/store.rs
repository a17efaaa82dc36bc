//! The ledger's database file and key file.

use std::io::Write;
use std::path::Path;

use outpost_wallet_core::protocol::LedgerSigner;
use rusqlite::Connection;

use crate::LedgerError;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key BLOB NOT NULL CHECK (length(public_key) = 32),
        currency TEXT NOT NULL,
        currency_exponent INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS member (
        member_id TEXT PRIMARY KEY,
        wallet_key BLOB NOT NULL UNIQUE CHECK (length(wallet_key) = 32),
        agreement_key BLOB NOT NULL CHECK (length(agreement_key) = 32),
        balance INTEGER NOT NULL,
        enrolled_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS credit (
        id INTEGER PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES member (member_id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        memo TEXT NOT NULL,
        at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY CHECK (seq >= 0),
        at INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        detail TEXT NOT NULL
    ) STRICT;
";

/// Opens (creating if needed) the database with the durability settings every money-moving
/// store in Outpost uses.
pub(crate) fn open(path: &Path) -> Result<Connection, LedgerError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "wal")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
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
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(path).map_err(|e| fail(format!("cannot read it: {e}")))?);
    let secret: &[u8; 32] =
        bytes.as_slice().try_into().map_err(|_| fail(format!("{} bytes, expected 32", bytes.len())))?;
    Ok(LedgerSigner::from_secret(secret))
}
