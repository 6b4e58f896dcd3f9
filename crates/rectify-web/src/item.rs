//! One item: its detail page with the actions the user may take, its reports, evidence,
//! objections and timeline, and the handler its action forms post to.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::{Snapshot, find_visible, item_detail, sees, tick, tick_since, visible_item};
use crate::error::{PageResult, WebError};
use crate::extract::Path;
use crate::forms::{ActionForm, BOARDS, action_form};
use crate::kit::{
    ItemQuery, MeasureLine, action_label, actor, actor_label, back_to, display_names, item_at,
    measure_lines, render,
};
use crate::multipart::Posted;
use askama::Template;
use axum::extract::{Query, Request, State};
use rectify_core::ledger::ItemState;
use rectify_core::task::{TaskAction, TaskActionKind, TaskContext, TaskState, task_available};
use rectify_core::time::shown_minute;
use rectify_core::workflow::{Action, ActionKind, EvidenceKind, ProgressStatus};
use rectify_exact::date::Date;
use rectify_store::ledger::StoredItem;
use rectify_store::workflow::NewEvidence;

struct ReportLine {
    id: i64,
    period: String,
    unit: String,
    text: String,
    status: &'static str,
    late: bool,
    reviewable: bool,
}

struct EvidenceLine {
    id: i64,
    title: String,
    kind: &'static str,
    size: String,
    uploaded_by: String,
    uploaded_at: String,
    image: bool,
    pdf: bool,
    superseded: bool,
}

struct ObjectionLine {
    id: i64,
    received_on: String,
    source: String,
    content: String,
    contact: String,
    status: &'static str,
    decision: String,
}

/// A member's part of a shared item, with the actions the user may take on it.
struct TaskLine {
    unit_id: i64,
    unit: String,
    state: &'static str,
    state_code: &'static str,
    schedule: &'static str,
    schedule_code: &'static str,
    /// "第1、2条" or "—".
    done_measures: String,
    /// "2026-11" or "未填报".
    latest_report: String,
    note: String,
    /// "更新于 2026-12-07", or nothing before the first change.
    changed: String,
    actions: Vec<TaskActionLine>,
}

struct TaskActionLine {
    code: &'static str,
    label: &'static str,
    /// The note, reason or opinion the action asks for.
    needs_text: Option<&'static str>,
    needs_file: bool,
}

/// "已完成 4/6", who lags and who keeps the item from applying.
struct TaskSummary {
    label: String,
    lagging: String,
    open: String,
}

