//! Properties of the engine, checked by exhaustive sweeps and a seeded generator (no external
//! property-testing crate: the domains are small enough to walk).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_air::aqi::{Concentrations, HourlyMethod, ReportKind, ReportOptions, report};
use rectify_air::daily::{DailyItem, DailyValue, DailyValues, Validity};
use rectify_air::date::Date;
use rectify_air::exact::Exact;
use rectify_air::iaqi::{Column, iaqi};
use rectify_air::standard::{Standard, StandardChoice};
use rectify_air::stats::{DayRecord, EvaluationOptions, evaluate, two_down_one_up};

const COLUMNS: [(Column, i64); 10] = [
    (Column::So2_24h, 2700),
    (Column::So2_1h, 800),
    (Column::No2_24h, 1000),
    (Column::No2_1h, 3900),
    (Column::Pm10_24h, 650),
    (Column::Co24h, 65),
    (Column::Co1h, 155),
    (Column::O3_1h, 1250),
    (Column::O3_8h, 800),
    (Column::Pm25_24h, 550),
];

#[test]
fn iaqi_is_monotone_in_concentration_on_a_tenth_grid() {
    for standard in [Standard::V2012, Standard::V2026] {
        for (column, top) in COLUMNS {
            let mut last = 0;
            for tenths in 0..=top * 10 {
                let c = Exact::ratio(tenths.into(), 10);
                let Some(v) = iaqi(column, standard, c) else {
                    break;
                };
                assert!(
                    v.value >= last,
                    "{column:?} {standard} at {c}: {} < {last}",
                    v.value
                );
                last = v.value;
            }
        }
    }
}

#[test]
fn iaqi_is_continuous_at_breakpoints() {
    // Just below a breakpoint the index is at most the step; just above, exactly one more.
    let eps = Exact::ratio(1, 1_000_000);
    for standard in [Standard::V2012, Standard::V2026] {
        for (column, top) in COLUMNS {
            for whole in 1..top {
                let c = Exact::int(whole);
                let (Some(at), Some(below), Some(above)) = (
                    iaqi(column, standard, c),
                    iaqi(column, standard, c - eps),
                    iaqi(column, standard, c + eps),
                ) else {
                    continue;
                };
                assert!(below.value <= at.value && at.value <= above.value);
                assert!(
                    above.value - below.value <= 1,
                    "{column:?} jumps at {whole}"
                );
            }
        }
    }
}

/// A small deterministic generator (64-bit LCG), enough to mix inputs.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
    fn conc(&mut self, top: u64) -> Option<Exact> {
        (self.next(8) != 0).then(|| Exact::ratio(self.next(top * 10).into(), 10))
    }
}

#[test]
fn aqi_is_the_max_of_the_iaqis_and_primary_holds_the_max() {
    let mut g = Lcg(20_260_301);
    for _ in 0..20_000 {
        let input = Concentrations {
            so2: g.conc(900),
            no2: g.conc(1000),
            co: g.conc(70),
            o3_1h: g.conc(1300),
            o3_8h: g.conc(900),
            pm10: g.conc(700),
            pm25: g.conc(600),
            so2_24h: g.conc(900),
            pm10_24h: g.conc(700),
            pm25_24h: g.conc(600),
        };
        for standard in [Standard::V2012, Standard::V2026] {
            for kind in [ReportKind::Daily, ReportKind::Hourly] {
                let r = report(
                    &input,
                    ReportOptions {
                        standard,
                        kind,
                        hourly_method: HourlyMethod::Text,
                    },
                );
                let max = r
                    .entries
                    .iter()
                    .filter_map(|e| e.iaqi.map(|i| i.value))
                    .max();
                assert_eq!(r.aqi, max);
                for p in &r.primary {
                    assert_eq!(r.iaqi_of(*p).map(|i| i.value), r.aqi);
                }
                assert_eq!(r.primary.is_empty(), r.aqi.is_none_or(|a| a <= 50));
            }
        }
    }
}

fn day(date: Date, pm25: i64, pm10: i64, dust: bool) -> DayRecord {
    let v = |x: i64| DailyValue {
        value: Some(Exact::int(x)),
        validity: Validity::Valid,
    };
    let mut items = [v(5); 7];
    items[DailyItem::Pm25.index()] = v(pm25);
    items[DailyItem::Pm10.index()] = v(pm10);
    items[DailyItem::Co.index()] = DailyValue {
        value: Some(Exact::ratio(5, 10)),
        validity: Validity::Valid,
    };
    items[DailyItem::O3_8hMax.index()] = v(60);
    DayRecord {
        date,
        values: DailyValues { items },
        dust,
    }
}

