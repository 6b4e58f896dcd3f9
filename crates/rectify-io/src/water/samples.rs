//! Reading water samples (wide or long CSV) and the sections table.
//!
//! - wide: `section,water_body,time,ph,do,codmn,…` (GB 3838 codes; Table 2/3 items by code or
//!   Chinese name; optional `withdrawal` in 10⁴ m³ for drinking sources);
//! - long: `section,water_body,time,indicator,value`.
//!
//! `0.02L` or `<0.02` is below the detection limit 0.02; blank or `-` is missing. Water data
//! feed decisions directly, so unlike hourly air exports any defect is an error: the whole file
//! is checked and every problem is reported by line and column, and nothing is used.

use crate::{ReadError, RowProblem};
use rectify_exact::date::Date;
use rectify_exact::exact::{Exact, parse_decimal};
use rectify_water::indicator::{Class, Indicator, SourceItem, WaterBody};
use rectify_water::period::Reading;
use std::collections::HashMap;
use std::path::Path;

/// One measured item of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Basic(Indicator),
    /// Table 2 or 3.
    Specific(SourceItem),
}

impl Item {
    pub fn parse(text: &str) -> Option<Item> {
        Indicator::parse(text)
            .map(Item::Basic)
            .or_else(|| SourceItem::parse(text).map(Item::Specific))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub line: u64,
    pub section: String,
    pub water_body: Option<WaterBody>,
    /// As written in the file.
    pub time: String,
    pub date: Date,
    pub readings: Vec<(Item, Reading)>,
    pub withdrawal: Option<Exact>,
}

/// Attributes of a monitoring section (断面/点位).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub code: String,
    pub name: String,
    pub water_body: WaterBody,
    pub target: Option<Class>,
    /// 国控 / 省控 / 市控
    pub level: String,
    pub county: String,
    pub river: String,
    /// 流域/水系 the river belongs to (optional).
    pub basin: String,
    pub drinking_source: bool,
}

fn problem(line: u64, column: &str, message: impl Into<String>) -> RowProblem {
    RowProblem {
        line: Some(line),
        column: Some(column.to_string()),
        message: message.into(),
    }
}

