//! The bulletin's environmental-target section, from the stored monitoring data: the city's air
//! quality year to date against the year's targets and the same span last year (两降一增), and
//! the surface-water sections against the year's shares. The caller reads the store (the span
//! first, then the data within it); here the paragraphs are built from what it read.

use crate::air::city::{CityDays, CityYear, city_year};
use crate::water::evaluate::{WaterOptions, evaluate};
use crate::water::stored::{sample_from_stored, section_from_stored};
use rectify_air::aqi::Pollutant;
use rectify_air::date::Date;
use rectify_air::exact::Exact;
use rectify_air::stats::{Change, Trend};
use rectify_air::targets::{TargetCheck, YearTargets};
use rectify_core::monitoring::{StoredSample, StoredSection};
use rectify_water::group::WaterTargets;

/// One published figure against its year's target, as every page prints it: the value ("35",
/// "—" without data) and, when a target is set and a value exists, the target and whether it
/// is met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Against {
    pub value: String,
    pub target: Option<(String, bool)>,
}

/// The value printed for a figure without valid data.
pub const NO_VALUE: &str = "—";

impl Against {
    fn text(&self, unit: &str, ceiling: bool) -> String {
        match &self.target {
            // No valid data: whether a target is set, the figure cannot be held against it.
            None if self.value == NO_VALUE => "（无有效监测数据）".into(),
            None => "（未设年度目标）".into(),
            Some((target, met)) => format!(
                "（年度目标{}{target}{unit}，{}）",
                if ceiling { "≤" } else { "≥" },
                if *met { "达标" } else { "未达标" }
            ),
        }
    }
}

