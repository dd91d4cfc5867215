//! Ratings in SQLite: the row and the `conversation_rated` event in one savepoint, after the
//! conversation's mode and any earlier rating were checked inside it (the writer thread runs one
//! job at a time, so nothing comes between the check and the write).

use baton_protocol::{AgentId, ConversationId, EventKind, Rating};
use rusqlite::{params, OptionalExtension};

use super::log::{append_in, mode_from_column};
use super::Store;
use crate::store::ratings::{rating_column, rating_from_column};
use crate::store::{Rated, RatedConversation, RatingReport, Span, StoreError};
use baton_protocol::Mode;

impl Store {
    /// Rates the conversation, once, while it is closed.
    pub fn rate(
        &mut self,
        id: &ConversationId,
        at: i64,
        rating: Rating,
        comment: Option<&str>,
    ) -> Result<Rated, StoreError> {
        let tx = self.conn.savepoint()?;
        let mode: Option<String> = tx
            .prepare_cached("SELECT mode FROM conversations WHERE id = ?1")?
            .query_row(params![id.0], |row| row.get(0))
            .optional()?;
        let Some(mode) = mode else { return Err(StoreError::Missing(format!("conversation {}", id.0))) };
        if mode_from_column(&mode) != Mode::Closed {
            return Ok(Rated::NotClosed);
        }
        let inserted = tx
            .prepare_cached(
                "INSERT INTO ratings (conversation_id, rated_at, rating, comment) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (conversation_id) DO NOTHING",
            )?
            .execute(params![id.0, at, rating_column(rating), comment])?;
        if inserted == 0 {
            return Ok(Rated::Already);
        }
        let kind = EventKind::ConversationRated { rating, comment: comment.map(str::to_owned) };
        let event = append_in(&tx, id, at, kind, None)?;
        tx.commit()?;
        Ok(Rated::New(event))
    }

    /// The ratings of `agent`'s conversations given in `span`.
    pub fn ratings(&self, agent: &AgentId, span: Span, limit: u32) -> Result<RatingReport, StoreError> {
        const IN_SPAN: &str = "FROM ratings r JOIN conversations c ON c.id = r.conversation_id
             WHERE c.agent = ?1 AND r.rated_at >= ?2 AND r.rated_at < ?3 AND (?4 OR c.test = 0)";
        let (good, bad) = self.conn.prepare_cached(&format!(
            "SELECT count(*) FILTER (WHERE r.rating = 'good'), count(*) FILTER (WHERE r.rating <> 'good') {IN_SPAN}"
        ))?
        .query_row(params![agent.0, span.from, span.to, span.include_tests], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT r.conversation_id, r.rated_at, r.rating, r.comment, c.test {IN_SPAN}
             ORDER BY r.rated_at DESC, r.conversation_id LIMIT ?5"
        ))?;
        let recent = statement
            .query_map(params![agent.0, span.from, span.to, span.include_tests, limit], |row| {
                Ok(RatedConversation {
                    conversation: ConversationId(row.get(0)?),
                    rated_at: row.get(1)?,
                    rating: rating_from_column(&row.get::<_, String>(2)?),
                    comment: row.get(3)?,
                    test: row.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(RatingReport { good, bad, recent })
    }
}
