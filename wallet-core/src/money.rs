//! Money: a currency and an amount of it, in integer minor units (yen, cents, fils).
//!
//! An [`Amount`] is never negative, never mixes currencies (every operation on two amounts checks
//! that they share a [`Currency`] and refuses otherwise), and never exceeds [`Amount::MAX_MINOR`],
//! which is `i64::MAX`. That bound is deliberate: the apps hold amounts in a Kotlin `Long` or a
//! Swift `Int64`, and the store keeps them in a SQLite `INTEGER`, all signed 64-bit, so any amount
//! this module accepts survives every hop unchanged. There are no floats anywhere: parsing and
//! formatting work on decimal digits, so `0.1 + 0.2` is exactly `0.3`.
//!
//! Arithmetic is only through the `checked_*` methods. There is no `+`, `-` or `<` on amounts,
//! so mixing currencies or overflowing cannot happen silently in code that merely compiles.

use std::cmp::Ordering;
use std::fmt;

use thiserror::Error;

/// Why a money operation was refused. Nothing in this module panics on any input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The two amounts are in different currencies.
    #[error("cannot combine {left} with {right}: amounts of different currencies never mix")]
    CurrencyMismatch { left: Currency, right: Currency },
    /// A subtraction would go below zero.
    #[error("insufficient funds: {available} available, {needed} needed")]
    Insufficient { available: Amount, needed: Amount },
    /// The amount (or the result of an operation) is above [`Amount::MAX_MINOR`].
    #[error("amount too large: the most this wallet holds is 9,223,372,036,854,775,807 minor units")]
    TooLarge,
    /// Text that is not an amount as [`Amount::parse`] reads it.
    #[error("cannot read “{}” as an amount: {reason}", .text.escape_debug())]
    Malformed { text: String, reason: &'static str },
    /// More digits after the decimal point than the currency has minor units for.
    #[error("too many decimal places: {}", decimals_allowed(*currency))]
    TooPrecise { currency: Currency },
    /// A currency code or exponent that cannot be a currency at all.
    #[error("“{}” is not a currency: {reason}", .code.escape_debug())]
    InvalidCurrency { code: String, reason: &'static str },
    /// A well-formed code that is not in this wallet's table.
    #[error(
        "the currency “{code}” is not in this wallet's table: create it with Currency::new and its number of decimal places"
    )]
    UnknownCurrency { code: String },
}

/// A currency: its ISO 4217 alphabetic code and how many decimal digits its minor unit has.
///
/// Two currencies are equal only if both code and exponent match, so a mistyped exponent is a
/// different currency rather than a silent factor-of-100 error.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    // Always three ASCII uppercase letters, so it is always valid UTF-8.
    code: [u8; 3],
    // Always 0..=4.
    exponent: u8,
}

/// Codes [`Currency::from_code`] knows, with their ISO 4217 exponents.
const KNOWN: [([u8; 3], u8); 11] = [
    (*b"JPY", 0),
    (*b"USD", 2),
    (*b"EUR", 2),
    (*b"GBP", 2),
    (*b"CHF", 2),
    (*b"KWD", 3),
    (*b"BHD", 3),
    (*b"KRW", 0),
    (*b"INR", 2),
    (*b"AUD", 2),
    (*b"CAD", 2),
];

impl Currency {
    /// Japanese yen, no minor unit.
    pub const JPY: Currency = Currency { code: *b"JPY", exponent: 0 };
    /// US dollar, cents.
    pub const USD: Currency = Currency { code: *b"USD", exponent: 2 };
    /// Euro, cents.
    pub const EUR: Currency = Currency { code: *b"EUR", exponent: 2 };
    /// Pound sterling, pence.
    pub const GBP: Currency = Currency { code: *b"GBP", exponent: 2 };
    /// Kuwaiti dinar, fils (three decimal places).
    pub const KWD: Currency = Currency { code: *b"KWD", exponent: 3 };

