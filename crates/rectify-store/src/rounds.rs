//! Dispatch rounds (调度): a month's round with its report deadline, the escalation steps issued
//! to units (提醒 → 催办 → 督办单 → 约谈建议, each at most once per round), and the in-app inbox
//! each step is delivered to. Every step is journaled.

use crate::bind::Bind;
use crate::journal::{Change, append_all};
use crate::{Store, StoreError, now_utc};
use rectify_core::dispatch::{AsOf, IssuedStep, Step, UnitStanding, next_steps};
use rectify_exact::date::Date;
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: i64,
    pub period: String,
    pub report_due: Date,
    pub opened_on: String,
    pub opened_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMessage {
    pub id: i64,
    pub unit: String,
    pub created_at: String,
    pub subject: String,
    pub body: String,
    /// The dispatch step it carries, whose document (督办单 …) the unit may print.
    pub step: Option<i64>,
}

impl Store {
    /// Opens the month's round; its reports are due on the configured day (next working day).
    pub async fn open_round(
        &self,
        actor: &str,
        period: &str,
        today: Date,
    ) -> Result<Round, StoreError> {
        let (year, month) = crate::workflow::parse_period(period)?;
        let calendar = self.work_calendar().await?;
        let due_day = self.report_due_day().await?;
        let report_due = crate::workflow::report_deadline((year, month), due_day, &calendar);
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM dispatch_rounds WHERE period = $1")
                .arg(period)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict {
                what: "调度",
                key: period.to_string(),
            });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO dispatch_rounds (period, report_due, opened_on, opened_by)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .arg(period)
        .arg(report_due.to_string())
        .arg(today.to_string())
        .arg(actor)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "open",
            entity: "dispatch_round",
            entity_id: id.to_string(),
            before: None,
            after: Some(
                json!({"period": period, "report_due": report_due.to_string(), "on": today.to_string()}),
            ),
        };
        append_all(&mut tx, self.backend(), vec![change]).await?;
        tx.commit().await?;
        Ok(Round {
            id,
            period: period.to_string(),
            report_due,
            opened_on: today.to_string(),
            opened_by: actor.to_string(),
        })
    }

    pub async fn round(&self, period: &str) -> Result<Round, StoreError> {
        let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, period, report_due, opened_on, opened_by FROM dispatch_rounds WHERE period = $1",
        )
        .arg(period)
        .fetch_optional(self.pool())
        .await?;
        let (id, period, due, opened_on, opened_by) = row.ok_or_else(|| StoreError::NotFound {
            what: "调度",
            key: period.to_string(),
        })?;
        Ok(Round {
            id,
            period,
            report_due: Date::parse(&due)
                .ok_or_else(|| StoreError::Invalid(format!("数据库中的日期“{due}”无效")))?,
            opened_on,
            opened_by,
        })
    }

    /// Issues every step that is due today in the month's round (a step at most once per unit
    /// and round), each delivered to the unit's inbox and journaled. Returns what was issued.
    pub async fn escalate(
        &self,
        actor: &str,
        period: &str,
        today: Date,
    ) -> Result<Vec<IssuedStep>, StoreError> {
        let round = self.round(period).await?;
        let (year, month) = crate::workflow::parse_period(period)?;
        let as_of = AsOf::for_period(year, month, today).map_err(StoreError::Invalid)?;
        let standings = self.standings(&round, as_of).await?;
        let units: HashMap<String, i64> = self
            .org_units()
            .await?
            .into_iter()
            .filter(|u| !crate::tasks::is_group(&u.name))
            .map(|u| (u.name, u.id))
            .collect();
        let routes = self.delivery_routes().await?;
        let mut tx = self.begin_write().await?;
        // Read again under the write lock: another process may have issued steps meanwhile.
        let already: Vec<(i64, String)> =
            sqlx::query_as("SELECT unit_id, step FROM escalations WHERE round_id = $1")
                .arg(round.id)
                .fetch_all(&mut *tx)
                .await?;
        let mut issued = Vec::new();
        let mut changes = Vec::new();
        for (unit, standing) in &standings {
            let Some(&unit_id) = units.get(unit) else {
                continue;
            };
            for step in next_steps(today, round.report_due, standing)
                .into_iter()
                .filter(|s| !already.contains(&(unit_id, s.step.code().to_string())))
            {
                let items = step
                    .items
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO escalations (round_id, unit_id, step, items, reason, issued_on, issued_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .arg(round.id)
                .arg(unit_id)
                .arg(step.step.code())
                .arg(items)
                .arg(step.reason.clone())
                .arg(today.to_string())
                .arg(actor)
                .fetch_one(&mut *tx)
                .await?;
                let subject = format!("【{}】{} {}", step.step.label_zh(), period, unit);
                sqlx::query(
                    "INSERT INTO inbox (unit_id, escalation_id, created_at, subject, body)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .arg(unit_id)
                .arg(id)
                .arg(now_utc())
                .arg(subject)
                .arg(step.reason.clone())
                .execute(&mut *tx)
                .await?;
                crate::deliveries::enqueue(&mut tx, &routes, id, unit).await?;
                changes.push((id, unit.clone(), step.clone()));
                issued.push(IssuedStep {
                    id,
                    period: period.to_string(),
                    unit: unit.clone(),
                    step: step.step,
                    items: step.items,
                    reason: step.reason,
                    issued_on: today.to_string(),
                });
            }
        }
        let journal: Vec<Change<'_>> = changes
            .iter()
            .map(|(id, unit, step)| Change {
                actor,
                action: step.step.code(),
                entity: "escalation",
                entity_id: id.to_string(),
                before: None,
                after: Some(json!({
                    "period": period, "unit": unit, "step": step.step.code(),
                    "items": step.items, "reason": step.reason, "on": today.to_string(),
                })),
            })
            .collect();
        if !journal.is_empty() {
            append_all(&mut tx, self.backend(), journal).await?;
        }
        tx.commit().await?;
        if !issued.is_empty() {
            self.deliveries_waiting().notify_one();
        }
        Ok(issued)
    }

    /// Where every unit stands in the round: missing reports, its 黄/红 items (a county also
    /// its 黄/红 parts of the shared items) as of the
    /// bulletin's day (today while the month runs, else the month's end), how often it was urged
    /// in earlier rounds, and what it was issued already.
    async fn standings(
        &self,
        round: &Round,
        as_of: AsOf,
    ) -> Result<Vec<(String, UnitStanding)>, StoreError> {
        let mut standings: Vec<(String, UnitStanding)> = Vec::new();
        let entry = |unit: &str, standings: &mut Vec<(String, UnitStanding)>| -> usize {
            match standings.iter().position(|(u, _)| u == unit) {
                Some(at) => at,
                None => {
                    standings.push((unit.to_string(), UnitStanding::default()));
                    standings.len() - 1
                }
            }
        };
        for r in self.reporting(&round.period).await? {
            let at = entry(&r.unit, &mut standings);
            standings[at].1.missing = r.missing;
        }
        let facts = self.bulletin_facts(as_of).await?;
        for line in &facts.ledger {
            let colour = line.colour.as_str();
            if colour == "黄" || colour == "红" {
                let at = entry(&line.unit, &mut standings);
                let list = if colour == "黄" {
                    &mut standings[at].1.yellow
                } else {
                    &mut standings[at].1.red
                };
                list.push(line.number);
            }
        }
        // A member is urged on its own lagging parts of the shared items.
        for line in &facts.shared {
            let at = entry(&line.unit, &mut standings);
            let standing = &mut standings[at].1;
            for (list, numbers) in [
                (&mut standing.yellow, &line.yellow_items),
                (&mut standing.red, &line.red_items),
            ] {
                list.extend(
                    numbers
                        .iter()
                        .filter(|n| !list.contains(n))
                        .collect::<Vec<_>>(),
                );
            }
        }
        let urged: Vec<(String, i64)> = sqlx::query_as(
            "SELECT o.name, COUNT(*) FROM escalations e
             JOIN dispatch_rounds r ON r.id = e.round_id JOIN org_units o ON o.id = e.unit_id
             WHERE e.step = 'urge' AND r.period < $1 GROUP BY o.name",
        )
        .arg(round.period.clone())
        .fetch_all(self.pool())
        .await?;
        let issued: Vec<(String, String)> = sqlx::query_as(
            "SELECT o.name, e.step FROM escalations e JOIN org_units o ON o.id = e.unit_id
             WHERE e.round_id = $1",
        )
        .arg(round.id)
        .fetch_all(self.pool())
        .await?;
        for (unit, standing) in &mut standings {
            standing.urged_before = urged
                .iter()
                .find(|(u, _)| u == unit)
                .map_or(0, |(_, n)| u32::try_from(*n).unwrap_or(0));
            standing.issued = issued
                .iter()
                .filter(|(u, _)| u == unit)
                .filter_map(|(_, step)| Step::parse(step))
                .collect();
        }
        Ok(standings)
    }

    /// The steps issued, newest first; of one month's round when `period` is given.
    pub async fn escalations(&self, period: Option<&str>) -> Result<Vec<IssuedStep>, StoreError> {
        let rows = sqlx::query(
            "SELECT e.id, r.period, o.name, e.step, e.items, e.reason, e.issued_on
             FROM escalations e JOIN dispatch_rounds r ON r.id = e.round_id
             JOIN org_units o ON o.id = e.unit_id
             WHERE ($1 = '' OR r.period = $1) ORDER BY e.id DESC",
        )
        .arg(period.unwrap_or(""))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| step_from_row(row, 0)).collect()
    }

    /// The inbox of the given units, newest first.
    pub async fn inbox(&self, unit_ids: &[i64]) -> Result<Vec<InboxMessage>, StoreError> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        // The scope is part of the query: other units' messages never leave the database.
        let wanted: Vec<String> = (1..=unit_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT m.id, o.name, m.created_at, m.subject, m.body, m.escalation_id
             FROM inbox m JOIN org_units o ON o.id = m.unit_id
             WHERE m.unit_id IN ({}) ORDER BY m.id DESC",
            wanted.join(", ")
        );
        let mut query = sqlx::query_as::<_, (i64, String, String, String, String, Option<i64>)>(
            sqlx::AssertSqlSafe(sql),
        );
        for id in unit_ids {
            query = query.arg(*id);
        }
        let rows = query.fetch_all(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|(id, unit, created_at, subject, body, step)| InboxMessage {
                id,
                unit,
                created_at,
                subject,
                body,
                step,
            })
            .collect())
    }
}

/// An issued step from its seven columns starting at `at`, in the order `e.id, r.period,
/// o.name, e.step, e.items, e.reason, e.issued_on` (escalations joined with their round and
/// unit): the one reader of a stored step.
pub(crate) fn step_from_row(row: &sqlx::any::AnyRow, at: usize) -> Result<IssuedStep, StoreError> {
    let step: String = row.try_get(at + 3)?;
    let items: String = row.try_get(at + 4)?;
    Ok(IssuedStep {
        id: row.try_get(at)?,
        period: row.try_get(at + 1)?,
        unit: row.try_get(at + 2)?,
        step: Step::parse(&step)
            .ok_or_else(|| StoreError::Invalid(format!("数据库中的督办步骤“{step}”无效")))?,
        items: items.split(',').filter_map(|n| n.parse().ok()).collect(),
        reason: row.try_get(at + 5)?,
        issued_on: row.try_get(at + 6)?,
    })
}
