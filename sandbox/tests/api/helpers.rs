//! A sandbox on 127.0.0.1:0 with a webhook receiver of its own, and a client that speaks to
//! it the way the bridge does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use baton_intercom_sandbox::{app, Sandbox, SandboxConfig};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha1::Sha1;

/// The test sandboxes' access token.
pub const TOKEN: &str = "test-token";
/// Their client secret, which signs webhooks.
pub const SECRET: &str = "test-secret";
/// Their OAuth client id.
pub const CLIENT_ID: &str = "test-client";

/// One webhook as the receiver got it.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Its headers.
    pub headers: HeaderMap,
    /// Its raw body.
    pub body: Bytes,
}

impl Delivery {
    /// The parsed body.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }

    /// Its topic.
    pub fn topic(&self) -> String {
        self.json()["topic"].as_str().expect("topic").to_owned()
    }

    /// Whether `X-Hub-Signature` is the HMAC-SHA1 of the raw body keyed with [`SECRET`].
    pub fn signature_verifies(&self) -> bool {
        let Some(header) = self.headers.get("x-hub-signature").and_then(|value| value.to_str().ok()) else {
            return false;
        };
        let Some(hex_digest) = header.strip_prefix("sha1=") else { return false };
        let Ok(digest) = hex::decode(hex_digest) else { return false };
        let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(SECRET.as_bytes()).expect("any key length");
        mac.update(&self.body);
        mac.verify_slice(&digest).is_ok()
    }
}

#[derive(Default)]
struct Inbox {
    deliveries: Mutex<Vec<Delivery>>,
    /// Deliveries still to refuse with a 500.
    refuse: Mutex<u32>,
}

/// A sandbox running inside the test process, with a webhook receiver; stops when dropped.
pub struct TestSandbox {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// A client that follows no redirects.
    pub http: reqwest::Client,
    inbox: Arc<Inbox>,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for TestSandbox {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}

async fn spawn(router: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    (format!("http://{addr}"), server)
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    inbox.deliveries.lock().expect("lock").push(Delivery { headers, body });
    let mut refuse = inbox.refuse.lock().expect("lock");
    if *refuse > 0 {
        *refuse -= 1;
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    }
}

/// A fresh sandbox whose webhooks go to a receiver in the test.
pub async fn start() -> TestSandbox {
    let inbox = Arc::new(Inbox::default());
    let receiver = Router::new().route("/hooks", post(receive)).with_state(Arc::clone(&inbox));
    let (hooks, receiver) = spawn(receiver).await;
    let sandbox = Sandbox::new(SandboxConfig {
        token: TOKEN.into(),
        client_id: CLIENT_ID.into(),
        client_secret: SECRET.into(),
        webhook_url: None,
    });
    // Pointed at the receiver after the start, as a test does with a bridge started later.
    sandbox.set_webhook_url(Some(format!("{hooks}/hooks")));
    let (base, server) = spawn(app(sandbox.clone())).await;
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    TestSandbox { base, http, inbox, servers: vec![receiver, server] }
}

/// Checks an answer against Intercom's OpenAPI description. Two things are let through: a
/// status the description does not list for the operation (Intercom answers 400, 409, 429 and
/// 5xx where its description is silent), and an admin's `avatar` object, which the `admin`
/// schema calls a string while `admin_with_app` and the real API have `{type, image_url}`.
pub fn assert_conforms(method: &str, path: &str, status: u16, body: &Value) {
    let Err(violations) = baton_openapi_check::Spec::intercom().validate_response(method, path, status, body)
    else {
        return;
    };
    let real: Vec<_> = violations
        .into_iter()
        .filter(|violation| {
            !violation.contains(" documents no ") && !violation.starts_with("no path in the description")
        })
        .filter(|violation| {
            !(violation.contains("/avatar: {") && violation.contains("is not of types \"null\", \"string\""))
        })
        .collect();
    assert!(real.is_empty(), "{method} {path} answered {status} outside the spec:\n{}", real.join("\n"));
}

/// A response's status, headers and JSON body (null when not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestSandbox {
    /// Sends `method path` with the token and `body`.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
        let method_name = method.to_string();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .header("Intercom-Version", "2.16")
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let (status, headers) = (response.status(), response.headers().clone());
        let body = response.json().await.unwrap_or(Value::Null);
        assert_conforms(&method_name, path, status.as_u16(), &body);
        Answer { status, headers, body }
    }

    /// `GET path` with the token.
    pub async fn get(&self, path: &str) -> Answer {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `POST path` with the token and a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// A new user contact with `email`; its id.
    pub async fn create_user(&self, email: &str) -> String {
        let created =
            self.post("/contacts", json!({"role": "user", "email": email, "name": "Ada Lovelace"})).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        created.body["id"].as_str().expect("contact id").to_owned()
    }

    /// A conversation `contact` starts with `body`; its id.
    pub async fn start_conversation(&self, contact: &str, body: &str) -> String {
        let created =
            self.post("/conversations", json!({"from": {"type": "user", "id": contact}, "body": body})).await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
        created.body["conversation_id"].as_str().expect("conversation id").to_owned()
    }

    /// Makes the receiver answer 500 to the next `count` webhooks.
    pub fn refuse_webhooks(&self, count: u32) {
        *self.inbox.refuse.lock().expect("lock") = count;
    }

    /// Waits until the receiver has at least `count` webhooks and the sandbox has none left to
    /// send (every notification it logged is delivered), then answers them all: an extra one
    /// would be among them, not still on its way.
    pub async fn webhooks(&self, count: usize) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.inbox.deliveries.lock().expect("lock").len();
            let log: Value = self
                .http
                .get(format!("{}/_sandbox/notifications", self.base))
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("the notification log");
            let sending = log.as_array().is_none_or(|all| all.iter().any(|sent| sent["delivered"] != true));
            if received >= count && !sending {
                return self.inbox.deliveries.lock().expect("lock").clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{received} of {count} webhooks, still sending: {sending}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `GET path` with no token, as a browser would; the status and the text.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.expect("request");
        (response.status(), response.text().await.expect("text"))
    }
}
