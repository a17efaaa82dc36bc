//! What the ledger derives from its whole audit log, kept between calls: the Merkle tree over the
//! stored leaves and the risk rules' state after every stored entry. Each sync's answer signs the
//! root of the whole log and carries the member's risk notices; computing both from every stored
//! entry made each sync cost more as the log grew. Kept here, an answer costs the entries appended
//! since the previous one.
//!
//! The tree and the flags stay exactly what recomputing them from the stored log gives, so the
//! audit trail keeps its promise: the root the ledger signs is the root of what its database holds,
//! and an entry changed or removed there changes the next checkpoint, which wallets holding an
//! earlier one refuse. Why that holds:
//!
//! - Everything here is computed from rows read back from the database, never from what the ledger
//!   meant to write.
//! - The ledger's own connection only ever appends to the log (`audit::append` inserts; nothing in
//!   the ledger updates or deletes an `audit` row). Rows already read stay as they were read, so
//!   catching up reads the rows after the last one read.
//! - Any change made through another connection (another process, the `sqlite3` shell, a second
//!   `Ledger` on the same directory) changes `PRAGMA data_version` on the ledger's connection.
//!   Every catch-up compares it first and, when it moved, starts again from every stored row,
//!   as the ledger used to at every answer. Opening the ledger starts from every row too.
//! - A write transaction that read its own new rows in and then did not commit leaves rows that
//!   were rolled back; [`Uncommitted`] forgets the cache then.
//!
//! `Ledger::check_invariants` recomputes both from the stored log and compares them with these.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};

use outpost_wallet_core::audit::{Account, AuditEntry, EntryKind};
use outpost_wallet_core::merkle::{self, Tree, TreeView};
use outpost_wallet_core::protocol::Transfer;

use crate::LedgerError;
use crate::rules::audit;
use crate::rules::risk::{Flag, Payment, Replay, RiskInput, Rules};
use crate::storage::Tx;

/// The tree and the risk state over the stored log, as far as the cache has read it.
pub(crate) struct LogCache {
    rules: Rules,
    /// `PRAGMA data_version` when the cache last read the database; `None` before the first read.
    data_version: Option<i64>,
    /// The stored `seq` of each leaf, in tree order. It is the leaf's position unless rows were
    /// removed behind the ledger's back.
    seqs: Vec<u64>,
    tree: Tree,
    /// The rules replayed over the first leaves of the tree; `None` until flags are asked for, and
    /// after an entry failed to decode.
    risk: Option<RiskState>,
    /// Moves on whenever the cache changes, so that a failed transaction can tell whether it
    /// changed it.
    generation: u64,
}

struct RiskState {
    /// How many leaves, from the first, the rules have seen.
    replayed: usize,
    inputs: RiskInputs,
    replay: Replay,
}

impl LogCache {
    pub fn new(rules: Rules) -> LogCache {
        LogCache {
            rules,
            data_version: None,
            seqs: Vec::new(),
            tree: Tree::default(),
            risk: None,
            generation: 0,
        }
    }

