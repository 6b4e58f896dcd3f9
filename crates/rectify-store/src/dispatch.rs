//! Monthly dispatch: criticisms recorded against items, the inputs of a bulletin gathered from
//! the ledger, and frozen bulletins (each generated version is a row, journaled).

use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::workflow::{Filed, ItemRef, ReportStatus};
use crate::{Store, StoreError, now_utc};
use rectify_core::accountability::{
    AccountabilityDecision, AccountabilityLine, Grounds, ItemRecord, Transfer, candidates,
};
use rectify_core::bulletin::{
    BulletinFacts, BulletinInput, BulletinItem, BulletinTask, EscalationLine, UnitReports, compose,
};
use rectify_core::dispatch::{AsOf, ColourRules, Criticism, RankWeights, milestones};
use rectify_core::journal::Anchor;
use rectify_core::ledger::ItemState;
use rectify_core::org::OrgKind;
use rectify_exact::date::Date;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::collections::HashMap;

/// A generated bulletin version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenBulletin {
    pub id: i64,
    pub period: String,
    pub version: u32,
    /// The date printed on it.
    pub issued_on: String,
    pub created_at: String,
    pub created_by: String,
    /// Of the facts JSON as stored.
    pub sha256: String,
}

/// Who issues the bulletin when the setting `bulletin.issuer` is not set.
const DEFAULT_ISSUER: &str = "市生态环境保护督察整改工作领导小组办公室";

impl Store {
    /// The office that signs the bulletin (setting `bulletin.issuer`).
    pub async fn bulletin_issuer(&self) -> Result<String, StoreError> {
        Ok(match self.setting("bulletin.issuer").await? {
            Some(serde_json::Value::String(text)) if !text.trim().is_empty() => text,
            _ => DEFAULT_ISSUER.to_string(),
        })
    }

