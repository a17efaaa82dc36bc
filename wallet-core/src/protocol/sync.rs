//! Sync: one signed request from a wallet and one signed response from the ledger (DESIGN
//! section 6).
//!
//! The request carries everything the wallet owes the ledger: the transfers it sent and received
//! (the ledger settles each exactly once, whoever uploads it first), the receipts it scanned, the
//! purses it closes and the new purse it wants, online payments, and how far it has followed the
//! ledger's log. It is signed by the wallet's key and names a random `request_id`: the ledger
//! answers a repeated request with the response it stored the first time, so a retry after a cut
//! connection changes nothing twice and a replayed request changes nothing at all.
//!
//! The response is signed by the ledger and names the request it answers. It carries the results,
//! the member's online balance, a new purse certificate, the revocation list, risk notices, a
//! signed [`Checkpoint`] with a consistency proof from the wallet's last one, the log entries
//! that moved the member's money, each with its inclusion proof, and the newest checkpoint the
//! ledger's witnesses cosigned, with a consistency proof to the fresh one ([`super::witnessed`]).
//!
//! Since version 3 the request also names the sizes of checkpoints the wallet saw on other phones,
//! and the response proves each part of its fresh checkpoint's log, and proves in that log the
//! entries recording the fork proofs the request carried (docs/adr/0015). Both still read their
//! earlier versions, and the ledger answers in the request's version.
//!
//! Version 4 makes the answer fit a thin link (docs/adr/0020): its log entries share one
//! multi-leaf inclusion proof ([`crate::merkle::verify_multi_inclusion`]) instead of carrying one
//! proof each, the outcomes name each distinct reason once, and the entries that only record the
//! settlement of a transfer this very request uploaded (whose outcome the answer carries, signed)
//! are left out. A version 4 request is a version 3 request that asks for such an answer.
//!
//! Both are bounded: a decoder refuses counts and lengths above the limits below before it
//! allocates for them.

use super::witnessed::{self, WitnessedCheckpoint};
use super::{
    Checkpoint, EquivocationProof, Kind, MAX_MEMO, MessageId, ProtocolError, PurseCertificate, Receipt,
    Signed, Transfer, check_len,
};
use crate::encoding::{DecodeError, Reader, Writer};
use crate::identity::Identity;
use crate::merkle::{Hash, MAX_CONSISTENCY_PROOF_LEN, MAX_INCLUSION_PROOF_LEN};

/// Version 2 added the equivocation proofs (docs/adr/0014-phones-compare-checkpoints.md),
/// version 3 the sizes of checkpoints seen on other phones for the ledger to prove
/// (docs/adr/0015-the-ledger-proves-what-phones-saw.md); version 4 has version 3's fields and asks
/// for the compact answer (docs/adr/0020). Every version still reads, under one domain: a request
/// stored before an upgrade is resent unchanged and keeps its id.
const REQUEST: Kind = Kind { domain: "outpost/sync-request/v1", name: "sync request", version: 4 };
/// Version 2 added the witnessed checkpoint (docs/adr/0013-witnesses.md) under a new domain;
/// version 3, under the same one, the proofs for checkpoints seen on other phones and the entries
/// that record the wallet's fork proofs (docs/adr/0015); version 4 the compact answer: one proof
/// for all its entries and each distinct outcome reason once (docs/adr/0020).
const RESPONSE: Kind = Kind { domain: "outpost/sync-response/v2", name: "sync response", version: 4 };
/// Version 1 of the response, signed under its own domain. It still reads: the ledger answers a
/// request resent after an upgrade with the answer it stored the first time.
const RESPONSE_V1: Kind = Kind { domain: "outpost/sync-response/v1", name: "sync response", version: 1 };

/// Largest sync request or response, in bytes. The ledger refuses larger bodies before reading
/// them; a wallet with more to say syncs again.
pub const MAX_SYNC_BYTES: usize = 512 * 1024;
/// Transfers (sent or received) in one request.
pub const MAX_SYNC_TRANSFERS: usize = 256;
/// Double-spend evidence transfers in one request.
pub const MAX_SYNC_EVIDENCE: usize = 64;
/// Receipts in one request.
pub const MAX_SYNC_RECEIPTS: usize = 256;
/// Online payments in one request.
pub const MAX_SYNC_PAYMENTS: usize = 16;
/// Most equivocation proofs in one request: one is enough to expose the ledger; a wallet with
/// more sends the rest at the next sync.
pub const MAX_SYNC_EQUIVOCATIONS: usize = 8;
/// Checkpoints seen on other phones, of other sizes than the wallet's, that one request asks the
/// ledger to prove consistent with its fresh checkpoint; a wallet with more asks at the next sync.
pub const MAX_SYNC_SIGHTED: usize = 8;
/// Purses closed in one request.
pub const MAX_SYNC_DECLARATIONS: usize = 16;
/// Log entries in one response; the wallet asks again when `more` is set.
pub const MAX_SYNC_ENTRIES: usize = 128;
/// Revoked purses in one response.
pub const MAX_SYNC_REVOKED: usize = 4096;
/// Risk notices in one response.
pub const MAX_SYNC_NOTICES: usize = 64;
/// Longest reason or notice text, in bytes.
pub const MAX_SYNC_TEXT: usize = 255;
/// Longest log entry carried in a response, in bytes.
pub const MAX_LOG_ENTRY: usize = 4096;
/// Hashes in the one proof of a version 4 answer's entries: at most one inclusion path each.
pub const MAX_ENTRIES_PROOF_LEN: usize = MAX_SYNC_ENTRIES * MAX_INCLUSION_PROOF_LEN;

