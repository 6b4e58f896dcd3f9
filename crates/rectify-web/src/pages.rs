//! The ledger pages: dashboard, 台账 list and export, item detail with its actions, the
//! monthly report form, and evidence downloads. Every handler signs the user in and shows only
//! the items in their scope; an item outside it is "not found".

use crate::AppState;
use crate::auth::{Me, Session};
use crate::error::{PageResult, WebError};
use crate::extract::CsrfForm;
use crate::kit::url_encode;
use crate::upload;
use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use rectify_core::action_input::{FileSlot, Input};
use rectify_core::ledger::{ItemState, Schedule, Scope, Standing};
use rectify_core::time::shown_minute;
use rectify_core::workflow::{
    Action, ActionKind, Actor, Context, EvidenceKind, ProgressStatus, Viewer, Visibility, available,
};
use rectify_exact::date::Date;
use rectify_io::plan::{LedgerRow, ledger_xlsx};
use rectify_store::attachments::Upload;
use rectify_store::ledger::StoredItem;
use rectify_store::schedule::Schedules;
use rectify_store::workflow::{ItemDetail, ItemRef, ItemWorkflow, NewEvidence, NewReport};
use rectify_store::{StoreError, today_china};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn render(page: impl Template) -> PageResult {
    let html = page.render()?;
    Ok(Html(html).into_response())
}

pub(crate) fn actor(session: &Session) -> Actor {
    Actor {
        username: session.user.username.clone(),
        roles: session.user.roles.clone(),
        unit_id: session.user.unit_id,
    }
}

/// The stored item as the store addresses it (plan and number).
fn item_at(stored: &StoredItem) -> ItemRef<'_> {
    ItemRef {
        plan: Some(&stored.plan),
        number: stored.item.number,
    }
}

/// The whole ledger with every item's workflow, as of one journal head. Every change to ledger
/// data appends to the journal, so while the head stays the same the snapshot is current; a
/// page costs one `MAX(seq)` query instead of reloading thousands of items.
#[derive(Default)]
pub struct LedgerCache {
    current: tokio::sync::Mutex<Option<std::sync::Arc<Snapshot>>>,
    /// Rendered dashboards of the current journal head, by session (CSRF token) and day.
    dashboards: tokio::sync::Mutex<(i64, RenderedDashboards)>,
    /// Reports, evidence, objections and journal of recently viewed items, by item id, as of
    /// one journal head (every change to them is journaled).
    details: tokio::sync::Mutex<(i64, HashMap<i64, std::sync::Arc<ItemDetail>>)>,
}

/// Bounds the detail cache; a busy office views far fewer items within one journal head.
const CACHED_DETAILS: usize = 2_000;

async fn item_detail(
    state: &AppState,
    snapshot: &Snapshot,
    stored: &StoredItem,
) -> Result<std::sync::Arc<ItemDetail>, StoreError> {
    {
        let cached = state.ledger.details.lock().await;
        if cached.0 == snapshot.head
            && let Some(detail) = cached.1.get(&stored.id)
        {
            return Ok(detail.clone());
        }
    }
    let detail = std::sync::Arc::new(
        state
            .store
            .item_detail(ItemRef {
                plan: Some(&stored.plan),
                number: stored.item.number,
            })
            .await?,
    );
    let mut cached = state.ledger.details.lock().await;
    if cached.0 != snapshot.head || cached.1.len() >= CACHED_DETAILS {
        *cached = (snapshot.head, HashMap::new());
    }
    cached.1.insert(stored.id, detail.clone());
    Ok(detail)
}

/// Dashboard HTML by (session CSRF token, day).
type RenderedDashboards = HashMap<(String, Date), std::sync::Arc<String>>;

pub struct Snapshot {
    head: i64,
    items: Vec<StoredItem>,
    pub(crate) workflows: HashMap<i64, ItemWorkflow>,
    /// Each item's schedule inputs: its measures' completion dates and recorded criticisms
    /// (both journaled), and the dispatch thresholds (settings, journaled too).
    schedules: Schedules,
    unit_ids: HashMap<String, i64>,
    /// The org tree (its changes are journaled too), for each request's scope.
    pub org_units: Vec<rectify_store::org::OrgUnit>,
    /// Workflow settings (setting changes are journaled as well).
    pub(crate) config: rectify_core::workflow::WorkflowConfig,
    /// The working-day calendar (loading a year is journaled, so it belongs to the snapshot).
    pub(crate) calendar: rectify_core::calendar::WorkCalendar,
    /// The ledger filter's choices over all items, for users who see everything.
    options: FilterOptions,
    /// How many plans the ledger holds: with more than one, item numbers repeat.
    plans: usize,
}

