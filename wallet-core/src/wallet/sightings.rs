//! Checkpoints seen on other phones: what a payer's wallet learns about the ledger from the
//! receiver's payment request and receipt (docs/adr/0014-phones-compare-checkpoints.md).
//!
//! Each shown checkpoint is checked against the pinned ledger key and compared with the one this
//! wallet holds:
//!
//! - **same size, same root**: nothing to keep;
//! - **same size, different root**: both verify under the ledger's key, so the pair is
//!   self-contained proof that the ledger signed two histories of one length. It is kept as a
//!   [`ForkProof`] (sealed, like every row), the member is told, and the payment goes on: the
//!   proof is about the ledger, not about the person paid;
//! - **a different size**: kept, so the next sync can ask the ledger to prove the two consistent.
//!
//! A checkpoint that does not verify under the pinned key is reported and not kept: it proves
//! nothing about this wallet's ledger.
//!
//! Rows are never deleted: a ledger that forked may refuse the proof at sync, and the member can
//! still export it (`outpost wallet fork-proofs`).

use rusqlite::Transaction;
use sha2::{Digest, Sha256};

use super::payments::{Rows, read_ledger_key, short_id};
use super::sync::read_checkpoint;
use super::{Wallet, WalletError};
use crate::encoding::{DecodeError, Reader, Writer};
use crate::event_log::EventKind;
use crate::protocol::{Checkpoint, EquivocationProof};
use crate::vault::DataKey;

const TABLE: &str = "checkpoint_sighting";
const SIGHTING_VERSION: u8 = 1;
const CHECKPOINT_LEN: usize = 113;

/// What the other phone's checkpoint told this wallet about the ledger. The payment itself is
/// never refused for it: a fork is the ledger's fault, not the payee's.
#[derive(Debug, Clone, PartialEq, Eq)]
// Exhaustive on purpose: bindings map every variant.
pub enum CheckpointSeen {
    /// The code carried no checkpoint (the other phone never synced), or this wallet holds none
    /// to compare it with yet.
    NotShown,
    /// The other phone holds the same checkpoint as this wallet.
    Same { size: u64 },
    /// The other phone holds a checkpoint of another size: kept, and the next sync asks the
    /// ledger to prove it consistent with this wallet's.
    KeptForCheck { held_size: u64, seen_size: u64 },
    /// The ledger signed two different logs of `size` entries: one held here, one on the other
    /// phone. The pair is kept as proof and uploaded at the next sync.
    LedgerForked { size: u64 },
    /// The checkpoint is not signed by this wallet's ledger: ignored.
    NotFromOurLedger,
}

