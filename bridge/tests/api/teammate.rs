//! What a teammate gets of a handoff in a real workspace, against the sandbox: pictures however
//! the workspace writes them, a contact named after the visitor, a conversation that opens with
//! what it is about, a note that starts with a summary and reads as the visitor saw it, and the
//! email a visitor leaves while waiting.

use std::time::Duration;

use baton_protocol::{ConversationCreated, EventKind, Seq};
use serde_json::{json, Value};

use crate::helpers::{EventStream, TestApp};
use crate::intercom::{eventually, hand_off_conversation, linked, parts, Workspace};

/// Starts an anonymous conversation, asks about shipping, then asks for a person; returns once
/// the handoff is connected.
async fn hand_off_anonymously(app: &TestApp) -> (ConversationCreated, EventStream) {
    hand_off_conversation(app, app.create_conversation().await).await
}

/// The one Intercom conversation, with its parts.
async fn the_conversation(workspace: &Workspace) -> Value {
    let all = workspace.conversations().await;
    assert_eq!(all.len(), 1, "one Intercom conversation");
    workspace.conversation(all[0]["id"].as_str().expect("id")).await
}

/// The transcript note's body.
fn note_of(conversation: &Value) -> String {
    let parts =
        conversation["conversation_parts"]["conversation_parts"].as_array().cloned().unwrap_or_default();
    let notes: Vec<&Value> = parts.iter().filter(|part| part["part_type"] == "note").collect();
    assert_eq!(notes.len(), 1, "one note");
    notes[0]["body"].as_str().expect("a body").to_owned()
}

