//! `rectify coal`: coal consumption per county and month, the yearly caps and clean-heating
//! households, and where each county stands.

use crate::cli_util::{print_json, print_stdout};
use crate::error::CliError;
use clap::Subcommand;
use rectify_core::coal::assess;
use rectify_store::Store;
use rectify_store::coal::CoalTargets;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum CoalCommand {
    /// A county's consumption for a month, in 万吨 (a correction replaces it).
    Record {
        #[arg(long)]
        county: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        month: u8,
        #[arg(long)]
        tons: String,
    },
    /// A county's yearly cap (万吨) and clean-heating target and households switched so far.
    Target {
        #[arg(long)]
        county: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        cap: Option<String>,
        #[arg(long)]
        heating_target: Option<u32>,
        /// Households switched to gas (气代煤), cumulative.
        #[arg(long)]
        gas: Option<u32>,
        /// Households switched to electricity (电代煤), cumulative.
        #[arg(long)]
        electric: Option<u32>,
    },
    /// A workbook of monthly figures (月度消费) and yearly targets (年度目标): all or nothing.
    Import { file: std::path::PathBuf },
    /// A year's figures and targets as that workbook.
    Export {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Each county through a month: consumption against the cap, switching against the target,
    /// with warnings.
    Status {
        #[arg(long)]
        year: i32,
        #[arg(long, default_value_t = 12)]
        through: u8,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(store: &Store, actor: &str, command: CoalCommand) -> Result<ExitCode, CliError> {
    match command {
        CoalCommand::Record {
            county,
            year,
            month,
            tons,
        } => {
            store
                .record_coal(actor, &county, year, month, &tons)
                .await?;
            print_stdout(&format!(
                "已记录{county} {year}年{month}月煤炭消费 {tons} 万吨"
            ))
        }
        CoalCommand::Target {
            county,
            year,
            cap,
            heating_target,
            gas,
            electric,
        } => {
            let targets = CoalTargets {
                cap: cap.as_deref(),
                heating_target,
                heating_gas: gas,
                heating_electric: electric,
            };
            store
                .set_coal_targets(actor, &county, year, targets)
                .await?;
            print_stdout(&format!("已更新{county} {year}年目标"))
        }
        CoalCommand::Import { file } => {
            let (name, _, sheets) = crate::cli_util::read_spreadsheet(&file)?;
            let figures = rectify_io::coal::read_coal(&sheets).map_err(|errors| {
                crate::cli_util::refuse_file(&name, &errors, &[], false, "未导入任何数据")
            })?;
            store.import_coal(actor, &figures, false).await?;
            print_stdout(&format!(
                "已导入月度消费 {} 条、年度目标 {} 条",
                figures.months.len(),
                figures.targets.len()
            ))
        }
        CoalCommand::Export { year, out } => {
            let years = store.coal_years(year).await?;
            let bytes = rectify_io::coal::coal_xlsx(&years)
                .map_err(|e| CliError::failure(format!("xlsx 生成失败：{e}")))?;
            std::fs::write(&out, bytes)
                .map_err(|e| CliError::environment(format!("无法写入 {}：{e}", out.display())))?;
            print_stdout(&format!(
                "已导出{year}年{}个县（区）：{}",
                years.len(),
                out.display()
            ))
        }
        CoalCommand::Status {
            year,
            through,
            json,
        } => {
            let statuses: Vec<_> = store
                .coal_years(year)
                .await?
                .iter()
                .map(|y| assess(y, through.clamp(1, 12)))
                .collect();
            if json {
                return print_json(&statuses);
            }
            let lines: Vec<String> = statuses
                .iter()
                .map(|s| {
                    let warnings = if s.warnings.is_empty() {
                        String::new()
                    } else {
                        format!("  预警：{}", s.warnings.join("；"))
                    };
                    format!(
                        "{}  消费 {}/{} 万吨（{}）  清洁取暖 {}/{} 户（{}）{warnings}",
                        s.county,
                        s.used,
                        s.cap,
                        s.share_of_cap,
                        s.heating_done,
                        s.heating_target,
                        s.heating_rate
                    )
                })
                .collect();
            print_stdout(&if lines.is_empty() {
                "（无）".to_string()
            } else {
                lines.join("\n")
            })
        }
    }
}
