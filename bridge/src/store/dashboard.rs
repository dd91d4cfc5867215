//! What the dashboard changes in the store beside settings: a conversation its preview started
//! is marked as a test (stored with the conversation, so every report and the inbox can tell),
//! and a workspace connected with OAuth can be forgotten.

use baton_protocol::ConversationId;
use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

impl Store {
    /// Marks conversation `id` as a test of the dashboard's preview.
    pub fn mark_test(&mut self, id: &ConversationId) -> Result<(), StoreError> {
        self.conn.execute("UPDATE conversations SET test = 1 WHERE id = ?1", params![id.0])?;
        Ok(())
    }

    /// Whether conversation `id` is a test of the dashboard's preview; false for an unknown one.
    pub fn is_test(&self, id: &ConversationId) -> Result<bool, StoreError> {
        let test: Option<bool> = self
            .conn
            .query_row("SELECT test FROM conversations WHERE id = ?1", params![id.0], |row| row.get(0))
            .optional()?;
        Ok(test.unwrap_or(false))
    }

    /// Forgets the workspace connected with OAuth, its token with it; whether there was one.
    pub fn forget_connection(&mut self) -> Result<bool, StoreError> {
        Ok(self.conn.execute("DELETE FROM intercom_connection", [])? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConversationRecord;
    use baton_protocol::AgentId;

    #[test]
    fn a_conversation_is_a_test_only_once_marked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("baton.db")).expect("opens");
        let id = ConversationId::from("c1");
        let record = ConversationRecord::new(id.clone(), AgentId::from("demo"), "00".into());
        store.create_conversation(&record, 1).expect("creates");
        assert!(!store.is_test(&id).expect("reads"));
        store.mark_test(&id).expect("marks");
        assert!(store.is_test(&id).expect("reads"));
        assert!(!store.is_test(&ConversationId("unknown".into())).expect("reads"));
    }
}
