//! Intercom's ways in: the signed webhook endpoint, and connecting a workspace with OAuth
//! ("Authorize access"). Webhooks are verified against the raw body, acknowledged at once (Intercom
//! allows 5 s) and handled in the background; each notification is handled once.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Query;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;

use super::client::{exchange_code, IntercomClient};
use super::model::{Conversation, Id, Notification};
use super::{Intercom, TokenSource};
use crate::conversations::now_millis;
use crate::error::{ApiError, Json};
use crate::inbox::InboxError;
use crate::routes::admin::Admin;
use crate::store::WorkspaceConnection;
use crate::token;

/// How long an OAuth `state` stays valid.
const STATE_VALID_MILLIS: i64 = 10 * 60 * 1000;

/// `HEAD /v1/intercom/webhooks`: Intercom checks the URL exists before saving it.
pub async fn webhook_probe() -> StatusCode {
    StatusCode::OK
}

/// `POST /v1/intercom/webhooks`
pub async fn receive_webhook(
    Extension(intercom): Extension<Arc<Intercom>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let secret = intercom.settings().client_secret.as_ref().ok_or(ApiError::BadSignature)?.expose();
    let signature =
        headers.get("X-Hub-Signature").and_then(|value| value.to_str().ok()).ok_or(ApiError::BadSignature)?;
    if !signed(secret, &body, signature) {
        return Err(ApiError::BadSignature);
    }
    let notification: Notification = serde_json::from_slice(&body)
        .map_err(|error| ApiError::BadRequest(format!("Not an Intercom notification: {error}")))?;
    if !intercom.conversations.remember_notification(&notification.id, now_millis()).await? {
        return Ok(StatusCode::OK);
    }
    let tasks = intercom.tasks.clone();
    tasks.spawn(handle(intercom, notification));
    Ok(StatusCode::OK)
}

