//! Runs the agent after each visitor message and writes its answer into the log as it streams:
//! started, deltas with their byte offsets, completed. One answer at a time per conversation, so
//! two quick messages get two answers in order rather than interleaved text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use baton_protocol::{ConversationId, EventKind, MessageId, Mode};
use futures::StreamExt;

use crate::agent::Agent;
use crate::conversations::Conversations;
use crate::store::StoreError;
use crate::token;

/// Starts answers; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Responder {
    turns: Arc<Mutex<HashMap<ConversationId, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Responder {
    /// Answers the conversation's latest visitor message in the background.
    pub fn answer(&self, conversations: Conversations, id: ConversationId, agent: Arc<dyn Agent>) {
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(turns.entry(id.clone()).or_default())
        };
        let turns = Arc::clone(&self.turns);
        tokio::spawn(async move {
            let guard = turn.lock().await;
            if let Err(error) = write_answer(&conversations, &id, agent.as_ref()).await {
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
) -> Result<(), StoreError> {
    // While a person has the conversation, the AI stays silent.
    if conversations.get(id)?.is_none_or(|record| record.mode != Mode::Ai) {
        return Ok(());
    }
    let transcript = conversations.transcript(id)?;
    let message_id = MessageId(token::random_hex(8));
    conversations.append(id, EventKind::AgentMessageStarted { message_id: message_id.clone() })?;
    let mut pieces = agent.answer(&transcript);
    let mut text = String::new();
    while let Some(piece) = pieces.next().await {
        let offset = text.len();
        text.push_str(&piece);
        let delta = EventKind::AgentMessageDelta { message_id: message_id.clone(), offset, text: piece };
        conversations.append(id, delta)?;
    }
    conversations.append(id, EventKind::AgentMessageCompleted { message_id, text })?;
    Ok(())
}
