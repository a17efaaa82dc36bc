//! Checkpoints: the ledger's signed statement of its audit log's size and Merkle root at a time.
//!
//! Wallets keep the newest checkpoint they have seen and accept a newer one only with a
//! consistency proof from it (RFC 6962 section 2.1.2), so a ledger that rewrites or drops history
//! is caught at the next sync. A ledger must never sign two checkpoints that do not extend one
//! another: the pair would be signed proof that it forked its log.
//!
//! One checkpoint has two forms, and one signature serves both
//! (docs/adr/0012-checkpoints-as-signed-notes.md):
//!
//! - the **note** anyone can check with standard tools: a C2SP `tlog-checkpoint` inside a C2SP
//!   `signed-note` ([`Checkpoint::to_note`], [`Checkpoint::from_note`]):
//!
//!   ```text
//!   outpost-ledger/<ledger public key, 64 lowercase hex digits>
//!   <tree size, decimal>
//!   <root hash, base64>
//!   time <ledger time, Unix seconds>
//!
//!   — outpost-ledger/<same key> <base64(key ID || Ed25519 signature of the four lines above)>
//!   ```
//!
//! - the **compact** bytes of sync answers, audit exports and QR codes ([`Checkpoint::to_bytes`]):
//!   `version 2 | size u64 | root 32 | time u64 | signature 64`, 113 bytes. The origin line is
//!   left out because it is made from the ledger key every verifier already pins.
//!
//! The Ed25519 signature is over the note text, so [`Checkpoint::verify`] rebuilds that text from
//! the compact fields and the pinned key and checks it by the protocol's one signature rule. It
//! needs no domain prefix of its own: every other message the ledger signs starts with the 4-byte
//! length of its domain (a zero byte), and a note text starts with the letter `o`.

use data_encoding::BASE64;
use ed25519_dalek::Signer;

use super::note::{self, NoteError, SignedNote};
use super::{LedgerSigner, ProtocolError};
use crate::encoding::{DecodeError, Reader, Writer};
use crate::hex;
use crate::merkle::{self, Hash, MerkleError};
use crate::signature;

const NAME: &str = "checkpoint";
/// Version 1 signed `outpost/checkpoint/v1 || body`; version 2 signs the note text.
const VERSION: u8 = 2;
/// Every ledger's origin line (and key name) is this and its public key in lowercase hex.
pub const ORIGIN_PREFIX: &str = "outpost-ledger/";
const TIME_PREFIX: &str = "time ";

/// A signed checkpoint. Its fields mean nothing until [`Checkpoint::verify`] succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Number of leaves in the log.
    pub size: u64,
    /// RFC 6962 root hash over those leaves.
    pub root: Hash,
    /// Ledger time (Unix seconds) when it was signed.
    pub time: u64,
    signature: [u8; 64],
}

/// How a checkpoint failed to extend the one a wallet or auditor held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    #[error("the ledger's log shrank from {held} to {offered} entries, so it dropped history")]
    Shrank { held: u64, offered: u64 },
    /// `reason` says which check of the consistency proof failed; it is kept for logs and tests,
    /// not put in the sentence, where the proof's inner words would mean nothing to a person.
    #[error(
        "the ledger's log of {offered} entries does not extend the {held} entries it showed before, \
         so its history was rewritten"
    )]
    Rewritten { held: u64, offered: u64, reason: MerkleError },
}

impl Checkpoint {
    /// The origin line of every checkpoint of the ledger with this key, which is also the key
    /// name of its signature: stable for the ledger's life and different for every ledger.
    ///
    /// ```
    /// use outpost_wallet_core::protocol::Checkpoint;
    ///
    /// assert_eq!(Checkpoint::origin(&[0xab; 32]), format!("outpost-ledger/{}", "ab".repeat(32)));
    /// ```
    pub fn origin(ledger_key: &[u8; 32]) -> String {
        format!("{ORIGIN_PREFIX}{}", hex::encode(ledger_key))
    }

    /// The ledger key in the form signed-note tools take (Go's `note.NewVerifier`):
    /// `origin+keyid+base64(0x01 || key)`.
    pub fn verifier_key(ledger_key: &[u8; 32]) -> String {
        note::ed25519_verifier_key(&Self::origin(ledger_key), ledger_key)
    }

