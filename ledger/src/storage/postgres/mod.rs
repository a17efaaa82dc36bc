//! The PostgreSQL backend: several ledger processes on one database (docs/adr/0019). Every SQL
//! statement of this backend is in this folder (`schema.rs` holds the schema and migrations).
//!
//! - The synchronous `postgres` client, pooled by r2d2; each pooled connection keeps its
//!   prepared statements. The client runs a small async runtime of its own and blocks on it, so
//!   it must not be called on an async runtime's thread: the HTTP server calls the ledger inside
//!   `tokio::task::spawn_blocking`.
//! - A write transaction is `READ COMMITTED` and locks the `log_head` row first: every write, in
//!   every process, is serialized behind it, sees everything committed before it, and appends
//!   to the log at `log_head.next_seq` (no gap, no duplicate, commit order). A read is one
//!   `REPEATABLE READ` snapshot.
//! - Serialization failures (40001) and deadlocks (40P01) are retryable errors: the ledger runs
//!   the transaction again.
//! - A transaction holds back the log's appends, new transfers and payments out of purses, and
//!   writes them in batches before any statement that touches their tables and before commit
//!   (`deferred.rs`): a full sync's settlement is a few dozen round trips, not a few per transfer.

mod deferred;
mod schema;

use std::cell::RefCell;
use std::collections::HashMap;

use outpost_wallet_core::PublicIdentity;
use outpost_wallet_core::protocol::MessageId;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use postgres::{NoTls, Row, Statement};

use deferred::{Deferred, Head, Tables};

use super::{
    KeyState, LastAnswer, MemberLeaf, Meta, Mode, NewPurse, NewTransfer, OfficerRow, PasskeyRow, PendingRow,
    PendingState, Proved, PurseRow, PurseState, Rows, SlotRow, StorageError, Store, TABLES, Totals,
    TransferState, Tx, UnknownState, Value, storage_error,
};
use crate::{LedgerError, Member, PurseInfo, inconsistent};

impl From<postgres::Error> for LedgerError {
    fn from(e: postgres::Error) -> LedgerError {
        if let Some(unknown) = std::error::Error::source(&e).and_then(|c| c.downcast_ref::<UnknownState>()) {
            return unknown.clone().into();
        }
        let retryable = matches!(e.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED);
        let message = match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => e.to_string(),
        };
        LedgerError::Database(StorageError { message, retryable })
    }
}

/// A state is written as its word (`as_str`) and read back by this one conversion: a row reads
/// its state directly (`try_get`), and a word the ledger does not know fails the read as
/// [`UnknownState`] (`From<postgres::Error>` above keeps it).
macro_rules! state_columns {
    ($($ty:ty),*) => {$(
        impl<'a> postgres::types::FromSql<'a> for $ty {
            fn from_sql(
                ty: &Type,
                raw: &'a [u8],
            ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
                Ok(<$ty>::parse(<&str as postgres::types::FromSql>::from_sql(ty, raw)?)?)
            }

            fn accepts(ty: &Type) -> bool {
                <&str as postgres::types::FromSql>::accepts(ty)
            }
        }
    )*};
}

state_columns!(PurseState, TransferState, KeyState, PendingState);

/// Connections the pool keeps: a ledger process runs one transaction at a time (it holds its
/// ledger's lock), so a few are enough; the rest are spares for a broken connection.
const POOL_SIZE: u32 = 4;

/// A connection and its prepared statements, by SQL text, each with the tables it touches.
pub(crate) struct Conn {
    client: postgres::Client,
    statements: HashMap<&'static str, (Statement, Tables)>,
}

struct Manager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn { client: self.config.connect(NoTls)?, statements: HashMap::new() })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        conn.client.simple_query("")?;
        Ok(())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}