const MAX_MESSAGE: usize = 1024;

/// The wallet's final word on one of its purses, sent when it asks for a new one: the last
/// sequence number it signed and the total it spent. The wallet pays from the purse no more. A
/// transfer from the purse beyond this declaration is proof of an undeclared spend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurseDeclaration {
    pub purse_id: MessageId,
    /// 0 when nothing was spent.
    pub last_seq: u32,
    /// Minor units.
    pub spent: u64,
}

/// Close these purses and issue a new one of up to `amount` minor units (0: close only). The
/// ledger issues at most the member's purse limit and what the account holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurseOrder {
    pub closing: Vec<PurseDeclaration>,
    pub amount: u64,
}

/// A payment through the ledger, when both sides are connected: from the wallet's online account
/// to the member whose wallet key is `to_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlinePayment {
    /// Chosen by the payer; the ledger pays each id once.
    pub payment_id: [u8; 16],
    pub to_key: [u8; 32],
    /// Minor units.
    pub amount: u64,
    pub memo: String,
}

/// What a wallet sends at sync, before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequestBody {
    pub wallet_key: [u8; 32],
    /// Random per request; a retry resends the same request with the same id.
    pub request_id: [u8; 16],
    /// The wallet's clock (untrusted; a large skew is a risk signal).
    pub device_time: u64,
    /// Size of the checkpoint the wallet holds (0: none yet). The response proves consistency
    /// from it.
    pub checkpoint_size: u64,
    /// The first log position the wallet has not yet been shown.
    pub seen_up_to: u64,
    /// Transfers this wallet sent or received and the ledger has not yet settled.
    pub transfers: Vec<Transfer>,
    /// Receipts for transfers this wallet sent.
    pub receipts: Vec<Receipt>,
    /// Transfers this wallet received and refused as double spends: proof for the ledger, never
    /// a claim to be paid.
    pub evidence: Vec<Transfer>,
    pub purse: Option<PurseOrder>,
    pub payments: Vec<OnlinePayment>,
}

/// A signed sync request. Its fields mean nothing until [`SyncRequest::verify`] succeeds.
///
/// The equivocation proofs and the sighted sizes travel in the signed body, after the body's
/// fields, but are kept beside [`SyncRequestBody`] rather than in it, so that code building a
/// body without them (tests, benches, the simulator) is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequest {
    body: SyncRequestBody,
    equivocations: Vec<EquivocationProof>,
    sighted: Vec<u64>,
    version: u8,
    signed: Signed,
}

/// What became of one uploaded transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Paid into the receiver's online account (now or earlier).
    Settled,
    /// Known to the ledger, waiting for the receiver's upload or receipt.
    Held,
    /// Unclaimed within the settlement window: the amount went back to the sender.
    Returned,
    /// One of two transfers from the same purse slot, or beyond what its sender declared.
    DoubleSpend,
    /// Not accepted; the reason says why. Nothing moved.
    Refused,
}

impl Outcome {
    fn code(self) -> u8 {
        match self {
            Self::Settled => 1,
            Self::Held => 2,
            Self::Returned => 3,
            Self::DoubleSpend => 4,
            Self::Refused => 5,
        }
    }

