//! The plain values that cross the FFI: what a wallet call returns, copied out of wallet-core's
//! types. Ids and keys are lowercase hex; amounts carry their minor units and their text.

use outpost_wallet_core as wc;
use wc::wallet::Direction as CoreDirection;

use outpost_wallet_core::hex;

/// An amount of money: `minor` units of `currency`, and `text` formatted to show ("¥3,000").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    pub minor: u64,
    /// ISO 4217 code, e.g. "JPY".
    pub currency: String,
    pub text: String,
}

impl From<wc::Amount> for Money {
    fn from(amount: wc::Amount) -> Self {
        Self {
            minor: amount.minor(),
            currency: amount.currency().code().to_owned(),
            text: amount.to_string(),
        }
    }
}

/// A wallet's public keys, readable while it is locked.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Identity {
    /// Short form to read aloud and compare, e.g. "K3QF-7ZPA-M2XD-QV4B".
    pub fingerprint: String,
    pub signing_key: String,
    pub agreement_key: String,
}

impl From<wc::PublicIdentity> for Identity {
    fn from(identity: wc::PublicIdentity) -> Self {
        Self {
            fingerprint: identity.fingerprint(),
            signing_key: hex::encode(&identity.signing_key),
            agreement_key: hex::encode(&identity.agreement_key),
        }
    }
}

/// What the wallet holds, as the home screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Balances {
    /// The online account, as the ledger last reported it (zero when it is negative).
    pub online: Money,
    /// What the member owes the ledger after a double-spend debit (zero normally).
    pub owed: Money,
    /// What the usable offline purses can still pay.
    pub offline_purse: Money,
    /// Received offline, waiting for the ledger to settle.
    pub pending_incoming: Money,
    /// Sent offline, not yet settled.
    pub pending_outgoing: Money,
}

impl From<wc::Balances> for Balances {
    fn from(b: wc::Balances) -> Self {
        Self {
            online: b.online.into(),
            owed: b.owed.into(),
            offline_purse: b.offline_purse.into(),
            pending_incoming: b.pending_incoming.into(),
            pending_outgoing: b.pending_outgoing.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Direction {
    Sent,
    Received,
}

/// Where a transfer stands. `HistoryEntry::status_text` says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TransferStatus {
    AwaitingReceipt,
    Delivered,
    PendingSettlement,
    DoubleSpendEvidence,
    SentSettled,
    ReceivedSettled,
    Returned,
    ReceivedRefused,
    SentRefused,
}

impl From<wc::TransferStatus> for TransferStatus {
    fn from(status: wc::TransferStatus) -> Self {
        use wc::TransferStatus as S;
        match status {
            S::AwaitingReceipt => Self::AwaitingReceipt,
            S::Delivered => Self::Delivered,
            S::PendingSettlement => Self::PendingSettlement,
            S::DoubleSpendEvidence => Self::DoubleSpendEvidence,
            S::SentSettled => Self::SentSettled,
            S::ReceivedSettled => Self::ReceivedSettled,
            S::Returned => Self::Returned,
            S::ReceivedRefused => Self::ReceivedRefused,
            S::SentRefused => Self::SentRefused,
        }
    }
}

/// One offline transfer in the history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// Pass as `before` to read the next page.
    pub position: u64,
    pub transfer_id: String,
    pub direction: Direction,
    pub amount: Money,
    /// The counterparty's signing key (hex).
    pub counterparty_key: String,
    /// Who the counterparty is, in words: the saved contact's label for a transfer sent to a
    /// contact, the sender's member id for a received transfer; empty when unknown.
    pub counterparty_label: String,
    pub memo: String,
    /// Device time, Unix seconds.
    pub time: u64,
    pub status: TransferStatus,
    pub status_text: String,
}

impl From<wc::HistoryEntry> for HistoryEntry {
    fn from(e: wc::HistoryEntry) -> Self {
        Self {
            position: e.position,
            transfer_id: hex::encode(&e.transfer_id),
            direction: match e.direction {
                CoreDirection::Sent => Direction::Sent,
                CoreDirection::Received => Direction::Received,
            },
            amount: e.amount.into(),
            counterparty_key: hex::encode(&e.counterparty_key),
            counterparty_label: e.counterparty_label,
            memo: e.memo,
            time: e.time,
            status: e.status.into(),
            status_text: e.status.to_string(),
        }
    }
}

/// A payment request this wallet made, to show as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentRequest {
    pub qr_text: String,
    /// `None`: the payer chooses the amount.
    pub amount: Option<Money>,
    pub memo: String,
    /// Device time, Unix seconds.
    pub expires_at: u64,
}

