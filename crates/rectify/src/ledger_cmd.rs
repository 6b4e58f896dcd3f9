//! `rectify plan import`, `rectify ledger list|show|export` and `rectify calendar load|show`.

use crate::cli_util::{
    OutputFormat, TEXT_JSON, finding_json, parse_date, print_stdout, to_json, write_atomically,
};
use crate::error::CliError;
use clap::{Args, Subcommand};
use rectify_app::ledger::task_rows;
use rectify_core::calendar::parse_notices;
use rectify_core::deadline::DeadlineContext;
use rectify_core::ledger::{InspectionType, Item, ItemState, Plan, Scope};
use rectify_core::reimport::Resolution;
use rectify_exact::date::Date;
use rectify_io::plan::{
    LedgerRow, LedgerRowJson, PlanTable, ledger_csv, ledger_row_json, ledger_row_json_with_tasks,
    ledger_xlsx, read_plan,
};
use rectify_store::ledger::{ImportSummary, PlanImport, StoredItem};
use rectify_store::{Store, today_china};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Import the plan's problem list (.xlsx, .xls or .csv in UTF-8/GB18030). Nothing is written
    /// if any cell is in error; every error is listed.
    Import(ImportArgs),
    /// List the plans in the database.
    List,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// Plan name [default: the sheet's title row, else the file name].
    #[arg(long)]
    plan: Option<String>,
    /// Read this worksheet instead of finding the table by its content.
    #[arg(long)]
    sheet: Option<String>,
    /// Check and report only; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Settle a conflict over a deadline amended in rectify: N=keep keeps the approved
    /// amendment, N=file takes the file's deadline (repeatable).
    #[arg(long = "resolve", value_parser = parse_resolution)]
    resolve: Vec<(u32, Resolution)>,
    #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
    format: OutputFormat,
    /// Inspection round, e.g. 第一轮.
    #[arg(long)]
    round: Option<String>,
    /// 例行督察, 回头看, 专项督察 or 省级督察.
    #[arg(long, value_parser = parse_inspection_type)]
    inspection_type: Option<InspectionType>,
    /// Date the inspection fed the problems back (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    feedback_date: Option<Date>,
    /// Document number (文号) of the plan.
    #[arg(long)]
    doc_number: Option<String>,
    /// Date the plan was issued; "N个工作日内" deadlines count from it (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    issued_on: Option<Date>,
}

/// Which items a listing or an export covers.
#[derive(Debug, Args)]
pub struct LedgerFilter {
    /// Only this plan.
    #[arg(long)]
    plan: Option<String>,
    /// 共性 or 个性.
    #[arg(long, value_parser = parse_scope)]
    scope: Option<Scope>,
    /// Items this unit is responsible for (lead or not).
    #[arg(long)]
    unit: Option<String>,
    /// State: 草拟/已交办/整改中 or DRAFT/ISSUED/IN_PROGRESS.
    #[arg(long, value_parser = parse_state)]
    status: Option<ItemState>,
    /// Only items past their final deadline.
    #[arg(long)]
    overdue: bool,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// List items.
    List {
        #[command(flatten)]
        filter: LedgerFilter,
        #[arg(long, default_value = "table", value_parser = OutputFormat::among(&[
            OutputFormat::Table, OutputFormat::Json, OutputFormat::Csv,
        ]))]
        format: OutputFormat,
    },
    /// Show one item.
    Show {
        number: u32,
        /// The plan, when several plans have this number.
        #[arg(long)]
        plan: Option<String>,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// Write the ledger as the office's xlsx, CSV or JSON.
    Export {
        #[command(flatten)]
        filter: LedgerFilter,
        #[arg(long, value_parser = OutputFormat::among(&[
            OutputFormat::Xlsx, OutputFormat::Csv, OutputFormat::Json,
        ]))]
        format: OutputFormat,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load holiday notices for one or more years from a file in the shipped format.
    Load { file: PathBuf },
    /// Print a year's rest days and make-up working days.
    Show {
        #[arg(long)]
        year: i32,
    },
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    Scope::parse(text).ok_or_else(|| format!("应为 {}", Scope::choices_zh()))
}

fn parse_state(text: &str) -> Result<ItemState, String> {
    ItemState::parse(text).ok_or_else(|| format!("应为 {}", ItemState::choices_zh()))
}

