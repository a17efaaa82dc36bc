//! Why the ledger paid, held or refused each transfer and online payment a sync carried: the
//! reason a `TransferOutcome` or `PaymentOutcome` sends the wallet, which shows it in parentheses
//! after its own words ("The ledger did not pay transfer 3f2a… (the receipt is not from the
//! receiver)."). Every reason is a variant, so the whole set is checked against
//! `docs/messages.md` (`crate::messages`). A reason is a clause, not a sentence: lowercase, no
//! full stop, and no advice of its own, since the wallet's line around it gives that.

use outpost_wallet_core::hex;
use outpost_wallet_core::protocol::{MessageId, ProtocolError};

/// Why a transfer has the outcome a sync reports for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferReason {
    /// The checks every receiver runs refused it.
    #[error("{0}")]
    Invalid(ProtocolError),
    #[error("this ledger never issued the transfer's purse")]
    UnknownPurse,
    #[error("this wallet neither sent nor received the transfer")]
    NotAParty,
    #[error("waiting for the receiver to sync or for their receipt")]
    Waiting,
    #[error("the receiver is not enrolled with this ledger")]
    ReceiverNotEnrolled,
    #[error("paid to the receiver")]
    Paid,
    #[error(
        "it reached the ledger after its purse's settlement window, when the purse's money had gone back to the \
         sender, so it was recorded as a late spend and not paid"
    )]
    Late,
    #[error("kept as evidence of a double spend, not paid")]
    Evidence,
    #[error("only the transfer's receiver can give it as evidence")]
    EvidenceNotFromReceiver,
    #[error("the receipt's signature does not verify")]
    ReceiptSignature,
    #[error("the receipt is not from the receiver")]
    ReceiptNotFromReceiver,
    #[error(
        "a receipt from a device reported lost claims it, and it conflicts with transfer {} of the same purse \
         that device was already paid", hex::short(.paid)
    )]
    LostDeviceClaim { paid: MessageId },
    #[error(
        "it conflicts with transfer {} of the same purse that you were already paid, so your wallet must have \
         refused it, and you were recorded as party to the double spend", hex::short(.paid)
    )]
    Complicit { paid: MessageId },
}

/// Why an online payment was paid or not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentReason {
    #[error("paid")]
    Paid,
    #[error("the payee is not an enrolled wallet")]
    PayeeNotEnrolled,
    #[error("it is a payment to yourself")]
    ToYourself,
    #[error("the amount is larger than any account holds")]
    TooLarge,
    #[error("the amount is zero")]
    Zero,
    /// `held`: what the account holds, as money.
    #[error("the online account holds only {held}")]
    Insufficient { held: String },
}
