//! The SQLite schema and its migrations: `SCHEMA` is today's, kept in `PRAGMA user_version`,
//! and [`migrate`] brings every older version up to it in one transaction.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::LedgerError;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS meta (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        public_key BLOB NOT NULL CHECK (length(public_key) = 32),
        currency TEXT NOT NULL,
        currency_exponent INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        -- The loss account (docs/adr/0010): what the ministry paid for devices reported lost.
        loss INTEGER NOT NULL DEFAULT 0 CHECK (loss <= 0)
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
        declared_spent INTEGER CHECK (declared_spent >= 0),
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        certificate BLOB NOT NULL,
        -- Once a proof of a double spend from this purse is in the log (docs/adr/0010): 1 against
        -- its member, 2 from a device reported lost (the loss account carries what it lacks).
        proved INTEGER NOT NULL DEFAULT 0 CHECK (proved IN (0, 1, 2))
    ) STRICT;
    CREATE INDEX IF NOT EXISTS purse_member ON purse (member_id, state);
    -- Offline transfers the ledger has seen. Two rows with one (purse, seq) are a double spend.
    -- `state`: 'held' (sender uploaded it, no receipt yet), 'settled', 'returned', 'evidence'
    -- (a double spend that was not paid).
    -- Found by their slot: a transfer's id is a hash over its purse and sequence, so one id is
    -- only ever in one slot, and the slot index keeps ids unique. Only held transfers, which a
    -- receipt (naming just the id) can still pay, are indexed by id: an index over every random
    -- id would take a write to a page of its own for almost every transfer settled.
    CREATE TABLE IF NOT EXISTS transfer (
        transfer_id BLOB NOT NULL CHECK (length(transfer_id) = 32),
        purse_id BLOB NOT NULL REFERENCES purse (purse_id),
        seq INTEGER NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        receiver_key BLOB NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('held', 'settled', 'returned', 'evidence')),
        bytes BLOB NOT NULL,
        uploaded_at INTEGER NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX IF NOT EXISTS transfer_in_slot ON transfer (purse_id, seq, transfer_id);
    CREATE INDEX IF NOT EXISTS transfer_held ON transfer (transfer_id) WHERE state = 'held';
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
    -- Each wallet's last sync request answered, with the signed response, so a retry of it gets
    -- the same answer; and how far that request said the wallet had seen the log, so an older
    -- request replayed is refused. One row per wallet, whatever the number of syncs.
    CREATE TABLE IF NOT EXISTS sync_answer (
        wallet_key BLOB PRIMARY KEY,
        request_id BLOB NOT NULL,
        request_hash BLOB NOT NULL,
        seen_up_to INTEGER NOT NULL CHECK (seen_up_to >= 0),
        response BLOB NOT NULL,
        at INTEGER NOT NULL
    ) STRICT;
    -- The audit log: one leaf per entry (wallet-core's `audit::AuditEntry` encoding), and which
    -- members each entry concerns, for their syncs.
    CREATE TABLE IF NOT EXISTS audit (
        seq INTEGER PRIMARY KEY CHECK (seq >= 0),
        leaf BLOB NOT NULL
    ) STRICT;
    -- Officers (docs/adr/0016): the founding ones and those the officers enrolled; a removed
    -- officer keeps their row (`removed_at`) so that old evidence still names them.
    CREATE TABLE IF NOT EXISTS officer (
        public_key BLOB PRIMARY KEY CHECK (length(public_key) = 32),
        name TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        removed_at INTEGER
    ) STRICT;
    -- Nonces of officer requests within the clock-skew window: a replay is refused, also after a
    -- restart.
    CREATE TABLE IF NOT EXISTS officer_nonce (
        officer_key BLOB NOT NULL,
        nonce BLOB NOT NULL,
        signed_at INTEGER NOT NULL,
        PRIMARY KEY (officer_key, nonce)
    ) STRICT;
    -- Officer acts waiting for approval (`id`: the maker's challenge). `act` is the parsed act
    -- (JSON), `maker` the signed request and `body` its body, as the entry's evidence will carry.
    -- `state`: 'pending', 'executed' or 'declined'; expiry is read from `expires_at`.
    CREATE TABLE IF NOT EXISTS pending (
        id BLOB PRIMARY KEY CHECK (length(id) = 32),
        act TEXT NOT NULL,
        maker BLOB NOT NULL,
        body BLOB NOT NULL,
        made_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'executed', 'declined')),
        closed_by BLOB
    ) STRICT;
    CREATE TABLE IF NOT EXISTS pending_approval (
        id BLOB NOT NULL REFERENCES pending (id),
        officer_key BLOB NOT NULL,
        signed BLOB NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (id, officer_key)
    ) STRICT;
    CREATE TABLE IF NOT EXISTS audit_party (
        member_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (member_id, seq)
    ) STRICT;
    -- Each fork proof members reported, once, with the entry that records it: a wallet resends
    -- a proof until an answer shows it that entry (docs/adr/0015).
    CREATE TABLE IF NOT EXISTS equivocation (
        proof_id BLOB PRIMARY KEY,
        seq INTEGER NOT NULL
    ) STRICT;
    -- Officers' passkeys (docs/adr/0021), as their `PasskeyLinked` entries link them, with the
    -- last signature counter seen (a cloned authenticator shows as a counter going back). All
    -- its SQL is in `passkeys.rs`.
    CREATE TABLE IF NOT EXISTS officer_passkey (
        public_key BLOB PRIMARY KEY CHECK (length(public_key) = 65),
        officer_key BLOB NOT NULL CHECK (length(officer_key) = 32),
        link BLOB NOT NULL,
        counter INTEGER NOT NULL DEFAULT 0,
        linked_at INTEGER NOT NULL
    ) STRICT;
    -- The largest checkpoint signed over this database (schema 6): with several processes each
    -- refuses to sign a log that does not extend it (docs/adr/0019).
    CREATE TABLE IF NOT EXISTS signed_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        size INTEGER NOT NULL CHECK (size >= 0),
        root BLOB NOT NULL CHECK (length(root) = 32)
    ) STRICT;
