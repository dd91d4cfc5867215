//! The conversation log on PostgreSQL. An append locks its conversation's row, takes the next
//! seq, inserts the event and notifies, in one transaction; once it is committed, the publisher
//! publishes it (with any earlier event of another bridge it has not published yet).

use std::time::Instant;

use async_trait::async_trait;
use baton_protocol::{
    AgentId, Attachment, ClientId, ConversationId, Event, EventKind, MessageId, Seq, TranscriptEntry, Visitor,
};
use tokio_postgres::{GenericClient, Row};

use super::{int, uint, Postgres, ANSWER_NOTICE, CHANNEL};
use crate::conversations::now_millis;
use crate::store::log::transcript_entry;
use crate::store::sqlite::{mode_column, mode_from_column};
use crate::store::{
    AnswerSoFar, Appended, Backlog, ConversationLog, ConversationRecord, InterruptedAnswer, StoreError,
};

const RECORD_COLUMNS: &str = "SELECT id, agent, token_hash, page_url, page_title, locale, mode, last_seq,
     email, name, user_id, user_hash, email_given, test FROM conversations";

fn record(row: &Row) -> Result<ConversationRecord, StoreError> {
    Ok(ConversationRecord {
        id: ConversationId(row.try_get(0)?),
        agent: AgentId(row.try_get(1)?),
        token_hash: row.try_get(2)?,
        page_url: row.try_get(3)?,
        page_title: row.try_get(4)?,
        locale: row.try_get(5)?,
        mode: mode_from_column(row.try_get(6)?),
        last_seq: Seq(uint(row.try_get(7)?)),
        visitor: Visitor {
            email: row.try_get(8)?,
            name: row.try_get(9)?,
            user_id: row.try_get(10)?,
            user_hash: row.try_get(11)?,
        },
        email_given: row.try_get(12)?,
        test: row.try_get(13)?,
    })
}

/// The conversation, if it exists.
pub(super) async fn conversation(
    client: &impl GenericClient,
    id: &ConversationId,
) -> Result<Option<ConversationRecord>, StoreError> {
    let row = client.query_opt(&format!("{RECORD_COLUMNS} WHERE id = $1"), &[&id.0]).await?;
    row.as_ref().map(record).transpose()
}

/// Every event of the conversation after `after`, in order.
pub(super) async fn events_after(
    client: &impl GenericClient,
    id: &ConversationId,
    after: Seq,
) -> Result<Vec<Event>, StoreError> {
    let rows = client
        .query(
            "SELECT seq, at, body FROM events WHERE conversation_id = $1 AND seq > $2 ORDER BY seq",
            &[&id.0, &int(after.0)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let seq = uint(row.try_get(0)?);
            let body: &str = row.try_get(2)?;
            let kind = serde_json::from_str(body).map_err(|source| StoreError::Corrupt {
                conversation: id.0.clone(),
                seq,
                source,
            })?;
            Ok(Event { seq: Seq(seq), at: row.try_get(1)?, kind })
        })
        .collect()
}

/// Appends `kind` inside `tx` as the conversation's next event, moving its mode with it, and
/// notifies every bridge on commit. The row's lock, held to the commit, makes concurrent
/// appends to one conversation (from any bridge) take consecutive seqs.
pub(super) async fn append_in(
    tx: &impl GenericClient,
    id: &ConversationId,
    at: i64,
    kind: EventKind,
    client_id: Option<&str>,
) -> Result<Event, StoreError> {
    let body = serde_json::to_string(&kind)?;
    let row = tx
        .query_opt("SELECT mode, last_seq FROM conversations WHERE id = $1 FOR UPDATE", &[&id.0])
        .await?
        .ok_or_else(|| StoreError::Missing(format!("conversation {}", id.0)))?;
    let seq = uint(row.try_get(1)?) + 1;
    let mode = mode_from_column(row.try_get(0)?).after(&kind);
    tx.execute(
        "INSERT INTO events (conversation_id, seq, at, client_id, body) VALUES ($1, $2, $3, $4, $5)",
        &[&id.0, &int(seq), &at, &client_id, &body],
    )
    .await?;
    tx.execute(
        "UPDATE conversations SET last_seq = $2, mode = $3 WHERE id = $1",
        &[&id.0, &int(seq), &mode_column(mode)],
    )
    .await?;
    // The answer in flight, checkpointed as it streams, so a restart can finish it and a reader
    // joining mid-answer gets its text so far.
    match &kind {
        EventKind::AgentMessageStarted { message_id } => {
            tx.execute(
                "INSERT INTO answers (conversation_id, message_id, started_seq, at, text)
                 VALUES ($1, $2, $3, $4, '')
                 ON CONFLICT (conversation_id) DO UPDATE
                 SET message_id = $2, started_seq = $3, at = $4, text = ''",
                &[&id.0, &message_id.0, &int(seq), &at],
            )
            .await?;
        }
        EventKind::AgentMessageCompleted { .. } => {
            tx.execute("DELETE FROM answers WHERE conversation_id = $1", &[&id.0]).await?;
        }
        _ => {}
    }
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &format!("{seq} {}", id.0)]).await?;
    Ok(Event { seq: Seq(seq), at, kind })
}

