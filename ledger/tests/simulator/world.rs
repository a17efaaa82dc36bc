//! The simulated population (members, their phones, the purses the ledger gave them and every
//! transfer anyone signed), how each kind of member behaves, and the reference model: what
//! ADR 0010 says the ledger must have done with each request, kept beside the real ledger and
//! compared with it after every step (`checks.rs`).

use std::collections::{HashMap, HashSet};

use outpost_ledger::EntryKind;
use outpost_wallet_core::identity::Identity;
use outpost_wallet_core::protocol::sync::{
    Outcome, PurseDeclaration, PurseOrder, SyncRequest, SyncRequestBody, SyncResponse,
};
use outpost_wallet_core::protocol::{
    EnrolmentRequest, MessageId, PurseCertificate, Receipt, Transfer, TransferTerms,
};
use outpost_wallet_core::qr::{self, PayloadKind};

use crate::backend::{Backend, DAY};
use crate::rng::Rng;
use crate::rule::{self, Terms};

/// How a member behaves. A member whose phone is stolen stays `Honest`: the thief is whoever
/// holds the lost device, not the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Keeps one correct chain per purse, declares truthfully, and as a receiver accepts only
    /// what an honest wallet accepts.
    Honest,
    /// Signs anything its keys can sign, uploads what suits it, lies when closing a purse.
    Cheat,
    /// A colluding receiver: accepts everything, claims whatever it holds, signs receipts for
    /// anything.
    Accomplice,
}

/// How an adversary picks a transfer's terms. All pass `Transfer::sign` alone; they conflict in
/// pairs, or not, with what the same key signed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// A second transfer in a slot already used, with another amount or receiver.
    Rival,
    /// The next sequence number after a transfer, with a running total that does not follow.
    WrongTotal,
    /// The next sequence number, naming some other transfer as its previous one.
    BrokenLink,
    /// A sequence number a few beyond a transfer, with room for those between or without.
    Gap,
    /// A correct continuation of some transfer: grows a fork, or spends on from a stolen chain.
    Extend,
    /// Any terms at all that pass alone.
    Any,
}

#[derive(Debug)]
pub struct Member {
    pub id: String,
    pub role: Role,
    /// How far the member's phone clock lags the ledger's: an honest phone set back accepts
    /// transfers from purses that have expired.
    pub skew: u64,
    pub device: Option<usize>,
    pub credited: i64,
    pub limit: u64,
}

#[derive(Debug)]
pub struct Device {
    pub identity: Identity,
    pub key: [u8; 32],
    pub member: usize,
    /// Reported lost (revoked or replaced by an officer): it can no longer sync, and whoever
    /// holds it signs with its key.
    pub lost: bool,
    /// The purse the wallet pays from.
    pub purse: Option<usize>,
    pub purses: Vec<usize>,
    /// Transfers accepted as receiver, ever.
    pub accepted: Vec<usize>,
    /// Accepted and not yet answered by the ledger.
    pub to_claim: Vec<usize>,
    /// Claims the ledger answered; an honest wallet sometimes sends one again (a retry).
    pub answered: Vec<usize>,
    /// Same-slot rivals refused offline, for the ledger as evidence.
    pub evidence: Vec<usize>,
    /// Own transfers not yet answered.
    pub sent: Vec<usize>,
    /// Receipts scanned for own transfers, not yet uploaded.
    pub receipts: Vec<(usize, Receipt)>,
    pub revoked_known: HashSet<MessageId>,
    pub seen_up_to: u64,
    /// The last request sent and the answer to it, for a replay.
    pub last_exchange: Option<(Vec<u8>, Vec<u8>)>,
}

/// What a receiving wallet does with a transfer shown to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepts,
    /// A rival of a slot it already holds: kept, and sent to the ledger as evidence.
    KeepsAsEvidence,
    Refuses(&'static str),
    HasItAlready,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Accepts => f.write_str("accepts"),
            Verdict::KeepsAsEvidence => f.write_str("keeps it as evidence"),
            Verdict::Refuses(why) => write!(f, "refuses it ({why})"),
            Verdict::HasItAlready => f.write_str("has it already"),
        }
    }
}

/// The ledger's proof against a purse, as the model expects it.
#[derive(Debug, Clone, Copy)]
pub struct Proof {
    /// The purse's device was reported lost before the proof: `LostDeviceSpend`.
    pub lost_device: bool,
    pub step: usize,
}

#[derive(Debug)]
pub struct Purse {
    pub cert: PurseCertificate,
    pub id: MessageId,
    pub device: usize,
    pub member: usize,
    pub amount: u64,
    pub expires_at: u64,
    // The owner's wallet: its one honest chain.
    pub seq: u32,
    pub tip: MessageId,
    pub spent: u64,
    pub chain: Vec<usize>,
    pub closed_by_wallet: bool,
    /// Every transfer signed from the purse, by its wallet or by whoever holds its key.
    pub signed: Vec<usize>,
    // The model of the ledger.
    pub stored: Vec<usize>,
    pub declaration: Option<(u32, u64)>,
    /// Revoked (by an officer, a proof or a lost phone): every wallet must be told, at each sync
    /// until the purse's window closes.
    pub revoked: bool,
    pub proof: Option<Proof>,
}

