//! Special inspections and unannounced visits: rounds, and findings that reopen a signed-off
//! item (through the workflow) or register entry (as a rebound), add a new item to a plan, or
//! note a problem or compliance — each with its evidence, in one transaction, journaled.

use crate::attachments::Upload;
use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::workflow::{ItemRef, find_item};
use crate::{Store, StoreError, invalid_stored, now_utc, stored_date, stored_int};
use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::{DeadlineContext, parse_deadline};
use rectify_core::ledger::Item;
use rectify_core::special::{About, Mode, Outcome, Round, RoundMonth, check_finding, new_item};
use rectify_core::workflow::{Action, Actor};
use rectify_exact::date::Date;
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// What a finding is about, as the person recording it names it.
pub enum FindingTarget<'a> {
    Nothing,
    Item(ItemRef<'a>),
    Entry(i64),
    /// A new problem for the plan: the item's fields (its number is assigned).
    NewItem {
        plan: String,
        item: Box<Item>,
    },
}

pub struct NewFinding<'a> {
    pub on: Date,
    pub description: &'a str,
    pub outcome: Outcome,
    pub target: FindingTarget<'a>,
    /// (file name, the file received into the attachment store).
    pub files: &'a [(String, Upload)],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundRecord {
    pub id: i64,
    #[serde(flatten)]
    pub round: Round,
    pub findings: Vec<FindingRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRecord {
    pub id: i64,
    pub on: Date,
    pub description: String,
    pub outcome: Outcome,
    /// (plan, number) of the item it is about or created.
    pub item: Option<(String, u32)>,
    /// (id, name) of the register entry it is about.
    pub entry: Option<(i64, String)>,
    pub evidence: Vec<String>,
}