/// The conversation's answer in flight, with its last checkpoint.
pub(super) async fn answer_so_far(
    client: &impl GenericClient,
    id: &ConversationId,
) -> Result<Option<AnswerSoFar>, StoreError> {
    let row = client
        .query_opt(
            "SELECT message_id, started_seq, at, text FROM answers WHERE conversation_id = $1",
            &[&id.0],
        )
        .await?;
    row.map(|row| {
        Ok(AnswerSoFar {
            message_id: MessageId(row.try_get(0)?),
            started: Seq(uint(row.try_get(1)?)),
            at: row.try_get(2)?,
            text: row.try_get(3)?,
        })
    })
    .transpose()
}

#[async_trait]
impl ConversationLog for Postgres {
    async fn create(&self, record: &ConversationRecord) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO conversations
                 (id, agent, token_hash, created_at, page_url, page_title, locale, email, name, user_id,
                  user_hash, test)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &record.id.0,
                &record.agent.0,
                &record.token_hash,
                &now_millis(),
                &record.page_url,
                &record.page_title,
                &record.locale,
                &record.visitor.email,
                &record.visitor.name,
                &record.visitor.user_id,
                &record.visitor.user_hash,
                &record.test,
            ],
        )
        .await?;
        Ok(())
    }

    async fn get(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        conversation(&**self.client().await?, id).await
    }

    async fn update_visitor(
        &self,
        id: &ConversationId,
        visitor: &Visitor,
        by_visitor: bool,
    ) -> Result<(), StoreError> {
        self.execute(
            "UPDATE conversations SET email = coalesce($2, email), name = coalesce($3, name),
                 user_id = coalesce($4, user_id), user_hash = coalesce($5, user_hash),
                 email_given = CASE WHEN $2::TEXT IS NULL THEN email_given ELSE $6 END
             WHERE id = $1",
            &[&id.0, &visitor.email, &visitor.name, &visitor.user_id, &visitor.user_hash, &by_visitor],
        )
        .await?;
        Ok(())
    }

    async fn append(&self, id: &ConversationId, kind: EventKind) -> Result<Event, StoreError> {
        let started = Instant::now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let event = append_in(&*tx, id, now_millis(), kind, None).await?;
        self.commit(tx).await?;
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        self.appends.appended(started, 1);
        self.publisher.committed(id, Seq(event.seq.0), Some(&event)).await;
        Ok(event)
    }

    async fn append_visitor_message(
        &self,
        id: &ConversationId,
        client_id: ClientId,
        text: String,
        attachments: Vec<Attachment>,
    ) -> Result<Appended, StoreError> {
        let started = Instant::now();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Lock the conversation first: a send of the same message racing this one (on any
        // bridge) has committed by the time the lock is had, so its copy is seen here.
        tx.execute("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", &[&id.0]).await?;
        let earlier = tx
            .query_opt(
                "SELECT seq FROM events WHERE conversation_id = $1 AND client_id = $2",
                &[&id.0, &client_id.0],
            )
            .await?;
        if let Some(row) = earlier {
            return Ok(Appended::Duplicate(Seq(uint(row.try_get(0)?))));
        }
        let key = client_id.0.clone();
        let kind = EventKind::VisitorMessage { client_id, text, attachments };
        let event = append_in(&*tx, id, now_millis(), kind, Some(&key)).await?;
        self.commit(tx).await?;
        self.appends.appended(started, 1);
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        self.publisher.committed(id, event.seq, Some(&event)).await;
        Ok(Appended::New(event))
    }

    async fn events_after(&self, id: &ConversationId, after: Seq) -> Result<Vec<Event>, StoreError> {
        events_after(&**self.client().await?, id, after).await
    }

    async fn backlog(&self, id: &ConversationId, after: Seq) -> Result<Option<Backlog>, StoreError> {
        self.publisher.backlog(id, after).await
    }

    async fn checkpoint_answer(
        &self,
        id: &ConversationId,
        message_id: &MessageId,
        text: &str,
    ) -> Result<(), StoreError> {
        let at = now_millis();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let updated = tx
            .execute(
                "UPDATE answers SET text = $3, at = $4 WHERE conversation_id = $1 AND message_id = $2",
                &[&id.0, &message_id.0, &text, &at],
            )
            .await?;
        if updated == 0 {
            return Err(StoreError::Missing(format!("answer {} of conversation {}", message_id.0, id.0)));
        }
        // The other bridges read the checkpoint when told; this one streamed the pieces itself.
        let notice = format!("{ANSWER_NOTICE}{} {}", self.publisher.instance, id.0);
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &notice]).await?;
        self.commit(tx).await
    }

    async fn transcript(&self, id: &ConversationId) -> Result<Vec<TranscriptEntry>, StoreError> {
        let events = events_after(&**self.client().await?, id, Seq(0)).await?;
        Ok(events.into_iter().filter_map(transcript_entry).collect())
    }

    async fn interrupted_answers(&self) -> Result<Vec<InterruptedAnswer>, StoreError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT a.conversation_id, c.agent, a.message_id, a.started_seq, a.text
                 FROM answers a JOIN conversations c ON c.id = a.conversation_id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(InterruptedAnswer {
                    conversation: ConversationId(row.try_get(0)?),
                    agent: AgentId(row.try_get(1)?),
                    message_id: MessageId(row.try_get(2)?),
                    started: Seq(uint(row.try_get(3)?)),
                    shown: row.try_get(4)?,
                })
            })
            .collect()
    }
}
