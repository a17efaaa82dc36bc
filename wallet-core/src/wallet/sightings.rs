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
//! - **a different size**: kept, and the next sync asks the ledger to prove its fresh checkpoint
//!   consistent with it (docs/adr/0015-the-ledger-proves-what-phones-saw.md). A proof that
//!   verifies marks it checked, and it is asked no more. When the ledger cannot prove it (no
//!   proof, one that fails, an answer smaller than the checkpoint seen, or one of the same size
//!   with another root), the pair stays as an [`UnprovedPair`]: both checkpoints are signed by
//!   the ledger, so anyone can ask it again, and the member is told in plain words.
//!
//! A fork proof is sent at every sync until an answer carries the log entry that records it,
//! proved in the answer's checkpoint; the entry's position is kept with it.
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
use crate::audit::{AuditEntry, EntryKind};
use crate::encoding::{DecodeError, Reader, Writer};
use crate::event_log::EventKind;
use crate::merkle;
use crate::protocol::sync::{ProvedEntry, SyncResponseBody};
use crate::protocol::{Checkpoint, EquivocationProof, MessageId};
use crate::vault::DataKey;

const TABLE: &str = "checkpoint_sighting";
/// Version 2 added what became of the row at sync: the entry recording a fork proof, the
/// ledger's answer a pair was not proved against, and why.
const SIGHTING_VERSION: u8 = 2;
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
                "The ledger signed two different versions of its log at {size} entries, one on this phone \
                 and one on the other, which proves its records were altered (the payment is not affected, \
                 and the proof is kept on this phone and sent to the ledger and its auditors at the next \
                 sync): tell your finance officer."
            )),
            Self::NotFromOurLedger => Some(
                "The other phone showed a ledger checkpoint that is not signed by your ledger, so it was \
                 ignored and the payment is not affected."
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

/// Two checkpoints the ledger signed for one log size with different roots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForkProof {
    /// The checkpoint this wallet held (or the ledger's answer at the sync that found the fork).
    pub held: Checkpoint,
    /// The checkpoint the other phone showed.
    pub seen: Checkpoint,
    /// Device time when the pair was found.
    pub found_at: u64,
    /// The position of the ledger's log entry that records the proof, once a sync answer proved
    /// it in the log; `None` while the proof is still resent at every sync.
    pub recorded_at: Option<u64>,
}

/// Why the ledger did not prove a checkpoint seen on another phone consistent with its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Exhaustive on purpose: each is a way a ledger can fail, and the words say which.
pub enum ProofFailure {
    /// The answer carried no proof for it.
    Omitted,
    /// The proof it carried does not verify: the two logs do not extend each other.
    DoesNotVerify,
    /// The answer's checkpoint is smaller than the one seen: the ledger went back.
    AnswerSmaller,
    /// The answer's checkpoint is of the same size with another root: a fork, kept as a proof.
    SameSizeOtherRoot,
}

impl ProofFailure {
    fn code(self) -> u8 {
        match self {
            Self::Omitted => 1,
            Self::DoesNotVerify => 2,
            Self::AnswerSmaller => 3,
            Self::SameSizeOtherRoot => 4,
        }
    }

    fn from_code(code: u8) -> Result<Self, DecodeError> {
        Ok(match code {
            1 => Self::Omitted,
            2 => Self::DoesNotVerify,
            3 => Self::AnswerSmaller,
            4 => Self::SameSizeOtherRoot,
            _ => return Err(DecodeError::Invalid { what: "proof failure", reason: "unknown" }),
        })
    }
}

/// A checkpoint another phone showed and a later sync answer that the ledger could not prove
/// consistent with it. Both are signed by the ledger: together with the failure they are
/// evidence that the ledger showed two histories, which any auditor can put to it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnprovedPair {
    /// The checkpoint the other phone showed.
    pub seen: Checkpoint,
    /// The ledger's checkpoint in the sync answer that did not prove it.
    pub answer: Checkpoint,
    pub failure: ProofFailure,
    /// Device time when the other phone showed it.
    pub found_at: u64,
}