/// `0.02L`, `<0.02`, a number, or missing.
pub fn parse_reading(text: &str) -> Result<Option<Reading>, String> {
    let t = text.trim();
    let below = t.strip_suffix(['L', 'l']).or_else(|| t.strip_prefix('<'));
    let (number, below_dl) = match below {
        Some(n) => (n, true),
        None => (t, false),
    };
    match parse_decimal(number) {
        Ok(Some(v)) if below_dl => Ok(Some(Reading::BelowDetection(v))),
        Ok(Some(v)) => Ok(Some(Reading::Value(v))),
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// `YYYY-MM` (the month's first day), `YYYY-MM-DD`, or a date with a time after it.
fn parse_date(text: &str) -> Option<Date> {
    let t = text.trim();
    match t.len() {
        7 => Date::parse(&format!("{t}-01")),
        n if n >= 10 => Date::parse(t.get(..10)?),
        _ => None,
    }
}

fn format_error(path: &Path, message: String) -> ReadError {
    ReadError::Format {
        path: path.to_path_buf(),
        message,
    }
}

fn open<R: std::io::Read>(
    path: &Path,
    input: R,
) -> Result<(csv::Reader<R>, Vec<String>), ReadError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let names = reader
        .headers()
        .map_err(|e| format_error(path, e.to_string()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    Ok((reader, names))
}

/// Rejects a file with problems, naming up to 20 of them.
fn reject(path: &Path, problems: Vec<RowProblem>) -> Result<(), ReadError> {
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = problems.iter().take(20).map(|p| p.to_string()).collect();
    let more = problems.len().saturating_sub(20);
    let tail = if more > 0 {
        format!("；另有 {more} 处")
    } else {
        String::new()
    };
    Err(format_error(
        path,
        format!(
            "{} 处错误，未使用此文件：{}{tail}",
            problems.len(),
            shown.join("；")
        ),
    ))
}

enum Layout {
    Wide(Vec<(usize, Item)>),
    Long { indicator: usize, value: usize },
}

fn file(path: &Path) -> Result<std::fs::File, ReadError> {
    std::fs::File::open(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads every sample of a file; any defect rejects the file.
pub fn read_samples(path: &Path) -> Result<Vec<Sample>, ReadError> {
    read_samples_from(path, file(path)?)
}

/// [`read_samples`] from any reader; `path` names it in messages.
pub fn read_samples_from(path: &Path, input: impl std::io::Read) -> Result<Vec<Sample>, ReadError> {
    let mut samples = Vec::new();
    let long = scan_samples(path, input, &mut |sample, _| samples.push(sample))?;
    Ok(if long {
        merge_long_rows(samples)
    } else {
        samples
    })
}

/// Hands each row's sample to `sink` as it is read, with whether the file is long (one row per
/// indicator, so rows still need [`merge_long_rows`]). Any defect is returned at the end, after
/// the whole file was checked; a sink that writes must therefore write somewhere disposable.
pub fn scan_samples(
    path: &Path,
    input: impl std::io::Read,
    sink: &mut dyn FnMut(Sample, bool),
) -> Result<bool, ReadError> {
    let (mut reader, names) = open(path, input)?;
    let columns = SampleColumns::find(path, &names)?;
    let long = matches!(columns.layout, Layout::Long { .. });
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    for n in 0.. {
        let line = n as u64 + 2;
        let more = reader
            .read_record(&mut record)
            .map_err(|e| format_error(path, format!("第 {line} 行：{e}")))?;
        if !more {
            break;
        }
        if let Some(sample) = columns.sample(&record, line, &mut problems) {
            sink(sample, long);
        }
    }
    reject(path, problems)?;
    Ok(long)
}

/// Where a samples file keeps what.
struct SampleColumns<'n> {
    names: &'n [String],
    section: usize,
    time: usize,
    body: Option<usize>,
    withdrawal: Option<usize>,
    layout: Layout,
}

/// Columns that are not indicators.
const FIXED_COLUMNS: [&str; 7] = [
    "section",
    "time",
    "water_body",
    "withdrawal",
    "name",
    "county",
    "level",
];

impl<'n> SampleColumns<'n> {
    fn find(path: &Path, names: &'n [String]) -> Result<Self, ReadError> {
        let find = |n: &str| names.iter().position(|h| h.eq_ignore_ascii_case(n));
        let section =
            find("section").ok_or_else(|| format_error(path, "缺少 section 列".into()))?;
        let time = find("time").ok_or_else(|| format_error(path, "缺少 time 列".into()))?;
        let layout = match (find("indicator"), find("value")) {
            (Some(indicator), Some(value)) => Layout::Long { indicator, value },
            _ => Layout::Wide(Self::indicator_columns(path, names)?),
        };
        Ok(SampleColumns {
            names,
            section,
            time,
            body: find("water_body"),
            withdrawal: find("withdrawal"),
            layout,
        })
    }

    /// Every other column of a wide file must name an indicator.
    fn indicator_columns(path: &Path, names: &[String]) -> Result<Vec<(usize, Item)>, ReadError> {
        let mut columns = Vec::new();
        let mut unknown = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if FIXED_COLUMNS.iter().any(|f| f.eq_ignore_ascii_case(name)) {
                continue;
            }
            match Item::parse(name) {
                Some(item) => columns.push((i, item)),
                None => unknown.push(problem(
                    1,
                    name,
                    format!(
                        "未知的指标代码“{name}”（第 {} 列）",
                        i + 1,
                        name = rectify_exact::text::quoted(name)
                    ),
                )),
            }
        }
        reject(path, unknown)?;
        Ok(columns)
    }

    /// The sample of one row, or `None` with its problems recorded.
    fn sample(
        &self,
        record: &csv::StringRecord,
        line: u64,
        problems: &mut Vec<RowProblem>,
    ) -> Option<Sample> {
        let cell = |i: usize| record.get(i).unwrap_or("").trim();
        let before = problems.len();
        let Some(date) = parse_date(cell(self.time)) else {
            let message = format!("时间“{}”应为 YYYY-MM 或 YYYY-MM-DD", cell(self.time));
            problems.push(problem(line, &self.names[self.time], message));
            return None;
        };
        let water_body = match self.body.map(cell).filter(|b| !b.is_empty()) {
            None => None,
            Some(text) => {
                let parsed = WaterBody::parse(text);
                if parsed.is_none() {
                    problems.push(problem(
                        line,
                        "water_body",
                        format!(
                            "水体类型“{text}”应为 river 或 lake",
                            text = rectify_exact::text::quoted(text)
                        ),
                    ));
                }
                parsed
            }
        };
        let readings = self.readings(&cell, line, problems);
        let withdrawal = match self.withdrawal.map(cell).map(parse_decimal) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(w))) => Some(w),
            Some(Err(e)) => {
                problems.push(problem(line, "withdrawal", e.to_string()));
                None
            }
        };
        (problems.len() == before).then(|| Sample {
            line,
            section: cell(self.section).to_string(),
            water_body,
            time: cell(self.time).to_string(),
            date,
            readings,
            withdrawal,
        })
    }

    fn readings<'r>(
        &self,
        cell: &impl Fn(usize) -> &'r str,
        line: u64,
        problems: &mut Vec<RowProblem>,
    ) -> Vec<(Item, Reading)> {
        let mut readings = Vec::new();
        let mut read = |item: Item, column: usize, text: &str| match parse_reading(text) {
            Ok(Some(r)) => readings.push((item, r)),
            Ok(None) => {}
            Err(e) => problems.push(problem(line, &self.names[column], e)),
        };
        match &self.layout {
            Layout::Wide(columns) => {
                for &(i, item) in columns {
                    read(item, i, cell(i));
                }
            }
            Layout::Long { indicator, value } => match Item::parse(cell(*indicator)) {
                Some(item) => read(item, *value, cell(*value)),
                None => {
                    let message = format!("未知的指标代码“{}”", cell(*indicator));
                    problems.push(problem(line, &self.names[*indicator], message));
                }
            },
        }
        readings
    }
}

