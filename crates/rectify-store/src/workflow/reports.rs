//! Monthly progress reports: filing, correcting and reviewing them, and who has reported.

use super::{ItemRef, find_item, load, refused, stored_state};
use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::{Store, StoreError, invalid_stored, stored_int};
use rectify_core::calendar::WorkCalendar;
use rectify_core::ledger::ItemState;
use rectify_core::org::Role;
use rectify_core::task::TaskState;
use rectify_core::workflow::{Actor, ProgressStatus};
use rectify_exact::date::Date;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A monthly progress report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    /// The item's row id (see [`Evidence::item_id`]).
    pub item_id: i64,
    pub item_number: u32,
    pub unit: String,
    pub period: String,
    pub text: String,
    /// 1-based numbers of the measures the unit marks done with this report.
    pub done_measures: Vec<u32>,
    pub self_schedule: String,
    pub evidence_ids: Vec<i64>,
    pub status: ProgressStatus,
    pub submitted_by: String,
    pub submitted_on: String,
    pub late: bool,
    pub reviewed_by: Option<String>,
    pub review_note: String,
    pub corrects: Option<i64>,
}

/// A report being filed.
pub struct NewReport<'a> {
    pub period: &'a str,
    pub text: &'a str,
    pub done_measures: &'a [u32],
    pub self_schedule: &'a str,
    pub evidence_ids: &'a [i64],
}

/// One unit's reporting for a period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnitReporting {
    pub unit: String,
    pub expected: Vec<u32>,
    pub missing: Vec<u32>,
    pub late: Vec<u32>,
}

/// A unit's report on one item for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportStatus {
    pub unit: String,
    pub item_id: i64,
    pub plan: String,
    pub number: u32,
    /// The item's state now.
    pub state: ItemState,
    /// `None`: not reported.
    pub filed: Option<Filed>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filed {
    OnTime,
    Late,
}

