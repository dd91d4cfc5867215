//! One SQLite connection and the statements of the conversation log on it: plain synchronous
//! code, run by the engine's writer thread (writes) or its reader threads (reads), never on an
//! async thread. Each write opens a savepoint, so it nests inside the writer's batch transaction
//! and a failing one is undone alone.

use std::path::Path;

use baton_protocol::{
    AgentId, Attachment, ClientId, ConversationId, Event, EventKind, MessageId, Mode, Seq, TranscriptEntry,
    Visitor,
};
use rusqlite::{params, Connection, OptionalExtension};

use super::{files, migrations, Durability};
use crate::secret::SecretKey;
use crate::store::log::transcript_entry;
use crate::store::{AnswerSoFar, Appended, Backlog, ConversationRecord, InterruptedAnswer, StoreError};

/// The last seq of conversation `c`, counted from the log: its last event's, or the floor an
/// older bridge left above it (the seqs of the delta rows the upgrade to answers stored once
/// deleted), so a seq is never given twice. Counting from the log rather than keeping a counter
/// in the conversation's row spares every append a write to a second page. A macro rather than
/// a constant, so that `concat!` builds each statement at compile time.
macro_rules! last_seq {
    () => {
        "max(c.seq_floor, coalesce((SELECT max(e.seq) FROM events e WHERE e.conversation_id = c.id), 0))"
    };
}

/// How long a connection waits for another one's lock (a checkpoint, a reopening process)
/// before it fails.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The open database.
#[derive(Debug)]
pub struct Store {
    pub(super) conn: Connection,
    /// Seals the secrets the database keeps.
    pub(super) key: SecretKey,
}

