//! `rectify air evaluate`: HJ 663 statistics per site as JSON.

use super::daily::SiteDay;
use rectify_air::date::Date;
use rectify_air::exact::Exact;
use rectify_air::stats::{
    Change, DayRecord, Evaluation, EvaluationOptions, TwoDownOneUp, evaluate, two_down_one_up,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The days of each site, in site order of first appearance.
pub fn by_site(rows: &[SiteDay]) -> Vec<(String, Vec<DayRecord>)> {
    let mut order: Vec<String> = Vec::new();
    let mut map: BTreeMap<&str, Vec<DayRecord>> = BTreeMap::new();
    for r in rows {
        let days = map.entry(r.site.as_str()).or_insert_with(|| {
            order.push(r.site.clone());
            Vec::new()
        });
        days.push(DayRecord {
            date: r.date,
            values: r.values,
            dust: r.dust,
        });
    }
    order
        .into_iter()
        .map(|site| {
            let days = map.remove(site.as_str()).unwrap_or_default();
            (site, days)
        })
        .collect()
}

pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// Evaluates every site (or the named ones) over `period`, and against `compare` if given.
pub fn evaluate_sites(
    sites: &[(String, Vec<DayRecord>)],
    period: &Period,
    compare: Option<&Period>,
    options: EvaluationOptions,
) -> Value {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let results: Vec<Value> = super::daily::in_parallel(sites, threads, |(site, days)| {
        let current = evaluate(days, period.from, period.to, options);
        let mut v = evaluation_json(site, &current);
        if let Some(base) = compare {
            let previous = evaluate(days, base.from, base.to, options);
            v["comparison"] = json!({
                "base": evaluation_json(site, &previous),
                "two_down_one_up": two_down_one_up(&current, &previous).as_ref().map(verdict_json),
            });
        }
        v
    });
    json!({
        "from": period.from.to_string(),
        "to": period.to.to_string(),
        "deduct_dust": options.deduct_dust,
        "sites": results,
    })
}

/// A published-precision value as a JSON number.
fn num(v: Option<Exact>, decimals: u32) -> Value {
    let Some(text) = v.map(|v| v.to_fixed(decimals)) else {
        return Value::Null;
    };
    match decimals {
        0 => text.parse::<i64>().map_or(Value::Null, Value::from),
        _ => text.parse::<f64>().map_or(Value::Null, Value::from),
    }
}

pub fn evaluation_json(site: &str, e: &Evaluation) -> Value {
    let pollutants: serde_json::Map<String, Value> = e
        .pollutants
        .iter()
        .map(|s| {
            let d = s.pollutant.decimals();
            let v = json!({
                "valid_days": s.valid_days,
                "mean": num(s.mean, d),
                "percentile": { "p": s.percentile.0, "value": num(s.percentile.1, d) },
                "attains": s.attains,
                "incomplete": s.incomplete,
            });
            (s.pollutant.name().to_string(), v)
        })
        .collect();
    let levels: serde_json::Map<String, Value> = rectify_air::aqi::Level::all()
        .iter()
        .zip(e.level_days)
        .map(|(l, n)| (l.category.to_string(), Value::from(n)))
        .collect();
    json!({
        "site": site,
        "from": e.from.to_string(),
        "to": e.to.to_string(),
        "standard": e.standard.to_string(),
        "mixed_versions": e.mixed_versions,
        "calendar_days": e.calendar_days,
        "aqi_days": e.aqi_days,
        "good_days": e.good_days,
        "good_ratio": num(e.good_ratio.map(|r| r.mul_int(100)), 1),
        "exceed_days": e.exceed_days,
        "heavy_days": e.heavy_days,
        "dust_days": e.dust_days,
        "level_days": levels,
        "composite_index": num(e.composite_index, 2),
        "attains": e.attains,
        "pollutants": pollutants,
    })
}

fn change_json(c: &Change, decimals: u32) -> Value {
    json!({
        "current": num(Some(c.current), decimals),
        "previous": num(Some(c.previous), decimals),
        "percent": num(c.percent, 1),
        "trend": c.trend.zh(),
    })
}

pub fn verdict_json(v: &TwoDownOneUp) -> Value {
    let (cur, prev, points) = v.good_ratio;
    json!({
        "achieved": v.achieved,
        "pm25": change_json(&v.pm25, 0),
        "pm10": change_json(&v.pm10, 0),
        "good_ratio": {
            "current": num(Some(cur), 1),
            "previous": num(Some(prev), 1),
            "points": num(Some(points), 1),
        },
        "versions_differ": v.versions_differ,
    })
}