/// The pool of connections to one database.
pub(crate) struct PostgresStore {
    pool: Option<r2d2::Pool<Manager>>,
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // The client closes its connections on its own small runtime, which may not run on an
        // async runtime's thread (where the last `Ledger` may be dropped): close them elsewhere.
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl PostgresStore {
    /// Connects to `url` and migrates the database to this build's schema.
    pub(crate) fn open(url: &str) -> Result<PostgresStore, LedgerError> {
        let config: postgres::Config =
            url.parse().map_err(|e| storage_error(format!("the PostgreSQL URL does not parse: {e}")))?;
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(Manager { config })
            .map_err(|e| storage_error(format!("cannot connect to PostgreSQL: {e}")))?;
        let mut conn = pool.get().map_err(pool_error)?;
        schema::migrate(&mut conn.client)?;
        Ok(PostgresStore { pool: Some(pool) })
    }
}

fn pool_error(e: r2d2::Error) -> LedgerError {
    storage_error(format!("no PostgreSQL connection: {e}"))
}

impl Store for PostgresStore {
    fn begin(&mut self, mode: Mode) -> Result<Box<dyn Tx + '_>, LedgerError> {
        let pool = self.pool.as_ref().ok_or_else(|| storage_error("the pool is closed"))?;
        let mut conn = pool.get().map_err(pool_error)?;
        match mode {
            Mode::Read => conn.client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?,
            Mode::Write => {
                conn.client.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")?;
                let tx = PgTx::new(conn);
                // Serializes this write behind every other, in every process: from here on only
                // this transaction moves the log's head, so it keeps the head itself.
                let next: i64 = tx.one("SELECT next_seq FROM log_head WHERE id = 1 FOR UPDATE", &[])?.get(0);
                tx.deferred.borrow_mut().head = Some(Head { stored: next, next });
                return Ok(Box::new(tx));
            }
        }
        Ok(Box::new(PgTx::new(conn)))
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

struct PgTx {
    conn: RefCell<r2d2::PooledConnection<Manager>>,
    open: bool,
    /// Writes held back until a statement touches their tables, or commit (`deferred.rs`).
    deferred: RefCell<Deferred>,
}

impl Drop for PgTx {
    fn drop(&mut self) {
        if self.open {
            let conn = self.conn.get_mut();
            if let Err(e) = conn.client.batch_execute("ROLLBACK") {
                tracing::warn!("rollback failed ({e}); the connection is dropped");
            }
        }
    }
}

type R<T> = Result<T, LedgerError>;
type P<'a> = &'a [&'a (dyn ToSql + Sync)];

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn u(v: i64) -> u64 {
    v.max(0) as u64
}

fn key32(bytes: Vec<u8>, what: &str) -> R<[u8; 32]> {
    bytes.try_into().map_err(|_| inconsistent(&format!("{what} is not 32 bytes")))
}

fn ids(rows: Vec<Row>) -> R<Vec<MessageId>> {
    rows.into_iter().map(|r| key32(r.get(0), "a purse id")).collect()
}

const MEMBER: &str =
    "SELECT member_id, wallet_key, agreement_key, balance, purse_limit, flagged, enrolled_at,
     (SELECT COALESCE(SUM(outstanding), 0)::BIGINT FROM purse WHERE purse.member_id = member.member_id)
     FROM member WHERE member_id = $1";
const MEMBERS: &str =
    "SELECT member_id, wallet_key, agreement_key, balance, purse_limit, flagged, enrolled_at,
     (SELECT COALESCE(SUM(outstanding), 0)::BIGINT FROM purse WHERE purse.member_id = member.member_id)
     FROM member ORDER BY member_id";

fn member_of(r: &Row) -> R<Member> {
    Ok(Member {
        member_id: r.get(0),
        wallet: PublicIdentity {
            signing_key: key32(r.get(1), "a wallet key")?,
            agreement_key: key32(r.get(2), "an agreement key")?,
        },
        balance_minor: r.get(3),
        purse_limit_minor: u64::try_from(r.get::<_, i64>(4))
            .map_err(|_| inconsistent("a negative purse limit"))?,
        flagged: r.get::<_, i64>(5) != 0,
        enrolled_at: u(r.get(6)),
        in_purses_minor: r.get(7),
    })
}

const OFFICER: &str = "SELECT public_key, name, enrolled_at, removed_at FROM officer";

fn officer_of(r: &Row) -> R<OfficerRow> {
    Ok(OfficerRow {
        public_key: key32(r.get(0), "an officer key")?,
        name: r.get(1),
        enrolled_at: u(r.get(2)),
        removed: r.get::<_, Option<i64>>(3).is_some(),
    })
}

impl PgTx {
    fn new(conn: r2d2::PooledConnection<Manager>) -> PgTx {
        PgTx { conn: RefCell::new(conn), open: true, deferred: RefCell::new(Deferred::default()) }
    }

    /// The prepared statement, with what is held back for its tables written first.
    fn statement(&self, sql: &'static str) -> R<Statement> {
        let (statement, tables) = self.prepared(sql)?;
        self.write_held(tables)?;
        Ok(statement)
    }

    fn prepared(&self, sql: &'static str) -> R<(Statement, Tables)> {
        let mut conn = self.conn.borrow_mut();
        if let Some(prepared) = conn.statements.get(sql) {
            return Ok(prepared.clone());
        }
        let statement = conn.client.prepare(sql)?;
        let prepared = (statement, Tables::of(sql));
        conn.statements.insert(sql, prepared.clone());
        Ok(prepared)
    }

    /// A statement that writes what was held back: it runs as it is.
    fn exec_held(&self, sql: &'static str, params: P<'_>) -> R<u64> {
        let (statement, _) = self.prepared(sql)?;
        Ok(self.conn.borrow_mut().client.execute(&statement, params)?)
    }

    /// Writes what is held back for `tables`. A statement that may change purses also forgets
    /// the purse rows kept: they are read again.
    fn write_held(&self, tables: Tables) -> R<()> {
        if tables.log {
            self.write_log()?;
        }
        if tables.transfer {
            self.write_transfers()?;
        }
        if tables.purse {
            self.write_payments()?;
            if tables.writes {
                self.deferred.borrow_mut().purses.clear();
            }
        }
        Ok(())
    }

    fn write_all(&self) -> R<()> {
        self.write_held(Tables { log: true, transfer: true, purse: true, writes: true })
    }

    /// The held leaves and their parties, one statement each, and the head moved past them.
    fn write_log(&self) -> R<()> {
        let (head, leaves, parties) = {
            let mut deferred = self.deferred.borrow_mut();
            if !deferred.log_held() {
                return Ok(());
            }
            let head = deferred.head.ok_or_else(|| inconsistent("leaves held without the log's head"))?;
            (head, std::mem::take(&mut deferred.leaves), std::mem::take(&mut deferred.parties))
        };
        let moved = self.exec_held(
            "UPDATE log_head SET next_seq = $2 WHERE id = 1 AND next_seq = $1",
            &[&head.stored, &head.next],
        )?;
        if moved != 1 {
            return Err(inconsistent("a log position was taken twice"));
        }
        let (seqs, leaves): (Vec<i64>, Vec<Vec<u8>>) = leaves.into_iter().unzip();
        self.exec_held(
            "INSERT INTO audit (seq, leaf) SELECT * FROM unnest($1::BIGINT[], $2::BYTEA[])",
            &[&seqs, &leaves],
        )?;
        if !parties.is_empty() {
            let (members, seqs): (Vec<String>, Vec<i64>) = parties.into_iter().unzip();
            self.exec_held(
                "INSERT INTO audit_party (member_id, seq) SELECT * FROM unnest($1::TEXT[], $2::BIGINT[])
                 ON CONFLICT DO NOTHING",
                &[&members, &seqs],
            )?;
        }
        if let Some(h) = self.deferred.borrow_mut().head.as_mut() {
            h.stored = head.next;
        }
        Ok(())
    }

    /// The held transfers, in one statement.
    fn write_transfers(&self) -> R<()> {
        let transfers = std::mem::take(&mut self.deferred.borrow_mut().transfers);
        if transfers.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&NewTransfer) -> Vec<u8>| transfers.iter().map(f).collect::<Vec<Vec<u8>>>();
        let ids = column(|t| t.transfer_id.to_vec());
        let purses = column(|t| t.purse_id.to_vec());
        let receivers = column(|t| t.receiver_key.to_vec());
        let seqs: Vec<i64> = transfers.iter().map(|t| i64::from(t.seq)).collect();
        let amounts: Vec<i64> = transfers.iter().map(|t| t.amount).collect();
        let states: Vec<&str> = transfers.iter().map(|t| t.state.as_str()).collect();
        let bytes: Vec<&[u8]> = transfers.iter().map(|t| t.bytes.as_slice()).collect();
        let uploaded: Vec<i64> = transfers.iter().map(|t| i(t.uploaded_at)).collect();
        self.exec_held(
            "INSERT INTO transfer (transfer_id, purse_id, seq, amount, receiver_key, state, bytes, uploaded_at)
             SELECT * FROM unnest($1::BYTEA[], $2::BYTEA[], $3::BIGINT[], $4::BIGINT[], $5::BYTEA[], $6::TEXT[],
                                  $7::BYTEA[], $8::BIGINT[])",
            &[&ids, &purses, &seqs, &amounts, &receivers, &states, &bytes, &uploaded],
        )?;
        Ok(())
    }

    /// The held payments, one row per purse, in one statement.
    fn write_payments(&self) -> R<()> {
        let payments = std::mem::take(&mut self.deferred.borrow_mut().payments);
        if payments.is_empty() {
            return Ok(());
        }
        let ids: Vec<&[u8]> = payments.keys().map(|id| &id[..]).collect();
        let from_purse: Vec<i64> = payments.values().map(|p| p.0).collect();
        let amounts: Vec<i64> = payments.values().map(|p| p.1).collect();
        self.exec_held(
            "UPDATE purse SET outstanding = purse.outstanding - paid.from_purse, settled = purse.settled + paid.amount
             FROM unnest($1::BYTEA[], $2::BIGINT[], $3::BIGINT[]) AS paid (purse_id, from_purse, amount)
             WHERE purse.purse_id = paid.purse_id",
            &[&ids, &from_purse, &amounts],
        )?;
        Ok(())
    }

    fn query(&self, sql: &'static str, params: P<'_>) -> R<Vec<Row>> {
        let statement = self.statement(sql)?;
        Ok(self.conn.borrow_mut().client.query(&statement, params)?)
    }

    fn opt(&self, sql: &'static str, params: P<'_>) -> R<Option<Row>> {
        let statement = self.statement(sql)?;
        Ok(self.conn.borrow_mut().client.query_opt(&statement, params)?)
    }

    fn one(&self, sql: &'static str, params: P<'_>) -> R<Row> {
        let statement = self.statement(sql)?;
        Ok(self.conn.borrow_mut().client.query_one(&statement, params)?)
    }

    fn exec(&self, sql: &'static str, params: P<'_>) -> R<u64> {
        let statement = self.statement(sql)?;
        Ok(self.conn.borrow_mut().client.execute(&statement, params)?)
    }

    fn bytes(&self, sql: &'static str, params: P<'_>) -> R<Option<Vec<u8>>> {
        Ok(self.opt(sql, params)?.map(|r| r.get(0)))
    }
}

impl Tx for PgTx {
    fn commit(mut self: Box<Self>) -> R<()> {
        // A batch that fails leaves `open` set: dropping the transaction rolls it all back.
        self.write_all()?;
        self.open = false;
        self.conn.get_mut().client.batch_execute("COMMIT")?;
        Ok(())
    }

