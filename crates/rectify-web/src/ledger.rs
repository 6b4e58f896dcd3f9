//! The 台账: the ledger list with its filters, sorting and paging, and the same selection as
//! the office's xlsx.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::{FilterOptions, tick_since, visible_items};
use crate::columns::{Column, ColumnChoice};
use crate::encode::url_encode;
use crate::error::{PageResult, WebError};
use crate::kit::{UNDATED, UNDATED_LABEL, render, schedule_matches, short, xlsx_download};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use rectify_core::ledger::{ItemState, Schedule, Scope, Standing, StateGroup};
use rectify_exact::date::Date;
use rectify_io::plan::{LedgerRow, ledger_xlsx};
use rectify_store::ledger::StoredItem;
use rectify_store::schedule::Schedules;
use serde::Deserialize;
use std::collections::HashMap;

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

impl LedgerQuery {
    fn get(value: &Option<String>) -> &str {
        value.as_deref().unwrap_or("")
    }

    fn matches(&self, s: &StoredItem, standing: &Standing) -> bool {
        let item = &s.item;
        let eq = |wanted: &Option<String>, actual: &str| {
            Self::get(wanted).is_empty() || Self::get(wanted) == actual
        };
        // A stage (the dashboard's cards) or one exact state, each selecting what its label says.
        let state_ok = match Self::get(&self.state) {
            "" => true,
            code => match StateGroup::parse(code) {
                Some(group) => group.contains(item.state),
                None => item.state.code() == code,
            },
        };
        let q = Self::get(&self.q);
        let text_ok = q.is_empty() || item.mentions(q);
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
    /// The user's chosen columns' cells, in the chosen order.
    extra: Vec<String>,
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
    /// Every optional column, whether it is shown.
    columns: Vec<(Column, bool)>,
    rows: Vec<LedgerLine>,
    total: usize,
    page: usize,
    pages: usize,
    prev: String,
    next: String,
}

const PAGE_SIZE: usize = 50;

/// The rows the query selects, each with its schedule on `today`, in the query's order.
pub(crate) fn filter_rows<'a>(
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
    headers: HeaderMap,
    Query(query): Query<LedgerQuery>,
    Query(choice): Query<ColumnChoice>,
) -> PageResult {
    let (shown, kept) = choice.resolve(&headers, state.config.secure_cookies);
    let mut page = ledger_page(&state, session, &query, &shown).await?;
    crate::columns::keep(&mut page, kept);
    Ok(page)
}

async fn ledger_page(
    state: &AppState,
    session: Session,
    query: &LedgerQuery,
    shown: &[Column],
) -> PageResult {
    let query = query.clone();
    let (today, snapshot) = tick_since(state, session.seen_head).await?;
    let visible = visible_items(snapshot, &session.viewer);
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
    let mut headers_row = vec![
        header("序号", "number"),
        header("共性/个性", "number"),
        header("类别", "number"),
        header("反馈问题", "number"),
        header("牵头单位", "lead"),
        header("整改时限", "due"),
        header("状态", "state"),
        header("进度", "schedule"),
    ];
    headers_row.extend(shown.iter().map(|c| Header {
        label: c.label_zh(),
        href: String::new(),
        arrow: "",
    }));
    let progress = if shown.contains(&Column::Progress) {
        state.store.latest_confirmed_progress().await?
    } else {
        HashMap::new()
    };
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
                extra: shown
                    .iter()
                    .map(|c| c.cell(s, &progress, measures_done(&visible.snapshot, s)))
                    .collect(),
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
        // Every state, and before them the stages that span several (the dashboard's cards link
        // to a stage; a one-state stage would repeat its state).
        states: choices(
            StateGroup::ALL
                .iter()
                .filter(|g| ItemState::ALL.iter().filter(|s| g.contains(**s)).count() > 1)
                .map(|g| (g.code().to_string(), g.label_zh().to_string()))
                .chain(
                    ItemState::ALL
                        .iter()
                        .map(|s| (s.code().to_string(), s.label_zh().to_string())),
                ),
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
        columns: Column::ALL
            .iter()
            .map(|c| (*c, shown.contains(c)))
            .collect(),
        total: rows.len(),
        page,
        pages,
        prev: link(page.saturating_sub(1).max(1)),
        next: link((page + 1).min(pages)),
        rows: lines,
    })
}

/// How many of the item's measures are done.
fn measures_done(snapshot: &crate::caches::Snapshot, stored: &StoredItem) -> usize {
    snapshot
        .workflow(stored)
        .map_or(0, |w| w.measures_done().iter().flatten().count())
}

/// The current filter as the office's xlsx.
pub async fn ledger_xlsx_export(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<LedgerQuery>,
) -> PageResult {
    let (today, snapshot) = tick_since(&state, session.seen_head).await?;
    let visible = visible_items(snapshot, &session.viewer);
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
            tasks: Vec::new(),
        })
        .collect();
    let bytes = ledger_xlsx(&title, &rows).map_err(|e| WebError::internal(&e))?;
    Ok(xlsx_download(&format!("ledger-{today}.xlsx"), bytes))
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