impl Store {
    /// Opens the database at `path`, creating the file and its tables on first use, with its
    /// secrets sealed by the key in the file beside it (created with the database).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let key = SecretKey::load_or_create(&SecretKey::file_beside(path))?;
        Self::open_with_key(path, key)
    }

    /// Opens the database at `path` with its secrets sealed by `key`, running the schema steps
    /// it lacks; a file from a newer bridge is refused ([`StoreError::TooNew`]). The files are
    /// readable by their owner only; a secret an older bridge stored in clear is sealed now.
    pub fn open_with_key(path: &Path, key: SecretKey) -> Result<Self, StoreError> {
        Self::open_writer(path, key, Durability::Full)
    }

    /// Opens the connection that writes, as [`Store::open_with_key`] does, committing with
    /// `durability`. It never checkpoints by itself: the engine's checkpointer does, outside the
    /// writer's transactions.
    pub(super) fn open_writer(
        path: &Path,
        key: SecretKey,
        durability: Durability,
    ) -> Result<Self, StoreError> {
        files::make_private(path)?;
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", durability.synchronous())?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Deleted rows are overwritten, not just unlinked: an erased conversation leaves no
        // trace in the file's free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        migrations::migrate(&mut conn)?;
        let mut store = Self { conn, key };
        store.seal_clear_secrets()?;
        Ok(store)
    }

    /// Opens a connection that only reads, on a database [`Store::open_writer`] opened: in WAL
    /// mode it reads the last commit without waiting for the writer.
    pub(super) fn open_reader(path: &Path, key: SecretKey) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "query_only", "ON")?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(Self { conn, key })
    }

    /// Runs `write` in a savepoint of the open transaction: undone alone if it fails.
    pub(super) fn in_savepoint<T>(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // Cached statements: a savepoint per write is parsed once per connection, not per write.
        self.conn.prepare_cached("SAVEPOINT job")?.execute([])?;
        // A write that panics (a bug) fails alone too, rather than taking the writer thread and
        // every later write with it.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(self)))
            .unwrap_or_else(|_| Err(StoreError::Commit("the write panicked; it was undone".into())));
        match outcome {
            Ok(value) => {
                self.conn.prepare_cached("RELEASE job")?.execute([])?;
                Ok(value)
            }
            Err(error) => {
                // A failed rollback leaves the batch's transaction broken: its commit fails,
                // and every write in it is answered with that failure.
                if let Err(rollback) = self.conn.execute_batch("ROLLBACK TO job; RELEASE job") {
                    tracing::error!(%rollback, "a failed write could not be undone");
                }
                Err(error)
            }
        }
    }

    /// The conversation's events after `after` and its answer in flight, read in one snapshot
    /// with its existence.
    pub(super) fn backlog(&self, id: &ConversationId, after: Seq) -> Result<Option<Backlog>, StoreError> {
        let snapshot = self.conn.unchecked_transaction()?;
        if self.conversation(id)?.is_none() {
            return Ok(None);
        }
        let events = self.events_after(id, after)?;
        let answer = self.answer_so_far(id)?;
        snapshot.commit()?;
        Ok(Some(Backlog { events, answer }))
    }

    /// The conversation's answer in flight, with its last checkpoint.
    pub(super) fn answer_so_far(&self, id: &ConversationId) -> Result<Option<AnswerSoFar>, StoreError> {
        let answer = self
            .conn
            .prepare_cached(
                "SELECT message_id, started_seq, at, text FROM answers WHERE conversation_id = ?1",
            )?
            .query_row(params![id.0], |row| {
                Ok(AnswerSoFar {
                    message_id: MessageId(row.get(0)?),
                    started: Seq(row.get(1)?),
                    at: row.get(2)?,
                    text: row.get(3)?,
                })
            })
            .optional()?;
        Ok(answer)
    }

    /// Stores `text` as what the answer in flight shows so far.
    pub fn checkpoint_answer(
        &mut self,
        id: &ConversationId,
        message_id: &MessageId,
        at: i64,
        text: &str,
    ) -> Result<(), StoreError> {
        let updated = self
            .conn
            .prepare_cached(
                "UPDATE answers SET text = ?3, at = ?4 WHERE conversation_id = ?1 AND message_id = ?2",
            )?
            .execute(params![id.0, message_id.0, text, at])?;
        if updated == 0 {
            return Err(StoreError::Missing(format!("answer {} of conversation {}", message_id.0, id.0)));
        }
        Ok(())
    }

    /// Copies the write-ahead log into the database and empties it, so rows just deleted leave
    /// no copy in it. Another connection reading at that moment leaves the log as it is, to be
    /// overwritten by later writes.
    pub(super) fn truncate_log(&self) -> Result<(), StoreError> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Records a new conversation with an empty log.
    pub fn create_conversation(&mut self, record: &ConversationRecord, at: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO conversations
                 (id, agent, token_hash, created_at, page_url, page_title, locale, email, name, user_id, user_hash,
                  test)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                record.id.0,
                record.agent.0,
                record.token_hash,
                at,
                record.page_url,
                record.page_title,
                record.locale,
                record.visitor.email,
                record.visitor.name,
                record.visitor.user_id,
                record.visitor.user_hash,
                record.test
            ],
        )?;
        Ok(())
    }

    /// The conversation, if it exists.
    pub fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        let record = self
            .conn
            .prepare_cached(concat!(
                "SELECT agent, token_hash, page_url, page_title, locale, mode, ",
                last_seq!(),
                ", email, name, user_id, user_hash, email_given, test
                     FROM conversations c WHERE id = ?1"
            ))?
            .query_row(params![id.0], |row| {
                Ok(ConversationRecord {
                    id: id.clone(),
                    agent: AgentId(row.get(0)?),
                    token_hash: row.get(1)?,
                    page_url: row.get(2)?,
                    page_title: row.get(3)?,
                    locale: row.get(4)?,
                    mode: mode_from_column(&row.get::<_, String>(5)?),
                    last_seq: Seq(row.get(6)?),
                    visitor: Visitor {
                        email: row.get(7)?,
                        name: row.get(8)?,
                        user_id: row.get(9)?,
                        user_hash: row.get(10)?,
                    },
                    email_given: row.get(11)?,
                    test: row.get(12)?,
                })
            })
            .optional()?;
        Ok(record)
    }

    /// Records what is now known of the visitor; fields `visitor` leaves out keep their value.
    /// A new email counts as given by the visitor only when `by_visitor` says so: an email the
    /// host page set is a claim, however late it comes.
    pub fn update_visitor(
        &mut self,
        id: &ConversationId,
        visitor: &Visitor,
        by_visitor: bool,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE conversations SET email = coalesce(?2, email), name = coalesce(?3, name),
                 user_id = coalesce(?4, user_id), user_hash = coalesce(?5, user_hash),
                 email_given = CASE WHEN ?2 IS NULL THEN email_given ELSE ?6 END
             WHERE id = ?1",
            params![id.0, visitor.email, visitor.name, visitor.user_id, visitor.user_hash, by_visitor],
        )?;
        Ok(())
    }

    /// Appends `kind` to the log as its next event, and moves the conversation's mode with it.
    pub fn append(&mut self, id: &ConversationId, at: i64, kind: EventKind) -> Result<Event, StoreError> {
        self.append_with_client_id(id, at, kind, None)
    }

    /// Appends the visitor's message unless one with the same client id is already stored.
    pub fn append_visitor_message(
        &mut self,
        id: &ConversationId,
        at: i64,
        client_id: ClientId,
        text: String,
        attachments: Vec<Attachment>,
    ) -> Result<Appended, StoreError> {
        let earlier: Option<u64> = self
            .conn
            .prepare_cached("SELECT seq FROM events WHERE conversation_id = ?1 AND client_id = ?2")?
            .query_row(params![id.0, client_id.0], |row| row.get(0))
            .optional()?;
        if let Some(seq) = earlier {
            return Ok(Appended::Duplicate(Seq(seq)));
        }
        let key = client_id.0.clone();
        let kind = EventKind::VisitorMessage { client_id, text, attachments };
        Ok(Appended::New(self.append_with_client_id(id, at, kind, Some(&key))?))
    }

    fn append_with_client_id(
        &mut self,
        id: &ConversationId,
        at: i64,
        kind: EventKind,
        client_id: Option<&str>,
    ) -> Result<Event, StoreError> {
        // Its own savepoint, so that called alone (not in the writer's batch) it is still whole.
        self.in_savepoint(|store| append_in(&store.conn, id, at, kind, client_id))
    }

    /// Answers a stopped process left unfinished: the conversation, the answer, and the text
    /// last checkpointed.
    pub fn interrupted_answers(&self) -> Result<Vec<InterruptedAnswer>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT a.conversation_id, c.agent, a.message_id, a.started_seq, a.text
             FROM answers a JOIN conversations c ON c.id = a.conversation_id",
        )?;
        let answers = statement
            .query_map([], |row| {
                Ok(InterruptedAnswer {
                    conversation: ConversationId(row.get(0)?),
                    agent: AgentId(row.get(1)?),
                    message_id: MessageId(row.get(2)?),
                    started: Seq(row.get(3)?),
                    shown: row.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(answers)
    }

    /// Every event after `after`, in order.
    pub fn events_after(&self, id: &ConversationId, after: Seq) -> Result<Vec<Event>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, at, body FROM events WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let rows = statement.query_map(params![id.0, after.0], |row| {
            Ok((row.get::<_, u64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?))
        })?;
        rows.map(|row| {
            let (seq, at, body) = row?;
            let kind = serde_json::from_str(&body).map_err(|source| StoreError::Corrupt {
                conversation: id.0.clone(),
                seq,
                source,
            })?;
            Ok(Event { seq: Seq(seq), at, kind })
        })
        .collect()
    }

    /// The finished messages of the conversation, oldest first. Every event is read and the
    /// ones that finish no message are dropped here: parsing each body once in Rust costs less
    /// than SQLite's `->>` parsing every body to filter and Rust parsing the kept ones again.
    pub fn transcript(&self, id: &ConversationId) -> Result<Vec<TranscriptEntry>, StoreError> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT seq, at, body FROM events WHERE conversation_id = ?1 ORDER BY seq")?;
        let rows = statement.query_map(params![id.0], |row| {
            Ok((row.get::<_, u64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?))
        })?;
        let mut transcript = Vec::new();
        for row in rows {
            let (seq, at, body) = row?;
            let kind = serde_json::from_str(&body).map_err(|source| StoreError::Corrupt {
                conversation: id.0.clone(),
                seq,
                source,
            })?;
            transcript.extend(transcript_entry(Event { seq: Seq(seq), at, kind }));
        }
        Ok(transcript)
    }

    /// The conversation and its finished messages, read in one snapshot.
    pub fn with_transcript(
        &self,
        id: &ConversationId,
    ) -> Result<Option<(ConversationRecord, Vec<TranscriptEntry>)>, StoreError> {
        let snapshot = self.conn.unchecked_transaction()?;
        let Some(record) = self.conversation(id)? else { return Ok(None) };
        let transcript = self.transcript(id)?;
        snapshot.commit()?;
        Ok(Some((record, transcript)))
    }
}

