//! The end of a conversation's data: everything stored about one conversation exported as one
//! document, erased on request (a visitor's right to erasure), or deleted once it has been idle
//! longer than the retention. Erasing or deleting ends the conversation's live feeds.

use async_trait::async_trait;
use baton_protocol::{AgentId, ConversationId, Event, Mode, Seq, Visitor};
use serde::Serialize;

use super::{AnswerSoFar, ConversationRecord, HandoffRecord, StoreError};

/// Export, erasure and retention.
#[async_trait]
pub trait Lifecycle {
    /// Everything stored about the conversation, its token's hash aside, if it exists.
    async fn export(&self, id: &ConversationId) -> Result<Option<ConversationExport>, StoreError>;

    /// Deletes the conversation and all it owns, leaving no copy of it in the database's files,
    /// and ends its live feeds; whether it existed.
    async fn erase(&self, id: &ConversationId) -> Result<bool, StoreError>;

    /// Deletes the conversations idle since before `cutoff` (Unix milliseconds) and ends their
    /// live feeds; the conversations deleted.
    async fn delete_older_than(&self, cutoff: i64) -> Result<Vec<ConversationId>, StoreError>;
}

/// Everything the bridge stores about one conversation, except its token's hash.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationExport {
    /// The conversation.
    pub id: ConversationId,
    /// Its agent.
    pub agent: AgentId,
    /// When it started, Unix milliseconds.
    pub created_at: i64,
    /// The page it started on.
    pub page_url: Option<String>,
    /// That page's title.
    pub page_title: Option<String>,
    /// The visitor's locale.
    pub locale: Option<String>,
    /// Who answers now.
    pub mode: Mode,
    /// What is known of the visitor.
    pub visitor: Visitor,
    /// Whether the visitor typed the email themselves.
    pub email_given: bool,
    /// Its whole event log, in order, then the answer in flight (if one is) as one delta of its
    /// text so far.
    pub events: Vec<Event>,
    /// What the agent decided on each visitor message.
    pub decisions: Vec<ExportedDecision>,
    /// Its handoffs, oldest first.
    pub handoffs: Vec<HandoffRecord>,
    /// Where it went in Intercom, if it was handed off there.
    pub intercom: Option<ExportedLink>,
}

impl ConversationExport {
    /// The export of `record`, which started at `created_at`, from what an engine read of it in
    /// one snapshot: its events and the answer in flight (shown as one delta of its text so far).
    pub fn new(
        record: ConversationRecord,
        created_at: i64,
        events: Vec<Event>,
        answer: Option<AnswerSoFar>,
        decisions: Vec<ExportedDecision>,
        handoffs: Vec<HandoffRecord>,
        intercom: Option<ExportedLink>,
    ) -> Self {
        Self {
            id: record.id,
            agent: record.agent,
            created_at,
            page_url: record.page_url,
            page_title: record.page_title,
            locale: record.locale,
            mode: record.mode,
            visitor: record.visitor,
            email_given: record.email_given,
            events: events.into_iter().chain(answer.map(|answer| answer.as_delta())).collect(),
            decisions,
            handoffs,
            intercom,
        }
    }
}

/// The agent's decision on one visitor message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedDecision {
    /// The visitor message.
    pub visitor_seq: Seq,
    /// When it was decided, Unix milliseconds.
    pub at: i64,
    /// The decision as recorded (a string when it no longer parses as JSON).
    pub decision: serde_json::Value,
}

/// The Intercom ids the bridge keeps for a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedLink {
    /// The Intercom conversation.
    pub conversation_id: Option<String>,
    /// The Intercom contact it is from.
    pub contact_id: Option<String>,
    /// The conversation parts the bridge posted or relayed.
    pub part_ids: Vec<String>,
}
