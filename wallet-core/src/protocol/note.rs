//! Signed notes (C2SP `signed-note`, <https://c2sp.org/signed-note>): the text format in which
//! the ledger publishes its checkpoints, so that tools outside Outpost (Go's
//! `golang.org/x/mod/sumdb/note`, transparency-log witnesses) can check them.
//!
//! A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
//!
//! ```text
//! <text: one or more lines>
//!
//! — <key name> <base64(key ID || signature)>
//! — <another key name> <…>
//! ```
//!
//! This module reads and writes that frame and knows no keys: [`SignedNote::parse`] checks the
//! form of every line and hands back the text and the signatures as found. Which signature to
//! trust is the caller's decision, by key name *and* key ID; the spec requires every other
//! signature to be ignored (they are how witnesses add cosignatures), and a signature that claims
//! a trusted name and ID but fails must reject the note.
//!
//! Limits, as the spec asks verifiers to have them: at most [`MAX_NOTE`] bytes and
//! [`MAX_SIGNATURES`] signature lines, the same line count Go's verifier accepts.

use data_encoding::BASE64;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The largest note accepted, in bytes: room for the 16 signatures the spec says every verifier
/// must accept even when they are post-quantum ones of nearly 5 kB.
pub const MAX_NOTE: usize = 96 * 1024;
/// The most signature lines accepted in one note.
pub const MAX_SIGNATURES: usize = 100;
/// The signature type byte of a plain Ed25519 signature over the note text.
pub const ED25519: u8 = 0x01;

const SIGNATURE_PREFIX: &str = "— ";

/// Why a note was refused. Each says what a person looking at the text should check.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NoteError {
    #[error("the note is {len} bytes, more than the {max} accepted")]
    TooLong { len: usize, max: usize },
    #[error("the note is not UTF-8 text free of control characters other than newline")]
    NotText,
    #[error(
        "the note has no blank line followed by signature lines: it is not a signed note, or it \
         was cut"
    )]
    NoSignatures,
    #[error("signature line {line} of the note is malformed: {reason}")]
    MalformedSignature { line: usize, reason: &'static str },
    #[error("the note has more than {max} signature lines")]
    TooManySignatures { max: usize },
    #[error("the note is not an Outpost ledger checkpoint: {reason}")]
    NotACheckpoint { reason: &'static str },
    #[error(
        "the note carries no signature by {origin} with its key ID: it was signed by other keys \
         only, or its signature line was removed"
    )]
    NoLedgerSignature { origin: String },
}

/// One signature line: who claims to have signed, and the bytes after the key ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    pub signature: Vec<u8>,
}

/// A note split into its text (with the final newline, as it is signed) and its signature lines,
/// each well formed but none of them verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote<'a> {
    pub text: &'a str,
    pub signatures: Vec<NoteSignature>,
}

impl<'a> SignedNote<'a> {
    /// Splits `note` at its last blank line and reads each signature line.
    ///
    /// ```
    /// use outpost_wallet_core::protocol::note::{NoteError, SignedNote};
    ///
    /// let note = SignedNote::parse(b"hello\n\n\xe2\x80\x94 example.com/k AAAAAAE=\n").unwrap();
    /// assert_eq!(note.text, "hello\n");
    /// assert_eq!(note.signatures[0].key_id, 0);
    /// assert_eq!(SignedNote::parse(b"hello\n"), Err(NoteError::NoSignatures));
    /// ```
    pub fn parse(note: &'a [u8]) -> Result<Self, NoteError> {
        if note.len() > MAX_NOTE {
            return Err(NoteError::TooLong { len: note.len(), max: MAX_NOTE });
        }
        let note = std::str::from_utf8(note).map_err(|_| NoteError::NotText)?;
        if note.chars().any(|c| c < ' ' && c != '\n') {
            return Err(NoteError::NotText);
        }
        let split = note.rfind("\n\n").ok_or(NoteError::NoSignatures)?;
        let (text, block) = (&note[..=split], &note[split + 2..]);
        let Some(block) = block.strip_suffix('\n') else {
            return Err(NoteError::NoSignatures);
        };
        let mut signatures = Vec::new();
        for (index, line) in block.split('\n').enumerate() {
            if index == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
            }
            signatures.push(signature_line(line).map_err(|reason| NoteError::MalformedSignature {
                line: text.lines().count() + 2 + index,
                reason,
            })?);
        }
        Ok(Self { text, signatures })
    }
}

