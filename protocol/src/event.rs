//! The events of a conversation's append-only log. The bridge stores them, the event stream sends
//! them as `id: <seq>` + `data: <json>`, and the widget folds them into what it shows.
//!
//! One kind is not stored: [`EventKind::AgentMessageDelta`]. An answer is stored as its start and
//! its completion (which restates the whole text); its pieces in between are sent live only, with
//! the seq of the answer's `agent_message_started` event and no SSE `id:` (so `Last-Event-ID`
//! stays the last stored event). A client takes a delta by `message_id` and `offset`, whatever its
//! seq, and drops stored events by seq. A stream opened or resumed mid-answer first hands over the
//! answer's text so far as one delta at offset 0, then the pieces after it.

use std::fmt;

use crate::ids::{ClientId, MessageId, Seq};
use serde::{Deserialize, Serialize};

/// One entry of the log: its place, its time, and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WireEvent")]
pub struct Event {
    /// Its position in the conversation's log.
    pub seq: Seq,
    /// When it was stored, in milliseconds since the Unix epoch.
    pub at: i64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// An event as it is read off the wire: every field of every kind, optional. Reading through this
/// plain struct, instead of the derived tagged enum, spares the widget serde's buffering of
/// tagged content — a large share of the code every visitor downloads — with the same JSON.
#[derive(Deserialize)]
struct WireEvent {
    seq: Seq,
    at: i64,
    #[serde(rename = "type")]
    kind: String,
    client_id: Option<ClientId>,
    text: Option<String>,
    message_id: Option<MessageId>,
    offset: Option<usize>,
    expected_reply_minutes: Option<u32>,
    teammate: Option<Teammate>,
    code: Option<String>,
    message: Option<String>,
    attachments: Option<Vec<Attachment>>,
    // Read as text and matched below: a derived enum reader would ship its own visitor.
    rating: Option<String>,
    comment: Option<String>,
    up_to: Option<Seq>,
}

/// Why a wire event is not an [`Event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEvent(pub(crate) String);

impl fmt::Display for InvalidEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn field<T>(value: Option<T>, kind: &str, name: &str) -> Result<T, InvalidEvent> {
    value.ok_or_else(|| InvalidEvent(format!("{kind} event without `{name}`")))
}

impl TryFrom<WireEvent> for Event {
    type Error = InvalidEvent;

    fn try_from(wire: WireEvent) -> Result<Self, InvalidEvent> {
        let name = wire.kind.as_str();
        let kind = match name {
            "visitor_message" => EventKind::VisitorMessage {
                client_id: field(wire.client_id, name, "client_id")?,
                text: field(wire.text, name, "text")?,
                attachments: wire.attachments.unwrap_or_default(),
            },
            "agent_message_started" => {
                EventKind::AgentMessageStarted { message_id: field(wire.message_id, name, "message_id")? }
            }
            "agent_message_delta" => EventKind::AgentMessageDelta {
                message_id: field(wire.message_id, name, "message_id")?,
                offset: field(wire.offset, name, "offset")?,
                text: field(wire.text, name, "text")?,
            },
            "agent_message_completed" => EventKind::AgentMessageCompleted {
                message_id: field(wire.message_id, name, "message_id")?,
                text: field(wire.text, name, "text")?,
            },
            "handoff_requested" => EventKind::HandoffRequested,
            "handoff_connected" => {
                EventKind::HandoffConnected { expected_reply_minutes: wire.expected_reply_minutes }
            }
            "handoff_failed" => EventKind::HandoffFailed,
            "teammate_joined" => {
                EventKind::TeammateJoined { teammate: field(wire.teammate, name, "teammate")? }
            }
            "teammate_message" => EventKind::TeammateMessage {
                teammate: field(wire.teammate, name, "teammate")?,
                text: field(wire.text, name, "text")?,
                attachments: wire.attachments.unwrap_or_default(),
            },
            "teammate_typing" => {
                EventKind::TeammateTyping { teammate: field(wire.teammate, name, "teammate")? }
            }
            "conversation_closed" => EventKind::ConversationClosed,
            "conversation_reopened" => EventKind::ConversationReopened,
            "conversation_rated" => EventKind::ConversationRated {
                rating: match field(wire.rating, name, "rating")?.as_str() {
                    "good" => Rating::Good,
                    "bad" => Rating::Bad,
                    other => return Err(InvalidEvent(format!("unknown rating `{other}`"))),
                },
                comment: wire.comment,
            },
            "messages_seen" => EventKind::MessagesSeen { up_to: field(wire.up_to, name, "up_to")? },
            "error_raised" => EventKind::ErrorRaised {
                code: field(wire.code, name, "code")?,
                message: field(wire.message, name, "message")?,
            },
            other => return Err(InvalidEvent(format!("unknown event type `{other}`"))),
        };
        Ok(Event { seq: wire.seq, at: wire.at, kind })
    }
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

/// A file that came with a message: a visitor's upload, or a teammate's attachment in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's name, as its sender gave it.
    pub name: String,
    /// Its type, as the bridge sniffed it (a visitor's) or the inbox says (a teammate's).
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// Where to fetch it: for a visitor's, the bridge's signed, expiring address.
    pub url: String,
}

impl Attachment {
    /// Whether the widget shows it as a picture rather than a link.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
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
        /// What the visitor typed (empty when they sent files only).
        text: String,
        /// Files sent with it; left out of the JSON when there are none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
    },
    /// The agent began an answer; deltas follow.
    AgentMessageStarted {
        /// The answer's id.
        message_id: MessageId,
    },
    /// A piece of an answer, sent live and never stored: its seq is the answer's start's, and
    /// its SSE frame has no `id:`. `offset` is the byte length of the answer before this piece, so
    /// a client that already has the piece can tell, and one that lacks text before it can tell
    /// too. A stream joining mid-answer gets the text so far as one piece at offset 0.
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
        /// What they wrote (empty when they sent files only).
        text: String,
        /// Files attached to it; left out of the JSON when there are none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
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
    /// The visitor rated the closed conversation (once per conversation).
    ConversationRated {
        /// How it went, to the visitor.
        rating: Rating,
        /// What they added, if anything.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// The team has read the visitor's messages up to this point (the support inbox said so).
    MessagesSeen {
        /// The seq of the newest visitor message read.
        up_to: Seq,
    },
    /// Something went wrong that the visitor should know about.
    ErrorRaised {
        /// Stable, such as `agent_unavailable`.
        code: String,
        /// Safe to show.
        message: String,
    },
}

/// The visitor's verdict on a closed conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// It helped.
    Good,
    /// It did not.
    Bad,
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