    /// The tree over every stored leaf.
    pub fn tree(&mut self, conn: &dyn Tx) -> Result<LogTree<'_>, LedgerError> {
        self.catch_up_tree(conn)?;
        Ok(LogTree { view: self.tree.view(), seqs: &self.seqs })
    }

    /// Every risk flag over the stored log, in [`crate::rules::risk::evaluate`]'s order. Fails, as the
    /// replay of the whole log does, on an entry that does not decode.
    pub fn flags(&mut self, conn: &dyn Tx) -> Result<&[Flag], LedgerError> {
        self.catch_up_tree(conn)?;
        // Taken out while it reads, so that a failure leaves no half-read state behind.
        let mut state = match self.risk.take() {
            Some(state) => state,
            None => RiskState {
                replayed: 0,
                inputs: RiskInputs::default(),
                replay: Replay::new(self.rules.clone()),
            },
        };
        if let Some(&from) = self.seqs.get(state.replayed) {
            let count = u32::try_from(self.seqs.len() - state.replayed).unwrap_or(u32::MAX);
            self.generation += 1;
            audit::for_each_leaf(conn, from, count, |seq, leaf| {
                for input in state.inputs.read(&audit::decode(seq, leaf)?) {
                    state.replay.push(&input);
                }
                state.replayed += 1;
                Ok(())
            })?;
        }
        Ok(self.risk.insert(state).replay.flags())
    }

    /// Reads the leaves stored after the last one read, after starting again if another
    /// connection changed the database.
    fn catch_up_tree(&mut self, conn: &dyn Tx) -> Result<(), LedgerError> {
        let version = conn.log_version()?;
        if self.data_version != Some(version) {
            self.forget();
            self.data_version = Some(version);
        }
        let from = self.seqs.last().map_or(0, |seq| seq + 1);
        let before = self.seqs.len();
        // A replay that has seen every leaf read so far takes the new ones in the same pass, so
        // that an answer reads the new rows once, not once for the tree and again for the flags.
        // An entry that does not decode stops it; `flags` then replays from the first leaf and
        // fails on that entry, as the replay of the whole log does.
        // A replay behind the tree is left as it is, for `flags` to bring up to date.
        let in_step = self.risk.as_ref().is_some_and(|state| state.replayed == before);
        let mut risk = if in_step { self.risk.take() } else { None };
        let (seqs, tree) = (&mut self.seqs, &mut self.tree);
        let read = audit::for_each_leaf(conn, from, u32::MAX, |seq, leaf| {
            seqs.push(seq);
            tree.push(merkle::leaf_hash(leaf));
            if let Some(state) = &mut risk {
                match audit::decode(seq, leaf) {
                    Ok(entry) => {
                        for input in state.inputs.read(&entry) {
                            state.replay.push(&input);
                        }
                        state.replayed += 1;
                    }
                    Err(_) => risk = None,
                }
            }
            Ok(())
        });
        if in_step {
            self.risk = risk;
        }
        if self.seqs.len() != before {
            self.generation += 1;
        }
        read
    }

    fn forget(&mut self) {
        self.data_version = None;
        self.seqs = Vec::new();
        self.tree = Tree::default();
        self.risk = None;
        self.generation += 1;
    }
}

/// The tree over the stored log, and where each stored entry sits in it.
pub(crate) struct LogTree<'c> {
    pub view: TreeView<'c>,
    seqs: &'c [u64],
}

impl LogTree<'_> {
    /// The tree position of the entry stored under `seq`.
    pub fn position(&self, seq: u64) -> Option<u64> {
        self.seqs.binary_search(&seq).ok().map(|index| index as u64)
    }

    /// The stored `seq` of the entry at tree position `index`.
    pub fn seq_at(&self, index: u64) -> Option<u64> {
        usize::try_from(index).ok().and_then(|i| self.seqs.get(i)).copied()
    }

    /// The `seq` after the last stored entry: where a wallet that has seen them all goes on from.
    pub fn next_seq(&self) -> u64 {
        self.seqs.last().map_or(0, |seq| seq + 1)
    }
}

/// The cache lent to a write transaction, which may read its own new rows into it. Dropped without
/// [`Uncommitted::committed`] (an error, a failed commit, a panic), the transaction rolls back, and
/// a cache it changed is forgotten: it may hold rows that no longer exist.
pub(crate) struct Uncommitted<'c> {
    cache: &'c mut LogCache,
    generation: u64,
    committed: bool,
}

impl<'c> Uncommitted<'c> {
    pub fn new(cache: &'c mut LogCache) -> Uncommitted<'c> {
        let generation = cache.generation;
        Uncommitted { cache, generation, committed: false }
    }

    /// The transaction committed: what the cache read is stored.
    pub fn committed(mut self) {
        self.committed = true;
    }
}

impl Deref for Uncommitted<'_> {
    type Target = LogCache;

    fn deref(&self) -> &LogCache {
        self.cache
    }
}

impl DerefMut for Uncommitted<'_> {
    fn deref_mut(&mut self) -> &mut LogCache {
        self.cache
    }
}

