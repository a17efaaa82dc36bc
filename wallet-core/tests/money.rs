//! The money module through its public API: formatting, parsing, checked arithmetic, and the
//! properties that keep amounts exact, non-negative and single-currency.

use std::cmp::Ordering;

use outpost_wallet_core::money::{Amount, Currency, MoneyError};
use proptest::prelude::*;

const MAX: u64 = Amount::MAX_MINOR;

fn amount(minor: u64, currency: Currency) -> Amount {
    Amount::from_minor(minor, currency).expect("test amounts are within range")
}

// ---- Currency ----

#[test]
fn known_constants_carry_their_iso_exponents() {
    assert_eq!(Currency::JPY.exponent(), 0);
    assert_eq!(Currency::USD.exponent(), 2);
    assert_eq!(Currency::EUR.exponent(), 2);
    assert_eq!(Currency::GBP.exponent(), 2);
    assert_eq!(Currency::KWD.exponent(), 3);
    assert_eq!(Currency::JPY.code(), "JPY");
    assert_eq!(Currency::default(), Currency::JPY);
}

#[test]
fn from_code_knows_the_built_in_table() {
    let table = [
        ("JPY", 0),
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("CHF", 2),
        ("KWD", 3),
        ("BHD", 3),
        ("KRW", 0),
        ("INR", 2),
        ("AUD", 2),
        ("CAD", 2),
    ];
    for (code, exponent) in table {
        let currency = Currency::from_code(code).unwrap();
        assert_eq!(currency.code(), code);
        assert_eq!(currency.exponent(), exponent, "{code}");
    }
    assert_eq!(Currency::from_code("USD").unwrap(), Currency::USD);
}

#[test]
fn from_code_refuses_unknown_codes() {
    assert_eq!(Currency::from_code("XYZ"), Err(MoneyError::UnknownCurrency { code: "XYZ".into() }));
}

#[test]
fn from_code_refuses_lowercase_instead_of_fixing_it() {
    let err = Currency::from_code("usd").unwrap_err();
    assert!(matches!(err, MoneyError::InvalidCurrency { ref code, .. } if code == "usd"));
    assert!(err.to_string().contains("uppercase"), "{err}");
}

#[test]
fn new_accepts_any_well_formed_code_and_exponent() {
    let gold = Currency::new("XAU", 4).unwrap();
    assert_eq!(gold.code(), "XAU");
    assert_eq!(gold.exponent(), 4);
    assert_eq!(Currency::new("JPY", 0).unwrap(), Currency::JPY);
}

#[test]
fn new_refuses_malformed_codes_and_large_exponents() {
    for code in ["", "US", "USDX", "usd", "Usd", "U$D", "12A", "ÜSD", "US "] {
        assert!(
            matches!(Currency::new(code, 2), Err(MoneyError::InvalidCurrency { .. })),
            "{code:?} should be refused"
        );
    }
    assert!(matches!(Currency::new("USD", 5), Err(MoneyError::InvalidCurrency { .. })));
}

#[test]
fn same_code_with_another_exponent_is_another_currency() {
    let odd_yen = Currency::new("JPY", 2).unwrap();
    assert_ne!(odd_yen, Currency::JPY);
    assert!(matches!(
        amount(1, odd_yen).checked_add(amount(1, Currency::JPY)),
        Err(MoneyError::CurrencyMismatch { .. })
    ));
}

#[test]
fn symbols_exist_only_for_unambiguous_signs() {
    assert_eq!(Currency::JPY.symbol(), Some("¥"));
    assert_eq!(Currency::USD.symbol(), Some("$"));
    assert_eq!(Currency::EUR.symbol(), Some("€"));
    assert_eq!(Currency::GBP.symbol(), Some("£"));
    assert_eq!(Currency::from_code("KRW").unwrap().symbol(), Some("₩"));
    assert_eq!(Currency::from_code("INR").unwrap().symbol(), Some("₹"));
    for code in ["CHF", "KWD", "BHD", "AUD", "CAD"] {
        assert_eq!(Currency::from_code(code).unwrap().symbol(), None, "{code}");
    }
}

