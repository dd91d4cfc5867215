//! The handoff engine: when the agent hands a conversation off it records the reason, moves the
//! conversation to `connecting` (the `handoff_requested` event the widget renders), and delivers
//! it — transcript, visitor, page and reason — to the handoff target, the support inbox. A
//! target that is down is retried with backoff; the visitor is told plainly when it takes long
//! (`handoff_failed`, with the widget's fallback), and the handoff still completes when the
//! target comes back. Pending handoffs survive a restart.

use std::sync::Arc;
use std::time::Duration;

use baton_protocol::{AgentId, ConversationId, TranscriptEntry, Visitor};
use futures::future::BoxFuture;
use serde::Serialize;

use crate::agent::HandoffCall;
use crate::agents::Registry;
use crate::conversations::Conversations;
use crate::settings::RoutingSettings;
use crate::store::{HandoffId, PendingHandoff, StoreError};

/// Everything the inbox needs to take a conversation over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandoffRequest {
    /// The handoff, unique: a target uses it to deliver each handoff once however often it is
    /// asked.
    pub handoff: HandoffId,
    /// The Baton conversation.
    pub conversation: ConversationId,
    /// Its agent.
    pub agent: AgentId,
    /// The agent's name, as the visitor saw it.
    pub agent_name: String,
    /// The agent's handoff label.
    pub name: String,
    /// Why.
    pub reason: String,
    /// The trigger clause that fired, when the rules decided.
    pub clause: Option<String>,
    /// What is known of the visitor.
    pub visitor: Visitor,
    /// Whether the visitor gave the email themselves (routing may use it).
    pub email_given: bool,
    /// Who gets the conversation.
    pub routing: RoutingSettings,
    /// The page the conversation started on, and its title.
    pub page_url: Option<String>,
    /// The page's title.
    pub page_title: Option<String>,
    /// The visitor's locale.
    pub locale: Option<String>,
    /// Every finished message so far, oldest first.
    pub transcript: Vec<TranscriptEntry>,
}

/// The inbox took the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The inbox's id for it.
    pub external_id: String,
    /// How soon the team usually replies, when the inbox says.
    pub expected_reply_minutes: Option<u32>,
}

/// Why a delivery did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// No inbox is connected: nothing to retry against.
    #[error("no support inbox is connected")]
    NoInbox,
    /// Worth trying again: a timeout, a 5xx, a rate limit.
    #[error("{0}")]
    Temporary(String),
    /// Trying again will not help: the inbox refused the request.
    #[error("{0}")]
    Refused(String),
}

/// Where handed-off conversations go: the Intercom bridge, or a test's recorder.
pub trait HandoffTarget: Send + Sync + std::fmt::Debug {
    /// Delivers `request`. Called again with the same handoff id after a failure or a restart,
    /// so it must not create a second conversation for one handoff.
    fn deliver(&self, request: HandoffRequest) -> BoxFuture<'static, Result<Delivered, DeliveryError>>;
}

/// The target when no inbox is connected: every handoff fails at once, plainly.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInbox;

impl HandoffTarget for NoInbox {
    fn deliver(&self, _request: HandoffRequest) -> BoxFuture<'static, Result<Delivered, DeliveryError>> {
        Box::pin(async { Err(DeliveryError::NoInbox) })
    }
}

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles each time.
    pub first_delay: Duration,
    /// The longest wait between tries.
    pub max_delay: Duration,
    /// Failed tries before the visitor is told it is taking long.
    pub tell_after: u32,
    /// Failed tries before giving up for good.
    pub give_up_after: u32,
    /// How long one try may take.
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    /// Tell the visitor after about 7 s of failures; keep trying for about a day.
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            tell_after: 3,
            give_up_after: 1_500,
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    fn delay_after(&self, attempts: u32) -> Duration {
        let doubled =
            self.first_delay.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1).min(16)));
        doubled.min(self.max_delay)
    }
}

/// Starts and delivers handoffs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Handoffs {
    conversations: Conversations,
    agents: Arc<Registry>,
    target: Arc<dyn HandoffTarget>,
    policy: RetryPolicy,
}

