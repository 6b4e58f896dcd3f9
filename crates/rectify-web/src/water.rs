//! The public 水环境 page: every section's class with its monthly history, the Ⅰ–Ⅲ and 劣Ⅴ
//! shares against the year's targets, river status, and drinking-source compliance.

use crate::AppState;
use crate::air::chinese_date;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use rectify_io::water::evaluate::{WaterOptions, evaluate};
use rectify_io::water::samples::{Sample, Section};
use rectify_io::water::stored::{sample_from_stored, section_from_stored};
use rectify_water::group::{Proportions, WaterTargets};
use rectify_water::indicator::Class;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct WaterQuery {
    year: Option<i32>,
    county: Option<String>,
    level: Option<String>,
}

pub struct Card {
    label: &'static str,
    value: String,
    unit: &'static str,
    detail: String,
    status: &'static str,
    status_class: &'static str,
}

pub struct MonthCell {
    colour: &'static str,
    text: &'static str,
    title: String,
}

pub struct SectionRow {
    name: String,
    river: String,
    level: String,
    county: String,
    target: String,
    class: String,
    colour: &'static str,
    status: String,
    missed: bool,
    pollutants: String,
    monthly: Vec<MonthCell>,
}

#[derive(Template)]
#[template(path = "water.html")]
pub struct WaterPage {
    city: &'static str,
    year: i32,
    years: Vec<i32>,
    span: String,
    county: String,
    counties: Vec<String>,
    level: String,
    levels: Vec<String>,
    cards: Vec<Card>,
    months: Vec<String>,
    rows: Vec<SectionRow>,
    legend: Vec<(&'static str, &'static str)>,
    rivers: Vec<(String, u64, &'static str, String, String)>,
    sources: Vec<(&'static str, String, String, String)>,
    source_failures: Vec<String>,
}

pub async fn water_page(
    State(state): State<AppState>,
    Query(query): Query<WaterQuery>,
) -> Response {
    crate::page_response(build(&state, query).await, "水环境")
}

async fn build(state: &AppState, query: WaterQuery) -> crate::PageResult {
    let Some((first, last)) = state.store.water_date_range().await? else {
        let empty = crate::EmptyPage {
            title: "水环境",
            what: "水质监测",
            command: "rectify water import 样品.csv --sections 断面.csv",
        };
        return Ok(empty.render()?);
    };
    let year = crate::year_shown(query.year, first.year, last.year);
    let from = Date {
        year,
        month: 1,
        day: 1,
    };
    let to = last.min(Date {
        year,
        month: 12,
        day: 31,
    });
    let sections: Vec<Section> = state
        .store
        .water_sections()
        .await?
        .iter()
        .map(section_from_stored)
        .collect::<Result<_, _>>()?;
    let samples: Vec<Sample> = state
        .store
        .water_samples(from, to)
        .await?
        .iter()
        .map(sample_from_stored)
        .collect::<Result<_, _>>()?;
    let targets = state.store.water_targets(year).await?;
    let years = (first.year..=last.year).rev().collect();
    let page = tokio::task::spawn_blocking(move || {
        page(&sections, &samples, year, years, (from, to), targets, query)
    })
    .await??;
    Ok(page.render()?)
}

fn class_colour(class: Option<Class>) -> &'static str {
    class.map_or("#ced4da", |c| c.status().colour())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn pct(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "—".into(), |p| format!("{p:.1}%"))
}

/// Builds the page from sections and samples; no I/O.
pub fn page(
    sections: &[Section],
    samples: &[Sample],
    year: i32,
    years: Vec<i32>,
    (from, to): (Date, Date),
    targets: WaterTargets,
    query: WaterQuery,
) -> Result<WaterPage, String> {
    let county = query.county.unwrap_or_default();
    let level = query.level.unwrap_or_default();
    let evaluation =
        evaluate(samples, sections, from, to, WaterOptions::default()).map_err(|p| {
            p.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("；")
        })?;
    let months: Vec<String> = (1..=12).map(|m| format!("{m}月")).collect();
    let all = evaluation["sections"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rows: Vec<SectionRow> = all
        .iter()
        .filter(|s| county.is_empty() || s["county"] == county.as_str())
        .filter(|s| level.is_empty() || s["level"] == level.as_str())
        .map(|s| section_row(s, year))
        .collect();
    let classes = all
        .iter()
        .filter_map(|s| s["class"].as_str().and_then(Class::parse));
    let proportions = Proportions::of(classes);
    let mut counties: Vec<String> = sections
        .iter()
        .map(|s| s.county.clone())
        .filter(|c| !c.is_empty())
        .collect();
    counties.sort();
    counties.dedup();
    let mut levels: Vec<String> = sections
        .iter()
        .map(|s| s.level.clone())
        .filter(|l| !l.is_empty())
        .collect();
    levels.sort();
    levels.dedup();
    Ok(WaterPage {
        city: "河安市",
        cards: cards(&proportions, &targets, &evaluation["drinking_sources"]),
        rivers: rivers(&evaluation["basins"])
            .into_iter()
            .chain(rivers(&evaluation["rivers"]))
            .collect(),
        sources: source_rates(&evaluation["drinking_sources"]),
        source_failures: evaluation["drinking_sources"]["non_compliant"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                format!(
                    "{} {}：{}",
                    text(&f["section"]),
                    text(&f["time"]),
                    f["reasons"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(text)
                        .collect::<Vec<_>>()
                        .join("、")
                )
            })
            .collect(),
        legend: Class::ALL
            .iter()
            .map(|c| (c.roman(), c.status().colour()))
            .collect(),
        span: format!("{}—{}，", chinese_date(from), chinese_date(to)),
        year,
        years,
        county,
        counties,
        level,
        levels,
        months,
        rows,
    })
}

fn cards(p: &Proportions, targets: &WaterTargets, sources: &Value) -> Vec<Card> {
    let (good_met, bad_met) = targets.check(p);
    let badge = |met: Option<bool>| match met {
        Some(true) => ("达标", "met"),
        Some(false) => ("未达标", "missed"),
        None => ("", ""),
    };
    let target_text = |t: Option<Exact>, word: &str| {
        t.map_or_else(
            || "未设目标".to_string(),
            |t| format!("目标 {word} {}%", t.to_fixed(1)),
        )
    };
    let fixed = |v: Option<Exact>| v.map_or_else(|| "—".into(), |v| v.to_fixed(1));
    let (good_status, good_class) = badge(good_met);
    let (bad_status, bad_class) = badge(bad_met);
    vec![
        Card {
            label: "达到或优于Ⅲ类比例",
            value: fixed(p.i_to_iii_percent()),
            unit: "%",
            detail: format!(
                "{}/{} 个断面；{}",
                p.i_to_iii,
                p.sections,
                target_text(targets.i_to_iii_min, "≥")
            ),
            status: good_status,
            status_class: good_class,
        },
        Card {
            label: "劣Ⅴ类比例",
            value: fixed(p.worse_than_v_percent()),
            unit: "%",
            detail: format!(
                "{}/{} 个断面；{}",
                p.worse_than_v,
                p.sections,
                target_text(targets.worse_than_v_max, "≤")
            ),
            status: bad_status,
            status_class: bad_class,
        },
        Card {
            label: "全市断面水质状况",
            value: p.status().map_or("—", |s| s.zh()).to_string(),
            unit: "",
            detail: "按断面比例评价".into(),
            status: "",
            status_class: "",
        },
        Card {
            label: "饮用水水源达标率",
            value: pct(&sources["by_count"]["percent"])
                .trim_end_matches('%')
                .to_string(),
            unit: "%",
            detail: format!("{} 个水源，按监测次数", text(&sources["sources"])),
            status: "",
            status_class: "",
        },
    ]
}

fn section_row(s: &Value, year: i32) -> SectionRow {
    let class = s["class"].as_str().and_then(Class::parse);
    let pollutants: Vec<String> = s["main_pollutants"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| match p["multiple"].as_str() {
            Some(m) => format!("{}({m})", text(&p["name"])),
            None => text(&p["name"]),
        })
        .collect();
    let monthly = (1..=12)
        .map(|m| {
            let key = format!("{year:04}-{m:02}");
            let found = s["monthly"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["month"] == key.as_str());
            let c = found
                .and_then(|x| x["class"].as_str())
                .and_then(Class::parse);
            MonthCell {
                colour: if found.is_some() {
                    class_colour(c)
                } else {
                    "transparent"
                },
                text: c.map_or("", |c| c.roman()),
                title: format!("{year}年{m}月 {}", c.map_or("无数据", |c| c.roman())),
            }
        })
        .collect();
    SectionRow {
        name: text(&s["name"]),
        river: text(&s["river"]),
        level: text(&s["level"]),
        county: text(&s["county"]),
        target: s["target_class"]
            .as_str()
            .and_then(Class::parse)
            .map_or(String::new(), |c| c.roman().to_string()),
        class: class.map_or("未评价".into(), |c| c.roman().to_string()),
        colour: class_colour(class),
        status: text(&s["status"]),
        missed: s["target_met"] == false,
        pollutants: pollutants.join("、"),
        monthly,
    }
}

fn rivers(v: &Value) -> Vec<(String, u64, &'static str, String, String)> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let detail = &r["detail"];
            let (method, note) = match detail["method"].as_str() {
                Some("averaged") => (
                    "均值法（<5个断面）",
                    format!("{}类", text(&detail["result"]["class"])),
                ),
                _ => (
                    "断面比例法",
                    format!(
                        "Ⅰ–Ⅲ类 {}，劣Ⅴ类 {}",
                        pct(&detail["proportions"]["i_to_iii_percent"]),
                        pct(&detail["proportions"]["worse_than_v_percent"])
                    ),
                ),
            };
            (
                text(&r["river"]),
                r["sections"].as_u64().unwrap_or(0),
                method,
                text(&r["status"]),
                note,
            )
        })
        .collect()
}

fn source_rates(v: &Value) -> Vec<(&'static str, String, String, String)> {
    let row = |label, r: &Value| {
        (
            label,
            text(&r["compliant"]),
            text(&r["total"]),
            pct(&r["percent"]),
        )
    };
    vec![
        row("按监测次数（水源达标率）", &v["by_count"]),
        row("按取水量（万吨）", &v["by_volume"]),
        row("全部监测均达标的水源", &v["all_samples"]),
    ]
}
