//! `rectify inspection`: special inspections (专项督察) and unannounced visits (明察暗访) — open a
//! round, record findings with their evidence (a finding can reopen a signed-off item or
//! register entry, or add a new problem to the plan), list the rounds.

use crate::cli_util::{parse_date, print_json, print_stdout};
use crate::error::CliError;
use crate::workflow_cmd::{As, session};
use clap::{Args, Subcommand};
use rectify_core::special::{Mode, Outcome, Round};
use rectify_exact::date::Date;
use rectify_store::Store;
use rectify_store::special::{FindingTarget, NewFinding, RoundRecord};
use rectify_store::workflow::ItemRef;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct InspectionArgs {
    #[command(flatten)]
    who: As,
    #[command(subcommand)]
    command: InspectionCommand,
}

#[derive(Debug, Subcommand)]
pub enum InspectionCommand {
    /// Open a round: its name, way, scope, team and dates.
    Open {
        #[arg(long)]
        name: String,
        /// 专项督察 or 明察暗访.
        #[arg(long, value_parser = parse_mode, default_value = "专项督察")]
        mode: Mode,
        #[arg(long)]
        scope: String,
        #[arg(long)]
        team: String,
        #[arg(long, value_parser = parse_date)]
        from: Date,
        #[arg(long, value_parser = parse_date)]
        to: Date,
    },
    /// Record a finding with its evidence files.
    Finding(FindingArgs),
    /// Every round with its findings.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct FindingArgs {
    round: i64,
    #[arg(long, value_parser = parse_date)]
    on: Date,
    #[arg(long)]
    description: String,
    /// 符合要求, 发现问题, 重新打开 or 新增问题.
    #[arg(long, value_parser = parse_outcome)]
    outcome: Outcome,
    /// The plan item it is about (with --plan when several plans are stored).
    #[arg(long)]
    item: Option<u32>,
    /// The register entry it is about.
    #[arg(long)]
    entry: Option<i64>,
    /// For a new problem: its lead unit.
    #[arg(long)]
    unit: Option<String>,
    /// For a new problem: its 整改时限 as written ("2027年3月底前").
    #[arg(long)]
    deadline: Option<String>,
    /// Evidence: photos, records of the visit.
    #[arg(long = "file", required = true)]
    files: Vec<PathBuf>,
}

fn parse_mode(text: &str) -> Result<Mode, String> {
    Mode::parse(text).ok_or_else(|| format!("应为 {}", Mode::choices_zh()))
}

fn parse_outcome(text: &str) -> Result<Outcome, String> {
    Outcome::parse(text).ok_or_else(|| format!("应为 {}", Outcome::choices_zh()))
}

pub async fn run(store: &Store, args: InspectionArgs) -> Result<ExitCode, CliError> {
    match args.command {
        InspectionCommand::Open {
            name,
            mode,
            scope,
            team,
            from,
            to,
        } => {
            let s = session(store, &args.who).await?;
            let round = Round {
                name,
                mode,
                scope,
                team,
                starts_on: from,
                ends_on: to,
            };
            let id = store
                .open_inspection_round(&s.actor.username, &round)
                .await?;
            print_stdout(&format!(
                "已开展{} {id}：{}",
                round.mode.label_zh(),
                round.name
            ))
        }
        InspectionCommand::Finding(finding) => record(store, &args.who, finding).await,
        InspectionCommand::List { json } => {
            let rounds = store.inspection_rounds().await?;
            if json {
                print_json(&rounds)
            } else {
                print_stdout(&list_text(&rounds))
            }
        }
    }
}

async fn record(store: &Store, who: &As, args: FindingArgs) -> Result<ExitCode, CliError> {
    let s = session(store, who).await?;
    let mut files = Vec::with_capacity(args.files.len());
    for path in &args.files {
        files.push(crate::cli_util::upload_file(store, path).await?);
    }
    let target = match (args.outcome, args.item, args.entry) {
        (Outcome::NewItem, _, _) => new_item(store, who.plan.as_deref(), &args, s.today).await?,
        (_, Some(number), _) => FindingTarget::Item(ItemRef {
            plan: who.plan.as_deref(),
            number,
        }),
        (_, None, Some(entry)) => FindingTarget::Entry(entry),
        (_, None, None) => FindingTarget::Nothing,
    };
    let new_plan = matches!(target, FindingTarget::NewItem { .. });
    let finding = NewFinding {
        on: args.on,
        description: &args.description,
        outcome: args.outcome,
        target,
        files: &files,
    };
    let recorded = store
        .record_finding(&s.actor, args.round, finding, &s.calendar)
        .await?;
    let about = match (&recorded.item, &recorded.entry, new_plan) {
        (Some((plan, number)), _, true) => format!("，已列为{plan}第{number}项"),
        (Some((plan, number)), _, false) => format!("（{plan}第{number}项）"),
        (None, Some((id, name)), _) => format!("（名录条目 {id} {name}）"),
        _ => String::new(),
    };
    print_stdout(&format!(
        "已记录督察发现 {}：{}{about}",
        recorded.id,
        recorded.outcome.label_zh()
    ))
}

/// A new problem for the plan (the only one stored, or the one named with --plan).
async fn new_item(
    store: &Store,
    plan: Option<&str>,
    args: &FindingArgs,
    today: Date,
) -> Result<FindingTarget<'static>, CliError> {
    let plans = store.plans().await?;
    if plan.is_none() && plans.len() != 1 {
        return Err(CliError::failure("新增问题须用 --plan 指定整改方案"));
    }
    let unit = args
        .unit
        .as_deref()
        .ok_or_else(|| CliError::failure("新增问题须用 --unit 指定牵头单位"))?;
    let deadline = args
        .deadline
        .as_deref()
        .ok_or_else(|| CliError::failure("新增问题须用 --deadline 指定整改时限"))?;
    Ok(store
        .new_problem(plan, &args.description, unit, deadline, today)
        .await?)
}

fn list_text(rounds: &[RoundRecord]) -> String {
    if rounds.is_empty() {
        return "（无）".into();
    }
    let mut lines = Vec::new();
    for r in rounds {
        lines.push(format!(
            "{:>3}  {} {}（{}，{}至{}）",
            r.id,
            r.round.mode.label_zh(),
            r.round.name,
            r.round.team,
            r.round.starts_on,
            r.round.ends_on
        ));
        for f in &r.findings {
            lines.push(format!(
                "       {} {} {}",
                f.on,
                f.outcome.label_zh(),
                f.description
            ));
        }
    }
    lines.join("\n")
}
