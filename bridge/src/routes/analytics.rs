//! The dashboard's Analytics, behind the admin token: `GET /v1/agents/{id}/analytics/handoff-reasons`
//! (handoffs counted by reason, the Handoff Reasons report) and `…/handoff-reasons/conversations`
//! (the conversations behind one reason), and `…/ratings` (visitors' ratings of closed
//! conversations, with their comments). The preview's test conversations are left out unless
//! `include_tests=true`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use baton_protocol::AgentId;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime};

use crate::error::{ApiError, Json};
use crate::routes::admin::Admin;
use crate::store::{RatedConversation, ReasonConversation, Span};
use crate::AppState;

/// The period when the query names none.
const DEFAULT_DAYS: i64 = 30;
/// The most conversations the drill-down lists, and the most ratings the ratings report does.
const MAX_CONVERSATIONS: u32 = 200;

/// The period: each end an RFC 3339 time or a date (`to` as a date includes that whole day).
#[derive(Debug, Deserialize)]
pub struct Period {
    from: Option<String>,
    to: Option<String>,
    /// Count the dashboard preview's test conversations too.
    #[serde(default)]
    include_tests: bool,
}

/// The report.
#[derive(Debug, Serialize)]
pub struct HandoffReasons {
    agent: AgentId,
    /// Start of the period, included.
    from: String,
    /// End of the period, excluded.
    to: String,
    /// Whether test conversations are counted.
    include_tests: bool,
    /// Handoffs in the period.
    total: u64,
    /// Reasons, most frequent first.
    reasons: Vec<ReasonShare>,
}

/// One reason's count and share of the total.
#[derive(Debug, Serialize)]
pub struct ReasonShare {
    reason: String,
    count: u64,
    share: f64,
}

/// `GET /v1/agents/{id}/analytics/handoff-reasons`
pub async fn handoff_reasons(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(agent): Path<AgentId>,
    Query(period): Query<Period>,
) -> Result<Json<HandoffReasons>, ApiError> {
    state.agents.get(&agent).ok_or(ApiError::UnknownAgent)?;
    let (from, to) = bounds(&period)?;
    let span = span(from, to, period.include_tests);
    let counts = state.conversations.reason_counts(&agent, span).await?;
    let total: u64 = counts.iter().map(|count| count.count).sum();
    let reasons = counts
        .into_iter()
        .map(|count| ReasonShare {
            share: count.count as f64 / total as f64,
            reason: count.reason,
            count: count.count,
        })
        .collect();
    let (from, to) = (format(from), format(to));
    Ok(Json(HandoffReasons { agent, from, to, include_tests: period.include_tests, total, reasons }))
}

/// The reason to list conversations for, and the period as in [`Period`] (spelled out: a
/// flattened struct would read every value as text, and `include_tests` is not).
#[derive(Debug, Deserialize)]
pub struct ReasonQuery {
    reason: String,
    from: Option<String>,
    to: Option<String>,
    #[serde(default)]
    include_tests: bool,
}

/// The conversations behind one reason.
#[derive(Debug, Serialize)]
pub struct ReasonConversations {
    agent: AgentId,
    reason: String,
    from: String,
    to: String,
    include_tests: bool,
    /// Newest first, at most [`MAX_CONVERSATIONS`].
    conversations: Vec<ReasonConversation>,
}

/// `GET /v1/agents/{id}/analytics/handoff-reasons/conversations?reason=`
pub async fn reason_conversations(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(agent): Path<AgentId>,
    Query(query): Query<ReasonQuery>,
) -> Result<Json<ReasonConversations>, ApiError> {
    state.agents.get(&agent).ok_or(ApiError::UnknownAgent)?;
    let ReasonQuery { reason, from, to, include_tests } = query;
    let period = Period { from, to, include_tests };
    let (from, to) = bounds(&period)?;
    let span = span(from, to, period.include_tests);
    let conversations =
        state.conversations.reason_conversations(&agent, &reason, span, MAX_CONVERSATIONS).await?;
    Ok(Json(ReasonConversations {
        agent,
        include_tests: period.include_tests,
        reason,
        from: format(from),
        to: format(to),
        conversations,
    }))
}