    /// Records that the province (or a higher level, or its media) criticised the handling of
    /// the item; the item is red from that date on.
    pub async fn record_criticism(
        &self,
        actor: &str,
        item: ItemRef<'_>,
        on: Date,
        by: &str,
        note: &str,
    ) -> Result<i64, StoreError> {
        if by.trim().is_empty() {
            return Err(StoreError::Invalid("请填写通报批评的机关或媒体".into()));
        }
        let mut tx = self.begin_write().await?;
        let item_id = crate::workflow::find_item(&mut tx, item).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO criticisms (item_id, on_date, by_whom, note, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .arg(item_id)
        .arg(on.to_string())
        .arg(by.trim())
        .arg(note)
        .arg(actor)
        .arg(now_utc())
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "create",
            entity: "criticism",
            entity_id: id.to_string(),
            before: None,
            after: Some(
                json!({"item": item_id, "on": on.to_string(), "by": by.trim(), "note": note}),
            ),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Criticisms by item id.
    pub async fn criticisms(&self) -> Result<HashMap<i64, Vec<Criticism>>, StoreError> {
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT item_id, on_date, by_whom FROM criticisms ORDER BY id")
                .fetch_all(self.pool())
                .await?;
        let mut by_item: HashMap<i64, Vec<Criticism>> = HashMap::new();
        for (item, on, by) in rows {
            let on = Date::parse(&on)
                .ok_or_else(|| StoreError::Invalid(format!("数据库中的日期“{on}”无效")))?;
            by_item.entry(item).or_default().push(Criticism { on, by });
        }
        Ok(by_item)
    }

    /// The colour thresholds and ranking weights from the settings, with the defaults of
    /// `rectify_core::dispatch` for those not set.
    pub async fn dispatch_rules(&self) -> Result<(ColourRules, RankWeights), StoreError> {
        let mut rules = ColourRules::default();
        let mut weights = RankWeights::default();
        let fields: [(&str, &mut u32); 8] = [
            (
                "dispatch.consecutive_periods",
                &mut rules.consecutive_periods,
            ),
            ("dispatch.months_behind", &mut rules.months_behind),
            ("dispatch.weight.completion", &mut weights.completion),
            ("dispatch.weight.schedule", &mut weights.schedule),
            ("dispatch.weight.reporting", &mut weights.reporting),
            ("dispatch.weight.red_penalty", &mut weights.red_penalty),
            (
                "dispatch.weight.overdue_penalty",
                &mut weights.overdue_penalty,
            ),
            (
                "dispatch.weight.complaint_penalty",
                &mut weights.complaint_penalty,
            ),
        ];
        for (key, field) in fields {
            if let Some(value) = self.setting_u32(key).await? {
                *field = value;
            }
        }
        Ok((rules, weights))
    }

    /// A setting that must be a non-negative integer, if set.
    pub async fn setting_u32(&self, key: &str) -> Result<Option<u32>, StoreError> {
        self.setting(key)
            .await?
            .map(|value| {
                value
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| StoreError::Invalid(format!("设置 {key} 应为非负整数")))
            })
            .transpose()
    }

    /// Everything a bulletin for the month is computed from, as the ledger stood at the
    /// as-of day (the month's end, or today while the month runs): each item's state then (from
    /// its recorded changes), its completion, and the reports on the items open then — those
    /// not filed only once they are owed. Deadlines are taken as they stand now: an approved
    /// extension counts from the start.
    pub async fn bulletin_inputs(
        &self,
        as_of: AsOf,
    ) -> Result<(Vec<BulletinItem>, Vec<UnitReports>, Vec<String>), StoreError> {
        let day = as_of.date;
        let ledger = self.ledger(None).await?;
        let workflows = self.workflows().await?;
        let criticisms = self.criticisms().await?;
        let histories = self.state_histories().await?;
        let task_histories = self.task_histories().await?;
        let mut state_then: HashMap<i64, ItemState> = HashMap::new();
        let items = ledger
            .into_iter()
            .map(|stored| {
                let done_on = workflows
                    .get(&stored.id)
                    .map(crate::workflow::ItemWorkflow::measures_done)
                    .unwrap_or_default();
                let history = histories.get(&stored.id);
                let state = history.map_or(stored.item.state, |h| h.state_on(day));
                state_then.insert(stored.id, state);
                let tasks = stored
                    .tasks
                    .iter()
                    .map(|task| BulletinTask {
                        unit: task.unit.clone(),
                        state: task_histories
                            .get(&(stored.id, task.unit_id))
                            .map_or(task.state, |h| h.state_on(task.state, day)),
                        milestones: milestones(
                            &stored.item,
                            &task.measures_done_on(stored.item.measures.len()),
                        ),
                    })
                    .collect();
                BulletinItem {
                    tasks,
                    milestones: milestones(&stored.item, &done_on),
                    criticisms: criticisms.get(&stored.id).cloned().unwrap_or_default(),
                    completed_on: history.and_then(|h| h.completed_on(day)),
                    plan: stored.plan,
                    number: stored.item.number,
                    scope: stored.item.scope,
                    problem: stored.item.problem,
                    lead_unit: stored.item.lead_unit,
                    units: stored.item.units,
                    state,
                    final_due: stored.item.deadline.due_date,
                }
            })
            .collect();
        let period = as_of.period();
        let deadline = crate::workflow::report_deadline(
            (day.year, day.month),
            self.report_due_day().await?,
            &self.work_calendar().await?,
        );
        // A member owed a report while its part was open at the as-of day.
        let statuses: Vec<ReportStatus> = self
            .report_statuses(&period)
            .await?
            .into_iter()
            .filter(|s| {
                s.task.is_none_or(|now| {
                    !task_histories
                        .get(&(s.item_id, s.unit_id))
                        .map_or(now, |h| h.state_on(now, day))
                        .work_done()
                })
            })
            .collect();
        let reports = unit_reports(statuses, &state_then, as_of.reports_owed(deadline));
        let counties = self
            .org_units()
            .await?
            .into_iter()
            .filter(|u| matches!(u.kind, OrgKind::County | OrgKind::District | OrgKind::Zone))
            .filter(|u| !crate::tasks::is_group(&u.name))
            .map(|u| u.name)
            .collect();
        Ok((items, reports, counties))
    }

    /// The month's bulletin facts as of `as_of` (`AsOf::for_period`) from the ledger as it
    /// stands, with the latest bulletin of an earlier month for the comparison and the rank
    /// movement.
    pub async fn bulletin_facts(&self, as_of: AsOf) -> Result<BulletinFacts, StoreError> {
        let (items, reports, counties) = self.bulletin_inputs(as_of).await?;
        let period = as_of.period();
        let previous = self.bulletin_before(&period).await?;
        let (rules, weights) = self.dispatch_rules().await?;
        // Oldest first, as they were issued.
        let mut escalations: Vec<EscalationLine> = self
            .escalations(Some(&period))
            .await?
            .into_iter()
            .map(|e| EscalationLine {
                issued_on: e.issued_on,
                unit: e.unit,
                step: e.step.label_zh().to_string(),
                reason: e.reason,
            })
            .collect();
        escalations.reverse();
        let complaints = self.bulletin_complaints().await?;
        let mut facts = compose(&BulletinInput {
            as_of,
            items: &items,
            reports: &reports,
            counties: &counties,
            previous: previous.as_ref(),
            escalations: &escalations,
            complaints: &complaints,
            rules,
            weights,
        });
        let first_day = as_of.first_day();
        facts.registers = self.register_months(first_day, as_of.date).await?;
        facts.inspections = self.inspection_months(first_day, as_of.date).await?;
        // Through the latest month reported among those ended by then: figures come in after
        // the month. In a running January no month has ended and nothing is assessed.
        let ended = as_of.months_ended();
        facts.coal = self
            .coal_years(as_of.date.year)
            .await?
            .iter()
            .filter(|_| ended > 0)
            .map(|y| {
                let reported = y
                    .months
                    .iter()
                    .map(|(m, _)| *m)
                    .filter(|m| *m <= ended)
                    .max();
                rectify_core::coal::assess(y, reported.unwrap_or(ended))
            })
            .collect();
        Ok(facts)
    }

    /// Every frozen bulletin, newest first (without their facts).
    pub async fn bulletins(&self) -> Result<Vec<FrozenBulletin>, StoreError> {
        self.frozen_versions(BulletinKind::City).await
    }

    /// Every frozen version of `kind`, newest first (without their facts).
    pub(crate) async fn frozen_versions(
        &self,
        kind: BulletinKind,
    ) -> Result<Vec<FrozenBulletin>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, period, version, created_at, created_by, '', sha256, issued_on
             FROM {} ORDER BY period DESC, version DESC",
            kind.table()
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(frozen_row).collect()
    }