#[test]
fn currency_debug_shows_code_and_exponent_and_display_shows_code() {
    assert_eq!(format!("{:?}", Currency::JPY), "Currency(JPY, 0)");
    assert_eq!(format!("{:?}", Currency::KWD), "Currency(KWD, 3)");
    assert_eq!(Currency::USD.to_string(), "USD");
}

// ---- Formatting ----

#[test]
fn jpy_displays_with_yen_sign_and_thousands() {
    assert_eq!(amount(12_300, Currency::JPY).to_string(), "¥12,300");
    assert_eq!(amount(12_300, Currency::JPY).to_code_string(), "JPY 12,300");
}

#[test]
fn usd_displays_with_dollar_sign_and_two_decimals() {
    assert_eq!(amount(123_456, Currency::USD).to_string(), "$1,234.56");
    assert_eq!(amount(123_456, Currency::USD).to_code_string(), "USD 1,234.56");
    assert_eq!(amount(1_250, Currency::USD).to_string(), "$12.50");
}

#[test]
fn eur_small_amounts_keep_leading_zeros() {
    assert_eq!(amount(5, Currency::EUR).to_string(), "€0.05");
    assert_eq!(amount(5, Currency::EUR).to_code_string(), "EUR 0.05");
}

#[test]
fn kwd_displays_by_code_with_three_decimals() {
    assert_eq!(amount(1_500, Currency::KWD).to_string(), "KWD 1.500");
    assert_eq!(amount(1_500, Currency::KWD).to_code_string(), "KWD 1.500");
    assert_eq!(amount(1_234_567_001, Currency::KWD).to_string(), "KWD 1,234,567.001");
}

#[test]
fn zero_displays_with_every_decimal_place() {
    assert_eq!(Amount::zero(Currency::JPY).to_string(), "¥0");
    assert_eq!(Amount::zero(Currency::USD).to_string(), "$0.00");
    assert_eq!(Amount::zero(Currency::KWD).to_string(), "KWD 0.000");
    assert_eq!(Amount::zero(Currency::EUR).to_code_string(), "EUR 0.00");
}

#[test]
fn max_value_displays_in_full() {
    assert_eq!(amount(MAX, Currency::JPY).to_string(), "¥9,223,372,036,854,775,807");
    assert_eq!(amount(MAX, Currency::USD).to_code_string(), "USD 92,233,720,368,547,758.07");
    assert_eq!(amount(MAX, Currency::KWD).to_string(), "KWD 9,223,372,036,854,775.807");
}

#[test]
fn thousands_separators_fall_on_group_boundaries() {
    let cases = [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (1_000, "1,000"),
        (12_345, "12,345"),
        (999_999, "999,999"),
        (1_000_000, "1,000,000"),
    ];
    for (minor, text) in cases {
        assert_eq!(amount(minor, Currency::JPY).to_code_string(), format!("JPY {text}"));
    }
}

#[test]
fn display_honours_width_and_alignment() {
    assert_eq!(format!("{:>8}", amount(100, Currency::JPY)), "    ¥100");
    assert_eq!(format!("{:<5}|", Currency::USD), "USD  |");
}

#[test]
fn debug_shows_code_form() {
    assert_eq!(format!("{:?}", amount(12_300, Currency::JPY)), "Amount(JPY 12,300)");
    assert_eq!(format!("{:?}", amount(5, Currency::EUR)), "Amount(EUR 0.05)");
}

// ---- Parsing ----

