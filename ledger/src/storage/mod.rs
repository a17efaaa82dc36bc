//! The ledger's storage: what the rules (settlement, purses, double-spend proofs, risk, the log
//! and checkpoints, officers) ask of a database, as one interface, and its two backends.
//!
//! ```text
//! storage/mod.rs        the interface: [`Store`] (opens transactions) and [`Tx`] (the operations
//!                       the rules run inside one), the rows and states they exchange
//! storage/sqlite/       the embedded default: one file, one writer (SQL, migrations, WAL thread)
//! storage/postgres/     several ledger processes on one PostgreSQL database (SQL, migrations,
//!                       the connection pool, retries)
//! ```
//!
//! The rules never see SQL or a driver type: they call [`Tx`] methods, named for what the ledger
//! does ("the purse's highest stored transfer", "append a leaf"), inside a transaction the ledger
//! opens with [`Store::begin`]. A write transaction is serialized with every other write, in
//! every process on the database (SQLite's single writer; on PostgreSQL a lock on the log's
//! head row taken first), so the rules read and write as if alone, the log's positions are
//! handed out in commit order with no gap and no duplicate, and what a process keeps in memory
//! (the Merkle tree, the risk state) catches up with the stored log before it is used. A backend
//! error that only means "try again" (PostgreSQL's serialization failure 40001 and deadlock
//! 40P01) is [`StorageError::retryable`]; the ledger runs the whole transaction again.

pub(crate) mod postgres;
pub(crate) mod sqlite;

use std::fmt;

use outpost_wallet_core::protocol::MessageId;

use crate::{LedgerError, Member, PurseInfo};

/// Where the ledger's database is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Database {
    /// `ledger.db` in the ledger's directory: nothing to install, one process.
    #[default]
    Sqlite,
    /// A PostgreSQL database (`postgres://user@host:port/db`): several ledger processes may
    /// share it.
    Postgres(String),
}

impl Database {
    /// `None`/empty for SQLite in the ledger's directory, else a `postgres://` or
    /// `postgresql://` URL.
    pub fn parse(text: Option<&str>) -> Result<Database, String> {
        match text.map(str::trim) {
            None | Some("") | Some("sqlite") => Ok(Database::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Database::Postgres(url.to_owned()))
            }
            Some(other) => Err(format!(
                "--database {other:?}: expected a postgres:// URL (or nothing, for ledger.db in --dir)"
            )),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Database::Postgres(_))
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite => f.write_str("sqlite (ledger.db)"),
            // The password, if the URL has one, is not shown.
            Database::Postgres(url) => match url.split_once('@') {
                Some((_, host)) => write!(f, "postgres://…@{host}"),
                None => f.write_str(url),
            },
        }
    }
}

/// A database error, with no driver type in it: what went wrong, and whether running the
/// transaction again may succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageError {
    pub message: String,
    /// A serialization failure or deadlock: the transaction did nothing and may be run again.
    pub retryable: bool,
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StorageError {}

pub(crate) fn storage_error(message: impl Into<String>) -> LedgerError {
    LedgerError::Database(StorageError { message: message.into(), retryable: false })
}

/// How many times a transaction that failed with a retryable error is run again.
pub(crate) const RETRIES: usize = 20;

/// Whether `error` says only that the transaction should be run again.
pub(crate) fn is_retryable(error: &LedgerError) -> bool {
    matches!(error, LedgerError::Database(StorageError { retryable: true, .. }))
}

/// What a transaction may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// One consistent snapshot; nothing written.
    Read,
    /// Serialized with every other write on the database, in every process.
    Write,
}

/// A database the ledger runs transactions on. One per process; the ledger holds it under its
/// lock, so a backend serves one transaction at a time per process.
pub(crate) trait Store: Send {
    /// Opens a transaction; dropping it without [`Tx::commit`] rolls it back.
    fn begin(&mut self, mode: Mode) -> Result<Box<dyn Tx + '_>, LedgerError>;
    /// Which backend, for logs and the bench.
    fn backend(&self) -> &'static str;
}