fn quarter(year: i32, pm25_by_day: impl Fn(u32) -> i64) -> Vec<DayRecord> {
    let start = Date::new(year, 1, 1).unwrap().day_number();
    (0..90)
        .map(|i| {
            day(
                Date::from_day_number(start + i as i32),
                pm25_by_day(i),
                40,
                false,
            )
        })
        .collect()
}

#[test]
fn good_day_ratio_matches_the_published_quarter() {
    // R02: 91 valid days, 51 优 + 35 良 + 2 轻度 + 3 重度 → 94.5 %.
    let start = Date::new(2022, 1, 1).unwrap();
    let pm25_for = |i: u32| match i {
        0..=50 => 20,   // 优
        51..=85 => 60,  // 良
        86..=87 => 100, // 轻度
        _ => 200,       // 重度
    };
    let days: Vec<DayRecord> = (0..91)
        .map(|i| {
            day(
                Date::from_day_number(start.day_number() + i),
                pm25_for(i as u32),
                40,
                false,
            )
        })
        .collect();
    let options = EvaluationOptions {
        standard: StandardChoice::Fixed(Standard::V2012),
        deduct_dust: false,
    };
    let end = Date::from_day_number(start.day_number() + 90);
    let e = evaluate(&days, start, end, options);
    assert_eq!(
        (e.aqi_days, e.good_days, e.exceed_days, e.heavy_days),
        (91, 86, 5, 3)
    );
    assert_eq!(e.level_days, [51, 35, 2, 0, 3, 0]);
    assert_eq!(e.good_ratio_published().unwrap().to_fixed(1), "94.5");
    assert!(
        e.pollutants.iter().all(|p| p.incomplete.is_empty()),
        "{:?}",
        e.pollutants
    );
}

#[test]
fn dust_days_leave_pm_statistics_but_stay_in_the_day_counts() {
    let start = Date::new(2025, 4, 1).unwrap();
    let days: Vec<DayRecord> = (0..30)
        .map(|i| {
            let dust = i < 2;
            day(
                Date::from_day_number(start.day_number() + i),
                if dust { 300 } else { 30 },
                50,
                dust,
            )
        })
        .collect();
    let end = Date::new(2025, 4, 30).unwrap();
    let with = evaluate(
        &days,
        start,
        end,
        EvaluationOptions {
            standard: StandardChoice::Auto,
            deduct_dust: true,
        },
    );
    let without = evaluate(
        &days,
        start,
        end,
        EvaluationOptions {
            standard: StandardChoice::Auto,
            deduct_dust: false,
        },
    );
    let pm25 = |e: &rectify_air::stats::Evaluation| {
        e.pollutant(rectify_air::aqi::Pollutant::Pm25)
            .unwrap()
            .mean_published()
    };
    assert_eq!(pm25(&with), Some(Exact::int(30)));
    assert_eq!(pm25(&without), Some(Exact::int(48)));
    assert_eq!(with.good_days, without.good_days);
    assert_eq!(with.aqi_days, 30);
    assert!(with.composite_index < without.composite_index);
}

#[test]
fn missing_days_make_a_month_incomplete_and_two_down_one_up_is_strict() {
    let options = EvaluationOptions {
        standard: StandardChoice::Auto,
        deduct_dust: false,
    };
    let mut prev_days = quarter(2024, |_| 40);
    prev_days.retain(|d| !(d.date.month == 2 && (5..=9).contains(&d.date.day)));
    let prev = evaluate(
        &prev_days,
        Date::new(2024, 1, 1).unwrap(),
        Date::new(2024, 3, 31).unwrap(),
        options,
    );
    let problems = &prev
        .pollutant(rectify_air::aqi::Pollutant::Pm25)
        .unwrap()
        .incomplete;
    assert!(
        problems.contains(&"2024年2月有效日 24 天，不足 25 天".to_string()),
        "{problems:?}"
    );
    // The generated quarter stops on 30 March: March still has its 27 days.
    assert_eq!(problems.len(), 1, "{problems:?}");
    let cur = evaluate(
        &quarter(2025, |i| if i % 10 == 0 { 80 } else { 35 }),
        Date::new(2025, 1, 1).unwrap(),
        Date::new(2025, 3, 31).unwrap(),
        options,
    );
    let verdict = two_down_one_up(&cur, &prev).unwrap();
    // PM2.5 40 → 39.5 → 40 published (half-even): 持平, so the verdict fails although it "fell".
    assert_eq!(verdict.pm25.trend.zh(), "持平");
    assert!(!verdict.achieved);
    assert!(!verdict.versions_differ);
}