";

/// The schema `SCHEMA` makes, kept in `PRAGMA user_version`. Version 0 is a database from
/// before versions were kept; [`migrate`] brings every older version up to this one.
pub(crate) const SCHEMA_VERSION: i64 = 6;

/// How many prepared statements the connection keeps: room for every statement a sync runs (about
/// forty), so that settling a batch parses each once, not once per transfer.
const STATEMENT_CACHE: usize = 64;

/// Opens (creating if needed) the database with the durability settings every money-moving
/// store in Outpost uses.
pub(super) fn open(path: &Path) -> Result<Connection, LedgerError> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "wal")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    migrate(&mut conn)?;
    Ok(conn)
}

/// Makes the schema, or brings an older one up to [`SCHEMA_VERSION`], in one transaction: a
/// migration cut short leaves the database as it was. A database from a newer build is refused
/// untouched.
fn migrate(conn: &mut Connection) -> Result<(), LedgerError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(LedgerError::NewerSchema { found, known: SCHEMA_VERSION });
    }
    if found < 1 {
        // Version 0 kept `transfer` keyed by its id, which indexed every transfer by a random key.
        let keyed_by_id: bool = tx
            .prepare("SELECT pk FROM pragma_table_info('transfer') WHERE name = 'transfer_id'")?
            .query_row([], |r| r.get::<_, i64>(0))
            .optional()?
            .is_some_and(|pk| pk > 0);
        if keyed_by_id {
            tx.execute_batch(
                "ALTER TABLE transfer RENAME TO transfer_v0;
                 DROP INDEX IF EXISTS transfer_slot;",
            )?;
            tx.execute_batch(SCHEMA)?;
            tx.execute_batch(
                "INSERT INTO transfer (transfer_id, purse_id, seq, amount, receiver_key, state, bytes, uploaded_at)
                     SELECT transfer_id, purse_id, seq, amount, receiver_key, state, bytes, uploaded_at
                     FROM transfer_v0 ORDER BY rowid;
                 DROP TABLE transfer_v0;",
            )?;
        }
    }
    tx.execute_batch(SCHEMA)?;
    if found < 2 {
        // Version 2 keeps the loss account and which purses are proved (docs/adr/0010). A purse
        // with a double-spend entry in the log is proved; no loss was ever carried before.
        let has_column = |table: &str, column: &str| -> Result<bool, LedgerError> {
            Ok(tx
                .prepare(&format!("SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"))?
                .exists([column])?)
        };
        if !has_column("meta", "loss")? {
            tx.execute_batch(
                "ALTER TABLE meta ADD COLUMN loss INTEGER NOT NULL DEFAULT 0 CHECK (loss <= 0);",
            )?;
        }
        if !has_column("purse", "proved")? {
            tx.execute_batch(
                "ALTER TABLE purse ADD COLUMN proved INTEGER NOT NULL DEFAULT 0 CHECK (proved IN (0, 1, 2));",
            )?;
        }
        proved_from_log(&tx)?;
    }
    if found < 3 {
        // Version 3 keeps each wallet's last answer only (docs/adr/0018): version 2 kept every
        // answer ever given. How far the kept request had seen was not stored: 0 refuses nothing.
        let had_requests: bool = tx
            .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sync_request'")?
            .exists([])?;
        if had_requests {
            tx.execute_batch(
                "INSERT OR REPLACE INTO sync_answer (wallet_key, request_id, request_hash, seen_up_to, response, at)
                     SELECT wallet_key, request_id, request_hash, 0, response, at FROM sync_request
                     ORDER BY at, rowid;
                 DROP TABLE sync_request;",
            )?;
        }
    }
    if found < 4 {
        // Version 4 indexes the fork proofs the log records (the table is made by `SCHEMA`).
        equivocations_from_log(&tx)?;
    }
    // Version 5 adds `officer_passkey`, made by `SCHEMA`: a ledger from before passkeys has none.
    // Version 6 adds `signed_head`, made by `SCHEMA`: empty until the next checkpoint is signed.
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Marks proved every purse that a double-spend entry of the log names (its subject).
fn proved_from_log(conn: &Connection) -> Result<(), LedgerError> {
    let mut proved = Vec::new();
    for_each_stored_leaf(conn, |seq, leaf| {
        let entry = crate::rules::audit::decode(seq, leaf)?;
        if entry.kind == outpost_wallet_core::audit::EntryKind::DoubleSpend {
            proved.push(entry.subject);
        }
        Ok(())
    })?;
    for purse_id in proved {
        conn.execute("UPDATE purse SET proved = 1 WHERE purse_id = ?1", [&purse_id[..]])?;
    }
    Ok(())
}