    /// Stores the facts as the next version of their period's bulletin, journaled with the
    /// facts' SHA-256. The stored facts carry the journal's head as the version is frozen
    /// (`journal_head`), so the issued document anchors the chain; they are returned as stored.
    pub async fn freeze_bulletin(
        &self,
        actor: &str,
        facts: &BulletinFacts,
        issued_on: Date,
    ) -> Result<(FrozenBulletin, BulletinFacts), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut facts = facts.clone();
        facts.journal_head = crate::journal::head_in(&mut tx).await?;
        let json = serde_json::to_string(&facts)
            .map_err(|e| StoreError::Invalid(format!("通报数据无法保存：{e}")))?;
        let frozen = freeze_version(
            &mut tx,
            self.backend(),
            Versioned {
                kind: BulletinKind::City,
                period: &facts.period,
                issued_on,
                actor,
                json,
            },
            serde_json::Map::new(),
        )
        .await?;
        tx.commit().await?;
        Ok((frozen, facts))
    }

    /// The journal heads printed on the frozen bulletins, each with the version that carries
    /// it (通报 2026-11 第2版), oldest first. Versions frozen before heads were printed have none.
    pub async fn bulletin_anchors(&self) -> Result<Vec<(String, Anchor)>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, period, version, created_at, created_by, facts_json, sha256, issued_on
             FROM bulletins ORDER BY period, version",
        )
        .fetch_all(self.pool())
        .await?;
        let mut anchors = Vec::new();
        for row in &rows {
            let (frozen, facts) = frozen_from_row(row)?;
            if let Some(head) = facts.journal_head {
                anchors.push((
                    format!("通报 {} 第{}版", frozen.period, frozen.version),
                    head,
                ));
            }
        }
        Ok(anchors)
    }

    /// A frozen bulletin: the given version of the period, or its latest.
    pub async fn bulletin(
        &self,
        period: &str,
        version: Option<u32>,
    ) -> Result<(FrozenBulletin, BulletinFacts), StoreError> {
        let row = sqlx::query(
            "SELECT id, period, version, created_at, created_by, facts_json, sha256, issued_on
             FROM bulletins WHERE period = $1 AND ($2 = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .arg(period)
        .arg(i64::from(version.unwrap_or(0)))
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "通报",
            key: match version {
                Some(v) => format!("{period} 第{v}版"),
                None => period.to_string(),
            },
        })?;
        frozen_from_row(&row)
    }

    /// The latest bulletin of the latest period before `period`, if any.
    pub async fn bulletin_before(&self, period: &str) -> Result<Option<BulletinFacts>, StoreError> {
        let row = sqlx::query(
            "SELECT id, period, version, created_at, created_by, facts_json, sha256, issued_on
             FROM bulletins WHERE period < $1 ORDER BY period DESC, version DESC LIMIT 1",
        )
        .arg(period)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| frozen_from_row(&r).map(|(_, facts)| facts))
            .transpose()
    }
}