/// Distinct plans, categories, units and leaders, sorted.
#[derive(Clone)]
struct FilterOptions {
    plans: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    units: Vec<(String, String)>,
    leaders: Vec<(String, String)>,
}

impl FilterOptions {
    fn of<'a>(items: impl Iterator<Item = &'a StoredItem> + Clone) -> FilterOptions {
        FilterOptions {
            plans: distinct(items.clone().map(|s| s.plan.clone())),
            categories: distinct(items.clone().map(|s| s.item.category.clone())),
            units: distinct(items.clone().flat_map(|s| s.item.units.iter().cloned())),
            leaders: distinct(items.flat_map(|s| s.item.leaders.iter().cloned())),
        }
    }
}

impl Snapshot {
    /// `?plan=…` when the number alone does not name the item, else nothing.
    pub(crate) fn plan_query(&self, stored: &StoredItem) -> String {
        if self.plans > 1 {
            format!("?plan={}", url_encode(&stored.plan))
        } else {
            String::new()
        }
    }

    /// The actions `actor` may take on the item today (`workflow::available` in this snapshot's
    /// calendar and settings).
    pub(crate) fn actions(
        &self,
        workflow: &ItemWorkflow,
        actor: &Actor,
        today: Date,
    ) -> Vec<ActionKind> {
        available(&Context {
            flow: &workflow.flow,
            facts: &workflow.facts,
            actor,
            today,
            calendar: &self.calendar,
            config: self.config,
        })
    }

    /// The item page's address.
    pub(crate) fn item_path(&self, stored: &StoredItem) -> String {
        format!("/items/{}{}", stored.item.number, self.plan_query(stored))
    }

    fn by_id(&self, id: i64) -> Option<&StoredItem> {
        self.items.iter().find(|s| s.id == id)
    }

    fn workflow(&self, item: &StoredItem) -> Result<&ItemWorkflow, StoreError> {
        self.workflows
            .get(&item.id)
            .ok_or_else(|| StoreError::NotFound {
                what: "整改问题",
                key: item.item.number.to_string(),
            })
    }
}

pub(crate) async fn snapshot(state: &AppState) -> Result<std::sync::Arc<Snapshot>, StoreError> {
    let head = state.store.journal_head().await?;
    let mut current = state.ledger.current.lock().await;
    if let Some(snapshot) = current.as_ref().filter(|s| s.head == head) {
        return Ok(snapshot.clone());
    }
    let items = state.store.ledger(None).await?;
    let org_units = state.store.org_units().await?;
    let workflows = state.store.workflows().await?;
    let schedules = state.store.schedules(&workflows).await?;
    let plans = items
        .iter()
        .map(|s| s.plan.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    let fresh = std::sync::Arc::new(Snapshot {
        head,
        plans,
        options: FilterOptions::of(items.iter()),
        items,
        calendar: state.store.work_calendar().await?,
        config: state.store.workflow_config().await?,
        workflows,
        schedules,
        unit_ids: org_units.iter().map(|u| (u.name.clone(), u.id)).collect(),
        org_units,
    });
    *current = Some(fresh.clone());
    Ok(fresh)
}

/// Whether the user may see the item.
fn sees(snapshot: &Snapshot, viewer: &Viewer, s: &StoredItem) -> bool {
    let ids: Vec<i64> = s
        .item
        .units
        .iter()
        .filter_map(|u| snapshot.unit_ids.get(u).copied())
        .collect();
    viewer.sees(&Visibility {
        state: s.item.state,
        units: &ids,
        leaders: &s.item.leaders,
        supervisors: &s.item.supervisors,
    })
}

/// The ledger snapshot and the items in it this user may see, without copying them.
pub(crate) struct Visible {
    snapshot: std::sync::Arc<Snapshot>,
    indices: Vec<usize>,
}

impl Visible {
    pub(crate) fn items(&self) -> Vec<&StoredItem> {
        self.indices
            .iter()
            .map(|i| &self.snapshot.items[*i])
            .collect()
    }
}

pub(crate) fn visible_items(snapshot: std::sync::Arc<Snapshot>, session: &Session) -> Visible {
    let indices = if session.viewer.sees_everything() {
        (0..snapshot.items.len()).collect()
    } else {
        (0..snapshot.items.len())
            .filter(|i| sees(&snapshot, &session.viewer, &snapshot.items[*i]))
            .collect()
    };
    Visible { snapshot, indices }
}

/// One item by number if the user may see it; otherwise "not found", whether it exists or not.
/// The pages and the JSON API both scope through here.
/// Without a plan, a number that several plans use names the item of the latest plan.
pub(crate) async fn visible_item(
    state: &AppState,
    viewer: &Viewer,
    number: u32,
    plan: Option<&str>,
) -> Result<StoredItem, WebError> {
    let snapshot = snapshot(state).await?;
    find_visible(&snapshot, viewer, number, plan).cloned()
}

/// The item of a report or an evidence file, by row id, if the user may see it.
pub(crate) async fn visible_by_id(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<StoredItem, WebError> {
    let snapshot = snapshot(state).await?;
    snapshot
        .by_id(id)
        .filter(|s| sees(&snapshot, viewer, s))
        .cloned()
        .ok_or(WebError::NotFound)
}

fn find_visible<'s>(
    snapshot: &'s Snapshot,
    viewer: &Viewer,
    number: u32,
    plan: Option<&str>,
) -> Result<&'s StoredItem, WebError> {
    snapshot
        .items
        .iter()
        .filter(|s| s.item.number == number && plan.is_none_or(|p| p == s.plan))
        .rfind(|s| sees(snapshot, viewer, s))
        .ok_or(WebError::NotFound)
}

