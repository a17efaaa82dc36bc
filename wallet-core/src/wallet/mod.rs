//! A wallet: one encrypted file, its keys, and the lifecycle apps drive.
//!
//! ```text
//! create(path, PIN, currency, protector) ─► unlocked
//! open(path, protector) ─► locked ──unlock(PIN)──► unlocked ──lock()──► locked
//! ```
//!
//! A locked wallet can still tell who it is ([`Wallet::public_identity`]); everything else needs
//! the data key, which exists in memory only while unlocked and is zeroized on lock and on drop
//! (as are the identity secrets opened with it at unlock).
//!
//! Threading: a `Wallet` is `Send + Sync`; every method takes `&self` and serialises on one
//! internal lock, so the app may call from any thread. [`Wallet::unlock`] and
//! [`Wallet::change_pin`] run Argon2id and the key protector: they block for a noticeable time
//! and belong off the UI thread.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Transaction};
use thiserror::Error;

use crate::clock::{Clock, SystemClock};
use crate::encoding::{Reader, Writer};
use crate::envelope::EnvelopeError;
use crate::event_log::{Event, EventKind, EventLog, LinkFault, LogError, LogReport};
use crate::identity::{Identity, PublicIdentity};
use crate::money::{Amount, Currency, MoneyError};
use crate::protocol::{MessageId, ProtocolError};
use crate::qr::QrError;
use crate::store::{Store, StoreError};
use crate::vault::attempts::{Attempts, Gate};
use crate::vault::{DataKey, KdfParams, KeyProtector, Pin, PinWrap, RowRef, VaultError, random_bytes};

#[cfg(feature = "fixtures")]
#[doc(hidden)]
pub mod fixture;
mod open_purses;
mod payments;
mod records;
mod sightings;
mod sync;
mod sync_lines;
mod witnesses;

pub(crate) use payments::short_id;
pub use payments::{
    Accepted, Confirmed, CreatedRequest, Direction, HeldAtLedger, HeldReason, HistoryEntry, Payment,
};
pub use records::{Contact, MAX_CONTACT_LABEL, TransferStatus};
pub use sightings::{CheckpointSeen, ForkProof, ProofFailure, UnprovedPair};
pub use sync::{SyncOptions, SyncReport};
pub use sync_lines::{SyncLine, notice_words};

const BALANCE_VERSION: u8 = 1;

