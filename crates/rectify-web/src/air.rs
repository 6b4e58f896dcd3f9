//! The public air-quality page: monthly PM bars against the targets, the good-day ratio, a
//! calendar of daily AQI, and the 两降一增 verdict. Monitoring results are public information,
//! so the page needs no login.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use rectify_air::aqi::{HourlyMethod, Level, Pollutant, ReportKind, ReportOptions, report};
use rectify_air::date::{Date, days_in_month};
use rectify_air::exact::Exact;
use rectify_air::standard::{SWITCH_DATE, StandardChoice};
use rectify_air::stats::{DayRecord, Evaluation, EvaluationOptions, Trend, evaluate};
use rectify_air::targets::{TargetCheck, YearTargets};
use rectify_io::air::city::{CityDays, CityYear, city_year};
use serde::Deserialize;

use crate::AppState;

#[derive(Debug, Deserialize)]
pub struct AirQuery {
    year: Option<i32>,
    city: Option<String>,
}

pub struct Card {
    label: &'static str,
    value: String,
    unit: &'static str,
    target: Option<String>,
    status: &'static str,
    status_class: &'static str,
}

pub struct VerdictRow {
    label: &'static str,
    current: String,
    previous: String,
    change: String,
    class: &'static str,
}

pub struct Bar {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    fill: &'static str,
    title: String,
}

pub struct HLine {
    y: i64,
    colour: &'static str,
    text: String,
}

pub struct Label {
    x: i64,
    y: i64,
    text: String,
}

pub struct BarChart {
    width: i64,
    height: i64,
    left: i64,
    right: i64,
    bars: Vec<Bar>,
    lines: Vec<HLine>,
    x_labels: Vec<Label>,
    y_ticks: Vec<Label>,
}

pub struct CalendarCell {
    style: String,
    title: String,
}

pub struct CalendarMonth {
    label: String,
    cells: Vec<CalendarCell>,
}

#[derive(Template)]
#[template(path = "air.html")]
pub struct AirPage {
    /// The signed-in user's menu, or none for a visitor (who gets the portal's).
    viewer: Option<crate::auth::Me>,
    city: String,
    cities: Vec<String>,
    year: i32,
    years: Vec<i32>,
    data_to: String,
    ytd_span: String,
    base_span: String,
    dust_note: &'static str,
    notes: Vec<String>,
    cards: Vec<Card>,
    verdict_badge: Option<(&'static str, &'static str)>,
    verdict_rows: Vec<VerdictRow>,
    bars: BarChart,
    day_numbers: Vec<u8>,
    calendar: Vec<CalendarMonth>,
    legend: Vec<(&'static str, &'static str)>,
}

pub async fn air_page(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(query): Query<AirQuery>,
) -> Response {
    crate::viewer_page_response(build(&state, &headers, query).await)
}

async fn build(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    query: AirQuery,
) -> crate::BuiltPage {
    let Some((first, last)) = state.store.air_date_range().await? else {
        let empty = crate::EmptyPage {
            title: "空气质量",
            what: "空气质量",
        };
        return Ok(empty.render()?);
    };
    let year = crate::year_shown(query.year, first.year, last.year);
    let from = Date {
        year: year - 1,
        month: 1,
        day: 1,
    };
    let to = last.min(Date {
        year,
        month: 12,
        day: 31,
    });
    let days = state
        .store
        .air_station_days(from, to, CityDays::default(), |days, day| days.push(&day))
        .await?;
    let targets = state.store.air_targets(year).await?;
    let years: Vec<i32> = (first.year..=last.year).rev().collect();
    // Without a choice, the city the site is of: the one the bulletin and cockpit report.
    let units = state.store.org_units().await?;
    let city = query
        .city
        .or_else(|| rectify_store::org::home_city(&units).map(|u| u.name.clone()));
    let page =
        tokio::task::spawn_blocking(move || page(days, city, year, years, to, targets)).await??;
    let viewer = crate::auth::session(state, headers).await?.map(|s| s.me());
    Ok(AirPage { viewer, ..page }.render()?)
}

