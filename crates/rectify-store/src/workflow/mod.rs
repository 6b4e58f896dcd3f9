//! Applying workflow transitions, evidence, objections and monthly progress reports.
//!
//! The rules are `rectify_core::workflow`; this module loads what they look at, applies the
//! outcome and journals it, all in one write transaction. What every part reads (the item's
//! stored flow and guard facts) is here; transitions, objections, evidence and reports each
//! have their own module.

mod evidence;
mod objections;
mod reports;
mod transitions;

pub use evidence::{Evidence, EvidencePolicy, NewEvidence};
pub use objections::Objection;
pub(crate) use reports::parse_period;
pub use reports::{Filed, NewReport, Report, ReportStatus, UnitReporting, report_deadline};
pub use transitions::{ItemWorkflow, set_upper_review};

use crate::bind::Bind;
use crate::{Store, StoreError, invalid_stored, now_utc, stored_int};
use rectify_core::ledger::ItemState;
use rectify_core::task::{TaskAcceptance, TaskState};
use rectify_core::workflow::{EvidenceKind, Flow, ItemFacts, ObjectionStatus};
use rectify_exact::date::Date;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Which item: its number, and the plan when several plans are stored.
#[derive(Debug, Clone, Copy)]
pub struct ItemRef<'a> {
    pub plan: Option<&'a str>,
    pub number: u32,
}

/// What the guards and the record need about one item.
pub(crate) struct Loaded {
    id: i64,
    pub(crate) number: u32,
    pub(crate) flow: Flow,
    facts: ItemFacts,
    deadline_text: String,
    original_deadline_text: Option<String>,
    issued_on: Option<Date>,
    unit_names: Vec<(i64, String)>,
    /// Members with a task on the item (they count among its units).
    task_units: Vec<i64>,
}

const SELECT_FLOW: &str = "SELECT i.id, i.number, i.state, i.notice_opened, i.notice_last_day,
    i.objection_upheld, i.accountability, i.leader_signed, i.requires_upper_review, i.next_recheck,
    i.amendment_deadline, i.amendment_reason, i.rework_due, i.lead_unit_id, i.immediate, i.sustain,
    i.deadline_text, i.original_deadline_text, p.issued_on, i.lead_group
    FROM items i JOIN plans p ON p.id = i.plan_id";

fn opt_date(row: &AnyRow, index: usize) -> Result<Option<Date>, StoreError> {
    Ok(row
        .try_get::<Option<String>, _>(index)?
        .as_deref()
        .and_then(Date::parse))
}

fn flag(row: &AnyRow, index: usize) -> Result<bool, StoreError> {
    Ok(row.try_get::<i64, _>(index)? != 0)
}

fn flow_from_row(row: &AnyRow) -> Result<Flow, StoreError> {
    let state: String = row.try_get(2)?;
    let notice = match (opt_date(row, 3)?, opt_date(row, 4)?) {
        (Some(opened), Some(last)) => Some((opened, last)),
        _ => None,
    };
    let amendment: (Option<String>, Option<String>) = (row.try_get(10)?, row.try_get(11)?);
    Ok(Flow {
        state: stored_state(&state)?,
        notice,
        objection_upheld: flag(row, 5)?,
        accountability: flag(row, 6)?,
        leader_signed: flag(row, 7)?,
        requires_upper_review: flag(row, 8)?,
        next_recheck: opt_date(row, 9)?,
        pending_amendment: match amendment {
            (Some(deadline), reason) => Some((deadline, reason.unwrap_or_default())),
            _ => None,
        },
        rework_due: opt_date(row, 12)?,
    })
}