/// A scanned payment request, checked but not paid: what the confirm screen shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RequestPreview {
    /// Who asks: the keys the payment would go to, with their fingerprint to compare aloud.
    pub payee: Identity,
    /// `None`: the payer chooses the amount.
    pub amount: Option<Money>,
    pub memo: String,
    /// Device time, Unix seconds.
    pub expires_at: u64,
}

impl From<wc::protocol::PaymentRequest> for RequestPreview {
    fn from(r: wc::protocol::PaymentRequest) -> Self {
        let payee =
            wc::PublicIdentity { signing_key: r.receiver_key, agreement_key: r.receiver_agreement_key };
        Self {
            payee: payee.into(),
            amount: r.amount.map(Money::from),
            memo: r.memo,
            expires_at: r.expires_at,
        }
    }
}

/// A transfer signed and committed to the wallet file; show `qr_text` to the receiver.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Payment {
    pub transfer_id: String,
    pub amount: Money,
    pub qr_text: String,
    /// What the payee's request showed of the ledger.
    pub checkpoint_seen: CheckpointSeen,
    /// Plain words to show the member about it, when there is something to say.
    pub checkpoint_notice: Option<String>,
}

impl From<wc::Payment> for Payment {
    fn from(p: wc::Payment) -> Self {
        Self {
            transfer_id: hex::encode(&p.transfer_id),
            amount: p.amount.into(),
            qr_text: p.qr_text,
            checkpoint_notice: p.checkpoint_seen.notice(),
            checkpoint_seen: p.checkpoint_seen.into(),
        }
    }
}

/// What the other phone's ledger checkpoint told this wallet. The payment is never refused for
/// it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CheckpointSeen {
    /// No checkpoint shown, or none held here to compare with.
    NotShown,
    /// Both phones hold the same checkpoint.
    Same { size: u64 },
    /// Another size: kept, and the ledger must prove it part of its log at the next sync.
    KeptForCheck { held_size: u64, seen_size: u64 },
    /// The ledger signed two different logs of `size` entries: proof kept, sent at the next sync.
    LedgerForked { size: u64 },
    /// Not signed by this wallet's ledger: ignored.
    NotFromOurLedger,
}

impl From<wc::wallet::CheckpointSeen> for CheckpointSeen {
    fn from(seen: wc::wallet::CheckpointSeen) -> Self {
        use wc::wallet::CheckpointSeen as S;
        match seen {
            S::NotShown => Self::NotShown,
            S::Same { size } => Self::Same { size },
            S::KeptForCheck { held_size, seen_size } => Self::KeptForCheck { held_size, seen_size },
            S::LedgerForked { size } => Self::LedgerForked { size },
            S::NotFromOurLedger => Self::NotFromOurLedger,
        }
    }
}

/// Two checkpoints the ledger signed for one log size with different roots: proof it forked its
/// log. Each is also given as a C2SP signed note anyone can check.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ForkProof {
    pub held: LedgerCheckpoint,
    pub seen: LedgerCheckpoint,
    pub held_note: String,
    pub seen_note: String,
    /// Device time when the pair was found, Unix seconds.
    pub found_at: u64,
    /// The position of the ledger's log entry recording the proof, once a sync answer proved it
    /// there; `None` while the proof is still sent at every sync.
    #[uniffi(default)]
    pub recorded_at: Option<u64>,
}

