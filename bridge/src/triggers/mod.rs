//! Trigger instructions in plain language ("Hand off when the user asks to speak with a human,
//! when the issue involves billing…") turned into deterministic rules, and those rules checked
//! against a conversation. Pure logic: the builtin agent decides with it, and the model-backed
//! agent falls back on it when the model is down.

use crate::agent::ClauseCheck;

/// The rules derived from one set of trigger instructions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Triggers {
    source: String,
}

/// One visitor message of the conversation and whether the agent's knowledge answered it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'a> {
    /// What the visitor wrote.
    pub message: &'a str,
    /// Whether a knowledge section (or a small-talk reply) answered it.
    pub answered: bool,
}

/// Messages that need a polite reply rather than knowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    /// "Hi", "hello there".
    Greeting,
    /// "Thanks!", "thank you so much".
    Thanks,
}

impl Triggers {
    /// Derives the rules from `instructions`.
    pub fn parse(instructions: &str) -> Self {
        Self { source: instructions.to_owned() }
    }

    /// The instructions as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Checks every clause against `attempts`: the visitor's messages since a person last had
    /// the conversation, oldest first, the message being answered last.
    pub fn evaluate(&self, _attempts: &[Attempt<'_>]) -> Vec<ClauseCheck> {
        Vec::new()
    }
}

/// Whether `message` is only a greeting or thanks.
pub fn small_talk(_message: &str) -> Option<SmallTalk> {
    None
}
