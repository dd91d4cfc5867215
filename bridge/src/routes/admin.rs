//! The admin API, behind the admin token: the agents' settings (read, change, remove, reload
//! from where they are kept), and what the agent decided on each message of a conversation — the debug
//! view of the dashboard's preview — and a conversation's data exported or erased on request.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use baton_protocol::{ConversationId, Seq};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::agents::Registry;
use crate::error::{ApiError, Json};
use crate::inbox::InboxError;
use crate::routes::conversations::bearer;
use crate::routing::{self, Criteria, RoutingError};
use crate::settings::{sentence, AgentSettings, SettingsError};
use crate::store::{ConversationExport, HandoffRecord};
use crate::{preview, token, AppState};

/// Proof that the request carries the admin token.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, ApiError> {
        let expected = state.admin_token_hash.as_deref().ok_or(ApiError::AdminDisabled)?;
        let given = bearer(&parts.headers).ok_or(ApiError::AdminUnauthorized)?;
        // Hashes, not secrets, are compared: the time taken says nothing usable about the token.
        if token::hash(given) == expected {
            Ok(Admin)
        } else {
            Err(ApiError::AdminUnauthorized)
        }
    }
}

/// The admin token `make demo` starts the bridge with, printed in the README.
pub const DEMO_ADMIN_TOKEN: &str = "demo-admin";

/// What the sign-in page may say before anyone is signed in.
#[derive(Debug, Serialize)]
pub struct SignIn {
    /// The token to sign in with, only when the bridge runs as the demo: its admin token is the
    /// demo's, which the README prints anyway, so saying it gives nothing away.
    demo_token: Option<&'static str>,
}

/// `GET /v1/admin/sign-in`: open to anyone.
pub async fn sign_in(State(state): State<Arc<AppState>>) -> Json<SignIn> {
    let demo = state.admin_token_hash.as_deref() == Some(token::hash(DEMO_ADMIN_TOKEN).as_str());
    Json(SignIn { demo_token: demo.then_some(DEMO_ADMIN_TOKEN) })
}

/// Every agent's settings, without API keys.
#[derive(Debug, Serialize)]
pub struct AgentList {
    agents: BTreeMap<String, AgentSettings>,
}

/// `GET /v1/admin/agents`
pub async fn list_agents(_: Admin, State(state): State<Arc<AppState>>) -> Json<AgentList> {
    let agents =
        state.agents.settings().agents.into_iter().map(|(id, agent)| (id, agent.redacted())).collect();
    Json(AgentList { agents })
}

