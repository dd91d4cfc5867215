//! Three bridge processes on one throw-away PostgreSQL: any bridge answers any request, a webhook
//! reaching one bridge reaches the streams open on another, and a handoff whose bridge is killed
//! mid-delivery is completed by another, once; the agents' settings changed through one bridge
//! are served by every bridge; bridges reach a database that requires TLS with its private CA,
//! and refuse it without.

use std::sync::Arc;
use std::time::Duration;

use baton_bridge::store::postgres::throwaway::Cluster;
use baton_protocol::{ConversationCreated, EventKind, MessageAccepted, Mode, Seq};
use serde_json::{json, Value};

use crate::helpers::{is_completed, Api, ADMIN_TOKEN};
use crate::intercom::{Workspace, SANDBOX_SECRET, SANDBOX_TOKEN};
use crate::process::BridgeProcess;

/// The key the bridges of a test share (any 64 hex digits; they must agree).
const KEY: &str = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

/// A database of its own on the shared cluster, and a folder for each bridge's agents file.
pub struct Shared {
    _cluster: Arc<Cluster>,
    url: String,
    dir: tempfile::TempDir,
}

impl Shared {
    pub fn new() -> Self {
        let cluster = Cluster::shared();
        let url = cluster.database();
        Self { _cluster: cluster, url, dir: tempfile::tempdir().expect("temp dir") }
    }

    /// Starts bridge `name` on the database; leases last two seconds, so a dead bridge's work
    /// is taken over quickly.
    async fn bridge(&self, name: &str, env: &[(&str, &str)]) -> BridgeProcess {
        self.paced(name, 0, env).await
    }

    /// The same, the demo agent streaming a piece every `pace_ms`.
    async fn paced(&self, name: &str, pace_ms: u64, env: &[(&str, &str)]) -> BridgeProcess {
        self.with_flags(name, pace_ms, &[], env).await
    }

    /// The same, with extra flags.
    pub async fn with_flags(
        &self,
        name: &str,
        pace_ms: u64,
        flags: &[&str],
        env: &[(&str, &str)],
    ) -> BridgeProcess {
        let folder = self.dir.path().join(name);
        std::fs::create_dir_all(&folder).expect("makes the folder");
        let flags: Vec<&str> = ["--lease-secs", "2"].into_iter().chain(flags.iter().copied()).collect();
        BridgeProcess::start_shared(&folder, (&self.url, KEY), pace_ms, &flags, env).await
    }
}

/// The environment that connects a bridge to the sandbox `workspace`.
fn intercom_env(workspace: &Workspace) -> Vec<(&'static str, String)> {
    vec![
        ("BATON_INTERCOM_BASE_URL", workspace.base.clone()),
        ("BATON_INTERCOM_TOKEN", SANDBOX_TOKEN.to_owned()),
        ("BATON_INTERCOM_CLIENT_ID", "sandbox-client".to_owned()),
        ("BATON_INTERCOM_CLIENT_SECRET", SANDBOX_SECRET.to_owned()),
    ]
}

async fn start_linked(shared: &Shared, name: &str, workspace: &Workspace) -> BridgeProcess {
    let env = intercom_env(workspace);
    let env: Vec<(&str, &str)> = env.iter().map(|(name, value)| (*name, value.as_str())).collect();
    shared.bridge(name, &env).await
}

/// Waits until `check` holds; a guard against a hang, not a measure: a minute.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn send(api: &Api, conversation: &ConversationCreated, client_id: &str, text: &str) -> Seq {
    let response = api.send(conversation, json!({"client_id": client_id, "text": text})).await;
    assert_eq!(response.status(), 202);
    response.json::<MessageAccepted>().await.expect("accepted").seq
}

