//! A typed client for the handful of Intercom REST calls the bridge makes, pinned to API version
//! 2.16. Rate limits (429 with `X-RateLimit-Reset`) and passing faults (5xx, timeouts) are
//! retried here with backoff; a call that may have taken effect (a timed-out `POST`) is retried
//! only when repeating it is harmless, and otherwise left to the caller, which checks Intercom
//! before trying again.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::model::{
    Admin, AdminList, Contact, ContactList, ContactUpdate, Conversation, CreatedMessage, ErrorList, Id, Me,
    NewContact, Team, TeamList,
};
use crate::backoff::Backoff;
use crate::metrics::CallMeter;

/// The API version every request asks for.
pub const VERSION: &str = "2.16";
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Tries per call, the first included.
const ATTEMPTS: u32 = 4;
/// The longest wait for a rate limit to reset before giving the failure to the caller.
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);

/// Why an Intercom call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntercomError {
    /// Intercom answered with an error.
    #[error("Intercom answered {status} {code}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// Intercom's error code, such as `conflict`.
        code: String,
        /// Intercom's message.
        message: String,
    },
    /// Intercom could not be reached, or did not answer in time.
    #[error("Intercom could not be reached: {0}")]
    Transport(String),
    /// Intercom's answer was not what the API describes.
    #[error("Intercom's answer could not be read: {0}")]
    Decode(String),
}

impl IntercomError {
    /// Whether trying again later may succeed: rate limits, server errors, network trouble.
    pub fn is_temporary(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            Self::Transport(_) => true,
            Self::Decode(_) => false,
        }
    }

    /// How the call ended, as `/metrics` counts it.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::Status { status: 429, .. } => "rate_limited",
            Self::Status { status, .. } if *status >= 500 => "server_error",
            Self::Status { .. } => "client_error",
            Self::Transport(_) => "unreachable",
            Self::Decode(_) => "unreadable",
        }
    }

    /// Whether this is Intercom's 409 "already exists".
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Status { status: 409, .. })
    }
}

/// Whether repeating a request is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Reads, and writes that land the same way twice.
    Safe,
    /// A `POST` that creates something: retried only when Intercom certainly did not act.
    OnlyIfRejected,
}

/// Who a conversation is assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// A team.
    Team(Id),
    /// A teammate.
    Admin(Id),
}

/// An admin's reply: to the customer, or an internal note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminReply {
    /// Seen by the customer.
    Comment,
    /// Seen by teammates only.
    Note,
}

/// The client; cheap to clone.
#[derive(Debug, Clone)]
pub struct IntercomClient {
    http: reqwest::Client,
    base: String,
    authorization: HeaderValue,
    meter: CallMeter,
}

