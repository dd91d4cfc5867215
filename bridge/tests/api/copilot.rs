//! Copilot and routing against the Intercom sandbox over real HTTP: drafts as notes or as
//! replies from the chosen admin, never twice, never on its own posts or notes, quiet when a
//! teammate just answered or when it has nothing to say; new and handed-off conversations
//! assigned by mapping and by plain-language criteria; settings naming people that do not exist
//! refused.

use std::time::Duration;

use baton_protocol::{EventKind, Seq};
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::intercom::{linked, Workspace};

/// Sets the demo agent's Copilot and routing blocks through the admin API.
async fn configure(app: &TestApp, copilot: Value, routing: Value) -> (u16, Value) {
    let (_, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    demo["copilot"] = copilot;
    demo["routing"] = routing;
    app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo)).await
}

impl Workspace {
    /// A customer writing in through Intercom itself; the new conversation's id.
    async fn customer_writes(&self, email: &str, text: &str) -> (String, String) {
        let contact = self
            .call(
                reqwest::Method::POST,
                "/contacts",
                Some(json!({"role": "user", "email": email, "external_id": email})),
            )
            .await;
        let contact = contact["id"].as_str().expect("contact id").to_owned();
        let body = json!({"from": {"type": "user", "id": contact}, "body": text});
        let message = self.call(reqwest::Method::POST, "/conversations", Some(body)).await;
        (message["conversation_id"].as_str().expect("conversation id").to_owned(), contact)
    }

    /// The customer replying in their conversation.
    async fn customer_replies(&self, conversation: &str, contact: &str, text: &str) {
        let body =
            json!({"message_type": "comment", "type": "user", "intercom_user_id": contact, "body": text});
        self.call(reqwest::Method::POST, &format!("/conversations/{conversation}/reply"), Some(body)).await;
    }

    /// Parts of `conversation` that `keep` accepts, waiting up to 10 s until there are `count`.
    async fn parts_until(
        &self,
        conversation: &str,
        count: usize,
        keep: impl Fn(&Value) -> bool,
    ) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let found: Vec<Value> =
                parts_of(&self.conversation(conversation).await).into_iter().filter(&keep).collect();
            if found.len() >= count || tokio::time::Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The parts of `conversation` as they are now.
    async fn parts_now(&self, conversation: &str) -> Vec<Value> {
        parts_of(&self.conversation(conversation).await)
    }

    /// Waits until every webhook the sandbox queued so far was delivered, and the bridge has
    /// handled them all: everything it set off has settled.
    async fn settle(&self, app: &TestApp) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.control(reqwest::Method::GET, "/notifications", None).await;
            if log.as_array().is_some_and(|all| all.iter().all(|n| n["delivered"] == true)) {
                // Delivered is acknowledged; the bridge handles it in the background.
                app.settled().await;
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "webhooks not delivered");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn parts_of(conversation: &Value) -> Vec<Value> {
    conversation["conversation_parts"]["conversation_parts"].as_array().cloned().unwrap_or_default()
}

fn is_draft_note(part: &Value) -> bool {
    part["part_type"] == "note" && part["body"].as_str().is_some_and(|body| body.contains("Copilot draft"))
}

fn is_admin_comment(part: &Value) -> bool {
    part["part_type"] == "comment" && part["author"]["type"] == "admin"
}

#[tokio::test]
async fn copilot_leaves_a_note_by_default_and_replies_as_the_chosen_admin_when_asked() {
    let (app, workspace) = linked().await;
    let (status, body) = configure(&app, json!({"enabled": true}), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["copilot"]["leave_note"], true, "leave note is the default");

    let (conversation, contact) =
        workspace.customer_writes("grace@example.com", "How long does shipping take?").await;
    let notes = workspace.parts_until(&conversation, 1, is_draft_note).await;
    assert_eq!(notes.len(), 1, "one draft note");
    assert!(notes[0]["body"].as_str().is_some_and(|b| b.contains("Royal Mail")), "{}", notes[0]);
    let draft = notes[0]["body"].as_str().unwrap_or_default();
    assert!(draft.contains("<b>one working day</b>"), "the draft's markdown is rendered: {draft}");
    assert!(
        !draft.contains("**") && !draft.contains("<br>"),
        "no raw markers, no wraps mid-sentence: {draft}"
    );
    assert!(
        !workspace.parts_now(&conversation).await.iter().any(is_admin_comment),
        "nothing sent to the customer"
    );

    let (status, body) =
        configure(&app, json!({"enabled": true, "leave_note": false, "reply_as": "991002"}), json!({})).await;
    assert_eq!(status, 200, "{body}");
    workspace.customer_replies(&conversation, &contact, "Do you sell gift cards?").await;
    let replies = workspace.parts_until(&conversation, 1, is_admin_comment).await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["author"]["id"], "991002", "sent as Ben");
    assert!(
        replies[0]["body"].as_str().is_some_and(|b| b.to_lowercase().contains("gift card")),
        "{}",
        replies[0]
    );

