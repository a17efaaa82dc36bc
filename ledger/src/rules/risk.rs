//! The risk engine: deterministic, explainable rules that turn the ledger's history into flags
//! (DESIGN section 7).
//!
//! The ledger decodes its audit log into [`RiskInput`]s, in log order, and feeds them to a
//! [`Replay`] that it keeps, one new entry at a time as the log grows; [`evaluate`] runs the same
//! rules over a whole list at once, with the same result. The result is a pure function of those
//! inputs and the [`Rules`]: no clock, no randomness, no hash map iteration order, so anyone
//! holding the log (an auditor, a second ledger process, a test) replays it and gets the same
//! flags, byte for byte. Officers see every flag; [`flags_for`] picks the ones a member's wallet
//! is told about at sync.
//!
//! Every flag carries a stable [`Reason`] code, a score from 0 to 100 that depends only on the
//! reason ([`Reason::score`]), the audit position and ledger time of the input that raised it, a
//! sentence with the numbers that tripped the rule, and the transfer ids involved. A flag is a
//! prompt for an officer to look, never a verdict: only [`Reason::DoubleSpend`] is certain, because
//! its evidence is transfers the member's own wallet signed.
//!
//! Time windows use the ledger's time (`at`), never a device's: device clocks are untrusted and
//! are themselves one of the signals ([`Reason::ClockSkew`]). A payment belongs to a window of
//! `w` seconds ending at time `t` when `t - at < w`. One consequence to keep in mind when tuning:
//! offline transfers settle when a wallet syncs, so a week of offline payments can reach the
//! ledger at almost the same `at`; the velocity defaults are set loose enough for that.
//!
//! Work is bounded: per-member windows hold only what is inside them, the median uses at most
//! [`Rules::unusual_history_len`] amounts, and cycle search is a breadth-first search over the
//! payments inside [`Rules::cycle_window_secs`], at most [`Rules::cycle_max_len`] hops deep and
//! keeping one best path per member per depth, so it never grows exponentially.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use outpost_wallet_core::money::{Amount, Currency};

use outpost_wallet_core::hex;

/// One input to the rules, in audit-log order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RiskInput {
    /// Money moved from one member to another (an offline transfer settled, or an online payment).
    Payment(Payment),
    /// Two different signed transfers from the same purse slot, or a spend beyond what the member
    /// declared.
    DoubleSpend { seq: u64, at: u64, member_id: String, purse_id: [u8; 32], evidence: Vec<[u8; 32]> },
    /// A wallet synced; its device clock said `device_time` while the ledger's said `at`.
    Sync { seq: u64, at: u64, member_id: String, device_time: u64 },
    /// A member's account went below zero (after a double-spend debit).
    NegativeBalance { seq: u64, at: u64, member_id: String, balance_minor: i64 },
    /// A receiver claimed a transfer conflicting with one of the same purse it was already paid
    /// (docs/adr/0010): `member_id` is the receiver's member.
    Complicit { seq: u64, at: u64, member_id: String, signer: String, evidence: Vec<[u8; 32]> },
    /// A double spend proved from a purse of a device reported lost; `member_id` owns the device.
    LostDeviceSpend { seq: u64, at: u64, member_id: String, purse_id: [u8; 32], evidence: Vec<[u8; 32]> },
    /// A transfer the member signed reached the ledger after its purse's settlement window.
    LateSpend { seq: u64, at: u64, member_id: String, transfer_id: [u8; 32] },
}

/// Money moved from `from_member` to `to_member`, as the audit log recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Audit-log position of the entry that recorded it.
    pub seq: u64,
    /// Ledger time, Unix seconds.
    pub at: u64,
    pub transfer_id: [u8; 32],
    pub from_member: String,
    pub to_member: String,
    pub amount_minor: u64,
    pub offline: bool,
    /// Offline only: the sender's device time written in the transfer (untrusted).
    pub device_time: Option<u64>,
    /// Offline only: purse amount and the purse's cumulative spend after this transfer.
    pub purse_amount_minor: Option<u64>,
    pub spent_after_minor: Option<u64>,
}