#[derive(Debug)]
pub struct Record {
    pub transfer: Transfer,
    pub terms: Terms,
    pub purse: usize,
    /// The receiving device.
    pub receiver: usize,
    pub forged: bool,
    // The model of the ledger.
    pub stored: bool,
    /// Stored from its sender's upload and not paid: a receipt can still pay it.
    pub held: bool,
    pub paid: bool,
    /// An honest receiver refused it offline and sent it as evidence.
    pub refused_offline: bool,
    /// First reached the ledger as its receiver's evidence: never paid, whoever claims it later.
    pub evidence_first: bool,
    /// First reached the ledger after its purse's window: a `LateSpend` entry must name it.
    pub late_first: bool,
    /// An honest receiver claimed it while the window was open: it must be paid.
    pub honest_claim: bool,
    /// A claim of it was refused as complicit: the ledger keeps it as evidence.
    pub complicit: bool,
}

/// What happened over a run, for the coverage report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub scenarios: u64,
    pub steps: u64,
    pub syncs: u64,
    pub transfers: u64,
    pub forged: u64,
    pub proofs: u64,
    pub lost_device_proofs: u64,
    pub complicit: u64,
    pub late_spends: u64,
    pub evidence: u64,
    pub honest_paid_from_proved: u64,
    pub debts: u64,
    pub loss_paid: u64,
    pub undeclared: u64,
}

impl Stats {
    pub fn add(&mut self, other: &Stats) {
        self.scenarios += other.scenarios;
        self.steps += other.steps;
        self.syncs += other.syncs;
        self.transfers += other.transfers;
        self.forged += other.forged;
        self.proofs += other.proofs;
        self.lost_device_proofs += other.lost_device_proofs;
        self.complicit += other.complicit;
        self.late_spends += other.late_spends;
        self.evidence += other.evidence;
        self.honest_paid_from_proved += other.honest_paid_from_proved;
        self.debts += other.debts;
        self.loss_paid += other.loss_paid;
        self.undeclared += other.undeclared;
    }
}

pub struct World<'b> {
    pub backend: &'b dyn Backend,
    pub key: [u8; 32],
    pub window: u64,
    pub members: Vec<Member>,
    pub devices: Vec<Device>,
    pub purses: Vec<Purse>,
    pub records: Vec<Record>,
    by_id: HashMap<MessageId, usize>,
    /// The transfers each receiving wallet (by key) claimed and was paid for, by purse.
    paid_to: HashMap<([u8; 32], usize), Vec<usize>>,
    /// `(receiver member, transfer id)`: a claim that conflicts with what the same wallet was
    /// already paid from the purse. Each needs a `Complicit` entry.
    pub complicit_required: Vec<(usize, MessageId)>,
    /// Complicit entries the policy allows (the required ones, and late claims of the same kind).
    pub complicit_allowed: HashSet<(usize, MessageId)>,
    /// Set by a step that must change nothing (a replay, a blocked phone's sync): what it is,
    /// and the only entries it may append.
    pub log_may_grow_by: Option<(&'static str, &'static [EntryKind])>,
    /// The online balance the last sync of this step told its member.
    pub told_balance: Option<(usize, i64)>,
    pub rng: Rng,
    pub step: usize,
    pub trace: Vec<String>,
    pub stats: Stats,
    forged_count: u64,
}

/// The limit every member starts with (`Policy::default().default_purse_limit`).
pub const DEFAULT_LIMIT: u64 = 20_000;

impl<'b> World<'b> {
    pub fn new(backend: &'b dyn Backend, population: &[(Role, u64)], seed: u64) -> Result<Self, String> {
        let mut world = World {
            backend,
            key: backend.ledger_key(),
            window: crate::backend::short_policy().settlement_window,
            members: Vec::new(),
            devices: Vec::new(),
            purses: Vec::new(),
            records: Vec::new(),
            by_id: HashMap::new(),
            paid_to: HashMap::new(),
            complicit_required: Vec::new(),
            complicit_allowed: HashSet::new(),
            log_may_grow_by: None,
            told_balance: None,
            rng: Rng::new(seed ^ 0x0ddc_0ffe_e0dd_f00d),
            step: 0,
            trace: Vec::new(),
            stats: Stats::default(),
            forged_count: 0,
        };
        if !backend.can_move_clock() {
            // The binary runs the default policy; its windows never close within a test.
            world.window = outpost_ledger::Policy::default().settlement_window;
        }
        for (i, &(role, skew)) in population.iter().enumerate() {
            let id = format!("M{}", i + 1);
            world.members.push(Member { id, role, skew, device: None, credited: 0, limit: DEFAULT_LIMIT });
            let (device, qr) = world.new_device(i)?;
            backend.enrol(&qr)?;
            world.members[i].device = Some(device);
        }
        Ok(world)
    }

    fn new_device(&mut self, member: usize) -> Result<(usize, String), String> {
        let identity = Identity::generate().map_err(|e| format!("a wallet key: {e}"))?;
        let request = EnrolmentRequest::sign(&identity, &self.members[member].id, self.backend.now())
            .map_err(|e| format!("an enrolment request: {e}"))?;
        let qr = qr::encode(PayloadKind::Enrolment, &request.to_bytes());
        let key = identity.public().signing_key;
        self.devices.push(Device {
            identity,
            key,
            member,
            lost: false,
            purse: None,
            purses: Vec::new(),
            accepted: Vec::new(),
            to_claim: Vec::new(),
            answered: Vec::new(),
            evidence: Vec::new(),
            sent: Vec::new(),
            receipts: Vec::new(),
            revoked_known: HashSet::new(),
            seen_up_to: 0,
            last_exchange: None,
        });
        Ok((self.devices.len() - 1, qr))
    }

    pub fn note(&mut self, line: String) {
        self.trace.push(format!("  [{}] {line}", self.step));
    }

