//! `rectify register`: the standing registers (散乱污, construction sites, contaminated plots) —
//! import and export a kind's sheet, list and show entries, move them by rule, record
//! inspections and evidence, link them to items and complaints.

use crate::cli_util::{
    OutputFormat, TEXT_JSON, finding_json, finding_lines, print_json, print_stdout,
    read_spreadsheet, refuse_file,
};
use crate::error::CliError;
use clap::{Args, Subcommand};
use rectify_core::register::water_body::Sample;
use rectify_core::register::{CheckLine, Details, EntryRecord, Inspection, Kind};
use rectify_exact::date::Date;
use rectify_io::register::{read_register, register_xlsx};
use rectify_store::Store;
use rectify_store::registers::{EntryDetail, NewRegisterEvidence, RegisterFilter};
use rectify_store::sessions::viewer_in;
use rectify_store::workflow::ItemRef;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum RegisterCommand {
    /// Add or update a kind's entries from its sheet (all or nothing; states are not moved).
    Import {
        #[arg(long, value_parser = parse_kind)]
        kind: Kind,
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// A kind's register as an xlsx sheet that imports back unchanged.
    Export {
        #[arg(long, value_parser = parse_kind)]
        kind: Kind,
        #[arg(long)]
        out: PathBuf,
    },
    List {
        #[arg(long, value_parser = parse_kind)]
        kind: Option<Kind>,
        #[arg(long)]
        county: Option<String>,
        /// A state's code or label.
        #[arg(long)]
        state: Option<String>,
        /// Only construction sites failing inspections repeatedly (settings
        /// register.site.repeat_days, register.site.repeat_times).
        #[arg(long)]
        repeat_offenders: bool,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// One entry with its timeline: moves, inspections, evidence and links.
    Show {
        id: i64,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// Move an entry to another state of its kind, if its rules allow.
    Move {
        id: i64,
        /// The state's code or label (整治中, 验收, 销号 …).
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: Option<String>,
        /// YYYY-MM-DD; default today.
        #[arg(long, value_parser = crate::cli_util::parse_date)]
        on: Option<Date>,
    },
    /// Record an inspection or patrol (巡查) of an entry.
    Inspect(InspectArgs),
    /// Attach a file as evidence (断水, 现场照片, 调查报告 …).
    Evidence {
        id: i64,
        file: PathBuf,
        /// What it shows, as the kind's rules name it.
        #[arg(long)]
        kind: String,
        /// The inspection it belongs to.
        #[arg(long)]
        inspection: Option<i64>,
    },
    /// Record a water body's monitoring sample of the four indicators.
    Monitor {
        id: i64,
        #[arg(long, value_parser = crate::cli_util::parse_date)]
        on: Option<Date>,
        /// 透明度, cm.
        #[arg(long)]
        transparency: String,
        /// Water depth, cm (counts where shallower than 25 cm).
        #[arg(long)]
        depth: Option<String>,
        /// 溶解氧, mg/L.
        #[arg(long = "do")]
        dissolved_oxygen: String,
        /// 氧化还原电位, mV.
        #[arg(long, allow_hyphen_values = true)]
        orp: String,
        /// 氨氮, mg/L.
        #[arg(long)]
        nh3n: String,
    },
    /// Link an entry with a plan item or a complaint.
    Link {
        id: i64,
        #[arg(long)]
        item: Option<u32>,
        #[arg(long)]
        plan: Option<String>,
        #[arg(long)]
        complaint: Option<String>,
        /// Link as this user, who must see the entry, the item and the complaint (default: the
        /// database's operator, who sees everything).
        #[arg(long = "as", env = "RECTIFY_USER")]
        user: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    id: i64,
    /// Who inspected ("市住建局执法支队 张某").
    #[arg(long)]
    by: String,
    #[arg(long, value_parser = crate::cli_util::parse_date)]
    on: Option<Date>,
    /// Check the site checklist (setting `register.site.checklist`); the items named in
    /// --fail did not comply.
    #[arg(long)]
    checklist: bool,
    /// Checklist items that did not comply, separated by 、 or commas.
    #[arg(long)]
    fail: Option<String>,
    /// The day what failed must be put right.
    #[arg(long, value_parser = crate::cli_util::parse_date)]
    deadline: Option<Date>,
    /// The earlier failed inspection this one re-checks.
    #[arg(long)]
    rechecks: Option<i64>,
    /// Activity found where there should be none (a rebound on a signed-off entry).
    #[arg(long)]
    activity: bool,
    #[arg(long, default_value = "")]
    finding: String,
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    Kind::parse(text).ok_or_else(|| format!("应为 {}", Kind::choices_with_codes()))
}

pub async fn run(
    store: &Store,
    actor: &str,
    command: RegisterCommand,
) -> Result<ExitCode, CliError> {
    let today = rectify_store::today_china();
    match command {
        RegisterCommand::Import {
            kind,
            file,
            dry_run,
            format,
        } => import(store, actor, kind, &file, dry_run, format, today).await,
        RegisterCommand::Export { kind, out } => {
            let filter = RegisterFilter {
                kind: Some(kind),
                ..RegisterFilter::default()
            };
            let entries = store.register_entries(&filter).await?;
            let title = format!("{}名录（{}导出）", kind.label_zh(), today.chinese());
            let bytes = register_xlsx(kind, &title, &entries)
                .map_err(|e| CliError::failure(format!("xlsx 生成失败：{e}")))?;
            std::fs::write(&out, bytes)
                .map_err(|e| CliError::environment(format!("无法写入 {}：{e}", out.display())))?;
            print_stdout(&format!(
                "已导出{}条{}：{}",
                entries.len(),
                kind.label_zh(),
                out.display()
            ))
        }
        RegisterCommand::List {
            kind,
            county,
            state,
            repeat_offenders,
            format,
        } => {
            let filter = RegisterFilter {
                kind,
                county,
                state: match (kind, state) {
                    (Some(kind), Some(state)) => {
                        kind.parse_state(&state).map(str::to_string).or(Some(state))
                    }
                    (_, state) => state,
                },
                units: None,
            };
            let mut entries = store.register_entries(&filter).await?;
            if repeat_offenders {
                let offenders = store.repeat_offenders(today).await?;
                entries.retain(|e| offenders.contains(&e.id));
            }
            match format {
                OutputFormat::Json => print_json(&entries),
                _ => print_stdout(&list_text(&entries)),
            }
        }
        RegisterCommand::Show { id, format } => {
            let detail = store.register_entry(id).await?;
            match format {
                OutputFormat::Json => print_json(&detail),
                _ => print_stdout(&detail_text(&detail)),
            }
        }
        RegisterCommand::Move { id, to, reason, on } => {
            let record = store
                .move_register_entry(
                    actor,
                    id,
                    &to,
                    on.unwrap_or(today),
                    reason.as_deref().unwrap_or(""),
                )
                .await?;
            print_stdout(&format!(
                "{}：现为“{}”",
                record.identity.name, record.state_label
            ))
        }
        RegisterCommand::Inspect(args) => inspect(store, actor, args, today).await,
        RegisterCommand::Evidence {
            id,
            file,
            kind,
            inspection,
        } => {
            let (file_name, upload) = crate::cli_util::upload_file(store, &file).await?;
            let evidence = NewRegisterEvidence {
                inspection_id: inspection,
                kind: &kind,
                file_name: &file_name,
                file: &upload,
            };
            let evidence_id = store.add_register_evidence(actor, id, evidence).await?;
            print_stdout(&format!(
                "已登记佐证材料 {evidence_id}（{kind}）：{file_name}"
            ))
        }
        RegisterCommand::Monitor {
            id,
            on,
            transparency,
            depth,
            dissolved_oxygen,
            orp,
            nh3n,
        } => {
            let sample = Sample {
                on: on.unwrap_or(today),
                transparency,
                depth,
                dissolved_oxygen,
                orp,
                ammonia: nh3n,
            };
            let levels = sample.levels().map_err(CliError::failure)?;
            let record = store
                .update_register_details(actor, id, |details| match details {
                    Details::WaterBody(d) => {
                        d.samples.push(sample);
                        Ok(())
                    }
                    _ => Err("只有黑臭水体可以录入水质监测".into()),
                })
                .await?;
            let levels: Vec<&str> = levels.iter().map(|g| g.label_zh()).collect();
            print_stdout(&format!(
                "{}：已录入监测（透明度、溶解氧、氧化还原电位、氨氮：{}）",
                record.identity.name,
                levels.join("、")
            ))
        }
        RegisterCommand::Link {
            id,
            item,
            plan,
            complaint,
            user,
        } => {
            let item = item.map(|number| ItemRef {
                plan: plan.as_deref(),
                number,
            });
            let scope = match &user {
                Some(name) => {
                    store.actor(name).await?;
                    let user = store.user(name).await?;
                    Some(viewer_in(&store.org_units().await?, &user))
                }
                None => None,
            };
            let actor = user.as_deref().unwrap_or(actor);
            store
                .link_register_entry(actor, scope.as_ref(), id, item, complaint.as_deref(), today)
                .await?;
            print_stdout("已关联")
        }
    }
}

async fn import(
    store: &Store,
    actor: &str,
    kind: Kind,
    file: &Path,
    dry_run: bool,
    format: OutputFormat,
    today: Date,
) -> Result<ExitCode, CliError> {
    let (name, _, sheets) = read_spreadsheet(file)?;
    let read = read_register(&sheets, kind, today);
    if !read.errors.is_empty() {
        return Err(refuse_file(
            &name,
            &read.errors,
            &read.warnings,
            format == OutputFormat::Json,
            "未导入任何条目",
        ));
    }
    let entries: Vec<_> = read.entries.iter().map(|(_, e)| e.clone()).collect();
    let summary = store
        .upsert_register_entries(actor, kind, &entries, dry_run)
        .await?;
    if format == OutputFormat::Json {
        return print_json(&json!({
            "kind": kind.code(),
            "summary": summary,
            "warnings": read.warnings.iter().map(finding_json).collect::<Vec<_>>(),
            "dry_run": dry_run,
        }));
    }
    let mut lines = finding_lines(&[], &read.warnings);
    lines.push(format!(
        "{}{}：新增 {} 条，更新 {} 条，未变 {} 条",
        if dry_run {
            "（试运行，未写入）"
        } else {
            ""
        },
        kind.label_zh(),
        summary.added,
        summary.updated,
        summary.unchanged
    ));
    print_stdout(&lines.join("\n"))
}

async fn inspect(
    store: &Store,
    actor: &str,
    args: InspectArgs,
    today: Date,
) -> Result<ExitCode, CliError> {
    let failed: Vec<String> = args
        .fail
        .as_deref()
        .unwrap_or("")
        .split(['、', ',', '，'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let lines = if args.checklist {
        let checklist = store.site_checklist().await?;
        if let Some(unknown) = failed.iter().find(|f| !checklist.contains(f)) {
            return Err(CliError::failure(format!(
                "“{unknown}”不在检查清单中（{}）",
                checklist.join("、")
            )));
        }
        checklist
            .into_iter()
            .map(|item| CheckLine {
                complies: !failed.contains(&item),
                item,
                note: String::new(),
            })
            .collect()
    } else if failed.is_empty() {
        Vec::new()
    } else {
        return Err(CliError::failure("--fail 须与 --checklist 一起使用"));
    };
    let inspection = Inspection {
        on: args.on.unwrap_or(today),
        by: args.by,
        lines,
        finding: args.finding,
        activity_found: args.activity,
        deadline: args.deadline,
        rechecks: args.rechecks,
    };
    let id = store.record_inspection(actor, args.id, &inspection).await?;
    let entry = store.register_entry(args.id).await?;
    let outcome = if inspection.passed() {
        "合格".to_string()
    } else {
        format!("不合格（{}）", describe_failure(&inspection))
    };
    print_stdout(&format!(
        "已记录检查 {id}：{outcome}；{}现为“{}”",
        entry.record.identity.name, entry.record.state_label
    ))
}

fn describe_failure(inspection: &Inspection) -> String {
    let mut parts = inspection.failures();
    if inspection.activity_found {
        parts.push(format!("发现生产活动：{}", inspection.finding));
    }
    if let Some(deadline) = inspection.deadline {
        parts.push(format!("限{deadline}前整改"));
    }
    parts.join("；")
}

fn list_text(entries: &[EntryRecord]) -> String {
    if entries.is_empty() {
        return "（无）".into();
    }
    entries
        .iter()
        .map(|e| {
            let rebounds = if e.rebounds > 0 {
                format!("  反弹{}次", e.rebounds)
            } else {
                String::new()
            };
            format!(
                "{:>4}  {}  {}  {}  {}{rebounds}",
                e.id,
                e.kind.label_zh(),
                e.identity.county,
                e.identity.name,
                e.state_label
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn detail_text(d: &EntryDetail) -> String {
    let r = &d.record;
    let mut lines = vec![
        format!(
            "{}（{}，{}）",
            r.identity.name,
            r.kind.label_zh(),
            r.state_label
        ),
        format!(
            "地址：{} {} {}",
            r.identity.county, r.identity.township, r.identity.address
        ),
    ];
    if let Some(code) = &r.identity.credit_code {
        lines.push(format!("统一社会信用代码：{code}"));
    }
    if r.rebounds > 0 {
        lines.push(format!("反弹：{}次", r.rebounds));
    }
    for m in &d.moves {
        let tag = if m.rebound { "（反弹）" } else { "" };
        lines.push(format!(
            "{} {} → {}{tag} {} [{}]",
            m.on, m.from, m.to, m.reason, m.actor
        ));
    }
    for i in &d.inspections {
        let outcome = if i.inspection.passed() {
            "合格".to_string()
        } else {
            format!("不合格：{}", describe_failure(&i.inspection))
        };
        lines.push(format!(
            "检查 {} {} {} {outcome}",
            i.id, i.inspection.on, i.inspection.by
        ));
    }
    if !d.open_findings.is_empty() {
        let ids: Vec<String> = d.open_findings.iter().map(i64::to_string).collect();
        lines.push(format!("待复查：检查 {}", ids.join("、")));
    }
    for e in &d.evidence {
        lines.push(format!("材料 {} {}：{}", e.id, e.kind, e.file_name));
    }
    lines.join("\n")
}
