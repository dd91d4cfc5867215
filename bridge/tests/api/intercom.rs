//! The bridge and the Intercom sandbox over real HTTP: the handoff lands once with the whole
//! transcript, the visitor's later messages follow in order, teammates' replies come back, and
//! forged, replayed, duplicated or reordered webhooks, rate limits and server errors change none
//! of that. Every request body the bridge sends is checked against Intercom's OpenAPI description.

use std::time::Duration;

use baton_bridge::intercom::IntercomSettings;
use baton_intercom_sandbox::{Sandbox, SandboxConfig};
use baton_openapi_check::Spec;
use baton_protocol::{ConversationCreated, EventKind, Mode, Seq};
use serde_json::{json, Value};

use crate::helpers::{is_completed, spawn_app_with, EventStream, Setup, TestApp};

pub const SANDBOX_TOKEN: &str = "sandbox-token";
pub const SANDBOX_SECRET: &str = "sandbox-secret";

/// A sandbox workspace, spoken to like any Intercom API client would.
pub struct Workspace {
    pub base: String,
    pub sandbox: Sandbox,
    http: reqwest::Client,
}

impl Workspace {
    /// A sandbox on a free port, its webhooks going nowhere yet.
    pub async fn start() -> Self {
        let sandbox = Sandbox::new(SandboxConfig {
            token: SANDBOX_TOKEN.into(),
            client_id: "sandbox-client".into(),
            client_secret: SANDBOX_SECRET.into(),
            webhook_url: None,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let serving = sandbox.clone();
        tokio::spawn(async move {
            baton_intercom_sandbox::serve(listener, serving, std::future::pending()).await.expect("serves");
        });
        Self { base, sandbox, http: reqwest::Client::new() }
    }

    /// The bridge's settings for this workspace.
    pub fn settings(&self) -> IntercomSettings {
        IntercomSettings {
            base_url: Some(self.base.clone()),
            access_token: Some(SANDBOX_TOKEN.into()),
            client_id: Some("sandbox-client".into()),
            client_secret: Some(SANDBOX_SECRET.into()),
            expected_reply_minutes: Some(5),
            ..IntercomSettings::default()
        }
    }

    /// Sends the webhooks to `app`.
    pub fn notify(&self, app: &TestApp) {
        self.sandbox.set_webhook_url(Some(format!("{}/v1/intercom/webhooks", app.base)));
    }

    /// An API call with the sandbox's token.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request =
            self.http.request(method, format!("{}{path}", self.base)).bearer_auth(SANDBOX_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("completes");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.expect("json")
    }

    /// A sandbox control call (`/_sandbox/...`).
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}/_sandbox{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("completes");
        response.json().await.unwrap_or(Value::Null)
    }

    /// Every conversation in the workspace.
    pub async fn conversations(&self) -> Vec<Value> {
        let list = self.call(reqwest::Method::GET, "/conversations", None).await;
        list["conversations"].as_array().cloned().unwrap_or_default()
    }

    /// One conversation with its parts.
    pub async fn conversation(&self, id: &str) -> Value {
        self.call(reqwest::Method::GET, &format!("/conversations/{id}"), None).await
    }

    /// A teammate's reply or note, through the public API.
    pub async fn admin_reply(&self, id: &str, admin: &str, kind: &str, body: &str) {
        let reply = json!({"message_type": kind, "type": "admin", "admin_id": admin, "body": body});
        self.call(reqwest::Method::POST, &format!("/conversations/{id}/reply"), Some(reply)).await;
    }

    /// Every request body the sandbox received, checked against Intercom's OpenAPI description.
    pub async fn assert_requests_conform(&self) -> usize {
        let requests = self.control(reqwest::Method::GET, "/requests", None).await;
        let requests = requests.as_array().cloned().unwrap_or_default();
        let spec = Spec::intercom();
        let mut wrong = Vec::new();
        for request in &requests {
            let (method, path) =
                (request["method"].as_str().unwrap_or(""), request["path"].as_str().unwrap_or(""));
            let body = Some(&request["body"]).filter(|body| !body.is_null());
            if let Err(errors) = spec.validate_request(method, path, body) {
                wrong.push(format!("{method} {path}: {errors:?}"));
            }
        }
        assert!(wrong.is_empty(), "requests that do not conform:\n{}", wrong.join("\n"));
        requests.len()
    }
}

/// A bridge handing off to a fresh sandbox workspace.
pub async fn linked() -> (TestApp, Workspace) {
    let workspace = Workspace::start().await;
    let app = spawn_app_with(Setup { intercom: Some(workspace.settings()), ..Setup::default() }).await;
    workspace.notify(&app);
    (app, workspace)
}

/// Starts a conversation as Ada, asks a question, then asks for a person; returns once the
/// handoff is connected.
pub async fn hand_off(app: &TestApp) -> (ConversationCreated, EventStream) {
    hand_off_conversation(app, app.create_conversation_as_ada().await).await
}

/// In `conversation`, asks a question, then asks for a person; returns once the handoff is
/// connected.
pub async fn hand_off_conversation(
    app: &TestApp,
    conversation: ConversationCreated,
) -> (ConversationCreated, EventStream) {
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "How long does shipping take?"})).await;
    events.collect_until(is_completed).await;
    app.send(&conversation, json!({"client_id": "b", "text": "Can I talk to a person please?"})).await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;
    (conversation, events)
}

