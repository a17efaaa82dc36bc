//! Witnessed checkpoints: what a sync answer carries so that a wallet can demand that witnesses
//! outside HQ saw the ledger's log (issue 18, docs/adr/0013-witnesses.md).
//!
//! The ledger asks its witnesses to cosign in the background, never inside a sync, so the fresh
//! checkpoint of an answer is never cosigned yet. The answer carries, beside it, the newest
//! checkpoint the ledger holds cosignatures for, those cosignatures in compact form, and a
//! consistency proof from it to the fresh checkpoint. A wallet that pinned witness keys with a
//! threshold ([`WitnessPolicy`]) accepts the answer only when:
//!
//! 1. the witnessed checkpoint carries the ledger's valid signature;
//! 2. at least `threshold` distinct pinned witnesses validly cosigned it (a cosignature by a key
//!    the wallet does not pin is ignored, as the spec requires; one that claims a pinned key and
//!    fails refuses the answer; a witness cosigning twice counts once);
//! 3. the fresh checkpoint extends it (consistency proof);
//! 4. it is not older than the witnessed checkpoint the wallet accepted before;
//! 5. it is fresh enough: the same size as the fresh checkpoint, or signed at most
//!    [`MAX_WITNESS_LAG`] seconds of ledger time before it.
//!
//! Entries after the witnessed size are not yet witnessed; rule 5 bounds how long a ledger can
//! keep a wallet on an unwitnessed branch, and the next sync's witnessed checkpoint, which must
//! extend both, exposes a branch the witnesses never saw.
//!
//! Compact form, inside the sync response: `flag u8` (0: none), then `checkpoint` (4-byte length
//! and its 113 compact bytes), `count u8` (at most [`MAX_COSIGNATURES`]) of `key ID u32 |
//! timestamp u64 | Ed25519 signature 64`, and the consistency proof (`count u8` of 32-byte
//! hashes). The witness's name is not carried: the wallet takes it from the pinned key whose key
//! ID matches, which is how it rebuilds the signed-note signature line.

use std::collections::BTreeSet;

use super::cosignature::{CosignatureError, WitnessKey};
use super::note::NoteSignature;
use super::{Checkpoint, CheckpointError, ProtocolError};
use crate::encoding::{DecodeError, Reader, Writer};
use crate::merkle::{Hash, MAX_CONSISTENCY_PROOF_LEN};

/// Most cosignatures one sync answer carries.
pub const MAX_COSIGNATURES: usize = 8;
/// Most witness keys a wallet pins.
pub const MAX_PINNED_WITNESSES: usize = 16;
/// How far, in seconds of ledger time, the witnessed checkpoint may trail the fresh one when the
/// log grew in between. The ledger runs a witnessing round every 30 seconds and after each sync;
/// ten minutes rides out a witness restarting or a slow network, and is the longest a ledger can
/// show a wallet entries no witness has seen.
pub const MAX_WITNESS_LAG: u64 = 600;

const POLICY_VERSION: u8 = 1;

/// One witness's cosignature as a sync answer carries it: the key ID that names the witness among
/// those the wallet pins, and the bytes of a C2SP cosignature v1 line after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactCosignature {
    pub key_id: u32,
    pub timestamp: u64,
    pub signature: [u8; 64],
}

impl CompactCosignature {
    /// The compact form of a cosignature line, or `None` if it is not 72 bytes of timestamp and
    /// Ed25519 signature.
    pub fn from_line(line: &NoteSignature) -> Option<Self> {
        let (timestamp, signature) = line.signature.split_at_checked(8)?;
        Some(Self {
            key_id: line.key_id,
            timestamp: u64::from_be_bytes(timestamp.try_into().ok()?),
            signature: signature.try_into().ok()?,
        })
    }

    fn line_for(&self, witness: &WitnessKey) -> NoteSignature {
        NoteSignature {
            name: witness.name().to_owned(),
            key_id: self.key_id,
            signature: [&self.timestamp.to_be_bytes()[..], &self.signature].concat(),
        }
    }
}

/// The newest checkpoint the ledger holds cosignatures for, with a consistency proof from it to
/// the fresh checkpoint of the same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessedCheckpoint {
    pub checkpoint: Checkpoint,
    pub cosignatures: Vec<CompactCosignature>,
    pub consistency: Vec<Hash>,
}

pub(super) fn write(w: &mut Writer, witnessed: Option<&WitnessedCheckpoint>) -> Result<(), ProtocolError> {
    let Some(witnessed) = witnessed else {
        w.u8(0);
        return Ok(());
    };
    if witnessed.cosignatures.len() > MAX_COSIGNATURES {
        return Err(ProtocolError::Invalid {
            message: "witnessed checkpoint",
            reason: "more cosignatures than one sync carries",
        });
    }
    if witnessed.consistency.len() > MAX_CONSISTENCY_PROOF_LEN {
        return Err(ProtocolError::Invalid {
            message: "witnessed checkpoint",
            reason: "consistency proof too long",
        });
    }
    w.u8(1).bytes(&witnessed.checkpoint.to_bytes());
    w.u8(witnessed.cosignatures.len() as u8);
    for c in &witnessed.cosignatures {
        w.u32(c.key_id).u64(c.timestamp).fixed(&c.signature);
    }
    w.u8(witnessed.consistency.len() as u8);
    for hash in &witnessed.consistency {
        w.fixed(hash);
    }
    Ok(())
}