#[test]
fn parse_accepts_well_formed_amounts() {
    let cases: &[(&str, Currency, u64)] = &[
        ("0", Currency::JPY, 0),
        ("12300", Currency::JPY, 12_300),
        ("12,300", Currency::JPY, 12_300),
        ("1,234,567", Currency::JPY, 1_234_567),
        ("999", Currency::JPY, 999),
        ("12", Currency::USD, 1_200),
        ("12.5", Currency::USD, 1_250),
        ("12.50", Currency::USD, 1_250),
        ("0.05", Currency::USD, 5),
        ("1,234.56", Currency::USD, 123_456),
        ("1234.56", Currency::USD, 123_456),
        ("1.5", Currency::KWD, 1_500),
        ("1.500", Currency::KWD, 1_500),
        ("0.001", Currency::KWD, 1),
        ("007", Currency::JPY, 7),
        ("9,223,372,036,854,775,807", Currency::JPY, MAX),
        ("92233720368547758.07", Currency::USD, MAX),
    ];
    for &(text, currency, minor) in cases {
        assert_eq!(Amount::parse(text, currency), Ok(amount(minor, currency)), "{text:?} in {currency}");
    }
}

#[test]
fn parse_refuses_malformed_text() {
    let cases: &[(&str, Currency)] = &[
        ("", Currency::USD),
        ("-5", Currency::USD),
        ("+5", Currency::USD),
        (" 5", Currency::USD),
        ("5 ", Currency::USD),
        ("1 000", Currency::JPY),
        ("5.", Currency::USD),
        (".5", Currency::USD),
        (".", Currency::USD),
        ("1.2.3", Currency::USD),
        ("12,34", Currency::USD),
        ("1234,567", Currency::JPY),
        ("1,2345", Currency::JPY),
        (",123", Currency::JPY),
        ("123,", Currency::JPY),
        ("1,,234", Currency::JPY),
        ("1.2,3", Currency::KWD),
        ("$5", Currency::USD),
        ("5USD", Currency::USD),
        ("1e3", Currency::JPY),
        ("١٢٣", Currency::JPY),
        ("１２", Currency::JPY),
    ];
    for &(text, currency) in cases {
        match Amount::parse(text, currency) {
            Err(MoneyError::Malformed { text: echoed, .. }) => assert_eq!(echoed, text),
            other => panic!("{text:?} in {currency}: expected Malformed, got {other:?}"),
        }
    }
}

#[test]
fn parse_gives_a_reason_for_the_commonest_mistakes() {
    let reason = |text| match Amount::parse(text, Currency::USD) {
        Err(MoneyError::Malformed { reason, .. }) => reason,
        other => panic!("{text:?}: expected Malformed, got {other:?}"),
    };
    assert!(reason("-5").contains("sign"));
    assert!(reason(" 5").contains("whitespace"));
    assert!(reason("").contains("empty"));
    assert!(reason("12,34").contains("three"));
    assert!(reason("5.").contains("after the decimal point"));
    assert!(reason(".5").contains("before the decimal point"));
}

#[test]
fn parse_refuses_more_decimals_than_the_currency_has() {
    let cases: &[(&str, Currency)] = &[
        ("12.5", Currency::JPY),
        ("12.0", Currency::JPY),
        ("12.345", Currency::USD),
        ("0.001", Currency::EUR),
        ("1.5000", Currency::KWD),
    ];
    for &(text, currency) in cases {
        assert_eq!(
            Amount::parse(text, currency),
            Err(MoneyError::TooPrecise { currency }),
            "{text:?} in {currency}"
        );
    }
}

#[test]
fn parse_refuses_amounts_above_the_maximum() {
    let cases: &[(&str, Currency)] = &[
        ("9223372036854775808", Currency::JPY),
        ("9,223,372,036,854,775,808", Currency::JPY),
        ("18446744073709551616", Currency::JPY),
        ("99999999999999999999999999999", Currency::JPY),
        ("92233720368547758.08", Currency::USD),
        ("92233720368547759", Currency::USD),
    ];
    for &(text, currency) in cases {
        assert_eq!(Amount::parse(text, currency), Err(MoneyError::TooLarge), "{text:?} in {currency}");
    }
}

// ---- Construction and checked arithmetic ----

#[test]
fn from_minor_refuses_more_than_the_maximum() {
    assert_eq!(Amount::MAX_MINOR, i64::MAX as u64);
    assert!(Amount::from_minor(MAX, Currency::JPY).is_ok());
    assert_eq!(Amount::from_minor(MAX + 1, Currency::JPY), Err(MoneyError::TooLarge));
    assert_eq!(Amount::from_minor(u64::MAX, Currency::JPY), Err(MoneyError::TooLarge));
}

