//! The AI agent behind a conversation, as the rest of the bridge sees it: given the transcript,
//! it streams an answer piece by piece, may hand the conversation to a person, and says why it
//! did what it did so the dashboard's preview can show it.

pub(crate) mod builtin;
mod openai;

pub use builtin::{BuiltinAgent, Decision};
pub use openai::{ModelError, ModelSettings, OpenAiAgent, Persona};

use baton_protocol::TranscriptEntry;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::Serialize;

/// Answers visitors.
pub trait Agent: Send + Sync + std::fmt::Debug {
    /// Answers the last visitor message of `transcript`: text pieces in order, at most one
    /// [`Step::Handoff`], and [`Step::Explain`] whenever the agent can say why. Failures are the
    /// agent's to handle: it tells the visitor plainly in text and keeps the handoff possible.
    fn answer(&self, transcript: &[TranscriptEntry]) -> BoxStream<'static, Step>;

    /// Copilot: a reply a teammate could send to the last customer message of `transcript`,
    /// or `None` when the agent has nothing useful to say.
    fn draft(&self, transcript: &[TranscriptEntry]) -> BoxFuture<'static, Option<String>>;

    /// Picks who gets the conversation by the plain-language assignment `criteria`, among the
    /// team and admin names `targets`. `None` leaves it to the rules the criteria's text gives,
    /// which is all the builtin agent uses.
    fn classify(
        &self,
        _criteria: &str,
        _transcript: &[TranscriptEntry],
        _targets: &[String],
    ) -> BoxFuture<'static, Option<String>> {
        Box::pin(std::future::ready(None))
    }
}

/// One step of an agent's turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The next piece of the answer's text.
    Text(String),
    /// The conversation should go to a person.
    Handoff(HandoffCall),
    /// What the agent decided and why.
    Explain(Explanation),
}

/// A request to hand the conversation off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoffCall {
    /// Why, in words a teammate reads: the fired clause's summary or the model's own reason.
    pub reason: String,
    /// The clause of the trigger instructions that fired, as the site owner wrote it, when the
    /// decision came from the rules rather than from a model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
}

/// Why the agent answered the way it did, for the site owner testing a trigger in the preview.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Explanation {
    /// Which agent decided: `builtin` or `openai`; `none` when no agent took a turn.
    pub agent: &'static str,
    /// Each clause of the trigger instructions and whether it fired.
    pub checks: Vec<ClauseCheck>,
    /// The knowledge sections the answer drew on, best first.
    pub knowledge: Vec<KnowledgeHit>,
    /// Anything else worth knowing, such as a model error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One clause of the trigger instructions, checked against the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClauseCheck {
    /// The clause as the site owner wrote it.
    pub clause: String,
    /// The rule derived from it: `human_request`, `topic`, `failed_attempts`, `frustration`, or
    /// `unrecognized` for a clause no rule could be derived from.
    pub rule: &'static str,
    /// Whether it fired.
    pub fired: bool,
    /// Why it fired or did not, in a sentence.
    pub why: String,
    /// When it fired, the short label handoffs are counted by: "Asked for a person",
    /// "Topic: billing".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A knowledge section with its retrieval score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnowledgeHit {
    /// The section's heading.
    pub title: String,
    /// Its BM25 score for the visitor's message.
    pub score: f64,
}