    /// The member's phone clock.
    fn device_now(&self, member: usize) -> u64 {
        self.backend.now().saturating_sub(self.members[member].skew)
    }

    fn late(&self, purse: usize, now: u64) -> bool {
        now > self.purses[purse].expires_at.saturating_add(self.window)
    }

    fn name(&self, device: usize) -> String {
        let d = &self.devices[device];
        let m = &self.members[d.member];
        let lost = if d.lost { ", lost phone" } else { "" };
        format!("{} ({:?}{lost})", m.id, m.role)
    }

    fn describe(&self, record: usize) -> String {
        let r = &self.records[record];
        let p = &self.purses[r.purse];
        format!(
            "#{record}{} [purse {} of {}, seq {}, spent_after {}, amount {}, to {}]",
            if r.forged { " (forged)" } else { "" },
            p.cert.terms().serial,
            self.members[p.member].id,
            r.terms.seq,
            r.terms.spent_after,
            r.terms.amount,
            self.members[self.devices[r.receiver].member].id
        )
    }

    // ---- Officer and clock ----

    pub fn credit(&mut self, member: usize, amount: u64) -> Result<(), String> {
        self.backend.credit(&self.members[member].id, amount)?;
        self.members[member].credited += amount as i64;
        self.note(format!("credit {amount} to {}", self.members[member].id));
        Ok(())
    }

    pub fn set_limit(&mut self, member: usize, limit: u64) -> Result<(), String> {
        self.backend.set_purse_limit(&self.members[member].id, limit)?;
        self.members[member].limit = limit;
        self.note(format!("purse limit of {} set to {limit}", self.members[member].id));
        Ok(())
    }

    pub fn revoke_purse(&mut self, member: usize, pick: u64) -> Result<(), String> {
        let Some(device) = self.members[member].device else { return Ok(()) };
        let purses = &self.devices[device].purses;
        let purse = match self.devices[device].purse {
            Some(p) if !pick.is_multiple_of(3) => p,
            _ if !purses.is_empty() => purses[(pick as usize) % purses.len()],
            _ => return Ok(()),
        };
        self.backend.revoke_purse(&self.purses[purse].id)?;
        self.purses[purse].revoked |= !self.late(purse, self.backend.now());
        self.note(format!(
            "officer revokes purse {} of {}",
            self.purses[purse].cert.terms().serial,
            self.members[member].id
        ));
        Ok(())
    }

    /// The member reports the phone lost: an officer revokes it, or replaces it with a new one
    /// at once. The old phone is now in a thief's hands (or, for a cheat, still in their own).
    pub fn lose_device(&mut self, member: usize, replace: bool) -> Result<(), String> {
        let Some(old) = self.members[member].device else { return Ok(()) };
        let id = self.members[member].id.clone();
        if replace {
            let (new, qr) = self.new_device(member)?;
            self.backend.replace_device(&id, &qr)?;
            self.members[member].device = Some(new);
        } else {
            self.backend.revoke_device(&id)?;
            self.members[member].device = None;
        }
        self.devices[old].lost = true;
        let now = self.backend.now();
        for p in self.devices[old].purses.clone() {
            self.purses[p].revoked |= !self.late(p, now);
        }
        let how = if replace { "replaced" } else { "revoked" };
        self.note(format!("{id} reports the phone lost: device {how}"));
        Ok(())
    }

    /// A member without a phone (after a revocation) gets a new one.
    pub fn new_phone(&mut self, member: usize) -> Result<(), String> {
        if self.members[member].device.is_some() {
            return Ok(());
        }
        let (new, qr) = self.new_device(member)?;
        self.backend.replace_device(&self.members[member].id.clone(), &qr)?;
        self.members[member].device = Some(new);
        self.note(format!("{} gets a new phone", self.members[member].id));
        Ok(())
    }

    pub fn advance(&mut self, secs: u64) {
        if self.backend.advance(secs) {
            self.note(format!("the clock moves {:.1} days", secs as f64 / DAY as f64));
        }
    }

    pub fn sweep(&mut self) -> Result<(), String> {
        self.backend.sweep()
    }

    // ---- Paying offline ----

    /// An honest payment from the member's wallet: the next link of its chain.
    pub fn pay(&mut self, from: usize, to: usize, amount: u64, confirm: bool) -> Result<(), String> {
        let (Some(sender), Some(receiver)) = (self.members[from].device, self.members[to].device) else {
            return Ok(());
        };
        let Some(p) = self.devices[sender].purse else { return Ok(()) };
        if from == to {
            return Ok(());
        }
        let now = self.device_now(from);
        let purse = &self.purses[p];
        if purse.closed_by_wallet
            || now > purse.expires_at
            || self.devices[sender].revoked_known.contains(&purse.id)
        {
            return Ok(());
        }
        let amount = amount.min(purse.amount - purse.spent);
        if amount == 0 {
            return Ok(());
        }
        let terms = TransferTerms {
            seq: purse.seq + 1,
            prev_hash: purse.tip,
            spent_after: purse.spent + amount,
            amount,
            receiver_key: self.devices[receiver].key,
            request_nonce: None,
            time: now,
            memo: String::new(),
        };
        let transfer = Transfer::sign(purse.cert.clone(), terms, &self.devices[sender].identity)
            .map_err(|e| format!("Transfer::sign refused an honest payment: {e}"))?;
        let record = self.record(transfer, p, receiver, false);
        let purse = &mut self.purses[p];
        purse.seq += 1;
        purse.tip = self.records[record].terms.id;
        purse.spent += amount;
        purse.chain.push(record);
        self.devices[sender].sent.push(record);
        let line = format!("{} pays {}", self.name(sender), self.describe(record));
        self.note(line);
        self.show(record, sender, receiver, confirm)
    }

