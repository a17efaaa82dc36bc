//! The embedded backend: `ledger.db` in the ledger's directory, SQLite in WAL mode with
//! `synchronous=FULL`. One process, one connection: SQLite's single writer serializes every
//! write (`BEGIN IMMEDIATE`), and the log's next position is `MAX(seq) + 1` under it. Every SQL
//! statement of this backend is in this folder (`schema.rs` holds the schema and migrations,
//! `checkpointer.rs` the thread that copies the write-ahead log back).

mod checkpointer;
mod schema;

use std::path::Path;

use outpost_wallet_core::PublicIdentity;
use outpost_wallet_core::protocol::MessageId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{
    KeyState, LastAnswer, MemberLeaf, Meta, Mode, NewPurse, NewTransfer, OfficerRow, PasskeyRow, PendingRow,
    PendingState, Proved, PurseRow, PurseState, Rows, SlotRow, StorageError, Store, TABLES, Totals,
    TransferState, Tx, UnknownState, Value,
};
use crate::{LedgerError, Member, PurseInfo, inconsistent};

impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        if let rusqlite::Error::FromSqlConversionFailure(_, _, cause) = &e
            && let Some(unknown) = cause.downcast_ref::<UnknownState>()
        {
            return unknown.clone().into();
        }
        let retryable = matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        );
        LedgerError::Database(StorageError { message: e.to_string(), retryable })
    }
}

/// A state is written as its word (`as_str`) and read back by this one conversion: a row reads
/// its state directly, and a word the ledger does not know fails the read as [`UnknownState`]
/// (`From<rusqlite::Error>` above keeps it).
macro_rules! state_columns {
    ($($ty:ty),*) => {$(
        impl rusqlite::types::FromSql for $ty {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                <$ty>::parse(value.as_str()?).map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    )*};
}

state_columns!(PurseState, TransferState, KeyState, PendingState);

/// `ledger.db` and its checkpoint thread.
pub(crate) struct SqliteStore {
    conn: Connection,
    /// Copies the log into the database file off the sync path; `None` if it could not start.
    _checkpointer: Option<checkpointer::Checkpointer>,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<SqliteStore, LedgerError> {
        let mut conn = schema::open(path)?;
        let checkpointer = checkpointer::Checkpointer::start(path, &mut conn)?;
        Ok(SqliteStore { conn, _checkpointer: checkpointer })
    }
}

impl Store for SqliteStore {
    fn begin(&mut self, mode: Mode) -> Result<Box<dyn Tx + '_>, LedgerError> {
        let tx = match mode {
            // Deferred: it reads one snapshot from its first statement on.
            Mode::Read => self.conn.transaction()?,
            Mode::Write => self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?,
        };
        Ok(Box::new(SqliteTx { tx }))
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}

struct SqliteTx<'c> {
    tx: rusqlite::Transaction<'c>,
}

type R<T> = Result<T, LedgerError>;

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn u(v: i64) -> u64 {
    v.max(0) as u64
}

fn key32(bytes: Vec<u8>, what: &str) -> R<[u8; 32]> {
    bytes.try_into().map_err(|_| inconsistent(&format!("{what} is not 32 bytes")))
}

const MEMBER_COLUMNS: &str =
    "member_id, wallet_key, agreement_key, balance, purse_limit, flagged, enrolled_at,
     (SELECT COALESCE(SUM(outstanding), 0) FROM purse WHERE purse.member_id = member.member_id)";

type MemberFields = (String, Vec<u8>, Vec<u8>, i64, i64, i64, i64, i64);

