//! The dashboard: counts by state and schedule, the user's pending tasks, what is overdue or due
//! soon, the completion trend, recent changes, complaints, rebounds and the registers' tiles.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::{Snapshot, tick_since, visible_items};
use crate::error::{PageResult, WebError};
use crate::kit::{
    UNDATED, UNDATED_LABEL, action_label, actor, actor_label, display_names, schedule_matches,
    short,
};
use crate::scopes::{complaint_filter, register_units};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse};
use rectify_core::ledger::{ItemState, Schedule, Standing, StateGroup};
use rectify_core::register::Kind;
use rectify_core::task::{TaskActionKind, TaskContext, TaskState, task_available};
use rectify_core::time::shown_minute;
use rectify_core::workflow::ActionKind;
use rectify_exact::date::Date;
use rectify_store::StoreError;
use rectify_store::ledger::StoredItem;
use rectify_store::workflow::ItemWorkflow;
use std::collections::HashMap;

struct CountCard {
    code: &'static str,
    label: &'static str,
    count: usize,
}

struct Task {
    href: String,
    title: String,
    detail: String,
}

struct DueRow {
    href: String,
    number: u32,
    problem: String,
    lead: String,
    due: String,
}

struct Change {
    at: String,
    actor: String,
    href: String,
    number: u32,
    what: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    me: Me,
    today: String,
    total: usize,
    state_cards: Vec<CountCard>,
    schedule_cards: Vec<CountCard>,
    pending: Vec<Task>,
    overdue: Vec<DueRow>,
    due_soon: Vec<DueRow>,
    trend: String,
    changes: Vec<Change>,
    complaints: usize,
    complaints_overdue: usize,
    /// (complaint, site, item link, item number) of rebounds on visible signed-off items.
    rebounds: Vec<(String, String, String, u32)>,
    registers: Vec<Tile>,
}

/// The dashboard, rendered once per session, day and journal head: it evaluates every visible
/// item's actions, which is worth keeping while nothing changes.
pub async fn dashboard(State(state): State<AppState>, session: Session) -> PageResult {
    let (today, current) = tick_since(&state, session.seen_head).await?;
    let head = current.head;
    let key = (session.csrf.clone(), today);
    {
        let cached = state.ledger.dashboards.lock().await;
        if cached.0 == head
            && let Some(html) = cached.1.get(&key)
        {
            return Ok(Html(html.as_ref().clone()).into_response());
        }
    }
    let html = std::sync::Arc::new(dashboard_html(&state, &session, today, current).await?);
    let mut cached = state.ledger.dashboards.lock().await;
    if cached.0 != head {
        *cached = (head, HashMap::new());
    }
    cached.1.insert(key, html.clone());
    Ok(Html(html.as_ref().clone()).into_response())
}

async fn dashboard_html(
    state: &AppState,
    session: &Session,
    today: Date,
    current: std::sync::Arc<Snapshot>,
) -> Result<String, WebError> {
    let visible = visible_items(current, &session.viewer);
    let snapshot = visible.snapshot.clone();
    let items = visible.items();
    let state_cards = StateGroup::ALL
        .iter()
        .map(|group| CountCard {
            code: group.code(),
            label: group.label_zh(),
            count: items
                .iter()
                .filter(|s| group.contains(s.item.state))
                .count(),
        })
        .collect();
    let standings: Vec<Standing> = items
        .iter()
        .map(|s| snapshot.schedules.of(s, today))
        .collect();
    let schedule_cards = Schedule::ALL
        .iter()
        .map(|sched| (sched.code(), sched.label_zh()))
        .chain([(UNDATED, UNDATED_LABEL)])
        .map(|(code, label)| CountCard {
            code,
            label,
            count: standings
                .iter()
                .filter(|s| schedule_matches(code, s))
                .count(),
        })
        .collect();
    let due_row = |s: &&StoredItem| DueRow {
        href: snapshot.item_path(s),
        number: s.item.number,
        problem: short(&s.item.problem, 28),
        lead: s.item.lead_unit.clone(),
        due: s
            .item
            .deadline
            .due_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
    };
    let open = |s: &&&StoredItem| !s.item.state.completed() && !s.item.state.awaiting_signoff();
    // Past the final deadline (逾期), whatever else made them 红.
    let overdue = items
        .iter()
        .zip(&standings)
        .filter(|(_, standing)| standing.overdue)
        .map(|(s, _)| due_row(s))
        .collect();
    let horizon = today.add_days(14);
    let due_soon = items
        .iter()
        .filter(open)
        .filter(|s| {
            s.item
                .deadline
                .due_date
                .is_some_and(|d| d >= today && d <= horizon)
        })
        .map(due_row)
        .collect();
    let pending = pending_tasks(state, session, &snapshot, &items, today).await?;
    let trend = trend_svg(state, &items, today).await?;
    let changes = recent_changes(state, &snapshot, &items).await?;
    let complaints = state.store.complaints(&complaint_filter(session)).await?;
    let rebounds = state
        .store
        .rebounds()
        .await?
        .into_iter()
        .filter_map(|(no, site, plan, number)| {
            let item = items
                .iter()
                .find(|s| s.plan == plan && s.item.number == number)?;
            Some((no, site, snapshot.item_path(item), number))
        })
        .collect();
    let page = DashboardPage {
        me: session.me(),
        today: today.chinese(),
        total: items.len(),
        state_cards,
        schedule_cards,
        pending,
        overdue,
        due_soon,
        trend,
        changes,
        complaints_overdue: complaints
            .iter()
            .filter(|c| c.clock(today).is_overdue())
            .count(),
        complaints: complaints.len(),
        rebounds,
        registers: tiles(state, session).await?,
    };
    Ok(page.render()?)
}

