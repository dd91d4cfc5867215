//! The schema as numbered steps. `PRAGMA user_version` records how far a database is; opening
//! runs the steps it lacks, each in its own transaction, and refuses a database a newer bridge
//! made. A change to the schema is a new step at the end of [`MIGRATIONS`], never an edit of one
//! that shipped.

use rusqlite::{params, Connection, TransactionBehavior};

use super::StoreError;

/// One change a step makes.
enum Change {
    /// Statements run as they are.
    Sql(&'static str),
    /// A column added unless the table has it already: databases made before there were
    /// numbered steps have some of the late columns and not others.
    AddColumn { table: &'static str, column: &'static str, declaration: &'static str },
}

/// A numbered step: its number is its place in [`MIGRATIONS`], counting from 1.
struct Migration {
    /// What it does, for the log.
    about: &'static str,
    changes: &'static [Change],
}

/// Every step, oldest first.
const MIGRATIONS: &[Migration] = &[
    Migration {
        about: "the schema of the bridges before numbered steps",
        changes: &[
            Change::Sql(TABLES),
            // Added to tables after their first release, by bridges that created tables with
            // `IF NOT EXISTS`: a file from those days lacks some of them.
            Change::AddColumn { table: "conversations", column: "answering", declaration: "TEXT" },
            Change::AddColumn { table: "conversations", column: "email", declaration: "TEXT" },
            Change::AddColumn { table: "conversations", column: "name", declaration: "TEXT" },
            Change::AddColumn { table: "conversations", column: "user_id", declaration: "TEXT" },
            Change::AddColumn { table: "conversations", column: "user_hash", declaration: "TEXT" },
            Change::AddColumn {
                table: "conversations",
                column: "email_given",
                declaration: "INTEGER NOT NULL DEFAULT 0",
            },
            Change::AddColumn { table: "handoffs", column: "route", declaration: "TEXT" },
            Change::Sql(INDEXES),
        ],
    },
    Migration {
        about: "Intercom parts found by conversation, for erasure and retention",
        changes: &[Change::Sql(
            "CREATE INDEX IF NOT EXISTS intercom_parts_by_conversation ON intercom_parts (conversation_id);",
        )],
    },
    Migration {
        about: "conversations the dashboard's preview started are marked as tests",
        changes: &[Change::AddColumn {
            table: "conversations",
            column: "test",
            declaration: "INTEGER NOT NULL DEFAULT 0",
        }],
    },
    Migration {
        about: "answers stored once: the text in flight checkpointed in `answers`, no delta rows",
        changes: &[Change::Sql(ANSWERS)],
    },
    Migration {
        about: "leases on background work (handoff deliveries, relays), one holder at a time",
        changes: &[Change::Sql(LEASES)],
    },
    Migration { about: "visitors' ratings of closed conversations", changes: &[Change::Sql(RATINGS)] },
    Migration {
        about: "files visitors attach, kept with their conversation",
        changes: &[Change::Sql(
            "CREATE TABLE files (
                id              TEXT PRIMARY KEY,
                conversation_id TEXT NOT NULL REFERENCES conversations(id),
                name            TEXT NOT NULL,
                content_type    TEXT NOT NULL,
                bytes           BLOB NOT NULL,
                created_at      INTEGER NOT NULL
            );
            CREATE INDEX files_by_conversation ON files (conversation_id);",
        )],
    },
    Migration {
        about: "seqs counted from the log; the conversation keeps only the floor older bridges left",
        changes: &[Change::Sql("ALTER TABLE conversations RENAME COLUMN last_seq TO seq_floor;")],
    },
    Migration {
        about: "decisions stored in the order they are made, found by their message through an index",
        changes: &[Change::Sql(DECISIONS_IN_ORDER)],
    },
];

/// Step 9. Keyed by conversation, a decision (700 bytes for the demo agent, five to a page)
/// went between two others on a page all over the file, splitting it every few inserts: a third
/// of the pages a message wrote. Numbered in the order they are made, new decisions fill the
/// last pages together; only the index's short entries go all over the file. Only the preview's
/// debug view and the export read them, a conversation at a time, through the index.
const DECISIONS_IN_ORDER: &str = "
CREATE TABLE decisions_in_order (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    visitor_seq     INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    body            TEXT NOT NULL
);
INSERT INTO decisions_in_order (conversation_id, visitor_seq, at, body)
    SELECT conversation_id, visitor_seq, at, body FROM decisions ORDER BY at, conversation_id, visitor_seq;
DROP TABLE decisions;
ALTER TABLE decisions_in_order RENAME TO decisions;
CREATE UNIQUE INDEX decisions_by_message ON decisions (conversation_id, visitor_seq);
";

/// The version this code writes.
pub(super) const CURRENT: u32 = MIGRATIONS.len() as u32;

/// Brings the database to [`CURRENT`]; the version it was at.
pub(super) fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    let found = version(conn)?;
    if found > CURRENT {
        return Err(StoreError::TooNew { found, known: CURRENT });
    }
    for (number, migration) in (1..).zip(MIGRATIONS) {
        // An immediate transaction takes the write lock before reading the version, so two
        // processes opening the same file cannot both run a step.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if version(&tx)? >= number {
            continue;
        }
        for change in migration.changes {
            match change {
                Change::Sql(sql) => tx.execute_batch(sql)?,
                Change::AddColumn { table, column, declaration } => {
                    add_column(&tx, table, column, declaration)?;
                }
            }
        }
        tx.pragma_update(None, "user_version", number)?;
        tx.commit()?;
        tracing::info!(version = number, about = migration.about, "database schema upgraded");
    }
    Ok(found)
}

fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Adds `column` to `table` unless it is there already.
fn add_column(conn: &Connection, table: &str, column: &str, declaration: &str) -> Result<(), StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
        params![table, column],
        |row| row.get(0),
    )?;
    if !exists {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {declaration}"))?;
    }
    Ok(())
}

/// Step 1's tables, as the last bridge before numbered steps created them.
const TABLES: &str = "
CREATE TABLE IF NOT EXISTS conversations (
    id          TEXT PRIMARY KEY,
    agent       TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    page_url    TEXT,
    page_title  TEXT,
    locale      TEXT,
    mode        TEXT NOT NULL DEFAULT 'ai',
    last_seq    INTEGER NOT NULL DEFAULT 0,
    answering   TEXT,
    email       TEXT,
    name        TEXT,
    user_id     TEXT,
    user_hash   TEXT,
    email_given INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS events (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    client_id       TEXT,
    body            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS handoffs (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    agent           TEXT NOT NULL,
    requested_at    INTEGER NOT NULL,
    name            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    clause          TEXT,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    visitor_told    INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    external_id     TEXT,
    settled_at      INTEGER,
    route           TEXT
);
CREATE TABLE IF NOT EXISTS decisions (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    visitor_seq     INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    body            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, visitor_seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intercom_links (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    handoff_id      INTEGER NOT NULL,
    contact_id      TEXT,
    contact_role    TEXT,
    creating_since  INTEGER,
    intercom_id     TEXT UNIQUE,
    noted           INTEGER NOT NULL DEFAULT 0,
    relayed_seq     INTEGER NOT NULL DEFAULT 0,
    posting_seq     INTEGER,
    joined_admin    TEXT
);
CREATE TABLE IF NOT EXISTS intercom_parts (
    part_id         TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    ours            INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS copilot_parts (
    part_key TEXT PRIMARY KEY,
    posted   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intercom_notifications (
    id          TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intercom_oauth_states (
    state      TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS intercom_connection (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    token          TEXT NOT NULL,
    workspace_id   TEXT,
    workspace_name TEXT,
    region         TEXT,
    admin_id       TEXT,
    connected_at   INTEGER NOT NULL
);
";

/// Step 3: the answers in flight get a table of checkpoints, filled from the deltas stored for
/// the answer each conversation was streaming (concatenated in seq order, as the bridges that
/// stored them rebuilt it); then every stored delta goes, of finished answers too (their
/// completion restates the whole text), and the column that named the answer in flight with it.
const ANSWERS: &str = "
CREATE TABLE answers (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    message_id      TEXT NOT NULL,
    started_seq     INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    text            TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO answers (conversation_id, message_id, started_seq, at, text)
SELECT c.id, c.answering,
       coalesce((SELECT max(e.seq) FROM events e WHERE e.conversation_id = c.id
                     AND e.body ->> '$.type' = 'agent_message_started'
                     AND e.body ->> '$.message_id' = c.answering), c.last_seq),
       coalesce((SELECT max(e.at) FROM events e WHERE e.conversation_id = c.id), c.created_at),
       coalesce((SELECT group_concat(e.body ->> '$.text', '' ORDER BY e.seq) FROM events e
                 WHERE e.conversation_id = c.id
                     AND e.body ->> '$.type' = 'agent_message_delta'
                     AND e.body ->> '$.message_id' = c.answering), '')
FROM conversations c WHERE c.answering IS NOT NULL;
DELETE FROM events WHERE body ->> '$.type' = 'agent_message_delta';
DROP INDEX IF EXISTS conversations_answering;
ALTER TABLE conversations DROP COLUMN answering;
";

/// Step 5: who holds each piece of background work, until when, and what is done for good.
const LEASES: &str = "
CREATE TABLE leases (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    job             TEXT NOT NULL,
    holder          TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    settled         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, job)
) WITHOUT ROWID;
";

/// Step 6: one rating per conversation, found by when it was given for the analytics.
const RATINGS: &str = "
CREATE TABLE ratings (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    rated_at        INTEGER NOT NULL,
    rating          TEXT NOT NULL,
    comment         TEXT
) WITHOUT ROWID;
CREATE INDEX ratings_by_time ON ratings (rated_at);
";

/// Step 1's indexes, made once every column they cover exists.
const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS conversations_answering ON conversations (answering) WHERE answering IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS events_by_client_id
    ON events (conversation_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS handoffs_pending ON handoffs (status) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS handoffs_by_agent ON handoffs (agent, requested_at);
CREATE INDEX IF NOT EXISTS handoffs_by_conversation ON handoffs (conversation_id);
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::log::append_in;
    use baton_protocol::{ConversationId, EventKind, Seq};

    fn columns(conn: &Connection, table: &str) -> Vec<String> {
        let mut statement = conn.prepare("SELECT name FROM pragma_table_info(?1)").expect("prepares");
        let names = statement.query_map([table], |row| row.get(0)).expect("reads");
        names.collect::<Result<_, _>>().expect("reads")
    }

    #[test]
    fn migrating_twice_changes_nothing_the_second_time() {
        let mut conn = Connection::open_in_memory().expect("opens");
        assert_eq!(migrate(&mut conn).expect("migrates"), 0);
        conn.execute_batch("INSERT INTO copilot_parts VALUES ('p', 1)").expect("writes");
        assert_eq!(migrate(&mut conn).expect("migrates again"), CURRENT);
        assert_eq!(version(&conn).expect("reads"), CURRENT);
        let kept: i64 =
            conn.query_row("SELECT count(*) FROM copilot_parts", [], |row| row.get(0)).expect("reads");
        assert_eq!(kept, 1);
    }

    /// An empty database at step 2, as the bridges that stored every delta left it.
    fn at_step_two() -> Connection {
        let conn = Connection::open_in_memory().expect("opens");
        conn.execute_batch(TABLES).expect("tables");
        conn.execute_batch(INDEXES).expect("indexes");
        conn.pragma_update(None, "user_version", 2).expect("version");
        conn
    }

    #[test]
    fn stored_deltas_become_the_checkpoint_of_an_unfinished_answer_and_go() {
        let mut conn = at_step_two();
        let event =
            |seq: u64, body: &str| format!("INSERT INTO events VALUES ('c1', {seq}, {seq}, NULL, '{body}');");
        let mut old = String::from(
            "INSERT INTO conversations (id, agent, token_hash, created_at, last_seq, answering)
             VALUES ('c1', 'demo', '00', 1, 7, 'm2');",
        );
        for (seq, body) in [
            (1, r#"{"type":"agent_message_started","message_id":"m1"}"#),
            (2, r#"{"type":"agent_message_delta","message_id":"m1","offset":0,"text":"Done"}"#),
            (3, r#"{"type":"agent_message_completed","message_id":"m1","text":"Done"}"#),
            (4, r#"{"type":"agent_message_started","message_id":"m2"}"#),
            (5, r#"{"type":"agent_message_delta","message_id":"m2","offset":0,"text":"Hel"}"#),
            (6, r#"{"type":"agent_message_delta","message_id":"m2","offset":3,"text":"lo "}"#),
            (7, r#"{"type":"agent_message_delta","message_id":"m2","offset":6,"text":"you"}"#),
        ] {
            old.push_str(&event(seq, body));
        }
        conn.execute_batch(&old).expect("an old log");
        migrate(&mut conn).expect("migrates");
        let answer: (String, u64, String) = conn
            .query_row(
                "SELECT message_id, started_seq, text FROM answers WHERE conversation_id = 'c1'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .expect("a checkpoint");
        assert_eq!(answer, ("m2".into(), 4, "Hello you".into()));
        let mut statement = conn.prepare("SELECT seq FROM events ORDER BY seq").expect("prepares");
        let kept: Vec<u64> = statement
            .query_map([], |row| row.get(0))
            .expect("reads")
            .collect::<Result<_, _>>()
            .expect("reads");
        assert_eq!(kept, [1, 3, 4], "no delta row is left");
        assert!(!columns(&conn, "conversations").iter().any(|name| name == "answering"));
        // Clients saw seqs up to 7 (the deltas'): the next event is 8, not 5.
        let id = ConversationId::from("c1");
        let next = append_in(&conn, &id, 8, EventKind::HandoffRequested, None).expect("appends");
        assert_eq!(next.seq, Seq(8));
        assert_eq!(append_in(&conn, &id, 9, EventKind::HandoffFailed, None).expect("appends").seq, Seq(9));
    }

    #[test]
    fn decisions_keep_their_rows_and_stay_one_per_visitor_message() {
        // A database at step 2, its decisions keyed by conversation.
        let mut conn = at_step_two();
        conn.execute_batch(
            "INSERT INTO conversations (id, agent, token_hash, created_at) VALUES ('c1', 'demo', '00', 1);
             INSERT INTO conversations (id, agent, token_hash, created_at) VALUES ('c2', 'demo', '00', 2);
             INSERT INTO decisions VALUES ('c2', 1, 5, 'second');
             INSERT INTO decisions VALUES ('c1', 4, 9, 'third');
             INSERT INTO decisions VALUES ('c1', 1, 3, 'first');",
        )
        .expect("old decisions");
        migrate(&mut conn).expect("migrates");
        let rows = |conn: &Connection| -> Vec<(String, u64, String)> {
            let mut statement = conn
                .prepare("SELECT conversation_id, visitor_seq, body FROM decisions ORDER BY id")
                .expect("prepares");
            let rows =
                statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).expect("reads");
            rows.collect::<Result<_, _>>().expect("reads")
        };
        let kept = rows(&conn);
        assert_eq!(
            kept,
            [
                ("c1".into(), 1, "first".into()),
                ("c2".into(), 1, "second".into()),
                ("c1".into(), 4, "third".into())
            ],
            "every decision, in the order it was made"
        );
        conn.execute_batch("INSERT OR REPLACE INTO decisions (conversation_id, visitor_seq, at, body) VALUES ('c1', 1, 10, 'again')")
            .expect("decides again");
        let after = rows(&conn);
        assert_eq!(after.len(), 3, "a message decided again keeps one decision: {after:?}");
        assert_eq!(after[2], ("c1".into(), 1, "again".into()));
    }

    #[test]
    fn a_database_from_a_newer_bridge_is_refused_untouched() {
        let mut conn = Connection::open_in_memory().expect("opens");
        conn.pragma_update(None, "user_version", CURRENT + 1).expect("writes");
        let refused = migrate(&mut conn).expect_err("refused");
        assert!(
            matches!(refused, StoreError::TooNew { found, known } if found == CURRENT + 1 && known == CURRENT)
        );
        assert!(refused.to_string().contains("newer"), "{refused}");
        assert!(columns(&conn, "conversations").is_empty(), "no table was made");
    }

    #[test]
    fn a_database_from_before_the_late_columns_gets_them_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().expect("opens");
        // The first bridge's conversations table.
        conn.execute_batch(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, agent TEXT NOT NULL, token_hash TEXT NOT NULL,
                 created_at INTEGER NOT NULL, page_url TEXT, page_title TEXT, locale TEXT,
                 mode TEXT NOT NULL DEFAULT 'ai', last_seq INTEGER NOT NULL DEFAULT 0);
             INSERT INTO conversations (id, agent, token_hash, created_at) VALUES ('c1', 'demo', '00', 1);",
        )
        .expect("an old database");
        migrate(&mut conn).expect("migrates");
        let names = columns(&conn, "conversations");
        for late in ["email", "name", "user_id", "user_hash", "email_given"] {
            assert!(names.iter().any(|name| name == late), "{late} in {names:?}");
        }
        assert!(columns(&conn, "handoffs").iter().any(|name| name == "route"));
        let kept: String =
            conn.query_row("SELECT agent FROM conversations", [], |row| row.get(0)).expect("reads");
        assert_eq!(kept, "demo");
    }
}
