//! `GET /metrics` as an operator reads it: after a handoff to the Intercom sandbox and a message
//! a rate limit refused, the events appended and how long their commits took, the handoffs by
//! status, the Intercom calls by outcome and the refusals are all there, in the OpenMetrics text
//! Prometheus scrapes.

use std::num::NonZeroU32;

use baton_bridge::limits::LimitSettings;
use serde_json::json;

use crate::helpers::{spawn_app_with, Setup};
use crate::intercom::{hand_off_conversation, Workspace};

/// The value of the sample `series` (name and labels, as written), if there is one.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[tokio::test]
async fn metrics_report_appends_handoffs_intercom_calls_and_refusals() {
    let workspace = Workspace::start().await;
    let limits = LimitSettings {
        conversations_per_ip: None,
        messages_per_ip: None,
        messages_per_conversation: NonZeroU32::new(2),
    };
    let app =
        spawn_app_with(Setup { intercom: Some(workspace.settings()), limits, ..Setup::default() }).await;
    workspace.notify(&app);
    let (conversation, _events) = hand_off_conversation(&app, app.create_conversation_as_ada().await).await;
    let refused = app.send(&conversation, json!({"client_id": "c", "text": "Still there?"})).await;
    assert_eq!(refused.status(), 429, "the third message of the minute");

    let response = app.http.get(app.url("/metrics")).send().await.expect("metrics");
    assert!(response.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("application/openmetrics-text"));
    let text = response.text().await.expect("text");
    let value = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
    // Two visitor messages, the answer's start and end, the handoff requested and connected.
    assert!(value("baton_events_appended_total") >= 6.0);
    assert!(value("baton_append_seconds_count") >= 6.0, "each append's commit was timed");
    assert!(value("baton_append_seconds_sum") > 0.0);
    assert_eq!(value(r#"baton_handoffs{status="connected"}"#), 1.0);
    assert_eq!(value(r#"baton_handoffs{status="pending"}"#), 0.0);
    assert_eq!(value(r#"baton_handoffs{status="failed"}"#), 0.0);
    let calls = value(r#"baton_intercom_calls_total{outcome="ok"}"#);
    assert!(calls >= 2.0, "at least a contact and a conversation: {calls}");
    assert_eq!(value(r#"baton_intercom_call_seconds_count{outcome="ok"}"#), calls);
    assert_eq!(value("baton_rate_limit_refusals_total"), 1.0);
    assert!(text.trim_end().ends_with("# EOF"));
}
