//! Reading the 整改时限 cell.
//!
//! The text is the legal commitment, so it is always kept verbatim; what the parser adds is the
//! date the ledger counts against. It reads only forms whose end date is unambiguous (月底前,
//! 年底前, exact dates, quarter and half-year ends, five-year-plan periods, N个工作日内 from a
//! reference date). Anything else ("尽快", "2019年采暖季前", "6月前") sets `needs_manual_date`
//! instead of a guessed date.

use crate::calendar::WorkCalendar;
use rectify_exact::date::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// The cell as written (trimmed).
    pub text: String,
    /// The final date, when one can be derived: the last stage of a staged deadline.
    pub due_date: Option<Date>,
    /// 立行立改: act at once, no waiting for a date.
    pub immediate: bool,
    /// 长期坚持: the item stays under periodic re-check after it is done.
    pub sustain: bool,
    /// Every date the text names, in text order, when it names more than one.
    pub stages: Vec<Date>,
    /// No date could be derived (or part of the text could not be read) and the item is neither
    /// 立行立改 nor 长期坚持 only: a person must set the date.
    pub needs_manual_date: bool,
}

impl Deadline {
    /// 时限待定: no final date and a person must set one. The one rule the import preview, the
    /// dashboard, the ledger and the bulletin count by.
    pub fn undated(&self) -> bool {
        self.due_date.is_none() && self.needs_manual_date
    }
}

/// What relative deadlines ("15个工作日内") count from.
#[derive(Debug, Clone, Copy)]
pub struct DeadlineContext<'a> {
    /// Usually the day the plan was issued; `None` leaves relative deadlines for manual dating.
    pub reference: Option<Date>,
    pub calendar: &'a WorkCalendar,
}

impl Deadline {
    /// A deadline cell that holds a real date (an Excel date cell).
    pub fn from_date(date: Date) -> Deadline {
        Deadline {
            text: format!("{}年{}月{}日", date.year, date.month, date.day),
            due_date: Some(date),
            immediate: false,
            sustain: false,
            stages: Vec::new(),
            needs_manual_date: false,
        }
    }
}

pub fn parse_deadline(text: &str, context: DeadlineContext<'_>) -> Deadline {
    let text = text.trim().to_string();
    let chars: Vec<char> = text.chars().map(fold_width).collect();
    let folded: String = chars.iter().collect();
    let scan = Scanner {
        chars: &chars,
        context,
    }
    .scan();
    let immediate = folded.contains("立行立改");
    let sustain = folded.contains("长期坚持");
    let due_date = scan.dates.iter().max().copied();
    let stages = if scan.dates.len() > 1 {
        scan.dates
    } else {
        Vec::new()
    };
    let undated = due_date.is_none() && !immediate && !sustain;
    Deadline {
        text,
        due_date,
        immediate,
        sustain,
        stages,
        needs_manual_date: undated || scan.unreadable,
    }
}

/// Full-width digits and the punctuation that separates date parts, as ASCII.
fn fold_width(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '／' => '/',
        '－' | '—' | '–' => '-',
        '　' => ' ',
        _ => c,
    }
}

struct Scan {
    dates: Vec<Date>,
    /// A year was mentioned in a form that gives no unambiguous date.
    unreadable: bool,
}

struct Scanner<'a> {
    chars: &'a [char],
    context: DeadlineContext<'a>,
}

/// A date expression found at some position, and where the text after it starts.
type Found = (Option<Date>, usize);

