//! The shared handle on every conversation: the store plus one broadcast channel per conversation
//! that has listeners. Appending and subscribing happen under one lock, so a stream that reads the
//! backlog and then listens can neither miss an event written in between nor see it twice.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use baton_protocol::{ClientId, ConversationId, Event, EventKind, Seq, TranscriptEntry, Visitor};
use tokio::sync::broadcast;

use baton_protocol::AgentId;

use crate::secret::SecretKey;
use crate::store::{
    Appended, ConversationExport, ConversationRecord, HandoffId, InterruptedAnswer, Store, StoreError,
};

/// How many live events a slow listener may fall behind before it re-reads from the store. An
/// answer streams a few dozen events; a listener further behind than this catches up from the
/// store, so a larger channel only costs memory for every conversation with a listener.
const CHANNEL_CAPACITY: usize = 32;

/// A cheap-to-clone handle on the store and the live channels.
#[derive(Clone, Debug)]
pub struct Conversations {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    channels: HashMap<ConversationId, broadcast::Sender<Arc<Event>>>,
}

/// A listener on one conversation: the events stored after the seq it asked for, then a live feed.
#[derive(Debug)]
pub struct Subscription {
    /// Stored events the listener has not seen, in order.
    pub backlog: Vec<Event>,
    /// Events appended after the backlog was read.
    pub live: Live,
}

/// The live feed of one conversation. The conversation's channel exists only while someone
/// listens: the last feed to go removes it, so nothing is held for a conversation whose visitor
/// left.
#[derive(Debug)]
pub struct Live {
    receiver: Option<broadcast::Receiver<Arc<Event>>>,
    id: ConversationId,
    conversations: Conversations,
}

impl Live {
    /// The next event appended, as [`broadcast::Receiver::recv`] answers it: one copy, shared by
    /// every listener.
    pub async fn recv(&mut self) -> Result<Arc<Event>, broadcast::error::RecvError> {
        match &mut self.receiver {
            Some(receiver) => receiver.recv().await,
            None => Err(broadcast::error::RecvError::Closed),
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.receiver.take();
        let mut inner = self.conversations.lock();
        // Under the lock `subscribe` takes, so no listener can join between the count and the
        // removal.
        if inner.channels.get(&self.id).is_some_and(|sender| sender.receiver_count() == 0) {
            inner.channels.remove(&self.id);
        }
    }
}

impl Conversations {
    /// Opens (or creates) the database file at `path`, its secrets sealed with the key file
    /// beside it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self::over(Store::open(path)?))
    }

    /// Opens (or creates) the database file at `path`, its secrets sealed with `key`.
    pub fn open_with_key(path: &Path, key: SecretKey) -> Result<Self, StoreError> {
        Ok(Self::over(Store::open_with_key(path, key)?))
    }

    fn over(store: Store) -> Self {
        Self { inner: Arc::new(Mutex::new(Inner { store, channels: HashMap::new() })) }
    }

    // The lock is a std mutex: nothing is awaited while it is held, and each SQLite statement
    // under it takes microseconds. A poisoned lock only means another request panicked; the
    // store's transactions keep the data consistent, so it is used as it is.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a new conversation.
    pub fn create(&self, record: &ConversationRecord) -> Result<(), StoreError> {
        self.lock().store.create_conversation(record, now_millis())
    }

    /// The conversation, if it exists.
    pub fn get(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        self.lock().store.conversation(id)
    }

    /// Records what is now known of the visitor; `by_visitor` when the visitor typed it.
    pub fn update_visitor(
        &self,
        id: &ConversationId,
        visitor: &Visitor,
        by_visitor: bool,
    ) -> Result<(), StoreError> {
        self.lock().store.update_visitor(id, visitor, by_visitor)
    }

    /// Appends an event and tells every listener.
    pub fn append(&self, id: &ConversationId, kind: EventKind) -> Result<Event, StoreError> {
        let mut inner = self.lock();
        let event = inner.store.append(id, now_millis(), kind)?;
        inner.publish(id, &event);
        Ok(event)
    }

    /// Appends the visitor's message unless this client id was stored before.
    pub fn append_visitor_message(
        &self,
        id: &ConversationId,
        client_id: ClientId,
        text: String,
    ) -> Result<Appended, StoreError> {
        let mut inner = self.lock();
        let appended = inner.store.append_visitor_message(id, now_millis(), client_id, text)?;
        if let Appended::New(event) = &appended {
            inner.publish(id, event);
        }
        Ok(appended)
    }