    fn from_code(code: u8) -> Result<Self, DecodeError> {
        Ok(match code {
            1 => Self::Settled,
            2 => Self::Held,
            3 => Self::Returned,
            4 => Self::DoubleSpend,
            5 => Self::Refused,
            _ => return Err(DecodeError::Invalid { what: "outcome", reason: "unknown code" }),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferOutcome {
    pub transfer_id: MessageId,
    pub outcome: Outcome,
    /// Plain words for the member, e.g. why it was refused.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    pub payment_id: [u8; 16],
    pub paid: bool,
    pub reason: String,
}

/// A risk flag the ledger raised on this member, for the wallet to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskNotice {
    /// The rule's stable code, e.g. `velocity`.
    pub code: String,
    /// 0 to 100.
    pub score: u16,
    /// Ledger time it was raised.
    pub at: u64,
    pub detail: String,
}

/// One log entry that concerns the member, with the proof that it is in the checkpoint's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvedEntry {
    /// The entry's leaf data ([`crate::audit::AuditEntry::from_leaf_data`]).
    pub leaf: Vec<u8>,
    pub proof: Vec<Hash>,
}

/// The ledger's consistency proof from its log at `size` entries, where the request says a
/// checkpoint seen on another phone stands, to the answer's fresh checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SightedProof {
    pub size: u64,
    pub proof: Vec<Hash>,
}

/// What the ledger answers, before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResponseBody {
    /// The id of the request this answers.
    pub request: MessageId,
    pub ledger_time: u64,
    pub member_id: String,
    /// The online account in minor units; negative after a double-spend debit.
    pub online_balance: i64,
    pub outcomes: Vec<TransferOutcome>,
    pub payments: Vec<PaymentOutcome>,
    pub purse: Option<PurseCertificate>,
    /// Every purse revoked and still inside its settlement window.
    pub revoked: Vec<MessageId>,
    pub notices: Vec<RiskNotice>,
    pub checkpoint: Checkpoint,
    /// From the request's `checkpoint_size` to `checkpoint.size`.
    pub consistency: Vec<Hash>,
    /// The log entries that concern the member, in increasing position. Up to version 3 each
    /// carries its own inclusion proof; from version 4 each `proof` is empty and
    /// `entries_proof` proves them all.
    pub entries: Vec<ProvedEntry>,
    /// Version 4: one multi-leaf inclusion proof in `checkpoint` for every entry of `entries`
    /// ([`crate::merkle::verify_multi_inclusion`], leaf indices their positions); empty when
    /// there are none, and always empty in earlier versions.
    pub entries_proof: Vec<Hash>,
    /// Where the wallet's next request should start following the log.
    pub seen_up_to: u64,
    /// More entries wait: sync again.
    pub more: bool,
    /// The newest checkpoint the ledger holds witness cosignatures for, with a consistency proof
    /// to `checkpoint`; `None` when no witness has cosigned yet (see [`super::witnessed`]).
    pub witnessed: Option<WitnessedCheckpoint>,
    /// For each size the request names ([`SyncRequest::sighted`]) and not above
    /// `checkpoint.size`, the consistency proof from there to `checkpoint`, in increasing size.
    /// An honest ledger proves every one; a missing proof is the ledger's failure to prove.
    pub sighted: Vec<SightedProof>,
    /// For each equivocation proof the request carried and the ledger recorded, its
    /// `EquivocationReported` entry with the inclusion proof in `checkpoint`: the wallet stops
    /// resending a proof once it holds this.
    pub recorded: Vec<ProvedEntry>,
}

/// A signed sync response. Its fields mean nothing until [`SyncResponse::verify`] succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResponse {
    body: SyncResponseBody,
    version: u8,
    signed: Signed,
}

fn count(r: &mut Reader<'_>, what: &'static str, max: usize) -> Result<usize, DecodeError> {
    let n = usize::from(r.u16(what)?);
    if n > max {
        return Err(DecodeError::TooLong { what, len: n, max });
    }
    Ok(n)
}

fn write_count(w: &mut Writer, message: &'static str, n: usize, max: usize) -> Result<(), ProtocolError> {
    if n > max {
        return Err(ProtocolError::Invalid { message, reason: "more items than one sync carries" });
    }
    w.u16(n as u16);
    Ok(())
}

fn write_hashes(w: &mut Writer, hashes: &[Hash]) {
    w.u8(hashes.len() as u8);
    for hash in hashes {
        w.fixed(hash);
    }
}

fn read_hashes(r: &mut Reader<'_>, what: &'static str, max: usize) -> Result<Vec<Hash>, DecodeError> {
    let n = usize::from(r.u8(what)?);
    if n > max {
        return Err(DecodeError::TooLong { what, len: n, max });
    }
    (0..n).map(|_| r.array(what)).collect()
}

fn check_text(field: &'static str, value: &str) -> Result<(), ProtocolError> {
    check_len(field, value, MAX_SYNC_TEXT)
}

/// Refuses a list of sighted sizes a request could not carry: more than
/// [`MAX_SYNC_SIGHTED`], a size 0 (nothing to prove), or not strictly increasing (one encoding
/// per set, and no size asked twice).
fn check_sighted(sizes: &[u64]) -> Result<(), DecodeError> {
    if sizes.len() > MAX_SYNC_SIGHTED {
        return Err(DecodeError::TooLong { what: "sighted sizes", len: sizes.len(), max: MAX_SYNC_SIGHTED });
    }
    if sizes.first() == Some(&0) || sizes.windows(2).any(|pair| pair[0] >= pair[1]) {
        return Err(DecodeError::Invalid { what: "sighted sizes", reason: "not increasing sizes above 0" });
    }
    Ok(())
}