    fn meta(&self) -> R<Option<Meta>> {
        let row = self
            .opt("SELECT public_key, currency, currency_exponent, created_at FROM meta WHERE id = 1", &[])?;
        row.map(|r| {
            Ok(Meta {
                public_key: r.get(0),
                currency: r.get(1),
                exponent: u8::try_from(r.get::<_, i64>(2))
                    .map_err(|_| inconsistent("a currency exponent"))?,
                created_at: u(r.get(3)),
            })
        })
        .transpose()
    }

    fn insert_meta(&self, m: &Meta) -> R<()> {
        self.exec(
            "INSERT INTO meta (id, public_key, currency, currency_exponent, created_at) VALUES (1, $1, $2, $3, $4)",
            &[&m.public_key, &m.currency, &i64::from(m.exponent), &i(m.created_at)],
        )?;
        Ok(())
    }

    fn add_loss(&self, delta: i64) -> R<()> {
        self.exec("UPDATE meta SET loss = loss + $1 WHERE id = 1", &[&delta])?;
        Ok(())
    }

    fn totals(&self) -> R<Totals> {
        let r = self.one(
            "SELECT (SELECT COALESCE(SUM(balance), 0)::BIGINT FROM member),
                    (SELECT COALESCE(SUM(outstanding), 0)::BIGINT FROM purse),
                    (SELECT COALESCE(SUM(amount), 0)::BIGINT FROM credit),
                    COALESCE((SELECT loss FROM meta WHERE id = 1), 0)",
            &[],
        )?;
        Ok(Totals { accounts: r.get(0), purses: r.get(1), credited: r.get(2), loss: r.get(3) })
    }

