//! An agent backed by an OpenAI-compatible model, through the protocol: configured live through
//! the admin API, its `handoff` tool call starts a handoff like a fired clause does.

use axum::response::IntoResponse;
use axum::routing::post;
use baton_protocol::{EventKind, Seq};
use serde_json::json;

use crate::helpers::{is_completed, spawn_app_with, Inbox, Setup};

/// A model server that streams a sentence and then calls `handoff`.
async fn fake_model() -> String {
    let chunk = |delta: serde_json::Value, finish: Option<&str>| {
        let body = json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {body}\n\n")
    };
    let body = [
        chunk(json!({"role": "assistant", "content": "Let me get someone "}), None),
        chunk(json!({"content": "for you."}), None),
        chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                "function": {"name": "handoff", "arguments": "{\"reason\": \"wholesale enquiry\"}"}}]}),
            None,
        ),
        chunk(json!({}), Some("tool_calls")),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    let app = axum::Router::new().route(
        "/v1/chat/completions",
        post(move || async move { ([("content-type", "text/event-stream")], body).into_response() }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}/v1", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    base
}

#[tokio::test]
async fn a_model_calling_handoff_hands_the_conversation_off() {
    let inbox = Inbox::default();
    let app = spawn_app_with(Setup { inbox: Some(inbox.clone()), ..Setup::default() }).await;
    let (_, mut demo) = app.admin(reqwest::Method::GET, "/v1/admin/agents/demo", None).await;
    demo["model"] = json!({"base_url": fake_model().await, "model": "m"});
    let (status, body) = app.admin(reqwest::Method::PUT, "/v1/admin/agents/demo", Some(demo)).await;
    assert_eq!(status, 200, "{body}");

    let conversation = app.create_conversation().await;
    let mut events = app.events(&conversation, Seq(0)).await;
    app.send(&conversation, json!({"client_id": "a", "text": "We'd like 50 kg a month for our cafés"})).await;
    let answer = events.collect_until(is_completed).await;
    assert!(matches!(&answer[answer.len() - 1].kind,
        EventKind::AgentMessageCompleted { text, .. } if text == "Let me get someone for you."));
    let next = events.collect_until(|kind| matches!(kind, EventKind::HandoffConnected { .. })).await;
    assert_eq!(next[0].kind, EventKind::HandoffRequested);

    let requests = inbox.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].reason, "wholesale enquiry");
    assert_eq!(requests[0].clause, None, "a model's decision names no clause");
    let decisions = app.decisions(&conversation).await;
    let decision = &decisions["decisions"][0];
    assert_eq!(decision["outcome"], "handoff");
    assert_eq!(decision["explanation"]["agent"], "openai");
    assert_eq!(decision["explanation"]["note"], "the model called handoff: wholesale enquiry");
}
