//! What each conversation with listeners on this bridge has had published, so its events reach
//! them once each, in seq order, whichever bridge appended them. A conversation's head is the
//! last seq published; it starts at the snapshot the first listener's backlog read, and moves
//! only by contiguous steps: the event a local append has in hand when it is the next one, or
//! else every event after the head, read from the table (a conversation's committed seqs have no
//! gaps: a seq is taken under the row's lock, held to the commit).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use baton_protocol::{ConversationId, Event, Seq};
use deadpool_postgres::Pool;
use tokio_postgres::IsolationLevel;

use super::log::{answer_so_far, conversation, events_after};
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
        let Some(record) = conversation(&*snapshot, id).await? else {
            return Ok(None);
        };
        let events = events_after(&*snapshot, id, after).await?;
        let answer = answer_so_far(&*snapshot, id).await?;
        snapshot.commit().await?;
        // A head already set stays: earlier listeners have seen up to it, and what came since
        // is published from it (this listener drops what its backlog already had, by seq).
        last.get_or_insert(record.last_seq);
        Ok(Some(Backlog { events, answer }))
    }

    /// Publishes a checkpoint another bridge made of the conversation's answer in flight, if
    /// someone listens to it here: the whole text so far, read from the table, as one delta
    /// from offset 0 (a stream sends each byte of an answer once, whatever pieces overlap).
    /// Under the head's lock, so it falls in order among the conversation's events.
    pub(super) async fn answer_checkpointed(&self, id: &ConversationId) {
        let Some(head) = self.heads().get(id).cloned() else { return };
        let last = head.lock().await;
        if last.is_none() || !self.feeds.listens(id) {
            return;
        }
        let delta = match self.read_answer(id).await {
            Ok(Some(answer)) => answer.as_delta(),
            // Completed meanwhile: the completion restates the whole text.
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, conversation = %id.0, "an answer's checkpoint could not be read");
                return;
            }
        };
        self.feeds.publish(std::iter::once((id.clone(), delta)));
        drop(last);
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

    async fn read_after(&self, id: &ConversationId, from: Seq) -> Result<Vec<Event>, StoreError> {
        events_after(&**self.pool.get().await?, id, from).await
    }

    async fn read_answer(&self, id: &ConversationId) -> Result<Option<AnswerSoFar>, StoreError> {
        answer_so_far(&**self.pool.get().await?, id).await
    }

    /// Publishes whatever every listened conversation missed: after the notifications were lost.
    pub(super) async fn catch_up(&self) {
        let ids: Vec<ConversationId> = self.heads().keys().cloned().collect();
        for id in ids {
            self.committed(&id, Seq(u64::MAX), None).await;
        }
    }

    /// Ends the conversation's feeds and forgets its head: it was erased.
    pub(super) fn close(&self, id: &ConversationId) {
        self.heads().remove(id);
        self.feeds.close(id);
    }
}
