//! `rectify water classify` and `rectify water evaluate`.

use super::readings::Readings;
use super::samples::{Item, Sample, Section};
use crate::RowProblem;
use crate::air::daily::in_parallel;
use crate::csv_cell::csv_cell;
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use rectify_water::drinking::{SourceRates, SourceSample, judge_source, percent, source_rates};
use rectify_water::group::{Proportions, RiverVerdict, river_verdict};
use rectify_water::indicator::{Class, Indicator, WaterBody};
use rectify_water::period::{PeriodOptions, Reading, period_value, period_value_to_compare};
use rectify_water::section::{
    MainPollutant, SectionOptions, SectionResult, evaluate_section, format_multiple, rank_classed,
    section_class, worst_class,
};
use rectify_water::tli::{Trophic, TrophicInputs, tli};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::LazyLock;

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

fn basic_values(readings: &Readings) -> Vec<(Indicator, Exact)> {
    readings
        .iter()
        .filter_map(|(item, r)| match item {
            Item::Basic(i) => Some((i, r.statistical_value())),
            Item::Specific(..) => None,
        })
        .collect()
}

fn section_map(sections: &[Section]) -> HashMap<&str, &Section> {
    sections.iter().map(|s| (s.code.as_str(), s)).collect()
}

/// `name:multiple` (2 decimals) joined by `;`; pH and DO without a multiple. Written into `out`
/// (cleared first), a buffer reused across rows.
fn pollutants_cell(pollutants: &[MainPollutant], out: &mut String) {
    out.clear();
    for (n, p) in pollutants.iter().enumerate() {
        if n > 0 {
            out.push(';');
        }
        out.push_str(p.indicator.name_zh());
        if let Some(m) = p.multiple {
            out.push(':');
            // Writing to a String cannot fail.
            let _ = m.write_fixed(2, out);
        }
    }
}

/// Each item's part of the per-indicator cell, `code=class` or `code=class(ref)`, by indicator
/// and class: one copy per item instead of three.
static ITEM_CLASS_TEXT: LazyLock<Vec<[String; 6]>> = LazyLock::new(|| {
    Indicator::all()
        .map(|i| {
            let reference = if i.reference_only() { "(ref)" } else { "" };
            Class::ALL.map(|c| format!("{}={}{reference}", i.code(), c.code()))
        })
        .collect()
});

/// `code=class` joined by `;`; reference items marked `(ref)`; unclassed items left out.
/// Written into `out` (cleared first), a buffer reused across rows.
fn per_indicator_cell(classes: &[(Indicator, Option<Class>)], out: &mut String) {
    out.clear();
    for &(indicator, class) in classes {
        let Some(class) = class else { continue };
        if !out.is_empty() {
            out.push(';');
        }
        out.push_str(&ITEM_CLASS_TEXT[indicator as usize][class as usize - 1]);
    }
}

/// Appends a CSV row as the csv crate writes it, when no field needs quotes; else false and
/// nothing is written. Only the fields from the file (`section`, `time`, the first `read`) are
/// checked: the others are built from names and codes without a comma, quote or line end.
fn plain_row(out: &mut Vec<u8>, fields: &[&str], read: usize) -> bool {
    let quoted = |f: &&str| f.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    if fields.iter().take(read).any(quoted) {
        return false;
    }
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(field.as_bytes());
    }
    out.push(b'\n');
    true
}

/// Appends a row through the csv crate, quoting as needed.
fn quoted_row(out: &mut Vec<u8>, fields: &[&str]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(fields)?;
    writer.flush()?;
    Ok(())
}

/// Classifies samples for `rectify water classify`; shared by the reading workers.
pub struct Classifier<'a> {
    sections: HashMap<&'a str, &'a Section>,
    options: WaterOptions,
}

