//! The handoff engine through the protocol: a trigger fires, the visitor's stream shows the
//! transition, the inbox gets the whole conversation once, and the AI stays silent after.

use baton_protocol::{Author, ConversationCreated, EventKind, Mode, Seq};
use serde_json::{json, Value};

use crate::helpers::{is_completed, spawn_app, spawn_app_with, Api, Inbox, Setup, ADMIN_TOKEN};

fn is_connected(kind: &EventKind) -> bool {
    matches!(kind, EventKind::HandoffConnected { .. })
}

fn is_failed(kind: &EventKind) -> bool {
    matches!(kind, EventKind::HandoffFailed)
}

impl Api {
    /// The agent's decisions on a conversation, as the preview reads them.
    pub async fn decisions(&self, conversation: &ConversationCreated) -> Value {
        let response = self
            .http
            .get(self.url(&format!("/v1/admin/conversations/{}/decisions", conversation.id)))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("request completes");
        assert_eq!(response.status(), 200);
        response.json().await.expect("json")
    }
}

#[tokio::test]
async fn asking_for_a_person_hands_off_with_the_whole_conversation() {
    let inbox = Inbox::default();
    let app = spawn_app_with(Setup { inbox: Some(inbox.clone()), ..Setup::default() }).await;
    let conversation = app.create_conversation_as_ada().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "How long does shipping take?"})).await;
    events.collect_until(is_completed).await;

    app.send(&conversation, json!({"client_id": "b", "text": "Thanks. Can I talk to a human please?"})).await;
    let transition = events.collect_until(is_connected).await;
    let kinds: Vec<&EventKind> = transition.iter().map(|event| &event.kind).collect();
    assert!(matches!(kinds[0], EventKind::VisitorMessage { .. }));
    assert_eq!(kinds[1], &EventKind::HandoffRequested, "no AI text before the handoff: {kinds:?}");
    assert_eq!(kinds[2], &EventKind::HandoffConnected { expected_reply_minutes: Some(5) });
    assert_eq!(app.snapshot(&conversation).await.mode, Mode::Waiting);

    let requests = inbox.requests();
    assert_eq!(requests.len(), 1, "delivered once");
    let request = &requests[0];
    assert_eq!(request.reason, "Asked for a person");
    assert_eq!(request.clause.as_deref(), Some("the user asks to speak with a human"));
    assert_eq!(request.name, "Escalate to support");
    assert_eq!(request.page_url.as_deref(), Some("https://lumen.example/subscriptions"));
    assert_eq!(request.page_title.as_deref(), Some("Subscriptions"));
    assert_eq!(request.visitor.email.as_deref(), Some("ada@example.com"));
    let transcript: Vec<(&Author, &str)> =
        request.transcript.iter().map(|entry| (&entry.author, entry.text.as_str())).collect();
    assert_eq!(transcript.len(), 3, "{transcript:?}");
    assert_eq!(transcript[0], (&Author::Visitor, "How long does shipping take?"));
    assert_eq!(transcript[1].0, &Author::Agent);
    assert!(transcript[1].1.contains("Royal Mail"));
    assert_eq!(transcript[2], (&Author::Visitor, "Thanks. Can I talk to a human please?"));
}