/// The state of a purse (`purse.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PurseState {
    /// Spendable.
    Open,
    /// Its wallet declared its final spend.
    Closed,
    /// Revoked by an officer or a proof.
    Revoked,
    /// Past its settlement window; what it held went back to its member.
    Finished,
}

/// The state of an offline transfer the ledger holds (`transfer.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferState {
    /// Uploaded by its sender, waiting for the receiver or a receipt.
    Held,
    Settled,
    /// Reached the ledger after its purse's window: not paid.
    Returned,
    /// A double spend kept as evidence, not paid.
    Evidence,
}

/// The state of a wallet key (`wallet_key.state`): only an active key may sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyState {
    Active,
    Replaced,
    Revoked,
}

/// The state of an officer act waiting for approval (`pending.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingState {
    Pending,
    Executed,
    Declined,
}

/// A state word read from storage that is not one the ledger knows: a database written by a
/// newer ledger, or edited by hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a stored {kind} {text:?} is not one the ledger knows")]
pub struct UnknownState {
    /// Which state it should have been (`PurseState`, `TransferState`, …).
    pub kind: &'static str,
    pub text: String,
}

impl From<UnknownState> for LedgerError {
    fn from(error: UnknownState) -> Self {
        crate::inconsistent(&error.to_string())
    }
}

