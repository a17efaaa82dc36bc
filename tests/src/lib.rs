//! End-to-end scenarios that cross crate and process boundaries live in `tests/tests/`; the
//! child processes they drive live in `src/bin/`. Scenarios that need the ledger, the CLI or the
//! foreign-language bindings join them as those parts are built.
//!
//! What the tests and their child processes both need, such as how keys and ids travel on a
//! command line, is here.

/// Lower-case hex, as keys and transfer ids are passed between a test and its child process.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses exactly `N` bytes of hex (either case); anything else is an error naming the text.
pub fn from_hex<const N: usize>(text: &str) -> Result<[u8; N], String> {
    let bad = || format!("expected {N} bytes of hex, got {text:?}");
    // Checked digit by digit: `from_str_radix` alone would take a sign ("+f").
    if text.len() != 2 * N || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_the_wrong_length_or_digits() {
        let bytes = [0x00, 0x7f, 0xa5, 0xff];
        assert_eq!(to_hex(&bytes), "007fa5ff");
        assert_eq!(from_hex::<4>("007FA5ff"), Ok(bytes));
        assert!(from_hex::<4>("007fa5f").is_err());
        assert!(from_hex::<4>("007fa5ff00").is_err());
        assert!(from_hex::<4>("007fa5fg").is_err());
        assert!(from_hex::<2>("+1+1").is_err());
        assert!(from_hex::<2>("éé").is_err());
    }
}
