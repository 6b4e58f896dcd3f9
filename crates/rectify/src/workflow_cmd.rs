//! `rectify item …`, `rectify evidence …`, `rectify report …` and `rectify clock tick`: the
//! workflow from the command line, acting as a named user with the same checks as the web.

use crate::cli_util::{OutputFormat, TEXT_JSON, parse_date, print_stdout};
use crate::error::CliError;
use clap::{Args, Subcommand};
use rectify_core::calendar::WorkCalendar;
use rectify_core::task::{TaskAction, TaskActionKind};
use rectify_core::time::shown_minute;
use rectify_core::workflow::{Action, ActionKind, Actor, EvidenceKind, Transition};
use rectify_exact::date::Date;
use rectify_store::attachments::Upload;
use rectify_store::workflow::{
    Evidence, ItemRef, NewEvidence, NewReport, Report, set_upper_review,
};
use rectify_store::{Store, today_china};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Who acts, and which plan the item numbers refer to.
#[derive(Debug, Args)]
pub struct As {
    /// Act as this user (the same role and unit checks as in the web).
    #[arg(long = "as", global = true, env = "RECTIFY_USER")]
    pub(crate) user: Option<String>,
    /// The plan, when several are stored.
    #[arg(long, global = true)]
    pub(crate) plan: Option<String>,
}

#[derive(Debug, Args)]
pub struct ItemArgs {
    #[command(flatten)]
    who: As,
    #[command(subcommand)]
    command: ItemCommand,
}

