//! `outpost bench --json` as a script runs it: one JSON object on stdout carrying every figure
//! the README's performance section reports. What the figures are is not asserted (speed is for
//! the benchmark to measure, not for a test to guess); that they are all there, and sane, is.

mod support;

use support::{outpost, stdout};

#[test]
fn bench_json_is_one_object_with_every_figure() {
    let dir = tempfile::tempdir().unwrap();
    let output = outpost(dir.path()).args(["bench", "--quick", "--json", "--dir", "data"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = stdout(&output);
    let json: serde_json::Value = serde_json::from_str(text.trim()).expect("stdout is one JSON object");
    for key in [
        "pay_ratio",
        "accept_ratio",
        "settle_per_s",
        "verify_limit_per_s",
        "open_ms",
        "balance_ms",
        "history_page_ms",
        "unlock_ms",
    ] {
        let figure = json[key].as_f64().unwrap_or_else(|| panic!("{key} missing or not a number: {text}"));
        assert!(figure.is_finite() && figure > 0.0, "{key} = {figure}");
    }
    assert_eq!(json["history_entries"].as_u64(), Some(50_000), "{text}");
    for kind in ["enrolment", "payment_request", "transfer", "receipt", "purse_certificate"] {
        let version =
            json["qr"][kind]["version"].as_u64().unwrap_or_else(|| panic!("qr.{kind} missing: {text}"));
        assert!((1..=40).contains(&version), "qr.{kind}.version = {version}");
    }
    assert!(json["qr"]["transfer"]["version"].as_u64() <= Some(15), "the transfer QR fits version 15-M");
    assert!(dir.path().join("data").is_dir(), "the fixture is kept in --dir for the next run");
}

/// `outpost bench --backends-only --json`: the ledger's syncs on SQLite, and on PostgreSQL with
/// one and two `outpost ledger serve` processes when a server is given (scripts/postgres.sh sets
/// `OUTPOST_TEST_POSTGRES`); a configuration not measured is `null`, never a guess.
#[test]
fn bench_backends_reports_syncs_and_settle_share_for_each_backend_measured() {
    let dir = tempfile::tempdir().unwrap();
    let postgres = std::env::var("OUTPOST_TEST_POSTGRES").ok().filter(|url| !url.trim().is_empty());
    let output =
        outpost(dir.path()).args(["bench", "--backends-only", "--quick", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = stdout(&output);
    let json: serde_json::Value = serde_json::from_str(text.trim()).expect("stdout is one JSON object");
    let backends = &json["backends"];
    let measured: &[&str] =
        if postgres.is_some() { &["sqlite", "postgres_1", "postgres_2"] } else { &["sqlite"] };
    for name in measured {
        let c = &backends[name];
        for key in
            ["small_syncs_per_s", "full_syncs_per_s", "settle_per_s", "verify_limit_per_s", "settle_share"]
        {
            let figure = c[key].as_f64().unwrap_or_else(|| panic!("{name}.{key} missing: {text}"));
            assert!(figure.is_finite() && figure > 0.0, "{name}.{key} = {figure}");
        }
        assert!(c["small"]["ledger_cpu_ms"].as_f64().is_some(), "{name}: {text}");
        assert!(c["lock_held_small_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{name}: {text}");
        assert_eq!(c["small"]["database_bytes"].is_null(), *name == "sqlite", "{name}: {text}");
    }
    assert_eq!(backends["postgres_2"]["processes"].as_u64(), postgres.as_ref().map(|_| 2), "{text}");
    if postgres.is_none() {
        assert!(backends["postgres_1"].is_null() && backends["postgres_2"].is_null(), "{text}");
    }
}
