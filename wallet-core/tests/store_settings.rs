//! The one place that opens a wallet file sets it up for money: WAL, full fsync on commit,
//! foreign keys, a busy timeout, and the schema recorded in the file.

mod common;

use common::Fixture;
use outpost_wallet_core::store::{APPLICATION_ID, SCHEMA_VERSION, Store};

#[test]
fn an_opened_wallet_file_uses_wal_full_sync_and_foreign_keys() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let store = Store::open(&path).unwrap();
    let conn = store.conn();
    let get = |pragma: &str| -> String {
        conn.pragma_query_value(None, pragma, |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
    };
    assert_eq!(get("journal_mode"), "wal");
    assert_eq!(get("synchronous"), "2", "2 is FULL");
    assert_eq!(get("foreign_keys"), "1");
    assert_eq!(get("busy_timeout"), "5000");
    assert_eq!(get("application_id"), APPLICATION_ID.to_string());
    assert_eq!(get("user_version"), SCHEMA_VERSION.to_string());
}

#[test]
fn every_table_that_holds_secrets_or_money_stores_only_sealed_blobs() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let conn = common::sql(&path);
    for table in ["secret", "balance", "event", "log_head"] {
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(columns.last().map(String::as_str), Some("sealed"), "{table}: {columns:?}");
        assert_eq!(columns.len(), 2, "{table} has one address column and one sealed blob: {columns:?}");
    }
}
