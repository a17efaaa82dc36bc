//! The wallet lifecycle through the public API: create, open, unlock, lock, change PIN, upgrade.

mod common;

use std::sync::Arc;

use common::{Fixture, PIN, WRONG, blob, pin};
use outpost_wallet_core::{
    Currency, EventKind, KdfParams, Pin, SoftwareProtector, VaultError, Wallet, WalletError, WalletOptions,
};

#[test]
fn a_new_wallet_starts_unlocked_with_zero_balance_and_one_log_entry() {
    let fx = Fixture::new();
    let wallet =
        Wallet::create(fx.path("w.db"), &pin(PIN), Currency::JPY, fx.protector.clone(), fx.options())
            .unwrap();
    assert!(wallet.is_unlocked());
    assert_eq!(wallet.balances().unwrap().online.to_string(), "¥0");
    assert_eq!(wallet.verify_log().unwrap().entries, 1);
    let events = wallet.events(None, 10).unwrap();
    assert_eq!(events[0].kind, EventKind::WalletCreated);
    assert!(events[0].detail.contains(&wallet.public_identity().fingerprint()));
}

#[test]
fn a_reopened_wallet_is_locked_until_the_pin_is_given() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let wallet = fx.open(&path).unwrap();
    assert!(!wallet.is_unlocked());
    assert!(matches!(wallet.balances(), Err(WalletError::Locked)));
    assert!(matches!(wallet.verify_log(), Err(WalletError::Locked)));
    wallet.unlock(&pin(PIN)).unwrap();
    assert_eq!(wallet.balances().unwrap().online.to_code_string(), "JPY 0");
}