fn signature_line(line: &str) -> Result<NoteSignature, &'static str> {
    let line = line.strip_prefix(SIGNATURE_PREFIX).ok_or("it does not start with an em dash and a space")?;
    let (name, encoded) = line.split_once(' ').ok_or("it has no space between key name and signature")?;
    if !is_valid_name(name) {
        return Err("the key name is empty or holds a space or a plus sign");
    }
    let bytes = BASE64.decode(encoded.as_bytes()).map_err(|_| "the signature is not standard base64")?;
    if bytes.len() < 5 {
        return Err("the signature is shorter than a key ID and one byte");
    }
    let (key_id, signature) = bytes.split_at(4);
    let key_id = u32::from_be_bytes(key_id.try_into().expect("4 bytes"));
    Ok(NoteSignature { name: name.to_owned(), key_id, signature: signature.to_vec() })
}

/// A key name the spec allows: not empty, no Unicode space, no `+` (which separates the fields
/// of a verifier key).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The key ID the spec recommends: the first four bytes of
/// SHA-256(name || 0x0A || signature type || public key), read big-endian.
pub fn key_id(name: &str, signature_type: u8, public_key: &[u8]) -> u32 {
    let mut hash = Sha256::new();
    hash.update(name.as_bytes());
    hash.update([b'\n', signature_type]);
    hash.update(public_key);
    let digest = hash.finalize();
    u32::from_be_bytes(digest[..4].try_into().expect("4 bytes"))
}

/// One signature line, newline included: `— name base64(key ID || signature)`.
pub fn signature_line_for(name: &str, key_id: u32, signature: &[u8]) -> String {
    let encoded = BASE64.encode(&[&key_id.to_be_bytes()[..], signature].concat());
    format!("{SIGNATURE_PREFIX}{name} {encoded}\n")
}

/// An Ed25519 key as signed-note tools read it (Go's `note.NewVerifier`, the spec's "vkey"):
/// `name+keyid+base64(0x01 || public key)`, the key ID as eight hexadecimal digits.
pub fn ed25519_verifier_key(name: &str, public_key: &[u8; 32]) -> String {
    let id = key_id(name, ED25519, public_key);
    let encoded = BASE64.encode(&[&[ED25519][..], public_key].concat());
    format!("{name}+{id:08x}+{encoded}")
}

/// A verifier key as signed-note tools write it (the spec's "vkey"):
/// `name+keyid+base64(type || public key)`, read for the 32-byte keys of Ed25519 signatures
/// (type [`ED25519`]) and Ed25519 cosignatures (type 0x04, C2SP `tlog-cosignature`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    pub name: String,
    pub key_id: u32,
    pub signature_type: u8,
    pub public_key: [u8; 32],
}

impl VerifierKey {
    /// Reads a verifier key, refusing one whose key ID is not the one its name, type and key give.
    ///
    /// ```
    /// use outpost_wallet_core::protocol::note::{ed25519_verifier_key, VerifierKey};
    ///
    /// let vkey = ed25519_verifier_key("example.com/log", &[7; 32]);
    /// let parsed = VerifierKey::parse(&vkey).unwrap();
    /// assert_eq!((parsed.name.as_str(), parsed.public_key), ("example.com/log", [7; 32]));
    /// assert!(VerifierKey::parse("example.com/log+00000000+AQ==").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let mut fields = text.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (fields.next(), fields.next(), fields.next()) else {
            return Err("a verifier key is name+keyid+base64(type || key)");
        };
        if !is_valid_name(name) {
            return Err("the key name is empty or holds a space or a plus sign");
        }
        if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("the key ID is not eight hexadecimal digits");
        }
        let key_id = u32::from_str_radix(id, 16).map_err(|_| "the key ID is not eight hexadecimal digits")?;
        let bytes = BASE64.decode(key.as_bytes()).map_err(|_| "the key is not standard base64")?;
        let (&signature_type, public_key) = bytes.split_first().ok_or("the key is empty")?;
        let public_key: [u8; 32] =
            public_key.try_into().map_err(|_| "the key is not a type byte and 32 bytes of Ed25519 key")?;
        if key_id != self::key_id(name, signature_type, &public_key) {
            return Err("the key ID does not match the name, type and key");
        }
        Ok(Self { name: name.to_owned(), key_id, signature_type, public_key })
    }
}

