//! A local stand-in for Intercom. It speaks the subset of Intercom's REST API (version 2.16)
//! that Baton uses, with the same JSON and error bodies, keeps admins, teams, contacts and
//! conversations in memory, sends signed webhooks as Intercom does, and serves an inbox page
//! where a person plays the teammate. The bridge talks to it exactly as to Intercom.
//!
//! # Layout
//! - [`sandbox`]: the shared handle; [`workspace`]: the stored contacts and conversations;
//!   [`seed`]: the fixed workspace, admins and teams; [`ids`]: Intercom-shaped ids.
//! - [`contact`], [`conversation`]: the records and their pure state changes;
//!   [`requests`]: the conversation endpoints' request bodies; [`search`]: search queries;
//!   [`body`]: HTML bodies, as text and sanitized; [`attachments`]: files attached by address.
//! - [`api`]: the REST handlers; [`wire`]: Intercom's JSON; [`pages`]: pagination;
//!   [`error`]: Intercom's error bodies.
//! - [`webhooks`]: signed notifications; [`oauth`]: the OAuth flow; [`controls`]: the
//!   `/_sandbox` test controls; [`inbox`], [`html`], [`avatars`]: the pages.
//! - [`config`]: the binary's flags.

pub mod api;
pub mod attachments;
pub mod avatars;
pub mod body;
pub mod config;
pub mod contact;
pub mod controls;
pub mod conversation;
pub mod error;
pub mod html;
pub mod ids;
pub mod inbox;
pub mod oauth;
pub mod pages;
pub mod requests;
pub mod sandbox;
pub mod search;
pub mod seed;
pub mod webhooks;
pub mod wire;
pub mod workspace;

use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

pub use crate::sandbox::{Sandbox, SandboxConfig};

/// The whole HTTP application: the API (token, faults, request log), OAuth, the test
/// controls, and the inbox pages.
pub fn app(sandbox: Sandbox) -> Router {
    // Layers wrap the routes added before them: holds, the token check and fault injection
    // apply to the API only; the request log also sees the OAuth token exchange.
    let logged = api::router()
        .layer(from_fn_with_state(sandbox.clone(), controls::hold_answers))
        .layer(from_fn_with_state(sandbox.clone(), api::require_token))
        .layer(from_fn_with_state(sandbox.clone(), controls::inject_faults))
        .route("/auth/eagle/token", post(oauth::exchange_code))
        .layer(from_fn_with_state(sandbox.clone(), controls::record_requests));
    Router::new()
        .route("/oauth", get(oauth::consent_page))
        .route("/oauth/authorize", post(oauth::authorize))
        .route("/avatars/{file}", get(avatars::avatar))
        .route("/_sandbox/files/label.png", get(attachments::sample))
        .merge(inbox::router())
        .merge(controls::router())
        .merge(logged)
        .with_state(sandbox)
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    sandbox: Sandbox,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(sandbox)).with_graceful_shutdown(shutdown).await
}

/// Completes on Ctrl-C or SIGTERM: how the binary is told to stop.
pub async fn shutdown_signal() {
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
