//! What the ledger has signed, remembered outside its database: `checkpoints.log`, beside the key.
//!
//! The ledger must never sign two checkpoints that do not extend one another (DESIGN section 7,
//! docs/adr/0011). Its tree is read from `ledger.db`, so an edit there, or a restore of an older
//! copy, would otherwise change the next root it signs. Before every signature the ledger checks,
//! with a consistency proof from its stored leaves, that the log extends the last checkpoint this
//! file holds, and refuses to sign when it does not. After every signature of a larger log, and
//! before the checkpoint leaves the ledger, it appends a record and fsyncs it.
//!
//! The file is append-only, a sequence of records:
//!
//! ```text
//! record  = length (u32 BE, of body) ‖ body ‖ first 16 bytes of SHA-256(length ‖ body)
//! body    = version (1) ‖ type ‖ fields
//! signed  (type 1) = size u64 ‖ root 32 ‖ time u64 ‖ from u64 ‖ count u32 ‖ count leaf hashes
//!                    ‖ u32 length ‖ the checkpoint as signed
//! recovered (type 2) = time u64 ‖ old size u64 ‖ old root 32 ‖ new size u64 ‖ new root 32
//!                    ‖ kept u64 ‖ count u32 ‖ count leaf hashes ‖ u16 length ‖ the officer's reason
//! ```
//!
//! Each record carries the leaf hashes the log gained since the record before it (`from` is the
//! previous head's size; a recovery keeps the first `kept` and carries the rest), so the file
//! holds the hash of every leaf ever signed. A refusal can then name the first entry that no
//! longer hashes to what was signed, not only say that the root moved.
//!
//! Invariants:
//! - A record is written only for a tree already committed to the database, so it is never ahead
//!   of the database: a kill before the record leaves a log that extends the last record, which is
//!   all the check asks.
//! - Every check and append runs under an exclusive lock on the file, taken before the database
//!   snapshot it checks (or inside the write transaction, which no other writer can pass), so two
//!   processes on one directory read each other's records before they check.
//! - A record cut short by a crash is the last one: it is ignored when read, and cut off under the
//!   lock before the next append. Damage anywhere else refuses to start.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use outpost_wallet_core::audit::AuditEntry;
use outpost_wallet_core::hex;
use outpost_wallet_core::merkle::{self, Hash};
use outpost_wallet_core::protocol::{Checkpoint, LedgerSigner};
use sha2::{Digest, Sha256};

use crate::LedgerError;
use crate::rules::audit;
use crate::rules::log_cache::LogTree;
use crate::storage::Tx;

const VERSION: u8 = 1;
const SIGNED: u8 = 1;
const RECOVERED: u8 = 2;
const CHECK_LEN: usize = 16;
/// No record is near this; a length above it is damage, not a record.
const MAX_BODY: u32 = 1 << 30;

/// The newest tree the ledger stands behind: the last checkpoint it signed, or the head an
/// officer accepted in a recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    pub size: u64,
    pub root: Hash,
    /// When it was signed or accepted.
    pub time: u64,
}

/// What an officer's recovery recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The head the ledger had signed before.
    pub old_size: u64,
    pub old_root: Hash,
    /// The log it now stands behind.
    pub new_size: u64,
    pub new_root: Hash,
    /// How many entries of the old head the new log keeps unchanged.
    pub kept: u64,
    /// Why the log no longer extends the old head, as the refusal said it.
    pub finding: String,
}

enum Record {
    Signed { head: Head, from: u64, leaves: Vec<Hash> },
    Recovered { head: Head, kept: u64, leaves: Vec<Hash> },
}

/// The file, and the head its records end in.
pub(crate) struct CheckpointLog {
    path: PathBuf,
    file: File,
    /// Where the last whole record read ends; the next record is written here.
    end: u64,
    head: Option<Head>,
}