    /// The largest exponent accepted. Beyond 4 no circulating currency exists, and every extra
    /// digit divides the largest holdable amount by ten.
    pub const MAX_EXPONENT: u8 = 4;

    /// A currency with any well-formed code, for ones not in the built-in table.
    ///
    /// `code` must be exactly three ASCII uppercase letters and `exponent` at most 4.
    pub fn new(code: &str, exponent: u8) -> Result<Currency, MoneyError> {
        let code = parse_code(code)?;
        if exponent > Self::MAX_EXPONENT {
            return Err(MoneyError::InvalidCurrency {
                code: String::from_utf8_lossy(&code).into_owned(),
                reason: "at most 4 decimal places are supported",
            });
        }
        Ok(Currency { code, exponent })
    }

    /// A currency from the built-in table (JPY, USD, EUR, GBP, CHF, KWD, BHD, KRW, INR, AUD,
    /// CAD), with its ISO 4217 exponent.
    ///
    /// The code must already be uppercase: codes come from stored data and QR payloads, where a
    /// lowercase code means something upstream is wrong, so it is refused rather than fixed up.
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let bytes = parse_code(code)?;
        KNOWN
            .iter()
            .find(|(known, _)| *known == bytes)
            .map(|&(known, exponent)| Currency { code: known, exponent })
            .ok_or_else(|| MoneyError::UnknownCurrency { code: code.to_owned() })
    }

    /// The three-letter code, e.g. `"JPY"`.
    pub fn code(&self) -> &str {
        // The constructors only admit ASCII letters, so this never fails.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// How many decimal digits the minor unit has: 0 for JPY, 2 for USD, 3 for KWD.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// The usual sign, if the currency has one that is unambiguous on its own. `$` is used only
    /// for USD, so AUD and CAD are shown by code.
    pub fn symbol(&self) -> Option<&'static str> {
        match &self.code {
            b"JPY" => Some("¥"),
            b"USD" => Some("$"),
            b"EUR" => Some("€"),
            b"GBP" => Some("£"),
            b"KRW" => Some("₩"),
            b"INR" => Some("₹"),
            _ => None,
        }
    }

    /// Ten to the power of the exponent: minor units per major unit.
    fn scale(&self) -> u64 {
        10u64.pow(u32::from(self.exponent))
    }
}

fn decimals_allowed(currency: Currency) -> String {
    match currency.exponent {
        0 => format!("{currency} has no fractional part, so write whole units"),
        n => format!("{currency} allows at most {n}, so round the amount first"),
    }
}

fn parse_code(code: &str) -> Result<[u8; 3], MoneyError> {
    let invalid = |reason| MoneyError::InvalidCurrency { code: code.to_owned(), reason };
    let bytes: [u8; 3] = code
        .as_bytes()
        .try_into()
        .map_err(|_| invalid("a currency code is exactly three letters, e.g. USD"))?;
    if !bytes.iter().all(u8::is_ascii_uppercase) {
        return Err(invalid("a currency code is three uppercase ASCII letters, e.g. USD"));
    }
    Ok(bytes)
}

/// JPY, the currency the wallet was first built for.
impl Default for Currency {
    fn default() -> Self {
        Currency::JPY
    }
}

/// `Currency(JPY, 0)`: code and exponent, since two currencies can share a code.
impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({}, {})", self.code(), self.exponent)
    }
}

/// The code alone, e.g. `JPY`.
impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

/// A non-negative amount of one currency, in minor units.
///
/// There is deliberately no `PartialOrd`, `Ord`, `Add` or `Sub`: those could not refuse two
/// currencies. Use [`Amount::checked_cmp`], [`Amount::checked_add`] and [`Amount::checked_sub`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Amount {
    // Never above MAX_MINOR.
    minor: u64,
    currency: Currency,
}

impl Amount {
    /// The largest amount in minor units: `i64::MAX`, so that it fits a Kotlin `Long`, a Swift
    /// `Int64` and a SQLite `INTEGER`.
    pub const MAX_MINOR: u64 = i64::MAX as u64;