/// The thresholds of every rule. Changing them changes the flags a replay produces, so the ledger
/// should record the rules it ran with next to the flags it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// Velocity: a member sending more than this many payments within
    /// [`velocity_window_secs`](Self::velocity_window_secs) is flagged.
    pub velocity_max_payments: u32,
    pub velocity_window_secs: u64,
    /// Unusual amount: a payment above this many times the median of the sender's previous
    /// payments is flagged...
    pub unusual_factor: u32,
    /// ...once the sender has at least this many previous payments (a median of two is noise)...
    pub unusual_min_history: u32,
    /// ...taking the median over at most this many of the most recent ones.
    pub unusual_history_len: u32,
    /// New counterparties: a member paying more than this many first-time payees within
    /// [`new_counterparty_window_secs`](Self::new_counterparty_window_secs) is flagged.
    pub new_counterparty_max: u32,
    pub new_counterparty_window_secs: u64,
    /// Transfer cycles: money that comes back to where it started through at most this many
    /// transfers (at least 2; below 2 the rule is off)...
    pub cycle_max_len: u32,
    /// ...with the first and last transfer less than this far apart.
    pub cycle_window_secs: u64,
    /// Clock skew: a device clock further than this from the ledger's at sync, or a transfer dated
    /// further than this after the ledger received it, is flagged...
    pub max_clock_skew_secs: u64,
    /// ...at most once per member in this long, because a wrong clock stays wrong on every sync
    /// and every transfer until someone fixes it.
    pub clock_skew_window_secs: u64,
    /// The ledger's currency, for the amounts in the flags' words. The ledger sets its own when it
    /// opens; the default (yen) is for rules run outside a ledger.
    pub currency: Currency,
}

impl Default for Rules {
    /// Defaults for a workplace wallet: members pay a handful of regular payees (canteen, shop,
    /// colleagues) a few times a day. Each value and why:
    ///
    /// - `velocity_max_payments: 20` in `velocity_window_secs: 3600`: a person buys a few things
    ///   an hour at most; twenty is well past that, yet leaves room for a week of offline
    ///   payments settling in one sync.
    /// - `unusual_factor: 10`, `unusual_min_history: 5`, `unusual_history_len: 50`: an order of
    ///   magnitude over the usual payment is "far outside the range", where 2–3× is ordinary
    ///   variation (a round for colleagues instead of one lunch). Five payments give a median that
    ///   means something; the last fifty follow a member whose spending changes and bound the work.
    /// - `new_counterparty_max: 5` in `new_counterparty_window_secs: 86_400`: more than five
    ///   first-time payees in a day is the fan-out of a stolen or mule wallet; a new member's first
    ///   day can trip it too, which is why its score is low.
    /// - `cycle_max_len: 4` in `cycle_window_secs: 86_400`: round-tripping to inflate activity or
    ///   hide the source of double-spent money uses short loops, quickly; longer or slower loops
    ///   are indistinguishable from ordinary life and cost more to search.
    /// - `max_clock_skew_secs: 600`, `clock_skew_window_secs: 86_400`: a phone's clock drifts
    ///   seconds a week; ten minutes off means set by hand or to the wrong time zone, which is also
    ///   how someone would try to stretch an expired purse. One flag a day per member says so
    ///   without drowning the officer.
    fn default() -> Self {
        Rules {
            velocity_max_payments: 20,
            velocity_window_secs: 3600,
            unusual_factor: 10,
            unusual_min_history: 5,
            unusual_history_len: 50,
            new_counterparty_max: 5,
            new_counterparty_window_secs: 86_400,
            cycle_max_len: 4,
            cycle_window_secs: 86_400,
            max_clock_skew_secs: 600,
            clock_skew_window_secs: 86_400,
            currency: Currency::JPY,
        }
    }
}

/// Why a flag was raised. The code and wire number of a reason are stable: wallets and stored
/// flags carry them, so a retired reason keeps its number and a new reason takes the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    DoubleSpend,
    Velocity,
    UnusualAmount,
    NewCounterparties,
    TransferCycle,
    ClockSkew,
    PurseExhausted,
    NegativeBalance,
    Complicit,
    LostDeviceSpend,
    LateSpend,
}

impl Reason {
    /// Every reason, in wire order.
    pub const ALL: [Reason; 11] = [
        Reason::DoubleSpend,
        Reason::Velocity,
        Reason::UnusualAmount,
        Reason::NewCounterparties,
        Reason::TransferCycle,
        Reason::ClockSkew,
        Reason::PurseExhausted,
        Reason::NegativeBalance,
        Reason::Complicit,
        Reason::LostDeviceSpend,
        Reason::LateSpend,
    ];