fn parse_inspection_type(text: &str) -> Result<InspectionType, String> {
    InspectionType::parse(text).ok_or_else(|| format!("应为 {}", InspectionType::choices_zh()))
}

pub async fn run_plan(
    store: &Store,
    actor: &str,
    command: PlanCommand,
) -> Result<ExitCode, CliError> {
    match command {
        PlanCommand::Import(args) => import(store, actor, args).await,
        PlanCommand::List => {
            let mut lines = Vec::new();
            for record in store.plans().await? {
                let plan = &record.plan;
                let kind = plan.inspection_type.map_or("", |t| t.label_zh());
                let doc = plan.doc_number.as_deref().unwrap_or("");
                lines.push(format!(
                    "{}\t{} 项\t{kind}\t{doc}\t{}",
                    plan.name, record.items, record.title
                ));
            }
            print_stdout(&lines.join("\n"))
        }
    }
}

async fn import(store: &Store, actor: &str, args: ImportArgs) -> Result<ExitCode, CliError> {
    let bytes = crate::cli_util::read_whole(&args.file)?;
    let file_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let calendar = store.work_calendar().await?;
    let known = store.plans().await?;
    let stored_issue_date = |name: &str| {
        known
            .iter()
            .find(|r| r.plan.name == name)
            .and_then(|r| r.plan.issued_on)
    };
    // The name is only known after reading when it comes from the title, so read twice at worst.
    let reference = args
        .issued_on
        .or_else(|| args.plan.as_deref().and_then(stored_issue_date));
    let context = DeadlineContext {
        reference,
        calendar: &calendar,
    };
    let mut table = read_plan(
        &bytes,
        &file_name,
        args.sheet.as_deref(),
        context,
        &crate::config::get().sheets,
    );
    let name = args
        .plan
        .clone()
        .or_else(|| table.title.clone())
        .unwrap_or_else(|| file_stem(&args.file));
    if reference.is_none() && stored_issue_date(&name).is_some() {
        let context = DeadlineContext {
            reference: stored_issue_date(&name),
            calendar: &calendar,
        };
        table = read_plan(
            &bytes,
            &file_name,
            args.sheet.as_deref(),
            context,
            &crate::config::get().sheets,
        );
    }
    if !table.errors.is_empty() {
        report_import(&table, &name, None, args.format, args.dry_run)?;
        return Err(CliError::failure(format!(
            "{} 有 {} 处错误，未导入任何数据",
            args.file.display(),
            table.errors.len()
        )));
    }
    let plan = Plan {
        name: name.clone(),
        round: args.round,
        inspection_type: args.inspection_type,
        feedback_date: args.feedback_date,
        doc_number: args.doc_number,
        issued_on: args.issued_on,
    };
    let sha256 = if args.dry_run {
        String::new()
    } else {
        store.attachments().put(&bytes).await?.sha256
    };
    let items: Vec<Item> = table.items.iter().map(|s| s.item.clone()).collect();
    let import = PlanImport {
        plan: &plan,
        title: table.title.as_deref().unwrap_or(""),
        items: &items,
        source: json!({"file": file_name, "sha256": sha256, "size": bytes.len(), "sheet": table.sheet}),
        dry_run: args.dry_run,
        resolutions: &args.resolve,
    };
    let summary = store.import_plan(actor, import).await?;
    report_import(&table, &name, Some(&summary), args.format, args.dry_run)
}

/// `N=keep` or `N=file`.
fn parse_resolution(text: &str) -> Result<(u32, Resolution), String> {
    let (number, how) = text
        .split_once('=')
        .ok_or_else(|| format!("“{text}”应写作 问题序号=keep 或 问题序号=file"))?;
    let number = number
        .trim()
        .parse()
        .map_err(|_| format!("“{number}”不是问题序号"))?;
    let how = Resolution::parse(how)
        .ok_or_else(|| format!("“{how}”无效（可选：{}）", Resolution::choices_with_codes()))?;
    Ok((number, how))
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "整改方案".to_string())
}

/// A multi-line cell on one line, shortened for a terminal.
fn one_line(text: &str) -> String {
    rectify_core::text::short(&text.replace('\n', " "), 60)
}

