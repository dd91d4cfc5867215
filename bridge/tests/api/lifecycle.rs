//! A conversation's data over its life: exported and erased through the admin API, deleted past
//! the retention, and a database written by an earlier bridge opened with everything in it.

use std::path::Path;
use std::time::Duration;

use baton_bridge::conversations::now_millis;
use baton_bridge::store::sqlite::Store;
use baton_bridge::store::ConversationRecord;
use baton_protocol::{AgentId, Author, ConversationCreated, ConversationId, EventKind, Seq};
use reqwest::Method;
use rusqlite::types::Value as Column;
use serde_json::json;

use crate::helpers::{is_completed, spawn_app_with, Setup};
use crate::intercom::linked;
use crate::process::BridgeProcess;

/// Every row of every table in the database at `path` that holds `needle` in a text column.
fn rows_mentioning(path: &Path, needle: &str) -> Vec<String> {
    let db = rusqlite::Connection::open(path).expect("opens the database");
    let mut tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").expect("prepares");
    let tables: Vec<String> =
        tables.query_map([], |row| row.get(0)).expect("lists").collect::<Result<_, _>>().expect("lists");
    assert!(tables.len() >= 10, "every table is scanned: {tables:?}");
    let mut found = Vec::new();
    for table in tables {
        let mut rows = db.prepare(&format!("SELECT * FROM \"{table}\"")).expect("prepares");
        let width = rows.column_count();
        let mut rows = rows.query([]).expect("reads");
        while let Some(row) = rows.next().expect("reads") {
            for column in 0..width {
                if let Column::Text(text) = row.get::<_, Column>(column).expect("reads") {
                    if text.contains(needle) {
                        found.push(format!("{table}: {text}"));
                    }
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn an_erased_conversation_is_in_no_table_and_its_token_and_stream_stop_working() {
    let (app, workspace) = linked().await;
    let kept = app.create_conversation().await;
    let conversation = app.create_conversation_as_ada().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "How long does shipping take?"})).await;
    events.collect_until(is_completed).await;
    app.send(&conversation, json!({"client_id": "b", "text": "Can I talk to a person please?"})).await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;
    let db = app.dir.path().join("baton.db");
    assert!(!rows_mentioning(&db, &conversation.id.0).is_empty(), "the scan finds a live conversation");

    let path = format!("/v1/admin/conversations/{}", conversation.id);
    let (status, export) = app.admin(Method::GET, &format!("{path}/export"), None).await;
    assert_eq!(status, 200);
    assert_eq!(export["id"], conversation.id.0);
    assert_eq!(export["visitor"]["email"], "ada@example.com");
    assert_eq!(export["events"][0]["text"], "How long does shipping take?");
    assert_eq!(export["handoffs"].as_array().map(Vec::len), Some(1));
    assert!(!export["decisions"].as_array().expect("decisions").is_empty());
    let intercom_id = export["intercom"]["conversation_id"].as_str().expect("the Intercom conversation");
    assert_eq!(workspace.conversations().await[0]["id"], intercom_id);
    assert!(export.get("token_hash").is_none(), "{export}");

    let (status, _) = app.admin(Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    assert!(events.rest().await.is_empty(), "the open stream ended");
    assert_eq!(rows_mentioning(&db, &conversation.id.0), Vec::<String>::new());
    assert_eq!(rows_mentioning(&db, "How long does shipping take?"), Vec::<String>::new());
    for request in [
        app.http.get(app.url(&format!("/v1/conversations/{}", conversation.id))),
        app.http.get(app.url(&format!("/v1/conversations/{}/events", conversation.id))),
        app.http
            .post(app.url(&format!("/v1/conversations/{}/messages", conversation.id)))
            .json(&json!({"client_id": "c", "text": "still there?"})),
    ] {
        let response = request.bearer_auth(&conversation.token).send().await.expect("completes");
        assert_eq!(response.status(), 401);
    }
    assert_eq!(app.admin(Method::DELETE, &path, None).await.0, 404);
    assert_eq!(app.admin(Method::GET, &format!("{path}/export"), None).await.0, 404);
    assert_eq!(app.snapshot(&kept).await.id, kept.id, "other conversations stay");
}

/// The conversation in the fixture, made by the bridge of commit 6be8b55 through its HTTP API.
fn fixture_conversation() -> ConversationCreated {
    ConversationCreated {
        id: "477feaa913d12454a10d09500971951b".into(),
        token: "18175e85aea9035f5f7dc467bd52427d0c53b6937e650059524d0927a0f427e5".into(),
    }
}

#[tokio::test]
async fn a_database_from_the_bridge_before_numbered_migrations_opens_with_all_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/baton-6be8b55.sql");
    let dump = std::fs::read_to_string(fixture).expect("reads the fixture");
    rusqlite::Connection::open(dir.path().join("baton.db"))
        .and_then(|old| old.execute_batch(&dump))
        .expect("the old bridge's database is rebuilt from its dump");
    let app = spawn_app_with(Setup { dir: Some(dir), ..Setup::default() }).await;
    let conversation = fixture_conversation();

    let snapshot = app.snapshot(&conversation).await;
    let transcript: Vec<(&Author, &str)> =
        snapshot.transcript.iter().map(|entry| (&entry.author, &entry.text[..])).collect();
    assert_eq!(transcript.len(), 3, "{transcript:?}");
    assert_eq!(transcript[0], (&Author::Visitor, "How do I cancel my subscription?"));
    assert_eq!(transcript[2], (&Author::Visitor, "Thanks. Can I talk to a human please?"));
    let events =
        app.events(&conversation, Seq(0)).await.collect_until(|kind| *kind == EventKind::HandoffFailed).await;
    // The upgrade drops the deltas the old bridge stored (22, of finished answers: their
    // completions restate the text); every other event is kept, with its seq.
    assert_eq!(events.len(), 6, "every event but the stored deltas");
    assert!(!events.iter().any(|event| matches!(event.kind, EventKind::AgentMessageDelta { .. })));
    assert_eq!(events.last().map(|event| event.seq), Some(Seq(28)));
    let (status, decisions) =
        app.admin(Method::GET, &format!("/v1/admin/conversations/{}/decisions", conversation.id), None).await;
    assert_eq!(status, 200);
    assert_eq!(decisions["handoffs"][0]["status"], "failed");
    assert_eq!(decisions["decisions"].as_array().map(Vec::len), Some(2));

    let (status, export) =
        app.admin(Method::GET, &format!("/v1/admin/conversations/{}/export", conversation.id), None).await;
    assert_eq!(status, 200);
    assert_eq!(export["visitor"]["name"], "Ada Lovelace");
    let sent = app.send(&conversation, json!({"client_id": "c", "text": "Hello again"})).await;
    assert_eq!(sent.status(), 202, "new writes work");
    assert_eq!(app.snapshot(&conversation).await.last_seq, Seq(29));
    let fresh = app.create_conversation().await;
    assert_eq!(app.snapshot(&fresh).await.id, fresh.id);
}

/// Stores a conversation of the demo agent that started, and last did anything, at `at`.
fn stored_conversation(store: &mut Store, id: &str, at: i64) {
    let record = ConversationRecord::new(ConversationId::from(id), AgentId::from("demo"), "00".into());
    store.create_conversation(&record, at).expect("creates");
}

#[tokio::test]
async fn a_bridge_started_with_a_retention_deletes_what_is_older_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("baton.db");
    let day = 24 * 3600 * 1000;
    let mut store = Store::open(&db).expect("opens");
    stored_conversation(&mut store, "idle-for-a-week", now_millis() - 7 * day);
    stored_conversation(&mut store, "idle-for-an-hour", now_millis() - day / 24);
    drop(store);

    let _bridge = BridgeProcess::start_with_flags(&db, 0, &["--retention-days", "2"]).await;
    let reader = rusqlite::Connection::open(&db).expect("opens");
    let count = |id: &str| -> i64 {
        reader
            .query_row("SELECT count(*) FROM conversations WHERE id = ?1", [id], |row| row.get(0))
            .expect("reads")
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while count("idle-for-a-week") > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the sweep at start deleted nothing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(count("idle-for-an-hour"), 1, "a conversation inside the retention stays");
}
