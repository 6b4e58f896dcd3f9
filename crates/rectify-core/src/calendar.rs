//! The working-day calendar: statutory holidays and make-up working days (调休).
//!
//! Deadlines such as "15个工作日内" and the 5-working-day public notice count working days, which
//! in China are not simply Monday to Friday. The State Council publishes each year's holidays in
//! an annual notice; `data/cn-workdays.txt` carries 2018–2026 and ships inside the binary. An
//! office loads a newer year from a file in the same format.

use rectify_exact::date::Date;
use std::collections::{BTreeMap, BTreeSet};

const EMBEDDED: &str = include_str!("../data/cn-workdays.txt");

/// One year's notice: its rest days and its make-up working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearNotice {
    pub year: i32,
    /// The notice's document number or any note written after the year.
    pub source: String,
    pub off: Vec<(Date, String)>,
    pub on: Vec<(Date, String)>,
}

impl YearNotice {
    /// The notice in the file format, so that what is stored loads again.
    pub fn to_text(&self) -> String {
        let mut text = format!("year {} {}\n", self.year, self.source);
        for (keyword, days) in [("off", &self.off), ("on", &self.on)] {
            for (day, note) in days {
                text.push_str(&format!("{keyword} {day} {note}\n"));
            }
        }
        text
    }
}

/// A line of a calendar file that does not follow the format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第{line}行：{message}")]
pub struct CalendarParseError {
    pub line: usize,
    pub message: String,
}

/// Parses the calendar text format (see `data/cn-workdays.txt`).
pub fn parse_notices(text: &str) -> Result<Vec<YearNotice>, CalendarParseError> {
    let mut notices: Vec<YearNotice> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |message: String| CalendarParseError {
            line: index + 1,
            message,
        };
        let (keyword, after) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let after = after.trim_start();
        let (rest, note) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        let note = note.trim().to_string();
        match keyword {
            "year" => {
                let year: i32 = rest
                    .parse()
                    .ok()
                    .filter(|y| (1949..=2200).contains(y))
                    .ok_or_else(|| fail(format!("年份“{rest}”无效")))?;
                if notices.iter().any(|n| n.year == year) {
                    return Err(fail(format!("{year}年重复出现")));
                }
                notices.push(YearNotice {
                    year,
                    source: note,
                    off: Vec::new(),
                    on: Vec::new(),
                });
            }
            "off" | "on" => {
                let notice = notices
                    .last_mut()
                    .ok_or_else(|| fail("日期行之前缺少 year 行".to_string()))?;
                let days = parse_range(rest).ok_or_else(|| {
                    fail(format!(
                        "日期“{rest}”无效，应为 YYYY-MM-DD 或 YYYY-MM-DD..YYYY-MM-DD"
                    ))
                })?;
                let list = if keyword == "off" {
                    &mut notice.off
                } else {
                    &mut notice.on
                };
                list.extend(days.into_iter().map(|d| (d, note.clone())));
            }
            other => return Err(fail(format!("未知的关键字“{other}”，应为 year、off 或 on"))),
        }
    }
    Ok(notices)
}

fn parse_range(text: &str) -> Option<Vec<Date>> {
    let (first, last) = match text.split_once("..") {
        Some((a, b)) => (Date::parse(a)?, Date::parse(b)?),
        None => {
            let d = Date::parse(text)?;
            (d, d)
        }
    };
    let span = last.day_number() - first.day_number();
    if !(0..=31).contains(&span) {
        return None;
    }
    Some((0..=span).map(|i| first.add_days(i)).collect())
}

/// Working days under the loaded notices; outside them, Monday to Friday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    notices: BTreeMap<i32, YearNotice>,
    off: BTreeSet<Date>,
    on: BTreeSet<Date>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar::embedded()
    }
}

impl WorkCalendar {
    /// The calendar shipped with the binary (2018–2026).
    pub fn embedded() -> WorkCalendar {
        static SHIPPED: std::sync::OnceLock<WorkCalendar> = std::sync::OnceLock::new();
        SHIPPED
            .get_or_init(|| WorkCalendar::from_notices(parse_notices(EMBEDDED).unwrap_or_default()))
            .clone()
    }

    pub fn from_notices(notices: impl IntoIterator<Item = YearNotice>) -> WorkCalendar {
        let mut calendar = WorkCalendar {
            notices: BTreeMap::new(),
            off: BTreeSet::new(),
            on: BTreeSet::new(),
        };
        calendar.replace(notices);
        calendar
    }

