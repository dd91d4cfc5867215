//! Group commit on PostgreSQL: the hot path's writes (appends, checkpoints of answers in flight,
//! decisions, leases, new conversations) go to one task per bridge, which takes everything
//! pending and runs it as ONE transaction, its statements pipelined on one connection (one round
//! trip and one WAL flush for the whole round instead of one per write). Each write touches the
//! rows of one conversation only, and a round runs its writes ordered by conversation (keeping
//! their order within one), so two bridges' rounds take their row locks in the same order and
//! never deadlock each other. A statement that fails rolls the round back; its writes are then run
//! again one transaction each, so a failing write fails alone. Once a round is committed, its
//! events are published (in commit order) and only then are the callers answered.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use baton_protocol::{ConversationId, Event};
use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::publisher::Publisher;
use crate::store::StoreError;

/// The most writes one round holds, so a flood still commits (and answers) in steps.
const MAX_BATCH: usize = 256;

/// A parameter of a statement, owned by its write.
pub(super) type Param = Box<dyn ToSql + Send + Sync>;

/// What a write's statements returned, and the event it appended (if it did).
pub(super) struct Written {
    /// Each statement's rows, in order.
    pub(super) rows: Vec<Vec<Row>>,
    /// The event appended, published before the caller is answered.
    pub(super) event: Option<Event>,
}

/// Makes the appended event (if any) out of the write's rows, once committed.
type Settle = Box<dyn FnOnce(&[Vec<Row>]) -> Option<Event> + Send + Sync>;

/// One write: statements on one conversation's rows, run in order in the round's transaction.
pub(super) struct Write {
    conversation: ConversationId,
    statements: Vec<(&'static str, Vec<Param>)>,
    settle: Option<Settle>,
    reply: oneshot::Sender<Result<Written, StoreError>>,
}

/// Counters the task keeps, shared with the engine's metrics.
#[derive(Debug, Default)]
pub(super) struct Counters {
    /// Transactions committed (rounds, and writes run alone after a round failed).
    pub(super) commits: AtomicU64,
    /// Writes those transactions held.
    pub(super) writes: AtomicU64,
}

/// The handle on the task; dropping it stops the task once what was sent is done.
#[derive(Debug)]
pub(super) struct Writer {
    jobs: mpsc::UnboundedSender<Write>,
    task: JoinHandle<()>,
}

impl Writer {
    /// Starts the task, writing on `pool` and publishing through `publisher`.
    pub(super) fn start(pool: Pool, publisher: Publisher, counters: Arc<Counters>) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        let (published, publishing) = mpsc::unbounded_channel();
        tokio::spawn(publish(publishing, publisher));
        let task = tokio::spawn(run(pool, queue, published, counters));
        Self { jobs, task }
    }

