//! The deadline parser: a table of every 整改时限 string in the shared plan fixture, and
//! properties over generated text.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::{Deadline, DeadlineContext, parse_deadline};
use rectify_exact::date::Date;
use std::sync::OnceLock;

/// (text, due date, 立行立改, 长期坚持, stages, needs a manual date), from plan-sample.expected.json.
type Row = (
    &'static str,
    Option<&'static str>,
    bool,
    bool,
    &'static [&'static str],
    bool,
);

const FIXTURE: &[Row] = &[
    ("2020年底前", Some("2020-12-31"), false, false, &[], false),
    (
        "2018年12月底前",
        Some("2018-12-31"),
        false,
        false,
        &[],
        false,
    ),
    (
        "2019年10月31日前",
        Some("2019-10-31"),
        false,
        false,
        &[],
        false,
    ),
    (
        "2019年6月底前完成并长期坚持",
        Some("2019-06-30"),
        false,
        true,
        &[],
        false,
    ),
    ("立行立改、长期坚持", None, true, true, &[], false),
    (
        "2018年12月31日",
        Some("2018-12-31"),
        false,
        false,
        &[],
        false,
    ),
    ("“十三五”期间", Some("2020-12-31"), false, false, &[], false),
    ("2019年采暖季前", None, false, false, &[], true),
    (
        "2018年10月底前",
        Some("2018-10-31"),
        false,
        false,
        &[],
        false,
    ),
    (
        "2019年9月底前完成，2020年底前全面完成",
        Some("2020-12-31"),
        false,
        false,
        &["2019-09-30", "2020-12-31"],
        false,
    ),
    (
        "2019年12月底前",
        Some("2019-12-31"),
        false,
        false,
        &[],
        false,
    ),
    ("立行立改", None, true, false, &[], false),
    ("长期坚持", None, false, true, &[], false),
    (
        "2018年10月31日前",
        Some("2018-10-31"),
        false,
        false,
        &[],
        false,
    ),
    (
        "２０１９年６月底前",
        Some("2019-06-30"),
        false,
        false,
        &[],
        false,
    ),
    (
        "２０２０年１２月底前",
        Some("2020-12-31"),
        false,
        false,
        &[],
        false,
    ),
    (
        "2019年6月底前",
        Some("2019-06-30"),
        false,
        false,
        &[],
        false,
    ),
    (
        "2018年底前消除60%以上，2020年底前全面完成",
        Some("2020-12-31"),
        false,
        false,
        &["2018-12-31", "2020-12-31"],
        false,
    ),
    (
        "2019年3月底前",
        Some("2019-03-31"),
        false,
        false,
        &[],
        false,
    ),
    (
        "2018年12月底前完成并长期坚持",
        Some("2018-12-31"),
        false,
        true,
        &[],
        false,
    ),
    (
        "2019年12月31日",
        Some("2019-12-31"),
        false,
        false,
        &[],
        false,
    ),
    (
        "2018年11月底前",
        Some("2018-11-30"),
        false,
        false,
        &[],
        false,
    ),
    (
        "2018年12月底前完成红色标识企业关停，2019年12月底前全面完成",
        Some("2019-12-31"),
        false,
        false,
        &["2018-12-31", "2019-12-31"],
        false,
    ),
    (
        "立行立改，2018年10月底前完成",
        Some("2018-10-31"),
        true,
        false,
        &[],
        false,
    ),
    (
        "2019年10月底前",
        Some("2019-10-31"),
        false,
        false,
        &[],
        false,
    ),
];

fn parse(text: &str) -> Deadline {
    static CALENDAR: OnceLock<WorkCalendar> = OnceLock::new();
    let context = DeadlineContext {
        reference: Date::new(2018, 12, 5),
        calendar: CALENDAR.get_or_init(WorkCalendar::embedded),
    };
    parse_deadline(text, context)
}

#[test]
fn every_fixture_deadline_reads_as_expected() {
    for &(text, due, immediate, sustain, stages, manual) in FIXTURE {
        let d = parse(text);
        assert_eq!(d.text, text);
        assert_eq!(d.due_date.map(|d| d.to_string()).as_deref(), due, "{text}");
        assert_eq!((d.immediate, d.sustain), (immediate, sustain), "{text}");
        let got: Vec<String> = d.stages.iter().map(Date::to_string).collect();
        assert_eq!(got, stages, "{text}");
        assert_eq!(d.needs_manual_date, manual, "{text}");
    }
}

/// A small deterministic generator (no external crate): a 64-bit LCG.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c),
            ',' => '，',
            _ => c,
        })
        .collect()
}

#[test]
fn month_ends_and_exact_dates_for_every_month_from_1990_to_2100() {
    let mut rng = Lcg(7);
    for year in 1990..=2100 {
        for month in 1..=12_u8 {
            let last = Date::last_of_month(year, month).unwrap();
            for text in [
                format!("{year}年{month}月底前"),
                full_width(&format!("{year}年{month}月底前完成")),
            ] {
                let d = parse(&text);
                assert_eq!(d.due_date, Some(last), "{text}");
                assert!(!d.needs_manual_date && d.stages.is_empty(), "{text}");
            }
            let day = 1 + rng.below(u64::from(last.day)) as u8;
            let exact = Date::new(year, month, day).unwrap();
            assert_eq!(
                parse(&format!("{year}年{month}月{day}日前")).due_date,
                Some(exact)
            );
        }
        assert_eq!(
            parse(&format!("{year}年底前")).due_date,
            Date::new(year, 12, 31)
        );
    }
}

#[test]
fn staged_text_is_due_on_its_latest_stage_and_flags_combine() {
    let mut rng = Lcg(11);
    for _ in 0..2_000 {
        let mut dates = Vec::new();
        let mut parts = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let year = 2015 + rng.below(15) as i32;
            let month = 1 + rng.below(12) as u8;
            dates.push(Date::last_of_month(year, month).unwrap());
            parts.push(format!("{year}年{month}月底前完成第{}批", parts.len() + 1));
        }
        let immediate = rng.below(2) == 0;
        let sustain = rng.below(2) == 0;
        let mut text = parts.join("，");
        if immediate {
            text = format!("立行立改，{text}");
        }
        if sustain {
            text.push_str("并长期坚持");
        }
        let d = parse(&text);
        assert_eq!(d.due_date, dates.iter().max().copied(), "{text}");
        assert_eq!(
            d.stages,
            if dates.len() > 1 {
                dates.clone()
            } else {
                Vec::new()
            },
            "{text}"
        );
        assert_eq!((d.immediate, d.sustain), (immediate, sustain), "{text}");
        assert!(!d.needs_manual_date, "{text}");
    }
}

#[test]
fn any_text_is_kept_verbatim_and_the_result_is_consistent() {
    let alphabet: Vec<char> = "0123456789０１２３年月日底前末内号上下半季度第一二三四五六七八九十〇个工作天自然期间“”'十三五立行改长坚持完成，、。 -/.尽快采暖abc"
        .chars()
        .collect();
    let mut rng = Lcg(3);
    for _ in 0..20_000 {
        let length = rng.below(24) as usize;
        let text: String = (0..length)
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
            .collect();
        let d = parse(&text);
        assert_eq!(d.text, text.trim());
        if let Some(due) = d.due_date {
            assert!(
                d.stages.is_empty() || d.stages.iter().max() == Some(&due),
                "{text}"
            );
        } else {
            assert!(d.stages.is_empty(), "{text}");
        }
        assert!(d.stages.len() != 1, "{text}");
        if d.due_date.is_none() && !d.immediate && !d.sustain {
            assert!(d.needs_manual_date, "{text}");
        }
    }
}