impl Scanner<'_> {
    fn scan(&self) -> Scan {
        let mut scan = Scan {
            dates: Vec::new(),
            unreadable: false,
        };
        let mut i = 0;
        while i < self.chars.len() {
            let found = self
                .five_year_plan(i)
                .or_else(|| self.calendar_date(i))
                .or_else(|| self.relative(i));
            match found {
                Some((date, next)) => {
                    match date {
                        Some(date) => scan.dates.push(date),
                        None => scan.unreadable = true,
                    }
                    i = next;
                }
                None => i += 1,
            }
        }
        scan
    }

    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn starts_with(&self, i: usize, word: &str) -> bool {
        (i..).zip(word.chars()).all(|(k, c)| self.at(k) == Some(c))
    }

    /// A number in ASCII digits, or in Chinese numerals (六, 十二, 二〇一九).
    fn number(&self, i: usize) -> Option<(u32, usize, usize)> {
        let digits = self.run(i, |c| c.is_ascii_digit());
        if digits > 0 {
            let value = self.chars[i..i + digits].iter().try_fold(0_u32, |acc, c| {
                acc.checked_mul(10)?.checked_add(c.to_digit(10)?)
            })?;
            return Some((value, digits, i + digits));
        }
        let length = self.run(i, |c| chinese_digit(c).is_some() || c == '十');
        if length == 0 {
            return None;
        }
        let value = chinese_number(&self.chars[i..i + length])?;
        Some((value, length, i + length))
    }

    fn run(&self, i: usize, accept: impl Fn(char) -> bool) -> usize {
        self.chars[i.min(self.chars.len())..]
            .iter()
            .take_while(|&&c| accept(c))
            .count()
    }

    fn calendar_date(&self, i: usize) -> Option<Found> {
        let (year, width, next) = self.number(i)?;
        if width != 4 || !(1900..=2200).contains(&year) {
            return None;
        }
        let year = i32::try_from(year).ok()?;
        match self.at(next)? {
            '年' => Some(self.after_year(year, next + 1)),
            '-' | '/' | '.' => self.numeric_date(year, next),
            _ => None,
        }
    }

    /// `2019-06-30`, `2019/6/30`, `2019.6.30`.
    fn numeric_date(&self, year: i32, i: usize) -> Option<Found> {
        let separator = self.at(i)?;
        let (month, _, next) = self.number(i + 1)?;
        if self.at(next) != Some(separator) {
            return None;
        }
        let (day, _, end) = self.number(next + 1)?;
        let date = Date::new(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?);
        Some((date, end))
    }

    fn after_year(&self, year: i32, i: usize) -> Found {
        if let Some((month, _, next)) = self.number(i)
            && self.at(next) == Some('月')
        {
            return self.after_month(year, month, next + 1);
        }
        let period_ends = [
            ("底", 12, 31),
            ("末", 12, 31),
            ("年底", 12, 31),
            ("内", 12, 31),
            ("全年", 12, 31),
            ("上半年", 6, 30),
            ("年中", 6, 30),
            ("下半年", 12, 31),
            ("第一季度", 3, 31),
            ("一季度", 3, 31),
            ("第二季度", 6, 30),
            ("二季度", 6, 30),
            ("第三季度", 9, 30),
            ("三季度", 9, 30),
            ("第四季度", 12, 31),
            ("四季度", 12, 31),
        ];
        for (word, month, day) in period_ends {
            if self.starts_with(i, word) {
                return (Date::new(year, month, day), i + word.chars().count());
            }
        }
        (None, i)
    }

    fn after_month(&self, year: i32, month: u32, i: usize) -> Found {
        let Ok(month) = u8::try_from(month) else {
            return (None, i);
        };
        if let Some((day, _, next)) = self.number(i)
            && matches!(self.at(next), Some('日' | '号'))
        {
            let date = u8::try_from(day)
                .ok()
                .and_then(|day| Date::new(year, month, day));
            return (date, next + 1);
        }
        // "6月前" could mean before June or by the end of June: not guessed.
        if self.at(i) == Some('前') {
            return (None, i);
        }
        let end = ["底", "末", "份"]
            .iter()
            .find(|w| self.starts_with(i, w))
            .map_or(i, |_| i + 1);
        (Date::last_of_month(year, month), end)
    }

    /// "'十三五'期间": the plan period's last day. The name must be closed (期间, 末, a quote…)
    /// so that "十五个工作日" stays a number of days.
    fn five_year_plan(&self, i: usize) -> Option<Found> {
        // Descending, so 十五五 (the 15th plan) is tried before 十五 (the 10th).
        (10..=19).rev().find_map(|plan: i32| {
            let ones = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
            let name = format!("十{}五", ones[(plan - 10) as usize]);
            let end = i + name.chars().count();
            let closed = self.at(end).is_none_or(|c| "期时末规”’'\"」》".contains(c));
            // From the 3rd plan (1966–1970) on, the N-th plan ends in 1970 + 5(N − 3).
            (self.starts_with(i, &name) && closed)
                .then(|| (Date::new(1970 + 5 * (plan - 3), 12, 31), end))
        })
    }

    /// "15个工作日内", "30日内", "3个月内", counted from the reference date.
    fn relative(&self, i: usize) -> Option<Found> {
        if i > 0 && self.at(i - 1).is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        let (n, _, next) = self.number(i)?;
        let n = i32::try_from(n).ok().filter(|n| *n <= 3_650)?;
        let units = [
            ("个工作日", Unit::Workdays),
            ("工作日", Unit::Workdays),
            ("个自然日", Unit::Days),
            ("日内", Unit::Days),
            ("天内", Unit::Days),
            ("个月内", Unit::Months),
        ];
        let (word, unit) = units.iter().find(|(w, _)| self.starts_with(next, w))?;
        let end = next + word.chars().count();
        let date = self.context.reference.map(|reference| match unit {
            Unit::Workdays => self.context.calendar.add_workdays(reference, n),
            Unit::Days => reference.add_days(n),
            Unit::Months => reference.add_months(n),
        });
        Some((date, end))
    }
}