    /// Everything stored after `after`, and a live feed of what comes next; `Missing` if the
    /// conversation does not exist (any more).
    pub fn subscribe(&self, id: &ConversationId, after: Seq) -> Result<Subscription, StoreError> {
        let (receiver, backlog) = {
            let mut inner = self.lock();
            // Checked under the lock `erase` takes: a stream authorized just before an erasure
            // gets no feed that nothing would ever close.
            if inner.store.conversation(id)?.is_none() {
                return Err(StoreError::Missing(format!("conversation {}", id.0)));
            }
            // Subscribe before reading the backlog, under the same lock as `append`: an event is
            // either in the backlog or on the feed, never in neither. The reader drops feed
            // events at or below the backlog's last seq, so it is never in both either.
            let receiver = inner
                .channels
                .entry(id.clone())
                .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
                .subscribe();
            (receiver, inner.store.events_after(id, after))
        };
        // Built with the lock released: a failed read drops the feed, which takes the lock.
        let live = Live { receiver: Some(receiver), id: id.clone(), conversations: self.clone() };
        Ok(Subscription { backlog: backlog?, live })
    }

    /// How many conversations have someone listening.
    pub fn listened(&self) -> usize {
        self.lock().channels.len()
    }

    /// Stored events after `after`, for a listener that fell behind its feed.
    pub fn events_after(&self, id: &ConversationId, after: Seq) -> Result<Vec<Event>, StoreError> {
        self.lock().store.events_after(id, after)
    }

    /// Answers a stopped process left mid-stream.
    pub fn interrupted_answers(&self) -> Result<Vec<InterruptedAnswer>, StoreError> {
        self.lock().store.interrupted_answers()
    }

    /// The finished messages, oldest first.
    pub fn transcript(&self, id: &ConversationId) -> Result<Vec<TranscriptEntry>, StoreError> {
        self.lock().store.transcript(id)
    }
}

/// Handoffs: the writes that append an event tell the listeners, like [`Conversations::append`].
impl Conversations {
    /// Records a handoff of `id` and appends `handoff_requested`.
    pub fn begin_handoff(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        name: &str,
        reason: &str,
        clause: Option<&str>,
    ) -> Result<HandoffId, StoreError> {
        let mut inner = self.lock();
        let (handoff, event) = inner.store.begin_handoff(id, agent, now_millis(), name, reason, clause)?;
        inner.publish(id, &event);
        Ok(handoff)
    }

    /// Counts a failed delivery; see [`Store::handoff_attempt_failed`].
    pub fn handoff_attempt_failed(
        &self,
        handoff: HandoffId,
        error: &str,
        tell: bool,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        if let Some((id, event)) =
            inner.store.handoff_attempt_failed(handoff, now_millis(), error, tell, give_up)?
        {
            inner.publish(&id, &event);
        }
        Ok(())
    }

    /// Settles a delivered handoff and appends `handoff_connected`.
    pub fn handoff_connected(
        &self,
        handoff: HandoffId,
        external_id: &str,
        expected_reply_minutes: Option<u32>,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let (id, event) =
            inner.store.handoff_connected(handoff, now_millis(), external_id, expected_reply_minutes)?;
        inner.publish(&id, &event);
        Ok(())
    }

    /// Records the agent's decision on a visitor message.
    pub fn record_decision(
        &self,
        id: &ConversationId,
        visitor_seq: Seq,
        body: &str,
    ) -> Result<(), StoreError> {
        self.lock().store.record_decision(id, visitor_seq, now_millis(), body)
    }

    /// Everything stored about the conversation, its token's hash aside.
    pub fn export(&self, id: &ConversationId) -> Result<Option<ConversationExport>, StoreError> {
        self.lock().store.export_conversation(id)
    }

    /// Deletes the conversation and all it owns, and ends its event streams; whether it existed.
    pub fn erase(&self, id: &ConversationId) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let erased = inner.store.erase_conversation(id)?;
        inner.close(id);
        Ok(erased)
    }

    /// Deletes the conversations idle since before `cutoff` (Unix milliseconds) and ends their
    /// event streams; the conversations deleted.
    pub fn delete_older_than(&self, cutoff: i64) -> Result<Vec<ConversationId>, StoreError> {
        let mut inner = self.lock();
        let deleted = inner.store.delete_older_than(cutoff)?;
        for id in &deleted {
            inner.close(id);
        }
        Ok(deleted)
    }

    /// Runs a write that appends no event, so no listener needs telling.
    pub fn write<T>(
        &self,
        change: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        change(&mut self.lock().store)
    }

    /// Runs a read on the store, for the queries no listener cares about.
    pub fn read<T>(&self, query: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        query(&self.lock().store)
    }
}

impl Inner {
    /// Ends the conversation's live feeds: the channel's only sender goes, so its receivers
    /// read `Closed` once they have what was sent.
    fn close(&mut self, id: &ConversationId) {
        self.channels.remove(id);
    }

    fn publish(&mut self, id: &ConversationId, event: &Event) {
        if let Some(sender) = self.channels.get(id) {
            if sender.send(Arc::new(event.clone())).is_err() {
                // Nobody listens any more: forget the channel until someone subscribes again.
                self.channels.remove(id);
            }
        }
    }
}

/// Milliseconds since the Unix epoch, as events record time.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}