/// Appends `kind` inside `tx` as the conversation's next event, moving its mode with it (the
/// conversation's row is written only when the mode changes).
pub(super) fn append_in(
    tx: &Connection,
    id: &ConversationId,
    at: i64,
    kind: EventKind,
    client_id: Option<&str>,
) -> Result<Event, StoreError> {
    let body = serde_json::to_string(&kind)?;
    let (column, last): (String, u64) = tx
        .prepare_cached(concat!("SELECT mode, ", last_seq!(), " FROM conversations c WHERE id = ?1"))?
        .query_row(params![id.0], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let seq = last + 1;
    let before = mode_from_column(&column);
    let mode = before.after(&kind);
    tx.prepare_cached(
        "INSERT INTO events (conversation_id, seq, at, client_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id.0, seq, at, client_id, body])?;
    if mode != before {
        tx.prepare_cached("UPDATE conversations SET mode = ?2 WHERE id = ?1")?
            .execute(params![id.0, mode_column(mode)])?;
    }
    // The answer in flight, checkpointed as it streams, so a restart can finish it and a
    // reader joining mid-answer gets its text so far.
    match &kind {
        EventKind::AgentMessageStarted { message_id } => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO answers (conversation_id, message_id, started_seq, at, text)
                 VALUES (?1, ?2, ?3, ?4, '')",
            )?
            .execute(params![id.0, message_id.0, seq, at])?;
        }
        EventKind::AgentMessageCompleted { .. } => {
            tx.prepare_cached("DELETE FROM answers WHERE conversation_id = ?1")?.execute(params![id.0])?;
        }
        _ => {}
    }
    Ok(Event { seq: Seq(seq), at, kind })
}