fn member_fields(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberFields> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

fn member_of(f: MemberFields) -> R<Member> {
    let (member_id, wallet, agreement, balance, limit, flagged, enrolled_at, in_purses) = f;
    Ok(Member {
        member_id,
        wallet: PublicIdentity {
            signing_key: key32(wallet, "a wallet key")?,
            agreement_key: key32(agreement, "an agreement key")?,
        },
        balance_minor: balance,
        purse_limit_minor: u64::try_from(limit).map_err(|_| inconsistent("a negative purse limit"))?,
        flagged: flagged != 0,
        enrolled_at: u(enrolled_at),
        in_purses_minor: in_purses,
    })
}

fn officer_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Vec<u8>, String, i64, Option<i64>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn officer_row((key, name, at, removed): (Vec<u8>, String, i64, Option<i64>)) -> R<OfficerRow> {
    Ok(OfficerRow {
        public_key: key32(key, "an officer key")?,
        name,
        enrolled_at: u(at),
        removed: removed.is_some(),
    })
}

fn ids(rows: Vec<Vec<u8>>) -> R<Vec<MessageId>> {
    rows.into_iter().map(|id| key32(id, "a purse id")).collect()
}

impl SqliteTx<'_> {
    fn purse_ids(&self, sql: &str, value: impl rusqlite::ToSql) -> R<Vec<MessageId>> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        let rows = stmt.query_map([value], |r| r.get::<_, Vec<u8>>(0))?.collect::<Result<Vec<_>, _>>()?;
        ids(rows)
    }

    fn bytes_list(&self, sql: &str, params: impl rusqlite::Params) -> R<Vec<Vec<u8>>> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        Ok(stmt.query_map(params, |r| r.get::<_, Vec<u8>>(0))?.collect::<Result<Vec<_>, _>>()?)
    }

    fn one_bytes(&self, sql: &str, params: impl rusqlite::Params) -> R<Option<Vec<u8>>> {
        Ok(self.tx.prepare_cached(sql)?.query_row(params, |r| r.get(0)).optional()?)
    }
}

