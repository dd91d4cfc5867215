//! What each conversation with listeners on this bridge has had published, so its events reach
//! them once each, in seq order, whichever bridge appended them. A conversation's head is the
//! last seq published; it starts at the snapshot the first listener's backlog read, and moves
//! only by contiguous steps: the event a local append has in hand when it is the next one, or
//! else every event after the head, read from the table (a conversation's committed seqs have no
//! gaps: a seq is taken under the row's lock, held to the commit). Other bridges' commits come
//! in batches ([`Publisher::committed_elsewhere`]): the conversations nobody listens to here are
//! skipped without a read, the others' new events are read in one query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use baton_protocol::{ConversationId, Event, Seq};
use deadpool_postgres::Pool;
use tokio_postgres::IsolationLevel;

use super::log::{answer_so_far, answers_so_far, conversation, events_after, events_after_each};
use crate::store::{AnswerSoFar, Backlog, Feeds, StoreError};

/// The last seq published of a conversation, once its first listener's backlog set it.
type Head = Arc<tokio::sync::Mutex<Option<Seq>>>;

/// A cheap-to-clone handle on the heads.
#[derive(Debug, Clone)]
pub(super) struct Publisher {
    /// This bridge's name in its notifications, so it skips the checkpoints it published itself.
    pub(super) instance: Arc<str>,
    pool: Pool,
    feeds: Feeds,
    heads: Arc<Mutex<HashMap<ConversationId, Head>>>,
}

impl Publisher {
    pub(super) fn new(pool: Pool, feeds: Feeds) -> Self {
        Self { instance: crate::token::random_hex(8).into(), pool, feeds, heads: Arc::default() }
    }

