//! The live feeds: one broadcast channel per conversation that has listeners. An engine publishes
//! an event here only after it is committed, and publishes a conversation's events in seq order;
//! a listener subscribes before it reads its backlog, so an event committed in between is in the
//! backlog or on the feed (or both, and the reader drops the repeat by seq), never in neither.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use baton_protocol::{ConversationId, Event};
use tokio::sync::broadcast;

/// How many live events a slow listener may fall behind before it re-reads from the store. An
/// answer streams a few dozen events; a listener further behind than this catches up from the
/// store, so a larger channel only costs memory for every conversation with a listener.
const CHANNEL_CAPACITY: usize = 32;

/// A cheap-to-clone handle on the channels.
#[derive(Clone, Debug, Default)]
pub struct Feeds {
    channels: Arc<Mutex<HashMap<ConversationId, broadcast::Sender<Arc<Event>>>>>,
}

impl Feeds {
    // A std mutex: nothing is awaited while it is held, and what runs under it is a map lookup
    // and a channel send. A poisoned lock only means a panic elsewhere; the map stays usable.
    fn lock(&self) -> MutexGuard<'_, HashMap<ConversationId, broadcast::Sender<Arc<Event>>>> {
        self.channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A feed of what is published on the conversation from now on.
    pub fn subscribe(&self, id: &ConversationId) -> Live {
        let receiver = self
            .lock()
            .entry(id.clone())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe();
        Live { receiver: Some(receiver), id: id.clone(), feeds: self.clone() }
    }

    /// Tells the listeners of each event's conversation, in the order given: one copy of each
    /// event, shared by every listener.
    pub fn publish(&self, events: impl IntoIterator<Item = (ConversationId, Event)>) {
        let mut channels = self.lock();
        for (id, event) in events {
            if let Some(sender) = channels.get(&id) {
                if sender.send(Arc::new(event)).is_err() {
                    // Nobody listens any more: forget the channel until someone subscribes again.
                    channels.remove(&id);
                }
            }
        }
    }

    /// Ends the conversation's live feeds: the channel's only sender goes, so its receivers read
    /// `Closed` once they have what was sent.
    pub fn close(&self, id: &ConversationId) {
        self.lock().remove(id);
    }

    /// Whether someone listens to the conversation.
    pub fn listens(&self, id: &ConversationId) -> bool {
        self.lock().get(id).is_some_and(|sender| sender.receiver_count() > 0)
    }

    /// How many conversations have someone listening.
    pub fn listened(&self) -> usize {
        self.lock().len()
    }
}

/// The live feed of one conversation. The conversation's channel exists only while someone
/// listens: the last feed to go removes it, so nothing is held for a conversation whose visitor
/// left.
#[derive(Debug)]
pub struct Live {
    receiver: Option<broadcast::Receiver<Arc<Event>>>,
    id: ConversationId,
    feeds: Feeds,
}

impl Live {
    /// The next event published, as [`broadcast::Receiver::recv`] answers it.
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
        let mut channels = self.feeds.lock();
        // Under the lock `subscribe` takes, so no listener can join between the count and the
        // removal.
        if channels.get(&self.id).is_some_and(|sender| sender.receiver_count() == 0) {
            channels.remove(&self.id);
        }
    }
}