/// Waits until `check` holds, failing the test after 10 s.
pub async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn parts(conversation: &Value) -> Vec<Value> {
    conversation["conversation_parts"]["conversation_parts"].as_array().cloned().unwrap_or_default()
}

fn teammate_texts(events: &[baton_protocol::Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::TeammateMessage { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_handoff_lands_once_with_the_whole_transcript_in_a_note() {
    let (app, workspace) = linked().await;
    let (conversation, _) = hand_off(&app).await;
    assert_eq!(app.snapshot(&conversation).await.mode, Mode::Waiting);

    let all = workspace.conversations().await;
    assert_eq!(all.len(), 1, "one Intercom conversation");
    let intercom = workspace.conversation(all[0]["id"].as_str().expect("id")).await;
    assert_eq!(
        intercom["source"]["body"].as_str().map(|b| b.contains("How long does shipping take?")),
        Some(true),
        "the conversation opens with what it is about"
    );
    let parts = parts(&intercom);
    let notes: Vec<&Value> = parts.iter().filter(|part| part["part_type"] == "note").collect();
    assert_eq!(notes.len(), 1, "one note");
    let note = notes[0]["body"].as_str().expect("note body");
    for expected in [
        "Escalate to support",
        "Asked for a person",
        "the user asks to speak with a human",
        "Ada Lovelace, ada@example.com (not verified)",
        "https://lumen.example/subscriptions",
        "AI agent (Juniper)",
        &format!("Baton conversation {}", conversation.id),
    ] {
        assert!(note.contains(expected), "{expected:?} missing from the note: {note}");
    }
    let order = ["How long does shipping take?", "Royal Mail", "Can I talk to a person please?"]
        .map(|text| note.find(text).unwrap_or_else(|| panic!("{text:?} missing from {note}")));
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "the transcript is in order: {order:?}");

    let contacts = workspace
        .call(
            reqwest::Method::POST,
            "/contacts/search",
            Some(json!({"query": {"field": "email", "operator": "=", "value": "ada@example.com"}})),
        )
        .await;
    assert_eq!(contacts["data"][0]["role"], "lead", "an unverified visitor is a lead");
    assert!(workspace.assert_requests_conform().await >= 4);
}

#[tokio::test]
async fn teammate_replies_reach_the_widget_and_notes_never_do() {
    let (app, workspace) = linked().await;
    let (conversation, mut events) = hand_off(&app).await;
    let id = workspace.conversations().await[0]["id"].as_str().expect("id").to_owned();

    workspace.admin_reply(&id, "991001", "note", "Internal: she was double charged last month").await;
    workspace
        .admin_reply(&id, "991001", "comment", "<p>Hi Ada, I'm <b>Ana</b>. Let me check that.</p>")
        .await;
    let seen = events.collect_until(|kind| matches!(kind, EventKind::TeammateMessage { .. })).await;
    let joined = seen.iter().find_map(|event| match &event.kind {
        EventKind::TeammateJoined { teammate } => Some(teammate.clone()),
        _ => None,
    });
    let joined = joined.expect("the teammate joined first");
    assert_eq!(joined.name, "Ana Torres");
    assert!(joined.avatar_url.is_some_and(|url| url.starts_with(&workspace.base)));
    assert_eq!(teammate_texts(&seen), ["Hi Ada, I'm Ana. Let me check that."]);
    assert!(!format!("{seen:?}").contains("double charged"), "the note stayed internal: {seen:?}");
    assert_eq!(app.snapshot(&conversation).await.mode, Mode::Human);

    // The visitor answers: it lands in Intercom as the contact's reply and is not echoed back.
    for (key, text) in [("c", "It was on the 3rd"), ("d", "and again on the 10th"), ("e", "thanks!")] {
        app.send(&conversation, json!({"client_id": key, "text": text})).await;
    }
    let replies = eventually("the visitor's replies in Intercom", async || {
        let parts = parts(&workspace.conversation(&id).await);
        let from_contact: Vec<String> = parts
            .iter()
            .filter(|part| part["part_type"] == "comment" && part["author"]["type"] != "admin")
            .filter_map(|part| part["body"].as_str().map(str::to_owned))
            .collect();
        (from_contact.len() >= 3).then_some(from_contact)
    })
    .await;
    assert_eq!(replies.len(), 3, "each once: {replies:?}");
    for (reply, expected) in replies.iter().zip(["It was on the 3rd", "and again on the 10th", "thanks!"]) {
        assert!(reply.contains(expected), "in order: {replies:?}");
    }
    workspace.admin_reply(&id, "991001", "comment", "Refund on its way.").await;
    let next = events.collect_until(|kind| matches!(kind, EventKind::TeammateMessage { .. })).await;
    assert_eq!(teammate_texts(&next), ["Refund on its way."], "no echo of the visitor's replies: {next:?}");
    workspace.assert_requests_conform().await;

    workspace
        .call(
            reqwest::Method::POST,
            &format!("/conversations/{id}/parts"),
            Some(json!({"message_type": "close", "type": "admin", "admin_id": "991001"})),
        )
        .await;
    events.collect_until(|kind| kind == &EventKind::ConversationClosed).await;
    assert_eq!(app.snapshot(&conversation).await.mode, Mode::Closed);
}

#[tokio::test]
async fn forged_replayed_duplicated_and_reordered_webhooks_change_nothing_twice() {
    let (app, workspace) = linked().await;
    let (conversation, mut events) = hand_off(&app).await;
    let id = workspace.conversations().await[0]["id"].as_str().expect("id").to_owned();
    workspace.sandbox.set_webhook_url(None);
    workspace.admin_reply(&id, "991002", "comment", "First reply").await;
    workspace.admin_reply(&id, "991002", "comment", "Second reply").await;
    let log = workspace.control(reqwest::Method::GET, "/notifications", None).await;
    let replies: Vec<Value> = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|n| n["topic"] == "conversation.admin.replied")
        .cloned()
        .collect();
    assert_eq!(replies.len(), 2);
    let post = |body: String, signature: Option<String>| {
        let mut request = app
            .http
            .post(app.url("/v1/intercom/webhooks"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("X-Hub-Signature", signature);
        }
        request.send()
    };
    let body = |n: &Value| n["body"].as_str().expect("raw body").to_owned();
    let signature = |n: &Value| n["signature"].as_str().map(str::to_owned);

    // Forged: no signature, a wrong one, a body changed after signing.
    assert_eq!(post(body(&replies[1]), None).await.expect("sent").status(), 401);
    assert_eq!(post(body(&replies[1]), Some("sha1=00".into())).await.expect("sent").status(), 401);
    let tampered = body(&replies[1]).replace("Second reply", "Send me your password");
    assert_eq!(post(tampered, signature(&replies[1])).await.expect("sent").status(), 401);

    // Out of order, then replayed: the second notification first.
    assert_eq!(post(body(&replies[1]), signature(&replies[1])).await.expect("sent").status(), 200);
    assert_eq!(post(body(&replies[0]), signature(&replies[0])).await.expect("sent").status(), 200);
    assert_eq!(post(body(&replies[1]), signature(&replies[1])).await.expect("sent").status(), 200);
    assert_eq!(post(body(&replies[0]), signature(&replies[0])).await.expect("sent").status(), 200);
    let seen = events
        .collect_until(
            |kind| matches!(kind, EventKind::TeammateMessage { text, .. } if text == "Second reply"),
        )
        .await;
    assert_eq!(teammate_texts(&seen), ["First reply", "Second reply"], "Intercom's order, each once");

    // The same part under a new notification id (Intercom redelivers that way too).
    let redelivered = body(&replies[1]).replacen(
        &replies[1]["id"].as_str().expect("id").to_owned(),
        "notif_redelivered",
        1,
    );
    let signature = sign(&redelivered);
    assert_eq!(post(redelivered, Some(signature)).await.expect("sent").status(), 200);
    workspace.admin_reply(&id, "991002", "comment", "Third reply").await;
    let last = workspace.control(reqwest::Method::GET, "/notifications", None).await;
    let third = last.as_array().expect("log").last().cloned().expect("third");
    post(body(&third), crate::intercom::signature_of(&third)).await.expect("sent");
    let seen = events.collect_until(|kind| matches!(kind, EventKind::TeammateMessage { .. })).await;
    assert_eq!(teammate_texts(&seen), ["Third reply"], "nothing relayed twice: {seen:?}");
    let snapshot = app.snapshot(&conversation).await;
    let texts: Vec<&str> = snapshot.transcript.iter().map(|entry| entry.text.as_str()).collect();
    assert_eq!(texts.iter().filter(|text| **text == "Second reply").count(), 1);

    let malformed = post("{not json".into(), Some(sign("{not json"))).await.expect("sent");
    assert_eq!(malformed.status(), 400);
    let probe = app.http.head(app.url("/v1/intercom/webhooks")).send().await.expect("sent");
    assert_eq!(probe.status(), 200);
}

fn signature_of(notification: &Value) -> Option<String> {
    notification["signature"].as_str().map(str::to_owned)
}

pub fn sign(body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SANDBOX_SECRET.as_bytes()).expect("any key");
    mac.update(body.as_bytes());
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn rate_limits_during_a_handoff_are_waited_out() {
    let (app, workspace) = linked().await;
    workspace.control(reqwest::Method::POST, "/faults", Some(json!({"status": 429, "count": 3}))).await;
    hand_off(&app).await;
    assert_eq!(workspace.conversations().await.len(), 1);
    let requests = workspace.control(reqwest::Method::GET, "/requests", None).await;
    let limited = requests.as_array().expect("log").iter().filter(|r| r["status"] == 429).count();
    assert_eq!(limited, 3, "the rate limit was met and waited out");
}

#[tokio::test]
async fn an_intercom_outage_tells_the_visitor_and_the_handoff_completes_once_it_is_back() {
    let (app, workspace) = linked().await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    workspace.control(reqwest::Method::POST, "/faults", Some(json!({"status": 500, "count": 8}))).await;
    app.send(&conversation, json!({"client_id": "a", "text": "I want to talk to a human"})).await;
    events.collect_until(|kind| kind == &EventKind::HandoffFailed).await;
    app.send(&conversation, json!({"client_id": "b", "text": "Hello? Anyone there?"})).await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;

    let all = workspace.conversations().await;
    assert_eq!(all.len(), 1, "one conversation despite the retries");
    let id = all[0]["id"].as_str().expect("id").to_owned();
    let texts = eventually("the message sent during the outage", async || {
        let conversation = workspace.conversation(&id).await;
        let note = parts(&conversation)
            .iter()
            .find(|p| p["part_type"] == "note")
            .and_then(|p| p["body"].as_str().map(str::to_owned));
        note.filter(|note| note.contains("Hello? Anyone there?"))
    })
    .await;
    assert!(texts.contains("I want to talk to a human"));
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn an_intercom_that_rejects_the_token_is_retried_not_given_up() {
    let workspace = Workspace::start().await;
    let mut settings = workspace.settings();
    settings.access_token = Some("revoked".into());
    let app = spawn_app_with(Setup { intercom: Some(settings), ..Setup::default() }).await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "get me a human"})).await;
    events.collect_until(|kind| kind == &EventKind::HandoffFailed).await;
    let decisions = app.decisions(&conversation).await;
    assert_eq!(decisions["handoffs"][0]["status"], "pending", "{decisions}");
    assert!(decisions["handoffs"][0]["last_error"].as_str().is_some_and(|e| e.contains("401")));
}

