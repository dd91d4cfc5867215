//! Runs the agent after each visitor message and writes its turn into the log as it streams:
//! started, then each piece streamed to the listeners as a delta with its byte offset (the text
//! so far checkpointed in the store now and then: see [`CHECKPOINT_EVERY`]), then completed — then the
//! handoff, if the agent asked for one, and the decision with its explanation for the preview.
//! One turn at a time per conversation, so two quick messages get two answers in order rather
//! than interleaved text. An answer a stopped process left half-sent is finished on the next
//! start from its last checkpoint, without repeating what was sent. Of several bridges on one
//! database, one at a time takes a conversation's turn, under its turn lease: an answer in
//! flight is finished by another bridge only once the lease of the bridge writing it lapsed.

use std::time::{Duration, Instant};

use baton_protocol::{Author, ConversationId, EventKind, MessageId, Mode, Seq, TranscriptEntry};
use futures::StreamExt;
use serde::Serialize;

use crate::agent::{Explanation, HandoffCall, Step};
use crate::agents::{AgentEntry, Registry};
use crate::conversations::Conversations;
use crate::handoff::Handoffs;
use crate::leases::{Finish, Lease, Leasing};
use crate::store::{StoreError, Work};
use crate::tasks::Tasks;
use crate::token;
use crate::turns::Turns;

/// How often a turn another bridge holds is claimed again.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Starts turns; cheap to clone.
#[derive(Debug, Clone)]
pub struct Responder {
    handoffs: Handoffs,
    turns: Turns<ConversationId>,
    tasks: Tasks,
}

/// How often the text of an answer in flight is checkpointed in the store, at most, where
/// several bridges share it. Its pieces reach this bridge's listeners as they come, from memory;
/// the checkpoint is what another bridge on the same database streams to its listeners, and
/// what a restart finishes the answer from (a `kill -9` loses at most the text streamed since,
/// which the restarted bridge streams again from the checkpoint on: each stream and the widget
/// take each byte once, by offset). 250 ms keeps the other bridges' listeners under a blink
/// behind while writing a typical answer (the demo agent's 20 pieces in 800 ms) twice instead
/// of twenty times.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// The pieces streamed before a checkpoint is due, unless [`CHECKPOINT_AT_LEAST_EVERY`] passed.
/// By time alone, a bridge short of CPU, whose pieces come late, would checkpoint each answer
/// more often the slower it runs (ten times instead of two, measured at 10,000 conversations on
/// a loaded machine): more writes just when it can least afford them.
const CHECKPOINT_PIECES: u32 = 8;

/// How long an answer in flight goes without a checkpoint at most, however few its pieces; the
/// only pace on a store one bridge owns (SQLite), where nobody else streams from the checkpoint
/// and it serves only that bridge's restart: an answer shorter than this is written twice (its
/// start and its completion), a longer one once more per second (the demo agent's answer at
/// 1,000 conversations: 4 writes per message instead of 6).
const CHECKPOINT_AT_LEAST_EVERY: Duration = Duration::from_secs(1);

/// An answer already begun: its id, the seq of its start and the text the visitor has of it.
#[derive(Debug, Clone)]
struct Begun {
    message_id: MessageId,
    started: Seq,
    shown: String,
}

/// What the agent decided on one visitor message, as the preview's debug view reads it.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    /// The visitor message decided on.
    pub visitor_seq: Seq,
    /// Its text.
    pub message: String,
    /// `answered`; `handoff`; `nothing` when the agent had nothing to say; `with_person` when
    /// the support team has the conversation and the agent stayed silent.
    pub outcome: &'static str,
    /// The handoff, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffCall>,
    /// Why.
    pub explanation: Explanation,
}

impl Responder {
    /// A responder handing conversations off through `handoffs`, its turns run by `tasks`.
    pub fn new(handoffs: Handoffs, tasks: Tasks) -> Self {
        Self { handoffs, turns: Turns::default(), tasks }
    }