    /// An amount of `minor` minor units (cents for USD, yen for JPY).
    pub fn from_minor(minor: u64, currency: Currency) -> Result<Amount, MoneyError> {
        if minor > Self::MAX_MINOR {
            return Err(MoneyError::TooLarge);
        }
        Ok(Amount { minor, currency })
    }

    /// Nothing, in `currency`.
    pub fn zero(currency: Currency) -> Amount {
        Amount { minor: 0, currency }
    }

    /// The amount in minor units.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The currency of the amount.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// The sum of two amounts of the same currency.
    ///
    /// ```
    /// use outpost_wallet_core::{Amount, Currency};
    ///
    /// let a = Amount::parse("1,200", Currency::JPY)?;
    /// let b = Amount::parse("300", Currency::JPY)?;
    /// assert_eq!(a.checked_add(b)?.minor(), 1_500);
    ///
    /// // Different currencies are refused, never converted.
    /// assert!(a.checked_add(Amount::zero(Currency::USD)).is_err());
    /// # Ok::<(), outpost_wallet_core::MoneyError>(())
    /// ```
    pub fn checked_add(self, other: Amount) -> Result<Amount, MoneyError> {
        self.same_currency(&other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::TooLarge)?;
        Amount::from_minor(minor, self.currency)
    }

    /// `self` minus `other`; refused with [`MoneyError::Insufficient`] if `other` is larger,
    /// since an amount is never negative.
    pub fn checked_sub(self, other: Amount) -> Result<Amount, MoneyError> {
        self.same_currency(&other)?;
        match self.minor.checked_sub(other.minor) {
            Some(minor) => Ok(Amount { minor, currency: self.currency }),
            None => Err(MoneyError::Insufficient { available: self, needed: other }),
        }
    }

