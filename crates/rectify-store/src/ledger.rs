//! Plans, their items, and the working-day calendar notices an office loads.

use crate::bind::{Bind, Verbatim};
use crate::journal::{Change, append, append_all};
use crate::tasks::{StoredTask, TaskSync, is_group, load_tasks, renumber_task_measures, sync_all};
use crate::{Backend, Store, StoreError, now_utc, placeholders, stored_int};
use rectify_core::deadline::Deadline;
use rectify_core::ledger::{
    InspectionType, Item, ItemSource, ItemState, Measure, Plan, Scope, split_person,
};
use rectify_core::org::{OrgKind, names};
use rectify_core::reimport::{AmendedDeadline, FieldChange, Resolution, amended_deadline, diff};
use rectify_core::text::clean_text;
use rectify_exact::date::Date;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::borrow::Cow;
use std::collections::HashMap;

/// A stored plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRecord {
    pub id: i64,
    pub title: String,
    pub plan: Plan,
    pub items: i64,
}

/// A stored item and the plan it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    pub id: i64,
    pub plan: String,
    pub item: Item,
    pub updated_at: String,
    /// The members' tasks when the item names a group (各县（区）政府 …), in the org chart's
    /// order; empty otherwise.
    pub tasks: Vec<StoredTask>,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub plan_created: bool,
    pub added: Vec<u32>,
    pub updated: Vec<u32>,
    pub unchanged: usize,
    /// Items stored for the plan that the file no longer lists; kept, not deleted.
    pub absent: Vec<u32>,
    /// Units created, with the kind their name implied.
    pub created_units: Vec<(String, OrgKind)>,
    pub created_people: Vec<String>,
    /// The groups the plan names, resolved to one task per member.
    pub tasks: TaskSync,
    /// What the file changes in each updated item, field by field.
    pub changes: Vec<(u32, Vec<FieldChange>)>,
    /// Deadlines amended in rectify that the file does not change: (item, kept, file's).
    pub kept: Vec<(u32, String, String)>,
    /// Amended deadlines the file contradicts, for the office to settle (`resolutions`); an
    /// import with one left unsettled writes nothing.
    pub conflicts: Vec<DeadlineConflict>,
}

/// An amended deadline and a file that says a third one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineConflict {
    pub number: u32,
    /// In rectify, approved.
    pub amended: String,
    /// Before the amendment.
    pub original: String,
    pub file: String,
}

impl ImportSummary {
    /// What the import created and resolved beyond the items, one line each, for the CLI and
    /// the import page alike: new units with their kinds, new people, the shared items' tasks
    /// and the groups no member could be found for.
    pub fn notes_zh(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.created_units.is_empty() {
            let units: Vec<String> = self
                .created_units
                .iter()
                .map(|(name, kind)| format!("{name}（{}）", kind.label_zh()))
                .collect();
            notes.push(format!("新建单位：{}", units.join("、")));
        }
        if !self.created_people.is_empty() {
            notes.push(format!("新建人员：{}", self.created_people.join("、")));
        }
        for (number, kept, file) in &self.kept {
            notes.push(format!(
                "警告：第 {number} 项的整改时限已在系统中批准调整为“{kept}”，文件中仍为“{file}”，已保留调整后的时限"
            ));
        }
        for c in &self.conflicts {
            notes.push(format!(
                "冲突：第 {} 项的整改时限已批准调整为“{}”（原为“{}”），文件中为“{}”，请选择保留调整后的时限或采用文件中的时限",
                c.number, c.amended, c.original, c.file
            ));
        }
        notes.extend(self.tasks.notes_zh());
        notes
    }
}

/// The plan's items, in number order.
pub struct PlanImport<'a> {
    pub plan: &'a Plan,
    pub title: &'a str,
    pub items: &'a [Item],
    /// The imported file as recorded in the journal (name, sha256, size).
    pub source: Value,
    pub dry_run: bool,
    /// How the office settles each conflict over an amended deadline, by item number.
    pub resolutions: &'a [(u32, Resolution)],
}

const ITEM_COLUMNS: usize = 18;
const ITEMS_PER_INSERT: usize = 50;
const CHILD_ROWS_PER_INSERT: usize = 150;