    /// An adversary signs terms of its choosing from a purse of `signer` (a device it holds)
    /// and shows the transfer to the phone `receiver`.
    #[allow(clippy::too_many_arguments)]
    pub fn forge(
        &mut self,
        signer: usize,
        receiver: usize,
        how: Forgery,
        amount: u64,
        pick: u64,
        confirm: bool,
    ) -> Result<(), String> {
        let device = &self.devices[signer];
        if device.purses.is_empty() {
            return Ok(());
        }
        let mut rng = Rng::new(pick);
        let purse = match device.purse {
            Some(p) if rng.chance(70) => p,
            _ => device.purses[rng.index(device.purses.len())],
        };
        let Some((seq, prev_hash, spent_after, amount)) = self.forge_terms(purse, how, amount, &mut rng)
        else {
            return Ok(());
        };
        self.forged_count += 1;
        let member = self.devices[signer].member;
        let skewed = self.device_now(member) as i64 + rng.range(0, 3 * DAY) as i64 - 2 * DAY as i64;
        let terms = TransferTerms {
            seq,
            prev_hash,
            spent_after,
            amount,
            receiver_key: self.devices[receiver].key,
            request_nonce: None,
            time: skewed.clamp(0, i64::from(u32::MAX)) as u64,
            memo: format!("f{}", self.forged_count),
        };
        let shown = format!("{terms:?}");
        let transfer = Transfer::sign(self.purses[purse].cert.clone(), terms, &self.devices[signer].identity)
            .map_err(|e| {
                format!("Transfer::sign refused terms that pass ADR 0010's rules alone: {e}: {shown}")
            })?;
        let record = self.record(transfer, purse, receiver, true);
        if !self.devices[signer].lost {
            self.devices[signer].sent.push(record);
        }
        let line = format!("{} forges ({how:?}) {}", self.name(signer), self.describe(record));
        self.note(line);
        self.show(record, signer, receiver, confirm)
    }

    /// Terms for a forgery: `(seq, prev_hash, spent_after, amount)`, or `None` when the purse
    /// leaves no room for one of this kind.
    fn forge_terms(
        &self,
        purse: usize,
        how: Forgery,
        amount: u64,
        rng: &mut Rng,
    ) -> Option<(u32, MessageId, u64, u64)> {
        let p = &self.purses[purse];
        let cap = p.amount;
        let start = p.id;
        let signed: Vec<Terms> = p.signed.iter().map(|&i| self.records[i].terms).collect();
        let mut amount = 1 + amount % cap.min(300);
        let other_prev = |rng: &mut Rng, not: MessageId| -> MessageId {
            let mut choices: Vec<MessageId> = signed.iter().map(|t| t.id).filter(|id| *id != not).collect();
            choices.push(start);
            if rng.chance(20) { rng.bytes() } else { choices[rng.index(choices.len())] }
        };
        let base = match how {
            Forgery::Extend if !signed.is_empty() && rng.chance(70) => signed.last().copied(),
            _ => rng.pick(&signed),
        };
        let how = match (how, base) {
            (Forgery::Rival | Forgery::WrongTotal | Forgery::BrokenLink, None) => Forgery::Any,
            _ => how,
        };
        // A transfer passes alone when spent_after <= cap, amount <= spent_after and
        // spent_after - amount >= seq - 1 (and the first starts the chain).
        let fits = |seq: u32, spent: u64, amount: u64| {
            spent <= cap && amount >= 1 && spent >= amount + u64::from(seq) - 1
        };
        match how {
            Forgery::Rival => {
                let x = base?;
                let before = x.spent_after - x.amount;
                amount = amount.min(cap.checked_sub(before)?);
                if amount == x.amount && amount > 1 {
                    amount -= 1;
                }
                fits(x.seq, before + amount, amount).then_some((x.seq, x.prev, before + amount, amount))
            }
            Forgery::WrongTotal => {
                let x = base?;
                let seq = x.seq.checked_add(1)?;
                for _ in 0..4 {
                    let delta = rng.range(1, 3) as i64 * if rng.chance(50) { 1 } else { -1 };
                    let spent = x.spent_after as i64 + amount as i64 + delta;
                    if spent > 0 && fits(seq, spent as u64, amount) {
                        return Some((seq, x.id, spent as u64, amount));
                    }
                }
                None
            }
            Forgery::BrokenLink => {
                let x = base?;
                let seq = x.seq.checked_add(1)?;
                let prev = other_prev(rng, x.id);
                let spent = x.spent_after + amount;
                fits(seq, spent, amount).then_some((seq, prev, spent, amount))
            }
            Forgery::Extend => {
                let (seq, prev, before) = match base {
                    Some(x) => (x.seq.checked_add(1)?, x.id, x.spent_after),
                    None => (1, start, 0),
                };
                amount = amount.min(cap.checked_sub(before)?);
                fits(seq, before + amount, amount).then_some((seq, prev, before + amount, amount))
            }
            Forgery::Gap | Forgery::Any => {
                let top = signed.iter().map(|t| t.seq).max().unwrap_or(0);
                let seq = match (how, base) {
                    (Forgery::Gap, Some(x)) => x.seq + rng.range(2, 4) as u32,
                    (Forgery::Gap, None) => rng.range(2, 4) as u32,
                    _ => rng.range(1, u64::from(top) + 2) as u32,
                };
                if seq == 1 {
                    amount = amount.min(cap);
                    return Some((1, start, amount, amount));
                }
                let least_before = u64::from(seq) - 1;
                amount = amount.min(cap.checked_sub(least_before)?);
                let before = rng.range(least_before, cap - amount);
                let prev = match base {
                    Some(x) if rng.chance(50) => x.id,
                    _ => other_prev(rng, [0; 32]),
                };
                fits(seq, before + amount, amount).then_some((seq, prev, before + amount, amount))
            }
        }
    }