impl CheckpointLog {
    /// Opens `checkpoints.log` in `dir`, making it if it is missing, and reads its head.
    pub fn open(dir: &Path) -> Result<CheckpointLog, LedgerError> {
        let path = dir.join("checkpoints.log");
        let existed = path.exists();
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| file_error(&path, format!("cannot open it: {e}")))?;
        if !existed {
            tracing::warn!(
                path = %path.display(),
                "no record of the checkpoints this ledger signed: starting one from the log as it stands"
            );
            sync_dir(dir);
        }
        let mut log = CheckpointLog { path, file, end: 0, head: None };
        log.read_new()?;
        Ok(log)
    }

    /// Takes the file's lock for one check-and-record; it is released when the guard drops.
    pub fn lock(&mut self) -> Result<Signing<'_>, LedgerError> {
        self.file.lock().map_err(|e| file_error(&self.path, format!("cannot lock it: {e}")))?;
        let signing = Signing { log: self, pending: None };
        signing.log.read_new()?;
        Ok(signing)
    }

    /// Reads the records appended since the last one read (by this or another process).
    fn read_new(&mut self) -> Result<(), LedgerError> {
        let len = self.file.metadata().map_err(|e| file_error(&self.path, e.to_string()))?.len();
        if len == self.end {
            return Ok(());
        }
        let mut bytes = Vec::new();
        self.file
            .seek(SeekFrom::Start(self.end))
            .and_then(|_| self.file.read_to_end(&mut bytes))
            .map_err(|e| file_error(&self.path, format!("cannot read it: {e}")))?;
        let (records, used) = parse(&bytes).map_err(|at| {
            file_error(
                &self.path,
                format!(
                    "the record at byte {} is damaged and more records follow it: keep the file for \
                     the auditors and restore it from a backup",
                    self.end + at as u64
                ),
            )
        })?;
        for record in records {
            self.head = Some(record.head());
        }
        if used < bytes.len() {
            tracing::warn!(
                path = %self.path.display(),
                bytes = bytes.len() - used,
                "the last record of the checkpoint file was cut short (a crash while writing it): ignored"
            );
        }
        self.end += used as u64;
        Ok(())
    }

    /// Every leaf hash the records hold (the leaves of the head), and every head in order.
    fn history(&self) -> Result<(Vec<Hash>, Vec<Head>), LedgerError> {
        let bytes = std::fs::read(&self.path).map_err(|e| file_error(&self.path, e.to_string()))?;
        let (records, _) = parse(&bytes[..self.end as usize])
            .map_err(|at| file_error(&self.path, format!("the record at byte {at} is damaged")))?;
        let mut leaves = Vec::new();
        let mut heads = Vec::new();
        for record in records {
            let (head, keep, new) = match record {
                Record::Signed { head, from, leaves } => (head, from, leaves),
                Record::Recovered { head, kept, leaves } => (head, kept, leaves),
            };
            leaves.truncate(usize::try_from(keep).unwrap_or(usize::MAX));
            leaves.extend(new);
            heads.push(head);
        }
        Ok((leaves, heads))
    }

    fn append(&mut self, body: Vec<u8>) -> Result<(), LedgerError> {
        let len = u32::try_from(body.len()).ok().filter(|&len| len <= MAX_BODY);
        let len = len.ok_or_else(|| file_error(&self.path, "a record would be too large".into()))?;
        let mut record = Vec::with_capacity(body.len() + 4 + CHECK_LEN);
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(&body);
        let check = Sha256::digest(&record);
        record.extend_from_slice(&check[..CHECK_LEN]);
        let path = &self.path;
        // Cuts off a record a crash left half-written, then appends whole.
        self.file
            .set_len(self.end)
            .and_then(|()| self.file.write_all(&record))
            .and_then(|()| self.file.sync_all())
            .map_err(|e| file_error(path, format!("cannot write a record: {e}")))?;
        self.end += record.len() as u64;
        Ok(())
    }
}

/// The file locked for one signature: check, sign, then record once the tree is committed.
pub(crate) struct Signing<'l> {
    log: &'l mut CheckpointLog,
    /// Signed and not yet recorded: the head and the leaves it adds.
    pending: Option<(Checkpoint, Vec<Hash>)>,
}

