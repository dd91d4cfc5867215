//! Uploaded files on PostgreSQL: one row each, the bytes `BYTEA`, visible to every bridge once
//! committed.

use async_trait::async_trait;
use baton_protocol::{ConversationId, FileId};

use super::uint;
use super::Postgres;
use crate::store::{StoreError, Upload, UploadInfo, Uploads};

#[async_trait]
impl Uploads for Postgres {
    async fn save_upload(&self, file: Upload) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO files (id, conversation_id, name, content_type, bytes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &file.id.0,
                &file.conversation.0,
                &file.name,
                &file.content_type,
                &file.bytes,
                &file.created_at,
            ],
        )
        .await?;
        Ok(())
    }

    async fn upload(&self, id: &FileId) -> Result<Option<Upload>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT conversation_id, name, content_type, bytes, created_at FROM files WHERE id = $1",
                &[&id.0],
            )
            .await?;
        row.map(|row| {
            Ok(Upload {
                id: id.clone(),
                conversation: ConversationId(row.try_get(0)?),
                name: row.try_get(1)?,
                content_type: row.try_get(2)?,
                bytes: row.try_get(3)?,
                created_at: row.try_get(4)?,
            })
        })
        .transpose()
    }

    async fn upload_info(&self, id: &FileId) -> Result<Option<UploadInfo>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT conversation_id, name, content_type, octet_length(bytes)::BIGINT FROM files WHERE id = $1",
                &[&id.0],
            )
            .await?;
        row.map(|row| {
            Ok(UploadInfo {
                conversation: ConversationId(row.try_get(0)?),
                name: row.try_get(1)?,
                content_type: row.try_get(2)?,
                size: uint(row.try_get(3)?),
            })
        })
        .transpose()
    }
}