/// What a worker made of one block of samples: its rows already written as CSV, the samples of
/// a long file held until the end (its rows are merged first), and the samples that cannot be
/// classified. Rows are written on the workers, so only a block's bytes cross to the writer.
#[derive(Default)]
pub struct ClassBlock {
    rows: Option<Vec<u8>>,
    written: u64,
    held: Vec<Sample>,
    problems: Vec<RowProblem>,
    /// The items' classes, the section evaluated and the two built cells, reused from row to
    /// row.
    classes: Vec<(Indicator, Option<Class>)>,
    result: SectionResult,
    pollutants: String,
    per_indicator: String,
    failed: Option<std::io::Error>,
}

/// Bytes of a block's rows, about: a block reads about 1 MiB of samples, and a sample's row
/// takes about 1.3 times its line.
const ROWS_CAPACITY: usize = 3 << 19;

const CLASS_HEADER: [&str; 6] = [
    "section",
    "time",
    "class",
    "status",
    "main_pollutants",
    "per_indicator",
];

impl<'a> Classifier<'a> {
    pub fn new(sections: &'a [Section], options: WaterOptions) -> Self {
        Classifier {
            sections: section_map(sections),
            options,
        }
    }

    /// Adds one sample to a worker's block. `long`: the sample is one row of a long file, held
    /// for merging.
    pub fn add(&self, block: &mut ClassBlock, sample: &mut Sample, long: bool) {
        if long {
            return block.held.push(sample.take());
        }
        let body = match body_of(sample, &self.sections) {
            Ok(body) => body,
            Err(p) => return block.problems.push(p),
        };
        // Items are classed on their own; their values are taken and the main pollutants
        // ranked only when the section is worse than Ⅲ (the only case with main pollutants).
        // The lists are reused from sample to sample.
        let classes = &mut block.classes;
        classes.clear();
        classes.extend(sample.readings.basic_item_classes(body));
        let class = worst_class(classes.iter().copied());
        let result = &mut block.result;
        result.indicators.clear();
        result.main_pollutants.clear();
        if class.is_some_and(|c| c > Class::III) {
            result
                .indicators
                .extend(sample.readings.basic_classes(body));
            rank_classed(result, body, Class::III, self.options.section);
        }
        pollutants_cell(&result.main_pollutants, &mut block.pollutants);
        per_indicator_cell(classes, &mut block.per_indicator);
        let (section, time) = (csv_cell(&sample.section), csv_cell(&sample.time));
        let fields = [
            section.as_ref(),
            time.as_ref(),
            class.map_or("", Class::code),
            class.map_or("", |c| c.status().zh()),
            &block.pollutants,
            &block.per_indicator,
        ];
        // Sized for a block's rows, so that they are not copied as it grows.
        let rows = block
            .rows
            .get_or_insert_with(|| Vec::with_capacity(ROWS_CAPACITY));
        if plain_row(rows, &fields, 2) {
            block.written += 1;
            return;
        }
        match quoted_row(rows, &fields) {
            Ok(()) => block.written += 1,
            Err(e) => {
                block.failed.get_or_insert(e.into());
            }
        }
    }
}

/// Writes `section,time,class,status,main_pollutants,per_indicator`, one row per sample, a
/// block at a time as the blocks arrive; samples of a long file are held until the end and
/// merged first.
pub struct ClassWriter<W: Write> {
    out: W,
    held: Vec<Sample>,
    pub rows: u64,
    pub problems: Vec<RowProblem>,
}

impl<W: Write> ClassWriter<W> {
    pub fn new(mut out: W) -> std::io::Result<Self> {
        let mut header = csv::Writer::from_writer(Vec::new());
        header.write_record(CLASS_HEADER)?;
        out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
        Ok(ClassWriter {
            out,
            held: Vec::new(),
            rows: 0,
            problems: Vec::new(),
        })
    }

    pub fn push(&mut self, block: ClassBlock) -> std::io::Result<()> {
        if let Some(e) = block.failed {
            return Err(e);
        }
        if let Some(rows) = block.rows {
            self.out.write_all(&rows)?;
        }
        self.rows += block.written;
        self.held.extend(block.held);
        self.problems.extend(block.problems);
        Ok(())
    }

