//! The inbox page, where a person plays the teammate: the list of conversations at `/`, one
//! conversation at `/inbox/{id}` with forms to reply, note, assign, close and reopen. The
//! forms apply the same actions as the API through [`Sandbox::change`], so they send the same
//! webhooks. It is a local tool: no sign-in.

mod page;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::attachments::{Attachment, SAMPLE_PNG};
use crate::body::{self, escape};
use crate::conversation::{Action, Assignee};
use crate::error::IntercomError;
use crate::html;
use crate::seed::{self, Admin};
use crate::workspace::View;
use crate::Sandbox;

/// The inbox's routes.
pub fn router() -> Router<Sandbox> {
    Router::new()
        .route("/", get(list_conversations))
        .route("/inbox/{id}", get(show_conversation))
        .route("/inbox/{id}/parts", get(live_fragment))
        .route("/inbox/{id}/reply", post(reply))
        .route("/inbox/{id}/note", post(add_note))
        .route("/inbox/{id}/assign", post(assign))
        .route("/inbox/{id}/close", post(close))
        .route("/inbox/{id}/open", post(reopen))
}

/// `GET /`: every conversation, most recently updated first.
async fn list_conversations(State(sandbox): State<Sandbox>) -> Html<String> {
    page::list(&sandbox.read(|workspace| workspace.conversations(None)))
}

/// `GET /inbox/{id}`: the teammate reads the conversation.
async fn show_conversation(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    sandbox.write(|workspace, _| workspace.mark_read(&id));
    match sandbox.read(|workspace| workspace.conversation(&id)) {
        Ok(view) => page::conversation(&view).into_response(),
        Err(_) => not_found(),
    }
}

/// `GET /inbox/{id}/parts`: the part of the page that changes, fetched every few seconds, so
/// an open page reads what the contact writes.
async fn live_fragment(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Response {
    sandbox.write(|workspace, _| workspace.mark_read(&id));
    match sandbox.read(|workspace| workspace.conversation(&id)) {
        Ok(view) => Html(page::live(&view)).into_response(),
        Err(_) => not_found(),
    }
}

/// A form's fields; each form sends the ones it has.
#[derive(Debug, Deserialize)]
struct Fields {
    /// The teammate acting.
    admin_id: String,
    /// A reply's or note's text.
    #[serde(default)]
    body: String,
    /// `admin:<id>` or `team:<id>`; id 0 unassigns.
    #[serde(default)]
    assignee: String,
    /// Set when the reply attaches the sample shipping label.
    #[serde(default)]
    attach_label: Option<String>,
}

async fn reply(
    state: State<Sandbox>,
    id: Path<String>,
    headers: HeaderMap,
    Form(fields): Form<Fields>,
) -> Response {
    let text = fields.body.clone();
    // The label is where Intercom would keep a teammate's upload: on the sandbox itself.
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok()).unwrap_or("127.0.0.1");
    let attachments: Vec<Attachment> = fields
        .attach_label
        .iter()
        .map(|_| Attachment {
            name: "label.png".into(),
            url: format!("http://{host}/_sandbox/files/label.png"),
            content_type: "image/png".into(),
            filesize: SAMPLE_PNG.len() as u64,
        })
        .collect();
    let attaches = !attachments.is_empty();
    act(state, id, fields, attachments, |admin| {
        Some(Action::AdminReply { admin, note: false, body: body::from_text(&text) })
            .filter(|_| attaches || !text.trim().is_empty())
    })
}

async fn add_note(state: State<Sandbox>, id: Path<String>, Form(fields): Form<Fields>) -> Response {
    let text = fields.body.clone();
    act(state, id, fields, Vec::new(), |admin| {
        Some(Action::AdminReply { admin, note: true, body: body::from_text(&text) })
            .filter(|_| !text.trim().is_empty())
    })
}

async fn assign(state: State<Sandbox>, id: Path<String>, Form(fields): Form<Fields>) -> Response {
    let to = match fields.assignee.split_once(':') {
        Some(("admin", "0")) => Some(Assignee::NoAdmin),
        Some(("team", "0")) => Some(Assignee::NoTeam),
        Some(("admin", id)) => seed::admin(id).map(|admin| Assignee::Admin(admin.id)),
        Some(("team", id)) => seed::team(id).map(|team| Assignee::Team(team.id)),
        _ => None,
    };
    act(state, id, fields, Vec::new(), |admin| to.map(|to| Action::Assign { admin, to, body: None }))
}

async fn close(state: State<Sandbox>, id: Path<String>, Form(fields): Form<Fields>) -> Response {
    act(state, id, fields, Vec::new(), |admin| Some(Action::Close { admin, body: None }))
}

async fn reopen(state: State<Sandbox>, id: Path<String>, Form(fields): Form<Fields>) -> Response {
    act(state, id, fields, Vec::new(), |admin| Some(Action::Open { admin }))
}

/// Applies the action a form asks for (none: nothing to do, such as an empty reply) and
/// sends the browser back to the conversation.
fn act(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    fields: Fields,
    attachments: Vec<Attachment>,
    action: impl FnOnce(&'static Admin) -> Option<Action>,
) -> Response {
    // Only known ids go on: the redirect below puts the id in a header.
    if sandbox.read(|workspace| workspace.conversation(&id)).is_err() {
        return not_found();
    }
    let Some(admin) = seed::admin(&fields.admin_id) else {
        return refused("That teammate does not exist.");
    };
    if let Some(action) = action(admin) {
        match sandbox.change(|workspace, now| workspace.act_with(&id, action, attachments, now)) {
            Ok(_) => {}
            Err(IntercomError::NotFound) => return not_found(),
            Err(error) => return refused(&error.to_string()),
        }
    }
    Redirect::to(&format!("/inbox/{id}")).into_response()
}

/// The teammate a form acts as by default: the assigned admin, else the token's own.
fn acting_admin(view: &View) -> u64 {
    view.conversation.admin_assignee_id.unwrap_or(seed::ME)
}

fn refused(reason: &str) -> Response {
    let content =
        format!("<h1>Cannot do that</h1><p>{}</p><p><a href=\"/\">Back to the inbox</a></p>", escape(reason));
    (StatusCode::BAD_REQUEST, html::page("Cannot do that", &content)).into_response()
}

fn not_found() -> Response {
    let content = "<h1>No such conversation</h1><p><a href=\"/\">Back to the inbox</a></p>";
    (StatusCode::NOT_FOUND, html::page("No such conversation", content)).into_response()
}