impl Store {
    /// Creates or updates the plan and its items in one transaction. Items keep their workflow
    /// state; an item whose fields did not change is not touched and not journaled.
    pub async fn import_plan(
        &self,
        actor: &str,
        import: PlanImport<'_>,
    ) -> Result<ImportSummary, StoreError> {
        let settings = self.task_settings().await?;
        let mut tx = self.begin_write().await?;
        let mut summary = ImportSummary::default();
        let mut changes: Vec<Change<'_>> = Vec::new();
        let plan_id = upsert_plan(&mut tx, &import, actor, &mut summary, &mut changes).await?;
        let mut org = OrgCache::load(&mut tx, names::city_in_title(import.title)).await?;
        let existing: HashMap<u32, StoredItem> = load_items(&mut tx, Some(plan_id))
            .await?
            .into_iter()
            .map(|s| (s.item.number, s))
            .collect();
        let originals = amended_originals(&mut tx, plan_id).await?;
        let mut fresh: Vec<Item> = Vec::new();
        let cleaned: Vec<Item> = import.items.iter().map(cleaned_item).collect();
        for item in &cleaned {
            org.resolve_item(&mut tx, item, &mut summary).await?;
        }
        for item in &cleaned {
            match existing.get(&item.number) {
                None => fresh.push(item.clone()),
                Some(stored) => {
                    let mut incoming = item.clone();
                    incoming.state = stored.item.state;
                    if let Some(original) = originals.get(&stored.id) {
                        settle_amended(&import, stored, original, &mut incoming, &mut summary);
                    }
                    if incoming == stored.item {
                        summary.unchanged += 1;
                        continue;
                    }
                    summary
                        .changes
                        .push((item.number, diff(&stored.item, &incoming)));
                    replace_item(&mut tx, self.backend(), stored.id, &incoming, &org).await?;
                    summary.updated.push(item.number);
                    changes.push(item_change(
                        actor,
                        "update",
                        stored.id,
                        Some(&stored.item),
                        &incoming,
                    ));
                }
            }
        }
        let ids = insert_items(&mut tx, self.backend(), plan_id, &fresh, &org).await?;
        for (item, id) in fresh.iter().zip(&ids) {
            summary.added.push(item.number);
            changes.push(item_change(actor, "create", *id, None, item));
        }
        let listed: Vec<u32> = import.items.iter().map(|i| i.number).collect();
        summary.absent = existing
            .keys()
            .filter(|n| !listed.contains(n))
            .copied()
            .collect();
        summary.absent.sort_unstable();
        for (what, name) in org.created.iter() {
            changes.push(Change {
                actor,
                action: "create",
                entity: what,
                entity_id: name.clone(),
                before: None,
                after: Some(json!({ "name": name, "via": "plan import" })),
            });
        }
        if !summary.conflicts.is_empty() && !import.dry_run {
            tx.rollback().await?;
            let notes: Vec<String> = summary
                .notes_zh()
                .into_iter()
                .filter(|n| n.starts_with("冲突"))
                .collect();
            return Err(StoreError::Refused(format!(
                "{}；未导入任何内容",
                notes.join("；")
            )));
        }
        summary.tasks = sync_all(&mut tx, self.backend(), actor, settings).await?;
        // A re-import that changes nothing leaves no trace: the ledger is what it was.
        if changes.is_empty() && !summary.tasks.changed() {
            tx.rollback().await?;
            return Ok(summary);
        }
        changes.push(Change {
            actor,
            action: "import",
            entity: "plan_file",
            entity_id: plan_id.to_string(),
            before: None,
            after: Some(json!({
                "source": import.source,
                "added": summary.added.len(),
                "updated": summary.updated.len(),
                "unchanged": summary.unchanged,
            })),
        });
        append_all(&mut tx, self.backend(), changes).await?;
        crate::commit_unless(tx, import.dry_run).await?;
        Ok(summary)
    }

    /// Adds one item to the named plan inside the caller's transaction (a special inspection's
    /// new problem): the next free number, its units and people resolved as an import would;
    /// returns its id and number, journaled.
    pub(crate) async fn add_item_in(
        &self,
        conn: &mut AnyConnection,
        actor: &str,
        plan: &str,
        mut item: Item,
    ) -> Result<(i64, u32), StoreError> {
        let plan_id: i64 = sqlx::query_scalar("SELECT id FROM plans WHERE name = $1")
            .arg(plan)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "整改方案",
                key: plan.to_string(),
            })?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(number) FROM items WHERE plan_id = $1")
                .arg(plan_id)
                .fetch_one(&mut *conn)
                .await?;
        item.number = u32::try_from(last.unwrap_or(0) + 1).unwrap_or(u32::MAX);
        let mut org = OrgCache::load(conn, None).await?;
        let mut summary = ImportSummary::default();
        let item = cleaned_item(&item);
        org.resolve_item(conn, &item, &mut summary).await?;
        let ids = insert_items(
            conn,
            self.backend(),
            plan_id,
            std::slice::from_ref(&item),
            &org,
        )
        .await?;
        let id = ids
            .first()
            .copied()
            .ok_or_else(|| StoreError::Invalid("问题未写入".into()))?;
        append(
            conn,
            self.backend(),
            item_change(actor, "create", id, None, &item),
        )
        .await?;
        // A new problem naming a group is split at once, like an imported one.
        let settings = self.task_settings().await?;
        sync_all(conn, self.backend(), actor, settings).await?;
        Ok((id, item.number))
    }

    pub async fn plans(&self) -> Result<Vec<PlanRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.name, p.title, p.round, p.inspection_type, p.feedback_date,
                    p.doc_number, p.issued_on, (SELECT COUNT(*) FROM items i WHERE i.plan_id = p.id)
             FROM plans p ORDER BY p.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(plan_from_row).collect()
    }

    /// All items, or one plan's, in plan and number order.
    pub async fn ledger(&self, plan: Option<&str>) -> Result<Vec<StoredItem>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let plan_id = match plan {
            Some(name) => {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM plans WHERE name = $1")
                    .arg(name)
                    .fetch_optional(&mut *conn)
                    .await?;
                Some(id.ok_or_else(|| StoreError::NotFound {
                    what: "整改方案",
                    key: name.to_string(),
                })?)
            }
            None => None,
        };
        load_items(&mut conn, plan_id).await
    }

    /// The calendar notices loaded by the office, as (year, file text of that year's block).
    pub async fn calendar_notices(&self) -> Result<Vec<(i32, String)>, StoreError> {
        let rows = sqlx::query("SELECT year, body FROM calendar_notices ORDER BY year")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    stored_int(r.try_get(0)?, "calendar_notices.year")?,
                    r.try_get(1)?,
                ))
            })
            .collect()
    }

    /// The shipped working-day calendar with the years the office loaded on top.
    pub async fn work_calendar(&self) -> Result<rectify_core::calendar::WorkCalendar, StoreError> {
        let mut calendar = rectify_core::calendar::WorkCalendar::embedded();
        for (year, body) in self.calendar_notices().await? {
            let notices = rectify_core::calendar::parse_notices(&body).map_err(|e| {
                StoreError::Invalid(format!("数据库中 {year} 年的节假日数据无效：{e}"))
            })?;
            calendar.replace(notices);
        }
        Ok(calendar)
    }

    /// Stores each year's block, replacing an earlier load of the same year.
    pub async fn load_calendar_notices(
        &self,
        actor: &str,
        notices: &[(i32, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut changes = Vec::new();
        for (year, body) in notices {
            let before: Option<String> =
                sqlx::query_scalar("SELECT body FROM calendar_notices WHERE year = $1")
                    .arg(i64::from(*year))
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query("DELETE FROM calendar_notices WHERE year = $1")
                .arg(i64::from(*year))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO calendar_notices (year, body, loaded_at, loaded_by) VALUES ($1, $2, $3, $4)",
            )
            .arg(i64::from(*year))
            .arg(body.clone())
            .arg(now_utc())
            .arg(actor)
            .execute(&mut *tx)
            .await?;
            changes.push(Change {
                actor,
                action: if before.is_some() { "update" } else { "create" },
                entity: "calendar_year",
                entity_id: year.to_string(),
                before: before.map(|b| json!({ "body": b })),
                after: Some(json!({ "body": body })),
            });
        }
        append_all(&mut tx, self.backend(), changes).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn item_change<'a>(
    actor: &'a str,
    action: &'a str,
    id: i64,
    before: Option<&Item>,
    after: &Item,
) -> Change<'a> {
    Change {
        actor,
        action,
        entity: "item",
        entity_id: id.to_string(),
        before: before.map(Item::snapshot),
        after: Some(after.snapshot()),
    }
}

