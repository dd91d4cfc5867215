//! The statements that append to a conversation's log on PostgreSQL, one statement per event
//! (its seq, its mode, the event, the answer's checkpoint and the notification together), and
//! the other statements of the hot path the writer runs on a conversation's rows.

use baton_protocol::{ConversationId, Event, EventKind, Mode, Seq};
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row};

use super::uint;
use super::writer::Param;
use crate::store::sqlite::mode_column;
use crate::store::StoreError;

/// The modes in the order [`APPEND`]'s statements list them, so a transition is an array.
const MODES: [Mode; 5] = [Mode::Ai, Mode::Connecting, Mode::Waiting, Mode::Human, Mode::Closed];

/// One statement appending an event: the conversation's row locked and its `last_seq` moved on
/// (an `UPDATE` re-reads a row another transaction changed meanwhile, so concurrent appends
/// from any bridge take consecutive seqs), its mode moved by the transition given as an array in
/// [`MODES`]' order, the event inserted, every bridge notified on commit (`<seq> <bridge>
/// <conversation>`). No row when the conversation does not exist (or the check failed).
/// Parameters: conversation, modes after, at, client id, body, bridge, message id.
macro_rules! append_sql {
    ($check:literal, $answer:literal) => {
        concat!(
            "WITH c AS (
                 UPDATE conversations SET last_seq = last_seq + 1,
                     mode = coalesce(($2::TEXT[])[array_position(
                         ARRAY['ai', 'connecting', 'waiting', 'human', 'closed']::TEXT[], mode)], mode)
                 WHERE id = $1::TEXT",
            $check,
            " RETURNING last_seq
             ), e AS (
                 INSERT INTO events (conversation_id, seq, at, client_id, body)
                 SELECT $1::TEXT, last_seq, $3::BIGINT, $4::TEXT, $5::TEXT FROM c RETURNING seq
             )",
            $answer,
            " SELECT seq, pg_notify('baton_events', seq::TEXT || ' ' || $6::TEXT || ' ' || $1::TEXT) FROM e"
        )
    };
}

/// An event that neither starts nor completes an answer.
const APPEND: &str = append_sql!("", "");

/// A visitor's message, unless one with its client id is stored: behind [`LOCK`], so the check
/// reads after any racing copy committed.
const APPEND_VISITOR: &str = append_sql!(
    " AND NOT EXISTS (SELECT 1 FROM events WHERE conversation_id = $1::TEXT AND client_id = $4::TEXT)",
    ""
);

/// An answer's start, with its empty checkpoint.
const APPEND_STARTED: &str = append_sql!(
    "",
    ", a AS (
         INSERT INTO answers (conversation_id, message_id, started_seq, at, text)
         SELECT $1::TEXT, $7::TEXT, seq, $3::BIGINT, '' FROM e
         ON CONFLICT (conversation_id) DO UPDATE SET message_id = excluded.message_id,
             started_seq = excluded.started_seq, at = excluded.at, text = ''
     )"
);

/// An answer's completion, which removes its checkpoint.
const APPEND_COMPLETED: &str =
    append_sql!("", ", a AS (DELETE FROM answers WHERE conversation_id = $1::TEXT)");

/// Locks the conversation's row for the rest of the transaction.
pub(super) const LOCK: &str = "SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE";

/// A checkpoint of the answer in flight, notified (`answer <bridge> <conversation>`) on commit;
/// no row when that answer is not in flight.
pub(super) const CHECKPOINT: &str = "WITH u AS (
         UPDATE answers SET text = $3, at = $4 WHERE conversation_id = $1 AND message_id = $2 RETURNING 1
     ) SELECT pg_notify('baton_events', $5::TEXT) FROM u";

/// The modes each mode moves to with `kind`, in [`MODES`]' order.
fn transitions(kind: &EventKind) -> Vec<String> {
    MODES.iter().map(|mode| mode_column(mode.after(kind)).to_owned()).collect()
}

/// The statement appending `kind` and its parameters, the bridge `instance` notifying.
pub(super) fn append_statement(
    id: &ConversationId,
    at: i64,
    kind: &EventKind,
    client_id: Option<&str>,
    instance: &str,
) -> Result<(&'static str, Vec<Param>), StoreError> {
    let mut params: Vec<Param> = vec![
        Box::new(id.0.clone()),
        Box::new(transitions(kind)),
        Box::new(at),
        Box::new(client_id.map(str::to_owned)),
        Box::new(serde_json::to_string(kind)?),
        Box::new(instance.to_owned()),
    ];
    let sql = match kind {
        EventKind::VisitorMessage { .. } if client_id.is_some() => APPEND_VISITOR,
        EventKind::AgentMessageStarted { message_id } => {
            params.push(Box::new(message_id.0.clone()));
            APPEND_STARTED
        }
        EventKind::AgentMessageCompleted { .. } => APPEND_COMPLETED,
        _ => APPEND,
    };
    Ok((sql, params))
}

/// The seq an append statement returned, if it appended.
pub(super) fn appended_seq(rows: &[Row]) -> Option<Seq> {
    rows.first().and_then(|row| row.try_get::<_, i64>(0).ok()).map(|seq| Seq(uint(seq)))
}

/// Appends `kind` inside `tx` as the conversation's next event, moving its mode with it, and
/// notifies every bridge on commit (as appended by the bridge `instance`, which publishes it
/// itself). The row's lock, held to the commit, makes concurrent appends to one conversation
/// (from any bridge) take consecutive seqs.
pub(super) async fn append_in(
    tx: &impl GenericClient,
    id: &ConversationId,
    at: i64,
    kind: EventKind,
    instance: &str,
) -> Result<Event, StoreError> {
    let (sql, params) = append_statement(id, at, &kind, None, instance)?;
    let params: Vec<&(dyn ToSql + Sync)> =
        params.iter().map(|param| param.as_ref() as &(dyn ToSql + Sync)).collect();
    let rows = tx.query(sql, &params).await?;
    let seq = appended_seq(&rows).ok_or_else(|| StoreError::Missing(format!("conversation {}", id.0)))?;
    Ok(Event { seq, at, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_appends_mode_transition_lists_each_mode_where_the_statement_looks_it_up() {
        let listed: Vec<String> = MODES.iter().map(|mode| format!("'{}'", mode_column(*mode))).collect();
        let array = format!("ARRAY[{}]", listed.join(", "));
        for sql in [APPEND, APPEND_VISITOR, APPEND_STARTED, APPEND_COMPLETED] {
            assert!(sql.contains(&array), "{sql}");
        }
        let handoff = transitions(&EventKind::HandoffRequested);
        assert_eq!(handoff, ["connecting", "connecting", "waiting", "human", "closed"]);
        assert_eq!(transitions(&EventKind::ConversationClosed), ["closed"; 5]);
    }
}