#[tokio::test]
async fn authorize_access_connects_a_workspace_and_the_token_is_never_shown() {
    let workspace = Workspace::start().await;
    let mut settings = workspace.settings();
    settings.access_token = None;
    let app = spawn_app_with(Setup { intercom: Some(settings), ..Setup::default() }).await;
    workspace.notify(&app);
    let (_, status) = app.admin(reqwest::Method::GET, "/v1/admin/intercom", None).await;
    assert_eq!(status["connected"], false);

    let (status, authorize) = app.admin(reqwest::Method::POST, "/v1/admin/intercom/authorize", None).await;
    assert_eq!(status, 200, "{authorize}");
    let url = reqwest::Url::parse(authorize["authorize_url"].as_str().expect("url")).expect("a URL");
    assert_eq!(url.path(), "/oauth");
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], "sandbox-client");
    assert_eq!(query["redirect_uri"], format!("{}/v1/intercom/oauth/callback", app.base));

    // The person clicks "Authorize access" on Intercom's page, which sends the browser back.
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let consent = browser.get(url.clone()).send().await.expect("consent page");
    assert!(consent.text().await.expect("page").contains("Authorize access"));
    let form = [
        ("client_id", &query["client_id"]),
        ("state", &query["state"]),
        ("redirect_uri", &query["redirect_uri"]),
    ];
    let back = browser
        .post(format!("{}/oauth/authorize", workspace.base))
        .form(&form)
        .send()
        .await
        .expect("authorized");
    let callback = back.headers()["location"].to_str().expect("location").to_owned();
    assert!(callback.starts_with(&query["redirect_uri"]), "{callback}");
    let landed = browser.get(&callback).send().await.expect("callback");
    assert_eq!(landed.status(), 303, "back to the dashboard");
    assert_eq!(landed.headers()["location"], "/dashboard?intercom=connected");

    let (_, status) = app.admin(reqwest::Method::GET, "/v1/admin/intercom", None).await;
    assert_eq!(status["connected"], true);
    assert_eq!(status["source"], "oauth");
    assert_eq!(status["workspace_id"], "sandbox1");
    assert_eq!(status["workspace_name"], "Lumen Coffee Roasters (sandbox)");
    assert!(!status.to_string().contains(SANDBOX_TOKEN), "{status}");
    // Sealed in the database: a copy of the file alone does not give the token away.
    let stored: String = rusqlite::Connection::open(app.dir.path().join("baton.db"))
        .expect("opens")
        .query_row("SELECT token FROM intercom_connection", [], |row| row.get(0))
        .expect("stored");
    assert!(stored.starts_with("sealed:") && !stored.contains(SANDBOX_TOKEN), "{stored}");

    // The callback is single-use, and a made-up state is refused.
    assert_eq!(browser.get(&callback).send().await.expect("again").status(), 400);
    let forged = format!("{}/v1/intercom/oauth/callback?code=abc&state=made-up", app.base);
    assert_eq!(browser.get(forged).send().await.expect("forged").status(), 400);

    // Handoffs now go through the connected workspace.
    hand_off(&app).await;
    assert_eq!(workspace.conversations().await.len(), 1);

    // Disconnecting forgets the token: the status says so and the sealed row is gone.
    let (status, _) = app.admin(reqwest::Method::DELETE, "/v1/admin/intercom", None).await;
    assert_eq!(status, 204);
    let (_, status) = app.admin(reqwest::Method::GET, "/v1/admin/intercom", None).await;
    assert_eq!((status["connected"].clone(), status["workspace_name"].clone()), (json!(false), Value::Null));
    let rows: i64 = rusqlite::Connection::open(app.dir.path().join("baton.db"))
        .expect("opens")
        .query_row("SELECT COUNT(*) FROM intercom_connection", [], |row| row.get(0))
        .expect("counted");
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn a_workspace_connected_by_the_configured_token_cannot_be_disconnected_from_the_dashboard() {
    let (app, _workspace) = linked().await;
    let (status, body) = app.admin(reqwest::Method::DELETE, "/v1/admin/intercom", None).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "configured_connection");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("BATON_INTERCOM_TOKEN")), "{body}");
    let (_, status) = app.admin(reqwest::Method::GET, "/v1/admin/intercom", None).await;
    assert_eq!((status["connected"].clone(), status["source"].clone()), (json!(true), json!("config")));
    assert_eq!(status["workspace_name"], "Lumen Coffee Roasters (sandbox)", "named, from /me: {status}");
}