fn flow_json(flow: &Flow) -> Value {
    json!({
        "state": flow.state.code(),
        "notice": flow.notice.map(|(a, b)| [a.to_string(), b.to_string()]),
        "objection_upheld": flow.objection_upheld,
        "accountability": flow.accountability,
        "leader_signed": flow.leader_signed,
        "requires_upper_review": flow.requires_upper_review,
        "next_recheck": flow.next_recheck.map(|d| d.to_string()),
        "pending_amendment": flow.pending_amendment,
        "rework_due": flow.rework_due.map(|d| d.to_string()),
    })
}

pub(crate) async fn find_item(
    conn: &mut AnyConnection,
    item: ItemRef<'_>,
) -> Result<i64, StoreError> {
    let rows = sqlx::query(
        "SELECT i.id, p.name FROM items i JOIN plans p ON p.id = i.plan_id
         WHERE i.number = $1 AND ($2 = '' OR p.name = $2)",
    )
    .arg(i64::from(item.number))
    .arg(item.plan.unwrap_or(""))
    .fetch_all(&mut *conn)
    .await?;
    match rows.as_slice() {
        [one] => Ok(one.try_get(0)?),
        [] => Err(StoreError::NotFound {
            what: "整改问题",
            key: format!("第{}项", item.number),
        }),
        several => {
            let plans: Vec<String> = several.iter().filter_map(|r| r.try_get(1).ok()).collect();
            Err(StoreError::Invalid(format!(
                "有多个方案含第 {} 项（{}），请指定方案",
                item.number,
                plans.join("、")
            )))
        }
    }
}

pub(crate) async fn load(conn: &mut AnyConnection, id: i64) -> Result<Loaded, StoreError> {
    let sql = format!("{SELECT_FLOW} WHERE i.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .arg(id)
        .fetch_one(&mut *conn)
        .await?;
    let flow = flow_from_row(&row)?;
    let units = sqlx::query(
        "SELECT c.unit_id, o.name FROM item_units c JOIN org_units o ON o.id = c.unit_id
         WHERE c.item_id = $1 ORDER BY c.seq",
    )
    .arg(id)
    .fetch_all(&mut *conn)
    .await?;
    let unit_names = units
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(i64, String)>, StoreError>>()?;
    let measures: Vec<Option<String>> =
        sqlx::query_scalar("SELECT done_on FROM item_measures WHERE item_id = $1")
            .arg(id)
            .fetch_all(&mut *conn)
            .await?;
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT e.kind FROM evidence e WHERE e.item_id = $1
         AND NOT EXISTS (SELECT 1 FROM evidence n WHERE n.supersedes = e.id)",
    )
    .arg(id)
    .fetch_all(&mut *conn)
    .await?;
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM objections WHERE item_id = $1 AND status = $2")
            .arg(id)
            .arg(ObjectionStatus::Pending.code())
            .fetch_one(&mut *conn)
            .await?;
    let number: i64 = row.try_get(1)?;
    let acceptance = task_acceptance(conn).await?;
    let tasks = sqlx::query(
        "SELECT t.unit_id, o.name, t.state FROM item_tasks t JOIN org_units o ON o.id = t.unit_id
         WHERE t.item_id = $1 ORDER BY o.sort_order, o.id",
    )
    .arg(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut task_units = Vec::new();
    let mut open_tasks = Vec::new();
    for task in &tasks {
        let state: String = task.try_get(2)?;
        let state = TaskState::parse(&state)
            .ok_or_else(|| invalid_stored(&format!("任务状态（{state}）")))?;
        task_units.push(task.try_get::<i64, _>(0)?);
        if !state.finished(acceptance) {
            open_tasks.push(task.try_get(1)?);
        }
    }
    let lead_group: Option<String> = row.try_get(19)?;
    Ok(Loaded {
        id,
        number: stored_int(number, "items.number")?,
        facts: ItemFacts {
            lead_unit: row.try_get(13)?,
            units: unit_names
                .iter()
                .map(|(id, _)| *id)
                .chain(task_units.iter().copied())
                .collect(),
            immediate: flag(&row, 14)?,
            sustain: flag(&row, 15)?,
            measures: measures.len(),
            measures_done: measures.iter().filter(|d| d.is_some()).count(),
            evidence: kinds
                .iter()
                .filter_map(|k| EvidenceKind::parse(k))
                .collect(),
            pending_objections: usize::try_from(pending).unwrap_or(0),
            lead_is_group: lead_group.is_some(),
            open_tasks,
        },
        flow,
        deadline_text: row.try_get(16)?,
        original_deadline_text: row.try_get(17)?,
        issued_on: opt_date(&row, 18)?,
        unit_names,
        task_units,
    })
}

/// `tasks.acceptance` read on the caller's connection (the guards run inside a transaction).
pub(crate) async fn task_acceptance(
    conn: &mut AnyConnection,
) -> Result<TaskAcceptance, StoreError> {
    let value: Option<String> =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'tasks.acceptance'")
            .fetch_optional(&mut *conn)
            .await?;
    let Some(value) = value else {
        return Ok(TaskAcceptance::default());
    };
    serde_json::from_str::<String>(&value)
        .ok()
        .and_then(|v| TaskAcceptance::parse(&v))
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "设置 tasks.acceptance 的值 {value} 无效（可选：{}）",
                TaskAcceptance::choices_with_codes()
            ))
        })
}