/// Errors from wallet operations. Each wraps its area's error, whose message is fit to show.
#[derive(Debug, Error)]
// Exhaustive on purpose: bindings/src/error.rs maps every variant for Kotlin, Swift and Python,
// and a new variant must fail that build until it is mapped.
pub enum WalletError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("the wallet is locked: unlock it with the PIN first")]
    Locked,
    #[error("the wallet's history is broken at entry {seq} ({fault}): restore the wallet file from a backup")]
    LogBroken { seq: u64, fault: LinkFault },
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    #[error("{0}")]
    Qr(#[from] QrError),
    #[error("{0}")]
    Envelope(#[from] EnvelopeError),
    #[error("this wallet is not enrolled yet (no ledger key pinned): enrol it with your finance officer")]
    NotEnrolled,
    #[error(
        "this wallet already trusts a different ledger key and is never moved to another ledger: check you are syncing with your own unit's ledger"
    )]
    LedgerKeyMismatch,
    #[error("this purse certificate was issued to another wallet: it cannot be loaded here")]
    NotMyPurse,
    #[error("the amount is in {}, but this wallet holds {}: give the amount in {}", .found.code(), .expected.code(), .expected.code())]
    WrongCurrency { expected: Currency, found: Currency },
    #[error(
        "no usable offline purse (none loaded yet, or all expired or revoked): sync with the ledger to load one"
    )]
    NoPurse,
    #[error(
        "not enough in the offline purse ({asked} asked, at most {remaining} can be paid from one \
         purse): sync to load more"
    )]
    InsufficientPurse { remaining: Amount, asked: Amount },
    #[error("the offline purse has made as many transfers as it can: sync for a new one")]
    PurseExhausted,
    #[error("this is your own wallet's code: a wallet cannot pay itself")]
    SelfPayment,
    #[error("the request asks for {requested} but {offered} was offered: pay the amount asked")]
    AmountMismatch { requested: Amount, offered: Amount },
    #[error("the request leaves the amount open: say how much to pay")]
    AmountRequired,
    #[error(
        "this request was already paid by transfer {}: show that transfer again instead",
        payments::short_id(.transfer_id)
    )]
    AlreadyPaid { transfer_id: MessageId },
    #[error("this transfer is addressed to another wallet: it was not meant for you")]
    NotAddressedToMe,
    #[error("this transfer answers a payment request this wallet never made: it was not meant for you")]
    UnknownRequest,
    #[error("that payment request was already paid by another transfer: nothing more was credited")]
    RequestAlreadyPaid,
    #[error(
        "the purse {} this transfer spends from was revoked by the ledger: refused, ask to be paid another way",
        payments::short_id(.purse_id)
    )]
    PurseRevoked { purse_id: MessageId },
    #[error("transfer #{seq} does not continue the purse's chain this wallet holds ({reason}): refused")]
    BrokenChain { seq: u32, reason: &'static str },
    #[error(
        "double spend: member {member_id} signed transfer #{seq} of purse {} twice, so this one was not \
         credited and both are kept as evidence for the ledger",
        payments::short_id(.purse_id)
    )]
    DoubleSpend { member_id: String, purse_id: MessageId, seq: u32 },
    #[error("no transfer {} was sent from this wallet: scan the receipt for a transfer you made", payments::short_id(.transfer_id))]
    UnknownTransfer { transfer_id: MessageId },
    #[error(
        "this receipt is signed by someone other than the transfer's receiver: ask the receiver to show theirs"
    )]
    ReceiptFromStranger,
    #[error("{0}")]
    Transport(#[from] crate::transport::TransportError),
    /// The ledger's log does not extend the checkpoint this wallet holds: it rewrote or dropped
    /// history. Nothing from its answer was applied.
    #[error(
        "the ledger's answer breaks its own history ({0}), so nothing from it was applied: tell your finance officer"
    )]
    LedgerHistory(#[from] crate::protocol::CheckpointError),
    #[error(
        "the ledger's answer does not prove what it claims ({reason}), so nothing from it was applied: sync again later"
    )]
    BadLedgerProof { reason: String },
    /// The answer does not meet the witness policy pinned with [`Wallet::pin_witnesses`] (or the
    /// policy given could not be pinned). Nothing from the answer was applied.
    #[error(transparent)]
    Witnesses(#[from] crate::protocol::witnessed::WitnessError),
}

impl From<LogError> for WalletError {
    fn from(e: LogError) -> Self {
        match e {
            LogError::BrokenLink { seq, fault } => WalletError::LogBroken { seq, fault },
            LogError::Store(e) => WalletError::Store(e),
            LogError::Vault(e) => WalletError::Vault(e),
        }
    }
}

impl From<rusqlite::Error> for WalletError {
    fn from(e: rusqlite::Error) -> Self {
        WalletError::Store(e.into())
    }
}

/// How a wallet is opened: the Argon2id target for new and upgraded PIN wraps, and the clock.
#[derive(Clone)]
pub struct WalletOptions {
    /// Parameters for new PIN wraps. A wallet wrapped with cheaper parameters is re-wrapped
    /// with these after its next good unlock; a dearer wrap is never downgraded.
    pub kdf: KdfParams,
    pub clock: Arc<dyn Clock>,
}

impl Default for WalletOptions {
    fn default() -> Self {
        Self { kdf: KdfParams::DEFAULT, clock: Arc::new(SystemClock) }
    }
}

/// The clear-text record of a wallet: what it is and who it is, readable while locked.
#[derive(Debug, Clone)]
struct Record {
    wallet_id: [u8; 16],
    public: PublicIdentity,
    currency: Currency,
    created_at: u64,
}

/// What the wallet holds, as amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balances {
    /// The online account balance as of the last sync with the ledger (zero when it is below
    /// zero: see `owed`).
    pub online: Amount,
    /// What the member owes the ledger: the online account below zero, after a double-spend
    /// debit.
    pub owed: Amount,
    /// What the offline purses can still pay (expired and revoked purses count nothing).
    pub offline_purse: Amount,
    /// Received offline and not yet settled by the ledger.
    pub pending_incoming: Amount,
    /// Sent offline and not yet settled by the ledger (already taken from the purse).
    pub pending_outgoing: Amount,
}