pub(crate) struct TimelineLine {
    pub(crate) at: String,
    pub(crate) actor: String,
    pub(crate) what: String,
    pub(crate) detail: String,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemPage {
    me: Me,
    number: u32,
    plan: String,
    /// `?plan=…` for the forms when several plans use the number.
    plan_query: String,
    /// The same number in the user's other plans: (plan, address).
    others: Vec<(String, String)>,
    scope: &'static str,
    category: String,
    source: &'static str,
    state: &'static str,
    schedule: &'static str,
    schedule_code: &'static str,
    /// Why the item has its colour, e.g. "第1项措施节点 2026-12-03 未完成".
    schedule_reasons: Vec<String>,
    /// 时限待定: a person must set the final date.
    undated: bool,
    flash: Option<String>,
    problem: String,
    target: String,
    measures: Vec<MeasureLine>,
    leaders: String,
    supervisors: String,
    lead: String,
    co_units: String,
    territorial: String,
    deadline: String,
    original_deadline: Option<String>,
    notice: Option<String>,
    task_summary: Option<TaskSummary>,
    tasks: Vec<TaskLine>,
    actions: Vec<ActionForm>,
    can_report: bool,
    reports: Vec<ReportLine>,
    evidence: Vec<EvidenceLine>,
    objections: Vec<ObjectionLine>,
    timeline: Vec<TimelineLine>,
}

pub async fn item(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<u32>,
    Query(query): Query<ItemQuery>,
) -> PageResult {
    let (today, snapshot) = tick_since(&state, session.seen_head).await?;
    let stored = find_visible(&snapshot, &session.viewer, number, query.plan.as_deref())?;
    let others = snapshot
        .items
        .iter()
        .filter(|s| s.item.number == number && s.id != stored.id)
        .filter(|s| sees(&snapshot, &session.viewer, s))
        .map(|s| (s.plan.clone(), snapshot.item_path(s)))
        .collect();
    let workflow = snapshot.workflow(stored)?;
    let actions = snapshot
        .actions(workflow, &actor(&session), today)
        .into_iter()
        .map(action_form)
        .collect();
    let reviewer = [
        rectify_core::org::Role::Supervisor,
        rectify_core::org::Role::Office,
    ]
    .iter()
    .any(|r| session.user.roles.contains(r));
    let detail = item_detail(&state, &snapshot, stored).await?;
    let reports = detail
        .reports
        .iter()
        .map(|r| ReportLine {
            reviewable: reviewer && r.status == ProgressStatus::Submitted,
            id: r.id,
            period: r.period.clone(),
            unit: r.unit.clone(),
            text: r.text.clone(),
            status: r.status.label_zh(),
            late: r.late,
        })
        .collect();
    let office = session.viewer.sees_everything()
        && session
            .user
            .roles
            .contains(&rectify_core::org::Role::Office);
    let objections = detail
        .objections
        .iter()
        .map(|o| ObjectionLine {
            id: o.id,
            received_on: o.received_on.clone(),
            source: o.source.clone(),
            content: o.content.clone(),
            contact: if office {
                o.contact.clone()
            } else {
                "（不公开）".to_string()
            },
            status: o.status.label_zh(),
            decision: o.decision.clone(),
        })
        .collect();
    let evidence = detail
        .evidence
        .iter()
        .map(|e| EvidenceLine {
            image: e.media_type.starts_with("image/"),
            pdf: e.media_type == "application/pdf",
            id: e.id,
            title: e.title.clone(),
            kind: e.kind.label_zh(),
            size: format!("{:.1} KB", e.size as f64 / 1024.0),
            uploaded_by: e.uploaded_by.clone(),
            uploaded_at: shown_minute(&e.uploaded_at),
            superseded: e.superseded,
        })
        .collect();
    let item = &stored.item;
    let standing = snapshot.schedules.of(stored, today);
    let measures = measure_lines(item, workflow);
    let stages: Vec<String> = item.deadline.stages.iter().map(Date::to_string).collect();
    let mut deadline = item.deadline.text.clone();
    if let Some(due) = item.deadline.due_date {
        deadline.push_str(&format!("（截止 {due}"));
        if !stages.is_empty() {
            deadline.push_str(&format!("，节点 {}", stages.join("、")));
        }
        deadline.push('）');
    }
    let (tasks, task_summary) = task_lines(&snapshot, stored, &session, today);
    let can_report = session.user.roles.contains(&rectify_core::org::Role::Unit)
        && workflow.facts.units.contains(&session.user.unit_id)
        && item.state.reportable();
    render(ItemPage {
        me: session.me(),
        number,
        plan: stored.plan.clone(),
        plan_query: snapshot.plan_query(stored),
        others,
        scope: item.scope.label_zh(),
        category: item.category.clone(),
        source: item.source.label_zh(),
        state: item.state.label_zh(),
        schedule: standing.schedule.label_zh(),
        schedule_code: standing.schedule.code(),
        undated: standing.undated,
        schedule_reasons: standing.reasons,
        flash: crate::flash::shown(&session, query.done),
        problem: item.problem.clone(),
        target: item.target.clone(),
        measures,
        leaders: item.leaders.join("、"),
        supervisors: item.supervisors.join("、"),
        lead: item.lead_unit.clone(),
        co_units: item.co_units().collect::<Vec<_>>().join("、"),
        territorial: item.territorial_units().collect::<Vec<_>>().join("、"),
        deadline,
        original_deadline: workflow.original_deadline_text.clone(),
        notice: workflow
            .flow
            .notice
            .map(|(a, b)| format!("{a} 起，至 {b}（含）")),
        task_summary,
        tasks,
        actions,
        can_report,
        reports,
        evidence,
        objections,
        timeline: timeline(&detail.journal, &display_names(&state).await?),
    })
}

/// The item's tasks with their schedules and the actions open to the user, and their tally.
fn task_lines(
    snapshot: &Snapshot,
    stored: &StoredItem,
    session: &Session,
    today: Date,
) -> (Vec<TaskLine>, Option<TaskSummary>) {
    if stored.tasks.is_empty() {
        return (Vec::new(), None);
    }
    let acceptance = snapshot.tasks.acceptance;
    let (standings, tally) = snapshot.schedules.tasks_of(stored, today, acceptance);
    let lines = stored
        .tasks
        .iter()
        .zip(standings)
        .map(|(task, standing)| {
            let cx = TaskContext {
                state: task.state,
                item_state: stored.item.state,
                task_unit: task.unit_id,
                actor_roles: &session.user.roles,
                actor_unit: session.user.unit_id,
                files: 0,
                acceptance,
            };
            let done: Vec<String> = task
                .measures_done
                .iter()
                .map(|(n, _)| n.to_string())
                .collect();
            TaskLine {
                unit_id: task.unit_id,
                unit: task.unit.clone(),
                state: task.state.label_zh(),
                state_code: task.state.code(),
                schedule: standing.schedule.colour_zh(),
                schedule_code: standing.schedule.code(),
                done_measures: if done.is_empty() {
                    "—".to_string()
                } else {
                    format!("第{}条", done.join("、"))
                },
                latest_report: task
                    .latest_report_period
                    .clone()
                    .unwrap_or_else(|| "未填报".to_string()),
                note: task.note.clone(),
                changed: task
                    .changed_on
                    .map_or_else(String::new, |d| format!("更新于 {d}")),
                actions: task_available(&cx)
                    .into_iter()
                    .map(|kind| TaskActionLine {
                        code: kind.code(),
                        label: kind.label_zh(),
                        needs_text: kind.needs_text(),
                        needs_file: kind.needs_file(),
                    })
                    .collect(),
            }
        })
        .collect();
    let summary = TaskSummary {
        label: tally.label_zh(),
        lagging: tally.lagging.join("、"),
        open: tally.open.join("、"),
    };
    (lines, Some(summary))
}

/// The item's journal entries and those of its reports and evidence, in journal order.
pub(crate) fn timeline(
    entries: &[rectify_core::journal::JournalEntry],
    names: &std::collections::HashMap<String, String>,
) -> Vec<TimelineLine> {
    entries
        .iter()
        .map(|e| {
            let after: serde_json::Value = e
                .after
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok())
                .unwrap_or_default();
            let facts = &after["facts"];
            let detail = [
                "reason",
                "opinion",
                "conclusion",
                "note",
                "plan",
                "team",
                "content",
                "link",
            ]
            .iter()
            .filter_map(|k| facts[*k].as_str())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join("；");
            let state_label = after["state"]
                .as_str()
                .and_then(ItemState::parse)
                .map(|s| format!(" → {}", s.label_zh()))
                .unwrap_or_default();
            let on = facts["on"]
                .as_str()
                .map(|d| format!("{d} "))
                .unwrap_or_default();
            let (what, detail) = match e.entity.as_str() {
                "progress_report" => (
                    report_label(&e.action, &after),
                    after["text"].as_str().unwrap_or("").to_string(),
                ),
                "evidence" => (
                    format!(
                        "上传佐证材料（{}）",
                        after["kind"]
                            .as_str()
                            .and_then(EvidenceKind::parse)
                            .map_or("", EvidenceKind::label_zh)
                    ),
                    after["title"].as_str().unwrap_or("").to_string(),
                ),
                "item_task" => task_label(&after),
                "item_tasks" => (
                    format!(
                        "分解到 {} 个县区（单位）",
                        after["members"].as_array().map_or(0, Vec::len)
                    ),
                    String::new(),
                ),
                _ => (
                    format!("{on}{}{state_label}", action_label(&e.action)),
                    detail,
                ),
            };
            TimelineLine {
                at: shown_minute(&e.at),
                actor: actor_label(&e.actor, names),
                what,
                detail,
            }
        })
        .collect()
}

