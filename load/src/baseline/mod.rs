//! The baseline Baton is measured against: a bare axum server speaking the same widget wire
//! contract as the bridge (create a conversation, send a message idempotently, stream the log
//! resumably by seq, bearer token checked), with the events in memory only and no agent logic.
//! Whatever the visitor writes, it streams the demo agent's answer to the load generator's
//! question, at the demo agent's pace, so both servers carry the same events per message.
//!
//! What it leaves out is exactly what the bridge pays for storage and for the agent: no SQLite,
//! no transcript read or decision record per turn, no knowledge search. Everything else is
//! done the way the bridge does it: one lock over every conversation, one broadcast channel of
//! the same capacity per conversation, tokens compared as SHA-256 hashes, one turn at a time
//! per conversation, the same request layers (body limit, CORS, request timeout) and heartbeat.
//!
//! # Layout
//! - [`log`]: the conversations in memory, each with its broadcast channel.
//! - [`routes`]: the three handlers of the contract.
//! - [`answer`]: the fixed answer, streamed in the demo agent's pieces at its pace.
//! - [`error`]: the error shape the handlers share.

pub mod answer;
pub mod error;
pub mod log;
pub mod routes;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Method, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use baton_protocol::AgentId;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use self::log::Conversations;

/// The bridge's body limit, so a request is read the same way.
const BODY_LIMIT: usize = 128 * 1024;
/// The bridge's limit on a whole request, headers to the start of the answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything a handler needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Every conversation and its live channel.
    pub conversations: Conversations,
    /// The one agent conversations may be started with.
    pub agent: Arc<AgentId>,
    /// Time before each piece of the answer.
    pub pace: Duration,
    /// How often an idle event stream sends a comment to stay open.
    pub heartbeat: Duration,
}

impl Baseline {
    /// A baseline answering for `agent` at `pace`, its streams kept open every `heartbeat`.
    pub fn new(agent: AgentId, pace: Duration, heartbeat: Duration) -> Self {
        Self { conversations: Conversations::default(), agent: Arc::new(agent), pace, heartbeat }
    }
}

/// The whole HTTP application.
pub fn app(state: Baseline) -> Router {
    Router::new()
        .route("/v1/conversations", post(routes::create_conversation))
        .route("/v1/conversations/{id}/messages", post(routes::send_message))
        .route("/v1/conversations/{id}/events", get(routes::stream_events))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(cors())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .with_state(state)
}

/// The bridge's CORS answer: any page may call, the token guards the rest.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("last-event-id"),
        ])
        .max_age(Duration::from_secs(3600))
}

/// Serves the baseline on `listener` until the process ends.
pub async fn serve(listener: TcpListener, state: Baseline) -> std::io::Result<()> {
    axum::serve(listener, app(state)).await
}
