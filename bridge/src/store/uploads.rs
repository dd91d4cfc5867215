//! Files visitors uploaded, kept in the database with their conversation: every bridge on a
//! shared database serves any of them, and erasing or expiring the conversation deletes them.

use async_trait::async_trait;
use baton_protocol::{ConversationId, FileId};

use super::StoreError;

/// The uploaded files.
#[async_trait]
pub trait Uploads {
    /// Stores `file`; returns once it is committed.
    async fn save_upload(&self, file: Upload) -> Result<(), StoreError>;

    /// The file, bytes and all, if it is stored.
    async fn upload(&self, id: &FileId) -> Result<Option<Upload>, StoreError>;

    /// What is known of the file without its bytes, if it is stored: what a message naming it
    /// needs, read without loading up to 10 MB.
    async fn upload_info(&self, id: &FileId) -> Result<Option<UploadInfo>, StoreError>;
}

/// An uploaded file without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadInfo {
    /// The conversation it was uploaded to.
    pub conversation: ConversationId,
    /// Its name.
    pub name: String,
    /// Its sniffed type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// One uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// Its id.
    pub id: FileId,
    /// The conversation it was uploaded to.
    pub conversation: ConversationId,
    /// The name the visitor's file had, cleaned.
    pub name: String,
    /// The type its bytes showed.
    pub content_type: String,
    /// The file itself.
    pub bytes: Vec<u8>,
    /// When it was stored, in milliseconds since the Unix epoch.
    pub created_at: i64,
}
