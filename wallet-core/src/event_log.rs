//! The wallet's local, hash-chained event log.
//!
//! Every state change appends one entry in the same SQLite transaction as the change itself, so
//! the log and the state cannot disagree after a crash. Entry `n` commits to entry `n - 1`:
//!
//! ```text
//! hash(n) = SHA-256( "outpost/event/v1" || n (u64 BE) || body(n) )
//! body(n) = version || hash(n - 1) || device time || kind || detail      (hash(0) = 32 zero bytes)
//! ```
//!
//! Each body is sealed like any row (bound to table `event` and its sequence number), and the
//! newest `(n, hash(n))` is kept in a sealed head record updated in the same transaction. The row
//! seal catches an edited entry; the chain catches a removed, reordered or replayed one; the head
//! catches a cut-off tail. Restoring the *whole* file from an older copy cannot be caught on the
//! device alone: the ledger catches what matters of that (a purse spent twice).

use rusqlite::{Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use crate::encoding::{DecodeError, Reader, Writer};
use crate::store::StoreError;
use crate::vault::{DataKey, RowRef, VaultError};

const BODY_VERSION: u8 = 1;
const HEAD_VERSION: u8 = 1;
const MAX_DETAIL: usize = 1024;
const GENESIS: [u8; 32] = [0; 32];

/// What happened. New kinds are added at the end; a code is never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    WalletCreated,
    PinChanged,
    KdfUpgraded,
    LedgerPinned,
    PurseInstalled,
    PurseRevoked,
    ContactAdded,
    RequestCreated,
    TransferSent,
    TransferReceived,
    ReceiptConfirmed,
    DoubleSpendDetected,
    /// A sync with the ledger was applied.
    Synced,
    /// A purse was closed: its final spend declared to the ledger.
    PurseClosed,
    /// The ledger settled, returned or refused a transfer.
    TransferSettled,
    /// The ledger reported money moved in the member's account (pay, online payment, returns).
    AccountMoved,
    /// An online payment was queued for the next sync.
    OnlinePaymentQueued,
    /// Another phone showed a checkpoint that, with the one held, proves the ledger forked its log.
    LedgerForkDetected,
}

impl EventKind {
    /// What happened, in a few words for a person: "PIN changed".
    pub fn words(self) -> &'static str {
        match self {
            EventKind::WalletCreated => "wallet created",
            EventKind::PinChanged => "PIN changed",
            EventKind::KdfUpgraded => "PIN key strengthened",
            EventKind::LedgerPinned => "ledger key pinned",
            EventKind::PurseInstalled => "purse loaded",
            EventKind::PurseRevoked => "purse revoked",
            EventKind::ContactAdded => "contact added",
            EventKind::RequestCreated => "payment request made",
            EventKind::TransferSent => "transfer sent",
            EventKind::TransferReceived => "transfer received",
            EventKind::ReceiptConfirmed => "receipt confirmed",
            EventKind::DoubleSpendDetected => "double spend caught",
            EventKind::Synced => "synced with the ledger",
            EventKind::PurseClosed => "purse closed",
            EventKind::TransferSettled => "transfer settled, returned or refused",
            EventKind::AccountMoved => "online account moved",
            EventKind::OnlinePaymentQueued => "online payment queued",
            EventKind::LedgerForkDetected => "ledger fork caught",
        }
    }

    fn code(self) -> u8 {
        match self {
            EventKind::WalletCreated => 1,
            EventKind::PinChanged => 2,
            EventKind::KdfUpgraded => 3,
            EventKind::LedgerPinned => 4,
            EventKind::PurseInstalled => 5,
            EventKind::PurseRevoked => 6,
            EventKind::ContactAdded => 7,
            EventKind::RequestCreated => 8,
            EventKind::TransferSent => 9,
            EventKind::TransferReceived => 10,
            EventKind::ReceiptConfirmed => 11,
            EventKind::DoubleSpendDetected => 12,
            EventKind::Synced => 13,
            EventKind::PurseClosed => 14,
            EventKind::TransferSettled => 15,
            EventKind::AccountMoved => 16,
            EventKind::OnlinePaymentQueued => 17,
            EventKind::LedgerForkDetected => 18,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => EventKind::WalletCreated,
            2 => EventKind::PinChanged,
            3 => EventKind::KdfUpgraded,
            4 => EventKind::LedgerPinned,
            5 => EventKind::PurseInstalled,
            6 => EventKind::PurseRevoked,
            7 => EventKind::ContactAdded,
            8 => EventKind::RequestCreated,
            9 => EventKind::TransferSent,
            10 => EventKind::TransferReceived,
            11 => EventKind::ReceiptConfirmed,
            12 => EventKind::DoubleSpendDetected,
            13 => EventKind::Synced,
            14 => EventKind::PurseClosed,
            15 => EventKind::TransferSettled,
            16 => EventKind::AccountMoved,
            17 => EventKind::OnlinePaymentQueued,
            18 => EventKind::LedgerForkDetected,
            _ => return None,
        })
    }
}

