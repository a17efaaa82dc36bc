//! Copies the write-ahead log back into the database file on a thread of its own, so that a sync
//! never waits for it.
//!
//! SQLite's default is for the connection that commits to run the checkpoint once the log passes
//! 1,000 pages: every few full syncs, one of them also copied some four megabytes and synced the
//! database file before it could answer (about 6 ms on the machines we measure on, against 10 ms
//! for the whole sync). Here the ledger's connection only reports the log's size after each commit
//! (`sqlite3_wal_hook`), and a second connection to the same file runs the checkpoint in passive
//! mode: it copies what every reader has finished with and waits for no one, while the writer
//! goes on appending. It is SQLite's own checkpoint, run from elsewhere, so what reaches the disk
//! and when a commit is durable are unchanged.
//!
//! Should the thread fall behind (a long reader holds old pages, or it could not be started), the
//! committing connection checkpoints itself once the log passes [`SELF_CHECKPOINT_PAGES`], as it
//! would have by default, so the log stays bounded.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

use rusqlite::Connection;
use rusqlite::wal::CheckpointMode;

use crate::LedgerError;

/// Log pages after a commit that start a checkpoint on the thread: SQLite's own default.
const CHECKPOINT_PAGES: i32 = 1_000;
/// Log pages after which the committing connection checkpoints by itself.
pub(crate) const SELF_CHECKPOINT_PAGES: i32 = 16 * CHECKPOINT_PAGES;

enum Signal {
    Checkpoint,
    Stop,
}

/// The checkpoint thread of one ledger database. Dropping it stops the thread and waits for it.
pub(crate) struct Checkpointer {
    signal: SyncSender<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on its own connection to `path`, and has `writer` wake it after each
    /// commit that leaves at least [`CHECKPOINT_PAGES`] in the log. With no thread (it could not
    /// be started), `writer` keeps checkpointing for itself.
    pub(crate) fn start(path: &Path, writer: &mut Connection) -> Result<Option<Checkpointer>, LedgerError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Reading the mode opens the database, and its log, on this connection: a connection that
        // has read nothing yet does not know the file is in WAL mode and checkpoints nothing.
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Ok(None);
        }
        // One waiting signal is enough: the checkpoint it starts copies every commit before it.
        let (signal, wake) = std::sync::mpsc::sync_channel(1);
        let thread = match std::thread::Builder::new()
            .name("ledger-checkpoint".into())
            .spawn(move || checkpoint_when_woken(&conn, &wake))
        {
            Ok(thread) => thread,
            Err(e) => {
                tracing::warn!("no checkpoint thread ({e}); commits checkpoint the log themselves");
                return Ok(None);
            }
        };
        let wake = signal.clone();
        writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: i32| {
            if pages >= SELF_CHECKPOINT_PAGES {
                wal.checkpoint_v2(CheckpointMode::PASSIVE)?;
            } else if pages >= CHECKPOINT_PAGES {
                match wake.try_send(Signal::Checkpoint) {
                    Ok(()) | Err(TrySendError::Full(_)) => {}
                    // The thread is gone (it panicked): do its work here.
                    Err(TrySendError::Disconnected(_)) => {
                        wal.checkpoint_v2(CheckpointMode::PASSIVE)?;
                    }
                }
            }
            Ok(())
        }))?;
        Ok(Some(Checkpointer { signal, thread: Some(thread) }))
    }
}

fn checkpoint_when_woken(conn: &Connection, wake: &Receiver<Signal>) {
    while let Ok(Signal::Checkpoint) = wake.recv() {
        if let Err(e) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            // Nothing is lost: the log keeps every commit until a later checkpoint copies it.
            tracing::warn!("checkpoint of the ledger's log failed, to be tried again: {e}");
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let _ = self.signal.send(Signal::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_in_main_file(path: &Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) / 4096
    }

    #[test]
    fn the_thread_copies_the_log_into_the_database_and_stops_with_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let mut writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "wal").unwrap();
        writer.pragma_update(None, "synchronous", "FULL").unwrap();
        writer.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)").unwrap();
        let checkpointer = Checkpointer::start(&path, &mut writer).unwrap().expect("a thread");
        let before = rows_in_main_file(&path);
        // Two commits of about 600 pages each: the second leaves more than 1,000 in the log.
        for commit in 0..2 {
            let tx = writer.transaction().unwrap();
            for row in 0..600 {
                tx.execute("INSERT INTO t (id, b) VALUES (?1, zeroblob(4000))", [commit * 600 + row])
                    .unwrap();
            }
            tx.commit().unwrap();
        }
        // The commit itself did not copy anything back; the thread does, soon after.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while rows_in_main_file(&path) < before + 1_000 {
            assert!(std::time::Instant::now() < deadline, "the log was never copied into the database");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        drop(checkpointer);
        let count: i64 = writer.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(count, 1_200);
        // The thread stopped after copying every frame of the log.
        let (log, copied) = writer.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE).unwrap();
        assert_eq!(log, copied, "everything committed is in the database file");
    }
}