impl ForkProof {
    pub(crate) fn new(proof: wc::wallet::ForkProof, ledger_key: &[u8; 32]) -> Self {
        Self {
            held_note: proof.held.to_note(ledger_key),
            seen_note: proof.seen.to_note(ledger_key),
            held: proof.held.into(),
            seen: proof.seen.into(),
            found_at: proof.found_at,
            recorded_at: proof.recorded_at,
        }
    }
}

/// Why the ledger did not prove a checkpoint another phone showed part of its log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ProofFailure {
    /// The sync answer carried no proof for it.
    Omitted,
    /// The proof does not verify: the two logs do not extend each other.
    DoesNotVerify,
    /// The answer's log is smaller than the one the ledger signed for the other phone.
    AnswerSmaller,
    /// The answer's log has the same size and another root: a fork proof was made of it.
    SameSizeOtherRoot,
}

impl From<wc::wallet::ProofFailure> for ProofFailure {
    fn from(failure: wc::wallet::ProofFailure) -> Self {
        use wc::wallet::ProofFailure as F;
        match failure {
            F::Omitted => Self::Omitted,
            F::DoesNotVerify => Self::DoesNotVerify,
            F::AnswerSmaller => Self::AnswerSmaller,
            F::SameSizeOtherRoot => Self::SameSizeOtherRoot,
        }
    }
}

/// A checkpoint another phone showed and the ledger's sync answer that did not prove it part of
/// its log: both signed by the ledger, kept as evidence. Each is also given as a signed note.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnprovedPair {
    pub seen: LedgerCheckpoint,
    pub answer: LedgerCheckpoint,
    pub seen_note: String,
    pub answer_note: String,
    pub failure: ProofFailure,
    /// Plain words to show the member.
    pub notice: String,
    /// Device time when the other phone showed its checkpoint, Unix seconds.
    pub found_at: u64,
}

impl UnprovedPair {
    pub(crate) fn new(pair: wc::wallet::UnprovedPair, ledger_key: &[u8; 32]) -> Self {
        Self {
            seen_note: pair.seen.to_note(ledger_key),
            answer_note: pair.answer.to_note(ledger_key),
            notice: pair.notice(),
            failure: pair.failure.into(),
            found_at: pair.found_at,
            seen: pair.seen.into(),
            answer: pair.answer.into(),
        }
    }
}

/// A transfer received, checked and stored; show `receipt_qr` to the payer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Accepted {
    pub transfer_id: String,
    pub amount: Money,
    /// The payer's signing key (hex).
    pub sender_key: String,
    pub sender_member_id: String,
    pub memo: String,
    pub receipt_qr: String,
    /// The same transfer was scanned before: nothing was credited again.
    pub already_accepted: bool,
}

impl From<wc::Accepted> for Accepted {
    fn from(a: wc::Accepted) -> Self {
        Self {
            transfer_id: hex::encode(&a.transfer_id),
            amount: a.amount.into(),
            sender_key: hex::encode(&a.sender_key),
            sender_member_id: a.sender_member_id,
            memo: a.memo,
            receipt_qr: a.receipt_qr,
            already_accepted: a.already_accepted,
        }
    }
}

/// A receipt scanned: the transfer is delivered.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Confirmed {
    pub transfer_id: String,
    pub amount: Money,
    pub already_confirmed: bool,
    /// What the receipt showed of the ledger.
    pub checkpoint_seen: CheckpointSeen,
    /// Plain words to show the member about it, when there is something to say.
    pub checkpoint_notice: Option<String>,
}