/// Long files give one row per indicator: rows of one section and time form one sample.
pub fn merge_long_rows(rows: Vec<Sample>) -> Vec<Sample> {
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut samples: Vec<Sample> = Vec::with_capacity(rows.len());
    for row in rows {
        let key = (row.section.clone(), row.time.clone());
        match index.get(&key) {
            Some(&i) => {
                let sample = &mut samples[i];
                sample.readings.extend(row.readings);
                sample.water_body = sample.water_body.or(row.water_body);
                sample.withdrawal = sample.withdrawal.or(row.withdrawal);
            }
            None => {
                index.insert(key, samples.len());
                samples.push(row);
            }
        }
    }
    samples
}

/// `section,name,water_body,target_class,level,county,river,basin,drinking_source`; only `section`
/// and `water_body` are required.
pub fn read_sections(path: &Path) -> Result<Vec<Section>, ReadError> {
    read_sections_from(path, file(path)?)
}

/// [`read_sections`] from any reader; `path` names it in messages.
pub fn read_sections_from(
    path: &Path,
    input: impl std::io::Read,
) -> Result<Vec<Section>, ReadError> {
    let (mut reader, names) = open(path, input)?;
    let find = |n: &str| names.iter().position(|h| h.eq_ignore_ascii_case(n));
    let code = find("section").ok_or_else(|| format_error(path, "缺少 section 列".into()))?;
    let body = find("water_body").ok_or_else(|| format_error(path, "缺少 water_body 列".into()))?;
    let basin = find("basin");
    let (name, target, level, county, river, drinking) = (
        find("name"),
        find("target_class"),
        find("level"),
        find("county"),
        find("river"),
        find("drinking_source"),
    );
    let mut sections = Vec::new();
    let mut problems = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let record = record.map_err(|e| format_error(path, format!("第 {line} 行：{e}")))?;
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let section = cell(Some(code));
        let Some(water_body) = WaterBody::parse(&cell(Some(body))) else {
            let text = cell(Some(body));
            problems.push(problem(
                line,
                "water_body",
                format!(
                    "断面 {section} 的水体类型“{text}”应为 river 或 lake",
                    text = rectify_exact::text::quoted(&text)
                ),
            ));
            continue;
        };
        let target_text = cell(target);
        let target = match target_text.as_str() {
            "" => None,
            t => match Class::parse(t) {
                Some(c) => Some(c),
                None => {
                    problems.push(problem(
                        line,
                        "target_class",
                        format!("目标类别“{t}”无效", t = rectify_exact::text::quoted(t)),
                    ));
                    continue;
                }
            },
        };
        sections.push(Section {
            name: Some(cell(name))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| section.clone()),
            code: section,
            water_body,
            target,
            level: cell(level),
            county: cell(county),
            river: cell(river),
            basin: cell(basin),
            drinking_source: matches!(cell(drinking).as_str(), "1" | "是" | "true"),
        });
    }
    reject(path, problems)?;
    Ok(sections)
}
