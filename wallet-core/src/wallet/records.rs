//! The plaintext of the wallet's payment rows, before sealing. Each record starts with a version
//! byte and is written with the canonical encoding, so a damaged row fails to decode rather than
//! being read as some other value; any failure here surfaces as the row being tampered with.

use crate::encoding::{DecodeError, Reader, Writer};
use crate::identity::PublicIdentity;
use crate::protocol::{MessageId, PaymentRequest, PurseCertificate, Receipt, Transfer};

const PURSE_VERSION: u8 = 2;
const TRANSFER_VERSION: u8 = 1;
const REQUEST_VERSION: u8 = 1;
const CONTACT_VERSION: u8 = 1;
const MAX_MESSAGE: usize = 1024;
const MAX_LABEL: usize = 64;

/// Where a transfer stands, as the history shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
// Exhaustive on purpose: bindings/src/records.rs maps every status for Kotlin, Swift and Python,
// and a new variant must fail that build until it is mapped.
pub enum TransferStatus {
    /// Sent: signed, debited from the purse and shown; no receipt scanned yet. The transfer can
    /// be shown again until the receiver's receipt is scanned.
    AwaitingReceipt,
    /// Sent, and the receiver's signed receipt was scanned.
    Delivered,
    /// Received and receipted; it counts as pending incoming until the ledger settles it.
    PendingSettlement,
    /// Received, but another transfer from the same purse slot was seen too: it is kept as
    /// evidence of a double spend and was not credited.
    DoubleSpendEvidence,
    /// Sent, and the ledger paid it to the receiver.
    SentSettled,
    /// Received, and the ledger paid it into this member's online account.
    ReceivedSettled,
    /// Sent, but nobody claimed it within the settlement window: the ledger returned the amount
    /// to this member's online account.
    Returned,
    /// Received, but the ledger refused to pay it (the reason was shown at sync).
    ReceivedRefused,
    /// Sent, but the ledger refused it (the reason was shown at sync).
    SentRefused,
}

impl TransferStatus {
    fn code(self) -> u8 {
        match self {
            Self::AwaitingReceipt => 1,
            Self::Delivered => 2,
            Self::PendingSettlement => 3,
            Self::DoubleSpendEvidence => 4,
            Self::SentSettled => 5,
            Self::ReceivedSettled => 6,
            Self::Returned => 7,
            Self::ReceivedRefused => 8,
            Self::SentRefused => 9,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::AwaitingReceipt,
            2 => Self::Delivered,
            3 => Self::PendingSettlement,
            4 => Self::DoubleSpendEvidence,
            5 => Self::SentSettled,
            6 => Self::ReceivedSettled,
            7 => Self::Returned,
            8 => Self::ReceivedRefused,
            9 => Self::SentRefused,
            _ => return None,
        })
    }

    /// True for the statuses of transfers this wallet sent.
    pub fn is_outgoing(self) -> bool {
        matches!(
            self,
            Self::AwaitingReceipt | Self::Delivered | Self::SentSettled | Self::Returned | Self::SentRefused
        )
    }

    /// True once the ledger has had its final say: nothing more to upload.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::SentSettled
                | Self::ReceivedSettled
                | Self::Returned
                | Self::ReceivedRefused
                | Self::SentRefused
        )
    }
}

impl std::fmt::Display for TransferStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::AwaitingReceipt => "sent, awaiting receipt",
            Self::Delivered => "sent, delivered",
            Self::PendingSettlement => "received, pending settlement",
            Self::DoubleSpendEvidence => "refused: double spend (kept as evidence)",
            Self::SentSettled => "sent, settled by the ledger",
            Self::ReceivedSettled => "received, settled into the online account",
            Self::Returned => "sent, unclaimed: returned to the online account",
            Self::ReceivedRefused => "received, refused by the ledger",
            Self::SentRefused => "sent, refused by the ledger",
        })
    }
}

fn invalid(what: &'static str) -> DecodeError {
    DecodeError::Invalid { what, reason: "not a value this build writes" }
}

/// One of this wallet's own purses and how far its chain has got.
#[derive(Debug, Clone)]
pub(crate) struct PurseRecord {
    pub certificate: PurseCertificate,
    /// Total signed away from the purse so far.
    pub spent: u64,
    /// Sequence number of the next transfer.
    pub next_seq: u32,
    /// `prev_hash` for the next transfer: the last transfer's id, or the chain start.
    pub last_hash: [u8; 32],
    /// Declared to the ledger as finished (when asking for a new purse): never paid from again.
    pub closed: bool,
}