    /// The stable text code, for logs, JSON and the officer's filters.
    pub fn code(self) -> &'static str {
        match self {
            Reason::DoubleSpend => "double-spend",
            Reason::Velocity => "velocity",
            Reason::UnusualAmount => "unusual-amount",
            Reason::NewCounterparties => "new-counterparties",
            Reason::TransferCycle => "transfer-cycle",
            Reason::ClockSkew => "clock-skew",
            Reason::PurseExhausted => "purse-exhausted",
            Reason::NegativeBalance => "negative-balance",
            Reason::Complicit => "complicit",
            Reason::LostDeviceSpend => "lost-device-spend",
            Reason::LateSpend => "late-spend",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The stable number, 1 to 11, for compact encodings. 0 is never a reason.
    pub fn wire(self) -> u8 {
        match self {
            Reason::DoubleSpend => 1,
            Reason::Velocity => 2,
            Reason::UnusualAmount => 3,
            Reason::NewCounterparties => 4,
            Reason::TransferCycle => 5,
            Reason::ClockSkew => 6,
            Reason::PurseExhausted => 7,
            Reason::NegativeBalance => 8,
            Reason::Complicit => 9,
            Reason::LostDeviceSpend => 10,
            Reason::LateSpend => 11,
        }
    }

    pub fn from_wire(v: u8) -> Option<Self> {
        Reason::ALL.into_iter().find(|r| r.wire() == v)
    }

    /// One plain sentence for an officer.
    pub fn explain(self) -> &'static str {
        match self {
            Reason::DoubleSpend => {
                "The member's wallet signed two different transfers with the same purse money, which \
                 only a copied or tampered wallet can do."
            }
            Reason::Velocity => {
                "The member sent many more payments in a short time than a person normally does."
            }
            Reason::UnusualAmount => "The member paid far more than they usually pay.",
            Reason::NewCounterparties => {
                "The member paid many people they had never paid before in a short time."
            }
            Reason::TransferCycle => {
                "Money went from the member through others and came back to where it started within a \
                 short time."
            }
            Reason::ClockSkew => {
                "The member's device clock is far from the ledger's, so the times it writes on transfers \
                 cannot be trusted."
            }
            Reason::PurseExhausted => {
                "The member spent everything in their offline purse; this is for information."
            }
            Reason::NegativeBalance => {
                "The member's account went below zero after a double-spend was charged to it."
            }
            Reason::Complicit => {
                "The member asked to be paid for a transfer that conflicts with one of the same purse they \
                 were already paid, which their own wallet refuses: they took part in the double spend."
            }
            Reason::LostDeviceSpend => {
                "A device the member reported lost spent the same purse money twice; the ministry carries \
                 what the purse did not cover."
            }
            Reason::LateSpend => {
                "A transfer the member signed reached the ledger after its purse's settlement window, when \
                 the money had already gone back to them; the receiver was not paid."
            }
        }
    }

    /// How strongly the reason suggests something is wrong, 0 to 100. It depends only on the
    /// reason, so an officer can learn what each number means:
    ///
    /// - 100 double spend: certain, the member's own signed transfers prove it; complicity: the
    ///   member claimed two transfers of one purse that their own wallet would never both accept.
    /// - 50 lost-device spend: certain of the device, not of the person (a thief, or a member who
    ///   reported the loss after cheating).
    /// - 60 negative balance: real money is missing, though the cause is already flagged.
    /// - 40 velocity: unusual for a person, but a busy day or a batch of offline settlements can
    ///   do it.
    /// - 30 unusual amount, new counterparties: patterns of a stolen wallet, and also of a big
    ///   purchase or a new member; late spend: a clock set back, or a receiver who synced late.
    /// - 20 transfer cycle, clock skew: weak alone (a loan repaid is a cycle; a wrong clock is
    ///   usually a mistake), telling when repeated or next to stronger flags.
    /// - 10 purse exhausted: information, so the member knows to top up.
    pub fn score(self) -> u16 {
        match self {
            Reason::DoubleSpend | Reason::Complicit => 100,
            Reason::NegativeBalance => 60,
            Reason::LostDeviceSpend => 50,
            Reason::Velocity => 40,
            Reason::UnusualAmount | Reason::NewCounterparties | Reason::LateSpend => 30,
            Reason::TransferCycle | Reason::ClockSkew => 20,
            Reason::PurseExhausted => 10,
        }
    }
}

