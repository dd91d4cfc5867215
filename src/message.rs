//! One entry of the conversation's log as the widget shows it: who wrote it, what it says, where
//! it stands. Its own module so the reducer ([`crate::conversation`]) and the storage of the log
//! ([`crate::transcript`]) both build on it without depending on each other.

use baton_protocol::{Attachment, ClientId, MessageId, Seq, Teammate};

/// Who wrote a message, as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// The visitor, on this device or another tab.
    Visitor,
    /// The AI agent.
    Agent,
    /// A person on the support team.
    Teammate(Teammate),
    /// The conversation itself: a handoff step, a teammate joining, closing.
    System(Notice),
}

/// A step of the conversation shown as a line of its own in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The agent is handing over to a person.
    Connecting,
    /// The team has the conversation and usually replies within this many minutes.
    TeamNotified(Option<u32>),
    /// The team could not be reached.
    HandoffFailed,
    /// A teammate joined.
    Joined(String),
    /// The team closed the conversation.
    Closed,
    /// The team reopened it.
    Reopened,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Queued or on its way to the bridge.
    Sending,
    /// The bridge could not be reached; the visitor can retry.
    Failed,
    /// Stored by the bridge, or finished by the agent.
    Done,
    /// The agent is still writing it.
    Streaming,
}

/// Which message this is, across the local copy and the bridge's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageKey {
    /// A visitor message, by the id the widget gave it.
    Client(ClientId),
    /// An agent answer.
    Agent(MessageId),
    /// Anything else, by the seq of its event.
    Seq(Seq),
}

/// One entry in the message log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Identity, stable across updates.
    pub key: MessageKey,
    /// The event that added it; `Seq(0)` until the bridge has it.
    pub seq: Seq,
    /// When it was written, in milliseconds since the Unix epoch: the bridge's time once it has
    /// it, the visitor's clock until then.
    pub at: i64,
    /// Who wrote it.
    pub sender: Sender,
    /// What it says so far.
    pub text: String,
    /// Where it stands.
    pub status: Status,
    /// Files that came with it: the visitor's own until the bridge has them, then the bridge's.
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// Whether the team has seen this message, given that it has seen every event before
    /// `team_seen`: only once the bridge has it.
    pub fn seen_before(&self, team_seen: Seq) -> bool {
        self.seq > Seq(0) && self.seq < team_seen
    }
}