impl Signing<'_> {
    /// Signs a checkpoint of `tree` at `time` if the tree extends the head, and refuses with
    /// [`LedgerError::Equivocation`], naming the first divergent entry, if it does not. The
    /// checkpoint must not leave the ledger before [`Signing::record`] returns.
    pub fn sign(
        &mut self,
        signer: &LedgerSigner,
        conn: &dyn Tx,
        tree: &LogTree<'_>,
        time: u64,
    ) -> Result<Checkpoint, LedgerError> {
        self.check(conn, tree)?;
        check_signed_elsewhere(conn, tree)?;
        let size = tree.view.size();
        let checkpoint = signer.checkpoint(size, tree.view.root(), time);
        // Every process on this database checks this head too: none signs a log that does not
        // extend what another signed (docs/adr/0019).
        conn.raise_signed_head(size, &tree.view.root())?;
        let from = self.log.head.map_or(0, |head| head.size);
        if size > from {
            let leaves = tree.view.leaf_hashes()[from as usize..size as usize].to_vec();
            self.pending = Some((checkpoint.clone(), leaves));
        }
        Ok(checkpoint)
    }

    /// Appends the signed checkpoint's record and fsyncs it. Call once the signed tree is
    /// committed; nothing to do if it did not grow the log.
    pub fn record(mut self) -> Result<(), LedgerError> {
        let Some((checkpoint, leaves)) = self.pending.take() else { return Ok(()) };
        let from = self.log.head.map_or(0, |head| head.size);
        let mut w = Writer::new(SIGNED);
        w.u64(checkpoint.size).bytes(&checkpoint.root).u64(checkpoint.time).u64(from).leaves(&leaves);
        let signed = checkpoint.to_bytes();
        w.u32(signed.len() as u32).bytes(&signed);
        self.log.append(w.0)?;
        self.log.head = Some(Head { size: checkpoint.size, root: checkpoint.root, time: checkpoint.time });
        Ok(())
    }

    /// Accepts the log as it stands as the new head, after an officer restored or rewrote it on
    /// purpose. Refused when the log still extends the head: there is nothing to accept.
    pub fn recover(
        self,
        conn: &dyn Tx,
        tree: &LogTree<'_>,
        time: u64,
        reason: &str,
    ) -> Result<Recovery, LedgerError> {
        let found = self.check(conn, tree).and_then(|()| check_signed_elsewhere(conn, tree));
        let Err(LedgerError::Equivocation { detail, first_divergent, signed_size, .. }) = found else {
            return Err(LedgerError::NothingToRecover { size: tree.view.size() });
        };
        let old = match (self.log.head, conn.signed_head()?) {
            (Some(head), _) if !extends(tree, head.size, &head.root) => head,
            (_, Some((size, root))) => Head { size, root, time },
            (head, None) => head.unwrap_or(Head { size: signed_size, root: [0; 32], time }),
        };
        // The database's head follows: every process signs from the accepted log on.
        conn.reset_signed_head()?;
        conn.raise_signed_head(tree.view.size(), &tree.view.root())?;
        let kept = first_divergent.min(tree.view.size());
        let leaves = &tree.view.leaf_hashes()[kept as usize..];
        let new = Head { size: tree.view.size(), root: tree.view.root(), time };
        let mut w = Writer::new(RECOVERED);
        w.u64(time).u64(old.size).bytes(&old.root).u64(new.size).bytes(&new.root).u64(kept).leaves(leaves);
        let reason = reason.as_bytes();
        w.u16(reason.len() as u16).bytes(reason);
        self.log.append(w.0)?;
        self.log.head = Some(new);
        Ok(Recovery {
            old_size: old.size,
            old_root: old.root,
            new_size: new.size,
            new_root: new.root,
            kept,
            finding: detail,
        })
    }

    /// Checks with a consistency proof that `tree` extends the head.
    fn check(&self, conn: &dyn Tx, tree: &LogTree<'_>) -> Result<(), LedgerError> {
        let Some(head) = self.log.head else { return Ok(()) };
        if extends(tree, head.size, &head.root) {
            return Ok(());
        }
        Err(self.divergence(conn, tree, head))
    }

    /// The refusal: where the stored log first departs from the leaves signed so far.
    fn divergence(&self, conn: &dyn Tx, tree: &LogTree<'_>, head: Head) -> LedgerError {
        let stored = tree.view.leaf_hashes();
        let (signed, heads) = match self.log.history() {
            Ok(history) => history,
            Err(e) => return e,
        };
        let first = signed
            .iter()
            .zip(stored)
            .position(|(a, b)| a != b)
            .map_or_else(|| signed.len().min(stored.len()) as u64, |i| i as u64);
        let covering = heads.iter().find(|h| h.size > first).copied().unwrap_or(head);
        let matched = heads.iter().rev().find(|h| h.size <= first);
        let mut detail = format!(
            "ledger.db no longer extends the checkpoint of {} entries (root {}) signed at {}: ",
            head.size,
            hex::short(&head.root),
            head.time
        );
        if first > 0 {
            detail += &format!("entries 0 to {} still hash to the leaves it signed", first - 1);
            if let Some(h) = matched.filter(|h| h.size > 0) {
                detail +=
                    &format!(" (its checkpoint of {} entries signed at {} still holds)", h.size, h.time);
            }
            detail += "; ";
        }
        if first >= stored.len() as u64 {
            detail += &format!(
                "entries {first} to {} are gone (the log holds {} entries; were the newest rows deleted, \
                 or an older copy of ledger.db restored?)",
                head.size - 1,
                stored.len()
            );
        } else {
            detail += &format!(
                "the first entry that differs is entry {first}, {} — it does not hash to the leaf signed in \
                 the checkpoint of {} entries at {}",
                describe(conn, tree, first),
                covering.size,
                outpost_wallet_core::clock::utc(covering.time)
            );
            if (signed.len() as u64) < head.size {
                detail += " (the checkpoint file lacks some leaves: the entry is the first that differs \
                           among those it holds)";
            }
        }
        tracing::error!(
            signed_size = head.size,
            stored_size = stored.len(),
            first_divergent = first,
            "REFUSING TO SIGN: {detail}"
        );
        LedgerError::Equivocation {
            signed_size: head.size,
            stored_size: stored.len() as u64,
            first_divergent: first,
            detail,
        }
    }
}

