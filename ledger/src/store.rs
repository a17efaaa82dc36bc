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
    -- `balance` is the online account; it goes below zero only by a double-spend debit.
    -- `flagged` is set by double-spend proof or a negative balance, and stops new purses.
    CREATE TABLE IF NOT EXISTS member (
        member_id TEXT PRIMARY KEY,
        wallet_key BLOB NOT NULL UNIQUE CHECK (length(wallet_key) = 32),
        agreement_key BLOB NOT NULL CHECK (length(agreement_key) = 32),
        balance INTEGER NOT NULL,
        purse_limit INTEGER NOT NULL CHECK (purse_limit >= 0),
        next_serial INTEGER NOT NULL CHECK (next_serial >= 1),
        flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
        enrolled_at INTEGER NOT NULL
    ) STRICT;
    -- Every wallet key a member ever had, so transfers to a replaced wallet still settle to them.
    -- `state`: 'active', 'replaced' or 'revoked'; only an active key may sync.
    CREATE TABLE IF NOT EXISTS wallet_key (
        wallet_key BLOB PRIMARY KEY CHECK (length(wallet_key) = 32),
        member_id TEXT NOT NULL REFERENCES member (member_id),
        state TEXT NOT NULL CHECK (state IN ('active', 'replaced', 'revoked'))
    ) STRICT;
    CREATE TABLE IF NOT EXISTS credit (
        id INTEGER PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES member (member_id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        memo TEXT NOT NULL,
        at INTEGER NOT NULL
    ) STRICT;
    -- `outstanding` is what the purse still holds of the ledger's money: the amount, less what was
    -- settled out of it and what went back to the account. `state`: 'open' (spendable), 'closed'
    -- (the wallet declared its final spend), 'revoked', or 'finished' (past the settlement window,
    -- outstanding returned).
    CREATE TABLE IF NOT EXISTS purse (
        purse_id BLOB PRIMARY KEY CHECK (length(purse_id) = 32),
        member_id TEXT NOT NULL REFERENCES member (member_id),
        serial INTEGER NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        outstanding INTEGER NOT NULL CHECK (outstanding >= 0),
        settled INTEGER NOT NULL DEFAULT 0 CHECK (settled >= 0),
        state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'revoked', 'finished')),
        declared_seq INTEGER,
        declared_spent INTEGER,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        certificate BLOB NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS purse_member ON purse (member_id, state);
    -- Offline transfers the ledger has seen. Two rows with one (purse, seq) are a double spend.
    -- `state`: 'held' (sender uploaded it, no receipt yet), 'settled', 'returned', 'evidence'
    -- (a double spend that was not paid).
    CREATE TABLE IF NOT EXISTS transfer (
        transfer_id BLOB PRIMARY KEY CHECK (length(transfer_id) = 32),
        purse_id BLOB NOT NULL REFERENCES purse (purse_id),
        seq INTEGER NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        receiver_key BLOB NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('held', 'settled', 'returned', 'evidence')),
        bytes BLOB NOT NULL,
        uploaded_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX IF NOT EXISTS transfer_slot ON transfer (purse_id, seq);
    CREATE TABLE IF NOT EXISTS receipt (
        transfer_id BLOB PRIMARY KEY CHECK (length(transfer_id) = 32),
        bytes BLOB NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS online_payment (
        payer_id TEXT NOT NULL REFERENCES member (member_id),
        payment_id BLOB NOT NULL CHECK (length(payment_id) = 16),
        payee_id TEXT NOT NULL REFERENCES member (member_id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        at INTEGER NOT NULL,
        PRIMARY KEY (payer_id, payment_id)
    ) STRICT;
    -- Every sync request answered, with the signed response, so a repeat gets the same answer.
    CREATE TABLE IF NOT EXISTS sync_request (
        wallet_key BLOB NOT NULL,
        request_id BLOB NOT NULL,
        request_hash BLOB NOT NULL,
        response BLOB NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (wallet_key, request_id)
    ) STRICT;
    -- The audit log: one leaf per entry (wallet-core's `audit::AuditEntry` encoding), and which
    -- members each entry concerns, for their syncs.
    CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY CHECK (seq >= 0),
        leaf BLOB NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS audit_party (
        member_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (member_id, seq)
    ) STRICT;
";

/// How many prepared statements the connection keeps: room for every statement a sync runs (about
/// forty), so that settling a batch parses each once, not once per transfer.
const STATEMENT_CACHE: usize = 64;

/// Opens (creating if needed) the database with the durability settings every money-moving
/// store in Outpost uses.
pub(crate) fn open(path: &Path) -> Result<Connection, LedgerError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "wal")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
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
