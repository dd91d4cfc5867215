//! Handoffs and decisions in SQLite. A handoff row is written in the same savepoint as the
//! `handoff_requested` event, and settled in the same savepoint as the event the visitor sees,
//! so a killed process never leaves a conversation connecting with nobody delivering it.

use baton_protocol::{AgentId, ConversationId, Event, EventKind, Seq};
use rusqlite::{params, OptionalExtension};

use super::log::append_in;
use super::Store;
use crate::store::{
    HandoffId, HandoffRecord, HandoffStatus, PendingHandoff, ReasonConversation, ReasonCount, Span,
    StoreError,
};

impl Store {
    /// Records a handoff and appends `handoff_requested`, together.
    pub fn begin_handoff(
        &mut self,
        id: &ConversationId,
        agent: &AgentId,
        at: i64,
        name: &str,
        reason: &str,
        clause: Option<&str>,
    ) -> Result<(HandoffId, Event), StoreError> {
        let tx = self.conn.savepoint()?;
        tx.execute(
            "INSERT INTO handoffs (conversation_id, agent, requested_at, name, reason, clause)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id.0, agent.0, at, name, reason, clause],
        )?;
        let handoff = HandoffId(tx.last_insert_rowid());
        let event = append_in(&tx, id, at, EventKind::HandoffRequested, None)?;
        tx.commit()?;
        Ok((handoff, event))
    }

    /// Handoffs still to deliver, oldest first.
    pub fn pending_handoffs(&self) -> Result<Vec<PendingHandoff>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT id, conversation_id, attempts, visitor_told FROM handoffs WHERE status = 'pending' ORDER BY id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(PendingHandoff {
                id: HandoffId(row.get(0)?),
                conversation: ConversationId(row.get(1)?),
                attempts: row.get(2)?,
                visitor_told: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The handoff's label, reason and clause.
    pub fn handoff(&self, handoff: HandoffId) -> Result<Option<HandoffRecord>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!("{HANDOFF_COLUMNS} WHERE id = ?1"))?
            .query_row(params![handoff.0], handoff_record)
            .optional()?)
    }

    /// Every handoff of a conversation, oldest first.
    pub fn handoffs_of(&self, id: &ConversationId) -> Result<Vec<HandoffRecord>, StoreError> {
        let mut statement =
            self.conn.prepare_cached(&format!("{HANDOFF_COLUMNS} WHERE conversation_id = ?1 ORDER BY id"))?;
        let rows = statement.query_map(params![id.0], handoff_record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Counts a failed try; with `tell` (or `give_up`), also appends `handoff_failed` so the
    /// visitor hears of it, once. `give_up` settles the handoff as failed.
    pub fn handoff_attempt_failed(
        &mut self,
        handoff: HandoffId,
        at: i64,
        error: &str,
        tell: bool,
        give_up: bool,
    ) -> Result<Option<(ConversationId, Event)>, StoreError> {
        let tx = self.conn.savepoint()?;
        let (conversation, told): (String, bool) = tx.query_row(
            "SELECT conversation_id, visitor_told FROM handoffs WHERE id = ?1",
            params![handoff.0],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let conversation = ConversationId(conversation);
        let event = if (tell || give_up) && !told {
            Some((conversation.clone(), append_in(&tx, &conversation, at, EventKind::HandoffFailed, None)?))
        } else {
            None
        };
        tx.execute(
            "UPDATE handoffs SET attempts = attempts + 1, last_error = ?2,
                 visitor_told = visitor_told OR ?3,
                 status = CASE WHEN ?4 THEN 'failed' ELSE status END,
                 settled_at = CASE WHEN ?4 THEN ?5 ELSE settled_at END
             WHERE id = ?1",
            params![handoff.0, error, event.is_some(), give_up, at],
        )?;
        tx.commit()?;
        Ok(event)
    }

    /// Settles a delivered handoff and appends `handoff_connected`, together.
    pub fn handoff_connected(
        &mut self,
        handoff: HandoffId,
        at: i64,
        external_id: &str,
        expected_reply_minutes: Option<u32>,
    ) -> Result<(ConversationId, Event), StoreError> {
        let tx = self.conn.savepoint()?;
        let conversation: String =
            tx.query_row("SELECT conversation_id FROM handoffs WHERE id = ?1", params![handoff.0], |row| {
                row.get(0)
            })?;
        tx.execute(
            "UPDATE handoffs SET status = 'connected', attempts = attempts + 1, external_id = ?2, settled_at = ?3
             WHERE id = ?1",
            params![handoff.0, external_id, at],
        )?;
        let kind = EventKind::HandoffConnected { expected_reply_minutes };
        let conversation = ConversationId(conversation);
        let event = append_in(&tx, &conversation, at, kind, None)?;
        tx.commit()?;
        Ok((conversation, event))
    }

    /// Records how a handoff was routed (JSON).
    pub fn handoff_routed(&mut self, handoff: HandoffId, route: &str) -> Result<(), StoreError> {
        self.conn.execute("UPDATE handoffs SET route = ?2 WHERE id = ?1", params![handoff.0, route])?;
        Ok(())
    }

    /// How many handoffs stand in each status.
    pub fn handoff_counts(&self) -> Result<Vec<(HandoffStatus, u64)>, StoreError> {
        let mut statement =
            self.conn.prepare_cached("SELECT status, COUNT(*) FROM handoffs GROUP BY status")?;
        let rows = statement
            .query_map([], |row| Ok((HandoffStatus::from_column(&row.get::<_, String>(0)?), row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

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

    /// Records what the agent decided on the visitor message at `visitor_seq` (JSON), replacing
    /// an earlier decision on it: an answer finished after a restart is decided again.
    pub fn record_decision(
        &mut self,
        id: &ConversationId,
        visitor_seq: Seq,
        at: i64,
        body: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO decisions (conversation_id, visitor_seq, at, body) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id.0, visitor_seq.0, at, body])?;
        Ok(())
    }

    /// The decisions on visitor messages after `after`, in order, as stored JSON.
    pub fn decisions(&self, id: &ConversationId, after: Seq) -> Result<Vec<String>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT body FROM decisions WHERE conversation_id = ?1 AND visitor_seq > ?2 ORDER BY visitor_seq",
        )?;
        let rows = statement.query_map(params![id.0, after.0], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

const HANDOFF_COLUMNS: &str =
    "SELECT id, name, reason, clause, requested_at, status, attempts, last_error, external_id, route
     FROM handoffs";

fn handoff_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<HandoffRecord> {
    let status = HandoffStatus::from_column(&row.get::<_, String>(5)?);
    Ok(HandoffRecord {
        id: HandoffId(row.get(0)?),
        name: row.get(1)?,
        reason: row.get(2)?,
        clause: row.get(3)?,
        requested_at: row.get(4)?,
        status,
        attempts: row.get(6)?,
        last_error: row.get(7)?,
        external_id: row.get(8)?,
        route: row.get::<_, Option<String>>(9)?.and_then(|route| serde_json::from_str(&route).ok()),
    })
}
