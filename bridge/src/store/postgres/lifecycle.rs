//! Export, erasure and retention on PostgreSQL: one conversation read in one snapshot, or
//! deleted with every row it owns in one transaction (children first, so the foreign keys hold
//! at each step). Erasing ends the conversation's feeds on this bridge; on the others, their
//! listeners' streams find it gone when they next read.

use async_trait::async_trait;
use baton_protocol::{ConversationId, Seq};
use tokio_postgres::{GenericClient, IsolationLevel};

use super::handoffs::handoffs_of;
use super::inbox::link;
use super::log::{answer_so_far, conversation, events_after};
use super::{uint, Postgres};
use crate::store::{ConversationExport, ExportedDecision, ExportedLink, Lifecycle, StoreError};

const ERASE: &[&str] = &[
    "DELETE FROM files WHERE conversation_id = $1",
    "DELETE FROM leases WHERE conversation_id = $1",
    "DELETE FROM intercom_parts WHERE conversation_id = $1",
    "DELETE FROM intercom_links WHERE conversation_id = $1",
    "DELETE FROM decisions WHERE conversation_id = $1",
    "DELETE FROM handoffs WHERE conversation_id = $1",
    "DELETE FROM answers WHERE conversation_id = $1",
    "DELETE FROM ratings WHERE conversation_id = $1",
    "DELETE FROM events WHERE conversation_id = $1",
    "DELETE FROM conversations WHERE id = $1",
];

/// Deletes the conversation and what it owns; whether it existed.
async fn erase_in(tx: &impl GenericClient, id: &ConversationId) -> Result<bool, StoreError> {
    let mut erased = 0;
    for sql in ERASE {
        erased = tx.execute(*sql, &[&id.0]).await?;
    }
    Ok(erased == 1)
}

#[async_trait]
impl Lifecycle for Postgres {
    async fn export(&self, id: &ConversationId) -> Result<Option<ConversationExport>, StoreError> {
        let mut client = self.client().await?;
        // One snapshot: a write committed while the export reads does not show in half of it.
        let snapshot = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let Some(record) = conversation(&snapshot, id).await? else {
            return Ok(None);
        };
        let created_at: i64 = snapshot
            .query_one("SELECT created_at FROM conversations WHERE id = $1", &[&id.0])
            .await?
            .try_get(0)?;
        let rows = snapshot
            .query(
                "SELECT visitor_seq, at, body FROM decisions WHERE conversation_id = $1 ORDER BY visitor_seq",
                &[&id.0],
            )
            .await?;
        let decisions = rows
            .iter()
            .map(|row| {
                let body: String = row.try_get(2)?;
                Ok(ExportedDecision {
                    visitor_seq: Seq(uint(row.try_get(0)?)),
                    at: row.try_get(1)?,
                    decision: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let intercom = match link(&*snapshot, id).await? {
            Some(link) => {
                let rows = snapshot
                    .query(
                        "SELECT part_id FROM intercom_parts WHERE conversation_id = $1 ORDER BY part_id",
                        &[&id.0],
                    )
                    .await?;
                let part_ids = rows.iter().map(|row| row.try_get(0)).collect::<Result<_, _>>()?;
                Some(ExportedLink {
                    conversation_id: link.intercom_id,
                    contact_id: link.contact.map(|(contact, _)| contact),
                    part_ids,
                })
            }
            None => None,
        };
        let export = ConversationExport::new(
            record,
            created_at,
            events_after(&snapshot, id, Seq(0)).await?,
            answer_so_far(&snapshot, id).await?,
            decisions,
            handoffs_of(&*snapshot, id).await?,
            intercom,
        );
        snapshot.commit().await?;
        Ok(Some(export))
    }

    async fn erase(&self, id: &ConversationId) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let erased = erase_in(&*tx, id).await?;
        self.commit(tx).await?;
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        self.publisher.close(id);
        Ok(erased)
    }

    async fn delete_older_than(&self, cutoff: i64) -> Result<Vec<ConversationId>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let rows = tx
            .query(
                "SELECT c.id FROM conversations c
                 WHERE coalesce((SELECT e.at FROM events e WHERE e.conversation_id = c.id AND e.seq = c.last_seq),
                                c.created_at) < $1
                 FOR UPDATE OF c",
                &[&cutoff],
            )
            .await?;
        let idle = rows
            .iter()
            .map(|row| Ok(ConversationId(row.try_get(0)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        for id in &idle {
            erase_in(&*tx, id).await?;
        }
        self.commit(tx).await?;
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        for id in &idle {
            self.publisher.close(id);
        }
        Ok(idle)
    }
}
