//! Properties of the sealed-row format: round trip, and binding to wallet, table and row id.

use outpost_wallet_core::VaultError;
use outpost_wallet_core::vault::{DataKey, RowRef};
use proptest::prelude::*;

const TABLES: [&str; 4] = ["secret", "balance", "event", "log_head"];

fn at<'a>(wallet: &'a [u8; 16], table: usize, id: &'a [u8]) -> RowRef<'a> {
    RowRef { wallet_id: wallet, table: TABLES[table], id }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_sealed_row_opens_to_its_plaintext(
        wallet in any::<[u8; 16]>(), table in 0..4usize,
        id in proptest::collection::vec(any::<u8>(), 0..40),
        plain in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let key = DataKey::generate().unwrap();
        let sealed = key.seal(at(&wallet, table, &id), &plain).unwrap();
        prop_assert_eq!(sealed.len(), 1 + 24 + plain.len() + 16);
        prop_assert_eq!(&key.open(at(&wallet, table, &id), &sealed).unwrap()[..], &plain[..]);
    }

    #[test]
    fn any_flipped_bit_makes_the_row_refuse_to_open(
        plain in proptest::collection::vec(any::<u8>(), 0..256),
        index in any::<prop::sample::Index>(), bit in 0..8u8,
    ) {
        let key = DataKey::generate().unwrap();
        let wallet = [7u8; 16];
        let mut sealed = key.seal(at(&wallet, 1, b"online"), &plain).unwrap();
        let i = index.index(sealed.len());
        sealed[i] ^= 1 << bit;
        let err = key.open(at(&wallet, 1, b"online"), &sealed).unwrap_err();
        let is_named = matches!(err, VaultError::Tampered { table: "balance", .. });
        prop_assert!(is_named, "unexpected error: {}", err);
    }

    #[test]
    fn a_row_opens_only_where_it_was_sealed(
        plain in proptest::collection::vec(any::<u8>(), 0..64),
        table in 0..4usize, other_table in 0..4usize,
        id in proptest::collection::vec(any::<u8>(), 1..16),
        other_id in proptest::collection::vec(any::<u8>(), 1..16),
        wallet in any::<[u8; 16]>(), other_wallet in any::<[u8; 16]>(),
    ) {
        let key = DataKey::generate().unwrap();
        let sealed = key.seal(at(&wallet, table, &id), &plain).unwrap();
        prop_assert_eq!(
            key.open(at(&wallet, other_table, &id), &sealed).is_ok(), table == other_table);
        prop_assert_eq!(key.open(at(&wallet, table, &other_id), &sealed).is_ok(), id == other_id);
        prop_assert_eq!(key.open(at(&other_wallet, table, &id), &sealed).is_ok(), wallet == other_wallet);
    }

    #[test]
    fn a_row_opens_only_with_its_own_key(plain in proptest::collection::vec(any::<u8>(), 0..64)) {
        let (mine, theirs) = (DataKey::generate().unwrap(), DataKey::generate().unwrap());
        let wallet = [1u8; 16];
        let sealed = mine.seal(at(&wallet, 0, b"identity"), &plain).unwrap();
        prop_assert!(theirs.open(at(&wallet, 0, b"identity"), &sealed).is_err());
    }

    #[test]
    fn truncated_or_extended_rows_never_open(
        plain in proptest::collection::vec(any::<u8>(), 0..64), cut in 0..200usize, extra in 1..8usize,
    ) {
        let key = DataKey::generate().unwrap();
        let wallet = [2u8; 16];
        let sealed = key.seal(at(&wallet, 2, b"1"), &plain).unwrap();
        let short = &sealed[..cut.min(sealed.len() - 1)];
        prop_assert!(key.open(at(&wallet, 2, b"1"), short).is_err());
        let mut long = sealed.clone();
        long.extend(std::iter::repeat_n(0u8, extra));
        prop_assert!(key.open(at(&wallet, 2, b"1"), &long).is_err());
    }
}

#[test]
fn sealing_the_same_row_twice_gives_different_bytes() {
    // Fresh random nonces: equal balances do not show as equal ciphertexts.
    let key = DataKey::generate().unwrap();
    let wallet = [3u8; 16];
    let a = key.seal(at(&wallet, 1, b"online"), b"same").unwrap();
    let b = key.seal(at(&wallet, 1, b"online"), b"same").unwrap();
    assert_ne!(a, b);
}
