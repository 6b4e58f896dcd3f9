//! HJ 663 statistics over a period: means and percentiles, validity of the period, the daily
//! AQI counts (优良天数 and friends), attainment, the composite index, and the year-on-year
//! 两降一增 comparison.

use crate::aqi::{HourlyMethod, Level, Pollutant, ReportKind, ReportOptions, report};
use crate::daily::{DailyItem, DailyValues};
use crate::standard::{Limits, SWITCH_DATE, Standard, StandardChoice};
use rectify_exact::date::{Date, days_in_month};
use rectify_exact::exact::Exact;

/// One site-day as the evaluation sees it.
#[derive(Debug, Clone, Copy)]
pub struct DayRecord {
    pub date: Date,
    pub values: DailyValues,
    /// A sand and dust day (沙尘天气), flagged by the monitoring centre.
    pub dust: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvaluationOptions {
    pub standard: StandardChoice,
    /// Deduct dust days from PM10, PM2.5 and the composite index (they stay in the day counts),
    /// as the national reports do.
    pub deduct_dust: bool,
}

/// HJ 663 Appendix A: `k = 1 + (n − 1)·p/100`, `s = ⌊k⌋`, `m = X(s) + (X(s+1) − X(s))·(k − s)`.
/// `sorted` must be ascending.
pub fn percentile(sorted: &[Exact], p: u32) -> Option<Exact> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let k_hundredths = 100 + (n - 1) * p as usize;
    let s = k_hundredths / 100;
    let frac = (k_hundredths % 100) as i64;
    if s >= n {
        return Some(sorted[n - 1]);
    }
    let (low, high) = (sorted[s - 1], sorted[s]);
    Some(low + (high - low).mul_int(frac).div_int(100))
}

/// The statistics of one pollutant over the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollutantStats {
    pub pollutant: Pollutant,
    pub valid_days: u32,
    /// Period mean (SO2, NO2, PM10, PM2.5), unrounded.
    pub mean: Option<Exact>,
    /// The percentile HJ 663 evaluates it by, and its value, unrounded.
    pub percentile: (u32, Option<Exact>),
    /// Whether the published (rounded) statistics are within the class-2 limits.
    pub attains: Option<bool>,
    /// Months (or the year) with too few valid days; the statistics are then indicative only.
    pub incomplete: Vec<String>,
}

impl PollutantStats {
    pub fn mean_published(&self) -> Option<Exact> {
        self.mean
            .map(|m| m.round_half_even(self.pollutant.decimals()))
    }

