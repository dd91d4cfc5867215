//! The handlers: the bridge's `create_conversation`, `send_message` and `stream_events`, with
//! the log in memory and the fixed answer in place of the agent.

use std::collections::VecDeque;
use std::convert::Infallible;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{self, KeepAlive, Sse};
use axum::Json;
use baton_protocol::{
    ConversationCreated, ConversationId, CreateConversation, Event, MessageAccepted, SendMessage, Seq,
    MAX_MESSAGE_CHARS,
};
use futures::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};

use super::error::BaselineError;
use super::log::{Appended, Conversations};
use super::{answer, Baseline};

/// Query parameters of the event stream.
#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    /// Send only events after this seq.
    after: Option<u64>,
    /// The conversation's token, for clients that cannot set headers.
    token: Option<String>,
}

/// `POST /v1/conversations`
pub async fn create_conversation(
    State(state): State<Baseline>,
    body: Result<Json<CreateConversation>, JsonRejection>,
) -> Result<(StatusCode, Json<ConversationCreated>), BaselineError> {
    let Json(body) = body.map_err(|rejection| BaselineError::BadRequest(rejection.body_text()))?;
    if body.agent != *state.agent {
        return Err(BaselineError::UnknownAgent);
    }
    let (id, token) = state.conversations.create();
    Ok((StatusCode::CREATED, Json(ConversationCreated { id, token })))
}

/// `POST /v1/conversations/{id}/messages`
pub async fn send_message(
    State(state): State<Baseline>,
    Path(id): Path<ConversationId>,
    headers: HeaderMap,
    body: Result<Json<SendMessage>, JsonRejection>,
) -> Result<(StatusCode, Json<MessageAccepted>), BaselineError> {
    authorize(&state.conversations, &id, bearer(&headers))?;
    let Json(body) = body.map_err(|rejection| BaselineError::BadRequest(rejection.body_text()))?;
    if body.text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(BaselineError::MessageTooLong);
    }
    if body.text.trim().is_empty() {
        return Err(BaselineError::BadRequest("A message cannot be empty.".into()));
    }
    let appended = state.conversations.append_visitor_message(&id, body.client_id, body.text);
    let seq = match appended.ok_or(BaselineError::Unauthorized)? {
        Appended::Duplicate(seq) => seq,
        Appended::New(seq) => {
            tokio::spawn(answer::stream(state.conversations.clone(), id, state.pace));
            seq
        }
    };
    Ok((StatusCode::ACCEPTED, Json(MessageAccepted { seq })))
}

/// `GET /v1/conversations/{id}/events?after=N`
pub async fn stream_events(
    State(state): State<Baseline>,
    Path(id): Path<ConversationId>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>, BaselineError> {
    authorize(&state.conversations, &id, bearer(&headers).or(query.token.as_deref()))?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let after = Seq(query.after.max(last_event_id).unwrap_or(0));
    let subscription = state.conversations.subscribe(&id, after).ok_or(BaselineError::Unauthorized)?;
    let reader = Reader {
        conversations: state.conversations.clone(),
        id,
        last: after,
        pending: subscription.backlog.into(),
        live: subscription.live,
    };
    let events = stream::unfold(reader, |mut reader| async move {
        let event = reader.next().await?;
        Some((Ok(to_sse(&event)), reader))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(state.heartbeat).text("heartbeat")))
}

/// Walks the backlog, then the live feed, never yielding a seq twice or skipping one.
struct Reader {
    conversations: Conversations,
    id: ConversationId,
    last: Seq,
    pending: VecDeque<Event>,
    live: broadcast::Receiver<Event>,
}

impl Reader {
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                if event.seq > self.last {
                    self.last = event.seq;
                    return Some(event);
                }
                continue;
            }
            match self.live.recv().await {
                Ok(event) => self.pending.push_back(event),
                // Fell behind the channel: what it dropped is in the log.
                Err(RecvError::Lagged(_)) => {
                    self.pending.extend(self.conversations.events_after(&self.id, self.last));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

fn to_sse(event: &Event) -> sse::Event {
    // Every field of an event serializes; an empty object would be a bug in the protocol crate.
    let data = serde_json::to_string(event).unwrap_or_else(|_| String::from("{}"));
    sse::Event::default().id(event.seq.to_string()).data(data)
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

fn authorize(
    conversations: &Conversations,
    id: &ConversationId,
    token: Option<&str>,
) -> Result<(), BaselineError> {
    let token = token.ok_or(BaselineError::Unauthorized)?;
    if conversations.authorize(id, token) {
        Ok(())
    } else {
        Err(BaselineError::Unauthorized)
    }
}
