//! The ledger's database as an insider with access to it opens it: another connection, beside
//! the running ledger or while it is stopped, that edits rows, copies the database and puts the
//! copy back. On SQLite that is `ledger.db` in the ledger's directory; on PostgreSQL the
//! database the ledger was given, through the `postgres` client. The same edits are written in
//! each dialect, so a suite asserts the same detection (the ledger refusing, the invariants, the
//! offline audit) on both backends. Loaded by `support` and, with `#[path]`, by suites that use
//! `common` alone.
#![allow(dead_code)] // each test file uses a different part of this module

use std::path::{Path, PathBuf};

use outpost_ledger::Database;

/// A connection to a ledger's database from outside the ledger.
pub enum Insider {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

impl Insider {
    /// The database of a ledger opened in `dir` on `database`.
    pub fn open(dir: &Path, database: &Database) -> Insider {
        match database {
            Database::Sqlite => Insider::Sqlite(rusqlite::Connection::open(dir.join("ledger.db")).unwrap()),
            Database::Postgres(url) => {
                Insider::Postgres(postgres::Client::connect(url, postgres::NoTls).unwrap())
            }
        }
    }

    /// The database of the `outpost-ledger` process `common::Server` started on `dir`: the
    /// PostgreSQL database named in `dir/postgres.url` when there is one, else `ledger.db`.
    pub fn of_server(dir: &Path) -> Insider {
        Insider::open(dir, &super::database::server_database(dir))
    }

    /// Runs one statement written the same in both dialects; the rows it changed.
    pub fn execute(&mut self, sql: &str) -> u64 {
        match self {
            Insider::Sqlite(db) => db.execute(sql, []).unwrap() as u64,
            Insider::Postgres(db) => db.execute(sql, &[]).unwrap(),
        }
    }

    /// The one integer `sql` selects.
    pub fn number(&mut self, sql: &str) -> i64 {
        match self {
            Insider::Sqlite(db) => db.query_row(sql, [], |r| r.get(0)).unwrap(),
            Insider::Postgres(db) => db.query_one(sql, &[]).unwrap().get(0),
        }
    }

    /// The stored bytes of the log's entry at `seq`.
    pub fn leaf(&mut self, seq: i64) -> Vec<u8> {
        match self {
            Insider::Sqlite(db) => {
                db.query_row("SELECT leaf FROM audit WHERE seq = ?1", [seq], |r| r.get(0)).unwrap()
            }
            Insider::Postgres(db) => {
                db.query_one("SELECT leaf FROM audit WHERE seq = $1", &[&seq]).unwrap().get(0)
            }
        }
    }

    /// Replaces the stored bytes of the log's entry at `seq`.
    pub fn set_leaf(&mut self, seq: i64, leaf: &[u8]) {
        let changed = match self {
            Insider::Sqlite(db) => db
                .execute("UPDATE audit SET leaf = ?2 WHERE seq = ?1", rusqlite::params![seq, leaf])
                .unwrap() as u64,
            Insider::Postgres(db) => {
                db.execute("UPDATE audit SET leaf = $2 WHERE seq = $1", &[&seq, &leaf]).unwrap()
            }
        };
        assert_eq!(changed, 1, "entry {seq} is stored");
    }

    /// Writes `word` as the state of every row of `table`, past the schema's check of the words
    /// the ledger knows: what an insider, or a newer ledger's states, can leave there.
    pub fn write_state_word(&mut self, table: &str, word: &str) {
        match self {
            Insider::Sqlite(db) => {
                db.execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
                db.execute(&format!("UPDATE {table} SET state = ?1"), [word]).unwrap();
            }
            Insider::Postgres(db) => {
                // A column's CHECK is named `{table}_{column}_check` when the schema names none.
                db.batch_execute(&format!("ALTER TABLE {table} DROP CONSTRAINT {table}_state_check"))
                    .unwrap();
                db.execute(&format!("UPDATE {table} SET state = $1"), &[&word]).unwrap();
            }
        }
    }

    /// Adds a passkey row for `officer_key` that no `PasskeyLinked` entry of the log accounts for.
    pub fn plant_passkey(&mut self, public_key: &[u8], officer_key: &[u8], link: &[u8]) {
        match self {
            Insider::Sqlite(db) => db
                .execute(
                    "INSERT INTO officer_passkey (public_key, officer_key, link, linked_at) VALUES (?1, ?2, ?3, 0)",
                    rusqlite::params![public_key, officer_key, link],
                )
                .map(drop)
                .unwrap(),
            Insider::Postgres(db) => db
                .execute(
                    "INSERT INTO officer_passkey (public_key, officer_key, link, linked_at) VALUES ($1, $2, $3, 0)",
                    &[&public_key, &officer_key, &link],
                )
                .map(drop)
                .unwrap(),
        }
    }
}

/// A copy of a stopped ledger's database, as a backup taken then.
pub enum Backup {
    Sqlite(PathBuf),
    Postgres { server: String, name: String },
}

/// Copies the database of the ledger in `dir` on `database`. The ledger must be stopped (dropped):
/// PostgreSQL copies a database only while nobody is connected to it.
pub fn backup(dir: &Path, database: &Database) -> Backup {
    match database {
        Database::Sqlite => {
            let copy = dir.join("backup.db");
            let db = rusqlite::Connection::open(dir.join("ledger.db")).unwrap();
            db.execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
            Backup::Sqlite(copy)
        }
        Database::Postgres(url) => {
            let (server, name) = server_and_name(url);
            let copy = format!("{name}_backup");
            let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
            admin.batch_execute(&format!("CREATE DATABASE {copy} TEMPLATE {name}")).unwrap();
            Backup::Postgres { server, name: copy }
        }
    }
}

/// Puts `backup` back in place of the database of the (stopped) ledger in `dir` on `database`,
/// which keeps its name or path: what restoring an older copy does.
pub fn restore(dir: &Path, database: &Database, backup: Backup) {
    match (database, backup) {
        (Database::Sqlite, Backup::Sqlite(copy)) => {
            for name in ["ledger.db-wal", "ledger.db-shm"] {
                let _ = std::fs::remove_file(dir.join(name));
            }
            std::fs::copy(copy, dir.join("ledger.db")).unwrap();
        }
        (Database::Postgres(url), Backup::Postgres { server, name: copy }) => {
            let (_, name) = server_and_name(url);
            let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
            admin.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)")).unwrap();
            admin.batch_execute(&format!("ALTER DATABASE {copy} RENAME TO {name}")).unwrap();
        }
        _ => panic!("a backup is restored on the backend it was taken from"),
    }
}

/// The URL of the server's `postgres` database (to create, copy and drop others from), and the
/// database's name.
fn server_and_name(url: &str) -> (String, String) {
    let (base, name) = url.rsplit_once('/').unwrap();
    (format!("{base}/postgres"), name.to_owned())
}
