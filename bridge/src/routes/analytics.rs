//! `GET /v1/agents/{id}/analytics/handoff-reasons?from=&to=`: handoffs counted by reason, the
//! dashboard's Handoff Reasons report. Behind the admin token.

use axum::extract::{Path, Query, State};
use baton_protocol::AgentId;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime};

use crate::error::{ApiError, Json};
use crate::routes::admin::Admin;
use crate::AppState;

/// The period when the query names none.
const DEFAULT_DAYS: i64 = 30;

/// The period: each end an RFC 3339 time or a date (`to` as a date includes that whole day).
#[derive(Debug, Deserialize)]
pub struct Period {
    from: Option<String>,
    to: Option<String>,
}

/// The report.
#[derive(Debug, Serialize)]
pub struct HandoffReasons {
    agent: AgentId,
    /// Start of the period, included.
    from: String,
    /// End of the period, excluded.
    to: String,
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
    State(state): State<AppState>,
    Path(agent): Path<AgentId>,
    Query(period): Query<Period>,
) -> Result<Json<HandoffReasons>, ApiError> {
    state.agents.get(&agent).ok_or(ApiError::UnknownAgent)?;
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
    let millis =
        |at: OffsetDateTime| i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let counts = state.conversations.handoff_reasons(&agent, millis(from), millis(to)).await?;
    let total: u64 = counts.iter().map(|count| count.count).sum();
    let reasons = counts
        .into_iter()
        .map(|count| ReasonShare {
            share: count.count as f64 / total as f64,
            reason: count.reason,
            count: count.count,
        })
        .collect();
    let format = |at: OffsetDateTime| at.format(&Rfc3339).unwrap_or_default();
    Ok(Json(HandoffReasons { agent, from: format(from), to: format(to), total, reasons }))
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