impl Store {
    /// Files a monthly report for the item as the actor's unit. Before the period closes a
    /// second filing replaces the first; afterwards it is stored as a correction.
    pub async fn add_report(
        &self,
        actor: &Actor,
        item: ItemRef<'_>,
        report: NewReport<'_>,
        today: Date,
        calendar: &WorkCalendar,
    ) -> Result<Report, StoreError> {
        let period = parse_period(report.period)?;
        if report.text.trim().is_empty() {
            return Err(refused("进展填报需要填写本月进展"));
        }
        let due_day = self.report_due_day().await?;
        let mut tx = self.begin_write().await?;
        let item_id = find_item(&mut tx, item).await?;
        let loaded = load(&mut tx, item_id).await?;
        if !actor.roles.contains(&Role::Unit) || !loaded.facts.units.contains(&actor.unit_id) {
            return Err(refused(format!(
                "角色不符：只有第 {} 项的责任单位经办人可以填报进展",
                loaded.number
            )));
        }
        if !loaded.flow.state.reportable() {
            return Err(refused(format!(
                "状态不符：“{}”状态的问题不需要月度填报",
                loaded.flow.state
            )));
        }
        let measures = loaded.facts.measures as u32;
        if let Some(bad) = report
            .done_measures
            .iter()
            .find(|n| **n == 0 || **n > measures)
        {
            return Err(refused(format!(
                "第 {} 项只有 {measures} 条措施，没有第 {bad} 条",
                loaded.number
            )));
        }
        let previous: Option<(i64, ProgressStatus)> = sqlx::query(
            "SELECT id, status FROM progress_reports WHERE item_id = $1 AND unit_id = $2 AND period = $3
             ORDER BY id DESC LIMIT 1",
        )
        .arg(item_id)
        .arg(actor.unit_id)
        .arg(report.period)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| Ok::<_, StoreError>((r.try_get(0)?, stored_progress_status(&r.try_get::<String, _>(1)?)?)))
        .transpose()?;
        let closed = period_closed(period, today);
        let late = today > report_deadline(period, due_day, calendar);
        let done_text = join_numbers(report.done_measures);
        let evidence_text = join_numbers(report.evidence_ids);
        let (id, action, before) = match previous {
            Some((old, status)) if !closed && status != ProgressStatus::Confirmed => {
                let before = report_json(&mut tx, old).await?;
                sqlx::query(
                    "UPDATE progress_reports SET text = $1, done_measures = $2, self_schedule = $3,
                     evidence_ids = $4, status = $5, submitted_by = $6, submitted_on = $7,
                     late = $8, reviewed_by = NULL, review_note = '' WHERE id = $9",
                )
                .arg(report.text)
                .arg(done_text)
                .arg(report.self_schedule)
                .arg(evidence_text)
                .arg(ProgressStatus::Submitted.code())
                .arg(actor.username.clone())
                .arg(today.to_string())
                .arg(i64::from(late))
                .arg(old)
                .execute(&mut *tx)
                .await?;
                (old, "update", Some(before))
            }
            other => {
                let corrects = other.map(|(old, _)| old);
                if corrects.is_some() && !closed {
                    return Err(refused(
                        "本期进展已经监管人确认，如需更正请在本期结束后提交更正",
                    ));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO progress_reports (item_id, unit_id, period, text, done_measures, self_schedule,
                     evidence_ids, status, submitted_by, submitted_on, late, corrects)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                )
                .arg(item_id)
                .arg(actor.unit_id)
                .arg(report.period)
                .arg(report.text)
                .arg(done_text)
                .arg(report.self_schedule)
                .arg(evidence_text)
                .arg(ProgressStatus::Submitted.code())
                .arg(actor.username.clone())
                .arg(today.to_string())
                .arg(i64::from(late && corrects.is_none()))
                .arg(corrects)
                .fetch_one(&mut *tx)
                .await?;
                (
                    id,
                    if corrects.is_some() {
                        "correct"
                    } else {
                        "create"
                    },
                    None,
                )
            }
        };
        // A member's measures are its task's; the item's are done when every member's are.
        let member = crate::tasks::record_task_measures(
            &mut tx,
            item_id,
            actor.unit_id,
            report.done_measures,
            today,
        )
        .await?;
        for number in report.done_measures.iter().filter(|_| !member) {
            sqlx::query(
                "UPDATE item_measures SET done_on = $1 WHERE item_id = $2 AND seq = $3 AND done_on IS NULL",
            )
            .arg(today.to_string())
            .arg(item_id)
            .arg(i64::from(*number) - 1)
            .execute(&mut *tx)
            .await?;
        }
        let after = report_json(&mut tx, id).await?;
        let change = Change {
            actor: &actor.username,
            action,
            entity: "progress_report",
            entity_id: id.to_string(),
            before,
            after: Some(after),
        };
        append(&mut tx, self.backend(), change).await?;
        let stored = load_report(&mut tx, id).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// The supervisor (or the office) confirms or returns a report.
    pub async fn review_report(
        &self,
        actor: &Actor,
        report_id: i64,
        confirm: bool,
        note: &str,
    ) -> Result<Report, StoreError> {
        if ![Role::Supervisor, Role::Office]
            .iter()
            .any(|r| actor.roles.contains(r))
        {
            return Err(refused("角色不符：只有监管人或整改办可以确认或退回进展"));
        }
        if !confirm && note.trim().is_empty() {
            return Err(refused("退回进展需要填写原因"));
        }
        let mut tx = self.begin_write().await?;
        let current = load_report(&mut tx, report_id).await?;
        if current.status != ProgressStatus::Submitted {
            return Err(refused(format!(
                "进展 {report_id} 不是待确认状态（\"{}\"）",
                current.status.code()
            )));
        }
        let before = report_value(&current);
        sqlx::query("UPDATE progress_reports SET status = $1, reviewed_by = $2, review_note = $3 WHERE id = $4")
            .arg(if confirm {
                ProgressStatus::Confirmed
            } else {
                ProgressStatus::Returned
            }.code())
            .arg(actor.username.clone())
            .arg(note)
            .arg(report_id)
            .execute(&mut *tx)
            .await?;
        let after = report_json(&mut tx, report_id).await?;
        let change = Change {
            actor: &actor.username,
            action: if confirm { "confirm" } else { "return" },
            entity: "progress_report",
            entity_id: report_id.to_string(),
            before: Some(before),
            after: Some(after),
        };
        append(&mut tx, self.backend(), change).await?;
        let report = load_report(&mut tx, report_id).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Reports of a period, with the item number and unit name.
    pub async fn reports(&self, period: &str) -> Result<Vec<Report>, StoreError> {
        parse_period(period)?;
        let mut conn = self.pool().acquire().await?;
        load_reports(&mut conn, ReportFilter::Period(period)).await
    }

    /// Per responsible unit: the open items it must report on for the period, those it has
    /// not reported, and those reported after the deadline.
    pub async fn reporting(&self, period: &str) -> Result<Vec<UnitReporting>, StoreError> {
        let mut units: Vec<UnitReporting> = Vec::new();
        for status in self.report_statuses(period).await? {
            if !status.state.reportable() {
                continue;
            }
            if units.last().is_none_or(|u| u.unit != status.unit) {
                units.push(UnitReporting {
                    unit: status.unit.clone(),
                    ..UnitReporting::default()
                });
            }
            let Some(entry) = units.last_mut() else {
                continue;
            };
            entry.expected.push(status.number);
            match status.filed {
                None => entry.missing.push(status.number),
                Some(Filed::Late) => entry.late.push(status.number),
                Some(Filed::OnTime) => {}
            }
        }
        Ok(units)
    }

    /// Every unit's report on every item it works on for the period (a member of a shared
    /// item while its task is open), whatever the item's
    /// state (the caller decides which items were due a report), by unit in the org chart's
    /// order, then plan and number.
    pub async fn report_statuses(&self, period: &str) -> Result<Vec<ReportStatus>, StoreError> {
        parse_period(period)?;
        let rows = sqlx::query(
            "SELECT o.name, i.id, pl.name, i.number, i.state,
                    (SELECT MIN(r.late) FROM progress_reports r
                     WHERE r.item_id = i.id AND r.unit_id = c.unit_id AND r.period = $1 AND r.corrects IS NULL)
             FROM (SELECT item_id, unit_id FROM item_units
                   UNION SELECT item_id, unit_id FROM item_tasks WHERE state IN ($2, $3)) c
             JOIN items i ON i.id = c.item_id JOIN org_units o ON o.id = c.unit_id
             JOIN plans pl ON pl.id = i.plan_id
             ORDER BY o.sort_order, o.id, pl.id, i.number",
        )
        .arg(period)
        // A member reports until its part is done.
        .arg(TaskState::Pending.code())
        .arg(TaskState::Working.code())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get(4)?;
                Ok(ReportStatus {
                    unit: row.try_get(0)?,
                    item_id: row.try_get(1)?,
                    plan: row.try_get(2)?,
                    number: stored_int(row.try_get(3)?, "items.number")?,
                    state: stored_state(&state)?,
                    filed: row.try_get::<Option<i64>, _>(5)?.map(|late| {
                        if late == 1 {
                            Filed::Late
                        } else {
                            Filed::OnTime
                        }
                    }),
                })
            })
            .collect()
    }

    pub(crate) async fn report_due_day(&self) -> Result<u8, StoreError> {
        Ok(self
            .setting("reports.due_day")
            .await?
            .and_then(|v| v.as_u64())
            .and_then(|d| u8::try_from(d).ok())
            .filter(|d| (1..=28).contains(d))
            .unwrap_or(25))
    }

    /// One report, for callers that must check the user's scope on its item first.
    pub async fn report(&self, id: i64) -> Result<Report, StoreError> {
        let mut conn = self.pool().acquire().await?;
        load_report(&mut conn, id).await
    }

    /// Reports waiting for a supervisor's confirmation, with their item numbers.
    pub async fn reports_awaiting_review(&self) -> Result<Vec<Report>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        load_reports(&mut conn, ReportFilter::AwaitingReview).await
    }
}

