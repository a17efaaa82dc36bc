//! The local hash-chained event log: it verifies when whole and names the first broken link.

mod common;

use common::{Fixture, PIN, blob, pin, set_blob, sql};
use outpost_wallet_core::{LinkFault, WalletError};

/// A wallet file whose log holds `1 + changes` entries (created, then PIN changes).
fn wallet_with_entries(fx: &Fixture, changes: usize) -> std::path::PathBuf {
    let path = fx.create("w.db");
    let wallet = fx.open(&path).unwrap();
    for round in 0..changes {
        let (old, new) = if round % 2 == 0 { (PIN, "731904") } else { ("731904", PIN) };
        wallet.change_pin(&pin(old), &pin(new)).unwrap();
    }
    path
}

fn broken(fx: &Fixture, path: &std::path::Path, changes: usize) -> (u64, LinkFault) {
    let wallet = fx.open(path).unwrap();
    let current = if changes.is_multiple_of(2) { PIN } else { "731904" };
    wallet.unlock(&pin(current)).unwrap();
    match wallet.verify_log() {
        Err(WalletError::LogBroken { seq, fault }) => (seq, fault),
        other => panic!("expected a broken log, got {other:?}"),
    }
}

#[test]
fn an_intact_log_verifies_and_pages_newest_first() {
    let fx = Fixture::new();
    let path = wallet_with_entries(&fx, 4);
    let wallet = fx.open_unlocked(&path);
    let report = wallet.verify_log().unwrap();
    assert_eq!(report.entries, 5);
    let first_page = wallet.events(None, 3).unwrap();
    assert_eq!(first_page.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 4, 3]);
    assert_eq!(first_page[0].hash, report.head);
    let second_page = wallet.events(Some(3), 3).unwrap();
    assert_eq!(second_page.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 1]);
}

#[test]
fn a_deleted_entry_in_the_middle_is_reported_as_missing() {
    let fx = Fixture::new();
    let path = wallet_with_entries(&fx, 3);
    sql(&path).execute("DELETE FROM event WHERE seq = 2", []).unwrap();
    assert_eq!(broken(&fx, &path, 3), (2, LinkFault::Missing));
}

#[test]
fn a_cut_off_tail_is_reported() {
    let fx = Fixture::new();
    let path = wallet_with_entries(&fx, 3);
    sql(&path).execute("DELETE FROM event WHERE seq >= 3", []).unwrap();
    assert_eq!(broken(&fx, &path, 3), (3, LinkFault::TailMissing));
}

#[test]
fn an_edited_entry_is_reported_as_tampered() {
    let fx = Fixture::new();
    let path = wallet_with_entries(&fx, 2);
    let sealed = blob(&path, "SELECT sealed FROM event WHERE seq = 2");
    set_blob(&path, "UPDATE event SET sealed = ?1 WHERE seq = 2", &common::flip_bit(&sealed, 30));
    assert_eq!(broken(&fx, &path, 2), (2, LinkFault::Tampered));
}

#[test]
fn swapped_entries_are_reported_at_the_first_of_them() {
    let fx = Fixture::new();
    let path = wallet_with_entries(&fx, 3);
    let two = blob(&path, "SELECT sealed FROM event WHERE seq = 2");
    let three = blob(&path, "SELECT sealed FROM event WHERE seq = 3");
    set_blob(&path, "UPDATE event SET sealed = ?1 WHERE seq = 2", &three);
    set_blob(&path, "UPDATE event SET sealed = ?1 WHERE seq = 3", &two);
    assert_eq!(broken(&fx, &path, 3), (2, LinkFault::Tampered));
}

#[test]
fn an_older_copy_of_the_head_is_caught() {
    let fx = Fixture::new();
    let path = wallet_with_entries(&fx, 1);
    let old_head = blob(&path, "SELECT sealed FROM log_head");
    let wallet = fx.open(&path).unwrap();
    wallet.change_pin(&pin("731904"), &pin(PIN)).unwrap();
    drop(wallet);
    set_blob(&path, "UPDATE log_head SET sealed = ?1", &old_head);
    assert_eq!(broken(&fx, &path, 2), (3, LinkFault::Unrecorded));
}

#[test]
fn a_log_rolled_back_with_its_head_loses_the_link_to_later_state() {
    // Rolling back the last entry *and* the head together is consistent on its own; the log
    // cannot see it, but the key record it replaced stays changed. This documents the limit:
    // whole-file rollback is the ledger's to catch, not the device's.
    let fx = Fixture::new();
    let path = wallet_with_entries(&fx, 1);
    let old_head = blob(&path, "SELECT sealed FROM log_head");
    let wallet = fx.open(&path).unwrap();
    wallet.change_pin(&pin("731904"), &pin(PIN)).unwrap();
    drop(wallet);
    sql(&path).execute("DELETE FROM event WHERE seq = 3", []).unwrap();
    set_blob(&path, "UPDATE log_head SET sealed = ?1", &old_head);
    let wallet = fx.open_unlocked(&path);
    assert_eq!(wallet.verify_log().unwrap().entries, 2);
}

#[test]
fn a_deleted_head_with_entries_present_is_reported() {
    let fx = Fixture::new();
    let path = wallet_with_entries(&fx, 1);
    sql(&path).execute("DELETE FROM log_head", []).unwrap();
    assert_eq!(broken(&fx, &path, 1), (1, LinkFault::Unrecorded));
}
