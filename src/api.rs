//! The bridge's widget API, as typed calls over `fetch`. Only the bodies the widget uses are
//! parsed: every parser ships to visitors.

use baton_protocol::{
    AgentId, AgentProfile, ConversationCreated, CreateConversation, SendMessage, UpdateVisitor,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

use crate::session::Session;

/// Why a call to the bridge failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The bridge could not be reached, or its answer could not be read.
    #[error("network error: {0}")]
    Network(String),
    /// The bridge answered with an error status.
    #[error("the bridge answered {status}")]
    Refused {
        /// HTTP status.
        status: u16,
    },
}

impl From<JsValue> for ApiError {
    fn from(error: JsValue) -> Self {
        Self::Network(error.as_string().unwrap_or_else(|| String::from("fetch failed")))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(error: serde_json::Error) -> Self {
        Self::Network(error.to_string())
    }
}

/// Calls one bridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    endpoint: String,
}

impl Client {
    /// A client for the bridge at `endpoint`, such as `https://chat.example.com`.
    pub fn new(endpoint: &str) -> Self {
        Self { endpoint: endpoint.trim_end_matches('/').to_owned() }
    }

    /// The URL of `path` on the bridge.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.endpoint, path)
    }

    /// The agent's public profile.
    pub async fn agent(&self, agent: &AgentId) -> Result<AgentProfile, ApiError> {
        let body = fetch("GET", &self.url(&format!("/v1/agents/{agent}")), None, None).await?;
        Ok(serde_json::from_str(&body)?)
    }

    /// Starts a conversation.
    pub async fn create_conversation(
        &self,
        body: &CreateConversation,
    ) -> Result<ConversationCreated, ApiError> {
        let json = serde_json::to_string(body)?;
        let body = fetch("POST", &self.url("/v1/conversations"), None, Some(&json)).await?;
        Ok(serde_json::from_str(&body)?)
    }

    /// Sends a visitor message; safe to repeat with the same client id. Its seq arrives on the
    /// event stream with the message itself.
    pub async fn send_message(&self, session: &Session, body: &SendMessage) -> Result<(), ApiError> {
        let url = self.url(&format!("/v1/conversations/{}/messages", session.id));
        fetch("POST", &url, Some(session), Some(&serde_json::to_string(body)?)).await.map(drop)
    }

    /// Tells the bridge what is now known of the visitor, and who said so.
    pub async fn update_visitor(&self, session: &Session, update: &UpdateVisitor) -> Result<(), ApiError> {
        let url = self.url(&format!("/v1/conversations/{}/visitor", session.id));
        fetch("PUT", &url, Some(session), Some(&serde_json::to_string(update)?)).await.map(drop)
    }

    /// The URL of the conversation's event stream; the stream adds `after`.
    pub fn events_url(&self, session: &Session) -> String {
        self.url(&format!("/v1/conversations/{}/events?token={}", session.id, session.token))
    }
}

/// One `fetch`, answering the response text of a 2xx. Straight on `web-sys` rather than through
/// an HTTP wrapper crate: the widget needs four calls, and every kilobyte ships to visitors.
async fn fetch(
    method: &str,
    url: &str,
    session: Option<&Session>,
    json: Option<&str>,
) -> Result<String, ApiError> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new()?;
    if let Some(session) = session {
        headers.set("authorization", &format!("Bearer {}", session.token))?;
    }
    if let Some(json) = json {
        headers.set("content-type", "application/json")?;
        init.set_body(&JsValue::from_str(json));
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init)?;
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request)).await?.dyn_into()?;
    if !response.ok() {
        return Err(ApiError::Refused { status: response.status() });
    }
    let text = JsFuture::from(response.text()?).await?;
    text.as_string().ok_or_else(|| ApiError::Network("the answer is not text".into()))
}
