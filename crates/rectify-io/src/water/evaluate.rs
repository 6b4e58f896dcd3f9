//! `rectify water classify` and `rectify water evaluate`.

use super::samples::{Item, Sample, Section};
use crate::RowProblem;
use crate::csv_cell::csv_cell;
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use rectify_water::drinking::{SourceRates, SourceSample, judge_source, percent, source_rates};
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
            csv_cell(&sample.section).as_ref(),
            csv_cell(&sample.time).as_ref(),
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

/// One section over the period.
pub struct SectionSummary<'a> {
    pub code: &'a str,
    pub section: Option<&'a Section>,
    pub body: WaterBody,
    pub samples: Vec<&'a Sample>,
    pub means: Vec<(Indicator, Exact)>,
    /// The class of the period means.
    pub result: SectionResult,
    /// Met when the period class is at least the target class.
    pub target_met: Option<bool>,
    /// Multiples against the target class, when it is missed.
    pub target_multiples: Vec<(Indicator, Exact)>,
    /// ("YYYY-MM", class of that month's means)
    pub monthly: Vec<(String, Option<Class>)>,
    /// Lakes with chla, TP, TN, SD and CODMn: TLI(Σ) and its grade.
    pub trophic: Option<(f64, Trophic)>,
}

impl SectionSummary<'_> {
    pub fn name(&self) -> &str {
        self.section.map_or(self.code, |s| s.name.as_str())
    }

    pub fn target(&self) -> Option<Class> {
        self.section.and_then(|s| s.target)
    }
}

/// A river or basin and its verdict.
pub struct RiverSummary {
    pub name: String,
    pub sections: usize,
    pub verdict: RiverVerdict,
}

/// Drinking-water sources over the period.
pub struct SourceSummary {
    pub sources: usize,
    pub rates: SourceRates,
    /// (section, time, reasons) of every non-compliant sample.
    pub failures: Vec<(String, String, Vec<String>)>,
}

/// Everything `rectify water evaluate` and the 水环境 page report for a period.
pub struct WaterEvaluation<'a> {
    pub from: Date,
    pub to: Date,
    pub sections: Vec<SectionSummary<'a>>,
    pub all: Proportions,
    pub by_level: BTreeMap<String, Proportions>,
    pub rivers: Vec<RiverSummary>,
    pub basins: Vec<RiverSummary>,
    pub drinking: SourceSummary,
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

fn trophic(means: &[(Indicator, Exact)]) -> Option<(f64, Trophic)> {
    let get = |i: Indicator| {
        means
            .iter()
            .find(|(m, _)| *m == i)
            .map(|(_, v)| v.to_f64_lossy())
    };
    let inputs = TrophicInputs {
        chla: get(Indicator::Chla)?,
        tp: get(Indicator::Tp)?,
        tn: get(Indicator::Tn)?,
        sd: get(Indicator::Sd)?,
        codmn: get(Indicator::CodMn)?,
    };
    tli(&inputs).map(|t| (t, Trophic::of(t)))
}

/// Evaluates the samples dated `from..=to`.
pub fn evaluate<'a>(
    samples: &'a [Sample],
    sections: &'a [Section],
    from: Date,
    to: Date,
    options: WaterOptions,
) -> Result<WaterEvaluation<'a>, Vec<RowProblem>> {
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
    let summaries: Vec<SectionSummary<'_>> = grouped
        .into_iter()
        .filter_map(|(code, samples)| {
            let body = body_of(samples[0], &by_code).ok()?;
            Some(summarise(
                code,
                by_code.get(code).copied(),
                body,
                samples,
                options,
            ))
        })
        .collect();
    let all = Proportions::of(summaries.iter().filter_map(|p| p.result.class));
    Ok(WaterEvaluation {
        from,
        to,
        all,
        by_level: by_level(&summaries),
        rivers: rivers(&summaries, options, |s| s.river.as_str()),
        basins: rivers(&summaries, options, |s| s.basin.as_str()),
        drinking: drinking(&summaries),
        sections: summaries,
    })
}

