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
        .header("last-event-id", "1")
        .send()
        .await
        .expect("sent");
    let first = response.bytes_stream().eventsource().next().await.expect("an event").expect("valid SSE");
    assert_eq!(first.id, "2");
    assert_eq!(first.data, serde_json::to_string(&all[1]).expect("serializes"));
}

/// The text one stream's deltas carry, each starting where the one before ended: no gap and no
/// byte twice.
fn fold_deltas(events: &[baton_protocol::Event]) -> String {
    let mut streamed = String::new();
    for event in events {
        if let EventKind::AgentMessageDelta { offset, text, .. } = &event.kind {
            assert_eq!(*offset, streamed.len(), "no gap and no overlap in one stream");
            streamed.push_str(text);
        }
    }
    streamed
}

fn stored(events: &[baton_protocol::Event]) -> Vec<&baton_protocol::Event> {
    events.iter().filter(|e| !matches!(e.kind, EventKind::AgentMessageDelta { .. })).collect()
}

/// Opens the stream as a reconnecting EventSource does, with `Last-Event-ID`; its frames as
/// (id, event).
async fn resume(
    app: &crate::helpers::Api,
    conversation: &baton_protocol::ConversationCreated,
    last_event_id: u64,
) -> impl futures::Stream<Item = (String, baton_protocol::Event)> {
    let response = app
        .http
        .get(app.url(&format!("/v1/conversations/{}/events", conversation.id)))
        .bearer_auth(&conversation.token)
        .header("last-event-id", last_event_id.to_string())
        .send()
        .await
        .expect("sent");
    response.bytes_stream().eventsource().map(|frame| {
        let frame = frame.expect("valid SSE");
        (frame.id, serde_json::from_str(&frame.data).expect("a protocol event"))
    })
}

#[tokio::test]
async fn resuming_mid_answer_gets_its_text_so_far_once_then_the_rest() {
    // Paced, so the answer is still streaming when the stream resumes.
    let app = spawn_app_with(Setup { pace: Duration::from_millis(20), ..Setup::default() }).await;
    let conversation = app.create_conversation().await;
    let mut early = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "How do I brew a pour-over?"})).await;
    let seen = early.collect_until(|kind| matches!(kind, EventKind::AgentMessageDelta { .. })).await;
    let started = seen[1].seq.0;
    let mut resumed = Box::pin(resume(&app, &conversation, started).await);
    let mut frames = Vec::new();
    while !frames.last().is_some_and(|(_, event): &(String, baton_protocol::Event)| is_completed(&event.kind))
    {
        let frame =
            tokio::time::timeout(Duration::from_secs(5), resumed.next()).await.expect("a frame in 5 s");
        frames.push(frame.expect("the stream stays open"));
    }
    let (first_id, first) = &frames[0];
    assert!(
        matches!(first.kind, EventKind::AgentMessageDelta { offset: 0, .. }),
        "the answer so far comes first, from offset 0: {first:?}"
    );
    for (id, event) in &frames {
        let delta = matches!(event.kind, EventKind::AgentMessageDelta { .. });
        assert_eq!(id.is_empty(), delta, "only stored events have an id: {id:?} {event:?}");
    }
    assert!(first_id.is_empty());
    let events: Vec<_> = frames.into_iter().map(|(_, event)| event).collect();
    let EventKind::AgentMessageCompleted { text, .. } = &events[events.len() - 1].kind else {
        unreachable!()
    };
    assert_eq!(&fold_deltas(&events), text, "the whole answer, each byte once");
    let after_id: Vec<u64> = stored(&events).iter().map(|e| e.seq.0).collect();
    assert_eq!(after_id, [started + 1], "only the completion is stored after the start");

    // Resuming after the answer finished: the completion, and no delta.
    let mut finished = Box::pin(resume(&app, &conversation, started).await);
    let (id, event) = tokio::time::timeout(Duration::from_secs(5), finished.next())
        .await
        .expect("a frame in 5 s")
        .expect("the stream stays open");
    assert_eq!(id, (started + 1).to_string());
    assert!(matches!(&event.kind, EventKind::AgentMessageCompleted { text: whole, .. } if whole == text));
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
    let app = spawn_app_with(Setup { pace: Duration::from_millis(20), ..Setup::default() }).await;
    let conversation = app.create_conversation().await;
    let mut early = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "Which payment methods do you accept?"})).await;
    // Join once the answer has begun, wherever it is by then.
    early.collect_until(|kind| matches!(kind, EventKind::AgentMessageDelta { .. })).await;
    let mut late = app.events(&conversation, Seq(0)).await;
    let from_early = app.events(&conversation, Seq(0)).await.collect_until(is_completed).await;
    let from_late = late.collect_until(is_completed).await;
    // The same stored events; the answer in pieces that may be cut differently, each byte once.
    assert_eq!(stored(&from_late), stored(&from_early));
    let EventKind::AgentMessageCompleted { text, .. } = &from_late[from_late.len() - 1].kind else {
        unreachable!()
    };
    assert_eq!(&fold_deltas(&from_late), text);
    assert_eq!(&fold_deltas(&from_early), text);
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
