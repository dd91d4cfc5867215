//! A small reader of the JSON the bridge writes, for the widget: serde's derived readers and the
//! generic deserialiser behind them were some 10 KB gzip of every visitor's download, and the
//! widget reads only a handful of shapes. Numbers are whole (every number on the wire is a seq,
//! a time in milliseconds, an offset or a size); fields it does not know are skipped, so a newer
//! bridge may add some. The bridge keeps serde; the tests below read what serde writes.

use crate::api::{AgentProfile, ConversationCreated, Visitor};
use crate::event::{Attachment, Event, EventKind, InvalidEvent, Rating, Teammate};
use crate::ids::{AgentId, ClientId, ConversationId, MessageId, Seq};

/// A JSON value; a number keeps its text until a field asks for it as an integer.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, or a field left out.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    Text(String),
    /// An array.
    Array(Vec<Value>),
    /// An object's fields, in order.
    Object(Vec<(String, Value)>),
}

const NULL: Value = Value::Null;

impl Value {
    /// Reads `text` as one JSON value.
    pub fn parse(text: &str) -> Result<Value, InvalidEvent> {
        let mut parser = Parser { bytes: text.as_bytes(), at: 0 };
        let value = parser.value()?;
        parser.space();
        if parser.at == parser.bytes.len() {
            Ok(value)
        } else {
            Err(parser.error())
        }
    }

    /// The field `name` of an object (`Null` when absent or not an object).
    pub fn get(&self, name: &str) -> &Value {
        match self {
            Value::Object(fields) => fields.iter().find(|(key, _)| key == name).map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }

    /// The string, if it is one.
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Text(text) => Some(text.clone()),
            _ => None,
        }
    }

    /// The whole number, if it is one that fits.
    pub fn int<T: std::str::FromStr>(&self) -> Option<T> {
        match self {
            Value::Number(number) => number.parse().ok(),
            _ => None,
        }
    }

    /// The array's items (none when it is not an array).
    pub fn items(&self) -> &[Value] {
        match self {
            Value::Array(items) => items,
            _ => &[],
        }
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self) -> InvalidEvent {
        InvalidEvent(format!("not JSON at byte {}", self.at))
    }

    fn space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.space();
        let found = self.bytes.get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, InvalidEvent> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error())
        }
    }

    fn value(&mut self) -> Result<Value, InvalidEvent> {
        self.space();
        match self.bytes.get(self.at) {
            Some(b'n') => self.word("null", Value::Null),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::Text),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error());
                        }
                    }
                }
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.at += 1;
                let mut fields = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.space();
                        let key = self.string()?;
                        if !self.eat(b':') {
                            return Err(self.error());
                        }
                        fields.push((key, self.value()?));
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return Err(self.error());
                        }
                    }
                }
                Ok(Value::Object(fields))
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.at;
                while self.bytes.get(self.at).is_some_and(|b| b"+-.eE0123456789".contains(b)) {
                    self.at += 1;
                }
                Ok(Value::Number(String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()))
            }
            _ => Err(self.error()),
        }
    }

    /// A string, the parser on its opening quote.
    fn string(&mut self) -> Result<String, InvalidEvent> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return Err(self.error());
        }
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let Some(&byte) = self.bytes.get(self.at) else { return Err(self.error()) };
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(out).map_err(|_| self.error()),
                b'\\' => {
                    let Some(&escaped) = self.bytes.get(self.at) else { return Err(self.error()) };
                    self.at += 1;
                    let plain = match escaped {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => self.unicode()?,
                        other => char::from(other),
                    };
                    out.extend_from_slice(plain.encode_utf8(&mut [0; 4]).as_bytes());
                }
                other => out.push(other),
            }
        }
    }

    /// The character of a `\u` escape (and of the low surrogate after it, if it is a high one).
    fn unicode(&mut self) -> Result<char, InvalidEvent> {
        let high = self.hex()?;
        let code = if (0xd800..0xdc00).contains(&high) && self.bytes[self.at..].starts_with(b"\\u") {
            self.at += 2;
            let low = self.hex()?;
            0x10000 + ((high - 0xd800) << 10) + (low.wrapping_sub(0xdc00) & 0x3ff)
        } else {
            high
        };
        Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn hex(&mut self) -> Result<u32, InvalidEvent> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or_else(|| self.error())?;
        let code = std::str::from_utf8(digits).ok().and_then(|d| u32::from_str_radix(d, 16).ok());
        self.at += 4;
        code.ok_or_else(|| self.error())
    }
}

fn field<T>(value: Option<T>, kind: &str, name: &str) -> Result<T, InvalidEvent> {
    value.ok_or_else(|| InvalidEvent(format!("{kind} without `{name}`")))
}

fn teammate(value: &Value) -> Option<Teammate> {
    Some(Teammate { name: value.get("name").text()?, avatar_url: value.get("avatar_url").text() })
}