/// Whether `signature` is `sha1=` and the HMAC-SHA1 of `body` with `secret`, compared in
/// constant time.
pub fn signed(secret: &str, body: &[u8], signature: &str) -> bool {
    let Some(Ok(given)) = signature.trim().strip_prefix("sha1=").map(hex::decode) else { return false };
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

async fn handle(intercom: Arc<Intercom>, notification: Notification) {
    if !notification.topic.starts_with("conversation.") {
        return;
    }
    let delivered: Option<Conversation> = serde_json::from_value(notification.data.item.clone()).ok();
    let Some(id) =
        delivered.as_ref().map(|conversation| conversation.id.clone()).filter(|id| !id.0.is_empty())
    else {
        tracing::warn!(topic = %notification.topic, "a conversation notification without a conversation");
        return;
    };
    if let Err(error) = intercom.sync_from_intercom(&id, delivered).await {
        tracing::error!(intercom_conversation = %id, %error, "the webhook could not be relayed");
    }
    if let Err(error) = intercom.copilot(&notification.topic, &id).await {
        tracing::error!(intercom_conversation = %id, %error, "Copilot could not draft");
    }
}

/// `GET /v1/admin/intercom`: whether a workspace is connected, never the token.
#[derive(Debug, Serialize)]
pub struct Status {
    connected: bool,
    source: Option<TokenSource>,
    api_base: String,
    workspace_id: Option<String>,
    workspace_name: Option<String>,
    region: Option<String>,
    webhooks_verified: bool,
}

/// `GET /v1/admin/intercom`
pub async fn status(
    _: Admin,
    Extension(intercom): Extension<Arc<Intercom>>,
) -> Result<Json<Status>, ApiError> {
    let connection = intercom.conversations.connection().await?;
    Ok(Json(Status {
        connected: intercom.token_source().is_some(),
        source: intercom.token_source(),
        api_base: intercom.settings().api_base(),
        workspace_id: connection.as_ref().and_then(|c| c.workspace_id.clone()),
        workspace_name: connection.as_ref().and_then(|c| c.workspace_name.clone()),
        region: connection.and_then(|c| c.region),
        webhooks_verified: intercom.settings().client_secret.is_some(),
    }))
}

/// The workspace's admins and teams, for choosing "Reply as" and routing targets.
#[derive(Debug, Serialize)]
pub struct Directory {
    admins: Vec<DirectoryAdmin>,
    teams: Vec<DirectoryTeam>,
}

/// An admin as the dashboard lists it.
#[derive(Debug, Serialize)]
pub struct DirectoryAdmin {
    id: String,
    name: String,
    email: Option<String>,
    away: bool,
}

/// A team as the dashboard lists it.
#[derive(Debug, Serialize)]
pub struct DirectoryTeam {
    id: String,
    name: String,
    admin_ids: Vec<String>,
}

/// `GET /v1/admin/intercom/directory`
pub async fn directory(
    _: Admin,
    Extension(intercom): Extension<Arc<Intercom>>,
) -> Result<Json<Directory>, ApiError> {
    let people = intercom.people(true).await.map_err(InboxError::from)?;
    Ok(Json(Directory {
        admins: people
            .admins
            .into_iter()
            .map(|a| DirectoryAdmin { id: a.id.0, name: a.name, email: a.email, away: a.away_mode_enabled })
            .collect(),
        teams: people
            .teams
            .into_iter()
            .map(|t| DirectoryTeam {
                id: t.id.0,
                name: t.name,
                admin_ids: t.admin_ids.into_iter().map(|id| id.0).collect(),
            })
            .collect(),
    }))
}

/// Where the browser goes to authorize.
#[derive(Debug, Serialize)]
pub struct Authorize {
    authorize_url: String,
}

/// `POST /v1/admin/intercom/authorize`: a fresh `state` and the URL of Intercom's consent page.
pub async fn authorize(
    _: Admin,
    Extension(intercom): Extension<Arc<Intercom>>,
    headers: HeaderMap,
) -> Result<Json<Authorize>, ApiError> {
    let settings = intercom.settings();
    let client_id = settings.client_id.as_deref().ok_or_else(|| {
        ApiError::NotConfigured(
            "Set the Intercom app's client id (BATON_INTERCOM_CLIENT_ID) to connect with OAuth.".into(),
        )
    })?;
    let oauth_state = token::random_hex(16);
    intercom.conversations.save_oauth_state(&oauth_state, now_millis()).await?;
    let redirect =
        format!("{}/v1/intercom/oauth/callback", public_url(settings.public_url.as_deref(), &headers));
    let query = serde_urlencoded::to_string([
        ("client_id", client_id),
        ("state", &oauth_state),
        ("redirect_uri", &redirect),
    ])
    .map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok(Json(Authorize { authorize_url: format!("{}/oauth?{query}", settings.authorize_base()) }))
}

/// The bridge's address as the browser reaches it.
fn public_url(configured: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(url) = configured {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let scheme = headers.get("X-Forwarded-Proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}")
}

/// What Intercom sends the browser back with.
#[derive(Debug, Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /v1/intercom/oauth/callback?code=&state=`: checks the state, trades the code for a
/// token, reads the workspace from `/me`, and keeps the token (stored, never shown).
pub async fn callback(
    Extension(intercom): Extension<Arc<Intercom>>,
    Query(callback): Query<Callback>,
) -> Response {
    match connect(&intercom, callback).await {
        Ok(workspace) => Html(page(&format!(
            "Connected to {}. You can close this page.",
            html_escape::encode_text(&workspace)
        )))
        .into_response(),
        Err(message) => {
            (StatusCode::BAD_REQUEST, Html(page(&html_escape::encode_text(&message)))).into_response()
        }
    }
}

async fn connect(intercom: &Intercom, callback: Callback) -> Result<String, String> {
    if let Some(error) = callback.error {
        return Err(format!("Intercom did not authorize access: {error}"));
    }
    let (Some(code), Some(oauth_state)) = (callback.code, callback.state) else {
        return Err("The callback is missing its code or state.".into());
    };
    let fresh = intercom
        .conversations
        .take_oauth_state(&oauth_state, now_millis() - STATE_VALID_MILLIS)
        .await
        .map_err(|error| error.to_string())?;
    if !fresh {
        return Err(
            "This authorization link is unknown, used or expired. Start again from the dashboard.".into()
        );
    }
    let settings = intercom.settings();
    let (Some(client_id), Some(secret)) = (&settings.client_id, &settings.client_secret) else {
        return Err("The Intercom app's client id and secret are not configured.".into());
    };
    let base = settings.api_base();
    let failed = |error: super::client::IntercomError| {
        tracing::warn!(%error, "connecting Intercom failed");
        format!("Intercom refused the connection: {error}")
    };
    let access = exchange_code(&base, client_id, secret.expose(), &code).await.map_err(failed)?;
    let client = IntercomClient::new(&base, &access).map_err(failed)?;
    let me = client.me().await.map_err(failed)?;
    let connection = WorkspaceConnection {
        token: access.into(),
        workspace_id: me.app.as_ref().map(|app| app.id_code.clone()),
        workspace_name: me.app.as_ref().map(|app| app.name.clone()),
        region: me.app.as_ref().and_then(|app| app.region.clone()),
        admin_id: Some(me.id.0.clone()),
    };
    intercom
        .conversations
        .save_connection(&connection, now_millis())
        .await
        .map_err(|error| error.to_string())?;
    intercom.connect(client, Id(me.id.0));
    Ok(connection.workspace_name.unwrap_or_else(|| "your Intercom workspace".into()))
}

fn page(message: &str) -> String {
    format!("<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>Baton · Intercom</title><p>{message}</p>")
}