#[tokio::test]
async fn with_a_person_on_it_the_ai_stays_silent() {
    let app = spawn_app_with(Setup { inbox: Some(Inbox::default()), ..Setup::default() }).await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "I want to speak to a real person"})).await;
    events.collect_until(is_connected).await;

    app.send(&conversation, json!({"client_id": "b", "text": "How long does shipping take?"})).await;
    let settled = async {
        loop {
            let decisions = app.decisions(&conversation).await;
            if decisions["decisions"].as_array().is_some_and(|all| all.len() == 2) {
                return decisions;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    };
    let decisions = tokio::time::timeout(std::time::Duration::from_secs(5), settled).await.expect("decided");
    assert_eq!(decisions["decisions"][1]["outcome"], "with_person", "{decisions}");
    let snapshot = app.snapshot(&conversation).await;
    let authors: Vec<&Author> = snapshot.transcript.iter().map(|entry| &entry.author).collect();
    assert_eq!(authors, [&Author::Visitor, &Author::Visitor], "no agent message after the handoff");
    assert_eq!(snapshot.mode, Mode::Waiting);
}

#[tokio::test]
async fn an_inbox_that_is_down_is_retried_and_the_visitor_is_told_meanwhile() {
    let inbox = Inbox::failing(3);
    let app = spawn_app_with(Setup { inbox: Some(inbox.clone()), ..Setup::default() }).await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "I was charged twice for my subscription"}))
        .await;

    let transition = events.collect_until(is_connected).await;
    let kinds: Vec<&EventKind> = transition.iter().skip(1).map(|event| &event.kind).collect();
    assert_eq!(
        kinds,
        [
            &EventKind::HandoffRequested,
            &EventKind::HandoffFailed,
            &EventKind::HandoffConnected { expected_reply_minutes: Some(5) },
        ],
        "told once after two failures, connected when the inbox is back"
    );
    let requests = inbox.requests();
    assert_eq!(requests.len(), 4, "three failures, then the delivery");
    assert!(requests.iter().all(|request| request.handoff == requests[0].handoff), "one handoff, retried");
    assert_eq!(requests[0].reason, "Topic: billing");

    let decisions = app.decisions(&conversation).await;
    let handoff = &decisions["handoffs"][0];
    assert_eq!(handoff["status"], "connected");
    assert_eq!(handoff["attempts"], 4);
    assert_eq!(handoff["external_id"], format!("inbox-{}", requests[0].handoff.0));
}

#[tokio::test]
async fn without_an_inbox_the_visitor_is_told_at_once() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "get me a human"})).await;
    let events = events.collect_until(is_failed).await;
    assert_eq!(events[1].kind, EventKind::HandoffRequested);
    assert_eq!(app.snapshot(&conversation).await.mode, Mode::Connecting);
    let decisions = app.decisions(&conversation).await;
    assert_eq!(decisions["handoffs"][0]["status"], "failed");
    assert_eq!(decisions["handoffs"][0]["last_error"], "no support inbox is connected");
}

#[tokio::test]
async fn a_pending_handoff_is_delivered_after_a_restart_and_only_once() {
    let hanging = Inbox::hanging();
    let app = spawn_app_with(Setup { inbox: Some(hanging.clone()), ..Setup::default() }).await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "Please delete my account"})).await;
    events.collect_until(|kind| kind == &EventKind::HandoffRequested).await;
    while hanging.requests().is_empty() {
        tokio::task::yield_now().await;
    }
    let dir = app.into_dir();

    let inbox = Inbox::default();
    let app = spawn_app_with(Setup { inbox: Some(inbox.clone()), dir: Some(dir), ..Setup::default() }).await;
    let mut events = app.events(&conversation, Seq(0)).await;
    events.collect_until(is_connected).await;
    let requests = inbox.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].handoff, hanging.requests()[0].handoff, "the same handoff, not a new one");
    assert_eq!(requests[0].reason, "Topic: account cancellation");
}

#[tokio::test]
async fn the_preview_sees_each_clause_checked_and_why_one_fired() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "How long does shipping take?"})).await;
    events.collect_until(is_completed).await;
    app.send(&conversation, json!({"client_id": "b", "text": "Why is my bill so high this month?"})).await;
    events.collect_until(is_failed).await;

    let decisions = app.decisions(&conversation).await;
    let answered = &decisions["decisions"][0];
    assert_eq!(answered["outcome"], "answered");
    assert_eq!(answered["message"], "How long does shipping take?");
    assert_eq!(answered["explanation"]["agent"], "builtin");
    assert!(answered["explanation"]["knowledge"][0]["title"]
        .as_str()
        .is_some_and(|t| t.contains("Shipping")));
    let checks = answered["explanation"]["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 3, "one per clause of the instructions");
    assert!(checks.iter().all(|check| check["fired"] == false));

    let handed_off = &decisions["decisions"][1];
    assert_eq!(handed_off["outcome"], "handoff");
    assert_eq!(handed_off["handoff"]["reason"], "Topic: billing");
    let fired = &handed_off["explanation"]["checks"][1];
    assert_eq!(fired["clause"], "the issue involves billing or account cancellation");
    assert_eq!(fired["rule"], "topic");
    assert_eq!(fired["fired"], true);
    assert!(fired["why"].as_str().is_some_and(|why| why.contains("\"bill\"")), "{fired}");
}