impl From<wc::Confirmed> for Confirmed {
    fn from(c: wc::Confirmed) -> Self {
        Self {
            transfer_id: hex::encode(&c.transfer_id),
            amount: c.amount.into(),
            already_confirmed: c.already_confirmed,
            checkpoint_notice: c.checkpoint_seen.notice(),
            checkpoint_seen: c.checkpoint_seen.into(),
        }
    }
}

/// Someone this wallet can pay without scanning a request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Contact {
    pub label: String,
    pub identity: Identity,
    /// Device time, Unix seconds.
    pub added_at: u64,
}

impl From<wc::Contact> for Contact {
    fn from(c: wc::Contact) -> Self {
        Self { label: c.label, identity: c.identity.into(), added_at: c.added_at }
    }
}

/// Money this phone can no longer pay with but the ledger still holds for the member: what is
/// left in a purse that was revoked or expired. The ledger keeps it until one settlement window
/// after the purse's expiry (a transfer made before can still be settled from it), then returns
/// what nobody claimed to the online account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HeldMoney {
    pub amount: Money,
    pub reason: HeldReason,
    /// Why, in words: "the purse was revoked by the ledger".
    pub reason_text: String,
    /// The purse's expiry, Unix seconds (ledger terms): what nobody claimed comes back to the
    /// online account one settlement window after it.
    pub expires_at: u64,
    /// The purse it is left in (hex).
    pub purse_id: String,
    /// The whole sentence to show: how much, why, and when it comes back.
    pub text: String,
}

/// Why money is held at the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HeldReason {
    /// The ledger revoked the purse (a double spend from it, or an officer's act).
    Revoked,
    /// The purse expired before it was spent.
    Expired,
}

impl From<wc::wallet::HeldAtLedger> for HeldMoney {
    fn from(held: wc::wallet::HeldAtLedger) -> Self {
        use wc::wallet::HeldReason as R;
        Self {
            text: held.words(),
            amount: held.amount.into(),
            reason: match held.reason {
                R::Revoked => HeldReason::Revoked,
                R::Expired => HeldReason::Expired,
            },
            reason_text: held.reason.words().to_owned(),
            expires_at: held.expires_at,
            purse_id: hex::encode(&held.purse_id),
        }
    }
}

/// A risk flag the ledger raised on this member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RiskNotice {
    /// The rule's stable code, e.g. "velocity".
    pub code: String,
    /// 0 to 100.
    pub score: u16,
    /// Ledger time, Unix seconds.
    pub at: u64,
    /// The ledger's sentence: what it saw, then what to do.
    pub detail: String,
    /// The line to show: the sentence, then the rule, score and time in parentheses.
    #[uniffi(default = "")]
    pub text: String,
}

impl From<wc::protocol::sync::RiskNotice> for RiskNotice {
    fn from(n: wc::protocol::sync::RiskNotice) -> Self {
        Self { text: wc::wallet::notice_words(&n), code: n.code, score: n.score, at: n.at, detail: n.detail }
    }
}

/// What happened to an online payment at a sync.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OnlinePaymentOutcome {
    pub payment_id: String,
    pub paid: bool,
    pub reason: String,
}

/// A transfer the ledger refused at a sync, and why.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefusedTransfer {
    pub transfer_id: String,
    pub reason: String,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    pub rounds: u32,
    /// Transfers (sent or received) the ledger paid that this wallet learnt of now.
    pub settled: u32,
    /// Uploaded transfers the ledger holds until their receiver syncs.
    pub held: u32,
    /// Sent transfers nobody claimed in time, returned to the online account.
    pub returned: u32,
    pub refused: Vec<RefusedTransfer>,
    /// The purse loaded at this sync, if one was.
    pub new_purse: Option<Money>,
    pub newly_revoked: u32,
    /// The online account after the sync, in minor units; negative when the member owes.
    pub online_balance_minor: i64,
    pub notices: Vec<RiskNotice>,
    pub payments: Vec<OnlinePaymentOutcome>,
    /// Entries in the ledger checkpoint the wallet now holds.
    pub checkpoint_size: u64,
    /// Checkpoints seen on other phones that the ledger proved part of its log.
    #[uniffi(default)]
    pub sightings_proved: u32,
    /// Plain words for each checkpoint seen on another phone that the ledger failed to prove
    /// part of its log: show them as warnings (the pairs are in `Wallet.unproved_pairs`).
    #[uniffi(default)]
    pub checkpoint_warnings: Vec<String>,
    /// Log positions of the entries that, as this sync proved, record this wallet's fork proofs.
    #[uniffi(default)]
    pub fork_proofs_recorded: Vec<u64>,
    /// What the sync did, as sentences to show the member, one a line: the same words
    /// `outpost wallet sync` prints (docs/messages.md lists them all).
    #[uniffi(default)]
    pub lines: Vec<String>,
}