pub(super) fn read(r: &mut Reader<'_>) -> Result<Option<WitnessedCheckpoint>, ProtocolError> {
    let m = |source| ProtocolError::Malformed { message: "sync response", source };
    match r.u8("witnessed flag").map_err(m)? {
        0 => return Ok(None),
        1 => {}
        _ => return Err(m(DecodeError::Invalid { what: "witnessed flag", reason: "not 0 or 1" })),
    }
    let checkpoint = Checkpoint::from_bytes(r.bytes("witnessed checkpoint", 1024).map_err(m)?)?;
    let n = usize::from(r.u8("cosignatures").map_err(m)?);
    if n > MAX_COSIGNATURES {
        return Err(m(DecodeError::TooLong { what: "cosignatures", len: n, max: MAX_COSIGNATURES }));
    }
    let mut cosignatures = Vec::with_capacity(n);
    for _ in 0..n {
        cosignatures.push(CompactCosignature {
            key_id: r.u32("cosignature key id").map_err(m)?,
            timestamp: r.u64("cosignature time").map_err(m)?,
            signature: r.array("cosignature").map_err(m)?,
        });
    }
    let n = usize::from(r.u8("witnessed consistency proof").map_err(m)?);
    if n > MAX_CONSISTENCY_PROOF_LEN {
        return Err(m(DecodeError::TooLong {
            what: "witnessed consistency proof",
            len: n,
            max: MAX_CONSISTENCY_PROOF_LEN,
        }));
    }
    let consistency =
        (0..n).map(|_| r.array("witnessed consistency proof")).collect::<Result<_, _>>().map_err(m)?;
    Ok(Some(WitnessedCheckpoint { checkpoint, cosignatures, consistency }))
}

/// Why a wallet refused a sync answer under its witness policy, or a policy could not be pinned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    #[error("these witness keys cannot be pinned ({reason}): check the keys and how many are needed")]
    BadPolicy { reason: String },
    #[error(
        "the ledger's answer carries no witnessed checkpoint and this wallet requires {required} \
         witness cosignatures, so nothing from it was applied: sync again later, when a witness answers"
    )]
    Missing { required: u8 },
    #[error(
        "the witnessed checkpoint in the ledger's answer is not signed by the pinned ledger key, so \
         nothing from it was applied: tell your finance officer"
    )]
    BadLedgerSignature,
    #[error(
        "the ledger's checkpoint is cosigned by {valid} of the witnesses this wallet pins and it \
         requires {required}, so nothing from it was applied: sync again later, once the witnesses \
         have seen this log"
    )]
    TooFewCosignatures { valid: u8, required: u8 },
    #[error("{0}, so nothing from the ledger's answer was applied: sync again later")]
    BadCosignature(CosignatureError),
    #[error(
        "the ledger's fresh checkpoint does not extend the one its witnesses saw ({0}), so nothing \
         from its answer was applied: tell your finance officer"
    )]
    Inconsistent(CheckpointError),
    #[error(
        "the witnessed checkpoint covers {offered} entries, fewer than the {held} this wallet \
         already holds witnessed, so nothing from the answer was applied: sync again later"
    )]
    OlderThanHeld { held: u64, offered: u64 },
    #[error(
        "the witnessed checkpoint is {behind} seconds older than the ledger's fresh one (at most \
         {max} allowed), so nothing from the answer was applied: sync again later"
    )]
    TooStale { behind: u64, max: u64 },
}

/// Which witnesses a wallet requires, and how many of them: `threshold` of `keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessPolicy {
    keys: Vec<WitnessKey>,
    threshold: u8,
}

