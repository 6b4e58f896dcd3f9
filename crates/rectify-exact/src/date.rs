//! Calendar dates without a time-zone library: China has used UTC+8 without daylight saving
//! since 1991, so a local date and an hour are all the evaluation needs.

use std::fmt;

/// A proleptic Gregorian date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// As documents write it: "2019年3月25日".
    pub fn chinese(self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }

    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        ok.then_some(Date { year, month, day })
    }

    /// `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |s: &[u8]| -> Option<u32> {
            s.iter().try_fold(0_u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let year = i32::try_from(num(&b[0..4])?).ok()?;
        Date::new(
            year,
            u8::try_from(num(&b[5..7])?).ok()?,
            u8::try_from(num(&b[8..10])?).ok()?,
        )
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    pub fn day_number(self) -> i32 {
        let y = self.year - i32::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i32::from(self.month);
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i32::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn from_day_number(z: i32) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i32::from(month <= 2);
        Date { year, month, day }
    }

    pub fn succ(self) -> Date {
        Date::from_day_number(self.day_number() + 1)
    }

    pub fn pred(self) -> Date {
        Date::from_day_number(self.day_number() - 1)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday.
        (self.day_number() + 3).rem_euclid(7) as u8 + 1
    }

    pub fn is_weekend(self) -> bool {
        self.weekday() >= 6
    }

    pub fn last_of_month(year: i32, month: u8) -> Option<Date> {
        Date::new(year, month, days_in_month(year, month))
    }

    pub fn add_days(self, days: i32) -> Date {
        Date::from_day_number(self.day_number() + days)
    }

    /// The same day `months` later (earlier when negative), clamped to the month's end.
    pub fn add_months(self, months: i32) -> Date {
        let index = self.year * 12 + i32::from(self.month) - 1 + months;
        let year = index.div_euclid(12);
        let month = (index.rem_euclid(12) + 1) as u8;
        let day = self.day.min(days_in_month(year, month));
        Date { year, month, day }
    }

    /// The same day one year earlier (29 February → 28 February).
    pub fn year_before(self) -> Date {
        let year = self.year - 1;
        Date {
            year,
            month: self.month,
            day: self.day.min(days_in_month(year, self.month)),
        }
    }
}

/// A month written "2019-03": four-digit year, two-digit month.
pub fn parse_year_month(text: &str) -> Option<(i32, u8)> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
        return None;
    }
    let (year, month) = (text[..4].parse().ok()?, text[5..].parse().ok()?);
    (1..=12).contains(&month).then_some((year, month))
}

pub fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// As ISO text ("2026-11-29"), the form every export uses.
impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// From ISO text.
impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Date::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("日期“{text}”无效（应为 YYYY-MM-DD）")))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_read_strictly() {
        assert_eq!(parse_year_month("2019-03"), Some((2019, 3)));
        assert_eq!(parse_year_month("2019-12"), Some((2019, 12)));
        for bad in [
            "2019-3",
            "2019-13",
            "2019-00",
            "2019/03",
            "19-03",
            "２０１９-03",
            "2019-03-01",
            "",
        ] {
            assert_eq!(parse_year_month(bad), None, "{bad}");
        }
    }

    #[test]
    fn weekdays_follow_the_calendar() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().weekday(), 4);
        assert_eq!(Date::new(2026, 11, 29).unwrap().weekday(), 7);
        assert_eq!(Date::new(2019, 6, 30).unwrap().weekday(), 7);
        assert_eq!(Date::new(1969, 12, 29).unwrap().weekday(), 1);
        assert!(Date::new(2026, 11, 28).unwrap().is_weekend());
        assert_eq!(Date::last_of_month(2020, 2), Date::new(2020, 2, 29));
        let jan31 = Date::new(2019, 1, 31).unwrap();
        assert_eq!(jan31.add_months(1), Date::new(2019, 2, 28).unwrap());
        assert_eq!(jan31.add_months(-2), Date::new(2018, 11, 30).unwrap());
        assert_eq!(jan31.add_months(12), Date::new(2020, 1, 31).unwrap());
    }

    #[test]
    fn day_numbers_round_trip_across_leap_years() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().day_number(), 0);
        for n in -800..60_000 {
            let d = Date::from_day_number(n);
            assert_eq!(d.day_number(), n);
            assert!(Date::new(d.year, d.month, d.day).is_some());
        }
        assert_eq!(
            Date::parse("2024-02-28").unwrap().succ().to_string(),
            "2024-02-29"
        );
        assert_eq!(
            Date::parse("2024-02-29").unwrap().year_before().to_string(),
            "2023-02-28"
        );
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-2-1").is_none());
    }
}
