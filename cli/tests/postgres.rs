//! `outpost ledger serve` and `outpost demo` with `--database postgres://…`. Needs the throwaway
//! PostgreSQL of scripts/postgres.sh (`OUTPOST_TEST_POSTGRES`): without it each test skips,
//! saying so, unless `OUTPOST_LEDGER_BACKEND=postgres` asked for PostgreSQL, when it fails.

mod support;

use std::process::Command;

use predicates::str::contains;
use support::{LedgerServer, stdout};

const PIN: &str = "482916";

/// A fresh, empty database on the test server, or `None` (skip) when there is no server.
fn fresh_database(test: &str) -> Option<String> {
    let server = match std::env::var("OUTPOST_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            assert_ne!(
                std::env::var("OUTPOST_LEDGER_BACKEND").as_deref(),
                Ok("postgres"),
                "OUTPOST_LEDGER_BACKEND=postgres but OUTPOST_TEST_POSTGRES is not set: run through \
                 scripts/postgres.sh"
            );
            eprintln!("SKIPPED: {test} needs PostgreSQL: run it through scripts/postgres.sh");
            return None;
        }
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let name = format!("cli_{}_{nanos}", std::process::id());
    let mut client = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

#[test]
fn the_demo_runs_every_check_with_its_ledger_on_postgresql() {
    let Some(url) = fresh_database("the demo on PostgreSQL") else { return };
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_outpost"))
        .args(["demo", "--json", "--database", &url, "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("\"checks_failed\":0"), "{text}");
    assert!(text.contains("PostgreSQL"), "the demo says where its ledger is: {text}");
    assert!(dir.join("ledger/ledger.key").is_file());
    assert!(!dir.join("ledger/ledger.db").exists(), "the ledger's rows are in PostgreSQL, not SQLite");
}

#[test]
fn ledger_serve_keeps_its_books_in_postgresql_across_a_restart() {
    let Some(url) = fresh_database("ledger serve on PostgreSQL") else { return };
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let hq = LedgerServer::start_with(dir, &["--database", &url]);
    hq.paid_member(dir, "aiko.wallet", PIN, "AIKO-0001", 50_000);
    assert!(!dir.join("hq/ledger.db").exists(), "no SQLite file beside the key");
    let key = hq.key.clone();
    drop(hq);

    // Started again on the same directory and database: the same ledger, Aiko still paid.
    let hq = LedgerServer::start_with(dir, &["--database", &url]);
    assert_eq!(hq.key, key);
    let members = hq.officer(dir, &["members"]).assert().success().get_output().clone();
    let members = stdout(&members);
    assert!(members.contains("AIKO-0001") && members.contains("50,000"), "{members}");

    // A URL that is not PostgreSQL's is refused before anything starts.
    support::outpost(dir)
        .args(["ledger", "serve", "--dir", "other", "--database", "mysql://x"])
        .assert()
        .failure()
        .stderr(contains("--database mysql://x is not a postgres:// URL"));
}

/// `outpost bench --backends-only --quick` given a server: the ledger's syncs on SQLite, on
/// PostgreSQL with one `outpost ledger serve` process and with two on one database, each a
/// figure; the bench's databases are dropped afterwards.
#[test]
fn bench_backends_measures_postgresql_with_one_and_two_processes() {
    let Some(url) = fresh_database("bench --backends-only on PostgreSQL") else { return };
    let (server, _) = url.rsplit_once('/').unwrap();
    let server = format!("{server}/postgres");
    let temp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_outpost"))
        .args(["bench", "--backends-only", "--quick", "--json", "--postgres", &server, "--dir"])
        .arg(temp.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(text.trim()).expect("stdout is one JSON object");
    for (name, processes) in [("sqlite", 1), ("postgres_1", 1), ("postgres_2", 2)] {
        let c = &json["backends"][name];
        assert_eq!(c["processes"].as_u64(), Some(processes), "{name}: {text}");
        for key in ["small_syncs_per_s", "full_syncs_per_s", "settle_share"] {
            assert!(c[key].as_f64().is_some_and(|v| v > 0.0), "{name}.{key}: {text}");
        }
    }
    for key in ["database_cpu_ms", "database_bytes", "wal_bytes"] {
        assert!(
            json["backends"]["postgres_2"]["full"][key].as_f64().is_some_and(|v| v > 0.0),
            "{key}: {text}"
        );
    }
    let mut client = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    let left: i64 = client
        .query_one("SELECT count(*) FROM pg_database WHERE datname LIKE 'outpost_bench_%'", &[])
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the bench dropped the databases it made");
}
