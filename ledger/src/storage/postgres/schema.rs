//! The PostgreSQL schema and its migrations, versioned like SQLite's: `schema_version` holds the
//! version, and [`migrate`] applies every step above it in one transaction, under an advisory
//! lock so that ledger processes starting together migrate once. Every integer is `BIGINT`
//! (Rust's `i64`); bytes are `BYTEA`.

use postgres::Client;

use crate::LedgerError;

/// Version 1: the SQLite schema 4 tables and `signed_head`, plus `log_head`, the row every write
/// transaction locks first (serializing the log's appends across processes, with the next position), and the
/// trigger that counts rewrites of the log.
const V1: &str = "
    CREATE TABLE meta (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        public_key BYTEA NOT NULL CHECK (length(public_key) = 32),
        currency TEXT NOT NULL,
        currency_exponent BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        loss BIGINT NOT NULL DEFAULT 0 CHECK (loss <= 0)
    );
    CREATE TABLE member (
        member_id TEXT PRIMARY KEY,
        wallet_key BYTEA NOT NULL UNIQUE CHECK (length(wallet_key) = 32),
        agreement_key BYTEA NOT NULL CHECK (length(agreement_key) = 32),
        balance BIGINT NOT NULL,
        purse_limit BIGINT NOT NULL CHECK (purse_limit >= 0),
        next_serial BIGINT NOT NULL CHECK (next_serial >= 1),
        flagged BIGINT NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)),
        enrolled_at BIGINT NOT NULL
    );
    CREATE TABLE wallet_key (
        wallet_key BYTEA PRIMARY KEY CHECK (length(wallet_key) = 32),
        member_id TEXT NOT NULL REFERENCES member (member_id),
        state TEXT NOT NULL CHECK (state IN ('active', 'replaced', 'revoked'))
    );
    CREATE TABLE credit (
        id BIGSERIAL PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES member (member_id),
        amount BIGINT NOT NULL CHECK (amount > 0),
        memo TEXT NOT NULL,
        at BIGINT NOT NULL
    );
    CREATE INDEX credit_at ON credit (at);
    CREATE TABLE purse (
        purse_id BYTEA PRIMARY KEY CHECK (length(purse_id) = 32),
        member_id TEXT NOT NULL REFERENCES member (member_id),
        serial BIGINT NOT NULL,
        amount BIGINT NOT NULL CHECK (amount > 0),
        outstanding BIGINT NOT NULL CHECK (outstanding >= 0),
        settled BIGINT NOT NULL DEFAULT 0 CHECK (settled >= 0),
        state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'revoked', 'finished')),
        declared_seq BIGINT,
        declared_spent BIGINT CHECK (declared_spent >= 0),
        issued_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        certificate BYTEA NOT NULL,
        proved BIGINT NOT NULL DEFAULT 0 CHECK (proved IN (0, 1, 2))
    );
    CREATE INDEX purse_member ON purse (member_id, state);
    CREATE INDEX purse_expiry ON purse (expires_at) WHERE state <> 'finished';
    CREATE TABLE transfer (
        transfer_id BYTEA NOT NULL CHECK (length(transfer_id) = 32),
        purse_id BYTEA NOT NULL REFERENCES purse (purse_id),
        seq BIGINT NOT NULL,
        amount BIGINT NOT NULL CHECK (amount > 0),
        receiver_key BYTEA NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('held', 'settled', 'returned', 'evidence')),
        bytes BYTEA NOT NULL,
        uploaded_at BIGINT NOT NULL
    );
    CREATE UNIQUE INDEX transfer_in_slot ON transfer (purse_id, seq, transfer_id);
    CREATE INDEX transfer_held ON transfer (transfer_id) WHERE state = 'held';
    CREATE TABLE receipt (
        transfer_id BYTEA PRIMARY KEY CHECK (length(transfer_id) = 32),
        bytes BYTEA NOT NULL
    );
    CREATE TABLE online_payment (
        payer_id TEXT NOT NULL REFERENCES member (member_id),
        payment_id BYTEA NOT NULL CHECK (length(payment_id) = 16),
        payee_id TEXT NOT NULL REFERENCES member (member_id),
        amount BIGINT NOT NULL CHECK (amount > 0),
        at BIGINT NOT NULL,
        PRIMARY KEY (payer_id, payment_id)
    );
    CREATE TABLE sync_answer (
        wallet_key BYTEA PRIMARY KEY,
        request_id BYTEA NOT NULL,
        request_hash BYTEA NOT NULL,
        seen_up_to BIGINT NOT NULL CHECK (seen_up_to >= 0),
        response BYTEA NOT NULL,
        at BIGINT NOT NULL
    );
    CREATE TABLE audit (
        seq BIGINT PRIMARY KEY CHECK (seq >= 0),
        leaf BYTEA NOT NULL
    );
    CREATE TABLE audit_party (
        member_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        PRIMARY KEY (member_id, seq)
    );
    CREATE TABLE equivocation (
        proof_id BYTEA PRIMARY KEY,
        seq BIGINT NOT NULL
    );
    CREATE TABLE officer (
        public_key BYTEA PRIMARY KEY CHECK (length(public_key) = 32),
        name TEXT NOT NULL,
        enrolled_at BIGINT NOT NULL,
        removed_at BIGINT
    );
    CREATE TABLE officer_nonce (
        officer_key BYTEA NOT NULL,
        nonce BYTEA NOT NULL,
        signed_at BIGINT NOT NULL,
        PRIMARY KEY (officer_key, nonce)
    );
    CREATE TABLE pending (
        id BYTEA PRIMARY KEY CHECK (length(id) = 32),
        act TEXT NOT NULL,
        maker BYTEA NOT NULL,
        body BYTEA NOT NULL,
        made_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'executed', 'declined')),
        closed_by BYTEA
    );
    CREATE TABLE pending_approval (
        id BYTEA NOT NULL REFERENCES pending (id),
        officer_key BYTEA NOT NULL,
        signed BYTEA NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (id, officer_key)
    );
    CREATE TABLE signed_head (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        size BIGINT NOT NULL CHECK (size >= 0),
        root BYTEA NOT NULL CHECK (length(root) = 32)
    );
    -- The log's head: every write transaction locks this row first, so writes (and the log's
    -- appends, which take `next_seq`) are serialized across every ledger process, in commit
    -- order, with no gap and no position twice. `rewrites` counts changes to stored leaves other
    -- than appends: a process that sees it move reads its tree afresh.
    CREATE TABLE log_head (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        next_seq BIGINT NOT NULL CHECK (next_seq >= 0),
        rewrites BIGINT NOT NULL DEFAULT 0
    );
    INSERT INTO log_head (id, next_seq) VALUES (1, 0);
    CREATE FUNCTION audit_rewritten() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE log_head SET rewrites = rewrites + 1 WHERE id = 1;
        RETURN NULL;
    END $$;
    CREATE TRIGGER audit_changed AFTER UPDATE OR DELETE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_rewritten();
    CREATE TRIGGER audit_truncated AFTER TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION audit_rewritten();
