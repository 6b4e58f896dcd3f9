//! Transferred complaints: batch imports (transactional, journaled, with duplicate, plan-site
//! and rebound suggestions), feedback updates, the report-back clock and spot-checks.

use crate::bind::Bind;
use crate::journal::{Change, append, append_all};
use crate::{Backend, Store, StoreError, invalid_stored, now_utc, stored_date, stored_int};
use rectify_core::calendar::WorkCalendar;
use rectify_core::complaint::sample::draw;
use rectify_core::complaint::similar::{Described, Earlier, ItemSites};
use rectify_core::complaint::{
    Channel, Clock, ComplaintRecord, DayMode, Extra, Feedback, Handling, Measures, NewBatch,
    NewComplaint, PollutionType, SpotVerdict, SuggestionKind, Verdict,
};
use rectify_core::ledger::ItemState;
use rectify_exact::date::Date;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::any::{Any, AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

pub struct ComplaintImport<'a> {
    /// The inspection team the batches came from.
    pub source: &'a str,
    pub batches: &'a [NewBatch],
    /// The file as recorded in the journal (name, sha256, size).
    pub file: Value,
    /// The day feedback first seen in this file is taken as reported.
    pub reported_on: Date,
    pub dry_run: bool,
}

/// A suggestion made at import, for a person to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub received_no: String,
    /// "重复件" (an earlier complaint) or "同一点位" (a plan item) or "反弹" (a signed-off item),
    /// or "名录反弹" (a signed-off register entry, reopened at once).
    pub kind: &'static str,
    pub target: String,
    pub site: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ComplaintImportSummary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub suggestions: Vec<Suggestion>,
    /// What a re-sent list changed in the feedback of stored complaints.
    pub changes: Vec<FeedbackChange>,
}

/// One stored complaint whose feedback a re-sent list changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedbackChange {
    pub received_no: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The column's name on the list (是否属实, 办理状态 …).
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// The feedback fields a list carries, by their column names, as text.
fn feedback_fields(feedback: &Feedback) -> [(&'static str, String); 5] {
    [
        ("调查核实情况", feedback.investigation.clone()),
        (
            "是否属实",
            feedback
                .verdict
                .map(|v| v.label_zh().to_string())
                .unwrap_or_default(),
        ),
        ("处理和整改情况", feedback.result.clone()),
        ("责任人被处理情况", feedback.accountability.clone()),
        (
            "办理状态",
            feedback
                .handling
                .map(|h| h.label_zh().to_string())
                .unwrap_or_default(),
        ),
    ]
}

fn feedback_change(received_no: &str, before: &Feedback, after: &Feedback) -> FeedbackChange {
    FeedbackChange {
        received_no: received_no.to_string(),
        fields: feedback_fields(before)
            .into_iter()
            .zip(feedback_fields(after))
            .filter(|((_, b), (_, a))| a != b)
            .map(|((field, before), (_, after))| FieldChange {
                field,
                before,
                after,
            })
            .collect(),
    }
}

/// Which complaints to list.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    pub source: Option<String>,
    pub batch: Option<u32>,
    pub region: Option<String>,
    /// Only these handling units (a viewer's subtree); `None` for everyone.
    pub units: Option<Vec<i64>>,
}

/// A rebound flag a complaint raised: a signed-off plan item at its site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintRebound {
    pub plan: String,
    pub number: u32,
    pub site: String,
    /// Who confirmed it; `None` while it awaits the office.
    pub confirmed_by: Option<String>,
}

/// A spot-check round with its sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotCheckRound {
    pub id: i64,
    pub drawn_on: Date,
    pub seed: u64,
    pub population: u32,
    pub drawn_by: String,
    pub checks: Vec<SpotCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotCheck {
    pub received_no: String,
    pub verdict: Option<SpotVerdict>,
    pub reason: String,
    pub checked_by: Option<String>,
}

/// Changes to a complaint's handling; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ComplaintUpdate {
    pub investigation: Option<String>,
    pub verdict: Option<Verdict>,
    pub result: Option<String>,
    pub accountability: Option<String>,
    pub handling: Option<Handling>,
    pub reported_on: Option<Date>,
    pub follow_up: Option<String>,
    pub counts: Option<Measures>,
    pub unit: Option<String>,
    pub key_case: Option<bool>,
    /// Confirms (Some(received_no)) the duplicate.
    pub repeat_of: Option<String>,
}

const COMPLAINT_COLUMNS: &str = "c.id, b.source, b.number, c.seq, c.received_no, c.channel, c.region, c.types,
    c.types_raw, c.industry, c.description, c.contact, c.key_case, r.received_no, s.received_no,
    p.name, i.number, c.suggested_site, u.name, c.unit_id, b.transferred_on, c.due_on,
    c.investigation, c.verdict, c.ordered_count, c.penalised_count, c.penalty_yuan, c.criminal_cases,
    c.detained, c.interviewed, c.held_accountable, c.result, c.accountability_text, c.handling,
    c.reported_on, c.follow_up, c.returns, c.extras, cp.name, ci.number, c.transferred_cases";
const COMPLAINT_JOINS: &str = "FROM complaints c JOIN complaint_batches b ON b.id = c.batch_id
    LEFT JOIN complaints r ON r.id = c.repeat_of
    LEFT JOIN complaints s ON s.id = c.suggested_repeat_of
    LEFT JOIN items i ON i.id = c.suggested_item_id
    LEFT JOIN plans p ON p.id = i.plan_id
    LEFT JOIN items ci ON ci.id = c.item_id
    LEFT JOIN plans cp ON cp.id = ci.plan_id
    LEFT JOIN org_units u ON u.id = c.unit_id";

