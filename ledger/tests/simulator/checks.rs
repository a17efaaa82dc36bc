//! What must hold after every step, comparing the real ledger's books (an [`Observation`]) with
//! the reference model (the [`World`]). Each check names the rule of ADR 0010 it guards.

use std::collections::HashMap;

use outpost_ledger::{AuditEntry, EntryKind};
use outpost_wallet_core::audit::Account;
use outpost_wallet_core::protocol::MessageId;

use crate::backend::Observation;
use crate::world::{Role, Stats, World};

/// The log, indexed by kind and subject.
struct Log<'a> {
    by_subject: HashMap<(EntryKind, MessageId), Vec<&'a AuditEntry>>,
    entries: &'a [AuditEntry],
}

impl<'a> Log<'a> {
    fn new(entries: &'a [AuditEntry]) -> Self {
        let mut by_subject: HashMap<(EntryKind, MessageId), Vec<&AuditEntry>> = HashMap::new();
        for e in entries {
            by_subject.entry((e.kind, e.subject)).or_default().push(e);
        }
        Log { by_subject, entries }
    }

    fn about(&self, kind: EntryKind, subject: &MessageId) -> &[&'a AuditEntry] {
        self.by_subject.get(&(kind, *subject)).map_or(&[], Vec::as_slice)
    }

    fn of_kind(&self, kind: EntryKind) -> impl Iterator<Item = &'a AuditEntry> + '_ {
        self.entries.iter().filter(move |e| e.kind == kind)
    }

    fn names(&self, kind: EntryKind, member: &str) -> bool {
        self.of_kind(kind).any(|e| e.member_id == member)
    }
}

fn is_proof(kind: EntryKind) -> bool {
    matches!(kind, EntryKind::DoubleSpend | EntryKind::LostDeviceSpend)
}

/// Every check, in the order a reader would ask: is money conserved, who was paid, who was
/// named, and what each member's account says.
pub fn check(world: &World<'_>, obs: &Observation, entries_before: usize) -> Result<(), String> {
    let log = Log::new(&obs.entries);
    money_is_conserved(world, obs)?;
    each_claim_is_paid_as_the_policy_says(world, &log)?;
    every_cheat_is_proved_once_against_its_signer(world, &log)?;
    colluding_receivers_are_named_and_nobody_else(world, &log)?;
    late_spends_are_recorded(world, &log)?;
    declarations_and_lost_devices_are_logged(world, &log)?;
    accounts_move_only_as_the_policy_says(world, obs, &log)?;
    named_members_carry_the_risk_flag(obs, &log)?;
    if let Some((member, told)) = world.told_balance {
        let id = &world.members[member].id;
        if obs.members.get(id).map(|m| m.balance) != Some(told) {
            return Err(format!(
                "the sync's answer told {id} the account holds {told}; the ledger says {:?}",
                obs.members.get(id)
            ));
        }
    }
    if let Some((what, allowed)) = world.log_may_grow_by {
        let added: Vec<EntryKind> = obs.entries[entries_before..].iter().map(|e| e.kind).collect();
        if added.iter().any(|k| !allowed.contains(k)) {
            return Err(format!("{what} changed the log: it appended {added:?}"));
        }
    }
    Ok(())
}

fn money_is_conserved(world: &World<'_>, obs: &Observation) -> Result<(), String> {
    let credited: i64 = world.members.iter().map(|m| m.credited).sum();
    if obs.credited != credited {
        return Err(format!(
            "the ledger counts {} credited; the simulation credited {credited}",
            obs.credited
        ));
    }
    if obs.members.len() != world.members.len() {
        return Err(format!("the ledger has {} members, not {}", obs.members.len(), world.members.len()));
    }
    let held: i64 = obs.members.values().map(|m| m.balance + m.in_purses).sum();
    if held + obs.loss != credited {
        return Err(format!(
            "money is not conserved: accounts and purses hold {held}, the loss account {} and {credited} was credited",
            obs.loss
        ));
    }
    if obs.loss > 0 {
        return Err(format!("money went into the loss account: {}", obs.loss));
    }
    Ok(())
}