fn summarise<'a>(
    code: &'a str,
    section: Option<&'a Section>,
    body: WaterBody,
    samples: Vec<&'a Sample>,
    options: WaterOptions,
) -> SectionSummary<'a> {
    let means = period_means(&samples, options.period);
    let result = evaluate_section(&means, body, Class::III, options.section);
    let target = section.and_then(|s| s.target);
    let target_met = target.zip(result.class).map(|(t, c)| c <= t);
    let target_multiples = match (target, target_met) {
        (Some(t), Some(false)) => means
            .iter()
            .filter_map(|(i, value)| Some((*i, i.multiple(*value, t, body)?)))
            .collect(),
        _ => Vec::new(),
    };
    let mut months: BTreeMap<String, Vec<&Sample>> = BTreeMap::new();
    for s in &samples {
        months
            .entry(format!("{:04}-{:02}", s.date.year, s.date.month))
            .or_default()
            .push(s);
    }
    let monthly = months
        .into_iter()
        .map(|(month, in_month)| {
            let r = evaluate_section(
                &period_means(&in_month, options.period),
                body,
                Class::III,
                options.section,
            );
            (month, r.class)
        })
        .collect();
    SectionSummary {
        trophic: if body == WaterBody::Lake {
            trophic(&means)
        } else {
            None
        },
        code,
        section,
        body,
        samples,
        means,
        result,
        target_met,
        target_multiples,
        monthly,
    }
}

fn by_level(summaries: &[SectionSummary<'_>]) -> BTreeMap<String, Proportions> {
    let mut levels: BTreeMap<String, Vec<Class>> = BTreeMap::new();
    for p in summaries {
        if let (Some(s), Some(c)) = (p.section, p.result.class)
            && !s.level.is_empty()
        {
            levels.entry(s.level.clone()).or_default().push(c);
        }
    }
    levels
        .into_iter()
        .map(|(level, classes)| (level, Proportions::of(classes)))
        .collect()
}

/// Rivers (or basins, with `of = |s| &s.basin`): the 2011 method per group of sections.
fn rivers(
    summaries: &[SectionSummary<'_>],
    options: WaterOptions,
    of: fn(&Section) -> &str,
) -> Vec<RiverSummary> {
    let mut groups: BTreeMap<(&str, bool), Vec<&SectionSummary<'_>>> = BTreeMap::new();
    for p in summaries {
        if let Some(name) = p.section.map(of).filter(|n| !n.is_empty()) {
            groups
                .entry((name, p.body == WaterBody::Lake))
                .or_default()
                .push(p);
        }
    }
    groups
        .into_iter()
        .filter_map(|((name, lake), members)| {
            let body = if lake {
                WaterBody::Lake
            } else {
                WaterBody::River
            };
            let inputs: Vec<(Vec<(Indicator, Exact)>, SectionResult)> = members
                .iter()
                .map(|p| (p.means.clone(), p.result.clone()))
                .collect();
            Some(RiverSummary {
                name: name.to_string(),
                sections: members.len(),
                verdict: river_verdict(&inputs, body, options.section)?,
            })
        })
        .collect()
}

fn drinking(summaries: &[SectionSummary<'_>]) -> SourceSummary {
    let sources: Vec<&SectionSummary<'_>> = summaries
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
                failures.push((p.code.to_string(), s.time.clone(), reasons));
            }
            samples.push((verdict.compliant, s.withdrawal));
        }
        per_source.push(samples);
    }
    SourceSummary {
        sources: sources.len(),
        rates: source_rates(&per_source),
        failures,
    }
}

fn num(v: Option<Exact>, decimals: u32) -> Value {
    v.and_then(|v| v.to_fixed(decimals).parse::<f64>().ok())
        .map_or(Value::Null, Value::from)
}

