//! `GET /v1/agents/{id}?lang=fr`: what the widget shows before the first message, in its language.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use baton_protocol::{AgentId, AgentProfile};
use serde::Deserialize;

use crate::conversations::now_millis;
use crate::error::{ApiError, Json};
use crate::language::Language;
use crate::AppState;

/// The agent's public profile, with when the team is back if it is outside its hours now.
pub async fn get_agent(
    State(state): State<Arc<AppState>>,
    Path(id): Path<AgentId>,
    Query(query): Query<ProfileQuery>,
) -> Result<Json<AgentProfile>, ApiError> {
    let entry = state.agents.get(&id).ok_or(ApiError::UnknownAgent)?;
    let language = query.lang.as_deref().and_then(Language::from_tag);
    Ok(Json(entry.profile_at(now_millis(), language)))
}

/// `?lang=fr`: the widget's language, for the greeting.
#[derive(Debug, Deserialize)]
pub struct ProfileQuery {
    /// A language tag; an unknown one gets the default greeting.
    pub lang: Option<String>,
}
