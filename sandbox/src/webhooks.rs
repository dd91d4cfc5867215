//! Webhook notifications, sent the way Intercom sends them: a `notification_event` envelope
//! POSTed as JSON with `X-Hub-Signature: sha1=<HMAC-SHA1 of the raw body, keyed with the
//! client secret>`. One task sends them in the order they were queued, retrying a failed
//! delivery a few times before giving up on it; every notification is logged for tests.

use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha1::Sha1;
use tokio::sync::mpsc;

use crate::conversation::Topic;
use crate::ids;
use crate::seed::APP;

/// Delivery attempts per notification.
const ATTEMPTS: u32 = 4;
/// The wait before the first retry; it doubles for each later one.
const FIRST_RETRY: Duration = Duration::from_millis(250);
/// How long a receiver has to answer (Intercom allows five seconds).
const TIMEOUT: Duration = Duration::from_secs(5);

/// One notification, as logged for `GET /_sandbox/notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// `notif_…`, the same on every attempt.
    pub id: String,
    /// The topic.
    pub topic: String,
    /// The exact bytes POSTed.
    pub body: String,
    /// The `X-Hub-Signature` header sent with them.
    pub signature: String,
    /// Whether a receiver answered 2xx.
    pub delivered: bool,
    /// How many times it was POSTed.
    pub attempts: u32,
}

/// Intercom's envelope, fields in Intercom's order.
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    app_id: &'static str,
    data: Data<'a>,
    links: Value,
    id: &'a str,
    topic: &'static str,
    delivery_status: &'static str,
    delivery_attempts: u32,
    delivered_at: i64,
    first_sent_at: i64,
    created_at: i64,
    #[serde(rename = "self")]
    self_link: Option<String>,
}

#[derive(Serialize)]
struct Data<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    item: &'a Value,
}

/// `X-Hub-Signature` for `body`: `sha1=` and the lowercase hex HMAC-SHA1 keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The webhook sender: where notifications go, the log, and the queue to the sending task.
#[derive(Debug)]
pub struct Webhooks {
    secret: String,
    shared: Arc<Shared>,
    /// Started by the first notification, inside the server's runtime.
    queue: OnceLock<mpsc::UnboundedSender<String>>,
}

#[derive(Debug)]
struct Shared {
    url: RwLock<Option<String>>,
    log: Mutex<Vec<Sent>>,
}

impl Webhooks {
    /// Notifications signed with `secret`, sent to `url` when there is one.
    pub fn new(secret: String, url: Option<String>) -> Self {
        let shared = Arc::new(Shared { url: RwLock::new(url), log: Mutex::new(Vec::new()) });
        Self { secret, shared, queue: OnceLock::new() }
    }

    /// Sends later notifications to `url` instead (none: log them only).
    pub fn set_url(&self, url: Option<String>) {
        *self.shared.url.write().unwrap_or_else(PoisonError::into_inner) = url;
    }

    /// Builds, signs and logs a notification about `item`, and queues it for sending. The
    /// caller holds the workspace lock, so notifications queue in the order changes happen.
    pub fn notify(&self, topic: Topic, item: &Value, now: i64) {
        let id = format!("notif_{}", ids::uuid());
        let envelope = Envelope {
            kind: "notification_event",
            app_id: APP.id_code,
            data: Data { kind: "notification_event_data", item },
            links: Value::Object(Default::default()),
            id: &id,
            topic: topic.as_str(),
            delivery_status: "pending",
            delivery_attempts: 1,
            delivered_at: 0,
            first_sent_at: now,
            created_at: now,
            self_link: None,
        };
        let body = serde_json::to_string(&envelope).unwrap_or_default();
        let signature = signature(&self.secret, body.as_bytes());
        let sent = Sent {
            id: id.clone(),
            topic: topic.as_str().to_owned(),
            body,
            signature,
            delivered: false,
            attempts: 0,
        };
        self.shared.log.lock().unwrap_or_else(PoisonError::into_inner).push(sent);
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(send_all(Arc::clone(&self.shared), receiver));
            sender
        });
        if queue.send(id).is_err() {
            tracing::warn!(topic = topic.as_str(), "webhook sender stopped; notification logged only");
        }
    }

    /// Every notification so far, oldest first.
    pub fn log(&self) -> Vec<Sent> {
        self.shared.log.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Forgets the log.
    pub fn clear(&self) {
        self.shared.log.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// The sending task: one notification at a time, so they arrive in order, each retried with
/// a doubling wait until it is delivered or [`ATTEMPTS`] run out.
async fn send_all(shared: Arc<Shared>, mut queue: mpsc::UnboundedReceiver<String>) {
    let http = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(http) => http,
        Err(error) => {
            tracing::error!(%error, "cannot build the webhook client; notifications are logged only");
            return;
        }
    };
    while let Some(id) = queue.recv().await {
        let Some(url) = shared.url.read().unwrap_or_else(PoisonError::into_inner).clone() else { continue };
        let Some(sent) = shared.entry(&id, |sent| sent.clone()) else { continue };
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(FIRST_RETRY * 2_u32.pow(attempt - 1)).await;
            }
            shared.entry(&id, |sent| sent.attempts += 1);
            let response = http
                .post(&url)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("User-Agent", "intercom-parrot-service-client/1.0")
                .header("X-Hub-Signature", &sent.signature)
                .body(sent.body.clone())
                .send()
                .await;
            match response {
                Ok(response) if response.status().is_success() => {
                    shared.entry(&id, |sent| sent.delivered = true);
                    break;
                }
                Ok(response) => {
                    tracing::warn!(topic = sent.topic, status = %response.status(), attempt, "webhook refused")
                }
                Err(error) => tracing::warn!(topic = sent.topic, %error, attempt, "webhook not delivered"),
            }
            if attempt + 1 == ATTEMPTS {
                tracing::error!(topic = sent.topic, id, "webhook given up after {ATTEMPTS} attempts");
            }
        }
    }
}

impl Shared {
    /// Runs `f` on the logged notification `id`, if the log still has it.
    fn entry<T>(&self, id: &str, f: impl FnOnce(&mut Sent) -> T) -> Option<T> {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        log.iter_mut().find(|sent| sent.id == id).map(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha1_hex() {
        // RFC 2202, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[tokio::test]
    async fn notifications_are_logged_in_intercoms_envelope() {
        let webhooks = Webhooks::new("secret".into(), None);
        webhooks.notify(Topic::AdminClosed, &serde_json::json!({"type": "conversation", "id": "1"}), 42);
        let log = webhooks.log();
        let body: Value = serde_json::from_str(&log[0].body).expect("json");
        assert!(log[0].body.starts_with(r#"{"type":"notification_event","app_id":"sandbox1","data":"#));
        assert_eq!(body["topic"], "conversation.admin.closed");
        assert_eq!(body["data"]["item"]["id"], "1");
        assert_eq!(body["first_sent_at"], 42);
        assert_eq!(log[0].signature, signature("secret", log[0].body.as_bytes()));
    }
}
