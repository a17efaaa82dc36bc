//! Outpost's HQ ledger: members, pay, offline purses, settlement of offline transfers,
//! double-spend attribution, risk flags, and the audit log every change is written to (DESIGN
//! sections 3, 6 and 7). The HTTP server in `src/bin` and `server` puts it on the network.
//!
//! Files, in the directory the ledger is opened in:
//!
//! ```text
//! ledger.db    SQLite (WAL, synchronous=FULL): members, purses, transfers, the audit log
//! ledger.key   the Ed25519 secret that signs purse certificates, checkpoints and sync
//!              responses; mode 0600, made on first start
//! checkpoints.log
//!              append-only record of every checkpoint the ledger signed (and of officers'
//!              recoveries): the ledger refuses to sign a log that does not extend the last one
//!              (`checkpoint_log`, docs/adr/0011)
//! ```
//!
//! Every change is one SQLite transaction that also appends its audit-log entries, so the log and
//! the balances cannot disagree after a crash. The money invariant, checked by
//! [`Ledger::check_invariants`] and by an auditor replaying the exported log: the members'
//! accounts plus what purses still hold equal everything credited. What is derived from the log
//! is not stored: the Merkle tree over it and the risk rules' state live in memory, read from the
//! stored log (`log_cache` says why they always match it).

pub mod http;
pub mod key_file;
#[cfg(test)]
mod messages;
pub mod rules;
#[cfg(feature = "simulated")]
pub mod simulated;
pub mod storage;
pub mod witness;

pub use outpost_wallet_core::audit::{AuditEntry, AuditReport, EntryKind};
pub use rules::checkpoint_log::Recovery;
pub use rules::officer_refusal::OfficerRefusal;
pub use storage::{Database, KeyState, PendingState, PurseState, StorageError, TransferState, UnknownState};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use outpost_wallet_core::audit::{self as log_format, Account};
use outpost_wallet_core::hex;
use outpost_wallet_core::merkle::{self, Hash};
use outpost_wallet_core::protocol::{Checkpoint, EnrolmentRequest, LedgerSigner, MessageId, ProtocolError};
use outpost_wallet_core::qr::{self, PayloadKind, QrError};
use outpost_wallet_core::{Amount, Clock, Currency, MoneyError, PublicIdentity};
use thiserror::Error;

use rules::audit::{self, NewEntry};
use rules::checkpoint_log::{CheckpointLog, Signing};
use rules::log_cache::{self, LogCache, Uncommitted};
use rules::{officers, risk, settlement, sync};
use storage::{KeyState as Key, Meta, Mode, Store, Tx, storage_error};

/// Why a ledger operation was refused or failed. Messages are fit to show an officer or, for
/// sync, the member.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LedgerError {
    #[error(
        "the ledger's database failed ({0}): check that it is running and has disk space, then try again"
    )]
    Database(StorageError),
    #[error("the ledger key file {} cannot be used ({reason}): check its path and permissions", .path.display())]
    KeyFile { path: PathBuf, reason: String },
    #[error(
        "the ledger key file {} does not hold the key this ledger was created with, so the ledger did \
         not start (wallets trust only the original key): restore the original key file", .path.display()
    )]
    KeyMismatch { path: PathBuf },
    #[error("this ledger keeps {}, not {}: give amounts in {}", .ledger.code(), .asked.code(), .ledger.code())]
    WrongCurrency { ledger: Currency, asked: Currency },
    #[error("{0}")]
    Qr(#[from] QrError),
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    #[error("{0}")]
    Money(#[from] MoneyError),
    #[error("member {member_id} is already enrolled: to give them a new phone, replace their device")]
    AlreadyEnrolled { member_id: String },
    #[error("this wallet is already enrolled, as member {member_id}: a wallet belongs to one member")]
    WalletAlreadyEnrolled { member_id: String },
    #[error("no member {member_id} is enrolled here: check the member id")]
    UnknownMember { member_id: String },
    #[error("no purse {purse} at this ledger: check the purse id")]
    UnknownPurse { purse: String },
    #[error("the {field} must be 1 to {max} bytes: fill it in, or shorten it")]
    BadText { field: &'static str, max: usize },
    #[error(
        "the log has {size} entries, so there is no checkpoint of {from} entries to prove consistency from: ask from a size up to {size}"
    )]
    BeyondLog { from: u64, size: u64 },
    #[error("a credit of zero moves nothing: give an amount above zero")]
    ZeroCredit,
    #[error("the memo is longer than {max} bytes: shorten it")]
    MemoTooLong { max: usize },
    #[error("the enrolment QR code is for member {found}, not {expected}: scan {expected}'s own code")]
    EnrolmentForAnotherMember { expected: String, found: String },
    #[error("this wallet is not enrolled with this ledger: ask your finance officer to enrol it")]
    UnknownWallet,
    #[error(
        "this wallet was {state} by an officer and may no longer sync: ask your finance officer for a new enrolment"
    )]
    WalletBlocked { state: KeyState },
    #[error(
        "the sync request is not signed by the wallet it names, so it was refused: sync from that wallet"
    )]
    BadRequestSignature,
    #[error("this request id was already used for a different request: make a new request")]
    RequestIdReused,
    #[error(
        "this sync request says the wallet has seen the log up to entry {sent}, but the wallet already \
         acknowledged entry {acknowledged} (an old request sent again, or a wallet file restored from an \
         older copy): sync from the wallet's current file, or, if it was restored from an old copy, ask \
         an officer to replace the device"
    )]
    SyncBehind { sent: u64, acknowledged: u64 },
    #[error(
        "the ledger's data is inconsistent ({detail}): stop the ledger and restore its database from a backup"
    )]
    Inconsistent { detail: String },
    #[error(
        "the ledger refuses to sign a checkpoint, since its log does not extend what it signed before \
         and a second signature would prove it forked its history ({detail}): restore the database \
         that extends it, or accept the rewritten log on purpose with \
         `outpost-ledger --dir DIR --accept-rewritten-log \"REASON\"`"
    )]
    Equivocation { signed_size: u64, stored_size: u64, first_divergent: u64, detail: String },
    #[error("the checkpoint file {} cannot be used ({reason}): restore it from a backup", .path.display())]
    CheckpointFile { path: PathBuf, reason: String },
    #[error(
        "the log of {size} entries extends every checkpoint the ledger signed, so there is no rewritten \
         log to accept: start the ledger without --accept-rewritten-log"
    )]
    NothingToRecover { size: u64 },
    #[error(
        "the ledger database is at schema version {found}, newer than this build knows ({known}): \
         run the Outpost release that wrote it"
    )]
    NewerSchema { found: i64, known: i64 },
    /// An officer request refused: [`OfficerRefusal::status`] says whose fault it is.
    #[error(transparent)]
    OfficerRefused(OfficerRefusal),
    #[error(
        "this ledger already has officers, and founding officers are set once: enrol later officers \
         with `outpost officer add`"
    )]
    AlreadyFounded,
}

