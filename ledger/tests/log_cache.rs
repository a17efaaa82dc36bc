//! What the ledger keeps derived from its audit log between calls (the Merkle tree and the risk
//! flags) is always what recomputing it from the stored log gives: after many syncs, in a ledger
//! opened afresh on the same files, after an edit made through another connection while the
//! ledger runs, and after a sync that rolled back once it had answered.

mod support;

use outpost_ledger::{AuditEntry, Database, EntryKind, Ledger, Policy};
use outpost_wallet_core::merkle::{self, Hash};
use outpost_wallet_core::{Currency, SyncOptions};
use support::{Unit, pay};

/// The size and root of the log as stored, every entry hashed afresh.
fn stored_root(ledger: &Ledger) -> (u64, Hash) {
    let leaves: Vec<Hash> =
        ledger.audit_entries(0, u32::MAX).unwrap().iter().map(AuditEntry::leaf_hash).collect();
    (leaves.len() as u64, merkle::root(&leaves))
}

/// Another connection to the unit's database, as someone with access to it would open one.
enum Other {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

fn database(unit: &Unit) -> Other {
    match &unit.database {
        Database::Sqlite => {
            Other::Sqlite(rusqlite::Connection::open(unit.dir.path().join("ledger/ledger.db")).unwrap())
        }
        Database::Postgres(url) => Other::Postgres(postgres::Client::connect(url, postgres::NoTls).unwrap()),
    }
}

impl Other {
    fn last_leaf(&mut self) -> Vec<u8> {
        let sql = "SELECT leaf FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)";
        match self {
            Other::Sqlite(db) => db.query_row(sql, [], |r| r.get(0)).unwrap(),
            Other::Postgres(db) => db.query_one(sql, &[]).unwrap().get(0),
        }
    }

    fn set_leaf(&mut self, seq: u64, leaf: &[u8]) {
        match self {
            Other::Sqlite(db) => {
                db.execute("UPDATE audit SET leaf = ?1 WHERE seq = ?2", rusqlite::params![leaf, seq as i64])
                    .unwrap();
            }
            Other::Postgres(db) => {
                db.execute("UPDATE audit SET leaf = $1 WHERE seq = $2", &[&leaf, &(seq as i64)]).unwrap();
            }
        }
    }

    /// Makes every stored sync answer fail with "disk full" (`true`), or no longer (`false`).
    fn refuse_answers(&mut self, refuse: bool) {
        match (self, refuse) {
            (Other::Sqlite(db), true) => db
                .execute_batch(
                    "CREATE TRIGGER refuse_answers BEFORE INSERT ON sync_answer \
                     BEGIN SELECT RAISE(ABORT, 'disk full'); END",
                )
                .unwrap(),
            (Other::Sqlite(db), false) => db.execute_batch("DROP TRIGGER refuse_answers").unwrap(),
            (Other::Postgres(db), true) => db
                .batch_execute(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'disk full'; END $$; \
                     CREATE TRIGGER refuse_answers BEFORE INSERT OR UPDATE ON sync_answer \
                     FOR EACH ROW EXECUTE FUNCTION refuse();",
                )
                .unwrap(),
            (Other::Postgres(db), false) => db
                .batch_execute("DROP TRIGGER refuse_answers ON sync_answer; DROP FUNCTION refuse();")
                .unwrap(),
        }
    }
}

fn busy_policy() -> Policy {
    let mut policy = Policy::default();
    policy.risk.velocity_max_payments = 2;
    policy
}

#[test]
fn the_tree_and_flags_kept_across_many_syncs_are_those_of_the_stored_log_and_of_a_fresh_ledger() {
    let unit = Unit::with_policy(busy_policy());
    let aiko = unit.member("aiko", "AIKO-0001");
    let ben = unit.member("ben", "BEN-0002");
    for id in ["AIKO-0001", "BEN-0002"] {
        unit.ledger.credit(id, support::yen(50_000), "pay").unwrap();
    }
    unit.load_purse(&aiko, 20_000);
    unit.load_purse(&ben, 20_000);
    for round in 0..6 {
        pay(&aiko, &ben, 500 + round * 100, true);
        pay(&ben, &aiko, 300, round % 2 == 0);
        for wallet in [&ben, &aiko] {
            unit.sync(wallet);
            assert_eq!(unit.ledger.audit_root().unwrap(), stored_root(&unit.ledger), "round {round}");
            unit.ledger.check_invariants().unwrap();
        }
    }
    let flags = unit.ledger.flags().unwrap();
    assert!(flags.iter().any(|f| f.reason.code() == "velocity"), "{flags:?}");

    let fresh = Ledger::open_on(
        &unit.dir.path().join("ledger"),
        &unit.database,
        Currency::JPY,
        unit.clock.clone(),
        busy_policy(),
    )
    .unwrap();
    assert_eq!(fresh.audit_root().unwrap(), unit.ledger.audit_root().unwrap());
    assert_eq!(fresh.flags().unwrap(), flags);
    let (size, _) = fresh.audit_root().unwrap();
    for index in [0, size / 2, size - 1] {
        assert_eq!(fresh.inclusion_proof(index).unwrap(), unit.ledger.inclusion_proof(index).unwrap());
    }
    assert_eq!(fresh.consistency(size / 3).unwrap().1, unit.ledger.consistency(size / 3).unwrap().1);
}

#[test]
fn an_entry_edited_through_another_connection_changes_the_next_root_and_flags() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    unit.sync(&aiko);
    unit.sync(&aiko);
    let root = unit.ledger.audit_root().unwrap();
    assert!(!unit.ledger.flags().unwrap().iter().any(|f| f.reason.code() == "clock-skew"));

    // Someone with the database moves a sync's device clock a day ahead, the ledger still running.
    unit.tampered.set(true);
    let mut db = database(&unit);
    let mut entry = AuditEntry::from_leaf_data(&db.last_leaf()).unwrap();
    assert_eq!(entry.kind, EntryKind::Synced);
    entry.device_time += 86_400;
    db.set_leaf(entry.seq, &entry.leaf_data());

    let edited = unit.ledger.audit_root().unwrap();
    assert_ne!(edited, root, "an edited entry is a different tree");
    assert_eq!(edited, stored_root(&unit.ledger));
    let flags = unit.ledger.flags().unwrap();
    assert!(flags.iter().any(|f| f.reason.code() == "clock-skew" && f.seq == entry.seq), "{flags:?}");
}

#[test]
fn a_sync_rolled_back_after_it_answered_leaves_nothing_of_itself_in_the_tree() {
    let unit = Unit::new();
    let aiko = unit.member("aiko", "AIKO-0001");
    unit.sync(&aiko);
    let before = unit.ledger.audit_root().unwrap();

    // The answer is built, then storing it fails: the sync's entries are rolled back.
    let mut db = database(&unit);
    db.refuse_answers(true);
    let err = aiko.sync(&unit.transport(), &SyncOptions::default()).unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
    assert_eq!(unit.ledger.audit_root().unwrap(), before);
    assert_eq!(stored_root(&unit.ledger), before);

    db.refuse_answers(false);
    unit.sync(&aiko);
    assert_eq!(unit.ledger.audit_root().unwrap(), stored_root(&unit.ledger));
}
