//! `rectify air …`: the air-quality engine on files, and importing monitoring data.

use crate::cli_util::{JSON_ONLY, OutputFormat, print_stdout, write_atomically};
use crate::error::CliError;
use clap::{Args, Subcommand, ValueEnum};
use rectify_air::aqi::{HourlyMethod, ReportKind, ReportOptions};
use rectify_air::daily::CityMethod;
use rectify_air::date::Date;
use rectify_air::exact::{Exact, parse_exact};
use rectify_air::standard::{Standard, StandardChoice};
use rectify_air::stats::EvaluationOptions;
use rectify_air::targets::YearTargets;
use rectify_io::RowProblem;
use rectify_io::air::daily::{SiteDay, compute_daily, read_daily_csv, write_daily_csv};
use rectify_io::air::evaluate::{Period, by_site, evaluate_sites};
use rectify_io::air::hourly::{HourLabel, HourlyData, ReadOptions, read_hourly_file};
use rectify_store::Store;
use rectify_store::air::AirStationDay;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum AirCommand {
    #[command(flatten)]
    Files(AirFileCommand),
    #[command(flatten)]
    Data(AirDataCommand),
}

/// Air commands on files; no database needed.
#[derive(Debug, Subcommand)]
pub enum AirFileCommand {
    /// IAQI and AQI for each row of a concentration table.
    Aqi(AqiArgs),
    /// Daily values, validity and AQI per station and city from hourly data.
    Daily(DailyArgs),
    /// HJ 663 statistics over a period, optionally against a base period (两降一增).
    Evaluate(EvaluateArgs),
}