impl Drop for Signing<'_> {
    fn drop(&mut self) {
        // Unlocks even when the signature was not recorded (a failed transaction).
        let _ = self.log.file.unlock();
    }
}

/// Whether `tree` extends a checkpoint of `size` entries with `root` (a consistency proof).
fn extends(tree: &LogTree<'_>, size: u64, root: &Hash) -> bool {
    let view = &tree.view;
    match view.size() {
        now if now < size => false,
        now if now == size => view.root() == *root,
        _ if size == 0 => true,
        now => view
            .consistency_proof(size)
            .is_ok_and(|proof| merkle::verify_consistency(size, now, root, &view.root(), &proof).is_ok()),
    }
}

/// Refuses to sign a log that does not extend the largest checkpoint any process signed over
/// this database (several ledger processes on one PostgreSQL database each keep their own
/// checkpoint file; the database keeps the head they all check).
fn check_signed_elsewhere(conn: &dyn Tx, tree: &LogTree<'_>) -> Result<(), LedgerError> {
    let Some((size, root)) = conn.signed_head()? else { return Ok(()) };
    if extends(tree, size, &root) {
        return Ok(());
    }
    let stored = tree.view.leaf_hashes();
    let detail = format!(
        "the database records a checkpoint of {size} entries (root {}) signed by a ledger process on it, and the log of {} entries does not extend it",
        hex::short(&root),
        stored.len()
    );
    tracing::error!(signed_size = size, stored_size = stored.len(), "REFUSING TO SIGN: {detail}");
    Err(LedgerError::Equivocation {
        signed_size: size,
        stored_size: stored.len() as u64,
        first_divergent: size.min(stored.len() as u64),
        detail,
    })
}