/// Rules 1, 3 and 4: honest receivers are paid exactly once for what they claimed within the
/// window, whatever the sender did; nothing is paid twice; evidence and late uploads never.
fn each_claim_is_paid_as_the_policy_says(world: &World<'_>, log: &Log<'_>) -> Result<(), String> {
    for e in log.of_kind(EntryKind::Settled) {
        let paid = log.about(EntryKind::Settled, &e.subject);
        if paid.len() > 1 {
            return Err(format!("a transfer was paid {} times: {:?}", paid.len(), paid));
        }
        if !world.records.iter().any(|r| r.terms.id == e.subject) {
            return Err(format!("the ledger paid a transfer nobody signed: {e:?}"));
        }
    }
    for (i, r) in world.records.iter().enumerate() {
        let settled = log.about(EntryKind::Settled, &r.terms.id);
        let what = || world_describe(world, i);
        match (r.paid, settled.first()) {
            (true, None) if r.honest_claim => {
                return Err(format!(
                    "an honest receiver claimed {} within the window and was not paid",
                    what()
                ));
            }
            (true, None) => return Err(format!("the policy pays {} but the ledger did not", what())),
            (false, Some(_)) if r.refused_offline || r.evidence_first => {
                return Err(format!("evidence was paid: {}", what()));
            }
            (false, Some(_)) if r.late_first => return Err(format!("a late upload was paid: {}", what())),
            (false, Some(_)) => {
                return Err(format!("the ledger paid {}, which the policy does not pay", what()));
            }
            (true, Some(entry)) => {
                let receiver = &world.members[world.devices[r.receiver].member].id;
                let credit = Account::Member(receiver.clone());
                let moved: i64 = entry.moves.iter().filter(|m| m.account == credit).map(|m| m.delta).sum();
                // A transfer to oneself moves the sender's account too; only the net is checked then.
                let sender = &world.members[world.purses[r.purse].member].id;
                if sender != receiver && moved != r.terms.amount as i64 {
                    return Err(format!("{} was paid {moved} to {receiver}, not its amount", what()));
                }
            }
            (false, None) => {}
        }
    }
    Ok(())
}

/// "The first conflict found in a purse is written as a DoubleSpend entry" (or LostDeviceSpend
/// for a purse of a device reported lost before), naming the signer; never a second one; and
/// never against a purse whose stored transfers can all be honest.
fn every_cheat_is_proved_once_against_its_signer(world: &World<'_>, log: &Log<'_>) -> Result<(), String> {
    for e in log.entries.iter().filter(|e| is_proof(e.kind)) {
        if !world.purses.iter().any(|p| p.id == e.subject) {
            return Err(format!("a proof against a purse the simulation never saw: {e:?}"));
        }
    }
    for p in &world.purses {
        let owner = &world.members[p.member].id;
        let proofs: Vec<&AuditEntry> = [EntryKind::DoubleSpend, EntryKind::LostDeviceSpend]
            .iter()
            .flat_map(|k| log.about(*k, &p.id).iter().copied())
            .collect();
        let serial = p.cert.terms().serial;
        match (p.proof, proofs.as_slice()) {
            (None, []) => {}
            (None, found) => {
                return Err(format!(
                    "the ledger proved a double spend from purse {serial} of {owner} whose stored transfers \
                     can all be honest: {found:?}"
                ));
            }
            (Some(proof), []) => {
                return Err(format!(
                    "purse {serial} of {owner} holds transfers that cannot all be honest (since step {}), \
                     and the ledger wrote no proof",
                    proof.step
                ));
            }
            (Some(proof), [entry]) => {
                let kind =
                    if proof.lost_device { EntryKind::LostDeviceSpend } else { EntryKind::DoubleSpend };
                if entry.kind != kind || entry.member_id != *owner {
                    return Err(format!(
                        "the proof against purse {serial} should be a {kind:?} naming {owner}: {entry:?}"
                    ));
                }
            }
            (Some(_), many) => {
                return Err(format!("purse {serial} of {owner} was proved {} times: {many:?}", many.len()));
            }
        }
    }
    Ok(())
}