impl std::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let encoded = BASE64.encode(&[&[self.signature_type][..], &self.public_key].concat());
        write!(f, "{}+{:08x}+{encoded}", self.name, self.key_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str, lines: &[&str]) -> Vec<u8> {
        let mut note = format!("{text}\n");
        for line in lines {
            note.push_str(line);
            note.push('\n');
        }
        note.into_bytes()
    }

    const LINE: &str = "— example.com/k AAAAAQI=";

    #[test]
    fn a_note_splits_at_its_last_blank_line() {
        let bytes = note("a\n\nb\n", &[LINE, "— other/w AAAAAgME"]);
        let parsed = SignedNote::parse(&bytes).unwrap();
        assert_eq!(parsed.text, "a\n\nb\n");
        assert_eq!(parsed.signatures.len(), 2);
        assert_eq!(
            parsed.signatures[0],
            NoteSignature { name: "example.com/k".into(), key_id: 1, signature: vec![2] }
        );
        assert_eq!(parsed.signatures[1].key_id, 2);
    }

    #[test]
    fn a_note_without_its_blank_line_or_final_newline_is_refused() {
        assert_eq!(SignedNote::parse(format!("a\n{LINE}\n").as_bytes()), Err(NoteError::NoSignatures));
        assert_eq!(SignedNote::parse(format!("a\n\n{LINE}").as_bytes()), Err(NoteError::NoSignatures));
        assert_eq!(SignedNote::parse(b"a\n\n"), Err(NoteError::NoSignatures));
    }

    #[test]
    fn control_characters_and_invalid_utf8_are_refused() {
        for bad in [&b"a\r\n\n"[..], b"a\t\n\n", b"\xff\n\n"] {
            let mut bytes = bad.to_vec();
            bytes.extend_from_slice(LINE.as_bytes());
            bytes.push(b'\n');
            assert_eq!(SignedNote::parse(&bytes), Err(NoteError::NotText), "{bad:?}");
        }
    }

    #[test]
    fn every_malformed_signature_line_is_refused_by_number() {
        for (line, reason) in [
            ("- example.com/k AAAAAQI=", "it does not start with an em dash and a space"),
            ("— example.com/k", "it has no space between key name and signature"),
            ("— a+b AAAAAQI=", "the key name is empty or holds a space or a plus sign"),
            ("—  AAAAAQI=", "the key name is empty or holds a space or a plus sign"),
            ("— example.com/k AAAAAQI", "the signature is not standard base64"),
            ("— example.com/k AAAA-QI=", "the signature is not standard base64"),
            ("— example.com/k AAAAAQI= ", "the signature is not standard base64"),
            ("— example.com/k AAAAAA==", "the signature is shorter than a key ID and one byte"),
        ] {
            assert_eq!(
                SignedNote::parse(&note("a\nb\n", &[LINE, line])),
                Err(NoteError::MalformedSignature { line: 5, reason }),
                "{line}"
            );
        }
    }

    #[test]
    fn an_oversized_note_or_too_many_signatures_are_refused_before_reading_on() {
        let big = note(&"x".repeat(MAX_NOTE), &[LINE]);
        assert_eq!(SignedNote::parse(&big), Err(NoteError::TooLong { len: big.len(), max: MAX_NOTE }));
        let lines = vec![LINE; MAX_SIGNATURES];
        assert_eq!(SignedNote::parse(&note("a\n", &lines)).unwrap().signatures.len(), MAX_SIGNATURES);
        let lines = vec![LINE; MAX_SIGNATURES + 1];
        assert_eq!(
            SignedNote::parse(&note("a\n", &lines)),
            Err(NoteError::TooManySignatures { max: MAX_SIGNATURES })
        );
    }

    #[test]
    fn the_key_id_and_verifier_key_follow_the_spec() {
        let key = [7u8; 32];
        let mut hash = Sha256::new();
        hash.update(b"example.com/k\n\x01");
        hash.update(key);
        let expected = u32::from_be_bytes(hash.finalize()[..4].try_into().unwrap());
        assert_eq!(key_id("example.com/k", ED25519, &key), expected);
        let vkey = ed25519_verifier_key("example.com/k", &key);
        let parts: Vec<&str> = vkey.split('+').collect();
        assert_eq!(parts[..2], ["example.com/k", &format!("{expected:08x}")]);
        assert_eq!(BASE64.decode(parts[2].as_bytes()).unwrap(), [&[1u8][..], &key].concat());
        let line = signature_line_for("example.com/k", expected, &[9; 64]);
        let bytes = format!("t\n\n{line}");
        let parsed = SignedNote::parse(bytes.as_bytes()).unwrap();
        assert_eq!(parsed.signatures[0].key_id, expected);
        assert_eq!(parsed.signatures[0].signature, [9; 64]);
    }
}
