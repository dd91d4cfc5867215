//! Baton's bridge: the server the widget talks to. It stores every conversation as an
//! append-only event log, runs the agent that answers, and streams the log back to the widget.
//!
//! # Layout
//! - [`config`]: command line and environment.
//! - [`store`]: the embedded SQLite store; [`conversations`]: the shared handle that adds live
//!   fan-out to it.
//! - [`agent`]: the agent abstraction and its builtin implementation; [`knowledge`]: retrieval
//!   over the knowledge file; [`agents`]: the configured agents; [`responder`]: runs an agent
//!   and writes its answer into the log.
//! - [`routes`]: the HTTP handlers; [`error`]: the error shape they share; [`token`]: ids and
//!   secrets.

pub mod agent;
pub mod agents;
pub mod config;
pub mod conversations;
pub mod error;
pub mod knowledge;
pub mod responder;
pub mod routes;
pub mod store;
pub mod token;

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

use crate::agents::Agents;
use crate::conversations::Conversations;
use crate::responder::Responder;

/// The largest request body accepted: a maximal message with every character JSON-escaped fits.
const BODY_LIMIT: usize = 128 * 1024;

/// Everything a handler needs; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Every conversation and its live listeners.
    pub conversations: Conversations,
    /// The configured agents.
    pub agents: Arc<Agents>,
    /// Runs answers in the background.
    pub responder: Responder,
    /// Where `index.html` and `pkg/` are served from.
    pub site_dir: PathBuf,
}

impl AppState {
    /// State for `agents` over the given store, serving the site from `site_dir`.
    pub fn new(conversations: Conversations, agents: Agents, site_dir: PathBuf) -> Self {
        Self { conversations, agents: Arc::new(agents), responder: Responder::default(), site_dir }
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    use routes::{agents, conversations, events, site};
    let api = Router::new()
        .route("/v1/agents/{id}", get(agents::get_agent))
        .route("/v1/conversations", post(conversations::create_conversation))
        .route("/v1/conversations/{id}", get(conversations::get_conversation))
        .route("/v1/conversations/{id}/messages", post(conversations::send_message))
        .route("/v1/conversations/{id}/events", get(events::stream_events))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    api.merge(site::router(&state.site_dir)).with_state(state)
}

/// Serves the application on `listener` until the process is told to stop.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
