//! ADR 0010's rule for what two transfers of one purse may say, written again from the ADR's
//! text in plain integer arithmetic, for the reference model. It is deliberately not
//! `outpost_wallet_core::protocol::chain`: [`conflict`] and [`beyond_declaration`] also run that
//! module on the same input and fail loudly when the two disagree, so a slip in either shows.

use outpost_wallet_core::protocol::chain::{self, Link};
use outpost_wallet_core::protocol::{MessageId, Transfer};

/// A transfer as the rule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub seq: u32,
    pub id: MessageId,
    pub prev: MessageId,
    pub spent_after: u64,
    pub amount: u64,
}

impl Terms {
    pub fn of(transfer: &Transfer) -> Self {
        let t = transfer.terms();
        Terms {
            seq: t.seq,
            id: transfer.id(),
            prev: t.prev_hash,
            spent_after: t.spent_after,
            amount: t.amount,
        }
    }

    fn link(&self) -> Link {
        Link {
            seq: self.seq,
            transfer_id: self.id,
            prev_hash: self.prev,
            spent_after: self.spent_after,
            amount: self.amount,
        }
    }
}

/// Whether no honest chain holds both `a` and `b` (ADR 0010, "The rule"): one slot taken twice;
/// neighbours whose link or running total does not follow; or, farther apart, a running total
/// before the later one that leaves less than one minor unit for each transfer in between.
pub fn conflict(a: &Terms, b: &Terms) -> bool {
    let ours = conflict_by_the_adr(a, b);
    let theirs = chain::check_pair(&a.link(), &b.link()).is_err();
    assert_eq!(ours, theirs, "chain::check_pair disagrees with ADR 0010's arithmetic on {a:?} and {b:?}");
    ours
}

fn conflict_by_the_adr(a: &Terms, b: &Terms) -> bool {
    if a.id == b.id {
        return false;
    }
    let (early, late) = if a.seq <= b.seq { (a, b) } else { (b, a) };
    if early.seq == late.seq {
        return true;
    }
    let late_before = i128::from(late.spent_after) - i128::from(late.amount);
    let between = i128::from(late.seq - early.seq - 1);
    if between == 0 {
        late.prev != early.id || late_before != i128::from(early.spent_after)
    } else {
        late_before < i128::from(early.spent_after) + between
    }
}

/// Whether `t` breaks the declaration `(last_seq, spent)` its wallet signed when closing the
/// purse: beyond the last sequence, not ending exactly on the total at it, or leaving too
/// little below it for the transfers between.
pub fn beyond_declaration(t: &Terms, last_seq: u32, spent: u64) -> bool {
    let ours = if t.seq > last_seq {
        true
    } else if t.seq == last_seq {
        t.spent_after != spent
    } else {
        i128::from(spent) < i128::from(t.spent_after) + i128::from(last_seq - t.seq)
    };
    let theirs = chain::check_declared(&t.link(), last_seq, spent).is_err();
    assert_eq!(
        ours, theirs,
        "chain::check_declared disagrees with ADR 0010 on {t:?} against ({last_seq}, {spent})"
    );
    ours
}

/// Whether a set of a purse's transfers, and its declaration if any, can all be honest: every
/// pair, not only neighbours (the model does not lean on the ADR's transitivity argument).
pub fn consistent(transfers: &[Terms], declaration: Option<(u32, u64)>) -> bool {
    for (i, a) in transfers.iter().enumerate() {
        if let Some((last_seq, spent)) = declaration
            && beyond_declaration(a, last_seq, spent)
        {
            return false;
        }
        if transfers[i + 1..].iter().any(|b| conflict(a, b)) {
            return false;
        }
    }
    true
}