/// Longest memo on a credit, in bytes.
pub const MAX_CREDIT_MEMO: usize = 200;

/// How the ledger treats purses and offline transfers. Times are seconds.
#[derive(Debug, Clone)]
pub struct Policy {
    /// How long a purse certificate is valid for, from issue.
    pub purse_lifetime: u64,
    /// How long after a purse expires its transfers may still be uploaded. After it, what the
    /// purse still holds (unspent, or spent in transfers nobody uploaded) goes back to the
    /// member's account, and later uploads are refused.
    pub settlement_window: u64,
    /// The offline purse limit of a newly enrolled member, in minor units.
    pub default_purse_limit: u64,
    pub risk: risk::Rules,
    /// The two-person rule, its expiry and the credit caps.
    pub officers: officers::OfficerPolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            purse_lifetime: 7 * 86_400,
            settlement_window: 14 * 86_400,
            default_purse_limit: 20_000,
            risk: risk::Rules::default(),
            officers: officers::OfficerPolicy::default(),
        }
    }
}

/// A member as the officer sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub member_id: String,
    pub wallet: PublicIdentity,
    /// The online account. It can go negative when a double spend is debited.
    pub balance_minor: i64,
    /// What the member's purses still hold of the ledger's money.
    pub in_purses_minor: i64,
    pub purse_limit_minor: u64,
    /// Proved to have double spent, or in debt: no new purses.
    pub flagged: bool,
    pub enrolled_at: u64,
}

/// A purse as the officer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurseInfo {
    pub purse_id: MessageId,
    pub member_id: String,
    pub serial: u32,
    pub amount_minor: u64,
    pub outstanding_minor: i64,
    pub state: PurseState,
    pub expires_at: u64,
}

/// The exported log: every entry and a checkpoint over exactly them, for an offline audit.
#[derive(Debug, Clone)]
pub struct AuditExport {
    pub checkpoint: Checkpoint,
    pub entries: Vec<AuditEntry>,
}

/// An open ledger. `Send + Sync`; calls serialise on one database connection per process (write
/// transactions also serialise with every other process on the same database).
pub struct Ledger {
    db: Mutex<Db>,
    signer: LedgerSigner,
    currency: Currency,
    clock: Arc<dyn Clock>,
    policy: Policy,
    /// The newest checkpoint the witnesses cosigned, set by [`witnessing::Witnessing`] and read
    /// by every sync answer without waiting on a witness (docs/adr/0013-witnesses.md).
    witnessed: Mutex<Option<WitnessedNow>>,
    held: HeldCounter,
}

/// How long this process's committed write transactions held the database's write lock
/// (SQLite's single writer; on PostgreSQL the `log_head` row every write locks first), from the
/// lock taken to the commit. It is the part of the ledger's work that no second process can
/// share: one database serves at most one second of it a second (docs/adr/0019).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteLockHeld {
    /// Write transactions committed.
    pub transactions: u64,
    /// Their time holding the lock, summed.
    pub held: Duration,
}

#[derive(Debug, Default)]
struct HeldCounter {
    transactions: AtomicU64,
    nanos: AtomicU64,
}

impl HeldCounter {
    fn committed(&self, locked_at: Instant) {
        let nanos = u64::try_from(locked_at.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        self.transactions.fetch_add(1, Ordering::Relaxed);
    }
}

/// A cosigned checkpoint and its cosignatures in the compact form sync answers carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WitnessedNow {
    pub checkpoint: Checkpoint,
    pub cosignatures: Vec<outpost_wallet_core::protocol::witnessed::CompactCosignature>,
}

/// The connection, and what the ledger keeps derived from the log it holds: under one lock, so
/// that no call sees one without the other.
struct Db {
    store: Box<dyn Store>,
    log: LogCache,
    /// What the ledger signed, outside the database: consulted before every signature.
    signed: CheckpointLog,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("signer", &self.signer).field("currency", &self.currency).finish()
    }
}

impl Ledger {
    /// Opens the ledger in `dir` with the default [`Policy`], creating it (database and key) on
    /// first start. A ledger is created for one currency; opening it for another is refused.
    pub fn open(dir: &Path, currency: Currency, clock: Arc<dyn Clock>) -> Result<Ledger, LedgerError> {
        Self::open_with_policy(dir, currency, clock, Policy::default())
    }

