//! Damaged and tampered wallet files: every case is an error the app can show, never a wrong
//! balance, never a wipe.

mod common;

use common::{Fixture, PIN, blob, file_bytes, flip_bit, pin, set_blob, sql};
use outpost_wallet_core::{StoreError, VaultError, Wallet, WalletError};

fn tampered(result: Result<impl std::fmt::Debug, WalletError>) -> (&'static str, String) {
    match result {
        Err(WalletError::Vault(VaultError::Tampered { table, id })) => (table, id),
        other => panic!("expected a tampered-row error, got {other:?}"),
    }
}

#[test]
fn a_flipped_bit_anywhere_in_the_balance_row_is_reported_not_read() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let sealed = blob(&path, "SELECT sealed FROM balance WHERE name = 'online'");
    for index in 0..sealed.len() {
        set_blob(&path, "UPDATE balance SET sealed = ?1 WHERE name = 'online'", &flip_bit(&sealed, index));
        let wallet = fx.open_unlocked(&path);
        assert_eq!(tampered(wallet.balances()), ("balance", "online".into()), "bit flipped at byte {index}");
    }
    set_blob(&path, "UPDATE balance SET sealed = ?1 WHERE name = 'online'", &sealed);
    assert_eq!(fx.open_unlocked(&path).balances().unwrap().online.minor(), 0);
}

#[test]
fn a_flipped_bit_in_the_identity_keys_stops_the_unlock() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let sealed = blob(&path, "SELECT sealed FROM secret WHERE name = 'identity'");
    set_blob(&path, "UPDATE secret SET sealed = ?1 WHERE name = 'identity'", &flip_bit(&sealed, 40));
    let wallet = fx.open(&path).unwrap();
    assert_eq!(tampered(wallet.unlock(&pin(PIN))), ("secret", "identity".into()));
    assert!(!wallet.is_unlocked());
}

#[test]
fn a_flipped_bit_in_the_wrapped_key_is_reported_and_not_counted_as_a_pin_try() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let protected = blob(&path, "SELECT protected FROM key_record");
    for index in [0, 1, 30, protected.len() - 1] {
        set_blob(&path, "UPDATE key_record SET protected = ?1", &flip_bit(&protected, index));
        let err = fx.open(&path).unwrap().unlock(&pin(PIN)).unwrap_err();
        assert!(matches!(err, WalletError::Vault(VaultError::Protector(_))), "byte {index}: {err}");
    }
    set_blob(&path, "UPDATE key_record SET protected = ?1", &protected);
    let attempts: i64 = sql(&path).query_row("SELECT failures FROM pin_attempts", [], |r| r.get(0)).unwrap();
    assert_eq!(attempts, 0);
    fx.open_unlocked(&path);
}

#[test]
fn a_row_moved_to_another_table_does_not_open() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let identity = blob(&path, "SELECT sealed FROM secret WHERE name = 'identity'");
    set_blob(&path, "UPDATE balance SET sealed = ?1 WHERE name = 'online'", &identity);
    assert_eq!(tampered(fx.open_unlocked(&path).balances()), ("balance", "online".into()));
}

#[test]
fn a_row_moved_to_another_id_does_not_open() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let online = blob(&path, "SELECT sealed FROM balance WHERE name = 'online'");
    // Planted under a new name, then swapped back into place from a different id.
    sql(&path).execute("INSERT INTO balance (name, sealed) VALUES ('savings', ?1)", [&online]).unwrap();
    let wallet = fx.open_unlocked(&path);
    wallet.balances().unwrap();
    drop(wallet);
    let event = blob(&path, "SELECT sealed FROM event WHERE seq = 1");
    sql(&path).execute("INSERT INTO event (seq, sealed) VALUES (2, ?1)", [&event]).unwrap();
    let err = fx.open_unlocked(&path).verify_log().unwrap_err();
    assert!(matches!(err, WalletError::LogBroken { seq: 2, .. }), "{err}");
}

#[test]
fn a_row_from_another_wallet_does_not_open() {
    let fx = Fixture::new();
    let a = fx.create("a.db");
    let b = fx.create("b.db");
    let theirs = blob(&b, "SELECT sealed FROM balance WHERE name = 'online'");
    set_blob(&a, "UPDATE balance SET sealed = ?1 WHERE name = 'online'", &theirs);
    assert_eq!(tampered(fx.open_unlocked(&a).balances()), ("balance", "online".into()));
}

#[test]
fn another_wallets_file_does_not_open_with_this_devices_protector() {
    let fx = Fixture::new();
    let theirs = Fixture::new();
    let path = theirs.create("theirs.db");
    let err = fx.open(&path).unwrap().unlock(&pin(PIN)).unwrap_err();
    assert!(matches!(err, WalletError::Vault(VaultError::Protector(_))), "{err}");
}

#[test]
fn swapped_public_keys_in_the_clear_record_are_caught_at_unlock() {
    let fx = Fixture::new();
    let a = fx.create("a.db");
    let b = fx.create("b.db");
    let stranger = blob(&b, "SELECT signing_public FROM wallet");
    set_blob(&a, "UPDATE wallet SET signing_public = ?1", &stranger);
    let wallet = fx.open(&a).unwrap();
    assert_eq!(tampered(wallet.unlock(&pin(PIN))), ("wallet", "public keys".into()));
}