impl PurseRecord {
    pub fn new(certificate: PurseCertificate) -> Self {
        let last_hash = certificate.chain_start();
        Self { certificate, spent: 0, next_seq: 1, last_hash, closed: false }
    }

    pub fn remaining(&self) -> u64 {
        self.certificate.terms().amount.minor().saturating_sub(self.spent)
    }

    pub fn encode(&self) -> Vec<u8> {
        Writer::new()
            .u8(PURSE_VERSION)
            .bytes(&self.certificate.to_bytes())
            .u64(self.spent)
            .u32(self.next_seq)
            .fixed(&self.last_hash)
            .u8(u8::from(self.closed))
            .finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        // Version 1 records predate closing purses: they are open.
        let version = r.u8("purse record")?;
        if version != 1 && version != PURSE_VERSION {
            return Err(DecodeError::UnsupportedVersion {
                what: "purse record",
                found: version,
                supported: PURSE_VERSION,
            });
        }
        let certificate = PurseCertificate::from_bytes(r.bytes("certificate", MAX_MESSAGE)?)
            .map_err(|_| invalid("certificate"))?;
        let spent = r.u64("spent")?;
        let next_seq = r.u32("next sequence")?;
        let last_hash = r.array("last hash")?;
        let closed = match (version, if version == 1 { 0 } else { r.u8("closed")? }) {
            (_, 0) => false,
            (_, 1) => true,
            _ => return Err(invalid("closed")),
        };
        r.finish()?;
        Ok(Self { certificate, spent, next_seq, last_hash, closed })
    }
}

/// A transfer this wallet sent or received, with what it needs to show or prove it later.
#[derive(Debug, Clone)]
pub(crate) struct TransferRecord {
    pub status: TransferStatus,
    pub transfer: Transfer,
    /// Sent transfers: the receiver's X25519 key, to seal the transfer again when shown again.
    pub receiver_agreement_key: Option<[u8; 32]>,
    /// Sent: the receipt scanned from the receiver. Received: the receipt this wallet signed.
    pub receipt: Option<Receipt>,
    /// Who the other side is, in words, when known (a contact's name or the sender's member id).
    pub counterparty_label: String,
    /// Device time when this wallet stored it.
    pub stored_at: u64,
}

impl TransferRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(TRANSFER_VERSION).u8(self.status.code()).bytes(&self.transfer.to_bytes());
        match &self.receiver_agreement_key {
            Some(key) => w.u8(1).fixed(key),
            None => w.u8(0),
        };
        match &self.receipt {
            Some(receipt) => w.u8(1).bytes(&receipt.to_bytes()),
            None => w.u8(0),
        };
        w.text(&self.counterparty_label).u64(self.stored_at).finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        r.version("transfer record", TRANSFER_VERSION)?;
        let status = TransferStatus::from_code(r.u8("status")?).ok_or_else(|| invalid("status"))?;
        let transfer =
            Transfer::from_bytes(r.bytes("transfer", MAX_MESSAGE)?).map_err(|_| invalid("transfer"))?;
        let receiver_agreement_key = match r.u8("agreement key flag")? {
            0 => None,
            1 => Some(r.array("agreement key")?),
            _ => return Err(invalid("agreement key flag")),
        };
        let receipt = match r.u8("receipt flag")? {
            0 => None,
            1 => Some(Receipt::from_bytes(r.bytes("receipt", MAX_MESSAGE)?).map_err(|_| invalid("receipt"))?),
            _ => return Err(invalid("receipt flag")),
        };
        let counterparty_label = r.text("label", MAX_LABEL)?.to_owned();
        let stored_at = r.u64("stored at")?;
        r.finish()?;
        Ok(Self { status, transfer, receiver_agreement_key, receipt, counterparty_label, stored_at })
    }
}

/// A payment request this wallet made, and the transfer that paid it once one did.
#[derive(Debug, Clone)]
pub(crate) struct RequestRecord {
    pub request: PaymentRequest,
    pub paid_by: Option<MessageId>,
}

impl RequestRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(REQUEST_VERSION).bytes(&self.request.to_bytes());
        match &self.paid_by {
            Some(id) => w.u8(1).fixed(id),
            None => w.u8(0),
        };
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        r.version("request record", REQUEST_VERSION)?;
        let request =
            PaymentRequest::from_bytes(r.bytes("request", MAX_MESSAGE)?).map_err(|_| invalid("request"))?;
        let paid_by = match r.u8("paid flag")? {
            0 => None,
            1 => Some(r.array("paid by")?),
            _ => return Err(invalid("paid flag")),
        };
        r.finish()?;
        Ok(Self { request, paid_by })
    }
}