/// The deadline before its approved amendment, by item id, for the plan's amended items.
async fn amended_originals(
    conn: &mut AnyConnection,
    plan_id: i64,
) -> Result<HashMap<i64, String>, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, original_deadline_text FROM items
         WHERE plan_id = $1 AND original_deadline_text IS NOT NULL",
    )
    .arg(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Keeps an amended deadline the file does not know about, and records a file that says a
/// third one as a conflict unless the office settled it.
fn settle_amended(
    import: &PlanImport<'_>,
    stored: &StoredItem,
    original: &str,
    incoming: &mut Item,
    summary: &mut ImportSummary,
) {
    let amended = &stored.item.deadline;
    let file = incoming.deadline.text.clone();
    let number = stored.item.number;
    let keep = match amended_deadline(&amended.text, original, &file) {
        AmendedDeadline::Agrees => false,
        AmendedDeadline::Keep => true,
        AmendedDeadline::Conflict => {
            let settled = import
                .resolutions
                .iter()
                .find(|(n, _)| *n == number)
                .map(|(_, r)| *r);
            match settled {
                Some(Resolution::TakeFile) => false,
                Some(Resolution::KeepAmended) => true,
                None => {
                    summary.conflicts.push(DeadlineConflict {
                        number,
                        amended: amended.text.clone(),
                        original: original.to_string(),
                        file,
                    });
                    incoming.deadline = amended.clone();
                    return;
                }
            }
        }
    };
    if keep {
        summary.kept.push((number, amended.text.clone(), file));
        incoming.deadline = amended.clone();
    }
}

fn plan_json(plan: &Plan, title: &str) -> Value {
    json!({
        "name": plan.name,
        "title": title,
        "round": plan.round,
        "inspection_type": plan.inspection_type.map(|t| t.label_zh()),
        "feedback_date": plan.feedback_date.map(|d| d.to_string()),
        "doc_number": plan.doc_number,
        "issued_on": plan.issued_on.map(|d| d.to_string()),
    })
}

/// Creates the plan, or fills in metadata the import names; metadata it leaves out is kept.
async fn upsert_plan<'a>(
    conn: &mut AnyConnection,
    import: &PlanImport<'_>,
    actor: &'a str,
    summary: &mut ImportSummary,
    changes: &mut Vec<Change<'a>>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT id, name, title, round, inspection_type, feedback_date, doc_number, issued_on, 0
         FROM plans WHERE name = $1",
    )
    .arg(import.plan.name.clone())
    .fetch_optional(&mut *conn)
    .await?;
    let existing = row.as_ref().map(plan_from_row).transpose()?;
    let merged = match &existing {
        Some(record) => Plan {
            name: record.plan.name.clone(),
            round: import.plan.round.clone().or(record.plan.round.clone()),
            inspection_type: import.plan.inspection_type.or(record.plan.inspection_type),
            feedback_date: import.plan.feedback_date.or(record.plan.feedback_date),
            doc_number: import
                .plan
                .doc_number
                .clone()
                .or(record.plan.doc_number.clone()),
            issued_on: import.plan.issued_on.or(record.plan.issued_on),
        },
        None => import.plan.clone(),
    };
    let title = match &existing {
        Some(record) if import.title.is_empty() => record.title.clone(),
        _ => import.title.to_string(),
    };
    let date = |d: Option<Date>| d.map(|d| d.to_string());
    let id = match &existing {
        Some(record) if record.plan == merged && record.title == title => return Ok(record.id),
        Some(record) => {
            sqlx::query(
                "UPDATE plans SET title = $1, round = $2, inspection_type = $3, feedback_date = $4,
                 doc_number = $5, issued_on = $6 WHERE id = $7",
            )
            .arg(title.clone())
            .arg(merged.round.clone())
            .arg(merged.inspection_type.map(|t| t.code()))
            .arg(date(merged.feedback_date))
            .arg(merged.doc_number.clone())
            .arg(date(merged.issued_on))
            .arg(record.id)
            .execute(&mut *conn)
            .await?;
            record.id
        }
        None => {
            summary.plan_created = true;
            sqlx::query_scalar(
                "INSERT INTO plans (name, title, round, inspection_type, feedback_date, doc_number, issued_on, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .arg(merged.name.clone())
            .arg(title.clone())
            .arg(merged.round.clone())
            .arg(merged.inspection_type.map(|t| t.code()))
            .arg(date(merged.feedback_date))
            .arg(merged.doc_number.clone())
            .arg(date(merged.issued_on))
            .arg(now_utc())
            .fetch_one(&mut *conn)
            .await?
        }
    };
    changes.push(Change {
        actor,
        action: if existing.is_some() {
            "update"
        } else {
            "create"
        },
        entity: "plan",
        entity_id: id.to_string(),
        before: existing.as_ref().map(|r| plan_json(&r.plan, &r.title)),
        after: Some(plan_json(&merged, &title)),
    });
    Ok(id)
}

