//! Ratings on PostgreSQL: the conversation's row is locked, its mode and any earlier rating
//! checked, and the rating's row and the `conversation_rated` event written in one transaction,
//! so two bridges rating one conversation at once store one rating.

use async_trait::async_trait;
use baton_protocol::{AgentId, ConversationId, EventKind, Mode, Rating};

use super::append::append_in;
use super::{uint, Postgres};
use crate::conversations::now_millis;
use crate::store::ratings::{rating_column, rating_from_column};
use crate::store::sqlite::mode_from_column;
use crate::store::{Rated, RatedConversation, RatingReport, Ratings, Span, StoreError};

/// The ratings of one agent's conversations in a period (`$1` agent, `$2`..`$3` the period,
/// `$4` whether tests count).
const IN_SPAN: &str = "FROM ratings r JOIN conversations c ON c.id = r.conversation_id
     WHERE c.agent = $1 AND r.rated_at >= $2 AND r.rated_at < $3 AND ($4 OR NOT c.test)";

#[async_trait]
impl Ratings for Postgres {
    async fn rate(
        &self,
        id: &ConversationId,
        rating: Rating,
        comment: Option<&str>,
    ) -> Result<Rated, StoreError> {
        let at = now_millis();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt("SELECT mode FROM conversations WHERE id = $1 FOR UPDATE", &[&id.0])
            .await?
            .ok_or_else(|| StoreError::Missing(format!("conversation {}", id.0)))?;
        if mode_from_column(row.try_get(0)?) != Mode::Closed {
            return Ok(Rated::NotClosed);
        }
        let inserted = tx
            .execute(
                "INSERT INTO ratings (conversation_id, rated_at, rating, comment) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (conversation_id) DO NOTHING",
                &[&id.0, &at, &rating_column(rating), &comment],
            )
            .await?;
        if inserted == 0 {
            return Ok(Rated::Already);
        }
        let kind = EventKind::ConversationRated { rating, comment: comment.map(str::to_owned) };
        let event = append_in(&*tx, id, at, kind, &self.publisher.instance).await?;
        self.commit(tx).await?;
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        self.publisher.committed(id, event.seq, Some(&event)).await;
        Ok(Rated::New(event))
    }

    async fn ratings(&self, agent: &AgentId, span: Span, limit: u32) -> Result<RatingReport, StoreError> {
        let client = self.client().await?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
            [&agent.0, &span.from, &span.to, &span.include_tests];
        let counts = client
            .query_one(
                &format!(
                    "SELECT count(*) FILTER (WHERE r.rating = 'good'), count(*) FILTER (WHERE r.rating <> 'good') {IN_SPAN}"
                ),
                &params,
            )
            .await?;
        let rows = client
            .query(
                &format!(
                    "SELECT r.conversation_id, r.rated_at, r.rating, r.comment, c.test {IN_SPAN}
                     ORDER BY r.rated_at DESC, r.conversation_id LIMIT $5"
                ),
                &[&agent.0, &span.from, &span.to, &span.include_tests, &i64::from(limit)],
            )
            .await?;
        let recent = rows
            .iter()
            .map(|row| {
                Ok(RatedConversation {
                    conversation: ConversationId(row.try_get(0)?),
                    rated_at: row.try_get(1)?,
                    rating: rating_from_column(row.try_get(2)?),
                    comment: row.try_get(3)?,
                    test: row.try_get(4)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(RatingReport { good: uint(counts.try_get(0)?), bad: uint(counts.try_get(1)?), recent })
    }
}