    fn credited_since(&self, since: u64) -> R<i64> {
        Ok(self
            .one("SELECT COALESCE(SUM(amount), 0)::BIGINT FROM credit WHERE at > $1", &[&i(since)])?
            .get(0))
    }

    fn member(&self, member_id: &str) -> R<Option<Member>> {
        self.opt(MEMBER, &[&member_id])?.as_ref().map(member_of).transpose()
    }

    fn members(&self) -> R<Vec<Member>> {
        self.query(MEMBERS, &[])?.iter().map(member_of).collect()
    }

    fn insert_member(
        &self,
        member_id: &str,
        wallet: &[u8; 32],
        agreement: &[u8; 32],
        purse_limit: i64,
        at: u64,
    ) -> R<()> {
        self.exec(
            "INSERT INTO member (member_id, wallet_key, agreement_key, balance, purse_limit, next_serial, enrolled_at)
             VALUES ($1, $2, $3, 0, $4, 1, $5)",
            &[&member_id, &&wallet[..], &&agreement[..], &purse_limit, &i(at)],
        )?;
        Ok(())
    }

    fn add_to_account(&self, member_id: &str, delta: i64) -> R<bool> {
        if delta == 0 {
            return Ok(self.opt("SELECT 1 FROM member WHERE member_id = $1", &[&member_id])?.is_some());
        }
        let changed = self.exec(
            "UPDATE member SET balance = balance + $2, flagged = CASE WHEN balance + $2 < 0 THEN 1 ELSE flagged END
             WHERE member_id = $1",
            &[&member_id, &delta],
        )?;
        Ok(changed == 1)
    }

    fn flag_member(&self, member_id: &str) -> R<()> {
        self.exec("UPDATE member SET flagged = 1 WHERE member_id = $1", &[&member_id])?;
        Ok(())
    }

    fn set_purse_limit(&self, member_id: &str, limit: i64) -> R<()> {
        self.exec("UPDATE member SET purse_limit = $2 WHERE member_id = $1", &[&member_id, &limit])?;
        Ok(())
    }

    fn set_member_wallet(&self, member_id: &str, wallet: &[u8; 32], agreement: &[u8; 32]) -> R<()> {
        self.exec(
            "UPDATE member SET wallet_key = $2, agreement_key = $3 WHERE member_id = $1",
            &[&member_id, &&wallet[..], &&agreement[..]],
        )?;
        Ok(())
    }

    fn take_serial(&self, member_id: &str) -> R<u32> {
        let row = self.one(
            "UPDATE member SET next_serial = next_serial + 1 WHERE member_id = $1 RETURNING next_serial - 1",
            &[&member_id],
        )?;
        u32::try_from(row.get::<_, i64>(0)).map_err(|_| inconsistent("a purse serial beyond u32"))
    }

    fn insert_credit(&self, member_id: &str, amount: i64, memo: &str, at: u64) -> R<()> {
        self.exec(
            "INSERT INTO credit (member_id, amount, memo, at) VALUES ($1, $2, $3, $4)",
            &[&member_id, &amount, &memo, &i(at)],
        )?;
        Ok(())
    }

    fn wallet_key(&self, key: &[u8; 32]) -> R<Option<(String, KeyState)>> {
        let row = self.opt("SELECT member_id, state FROM wallet_key WHERE wallet_key = $1", &[&&key[..]])?;
        Ok(row.map(|r| r.try_get(1).map(|state| (r.get(0), state))).transpose()?)
    }

    fn insert_wallet_key(&self, key: &[u8; 32], member_id: &str) -> R<()> {
        self.exec(
            "INSERT INTO wallet_key (wallet_key, member_id, state) VALUES ($1, $2, 'active')",
            &[&&key[..], &member_id],
        )?;
        Ok(())
    }

    fn retire_wallet_key(&self, key: &[u8; 32], to: KeyState) -> R<bool> {
        let changed = self.exec(
            "UPDATE wallet_key SET state = $2 WHERE wallet_key = $1 AND state = 'active'",
            &[&&key[..], &to.as_str()],
        )?;
        Ok(changed == 1)
    }

    fn purse(&self, purse_id: &MessageId) -> R<Option<PurseRow>> {
        if let Some(row) = self.deferred.borrow().purses.get(purse_id) {
            return Ok(Some(row.clone()));
        }
        // Reads through the payments held back for the purse instead of writing them first.
        let (statement, _) = self.prepared(
            "SELECT member_id, amount, outstanding, settled, state, declared_seq, declared_spent, expires_at, proved
             FROM purse WHERE purse_id = $1",
        )?;
        let row = self.conn.borrow_mut().client.query_opt(&statement, &[&&purse_id[..]])?;
        let Some(r) = row else { return Ok(None) };
        let stored = PurseRow {
            purse_id: *purse_id,
            member_id: r.get(0),
            amount: r.get(1),
            outstanding: r.get(2),
            settled: r.get(3),
            state: r.try_get(4)?,
            declared_seq: r
                .get::<_, Option<i64>>(5)
                .map(|v| u32::try_from(v).map_err(|_| inconsistent("a declared sequence beyond u32")))
                .transpose()?,
            declared_spent: r
                .get::<_, Option<i64>>(6)
                .map(|v| u64::try_from(v).map_err(|_| inconsistent("a negative declared spend")))
                .transpose()?,
            expires_at: u(r.get(7)),
            proved: Proved::from_code(r.get(8)),
        };
        let mut deferred = self.deferred.borrow_mut();
        let row = deferred.read_through(stored);
        deferred.purses.insert(*purse_id, row.clone());
        Ok(Some(row))
    }