#[test]
fn the_public_identity_is_readable_without_the_pin_and_stable_across_opens() {
    let fx = Fixture::new();
    let path = fx.path("w.db");
    let created =
        Wallet::create(&path, &pin(PIN), Currency::JPY, fx.protector.clone(), fx.options()).unwrap();
    let identity = created.public_identity();
    drop(created);
    let reopened = fx.open(&path).unwrap();
    assert_eq!(reopened.public_identity(), identity);
    let fingerprint = identity.fingerprint();
    assert_eq!(fingerprint.len(), 19, "four groups of four and three dashes: {fingerprint}");
    assert!(fingerprint.chars().all(|c| c == '-' || c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
}

#[test]
fn two_wallets_get_different_keys_and_ids() {
    let fx = Fixture::new();
    let a = fx.open(&fx.create("a.db")).unwrap();
    let b = fx.open(&fx.create("b.db")).unwrap();
    assert_ne!(a.public_identity(), b.public_identity());
    assert_ne!(a.public_identity().fingerprint(), b.public_identity().fingerprint());
    assert_ne!(a.wallet_id(), b.wallet_id());
}

#[test]
fn the_wallet_currency_is_kept() {
    let fx = Fixture::new();
    let path = fx.path("usd.db");
    Wallet::create(&path, &pin(PIN), Currency::USD, fx.protector.clone(), fx.options()).unwrap();
    let wallet = fx.open_unlocked(&path);
    assert_eq!(wallet.currency(), Currency::USD);
    assert_eq!(wallet.balances().unwrap().online.to_string(), "$0.00");
}

#[test]
fn lock_forgets_the_keys() {
    let fx = Fixture::new();
    let wallet = fx.open_unlocked(&fx.create("w.db"));
    wallet.lock();
    assert!(!wallet.is_unlocked());
    assert!(matches!(wallet.balances(), Err(WalletError::Locked)));
    assert!(matches!(wallet.events(None, 5), Err(WalletError::Locked)));
}

#[test]
fn unlocking_an_unlocked_wallet_counts_nothing() {
    let fx = Fixture::new();
    let wallet = fx.open_unlocked(&fx.create("w.db"));
    // Already unlocked: even a wrong PIN is not checked, so it cannot be counted.
    wallet.unlock(&pin(WRONG)).unwrap();
    wallet.lock();
    let err = wallet.unlock(&pin(WRONG)).unwrap_err();
    assert!(
        matches!(err, WalletError::Vault(VaultError::PinIncorrect { tries_before_delay: 3, .. })),
        "{err}"
    );
}

#[test]
fn create_refuses_to_overwrite_an_existing_file() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let before = common::file_bytes(&path);
    let err =
        Wallet::create(&path, &pin(PIN), Currency::JPY, fx.protector.clone(), fx.options()).unwrap_err();
    assert!(
        matches!(err, WalletError::Store(outpost_wallet_core::StoreError::AlreadyExists { .. })),
        "{err}"
    );
    assert_eq!(common::file_bytes(&path), before);
}

#[test]
fn opening_a_missing_file_says_so_and_creates_nothing() {
    let fx = Fixture::new();
    let path = fx.path("missing.db");
    let err = fx.open(&path).unwrap_err();
    assert!(matches!(err, WalletError::Store(outpost_wallet_core::StoreError::NotFound { .. })), "{err}");
    assert!(!path.exists());
}

#[test]
fn a_short_pin_is_refused_with_the_rule() {
    let err = Pin::new("12345").unwrap_err();
    assert_eq!(err.to_string(), "PIN not accepted: use at least 6 characters");
    assert!(Pin::new("x".repeat(Pin::MAX_LEN + 1)).is_err());
    assert!(Pin::new("123456").is_ok());
}

#[test]
fn changing_the_pin_rewrites_only_the_key_record() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let secret_before = blob(&path, "SELECT sealed FROM secret WHERE name = 'identity'");
    let balance_before = blob(&path, "SELECT sealed FROM balance WHERE name = 'online'");
    let event_before = blob(&path, "SELECT sealed FROM event WHERE seq = 1");
    let key_before = blob(&path, "SELECT protected FROM key_record");

    let wallet = fx.open(&path).unwrap();
    wallet.change_pin(&pin(PIN), &pin("731904")).unwrap();
    assert!(!wallet.is_unlocked(), "a PIN change leaves a locked wallet locked");
    drop(wallet);

    assert_eq!(blob(&path, "SELECT sealed FROM secret WHERE name = 'identity'"), secret_before);
    assert_eq!(blob(&path, "SELECT sealed FROM balance WHERE name = 'online'"), balance_before);
    assert_eq!(blob(&path, "SELECT sealed FROM event WHERE seq = 1"), event_before);
    assert_ne!(blob(&path, "SELECT protected FROM key_record"), key_before);

    let wallet = fx.open(&path).unwrap();
    assert!(matches!(wallet.unlock(&pin(PIN)), Err(WalletError::Vault(VaultError::PinIncorrect { .. }))));
    wallet.unlock(&pin("731904")).unwrap();
    assert_eq!(wallet.events(None, 1).unwrap()[0].kind, EventKind::PinChanged);
    assert_eq!(wallet.verify_log().unwrap().entries, 2);
}

#[test]
fn changing_the_pin_with_a_wrong_old_pin_is_counted_and_changes_nothing() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let key_before = blob(&path, "SELECT protected FROM key_record");
    let wallet = fx.open(&path).unwrap();
    let err = wallet.change_pin(&pin(WRONG), &pin("731904")).unwrap_err();
    assert!(
        matches!(err, WalletError::Vault(VaultError::PinIncorrect { tries_before_delay: 3, .. })),
        "{err}"
    );
    drop(wallet);
    assert_eq!(blob(&path, "SELECT protected FROM key_record"), key_before);
    fx.open_unlocked(&path);
}

#[test]
fn weaker_argon2_parameters_are_upgraded_on_the_next_unlock_and_never_downgraded() {
    let fx = Fixture::new();
    let path = fx.create("w.db"); // wrapped with the fast test profile
    let stronger = WalletOptions { kdf: KdfParams::OWASP_MINIMUM, clock: fx.clock.clone() };

    let wallet = Wallet::open(&path, fx.protector.clone(), stronger.clone()).unwrap();
    wallet.unlock(&pin(PIN)).unwrap();
    let newest = &wallet.events(None, 1).unwrap()[0];
    assert_eq!(newest.kind, EventKind::KdfUpgraded);
    assert!(newest.detail.contains("m=19456 KiB, t=2"), "{}", newest.detail);
    drop(wallet);

    // Opened again by a build that asks for less: the stronger wrap stays and still unlocks.
    let wallet = fx.open(&path).unwrap();
    wallet.unlock(&pin(PIN)).unwrap();
    assert_eq!(wallet.verify_log().unwrap().entries, 2, "no second re-wrap, no downgrade");
    drop(wallet);
    let wallet = Wallet::open(&path, fx.protector.clone(), stronger).unwrap();
    wallet.unlock(&pin(PIN)).unwrap();
    assert_eq!(wallet.verify_log().unwrap().entries, 2, "already at target: nothing to upgrade");
}

