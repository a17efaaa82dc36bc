//! Outpost's HQ ledger: members, pay credits, and the audit log every change is written to
//! (DESIGN sections 6 and 7).
//!
//! **Built so far:** the ledger file and its signing key, enrolment from a wallet's enrolment QR
//! text, crediting pay and allowances, listing members, and an append-only audit log whose
//! entries are leaves of an RFC 6962 Merkle tree ([`outpost_wallet_core::merkle`]).
//! **Not built yet:** purse issuance, settlement, double-spend attribution, signed checkpoints
//! and proofs over HTTP, the risk engine, the HTTP server and wallet sync. The README's status
//! table tracks them.
//!
//! Files, in the directory the ledger is opened in:
//!
//! ```text
//! ledger.db    SQLite (WAL, synchronous=FULL): members, credits, the audit log
//! ledger.key   the Ed25519 secret that signs purse certificates, mode 0600, made on first start
//! ```
//!
//! Every change is one SQLite transaction that also appends its audit-log entry, so the log and
//! the balances cannot disagree after a crash.

mod audit;
mod store;

pub use audit::{AuditEntry, EntryKind};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use outpost_wallet_core::protocol::{EnrolmentRequest, LedgerSigner, ProtocolError};
use outpost_wallet_core::qr::{self, PayloadKind, QrError};
use outpost_wallet_core::{Amount, Clock, Currency, MoneyError, PublicIdentity};
use rusqlite::{Connection, OptionalExtension, params};
use thiserror::Error;

/// Why a ledger operation was refused or failed. Messages are fit to show an officer.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LedgerError {
    #[error("ledger database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("ledger key file {}: {reason}", .path.display())]
    KeyFile { path: PathBuf, reason: String },
    #[error(
        "ledger key file {} does not hold the key this ledger was created with: refusing to start \
         (wallets trust only the original key)", .path.display()
    )]
    KeyMismatch { path: PathBuf },
    #[error("this ledger keeps {}, not {}", .ledger.code(), .asked.code())]
    WrongCurrency { ledger: Currency, asked: Currency },
    #[error("{0}")]
    Qr(#[from] QrError),
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
    #[error("{0}")]
    Money(#[from] MoneyError),
    #[error("member {member_id} is already enrolled")]
    AlreadyEnrolled { member_id: String },
    #[error("this wallet is already enrolled, as member {member_id}")]
    WalletAlreadyEnrolled { member_id: String },
    #[error("no member {member_id}")]
    UnknownMember { member_id: String },
    #[error("a credit must be more than zero")]
    ZeroCredit,
    #[error("memo is longer than {max} bytes")]
    MemoTooLong { max: usize },
    #[error("the ledger's data is inconsistent: {detail}")]
    Inconsistent { detail: String },
}

/// Longest memo on a credit, in bytes.
pub const MAX_CREDIT_MEMO: usize = 200;

/// A member as the officer sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub member_id: String,
    pub wallet: PublicIdentity,
    /// The online account. It can go negative when a double spend is debited.
    pub balance_minor: i64,
    pub enrolled_at: u64,
}

/// An open ledger. `Send + Sync`; calls serialise on one connection.
pub struct Ledger {
    conn: Mutex<Connection>,
    signer: LedgerSigner,
    currency: Currency,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("signer", &self.signer).field("currency", &self.currency).finish()
    }
}

impl Ledger {
    /// Opens the ledger in `dir`, creating it (database and key) on first start. A ledger is
    /// created for one currency; opening it for another is refused.
    pub fn open(dir: &Path, currency: Currency, clock: Arc<dyn Clock>) -> Result<Ledger, LedgerError> {
        let db_path = dir.join("ledger.db");
        let key_path = dir.join("ledger.key");
        // The key comes first: a new ledger refuses a key file left without its database rather
        // than adopt or overwrite it, and leaves no database behind when it refuses.
        let signer =
            if db_path.exists() { store::load_key(&key_path)? } else { store::create_key(&key_path)? };
        let mut conn = store::open(&db_path)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored: Option<(Vec<u8>, String, u8)> = tx
            .query_row("SELECT public_key, currency, currency_exponent FROM meta WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match stored {
            None => {
                let now = clock.now_unix();
                tx.execute(
                    "INSERT INTO meta (id, public_key, currency, currency_exponent, created_at)
                     VALUES (1, ?1, ?2, ?3, ?4)",
                    params![&signer.public_key()[..], currency.code(), currency.exponent(), now as i64],
                )?;
                let detail =
                    format!("ledger created for {}, key {}", currency.code(), hex(&signer.public_key()));
                audit::append(&tx, now, EntryKind::LedgerCreated, &detail)?;
            }
            Some((key, code, exponent)) => {
                if key != signer.public_key() {
                    return Err(LedgerError::KeyMismatch { path: key_path });
                }
                let stored = Currency::new(&code, exponent)?;
                if stored != currency {
                    return Err(LedgerError::WrongCurrency { ledger: stored, asked: currency });
                }
            }
        }
        tx.commit()?;
        Ok(Ledger { conn: Mutex::new(conn), signer, currency, clock })
    }