    fn record(&mut self, transfer: Transfer, purse: usize, receiver: usize, forged: bool) -> usize {
        let terms = Terms::of(&transfer);
        if let Some(&known) = self.by_id.get(&terms.id) {
            return known;
        }
        self.records.push(Record {
            transfer,
            terms,
            purse,
            receiver,
            forged,
            stored: false,
            held: false,
            paid: false,
            refused_offline: false,
            evidence_first: false,
            late_first: false,
            honest_claim: false,
            complicit: false,
        });
        let index = self.records.len() - 1;
        self.by_id.insert(terms.id, index);
        self.purses[purse].signed.push(index);
        self.stats.transfers += 1;
        self.stats.forged += u64::from(forged);
        index
    }

    /// The QR handshake: the receiver's wallet checks the transfer and accepts it (then signs a
    /// receipt, which the sender scans when `confirm`), keeps it as evidence, or refuses it.
    fn show(&mut self, record: usize, sender: usize, receiver: usize, confirm: bool) -> Result<(), String> {
        let verdict = self.receive(receiver, record);
        self.note(format!("  {} {verdict}", self.name(receiver)));
        match verdict {
            Verdict::Accepts => {
                let device = &mut self.devices[receiver];
                device.accepted.push(record);
                device.to_claim.push(record);
                if confirm && !self.devices[sender].lost {
                    let time = self.device_now(self.devices[receiver].member);
                    let receipt =
                        Receipt::sign(self.records[record].terms.id, time, &self.devices[receiver].identity)
                            .map_err(|e| format!("a receipt: {e}"))?;
                    self.devices[sender].receipts.push((record, receipt));
                }
            }
            Verdict::KeepsAsEvidence => self.devices[receiver].evidence.push(record),
            Verdict::Refuses(_) | Verdict::HasItAlready => {}
        }
        Ok(())
    }

    /// What the receiving wallet does with a transfer shown to it.
    /// A phone reported lost is in a thief's hands, who accepts everything.
    fn receive(&self, receiver: usize, record: usize) -> Verdict {
        let device = &self.devices[receiver];
        let r = &self.records[record];
        if device.accepted.contains(&record) || device.evidence.contains(&record) {
            return Verdict::HasItAlready;
        }
        if self.members[device.member].role != Role::Honest || device.lost {
            return Verdict::Accepts;
        }
        let now = self.device_now(device.member);
        if r.transfer.clone().verify(&self.key, now).is_err() {
            return Verdict::Refuses("it does not verify, or the purse expired by its clock");
        }
        if device.revoked_known.contains(&self.purses[r.purse].id) {
            return Verdict::Refuses("the purse is revoked");
        }
        let held: Vec<Terms> = device
            .accepted
            .iter()
            .filter(|&&a| self.records[a].purse == r.purse)
            .map(|&a| self.records[a].terms)
            .collect();
        if held.iter().any(|h| h.seq == r.terms.seq) {
            return Verdict::KeepsAsEvidence;
        }
        if held.iter().any(|h| rule::conflict(h, &r.terms)) {
            return Verdict::Refuses("it breaks the chain it holds");
        }
        Verdict::Accepts
    }

    // ---- Sync ----