/// "北岭县政府 报告完成 → 已完成", with the note as the detail.
fn task_label(after: &serde_json::Value) -> (String, String) {
    let action = after["facts"]["action"]
        .as_str()
        .and_then(TaskActionKind::parse)
        .map_or("", TaskActionKind::label_zh);
    let state = after["state"]
        .as_str()
        .and_then(TaskState::parse)
        .map_or("", TaskState::label_zh);
    (
        format!(
            "{} {action} → {state}",
            after["unit"].as_str().unwrap_or("")
        ),
        after["facts"]["text"].as_str().unwrap_or("").to_string(),
    )
}

fn report_label(action: &str, after: &serde_json::Value) -> String {
    let period = after["period"].as_str().unwrap_or("");
    match action {
        "confirm" => format!("监管人确认 {period} 进展"),
        "return" => format!("退回 {period} 进展"),
        "correct" => format!("更正 {period} 进展"),
        _ => format!("填报 {period} 进展"),
    }
}

/// An action on one member's task, with the files it brings.
pub async fn task_action(
    State(state): State<AppState>,
    session: Session,
    Path((number, unit_id, action)): Path<(u32, i64, String)>,
    Query(query): Query<ItemQuery>,
    request: Request,
) -> PageResult {
    let stored = visible_item(&state, &session.viewer, number, query.plan.as_deref()).await?;
    // The token is checked before anything about the task is told.
    let posted = Posted::read(&state, &session, request).await?;
    let kind = TaskActionKind::parse(&action).ok_or(WebError::NotFound)?;
    let unit = stored
        .tasks
        .iter()
        .find(|t| t.unit_id == unit_id)
        .map(|t| t.unit.clone())
        .ok_or(WebError::NotFound)?;
    let (today, current) = tick(&state).await?;
    let return_path = format!("{}#tasks", current.item_path(&stored));
    let evidence: Vec<NewEvidence> = posted
        .files
        .iter()
        .map(|file| NewEvidence {
            kind: kind.file_kind(&file.name),
            title: &file.name,
            file_name: &file.name,
            file: &file.upload,
            supersedes: None,
        })
        .collect();
    let action = TaskAction::from_text(kind, &posted.text("text"));
    let outcome = state
        .store
        .act_on_task(
            &actor(&session),
            item_at(&stored),
            &unit,
            action,
            &evidence,
            today,
        )
        .await;
    Ok(back_to(
        &session,
        &return_path,
        &match outcome {
            Ok(task) => format!("{}：{}", task.unit, task.state.label_zh()),
            Err(error) => crate::error::user_message(error),
        },
    ))
}

