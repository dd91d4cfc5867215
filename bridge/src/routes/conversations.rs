//! Starting a conversation, sending messages to it, rating it once closed, and reading it back.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use baton_protocol::{
    ConversationCreated, ConversationId, CreateConversation, MessageAccepted, Mode, RateConversation,
    SendMessage, Snapshot, UpdateVisitor, Visitor, VisitorSource, MAX_COMMENT_CHARS, MAX_MESSAGE_CHARS,
};

use crate::conversations::now_millis;
use crate::error::{ApiError, Json};
use crate::proxy::ClientIp;
use crate::routes::files;
use crate::store::{Appended, ConversationRecord, Rated};
use crate::{bounds, preview, token, AppState};

/// `POST /v1/conversations`
pub async fn create_conversation(
    State(state): State<Arc<AppState>>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Json(body): Json<CreateConversation>,
) -> Result<(StatusCode, Json<ConversationCreated>), ApiError> {
    let entry = state.agents.get(&body.agent).ok_or(ApiError::UnknownAgent)?;
    // The preview runs on the dashboard's page, whatever origins the agent's own site has.
    let preview = match &body.preview {
        Some(key) => match state.admin_token_hash.as_deref() {
            Some(admin) if preview::verifies(admin, &body.agent.0, key) => true,
            _ => return Err(ApiError::PreviewRefused),
        },
        None => false,
    };
    let origin = headers.get(header::ORIGIN).map(|value| value.to_str().unwrap_or("invalid"));
    if !preview && !entry.allows_origin(origin) {
        return Err(ApiError::OriginNotAllowed);
    }
    state.limits.check_new_conversation(&*state.conversations, client).await?;
    bounds::check_conversation(&body)?;
    let visitor = body.visitor.unwrap_or_default();
    check_visitor(&visitor)?;
    let id = ConversationId(token::conversation_id(now_millis().try_into().unwrap_or_default()));
    let secret = token::new_token();
    let record = ConversationRecord {
        page_url: body.page_url,
        page_title: body.page_title,
        locale: body.locale,
        visitor,
        // Stored with the conversation, so nothing can happen to it before it is marked.
        test: preview,
        ..ConversationRecord::new(id.clone(), body.agent, token::hash(&secret))
    };
    state.conversations.create(&record).await?;
    Ok((StatusCode::CREATED, Json(ConversationCreated { id, token: secret })))
}

/// `POST /v1/conversations/{id}/messages`
pub async fn send_message(
    State(state): State<Arc<AppState>>,
    ClientIp(client): ClientIp,
    Path(id): Path<ConversationId>,
    headers: HeaderMap,
    Json(body): Json<SendMessage>,
) -> Result<(StatusCode, Json<MessageAccepted>), ApiError> {
    let record = authorize(&state, &id, bearer(&headers)).await?;
    state.limits.check_message(&*state.conversations, client, &id).await?;
    if body.text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::MessageTooLong);
    }
    if body.text.trim().is_empty() && body.attachments.is_empty() {
        return Err(ApiError::BadRequest("A message cannot be empty.".into()));
    }
    bounds::check_client_id(&body.client_id)?;
    let origin = files::public_origin(&state, &headers);
    let attachments = files::attachments_of(&state, &id, &body.attachments, &origin).await?;
    let seq = match state
        .conversations
        .append_visitor_message(&id, body.client_id, body.text, attachments)
        .await?
    {
        Appended::Duplicate(seq) => seq,
        Appended::New(event) => {
            if record.mode != Mode::Ai {
                state.inbox.visitor_wrote(&id);
            }
            if let Some(entry) = state.agents.get(&record.agent) {
                state.responder.answer(state.conversations.clone(), id, entry);
            }
            event.seq
        }
    };
    Ok((StatusCode::ACCEPTED, Json(MessageAccepted { seq })))
}

/// `PUT /v1/conversations/{id}/visitor`: the host page identified the visitor, or (with
/// `"source": "visitor"`) the visitor left an email for the team.
pub async fn update_visitor(
    State(state): State<Arc<AppState>>,
    Path(id): Path<ConversationId>,
    headers: HeaderMap,
    Json(update): Json<UpdateVisitor>,
) -> Result<StatusCode, ApiError> {
    let record = authorize(&state, &id, bearer(&headers)).await?;
    check_visitor(&update.visitor)?;
    let by_visitor = update.source == VisitorSource::Visitor;
    state.conversations.update_visitor(&id, &update.visitor, by_visitor).await?;
    if record.mode != Mode::Ai {
        state.inbox.visitor_changed(&id);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/conversations/{id}/rating`: the visitor rates the conversation the team closed,
/// once; the team gets the rating as a note in its inbox.
pub async fn rate_conversation(
    State(state): State<Arc<AppState>>,
    Path(id): Path<ConversationId>,
    headers: HeaderMap,
    Json(body): Json<RateConversation>,
) -> Result<StatusCode, ApiError> {
    authorize(&state, &id, bearer(&headers)).await?;
    let comment = body.comment.as_deref().map(str::trim).filter(|comment| !comment.is_empty());
    if comment.is_some_and(|comment| comment.chars().count() > MAX_COMMENT_CHARS) {
        return Err(ApiError::CommentTooLong);
    }
    match state.conversations.rate(&id, body.rating, comment).await? {
        Rated::New(_) => {
            // The inbox relays what the visitor added to the conversation, the rating included.
            state.inbox.visitor_wrote(&id);
            Ok(StatusCode::NO_CONTENT)
        }
        Rated::Already => Err(ApiError::AlreadyRated),
        Rated::NotClosed => Err(ApiError::NotClosed),
    }
}

/// Refuses an email that cannot be one, and fields longer than anyone's.
fn check_visitor(visitor: &Visitor) -> Result<(), ApiError> {
    if visitor.email.as_deref().is_some_and(|email| !Visitor::is_valid_email(email)) {
        return Err(ApiError::BadRequest("That email address is not valid.".into()));
    }
    let fields = [&visitor.name, &visitor.user_id, &visitor.user_hash];
    if fields.iter().any(|field| field.as_ref().is_some_and(|value| value.chars().count() > 256)) {
        return Err(ApiError::BadRequest("A visitor field is longer than 256 characters.".into()));
    }
    Ok(())
}

/// `GET /v1/conversations/{id}`
pub async fn get_conversation(
    State(state): State<Arc<AppState>>,
    Path(id): Path<ConversationId>,
    headers: HeaderMap,
) -> Result<Json<Snapshot>, ApiError> {
    let record = authorize(&state, &id, bearer(&headers)).await?;
    let transcript = state.conversations.transcript(&id).await?;
    Ok(Json(Snapshot { id, agent: record.agent, mode: record.mode, last_seq: record.last_seq, transcript }))
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

/// The conversation, if `token` opens it. A wrong token and an unknown id answer alike.
pub async fn authorize(
    state: &AppState,
    id: &ConversationId,
    token: Option<&str>,
) -> Result<ConversationRecord, ApiError> {
    let token = token.ok_or(ApiError::Unauthorized)?;
    let record = state.conversations.get(id).await?.ok_or(ApiError::Unauthorized)?;
    // Comparing hashes, not secrets: how long the comparison takes says nothing usable about
    // the token itself.
    if record.token_hash == token::hash(token) {
        Ok(record)
    } else {
        Err(ApiError::Unauthorized)
    }
}
