//! Baton's bridge: the server the widget talks to. It stores every conversation as an
//! append-only event log, runs the agent that answers, and streams the log back to the widget.
//!
//! # Layout
//! - [`config`]: command line and environment.
//! - [`store`]: the storage seam (named async operations by concern) and its SQLite and
//!   PostgreSQL engines;
//!   [`conversations`]: the shared handle on the engine and the live feeds.
//! - [`agent`]: the agent abstraction, the builtin agent and the OpenAI-compatible one;
//!   [`triggers`]: plain-language trigger instructions as rules; [`knowledge`]: retrieval over
//!   the knowledge file; [`settings`]: the agents file; [`agents`]: the live agents;
//!   [`registry`]: where their settings are kept (the file, or the database every bridge shares);
//!   [`responder`]: runs an agent and writes its turn into the log; [`handoff`]: hands
//!   conversations to the support inbox ([`inbox`]); [`intercom`]: that inbox, both ways;
//!   [`preview`]: the key that marks the dashboard preview's conversations as tests.
//! - [`routes`]: the HTTP handlers; [`error`]: the error shape they share; [`limits`]: rate
//!   limits; [`metrics`]: what `/metrics` reports of the work; [`server`] and [`slots`]: the accept loop and its caps; [`proxy`]: the client's
//!   address behind proxies; [`bounds`]: how long what a page sends may be; [`headers`]:
//!   security headers; [`token`]: ids and tokens; [`secret`]: secrets in memory and sealed at
//!   rest.
//! - [`files`]: what visitors' attachments are (sniffed) and their signed addresses.
//! - [`retention`]: how long conversations are kept.
//! - [`tasks`]: background work, tracked; [`leases`]: each piece of it done by one bridge;
//!   [`turns`]: one at a time per conversation; [`backoff`]: how retries wait.

pub mod agent;
pub mod agents;
pub mod backoff;
pub mod bounds;
pub mod config;
pub mod conversations;
pub mod error;
pub mod files;
pub mod handoff;
pub mod headers;
pub mod hours;
pub mod inbox;
pub mod intercom;
pub mod knowledge;
pub mod language;
pub mod leases;
pub mod limits;
pub mod metrics;
pub mod preview;
pub mod proxy;
pub mod registry;
pub mod responder;
pub mod retention;
pub mod routes;
pub mod routing;
pub mod secret;
pub mod server;
pub mod settings;
pub mod slots;
pub mod store;
pub mod tasks;
pub mod token;
pub mod triggers;
pub mod turns;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, Method, StatusCode};
use axum::routing::{delete, get, post, put};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;

use crate::agents::Registry;
use crate::conversations::Conversations;
use crate::files::UrlSigner;
use crate::handoff::{Handoffs, RetryPolicy};
use crate::inbox::{Inbox, NoInbox};
use crate::leases::Leasing;
use crate::limits::{LimitSettings, RateLimits};
use crate::proxy::TrustedProxies;
use crate::responder::Responder;
use crate::retention::Retention;
use crate::secret::SecretKey;
use crate::server::ConnectionLimits;
use crate::slots::Slots;
use crate::tasks::Tasks;

/// The largest request body accepted: a maximal message with every character JSON-escaped fits.
const BODY_LIMIT: usize = 128 * 1024;
/// How long a whole request may take, from its headers to the start of the answer (an event
/// stream's answer starts at once): a body sent slowly, byte by byte, is cut off.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an upload may take: a 10 MB photo over a slow phone connection (1 Mbit/s) takes 80 s.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(180);

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
    /// The support inbox.
    pub inbox: Arc<dyn Inbox>,
    /// Background work: turns, deliveries, relays, webhooks.
    pub tasks: Tasks,
    /// Claims background work for this bridge, among those on the same database.
    pub leasing: Leasing,
    /// SHA-256 of the admin API's token; the admin API is off without one.
    pub admin_token_hash: Option<Arc<str>>,
    /// Where `index.html` and `pkg/` are served from.
    pub site_dir: PathBuf,
    /// Request rate limits.
    pub limits: Arc<RateLimits>,
    /// Open event streams, capped per client.
    pub streams: Slots,
    /// What the accept loop allows.
    pub connections: ConnectionLimits,
    /// Set when a stop signal came: `/readyz` answers 503 from then on.
    pub draining: Arc<AtomicBool>,
    /// The proxies whose forwarding headers name the client.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// How often an idle event stream sends a comment to stay open.
    pub heartbeat: Duration,
    /// How long idle conversations are kept; forever when `None`.
    pub retention: Option<Retention>,
    /// Signs the addresses files are served on.
    pub signer: UrlSigner,
    /// The address Intercom and visitors reach the bridge on, for file addresses; the request's
    /// own host when `None`.
    pub public_url: Option<Arc<str>>,
}