async fn pending_tasks(
    state: &AppState,
    session: &Session,
    snapshot: &Snapshot,
    items: &[&StoredItem],
    today: Date,
) -> Result<Vec<Task>, StoreError> {
    let me = actor(session);
    let mut tasks = Vec::new();
    let period = format!("{:04}-{:02}", today.year, today.month);
    let reported: Vec<i64> = state
        .store
        .reports(&period)
        .await?
        .into_iter()
        .filter(|r| r.unit == session.user.unit_name)
        .map(|r| r.item_id)
        .collect();
    for stored in items {
        let path = snapshot.item_path(stored);
        let workflow = snapshot.workflow(stored)?;
        let actions: Vec<&str> = snapshot
            .actions(workflow, &me, today)
            .into_iter()
            .filter(|kind| waits_on_user(*kind, workflow, today))
            .map(ActionKind::label_zh)
            .collect();
        if !actions.is_empty() {
            tasks.push(Task {
                href: path.clone(),
                title: format!("第{}项：{}", stored.item.number, actions.join("、")),
                detail: short(&stored.item.problem, 24),
            });
        }
        // The member's own part of a shared item, not started yet (a started one's to-do is
        // its monthly report, below).
        if let Some(task) = stored
            .tasks
            .iter()
            .find(|t| t.unit_id == session.user.unit_id && t.state == TaskState::Pending)
        {
            let cx = TaskContext {
                state: task.state,
                item_state: stored.item.state,
                task_unit: task.unit_id,
                actor_roles: &session.user.roles,
                actor_unit: session.user.unit_id,
                files: 0,
                acceptance: snapshot.tasks.acceptance,
            };
            let open: Vec<&str> = task_available(&cx)
                .into_iter()
                .map(TaskActionKind::label_zh)
                .collect();
            if !open.is_empty() {
                tasks.push(Task {
                    href: format!("{path}#tasks"),
                    title: format!(
                        "第{}项（本县区任务未启动）：{}",
                        stored.item.number,
                        open.join("、")
                    ),
                    detail: short(&stored.item.problem, 24),
                });
            }
        }
        let my_unit = workflow.facts.units.contains(&session.user.unit_id);
        if session.user.roles.contains(&rectify_core::org::Role::Unit)
            && my_unit
            && stored.item.state.reportable()
            && !reported.contains(&stored.id)
        {
            tasks.push(Task {
                href: format!(
                    "/items/{}/report{}",
                    stored.item.number,
                    snapshot.plan_query(stored)
                ),
                title: format!("第{}项：{period} 进展待填报", stored.item.number),
                detail: short(&stored.item.problem, 24),
            });
        }
        if let Some((_, last)) = workflow.flow.notice
            && stored.item.state == ItemState::PublicNotice
            && last <= today.add_days(3)
        {
            tasks.push(Task {
                href: path,
                title: format!("第{}项：公示将于 {last} 结束", stored.item.number),
                detail: short(&stored.item.problem, 24),
            });
        }
    }
    let reviewer = [
        rectify_core::org::Role::Supervisor,
        rectify_core::org::Role::Office,
    ]
    .iter()
    .any(|r| session.user.roles.contains(r));
    if reviewer {
        let visible: HashMap<i64, &StoredItem> = items.iter().map(|s| (s.id, *s)).collect();
        for report in state.store.reports_awaiting_review().await? {
            if let Some(stored) = visible.get(&report.item_id) {
                tasks.push(Task {
                    href: snapshot.item_path(stored),
                    title: format!(
                        "第{}项：{} {} 进展待确认",
                        report.item_number, report.unit, report.period
                    ),
                    detail: short(&report.text, 24),
                });
            }
        }
    }
    Ok(tasks)
}