impl SyncRequestBody {
    fn encode(
        &self,
        version: u8,
        equivocations: &[EquivocationProof],
        sighted: &[u64],
    ) -> Result<Vec<u8>, ProtocolError> {
        let name = REQUEST.name;
        let mut w = Kind { version, ..REQUEST }.writer();
        w.fixed(&self.wallet_key)
            .fixed(&self.request_id)
            .u64(self.device_time)
            .u64(self.checkpoint_size)
            .u64(self.seen_up_to);
        write_count(&mut w, name, self.transfers.len(), MAX_SYNC_TRANSFERS)?;
        for transfer in &self.transfers {
            w.bytes(&transfer.to_bytes());
        }
        write_count(&mut w, name, self.receipts.len(), MAX_SYNC_RECEIPTS)?;
        for receipt in &self.receipts {
            w.bytes(&receipt.to_bytes());
        }
        write_count(&mut w, name, self.evidence.len(), MAX_SYNC_EVIDENCE)?;
        for transfer in &self.evidence {
            w.bytes(&transfer.to_bytes());
        }
        match &self.purse {
            None => {
                w.u8(0);
            }
            Some(order) => {
                w.u8(1);
                write_count(&mut w, name, order.closing.len(), MAX_SYNC_DECLARATIONS)?;
                for d in &order.closing {
                    w.fixed(&d.purse_id).u32(d.last_seq).u64(d.spent);
                }
                w.u64(order.amount);
            }
        }
        write_count(&mut w, name, self.payments.len(), MAX_SYNC_PAYMENTS)?;
        for p in &self.payments {
            check_len("memo", &p.memo, MAX_MEMO)?;
            w.fixed(&p.payment_id).fixed(&p.to_key).u64(p.amount).short_text(&p.memo);
        }
        if version >= 2 {
            write_count(&mut w, name, equivocations.len(), MAX_SYNC_EQUIVOCATIONS)?;
            for proof in equivocations {
                proof.write(&mut w);
            }
        }
        if version >= 3 {
            check_sighted(sighted).map_err(REQUEST.malformed())?;
            w.u8(sighted.len() as u8);
            for size in sighted {
                w.u64(*size);
            }
        }
        let body = w.finish();
        if body.len() + 64 > MAX_SYNC_BYTES {
            return Err(ProtocolError::Invalid { message: name, reason: "larger than one sync carries" });
        }
        Ok(body)
    }
}

impl SyncRequest {
    /// Signs a request with the wallet's identity, whose key must be `body.wallet_key`.
    pub fn sign(body: SyncRequestBody, wallet: &Identity) -> Result<Self, ProtocolError> {
        Self::sign_reporting(body, Vec::new(), wallet)
    }

    /// Signs a request that also reports `equivocations`: proofs, found by comparing checkpoints
    /// with other phones, that the ledger signed two histories (at most
    /// [`MAX_SYNC_EQUIVOCATIONS`]).
    pub fn sign_reporting(
        body: SyncRequestBody,
        equivocations: Vec<EquivocationProof>,
        wallet: &Identity,
    ) -> Result<Self, ProtocolError> {
        Self::sign_asking(body, equivocations, Vec::new(), wallet)
    }

    /// [`SyncRequest::sign_reporting`] that also asks the ledger to prove its fresh checkpoint
    /// consistent with the checkpoints of these `sighted` sizes, seen on other phones: strictly
    /// increasing, above 0, at most [`MAX_SYNC_SIGHTED`].
    pub fn sign_asking(
        body: SyncRequestBody,
        equivocations: Vec<EquivocationProof>,
        sighted: Vec<u64>,
        wallet: &Identity,
    ) -> Result<Self, ProtocolError> {
        Self::sign_version(REQUEST.version, body, equivocations, sighted, wallet)
    }

    /// Signs a request of an earlier `version`, which leaves out what that version lacks: how a
    /// request stored by an older build looks, for the tests that resend one.
    #[doc(hidden)]
    pub fn sign_version(
        version: u8,
        body: SyncRequestBody,
        equivocations: Vec<EquivocationProof>,
        sighted: Vec<u64>,
        wallet: &Identity,
    ) -> Result<Self, ProtocolError> {
        if wallet.public().signing_key != body.wallet_key {
            return Err(ProtocolError::Invalid { message: REQUEST.name, reason: "signed by another wallet" });
        }
        let kind = Kind { version, ..REQUEST };
        let signed =
            Signed::sign(&kind, body.encode(version, &equivocations, &sighted)?, wallet.signing_key());
        let (equivocations, sighted) = match version {
            1 => (Vec::new(), Vec::new()),
            2 => (equivocations, Vec::new()),
            _ => (equivocations, sighted),
        };
        Ok(Self { body, equivocations, sighted, version, signed })
    }

    pub fn body(&self) -> &SyncRequestBody {
        &self.body
    }

    /// The equivocation proofs the wallet reports.
    pub fn equivocations(&self) -> &[EquivocationProof] {
        &self.equivocations
    }

    /// The sizes of checkpoints seen on other phones that the ledger must prove its answer
    /// consistent with, strictly increasing.
    pub fn sighted(&self) -> &[u64] {
        &self.sighted
    }

    /// The version it was written in: older ones are still read, so a request stored before an
    /// upgrade is resent as it was.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The version of the response to this request: the request's own, so that a wallet of an
    /// older build, which reads only its version, can read the answer.
    pub fn answer_version(&self) -> u8 {
        self.version
    }

