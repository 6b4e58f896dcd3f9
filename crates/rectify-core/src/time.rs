//! How a stored instant is shown to a person. Instants are stored as RFC 3339 UTC text
//! (`2026-12-06T19:26:27.352Z`) so that text order is time order and the journal hashes stay
//! stable; people in the office read Beijing time. This module is the one place that turns the
//! first into the second: pages, exports and the command line's text output call it, while JSON
//! keeps the stored form.
//!
//! Beijing time is UTC+8 all year (no daylight saving since 1991), so plain date arithmetic
//! suffices and no time-zone database is needed.

use rectify_exact::date::Date;

/// Beijing is this many minutes ahead of UTC.
const BEIJING_OFFSET_MINUTES: i32 = 8 * 60;
const MINUTES_PER_DAY: i32 = 24 * 60;

/// The Beijing wall-clock minute of a stored instant: `2026-12-06T19:26:27.352Z` →
/// `2026-12-07 03:26`. `None` when the text is not an RFC 3339 date-time.
pub fn beijing_minute(stored: &str) -> Option<String> {
    let (date, minute) = in_beijing(stored)?;
    Some(format!("{date} {:02}:{:02}", minute / 60, minute % 60))
}

/// The Beijing date of a stored instant, for places that show a day only.
pub fn beijing_date(stored: &str) -> Option<Date> {
    in_beijing(stored).map(|(date, _)| date)
}

/// `beijing_minute` for display: a value that does not parse (a database edited by hand) is
/// shown as stored rather than hidden, so the reader still sees what is there.
pub fn shown_minute(stored: &str) -> String {
    beijing_minute(stored).unwrap_or_else(|| stored.to_string())
}

/// `beijing_date` for display, with the same fallback as `shown_minute`.
pub fn shown_date(stored: &str) -> String {
    beijing_date(stored).map_or_else(|| stored.to_string(), |date| date.to_string())
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` and moves it to Beijing: the date and the
/// minute of that day. Seconds are read only to check them; the display is to the minute.
fn in_beijing(text: &str) -> Option<(Date, i32)> {
    let date = Date::parse(text.get(..10)?)?;
    let rest = text.get(10..)?.as_bytes();
    if !matches!(rest.first(), Some(b'T' | b't')) {
        return None;
    }
    let hour = two_digits(rest, 1)?;
    let minute = two_digits(rest, 4)?;
    // 60 is a leap second, which RFC 3339 allows.
    let second = two_digits(rest, 7)?;
    let separated = rest.get(3) == Some(&b':') && rest.get(6) == Some(&b':');
    if !separated || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut zone = rest.get(9..)?;
    if let Some(fraction) = zone.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        zone = &fraction[digits..];
    }
    let offset = match zone {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (two_digits(zone, 1)?, two_digits(zone, 4)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 60 + minutes;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    let local = hour * 60 + minute - offset + BEIJING_OFFSET_MINUTES;
    Some((
        date.add_days(local.div_euclid(MINUTES_PER_DAY)),
        local.rem_euclid(MINUTES_PER_DAY),
    ))
}

/// The number written by the two ASCII digits at `at`.
fn two_digits(bytes: &[u8], at: usize) -> Option<i32> {
    match bytes.get(at..at + 2)? {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(i32::from(a - b'0') * 10 + i32::from(b - b'0')),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each stored instant and the Beijing minute it is shown as.
    fn assert_shown(cases: &[(&str, &str)]) {
        for (stored, shown) in cases {
            assert_eq!(beijing_minute(stored).as_deref(), Some(*shown), "{stored}");
        }
    }

    #[test]
    fn the_stored_form_is_shown_in_beijing_to_the_minute() {
        assert_shown(&[
            ("2026-12-06T19:26:27.352Z", "2026-12-07 03:26"),
            ("2026-12-06T08:05:59.999Z", "2026-12-06 16:05"),
        ]);
    }

    #[test]
    fn the_day_turns_at_16_utc() {
        assert_shown(&[
            ("2026-12-06T15:59:59.999Z", "2026-12-06 23:59"),
            ("2026-12-06T16:00:00.000Z", "2026-12-07 00:00"),
        ]);
        assert_eq!(
            beijing_date("2026-12-06T15:59:00.000Z"),
            Date::new(2026, 12, 6)
        );
        assert_eq!(
            beijing_date("2026-12-06T23:30:00.000Z"),
            Date::new(2026, 12, 7)
        );
    }

    #[test]
    fn month_year_and_leap_day_roll_over() {
        assert_shown(&[
            ("2026-12-31T16:00:00.000Z", "2027-01-01 00:00"),
            ("2026-11-30T17:15:00.000Z", "2026-12-01 01:15"),
            ("2028-02-28T20:00:00Z", "2028-02-29 04:00"),
            ("2027-02-28T20:00:00Z", "2027-03-01 04:00"),
        ]);
    }

    #[test]
    fn other_offsets_are_moved_to_beijing_too() {
        assert_shown(&[
            ("2026-12-07T10:00:00+08:00", "2026-12-07 10:00"),
            ("2026-12-06T20:30:00-05:30", "2026-12-07 10:00"),
            ("2027-01-01T01:00:00+09:00", "2027-01-01 00:00"),
            ("2027-01-01T00:00:00+14:00", "2026-12-31 18:00"),
        ]);
    }

    #[test]
    fn malformed_text_is_none_and_shown_as_stored() {
        for bad in [
            "",
            "2026-12-06",
            "2026-12-06 19:26:27Z",
            "2026-12-06T19:26Z",
            "2026-12-06T24:00:00Z",
            "2026-12-06T19:60:00Z",
            "2026-12-06T19:26:61Z",
            "2026-12-06T19:26:27",
            "2026-12-06T19:26:27.Z",
            "2026-12-06T19:26:27.352",
            "2026-12-06T19:26:27+0800",
            "2026-12-06T19:26:27+24:00",
            "2026-13-06T19:26:27Z",
            "2026-02-30T19:26:27Z",
            "2026-12-06T19:26:27Zjunk",
            "二〇二六年十二月六日",
        ] {
            assert_eq!(beijing_minute(bad), None, "{bad}");
            assert_eq!(beijing_date(bad), None, "{bad}");
            assert_eq!(shown_minute(bad), bad);
            assert_eq!(shown_date(bad), bad);
        }
    }

    #[test]
    fn shown_forms_of_a_good_value() {
        assert_eq!(shown_minute("2026-12-06T23:30:00.000Z"), "2026-12-07 07:30");
        assert_eq!(shown_date("2026-12-06T19:20:27.352Z"), "2026-12-07");
    }
}