#[test]
fn the_default_argon2_profile_meets_owasp_minimum_and_weak_profiles_are_refused() {
    assert!(KdfParams::DEFAULT.cost() >= KdfParams::OWASP_MINIMUM.cost());
    assert!(KdfParams::DEFAULT.m_cost_kib() >= KdfParams::OWASP_MINIMUM.m_cost_kib());
    assert!(KdfParams::new(19 * 1024, 2, 1).is_ok());
    assert!(KdfParams::new(46 * 1024, 1, 1).is_ok(), "OWASP's 46 MiB / 1 pass option");
    assert!(matches!(KdfParams::new(1024, 1, 1), Err(VaultError::KdfParams { .. })));
    assert!(matches!(KdfParams::new(19 * 1024, 1, 1), Err(VaultError::KdfParams { .. })));
}

#[test]
fn a_wallet_created_with_the_default_profile_unlocks() {
    // One real Argon2id run at the production cost, so the default is known to work end to end.
    let fx = Fixture::new();
    let path = fx.path("real.db");
    let options = WalletOptions { kdf: KdfParams::DEFAULT, clock: fx.clock.clone() };
    drop(Wallet::create(&path, &pin(PIN), Currency::JPY, fx.protector.clone(), options.clone()).unwrap());
    let wallet = Wallet::open(&path, fx.protector.clone(), options).unwrap();
    wallet.unlock(&pin(PIN)).unwrap();
    assert_eq!(wallet.verify_log().unwrap().entries, 1);
}

#[test]
fn one_wallet_serves_two_threads_at_once() {
    let fx = Fixture::new();
    let wallet = Arc::new(fx.open_unlocked(&fx.create("w.db")));
    const ROUNDS: usize = 20;

    let changer = {
        let wallet = wallet.clone();
        std::thread::spawn(move || {
            for round in 0..ROUNDS {
                let (old, new) = if round % 2 == 0 { (PIN, "731904") } else { ("731904", PIN) };
                wallet.change_pin(&pin(old), &pin(new)).unwrap();
            }
        })
    };
    let reader = {
        let wallet = wallet.clone();
        std::thread::spawn(move || {
            let mut last = 0;
            for _ in 0..ROUNDS * 5 {
                assert_eq!(wallet.balances().unwrap().online.minor(), 0);
                let report = wallet.verify_log().unwrap();
                assert!(report.entries >= last, "the log never shrinks");
                last = report.entries;
            }
        })
    };
    changer.join().unwrap();
    reader.join().unwrap();
    assert_eq!(wallet.verify_log().unwrap().entries, 1 + ROUNDS as u64);
    wallet.lock();
    wallet.unlock(&pin(PIN)).unwrap(); // ROUNDS is even: back to the first PIN
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let fx = Fixture::new();
    let pin_text = "918273";
    let secret_pin = pin(pin_text);
    assert!(!format!("{secret_pin:?}").contains(pin_text));
    let wallet = fx.open_unlocked(&fx.create("w.db"));
    let shown = format!("{wallet:?} {:?}", fx.protector);
    assert!(shown.contains(&wallet.public_identity().fingerprint()));
    let key_file = std::fs::read(fx.path("device.key")).unwrap();
    assert!(!shown.contains(&format!("{:?}", &key_file[8..])));
    let key = outpost_wallet_core::vault::DataKey::generate().unwrap();
    assert_eq!(format!("{key:?}"), "DataKey(<redacted>)");
}

#[test]
fn a_key_file_is_never_overwritten() {
    let fx = Fixture::new();
    let before = std::fs::read(fx.path("device.key")).unwrap();
    assert!(SoftwareProtector::create(fx.path("device.key")).is_err());
    assert_eq!(std::fs::read(fx.path("device.key")).unwrap(), before);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(fx.path("device.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key file readable by others: {mode:o}");
    }
}