    /// Writes the held samples and flushes.
    pub fn finish(
        mut self,
        classifier: &Classifier<'_>,
    ) -> std::io::Result<(u64, Vec<RowProblem>)> {
        let mut block = ClassBlock::default();
        for mut sample in super::samples::merge_long_rows(std::mem::take(&mut self.held)) {
            classifier.add(&mut block, &mut sample, false);
        }
        self.push(block)?;
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

/// The readings of one period per indicator (indexed by `Indicator as usize`), in sample order.
/// One is reused for every period of a section, so grouping allocates nothing per month.
#[derive(Default)]
struct PeriodReadings(Vec<Vec<Reading>>);

impl PeriodReadings {
    fn fill(&mut self, samples: &[&Sample]) {
        self.0.resize_with(Indicator::all().count(), Vec::new);
        self.0.iter_mut().for_each(Vec::clear);
        for s in samples {
            for (item, r) in s.readings.iter() {
                if let Item::Basic(i) = item {
                    self.0[i as usize].push(r);
                }
            }
        }
    }
}

/// Each indicator's period value, in indicator order.
fn period_means(
    samples: &[&Sample],
    options: PeriodOptions,
    readings: &mut PeriodReadings,
) -> Vec<(Indicator, Exact)> {
    readings.fill(samples);
    Indicator::all()
        .filter_map(|i| Some((i, period_value(i, &readings.0[i as usize], options)?)))
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
    let mut grouped: HashMap<&str, Vec<&Sample>> = HashMap::new();
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
    // Sections in code order, each with its samples in file order.
    let mut grouped: Vec<(&str, Vec<&Sample>)> = grouped.into_iter().collect();
    grouped.sort_unstable_by(|a, b| a.0.cmp(b.0));
    // Sections are summarised independently: one worker per core.
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let summaries: Vec<SectionSummary<'_>> = in_parallel(&grouped, threads, |(code, samples)| {
        let body = body_of(samples[0], &by_code).ok()?;
        Some(summarise(
            code,
            by_code.get(code).copied(),
            body,
            samples.clone(),
            options,
        ))
    })
    .into_iter()
    .flatten()
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
    let mut readings = PeriodReadings::default();
    let means = period_means(&samples, options.period, &mut readings);
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
    // Months in order (a stable sort keeps each month's samples in file order).
    let mut by_month = samples.clone();
    by_month.sort_by_key(|s| (s.date.year, s.date.month));
    // Only each month's class is shown: its means are compared, never reduced or listed, and
    // one buffer holds every month's.
    let mut month_means = Vec::with_capacity(Indicator::all().count());
    let monthly = by_month
        .chunk_by(|a, b| (a.date.year, a.date.month) == (b.date.year, b.date.month))
        .map(|in_month| {
            let date = in_month[0].date;
            let month = format!("{:04}-{:02}", date.year, date.month);
            if let [one] = in_month
                && options.period.is_plain_mean()
                && one.readings.basic_items_distinct()
            {
                // A month of one sample whose items are each read once: each mean is the
                // reading itself, classed as it stands (as classify classes it).
                return (month, worst_class(one.readings.basic_item_classes(body)));
            }
            readings.fill(in_month);
            month_means.clear();
            month_means.extend(Indicator::all().filter_map(|i| {
                let value = period_value_to_compare(i, &readings.0[i as usize], options.period)?;
                Some((i, value))
            }));
            (month, section_class(&month_means, body))
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
    /// The JSON of `rectify water evaluate`. Sections and their monthly classes, the bulk of a
    /// large network's output, are written straight from the evaluation; the rest is built as
    /// values. Serialised, it equals the whole built as one `Value`.
    pub fn to_json(&self) -> impl Serialize + '_ {
        ObjectWith {
            fields: self.json_fields(),
            key: "sections",
            entry: Sections(&self.sections),
        }
    }

    /// [`WaterEvaluation::to_json`] as `serde_json::to_string_pretty` writes it, with the
    /// sections, the bulk of it, written by one worker per core.
    pub fn to_json_pretty(&self) -> serde_json::Result<String> {
        let mut out = b"{".to_vec();
        for (n, (key, value)) in self.json_fields().iter().enumerate() {
            out.extend_from_slice(if n == 0 { b"\n  " } else { b",\n  " });
            serde_json::to_writer(&mut out, key)?;
            out.extend_from_slice(b": ");
            match key.as_str() {
                "sections" => self.sections_pretty(&mut out)?,
                _ => write_nested(&mut out, value, 1)?,
            }
        }
        out.extend_from_slice(if out.len() > 1 { b"\n}" } else { b"}" });
        String::from_utf8(out).map_err(serde::ser::Error::custom)
    }

    /// The sections array at the top level's depth, its elements written in parallel.
    fn sections_pretty(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        if self.sections.is_empty() {
            out.extend_from_slice(b"[]");
            return Ok(());
        }
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let size = self.sections.len().div_ceil(threads);
        let chunks: Vec<(usize, &[SectionSummary<'_>])> = self
            .sections
            .chunks(size)
            .enumerate()
            .map(|(n, chunk)| (n * size, chunk))
            .collect();
        let parts = in_parallel(&chunks, threads, |&(start, chunk)| {
            let mut part = Vec::new();
            for (n, p) in chunk.iter().enumerate() {
                part.extend_from_slice(if start + n == 0 {
                    b"\n    "
                } else {
                    b",\n    "
                });
                write_nested(&mut part, &section_entry(p), 2)?;
            }
            Ok(part)
        });
        out.push(b'[');
        for part in parts {
            out.extend_from_slice(&part?);
        }
        out.extend_from_slice(b"\n  ]");
        Ok(())
    }

    /// The top-level fields, with a placeholder for the sections (written straight).
    fn json_fields(&self) -> serde_json::Map<String, Value> {
        let mut fields = serde_json::Map::new();
        let mut put = |key: &str, value: Value| fields.insert(key.to_string(), value);
        put("from", json!(self.from.to_string()));
        put("to", json!(self.to.to_string()));
        put("sections", Value::Null);
        put(
            "proportions",
            json!({
                "all": proportions_json(&self.all),
                "by_level": self.by_level.iter().map(|(l, p)| (l.clone(), proportions_json(p))).collect::<serde_json::Map<_, _>>(),
            }),
        );
        put(
            "rivers",
            json!(self.rivers.iter().map(river_json).collect::<Vec<_>>()),
        );
        put(
            "basins",
            json!(self.basins.iter().map(river_json).collect::<Vec<_>>()),
        );
        put("drinking_sources", drinking_json(&self.drinking));
        fields
    }
}

/// Writes a value as the pretty printer writes it nested `depth` levels deep.
fn write_nested(out: &mut Vec<u8>, value: &impl Serialize, depth: usize) -> serde_json::Result<()> {
    use serde_json::ser::Formatter;
    let mut formatter = serde_json::ser::PrettyFormatter::new();
    // Opening `depth` arrays (into nothing) is how the formatter gets that deep.
    for _ in 0..depth {
        formatter
            .begin_array(&mut std::io::sink())
            .map_err(serde_json::Error::io)?;
    }
    value.serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
}

/// A JSON object with one bulky entry written straight from the data instead of built as a
/// `Value` first; `fields` holds a placeholder under `key`, so the entry lands where the
/// object's own key order puts it.
struct ObjectWith<E> {
    fields: serde_json::Map<String, Value>,
    key: &'static str,
    entry: E,
}

impl<E: Serialize> Serialize for ObjectWith<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (key, value) in &self.fields {
            if key == self.key {
                map.serialize_entry(key, &self.entry)?;
            } else {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

struct Sections<'s, 'a>(&'s [SectionSummary<'a>]);

impl Serialize for Sections<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(section_entry))
    }
}

/// One element of the sections array.
fn section_entry<'p>(p: &'p SectionSummary<'_>) -> ObjectWith<Monthly<'p>> {
    let mut fields = match section_json(p) {
        Value::Object(fields) => fields,
        _ => serde_json::Map::new(),
    };
    fields.insert("monthly".into(), Value::Null);
    ObjectWith {
        fields,
        key: "monthly",
        entry: Monthly(&p.monthly),
    }
}

/// `[{"class": …, "month": …}, …]`, keys in the order a JSON object keeps them.
struct Monthly<'m>(&'m [(String, Option<Class>)]);