    /// The member's phone syncs: uploads what it holds (an honest wallet everything, an
    /// adversary what suits it, in any order), and orders a purse of `order` (0: none), closing
    /// the one it pays from with a declaration (an honest one, or a cheat's lie).
    pub fn sync(&mut self, member: usize, order: u64, pick: u64) -> Result<(), String> {
        let Some(device) = self.members[member].device else { return Ok(()) };
        let mut rng = Rng::new(pick);
        let role = self.members[member].role;
        let d = &self.devices[device];
        let (mut uploads, receipts, evidence): (Vec<usize>, Vec<(usize, Receipt)>, Vec<usize>) = match role {
            Role::Honest => {
                let mut uploads: Vec<usize> = d.to_claim.iter().chain(&d.sent).copied().collect();
                if let Some(again) = rng.pick(&d.answered)
                    && rng.chance(20)
                {
                    uploads.push(again);
                }
                (uploads, d.receipts.clone(), d.evidence.clone())
            }
            Role::Cheat | Role::Accomplice => {
                // `pick % 4 == 0`: everything it holds, as claims; otherwise a part, the rest
                // for later, a few of the transfers it holds given as evidence instead.
                let all = pick.is_multiple_of(4);
                let (mut uploads, mut evidence) = (Vec::new(), Vec::new());
                for &r in &d.to_claim {
                    match rng.below(100) {
                        _ if all => uploads.push(r),
                        0..55 => uploads.push(r),
                        55..62 => evidence.push(r),
                        _ => {}
                    }
                }
                uploads.extend(d.sent.iter().copied().filter(|_| all || rng.chance(50)));
                // A transfer to oneself is both sent and held: one list per request.
                evidence.retain(|r| !uploads.contains(r));
                let receipts = d.receipts.iter().filter(|_| all || rng.chance(60)).cloned().collect();
                (uploads, receipts, evidence)
            }
        };
        let mut seen = HashSet::new();
        uploads.retain(|u| seen.insert(*u));
        rng.shuffle(&mut uploads);

        let mut closing = Vec::new();
        if order > 0
            && let Some(p) = self.devices[device].purse
            && !self.purses[p].closed_by_wallet
        {
            let (last_seq, spent) = if role == Role::Cheat {
                self.lie(p, pick, &mut rng)
            } else {
                (self.purses[p].seq, self.purses[p].spent)
            };
            closing.push((p, last_seq, spent));
            self.purses[p].closed_by_wallet = true;
        }

        let d = &self.devices[device];
        let body = SyncRequestBody {
            wallet_key: d.key,
            request_id: self.rng.bytes(),
            device_time: self.device_now(member),
            checkpoint_size: 0,
            seen_up_to: d.seen_up_to,
            transfers: uploads.iter().map(|&r| self.records[r].transfer.clone()).collect(),
            receipts: receipts.iter().map(|(_, receipt)| receipt.clone()).collect(),
            evidence: evidence.iter().map(|&r| self.records[r].transfer.clone()).collect(),
            purse: (order > 0).then(|| PurseOrder {
                closing: closing
                    .iter()
                    .map(|&(p, last_seq, spent)| PurseDeclaration {
                        purse_id: self.purses[p].id,
                        last_seq,
                        spent,
                    })
                    .collect(),
                amount: order,
            }),
            payments: Vec::new(),
        };
        let request =
            SyncRequest::sign(body, &d.identity).map_err(|e| format!("signing a sync request: {e}"))?;
        let bytes = request.to_bytes();
        let line = format!(
            "{} syncs: transfers {:?}, receipts {:?}, evidence {:?}, order {order}, closing {:?}",
            self.name(device),
            uploads,
            receipts.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            evidence,
            closing.iter().map(|&(p, s, t)| (self.purses[p].cert.terms().serial, s, t)).collect::<Vec<_>>()
        );
        self.note(line);
        self.stats.syncs += 1;
        let answer = self
            .backend
            .sync(&bytes)
            .map_err(|e| format!("the ledger refused a sync from an active wallet: {e}"))?;
        let response =
            SyncResponse::from_bytes(&answer).map_err(|e| format!("an undecodable sync response: {e}"))?;
        response
            .verify(&self.key, &request.id())
            .map_err(|e| format!("a sync response that does not verify: {e}"))?;
        let body = response.body();

        // What the ledger must have done, by the model, and the outcomes that says it answers.
        let receipt_records: Vec<usize> = receipts.iter().map(|(r, _)| *r).collect();
        let expected = self.model_sync(device, &uploads, &evidence, &receipt_records, &closing);
        for (id, want) in &expected {
            let got: Vec<Outcome> =
                body.outcomes.iter().filter(|o| o.transfer_id == *id).map(|o| o.outcome).collect();
            let record = self.by_id[id];
            if got.is_empty() || got.iter().any(|g| !want.contains(g)) {
                return Err(format!(
                    "the ledger answered {got:?} for {}, where the policy says {want:?}",
                    self.describe(record)
                ));
            }
        }

        // "The revocation goes to every wallet at its next sync."
        let now = self.backend.now();
        if let Some(p) = (0..self.purses.len()).find(|&p| {
            self.purses[p].revoked && !self.late(p, now) && !body.revoked.contains(&self.purses[p].id)
        }) {
            let purse = &self.purses[p];
            return Err(format!(
                "purse {} of {} is revoked, and a sync's answer leaves it off the revocation list",
                purse.cert.terms().serial,
                self.members[purse.member].id
            ));
        }
        self.told_balance = Some((member, body.online_balance));

        // The wallet takes the answer.
        let d = &mut self.devices[device];
        d.to_claim.retain(|r| !uploads.contains(r));
        d.sent.retain(|r| !uploads.contains(r));
        for &r in &uploads {
            if self.records[r].receiver == device && !d.answered.contains(&r) {
                d.answered.push(r);
            }
        }
        d.receipts.retain(|(r, _)| !receipt_records.contains(r));
        d.evidence.retain(|r| !evidence.contains(r));
        d.revoked_known.extend(body.revoked.iter().copied());
        d.seen_up_to = body.seen_up_to;
        d.last_exchange = Some((bytes, answer.clone()));
        let balance = body.online_balance;
        let issued = body.purse.clone();
        self.take_purse(member, device, order, balance, issued)
    }

    /// A cheat's declaration when closing a purse, chosen by `pick % 5`: 0 the truth about its
    /// own chain, 1 nothing spent, 2 an earlier point of its chain (a wallet restored from a
    /// copy), 3 less spent than it did, 4 the highest of everything it signed. Always
    /// well-formed: `last_seq <= spent <= amount`, and nothing spent exactly when no sequence.
    fn lie(&self, purse: usize, pick: u64, rng: &mut Rng) -> (u32, u64) {
        let p = &self.purses[purse];
        let truth = (p.seq, p.spent);
        match pick % 5 {
            0 => truth,
            1 => (0, 0),
            2 if p.seq > 0 => {
                let last = rng.range(0, u64::from(p.seq) - 1) as u32;
                if last == 0 {
                    (0, 0)
                } else {
                    (last, self.records[p.chain[last as usize - 1]].terms.spent_after)
                }
            }
            3 if p.spent > u64::from(p.seq) => (p.seq, rng.range(u64::from(p.seq), p.spent - 1)),
            _ => {
                let top = p.signed.iter().map(|&r| self.records[r].terms.seq).max().unwrap_or(0);
                let most = p.signed.iter().map(|&r| self.records[r].terms.spent_after).max().unwrap_or(0);
                (top, most)
            }
        }
    }