    pub fn id(&self) -> MessageId {
        self.signed.id(&REQUEST)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        if bytes.len() > MAX_SYNC_BYTES {
            return Err(ProtocolError::TooLong { field: "sync request", max: MAX_SYNC_BYTES });
        }
        let (signed, mut r, version) = Signed::parse_since(&REQUEST, 1, bytes)?;
        let m = REQUEST.malformed();
        let wallet_key = r.array("wallet key").map_err(&m)?;
        let request_id = r.array("request id").map_err(&m)?;
        let device_time = r.u64("device time").map_err(&m)?;
        let checkpoint_size = r.u64("checkpoint size").map_err(&m)?;
        let seen_up_to = r.u64("seen up to").map_err(&m)?;
        let n = count(&mut r, "transfers", MAX_SYNC_TRANSFERS).map_err(&m)?;
        let mut transfers = Vec::with_capacity(n);
        for _ in 0..n {
            transfers.push(Transfer::from_bytes(r.bytes("transfer", MAX_MESSAGE).map_err(&m)?)?);
        }
        let n = count(&mut r, "receipts", MAX_SYNC_RECEIPTS).map_err(&m)?;
        let mut receipts = Vec::with_capacity(n);
        for _ in 0..n {
            receipts.push(Receipt::from_bytes(r.bytes("receipt", MAX_MESSAGE).map_err(&m)?)?);
        }
        let n = count(&mut r, "evidence", MAX_SYNC_EVIDENCE).map_err(&m)?;
        let mut evidence = Vec::with_capacity(n);
        for _ in 0..n {
            evidence.push(Transfer::from_bytes(r.bytes("evidence", MAX_MESSAGE).map_err(&m)?)?);
        }
        let purse = match r.u8("purse order flag").map_err(&m)? {
            0 => None,
            1 => {
                let n = count(&mut r, "closing purses", MAX_SYNC_DECLARATIONS).map_err(&m)?;
                let mut closing = Vec::with_capacity(n);
                for _ in 0..n {
                    closing.push(PurseDeclaration {
                        purse_id: r.array("purse id").map_err(&m)?,
                        last_seq: r.u32("last sequence").map_err(&m)?,
                        spent: r.u64("spent").map_err(&m)?,
                    });
                }
                Some(PurseOrder { closing, amount: r.u64("purse amount").map_err(&m)? })
            }
            _ => return Err(m(DecodeError::Invalid { what: "purse order flag", reason: "not 0 or 1" })),
        };
        let n = count(&mut r, "payments", MAX_SYNC_PAYMENTS).map_err(&m)?;
        let mut payments = Vec::with_capacity(n);
        for _ in 0..n {
            payments.push(OnlinePayment {
                payment_id: r.array("payment id").map_err(&m)?,
                to_key: r.array("payee key").map_err(&m)?,
                amount: r.u64("amount").map_err(&m)?,
                memo: r.short_text("memo", MAX_MEMO).map_err(&m)?.to_owned(),
            });
        }
        let mut equivocations = Vec::new();
        if version >= 2 {
            let n = count(&mut r, "equivocation proofs", MAX_SYNC_EQUIVOCATIONS).map_err(&m)?;
            for _ in 0..n {
                equivocations.push(EquivocationProof::read(&mut r)?);
            }
        }
        let mut sighted = Vec::new();
        if version >= 3 {
            let n = usize::from(r.u8("sighted sizes").map_err(&m)?);
            if n > MAX_SYNC_SIGHTED {
                return Err(m(DecodeError::TooLong { what: "sighted sizes", len: n, max: MAX_SYNC_SIGHTED }));
            }
            for _ in 0..n {
                sighted.push(r.u64("sighted size").map_err(&m)?);
            }
            check_sighted(&sighted).map_err(&m)?;
        }
        r.finish().map_err(&m)?;
        let body = SyncRequestBody {
            wallet_key,
            request_id,
            device_time,
            checkpoint_size,
            seen_up_to,
            transfers,
            receipts,
            evidence,
            purse,
            payments,
        };
        Ok(Self { body, equivocations, sighted, version, signed })
    }

    /// Checks that the wallet named in the request signed it.
    pub fn verify(&self) -> Result<(), ProtocolError> {
        self.signed.verify(&REQUEST, &self.body.wallet_key)
    }
}

fn write_entries(w: &mut Writer, entries: &[ProvedEntry], max: usize) -> Result<(), ProtocolError> {
    write_count(w, RESPONSE.name, entries.len(), max)?;
    for e in entries {
        if e.leaf.len() > MAX_LOG_ENTRY || e.proof.len() > MAX_INCLUSION_PROOF_LEN {
            return Err(ProtocolError::Invalid {
                message: RESPONSE.name,
                reason: "log entry or proof too long",
            });
        }
        w.bytes(&e.leaf);
        write_hashes(w, &e.proof);
    }
    Ok(())
}

fn read_entries(r: &mut Reader<'_>, what: &'static str, max: usize) -> Result<Vec<ProvedEntry>, DecodeError> {
    let n = count(r, what, max)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let leaf = r.bytes("log entry", MAX_LOG_ENTRY)?.to_vec();
        let proof = read_hashes(r, "inclusion proof", MAX_INCLUSION_PROOF_LEN)?;
        entries.push(ProvedEntry { leaf, proof });
    }
    Ok(entries)
}

