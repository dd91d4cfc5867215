//! `GET /metrics`: what the bridge holds and has done, in the OpenMetrics text format that
//! Prometheus scrapes, for an operator to watch (and for tests to wait on: a stream counted here
//! is one the bridge still holds). Each scrape reads the meters where they live into a fresh
//! registry; the handoffs by status are the database's, so every bridge reports all of them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

use crate::error::ApiError;
use crate::store::HandoffStatus;
use crate::AppState;

/// `GET /metrics`
pub async fn metrics(State(state): State<Arc<AppState>>) -> Result<impl IntoResponse, ApiError> {
    let mut registry = Registry::default();
    let (streams, stream_clients) = state.streams.held();
    let gauges = [
        ("baton_open_streams", "Event streams open now", streams),
        ("baton_stream_clients", "Client addresses with an event stream open", stream_clients),
        (
            "baton_listened_conversations",
            "Conversations with a live channel (someone listening)",
            state.conversations.listened(),
        ),
        (
            "baton_background_tasks",
            "Background work running or waiting (turns, deliveries, relays, webhooks)",
            state.tasks.running(),
        ),
    ];
    for (name, help, value) in gauges {
        registry.register(name, help, ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX)));
    }
    let store = state.conversations.metrics();
    registry.register(
        "baton_store_commits",
        "Transactions the store committed",
        ConstCounter::new(store.commits),
    );
    registry.register(
        "baton_store_writes",
        "Writes the store committed (several share a transaction when they arrive together)",
        ConstCounter::new(store.writes),
    );
    state.conversations.appends().register(&mut registry);
    let handoffs = Family::<[(&str, &str); 1], Gauge>::default();
    let counts = state.conversations.handoff_counts().await?;
    for status in [HandoffStatus::Pending, HandoffStatus::Connected, HandoffStatus::Failed] {
        let count = counts.iter().find(|(counted, _)| *counted == status).map_or(0, |(_, count)| *count);
        handoffs.get_or_create(&[("status", status.as_str())]).set(i64::try_from(count).unwrap_or(i64::MAX));
    }
    registry.register("baton_handoffs", "Handoffs in the database, by status", handoffs);
    if let Some(calls) = state.inbox.calls() {
        calls.register(&mut registry);
    }
    registry.register(
        "baton_rate_limit_refusals",
        "Requests refused by a rate limit",
        ConstCounter::new(state.limits.refused()),
    );
    let mut text = String::new();
    // Writing to a String cannot fail.
    let _ = encode(&mut text, &registry);
    Ok(([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text))
}
