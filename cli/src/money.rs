//! Money as the command line reads and writes it: currencies named by code, and the ledger's
//! signed minor-unit totals shown as amounts.

use outpost_wallet_core::{Amount, Currency, MoneyError};

use crate::error::Error;

/// The currency `code`, with its ISO 4217 exponent from the library's table, or with
/// `exponent` decimal places when given (needed for codes the table does not know).
pub fn currency(code: &str, exponent: Option<u8>) -> Result<Currency, Error> {
    let code = code.trim().to_ascii_uppercase();
    let currency = match exponent {
        Some(exponent) => Currency::new(&code, exponent),
        None => Currency::from_code(&code),
    };
    currency.map_err(|e| match (e, exponent) {
        (MoneyError::UnknownCurrency { .. }, None) => Error::UnknownCurrency { code: code.clone() },
        (e, _) => Error::BadCurrency { detail: e.to_string() },
    })
}

/// A ledger balance in minor units as an amount: `¥40,000`, or `-¥9,000` when owed.
pub fn signed(minor: i64, currency: Currency) -> String {
    match Amount::from_minor(minor.unsigned_abs(), currency) {
        Ok(amount) if minor < 0 => format!("-{amount}"),
        Ok(amount) => amount.to_string(),
        // Beyond the largest amount (only i64::MIN): the bare number is still the truth.
        Err(_) => format!("{minor} (minor units of {})", currency.code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_currencies_need_no_exponent() {
        assert_eq!(currency("usd", None).unwrap(), Currency::USD);
        assert_eq!(currency("XTS", Some(2)).unwrap().exponent(), 2);
        let err = currency("XTS", None).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownCurrency { .. }) && err.to_string().contains("--exponent"),
            "{err}"
        );
    }

    #[test]
    fn debts_show_with_a_minus_sign() {
        assert_eq!(signed(40_000, Currency::JPY), "¥40,000");
        assert_eq!(signed(-9_000, Currency::JPY), "-¥9,000");
        assert_eq!(signed(0, Currency::USD), "$0.00");
    }
}
