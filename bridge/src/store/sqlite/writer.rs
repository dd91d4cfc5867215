//! The writer thread: the one owner of the connection that writes. Writes arrive as jobs on a
//! channel; the thread takes everything pending (up to [`MAX_BATCH`]), runs it in ONE transaction
//! with each job in its own savepoint (a failing job fails alone), commits, and only then
//! publishes the appended events (in commit order, so in seq order per conversation) and answers
//! each caller. One fsync thus covers every write that arrived while the previous commit was on
//! its way to the disk: that is what makes `synchronous = FULL` affordable.
//!
//! Batches begin at most once per [`COMMIT_WINDOW`]. A write that comes after a quiet moment
//! commits at once; under load, the writes of the next couple of milliseconds gather behind the
//! last commit and share one. Each commit copies every page it changed into the write-ahead log
//! and fsyncs it, so a page that several writes change is copied once per commit, not once per
//! write: at 10,000 conversations the window cuts the commits per message from 0.7 to 0.2, and
//! the writer's CPU by a fifth. Its cost: a write right behind a commit waits up to 2 ms.

use std::cell::Cell;
use std::ffi::c_int;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use baton_protocol::{ConversationId, Event};
use tokio::sync::oneshot;

use super::checkpoint::Checkpointer;
use super::Store;
use crate::store::{EngineMetrics, Feeds, StoreError};

/// The most writes one transaction holds, so a flood of writes still commits (and answers) in
/// steps.
const MAX_BATCH: usize = 512;

/// The least time between the starts of two batches.
pub(super) const COMMIT_WINDOW: Duration = Duration::from_millis(2);

/// WAL pages past which the checkpointer is asked to copy the log into the database: about
/// 16 MB with 4 KB pages, four times SQLite's own automatic threshold. A checkpoint copies the
/// last version of each page the log holds; a larger log holds more versions of the same pages,
/// and the checkpoints are fewer: at 10,000 conversations this halves the checkpointer's CPU.
const CHECKPOINT_PAGES: c_int = 4000;

thread_local! {
    /// The WAL's size in pages after the writer's last commit, as SQLite's WAL hook reports it.
    static WAL_PAGES: Cell<c_int> = const { Cell::new(0) };
}

fn note_wal_pages(_wal: &rusqlite::hooks::Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.set(pages);
    Ok(())
}

/// What a write leaves to do once it is committed.
#[derive(Debug, Default)]
pub(super) struct Effects {
    published: Vec<(ConversationId, Event)>,
    closed: Vec<ConversationId>,
    truncate_log: bool,
}

impl Effects {
    /// Tells the conversation's listeners of `event` after the commit.
    pub(super) fn publish(&mut self, id: &ConversationId, event: &Event) {
        self.published.push((id.clone(), event.clone()));
    }

    /// Ends the conversation's live feeds after the commit.
    pub(super) fn close(&mut self, id: &ConversationId) {
        self.closed.push(id.clone());
    }

    /// Empties the write-ahead log after the commit, so deleted rows leave no copy in it.
    pub(super) fn truncate_log(&mut self) {
        self.truncate_log = true;
    }
}

/// Tells a caller how its write ended, given whether its transaction committed.
type Answer = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A job run, waiting for its transaction's outcome.
#[derive(Default)]
struct Settle {
    effects: Effects,
    answer: Option<Answer>,
}

/// A write: run on the store (in the batch's transaction), or refused with the reason.
type Job = Box<dyn FnOnce(Result<&mut Store, StoreError>) -> Settle + Send>;

/// Counters the thread keeps.
#[derive(Debug, Default)]
struct Counters {
    commits: AtomicU64,
    writes: AtomicU64,
}

