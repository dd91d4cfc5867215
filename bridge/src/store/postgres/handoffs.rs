//! Handoffs and decisions on PostgreSQL: a handoff's row and the event the visitor sees are
//! written in one transaction, then the event is published.

use std::time::Instant;

use async_trait::async_trait;
use baton_protocol::{AgentId, ConversationId, EventKind, Seq};
use tokio_postgres::Row;

use super::append::append_in;
use super::{int, uint, Postgres};
use crate::conversations::now_millis;
use crate::store::{
    Decisions, HandoffId, HandoffRecord, HandoffStatus, Handoffs, PendingHandoff, ReasonConversation,
    ReasonCount, Span, StoreError,
};

const HANDOFF_COLUMNS: &str =
    "SELECT id, name, reason, clause, requested_at, status, attempts, last_error, external_id, route
     FROM handoffs";

fn handoff_record(row: &Row) -> Result<HandoffRecord, StoreError> {
    let status = HandoffStatus::from_column(row.try_get(5)?);
    Ok(HandoffRecord {
        id: HandoffId(row.try_get(0)?),
        name: row.try_get(1)?,
        reason: row.try_get(2)?,
        clause: row.try_get(3)?,
        requested_at: row.try_get(4)?,
        status,
        attempts: count(row.try_get(6)?),
        last_error: row.try_get(7)?,
        external_id: row.try_get(8)?,
        route: row.try_get::<_, Option<&str>>(9)?.and_then(|route| serde_json::from_str(route).ok()),
    })
}

