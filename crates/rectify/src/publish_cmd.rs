//! `rectify publish`: what the public portal shows — preview the redacted snapshot with every
//! replacement, approve it as a new frozen version, list the versions.

use crate::cli_util::{OutputFormat, TEXT_JSON, print_json, print_stdout};
use crate::error::CliError;
use clap::{Args, Subcommand};
use rectify_app::publish::draft;
use rectify_core::time::shown_minute;
use rectify_io::publish::{Draft, Part, Selection};
use rectify_store::Store;
use serde_json::json;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum PublishCommand {
    /// Show what would be published, and every redaction, without publishing.
    Preview(ChoiceArgs),
    /// Publish the snapshot as the next version (you are recorded as the approver).
    Approve(ChoiceArgs),
    /// The published versions.
    List,
}

#[derive(Debug, Args)]
pub struct ChoiceArgs {
    /// items, progress, notices, complaints, environment, registers (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "items,progress,notices,complaints,environment,registers"
    )]
    parts: Vec<String>,
    /// Complaint batches to publish (default: all).
    #[arg(long, value_delimiter = ',')]
    batches: Vec<u32>,
    /// A further string to remove (repeatable), e.g. a name the rules did not find.
    #[arg(long)]
    redact: Vec<String>,
    #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
    format: OutputFormat,
}

pub async fn run(
    store: &Store,
    actor: &str,
    command: PublishCommand,
) -> Result<ExitCode, CliError> {
    let today = rectify_store::today_china();
    match command {
        PublishCommand::Preview(args) => {
            let format = args.format;
            let draft = draft(store, &selection(args)?, today).await?;
            match format {
                OutputFormat::Json => print_json(&json!({
                    "content": draft.content,
                    "replacements": replacements_json(&draft),
                    "candidates": draft.review.candidates.iter()
                        .map(|(at, name)| json!({ "at": at, "candidate": name }))
                        .collect::<Vec<_>>(),
                })),
                _ => print_stdout(&review(&draft)),
            }
        }
        PublishCommand::Approve(args) => {
            let selection = selection(args)?;
            let draft = draft(store, &selection, today).await?;
            let parts: Vec<String> = draft.parts.iter().map(|p| p.code().to_string()).collect();
            let content = serde_json::to_value(&draft.content)
                .map_err(|e| CliError::failure(e.to_string()))?;
            let publication = store
                .publish(actor, &parts, &content, today, &selection.redact)
                .await?;
            print_stdout(&format!(
                "已发布第 {} 版（数据截至 {}，审核人 {}，隐去 {} 处）",
                publication.version,
                publication.snapshot_on,
                publication.approved_by,
                draft.review.replacements.len()
            ))
        }
        PublishCommand::List => {
            let lines: Vec<String> = store
                .publications()
                .await?
                .into_iter()
                .map(|(version, on, by, at, scope)| {
                    format!(
                        "第 {version} 版  截至 {on}  {by}  {}  {scope}",
                        shown_minute(&at)
                    )
                })
                .collect();
            print_stdout(&if lines.is_empty() {
                "尚未发布".to_string()
            } else {
                lines.join("\n")
            })
        }
    }
}

fn selection(args: ChoiceArgs) -> Result<Selection, CliError> {
    let parts = args
        .parts
        .iter()
        .map(|p| {
            Part::parse(p).ok_or_else(|| {
                let choices: Vec<&str> = Part::ALL.iter().map(|p| p.code()).collect();
                CliError::environment(format!("--parts“{p}”无效（可选：{}）", choices.join(", ")))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Selection {
        parts,
        batches: args.batches,
        redact: args.redact,
    })
}

fn replacements_json(draft: &Draft) -> Vec<serde_json::Value> {
    draft
        .review
        .replacements
        .iter()
        .map(|(at, r)| json!({ "at": at, "kind": r.kind.label_zh(), "original": r.original, "replacement": r.replacement }))
        .collect()
}

fn review(draft: &Draft) -> String {
    let content = &draft.content;
    let items: usize = content.plans.iter().map(|p| p.items.len()).sum();
    let mut lines = vec![
        format!("待发布内容（数据截至 {}）：", content.snapshot_on),
        format!(
            "  整改任务 {items} 项，销号公示 {} 项，信访件 {} 件，环境质量 {} 段，专项整治名录 {} 条",
            content.notices.len(),
            content.complaints.len(),
            content.environment.len(),
            content
                .registers
                .iter()
                .map(|r| r.entries.len())
                .sum::<usize>()
        ),
        format!("隐去 {} 处：", draft.review.replacements.len()),
    ];
    lines.extend(draft.review.replacements.iter().map(|(at, r)| {
        format!(
            "  {at}  {}  {} → {}",
            r.kind.label_zh(),
            r.original,
            r.replacement
        )
    }));
    let candidates = &draft.review.candidates;
    if !candidates.is_empty() {
        lines.push(format!(
            "疑似人名 {} 处，请逐一确认（保留则无需操作，隐去请加 --redact 该文字）：",
            candidates.len()
        ));
        lines.extend(
            candidates
                .iter()
                .map(|(at, name)| format!("  {at}  {name}")),
        );
    }
    lines.push("确认无误后运行 rectify publish approve（同样的参数）发布。".into());
    lines.join("\n")
}
