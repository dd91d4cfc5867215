//! Guarantees of the event stream: resuming by `Last-Event-ID`, several listeners at once.

use baton_protocol::{EventKind, Seq};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use serde_json::json;

use std::time::Duration;

use crate::helpers::{is_completed, spawn_app, spawn_app_with, Setup};

#[tokio::test]
async fn last_event_id_resumes_like_after_and_wins_over_an_older_after() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    app.send(&conversation, json!({"client_id": "k", "text": "Do you have gift cards?"})).await;
    let all = app.events(&conversation, Seq(0)).await.collect_until(is_completed).await;

    // What a reconnecting EventSource sends: its original URL, plus the header.
    let response = app
        .http
        .get(app.url(&format!("/v1/conversations/{}/events?after=0", conversation.id)))
        .bearer_auth(&conversation.token)
        .header("last-event-id", "4")
        .send()
        .await
        .expect("sent");
    let first = response.bytes_stream().eventsource().next().await.expect("an event").expect("valid SSE");
    assert_eq!(first.id, "5");
    assert_eq!(first.data, serde_json::to_string(&all[4]).expect("serializes"));
}

#[tokio::test]
async fn two_tabs_on_one_conversation_see_the_same_events() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let mut first_tab = app.events(&conversation, Seq(0)).await;
    let mut second_tab = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "How do I brew a pour-over?"})).await;
    let first = first_tab.collect_until(is_completed).await;
    let second = second_tab.collect_until(is_completed).await;
    assert_eq!(first, second);

    // A message sent from the second tab shows in the first.
    app.send(&conversation, json!({"client_id": "b", "text": "And shipping costs?"})).await;
    let next = first_tab.next().await;
    assert!(matches!(next.kind, EventKind::VisitorMessage { ref text, .. } if text == "And shipping costs?"));
    assert_eq!(second_tab.next().await, next);
}

#[tokio::test]
async fn a_stream_opened_mid_answer_gets_the_backlog_then_the_rest_without_a_gap() {
    let app = spawn_app().await;
    let conversation = app.create_conversation().await;
    let mut early = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "Which payment methods do you accept?"})).await;
    // Join once the answer has begun, wherever it is by then.
    early.collect_until(|kind| matches!(kind, EventKind::AgentMessageDelta { .. })).await;
    let mut late = app.events(&conversation, Seq(0)).await;
    let from_early = app.events(&conversation, Seq(0)).await.collect_until(is_completed).await;
    let from_late = late.collect_until(is_completed).await;
    assert_eq!(from_late, from_early);
}

#[tokio::test]
async fn an_idle_stream_gets_heartbeat_comments() {
    let app = spawn_app_with(Setup { heartbeat: Duration::from_millis(50), ..Setup::default() }).await;
    let conversation = app.create_conversation().await;
    let response = app
        .http
        .get(app.url(&format!("/v1/conversations/{}/events", conversation.id)))
        .bearer_auth(&conversation.token)
        .send()
        .await
        .expect("sent");
    let mut body = response.bytes_stream();
    let mut seen = String::new();
    // A comment line: ignored by EventSource, but it keeps proxies from closing the stream.
    while seen.matches(": heartbeat\n\n").count() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.next())
            .await
            .expect("a heartbeat within 5 s")
            .expect("the stream stays open")
            .expect("bytes");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}
