//! `rectify water classify` and `rectify water evaluate`.

use super::samples::{Item, Sample, Section};
use crate::RowProblem;
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use rectify_water::drinking::{SourceSample, judge_source, percent, source_rates};
use rectify_water::group::{Proportions, RiverVerdict, river_verdict};
use rectify_water::indicator::{Class, Indicator, WaterBody};
use rectify_water::period::{PeriodOptions, Reading, period_value};
use rectify_water::section::{SectionOptions, SectionResult, evaluate_section, format_multiple};
use rectify_water::tli::{Trophic, TrophicInputs, tli};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

#[derive(Debug, Clone, Copy, Default)]
pub struct WaterOptions {
    pub section: SectionOptions,
    pub period: PeriodOptions,
}

/// The water body of a sample: its own column, else the sections table.
fn body_of(sample: &Sample, sections: &HashMap<&str, &Section>) -> Result<WaterBody, RowProblem> {
    sample
        .water_body
        .or_else(|| sections.get(sample.section.as_str()).map(|s| s.water_body))
        .ok_or_else(|| RowProblem {
            line: Some(sample.line),
            column: Some("water_body".into()),
            message: format!(
                "断面 {} 没有水体类型（river 或 lake）：湖库与河流的总磷限值不同，无法评价",
                sample.section
            ),
        })
}

fn basic_values(readings: &[(Item, Reading)]) -> Vec<(Indicator, Exact)> {
    readings
        .iter()
        .filter_map(|(item, r)| match item {
            Item::Basic(i) => Some((*i, r.statistical_value())),
            Item::Specific(..) => None,
        })
        .collect()
}

fn section_map(sections: &[Section]) -> HashMap<&str, &Section> {
    sections.iter().map(|s| (s.code.as_str(), s)).collect()
}