impl IntercomClient {
    /// A client for the API at `base` (`https://api.intercom.io`) with an access token.
    pub fn new(base: &str, token: &str) -> Result<Self, IntercomError> {
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| IntercomError::Decode("the access token cannot be sent in a header".into()))?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| IntercomError::Transport(error.to_string()))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            authorization,
            meter: CallMeter::default(),
        })
    }

    /// The same client counting its calls in `meter`.
    pub fn metered(mut self, meter: CallMeter) -> Self {
        self.meter = meter;
        self
    }

    /// `GET /me`: the token's admin and workspace.
    pub async fn me(&self) -> Result<Me, IntercomError> {
        self.call(Method::GET, "/me", None, Repeat::Safe).await
    }

    /// `GET /admins`, with their pictures: Intercom leaves them out unless asked.
    pub async fn admins(&self) -> Result<Vec<Admin>, IntercomError> {
        let path = "/admins?display_avatar=true";
        Ok(self.call::<AdminList>(Method::GET, path, None, Repeat::Safe).await?.admins)
    }

    /// `GET /teams`.
    pub async fn teams(&self) -> Result<Vec<Team>, IntercomError> {
        Ok(self.call::<TeamList>(Method::GET, "/teams", None, Repeat::Safe).await?.teams)
    }

    /// `GET /contacts/{id}`.
    pub async fn contact(&self, id: &Id) -> Result<Contact, IntercomError> {
        self.call(Method::GET, &format!("/contacts/{id}"), None, Repeat::Safe).await
    }

    /// `POST /contacts/search` for contacts whose `field` equals `value`, with `role` if given.
    pub async fn search_contacts(
        &self,
        field: &str,
        value: &str,
        role: Option<&str>,
    ) -> Result<Vec<Contact>, IntercomError> {
        let mut filters = vec![json!({"field": field, "operator": "=", "value": value})];
        if let Some(role) = role {
            filters.push(json!({"field": "role", "operator": "=", "value": role}));
        }
        let body = json!({"query": {"operator": "AND", "value": filters}});
        let found: ContactList =
            self.call(Method::POST, "/contacts/search", Some(body), Repeat::Safe).await?;
        Ok(found.data)
    }

    /// `POST /contacts`; a 409 means one with that email or external id exists.
    pub async fn create_contact(&self, contact: &NewContact) -> Result<Contact, IntercomError> {
        let body = serde_json::to_value(contact).map_err(|error| IntercomError::Decode(error.to_string()))?;
        self.call(Method::POST, "/contacts", Some(body), Repeat::OnlyIfRejected).await
    }

    /// `PUT /contacts/{id}` with the fields that change; the same update twice lands once.
    pub async fn update_contact(&self, id: &Id, update: &ContactUpdate) -> Result<Contact, IntercomError> {
        let body = serde_json::to_value(update).map_err(|error| IntercomError::Decode(error.to_string()))?;
        self.call(Method::PUT, &format!("/contacts/{id}"), Some(body), Repeat::Safe).await
    }

    /// `POST /conversations` from the contact; the new conversation's id.
    pub async fn create_conversation(&self, contact: &Contact, body: &str) -> Result<Id, IntercomError> {
        let role = if contact.role == "user" { "user" } else { "lead" };
        let body = json!({"from": {"type": role, "id": contact.id}, "body": body});
        let created: CreatedMessage =
            self.call(Method::POST, "/conversations", Some(body), Repeat::OnlyIfRejected).await?;
        Ok(created.conversation_id)
    }

    /// `POST /conversations/search`: the contact's conversations created at or after `since`
    /// (Unix seconds), to find one a timed-out creation made after all.
    pub async fn conversations_of(
        &self,
        contact: &Id,
        since: i64,
    ) -> Result<Vec<Conversation>, IntercomError> {
        #[derive(serde::Deserialize)]
        struct Found {
            #[serde(default)]
            conversations: Vec<Conversation>,
        }
        let body = json!({"query": {"operator": "AND", "value": [
            {"field": "contact_ids", "operator": "=", "value": contact},
            {"field": "created_at", "operator": ">", "value": since.saturating_sub(1)},
        ]}});
        let found: Found = self.call(Method::POST, "/conversations/search", Some(body), Repeat::Safe).await?;
        Ok(found.conversations)
    }

    /// `GET /conversations/{id}` with every part.
    pub async fn conversation(&self, id: &Id) -> Result<Conversation, IntercomError> {
        self.call(Method::GET, &format!("/conversations/{id}"), None, Repeat::Safe).await
    }

    /// `POST /conversations/{id}/reply` as the contact, with the addresses of the files it
    /// attached (Intercom downloads them).
    pub async fn reply_as_contact(
        &self,
        conversation: &Id,
        contact: &Id,
        body: &str,
        attachment_urls: &[String],
    ) -> Result<Conversation, IntercomError> {
        let mut request =
            json!({"message_type": "comment", "type": "user", "intercom_user_id": contact, "body": body});
        if !attachment_urls.is_empty() {
            request["attachment_urls"] = json!(attachment_urls);
        }
        self.reply(conversation, request).await
    }

    /// `POST /conversations/{id}/reply` as an admin: a reply or a note.
    pub async fn reply_as_admin(
        &self,
        conversation: &Id,
        admin: &Id,
        kind: AdminReply,
        body: &str,
    ) -> Result<Conversation, IntercomError> {
        self.reply_as_admin_with_files(conversation, admin, kind, body, &[]).await
    }

    /// `POST /conversations/{id}/reply` as an admin, with the addresses of files to attach
    /// (Intercom downloads and keeps them).
    pub async fn reply_as_admin_with_files(
        &self,
        conversation: &Id,
        admin: &Id,
        kind: AdminReply,
        body: &str,
        attachment_urls: &[String],
    ) -> Result<Conversation, IntercomError> {
        let message_type = match kind {
            AdminReply::Comment => "comment",
            AdminReply::Note => "note",
        };
        let mut request =
            json!({"message_type": message_type, "type": "admin", "admin_id": admin, "body": body});
        if !attachment_urls.is_empty() {
            request["attachment_urls"] = json!(attachment_urls);
        }
        self.reply(conversation, request).await
    }

    /// `POST /conversations/{id}/reply` with `body`: a new part, so not repeated blindly.
    async fn reply(&self, conversation: &Id, body: Value) -> Result<Conversation, IntercomError> {
        let path = format!("/conversations/{conversation}/reply");
        self.call(Method::POST, &path, Some(body), Repeat::OnlyIfRejected).await
    }

    /// `POST /conversations/{id}/parts`: assigns the conversation, acting as `admin`.
    pub async fn assign(
        &self,
        conversation: &Id,
        admin: &Id,
        to: &Assignee,
    ) -> Result<Conversation, IntercomError> {
        let (kind, assignee) = match to {
            Assignee::Team(id) => ("team", id),
            Assignee::Admin(id) => ("admin", id),
        };
        let body =
            json!({"message_type": "assignment", "type": kind, "admin_id": admin, "assignee_id": assignee});
        self.call(Method::POST, &format!("/conversations/{conversation}/parts"), Some(body), Repeat::Safe)
            .await
    }

    /// One call, its retries included, counted by how it ended.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        repeat: Repeat,
    ) -> Result<T, IntercomError> {
        let started = Instant::now();
        let result = self.call_with_retries(method, path, body, repeat).await;
        self.meter.called(started, result.as_ref().map_or_else(IntercomError::outcome, |_| "ok"));
        result
    }

    async fn call_with_retries<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        repeat: Repeat,
    ) -> Result<T, IntercomError> {
        let url = format!("{}{path}", self.base);
        let mut attempt = 1;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header(AUTHORIZATION, self.authorization.clone())
                .header(ACCEPT, "application/json")
                .header("Intercom-Version", VERSION);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let (error, wait) = match request.send().await {
                Ok(response) if response.status().is_success() => {
                    let text =
                        response.text().await.map_err(|error| IntercomError::Transport(error.to_string()))?;
                    return serde_json::from_str(&text)
                        .map_err(|error| IntercomError::Decode(error.to_string()));
                }
                Ok(response) => {
                    let status = response.status();
                    let wait = retry_wait(status, &response, attempt);
                    let text = response.text().await.unwrap_or_default();
                    // Intercom rejected a rate-limited request without acting on it.
                    let repeatable = repeat == Repeat::Safe || status == StatusCode::TOO_MANY_REQUESTS;
                    (status_error(status, text), wait.filter(|_| repeatable))
                }
                Err(error) => {
                    // A connection that never opened carried no request.
                    let repeatable = repeat == Repeat::Safe || error.is_connect();
                    let wait = BACKOFF.after(attempt);
                    (IntercomError::Transport(describe(&error)), Some(wait).filter(|_| repeatable))
                }
            };
            match wait {
                Some(wait) if attempt < ATTEMPTS && error.is_temporary() => {
                    tracing::debug!(%error, attempt, ?wait, path, "retrying an Intercom call");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => return Err(error),
            }
        }
    }
}

