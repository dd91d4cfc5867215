//! The handoff engine: when the agent hands a conversation off it records the reason, moves the
//! conversation to `connecting` (the `handoff_requested` event the widget renders), and delivers
//! it — transcript, visitor, page and reason — to the handoff target, the support inbox. A
//! target that is down is retried with backoff; the visitor is told plainly when it takes long
//! (`handoff_failed`, with the widget's fallback), and the handoff still completes when the
//! target comes back. Pending handoffs survive a restart. Each delivery runs under a lease, so
//! of several bridges on one database exactly one delivers a handoff, and another takes it over
//! (the sweep) when that one dies; the inbox makes a delivery taken over mid-way idempotent.

use std::sync::Arc;
use std::time::Duration;

use baton_protocol::{AgentId, ConversationId, TranscriptEntry, Visitor};
use serde::Serialize;

use crate::agent::HandoffCall;
use crate::agents::Registry;
use crate::backoff::Backoff;
use crate::conversations::Conversations;
use crate::inbox::Inbox;
use crate::leases::{Finish, Leasing};
use crate::settings::RoutingSettings;
use crate::store::{HandoffId, HandoffStatus, PendingHandoff, StoreError, Work};
use crate::tasks::Tasks;

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
    /// Whether the dashboard's preview started the conversation: a test, not a customer.
    pub test: bool,
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

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait between tries.
    pub backoff: Backoff,
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
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(60)),
            tell_after: 3,
            give_up_after: 1_500,
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

/// Starts and delivers handoffs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Handoffs {
    conversations: Conversations,
    agents: Arc<Registry>,
    inbox: Arc<dyn Inbox>,
    policy: RetryPolicy,
    tasks: Tasks,
    leasing: Leasing,
}

impl Handoffs {
    /// Handoffs of `conversations` with `agents` delivered to `inbox` by work `tasks` runs,
    /// each under a lease `leasing` claims.
    pub fn new(
        conversations: Conversations,
        agents: Arc<Registry>,
        inbox: Arc<dyn Inbox>,
        policy: RetryPolicy,
        tasks: Tasks,
        leasing: Leasing,
    ) -> Self {
        Self { conversations, agents, inbox, policy, tasks, leasing }
    }

    /// The same, claiming with `leasing`.
    pub fn with_leasing(mut self, leasing: Leasing) -> Self {
        self.leasing = leasing;
        self
    }

    /// What claims this bridge's background work.
    pub fn leasing(&self) -> &Leasing {
        &self.leasing
    }

    /// How often pending handoffs are looked at for leases to take over.
    pub fn sweep_every(&self) -> std::time::Duration {
        self.leasing.sweep_every()
    }

    /// Hands conversation `id` off as `call` asks: records it, tells the visitor, and delivers
    /// it in the background.
    pub async fn start(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        name: &str,
        call: &HandoffCall,
    ) -> Result<(), StoreError> {
        let handoff =
            self.conversations.begin_handoff(id, agent, name, &call.reason, call.clause.as_deref()).await?;
        tracing::info!(conversation = %id, reason = %call.reason, "handoff requested");
        let pending =
            PendingHandoff { id: handoff, conversation: id.clone(), attempts: 0, visitor_told: false };
        self.take(pending).await
    }

    /// Delivers, in the background, every pending handoff no bridge holds a live lease on: at
    /// start, what a previous process left; then, swept every third of a lease's term, what a
    /// bridge that died was delivering.
    pub async fn resume_pending(&self) -> Result<(), StoreError> {
        for pending in self.conversations.pending_handoffs().await? {
            self.take(pending).await?;
        }
        Ok(())
    }

    /// Claims the handoff's lease and, if won, delivers it in the background.
    async fn take(&self, pending: PendingHandoff) -> Result<(), StoreError> {
        let work = Work::handoff(&pending.conversation, pending.id);
        if let Some(lease) = self.leasing.claim(work).await? {
            let delivery = self.clone().deliver(pending);
            self.tasks.spawn(async move {
                lease.run(delivery).await;
            });
        }
        Ok(())
    }

    /// Tries until the handoff is delivered or given up (settled), or until the bridge stops
    /// or a progress could not be stored (released, for the next sweep).
    async fn deliver(self, pending: PendingHandoff) -> Finish {
        // The list this handoff came from may be older than its delivery by another bridge.
        match self.conversations.handoff(pending.id).await {
            Ok(Some(record)) if record.status != HandoffStatus::Pending => Finish::Settle,
            Ok(Some(record)) => self.deliver_from(pending, record.attempts).await,
            // Erased with its conversation meanwhile: nothing to deliver, nor to settle.
            Ok(None) => Finish::Release,
            Err(error) => {
                tracing::error!(conversation = %pending.conversation, %error, "the handoff could not be read");
                Finish::Release
            }
        }
    }

    /// Tries after `attempts` earlier tries.
    async fn deliver_from(self, pending: PendingHandoff, mut attempts: u32) -> Finish {
        loop {
            let outcome = match self.request(&pending).await {
                Ok(request) => tokio::time::timeout(self.policy.attempt_timeout, self.inbox.deliver(request))
                    .await
                    .unwrap_or_else(|_| {
                        Err(DeliveryError::Temporary("the inbox did not answer in time".into()))
                    }),
                Err(error) => Err(DeliveryError::Temporary(error.to_string())),
            };
            attempts += 1;
            let stored = match &outcome {
                Ok(delivered) => {
                    tracing::info!(conversation = %pending.conversation, attempts, "handoff delivered");
                    self.conversations
                        .handoff_connected(
                            pending.id,
                            &delivered.external_id,
                            delivered.expected_reply_minutes,
                        )
                        .await
                }
                Err(error) => {
                    let give_up = !matches!(error, DeliveryError::Temporary(_))
                        || attempts >= self.policy.give_up_after;
                    let tell = give_up || attempts >= self.policy.tell_after;
                    tracing::warn!(conversation = %pending.conversation, attempts, give_up, %error, "handoff not delivered");
                    self.conversations
                        .handoff_attempt_failed(pending.id, &error.to_string(), tell, give_up)
                        .await
                }
            };
            if let Err(error) = &stored {
                tracing::error!(conversation = %pending.conversation, %error, "the handoff's progress could not be stored");
                return Finish::Release;
            }
            match outcome {
                Err(DeliveryError::Temporary(_)) if attempts < self.policy.give_up_after => {
                    // Stopping cuts the wait short; another bridge, or the next start, resumes
                    // the handoff.
                    if !self.tasks.sleep(self.policy.backoff.after(attempts)).await {
                        return Finish::Release;
                    }
                }
                _ => return Finish::Settle,
            }
        }
    }

    /// The request for a pending handoff, read fresh so it carries every message so far.
    async fn request(&self, pending: &PendingHandoff) -> Result<HandoffRequest, StoreError> {
        let id = &pending.conversation;
        let (record, transcript) = self
            .conversations
            .with_transcript(id)
            .await?
            .ok_or_else(|| StoreError::Missing(format!("conversation {id}")))?;
        let handoff = self
            .conversations
            .handoff(pending.id)
            .await?
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
            transcript,
            test: record.test,
        })
    }
}
