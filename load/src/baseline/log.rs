//! Every conversation's event log, in memory, behind one lock like the bridge's store, each with
//! one broadcast channel for its listeners. Appending and subscribing happen under that lock, so
//! a stream that reads the backlog and then listens can neither miss an event nor see it twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use baton_protocol::{ClientId, ConversationId, Event, EventKind, Seq};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::broadcast;

/// The bridge's channel capacity: how far a listener may fall behind before it re-reads the log.
const CHANNEL_CAPACITY: usize = 32;

/// A cheap-to-clone handle on every conversation.
#[derive(Debug, Clone, Default)]
pub struct Conversations {
    inner: Arc<Mutex<HashMap<ConversationId, Conversation>>>,
}

#[derive(Debug)]
struct Conversation {
    token_hash: String,
    events: Vec<Event>,
    client_ids: HashMap<ClientId, Seq>,
    live: broadcast::Sender<Event>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

/// What sending a visitor message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Stored at this seq.
    New(Seq),
    /// This client id was stored before, at this seq; nothing new.
    Duplicate(Seq),
}

/// A listener on one conversation: the events after the seq it asked for, then a live feed.
#[derive(Debug)]
pub struct Subscription {
    /// Events the listener has not seen, in order.
    pub backlog: Vec<Event>,
    /// Events appended after the backlog was read.
    pub live: broadcast::Receiver<Event>,
}

impl Conversations {
    // A std mutex: nothing is awaited under it. A poisoned lock only means a request panicked;
    // every change under it is a single push or insert, so the map is used as it is.
    fn lock(&self) -> MutexGuard<'_, HashMap<ConversationId, Conversation>> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new conversation and its bearer token; only the token's hash is kept, as the bridge does.
    pub fn create(&self) -> (ConversationId, String) {
        let id = ConversationId(random_hex(16));
        let token = random_hex(32);
        let conversation = Conversation {
            token_hash: hash(&token),
            events: Vec::new(),
            client_ids: HashMap::new(),
            live: broadcast::channel(CHANNEL_CAPACITY).0,
            turn: Arc::default(),
        };
        self.lock().insert(id.clone(), conversation);
        (id, token)
    }

    /// Whether `token` opens the conversation; an unknown id answers the same as a wrong token.
    pub fn authorize(&self, id: &ConversationId, token: &str) -> bool {
        let hashed = hash(token);
        self.lock().get(id).is_some_and(|conversation| conversation.token_hash == hashed)
    }

    /// Appends the visitor's message unless its client id was stored before; `None` for an
    /// unknown conversation.
    pub fn append_visitor_message(
        &self,
        id: &ConversationId,
        client_id: ClientId,
        text: String,
    ) -> Option<Appended> {
        let mut conversations = self.lock();
        let conversation = conversations.get_mut(id)?;
        if let Some(seq) = conversation.client_ids.get(&client_id) {
            return Some(Appended::Duplicate(*seq));
        }
        conversation.client_ids.insert(client_id.clone(), next_seq(conversation));
        Some(Appended::New(conversation.push(EventKind::VisitorMessage {
            client_id,
            text,
            attachments: Vec::new(),
        })))
    }

    /// Appends an event and tells every listener; `None` for an unknown conversation.
    pub fn append(&self, id: &ConversationId, kind: EventKind) -> Option<Seq> {
        Some(self.lock().get_mut(id)?.push(kind))
    }

    /// Everything after `after`, and a live feed of what comes next.
    pub fn subscribe(&self, id: &ConversationId, after: Seq) -> Option<Subscription> {
        let conversations = self.lock();
        let conversation = conversations.get(id)?;
        // Subscribed under the lock `append` takes: an event is in the backlog or on the feed;
        // the reader drops feed events at or below the last seq it gave, so never in both.
        let live = conversation.live.subscribe();
        Some(Subscription { backlog: events_after(conversation, after), live })
    }

    /// The events after `after`, for a listener that fell behind its channel.
    pub fn events_after(&self, id: &ConversationId, after: Seq) -> Vec<Event> {
        self.lock().get(id).map(|conversation| events_after(conversation, after)).unwrap_or_default()
    }

    /// The conversation's turn lock: one answer at a time, as the bridge's turns.
    pub fn turn(&self, id: &ConversationId) -> Option<Arc<tokio::sync::Mutex<()>>> {
        self.lock().get(id).map(|conversation| Arc::clone(&conversation.turn))
    }
}

impl Conversation {
    fn push(&mut self, kind: EventKind) -> Seq {
        let event = Event { seq: next_seq(self), at: now_millis(), kind };
        let seq = event.seq;
        // No listener is not an error: the event is in the log for the next one.
        let _ = self.live.send(event.clone());
        self.events.push(event);
        seq
    }
}

fn next_seq(conversation: &Conversation) -> Seq {
    Seq(conversation.events.len() as u64 + 1)
}

fn events_after(conversation: &Conversation, after: Seq) -> Vec<Event> {
    // Seqs are 1, 2, 3…: event `n` sits at index `n - 1`.
    let from = usize::try_from(after.0).unwrap_or(usize::MAX).min(conversation.events.len());
    conversation.events[from..].to_vec()
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Milliseconds since the Unix epoch, as events record time.
fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

/// A new message id, as the bridge makes them.
pub fn new_message_id() -> baton_protocol::MessageId {
    baton_protocol::MessageId(random_hex(8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resent_client_id_stores_nothing_and_answers_the_first_seq() {
        let conversations = Conversations::default();
        let (id, _) = conversations.create();
        let send =
            |client: &str| conversations.append_visitor_message(&id, ClientId::from(client), "hi".into());
        assert_eq!(send("a"), Some(Appended::New(Seq(1))));
        assert_eq!(conversations.append(&id, EventKind::HandoffRequested), Some(Seq(2)));
        assert_eq!(send("a"), Some(Appended::Duplicate(Seq(1))));
        assert_eq!(send("b"), Some(Appended::New(Seq(3))));
        let after_one: Vec<u64> = conversations.events_after(&id, Seq(1)).iter().map(|e| e.seq.0).collect();
        assert_eq!(after_one, [2, 3]);
    }
}