#[test]
fn zero_is_zero_in_its_currency() {
    let zero = Amount::zero(Currency::EUR);
    assert!(zero.is_zero());
    assert_eq!(zero.minor(), 0);
    assert_eq!(zero.currency(), Currency::EUR);
    assert!(!amount(1, Currency::EUR).is_zero());
}

#[test]
fn adding_same_currency_sums_minor_units() {
    let sum = amount(150, Currency::USD).checked_add(amount(275, Currency::USD)).unwrap();
    assert_eq!(sum, amount(425, Currency::USD));
}

#[test]
fn adding_different_currencies_is_refused() {
    assert_eq!(
        amount(100, Currency::JPY).checked_add(amount(100, Currency::USD)),
        Err(MoneyError::CurrencyMismatch { left: Currency::JPY, right: Currency::USD })
    );
}

#[test]
fn adding_past_the_maximum_is_too_large() {
    assert_eq!(amount(MAX, Currency::JPY).checked_add(amount(1, Currency::JPY)), Err(MoneyError::TooLarge));
    assert_eq!(amount(MAX, Currency::JPY).checked_add(amount(MAX, Currency::JPY)), Err(MoneyError::TooLarge));
    assert_eq!(
        amount(MAX - 1, Currency::JPY).checked_add(amount(1, Currency::JPY)),
        Ok(amount(MAX, Currency::JPY))
    );
}

#[test]
fn subtracting_more_than_available_is_insufficient() {
    let available = amount(500, Currency::JPY);
    let needed = amount(800, Currency::JPY);
    assert_eq!(available.checked_sub(needed), Err(MoneyError::Insufficient { available, needed }));
    assert_eq!(available.checked_sub(available), Ok(Amount::zero(Currency::JPY)));
}

#[test]
fn subtracting_different_currencies_is_refused() {
    assert_eq!(
        amount(800, Currency::EUR).checked_sub(amount(500, Currency::GBP)),
        Err(MoneyError::CurrencyMismatch { left: Currency::EUR, right: Currency::GBP })
    );
}

#[test]
fn multiplying_scales_and_refuses_overflow() {
    let price = amount(250, Currency::USD);
    assert_eq!(price.checked_mul(4), Ok(amount(1_000, Currency::USD)));
    assert_eq!(price.checked_mul(0), Ok(Amount::zero(Currency::USD)));
    assert_eq!(amount(MAX, Currency::USD).checked_mul(1), Ok(amount(MAX, Currency::USD)));
    assert_eq!(amount(MAX / 2 + 1, Currency::USD).checked_mul(2), Err(MoneyError::TooLarge));
    assert_eq!(price.checked_mul(u64::MAX), Err(MoneyError::TooLarge));
}

#[test]
fn comparing_orders_same_currency_and_refuses_different() {
    let small = amount(1, Currency::GBP);
    let large = amount(2, Currency::GBP);
    assert_eq!(small.checked_cmp(&large), Ok(Ordering::Less));
    assert_eq!(large.checked_cmp(&small), Ok(Ordering::Greater));
    assert_eq!(small.checked_cmp(&small), Ok(Ordering::Equal));
    assert_eq!(
        small.checked_cmp(&amount(1, Currency::EUR)),
        Err(MoneyError::CurrencyMismatch { left: Currency::GBP, right: Currency::EUR })
    );
}

#[test]
fn error_messages_say_what_happened_and_what_to_do() {
    let mismatch = amount(1, Currency::JPY).checked_add(amount(1, Currency::USD)).unwrap_err();
    assert_eq!(
        mismatch.to_string(),
        "cannot combine JPY with USD: amounts of different currencies never mix"
    );
    let insufficient = amount(500, Currency::JPY).checked_sub(amount(800, Currency::JPY)).unwrap_err();
    assert_eq!(insufficient.to_string(), "insufficient funds: ¥500 available, ¥800 needed");
    assert_eq!(
        MoneyError::TooLarge.to_string(),
        "amount too large: the most this wallet holds is 9,223,372,036,854,775,807 minor units"
    );
    let too_precise = Amount::parse("12.345", Currency::USD).unwrap_err();
    assert!(too_precise.to_string().contains("USD allows at most 2"));
    let malformed = Amount::parse("12,34", Currency::USD).unwrap_err();
    assert!(malformed.to_string().contains("“12,34”"), "{malformed}");
}

