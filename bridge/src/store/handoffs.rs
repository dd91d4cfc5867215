//! Handoffs to a person and the agent's decisions: a handoff is recorded together with the
//! `handoff_requested` event and settled together with the event the visitor sees, so a killed
//! process never leaves a conversation connecting with nobody delivering it.

use async_trait::async_trait;
use baton_protocol::{AgentId, ConversationId, Seq};
use serde::Serialize;

use super::StoreError;

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

    /// Handoffs of `agent` requested in `[from, to)` (Unix milliseconds), counted by reason, most
    /// frequent first.
    async fn handoff_reasons(
        &self,
        agent: &AgentId,
        from: i64,
        to: i64,
    ) -> Result<Vec<ReasonCount>, StoreError>;
}

/// What the agent decided on each visitor message, as JSON the dashboard shows.
#[async_trait]
pub trait Decisions {
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
