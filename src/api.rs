//! The bridge's widget API, as typed calls over `fetch` (gloo-net). Only the bodies the widget uses
//! are parsed: every parser ships to visitors.

use baton_protocol::read::Value;
use baton_protocol::{
    AgentId, AgentProfile, ConversationCreated, CreateConversation, FileId, RateConversation, SendMessage,
    UpdateVisitor,
};
use gloo_net::http::{Request, RequestBuilder};

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

    /// The agent's public profile, greeting in `lang` (`fr`) when the agent has one in it.
    pub async fn agent(&self, agent: &AgentId, lang: &str) -> Result<AgentProfile, ApiError> {
        let body =
            send(Request::get(&self.url(&format!("/v1/agents/{agent}?lang={lang}"))), None, None).await?;
        AgentProfile::read(&body).map_err(|error| ApiError::Network(error.to_string()))
    }

    /// Starts a conversation.
    pub async fn create_conversation(
        &self,
        body: &CreateConversation,
    ) -> Result<ConversationCreated, ApiError> {
        let body = send(Request::post(&self.url("/v1/conversations")), None, Some(body.to_json())).await?;
        ConversationCreated::read(&body).map_err(|error| ApiError::Network(error.to_string()))
    }

    /// Sends a visitor message; safe to repeat with the same client id. Its seq arrives on the
    /// event stream with the message itself.
    pub async fn send_message(&self, session: &Session, body: &SendMessage) -> Result<(), ApiError> {
        let url = self.url(&format!("/v1/conversations/{}/messages", session.id));
        send(Request::post(&url), Some(session), Some(body.to_json())).await.map(drop)
    }

    /// Uploads a file the visitor attached: its bytes as the body, its name in the query. The
    /// bridge answers once it is stored; the id goes in the message's `attachments`.
    pub async fn upload(&self, session: &Session, file: &web_sys::File) -> Result<FileId, ApiError> {
        let name = js_sys::encode_uri_component(&file.name());
        let url = self.url(&format!("/v1/conversations/{}/files?name={name}", session.id));
        let request = authorized(Request::post(&url), Some(session)).body(file.clone())?;
        // Only the id is needed.
        let uploaded =
            Value::parse(&answer(request).await?).map_err(|error| ApiError::Network(error.to_string()))?;
        uploaded.get("id").text().map(FileId).ok_or_else(|| ApiError::Network(String::from("no file id")))
    }

    /// Changes the conversation: what is now known of the visitor (and who said so), or its
    /// rating (whose `conversation_rated` event follows on the stream). One call for both, so
    /// one copy of the request ships.
    pub async fn write(&self, session: &Session, write: &Write) -> Result<(), ApiError> {
        let (request, path, json): (fn(&str) -> RequestBuilder, _, _) = match write {
            Write::Visitor(update) => (Request::put, "visitor", update.to_json()),
            Write::Rating(rate) => (Request::post, "rating", rate.to_json()),
        };
        let url = self.url(&format!("/v1/conversations/{}/{path}", session.id));
        send(request(&url), Some(session), Some(json)).await.map(drop)
    }

    /// The URL of the conversation's event stream; the stream adds `after`.
    pub fn events_url(&self, session: &Session) -> String {
        self.url(&format!("/v1/conversations/{}/events?token={}", session.id, session.token))
    }
}

/// A change to the conversation, for [`Client::write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// `PUT /v1/conversations/{id}/visitor`.
    Visitor(UpdateVisitor),
    /// `POST /v1/conversations/{id}/rating`.
    Rating(RateConversation),
}

/// Sends `request`, with the session's bearer token and a JSON body when given, and answers the
/// response text of a 2xx.
async fn send(
    request: RequestBuilder,
    session: Option<&Session>,
    json: Option<String>,
) -> Result<String, ApiError> {
    let request = authorized(request, session);
    let request = match json {
        Some(json) => request.header("content-type", "application/json").body(json)?,
        None => request.build()?,
    };
    answer(request).await
}

/// `request` with the session's bearer token, if there is a session.
fn authorized(request: RequestBuilder, session: Option<&Session>) -> RequestBuilder {
    match session {
        Some(session) => request.header("authorization", &format!("Bearer {}", session.token)),
        None => request,
    }
}

/// Sends `request` and answers the response text of a 2xx.
async fn answer(request: gloo_net::http::Request) -> Result<String, ApiError> {
    let response = request.send().await?;
    if !response.ok() {
        return Err(ApiError::Refused { status: response.status() });
    }
    Ok(response.text().await?)
}
