//! The visitor's rating of a conversation the team closed, over real HTTP against the Intercom
//! sandbox: taken once, relayed to the team as a note (valid against Intercom's description),
//! counted in the Analytics; anything malformed refused with a clear error and nothing stored.

use baton_protocol::{ConversationCreated, EventKind, Rating};
use serde_json::{json, Value};

use crate::helpers::{EventStream, TestApp};
use crate::intercom::{eventually, hand_off, linked, parts, Workspace};

impl TestApp {
    /// Posts `body` as the visitor's rating with `token`; the status and the JSON answered.
    async fn rate(&self, conversation: &ConversationCreated, token: &str, body: &str) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(&format!("/v1/conversations/{}/rating", conversation.id)))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("rating sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A handed-off conversation the team closed in the sandbox, and its Intercom id.
async fn closed(app: &TestApp, workspace: &Workspace) -> (ConversationCreated, EventStream, String) {
    let (conversation, mut events) = hand_off(app).await;
    let id = close(workspace, &mut events).await;
    (conversation, events, id)
}

/// A teammate closes the workspace's one conversation; returns its id once the widget heard.
async fn close(workspace: &Workspace, events: &mut EventStream) -> String {
    let id = workspace.conversations().await[0]["id"].as_str().expect("id").to_owned();
    let close = json!({"message_type": "close", "type": "admin", "admin_id": "991001"});
    workspace.call(reqwest::Method::POST, &format!("/conversations/{id}/parts"), Some(close)).await;
    events.collect_until(|kind| kind == &EventKind::ConversationClosed).await;
    id
}

#[tokio::test]
async fn a_closed_conversation_is_rated_once_and_the_team_reads_it_as_a_note() {
    let (app, workspace) = linked().await;
    let (conversation, mut events, id) = closed(&app, &workspace).await;
    let token = conversation.token.clone();

    let (status, body) =
        app.rate(&conversation, &token, r#"{"rating": "good", "comment": "Ana <b>sorted</b> it"}"#).await;
    assert_eq!(status, 204, "{body}");
    let rated = events.collect_until(|kind| matches!(kind, EventKind::ConversationRated { .. })).await;
    assert_eq!(
        rated.last().map(|event| &event.kind),
        Some(&EventKind::ConversationRated {
            rating: Rating::Good,
            comment: Some("Ana <b>sorted</b> it".into())
        })
    );
    let note = eventually("the rating note in Intercom", async || {
        parts(&workspace.conversation(&id).await)
            .into_iter()
            .filter(|part| part["part_type"] == "note")
            .filter_map(|part| part["body"].as_str().map(str::to_owned))
            .find(|body| body.contains("Visitor rating"))
    })
    .await;
    assert!(note.contains("Visitor rating: Good"), "{note}");
    assert!(note.contains("Ana &lt;b&gt;sorted&lt;/b&gt; it"), "the comment is the visitor's text: {note}");

    let (status, body) = app.rate(&conversation, &token, r#"{"rating": "bad"}"#).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("already_rated")), "{body}");
    let (status, report) = app.admin(reqwest::Method::GET, "/v1/agents/demo/analytics/ratings", None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["total"].as_u64(), report["good"].as_u64(), report["good_share"].as_f64()),
        (Some(1), Some(1), Some(1.0))
    );
    assert_eq!(report["ratings"][0]["comment"], "Ana <b>sorted</b> it");
    assert_eq!(report["ratings"][0]["conversation"], conversation.id.0.as_str());
    let notes = parts(&workspace.conversation(&id).await)
        .into_iter()
        .filter(|part| part["body"].as_str().is_some_and(|body| body.contains("Visitor rating")))
        .count();
    assert_eq!(notes, 1, "the refused second rating posted nothing");
    workspace.assert_requests_conform().await;
}

#[tokio::test]
async fn malformed_or_unauthorised_ratings_are_refused_plainly_and_store_nothing() {
    let (app, workspace) = linked().await;
    let (conversation, mut events) = hand_off(&app).await;
    let token = conversation.token.clone();
    let (status, body) = app.rate(&conversation, &token, r#"{"rating": "good"}"#).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("not_closed")), "open: {body}");
    close(&workspace, &mut events).await;
    let too_long = format!(r#"{{"rating": "bad", "comment": "{}"}}"#, "x".repeat(1001));
    for (token, body, status, code) in [
        ("wrong-token", r#"{"rating": "good"}"#, 401, "unauthorized"),
        (token.as_str(), r#"{"rating": "good""#, 400, "bad_request"),
        (token.as_str(), r#"{"rating": "great"}"#, 400, "bad_request"),
        (token.as_str(), r#"{"rating": 5}"#, 400, "bad_request"),
        (token.as_str(), r#"{"comment": "no verdict"}"#, 400, "bad_request"),
        (token.as_str(), too_long.as_str(), 413, "comment_too_long"),
    ] {
        let (answered, error) = app.rate(&conversation, token, body).await;
        assert_eq!((answered, error["error"]["code"].as_str()), (status, Some(code)), "{body}: {error}");
        assert!(error["error"]["message"].as_str().is_some_and(|message| !message.is_empty()));
    }
    let (_, report) = app.admin(reqwest::Method::GET, "/v1/agents/demo/analytics/ratings", None).await;
    assert_eq!(report["total"], 0, "nothing stored: {report}");
    let mut replay = app.events(&conversation, baton_protocol::Seq(0)).await;
    let log = replay.collect_until(|kind| kind == &EventKind::ConversationClosed).await;
    assert!(log.iter().all(|event| !matches!(event.kind, EventKind::ConversationRated { .. })));

    let at_limit = format!(r#"{{"rating": "bad", "comment": "{}"}}"#, "é".repeat(1000));
    assert_eq!(app.rate(&conversation, &token, &at_limit).await.0, 204, "1,000 characters are allowed");
}