// ---- Properties ----

/// Minor-unit values weighted towards the edges, where overflow and grouping bugs live.
fn minor_units() -> impl Strategy<Value = u64> {
    prop_oneof![0..=MAX, 0u64..=2_000, (MAX - 2_000)..=MAX, (0u32..=18).prop_map(|p| 10u64.pow(p)),]
}

fn currencies() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::JPY),
        Just(Currency::USD),
        Just(Currency::EUR),
        Just(Currency::KWD),
        Just(Currency::new("XAU", 4).unwrap()),
    ]
}

fn amounts() -> impl Strategy<Value = Amount> {
    (minor_units(), currencies()).prop_map(|(minor, currency)| amount(minor, currency))
}

proptest! {
    #[test]
    fn adding_then_subtracting_returns_the_original(
        a in minor_units(), b in minor_units(), currency in currencies()
    ) {
        // Keep the sum in range so the add succeeds and the round trip can be checked.
        let b = b % (MAX - a + 1);
        let original = amount(a, currency);
        let other = amount(b, currency);
        let sum = original.checked_add(other).unwrap();
        prop_assert_eq!(sum.checked_sub(other), Ok(original));
    }

    #[test]
    fn adding_is_commutative(a in minor_units(), b in minor_units(), currency in currencies()) {
        let (a, b) = (amount(a, currency), amount(b, currency));
        prop_assert_eq!(a.checked_add(b), b.checked_add(a));
    }

    #[test]
    fn adding_errors_exactly_when_the_true_sum_exceeds_the_maximum(
        a in minor_units(), b in minor_units(), currency in currencies()
    ) {
        let true_sum = u128::from(a) + u128::from(b);
        match amount(a, currency).checked_add(amount(b, currency)) {
            Ok(sum) => {
                prop_assert!(sum.minor() <= MAX);
                prop_assert_eq!(u128::from(sum.minor()), true_sum);
                prop_assert_eq!(sum.currency(), currency);
            }
            Err(err) => {
                prop_assert_eq!(err, MoneyError::TooLarge);
                prop_assert!(true_sum > u128::from(MAX));
            }
        }
    }

    #[test]
    fn subtracting_is_insufficient_exactly_when_more_is_needed(
        a in minor_units(), b in minor_units(), currency in currencies()
    ) {
        let (available, needed) = (amount(a, currency), amount(b, currency));
        let result = available.checked_sub(needed);
        if b > a {
            prop_assert_eq!(result, Err(MoneyError::Insufficient { available, needed }));
        } else {
            prop_assert_eq!(result, Ok(amount(a - b, currency)));
        }
    }

    #[test]
    fn formatting_then_parsing_returns_the_amount(a in amounts()) {
        let currency = a.currency();
        let code_string = a.to_code_string();
        let prefix = format!("{} ", currency.code());
        let number = code_string.strip_prefix(&prefix);
        prop_assert!(number.is_some(), "{:?} lacks {:?}", code_string, prefix);
        prop_assert_eq!(Amount::parse(number.unwrap(), currency), Ok(a));
    }

    #[test]
    fn mixed_currencies_never_combine(a in amounts(), b in amounts()) {
        prop_assume!(a.currency() != b.currency());
        let mismatch = MoneyError::CurrencyMismatch { left: a.currency(), right: b.currency() };
        prop_assert_eq!(a.checked_add(b), Err(mismatch.clone()));
        prop_assert_eq!(a.checked_sub(b), Err(mismatch.clone()));
        prop_assert_eq!(a.checked_cmp(&b), Err(mismatch));
    }
}