fn frozen_from_row(row: &sqlx::any::AnyRow) -> Result<(FrozenBulletin, BulletinFacts), StoreError> {
    let json: String = row.try_get(5)?;
    let facts: BulletinFacts = serde_json::from_str(&json)
        .map_err(|e| StoreError::Invalid(format!("数据库中的通报数据无法读取：{e}")))?;
    Ok((frozen_row(row)?, facts))
}

/// Which of the two kinds of frozen bulletin a version belongs to: a city's (`bulletins`) or
/// the province's roll-up (`province_bulletins`), each its own table and journal entity.
#[derive(Clone, Copy)]
pub(crate) enum BulletinKind {
    City,
    Province,
}

impl BulletinKind {
    fn table(self) -> &'static str {
        match self {
            BulletinKind::City => "bulletins",
            BulletinKind::Province => "province_bulletins",
        }
    }

    fn entity(self) -> &'static str {
        match self {
            BulletinKind::City => "bulletin",
            BulletinKind::Province => "province_bulletin",
        }
    }
}

/// A bulletin version to freeze: its facts as the JSON to store.
pub(crate) struct Versioned<'a> {
    pub kind: BulletinKind,
    pub period: &'a str,
    pub issued_on: Date,
    pub actor: &'a str,
    pub json: String,
}

/// The one rule for freezing a bulletin version, a city's or the province's: inside the
/// caller's write transaction (so two freezes cannot take the same number) the next version of
/// the period is inserted with the SHA-256 of its facts JSON, and journaled with its period,
/// version and SHA-256 plus the kind's `extra` fields. The caller commits.
pub(crate) async fn freeze_version(
    tx: &mut crate::WriteTx,
    backend: crate::Backend,
    v: Versioned<'_>,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<FrozenBulletin, StoreError> {
    let table = v.kind.table();
    let sha256 = hex::encode(Sha256::digest(v.json.as_bytes()));
    let last: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT MAX(version) FROM {table} WHERE period = $1"
    )))
    .arg(v.period)
    .fetch_one(&mut **tx)
    .await?;
    let version = last.unwrap_or(0) + 1;
    let created_at = now_utc();
    let id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {table} (period, version, issued_on, created_at, created_by, facts_json, sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
    )))
    .arg(v.period)
    .arg(version)
    .arg(v.issued_on.to_string())
    .arg(created_at.clone())
    .arg(v.actor)
    .arg(v.json)
    .arg(sha256.clone())
    .fetch_one(&mut **tx)
    .await?;
    let mut after = extra;
    after.insert("period".into(), json!(v.period));
    after.insert("version".into(), json!(version));
    after.insert("sha256".into(), json!(sha256));
    let change = Change {
        actor: v.actor,
        action: "create",
        entity: v.kind.entity(),
        entity_id: id.to_string(),
        before: None,
        after: Some(serde_json::Value::Object(after)),
    };
    append(tx, backend, change).await?;
    Ok(FrozenBulletin {
        id,
        period: v.period.to_string(),
        version: u32::try_from(version).unwrap_or(u32::MAX),
        issued_on: v.issued_on.to_string(),
        created_at,
        created_by: v.actor.to_string(),
        sha256,
    })
}

/// Columns: id, period, version, created_at, created_by, (facts), sha256, issued_on.
pub(crate) fn frozen_row(row: &sqlx::any::AnyRow) -> Result<FrozenBulletin, StoreError> {
    let version: i64 = row.try_get(2)?;
    Ok(FrozenBulletin {
        id: row.try_get(0)?,
        period: row.try_get(1)?,
        version: u32::try_from(version).unwrap_or(u32::MAX),
        issued_on: row.try_get(7)?,
        created_at: row.try_get(3)?,
        created_by: row.try_get(4)?,
        sha256: row.try_get(6)?,
    })
}

/// Red for this many monthly bulletins in a row makes an accountability candidate (setting
/// `accountability.red_months`).
const RED_MONTHS: u32 = 2;

