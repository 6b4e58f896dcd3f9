//! The one clock of the process. Everything that asks "what time is it" or "what day is it"
//! (journal timestamps, session expiry, the business "today") asks here.
//!
//! Normally this is the system clock. Tests and demos may set `RECTIFY_NOW` (RFC 3339, e.g.
//! `2026-12-07T10:00:00+08:00`): the clock then starts at that instant when the process starts
//! and runs on in real time, so a server started at a fixed date behaves the same on any day
//! and its journal still moves forward. It is a test clock, not a way to back-date work.

use chrono::{DateTime, Datelike, Duration, FixedOffset, Offset, Utc};
use rectify_exact::date::Date;
use std::sync::OnceLock;

/// The variable that sets the test clock.
pub const TEST_CLOCK_VAR: &str = "RECTIFY_NOW";

/// How far the test clock is ahead of (or behind) the system clock; zero without one.
static OFFSET: OnceLock<Duration> = OnceLock::new();

/// Reads `RECTIFY_NOW` once. Call it at start-up so a malformed value is reported as an error
/// before anything runs; `Ok(Some(start))` tells the caller a test clock is on.
pub fn init_from_env() -> Result<Option<DateTime<Utc>>, String> {
    let Ok(text) = std::env::var(TEST_CLOCK_VAR) else {
        OFFSET.get_or_init(Duration::zero);
        return Ok(None);
    };
    let start = parse_test_clock(&text)?;
    let offset = *OFFSET.get_or_init(|| start - Utc::now());
    Ok(Some(Utc::now() + offset))
}

fn parse_test_clock(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!("{TEST_CLOCK_VAR}=“{text}”不是 RFC 3339 时间（如 2026-12-07T10:00:00+08:00）")
        })
}

/// The current instant. A malformed `RECTIFY_NOW` that nobody checked at start-up counts as
/// unset here; `init_from_env` is where it is reported.
pub fn now() -> DateTime<Utc> {
    let offset = OFFSET.get_or_init(|| {
        std::env::var(TEST_CLOCK_VAR)
            .ok()
            .and_then(|text| parse_test_clock(&text).ok())
            .map_or_else(Duration::zero, |start| start - Utc::now())
    });
    Utc::now() + *offset
}

/// China Standard Time, UTC+8 all year (no daylight saving since 1991).
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// An instant as stored everywhere: RFC 3339 UTC with milliseconds and `Z`. Fixed width, so
/// text order is time order on both backends.
pub fn stored(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The Beijing date of an instant.
pub fn beijing_date(instant: DateTime<Utc>) -> Date {
    let local = instant.with_timezone(&beijing()).date_naive();
    Date::new(local.year(), local.month() as u8, local.day() as u8)
        .unwrap_or(Date::from_day_number(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_beijing_date_turns_at_16_utc() {
        let late = DateTime::parse_from_rfc3339("2026-12-06T15:59:59Z").unwrap();
        let later = DateTime::parse_from_rfc3339("2026-12-06T16:00:00Z").unwrap();
        assert_eq!(beijing_date(late.to_utc()).to_string(), "2026-12-06");
        assert_eq!(beijing_date(later.to_utc()).to_string(), "2026-12-07");
    }

    #[test]
    fn stored_form_is_fixed_width_utc() {
        let t = DateTime::parse_from_rfc3339("2026-12-07T07:30:00+08:00").unwrap();
        assert_eq!(stored(t.to_utc()), "2026-12-06T23:30:00.000Z");
    }

    #[test]
    fn a_malformed_test_clock_is_named() {
        let err = parse_test_clock("tomorrow").unwrap_err();
        assert!(
            err.contains("RECTIFY_NOW") && err.contains("tomorrow"),
            "{err}"
        );
    }
}