/// The states are words in the database and in the officer's JSON, and enums everywhere else:
/// `as_str` and `parse` are the one conversion. A backend writes `as_str`'s word, and reads a
/// state through its driver's `FromSql`, which calls `parse` (the impls sit in each backend).
macro_rules! text_states {
    ($($ty:ident { $($variant:ident = $text:literal),* })*) => {$(
        impl $ty {
            /// The word the database and the officer's tools use.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),* }
            }

            pub fn parse(text: &str) -> Result<Self, UnknownState> {
                match text {
                    $($text => Ok($ty::$variant),)*
                    other => Err(UnknownState { kind: stringify!($ty), text: other.to_owned() }),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $ty::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

text_states! {
    PurseState { Open = "open", Closed = "closed", Revoked = "revoked", Finished = "finished" }
    TransferState { Held = "held", Settled = "settled", Returned = "returned", Evidence = "evidence" }
    KeyState { Active = "active", Replaced = "replaced", Revoked = "revoked" }
    PendingState { Pending = "pending", Executed = "executed", Declined = "declined" }
}

/// Whether a purse is proved to have been spent twice, and who carries what it does not cover
/// (`purse.proved`: 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proved {
    No,
    /// By its member (`DoubleSpend`): their account.
    Member,
    /// From a device reported lost before the proof (`LostDeviceSpend`): the loss account.
    LostDevice,
}

impl Proved {
    pub fn any(self) -> bool {
        self != Proved::No
    }

    pub fn code(self) -> i64 {
        match self {
            Proved::No => 0,
            Proved::Member => 1,
            Proved::LostDevice => 2,
        }
    }

    pub fn from_code(code: i64) -> Proved {
        match code {
            0 => Proved::No,
            1 => Proved::Member,
            _ => Proved::LostDevice,
        }
    }
}

/// The ledger's identity, stored once when it is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Meta {
    pub public_key: Vec<u8>,
    pub currency: String,
    pub exponent: u8,
    pub created_at: u64,
}

/// A purse as the rules read it.
#[derive(Debug, Clone)]
pub(crate) struct PurseRow {
    pub purse_id: MessageId,
    pub member_id: String,
    pub amount: i64,
    pub outstanding: i64,
    pub settled: i64,
    pub state: PurseState,
    pub declared_seq: Option<u32>,
    pub declared_spent: Option<u64>,
    pub expires_at: u64,
    /// Whether a proof of a double spend from this purse is in the log, and whose loss it is.
    pub proved: Proved,
}

/// A purse the ledger issues.
#[derive(Debug, Clone)]
pub(crate) struct NewPurse<'a> {
    pub purse_id: MessageId,
    pub member_id: &'a str,
    pub serial: u32,
    pub amount: i64,
    pub issued_at: u64,
    pub expires_at: u64,
    pub certificate: Vec<u8>,
}

/// An offline transfer the ledger stores.
#[derive(Debug, Clone)]
pub(crate) struct NewTransfer {
    pub transfer_id: MessageId,
    pub purse_id: MessageId,
    pub seq: u32,
    pub amount: i64,
    pub receiver_key: [u8; 32],
    pub state: TransferState,
    pub bytes: Vec<u8>,
    pub uploaded_at: u64,
}

/// A transfer in a purse's slot (its sequence number).
#[derive(Debug, Clone)]
pub(crate) struct SlotRow {
    pub transfer_id: Vec<u8>,
    pub state: TransferState,
    pub bytes: Vec<u8>,
}

/// A wallet's last sync request answered.
#[derive(Debug, Clone)]
pub(crate) struct LastAnswer {
    pub request_id: Vec<u8>,
    pub request_hash: Vec<u8>,
    pub seen_up_to: u64,
    pub response: Vec<u8>,
}

/// An entry that concerns a member, as [`Tx::member_leaves`] finds it.
pub(crate) struct MemberLeaf {
    pub seq: u64,
    /// The stored leaf; `None` if the row is gone although the member's index of it remains.
    pub leaf: Option<Vec<u8>>,
}

/// An officer row; `removed` once the officers removed them (the row stays, for old evidence).
#[derive(Debug, Clone)]
pub(crate) struct OfficerRow {
    pub public_key: [u8; 32],
    pub name: String,
    pub enrolled_at: u64,
    pub removed: bool,
}

/// An officer's passkey as linked (docs/adr/0021): the link's body as the officer signed it, and
/// the last signature counter seen.
#[derive(Debug, Clone)]
pub(crate) struct PasskeyRow {
    pub officer_key: Vec<u8>,
    pub link: Vec<u8>,
    pub counter: i64,
    pub linked_at: u64,
}

/// An officer act waiting for approval, as stored.
#[derive(Debug, Clone)]
pub(crate) struct PendingRow {
    /// The act, as JSON.
    pub act: String,
    /// The maker's signed request, and its body.
    pub maker: Vec<u8>,
    pub body: Vec<u8>,
    pub made_at: u64,
    pub expires_at: u64,
    pub state: PendingState,
}

/// The sums the money invariant compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Totals {
    pub accounts: i64,
    pub purses: i64,
    pub credited: i64,
    pub loss: i64,
}

/// Everything the ledger stores, in the order [`Tx::export`] gives and [`Tx::import`] takes: a
/// copy from one backend to another (`outpost-ledger migrate`).
pub(crate) type Rows = Vec<(&'static str, Vec<Vec<Value>>)>;

/// One column's value in a copied row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// The tables a copy carries, parents first, each with its columns.
pub(crate) const TABLES: &[(&str, &[&str])] = &[
    ("meta", &["id", "public_key", "currency", "currency_exponent", "created_at", "loss"]),
    (
        "member",
        &[
            "member_id",
            "wallet_key",
            "agreement_key",
            "balance",
            "purse_limit",
            "next_serial",
            "flagged",
            "enrolled_at",
        ],
    ),
    ("wallet_key", &["wallet_key", "member_id", "state"]),
    ("credit", &["id", "member_id", "amount", "memo", "at"]),
    (
        "purse",
        &[
            "purse_id",
            "member_id",
            "serial",
            "amount",
            "outstanding",
            "settled",
            "state",
            "declared_seq",
            "declared_spent",
            "issued_at",
            "expires_at",
            "certificate",
            "proved",
        ],
    ),
    (
        "transfer",
        &["transfer_id", "purse_id", "seq", "amount", "receiver_key", "state", "bytes", "uploaded_at"],
    ),
    ("receipt", &["transfer_id", "bytes"]),
    ("online_payment", &["payer_id", "payment_id", "payee_id", "amount", "at"]),
    ("sync_answer", &["wallet_key", "request_id", "request_hash", "seen_up_to", "response", "at"]),
    ("audit", &["seq", "leaf"]),
    ("audit_party", &["member_id", "seq"]),
    ("equivocation", &["proof_id", "seq"]),
    ("officer", &["public_key", "name", "enrolled_at", "removed_at"]),
    ("officer_nonce", &["officer_key", "nonce", "signed_at"]),
    ("pending", &["id", "act", "maker", "body", "made_at", "expires_at", "state", "closed_by"]),
    ("pending_approval", &["id", "officer_key", "signed", "at"]),
    ("officer_passkey", &["public_key", "officer_key", "link", "counter", "linked_at"]),
];

type R<T> = Result<T, LedgerError>;

/// The operations the ledger's rules run inside one transaction. Every method is one question or
/// one change, named for the ledger's purpose; none takes SQL.
pub(crate) trait Tx {
    /// Makes what this transaction wrote durable; dropping it instead rolls it back.
    fn commit(self: Box<Self>) -> R<()>;

    // ---- the ledger itself
    fn meta(&self) -> R<Option<Meta>>;
    fn insert_meta(&self, meta: &Meta) -> R<()>;
    /// Adds `delta` (never above zero in sum) to the loss account.
    fn add_loss(&self, delta: i64) -> R<()>;
    fn totals(&self) -> R<Totals>;
    /// Credits made after `since`, summed (the officers' daily cap).
    fn credited_since(&self, since: u64) -> R<i64>;

    // ---- members and their wallet keys
    fn member(&self, member_id: &str) -> R<Option<Member>>;
    fn members(&self) -> R<Vec<Member>>;
    fn insert_member(
        &self,
        member_id: &str,
        wallet: &[u8; 32],
        agreement: &[u8; 32],
        purse_limit: i64,
        at: u64,
    ) -> R<()>;
    /// Adds `delta` to a member's online account and flags them if it goes below zero; `false`
    /// when there is no such member.
    fn add_to_account(&self, member_id: &str, delta: i64) -> R<bool>;
    fn flag_member(&self, member_id: &str) -> R<()>;
    fn set_purse_limit(&self, member_id: &str, limit: i64) -> R<()>;
    fn set_member_wallet(&self, member_id: &str, wallet: &[u8; 32], agreement: &[u8; 32]) -> R<()>;
    /// The member's next purse serial, and counts it as used.
    fn take_serial(&self, member_id: &str) -> R<u32>;
    fn insert_credit(&self, member_id: &str, amount: i64, memo: &str, at: u64) -> R<()>;
    /// The member a wallet key belongs or belonged to, and the key's state.
    fn wallet_key(&self, key: &[u8; 32]) -> R<Option<(String, KeyState)>>;
    fn insert_wallet_key(&self, key: &[u8; 32], member_id: &str) -> R<()>;
    /// Moves an active key to `to`; `false` if it was not active.
    fn retire_wallet_key(&self, key: &[u8; 32], to: KeyState) -> R<bool>;

    // ---- purses
    fn purse(&self, purse_id: &MessageId) -> R<Option<PurseRow>>;
    /// A member's purses, newest first.
    fn purses_of(&self, member_id: &str) -> R<Vec<PurseInfo>>;
    /// The member's purses that can still be spent from or declared (open, closed), by id.
    fn live_purses_of(&self, member_id: &str) -> R<Vec<MessageId>>;
    /// Purses not finished whose expiry is before `cutoff`, by id.
    fn purses_expired_before(&self, cutoff: u64) -> R<Vec<MessageId>>;
    fn open_purse_count(&self, member_id: &str) -> R<u64>;
    /// Revoked purses still within their window (expiry at or after `since`), newest expiry first.
    fn revoked_purses(&self, since: u64, limit: usize) -> R<Vec<MessageId>>;
    fn insert_purse(&self, purse: &NewPurse<'_>) -> R<()>;
    fn set_purse_state(&self, purse_id: &MessageId, state: PurseState) -> R<()>;
    /// Nothing outstanding, and finished.
    fn finish_purse(&self, purse_id: &MessageId) -> R<()>;
    /// Pays `amount` settled, `from_purse` of it out of what the purse holds.
    fn pay_from_purse(&self, purse_id: &MessageId, from_purse: i64, amount: i64) -> R<()>;
    /// Records the wallet's declaration and gives `give_back` back; an open purse is closed.
    fn declare_purse(&self, purse_id: &MessageId, give_back: i64, last_seq: u32, spent: i64) -> R<()>;
    fn set_proved(&self, purse_id: &MessageId, proved: Proved) -> R<()>;

    // ---- offline transfers and receipts
    fn insert_transfer(&self, transfer: &NewTransfer) -> R<()>;
    fn set_transfer_state(
        &self,
        purse_id: &MessageId,
        seq: u32,
        id: &MessageId,
        state: TransferState,
    ) -> R<()>;
    /// Marks the purse's held transfers returned; how many.
    fn return_held(&self, purse_id: &MessageId) -> R<u64>;
    /// A held transfer's receiver key and bytes.
    fn held_transfer(&self, id: &MessageId) -> R<Option<(Vec<u8>, Vec<u8>)>>;
    /// The bytes of the purse's stored transfer with the highest sequence.
    fn highest_transfer(&self, purse_id: &MessageId) -> R<Option<Vec<u8>>>;
    /// The transfers in one slot of a purse.
    fn slot(&self, purse_id: &MessageId, seq: u32) -> R<Vec<SlotRow>>;
    fn transfer_bytes(&self, purse_id: &MessageId, seq: u32, id: &MessageId) -> R<Option<Vec<u8>>>;
    /// The nearest stored transfer below `seq` (`above` false) or above it.
    fn neighbour(&self, purse_id: &MessageId, seq: u32, above: bool) -> R<Option<Vec<u8>>>;
    /// The purse's settled transfers to `receiver`, in sequence order.
    fn settled_to(&self, purse_id: &MessageId, receiver: &[u8; 32]) -> R<Vec<Vec<u8>>>;
    /// Keeps a receipt (once).
    fn insert_receipt(&self, id: &MessageId, bytes: &[u8]) -> R<()>;
    fn has_receipt(&self, id: &MessageId) -> R<bool>;

    // ---- online payments and sync answers
    fn online_payment_done(&self, payer_id: &str, payment_id: &[u8; 16]) -> R<bool>;
    fn insert_online_payment(
        &self,
        payer_id: &str,
        payment_id: &[u8; 16],
        payee_id: &str,
        amount: i64,
        at: u64,
    ) -> R<()>;
    fn last_answer(&self, wallet_key: &[u8; 32]) -> R<Option<LastAnswer>>;
    /// Keeps this answer as the wallet's last, replacing the one before.
    fn put_answer(&self, wallet_key: &[u8; 32], answer: &LastAnswer, at: u64) -> R<()>;

    // ---- the log
    /// The position the next leaf takes. In a write transaction this is serialized: no other
    /// transaction, in any process, gets it until this one ends.
    fn next_seq(&self) -> R<u64>;
    /// Stores the leaf at `seq` (from [`Tx::next_seq`]) and indexes it for its parties.
    fn insert_leaf(&self, seq: u64, leaf: &[u8], parties: &[&str]) -> R<()>;
    /// Calls `f` with each stored leaf from position `from`, at most `limit`, in order.
    fn for_each_leaf(&self, from: u64, limit: u32, f: &mut dyn FnMut(u64, &[u8]) -> R<()>) -> R<()>;
    fn leaf(&self, seq: u64) -> R<Option<Vec<u8>>>;
    /// The entries that concern `member_id` from position `from`, at most `limit`, in order.
    fn member_leaves(&self, member_id: &str, from: u64, limit: usize) -> R<Vec<MemberLeaf>>;
    /// A number that changes whenever stored leaves may have changed other than by appends
    /// (SQLite: any other connection's commit; PostgreSQL: an update, delete or truncate of the
    /// log, counted by a trigger): then what a process keeps derived from the log is re-read.
    fn log_version(&self) -> R<i64>;
    fn equivocation(&self, proof_id: &[u8; 32]) -> R<Option<u64>>;
    fn insert_equivocation(&self, proof_id: &[u8; 32], seq: u64) -> R<()>;
    /// The largest checkpoint any process on this database signed (size, root), kept beside the
    /// log so that each process refuses to sign a log that does not extend it.
    fn signed_head(&self) -> R<Option<(u64, [u8; 32])>>;
    /// Records a signed checkpoint if it is larger than the one kept.
    fn raise_signed_head(&self, size: u64, root: &[u8; 32]) -> R<()>;
    /// Forgets the kept head: an officer accepted a rewritten log.
    fn reset_signed_head(&self) -> R<()>;

    // ---- officers
    fn officer(&self, key: &[u8]) -> R<Option<OfficerRow>>;
    /// Officers not removed, by name.
    fn active_officers(&self) -> R<Vec<OfficerRow>>;
    /// Adds an officer, or brings a removed one back.
    fn upsert_officer(&self, key: &[u8; 32], name: &str, at: u64) -> R<()>;
    fn remove_officer(&self, key: &[u8; 32], at: u64) -> R<()>;
    fn forget_nonces_before(&self, before: u64) -> R<()>;
    /// Records a request's nonce; `false` if it was recorded before (a replay).
    fn insert_nonce(&self, key: &[u8; 32], nonce: &[u8], signed_at: u64) -> R<bool>;
    fn insert_pending(&self, id: &[u8; 32], pending: &PendingRow) -> R<()>;
    fn pending(&self, id: &[u8; 32]) -> R<Option<PendingRow>>;
    /// Pending acts not expired at `now`, oldest first.
    fn pending_ids(&self, now: u64) -> R<Vec<[u8; 32]>>;
    fn close_pending(&self, id: &[u8; 32], state: PendingState, closed_by: Option<&[u8; 32]>) -> R<()>;
    fn insert_approval(&self, id: &[u8; 32], officer_key: &[u8; 32], signed: &[u8], at: u64) -> R<()>;
    /// The approvals of a pending act (officer key, signed request), in the order given.
    fn approvals(&self, id: &[u8; 32]) -> R<Vec<(Vec<u8>, Vec<u8>)>>;

    // ---- officers' passkeys (docs/adr/0021)
    /// The passkey with this (SEC1) public key, whoever it is linked to.
    fn passkey(&self, public_key: &[u8]) -> R<Option<PasskeyRow>>;
    /// The passkeys linked to `officer_key`, oldest first.
    fn passkeys_of(&self, officer_key: &[u8; 32]) -> R<Vec<PasskeyRow>>;
    fn insert_passkey(&self, public_key: &[u8], officer_key: &[u8; 32], link: &[u8], at: u64) -> R<()>;
    fn set_passkey_counter(&self, public_key: &[u8], counter: i64) -> R<()>;

    // ---- copying a whole ledger
    /// Every row of [`TABLES`], in order.
    fn export(&self) -> R<Rows>;
    /// Writes `rows` (from [`Tx::export`]) into this empty database.
    fn import(&self, rows: &Rows) -> R<()>;
}
