//! What a sync tells the member, line by line: the words `outpost wallet sync` prints and the
//! apps show (`SyncReport.lines` in the bindings). Each line is one [`SyncLine`], so the whole set
//! is checked against `docs/messages.md` by `messages.rs`, as the errors are.
//!
//! A line is one sentence, capitalised and ending with a full stop (it stands alone, where an
//! error follows the app's own words): what happened, then, where there is something to do, what.
//! Words the ledger sends (why it refused a transfer or a payment, a risk flag's sentence) go in
//! parentheses or lead the line, never as a chain of `x: y: z`.

use std::fmt;

use crate::clock::utc;
use crate::money::Amount;
use crate::protocol::MessageId;
use crate::protocol::sync::RiskNotice;

use super::payments::short_id;
use super::sync::SyncReport;

/// One line of what a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncLine {
    Settled {
        count: u32,
    },
    Held {
        count: u32,
    },
    Returned {
        count: u32,
    },
    Refused {
        transfer_id: MessageId,
        reason: String,
    },
    PurseLoaded {
        amount: Amount,
    },
    NoPurseLoaded,
    Revoked {
        count: u32,
    },
    Paid {
        payment_id: [u8; 16],
    },
    NotPaid {
        payment_id: [u8; 16],
        reason: String,
    },
    Notice(RiskNotice),
    SightingsProved {
        count: u32,
    },
    /// A checkpoint seen on another phone the ledger did not prove part of its log: the pair's
    /// own words ([`super::UnprovedPair::notice`]).
    Unproved(String),
    ForkProofRecorded {
        seq: u64,
    },
    NothingNew,
    /// The ledger's signed log, checked against the one held before.
    LogExtended {
        size: u64,
    },
    /// The first checkpoint this wallet holds.
    LogFirstSeen {
        size: u64,
    },
}

impl SyncReport {
    /// What the sync did, as lines to show the member. `purse_asked`: the sync asked for a purse,
    /// so not getting one is worth a line; `had_checkpoint`: the wallet held a ledger checkpoint
    /// before, so the new one was checked to extend it.
    pub fn lines(&self, purse_asked: bool, had_checkpoint: bool) -> Vec<SyncLine> {
        let mut lines = Vec::new();
        if self.settled > 0 {
            lines.push(SyncLine::Settled { count: self.settled });
        }
        if self.held > 0 {
            lines.push(SyncLine::Held { count: self.held });
        }
        if self.returned > 0 {
            lines.push(SyncLine::Returned { count: self.returned });
        }
        for (transfer_id, reason) in &self.refused {
            lines.push(SyncLine::Refused { transfer_id: *transfer_id, reason: reason.clone() });
        }
        match self.new_purse {
            Some(amount) => lines.push(SyncLine::PurseLoaded { amount }),
            None if purse_asked => lines.push(SyncLine::NoPurseLoaded),
            None => {}
        }
        if self.newly_revoked > 0 {
            lines.push(SyncLine::Revoked { count: self.newly_revoked });
        }
        for outcome in &self.payments {
            lines.push(match outcome.paid {
                true => SyncLine::Paid { payment_id: outcome.payment_id },
                false => SyncLine::NotPaid { payment_id: outcome.payment_id, reason: outcome.reason.clone() },
            });
        }
        lines.extend(self.notices.iter().cloned().map(SyncLine::Notice));
        if self.sightings_proved > 0 {
            lines.push(SyncLine::SightingsProved { count: self.sightings_proved });
        }
        lines.extend(self.unproved.iter().map(|pair| SyncLine::Unproved(pair.notice())));
        lines.extend(self.fork_proofs_recorded.iter().map(|&seq| SyncLine::ForkProofRecorded { seq }));
        if lines.is_empty() {
            lines.push(SyncLine::NothingNew);
        }
        lines.push(match had_checkpoint {
            true => SyncLine::LogExtended { size: self.checkpoint_size },
            false => SyncLine::LogFirstSeen { size: self.checkpoint_size },
        });
        lines
    }
}

/// A risk notice as one line: the ledger's sentence, then which rule raised it and when.
pub fn notice_words(notice: &RiskNotice) -> String {
    let mut detail = notice.detail.trim_end_matches('.').to_owned();
    if let Some(first) = detail.get(..1) {
        detail.replace_range(..1, &first.to_uppercase());
    }
    format!("{detail} (risk notice {}, score {}, {}).", notice.code, notice.score, utc(notice.at))
}

fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for SyncLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncLine::Settled { count } => {
                write!(f, "The ledger settled {}.", plural(*count, "transfer", "transfers"))
            }
            SyncLine::Held { count } => write!(
                f,
                "{} you sent {} at the ledger until the receiver syncs.",
                plural(*count, "transfer", "transfers"),
                if *count == 1 { "waits" } else { "wait" }
            ),
            SyncLine::Returned { count } => write!(
                f,
                "{} nobody claimed in time came back to your online account.",
                plural(*count, "transfer", "transfers")
            ),
            SyncLine::Refused { transfer_id, reason } => write!(
                f,
                "The ledger did not pay transfer {} ({}).",
                short_id(transfer_id),
                reason.trim_end_matches('.')
            ),
            SyncLine::PurseLoaded { amount } => {
                write!(f, "Loaded an offline purse of {amount}: this is what you can pay offline.")
            }
            SyncLine::NoPurseLoaded => write!(
                f,
                "No purse was loaded: the ledger issues at most your purse limit and what your online account \
                 holds, and none to a flagged member."
            ),
            SyncLine::Revoked { count } => write!(
                f,
                "The ledger revoked {}: this phone refuses transfers from {} from now on.",
                plural(*count, "purse", "purses"),
                if *count == 1 { "it" } else { "them" }
            ),
            SyncLine::Paid { payment_id } => write!(f, "Online payment {} was paid.", short_id(payment_id)),
            SyncLine::NotPaid { payment_id, reason } => write!(
                f,
                "Online payment {} was not paid ({}), and its money stayed in your online account.",
                short_id(payment_id),
                reason.trim_end_matches('.')
            ),
            SyncLine::Notice(notice) => f.write_str(&notice_words(notice)),
            SyncLine::SightingsProved { count } => write!(
                f,
                "The ledger proved {} seen on other phones part of its log.",
                plural(*count, "checkpoint", "checkpoints")
            ),
            SyncLine::Unproved(notice) => f.write_str(notice),
            SyncLine::ForkProofRecorded { seq } => {
                write!(f, "The ledger recorded your proof that it forked its log, as log entry {seq}.")
            }
            SyncLine::NothingNew => write!(f, "Nothing new to settle."),
            SyncLine::LogExtended { size } => write!(
                f,
                "The ledger's signed log has {size} entries and extends the history this wallet saw before."
            ),
            SyncLine::LogFirstSeen { size } => write!(
                f,
                "The ledger's signed log has {size} entries, and later syncs check that it only ever grows."
            ),
        }
    }
}
