//! `outpost-ledger migrate`: an SQLite ledger that has members, credits, settled offline
//! payments and a caught double spend is copied into an empty PostgreSQL database by the real
//! binary, and the copy is the same ledger: the same log entry for entry, the same root, the same
//! members, purses and flags, the invariants and the offline audit pass, and it goes on serving
//! the same wallets. Needs the PostgreSQL of scripts/postgres.sh (`OUTPOST_TEST_POSTGRES`).

mod support;

use std::process::Command;
use std::sync::Arc;

use outpost_ledger::{Database, EntryKind, Ledger, LedgerError, Policy};
use outpost_wallet_core::Currency;
use support::{Unit, pay, yen};

#[test]
fn an_sqlite_ledger_with_payments_and_a_double_spend_is_copied_into_postgresql_and_proved() {
    let Some(server) = support::postgres_server() else {
        eprintln!("SKIPPED: the migrate test needs PostgreSQL: run it through scripts/postgres.sh");
        return;
    };
    let unit = Unit::sqlite_now();
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    let chie = unit.member("chie", "CHIE-0003");
    for id in ["AIKO-0001", "BEN-0002", "CHIE-0003"] {
        unit.ledger.credit(id, yen(50_000), "November pay").unwrap();
    }
    for wallet in [&aiko, &ben, &chie] {
        unit.load_purse(wallet, 10_000);
    }
    // Settled payments, then a double spend: Aiko pays Ben, restores her wallet file and pays
    // Chie from the same purse.
    pay(&ben, &chie, 1_500, true);
    let aiko = unit.restore_after(aiko, |aiko| {
        pay(aiko, &ben, 6_000, true);
    });
    pay(&aiko, &chie, 6_000, true);
    for wallet in [&ben, &chie, &aiko] {
        unit.sync(wallet);
    }
    let entries = unit.ledger.audit_entries(0, u32::MAX).unwrap();
    assert!(entries.iter().any(|e| e.kind == EntryKind::DoubleSpend), "a double spend to copy");
    assert!(unit.ledger.member("AIKO-0001").unwrap().flagged);

    let members = unit.ledger.members().unwrap();
    let purses: Vec<_> = members.iter().map(|m| unit.ledger.purses(&m.member_id).unwrap()).collect();
    let flags = unit.ledger.flags().unwrap();
    let root = unit.ledger.audit_root().unwrap();
    let report = unit.ledger.check_invariants().unwrap();
    let credited = unit.ledger.total_credited_minor().unwrap();

    let ledger_dir = unit.dir.path().join("ledger");
    let url = support::fresh_postgres_database(&server);
    let output = Command::new(env!("CARGO_BIN_EXE_outpost-ledger"))
        .arg("--dir")
        .arg(&ledger_dir)
        .args(["--database", &url, "migrate"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "migrate failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        stdout.contains(&format!("Both logs hold {} entries", root.0)) && stdout.contains("pass on both"),
        "{stdout}"
    );

    // The copy, opened on PostgreSQL with the same directory (key and checkpoint file).
    let copy = Arc::new(
        Ledger::open_on(
            &ledger_dir,
            &Database::Postgres(url.clone()),
            Currency::JPY,
            unit.clock.clone(),
            Policy::default(),
        )
        .unwrap(),
    );
    assert_eq!(copy.backend(), "postgres");
    assert_eq!(copy.public_key(), unit.ledger.public_key());
    assert_eq!(copy.audit_entries(0, u32::MAX).unwrap(), entries, "the same leaves");
    assert_eq!(copy.audit_root().unwrap(), root, "the same root");
    assert_eq!(copy.members().unwrap(), members);
    let copied: Vec<_> = members.iter().map(|m| copy.purses(&m.member_id).unwrap()).collect();
    assert_eq!(copied, purses);
    assert_eq!(copy.flags().unwrap(), flags);
    assert_eq!(copy.total_credited_minor().unwrap(), credited);
    assert_eq!(copy.check_invariants().unwrap(), report, "invariants and the offline audit pass");

    // A second migrate into the same database is refused: it copies only into an empty one.
    let again = Command::new(env!("CARGO_BIN_EXE_outpost-ledger"))
        .arg("--dir")
        .arg(&ledger_dir)
        .args(["--database", &url, "migrate"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a ledger"));

    // The copy serves the same wallets from where the SQLite ledger stopped: a payment settles
    // on it, and the books still balance.
    let on_copy = support::InProcess(copy.clone());
    let chie_before = copy.member("CHIE-0003").unwrap().balance_minor;
    pay(&ben, &chie, 500, true);
    ben.sync(&on_copy, &Default::default()).unwrap();
    chie.sync(&on_copy, &Default::default()).unwrap();
    assert_eq!(copy.member("CHIE-0003").unwrap().balance_minor, chie_before + 500, "settled once");
    let after = copy.check_invariants().unwrap();
    assert_eq!(after.accounts + after.purses, after.credited + after.losses);
    assert!(copy.audit_root().unwrap().0 > root.0, "the copy's log grows from the copied one");

    // The SQLite original, left behind in the same directory, signs nothing any more: the
    // checkpoint file holds what the copy signed since, which its log does not extend.
    unit.tampered.set(true);
    let err = unit.ledger.check_invariants().unwrap_err();
    assert!(matches!(err, LedgerError::Equivocation { .. }), "{err}");
}
