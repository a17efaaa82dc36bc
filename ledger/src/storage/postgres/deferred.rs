//! Writes a PostgreSQL transaction holds back and sends in batches (docs/adr/0019, "Fewer round
//! trips"): each statement is a loopback round trip taken while `log_head` is locked, and a full
//! sync settles hundreds of transfers, each an insert into `transfer`, a payment out of its purse
//! and a log leaf with its parties.
//!
//! What is held back:
//! - the log's appends: the leaves, their parties and `log_head.next_seq`, which the transaction
//!   locked when it began and so alone moves until it ends;
//! - new `transfer` rows;
//! - payments out of purses, added up per purse (they only subtract from `outstanding`, which
//!   cannot go below zero, and add to `settled`, so their sum fails exactly when one of them
//!   would have), and the purse rows the transaction read, kept with those payments applied.
//!
//! The invariant: no statement ever runs against a table with writes still held back for it.
//! Every statement names the tables it touches ([`Tables::of`], from its SQL text, once per
//! prepared statement); before it runs, what is held for those tables is written. A purse read
//! is the one exception, and it reads through: the stored row plus the payments held for it.
//! The check reads only the SQL's words: a statement added later that reaches `audit`,
//! `audit_party`, `log_head`, `transfer` or `purse` through a view, a function or a trigger of
//! another table must name that table too (a comment in the SQL will do).
//! Commit writes everything first; a batch that fails fails the transaction, which rolls back
//! whole, so nothing is ever half-written and nothing is answered before it is durable.

use std::collections::{BTreeMap, HashMap};

use outpost_wallet_core::protocol::MessageId;

use crate::storage::{NewTransfer, PurseRow};

/// The tables a statement touches, among those writes may be held back for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Tables {
    /// `audit`, `audit_party` or `log_head`.
    pub log: bool,
    pub transfer: bool,
    pub purse: bool,
    /// The statement may change rows (anything but a `SELECT`).
    pub writes: bool,
}

impl Tables {
    /// Reads the SQL's words: a table's name as a whole word (`purse`, not `purse_id`) counts,
    /// wherever it stands, so a statement is taken to touch a table whenever it might.
    pub fn of(sql: &str) -> Tables {
        let mut tables = Tables {
            writes: !sql.trim_start().get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select")),
            ..Tables::default()
        };
        for word in sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            match word.to_ascii_lowercase().as_str() {
                "audit" | "audit_party" | "log_head" => tables.log = true,
                "transfer" => tables.transfer = true,
                "purse" => tables.purse = true,
                _ => {}
            }
        }
        tables
    }
}

/// The log's head as this transaction has moved it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Head {
    /// `log_head.next_seq` as stored.
    pub stored: i64,
    /// The position the next leaf takes.
    pub next: i64,
}

/// What one transaction holds back.
#[derive(Default)]
pub(super) struct Deferred {
    /// Known once read (a write transaction reads it as it locks the row).
    pub head: Option<Head>,
    pub leaves: Vec<(i64, Vec<u8>)>,
    pub parties: Vec<(String, i64)>,
    pub transfers: Vec<NewTransfer>,
    /// Per purse, what was paid out of what it holds and what was paid in all; ordered, so that
    /// the rows are updated in the same order on every run.
    pub payments: BTreeMap<MessageId, (i64, i64)>,
    /// Purse rows as they stand in this transaction, payments held back included.
    pub purses: HashMap<MessageId, PurseRow>,
}

impl Deferred {
    pub fn log_held(&self) -> bool {
        !self.leaves.is_empty() || self.head.is_some_and(|h| h.stored != h.next)
    }

    /// A payment out of a purse: held, and applied to the purse's row if it was read.
    pub fn pay(&mut self, purse_id: &MessageId, from_purse: i64, amount: i64) {
        let held = self.payments.entry(*purse_id).or_insert((0, 0));
        held.0 += from_purse;
        held.1 += amount;
        if let Some(row) = self.purses.get_mut(purse_id) {
            row.outstanding -= from_purse;
            row.settled += amount;
        }
    }

    /// A purse row as stored, with the payments held for it applied.
    pub fn read_through(&self, mut row: PurseRow) -> PurseRow {
        if let Some((from_purse, amount)) = self.payments.get(&row.purse_id) {
            row.outstanding -= from_purse;
            row.settled += amount;
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::Tables;

    #[test]
    fn a_statement_touches_the_tables_it_names_as_whole_words() {
        let t = Tables::of("SELECT bytes FROM transfer WHERE purse_id = $1 ORDER BY seq DESC LIMIT 1");
        assert_eq!(t, Tables { transfer: true, ..Tables::default() });
        let t = Tables::of("UPDATE purse SET state = $2 WHERE purse_id = $1");
        assert_eq!(t, Tables { purse: true, writes: true, ..Tables::default() });
        let t = Tables::of(
            "SELECT audit_party.seq, audit.leaf FROM audit_party LEFT JOIN audit ON audit.seq = audit_party.seq",
        );
        assert_eq!(t, Tables { log: true, ..Tables::default() });
        let t = Tables::of("  select x,(SELECT SUM(outstanding) FROM PURSE) FROM member");
        assert_eq!(t, Tables { purse: true, ..Tables::default() });
        let t = Tables::of("INSERT INTO receipt (transfer_id, bytes) VALUES ($1, $2)");
        assert_eq!(t, Tables { writes: true, ..Tables::default() });
    }
}
