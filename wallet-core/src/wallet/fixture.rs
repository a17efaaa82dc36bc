//! Wallets with a long payment history, written straight into the file: for the benchmarks (open,
//! balances and a history page on a wallet holding a million transfers) and for the test of this
//! builder. Behind the `fixtures` cargo feature, which no app build enables.
//!
//! Building such a history through the QR handshake would cost one durable commit per payment:
//! hours for a million. The builder writes the rows the handshake writes, sealed the same way,
//! with an event log entry for each, and every transfer and receipt genuinely signed; but it
//! commits many rows per transaction and spreads the signing over threads. It plays the ledger
//! too: it pins a fresh ledger key and issues every purse, so every certificate, transfer and
//! receipt in the file verifies, and the wallet can go on paying and receiving afterwards.
//!
//! The history is a wallet that mostly receives (a canteen): one entry in
//! [`HistorySpec::sent_every`] is a payment it made from its own purses, the others were paid to
//! it by [`HistorySpec::payers`] members, each spending [`HistorySpec::purse_transfers`] transfers
//! from a purse before the next. The newest [`HistorySpec::unsettled`] entries wait for the
//! ledger; the rest are settled, and what was received is in the online balance.

use std::collections::HashMap;

use rusqlite::params;

use super::payments::short_id;
use super::records::{PurseRecord, TransferRecord, TransferStatus};
use super::{Balances, Wallet, WalletError, write_balance};
use crate::event_log::EventKind;
use crate::identity::Identity;
use crate::money::Amount;
use crate::protocol::{
    LedgerSigner, MessageId, ProtocolError, PurseCertificate, PurseTerms, Receipt, Transfer, TransferTerms,
};
use crate::vault::DataKey;

/// Entries signed, sealed and committed together.
const BLOCK: usize = 20_000;
const DAY: u64 = 86_400;

/// The shape of the history to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySpec {
    /// Transfers in the history.
    pub entries: u64,
    /// One entry in this many is a payment the wallet made (0: it only receives).
    pub sent_every: u64,
    /// How many different members paid the wallet.
    pub payers: u32,
    /// Transfers a payer makes from one purse before loading the next.
    pub purse_transfers: u32,
    /// Transfers the wallet itself makes from one of its purses before loading the next: each
    /// of its purses but the newest ends closed, so this sets how many closed purses it holds.
    pub own_purse_transfers: u32,
    /// The newest this-many entries are not settled yet.
    pub unsettled: u64,
    /// Threads that sign and seal.
    pub threads: usize,
}