    /// The amount times a whole number, e.g. a unit price times a quantity.
    pub fn checked_mul(self, factor: u64) -> Result<Amount, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::TooLarge)?;
        Amount::from_minor(minor, self.currency)
    }

    /// Compares two amounts of the same currency; refused for different currencies.
    pub fn checked_cmp(&self, other: &Amount) -> Result<Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.minor.cmp(&other.minor))
    }

    fn same_currency(&self, other: &Amount) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency })
        }
    }

    /// Reads an amount written in major units, exactly (no floats, no rounding).
    ///
    /// Accepted: digits, optionally with `,` between correct groups of three in the integer part,
    /// then optionally `.` and at most as many digits as the currency's exponent. Refused: signs,
    /// whitespace, symbols or codes, an empty string, a bare `.` at either end, misplaced `,`
    /// ([`MoneyError::Malformed`]); more decimals than the currency has, including any decimal
    /// point at all for JPY ([`MoneyError::TooPrecise`]); more than [`Amount::MAX_MINOR`]
    /// ([`MoneyError::TooLarge`]). This is exactly the number part of
    /// [`Amount::to_code_string`], so formatting and parsing round-trip.
    ///
    /// ```
    /// use outpost_wallet_core::{Amount, Currency};
    ///
    /// assert_eq!(Amount::parse("1,234.5", Currency::USD)?.minor(), 123_450);
    /// assert_eq!(Amount::parse("12,300", Currency::JPY)?.minor(), 12_300);
    /// assert!(Amount::parse("12.345", Currency::USD).is_err()); // USD has two decimals
    /// assert!(Amount::parse("12,34", Currency::USD).is_err()); // not a group of three
    /// # Ok::<(), outpost_wallet_core::MoneyError>(())
    /// ```
    pub fn parse(text: &str, currency: Currency) -> Result<Amount, MoneyError> {
        let malformed = |reason| MoneyError::Malformed { text: text.to_owned(), reason };
        if text.is_empty() {
            return Err(malformed("it is empty"));
        }
        // Characters first, so a sign or a space gets a precise reason instead of a grouping one.
        for c in text.chars() {
            let reason = match c {
                '0'..='9' | ',' | '.' => continue,
                '-' | '+' => "no sign allowed: amounts are never negative",
                c if c.is_whitespace() => "it contains whitespace",
                _ => "only digits, ',' and '.' are allowed",
            };
            return Err(malformed(reason));
        }

        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (text, None),
        };
        if whole.is_empty() {
            return Err(malformed("no digits before the decimal point"));
        }
        if let Some(fraction) = fraction {
            if fraction.contains('.') {
                return Err(malformed("more than one decimal point"));
            }
            if fraction.is_empty() {
                return Err(malformed("no digits after the decimal point"));
            }
            if fraction.contains(',') {
                return Err(malformed("',' is not allowed after the decimal point"));
            }
        }
        if !well_grouped(whole) {
            return Err(malformed("',' must separate groups of three digits, as in 1,234,567"));
        }

        let fraction = fraction.unwrap_or("");
        let exponent = usize::from(currency.exponent);
        if fraction.len() > exponent {
            return Err(MoneyError::TooPrecise { currency });
        }

        // Minor units are the integer digits followed by the fraction padded to `exponent`
        // digits: "12.5" in USD reads as the digits 1, 2, 5, 0.
        let digits = whole
            .bytes()
            .filter(|&b| b != b',')
            .chain(fraction.bytes())
            .chain(std::iter::repeat_n(b'0', exponent - fraction.len()));
        let minor = digits_value(digits).ok_or(MoneyError::TooLarge)?;
        Amount::from_minor(minor, currency)
    }

    /// Always the code form, e.g. `JPY 12,300`, `USD 1,234.56`: unambiguous where a `$` would
    /// not be, and the number after the space is what [`Amount::parse`] reads back.
    pub fn to_code_string(&self) -> String {
        format!("{} {}", self.currency.code(), self.number())
    }

    /// The number in major units: `,` between groups of three, then exactly `exponent` decimals.
    fn number(&self) -> String {
        let scale = self.currency.scale();
        let whole = (self.minor / scale).to_string();
        let mut out = String::with_capacity(whole.len() * 4 / 3 + 6);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(digit);
        }
        if self.currency.exponent > 0 {
            let fraction = self.minor % scale;
            let width = usize::from(self.currency.exponent);
            out.push('.');
            out.push_str(&format!("{fraction:0width$}"));
        }
        out
    }
}

/// Whether `whole` is non-empty digits, with `,` either absent or between groups of three and
/// a first group of one to three digits.
fn well_grouped(whole: &str) -> bool {
    if !whole.contains(',') {
        return !whole.is_empty();
    }
    let mut groups = whole.split(',');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    first_ok && groups.all(|g| g.len() == 3)
}

/// The value of ASCII digits, or `None` on overflow. Leading zeros are harmless.
fn digits_value(mut digits: impl Iterator<Item = u8>) -> Option<u64> {
    digits.try_fold(0u64, |acc, b| acc.checked_mul(10)?.checked_add(u64::from(b - b'0')))
}

/// The symbol form when the currency has an unambiguous sign (`¥12,300`, `$1,234.56`,
/// `€0.05`), else the code form (`KWD 1.500`).
///
/// ```
/// use outpost_wallet_core::{Amount, Currency};
///
/// assert_eq!(Amount::from_minor(12_300, Currency::JPY)?.to_string(), "¥12,300");
/// assert_eq!(Amount::from_minor(123_456, Currency::USD)?.to_string(), "$1,234.56");
/// assert_eq!(Amount::from_minor(1_500, Currency::KWD)?.to_string(), "KWD 1.500");
/// # Ok::<(), outpost_wallet_core::MoneyError>(())
/// ```
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self.currency.symbol() {
            Some(symbol) => format!("{symbol}{}", self.number()),
            None => self.to_code_string(),
        };
        f.pad(&text)
    }
}

/// `Amount(JPY 12,300)`: the code form, so logs never depend on symbols.
impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({})", self.to_code_string())
    }
}
