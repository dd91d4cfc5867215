//! `GET /v1/agents/{id}`: what the widget shows before the first message.

use axum::extract::{Path, State};
use baton_protocol::{AgentId, AgentProfile};

use crate::error::{ApiError, Json};
use crate::AppState;

/// The agent's public profile.
pub async fn get_agent(
    State(state): State<AppState>,
    Path(id): Path<AgentId>,
) -> Result<Json<AgentProfile>, ApiError> {
    let entry = state.agents.get(&id).ok_or(ApiError::UnknownAgent)?;
    Ok(Json(entry.profile))
}