impl UnprovedPair {
    /// The plain words to show the member.
    pub fn notice(&self) -> String {
        let (seen, answer) = (self.seen.size, self.answer.size);
        let what = match self.failure {
            ProofFailure::Omitted => format!(
                "did not prove that its log of {answer} entries includes the log of {seen} entries another \
                 phone showed you"
            ),
            ProofFailure::DoesNotVerify => format!(
                "gave a proof that fails: its log of {answer} entries does not include the log of {seen} \
                 entries another phone showed you"
            ),
            ProofFailure::AnswerSmaller => format!(
                "answered with a log of {answer} entries, smaller than the log of {seen} entries it had \
                 already signed for another phone"
            ),
            ProofFailure::SameSizeOtherRoot => format!(
                "signed two different versions of its log at {seen} entries, one shown by another phone"
            ),
        };
        format!(
            "The ledger {what}, so its records may have been altered (your money on this phone is not \
             affected, and both signed checkpoints are kept on it as evidence): tell your finance officer."
        )
    }
}

/// One stored sighting: the held and the seen checkpoint, and what they were found to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sighting {
    pub(super) status: SightingStatus,
    pub(super) held: Checkpoint,
    pub(super) seen: Checkpoint,
    pub(super) found_at: u64,
    /// Put in a sync request for the ledger at least once.
    pub(super) sent: bool,
    /// A fork proof's entry in the ledger's log, once an answer proved it there.
    pub(super) recorded_at: Option<u64>,
    /// An unproved pair's ledger answer.
    pub(super) against: Option<Checkpoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SightingStatus {
    /// Same size, different roots.
    Fork,
    /// Different sizes, not yet proved consistent by the ledger.
    Unchecked,
    /// Different sizes, proved consistent by the ledger at a sync.
    Checked,
    /// Different sizes, and the ledger's answer did not prove them consistent.
    Unproved(ProofFailure),
}

impl SightingStatus {
    fn code(self) -> u8 {
        match self {
            Self::Fork => 1,
            Self::Unchecked => 2,
            Self::Checked => 3,
            Self::Unproved(_) => 4,
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
        match self.recorded_at {
            None => w.u8(0),
            Some(seq) => w.u8(1).u64(seq),
        };
        match &self.against {
            None => w.u8(0),
            Some(answer) => w.u8(1).fixed(&answer.to_bytes()),
        };
        if let SightingStatus::Unproved(failure) = self.status {
            w.u8(failure.code());
        }
        w.finish()
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8("checkpoint sighting version")?;
        if !(1..=SIGHTING_VERSION).contains(&version) {
            return Err(DecodeError::UnsupportedVersion {
                what: "checkpoint sighting",
                found: version,
                supported: SIGHTING_VERSION,
            });
        }
        let status = r.u8("status")?;
        if version == 1 && status > 2 {
            return Err(DecodeError::Invalid { what: "status", reason: "unknown" });
        }
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
        let (mut recorded_at, mut against) = (None, None);
        if version >= 2 {
            recorded_at = match r.u8("recorded flag")? {
                0 => None,
                1 => Some(r.u64("recorded at")?),
                _ => return Err(DecodeError::Invalid { what: "recorded flag", reason: "not 0 or 1" }),
            };
            against = match r.u8("answer flag")? {
                0 => None,
                1 => Some(checkpoint(&mut r, "answer checkpoint")?),
                _ => return Err(DecodeError::Invalid { what: "answer flag", reason: "not 0 or 1" }),
            };
        }
        let status = match status {
            1 => SightingStatus::Fork,
            2 => SightingStatus::Unchecked,
            3 => SightingStatus::Checked,
            4 if against.is_some() => SightingStatus::Unproved(ProofFailure::from_code(r.u8("failure")?)?),
            _ => return Err(DecodeError::Invalid { what: "status", reason: "unknown" }),
        };
        r.finish()?;
        Ok(Self { status, held, seen, found_at, sent, recorded_at, against })
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
        let sighting = Sighting {
            status,
            held,
            seen: seen.clone(),
            found_at: now,
            sent: false,
            recorded_at: None,
            against: None,
        };
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
            .map(|s| ForkProof {
                held: s.held,
                seen: s.seen,
                found_at: s.found_at,
                recorded_at: s.recorded_at,
            })
            .collect())
    }