/// Event streams one client address may hold open: a visitor has one per tab.
pub const STREAMS_PER_CLIENT: usize = 32;

impl AppState {
    /// State for `agents` over the given store, serving the site from `site_dir`, with the
    /// default limits and no inbox.
    pub fn new(conversations: Conversations, agents: Arc<Registry>, site_dir: PathBuf) -> Self {
        let tasks = Tasks::new();
        let leasing = Leasing::new(conversations.clone(), leases::DEFAULT_TERM);
        let handoffs = Handoffs::new(
            conversations.clone(),
            Arc::clone(&agents),
            Arc::new(NoInbox),
            RetryPolicy::default(),
            tasks.clone(),
            leasing.clone(),
        );
        Self {
            conversations,
            agents,
            responder: Responder::new(handoffs.clone(), tasks.clone()),
            handoffs,
            inbox: Arc::new(NoInbox),
            tasks,
            leasing,
            admin_token_hash: None,
            site_dir,
            limits: Arc::new(RateLimits::new(LimitSettings::default())),
            streams: Slots::new(None, Some(STREAMS_PER_CLIENT)),
            connections: ConnectionLimits::default(),
            draining: Arc::default(),
            trusted_proxies: Arc::default(),
            heartbeat: routes::events::HEARTBEAT,
            retention: None,
            // A key of this process alone: a bridge started with a secret key signs with it.
            signer: UrlSigner::new(&SecretKey::generate()),
            public_url: None,
        }
    }

    /// The same state signing file addresses with (a key derived from) `key`, the one every
    /// bridge on the same database shares.
    pub fn with_secret_key(mut self, key: &SecretKey) -> Self {
        self.signer = UrlSigner::new(key);
        self
    }

    /// The same state giving file addresses on `url` (`https://chat.example.com`).
    pub fn with_public_url(mut self, url: Option<String>) -> Self {
        self.public_url = url.map(Into::into);
        self
    }

    /// What an inbox is built with: this state's store, agents and task tracker.
    pub fn inbox_context(&self) -> inbox::InboxContext {
        inbox::InboxContext {
            conversations: self.conversations.clone(),
            agents: Arc::clone(&self.agents),
            tasks: self.tasks.clone(),
            signer: self.signer.clone(),
            leasing: self.leasing.clone(),
        }
    }

    /// The same state with leases on background work lasting `term` unless renewed: how long
    /// the work of a bridge that died waits for another. Set before [`AppState::with_inbox`],
    /// whose inbox is built with them.
    pub fn with_lease_term(mut self, term: Duration) -> Self {
        self.leasing = Leasing::new(self.conversations.clone(), term);
        self.handoffs = self.handoffs.with_leasing(self.leasing.clone());
        self.responder = Responder::new(self.handoffs.clone(), self.tasks.clone());
        self
    }

    /// The same state with another heartbeat interval.
    pub fn with_heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// The same state handing conversations off to `inbox`, retrying as `policy` says.
    pub fn with_inbox(mut self, inbox: Arc<dyn Inbox>, policy: RetryPolicy) -> Self {
        self.handoffs = Handoffs::new(
            self.conversations.clone(),
            Arc::clone(&self.agents),
            Arc::clone(&inbox),
            policy,
            self.tasks.clone(),
            self.leasing.clone(),
        );
        self.responder = Responder::new(self.handoffs.clone(), self.tasks.clone());
        self.inbox = inbox;
        self
    }