fn attachments(value: &Value) -> Vec<Attachment> {
    value
        .items()
        .iter()
        .filter_map(|file| {
            Some(Attachment {
                name: file.get("name").text()?,
                content_type: file.get("content_type").text()?,
                size: file.get("size").int()?,
                url: file.get("url").text()?,
            })
        })
        .collect()
}

impl Event {
    /// Reads an event as the event stream's `data:` line carries it.
    pub fn read(json: &str) -> Result<Event, InvalidEvent> {
        let wire = Value::parse(json)?;
        let name = wire.get("type").text().unwrap_or_default();
        let name = name.as_str();
        let text = || field(wire.get("text").text(), name, "text");
        let message_id = || field(wire.get("message_id").text().map(MessageId), name, "message_id");
        let teammate = || field(teammate(wire.get("teammate")), name, "teammate");
        let kind = match name {
            "visitor_message" => EventKind::VisitorMessage {
                client_id: field(wire.get("client_id").text().map(ClientId), name, "client_id")?,
                text: text()?,
                attachments: attachments(wire.get("attachments")),
            },
            "agent_message_started" => EventKind::AgentMessageStarted { message_id: message_id()? },
            "agent_message_delta" => EventKind::AgentMessageDelta {
                message_id: message_id()?,
                offset: field(wire.get("offset").int(), name, "offset")?,
                text: text()?,
            },
            "agent_message_completed" => {
                EventKind::AgentMessageCompleted { message_id: message_id()?, text: text()? }
            }
            "handoff_requested" => EventKind::HandoffRequested,
            "handoff_connected" => EventKind::HandoffConnected {
                expected_reply_minutes: wire.get("expected_reply_minutes").int(),
            },
            "handoff_failed" => EventKind::HandoffFailed,
            "teammate_joined" => EventKind::TeammateJoined { teammate: teammate()? },
            "teammate_message" => EventKind::TeammateMessage {
                teammate: teammate()?,
                text: text()?,
                attachments: attachments(wire.get("attachments")),
            },
            "teammate_typing" => EventKind::TeammateTyping { teammate: teammate()? },
            "conversation_closed" => EventKind::ConversationClosed,
            "conversation_reopened" => EventKind::ConversationReopened,
            "conversation_rated" => EventKind::ConversationRated {
                rating: match field(wire.get("rating").text(), name, "rating")?.as_str() {
                    "good" => Rating::Good,
                    "bad" => Rating::Bad,
                    other => return Err(InvalidEvent(format!("unknown rating `{other}`"))),
                },
                comment: wire.get("comment").text(),
            },
            "messages_seen" => {
                EventKind::MessagesSeen { up_to: field(wire.get("up_to").int().map(Seq), name, "up_to")? }
            }
            "error_raised" => EventKind::ErrorRaised {
                code: field(wire.get("code").text(), name, "code")?,
                message: field(wire.get("message").text(), name, "message")?,
            },
            other => return Err(InvalidEvent(format!("unknown event type `{other}`"))),
        };
        let seq = field(wire.get("seq").int().map(Seq), name, "seq")?;
        Ok(Event { seq, at: field(wire.get("at").int(), name, "at")?, kind })
    }
}

impl AgentProfile {
    /// Reads the answer to `GET /v1/agents/{id}`.
    pub fn read(json: &str) -> Result<AgentProfile, InvalidEvent> {
        let wire = Value::parse(json)?;
        let text = |name| field(wire.get(name).text(), "agent", name);
        Ok(AgentProfile {
            id: AgentId(text("id")?),
            name: text("name")?,
            avatar_url: wire.get("avatar_url").text(),
            company: text("company")?,
            greeting: text("greeting")?,
            back_at: wire.get("back_at").int(),
            suggestions: wire.get("suggestions").items().iter().filter_map(Value::text).collect(),
        })
    }
}

impl ConversationCreated {
    /// Reads the answer to `POST /v1/conversations`.
    pub fn read(json: &str) -> Result<ConversationCreated, InvalidEvent> {
        let wire = Value::parse(json)?;
        let text = |name| field(wire.get(name).text(), "conversation", name);
        Ok(ConversationCreated { id: ConversationId(text("id")?), token: text("token")? })
    }
}

