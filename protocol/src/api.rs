//! Bodies of the widget API's requests and responses, and the one error shape every endpoint uses.

use crate::event::{Mode, Rating};
use crate::ids::{AgentId, ClientId, ConversationId, FileId, Seq};
use serde::{Deserialize, Serialize};

/// The longest message a visitor may send, in characters; a longer one is refused, never truncated.
pub const MAX_MESSAGE_CHARS: usize = 10_000;
/// The longest `page_url` the bridge accepts, in characters.
pub const MAX_URL_CHARS: usize = 2_048;
/// The longest `page_title` the bridge accepts, in characters.
pub const MAX_TITLE_CHARS: usize = 512;
/// The longest comment a visitor may add to a rating, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// The longest client id the bridge accepts, in characters: a UUID (36) and then some.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// The largest file a visitor may attach, in bytes (10 MiB): a phone's photo fits.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// The most files one message may carry: Intercom takes up to 10 `attachment_urls` per reply.
pub const MAX_ATTACHMENTS: usize = 10;

/// `GET /v1/agents/{id}`: what the widget shows of an agent before the first message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentProfile {
    /// The agent.
    pub id: AgentId,
    /// The agent's display name.
    pub name: String,
    /// A picture of the agent, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// The company the site belongs to.
    pub company: String,
    /// The first thing the visitor reads.
    pub greeting: String,
    /// Outside the team's office hours, when it is back (milliseconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_at: Option<i64>,
    /// Questions the visitor may start with, offered as buttons before the first message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

/// `POST /v1/conversations`: start a conversation with an agent, from a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateConversation {
    /// The agent named by the script tag.
    pub agent: AgentId,
    /// The page the visitor was on, shown to the teammate at handoff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// The page's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
    /// The visitor's locale, such as `en-GB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Who the visitor is, when the host page knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<Visitor>,
    /// The dashboard's preview key for this agent (from the admin API): the conversation is a
    /// test, marked as one in the support inbox and left out of the analytics by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}

/// What the host page or the visitor says about the visitor. `PUT /v1/conversations/{id}/visitor`
/// updates it; fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    /// Their email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The host site's id for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// HMAC-SHA256 of `user_id` with the site's identity secret, for identity verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_hash: Option<String>,
}

/// `PUT /v1/conversations/{id}/visitor`: what is now known of the visitor, and who says so.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateVisitor {
    /// The fields to change; those left out keep their value.
    #[serde(flatten)]
    pub visitor: Visitor,
    /// Who gave them; the host page when left out.
    #[serde(default)]
    pub source: VisitorSource,
}

/// Who said what an [`UpdateVisitor`] carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitorSource {
    /// The host page, through `identify`: a claim, trusted only when `user_hash` verifies it.
    #[default]
    Host,
    /// The visitor, typing into the widget's email form.
    Visitor,
}

/// The answer to [`CreateConversation`]: the id, and the secret every later call must present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationCreated {
    /// The new conversation.
    pub id: ConversationId,
    /// A bearer token for this conversation alone.
    pub token: String,
}

impl Visitor {
    /// Whether `email` looks like an address a reply can go to: one `@`, a dotted domain, no
    /// spaces, at most 254 characters. Deliverability is the mail server's business.
    pub fn is_valid_email(email: &str) -> bool {
        let Some((local, domain)) = email.split_once('@') else { return false };
        email.len() <= 254
            && !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

/// `POST /v1/conversations/{id}/messages`: the visitor sends a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendMessage {
    /// Chosen by the widget; sending the same id again stores nothing new.
    pub client_id: ClientId,
    /// What the visitor typed; may be empty when files come with it.
    pub text: String,
    /// Files uploaded to this conversation (`POST .../files`) to send with the message; left
    /// out when there are none, so older widgets and bridges read the same JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<FileId>,
}

/// The answer to `POST /v1/conversations/{id}/files`: the stored file, to name in a
/// [`SendMessage`]'s `attachments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileUploaded {
    /// The file, for [`SendMessage::attachments`].
    pub id: FileId,
    /// The type the bridge found in its bytes.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// `POST /v1/conversations/{id}/rating`: the visitor rates the conversation the team closed.
/// Answered `204`; the `conversation_rated` event follows on the stream. A second rating is
/// refused (`409 already_rated`): the first one went to the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateConversation {
    /// How it went.
    pub rating: Rating,
    /// Anything the visitor adds, at most [`MAX_COMMENT_CHARS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The answer to [`SendMessage`]: where the message stands in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageAccepted {
    /// The sequence number of the visitor's message event.
    pub seq: Seq,
}

/// `GET /v1/conversations/{id}`: the conversation as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The conversation.
    pub id: ConversationId,
    /// The agent it belongs to.
    pub agent: AgentId,
    /// Who is answering now.
    pub mode: Mode,
    /// The last event in the log; resume the event stream after it.
    pub last_seq: Seq,
    /// Every finished message, oldest first.
    pub transcript: Vec<TranscriptEntry>,
}

/// Who wrote a message in the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "role")]
pub enum Author {
    /// The website visitor.
    Visitor,
    /// The AI agent.
    Agent,
    /// A person on the support team.
    Teammate {
        /// Their display name.
        name: String,
    },
}

