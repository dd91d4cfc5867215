//! `GET /me`, the admins and the teams: the seeded workspace, read-only.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use crate::error::IntercomError;
use crate::{seed, wire, Sandbox};

/// The sandbox's own address as the client reached it, for avatar URLs.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok()).unwrap_or("127.0.0.1:8090");
    format!("http://{host}")
}

/// `GET /me`
pub async fn me(headers: HeaderMap) -> Json<Value> {
    Json(wire::me(&base_url(&headers)))
}

/// The query of `GET /admins`.
#[derive(Debug, Default, Deserialize)]
pub struct ListAdmins {
    /// Whether each admin comes with its picture; without it Intercom leaves them out.
    #[serde(default)]
    display_avatar: bool,
}

/// `GET /admins?display_avatar=true`
pub async fn list_admins(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Query(query): Query<ListAdmins>,
) -> Json<Value> {
    let avatars = query.display_avatar.then(|| sandbox.avatar_form());
    Json(wire::admin_list(&base_url(&headers), avatars))
}

/// `GET /admins/{id}`
pub async fn get_admin(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, IntercomError> {
    let admin = seed::admin(&id).ok_or(IntercomError::AdminNotFound)?;
    Ok(Json(wire::admin_with_avatar(admin, &base_url(&headers), Some(sandbox.avatar_form()))))
}

/// `GET /teams`
pub async fn list_teams() -> Json<Value> {
    Json(wire::team_list())
}

/// `GET /teams/{id}`
pub async fn get_team(Path(id): Path<String>) -> Result<Json<Value>, IntercomError> {
    Ok(Json(wire::team(seed::team(&id).ok_or(IntercomError::TeamNotFound)?)))
}
