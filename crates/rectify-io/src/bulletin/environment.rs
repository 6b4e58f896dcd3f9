//! The bulletin's environmental-target section, from the stored monitoring data: the city's air
//! quality year to date against the year's targets and the same span last year (两降一增), and
//! the surface-water sections against the year's shares.

use crate::air::city::city_year;
use rectify_air::aqi::Pollutant;
use rectify_air::date::Date;
use rectify_air::exact::Exact;
use rectify_air::stats::{Change, Trend};
use rectify_air::targets::TargetCheck;
use rectify_store::{Store, StoreError};

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

/// The paragraphs for a bulletin stated as of `through` (air, then surface water, each from
/// 1 January of its year to `through` or the last data before it); empty without data.
pub async fn environment(store: &Store, through: Date) -> Result<Vec<String>, StoreError> {
    let mut paragraphs: Vec<String> = air(store, through).await?.into_iter().collect();
    paragraphs.extend(water(store, through).await?);
    Ok(paragraphs)
}

async fn air(store: &Store, through: Date) -> Result<Option<String>, StoreError> {
    let Some((first, last)) = store.air_date_range().await? else {
        return Ok(None);
    };
    let year = through.year;
    let data_to = last.min(through);
    if data_to.year != year || first > data_to {
        return Ok(None);
    }
    let from = Date {
        year: year - 1,
        month: 1,
        day: 1,
    };
    let stored = store.air_station_days(from, data_to).await?;
    let targets = store.air_targets(year).await?;
    // No station with a city: nothing to say about the city's air.
    let Ok(city) = city_year(stored, None, year, data_to) else {
        return Ok(None);
    };
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
    Ok(Some(text))
}

/// Surface water from 1 January to `through` (or the last sample): the share of sections at Ⅲ
/// or better and worse than Ⅴ against the year's targets, and drinking-water compliance.
async fn water(store: &Store, through: Date) -> Result<Option<String>, StoreError> {
    use crate::water::evaluate::{WaterOptions, evaluate};
    use crate::water::stored::{sample_from_stored, section_from_stored};
    let Some((first, last)) = store.water_date_range().await? else {
        return Ok(None);
    };
    let to = last.min(through);
    let from = Date {
        year: through.year,
        month: 1,
        day: 1,
    };
    if to.year != through.year || first > to {
        return Ok(None);
    }
    let sections: Result<Vec<_>, String> = store
        .water_sections()
        .await?
        .iter()
        .map(section_from_stored)
        .collect();
    let samples: Result<Vec<_>, String> = store
        .water_samples(from, to)
        .await?
        .iter()
        .map(sample_from_stored)
        .collect();
    let (Ok(sections), Ok(samples)) = (sections, samples) else {
        return Ok(None);
    };
    let Ok(evaluation) = evaluate(&samples, &sections, from, to, WaterOptions::default()) else {
        return Ok(None);
    };
    let targets = store.water_targets(through.year).await?;
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
    Ok(Some(format!(
        "地表水：{}至{}，参评断面{}个，达到或优于Ⅲ类断面比例{}%{}，劣Ⅴ类断面比例{}%{}{drinking}。",
        from.chinese(),
        to.chinese(),
        p.sections,
        percent(p.i_to_iii_percent()),
        target(targets.i_to_iii_min, "≥", good_met),
        percent(p.worse_than_v_percent()),
        target(targets.worse_than_v_max, "≤", bad_met),
    )))
}