impl WitnessPolicy {
    /// Requires cosignatures by `threshold` distinct keys of `keys`.
    ///
    /// ```
    /// use outpost_wallet_core::protocol::cosignature::Cosigner;
    /// use outpost_wallet_core::protocol::witnessed::WitnessPolicy;
    ///
    /// let w1 = Cosigner::from_secret("w1.example", &[1; 32]).unwrap();
    /// let w2 = Cosigner::from_secret("w2.example", &[2; 32]).unwrap();
    /// let policy = WitnessPolicy::parse(&[w1.verifier_key(), w2.verifier_key()], 2).unwrap();
    /// assert_eq!(policy.threshold(), 2);
    /// assert!(WitnessPolicy::parse(&[w1.verifier_key()], 2).is_err());
    /// ```
    pub fn new(keys: Vec<WitnessKey>, threshold: u8) -> Result<Self, WitnessError> {
        let bad = |reason: &str| WitnessError::BadPolicy { reason: reason.to_owned() };
        if keys.is_empty() || keys.len() > MAX_PINNED_WITNESSES {
            return Err(bad("pin between 1 and 16 witness keys"));
        }
        if threshold == 0 || usize::from(threshold) > keys.len().min(MAX_COSIGNATURES) {
            return Err(bad("the threshold must be at least 1 and at most the number of keys (and 8)"));
        }
        let ids: BTreeSet<(&str, [u8; 32])> = keys.iter().map(|k| (k.name(), k.public_key())).collect();
        let names: BTreeSet<&str> = keys.iter().map(|k| k.name()).collect();
        let publics: BTreeSet<[u8; 32]> = keys.iter().map(|k| k.public_key()).collect();
        if ids.len() != keys.len() || names.len() != keys.len() || publics.len() != keys.len() {
            return Err(bad("a witness is listed twice (same name or same key)"));
        }
        Ok(Self { keys, threshold })
    }

    /// [`WitnessPolicy::new`] from verifier keys as `outpost witness` prints them.
    pub fn parse(keys: &[String], threshold: u8) -> Result<Self, WitnessError> {
        let keys = keys
            .iter()
            .map(|k| WitnessKey::parse(k))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| WitnessError::BadPolicy { reason: e.to_string() })?;
        Self::new(keys, threshold)
    }

    pub fn keys(&self) -> &[WitnessKey] {
        &self.keys
    }

    pub fn threshold(&self) -> u8 {
        self.threshold
    }

    /// `version 1 | threshold u8 | count u8 | (name short text | public key 32)*`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(POLICY_VERSION).u8(self.threshold).u8(self.keys.len() as u8);
        for key in &self.keys {
            w.short_text(key.name()).fixed(&key.public_key());
        }
        w.finish()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WitnessError> {
        let bad = |reason: String| WitnessError::BadPolicy { reason };
        let mut r = Reader::new(bytes);
        let decode = |e: DecodeError| bad(e.to_string());
        r.version("witness policy", POLICY_VERSION).map_err(decode)?;
        let threshold = r.u8("threshold").map_err(decode)?;
        let n = usize::from(r.u8("witness keys").map_err(decode)?);
        if n > MAX_PINNED_WITNESSES {
            return Err(decode(DecodeError::TooLong {
                what: "witness keys",
                len: n,
                max: MAX_PINNED_WITNESSES,
            }));
        }
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.short_text("witness name", 255).map_err(decode)?;
            let public_key = r.array("witness key").map_err(decode)?;
            keys.push(WitnessKey::new(name, public_key).map_err(|e| bad(e.to_string()))?);
        }
        r.finish().map_err(decode)?;
        Self::new(keys, threshold)
    }

    /// Checks an answer's witnessed checkpoint against this policy, the fresh checkpoint of the
    /// same answer (whose signature the caller verified) and the witnessed checkpoint the wallet
    /// held, in the order of the module documentation. Returns the checkpoint to keep as the
    /// newest witnessed one.
    pub fn check(
        &self,
        ledger_key: &[u8; 32],
        fresh: &Checkpoint,
        witnessed: Option<&WitnessedCheckpoint>,
        held: Option<&Checkpoint>,
    ) -> Result<Checkpoint, WitnessError> {
        let witnessed = witnessed.ok_or(WitnessError::Missing { required: self.threshold })?;
        let checkpoint = &witnessed.checkpoint;
        checkpoint.verify(ledger_key).map_err(|_| WitnessError::BadLedgerSignature)?;
        let text = checkpoint.note_text(ledger_key);
        let mut cosigned = BTreeSet::new();
        for cosignature in &witnessed.cosignatures {
            for (index, key) in self.keys.iter().enumerate() {
                let line = cosignature.line_for(key);
                if key.claims(&line) {
                    key.verify(&text, &line).map_err(WitnessError::BadCosignature)?;
                    cosigned.insert(index);
                }
            }
        }
        let valid = cosigned.len() as u8;
        if valid < self.threshold {
            return Err(WitnessError::TooFewCosignatures { valid, required: self.threshold });
        }
        fresh.check_extends(checkpoint, &witnessed.consistency).map_err(WitnessError::Inconsistent)?;
        if let Some(held) = held
            && checkpoint.size < held.size
        {
            return Err(WitnessError::OlderThanHeld { held: held.size, offered: checkpoint.size });
        }
        let behind = fresh.time.saturating_sub(checkpoint.time);
        if checkpoint.size < fresh.size && behind > MAX_WITNESS_LAG {
            return Err(WitnessError::TooStale { behind, max: MAX_WITNESS_LAG });
        }
        Ok(checkpoint.clone())
    }
}
