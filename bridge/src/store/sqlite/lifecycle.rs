//! Export, erasure and retention in SQLite: one conversation's rows read as one document, or
//! deleted with every row it owns (children first, so the foreign keys hold at each step).

use baton_protocol::{ConversationId, Seq};
use rusqlite::params;

use super::Store;
use crate::store::{ConversationExport, ExportedDecision, ExportedLink, StoreError};

/// Every row a conversation owns, children first so the foreign keys hold at each step.
const ERASE: &[&str] = &[
    "DELETE FROM files WHERE conversation_id = ?1",
    "DELETE FROM leases WHERE conversation_id = ?1",
    "DELETE FROM intercom_parts WHERE conversation_id = ?1",
    "DELETE FROM intercom_links WHERE conversation_id = ?1",
    "DELETE FROM decisions WHERE conversation_id = ?1",
    "DELETE FROM handoffs WHERE conversation_id = ?1",
    "DELETE FROM answers WHERE conversation_id = ?1",
    "DELETE FROM ratings WHERE conversation_id = ?1",
    "DELETE FROM events WHERE conversation_id = ?1",
    "DELETE FROM conversations WHERE id = ?1",
];

impl Store {
    /// Everything stored about the conversation, if it exists.
    pub fn export_conversation(&self, id: &ConversationId) -> Result<Option<ConversationExport>, StoreError> {
        // One snapshot: a write committed while the export reads does not show in half of it.
        let snapshot = self.conn.unchecked_transaction()?;
        let Some(record) = self.conversation(id)? else {
            return Ok(None);
        };
        let created_at = self.conn.query_row(
            "SELECT created_at FROM conversations WHERE id = ?1",
            params![id.0],
            |row| row.get(0),
        )?;
        let mut statement = self.conn.prepare(
            "SELECT visitor_seq, at, body FROM decisions WHERE conversation_id = ?1 ORDER BY visitor_seq",
        )?;
        let decisions = statement
            .query_map(params![id.0], |row| {
                let body: String = row.get(2)?;
                Ok(ExportedDecision {
                    visitor_seq: Seq(row.get(0)?),
                    at: row.get(1)?,
                    decision: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
                })
            })?
            .collect::<Result<_, _>>()?;
        let intercom = match self.link(id)? {
            Some(link) => {
                let mut statement = self.conn.prepare(
                    "SELECT part_id FROM intercom_parts WHERE conversation_id = ?1 ORDER BY part_id",
                )?;
                let part_ids =
                    statement.query_map(params![id.0], |row| row.get(0))?.collect::<Result<_, _>>()?;
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
            self.events_after(id, Seq(0))?,
            self.answer_so_far(id)?,
            decisions,
            self.handoffs_of(id)?,
            intercom,
        );
        snapshot.commit()?;
        Ok(Some(export))
    }

    /// Deletes the conversation and every row it owns; whether there was such a conversation.
    /// The engine empties the write-ahead log once this is committed, so no copy of those rows
    /// stays in it.
    pub fn erase_conversation(&mut self, id: &ConversationId) -> Result<bool, StoreError> {
        let tx = self.conn.savepoint()?;
        let mut erased = 0;
        for sql in ERASE {
            erased = tx.prepare_cached(sql)?.execute(params![id.0])?;
        }
        tx.commit()?;
        Ok(erased == 1)
    }

    /// Deletes every conversation whose last activity (its last event, or its start) is before
    /// `cutoff` (Unix milliseconds), with every row it owns; the conversations deleted.
    pub fn delete_older_than(&mut self, cutoff: i64) -> Result<Vec<ConversationId>, StoreError> {
        let tx = self.conn.savepoint()?;
        let idle: Vec<ConversationId> = {
            // The last event is found by the events' primary key, (conversation, seq).
            let mut statement = tx.prepare(
                "SELECT c.id FROM conversations c
                 WHERE coalesce((SELECT e.at FROM events e WHERE e.conversation_id = c.id
                                 ORDER BY e.seq DESC LIMIT 1),
                                c.created_at) < ?1",
            )?;
            let ids = statement.query_map(params![cutoff], |row| Ok(ConversationId(row.get(0)?)))?;
            ids.collect::<Result<_, _>>()?
        };
        for id in &idle {
            for sql in ERASE {
                tx.prepare_cached(sql)?.execute(params![id.0])?;
            }
        }
        tx.commit()?;
        Ok(idle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConversationRecord;
    use baton_protocol::{AgentId, ClientId, EventKind, Visitor};

    const DAY: i64 = 24 * 3600 * 1000;

    fn conversation(store: &mut Store, id: &str, at: i64) -> ConversationId {
        let id = ConversationId::from(id);
        let record = ConversationRecord {
            visitor: Visitor { email: Some(format!("{}@x.example", id.0)), ..Visitor::default() },
            email_given: true,
            ..ConversationRecord::new(id.clone(), AgentId::from("demo"), format!("hash-of-{}", id.0))
        };
        store.create_conversation(&record, at).expect("creates");
        store
            .append_visitor_message(&id, at, ClientId::from("k"), format!("secret of {}", id.0), Vec::new())
            .expect("appends");
        let (handoff, _) =
            store.begin_handoff(&id, &AgentId::from("demo"), at, "Ada", "asked", None).expect("hands off");
        store.record_decision(&id, Seq(1), at, r#"{"answer":"hand off"}"#).expect("records");
        store.open_link(&id, handoff).expect("links");
        store.remember_part(&format!("part-of-{}", id.0), &id, true).expect("remembers");
        id
    }

    #[test]
    fn an_export_holds_everything_but_the_token_hash() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("baton.db")).expect("opens");
        let id = conversation(&mut store, "c1", 5);
        let export = store.export_conversation(&id).expect("exports").expect("exists");
        assert_eq!((export.created_at, export.events.len(), export.handoffs.len()), (5, 2, 1));
        assert_eq!(export.visitor.email.as_deref(), Some("c1@x.example"));
        assert_eq!(export.decisions[0].decision["answer"], "hand off");
        assert_eq!(export.intercom.expect("linked").part_ids, ["part-of-c1"]);
        let json = serde_json::to_string(&store.export_conversation(&id).expect("exports")).expect("encodes");
        assert!(!json.contains("hash-of-c1"), "{json}");
        assert!(store.export_conversation(&ConversationId::from("nope")).expect("reads").is_none());
    }

    #[test]
    fn conversations_idle_past_the_cutoff_are_deleted_and_recent_ones_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("baton.db")).expect("opens");
        let now = 100 * DAY;
        let old = conversation(&mut store, "old", now - 40 * DAY);
        let revived = conversation(&mut store, "revived", now - 40 * DAY);
        store.append(&revived, now - DAY, EventKind::HandoffFailed).expect("appends");
        let recent = conversation(&mut store, "recent", now - DAY);
        let deleted = store.delete_older_than(now - 30 * DAY).expect("deletes");
        assert_eq!(deleted, std::slice::from_ref(&old));
        assert!(store.conversation(&old).expect("reads").is_none());
        assert!(store.handoffs_of(&old).expect("reads").is_empty());
        for id in [&revived, &recent] {
            assert!(store.conversation(id).expect("reads").is_some(), "{id:?} was active lately");
        }
        assert!(store.delete_older_than(now - 30 * DAY).expect("deletes").is_empty());
    }
}