/// A rule that fired for a member, with what it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub member_id: String,
    pub reason: Reason,
    /// 0 to 100, [`Reason::score`] of the reason.
    pub score: u16,
    /// Ledger time of the input that raised it.
    pub at: u64,
    /// Audit seq of the input that raised it.
    pub seq: u64,
    /// Plain words with the numbers, e.g. "21 payments sent within 1 h (limit 20)".
    pub detail: String,
    /// Transfer ids involved (empty when none).
    pub evidence: Vec<[u8; 32]>,
}

/// Runs every rule over `inputs`, which must be in audit-log order, and returns the flags sorted by
/// `(seq, member_id, reason)` (flags equal in all three stay in input order).
pub fn evaluate(inputs: &[RiskInput], rules: &Rules) -> Vec<Flag> {
    let mut engine = Engine::new(rules.clone());
    for input in inputs {
        engine.input(input);
    }
    let mut flags = engine.flags;
    flags.sort_by(flag_order);
    flags
}

/// The rules run one input at a time, remembering between inputs what [`evaluate`] remembers
/// within one run: what the ledger keeps so that each sync replays only the log entries appended
/// since the last, not the whole log. After any number of pushes, [`Replay::flags`] is exactly
/// what [`evaluate`] returns for every input pushed so far, in the order pushed.
pub struct Replay {
    engine: Engine,
}

impl Replay {
    pub fn new(rules: Rules) -> Replay {
        Replay { engine: Engine::new(rules) }
    }

    pub fn push(&mut self, input: &RiskInput) {
        let before = self.engine.flags.len();
        self.engine.input(input);
        // The flags one input raises all carry its `seq`, and the earlier flags are sorted
        // already. Those with a lower `seq` stay ahead of every new flag; a stable sort of the
        // rest, which still come before the new ones, places each new flag where a stable sort of
        // the whole list would: after every earlier flag of an equal key.
        let Some(seq) = self.engine.flags.get(before).map(|flag| flag.seq) else { return };
        let from = self.engine.flags[..before].partition_point(|flag| flag.seq < seq);
        self.engine.flags[from..].sort_by(flag_order);
    }

    /// Every flag so far, in [`evaluate`]'s order.
    pub fn flags(&self) -> &[Flag] {
        &self.engine.flags
    }
}

fn flag_order(a: &Flag, b: &Flag) -> std::cmp::Ordering {
    (a.seq, &a.member_id, a.reason).cmp(&(b.seq, &b.member_id, b.reason))
}

/// The flags about one member, in the order given: what their wallet is told at sync.
pub fn flags_for(flags: &[Flag], member_id: &str) -> Vec<Flag> {
    flags.iter().filter(|f| f.member_id == member_id).cloned().collect()
}

/// The rules' memory while replaying, and the flags raised so far.
struct Engine {
    rules: Rules,
    flags: Vec<Flag>,
    senders: BTreeMap<String, Sender>,
    /// Ledger time of each member's last clock-skew flag.
    clock_flagged: BTreeMap<String, u64>,
    cycles: CycleIndex,
}

/// Where in the log the input that raises a flag sits.
#[derive(Clone, Copy)]
struct Source {
    seq: u64,
    at: u64,
}

/// A rule's finding, before it is attributed to a member.
struct Finding {
    reason: Reason,
    detail: Detail,
    evidence: Vec<[u8; 32]>,
}

impl Engine {
    fn new(rules: Rules) -> Engine {
        Engine {
            rules,
            flags: Vec::new(),
            senders: BTreeMap::new(),
            clock_flagged: BTreeMap::new(),
            cycles: CycleIndex::default(),
        }
    }