    pub fn percentile_published(&self) -> Option<Exact> {
        self.percentile
            .1
            .map(|m| m.round_half_even(self.pollutant.decimals()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub from: Date,
    pub to: Date,
    /// The version whose limits the period is judged by (that of its last day under `Auto`).
    pub standard: Standard,
    /// The period straddles 2026-03-01 and its days were indexed by different versions.
    pub mixed_versions: bool,
    pub calendar_days: u32,
    /// Days with a valid daily AQI: every one of the six indicators valid, or AQI above 100.
    pub aqi_days: u32,
    pub good_days: u32,
    pub exceed_days: u32,
    /// AQI above 200 (重度及以上).
    pub heavy_days: u32,
    pub level_days: [u32; 6],
    /// 优良天数比例, unrounded.
    pub good_ratio: Option<Exact>,
    pub pollutants: Vec<PollutantStats>,
    pub composite_index: Option<Exact>,
    /// All six pollutants attain.
    pub attains: Option<bool>,
    pub dust_days: u32,
}

impl Evaluation {
    pub fn pollutant(&self, p: Pollutant) -> Option<&PollutantStats> {
        self.pollutants.iter().find(|s| s.pollutant == p)
    }

    /// The good-day ratio as published: percent to 0.1.
    pub fn good_ratio_published(&self) -> Option<Exact> {
        self.good_ratio.map(|r| r.mul_int(100).round_half_even(1))
    }
}

/// (pollutant, daily item, percentile)
const EVALUATED: [(Pollutant, DailyItem, u32); 6] = [
    (Pollutant::So2, DailyItem::So2, 98),
    (Pollutant::No2, DailyItem::No2, 98),
    (Pollutant::Pm10, DailyItem::Pm10, 95),
    (Pollutant::Pm25, DailyItem::Pm25, 95),
    (Pollutant::Co, DailyItem::Co, 95),
    (Pollutant::O3_8h, DailyItem::O3_8hMax, 90),
];

const SIX: [DailyItem; 6] = [
    DailyItem::So2,
    DailyItem::No2,
    DailyItem::Co,
    DailyItem::Pm10,
    DailyItem::Pm25,
    DailyItem::O3_8hMax,
];

/// Evaluates the days of `days` that fall in `from..=to`.
pub fn evaluate(
    days: &[DayRecord],
    from: Date,
    to: Date,
    options: EvaluationOptions,
) -> Evaluation {
    let in_period: Vec<&DayRecord> = days
        .iter()
        .filter(|d| d.date >= from && d.date <= to)
        .collect();
    let standard = options.standard.for_date(to);
    let limits = Limits::class2(standard, to);
    let mut eval = Evaluation {
        from,
        to,
        standard,
        mixed_versions: options.standard == StandardChoice::Auto
            && from < SWITCH_DATE
            && to >= SWITCH_DATE,
        calendar_days: (to.day_number() - from.day_number() + 1).max(0) as u32,
        aqi_days: 0,
        good_days: 0,
        exceed_days: 0,
        heavy_days: 0,
        level_days: [0; 6],
        good_ratio: None,
        pollutants: Vec::new(),
        composite_index: None,
        attains: None,
        dust_days: in_period.iter().filter(|d| d.dust).count() as u32,
    };
    count_aqi_days(&mut eval, &in_period, options.standard);
    for (pollutant, item, p) in EVALUATED {
        let deduct = options.deduct_dust && matches!(pollutant, Pollutant::Pm10 | Pollutant::Pm25);
        let used: Vec<&&DayRecord> = in_period.iter().filter(|d| !(deduct && d.dust)).collect();
        let mut values: Vec<Exact> = used
            .iter()
            .filter_map(|d| d.values.get(item).valid())
            .collect();
        values.sort_unstable();
        let has_annual_mean = !matches!(pollutant, Pollutant::Co | Pollutant::O3_8h);
        let mean = (has_annual_mean && !values.is_empty())
            .then(|| values.iter().sum::<Exact>().div_int(values.len() as i64));
        let valid_dates: Vec<Date> = used
            .iter()
            .filter(|d| d.values.get(item).valid().is_some())
            .map(|d| d.date)
            .collect();
        let mut stats = PollutantStats {
            pollutant,
            valid_days: values.len() as u32,
            mean,
            percentile: (p, percentile(&values, p)),
            attains: None,
            incomplete: completeness(&valid_dates, from, to),
        };
        stats.attains = attainment(&stats, &limits);
        eval.pollutants.push(stats);
    }
    eval.composite_index = composite_index(&eval, &limits);
    let verdicts: Vec<Option<bool>> = eval.pollutants.iter().map(|s| s.attains).collect();
    eval.attains = verdicts
        .iter()
        .all(Option::is_some)
        .then(|| verdicts.iter().all(|v| *v == Some(true)));
    eval
}

fn count_aqi_days(eval: &mut Evaluation, days: &[&DayRecord], choice: StandardChoice) {
    for day in days {
        let options = ReportOptions {
            standard: choice.for_date(day.date),
            kind: ReportKind::Daily,
            hourly_method: HourlyMethod::Text,
        };
        let r = report(&day.values.concentrations(), options);
        let Some(aqi) = r.aqi else { continue };
        let complete = SIX
            .iter()
            .all(|item| day.values.get(*item).valid().is_some());
        if !(complete || aqi > 100) {
            continue;
        }
        eval.aqi_days += 1;
        eval.level_days[usize::from(Level::of(aqi).number - 1)] += 1;
        match aqi {
            0..=100 => eval.good_days += 1,
            _ => eval.exceed_days += 1,
        }
        if aqi > 200 {
            eval.heavy_days += 1;
        }
    }
    if eval.aqi_days > 0 {
        eval.good_ratio = Some(Exact::ratio(eval.good_days.into(), eval.aqi_days.into()));
    }
}

/// GB 3095 Table 4: each month needs 27 valid days (February 25), a year 324. Only months (and
/// a year) wholly inside the period are judged.
fn completeness(valid: &[Date], from: Date, to: Date) -> Vec<String> {
    let mut problems = Vec::new();
    let (mut year, mut month) = (from.year, from.month);
    loop {
        let first = Date {
            year,
            month,
            day: 1,
        };
        let last = Date {
            year,
            month,
            day: days_in_month(year, month),
        };
        if first > to {
            break;
        }
        if first >= from && last <= to {
            let have = valid
                .iter()
                .filter(|d| d.year == year && d.month == month)
                .count();
            let need = if month == 2 { 25 } else { 27 };
            if have < need {
                problems.push(format!("{year}年{month}月有效日 {have} 天，不足 {need} 天"));
            }
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    for y in from.year..=to.year {
        let whole_year = Date {
            year: y,
            month: 1,
            day: 1,
        } >= from
            && Date {
                year: y,
                month: 12,
                day: 31,
            } <= to;
        let have = valid.iter().filter(|d| d.year == y).count();
        if whole_year && have < 324 {
            problems.push(format!("{y}年有效日 {have} 天，不足 324 天"));
        }
    }
    problems
}

fn attainment(stats: &PollutantStats, limits: &Limits) -> Option<bool> {
    let within = |v: Option<Exact>, limit: i64| v.map(|v| v <= Exact::int(limit));
    let pct = stats.percentile_published();
    let mean = stats.mean_published();
    let both = |a: Option<bool>, b: Option<bool>| Some(a? && b?);
    match stats.pollutant {
        Pollutant::So2 => both(within(mean, limits.so2_annual), within(pct, limits.so2_24h)),
        Pollutant::No2 => both(within(mean, limits.no2_annual), within(pct, limits.no2_24h)),
        Pollutant::Pm10 => both(
            within(mean, limits.pm10_annual),
            within(pct, limits.pm10_24h),
        ),
        Pollutant::Pm25 => both(
            within(mean, limits.pm25_annual),
            within(pct, limits.pm25_24h),
        ),
        Pollutant::Co => within(pct, limits.co_24h),
        Pollutant::O3_8h | Pollutant::O3_1h => within(pct, limits.o3_8h),
    }
}

/// 综合指数 Isum = Σ C_i/S_i: period means over the annual limits for SO2, NO2, PM10, PM2.5;
/// CO P95 over 4 and O3 8-h P90 over 160. Unweighted with the limits of the version in force
/// (the 2026 weighting reported by third parties is unverified, air.md §3.5).
fn composite_index(eval: &Evaluation, limits: &Limits) -> Option<Exact> {
    let mean = |p| eval.pollutant(p).and_then(|s| s.mean);
    let pct = |p| eval.pollutant(p).and_then(|s| s.percentile.1);
    let parts = [
        (mean(Pollutant::So2)?, limits.so2_annual),
        (mean(Pollutant::No2)?, limits.no2_annual),
        (mean(Pollutant::Pm10)?, limits.pm10_annual),
        (mean(Pollutant::Pm25)?, limits.pm25_annual),
        (pct(Pollutant::Co)?, limits.co_24h),
        (pct(Pollutant::O3_8h)?, limits.o3_8h),
    ];
    Some(composite_from(&parts))
}

/// Σ value/limit.
pub fn composite_from(parts: &[(Exact, i64)]) -> Exact {
    parts.iter().map(|(v, s)| v.div_int(*s)).sum()
}

/// Direction of a year-on-year change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
}

impl Trend {
    pub fn zh(self) -> &'static str {
        match self {
            Trend::Up => "上升",
            Trend::Down => "下降",
            Trend::Flat => "持平",
        }
    }
}

/// A concentration compared with the same period of the previous year, from published values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub current: Exact,
    pub previous: Exact,
    /// Percent to 0.1; `None` when the previous value is 0.
    pub percent: Option<Exact>,
    pub trend: Trend,
}

pub fn change(current: Exact, previous: Exact) -> Change {
    let trend = match current.cmp(&previous) {
        std::cmp::Ordering::Greater => Trend::Up,
        std::cmp::Ordering::Less => Trend::Down,
        std::cmp::Ordering::Equal => Trend::Flat,
    };
    let percent = (previous != Exact::ZERO).then(|| {
        ((current - previous) / previous)
            .mul_int(100)
            .round_half_even(1)
    });
    Change {
        current,
        previous,
        percent,
        trend,
    }
}

/// 两降一增: PM2.5 down, PM10 down, good-day ratio up, each strictly, on published values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoDownOneUp {
    pub pm25: Change,
    pub pm10: Change,
    /// Published ratios (percent, 0.1) and their difference in percentage points.
    pub good_ratio: (Exact, Exact, Exact),
    pub achieved: bool,
    /// The two periods were judged by different versions of the standards: the good-day ratio
    /// is not comparable unless the earlier year is re-evaluated with the later breakpoints.
    pub versions_differ: bool,
}

pub fn two_down_one_up(current: &Evaluation, previous: &Evaluation) -> Option<TwoDownOneUp> {
    let published_mean =
        |e: &Evaluation, p| e.pollutant(p).and_then(PollutantStats::mean_published);
    let pm25 = change(
        published_mean(current, Pollutant::Pm25)?,
        published_mean(previous, Pollutant::Pm25)?,
    );
    let pm10 = change(
        published_mean(current, Pollutant::Pm10)?,
        published_mean(previous, Pollutant::Pm10)?,
    );
    let (cur, prev) = (
        current.good_ratio_published()?,
        previous.good_ratio_published()?,
    );
    Some(TwoDownOneUp {
        achieved: pm25.trend == Trend::Down && pm10.trend == Trend::Down && cur > prev,
        pm25,
        pm10,
        good_ratio: (cur, prev, cur - prev),
        versions_differ: current.standard != previous.standard
            || current.mixed_versions
            || previous.mixed_versions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rectify_exact::exact::parse_exact;

    fn ex(s: &str) -> Exact {
        parse_exact(s).unwrap().unwrap()
    }

    fn ints(values: &[i64]) -> Vec<Exact> {
        let mut v: Vec<Exact> = values.iter().map(|&x| Exact::int(x)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn percentile_matches_the_worked_examples() {
        let one_to_ten = ints(&(1..=10).collect::<Vec<_>>());
        assert_eq!(percentile(&one_to_ten, 90), Some(ex("9.1")));
        assert_eq!(percentile(&one_to_ten, 95), Some(ex("9.55")));
        let one_to_twenty = ints(&(1..=20).collect::<Vec<_>>());
        assert_eq!(percentile(&one_to_twenty, 98), Some(ex("19.62")));
        let p04 = ints(&[12, 45, 33, 78, 90, 21, 56, 67, 88, 101, 15, 40]);
        assert_eq!(percentile(&p04, 95), Some(ex("94.95")));
        assert_eq!(percentile(&ints(&[7]), 98), Some(Exact::int(7)));
        assert_eq!(percentile(&[], 90), None);
        // n = 365: k = 328.6, 346.8, 357.72 → with X(i) = i the percentile equals k.
        let year = ints(&(1..=365).collect::<Vec<_>>());
        assert_eq!(percentile(&year, 90), Some(ex("328.6")));
        assert_eq!(percentile(&year, 95), Some(ex("346.8")));
        assert_eq!(percentile(&year, 98), Some(ex("357.72")));
    }

    #[test]
    fn composite_index_matches_published_cases() {
        let heyuan = [
            (ex("3"), 60),
            (ex("13"), 40),
            (ex("16"), 70),
            (ex("13"), 35),
            (ex("0.9"), 4),
            (ex("87"), 160),
        ];
        // Exactly 1.74375 (air.md truncates it to 1.7437); published to 0.01 as 1.74.
        assert_eq!(composite_from(&heyuan), ex("1.74375"));
        assert_eq!(composite_from(&heyuan).to_fixed(2), "1.74");
        let naiman = [
            (ex("9"), 60),
            (ex("14"), 40),
            (ex("77"), 70),
            (ex("23"), 35),
            (ex("1.1"), 4),
            (ex("96"), 160),
        ];
        assert_eq!(composite_from(&naiman).to_fixed(4), "3.1321");
    }

    #[test]
    fn year_on_year_from_published_values() {
        let y01 = change(ex("16"), ex("19"));
        assert_eq!(
            (y01.percent.unwrap().to_fixed(1), y01.trend),
            ("-15.8".to_string(), Trend::Down)
        );
        let y02 = change(ex("139"), ex("137"));
        assert_eq!(
            (y02.percent.unwrap().to_fixed(1), y02.trend),
            ("1.5".to_string(), Trend::Up)
        );
        let y03 = change(ex("8"), ex("8"));
        assert_eq!(
            (y03.percent.unwrap().to_fixed(1), y03.trend.zh()),
            ("0.0".to_string(), "持平")
        );
        assert_eq!((ex("90.3") - ex("85.4")).to_fixed(1), "4.9");
    }
}
