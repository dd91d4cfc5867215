//! The live feeds: one broadcast channel per conversation that has listeners, and the text of
//! each answer this process is streaming. An engine publishes an event here only after it is
//! committed, and publishes a conversation's events in seq order; a listener subscribes before
//! it reads its backlog, so an event committed in between is in the backlog or on the feed (or
//! both, and the reader drops the repeat by seq), never in neither.
//!
//! An answer's pieces are streamed here as they come, before the store has them: the store
//! checkpoints the text only every so often. A listener joining mid-answer therefore takes the
//! text so far from here ([`Feeds::answer`]), read under the lock every piece is sent under:
//! a piece is either in that text or sent on the channel after the listener joined.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use baton_protocol::{ConversationId, Event, EventKind, MessageId, Seq};
use tokio::sync::broadcast;

use super::AnswerSoFar;

/// How many live events a slow listener may fall behind before it re-reads from the store. An
/// answer streams a few dozen events; a listener further behind than this catches up from the
/// store, so a larger channel only costs memory for every conversation with a listener.
const CHANNEL_CAPACITY: usize = 32;

/// A cheap-to-clone handle on the channels and the answers streaming.
#[derive(Clone, Debug, Default)]
pub struct Feeds {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// One entry per conversation that has listeners or an answer streaming here: a piece of an
    /// answer finds both with one lookup.
    feeds: HashMap<ConversationId, Feed>,
    /// Set once the bridge stops: no channel opens again, so every stream ends.
    ended: bool,
}

/// What a conversation has live; gone once both are.
#[derive(Debug, Default)]
struct Feed {
    /// The channel, while someone listens.
    channel: Option<broadcast::Sender<Arc<Event>>>,
    /// The answer this process streams now, whether or not anyone listens: from its first piece
    /// until its turn ends.
    answer: Option<AnswerSoFar>,
}

