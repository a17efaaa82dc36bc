//! The wallet file: the one place that opens it, and its schema.
//!
//! Lifecycle of an open:
//! 1. [`Store::create`] refuses an existing path; [`Store::open`] refuses a missing one.
//! 2. Before anything writes, the file is opened **read-only** and its header checked: an SQLite
//!    file of another application, or a file that is not SQLite at all, is refused; a schema newer
//!    than this build is refused. Either way the file is left byte-for-byte as it was.
//! 3. Only then is it opened for writing with WAL, `synchronous=FULL` (a commit is on disk before
//!    it returns, which is what "durable before shown" needs), foreign keys and a busy timeout.
//! 4. Pending migrations run, all in one transaction: a crash mid-migration leaves the old schema.
//!
//! SQLite's own corruption errors surface as [`StoreError::Corrupt`]: the app shows an error and
//! the file is kept for recovery. Nothing here ever deletes or recreates a wallet file.

mod migrations;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use thiserror::Error;

pub use migrations::SCHEMA_VERSION;

/// Marks an SQLite file as an Outpost wallet (`PRAGMA application_id`): "OPWL".
pub const APPLICATION_ID: i32 = 0x4F50_574C;

/// Errors opening or using the wallet file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("no wallet file at {path}: check the path, or create a wallet")]
    NotFound { path: PathBuf },
    #[error("a file already exists at {path}, and it was not overwritten: choose another name")]
    AlreadyExists { path: PathBuf },
    #[error("{path} is not an Outpost wallet file: check the path")]
    NotAWallet { path: PathBuf },
    #[error(
        "the wallet file uses schema version {found}, newer than this app reads (up to \
         {supported}), and was not changed: update the app"
    )]
    NewerSchema { found: i64, supported: i64 },
    #[error("the wallet file is damaged ({detail}) and was kept as it is: restore it from a backup")]
    Corrupt { detail: String },
    #[error("the wallet file is incomplete ({detail}): restore it from a backup")]
    Incomplete { detail: String },
    #[error(
        "the wallet file could not be read or written ({0}): check the device has free space, then try again"
    )]
    Io(#[source] rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        match error.sqlite_error_code() {
            Some(DatabaseCorrupt | NotADatabase) => StoreError::Corrupt { detail: error.to_string() },
            _ => StoreError::Io(error),
        }
    }
}

/// An open wallet file. Not shared between threads; the wallet keeps it behind its lock.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Creates a new wallet file with the current schema and the rows `init` writes.
    ///
    /// The file is built under a temporary name and renamed into place only once complete and
    /// on disk, so a crash during creation never leaves a half-made wallet at `path`.
    pub fn create<E: From<StoreError>>(
        path: &Path,
        init: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), E>,
    ) -> Result<Self, E> {
        if path.exists() {
            return Err(StoreError::AlreadyExists { path: path.to_path_buf() }.into());
        }
        let partial = partial_path(path);
        remove_partial(&partial);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        {
            let mut conn = Connection::open_with_flags(&partial, flags).map_err(StoreError::from)?;
            configure(&conn)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID).map_err(StoreError::from)?;
            let tx =
                conn.transaction_with_behavior(TransactionBehavior::Exclusive).map_err(StoreError::from)?;
            migrations::apply(&tx, 0)?;
            init(&tx)?;
            tx.commit().map_err(StoreError::from)?;
            // Closing the last connection checkpoints the WAL into the main file and removes it.
            conn.close().map_err(|(_, e)| StoreError::from(e))?;
        }
        if path.exists() {
            remove_partial(&partial);
            return Err(StoreError::AlreadyExists { path: path.to_path_buf() }.into());
        }
        let io = |e: std::io::Error| StoreError::Incomplete {
            detail: format!("cannot place the new wallet file: {e}"),
        };
        std::fs::rename(&partial, path).map_err(io)?;
        sync_parent_dir(path).map_err(io)?;
        Ok(Self::open(path)?)
    }

    /// Opens an existing wallet file, migrating it forward if it is older than this build.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound { path: path.to_path_buf() });
        }
        let version = inspect(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags)?;
        configure(&conn)?;
        // Room for every statement a payment, an accept and a sync run, so none is parsed again.
        conn.set_prepared_statement_cache_capacity(64);
        if version < SCHEMA_VERSION {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
            migrations::apply(&tx, version)?;
            tx.commit()?;
        }
        Ok(Self { conn })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts a write transaction that takes the write lock at once, so a read-modify-write
    /// inside it cannot interleave with another process writing the same file.
    pub fn write(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        Ok(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".creating");
    path.with_file_name(name)
}

/// Removes what an interrupted creation left behind. It never became a wallet, so nothing of
/// value is lost.
fn remove_partial(partial: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = partial.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Makes a rename durable: on POSIX the new directory entry is on disk only once the directory
/// itself is synced.
fn sync_parent_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::File::open(parent)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Refuses a file shorter than its own header says. SQLite only notices a missing page when it
/// reads that page, so a file cut inside pages the wallet rarely reads (an index of an empty
/// table) would otherwise open as if whole.
///
/// Not while the write-ahead log holds frames: a checkpoint copies the log into the main file
/// page by page, page 1 (which carries the new size) first, so a kill part-way leaves a main file
/// shorter than its header with every missing page still in the log. SQLite reads those pages
/// from the log and copies them again at the next checkpoint; refusing the file would lock the
/// member out of a wallet that is whole.
fn check_length(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let io =
        |e: std::io::Error| StoreError::Incomplete { detail: format!("cannot read the wallet file: {e}") };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut header = [0u8; 100];
    if file.read_exact(&mut header).is_err() || !header.starts_with(b"SQLite format 3\0") {
        return Ok(()); // not an SQLite file at all: `inspect` says so precisely
    }
    let be32 = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().expect("4 bytes"));
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        size => u64::from(size),
    };
    // The size field is only authoritative when the change counter matches "valid-for".
    let pages = u64::from(be32(28));
    if pages > 0 && be32(24) == be32(92) && len < pages * page_size && !log_has_frames(path) {
        return Err(StoreError::Corrupt {
            detail: format!(
                "the file is {len} bytes but its header says {} bytes: it was cut short",
                pages * page_size
            ),
        });
    }
    Ok(())
}

/// Whether the file's write-ahead log holds anything past its 32-byte header.
fn log_has_frames(path: &Path) -> bool {
    let mut log = path.as_os_str().to_owned();
    log.push("-wal");
    std::fs::metadata(log).is_ok_and(|m| m.len() > 32)
}

/// Reads the header without writing: which application made the file, and its schema version.
fn inspect(path: &Path) -> Result<i64, StoreError> {
    check_length(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    let not_a_wallet = || StoreError::NotAWallet { path: path.to_path_buf() };
    let app_id: i32 = match conn.pragma_query_value(None, "application_id", |r| r.get(0)) {
        Ok(id) => id,
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err(not_a_wallet());
        }
        Err(e) => return Err(e.into()),
    };
    if app_id != APPLICATION_ID {
        return Err(not_a_wallet());
    }
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { found: version, supported: SCHEMA_VERSION });
    }
    Ok(version)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Incomplete { detail: format!("journal mode {mode} instead of WAL") });
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(())
}

/// Reads one sealed blob by key from `table`; `None` if the row is absent.
pub(crate) fn read_blob(
    conn: &Connection,
    table: &'static str,
    key_column: &'static str,
    key: &dyn rusqlite::ToSql,
) -> Result<Option<Vec<u8>>, StoreError> {
    let sql = format!("SELECT sealed FROM {table} WHERE {key_column} = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([key], |r| r.get(0)).optional()?)
}
