//! The test controls under `/_sandbox` (no token needed): the log of API requests and of
//! webhook notifications, fault injection, answers withheld, pointing webhooks elsewhere, and
//! reset. The middlewares that feed and apply them wrap the API.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{IntercomError, JsonBody};
use crate::ids;
use crate::sandbox::{Fault, Hold, RecordedRequest};
use crate::webhooks::Sent;
use crate::wire::AvatarForm;
use crate::Sandbox;

/// The largest API request body the log keeps.
const LOGGED_BODY_LIMIT: usize = 1024 * 1024;

/// The failures that can be injected.
const FAULT_STATUSES: [u16; 5] = [429, 500, 502, 503, 504];

/// `/_sandbox/*`.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/_sandbox/requests", get(list_requests))
        .route("/_sandbox/notifications", get(list_notifications))
        .route("/_sandbox/faults", post(inject_fault))
        .route("/_sandbox/holds", post(hold_answer).get(held_answers))
        .route("/_sandbox/webhook", put(set_webhook))
        .route("/_sandbox/avatars", put(set_avatar_form))
        .route("/_sandbox/reset", post(reset))
}

/// Logs every API request with its parsed body and the status it got.
pub async fn record_requests(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, LOGGED_BODY_LIMIT).await else {
        return IntercomError::ParameterInvalid("The request body is too large".into()).into_response();
    };
    let logged = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let (method, path) = (parts.method.to_string(), parts.uri.path().to_owned());
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    sandbox.record(RecordedRequest { method, path, body: logged, status: response.status().as_u16() });
    response
}

/// Fails the request as an injected fault says, with Intercom's body and headers.
pub async fn inject_faults(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let error = match sandbox.next_fault(request.uri().path()) {
        None => return next.run(request).await,
        Some(429) => IntercomError::RateLimited { reset_at: ids::now() + 1 },
        Some(503) => IntercomError::ServiceUnavailable,
        Some(status) => IntercomError::ServerError(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        ),
    };
    error.into_response()
}

/// Carries out a request a hold names, then withholds its answer until the client goes away.
pub async fn hold_answers(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let hold = sandbox.next_hold(request.method().as_str(), request.uri().path());
    let response = next.run(request).await;
    if hold {
        // The client's going away drops this future: the answer is never sent.
        std::future::pending::<()>().await;
    }
    response
}

/// `GET /_sandbox/requests`
async fn list_requests(State(sandbox): State<Sandbox>) -> Json<Vec<RecordedRequest>> {
    Json(sandbox.requests())
}

/// `GET /_sandbox/notifications`
async fn list_notifications(State(sandbox): State<Sandbox>) -> Json<Vec<Sent>> {
    Json(sandbox.notifications())
}

/// The body of `POST /_sandbox/faults`.
#[derive(Debug, Deserialize)]
struct FaultRequest {
    status: u16,
    #[serde(default = "one")]
    count: u32,
    /// Only paths like this one, `*` standing for a segment: `/conversations/*/reply`.
    #[serde(default)]
    path: Option<String>,
}

fn one() -> u32 {
    1
}

/// `POST /_sandbox/faults {"status": 429, "count": 2}`: the next `count` API requests fail;
/// with `"path": "/conversations/*/reply"`, only the next requests to such paths.
async fn inject_fault(
    State(sandbox): State<Sandbox>,
    JsonBody(request): JsonBody<FaultRequest>,
) -> Result<Json<Value>, IntercomError> {
    if !FAULT_STATUSES.contains(&request.status) {
        return Err(IntercomError::ParameterInvalid(format!("status must be one of {FAULT_STATUSES:?}")));
    }
    sandbox.inject(Fault { status: request.status, remaining: request.count, path: request.path.clone() });
    Ok(Json(json!({"status": request.status, "count": request.count, "path": request.path})))
}

/// The body of `POST /_sandbox/holds`.
#[derive(Debug, Deserialize)]
struct HoldRequest {
    method: String,
    path: String,
}

/// `POST /_sandbox/holds {"method": "POST", "path": "/conversations"}`: the next such request
/// is carried out (the conversation is created) and its answer withheld, never sent.
async fn hold_answer(State(sandbox): State<Sandbox>, JsonBody(request): JsonBody<HoldRequest>) -> StatusCode {
    sandbox.hold(Hold { method: request.method.to_ascii_uppercase(), path: request.path });
    StatusCode::NO_CONTENT
}

/// `GET /_sandbox/holds`: `{"held": n}`, the answers withheld so far.
async fn held_answers(State(sandbox): State<Sandbox>) -> Json<Value> {
    Json(json!({"held": sandbox.held()}))
}

/// The body of `PUT /_sandbox/webhook`.
#[derive(Debug, Deserialize)]
struct WebhookRequest {
    url: Option<String>,
}

/// `PUT /_sandbox/webhook {"url": "http://…"}`: where later notifications go (null: nowhere).
async fn set_webhook(
    State(sandbox): State<Sandbox>,
    JsonBody(request): JsonBody<WebhookRequest>,
) -> StatusCode {
    sandbox.set_webhook_url(request.url.filter(|url| !url.trim().is_empty()));
    StatusCode::NO_CONTENT
}

/// The body of `PUT /_sandbox/avatars`.
#[derive(Debug, Deserialize)]
struct AvatarRequest {
    form: AvatarForm,
}

/// `PUT /_sandbox/avatars {"form": "uri"}`: admins' pictures as bare URI strings, as 2.16's
/// `admin` schema types them (`"object"`, the default: `{"type": "avatar", "image_url"}`).
async fn set_avatar_form(
    State(sandbox): State<Sandbox>,
    JsonBody(request): JsonBody<AvatarRequest>,
) -> StatusCode {
    sandbox.set_avatar_form(request.form);
    StatusCode::NO_CONTENT
}

/// `POST /_sandbox/reset`: no contacts, conversations, logs or faults.
async fn reset(State(sandbox): State<Sandbox>) -> StatusCode {
    sandbox.reset();
    StatusCode::NO_CONTENT
}
