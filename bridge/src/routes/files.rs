//! Files a visitor attaches: uploaded with the conversation's token (the bytes as the body, the
//! name in the query), stored only once their type is sniffed and they are committed, and
//! served back on signed, expiring addresses that need no token (Intercom fetches them) and
//! can never be rendered as a page.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_protocol::{Attachment, ConversationId, FileId, FileUploaded, MAX_ATTACHMENTS, MAX_FILE_BYTES};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Deserialize;

use super::conversations::{authorize, bearer};
use crate::conversations::now_millis;
use crate::error::{ApiError, Json};
use crate::files::kind::clean_name;
use crate::files::FileKind;
use crate::proxy::ClientIp;
use crate::store::Upload;
use crate::{token, AppState};

/// How long the address in a visitor's message stays good: the widget shows the picture from
/// it for a week (a reload after that shows the file's name without the picture).
pub const VISITOR_URL_SECS: i64 = 7 * 24 * 3600;

/// What a served file may do in a browser: nothing (no scripts, no plugins, no fetches), and
/// it is sandboxed, so even a document viewer opening it gets a unique origin.
pub const FILE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

/// `?name=` of an upload.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The file's name on the visitor's device.
    #[serde(default)]
    name: Option<String>,
}

/// `POST /v1/conversations/{id}/files?name=…`: the file's bytes as the body. Answers 201 once
/// the file is committed.
pub async fn upload_file(
    State(state): State<Arc<AppState>>,
    ClientIp(client): ClientIp,
    Path(id): Path<ConversationId>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<FileUploaded>), ApiError> {
    authorize(&state, &id, bearer(&headers)).await?;
    state.limits.check_message(&*state.conversations, client, &id).await?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    // A body announced too large is refused before a byte of it is read.
    if declared.is_some_and(|length| length > MAX_FILE_BYTES) {
        return Err(ApiError::FileTooLarge);
    }
    let bytes: Bytes =
        axum::body::to_bytes(body, MAX_FILE_BYTES).await.map_err(|_| ApiError::FileTooLarge)?;
    let kind = FileKind::sniff(&bytes).ok_or(ApiError::UnsupportedFile)?;
    let upload = Upload {
        id: FileId(token::random_hex(16)),
        conversation: id,
        name: clean_name(query.name.as_deref().unwrap_or("")),
        content_type: kind.content_type().to_owned(),
        bytes: bytes.to_vec(),
        created_at: now_millis(),
    };
    let answer = FileUploaded {
        id: upload.id.clone(),
        content_type: upload.content_type.clone(),
        size: bytes.len() as u64,
    };
    state.conversations.save_upload(upload).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `?expires=&signature=` of a file address.
#[derive(Debug, Deserialize)]
pub struct Signed {
    #[serde(default)]
    expires: i64,
    #[serde(default)]
    signature: String,
}

/// `GET /v1/files/{id}?expires=…&signature=…`: the file, with its sniffed type, shown in place
/// if it is an image and downloaded if not, under a policy that runs nothing.
pub async fn get_file(
    State(state): State<Arc<AppState>>,
    Path(id): Path<FileId>,
    Query(signed): Query<Signed>,
) -> Result<Response, ApiError> {
    state.signer.verify(&id.0, signed.expires, &signed.signature, now_millis() / 1000)?;
    let upload = state.conversations.upload(&id).await?.ok_or(ApiError::UnknownFile)?;
    let kind = FileKind::from_content_type(&upload.content_type).ok_or(ApiError::UnknownFile)?;
    let disposition = if kind.is_inline() { "inline" } else { "attachment" };
    let name = utf8_percent_encode(&upload.name, NON_ALPHANUMERIC);
    let header_value =
        |value: String| HeaderValue::from_str(&value).map_err(|error| ApiError::Internal(error.to_string()));
    let mut response = upload.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.content_type()));
    headers.insert(
        header::CONTENT_DISPOSITION,
        header_value(format!("{disposition}; filename*=UTF-8''{name}"))?,
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(FILE_CSP));
    // The widget shows it on the customer's site, another origin than the bridge's.
    headers.insert("cross-origin-resource-policy", HeaderValue::from_static("cross-origin"));
    // The address itself expires; a copy need not outlive it, nor sit in a shared cache.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(response)
}

/// The files a message names, as its attachments: each must be one of `conversation`'s uploads,
/// at most [`MAX_ATTACHMENTS`], each named once. Their addresses are signed on `origin`.
pub async fn attachments_of(
    state: &AppState,
    conversation: &ConversationId,
    files: &[FileId],
    origin: &str,
) -> Result<Vec<Attachment>, ApiError> {
    if files.len() > MAX_ATTACHMENTS {
        return Err(ApiError::BadAttachment(format!("A message can carry at most {MAX_ATTACHMENTS} files.")));
    }
    let expires = now_millis() / 1000 + VISITOR_URL_SECS;
    let mut attachments = Vec::with_capacity(files.len());
    for (n, id) in files.iter().enumerate() {
        let upload = state.conversations.upload_info(id).await?;
        let Some(upload) =
            upload.filter(|upload| &upload.conversation == conversation && !files[..n].contains(id))
        else {
            return Err(ApiError::BadAttachment(
                "A file of this message was not uploaded to this conversation.".into(),
            ));
        };
        attachments.push(Attachment {
            name: upload.name,
            content_type: upload.content_type,
            size: upload.size,
            url: format!("{origin}{}", state.signer.path(&id.0, expires)),
        });
    }
    Ok(attachments)
}

/// Where Intercom and the widget reach this bridge: the configured public address, or the
/// request's own scheme and host.
pub fn public_origin(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(configured) = &state.public_url {
        return configured.trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}")
}