impl Store {
    /// Stores the batches in one transaction: new complaints are added with their clock and
    /// suggestions, complaints already stored get the feedback the file now carries.
    pub async fn import_complaints(
        &self,
        actor: &str,
        import: ComplaintImport<'_>,
    ) -> Result<ComplaintImportSummary, StoreError> {
        let calendar = self.work_calendar().await?;
        let mut tx = self.begin_write().await?;
        let mut summary = ComplaintImportSummary::default();
        let mut changes: Vec<Change<'_>> = Vec::new();
        let mut known = load_texts(&mut tx).await?;
        let sites = load_item_sites(&mut tx).await?;
        let mut region_units = RegionUnits::default();
        let (register_ids, mut register_sites) =
            crate::registers::reboundable_sites(&mut tx).await?;
        let mut pending = PendingComplaints::new(&mut tx, self.backend()).await?;
        for batch in import.batches {
            let batch_id = upsert_batch(&mut tx, import.source, batch, actor).await?;
            let due_on = batch.clock.due(batch.transferred_on, &calendar);
            for complaint in &batch.complaints {
                // Most rows are new: only a number already stored costs a lookup.
                let stored = known.by_number.contains_key(complaint.received_no.trim());
                let existing = if stored {
                    // The number may be an earlier row of this same file, still queued.
                    pending.flush(&mut tx).await?;
                    find_complaint(&mut tx, &complaint.received_no).await?
                } else {
                    None
                };
                match existing {
                    Some(stored) => {
                        let change = refresh_feedback(
                            &mut tx,
                            actor,
                            &stored,
                            complaint,
                            import.reported_on,
                        )
                        .await?;
                        match change {
                            Some((change, fields)) => {
                                summary.updated += 1;
                                summary.changes.push(fields);
                                changes.push(change);
                            }
                            None => summary.unchanged += 1,
                        }
                    }
                    None => {
                        let described =
                            Described::new(complaint.region.as_deref(), &complaint.description);
                        let links = suggest(&described, &known, &sites);
                        summary
                            .suggestions
                            .extend(links.describe(&complaint.received_no));
                        let unit_id = match &complaint.region {
                            Some(region) => region_units.unit_of(&mut tx, region).await?,
                            None => None,
                        };
                        let id = pending
                            .add(
                                &mut tx,
                                (batch.number, batch_id, unit_id),
                                due_on,
                                complaint,
                                &links,
                                import.reported_on,
                            )
                            .await?;
                        if links.rebounds() {
                            // The rebound row refers to the complaint: it must be stored first.
                            pending.flush(&mut tx).await?;
                            flag_rebound(&mut tx, &links, id, import.reported_on).await?;
                        }
                        if let Some((at, likeness)) = register_sites.duplicate_of(&described) {
                            register_sites.take(at);
                            pending.flush(&mut tx).await?;
                            let entry_id = register_ids[at];
                            let name = crate::registers::rebound_from_complaint(
                                &mut tx,
                                self,
                                actor,
                                entry_id,
                                (id, complaint.received_no.trim()),
                                &likeness.site,
                                import.reported_on,
                            )
                            .await?;
                            summary.suggestions.push(Suggestion {
                                received_no: complaint.received_no.clone(),
                                kind: "名录反弹",
                                target: name,
                                site: likeness.site,
                            });
                        }
                        known.push(id, complaint.received_no.trim(), described);
                        summary.added += 1;
                        changes.push(Change {
                            actor,
                            action: "create",
                            entity: "complaint",
                            entity_id: complaint.received_no.clone(),
                            before: None,
                            after: Some(journal_view(complaint, due_on)),
                        });
                    }
                }
            }
        }
        pending.finish(&mut tx).await?;
        if changes.is_empty() {
            tx.rollback().await?;
            return Ok(summary);
        }
        changes.push(Change {
            actor,
            action: "import",
            entity: "complaint_file",
            entity_id: import.source.to_string(),
            before: None,
            after: Some(json!({
                "source": import.file,
                "added": summary.added,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            })),
        });
        append_all(&mut tx, self.backend(), changes).await?;
        crate::commit_unless(tx, import.dry_run).await?;
        Ok(summary)
    }

