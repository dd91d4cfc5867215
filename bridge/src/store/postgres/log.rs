//! The conversation log on PostgreSQL. An append is one statement (the conversation's row
//! locked and its seq moved on, the event inserted, every bridge notified), run in the writer's
//! next round (group commit); once that is committed, the publisher publishes it (with any
//! earlier event of another bridge it has not published yet).

use std::collections::HashMap;
use std::time::Instant;

use async_trait::async_trait;
use baton_protocol::{
    AgentId, Attachment, ClientId, ConversationId, Event, EventKind, MessageId, Seq, TranscriptEntry, Visitor,
};
use deadpool_postgres::GenericClient as Cached;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::append::{append_statement, appended_seq, CHECKPOINT, LOCK};
use super::writer::Param;
use super::{int, uint, Postgres, ANSWER_NOTICE};
use crate::conversations::now_millis;
use crate::store::log::transcript_entry;
use crate::store::sqlite::mode_from_column;
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

/// Runs a read prepared once per connection (the pool's statement cache), so the server parses
/// and plans the hot path's reads once, and each costs one round trip instead of two.
async fn read(
    client: &impl Cached,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, StoreError> {
    let statement = client.prepare_cached(sql).await?;
    Ok(client.query(&statement, params).await?)
}

/// The conversation, if it exists.
pub(super) async fn conversation(
    client: &impl Cached,
    id: &ConversationId,
) -> Result<Option<ConversationRecord>, StoreError> {
    let rows = read(client, &format!("{RECORD_COLUMNS} WHERE id = $1"), &[&id.0]).await?;
    rows.first().map(record).transpose()
}

/// Every event of the conversation after `after`, in order.
pub(super) async fn events_after(
    client: &impl Cached,
    id: &ConversationId,
    after: Seq,
) -> Result<Vec<Event>, StoreError> {
    let sql = "SELECT seq, at, body FROM events WHERE conversation_id = $1 AND seq > $2 ORDER BY seq";
    let rows = read(client, sql, &[&id.0, &int(after.0)]).await?;
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

/// Every event after each conversation's seq, in one query: each conversation's in order.
pub(super) async fn events_after_each(
    client: &impl Cached,
    wanted: &[(ConversationId, Seq)],
) -> Result<HashMap<ConversationId, Vec<Event>>, StoreError> {
    let ids: Vec<&str> = wanted.iter().map(|(id, _)| id.0.as_str()).collect();
    let after: Vec<i64> = wanted.iter().map(|(_, seq)| int(seq.0)).collect();
    let sql = "SELECT e.conversation_id, e.seq, e.at, e.body
         FROM unnest($1::TEXT[], $2::BIGINT[]) AS w (id, after)
         JOIN events e ON e.conversation_id = w.id AND e.seq > w.after
         ORDER BY e.conversation_id, e.seq";
    let rows = read(client, sql, &[&ids, &after]).await?;
    let mut events: HashMap<ConversationId, Vec<Event>> = HashMap::new();
    for row in &rows {
        let id = ConversationId(row.try_get(0)?);
        let seq = uint(row.try_get(1)?);
        let body: &str = row.try_get(3)?;
        let kind = serde_json::from_str(body).map_err(|source| StoreError::Corrupt {
            conversation: id.0.clone(),
            seq,
            source,
        })?;
        events.entry(id).or_default().push(Event { seq: Seq(seq), at: row.try_get(2)?, kind });
    }
    Ok(events)
}

/// The conversation's answer in flight, with its last checkpoint.
pub(super) async fn answer_so_far(
    client: &impl Cached,
    id: &ConversationId,
) -> Result<Option<AnswerSoFar>, StoreError> {
    let sql = "SELECT message_id, started_seq, at, text FROM answers WHERE conversation_id = $1";
    let rows = read(client, sql, &[&id.0]).await?;
    rows.first()
        .map(|row| {
            Ok(AnswerSoFar {
                message_id: MessageId(row.try_get(0)?),
                started: Seq(uint(row.try_get(1)?)),
                at: row.try_get(2)?,
                text: row.try_get(3)?,
            })
        })
        .transpose()
}

/// The answers in flight of the conversations `ids`, with their last checkpoints, in one query.
pub(super) async fn answers_so_far(
    client: &impl Cached,
    ids: &[String],
) -> Result<Vec<(ConversationId, AnswerSoFar)>, StoreError> {
    let sql = "SELECT conversation_id, message_id, started_seq, at, text FROM answers
         WHERE conversation_id = ANY($1::TEXT[])";
    let rows = read(client, sql, &[&ids]).await?;
    rows.iter()
        .map(|row| {
            let answer = AnswerSoFar {
                message_id: MessageId(row.try_get(1)?),
                started: Seq(uint(row.try_get(2)?)),
                at: row.try_get(3)?,
                text: row.try_get(4)?,
            };
            Ok((ConversationId(row.try_get(0)?), answer))
        })
        .collect()
}

#[async_trait]
impl ConversationLog for Postgres {
    async fn create(&self, record: &ConversationRecord) -> Result<(), StoreError> {
        let params: Vec<Param> = vec![
            Box::new(record.id.0.clone()),
            Box::new(record.agent.0.clone()),
            Box::new(record.token_hash.clone()),
            Box::new(now_millis()),
            Box::new(record.page_url.clone()),
            Box::new(record.page_title.clone()),
            Box::new(record.locale.clone()),
            Box::new(record.visitor.email.clone()),
            Box::new(record.visitor.name.clone()),
            Box::new(record.visitor.user_id.clone()),
            Box::new(record.visitor.user_hash.clone()),
            Box::new(record.test),
        ];
        let sql = "INSERT INTO conversations
                (id, agent, token_hash, created_at, page_url, page_title, locale, email, name, user_id,
                 user_hash, test)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
        self.writer.write(&record.id, vec![(sql, params)], None).await?;
        Ok(())
    }

    async fn get(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        conversation(&self.client().await?, id).await
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
        let at = now_millis();
        let statement = append_statement(id, at, &kind, None, &self.publisher.instance)?;
        let settle = Box::new(move |rows: &[Vec<Row>]| {
            let seq = appended_seq(rows.first()?)?;
            Some(Event { seq, at, kind })
        });
        let written = self.writer.write(id, vec![statement], Some(settle)).await?;
        let event = written.event.ok_or_else(|| StoreError::Missing(format!("conversation {}", id.0)))?;
        self.appends.appended(started, 1);
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
        let at = now_millis();
        let key = client_id.0.clone();
        let kind = EventKind::VisitorMessage { client_id, text, attachments };
        // Lock the conversation first: a send of the same message racing this one (on any
        // bridge) has committed by the time the lock is had, so the append's check sees it.
        let lock: Param = Box::new(id.0.clone());
        let append = append_statement(id, at, &kind, Some(&key), &self.publisher.instance)?;
        let settle = Box::new(move |rows: &[Vec<Row>]| {
            let seq = appended_seq(rows.get(1)?)?;
            Some(Event { seq, at, kind })
        });
        let written = self.writer.write(id, vec![(LOCK, vec![lock]), append], Some(settle)).await?;
        if let Some(event) = written.event {
            self.appends.appended(started, 1);
            return Ok(Appended::New(event));
        }
        let earlier = self
            .client()
            .await?
            .query_opt("SELECT seq FROM events WHERE conversation_id = $1 AND client_id = $2", &[&id.0, &key])
            .await?;
        match earlier {
            Some(row) => Ok(Appended::Duplicate(Seq(uint(row.try_get(0)?)))),
            None => Err(StoreError::Missing(format!("conversation {}", id.0))),
        }
    }

    async fn events_after(&self, id: &ConversationId, after: Seq) -> Result<Vec<Event>, StoreError> {
        events_after(&self.client().await?, id, after).await
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
        // The other bridges read the checkpoint when told; this one streamed the pieces itself.
        let notice = format!("{ANSWER_NOTICE}{} {}", self.publisher.instance, id.0);
        let params: Vec<Param> = vec![
            Box::new(id.0.clone()),
            Box::new(message_id.0.clone()),
            Box::new(text.to_owned()),
            Box::new(now_millis()),
            Box::new(notice),
        ];
        let written = self.writer.write(id, vec![(CHECKPOINT, params)], None).await?;
        if written.rows.first().is_none_or(Vec::is_empty) {
            return Err(StoreError::Missing(format!("answer {} of conversation {}", message_id.0, id.0)));
        }
        Ok(())
    }

    async fn transcript(&self, id: &ConversationId) -> Result<Vec<TranscriptEntry>, StoreError> {
        let events = events_after(&self.client().await?, id, Seq(0)).await?;
        Ok(events.into_iter().filter_map(transcript_entry).collect())
    }

    async fn with_transcript(
        &self,
        id: &ConversationId,
    ) -> Result<Option<(ConversationRecord, Vec<TranscriptEntry>)>, StoreError> {
        let client = self.client().await?;
        // Both statements pipelined on one connection: one round trip.
        let (record, events) =
            tokio::try_join!(conversation(&client, id), events_after(&client, id, Seq(0)))?;
        Ok(record.map(|record| (record, events.into_iter().filter_map(transcript_entry).collect())))
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