    /// A purse the ledger issued in answer to an order. An honest member who ordered one gets it
    /// whenever the limit and the account allow: it is never flagged and never keeps a purse open.
    fn take_purse(
        &mut self,
        member: usize,
        device: usize,
        order: u64,
        balance: i64,
        issued: Option<PurseCertificate>,
    ) -> Result<(), String> {
        let honest = self.members[member].role == Role::Honest;
        let limit = self.members[member].limit;
        match issued {
            None => {
                if honest && order > 0 && balance > 0 && limit > 0 {
                    return Err(format!(
                        "honest {} ordered a purse of {order} with {balance} in the account and a limit of {limit}, \
                         and got none",
                        self.members[member].id
                    ));
                }
                Ok(())
            }
            Some(cert) => {
                cert.verify(&self.key)
                    .map_err(|e| format!("a purse certificate that does not verify: {e}"))?;
                let terms = cert.terms().clone();
                let amount = terms.amount.minor();
                if order == 0
                    || terms.wallet_key != self.devices[device].key
                    || terms.member_id != self.members[member].id
                {
                    return Err(format!("a purse nobody ordered, or for another wallet: {terms:?}"));
                }
                let fair = order.min(limit).min((balance + amount as i64).max(0) as u64);
                if amount != fair {
                    return Err(format!(
                        "a purse of {amount} for an order of {order}, a limit of {limit} and {} in the account",
                        balance + amount as i64
                    ));
                }
                self.purses.push(Purse {
                    id: cert.purse_id(),
                    cert,
                    device,
                    member,
                    amount,
                    expires_at: terms.expires_at,
                    seq: 0,
                    tip: [0; 32],
                    spent: 0,
                    chain: Vec::new(),
                    closed_by_wallet: false,
                    signed: Vec::new(),
                    stored: Vec::new(),
                    declaration: None,
                    revoked: false,
                    proof: None,
                });
                let p = self.purses.len() - 1;
                self.purses[p].tip = self.purses[p].id;
                self.devices[device].purses.push(p);
                self.devices[device].purse = Some(p);
                self.note(format!("  {} gets purse {} of {amount}", self.members[member].id, terms.serial));
                Ok(())
            }
        }
    }

    /// Resends the wallet's last request, as a retry after a cut connection would: the same
    /// answer, and nothing changes.
    pub fn replay(&mut self, member: usize) -> Result<(), String> {
        let Some(device) = self.members[member].device else { return Ok(()) };
        let Some((request, response)) = self.devices[device].last_exchange.clone() else { return Ok(()) };
        let again =
            self.backend.sync(&request).map_err(|e| format!("a replayed request was refused: {e}"))?;
        if again != response {
            return Err("a replayed request got a different answer".into());
        }
        // The sweep that starts every write may still return a purse whose window closed.
        self.log_may_grow_by = Some(("a replayed request", &[EntryKind::Returned]));
        self.note(format!("{} replays its last request", self.members[member].id));
        Ok(())
    }

    /// Whoever holds a phone reported lost tries to sync with it, uploading what it holds and
    /// ordering a purse: refused, and nothing changes.
    pub fn sync_lost_phone(&mut self, device: usize, order: u64) -> Result<(), String> {
        let d = &self.devices[device];
        let transfers = d.sent.iter().chain(&d.to_claim).map(|&r| self.records[r].transfer.clone()).collect();
        let closing = d
            .purse
            .map(|p| PurseDeclaration { purse_id: self.purses[p].id, last_seq: 0, spent: 0 })
            .into_iter()
            .collect();
        let body = SyncRequestBody {
            wallet_key: d.key,
            request_id: self.rng.bytes(),
            device_time: self.backend.now(),
            checkpoint_size: 0,
            seen_up_to: d.seen_up_to,
            transfers,
            receipts: d.receipts.iter().map(|(_, receipt)| receipt.clone()).collect(),
            evidence: Vec::new(),
            purse: (order > 0).then_some(PurseOrder { closing, amount: order }),
            payments: Vec::new(),
        };
        let request =
            SyncRequest::sign(body, &d.identity).map_err(|e| format!("signing a sync request: {e}"))?;
        let line = format!("{} syncs with the lost phone", self.name(device));
        self.note(line);
        if let Ok(answer) = self.backend.sync(&request.to_bytes()) {
            return Err(format!("a phone reported lost synced: {} bytes of answer", answer.len()));
        }
        self.log_may_grow_by = Some(("a lost phone's refused sync", &[]));
        Ok(())
    }

    // ---- The reference model ----