    /// Every checkpoint seen on another phone that a sync answer of the ledger did not prove
    /// consistent with its log, oldest first, with the answer's checkpoint and why. Kept for good.
    pub fn unproved_pairs(&self) -> Result<Vec<UnprovedPair>, WalletError> {
        Ok(self
            .sightings()?
            .into_iter()
            .filter_map(|s| match (s.status, s.against) {
                (SightingStatus::Unproved(failure), Some(answer)) => {
                    Some(UnprovedPair { seen: s.seen, answer, failure, found_at: s.found_at })
                }
                _ => None,
            })
            .collect())
    }

    pub(super) fn sightings(&self) -> Result<Vec<Sighting>, WalletError> {
        self.with_unlocked(|store, key| self.rows(key).all(store.conn(), TABLE, Sighting::decode))
    }
}

/// The fork proofs the ledger has not yet been seen to record, oldest first, at most `max`,
/// marked sent in `tx`. Each goes in every request until an answer carries its entry.
pub(super) fn take_unrecorded_proofs(
    tx: &Transaction<'_>,
    rows: &Rows<'_>,
    max: usize,
) -> Result<Vec<EquivocationProof>, WalletError> {
    let mut proofs = Vec::new();
    for mut sighting in rows.all(tx, TABLE, Sighting::decode)? {
        if sighting.status != SightingStatus::Fork || sighting.recorded_at.is_some() || proofs.len() == max {
            continue;
        }
        let proof = EquivocationProof::new(sighting.held.clone(), sighting.seen.clone())
            .map_err(|_| tampered_sighting(&sighting))?;
        if !sighting.sent {
            sighting.sent = true;
            rows.put(tx, TABLE, &rows.lookup(TABLE, &sighting.reference()), &sighting.encode())?;
        }
        if !proofs.contains(&proof) {
            proofs.push(proof);
        }
    }
    Ok(proofs)
}

/// The sizes of the checkpoints seen on other phones that wait for the ledger's proof, from the
/// oldest sighting, at most `max` sizes, in increasing order (as a request carries them).
pub(super) fn sizes_to_prove(
    tx: &Transaction<'_>,
    rows: &Rows<'_>,
    max: usize,
) -> Result<Vec<u64>, WalletError> {
    let mut sizes = Vec::new();
    for sighting in rows.all(tx, TABLE, Sighting::decode)? {
        if sighting.status == SightingStatus::Unchecked
            && sighting.seen.size > 0
            && !sizes.contains(&sighting.seen.size)
            && sizes.len() < max
        {
            sizes.push(sighting.seen.size);
        }
    }
    sizes.sort_unstable();
    Ok(sizes)
}

/// What a sync answer settled about the checkpoints seen on other phones and the fork proofs.
#[derive(Debug, Default)]
pub(super) struct Settled {
    pub(super) proved: u32,
    pub(super) unproved: Vec<UnprovedPair>,
    /// Positions of the log entries that newly recorded this wallet's fork proofs.
    pub(super) recorded: Vec<u64>,
}

/// The entries an answer says record fork proofs, each checked to be in the tree its checkpoint
/// signs and to be an `EquivocationReported` entry. A bad proof refuses the whole answer, as for
/// the member's other entries.
pub(super) fn recorded_entries(body: &SyncResponseBody) -> Result<Vec<AuditEntry>, WalletError> {
    body.recorded.iter().map(|proved| proved_entry(proved, &body.checkpoint)).collect()
}

fn proved_entry(proved: &ProvedEntry, checkpoint: &Checkpoint) -> Result<AuditEntry, WalletError> {
    let entry = AuditEntry::from_leaf_data(&proved.leaf).map_err(|e| WalletError::BadLedgerProof {
        reason: format!("a recorded fork proof's entry does not decode: {e}"),
    })?;
    merkle::verify_inclusion(
        &merkle::leaf_hash(&proved.leaf),
        entry.seq,
        checkpoint.size,
        &proved.proof,
        &checkpoint.root,
    )
    .map_err(|e| WalletError::BadLedgerProof {
        reason: format!("log entry {} said to record a fork proof is not in the signed log: {e}", entry.seq),
    })?;
    if entry.kind != EntryKind::EquivocationReported {
        return Err(WalletError::BadLedgerProof {
            reason: format!(
                "log entry {} said to record a fork proof is a {:?} entry",
                entry.seq, entry.kind
            ),
        });
    }
    Ok(entry)
}