impl Handoffs {
    /// Handoffs of `conversations` with `agents` delivered to `target`.
    pub fn new(
        conversations: Conversations,
        agents: Arc<Registry>,
        target: Arc<dyn HandoffTarget>,
        policy: RetryPolicy,
    ) -> Self {
        Self { conversations, agents, target, policy }
    }

    /// Hands conversation `id` off as `call` asks: records it, tells the visitor, and delivers
    /// it in the background.
    pub fn start(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        name: &str,
        call: &HandoffCall,
    ) -> Result<(), StoreError> {
        let handoff =
            self.conversations.begin_handoff(id, agent, name, &call.reason, call.clause.as_deref())?;
        tracing::info!(conversation = %id, reason = %call.reason, "handoff requested");
        let pending =
            PendingHandoff { id: handoff, conversation: id.clone(), attempts: 0, visitor_told: false };
        tokio::spawn(self.clone().deliver(pending));
        Ok(())
    }

    /// Delivers, in the background, every handoff a previous process left pending.
    pub fn resume_pending(&self) -> Result<(), StoreError> {
        for pending in self.conversations.read(|store| store.pending_handoffs())? {
            tokio::spawn(self.clone().deliver(pending));
        }
        Ok(())
    }

    async fn deliver(self, pending: PendingHandoff) {
        let mut attempts = pending.attempts;
        loop {
            let outcome = match self.request(&pending) {
                Ok(request) => {
                    tokio::time::timeout(self.policy.attempt_timeout, self.target.deliver(request))
                        .await
                        .unwrap_or_else(|_| {
                            Err(DeliveryError::Temporary("the inbox did not answer in time".into()))
                        })
                }
                Err(error) => Err(DeliveryError::Temporary(error.to_string())),
            };
            attempts += 1;
            let stored = match &outcome {
                Ok(delivered) => {
                    tracing::info!(conversation = %pending.conversation, attempts, "handoff delivered");
                    self.conversations.handoff_connected(
                        pending.id,
                        &delivered.external_id,
                        delivered.expected_reply_minutes,
                    )
                }
                Err(error) => {
                    let give_up = !matches!(error, DeliveryError::Temporary(_))
                        || attempts >= self.policy.give_up_after;
                    let tell = give_up || attempts >= self.policy.tell_after;
                    tracing::warn!(conversation = %pending.conversation, attempts, give_up, %error, "handoff not delivered");
                    self.conversations.handoff_attempt_failed(pending.id, &error.to_string(), tell, give_up)
                }
            };
            if let Err(error) = &stored {
                tracing::error!(conversation = %pending.conversation, %error, "the handoff's progress could not be stored");
            }
            match outcome {
                Err(DeliveryError::Temporary(_)) if attempts < self.policy.give_up_after => {
                    tokio::time::sleep(self.policy.delay_after(attempts)).await;
                }
                _ => return,
            }
        }
    }

    /// The request for a pending handoff, read fresh so it carries every message so far.
    fn request(&self, pending: &PendingHandoff) -> Result<HandoffRequest, StoreError> {
        let id = &pending.conversation;
        let record =
            self.conversations.get(id)?.ok_or_else(|| StoreError::Missing(format!("conversation {id}")))?;
        let handoff = self
            .conversations
            .read(|store| store.handoff(pending.id))?
            .ok_or_else(|| StoreError::Missing(format!("handoff {}", pending.id.0)))?;
        let entry = self.agents.get(&record.agent);
        let agent_name = entry.as_ref().map_or_else(String::new, |entry| entry.profile.name.clone());
        let routing = entry.map(|entry| entry.routing).unwrap_or_default();
        Ok(HandoffRequest {
            handoff: pending.id,
            conversation: id.clone(),
            agent: record.agent,
            agent_name,
            name: handoff.name,
            reason: handoff.reason,
            clause: handoff.clause,
            visitor: record.visitor,
            email_given: record.email_given,
            routing,
            page_url: record.page_url,
            page_title: record.page_title,
            locale: record.locale,
            transcript: self.conversations.transcript(id)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_its_ceiling() {
        let policy = RetryPolicy::default();
        let waits: Vec<u64> = (1..=8).map(|n| policy.delay_after(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(policy.delay_after(u32::MAX), Duration::from_secs(60));
    }
}
