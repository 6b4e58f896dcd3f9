//! The ledger as the pages read it: one snapshot of every item and its workflow per journal
//! head, the dashboards and item details rendered or loaded within that head, and the scope
//! rules that show a user only the items they may see (an item outside it is "not found").

use crate::AppState;
use crate::encode::url_encode;
use crate::error::WebError;
use rectify_core::ledger::ItemState;
use rectify_core::workflow::{ActionKind, Actor, Context, Viewer, Visibility, available};
use rectify_exact::date::Date;
use rectify_store::ledger::StoredItem;
use rectify_store::schedule::Schedules;
use rectify_store::workflow::{ItemDetail, ItemRef, ItemWorkflow};
use rectify_store::{StoreError, today_china};
use std::collections::HashMap;

/// The whole ledger with every item's workflow, as of one journal head. Every change to ledger
/// data appends to the journal, so while the head stays the same the snapshot is current; a
/// page costs one `MAX(seq)` query instead of reloading thousands of items.
#[derive(Default)]
pub struct LedgerCache {
    current: tokio::sync::Mutex<Option<std::sync::Arc<Snapshot>>>,
    /// Rendered dashboards of the current journal head, by session (CSRF token) and day.
    pub(crate) dashboards: tokio::sync::Mutex<(i64, RenderedDashboards)>,
    /// Reports, evidence, objections and journal of recently viewed items, by item id, as of
    /// one journal head (every change to them is journaled).
    details: tokio::sync::Mutex<(i64, HashMap<i64, std::sync::Arc<ItemDetail>>)>,
}

/// Dashboard HTML by (session CSRF token, day).
type RenderedDashboards = HashMap<(String, Date), std::sync::Arc<String>>;

pub struct Snapshot {
    pub(crate) head: i64,
    pub(crate) items: Vec<StoredItem>,
    pub(crate) workflows: HashMap<i64, ItemWorkflow>,
    /// Each item's schedule inputs: its measures' completion dates and recorded criticisms
    /// (both journaled), and the dispatch thresholds (settings, journaled too).
    pub(crate) schedules: Schedules,
    unit_ids: HashMap<String, i64>,
    /// The org tree (its changes are journaled too), for each request's scope.
    pub org_units: Vec<rectify_store::org::OrgUnit>,
    /// Workflow settings (setting changes are journaled as well).
    pub(crate) config: rectify_core::workflow::WorkflowConfig,
    /// How groups resolve and whether tasks are accepted one by one (settings, journaled).
    pub(crate) tasks: rectify_store::tasks::TaskSettings,
    /// The working-day calendar (loading a year is journaled, so it belongs to the snapshot).
    pub(crate) calendar: rectify_core::calendar::WorkCalendar,
    /// The ledger filter's choices over all items, for users who see everything.
    pub(crate) options: FilterOptions,
    /// How many plans the ledger holds: with more than one, item numbers repeat.
    plans: usize,
}

/// Distinct plans, categories, units and leaders, sorted.
#[derive(Clone)]
pub(crate) struct FilterOptions {
    pub(crate) plans: Vec<(String, String)>,
    pub(crate) categories: Vec<(String, String)>,
    pub(crate) units: Vec<(String, String)>,
    pub(crate) leaders: Vec<(String, String)>,
}

impl FilterOptions {
    pub(crate) fn of<'a>(items: impl Iterator<Item = &'a StoredItem> + Clone) -> FilterOptions {
        FilterOptions {
            plans: distinct(items.clone().map(|s| s.plan.clone())),
            categories: distinct(items.clone().map(|s| s.item.category.clone())),
            units: distinct(items.clone().flat_map(|s| s.item.units.iter().cloned())),
            leaders: distinct(items.flat_map(|s| s.item.leaders.iter().cloned())),
        }
    }
}

fn distinct(values: impl IntoIterator<Item = String>) -> Vec<(String, String)> {
    let mut list: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
    list.sort();
    list.dedup();
    list.into_iter().map(|v| (v.clone(), v)).collect()
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

    pub(crate) fn workflow(&self, item: &StoredItem) -> Result<&ItemWorkflow, StoreError> {
        self.workflows
            .get(&item.id)
            .ok_or_else(|| StoreError::NotFound {
                what: "整改问题",
                key: item.item.number.to_string(),
            })
    }
}