/// Indexes every fork proof the log records by its id (the entry's subject), first report kept.
fn equivocations_from_log(conn: &Connection) -> Result<(), LedgerError> {
    let mut reported = Vec::new();
    for_each_stored_leaf(conn, |seq, leaf| {
        let entry = crate::rules::audit::decode(seq, leaf)?;
        if entry.kind == outpost_wallet_core::audit::EntryKind::EquivocationReported {
            reported.push((entry.subject, seq));
        }
        Ok(())
    })?;
    for (proof_id, seq) in reported {
        conn.execute(
            "INSERT OR IGNORE INTO equivocation (proof_id, seq) VALUES (?1, ?2)",
            rusqlite::params![&proof_id[..], seq as i64],
        )?;
    }
    Ok(())
}

fn for_each_stored_leaf(
    conn: &Connection,
    mut f: impl FnMut(u64, &[u8]) -> Result<(), LedgerError>,
) -> Result<(), LedgerError> {
    let mut stmt = conn.prepare("SELECT seq, leaf FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        f(row.get::<_, i64>(0)? as u64, &row.get::<_, Vec<u8>>(1)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `transfer` as version 0 made it.
    const TRANSFER_V0: &str = "
        CREATE TABLE transfer (
            transfer_id BLOB PRIMARY KEY CHECK (length(transfer_id) = 32),
            purse_id BLOB NOT NULL REFERENCES purse (purse_id),
            seq INTEGER NOT NULL,
            amount INTEGER NOT NULL CHECK (amount > 0),
            receiver_key BLOB NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('held', 'settled', 'returned', 'evidence')),
            bytes BLOB NOT NULL,
            uploaded_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX transfer_slot ON transfer (purse_id, seq);";

    fn indexes(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'transfer' ORDER BY name",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    fn transfers(conn: &Connection) -> Vec<(Vec<u8>, i64, String, Vec<u8>)> {
        let mut stmt =
            conn.prepare("SELECT transfer_id, seq, state, bytes FROM transfer ORDER BY seq").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_version_0_database_keeps_its_transfers_and_loses_the_index_over_every_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        {
            // Version 0: today's other tables, the old `transfer`, and no version number.
            let old = Connection::open(&path).unwrap();
            let others = SCHEMA
                .replace("CREATE TABLE IF NOT EXISTS transfer (", "CREATE TABLE IF NOT EXISTS unused (");
            let others =
                others.lines().filter(|line| !line.contains("ON transfer")).collect::<Vec<_>>().join("\n");
            old.execute_batch(&format!("{others}\nDROP TABLE unused;\n{TRANSFER_V0}")).unwrap();
            old.execute("INSERT INTO member VALUES ('M-1', zeroblob(32), zeroblob(32), 0, 100, 1, 0, 1)", [])
                .unwrap();
            old.execute(
                "INSERT INTO purse (purse_id, member_id, serial, amount, outstanding, state, issued_at, expires_at, certificate)
                 VALUES (zeroblob(32), 'M-1', 1, 100, 100, 'open', 1, 2, x'00')",
                [],
            )
            .unwrap();
            for (seq, state) in [(1, "settled"), (2, "held"), (3, "evidence")] {
                old.execute(
                    "INSERT INTO transfer VALUES (randomblob(32), zeroblob(32), ?1, 5, zeroblob(32), ?2, randomblob(300), 1)",
                    rusqlite::params![seq, state],
                )
                .unwrap();
            }
            assert_eq!(indexes(&old), ["sqlite_autoindex_transfer_1", "transfer_slot"]);
        }
        let before = transfers(&Connection::open(&path).unwrap());

        let conn = open(&path).unwrap();
        assert_eq!(transfers(&conn), before, "every transfer, byte for byte");
        assert_eq!(indexes(&conn), ["transfer_held", "transfer_in_slot"]);
        assert_eq!(
            conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).unwrap(),
            SCHEMA_VERSION
        );
        let held: Vec<u8> = conn
            .query_row("SELECT transfer_id FROM transfer WHERE state = 'held'", [], |r| r.get(0))
            .unwrap();
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT bytes FROM transfer WHERE transfer_id = ?1 AND state = 'held'",
                [&held],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("transfer_held"), "{plan}");
        // One id, one slot: the same transfer cannot go in twice.
        assert!(
            conn.execute(
                "INSERT INTO transfer SELECT transfer_id, purse_id, seq, amount, receiver_key, state, bytes, uploaded_at
                 FROM transfer WHERE seq = 1",
                [],
            )
            .is_err()
        );
        drop(conn);

        // Opening again changes nothing.
        let conn = open(&path).unwrap();
        assert_eq!(transfers(&conn), before);
        assert_eq!(indexes(&conn), ["transfer_held", "transfer_in_slot"]);
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        drop(open(&path).unwrap());
        Connection::open(&path).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        let schema_before: Vec<String> = {
            let conn = Connection::open(&path).unwrap();
            let mut stmt =
                conn.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name").unwrap();
            stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        match open(&path) {
            Err(LedgerError::NewerSchema { found, known }) => {
                assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION))
            }
            other => panic!("expected NewerSchema, got {:?}", other.map(|_| ())),
        }
        let conn = Connection::open(&path).unwrap();
        let mut stmt =
            conn.prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name").unwrap();
        let schema_after: Vec<String> =
            stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(schema_after, schema_before);
    }

    #[test]
    fn a_version_1_database_gains_the_loss_account_and_marks_its_proved_purses() {
        use outpost_wallet_core::audit::{AuditEntry, EntryKind};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        {
            // Version 1: today's schema without the loss account and the proved mark.
            let old = Connection::open(&path).unwrap();
            let v1: String = SCHEMA
                .lines()
                .filter(|line| !line.contains("loss INTEGER") && !line.contains("proved INTEGER"))
                .collect::<Vec<_>>()
                .join("\n")
                .replace("created_at INTEGER NOT NULL,\n", "created_at INTEGER NOT NULL\n")
                .replace("certificate BLOB NOT NULL,\n", "certificate BLOB NOT NULL\n");
            old.execute_batch(&v1).unwrap();
            old.pragma_update(None, "user_version", 1).unwrap();
            old.execute("INSERT INTO meta VALUES (1, zeroblob(32), 'JPY', 0, 1)", []).unwrap();
            old.execute("INSERT INTO member VALUES ('M-1', zeroblob(32), zeroblob(32), 0, 100, 1, 0, 1)", [])
                .unwrap();
            for (id, proved) in [(1u8, true), (2, false)] {
                old.execute(
                    "INSERT INTO purse (purse_id, member_id, serial, amount, outstanding, state, issued_at, expires_at, certificate)
                     VALUES (?1, 'M-1', 1, 100, 100, 'open', 1, 2, x'00')",
                    [&[id; 32][..]],
                )
                .unwrap();
                if proved {
                    let entry = AuditEntry {
                        seq: 0,
                        at: 1,
                        device_time: 0,
                        kind: EntryKind::DoubleSpend,
                        member_id: "M-1".into(),
                        subject: [id; 32],
                        moves: Vec::new(),
                        evidence: Vec::new(),
                        detail: String::new(),
                    };
                    old.execute("INSERT INTO audit (seq, leaf) VALUES (0, ?1)", [entry.leaf_data()]).unwrap();
                }
            }
        }
        let conn = open(&path).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let loss: i64 = conn.query_row("SELECT loss FROM meta", [], |r| r.get(0)).unwrap();
        assert_eq!(loss, 0);
        let proved: Vec<(Vec<u8>, i64)> = conn
            .prepare("SELECT purse_id, proved FROM purse ORDER BY purse_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(proved, [(vec![1; 32], 1), (vec![2; 32], 0)]);
        drop(conn);
        // Opening again changes nothing.
        let conn = open(&path).unwrap();
        let again: i64 = conn.query_row("SELECT SUM(proved) FROM purse", [], |r| r.get(0)).unwrap();
        assert_eq!(again, 1);
    }
}