/// One message of a [`Snapshot`]'s transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// The event that finished this message.
    pub seq: Seq,
    /// When, in milliseconds since the Unix epoch.
    pub at: i64,
    /// Who wrote it.
    pub author: Author,
    /// What it says.
    pub text: String,
}

/// Every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error itself.
    pub error: ErrorDetail,
}

/// A machine-readable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, such as `message_too_long`.
    pub code: String,
    /// Human-readable, safe to show.
    pub message: String,
    /// The request's field the error is about, when it is about one, as a path such as
    /// `routing.mappings[1].match`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_conversation_reads_the_agent_and_optional_context() {
        let body: CreateConversation =
            serde_json::from_value(json!({"agent": "demo", "page_url": "https://x.test/p", "extra": 1}))
                .expect("valid body");
        assert_eq!(body.agent, AgentId::from("demo"));
        assert_eq!(body.page_url.as_deref(), Some("https://x.test/p"));
        assert_eq!(body.locale, None);
    }

    #[test]
    fn emails_are_checked_for_shape_only() {
        for good in ["ana@lumen.example", "a.b+tag@sub.domain.example"] {
            assert!(Visitor::is_valid_email(good), "{good}");
        }
        for bad in [
            "",
            "ana",
            "ana@",
            "@lumen.example",
            "ana@lumen",
            "ana@@x.example",
            "a na@x.example",
            "ana@x.example.",
        ] {
            assert!(!Visitor::is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn a_visitor_update_is_the_visitor_fields_and_who_gave_them() {
        let typed = UpdateVisitor {
            visitor: Visitor { email: Some("ada@example.com".into()), ..Visitor::default() },
            source: VisitorSource::Visitor,
        };
        let json = serde_json::to_value(&typed).expect("serializes");
        assert_eq!(json, json!({"email": "ada@example.com", "source": "visitor"}));
        let identified: UpdateVisitor =
            serde_json::from_value(json!({"email": "ada@example.com", "name": "Ada"})).expect("valid body");
        assert_eq!(identified.source, VisitorSource::Host, "without a source it is the host page's");
        assert_eq!(identified.visitor.name.as_deref(), Some("Ada"));
    }

    #[test]
    fn a_message_without_files_has_the_json_it_always_had() {
        let plain =
            SendMessage { client_id: ClientId::from("c1"), text: "hi".into(), attachments: Vec::new() };
        assert_eq!(
            serde_json::to_value(&plain).expect("serializes"),
            json!({"client_id": "c1", "text": "hi"})
        );
        let with_file: SendMessage =
            serde_json::from_value(json!({"client_id": "c1", "text": "", "attachments": ["f1"]}))
                .expect("valid body");
        assert_eq!(with_file.attachments, vec![FileId::from("f1")]);
    }

    #[test]
    fn a_rating_is_good_or_bad_with_an_optional_comment_and_nothing_else_parses() {
        let rated = RateConversation { rating: Rating::Good, comment: Some("Fast".into()) };
        assert_eq!(
            serde_json::to_value(&rated).expect("serializes"),
            json!({"rating": "good", "comment": "Fast"})
        );
        let bare: RateConversation = serde_json::from_value(json!({"rating": "bad"})).expect("valid body");
        assert_eq!(bare, RateConversation { rating: Rating::Bad, comment: None });
        for wrong in [json!({"rating": "great"}), json!({"rating": 5}), json!({"comment": "no rating"})] {
            assert!(serde_json::from_value::<RateConversation>(wrong.clone()).is_err(), "{wrong}");
        }
    }

    #[test]
    fn message_accepted_is_a_bare_seq() {
        let json = serde_json::to_value(MessageAccepted { seq: Seq(7) }).expect("serializes");
        assert_eq!(json, json!({"seq": 7}));
    }

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ErrorBody {
            error: ErrorDetail { code: "not_found".into(), message: "No such agent.".into(), field: None },
        };
        assert_eq!(
            serde_json::to_value(&body).expect("serializes"),
            json!({"error": {"code": "not_found", "message": "No such agent."}})
        );
    }

    #[test]
    fn snapshot_round_trips_with_every_author() {
        let snapshot = Snapshot {
            id: ConversationId::from("c1"),
            agent: AgentId::from("demo"),
            mode: Mode::Human,
            last_seq: Seq(9),
            transcript: vec![
                TranscriptEntry { seq: Seq(1), at: 1, author: Author::Visitor, text: "hi".into() },
                TranscriptEntry { seq: Seq(4), at: 2, author: Author::Agent, text: "hello".into() },
                TranscriptEntry {
                    seq: Seq(9),
                    at: 3,
                    author: Author::Teammate { name: "Ana".into() },
                    text: "Ana here".into(),
                },
            ],
        };
        let json = serde_json::to_string(&snapshot).expect("serializes");
        assert!(json.contains(r#""author":{"role":"teammate","name":"Ana"}"#), "{json}");
        assert_eq!(serde_json::from_str::<Snapshot>(&json).expect("parses"), snapshot);
    }
}