    /// Answers the conversation's latest visitor message in the background.
    pub fn answer(&self, conversations: Conversations, id: ConversationId, entry: AgentEntry) {
        self.spawn(conversations, id, entry, None);
    }

    /// Finishes, in the background, every answer the previous process left mid-stream.
    pub async fn resume_interrupted(
        &self,
        conversations: &Conversations,
        agents: &Registry,
    ) -> Result<(), StoreError> {
        for answer in conversations.interrupted_answers().await? {
            // A live lease: a bridge (maybe this one) is writing it. Looked at here, before
            // anything waits for the conversation's turn.
            let free = self.handoffs.leasing().claim(Work::turn(&answer.conversation)).await?;
            let Some(lease) = free else { continue };
            lease.run(async { Finish::Release }).await;
            let begun = Begun { message_id: answer.message_id, started: answer.started, shown: answer.shown };
            match agents.get(&answer.agent) {
                Some(entry) => self.spawn(conversations.clone(), answer.conversation, entry, Some(begun)),
                // The agent is gone from the configuration: close the bubble with what it has.
                None => {
                    let (id, leasing) = (&answer.conversation, self.handoffs.leasing());
                    let resuming = Some(begun.clone());
                    let Some(lease) = claim_turn(conversations, leasing, id, &resuming).await else {
                        continue;
                    };
                    let done =
                        EventKind::AgentMessageCompleted { message_id: begun.message_id, text: begun.shown };
                    let close = async { (Finish::Release, conversations.append(id, done).await) };
                    if let Some(closed) = lease.run_for(close).await {
                        closed?;
                    }
                }
            }
        }
        Ok(())
    }

    fn spawn(
        &self,
        conversations: Conversations,
        id: ConversationId,
        entry: AgentEntry,
        begun: Option<Begun>,
    ) {
        let turns = self.turns.clone();
        let handoffs = self.handoffs.clone();
        self.tasks.spawn(async move {
            let _turn = turns.take(&id).await;
            let Some(lease) = claim_turn(&conversations, handoffs.leasing(), &id, &begun).await else {
                return;
            };
            let turn = async {
                let outcome = take_turn(&conversations, &handoffs, &id, &entry, begun).await;
                (Finish::Release, outcome)
            };
            let outcome = lease.run_for(turn).await;
            // Whatever became of it, the text streamed is not needed any more: listeners joining
            // now read the completion, or the checkpoint a failed answer was left at.
            conversations.answer_ended(&id);
            // A lost lease dropped the turn where it stood: the bridge that took it over goes on.
            let Some(outcome) = outcome else { return };
            if let Err(error) = outcome {
                tracing::error!(conversation = %id, %error, "the agent's turn could not be stored");
                let failure = EventKind::ErrorRaised {
                    code: "agent_unavailable".into(),
                    message: "Sorry, I couldn't answer just now. Please try again.".into(),
                };
                if let Err(error) = conversations.append(&id, failure).await {
                    tracing::error!(conversation = %id, %error, "the failure could not be stored either");
                }
            }
        });
    }
}

/// The conversation's turn lease. A new turn waits while another bridge's turn runs; an answer
/// to resume is left alone while one holds it, and resumed only if it is still in flight.
async fn claim_turn(
    conversations: &Conversations,
    leasing: &Leasing,
    id: &ConversationId,
    begun: &Option<Begun>,
) -> Option<Lease> {
    loop {
        match leasing.claim(Work::turn(id)).await {
            Ok(Some(lease)) => match begun {
                None => return Some(lease),
                Some(begun) => {
                    let in_flight = conversations.interrupted_answers().await.map(|answers| {
                        answers.iter().any(|a| a.conversation == *id && a.message_id == begun.message_id)
                    });
                    if in_flight.unwrap_or(false) {
                        return Some(lease);
                    }
                    lease.run(async { Finish::Release }).await;
                    return None;
                }
            },
            // Even while stopping: the message is acknowledged, its turn must run, and the
            // other bridge's turn ends soon (the shutdown grace bounds the wait).
            Ok(None) if begun.is_none() => tokio::time::sleep(TURN_WAIT).await,
            Ok(None) => return None,
            Err(error) => {
                tracing::error!(conversation = %id, %error, "the turn could not be claimed");
                return None;
            }
        }
    }
}

