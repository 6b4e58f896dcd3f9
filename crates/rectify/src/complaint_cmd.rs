//! `rectify complaint`: transferred complaints (信访件) — import the team's transfer lists,
//! list and show them with their clocks, record feedback, spot-check, export the public tables.

use crate::cli_util::{
    OutputFormat, TEXT_JSON, finding_json, finding_lines, print_json, print_stdout,
    read_spreadsheet, refuse_file,
};
use crate::error::CliError;
use clap::{Args, Subcommand};
use rectify_app::complaints::{ComplaintTable, workbook};
use rectify_core::complaint::{
    Clock, ComplaintQuery, ComplaintRecord, DayMode, Handling, MEASURE_LABELS, Measures,
    SpotVerdict, Verdict,
};
use rectify_exact::date::Date;
use rectify_io::complaint::{ListDefaults, read_transfer_list};
use rectify_store::Store;
use rectify_store::complaints::{ComplaintFilter, ComplaintImport, ComplaintUpdate};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ComplaintCommand {
    /// Import a transfer list (xlsx, xls or csv; one sheet per batch or batches separated by
    /// batch rows); a re-sent list updates the feedback and lists what changed.
    Import(ImportArgs),
    /// The complaints with their report-back clock.
    List {
        #[arg(long)]
        batch: Option<u32>,
        #[arg(long)]
        region: Option<String>,
        /// Only those past their due day without feedback.
        #[arg(long)]
        overdue: bool,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// One complaint in full (the complainant's contact included: office use only).
    Show {
        received_no: String,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// Record the handling unit's feedback or the office's corrections.
    Update(UpdateArgs),
    /// Spot-checks (抽查) of closed complaints.
    #[command(subcommand)]
    Spotcheck(SpotcheckCommand),
    /// The public 一览表 (redacted) or the type statistics, as xlsx.
    Export {
        #[arg(long)]
        out: PathBuf,
        /// The type-statistics table instead of the 一览表.
        #[arg(long)]
        stats: bool,
        #[arg(long)]
        batch: Option<u32>,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// The inspection team; default: from the sheet titles.
    #[arg(long)]
    source: Option<String>,
    /// Report-back period in days after the transfer.
    #[arg(long, default_value_t = 10)]
    days: u16,
    /// Count the period in working days (default: calendar days).
    #[arg(long)]
    working_days: bool,
    /// The day feedback first seen in this file counts as reported (YYYY-MM-DD; default today).
    #[arg(long)]
    reported_on: Option<String>,
    /// The batch number, for a list whose sheet name, title or batch rows do not say it.
    #[arg(long)]
    batch: Option<u32>,
    /// The transfer date (YYYY-MM-DD), for a list that does not say it.
    #[arg(long)]
    transferred_on: Option<String>,
    #[arg(long)]
    dry_run: bool,
    #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
    format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    received_no: String,
    #[arg(long)]
    investigation: Option<String>,
    /// 属实, 基本属实, 部分属实, 不属实.
    #[arg(long)]
    verdict: Option<String>,
    #[arg(long)]
    result: Option<String>,
    /// 责任人被处理情况.
    #[arg(long)]
    accountability: Option<String>,
    /// 已办结, 阶段性办结, 正在办理.
    #[arg(long)]
    state: Option<String>,
    /// YYYY-MM-DD; default today when --state is given.
    #[arg(long)]
    reported_on: Option<String>,
    /// 回访 result.
    #[arg(long)]
    follow_up: Option<String>,
    /// Reassign to this unit (name or code).
    #[arg(long)]
    unit: Option<String>,
    #[arg(long)]
    key_case: Option<bool>,
    /// Confirm it repeats this earlier complaint (重复件).
    #[arg(long)]
    repeat_of: Option<String>,
    /// 责令整改,立案处罚,罚款元,立案侦查,拘留,约谈,问责[,移送] — e.g. "1,1,50000,0,0,1,0"
    /// (移送 is 0 when left out).
    #[arg(long)]
    measures: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SpotcheckCommand {
    /// Draw a sample of closed complaints; the seed is recorded and reproduces the sample.
    Draw {
        #[arg(long)]
        seed: u64,
        /// How many to draw.
        #[arg(long)]
        size: usize,
    },
    /// A round's sample and verdicts.
    Show {
        round: i64,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// Record 合格 or 不合格 (with a reason); 不合格 returns the complaint for re-handling.
    Mark {
        round: i64,
        received_no: String,
        /// 合格 or 不合格.
        #[arg(long)]
        verdict: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

pub async fn run(
    store: &Store,
    actor: &str,
    command: ComplaintCommand,
) -> Result<ExitCode, CliError> {
    let today = rectify_store::today_china();
    match command {
        ComplaintCommand::Import(args) => import(store, actor, args, today).await,
        ComplaintCommand::List {
            batch,
            region,
            overdue,
            format,
        } => {
            let query = ComplaintQuery {
                batch,
                region,
                overdue,
                ..ComplaintQuery::default()
            };
            let mut complaints = store.complaints(&ComplaintFilter::default()).await?;
            complaints.retain(|c| query.matches(c, today));
            print_list(&complaints, today, format)
        }
        ComplaintCommand::Show {
            received_no,
            format,
        } => {
            let complaint = store.complaint(&received_no).await?;
            match format {
                OutputFormat::Json => print_json(&with_clock(&complaint, today)),
                _ => print_stdout(&describe(&complaint, today)),
            }
        }
        ComplaintCommand::Update(args) => {
            let received_no = args.received_no.clone();
            let update = update_from(args, today)?;
            let record = store.update_complaint(actor, &received_no, update).await?;
            print_stdout(&format!(
                "已更新信访件 {}：{}",
                record.complaint.received_no,
                record.clock(today).label_zh()
            ))
        }
        ComplaintCommand::Spotcheck(command) => spotcheck(store, actor, command, today).await,
        ComplaintCommand::Export { out, stats, batch } => {
            let filter = ComplaintFilter {
                batch,
                ..ComplaintFilter::default()
            };
            let complaints = store.complaints(&filter).await?;
            let table = if stats {
                ComplaintTable::Types
            } else {
                ComplaintTable::Public
            };
            let bytes = workbook(store, &complaints, table).await?;
            std::fs::write(&out, bytes)
                .map_err(|e| CliError::environment(format!("无法写入 {}：{e}", out.display())))?;
            print_stdout(&format!("已写出 {}", out.display()))
        }
    }
}

async fn import(
    store: &Store,
    actor: &str,
    args: ImportArgs,
    today: Date,
) -> Result<ExitCode, CliError> {
    let (name, bytes, sheets) = read_spreadsheet(&args.file)?;
    let clock = Clock {
        days: args.days,
        mode: if args.working_days {
            DayMode::Working
        } else {
            DayMode::Calendar
        },
    };
    let defaults = ListDefaults {
        batch: args.batch,
        transferred_on: parse_date(args.transferred_on.as_deref(), "--transferred-on")?,
    };
    let list = read_transfer_list(&sheets, clock, defaults);
    if !list.errors.is_empty() {
        return Err(refuse_file(
            &name,
            &list.errors,
            &list.warnings,
            args.format == OutputFormat::Json,
            "未导入任何信访件",
        ));
    }
    let Some(source) = args.source.clone().or(list.source.clone()) else {
        return Err(CliError::failure(format!(
            "{name}：标题中没有督察组名称，请用 --source 指定"
        )));
    };
    let reported_on = parse_date(args.reported_on.as_deref(), "--reported-on")?.unwrap_or(today);
    let sha256 = if args.dry_run {
        String::new()
    } else {
        store.attachments().put(&bytes).await?.sha256
    };
    let batches: Vec<_> = list.batches.iter().map(|b| b.batch.clone()).collect();
    let summary = store
        .import_complaints(
            actor,
            ComplaintImport {
                source: &source,
                batches: &batches,
                file: json!({ "name": name, "sha256": sha256, "bytes": bytes.len() }),
                reported_on,
                dry_run: args.dry_run,
            },
        )
        .await?;
    if args.format == OutputFormat::Json {
        return print_json(&json!({
            "source": source,
            "batches": batches.iter().map(|b| json!({ "batch": b.number, "transferred_on": b.transferred_on, "complaints": b.complaints.len() })).collect::<Vec<_>>(),
            "summary": summary,
            "warnings": list.warnings.iter().map(finding_json).collect::<Vec<_>>(),
            "dry_run": args.dry_run,
        }));
    }
    let mut lines = finding_lines(&[], &list.warnings);
    lines.push(format!(
        "{}{source}：新增 {} 件，更新反馈 {} 件，未变 {} 件",
        if args.dry_run {
            "（试运行，未写入）"
        } else {
            ""
        },
        summary.added,
        summary.updated,
        summary.unchanged
    ));
    for s in &summary.suggestions {
        lines.push(format!(
            "建议核实 {}：{} {}（点位：{}）",
            s.received_no, s.kind, s.target, s.site
        ));
    }
    for change in &summary.changes {
        for field in &change.fields {
            lines.push(format!(
                "反馈更新 {}：{}“{}”→“{}”",
                change.received_no,
                field.field,
                rectify_core::text::short(&field.before, 30),
                rectify_core::text::short(&field.after, 30)
            ));
        }
    }
    print_stdout(&lines.join("\n"))
}

fn parse_date(text: Option<&str>, flag: &str) -> Result<Option<Date>, CliError> {
    text.map(|t| {
        Date::parse(t)
            .ok_or_else(|| CliError::environment(format!("{flag}“{t}”不是日期（YYYY-MM-DD）")))
    })
    .transpose()
}

fn update_from(args: UpdateArgs, today: Date) -> Result<ComplaintUpdate, CliError> {
    let verdict: Option<Verdict> = vocabulary(
        args.verdict,
        Verdict::parse,
        "--verdict",
        Verdict::choices_zh(),
    )?;
    let handling: Option<Handling> = vocabulary(
        args.state,
        Handling::parse,
        "--state",
        Handling::choices_zh(),
    )?;
    let reported_on =
        parse_date(args.reported_on.as_deref(), "--reported-on")?.or(handling.map(|_| today));
    Ok(ComplaintUpdate {
        investigation: args.investigation,
        verdict,
        result: args.result,
        accountability: args.accountability,
        handling,
        reported_on,
        follow_up: args.follow_up,
        counts: args.measures.as_deref().map(parse_measures).transpose()?,
        unit: args.unit,
        key_case: args.key_case,
        repeat_of: args.repeat_of,
    })
}

fn vocabulary<T>(
    text: Option<String>,
    parse: fn(&str) -> Option<T>,
    flag: &str,
    choices: String,
) -> Result<Option<T>, CliError> {
    text.map(|t| {
        parse(&t)
            .ok_or_else(|| CliError::environment(format!("{flag}“{t}”无效（可选：{choices}）")))
    })
    .transpose()
}

fn parse_measures(text: &str) -> Result<Measures, CliError> {
    let mut parts: Vec<&str> = text.split(',').collect();
    // Lists written before 移送 was kept have seven figures.
    if parts.len() == MEASURE_LABELS.len() - 1 {
        parts.push("0");
    }
    let texts: [&str; 8] = parts.try_into().map_err(|_| {
        CliError::environment(format!(
            "--measures“{text}”应为 8 个以逗号分隔的数（{}）",
            MEASURE_LABELS.join(",")
        ))
    })?;
    Measures::parse(texts).map_err(|e| CliError::environment(format!("--measures：{e}")))
}

async fn spotcheck(
    store: &Store,
    actor: &str,
    command: SpotcheckCommand,
    today: Date,
) -> Result<ExitCode, CliError> {
    match command {
        SpotcheckCommand::Draw { seed, size } => {
            let round = store.draw_spotcheck(actor, seed, size, today).await?;
            let drawn: Vec<&str> = round
                .checks
                .iter()
                .map(|c| c.received_no.as_str())
                .collect();
            print_stdout(&format!(
                "第 {} 轮抽查（种子 {}）：从 {} 件已办结信访件中抽取 {} 件\n{}",
                round.id,
                round.seed,
                round.population,
                drawn.len(),
                drawn.join("\n")
            ))
        }
        SpotcheckCommand::Show { round, format } => {
            let round = store.spotcheck(round).await?;
            match format {
                OutputFormat::Json => print_json(&json!(round)),
                _ => {
                    let mut lines = vec![format!(
                        "第 {} 轮抽查 {}（种子 {}，总体 {} 件）",
                        round.id, round.drawn_on, round.seed, round.population
                    )];
                    for c in &round.checks {
                        let verdict = c.verdict.map_or("待抽查", |v| v.label_zh());
                        lines.push(format!("{}  {verdict}  {}", c.received_no, c.reason));
                    }
                    print_stdout(&lines.join("\n"))
                }
            }
        }
        SpotcheckCommand::Mark {
            round,
            received_no,
            verdict,
            reason,
        } => {
            let verdict = SpotVerdict::parse(&verdict).ok_or_else(|| {
                CliError::environment(format!(
                    "--verdict“{verdict}”无效（可选：{}）",
                    SpotVerdict::choices_zh()
                ))
            })?;
            store
                .mark_spotcheck(actor, round, &received_no, (verdict, &reason), today)
                .await?;
            let message = match verdict {
                SpotVerdict::Pass => format!("{received_no} 抽查合格"),
                SpotVerdict::Fail => format!("{received_no} 抽查不合格，已退回重新办理"),
            };
            print_stdout(&message)
        }
    }
}

fn with_clock(c: &ComplaintRecord, today: Date) -> serde_json::Value {
    let mut value = json!(c);
    value["clock"] = json!(c.clock(today).label_zh());
    value["overdue"] = json!(c.clock(today).is_overdue());
    value
}

fn print_list(
    complaints: &[ComplaintRecord],
    today: Date,
    format: OutputFormat,
) -> Result<ExitCode, CliError> {
    if format == OutputFormat::Json {
        return print_json(&json!(
            complaints
                .iter()
                .map(|c| with_clock(c, today))
                .collect::<Vec<_>>()
        ));
    }
    let lines: Vec<String> = complaints
        .iter()
        .map(|c| {
            format!(
                "第{}批-{:<3} {}  {:<8} {:<8} 限{}  {:<8} {}",
                c.batch,
                c.complaint.seq,
                c.complaint.received_no,
                c.complaint.region.as_deref().unwrap_or("（未填）"),
                c.complaint
                    .types
                    .iter()
                    .map(|t| t.label_zh())
                    .collect::<Vec<_>>()
                    .join("、"),
                c.due_on,
                c.clock(today).label_zh(),
                c.complaint
                    .feedback
                    .handling
                    .map_or("未反馈", |h| h.label_zh()),
            )
        })
        .collect();
    print_stdout(&format!("{}\n共 {} 件", lines.join("\n"), complaints.len()))
}

fn describe(c: &ComplaintRecord, today: Date) -> String {
    let f = &c.complaint.feedback;
    let mut lines = vec![
        format!(
            "{}（{} 第{}批 第{}号，{}）",
            c.complaint.received_no, c.source, c.batch, c.complaint.seq, c.complaint.channel
        ),
        format!(
            "交办 {}，反馈期限 {}：{}",
            c.transferred_on,
            c.due_on,
            c.clock(today).label_zh()
        ),
        format!(
            "行政区域：{}  承办单位：{}",
            c.complaint.region.as_deref().unwrap_or("（未填）"),
            c.unit.as_deref().unwrap_or("（未指定）")
        ),
        format!(
            "污染类型：{}",
            c.complaint
                .types
                .iter()
                .map(|t| t.label_zh())
                .collect::<Vec<_>>()
                .join("、")
        ),
        format!("交办问题：{}", c.complaint.description),
    ];
    if c.complaint.key_case {
        lines.push("重点件：是".to_string());
    }
    for extra in &c.complaint.extras {
        lines.push(format!("{}：{}", extra.label, extra.text));
    }
    if !c.complaint.contact.is_empty() {
        lines.push(format!("举报人联系方式（不公开）：{}", c.complaint.contact));
    }
    if let Some(no) = &c.suggested_repeat_of {
        lines.push(format!("疑似重复件：{no}（点位：{}）", c.suggested_site));
    }
    if let Some((plan, number)) = &c.suggested_item {
        lines.push(format!("与整改任务同一点位：{plan} 第{number}项"));
    }
    lines.push(format!("调查核实：{}", f.investigation));
    lines.push(format!(
        "是否属实：{}  办理状态：{}",
        f.verdict.map_or("—", |v| v.label_zh()),
        f.handling.map_or("未反馈", |h| h.label_zh())
    ));
    lines.push(format!("处理和整改：{}", f.result));
    lines.push(format!("责任人被处理：{}", f.accountability));
    if c.returns > 0 {
        lines.push(format!("退回重办 {} 次", c.returns));
    }
    lines.join("\n")
}
