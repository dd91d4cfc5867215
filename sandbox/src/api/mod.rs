//! The REST API: the subset of Intercom's endpoints Baton uses, behind a bearer token.

mod admins;
mod contacts;
mod conversations;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::error::IntercomError;
use crate::Sandbox;

/// The API's routes. Unknown paths and methods answer Intercom's 404, as the real API does.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/me", get(admins::me))
        .route("/admins", get(admins::list_admins))
        .route("/admins/{id}", get(admins::get_admin))
        .route("/teams", get(admins::list_teams))
        .route("/teams/{id}", get(admins::get_team))
        .route("/contacts", post(contacts::create_contact))
        .route("/contacts/search", post(contacts::search_contacts))
        .route("/contacts/find_by_external_id/{external_id}", get(contacts::find_by_external_id))
        .route("/contacts/{id}", get(contacts::get_contact).put(contacts::update_contact))
        .route(
            "/conversations",
            get(conversations::list_conversations).post(conversations::create_conversation),
        )
        .route("/conversations/search", post(conversations::search_conversations))
        .route("/conversations/{id}", get(conversations::get_conversation))
        .route("/conversations/{id}/reply", post(conversations::reply))
        .route("/conversations/{id}/parts", post(conversations::manage))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
}

async fn not_found() -> IntercomError {
    IntercomError::NotFound
}

/// Lets a request through only with `Authorization: Bearer <the sandbox's token>`; any
/// `Intercom-Version` is accepted.
pub async fn require_token(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")));
    if token.is_some_and(|token| sandbox.accepts_token(token.trim())) {
        next.run(request).await
    } else {
        IntercomError::Unauthorized.into_response()
    }
}