pub(in crate::store) fn mode_column(mode: Mode) -> &'static str {
    match mode {
        Mode::Ai => "ai",
        Mode::Connecting => "connecting",
        Mode::Waiting => "waiting",
        Mode::Human => "human",
        Mode::Closed => "closed",
    }
}

pub(in crate::store) fn mode_from_column(column: &str) -> Mode {
    match column {
        "connecting" => Mode::Connecting,
        "waiting" => Mode::Waiting,
        "human" => Mode::Human,
        "closed" => Mode::Closed,
        _ => Mode::Ai,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_conversation() -> (tempfile::TempDir, Store, ConversationId) {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("baton.db")).expect("opens");
        let id = ConversationId::from("c1");
        let record = ConversationRecord {
            visitor: Visitor { name: Some("Al".into()), ..Visitor::default() },
            ..ConversationRecord::new(id.clone(), AgentId::from("demo"), "00".into())
        };
        store.create_conversation(&record, 1).expect("creates");
        (dir, store, id)
    }

    #[test]
    fn events_get_consecutive_seqs_and_read_back_in_order() {
        let (_dir, mut store, id) = store_with_conversation();
        store.append(&id, 1, EventKind::HandoffRequested).expect("appends");
        store.append(&id, 2, EventKind::HandoffFailed).expect("appends");
        let events = store.events_after(&id, Seq(0)).expect("reads");
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [Seq(1), Seq(2)]);
        assert_eq!(store.events_after(&id, Seq(1)).expect("reads").len(), 1);
        let record = store.conversation(&id).expect("reads").expect("exists");
        assert_eq!((record.mode, record.last_seq), (Mode::Connecting, Seq(2)));
    }

    #[test]
    fn a_retried_visitor_message_is_stored_once() {
        let (_dir, mut store, id) = store_with_conversation();
        let first = store
            .append_visitor_message(&id, 1, ClientId::from("k"), "hi".into(), Vec::new())
            .expect("appends");
        let again = store
            .append_visitor_message(&id, 2, ClientId::from("k"), "hi".into(), Vec::new())
            .expect("appends");
        assert!(matches!(first, Appended::New(Event { seq: Seq(1), .. })));
        assert_eq!(again, Appended::Duplicate(Seq(1)));
        assert_eq!(store.events_after(&id, Seq(0)).expect("reads").len(), 1);
    }

    #[test]
    fn an_answer_cut_off_mid_stream_is_found_with_its_checkpoint() {
        let (_dir, mut store, id) = store_with_conversation();
        let m = || MessageId::from("m");
        store.append(&id, 1, EventKind::AgentMessageStarted { message_id: m() }).expect("appends");
        store.checkpoint_answer(&id, &m(), 2, "Hel").expect("checkpoints");
        store.checkpoint_answer(&id, &m(), 3, "Hello").expect("checkpoints");
        assert_eq!(store.events_after(&id, Seq(0)).expect("reads").len(), 1, "no delta is stored");
        let interrupted = store.interrupted_answers().expect("reads");
        assert_eq!(interrupted.len(), 1);
        assert_eq!((interrupted[0].message_id.clone(), interrupted[0].shown.as_str()), (m(), "Hello"));
        assert_eq!(interrupted[0].started, Seq(1), "its deltas go on with the started event's seq");
        store
            .append(&id, 4, EventKind::AgentMessageCompleted { message_id: m(), text: "Hello".into() })
            .expect("appends");
        assert!(store.interrupted_answers().expect("reads").is_empty());
    }

    #[test]
    fn a_visitor_update_fills_in_without_erasing() {
        let (_dir, mut store, id) = store_with_conversation();
        let email = Visitor { email: Some("al@x.example".into()), ..Visitor::default() };
        store.update_visitor(&id, &email, true).expect("updates");
        let record = store.conversation(&id).expect("reads").expect("exists");
        let visitor = &record.visitor;
        assert_eq!((visitor.name.as_deref(), visitor.email.as_deref()), (Some("Al"), Some("al@x.example")));
        assert!(record.email_given);
    }

    #[test]
    fn an_email_the_host_page_sets_later_is_not_one_the_visitor_gave() {
        let (_dir, mut store, id) = store_with_conversation();
        let email = |address: &str| Visitor { email: Some(address.into()), ..Visitor::default() };
        store.update_visitor(&id, &email("ceo@x.example"), false).expect("updates");
        assert!(!store.conversation(&id).expect("reads").expect("exists").email_given);
        store.update_visitor(&id, &email("al@x.example"), true).expect("updates");
        assert!(store.conversation(&id).expect("reads").expect("exists").email_given);
        let name = Visitor { name: Some("Al B".into()), ..Visitor::default() };
        store.update_visitor(&id, &name, false).expect("updates");
        assert!(store.conversation(&id).expect("reads").expect("exists").email_given, "the email stayed");
        store.update_visitor(&id, &email("ceo@x.example"), false).expect("updates");
        assert!(!store.conversation(&id).expect("reads").expect("exists").email_given, "a new claim");
    }

    #[test]
    fn the_log_survives_reopening_the_file() {
        let (dir, mut store, id) = store_with_conversation();
        store.append_visitor_message(&id, 1, ClientId::from("k"), "hi".into(), Vec::new()).expect("appends");
        drop(store);
        let store = Store::open(&dir.path().join("baton.db")).expect("reopens");
        let transcript = store.transcript(&id).expect("reads");
        assert_eq!(transcript.len(), 1);
        assert_eq!(transcript[0].text, "hi");
    }
}