";

/// Version 2: officers' passkeys (docs/adr/0021), as SQLite's schema 5 keeps them.
const V2: &str = "
    CREATE TABLE officer_passkey (
        public_key BYTEA PRIMARY KEY CHECK (length(public_key) = 65),
        officer_key BYTEA NOT NULL CHECK (length(officer_key) = 32),
        link BYTEA NOT NULL,
        counter BIGINT NOT NULL DEFAULT 0,
        linked_at BIGINT NOT NULL
    );
";

/// Every migration, in order: version `n` is `STEPS[n - 1]`.
const STEPS: &[&str] = &[V1, V2];

pub(crate) const SCHEMA_VERSION: i64 = STEPS.len() as i64;

/// An arbitrary key for the advisory lock the migration holds.
const MIGRATION_LOCK: i64 = 0x7057_0019;

/// Brings the database to [`SCHEMA_VERSION`] in one transaction; a database from a newer build
/// is refused untouched.
pub(crate) fn migrate(client: &mut Client) -> Result<(), LedgerError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    let found: i64 = match tx.query_opt("SELECT version FROM schema_version", &[])? {
        Some(row) => row.get(0),
        None => {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])?;
            0
        }
    };
    if found > SCHEMA_VERSION {
        return Err(LedgerError::NewerSchema { found, known: SCHEMA_VERSION });
    }
    for step in &STEPS[found as usize..] {
        tx.batch_execute(step)?;
    }
    tx.execute("UPDATE schema_version SET version = $1", &[&SCHEMA_VERSION])?;
    tx.commit()?;
    Ok(())
}
