//! The bulletin's environmental-target section, from the stored monitoring data: the city's air
//! quality year to date against the year's targets and the same span last year (两降一增), and
//! the surface-water sections against the year's shares. The caller reads the store (the span
//! first, then the data within it); here the paragraphs are built from what it read.

use crate::air::city::city_year;
use crate::water::evaluate::{WaterOptions, evaluate};
use crate::water::stored::{sample_from_stored, section_from_stored};
use rectify_air::aqi::Pollutant;
use rectify_air::date::Date;
use rectify_air::exact::Exact;
use rectify_air::stats::{Change, Trend};
use rectify_air::targets::{TargetCheck, YearTargets};
use rectify_core::monitoring::{StoredSample, StoredSection, StoredStationDay};
use rectify_water::group::WaterTargets;

fn against(check: Option<TargetCheck>, decimals: u32, unit: &str, ceiling: bool) -> String {
    match check {
        None => "（未设年度目标）".into(),
        Some(c) => format!(
            "（年度目标{}{}{unit}，{}）",
            if ceiling { "≤" } else { "≥" },
            c.target.to_fixed(decimals),
            if c.met { "达标" } else { "未达标" }
        ),
    }
}

fn change(c: &Change) -> String {
    match (c.trend, c.percent) {
        (Trend::Flat, _) => "持平".into(),
        (trend, Some(p)) => format!("{}{}%", trend.zh(), p.to_fixed(1).trim_start_matches('-')),
        (trend, None) => trend.zh().to_string(),
    }
}

/// The span a bulletin as of `through` speaks about, given the first and last day with data:
/// from 1 January `years_before` years before `through`'s year (air reaches back a year for the
/// same span last year) to the last data on or before `through`; `None` without data in
/// `through`'s year.
pub fn span(data: Option<(Date, Date)>, through: Date, years_before: i32) -> Option<(Date, Date)> {
    let (first, last) = data?;
    let to = last.min(through);
    if to.year != through.year || first > to {
        return None;
    }
    let from = Date {
        year: through.year - years_before,
        month: 1,
        day: 1,
    };
    Some((from, to))
}

/// The city's air from 1 January to `data_to` against the year's targets and the same span last
/// year, from the station-days of [`span`]`(…, 1)`; `None` when no station has a city.
pub fn air(stored: Vec<StoredStationDay>, targets: &YearTargets, data_to: Date) -> Option<String> {
    let city = city_year(stored, None, data_to.year, data_to).ok()?;
    let report = targets.check(&city.ytd);
    let mean = |p| {
        city.ytd
            .pollutant(p)
            .and_then(|s| s.mean_published())
            .map_or("—".to_string(), |m: Exact| m.to_fixed(0))
    };
    let good = city
        .ytd
        .good_ratio_published()
        .map_or("—".to_string(), |r| r.to_fixed(1));
    let mut text = format!(
        "空气质量：{}{}至{}，PM2.5平均浓度{}微克/立方米{}，PM10平均浓度{}微克/立方米{}，优良天数比例{}%{}。",
        city.city,
        city.start.chinese(),
        city.end.chinese(),
        mean(Pollutant::Pm25),
        against(report.pm25, 0, "微克/立方米", true),
        mean(Pollutant::Pm10),
        against(report.pm10, 0, "微克/立方米", true),
        good,
        against(report.good_ratio, 1, "%", false),
    );
    if let Some(v) = &city.verdict {
        let (_, _, points) = v.good_ratio;
        let ratio = if points == Exact::ZERO {
            "持平".to_string()
        } else {
            let way = if points.is_negative() {
                "下降"
            } else {
                "上升"
            };
            format!(
                "{way}{}个百分点",
                points.to_fixed(1).trim_start_matches('-')
            )
        };
        text.push_str(&format!(
            "与上年同期相比，PM2.5{}，PM10{}，优良天数比例{ratio}，“两降一增”{}。",
            change(&v.pm25),
            change(&v.pm10),
            if v.achieved { "已实现" } else { "未实现" }
        ));
        if v.versions_differ {
            text.push_str("（两年适用的空气质量指数标准版本不同，优良天数比例不完全可比。）");
        }
    }
    Some(text)
}

/// Surface water over `from`–`to` (a [`span`]`(…, 0)`): the share of sections at Ⅲ or better
/// and worse than Ⅴ against the year's targets, and drinking-water compliance; `None` when a
/// stored section or sample does not convert or the evaluation fails, which leaves water out.
pub fn water(
    sections: &[StoredSection],
    samples: &[StoredSample],
    targets: &WaterTargets,
    from: Date,
    to: Date,
) -> Option<String> {
    let sections: Result<Vec<_>, String> = sections.iter().map(section_from_stored).collect();
    let samples: Result<Vec<_>, String> = samples.iter().map(sample_from_stored).collect();
    let (Ok(sections), Ok(samples)) = (sections, samples) else {
        return None;
    };
    let evaluation = evaluate(&samples, &sections, from, to, WaterOptions::default()).ok()?;
    let p = &evaluation.all;
    let (good_met, bad_met) = targets.check(p);
    let percent = |v: Option<Exact>| v.map_or("—".to_string(), |v| v.to_fixed(1));
    let target = |t: Option<Exact>, word: &str, met: Option<bool>| match (t, met) {
        (Some(t), Some(met)) => format!(
            "（目标{word}{}%，{}）",
            t.to_fixed(1),
            if met { "达标" } else { "未达标" }
        ),
        _ => "（未设年度目标）".to_string(),
    };
    let (ok, all) = evaluation.drinking.rates.by_count;
    let drinking = if all == 0 {
        String::new()
    } else {
        format!("；集中式饮用水水源地监测{all}次，达标{ok}次")
    };
    Some(format!(
        "地表水：{}至{}，参评断面{}个，达到或优于Ⅲ类断面比例{}%{}，劣Ⅴ类断面比例{}%{}{drinking}。",
        from.chinese(),
        to.chinese(),
        p.sections,
        percent(p.i_to_iii_percent()),
        target(targets.i_to_iii_min, "≥", good_met),
        percent(p.worse_than_v_percent()),
        target(targets.worse_than_v_max, "≤", bad_met),
    ))
}