impl Store {
    pub async fn open_inspection_round(
        &self,
        actor: &str,
        round: &Round,
    ) -> Result<i64, StoreError> {
        round.check().map_err(StoreError::Refused)?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_rounds (name, mode, scope, team, starts_on, ends_on, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .arg(round.name.trim())
        .arg(round.mode.code())
        .arg(round.scope.trim())
        .arg(round.team.trim())
        .arg(round.starts_on.to_string())
        .arg(round.ends_on.to_string())
        .arg(actor)
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "create",
            entity: "inspection_round",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!(round)),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a finding with its evidence and acts on it in the same transaction: a reopen
    /// goes through the workflow (an item) or is a rebound (a register entry); a new problem
    /// becomes the plan's next item.
    pub async fn record_finding(
        &self,
        actor: &Actor,
        round_id: i64,
        finding: NewFinding<'_>,
        calendar: &WorkCalendar,
    ) -> Result<FindingRecord, StoreError> {
        let about = match &finding.target {
            FindingTarget::Nothing | FindingTarget::NewItem { .. } => About::Nothing,
            FindingTarget::Item(_) => About::Item,
            FindingTarget::Entry(_) => About::Entry,
        };
        let new_item = matches!(finding.target, FindingTarget::NewItem { .. });
        if new_item != (finding.outcome == Outcome::NewItem) {
            return Err(StoreError::Refused(
                "新增问题须填写所属方案、牵头单位和整改时限".into(),
            ));
        }
        let mut media = Vec::new();
        for (name, upload) in finding.files {
            media.push(self.accepted_media_type(name, upload).await?);
        }
        let mut tx = self.begin_write().await?;
        // Under the lock: an edit of the round's dates cannot slip in between check and write.
        let round = round_in(&mut tx, round_id).await?.round;
        check_finding(
            &round,
            finding.on,
            finding.description,
            finding.outcome,
            about,
            finding.files.len(),
        )
        .map_err(StoreError::Refused)?;
        let reason = format!("{}：{}", round.name, finding.description.trim());
        let (item_id, entry_id) = match finding.target {
            FindingTarget::Nothing => (None, None),
            FindingTarget::Item(item) => {
                let id = find_item(&mut tx, item).await?;
                if finding.outcome == Outcome::Reopen {
                    let action = Action::Reopen {
                        reason: reason.clone(),
                    };
                    self.act_in(&mut tx, actor, item, action, finding.on, calendar)
                        .await?;
                }
                (Some(id), None)
            }
            FindingTarget::Entry(entry) => {
                if finding.outcome == Outcome::Reopen {
                    crate::registers::reopen_entry(
                        &mut tx,
                        self,
                        &actor.username,
                        entry,
                        finding.on,
                        &reason,
                    )
                    .await?;
                } else {
                    // Named as missing, not left to the database's foreign key.
                    crate::registers::load_detail(&mut tx, entry).await?;
                }
                (None, Some(entry))
            }
            FindingTarget::NewItem { plan, item } => {
                let (id, _) = self
                    .add_item_in(&mut tx, &actor.username, &plan, *item)
                    .await?;
                (Some(id), None)
            }
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO round_findings (round_id, found_on, description, outcome, item_id, entry_id, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .arg(round_id)
        .arg(finding.on.to_string())
        .arg(finding.description.trim())
        .arg(finding.outcome.code())
        .arg(item_id)
        .arg(entry_id)
        .arg(actor.username.clone())
        .fetch_one(&mut *tx)
        .await?;
        for ((name, upload), media_type) in finding.files.iter().zip(media) {
            let stored = self.attachments().keep(upload).await?;
            sqlx::query(
                "INSERT INTO round_evidence (finding_id, file_name, sha256, size, media_type, uploaded_by, uploaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .arg(id)
            .arg(name.clone())
            .arg(stored.sha256)
            .arg(stored.size as i64)
            .arg(media_type)
            .arg(actor.username.clone())
            .arg(now_utc())
            .execute(&mut *tx)
            .await?;
        }
        let change = Change {
            actor: &actor.username,
            action: "finding",
            entity: "inspection_round",
            entity_id: round_id.to_string(),
            before: None,
            after: Some(json!({
                "finding": id, "on": finding.on, "description": finding.description.trim(),
                "outcome": finding.outcome.code(), "item": item_id, "entry": entry_id,
                "files": finding.files.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            })),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        let record = self.inspection_round(round_id).await?;
        record
            .findings
            .into_iter()
            .find(|f| f.id == id)
            .ok_or_else(|| StoreError::Invalid("督察发现未写入".into()))
    }

    /// Every round, newest first, with its findings.
    pub async fn inspection_rounds(&self) -> Result<Vec<RoundRecord>, StoreError> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM inspection_rounds ORDER BY starts_on DESC, id DESC")
                .fetch_all(self.pool())
                .await?;
        let mut rounds = Vec::with_capacity(ids.len());
        for id in ids {
            rounds.push(self.inspection_round(id).await?);
        }
        Ok(rounds)
    }

    pub async fn inspection_round(&self, id: i64) -> Result<RoundRecord, StoreError> {
        let mut conn = self.pool().acquire().await?;
        round_in(&mut conn, id).await
    }
}

/// A round with its findings, read on `conn` (a writer reads it under its lock, so the dates it
/// checks against cannot change before it commits).
async fn round_in(conn: &mut AnyConnection, id: i64) -> Result<RoundRecord, StoreError> {
    let row = sqlx::query(
        "SELECT name, mode, scope, team, starts_on, ends_on FROM inspection_rounds WHERE id = $1",
    )
    .arg(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::NotFound {
        what: "督察",
        key: id.to_string(),
    })?;
    let mode: String = row.try_get(1)?;
    let round = Round {
        name: row.try_get(0)?,
        mode: Mode::parse(&mode).ok_or_else(|| invalid_stored("督察方式"))?,
        scope: row.try_get(2)?,
        team: row.try_get(3)?,
        starts_on: stored_date(&row.try_get::<String, _>(4)?)?,
        ends_on: stored_date(&row.try_get::<String, _>(5)?)?,
    };
    Ok(RoundRecord {
        id,
        round,
        findings: findings(conn, id).await?,
    })
}

impl Store {
    /// The rounds with findings in `first_day..=as_of`, each with those findings.
    pub async fn inspection_months(
        &self,
        first_day: Date,
        as_of: Date,
    ) -> Result<Vec<RoundMonth>, StoreError> {
        let mut months = Vec::new();
        for record in self.inspection_rounds().await?.into_iter().rev() {
            let mut month = RoundMonth::new(&record.round);
            for f in record
                .findings
                .iter()
                .filter(|f| f.on >= first_day && f.on <= as_of)
            {
                let about = match (&f.item, &f.entry) {
                    (Some((plan, number)), _) => format!("{plan}第{number}项"),
                    (None, Some((_, name))) => name.clone(),
                    (None, None) => String::new(),
                };
                month.add(f.on, f.outcome, &about, &f.description);
            }
            if month.compliant + month.problems + month.reopened + month.new_items > 0 {
                months.push(month);
            }
        }
        Ok(months)
    }
}

async fn findings(
    conn: &mut AnyConnection,
    round_id: i64,
) -> Result<Vec<FindingRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT f.id, f.found_on, f.description, f.outcome, p.name, i.number, e.id, e.name
         FROM round_findings f
         LEFT JOIN items i ON i.id = f.item_id LEFT JOIN plans p ON p.id = i.plan_id
         LEFT JOIN register_entries e ON e.id = f.entry_id
         WHERE f.round_id = $1 ORDER BY f.found_on, f.id",
    )
    .arg(round_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut evidence: HashMap<i64, Vec<String>> = HashMap::new();
    let files = sqlx::query(
        "SELECT v.finding_id, v.file_name FROM round_evidence v
         JOIN round_findings f ON f.id = v.finding_id WHERE f.round_id = $1 ORDER BY v.id",
    )
    .arg(round_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &files {
        evidence
            .entry(r.try_get(0)?)
            .or_default()
            .push(r.try_get(1)?);
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let outcome: String = r.try_get(3)?;
        let plan: Option<String> = r.try_get(4)?;
        let number: Option<i64> = r.try_get(5)?;
        let entry: Option<i64> = r.try_get(6)?;
        let entry_name: Option<String> = r.try_get(7)?;
        out.push(FindingRecord {
            id,
            on: stored_date(&r.try_get::<String, _>(1)?)?,
            description: r.try_get(2)?,
            outcome: Outcome::parse(&outcome).ok_or_else(|| invalid_stored("督察结论"))?,
            item: plan.zip(number.map(|n| stored_int(n, "items.number")).transpose()?),
            entry: entry.zip(entry_name),
            evidence: evidence.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A finding's evidence file, as its round's page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundEvidence {
    pub id: i64,
    pub finding_id: i64,
    pub file_name: String,
    pub media_type: String,
    pub sha256: String,
}

impl Store {
    /// A new problem for a plan: the one named, or the only one stored; its lead unit and its
    /// 整改时限 as written ("2027年3月底前"), read against `today`.
    pub async fn new_problem(
        &self,
        plan: Option<&str>,
        description: &str,
        unit: &str,
        deadline: &str,
        today: Date,
    ) -> Result<FindingTarget<'static>, StoreError> {
        let plans = self.plans().await?;
        let plan = match plan.map(str::trim).filter(|p| !p.is_empty()) {
            Some(name) => plans.iter().find(|p| p.plan.name == name),
            None if plans.len() == 1 => plans.first(),
            None => None,
        }
        .ok_or_else(|| StoreError::Refused("新增问题须指定所属整改方案".into()))?;
        if unit.trim().is_empty() {
            return Err(StoreError::Refused("新增问题须填写牵头单位".into()));
        }
        // A new problem's lead is a unit the office keeps: a typo must not create one.
        let known = self
            .org_units()
            .await?
            .iter()
            .any(|u| u.name == unit.trim() || u.code == unit.trim());
        if !known {
            return Err(StoreError::Refused(format!(
                "牵头单位“{}”不在组织机构中，请按组织机构中的名称填写",
                unit.trim()
            )));
        }
        if deadline.trim().is_empty() {
            return Err(StoreError::Refused("新增问题须填写整改时限".into()));
        }
        let calendar = self.work_calendar().await?;
        let deadline = parse_deadline(
            deadline,
            DeadlineContext {
                reference: Some(today),
                calendar: &calendar,
            },
        );
        Ok(FindingTarget::NewItem {
            plan: plan.plan.name.clone(),
            item: Box::new(new_item(description, unit, deadline)),
        })
    }

    /// Corrects a round's name, way, scope, team or dates; its findings must stay within them.
    pub async fn edit_inspection_round(
        &self,
        actor: &str,
        id: i64,
        round: &Round,
    ) -> Result<(), StoreError> {
        round.check().map_err(StoreError::Refused)?;
        let mut tx = self.begin_write().await?;
        // Under the lock: a finding recorded meanwhile is among those checked.
        let before = round_in(&mut tx, id).await?;
        if let Some(f) = before
            .findings
            .iter()
            .find(|f| f.on < round.starts_on || f.on > round.ends_on)
        {
            return Err(StoreError::Refused(format!(
                "已有 {} 的督察发现，督察期间须包含该日期",
                f.on
            )));
        }
        sqlx::query(
            "UPDATE inspection_rounds SET name = $1, mode = $2, scope = $3, team = $4,
             starts_on = $5, ends_on = $6 WHERE id = $7",
        )
        .arg(round.name.trim())
        .arg(round.mode.code())
        .arg(round.scope.trim())
        .arg(round.team.trim())
        .arg(round.starts_on.to_string())
        .arg(round.ends_on.to_string())
        .arg(id)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "update",
            entity: "inspection_round",
            entity_id: id.to_string(),
            before: Some(json!(before.round)),
            after: Some(json!(round)),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The evidence files of a round's findings, in the order they were stored.
    pub async fn round_evidence_files(
        &self,
        round_id: i64,
    ) -> Result<Vec<RoundEvidence>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.id, v.finding_id, v.file_name, v.media_type, v.sha256 FROM round_evidence v
             JOIN round_findings f ON f.id = v.finding_id WHERE f.round_id = $1 ORDER BY v.id",
        )
        .arg(round_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(round_evidence_row).collect()
    }

    /// One evidence file with the round its finding belongs to.
    pub async fn round_evidence(&self, id: i64) -> Result<(i64, RoundEvidence), StoreError> {
        let row = sqlx::query(
            "SELECT v.id, v.finding_id, v.file_name, v.media_type, v.sha256, f.round_id
             FROM round_evidence v JOIN round_findings f ON f.id = v.finding_id WHERE v.id = $1",
        )
        .arg(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "督察佐证材料",
            key: id.to_string(),
        })?;
        Ok((row.try_get(5)?, round_evidence_row(&row)?))
    }
}

fn round_evidence_row(r: &sqlx::any::AnyRow) -> Result<RoundEvidence, StoreError> {
    Ok(RoundEvidence {
        id: r.try_get(0)?,
        finding_id: r.try_get(1)?,
        file_name: r.try_get(2)?,
        media_type: r.try_get(3)?,
        sha256: r.try_get(4)?,
    })
}
