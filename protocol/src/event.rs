//! The events of a conversation's append-only log. The bridge stores them, the event stream sends
//! them as `id: <seq>` + `data: <json>`, and the widget folds them into what it shows.

use crate::ids::{ClientId, MessageId, Seq};
use serde::{Deserialize, Serialize};

/// One entry of the log: its place, its time, and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Its position in the conversation's log.
    pub seq: Seq,
    /// When it was stored, in milliseconds since the Unix epoch.
    pub at: i64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// A person on the support team, as the visitor sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Teammate {
    /// Their display name.
    pub name: String,
    /// A picture of them, if they have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

/// What happened in a conversation. Handoff reasons are internal and never appear here: the
/// visitor's stream only says that a handoff happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The visitor sent a message.
    VisitorMessage {
        /// The widget's id for it.
        client_id: ClientId,
        /// What the visitor typed.
        text: String,
    },
    /// The agent began an answer; deltas follow.
    AgentMessageStarted {
        /// The answer's id.
        message_id: MessageId,
    },
    /// A piece of an answer. `offset` is the byte length of the answer before this piece, so a
    /// client that already has the piece can tell, and one that lacks text before it can tell too.
    AgentMessageDelta {
        /// The answer's id.
        message_id: MessageId,
        /// Bytes of the answer that precede `text`.
        offset: usize,
        /// The new text.
        text: String,
    },
    /// The answer is finished; `text` restates all of it.
    AgentMessageCompleted {
        /// The answer's id.
        message_id: MessageId,
        /// The whole answer.
        text: String,
    },
    /// The agent decided a person should take over.
    HandoffRequested,
    /// The team's inbox has the conversation; a teammate will answer.
    HandoffConnected {
        /// The team's usual time to reply, in minutes, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_reply_minutes: Option<u32>,
    },
    /// The handoff could not reach the team; the visitor may leave an email instead.
    HandoffFailed,
    /// A teammate took the conversation.
    TeammateJoined {
        /// Who.
        teammate: Teammate,
    },
    /// A teammate wrote to the visitor.
    TeammateMessage {
        /// Who.
        teammate: Teammate,
        /// What they wrote.
        text: String,
    },
    /// A teammate is typing.
    TeammateTyping {
        /// Who.
        teammate: Teammate,
    },
    /// The team closed the conversation.
    ConversationClosed,
    /// The team reopened a closed conversation.
    ConversationReopened,
    /// Something went wrong that the visitor should know about.
    ErrorRaised {
        /// Stable, such as `agent_unavailable`.
        code: String,
        /// Safe to show.
        message: String,
    },
}

/// Who answers the visitor now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The AI agent answers.
    #[default]
    Ai,
    /// A handoff was requested and the team's inbox is being reached.
    Connecting,
    /// The team has the conversation; nobody has joined yet.
    Waiting,
    /// A teammate is answering.
    Human,
    /// The team closed the conversation.
    Closed,
}