impl HistorySpec {
    /// `entries` transfers: one in a hundred sent, 10 a purse (so a million entries leave the
    /// wallet 999 closed purses and an open one: years of loading one every few days), 500 payers, 40
    /// transfers a payer purse, the newest 20 unsettled, signed on every core.
    pub fn new(entries: u64) -> Self {
        Self {
            entries,
            sent_every: 100,
            payers: 500,
            purse_transfers: 40,
            own_purse_transfers: 10,
            unsettled: 20,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

impl HistorySpec {
    fn limit(&self, owner: Owner) -> u32 {
        match owner {
            Owner::Wallet => self.own_purse_transfers,
            Owner::Payer(_) => self.purse_transfers,
        }
    }
}

/// What was built, and what the wallet must now answer.
pub struct BuiltHistory {
    /// The ledger that issued every purse; the wallet has its key pinned.
    pub ledger: LedgerSigner,
    /// What [`Wallet::balances`] must return.
    pub balances: Balances,
    pub sent: u64,
    pub received: u64,
    /// Own purses issued; the newest is open, the others closed.
    pub own_purses: u32,
}

/// Who spends from a purse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Owner {
    Wallet,
    Payer(u32),
}

/// One purse and the transfers planned from it.
struct Chain {
    owner: Owner,
    serial: u32,
    total: u64,
    count: u32,
    first_time: u64,
    certificate: Option<PurseCertificate>,
}

/// One planned transfer; its position in the history is its index + 1.
#[derive(Debug, Clone, Copy)]
struct Planned {
    chain: usize,
    seq: u32,
    amount: u64,
    time: u64,
    settled: bool,
    /// For sent transfers: the payer paid back.
    counterparty: u32,
}

/// A transfer signed and sealed, ready to insert.
struct Row {
    index: usize,
    reference: [u8; 32],
    purse: Option<[u8; 32]>,
    sealed: Vec<u8>,
    unsettled: bool,
    kind: EventKind,
    detail: String,
}

/// How far a purse's chain has got: the last transfer's id and the total spent.
type ChainState = ([u8; 32], u64);

/// Writes a history of `spec.entries` transfers into `wallet`, which must be unlocked, new (no
/// transfer) and not yet enrolled (no ledger key pinned). Blocking and CPU-heavy: about a
/// minute for a million entries on two cores in a release build.
pub fn build_history(wallet: &Wallet, spec: &HistorySpec) -> Result<BuiltHistory, WalletError> {
    let refuse =
        |reason| WalletError::Protocol(ProtocolError::Invalid { message: "history fixture", reason });
    if wallet.ledger_key()?.is_some() {
        return Err(refuse("the wallet is already enrolled: build histories in a new wallet"));
    }
    if spec.payers == 0
        || spec.purse_transfers == 0
        || spec.own_purse_transfers == 0
        || spec.unsettled > spec.entries
    {
        return Err(refuse("a history needs payers, purses with room, and no more unsettled than entries"));
    }
    let ledger = LedgerSigner::generate()?;
    wallet.pin_ledger_key(ledger.public_key())?;
    let now = wallet.now();
    if now <= spec.entries + DAY {
        return Err(refuse("the clock is too early for a history this long"));
    }
    let payers = (0..spec.payers).map(|_| Identity::generate()).collect::<Result<Vec<_>, _>>()?;
    let (mut chains, plan) = plan(spec, now);
    // The wallet's newest purse stays open (with room to pay on), however full; the others
    // are closed.
    let newest_own = chains.iter().rposition(|c| c.owner == Owner::Wallet);
    for (index, chain) in chains.iter_mut().enumerate() {
        let wallet_key = match chain.owner {
            Owner::Wallet => wallet.record.public.signing_key,
            Owner::Payer(p) => payers[p as usize].public().signing_key,
        };
        let open = Some(index) == newest_own;
        // The wallet's open purse keeps room to pay on; the others were spent to the last yen.
        let spare = if open { 1_000_000 } else { 0 };
        let issued_at = chain.first_time - 60;
        chain.certificate = Some(ledger.issue(PurseTerms {
            wallet_key,
            serial: chain.serial,
            member_id: member_id(chain.owner),
            amount: Amount::from_minor(chain.total + spare, wallet.record.currency)?,
            issued_at,
            expires_at: if open { now + 7 * DAY } else { issued_at + 7 * DAY },
        })?);
    }

    let shards = spec.threads.max(1);
    let mut states: Vec<HashMap<usize, ChainState>> = vec![HashMap::new(); shards];
    wallet.with_identity(|store, key, identity| {
        // A pipeline: while the signing threads work on one block, this thread writes the one
        // before it.
        let mut signed: Option<Vec<Row>> = None;
        for start in (0..plan.len()).step_by(BLOCK) {
            let block = start..(start + BLOCK).min(plan.len());
            signed = std::thread::scope(|scope| -> Result<Option<Vec<Row>>, WalletError> {
                let workers: Vec<_> = states
                    .iter_mut()
                    .enumerate()
                    .map(|(shard, state)| {
                        let (block, chains, plan) = (block.clone(), &chains, &plan);
                        let (identity, payers) = (&identity, &payers);
                        scope.spawn(move || {
                            let signer = Signer { wallet, key, identity, payers, chains };
                            block
                                .filter(|&i| plan[i].chain % shards == shard)
                                .map(|i| signer.row(i, &plan[i], state))
                                .collect::<Result<Vec<Row>, WalletError>>()
                        })
                    })
                    .collect();
                if let Some(rows) = signed.take() {
                    write_block(wallet, store, key, &plan, rows)?;
                }
                let mut rows = Vec::with_capacity(block.len());
                for worker in workers {
                    rows.extend(worker.join().expect("a signing thread panicked")?);
                }
                Ok(Some(rows))
            })?;
        }
        if let Some(rows) = signed {
            write_block(wallet, store, key, &plan, rows)?;
        }

        let merged: HashMap<usize, ChainState> = states.into_iter().flatten().collect();
        let currency = wallet.record.currency;
        let sum = |sent: bool, settled: bool| -> u64 {
            plan.iter()
                .filter(|p| (chains[p.chain].owner == Owner::Wallet) == sent && p.settled == settled)
                .map(|p| p.amount)
                .sum()
        };
        let rows_key = wallet.rows(key);
        let tx = store.write()?;
        let mut offline_purse = 0;
        let mut open = Vec::new();
        for (index, chain) in chains.iter().enumerate().filter(|(_, c)| c.owner == Owner::Wallet) {
            let certificate = chain.certificate.clone().expect("issued above");
            let (last_hash, spent) = merged.get(&index).copied().unwrap_or((certificate.chain_start(), 0));
            let closed = Some(index) != newest_own;
            let purse = PurseRecord { certificate, spent, next_seq: chain.count + 1, last_hash, closed };
            if !closed {
                offline_purse += purse.remaining();
            }
            let purse_id = purse.certificate.purse_id();
            rows_key.put(&tx, "purse", &rows_key.lookup("purse", &purse_id), &purse.encode())?;
            if !closed {
                open.push(purse_id);
            }
        }
        wallet.write_open_purses(&tx, key, &open)?;
        let online = sum(false, true);
        let (pending_in, pending_out) = (sum(false, false), sum(true, false));
        write_balance(&tx, key, &wallet.record.wallet_id, "online", Amount::from_minor(online, currency)?)?;
        write_balance(
            &tx,
            key,
            &wallet.record.wallet_id,
            "pending_in",
            Amount::from_minor(pending_in, currency)?,
        )?;
        write_balance(
            &tx,
            key,
            &wallet.record.wallet_id,
            "pending_out",
            Amount::from_minor(pending_out, currency)?,
        )?;
        super::sync::write_setting(
            &tx,
            key,
            &wallet.record.wallet_id,
            super::sync::ONLINE,
            &online.to_be_bytes(),
        )?;
        let detail = format!("history fixture: {} transfers written", plan.len());
        wallet.log(key).append(&tx, now, EventKind::Synced, &detail)?;
        tx.commit()?;

        let sent = plan.iter().filter(|p| chains[p.chain].owner == Owner::Wallet).count() as u64;
        Ok(BuiltHistory {
            balances: Balances {
                online: Amount::from_minor(online, currency)?,
                owed: Amount::zero(currency),
                offline_purse: Amount::from_minor(offline_purse, currency)?,
                pending_incoming: Amount::from_minor(pending_in, currency)?,
                pending_outgoing: Amount::from_minor(pending_out, currency)?,
            },
            sent,
            received: plan.len() as u64 - sent,
            own_purses: chains.iter().filter(|c| c.owner == Owner::Wallet).count() as u32,
            ledger,
        })
    })
}

/// Inserts one block of signed transfers, in history order, with their event log entries, in
/// one transaction.
fn write_block(
    wallet: &Wallet,
    store: &mut crate::store::Store,
    key: &DataKey,
    plan: &[Planned],
    mut rows: Vec<Row>,
) -> Result<(), WalletError> {
    rows.sort_unstable_by_key(|row| row.index);
    let tx = store.write()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO transfer (seq, ref, purse, request, sealed, unsettled)
             VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
        )?;
        for row in &rows {
            let position = row.index as i64 + 1;
            insert.execute(params![
                position,
                &row.reference[..],
                row.purse.map(|p| p.to_vec()),
                row.sealed,
                row.unsettled
            ])?;
            wallet.log(key).append(&tx, plan[row.index].time, row.kind, &row.detail)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Assigns every entry to a purse chain, in history order.
fn plan(spec: &HistorySpec, now: u64) -> (Vec<Chain>, Vec<Planned>) {
    let mut chains: Vec<Chain> = Vec::new();
    let mut current: HashMap<Owner, usize> = HashMap::new();
    let mut serials: HashMap<Owner, u32> = HashMap::new();
    let mut received = 0u64;
    let mut plan = Vec::with_capacity(spec.entries as usize);
    for i in 0..spec.entries {
        let sent = spec.sent_every > 0 && (i + 1).is_multiple_of(spec.sent_every);
        let owner =
            if sent { Owner::Wallet } else { Owner::Payer((received % u64::from(spec.payers)) as u32) };
        if !sent {
            received += 1;
        }
        let time = now - (spec.entries - i);
        let chain = match current.get(&owner) {
            Some(&c) if chains[c].count < spec.limit(owner) => c,
            _ => {
                let serial = serials.entry(owner).or_insert(0);
                *serial += 1;
                chains.push(Chain {
                    owner,
                    serial: *serial,
                    total: 0,
                    count: 0,
                    first_time: time,
                    certificate: None,
                });
                current.insert(owner, chains.len() - 1);
                chains.len() - 1
            }
        };
        // Amounts vary so sums catch a row counted twice or missed.
        let amount = if sent { 500 + (i % 7) * 100 } else { 100 + (i * 7_919) % 900 };
        chains[chain].count += 1;
        chains[chain].total += amount;
        plan.push(Planned {
            chain,
            seq: chains[chain].count,
            amount,
            time,
            settled: i < spec.entries - spec.unsettled,
            counterparty: (i % u64::from(spec.payers)) as u32,
        });
    }
    (chains, plan)
}

fn member_id(owner: Owner) -> String {
    match owner {
        Owner::Wallet => "FIXTURE-SELF".to_owned(),
        Owner::Payer(p) => format!("PAYER-{p:06}"),
    }
}

/// What a signing thread needs; everything is shared read-only.
struct Signer<'a> {
    wallet: &'a Wallet,
    key: &'a DataKey,
    identity: &'a Identity,
    payers: &'a [Identity],
    chains: &'a [Chain],
}

impl Signer<'_> {
    /// Signs entry `index` (continuing its purse's chain in `state`), its receipt, and seals it.
    fn row(
        &self,
        index: usize,
        planned: &Planned,
        state: &mut HashMap<usize, ChainState>,
    ) -> Result<Row, WalletError> {
        let chain = &self.chains[planned.chain];
        let certificate = chain.certificate.clone().expect("issued before signing");
        let (prev_hash, spent) = state.get(&planned.chain).copied().unwrap_or((certificate.chain_start(), 0));
        let own = chain.owner == Owner::Wallet;
        let counterparty = &self.payers[planned.counterparty as usize];
        let (sender, receiver) = match chain.owner {
            Owner::Wallet => (self.identity, counterparty),
            Owner::Payer(p) => (&self.payers[p as usize], self.identity),
        };
        let terms = TransferTerms {
            seq: planned.seq,
            prev_hash,
            spent_after: spent + planned.amount,
            amount: planned.amount,
            receiver_key: receiver.public().signing_key,
            request_nonce: None,
            time: planned.time,
            memo: if own { "supplies".to_owned() } else { "lunch".to_owned() },
        };
        let transfer = Transfer::sign(certificate, terms, sender)?;
        let id: MessageId = transfer.id();
        state.insert(planned.chain, (id, spent + planned.amount));
        let purse_id = transfer.certificate().purse_id();
        let amount = transfer.amount();
        let status = match (own, planned.settled) {
            (true, true) => TransferStatus::SentSettled,
            (true, false) => TransferStatus::AwaitingReceipt,
            (false, true) => TransferStatus::ReceivedSettled,
            (false, false) => TransferStatus::PendingSettlement,
        };
        let receipt = match status {
            TransferStatus::AwaitingReceipt => None,
            _ => Some(Receipt::sign(id, planned.time, receiver)?),
        };
        let (kind, detail) = if own {
            let detail = format!(
                "sent {amount} to {} (transfer {}), purse {} #{}",
                receiver.public().fingerprint(),
                short_id(&id),
                short_id(&purse_id),
                planned.seq
            );
            (EventKind::TransferSent, detail)
        } else {
            let detail = format!(
                "received {amount} from {} (transfer {}), purse {} #{}, pending settlement",
                member_id(chain.owner),
                short_id(&id),
                short_id(&purse_id),
                planned.seq
            );
            (EventKind::TransferReceived, detail)
        };
        let record = TransferRecord {
            status,
            transfer,
            receiver_agreement_key: own.then(|| counterparty.public().agreement_key),
            receipt,
            counterparty_label: if own { String::new() } else { member_id(chain.owner) },
            stored_at: planned.time,
        };
        let rows = self.wallet.rows(self.key);
        let reference = rows.lookup("transfer", &id);
        Ok(Row {
            index,
            reference,
            purse: (!own).then(|| rows.lookup("transfer-purse", &purse_id)),
            sealed: rows.seal("transfer", &reference, &record.encode())?,
            unsettled: !status.is_final(),
            kind,
            detail,
        })
    }
}