fn plan_from_row(row: &AnyRow) -> Result<PlanRecord, StoreError> {
    let date = |i: usize| -> Result<Option<Date>, StoreError> {
        Ok(row
            .try_get::<Option<String>, _>(i)?
            .as_deref()
            .and_then(Date::parse))
    };
    let kind: Option<String> = row.try_get(4)?;
    Ok(PlanRecord {
        id: row.try_get(0)?,
        title: row.try_get(2)?,
        plan: Plan {
            name: row.try_get(1)?,
            round: row.try_get(3)?,
            inspection_type: kind.as_deref().and_then(InspectionType::parse),
            feedback_date: date(5)?,
            doc_number: row.try_get(6)?,
            issued_on: date(7)?,
        },
        items: row.try_get(8)?,
    })
}

/// Units and people by name, creating the missing ones inside the import's transaction. Units
/// are matched by `names::key`, so one body spelt two ways (brackets, 人民政府/政府) is one unit;
/// new ones go under the city root, with the kind their name implies.
struct OrgCache {
    units: HashMap<String, i64>,
    people: HashMap<(String, String), i64>,
    root: Option<i64>,
    /// The city the tree is rooted in (its unit's name, or the plan title's city before it
    /// exists), for telling the city's own government from a county-level city's.
    city: Option<String>,
    created: Vec<(&'static str, String)>,
}

impl OrgCache {
    /// The tree as stored; `city` (from the plan's title) names the root to create when there
    /// is none.
    async fn load(conn: &mut AnyConnection, city: Option<String>) -> Result<OrgCache, StoreError> {
        let sql = format!("{} ORDER BY id", crate::org::SELECT_UNIT);
        let all = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(crate::org::unit_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let units: HashMap<String, i64> = all.iter().map(|u| (names::key(&u.name), u.id)).collect();
        let root = crate::org::home_city(&all);
        let city = root
            .filter(|u| u.kind == OrgKind::City)
            .map(|u| u.name.clone())
            .or(city);
        let rows = sqlx::query("SELECT id, name, position FROM people")
            .fetch_all(&mut *conn)
            .await?;
        let mut people = HashMap::new();
        for row in &rows {
            people.insert((row.try_get(1)?, row.try_get(2)?), row.try_get(0)?);
        }
        Ok(OrgCache {
            units,
            people,
            root: root.map(|u| u.id),
            city,
            created: Vec::new(),
        })
    }

    async fn resolve_item(
        &mut self,
        conn: &mut AnyConnection,
        item: &Item,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        if is_group(&item.lead_unit) {
            self.root(conn).await?;
        }
        for unit in item.units.iter().filter(|u| !is_group(u)) {
            if !self.units.contains_key(&names::key(unit)) {
                let kind = self.create_unit(conn, unit).await?;
                summary.created_units.push((unit.clone(), kind));
            }
        }
        for entry in item.leaders.iter().chain(&item.supervisors) {
            let key = split_person(entry);
            if !self.people.contains_key(&key) {
                self.create_person(conn, &key).await?;
                summary.created_people.push(entry.clone());
            }
        }
        Ok(())
    }

    /// The root every new unit goes under: the stored one, or the city created now (so the
    /// first unit a plan names never becomes the parent of all the others).
    async fn root(&mut self, conn: &mut AnyConnection) -> Result<i64, StoreError> {
        if let Some(root) = self.root {
            return Ok(root);
        }
        let name = self.city.clone().unwrap_or_else(|| "本级".to_string());
        let id = self.insert_unit(conn, None, &name, OrgKind::City).await?;
        self.root = Some(id);
        Ok(id)
    }

    async fn create_unit(
        &mut self,
        conn: &mut AnyConnection,
        name: &str,
    ) -> Result<OrgKind, StoreError> {
        let kind = names::kind_of(name, self.city.as_deref());
        let root = self.root(conn).await?;
        self.insert_unit(conn, Some(root), name, kind).await?;
        Ok(kind)
    }

    async fn insert_unit(
        &mut self,
        conn: &mut AnyConnection,
        parent: Option<i64>,
        name: &str,
        kind: OrgKind,
    ) -> Result<i64, StoreError> {
        let digest = Sha256::digest(name.as_bytes());
        let code = format!("u{}", hex::encode(&digest[..5]));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO org_units (parent_id, code, name, kind, sort_order)
             VALUES ($1, $2, $3, $4, 1000) RETURNING id",
        )
        .arg(parent)
        .arg(code)
        .arg(name)
        .arg(kind.code())
        .fetch_one(&mut *conn)
        .await?;
        self.units.insert(names::key(name), id);
        self.created.push(("org_unit", name.to_string()));
        Ok(id)
    }

    /// A new person belongs to the unit their title names ("市生态环境局局长"), else to the
    /// top of the tree.
    async fn create_person(
        &mut self,
        conn: &mut AnyConnection,
        (name, position): &(String, String),
    ) -> Result<(), StoreError> {
        let position_key = names::key(position);
        let named_unit = self
            .units
            .iter()
            .filter(|(unit, _)| position_key.starts_with(unit.as_str()))
            .max_by_key(|(unit, _)| unit.len())
            .map(|(_, id)| *id);
        let unit = match named_unit {
            Some(id) => id,
            None => self.root(conn).await?,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO people (name, position, unit_id) VALUES ($1, $2, $3) RETURNING id",
        )
        .arg(name.clone())
        .arg(position.clone())
        .arg(unit)
        .fetch_one(&mut *conn)
        .await?;
        self.people.insert((name.clone(), position.clone()), id);
        let label = if position.is_empty() {
            name.clone()
        } else {
            format!("{name}（{position}）")
        };
        self.created.push(("person", label));
        Ok(())
    }

