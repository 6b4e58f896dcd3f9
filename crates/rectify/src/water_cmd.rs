//! `rectify water …`: the water engine on files, and importing monitoring data.

use crate::cli_util::{JSON_ONLY, OutputFormat};
use crate::error::CliError;
use clap::{Args, Subcommand, ValueEnum};
use rectify_exact::date::Date;
use rectify_io::RowProblem;
use rectify_io::water::evaluate::{ClassWriter, Classifier, WaterOptions, evaluate};
use rectify_io::water::samples::{Section, read_samples, read_sections, scan_sample_blocks};
use rectify_io::water::stored::{EncodedSamples, section_row};
use rectify_store::Store;
use rectify_water::period::{PeriodOptions, PhMean};
use rectify_water::section::SectionOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum WaterCommand {
    #[command(flatten)]
    Files(WaterFileCommand),
    #[command(flatten)]
    Data(WaterDataCommand),
}

/// Water commands on files; no database needed.
#[derive(Debug, Subcommand)]
pub enum WaterFileCommand {
    /// Class, status, main pollutants and per-indicator classes of every sample.
    Classify(ClassifyArgs),
    /// Period classes, proportions, river status, drinking-source rates and TLI as JSON.
    Evaluate(EvaluateArgs),
}

/// Water commands that work on the database.
#[derive(Debug, Subcommand)]
pub enum WaterDataCommand {
    /// Store samples (and section attributes) for the 水环境 page; one transaction.
    Import {
        file: PathBuf,
        #[arg(long)]
        sections: PathBuf,
    },
    /// Set a year's targets: Ⅰ–Ⅲ share at least, 劣Ⅴ share at most (percent).
    Target {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        i_to_iii: Option<String>,
        #[arg(long)]
        worse_than_v: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PhMeanArg {
    Arithmetic,
    Hydrogen,
}

/// Choices where the 2011 method and the 2020 rules leave room.
#[derive(Debug, Args)]
pub struct MethodArgs {
    /// Round period means to the 2020 rules' decimal places before classifying.
    #[arg(long)]
    round_2020: bool,
    #[arg(long, value_enum, default_value_t = PhMeanArg::Arithmetic)]
    ph_mean: PhMeanArg,
    /// List cyanide and heavy metals first among main pollutants.
    #[arg(long)]
    metal_priority: bool,
}

impl MethodArgs {
    fn options(&self) -> WaterOptions {
        WaterOptions {
            section: SectionOptions {
                metal_priority: self.metal_priority,
            },
            period: PeriodOptions {
                round_2020: self.round_2020,
                ph_mean: match self.ph_mean {
                    PhMeanArg::Arithmetic => PhMean::Arithmetic,
                    PhMeanArg::Hydrogen => PhMean::Hydrogen,
                },
            },
        }
    }
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    #[arg(long)]
    input: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// Section attributes, for samples without a water_body column.
    #[arg(long)]
    sections: Option<PathBuf>,
    #[command(flatten)]
    method: MethodArgs,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[arg(long)]
    input: PathBuf,
    #[arg(long)]
    sections: PathBuf,
    #[arg(long)]
    from: String,
    #[arg(long)]
    to: String,
    #[arg(long, default_value = "json", value_parser = OutputFormat::among(JSON_ONLY))]
    format: OutputFormat,
    #[command(flatten)]
    method: MethodArgs,
}

fn sections_or_none(path: Option<&Path>) -> Result<Vec<Section>, CliError> {
    match path {
        None => Ok(Vec::new()),
        Some(p) => read_sections(p).map_err(|e| CliError::failure(e.to_string())),
    }
}

fn problems_error(path: &Path, problems: &[RowProblem]) -> CliError {
    let shown: Vec<String> = problems.iter().take(20).map(|p| p.to_string()).collect();
    CliError::failure(format!("{}：{}", path.display(), shown.join("；")))
}

pub fn run(cmd: WaterFileCommand) -> Result<ExitCode, CliError> {
    match cmd {
        WaterFileCommand::Classify(args) => {
            let sections = sections_or_none(args.sections.as_deref())?;
            let input = std::fs::File::open(&args.input).map_err(|e| {
                CliError::environment(format!("无法读取 {}：{e}", args.input.display()))
            })?;
            let options = args.method.options();
            let classifier = Classifier::new(&sections, options);
            let rows = crate::cli_util::write_atomically(&args.out, |w| {
                let io = |e: std::io::Error| CliError::failure(format!("写入失败：{e}"));
                let mut writer = ClassWriter::new(w).map_err(io)?;
                let mut failed: Option<std::io::Error> = None;
                let scanned = scan_sample_blocks(
                    &args.input,
                    input,
                    &|block, sample, long| classifier.add(block, sample, long),
                    &mut |block| {
                        if failed.is_none()
                            && let Err(e) = writer.push(block)
                        {
                            failed = Some(e);
                        }
                    },
                );
                scanned.map_err(|e| CliError::failure(e.to_string()))?;
                if let Some(e) = failed {
                    return Err(io(e));
                }
                let (rows, problems) = writer.finish(&classifier).map_err(io)?;
                match problems.is_empty() {
                    true => Ok(rows),
                    false => Err(problems_error(&args.input, &problems)),
                }
            })?;
            eprintln!("已评价 {rows} 个样品 → {}", args.out.display());
            Ok(ExitCode::SUCCESS)
        }
        WaterFileCommand::Evaluate(args) => {
            if args.format != OutputFormat::Json {
                return Err(args.format.refused("--format"));
            }
            let date = |flag: &str, text: &str| {
                Date::parse(text)
                    .ok_or_else(|| CliError::environment(format!("{flag} 应为 YYYY-MM-DD：{text}")))
            };
            let (from, to) = (date("--from", &args.from)?, date("--to", &args.to)?);
            let samples =
                read_samples(&args.input).map_err(|e| CliError::failure(e.to_string()))?;
            let sections =
                read_sections(&args.sections).map_err(|e| CliError::failure(e.to_string()))?;
            let result = evaluate(&samples, &sections, from, to, args.method.options())
                .map_err(|problems| problems_error(&args.input, &problems))?;
            let text = result
                .to_json_pretty()
                .map_err(|e| CliError::failure(format!("JSON 输出失败：{e}")))?;
            crate::cli_util::print_stdout(&text)
        }
    }
}

pub async fn run_data(
    store: &Store,
    actor: &str,
    cmd: WaterDataCommand,
) -> Result<ExitCode, CliError> {
    match cmd {
        WaterDataCommand::Import { file, sections } => {
            let samples = read_samples(&file).map_err(|e| CliError::failure(e.to_string()))?;
            let sections =
                read_sections(&sections).map_err(|e| CliError::failure(e.to_string()))?;
            let kept = store.attachments().put_file(&file).await?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let source =
                serde_json::json!({"file": name, "sha256": kept.sha256, "samples": samples.len()});
            let section_rows: Vec<_> = sections.iter().map(section_row).collect();
            let encoded = EncodedSamples::new(&samples);
            let (sections, samples) = store
                .import_water(actor, &source, &section_rows, &encoded.rows(&samples))
                .await?;
            println!("已导入 {sections} 个断面、{samples} 个样品");
            Ok(ExitCode::SUCCESS)
        }
        WaterDataCommand::Target {
            year,
            i_to_iii,
            worse_than_v,
        } => {
            let value = |flag: &str,
                         text: Option<String>|
             -> Result<Option<rectify_exact::exact::Exact>, CliError> {
                let Some(text) = text else { return Ok(None) };
                rectify_exact::exact::parse_decimal(&text)
                    .ok()
                    .flatten()
                    .map(Some)
                    .ok_or_else(|| CliError::environment(format!("{flag} 应为非负数值：{text}")))
            };
            let targets = rectify_water::group::WaterTargets {
                i_to_iii_min: value("--i-to-iii", i_to_iii)?,
                worse_than_v_max: value("--worse-than-v", worse_than_v)?,
            };
            store.set_water_targets(actor, year, &targets).await?;
            println!("已设置 {year} 年水环境目标");
            Ok(ExitCode::SUCCESS)
        }
    }
}