/// `name:multiple` (2 decimals) joined by `;`; pH and DO without a multiple.
fn pollutants_cell(result: &SectionResult) -> String {
    result
        .main_pollutants
        .iter()
        .map(|p| match p.multiple {
            Some(m) => format!("{}:{}", p.indicator.name_zh(), m.to_fixed(2)),
            None => p.indicator.name_zh().to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// `code=class` joined by `;`; reference items marked `(ref)`; unclassed items left out.
fn per_indicator_cell(result: &SectionResult) -> String {
    result
        .indicators
        .iter()
        .filter_map(|i| {
            let class = i.class?;
            let mark = if i.indicator.reference_only() {
                "(ref)"
            } else {
                ""
            };
            Some(format!("{}={class}{mark}", i.indicator.code()))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Writes `section,time,class,status,main_pollutants,per_indicator`, one row per sample, as the
/// samples arrive; samples of a long file are held until the end and merged first.
pub struct ClassWriter<'a, W: Write> {
    out: csv::Writer<W>,
    sections: HashMap<&'a str, &'a Section>,
    options: WaterOptions,
    held: Vec<Sample>,
    pub rows: u64,
    pub problems: Vec<RowProblem>,
}

impl<'a, W: Write> ClassWriter<'a, W> {
    pub fn new(out: W, sections: &'a [Section], options: WaterOptions) -> std::io::Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record([
            "section",
            "time",
            "class",
            "status",
            "main_pollutants",
            "per_indicator",
        ])?;
        Ok(ClassWriter {
            out,
            sections: section_map(sections),
            options,
            held: Vec::new(),
            rows: 0,
            problems: Vec::new(),
        })
    }

    pub fn push(&mut self, sample: Sample, long: bool) -> std::io::Result<()> {
        if long {
            self.held.push(sample);
            return Ok(());
        }
        self.write(&sample)
    }

    fn write(&mut self, sample: &Sample) -> std::io::Result<()> {
        let body = match body_of(sample, &self.sections) {
            Ok(body) => body,
            Err(p) => {
                self.problems.push(p);
                return Ok(());
            }
        };
        let result = evaluate_section(
            &basic_values(&sample.readings),
            body,
            Class::III,
            self.options.section,
        );
        self.out.write_record([
            sample.section.as_str(),
            sample.time.as_str(),
            result.class.map_or("", Class::code),
            result.status().map_or("", |s| s.zh()),
            &pollutants_cell(&result),
            &per_indicator_cell(&result),
        ])?;
        self.rows += 1;
        Ok(())
    }

    /// Writes the held samples and flushes.
    pub fn finish(mut self) -> std::io::Result<(u64, Vec<RowProblem>)> {
        for sample in super::samples::merge_long_rows(std::mem::take(&mut self.held)) {
            self.write(&sample)?;
        }
        self.out.flush()?;
        Ok((self.rows, self.problems))
    }
}

/// A section's samples in the period, evaluated on the period means.
struct SectionPeriod<'a> {
    code: &'a str,
    section: Option<&'a Section>,
    body: WaterBody,
    samples: Vec<&'a Sample>,
    means: Vec<(Indicator, Exact)>,
    result: SectionResult,
}

fn period_means(samples: &[&Sample], options: PeriodOptions) -> Vec<(Indicator, Exact)> {
    let mut readings: BTreeMap<Indicator, Vec<Reading>> = BTreeMap::new();
    for s in samples {
        for (item, r) in &s.readings {
            if let Item::Basic(i) = item {
                readings.entry(*i).or_default().push(*r);
            }
        }
    }
    readings
        .into_iter()
        .filter_map(|(i, rs)| Some((i, period_value(i, &rs, options)?)))
        .collect()
}

fn num(v: Option<Exact>, decimals: u32) -> Value {
    v.and_then(|v| v.to_fixed(decimals).parse::<f64>().ok())
        .map_or(Value::Null, Value::from)
}

fn proportions_json(p: &Proportions) -> Value {
    json!({
        "sections": p.sections,
        "i_to_iii": p.i_to_iii,
        "i_to_iii_percent": num(p.i_to_iii_percent(), 1),
        "worse_than_v": p.worse_than_v,
        "worse_than_v_percent": num(p.worse_than_v_percent(), 1),
        "status": p.status().map(|s| s.zh()),
    })
}

fn result_json(result: &SectionResult) -> Value {
    json!({
        "class": result.class.map(|c| c.to_string()),
        "status": result.status().map(|s| s.zh()),
        "main_pollutants": result.main_pollutants.iter().map(|p| json!({
            "indicator": p.indicator.code(),
            "name": p.indicator.name_zh(),
            "class": p.class.to_string(),
            "multiple": p.multiple.map(|m| format_multiple(m, 3)),
        })).collect::<Vec<_>>(),
        "references": result.references().map(|r| (r.indicator.code().to_string(), json!(r.class.map(|c| c.to_string())))).collect::<serde_json::Map<_, _>>(),
    })
}

fn trophic_json(means: &[(Indicator, Exact)]) -> Value {
    let get = |i: Indicator| {
        means
            .iter()
            .find(|(m, _)| *m == i)
            .map(|(_, v)| v.to_f64_lossy())
    };
    let inputs = (|| {
        Some(TrophicInputs {
            chla: get(Indicator::Chla)?,
            tp: get(Indicator::Tp)?,
            tn: get(Indicator::Tn)?,
            sd: get(Indicator::Sd)?,
            codmn: get(Indicator::CodMn)?,
        })
    })();
    match inputs.as_ref().and_then(tli) {
        Some(t) => json!({"tli": (t * 100.0).round() / 100.0, "grade": Trophic::of(t).zh()}),
        None => Value::Null,
    }
}

/// The period evaluation as JSON: sections, proportions, rivers, drinking sources.
pub fn evaluate(
    samples: &[Sample],
    sections: &[Section],
    from: Date,
    to: Date,
    options: WaterOptions,
) -> Result<Value, Vec<RowProblem>> {
    let by_code = section_map(sections);
    let mut grouped: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    let mut problems = Vec::new();
    for s in samples.iter().filter(|s| s.date >= from && s.date <= to) {
        if let Err(p) = body_of(s, &by_code) {
            problems.push(p);
        }
        grouped.entry(s.section.as_str()).or_default().push(s);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let periods: Vec<SectionPeriod<'_>> = grouped
        .into_iter()
        .filter_map(|(code, samples)| {
            let body = body_of(samples[0], &by_code).ok()?;
            let means = period_means(&samples, options.period);
            let result = evaluate_section(&means, body, Class::III, options.section);
            Some(SectionPeriod {
                code,
                section: by_code.get(code).copied(),
                body,
                samples,
                means,
                result,
            })
        })
        .collect();
    Ok(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "sections": periods.iter().map(|p| section_json(p, options)).collect::<Vec<_>>(),
        "proportions": proportions_by_level(&periods),
        "rivers": rivers_json(&periods, options, |s| s.river.as_str()),
        "basins": rivers_json(&periods, options, |s| s.basin.as_str()),
        "drinking_sources": drinking_json(&periods),
    }))
}

fn section_json(p: &SectionPeriod<'_>, options: WaterOptions) -> Value {
    let mut v = result_json(&p.result);
    let target = p.section.and_then(|s| s.target);
    let target_met = target.zip(p.result.class).map(|(t, c)| c <= t);
    let target_multiples: Vec<Value> = match (target, target_met) {
        (Some(t), Some(false)) => p
            .means
            .iter()
            .filter_map(|(i, value)| Some(json!({"name": i.name_zh(), "multiple": format_multiple(i.multiple(*value, t, p.body)?, 3)})))
            .collect(),
        _ => Vec::new(),
    };
    let mut months: BTreeMap<String, Vec<&Sample>> = BTreeMap::new();
    for s in &p.samples {
        months
            .entry(format!("{:04}-{:02}", s.date.year, s.date.month))
            .or_default()
            .push(s);
    }
    let monthly: Vec<Value> = months
        .iter()
        .map(|(month, samples)| {
            let r = evaluate_section(
                &period_means(samples, options.period),
                p.body,
                Class::III,
                options.section,
            );
            json!({"month": month, "class": r.class.map(|c| c.to_string())})
        })
        .collect();
    let fields = [
        ("section", json!(p.code)),
        ("name", json!(p.section.map_or(p.code, |s| s.name.as_str()))),
        (
            "water_body",
            json!(if p.body == WaterBody::Lake {
                "lake"
            } else {
                "river"
            }),
        ),
        ("level", json!(p.section.map(|s| s.level.as_str()))),
        ("county", json!(p.section.map(|s| s.county.as_str()))),
        ("river", json!(p.section.map(|s| s.river.as_str()))),
        ("samples", json!(p.samples.len())),
        ("target_class", json!(target.map(|t| t.to_string()))),
        ("target_met", json!(target_met)),
        ("target_multiples", json!(target_multiples)),
        ("monthly", json!(monthly)),
        (
            "trophic",
            if p.body == WaterBody::Lake {
                trophic_json(&p.means)
            } else {
                Value::Null
            },
        ),
    ];
    for (k, value) in fields {
        v[k] = value;
    }
    v
}

fn proportions_by_level(periods: &[SectionPeriod<'_>]) -> Value {
    let all = Proportions::of(periods.iter().filter_map(|p| p.result.class));
    let mut levels: BTreeMap<&str, Vec<Class>> = BTreeMap::new();
    for p in periods {
        if let (Some(s), Some(c)) = (p.section, p.result.class)
            && !s.level.is_empty()
        {
            levels.entry(s.level.as_str()).or_default().push(c);
        }
    }
    let by_level: serde_json::Map<String, Value> = levels
        .into_iter()
        .map(|(level, classes)| {
            (
                level.to_string(),
                proportions_json(&Proportions::of(classes)),
            )
        })
        .collect();
    json!({"all": proportions_json(&all), "by_level": by_level})
}

/// Rivers (or basins, with `of = |s| &s.basin`): the 2011 method per group of sections.
fn rivers_json(
    periods: &[SectionPeriod<'_>],
    options: WaterOptions,
    of: fn(&Section) -> &str,
) -> Vec<Value> {
    let mut rivers: BTreeMap<(&str, bool), Vec<&SectionPeriod<'_>>> = BTreeMap::new();
    for p in periods {
        if let Some(name) = p.section.map(of).filter(|n| !n.is_empty()) {
            rivers
                .entry((name, p.body == WaterBody::Lake))
                .or_default()
                .push(p);
        }
    }
    rivers
        .into_iter()
        .filter_map(|((river, lake), members)| {
            let body = if lake { WaterBody::Lake } else { WaterBody::River };
            let inputs: Vec<(Vec<(Indicator, Exact)>, SectionResult)> =
                members.iter().map(|p| (p.means.clone(), p.result.clone())).collect();
            let verdict = river_verdict(&inputs, body, options.section)?;
            let detail = match &verdict {
                RiverVerdict::Averaged(r) => json!({"method": "averaged", "result": result_json(r)}),
                RiverVerdict::Proportional { proportions, main_pollutants, .. } => json!({
                    "method": "proportional",
                    "proportions": proportions_json(proportions),
                    "main_pollutants": main_pollutants.iter().map(|(i, rate)| json!({"name": i.name_zh(), "exceed_rate": num(Some(*rate), 1)})).collect::<Vec<_>>(),
                }),
            };
            Some(json!({"river": river, "sections": members.len(), "status": verdict.status().map(|s| s.zh()), "detail": detail}))
        })
        .collect()
}

fn drinking_json(periods: &[SectionPeriod<'_>]) -> Value {
    let sources: Vec<&SectionPeriod<'_>> = periods
        .iter()
        .filter(|p| p.section.is_some_and(|s| s.drinking_source))
        .collect();
    let mut per_source = Vec::new();
    let mut failures = Vec::new();
    for p in &sources {
        let mut samples = Vec::new();
        for s in &p.samples {
            let specific = s
                .readings
                .iter()
                .filter_map(|(item, r)| match item {
                    Item::Specific(item) => {
                        Some((item.name(), item.limit(), r.statistical_value()))
                    }
                    Item::Basic(_) => None,
                })
                .collect();
            let verdict = judge_source(
                &SourceSample {
                    basic: basic_values(&s.readings),
                    specific,
                },
                p.body,
            );
            if !verdict.compliant {
                let reasons: Vec<String> = verdict
                    .failures
                    .iter()
                    .map(|(n, m)| format!("{n}({})", format_multiple(*m, 2)))
                    .chain(
                        verdict
                            .basic_class
                            .filter(|c| !c.meets_iii())
                            .map(|c| format!("基本项目{}类", c.roman())),
                    )
                    .collect();
                failures.push(json!({"section": p.code, "time": s.time, "reasons": reasons}));
            }
            samples.push((verdict.compliant, s.withdrawal));
        }
        per_source.push(samples);
    }
    let rates = source_rates(&per_source);
    let rate = |ok: u32, all: u32| json!({"compliant": ok, "total": all, "percent": num(percent(Exact::int(ok.into()), Exact::int(all.into())), 1)});
    json!({
        "sources": sources.len(),
        "by_count": rate(rates.by_count.0, rates.by_count.1),
        "by_volume": {
            "compliant": num(Some(rates.by_volume.0), 2),
            "total": num(Some(rates.by_volume.1), 2),
            "percent": num(percent(rates.by_volume.0, rates.by_volume.1), 1),
        },
        "all_samples": rate(rates.all_samples.0, rates.all_samples.1),
        "non_compliant": failures,
    })
}