    /// The item's lead as stored: the unit, or for a group the city root with the group's
    /// name kept as `lead_group`.
    fn lead(&self, name: &str) -> Result<(i64, Option<String>), StoreError> {
        if is_group(name) {
            let root = self.root.ok_or_else(|| StoreError::NotFound {
                what: "单位",
                key: "市（组织机构的根）".to_string(),
            })?;
            return Ok((root, Some(name.to_string())));
        }
        Ok((self.unit(name)?, None))
    }

    fn unit(&self, name: &str) -> Result<i64, StoreError> {
        self.units
            .get(&names::key(name))
            .copied()
            .ok_or_else(|| StoreError::NotFound {
                what: "单位",
                key: name.to_string(),
            })
    }

    fn person(&self, entry: &str) -> Result<i64, StoreError> {
        self.people
            .get(&split_person(entry))
            .copied()
            .ok_or_else(|| StoreError::NotFound {
                what: "人员",
                key: entry.to_string(),
            })
    }
}

fn bool_int(value: bool) -> i64 {
    i64::from(value)
}

fn stages_text(deadline: &Deadline) -> String {
    deadline
        .stages
        .iter()
        .map(Date::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

async fn insert_items(
    conn: &mut AnyConnection,
    backend: Backend,
    plan_id: i64,
    items: &[Item],
    org: &OrgCache,
) -> Result<Vec<i64>, StoreError> {
    let now = now_utc();
    for chunk in items.chunks(ITEMS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO items (plan_id, number, scope, category, source, problem, target, deadline_text,
             due_date, immediate, sustain, stages, needs_manual_date, state, remarks, lead_unit_id, updated_at,
             lead_group)
             VALUES {}",
            placeholders(backend, chunk.len(), ITEM_COLUMNS)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for item in chunk {
            let (lead, lead_group) = org.lead(&item.lead_unit)?;
            query = query
                .arg(plan_id)
                .arg(i64::from(item.number))
                .arg(item.scope.code())
                .arg(item.category.clone())
                .arg(item.source.code())
                .arg(item.problem.clone())
                .arg(item.target.clone())
                .arg(item.deadline.text.clone())
                .arg(item.deadline.due_date.map(|d| d.to_string()))
                .arg(bool_int(item.deadline.immediate))
                .arg(bool_int(item.deadline.sustain))
                .arg(stages_text(&item.deadline))
                .arg(bool_int(item.deadline.needs_manual_date))
                .arg(item.state.code())
                .arg(item.remarks.clone())
                .arg(lead)
                .arg(now.clone())
                .arg(lead_group);
        }
        query.execute(&mut *conn).await?;
    }
    let rows = sqlx::query("SELECT number, id FROM items WHERE plan_id = $1")
        .arg(plan_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut ids = HashMap::new();
    for row in &rows {
        ids.insert(row.try_get::<i64, _>(0)?, row.try_get::<i64, _>(1)?);
    }
    let ids: Vec<i64> = items
        .iter()
        .map(|i| ids.get(&i64::from(i.number)).copied().unwrap_or(0))
        .collect();
    let pairs: Vec<(i64, &Item)> = ids.iter().copied().zip(items).collect();
    insert_children(conn, backend, &pairs, org).await?;
    Ok(ids)
}

async fn replace_item(
    conn: &mut AnyConnection,
    backend: Backend,
    id: i64,
    item: &Item,
    org: &OrgCache,
) -> Result<(), StoreError> {
    let (lead, lead_group) = org.lead(&item.lead_unit)?;
    sqlx::query(
        "UPDATE items SET scope = $1, category = $2, source = $3, problem = $4, target = $5,
         deadline_text = $6, due_date = $7, immediate = $8, sustain = $9, stages = $10,
         needs_manual_date = $11, remarks = $12, lead_unit_id = $13, updated_at = $14, lead_group = $15
         WHERE id = $16",
    )
    .arg(item.scope.code())
    .arg(item.category.clone())
    .arg(item.source.code())
    .arg(item.problem.clone())
    .arg(item.target.clone())
    .arg(item.deadline.text.clone())
    .arg(item.deadline.due_date.map(|d| d.to_string()))
    .arg(bool_int(item.deadline.immediate))
    .arg(bool_int(item.deadline.sustain))
    .arg(stages_text(&item.deadline))
    .arg(bool_int(item.deadline.needs_manual_date))
    .arg(item.remarks.clone())
    .arg(lead)
    .arg(now_utc())
    .arg(lead_group)
    .arg(id)
    .execute(&mut *conn)
    .await?;
    let old_texts: Vec<String> =
        sqlx::query_scalar("SELECT text FROM item_measures WHERE item_id = $1 ORDER BY seq")
            .arg(id)
            .fetch_all(&mut *conn)
            .await?;
    // A measure the unit already reported done stays done if its text did not change.
    let done: Vec<(String, String)> = sqlx::query(
        "SELECT text, done_on FROM item_measures WHERE item_id = $1 AND done_on IS NOT NULL",
    )
    .arg(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_, StoreError>>()?;
    for table in ["item_measures", "item_units", "item_groups", "item_people"] {
        let sql = format!("DELETE FROM {table} WHERE item_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(id)
            .execute(&mut *conn)
            .await?;
    }
    insert_children(conn, backend, &[(id, item)], org).await?;
    let new_texts: Vec<String> = item.measures.iter().map(|m| m.text.clone()).collect();
    renumber_task_measures(conn, id, &old_texts, &new_texts).await?;
    for (text, done_on) in done {
        sqlx::query("UPDATE item_measures SET done_on = $1 WHERE item_id = $2 AND text = $3")
            .arg(done_on)
            .arg(id)
            .arg(text)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// One row of a child table, as the values to bind.
enum ChildValue {
    Int(i64),
    Text(String),
    Maybe(Option<String>),
}

async fn insert_children(
    conn: &mut AnyConnection,
    backend: Backend,
    items: &[(i64, &Item)],
    org: &OrgCache,
) -> Result<(), StoreError> {
    let mut measures = Vec::new();
    let mut units = Vec::new();
    let mut groups = Vec::new();
    let mut people = Vec::new();
    for (id, item) in items {
        for (seq, m) in item.measures.iter().enumerate() {
            measures.push(vec![
                ChildValue::Int(*id),
                ChildValue::Int(seq as i64),
                ChildValue::Text(m.text.clone()),
                ChildValue::Text(m.units.join("、")),
                ChildValue::Maybe(m.due.map(|d| d.to_string())),
            ]);
        }
        for (seq, unit) in item.units.iter().enumerate() {
            let place = [ChildValue::Int(*id), ChildValue::Int(seq as i64)];
            if is_group(unit) {
                groups.push(
                    place
                        .into_iter()
                        .chain([ChildValue::Text(unit.clone())])
                        .collect(),
                );
            } else {
                units.push(
                    place
                        .into_iter()
                        .chain([ChildValue::Int(org.unit(unit)?)])
                        .collect(),
                );
            }
        }
        for (role, list) in [("leader", &item.leaders), ("supervisor", &item.supervisors)] {
            for (seq, entry) in list.iter().enumerate() {
                people.push(vec![
                    ChildValue::Int(*id),
                    ChildValue::Text(role.to_string()),
                    ChildValue::Int(seq as i64),
                    ChildValue::Int(org.person(entry)?),
                ]);
            }
        }
    }
    let tables = [
        (
            "item_measures (item_id, seq, text, units, due_date)",
            measures,
        ),
        ("item_units (item_id, seq, unit_id)", units),
        ("item_groups (item_id, seq, name)", groups),
        ("item_people (item_id, role, seq, person_id)", people),
    ];
    for (table, rows) in tables {
        for chunk in rows.chunks(CHILD_ROWS_PER_INSERT) {
            let width = chunk.first().map_or(0, Vec::len);
            let sql = format!(
                "INSERT INTO {table} VALUES {}",
                placeholders(backend, chunk.len(), width)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for value in chunk.iter().flatten() {
                query = match value {
                    ChildValue::Int(v) => query.arg(*v),
                    ChildValue::Text(v) => query.arg(v.clone()),
                    ChildValue::Maybe(v) => query.arg(v.clone()),
                };
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Separators of the aggregated ledger text (ASCII record and unit separators). Text written
/// since the bind gate cannot hold them, but a database may (older versions, hand-written SQL).
/// A read therefore checks that the text splits into exactly one record per row and the
/// expected number of fields in each (`well_formed`); if not, it reads that part again with
/// every value escaped in SQL (`Escaping::Escaped`), which costs a third more time.
const ITEM_SEP: &str = "\u{1e}";
const FIELD_SEP: &str = "\u{1f}";
/// The escape character and its three escapes: itself, the record and the unit separator.
const ESC: char = '\u{1b}';
const ESCAPES: [(&str, &str); 3] = [
    ("\u{1b}", "\u{1b}0"),
    (ITEM_SEP, "\u{1b}1"),
    (FIELD_SEP, "\u{1b}2"),
];

/// The item with `clean_text` applied to every text it holds.
fn cleaned_item(item: &Item) -> Item {
    let list = |values: &[String]| values.iter().map(|v| clean_text(v)).collect::<Vec<_>>();
    let mut item = item.clone();
    for text in [
        &mut item.category,
        &mut item.problem,
        &mut item.target,
        &mut item.lead_unit,
        &mut item.remarks,
        &mut item.deadline.text,
    ] {
        *text = clean_text(text);
    }
    item.leaders = list(&item.leaders);
    item.supervisors = list(&item.supervisors);
    item.units = list(&item.units);
    for measure in &mut item.measures {
        measure.text = clean_text(&measure.text);
        measure.units = list(&measure.units);
    }
    item
}

/// Items with their measures, units and people, in four queries of one row each (and their
/// tasks in a fifth).
///
/// The SQLite driver hands rows across a thread one at a time, at ~30 µs a row: a 5,000-item
/// ledger is 55,000 child rows. Each query therefore aggregates its rows into one text
/// (`string_agg` of `concat_ws`, the same SQL on both backends), and the lists are put together
/// and ordered here.
/// The four aggregated queries: items, measures, units, people — their columns and tables.
const LEDGER_PARTS: [(&[&str], &str); 4] = [
    (
        &[
            "CAST(i.id AS TEXT)",
            "pl.name",
            "CAST(i.number AS TEXT)",
            "i.scope",
            "i.category",
            "i.source",
            "i.problem",
            "i.target",
            "i.deadline_text",
            "COALESCE(i.due_date, '')",
            "CAST(i.immediate AS TEXT)",
            "CAST(i.sustain AS TEXT)",
            "i.stages",
            "CAST(i.needs_manual_date AS TEXT)",
            "i.state",
            "i.remarks",
            "COALESCE(i.lead_group, o.name)",
            "i.updated_at",
            "CAST(i.plan_id AS TEXT)",
        ],
        "items i JOIN plans pl ON pl.id = i.plan_id JOIN org_units o ON o.id = i.lead_unit_id",
    ),
    (
        &[
            "CAST(c.item_id AS TEXT)",
            "CAST(c.seq AS TEXT)",
            "c.text",
            "c.units",
            "COALESCE(c.due_date, '')",
        ],
        "item_measures c JOIN items i ON i.id = c.item_id",
    ),
    (
        &["CAST(c.item_id AS TEXT)", "CAST(c.seq AS TEXT)", "c.name"],
        // Units and groups share the numbering of the item's list.
        "(SELECT c.item_id, c.seq, u.name FROM item_units c JOIN org_units u ON u.id = c.unit_id
          UNION ALL SELECT g.item_id, g.seq, g.name FROM item_groups g) c
         JOIN items i ON i.id = c.item_id",
    ),
    (
        &[
            "CAST(c.item_id AS TEXT)",
            "CAST(c.seq AS TEXT)",
            "c.role",
            "CASE WHEN p.position = '' THEN p.name ELSE p.name || '（' || p.position || '）' END",
        ],
        "item_people c JOIN items i ON i.id = c.item_id JOIN people p ON p.id = c.person_id",
    ),
];

/// Whether the text values of an aggregated read are escaped in SQL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escaping {
    Plain,
    Escaped,
}

/// `SELECT COUNT(*), string_agg(concat_ws(FIELD, columns…), ITEM) FROM … WHERE <plan filter>`;
/// escaped, every text column goes through `ESCAPES` (`$4`…`$9`); a number cast to text needs
/// no escape.
fn aggregated_sql((columns, from): (&[&str], &str), plan_key: i64, escaping: Escaping) -> String {
    let filter = if plan_key > 0 {
        "i.plan_id = $1"
    } else {
        "i.plan_id > $1"
    };
    let columns: Vec<String> = columns
        .iter()
        .map(|c| {
            if escaping == Escaping::Plain || c.starts_with("CAST(") {
                c.to_string()
            } else {
                format!("replace(replace(replace({c}, $4, $5), $6, $7), $8, $9)")
            }
        })
        .collect();
    let columns = columns.join(", ");
    format!("SELECT COUNT(*), string_agg(concat_ws($3, {columns}), $2) FROM {from} WHERE {filter}")
}

/// One part of the ledger as aggregated text: `(rows, text)`.
async fn aggregated<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    part: (&[&str], &str),
    plan_key: i64,
    escaping: Escaping,
) -> Result<(i64, String), StoreError> {
    let sql = aggregated_sql(part, plan_key, escaping);
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .arg(plan_key)
        .arg(Verbatim(ITEM_SEP))
        .arg(Verbatim(FIELD_SEP));
    if escaping == Escaping::Escaped {
        for (from, to) in ESCAPES {
            query = query.arg(Verbatim(from)).arg(Verbatim(to));
        }
    }
    let row = query.fetch_one(executor).await?;
    let text: Option<String> = row.try_get(1)?;
    Ok((row.try_get(0)?, text.unwrap_or_default()))
}

/// Whether a plain aggregated text splits exactly: as many records as rows (no stored record
/// separator) and `fields` fields in each (no stored unit separator).
fn well_formed(text: &str, rows: i64, fields: usize) -> bool {
    if text.is_empty() {
        return rows == 0;
    }
    let mut records = 0;
    for record in text.split(ITEM_SEP) {
        records += 1;
        if record.split(FIELD_SEP).count() != fields {
            return false;
        }
    }
    records == rows
}

/// The ledger as of one snapshot when `conn` is in a transaction: the four queries one after
/// the other on the same connection, each read again escaped if its plain text is ambiguous.
async fn load_items(
    conn: &mut AnyConnection,
    plan_id: Option<i64>,
) -> Result<Vec<StoredItem>, StoreError> {
    let key = plan_id.unwrap_or(0);
    let mut texts = Vec::with_capacity(LEDGER_PARTS.len());
    for part in LEDGER_PARTS {
        let (rows, text) = aggregated(&mut *conn, part, key, Escaping::Plain).await?;
        if well_formed(&text, rows, part.0.len()) {
            texts.push((text, Escaping::Plain));
        } else {
            let (_, text) = aggregated(&mut *conn, part, key, Escaping::Escaped).await?;
            texts.push((text, Escaping::Escaped));
        }
    }
    let mut items = assemble(&texts)?;
    let mut tasks = load_tasks(conn).await?;
    for stored in &mut items {
        stored.tasks = tasks.remove(&stored.id).unwrap_or_default();
    }
    Ok(items)
}

/// Items from the first text, their lists from the other three, each list in `seq` order.
fn assemble(texts: &[(String, Escaping)]) -> Result<Vec<StoredItem>, StoreError> {
    let [items_text, measures, units, people] = texts else {
        return Err(StoreError::Invalid("台账查询结果不完整".into()));
    };
    let mut items = Vec::new();
    for record in records(items_text) {
        let plan_id = Fields(&record).int(18)?;
        items.push((plan_id, item_from_fields(&record)?));
    }
    items.sort_unstable_by_key(|(plan_id, stored)| (*plan_id, stored.item.number));
    let mut items: Vec<StoredItem> = items.into_iter().map(|(_, stored)| stored).collect();
    let index: HashMap<i64, usize> = items.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut children: Vec<(usize, i64, Child)> = Vec::new();
    for (text, kind) in [
        (measures, ChildKind::Measure),
        (units, ChildKind::Unit),
        (people, ChildKind::Person),
    ] {
        for record in records(text) {
            let fields = Fields(&record);
            let Some(&at) = index.get(&fields.int(0)?) else {
                continue;
            };
            children.push((at, fields.int(1)?, kind.read(&fields)?));
        }
    }
    children.sort_unstable_by_key(|(at, seq, _)| (*at, *seq));
    for (at, _, child) in children {
        let item = &mut items[at].item;
        match child {
            Child::Measure(m) => item.measures.push(m),
            Child::Unit(u) => item.units.push(u),
            Child::Leader(p) => item.leaders.push(p),
            Child::Supervisor(p) => item.supervisors.push(p),
        }
    }
    Ok(items)
}

fn records((text, escaping): &(String, Escaping)) -> impl Iterator<Item = Vec<Cow<'_, str>>> {
    text.split(ITEM_SEP).filter(|r| !r.is_empty()).map(|r| {
        r.split(FIELD_SEP)
            .map(|field| match escaping {
                Escaping::Plain => Cow::Borrowed(field),
                Escaping::Escaped => unescaped(field),
            })
            .collect()
    })
}

/// A field as stored: the escapes of `aggregated_sql` undone.
fn unescaped(field: &str) -> Cow<'_, str> {
    if !field.contains(ESC) {
        return Cow::Borrowed(field);
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != ESC {
            out.push(c);
            continue;
        }
        let escaped = chars.next();
        match ESCAPES.iter().find(|(_, to)| to.chars().nth(1) == escaped) {
            Some((from, _)) => out.push_str(from),
            // Not written by `aggregated_sql`: kept as read.
            None => out.extend(std::iter::once(c).chain(escaped)),
        }
    }
    Cow::Owned(out)
}

#[derive(Clone, Copy)]
enum ChildKind {
    Measure,
    Unit,
    Person,
}

enum Child {
    Measure(Measure),
    Unit(String),
    Leader(String),
    Supervisor(String),
}

impl ChildKind {
    /// Reads the fields after (item_id, seq).
    fn read(self, fields: &Fields<'_>) -> Result<Child, StoreError> {
        Ok(match self {
            ChildKind::Measure => Child::Measure(Measure {
                text: fields.text(2)?,
                units: fields
                    .get(3)?
                    .split('、')
                    .filter(|u| !u.is_empty())
                    .map(str::to_string)
                    .collect(),
                due: fields.date(4)?,
            }),
            ChildKind::Unit => Child::Unit(fields.text(2)?),
            ChildKind::Person if fields.get(2)? == "leader" => Child::Leader(fields.text(3)?),
            ChildKind::Person => Child::Supervisor(fields.text(3)?),
        })
    }
}

/// The fields of one aggregated item, in the order `load_items` writes them.
struct Fields<'a>(&'a [Cow<'a, str>]);

impl Fields<'_> {
    fn get(&self, index: usize) -> Result<&str, StoreError> {
        self.0
            .get(index)
            .map(|field| field.as_ref())
            .ok_or_else(|| self.invalid(index))
    }

    fn invalid(&self, index: usize) -> StoreError {
        let value = self.0.get(index).map_or("（缺失）", |field| field.as_ref());
        StoreError::Invalid(format!("数据库中的台账第 {index} 列值无效：{value}"))
    }

    fn text(&self, index: usize) -> Result<String, StoreError> {
        self.get(index).map(str::to_string)
    }

    fn int(&self, index: usize) -> Result<i64, StoreError> {
        self.get(index)?.parse().map_err(|_| self.invalid(index))
    }

    fn flag(&self, index: usize) -> Result<bool, StoreError> {
        Ok(self.int(index)? != 0)
    }

    fn date(&self, index: usize) -> Result<Option<Date>, StoreError> {
        Ok(Date::parse(self.get(index)?))
    }

    fn parsed<T>(&self, index: usize, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
        parse(self.get(index)?).ok_or_else(|| self.invalid(index))
    }
}

fn item_from_fields(values: &[Cow<'_, str>]) -> Result<StoredItem, StoreError> {
    let row = Fields(values);
    let number = row.int(2)?;
    Ok(StoredItem {
        id: row.int(0)?,
        plan: row.text(1)?,
        updated_at: row.text(17)?,
        tasks: Vec::new(),
        item: Item {
            number: u32::try_from(number).map_err(|_| row.invalid(2))?,
            scope: row.parsed(3, Scope::parse)?,
            category: row.text(4)?,
            source: row.parsed(5, ItemSource::parse)?,
            problem: row.text(6)?,
            target: row.text(7)?,
            measures: Vec::new(),
            units: Vec::new(),
            leaders: Vec::new(),
            supervisors: Vec::new(),
            lead_unit: row.text(16)?,
            deadline: Deadline {
                text: row.text(8)?,
                due_date: row.date(9)?,
                immediate: row.flag(10)?,
                sustain: row.flag(11)?,
                stages: row.get(12)?.split(',').filter_map(Date::parse).collect(),
                needs_manual_date: row.flag(13)?,
            },
            state: row.parsed(14, ItemState::parse)?,
            remarks: row.text(15)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_separator_makes_the_plain_text_ill_formed() {
        let row = |fields: &[&str]| fields.join(FIELD_SEP);
        let two = [row(&["1", "a", "b"]), row(&["2", "c", "d"])].join(ITEM_SEP);
        assert!(well_formed(&two, 2, 3));
        assert!(well_formed("", 0, 3));
        assert!(!well_formed("", 1, 3));
        // A unit separator inside a value adds a field.
        let extra_field = [row(&["1", "a\u{1f}x", "b"]), row(&["2", "c", "d"])].join(ITEM_SEP);
        assert!(!well_formed(&extra_field, 2, 3));
        // A record separator inside a value, with fields forged around it so that every
        // record has three: only the row count gives it away.
        let forged = [
            row(&["1", "a", "b\u{1e}9\u{1f}x\u{1f}y"]),
            row(&["2", "c", "d"]),
        ];
        assert!(
            forged[0]
                .split(ITEM_SEP)
                .all(|r| r.split(FIELD_SEP).count() == 3)
        );
        assert!(!well_formed(&forged.join(ITEM_SEP), 2, 3));
    }

    #[test]
    fn escapes_are_undone_and_foreign_escapes_kept() {
        assert_eq!(
            unescaped("a\u{1b}1b\u{1b}2c\u{1b}0"),
            "a\u{1e}b\u{1f}c\u{1b}"
        );
        assert_eq!(unescaped("a\u{1b}9"), "a\u{1b}9");
        assert_eq!(unescaped("plain"), "plain");
    }
}