/// Visitors' ratings of closed conversations in a period.
#[derive(Debug, Serialize)]
pub struct RatingsReport {
    agent: AgentId,
    from: String,
    to: String,
    include_tests: bool,
    /// Ratings in the period.
    total: u64,
    /// How many were good.
    good: u64,
    /// How many were bad.
    bad: u64,
    /// The share of good ones (0 to 1), absent without ratings.
    #[serde(skip_serializing_if = "Option::is_none")]
    good_share: Option<f64>,
    /// Newest first, at most [`MAX_CONVERSATIONS`], with their comments.
    ratings: Vec<RatedConversation>,
}

/// `GET /v1/agents/{id}/analytics/ratings`
pub async fn ratings(
    _: Admin,
    State(state): State<Arc<AppState>>,
    Path(agent): Path<AgentId>,
    Query(period): Query<Period>,
) -> Result<Json<RatingsReport>, ApiError> {
    state.agents.get(&agent).ok_or(ApiError::UnknownAgent)?;
    let (from, to) = bounds(&period)?;
    let span = span(from, to, period.include_tests);
    let report = state.conversations.ratings(&agent, span, MAX_CONVERSATIONS).await?;
    let total = report.good + report.bad;
    Ok(Json(RatingsReport {
        agent,
        from: format(from),
        to: format(to),
        include_tests: period.include_tests,
        total,
        good: report.good,
        bad: report.bad,
        good_share: (total > 0).then(|| report.good as f64 / total as f64),
        ratings: report.recent,
    }))
}

/// The period's ends, the last [`DEFAULT_DAYS`] by default; a reversed one is refused.
fn bounds(period: &Period) -> Result<(OffsetDateTime, OffsetDateTime), ApiError> {
    let to = match &period.to {
        Some(text) => instant(text, true)?,
        None => OffsetDateTime::now_utc(),
    };
    let from = match &period.from {
        Some(text) => instant(text, false)?,
        None => {
            to.checked_sub(Duration::days(DEFAULT_DAYS)).ok_or_else(|| out_of_range(period.to.as_deref()))?
        }
    };
    if from >= to {
        return Err(ApiError::BadRequest("`from` must be before `to`.".into()));
    }
    Ok((from, to))
}

fn span(from: OffsetDateTime, to: OffsetDateTime, include_tests: bool) -> Span {
    let millis =
        |at: OffsetDateTime| i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    Span { from: millis(from), to: millis(to), include_tests }
}

fn format(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// Reads `2026-11-25T10:00:00Z` or `2026-11-25` (its start, or with `end_of_day` the next day's
/// start).
fn instant(text: &str, end_of_day: bool) -> Result<OffsetDateTime, ApiError> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(text, &format).map_err(|_| {
        ApiError::BadRequest(format!("`{text}` is neither a date (2026-11-25) nor an RFC 3339 time."))
    })?;
    let day = date.midnight().assume_utc();
    if end_of_day {
        day.checked_add(Duration::days(1)).ok_or_else(|| out_of_range(Some(text)))
    } else {
        Ok(day)
    }
}

/// A date the calendar holds but the report cannot count from or to (a day past year 9999, or
/// thirty days before year -9999).
fn out_of_range(text: Option<&str>) -> ApiError {
    ApiError::BadRequest(format!("`{}` is outside the dates the report covers.", text.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cover_whole_days_and_times_are_exact() {
        let from = instant("2026-11-01", false).expect("date");
        let to = instant("2026-11-30", true).expect("date");
        assert_eq!(from.format(&Rfc3339).expect("formats"), "2026-11-01T00:00:00Z");
        assert_eq!(to.format(&Rfc3339).expect("formats"), "2026-12-01T00:00:00Z");
        let exact = instant("2026-11-25T10:30:00+01:00", true).expect("time");
        assert_eq!(exact.unix_timestamp(), 1_795_599_000);
        assert!(instant("last tuesday", false).is_err());
        assert!(instant("2026-13-01", false).is_err());
        assert!(instant("9999-12-31", true).is_err(), "the day after the last one is refused, not a panic");
        assert!(instant("-9999-01-01", false).is_ok());
    }
}
