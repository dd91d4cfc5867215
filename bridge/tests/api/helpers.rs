//! A real bridge on 127.0.0.1:0 with a fresh database per test, and a client that speaks to it
//! over HTTP the way the widget does.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton_bridge::agents::Registry;
use baton_bridge::backoff::Backoff;
use baton_bridge::conversations::Conversations;
use baton_bridge::handoff::{Delivered, DeliveryError, HandoffRequest, RetryPolicy};
use baton_bridge::inbox::Inbox as SupportInbox;
use baton_bridge::intercom::{Intercom, IntercomSettings};
use baton_bridge::limits::LimitSettings;
use baton_bridge::proxy::TrustedProxies;
use baton_bridge::secret::SecretKey;
use baton_bridge::settings::SettingsFile;
use baton_bridge::tasks::Tasks;
use baton_bridge::AppState;
use baton_protocol::{ConversationCreated, Event, EventKind, Seq, Snapshot};
use eventsource_stream::Eventsource;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::StreamExt;
use serde_json::{json, Value};

/// Speaks the widget API to one bridge.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

/// The admin token of test bridges.
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// A bridge running inside the test process; stops when dropped.
pub struct TestApp {
    api: Api,
    server: tokio::task::JoinHandle<()>,
    tasks: Tasks,
    /// Where its database and settings file are.
    pub dir: tempfile::TempDir,
}

impl TestApp {
    /// Stops the bridge and keeps its directory, to start another over the same files.
    pub fn into_dir(mut self) -> tempfile::TempDir {
        self.server.abort();
        std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"))
    }

    /// Completes once every piece of background work the bridge set off (turns, deliveries,
    /// relays, webhooks) has finished.
    pub async fn settled(&self) {
        tokio::time::timeout(Duration::from_secs(30), self.tasks.settled())
            .await
            .expect("the bridge's background work settles");
    }

    /// The agents file this bridge saves to.
    pub fn settings_path(&self) -> PathBuf {
        self.dir.path().join("baton.toml")
    }
}

impl std::ops::Deref for TestApp {
    type Target = Api;

    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// How a test's bridge differs from the defaults.
pub struct Setup {
    /// The demo agent's origin allowlist.
    pub allowed_origins: Vec<String>,
    /// Rate limits.
    pub limits: LimitSettings,
    /// The event stream's heartbeat.
    pub heartbeat: Duration,
    /// Where handoffs go; none means no inbox is connected.
    pub inbox: Option<Inbox>,
    /// Whether the admin API is on, with [`ADMIN_TOKEN`].
    pub admin: bool,
    /// An existing directory to run in (its database and settings file), for restarts.
    pub dir: Option<tempfile::TempDir>,
    /// The Intercom workspace to hand off to (instead of `inbox`).
    pub intercom: Option<IntercomSettings>,
    /// The proxies whose forwarding headers are believed.
    pub trusted_proxies: TrustedProxies,
    /// How long the demo agent waits before each streamed piece.
    pub pace: Duration,
}

impl Default for Setup {
    /// Any origin; rate limits off, so only the tests about them meet them.
    fn default() -> Self {
        let off = LimitSettings {
            conversations_per_ip: None,
            messages_per_ip: None,
            messages_per_conversation: None,
        };
        Self {
            allowed_origins: Vec::new(),
            limits: off,
            heartbeat: Duration::from_secs(15),
            inbox: None,
            admin: true,
            dir: None,
            intercom: None,
            trusted_proxies: TrustedProxies::default(),
            pace: Duration::ZERO,
        }
    }
}

/// A bridge serving the demo agent, streaming answers without delay.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Setup::default()).await
}

/// A bridge set up as `setup` says.
pub async fn spawn_app_with(setup: Setup) -> TestApp {
    let dir = setup.dir.unwrap_or_else(|| tempfile::tempdir().expect("temp dir"));
    let conversations = Conversations::open(&dir.path().join("baton.db")).expect("store opens");
    let default = SettingsFile::demo(setup.allowed_origins);
    let agents = Registry::open(dir.path().join("baton.toml"), default, setup.pace).expect("agents build");
    // The key the store opened with, as the binary passes it on: file addresses are signed with it.
    let key = SecretKey::load_or_create(&SecretKey::file_beside(&dir.path().join("baton.db"))).expect("key");
    let mut state = AppState::new(conversations.clone(), Arc::new(agents), dir.path().to_owned())
        .with_secret_key(&key)
        .with_limits(setup.limits)
        .with_heartbeat(setup.heartbeat)
        .with_trusted_proxies(setup.trusted_proxies);
    if let Some(inbox) = setup.inbox {
        state = state.with_inbox(Arc::new(inbox), FAST_RETRIES);
    }
    if let Some(settings) = setup.intercom {
        let intercom = Intercom::new(settings, state.inbox_context()).expect("Intercom settings");
        state = state.with_inbox(Arc::new(intercom), FAST_RETRIES);
    }
    if setup.admin {
        state = state.with_admin_token(ADMIN_TOKEN);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("has an address"));
    let tasks = state.tasks.clone();
    let server = tokio::spawn(async move {
        // Never a signal handler here: the test process must stay killable.
        baton_bridge::serve(listener, state, std::future::pending()).await.expect("serves");
    });
    TestApp { api: Api { base, http: reqwest::Client::new() }, server, tasks, dir }
}

/// Retries quick enough for tests: the visitor is told after two failures.
pub const FAST_RETRIES: RetryPolicy = RetryPolicy {
    backoff: Backoff::new(Duration::from_millis(20), Duration::from_millis(100)),
    tell_after: 2,
    give_up_after: 50,
    attempt_timeout: Duration::from_secs(10),
};