    /// Applies one request to the model, in the ledger's order (transfers, evidence, receipts,
    /// declarations), and returns the outcomes the policy allows for each upload it fixes them for.
    fn model_sync(
        &mut self,
        device: usize,
        uploads: &[usize],
        evidence: &[usize],
        receipts: &[usize],
        closing: &[(usize, u32, u64)],
    ) -> Vec<(MessageId, &'static [Outcome])> {
        let now = self.backend.now();
        let key = self.devices[device].key;
        let honest = self.members[self.devices[device].member].role == Role::Honest;
        let mut expected = Vec::new();
        for &r in uploads {
            let id = self.records[r].terms.id;
            let purse = self.records[r].purse;
            let newly = self.store(r);
            let late = self.late(purse, now);
            if newly && late {
                self.records[r].late_first = true;
            }
            let claim = self.devices[self.records[r].receiver].key == key;
            if self.records[r].paid {
                if claim {
                    expected.push((id, &[Outcome::Settled][..]));
                }
            } else if late {
                if claim {
                    if honest {
                        expected.push((id, &[Outcome::Returned][..]));
                    }
                    if self.conflicting_payment(r).is_some() {
                        let member = self.devices[device].member;
                        self.complicit_allowed.insert((member, id));
                    }
                }
            } else if claim {
                if honest {
                    self.records[r].honest_claim = true;
                }
                // A complicit claim is refused; made again, or made of what its receiver gave
                // as evidence, the ledger may answer that the transfer is evidence it keeps.
                let again = self.records[r].complicit || self.records[r].evidence_first;
                let outcomes: &[Outcome] = match self.claim(r) {
                    true => &[Outcome::Settled],
                    false if again => &[Outcome::Refused, Outcome::DoubleSpend],
                    false => &[Outcome::Refused],
                };
                expected.push((id, outcomes));
            } else if newly {
                self.records[r].held = true;
            }
        }
        for &r in evidence {
            if self.store(r) {
                self.records[r].evidence_first = true;
            }
            self.records[r].refused_offline |= honest;
            self.stats.evidence += 1;
            expected.push((self.records[r].terms.id, &[Outcome::DoubleSpend][..]));
        }
        for &r in receipts {
            let record = &self.records[r];
            if record.stored && record.held && !record.paid && !self.late(record.purse, now) {
                self.claim(r);
            }
        }
        // An honest sender's own uploads: held until claimed (a receipt in the same request
        // claims it), returned once the window closed.
        if honest {
            for &r in uploads.iter().filter(|&&r| self.devices[self.records[r].receiver].key != key) {
                let outcome: &[Outcome] = if self.records[r].paid {
                    &[Outcome::Settled]
                } else if self.records[r].evidence_first {
                    // Its receiver gave it as evidence: the ledger keeps it so, and says so.
                    &[Outcome::Held, Outcome::Returned, Outcome::DoubleSpend]
                } else if self.late(self.records[r].purse, now) {
                    &[Outcome::Returned]
                } else {
                    &[Outcome::Held]
                };
                expected.push((self.records[r].terms.id, outcome));
            }
        }
        for &(p, last_seq, spent) in closing {
            let purse = &self.purses[p];
            let well_formed =
                spent <= purse.amount && (last_seq == 0) == (spent == 0) && spent >= u64::from(last_seq);
            if purse.declaration.is_none() && !self.late(p, now) && well_formed {
                self.purses[p].declaration = Some((last_seq, spent));
                self.update_proof(p);
            }
        }
        expected
    }

    /// The ledger keeps every transfer that reaches it by any path. True when it is new.
    fn store(&mut self, record: usize) -> bool {
        if self.records[record].stored {
            return false;
        }
        self.records[record].stored = true;
        let purse = self.records[record].purse;
        self.purses[purse].stored.push(record);
        self.update_proof(purse);
        true
    }

    /// The first time a purse's stored transfers (with its declaration) cannot all be honest,
    /// the ledger must write its proof.
    fn update_proof(&mut self, purse: usize) {
        let p = &self.purses[purse];
        if p.proof.is_some() {
            return;
        }
        let stored: Vec<Terms> = p.stored.iter().map(|&r| self.records[r].terms).collect();
        if !rule::consistent(&stored, p.declaration) {
            let lost_device = self.devices[p.device].lost;
            let line = format!(
                "  model: purse {} of {} is now proved",
                p.cert.terms().serial,
                self.members[p.member].id
            );
            self.purses[purse].proof = Some(Proof { lost_device, step: self.step });
            self.purses[purse].revoked = true;
            self.note(line);
        }
    }

    /// A transfer the same receiving wallet was already paid for from the same purse that
    /// conflicts with `record`.
    fn conflicting_payment(&self, record: usize) -> Option<usize> {
        let r = &self.records[record];
        let key = self.devices[r.receiver].key;
        self.paid_to
            .get(&(key, r.purse))?
            .iter()
            .copied()
            .find(|&other| rule::conflict(&self.records[other].terms, &r.terms))
    }

    /// A claim inside the window: paid, unless it conflicts with what the same wallet was already
    /// paid from the purse (ADR 0010, rule 2).
    fn claim(&mut self, record: usize) -> bool {
        let receiver = self.records[record].receiver;
        let id = self.records[record].terms.id;
        if self.records[record].evidence_first {
            // Rule 3: never paid. Naming the receiver for it is allowed, not required.
            if self.conflicting_payment(record).is_some() {
                self.complicit_allowed.insert((self.devices[receiver].member, id));
            }
            return false;
        }
        if let Some(other) = self.conflicting_payment(record) {
            if self.devices[receiver].lost {
                // ADR 0010 rule 5: a claim by a device reported lost (a receipt its holder signed)
                // is not paid, and its owner is not named for it.
                self.records[record].complicit = true;
                let line = format!(
                    "  model: claim of #{record} by a lost device is refused (conflicts with #{other})"
                );
                self.note(line);
                return false;
            }
            let member = self.devices[receiver].member;
            self.complicit_required.push((member, id));
            self.complicit_allowed.insert((member, id));
            self.records[record].complicit = true;
            let line = format!("  model: claim of #{record} is complicit (conflicts with paid #{other})");
            self.note(line);
            return false;
        }
        self.records[record].paid = true;
        let key = self.devices[receiver].key;
        let purse = self.records[record].purse;
        self.paid_to.entry((key, purse)).or_default().push(record);
        true
    }
}