    /// Runs `statements` (one conversation's rows) in the next round; `settle` makes the event
    /// appended, if any, from their rows once committed.
    pub(super) async fn write(
        &self,
        conversation: &ConversationId,
        statements: Vec<(&'static str, Vec<Param>)>,
        settle: Option<Settle>,
    ) -> Result<Written, StoreError> {
        let (reply, answer) = oneshot::channel();
        let write = Write { conversation: conversation.clone(), statements, settle, reply };
        self.jobs.send(write).map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A committed write waiting for its event to be published before its caller is answered.
type Committed = (Option<(ConversationId, Event)>, oneshot::Sender<Result<Written, StoreError>>, Written);

async fn run(
    pool: Pool,
    mut queue: mpsc::UnboundedReceiver<Write>,
    published: mpsc::UnboundedSender<Vec<Committed>>,
    counters: Arc<Counters>,
) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        // Stable: a conversation's writes keep their order.
        batch.sort_by(|a, b| a.conversation.0.cmp(&b.conversation.0));
        let outcomes = match round(&pool, &batch).await {
            Round::Committed(rows) => {
                counters.commits.fetch_add(1, Ordering::Relaxed);
                counters.writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
                rows.into_iter().map(Ok).collect()
            }
            Round::RolledBack(error) if batch.len() == 1 => vec![Err(error)],
            // Nothing of the round is stored: each write again, alone, fails alone.
            Round::RolledBack(_) => {
                let mut outcomes = Vec::with_capacity(batch.len());
                for write in &batch {
                    outcomes.push(match round(&pool, std::slice::from_ref(write)).await {
                        Round::Committed(mut rows) => {
                            counters.commits.fetch_add(1, Ordering::Relaxed);
                            counters.writes.fetch_add(1, Ordering::Relaxed);
                            Ok(rows.pop().unwrap_or_default())
                        }
                        Round::RolledBack(error) | Round::Failed(error) => Err(error),
                    });
                }
                outcomes
            }
            Round::Failed(error) => {
                let message = error.to_string();
                batch.iter().map(|_| Err(StoreError::Commit(message.clone()))).collect::<Vec<_>>()
            }
        };
        let mut committed = Vec::with_capacity(batch.len());
        for (write, outcome) in batch.into_iter().zip(outcomes) {
            match outcome {
                Ok(rows) => {
                    let event = write.settle.and_then(|settle| settle(&rows));
                    let publish = event.clone().map(|event| (write.conversation, event));
                    committed.push((publish, write.reply, Written { rows, event }));
                }
                Err(error) => {
                    // A caller that stopped waiting does not need the answer.
                    let _ = write.reply.send(Err(error));
                }
            }
        }
        if published.send(committed).is_err() {
            return;
        }
    }
}

/// Publishes each round's events in commit order, then answers its callers: the writer goes on
/// with the next round meanwhile, and never waits for a read the publisher may make.
async fn publish(mut rounds: mpsc::UnboundedReceiver<Vec<Committed>>, publisher: Publisher) {
    while let Some(round) = rounds.recv().await {
        for (event, _, _) in &round {
            if let Some((id, event)) = event {
                publisher.committed(id, event.seq, Some(event)).await;
            }
        }
        for (_, reply, written) in round {
            let _ = reply.send(Ok(written));
        }
    }
}

/// How a round's transaction ended.
enum Round {
    /// Committed: each write's rows of each statement.
    Committed(Vec<Vec<Vec<Row>>>),
    /// A statement failed, so the transaction was rolled back: nothing of it is stored.
    RolledBack(StoreError),
    /// The connection failed: whether it committed is not known.
    Failed(StoreError),
}

/// Runs `batch` in one transaction, every statement pipelined behind `BEGIN` and before
/// `COMMIT` on one connection.
async fn round(pool: &Pool, batch: &[Write]) -> Round {
    let client = match pool.get().await {
        Ok(client) => client,
        // Nothing was sent: nothing is stored.
        Err(error) => return Round::RolledBack(error.into()),
    };
    let mut prepared = Vec::new();
    for (sql, _) in batch.iter().flat_map(|write| &write.statements) {
        match client.prepare_cached(sql).await {
            Ok(statement) => prepared.push(statement),
            Err(error) => return Round::RolledBack(error.into()),
        }
    }
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = batch
        .iter()
        .flat_map(|write| &write.statements)
        .map(|(_, params)| params.iter().map(|param| param.as_ref() as &(dyn ToSql + Sync)).collect())
        .collect();
    // Each request is sent on its future's first poll, and these are first polled in this order
    // (`biased`; `join_all` polls its futures in order too), so the connection gets `BEGIN`, the
    // statements and `COMMIT` in order, in one round trip.
    let queries = prepared.iter().zip(&params).map(|(statement, params)| client.query(statement, params));
    let (begun, results, committed) = tokio::join!(
        biased;
        client.batch_execute("BEGIN"),
        futures::future::join_all(queries),
        client.batch_execute("COMMIT"),
    );
    if let Err(error) = begun {
        return Round::Failed(error.into());
    }
    let mut failed = None;
    let mut rows = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(result) => rows.push(result),
            Err(error) => {
                failed.get_or_insert(error);
                rows.push(Vec::new());
            }
        }
    }
    match (committed, failed) {
        (Err(error), _) => Round::Failed(error.into()),
        // A failed statement turns the `COMMIT` into a rollback.
        (Ok(()), Some(error)) => Round::RolledBack(error.into()),
        (Ok(()), None) => {
            let mut rows = rows.into_iter();
            Round::Committed(
                batch.iter().map(|write| rows.by_ref().take(write.statements.len()).collect()).collect(),
            )
        }
    }
}
