//! The baseline's errors, answered in the bridge's JSON shape and with its statuses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_protocol::{ErrorBody, ErrorDetail, MAX_MESSAGE_CHARS};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The body is not what the endpoint expects.
    #[error("{0}")]
    BadRequest(String),
    /// A message over [`MAX_MESSAGE_CHARS`].
    #[error("A message can be at most {MAX_MESSAGE_CHARS} characters long.")]
    MessageTooLong,
    /// The token is missing or wrong, or the conversation does not exist.
    #[error("No such conversation, or the token does not match it.")]
    Unauthorized,
    /// Not the agent this baseline answers for.
    #[error("No such agent.")]
    UnknownAgent,
}

impl BaselineError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::MessageTooLong => (StatusCode::PAYLOAD_TOO_LARGE, "message_too_long"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::UnknownAgent => (StatusCode::NOT_FOUND, "unknown_agent"),
        }
    }
}

impl IntoResponse for BaselineError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = ErrorBody {
            error: ErrorDetail { code: code.to_owned(), message: self.to_string(), field: None },
        };
        (status, axum::Json(body)).into_response()
    }
}