fn class_json(c: Option<Class>) -> Value {
    json!(c.map(|c| c.to_string()))
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
        "class": class_json(result.class),
        "status": result.status().map(|s| s.zh()),
        "main_pollutants": result.main_pollutants.iter().map(|p| json!({
            "indicator": p.indicator.code(),
            "name": p.indicator.name_zh(),
            "class": p.class.to_string(),
            "multiple": p.multiple.map(|m| format_multiple(m, 3)),
        })).collect::<Vec<_>>(),
        "references": result.references().map(|r| (r.indicator.code().to_string(), class_json(r.class))).collect::<serde_json::Map<_, _>>(),
    })
}

impl WaterEvaluation<'_> {
    pub fn to_json(&self) -> Value {
        json!({
            "from": self.from.to_string(),
            "to": self.to.to_string(),
            "sections": self.sections.iter().map(section_json).collect::<Vec<_>>(),
            "proportions": {
                "all": proportions_json(&self.all),
                "by_level": self.by_level.iter().map(|(l, p)| (l.clone(), proportions_json(p))).collect::<serde_json::Map<_, _>>(),
            },
            "rivers": self.rivers.iter().map(river_json).collect::<Vec<_>>(),
            "basins": self.basins.iter().map(river_json).collect::<Vec<_>>(),
            "drinking_sources": drinking_json(&self.drinking),
        })
    }
}

fn section_json(p: &SectionSummary<'_>) -> Value {
    let mut v = result_json(&p.result);
    let fields = [
        ("section", json!(p.code)),
        ("name", json!(p.name())),
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
        ("target_class", class_json(p.target())),
        ("target_met", json!(p.target_met)),
        (
            "target_multiples",
            json!(
                p.target_multiples
                    .iter()
                    .map(|(i, m)| json!({"name": i.name_zh(), "multiple": format_multiple(*m, 3)}))
                    .collect::<Vec<_>>()
            ),
        ),
        (
            "monthly",
            json!(
                p.monthly
                    .iter()
                    .map(|(month, c)| json!({"month": month, "class": class_json(*c)}))
                    .collect::<Vec<_>>()
            ),
        ),
        (
            "trophic",
            p.trophic.map_or(
                Value::Null,
                |(t, grade)| json!({"tli": (t * 100.0).round() / 100.0, "grade": grade.zh()}),
            ),
        ),
    ];
    for (k, value) in fields {
        v[k] = value;
    }
    v
}

fn river_json(r: &RiverSummary) -> Value {
    let detail = match &r.verdict {
        RiverVerdict::Averaged(result) => {
            json!({"method": "averaged", "result": result_json(result)})
        }
        RiverVerdict::Proportional {
            proportions,
            main_pollutants,
            ..
        } => json!({
            "method": "proportional",
            "proportions": proportions_json(proportions),
            "main_pollutants": main_pollutants.iter().map(|(i, rate)| json!({"name": i.name_zh(), "exceed_rate": num(Some(*rate), 1)})).collect::<Vec<_>>(),
        }),
    };
    json!({"river": r.name, "sections": r.sections, "status": r.verdict.status().map(|s| s.zh()), "detail": detail})
}

fn drinking_json(d: &SourceSummary) -> Value {
    let rate = |(ok, all): (u32, u32)| json!({"compliant": ok, "total": all, "percent": num(percent(Exact::int(ok.into()), Exact::int(all.into())), 1)});
    json!({
        "sources": d.sources,
        "by_count": rate(d.rates.by_count),
        "by_volume": {
            "compliant": num(Some(d.rates.by_volume.0), 2),
            "total": num(Some(d.rates.by_volume.1), 2),
            "percent": num(percent(d.rates.by_volume.0, d.rates.by_volume.1), 1),
        },
        "all_samples": rate(d.rates.all_samples),
        "non_compliant": d.failures.iter().map(|(section, time, reasons)| json!({"section": section, "time": time, "reasons": reasons})).collect::<Vec<_>>(),
    })
}
