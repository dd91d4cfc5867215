//! Rate limits behind a reverse proxy: each visitor the proxy forwards gets their own bucket,
//! and nobody else can pick a bucket by sending forwarding headers.

use std::num::NonZeroU32;

use baton_bridge::limits::LimitSettings;
use baton_bridge::proxy::{Network, TrustedProxies};
use serde_json::json;

use crate::helpers::{spawn_app_with, Setup, TestApp};

/// One new conversation per client address per minute.
fn one_conversation_each() -> LimitSettings {
    LimitSettings {
        conversations_per_ip: NonZeroU32::new(1),
        messages_per_ip: None,
        messages_per_conversation: None,
    }
}

/// Starts a conversation with these headers; the status.
async fn create(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    let mut request = app.http.post(app.url("/v1/conversations")).json(&json!({"agent": "demo"}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("sent").status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_visitor_has_their_own_limit() {
    let proxy: Network = "127.0.0.1/32".parse().expect("network");
    let app = spawn_app_with(Setup {
        limits: one_conversation_each(),
        trusted_proxies: TrustedProxies::new([proxy]),
        ..Setup::default()
    })
    .await;
    assert_eq!(create(&app, &[("x-forwarded-for", "203.0.113.1")]).await, 201);
    assert_eq!(create(&app, &[("x-forwarded-for", "203.0.113.2")]).await, 201, "another visitor");
    assert_eq!(create(&app, &[("forwarded", "for=203.0.113.3;proto=https")]).await, 201);
    assert_eq!(create(&app, &[("x-forwarded-for", "203.0.113.1")]).await, 429, "the first one again");
    // A client's own claim to the left of the address the proxy appended changes nothing.
    assert_eq!(create(&app, &[("x-forwarded-for", "198.51.100.9, 203.0.113.2")]).await, 429);
}

#[tokio::test]
async fn without_trusted_proxies_forwarding_headers_are_ignored() {
    let app = spawn_app_with(Setup { limits: one_conversation_each(), ..Setup::default() }).await;
    assert_eq!(create(&app, &[("x-forwarded-for", "203.0.113.1")]).await, 201);
    assert_eq!(create(&app, &[("x-forwarded-for", "203.0.113.2")]).await, 429, "one peer, one bucket");
    assert_eq!(create(&app, &[("forwarded", "for=203.0.113.3")]).await, 429);

    let elsewhere: Network = "10.0.0.0/8".parse().expect("network");
    let app = spawn_app_with(Setup {
        limits: one_conversation_each(),
        trusted_proxies: TrustedProxies::new([elsewhere]),
        ..Setup::default()
    })
    .await;
    assert_eq!(create(&app, &[("x-forwarded-for", "203.0.113.1")]).await, 201);
    assert_eq!(
        create(&app, &[("x-forwarded-for", "203.0.113.2")]).await,
        429,
        "127.0.0.1 is not a trusted proxy"
    );
}