fn notes(conversation: &Value) -> usize {
    let parts = conversation["conversation_parts"]["conversation_parts"].as_array().cloned();
    parts.unwrap_or_default().iter().filter(|part| part["part_type"] == "note").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_created_through_a_takes_messages_through_b_and_streams_from_c() {
    let shared = Shared::new();
    let (a, b, c) = tokio::join!(shared.bridge("a", &[]), shared.bridge("b", &[]), shared.bridge("c", &[]));
    let conversation = a.api.create_conversation().await;
    let mut stream = c.api.events(&conversation, Seq(0)).await;

    let first = send(&b.api, &conversation, "k1", "How long does shipping take?").await;
    let answered = stream.collect_until(is_completed).await;
    assert_eq!(answered[0].seq, first);
    assert!(
        matches!(&answered[0].kind, EventKind::VisitorMessage { text, .. } if text == "How long does shipping take?")
    );
    let retried = send(&c.api, &conversation, "k1", "How long does shipping take?").await;
    assert_eq!(retried, first, "the same message through another bridge is stored once");
    let second = send(&a.api, &conversation, "k2", "Do you ship to Canada?").await;
    let more = stream.collect_until(is_completed).await;
    assert_eq!(more[0].seq, second);

    let stored: Vec<u64> =
        answered.iter().chain(&more).filter(|e| !is_delta(&e.kind)).map(|e| e.seq.0).collect();
    assert_eq!(stored, (1..=stored.len() as u64).collect::<Vec<_>>(), "every seq once, in order, on C");
    let snapshot = b.api.snapshot(&conversation).await;
    assert_eq!(snapshot.last_seq.0, stored.len() as u64);
    let texts: Vec<&str> = snapshot.transcript.iter().map(|entry| entry.text.as_str()).collect();
    assert_eq!(texts.len(), 4, "two questions and their answers, once each: {texts:?}");
    assert_eq!((texts[0], texts[2]), ("How long does shipping take?", "Do you ship to Canada?"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teammates_reply_posted_to_b_reaches_the_stream_open_on_a() {
    let shared = Shared::new();
    let workspace = Workspace::start().await;
    let (a, b, c) = tokio::join!(
        start_linked(&shared, "a", &workspace),
        start_linked(&shared, "b", &workspace),
        start_linked(&shared, "c", &workspace),
    );
    workspace.sandbox.set_webhook_url(Some(b.api.url("/v1/intercom/webhooks")));
    let conversation = a.api.create_conversation_as_ada().await;
    let mut stream = a.api.events(&conversation, Seq(0)).await;
    send(&a.api, &conversation, "k1", "Can I talk to a person please?").await;
    stream.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;

    let all = workspace.conversations().await;
    assert_eq!(all.len(), 1);
    let id = all[0]["id"].as_str().expect("id");
    workspace.admin_reply(id, "991001", "comment", "Hi Ada, I'm Ana. Let me check that.").await;
    let events = stream.collect_until(|kind| matches!(kind, EventKind::TeammateMessage { .. })).await;
    let Some(EventKind::TeammateMessage { text, teammate, .. }) = events.last().map(|e| &e.kind) else {
        unreachable!()
    };
    assert_eq!(text, "Hi Ada, I'm Ana. Let me check that.");
    assert_eq!(teammate.name, "Ana Torres");
    // Every notification B had, delivered again to A and C (Intercom retries; a load balancer
    // sends each try anywhere): each bridge accepts it, none handles it again.
    let sent = workspace.sandbox.notifications();
    assert!(sent.iter().any(|notification| notification.delivered), "B took the webhooks");
    let http = reqwest::Client::new();
    for notification in &sent {
        for bridge in [&a, &c] {
            let again = http
                .post(bridge.api.url("/v1/intercom/webhooks"))
                .header("content-type", "application/json")
                .header("X-Hub-Signature", &notification.signature)
                .body(notification.body.clone())
                .send()
                .await
                .expect("completes");
            assert_eq!(again.status(), 200);
        }
    }
    workspace.admin_reply(id, "991001", "comment", "Found it: it ships today.").await;
    let later = stream.collect_until(|kind| matches!(kind, EventKind::TeammateMessage { .. })).await;
    let texts: Vec<&str> = later
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::TeammateMessage { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["Found it: it ships today."], "the first reply came once");
    let snapshot = b.api.snapshot(&conversation).await;
    let replies = snapshot.transcript.iter().filter(|entry| entry.text.starts_with("Hi Ada")).count();
    assert_eq!(replies, 1);
}

/// The bridge delivering a handoff is killed after Intercom created the conversation and before
/// the bridge recorded it (the sandbox withholds its answer). Another bridge takes the lease
/// over, finds the conversation rather than making a second, and posts the one note.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_whose_bridge_is_killed_mid_delivery_is_completed_by_another_once() {
    let shared = Shared::new();
    let workspace = Workspace::start().await;
    workspace
        .control(reqwest::Method::POST, "/holds", Some(json!({"method": "POST", "path": "/conversations"})))
        .await;
    let (a, b, _c) = tokio::join!(
        start_linked(&shared, "a", &workspace),
        start_linked(&shared, "b", &workspace),
        start_linked(&shared, "c", &workspace),
    );
    // The message reaches A, so A starts the handoff and claims its lease.
    let conversation = a.api.create_conversation_as_ada().await;
    send(&a.api, &conversation, "k1", "Can I talk to a person please?").await;
    eventually("A's creation of the Intercom conversation to be held", async || {
        (workspace.sandbox.held() == 1).then_some(())
    })
    .await;
    assert_eq!(workspace.conversations().await.len(), 1, "Intercom has the conversation");

    a.kill_9().await;
    // Another bridge takes the lease over once it expires (two seconds), with no restart.
    eventually("another bridge to complete the handoff", async || {
        (b.api.snapshot(&conversation).await.mode == Mode::Waiting).then_some(())
    })
    .await;
    let events = b.api.events(&conversation, Seq(0)).await.collect_until(is_connected).await;
    assert_eq!(events.iter().filter(|e| is_connected(&e.kind)).count(), 1);

    let all = workspace.conversations().await;
    assert_eq!(all.len(), 1, "one Intercom conversation: {all:?}");
    let id = all[0]["id"].as_str().expect("id");
    assert_eq!(notes(&workspace.conversation(id).await), 1, "one note");
    assert_eq!(workspace.sandbox.held(), 1, "only A's creation was held");
    let requests = workspace.control(reqwest::Method::GET, "/requests", None).await;
    let searches = requests
        .as_array()
        .map(|all| all.iter().filter(|request| request["path"] == "/conversations/search").count());
    assert_eq!(searches, Some(1), "one bridge, the one that took the lease over, looked for it");
    workspace.assert_requests_conform().await;
}

/// A bridge starting while another streams an answer finds it in flight, and leaves it to the
/// bridge whose turn lease is live: the answer is completed once, its text sent once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_started_mid_answer_leaves_the_answer_to_the_bridge_writing_it() {
    let shared = Shared::new();
    let a = shared.paced("a", 150, &[]).await;
    let conversation = a.api.create_conversation().await;
    let mut stream = a.api.events(&conversation, Seq(0)).await;
    send(&a.api, &conversation, "k1", "How do I brew a pour-over?").await;
    let mut first = Vec::new();
    while first.iter().filter(|e: &&baton_protocol::Event| is_delta(&e.kind)).count() < 2 {
        first.push(stream.next().await);
    }
    let b = shared.paced("b", 150, &[]).await;
    assert!(b.api.snapshot(&conversation).await.transcript.len() == 1, "B started mid-answer");
    first.extend(stream.collect_until(is_completed).await);
    // A second question through B, answered after the first: anything B did with the first
    // answer would be stored before this one's.
    send(&b.api, &conversation, "k2", "Do you ship to Canada?").await;
    let second = stream.collect_until(is_completed).await;

    let mut replay = b.api.events(&conversation, Seq(0)).await;
    let all = replay
        .collect_until(
            |kind| matches!(kind, EventKind::AgentMessageCompleted { text, .. } if !text.contains("Bloom")),
        )
        .await;
    let kinds: Vec<&str> = all
        .iter()
        .filter(|e| !is_delta(&e.kind))
        .map(|e| match &e.kind {
            EventKind::VisitorMessage { .. } => "visitor",
            EventKind::AgentMessageStarted { .. } => "started",
            EventKind::AgentMessageCompleted { .. } => "completed",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["visitor", "started", "completed", "visitor", "started", "completed"], "{all:?}");
    let completions: Vec<&EventKind> =
        all.iter().map(|e| &e.kind).filter(|kind| is_completed(kind)).collect();
    assert_eq!(completions.len(), 2, "one completion per question: {completions:?}");
    let starts = all.iter().filter(|e| matches!(e.kind, EventKind::AgentMessageStarted { .. })).count();
    assert_eq!(starts, 2);
    let mut streamed = String::new();
    for event in &first {
        if let EventKind::AgentMessageDelta { offset, text, .. } = &event.kind {
            assert_eq!(*offset, streamed.len(), "no gap and no byte twice");
            streamed.push_str(text);
        }
    }
    let EventKind::AgentMessageCompleted { text, .. } = completions[0] else { unreachable!() };
    assert_eq!(&streamed, text);
    assert!(second.iter().any(|e| is_completed(&e.kind)));
}

fn is_connected(kind: &EventKind) -> bool {
    matches!(kind, EventKind::HandoffConnected { .. })
}

fn is_delta(kind: &EventKind) -> bool {
    matches!(kind, EventKind::AgentMessageDelta { .. })
}

/// The greeting `bridge` shows the widget for `agent`, `None` while it has no such agent.
async fn greeting(bridge: &BridgeProcess, agent: &str) -> Option<String> {
    let response = bridge.api.http.get(bridge.api.url(&format!("/v1/agents/{agent}"))).send().await.ok()?;
    let profile: Value = response.error_for_status().ok()?.json().await.ok()?;
    profile["greeting"].as_str().map(str::to_owned)
}

/// An admin changes the demo agent's greeting through A: B serves the new greeting without a
/// restart, and so does a bridge started afterwards; two admins adding agents through A and B
/// at once both keep their agent (the later save re-reads the earlier one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_change_through_one_bridge_reaches_every_bridge() {
    let shared = Shared::new();
    let admin = [("BATON_ADMIN_TOKEN", ADMIN_TOKEN)];
    let (a, b) = tokio::join!(shared.bridge("a", &admin), shared.bridge("b", &admin));
    let (status, mut demo) = a.api.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    assert_eq!(status, 200, "{demo}");
    let changed = "Hello from every bridge! Ask me about brewing.";
    demo["greeting"] = json!(changed);
    let (status, body) = a.api.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(greeting(&a, "demo").await.as_deref(), Some(changed));
    eventually("B serves the new greeting", async || {
        (greeting(&b, "demo").await.as_deref() == Some(changed)).then_some(())
    })
    .await;
    let c = shared.bridge("c", &admin).await;
    assert_eq!(
        greeting(&c, "demo").await.as_deref(),
        Some(changed),
        "a later bridge starts from the database"
    );

    let agent = |greeting: &str| {
        let mut agent = demo.clone();
        agent["greeting"] = json!(greeting);
        Some(agent)
    };
    let (on_a, on_b) = tokio::join!(
        a.api.admin(reqwest::Method::PUT, "/v1/admin/agents/north", agent("North here.")),
        b.api.admin(reqwest::Method::PUT, "/v1/admin/agents/south", agent("South here.")),
    );
    assert_eq!((on_a.0, on_b.0), (200, 200), "{on_a:?} {on_b:?}");
    for (name, expected) in [("north", "North here."), ("south", "South here.")] {
        eventually("C serves both new agents", async || {
            (greeting(&c, name).await.as_deref() == Some(expected)).then_some(())
        })
        .await;
    }
    let (_, listed) = c.api.admin(reqwest::Method::GET, "/v1/admin/agents", None).await;
    let mut ids: Vec<&String> = listed["agents"].as_object().expect("agents").keys().collect();
    ids.sort();
    assert_eq!(ids, ["demo", "north", "south"]);
}

/// Two bridges on a database that requires TLS (`?sslmode=require`), trusting its private CA
/// through `BATON_DATABASE_CA_FILE`: a message sent through one is answered on the stream open
/// on the other. Without the CA file a bridge does not start, and says which database refused
/// and what to give it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridges_reach_a_database_requiring_tls_through_its_private_ca_and_refuse_it_without() {
    let cluster = Cluster::start_tls();
    let url = format!("{}?sslmode=require", cluster.database());
    let ca = cluster.ca_file();
    let env = [("BATON_DATABASE_CA_FILE", ca.to_str().expect("a UTF-8 path"))];
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for folder in [&a, &b] {
        std::fs::create_dir_all(folder).expect("makes the folder");
    }
    let (a, b) = tokio::join!(
        BridgeProcess::start_shared(&a, (&url, KEY), 0, &[], &env),
        BridgeProcess::start_shared(&b, (&url, KEY), 0, &[], &env)
    );
    let conversation = a.api.create_conversation().await;
    let mut stream = b.api.events(&conversation, Seq(0)).await;
    let seq = send(&a.api, &conversation, "k1", "Is this encrypted?").await;
    let answered = stream.collect_until(is_completed).await;
    assert_eq!(answered[0].seq, seq);

    let refused = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton-bridge"))
        .args(["--addr", "127.0.0.1:0", "--database-url", &url, "--secret-key", KEY])
        .arg("--config")
        .arg(dir.path().join("refused.toml"))
        .env_remove("BATON_DATABASE_CA_FILE")
        .output()
        .await
        .expect("the bridge runs");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    let database = url.rsplit_once('@').expect("has a user").1.trim_end_matches("?sslmode=require");
    assert!(stderr.contains(database) && stderr.contains("--database-ca-file"), "{stderr}");
}