/// Entry `index` as it is stored now: its kind, member and detail.
fn describe(conn: &dyn Tx, tree: &LogTree<'_>, index: u64) -> String {
    let Some(seq) = tree.seq_at(index) else { return "which is missing".into() };
    let mut found = None;
    let read = audit::for_each_leaf(conn, seq, 1, |_, leaf| {
        found = Some(AuditEntry::from_leaf_data(leaf));
        Ok(())
    });
    match (read, found) {
        (Ok(()), Some(Ok(entry))) => {
            let member =
                if entry.member_id.is_empty() { String::new() } else { format!(" of {}", entry.member_id) };
            format!("now stored as {:?}{member} at {} (\"{}\")", entry.kind, entry.at, entry.detail)
        }
        (Ok(()), Some(Err(e))) => format!("whose stored bytes no longer decode ({e})"),
        _ => "which cannot be read".into(),
    }
}

impl Record {
    fn head(&self) -> Head {
        match self {
            Record::Signed { head, .. } | Record::Recovered { head, .. } => *head,
        }
    }
}

/// The whole records at the start of `bytes`, and how many bytes they take. A record cut short
/// at the end is left out; a damaged one followed by more data is `Err(offset)`.
fn parse(bytes: &[u8]) -> Result<(Vec<Record>, usize), usize> {
    let mut records = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let torn = || rest.iter().all(|&b| b == 0);
        let Some(len) = rest.get(..4).map(|l| u32::from_be_bytes(l.try_into().expect("4 bytes"))) else {
            break;
        };
        let total = 4 + len as usize + CHECK_LEN;
        if len > MAX_BODY {
            return if torn() { Ok((records, at)) } else { Err(at) };
        }
        if rest.len() < total {
            break;
        }
        let (record, check) = rest[..total].split_at(4 + len as usize);
        let body = &record[4..];
        match (Sha256::digest(record)[..CHECK_LEN] == *check).then(|| decode(body)).flatten() {
            Some(r) => records.push(r),
            None if rest.len() == total || torn() => break,
            None => return Err(at),
        }
        at += total;
    }
    Ok((records, at))
}

fn decode(body: &[u8]) -> Option<Record> {
    let mut r = Reader(body);
    if r.u8()? != VERSION {
        return None;
    }
    let record = match r.u8()? {
        SIGNED => {
            let (size, root, time, from) = (r.u64()?, r.hash()?, r.u64()?, r.u64()?);
            let leaves = r.leaves()?;
            let len = r.u32()? as usize;
            r.take(len)?;
            if from.checked_add(leaves.len() as u64) != Some(size) {
                return None;
            }
            Record::Signed { head: Head { size, root, time }, from, leaves }
        }
        RECOVERED => {
            let time = r.u64()?;
            let (_old_size, _old_root) = (r.u64()?, r.hash()?);
            let (size, root, kept) = (r.u64()?, r.hash()?, r.u64()?);
            let leaves = r.leaves()?;
            let len = r.u16()? as usize;
            r.take(len)?;
            if kept.checked_add(leaves.len() as u64) != Some(size) {
                return None;
            }
            Record::Recovered { head: Head { size, root, time }, kept, leaves }
        }
        _ => return None,
    };
    r.0.is_empty().then_some(record)
}

struct Writer(Vec<u8>);

impl Writer {
    fn new(kind: u8) -> Writer {
        Writer(vec![VERSION, kind])
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }
    fn leaves(&mut self, leaves: &[Hash]) -> &mut Self {
        self.u32(leaves.len() as u32);
        for leaf in leaves {
            self.bytes(leaf);
        }
        self
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
    fn hash(&mut self) -> Option<Hash> {
        self.take(32)?.try_into().ok()
    }
    fn leaves(&mut self) -> Option<Vec<Hash>> {
        let count = self.u32()? as usize;
        let bytes = self.take(count.checked_mul(32)?)?;
        Some(bytes.chunks_exact(32).map(|c| c.try_into().expect("32 bytes")).collect())
    }
}

fn file_error(path: &Path, reason: String) -> LedgerError {
    LedgerError::CheckpointFile { path: path.to_owned(), reason }
}

/// Makes a new file's name durable with it; best effort where directories cannot be synced.
fn sync_dir(dir: &Path) {
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
}