impl Snapshot {
    /// How many plans the ledger holds.
    pub(crate) fn plan_count(&self) -> usize {
        self.plans
    }
}

/// The ledger as of the journal's head now: one `MAX(seq)` query, then the cached snapshot if
/// it is current. For handlers that have just written or are about to act on what they read.
pub(crate) async fn snapshot(state: &AppState) -> Result<std::sync::Arc<Snapshot>, StoreError> {
    let head = state.store.journal_head().await?;
    snapshot_since(state, head).await
}

/// The ledger holding at least every change up to `seen`, a journal head read earlier in the
/// request (with its session: `Session::seen_head`), so a page that only reads costs no query
/// of its own. A snapshot newer than `seen` serves as well: what changed after the session was
/// read could as well have changed before the request came. A snapshot is loaded after its
/// head was read, so it holds every change up to it; the journal only grows, so a cached head
/// at or past `seen` is current enough.
pub(crate) async fn snapshot_since(
    state: &AppState,
    seen: i64,
) -> Result<std::sync::Arc<Snapshot>, StoreError> {
    let mut current = state.ledger.current.lock().await;
    if let Some(snapshot) = current.as_ref().filter(|s| s.head >= seen) {
        state.metrics.ledger_cache.hit();
        return Ok(snapshot.clone());
    }
    state.metrics.ledger_cache.miss();
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
        // What was loaded may be newer still; a later page that saw more reloads once.
        head: seen,
        plans,
        options: FilterOptions::of(items.iter()),
        items,
        calendar: state.store.work_calendar().await?,
        config: state.store.workflow_config().await?,
        tasks: state.store.task_settings().await?,
        workflows,
        schedules,
        // A group name an older import made a unit of is no unit anyone belongs to for an item.
        unit_ids: org_units
            .iter()
            .filter(|u| !rectify_store::tasks::is_group(&u.name))
            .map(|u| (u.name.clone(), u.id))
            .collect(),
        org_units,
    });
    *current = Some(fresh.clone());
    Ok(fresh)
}

/// Closes expired notices before a page shows workflow states; returns today and the snapshot
/// that reflects it, as of the journal's head now (`snapshot`).
pub(crate) async fn tick(state: &AppState) -> Result<(Date, std::sync::Arc<Snapshot>), StoreError> {
    let head = state.store.journal_head().await?;
    tick_since(state, head).await
}

/// `tick` for a page that only reads: the snapshot is at least as new as `seen`
/// (`snapshot_since`).
pub(crate) async fn tick_since(
    state: &AppState,
    seen: i64,
) -> Result<(Date, std::sync::Arc<Snapshot>), StoreError> {
    let today = today_china();
    let current = snapshot_since(state, seen).await?;
    let notice_over = current.workflows.values().any(|w| {
        w.flow.state == ItemState::PublicNotice
            && w.flow
                .notice
                .is_some_and(|window| rectify_core::workflow::notice_ended(window, today))
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

/// Bounds the detail cache; a busy office views far fewer items within one journal head.
const CACHED_DETAILS: usize = 2_000;

pub(crate) async fn item_detail(
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

/// Whether the user may see the item.
pub(crate) fn sees(snapshot: &Snapshot, viewer: &Viewer, s: &StoredItem) -> bool {
    let ids: Vec<i64> = s
        .item
        .units
        .iter()
        .filter_map(|u| snapshot.unit_ids.get(u).copied())
        .chain(s.tasks.iter().map(|t| t.unit_id))
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
    pub(crate) snapshot: std::sync::Arc<Snapshot>,
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

pub(crate) fn visible_items(snapshot: std::sync::Arc<Snapshot>, viewer: &Viewer) -> Visible {
    let indices = if viewer.sees_everything() {
        (0..snapshot.items.len()).collect()
    } else {
        (0..snapshot.items.len())
            .filter(|i| sees(&snapshot, viewer, &snapshot.items[*i]))
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

pub(crate) fn find_visible<'s>(
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