/// Air commands that work on the database.
#[derive(Debug, Subcommand)]
pub enum AirDataCommand {
    /// Store hourly monitoring data for the web pages (one transaction; hours present replace
    /// stored ones).
    Import(ImportArgs),
    /// Set a year's targets: PM2.5 and PM10 annual means (µg/m³), good-day ratio (%).
    Target {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        pm25: Option<String>,
        #[arg(long)]
        pm10: Option<String>,
        #[arg(long)]
        good_ratio: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Hourly CSV, wide or long.
    file: PathBuf,
    #[command(flatten)]
    reading: ReadArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Daily,
    Hourly,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum VersionArg {
    #[value(name = "2012")]
    V2012,
    #[value(name = "2026")]
    V2026,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum VersionOrAuto {
    Auto,
    #[value(name = "2012")]
    V2012,
    #[value(name = "2026")]
    V2026,
}

impl VersionOrAuto {
    fn choice(self) -> StandardChoice {
        match self {
            VersionOrAuto::Auto => StandardChoice::Auto,
            VersionOrAuto::V2012 => StandardChoice::Fixed(Standard::V2012),
            VersionOrAuto::V2026 => StandardChoice::Fixed(Standard::V2026),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum HourlyMethodArg {
    /// HJ 633-2012 as written: O3 8-h moving mean counts, PM from 24-h moving means.
    Text,
    /// The national platform's practice: 1-h PM on the 24-h table, no O3 8-h.
    Platform,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CityMethodArg {
    /// Mean of the stations' daily values.
    StationDays,
    /// Daily statistics of the city's hourly means.
    CityHours,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum HourLabelArg {
    /// HH:00 is the hour ending then (national platform).
    End,
    /// HH:00 is the hour starting then.
    Start,
}

#[derive(Debug, Args)]
pub struct AqiArgs {
    #[arg(long, value_enum)]
    standard: VersionArg,
    #[arg(long, value_enum)]
    mode: Mode,
    /// How a 2012 real-time AQI is read.
    #[arg(long, value_enum, default_value_t = HourlyMethodArg::Text)]
    hourly_method: HourlyMethodArg,
    #[arg(long)]
    input: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// Stop at the first bad row instead of reporting it.
    #[arg(long)]
    strict: bool,
}

/// How hourly files are read.
#[derive(Debug, Args)]
pub struct ReadArgs {
    #[arg(long, value_enum, default_value_t = HourLabelArg::End)]
    hour_label: HourLabelArg,
    /// Stop at the first bad row instead of reporting it.
    #[arg(long)]
    strict: bool,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

#[derive(Debug, Args)]
pub struct HourlyInput {
    #[arg(long)]
    input: PathBuf,
    #[command(flatten)]
    reading: ReadArgs,
    #[arg(long, value_enum, default_value_t = CityMethodArg::StationDays)]
    city_method: CityMethodArg,
}

#[derive(Debug, Args)]
pub struct DailyArgs {
    #[command(flatten)]
    hourly: HourlyInput,
    #[arg(long, value_enum, default_value_t = VersionOrAuto::Auto)]
    standard: VersionOrAuto,
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Hourly data, or a daily table written by `rectify air daily`.
    #[command(flatten)]
    hourly: HourlyInput,
    #[arg(long)]
    from: String,
    #[arg(long)]
    to: String,
    /// Only this city (its `city:<name>` series).
    #[arg(long)]
    city: Option<String>,
    #[arg(long, value_enum, default_value_t = VersionOrAuto::Auto)]
    standard: VersionOrAuto,
    #[arg(long, default_value = "json", value_parser = OutputFormat::among(JSON_ONLY))]
    format: OutputFormat,
    #[arg(long, requires = "compare_to")]
    compare_from: Option<String>,
    #[arg(long, requires = "compare_from")]
    compare_to: Option<String>,
    /// Deduct dust days from PM10, PM2.5 and the composite index.
    #[arg(long)]
    deduct_dust: bool,
}

pub fn run(cmd: AirFileCommand) -> Result<ExitCode, CliError> {
    match cmd {
        AirFileCommand::Aqi(args) => aqi(args),
        AirFileCommand::Daily(args) => daily(args),
        AirFileCommand::Evaluate(args) => evaluate(args),
    }
}

pub async fn run_data(
    store: &Store,
    actor: &str,
    cmd: AirDataCommand,
) -> Result<ExitCode, CliError> {
    match cmd {
        AirDataCommand::Import(args) => import(store, actor, args).await,
        AirDataCommand::Target {
            year,
            pm25,
            pm10,
            good_ratio,
        } => {
            let value =
                |flag: &str, text: Option<String>| -> Result<Option<Exact>, CliError> {
                    let Some(text) = text else { return Ok(None) };
                    parse_exact(&text).ok().flatten().map(Some).ok_or_else(|| {
                        CliError::environment(format!("{flag} 应为非负数值：{text}"))
                    })
                };
            let targets = YearTargets {
                pm25: value("--pm25", pm25)?,
                pm10: value("--pm10", pm10)?,
                good_ratio: value("--good-ratio", good_ratio)?,
            };
            store.set_air_targets(actor, year, &targets).await?;
            println!("已设置 {year} 年空气质量目标");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(store: &Store, actor: &str, args: ImportArgs) -> Result<ExitCode, CliError> {
    let data = read_hourly(&args.file, &args.reading)?;
    let days: Vec<AirStationDay<'_>> = data
        .days
        .iter()
        .map(|d| {
            let station = &data.stations[d.station as usize];
            AirStationDay {
                station: &station.name,
                city: station.city.as_deref(),
                date: d.date,
                grid: &d.grid,
                dust: d.dust,
            }
        })
        .collect();
    // The source file is kept, content-addressed, beside the evidence: the journal entry names
    // its SHA-256, so what was imported can always be shown.
    let kept = store.attachments().put_file(&args.file).await?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let source = serde_json::json!({
        "file": name,
        "sha256": kept.sha256,
        "bytes": kept.size,
        "rows": data.rows,
        "problems": data.problems.len(),
    });
    let summary = store.import_air(actor, &source, &days).await?;
    let span = match (summary.from, summary.to) {
        (Some(f), Some(t)) => format!("{f} 至 {t}"),
        _ => "无数据".into(),
    };
    println!(
        "已导入 {} 个站点、{} 个小时值（{span}）",
        summary.stations, summary.hours
    );
    Ok(ExitCode::SUCCESS)
}

fn aqi(args: AqiArgs) -> Result<ExitCode, CliError> {
    let options = ReportOptions {
        standard: match args.standard {
            VersionArg::V2012 => Standard::V2012,
            VersionArg::V2026 => Standard::V2026,
        },
        kind: match args.mode {
            Mode::Daily => ReportKind::Daily,
            Mode::Hourly => ReportKind::Hourly,
        },
        hourly_method: match args.hourly_method {
            HourlyMethodArg::Text => HourlyMethod::Text,
            HourlyMethodArg::Platform => HourlyMethod::Platform,
        },
    };
    let summary = write_atomically(&args.out, |w| {
        rectify_io::air::aqi_csv::compute_table(&args.input, w, options, args.strict)
            .map_err(|e| CliError::failure(e.to_string()))
    })?;
    report_problems(&args.input, &summary.problems);
    eprintln!("已计算 {} 行 → {}", summary.rows, args.out.display());
    Ok(ExitCode::SUCCESS)
}

fn daily(args: DailyArgs) -> Result<ExitCode, CliError> {
    let data = read_hourly(&args.hourly.input, &args.hourly.reading)?;
    let workers = threads(args.hourly.reading.threads);
    let rows = compute_daily(&data, city_method(&args.hourly), workers);
    let choice = args.standard.choice();
    write_atomically(&args.out, |w| {
        write_daily_csv(&rows, choice, workers, w)
            .map_err(|e| CliError::failure(format!("写入失败：{e}")))
    })?;
    eprintln!(
        "已读取 {} 行、{} 个站点，输出 {} 行日数据 → {}",
        data.rows,
        data.stations.len(),
        rows.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn evaluate(args: EvaluateArgs) -> Result<ExitCode, CliError> {
    if args.format != OutputFormat::Json {
        return Err(args.format.refused("--format"));
    }
    let date = |flag: &str, text: &str| {
        Date::parse(text)
            .ok_or_else(|| CliError::environment(format!("{flag} 应为 YYYY-MM-DD：{text}")))
    };
    let period = Period {
        from: date("--from", &args.from)?,
        to: date("--to", &args.to)?,
    };
    let compare = match (&args.compare_from, &args.compare_to) {
        (Some(f), Some(t)) => Some(Period {
            from: date("--compare-from", f)?,
            to: date("--compare-to", t)?,
        }),
        _ => None,
    };
    let rows = read_daily_or_hourly(&args.hourly)?;
    let mut sites = by_site(&rows);
    if let Some(city) = &args.city {
        let wanted = format!("{}{city}", rectify_io::air::daily::CITY_PREFIX);
        sites.retain(|(site, _)| *site == wanted);
        if sites.is_empty() {
            return Err(CliError::failure(format!(
                "数据中没有城市“{city}”（需要 city 列）"
            )));
        }
    }
    let options = EvaluationOptions {
        standard: args.standard.choice(),
        deduct_dust: args.deduct_dust,
    };
    let result = evaluate_sites(&sites, &period, compare.as_ref(), options);
    let text = serde_json::to_string_pretty(&result)
        .map_err(|e| CliError::failure(format!("JSON 输出失败：{e}")))?;
    print_stdout(&text)
}

/// A daily table (has `date`, no `time`) is read as is; anything else as hourly data.
fn read_daily_or_hourly(input: &HourlyInput) -> Result<Vec<SiteDay>, CliError> {
    let reading = &input.reading;
    let mut header = String::new();
    let file = std::fs::File::open(&input.input)
        .map_err(|e| CliError::environment(format!("无法读取 {}：{e}", input.input.display())))?;
    std::io::BufRead::read_line(&mut std::io::BufReader::new(file), &mut header)
        .map_err(|e| CliError::environment(format!("无法读取 {}：{e}", input.input.display())))?;
    let columns: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let is_daily = columns.iter().any(|c| c == "date") && !columns.iter().any(|c| c == "time");
    if is_daily {
        let (rows, problems) =
            read_daily_csv(&input.input).map_err(|e| CliError::failure(e.to_string()))?;
        if reading.strict && !problems.is_empty() {
            return Err(CliError::failure(format!(
                "{}：{}",
                input.input.display(),
                problems[0]
            )));
        }
        report_problems(&input.input, &problems);
        return Ok(rows);
    }
    let data = read_hourly(&input.input, reading)?;
    Ok(compute_daily(
        &data,
        city_method(input),
        threads(reading.threads),
    ))
}

fn city_method(input: &HourlyInput) -> CityMethod {
    match input.city_method {
        CityMethodArg::StationDays => CityMethod::MeanOfStationDays,
        CityMethodArg::CityHours => CityMethod::FromCityHours,
    }
}

fn threads(requested: usize) -> usize {
    match requested {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
}

/// Reads hourly data with a progress bar when stderr is a terminal.
fn read_hourly(path: &Path, input: &ReadArgs) -> Result<HourlyData, CliError> {
    let size = std::fs::metadata(path)
        .map_err(|e| CliError::environment(format!("无法读取 {}：{e}", path.display())))?
        .len();
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let bar = indicatif::ProgressBar::new(size);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {eta}")
        {
            bar.set_style(style);
        }
        bar
    });
    let tick = |delta: u64| {
        if let Some(bar) = &bar {
            bar.inc(delta);
        }
    };
    let options = ReadOptions {
        strict: input.strict,
        hour_label: match input.hour_label {
            HourLabelArg::End => HourLabel::End,
            HourLabelArg::Start => HourLabel::Start,
        },
        threads: threads(input.threads),
        progress: Some(&tick),
    };
    let data = read_hourly_file(path, options).map_err(|e| CliError::failure(e.to_string()));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let data = data?;
    report_problems(path, &data.problems);
    Ok(data)
}

const PROBLEMS_SHOWN: usize = 20;

fn report_problems(path: &Path, problems: &[RowProblem]) {
    if problems.is_empty() {
        return;
    }
    eprintln!(
        "警告：{} 有 {} 处数据问题（已跳过）：",
        path.display(),
        problems.len()
    );
    for p in problems.iter().take(PROBLEMS_SHOWN) {
        eprintln!("  {p}");
    }
    if problems.len() > PROBLEMS_SHOWN {
        eprintln!("  …… 另有 {} 处", problems.len() - PROBLEMS_SHOWN);
    }
}
