//! The checkpointer: copies the write-ahead log into the database on a connection of its own,
//! when the writer says the log has grown past a size. The writer never checkpoints inside its
//! batches (`wal_autocheckpoint` is off), so a commit's latency never includes copying the log.

use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::store::StoreError;

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