/// One entry of the log, decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: u64,
    /// The device's clock when the entry was written (untrusted, informative).
    pub time: u64,
    pub kind: EventKind,
    pub detail: String,
    pub hash: [u8; 32],
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkFault {
    #[error("the entry is missing")]
    Missing,
    #[error("the entry is damaged or was tampered with")]
    Tampered,
    #[error("the entry does not follow from the one before it")]
    WrongPrevious,
    #[error("the entries after it were cut off")]
    TailMissing,
    #[error("entries exist after the recorded end of the log")]
    Unrecorded,
}

/// Why verifying or writing the log failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    #[error("event log broken at entry {seq}: {fault}")]
    BrokenLink { seq: u64, fault: LinkFault },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl From<rusqlite::Error> for LogError {
    fn from(e: rusqlite::Error) -> Self {
        LogError::Store(e.into())
    }
}

/// The result of a successful [`EventLog::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogReport {
    pub entries: u64,
    pub head: [u8; 32],
}

/// Reads and writes the log of one wallet with its data key.
pub struct EventLog<'a> {
    pub key: &'a DataKey,
    pub wallet_id: &'a [u8; 16],
}

impl EventLog<'_> {
    fn entry_ref<'i>(&'i self, id: &'i [u8]) -> RowRef<'i> {
        RowRef { wallet_id: self.wallet_id, table: "event", id }
    }

    fn head_ref(&self) -> RowRef<'_> {
        RowRef { wallet_id: self.wallet_id, table: "log_head", id: b"head" }
    }

    fn read_head(&self, conn: &Connection) -> Result<Option<(u64, [u8; 32])>, LogError> {
        let sealed: Option<Vec<u8>> = conn
            .prepare_cached("SELECT sealed FROM log_head WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        let Some(sealed) = sealed else { return Ok(None) };
        let plain = self.key.open(self.head_ref(), &sealed)?;
        let tampered = |_: DecodeError| VaultError::Tampered { table: "log_head", id: "head".into() };
        let mut r = Reader::new(&plain);
        r.version("log head", HEAD_VERSION).map_err(tampered)?;
        let seq = r.u64("sequence").map_err(tampered)?;
        let hash = r.array("hash").map_err(tampered)?;
        r.finish().map_err(tampered)?;
        Ok(Some((seq, hash)))
    }

    /// Appends an entry inside `tx`, the transaction that makes the change it records.
    pub fn append(
        &self,
        tx: &Transaction<'_>,
        time: u64,
        kind: EventKind,
        detail: &str,
    ) -> Result<Event, LogError> {
        let detail = truncate_utf8(detail, MAX_DETAIL);
        let (last, prev) = self.read_head(tx)?.unwrap_or((0, GENESIS));
        let seq = last + 1;
        let body =
            Writer::new().u8(BODY_VERSION).fixed(&prev).u64(time).u8(kind.code()).text(detail).finish();
        let hash = entry_hash(seq, &body);
        let id = seq.to_string();
        let sealed = self.key.seal(self.entry_ref(id.as_bytes()), &body)?;
        tx.prepare_cached("INSERT INTO event (seq, sealed) VALUES (?1, ?2)")?
            .execute((seq as i64, sealed))?;
        let head = Writer::new().u8(HEAD_VERSION).u64(seq).fixed(&hash).finish();
        let sealed_head = self.key.seal(self.head_ref(), &head)?;
        tx.prepare_cached(
            "INSERT INTO log_head (id, sealed) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed",
        )?
        .execute([sealed_head])?;
        Ok(Event { seq, time, kind, detail: detail.to_owned(), hash })
    }

    fn decode(&self, seq: u64, sealed: &[u8]) -> Result<(Event, [u8; 32]), LinkFault> {
        let id = seq.to_string();
        let body = self.key.open(self.entry_ref(id.as_bytes()), sealed).map_err(|_| LinkFault::Tampered)?;
        let parse = || -> Result<_, DecodeError> {
            let mut r = Reader::new(&body);
            r.version("event", BODY_VERSION)?;
            let prev: [u8; 32] = r.array("previous hash")?;
            let time = r.u64("time")?;
            let kind = EventKind::from_code(r.u8("kind")?)
                .ok_or(DecodeError::Invalid { what: "event kind", reason: "unknown code" })?;
            let detail = r.text("detail", MAX_DETAIL)?.to_owned();
            r.finish()?;
            Ok((prev, time, kind, detail))
        };
        // A body that authenticates but does not parse was written by a newer build or a bug;
        // for the chain it is as unusable as a tampered one.
        let (prev, time, kind, detail) = parse().map_err(|_| LinkFault::Tampered)?;
        Ok((Event { seq, time, kind, detail, hash: entry_hash(seq, &body) }, prev))
    }

    /// Walks the whole log from the first entry and reports the first broken link.
    pub fn verify(&self, conn: &Connection) -> Result<LogReport, LogError> {
        let mut stmt = conn.prepare("SELECT seq, sealed FROM event ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut expected = 1u64;
        let mut running = GENESIS;
        while let Some(row) = rows.next()? {
            let seq = row.get::<_, i64>(0)? as u64;
            let sealed: Vec<u8> = row.get(1)?;
            if seq != expected {
                return Err(LogError::BrokenLink { seq: expected, fault: LinkFault::Missing });
            }
            let (event, prev) =
                self.decode(seq, &sealed).map_err(|fault| LogError::BrokenLink { seq, fault })?;
            if prev != running {
                return Err(LogError::BrokenLink { seq, fault: LinkFault::WrongPrevious });
            }
            running = event.hash;
            expected += 1;
        }
        let entries = expected - 1;
        match self.read_head(conn)? {
            None if entries == 0 => Ok(LogReport { entries, head: GENESIS }),
            None => Err(LogError::BrokenLink { seq: 1, fault: LinkFault::Unrecorded }),
            Some((head_seq, _)) if head_seq > entries => {
                Err(LogError::BrokenLink { seq: entries + 1, fault: LinkFault::TailMissing })
            }
            Some((head_seq, head_hash)) if head_seq == entries && head_hash == running => {
                Ok(LogReport { entries, head: running })
            }
            Some((head_seq, _)) if head_seq < entries => {
                Err(LogError::BrokenLink { seq: head_seq + 1, fault: LinkFault::Unrecorded })
            }
            Some((head_seq, _)) => {
                Err(LogError::BrokenLink { seq: head_seq, fault: LinkFault::WrongPrevious })
            }
        }
    }

    /// Up to `limit` entries, newest first, starting below `before` (or at the newest).
    /// A damaged entry is an error naming it, never skipped.
    pub fn page(&self, conn: &Connection, before: Option<u64>, limit: u32) -> Result<Vec<Event>, LogError> {
        let before = before.map_or(i64::MAX, |b| b.min(i64::MAX as u64) as i64);
        let mut stmt =
            conn.prepare("SELECT seq, sealed FROM event WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2")?;
        let mut rows = stmt.query((before, limit))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let seq = row.get::<_, i64>(0)? as u64;
            let sealed: Vec<u8> = row.get(1)?;
            let (event, _) =
                self.decode(seq, &sealed).map_err(|fault| LogError::BrokenLink { seq, fault })?;
            out.push(event);
        }
        Ok(out)
    }
}

fn entry_hash(seq: u64, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(Writer::new().text("outpost/event/v1").u64(seq).finish());
    hash.update(body);
    hash.finalize().into()
}

fn truncate_utf8(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_words_of_its_own() {
        let kinds: Vec<EventKind> = (0..=u8::MAX).filter_map(EventKind::from_code).collect();
        assert_eq!(kinds.len(), 18);
        let mut words: Vec<&str> = kinds.iter().map(|kind| kind.words()).collect();
        assert!(words.iter().all(|w| !w.is_empty()));
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), kinds.len(), "two kinds read the same");
    }
}