impl Store {
    /// How many of the latest monthly bulletins in a row (consecutive months, the latest version
    /// of each) showed each item red, by (plan, number).
    pub async fn red_streaks(&self) -> Result<HashMap<(String, u32), u32>, StoreError> {
        let rows = sqlx::query(
            "SELECT b.period, b.facts_json FROM bulletins b
             WHERE b.version = (SELECT MAX(v.version) FROM bulletins v WHERE v.period = b.period)
             ORDER BY b.period DESC",
        )
        .fetch_all(self.pool())
        .await?;
        let mut streaks: HashMap<(String, u32), u32> = HashMap::new();
        let mut expected: Option<String> = None;
        for (index, row) in rows.iter().enumerate() {
            let period: String = row.try_get(0)?;
            if expected.as_ref().is_some_and(|e| *e != period) {
                break;
            }
            expected = previous_month(&period);
            let json: String = row.try_get(1)?;
            let facts: BulletinFacts = serde_json::from_str(&json)
                .map_err(|e| StoreError::Invalid(format!("数据库中的通报数据无法读取：{e}")))?;
            for line in facts.lagging.iter().filter(|l| l.colour == "红") {
                let streak = streaks.entry((line.plan.clone(), line.number)).or_insert(0);
                // Only streaks that reach back from the latest bulletin count.
                if *streak as usize == index {
                    *streak += 1;
                }
            }
        }
        Ok(streaks)
    }

    /// The accountability candidates as of `today`, each with its latest decision.
    pub async fn accountability(&self, today: Date) -> Result<Vec<AccountabilityLine>, StoreError> {
        let red_months = self
            .setting_u32("accountability.red_months")
            .await?
            .unwrap_or(RED_MONTHS);
        let ledger = self.ledger(None).await?;
        let workflows = self.workflows().await?;
        let criticisms = self.criticisms().await?;
        let streaks = self.red_streaks().await?;
        let no_criticism: Vec<Criticism> = Vec::new();
        let rebounds = self.rebound_items().await?;
        let records: Vec<ItemRecord<'_>> = ledger
            .iter()
            .map(|s| {
                let flow = workflows.get(&s.id).map(|w| &w.flow);
                let open = !s.item.state.completed() && !s.item.state.awaiting_signoff();
                ItemRecord {
                    plan: &s.plan,
                    number: s.item.number,
                    lead_unit: &s.item.lead_unit,
                    leaders: &s.item.leaders,
                    overdue: open && s.item.deadline.due_date.is_some_and(|d| d < today),
                    red_streak: streaks
                        .get(&(s.plan.clone(), s.item.number))
                        .copied()
                        .unwrap_or(0),
                    reopened: flow.is_some_and(|f| f.accountability),
                    rebound: rebounds.contains(&s.id) && s.item.state.completed(),
                    objection_upheld: flow.is_some_and(|f| f.objection_upheld),
                    criticisms: criticisms.get(&s.id).unwrap_or(&no_criticism),
                }
            })
            .collect();
        let decisions = self.accountability_decisions().await?;
        let transfers = self.accountability_transfers().await?;
        let returned = self.returned_complaints().await?;
        let register_rebounds = self.register_rebounds().await?;
        let grounds = Grounds {
            items: &records,
            complaints: &returned,
            register_rebounds: &register_rebounds,
            transfers: &transfers,
            red_months,
        };
        Ok(candidates(grounds)
            .into_iter()
            .map(|candidate| AccountabilityLine {
                decision: decisions.get(&candidate.key).cloned(),
                candidate,
            })
            .collect())
    }

