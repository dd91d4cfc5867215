//! Intercom's errors: every failure of the API answers with an `error.list` carrying the code
//! and message the real API uses for it, so a client's error handling meets the real thing.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::ids;

/// The documented request limit the sandbox's injected 429s quote.
pub const RATE_LIMIT: u32 = 1000;

/// Why an API request failed, one variant per code/message pair Intercom answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntercomError {
    /// No bearer token, or not the sandbox's.
    #[error("Access Token Invalid")]
    Unauthorized,
    /// No such conversation, or no such route.
    #[error("Resource Not Found")]
    NotFound,
    /// No such contact.
    #[error("User Not Found")]
    UserNotFound,
    /// No such admin.
    #[error("Admin not found")]
    AdminNotFound,
    /// No such team.
    #[error("Team not found")]
    TeamNotFound,
    /// An assignment to an admin or team that does not exist.
    #[error("Assignee not found")]
    AssigneeNotFound,
    /// A user with that email or external id exists already.
    #[error("A contact matching those details already exists with id={0}")]
    ContactExists(String),
    /// A required field is missing.
    #[error("{0}")]
    ParameterNotFound(String),
    /// A field, or the body itself, is not what the endpoint takes.
    #[error("{0}")]
    ParameterInvalid(String),
    /// An injected 429; the limit resets at this Unix second.
    #[error("Exceeded rate limit of {RATE_LIMIT} in 60_seconds")]
    RateLimited {
        /// When the window resets, in Unix seconds.
        reset_at: i64,
    },
    /// An injected 500, 502 or 504.
    #[error("Server Error")]
    ServerError(StatusCode),
    /// An injected 503.
    #[error("Service Unavailable")]
    ServiceUnavailable,
}

impl IntercomError {
    /// The HTTP status Intercom answers this error with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound | Self::UserNotFound | Self::AdminNotFound | Self::TeamNotFound => {
                StatusCode::NOT_FOUND
            }
            Self::AssigneeNotFound => StatusCode::NOT_FOUND,
            Self::ContactExists(_) => StatusCode::CONFLICT,
            Self::ParameterNotFound(_) | Self::ParameterInvalid(_) => StatusCode::BAD_REQUEST,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ServerError(status) => *status,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `code` of its `error.list` entry.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::NotFound | Self::UserNotFound => "not_found",
            Self::AdminNotFound => "admin_not_found",
            Self::TeamNotFound => "team_not_found",
            Self::AssigneeNotFound => "assignee_not_found",
            Self::ContactExists(_) => "conflict",
            Self::ParameterNotFound(_) => "parameter_not_found",
            Self::ParameterInvalid(_) => "parameter_invalid",
            Self::RateLimited { .. } => "rate_limit_exceeded",
            Self::ServerError(_) => "server_error",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }

    /// A missing required field.
    pub fn missing(field: &str) -> Self {
        Self::ParameterNotFound(format!("'{field}' is a required parameter"))
    }

    /// The body Intercom sends for it.
    pub fn body(&self) -> Value {
        json!({
            "type": "error.list",
            "request_id": ids::uuid(),
            "errors": [{"code": self.code(), "message": self.to_string()}],
        })
    }
}

impl IntoResponse for IntercomError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let Self::RateLimited { reset_at } = self {
            let headers = response.headers_mut();
            headers.insert("X-RateLimit-Limit", HeaderValue::from(RATE_LIMIT));
            headers.insert("X-RateLimit-Remaining", HeaderValue::from(0));
            headers.insert("X-RateLimit-Reset", HeaderValue::from(reset_at));
        }
        response
    }
}

/// A JSON request body read the way Intercom reads one: not JSON is `parameter_invalid`, a
/// missing required field `parameter_not_found`, and an empty body counts as `{}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = IntercomError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| IntercomError::ParameterInvalid("The request body could not be read".into()))?;
        parse(&bytes).map(Self)
    }
}

/// Parses a request body into `T`, with Intercom's error codes.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, IntercomError> {
    let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(bytes)
            .map_err(|_| IntercomError::ParameterInvalid("The request body is not valid JSON".into()))?
    };
    serde_json::from_value(value).map_err(|error| {
        let message = error.to_string();
        match message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            Some(field) => IntercomError::missing(field),
            None => IntercomError::ParameterInvalid(message),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Sample {
        body: String,
    }

    #[test]
    fn bodies_fail_with_intercoms_codes() {
        assert_eq!(
            parse::<Sample>(b"{nope").map(|_| ()),
            Err(IntercomError::ParameterInvalid("The request body is not valid JSON".into()))
        );
        assert_eq!(parse::<Sample>(b"").map(|_| ()), Err(IntercomError::missing("body")));
        assert!(matches!(parse::<Sample>(br#"{"body": 5}"#), Err(IntercomError::ParameterInvalid(_))));
        assert_eq!(parse::<Sample>(br#"{"body": "hi"}"#), Ok(Sample { body: "hi".into() }));
    }

    #[test]
    fn errors_render_as_an_error_list() {
        let body = IntercomError::ContactExists("abc".into()).body();
        assert_eq!(body["type"], "error.list");
        assert_eq!(body["errors"][0]["code"], "conflict");
        assert_eq!(
            body["errors"][0]["message"],
            "A contact matching those details already exists with id=abc"
        );
    }
}