    /// The text the ledger signs: the checkpoint's body as a C2SP `tlog-checkpoint`.
    pub fn note_text(&self, ledger_key: &[u8; 32]) -> String {
        text(&Self::origin(ledger_key), self.size, &self.root, self.time)
    }

    /// The checkpoint as a signed note, for anyone to check with standard tools. `ledger_key` is
    /// the key that signed it; with another key the note's signature will not verify.
    ///
    /// ```
    /// use outpost_wallet_core::protocol::{Checkpoint, LedgerSigner};
    ///
    /// let ledger = LedgerSigner::from_secret(&[1; 32]);
    /// let checkpoint = ledger.checkpoint(7, [0x42; 32], 1_790_000_000);
    /// let note = checkpoint.to_note(&ledger.public_key());
    /// let back = Checkpoint::from_note(note.as_bytes()).unwrap();
    /// assert_eq!(back, checkpoint);
    /// back.verify(&ledger.public_key()).unwrap();
    /// ```
    pub fn to_note(&self, ledger_key: &[u8; 32]) -> String {
        let origin = Self::origin(ledger_key);
        let key_id = note::key_id(&origin, note::ED25519, ledger_key);
        let mut note = text(&origin, self.size, &self.root, self.time);
        note.push('\n');
        note.push_str(&note::signature_line_for(&origin, key_id, &self.signature));
        note
    }

    /// Reads a checkpoint note: its text must be exactly what [`Checkpoint::to_note`] writes (an
    /// Outpost origin, canonical size and root, the time line, no other extension line), and one
    /// signature line must carry the origin's name and key ID. Other signatures (a witness's
    /// cosignature) are ignored, as the spec requires, and are not kept; of repeated lines by
    /// the ledger's key the first counts, as in Go's verifier. The signature is not checked here:
    /// call [`Checkpoint::verify`] with the pinned key, as for the compact form.
    pub fn from_note(note: &[u8]) -> Result<Self, NoteError> {
        let parsed = SignedNote::parse(note)?;
        let (ledger_key, size, root, time) = body(parsed.text)?;
        let origin = Self::origin(&ledger_key);
        let key_id = note::key_id(&origin, note::ED25519, &ledger_key);
        let ours = parsed
            .signatures
            .into_iter()
            .find(|s| s.name == origin && s.key_id == key_id)
            .ok_or(NoteError::NoLedgerSignature { origin })?;
        let signature = ours.signature.try_into().map_err(|_| NoteError::NotACheckpoint {
            reason: "the ledger's signature is not the 64 bytes of an Ed25519 signature",
        })?;
        Ok(Self { size, root, time, signature })
    }

    /// The compact form: 113 bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(113);
        w.u8(VERSION).u64(self.size).fixed(&self.root).u64(self.time).fixed(&self.signature);
        w.finish()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        let parse = || -> Result<Self, DecodeError> {
            let mut r = Reader::new(bytes);
            let checkpoint = Self::read(&mut r)?;
            r.finish()?;
            Ok(checkpoint)
        };
        parse().map_err(|source| ProtocolError::Malformed { message: NAME, source })
    }

    /// The size and root of a compact checkpoint of version 1, whose signature covered another
    /// text than today's note, so it cannot be verified or shown again: a wallet that stored one
    /// (after checking it) still holds the tree it promised, which the next answer must extend.
    /// `None` for anything else.
    pub fn previous_version_tree(bytes: &[u8]) -> Option<(u64, Hash)> {
        let mut r = Reader::new(bytes);
        r.version(NAME, 1).ok()?;
        let size = r.u64("log size").ok()?;
        let root = r.array("root").ok()?;
        r.u64("time").ok()?;
        r.array::<64>("signature").ok()?;
        r.finish().ok()?;
        Some((size, root))
    }

    /// Reads the compact form from inside a larger message.
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.version(NAME, VERSION)?;
        let size = r.u64("log size")?;
        let root = r.array("root")?;
        let time = r.u64("time")?;
        let signature = r.array("signature")?;
        Ok(Self { size, root, time, signature })
    }

    /// True when `self` and `other` are both signed for one log size with different roots: if
    /// both verify under one ledger key, the pair is self-contained proof that the ledger forked
    /// its log (signed two histories of the same length).
    pub fn conflicts_with(&self, other: &Checkpoint) -> bool {
        self.size == other.size && self.root != other.root
    }

    /// Checks the ledger's signature with the pinned ledger key. The one check for both forms:
    /// a checkpoint read from a note or from bytes passes exactly when the note verifies.
    pub fn verify(&self, ledger_key: &[u8; 32]) -> Result<(), ProtocolError> {
        if signature::verify(ledger_key, self.note_text(ledger_key).as_bytes(), &self.signature) {
            Ok(())
        } else {
            Err(ProtocolError::BadSignature { message: NAME })
        }
    }

    /// Checks, with the ledger's `proof`, that this checkpoint's log extends `held`'s: the first
    /// `held.size` leaves are unchanged. Both signatures must have been verified already.
    pub fn check_extends(&self, held: &Checkpoint, proof: &[Hash]) -> Result<(), CheckpointError> {
        self.check_extends_tree(held.size, &held.root, proof)
    }

    /// [`Checkpoint::check_extends`] from a tree held as its size and root.
    pub fn check_extends_tree(&self, size: u64, root: &Hash, proof: &[Hash]) -> Result<(), CheckpointError> {
        if self.size < size {
            return Err(CheckpointError::Shrank { held: size, offered: self.size });
        }
        if size == 0 {
            return Ok(());
        }
        merkle::verify_consistency(size, self.size, root, &self.root, proof)
            .map_err(|reason| CheckpointError::Rewritten { held: size, offered: self.size, reason })
    }
}