    // Its own reply and a teammate's note start nothing; the count stays put.
    workspace.admin_reply(&conversation, "991001", "note", "Checking stock").await;
    workspace.settle(&app).await;
    let all = workspace.parts_now(&conversation).await;
    assert_eq!(all.iter().filter(|part| is_admin_comment(part)).count(), 1, "no answer to its own post");
    assert_eq!(all.iter().filter(|part| is_draft_note(part)).count(), 1, "no draft on a note");
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn copilot_drafts_once_per_message_and_stays_quiet_when_it_should() {
    let (app, workspace) = linked().await;
    configure(&app, json!({"enabled": true}), json!({})).await;
    let (conversation, contact) =
        workspace.customer_writes("linus@example.com", "Can I pause my subscription?").await;
    assert_eq!(workspace.parts_until(&conversation, 1, is_draft_note).await.len(), 1);

    // Intercom delivers the same notification again, and the same part under a new id.
    let log = workspace.control(reqwest::Method::GET, "/notifications", None).await;
    let created = log
        .as_array()
        .expect("log")
        .iter()
        .find(|n| n["topic"] == "conversation.user.created")
        .cloned()
        .expect("created");
    let raw = created["body"].as_str().expect("raw").to_owned();
    let post = |body: String, signature: String| {
        app.http.post(app.url("/v1/intercom/webhooks")).header("X-Hub-Signature", signature).body(body).send()
    };
    post(raw.clone(), created["signature"].as_str().expect("signed").to_owned()).await.expect("sent");
    let renamed = raw.replacen(created["id"].as_str().expect("id"), "notif_again", 1);
    post(renamed.clone(), crate::intercom::sign(&renamed)).await.expect("sent");
    workspace.settle(&app).await;
    assert_eq!(
        workspace.parts_now(&conversation).await.iter().filter(|p| is_draft_note(p)).count(),
        1,
        "no second draft"
    );

    // Nothing useful to say: no draft.
    workspace.customer_replies(&conversation, &contact, "Recommend a jazz album").await;
    workspace.settle(&app).await;
    assert_eq!(
        workspace.parts_now(&conversation).await.iter().filter(|p| is_draft_note(p)).count(),
        1,
        "no draft without knowledge"
    );

    // A teammate answered seconds ago: Copilot stays out of it.
    workspace.admin_reply(&conversation, "991001", "comment", "I'll check with the roastery.").await;
    workspace.customer_replies(&conversation, &contact, "How long does shipping take?").await;
    workspace.settle(&app).await;
    assert_eq!(
        workspace.parts_now(&conversation).await.iter().filter(|p| is_draft_note(p)).count(),
        1,
        "quiet after a teammate"
    );
}

#[tokio::test]
async fn new_intercom_conversations_and_handoffs_are_routed() {
    let (app, workspace) = linked().await;
    let routing = json!({
        "criteria": "Assign billing conversations to the billing team. Assign technical issues to the technical support team.",
        "mappings": [
            {"match": "ada@example.com", "assign_to": {"type": "admin", "id": "991001"}},
            {"match": "example.com", "assign_to": {"type": "team", "id": "881001"}},
        ]
    });
    let (status, body) = configure(&app, json!({"enabled": true}), routing).await;
    assert_eq!(status, 200, "{body}");

    // A new conversation in Intercom: the criteria route it.
    let (billing, _) =
        workspace.customer_writes("someone@elsewhere.test", "I was charged twice this month").await;
    let assigned = async {
        loop {
            let conversation = workspace.conversation(&billing).await;
            if conversation["team_assignee_id"].as_i64().is_some_and(|team| team != 0) {
                return conversation;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    };
    let conversation = tokio::time::timeout(Duration::from_secs(10), assigned).await.expect("assigned");
    assert_eq!(conversation["team_assignee_id"], 881002);

    // A handoff from the widget, by a visitor who typed their email: the exact mapping wins.
    let created = app.create_conversation().await;
    let put = app
        .http
        .put(app.url(&format!("/v1/conversations/{}/visitor", created.id)))
        .bearer_auth(&created.token)
        .json(&json!({"email": "ada@example.com", "source": "visitor"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(put.status(), 204);
    let mut events = app.events(&created, Seq(0)).await;
    app.send(&created, json!({"client_id": "a", "text": "My app shows an error, can I talk to a human?"}))
        .await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;
    let decisions = app.decisions(&created).await;
    let route = &decisions["handoffs"][0]["route"];
    assert_eq!(route["target"]["id"], "991001", "{decisions}");
    assert!(route["why"].as_str().is_some_and(|why| why.contains("address mapping")), "{route}");
    let intercom_id = decisions["handoffs"][0]["external_id"].as_str().expect("delivered").to_owned();
    let conversation = workspace.conversation(&intercom_id).await;
    assert_eq!(conversation["admin_assignee_id"], 991001);
    assert_eq!(conversation["team_assignee_id"], 881001, "the team first, then the admin");
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn an_email_the_host_page_sets_after_the_start_routes_nothing_without_verification() {
    let (app, workspace) = linked().await;
    let mapping =
        json!({"mappings": [{"match": "ceo@example.com", "assign_to": {"type": "admin", "id": "991001"}}]});
    let (status, body) = configure(&app, json!({}), mapping).await;
    assert_eq!(status, 200, "{body}");

    // `identify` after the conversation exists: the same claim as one made at its start.
    let created = app.create_conversation().await;
    let put = app
        .http
        .put(app.url(&format!("/v1/conversations/{}/visitor", created.id)))
        .bearer_auth(&created.token)
        .json(&json!({"email": "ceo@example.com"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(put.status(), 204);
    let mut events = app.events(&created, Seq(0)).await;
    app.send(&created, json!({"client_id": "a", "text": "Can I talk to a human?"})).await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;
    let decisions = app.decisions(&created).await;
    let route = &decisions["handoffs"][0]["route"];
    assert!(route["target"].is_null(), "an unverified claim picks no teammate: {decisions}");
    let intercom_id = decisions["handoffs"][0]["external_id"].as_str().expect("delivered").to_owned();
    assert_ne!(workspace.conversation(&intercom_id).await["admin_assignee_id"], 991001);
}

#[tokio::test]
async fn settings_naming_people_the_workspace_does_not_have_are_refused() {
    let (app, _workspace) = linked().await;
    for (copilot, routing, culprit, field) in [
        (
            json!({"enabled": true, "leave_note": false, "reply_as": "404"}),
            json!({}),
            "404",
            "copilot.reply_as",
        ),
        (json!({"enabled": true, "leave_note": false}), json!({}), "admin", "copilot.reply_as"),
        (
            json!({}),
            json!({"criteria": "Assign refunds to the money team."}),
            "the money team",
            "routing.criteria",
        ),
        (
            json!({}),
            json!({"mappings": [
                {"match": "example.org", "assign_to": {"type": "team", "id": "881001"}},
                {"match": "example..com", "assign_to": {"type": "team", "id": "881001"}},
            ]}),
            "example..com",
            "routing.mappings[1].match",
        ),
        (
            json!({}),
            json!({"mappings": [{"match": "example.com", "assign_to": {"type": "team", "id": "0"}}]}),
            "team",
            "routing.mappings[0].assign_to",
        ),
    ] {
        let (status, body) = configure(&app, copilot, routing).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "invalid_settings");
        assert_eq!(body["error"]["field"], field, "the form marks the field: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(culprit), "{culprit}: {body}");
        assert!(!message.contains("agent `demo`"), "the field is said apart, not in the words: {body}");
    }
    let (_, demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    assert_eq!(demo["copilot"]["enabled"], false, "nothing was saved");
}
