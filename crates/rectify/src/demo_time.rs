//! Where the demo's dates come from: every date it writes is placed relative to the day it
//! runs, so a demo created on any day is a live office month (history over the last six months,
//! work in the current one, a notice still running), and the same day always gives the same
//! demo.
//!
//! Two kinds of date, kept apart so they can never cross:
//! - `month(back, day)`: monthly work (reports, register moves) on a day of an earlier month;
//!   `month(0, day)` is only ever used for dates in the future (deadlines) or through
//!   `this_month`, which never passes today;
//! - `days_ago(n)` for the recent window (the last four weeks), used by items whose monthly
//!   history stops two months back, so their order always holds.

use rectify_exact::date::Date;

#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    pub today: Date,
}

impl Timeline {
    pub fn new(today: Date) -> Timeline {
        Timeline { today }
    }

    /// Day `day` of the month `back` months before this one, clamped to that month's length.
    pub fn month(self, back: i32, day: u8) -> Date {
        let first = Date::new(self.today.year, self.today.month, 1).unwrap_or(self.today);
        let month = first.add_months(-back);
        let last = Date::last_of_month(month.year, month.month).unwrap_or(month);
        Date::new(month.year, month.month, day.min(last.day)).unwrap_or(last)
    }

    /// The last day of the month `ahead` months after this one (negative: before).
    pub fn month_end(self, ahead: i32) -> Date {
        let month = self.month(-ahead, 1);
        Date::last_of_month(month.year, month.month).unwrap_or(month)
    }

    pub fn days_ago(self, n: i32) -> Date {
        self.today.add_days(-n)
    }

    /// `n` days ago, but not before the first of this month: something that happened "this
    /// month", even on the 1st.
    pub fn this_month(self, n: i32) -> Date {
        self.days_ago(n).max(self.month(0, 1))
    }

    /// The year `back` years before this one.
    pub fn year(self, back: i32) -> i32 {
        self.today.year - back
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn months_back_clamp_to_the_month() {
        let t = Timeline::new(d("2027-03-15"));
        assert_eq!(t.month(1, 31), d("2027-02-28"));
        assert_eq!(t.month(3, 5), d("2026-12-05"));
        assert_eq!(t.month_end(0), d("2027-03-31"));
        assert_eq!(t.month_end(-2), d("2027-01-31"));
        assert_eq!(Timeline::new(d("2028-01-10")).month_end(1), d("2028-02-29"));
    }

    #[test]
    fn this_month_never_leaves_the_month_nor_passes_today() {
        let t = Timeline::new(d("2026-12-02"));
        assert_eq!(t.this_month(3), d("2026-12-01"));
        assert_eq!(t.this_month(0), d("2026-12-02"));
        assert_eq!(
            Timeline::new(d("2026-12-20")).this_month(3),
            d("2026-12-17")
        );
    }
}
