//! The admin API, behind the admin token: the agents' settings (read, change, remove, reload
//! from the file), and what the agent decided on each message of a conversation — the debug
//! view of the dashboard's preview — and a conversation's data exported or erased on request.

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
use crate::settings::{AgentSettings, SettingsError};
use crate::store::{ConversationExport, HandoffRecord};
use crate::{token, AppState};

/// Proof that the request carries the admin token.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
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

/// Every agent's settings, without API keys.
#[derive(Debug, Serialize)]
pub struct AgentList {
    agents: BTreeMap<String, AgentSettings>,
}

/// `GET /v1/admin/agents`
pub async fn list_agents(_: Admin, State(state): State<AppState>) -> Json<AgentList> {
    let agents =
        state.agents.settings().agents.into_iter().map(|(id, agent)| (id, agent.redacted())).collect();
    Json(AgentList { agents })
}

/// `GET /v1/admin/agents/{id}`
pub async fn get_agent(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AgentSettings>, ApiError> {
    let settings = state.agents.settings();
    let agent = settings.agents.get(&id).ok_or(ApiError::UnknownAgent)?;
    Ok(Json(agent.redacted()))
}

/// `PUT /v1/admin/agents/{id}`: adds or replaces the agent, live, and saves the file. A model
/// without `api_key` keeps the key it had for the same base URL, so what `GET` shows can be
/// sent back as it is.
pub async fn put_agent(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Json(mut agent): Json<AgentSettings>,
) -> Result<Json<AgentSettings>, ApiError> {
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
/// unknown one is refused now, not discovered at the first handoff.
async fn check_people(state: &AppState, id: &str, agent: &AgentSettings) -> Result<(), ApiError> {
    let routing = &agent.routing;
    let names_people = agent.copilot.reply_as.is_some()
        || !routing.mappings.is_empty()
        || !routing.criteria.trim().is_empty();
    if !names_people {
        return Ok(());
    }
    let invalid =
        |message: String| ApiError::InvalidSettings(SettingsError::Invalid { agent: id.to_owned(), message });
    let directory = state.inbox.directory(true).await.map_err(|error| match error {
        InboxError::NotConnected => {
            invalid("connect a support inbox before choosing admins, teams or assignment criteria".into())
        }
        other => ApiError::Inbox(other),
    })?;
    if let Some(admin) = &agent.copilot.reply_as {
        if !directory.admins.iter().any(|known| known.id == *admin) {
            return Err(invalid(format!("`copilot.reply_as`: the workspace has no admin {admin}")));
        }
    }
    routing.check(&directory).map_err(|error| invalid(format!("`routing`: {error}")))
}

/// `DELETE /v1/admin/agents/{id}`
pub async fn delete_agent(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if change_settings(&state, move |registry| registry.remove(&id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::UnknownAgent)
    }
}

/// `POST /v1/admin/reload`: re-reads the settings file and the knowledge files.
pub async fn reload(_: Admin, State(state): State<AppState>) -> Result<Json<AgentList>, ApiError> {
    change_settings(&state, Registry::reload).await?;
    Ok(list_agents(Admin, State(state)).await)
}

/// Runs a change to the agents, which reads and writes files, off the async threads.
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
    /// One per visitor message the agent took a turn on, in order.
    decisions: Vec<serde_json::Value>,
    /// Its handoffs, oldest first.
    handoffs: Vec<HandoffRecord>,
}

/// `GET /v1/admin/conversations/{id}/decisions?after=SEQ`
pub async fn decisions(
    _: Admin,
    State(state): State<AppState>,
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
    Ok(Json(Decisions { conversation: id, decisions, handoffs }))
}

/// `GET /v1/admin/conversations/{id}/export`: everything stored about the conversation, as one
/// JSON document (its token's hash aside).
pub async fn export_conversation(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> Result<Json<ConversationExport>, ApiError> {
    Ok(Json(state.conversations.export(&id).await?.ok_or(ApiError::UnknownConversation)?))
}

/// `DELETE /v1/admin/conversations/{id}`: erases the conversation on request. Its token stops
/// working, its open event streams end, and no row of it is left; what was sent to the support
/// inbox is the inbox's to delete.
pub async fn erase_conversation(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<ConversationId>,
) -> Result<StatusCode, ApiError> {
    if state.conversations.erase(&id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::UnknownConversation)
    }
}