/// Where an item was addressed: its number in the path, its plan in the query when needed.
#[derive(Deserialize, Default)]
pub struct ItemQuery {
    pub(crate) plan: Option<String>,
    pub(crate) done: Option<String>,
}

/// Closes expired notices before a page shows workflow states; returns today and the snapshot
/// that reflects it.
pub(crate) async fn tick(state: &AppState) -> Result<(Date, std::sync::Arc<Snapshot>), StoreError> {
    let today = today_china();
    let current = snapshot(state).await?;
    let notice_over = current.workflows.values().any(|w| {
        w.flow.state == ItemState::PublicNotice
            && w.flow.notice.is_some_and(|(_, last)| last < today)
    });
    if !notice_over {
        return Ok((today, current));
    }
    state
        .store
        .advance_notices(today, &current.calendar)
        .await?;
    Ok((today, snapshot(state).await?))
}

pub(crate) use rectify_core::text::short;

// ---------------------------------------------------------------------------------------------
// Dashboard

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
    registers: Vec<crate::registers::Tile>,
}

/// The dashboard, rendered once per session, day and journal head: it evaluates every visible
/// item's actions, which is worth keeping while nothing changes.
pub async fn dashboard(State(state): State<AppState>, session: Session) -> PageResult {
    let (today, current) = tick(&state).await?;
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
    let visible = visible_items(current, session);
    let snapshot = visible.snapshot.clone();
    let items = visible.items();
    let count_states = |wanted: &[ItemState]| {
        items
            .iter()
            .filter(|s| wanted.contains(&s.item.state))
            .count()
    };
    use ItemState as S;
    let state_cards = vec![
        CountCard {
            code: "ISSUED",
            label: "已交办未认领",
            count: count_states(&[S::Issued]),
        },
        CountCard {
            code: "IN_PROGRESS",
            label: "整改中",
            count: count_states(&[S::InProgress, S::Reopened, S::Amended]),
        },
        CountCard {
            code: "SUBMITTED",
            label: "已完成待销号",
            count: count_states(&[
                S::Submitted,
                S::UnderAcceptance,
                S::PublicNotice,
                S::SignOff,
            ]),
        },
        CountCard {
            code: "CLOSED",
            label: "已销号",
            count: count_states(&[S::Closed]),
        },
        CountCard {
            code: "SUSTAIN",
            label: "已完成（长期坚持）",
            count: count_states(&[S::Sustain]),
        },
    ];
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
    let complaints = state
        .store
        .complaints(&crate::complaints::filter_for(session))
        .await?;
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
        registers: crate::registers::tiles(state, session).await?,
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
    let visible: Vec<_> = items.iter().filter_map(|s| histories.get(&s.id)).collect();
    let months: Vec<Date> = (0..12)
        .rev()
        .map(|k| {
            Date::last_of_month(today.year, today.month)
                .unwrap_or(today)
                .add_months(-k)
        })
        .collect();
    let counts: Vec<usize> = months
        .iter()
        .map(|end| {
            let last = Date::last_of_month(end.year, end.month).unwrap_or(*end);
            visible
                .iter()
                .filter(|h| h.state_on(last).completed())
                .count()
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
    }
    svg.push_str("</svg>");
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
    Ok(entries
        .into_iter()
        .filter(|e| e.entity == "item")
        .filter_map(|e| {
            let stored = by_id.get(&e.entity_id)?;
            Some(Change {
                at: shown_minute(&e.at),
                actor: e.actor.clone(),
                href: snapshot.item_path(stored),
                number: stored.item.number,
                what: action_label(&e.action),
            })
        })
        .take(12)
        .collect())
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

fn action_label(code: &str) -> String {
    match ActionKind::parse(code) {
        Some(kind) => kind.label_zh().to_string(),
        None => match code {
            "create" => "导入".to_string(),
            "update" => "导入更新".to_string(),
            "set-upper-review" => "设定上级复核".to_string(),
            other => other.to_string(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Ledger list and export

#[derive(Deserialize, Default, Clone)]
pub struct LedgerQuery {
    plan: Option<String>,
    scope: Option<String>,
    category: Option<String>,
    unit: Option<String>,
    leader: Option<String>,
    state: Option<String>,
    schedule: Option<String>,
    overdue: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    desc: Option<String>,
    page: Option<usize>,
}

/// The 进度 filter's value for items whose final date a person must set: a flag beside the
/// colour (`Standing::undated`), offered with the colours in the filter and on the dashboard.
const UNDATED: &str = "undated";
const UNDATED_LABEL: &str = "时限待定";

/// Whether an item's standing is what the 进度 filter asks for (empty: anything).
fn schedule_matches(wanted: &str, standing: &Standing) -> bool {
    match wanted {
        "" => true,
        UNDATED => standing.undated,
        code => standing.schedule.code() == code,
    }
}

impl LedgerQuery {
    fn get(value: &Option<String>) -> &str {
        value.as_deref().unwrap_or("")
    }

    fn matches(&self, s: &StoredItem, standing: &Standing) -> bool {
        let item = &s.item;
        let eq = |wanted: &Option<String>, actual: &str| {
            Self::get(wanted).is_empty() || Self::get(wanted) == actual
        };
        let state_ok = match Self::get(&self.state) {
            "" => true,
            "IN_PROGRESS" => matches!(
                item.state,
                ItemState::InProgress | ItemState::Reopened | ItemState::Amended
            ),
            "SUBMITTED" => item.state.awaiting_signoff(),
            code => item.state.code() == code,
        };
        let q = Self::get(&self.q);
        let text_ok = q.is_empty()
            || item.problem.contains(q)
            || item.target.contains(q)
            || item.units.iter().any(|u| u.contains(q))
            || item.measures.iter().any(|m| m.text.contains(q));
        eq(&self.plan, &s.plan)
            && eq(&self.scope, item.scope.code())
            && eq(&self.category, &item.category)
            && (Self::get(&self.unit).is_empty()
                || item.units.iter().any(|u| u == Self::get(&self.unit)))
            && (Self::get(&self.leader).is_empty()
                || item.leaders.iter().any(|l| l == Self::get(&self.leader)))
            && state_ok
            && schedule_matches(Self::get(&self.schedule), standing)
            && (Self::get(&self.overdue).is_empty() || standing.overdue)
            && text_ok
    }

    fn sort(&self, rows: &mut [(&StoredItem, Standing)]) {
        match Self::get(&self.sort) {
            "due" => rows.sort_by_key(|(s, _)| {
                (
                    s.item.deadline.due_date.is_none(),
                    s.item.deadline.due_date,
                    s.item.number,
                )
            }),
            "state" => rows.sort_by_key(|(s, _)| (s.item.state, s.item.number)),
            "lead" => rows.sort_by(|(a, _), (b, _)| {
                a.item
                    .lead_unit
                    .cmp(&b.item.lead_unit)
                    .then(a.item.number.cmp(&b.item.number))
            }),
            "schedule" => rows.sort_by_key(|(s, standing)| (standing.schedule, s.item.number)),
            // The snapshot is already in plan and number order.
            _ => {}
        }
        if !Self::get(&self.desc).is_empty() {
            rows.reverse();
        }
    }

    /// The query string without paging and sorting, for links that keep the filters.
    fn filters(&self) -> Vec<(&'static str, String)> {
        [
            ("plan", &self.plan),
            ("scope", &self.scope),
            ("category", &self.category),
            ("unit", &self.unit),
            ("leader", &self.leader),
            ("state", &self.state),
            ("schedule", &self.schedule),
            ("overdue", &self.overdue),
            ("q", &self.q),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().filter(|v| !v.is_empty()).map(|v| (k, v.clone())))
        .collect()
    }
}

fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but unreserved ASCII, for query values and header parameters.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(values: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

fn distinct(values: impl IntoIterator<Item = String>) -> Vec<(String, String)> {
    let mut list: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
    list.sort();
    list.dedup();
    list.into_iter().map(|v| (v.clone(), v)).collect()
}

struct Header {
    label: &'static str,
    href: String,
    arrow: &'static str,
}

struct LedgerLine {
    href: String,
    number: u32,
    scope: &'static str,
    category: String,
    problem: String,
    lead: String,
    deadline: String,
    state: &'static str,
    schedule: &'static str,
    schedule_code: &'static str,
    /// Why the item has its colour, for the badge's tooltip.
    schedule_reasons: String,
    /// 时限待定: shown beside the colour.
    undated: bool,
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    me: Me,
    /// Offered only when the ledger holds several plans.
    plans: Vec<Choice>,
    scopes: Vec<Choice>,
    categories: Vec<Choice>,
    units: Vec<Choice>,
    leaders: Vec<Choice>,
    states: Vec<Choice>,
    schedules: Vec<Choice>,
    overdue: bool,
    q: String,
    query: String,
    headers: Vec<Header>,
    rows: Vec<LedgerLine>,
    total: usize,
    page: usize,
    pages: usize,
    prev: String,
    next: String,
}

const PAGE_SIZE: usize = 50;

/// The rows the query selects, each with its schedule on `today`, in the query's order.
fn filter_rows<'a>(
    all: &[&'a StoredItem],
    schedules: &Schedules,
    query: &LedgerQuery,
    today: Date,
) -> Vec<(&'a StoredItem, Standing)> {
    let mut rows: Vec<(&StoredItem, Standing)> = all
        .iter()
        .map(|s| (*s, schedules.of(s, today)))
        .filter(|(s, standing)| query.matches(s, standing))
        .collect();
    query.sort(&mut rows);
    rows
}

pub async fn ledger(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<LedgerQuery>,
) -> PageResult {
    let (today, snapshot) = tick(&state).await?;
    let visible = visible_items(snapshot, &session);
    let all = visible.items();
    let rows = filter_rows(&all, &visible.snapshot.schedules, &query, today);
    let options = if session.viewer.sees_everything() {
        visible.snapshot.options.clone()
    } else {
        FilterOptions::of(all.iter().copied())
    };
    let filters = query.filters();
    let pages = rows.len().div_ceil(PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let link = |page: usize| {
        let mut pairs = filters.clone();
        pairs.extend(query.sort.clone().map(|s| ("sort", s)));
        pairs.extend(query.desc.clone().map(|d| ("desc", d)));
        pairs.push(("page", page.to_string()));
        format!("/ledger?{}", query_string(&pairs))
    };
    let header = |label, key: &str| {
        let current = LedgerQuery::get(&query.sort) == key;
        let desc = current && LedgerQuery::get(&query.desc).is_empty();
        let mut pairs = filters.clone();
        pairs.push(("sort", key.to_string()));
        if desc {
            pairs.push(("desc", "1".to_string()));
        }
        Header {
            label,
            href: format!("/ledger?{}", query_string(&pairs)),
            arrow: match (current, desc) {
                (true, true) => " ▲",
                (true, false) => " ▼",
                _ => "",
            },
        }
    };
    let headers_row = vec![
        header("序号", "number"),
        header("共性/个性", "number"),
        header("类别", "number"),
        header("反馈问题", "number"),
        header("牵头单位", "lead"),
        header("整改时限", "due"),
        header("状态", "state"),
        header("进度", "schedule"),
    ];
    let lines = rows
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|(s, standing)| {
            let schedule = standing.schedule;
            LedgerLine {
                href: visible.snapshot.item_path(s),
                number: s.item.number,
                scope: s.item.scope.label_zh(),
                category: s.item.category.clone(),
                problem: short(&s.item.problem, 48),
                lead: s.item.lead_unit.clone(),
                deadline: s.item.deadline.text.clone(),
                state: s.item.state.label_zh(),
                schedule: schedule.label_zh(),
                schedule_code: schedule.code(),
                schedule_reasons: standing.reasons.join("；"),
                undated: standing.undated,
            }
        })
        .collect();
    render(LedgerPage {
        me: session.me(),
        scopes: choices(
            Scope::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label_zh().to_string())),
            LedgerQuery::get(&query.scope),
        ),
        plans: if options.plans.len() > 1 {
            choices(options.plans, LedgerQuery::get(&query.plan))
        } else {
            Vec::new()
        },
        categories: choices(options.categories, LedgerQuery::get(&query.category)),
        units: choices(options.units, LedgerQuery::get(&query.unit)),
        leaders: choices(options.leaders, LedgerQuery::get(&query.leader)),
        states: choices(
            ItemState::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label_zh().to_string())),
            LedgerQuery::get(&query.state),
        ),
        schedules: choices(
            Schedule::ALL
                .iter()
                .map(|s| (s.code().to_string(), s.label_zh().to_string()))
                .chain([(UNDATED.to_string(), UNDATED_LABEL.to_string())]),
            LedgerQuery::get(&query.schedule),
        ),
        overdue: !LedgerQuery::get(&query.overdue).is_empty(),
        q: LedgerQuery::get(&query.q).to_string(),
        query: query_string(&filters),
        headers: headers_row,
        total: rows.len(),
        page,
        pages,
        prev: link(page.saturating_sub(1).max(1)),
        next: link((page + 1).min(pages)),
        rows: lines,
    })
}

/// The current filter as the office's xlsx.
pub async fn ledger_xlsx_export(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<LedgerQuery>,
) -> PageResult {
    let (today, snapshot) = tick(&state).await?;
    let visible = visible_items(snapshot, &session);
    let rows = filter_rows(&visible.items(), &visible.snapshot.schedules, &query, today);
    let title = state
        .store
        .plans()
        .await?
        .first()
        .map(|p| p.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "整改台账".to_string());
    let rows: Vec<LedgerRow> = rows
        .into_iter()
        .map(|(s, standing)| LedgerRow {
            standing,
            item: s.item.clone(),
            latest_progress: String::new(),
        })
        .collect();
    let bytes = ledger_xlsx(&title, &rows).map_err(|e| WebError::internal(&e))?;
    Ok(xlsx_download(&format!("ledger-{today}.xlsx"), bytes))
}

/// A workbook as a download named `file_name` (ASCII).
pub(crate) fn xlsx_download(file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Item detail and actions

struct MeasureLine {
    text: String,
    done_on: Option<String>,
    done: bool,
}

/// Each measure with its completion date.
fn measure_lines(item: &rectify_core::ledger::Item, workflow: &ItemWorkflow) -> Vec<MeasureLine> {
    let done = workflow
        .measures_done_on
        .iter()
        .chain(std::iter::repeat(&None));
    item.measures
        .iter()
        .zip(done)
        .map(|(m, done)| MeasureLine {
            text: m.text.clone(),
            done: done.is_some(),
            done_on: done.clone(),
        })
        .collect()
}

/// A field of an action's form, as the template draws it.
pub(crate) struct FormField {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    /// `textarea`, `yesno` (a 是/否 choice) or an `<input>` type.
    pub(crate) kind: &'static str,
}

pub(crate) struct ActionForm {
    pub(crate) code: &'static str,
    pub(crate) label: &'static str,
    pub(crate) fields: Vec<FormField>,
    pub(crate) files: &'static [FileSlot],
}

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

struct TimelineLine {
    at: String,
    actor: String,
    what: String,
    detail: String,
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
    actions: Vec<ActionForm>,
    can_report: bool,
    reports: Vec<ReportLine>,
    evidence: Vec<EvidenceLine>,
    objections: Vec<ObjectionLine>,
    timeline: Vec<TimelineLine>,
}

/// An action's form, drawn from its declaration (`ActionKind::fields`, `file_slots`).
pub(crate) fn action_form(kind: ActionKind) -> ActionForm {
    let fields = kind
        .fields()
        .iter()
        .map(|field| FormField {
            name: field.name,
            label: field.label,
            kind: match field.input {
                Input::Line => "text",
                Input::Paragraph => "textarea",
                Input::Date => "date",
                Input::Number => "number",
                Input::YesNo => "yesno",
            },
        })
        .collect();
    ActionForm {
        code: kind.code(),
        label: kind.label_zh(),
        fields,
        files: kind.file_slots(),
    }
}

#[derive(Deserialize)]
pub struct FlashQuery {
    pub(crate) done: Option<String>,
}

pub async fn item(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<u32>,
    Query(query): Query<ItemQuery>,
) -> PageResult {
    let (today, snapshot) = tick(&state).await?;
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
        flash: query.done,
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
        actions,
        can_report,
        reports,
        evidence,
        objections,
        timeline: timeline(&detail.journal),
    })
}

/// The item's journal entries and those of its reports and evidence, in journal order.
fn timeline(entries: &[rectify_core::journal::JournalEntry]) -> Vec<TimelineLine> {
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
                _ => (
                    format!("{on}{}{state_label}", action_label(&e.action)),
                    detail,
                ),
            };
            TimelineLine {
                at: shown_minute(&e.at),
                actor: e.actor.clone(),
                what,
                detail,
            }
        })
        .collect()
}