/// `GET /v1/admin/agents/{id}`
pub async fn get_agent(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<AgentSettings>, ApiError> {
    let settings = state.agents.settings();
    let agent = settings.agents.get(&id).ok_or(ApiError::UnknownAgent)?;
    Ok(Json(agent.redacted()))
}

/// `PUT /v1/admin/agents/{id}`: adds or replaces the agent, live, and saves the settings (the
/// file, or the database every bridge serves them from). A model
/// without `api_key` keeps the key it had for the same base URL, so what `GET` shows can be
/// sent back as it is.
pub async fn put_agent(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(mut agent): Json<AgentSettings>,
) -> Result<Json<AgentSettings>, ApiError> {
    // What can be checked alone comes first: a malformed mapping is said as such, connected
    // inbox or not.
    agent.validate(&id)?;
    check_people(&state, &id, &agent).await?;
    let before = state.agents.settings().agents.remove(&id);
    if let (Some(model), Some(old)) = (&mut agent.model, before.and_then(|agent| agent.model)) {
        if model.api_key.is_none() && model.base_url == old.base_url {
            model.api_key = old.api_key;
        }
    }
    let shown = agent.redacted();
    change_settings(&state, move |registry| registry.put(&id, agent)).await?;
    Ok(Json(shown))
}

/// Checks the admins and teams the settings name against the connected workspace: an
/// unknown one is refused now, not discovered at the first handoff, naming the field (and the
/// mapping row) at fault.
async fn check_people(state: &AppState, id: &str, agent: &AgentSettings) -> Result<(), ApiError> {
    let routing = &agent.routing;
    let names_people = agent.copilot.reply_as.is_some()
        || !routing.mappings.is_empty()
        || !routing.criteria.trim().is_empty();
    if !names_people {
        return Ok(());
    }
    let invalid = |field: &str, message: String| {
        ApiError::InvalidSettings(SettingsError::invalid(id, Some(field), message))
    };
    let directory = state.inbox.directory(true).await.map_err(|error| match error {
        InboxError::NotConnected => ApiError::InvalidSettings(SettingsError::invalid(
            id,
            None,
            "Connect a support inbox before choosing admins, teams or assignment criteria.",
        )),
        other => ApiError::Inbox(other),
    })?;
    if let Some(admin) = &agent.copilot.reply_as {
        if !directory.admins.iter().any(|known| known.id == *admin) {
            return Err(invalid("copilot.reply_as", format!("The workspace has no admin {admin}.")));
        }
    }
    for (index, mapping) in routing.mappings.iter().enumerate() {
        if let Err(error) = routing::check_mapping(mapping, &directory) {
            let part = if matches!(error, RoutingError::Malformed(_)) { "match" } else { "assign_to" };
            return Err(invalid(&format!("routing.mappings[{index}].{part}"), sentence(&error)));
        }
    }
    Criteria::parse(&routing.criteria)
        .check(&directory)
        .map_err(|error| invalid("routing.criteria", sentence(&error)))
}

/// The key the preview panel mounts the widget with.
#[derive(Debug, Serialize)]
pub struct PreviewKey {
    key: String,
}

/// `GET /v1/admin/agents/{id}/preview-key`: the key that marks the preview's conversations as
/// tests.
pub async fn preview_key(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<PreviewKey>, ApiError> {
    state.agents.settings().agents.get(&id).ok_or(ApiError::UnknownAgent)?;
    let admin = state.admin_token_hash.as_deref().ok_or(ApiError::AdminDisabled)?;
    Ok(Json(PreviewKey { key: preview::key(admin, &id) }))
}

/// `DELETE /v1/admin/agents/{id}`
pub async fn delete_agent(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if change_settings(&state, move |registry| registry.remove(&id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::UnknownAgent)
    }
}

/// `POST /v1/admin/reload`: re-reads the settings (the file, or the database) and the knowledge
/// files.
pub async fn reload(_: Admin, State(state): State<Arc<AppState>>) -> Result<Json<AgentList>, ApiError> {
    change_settings(&state, Registry::reload).await?;
    Ok(list_agents(Admin, State(state)).await)
}

/// Runs a change to the agents, which reads and writes files or waits on the database, off the
/// async threads.
async fn change_settings<T: Send + 'static>(
    state: &AppState,
    change: impl FnOnce(&Registry) -> Result<T, SettingsError> + Send + 'static,
) -> Result<T, ApiError> {
    let registry = state.agents.clone();
    let changed = tokio::task::spawn_blocking(move || change(&registry)).await;
    Ok(changed.map_err(|error| ApiError::Internal(error.to_string()))??)
}

/// Which decisions to return.
#[derive(Debug, Deserialize)]
pub struct DecisionsQuery {
    /// Only decisions on visitor messages after this seq.
    #[serde(default)]
    after: Seq,
}

/// What the agent decided in one conversation.
#[derive(Debug, Serialize)]
pub struct Decisions {
    /// The conversation.
    conversation: ConversationId,
    /// Whether the dashboard's preview started it.
    test: bool,
    /// One per visitor message the agent took a turn on, in order.
    decisions: Vec<serde_json::Value>,
    /// Its handoffs, oldest first.
    handoffs: Vec<HandoffRecord>,
}

/// `GET /v1/admin/conversations/{id}/decisions?after=SEQ`
pub async fn decisions(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<ConversationId>,
    Query(query): Query<DecisionsQuery>,
) -> Result<Json<Decisions>, ApiError> {
    state.conversations.get(&id).await?.ok_or(ApiError::UnknownConversation)?;
    let stored = state.conversations.decisions(&id, query.after).await?;
    let decisions = stored
        .iter()
        .map(|body| serde_json::from_str(body).map_err(|error| ApiError::Internal(error.to_string())))
        .collect::<Result<_, _>>()?;
    let handoffs = state.conversations.handoffs_of(&id).await?;
    let test = state.conversations.get(&id).await?.is_some_and(|record| record.test);
    Ok(Json(Decisions { conversation: id, test, decisions, handoffs }))
}

/// `GET /v1/admin/conversations/{id}/export`: everything stored about the conversation, as one
/// JSON document (its token's hash aside).
pub async fn export_conversation(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<ConversationId>,
) -> Result<Json<ConversationExport>, ApiError> {
    Ok(Json(state.conversations.export(&id).await?.ok_or(ApiError::UnknownConversation)?))
}

/// `DELETE /v1/admin/conversations/{id}`: erases the conversation on request. Its token stops
/// working, its open event streams end, and no row of it is left; what was sent to the support
/// inbox is the inbox's to delete.
pub async fn erase_conversation(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(id): Path<ConversationId>,
) -> Result<StatusCode, ApiError> {
    if state.conversations.erase(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::UnknownConversation)
    }
}