/// Version 4's outcomes: each distinct reason once, in the order first used, then each outcome
/// as its transfer id, its code and the number of its reason. One encoding per list: every reason
/// listed is used, none twice.
fn write_outcomes_compact(w: &mut Writer, outcomes: &[TransferOutcome]) -> Result<(), ProtocolError> {
    let mut reasons: Vec<&str> = Vec::new();
    let mut numbers = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        check_text("outcome reason", &o.reason)?;
        let number = match reasons.iter().position(|r| *r == o.reason) {
            Some(at) => at,
            None => {
                reasons.push(&o.reason);
                reasons.len() - 1
            }
        };
        numbers.push(number as u16);
    }
    write_count(w, RESPONSE.name, reasons.len(), MAX_SYNC_TRANSFERS)?;
    for reason in &reasons {
        w.short_text(reason);
    }
    write_count(w, RESPONSE.name, outcomes.len(), MAX_SYNC_TRANSFERS)?;
    for (o, number) in outcomes.iter().zip(numbers) {
        w.fixed(&o.transfer_id).u8(o.outcome.code()).u16(number);
    }
    Ok(())
}

fn read_outcomes_compact(r: &mut Reader<'_>) -> Result<Vec<TransferOutcome>, DecodeError> {
    let n = count(r, "outcome reasons", MAX_SYNC_TRANSFERS)?;
    let mut reasons: Vec<String> = Vec::with_capacity(n);
    for _ in 0..n {
        let reason = r.short_text("reason", MAX_SYNC_TEXT)?;
        if reasons.iter().any(|known| known == reason) {
            return Err(DecodeError::Invalid { what: "outcome reasons", reason: "a reason listed twice" });
        }
        reasons.push(reason.to_owned());
    }
    let n = count(r, "outcomes", MAX_SYNC_TRANSFERS)?;
    let mut outcomes = Vec::with_capacity(n);
    // The next reason not yet used: reasons are listed in the order outcomes first use them.
    let mut next_new = 0;
    for _ in 0..n {
        let transfer_id = r.array("transfer id")?;
        let outcome = Outcome::from_code(r.u8("outcome")?)?;
        let number = usize::from(r.u16("reason number")?);
        if number > next_new || number >= reasons.len() {
            return Err(DecodeError::Invalid {
                what: "reason number",
                reason: "not a reason listed in order",
            });
        }
        if number == next_new {
            next_new += 1;
        }
        outcomes.push(TransferOutcome { transfer_id, outcome, reason: reasons[number].clone() });
    }
    if next_new != reasons.len() {
        return Err(DecodeError::Invalid { what: "outcome reasons", reason: "a reason no outcome uses" });
    }
    Ok(outcomes)
}

/// Version 4's entries: the leaves alone, then the one proof for all of them.
fn write_leaves(w: &mut Writer, entries: &[ProvedEntry], proof: &[Hash]) -> Result<(), ProtocolError> {
    let invalid = |reason| ProtocolError::Invalid { message: RESPONSE.name, reason };
    write_count(w, RESPONSE.name, entries.len(), MAX_SYNC_ENTRIES)?;
    for e in entries {
        if !e.proof.is_empty() {
            return Err(invalid("a version 4 entry carries no proof of its own"));
        }
        if e.leaf.len() > MAX_LOG_ENTRY {
            return Err(invalid("log entry too long"));
        }
        w.bytes(&e.leaf);
    }
    if proof.len() > MAX_ENTRIES_PROOF_LEN {
        return Err(invalid("entries proof too long"));
    }
    w.u16(proof.len() as u16);
    for hash in proof {
        w.fixed(hash);
    }
    Ok(())
}

fn read_leaves(r: &mut Reader<'_>) -> Result<(Vec<ProvedEntry>, Vec<Hash>), DecodeError> {
    let n = count(r, "log entries", MAX_SYNC_ENTRIES)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        entries.push(ProvedEntry { leaf: r.bytes("log entry", MAX_LOG_ENTRY)?.to_vec(), proof: Vec::new() });
    }
    let n = usize::from(r.u16("entries proof")?);
    if n > MAX_ENTRIES_PROOF_LEN {
        return Err(DecodeError::TooLong { what: "entries proof", len: n, max: MAX_ENTRIES_PROOF_LEN });
    }
    let proof = (0..n).map(|_| r.array("entries proof")).collect::<Result<_, _>>()?;
    Ok((entries, proof))
}

