//! Health for whoever runs the bridge: `GET /healthz`, the process answers; `GET /readyz`, it
//! should be sent visitors — its database answers and it is not stopping. A load balancer routes
//! by `/readyz`, so after a stop signal it sends new visitors elsewhere while the bridge drains.

use std::sync::Arc;

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use baton_protocol::ConversationId;

use crate::AppState;

/// `GET /healthz`
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`
pub async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, &'static str) {
    if state.draining.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping");
    }
    // A lookup of a conversation that cannot exist: the database answers, or it does not.
    match state.conversations.get(&ConversationId::from("")).await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::error!(%error, "readiness: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