enum Unit {
    Workdays,
    Days,
    Months,
}

fn chinese_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 六 → 6, 十二 → 12, 二十 → 20, 二〇一九 → 2019 (digit by digit when there is no 十).
fn chinese_number(chars: &[char]) -> Option<u32> {
    if !chars.contains(&'十') {
        return chars.iter().try_fold(0_u32, |acc, &c| {
            acc.checked_mul(10)?.checked_add(chinese_digit(c)?)
        });
    }
    let position = chars.iter().position(|&c| c == '十')?;
    let tens = match &chars[..position] {
        [] => 1,
        [c] => chinese_digit(*c)?,
        _ => return None,
    };
    let ones = match &chars[position + 1..] {
        [] => 0,
        [c] => chinese_digit(*c)?,
        _ => return None,
    };
    Some(tens * 10 + ones)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Deadline {
        let calendar = WorkCalendar::embedded();
        let context = DeadlineContext {
            reference: Date::new(2019, 9, 27),
            calendar: &calendar,
        };
        parse_deadline(text, context)
    }

    fn due(text: &str) -> Option<String> {
        parse(text).due_date.map(|d| d.to_string())
    }

    #[test]
    fn chinese_numerals_read_as_numbers() {
        let n = |s: &str| chinese_number(&s.chars().collect::<Vec<_>>());
        assert_eq!(n("六"), Some(6));
        assert_eq!(n("十二"), Some(12));
        assert_eq!(n("二十"), Some(20));
        assert_eq!(n("二〇一九"), Some(2019));
        assert_eq!(n("十三五"), None);
    }

    #[test]
    fn month_ends_year_ends_and_exact_dates() {
        assert_eq!(due("2019年6月底前").as_deref(), Some("2019-06-30"));
        assert_eq!(due("2020年2月底前").as_deref(), Some("2020-02-29"));
        assert_eq!(due("2020年底前").as_deref(), Some("2020-12-31"));
        assert_eq!(due("2019年10月31日前").as_deref(), Some("2019-10-31"));
        assert_eq!(due("2019/6/30").as_deref(), Some("2019-06-30"));
        assert_eq!(due("二〇一九年六月底前").as_deref(), Some("2019-06-30"));
        assert_eq!(due("2019年上半年").as_deref(), Some("2019-06-30"));
        assert_eq!(due("2019年三季度").as_deref(), Some("2019-09-30"));
    }

    #[test]
    fn five_year_plans_end_with_their_last_year() {
        assert_eq!(due("“十三五”期间").as_deref(), Some("2020-12-31"));
        assert_eq!(due("'十四五'期间").as_deref(), Some("2025-12-31"));
        assert_eq!(due("十五五期间").as_deref(), Some("2030-12-31"));
        assert_eq!(due("“十五”期间").as_deref(), Some("2005-12-31"));
        assert_eq!(due("十五个工作日内").as_deref(), Some("2019-10-23"));
    }

    #[test]
    fn relative_deadlines_count_from_the_reference() {
        // 2019-09-27 (Fri) + 5 working days skips the National Day week.
        assert_eq!(due("5个工作日内").as_deref(), Some("2019-10-10"));
        assert_eq!(due("30日内").as_deref(), Some("2019-10-27"));
        assert_eq!(due("3个月内").as_deref(), Some("2019-12-27"));
        let calendar = WorkCalendar::embedded();
        let without = parse_deadline(
            "15个工作日内",
            DeadlineContext {
                reference: None,
                calendar: &calendar,
            },
        );
        assert_eq!(without.due_date, None);
        assert!(without.needs_manual_date);
    }

    #[test]
    fn ambiguous_text_is_kept_for_a_person() {
        for text in ["尽快", "2019年采暖季前", "2019年6月前", "", "2020年前完成"] {
            let d = parse(text);
            assert!(d.needs_manual_date, "{text}");
            assert_eq!(d.due_date, None, "{text}");
            assert_eq!(d.text, text.trim());
        }
    }
}