    /// The key wallets pin at enrolment and check purse certificates against.
    pub fn public_key(&self) -> [u8; 32] {
        self.signer.public_key()
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Enrols the wallet whose enrolment QR text an officer scanned: its signature must verify
    /// (the wallet holds the key it presents), and neither the member id nor the wallet may be
    /// enrolled already.
    pub fn enrol(&self, enrolment_qr: &str) -> Result<Member, LedgerError> {
        let request = EnrolmentRequest::from_bytes(&qr::expect(enrolment_qr, PayloadKind::Enrolment)?)?;
        request.verify()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if member_row(&tx, &request.member_id)?.is_some() {
            return Err(LedgerError::AlreadyEnrolled { member_id: request.member_id });
        }
        let holder: Option<String> = tx
            .query_row(
                "SELECT member_id FROM member WHERE wallet_key = ?1",
                [&request.identity.signing_key[..]],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(member_id) = holder {
            return Err(LedgerError::WalletAlreadyEnrolled { member_id });
        }
        let now = self.clock.now_unix();
        tx.execute(
            "INSERT INTO member (member_id, wallet_key, agreement_key, balance, enrolled_at)
             VALUES (?1, ?2, ?3, 0, ?4)",
            params![
                request.member_id,
                &request.identity.signing_key[..],
                &request.identity.agreement_key[..],
                now as i64
            ],
        )?;
        let detail = format!(
            "enrolled {} with wallet {} (enrolment {})",
            request.member_id,
            request.identity.fingerprint(),
            hex(&request.id())
        );
        audit::append(&tx, now, EntryKind::MemberEnrolled, &detail)?;
        tx.commit()?;
        Ok(Member {
            member_id: request.member_id,
            wallet: request.identity,
            balance_minor: 0,
            enrolled_at: now,
        })
    }

    /// Credits pay or an allowance to a member's online account. Returns the new balance.
    pub fn credit(&self, member_id: &str, amount: Amount, memo: &str) -> Result<Amount, LedgerError> {
        if amount.currency() != self.currency {
            return Err(LedgerError::WrongCurrency { ledger: self.currency, asked: amount.currency() });
        }
        if amount.is_zero() {
            return Err(LedgerError::ZeroCredit);
        }
        if memo.len() > MAX_CREDIT_MEMO {
            return Err(LedgerError::MemoTooLong { max: MAX_CREDIT_MEMO });
        }
        let minor = i64::try_from(amount.minor()).map_err(|_| MoneyError::TooLarge)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let member = member_row(&tx, member_id)?
            .ok_or_else(|| LedgerError::UnknownMember { member_id: member_id.to_owned() })?;
        let balance = member.balance_minor.checked_add(minor).ok_or(MoneyError::TooLarge)?;
        let now = self.clock.now_unix();
        tx.execute("UPDATE member SET balance = ?2 WHERE member_id = ?1", params![member_id, balance])?;
        tx.execute(
            "INSERT INTO credit (member_id, amount, memo, at) VALUES (?1, ?2, ?3, ?4)",
            params![member_id, minor, memo, now as i64],
        )?;
        audit::append(&tx, now, EntryKind::Credited, &format!("credited {amount} to {member_id}: {memo}"))?;
        tx.commit()?;
        Ok(Amount::from_minor(balance.max(0) as u64, self.currency)?)
    }

    /// Every member, by member id.
    pub fn members(&self) -> Result<Vec<Member>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {MEMBER_COLUMNS} FROM member ORDER BY member_id"))?;
        let rows = stmt.query_map([], read_member)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Total credited since the ledger was created, in minor units: what the accounts and purses
    /// must add up to while no money has left the ledger.
    pub fn total_credited_minor(&self) -> Result<i64, LedgerError> {
        Ok(self.conn().query_row("SELECT COALESCE(SUM(amount), 0) FROM credit", [], |r| r.get(0))?)
    }

    /// Checks the invariant that holds today: the members' balances add up to everything
    /// credited. (Purses and settlement join this sum as they are built.)
    pub fn check_balanced(&self) -> Result<(), LedgerError> {
        let accounts: i64 =
            self.conn().query_row("SELECT COALESCE(SUM(balance), 0) FROM member", [], |r| r.get(0))?;
        let credited = self.total_credited_minor()?;
        if accounts != credited {
            return Err(LedgerError::Inconsistent {
                detail: format!("accounts hold {accounts} minor units but {credited} were credited"),
            });
        }
        Ok(())
    }

    /// The audit log from entry `from` (0-based), up to `limit` entries.
    pub fn audit_entries(&self, from: u64, limit: u32) -> Result<Vec<AuditEntry>, LedgerError> {
        audit::entries(&self.conn(), from, limit)
    }

    /// The number of audit-log entries and the Merkle root over all of them, recomputed from the
    /// stored entries (so a changed entry changes the root).
    pub fn audit_root(&self) -> Result<(u64, outpost_wallet_core::merkle::Hash), LedgerError> {
        audit::root(&self.conn())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // Every write is one transaction, rolled back if a panic unwinds through it.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

const MEMBER_COLUMNS: &str = "member_id, wallet_key, agreement_key, balance, enrolled_at";

fn read_member(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    let key = |i: usize| -> rusqlite::Result<[u8; 32]> {
        let bytes: Vec<u8> = r.get(i)?;
        bytes.try_into().map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, 0))
    };
    Ok(Member {
        member_id: r.get(0)?,
        wallet: PublicIdentity { signing_key: key(1)?, agreement_key: key(2)? },
        balance_minor: r.get(3)?,
        enrolled_at: r.get::<_, i64>(4)?.max(0) as u64,
    })
}

fn member_row(conn: &Connection, member_id: &str) -> Result<Option<Member>, LedgerError> {
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM member WHERE member_id = ?1");
    Ok(conn.query_row(&sql, [member_id], read_member).optional()?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().take(6).map(|b| format!("{b:02x}")).collect()
}
