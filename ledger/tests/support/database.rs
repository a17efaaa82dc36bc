//! Which database the ledger's suites run on: SQLite by default, PostgreSQL with
//! `OUTPOST_LEDGER_BACKEND=postgres` (scripts/test-all.sh runs them a second time that way, beside
//! the throwaway server scripts/postgres.sh starts). Shared by `support` (the ledger in-process)
//! and `common` (the `outpost-ledger` binary).
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::AtomicU64;

/// The database a test ledger runs on: SQLite in its directory, or, with
/// `OUTPOST_LEDGER_BACKEND=postgres`, a fresh database on the PostgreSQL at
/// `OUTPOST_TEST_POSTGRES` (scripts/postgres.sh starts one and sets it; scripts/test-all.sh runs
/// the ledger's suites a second time that way).
pub fn test_database() -> outpost_ledger::Database {
    if !on_postgres() {
        return outpost_ledger::Database::Sqlite;
    }
    outpost_ledger::Database::Postgres(fresh_postgres_database(&postgres_server().unwrap()))
}

/// Whether the suite is asked to run on PostgreSQL (`OUTPOST_LEDGER_BACKEND=postgres`). Any other
/// value than `postgres` or `sqlite` is refused rather than read as SQLite.
pub fn on_postgres() -> bool {
    match std::env::var("OUTPOST_LEDGER_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(std::env::VarError::NotPresent) => false,
        Ok(other) => panic!("OUTPOST_LEDGER_BACKEND={other}: only postgres or sqlite"),
        Err(e) => panic!("OUTPOST_LEDGER_BACKEND: {e}"),
    }
}

/// The PostgreSQL server tests may create databases on (`OUTPOST_TEST_POSTGRES`, set by
/// scripts/postgres.sh). When the suite is asked to run on PostgreSQL and there is none, the
/// test fails: it never falls back to SQLite silently. Otherwise `None`, and the caller skips
/// what needs PostgreSQL, saying so.
pub fn postgres_server() -> Option<String> {
    match std::env::var("OUTPOST_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if on_postgres() => panic!(
            "OUTPOST_LEDGER_BACKEND=postgres but OUTPOST_TEST_POSTGRES is not set: run the suite \
             through scripts/postgres.sh, which starts a throwaway PostgreSQL and sets it"
        ),
        _ => None,
    }
}

/// Creates an empty database on the server at `url` and returns its URL.
pub fn fresh_postgres_database(url: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let name = format!(
        "t_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let url = url.to_owned();
    let created = name.clone();
    // The client blocks on a runtime of its own: not on a test's async runtime thread.
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute(&format!("CREATE DATABASE {created}")).unwrap();
        let (base, _) = url.rsplit_once('/').unwrap();
        format!("{base}/{created}")
    })
    .join()
    .unwrap()
}

/// The `--database` arguments for an `outpost-ledger` started on `dir`: none on SQLite; on
/// PostgreSQL a fresh database the first time, remembered in `dir/postgres.url` so that a
/// restart on the same directory finds the same ledger.
pub fn database_args(dir: &Path) -> Vec<String> {
    if !on_postgres() {
        return Vec::new();
    }
    let file = dir.join("postgres.url");
    let url = match std::fs::read_to_string(&file) {
        Ok(url) => url,
        Err(_) => {
            let url = fresh_postgres_database(&postgres_server().unwrap());
            std::fs::write(&file, &url).unwrap();
            url
        }
    };
    vec!["--database".to_owned(), url]
}

/// The database of the `outpost-ledger` process `common::Server` started on `dir`: the
/// PostgreSQL database named in `dir/postgres.url` when there is one, else `ledger.db`.
pub fn server_database(dir: &Path) -> outpost_ledger::Database {
    match std::fs::read_to_string(dir.join("postgres.url")) {
        Ok(url) => outpost_ledger::Database::Postgres(url.trim().to_owned()),
        Err(_) => outpost_ledger::Database::Sqlite,
    }
}