/// Builds the page from stored data; no I/O.
pub fn page(
    days: CityDays,
    wanted_city: Option<String>,
    year: i32,
    years: Vec<i32>,
    data_to: Date,
    targets: YearTargets,
) -> Result<AirPage, String> {
    let CityYear {
        city,
        cities,
        days,
        options,
        start,
        end,
        ytd,
        base: _,
        verdict,
    } = city_year(days, wanted_city.as_deref(), year, data_to)?;
    let mut notes = Vec::new();
    if start < SWITCH_DATE && end >= SWITCH_DATE {
        notes.push("2026年3月1日起按 HJ 633-2026（PM2.5、PM10 分级限值 60/120）评价，此前按 HJ 633-2012；本年数据跨越新旧标准。".to_string());
    }
    if verdict.as_ref().is_some_and(|v| v.versions_differ) {
        notes.push("两年采用的标准版本不同，优良天数比例不完全可比。".to_string());
    }
    let incomplete: Vec<String> = ytd
        .pollutants
        .iter()
        .flat_map(|p| {
            p.incomplete
                .iter()
                .map(move |i| format!("{}：{i}", p.pollutant.name()))
        })
        .collect();
    if !incomplete.is_empty() {
        notes.push(format!("数据不完整（仅供参考）：{}", incomplete.join("；")));
    }
    let (verdict_badge, verdict_rows) = match &verdict {
        Some(v) => (
            Some(if v.achieved {
                ("met", "实现")
            } else {
                ("missed", "未实现")
            }),
            verdict_rows(v),
        ),
        None => (None, Vec::new()),
    };
    Ok(AirPage {
        viewer: None,
        cards: cards(&ytd, &targets),
        bars: monthly_bars(&days, year, options, &targets),
        calendar: calendar(&days, year),
        day_numbers: (1..=31).collect(),
        legend: Level::all().iter().map(|l| (l.category, l.hex)).collect(),
        ytd_span: span(start, end),
        base_span: span(start.year_before(), end.year_before()),
        dust_note: "PM 浓度与综合指数扣除沙尘日，优良天数不扣除。",
        data_to: data_to.chinese(),
        notes,
        verdict_badge,
        verdict_rows,
        city,
        cities,
        year,
        years,
    })
}

fn span(from: Date, to: Date) -> String {
    format!("{}—{}", from.chinese(), to.chinese())
}

fn fixed(v: Option<Exact>, decimals: u32) -> String {
    v.map_or_else(|| "—".to_string(), |v| v.to_fixed(decimals))
}

fn status(
    check: Option<TargetCheck>,
    decimals: u32,
) -> (Option<String>, &'static str, &'static str) {
    match check {
        None => (None, "", ""),
        Some(c) if c.met => (Some(c.target.to_fixed(decimals)), "达标", "met"),
        Some(c) => (Some(c.target.to_fixed(decimals)), "未达标", "missed"),
    }
}

fn cards(ytd: &Evaluation, targets: &YearTargets) -> Vec<Card> {
    let report = targets.check(ytd);
    let mean = |p| ytd.pollutant(p).and_then(|s| s.mean_published());
    let card = |label, value, unit, check: Option<TargetCheck>, decimals| {
        let (target, status, status_class) = status(check, decimals);
        Card {
            label,
            value,
            unit,
            target,
            status,
            status_class,
        }
    };
    vec![
        card(
            "PM2.5 平均浓度（年初至今）",
            fixed(mean(Pollutant::Pm25), 0),
            "μg/m³",
            report.pm25,
            0,
        ),
        card(
            "PM10 平均浓度（年初至今）",
            fixed(mean(Pollutant::Pm10), 0),
            "μg/m³",
            report.pm10,
            0,
        ),
        card(
            "优良天数比例",
            fixed(ytd.good_ratio_published(), 1),
            "%",
            report.good_ratio,
            1,
        ),
        card("综合指数", fixed(ytd.composite_index, 2), "", None, 2),
    ]
}