impl SyncResponseBody {
    fn encode(&self, version: u8) -> Result<Vec<u8>, ProtocolError> {
        let name = RESPONSE.name;
        let mut w = Kind { version, ..RESPONSE }.writer();
        w.fixed(&self.request).u64(self.ledger_time).short_text(&self.member_id);
        w.u64(self.online_balance.cast_unsigned());
        if version >= 4 {
            write_outcomes_compact(&mut w, &self.outcomes)?;
        } else {
            write_count(&mut w, name, self.outcomes.len(), MAX_SYNC_TRANSFERS)?;
            for o in &self.outcomes {
                check_text("outcome reason", &o.reason)?;
                w.fixed(&o.transfer_id).u8(o.outcome.code()).short_text(&o.reason);
            }
        }
        write_count(&mut w, name, self.payments.len(), MAX_SYNC_PAYMENTS)?;
        for p in &self.payments {
            check_text("payment reason", &p.reason)?;
            w.fixed(&p.payment_id).u8(u8::from(p.paid)).short_text(&p.reason);
        }
        match &self.purse {
            None => w.u8(0),
            Some(certificate) => w.u8(1).bytes(&certificate.to_bytes()),
        };
        write_count(&mut w, name, self.revoked.len(), MAX_SYNC_REVOKED)?;
        for id in &self.revoked {
            w.fixed(id);
        }
        write_count(&mut w, name, self.notices.len(), MAX_SYNC_NOTICES)?;
        for n in &self.notices {
            check_text("notice code", &n.code)?;
            check_text("notice detail", &n.detail)?;
            w.short_text(&n.code).u16(n.score).u64(n.at).short_text(&n.detail);
        }
        w.bytes(&self.checkpoint.to_bytes());
        if self.consistency.len() > MAX_CONSISTENCY_PROOF_LEN {
            return Err(ProtocolError::Invalid { message: name, reason: "consistency proof too long" });
        }
        write_hashes(&mut w, &self.consistency);
        if version >= 4 {
            write_leaves(&mut w, &self.entries, &self.entries_proof)?;
        } else {
            if !self.entries_proof.is_empty() {
                return Err(ProtocolError::Invalid {
                    message: name,
                    reason: "one proof for all entries needs version 4",
                });
            }
            write_entries(&mut w, &self.entries, MAX_SYNC_ENTRIES)?;
        }
        w.u64(self.seen_up_to).u8(u8::from(self.more));
        if version >= 2 {
            witnessed::write(&mut w, self.witnessed.as_ref())?;
        }
        if version >= 3 {
            let sizes: Vec<u64> = self.sighted.iter().map(|s| s.size).collect();
            check_sighted(&sizes).map_err(RESPONSE.malformed())?;
            w.u8(sizes.len() as u8);
            for s in &self.sighted {
                if s.proof.len() > MAX_CONSISTENCY_PROOF_LEN {
                    return Err(ProtocolError::Invalid {
                        message: name,
                        reason: "consistency proof too long",
                    });
                }
                w.u64(s.size);
                write_hashes(&mut w, &s.proof);
            }
            write_entries(&mut w, &self.recorded, MAX_SYNC_EQUIVOCATIONS)?;
        }
        let body = w.finish();
        if body.len() + 64 > MAX_SYNC_BYTES {
            return Err(ProtocolError::Invalid { message: name, reason: "larger than one sync carries" });
        }
        Ok(body)
    }
}

impl SyncResponse {
    pub fn body(&self) -> &SyncResponseBody {
        &self.body
    }