    fn purses_of(&self, member_id: &str) -> R<Vec<PurseInfo>> {
        let rows = self.query(
            "SELECT purse_id, member_id, serial, amount, outstanding, state, expires_at FROM purse
             WHERE member_id = $1 ORDER BY serial DESC",
            &[&member_id],
        )?;
        rows.iter()
            .map(|r| {
                Ok(PurseInfo {
                    purse_id: key32(r.get(0), "a purse id")?,
                    member_id: r.get(1),
                    serial: u32::try_from(r.get::<_, i64>(2))
                        .map_err(|_| inconsistent("a serial beyond u32"))?,
                    amount_minor: u64::try_from(r.get::<_, i64>(3))
                        .map_err(|_| inconsistent("a negative purse amount"))?,
                    outstanding_minor: r.get(4),
                    state: r.try_get(5)?,
                    expires_at: u(r.get(6)),
                })
            })
            .collect()
    }

    fn live_purses_of(&self, member_id: &str) -> R<Vec<MessageId>> {
        ids(self.query(
            "SELECT purse_id FROM purse WHERE member_id = $1 AND state IN ('open', 'closed') ORDER BY purse_id",
            &[&member_id],
        )?)
    }

    fn purses_expired_before(&self, cutoff: u64) -> R<Vec<MessageId>> {
        ids(self.query(
            "SELECT purse_id FROM purse WHERE state <> 'finished' AND expires_at < $1 ORDER BY purse_id",
            &[&i(cutoff)],
        )?)
    }

    fn open_purse_count(&self, member_id: &str) -> R<u64> {
        let n: i64 = self
            .one("SELECT COUNT(*) FROM purse WHERE member_id = $1 AND state = 'open'", &[&member_id])?
            .get(0);
        Ok(u(n))
    }

    fn revoked_purses(&self, since: u64, limit: usize) -> R<Vec<MessageId>> {
        ids(self.query(
            "SELECT purse_id FROM purse WHERE state = 'revoked' AND expires_at >= $1 ORDER BY expires_at DESC LIMIT $2",
            &[&i(since), &(limit as i64)],
        )?)
    }

    fn insert_purse(&self, p: &NewPurse<'_>) -> R<()> {
        self.exec(
            "INSERT INTO purse (purse_id, member_id, serial, amount, outstanding, state, issued_at, expires_at, certificate)
             VALUES ($1, $2, $3, $4, $4, 'open', $5, $6, $7)",
            &[
                &&p.purse_id[..],
                &p.member_id,
                &i64::from(p.serial),
                &p.amount,
                &i(p.issued_at),
                &i(p.expires_at),
                &p.certificate,
            ],
        )?;
        Ok(())
    }

    fn set_purse_state(&self, purse_id: &MessageId, state: PurseState) -> R<()> {
        self.exec("UPDATE purse SET state = $2 WHERE purse_id = $1", &[&&purse_id[..], &state.as_str()])?;
        Ok(())
    }

    fn finish_purse(&self, purse_id: &MessageId) -> R<()> {
        self.exec(
            "UPDATE purse SET outstanding = 0, state = 'finished' WHERE purse_id = $1",
            &[&&purse_id[..]],
        )?;
        Ok(())
    }

    fn pay_from_purse(&self, purse_id: &MessageId, from_purse: i64, amount: i64) -> R<()> {
        self.deferred.borrow_mut().pay(purse_id, from_purse, amount);
        Ok(())
    }

    fn declare_purse(&self, purse_id: &MessageId, give_back: i64, last_seq: u32, spent: i64) -> R<()> {
        self.exec(
            "UPDATE purse SET outstanding = outstanding - $2, declared_seq = $3, declared_spent = $4,
                    state = CASE WHEN state = 'open' THEN 'closed' ELSE state END
             WHERE purse_id = $1",
            &[&&purse_id[..], &give_back, &i64::from(last_seq), &spent],
        )?;
        Ok(())
    }

    fn set_proved(&self, purse_id: &MessageId, proved: Proved) -> R<()> {
        self.exec("UPDATE purse SET proved = $2 WHERE purse_id = $1", &[&&purse_id[..], &proved.code()])?;
        Ok(())
    }

    fn insert_transfer(&self, t: &NewTransfer) -> R<()> {
        self.deferred.borrow_mut().transfers.push(t.clone());
        Ok(())
    }

    fn set_transfer_state(
        &self,
        purse_id: &MessageId,
        seq: u32,
        id: &MessageId,
        state: TransferState,
    ) -> R<()> {
        self.exec(
            "UPDATE transfer SET state = $4 WHERE purse_id = $1 AND seq = $2 AND transfer_id = $3",
            &[&&purse_id[..], &i64::from(seq), &&id[..], &state.as_str()],
        )?;
        Ok(())
    }

    fn return_held(&self, purse_id: &MessageId) -> R<u64> {
        self.exec(
            "UPDATE transfer SET state = 'returned' WHERE purse_id = $1 AND state = 'held'",
            &[&&purse_id[..]],
        )
    }

