//! Random bytes and random JSON thrown at every JSON endpoint: the bridge answers each with a
//! 2xx or a 4xx in the error shape, never a 5xx, and keeps serving.

use baton_protocol::{ConversationCreated, ErrorBody};
use proptest::prelude::*;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        Just(Value::String("demo".into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("agent".to_owned()),
                    Just("text".to_owned()),
                    Just("client_id".to_owned()),
                    ".{0,8}"
                ],
                inner,
                0..4
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        any_json().prop_map(|value| value.to_string().into_bytes()),
    ]
}

async fn post(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(), TestCaseError> {
    let response = app
        .http
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .map_err(|error| TestCaseError::fail(format!("no answer: {error}")))?;
    let status = response.status();
    prop_assert!(!status.is_server_error(), "{path} answered {status}");
    if !status.is_success() {
        let error = response.json::<ErrorBody>().await;
        prop_assert!(error.is_ok(), "{path} answered {status} without the error shape");
    }
    Ok(())
}

#[test]
fn random_bodies_never_get_a_5xx_or_break_the_bridge() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (app, conversation): (TestApp, ConversationCreated) = runtime.block_on(async {
        let app = spawn_app().await;
        let conversation = app.create_conversation().await;
        (app, conversation)
    });
    let messages = format!("/v1/conversations/{}/messages", conversation.id);
    let config = ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(body in body(), json_type in any::<bool>())| {
        let content_type = if json_type { "application/json" } else { "text/plain" };
        runtime.block_on(async {
            post(&app, "/v1/conversations", "", content_type, body.clone()).await?;
            post(&app, &messages, &conversation.token, content_type, body).await
        })?;
    });
    runtime.block_on(async {
        let health = app.http.get(app.url("/healthz")).send().await.expect("still serving");
        assert_eq!(health.status(), 200);
    });
}