    fn input(&mut self, input: &RiskInput) {
        match input {
            RiskInput::Payment(p) => self.payment(p),
            RiskInput::DoubleSpend { seq, at, member_id, purse_id, evidence } => {
                // Evidence of a double spend is at least two transfers.
                let detail = Detail::DoubleSpend { transfers: evidence.len(), purse_id: *purse_id };
                let finding = Finding { reason: Reason::DoubleSpend, detail, evidence: evidence.clone() };
                self.raise(member_id, Source { seq: *seq, at: *at }, finding);
            }
            RiskInput::Sync { seq, at, member_id, device_time } => {
                let skew = device_time.abs_diff(*at);
                if skew > self.rules.max_clock_skew_secs {
                    let detail = Detail::ClockAtSync {
                        skew,
                        ahead: device_time > at,
                        max: self.rules.max_clock_skew_secs,
                    };
                    let finding = Finding { reason: Reason::ClockSkew, detail, evidence: Vec::new() };
                    self.clock_skew(member_id, Source { seq: *seq, at: *at }, finding);
                }
            }
            RiskInput::NegativeBalance { seq, at, member_id, balance_minor } => {
                let detail = Detail::NegativeBalance {
                    owed: money(balance_minor.unsigned_abs(), self.rules.currency),
                };
                let finding = Finding { reason: Reason::NegativeBalance, detail, evidence: Vec::new() };
                self.raise(member_id, Source { seq: *seq, at: *at }, finding);
            }
            RiskInput::Complicit { seq, at, member_id, signer, evidence } => {
                let detail = Detail::Complicit { signer: signer.clone() };
                let finding = Finding { reason: Reason::Complicit, detail, evidence: evidence.clone() };
                self.raise(member_id, Source { seq: *seq, at: *at }, finding);
            }
            RiskInput::LostDeviceSpend { seq, at, member_id, purse_id, evidence } => {
                let detail = Detail::LostDeviceSpend { purse_id: *purse_id };
                let finding = Finding { reason: Reason::LostDeviceSpend, detail, evidence: evidence.clone() };
                self.raise(member_id, Source { seq: *seq, at: *at }, finding);
            }
            RiskInput::LateSpend { seq, at, member_id, transfer_id } => {
                let detail = Detail::LateSpend { transfer_id: *transfer_id };
                let finding = Finding { reason: Reason::LateSpend, detail, evidence: vec![*transfer_id] };
                self.raise(member_id, Source { seq: *seq, at: *at }, finding);
            }
        }
    }

    fn payment(&mut self, p: &Payment) {
        let rules = &self.rules;
        let source = Source { seq: p.seq, at: p.at };
        let sender = self.senders.entry(p.from_member.clone()).or_default();
        let findings = [
            sender.velocity(p, rules),
            sender.unusual_amount(p, rules),
            sender.new_counterparties(p, rules),
            purse_exhausted(p, rules.currency),
        ];
        let future = future_dated(p, rules);
        let cycle = self.cycles.push(p, rules);
        for finding in findings.into_iter().flatten() {
            self.raise(&p.from_member, source, finding);
        }
        if let Some(finding) = future {
            self.clock_skew(&p.from_member, source, finding);
        }
        if let Some(cycle) = cycle {
            let first = &cycle[0];
            let span = p.at.saturating_sub(first.at);
            let path: Vec<&str> =
                cycle.iter().map(|q| q.from.as_str()).chain([first.from.as_str()]).collect();
            let path: Vec<String> = path.into_iter().map(str::to_owned).collect();
            let detail = Detail::TransferCycle { path, transfers: cycle.len(), span };
            let evidence: Vec<[u8; 32]> = cycle.iter().map(|q| q.id).collect();
            for q in &cycle {
                let finding = Finding {
                    reason: Reason::TransferCycle,
                    detail: detail.clone(),
                    evidence: evidence.clone(),
                };
                self.raise(&q.from, source, finding);
            }
        }
    }

    /// Raises a clock-skew finding unless the member had one in the last `clock_skew_window_secs`.
    fn clock_skew(&mut self, member: &str, source: Source, finding: Finding) {
        let window = self.rules.clock_skew_window_secs;
        if self.clock_flagged.get(member).is_some_and(|&f| source.at.saturating_sub(f) < window) {
            return;
        }
        self.clock_flagged.insert(member.to_owned(), source.at);
        self.raise(member, source, finding);
    }

    fn raise(&mut self, member: &str, source: Source, finding: Finding) {
        self.flags.push(Flag {
            member_id: member.to_owned(),
            reason: finding.reason,
            score: finding.reason.score(),
            at: source.at,
            seq: source.seq,
            detail: finding.detail.to_string(),
            evidence: finding.evidence,
        });
    }
}

/// What the rules remember about one member's outgoing payments.
#[derive(Default)]
struct Sender {
    sent: Burst,
    /// Most recent amounts, oldest first, at most `unusual_history_len`.
    amounts: VecDeque<u64>,
    payees: BTreeSet<String>,
    first_payments: Burst,
}

impl Sender {
    fn velocity(&mut self, p: &Payment, rules: &Rules) -> Option<Finding> {
        let (window, max) = (rules.velocity_window_secs, rules.velocity_max_payments);
        let evidence = self.sent.push(p.at, p.transfer_id, window, max)?;
        let detail = Detail::Velocity { payments: evidence.len(), window, max };
        Some(Finding { reason: Reason::Velocity, detail, evidence })
    }