    // A std mutex: held for a map lookup only, never across an await.
    fn heads(&self) -> MutexGuard<'_, HashMap<ConversationId, Head>> {
        self.heads.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A listener's backlog: every event after `after` and the answer in flight, read in one
    /// snapshot with the conversation's existence (`None` once it is gone). The listener joined the feed before;
    /// the head is held while the backlog is read, so an event committed after the snapshot is
    /// published after it, and one before it is in the backlog.
    pub(super) async fn backlog(
        &self,
        id: &ConversationId,
        after: Seq,
    ) -> Result<Option<Backlog>, StoreError> {
        let head = self.heads().entry(id.clone()).or_default().clone();
        let mut last = head.lock().await;
        let mut client = self.pool.get().await?;
        let snapshot =
            client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).start().await?;
        // Pipelined: one round trip for the three reads.
        let (record, events, answer) = tokio::try_join!(
            conversation(&snapshot, id),
            events_after(&snapshot, id, after),
            answer_so_far(&snapshot, id),
        )?;
        snapshot.commit().await?;
        let Some(record) = record else {
            return Ok(None);
        };
        // A head already set stays: earlier listeners have seen up to it, and what came since
        // is published from it (this listener drops what its backlog already had, by seq).
        last.get_or_insert(record.last_seq);
        Ok(Some(Backlog { events, answer }))
    }

    /// Publishes what a commit made of the conversation up to `seq`, if someone listens to it
    /// here: `event` itself when it is the next, else everything after the head, read from the
    /// table. A read that fails is logged; the next commit's notification catches up.
    pub(super) async fn committed(&self, id: &ConversationId, seq: Seq, event: Option<&Event>) {
        let Some(head) = self.heads().get(id).cloned() else { return };
        let mut last = head.lock().await;
        if !self.feeds.listens(id) {
            // The last listener left: forget the head (unless a new one replaced it).
            let mut heads = self.heads();
            if heads.get(id).is_some_and(|current| Arc::ptr_eq(current, &head)) {
                heads.remove(id);
            }
            return;
        }
        let Some(from) = *last else { return };
        if seq <= from {
            return;
        }
        let events = match event {
            Some(event) if event.seq.0 == from.0 + 1 => vec![event.clone()],
            _ => match self.read_after(id, from).await {
                Ok(events) => events,
                Err(error) => {
                    tracing::warn!(%error, conversation = %id.0, "new events could not be read for the listeners");
                    return;
                }
            },
        };
        if let Some(newest) = events.last() {
            *last = Some(newest.seq);
        }
        self.feeds.publish(events.into_iter().map(|event| (id.clone(), event)));
    }

    /// Publishes what other bridges committed: each conversation's events up to its seq, for
    /// the conversations someone listens to here, read together in one query. The heads are
    /// locked in the order of their conversations (as nothing else holds two), so the events
    /// fall in order among those this bridge appends meanwhile.
    pub(super) async fn committed_elsewhere(&self, mut commits: Vec<(ConversationId, Seq)>) {
        commits.sort();
        commits.dedup_by(|later, earlier| {
            // Sorted by seq within a conversation: keep the last (the highest).
            let same = later.0 == earlier.0;
            if same {
                earlier.1 = later.1;
            }
            same
        });
        let mut held = Vec::new();
        for (id, seq) in commits {
            let Some(head) = self.listened_head(&id) else { continue };
            held.push((id, seq, head.lock_owned().await));
        }
        let wanted: Vec<(ConversationId, Seq)> = held
            .iter()
            .filter_map(|(id, seq, last)| {
                let from = (**last)?;
                (from < *seq).then(|| (id.clone(), from))
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        let mut events = match self.read_after_each(&wanted).await {
            Ok(events) => events,
            Err(error) => {
                tracing::warn!(%error, conversations = wanted.len(), "new events could not be read for the listeners");
                return;
            }
        };
        for (id, _, last) in &mut held {
            let Some(new) = events.remove(id) else { continue };
            if let Some(newest) = new.last() {
                **last = Some(newest.seq);
            }
            self.feeds.publish(new.into_iter().map(|event| (id.clone(), event)));
        }
    }

    /// Publishes the checkpoints other bridges made of the conversations' answers in flight, for
    /// those someone listens to here: each text so far, read together, as one delta from offset
    /// 0 (a stream sends each byte of an answer once, whatever pieces overlap). Under the heads'
    /// locks, so each falls in order among its conversation's events.
    pub(super) async fn answers_checkpointed(&self, mut ids: Vec<ConversationId>) {
        ids.sort();
        ids.dedup();
        let mut held = Vec::new();
        for id in ids {
            let Some(head) = self.listened_head(&id) else { continue };
            let last = head.lock_owned().await;
            if last.is_some() {
                held.push((id, last));
            }
        }
        if held.is_empty() {
            return;
        }
        let ids: Vec<String> = held.iter().map(|(id, _)| id.0.clone()).collect();
        let answers = match self.read_answers(&ids).await {
            Ok(answers) => answers,
            Err(error) => {
                tracing::warn!(%error, conversations = ids.len(), "answers' checkpoints could not be read");
                return;
            }
        };
        // An answer completed meanwhile is not there: the completion restates the whole text.
        let deltas = answers.into_iter().filter(|(_, answer)| !answer.text.is_empty());
        self.feeds.publish(deltas.map(|(id, answer)| (id, answer.as_delta())));
        drop(held);
    }

    /// The conversation's head if someone listens to it here; a head whose last listener left is
    /// forgotten (unless a new one replaced it).
    fn listened_head(&self, id: &ConversationId) -> Option<Head> {
        let mut heads = self.heads();
        let head = heads.get(id)?.clone();
        if self.feeds.listens(id) {
            return Some(head);
        }
        if heads.get(id).is_some_and(|current| Arc::ptr_eq(current, &head)) {
            heads.remove(id);
        }
        None
    }

    async fn read_after_each(
        &self,
        wanted: &[(ConversationId, Seq)],
    ) -> Result<HashMap<ConversationId, Vec<Event>>, StoreError> {
        events_after_each(&self.pool.get().await?, wanted).await
    }

    async fn read_answers(&self, ids: &[String]) -> Result<Vec<(ConversationId, AnswerSoFar)>, StoreError> {
        answers_so_far(&self.pool.get().await?, ids).await
    }

    async fn read_after(&self, id: &ConversationId, from: Seq) -> Result<Vec<Event>, StoreError> {
        events_after(&self.pool.get().await?, id, from).await
    }

    /// Publishes whatever every listened conversation missed: after the notifications were lost.
    pub(super) async fn catch_up(&self) {
        let ids: Vec<(ConversationId, Seq)> =
            self.heads().keys().map(|id| (id.clone(), Seq(u64::MAX))).collect();
        self.committed_elsewhere(ids).await;
    }

    /// Ends the conversation's feeds and forgets its head: it was erased.
    pub(super) fn close(&self, id: &ConversationId) {
        self.heads().remove(id);
        self.feeds.close(id);
    }
}
