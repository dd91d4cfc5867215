//! Handoffs to a person and the agent's decisions: a handoff is recorded together with the
//! `handoff_requested` event and settled together with the event the visitor sees, so a killed
//! process never leaves a conversation connecting with nobody delivering it.

use async_trait::async_trait;
use baton_protocol::{AgentId, ConversationId, Event, EventKind, Seq};
use serde::Serialize;

use super::{ConversationLog, StoreError};

/// The handoffs of conversations to the inbox.
#[async_trait]
pub trait Handoffs {
    /// Records a handoff of `id` and appends (and publishes) `handoff_requested`, together.
    async fn begin_handoff(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        name: &str,
        reason: &str,
        clause: Option<&str>,
    ) -> Result<HandoffId, StoreError>;

    /// How many handoffs stand in each status, for `/metrics`.
    async fn handoff_counts(&self) -> Result<Vec<(HandoffStatus, u64)>, StoreError>;

    /// Handoffs still to deliver, oldest first.
    async fn pending_handoffs(&self) -> Result<Vec<PendingHandoff>, StoreError>;

    /// The handoff, if it exists.
    async fn handoff(&self, handoff: HandoffId) -> Result<Option<HandoffRecord>, StoreError>;

    /// Every handoff of a conversation, oldest first.
    async fn handoffs_of(&self, id: &ConversationId) -> Result<Vec<HandoffRecord>, StoreError>;

    /// Counts a failed try; with `tell` (or `give_up`), also appends `handoff_failed` so the
    /// visitor hears of it, once. `give_up` settles the handoff as failed.
    async fn handoff_attempt_failed(
        &self,
        handoff: HandoffId,
        error: &str,
        tell: bool,
        give_up: bool,
    ) -> Result<(), StoreError>;

    /// Settles a delivered handoff and appends `handoff_connected`, together.
    async fn handoff_connected(
        &self,
        handoff: HandoffId,
        external_id: &str,
        expected_reply_minutes: Option<u32>,
    ) -> Result<(), StoreError>;

    /// Records how a handoff was routed (JSON).
    async fn handoff_routed(&self, handoff: HandoffId, route: &str) -> Result<(), StoreError>;

    /// Handoffs of `agent` requested in `span`, counted by reason, most frequent first: the
    /// dashboard's Handoff Reasons.
    async fn reason_counts(&self, agent: &AgentId, span: Span) -> Result<Vec<ReasonCount>, StoreError>;

    /// The handoffs of `agent` in `span` for `reason`, newest first, at most `limit`: the
    /// drill-down from a reason to its conversations.
    async fn reason_conversations(
        &self,
        agent: &AgentId,
        reason: &str,
        span: Span,
        limit: u32,
    ) -> Result<Vec<ReasonConversation>, StoreError>;
}

/// What the agent decided on each visitor message, as JSON the dashboard shows.
#[async_trait]
pub trait Decisions: ConversationLog + Sync {
    /// Records the decision on the visitor message at `visitor_seq`, replacing an earlier one:
    /// an answer finished after a restart is decided again.
    async fn record_decision(
        &self,
        id: &ConversationId,
        visitor_seq: Seq,
        body: &str,
    ) -> Result<(), StoreError>;

    /// The decisions on visitor messages after `after`, in order, as stored.
    async fn decisions(&self, id: &ConversationId, after: Seq) -> Result<Vec<String>, StoreError>;

    /// Appends (and publishes) the event that completes an answer, and records the decision
    /// `(visitor_seq, body)` on the visitor message it answered: the last two writes of a turn,
    /// which an engine may make one. The completion is stored first: a decision is never
    /// recorded for an answer that was not.
    async fn complete_answer(
        &self,
        id: &ConversationId,
        completion: EventKind,
        decision: Option<(Seq, String)>,
    ) -> Result<Event, StoreError> {
        let event = self.append(id, completion).await?;
        if let Some((visitor_seq, body)) = decision {
            self.record_decision(id, visitor_seq, &body).await?;
        }
        Ok(event)
    }
}

/// A handoff's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct HandoffId(pub i64);

/// Where a handoff stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffStatus {
    /// Being delivered, or waiting for its next try.
    Pending,
    /// The inbox has it.
    Connected,
    /// Given up: there is no inbox, or it refused for good.
    Failed,
}

impl HandoffStatus {
    /// The status as both engines store it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Connected => "connected",
            Self::Failed => "failed",
        }
    }

    /// The status stored as `column`.
    pub fn from_column(column: &str) -> Self {
        match column {
            "connected" => Self::Connected,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A handoff still to deliver, as the engine resumes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingHandoff {
    /// Its id.
    pub id: HandoffId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Tries so far.
    pub attempts: u32,
    /// Whether the visitor has been told it is taking long.
    pub visitor_told: bool,
}

/// A handoff as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoffRecord {
    /// Its id.
    pub id: HandoffId,
    /// The agent's handoff label.
    pub name: String,
    /// Why.
    pub reason: String,
    /// The trigger clause that fired, if the rules decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// When it was requested, in milliseconds since the Unix epoch.
    pub requested_at: i64,
    /// Where it stands.
    pub status: HandoffStatus,
    /// Tries so far.
    pub attempts: u32,
    /// The last failure, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The inbox's id for the conversation, once delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Who the inbox assigned it to and why (`{"target", "why"}`, the target null when nothing
    /// matched), once routed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<serde_json::Value>,
}

/// How many handoffs had one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    /// The reason.
    pub reason: String,
    /// How many handoffs.
    pub count: u64,
}

/// A period of the analytics, and whether the dashboard preview's test conversations count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start, in Unix milliseconds, included.
    pub from: i64,
    /// End, in Unix milliseconds, excluded.
    pub to: i64,
    /// Whether the preview's test conversations count.
    pub include_tests: bool,
}

/// One handed-off conversation in the drill-down from a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonConversation {
    /// The Baton conversation.
    pub conversation: ConversationId,
    /// When the handoff was requested, in Unix milliseconds.
    pub requested_at: i64,
    /// The handoff's status: `pending`, `connected` or `failed`.
    pub status: String,
    /// The inbox's id for it, once delivered.
    pub external_id: Option<String>,
    /// Whether the dashboard's preview started it.
    pub test: bool,
}