    /// The same state deleting conversations idle past `retention`. The sweep runs until the
    /// bridge stops, so [`Tasks::settled`] does not complete while it serves.
    pub fn with_retention(mut self, retention: Option<Retention>) -> Self {
        self.retention = retention;
        self
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

    /// The same state with other connection caps and timeouts, and `streams_per_client` event
    /// streams per client address (`None`: no cap).
    pub fn with_connections(
        mut self,
        connections: ConnectionLimits,
        streams_per_client: Option<usize>,
    ) -> Self {
        self.connections = connections;
        self.streams = Slots::new(None, streams_per_client);
        self
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    use routes::{admin, agents, analytics, conversations, events, files, site};
    let api = Router::new()
        .route("/v1/agents/{id}", get(agents::get_agent))
        .route("/v1/conversations", post(conversations::create_conversation))
        .route("/v1/conversations/{id}", get(conversations::get_conversation))
        .route("/v1/conversations/{id}/messages", post(conversations::send_message))
        .route("/v1/conversations/{id}/visitor", put(conversations::update_visitor))
        .route("/v1/conversations/{id}/rating", post(conversations::rate_conversation))
        .route("/v1/conversations/{id}/events", get(events::stream_events))
        .route("/v1/files/{id}", get(files::get_file))
        .route("/v1/agents/{id}/analytics/handoff-reasons", get(analytics::handoff_reasons))
        .route("/v1/agents/{id}/analytics/ratings", get(analytics::ratings))
        .route(
            "/v1/agents/{id}/analytics/handoff-reasons/conversations",
            get(analytics::reason_conversations),
        )
        .route("/v1/admin/agents/{id}/preview-key", get(admin::preview_key))
        .route("/v1/admin/sign-in", get(admin::sign_in))
        .route("/v1/admin/agents", get(admin::list_agents))
        .route(
            "/v1/admin/agents/{id}",
            get(admin::get_agent).put(admin::put_agent).delete(admin::delete_agent),
        )
        .route("/v1/admin/reload", post(admin::reload))
        .route("/v1/admin/conversations/{id}/decisions", get(admin::decisions))
        .route("/v1/admin/conversations/{id}", delete(admin::erase_conversation))
        .route("/v1/admin/conversations/{id}/export", get(admin::export_conversation))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::metrics::metrics))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(cors());
    let inbox = Arc::clone(&state.inbox).routes();
    let app = api
        .merge(inbox)
        .merge(site::router(&state.site_dir))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT));
    // Uploads read their body themselves, up to the file limit, and get longer to send it.
    let uploads = Router::new()
        .route("/v1/conversations/{id}/files", post(files::upload_file))
        .layer(cors())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, UPLOAD_TIMEOUT));
    // Behind one `Arc`: axum clones a route's state for each request, and cloning `AppState`
    // itself copies its site path and takes a reference on each of its parts (on a cancellation
    // token, under a lock).
    headers::on_every_response(app.merge(uploads)).with_state(Arc::new(state))
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

/// Serves the application on `listener` until `shutdown` completes, after setting off what a
/// previous process left undone (half-sent answers, pending handoffs, the inbox's relays). Then
/// it stops: event streams end (clients resume elsewhere by `Last-Event-ID`), waits in retries
/// are cut short, and requests and background work in flight get a bounded time to finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state
        .responder
        .resume_interrupted(&state.conversations, &state.agents)
        .await
        .map_err(std::io::Error::other)?;
    state.handoffs.resume_pending().await.map_err(std::io::Error::other)?;
    state.inbox.resume().await.map_err(std::io::Error::other)?;
    if let Some(retention) = state.retention {
        retention::keep(state.conversations.clone(), retention, &state.tasks);
    }
    let (buckets, tasks) = (state.conversations.clone(), state.tasks.clone());
    let sweeper = tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            if let Err(error) = buckets.forget_full_buckets().await {
                tracing::warn!(%error, "the rate limits' full buckets could not be forgotten");
            }
        }
    });
    // Not tracked: it runs as long as the bridge serves; what it sets off is. It takes over
    // the work of bridges that died (their leases lapsed): handoffs, answers in flight.
    let (handoffs, responder) = (state.handoffs.clone(), state.responder.clone());
    let (conversations, agents) = (state.conversations.clone(), Arc::clone(&state.agents));
    let takeover = tokio::spawn(async move {
        let mut every = tokio::time::interval(handoffs.sweep_every());
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(error) = handoffs.resume_pending().await {
                tracing::warn!(%error, "pending handoffs could not be looked at");
            }
            if let Err(error) = responder.resume_interrupted(&conversations, &agents).await {
                tracing::warn!(%error, "answers in flight could not be looked at");
            }
        }
    });
    let (connections, proxies) = (state.connections, Arc::clone(&state.trusted_proxies));
    let (stopping, draining, streams) =
        (tasks.clone(), Arc::clone(&state.draining), state.conversations.clone());
    let stop = async move {
        shutdown.await;
        draining.store(true, Ordering::SeqCst);
        if !connections.drain.is_zero() {
            tracing::info!(
                seconds = connections.drain.as_secs(),
                "draining: /readyz answers 503 before the stop"
            );
            tokio::time::sleep(connections.drain).await;
        }
        tracing::info!("stopping: ending event streams, finishing requests and background work");
        stopping.stop();
        streams.end_streams();
    };
    let served = server::serve(listener, app(state), connections, &proxies, stop).await;
    sweeper.abort();
    takeover.abort();
    if !tasks.finish(connections.shutdown_grace).await {
        tracing::warn!(
            running = tasks.running(),
            "background work still running after the shutdown grace; the next start resumes it"
        );
    }
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
