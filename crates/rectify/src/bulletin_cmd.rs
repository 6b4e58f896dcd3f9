//! `rectify bulletin`: the monthly bulletin (整改进展月度通报), frozen in the database and written
//! as docx, xlsx and html.

use crate::cli_util::{OutputFormat, print_stdout};
use crate::error::CliError;
use clap::Args;
use rectify_core::bulletin::BulletinFacts;
use rectify_core::dispatch::AsOf;
use rectify_io::bulletin::{Format, Issue, document, file_name, render};
use rectify_store::Store;
use rectify_store::dispatch::FrozenBulletin;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct BulletinArgs {
    /// The month, YYYY-MM: stated as of its last day once it has ended, as of today while it
    /// runs; a month not yet begun is refused.
    #[arg(long)]
    period: String,
    /// Directory for the files (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_delimiter = ',', default_value = "docx,xlsx,html", value_parser = OutputFormat::among(&[
        OutputFormat::Docx, OutputFormat::Xlsx, OutputFormat::Html,
    ]))]
    format: Vec<OutputFormat>,
    /// Write an earlier version again from its frozen facts instead of generating a new one.
    #[arg(long)]
    version: Option<u32>,
}

pub async fn run(store: &Store, actor: &str, args: BulletinArgs) -> Result<ExitCode, CliError> {
    let (year, month) = rectify_exact::date::parse_year_month(&args.period)
        .ok_or_else(|| CliError::environment(format!("--period 应为 YYYY-MM：{}", args.period)))?;
    let (frozen, facts, note) = match args.version {
        Some(version) => {
            let (frozen, facts) = store.bulletin(&args.period, Some(version)).await?;
            (frozen, facts, "按冻结数据重新输出")
        }
        None => {
            let today = rectify_store::today_china();
            let as_of = AsOf::for_period(year, month, today).map_err(CliError::failure)?;
            let facts = rectify_app::bulletin::facts_for(store, as_of).await?;
            let earlier = store.bulletin(&args.period, None).await.ok();
            let (frozen, facts) = store.freeze_bulletin(actor, &facts, today).await?;
            let note = if earlier.is_some() {
                "本期已有通报，已生成新版本"
            } else {
                "已生成并冻结"
            };
            (frozen, facts, note)
        }
    };
    let issuer = store.bulletin_issuer().await?;
    let written = write_files(&args, &frozen, &facts, &issuer)?;
    print_stdout(&format!(
        "{} {} 第{}版（{}）：{}",
        note,
        frozen.period,
        frozen.version,
        &frozen.sha256[..12],
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("、")
    ))
}

fn write_files(
    args: &BulletinArgs,
    frozen: &FrozenBulletin,
    facts: &BulletinFacts,
    issuer: &str,
) -> Result<Vec<PathBuf>, CliError> {
    let doc = document(
        facts,
        &Issue {
            issuer,
            version: frozen.version,
            date: &frozen.issued_on,
            cjk_font: crate::config::get().cjk_font.as_deref(),
        },
    );
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::failure(format!("无法创建目录 {}：{e}", args.out.display())))?;
    let mut written = Vec::new();
    for format in &args.format {
        let format = match format {
            OutputFormat::Docx => Format::Docx,
            OutputFormat::Xlsx => Format::Xlsx,
            OutputFormat::Html => Format::Html,
            other => return Err(other.refused("--format")),
        };
        let bytes = render(facts, &doc, format).map_err(CliError::failure)?;
        let path = args
            .out
            .join(file_name(&frozen.period, frozen.version, format));
        write(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes)
        .map_err(|e| CliError::failure(format!("无法写入 {}：{e}", path.display())))
}