/// The handle on the writer thread; dropping it lets the thread finish what was sent and stop.
#[derive(Debug)]
pub(super) struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl Writer {
    /// Starts the thread that owns `store`, publishing to `feeds`, its batches at least
    /// `window` apart.
    pub(super) fn start(
        store: Store,
        feeds: Feeds,
        checkpointer: Checkpointer,
        window: Duration,
    ) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let thread = std::thread::Builder::new()
            .name("baton-store-writer".into())
            .spawn({
                let counters = counters.clone();
                move || run(store, &queue, &feeds, &counters, &checkpointer, window)
            })
            .map_err(|error| StoreError::Commit(format!("the writer thread did not start: {error}")))?;
        Ok(Self { jobs: Some(jobs), thread: Some(thread), counters })
    }

    /// Runs `change` in the next batch's transaction and answers once that is committed, after
    /// its effects took place.
    pub(super) async fn write<T, F>(&self, change: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store, &mut Effects) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |store| match store {
            Ok(store) => {
                let mut effects = Effects::default();
                let result = store.in_savepoint(|store| change(store, &mut effects));
                if result.is_err() {
                    effects = Effects::default();
                }
                let answer: Answer = Box::new(move |committed| {
                    // A caller that stopped waiting does not need the answer.
                    let _ = reply.send(committed.and(result));
                });
                Settle { effects, answer: Some(answer) }
            }
            Err(refused) => {
                let _ = reply.send(Err(refused));
                Settle::default()
            }
        });
        self.jobs.as_ref().ok_or(StoreError::Stopped)?.send(job).map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    /// What the thread has committed so far.
    pub(super) fn metrics(&self) -> EngineMetrics {
        EngineMetrics {
            commits: self.counters.commits.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs.take();
        // The thread finishes the writes already sent, then closes its connection: a process
        // that opens the file next finds it free.
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the store's writer thread panicked");
            }
        }
    }
}

fn run(
    mut store: Store,
    queue: &mpsc::Receiver<Job>,
    feeds: &Feeds,
    counters: &Counters,
    checkpointer: &Checkpointer,
    window: Duration,
) {
    store.conn.wal_hook(Some(note_wal_pages));
    let mut last_batch: Option<Instant> = None;
    while let Ok(first) = queue.recv() {
        // What arrives meanwhile waits in the channel and joins this batch.
        if let Some(wait) = last_batch.and_then(|last| (last + window).checked_duration_since(Instant::now()))
        {
            std::thread::sleep(wait);
        }
        last_batch = Some(Instant::now());
        let batch: Vec<Job> = std::iter::once(first).chain(queue.try_iter().take(MAX_BATCH - 1)).collect();
        if let Err(error) =
            store.conn.prepare_cached("BEGIN IMMEDIATE").and_then(|mut begin| begin.execute([]))
        {
            let message = error.to_string();
            for job in batch {
                job(Err(StoreError::Commit(message.clone())));
            }
            continue;
        }
        let writes = batch.len() as u64;
        let mut settled: Vec<Settle> = batch.into_iter().map(|job| job(Ok(&mut store))).collect();
        let committed = store
            .conn
            .prepare_cached("COMMIT")
            .and_then(|mut commit| commit.execute([]))
            .map(drop)
            .map_err(|error| error.to_string());
        match &committed {
            Ok(()) => {
                counters.commits.fetch_add(1, Ordering::Relaxed);
                counters.writes.fetch_add(writes, Ordering::Relaxed);
                feeds.publish(settled.iter_mut().flat_map(|settle| settle.effects.published.drain(..)));
                for id in settled.iter().flat_map(|settle| &settle.effects.closed) {
                    feeds.close(id);
                }
                if settled.iter().any(|settle| settle.effects.truncate_log) {
                    if let Err(error) = store.truncate_log() {
                        tracing::error!(%error, "the write-ahead log could not be emptied after an erasure");
                    }
                } else if WAL_PAGES.get() >= CHECKPOINT_PAGES {
                    checkpointer.ring();
                }
            }
            Err(error) => {
                tracing::error!(%error, writes, "a batch of writes could not be committed");
                if let Err(error) = store.conn.execute_batch("ROLLBACK") {
                    tracing::error!(%error, "the failed batch could not be rolled back");
                }
            }
        }
        for settle in settled {
            if let Some(answer) = settle.answer {
                answer(committed.clone().map_err(StoreError::Commit));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretKey;
    use crate::store::sqlite::Durability;

    #[tokio::test]
    async fn writes_that_come_one_by_one_right_after_a_commit_share_the_next() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baton.db");
        let store = Store::open_writer(&path, SecretKey::generate(), Durability::Full).expect("opens");
        let checkpointer = Checkpointer::start(&path).expect("checkpointer");
        let window = Duration::from_millis(500);
        let writer = Arc::new(Writer::start(store, Feeds::default(), checkpointer, window).expect("starts"));
        writer.write(|_, _| Ok(())).await.expect("writes");
        let mut writes = Vec::new();
        for _ in 0..10 {
            let writer = writer.clone();
            writes.push(tokio::spawn(async move { writer.write(|_, _| Ok(())).await }));
            // Apart enough that, with no window, each would be committed before the next came.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for write in writes {
            write.await.expect("write task").expect("writes");
        }
        let metrics = writer.metrics();
        assert_eq!(metrics.writes, 11);
        // The first commit, then one for the ten (two if this machine took the whole window to
        // send them).
        assert!(metrics.commits <= 3, "11 writes took {} commits", metrics.commits);
    }
}