/// A support inbox that records what it is handed: it can fail a number of times first, or
/// never answer at all.
#[derive(Debug, Clone, Default)]
pub struct Inbox(Arc<InboxState>);

#[derive(Debug, Default)]
pub struct InboxState {
    requests: Mutex<Vec<HandoffRequest>>,
    failures_left: AtomicU32,
    hangs: std::sync::atomic::AtomicBool,
}

impl Inbox {
    /// An inbox that fails the first `failures` deliveries with a temporary error.
    pub fn failing(failures: u32) -> Self {
        let inbox = Self::default();
        inbox.0.failures_left.store(failures, Ordering::SeqCst);
        inbox
    }

    /// An inbox that never answers.
    pub fn hanging() -> Self {
        let inbox = Self::default();
        inbox.0.hangs.store(true, Ordering::SeqCst);
        inbox
    }

    /// Every delivery asked for, failed ones included.
    pub fn requests(&self) -> Vec<HandoffRequest> {
        self.0.requests.lock().expect("lock").clone()
    }
}

impl SupportInbox for Inbox {
    fn deliver(&self, request: HandoffRequest) -> BoxFuture<'static, Result<Delivered, DeliveryError>> {
        let state = Arc::clone(&self.0);
        Box::pin(async move {
            let handoff = request.handoff.0;
            state.requests.lock().expect("lock").push(request);
            if state.hangs.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            let failing =
                state.failures_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            if failing.is_ok() {
                return Err(DeliveryError::Temporary("503 from the inbox".into()));
            }
            Ok(Delivered { external_id: format!("inbox-{handoff}"), expected_reply_minutes: Some(5) })
        })
    }
}

/// An open event stream, parsed into protocol events.
pub struct EventStream {
    inner: BoxStream<'static, Event>,
}

impl EventStream {
    /// The next event; fails the test after five seconds of silence.
    pub async fn next(&mut self) -> Event {
        tokio::time::timeout(Duration::from_secs(5), self.inner.next())
            .await
            .expect("an event within 5 s")
            .expect("the stream stays open")
    }

    /// Every event until the bridge ends the stream; fails the test if it is still open after a
    /// minute.
    pub async fn rest(&mut self) -> Vec<Event> {
        let rest = (&mut self.inner).collect::<Vec<_>>();
        tokio::time::timeout(Duration::from_secs(60), rest).await.expect("the bridge ends the stream")
    }

    /// Events up to and including the first one `until` accepts.
    pub async fn collect_until(&mut self, until: impl Fn(&EventKind) -> bool) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let event = self.next().await;
            let done = until(&event.kind);
            events.push(event);
            if done {
                return events;
            }
        }
    }
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Starts a conversation with the demo agent.
    pub async fn create_conversation(&self) -> ConversationCreated {
        self.create_conversation_with(json!({"agent": "demo", "page_url": "https://lumen.example/shop"}))
            .await
    }

    /// Starts a conversation as Ada, who says who she is, on the subscriptions page.
    pub async fn create_conversation_as_ada(&self) -> ConversationCreated {
        self.create_conversation_with(json!({
            "agent": "demo",
            "page_url": "https://lumen.example/subscriptions",
            "page_title": "Subscriptions",
            "visitor": {"email": "ada@example.com", "name": "Ada Lovelace"}
        }))
        .await
    }

    /// Starts a conversation with `body` as the request.
    pub async fn create_conversation_with(&self, body: Value) -> ConversationCreated {
        let response = self
            .http
            .post(self.url("/v1/conversations"))
            .json(&body)
            .send()
            .await
            .expect("request completes");
        assert_eq!(response.status(), 201);
        response.json().await.expect("created body")
    }

    /// Sends a message and returns the raw response.
    pub async fn send(&self, conversation: &ConversationCreated, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/conversations/{}/messages", conversation.id)))
            .bearer_auth(&conversation.token)
            .json(&body)
            .send()
            .await
            .expect("request completes")
    }

    /// The conversation as `GET /v1/conversations/{id}` shows it.
    pub async fn snapshot(&self, conversation: &ConversationCreated) -> Snapshot {
        let response = self
            .http
            .get(self.url(&format!("/v1/conversations/{}", conversation.id)))
            .bearer_auth(&conversation.token)
            .send()
            .await
            .expect("request completes");
        assert_eq!(response.status(), 200);
        response.json().await.expect("a snapshot")
    }

    /// Opens the event stream after `after`.
    pub async fn events(&self, conversation: &ConversationCreated, after: Seq) -> EventStream {
        let response = self
            .http
            .get(self.url(&format!("/v1/conversations/{}/events?after={after}", conversation.id)))
            .bearer_auth(&conversation.token)
            .send()
            .await
            .expect("request completes");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        let inner = response
            .bytes_stream()
            .eventsource()
            .map(|frame| {
                let frame = frame.expect("well-formed SSE");
                let event: Event = serde_json::from_str(&frame.data).expect("a protocol event");
                // A delta is not stored and has no id of its own (an SSE parser repeats the
                // last one it saw).
                if !matches!(event.kind, EventKind::AgentMessageDelta { .. }) {
                    assert_eq!(frame.id, event.seq.to_string(), "the SSE id is the seq");
                }
                event
            })
            .boxed();
        EventStream { inner }
    }
}

pub fn is_completed(kind: &EventKind) -> bool {
    matches!(kind, EventKind::AgentMessageCompleted { .. })
}