impl Mode {
    /// The mode after `kind` happened in this mode. Events that do not move the conversation
    /// leave it where it is. A failed handoff stays `Connecting`: the bridge keeps retrying, and
    /// the visitor is offered a fallback meanwhile. Nothing brings a conversation back to the AI.
    pub fn after(self, kind: &EventKind) -> Mode {
        match (self, kind) {
            (Mode::Ai, EventKind::HandoffRequested) => Mode::Connecting,
            (Mode::Ai | Mode::Connecting, EventKind::HandoffConnected { .. }) => Mode::Waiting,
            (Mode::Closed, _) => match kind {
                EventKind::ConversationReopened => Mode::Human,
                _ => Mode::Closed,
            },
            (_, EventKind::TeammateJoined { .. } | EventKind::TeammateMessage { .. }) => Mode::Human,
            (_, EventKind::ConversationClosed) => Mode::Closed,
            (mode, _) => mode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ana() -> Teammate {
        Teammate { name: "Ana".into(), avatar_url: Some("https://x.test/a.png".into()) }
    }

    /// Every kind, with the exact JSON the stream carries for it.
    fn every_kind() -> Vec<(EventKind, serde_json::Value)> {
        let ana_json = json!({"name": "Ana", "avatar_url": "https://x.test/a.png"});
        vec![
            (
                EventKind::VisitorMessage { client_id: ClientId::from("c-1"), text: "hi".into() },
                json!({"type": "visitor_message", "client_id": "c-1", "text": "hi"}),
            ),
            (
                EventKind::AgentMessageStarted { message_id: MessageId::from("m1") },
                json!({"type": "agent_message_started", "message_id": "m1"}),
            ),
            (
                EventKind::AgentMessageDelta {
                    message_id: MessageId::from("m1"),
                    offset: 5,
                    text: " there".into(),
                },
                json!({"type": "agent_message_delta", "message_id": "m1", "offset": 5, "text": " there"}),
            ),
            (
                EventKind::AgentMessageCompleted {
                    message_id: MessageId::from("m1"),
                    text: "Hello there".into(),
                },
                json!({"type": "agent_message_completed", "message_id": "m1", "text": "Hello there"}),
            ),
            (EventKind::HandoffRequested, json!({"type": "handoff_requested"})),
            (
                EventKind::HandoffConnected { expected_reply_minutes: Some(5) },
                json!({"type": "handoff_connected", "expected_reply_minutes": 5}),
            ),
            (EventKind::HandoffFailed, json!({"type": "handoff_failed"})),
            (
                EventKind::TeammateJoined { teammate: ana() },
                json!({"type": "teammate_joined", "teammate": ana_json}),
            ),
            (
                EventKind::TeammateMessage { teammate: ana(), text: "Hi, Ana here".into() },
                json!({"type": "teammate_message", "teammate": ana_json, "text": "Hi, Ana here"}),
            ),
            (
                EventKind::TeammateTyping { teammate: ana() },
                json!({"type": "teammate_typing", "teammate": ana_json}),
            ),
            (EventKind::ConversationClosed, json!({"type": "conversation_closed"})),
            (EventKind::ConversationReopened, json!({"type": "conversation_reopened"})),
            (
                EventKind::ErrorRaised { code: "agent_unavailable".into(), message: "Sorry.".into() },
                json!({"type": "error_raised", "code": "agent_unavailable", "message": "Sorry."}),
            ),
        ]
    }

    #[test]
    fn every_event_kind_has_its_documented_json_and_round_trips() {
        for (seq, (kind, mut expected)) in (1..).zip(every_kind()) {
            let event = Event { seq: Seq(seq), at: 1_700_000_000_000, kind };
            expected["seq"] = json!(seq);
            expected["at"] = json!(1_700_000_000_000_i64);
            let json = serde_json::to_value(&event).expect("serializes");
            assert_eq!(json, expected);
            let back: Event = serde_json::from_value(json).expect("parses");
            assert_eq!(back, event);
        }
    }

    #[test]
    fn an_unknown_event_type_is_an_error_not_a_guess() {
        let parsed = serde_json::from_value::<Event>(json!({"seq": 1, "at": 0, "type": "nope"}));
        assert!(parsed.is_err());
    }

    #[test]
    fn a_handoff_walks_through_every_mode() {
        let steps = [
            (EventKind::HandoffRequested, Mode::Connecting),
            (EventKind::HandoffConnected { expected_reply_minutes: None }, Mode::Waiting),
            (EventKind::TeammateJoined { teammate: ana() }, Mode::Human),
            (EventKind::TeammateTyping { teammate: ana() }, Mode::Human),
            (EventKind::ConversationClosed, Mode::Closed),
            (EventKind::TeammateTyping { teammate: ana() }, Mode::Closed),
            (EventKind::ConversationReopened, Mode::Human),
        ];
        let mut mode = Mode::Ai;
        for (kind, expected) in steps {
            mode = mode.after(&kind);
            assert_eq!(mode, expected, "after {kind:?}");
        }
    }

    #[test]
    fn a_failed_handoff_keeps_connecting_and_never_undoes_a_person() {
        assert_eq!(Mode::Connecting.after(&EventKind::HandoffFailed), Mode::Connecting);
        assert_eq!(Mode::Human.after(&EventKind::HandoffFailed), Mode::Human);
        assert_eq!(Mode::Human.after(&EventKind::HandoffRequested), Mode::Human);
    }
}