fn count(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Every handoff of a conversation, oldest first.
pub(super) async fn handoffs_of(
    client: &impl tokio_postgres::GenericClient,
    id: &ConversationId,
) -> Result<Vec<HandoffRecord>, StoreError> {
    let rows =
        client.query(&format!("{HANDOFF_COLUMNS} WHERE conversation_id = $1 ORDER BY id"), &[&id.0]).await?;
    rows.iter().map(handoff_record).collect()
}

#[async_trait]
impl Handoffs for Postgres {
    async fn begin_handoff(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        name: &str,
        reason: &str,
        clause: Option<&str>,
    ) -> Result<HandoffId, StoreError> {
        let (at, started) = (now_millis(), Instant::now());
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let event = append_in(&*tx, id, at, EventKind::HandoffRequested, &self.publisher.instance).await?;
        let handoff: i64 = tx
            .query_one(
                "INSERT INTO handoffs (conversation_id, agent, requested_at, name, reason, clause)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&id.0, &agent.0, &at, &name, &reason, &clause],
            )
            .await?
            .try_get(0)?;
        self.commit(tx).await?;
        self.appends.appended(started, 1);
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        self.publisher.committed(id, event.seq, Some(&event)).await;
        Ok(HandoffId(handoff))
    }

    async fn pending_handoffs(&self) -> Result<Vec<PendingHandoff>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT id, conversation_id, attempts, visitor_told FROM handoffs WHERE status = 'pending' ORDER BY id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(PendingHandoff {
                    id: HandoffId(row.try_get(0)?),
                    conversation: ConversationId(row.try_get(1)?),
                    attempts: count(row.try_get(2)?),
                    visitor_told: row.try_get(3)?,
                })
            })
            .collect()
    }

    async fn handoff(&self, handoff: HandoffId) -> Result<Option<HandoffRecord>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(&format!("{HANDOFF_COLUMNS} WHERE id = $1"), &[&handoff.0])
            .await?;
        row.as_ref().map(handoff_record).transpose()
    }

    async fn handoffs_of(&self, id: &ConversationId) -> Result<Vec<HandoffRecord>, StoreError> {
        handoffs_of(&**self.client().await?, id).await
    }

    async fn handoff_attempt_failed(
        &self,
        handoff: HandoffId,
        error: &str,
        tell: bool,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let at = now_millis();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "SELECT conversation_id, visitor_told FROM handoffs WHERE id = $1 FOR UPDATE",
                &[&handoff.0],
            )
            .await?
            .ok_or_else(|| StoreError::Missing(format!("handoff {}", handoff.0)))?;
        let conversation = ConversationId(row.try_get(0)?);
        let told: bool = row.try_get(1)?;
        let event = if (tell || give_up) && !told {
            Some(
                append_in(&*tx, &conversation, at, EventKind::HandoffFailed, &self.publisher.instance)
                    .await?,
            )
        } else {
            None
        };
        tx.execute(
            "UPDATE handoffs SET attempts = attempts + 1, last_error = $2,
                 visitor_told = visitor_told OR $3,
                 status = CASE WHEN $4 THEN 'failed' ELSE status END,
                 settled_at = CASE WHEN $4 THEN $5 ELSE settled_at END
             WHERE id = $1",
            &[&handoff.0, &error, &event.is_some(), &give_up, &at],
        )
        .await?;
        self.commit(tx).await?;
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        if let Some(event) = event {
            self.publisher.committed(&conversation, event.seq, Some(&event)).await;
        }
        Ok(())
    }

    async fn handoff_connected(
        &self,
        handoff: HandoffId,
        external_id: &str,
        expected_reply_minutes: Option<u32>,
    ) -> Result<(), StoreError> {
        let (at, started) = (now_millis(), Instant::now());
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let conversation: String = tx
            .query_opt(
                "UPDATE handoffs SET status = 'connected', attempts = attempts + 1, external_id = $2, settled_at = $3
                 WHERE id = $1 RETURNING conversation_id",
                &[&handoff.0, &external_id, &at],
            )
            .await?
            .ok_or_else(|| StoreError::Missing(format!("handoff {}", handoff.0)))?
            .try_get(0)?;
        let conversation = ConversationId(conversation);
        let kind = EventKind::HandoffConnected { expected_reply_minutes };
        let event = append_in(&*tx, &conversation, at, kind, &self.publisher.instance).await?;
        self.commit(tx).await?;
        self.appends.appended(started, 1);
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        self.publisher.committed(&conversation, event.seq, Some(&event)).await;
        Ok(())
    }

    async fn handoff_routed(&self, handoff: HandoffId, route: &str) -> Result<(), StoreError> {
        self.execute("UPDATE handoffs SET route = $2 WHERE id = $1", &[&handoff.0, &route]).await?;
        Ok(())
    }

    async fn handoff_counts(&self) -> Result<Vec<(HandoffStatus, u64)>, StoreError> {
        let rows =
            self.client().await?.query("SELECT status, COUNT(*) FROM handoffs GROUP BY status", &[]).await?;
        rows.iter()
            .map(|row| Ok((HandoffStatus::from_column(row.try_get(0)?), uint(row.try_get(1)?))))
            .collect()
    }

    async fn reason_counts(&self, agent: &AgentId, span: Span) -> Result<Vec<ReasonCount>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT h.reason, COUNT(*) FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
                 WHERE h.agent = $1 AND h.requested_at >= $2 AND h.requested_at < $3 AND ($4 OR NOT c.test)
                 GROUP BY h.reason ORDER BY COUNT(*) DESC, h.reason",
                &[&agent.0, &span.from, &span.to, &span.include_tests],
            )
            .await?;
        rows.iter()
            .map(|row| Ok(ReasonCount { reason: row.try_get(0)?, count: uint(row.try_get(1)?) }))
            .collect()
    }

    async fn reason_conversations(
        &self,
        agent: &AgentId,
        reason: &str,
        span: Span,
        limit: u32,
    ) -> Result<Vec<ReasonConversation>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT h.conversation_id, h.requested_at, h.status, h.external_id, c.test
                 FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
                 WHERE h.agent = $1 AND h.reason = $2 AND h.requested_at >= $3 AND h.requested_at < $4
                   AND ($5 OR NOT c.test)
                 ORDER BY h.requested_at DESC, h.id DESC LIMIT $6",
                &[&agent.0, &reason, &span.from, &span.to, &span.include_tests, &i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ReasonConversation {
                    conversation: ConversationId(row.try_get(0)?),
                    requested_at: row.try_get(1)?,
                    status: row.try_get(2)?,
                    external_id: row.try_get(3)?,
                    test: row.try_get(4)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl Decisions for Postgres {
    async fn record_decision(
        &self,
        id: &ConversationId,
        visitor_seq: Seq,
        body: &str,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO decisions (conversation_id, visitor_seq, at, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (conversation_id, visitor_seq) DO UPDATE SET at = excluded.at, body = excluded.body";
        self.write_one(
            id,
            sql,
            vec![
                Box::new(id.0.clone()),
                Box::new(int(visitor_seq.0)),
                Box::new(now_millis()),
                Box::new(body.to_owned()),
            ],
        )
        .await?;
        Ok(())
    }

    async fn decisions(&self, id: &ConversationId, after: Seq) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT body FROM decisions WHERE conversation_id = $1 AND visitor_seq > $2 ORDER BY visitor_seq",
                &[&id.0, &int(after.0)],
            )
            .await?;
        rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
    }
}
