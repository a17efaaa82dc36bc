//! Hexadecimal: how Outpost writes keys, ids and hashes for people, JSON, URLs and logs.
//!
//! One spelling out (lowercase, so the same key always prints the same), either case in (what a
//! person types back or copies from elsewhere may be upper case). Every crate of the workspace
//! writes and reads hex through these functions, so none of them can disagree on a digit.
//!
//! ```
//! use outpost_wallet_core::hex;
//!
//! let key = [0xab; 32];
//! let text = hex::encode(&key);
//! assert_eq!(hex::decode_array::<32>(&text.to_uppercase()), Ok(key));
//! assert_eq!(hex::short(&key), "abababababab");
//! ```

use data_encoding::{HEXLOWER, HEXLOWER_PERMISSIVE};

/// Why text is not the hex that was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    #[error("it is not hexadecimal digits (0-9, a-f) in pairs")]
    NotHex,
    #[error("it is {found} bytes of hex where {expected} belong")]
    WrongLength { expected: usize, found: usize },
}

/// `bytes` as lowercase hex, two digits a byte.
pub fn encode(bytes: &[u8]) -> String {
    HEXLOWER.encode(bytes)
}

/// The first 12 digits (6 bytes) of an id or key: how messages, logs and the event log name one.
pub fn short(bytes: &[u8]) -> String {
    encode(&bytes[..bytes.len().min(6)])
}

/// The bytes written in `text`, in either case. A sign, a space or an odd digit count is refused.
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    HEXLOWER_PERMISSIVE.decode(text.as_bytes()).map_err(|_| HexError::NotHex)
}

/// Exactly `N` bytes written in `text`, in either case: a key, an id or a hash.
pub fn decode_array<const N: usize>(text: &str) -> Result<[u8; N], HexError> {
    let bytes = decode(text)?;
    let found = bytes.len();
    bytes.try_into().map_err(|_| HexError::WrongLength { expected: N, found })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_lowercase_and_reads_either_case() {
        let bytes = [0x00, 0x7f, 0xa5, 0xff];
        assert_eq!(encode(&bytes), "007fa5ff");
        assert_eq!(decode_array::<4>("007FA5ff"), Ok(bytes));
        assert_eq!(decode("007fa5ff"), Ok(bytes.to_vec()));
    }

    #[test]
    fn refuses_the_wrong_length_or_digits() {
        assert_eq!(decode_array::<4>("007fa5f"), Err(HexError::NotHex));
        assert_eq!(decode_array::<4>("007fa5ff00"), Err(HexError::WrongLength { expected: 4, found: 5 }));
        assert_eq!(decode_array::<4>("007fa5fg"), Err(HexError::NotHex));
        assert_eq!(decode_array::<2>("+1+1"), Err(HexError::NotHex));
        assert_eq!(decode_array::<2>("éé"), Err(HexError::NotHex));
        assert_eq!(decode(" 00"), Err(HexError::NotHex));
    }

    #[test]
    fn names_an_id_by_its_first_six_bytes() {
        assert_eq!(short(&[0x12; 32]), "121212121212");
        assert_eq!(short(&[0x01, 0x02]), "0102");
    }
}