impl Tx for SqliteTx<'_> {
    fn commit(self: Box<Self>) -> R<()> {
        Ok(self.tx.commit()?)
    }

    fn meta(&self) -> R<Option<Meta>> {
        let row: Option<(Vec<u8>, String, u8, i64)> = self
            .tx
            .query_row(
                "SELECT public_key, currency, currency_exponent, created_at FROM meta WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.map(|(public_key, currency, exponent, at)| Meta {
            public_key,
            currency,
            exponent,
            created_at: u(at),
        }))
    }

    fn insert_meta(&self, meta: &Meta) -> R<()> {
        self.tx.execute(
            "INSERT INTO meta (id, public_key, currency, currency_exponent, created_at) VALUES (1, ?1, ?2, ?3, ?4)",
            params![meta.public_key, meta.currency, meta.exponent, i(meta.created_at)],
        )?;
        Ok(())
    }

    fn add_loss(&self, delta: i64) -> R<()> {
        self.tx.prepare_cached("UPDATE meta SET loss = loss + ?1 WHERE id = 1")?.execute([delta])?;
        Ok(())
    }

    fn totals(&self) -> R<Totals> {
        let sum = |sql: &str| -> R<i64> { Ok(self.tx.query_row(sql, [], |r| r.get(0))?) };
        Ok(Totals {
            accounts: sum("SELECT COALESCE(SUM(balance), 0) FROM member")?,
            purses: sum("SELECT COALESCE(SUM(outstanding), 0) FROM purse")?,
            credited: sum("SELECT COALESCE(SUM(amount), 0) FROM credit")?,
            loss: sum("SELECT COALESCE((SELECT loss FROM meta WHERE id = 1), 0)")?,
        })
    }

    fn credited_since(&self, since: u64) -> R<i64> {
        Ok(self.tx.query_row(
            "SELECT COALESCE(SUM(amount), 0) FROM credit WHERE at > ?1",
            [i(since)],
            |r| r.get(0),
        )?)
    }

    fn member(&self, member_id: &str) -> R<Option<Member>> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM member WHERE member_id = ?1");
        let row = self.tx.prepare_cached(&sql)?.query_row([member_id], member_fields).optional()?;
        row.map(member_of).transpose()
    }

    fn members(&self) -> R<Vec<Member>> {
        let mut stmt = self.tx.prepare(&format!("SELECT {MEMBER_COLUMNS} FROM member ORDER BY member_id"))?;
        let rows = stmt.query_map([], member_fields)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(member_of).collect()
    }

    fn insert_member(
        &self,
        member_id: &str,
        wallet: &[u8; 32],
        agreement: &[u8; 32],
        purse_limit: i64,
        at: u64,
    ) -> R<()> {
        self.tx.execute(
            "INSERT INTO member (member_id, wallet_key, agreement_key, balance, purse_limit, next_serial, enrolled_at)
             VALUES (?1, ?2, ?3, 0, ?4, 1, ?5)",
            params![member_id, &wallet[..], &agreement[..], purse_limit, i(at)],
        )?;
        Ok(())
    }

    fn add_to_account(&self, member_id: &str, delta: i64) -> R<bool> {
        if delta == 0 {
            // Nothing to add, but the account must still exist.
            return Ok(self
                .tx
                .prepare_cached("SELECT 1 FROM member WHERE member_id = ?1")?
                .exists([member_id])?);
        }
        let changed = self
            .tx
            .prepare_cached(
                "UPDATE member SET balance = balance + ?2, flagged = CASE WHEN balance + ?2 < 0 THEN 1 ELSE flagged END
                 WHERE member_id = ?1",
            )?
            .execute(params![member_id, delta])?;
        Ok(changed == 1)
    }

    fn flag_member(&self, member_id: &str) -> R<()> {
        self.tx.prepare_cached("UPDATE member SET flagged = 1 WHERE member_id = ?1")?.execute([member_id])?;
        Ok(())
    }

    fn set_purse_limit(&self, member_id: &str, limit: i64) -> R<()> {
        self.tx
            .execute("UPDATE member SET purse_limit = ?2 WHERE member_id = ?1", params![member_id, limit])?;
        Ok(())
    }

    fn set_member_wallet(&self, member_id: &str, wallet: &[u8; 32], agreement: &[u8; 32]) -> R<()> {
        self.tx.execute(
            "UPDATE member SET wallet_key = ?2, agreement_key = ?3 WHERE member_id = ?1",
            params![member_id, &wallet[..], &agreement[..]],
        )?;
        Ok(())
    }

    fn take_serial(&self, member_id: &str) -> R<u32> {
        let serial: u32 = self
            .tx
            .prepare_cached("SELECT next_serial FROM member WHERE member_id = ?1")?
            .query_row([member_id], |r| r.get(0))?;
        self.tx
            .prepare_cached("UPDATE member SET next_serial = next_serial + 1 WHERE member_id = ?1")?
            .execute([member_id])?;
        Ok(serial)
    }

    fn insert_credit(&self, member_id: &str, amount: i64, memo: &str, at: u64) -> R<()> {
        self.tx.execute(
            "INSERT INTO credit (member_id, amount, memo, at) VALUES (?1, ?2, ?3, ?4)",
            params![member_id, amount, memo, i(at)],
        )?;
        Ok(())
    }

    fn wallet_key(&self, key: &[u8; 32]) -> R<Option<(String, KeyState)>> {
        Ok(self
            .tx
            .prepare_cached("SELECT member_id, state FROM wallet_key WHERE wallet_key = ?1")?
            .query_row([&key[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn insert_wallet_key(&self, key: &[u8; 32], member_id: &str) -> R<()> {
        self.tx.execute(
            "INSERT INTO wallet_key (wallet_key, member_id, state) VALUES (?1, ?2, 'active')",
            params![&key[..], member_id],
        )?;
        Ok(())
    }

    fn retire_wallet_key(&self, key: &[u8; 32], to: KeyState) -> R<bool> {
        let changed = self.tx.execute(
            "UPDATE wallet_key SET state = ?2 WHERE wallet_key = ?1 AND state = 'active'",
            params![&key[..], to.as_str()],
        )?;
        Ok(changed == 1)
    }

    fn purse(&self, purse_id: &MessageId) -> R<Option<PurseRow>> {
        type Fields = (String, i64, i64, i64, PurseState, Option<u32>, Option<i64>, i64, i64);
        let row: Option<Fields> = self
            .tx
            .prepare_cached(
                "SELECT member_id, amount, outstanding, settled, state, declared_seq, declared_spent, expires_at, proved
                 FROM purse WHERE purse_id = ?1",
            )?
            .query_row([&purse_id[..]], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?))
            })
            .optional()?;
        let Some((
            member_id,
            amount,
            outstanding,
            settled,
            state,
            declared_seq,
            declared_spent,
            expires_at,
            proved,
        )) = row
        else {
            return Ok(None);
        };
        Ok(Some(PurseRow {
            purse_id: *purse_id,
            member_id,
            amount,
            outstanding,
            settled,
            state,
            declared_seq,
            declared_spent: declared_spent
                .map(|v| u64::try_from(v).map_err(|_| inconsistent("a negative declared spend")))
                .transpose()?,
            expires_at: u(expires_at),
            proved: Proved::from_code(proved),
        }))
    }

    fn purses_of(&self, member_id: &str) -> R<Vec<PurseInfo>> {
        let mut stmt = self.tx.prepare(
            "SELECT purse_id, member_id, serial, amount, outstanding, state, expires_at FROM purse
             WHERE member_id = ?1 ORDER BY serial DESC",
        )?;
        type Fields = (Vec<u8>, String, u32, i64, i64, PurseState, i64);
        let rows: Vec<Fields> = stmt
            .query_map([member_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(id, member_id, serial, amount, outstanding, state, expires_at)| {
                Ok(PurseInfo {
                    purse_id: key32(id, "a purse id")?,
                    member_id,
                    serial,
                    amount_minor: u64::try_from(amount)
                        .map_err(|_| inconsistent("a negative purse amount"))?,
                    outstanding_minor: outstanding,
                    state,
                    expires_at: u(expires_at),
                })
            })
            .collect()
    }

    fn live_purses_of(&self, member_id: &str) -> R<Vec<MessageId>> {
        self.purse_ids(
            "SELECT purse_id FROM purse WHERE member_id = ?1 AND state IN ('open', 'closed') ORDER BY purse_id",
            member_id,
        )
    }

    fn purses_expired_before(&self, cutoff: u64) -> R<Vec<MessageId>> {
        self.purse_ids(
            "SELECT purse_id FROM purse WHERE state != 'finished' AND expires_at < ?1 ORDER BY purse_id",
            i(cutoff),
        )
    }

    fn open_purse_count(&self, member_id: &str) -> R<u64> {
        let n: i64 = self
            .tx
            .prepare_cached("SELECT COUNT(*) FROM purse WHERE member_id = ?1 AND state = 'open'")?
            .query_row([member_id], |r| r.get(0))?;
        Ok(u(n))
    }

    fn revoked_purses(&self, since: u64, limit: usize) -> R<Vec<MessageId>> {
        ids(self.bytes_list(
            "SELECT purse_id FROM purse WHERE state = 'revoked' AND expires_at >= ?1 ORDER BY expires_at DESC LIMIT ?2",
            params![i(since), limit as i64],
        )?)
    }

    fn insert_purse(&self, p: &NewPurse<'_>) -> R<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO purse (purse_id, member_id, serial, amount, outstanding, state, issued_at, expires_at, certificate)
                 VALUES (?1, ?2, ?3, ?4, ?4, 'open', ?5, ?6, ?7)",
            )?
            .execute(params![
                &p.purse_id[..],
                p.member_id,
                p.serial,
                p.amount,
                i(p.issued_at),
                i(p.expires_at),
                p.certificate
            ])?;
        Ok(())
    }

    fn set_purse_state(&self, purse_id: &MessageId, state: PurseState) -> R<()> {
        self.tx
            .prepare_cached("UPDATE purse SET state = ?2 WHERE purse_id = ?1")?
            .execute(params![&purse_id[..], state.as_str()])?;
        Ok(())
    }

    fn finish_purse(&self, purse_id: &MessageId) -> R<()> {
        self.tx
            .prepare_cached("UPDATE purse SET outstanding = 0, state = 'finished' WHERE purse_id = ?1")?
            .execute([&purse_id[..]])?;
        Ok(())
    }

    fn pay_from_purse(&self, purse_id: &MessageId, from_purse: i64, amount: i64) -> R<()> {
        self.tx
            .prepare_cached(
                "UPDATE purse SET outstanding = outstanding - ?2, settled = settled + ?3 WHERE purse_id = ?1",
            )?
            .execute(params![&purse_id[..], from_purse, amount])?;
        Ok(())
    }

    fn declare_purse(&self, purse_id: &MessageId, give_back: i64, last_seq: u32, spent: i64) -> R<()> {
        self.tx
            .prepare_cached(
                "UPDATE purse SET outstanding = outstanding - ?2, declared_seq = ?3, declared_spent = ?4,
                        state = CASE WHEN state = 'open' THEN 'closed' ELSE state END
                 WHERE purse_id = ?1",
            )?
            .execute(params![&purse_id[..], give_back, last_seq, spent])?;
        Ok(())
    }

    fn set_proved(&self, purse_id: &MessageId, proved: Proved) -> R<()> {
        self.tx
            .prepare_cached("UPDATE purse SET proved = ?2 WHERE purse_id = ?1")?
            .execute(params![&purse_id[..], proved.code()])?;
        Ok(())
    }

    fn insert_transfer(&self, t: &NewTransfer) -> R<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO transfer (transfer_id, purse_id, seq, amount, receiver_key, state, bytes, uploaded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                &t.transfer_id[..],
                &t.purse_id[..],
                t.seq,
                t.amount,
                &t.receiver_key[..],
                t.state.as_str(),
                t.bytes,
                i(t.uploaded_at)
            ])?;
        Ok(())
    }

    fn set_transfer_state(
        &self,
        purse_id: &MessageId,
        seq: u32,
        id: &MessageId,
        state: TransferState,
    ) -> R<()> {
        self.tx
            .prepare_cached(
                "UPDATE transfer SET state = ?4 WHERE purse_id = ?1 AND seq = ?2 AND transfer_id = ?3",
            )?
            .execute(params![&purse_id[..], seq, &id[..], state.as_str()])?;
        Ok(())
    }

    fn return_held(&self, purse_id: &MessageId) -> R<u64> {
        Ok(self
            .tx
            .prepare_cached("UPDATE transfer SET state = 'returned' WHERE purse_id = ?1 AND state = 'held'")?
            .execute([&purse_id[..]])? as u64)
    }

    fn held_transfer(&self, id: &MessageId) -> R<Option<(Vec<u8>, Vec<u8>)>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT receiver_key, bytes FROM transfer WHERE transfer_id = ?1 AND state = 'held'",
            )?
            .query_row([&id[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn highest_transfer(&self, purse_id: &MessageId) -> R<Option<Vec<u8>>> {
        self.one_bytes(
            "SELECT bytes FROM transfer WHERE purse_id = ?1 ORDER BY seq DESC LIMIT 1",
            [&purse_id[..]],
        )
    }

    fn slot(&self, purse_id: &MessageId, seq: u32) -> R<Vec<SlotRow>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT transfer_id, state, bytes FROM transfer WHERE purse_id = ?1 AND seq = ?2",
        )?;
        Ok(stmt
            .query_map(params![&purse_id[..], seq], |r| {
                Ok(SlotRow { transfer_id: r.get(0)?, state: r.get(1)?, bytes: r.get(2)? })
            })?
            .collect::<Result<_, _>>()?)
    }

    fn transfer_bytes(&self, purse_id: &MessageId, seq: u32, id: &MessageId) -> R<Option<Vec<u8>>> {
        self.one_bytes(
            "SELECT bytes FROM transfer WHERE purse_id = ?1 AND seq = ?2 AND transfer_id = ?3",
            params![&purse_id[..], seq, &id[..]],
        )
    }

    fn neighbour(&self, purse_id: &MessageId, seq: u32, above: bool) -> R<Option<Vec<u8>>> {
        let sql = if above {
            "SELECT bytes FROM transfer WHERE purse_id = ?1 AND seq > ?2 ORDER BY seq LIMIT 1"
        } else {
            "SELECT bytes FROM transfer WHERE purse_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT 1"
        };
        self.one_bytes(sql, params![&purse_id[..], seq])
    }

    fn settled_to(&self, purse_id: &MessageId, receiver: &[u8; 32]) -> R<Vec<Vec<u8>>> {
        self.bytes_list(
            "SELECT bytes FROM transfer WHERE purse_id = ?1 AND state = 'settled' AND receiver_key = ?2 ORDER BY seq",
            params![&purse_id[..], &receiver[..]],
        )
    }

    fn insert_receipt(&self, id: &MessageId, bytes: &[u8]) -> R<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO receipt (transfer_id, bytes) VALUES (?1, ?2)")?
            .execute(params![&id[..], bytes])?;
        Ok(())
    }

    fn has_receipt(&self, id: &MessageId) -> R<bool> {
        Ok(self.tx.prepare_cached("SELECT 1 FROM receipt WHERE transfer_id = ?1")?.exists([&id[..]])?)
    }

    fn online_payment_done(&self, payer_id: &str, payment_id: &[u8; 16]) -> R<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM online_payment WHERE payer_id = ?1 AND payment_id = ?2")?
            .exists(params![payer_id, &payment_id[..]])?)
    }

    fn insert_online_payment(
        &self,
        payer_id: &str,
        payment_id: &[u8; 16],
        payee_id: &str,
        amount: i64,
        at: u64,
    ) -> R<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO online_payment (payer_id, payment_id, payee_id, amount, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![payer_id, &payment_id[..], payee_id, amount, i(at)])?;
        Ok(())
    }

    fn last_answer(&self, wallet_key: &[u8; 32]) -> R<Option<LastAnswer>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT request_id, request_hash, seen_up_to, response FROM sync_answer WHERE wallet_key = ?1",
            )?
            .query_row([&wallet_key[..]], |r| {
                Ok(LastAnswer {
                    request_id: r.get(0)?,
                    request_hash: r.get(1)?,
                    seen_up_to: u(r.get(2)?),
                    response: r.get(3)?,
                })
            })
            .optional()?)
    }

    fn put_answer(&self, wallet_key: &[u8; 32], a: &LastAnswer, at: u64) -> R<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO sync_answer (wallet_key, request_id, request_hash, seen_up_to, response, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![&wallet_key[..], a.request_id, a.request_hash, i(a.seen_up_to), a.response, i(at)])?;
        Ok(())
    }

    fn next_seq(&self) -> R<u64> {
        // Under SQLite's single writer (`BEGIN IMMEDIATE`), no other transaction can take it.
        let seq: i64 = self
            .tx
            .prepare_cached("SELECT COALESCE(MAX(seq) + 1, 0) FROM audit")?
            .query_row([], |r| r.get(0))?;
        Ok(u(seq))
    }

    fn insert_leaf(&self, seq: u64, leaf: &[u8], parties: &[&str]) -> R<()> {
        let seq = i(seq);
        self.tx
            .prepare_cached("INSERT INTO audit (seq, leaf) VALUES (?1, ?2)")?
            .execute(params![seq, leaf])?;
        // Most entries concern two members (a payer and a payee), written with one statement.
        match parties {
            [first, second] => {
                self.tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO audit_party (member_id, seq) VALUES (?1, ?3), (?2, ?3)",
                    )?
                    .execute(params![first, second, seq])?;
            }
            parties => {
                let mut insert = self
                    .tx
                    .prepare_cached("INSERT OR IGNORE INTO audit_party (member_id, seq) VALUES (?1, ?2)")?;
                for member in parties {
                    insert.execute(params![member, seq])?;
                }
            }
        }
        Ok(())
    }

    fn for_each_leaf(&self, from: u64, limit: u32, f: &mut dyn FnMut(u64, &[u8]) -> R<()>) -> R<()> {
        let mut stmt =
            self.tx.prepare_cached("SELECT seq, leaf FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2")?;
        let mut rows = stmt.query(params![i(from), limit])?;
        while let Some(row) = rows.next()? {
            let seq = u(row.get::<_, i64>(0)?);
            f(seq, &row.get::<_, Vec<u8>>(1)?)?;
        }
        Ok(())
    }

    fn leaf(&self, seq: u64) -> R<Option<Vec<u8>>> {
        self.one_bytes("SELECT leaf FROM audit WHERE seq = ?1", [i(seq)])
    }

    fn member_leaves(&self, member_id: &str, from: u64, limit: usize) -> R<Vec<MemberLeaf>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT audit_party.seq, audit.leaf FROM audit_party LEFT JOIN audit ON audit.seq = audit_party.seq
             WHERE audit_party.member_id = ?1 AND audit_party.seq >= ?2 ORDER BY audit_party.seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![member_id, i(from), limit as i64], |r| {
            Ok(MemberLeaf { seq: u(r.get::<_, i64>(0)?), leaf: r.get(1)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn log_version(&self) -> R<i64> {
        // Changes when another connection commits to the file: a leaf changed or removed behind
        // the ledger's back is then read afresh.
        Ok(self.tx.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?)
    }

    fn equivocation(&self, proof_id: &[u8; 32]) -> R<Option<u64>> {
        let seq: Option<i64> = self
            .tx
            .prepare_cached("SELECT seq FROM equivocation WHERE proof_id = ?1")?
            .query_row([&proof_id[..]], |r| r.get(0))
            .optional()?;
        Ok(seq.map(u))
    }

    fn insert_equivocation(&self, proof_id: &[u8; 32], seq: u64) -> R<()> {
        self.tx
            .prepare_cached("INSERT INTO equivocation (proof_id, seq) VALUES (?1, ?2)")?
            .execute(params![&proof_id[..], i(seq)])?;
        Ok(())
    }

    fn signed_head(&self) -> R<Option<(u64, [u8; 32])>> {
        let row: Option<(i64, Vec<u8>)> = self
            .tx
            .prepare_cached("SELECT size, root FROM signed_head WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(size, root)| Ok((u(size), key32(root, "a signed root")?))).transpose()
    }

    fn raise_signed_head(&self, size: u64, root: &[u8; 32]) -> R<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO signed_head (id, size, root) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET size = excluded.size, root = excluded.root
                 WHERE excluded.size > signed_head.size",
            )?
            .execute(params![i(size), &root[..]])?;
        Ok(())
    }

    fn reset_signed_head(&self) -> R<()> {
        self.tx.execute("DELETE FROM signed_head", [])?;
        Ok(())
    }

    fn officer(&self, key: &[u8]) -> R<Option<OfficerRow>> {
        let row = self
            .tx
            .query_row(
                "SELECT public_key, name, enrolled_at, removed_at FROM officer WHERE public_key = ?1",
                [key],
                officer_of,
            )
            .optional()?;
        row.map(officer_row).transpose()
    }

    fn active_officers(&self) -> R<Vec<OfficerRow>> {
        let mut stmt = self.tx.prepare(
            "SELECT public_key, name, enrolled_at, removed_at FROM officer WHERE removed_at IS NULL ORDER BY name",
        )?;
        let rows = stmt.query_map([], officer_of)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(officer_row).collect()
    }

    fn upsert_officer(&self, key: &[u8; 32], name: &str, at: u64) -> R<()> {
        self.tx.execute(
            "INSERT INTO officer (public_key, name, enrolled_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (public_key) DO UPDATE SET name = ?2, enrolled_at = ?3, removed_at = NULL",
            params![&key[..], name, i(at)],
        )?;
        Ok(())
    }

    fn remove_officer(&self, key: &[u8; 32], at: u64) -> R<()> {
        self.tx
            .execute("UPDATE officer SET removed_at = ?2 WHERE public_key = ?1", params![&key[..], i(at)])?;
        Ok(())
    }

    fn forget_nonces_before(&self, before: u64) -> R<()> {
        self.tx.execute("DELETE FROM officer_nonce WHERE signed_at < ?1", [i(before)])?;
        Ok(())
    }

    fn insert_nonce(&self, key: &[u8; 32], nonce: &[u8], signed_at: u64) -> R<bool> {
        let fresh = self.tx.execute(
            "INSERT OR IGNORE INTO officer_nonce (officer_key, nonce, signed_at) VALUES (?1, ?2, ?3)",
            params![&key[..], nonce, i(signed_at)],
        )?;
        Ok(fresh == 1)
    }

    fn insert_pending(&self, id: &[u8; 32], p: &PendingRow) -> R<()> {
        self.tx.execute(
            "INSERT INTO pending (id, act, maker, body, made_at, expires_at, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![&id[..], p.act, p.maker, p.body, i(p.made_at), i(p.expires_at), p.state.as_str()],
        )?;
        Ok(())
    }

    fn pending(&self, id: &[u8; 32]) -> R<Option<PendingRow>> {
        type Fields = (String, Vec<u8>, Vec<u8>, i64, i64, PendingState);
        let row: Option<Fields> = self
            .tx
            .query_row(
                "SELECT act, maker, body, made_at, expires_at, state FROM pending WHERE id = ?1",
                [&id[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        Ok(row.map(|(act, maker, body, made_at, expires_at, state)| PendingRow {
            act,
            maker,
            body,
            made_at: u(made_at),
            expires_at: u(expires_at),
            state,
        }))
    }

    fn pending_ids(&self, now: u64) -> R<Vec<[u8; 32]>> {
        let rows = self.bytes_list(
            "SELECT id FROM pending WHERE state = 'pending' AND expires_at >= ?1 ORDER BY made_at, id",
            [i(now)],
        )?;
        rows.into_iter().map(|id| key32(id, "a pending id")).collect()
    }

    fn close_pending(&self, id: &[u8; 32], state: PendingState, closed_by: Option<&[u8; 32]>) -> R<()> {
        self.tx.execute(
            "UPDATE pending SET state = ?2, closed_by = ?3 WHERE id = ?1",
            params![&id[..], state.as_str(), closed_by.map(|k| &k[..])],
        )?;
        Ok(())
    }

    fn insert_approval(&self, id: &[u8; 32], officer_key: &[u8; 32], signed: &[u8], at: u64) -> R<()> {
        self.tx.execute(
            "INSERT INTO pending_approval (id, officer_key, signed, at) VALUES (?1, ?2, ?3, ?4)",
            params![&id[..], &officer_key[..], signed, i(at)],
        )?;
        Ok(())
    }

    fn approvals(&self, id: &[u8; 32]) -> R<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT officer_key, signed FROM pending_approval WHERE id = ?1 ORDER BY at, officer_key",
        )?;
        Ok(stmt.query_map([&id[..]], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?)
    }

    fn passkey(&self, public_key: &[u8]) -> R<Option<PasskeyRow>> {
        Ok(self
            .tx
            .query_row(
                "SELECT officer_key, link, counter, linked_at FROM officer_passkey
                 WHERE public_key = ?1",
                [public_key],
                passkey_of,
            )
            .optional()?)
    }

    fn passkeys_of(&self, officer_key: &[u8; 32]) -> R<Vec<PasskeyRow>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT officer_key, link, counter, linked_at FROM officer_passkey
             WHERE officer_key = ?1 ORDER BY linked_at, public_key",
        )?;
        Ok(stmt.query_map([&officer_key[..]], passkey_of)?.collect::<Result<_, _>>()?)
    }

    fn insert_passkey(&self, public_key: &[u8], officer_key: &[u8; 32], link: &[u8], at: u64) -> R<()> {
        self.tx.execute(
            "INSERT INTO officer_passkey (public_key, officer_key, link, linked_at) VALUES (?1, ?2, ?3, ?4)",
            params![public_key, &officer_key[..], link, i(at)],
        )?;
        Ok(())
    }

    fn set_passkey_counter(&self, public_key: &[u8], counter: i64) -> R<()> {
        self.tx.execute(
            "UPDATE officer_passkey SET counter = ?2 WHERE public_key = ?1",
            params![public_key, counter],
        )?;
        Ok(())
    }

    fn export(&self) -> R<Rows> {
        let mut out = Vec::new();
        for (table, columns) in TABLES {
            let sql = format!("SELECT {} FROM {table} ORDER BY rowid", columns.join(", "));
            let mut stmt = self.tx.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            let mut copied = Vec::new();
            while let Some(row) = rows.next()? {
                let mut values = Vec::with_capacity(columns.len());
                for c in 0..columns.len() {
                    values.push(match row.get_ref(c)? {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(v) => Value::Int(v),
                        rusqlite::types::ValueRef::Text(t) => {
                            Value::Text(String::from_utf8_lossy(t).into_owned())
                        }
                        rusqlite::types::ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
                        rusqlite::types::ValueRef::Real(_) => {
                            return Err(inconsistent(&format!("a real number in {table}")));
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
        for (table, copied) in rows {
            let columns = TABLES.iter().find(|(t, _)| t == table).map(|(_, c)| *c).unwrap_or_default();
            let marks: Vec<String> = (1..=columns.len()).map(|n| format!("?{n}")).collect();
            let sql = format!("INSERT INTO {table} ({}) VALUES ({})", columns.join(", "), marks.join(", "));
            let mut stmt = self.tx.prepare(&sql)?;
            for values in copied {
                let params: Vec<rusqlite::types::Value> = values
                    .iter()
                    .map(|v| match v {
                        Value::Null => rusqlite::types::Value::Null,
                        Value::Int(v) => rusqlite::types::Value::Integer(*v),
                        Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
                        Value::Bytes(b) => rusqlite::types::Value::Blob(b.clone()),
                    })
                    .collect();
                stmt.execute(rusqlite::params_from_iter(params))?;
            }
        }
        Ok(())
    }
}

fn passkey_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<PasskeyRow> {
    Ok(PasskeyRow {
        officer_key: r.get(0)?,
        link: r.get(1)?,
        counter: r.get(2)?,
        linked_at: r.get::<_, i64>(3)?.max(0) as u64,
    })
}
