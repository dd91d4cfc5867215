//! Creating contacts and finding them again.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::contact::{Contact, ContactChanges, NewContact};
use crate::error::{IntercomError, JsonBody};
use crate::pages::{page, Paging};
use crate::search::Query;
use crate::{wire, Sandbox};

/// `search_request`.
#[derive(Debug, Deserialize)]
pub struct SearchRequest {
    /// A filter or a group of filters.
    pub query: Value,
    /// Which page.
    #[serde(default)]
    pub pagination: Paging,
}

/// `POST /contacts`: 200 with the contact, or 409 when a user with that email or external id
/// exists.
pub async fn create_contact(
    State(sandbox): State<Sandbox>,
    JsonBody(request): JsonBody<NewContact>,
) -> Result<Json<Value>, IntercomError> {
    let contact = sandbox.write(|workspace, now| workspace.create_contact(request, now))?;
    Ok(Json(wire::contact(&contact)))
}

/// `GET /contacts/{id}`
pub async fn get_contact(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<Json<Value>, IntercomError> {
    sandbox.read(|workspace| Ok(Json(wire::contact(workspace.contact(&id)?))))
}

/// `PUT /contacts/{id}`: 200 with the contact as changed, 404 for an unknown one, 409 when it
/// would duplicate a user.
pub async fn update_contact(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    JsonBody(changes): JsonBody<ContactChanges>,
) -> Result<Json<Value>, IntercomError> {
    let contact = sandbox.write(|workspace, now| workspace.update_contact(&id, changes, now))?;
    Ok(Json(wire::contact(&contact)))
}

/// `GET /contacts/find_by_external_id/{external_id}` (users only, as in Intercom).
pub async fn find_by_external_id(
    State(sandbox): State<Sandbox>,
    Path(external_id): Path<String>,
) -> Result<Json<Value>, IntercomError> {
    sandbox.read(|workspace| Ok(Json(wire::contact(workspace.user_by_external_id(&external_id)?))))
}

/// `POST /contacts/search`
pub async fn search_contacts(
    State(sandbox): State<Sandbox>,
    JsonBody(request): JsonBody<SearchRequest>,
) -> Result<Json<Value>, IntercomError> {
    let query = Query::parse::<Contact>(&request.query)?;
    let found = sandbox.read(|workspace| workspace.search_contacts(&query));
    let total = found.len();
    let (shown, pages) = page(found, &request.pagination, 50)?;
    Ok(Json(json!({
        "type": "list",
        "data": shown.iter().map(wire::contact).collect::<Vec<_>>(),
        "total_count": total,
        "pages": pages,
    })))
}
