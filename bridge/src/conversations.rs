//! The shared handle on every conversation: the storage engine (every operation of the seam, by
//! name) plus the live feeds it publishes to. Subscribing reads the backlog after joining the
//! feed, so a stream can neither miss an event committed in between nor (dropping repeats by
//! seq) show it twice. The same read hands over the answer in flight as one delta from offset 0;
//! live deltas of it follow, and a reader drops (by offset) what of them that delta already had.

use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use baton_protocol::{ConversationId, Event, MessageId, Seq};

use crate::secret::SecretKey;
pub use crate::store::feeds::Live;
use crate::store::postgres::{self, Postgres};
use crate::store::sqlite::{Durability, Sqlite};
use crate::store::{Engine, Feeds, SharedSettings, StoreError};

/// A cheap-to-clone handle on the engine and the live feeds. Every operation of the seam is
/// called on it directly (it derefs to the engine): `conversations.append(&id, kind).await`.
#[derive(Clone, Debug)]
pub struct Conversations {
    engine: Arc<dyn Engine>,
    feeds: Feeds,
    /// The agents' settings, when the engine shares them between bridges.
    settings: Option<Arc<dyn SharedSettings>>,
}

/// A listener on one conversation: the events stored after the seq it asked for, then a live feed.
#[derive(Debug)]
pub struct Subscription {
    /// Stored events the listener has not seen, in order, then the answer in flight (if one is)
    /// as one delta from offset 0.
    pub backlog: Vec<Event>,
    /// Events appended after the backlog was read (some may repeat its last ones: the reader
    /// drops those by seq).
    pub live: Live,
}

impl Deref for Conversations {
    type Target = dyn Engine;

    fn deref(&self) -> &Self::Target {
        self.engine.as_ref()
    }
}

impl Conversations {
    /// Opens (or creates) the SQLite database file at `path`, its secrets sealed with the key
    /// file beside it, committing with full durability.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let key = SecretKey::load_or_create(&SecretKey::file_beside(path))?;
        Self::open_with_key(path, key, Durability::Full)
    }

    /// Opens (or creates) the SQLite database file at `path`, its secrets sealed with `key`.
    pub fn open_with_key(path: &Path, key: SecretKey, durability: Durability) -> Result<Self, StoreError> {
        let feeds = Feeds::default();
        let engine = Sqlite::open(path, key, durability, feeds.clone())?;
        Ok(Self { engine: Arc::new(engine), feeds, settings: None })
    }

    /// Connects to the PostgreSQL database at `url`, shared with other bridges, its secrets
    /// sealed with `key` (the same for every bridge); with TLS its certificate must verify
    /// against Mozilla's roots.
    pub async fn connect(url: &str, key: SecretKey) -> Result<Self, StoreError> {
        Self::connect_with_ca(url, None, key).await
    }

    /// [`Conversations::connect`], trusting also the CA certificates in `ca_file` (PEM) for the
    /// database's certificate.
    pub async fn connect_with_ca(
        url: &str,
        ca_file: Option<&Path>,
        key: SecretKey,
    ) -> Result<Self, StoreError> {
        let tls = postgres::tls::connector(ca_file)?;
        let feeds = Feeds::default();
        let engine = Arc::new(Postgres::open(url, tls, key, feeds.clone()).await?);
        Ok(Self { engine: engine.clone(), feeds, settings: Some(engine) })
    }

    /// Where the agents' settings live when the engine shares them between bridges (PostgreSQL);
    /// `None` when each bridge's agents file is the source of truth (SQLite).
    pub fn shared_settings(&self) -> Option<Arc<dyn SharedSettings>> {
        self.settings.clone()
    }

    /// Everything stored after `after`, and a live feed of what comes next; `Missing` if the
    /// conversation does not exist (any more).
    pub async fn subscribe(&self, id: &ConversationId, after: Seq) -> Result<Subscription, StoreError> {
        // Join the feed before reading the backlog: an event committed before the read is in
        // the backlog, one committed after it is published after the join, so it is on the
        // feed. An erasure committed after the read closes the feed just joined; one committed
        // before it shows as a missing conversation, and dropping the feed prunes its channel.
        let live = self.feeds.subscribe(id);
        let backlog = self.catch_up(id, after).await?;
        Ok(Subscription { backlog, live })
    }

    /// Everything stored after `after`, then the answer in flight (if one is) as one delta from
    /// offset 0, read in one snapshot; `Missing` if the conversation does not exist (any more).
    pub async fn catch_up(&self, id: &ConversationId, after: Seq) -> Result<Vec<Event>, StoreError> {
        let Some(backlog) = self.engine.backlog(id, after).await? else {
            return Err(StoreError::Missing(format!("conversation {}", id.0)));
        };
        let mut events = backlog.events;
        // Read after the backlog: while the stored answer is still streaming here, the text
        // streamed so far extends its checkpoint, and every piece not in it is sent on the feed
        // joined before. An answer that ended since is restated by its completion, on the feed.
        let answer = backlog.answer.map(|stored| match self.feeds.answer(id) {
            Some(streamed)
                if streamed.message_id == stored.message_id && streamed.text.len() > stored.text.len() =>
            {
                streamed
            }
            _ => stored,
        });
        events.extend(answer.filter(|answer| !answer.text.is_empty()).map(|answer| answer.as_delta()));
        Ok(events)
    }

    /// Streams a piece of the answer in flight (`message_id`, begun by the event at `started`)
    /// to the conversation's listeners as a delta: `text` is the answer so far, the piece its
    /// part from byte `from` on. Nothing is stored; [`ConversationLog::checkpoint_answer`]
    /// stores the text so far when the caller chooses.
    ///
    /// [`ConversationLog::checkpoint_answer`]: crate::store::ConversationLog::checkpoint_answer
    pub fn stream_answer(
        &self,
        id: &ConversationId,
        message_id: &MessageId,
        started: Seq,
        text: &str,
        from: usize,
    ) -> Result<(), StoreError> {
        if text.get(from..).is_none() {
            return Err(StoreError::DeltaOutOfRange { from, len: text.len() });
        }
        self.feeds.stream(id, message_id, started, now_millis(), text, from);
        Ok(())
    }

    /// Forgets the text of the answer streamed on the conversation: its turn is over.
    pub fn answer_ended(&self, id: &ConversationId) {
        self.feeds.answer_ended(id);
    }

    /// Ends every live feed for good, so every event stream ends: the bridge is stopping.
    pub fn end_streams(&self) {
        self.feeds.end();
    }

    /// How many conversations have someone listening.
    pub fn listened(&self) -> usize {
        self.feeds.listened()
    }
}

/// Milliseconds since the Unix epoch, as events record time.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}