fn numbers(list: &[u32]) -> String {
    list.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

fn report_import(
    table: &PlanTable,
    plan: &str,
    summary: Option<&ImportSummary>,
    format: OutputFormat,
    dry_run: bool,
) -> Result<ExitCode, CliError> {
    if format == OutputFormat::Json {
        let mut value = json!({
            "plan": plan,
            "sheet": table.sheet,
            "dry_run": dry_run,
            "items": if table.errors.is_empty() { table.items.len() } else { 0 },
            "errors": table.errors.iter().map(finding_json).collect::<Vec<_>>(),
            "warnings": table.warnings.iter().map(finding_json).collect::<Vec<_>>(),
        });
        if let Some(s) = summary {
            value["added"] = json!(s.added);
            value["updated"] = json!(s.updated);
            value["unchanged"] = json!(s.unchanged);
            value["absent"] = json!(s.absent);
            value["created_units"] = s
                .created_units
                .iter()
                .map(|(name, kind)| json!({"name": name, "kind": kind.code()}))
                .collect();
            value["created_people"] = json!(s.created_people);
            value["tasks_created"] = s
                .tasks
                .created
                .iter()
                .map(|(item, unit)| json!({"item": item, "unit": unit}))
                .collect();
            value["changes"] = s
                .changes
                .iter()
                .flat_map(|(item, changes)| {
                    changes.iter().map(move |c| {
                        json!({"item": item, "field": c.field, "before": c.before, "after": c.after})
                    })
                })
                .collect();
            value["kept"] = s
                .kept
                .iter()
                .map(|(item, kept, file)| json!({"item": item, "kept": kept, "file": file}))
                .collect();
            value["conflicts"] = s
                .conflicts
                .iter()
                .map(|c| {
                    json!({"item": c.number, "amended": c.amended, "original": c.original, "file": c.file})
                })
                .collect();
            value["unresolved_groups"] = s
                .tasks
                .unresolved
                .iter()
                .map(|(group, items)| json!({"group": group, "items": items}))
                .collect();
        }
        return print_stdout(&value.to_string());
    }
    let mut lines: Vec<String> = table.errors.iter().map(|f| format!("错误 {f}")).collect();
    lines.extend(table.warnings.iter().map(|f| format!("警告 {f}")));
    if let Some(s) = summary {
        let verb = if dry_run {
            "试导入（未写入）"
        } else {
            "已导入"
        };
        lines.push(format!(
            "{verb}“{plan}”：工作表“{}”共 {} 项；新增 {} 项，更新 {} 项，未变 {} 项",
            table.sheet,
            table.items.len(),
            s.added.len(),
            s.updated.len(),
            s.unchanged
        ));
        for (number, changes) in &s.changes {
            for c in changes {
                lines.push(format!(
                    "第 {number} 项 {}：{} → {}",
                    c.field,
                    one_line(&c.before),
                    one_line(&c.after)
                ));
            }
        }
        if !s.absent.is_empty() {
            lines.push(format!(
                "台账中有、文件中没有的问题（已保留）：第 {} 项",
                numbers(&s.absent)
            ));
        }
        lines.extend(s.notes_zh());
    }
    print_stdout(&lines.join("\n"))
}

pub async fn run_ledger(store: &Store, command: LedgerCommand) -> Result<ExitCode, CliError> {
    let today = today_china();
    match command {
        LedgerCommand::List { filter, format } => {
            let (plans, rows) = filtered(store, &filter, today).await?;
            let text = match format {
                OutputFormat::Json => to_json(&json_rows(&plans, &rows), false)?,
                OutputFormat::Csv => String::from_utf8_lossy(&csv_bytes(&rows)?)
                    .trim_start_matches('\u{feff}')
                    .trim_end()
                    .to_string(),
                OutputFormat::Table => table_text(&rows),
                other => return Err(other.refused("--format")),
            };
            print_stdout(&text)
        }
        LedgerCommand::Show {
            number,
            plan,
            format,
        } => show(store, number, plan, format, today).await,
        LedgerCommand::Export {
            filter,
            format,
            out,
        } => export(store, &filter, format, &out, today).await,
    }
}

fn json_rows<'a>(plans: &'a [String], rows: &'a [LedgerRow]) -> Vec<LedgerRowJson<'a>> {
    rows.iter()
        .zip(plans)
        .map(|(row, plan)| ledger_row_json(row, Some(plan)))
        .collect()
}

fn csv_bytes(rows: &[LedgerRow]) -> Result<Vec<u8>, CliError> {
    ledger_csv(rows).map_err(|e| CliError::failure(format!("CSV 生成失败：{e}")))
}

/// The items through the filter as rows to print or export, each with its schedule on `today`
/// (`Item::schedule`, as the web shows it), and each row's plan; the items are moved, not copied.
async fn filtered(
    store: &Store,
    filter: &LedgerFilter,
    today: Date,
) -> Result<(Vec<String>, Vec<LedgerRow>), CliError> {
    let items = store.ledger(filter.plan.as_deref()).await?;
    let schedules = store.schedules(&store.workflows().await?).await?;
    let acceptance = store.task_settings().await?.acceptance;
    Ok(items
        .into_iter()
        .filter(|s| filter.scope.is_none_or(|scope| s.item.scope == scope))
        .filter(|s| filter.status.is_none_or(|state| s.item.state == state))
        .filter(|s| {
            filter
                .unit
                .as_ref()
                .is_none_or(|u| s.item.units.contains(u))
        })
        .map(|stored| (schedules.of(&stored, today), stored))
        // --overdue: the final deadline has passed.
        .filter(|(standing, _)| !filter.overdue || standing.overdue)
        .map(|(standing, stored)| {
            let row = LedgerRow {
                standing,
                tasks: task_rows(&stored, &schedules, today, acceptance),
                item: stored.item,
                latest_progress: String::new(),
            };
            (stored.plan, row)
        })
        .unzip())
}

fn table_text(rows: &[LedgerRow]) -> String {
    let mut lines = vec![
        "序号\t共性/个性\t类别\t牵头单位\t整改时限\t截止日期\t状态\t进度\t反馈问题".to_string(),
    ];
    for row in rows {
        let item = &row.item;
        let problem: String = item.problem.chars().take(24).collect();
        let due = item
            .deadline
            .due_date
            .map_or("—".to_string(), |d| d.to_string());
        lines.push(format!(
            "{}\t{}\t{}\t{}\t{}\t{due}\t{}\t{}\t{problem}",
            item.number,
            item.scope,
            item.category,
            item.lead_unit,
            item.deadline.text.replace('\n', " "),
            item.state,
            row.standing.schedule
        ));
    }
    lines.push(format!("共 {} 项", rows.len()));
    lines.join("\n")
}

async fn show(
    store: &Store,
    number: u32,
    plan: Option<String>,
    format: OutputFormat,
    today: Date,
) -> Result<ExitCode, CliError> {
    let matches: Vec<StoredItem> = store
        .ledger(plan.as_deref())
        .await?
        .into_iter()
        .filter(|s| s.item.number == number)
        .collect();
    let stored = match matches.as_slice() {
        [one] => one,
        [] => return Err(CliError::failure(format!("台账中没有第 {number} 项"))),
        several => {
            let plans: Vec<&str> = several.iter().map(|s| s.plan.as_str()).collect();
            return Err(CliError::failure(format!(
                "有多个方案含第 {number} 项（{}），请用 --plan 指定",
                plans.join("、")
            )));
        }
    };
    let schedules = store.schedules(&store.workflows().await?).await?;
    let acceptance = store.task_settings().await?.acceptance;
    let row = LedgerRow {
        standing: schedules.of(stored, today),
        tasks: task_rows(stored, &schedules, today, acceptance),
        item: stored.item.clone(),
        latest_progress: String::new(),
    };
    if format == OutputFormat::Json {
        let json = ledger_row_json_with_tasks(&row, Some(&stored.plan));
        return print_stdout(&to_json(&json, false)?);
    }
    print_stdout(&item_text(&row, &stored.plan))
}

fn item_text(row: &LedgerRow, plan: &str) -> String {
    let item = &row.item;
    let deadline = &item.deadline;
    let mut flags = Vec::new();
    if deadline.immediate {
        flags.push("立行立改".to_string());
    }
    if deadline.sustain {
        flags.push("长期坚持".to_string());
    }
    if let Some(due) = deadline.due_date {
        flags.push(format!("截止 {due}"));
    }
    if !deadline.stages.is_empty() {
        let stages: Vec<String> = deadline.stages.iter().map(Date::to_string).collect();
        flags.push(format!("节点 {}", stages.join("、")));
    }
    if deadline.needs_manual_date {
        flags.push("需人工设定日期".to_string());
    }
    let measures: Vec<String> = item
        .measures
        .iter()
        .enumerate()
        .map(|(i, m)| format!("  {}. {}", i + 1, m.text.replace('\n', "\n     ")))
        .collect();
    let co: Vec<&str> = item.co_units().collect();
    let territorial: Vec<&str> = item.territorial_units().collect();
    let standing = &row.standing;
    let mut colour = standing.schedule.colour_zh().to_string();
    if !standing.reasons.is_empty() {
        colour = format!("{colour}：{}", standing.reasons.join("；"));
    }
    [
        format!(
            "{plan} · 第 {} 项（{}·{}·{}）",
            item.number, item.scope, item.category, item.source
        ),
        format!(
            "状态：{}　进度：{}（{colour}）",
            item.state, standing.schedule
        ),
        format!("反馈问题：{}", item.problem),
        format!("整改目标：{}", item.target),
        format!("整改措施：\n{}", measures.join("\n")),
        format!("责任领导：{}", item.leaders.join("、")),
        format!("监管人：{}", item.supervisors.join("、")),
        format!("牵头单位：{}", item.lead_unit),
        format!("配合单位：{}", co.join("、")),
        format!("属地单位：{}", territorial.join("、")),
        format!("整改时限：{}（{}）", deadline.text, flags.join("，")),
    ]
    .join("\n")
}

async fn export(
    store: &Store,
    filter: &LedgerFilter,
    format: OutputFormat,
    out: &Path,
    today: Date,
) -> Result<ExitCode, CliError> {
    let (plan_names, rows) = filtered(store, filter, today).await?;
    let plans = store.plans().await?;
    let title = match filter.plan.as_deref() {
        Some(name) => plans
            .iter()
            .find(|p| p.plan.name == name)
            .map(|p| p.title.clone()),
        None if plans.len() == 1 => plans.first().map(|p| p.title.clone()),
        None => None,
    }
    .filter(|t| !t.is_empty())
    .unwrap_or_else(|| "整改台账".to_string());
    let bytes = match format {
        OutputFormat::Xlsx => ledger_xlsx(&title, &rows)
            .map_err(|e| CliError::failure(format!("xlsx 生成失败：{e}")))?,
        OutputFormat::Csv => csv_bytes(&rows)?,
        OutputFormat::Json => {
            let value = json!({"title": title, "date": today.to_string(), "items": json_rows(&plan_names, &rows)});
            let mut text = to_json(&value, true)?;
            text.push('\n');
            text.into_bytes()
        }
        other => return Err(other.refused("--format")),
    };
    write_atomically(out, |w| {
        w.write_all(&bytes)
            .map_err(|e| CliError::failure(format!("写入 {} 失败：{e}", out.display())))
    })?;
    println!("已导出 {} 项到 {}", rows.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

pub async fn run_calendar(
    store: &Store,
    actor: &str,
    command: CalendarCommand,
) -> Result<ExitCode, CliError> {
    match command {
        CalendarCommand::Load { file } => {
            let text = crate::cli_util::read_whole(&file)?;
            let text = rectify_io::plan::decode_text(&text);
            let notices = parse_notices(&text)
                .map_err(|e| CliError::failure(format!("{}：{e}", file.display())))?;
            if notices.is_empty() {
                return Err(CliError::failure(format!(
                    "{} 中没有任何 year 段",
                    file.display()
                )));
            }
            let blocks: Vec<(i32, String)> =
                notices.iter().map(|n| (n.year, n.to_text())).collect();
            store.load_calendar_notices(actor, &blocks).await?;
            let years: Vec<String> = notices.iter().map(|n| n.year.to_string()).collect();
            print_stdout(&format!("已载入 {} 年的节假日安排", years.join("、")))
        }
        CalendarCommand::Show { year } => {
            let calendar = store.work_calendar().await?;
            let Some(notice) = calendar.notices().find(|n| n.year == year) else {
                return Err(CliError::failure(format!(
                    "没有 {year} 年的节假日安排（可用 rectify calendar load 载入）"
                )));
            };
            print_stdout(notice.to_text().trim_end())
        }
    }
}