impl CheckpointSeen {
    /// The plain words to show the member, when there is something to say.
    pub fn notice(&self) -> Option<String> {
        match self {
            Self::LedgerForked { size } => Some(format!(
                "Warning: the ledger signed two different versions of its log at {size} entries, one \
                 on this phone and one on the other. That is proof the ledger's records were altered. \
                 The payment is not affected. The proof is kept on this phone and will be sent to the \
                 ledger and its auditors at the next sync; tell your finance officer."
            )),
            Self::NotFromOurLedger => Some(
                "The other phone showed a ledger checkpoint that is not signed by your ledger; it was \
                 ignored. The payment is not affected."
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// Two checkpoints the ledger signed for one log size with different roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkProof {
    /// The checkpoint this wallet held.
    pub held: Checkpoint,
    /// The checkpoint the other phone showed.
    pub seen: Checkpoint,
    /// Device time when the pair was found.
    pub found_at: u64,
}

/// One stored sighting: the held and the seen checkpoint, and what they were found to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sighting {
    pub(super) status: SightingStatus,
    pub(super) held: Checkpoint,
    pub(super) seen: Checkpoint,
    pub(super) found_at: u64,
    /// Put in a sync request for the ledger (which is retried until answered).
    pub(super) sent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SightingStatus {
    /// Same size, different roots.
    Fork,
    /// Different sizes, not yet proved consistent by the ledger.
    Unchecked,
}

impl SightingStatus {
    fn code(self) -> u8 {
        match self {
            Self::Fork => 1,
            Self::Unchecked => 2,
        }
    }
}

impl Sighting {
    fn reference(&self) -> [u8; 32] {
        Sha256::new().chain_update(self.held.to_bytes()).chain_update(self.seen.to_bytes()).finalize().into()
    }

    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(SIGHTING_VERSION)
            .u8(self.status.code())
            .fixed(&self.held.to_bytes())
            .fixed(&self.seen.to_bytes())
            .u64(self.found_at)
            .u8(u8::from(self.sent));
        w.finish()
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        r.version("checkpoint sighting", SIGHTING_VERSION)?;
        let status = match r.u8("status")? {
            1 => SightingStatus::Fork,
            2 => SightingStatus::Unchecked,
            _ => return Err(DecodeError::Invalid { what: "status", reason: "unknown" }),
        };
        let checkpoint = |r: &mut Reader<'_>, what| {
            let bytes: [u8; CHECKPOINT_LEN] = r.array(what)?;
            Checkpoint::from_bytes(&bytes)
                .map_err(|_| DecodeError::Invalid { what, reason: "not a checkpoint" })
        };
        let held = checkpoint(&mut r, "held checkpoint")?;
        let seen = checkpoint(&mut r, "seen checkpoint")?;
        let found_at = r.u64("found at")?;
        let sent = match r.u8("sent")? {
            0 => false,
            1 => true,
            _ => return Err(DecodeError::Invalid { what: "sent", reason: "not 0 or 1" }),
        };
        r.finish()?;
        Ok(Self { status, held, seen, found_at, sent })
    }
}

impl Wallet {
    /// Checks and compares the checkpoint another phone showed, keeps what must be kept (in its
    /// own transaction), and says what was seen. Called with the wallet unlocked.
    pub(super) fn compare_checkpoint(
        &self,
        store: &mut crate::store::Store,
        key: &DataKey,
        shown: Option<&Checkpoint>,
    ) -> Result<CheckpointSeen, WalletError> {
        let Some(seen) = shown else { return Ok(CheckpointSeen::NotShown) };
        let wallet_id = &self.record.wallet_id;
        let ledger_key = read_ledger_key(store.conn(), key, wallet_id)?.ok_or(WalletError::NotEnrolled)?;
        if seen.verify(&ledger_key).is_err() {
            return Ok(CheckpointSeen::NotFromOurLedger);
        }
        let Some(held) = read_checkpoint(store.conn(), key, wallet_id)? else {
            return Ok(CheckpointSeen::NotShown);
        };
        let (status, outcome) = if seen.conflicts_with(&held) {
            (SightingStatus::Fork, CheckpointSeen::LedgerForked { size: held.size })
        } else if seen.size == held.size {
            return Ok(CheckpointSeen::Same { size: held.size });
        } else {
            (
                SightingStatus::Unchecked,
                CheckpointSeen::KeptForCheck { held_size: held.size, seen_size: seen.size },
            )
        };
        let now = self.now();
        let sighting = Sighting { status, held, seen: seen.clone(), found_at: now, sent: false };
        let rows = self.rows(key);
        let tx = store.write()?;
        if put_sighting(&tx, &rows, &sighting)? && status == SightingStatus::Fork {
            let detail = format!(
                "ledger fork: two checkpoints signed for {} entries (roots {} here and {} on another \
                 phone); both kept as proof for the next sync",
                sighting.held.size,
                short_id(&sighting.held.root),
                short_id(&sighting.seen.root)
            );
            self.log(key).append(&tx, now, EventKind::LedgerForkDetected, &detail)?;
        }
        tx.commit()?;
        Ok(outcome)
    }

    /// Every fork proof this wallet holds, oldest first: pairs of checkpoints the ledger signed
    /// for one size with different roots. Kept whether or not the ledger accepted them.
    pub fn fork_proofs(&self) -> Result<Vec<ForkProof>, WalletError> {
        Ok(self
            .sightings()?
            .into_iter()
            .filter(|s| s.status == SightingStatus::Fork)
            .map(|s| ForkProof { held: s.held, seen: s.seen, found_at: s.found_at })
            .collect())
    }

    pub(super) fn sightings(&self) -> Result<Vec<Sighting>, WalletError> {
        self.with_unlocked(|store, key| self.rows(key).all(store.conn(), TABLE, Sighting::decode))
    }
}

/// The fork proofs not yet put in a sync request, at most `max`, marked sent in `tx`: the
/// request that carries them is kept and resent until the ledger answers it.
pub(super) fn take_unsent_proofs(
    tx: &Transaction<'_>,
    rows: &Rows<'_>,
    max: usize,
) -> Result<Vec<EquivocationProof>, WalletError> {
    let mut proofs = Vec::new();
    for mut sighting in rows.all(tx, TABLE, Sighting::decode)? {
        if sighting.status != SightingStatus::Fork || sighting.sent || proofs.len() == max {
            continue;
        }
        let proof = EquivocationProof::new(sighting.held.clone(), sighting.seen.clone())
            .map_err(|_| tampered_sighting(&sighting))?;
        sighting.sent = true;
        rows.put(tx, TABLE, &rows.lookup(TABLE, &sighting.reference()), &sighting.encode())?;
        proofs.push(proof);
    }
    Ok(proofs)
}

fn tampered_sighting(sighting: &Sighting) -> WalletError {
    crate::vault::VaultError::Tampered { table: TABLE, id: short_id(&sighting.reference()) }.into()
}

/// Stores `sighting` unless the same pair is already kept; true when it was new.
fn put_sighting(tx: &Transaction<'_>, rows: &Rows<'_>, sighting: &Sighting) -> Result<bool, WalletError> {
    let reference = rows.lookup(TABLE, &sighting.reference());
    if rows.get(tx, TABLE, &reference, Sighting::decode)?.is_some() {
        return Ok(false);
    }
    rows.put(tx, TABLE, &reference, &sighting.encode())?;
    Ok(true)
}
