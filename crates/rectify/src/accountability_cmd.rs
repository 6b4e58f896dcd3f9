//! `rectify accountability`: the candidate list (问责候选) and the decisions on it.

use crate::cli_util::{OutputFormat, print_stdout};
use crate::error::CliError;
use clap::Subcommand;
use rectify_core::accountability::AccountabilityDecision;
use rectify_io::bulletin::{accountability_table, accountability_xlsx};
use rectify_store::Store;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum AccountabilityCommand {
    /// The candidates as of today, with any decision.
    List {
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(&[
            OutputFormat::Text, OutputFormat::Json, OutputFormat::Xlsx,
        ]))]
        format: OutputFormat,
        /// Where to write the xlsx (required for --format xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Records a case the inspection team transferred for accountability (移交责任追究问题).
    Transfer {
        /// Who: a unit or a person with post.
        #[arg(long)]
        target: String,
        #[arg(long = "case")]
        case_text: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        on: String,
        /// Item numbers it concerns (1,5).
        #[arg(long, value_delimiter = ',')]
        items: Vec<u32>,
        /// The plan of the items, when several are stored.
        #[arg(long)]
        plan: Option<String>,
    },
    /// Records the decision on a candidate, by its key (see `list`).
    Decide {
        key: String,
        /// The deciding organ, e.g. 市纪委监委.
        #[arg(long)]
        organ: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        on: String,
        /// 约谈, 通报批评, 诫勉, 党纪政务处分, 移送 …
        #[arg(long)]
        form: String,
        #[arg(long, default_value = "")]
        outcome: String,
        /// The decision was made public.
        #[arg(long)]
        published: bool,
    },
}

pub async fn run(
    store: &Store,
    actor: &str,
    command: AccountabilityCommand,
) -> Result<ExitCode, CliError> {
    let today = rectify_store::today_china();
    let text = match command {
        AccountabilityCommand::List { format, out } => {
            let lines = store.accountability(today).await?;
            match format {
                OutputFormat::Json => {
                    let rows: Vec<_> = lines
                        .iter()
                        .map(|l| {
                            json!({
                                "key": l.candidate.key,
                                "rule": l.candidate.rule.code(),
                                "rule_label": l.candidate.rule.label_zh(),
                                "target": l.candidate.target,
                                "items": l.candidate.items,
                                "grounds": l.candidate.grounds,
                                "suggested_form": l.candidate.rule.suggested_form(),
                                "decision": l.decision.as_ref().map(|d| json!({
                                    "organ": d.organ, "on": d.decided_on, "form": d.form,
                                    "outcome": d.outcome, "published": d.published,
                                })),
                            })
                        })
                        .collect();
                    serde_json::Value::from(rows).to_string()
                }
                OutputFormat::Xlsx => {
                    let out = out.ok_or_else(|| {
                        CliError::environment("--format xlsx 需要 --out 文件路径")
                    })?;
                    let bytes = accountability_xlsx(&lines)
                        .map_err(|e| CliError::failure(format!("xlsx 生成失败：{e}")))?;
                    std::fs::write(&out, bytes).map_err(|e| {
                        CliError::failure(format!("无法写入 {}：{e}", out.display()))
                    })?;
                    format!("已写出 {} 条问责候选 → {}", lines.len(), out.display())
                }
                OutputFormat::Text => {
                    let table = accountability_table(&lines);
                    lines
                        .iter()
                        .zip(&table.rows)
                        .map(|(line, row)| format!("{}\t{}", line.candidate.key, row.join("\t")))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                other => return Err(other.refused("--format")),
            }
        }
        AccountabilityCommand::Transfer {
            target,
            case_text,
            on,
            items,
            plan,
        } => {
            let received_on = rectify_exact::date::Date::parse(&on)
                .ok_or_else(|| CliError::environment(format!("--on 应为 YYYY-MM-DD：{on}")))?;
            let plan = match plan {
                Some(plan) => plan,
                None => store
                    .plans()
                    .await?
                    .last()
                    .map(|p| p.plan.name.clone())
                    .unwrap_or_default(),
            };
            let items: Vec<(String, u32)> = items.into_iter().map(|n| (plan.clone(), n)).collect();
            let id = store
                .record_transfer(actor, &target, &case_text, received_on, &items)
                .await?;
            format!("已登记督察组移交问题 transferred:{id}（{target}）")
        }
        AccountabilityCommand::Decide {
            key,
            organ,
            on,
            form,
            outcome,
            published,
        } => {
            let decision = AccountabilityDecision {
                candidate_key: key.clone(),
                organ,
                decided_on: on,
                form,
                outcome,
                published,
            };
            store.decide_accountability(actor, &decision, today).await?;
            format!("已登记问责处理：{key}")
        }
    };
    print_stdout(&text)
}
