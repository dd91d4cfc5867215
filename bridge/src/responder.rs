//! Runs the agent after each visitor message and writes its answer into the log as it streams:
//! started, deltas with their byte offsets, completed. One answer at a time per conversation, so
//! two quick messages get two answers in order rather than interleaved text. An answer a stopped
//! process left half-sent is finished on the next start, without repeating what was sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use baton_protocol::{ConversationId, EventKind, MessageId, Mode};
use futures::StreamExt;

use crate::agent::{Agent, Step};
use crate::agents::Agents;
use crate::conversations::Conversations;
use crate::store::StoreError;
use crate::token;

/// Starts answers; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Responder {
    turns: Arc<Mutex<HashMap<ConversationId, Arc<tokio::sync::Mutex<()>>>>>,
}

/// An answer already begun: its id and the text the visitor has of it.
#[derive(Debug, Clone)]
struct Begun {
    message_id: MessageId,
    shown: String,
}

impl Responder {
    /// Answers the conversation's latest visitor message in the background.
    pub fn answer(&self, conversations: Conversations, id: ConversationId, agent: Arc<dyn Agent>) {
        self.spawn(conversations, id, agent, None);
    }

    /// Finishes, in the background, every answer the previous process left mid-stream.
    pub fn resume_interrupted(
        &self,
        conversations: &Conversations,
        agents: &Agents,
    ) -> Result<(), StoreError> {
        for answer in conversations.interrupted_answers()? {
            let begun = Begun { message_id: answer.message_id, shown: answer.shown };
            match agents.get(&answer.agent) {
                Some(entry) => {
                    self.spawn(conversations.clone(), answer.conversation, entry.agent.clone(), Some(begun))
                }
                // The agent is gone from the configuration: close the bubble with what it has.
                None => {
                    let done =
                        EventKind::AgentMessageCompleted { message_id: begun.message_id, text: begun.shown };
                    conversations.append(&answer.conversation, done)?;
                }
            }
        }
        Ok(())
    }

    fn spawn(
        &self,
        conversations: Conversations,
        id: ConversationId,
        agent: Arc<dyn Agent>,
        begun: Option<Begun>,
    ) {
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(turns.entry(id.clone()).or_default())
        };
        let turns = Arc::clone(&self.turns);
        tokio::spawn(async move {
            let guard = turn.lock().await;
            if let Err(error) = write_answer(&conversations, &id, agent.as_ref(), begun).await {
                tracing::error!(conversation = %id, %error, "the agent's answer could not be stored");
                let failure = EventKind::ErrorRaised {
                    code: "agent_unavailable".into(),
                    message: "Sorry, I couldn't answer just now. Please try again.".into(),
                };
                if let Err(error) = conversations.append(&id, failure) {
                    tracing::error!(conversation = %id, %error, "the failure could not be stored either");
                }
            }
            drop(guard);
            let mut turns = turns.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // Two references left (the map's and ours) means nobody waits for this turn.
            if Arc::strong_count(&turn) == 2 {
                turns.remove(&id);
            }
        });
    }
}

async fn write_answer(
    conversations: &Conversations,
    id: &ConversationId,
    agent: &dyn Agent,
    begun: Option<Begun>,
) -> Result<(), StoreError> {
    let mode = conversations.get(id)?.map(|record| record.mode);
    // While a person has the conversation, the AI stays silent; a bubble it left open is closed.
    if mode != Some(Mode::Ai) {
        if let Some(Begun { message_id, shown }) = begun {
            conversations.append(id, EventKind::AgentMessageCompleted { message_id, text: shown })?;
        }
        return Ok(());
    }
    let transcript = conversations.transcript(id)?;
    let Begun { message_id, shown } = match begun {
        Some(begun) => begun,
        None => {
            let message_id = MessageId(token::random_hex(8));
            conversations.append(id, EventKind::AgentMessageStarted { message_id: message_id.clone() })?;
            Begun { message_id, shown: String::new() }
        }
    };
    let mut pieces = agent.answer(&transcript);
    let mut text = String::new();
    while let Some(step) = pieces.next().await {
        let Step::Text(piece) = step else { continue };
        text.push_str(&piece);
        // Send only what goes past the text the visitor already has. An answer that comes out
        // differently the second time is settled by the completion, which restates it whole.
        if text.len() > shown.len() && text.starts_with(&shown) {
            let offset = shown.len().max(text.len() - piece.len());
            let delta = EventKind::AgentMessageDelta {
                message_id: message_id.clone(),
                offset,
                text: text[offset..].to_owned(),
            };
            conversations.append(id, delta)?;
        }
    }
    conversations.append(id, EventKind::AgentMessageCompleted { message_id, text })?;
    Ok(())
}
