//! Who may do what: the origin allowlist, CORS, rate limits, and tokens on the event stream.

use std::num::NonZeroU32;

use baton_bridge::limits::LimitSettings;
use baton_protocol::{ConversationCreated, ErrorBody};
use serde_json::json;

use crate::helpers::{spawn_app_with, Setup};

#[tokio::test]
async fn only_allowed_origins_can_start_conversations() {
    let app =
        spawn_app_with(Setup { allowed_origins: vec!["https://shop.example".into()], ..Setup::default() })
            .await;
    let create = |origin: Option<&'static str>| {
        let mut request = app.http.post(app.url("/v1/conversations")).json(&json!({"agent": "demo"}));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    let allowed = create(Some("https://shop.example")).await.expect("sent");
    assert_eq!(allowed.status(), 201);
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://shop.example");
    let refused = create(Some("https://evil.example")).await.expect("sent");
    assert_eq!(refused.status(), 403);
    let error: ErrorBody = refused.json().await.expect("error shape");
    assert_eq!(error.error.code, "origin_not_allowed");
    assert_eq!(create(None).await.expect("sent").status(), 201, "server-side callers send no Origin");
}

#[tokio::test]
async fn a_browser_preflight_is_answered_for_the_headers_the_widget_sends() {
    let app = spawn_app_with(Setup::default()).await;
    let response = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/v1/conversations/x/messages"))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .send()
        .await
        .expect("sent");
    assert!(response.status().is_success());
    let allowed = response.headers()["access-control-allow-headers"].to_str().expect("ascii").to_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{allowed}");
}

#[tokio::test]
async fn past_a_rate_limit_requests_get_429_with_retry_after() {
    let limits = LimitSettings {
        conversations_per_ip: NonZeroU32::new(3),
        messages_per_ip: None,
        messages_per_conversation: NonZeroU32::new(2),
    };
    let app = spawn_app_with(Setup { limits, ..Setup::default() }).await;
    let mut conversations = Vec::new();
    for _ in 0..3 {
        conversations.push(app.create_conversation().await);
    }
    let refused = app
        .http
        .post(app.url("/v1/conversations"))
        .json(&json!({"agent": "demo"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 429);
    let retry_after: u64 =
        refused.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.json::<ErrorBody>().await.expect("shape").error.code, "rate_limited");

    let first = &conversations[0];
    for n in 0..2 {
        let sent = app.send(first, json!({"client_id": format!("k{n}"), "text": "hi"})).await;
        assert_eq!(sent.status(), 202);
    }
    let third = app.send(first, json!({"client_id": "k2", "text": "hi"})).await;
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));
    let other = app.send(&conversations[1], json!({"client_id": "k0", "text": "hi"})).await;
    assert_eq!(other.status(), 202, "the per-conversation limit is per conversation");
}

#[tokio::test]
async fn the_event_stream_takes_the_token_as_a_header_or_query_but_never_a_wrong_one() {
    let app = spawn_app_with(Setup::default()).await;
    let ConversationCreated { id, token } = app.create_conversation().await;
    let events = format!("/v1/conversations/{id}/events");
    let by_query = app.http.get(app.url(&format!("{events}?token={token}"))).send().await.expect("sent");
    assert_eq!(by_query.status(), 200);
    let by_header = app.http.get(app.url(&events)).bearer_auth(&token).send().await.expect("sent");
    assert_eq!(by_header.status(), 200);
    for bad in [format!("{events}?token=wrong"), events.clone(), "/v1/conversations/nope/events".into()] {
        let response = app.http.get(app.url(&bad)).send().await.expect("sent");
        assert_eq!(response.status(), 401, "{bad}");
    }
}
