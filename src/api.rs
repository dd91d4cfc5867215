//! The bridge's widget API, as typed calls over `fetch`.

use baton_protocol::{
    AgentId, AgentProfile, ConversationCreated, CreateConversation, ErrorBody, MessageAccepted,
    SendMessage, Visitor,
};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;

use crate::session::Session;

/// Why a call to the bridge failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The bridge could not be reached.
    #[error("network error: {0}")]
    Network(String),
    /// The bridge answered with an error.
    #[error("{status} {code}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The error code, or `unknown` when the body was not the error shape.
        code: String,
        /// The bridge's explanation.
        message: String,
    },
}

impl ApiError {
    /// Whether trying again later may succeed: the network, rate limits and server faults.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network(_) => true,
            Self::Refused { status, .. } => *status == 429 || *status >= 500,
        }
    }
}

impl From<gloo_net::Error> for ApiError {
    fn from(error: gloo_net::Error) -> Self {
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
        read(Request::get(&self.url(&format!("/v1/agents/{agent}"))).send().await?).await
    }

    /// Starts a conversation.
    pub async fn create_conversation(
        &self,
        body: &CreateConversation,
    ) -> Result<ConversationCreated, ApiError> {
        read(Request::post(&self.url("/v1/conversations")).json(body)?.send().await?).await
    }

    /// Sends a visitor message; safe to repeat with the same client id.
    pub async fn send_message(
        &self,
        session: &Session,
        body: &SendMessage,
    ) -> Result<MessageAccepted, ApiError> {
        let url = self.url(&format!("/v1/conversations/{}/messages", session.id));
        let request = Request::post(&url)
            .header("authorization", &format!("Bearer {}", session.token))
            .json(body)?;
        read(request.send().await?).await
    }

    /// Tells the bridge what is now known of the visitor.
    pub async fn update_visitor(&self, session: &Session, visitor: &Visitor) -> Result<(), ApiError> {
        let url = self.url(&format!("/v1/conversations/{}/visitor", session.id));
        let request = Request::put(&url)
            .header("authorization", &format!("Bearer {}", session.token))
            .json(visitor)?;
        let response = request.send().await?;
        if response.ok() {
            return Ok(());
        }
        read::<()>(response).await
    }

    /// The URL of the conversation's event stream; the stream adds `after`.
    pub fn events_url(&self, session: &Session) -> String {
        self.url(&format!("/v1/conversations/{}/events?token={}", session.id, session.token))
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return Ok(response.json().await?);
    }
    let status = response.status();
    Err(match response.json::<ErrorBody>().await {
        Ok(body) => ApiError::Refused { status, code: body.error.code, message: body.error.message },
        Err(_) => ApiError::Refused { status, code: "unknown".into(), message: response.status_text() },
    })
}
