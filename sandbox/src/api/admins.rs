//! `GET /me`, the admins and the teams: the seeded workspace, read-only.

use axum::extract::Path;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde_json::Value;

use crate::error::IntercomError;
use crate::{seed, wire};

/// The sandbox's own address as the client reached it, for avatar URLs.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok()).unwrap_or("127.0.0.1:8090");
    format!("http://{host}")
}

/// `GET /me`
pub async fn me(headers: HeaderMap) -> Json<Value> {
    Json(wire::me(&base_url(&headers)))
}

/// `GET /admins`
pub async fn list_admins(headers: HeaderMap) -> Json<Value> {
    Json(wire::admin_list(&base_url(&headers)))
}

/// `GET /admins/{id}`
pub async fn get_admin(headers: HeaderMap, Path(id): Path<String>) -> Result<Json<Value>, IntercomError> {
    let admin = seed::admin(&id).ok_or(IntercomError::AdminNotFound)?;
    Ok(Json(wire::admin(admin, &base_url(&headers))))
}

/// `GET /teams`
pub async fn list_teams() -> Json<Value> {
    Json(wire::team_list())
}

/// `GET /teams/{id}`
pub async fn get_team(Path(id): Path<String>) -> Result<Json<Value>, IntercomError> {
    Ok(Json(wire::team(seed::team(&id).ok_or(IntercomError::TeamNotFound)?)))
}