#[tokio::test]
async fn teammates_pictures_arrive_when_the_workspace_writes_them_as_bare_uris() {
    let (app, workspace) = linked().await;
    workspace.control(reqwest::Method::PUT, "/avatars", Some(json!({"form": "uri"}))).await;
    let (_, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    demo["routing"] = json!({"criteria": "Assign billing conversations to the billing team."});
    let (status, body) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo)).await;
    assert_eq!(status, 200, "{body}");

    let (status, directory) = app.admin(reqwest::Method::GET, "/v1/admin/intercom/directory", None).await;
    assert_eq!(status, 200, "the directory reads the string form: {directory}");

    let conversation = app.create_conversation_as_ada().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "I was charged twice for my subscription"}))
        .await;
    let seen = events
        .collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. } | EventKind::HandoffFailed))
        .await;
    assert!(
        matches!(seen.last().map(|event| &event.kind), Some(EventKind::HandoffConnected { .. })),
        "the routed handoff is delivered: {seen:?}"
    );
    let intercom = the_conversation(&workspace).await;
    assert_eq!(intercom["team_assignee_id"], 881002, "routed to Billing");

    let id = intercom["id"].as_str().expect("id").to_owned();
    workspace.admin_reply(&id, "991001", "comment", "Hi Ada, I'm Ana.").await;
    let seen = events.collect_until(|kind| matches!(kind, EventKind::TeammateMessage { .. })).await;
    let teammate = seen.iter().find_map(|event| match &event.kind {
        EventKind::TeammateJoined { teammate } => Some(teammate.clone()),
        _ => None,
    });
    let avatar = teammate.and_then(|teammate| teammate.avatar_url).unwrap_or_default();
    assert!(avatar.starts_with(&workspace.base) && avatar.ends_with("991001.svg"), "{avatar:?}");
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn a_handed_off_conversation_is_named_opens_with_its_subject_and_its_note_reads_as_the_visitor_saw_it()
{
    let (app, workspace) = linked().await;
    let (conversation, _) = hand_off_anonymously(&app).await;

    let intercom = the_conversation(&workspace).await;
    let opening = intercom["source"]["body"].as_str().expect("an opening message");
    assert!(opening.contains("How long does shipping take?"), "the subject, not the request: {opening}");
    assert!(!opening.contains("talk to a person"), "{opening}");
    let contact = intercom["contacts"]["contacts"][0]["id"].as_str().expect("a contact").to_owned();
    let contact = workspace.call(reqwest::Method::GET, &format!("/contacts/{contact}"), None).await;
    let short: String = conversation.id.0.chars().take(4).collect();
    assert_eq!(contact["name"], format!("Website visitor {short}"), "not one more \"Visitor\"");

    let note = note_of(&intercom);
    assert!(
        note.starts_with("<p><b>A visitor: Asked for a person</b> — “How long does shipping take?”</p>"),
        "a one-line summary first: {note}"
    );
    assert!(note.contains("<b>one working day</b>"), "the agent's markdown is rendered: {note}");
    assert!(!note.contains("**"), "{note}");
    assert!(!note.contains("Delivery<br>"), "the knowledge file's wraps are joined: {note}");
    let times = note.matches("</b> · ").count();
    assert!(times >= 4, "each message has a short time: {note}");
    assert!(!note.contains(":00 +0000"), "no long timestamps: {note}");
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn an_email_left_while_waiting_for_the_team_reaches_the_intercom_contact() {
    let (app, workspace) = linked().await;
    let (conversation, _) = hand_off_anonymously(&app).await;
    let intercom = the_conversation(&workspace).await;
    let contact = intercom["contacts"]["contacts"][0]["id"].as_str().expect("a contact").to_owned();

    let response = app
        .http
        .put(app.url(&format!("/v1/conversations/{}/visitor", conversation.id)))
        .bearer_auth(&conversation.token)
        .json(&json!({"email": "sam@example.com"}))
        .send()
        .await
        .expect("completes");
    assert_eq!(response.status(), 204);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let updated = loop {
        let found = workspace.call(reqwest::Method::GET, &format!("/contacts/{contact}"), None).await;
        if found["email"] == "sam@example.com" || tokio::time::Instant::now() > deadline {
            break found;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(updated["email"], "sam@example.com", "{updated}");
    assert_eq!(updated["name"], "sam@example.com", "named by the email now: {updated}");
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn the_visitors_words_reach_intercom_as_typed_never_escaped_twice() {
    let (app, workspace) = linked().await;
    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    let first = "I need a person: order #12 is < 3 days late & unpaid";
    app.send(&conversation, json!({"client_id": "a", "text": first})).await;
    events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;
    app.send(&conversation, json!({"client_id": "b", "text": "Also: 2 > 1 & <b>not bold</b>"})).await;

    let intercom = the_conversation(&workspace).await;
    assert_eq!(
        intercom["source"]["body"],
        "<p>I need a person: order #12 is &lt; 3 days late &amp; unpaid</p>"
    );
    let id = intercom["id"].as_str().expect("id").to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let reply = loop {
        let parts = workspace.conversation(&id).await["conversation_parts"]["conversation_parts"].clone();
        let from_contact = parts.as_array().and_then(|parts| {
            parts
                .iter()
                .find(|part| part["part_type"] == "comment" && part["author"]["type"] != "admin")
                .cloned()
        });
        if let Some(part) = from_contact {
            break part;
        }
        assert!(tokio::time::Instant::now() < deadline, "the visitor's reply never reached Intercom");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(reply["body"], "<p>Also: 2 &gt; 1 &amp; &lt;b&gt;not bold&lt;/b&gt;</p>");
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn a_teammate_reading_the_conversation_in_the_inbox_tells_the_visitor_their_messages_were_seen_once() {
    let (app, workspace) = linked().await;
    let (conversation, mut events) = hand_off_anonymously(&app).await;
    let id = the_conversation(&workspace).await["id"].as_str().expect("id").to_owned();
    app.send(&conversation, json!({"client_id": "later", "text": "My grinder arrived broken"})).await;
    eventually("the visitor's message reaches Intercom", async || {
        let conversation = workspace.conversation(&id).await;
        parts(&conversation)
            .iter()
            .any(|part| part["body"].as_str().is_some_and(|body| body.contains("grinder")))
            .then_some(())
    })
    .await;
    assert_eq!(workspace.conversation(&id).await["read"], false, "the bridge's posts are nobody reading");

    // A teammate opens it in the inbox (no webhook says so), then leaves a note: the note's
    // webhook brings the conversation, read.
    let page = reqwest::get(format!("{}/inbox/{id}", workspace.base)).await.expect("the inbox page");
    assert_eq!(page.status(), 200);
    workspace.admin_reply(&id, "991001", "note", "Checking the warehouse").await;
    let seen = events.collect_until(|kind| matches!(kind, EventKind::MessagesSeen { .. })).await;
    let sent = seen
        .iter()
        .find(
            |event| matches!(&event.kind, EventKind::VisitorMessage { text, .. } if text.contains("grinder")),
        )
        .map(|event| event.seq)
        .expect("the visitor's message came first");
    assert_eq!(seen.last().map(|event| &event.kind), Some(&EventKind::MessagesSeen { up_to: sent }));

    // Told once: the next webhook of the same read conversation adds nothing before the reply.
    workspace.admin_reply(&id, "991001", "note", "Found it").await;
    workspace.admin_reply(&id, "991001", "comment", "A new grinder is on its way.").await;
    let after = events.collect_until(|kind| matches!(kind, EventKind::TeammateMessage { .. })).await;
    assert!(!after.iter().any(|event| matches!(event.kind, EventKind::MessagesSeen { .. })), "{after:?}");
    workspace.assert_requests_conform().await;
}