impl Feed {
    fn send(&mut self, event: Event) {
        if let Some(sender) = &self.channel {
            if sender.send(Arc::new(event)).is_err() {
                // Nobody listens any more: forget the channel until someone subscribes again.
                self.channel = None;
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.channel.is_none() && self.answer.is_none()
    }
}

impl Inner {
    /// Changes the conversation's feed, if it has one, and forgets the feed once it is empty.
    fn update(&mut self, id: &ConversationId, change: impl FnOnce(&mut Feed)) {
        if let Some(feed) = self.feeds.get_mut(id) {
            change(feed);
            if feed.is_empty() {
                self.feeds.remove(id);
            }
        }
    }
}

impl Feeds {
    // A std mutex: nothing is awaited while it is held, and what runs under it is a map lookup
    // and a channel send. A poisoned lock only means a panic elsewhere; the map stays usable.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A feed of what is published on the conversation from now on.
    /// After [`Feeds::end`], a feed that is already over.
    pub fn subscribe(&self, id: &ConversationId) -> Live {
        let mut inner = self.lock();
        let receiver = (!inner.ended).then(|| {
            inner
                .feeds
                .entry(id.clone())
                .or_default()
                .channel
                .get_or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
                .subscribe()
        });
        Live { receiver, id: id.clone(), feeds: self.clone() }
    }

    /// Ends every feed, now and from now on: the bridge is stopping, and each of its event
    /// streams ends once it has sent what it holds (the widget resumes on another bridge by
    /// `Last-Event-ID`). Answers still streaming keep their text. Ending the channels here,
    /// rather than having every stream also wait on the stop, keeps that wait off the path of
    /// each event.
    pub fn end(&self) {
        let mut inner = self.lock();
        inner.ended = true;
        inner.feeds.retain(|_, feed| {
            feed.channel = None;
            !feed.is_empty()
        });
    }

    /// Tells the listeners of each event's conversation, in the order given: one copy of each
    /// event, shared by every listener.
    pub fn publish(&self, events: impl IntoIterator<Item = (ConversationId, Event)>) {
        let mut inner = self.lock();
        for (id, event) in events {
            inner.update(&id, |feed| feed.send(event));
        }
    }

    /// Streams a piece of the answer in flight to the conversation's listeners as a delta with
    /// the seq it `started` at: `text` is the answer so far at time `at`, the piece its part from
    /// byte `from` on (a char boundary, which the caller checked). The text is kept for listeners
    /// joining later, until [`Feeds::answer_ended`]. Nothing is stored: the caller checkpoints
    /// the answer in the store as often as it chooses.
    pub fn stream(
        &self,
        id: &ConversationId,
        message_id: &MessageId,
        started: Seq,
        at: i64,
        text: &str,
        from: usize,
    ) {
        let mut inner = self.lock();
        // Looked up before `entry`, which would clone the id for every piece of every answer.
        let feed = match inner.feeds.get_mut(id) {
            Some(feed) => feed,
            None => inner.feeds.entry(id.clone()).or_default(),
        };
        match &mut feed.answer {
            // The same answer, going on from (or before) the end of the text kept: the caller
            // streams each answer's text growing at its end, so only the new end is copied.
            Some(kept)
                if kept.message_id == *message_id
                    && from <= kept.text.len()
                    && text.is_char_boundary(kept.text.len()) =>
            {
                kept.text.push_str(text.get(kept.text.len()..).unwrap_or_default());
                kept.at = at;
            }
            answer => {
                *answer =
                    Some(AnswerSoFar { message_id: message_id.clone(), started, at, text: text.to_owned() });
            }
        }
        let piece = text.get(from..).unwrap_or_default().to_owned();
        let kind = EventKind::AgentMessageDelta { message_id: message_id.clone(), offset: from, text: piece };
        feed.send(Event { seq: started, at, kind });
    }

    /// The answer this process is streaming on the conversation, with its text so far.
    pub fn answer(&self, id: &ConversationId) -> Option<AnswerSoFar> {
        self.lock().feeds.get(id).and_then(|feed| feed.answer.clone())
    }

    /// Forgets the answer streamed on the conversation: its turn is over (completed, or failed
    /// and left to the checkpoint a restart finishes it from).
    pub fn answer_ended(&self, id: &ConversationId) {
        self.lock().update(id, |feed| feed.answer = None);
    }

    /// Ends the conversation's live feeds: the channel's only sender goes, so its receivers read
    /// `Closed` once they have what was sent.
    pub fn close(&self, id: &ConversationId) {
        self.lock().feeds.remove(id);
    }

    /// Whether someone listens to the conversation.
    pub fn listens(&self, id: &ConversationId) -> bool {
        let inner = self.lock();
        let channel = inner.feeds.get(id).and_then(|feed| feed.channel.as_ref());
        channel.is_some_and(|sender| sender.receiver_count() > 0)
    }

    /// How many conversations have someone listening.
    pub fn listened(&self) -> usize {
        self.lock().feeds.values().filter(|feed| feed.channel.is_some()).count()
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
        // Under the lock `subscribe` takes, so no listener can join between the count and the
        // removal.
        self.feeds.lock().update(&self.id, |feed| {
            if feed.channel.as_ref().is_some_and(|sender| sender.receiver_count() == 0) {
                feed.channel = None;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use broadcast::error::RecvError;

    fn delta(text: &str) -> Event {
        let kind =
            EventKind::AgentMessageDelta { message_id: MessageId::from("m"), offset: 0, text: text.into() };
        Event { seq: Seq(1), at: 0, kind }
    }

    #[tokio::test]
    async fn once_the_feeds_end_a_listener_gets_what_was_sent_then_the_end_and_a_new_one_the_end() {
        let feeds = Feeds::default();
        let id = ConversationId::from("c");
        let mut live = feeds.subscribe(&id);
        feeds.stream(&id, &MessageId::from("m"), Seq(1), 0, "Hello", 0);
        feeds.end();
        let sent = live.recv().await.expect("what was sent before the end");
        assert_eq!(*sent, delta("Hello"));
        assert!(matches!(live.recv().await, Err(RecvError::Closed)));
        assert!(matches!(feeds.subscribe(&id).recv().await, Err(RecvError::Closed)));
        // The answer in flight still streams (its turn finishes before the exit), to nobody.
        feeds.stream(&id, &MessageId::from("m"), Seq(1), 0, "Hello there", 5);
        assert_eq!(feeds.answer(&id).map(|answer| answer.text), Some("Hello there".to_owned()));
        assert_eq!(feeds.listened(), 0);
    }
}
