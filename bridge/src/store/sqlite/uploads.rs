//! Uploaded files in SQLite: one row each, the bytes a BLOB.

use baton_protocol::{ConversationId, FileId};
use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::store::{StoreError, Upload, UploadInfo};

impl Store {
    /// Stores an uploaded file.
    pub fn save_upload(&mut self, file: &Upload) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO files (id, conversation_id, name, content_type, bytes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                file.id.0,
                file.conversation.0,
                file.name,
                file.content_type,
                file.bytes,
                file.created_at
            ])?;
        Ok(())
    }

    /// An uploaded file's name, type and size, if it is stored.
    pub fn upload_info(&self, id: &FileId) -> Result<Option<UploadInfo>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT conversation_id, name, content_type, length(bytes) FROM files WHERE id = ?1",
            )?
            .query_row(params![id.0], |row| {
                Ok(UploadInfo {
                    conversation: ConversationId(row.get(0)?),
                    name: row.get(1)?,
                    content_type: row.get(2)?,
                    size: row.get(3)?,
                })
            })
            .optional()?)
    }

    /// An uploaded file, if it is stored.
    pub fn upload(&self, id: &FileId) -> Result<Option<Upload>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT conversation_id, name, content_type, bytes, created_at FROM files WHERE id = ?1",
            )?
            .query_row(params![id.0], |row| {
                Ok(Upload {
                    id: id.clone(),
                    conversation: ConversationId(row.get(0)?),
                    name: row.get(1)?,
                    content_type: row.get(2)?,
                    bytes: row.get(3)?,
                    created_at: row.get(4)?,
                })
            })
            .optional()?)
    }
}