    fn held_transfer(&self, id: &MessageId) -> R<Option<(Vec<u8>, Vec<u8>)>> {
        let row = self.opt(
            "SELECT receiver_key, bytes FROM transfer WHERE transfer_id = $1 AND state = 'held'",
            &[&&id[..]],
        )?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    fn highest_transfer(&self, purse_id: &MessageId) -> R<Option<Vec<u8>>> {
        self.bytes(
            "SELECT bytes FROM transfer WHERE purse_id = $1 ORDER BY seq DESC LIMIT 1",
            &[&&purse_id[..]],
        )
    }

    fn slot(&self, purse_id: &MessageId, seq: u32) -> R<Vec<SlotRow>> {
        let rows = self.query(
            "SELECT transfer_id, state, bytes FROM transfer WHERE purse_id = $1 AND seq = $2",
            &[&&purse_id[..], &i64::from(seq)],
        )?;
        rows.iter()
            .map(|r| Ok(SlotRow { transfer_id: r.get(0), state: r.try_get(1)?, bytes: r.get(2) }))
            .collect()
    }

    fn transfer_bytes(&self, purse_id: &MessageId, seq: u32, id: &MessageId) -> R<Option<Vec<u8>>> {
        self.bytes(
            "SELECT bytes FROM transfer WHERE purse_id = $1 AND seq = $2 AND transfer_id = $3",
            &[&&purse_id[..], &i64::from(seq), &&id[..]],
        )
    }

    fn neighbour(&self, purse_id: &MessageId, seq: u32, above: bool) -> R<Option<Vec<u8>>> {
        let params: P<'_> = &[&&purse_id[..], &i64::from(seq)];
        if above {
            self.bytes(
                "SELECT bytes FROM transfer WHERE purse_id = $1 AND seq > $2 ORDER BY seq LIMIT 1",
                params,
            )
        } else {
            self.bytes(
                "SELECT bytes FROM transfer WHERE purse_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT 1",
                params,
            )
        }
    }

    fn settled_to(&self, purse_id: &MessageId, receiver: &[u8; 32]) -> R<Vec<Vec<u8>>> {
        let rows = self.query(
            "SELECT bytes FROM transfer WHERE purse_id = $1 AND state = 'settled' AND receiver_key = $2 ORDER BY seq",
            &[&&purse_id[..], &&receiver[..]],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn insert_receipt(&self, id: &MessageId, bytes: &[u8]) -> R<()> {
        self.exec(
            "INSERT INTO receipt (transfer_id, bytes) VALUES ($1, $2) ON CONFLICT (transfer_id) DO NOTHING",
            &[&&id[..], &bytes],
        )?;
        Ok(())
    }

    fn has_receipt(&self, id: &MessageId) -> R<bool> {
        Ok(self.opt("SELECT 1 FROM receipt WHERE transfer_id = $1", &[&&id[..]])?.is_some())
    }

    fn online_payment_done(&self, payer_id: &str, payment_id: &[u8; 16]) -> R<bool> {
        Ok(self
            .opt(
                "SELECT 1 FROM online_payment WHERE payer_id = $1 AND payment_id = $2",
                &[&payer_id, &&payment_id[..]],
            )?
            .is_some())
    }

    fn insert_online_payment(
        &self,
        payer_id: &str,
        payment_id: &[u8; 16],
        payee_id: &str,
        amount: i64,
        at: u64,
    ) -> R<()> {
        self.exec(
            "INSERT INTO online_payment (payer_id, payment_id, payee_id, amount, at) VALUES ($1, $2, $3, $4, $5)",
            &[&payer_id, &&payment_id[..], &payee_id, &amount, &i(at)],
        )?;
        Ok(())
    }

    fn last_answer(&self, wallet_key: &[u8; 32]) -> R<Option<LastAnswer>> {
        let row = self.opt(
            "SELECT request_id, request_hash, seen_up_to, response FROM sync_answer WHERE wallet_key = $1",
            &[&&wallet_key[..]],
        )?;
        Ok(row.map(|r| LastAnswer {
            request_id: r.get(0),
            request_hash: r.get(1),
            seen_up_to: u(r.get(2)),
            response: r.get(3),
        }))
    }

    fn put_answer(&self, wallet_key: &[u8; 32], a: &LastAnswer, at: u64) -> R<()> {
        self.exec(
            "INSERT INTO sync_answer (wallet_key, request_id, request_hash, seen_up_to, response, at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (wallet_key) DO UPDATE SET request_id = excluded.request_id,
                 request_hash = excluded.request_hash, seen_up_to = excluded.seen_up_to,
                 response = excluded.response, at = excluded.at",
            &[&&wallet_key[..], &a.request_id, &a.request_hash, &i(a.seen_up_to), &a.response, &i(at)],
        )?;
        Ok(())
    }

    fn next_seq(&self) -> R<u64> {
        if let Some(head) = self.deferred.borrow().head {
            return Ok(u(head.next));
        }
        let next: i64 = self.one("SELECT next_seq FROM log_head WHERE id = 1", &[])?.get(0);
        self.deferred.borrow_mut().head = Some(Head { stored: next, next });
        Ok(u(next))
    }

    fn insert_leaf(&self, seq: u64, leaf: &[u8], parties: &[&str]) -> R<()> {
        if self.next_seq()? != seq {
            return Err(inconsistent("a log position was taken twice"));
        }
        let seq = i(seq);
        let mut deferred = self.deferred.borrow_mut();
        deferred.leaves.push((seq, leaf.to_vec()));
        deferred.parties.extend(parties.iter().map(|member| (member.to_string(), seq)));
        if let Some(head) = deferred.head.as_mut() {
            head.next = seq + 1;
        }
        Ok(())
    }

    fn for_each_leaf(&self, from: u64, limit: u32, f: &mut dyn FnMut(u64, &[u8]) -> R<()>) -> R<()> {
        // In pages, so that a whole log is never held at once.
        const PAGE: i64 = 4096;
        let (mut from, mut left) = (i(from), i64::from(limit));
        while left > 0 {
            let rows = self.query(
                "SELECT seq, leaf FROM audit WHERE seq >= $1 ORDER BY seq LIMIT $2",
                &[&from, &left.min(PAGE)],
            )?;
            for r in &rows {
                let seq: i64 = r.get(0);
                let leaf: &[u8] = r.get(1);
                f(u(seq), leaf)?;
                from = seq + 1;
            }
            left -= rows.len() as i64;
            if (rows.len() as i64) < PAGE {
                break;
            }
        }
        Ok(())
    }

    fn leaf(&self, seq: u64) -> R<Option<Vec<u8>>> {
        self.bytes("SELECT leaf FROM audit WHERE seq = $1", &[&i(seq)])
    }

    fn member_leaves(&self, member_id: &str, from: u64, limit: usize) -> R<Vec<MemberLeaf>> {
        let rows = self.query(
            "SELECT audit_party.seq, audit.leaf FROM audit_party LEFT JOIN audit ON audit.seq = audit_party.seq
             WHERE audit_party.member_id = $1 AND audit_party.seq >= $2 ORDER BY audit_party.seq LIMIT $3",
            &[&member_id, &i(from), &(limit as i64)],
        )?;
        Ok(rows.iter().map(|r| MemberLeaf { seq: u(r.get(0)), leaf: r.get(1) }).collect())
    }

    fn log_version(&self) -> R<i64> {
        Ok(self.one("SELECT rewrites FROM log_head WHERE id = 1", &[])?.get(0))
    }

    fn equivocation(&self, proof_id: &[u8; 32]) -> R<Option<u64>> {
        Ok(self
            .opt("SELECT seq FROM equivocation WHERE proof_id = $1", &[&&proof_id[..]])?
            .map(|r| u(r.get(0))))
    }

    fn insert_equivocation(&self, proof_id: &[u8; 32], seq: u64) -> R<()> {
        self.exec("INSERT INTO equivocation (proof_id, seq) VALUES ($1, $2)", &[&&proof_id[..], &i(seq)])?;
        Ok(())
    }

    fn signed_head(&self) -> R<Option<(u64, [u8; 32])>> {
        let row = self.opt("SELECT size, root FROM signed_head WHERE id = 1", &[])?;
        row.map(|r| Ok((u(r.get(0)), key32(r.get(1), "a signed root")?))).transpose()
    }

    fn raise_signed_head(&self, size: u64, root: &[u8; 32]) -> R<()> {
        self.exec(
            "INSERT INTO signed_head (id, size, root) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root
             WHERE excluded.size > signed_head.size",
            &[&i(size), &&root[..]],
        )?;
        Ok(())
    }

    fn reset_signed_head(&self) -> R<()> {
        self.exec("DELETE FROM signed_head", &[])?;
        Ok(())
    }

    fn officer(&self, key: &[u8]) -> R<Option<OfficerRow>> {
        self.opt(
            "SELECT public_key, name, enrolled_at, removed_at FROM officer WHERE public_key = $1",
            &[&key],
        )?
        .as_ref()
        .map(officer_of)
        .transpose()
    }

    fn active_officers(&self) -> R<Vec<OfficerRow>> {
        let _ = OFFICER;
        self.query(
            "SELECT public_key, name, enrolled_at, removed_at FROM officer WHERE removed_at IS NULL ORDER BY name",
            &[],
        )?
        .iter()
        .map(officer_of)
        .collect()
    }

    fn upsert_officer(&self, key: &[u8; 32], name: &str, at: u64) -> R<()> {
        self.exec(
            "INSERT INTO officer (public_key, name, enrolled_at) VALUES ($1, $2, $3)
             ON CONFLICT (public_key) DO UPDATE SET name = $2, enrolled_at = $3, removed_at = NULL",
            &[&&key[..], &name, &i(at)],
        )?;
        Ok(())
    }

    fn remove_officer(&self, key: &[u8; 32], at: u64) -> R<()> {
        self.exec("UPDATE officer SET removed_at = $2 WHERE public_key = $1", &[&&key[..], &i(at)])?;
        Ok(())
    }

    fn forget_nonces_before(&self, before: u64) -> R<()> {
        self.exec("DELETE FROM officer_nonce WHERE signed_at < $1", &[&i(before)])?;
        Ok(())
    }

    fn insert_nonce(&self, key: &[u8; 32], nonce: &[u8], signed_at: u64) -> R<bool> {
        let fresh = self.exec(
            "INSERT INTO officer_nonce (officer_key, nonce, signed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&&key[..], &nonce, &i(signed_at)],
        )?;
        Ok(fresh == 1)
    }

    fn insert_pending(&self, id: &[u8; 32], p: &PendingRow) -> R<()> {
        self.exec(
            "INSERT INTO pending (id, act, maker, body, made_at, expires_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&&id[..], &p.act, &p.maker, &p.body, &i(p.made_at), &i(p.expires_at), &p.state.as_str()],
        )?;
        Ok(())
    }

    fn pending(&self, id: &[u8; 32]) -> R<Option<PendingRow>> {
        let row = self.opt(
            "SELECT act, maker, body, made_at, expires_at, state FROM pending WHERE id = $1",
            &[&&id[..]],
        )?;
        row.map(|r| {
            Ok(PendingRow {
                act: r.get(0),
                maker: r.get(1),
                body: r.get(2),
                made_at: u(r.get(3)),
                expires_at: u(r.get(4)),
                state: r.try_get(5)?,
            })
        })
        .transpose()
    }

    fn pending_ids(&self, now: u64) -> R<Vec<[u8; 32]>> {
        self.query(
            "SELECT id FROM pending WHERE state = 'pending' AND expires_at >= $1 ORDER BY made_at, id",
            &[&i(now)],
        )?
        .into_iter()
        .map(|r| key32(r.get(0), "a pending id"))
        .collect()
    }

    fn close_pending(&self, id: &[u8; 32], state: PendingState, closed_by: Option<&[u8; 32]>) -> R<()> {
        self.exec(
            "UPDATE pending SET state = $2, closed_by = $3 WHERE id = $1",
            &[&&id[..], &state.as_str(), &closed_by.map(|k| &k[..])],
        )?;
        Ok(())
    }

    fn insert_approval(&self, id: &[u8; 32], officer_key: &[u8; 32], signed: &[u8], at: u64) -> R<()> {
        self.exec(
            "INSERT INTO pending_approval (id, officer_key, signed, at) VALUES ($1, $2, $3, $4)",
            &[&&id[..], &&officer_key[..], &signed, &i(at)],
        )?;
        Ok(())
    }

    fn approvals(&self, id: &[u8; 32]) -> R<Vec<(Vec<u8>, Vec<u8>)>> {
        let rows = self.query(
            "SELECT officer_key, signed FROM pending_approval WHERE id = $1 ORDER BY at, officer_key",
            &[&&id[..]],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn passkey(&self, public_key: &[u8]) -> R<Option<PasskeyRow>> {
        Ok(self
            .opt(
                "SELECT officer_key, link, counter, linked_at FROM officer_passkey
                 WHERE public_key = $1",
                &[&public_key],
            )?
            .as_ref()
            .map(passkey_of))
    }

    fn passkeys_of(&self, officer_key: &[u8; 32]) -> R<Vec<PasskeyRow>> {
        Ok(self
            .query(
                "SELECT officer_key, link, counter, linked_at FROM officer_passkey
                 WHERE officer_key = $1 ORDER BY linked_at, public_key",
                &[&&officer_key[..]],
            )?
            .iter()
            .map(passkey_of)
            .collect())
    }

    fn insert_passkey(&self, public_key: &[u8], officer_key: &[u8; 32], link: &[u8], at: u64) -> R<()> {
        self.exec(
            "INSERT INTO officer_passkey (public_key, officer_key, link, linked_at) VALUES ($1, $2, $3, $4)",
            &[&public_key, &&officer_key[..], &link, &i(at)],
        )?;
        Ok(())
    }

    fn set_passkey_counter(&self, public_key: &[u8], counter: i64) -> R<()> {
        self.exec("UPDATE officer_passkey SET counter = $2 WHERE public_key = $1", &[&public_key, &counter])?;
        Ok(())
    }

    fn export(&self) -> R<Rows> {
        self.write_all()?;
        let mut out = Vec::new();
        let mut conn = self.conn.borrow_mut();
        for (table, columns) in TABLES {
            let sql = format!("SELECT {} FROM {table} ORDER BY 1", columns.join(", "));
            let rows = conn.client.query(sql.as_str(), &[])?;
            let mut copied = Vec::new();
            for r in &rows {
                let mut values = Vec::new();
                for (c, column) in r.columns().iter().enumerate() {
                    values.push(match *column.type_() {
                        Type::INT8 => r.get::<_, Option<i64>>(c).map_or(Value::Null, Value::Int),
                        Type::TEXT => r.get::<_, Option<String>>(c).map_or(Value::Null, Value::Text),
                        Type::BYTEA => r.get::<_, Option<Vec<u8>>>(c).map_or(Value::Null, Value::Bytes),
                        ref other => {
                            return Err(inconsistent(&format!("a column of type {other} in {table}")));
                        }
                    });
                }
                copied.push(values);
            }
            out.push((*table, copied));
        }
        Ok(out)
    }

    fn import(&self, rows: &Rows) -> R<()> {
        self.write_all()?;
        // The copy moves the log's head: it is read again when next asked for.
        self.deferred.borrow_mut().head = None;
        let mut conn = self.conn.borrow_mut();
        for (table, copied) in rows {
            let columns = TABLES.iter().find(|(t, _)| t == table).map(|(_, c)| *c).unwrap_or_default();
            let marks: Vec<String> = (1..=columns.len()).map(|n| format!("${n}")).collect();
            let sql = format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), marks.join(", "));
            let statement = conn.client.prepare(&sql)?;
            for values in copied {
                let params: Vec<Box<dyn ToSql + Sync>> = values
                    .iter()
                    .zip(statement.params())
                    .map(|(v, ty)| -> Box<dyn ToSql + Sync> {
                        match (v, ty) {
                            (Value::Int(v), _) => Box::new(*v),
                            (Value::Text(t), _) => Box::new(t.clone()),
                            (Value::Bytes(b), _) => Box::new(b.clone()),
                            (Value::Null, &Type::TEXT) => Box::new(None::<String>),
                            (Value::Null, &Type::BYTEA) => Box::new(None::<Vec<u8>>),
                            (Value::Null, _) => Box::new(None::<i64>),
                        }
                    })
                    .collect();
                let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|b| b.as_ref()).collect();
                conn.client.execute(&statement, &refs)?;
            }
        }
        // The log's head and the credit ids continue after what was copied.
        conn.client.batch_execute(
            "UPDATE log_head SET next_seq = COALESCE((SELECT MAX(seq) + 1 FROM audit), 0) WHERE id = 1;
             SELECT setval(pg_get_serial_sequence('credit', 'id'), COALESCE((SELECT MAX(id) FROM credit), 0) + 1, false);",
        )?;
        Ok(())
    }
}

fn passkey_of(r: &Row) -> PasskeyRow {
    PasskeyRow {
        officer_key: r.get(0),
        link: r.get(1),
        counter: r.get(2),
        linked_at: r.get::<_, i64>(3).max(0) as u64,
    }
}