#[tokio::test]
async fn the_directory_lists_the_workspaces_admins_and_teams() {
    let (app, _workspace) = linked().await;
    let (status, directory) = app.admin(reqwest::Method::GET, "/v1/admin/intercom/directory", None).await;
    assert_eq!(status, 200, "{directory}");
    let admins: Vec<&str> =
        directory["admins"].as_array().expect("admins").iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(admins, ["Ana Torres", "Ben Okafor", "Chloe Martin"]);
    assert_eq!(directory["admins"][2]["away"], true);
    let teams: Vec<&str> =
        directory["teams"].as_array().expect("teams").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(teams, ["Support", "Billing", "Technical support"]);
}

#[tokio::test]
async fn a_bridge_killed_mid_handoff_finishes_it_after_a_restart_with_one_conversation() {
    use crate::process::BridgeProcess;
    let workspace = Workspace::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("baton.db");
    let env = [
        ("BATON_INTERCOM_BASE_URL", workspace.base.as_str()),
        ("BATON_INTERCOM_TOKEN", SANDBOX_TOKEN),
        ("BATON_INTERCOM_CLIENT_SECRET", SANDBOX_SECRET),
    ];
    // The conversation gets created, then every note and reply fails: the handoff is stuck
    // between its steps when the process dies.
    workspace
        .control(
            reqwest::Method::POST,
            "/faults",
            Some(json!({"status": 503, "count": 100_000, "path": "/conversations/*/reply"})),
        )
        .await;
    let bridge = BridgeProcess::start_with(&db, 0, &env).await;
    workspace.sandbox.set_webhook_url(Some(format!("{}/v1/intercom/webhooks", bridge.api.base)));
    let conversation = bridge.api.create_conversation().await;
    bridge.api.send(&conversation, json!({"client_id": "a", "text": "Can I speak to a human?"})).await;
    eventually("the conversation created and the note refused", async || {
        let requests = workspace.control(reqwest::Method::GET, "/requests", None).await;
        let refused = requests.as_array()?.iter().filter(|r| r["status"] == 503).count();
        (workspace.conversations().await.len() == 1 && refused >= 1).then_some(())
    })
    .await;
    bridge.api.send(&conversation, json!({"client_id": "b", "text": "Still there?"})).await;
    bridge.kill_9().await;

    workspace.control(reqwest::Method::POST, "/faults", Some(json!({"status": 503, "count": 0}))).await;
    let bridge = BridgeProcess::start_with(&db, 0, &env).await;
    workspace.sandbox.set_webhook_url(Some(format!("{}/v1/intercom/webhooks", bridge.api.base)));
    let mut events = bridge.api.events(&conversation, Seq(0)).await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;

    let all = workspace.conversations().await;
    assert_eq!(all.len(), 1, "still one Intercom conversation");
    let id = all[0]["id"].as_str().expect("id").to_owned();
    let intercom = workspace.conversation(&id).await;
    let notes: Vec<String> = parts(&intercom)
        .iter()
        .filter(|part| part["part_type"] == "note")
        .filter_map(|part| part["body"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(notes.len(), 1, "one note");
    assert!(
        notes[0].contains("Can I speak to a human?") && notes[0].contains("Still there?"),
        "nothing lost: {}",
        notes[0]
    );

    bridge.api.send(&conversation, json!({"client_id": "c", "text": "Hello again"})).await;
    eventually("the reply after the restart", async || {
        let parts = parts(&workspace.conversation(&id).await);
        parts
            .iter()
            .any(|part| part["body"].as_str().is_some_and(|body| body.contains("Hello again")))
            .then_some(())
    })
    .await;
    bridge.kill_9().await;
}

#[tokio::test]
async fn a_creation_that_may_have_happened_is_looked_for_before_it_is_tried_again() {
    use baton_bridge::conversations::Conversations;
    use baton_bridge::handoff::HandoffRequest;
    use baton_bridge::inbox::{Inbox, InboxContext};
    use baton_bridge::intercom::Intercom;
    use baton_bridge::store::{ConversationRecord, LinkChange};
    use baton_protocol::{AgentId, Author, ConversationId, TranscriptEntry, Visitor};

    let workspace = Workspace::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let conversations = Conversations::open(&dir.path().join("baton.db")).expect("store");
    let id = ConversationId("c-timed-out".into());
    let record = ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new());
    conversations.create(&record).await.expect("created");
    let handoff = conversations
        .begin_handoff(&id, &record.agent, "Escalate", "Asked for a person", None)
        .await
        .expect("begun");

    // The first try created the conversation, then timed out before the bridge heard back.
    let contact = workspace.call(reqwest::Method::POST, "/contacts", Some(json!({"role": "lead"}))).await;
    let contact_id = contact["id"].as_str().expect("contact id").to_owned();
    let made = workspace
        .call(
            reqwest::Method::POST,
            "/conversations",
            Some(json!({"from": {"type": "lead", "id": contact_id}, "body": "My order never arrived, can I talk to a person?"})),
        )
        .await;
    let since = time::OffsetDateTime::now_utc().unix_timestamp() - 5;
    conversations.open_link(&id, handoff).await.expect("link opened");
    let contact = LinkChange::Contact { id: contact_id.clone(), role: "lead".into() };
    conversations.change_link(&id, contact).await.expect("link written");
    conversations.change_link(&id, LinkChange::Creating(since)).await.expect("link written");

    let registry = std::sync::Arc::new(
        baton_bridge::agents::Registry::new(
            baton_bridge::settings::SettingsFile::demo(Vec::new()),
            None,
            Duration::ZERO,
        )
        .expect("registry"),
    );
    let context = InboxContext {
        conversations: conversations.clone(),
        agents: registry,
        tasks: Default::default(),
        signer: baton_bridge::files::UrlSigner::new(&baton_bridge::secret::SecretKey::generate()),
        leasing: baton_bridge::leases::Leasing::new(
            conversations.clone(),
            baton_bridge::leases::DEFAULT_TERM,
        ),
    };
    let intercom = Intercom::new(workspace.settings(), context).expect("intercom");
    let request = HandoffRequest {
        handoff,
        conversation: id.clone(),
        agent: record.agent.clone(),
        agent_name: "Juniper".into(),
        name: "Escalate".into(),
        reason: "Asked for a person".into(),
        clause: None,
        visitor: Visitor::default(),
        email_given: false,
        routing: Default::default(),
        page_url: None,
        page_title: None,
        locale: None,
        transcript: vec![TranscriptEntry {
            seq: Seq(1),
            at: 0,
            author: Author::Visitor,
            text: "My order never arrived, can I talk to a person?".into(),
        }],
        test: false,
    };
    let delivered = intercom.deliver(request).await.expect("delivered");
    assert_eq!(delivered.external_id, made["conversation_id"].as_str().expect("id"));
    assert_eq!(workspace.conversations().await.len(), 1, "found, not made again");
    workspace.assert_requests_conform().await;
}