/// How long to wait before repeating a request Intercom refused with `status`: until the rate
/// limit resets for a 429, a growing backoff for a server error, nothing for anything else.
fn retry_wait(status: StatusCode, response: &reqwest::Response, attempt: u32) -> Option<Duration> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        let reset = response
            .headers()
            .get("X-RateLimit-Reset")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let wait = reset
            .map_or(BACKOFF.after(attempt), |reset| Duration::from_secs(reset.saturating_sub(now).max(1)));
        return Some(wait.min(MAX_RATE_LIMIT_WAIT));
    }
    (status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT).then(|| BACKOFF.after(attempt))
}

/// Intercom's refusal as an error: the first of its `error.list`, or the body as it came.
fn status_error(status: StatusCode, text: String) -> IntercomError {
    let first = serde_json::from_str::<ErrorList>(&text).unwrap_or_default().errors.into_iter().next();
    let (code, message) = first.map_or_else(|| (String::new(), text), |e| (e.code, e.message));
    IntercomError::Status { status: status.as_u16(), code, message }
}

/// 250 ms, 500 ms, 1 s, … up to 8 s.
const BACKOFF: Backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(8));

/// The error with its causes, which reqwest keeps apart ("error sending request: connection
/// refused").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Trades an OAuth code for an access token at `{base}/auth/eagle/token`.
pub async fn exchange_code(
    base: &str,
    client_id: &str,
    client_secret: &str,
    code: &str,
) -> Result<String, IntercomError> {
    #[derive(serde::Deserialize)]
    struct Token {
        #[serde(default)]
        access_token: Option<String>,
        #[serde(default)]
        token: Option<String>,
    }
    #[derive(Serialize)]
    struct Exchange<'a> {
        code: &'a str,
        client_id: &'a str,
        client_secret: &'a str,
    }
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|error| IntercomError::Transport(error.to_string()))?;
    let response = http
        .post(format!("{}/auth/eagle/token", base.trim_end_matches('/')))
        .json(&Exchange { code, client_id, client_secret })
        .send()
        .await
        .map_err(|error| IntercomError::Transport(describe(&error)))?;
    let status = response.status();
    let text = response.text().await.map_err(|error| IntercomError::Transport(error.to_string()))?;
    if !status.is_success() {
        return Err(status_error(status, text));
    }
    let token: Token =
        serde_json::from_str(&text).map_err(|error| IntercomError::Decode(error.to_string()))?;
    token.access_token.or(token.token).ok_or_else(|| IntercomError::Decode("no token in the answer".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_server_errors_and_the_network_are_temporary_refusals_are_not() {
        let status = |status| IntercomError::Status { status, code: String::new(), message: String::new() };
        assert!(status(429).is_temporary());
        assert!(status(503).is_temporary());
        assert!(!status(400).is_temporary());
        assert!(!status(401).is_temporary());
        assert!(status(409).is_conflict());
        assert!(IntercomError::Transport("reset".into()).is_temporary());
    }
}