    pub async fn complaints(
        &self,
        filter: &ComplaintFilter,
    ) -> Result<Vec<ComplaintRecord>, StoreError> {
        // The viewer's scope is part of the query: other units' complaints never leave the
        // database. An empty scope matches nothing.
        let scope = match &filter.units {
            None => String::new(),
            Some(units) => {
                let wanted: Vec<String> = (4..4 + units.len()).map(|i| format!("${i}")).collect();
                format!(
                    " AND c.unit_id IN ({})",
                    ["NULL".to_string()]
                        .into_iter()
                        .chain(wanted)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        };
        let sql = format!(
            "SELECT {COMPLAINT_COLUMNS} {COMPLAINT_JOINS}
             WHERE ($1 = '' OR b.source = $1) AND ($2 = 0 OR b.number = $2) AND ($3 = '' OR c.region = $3){scope}
             ORDER BY b.transferred_on, b.number, c.seq"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(filter.source.clone().unwrap_or_default())
            .arg(i64::from(filter.batch.unwrap_or(0)))
            .arg(filter.region.clone().unwrap_or_default());
        for unit in filter.units.iter().flatten() {
            query = query.arg(*unit);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter().map(record).collect()
    }

    pub async fn complaint(&self, received_no: &str) -> Result<ComplaintRecord, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let sql = format!("SELECT {COMPLAINT_COLUMNS} {COMPLAINT_JOINS} WHERE c.received_no = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(received_no.trim())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| not_found(received_no))?;
        record(&row)
    }

    /// Applies an update from the handling unit or the office, journaled with before and after.
    pub async fn update_complaint(
        &self,
        actor: &str,
        received_no: &str,
        update: ComplaintUpdate,
    ) -> Result<ComplaintRecord, StoreError> {
        let before = self.complaint(received_no).await?;
        let mut after = before.clone();
        apply_update(&mut after, &update)?;
        let mut tx = self.begin_write().await?;
        let unit_id = match &update.unit {
            Some(name) => Some(unit_named(&mut tx, "单位", name).await?),
            None => before.unit_id,
        };
        let repeat_id = match &update.repeat_of {
            Some(no) => Some(
                find_complaint(&mut tx, no)
                    .await?
                    .ok_or_else(|| not_found(no))?
                    .id,
            ),
            None => None,
        };
        write_feedback(&mut tx, before.id, &after.complaint.feedback).await?;
        sqlx::query(
            "UPDATE complaints SET unit_id = $1, key_case = $2, repeat_of = COALESCE($3, repeat_of) WHERE id = $4",
        )
        .arg(unit_id)
        .arg(i64::from(after.complaint.key_case))
        .arg(repeat_id)
        .arg(before.id)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.backend(),
            Change {
                actor,
                action: "update",
                entity: "complaint",
                entity_id: before.complaint.received_no.clone(),
                before: Some(feedback_view(&before)),
                after: Some(json!({ "feedback": after.complaint.feedback, "unit": update.unit, "repeat_of": update.repeat_of, "key_case": after.complaint.key_case })),
            },
        )
        .await?;
        tx.commit().await?;
        self.complaint(received_no).await
    }

    /// The rebound flags this complaint raised: the signed-off items at its site.
    pub async fn complaint_rebounds(
        &self,
        received_no: &str,
    ) -> Result<Vec<ComplaintRebound>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.name, i.number, r.site, r.confirmed_by FROM item_rebounds r
             JOIN complaints c ON c.id = r.complaint_id JOIN items i ON i.id = r.item_id
             JOIN plans p ON p.id = i.plan_id WHERE c.received_no = $1 ORDER BY p.id, i.number",
        )
        .arg(received_no.trim())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ComplaintRebound {
                    plan: r.try_get(0)?,
                    number: count(r, 1)?,
                    site: r.try_get(2)?,
                    confirmed_by: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// The office confirms or dismisses what the import suggested: a confirmed duplicate becomes
    /// the complaint's 重复件 link, a confirmed item its plan item, a confirmed rebound stays
    /// (for accountability) marked as checked; a dismissed suggestion is cleared. Journaled.
    pub async fn answer_suggestion(
        &self,
        actor: &str,
        received_no: &str,
        kind: SuggestionKind,
        confirm: bool,
    ) -> Result<(), StoreError> {
        let record = self.complaint(received_no).await?;
        let mut tx = self.begin_write().await?;
        // The rebound rows an answer changes or deletes, read under the lock, for the journal:
        // they feed accountability rule 2, so a dismissal must be recoverable from it.
        let rebounds: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT item_id, flagged_on, site FROM item_rebounds
             WHERE complaint_id = $1 AND confirmed_by IS NULL ORDER BY id",
        )
        .arg(record.id)
        .fetch_all(&mut *tx)
        .await?;
        let sql = match (kind, confirm) {
            (SuggestionKind::Duplicate, true) => {
                "UPDATE complaints SET repeat_of = suggested_repeat_of, suggested_repeat_of = NULL
                 WHERE id = $1 AND suggested_repeat_of IS NOT NULL"
            }
            (SuggestionKind::Duplicate, false) => {
                "UPDATE complaints SET suggested_repeat_of = NULL WHERE id = $1 AND suggested_repeat_of IS NOT NULL"
            }
            (SuggestionKind::Item, true) => {
                "UPDATE complaints SET item_id = suggested_item_id, suggested_item_id = NULL
                 WHERE id = $1 AND suggested_item_id IS NOT NULL"
            }
            (SuggestionKind::Item, false) => {
                "UPDATE complaints SET suggested_item_id = NULL WHERE id = $1 AND suggested_item_id IS NOT NULL"
            }
            (SuggestionKind::Rebound, true) => {
                "UPDATE item_rebounds SET confirmed_by = $2 WHERE complaint_id = $1 AND confirmed_by IS NULL"
            }
            (SuggestionKind::Rebound, false) => {
                "DELETE FROM item_rebounds WHERE complaint_id = $1 AND confirmed_by IS NULL"
            }
        };
        let mut query = sqlx::query(sql).arg(record.id);
        if (kind, confirm) == (SuggestionKind::Rebound, true) {
            query = query.arg(actor);
        }
        if query.execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(StoreError::Refused(format!(
                "信访件 {} 没有待核实的{}",
                record.complaint.received_no,
                kind.label_zh()
            )));
        }
        append(
            &mut tx,
            self.backend(),
            Change {
                actor,
                action: if confirm {
                    "suggestion:confirm"
                } else {
                    "suggestion:dismiss"
                },
                entity: "complaint",
                entity_id: record.complaint.received_no.clone(),
                before: Some(json!({
                    "suggested_repeat_of": record.suggested_repeat_of,
                    "suggested_item": record.suggested_item,
                    "rebounds": rebounds
                        .iter()
                        .map(|(item, on, site)| json!({ "item_id": item, "flagged_on": on, "site": site }))
                        .collect::<Vec<_>>(),
                })),
                after: Some(json!({ "kind": kind.code(), "confirmed": confirm })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Items with a complaint at their site after sign-off (rebound flags), by item id.
    pub async fn rebound_items(&self) -> Result<std::collections::HashSet<i64>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT item_id FROM item_rebounds")
            .fetch_all(self.pool())
            .await?;
        Ok(ids.into_iter().collect())
    }

    /// (received number, site, item plan, item number) of every rebound flag, newest first.
    pub async fn rebounds(&self) -> Result<Vec<(String, String, String, u32)>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.received_no, r.site, p.name, i.number FROM item_rebounds r
             JOIN complaints c ON c.id = r.complaint_id JOIN items i ON i.id = r.item_id
             JOIN plans p ON p.id = i.plan_id ORDER BY r.flagged_on DESC, r.id DESC",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, count(r, 3)?)))
            .collect()
    }

    /// Complaints returned for re-handling, or found true and reported closed with a blank
    /// 处理和整改情况, with their handling unit (accountability rule 3).
    pub async fn returned_complaints(
        &self,
    ) -> Result<Vec<rectify_core::accountability::ReturnedComplaint>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.received_no, COALESCE(u.name, c.region, ''), c.returns,
                    CASE WHEN c.verdict IN ('true', 'mostly_true', 'partly_true') AND c.handling = 'closed'
                         AND TRIM(c.result) = '' THEN 1 ELSE 0 END
             FROM complaints c LEFT JOIN org_units u ON u.id = c.unit_id
             WHERE c.returns > 0 OR (c.verdict IN ('true', 'mostly_true', 'partly_true')
                   AND c.handling = 'closed' AND TRIM(c.result) = '')
             ORDER BY c.received_no",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(rectify_core::accountability::ReturnedComplaint {
                    received_no: r.try_get(0)?,
                    unit: r.try_get(1)?,
                    returns: count(r, 2)?,
                    true_but_unhandled: r.try_get::<i64, _>(3)? != 0,
                })
            })
            .collect()
    }

    /// Every complaint's clock as the monthly bulletin counts it.
    pub async fn bulletin_complaints(
        &self,
    ) -> Result<Vec<rectify_core::bulletin::BulletinComplaint>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.received_no, u.name, b.transferred_on, c.due_on, c.reported_on
             FROM complaints c JOIN complaint_batches b ON b.id = c.batch_id
             LEFT JOIN org_units u ON u.id = c.unit_id ORDER BY c.received_no",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(rectify_core::bulletin::BulletinComplaint {
                    received_no: r.try_get(0)?,
                    unit: r.try_get(1)?,
                    transferred_on: date_column(r, 2)?,
                    due_on: date_column(r, 3)?,
                    reported_on: optional_date(r, 4)?,
                })
            })
            .collect()
    }

    /// Draws a spot-check sample of the complaints reported closed (已办结), reproducibly from
    /// `seed`, and records the round with its seed.
    pub async fn draw_spotcheck(
        &self,
        actor: &str,
        seed: u64,
        size: usize,
        on: Date,
    ) -> Result<SpotCheckRound, StoreError> {
        let mut tx = self.begin_write().await?;
        let closed: Vec<(String, i64)> = sqlx::query(
            "SELECT received_no, id FROM complaints WHERE handling = 'closed' ORDER BY received_no",
        )
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
        if closed.is_empty() {
            return Err(StoreError::Invalid("没有已办结的信访件可供抽查".into()));
        }
        let sample = draw(&closed, size, seed);
        let round: i64 = sqlx::query_scalar(
            "INSERT INTO spotcheck_rounds (drawn_on, seed, population, drawn_by) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .arg(on.to_string())
        .arg(seed.to_string())
        .arg(i64::try_from(closed.len()).unwrap_or(i64::MAX))
        .arg(actor)
        .fetch_one(&mut *tx)
        .await?;
        for (order, (_, id)) in sample.iter().enumerate() {
            sqlx::query(
                "INSERT INTO spotchecks (round_id, complaint_id, draw_order) VALUES ($1, $2, $3)",
            )
            .arg(round)
            .arg(id)
            .arg(i64::try_from(order).unwrap_or(0))
            .execute(&mut *tx)
            .await?;
        }
        let drawn: Vec<&String> = sample.iter().map(|(no, _)| no).collect();
        append(
            &mut tx,
            self.backend(),
            Change {
                actor,
                action: "draw",
                entity: "spotcheck",
                entity_id: round.to_string(),
                before: None,
                after: Some(json!({ "seed": seed.to_string(), "population": closed.len(), "sample": drawn, "on": on.to_string() })),
            },
        )
        .await?;
        tx.commit().await?;
        self.spotcheck(round).await
    }

    /// Every spot-check round with its sample, newest first.
    pub async fn spotchecks(&self) -> Result<Vec<SpotCheckRound>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM spotcheck_rounds ORDER BY id DESC")
            .fetch_all(self.pool())
            .await?;
        let mut rounds = Vec::with_capacity(ids.len());
        for id in ids {
            rounds.push(self.spotcheck(id).await?);
        }
        Ok(rounds)
    }

    pub async fn spotcheck(&self, round: i64) -> Result<SpotCheckRound, StoreError> {
        let head = sqlx::query(
            "SELECT drawn_on, seed, population, drawn_by FROM spotcheck_rounds WHERE id = $1",
        )
        .arg(round)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound {
            what: "抽查批次",
            key: round.to_string(),
        })?;
        let checks = sqlx::query(
            "SELECT c.received_no, s.verdict, s.reason, s.checked_by FROM spotchecks s
             JOIN complaints c ON c.id = s.complaint_id WHERE s.round_id = $1 ORDER BY s.draw_order",
        )
        .arg(round)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(SpotCheck {
                received_no: r.try_get(0)?,
                verdict: r.try_get::<Option<String>, _>(1)?.and_then(|v| SpotVerdict::parse(&v)),
                reason: r.try_get(2)?,
                checked_by: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(SpotCheckRound {
            id: round,
            drawn_on: date_column(&head, 0)?,
            seed: head
                .try_get::<String, _>(1)?
                .parse()
                .map_err(|_| invalid_stored("seed"))?,
            population: stored_int(head.try_get(2)?, "spotcheck_rounds.population")?,
            drawn_by: head.try_get(3)?,
            checks,
        })
    }

    /// Records the verdict on one sampled complaint. 不合格 returns it for re-handling: the
    /// unit reports again within the batch's period from `on`.
    pub async fn mark_spotcheck(
        &self,
        actor: &str,
        round: i64,
        received_no: &str,
        (verdict, reason): (SpotVerdict, &str),
        on: Date,
    ) -> Result<(), StoreError> {
        if verdict == SpotVerdict::Fail && reason.trim().is_empty() {
            return Err(StoreError::Invalid("抽查不合格需写明原因".into()));
        }
        let calendar = self.work_calendar().await?;
        let record = self.complaint(received_no).await?;
        let mut tx = self.begin_write().await?;
        let marked = sqlx::query(
            "UPDATE spotchecks SET verdict = $1, reason = $2, checked_by = $3, checked_on = $4
             WHERE round_id = $5 AND complaint_id = $6 AND verdict IS NULL",
        )
        .arg(verdict.code())
        .arg(reason.trim())
        .arg(actor)
        .arg(on.to_string())
        .arg(round)
        .arg(record.id)
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() != 1 {
            return Err(StoreError::Refused(format!(
                "信访件 {received_no} 不在第 {round} 轮抽查样本中，或已有抽查结论"
            )));
        }
        if verdict == SpotVerdict::Fail {
            return_for_rehandling(&mut tx, &record, on, &calendar).await?;
        }
        append(
            &mut tx,
            self.backend(),
            Change {
                actor,
                action: if verdict == SpotVerdict::Fail { "spotcheck:return" } else { "spotcheck:pass" },
                entity: "complaint",
                entity_id: record.complaint.received_no.clone(),
                before: Some(json!({ "handling": record.complaint.feedback.handling, "returns": record.returns })),
                after: Some(json!({ "round": round, "verdict": verdict.label_zh(), "reason": reason.trim() })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn return_for_rehandling(
    conn: &mut AnyConnection,
    complaint: &ComplaintRecord,
    on: Date,
    calendar: &WorkCalendar,
) -> Result<(), StoreError> {
    let clock = batch_clock(conn, complaint.id).await?;
    sqlx::query(
        "UPDATE complaints SET handling = 'in_progress', reported_on = NULL, due_on = $1, returns = returns + 1 WHERE id = $2",
    )
    .arg(clock.due(on, calendar).to_string())
    .arg(complaint.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn batch_clock(conn: &mut AnyConnection, complaint_id: i64) -> Result<Clock, StoreError> {
    let row = sqlx::query(
        "SELECT b.due_days, b.day_mode FROM complaints c JOIN complaint_batches b ON b.id = c.batch_id WHERE c.id = $1",
    )
    .arg(complaint_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Clock {
        days: u16::try_from(row.try_get::<i64, _>(0)?).unwrap_or(10),
        mode: DayMode::parse(&row.try_get::<String, _>(1)?).unwrap_or(DayMode::Calendar),
    })
}

fn apply_update(record: &mut ComplaintRecord, update: &ComplaintUpdate) -> Result<(), StoreError> {
    let feedback = &mut record.complaint.feedback;
    let replace = |field: &mut String, value: &Option<String>| {
        if let Some(value) = value {
            *field = value.trim().to_string();
        }
    };
    replace(&mut feedback.investigation, &update.investigation);
    replace(&mut feedback.result, &update.result);
    replace(&mut feedback.accountability, &update.accountability);
    replace(&mut feedback.follow_up, &update.follow_up);
    feedback.verdict = update.verdict.or(feedback.verdict);
    feedback.handling = update.handling.or(feedback.handling);
    feedback.reported_on = update.reported_on.or(feedback.reported_on);
    if let Some(counts) = &update.counts {
        feedback.counts = Measures {
            penalty_yuan: rectify_core::complaint::penalty_yuan(&counts.penalty_yuan)
                .map_err(StoreError::Invalid)?,
            ..counts.clone()
        };
    }
    record.complaint.key_case = update.key_case.unwrap_or(record.complaint.key_case);
    if feedback.handling.is_some() && feedback.reported_on.is_none() {
        return Err(StoreError::Invalid(
            "登记办理状态时需同时给出反馈日期（--reported-on）".into(),
        ));
    }
    Ok(())
}

/// The stored complaints, each by its 受理编号 and as the duplicate check sees it.
#[derive(Default)]
struct Known {
    ids: Vec<i64>,
    numbers: Vec<String>,
    by_number: HashMap<String, usize>,
    texts: Earlier,
}

impl Known {
    fn push(&mut self, id: i64, received_no: &str, described: Described) {
        let position = self.texts.push(described);
        debug_assert_eq!(position, self.ids.len());
        self.ids.push(id);
        self.numbers.push(received_no.to_string());
        self.by_number.insert(received_no.to_string(), position);
    }
}

async fn load_texts(conn: &mut AnyConnection) -> Result<Known, StoreError> {
    let rows = sqlx::query(
        "SELECT c.id, c.received_no, c.region, c.description FROM complaints c
         JOIN complaint_batches b ON b.id = c.batch_id ORDER BY b.transferred_on, b.number, c.seq",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut known = Known::default();
    for r in &rows {
        let region: Option<String> = r.try_get(2)?;
        let text: String = r.try_get(3)?;
        let received_no: String = r.try_get(1)?;
        known.push(
            r.try_get(0)?,
            &received_no,
            Described::new(region.as_deref(), &text),
        );
    }
    Ok(known)
}

struct ItemSite {
    id: i64,
    plan: String,
    number: u32,
    sites: ItemSites,
    signed_off: bool,
}

async fn load_item_sites(conn: &mut AnyConnection) -> Result<Vec<ItemSite>, StoreError> {
    let rows = sqlx::query(
        "SELECT i.id, p.name, i.number, i.problem, i.state FROM items i JOIN plans p ON p.id = i.plan_id ORDER BY p.id, i.number",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get(4)?;
            Ok(ItemSite {
                id: r.try_get(0)?,
                plan: r.try_get(1)?,
                number: stored_int(r.try_get(2)?, "items.number")?,
                sites: ItemSites::new(&r.try_get::<String, _>(3)?),
                signed_off: ItemState::parse(&state).is_some_and(|s| s == ItemState::Closed),
            })
        })
        .collect()
}

/// What a new complaint is linked to, as suggestions.
#[derive(Default)]
struct Links {
    repeat: Option<(i64, String, String)>,
    item: Option<(i64, String, bool)>,
    item_name: String,
}

impl Links {
    /// Whether the complaint reopens a signed-off item (`flag_rebound`).
    fn rebounds(&self) -> bool {
        matches!(self.item, Some((_, _, true)))
    }

    fn describe(&self, received_no: &str) -> Vec<Suggestion> {
        let mut out = Vec::new();
        if let Some((_, earlier, site)) = &self.repeat {
            out.push(Suggestion {
                received_no: received_no.to_string(),
                kind: "重复件",
                target: earlier.clone(),
                site: site.clone(),
            });
        }
        if let Some((_, site, signed_off)) = &self.item {
            out.push(Suggestion {
                received_no: received_no.to_string(),
                kind: if *signed_off {
                    "反弹"
                } else {
                    "同一点位"
                },
                target: self.item_name.clone(),
                site: site.clone(),
            });
        }
        out
    }
}

fn suggest(complaint: &Described, known: &Known, items: &[ItemSite]) -> Links {
    let repeat = known
        .texts
        .duplicate_of(complaint)
        .map(|(i, likeness)| (known.ids[i], known.numbers[i].clone(), likeness.site));
    let matched = items
        .iter()
        .find_map(|item| item.sites.about(complaint).map(|site| (item, site)));
    Links {
        repeat,
        item_name: matched
            .as_ref()
            .map(|(item, _)| format!("{} 第{}项", item.plan, item.number))
            .unwrap_or_default(),
        item: matched.map(|(item, site)| (item.id, site, item.signed_off)),
    }
}

async fn flag_rebound(
    conn: &mut AnyConnection,
    links: &Links,
    complaint_id: i64,
    on: Date,
) -> Result<(), StoreError> {
    if let Some((item_id, site, true)) = &links.item {
        sqlx::query(
            "INSERT INTO item_rebounds (item_id, complaint_id, flagged_on, site) VALUES ($1, $2, $3, $4)",
        )
        .arg(item_id)
        .arg(complaint_id)
        .arg(on.to_string())
        .arg(site)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn upsert_batch(
    conn: &mut AnyConnection,
    source: &str,
    batch: &NewBatch,
    actor: &str,
) -> Result<i64, StoreError> {
    let number = i64::from(batch.number);
    let found: Option<(i64, String)> = sqlx::query(
        "SELECT id, transferred_on FROM complaint_batches WHERE source = $1 AND number = $2",
    )
    .arg(source)
    .arg(number)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
    .transpose()?;
    if let Some((id, on)) = found {
        if on != batch.transferred_on.to_string() {
            return Err(StoreError::Conflict {
                what: "批次",
                key: format!("{source} 第{}批（已登记交办日期 {on}）", batch.number),
            });
        }
        return Ok(id);
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO complaint_batches (source, number, transferred_on, due_days, day_mode, imported_by, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .arg(source)
    .arg(number)
    .arg(batch.transferred_on.to_string())
    .arg(i64::from(batch.clock.days))
    .arg(batch.clock.mode.code())
    .arg(actor)
    .arg(now_utc())
    .fetch_one(&mut *conn)
    .await?)
}

async fn find_complaint(
    conn: &mut AnyConnection,
    received_no: &str,
) -> Result<Option<ComplaintRecord>, StoreError> {
    let sql = format!("SELECT {COMPLAINT_COLUMNS} {COMPLAINT_JOINS} WHERE c.received_no = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .arg(received_no.trim())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(record)
        .transpose()
}

/// An org unit by name or code; `what` names it in the error.
pub(crate) async fn unit_named(
    conn: &mut AnyConnection,
    what: &'static str,
    name: &str,
) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT id FROM org_units WHERE name = $1 OR code = $1")
        .arg(name.trim())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what,
            key: name.to_string(),
        })
}

/// The unit that handles a region's complaints, looked up once per region in an import (a
/// list of ten thousand names a dozen regions).
#[derive(Default)]
struct RegionUnits(HashMap<String, Option<i64>>);

impl RegionUnits {
    /// The region's own unit handles the complaint unless the office reassigns it.
    async fn unit_of(
        &mut self,
        conn: &mut AnyConnection,
        region: &str,
    ) -> Result<Option<i64>, StoreError> {
        if let Some(unit) = self.0.get(region) {
            return Ok(*unit);
        }
        let unit: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM org_units WHERE name IN ($1, $2, $3, $4) ORDER BY id LIMIT 1",
        )
        .arg(region)
        .arg(format!("{region}政府"))
        .arg(format!("{region}人民政府"))
        .arg(format!("{region}管委会"))
        .fetch_optional(&mut *conn)
        .await?;
        self.0.insert(region.to_string(), unit);
        Ok(unit)
    }
}

/// New complaints waiting to go in together, as a few INSERTs of many rows: one round trip
/// per row was most of a 10,000-row list's import. Their ids come from an `IdBlock`.
struct PendingComplaints<'a> {
    ids: crate::IdBlock,
    rows: Vec<ComplaintRow<'a>>,
}

/// One new complaint's row, as `insert_complaint` would have written it.
struct ComplaintRow<'a> {
    id: i64,
    batch_id: i64,
    /// The batch's number in the file, for an error to name.
    batch: u32,
    unit_id: Option<i64>,
    due_on: Date,
    complaint: &'a NewComplaint,
    repeat_of: Option<i64>,
    item_id: Option<i64>,
    site: String,
    feedback: Feedback,
}

/// Rows per INSERT: 33 parameters each stays well under SQLite's 32,766 and PostgreSQL's 65,535.
const COMPLAINT_ROWS_PER_INSERT: usize = 500;

impl<'a> PendingComplaints<'a> {
    async fn new(conn: &mut AnyConnection, backend: Backend) -> Result<Self, StoreError> {
        Ok(PendingComplaints {
            ids: crate::IdBlock::after_largest(conn, backend, "complaints").await?,
            rows: Vec::new(),
        })
    }

    /// Queues the complaint and returns the id it will have.
    async fn add(
        &mut self,
        conn: &mut AnyConnection,
        (batch, batch_id, unit_id): (u32, i64, Option<i64>),
        due_on: Date,
        complaint: &'a NewComplaint,
        links: &Links,
        reported_on: Date,
    ) -> Result<i64, StoreError> {
        let mut feedback = complaint.feedback.clone();
        if feedback.handling.is_some() {
            feedback.reported_on = feedback.reported_on.or(Some(reported_on));
        }
        let id = self.ids.take();
        self.rows.push(ComplaintRow {
            id,
            batch_id,
            batch,
            unit_id,
            due_on,
            complaint,
            repeat_of: links.repeat.as_ref().map(|r| r.0),
            item_id: links.item.as_ref().map(|i| i.0),
            site: links
                .repeat
                .as_ref()
                .map(|r| r.2.clone())
                .or_else(|| links.item.as_ref().map(|i| i.1.clone()))
                .unwrap_or_default(),
            feedback,
        });
        if self.rows.len() == COMPLAINT_ROWS_PER_INSERT {
            self.flush(conn).await?;
        }
        Ok(id)
    }

    /// Writes the queued rows. An earlier row of the same INSERT may be a later one's repeat:
    /// both databases check foreign keys at the end of the statement.
    async fn flush(&mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let backend = self.ids.backend();
        let insert = |rows: &[ComplaintRow<'a>]| insert_complaints(backend, rows);
        let name = |row: &ComplaintRow<'a>| {
            format!(
                "第{}批序号{}（受理编号{}）",
                row.batch,
                row.complaint.seq,
                row.complaint.received_no.trim()
            )
        };
        crate::many_rows::insert(conn, &self.rows, &insert, &name).await?;
        self.rows.clear();
        Ok(())
    }

    /// Writes what is left, then settles the ids (`IdBlock::finish`).
    async fn finish(mut self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        self.flush(conn).await?;
        self.ids.finish(conn).await
    }
}

/// One INSERT of the complaints.
fn insert_complaints(
    backend: Backend,
    rows: &[ComplaintRow<'_>],
) -> Query<'static, Any, AnyArguments> {
    let sql = format!(
        "INSERT INTO complaints (id, batch_id, seq, received_no, channel, region, types, types_raw, industry,
            description, contact, key_case, suggested_repeat_of, suggested_item_id, suggested_site, unit_id,
            due_on, extras, investigation, verdict, ordered_count, penalised_count, penalty_yuan,
            criminal_cases, detained, interviewed, held_accountable, result, accountability_text, handling,
            reported_on, follow_up, transferred_cases)
         VALUES {}",
        crate::placeholders(backend, rows.len(), 33)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        let complaint = row.complaint;
        query = query
            .arg(row.id)
            .arg(row.batch_id)
            .arg(i64::from(complaint.seq))
            .arg(complaint.received_no.trim())
            .arg(complaint.channel.code())
            .arg(complaint.region.clone())
            .arg(type_codes(&complaint.types))
            .arg(complaint.types_raw.as_str())
            .arg(complaint.industry.as_str())
            .arg(complaint.description.as_str())
            .arg(complaint.contact.as_str())
            .arg(i64::from(complaint.key_case))
            .arg(row.repeat_of)
            .arg(row.item_id)
            .arg(row.site.as_str())
            .arg(row.unit_id)
            .arg(row.due_on.to_string())
            .arg(extras_json(&complaint.extras));
        query = bind_feedback(query, &row.feedback);
    }
    query
}

/// Takes the feedback columns of a re-sent list; returns the journal entry when anything changed.
async fn refresh_feedback<'a>(
    conn: &mut AnyConnection,
    actor: &'a str,
    stored: &ComplaintRecord,
    incoming: &NewComplaint,
    reported_on: Date,
) -> Result<Option<(Change<'a>, FeedbackChange)>, StoreError> {
    let mut feedback = incoming.feedback.clone();
    feedback.follow_up = stored.complaint.feedback.follow_up.clone();
    // A transfer list carries no 一览表 figures: the ones the unit recorded stay.
    feedback.counts = stored.complaint.feedback.counts.clone();
    feedback.reported_on = match (stored.complaint.feedback.reported_on, feedback.handling) {
        (Some(on), _) => Some(on),
        (None, Some(_)) => Some(reported_on),
        (None, None) => None,
    };
    if feedback.handling.is_none() && stored.complaint.feedback.handling.is_some() {
        // An older copy of the list must not erase feedback already recorded.
        return Ok(None);
    }
    if feedback == stored.complaint.feedback {
        return Ok(None);
    }
    write_feedback(conn, stored.id, &feedback).await?;
    let fields = feedback_change(
        &stored.complaint.received_no,
        &stored.complaint.feedback,
        &feedback,
    );
    let change = Change {
        actor,
        action: "update",
        entity: "complaint",
        entity_id: stored.complaint.received_no.clone(),
        before: Some(feedback_view(stored)),
        after: Some(json!({ "feedback": feedback })),
    };
    Ok(Some((change, fields)))
}

async fn write_feedback(
    conn: &mut AnyConnection,
    id: i64,
    feedback: &Feedback,
) -> Result<(), StoreError> {
    let update = sqlx::query(
        "UPDATE complaints SET investigation = $2, verdict = $3, ordered_count = $4, penalised_count = $5,
            penalty_yuan = $6, criminal_cases = $7, detained = $8, interviewed = $9, held_accountable = $10,
            result = $11, accountability_text = $12, handling = $13, reported_on = $14, follow_up = $15,
            transferred_cases = $16
         WHERE id = $1",
    )
    .arg(id);
    bind_feedback(update, feedback).execute(&mut *conn).await?;
    Ok(())
}

/// Binds the fifteen feedback columns, in the order the INSERT and the UPDATE name them.
fn bind_feedback<Q: Bind>(query: Q, feedback: &Feedback) -> Q {
    let counts = &feedback.counts;
    let penalty = if counts.penalty_yuan.trim().is_empty() {
        "0".to_string()
    } else {
        counts.penalty_yuan.trim().to_string()
    };
    query
        .arg(feedback.investigation.clone())
        .arg(feedback.verdict.map(Verdict::code))
        .arg(i64::from(counts.ordered))
        .arg(i64::from(counts.penalised))
        .arg(penalty)
        .arg(i64::from(counts.criminal_cases))
        .arg(i64::from(counts.detained))
        .arg(i64::from(counts.interviewed))
        .arg(i64::from(counts.held_accountable))
        .arg(feedback.result.clone())
        .arg(feedback.accountability.clone())
        .arg(feedback.handling.map(Handling::code))
        .arg(feedback.reported_on.map(|d| d.to_string()))
        .arg(feedback.follow_up.clone())
        .arg(i64::from(counts.transferred))
}

fn extras_json(extras: &[Extra]) -> String {
    serde_json::to_string(extras).unwrap_or_else(|_| "[]".to_string())
}

fn type_codes(types: &[PollutionType]) -> String {
    types.iter().map(|t| t.code()).collect::<Vec<_>>().join(",")
}

/// The journal keeps what was transferred, not who complained.
fn journal_view(complaint: &NewComplaint, due_on: Date) -> Value {
    json!({
        "seq": complaint.seq,
        "region": complaint.region,
        "types": complaint.types.iter().map(|t| t.label_zh()).collect::<Vec<_>>(),
        "description": complaint.description,
        "due_on": due_on.to_string(),
        "feedback": complaint.feedback,
    })
}

fn feedback_view(record: &ComplaintRecord) -> Value {
    json!({ "feedback": record.complaint.feedback, "unit": record.unit, "key_case": record.complaint.key_case, "returns": record.returns })
}

fn not_found(received_no: &str) -> StoreError {
    StoreError::NotFound {
        what: "信访件",
        key: received_no.to_string(),
    }
}

fn date_column(row: &AnyRow, index: usize) -> Result<Date, StoreError> {
    stored_date(&row.try_get::<String, _>(index)?)
}

fn optional_date(row: &AnyRow, index: usize) -> Result<Option<Date>, StoreError> {
    let text: Option<String> = row.try_get(index)?;
    text.as_deref().map(stored_date).transpose()
}

fn count(row: &AnyRow, index: usize) -> Result<u32, StoreError> {
    let column = format!("complaints.{}", sqlx::Column::name(row.column(index)));
    stored_int(row.try_get(index)?, &column)
}

fn record(row: &AnyRow) -> Result<ComplaintRecord, StoreError> {
    let types: String = row.try_get(7)?;
    let plan: Option<String> = row.try_get(15)?;
    let number: Option<i64> = row.try_get(16)?;
    Ok(ComplaintRecord {
        id: row.try_get(0)?,
        source: row.try_get(1)?,
        batch: count(row, 2)?,
        complaint: NewComplaint {
            seq: count(row, 3)?,
            received_no: row.try_get(4)?,
            channel: Channel::parse(&row.try_get::<String, _>(5)?)
                .ok_or_else(|| invalid_stored("来源渠道"))?,
            region: row.try_get(6)?,
            types: types.split(',').filter_map(PollutionType::parse).collect(),
            types_raw: row.try_get(8)?,
            industry: row.try_get(9)?,
            description: row.try_get(10)?,
            contact: row.try_get(11)?,
            key_case: row.try_get::<i64, _>(12)? != 0,
            feedback: feedback(row)?,
            extras: serde_json::from_str(&row.try_get::<String, _>(37)?)
                .map_err(|_| invalid_stored("信访件的其他列"))?,
        },
        repeat_of: row.try_get(13)?,
        suggested_repeat_of: row.try_get(14)?,
        suggested_item: plan.zip(number.and_then(|n| u32::try_from(n).ok())),
        suggested_site: row.try_get(17)?,
        item: {
            let plan: Option<String> = row.try_get(38)?;
            let number: Option<i64> = row.try_get(39)?;
            plan.zip(number.and_then(|n| u32::try_from(n).ok()))
        },
        unit: row.try_get(18)?,
        unit_id: row.try_get(19)?,
        transferred_on: date_column(row, 20)?,
        due_on: date_column(row, 21)?,
        returns: count(row, 36)?,
    })
}

fn feedback(row: &AnyRow) -> Result<Feedback, StoreError> {
    Ok(Feedback {
        investigation: row.try_get(22)?,
        verdict: row
            .try_get::<Option<String>, _>(23)?
            .and_then(|v| Verdict::parse(&v)),
        counts: Measures {
            ordered: count(row, 24)?,
            penalised: count(row, 25)?,
            penalty_yuan: row.try_get(26)?,
            criminal_cases: count(row, 27)?,
            detained: count(row, 28)?,
            interviewed: count(row, 29)?,
            held_accountable: count(row, 30)?,
            transferred: count(row, 40)?,
        },
        result: row.try_get(31)?,
        accountability: row.try_get(32)?,
        handling: row
            .try_get::<Option<String>, _>(33)?
            .and_then(|v| Handling::parse(&v)),
        reported_on: optional_date(row, 34)?,
        follow_up: row.try_get(35)?,
    })
}
