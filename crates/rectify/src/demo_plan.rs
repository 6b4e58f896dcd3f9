//! The demo plan's dates. The 45 items come from the office's own spreadsheet
//! (`demo/plan-sample.xlsx`, a 2018 plan); here they are re-dated so that the plan was issued
//! eight months before the day the demo runs and its deadlines give a live month whatever that
//! day is: items overdue (红), items whose milestone this month is missed (黄), items missing
//! milestones at two month ends in a row (红), items due within two weeks, and the rest on
//! schedule (蓝). Each deadline is written as an office writes it and read back through the
//! same deadline parser as an imported plan.

use crate::demo_time::Timeline;
use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::{DeadlineContext, parse_deadline};
use rectify_core::ledger::Item;
use rectify_exact::date::Date;

/// A date of the demo plan, relative to the day the demo runs.
#[derive(Clone, Copy)]
enum When {
    /// The last day of the month `n` months from this one, written "2027年3月底" (or "2027年底").
    MonthEnd(i32),
    /// The same day, written as a full date "2027年3月31日".
    MonthEndDay(i32),
    /// `n` days from today, written as a full date.
    Days(i32),
    /// The year of the next heating season (it starts in November), written "2027年".
    HeatingYear,
}

/// The deadline of each item as `(number, template, dates)`: every `{}` in the template takes
/// the next date. Items not listed keep their text (立行立改, 长期坚持).
const DEADLINES: &[(u32, &str, &[When])] = &[
    (1, "{}前", &[When::MonthEnd(-2)]),
    (2, "{}前", &[When::MonthEnd(-1)]),
    (3, "{}前", &[When::MonthEndDay(2)]),
    (4, "{}前完成并长期坚持", &[When::MonthEnd(3)]),
    (6, "{}", &[When::MonthEndDay(5)]),
    (7, "{}前", &[When::MonthEnd(12)]),
    (8, "{}采暖季前", &[When::HeatingYear]),
    (9, "{}前", &[When::MonthEnd(-4)]),
    (
        10,
        "{}前完成，{}前全面完成",
        &[When::MonthEnd(-1), When::MonthEnd(6)],
    ),
    (11, "{}前", &[When::MonthEnd(4)]),
    (14, "{}前", &[When::MonthEndDay(1)]),
    (15, "{}前", &[When::MonthEnd(3)]),
    (16, "{}前", &[When::MonthEnd(1)]),
    (17, "{}前", &[When::MonthEnd(1)]),
    (18, "{}前", &[When::MonthEnd(-2)]),
    (
        19,
        "{}前消除60%以上，{}前全面完成",
        &[When::MonthEnd(-3), When::MonthEnd(9)],
    ),
    (20, "{}前", &[When::Days(9)]),
    (21, "{}前", &[When::MonthEnd(2)]),
    (22, "{}", &[When::MonthEndDay(-3)]),
    (23, "{}前", &[When::MonthEnd(5)]),
    (24, "{}前", &[When::MonthEnd(3)]),
    (25, "{}前", &[When::Days(13)]),
    (26, "{}前完成并长期坚持", &[When::MonthEnd(1)]),
    (27, "{}前", &[When::MonthEnd(0)]),
    (28, "{}", &[When::MonthEndDay(6)]),
    (29, "{}前", &[When::MonthEnd(5)]),
    (30, "{}前", &[When::MonthEndDay(4)]),
    (33, "{}前完成并长期坚持", &[When::MonthEnd(2)]),
    (36, "{}前", &[When::MonthEnd(1)]),
    (
        37,
        "{}前完成红色标识企业关停，{}前全面完成",
        &[When::MonthEnd(-4), When::MonthEnd(8)],
    ),
    (38, "立行立改，{}前完成", &[When::MonthEnd(-5)]),
    (39, "{}前", &[When::Days(4)]),
    (40, "{}前", &[When::MonthEnd(-2)]),
    (41, "{}", &[When::MonthEndDay(7)]),
    (43, "{}前", &[When::MonthEnd(10)]),
    (44, "{}前", &[When::MonthEnd(-1)]),
    (45, "{}前", &[When::MonthEnd(6)]),
];

/// Measures that carry a date of their own (the dispatch's milestones): `(item, measure, date)`.
/// Items 3, 11, 24 and 29 missed their third measure's date in the last few days (黄: one
/// period); 15 and 23 missed it two months ago and still have (红, two month ends in a row);
/// 北岭县's item 45 did too, and met its second measure's date late.
const MILESTONES: &[(u32, usize, Milestone)] = &[
    (3, 3, Milestone::DaysAgo(2)),
    (11, 3, Milestone::DaysAgo(1)),
    (24, 3, Milestone::DaysAgo(3)),
    (29, 3, Milestone::DaysAgo(1)),
    (15, 3, Milestone::Month(2, 15)),
    (23, 3, Milestone::Month(2, 10)),
    (45, 2, Milestone::Month(4, 30)),
    (45, 3, Milestone::Month(2, 28)),
];