async fn take_turn(
    conversations: &Conversations,
    handoffs: &Handoffs,
    id: &ConversationId,
    entry: &AgentEntry,
    begun: Option<Begun>,
) -> Result<(), StoreError> {
    let Some((conversation, transcript)) = conversations.with_transcript(id).await? else { return Ok(()) };
    let mode = conversation.mode;
    let last_visitor = transcript.iter().rev().find(|message| message.author == Author::Visitor);
    // While a person has the conversation, the AI stays silent; a bubble it left open is closed.
    if mode != Mode::Ai {
        if let Some(Begun { message_id, shown, .. }) = begun {
            conversations.append(id, EventKind::AgentMessageCompleted { message_id, text: shown }).await?;
        }
        if let Some(last) = last_visitor {
            let note =
                format!("The conversation is with the support team ({mode:?}): the agent stays silent.");
            let explanation = Explanation { agent: "none", note: Some(note), ..Explanation::default() };
            let body = decision(last, "with_person", None, explanation)?;
            conversations.record_decision(id, last.seq, &body).await?;
        }
        return Ok(());
    }
    let checkpoint = Checkpoint::new(Instant::now(), conversations.shared());
    let mut answer = Answer { conversations, id, begun, text: String::new(), checkpoint };
    let mut steps = entry.agent.answer(&transcript);
    let mut handoff = None;
    let mut explanation = Explanation::default();
    while let Some(step) = steps.next().await {
        match step {
            Step::Text(piece) => answer.push(&piece).await?,
            Step::Handoff(call) => {
                handoff.get_or_insert(call);
            }
            Step::Explain(why) => explanation = why,
        }
    }
    let outcome = match (&handoff, answer.begun.is_some()) {
        (Some(_), _) => "handoff",
        (None, true) => "answered",
        (None, false) => "nothing",
    };
    let decided = match last_visitor {
        Some(last) => Some((last.seq, decision(last, outcome, handoff.as_ref(), explanation)?)),
        None => None,
    };
    answer.finish(decided).await?;
    if let Some(call) = handoff {
        handoffs.start(id, &entry.profile.id, &entry.handoff_name, &call).await?;
    }
    Ok(())
}

/// The decision on `visitor`'s message, as the JSON the store keeps.
fn decision(
    visitor: &TranscriptEntry,
    outcome: &'static str,
    handoff: Option<&HandoffCall>,
    explanation: Explanation,
) -> Result<String, StoreError> {
    let decision = DecisionRecord {
        visitor_seq: visitor.seq,
        message: visitor.text.clone(),
        outcome,
        handoff: handoff.cloned(),
        explanation,
    };
    Ok(serde_json::to_string(&decision)?)
}

/// The answer being written: started on its first piece of text.
struct Answer<'a> {
    conversations: &'a Conversations,
    id: &'a ConversationId,
    begun: Option<Begun>,
    text: String,
    checkpoint: Checkpoint,
}