    pub fn into_body(self) -> SyncResponseBody {
        self.body
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.to_bytes()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProtocolError> {
        if bytes.len() > MAX_SYNC_BYTES {
            return Err(ProtocolError::TooLong { field: "sync response", max: MAX_SYNC_BYTES });
        }
        let (signed, mut r, version) = match Signed::parse_since(&RESPONSE, 2, bytes) {
            Err(ProtocolError::Malformed {
                source: DecodeError::UnsupportedVersion { found: 1, .. },
                ..
            }) => {
                let (signed, r) = Signed::parse(&RESPONSE_V1, bytes)?;
                (signed, r, 1)
            }
            parsed => parsed?,
        };
        let m = RESPONSE.malformed();
        let request = r.array("request id").map_err(&m)?;
        let ledger_time = r.u64("ledger time").map_err(&m)?;
        let member_id = r.short_text("member id", super::MAX_MEMBER_ID).map_err(&m)?.to_owned();
        let online_balance = r.u64("online balance").map_err(&m)?.cast_signed();
        let outcomes = if version >= 4 {
            read_outcomes_compact(&mut r).map_err(&m)?
        } else {
            let n = count(&mut r, "outcomes", MAX_SYNC_TRANSFERS).map_err(&m)?;
            let mut outcomes = Vec::with_capacity(n);
            for _ in 0..n {
                outcomes.push(TransferOutcome {
                    transfer_id: r.array("transfer id").map_err(&m)?,
                    outcome: Outcome::from_code(r.u8("outcome").map_err(&m)?).map_err(&m)?,
                    reason: r.short_text("reason", MAX_SYNC_TEXT).map_err(&m)?.to_owned(),
                });
            }
            outcomes
        };
        let n = count(&mut r, "payment outcomes", MAX_SYNC_PAYMENTS).map_err(&m)?;
        let mut payments = Vec::with_capacity(n);
        for _ in 0..n {
            let payment_id = r.array("payment id").map_err(&m)?;
            let paid = match r.u8("paid").map_err(&m)? {
                0 => false,
                1 => true,
                _ => return Err(m(DecodeError::Invalid { what: "paid", reason: "not 0 or 1" })),
            };
            let reason = r.short_text("reason", MAX_SYNC_TEXT).map_err(&m)?.to_owned();
            payments.push(PaymentOutcome { payment_id, paid, reason });
        }
        let purse = match r.u8("purse flag").map_err(&m)? {
            0 => None,
            1 => Some(PurseCertificate::from_bytes(r.bytes("purse certificate", MAX_MESSAGE).map_err(&m)?)?),
            _ => return Err(m(DecodeError::Invalid { what: "purse flag", reason: "not 0 or 1" })),
        };
        let n = count(&mut r, "revoked purses", MAX_SYNC_REVOKED).map_err(&m)?;
        let revoked = (0..n).map(|_| r.array("revoked purse")).collect::<Result<_, _>>().map_err(&m)?;
        let n = count(&mut r, "notices", MAX_SYNC_NOTICES).map_err(&m)?;
        let mut notices = Vec::with_capacity(n);
        for _ in 0..n {
            notices.push(RiskNotice {
                code: r.short_text("notice code", MAX_SYNC_TEXT).map_err(&m)?.to_owned(),
                score: r.u16("score").map_err(&m)?,
                at: r.u64("notice time").map_err(&m)?,
                detail: r.short_text("notice detail", MAX_SYNC_TEXT).map_err(&m)?.to_owned(),
            });
        }
        let checkpoint = Checkpoint::from_bytes(r.bytes("checkpoint", MAX_MESSAGE).map_err(&m)?)?;
        let consistency = read_hashes(&mut r, "consistency proof", MAX_CONSISTENCY_PROOF_LEN).map_err(&m)?;
        let (entries, entries_proof) = if version >= 4 {
            read_leaves(&mut r).map_err(&m)?
        } else {
            (read_entries(&mut r, "log entries", MAX_SYNC_ENTRIES).map_err(&m)?, Vec::new())
        };
        let seen_up_to = r.u64("seen up to").map_err(&m)?;
        let more = match r.u8("more").map_err(&m)? {
            0 => false,
            1 => true,
            _ => return Err(m(DecodeError::Invalid { what: "more", reason: "not 0 or 1" })),
        };
        let witnessed = if version >= 2 { witnessed::read(&mut r)? } else { None };
        let mut sighted = Vec::new();
        let mut recorded = Vec::new();
        if version >= 3 {
            let n = usize::from(r.u8("sighted proofs").map_err(&m)?);
            if n > MAX_SYNC_SIGHTED {
                return Err(m(DecodeError::TooLong {
                    what: "sighted proofs",
                    len: n,
                    max: MAX_SYNC_SIGHTED,
                }));
            }
            for _ in 0..n {
                let size = r.u64("sighted size").map_err(&m)?;
                let proof = read_hashes(&mut r, "sighted proof", MAX_CONSISTENCY_PROOF_LEN).map_err(&m)?;
                sighted.push(SightedProof { size, proof });
            }
            let sizes: Vec<u64> = sighted.iter().map(|s| s.size).collect();
            check_sighted(&sizes).map_err(&m)?;
            recorded = read_entries(&mut r, "recorded fork proofs", MAX_SYNC_EQUIVOCATIONS).map_err(&m)?;
        }
        r.finish().map_err(&m)?;
        let body = SyncResponseBody {
            request,
            ledger_time,
            member_id,
            online_balance,
            outcomes,
            payments,
            purse,
            revoked,
            notices,
            checkpoint,
            consistency,
            entries,
            entries_proof,
            seen_up_to,
            more,
            witnessed,
            sighted,
            recorded,
        };
        Ok(Self { body, version, signed })
    }

    /// The version it was written in: the ledger answers a request resent after an upgrade with
    /// the answer it stored then, which may be older than this build writes.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Checks the ledger's signature with the pinned key and that the response answers
    /// `request` (a response to another request, even a genuine one, is refused).
    pub fn verify(&self, ledger_key: &[u8; 32], request: &MessageId) -> Result<(), ProtocolError> {
        self.signed.verify(if self.version == 1 { &RESPONSE_V1 } else { &RESPONSE }, ledger_key)?;
        if &self.body.request != request {
            return Err(ProtocolError::Invalid {
                message: RESPONSE.name,
                reason: "it answers another request than the one sent",
            });
        }
        self.body.checkpoint.verify(ledger_key)
    }
}

impl super::LedgerSigner {
    /// Signs a sync response.
    pub fn sign_sync_response(&self, body: SyncResponseBody) -> Result<SyncResponse, ProtocolError> {
        self.sign_sync_response_version(RESPONSE.version, body)
    }

    /// Signs a sync response of `version` (1 to 4), leaving out what an earlier version lacks:
    /// the ledger answers a request in the request's version
    /// ([`SyncRequest::answer_version`]), so a wallet not yet upgraded still reads its answer.
    pub fn sign_sync_response_version(
        &self,
        version: u8,
        mut body: SyncResponseBody,
    ) -> Result<SyncResponse, ProtocolError> {
        check_len("member id", &body.member_id, super::MAX_MEMBER_ID)?;
        let kind = match version {
            1 => RESPONSE_V1,
            2..=4 => Kind { version, ..RESPONSE },
            _ => return Err(ProtocolError::Invalid { message: RESPONSE.name, reason: "no such version" }),
        };
        let signed = Signed::sign(&kind, body.encode(version)?, &self.key);
        if version < 3 {
            body.sighted.clear();
            body.recorded.clear();
        }
        if version < 2 {
            body.witnessed = None;
        }
        Ok(SyncResponse { body, version, signed })
    }
}
