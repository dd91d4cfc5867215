//! Intercom's OAuth flow, for the bridge's "Authorize access": a consent page at `/oauth`
//! that sends the browser back with a single-use code, and `POST /auth/eagle/token` that
//! trades the code for the access token.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::body::escape;
use crate::error::{self, IntercomError};
use crate::html::page;
use crate::seed::APP;
use crate::Sandbox;

/// What the consent page is asked for, and what its form posts back.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Authorization {
    client_id: Option<String>,
    state: Option<String>,
    redirect_uri: Option<String>,
}

impl Authorization {
    /// The redirect URI, if the request is one the sandbox can grant.
    fn check(&self, sandbox: &Sandbox) -> Result<&str, &'static str> {
        if self.client_id.as_deref() != Some(sandbox.client_id()) {
            return Err("Unknown client_id: this is not the sandbox's OAuth client.");
        }
        match self.redirect_uri.as_deref() {
            Some(uri) if uri.starts_with("http://") || uri.starts_with("https://") => Ok(uri),
            _ => Err("redirect_uri is missing or not an http(s) URL."),
        }
    }
}

/// `GET /oauth?client_id=…&state=…&redirect_uri=…`: the consent page.
pub async fn consent_page(State(sandbox): State<Sandbox>, Query(request): Query<Authorization>) -> Response {
    if let Err(problem) = request.check(&sandbox) {
        return (
            StatusCode::BAD_REQUEST,
            page("Cannot authorize", &format!("<h1>Cannot authorize</h1><p>{problem}</p>")),
        )
            .into_response();
    }
    let hidden = |name: &str, value: &Option<String>| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value.as_deref().unwrap_or(""))
        )
    };
    let title = format!("Authorize Baton to access {}", APP.name);
    let content = format!(
        "<h1>{title}</h1>\
         <div class=\"card\"><p>Baton will be able to access, in this workspace:</p>\
         <ul><li>People</li><li>Companies</li><li>Conversations</li><li>Messages</li>\
         <li>Teams and teammates</li></ul><p>and to receive its webhooks.</p>\
         <p class=\"muted\">Signed in as Ana Torres (ana@lumen.example).</p>\
         <form method=\"post\" action=\"/oauth/authorize\">{}{}{}\
         <button type=\"submit\">Authorize access</button></form></div>",
        hidden("client_id", &request.client_id),
        hidden("state", &request.state),
        hidden("redirect_uri", &request.redirect_uri),
        title = escape(&title),
    );
    page(&title, &content).into_response()
}

/// `POST /oauth/authorize`: the person agreed; back to the client with a code and its state.
pub async fn authorize(State(sandbox): State<Sandbox>, Form(request): Form<Authorization>) -> Response {
    let redirect_uri = match request.check(&sandbox) {
        Ok(uri) => uri,
        Err(problem) => return (StatusCode::BAD_REQUEST, Html(problem)).into_response(),
    };
    let code = sandbox.issue_code(sandbox.client_id());
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("code", &code);
    if let Some(state) = &request.state {
        query.append_pair("state", state);
    }
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    match HeaderValue::from_str(&format!("{redirect_uri}{separator}{}", query.finish())) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, Html("redirect_uri is not a valid URL.")).into_response(),
    }
}

/// `POST /auth/eagle/token` with `code`, `client_id` and `client_secret`, form-encoded or JSON.
pub async fn exchange_code(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, IntercomError> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    let fields: HashMap<String, String> =
        if is_form { form_urlencoded::parse(&body).into_owned().collect() } else { error::parse(&body)? };
    let field = |name: &str| fields.get(name).map(String::as_str).ok_or_else(|| IntercomError::missing(name));
    let token = sandbox.redeem_code(field("code")?, field("client_id")?, field("client_secret")?)?;
    Ok(Json(json!({"token_type": "Bearer", "token": token, "access_token": token})))
}
