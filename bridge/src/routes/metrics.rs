//! `GET /metrics`: what the bridge holds right now, in Prometheus's text format, for an operator
//! to watch (and for tests to wait on: a stream counted here is one the bridge still holds).

use std::fmt::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::AppState;

/// `GET /metrics`
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let (streams, stream_clients) = state.streams.held();
    let gauges = [
        ("baton_open_streams", "Event streams open now.", streams),
        ("baton_stream_clients", "Client addresses with an event stream open.", stream_clients),
        (
            "baton_listened_conversations",
            "Conversations with a live channel (someone listening).",
            state.conversations.listened(),
        ),
        (
            "baton_background_tasks",
            "Background work running or waiting (turns, deliveries, relays, webhooks).",
            state.tasks.running(),
        ),
    ];
    let store = state.conversations.metrics();
    let counters = [
        ("baton_store_commits_total", "Transactions the store committed.", store.commits),
        (
            "baton_store_writes_total",
            "Writes the store committed (several share a transaction when they arrive together).",
            store.writes,
        ),
    ];
    let mut text = String::new();
    // Writing to a String cannot fail.
    for (name, help, value) in gauges {
        let _ = write!(text, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
    }
    for (name, help, value) in counters {
        let _ = write!(text, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