impl Drop for Uncommitted<'_> {
    fn drop(&mut self) {
        if !self.committed && self.cache.generation != self.generation {
            self.cache.forget();
        }
    }
}

/// The risk rules' inputs from every entry of `entries`, a whole log in order.
pub(crate) fn risk_inputs(entries: &[AuditEntry]) -> Vec<RiskInput> {
    let mut inputs = RiskInputs::default();
    entries.iter().flat_map(|entry| inputs.read(entry)).collect()
}

/// Reads log entries, in order, as the risk rules' inputs. It follows every member's balance
/// through the log, to see one go below zero.
#[derive(Default)]
struct RiskInputs {
    balances: HashMap<String, i64>,
}

impl RiskInputs {
    fn read(&mut self, entry: &AuditEntry) -> Vec<RiskInput> {
        let payee = entry.moves.iter().find_map(|m| match &m.account {
            Account::Member(id) if m.delta > 0 && *id != entry.member_id => Some((id.clone(), m.delta)),
            _ => None,
        });
        let mut inputs = Vec::new();
        match entry.kind {
            EntryKind::Settled | EntryKind::OnlinePayment => {
                if let Some((to_member, amount)) = payee {
                    let offline = entry.kind == EntryKind::Settled;
                    let transfer = entry.evidence.first().and_then(|bytes| Transfer::from_bytes(bytes).ok());
                    inputs.push(RiskInput::Payment(Payment {
                        seq: entry.seq,
                        at: entry.at,
                        transfer_id: entry.subject,
                        from_member: entry.member_id.clone(),
                        to_member,
                        amount_minor: u64::try_from(amount).unwrap_or(0),
                        offline,
                        device_time: offline.then_some(entry.device_time),
                        purse_amount_minor: transfer.as_ref().map(|t| t.certificate().terms().amount.minor()),
                        spent_after_minor: transfer.as_ref().map(|t| t.terms().spent_after),
                    }));
                }
            }
            EntryKind::DoubleSpend => inputs.push(RiskInput::DoubleSpend {
                seq: entry.seq,
                at: entry.at,
                member_id: entry.member_id.clone(),
                purse_id: entry.subject,
                evidence: transfer_ids(entry),
            }),
            EntryKind::LostDeviceSpend => inputs.push(RiskInput::LostDeviceSpend {
                seq: entry.seq,
                at: entry.at,
                member_id: entry.member_id.clone(),
                purse_id: entry.subject,
                evidence: transfer_ids(entry),
            }),
            EntryKind::Complicit => inputs.push(RiskInput::Complicit {
                seq: entry.seq,
                at: entry.at,
                member_id: entry.member_id.clone(),
                signer: entry
                    .evidence
                    .first()
                    .and_then(|bytes| Transfer::from_bytes(bytes).ok())
                    .map(|t| t.certificate().terms().member_id.clone())
                    .unwrap_or_default(),
                evidence: transfer_ids(entry),
            }),
            EntryKind::LateSpend => inputs.push(RiskInput::LateSpend {
                seq: entry.seq,
                at: entry.at,
                member_id: entry.member_id.clone(),
                transfer_id: entry.subject,
            }),
            EntryKind::Synced => inputs.push(RiskInput::Sync {
                seq: entry.seq,
                at: entry.at,
                member_id: entry.member_id.clone(),
                device_time: entry.device_time,
            }),
            _ => {}
        }
        for m in &entry.moves {
            if let Account::Member(id) = &m.account {
                let balance = self.balances.entry(id.clone()).or_insert(0);
                let before = *balance;
                *balance = balance.saturating_add(m.delta);
                if before >= 0 && *balance < 0 {
                    inputs.push(RiskInput::NegativeBalance {
                        seq: entry.seq,
                        at: entry.at,
                        member_id: id.clone(),
                        balance_minor: *balance,
                    });
                }
            }
        }
        inputs
    }
}

/// The ids of the transfers an entry carries as evidence.
fn transfer_ids(entry: &AuditEntry) -> Vec<[u8; 32]> {
    entry.evidence.iter().filter_map(|bytes| Transfer::from_bytes(bytes).ok().map(|t| t.id())).collect()
}