fn checked(value: String, check: Option<TargetCheck>, decimals: u32) -> Against {
    Against {
        value,
        target: check.map(|c| (c.target.to_fixed(decimals), c.met)),
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

/// The city's air year to date: the evaluation and its figures against the year's targets.
pub struct AirYear {
    pub city: CityYear,
    /// PM2.5 and PM10 means (微克/立方米) and the share of good days (%), as published.
    pub pm25: Against,
    pub pm10: Against,
    pub good_ratio: Against,
}

/// The city's air from 1 January to `data_to` against the year's targets and the same span last
/// year, from the station-days of [`span`]`(…, 1)` folded into `days`: the stations of `home`
/// (the city the org tree is of), or, when none carries that name, of the first city by name;
/// `None` when no station has a city.
pub fn air_year(
    days: CityDays,
    home: Option<&str>,
    targets: &YearTargets,
    data_to: Date,
) -> Option<AirYear> {
    let city = city_year(days, home, data_to.year, data_to).ok()?;
    let report = targets.check(&city.ytd);
    let mean = |p| {
        city.ytd
            .pollutant(p)
            .and_then(|s| s.mean_published())
            .map_or(NO_VALUE.to_string(), |m: Exact| m.to_fixed(0))
    };
    let good = city
        .ytd
        .good_ratio_published()
        .map_or(NO_VALUE.to_string(), |r| r.to_fixed(1));
    Some(AirYear {
        pm25: checked(mean(Pollutant::Pm25), report.pm25, 0),
        pm10: checked(mean(Pollutant::Pm10), report.pm10, 0),
        good_ratio: checked(good, report.good_ratio, 1),
        city,
    })
}

impl AirYear {
    /// The bulletin's air paragraph.
    pub fn paragraph(&self) -> String {
        let city = &self.city;
        let mut text = format!(
            "空气质量：{}{}至{}，PM2.5平均浓度{}微克/立方米{}，PM10平均浓度{}微克/立方米{}，优良天数比例{}%{}。",
            city.city,
            city.start.chinese(),
            city.end.chinese(),
            self.pm25.value,
            self.pm25.text("微克/立方米", true),
            self.pm10.value,
            self.pm10.text("微克/立方米", true),
            self.good_ratio.value,
            self.good_ratio.text("%", false),
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
        text
    }
}

/// Surface water over a span: the sections evaluated and the shares against the year's
/// targets.
pub struct WaterYear {
    pub from: Date,
    pub to: Date,
    pub sections: u32,
    /// Sections whose period class meets their own target class (as the water page marks
    /// them), and sections with a target.
    pub meeting_target: (u32, u32),
    /// The share of sections at Ⅲ or better (优良比例, %), and worse than Ⅴ (%).
    pub good: Against,
    pub worse_than_v: Against,
    /// Drinking-water samples (compliant, all).
    pub drinking: (u32, u32),
}

/// Surface water over `from`–`to` (a [`span`]`(…, 0)`) against the year's targets; `None` when
/// a stored section or sample does not convert or the evaluation fails, which leaves water out.
pub fn water_year(
    sections: &[StoredSection],
    samples: &[StoredSample],
    targets: &WaterTargets,
    from: Date,
    to: Date,
) -> Option<WaterYear> {
    let sections: Result<Vec<_>, String> = sections.iter().map(section_from_stored).collect();
    let samples: Result<Vec<_>, String> = samples.iter().map(sample_from_stored).collect();
    let (Ok(sections), Ok(samples)) = (sections, samples) else {
        return None;
    };
    let evaluation = evaluate(&samples, &sections, from, to, WaterOptions::default()).ok()?;
    let p = &evaluation.all;
    let (good_met, bad_met) = targets.check(p);
    let percent = |v: Option<Exact>| v.map_or(NO_VALUE.to_string(), |v| v.to_fixed(1));
    let against = |value: Option<Exact>, target: Option<Exact>, met: Option<bool>| Against {
        value: percent(value),
        target: target.zip(met).map(|(t, met)| (t.to_fixed(1), met)),
    };
    let count = |wanted: fn(bool) -> bool| {
        let n = evaluation
            .sections
            .iter()
            .filter(|s| s.target_met.is_some_and(wanted))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    Some(WaterYear {
        from,
        to,
        sections: p.sections,
        meeting_target: (count(|met| met), count(|_| true)),
        good: against(p.i_to_iii_percent(), targets.i_to_iii_min, good_met),
        worse_than_v: against(p.worse_than_v_percent(), targets.worse_than_v_max, bad_met),
        drinking: evaluation.drinking.rates.by_count,
    })
}

impl WaterYear {
    /// The bulletin's surface-water paragraph.
    pub fn paragraph(&self) -> String {
        let target = |a: &Against, word: &str| match &a.target {
            Some((t, met)) => format!(
                "（目标{word}{t}%，{}）",
                if *met { "达标" } else { "未达标" }
            ),
            None => "（未设年度目标）".to_string(),
        };
        let (ok, all) = self.drinking;
        let drinking = if all == 0 {
            String::new()
        } else {
            format!("；集中式饮用水水源地监测{all}次，达标{ok}次")
        };
        format!(
            "地表水：{}至{}，参评断面{}个，达到或优于Ⅲ类断面比例{}%{}，劣Ⅴ类断面比例{}%{}{drinking}。",
            self.from.chinese(),
            self.to.chinese(),
            self.sections,
            self.good.value,
            target(&self.good, "≥"),
            self.worse_than_v.value,
            target(&self.worse_than_v, "≤"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_without_valid_data_says_so_rather_than_that_no_target_is_set() {
        let missing = Against {
            value: NO_VALUE.into(),
            target: None,
        };
        assert_eq!(missing.text("微克/立方米", true), "（无有效监测数据）");
        let untargeted = Against {
            value: "35".into(),
            target: None,
        };
        assert_eq!(untargeted.text("微克/立方米", true), "（未设年度目标）");
        let met = Against {
            value: "35".into(),
            target: Some(("42".into(), true)),
        };
        assert_eq!(
            met.text("微克/立方米", true),
            "（年度目标≤42微克/立方米，达标）"
        );
    }
}