#[derive(Clone, Copy)]
enum Milestone {
    DaysAgo(i32),
    /// Day `day` of the month `back` months ago.
    Month(i32, u8),
}

/// The day the demo plan was issued: the 5th, eight months ago.
pub fn issued_on(t: Timeline) -> Date {
    t.month(8, 5)
}

/// The day the inspection fed the problems back, six weeks before the plan.
pub fn feedback_on(t: Timeline) -> Date {
    issued_on(t).add_days(-46)
}

/// The document number of the plan, in the year it was issued.
pub fn doc_number(t: Timeline) -> String {
    format!("河办发〔{}〕45号", issued_on(t).year)
}

/// An item's new deadline text, when the demo re-dates it.
pub fn deadline_text(t: Timeline, number: u32) -> Option<String> {
    let &(_, template, dates) = DEADLINES.iter().find(|(n, _, _)| *n == number)?;
    let mut text = String::new();
    let mut pieces = template.split("{}");
    text.push_str(pieces.next().unwrap_or_default());
    for (piece, when) in pieces.zip(dates) {
        text.push_str(&written(t, *when));
        text.push_str(piece);
    }
    Some(text)
}

fn written(t: Timeline, when: When) -> String {
    match when {
        When::MonthEnd(n) => {
            let end = t.month_end(n);
            if end.month == 12 {
                format!("{}年底", end.year)
            } else {
                format!("{}年{}月底", end.year, end.month)
            }
        }
        When::MonthEndDay(n) => full_date(t.month_end(n)),
        When::Days(n) => full_date(t.today.add_days(n)),
        When::HeatingYear => {
            let year = t.today.year + i32::from(t.today.month >= 11);
            format!("{year}年")
        }
    }
}

fn full_date(d: Date) -> String {
    format!("{}年{}月{}日", d.year, d.month, d.day)
}

/// Re-dates the items read from the spreadsheet: deadlines through the deadline parser, with
/// the plan's issue day as the reference, and the milestones' measures with their date written
/// into the measure's text as a plan would.
pub fn redate(t: Timeline, items: &mut [Item], calendar: &WorkCalendar) {
    let context = DeadlineContext {
        reference: Some(issued_on(t)),
        calendar,
    };
    for item in items.iter_mut() {
        if let Some(text) = deadline_text(t, item.number) {
            item.deadline = parse_deadline(&text, context);
        }
    }
    for &(number, measure, when) in MILESTONES {
        let due = match when {
            Milestone::DaysAgo(n) => t.days_ago(n),
            Milestone::Month(back, day) => t.month(back, day),
        };
        let measure = items
            .iter_mut()
            .find(|i| i.number == number)
            .and_then(|i| i.measures.get_mut(measure - 1));
        if let Some(measure) = measure {
            measure.text = format!("{}（{}前完成）", measure.text, full_date(due));
            measure.due = Some(due);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_written_as_an_office_writes_them() {
        let t = Timeline::new(Date::parse("2026-12-07").unwrap());
        assert_eq!(deadline_text(t, 2).unwrap(), "2026年11月底前");
        assert_eq!(deadline_text(t, 7).unwrap(), "2027年底前");
        assert_eq!(deadline_text(t, 6).unwrap(), "2027年5月31日");
        assert_eq!(deadline_text(t, 20).unwrap(), "2026年12月16日前");
        assert_eq!(
            deadline_text(t, 10).unwrap(),
            "2026年11月底前完成，2027年6月底前全面完成"
        );
        assert_eq!(deadline_text(t, 8).unwrap(), "2027年采暖季前");
        assert_eq!(deadline_text(t, 5), None);
        assert_eq!(issued_on(t).to_string(), "2026-04-05");
    }

    #[test]
    fn every_written_deadline_parses_to_its_date() {
        let calendar = WorkCalendar::embedded();
        for today in [
            "2026-12-07",
            "2027-03-15",
            "2028-09-10",
            "2027-01-01",
            "2028-02-29",
        ] {
            let t = Timeline::new(Date::parse(today).unwrap());
            let context = DeadlineContext {
                reference: Some(issued_on(t)),
                calendar: &calendar,
            };
            for &(number, _, dates) in DEADLINES {
                let text = deadline_text(t, number).unwrap();
                let parsed = parse_deadline(&text, context);
                if matches!(dates, [When::HeatingYear]) {
                    continue;
                }
                assert!(parsed.due_date.is_some(), "{today} item {number}: {text}");
                assert!(!parsed.needs_manual_date, "{today} item {number}: {text}");
            }
        }
    }
}
