//! The bridge's one error type at the HTTP boundary: every failure becomes the documented JSON
//! shape with the right status, and internals are logged, never shown.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_protocol::{ErrorBody, ErrorDetail, MAX_COMMENT_CHARS, MAX_FILE_BYTES, MAX_MESSAGE_CHARS};

use crate::files::SignatureError;
use crate::inbox::InboxError;
use crate::settings::SettingsError;
use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not the JSON the endpoint expects.
    #[error("{0}")]
    BadRequest(String),
    /// A request body over the size limit.
    #[error("The request body is too large.")]
    BodyTooLarge,
    /// A message over [`MAX_MESSAGE_CHARS`].
    #[error("A message can be at most {MAX_MESSAGE_CHARS} characters long.")]
    MessageTooLong,
    /// A rating's comment over [`MAX_COMMENT_CHARS`].
    #[error("A comment can be at most {MAX_COMMENT_CHARS} characters long.")]
    CommentTooLong,
    /// A rating of a conversation the team has not closed.
    #[error("Only a conversation the team closed can be rated.")]
    NotClosed,
    /// A second rating of one conversation.
    #[error("This conversation has been rated already.")]
    AlreadyRated,
    /// The token is missing or wrong, or the conversation does not exist: the caller learns
    /// nothing about which.
    #[error("No such conversation, or the token does not match it.")]
    Unauthorized,
    /// No agent of that id is configured.
    #[error("No such agent.")]
    UnknownAgent,
    /// The page's origin may not talk to this agent.
    #[error("This site may not start conversations with this agent.")]
    OriginNotAllowed,
    /// No conversation of that id (admin API only: visitors get [`ApiError::Unauthorized`]).
    #[error("No such conversation.")]
    UnknownConversation,
    /// The admin API is off: no admin token is configured.
    #[error("The admin API is off: start the bridge with BATON_ADMIN_TOKEN set.")]
    AdminDisabled,
    /// The admin token is missing or wrong.
    #[error("The admin token is missing or wrong.")]
    AdminUnauthorized,
    /// A webhook without a valid `X-Hub-Signature`.
    #[error("The webhook's signature is missing or wrong.")]
    BadSignature,
    /// What the request needs is not configured on this bridge; the message says what to set.
    #[error("{0}")]
    NotConfigured(String),
    /// The support inbox could not act on the caller's behalf.
    #[error(transparent)]
    Inbox(#[from] InboxError),
    /// Settings that cannot be used.
    #[error(transparent)]
    InvalidSettings(#[from] SettingsError),
    /// Something failed inside.
    #[error("{0}")]
    Internal(String),
    /// The client has as many event streams open as it may.
    #[error("Too many event streams are open from this address; close one and try again.")]
    TooManyStreams,
    /// Too many requests; try again after this many seconds.
    #[error("Too many requests; try again shortly.")]
    RateLimited {
        /// Seconds until a retry is welcome.
        retry_after_secs: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A conversation asked to be a dashboard preview without the agent's preview key.
    #[error("This preview key is not the agent's: open the preview from the dashboard again.")]
    PreviewRefused,
    /// The Intercom connection comes from the bridge's settings, which the dashboard cannot change.
    #[error("{0}")]
    ConfiguredConnection(String),
    /// An uploaded file over [`MAX_FILE_BYTES`].
    #[error("A file can be at most {} MB.", MAX_FILE_BYTES / (1024 * 1024))]
    FileTooLarge,
    /// An uploaded file whose bytes are none of the accepted types, whatever its name says.
    #[error("Only images (PNG, JPEG, GIF, WebP) and PDF files can be sent.")]
    UnsupportedFile,
    /// A message names a file that is not this conversation's, or too many files.
    #[error("{0}")]
    BadAttachment(String),
    /// A file address whose signature is wrong or whose time is up.
    #[error(transparent)]
    FileAddress(#[from] SignatureError),
    /// No file of that id (any more).
    #[error("No such file.")]
    UnknownFile,
}

impl ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge | Self::MessageTooLong | Self::CommentTooLong => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotClosed | Self::AlreadyRated => StatusCode::CONFLICT,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::UnknownAgent => StatusCode::NOT_FOUND,
            Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } | Self::TooManyStreams => StatusCode::TOO_MANY_REQUESTS,
            Self::UnknownConversation => StatusCode::NOT_FOUND,
            Self::PreviewRefused => StatusCode::FORBIDDEN,
            Self::ConfiguredConnection(_) => StatusCode::CONFLICT,
            Self::FileTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedFile => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BadAttachment(_) => StatusCode::BAD_REQUEST,
            Self::FileAddress(_) => StatusCode::FORBIDDEN,
            Self::UnknownFile => StatusCode::NOT_FOUND,
            Self::BadSignature => StatusCode::UNAUTHORIZED,
            Self::NotConfigured(_) | Self::Inbox(InboxError::NotConnected) => StatusCode::CONFLICT,
            Self::Inbox(InboxError::Unavailable(_)) => StatusCode::BAD_GATEWAY,
            Self::AdminDisabled | Self::AdminUnauthorized => StatusCode::UNAUTHORIZED,
            Self::InvalidSettings(SettingsError::Invalid { .. } | SettingsError::Parse { .. }) => {
                StatusCode::BAD_REQUEST
            }
            Self::InvalidSettings(SettingsError::Store(StoreError::StaleSettings { .. })) => {
                StatusCode::CONFLICT
            }
            Self::InvalidSettings(
                SettingsError::Io { .. }
                | SettingsError::Store(_)
                | SettingsError::Stored { .. }
                | SettingsError::Encode(_),
            )
            | Self::Inbox(InboxError::Settings { .. } | InboxError::Store(_))
            | Self::Internal(_)
            | Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::BodyTooLarge => "body_too_large",
            Self::MessageTooLong => "message_too_long",
            Self::CommentTooLong => "comment_too_long",
            Self::NotClosed => "not_closed",
            Self::AlreadyRated => "already_rated",
            Self::Unauthorized => "unauthorized",
            Self::UnknownAgent => "unknown_agent",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::RateLimited { .. } => "rate_limited",
            Self::TooManyStreams => "too_many_streams",
            Self::UnknownConversation => "unknown_conversation",
            Self::BadSignature => "bad_signature",
            Self::PreviewRefused => "preview_refused",
            Self::ConfiguredConnection(_) => "configured_connection",
            Self::FileTooLarge => "file_too_large",
            Self::UnsupportedFile => "unsupported_file",
            Self::BadAttachment(_) => "bad_attachment",
            Self::FileAddress(SignatureError::Forged) => "bad_file_signature",
            Self::FileAddress(SignatureError::Expired) => "file_address_expired",
            Self::UnknownFile => "unknown_file",
            Self::NotConfigured(_) => "not_configured",
            Self::Inbox(InboxError::NotConnected) => "inbox_not_connected",
            Self::Inbox(InboxError::Unavailable(_)) => "inbox_unavailable",
            Self::AdminDisabled => "admin_disabled",
            Self::AdminUnauthorized => "unauthorized",
            Self::InvalidSettings(_) => "invalid_settings",
            Self::Inbox(InboxError::Settings { .. } | InboxError::Store(_))
            | Self::Internal(_)
            | Self::Store(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let (message, field) = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            ("Something went wrong on our side.".to_owned(), None)
        } else if let Self::InvalidSettings(SettingsError::Invalid { field, message, .. }) = &self {
            // The caller knows which agent it sent; the field is said apart, for the form to mark.
            (message.clone(), field.clone())
        } else {
            (self.to_string(), None)
        };
        let body = ErrorBody { error: ErrorDetail { code: self.code().to_owned(), message, field } };
        let mut response = (status, axum::Json(body)).into_response();
        if let Self::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::BodyTooLarge
        } else {
            Self::BadRequest(rejection.body_text())
        }
    }
}

/// `axum::Json`, but a rejected body answers with [`ApiError`]'s shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(Self(value))
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