struct State {
    store: Store,
    unlocked: Option<Unlocked>,
}

/// What an unlocked wallet holds in memory until `lock` (both zeroized on drop): the data key,
/// and the identity opened from its sealed row at unlock. Keeping the identity costs nothing in
/// exposure, since the data key opens that row anyway, and saves every payment, accept and
/// sync a row read, an opening and the derivation of both public keys.
struct Unlocked {
    key: DataKey,
    identity: Identity,
}

/// An Outpost wallet file, opened. See the module documentation for the lifecycle.
pub struct Wallet {
    state: Mutex<State>,
    record: Record,
    protector: Arc<dyn KeyProtector>,
    options: WalletOptions,
    path: PathBuf,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("path", &self.path)
            .field("identity", &self.record.public)
            .field("unlocked", &self.is_unlocked())
            .finish()
    }
}

impl Wallet {
    /// Creates a new wallet file at `path` with fresh keys, and returns it unlocked.
    ///
    /// Blocking: runs Argon2id and the key protector. Refuses to overwrite any existing file.
    pub fn create(
        path: impl AsRef<Path>,
        pin: &Pin,
        currency: Currency,
        protector: Arc<dyn KeyProtector>,
        options: WalletOptions,
    ) -> Result<Wallet, WalletError> {
        let path = path.as_ref();
        let identity = Identity::generate()?;
        let key = DataKey::generate()?;
        let mut wallet_id = [0u8; 16];
        random_bytes(&mut wallet_id)?;
        let record =
            Record { wallet_id, public: identity.public(), currency, created_at: options.clock.now_unix() };
        let wrap = PinWrap::wrap(&key, pin, options.kdf, &wallet_id)?;
        let protected = protector.wrap(&wrap.encode()).map_err(VaultError::from)?;

        let store = Store::create(path, |tx| -> Result<(), WalletError> {
            tx.execute(
                "INSERT INTO wallet (id, wallet_id, signing_public, agreement_public, currency,
                                     currency_exponent, created_at)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
                (
                    &wallet_id[..],
                    &record.public.signing_key[..],
                    &record.public.agreement_key[..],
                    currency.code(),
                    currency.exponent(),
                    record.created_at as i64,
                ),
            )?;
            tx.execute("INSERT INTO key_record (id, protected) VALUES (1, ?1)", [&protected])?;
            tx.execute("INSERT INTO pin_attempts (id, failures, not_before) VALUES (1, 0, 0)", [])?;
            let secret = key.seal(row(&wallet_id, "secret", b"identity"), &identity.encode_secret())?;
            tx.execute("INSERT INTO secret (name, sealed) VALUES ('identity', ?1)", [secret])?;
            for name in ["online", "pending_in", "pending_out"] {
                write_balance(tx, &key, &wallet_id, name, Amount::zero(currency))?;
            }
            let log = EventLog { key: &key, wallet_id: &wallet_id };
            let detail = format!("key fingerprint {}, currency {currency}", record.public.fingerprint());
            log.append(tx, record.created_at, EventKind::WalletCreated, &detail)?;
            Ok(())
        })?;
        Ok(Wallet {
            state: Mutex::new(State { store, unlocked: Some(Unlocked { key, identity }) }),
            record,
            protector,
            options,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing wallet file, locked. Cheap: no key work happens until [`Wallet::unlock`].
    pub fn open(
        path: impl AsRef<Path>,
        protector: Arc<dyn KeyProtector>,
        options: WalletOptions,
    ) -> Result<Wallet, WalletError> {
        let path = path.as_ref();
        let store = Store::open(path)?;
        let record = read_record(store.conn())?;
        Ok(Wallet {
            state: Mutex::new(State { store, unlocked: None }),
            record,
            protector,
            options,
            path: path.to_path_buf(),
        })
    }

    /// The wallet's public keys; available while locked.
    pub fn public_identity(&self) -> PublicIdentity {
        self.record.public
    }

    /// The random id that binds this wallet's sealed rows to this wallet.
    pub fn wallet_id(&self) -> [u8; 16] {
        self.record.wallet_id
    }

    pub fn currency(&self) -> Currency {
        self.record.currency
    }

    /// Device time (Unix seconds) at creation.
    pub fn created_at(&self) -> u64 {
        self.record.created_at
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_unlocked(&self) -> bool {
        self.state().unlocked.is_some()
    }

    /// Unlocks with the PIN. Blocking (key protector, then Argon2id): call off the UI thread.
    ///
    /// A wrong PIN is counted durably *before* it is checked; see
    /// [`crate::vault::attempts`] for the delays and the lock-out. Unlocking an unlocked wallet
    /// does nothing and counts nothing.
    pub fn unlock(&self, pin: &Pin) -> Result<(), WalletError> {
        let mut state = self.state();
        if state.unlocked.is_some() {
            return Ok(());
        }
        let (key, wrap) = self.check_pin(&mut state.store, pin)?;
        // Proves the secrets are whole and match the clear public keys before reporting success.
        let identity = self.load_identity(state.store.conn(), &key)?;
        if self.options.kdf.cost() > wrap.params().cost() {
            // An upgrade that fails (say the protector is unavailable a moment) leaves the old,
            // still valid wrap in place and is tried again at the next unlock.
            let _ = self.rewrap(&mut state.store, &key, pin, self.options.kdf, EventKind::KdfUpgraded);
        }
        // The index of open purses is written here when missing (a wallet from before it) or out
        // of date. Best effort, like the upgrade above: until it is written, pay and balances
        // rebuild it in memory from every purse row, which is slower but reads the same purses.
        let _ = self.refresh_open_purses(&mut state.store, &key);
        state.unlocked = Some(Unlocked { key, identity });
        Ok(())
    }

    /// Forgets the keys. The wallet can still show its public identity.
    pub fn lock(&self) {
        self.state().unlocked = None;
    }

    /// Replaces the PIN. The old PIN is checked (and counted) as in [`Wallet::unlock`]; only the
    /// small key record is rewritten, never the rows. Blocking. Leaves the wallet as locked or
    /// unlocked as it was.
    pub fn change_pin(&self, old: &Pin, new: &Pin) -> Result<(), WalletError> {
        let mut state = self.state();
        let (key, wrap) = self.check_pin(&mut state.store, old)?;
        let params =
            if self.options.kdf.cost() > wrap.params().cost() { self.options.kdf } else { wrap.params() };
        self.rewrap(&mut state.store, &key, new, params, EventKind::PinChanged)
    }

    /// Balances held in the wallet file. Fails with [`VaultError::Tampered`] rather than return
    /// a value from a damaged or substituted row.
    pub fn balances(&self) -> Result<Balances, WalletError> {
        self.with_unlocked(|store, unlocked| {
            let conn = store.conn();
            Ok(Balances {
                online: read_balance(conn, unlocked, &self.record, "online")?,
                owed: Amount::from_minor(
                    self.online_balance_in(conn, unlocked)?.min(0).unsigned_abs(),
                    self.record.currency,
                )?,
                offline_purse: self.purse_remaining(conn, unlocked)?,
                pending_incoming: read_balance_or_zero(conn, unlocked, &self.record, "pending_in")?,
                pending_outgoing: read_balance_or_zero(conn, unlocked, &self.record, "pending_out")?,
            })
        })
    }

    /// Walks the local event log from the first entry; a broken chain is
    /// [`WalletError::LogBroken`] naming the first bad entry.
    pub fn verify_log(&self) -> Result<LogReport, WalletError> {
        self.with_unlocked(|store, unlocked| Ok(self.log(unlocked).verify(store.conn())?))
    }

    /// Up to `limit` log entries, newest first, older than `before` when given (for paging).
    pub fn events(&self, before: Option<u64>, limit: u32) -> Result<Vec<Event>, WalletError> {
        self.with_unlocked(|store, unlocked| Ok(self.log(unlocked).page(store.conn(), before, limit)?))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every write is one SQLite transaction, rolled back if a panic unwinds through it, so a
        // poisoned lock guards consistent state and can be taken over.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn with_unlocked<T>(
        &self,
        f: impl FnOnce(&mut Store, &DataKey) -> Result<T, WalletError>,
    ) -> Result<T, WalletError> {
        let mut state = self.state();
        let State { store, unlocked } = &mut *state;
        let unlocked = unlocked.as_ref().ok_or(WalletError::Locked)?;
        f(store, &unlocked.key)
    }

    /// [`Wallet::with_unlocked`] for calls that sign or open envelopes.
    fn with_identity<T>(
        &self,
        f: impl FnOnce(&mut Store, &DataKey, &Identity) -> Result<T, WalletError>,
    ) -> Result<T, WalletError> {
        let mut state = self.state();
        let State { store, unlocked } = &mut *state;
        let Unlocked { key, identity } = unlocked.as_ref().ok_or(WalletError::Locked)?;
        f(store, key, identity)
    }

    fn log<'a>(&'a self, key: &'a DataKey) -> EventLog<'a> {
        EventLog { key, wallet_id: &self.record.wallet_id }
    }

    /// The counted PIN check shared by unlock and PIN change.
    fn check_pin(&self, store: &mut Store, pin: &Pin) -> Result<(DataKey, PinWrap), WalletError> {
        let protected: Vec<u8> = store
            .conn()
            .query_row("SELECT protected FROM key_record WHERE id = 1", [], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Incomplete { detail: "the key record is missing".into() })?;
        // The protector comes first and is not counted: it may prompt for a biometric, and its
        // failures (cancelled, wrong device) say nothing about the PIN.
        let wrap = PinWrap::decode(&self.protector.unwrap(&protected).map_err(VaultError::from)?)?;

        let now = self.options.clock.now_unix();
        let tx = store.write()?;
        let record = match read_attempts(&tx)?.gate(now) {
            Gate::LockedOut { failures } => return Err(VaultError::LockedOut { failures }.into()),
            Gate::Wait { retry_after_secs, tries_left } => {
                return Err(VaultError::PinDelayed { retry_after_secs, tries_left }.into());
            }
            Gate::Try { record } => record,
        };
        write_attempts(&tx, record)?;
        tx.commit()?;

        match wrap.unwrap(pin, &self.record.wallet_id)? {
            Some(key) => {
                let tx = store.write()?;
                write_attempts(&tx, Attempts::default())?;
                tx.commit()?;
                Ok((key, wrap))
            }
            None => Err(record.after_wrong_pin(now).into()),
        }
    }

    fn rewrap(
        &self,
        store: &mut Store,
        key: &DataKey,
        pin: &Pin,
        params: KdfParams,
        kind: EventKind,
    ) -> Result<(), WalletError> {
        let wrap = PinWrap::wrap(key, pin, params, &self.record.wallet_id)?;
        let protected = self.protector.wrap(&wrap.encode()).map_err(VaultError::from)?;
        let tx = store.write()?;
        tx.execute("UPDATE key_record SET protected = ?1 WHERE id = 1", [protected])?;
        let detail = format!(
            "PIN key now Argon2id m={} KiB, t={}, p={}",
            params.m_cost_kib(),
            params.t_cost(),
            params.p_cost()
        );
        self.log(key).append(&tx, self.options.clock.now_unix(), kind, &detail)?;
        tx.commit()?;
        Ok(())
    }

    /// Opens the sealed identity and checks it against the clear public keys.
    fn load_identity(&self, conn: &Connection, key: &DataKey) -> Result<Identity, WalletError> {
        let at = row(&self.record.wallet_id, "secret", b"identity");
        let sealed = crate::store::read_blob(conn, "secret", "name", &"identity")?
            .ok_or_else(|| StoreError::Incomplete { detail: "the identity keys are missing".into() })?;
        let plain = key.open(at, &sealed)?;
        let identity = Identity::decode_secret(&plain)
            .map_err(|_| VaultError::Tampered { table: "secret", id: "identity".into() })?;
        // The clear public keys must be the ones these secrets make; otherwise someone swapped
        // the wallet record and the app would show (and enrol) a stranger's identity.
        if identity.public() != self.record.public {
            return Err(VaultError::Tampered { table: "wallet", id: "public keys".into() }.into());
        }
        Ok(identity)
    }
}

fn row<'a>(wallet_id: &'a [u8; 16], table: &'static str, id: &'a [u8]) -> RowRef<'a> {
    RowRef { wallet_id, table, id }
}

fn read_record(conn: &Connection) -> Result<Record, WalletError> {
    let incomplete = |detail: &str| StoreError::Incomplete { detail: detail.to_owned() };
    let raw = conn
        .query_row(
            "SELECT wallet_id, signing_public, agreement_public, currency, currency_exponent, created_at
             FROM wallet WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u8>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| incomplete("the wallet record is missing"))?;
    let (wallet_id, signing, agreement, code, exponent, created_at) = raw;
    let bad = || incomplete("the wallet record has malformed keys");
    Ok(Record {
        wallet_id: wallet_id.try_into().map_err(|_| bad())?,
        public: PublicIdentity {
            signing_key: signing.try_into().map_err(|_| bad())?,
            agreement_key: agreement.try_into().map_err(|_| bad())?,
        },
        currency: Currency::new(&code, exponent)?,
        created_at: created_at.max(0) as u64,
    })
}

fn read_attempts(tx: &Transaction<'_>) -> Result<Attempts, WalletError> {
    let (failures, not_before) = tx
        .query_row("SELECT failures, not_before FROM pin_attempts WHERE id = 1", [], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::Incomplete { detail: "the PIN attempt record is missing".into() })?;
    Ok(Attempts {
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        not_before: u64::try_from(not_before).unwrap_or(0),
    })
}

fn write_attempts(tx: &Transaction<'_>, attempts: Attempts) -> Result<(), WalletError> {
    tx.execute(
        "UPDATE pin_attempts SET failures = ?1, not_before = ?2 WHERE id = 1",
        (i64::from(attempts.failures), attempts.not_before.min(i64::MAX as u64) as i64),
    )?;
    Ok(())
}

fn write_balance(
    tx: &Transaction<'_>,
    key: &DataKey,
    wallet_id: &[u8; 16],
    name: &'static str,
    amount: Amount,
) -> Result<(), WalletError> {
    let plain = Writer::new()
        .u8(BALANCE_VERSION)
        .fixed(amount.currency().code().as_bytes())
        .u8(amount.currency().exponent())
        .u64(amount.minor())
        .finish();
    let sealed = key.seal(row(wallet_id, "balance", name.as_bytes()), &plain)?;
    tx.prepare_cached(
        "INSERT INTO balance (name, sealed) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed",
    )?
    .execute((name, sealed))?;
    Ok(())
}

/// A running total that starts at zero: a missing row means zero only while no transfer exists;
/// once one does, a missing row was deleted and is reported as tampering.
fn read_balance_or_zero(
    conn: &Connection,
    key: &DataKey,
    record: &Record,
    name: &'static str,
) -> Result<Amount, WalletError> {
    if crate::store::read_blob(conn, "balance", "name", &name)?.is_some() {
        return read_balance(conn, key, record, name);
    }
    let any_transfer: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM transfer)", [], |r| r.get(0))?;
    if any_transfer {
        return Err(VaultError::Tampered { table: "balance", id: name.into() }.into());
    }
    Ok(Amount::zero(record.currency))
}

fn read_balance(
    conn: &Connection,
    key: &DataKey,
    record: &Record,
    name: &'static str,
) -> Result<Amount, WalletError> {
    let tampered = || VaultError::Tampered { table: "balance", id: name.into() };
    let sealed = crate::store::read_blob(conn, "balance", "name", &name)?.ok_or_else(tampered)?;
    let plain = key.open(row(&record.wallet_id, "balance", name.as_bytes()), &sealed)?;
    let mut r = Reader::new(&plain);
    let parse = |r: &mut Reader<'_>| -> Result<(String, u8, u64), crate::encoding::DecodeError> {
        r.version("balance", BALANCE_VERSION)?;
        let code = String::from_utf8_lossy(&r.array::<3>("currency")?).into_owned();
        Ok((code, r.u8("exponent")?, r.u64("amount")?))
    };
    let (code, exponent, minor) = parse(&mut r).map_err(|_| tampered())?;
    r.finish().map_err(|_| tampered())?;
    let currency = Currency::new(&code, exponent)?;
    if currency != record.currency {
        return Err(tampered().into());
    }
    Ok(Amount::from_minor(minor, currency)?)
}