impl Wallet {
    /// Applies, in `tx`, what a checked answer says about the checkpoints the request asked it to
    /// prove (`sighted`) and the fork proofs it carried (`reported`, by id), with `recorded` the
    /// answer's entries already checked by [`recorded_entries`].
    pub(super) fn settle_sightings(
        &self,
        tx: &Transaction<'_>,
        key: &DataKey,
        sighted: &[u64],
        reported: &[MessageId],
        body: &SyncResponseBody,
        recorded: &[AuditEntry],
    ) -> Result<Settled, WalletError> {
        let rows = self.rows(key);
        let now = self.now();
        let answer = &body.checkpoint;
        let mut settled = Settled::default();
        for mut sighting in rows.all(tx, TABLE, Sighting::decode)? {
            let reference = rows.lookup(TABLE, &sighting.reference());
            match sighting.status {
                SightingStatus::Fork if sighting.recorded_at.is_none() => {
                    let proof = EquivocationProof::new(sighting.held.clone(), sighting.seen.clone())
                        .map_err(|_| tampered_sighting(&sighting))?;
                    let id = proof.id();
                    let bytes = proof.to_bytes();
                    let Some(entry) = recorded.iter().find(|e| {
                        reported.contains(&id) && e.subject == id && e.evidence.first() == Some(&bytes)
                    }) else {
                        continue;
                    };
                    sighting.recorded_at = Some(entry.seq);
                    rows.put(tx, TABLE, &reference, &sighting.encode())?;
                    settled.recorded.push(entry.seq);
                }
                SightingStatus::Unchecked if sighted.contains(&sighting.seen.size) => {
                    let seen = &sighting.seen;
                    let failure = if seen.size > answer.size {
                        Some(ProofFailure::AnswerSmaller)
                    } else if seen.size == answer.size {
                        (seen.root != answer.root).then_some(ProofFailure::SameSizeOtherRoot)
                    } else {
                        match body.sighted.iter().find(|p| p.size == seen.size) {
                            None => Some(ProofFailure::Omitted),
                            Some(p) => merkle::verify_consistency(
                                seen.size,
                                answer.size,
                                &seen.root,
                                &answer.root,
                                &p.proof,
                            )
                            .err()
                            .map(|_| ProofFailure::DoesNotVerify),
                        }
                    };
                    let Some(failure) = failure else {
                        sighting.status = SightingStatus::Checked;
                        rows.put(tx, TABLE, &reference, &sighting.encode())?;
                        settled.proved += 1;
                        continue;
                    };
                    sighting.status = SightingStatus::Unproved(failure);
                    sighting.against = Some(answer.clone());
                    rows.put(tx, TABLE, &reference, &sighting.encode())?;
                    let pair = UnprovedPair {
                        seen: seen.clone(),
                        answer: answer.clone(),
                        failure,
                        found_at: sighting.found_at,
                    };
                    let detail = format!(
                        "ledger did not prove its log of {} entries (root {}) consistent with the {} entries \
                         (root {}) another phone showed: {failure:?}; both kept",
                        answer.size,
                        short_id(&answer.root),
                        seen.size,
                        short_id(&seen.root)
                    );
                    self.log(key).append(tx, now, EventKind::LedgerForkDetected, &detail)?;
                    if failure == ProofFailure::SameSizeOtherRoot {
                        let fork = Sighting {
                            status: SightingStatus::Fork,
                            held: answer.clone(),
                            seen: seen.clone(),
                            found_at: now,
                            sent: false,
                            recorded_at: None,
                            against: None,
                        };
                        put_sighting(tx, &rows, &fork)?;
                    }
                    settled.unproved.push(pair);
                }
                _ => {}
            }
        }
        Ok(settled)
    }
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
