//! When messages were written, as chat apps show it: a time label above a message when minutes
//! passed since the one before or the day changed, reading "14:05" today, "Yesterday 14:05",
//! else the date. Pure arithmetic on local times (milliseconds since the epoch shifted by the
//! visitor's time zone offset, which the component reads from the browser), tested natively.

use crate::i18n::Texts;

/// Silence after which the next message gets its own time label.
const GAP_MS: i64 = 5 * 60_000;
const DAY_MS: i64 = 86_400_000;

/// Whether a message at `at` starts a new time group after one at `previous` (local times).
pub fn starts_group(previous: Option<i64>, at: i64) -> bool {
    previous.is_none_or(|previous| at - previous >= GAP_MS || day(previous) != day(at))
}

/// The label of a group starting at `at`, seen at `now` (local times).
pub fn label(texts: &Texts, at: i64, now: i64) -> String {
    let clock = clock(at);
    match day(now) - day(at) {
        0 => clock,
        1 => format!("{} {clock}", texts.yesterday),
        _ => {
            let (year, month, date) = civil(day(at));
            format!("{year}-{month:02}-{date:02} {clock}")
        }
    }
}

/// A moment ahead, seen at `now` (local times): "09:00" today, "tomorrow 09:00", else the date.
pub fn ahead(texts: &Texts, at: i64, now: i64) -> String {
    match day(at) - day(now) {
        1 => format!("{} {}", texts.tomorrow(), clock(at)),
        _ => label(texts, at, now),
    }
}

fn clock(local: i64) -> String {
    let minutes = local.rem_euclid(DAY_MS) / 60_000;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn day(local: i64) -> i64 {
    local.div_euclid(DAY_MS)
}

/// The calendar date of a day number since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let date = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, FR};

    const MINUTE: i64 = 60_000;
    /// 2026-11-30 14:05, local.
    const AFTERNOON: i64 = 1_796_047_500_000;

    #[test]
    fn a_new_group_starts_after_five_quiet_minutes_or_at_midnight() {
        assert!(starts_group(None, AFTERNOON), "the first message");
        assert!(!starts_group(Some(AFTERNOON), AFTERNOON + 4 * MINUTE));
        assert!(starts_group(Some(AFTERNOON), AFTERNOON + 5 * MINUTE));
        let before_midnight = AFTERNOON + 9 * 60 * MINUTE + 54 * MINUTE;
        assert!(starts_group(Some(before_midnight), before_midnight + 2 * MINUTE), "the day changed");
    }

    #[test]
    fn labels_read_as_the_time_today_yesterday_or_the_date() {
        assert_eq!(label(&EN, AFTERNOON, AFTERNOON + 10 * MINUTE), "14:05");
        assert_eq!(label(&EN, AFTERNOON, AFTERNOON + DAY_MS), "Yesterday 14:05");
        assert_eq!(label(&FR, AFTERNOON, AFTERNOON + DAY_MS), "Hier 14:05");
        assert_eq!(label(&EN, AFTERNOON, AFTERNOON + 3 * DAY_MS), "2026-11-30 14:05");
        assert_eq!(label(&EN, 0, DAY_MS * 400), "1970-01-01 00:00");
        assert_eq!(label(&EN, -MINUTE, DAY_MS), "1969-12-31 23:59");
    }

    #[test]
    fn a_time_ahead_reads_as_today_tomorrow_or_the_date() {
        let evening = AFTERNOON + 8 * 60 * MINUTE;
        let nine = AFTERNOON + 19 * 60 * MINUTE - 5 * MINUTE;
        assert_eq!(ahead(&EN, nine, evening), "tomorrow 09:00");
        assert_eq!(ahead(&FR, nine, evening), "demain 09:00");
        assert_eq!(ahead(&EN, AFTERNOON + 60 * MINUTE, AFTERNOON), "15:05");
        assert_eq!(ahead(&EN, nine + 2 * DAY_MS, evening), "2026-12-03 09:00");
    }
}
