//! `GET /v1/conversations/{id}/events`: the conversation's log as a server-sent event stream,
//! resumable from any seq. Browsers' `EventSource` cannot send headers, so the token may also
//! come as the `token` query parameter; request logs never record query strings.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{self, KeepAlive, Sse};
use baton_protocol::{ConversationId, Event, EventKind, MessageId, Seq};
use futures::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::conversations::{authorize, bearer};
use crate::conversations::{Conversations, Live, Subscription};
use crate::error::ApiError;
use crate::proxy::ClientIp;
use crate::store::StoreError;
use crate::AppState;

/// Proxies close idle connections; a comment this often keeps the stream open and tells the
/// widget the connection is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Query parameters of the event stream.
#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    /// Send only events after this seq.
    after: Option<u64>,
    /// The conversation's token, for clients that cannot set headers.
    token: Option<String>,
}

/// `GET /v1/conversations/{id}/events?after=N`
pub async fn stream_events(
    State(state): State<Arc<AppState>>,
    ClientIp(client): ClientIp,
    Path(id): Path<ConversationId>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>, ApiError> {
    authorize(&state, &id, bearer(&headers).or(query.token.as_deref())).await?;
    let slot = state.streams.take(client).ok_or(ApiError::TooManyStreams)?;
    // A reconnecting EventSource repeats its first URL and adds `Last-Event-ID`: the header is
    // the newer of the two.
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let after = Seq(query.after.max(last_event_id).unwrap_or(0));
    let subscription = state.conversations.subscribe(&id, after).await.map_err(|error| match error {
        // Erased between the token check and here.
        StoreError::Missing(_) => ApiError::Unauthorized,
        other => ApiError::Store(other),
    })?;
    let reader = Reader::new(state.conversations.clone(), id, after, subscription);
    // A stopping bridge ends its feeds, and so its streams (`Conversations::end_streams`).
    let events = stream::unfold((reader, slot), |(mut reader, slot)| async move {
        let event = reader.next().await?;
        Some((Ok(to_sse(&event)), (reader, slot)))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(state.heartbeat).text("heartbeat")))
}

/// Walks the backlog, then the live feed, never yielding a seq twice or skipping one, and never
/// a byte of an answer twice: deltas are not stored and carry their answer's seq, so they are
/// told apart by offset, not by seq.
struct Reader {
    conversations: Conversations,
    id: ConversationId,
    last: Seq,
    /// The answer whose text was sent last, and how many bytes of it.
    answer: Option<(MessageId, usize)>,
    pending: VecDeque<Arc<Event>>,
    live: Live,
}

impl Reader {
    fn new(conversations: Conversations, id: ConversationId, after: Seq, subscription: Subscription) -> Self {
        Self {
            conversations,
            id,
            last: after,
            answer: None,
            pending: subscription.backlog.into_iter().map(Arc::new).collect(),
            live: subscription.live,
        }
    }

    async fn next(&mut self) -> Option<Arc<Event>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                if let EventKind::AgentMessageDelta { message_id, offset, text } = &event.kind {
                    if let Some(new) = self.new_text(message_id, *offset, text, &event) {
                        return Some(new);
                    }
                    continue;
                }
                if event.seq > self.last {
                    self.last = event.seq;
                    return Some(event);
                }
                continue;
            }
            match self.live.recv().await {
                Ok(event) => self.pending.push_back(event),
                // Fell behind the channel: what it dropped is in the store, or in the text so
                // far of the answer in flight (whose part already sent is dropped by offset).
                Err(RecvError::Lagged(_)) => match self.conversations.catch_up(&self.id, self.last).await {
                    Ok(missed) => self.pending.extend(missed.into_iter().map(Arc::new)),
                    Err(error) => {
                        tracing::error!(conversation = %self.id, %error, "could not re-read the log");
                        return None;
                    }
                },
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The part of a delta not sent yet (the whole delta if none of it was), noting it as sent.
    fn new_text(
        &mut self,
        message_id: &MessageId,
        offset: usize,
        text: &str,
        event: &Arc<Event>,
    ) -> Option<Arc<Event>> {
        let end = offset + text.len();
        let sent = match &self.answer {
            Some((answer, sent)) if answer == message_id => *sent,
            _ => 0,
        };
        if end <= sent {
            return None;
        }
        // The id is cloned once per answer, not once per piece.
        match &mut self.answer {
            Some((answer, sent)) if answer == message_id => *sent = end,
            answer => *answer = Some((message_id.clone(), end)),
        }
        if offset >= sent {
            return Some(event.clone());
        }
        let new = text.get(sent - offset..)?;
        let kind = EventKind::AgentMessageDelta {
            message_id: message_id.clone(),
            offset: sent,
            text: new.to_owned(),
        };
        Some(Arc::new(Event { seq: event.seq, at: event.at, kind }))
    }
}

/// A stored event goes out with its seq as the SSE id, so `Last-Event-ID` resumes after it; a
/// delta has none, so that stays the last stored event.
fn to_sse(event: &Event) -> sse::Event {
    let data = serde_json::to_string(event).unwrap_or_else(|error| {
        // Every field of an event serializes; this would be a bug in the protocol crate.
        tracing::error!(%error, "event did not serialize");
        String::from("{}")
    });
    let frame = sse::Event::default().data(data);
    match event.kind {
        EventKind::AgentMessageDelta { .. } => frame,
        _ => frame.id(event.seq.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConversationRecord;
    use baton_protocol::AgentId;

    #[tokio::test]
    async fn a_listener_that_falls_behind_its_channel_catches_up_from_the_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conversations = Conversations::open(&dir.path().join("baton.db")).expect("opens");
        let id = ConversationId::from("c");
        let record = ConversationRecord::new(id.clone(), AgentId::from("demo"), String::new());
        conversations.create(&record).await.expect("creates");
        conversations.append(&id, EventKind::HandoffRequested).await.expect("appends");
        let subscription = conversations.subscribe(&id, Seq(0)).await.expect("subscribes");
        let mut reader = Reader::new(conversations.clone(), id.clone(), Seq(0), subscription);
        // Far more than the channel holds, appended before the reader reads any.
        let total = 3 * 256 + 1;
        for _ in 1..total {
            conversations
                .append(
                    &id,
                    EventKind::TeammateTyping {
                        teammate: baton_protocol::Teammate { name: "Ana".into(), avatar_url: None },
                    },
                )
                .await
                .expect("appends");
        }
        for expected in 1..=total {
            let event = reader.next().await.expect("an event");
            assert_eq!(event.seq, Seq(expected));
        }
    }
}
