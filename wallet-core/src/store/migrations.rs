//! Numbered schema migrations. Each entry moves the schema from version `i` to `i + 1`; they
//! run in one transaction with `user_version` bumped inside it. Never edit a shipped entry:
//! add a new one.
//!
//! Tables holding anything sensitive keep only a sealed blob per row (see `vault`); the columns
//! in clear are what must be read before unlocking or what the row is addressed by.

use rusqlite::Transaction;

use super::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: the wallet record, the key record, the PIN counter, sealed secrets, balances, event log.
    "CREATE TABLE wallet (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         wallet_id BLOB NOT NULL CHECK (length(wallet_id) = 16),
         signing_public BLOB NOT NULL CHECK (length(signing_public) = 32),
         agreement_public BLOB NOT NULL CHECK (length(agreement_public) = 32),
         currency TEXT NOT NULL,
         currency_exponent INTEGER NOT NULL,
         created_at INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE key_record (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         protected BLOB NOT NULL
     ) STRICT;
     CREATE TABLE pin_attempts (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         failures INTEGER NOT NULL CHECK (failures >= 0),
         not_before INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE secret (name TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE balance (name TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE event (seq INTEGER PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE log_head (id INTEGER PRIMARY KEY CHECK (id = 1), sealed BLOB NOT NULL) STRICT;",
    // 2: offline payments. Rows are found by keyed lookups (`DataKey::lookup`) of their ids,
    // never by the ids themselves. `transfer.seq` is the local order that history pages walk;
    // `purse` is set for received transfers (double-spend and chain checks) and `request` for
    // sent transfers that paid a payment request (so the same request is not paid twice).
    "CREATE TABLE setting (name TEXT PRIMARY KEY, sealed BLOB NOT NULL) STRICT;
     CREATE TABLE purse (ref BLOB PRIMARY KEY CHECK (length(ref) = 32), sealed BLOB NOT NULL) STRICT;
     CREATE TABLE revoked (ref BLOB PRIMARY KEY CHECK (length(ref) = 32), sealed BLOB NOT NULL) STRICT;
     CREATE TABLE contact (ref BLOB PRIMARY KEY CHECK (length(ref) = 32), sealed BLOB NOT NULL) STRICT;
     CREATE TABLE request (ref BLOB PRIMARY KEY CHECK (length(ref) = 32), sealed BLOB NOT NULL) STRICT;
     CREATE TABLE transfer (
         seq INTEGER PRIMARY KEY,
         ref BLOB NOT NULL UNIQUE CHECK (length(ref) = 32),
         purse BLOB CHECK (purse IS NULL OR length(purse) = 32),
         request BLOB CHECK (request IS NULL OR length(request) = 32),
         sealed BLOB NOT NULL
     ) STRICT;
     CREATE INDEX transfer_purse ON transfer (purse) WHERE purse IS NOT NULL;
     CREATE INDEX transfer_request ON transfer (request) WHERE request IS NOT NULL;",
    // 3: sync. `unsettled` marks the transfers the ledger has not had its final say on, so a sync
    // finds what to upload without opening every row of a long history.
    "ALTER TABLE transfer ADD COLUMN unsettled INTEGER NOT NULL DEFAULT 1 CHECK (unsettled IN (0, 1));
     CREATE INDEX transfer_unsettled ON transfer (seq) WHERE unsettled = 1;",
    // 4: one sealed row per payer purse with the chain of transfers accepted from it, so an
    // accept reads one row instead of every transfer held from that purse. Wallets from before
    // build each purse's row from their transfer rows the first time they need it.
    "CREATE TABLE purse_chain (ref BLOB PRIMARY KEY CHECK (length(ref) = 32), sealed BLOB NOT NULL) STRICT;",
    // 5: ledger checkpoints seen on other phones that differ from the one held: fork proofs and
    // pairs awaiting a consistency proof (docs/adr/0014). Never deleted.
    "CREATE TABLE checkpoint_sighting (ref BLOB PRIMARY KEY CHECK (length(ref) = 32), sealed BLOB NOT NULL) STRICT;",
    // 6: a wallet that does not age (docs/adr/0020). The chain of a payer purse is one sealed row
    // per accepted transfer, addressed by the purse's keyed lookup (the value `transfer.purse`
    // already holds) and the sequence number, so an accept reads two neighbours and writes one
    // small row instead of rewriting the purse's whole chain. The old whole-chain rows say
    // nothing the transfer rows do not: they are dropped, and each purse's links are rebuilt
    // from its transfer rows the first time a transfer from it arrives. (The index of open
    // purses is a sealed `setting` row, written at the first unlock after this migration.)
    // A rowid table with its own (purse, seq) index, not a WITHOUT ROWID table: the accept counts
    // a purse's links on the index alone, without reading the sealed blobs.
    "CREATE TABLE purse_link (
         purse BLOB NOT NULL CHECK (length(purse) = 32),
         seq INTEGER NOT NULL CHECK (seq >= 0),
         sealed BLOB NOT NULL,
         UNIQUE (purse, seq)
     ) STRICT;
     DROP TABLE purse_chain;",
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the migrations after version `from` inside the caller's transaction, and records the
/// new version in the same transaction.
pub(super) fn apply(tx: &Transaction<'_>, from: i64) -> Result<(), StoreError> {
    for sql in &MIGRATIONS[from as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    Ok(())
}