    fn unusual_amount(&mut self, p: &Payment, rules: &Rules) -> Option<Finding> {
        let previous = self.amounts.len();
        let twice_median = twice_median(&self.amounts);
        self.amounts.push_back(p.amount_minor);
        while self.amounts.len() > rules.unusual_history_len as usize {
            self.amounts.pop_front();
        }
        let twice_median = twice_median.filter(|_| previous >= rules.unusual_min_history as usize)?;
        if u128::from(p.amount_minor) * 2 <= twice_median * u128::from(rules.unusual_factor) {
            return None;
        }
        let detail = Detail::UnusualAmount {
            paid: money(p.amount_minor, rules.currency),
            factor: rules.unusual_factor,
            median: money(u64::try_from(twice_median / 2).unwrap_or(u64::MAX), rules.currency),
            exact: twice_median % 2 == 0,
            previous,
        };
        Some(Finding { reason: Reason::UnusualAmount, detail, evidence: vec![p.transfer_id] })
    }

    fn new_counterparties(&mut self, p: &Payment, rules: &Rules) -> Option<Finding> {
        if p.from_member == p.to_member || !self.payees.insert(p.to_member.clone()) {
            return None;
        }
        let (window, max) = (rules.new_counterparty_window_secs, rules.new_counterparty_max);
        let evidence = self.first_payments.push(p.at, p.transfer_id, window, max)?;
        let detail = Detail::NewCounterparties { payees: evidence.len(), window, max };
        Some(Finding { reason: Reason::NewCounterparties, detail, evidence })
    }
}

/// The offline payment that brought its purse's spend up to the purse amount (an overspend past
/// it is the double-spend rule's business; this is only the once-per-purse notice).
fn purse_exhausted(p: &Payment, currency: Currency) -> Option<Finding> {
    let (Some(purse), Some(spent)) = (p.purse_amount_minor, p.spent_after_minor) else { return None };
    if !p.offline || spent < purse || spent.saturating_sub(p.amount_minor) >= purse {
        return None;
    }
    let detail = Detail::PurseExhausted { purse: money(purse, currency) };
    Some(Finding { reason: Reason::PurseExhausted, detail, evidence: vec![p.transfer_id] })
}

/// An offline transfer dated after the ledger received it: its device clock runs ahead. Dated
/// before is the normal case for a transfer made offline and settled later.
fn future_dated(p: &Payment, rules: &Rules) -> Option<Finding> {
    let device_time = p.device_time.filter(|_| p.offline)?;
    if device_time <= p.at.saturating_add(rules.max_clock_skew_secs) {
        return None;
    }
    let detail = Detail::FutureDated { ahead: device_time - p.at, max: rules.max_clock_skew_secs };
    Some(Finding { reason: Reason::ClockSkew, detail, evidence: vec![p.transfer_id] })
}

/// Events inside a sliding window, and when the window last raised a flag.
#[derive(Default)]
struct Burst {
    window: VecDeque<(u64, [u8; 32])>,
    flagged_at: Option<u64>,
}

impl Burst {
    /// Adds an event and returns the transfer ids in the window when it now holds more than `max`
    /// and no flag was raised in the last `window_secs`: one flag per burst, and a new one only
    /// once the burst that raised the last has left the window.
    fn push(&mut self, at: u64, id: [u8; 32], window_secs: u64, max: u32) -> Option<Vec<[u8; 32]>> {
        while self.window.front().is_some_and(|&(t, _)| at.saturating_sub(t) >= window_secs) {
            self.window.pop_front();
        }
        self.window.push_back((at, id));
        let cleared = self.flagged_at.is_none_or(|f| at.saturating_sub(f) >= window_secs);
        if self.window.len() <= max as usize || !cleared {
            return None;
        }
        self.flagged_at = Some(at);
        Some(self.window.iter().map(|&(_, id)| id).collect())
    }
}

/// Twice the median (so that the mean of the two middle values stays an integer), or `None` when
/// there is nothing to take the median of.
fn twice_median(amounts: &VecDeque<u64>) -> Option<u128> {
    let mut sorted: Vec<u64> = amounts.iter().copied().collect();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(u128::from(sorted[n / 2]) * 2),
        _ => Some(u128::from(sorted[n / 2 - 1]) + u128::from(sorted[n / 2])),
    }
}

