//! The one binary encoding Outpost uses for bytes that are stored, sealed, hashed or signed.
//!
//! Integers are fixed-width big-endian; byte strings and text carry a length prefix (four bytes,
//! or one byte for the short fields of QR-sized messages); there are no optional fields, maps or
//! floats. So every value has exactly one encoding, which is what lets a
//! hash or a signature over the bytes stand for the value itself. A [`Reader`] refuses trailing
//! bytes and any length beyond what is left, so a truncated or padded input is an error, not a
//! different value. See `docs/adr/0001-canonical-binary-encoding.md` for why not serde formats.

use thiserror::Error;

/// Why a byte string could not be decoded. Decoding never panics on any input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("input ends early: needed {needed} more bytes for {what}")]
    Truncated { what: &'static str, needed: usize },
    #[error("{extra} unexpected bytes after the end of the value")]
    TrailingBytes { extra: usize },
    #[error("{what} is {len} bytes, more than the {max} allowed")]
    TooLong { what: &'static str, len: usize, max: usize },
    #[error("{what} is not valid UTF-8 text")]
    NotUtf8 { what: &'static str },
    #[error("unsupported {what} version {found} (this build reads version {supported})")]
    UnsupportedVersion { what: &'static str, found: u8, supported: u8 },
    #[error("{what} has an invalid value: {reason}")]
    Invalid { what: &'static str, reason: &'static str },
}

/// Builds an encoding. Writing cannot fail; lengths that do not fit their prefix are a bug in
/// the caller, who bounds every variable-length field before encoding it.
#[derive(Default)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer with room for `capacity` bytes before it grows.
    pub fn with_capacity(capacity: usize) -> Self {
        Self { bytes: Vec::with_capacity(capacity) }
    }

    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.bytes.push(value);
        self
    }

    pub fn u16(&mut self, value: u16) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub fn u32(&mut self, value: u32) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// Bytes whose length both sides know (keys, hashes, signatures): no prefix.
    pub fn fixed(&mut self, value: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(value);
        self
    }

    /// Variable-length bytes with a 4-byte length prefix.
    ///
    /// # Panics
    /// If `value` is 4 GiB or longer, which no Outpost value can be.
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        let len = u32::try_from(value.len()).expect("encoded field under 4 GiB");
        self.u32(len);
        self.fixed(value)
    }

    pub fn text(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    /// Variable-length bytes with a 1-byte length prefix, for the bounded short fields of
    /// messages that must fit a QR code (memo, member id, a nested certificate).
    ///
    /// # Panics
    /// If `value` is longer than 255 bytes; callers bound these fields well below that.
    pub fn short_bytes(&mut self, value: &[u8]) -> &mut Self {
        let len = u8::try_from(value.len()).expect("short field under 256 bytes");
        self.u8(len);
        self.fixed(value)
    }

    pub fn short_text(&mut self, value: &str) -> &mut Self {
        self.short_bytes(value.as_bytes())
    }

    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

/// Reads an encoding strictly: call [`Reader::finish`] at the end to refuse trailing bytes.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < len {
            return Err(DecodeError::Truncated { what, needed: len - self.rest.len() });
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    pub fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    /// Length-prefixed bytes of at most `max` bytes. The bound is checked before anything is
    /// copied, so a forged length cannot make the reader allocate.
    pub fn bytes(&mut self, what: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let len = self.u32(what)? as usize;
        if len > max {
            return Err(DecodeError::TooLong { what, len, max });
        }
        self.take(len, what)
    }

    pub fn text(&mut self, what: &'static str, max: usize) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.bytes(what, max)?).map_err(|_| DecodeError::NotUtf8 { what })
    }

    /// Bytes with a 1-byte length prefix, at most `max` (which is below 256).
    pub fn short_bytes(&mut self, what: &'static str, max: usize) -> Result<&'a [u8], DecodeError> {
        let len = usize::from(self.u8(what)?);
        if len > max {
            return Err(DecodeError::TooLong { what, len, max });
        }
        self.take(len, what)
    }

    pub fn short_text(&mut self, what: &'static str, max: usize) -> Result<&'a str, DecodeError> {
        std::str::from_utf8(self.short_bytes(what, max)?).map_err(|_| DecodeError::NotUtf8 { what })
    }

    /// Reads a version byte and refuses any other version than `supported`.
    pub fn version(&mut self, what: &'static str, supported: u8) -> Result<(), DecodeError> {
        let found = self.u8(what)?;
        if found != supported {
            return Err(DecodeError::UnsupportedVersion { what, found, supported });
        }
        Ok(())
    }

    /// Everything not yet read, consuming it (for a final variable-length field).
    pub fn remainder(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }

    pub fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() { Ok(()) } else { Err(DecodeError::TrailingBytes { extra: self.rest.len() }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_the_reader_consumes_exactly_what_was_written() {
        let bytes = Writer::new().u8(7).u32(9).u64(u64::MAX).bytes(b"abc").text("¥").finish();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8("a").unwrap(), 7);
        assert_eq!(r.u32("b").unwrap(), 9);
        assert_eq!(r.u64("c").unwrap(), u64::MAX);
        assert_eq!(r.bytes("d", 3).unwrap(), b"abc");
        assert_eq!(r.text("e", 8).unwrap(), "¥");
        r.finish().unwrap();
    }

    #[test]
    fn every_truncation_of_a_value_is_a_typed_error() {
        let bytes = Writer::new().u64(1).bytes(b"hello").finish();
        for cut in 0..bytes.len() {
            let mut r = Reader::new(&bytes[..cut]);
            let result = r.u64("n").and_then(|_| r.bytes("s", 16).map(|_| ()));
            assert!(matches!(result, Err(DecodeError::Truncated { .. })), "cut at {cut}");
        }
    }

    #[test]
    fn short_fields_round_trip_and_refuse_lengths_over_their_bound() {
        let bytes = Writer::new().u16(513).short_bytes(b"xy").short_text("memo").finish();
        assert_eq!(bytes.len(), 2 + 1 + 2 + 1 + 4);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u16("a").unwrap(), 513);
        assert_eq!(r.short_bytes("b", 2).unwrap(), b"xy");
        assert_eq!(r.short_text("c", 3), Err(DecodeError::TooLong { what: "c", len: 4, max: 3 }));
    }

    #[test]
    fn a_forged_length_is_refused_before_reading() {
        let bytes = Writer::new().u32(u32::MAX).finish();
        let err = Reader::new(&bytes).bytes("memo", 64).unwrap_err();
        assert_eq!(err, DecodeError::TooLong { what: "memo", len: u32::MAX as usize, max: 64 });
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let bytes = Writer::new().u8(1).u8(2).finish();
        let mut r = Reader::new(&bytes);
        r.u8("a").unwrap();
        assert_eq!(r.finish(), Err(DecodeError::TrailingBytes { extra: 1 }));
    }
}
