//! `rectify bulletin`: the monthly bulletin (整改进展月度通报), frozen in the database and written
//! as docx, xlsx and html.

use crate::error::CliError;
use clap::{Args, ValueEnum};
use rectify_core::bulletin::{BulletinFacts, BulletinInput, compose};
use rectify_io::bulletin::{Issue, bulletin_docx, bulletin_html, bulletin_xlsx, document};
use rectify_store::Store;
use rectify_store::dispatch::FrozenBulletin;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct BulletinArgs {
    /// The month, YYYY-MM.
    #[arg(long)]
    period: String,
    /// Directory for the files (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_delimiter = ',', default_value = "docx,xlsx,html")]
    format: Vec<BulletinFormat>,
    /// Write an earlier version again from its frozen facts instead of generating a new one.
    #[arg(long)]
    version: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BulletinFormat {
    Docx,
    Xlsx,
    Html,
}

/// Who issues the bulletin when the setting `bulletin.issuer` is not set.
const DEFAULT_ISSUER: &str = "市生态环境保护督察整改工作领导小组办公室";

pub async fn run(store: &Store, actor: &str, args: BulletinArgs) -> Result<ExitCode, CliError> {
    let (year, month) = parse_period(&args.period)?;
    let (frozen, facts, note) = match args.version {
        Some(version) => {
            let (frozen, facts) = store.bulletin(&args.period, Some(version)).await?;
            (frozen, facts, "按冻结数据重新输出")
        }
        None => {
            let facts = compute(store, year, month).await?;
            let earlier = store.bulletin(&args.period, None).await.ok();
            let today = crate::workflow_cmd::today()?;
            let frozen = store.freeze_bulletin(actor, &facts, today).await?;
            let note = if earlier.is_some() {
                "本期已有通报，已生成新版本"
            } else {
                "已生成并冻结"
            };
            (frozen, facts, note)
        }
    };
    let issuer = match store.setting("bulletin.issuer").await? {
        Some(serde_json::Value::String(text)) => text,
        _ => DEFAULT_ISSUER.to_string(),
    };
    let written = write_files(&args, &frozen, &facts, &issuer)?;
    println!(
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
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_period(period: &str) -> Result<(i32, u8), CliError> {
    let bad = || CliError::environment(format!("--period 应为 YYYY-MM：{period}"));
    let (year, month) = period.split_once('-').ok_or_else(bad)?;
    let (year, month): (i32, u8) = (
        year.parse().map_err(|_| bad())?,
        month.parse().map_err(|_| bad())?,
    );
    if year < 2000 || !(1..=12).contains(&month) || period.len() != 7 {
        return Err(bad());
    }
    Ok((year, month))
}

/// The period's facts from the ledger as it stands, with the previous bulletin for comparison.
pub async fn compute(store: &Store, year: i32, month: u8) -> Result<BulletinFacts, CliError> {
    let (items, reports, counties) = store.bulletin_inputs(year, month).await?;
    let period = format!("{year:04}-{month:02}");
    let previous = store.bulletin_before(&period).await?;
    let (rules, weights) = store.dispatch_rules().await?;
    Ok(compose(&BulletinInput {
        year,
        month,
        items: &items,
        reports: &reports,
        counties: &counties,
        previous: previous.as_ref(),
        rules,
        weights,
    }))
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
        },
    );
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::failure(format!("无法创建目录 {}：{e}", args.out.display())))?;
    let stem = format!("整改进展通报-{}-第{}版", frozen.period, frozen.version);
    let mut written = Vec::new();
    for format in &args.format {
        let (ext, bytes) = match format {
            BulletinFormat::Html => ("html", bulletin_html(&doc).into_bytes()),
            BulletinFormat::Xlsx => (
                "xlsx",
                bulletin_xlsx(facts, &doc)
                    .map_err(|e| CliError::failure(format!("xlsx 生成失败：{e}")))?,
            ),
            BulletinFormat::Docx => ("docx", bulletin_docx(&doc).map_err(CliError::failure)?),
        };
        let path = args.out.join(format!("{stem}.{ext}"));
        write(&path, &bytes)?;
        written.push(path);
    }
    Ok(written)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes)
        .map_err(|e| CliError::failure(format!("无法写入 {}：{e}", path.display())))
}