async fn save_flow(conn: &mut AnyConnection, id: i64, flow: &Flow) -> Result<(), StoreError> {
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    let (amend_deadline, amend_reason) = match &flow.pending_amendment {
        Some((deadline, reason)) => (Some(deadline.clone()), Some(reason.clone())),
        None => (None, None),
    };
    sqlx::query(
        "UPDATE items SET state = $1, notice_opened = $2, notice_last_day = $3, objection_upheld = $4,
         accountability = $5, leader_signed = $6, requires_upper_review = $7, next_recheck = $8,
         amendment_deadline = $9, amendment_reason = $10, rework_due = $11, updated_at = $12 WHERE id = $13",
    )
    .arg(flow.state.code())
    .arg(date(flow.notice.map(|n| n.0)))
    .arg(date(flow.notice.map(|n| n.1)))
    .arg(i64::from(flow.objection_upheld))
    .arg(i64::from(flow.accountability))
    .arg(i64::from(flow.leader_signed))
    .arg(i64::from(flow.requires_upper_review))
    .arg(date(flow.next_recheck))
    .arg(amend_deadline)
    .arg(amend_reason)
    .arg(date(flow.rework_due))
    .arg(now_utc())
    .arg(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) fn refused(refusal: impl ToString) -> StoreError {
    StoreError::Refused(refusal.to_string())
}

/// An item's state as stored.
fn stored_state(code: &str) -> Result<ItemState, StoreError> {
    ItemState::parse(code)
        .ok_or_else(|| StoreError::Invalid(format!("数据库中的问题状态“{code}”无效")))
}

/// What [`Store::item_detail`] returns.
#[derive(Debug, Clone)]
pub struct ItemDetail {
    pub reports: Vec<Report>,
    pub evidence: Vec<Evidence>,
    pub objections: Vec<Objection>,
    pub journal: Vec<rectify_core::journal::JournalEntry>,
}

impl Store {
    /// Everything the item page shows besides the ledger row and the workflow record, on one
    /// connection: reports (newest period first), evidence and objections (oldest first), and
    /// the journal entries of the item, its reports and its evidence in journal order.
    pub async fn item_detail(&self, item: ItemRef<'_>) -> Result<ItemDetail, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let id = find_item(&mut conn, item).await?;
        Ok(ItemDetail {
            reports: reports::load_reports(&mut conn, reports::ReportFilter::Item(id)).await?,
            evidence: evidence::evidence_rows(&mut conn, id).await?,
            objections: objections::objection_rows(&mut conn, id).await?,
            journal: crate::journal::item_journal(&mut conn, id).await?,
        })
    }
}