/// Writes `checkpoint` as a presence byte (0 or 1) and, when present, its compact form: how a
/// payment request and a receipt show the receiver's newest checkpoint.
pub(super) fn write_optional_checkpoint(w: &mut Writer, checkpoint: Option<&Checkpoint>) {
    match checkpoint {
        Some(c) => w.u8(1).fixed(&c.to_bytes()),
        None => w.u8(0),
    };
}

pub(super) fn read_optional_checkpoint(r: &mut Reader<'_>) -> Result<Option<Checkpoint>, DecodeError> {
    match r.u8("checkpoint flag")? {
        0 => Ok(None),
        1 => Checkpoint::read(r).map(Some),
        _ => Err(DecodeError::Invalid { what: "checkpoint flag", reason: "not 0 or 1" }),
    }
}

impl LedgerSigner {
    /// Signs a checkpoint of the ledger's log: an Ed25519 signature over its note text.
    pub fn checkpoint(&self, size: u64, root: Hash, time: u64) -> Checkpoint {
        let text = text(&Checkpoint::origin(&self.public_key()), size, &root, time);
        let signature = self.key.sign(text.as_bytes()).to_bytes();
        Checkpoint { size, root, time, signature }
    }
}

fn text(origin: &str, size: u64, root: &Hash, time: u64) -> String {
    format!("{origin}\n{size}\n{}\n{TIME_PREFIX}{time}\n", BASE64.encode(root))
}

/// The ledger key, size, root and time of a checkpoint note's text, which must be written exactly
/// as [`text`] writes it, so that the compact form, which keeps only these, rebuilds it byte for
/// byte.
fn body(text: &str) -> Result<([u8; 32], u64, Hash, u64), NoteError> {
    let not = |reason| NoteError::NotACheckpoint { reason };
    let lines: Vec<&str> = text.strip_suffix('\n').unwrap_or(text).split('\n').collect();
    let [origin, size, root, time] = lines[..] else {
        return Err(not("it needs four lines before the signatures: origin, size, root hash and time"));
    };
    let key = origin
        .strip_prefix(ORIGIN_PREFIX)
        .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .and_then(|digits| hex::decode_array::<32>(digits).ok())
        .ok_or(not("its origin is not outpost-ledger/ and a 64-digit lowercase hexadecimal key"))?;
    let size = decimal(size).ok_or(not("the tree size is not a decimal number without leading zeros"))?;
    let root = BASE64
        .decode(root.as_bytes())
        .ok()
        .and_then(|root| Hash::try_from(root).ok())
        .ok_or(not("the root hash is not the base64 of 32 bytes"))?;
    let time = time
        .strip_prefix(TIME_PREFIX)
        .and_then(decimal)
        .ok_or(not("the fourth line is not \"time\" and a decimal number without leading zeros"))?;
    Ok((key, size, root, time))
}

/// A u64 in its one decimal form: digits only, no sign, no leading zero except for `0` itself.
fn decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}