/// A payment as the cycle search keeps it.
#[derive(Clone)]
struct Edge {
    /// Position among the payments the index took: the order "then" means, unique even when one
    /// audit entry records several payments.
    index: usize,
    at: u64,
    id: [u8; 32],
    from: String,
    to: String,
    /// Already part of a reported cycle.
    used: bool,
}

/// The payments inside the cycle window, by receiver, for searching backwards from a new payment.
#[derive(Default)]
struct CycleIndex {
    /// Payments not yet out of the window, oldest first, with consecutive `index`es.
    window: VecDeque<Edge>,
    /// `index`es of the payments in `window`, by receiver, oldest first.
    into: BTreeMap<String, VecDeque<usize>>,
    next_index: usize,
}

impl CycleIndex {
    /// Records `p` and returns the shortest cycle it closes, oldest transfer first, if any.
    ///
    /// The search walks backwards from the new payment `u → a` looking for `a` through earlier
    /// payments: depth by depth, it keeps for each member only the latest payment that reaches
    /// it, because a later payment leaves more earlier payments to continue from. That finds a
    /// shortest cycle (which never repeats a member: a repeat could be cut out to make a shorter
    /// one) in time proportional to depth × payments in the window. Ties go to later payments, by
    /// position, never by member name. A payment in a reported cycle is not used again, so a
    /// back-and-forth of n transfers is n / 2 cycles, not n − 1.
    fn push(&mut self, p: &Payment, rules: &Rules) -> Option<Vec<Edge>> {
        if p.from_member == p.to_member || rules.cycle_max_len < 2 {
            return None;
        }
        self.evict(p.at, rules.cycle_window_secs);
        let mut edge = Edge {
            index: self.next_index,
            at: p.at,
            id: p.transfer_id,
            from: p.from_member.clone(),
            to: p.to_member.clone(),
            used: false,
        };
        self.next_index += 1;
        let found = self.search(&edge, rules);
        if let Some(cycle) = &found {
            edge.used = true;
            for q in cycle {
                if let Some(e) = self.get_mut(q.index) {
                    e.used = true;
                }
            }
        }
        self.into.entry(edge.to.clone()).or_default().push_back(edge.index);
        self.window.push_back(edge);
        found
    }

    fn evict(&mut self, now: u64, window_secs: u64) {
        while let Some(e) = self.window.front()
            && now.saturating_sub(e.at) >= window_secs
        {
            if let Some(list) = self.into.get_mut(&e.to) {
                list.pop_front();
                if list.is_empty() {
                    self.into.remove(&e.to);
                }
            }
            self.window.pop_front();
        }
    }

    fn get(&self, index: usize) -> Option<&Edge> {
        let base = self.window.front()?.index;
        self.window.get(index.checked_sub(base)?)
    }

    fn get_mut(&mut self, index: usize) -> Option<&mut Edge> {
        let base = self.window.front()?.index;
        self.window.get_mut(index.checked_sub(base)?)
    }

    fn search(&self, last: &Edge, rules: &Rules) -> Option<Vec<Edge>> {
        let origin = last.to.as_str();
        // For each member reached at this depth: the latest payment that reached it, which bounds
        // the next step backwards, and the chain of payments from it forward to `last`.
        let mut frontier: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
        frontier.insert(last.from.as_str(), (last.index, Vec::new()));
        for _ in 2..=rules.cycle_max_len {
            let mut next: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
            let mut closing: Option<(usize, &Vec<usize>)> = None;
            for (member, (bound, chain)) in &frontier {
                let Some(list) = self.into.get(*member) else { continue };
                for q in list.iter().take_while(|&&i| i < *bound).filter_map(|&i| self.get(i)) {
                    if q.used || last.at.saturating_sub(q.at) >= rules.cycle_window_secs {
                        continue;
                    }
                    if q.from == origin {
                        if closing.is_none_or(|(c, _)| q.index > c) {
                            closing = Some((q.index, chain));
                        }
                    } else if next.get(q.from.as_str()).is_none_or(|(b, _)| *b < q.index) {
                        let mut longer = chain.clone();
                        longer.push(q.index);
                        next.insert(q.from.as_str(), (q.index, longer));
                    }
                }
            }
            if let Some((first, chain)) = closing {
                let mut cycle: Vec<Edge> = std::iter::once(first)
                    .chain(chain.iter().rev().copied())
                    .filter_map(|i| self.get(i).cloned())
                    .collect();
                cycle.push(last.clone());
                return Some(cycle);
            }
            if next.is_empty() {
                return None;
            }
            frontier = next;
        }
        None
    }
}

