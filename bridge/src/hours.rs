//! The team's office hours: the days and the hours it answers, at a fixed offset from UTC, and
//! from a moment, when it is next back. Pure arithmetic on milliseconds since the epoch, so the
//! profile route can tell the widget "back at …" without the widget carrying any calendar.
//!
//! ```toml
//! [agents.demo.office_hours]
//! days = ["mon", "tue", "wed", "thu", "fri"]
//! opens = "09:00"
//! closes = "17:30"
//! utc_offset = "+01:00"   # a fixed offset: summer time is not followed
//! ```

use serde::{Deserialize, Serialize};

const MINUTE_MS: i64 = 60_000;
const DAY_MINUTES: i64 = 24 * 60;
const DAY_MS: i64 = DAY_MINUTES * MINUTE_MS;
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// When the team answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeHours {
    /// Open days, as `mon` … `sun`.
    pub days: Vec<String>,
    /// Opening time, `HH:MM`, local to `utc_offset`.
    pub opens: String,
    /// Closing time, `HH:MM`, after `opens`.
    pub closes: String,
    /// The time zone, as a fixed offset such as `+01:00` or `-05:00`.
    #[serde(default = "utc")]
    pub utc_offset: String,
}

fn utc() -> String {
    "+00:00".to_owned()
}

/// Why office hours cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    /// A day is not `mon` … `sun`.
    #[error("office_hours.days: unknown day {0:?} (use mon, tue, wed, thu, fri, sat, sun)")]
    Day(String),
    /// No open day.
    #[error("office_hours.days: name at least one day")]
    NoDays,
    /// A time is not `HH:MM`.
    #[error("office_hours.{field}: {value:?} is not a time such as 09:00")]
    Time {
        /// `opens` or `closes`.
        field: &'static str,
        /// What was written.
        value: String,
    },
    /// Closing comes before opening.
    #[error("office_hours: closes must be after opens")]
    Order,
    /// The offset is not `±HH:MM`.
    #[error("office_hours.utc_offset: {0:?} is not an offset such as +01:00")]
    Offset(String),
}

/// Office hours checked and in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Bit `i` set when day `i` (Monday = 0) is open.
    days: u8,
    opens: i64,
    closes: i64,
    offset: i64,
}

impl OfficeHours {
    /// Checks the settings.
    pub fn schedule(&self) -> Result<Schedule, HoursError> {
        let mut days = 0u8;
        for day in &self.days {
            let index = WEEKDAYS
                .iter()
                .position(|known| known.eq_ignore_ascii_case(day.trim()))
                .ok_or_else(|| HoursError::Day(day.clone()))?;
            days |= 1 << index;
        }
        if days == 0 {
            return Err(HoursError::NoDays);
        }
        let opens = clock(&self.opens).ok_or_else(|| time_error("opens", &self.opens))?;
        let closes = clock(&self.closes).ok_or_else(|| time_error("closes", &self.closes))?;
        if closes <= opens {
            return Err(HoursError::Order);
        }
        let offset = offset(&self.utc_offset).ok_or_else(|| HoursError::Offset(self.utc_offset.clone()))?;
        Ok(Schedule { days, opens, closes, offset })
    }
}

impl Schedule {
    /// When the team is next back after `now` (milliseconds since the epoch), or `None` while
    /// it is inside its hours.
    pub fn back_at(&self, now: i64) -> Option<i64> {
        let local = now + self.offset * MINUTE_MS;
        let today = local.div_euclid(DAY_MS);
        let minute = local.rem_euclid(DAY_MS) / MINUTE_MS;
        if self.is_open_day(today) && (self.opens..self.closes).contains(&minute) {
            return None;
        }
        let first = if minute < self.opens { 0 } else { 1 };
        (first..first + 7)
            .map(|ahead| today + ahead)
            .find(|&day| self.is_open_day(day))
            .map(|day| day * DAY_MS + self.opens * MINUTE_MS - self.offset * MINUTE_MS)
    }

    /// Day numbers count from Thursday 1970-01-01.
    fn is_open_day(&self, day: i64) -> bool {
        let weekday = (day + 3).rem_euclid(7);
        self.days & (1 << weekday) != 0
    }
}