    pub fn open_with_policy(
        dir: &Path,
        currency: Currency,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Result<Ledger, LedgerError> {
        Self::open_or_found(dir, &Database::Sqlite, currency, clock, policy, None)
    }

    /// [`Ledger::open_with_policy`] on `database`: the key file and the checkpoint file stay in
    /// `dir`; with PostgreSQL the tables are in the database, which several ledger processes
    /// (each with the same key) may share.
    pub fn open_on(
        dir: &Path,
        database: &Database,
        currency: Currency,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Result<Ledger, LedgerError> {
        Self::open_or_found(dir, database, currency, clock, policy, None)
    }

    /// [`Ledger::found`] on `database`.
    pub fn found_on(
        dir: &Path,
        database: &Database,
        currency: Currency,
        clock: Arc<dyn Clock>,
        policy: Policy,
        founders: &[String],
    ) -> Result<Ledger, LedgerError> {
        officers::check_founders(founders, policy.officers.threshold)?;
        Self::open_or_found(dir, database, currency, clock, policy, Some(founders))
    }

    /// Whether `dir` holds a ledger on `database` already: on SQLite its `ledger.db`; on
    /// PostgreSQL, where the database may hold the ledger already, the key file in `dir` says
    /// whether this directory's ledger was made. [`Ledger::open_for_serving`] decides by it.
    pub fn exists(dir: &Path, database: &Database) -> bool {
        match database {
            Database::Sqlite => dir.join("ledger.db").exists(),
            Database::Postgres(_) => dir.join("ledger.key").exists(),
        }
    }

    /// How a server starts on `dir`: the ledger already there (`founders` empty), or, when there
    /// is none yet ([`Ledger::exists`]) or `founders` are given, [`Ledger::found_on`] with them.
    pub fn open_for_serving(
        dir: &Path,
        database: &Database,
        currency: Currency,
        clock: Arc<dyn Clock>,
        policy: Policy,
        founders: &[String],
    ) -> Result<Ledger, LedgerError> {
        if Self::exists(dir, database) && founders.is_empty() {
            Self::open_on(dir, database, currency, clock, policy)
        } else {
            Self::found_on(dir, database, currency, clock, policy, founders)
        }
    }

    /// Creates a new ledger in `dir` with its founding officers, from the enrolment codes
    /// `outpost officer new` printed (each officer's self-signed enrolment: proof they hold their
    /// key). At least [`officers::OfficerPolicy::threshold`] founders are needed, or no act could
    /// ever be approved. A ledger begun by a build from before officers (it has none) is given
    /// its founders the same way, once, in its log. Refused when the ledger has officers: later
    /// officers are enrolled by officers.
    pub fn found(
        dir: &Path,
        currency: Currency,
        clock: Arc<dyn Clock>,
        policy: Policy,
        founders: &[String],
    ) -> Result<Ledger, LedgerError> {
        officers::check_founders(founders, policy.officers.threshold)?;
        Self::open_or_found(dir, &Database::Sqlite, currency, clock, policy, Some(founders))
    }

    fn open_or_found(
        dir: &Path,
        database: &Database,
        currency: Currency,
        clock: Arc<dyn Clock>,
        mut policy: Policy,
        founders: Option<&[String]>,
    ) -> Result<Ledger, LedgerError> {
        // The flags' words give amounts in the ledger's own currency.
        policy.risk.currency = currency;
        if policy.officers.threshold < officers::MIN_THRESHOLD {
            return Err(OfficerRefusal::ThresholdTooLow {
                given: policy.officers.threshold,
                least: officers::MIN_THRESHOLD,
            }
            .into());
        }
        let key_path = dir.join("ledger.key");
        // The key comes first: a new ledger refuses a key file left without its database rather
        // than adopt or overwrite it, and leaves no database behind when it refuses.
        let (mut store, signer): (Box<dyn Store>, LedgerSigner) = match database {
            Database::Sqlite => {
                let db_path = dir.join("ledger.db");
                let signer = if db_path.exists() {
                    key_file::load_key(&key_path)?
                } else {
                    key_file::create_key(&key_path)?
                };
                (Box::new(storage::sqlite::SqliteStore::open(&db_path)?), signer)
            }
            Database::Postgres(url) => {
                let mut store = storage::postgres::PostgresStore::open(url)?;
                let created = store.begin(Mode::Read)?.meta()?.is_some();
                let signer =
                    if created { key_file::load_key(&key_path)? } else { key_file::create_key(&key_path)? };
                (Box::new(store), signer)
            }
        };
        retrying(|| {
            let tx = store.begin(Mode::Write)?;
            match tx.meta()? {
                None => {
                    let now = clock.now_unix();
                    tx.insert_meta(&Meta {
                        public_key: signer.public_key().to_vec(),
                        currency: currency.code().to_owned(),
                        exponent: currency.exponent(),
                        created_at: now,
                    })?;
                    let detail = format!(
                        "ledger created for {}, key {}",
                        currency.code(),
                        hex::short(&signer.public_key())
                    );
                    let entry =
                        NewEntry::new(EntryKind::LedgerCreated, "", detail).subject(signer.public_key());
                    audit::append(&*tx, now, entry)?;
                    if let Some(founders) = founders {
                        officers::found(&*tx, now, founders, policy.officers.threshold)?;
                    }
                }
                Some(meta) => {
                    if meta.public_key != signer.public_key() {
                        return Err(LedgerError::KeyMismatch { path: key_path.clone() });
                    }
                    let stored = Currency::new(&meta.currency, meta.exponent)?;
                    if stored != currency {
                        return Err(LedgerError::WrongCurrency { ledger: stored, asked: currency });
                    }
                    if let Some(founders) = founders {
                        if !tx.active_officers()?.is_empty() {
                            return Err(LedgerError::AlreadyFounded);
                        }
                        officers::found(&*tx, clock.now_unix(), founders, policy.officers.threshold)?;
                    }
                }
            }
            tx.commit()
        })?;
        let signed = CheckpointLog::open(dir)?;
        let log = LogCache::new(policy.risk.clone());
        Ok(Ledger {
            db: Mutex::new(Db { store, log, signed }),
            signer,
            currency,
            clock,
            policy,
            witnessed: Mutex::new(None),
            held: HeldCounter::default(),
        })
    }

    /// The key wallets pin at enrolment and check purse certificates, checkpoints and sync
    /// responses against.
    pub fn public_key(&self) -> [u8; 32] {
        self.signer.public_key()
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Makes `witnessed` the checkpoint sync answers carry as witnessed.
    pub(crate) fn set_witnessed(&self, witnessed: WitnessedNow) {
        *self.witnessed.lock().unwrap_or_else(|e| e.into_inner()) = Some(witnessed);
    }

    pub(crate) fn witnessed(&self) -> Option<WitnessedNow> {
        self.witnessed.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Enrols the wallet whose enrolment QR text an officer scanned: its signature must verify
    /// (the wallet holds the key it presents), and neither the member id nor the wallet may be
    /// enrolled already.
    pub fn enrol(&self, enrolment_qr: &str) -> Result<Member, LedgerError> {
        let request = parse_enrolment(enrolment_qr)?;
        self.write(|tx, now| {
            if member_row(tx, &request.member_id)?.is_some() {
                return Err(LedgerError::AlreadyEnrolled { member_id: request.member_id.clone() });
            }
            refuse_known_wallet(tx, &request.identity.signing_key)?;
            tx.insert_member(
                &request.member_id,
                &request.identity.signing_key,
                &request.identity.agreement_key,
                minor(self.policy.default_purse_limit)?,
                now,
            )?;
            tx.insert_wallet_key(&request.identity.signing_key, &request.member_id)?;
            let detail =
                format!("enrolled {} with wallet {}", request.member_id, request.identity.fingerprint());
            let entry = NewEntry::new(EntryKind::MemberEnrolled, &request.member_id, detail)
                .subject(request.identity.signing_key)
                .evidence(request.to_bytes());
            audit::append(tx, now, entry)?;
            member_row(tx, &request.member_id)?.ok_or_else(|| inconsistent("the new member is missing"))
        })
    }

    /// Credits pay or an allowance to a member's online account. Returns the new balance in
    /// minor units (negative while a double-spend debit is not yet paid back). For the library's
    /// own callers; officers credit through [`Ledger::submit`] and [`Ledger::approve`].
    pub fn credit(&self, member_id: &str, amount: Amount, memo: &str) -> Result<i64, LedgerError> {
        let minor = self.check_credit(amount, memo)?;
        self.write(|tx, now| {
            credit_in(
                tx,
                now,
                member_id,
                minor,
                &format!("credited {amount} to {member_id}: {memo}"),
                memo,
                None,
            )
        })
    }

    /// The checks of a credit before anything is written; its amount in minor units.
    fn check_credit(&self, amount: Amount, memo: &str) -> Result<i64, LedgerError> {
        self.check_currency(amount)?;
        if amount.is_zero() {
            return Err(LedgerError::ZeroCredit);
        }
        if memo.len() > MAX_CREDIT_MEMO {
            return Err(LedgerError::MemoTooLong { max: MAX_CREDIT_MEMO });
        }
        Ok(i64::try_from(amount.minor()).map_err(|_| MoneyError::TooLarge)?)
    }

    /// Sets the most a member's next purse may hold. Purses already issued keep their amount.
    pub fn set_purse_limit(&self, member_id: &str, limit: Amount) -> Result<(), LedgerError> {
        self.check_currency(limit)?;
        i64::try_from(limit.minor()).map_err(|_| MoneyError::TooLarge)?;
        self.write(|tx, now| set_purse_limit_in(tx, now, member_id, limit, None))
    }

    /// Every member, by member id.
    pub fn members(&self) -> Result<Vec<Member>, LedgerError> {
        self.read(|tx| tx.members())
    }

    pub fn member(&self, member_id: &str) -> Result<Member, LedgerError> {
        self.read(|tx| known_member(tx, member_id))
    }

    /// A member's purses, newest first.
    pub fn purses(&self, member_id: &str) -> Result<Vec<PurseInfo>, LedgerError> {
        self.read(|tx| {
            known_member(tx, member_id)?;
            tx.purses_of(member_id)
        })
    }

    /// Revokes a purse: wallets learn it at their next sync and refuse transfers from it, its
    /// owner stops paying from it. Transfers made from it before still settle within the window;
    /// what it still holds after the window goes back to the member. Revoking twice does nothing.
    pub fn revoke_purse(&self, purse_id: &MessageId, reason: &str) -> Result<(), LedgerError> {
        check_reason(reason)?;
        self.write(|tx, now| settlement::revoke(tx, now, purse_id, reason))
    }

    /// Revokes a member's wallet (a lost or stolen phone): it may no longer sync, and every
    /// purse it holds is revoked. Returns the purses revoked. Replace it with
    /// [`Ledger::replace_device`].
    pub fn revoke_device(&self, member_id: &str, reason: &str) -> Result<Vec<MessageId>, LedgerError> {
        check_reason(reason)?;
        self.write(|tx, now| revoke_device_in(tx, now, member_id, reason, None))
    }

    /// Replaces a member's lost wallet with a new one, from the new wallet's enrolment QR text
    /// (for the same member id). The old wallet may no longer sync and its purses are revoked;
    /// what they still hold returns to the account once their settlement window has passed.
    /// Transfers to the old wallet still settle to the member.
    pub fn replace_device(&self, member_id: &str, enrolment_qr: &str) -> Result<Member, LedgerError> {
        let request = parse_replacement(member_id, enrolment_qr)?;
        self.write(|tx, now| replace_device_in(tx, now, member_id, &request, None))
    }

    /// Every risk flag, by the deterministic rules over the whole audit log.
    pub fn flags(&self) -> Result<Vec<risk::Flag>, LedgerError> {
        self.read_log(|conn, log| Ok(log.flags(conn)?.to_vec()))
    }

    /// Processes one wallet sync request (its bytes as received) and returns the signed response
    /// bytes. A repeated request gets the stored response and changes nothing.
    pub fn sync(&self, request: &[u8]) -> Result<Vec<u8>, LedgerError> {
        sync::handle(self, request)
    }

    /// Returns what purses hold after their settlement window to their members. Runs at every
    /// sync and may be run on a timer; running it twice does nothing more.
    pub fn sweep(&self) -> Result<u64, LedgerError> {
        retrying(|| {
            let mut db = self.db();
            let Db { store, log, .. } = &mut *db;
            let tx = store.begin(Mode::Write)?;
            let log = Uncommitted::new(log);
            let finished = settlement::sweep(&*tx, self.clock.now_unix(), self.policy.settlement_window)?;
            tx.commit()?;
            log.committed();
            Ok(finished)
        })
    }

    /// Total credited since the ledger was created, in minor units: what the accounts and purses
    /// must add up to.
    pub fn total_credited_minor(&self) -> Result<i64, LedgerError> {
        self.read(|tx| Ok(tx.totals()?.credited))
    }

    /// Checks the money invariant on the database (accounts plus purses equal everything
    /// credited), audits the whole log as an auditor would (every signature, every move, no
    /// unflagged negative balance), checks that replaying the log gives exactly the stored
    /// balances, and that what the ledger keeps derived from the log (its Merkle tree and risk
    /// flags) is what recomputing it from the stored log gives.
    pub fn check_invariants(&self) -> Result<AuditReport, LedgerError> {
        let export = self.export_audit()?;
        let report = log_format::audit_log(&export.entries, &export.checkpoint, &self.public_key())
            .map_err(|e| inconsistent(&format!("the audit log fails its audit: {e}")))?;
        self.read_log(|conn, log| self.check_stored(conn, log, &report))?;
        Ok(report)
    }

    /// The database half of [`Ledger::check_invariants`], in one snapshot.
    fn check_stored(
        &self,
        conn: &dyn Tx,
        log: &mut LogCache,
        report: &AuditReport,
    ) -> Result<(), LedgerError> {
        let storage::Totals { accounts, purses, credited, loss } = conn.totals()?;
        if accounts.checked_add(purses).and_then(|held| held.checked_add(loss)) != Some(credited) {
            return Err(inconsistent(&format!(
                "accounts hold {accounts} and purses {purses} minor units and the loss account {loss}, but \
                 {credited} were credited"
            )));
        }
        for (account, balance) in &report.balances {
            let stored: Option<i64> = match account {
                Account::Outside => Some(-credited),
                Account::Loss => Some(loss),
                Account::Member(id) => conn.member(id)?.map(|m| m.balance_minor),
                Account::Purse(id) => conn.purse(id)?.map(|p| p.outstanding),
            };
            if stored != Some(*balance) {
                return Err(inconsistent(&format!(
                    "the log gives {account:?} {balance} but the database holds {stored:?}"
                )));
            }
        }
        check_log_cache(conn, log, &self.policy.risk)
    }

    /// The audit log from entry `from` (0-based), up to `limit` entries.
    pub fn audit_entries(&self, from: u64, limit: u32) -> Result<Vec<AuditEntry>, LedgerError> {
        self.read(|tx| audit::entries(tx, from, limit))
    }

    /// The number of audit-log entries and the Merkle root over all of them, as stored (so a
    /// changed entry changes the root).
    pub fn audit_root(&self) -> Result<(u64, Hash), LedgerError> {
        self.read_log(|conn, log| {
            let tree = log.tree(conn)?;
            Ok((tree.view.size(), tree.view.root()))
        })
    }

    /// A checkpoint over the whole log, signed now; refused with [`LedgerError::Equivocation`]
    /// if the log does not extend the last checkpoint the ledger signed.
    pub fn checkpoint(&self) -> Result<Checkpoint, LedgerError> {
        self.read_and_sign(|conn, log, signing| {
            let tree = log.tree(conn)?;
            signing.sign(&self.signer, conn, &tree, self.clock.now_unix())
        })
    }

    /// Accepts the log as it stands although it does not extend the last checkpoint the ledger
    /// signed: an officer's deliberate act after restoring `ledger.db` from a backup. Recorded in
    /// the checkpoint file with `reason` and logged; signing resumes from this log. Refused when
    /// the reason is empty, when the log still extends what was signed, and when the log fails its
    /// own audit (a restore must bring back a whole, balanced log). Wallets and auditors holding a
    /// checkpoint of the old log still see the rewrite: nothing here can hide it.
    pub fn accept_rewritten_log(&self, reason: &str) -> Result<Recovery, LedgerError> {
        check_reason(reason)?;
        let now = self.clock.now_unix();
        let mut db = self.db();
        let Db { store, log, signed } = &mut *db;
        let signing = signed.lock()?;
        let snapshot = store.begin(Mode::Write)?;
        let mut log = Uncommitted::new(log);
        let entries = audit::entries(&*snapshot, 0, u32::MAX)?;
        let tree = log.tree(&*snapshot)?;
        // Checked with a signature that never leaves this function: the audit needs one.
        let unpublished = self.signer.checkpoint(tree.view.size(), tree.view.root(), now);
        log_format::audit_log(&entries, &unpublished, &self.public_key()).map_err(|e| {
            inconsistent(&format!("the log to accept fails its own audit, so it is not accepted: {e}"))
        })?;
        let recovery = signing.recover(&*snapshot, &tree, now, reason)?;
        snapshot.commit()?;
        log.committed();
        tracing::warn!(
            old_size = recovery.old_size,
            old_root = %hex::short(&recovery.old_root),
            new_size = recovery.new_size,
            new_root = %hex::short(&recovery.new_root),
            kept = recovery.kept,
            reason,
            "an officer accepted a rewritten log: signing resumes from it. What was found: {}",
            recovery.finding
        );
        Ok(recovery)
    }

    /// A checkpoint signed now and the proof that the log's first `from` entries are unchanged
    /// in it, read in one snapshot (so the proof is to exactly the checkpoint's size).
    pub fn consistency(&self, from: u64) -> Result<(Checkpoint, Vec<Hash>), LedgerError> {
        self.read_and_sign(|conn, log, signing| {
            let tree = log.tree(conn)?;
            let size = tree.view.size();
            if from > size {
                return Err(LedgerError::BeyondLog { from, size });
            }
            let proof = proof_or_empty(tree.view.consistency_proof(from))?;
            let checkpoint = signing.sign(&self.signer, conn, &tree, self.clock.now_unix())?;
            Ok((checkpoint, proof))
        })
    }

    /// The proof that the log's first `from` entries are unchanged in its first `to` (RFC 6962),
    /// for checkpoints already signed: a witness asks for it from the size it last cosigned.
    pub fn consistency_proof_between(&self, from: u64, to: u64) -> Result<Vec<Hash>, LedgerError> {
        self.read_log(|conn, log| {
            let tree = log.tree(conn)?;
            let size = tree.view.size();
            if from > to || to > size {
                return Err(LedgerError::BeyondLog { from: from.max(to), size });
            }
            if from == 0 || from == to {
                return Ok(Vec::new());
            }
            if to == size {
                return proof_or_empty(tree.view.consistency_proof(from));
            }
            let leaves = tree.view.leaf_hashes().get(..to as usize).unwrap_or_default();
            proof_or_empty(merkle::consistency_proof(leaves, from))
        })
    }

    /// The proof that entry `index` is in the whole log.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Hash>, LedgerError> {
        self.read_log(|conn, log| {
            log.tree(conn)?.view.inclusion_proof(index).map_err(|e| inconsistent(&e.to_string()))
        })
    }

    /// The whole log with a checkpoint over exactly it, read in one snapshot.
    pub fn export_audit(&self) -> Result<AuditExport, LedgerError> {
        self.read_and_sign(|conn, log, signing| {
            let tree = log.tree(conn)?;
            let checkpoint = signing.sign(&self.signer, conn, &tree, self.clock.now_unix())?;
            let entries = audit::entries(conn, 0, u32::MAX)?;
            if entries.len() as u64 != checkpoint.size {
                return Err(inconsistent("the exported entries are not the leaves of the ledger's tree"));
            }
            Ok(AuditExport { checkpoint, entries })
        })
    }

    fn check_currency(&self, amount: Amount) -> Result<(), LedgerError> {
        if amount.currency() != self.currency {
            return Err(LedgerError::WrongCurrency { ledger: self.currency, asked: amount.currency() });
        }
        Ok(())
    }

    fn db(&self) -> MutexGuard<'_, Db> {
        // Every write is one transaction, rolled back if a panic unwinds through it, and the log
        // cache forgets what it read in a transaction that did not commit.
        self.db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on one snapshot of the database.
    fn read<T>(&self, f: impl Fn(&dyn Tx) -> Result<T, LedgerError>) -> Result<T, LedgerError> {
        retrying(|| {
            let mut db = self.db();
            let snapshot = db.store.begin(Mode::Read)?;
            f(&*snapshot)
        })
    }

    /// Runs `f` with the log cache caught up with one snapshot of the database.
    fn read_log<T>(
        &self,
        f: impl Fn(&dyn Tx, &mut LogCache) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        retrying(|| {
            let mut db = self.db();
            let Db { store, log, .. } = &mut *db;
            let snapshot = store.begin(Mode::Read)?;
            f(&*snapshot, log)
        })
    }

    /// [`Ledger::read_log`] for a call that signs a checkpoint of the snapshot: the checkpoint
    /// file is locked before the snapshot is taken (so it holds every record of a tree the
    /// snapshot sees), and what `f` signed is recorded before it is returned. The transaction
    /// writes (the database keeps the largest checkpoint any process signed), so it is
    /// serialized with every write.
    fn read_and_sign<T>(
        &self,
        f: impl Fn(&dyn Tx, &mut LogCache, &mut Signing<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        retrying(|| {
            let mut db = self.db();
            let Db { store, log, signed } = &mut *db;
            let mut signing = signed.lock()?;
            let tx = store.begin(Mode::Write)?;
            let locked_at = Instant::now();
            let mut log = Uncommitted::new(log);
            let out = f(&*tx, &mut log, &mut signing)?;
            tx.commit()?;
            self.held.committed(locked_at);
            log.committed();
            signing.record()?;
            Ok(out)
        })
    }

    /// Runs `f` in one write transaction at the ledger's time now, after returning what
    /// purses past their window hold; commits if it succeeds. Run again, from the start, when the
    /// database says only to try again (a serialization failure or deadlock).
    fn write<T>(&self, mut f: impl FnMut(&dyn Tx, u64) -> Result<T, LedgerError>) -> Result<T, LedgerError> {
        retrying(|| {
            let mut db = self.db();
            let Db { store, log, .. } = &mut *db;
            let tx = store.begin(Mode::Write)?;
            let locked_at = Instant::now();
            let log = Uncommitted::new(log);
            let now = self.clock.now_unix();
            settlement::sweep(&*tx, now, self.policy.settlement_window)?;
            let out = f(&*tx, now)?;
            tx.commit()?;
            self.held.committed(locked_at);
            log.committed();
            Ok(out)
        })
    }

    /// [`Ledger::write`] for a change whose answer signs a checkpoint of the log with the change
    /// made (a sync's). The checkpoint file is locked inside the transaction, which no other
    /// writer can pass, and the checkpoint is recorded once the transaction has committed, so the
    /// file never holds a tree the database does not. A crash between the two leaves the log
    /// extending the last record, which is all the next check needs. Not retried here: `f` takes
    /// its uploads as they are verified, so the caller runs the whole sync again.
    fn write_and_sign<T>(
        &self,
        f: impl FnOnce(&dyn Tx, u64, &mut LogCache, &mut Signing<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut db = self.db();
        let Db { store, log, signed } = &mut *db;
        let tx = store.begin(Mode::Write)?;
        let locked_at = Instant::now();
        let mut signing = signed.lock()?;
        let mut log = Uncommitted::new(log);
        let now = self.clock.now_unix();
        settlement::sweep(&*tx, now, self.policy.settlement_window)?;
        let out = f(&*tx, now, &mut log, &mut signing)?;
        tx.commit()?;
        self.held.committed(locked_at);
        log.committed();
        signing.record()?;
        Ok(out)
    }

    /// Which database backend this ledger runs on (`sqlite`, `postgres`).
    pub fn backend(&self) -> &'static str {
        self.db().store.backend()
    }

    /// How long this process's write transactions have held the database's write lock since the
    /// ledger was opened (`outpost bench --backends` reports it per sync).
    pub fn write_lock_held(&self) -> WriteLockHeld {
        WriteLockHeld {
            transactions: self.held.transactions.load(Ordering::Relaxed),
            held: Duration::from_nanos(self.held.nanos.load(Ordering::Relaxed)),
        }
    }
}

/// Runs `f` until it succeeds or fails with an error that is not [`storage::is_retryable`], at
/// most [`storage::RETRIES`] more times, with a short growing pause.
pub(crate) fn retrying<T>(mut f: impl FnMut() -> Result<T, LedgerError>) -> Result<T, LedgerError> {
    let mut attempt = 0;
    loop {
        match f() {
            Err(e) if storage::is_retryable(&e) && attempt < storage::RETRIES => {
                attempt += 1;
                tracing::debug!(attempt, error = %e, "transaction to be run again");
                std::thread::sleep(std::time::Duration::from_millis(2 * attempt as u64));
            }
            other => return other,
        }
    }
}

/// Records that an officer reported the member's current device lost: from now on double spends
/// proved from its purses are carried by the loss account, not the member (docs/adr/0010).
/// A credit, with the officers' authorisation when they made it.
fn credit_in(
    tx: &dyn Tx,
    now: u64,
    member_id: &str,
    minor: i64,
    detail: &str,
    memo: &str,
    authorisation: Option<Vec<u8>>,
) -> Result<i64, LedgerError> {
    let member = known_member(tx, member_id)?;
    tx.insert_credit(member_id, minor, memo, now)?;
    let mut entry = NewEntry::new(EntryKind::Credited, member_id, detail)
        .moving(Account::Outside, -minor)
        .moving(Account::Member(member_id.to_owned()), minor);
    if let Some(authorisation) = authorisation {
        entry = entry.evidence(authorisation);
    }
    settlement::add_to_account(tx, member_id, minor)?;
    audit::append(tx, now, entry)?;
    Ok(member.balance_minor.checked_add(minor).ok_or(MoneyError::TooLarge)?)
}

fn set_purse_limit_in(
    tx: &dyn Tx,
    now: u64,
    member_id: &str,
    limit: Amount,
    authorisation: Option<Vec<u8>>,
) -> Result<(), LedgerError> {
    let minor = i64::try_from(limit.minor()).map_err(|_| MoneyError::TooLarge)?;
    known_member(tx, member_id)?;
    tx.set_purse_limit(member_id, minor)?;
    let mut subject = [0u8; 32];
    subject[..8].copy_from_slice(&limit.minor().to_be_bytes());
    let mut entry = NewEntry::new(
        EntryKind::PurseLimitSet,
        member_id,
        format!("purse limit of {member_id} set to {limit}"),
    )
    .subject(subject);
    if let Some(authorisation) = authorisation {
        entry = entry.evidence(authorisation);
    }
    audit::append(tx, now, entry)?;
    Ok(())
}

fn revoke_device_in(
    tx: &dyn Tx,
    now: u64,
    member_id: &str,
    reason: &str,
    authorisation: Option<Vec<u8>>,
) -> Result<Vec<MessageId>, LedgerError> {
    let member = known_member(tx, member_id)?;
    if tx.retire_wallet_key(&member.wallet.signing_key, Key::Revoked)? {
        report_lost(tx, now, &member, reason, authorisation)?;
    }
    settlement::revoke_all(tx, now, member_id, reason)
}

/// The new wallet's enrolment, refused when it is for another member.
fn parse_replacement(member_id: &str, enrolment_qr: &str) -> Result<EnrolmentRequest, LedgerError> {
    let request = parse_enrolment(enrolment_qr)?;
    if request.member_id != member_id {
        return Err(LedgerError::EnrolmentForAnotherMember {
            expected: member_id.to_owned(),
            found: request.member_id,
        });
    }
    Ok(request)
}

fn replace_device_in(
    tx: &dyn Tx,
    now: u64,
    member_id: &str,
    request: &EnrolmentRequest,
    authorisation: Option<Vec<u8>>,
) -> Result<Member, LedgerError> {
    let member = known_member(tx, member_id)?;
    refuse_known_wallet(tx, &request.identity.signing_key)?;
    if tx.retire_wallet_key(&member.wallet.signing_key, Key::Replaced)? {
        report_lost(tx, now, &member, "device replaced", authorisation.clone())?;
    }
    settlement::revoke_all(tx, now, member_id, "device replaced")?;
    tx.insert_wallet_key(&request.identity.signing_key, member_id)?;
    tx.set_member_wallet(member_id, &request.identity.signing_key, &request.identity.agreement_key)?;
    let detail = format!(
        "wallet of {member_id} replaced: {} → {}",
        member.wallet.fingerprint(),
        request.identity.fingerprint()
    );
    let mut entry = NewEntry::new(EntryKind::DeviceReplaced, member_id, detail)
        .subject(request.identity.signing_key)
        .evidence(request.to_bytes());
    if let Some(authorisation) = authorisation {
        entry = entry.evidence(authorisation);
    }
    audit::append(tx, now, entry)?;
    known_member(tx, member_id)
}

fn report_lost(
    conn: &dyn Tx,
    now: u64,
    member: &Member,
    reason: &str,
    authorisation: Option<Vec<u8>>,
) -> Result<(), LedgerError> {
    let detail = format!(
        "device {} of {} reported lost ({reason}): double spends proved from its purses from now on are the \
         ministry's loss, not the member's",
        member.wallet.fingerprint(),
        member.member_id
    );
    let mut entry =
        NewEntry::new(EntryKind::DeviceLost, &member.member_id, detail).subject(member.wallet.signing_key);
    if let Some(authorisation) = authorisation {
        entry = entry.evidence(authorisation);
    }
    audit::append(conn, now, entry)?;
    Ok(())
}

/// Checks that the tree and the flags the ledger keeps are those the stored log gives when
/// everything is recomputed: every stored leaf hashed afresh, the rules run over every entry at
/// once. `conn` reads one snapshot.
fn check_log_cache(conn: &dyn Tx, log: &mut LogCache, rules: &risk::Rules) -> Result<(), LedgerError> {
    let mut leaves = Vec::new();
    audit::for_each_leaf(conn, 0, u32::MAX, |_, leaf| {
        leaves.push(merkle::leaf_hash(leaf));
        Ok(())
    })?;
    let tree = log.tree(conn)?;
    if (tree.view.size(), tree.view.root()) != (leaves.len() as u64, merkle::root(&leaves)) {
        return Err(inconsistent("the ledger's Merkle tree is not the tree of its stored log"));
    }
    let entries = audit::entries(conn, 0, u32::MAX)?;
    if log.flags(conn)? != risk::evaluate(&log_cache::risk_inputs(&entries), rules) {
        return Err(inconsistent("the ledger's risk flags are not those its stored log gives"));
    }
    Ok(())
}

fn proof_or_empty(proof: Result<Vec<Hash>, merkle::MerkleError>) -> Result<Vec<Hash>, LedgerError> {
    match proof {
        Ok(proof) => Ok(proof),
        // An empty old tree is a prefix of every tree: nothing to prove.
        Err(merkle::MerkleError::EmptyTree) => Ok(Vec::new()),
        Err(e) => Err(inconsistent(&e.to_string())),
    }
}

fn check_reason(reason: &str) -> Result<(), LedgerError> {
    if reason.trim().is_empty() || reason.len() > MAX_CREDIT_MEMO {
        return Err(LedgerError::BadText { field: "the reason", max: MAX_CREDIT_MEMO });
    }
    Ok(())
}

fn parse_enrolment(enrolment_qr: &str) -> Result<EnrolmentRequest, LedgerError> {
    let request = EnrolmentRequest::from_bytes(&qr::expect(enrolment_qr, PayloadKind::Enrolment)?)?;
    request.verify()?;
    Ok(request)
}

fn refuse_known_wallet(conn: &dyn Tx, key: &[u8; 32]) -> Result<(), LedgerError> {
    match conn.wallet_key(key)? {
        Some((member_id, _)) => Err(LedgerError::WalletAlreadyEnrolled { member_id }),
        None => Ok(()),
    }
}

/// An amount in minor units as the database stores it; refused above `i64::MAX`, never wrapped.
pub(crate) fn minor(amount: u64) -> Result<i64, LedgerError> {
    i64::try_from(amount).map_err(|_| LedgerError::Money(MoneyError::TooLarge))
}

pub(crate) fn inconsistent(detail: &str) -> LedgerError {
    LedgerError::Inconsistent { detail: detail.to_owned() }
}

pub(crate) fn member_row(conn: &dyn Tx, member_id: &str) -> Result<Option<Member>, LedgerError> {
    conn.member(member_id)
}

pub(crate) fn known_member(conn: &dyn Tx, member_id: &str) -> Result<Member, LedgerError> {
    member_row(conn, member_id)?.ok_or_else(|| LedgerError::UnknownMember { member_id: member_id.to_owned() })
}

/// What `outpost-ledger migrate` copied and proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// Rows copied, by table.
    pub rows: Vec<(&'static str, usize)>,
    /// The log's size and Merkle root, the same on both.
    pub size: u64,
    pub root: Hash,
}

impl Ledger {
    /// Copies the SQLite ledger in `dir` (its `ledger.db`) into the empty PostgreSQL database
    /// `to`, in one transaction, and proves the copy: the two logs have the same leaves and the
    /// same root, and the invariants (money, offline audit, tree and flags) pass on both. The key
    /// and checkpoint files stay in `dir`: a ledger opened on `to` with `--dir dir` is the same
    /// ledger, and every checkpoint it signed still holds.
    pub fn migrate(
        dir: &Path,
        to: &Database,
        currency: Currency,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Result<Migration, LedgerError> {
        let Database::Postgres(url) = to else {
            return Err(storage_error("migrate copies into PostgreSQL: give --database postgres://…"));
        };
        if !dir.join("ledger.db").exists() {
            return Err(storage_error(format!("no ledger.db in {} to copy", dir.display())));
        }
        let from = Ledger::open_on(dir, &Database::Sqlite, currency, clock.clone(), policy.clone())?;
        from.check_invariants()?;
        let rows = from.read(|tx| tx.export())?;
        let mut target = storage::postgres::PostgresStore::open(url)?;
        {
            let tx = target.begin(Mode::Write)?;
            if tx.meta()?.is_some() || tx.next_seq()? > 0 {
                return Err(storage_error(
                    "the PostgreSQL database already holds a ledger: migrate copies into an empty one",
                ));
            }
            tx.import(&rows)?;
            tx.commit()?;
        }
        drop(target);
        let copy = Ledger::open_on(dir, to, currency, clock, policy)?;
        let leaves = |ledger: &Ledger| -> Result<Vec<Vec<u8>>, LedgerError> {
            ledger.read(|tx| {
                let mut leaves = Vec::new();
                audit::for_each_leaf(tx, 0, u32::MAX, |_, leaf| {
                    leaves.push(leaf.to_vec());
                    Ok(())
                })?;
                Ok(leaves)
            })
        };
        if leaves(&from)? != leaves(&copy)? {
            return Err(inconsistent("the copied log's leaves differ from the SQLite ledger's"));
        }
        let (size, root) = from.audit_root()?;
        if copy.audit_root()? != (size, root) {
            return Err(inconsistent("the copied log's root differs from the SQLite ledger's"));
        }
        copy.check_invariants()?;
        if from.read(|tx| tx.totals())? != copy.read(|tx| tx.totals())? {
            return Err(inconsistent("the copy's totals differ from the SQLite ledger's"));
        }
        Ok(Migration { rows: rows.iter().map(|(table, rows)| (*table, rows.len())).collect(), size, root })
    }
}
