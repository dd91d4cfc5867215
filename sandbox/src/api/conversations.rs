//! Conversations: started by a contact, read, replied to, assigned, closed and reopened.
//! Every change goes through [`Sandbox::change`], which sends its webhook.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query as UrlQuery, State};
use axum::Json;
use serde_json::{json, Value};

use super::contacts::SearchRequest;
use crate::attachments;
use crate::conversation::Conversation;
use crate::error::{IntercomError, JsonBody};
use crate::pages::{page, Paging};
use crate::requests::{NewConversation, PartsRequest, ReplyRequest};
use crate::search::Query;
use crate::wire::{self, Bodies, Parts};
use crate::workspace::View;
use crate::Sandbox;

/// `POST /conversations`: answers the message, whose `conversation_id` is the conversation.
pub async fn create_conversation(
    State(sandbox): State<Sandbox>,
    JsonBody(request): JsonBody<NewConversation>,
) -> Result<Json<Value>, IntercomError> {
    let view = sandbox.change(|workspace, now| workspace.start_conversation(request, now))?;
    Ok(Json(wire::message(&view)))
}

/// `GET /conversations`: most recently updated first.
pub async fn list_conversations(
    State(sandbox): State<Sandbox>,
    paging: Result<UrlQuery<Paging>, QueryRejection>,
) -> Result<Json<Value>, IntercomError> {
    let UrlQuery(paging) =
        paging.map_err(|rejection| IntercomError::ParameterInvalid(rejection.body_text()))?;
    let found = sandbox.read(|workspace| workspace.conversations(None));
    conversation_list(found, &paging)
}

/// `POST /conversations/search`
pub async fn search_conversations(
    State(sandbox): State<Sandbox>,
    JsonBody(request): JsonBody<SearchRequest>,
) -> Result<Json<Value>, IntercomError> {
    let query = Query::parse::<Conversation>(&request.query)?;
    let found = sandbox.read(|workspace| workspace.conversations(Some(&query)));
    conversation_list(found, &request.pagination)
}

fn conversation_list(found: Vec<View>, paging: &Paging) -> Result<Json<Value>, IntercomError> {
    let total = found.len();
    let (shown, pages) = page(found, paging, 20)?;
    Ok(Json(json!({
        "type": "conversation.list",
        "pages": pages,
        "total_count": total,
        "conversations": shown.iter().map(|view| wire::conversation(view, Parts::Omitted, Bodies::Html)).collect::<Vec<_>>(),
    })))
}

/// `GET /conversations/{id}`: with every part.
pub async fn get_conversation(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<Json<Value>, IntercomError> {
    let view = sandbox.read(|workspace| workspace.conversation(&id))?;
    Ok(Json(wire::conversation(&view, Parts::All, Bodies::Html)))
}

/// `POST /conversations/{id}/reply`: a contact's reply, an admin's reply, or a note.
pub async fn reply(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<ReplyRequest>,
) -> Result<Json<Value>, IntercomError> {
    let attachments = attachments::fetch(&request.attachment_urls).await?;
    let view = sandbox.change(|workspace, now| workspace.reply(&id, request, attachments, now))?;
    Ok(Json(wire::conversation(&view, Parts::All, Bodies::Html)))
}

/// `POST /conversations/{id}/parts`: assign, close or open.
pub async fn manage(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<PartsRequest>,
) -> Result<Json<Value>, IntercomError> {
    let view = sandbox.change(|workspace, now| {
        workspace.conversation(&id)?;
        workspace.act(&id, request.read()?, now)
    })?;
    Ok(Json(wire::conversation(&view, Parts::All, Bodies::Html)))
}
