//! The conversation log: a conversation's record and its append-only events, each with the next
//! seq of its conversation. An engine stores an event before it publishes it, so what a listener
//! saw and what a client was acknowledged are both durable.
//!
//! An answer is stored as two events, started and completed (which restates the whole text).
//! Its pieces in between are not events of the log: they are streamed to the listeners as deltas
//! carrying the started event's seq ([`Feeds::stream`]), and every so often the answer's text so
//! far is checkpointed ([`ConversationLog::checkpoint_answer`]), so a restart can finish it. A
//! reader gets the checkpoint with its backlog ([`Backlog::answer`]).
//!
//! [`Feeds::stream`]: super::Feeds::stream

use async_trait::async_trait;
use baton_protocol::{
    AgentId, Attachment, Author, ClientId, ConversationId, Event, EventKind, MessageId, Mode, Seq,
    TranscriptEntry, Visitor,
};

use super::StoreError;

/// The conversations and their events.
#[async_trait]
pub trait ConversationLog {
    /// Records a new conversation with an empty log.
    async fn create(&self, record: &ConversationRecord) -> Result<(), StoreError>;

    /// The conversation, if it exists.
    async fn get(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError>;

    /// Records what is now known of the visitor; fields `visitor` leaves out keep their value. A
    /// new email counts as given by the visitor only when `by_visitor` says so.
    async fn update_visitor(
        &self,
        id: &ConversationId,
        visitor: &Visitor,
        by_visitor: bool,
    ) -> Result<(), StoreError>;

    /// Appends `kind` as the conversation's next event, moves its mode with it, and publishes it
    /// once stored.
    async fn append(&self, id: &ConversationId, kind: EventKind) -> Result<Event, StoreError>;

    /// Appends the visitor's message unless one with the same client id is already stored.
    async fn append_visitor_message(
        &self,
        id: &ConversationId,
        client_id: ClientId,
        text: String,
        attachments: Vec<Attachment>,
    ) -> Result<Appended, StoreError>;

    /// Every event after `after`, in order.
    async fn events_after(&self, id: &ConversationId, after: Seq) -> Result<Vec<Event>, StoreError>;

    /// Every event after `after` and the answer in flight, read in one snapshot together with
    /// the conversation's existence: `None` when it does not exist (any more).
    async fn backlog(&self, id: &ConversationId, after: Seq) -> Result<Option<Backlog>, StoreError>;

    /// Stores `text` as what the answer in flight (`message_id`, begun by an appended
    /// `agent_message_started`) shows so far. Nothing is appended to the log and nothing is
    /// published here (the pieces were streamed as they came; an engine shared by several
    /// bridges tells the others, whose listeners get the text so far): the completion clears
    /// the checkpoint.
    async fn checkpoint_answer(
        &self,
        id: &ConversationId,
        message_id: &MessageId,
        text: &str,
    ) -> Result<(), StoreError>;

    /// The finished messages of the conversation, oldest first.
    async fn transcript(&self, id: &ConversationId) -> Result<Vec<TranscriptEntry>, StoreError>;

    /// The conversation and its finished messages, oldest first, in one read (what a turn or a
    /// handoff starts from): `None` when it does not exist (any more).
    async fn with_transcript(
        &self,
        id: &ConversationId,
    ) -> Result<Option<(ConversationRecord, Vec<TranscriptEntry>)>, StoreError>;

    /// Answers a stopped process left unfinished, with the text last checkpointed.
    async fn interrupted_answers(&self) -> Result<Vec<InterruptedAnswer>, StoreError>;
}

/// What the bridge knows about a conversation besides its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRecord {
    /// The conversation.
    pub id: ConversationId,
    /// Its agent.
    pub agent: AgentId,
    /// SHA-256 of its bearer token, hex.
    pub token_hash: String,
    /// The page it started on.
    pub page_url: Option<String>,
    /// That page's title.
    pub page_title: Option<String>,
    /// The visitor's locale.
    pub locale: Option<String>,
    /// Who answers now.
    pub mode: Mode,
    /// The last event of its log.
    pub last_seq: Seq,
    /// What is known of the visitor.
    pub visitor: Visitor,
    /// Whether the email came from the visitor (the widget's email form) rather than from the
    /// host page: routing trusts such an email, or a verified identity, and nothing else.
    pub email_given: bool,
    /// Whether the dashboard's preview started it: a test, marked as such in the inbox and left
    /// out of the analytics unless asked for.
    pub test: bool,
}

impl ConversationRecord {
    /// A new conversation of `agent` answered by the AI, opened by the token whose hash is
    /// `token_hash`, with nothing known yet of its page or its visitor.
    pub fn new(id: ConversationId, agent: AgentId, token_hash: String) -> Self {
        Self {
            id,
            agent,
            token_hash,
            page_url: None,
            page_title: None,
            locale: None,
            mode: Mode::Ai,
            last_seq: Seq(0),
            visitor: Visitor::default(),
            email_given: false,
            test: false,
        }
    }
}

/// An answer that was streaming when the process stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterruptedAnswer {
    /// Its conversation.
    pub conversation: ConversationId,
    /// The conversation's agent.
    pub agent: AgentId,
    /// The answer.
    pub message_id: MessageId,
    /// The seq of its `agent_message_started` event, which its deltas carry.
    pub started: Seq,
    /// Its text last checkpointed.
    pub shown: String,
}

/// What a reader catching up is owed: the stored events and the answer in flight.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Backlog {
    /// Stored events after the seq asked for, in order.
    pub events: Vec<Event>,
    /// The answer streaming now, if one is.
    pub answer: Option<AnswerSoFar>,
}

/// An answer begun and not completed, with its last checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerSoFar {
    /// The answer.
    pub message_id: MessageId,
    /// The seq of its `agent_message_started` event, which its deltas carry.
    pub started: Seq,
    /// When it was last checkpointed, in milliseconds since the Unix epoch.
    pub at: i64,
    /// Its text so far.
    pub text: String,
}

impl AnswerSoFar {
    /// The text so far as one delta from offset 0, as a reader joining mid-answer is handed it.
    pub fn as_delta(&self) -> Event {
        Event {
            seq: self.started,
            at: self.at,
            kind: EventKind::AgentMessageDelta {
                message_id: self.message_id.clone(),
                offset: 0,
                text: self.text.clone(),
            },
        }
    }
}

/// A visitor message as stored: fresh, or the earlier copy of a retried send.
#[derive(Debug, Clone, PartialEq)]
pub enum Appended {
    /// Stored now.
    New(Event),
    /// Stored before under the same client id, at this seq.
    Duplicate(Seq),
}

/// The message an event finished, if it finished one.
pub fn transcript_entry(event: Event) -> Option<TranscriptEntry> {
    let (author, text) = match event.kind {
        EventKind::VisitorMessage { text, .. } => (Author::Visitor, text),
        EventKind::AgentMessageCompleted { text, .. } => (Author::Agent, text),
        EventKind::TeammateMessage { teammate, text, .. } => (Author::Teammate { name: teammate.name }, text),
        _ => return None,
    };
    Some(TranscriptEntry { seq: event.seq, at: event.at, author, text })
}