    fn photo() -> Attachment {
        Attachment {
            name: "parcel.jpg".into(),
            content_type: "image/jpeg".into(),
            size: 2048,
            url: "https://chat.example/v1/files/f1?expires=9&signature=ab".into(),
        }
    }

    fn photo_json() -> serde_json::Value {
        json!({"name": "parcel.jpg", "content_type": "image/jpeg", "size": 2048,
               "url": "https://chat.example/v1/files/f1?expires=9&signature=ab"})
    }

    /// Every kind, with the exact JSON the stream carries for it.
    fn every_kind() -> Vec<(EventKind, serde_json::Value)> {
        let ana_json = json!({"name": "Ana", "avatar_url": "https://x.test/a.png"});
        vec![
            (
                EventKind::VisitorMessage {
                    client_id: ClientId::from("c-1"),
                    text: "hi".into(),
                    attachments: Vec::new(),
                },
                json!({"type": "visitor_message", "client_id": "c-1", "text": "hi"}),
            ),
            (
                EventKind::VisitorMessage {
                    client_id: ClientId::from("c-2"),
                    text: String::new(),
                    attachments: vec![photo()],
                },
                json!({"type": "visitor_message", "client_id": "c-2", "text": "", "attachments": [photo_json()]}),
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
                EventKind::TeammateMessage {
                    teammate: ana(),
                    text: "Hi, Ana here".into(),
                    attachments: Vec::new(),
                },
                json!({"type": "teammate_message", "teammate": ana_json, "text": "Hi, Ana here"}),
            ),
            (
                EventKind::TeammateMessage {
                    teammate: ana(),
                    text: "Here is the label".into(),
                    attachments: vec![photo()],
                },
                json!({"type": "teammate_message", "teammate": ana_json, "text": "Here is the label",
                       "attachments": [photo_json()]}),
            ),
            (
                EventKind::TeammateTyping { teammate: ana() },
                json!({"type": "teammate_typing", "teammate": ana_json}),
            ),
            (EventKind::ConversationClosed, json!({"type": "conversation_closed"})),
            (EventKind::ConversationReopened, json!({"type": "conversation_reopened"})),
            (
                EventKind::ConversationRated { rating: Rating::Good, comment: Some("Quick, thanks".into()) },
                json!({"type": "conversation_rated", "rating": "good", "comment": "Quick, thanks"}),
            ),
            (
                EventKind::ConversationRated { rating: Rating::Bad, comment: None },
                json!({"type": "conversation_rated", "rating": "bad"}),
            ),
            (EventKind::MessagesSeen { up_to: Seq(7) }, json!({"type": "messages_seen", "up_to": 7})),
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
        let rated = json!({"seq": 1, "at": 0, "type": "conversation_rated", "rating": "great"});
        assert!(serde_json::from_value::<Event>(rated).is_err(), "an unknown rating is not read as one");
    }

    #[test]
    fn an_event_missing_a_field_of_its_kind_is_an_error() {
        let parsed = serde_json::from_value::<Event>(
            json!({"seq": 1, "at": 0, "type": "visitor_message", "text": "hi"}),
        );
        let error = parsed.expect_err("client_id is required").to_string();
        assert!(error.contains("client_id"), "{error}");
    }

    #[test]
    fn the_stored_kind_alone_reads_back_through_the_tagged_enum() {
        for (kind, json) in every_kind() {
            assert_eq!(serde_json::from_value::<EventKind>(json).expect("parses"), kind);
        }
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