/// Multipart form fields and files, with the files' names.
#[derive(Default)]
pub(crate) struct Posted {
    fields: HashMap<String, Vec<String>>,
    pub(crate) files: Vec<PostedFile>,
}

/// A file from a multipart form: the form field it came in, its name, and its content, received
/// into a temporary file of the attachment store.
pub(crate) struct PostedFile {
    pub(crate) field: String,
    pub(crate) name: String,
    pub(crate) upload: Upload,
}

impl Posted {
    /// The signed-in user's multipart form (taking the session proves the caller resolved it
    /// from the headers first). The declared size is checked before any byte is read and the
    /// CSRF token before the first file, so a forged or oversized form is refused unread; files
    /// go to temporary files as they arrive, each at most `evidence.max_bytes`, the whole form
    /// at most that plus `FORM_OVERHEAD`.
    pub(crate) async fn read(
        state: &AppState,
        session: &Session,
        request: Request,
    ) -> Result<Posted, WebError> {
        let (parts, body) = request.into_parts();
        let limit = state.store.evidence_policy().await?.max_bytes;
        let whole = limit.saturating_add(upload::FORM_OVERHEAD);
        upload::check_declared(&parts.headers, whole)?;
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let boundary = multer::parse_boundary(content_type).map_err(upload::form_error)?;
        let constraints =
            multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(whole));
        let mut multipart =
            multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
        let mut posted = Posted::default();
        let mut text_bytes = 0;
        let mut csrf_checked = false;
        while let Some(mut field) = multipart.next_field().await.map_err(upload::form_error)? {
            let name = field.name().unwrap_or_default().to_string();
            let Some(file_name) = field.file_name().map(str::to_string) else {
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(upload::form_error)? {
                    text_bytes += chunk.len() as u64;
                    if text_bytes > upload::FORM_OVERHEAD {
                        return Err(upload::text_too_large().into());
                    }
                    text.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(text).map_err(|_| upload::not_text(&name))?;
                posted.fields.entry(name).or_default().push(text);
                continue;
            };
            if !csrf_checked {
                session.check_csrf(&posted.text("csrf"))?;
                csrf_checked = true;
            }
            let mut receiving = state
                .store
                .attachments()
                .receive(&file_name, limit)
                .map_err(upload::Refused::from)?;
            while let Some(chunk) = field.chunk().await.map_err(upload::form_error)? {
                receiving.write(&chunk).map_err(upload::Refused::from)?;
            }
            let upload = upload::finish(receiving).await?;
            // A file input left empty arrives as a part with no name and no content.
            if !file_name.is_empty() && upload.size > 0 {
                posted.files.push(PostedFile {
                    field: name,
                    name: file_name,
                    upload,
                });
            }
        }
        if !csrf_checked {
            session.check_csrf(&posted.text("csrf"))?;
        }
        Ok(posted)
    }

