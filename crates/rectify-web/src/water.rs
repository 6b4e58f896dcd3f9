//! The public 水环境 page: every section's class with its monthly history, the Ⅰ–Ⅲ and 劣Ⅴ
//! shares against the year's targets, river status, and drinking-source compliance.

use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use rectify_io::water::evaluate::{
    RiverSummary, SectionSummary, SourceSummary, WaterOptions, evaluate,
};
use rectify_io::water::samples::{Sample, Section};
use rectify_io::water::stored::{sample_from_stored, section_from_stored};
use rectify_water::drinking::{SourceRates, percent};
use rectify_water::group::{Proportions, RiverVerdict, WaterTargets};
use rectify_water::indicator::Class;
use rectify_water::section::format_multiple;
use serde::Deserialize;

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
    /// The signed-in user's menu, or none for a visitor (who gets the portal's).
    viewer: Option<crate::auth::Me>,
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
    headers: axum::http::HeaderMap,
    Query(query): Query<WaterQuery>,
) -> Response {
    crate::page_response(build(&state, &headers, query).await)
}

async fn build(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    query: WaterQuery,
) -> crate::BuiltPage {
    let Some((first, last)) = state.store.water_date_range().await? else {
        let empty = crate::EmptyPage {
            title: "水环境",
            what: "水质监测",
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
    let viewer = crate::auth::session(state, headers).await?.map(|s| s.me());
    Ok(WaterPage { viewer, ..page }.render()?)
}

fn class_colour(class: Option<Class>) -> &'static str {
    class.map_or("#ced4da", Class::colour)
}

fn pct(v: Option<Exact>) -> String {
    v.map_or_else(|| "—".into(), |p| format!("{}%", p.to_fixed(1)))
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
    let in_filter = |s: &&SectionSummary<'_>| {
        let attribute = |f: fn(&Section) -> &str| s.section.map_or("", f);
        (county.is_empty() || attribute(|x| &x.county) == county)
            && (level.is_empty() || attribute(|x| &x.level) == level)
    };
    let rows: Vec<SectionRow> = evaluation
        .sections
        .iter()
        .filter(in_filter)
        .map(|s| section_row(s, year))
        .collect();
    let distinct = |f: fn(&Section) -> &String| {
        let mut v: Vec<String> = sections
            .iter()
            .map(f)
            .filter(|x| !x.is_empty())
            .cloned()
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let drinking = &evaluation.drinking;
    Ok(WaterPage {
        viewer: None,
        city: "河安市",
        cards: cards(&evaluation.all, &targets, drinking),
        rivers: evaluation
            .basins
            .iter()
            .chain(&evaluation.rivers)
            .map(river_row)
            .collect(),
        sources: source_rates(&drinking.rates),
        source_failures: drinking
            .failures
            .iter()
            .map(|(section, time, reasons)| format!("{section} {time}：{}", reasons.join("、")))
            .collect(),
        legend: Class::ALL.iter().map(|c| (c.roman(), c.colour())).collect(),
        span: format!("{}—{}，", from.chinese(), to.chinese()),
        counties: distinct(|s| &s.county),
        levels: distinct(|s| &s.level),
        months: (1..=12).map(|m| format!("{m}月")).collect(),
        year,
        years,
        county,
        level,
        rows,
    })
}

fn cards(p: &Proportions, targets: &WaterTargets, drinking: &SourceSummary) -> Vec<Card> {
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
    let (ok, all) = drinking.rates.by_count;
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
            value: fixed(percent(Exact::int(ok.into()), Exact::int(all.into()))),
            unit: "%",
            detail: format!("{} 个水源，按监测次数", drinking.sources),
            status: "",
            status_class: "",
        },
    ]
}

fn section_row(s: &SectionSummary<'_>, year: i32) -> SectionRow {
    let class = s.result.class;
    let pollutants: Vec<String> = s
        .result
        .main_pollutants
        .iter()
        .map(|p| match p.multiple {
            Some(m) => format!("{}({})", p.indicator.name_zh(), format_multiple(m, 3)),
            None => p.indicator.name_zh().to_string(),
        })
        .collect();
    let monthly = (1..=12)
        .map(|m| {
            let key = format!("{year:04}-{m:02}");
            let found = s.monthly.iter().find(|(month, _)| *month == key);
            let c = found.and_then(|(_, c)| *c);
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
    let attribute =
        |f: fn(&Section) -> &String| s.section.map_or_else(String::new, |x| f(x).clone());
    SectionRow {
        name: s.name().to_string(),
        river: attribute(|x| &x.river),
        level: attribute(|x| &x.level),
        county: attribute(|x| &x.county),
        target: s.target().map_or(String::new(), |c| c.roman().to_string()),
        class: class.map_or("未评价".into(), |c| c.roman().to_string()),
        colour: class_colour(class),
        status: s
            .result
            .status()
            .map_or(String::new(), |st| st.zh().to_string()),
        missed: s.target_met == Some(false),
        pollutants: pollutants.join("、"),
        monthly,
    }
}

fn river_row(r: &RiverSummary) -> (String, u64, &'static str, String, String) {
    let (method, note) = match &r.verdict {
        RiverVerdict::Averaged(result) => (
            "均值法（<5个断面）",
            format!("{}类", result.class.map_or("未评价", |c| c.roman())),
        ),
        RiverVerdict::Proportional { proportions, .. } => (
            "断面比例法",
            format!(
                "Ⅰ–Ⅲ类 {}，劣Ⅴ类 {}",
                pct(proportions.i_to_iii_percent()),
                pct(proportions.worse_than_v_percent())
            ),
        ),
    };
    let status = r
        .verdict
        .status()
        .map_or(String::new(), |s| s.zh().to_string());
    (r.name.clone(), r.sections as u64, method, status, note)
}

fn source_rates(rates: &SourceRates) -> Vec<(&'static str, String, String, String)> {
    let count = |(ok, all): (u32, u32)| {
        (
            ok.to_string(),
            all.to_string(),
            pct(percent(Exact::int(ok.into()), Exact::int(all.into()))),
        )
    };
    let volume = (
        rates.by_volume.0.to_fixed(2),
        rates.by_volume.1.to_fixed(2),
        pct(percent(rates.by_volume.0, rates.by_volume.1)),
    );
    [
        ("按监测次数（水源达标率）", count(rates.by_count)),
        ("按取水量（万吨）", volume),
        ("全部监测均达标的水源", count(rates.all_samples)),
    ]
    .into_iter()
    .map(|(label, (a, b, c))| (label, a, b, c))
    .collect()
}