impl SyncReport {
    /// `purse_asked` and `had_checkpoint` say what the lines say about a purse not loaded and the
    /// ledger's log ([`wc::SyncReport::lines`]).
    pub(crate) fn new(r: wc::SyncReport, purse_asked: bool, had_checkpoint: bool) -> Self {
        let lines = r.lines(purse_asked, had_checkpoint).iter().map(ToString::to_string).collect();
        Self { lines, ..r.into() }
    }
}

impl From<wc::SyncReport> for SyncReport {
    fn from(r: wc::SyncReport) -> Self {
        Self {
            lines: Vec::new(),
            rounds: r.rounds,
            settled: r.settled,
            held: r.held,
            returned: r.returned,
            refused: r
                .refused
                .into_iter()
                .map(|(id, reason)| RefusedTransfer { transfer_id: hex::encode(&id), reason })
                .collect(),
            new_purse: r.new_purse.map(Money::from),
            newly_revoked: r.newly_revoked,
            online_balance_minor: r.online_balance_minor,
            notices: r.notices.into_iter().map(RiskNotice::from).collect(),
            payments: r
                .payments
                .into_iter()
                .map(|p| OnlinePaymentOutcome {
                    payment_id: hex::encode(&p.payment_id),
                    paid: p.paid,
                    reason: p.reason,
                })
                .collect(),
            checkpoint_size: r.checkpoint_size,
            sightings_proved: r.sightings_proved,
            checkpoint_warnings: r.unproved.iter().map(|pair| pair.notice()).collect(),
            fork_proofs_recorded: r.fork_proofs_recorded,
        }
    }
}

/// A signed ledger checkpoint: the size and Merkle root of its audit log at a time.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LedgerCheckpoint {
    pub size: u64,
    pub root: String,
    /// Ledger time, Unix seconds.
    pub time: u64,
}

impl From<wc::protocol::Checkpoint> for LedgerCheckpoint {
    fn from(c: wc::protocol::Checkpoint) -> Self {
        Self { size: c.size, root: hex::encode(&c.root), time: c.time }
    }
}

/// What an offline audit of an exported ledger log found. Totals in minor units.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditSummary {
    pub entries: u64,
    /// Everything ever credited to members.
    pub credited: i64,
    /// The members' online accounts added up.
    pub accounts: i64,
    /// What purses still hold.
    pub purses: i64,
    /// Members flagged by a double-spend proof.
    pub flagged: Vec<String>,
    /// The checkpoint the export is signed with.
    pub checkpoint: LedgerCheckpoint,
}

/// The local event log checked from its first entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogCheck {
    pub entries: u64,
    /// Hash of the newest entry.
    pub head: String,
}

/// One entry of the wallet's own event log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletEvent {
    pub seq: u64,
    /// Device time, Unix seconds.
    pub time: u64,
    /// The kind, e.g. "TransferSent".
    pub kind: String,
    pub detail: String,
}

impl From<wc::Event> for WalletEvent {
    fn from(e: wc::Event) -> Self {
        Self { seq: e.seq, time: e.time, kind: format!("{:?}", e.kind), detail: e.detail }
    }
}