fn change_text(percent: Option<Exact>, trend: Trend) -> (String, &'static str) {
    let class = match trend {
        Trend::Up => "up",
        Trend::Down => "down",
        Trend::Flat => "flat",
    };
    let text = match (trend, percent) {
        (Trend::Flat, _) => "持平".to_string(),
        (t, Some(p)) => format!("{} {}%", t.zh(), p.to_fixed(1).trim_start_matches('-')),
        (t, None) => t.zh().to_string(),
    };
    (text, class)
}

fn verdict_rows(v: &rectify_air::stats::TwoDownOneUp) -> Vec<VerdictRow> {
    let concentration = |label, c: &rectify_air::stats::Change| {
        let (change, class) = change_text(c.percent, c.trend);
        VerdictRow {
            label,
            current: c.current.to_fixed(0),
            previous: c.previous.to_fixed(0),
            change,
            class,
        }
    };
    let (cur, prev, points) = v.good_ratio;
    let ratio_class = match points.cmp(&Exact::ZERO) {
        std::cmp::Ordering::Greater => "ratio-better",
        std::cmp::Ordering::Less => "ratio-worse",
        std::cmp::Ordering::Equal => "flat",
    };
    let sign = if points > Exact::ZERO { "+" } else { "" };
    vec![
        concentration("PM2.5（μg/m³）", &v.pm25),
        concentration("PM10（μg/m³）", &v.pm10),
        VerdictRow {
            label: "优良天数比例",
            current: format!("{}%", cur.to_fixed(1)),
            previous: format!("{}%", prev.to_fixed(1)),
            change: format!("{sign}{} 个百分点", points.to_fixed(1)),
            class: ratio_class,
        },
    ]
}

const CHART_W: i64 = 960;
const CHART_H: i64 = 260;
const LEFT: i64 = 44;
const TOP: i64 = 16;
const BOTTOM: i64 = 28;

fn monthly_bars(
    days: &[DayRecord],
    year: i32,
    options: EvaluationOptions,
    targets: &YearTargets,
) -> BarChart {
    let monthly: Vec<(Option<Exact>, Option<Exact>)> = (1..=12)
        .map(|month| {
            let from = Date {
                year,
                month,
                day: 1,
            };
            let to = Date {
                year,
                month,
                day: days_in_month(year, month),
            };
            let e = evaluate(days, from, to, options);
            let mean = |p| e.pollutant(p).and_then(|s| s.mean_published());
            (mean(Pollutant::Pm25), mean(Pollutant::Pm10))
        })
        .collect();
    let to_i = |v: Exact| v.to_fixed(0).parse::<i64>().unwrap_or(0);
    let highest = monthly
        .iter()
        .flat_map(|(a, b)| [*a, *b])
        .chain([targets.pm25, targets.pm10])
        .flatten()
        .map(to_i)
        .max()
        .unwrap_or(50);
    let top = ((highest / 20) + 1) * 20;
    let plot_h = CHART_H - TOP - BOTTOM;
    let y = |v: i64| TOP + plot_h - v * plot_h / top.max(1);
    let right = CHART_W - 8;
    let slot = (right - LEFT) / 12;
    let mut bars = Vec::new();
    let mut x_labels = Vec::new();
    for (i, (pm25, pm10)) in monthly.iter().enumerate() {
        let x0 = LEFT + i as i64 * slot + slot / 6;
        let w = slot / 3;
        for (k, (value, fill, name)) in [(pm25, "#4c6ef5", "PM2.5"), (pm10, "#a5b4fc", "PM10")]
            .into_iter()
            .enumerate()
        {
            if let Some(v) = value {
                let v = to_i(*v);
                bars.push(Bar {
                    x: x0 + k as i64 * w,
                    y: y(v),
                    w: w - 2,
                    h: (TOP + plot_h - y(v)).max(1),
                    fill,
                    title: format!("{}月 {name} {v} μg/m³", i + 1),
                });
            }
        }
        x_labels.push(Label {
            x: LEFT + i as i64 * slot + slot / 2,
            y: CHART_H - 8,
            text: format!("{}月", i + 1),
        });
    }
    let mut lines = Vec::new();
    for (target, colour, name) in [
        (targets.pm25, "#b42318", "PM2.5"),
        (targets.pm10, "#7c3aed", "PM10"),
    ] {
        if let Some(t) = target {
            let t = to_i(t);
            lines.push(HLine {
                y: y(t),
                colour,
                text: format!("{name} 目标 {t}"),
            });
        }
    }
    let y_ticks = (0..=4)
        .map(|k| top * k / 4)
        .map(|v| Label {
            x: LEFT,
            y: y(v),
            text: v.to_string(),
        })
        .collect();
    BarChart {
        width: CHART_W,
        height: CHART_H,
        left: LEFT,
        right,
        bars,
        lines,
        x_labels,
        y_ticks,
    }
}

