//! Wrong PINs: what the user is told, the growing delays, lock-out, and that none of it resets
//! when the wallet is closed and reopened.

mod common;

use common::{Fixture, PIN, WRONG, pin};
use outpost_wallet_core::vault::attempts::{MAX_FAILURES, delay_after};
use outpost_wallet_core::{VaultError, WalletError};

fn vault_err(result: Result<(), WalletError>) -> VaultError {
    match result {
        Err(WalletError::Vault(e)) => e,
        other => panic!("expected a vault error, got {other:?}"),
    }
}

#[test]
fn a_wrong_pin_says_how_many_tries_are_left_before_a_delay() {
    let fx = Fixture::new();
    let wallet = fx.open(&fx.create("w.db")).unwrap();
    let err = vault_err(wallet.unlock(&pin(WRONG)));
    assert_eq!(err.to_string(), "PIN incorrect, 3 tries left before a 1-minute delay");
    assert!(matches!(
        err,
        VaultError::PinIncorrect {
            tries_left: 9,
            retry_after_secs: 0,
            tries_before_delay: 3,
            next_delay_secs: 60
        }
    ));
    assert!(!wallet.is_unlocked());
}

#[test]
fn a_good_pin_resets_the_count() {
    let fx = Fixture::new();
    let wallet = fx.open(&fx.create("w.db")).unwrap();
    vault_err(wallet.unlock(&pin(WRONG)));
    vault_err(wallet.unlock(&pin(WRONG)));
    wallet.unlock(&pin(PIN)).unwrap();
    wallet.lock();
    let err = vault_err(wallet.unlock(&pin(WRONG)));
    assert!(matches!(err, VaultError::PinIncorrect { tries_before_delay: 3, .. }), "{err}");
}

#[test]
fn wrong_pins_bring_growing_delays_then_lock_out_even_the_right_pin() {
    let fx = Fixture::new();
    let wallet = fx.open(&fx.create("w.db")).unwrap();
    let mut previous_delay = 0;
    for failure in 1..MAX_FAILURES {
        let err = vault_err(wallet.unlock(&pin(WRONG)));
        let VaultError::PinIncorrect { tries_left, retry_after_secs, .. } = err else {
            panic!("failure {failure}: {err}")
        };
        assert_eq!(tries_left, MAX_FAILURES - failure);
        assert_eq!(retry_after_secs, delay_after(failure));
        assert!(retry_after_secs >= previous_delay, "delays never shrink");
        previous_delay = retry_after_secs;
        if retry_after_secs > 0 {
            // Too early: refused without checking, even with the right PIN, and not counted.
            let early = vault_err(wallet.unlock(&pin(PIN)));
            assert!(
                matches!(early, VaultError::PinDelayed { retry_after_secs: r, .. } if r == retry_after_secs),
                "{early}"
            );
            fx.clock.advance(retry_after_secs);
        }
    }
    let err = vault_err(wallet.unlock(&pin(WRONG)));
    assert!(matches!(err, VaultError::LockedOut { failures: MAX_FAILURES }), "{err}");
    fx.clock.advance(365 * 24 * 3600);
    let err = vault_err(wallet.unlock(&pin(PIN)));
    assert!(matches!(err, VaultError::LockedOut { .. }), "{err}");
    assert!(err.to_string().starts_with("after 10 incorrect PINs this wallet cannot be unlocked"), "{err}");
}

#[test]
fn the_delay_message_says_when_to_try_again() {
    let fx = Fixture::new();
    let wallet = fx.open(&fx.create("w.db")).unwrap();
    let messages: Vec<String> = (0..3).map(|_| vault_err(wallet.unlock(&pin(WRONG))).to_string()).collect();
    assert_eq!(
        messages,
        [
            "PIN incorrect, 3 tries left before a 1-minute delay",
            "PIN incorrect, 2 tries left before a 1-minute delay",
            "PIN incorrect, 1 try left before a 1-minute delay",
        ]
    );
    let err = vault_err(wallet.unlock(&pin(WRONG)));
    assert_eq!(err.to_string(), "PIN incorrect; try again in 1 minute (6 tries before the wallet locks)");
    fx.clock.advance(10);
    let err = vault_err(wallet.unlock(&pin(PIN)));
    assert_eq!(err.to_string(), "too many incorrect PINs: try again in 50 seconds");
}

#[test]
fn closing_and_reopening_does_not_reset_the_count() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    for _ in 0..2 {
        let wallet = fx.open(&path).unwrap();
        vault_err(wallet.unlock(&pin(WRONG)));
    }
    let wallet = fx.open(&path).unwrap();
    let err = vault_err(wallet.unlock(&pin(WRONG)));
    assert!(matches!(err, VaultError::PinIncorrect { tries_before_delay: 1, tries_left: 7, .. }), "{err}");
    drop(wallet);
    let wallet = fx.open(&path).unwrap();
    let err = vault_err(wallet.unlock(&pin(WRONG)));
    assert!(matches!(err, VaultError::PinIncorrect { retry_after_secs: 60, .. }), "{err}");
    drop(wallet);
    // The delay also survives the reopen.
    let wallet = fx.open(&path).unwrap();
    assert!(matches!(vault_err(wallet.unlock(&pin(PIN))), VaultError::PinDelayed { .. }));
}

#[test]
fn lock_out_survives_closing_and_reopening() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    for _ in 0..MAX_FAILURES {
        let wallet = fx.open(&path).unwrap();
        let _ = wallet.unlock(&pin(WRONG));
        fx.clock.advance(24 * 3600);
    }
    let wallet = fx.open(&path).unwrap();
    assert!(matches!(vault_err(wallet.unlock(&pin(PIN))), VaultError::LockedOut { .. }));
    // Lock-out is not a wipe: the public identity is still there for the officer to revoke.
    assert_eq!(wallet.public_identity().fingerprint().len(), 19);
    assert!(path.exists());
}

#[test]
fn a_wrong_protector_is_refused_and_no_pin_try_is_counted() {
    let fx = Fixture::new();
    let path = fx.create("w.db");
    let stranger =
        std::sync::Arc::new(outpost_wallet_core::SoftwareProtector::create(fx.path("other.key")).unwrap());
    let wallet = outpost_wallet_core::Wallet::open(&path, stranger, fx.options()).unwrap();
    for _ in 0..(MAX_FAILURES + 2) {
        let err = vault_err(wallet.unlock(&pin(PIN)));
        assert!(matches!(err, VaultError::Protector(_)), "{err}");
    }
    let wallet = fx.open(&path).unwrap();
    let err = vault_err(wallet.unlock(&pin(WRONG)));
    assert!(
        matches!(err, VaultError::PinIncorrect { tries_left: 9, .. }),
        "protector failures not counted: {err}"
    );
}