impl Answer<'_> {
    async fn push(&mut self, piece: &str) -> Result<(), StoreError> {
        let begun = match &mut self.begun {
            Some(begun) => begun,
            None => {
                let message_id = MessageId(token::random_hex(8));
                let started = self
                    .conversations
                    .append(self.id, EventKind::AgentMessageStarted { message_id: message_id.clone() })
                    .await?;
                // The start stored an empty checkpoint.
                self.checkpoint.made(Instant::now());
                self.begun.insert(Begun { message_id, started: started.seq, shown: String::new() })
            }
        };
        self.text.push_str(piece);
        // Send only what goes past the text the visitor already has. An answer that comes out
        // differently the second time is settled by the completion, which restates it whole.
        if self.text.len() > begun.shown.len() && self.text.starts_with(&begun.shown) {
            let offset = begun.shown.len().max(self.text.len() - piece.len());
            self.conversations.stream_answer(
                self.id,
                &begun.message_id,
                begun.started,
                &self.text,
                offset,
            )?;
            if self.checkpoint.due(Instant::now()) {
                self.conversations.checkpoint_answer(self.id, &begun.message_id, &self.text).await?;
            }
        }
        Ok(())
    }

    /// Completes the answer, if one was begun, and records the decision `decided` with it.
    async fn finish(self, decided: Option<(Seq, String)>) -> Result<(), StoreError> {
        let Some(Begun { message_id, shown, .. }) = self.begun else {
            if let Some((visitor_seq, body)) = decided {
                self.conversations.record_decision(self.id, visitor_seq, &body).await?;
            }
            return Ok(());
        };
        // An interrupted answer the agent now has nothing to add to keeps what was shown.
        let text = if self.text.is_empty() { shown } else { self.text };
        // One write where the engine can: the completion, the checkpoint's removal and the
        // decision in one transaction.
        let completion = EventKind::AgentMessageCompleted { message_id, text };
        self.conversations.complete_answer(self.id, completion, decided).await?;
        Ok(())
    }
}

/// When the answer in flight is next checkpointed: on a shared store [`CHECKPOINT_EVERY`] and
/// [`CHECKPOINT_PIECES`] after the last time, or [`CHECKPOINT_AT_LEAST_EVERY`] after it; on a
/// store one bridge owns, [`CHECKPOINT_AT_LEAST_EVERY`] after it.
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    last: Instant,
    pieces: u32,
    shared: bool,
}

impl Checkpoint {
    /// Pacing from a checkpoint made at `last`, on a store other bridges stream from when
    /// `shared`.
    fn new(last: Instant, shared: bool) -> Self {
        Self { last, pieces: 0, shared }
    }

    /// Counts a checkpoint made at `now`.
    fn made(&mut self, now: Instant) {
        self.last = now;
        self.pieces = 0;
    }

    /// Whether a checkpoint is due on a piece streamed at `now`; if so, it counts as made.
    fn due(&mut self, now: Instant) -> bool {
        self.pieces += 1;
        let since = now.saturating_duration_since(self.last);
        let often = self.shared && since >= CHECKPOINT_EVERY && self.pieces >= CHECKPOINT_PIECES;
        let due = often || since >= CHECKPOINT_AT_LEAST_EVERY;
        if due {
            self.made(now);
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpointed(apart: Duration, pieces: u32, shared: bool) -> Vec<u32> {
        let start = Instant::now();
        let mut checkpoint = Checkpoint::new(start, shared);
        (1..=pieces).filter(|n| checkpoint.due(start + apart * *n)).collect()
    }

    #[test]
    fn an_answer_is_checkpointed_once_per_interval_however_many_pieces_it_streams() {
        // 40 ms apart: due at 320 ms (8 pieces, 250 ms past), then 8 pieces later.
        assert_eq!(checkpointed(Duration::from_millis(40), 20, true), [8, 16]);
        // Ten times as many pieces in the same time: still every 250 ms.
        assert_eq!(checkpointed(Duration::from_millis(4), 200, true), [63, 126, 189]);
    }

    #[test]
    fn a_slow_answer_is_checkpointed_no_more_often_and_at_least_every_second() {
        // Pieces three times late, as on a bridge short of CPU: every 8 pieces, not every 3.
        assert_eq!(checkpointed(Duration::from_millis(120), 20, true), [8, 16]);
        // Few pieces, far apart: at least once a second.
        assert_eq!(checkpointed(Duration::from_millis(600), 5, true), [2, 4]);
    }

    #[test]
    fn on_a_store_one_bridge_owns_an_answer_is_checkpointed_once_a_second() {
        // The demo agent's 800 ms answer: its start and completion only.
        assert!(checkpointed(Duration::from_millis(40), 20, false).is_empty());
        // A 4-second answer: once a second, whatever its pieces.
        assert_eq!(checkpointed(Duration::from_millis(40), 100, false), [25, 50, 75, 100]);
        assert_eq!(checkpointed(Duration::from_millis(600), 5, false), [2, 4]);
    }
}