fn calendar(days: &[DayRecord], year: i32) -> Vec<CalendarMonth> {
    (1..=12_u8)
        .map(|month| {
            let cells = (1..=31_u8)
                .map(|day| match Date::new(year, month, day) {
                    Some(date) => calendar_cell(date, days.iter().find(|d| d.date == date)),
                    None => CalendarCell {
                        style: "visibility:hidden".into(),
                        title: String::new(),
                    },
                })
                .collect();
            CalendarMonth {
                label: format!("{month}月"),
                cells,
            }
        })
        .collect()
}

/// One day: coloured by its level, or grey when it has no AQI or, under HJ 633-2026 §5.3.1, an
/// indicator is missing and the AQI would not be published.
fn calendar_cell(date: Date, record: Option<&DayRecord>) -> CalendarCell {
    let options = ReportOptions {
        standard: StandardChoice::Auto.for_date(date),
        kind: ReportKind::Daily,
        hourly_method: HourlyMethod::Text,
    };
    let grey = |title: String| CalendarCell {
        style: String::new(),
        title,
    };
    let Some(r) = record.map(|d| report(&d.values.concentrations(), options)) else {
        return grey(format!("{} 无有效数据", date.chinese()));
    };
    let (Some(aqi), Some(level)) = (r.aqi, r.level) else {
        return grey(format!("{} 无有效数据", date.chinese()));
    };
    if !r.publishable() {
        let missing: Vec<&str> = r.missing.iter().map(|p| p.name_zh()).collect();
        return grey(format!(
            "{} {}缺测，AQI 不发布（HJ 633-2026 §5.3.1）",
            date.chinese(),
            missing.join("、")
        ));
    }
    let primary: Vec<&str> = r.primary.iter().map(|p| p.name_zh()).collect();
    let primary = if primary.is_empty() {
        "无".to_string()
    } else {
        primary.join("、")
    };
    CalendarCell {
        style: format!("background:{}", level.hex),
        title: format!(
            "{} AQI {aqi}，{}（{}），首要污染物：{primary}",
            date.chinese(),
            level.level_zh,
            level.category
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rectify_air::daily::{DailyItem, DailyValue, DailyValues, Validity};

    fn day(date: Date, pm25: Option<i64>) -> DayRecord {
        let v = |x: i64| DailyValue {
            value: Some(Exact::int(x)),
            validity: Validity::Valid,
        };
        let mut items = [v(10); 7];
        items[DailyItem::Co.index()] = v(1);
        items[DailyItem::Pm25.index()] = pm25.map_or(DailyValue::NONE, v);
        DayRecord {
            date,
            values: DailyValues { items },
            dust: false,
        }
    }

    #[test]
    fn a_2026_day_with_a_missing_indicator_and_a_low_aqi_is_not_published() {
        let after = Date::new(2026, 5, 1).unwrap();
        let cell = calendar_cell(after, Some(&day(after, None)));
        assert!(cell.style.is_empty(), "{}", cell.style);
        assert!(cell.title.contains("不发布"), "{}", cell.title);
        // The same day under the 2012 rules publishes the AQI of the remaining indicators.
        let before = Date::new(2025, 5, 1).unwrap();
        let cell = calendar_cell(before, Some(&day(before, None)));
        assert!(cell.style.starts_with("background:"), "{}", cell.style);
        // A complete 2026 day is coloured.
        let cell = calendar_cell(after, Some(&day(after, Some(20))));
        assert!(cell.title.contains("一级（优）"), "{}", cell.title);
        assert!(calendar_cell(after, None).title.contains("无有效数据"));
    }
}