    pub(crate) fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    /// The field's first value, if the form sent it.
    pub(crate) fn field(&self, name: &str) -> Option<String> {
        self.fields.get(name).and_then(|v| v.first()).cloned()
    }
}

/// Redirects back to the item with a message, the result of a form.
pub(crate) fn back_to(path: &str, message: &str) -> Response {
    let joiner = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{joiner}done={}", url_encode(message))).into_response()
}

pub async fn item_action(
    State(state): State<AppState>,
    session: Session,
    Path((number, action)): Path<(u32, String)>,
    Query(query): Query<ItemQuery>,
    request: Request,
) -> PageResult {
    let stored = visible_item(&state, &session.viewer, number, query.plan.as_deref()).await?;
    let posted = Posted::read(&state, &session, request).await?;
    let at = item_at(&stored);
    let kind = ActionKind::parse(&action).ok_or(WebError::NotFound)?;
    let (today, current) = tick(&state).await?;
    let calendar = current.calendar.clone();
    let me = actor(&session);
    // Forms on the acceptance queue and the notice board return there; nowhere else.
    let board = posted.text("back");
    let return_path = match crate::boards::BOARDS.iter().find(|b| **b == board) {
        Some(board) => board.to_string(),
        None => current.item_path(&stored),
    };
    let back = |message: &str| back_to(&return_path, message);
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

// ---------------------------------------------------------------------------------------------
// Monthly reports

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportForm {
    me: Me,
    number: u32,
    plan_query: String,
    problem: String,
    period: String,
    measures: Vec<MeasureLine>,
}

pub async fn report_form(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<u32>,
    Query(query): Query<ItemQuery>,
) -> PageResult {
    let snapshot = snapshot(&state).await?;
    let stored = find_visible(&snapshot, &session.viewer, number, query.plan.as_deref())?;
    let workflow = snapshot.workflow(stored)?;
    let today = today_china();
    let measures = measure_lines(&stored.item, workflow);
    render(ReportForm {
        me: session.me(),
        number,
        plan_query: snapshot.plan_query(stored),
        problem: short(&stored.item.problem, 60),
        period: format!("{:04}-{:02}", today.year, today.month),
        measures,
    })
}

pub async fn report_submit(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<u32>,
    Query(query): Query<ItemQuery>,
    request: Request,
) -> PageResult {
    let stored = visible_item(&state, &session.viewer, number, query.plan.as_deref()).await?;
    let posted = Posted::read(&state, &session, request).await?;
    let at = item_at(&stored);
    let (today, current) = tick(&state).await?;
    let calendar = current.calendar.clone();
    let me = actor(&session);
    let path = current.item_path(&stored);
    let back = |message: &str| back_to(&path, message);
    let mut evidence = Vec::new();
    for file in &posted.files {
        let new = NewEvidence {
            kind: EvidenceKind::guess(&file.name),
            title: &file.name,
            file_name: &file.name,
            file: &file.upload,
            supersedes: None,
        };
        match state.store.add_evidence(&me, at, new).await {
            Ok(e) => evidence.push(e.id),
            Err(error) => return Ok(back(&crate::error::user_message(error))),
        }
    }
    let done: Vec<u32> = posted
        .fields
        .get("done")
        .into_iter()
        .flatten()
        .filter_map(|d| d.parse().ok())
        .collect();
    let new = NewReport {
        period: &posted.text("period"),
        text: &posted.text("text"),
        done_measures: &done,
        self_schedule: &posted.text("schedule"),
        evidence_ids: &evidence,
    };
    Ok(
        match state.store.add_report(&me, at, new, today, &calendar).await {
            Ok(report) => back(&format!(
                "已提交 {} 进展{}",
                report.period,
                if report.late { "（迟报）" } else { "" }
            )),
            Err(error) => back(&crate::error::user_message(error)),
        },
    )
}

#[derive(Deserialize)]
pub struct ReviewForm {
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn report_review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { session, form }: CsrfForm<ReviewForm>,
) -> PageResult {
    // The scope is that of the report's own item, never of an item named by the form.
    let report = state.store.report(id).await?;
    let stored = visible_by_id(&state, &session.viewer, report.item_id).await?;
    let path = snapshot(&state).await?.item_path(&stored);
    let outcome = state
        .store
        .review_report(&actor(&session), id, form.decision == "confirm", &form.note)
        .await;
    Ok(match outcome {
        Ok(report) => back_to(
            &path,
            &format!(
                "已{} {} 进展",
                if report.status == ProgressStatus::Confirmed {
                    "确认"
                } else {
                    "退回"
                },
                report.period
            ),
        ),
        Err(error) => back_to(&path, &crate::error::user_message(error)),
    })
}

// ---------------------------------------------------------------------------------------------
// Evidence files

async fn evidence_for(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<(rectify_store::workflow::Evidence, Vec<u8>), WebError> {
    let evidence = state.store.evidence(id).await?;
    visible_by_id(state, &session.viewer, evidence.item_id).await?;
    let (evidence, bytes) = match state.store.evidence_file(id).await {
        Ok(found) => found,
        Err(StoreError::Tampered { .. }) => {
            return Err(WebError::Forbidden(
                "文件内容与登记的 SHA-256 不符，已拒绝下载".into(),
            ));
        }
        Err(other) => return Err(other.into()),
    };
    Ok((evidence, bytes))
}

/// Always a download: a file is never rendered by the browser from here.
pub async fn evidence_download(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> PageResult {
    let (evidence, bytes) = evidence_for(&state, &session, id).await?;
    Ok(attachment(evidence.id, &evidence.file_name, bytes))
}

/// A stored file as a download, named by its id and extension, with its own name for clients
/// that read RFC 5987.
pub(crate) fn attachment(id: i64, file_name: &str, bytes: Vec<u8>) -> Response {
    let name = format!(
        "evidence-{id}.{}",
        file_name.rsplit('.').next().unwrap_or("bin")
    );
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        url_encode(&name),
        url_encode(file_name)
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Images and PDFs shown inline, under a sandboxing policy; anything else downloads.
pub async fn evidence_preview(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> PageResult {
    let (evidence, bytes) = evidence_for(&state, &session, id).await?;
    let inline = matches!(
        evidence.media_type.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
    );
    if !inline {
        return Ok(Redirect::to(&format!("/evidence/{id}")).into_response());
    }
    let media = HeaderValue::from_str(&evidence.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, media),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "sandbox; default-src 'none'; img-src 'self'; object-src 'self'",
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_are_encoded() {
        assert_eq!(
            query_string(&[("q", "黑臭 水体".into()), ("unit", "a&b".into())]),
            "q=%E9%BB%91%E8%87%AD%20%E6%B0%B4%E4%BD%93&unit=a%26b"
        );
        assert_eq!(short("一二三四五", 3), "一二三…");
    }
}
