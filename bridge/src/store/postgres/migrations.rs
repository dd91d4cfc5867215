//! The schema as numbered steps. `baton_schema` records how far a database is; opening runs the
//! steps it lacks in one transaction under an advisory lock, so two bridges starting together
//! do not both run a step, and refuses a database a newer bridge made. A change to the schema is
//! a new step at the end of [`MIGRATIONS`], never an edit of one that shipped.

use deadpool_postgres::Object;

use crate::store::StoreError;

/// The advisory lock the steps run under (any number the bridges agree on: "baton" in ASCII).
const LOCK: i64 = 0x0062_6174_6f6e;

/// Every step, oldest first: its number is its place, counting from 1.
const MIGRATIONS: &[(&str, &str)] = &[
    ("the tables of the seam as of issue 14", TABLES),
    ("the rate limits' buckets, shared by the bridges", BUCKETS),
    ("leases on background work (handoff deliveries, relays), one holder at a time", LEASES),
    ("visitors' ratings of closed conversations", RATINGS),
    ("the agents' settings, shared by the bridges", SETTINGS),
    ("files visitors attach, kept with their conversation", FILES),
];

/// The version this code writes.
pub(super) const CURRENT: u32 = MIGRATIONS.len() as u32;

/// Brings the database to [`CURRENT`]; the version it was at.
pub(super) async fn migrate(client: &mut Object) -> Result<u32, StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS baton_schema (version INTEGER NOT NULL);
         INSERT INTO baton_schema SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM baton_schema);",
    )
    .await?;
    let found: i32 = tx.query_one("SELECT version FROM baton_schema", &[]).await?.try_get(0)?;
    let found = u32::try_from(found).unwrap_or(0);
    if found > CURRENT {
        return Err(StoreError::TooNew { found, known: CURRENT });
    }
    for (number, (about, sql)) in (1..).zip(MIGRATIONS) {
        if number <= found {
            continue;
        }
        tx.batch_execute(sql).await?;
        tracing::info!(version = number, about, "database schema upgraded");
    }
    let current = i32::try_from(CURRENT).unwrap_or(i32::MAX);
    tx.execute("UPDATE baton_schema SET version = $1", &[&current]).await?;
    tx.commit().await?;
    Ok(found)
}

/// Step 3: who holds each piece of background work, until when (milliseconds on the database's
/// clock, which every bridge shares), and what is done for good.
const LEASES: &str = "
CREATE TABLE leases (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    job             TEXT NOT NULL,
    holder          TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    settled         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (conversation_id, job)
);
";

/// Step 1: the SQLite engine's tables as its step 4 left them, in PostgreSQL's types.
const TABLES: &str = "
CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    agent       TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    page_url    TEXT,
    page_title  TEXT,
    locale      TEXT,
    mode        TEXT NOT NULL DEFAULT 'ai',
    last_seq    BIGINT NOT NULL DEFAULT 0,
    email       TEXT,
    name        TEXT,
    user_id     TEXT,
    user_hash   TEXT,
    email_given BOOLEAN NOT NULL DEFAULT FALSE,
    test        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE events (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq             BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    client_id       TEXT,
    body            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX events_by_client_id ON events (conversation_id, client_id) WHERE client_id IS NOT NULL;
CREATE TABLE answers (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    message_id      TEXT NOT NULL,
    started_seq     BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    text            TEXT NOT NULL
);
CREATE TABLE handoffs (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    agent           TEXT NOT NULL,
    requested_at    BIGINT NOT NULL,
    name            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    clause          TEXT,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    visitor_told    BOOLEAN NOT NULL DEFAULT FALSE,
    last_error      TEXT,
    external_id     TEXT,
    settled_at      BIGINT,
    route           TEXT
);
CREATE INDEX handoffs_pending ON handoffs (status) WHERE status = 'pending';
CREATE INDEX handoffs_by_agent ON handoffs (agent, requested_at);
CREATE INDEX handoffs_by_conversation ON handoffs (conversation_id);
CREATE TABLE decisions (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    visitor_seq     BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    body            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, visitor_seq)
);
CREATE TABLE intercom_links (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    handoff_id      BIGINT NOT NULL,
    contact_id      TEXT,
    contact_role    TEXT,
    creating_since  BIGINT,
    intercom_id     TEXT UNIQUE,
    noted           BOOLEAN NOT NULL DEFAULT FALSE,
    relayed_seq     BIGINT NOT NULL DEFAULT 0,
    posting_seq     BIGINT,
    joined_admin    TEXT
);
CREATE TABLE intercom_parts (
    part_id         TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    ours            BOOLEAN NOT NULL
);
CREATE INDEX intercom_parts_by_conversation ON intercom_parts (conversation_id);
CREATE TABLE copilot_parts (
    part_key TEXT PRIMARY KEY,
    posted   BOOLEAN NOT NULL
);
CREATE TABLE intercom_notifications (
    id          TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
CREATE TABLE intercom_oauth_states (
    state      TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
CREATE TABLE intercom_connection (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    token          TEXT NOT NULL,
    workspace_id   TEXT,
    workspace_name TEXT,
    region         TEXT,
    admin_id       TEXT,
    connected_at   BIGINT NOT NULL
);
";

/// Step 2: one row per rate-limit bucket (`buckets.rs`).
const BUCKETS: &str = "
CREATE TABLE rate_buckets (
    key TEXT PRIMARY KEY,
    tat TIMESTAMPTZ NOT NULL
);
";

/// Step 4: one rating per conversation, found by when it was given for the analytics (the
/// SQLite engine's step 6).
const RATINGS: &str = "
CREATE TABLE ratings (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
    rated_at        BIGINT NOT NULL,
    rating          TEXT NOT NULL,
    comment         TEXT
);
CREATE INDEX ratings_by_time ON ratings (rated_at);
";

/// Step 5: the agents' settings document, one row (`settings.rs`).
const SETTINGS: &str = "
CREATE TABLE settings (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    document TEXT NOT NULL,
    version  BIGINT NOT NULL
);
";

/// Step 6: the files visitors attach (the SQLite engine's step 7).
const FILES: &str = "
CREATE TABLE files (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    bytes           BYTEA NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX files_by_conversation ON files (conversation_id);
";