impl Serialize for Monthly<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Month<'m>(&'m str, Option<Class>);
        impl Serialize for Month<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("class", &self.1.map(Class::code))?;
                map.serialize_entry("month", self.0)?;
                map.end()
            }
        }
        serializer.collect_seq(self.0.iter().map(|(month, class)| Month(month, *class)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::water::samples::{read_samples_from, read_sections_from};
    use crate::water::synthetic::{bench_sections, write_samples_csv, write_sections_csv};

    /// Samples at the class boundaries: limits exactly, a unit beyond either way, detection
    /// limits whose half is a limit, values beyond 64 bits or 18 decimals (held as fractions), an
    /// item read twice (`petroleum` and `oil`), missing cells, months of one and of two
    /// samples, and sections that need quotes or a formula guard.
    const EDGE_SAMPLES: &str =
        "section,water_body,time,ph,do,tp,nh3n,hg,cod,petroleum,oil,fecal_coliform,tn,chla
A,river,2024-01,6,7.5,0.2,1.0,0.0001,20,0.05,,10000,1.0,3
A,river,2024-02,9.0,7.49999,0.2001,1.00,0.00010,20.000,0.05L,0.1L,10001,,
A,river,2024-02,5.99,2,0.4,2.0,0.002L,40,1.0,,40000,2.0,
A,river,2024-03,7,6,0.1,0.5,1.5e-18L,15,,0.05,2000,0.5,
\"B,1\",lake,2024-01,8,7.5,0.01,0.15,0.00005,15,0.04,0.6,200,0.2,1
\"B,1\",lake,2024-03,7,3,<0.05,0.30L,0.000050,30.0000000000000001,,,,,
=C,lake,2024-03,7,5,0.025,1.5,0.001,,1e-2,,20000,1.5,
=C,lake,2024-04,7,6,9.3e18,1.50000000000000001,,,,,,,
=C,lake,2024-05,7,7.5,0.01,0.15,0.00005,15,0.05,,200,0.2,
C\"q,river,2024-04,9.01,1.99,1.5e-18,1.50000000000000001,,,2L,,,,
";

    fn edge_samples() -> Vec<Sample> {
        let path = std::path::Path::new("edge.csv");
        crate::water::samples::read_samples_from(path, EDGE_SAMPLES.as_bytes()).unwrap()
    }

    /// A row as classify wrote it before items were classed on integers: the whole evaluation
    /// of the sample's exact values, its cells built from it, the row through the csv crate.
    fn general_row(rows: &mut csv::Writer<Vec<u8>>, sample: &Sample, options: SectionOptions) {
        let body = sample.water_body.unwrap();
        let result = evaluate_section(&basic_values(&sample.readings), body, Class::III, options);
        let pollutants: Vec<String> = result
            .main_pollutants
            .iter()
            .map(|p| match p.multiple {
                Some(m) => format!("{}:{}", p.indicator.name_zh(), m.to_fixed(2)),
                None => p.indicator.name_zh().to_string(),
            })
            .collect();
        let per_indicator: Vec<String> = result
            .indicators
            .iter()
            .filter_map(|i| {
                let reference = if i.indicator.reference_only() {
                    "(ref)"
                } else {
                    ""
                };
                Some(format!(
                    "{}={}{reference}",
                    i.indicator.code(),
                    i.class?.code()
                ))
            })
            .collect();
        rows.write_record([
            csv_cell(&sample.section).as_ref(),
            csv_cell(&sample.time).as_ref(),
            result.class.map_or("", Class::code),
            result.status().map_or("", |s| s.zh()),
            &pollutants.join(";"),
            &per_indicator.join(";"),
        ])
        .unwrap();
    }

    /// Rows read into one reused sample (`scan_sample_blocks`) class as rows read each into its
    /// own (`read_samples`): nothing of a row stays for the next, whether the next has fewer
    /// readings, no withdrawal, a blank water body or a problem.
    #[test]
    fn a_reused_sample_carries_nothing_to_the_next_row() {
        let text = "section,water_body,time,nh3n,tp,codmn,withdrawal\n\
                    A,river,2024-01,2.5,0.45,16,12.5\n\
                    A,river,2024-02,0.1,,,\n\
                    B,,2024-01,,0.02,,\n\
                    B,lake,2024-02,0.9,0.3,7,3\n\
                    C,river,2024-01,0.2,,,\n";
        let path = std::path::Path::new("reuse.csv");
        let classifier = Classifier::new(&[], WaterOptions::default());
        let mut reused = ClassWriter::new(Vec::new()).unwrap();
        crate::water::samples::scan_sample_blocks(
            path,
            text.as_bytes(),
            &|block, sample, long| classifier.add(block, sample, long),
            &mut |block| reused.push(block).unwrap(),
        )
        .unwrap();
        let mut fresh = ClassWriter::new(Vec::new()).unwrap();
        let mut block = ClassBlock::default();
        let samples = crate::water::samples::read_samples_from(path, text.as_bytes()).unwrap();
        assert_eq!(samples.len(), 5);
        assert_eq!(
            samples[1].readings.len(),
            1,
            "the sparse row holds one reading"
        );
        assert_eq!(samples[1].withdrawal, None);
        for mut sample in samples {
            classifier.add(&mut block, &mut sample, false);
        }
        fresh.push(block).unwrap();
        let (reused, fresh) = (reused.out, fresh.out);
        assert_eq!(String::from_utf8(reused), String::from_utf8(fresh));
    }

    #[test]
    fn classify_writes_the_rows_of_the_general_evaluation() {
        let samples = edge_samples();
        assert_eq!(samples.len(), 10);
        for metal_priority in [false, true] {
            let section = SectionOptions { metal_priority };
            let options = WaterOptions {
                section,
                ..WaterOptions::default()
            };
            let mut general = csv::Writer::from_writer(Vec::new());
            general.write_record(CLASS_HEADER).unwrap();
            for sample in &samples {
                general_row(&mut general, sample, section);
            }
            let classifier = Classifier::new(&[], options);
            let mut writer = ClassWriter::new(Vec::new()).unwrap();
            let mut block = ClassBlock::default();
            for mut sample in samples.clone() {
                classifier.add(&mut block, &mut sample, false);
            }
            writer.push(block).unwrap();
            let fast = String::from_utf8(writer.out).unwrap();
            let general = String::from_utf8(general.into_inner().unwrap()).unwrap();
            assert_eq!(fast, general);
            assert!(
                fast.contains("\"B,1\",2024-01") && fast.contains("\"C\"\"q\""),
                "{fast}"
            );
            assert!(fast.contains("'=C,2024-03"), "{fast}");
            for class in ["I", "II", "III", "IV", "V", "劣V"] {
                assert!(fast.contains(&format!(",{class},")), "{class}: {fast}");
            }
        }
    }

    #[test]
    fn cells_built_from_names_never_need_quotes() {
        let special = |t: &str| t.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
        for i in Indicator::all() {
            assert!(!special(i.name_zh()) && !special(i.code()), "{i:?}");
        }
        for c in Class::ALL {
            assert!(!special(c.code()) && !special(c.status().zh()), "{c:?}");
        }
        let mut row = Vec::new();
        assert!(!plain_row(&mut row, &["a,b", "t", "x"], 2));
        assert!(!plain_row(&mut row, &["a", "t\r", "x"], 2));
        assert!(row.is_empty(), "nothing written when quotes are needed");
        assert!(plain_row(&mut row, &["'=a", "2024-01", "", "x;y"], 2));
        let mut csv_row = Vec::new();
        quoted_row(&mut csv_row, &["'=a", "2024-01", "", "x;y"]).unwrap();
        assert_eq!(row, csv_row);
    }

    #[test]
    fn monthly_classes_are_those_of_the_months_means() {
        let samples = edge_samples();
        let (from, to) = (
            Date::parse("2024-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        );
        let hydrogen = PeriodOptions {
            ph_mean: rectify_water::period::PhMean::Hydrogen,
            ..PeriodOptions::default()
        };
        let rounded = PeriodOptions {
            round_2020: true,
            ..PeriodOptions::default()
        };
        for period in [PeriodOptions::default(), hydrogen, rounded] {
            let options = WaterOptions {
                period,
                ..WaterOptions::default()
            };
            let result = evaluate(&samples, &[], from, to, options).unwrap();
            assert_eq!(result.sections.len(), 4);
            let mut months = 0;
            for p in &result.sections {
                for (month, class) in &p.monthly {
                    let in_month: Vec<&Sample> = p
                        .samples
                        .iter()
                        .copied()
                        .filter(|s| s.time == *month)
                        .collect();
                    let means: Vec<(Indicator, Exact)> = Indicator::all()
                        .filter_map(|i| {
                            let readings: Vec<Reading> = in_month
                                .iter()
                                .flat_map(|s| s.readings.iter())
                                .filter(|(item, _)| *item == Item::Basic(i))
                                .map(|(_, r)| r)
                                .collect();
                            Some((i, period_value(i, &readings, period)?))
                        })
                        .collect();
                    assert_eq!(*class, section_class(&means, p.body), "{} {month}", p.code);
                    if (p.code, month.as_str()) == ("B,1", "2024-01") {
                        // Petroleum read twice, 0.04 and 0.6: the mean 0.32 is Ⅳ, 0.6 alone Ⅴ.
                        assert_eq!(*class, Some(Class::IV));
                    }
                    months += 1;
                }
            }
            assert_eq!(months, 9);
        }
    }

    #[test]
    fn json_written_straight_equals_json_built_as_one_value() {
        let network = bench_sections(30);
        let (mut samples_csv, mut sections_csv) = (Vec::new(), Vec::new());
        let (from, to) = (
            Date::parse("2023-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        );
        write_samples_csv(&network, from, to, 7, &mut samples_csv).unwrap();
        write_sections_csv(&network, &mut sections_csv).unwrap();
        let path = std::path::Path::new("w.csv");
        let samples = read_samples_from(path, samples_csv.as_slice()).unwrap();
        let sections = read_sections_from(path, sections_csv.as_slice()).unwrap();
        let result = evaluate(&samples, &sections, from, to, WaterOptions::default()).unwrap();
        let direct = serde_json::to_string_pretty(&result.to_json()).unwrap();
        let value = serde_json::to_value(result.to_json()).unwrap();
        assert_eq!(direct, serde_json::to_string_pretty(&value).unwrap());
        assert_eq!(
            result.to_json_pretty().unwrap(),
            direct,
            "sections in parallel"
        );
        // No section in the period: an empty array.
        let before = Date::parse("2001-01-01").unwrap();
        let empty = evaluate(&samples, &sections, before, before, WaterOptions::default()).unwrap();
        let expected = serde_json::to_string_pretty(&empty.to_json()).unwrap();
        assert!(expected.contains("\"sections\": []"), "{expected}");
        assert_eq!(empty.to_json_pretty().unwrap(), expected);
        assert_eq!(value["sections"].as_array().unwrap().len(), 30);
        assert_eq!(
            value["sections"][0]["monthly"].as_array().unwrap().len(),
            24
        );
        assert!(value["sections"][0]["monthly"][0]["month"] == "2023-01");
    }
}