    /// Puts `notices` in place of any notices for the same years.
    pub fn replace(&mut self, notices: impl IntoIterator<Item = YearNotice>) {
        for notice in notices {
            self.notices.insert(notice.year, notice);
        }
        self.off = self.days(|n| &n.off);
        self.on = self.days(|n| &n.on);
    }

    fn days(&self, pick: impl Fn(&YearNotice) -> &Vec<(Date, String)>) -> BTreeSet<Date> {
        self.notices
            .values()
            .flat_map(|n| pick(n).iter().map(|(d, _)| *d))
            .collect()
    }

    /// The years whose notice is loaded.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.notices.keys().copied()
    }

    pub fn notices(&self) -> impl Iterator<Item = &YearNotice> {
        self.notices.values()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.notices.contains_key(&year)
    }

    pub fn is_workday(&self, date: Date) -> bool {
        self.on.contains(&date) || (!date.is_weekend() && !self.off.contains(&date))
    }

    /// The `n`-th working day after `start` (`n` = 0: `start` itself if it is a working day,
    /// else the next one). Negative `n` counts backwards.
    pub fn add_workdays(&self, start: Date, n: i32) -> Date {
        let step = if n < 0 { -1 } else { 1 };
        let mut day = start;
        if n == 0 {
            while !self.is_workday(day) {
                day = day.succ();
            }
            return day;
        }
        let mut left = n.unsigned_abs();
        while left > 0 {
            day = day.add_days(step);
            if self.is_workday(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days in the half-open interval (`from`, `to`]; negative when `to` is earlier.
    pub fn workdays_between(&self, from: Date, to: Date) -> i64 {
        let (low, high, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let count = (low.day_number() + 1..=high.day_number())
            .filter(|&n| self.is_workday(Date::from_day_number(n)))
            .count();
        sign * count as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn embedded_data_covers_2018_to_2026() {
        assert!(parse_notices(EMBEDDED).is_ok());
        let calendar = WorkCalendar::embedded();
        assert_eq!(
            calendar.years().collect::<Vec<_>>(),
            (2018..=2026).collect::<Vec<_>>()
        );
    }

    #[test]
    fn holidays_and_make_up_days_override_weekdays() {
        let calendar = WorkCalendar::embedded();
        assert!(!calendar.is_workday(d("2019-10-01")));
        assert!(calendar.is_workday(d("2019-10-12")), "Saturday make-up day");
        assert!(
            !calendar.is_workday(d("2020-01-31")),
            "extended 2020 Spring Festival"
        );
        assert!(calendar.is_workday(d("2026-01-04")), "Sunday make-up day");
        assert!(!calendar.is_workday(d("2026-11-29")), "ordinary Sunday");
        assert!(calendar.is_workday(d("2026-11-27")));
    }

    #[test]
    fn adding_working_days_skips_the_national_day_week() {
        let calendar = WorkCalendar::embedded();
        // 2019-09-30 (Mon) + 5 working days: 10-01..10-07 are off, 10-08 is the first.
        assert_eq!(calendar.add_workdays(d("2019-09-30"), 5), d("2019-10-12"));
        assert_eq!(calendar.add_workdays(d("2019-10-12"), -5), d("2019-09-30"));
        assert_eq!(calendar.add_workdays(d("2019-10-05"), 0), d("2019-10-08"));
        assert_eq!(
            calendar.workdays_between(d("2019-09-30"), d("2019-10-12")),
            5
        );
        assert_eq!(
            calendar.workdays_between(d("2019-10-12"), d("2019-09-30")),
            -5
        );
    }

    #[test]
    fn a_loaded_year_replaces_the_shipped_one() {
        let mut calendar = WorkCalendar::embedded();
        let notices = parse_notices("year 2026 test\noff 2026-11-27 invented\n").unwrap();
        calendar.replace(notices);
        assert!(!calendar.is_workday(d("2026-11-27")));
        assert!(calendar.is_workday(d("2026-11-26")));
        assert!(
            calendar.is_workday(d("2026-10-01")),
            "the old 2026 block is gone"
        );
        assert!(!calendar.is_workday(d("2025-10-01")), "other years stay");
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let error = parse_notices("year 2027\noff 2027-02-30 x\n").unwrap_err();
        assert_eq!(error.line, 2);
        let error = parse_notices("off 2027-02-01\n").unwrap_err();
        assert!(error.message.contains("year"), "{error}");
        let error = parse_notices("year 2027\nholiday 2027-02-01\n").unwrap_err();
        assert!(error.message.contains("holiday"), "{error}");
    }
}