#[test]
fn a_deleted_balance_row_is_an_error_not_a_zero() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    sql(&path).execute("DELETE FROM balance", []).unwrap();
    assert_eq!(tampered(fx.open_unlocked(&path).balances()), ("balance", "online".into()));
}

#[test]
fn a_newer_schema_is_refused_and_the_file_left_untouched() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    sql(&path).pragma_update(None, "user_version", 99).unwrap();
    let before = file_bytes(&path);
    let err = fx.open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            WalletError::Store(StoreError::NewerSchema {
                found: 99,
                supported: outpost_wallet_core::store::SCHEMA_VERSION
            })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("update the app"), "{err}");
    assert_eq!(file_bytes(&path), before);
}

#[test]
fn a_file_that_is_not_a_wallet_is_refused_and_kept() {
    let fx = Fixture::new();
    let garbage = fx.path("garbage.db");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    let err = fx.open(&garbage).unwrap_err();
    assert!(matches!(err, WalletError::Store(StoreError::NotAWallet { .. })), "{err}");
    assert_eq!(file_bytes(&garbage), vec![0x5a; 8192]);

    let other_app = fx.path("other.db");
    rusqlite::Connection::open(&other_app).unwrap().execute_batch("CREATE TABLE t (x);").unwrap();
    let before = file_bytes(&other_app);
    let err = fx.open(&other_app).unwrap_err();
    assert!(matches!(err, WalletError::Store(StoreError::NotAWallet { .. })), "{err}");
    assert_eq!(file_bytes(&other_app), before);

    let empty = fx.path("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(fx.open(&empty), Err(WalletError::Store(StoreError::NotAWallet { .. }))));
}

#[test]
fn a_truncated_file_is_an_error_at_every_length_and_never_a_wrong_balance() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let whole = file_bytes(&path);
    let cut_at: Vec<usize> = (0..whole.len()).step_by(512).chain([whole.len() - 1]).collect();
    for cut in cut_at {
        let copy = fx.path(&format!("cut-{cut}.db"));
        std::fs::write(&copy, &whole[..cut]).unwrap();
        let outcome = fx.open(&copy).and_then(|wallet| {
            wallet.unlock(&pin(PIN))?;
            wallet.verify_log()?;
            wallet.balances()
        });
        match outcome {
            Err(WalletError::Store(StoreError::NotAWallet { .. } | StoreError::Corrupt { .. }))
            | Err(WalletError::Store(StoreError::Incomplete { .. })) => {}
            Err(WalletError::Vault(VaultError::Tampered { .. })) => {}
            Err(WalletError::LogBroken { .. }) => {}
            other => panic!("file cut at {cut} of {} bytes gave {other:?}", whole.len()),
        }
        assert!(copy.exists(), "a damaged file is kept");
    }
}

#[test]
fn a_kill_during_a_checkpoint_leaves_a_file_that_opens_whole() {
    // SQLite copies the write-ahead log into the main file page by page, page 1 (which carries
    // the new size) first; a kill part-way leaves the main file shorter than its header says,
    // with every page still in the log. This makes that state from a snapshot taken while the
    // wallet is open (the log holds its last writes), then moves the header's size past the end.
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let wallet = fx.open_unlocked(&path);
    for n in 0..200 {
        wallet.create_request(None, &format!("request {n}"), 600).unwrap();
    }
    let expected = (wallet.balances().unwrap(), wallet.verify_log().unwrap().entries);
    let snapshot = fx.path("snapshot.db");
    let mut main = file_bytes(&path);
    let log = std::fs::read(format!("{}-wal", path.display())).unwrap();
    assert!(log.len() > 32, "the log holds frames while the wallet is open");
    drop(wallet);

    // The size after the log's last commit: what the checkpoint writes into page 1.
    let page_size = usize::from(u16::from_be_bytes([main[16], main[17]]));
    let pages = log[32..]
        .chunks_exact(24 + page_size)
        .map(|frame| u32::from_be_bytes(frame[4..8].try_into().unwrap()))
        .rfind(|&size| size > 0)
        .expect("a commit in the log");
    assert!(pages as usize * page_size > main.len(), "the log grew the file");
    main[28..32].copy_from_slice(&pages.to_be_bytes());
    let counter: [u8; 4] = main[24..28].try_into().unwrap();
    main[92..96].copy_from_slice(&counter);
    std::fs::write(&snapshot, &main).unwrap();
    std::fs::write(format!("{}-wal", snapshot.display()), &log).unwrap();

    let reopened = fx.open_unlocked(&snapshot);
    assert_eq!((reopened.balances().unwrap(), reopened.verify_log().unwrap().entries), expected);
    drop(reopened);

    // The same short main file with no log to finish from is cut short, and says so.
    let cut = fx.path("cut.db");
    std::fs::write(&cut, &main).unwrap();
    assert!(
        matches!(fx.open(&cut), Err(WalletError::Store(StoreError::Corrupt { .. }))),
        "a short file with no log is refused"
    );
}

#[test]
fn creating_over_a_leftover_from_an_interrupted_create_succeeds() {
    let fx = Fixture::new();
    // What a crash halfway through an earlier create leaves behind: a partial file, never the wallet.
    std::fs::write(fx.path("w.db.creating"), b"half a database").unwrap();
    let path = fx.path("w.db");
    Wallet::create(&path, &pin(PIN), outpost_wallet_core::Currency::JPY, fx.protector.clone(), fx.options())
        .unwrap();
    assert!(!fx.path("w.db.creating").exists());
    fx.open_unlocked(&path);
}