/// Someone this wallet can pay without scanning a request first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub label: String,
    pub identity: PublicIdentity,
    /// Device time when it was saved.
    pub added_at: u64,
}

/// Longest contact label, in bytes of UTF-8.
pub const MAX_CONTACT_LABEL: usize = MAX_LABEL;

impl Contact {
    pub(crate) fn encode(&self) -> Vec<u8> {
        Writer::new()
            .u8(CONTACT_VERSION)
            .text(&self.label)
            .fixed(&self.identity.signing_key)
            .fixed(&self.identity.agreement_key)
            .u64(self.added_at)
            .finish()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        r.version("contact", CONTACT_VERSION)?;
        let label = r.text("label", MAX_LABEL)?.to_owned();
        let signing_key = r.array("signing key")?;
        let agreement_key = r.array("agreement key")?;
        let added_at = r.u64("added at")?;
        r.finish()?;
        Ok(Self { label, identity: PublicIdentity { signing_key, agreement_key }, added_at })
    }
}

/// What a receiving wallet keeps of the transfers it accepted from one payer purse: for each, the
/// few fields the chain check reads, in a sealed `purse_link` row of its own (addressed by the
/// purse's keyed lookup and the sequence number), so that an accept reads the two neighbours of
/// the new transfer's slot and writes one small row, however many transfers the purse has made.
///
/// In memory, a [`PurseChain`] is that purse's links sorted by sequence number, one per number,
/// and pairwise consistent (each was checked against its neighbours when it was added). That is
/// why a new transfer only needs checking against its two neighbours: see `check_chain` in
/// payments.rs. The whole chain is built only when the rows must be rebuilt from the transfer
/// rows (a wallet from before the rows existed, or rows put back from an older copy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PurseChain {
    links: Vec<ChainLink>,
}

/// One accepted transfer as the chain check sees it.
pub(crate) use crate::protocol::chain::Link as ChainLink;

/// Where a sequence number falls among the links held.
pub(crate) enum ChainSlot {
    /// A transfer with this number is held already.
    Taken(ChainLink),
    /// Free: the held links just before and just after it, if any.
    Free { before: Option<ChainLink>, after: Option<ChainLink> },
}

const LINK_VERSION: u8 = 1;

impl PurseChain {
    /// Builds the chain from transfers held, in any order. A sequence number seen twice (kept
    /// double-spend evidence) keeps its first transfer, as the check did when it was received.
    pub fn from_transfers<'a>(transfers: impl IntoIterator<Item = &'a Transfer>) -> Self {
        let mut chain = Self::default();
        for transfer in transfers {
            if let ChainSlot::Free { .. } = chain.slot(transfer.terms().seq) {
                chain.insert(ChainLink::of(transfer));
            }
        }
        chain
    }

    pub fn links(&self) -> &[ChainLink] {
        &self.links
    }

    pub fn slot(&self, seq: u32) -> ChainSlot {
        match self.links.binary_search_by_key(&seq, |l| l.seq) {
            Ok(at) => ChainSlot::Taken(self.links[at]),
            Err(at) => ChainSlot::Free {
                before: at.checked_sub(1).map(|i| self.links[i]),
                after: self.links.get(at).copied(),
            },
        }
    }

    /// Adds a link whose sequence number is free (the caller checked its slot).
    pub fn insert(&mut self, link: ChainLink) {
        let at = self.links.partition_point(|l| l.seq < link.seq);
        debug_assert!(self.links.get(at).is_none_or(|l| l.seq != link.seq), "slot taken");
        self.links.insert(at, link);
    }
}

/// The plaintext of one `purse_link` row.
pub(crate) fn encode_link(link: &ChainLink) -> Vec<u8> {
    Writer::new()
        .u8(LINK_VERSION)
        .u32(link.seq)
        .fixed(&link.transfer_id)
        .fixed(&link.prev_hash)
        .u64(link.spent_after)
        .u64(link.amount)
        .finish()
}

pub(crate) fn decode_link(bytes: &[u8]) -> Result<ChainLink, DecodeError> {
    let mut r = Reader::new(bytes);
    r.version("purse link", LINK_VERSION)?;
    let link = ChainLink {
        seq: r.u32("seq")?,
        transfer_id: r.array("transfer id")?,
        prev_hash: r.array("previous hash")?,
        spent_after: r.u64("spent after")?,
        amount: r.u64("amount")?,
    };
    r.finish()?;
    Ok(link)
}
