//! What the dashboard's Analytics reads: an agent's handoffs in a period counted by reason, and
//! the conversations behind one reason. The preview's test conversations count only when asked.

use baton_protocol::{AgentId, ConversationId};
use rusqlite::params;
use serde::Serialize;

use super::{ReasonCount, Store, StoreError};

/// A period and whether test conversations count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start, in Unix milliseconds, included.
    pub from: i64,
    /// End, in Unix milliseconds, excluded.
    pub to: i64,
    /// Whether the preview's test conversations count.
    pub include_tests: bool,
}

/// One handed-off conversation in the drill-down from a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonConversation {
    /// The Baton conversation.
    pub conversation: ConversationId,
    /// When the handoff was requested, in Unix milliseconds.
    pub requested_at: i64,
    /// The handoff's status: `pending`, `connected` or `failed`.
    pub status: String,
    /// The inbox's id for it, once delivered.
    pub external_id: Option<String>,
    /// Whether the dashboard's preview started it.
    pub test: bool,
}

impl Store {
    /// Handoffs of `agent` in `span`, counted by reason, most frequent first.
    pub fn reason_counts(&self, agent: &AgentId, span: Span) -> Result<Vec<ReasonCount>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT h.reason, COUNT(*) FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
             WHERE h.agent = ?1 AND h.requested_at >= ?2 AND h.requested_at < ?3 AND (?4 OR c.test = 0)
             GROUP BY h.reason ORDER BY COUNT(*) DESC, h.reason",
        )?;
        let rows = statement.query_map(params![agent.0, span.from, span.to, span.include_tests], |row| {
            Ok(ReasonCount { reason: row.get(0)?, count: row.get(1)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The handoffs of `agent` in `span` for `reason`, newest first, at most `limit`.
    pub fn reason_conversations(
        &self,
        agent: &AgentId,
        reason: &str,
        span: Span,
        limit: u32,
    ) -> Result<Vec<ReasonConversation>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT h.conversation_id, h.requested_at, h.status, h.external_id, c.test
             FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
             WHERE h.agent = ?1 AND h.reason = ?2 AND h.requested_at >= ?3 AND h.requested_at < ?4
               AND (?5 OR c.test = 0)
             ORDER BY h.requested_at DESC, h.id DESC LIMIT ?6",
        )?;
        let rows = statement.query_map(
            params![agent.0, reason, span.from, span.to, span.include_tests, limit],
            |row| {
                Ok(ReasonConversation {
                    conversation: ConversationId(row.get(0)?),
                    requested_at: row.get(1)?,
                    status: row.get(2)?,
                    external_id: row.get(3)?,
                    test: row.get(4)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConversationRecord;

    fn handed_off(store: &mut Store, id: &str, at: i64, reason: &str, test: bool) -> ConversationId {
        let id = ConversationId::from(id);
        let agent = AgentId::from("demo");
        store
            .create_conversation(&ConversationRecord::new(id.clone(), agent.clone(), "00".into()), at)
            .expect("creates");
        if test {
            store.mark_test(&id).expect("marks");
        }
        store.begin_handoff(&id, &agent, at, "Escalate", reason, None).expect("hands off");
        id
    }

    #[test]
    fn test_conversations_count_only_when_asked_and_the_drill_down_agrees() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("baton.db")).expect("opens");
        let customer = handed_off(&mut store, "c1", 10, "Topic: billing", false);
        let preview = handed_off(&mut store, "c2", 20, "Topic: billing", true);
        handed_off(&mut store, "c3", 30, "Asked for a person", false);
        handed_off(&mut store, "c4", 99, "Asked for a person", false);
        let agent = AgentId::from("demo");
        let without = Span { from: 0, to: 50, include_tests: false };
        let with = Span { include_tests: true, ..without };
        let count = |span| -> Vec<(String, u64)> {
            store
                .reason_counts(&agent, span)
                .expect("reads")
                .into_iter()
                .map(|c| (c.reason, c.count))
                .collect()
        };
        assert_eq!(count(without), [("Asked for a person".into(), 1), ("Topic: billing".into(), 1)]);
        assert_eq!(count(with), [("Topic: billing".into(), 2), ("Asked for a person".into(), 1)]);
        let listed = |span| -> Vec<ConversationId> {
            let rows = store.reason_conversations(&agent, "Topic: billing", span, 50).expect("reads");
            rows.into_iter().map(|row| row.conversation).collect()
        };
        assert_eq!(listed(without), std::slice::from_ref(&customer));
        assert_eq!(listed(with), [preview, customer], "newest first");
    }
}
