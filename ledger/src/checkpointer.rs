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