/// Rule 2: a receiver who claims what its own wallet must have refused is named in a Complicit
/// entry; nobody else is.
fn colluding_receivers_are_named_and_nobody_else(world: &World<'_>, log: &Log<'_>) -> Result<(), String> {
    for &(member, id) in &world.complicit_required {
        let who = &world.members[member].id;
        if !log.about(EntryKind::Complicit, &id).iter().any(|e| e.member_id == *who) {
            let record = world.records.iter().position(|r| r.terms.id == id).unwrap_or(usize::MAX);
            return Err(format!(
                "{who} claimed {}, which conflicts with a transfer of the same purse it was paid for, and \
                 no Complicit entry names it",
                world_describe(world, record)
            ));
        }
    }
    for e in log.of_kind(EntryKind::Complicit) {
        let member = world.members.iter().position(|m| m.id == e.member_id);
        if !member.is_some_and(|m| world.complicit_allowed.contains(&(m, e.subject))) {
            return Err(format!("a Complicit entry the policy does not call for: {e:?}"));
        }
    }
    Ok(())
}

/// Rule 4: a transfer first reaching the ledger after its window is recorded in a LateSpend
/// entry naming its signer.
fn late_spends_are_recorded(world: &World<'_>, log: &Log<'_>) -> Result<(), String> {
    for (i, r) in world.records.iter().enumerate().filter(|(_, r)| r.late_first) {
        let owner = &world.members[world.purses[r.purse].member].id;
        if !log.about(EntryKind::LateSpend, &r.terms.id).iter().any(|e| e.member_id == *owner) {
            return Err(format!(
                "{} reached the ledger after its window without a LateSpend entry",
                world_describe(world, i)
            ));
        }
    }
    for e in log.of_kind(EntryKind::LateSpend) {
        let Some(r) = world.records.iter().find(|r| r.terms.id == e.subject) else {
            return Err(format!("a LateSpend entry for a transfer nobody signed: {e:?}"));
        };
        if e.at <= world.purses[r.purse].expires_at + world.window {
            return Err(format!("a LateSpend entry within the purse's window: {e:?}"));
        }
    }
    Ok(())
}

fn declarations_and_lost_devices_are_logged(world: &World<'_>, log: &Log<'_>) -> Result<(), String> {
    for p in &world.purses {
        let closed = log.about(EntryKind::PurseClosed, &p.id).len();
        if closed != usize::from(p.declaration.is_some()) {
            return Err(format!(
                "purse {} of {}: the model holds the declaration {:?}, the log {closed} PurseClosed entries",
                p.cert.terms().serial,
                world.members[p.member].id,
                p.declaration
            ));
        }
    }
    for d in world.devices.iter().filter(|d| d.lost) {
        let member = &world.members[d.member].id;
        if !log.about(EntryKind::DeviceLost, &d.key).iter().any(|e| e.member_id == *member) {
            return Err(format!("{member}'s phone was reported lost and no DeviceLost entry names its key"));
        }
    }
    Ok(())
}

