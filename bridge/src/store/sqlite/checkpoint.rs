//! The checkpointer: copies the write-ahead log into the database on a connection of its own,
//! each time the writer says the log has grown by [`CHECKPOINT_PAGES`]. The writer never
//! checkpoints inside its batches (`wal_autocheckpoint` is off), so a commit's latency never
//! includes copying the log.

use std::ffi::c_int;
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::store::StoreError;

/// WAL pages of growth after which the checkpointer is asked to copy the log into the database
/// (about 4 MB with 4 KB pages, SQLite's own automatic threshold).
const CHECKPOINT_PAGES: c_int = 1000;

/// When to ask for a checkpoint, from the log's size after each commit. Under steady writes the
/// log never starts over (a PASSIVE checkpoint never catches up with a writer that commits
/// meanwhile, and SQLite restarts the log only from a fully copied one), so asking whenever it
/// is past a size would ask after every commit, and the checkpointer would copy a few frames and
/// sync the database file again and again: once per [`CHECKPOINT_PAGES`] of growth instead.
#[derive(Debug, Default)]
pub(super) struct Pacing {
    /// The log's size when a checkpoint was last asked for.
    asked_at: c_int,
}

impl Pacing {
    /// Whether to ask for a checkpoint now that a commit left the log at `pages`.
    pub(super) fn due(&mut self, pages: c_int) -> bool {
        if pages < self.asked_at {
            // The log started over from its beginning.
            self.asked_at = 0;
        }
        let due = pages - self.asked_at >= CHECKPOINT_PAGES;
        if due {
            self.asked_at = pages;
        }
        due
    }
}

/// The handle on the checkpointer thread; dropping it stops the thread.
#[derive(Debug)]
pub(super) struct Checkpointer {
    doorbell: Option<mpsc::SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread, with its connection on the database at `path`.
    pub(super) fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // One ring pending at most: rings while a checkpoint runs fold into one more pass.
        let (doorbell, rings) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("baton-store-checkpoint".into())
            .spawn(move || {
                while rings.recv().is_ok() {
                    // PASSIVE: copies what no reader still needs, never waits for the writer
                    // or a reader.
                    if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        tracing::warn!(%error, "a checkpoint failed; the next one retries");
                    }
                }
            })
            .map_err(|error| StoreError::Commit(format!("the checkpoint thread did not start: {error}")))?;
        Ok(Self { doorbell: Some(doorbell), thread: Some(thread) })
    }

    /// Asks for a checkpoint, unless one is already asked for.
    pub(super) fn ring(&self) {
        if let Some(doorbell) = &self.doorbell {
            // Full means a checkpoint is already due.
            let _ = doorbell.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.doorbell.take();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the store's checkpoint thread panicked");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_is_asked_for_once_per_growth_of_the_log_and_again_after_it_starts_over() {
        let mut pacing = Pacing::default();
        let asked: Vec<c_int> = [500, 1000, 1001, 1500, 1999, 2000, 2400, 12, 900, 1012]
            .into_iter()
            .filter(|pages| pacing.due(*pages))
            .collect();
        assert_eq!(asked, [1000, 2000, 1012]);
    }
}