/// What a rule saw, as the flag's sentence says it: what happened, then what to do. Officers read
/// it in the flags list; a member's phone shows it as a risk notice (`docs/messages.md`, checked
/// by `messages.rs`). Ids are shortened to their first 12 hex digits: the flag's evidence carries
/// them whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    DoubleSpend { transfers: usize, purse_id: [u8; 32] },
    ClockAtSync { skew: u64, ahead: bool, max: u64 },
    FutureDated { ahead: u64, max: u64 },
    NegativeBalance { owed: String },
    Complicit { signer: String },
    LostDeviceSpend { purse_id: [u8; 32] },
    LateSpend { transfer_id: [u8; 32] },
    TransferCycle { path: Vec<String>, transfers: usize, span: u64 },
    Velocity { payments: usize, window: u64, max: u32 },
    UnusualAmount { paid: String, factor: u32, median: String, exact: bool, previous: usize },
    NewCounterparties { payees: usize, window: u64, max: u32 },
    PurseExhausted { purse: String },
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REVIEW: &str = "a finance officer should review it";
        const CLOCK: &str = "set the phone's clock to the right time";
        match self {
            Detail::DoubleSpend { transfers, purse_id } => write!(
                f,
                "{} conflicting transfers were signed from purse {}, so the ledger revoked it: {REVIEW}",
                words(*transfers),
                hex::short(purse_id)
            ),
            Detail::ClockAtSync { skew, ahead, max } => write!(
                f,
                "the phone's clock was {} {} the ledger's at sync, more than the {} allowed: {CLOCK}",
                duration(*skew),
                if *ahead { "ahead of" } else { "behind" },
                duration(*max)
            ),
            Detail::FutureDated { ahead, max } => write!(
                f,
                "a transfer was dated {} after the ledger received it, more than the {} allowed: {CLOCK}",
                duration(*ahead),
                duration(*max)
            ),
            Detail::NegativeBalance { owed } => write!(
                f,
                "the online account is {owed} below zero after a double spend was debited: a finance \
                 officer should settle it with the member"
            ),
            Detail::Complicit { signer } => {
                write!(f, "this member claimed two conflicting transfers from {signer}'s purse: {REVIEW}")
            }
            Detail::LostDeviceSpend { purse_id } => write!(
                f,
                "conflicting transfers were signed from purse {} of a phone reported lost: {REVIEW}",
                hex::short(purse_id)
            ),
            Detail::LateSpend { transfer_id } => write!(
                f,
                "transfer {} reached the ledger after its purse's settlement window: {REVIEW}",
                hex::short(transfer_id)
            ),
            Detail::TransferCycle { path, transfers, span } => write!(
                f,
                "money went round {} in {} transfers within {}: {REVIEW}",
                path.join(" → "),
                words(*transfers),
                duration(*span)
            ),
            Detail::Velocity { payments, window, max } => write!(
                f,
                "{payments} payments were sent within {}, more than the {max} allowed: {REVIEW}",
                duration(*window)
            ),
            Detail::UnusualAmount { paid, factor, median, exact, previous } => write!(
                f,
                "a payment of {paid} is over {factor} times the median of {}{median} of the {previous} \
                 payments before it: {REVIEW}",
                if *exact { "" } else { "about " }
            ),
            Detail::NewCounterparties { payees, window, max } => write!(
                f,
                "{payees} people were paid for the first time within {}, more than the {max} allowed: \
                 {REVIEW}",
                duration(*window)
            ),
            Detail::PurseExhausted { purse } => {
                write!(f, "the offline purse of {purse} was spent in full: sync to load a new one")
            }
        }
    }
}

/// Minor units as money of the ledger's currency ("¥9,000"); beyond what an amount holds, the
/// minor units themselves.
fn money(minor: u64, currency: Currency) -> String {
    Amount::from_minor(minor, currency).map_or_else(|_| format!("{minor} minor units"), |a| a.to_string())
}

/// Small counts as words, as a sentence says them.
fn words(n: usize) -> String {
    match n {
        2 => "two".into(),
        3 => "three".into(),
        4 => "four".into(),
        n => n.to_string(),
    }
}

/// "90 s", "10 min", "1 h", "2 h 5 min": durations as an officer reads them.
pub(crate) fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, 0) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}