/// Each member's account against the model: what they were credited, plus what they were paid,
/// less what was paid from their purses, plus what the loss account carried for them. A member
/// goes below zero only with a proof against them; honest members never are named, flagged or
/// debited, and a lost device's double spends proved after the report never reach the account.
fn accounts_move_only_as_the_policy_says(
    world: &World<'_>,
    obs: &Observation,
    log: &Log<'_>,
) -> Result<(), String> {
    let lost_proved: Vec<MessageId> = world
        .purses
        .iter()
        .filter(|p| p.proof.is_some_and(|proof| proof.lost_device))
        .map(|p| p.id)
        .collect();
    for (m, member) in world.members.iter().enumerate() {
        let id = &member.id;
        let Some(view) = obs.members.get(id) else { return Err(format!("the ledger lost member {id}")) };
        let received: i64 = world
            .records
            .iter()
            .filter(|r| r.paid && world.devices[r.receiver].member == m)
            .map(|r| r.terms.amount as i64)
            .sum();
        let spent: i64 = world
            .records
            .iter()
            .filter(|r| r.paid && world.purses[r.purse].member == m)
            .map(|r| r.terms.amount as i64)
            .sum();
        let settlements: Vec<&AuditEntry> =
            log.of_kind(EntryKind::Settled).filter(|e| e.member_id == *id).collect();
        let carried: i64 = settlements
            .iter()
            .flat_map(|e| &e.moves)
            .filter(|mv| mv.account == Account::Loss)
            .map(|mv| -mv.delta)
            .sum();
        let expected = member.credited + received - spent + carried;
        if view.balance + view.in_purses != expected {
            return Err(format!(
                "{id} holds {} in the account and {} in purses; credited {}, paid {received}, spent {spent}, \
                 {carried} carried by the loss account: {expected} expected",
                view.balance, view.in_purses, member.credited
            ));
        }
        let proved = log.names(EntryKind::DoubleSpend, id);
        if view.balance < 0 && !proved {
            return Err(format!(
                "{id}'s account is at {} without a double-spend proof against them",
                view.balance
            ));
        }
        if proved && !view.flagged {
            return Err(format!("{id} was proved to have double spent and is not flagged"));
        }
        for e in &settlements {
            let debits = e.moves.iter().any(|mv| mv.account == Account::Member(id.clone()) && mv.delta < 0);
            let purse = e
                .evidence
                .first()
                .and_then(|bytes| outpost_wallet_core::protocol::Transfer::from_bytes(bytes).ok())
                .map(|t| t.certificate().purse_id());
            if debits && purse.is_some_and(|p| lost_proved.contains(&p)) {
                return Err(format!(
                    "{id}'s account paid for a double spend proved after the phone was reported lost: {e:?}"
                ));
            }
            if member.role == Role::Honest && debits {
                return Err(format!("honest {id}'s account paid for a settlement: {e:?}"));
            }
        }
        if member.role == Role::Honest {
            for kind in [EntryKind::DoubleSpend, EntryKind::Complicit] {
                if let Some(e) = log.of_kind(kind).find(|e| e.member_id == *id) {
                    return Err(format!("honest {id} is named in a {kind:?} entry: {}", e.detail));
                }
            }
            if view.flagged {
                return Err(format!("honest {id} is flagged"));
            }
            if let Some((_, code)) = obs
                .flags
                .iter()
                .find(|(who, code)| who == id && (code == "double-spend" || code == "complicit"))
            {
                return Err(format!("honest {id} has a {code} risk flag"));
            }
            if view.balance < 0 {
                return Err(format!("honest {id}'s account is at {}", view.balance));
            }
        }
    }
    Ok(())
}

/// Each entry that names a member for a cheat raises the flag an officer filters on.
fn named_members_carry_the_risk_flag(obs: &Observation, log: &Log<'_>) -> Result<(), String> {
    let kinds = [
        (EntryKind::DoubleSpend, "double-spend"),
        (EntryKind::Complicit, "complicit"),
        (EntryKind::LostDeviceSpend, "lost-device-spend"),
        (EntryKind::LateSpend, "late-spend"),
    ];
    for (kind, code) in kinds {
        for e in log.of_kind(kind) {
            if !obs.flags.iter().any(|(who, c)| *who == e.member_id && c == code) {
                return Err(format!("{} is named in a {kind:?} entry and has no {code} flag", e.member_id));
            }
        }
    }
    Ok(())
}

fn world_describe(world: &World<'_>, record: usize) -> String {
    match world.records.get(record) {
        Some(r) => {
            let p = &world.purses[r.purse];
            format!(
                "transfer #{record} (purse {} of {}, seq {}, spent_after {}, amount {}, to {})",
                p.cert.terms().serial,
                world.members[p.member].id,
                r.terms.seq,
                r.terms.spent_after,
                r.terms.amount,
                world.members[world.devices[r.receiver].member].id
            )
        }
        None => "an unknown transfer".into(),
    }
}

/// What a finished scenario exercised, for the coverage report.
pub fn tally(world: &World<'_>, obs: &Observation) -> Stats {
    let mut stats = world.stats;
    stats.scenarios = 1;
    for p in &world.purses {
        if let Some(proof) = p.proof {
            stats.proofs += 1;
            stats.lost_device_proofs += u64::from(proof.lost_device);
            if let Some((last_seq, spent)) = p.declaration
                && p.stored
                    .iter()
                    .any(|&r| crate::rule::beyond_declaration(&world.records[r].terms, last_seq, spent))
            {
                stats.undeclared += 1;
            }
        }
    }
    stats.complicit = world.complicit_required.len() as u64;
    stats.late_spends = world.records.iter().filter(|r| r.late_first).count() as u64;
    stats.honest_paid_from_proved = world
        .records
        .iter()
        .filter(|r| r.paid && r.honest_claim && world.purses[r.purse].proof.is_some())
        .count() as u64;
    stats.debts = obs.members.values().filter(|m| m.balance < 0).count() as u64;
    stats.loss_paid = u64::from(obs.loss < 0);
    stats
}
