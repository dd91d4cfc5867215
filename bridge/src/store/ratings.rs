//! Visitors' ratings of closed conversations: one per conversation, stored together with the
//! `conversation_rated` event (which the widget shows after a reload and the inbox relays as a
//! note), and counted for the dashboard's Analytics.

use async_trait::async_trait;
use baton_protocol::{AgentId, ConversationId, Event, Rating};
use serde::Serialize;

use super::{Span, StoreError};

/// The ratings of conversations.
#[async_trait]
pub trait Ratings {
    /// Records the visitor's rating of `id` and appends (and publishes) `conversation_rated`,
    /// together — only while the conversation is closed, and only once.
    async fn rate(
        &self,
        id: &ConversationId,
        rating: Rating,
        comment: Option<&str>,
    ) -> Result<Rated, StoreError>;

    /// The ratings of `agent`'s conversations given in `span`: the counts, and the newest
    /// `limit` ratings with their comments.
    async fn ratings(&self, agent: &AgentId, span: Span, limit: u32) -> Result<RatingReport, StoreError>;
}

/// What became of a rating.
#[derive(Debug, Clone, PartialEq)]
pub enum Rated {
    /// Stored, with the event it appended.
    New(Event),
    /// The conversation has a rating already; nothing changed.
    Already,
    /// The conversation is not closed (it never was, or it was reopened); nothing changed.
    NotClosed,
}

/// The ratings of one agent in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RatingReport {
    /// How many were good.
    pub good: u64,
    /// How many were bad.
    pub bad: u64,
    /// The newest ones, newest first.
    pub recent: Vec<RatedConversation>,
}

/// One rating, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatedConversation {
    /// The Baton conversation.
    pub conversation: ConversationId,
    /// When it was rated, in Unix milliseconds.
    pub rated_at: i64,
    /// The verdict.
    pub rating: Rating,
    /// What the visitor added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Whether the dashboard's preview started it.
    pub test: bool,
}

/// The column a rating is stored in.
pub fn rating_column(rating: Rating) -> &'static str {
    match rating {
        Rating::Good => "good",
        Rating::Bad => "bad",
    }
}

/// The rating a column holds (anything but `good` reads as bad: only the bridge writes it).
pub fn rating_from_column(column: &str) -> Rating {
    if column == "good" {
        Rating::Good
    } else {
        Rating::Bad
    }
}