/// `YYYY-MM` as (year, month).
pub(crate) fn parse_period(period: &str) -> Result<(i32, u8), StoreError> {
    rectify_exact::date::parse_year_month(period)
        .ok_or_else(|| StoreError::Invalid(format!("期间“{period}”不是 YYYY-MM 格式")))
}

/// The report deadline: the configured day of the period's month, moved to the next working
/// day when it is not one.
pub fn report_deadline((year, month): (i32, u8), due_day: u8, calendar: &WorkCalendar) -> Date {
    let day = Date::new(year, month, due_day)
        .unwrap_or(Date::last_of_month(year, month).unwrap_or(Date::from_day_number(0)));
    calendar.add_workdays(day, 0)
}

/// A period is closed once the month after it has ended; its reports are then frozen.
fn period_closed((year, month): (i32, u8), today: Date) -> bool {
    let first = Date::new(year, month, 1).unwrap_or(Date::from_day_number(0));
    today
        > Date::last_of_month(first.add_months(1).year, first.add_months(1).month).unwrap_or(first)
}

fn join_numbers<T: ToString>(numbers: &[T]) -> String {
    numbers
        .iter()
        .map(T::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn split_numbers<T: std::str::FromStr>(text: &str) -> Vec<T> {
    text.split(',').filter_map(|n| n.parse().ok()).collect()
}

const SELECT_REPORT: &str = "SELECT r.id, i.number, o.name, r.period, r.text, r.done_measures, r.self_schedule,
    r.evidence_ids, r.status, r.submitted_by, r.submitted_on, r.late, r.reviewed_by, r.review_note, r.corrects,
    r.item_id
    FROM progress_reports r JOIN items i ON i.id = r.item_id JOIN org_units o ON o.id = r.unit_id";

async fn load_report(conn: &mut AnyConnection, id: i64) -> Result<Report, StoreError> {
    let sql = format!("{SELECT_REPORT} WHERE r.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .arg(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "进展填报",
            key: id.to_string(),
        })?;
    report_from_row(&row)
}

/// Which reports to list.
pub(super) enum ReportFilter<'a> {
    Period(&'a str),
    Item(i64),
    AwaitingReview,
}

/// The reports the filter selects, in one query.
pub(super) async fn load_reports(
    conn: &mut AnyConnection,
    filter: ReportFilter<'_>,
) -> Result<Vec<Report>, StoreError> {
    let (condition, order) = match filter {
        ReportFilter::Period(_) => ("r.period = $1", "r.id"),
        ReportFilter::Item(_) => ("r.item_id = $1", "r.period DESC, r.id DESC"),
        ReportFilter::AwaitingReview => ("r.status = $1", "r.id"),
    };
    let sql = format!("{SELECT_REPORT} WHERE {condition} ORDER BY {order}");
    let query = sqlx::query(sqlx::AssertSqlSafe(sql));
    let query = match filter {
        ReportFilter::Period(period) => query.arg(period.to_string()),
        ReportFilter::Item(id) => query.arg(id),
        ReportFilter::AwaitingReview => query.arg(ProgressStatus::Submitted.code()),
    };
    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter().map(report_from_row).collect()
}

fn report_from_row(row: &AnyRow) -> Result<Report, StoreError> {
    let done: String = row.try_get(5)?;
    let evidence: String = row.try_get(7)?;
    Ok(Report {
        id: row.try_get(0)?,
        item_id: row.try_get(15)?,
        item_number: stored_int(row.try_get(1)?, "items.number")?,
        unit: row.try_get(2)?,
        period: row.try_get(3)?,
        text: row.try_get(4)?,
        done_measures: split_numbers(&done),
        self_schedule: row.try_get(6)?,
        evidence_ids: split_numbers(&evidence),
        status: stored_progress_status(&row.try_get::<String, _>(8)?)?,
        submitted_by: row.try_get(9)?,
        submitted_on: row.try_get(10)?,
        late: row.try_get::<i64, _>(11)? != 0,
        reviewed_by: row.try_get(12)?,
        review_note: row.try_get(13)?,
        corrects: row.try_get(14)?,
    })
}

async fn report_json(conn: &mut AnyConnection, id: i64) -> Result<Value, StoreError> {
    Ok(report_value(&load_report(conn, id).await?))
}

/// A report as the journal records it.
fn report_value(r: &Report) -> Value {
    json!({
        "item": r.item_number, "unit": r.unit, "period": r.period, "text": r.text,
        "done_measures": r.done_measures, "self_schedule": r.self_schedule,
        "evidence": r.evidence_ids, "status": r.status.code(), "submitted_by": r.submitted_by,
        "submitted_on": r.submitted_on, "late": r.late, "reviewed_by": r.reviewed_by,
        "review_note": r.review_note, "corrects": r.corrects,
    })
}

/// A report's status as stored.
fn stored_progress_status(code: &str) -> Result<ProgressStatus, StoreError> {
    ProgressStatus::parse(code).ok_or_else(|| invalid_stored("进展状态（progress_reports.status）"))
}