pub async fn item_action(
    State(state): State<AppState>,
    session: Session,
    Path((number, action)): Path<(u32, String)>,
    Query(query): Query<ItemQuery>,
    request: Request,
) -> PageResult {
    let kind = ActionKind::parse(&action).ok_or(WebError::NotFound)?;
    let stored = visible_item(&state, &session.viewer, number, query.plan.as_deref()).await?;
    let posted = Posted::read(&state, &session, request).await?;
    let at = item_at(&stored);
    let (today, current) = tick(&state).await?;
    let calendar = current.calendar.clone();
    let me = actor(&session);
    // Forms on the acceptance queue and the notice board return there; nowhere else.
    let board = posted.text("back");
    let return_path = match BOARDS.iter().find(|b| **b == board) {
        Some(board) => board.to_string(),
        None => current.item_path(&stored),
    };
    let back = |message: &str| back_to(&session, &return_path, message);
    let mut evidence: Vec<NewEvidence> = Vec::with_capacity(posted.files.len());
    for file in &posted.files {
        let Some(slot) = kind.file_slot(&file.field) else {
            return Ok(back(&format!("“{}”不附带文件", kind.label_zh())));
        };
        evidence.push(NewEvidence {
            kind: slot.kind_of(&file.name),
            title: &file.name,
            file_name: &file.name,
            file: &file.upload,
            supersedes: None,
        });
    }
    if kind == ActionKind::Object {
        for new in evidence {
            if let Err(error) = state.store.add_evidence(&me, at, new).await {
                return Ok(back(&crate::error::user_message(error)));
            }
        }
        let triple = (
            posted.text("source"),
            posted.text("content"),
            posted.text("contact"),
        );
        let outcome = state
            .store
            .record_objection(&me, at, (&triple.0, &triple.1, &triple.2), today, &calendar)
            .await;
        return Ok(match outcome {
            Ok(id) => back(&format!("已登记异议 #{id}")),
            Err(error) => back(&crate::error::user_message(error)),
        });
    }
    let action = match Action::from_fields(kind, |name| posted.field(name)) {
        Ok(action) => action,
        Err(missing) => return Ok(back(&missing.to_string())),
    };
    Ok(
        match state
            .store
            .act_with_evidence(&me, at, action, &evidence, today, &calendar)
            .await
        {
            Ok(done) => back(&format!(
                "{}：{} → {}",
                kind.label_zh(),
                done.from.label_zh(),
                done.flow.state.label_zh()
            )),
            Err(error) => back(&crate::error::user_message(error)),
        },
    )
}