#[derive(Debug, Subcommand)]
pub enum ItemCommand {
    /// 印发交办: a drafted item is issued (office).
    Issue { number: u32 },
    /// A member's task on a shared item (各县（区）政府 …): start (启动整改), complete (报告完成,
    /// with a file), exempt (认定不涉及, office, with a reason and a file), accept (验收通过,
    /// where tasks are accepted one by one) or return (退回整改).
    Task {
        number: u32,
        #[arg(value_parser = parse_task_action)]
        action: TaskActionKind,
        /// The member: the county's or unit's name or code.
        #[arg(long)]
        unit: String,
        /// The completion note, the reason or the opinion the action needs.
        #[arg(long, default_value = "")]
        note: String,
        /// Files for the task: KIND=FILE, or a bare FILE (情况说明 for exempt; else a photo if
        /// an image, else a document).
        #[arg(long = "evidence")]
        evidence: Vec<String>,
    },
    /// 认领: the lead unit takes the item on with its detailed plan.
    Claim {
        number: u32,
        #[arg(long)]
        plan_text: String,
    },
    /// 申请验收: the lead unit applies for acceptance with its 自查报告 and evidence.
    Submit {
        number: u32,
        /// The 自查报告 file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Evidence files; KIND=FILE names the kind (e.g. monitoring=报告.pdf), a bare file is a
        /// photo after rectification if it is an image, else a document.
        #[arg(long = "evidence")]
        evidence: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 退回: the submission lacks material (acceptance unit or office).
    Return {
        number: u32,
        #[arg(long)]
        reason: String,
    },
    /// 受理验收 (acceptance unit).
    StartAcceptance {
        number: u32,
        #[arg(long)]
        team: String,
    },
    /// 验收不通过: back to work with the defects and a new date (acceptance unit).
    Reject {
        number: u32,
        #[arg(long)]
        opinion: String,
        #[arg(long, value_parser = parse_date)]
        rework_due: Date,
    },
    /// 验收通过: opens the public notice (acceptance unit).
    Accept {
        number: u32,
        #[arg(long)]
        opinion: String,
        /// The signed 验收意见 file.
        #[arg(long = "evidence")]
        evidence: Vec<String>,
    },
    /// 登记公示: where the notice is published, with a screenshot (office).
    Notice {
        number: u32,
        #[arg(long)]
        channel: String,
        #[arg(long)]
        link: String,
        #[arg(long = "evidence")]
        evidence: Vec<String>,
    },
    /// 登记异议 received during the notice (office); the contact is kept private.
    Object {
        number: u32,
        #[arg(long)]
        source: String,
        #[arg(long)]
        content: String,
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// 异议成立: back to work, the item is marked (office).
    Uphold {
        number: u32,
        #[arg(long)]
        objection: i64,
        #[arg(long)]
        conclusion: String,
    },
    /// 异议不成立 (office).
    Dismiss {
        number: u32,
        #[arg(long)]
        objection: i64,
        #[arg(long)]
        reason: String,
    },
    /// 审签销号 (leader); a 长期坚持 item needs its 长效机制 document.
    Signoff {
        number: u32,
        #[arg(long, default_value = "同意销号")]
        note: String,
        #[arg(long = "evidence")]
        evidence: Vec<String>,
    },
    /// 上级复核 result, entered by the office.
    Review {
        number: u32,
        #[arg(long, conflicts_with = "fail")]
        pass: bool,
        #[arg(long)]
        fail: bool,
        #[arg(long)]
        opinion: String,
    },
    /// 定期复查 of a 长期坚持 item (supervisor or office).
    Recheck {
        number: u32,
        #[arg(long)]
        note: String,
    },
    /// 重新打开 a closed item after a rebound or a failed spot-check (office).
    Reopen {
        number: u32,
        #[arg(long)]
        reason: String,
    },
    /// 申请调整 the deadline (office).
    Amend {
        number: u32,
        #[arg(long)]
        deadline: String,
        #[arg(long)]
        reason: String,
    },
    /// 审批调整 (leader).
    DecideAmendment {
        number: u32,
        #[arg(long, conflicts_with = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Whether sign-off also needs the upper level's review (office).
    UpperReview {
        number: u32,
        #[arg(long, action = clap::ArgAction::Set)]
        required: bool,
    },
    /// The item's workflow record, objections pending and current evidence.
    Status {
        number: u32,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// The item's timeline from the journal.
    History { number: u32 },
    /// Records a criticism by the province or above (or exposure by provincial media): the item
    /// is 红 from that date on in the monthly dispatch.
    Criticise {
        number: u32,
        /// The date of the criticism, YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        on: Date,
        /// Who criticised, e.g. 省生态环境保护督察整改办.
        #[arg(long)]
        by: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(Debug, Args)]
pub struct EvidenceArgs {
    #[command(flatten)]
    who: As,
    #[command(subcommand)]
    command: EvidenceCommand,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Attach a file to an item.
    Add {
        number: u32,
        /// document, photo_before, photo_after, monitoring, enforcement, engineering, minutes,
        /// site_check, acceptance_opinion, notice_proof, explanation, self_check.
        #[arg(long, value_parser = parse_kind)]
        kind: EvidenceKind,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        title: Option<String>,
        /// The id of the earlier version this file replaces.
        #[arg(long)]
        supersedes: Option<i64>,
    },
    /// List an item's evidence, every version.
    List {
        number: u32,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// Write an evidence file out; refused if the stored file no longer matches its hash.
    Get {
        id: i64,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    who: As,
    #[command(subcommand)]
    command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// File the month's progress on an item for the acting user's unit.
    Add {
        number: u32,
        /// YYYY-MM.
        #[arg(long)]
        period: String,
        #[arg(long)]
        text: String,
        /// Measures completed, by number (1,3).
        #[arg(long, value_delimiter = ',')]
        done: Vec<u32>,
        /// The unit's own view: 序时推进, 滞后 …
        #[arg(long, default_value = "序时推进")]
        schedule: String,
        #[arg(long = "evidence")]
        evidence: Vec<String>,
    },
    /// Confirm a report (supervisor or office).
    Confirm {
        id: i64,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Return a report for rework (supervisor or office).
    Return {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// The reports of a period.
    List {
        #[arg(long)]
        period: String,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
    /// Missing and late reports per unit for a period.
    Missing {
        #[arg(long)]
        period: String,
        #[arg(long, default_value = "text", value_parser = OutputFormat::among(TEXT_JSON))]
        format: OutputFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClockCommand {
    /// Close public notices whose period has ended (every workflow command does this first).
    Tick,
}

fn parse_kind(text: &str) -> Result<EvidenceKind, String> {
    EvidenceKind::parse(text).ok_or_else(|| {
        format!(
            "未知的材料类型，可选：{}",
            EvidenceKind::choices_with_codes()
        )
    })
}

/// The clock and the acting user for one command; expired notices are closed first.
pub(crate) struct Session {
    pub(crate) actor: Actor,
    pub(crate) today: Date,
    pub(crate) calendar: WorkCalendar,
}

pub(crate) async fn session(store: &Store, who: &As) -> Result<Session, CliError> {
    let username = who.user.as_deref().ok_or_else(|| {
        CliError::environment("请用 --as 用户名（或环境变量 RECTIFY_USER）指定操作人")
    })?;
    let actor = store.actor(username).await?;
    let today = today_china();
    let calendar = store.work_calendar().await?;
    store.advance_notices(today, &calendar).await?;
    Ok(Session {
        actor,
        today,
        calendar,
    })
}

fn item_ref(who: &As, number: u32) -> ItemRef<'_> {
    ItemRef {
        plan: who.plan.as_deref(),
        number,
    }
}

/// Uploads `KIND=FILE` or bare `FILE` arguments; a bare file's kind is guessed from its name
/// (`EvidenceKind::guess`), as for a file in a web form's report.
async fn upload(
    store: &Store,
    s: &Session,
    item: ItemRef<'_>,
    specs: &[String],
) -> Result<Vec<Evidence>, CliError> {
    let mut stored = Vec::new();
    for (kind, path, _) in kinds_and_paths(specs, EvidenceKind::guess)? {
        stored.push(upload_one(store, s, item, kind, &path, None, None).await?);
    }
    Ok(stored)
}

/// An action's file: its kind, path and title (the file name when `None`).
type ActionFile = (EvidenceKind, PathBuf, Option<&'static str>);

/// An action's `--evidence` arguments: `KIND=FILE` names the kind, a bare `FILE` goes in the
/// action's file slot (`ActionKind::file_slots`) as the web form's file input would.
fn slot_files(action: ActionKind, specs: &[String]) -> Result<Vec<ActionFile>, CliError> {
    match action.file_slot("files") {
        Some(slot) => kinds_and_paths(specs, |file| slot.kind_of(file)),
        None if specs.is_empty() => Ok(Vec::new()),
        None => Err(CliError::environment(format!(
            "“{}”不附带文件",
            action.label_zh()
        ))),
    }
}

/// `KIND=FILE` or bare `FILE` arguments as kinds and paths; a bare file's kind is `default`'s.
fn kinds_and_paths(
    specs: &[String],
    default: impl Fn(&str) -> EvidenceKind,
) -> Result<Vec<ActionFile>, CliError> {
    specs
        .iter()
        .map(|spec| match spec.split_once('=') {
            Some((kind, path)) => Ok((
                parse_kind(kind).map_err(CliError::environment)?,
                PathBuf::from(path),
                None,
            )),
            None => Ok((default(spec), PathBuf::from(spec), None)),
        })
        .collect()
}

/// Each file of `files` read and put in the upload area, in order.
async fn read_files<K, T>(
    store: &Store,
    files: &[(K, PathBuf, T)],
) -> Result<Vec<(String, Upload)>, CliError> {
    let mut uploads = Vec::with_capacity(files.len());
    for (_, path, _) in files {
        uploads.push(crate::cli_util::upload_file(store, path).await?);
    }
    Ok(uploads)
}

async fn upload_one(
    store: &Store,
    s: &Session,
    item: ItemRef<'_>,
    kind: EvidenceKind,
    path: &Path,
    title: Option<&str>,
    supersedes: Option<i64>,
) -> Result<Evidence, CliError> {
    let (file_name, file) = crate::cli_util::upload_file(store, path).await?;
    let new = NewEvidence {
        kind,
        title: title.unwrap_or(&file_name),
        file_name: &file_name,
        file: &file,
        supersedes,
    };
    Ok(store.add_evidence(&s.actor, item, new).await?)
}

pub async fn run_item(store: &Store, args: ItemArgs) -> Result<ExitCode, CliError> {
    let who = &args.who;
    use ItemCommand as C;
    match args.command {
        C::Status { number, format } => status(store, item_ref(who, number), format).await,
        C::History { number } => history(store, item_ref(who, number)).await,
        C::Criticise {
            number,
            on,
            by,
            note,
        } => {
            let actor = who.user.clone().unwrap_or_else(|| "cli".into());
            let id = store
                .record_criticism(&actor, item_ref(who, number), on, &by, &note)
                .await?;
            print_stdout(&format!(
                "已登记第 {number} 项受到{by}通报批评（{on}，#{id}）"
            ))
        }
        C::Task {
            number,
            action,
            unit,
            note,
            evidence,
        } => {
            let s = session(store, who).await?;
            let files = kinds_and_paths(&evidence, |file| action.file_kind(file))?;
            let uploads = read_files(store, &files).await?;
            let evidence: Vec<NewEvidence> = files
                .iter()
                .zip(&uploads)
                .map(|((kind, _, _), (file_name, upload))| NewEvidence {
                    kind: *kind,
                    title: file_name,
                    file_name,
                    file: upload,
                    supersedes: None,
                })
                .collect();
            let task = store
                .act_on_task(
                    &s.actor,
                    item_ref(who, number),
                    &unit,
                    TaskAction::from_text(action, &note),
                    &evidence,
                    s.today,
                )
                .await?;
            print_stdout(&format!(
                "第 {number} 项 {}：{}",
                task.unit,
                task.state.label_zh()
            ))
        }
        command => {
            let s = session(store, who).await?;
            act(store, who, &s, command).await
        }
    }
}

fn parse_task_action(text: &str) -> Result<TaskActionKind, String> {
    TaskActionKind::parse(text).ok_or_else(|| {
        format!(
            "任务操作“{text}”无效（可选：{}）",
            TaskActionKind::choices_with_codes()
        )
    })
}

async fn act(
    store: &Store,
    who: &As,
    s: &Session,
    command: ItemCommand,
) -> Result<ExitCode, CliError> {
    use ItemCommand as C;
    let mut files: Vec<ActionFile> = Vec::new();
    let (number, kind, fields) = match command {
        C::Status { .. } | C::History { .. } | C::Criticise { .. } | C::Task { .. } => {
            return Err(CliError::environment("该命令不是工作流操作"));
        }
        C::UpperReview { number, required } => {
            set_upper_review(store, &s.actor, item_ref(who, number), required).await?;
            return print_stdout(&format!(
                "第 {number} 项{}上级复核",
                if required { "需要" } else { "不需要" }
            ));
        }
        C::Object {
            number,
            source,
            content,
            contact,
        } => {
            let id = store
                .record_objection(
                    &s.actor,
                    item_ref(who, number),
                    (&source, &content, &contact),
                    s.today,
                    &s.calendar,
                )
                .await?;
            return print_stdout(&format!("已登记第 {number} 项的异议，编号 {id}（待核查）"));
        }
        C::Issue { number } => (number, ActionKind::Issue, vec![]),
        C::Claim { number, plan_text } => {
            (number, ActionKind::Claim, vec![("plan_text", plan_text)])
        }
        C::Submit {
            number,
            report,
            evidence,
            note,
        } => {
            if let Some(path) = report {
                files.push((EvidenceKind::SelfCheck, path, Some("自查报告")));
            }
            files.extend(slot_files(ActionKind::Submit, &evidence)?);
            (number, ActionKind::Submit, vec![("note", note)])
        }
        C::Return { number, reason } => (
            number,
            ActionKind::ReturnSubmission,
            vec![("reason", reason)],
        ),
        C::StartAcceptance { number, team } => {
            (number, ActionKind::StartAcceptance, vec![("team", team)])
        }
        C::Reject {
            number,
            opinion,
            rework_due,
        } => (
            number,
            ActionKind::RejectAcceptance,
            vec![("opinion", opinion), ("rework_due", rework_due.to_string())],
        ),
        C::Accept {
            number,
            opinion,
            evidence,
        } => {
            files.extend(slot_files(ActionKind::Accept, &evidence)?);
            (number, ActionKind::Accept, vec![("opinion", opinion)])
        }
        C::Notice {
            number,
            channel,
            link,
            evidence,
        } => {
            files.extend(slot_files(ActionKind::RecordNotice, &evidence)?);
            (
                number,
                ActionKind::RecordNotice,
                vec![("channel", channel), ("link", link)],
            )
        }
        C::Uphold {
            number,
            objection,
            conclusion,
        } => (
            number,
            ActionKind::Uphold,
            vec![
                ("objection", objection.to_string()),
                ("conclusion", conclusion),
            ],
        ),
        C::Dismiss {
            number,
            objection,
            reason,
        } => (
            number,
            ActionKind::Dismiss,
            vec![("objection", objection.to_string()), ("reason", reason)],
        ),
        C::Signoff {
            number,
            note,
            evidence,
        } => {
            files.extend(slot_files(ActionKind::SignOff, &evidence)?);
            (number, ActionKind::SignOff, vec![("note", note)])
        }
        C::Review {
            number,
            pass,
            fail,
            opinion,
        } => {
            if pass == fail {
                return Err(CliError::environment("请用 --pass 或 --fail 给出复核结果"));
            }
            (
                number,
                ActionKind::Review,
                vec![("passed", pass.to_string()), ("opinion", opinion)],
            )
        }
        C::Recheck { number, note } => (number, ActionKind::Recheck, vec![("note", note)]),
        C::Reopen { number, reason } => (number, ActionKind::Reopen, vec![("reason", reason)]),
        C::Amend {
            number,
            deadline,
            reason,
        } => (
            number,
            ActionKind::ProposeAmendment,
            vec![("deadline", deadline), ("reason", reason)],
        ),
        C::DecideAmendment {
            number,
            approve,
            reject,
            note,
        } => {
            if approve == reject {
                return Err(CliError::environment(
                    "请用 --approve 或 --reject 给出审批结果",
                ));
            }
            (
                number,
                ActionKind::DecideAmendment,
                vec![("approve", approve.to_string()), ("note", note)],
            )
        }
    };
    // Flags become the declared fields and go through the one reader the web and API use.
    let action = Action::from_fields(kind, |name| {
        fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .map_err(|e| CliError::environment(e.to_string()))?;
    // The files go in with the action, so a refused action keeps none of them.
    let uploads = read_files(store, &files).await?;
    let evidence: Vec<NewEvidence> = files
        .iter()
        .zip(&uploads)
        .map(|((kind, _, title), (file_name, upload))| NewEvidence {
            kind: *kind,
            title: title.unwrap_or(file_name),
            file_name,
            file: upload,
            supersedes: None,
        })
        .collect();
    let done = store
        .act_with_evidence(
            &s.actor,
            item_ref(who, number),
            action,
            &evidence,
            s.today,
            &s.calendar,
        )
        .await?;
    print_stdout(&transition_text(number, &done))
}

fn transition_text(number: u32, done: &Transition) -> String {
    let mut text = format!(
        "第 {number} 项：{} → {}（{}）",
        done.from,
        done.flow.state,
        done.facts["action"].as_str().unwrap_or("")
    );
    if let Some((opened, last)) = done.flow.notice {
        text.push_str(&format!("；公示 {opened} 起，至 {last}（含）"));
    }
    if let Some(next) = done.flow.next_recheck {
        text.push_str(&format!("；下次复查 {next}"));
    }
    if done.flow.leader_signed {
        text.push_str("；已审签，待上级复核");
    }
    text
}

async fn status(
    store: &Store,
    item: ItemRef<'_>,
    format: OutputFormat,
) -> Result<ExitCode, CliError> {
    let ledger = store.ledger(item.plan).await?;
    let stored = ledger
        .iter()
        .find(|s| s.item.number == item.number)
        .ok_or_else(|| CliError::failure(format!("台账中没有第 {} 项", item.number)))?;
    let evidence = store.evidence_of(item).await?;
    let current: Vec<Value> = evidence
        .iter()
        .filter(|e| !e.superseded)
        .map(|e| json!({"id": e.id, "kind": e.kind.code(), "title": e.title, "sha256": e.sha256}))
        .collect();
    let value = json!({
        "number": item.number,
        "state": stored.item.state.code(),
        "state_label": stored.item.state.label_zh(),
        "evidence": current,
    });
    if format == OutputFormat::Json {
        return print_stdout(&value.to_string());
    }
    let kinds: Vec<String> = evidence
        .iter()
        .filter(|e| !e.superseded)
        .map(|e| format!("{}#{} {}", e.kind, e.id, e.title))
        .collect();
    print_stdout(&format!(
        "第 {} 项：{}\n佐证材料：{}",
        item.number,
        stored.item.state,
        if kinds.is_empty() {
            "无".to_string()
        } else {
            kinds.join("；")
        }
    ))
}

/// The item's journal with that of its reports and evidence; their actions are prefixed with
/// the entity (`evidence:add`).
async fn history(store: &Store, item: ItemRef<'_>) -> Result<ExitCode, CliError> {
    let entries = store.item_detail(item).await?.journal;
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            let after: Value = e
                .after
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or(Value::Null);
            let on = after["facts"]["on"].as_str().unwrap_or("");
            let to = after["state"].as_str().unwrap_or("");
            let action = match e.entity.as_str() {
                "item" => e.action.clone(),
                other => format!("{other}:{}", e.action),
            };
            format!(
                "#{}\t{}\t{on}\t{}\t{action}\t{to}",
                e.seq,
                shown_minute(&e.at),
                e.actor
            )
        })
        .collect();
    print_stdout(&lines.join("\n"))
}

pub async fn run_evidence(store: &Store, args: EvidenceArgs) -> Result<ExitCode, CliError> {
    let who = &args.who;
    match args.command {
        EvidenceCommand::Add {
            number,
            kind,
            file,
            title,
            supersedes,
        } => {
            let s = session(store, who).await?;
            let e = upload_one(
                store,
                &s,
                item_ref(who, number),
                kind,
                &file,
                title.as_deref(),
                supersedes,
            )
            .await?;
            print_stdout(&format!(
                "已登记佐证材料 #{}（{}，{}，{} 字节，SHA-256 {}）",
                e.id, e.kind, e.media_type, e.size, e.sha256
            ))
        }
        EvidenceCommand::List { number, format } => {
            let list = store.evidence_of(item_ref(who, number)).await?;
            if format == OutputFormat::Json {
                let values: Vec<Value> = list.iter().map(evidence_json).collect();
                return print_stdout(&Value::from(values).to_string());
            }
            let lines: Vec<String> = list
                .iter()
                .map(|e| {
                    let version = if e.superseded {
                        "（已被新版本替代）"
                    } else {
                        ""
                    };
                    format!(
                        "#{}\t{}\t{}\t{}\t{} 字节\t{}\t{}{version}",
                        e.id,
                        e.kind,
                        e.title,
                        e.media_type,
                        e.size,
                        e.uploaded_by,
                        shown_minute(&e.uploaded_at)
                    )
                })
                .collect();
            print_stdout(&lines.join("\n"))
        }
        EvidenceCommand::Get { id, out } => {
            let (evidence, bytes) = store.evidence_file(id).await?;
            crate::cli_util::write_atomically(&out, |w| {
                w.write_all(&bytes)
                    .map_err(|e| CliError::failure(format!("写入 {} 失败：{e}", out.display())))
            })?;
            print_stdout(&format!(
                "已取出 #{}（{}）到 {}，校验一致",
                evidence.id,
                evidence.file_name,
                out.display()
            ))
        }
    }
}

fn evidence_json(e: &Evidence) -> Value {
    json!({
        "id": e.id, "item": e.item_number, "kind": e.kind.code(), "title": e.title,
        "file_name": e.file_name, "sha256": e.sha256, "size": e.size, "media_type": e.media_type,
        "uploaded_by": e.uploaded_by, "uploaded_at": e.uploaded_at, "supersedes": e.supersedes,
        "superseded": e.superseded,
    })
}

pub async fn run_report(store: &Store, args: ReportArgs) -> Result<ExitCode, CliError> {
    let who = &args.who;
    match args.command {
        ReportCommand::Add {
            number,
            period,
            text,
            done,
            schedule,
            evidence,
        } => {
            let s = session(store, who).await?;
            let item = item_ref(who, number);
            let files = upload(store, &s, item, &evidence).await?;
            let ids: Vec<i64> = files.iter().map(|e| e.id).collect();
            let new = NewReport {
                period: &period,
                text: &text,
                done_measures: &done,
                self_schedule: &schedule,
                evidence_ids: &ids,
            };
            let report = store
                .add_report(&s.actor, item, new, s.today, &s.calendar)
                .await?;
            let kind = if report.corrects.is_some() {
                "更正"
            } else {
                "进展"
            };
            let late = if report.late { "（迟报）" } else { "" };
            print_stdout(&format!(
                "已提交第 {number} 项 {period} {kind} #{}{late}",
                report.id
            ))
        }
        ReportCommand::Confirm { id, note } => {
            let s = session(store, who).await?;
            let r = store.review_report(&s.actor, id, true, &note).await?;
            print_stdout(&format!(
                "已确认进展 #{}（第 {} 项 {}）",
                r.id, r.item_number, r.period
            ))
        }
        ReportCommand::Return { id, reason } => {
            let s = session(store, who).await?;
            let r = store.review_report(&s.actor, id, false, &reason).await?;
            print_stdout(&format!(
                "已退回进展 #{}（第 {} 项 {}）",
                r.id, r.item_number, r.period
            ))
        }
        ReportCommand::List { period, format } => {
            let reports = store.reports(&period).await?;
            if format == OutputFormat::Json {
                let values: Vec<Value> = reports.iter().map(report_json).collect();
                return print_stdout(&Value::from(values).to_string());
            }
            let lines: Vec<String> = reports
                .iter()
                .map(|r| {
                    format!(
                        "#{}\t第{}项\t{}\t{}\t{}{}\t{}",
                        r.id,
                        r.item_number,
                        r.unit,
                        r.status.code(),
                        r.submitted_on,
                        if r.late { " 迟报" } else { "" },
                        r.text
                    )
                })
                .collect();
            print_stdout(&lines.join("\n"))
        }
        ReportCommand::Missing { period, format } => missing(store, &period, format).await,
    }
}

fn report_json(r: &Report) -> Value {
    json!({
        "id": r.id, "item": r.item_number, "unit": r.unit, "period": r.period, "text": r.text,
        "done_measures": r.done_measures, "self_schedule": r.self_schedule, "evidence": r.evidence_ids,
        "status": r.status.code(), "submitted_by": r.submitted_by, "submitted_on": r.submitted_on,
        "late": r.late, "reviewed_by": r.reviewed_by, "review_note": r.review_note, "corrects": r.corrects,
    })
}

async fn missing(store: &Store, period: &str, format: OutputFormat) -> Result<ExitCode, CliError> {
    let units = store.reporting(period).await?;
    if format == OutputFormat::Json {
        let values: Vec<Value> = units
            .iter()
            .map(|u| json!({"unit": u.unit, "expected": u.expected, "missing": u.missing, "late": u.late}))
            .collect();
        return print_stdout(&json!({"period": period, "units": values}).to_string());
    }
    let count = |what: &str, list: &[u32]| {
        let numbers: Vec<String> = list.iter().map(u32::to_string).collect();
        match list.len() {
            0 => format!("{what} 0 项"),
            n => format!("{what} {n} 项（第 {} 项）", numbers.join("、")),
        }
    };
    let lines: Vec<String> = units
        .iter()
        .filter(|u| !u.missing.is_empty() || !u.late.is_empty())
        .map(|u| {
            format!(
                "{}：应报 {} 项，{}，{}",
                u.unit,
                u.expected.len(),
                count("未报", &u.missing),
                count("迟报", &u.late)
            )
        })
        .collect();
    if lines.is_empty() {
        return print_stdout(&format!("{period} 各单位均已按时填报"));
    }
    print_stdout(&lines.join("\n"))
}

pub async fn run_clock(store: &Store) -> Result<ExitCode, CliError> {
    let today = today_china();
    let calendar = store.work_calendar().await?;
    let closed = store.advance_notices(today, &calendar).await?;
    let list: Vec<String> = closed.iter().map(u32::to_string).collect();
    print_stdout(&format!(
        "{today}：公示期满转入待审签 {} 项{}",
        closed.len(),
        if list.is_empty() {
            String::new()
        } else {
            format!("（第 {} 项）", list.join("、"))
        }
    ))
}