    /// Records a case the inspection team transferred for accountability, journaled.
    pub async fn record_transfer(
        &self,
        actor: &str,
        target: &str,
        case: &str,
        received_on: Date,
        items: &[(String, u32)],
    ) -> Result<i64, StoreError> {
        if target.trim().is_empty() || case.trim().is_empty() {
            return Err(StoreError::Invalid("请填写移交对象和问题".into()));
        }
        let items_json = json!(items);
        let mut tx = self.begin_write().await?;
        for (plan, number) in items {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT i.id FROM items i JOIN plans p ON p.id = i.plan_id WHERE p.name = $1 AND i.number = $2",
            )
            .arg(plan)
            .arg(i64::from(*number))
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(StoreError::Invalid(format!(
                    "关联事项：{plan}没有第{number}项"
                )));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accountability_transfers (target, case_text, received_on, items, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .arg(target.trim())
        .arg(case.trim())
        .arg(received_on.to_string())
        .arg(items_json.to_string())
        .arg(actor)
        .arg(now_utc())
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "create",
            entity: "accountability_transfer",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({"target": target.trim(), "case": case.trim(),
                "on": received_on.to_string(), "items": items_json})),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn accountability_transfers(&self) -> Result<Vec<Transfer>, StoreError> {
        let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            "SELECT id, target, case_text, received_on, items FROM accountability_transfers ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, target, case, received_on, items)| {
                let items: Vec<(String, u32)> = serde_json::from_str(&items)
                    .map_err(|e| StoreError::Invalid(format!("数据库中的移交问题无法读取：{e}")))?;
                Ok(Transfer {
                    id,
                    target,
                    case,
                    received_on,
                    items,
                })
            })
            .collect()
    }

    /// The latest decision per candidate key.
    async fn accountability_decisions(
        &self,
    ) -> Result<HashMap<String, AccountabilityDecision>, StoreError> {
        let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
            "SELECT candidate_key, organ, decided_on, form, outcome, published
             FROM accountability_decisions ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(key, organ, decided_on, form, outcome, published)| {
                let decision = AccountabilityDecision {
                    candidate_key: key.clone(),
                    organ,
                    decided_on,
                    form,
                    outcome,
                    published: published != 0,
                };
                (key, decision)
            })
            .collect())
    }

    /// Records a decision on a current candidate (its items are kept with it), journaled.
    pub async fn decide_accountability(
        &self,
        actor: &str,
        decision: &AccountabilityDecision,
        today: Date,
    ) -> Result<(), StoreError> {
        let line = self
            .accountability(today)
            .await?
            .into_iter()
            .find(|l| l.candidate.key == decision.candidate_key)
            .ok_or_else(|| StoreError::NotFound {
                what: "问责候选",
                key: decision.candidate_key.clone(),
            })?;
        for (what, value) in [("决定机关", &decision.organ), ("处理形式", &decision.form)] {
            if value.trim().is_empty() {
                return Err(StoreError::Invalid(format!("请填写{what}")));
            }
        }
        Date::parse(&decision.decided_on).ok_or_else(|| {
            StoreError::Invalid(format!("决定日期“{}”应为 YYYY-MM-DD", decision.decided_on))
        })?;
        let items = json!(line.candidate.items);
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accountability_decisions
             (candidate_key, items, organ, decided_on, form, outcome, published, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .arg(decision.candidate_key.clone())
        .arg(items.to_string())
        .arg(decision.organ.trim())
        .arg(decision.decided_on.clone())
        .arg(decision.form.trim())
        .arg(decision.outcome.clone())
        .arg(i64::from(decision.published))
        .arg(actor)
        .arg(now_utc())
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "decide",
            entity: "accountability",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({
                "candidate": decision.candidate_key, "items": items, "organ": decision.organ,
                "on": decision.decided_on, "form": decision.form, "outcome": decision.outcome,
                "published": decision.published,
            })),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// "2019-03" → "2019-02".
fn previous_month(period: &str) -> Option<String> {
    let (year, month) = rectify_exact::date::parse_year_month(period)?;
    let before = Date::new(year, month, 1)?.add_months(-1);
    Some(format!("{:04}-{:02}", before.year, before.month))
}

/// Groups the reports by unit and plan, keeping the items that were open (due a report) at the
/// as-of day; a report not filed counts (as missing) only when the period's reports are `owed`.
fn unit_reports(
    statuses: Vec<ReportStatus>,
    state_then: &HashMap<i64, ItemState>,
    owed: bool,
) -> Vec<UnitReports> {
    let mut reports: Vec<UnitReports> = Vec::new();
    for status in statuses {
        let open_then = state_then
            .get(&status.item_id)
            .is_some_and(|state| state.reportable());
        if !open_then || (status.filed.is_none() && !owed) {
            continue;
        }
        let known = reports
            .iter()
            .position(|r| r.unit == status.unit && r.plan == status.plan);
        let at = known.unwrap_or_else(|| {
            reports.push(UnitReports {
                unit: status.unit.clone(),
                plan: status.plan.clone(),
                ..UnitReports::default()
            });
            reports.len() - 1
        });
        let entry = &mut reports[at];
        entry.expected.push(status.number);
        match status.filed {
            None => entry.missing.push(status.number),
            Some(Filed::Late) => entry.late.push(status.number),
            Some(Filed::OnTime) => {}
        }
    }
    reports
}