impl Visitor {
    /// Reads what the host page says of the visitor (`{email?, name?, user_id?, user_hash?}`);
    /// anything else than an object of strings is refused, so a mistake is not passed on.
    pub fn read(value: &Value) -> Result<Visitor, InvalidEvent> {
        let text = |name: &str| match value.get(name) {
            Value::Null => Ok(None),
            Value::Text(text) => Ok(Some(text.clone())),
            _ => Err(InvalidEvent(format!("`{name}` is not a string"))),
        };
        if !matches!(value, Value::Object(_)) {
            return Err(InvalidEvent(String::from("the visitor is not an object")));
        }
        Ok(Visitor {
            email: text("email")?,
            name: text("name")?,
            user_id: text("user_id")?,
            user_hash: text("user_hash")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<EventKind> {
        let ana =
            Teammate { name: "Ana \"A\" Ünal 🙂".into(), avatar_url: Some("https://x/a.png".into()) };
        let file = Attachment {
            name: "label\n.png".into(),
            content_type: "image/png".into(),
            size: 10_485_760,
            url: "https://x/f?expires=1&signature=ab".into(),
        };
        vec![
            EventKind::VisitorMessage {
                client_id: ClientId::from("k1"),
                text: "tab\t, quote \", backslash \\, é, 𝄞, \u{1}".into(),
                attachments: vec![file.clone()],
            },
            EventKind::VisitorMessage {
                client_id: ClientId::from("k2"),
                text: "hi".into(),
                attachments: vec![],
            },
            EventKind::AgentMessageStarted { message_id: MessageId::from("m") },
            EventKind::AgentMessageDelta { message_id: MessageId::from("m"), offset: 12, text: "lo".into() },
            EventKind::AgentMessageCompleted { message_id: MessageId::from("m"), text: "Hello".into() },
            EventKind::HandoffRequested,
            EventKind::HandoffConnected { expected_reply_minutes: Some(5) },
            EventKind::HandoffConnected { expected_reply_minutes: None },
            EventKind::HandoffFailed,
            EventKind::TeammateJoined { teammate: Teammate { name: "Bo".into(), avatar_url: None } },
            EventKind::TeammateMessage { teammate: ana.clone(), text: "<b>".into(), attachments: vec![file] },
            EventKind::TeammateTyping { teammate: ana },
            EventKind::ConversationClosed,
            EventKind::ConversationReopened,
            EventKind::ConversationRated { rating: Rating::Good, comment: Some("Fast".into()) },
            EventKind::ConversationRated { rating: Rating::Bad, comment: None },
            EventKind::MessagesSeen { up_to: Seq(7) },
            EventKind::ErrorRaised { code: "agent_unavailable".into(), message: "Sorry".into() },
        ]
    }

    #[test]
    fn the_widget_reads_every_event_the_bridge_writes() {
        for (seq, kind) in every_kind().into_iter().enumerate() {
            let event = Event { seq: Seq(seq as u64 + 1), at: 1_700_000_000_123, kind };
            let written = serde_json::to_string(&event).expect("serializes");
            assert_eq!(Event::read(&written), Ok(event.clone()), "{written}");
            let pretty = serde_json::to_string_pretty(&event).expect("serializes");
            assert_eq!(Event::read(&pretty), Ok(event), "{pretty}");
        }
    }

    #[test]
    fn unknown_fields_are_skipped_and_unknown_kinds_or_broken_json_refused() {
        let newer = r#"{"seq":3,"at":1,"type":"handoff_failed","score":1.5e3,"extra":[{"a":null},true]}"#;
        assert_eq!(Event::read(newer), Ok(Event { seq: Seq(3), at: 1, kind: EventKind::HandoffFailed }));
        assert!(Event::read(r#"{"seq":1,"at":1,"type":"poll_started"}"#).is_err());
        assert!(Event::read(r#"{"seq":1,"at":1,"type":"teammate_joined"}"#).is_err(), "no teammate");
        for broken in
            ["", "{", r#"{"seq":1,}"#, r#"{"seq":1} x"#, r#"{"type":"handoff_failed"}"#, "\"\\u12\""]
        {
            assert!(Event::read(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn the_widget_reads_the_agent_a_new_conversation_and_the_host_pages_visitor() {
        for back_at in [None, Some(1_700_000_000_000)] {
            let profile = AgentProfile {
                id: AgentId::from("demo"),
                name: "Juniper".into(),
                avatar_url: back_at.map(|_| "https://x/j.png".into()),
                company: "Lumen".into(),
                greeting: "Hi!".into(),
                back_at,
                suggestions: back_at.map(|_| vec!["Where is my order?".into()]).unwrap_or_default(),
            };
            let written = serde_json::to_string(&profile).expect("serializes");
            assert_eq!(AgentProfile::read(&written), Ok(profile));
        }
        let read = |json| Visitor::read(&Value::parse(json).expect("JSON"));
        assert_eq!(
            read(r#"{"email":"a@b.example","extra":1}"#).map(|v| v.email),
            Ok(Some("a@b.example".into()))
        );
        for wrong in [r#"{"email":7}"#, r#""a@b.example""#, "null"] {
            assert!(read(wrong).is_err(), "{wrong}");
        }
        let created = ConversationCreated { id: ConversationId::from("c1"), token: "t".into() };
        let written = serde_json::to_string(&created).expect("serializes");
        assert_eq!(ConversationCreated::read(&written), Ok(created));
    }
}
