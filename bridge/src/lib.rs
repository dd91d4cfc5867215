//! Baton's bridge: the server the widget talks to. It stores every conversation as an
//! append-only event log, runs the agent that answers, and streams the log back to the widget.
//!
//! # Layout
//! - [`config`]: command line and environment.
//! - [`store`]: the embedded SQLite store; [`conversations`]: the shared handle that adds live
//!   fan-out to it.
//! - [`agent`]: the agent abstraction, the builtin agent and the OpenAI-compatible one;
//!   [`triggers`]: plain-language trigger instructions as rules; [`knowledge`]: retrieval over
//!   the knowledge file; [`settings`]: the agents file; [`agents`]: the live agents;
//!   [`responder`]: runs an agent and writes its turn into the log; [`handoff`]: hands
//!   conversations to the support inbox; [`intercom`]: that inbox, Intercom, both ways.
//! - [`routes`]: the HTTP handlers; [`error`]: the error shape they share; [`limits`]: rate
//!   limits; [`proxy`]: the client's address behind proxies; [`bounds`]: how long what a page sends may be; [`headers`]: security headers;
//!   [`token`]: ids and tokens; [`secret`]: secrets in memory and sealed at rest.

pub mod agent;
pub mod agents;
pub mod bounds;
pub mod config;
pub mod conversations;
pub mod error;
pub mod handoff;
pub mod headers;
pub mod intercom;
pub mod knowledge;
pub mod limits;
pub mod proxy;
pub mod responder;
pub mod routes;
pub mod routing;
pub mod secret;
pub mod settings;
pub mod store;
pub mod token;
pub mod triggers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Method};
use axum::routing::{get, post, put};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::agents::Registry;
use crate::conversations::Conversations;
use crate::handoff::{HandoffTarget, Handoffs, NoInbox, RetryPolicy};
use crate::intercom::Intercom;
use crate::limits::{LimitSettings, RateLimits};
use crate::proxy::TrustedProxies;
use crate::responder::Responder;

/// The largest request body accepted: a maximal message with every character JSON-escaped fits.
const BODY_LIMIT: usize = 128 * 1024;
/// The largest webhook accepted: a notification carries a whole conversation object.
const WEBHOOK_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Everything a handler needs; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Every conversation and its live listeners.
    pub conversations: Conversations,
    /// The configured agents.
    pub agents: Arc<Registry>,
    /// Hands conversations to the support inbox.
    pub handoffs: Handoffs,
    /// Runs answers in the background.
    pub responder: Responder,
    /// The Intercom workspace, when one is configured.
    pub intercom: Option<Arc<Intercom>>,
    /// SHA-256 of the admin API's token; the admin API is off without one.
    pub admin_token_hash: Option<Arc<str>>,
    /// Where `index.html` and `pkg/` are served from.
    pub site_dir: PathBuf,
    /// Request rate limits.
    pub limits: Arc<RateLimits>,
    /// The proxies whose forwarding headers name the client.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// How often an idle event stream sends a comment to stay open.
    pub heartbeat: Duration,
}

impl AppState {
    /// State for `agents` over the given store, serving the site from `site_dir`, with the
    /// default rate limits.
    pub fn new(conversations: Conversations, agents: Arc<Registry>, site_dir: PathBuf) -> Self {
        let handoffs = Handoffs::new(
            conversations.clone(),
            Arc::clone(&agents),
            Arc::new(NoInbox),
            RetryPolicy::default(),
        );
        Self {
            conversations,
            agents,
            responder: Responder::new(handoffs.clone()),
            handoffs,
            intercom: None,
            admin_token_hash: None,
            site_dir,
            limits: Arc::new(RateLimits::new(LimitSettings::default())),
            trusted_proxies: Arc::default(),
            heartbeat: routes::events::HEARTBEAT,
        }
    }

    /// The same state with another heartbeat interval.
    pub fn with_heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// The same state handing conversations off to `target`, retrying as `policy` says.
    pub fn with_handoff_target(mut self, target: Arc<dyn HandoffTarget>, policy: RetryPolicy) -> Self {
        self.handoffs = Handoffs::new(self.conversations.clone(), Arc::clone(&self.agents), target, policy);
        self.responder = Responder::new(self.handoffs.clone());
        self
    }

    /// The same state handing off to Intercom and relaying its webhooks.
    pub fn with_intercom(self, intercom: Arc<Intercom>, policy: RetryPolicy) -> Self {
        let mut state = self.with_handoff_target(Arc::new(Arc::clone(&intercom)), policy);
        state.intercom = Some(intercom);
        state
    }

    /// The same state with the admin API open to `token`.
    pub fn with_admin_token(mut self, token: &str) -> Self {
        self.admin_token_hash = Some(token::hash(token).into());
        self
    }

    /// The same state believing the forwarding headers of these proxies.
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// The same state with other rate limits.
    pub fn with_limits(mut self, settings: LimitSettings) -> Self {
        self.limits = Arc::new(RateLimits::new(settings));
        self
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    use routes::{admin, agents, analytics, conversations, events, site};
    let webhooks = Router::new()
        .route(
            "/v1/intercom/webhooks",
            post(intercom::routes::receive_webhook).head(intercom::routes::webhook_probe),
        )
        .layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT));
    let api = Router::new()
        .route("/v1/agents/{id}", get(agents::get_agent))
        .route("/v1/conversations", post(conversations::create_conversation))
        .route("/v1/conversations/{id}", get(conversations::get_conversation))
        .route("/v1/conversations/{id}/messages", post(conversations::send_message))
        .route("/v1/conversations/{id}/visitor", put(conversations::update_visitor))
        .route("/v1/conversations/{id}/events", get(events::stream_events))
        .route("/v1/agents/{id}/analytics/handoff-reasons", get(analytics::handoff_reasons))
        .route("/v1/admin/agents", get(admin::list_agents))
        .route(
            "/v1/admin/agents/{id}",
            get(admin::get_agent).put(admin::put_agent).delete(admin::delete_agent),
        )
        .route("/v1/admin/reload", post(admin::reload))
        .route("/v1/admin/conversations/{id}/decisions", get(admin::decisions))
        .route("/v1/admin/intercom", get(intercom::routes::status))
        .route("/v1/admin/intercom/authorize", post(intercom::routes::authorize))
        .route("/v1/admin/intercom/directory", get(intercom::routes::directory))
        .route("/v1/intercom/oauth/callback", get(intercom::routes::callback))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(cors());
    headers::on_every_response(api.merge(webhooks).merge(site::router(&state.site_dir))).with_state(state)
}

/// Any page may call the API from the browser: which sites may start conversations is each
/// agent's origin allowlist, checked by the handler, and everything after that needs the
/// conversation's token, which no other site has. No cookies are involved.
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

/// Serves the application on `listener` until `shutdown` completes, after setting off the
/// answers a previous process left half-sent.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.responder.resume_interrupted(&state.conversations, &state.agents).map_err(std::io::Error::other)?;
    state.handoffs.resume_pending().map_err(std::io::Error::other)?;
    if let Some(intercom) = &state.intercom {
        intercom.resume().map_err(std::io::Error::other)?;
    }
    let limits = Arc::clone(&state.limits);
    let sweeper = tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            limits.forget_idle();
        }
    });
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    sweeper.abort();
    served
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