/// Whether an action the user may take is one the item is waiting for, rather than an option
/// (an amendment, a reopening, recording an objection).
fn waits_on_user(kind: ActionKind, workflow: &ItemWorkflow, today: Date) -> bool {
    use ActionKind as A;
    match kind {
        A::ProposeAmendment | A::Reopen | A::Object | A::RecordNotice | A::CloseNotice => false,
        A::Submit => workflow.facts.measures_done >= workflow.facts.measures,
        A::Uphold | A::Dismiss => workflow.facts.pending_objections > 0,
        A::Recheck => workflow
            .flow
            .next_recheck
            .is_some_and(|d| d <= today.add_days(14)),
        _ => true,
    }
}

/// The items complete at the end of each of the last 12 months (an item reopened later counts
/// until it was), as an inline SVG.
async fn trend_svg(
    state: &AppState,
    items: &[&StoredItem],
    today: Date,
) -> Result<String, StoreError> {
    let histories = state.store.state_histories().await?;
    let months: Vec<Date> = (0..12)
        .rev()
        .map(|k| {
            Date::last_of_month(today.year, today.month)
                .unwrap_or(today)
                .add_months(-k)
        })
        .collect();
    let completed_at = |end: &Date| -> Vec<&&StoredItem> {
        let last = Date::last_of_month(end.year, end.month).unwrap_or(*end);
        items
            .iter()
            .filter(|s| {
                histories
                    .get(&s.id)
                    .is_some_and(|h| h.state_on(last).completed())
            })
            .collect()
    };
    let completed: Vec<Vec<&&StoredItem>> = months.iter().map(completed_at).collect();
    let counts: Vec<usize> = completed.iter().map(Vec::len).collect();
    // The cumulative count falls only when a completed item is reopened: each month says which.
    let reopened: Vec<Vec<u32>> = completed
        .iter()
        .enumerate()
        .map(|(i, now)| {
            let before = completed_at(&months[i].add_months(-1));
            before
                .iter()
                .filter(|s| !now.iter().any(|n| n.id == s.id))
                .map(|s| s.item.number)
                .collect()
        })
        .collect();
    let top = counts.iter().copied().max().unwrap_or(0).max(1);
    let (width, height, bar) = (720, 160, 44);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {width} {}\" width=\"100%\" role=\"img\" aria-label=\"完成趋势\">",
        height + 30
    );
    for (i, (month, count)) in months.iter().zip(&counts).enumerate() {
        let h = count * height / top;
        let x = i * 60 + 8;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"{bar}\" height=\"{h}\" fill=\"#0b6e4f\"></rect><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{count}</text><text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}月</text>",
            height - h + 10,
            x + bar / 2,
            height - h + 6,
            x + bar / 2,
            height + 26,
            month.month
        ));
        if !reopened[i].is_empty() {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#b42318\">重开{}</text>",
                x + bar / 2,
                (height - h).saturating_sub(10).max(12),
                reopened[i].len()
            ));
        }
    }
    svg.push_str("</svg>");
    for (month, numbers) in months.iter().zip(&reopened).filter(|(_, n)| !n.is_empty()) {
        let numbers: Vec<String> = numbers.iter().map(|n| format!("第{n}项")).collect();
        svg.push_str(&format!(
            "<p class=\"sub\">{}年{}月：{}重新打开，累计数相应减少。</p>",
            month.year,
            month.month,
            numbers.join("、")
        ));
    }
    Ok(svg)
}

async fn recent_changes(
    state: &AppState,
    snapshot: &Snapshot,
    items: &[&StoredItem],
) -> Result<Vec<Change>, StoreError> {
    let by_id: HashMap<String, &StoredItem> =
        items.iter().map(|s| (s.id.to_string(), *s)).collect();
    let entries = state.store.recent_journal(400).await?;
    let names = display_names(state).await?;
    Ok(entries
        .into_iter()
        .filter(|e| e.entity == "item")
        .filter_map(|e| {
            let stored = by_id.get(&e.entity_id)?;
            Some(Change {
                at: shown_minute(&e.at),
                actor: actor_label(&e.actor, &names),
                href: snapshot.item_path(stored),
                number: stored.item.number,
                what: action_label(&e.action),
            })
        })
        .take(12)
        .collect())
}

/// A register's tile on the dashboard.
struct Tile {
    kind: Kind,
    total: usize,
    done: usize,
    /// Reopened by a rebound and not finished again.
    rebounding: usize,
}

async fn tiles(state: &AppState, session: &Session) -> Result<Vec<Tile>, WebError> {
    let counts = state
        .store
        .register_state_counts(register_units(session).as_deref())
        .await?;
    Ok(Kind::ALL
        .iter()
        .map(|kind| {
            let of_kind = counts.iter().filter(|c| c.kind == *kind);
            let (done, open): (Vec<_>, Vec<_>) = of_kind.partition(|c| kind.is_done(&c.state));
            Tile {
                kind: *kind,
                total: done.iter().chain(&open).map(|c| c.entries).sum(),
                done: done.iter().map(|c| c.entries).sum(),
                rebounding: open.iter().map(|c| c.rebounded).sum(),
            }
        })
        .filter(|t| t.total > 0)
        .collect())
}