fn time_error(field: &'static str, value: &str) -> HoursError {
    HoursError::Time { field, value: value.to_owned() }
}

/// `HH:MM` as minutes after midnight; `24:00` closes at midnight.
fn clock(text: &str) -> Option<i64> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes) = (two_digits(hours)?, two_digits(minutes)?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= DAY_MINUTES).then_some(total)
}

/// `±HH:MM` as minutes east of UTC.
fn offset(text: &str) -> Option<i64> {
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let minutes = clock(rest)?;
    (minutes <= 14 * 60).then_some(sign * minutes)
}

fn two_digits(text: &str) -> Option<i64> {
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 60 * MINUTE_MS;
    /// Monday 2026-11-30 00:00 UTC.
    const MONDAY: i64 = 1_795_996_800_000;

    fn weekdays(offset: &str) -> Schedule {
        OfficeHours {
            days: ["mon", "tue", "wed", "thu", "fri"].map(String::from).to_vec(),
            opens: "09:00".into(),
            closes: "17:30".into(),
            utc_offset: offset.into(),
        }
        .schedule()
        .expect("valid")
    }

    #[test]
    fn inside_the_hours_nobody_is_away() {
        let hours = weekdays("+00:00");
        assert_eq!(hours.back_at(MONDAY + 9 * HOUR), None, "at opening");
        assert_eq!(hours.back_at(MONDAY + 17 * HOUR + 29 * MINUTE_MS), None);
    }

    #[test]
    fn before_opening_the_team_is_back_the_same_morning() {
        // The demo's handoff at 00:40.
        let hours = weekdays("+00:00");
        assert_eq!(hours.back_at(MONDAY + 40 * MINUTE_MS), Some(MONDAY + 9 * HOUR));
    }

    #[test]
    fn after_closing_the_team_is_back_the_next_open_day() {
        let hours = weekdays("+00:00");
        assert_eq!(hours.back_at(MONDAY + 17 * HOUR + 30 * MINUTE_MS), Some(MONDAY + 33 * HOUR));
        let friday_evening = MONDAY + 4 * DAY_MS + 20 * HOUR;
        assert_eq!(hours.back_at(friday_evening), Some(MONDAY + 7 * DAY_MS + 9 * HOUR), "Monday");
        let saturday = MONDAY + 5 * DAY_MS + 10 * HOUR;
        assert_eq!(hours.back_at(saturday), Some(MONDAY + 7 * DAY_MS + 9 * HOUR));
    }

    #[test]
    fn the_offset_moves_the_hours() {
        // 08:30 UTC is 09:30 in Paris in winter, 03:30 in New York.
        let now = MONDAY + 8 * HOUR + 30 * MINUTE_MS;
        assert_eq!(weekdays("+01:00").back_at(now), None);
        assert_eq!(weekdays("-05:00").back_at(now), Some(MONDAY + 14 * HOUR), "09:00 in New York");
        // Sunday 23:30 UTC is already Monday 00:30 in Paris: back at 09:00 Paris that Monday.
        assert_eq!(weekdays("+01:00").back_at(MONDAY - 30 * MINUTE_MS), Some(MONDAY + 8 * HOUR));
    }

    #[test]
    fn mistakes_are_named() {
        let mut hours = OfficeHours {
            days: vec!["lundi".into()],
            opens: "09:00".into(),
            closes: "17:00".into(),
            utc_offset: utc(),
        };
        assert_eq!(hours.schedule(), Err(HoursError::Day("lundi".into())));
        hours.days = vec!["Sat".into()];
        hours.opens = "9am".into();
        assert!(matches!(hours.schedule(), Err(HoursError::Time { field: "opens", .. })));
        hours.opens = "18:00".into();
        assert_eq!(hours.schedule(), Err(HoursError::Order));
        hours.opens = "08:00".into();
        hours.utc_offset = "CET".into();
        assert_eq!(hours.schedule(), Err(HoursError::Offset("CET".into())));
        hours.days.clear();
        assert_eq!(hours.schedule(), Err(HoursError::NoDays));
    }
}
