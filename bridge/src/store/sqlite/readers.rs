//! The reader threads: each owns a read-only connection on the WAL database, so reads never wait
//! for the writer's transaction and never run on an async thread. A read goes to whichever
//! thread is free.

use std::path::Path;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use super::Store;
use crate::secret::SecretKey;
use crate::store::StoreError;

/// A read, given a connection.
type ReadJob = Box<dyn FnOnce(&Store) + Send>;

/// The handle on the reader threads; dropping it lets them finish what was sent and stop.
#[derive(Debug)]
pub(super) struct Readers {
    jobs: Option<crossbeam_channel::Sender<ReadJob>>,
    threads: Vec<JoinHandle<()>>,
}

impl Readers {
    /// Opens `count` connections on the database at `path` and starts a thread for each.
    pub(super) fn start(path: &Path, key: &SecretKey, count: usize) -> Result<Self, StoreError> {
        let (jobs, queue) = crossbeam_channel::unbounded::<ReadJob>();
        let mut threads = Vec::with_capacity(count);
        for number in 0..count {
            let store = Store::open_reader(path, key.clone())?;
            let queue = queue.clone();
            let thread = std::thread::Builder::new()
                .name(format!("baton-store-reader-{number}"))
                .spawn(move || {
                    // Until every sender is gone.
                    while let Ok(job) = queue.recv() {
                        // A read that panics (a bug) drops its answer, so its caller gets
                        // `Stopped`; the thread reads on.
                        let read = std::panic::AssertUnwindSafe(|| job(&store));
                        if std::panic::catch_unwind(read).is_err() {
                            tracing::error!("a store read panicked");
                        }
                    }
                })
                .map_err(|error| StoreError::Commit(format!("a reader thread did not start: {error}")))?;
            threads.push(thread);
        }
        Ok(Self { jobs: Some(jobs), threads })
    }

    /// Runs `query` on a free reader's connection.
    pub(super) async fn read<T, F>(&self, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: ReadJob = Box::new(move |store| {
            // A caller that stopped waiting does not need the answer.
            let _ = reply.send(query(store));
        });
        self.jobs.as_ref().ok_or(StoreError::Stopped)?.send(job).map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}

impl Drop for Readers {
    fn drop(&mut self) {
        self.jobs.take();
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("a store reader thread panicked");
            }
        }
    }
}
