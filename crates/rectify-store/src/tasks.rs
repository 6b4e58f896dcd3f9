//! Shared items' tasks (分解任务, #19): the groups a plan names resolved to their members, one
//! task per (item, member) kept in step with the plan, and the members' actions on their tasks.
//!
//! A group never becomes a unit. "各县（市、区）人民政府" in every spelling stands for the
//! city's county-level governments (units of kind county or district, and zones where the
//! setting `tasks.include_zones` says so); any other group (市直有关部门 …) for the members the
//! office keeps in `org_groups`. The group stays at its place in the item's list
//! (`item_groups`), so the item reads back as the plan wrote it.

use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::workflow::{ItemRef, NewEvidence, find_item, load, refused};
use crate::{Store, StoreError, invalid_stored};
use rectify_core::org::{OrgKind, names};
use rectify_core::task::{TaskAcceptance, TaskAction, TaskContext, TaskState, task_transition};
use rectify_core::workflow::Actor;
use rectify_exact::date::Date;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// One member's part of a shared item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTask {
    pub unit_id: i64,
    pub unit: String,
    pub state: TaskState,
    /// The last action's note, reason or opinion.
    pub note: String,
    /// The Beijing day of the last change.
    pub changed_on: Option<Date>,
    /// (1-based measure number, the day the member first reported it done).
    pub measures_done: Vec<(u32, Date)>,
    /// `YYYY-MM` of the member's latest report on the item.
    pub latest_report_period: Option<String>,
}

impl StoredTask {
    /// When each of the item's `measures` was done by this member, in the measures' order:
    /// what `Item::task_schedule` judges the member's part on.
    pub fn measures_done_on(&self, measures: usize) -> Vec<Option<Date>> {
        (1..=measures)
            .map(|n| {
                self.measures_done
                    .iter()
                    .find(|(m, _)| *m as usize == n)
                    .map(|(_, day)| *day)
            })
            .collect()
    }
}

/// How the groups of an import resolved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskSync {
    /// Tasks created, as (item number, member).
    pub created: Vec<(u32, String)>,
    /// Groups with no members, with the numbers of the items that name them.
    pub unresolved: Vec<(String, Vec<u32>)>,
    /// Tasks removed because the plan no longer implies them (never one a member worked on),
    /// as (item number, member).
    pub removed: Vec<(u32, String)>,
    /// Group names an older version stored as units, moved to their items' group lists.
    pub mended: usize,
}

impl TaskSync {
    /// Whether the database changed (unresolved groups only warn).
    pub fn changed(&self) -> bool {
        !self.created.is_empty() || !self.removed.is_empty() || self.mended > 0
    }

    /// The tasks created and the groups no member was found for, one line each.
    pub fn notes_zh(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.created.is_empty() {
            let mut items: Vec<u32> = self.created.iter().map(|(n, _)| *n).collect();
            items.dedup();
            notes.push(format!(
                "分解任务：{} 个问题由单位组负责，新建 {} 个县区（单位）任务",
                items.len(),
                self.created.len()
            ));
        }
        if !self.removed.is_empty() {
            let removed: Vec<String> = self
                .removed
                .iter()
                .map(|(n, unit)| format!("第{n}项 {unit}"))
                .collect();
            notes.push(format!(
                "分解任务：文件不再涉及、尚未开展的任务已删除：{}",
                removed.join("、")
            ));
        }
        if self.mended > 0 {
            notes.push(format!(
                "已将旧版本建为单位的 {} 处单位组名称改为按成员分解",
                self.mended
            ));
        }
        for (group, items) in &self.unresolved {
            let numbers: Vec<String> = items.iter().map(u32::to_string).collect();
            notes.push(format!(
                "警告：“{group}”找不到成员单位（第 {} 项），请维护其成员单位后重新解析",
                numbers.join("、")
            ));
        }
        notes
    }
}

/// The settings that decide a group's members and when a task is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TaskSettings {
    /// 开发区/园区管委会 count among 各县（区）政府 (`tasks.include_zones`, default no).
    pub include_zones: bool,
    /// `tasks.acceptance`: with the item (default) or per task.
    pub acceptance: TaskAcceptance,
}

/// Every group's members as stored: the county-level units and the office's lists.
pub(crate) struct Members {
    counties: Vec<(i64, String)>,
    listed: HashMap<String, Vec<(i64, String)>>,
}

impl Members {
    pub(crate) async fn load(
        conn: &mut AnyConnection,
        include_zones: bool,
    ) -> Result<Members, StoreError> {
        let rows = sqlx::query("SELECT id, name, kind FROM org_units ORDER BY sort_order, id")
            .fetch_all(&mut *conn)
            .await?;
        let mut counties = Vec::new();
        for row in &rows {
            let name: String = row.try_get(1)?;
            let kind: String = row.try_get(2)?;
            let county_level = kind == OrgKind::County.code()
                || kind == OrgKind::District.code()
                || (include_zones && kind == OrgKind::Zone.code());
            // A pseudo-unit an older import made of a group name is not a member of anything.
            if county_level && names::named(&name) == names::Named::Unit {
                counties.push((row.try_get(0)?, name));
            }
        }
        let rows = sqlx::query(
            "SELECT g.group_key, u.id, u.name FROM org_groups g JOIN org_units u ON u.id = g.unit_id
             ORDER BY u.sort_order, u.id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut listed: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for row in &rows {
            listed
                .entry(row.try_get(0)?)
                .or_default()
                .push((row.try_get(1)?, row.try_get(2)?));
        }
        Ok(Members { counties, listed })
    }

    /// The members `name` stands for; empty for one unit or an unresolved group.
    pub(crate) fn of(&self, name: &str) -> &[(i64, String)] {
        match names::named(name) {
            names::Named::Unit => &[],
            names::Named::CountyGovernments => &self.counties,
            names::Named::Listed(key) => self.listed.get(&key).map_or(&[], Vec::as_slice),
        }
    }
}

/// A task state as stored.
pub(crate) fn stored_task_state(code: &str) -> Result<TaskState, StoreError> {
    TaskState::parse(code).ok_or_else(|| invalid_stored(&format!("任务状态（{code}）")))
}

/// `tasks.acceptance` as stored (a JSON string); unset is per item.
pub(crate) fn parse_acceptance(
    value: Option<serde_json::Value>,
) -> Result<TaskAcceptance, StoreError> {
    let Some(value) = value else {
        return Ok(TaskAcceptance::default());
    };
    value
        .as_str()
        .and_then(TaskAcceptance::parse)
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "设置 tasks.acceptance 的值 {value} 无效（可选：{}）",
                TaskAcceptance::choices_with_codes()
            ))
        })
}

/// Refuses a value the task settings cannot take, before it is stored.
pub(crate) fn check_setting(key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
    match key {
        "tasks.acceptance" => parse_acceptance(Some(value.clone())).map(|_| ()),
        "tasks.include_zones" if !value.is_boolean() => Err(StoreError::Invalid(format!(
            "设置 tasks.include_zones 应为 true 或 false，而不是 {value}"
        ))),
        _ => Ok(()),
    }
}

/// Whether a unit name from a plan is a group.
pub fn is_group(name: &str) -> bool {
    names::named(name) != names::Named::Unit
}

/// Brings one item's tasks in step with the groups it names: a member without a task gets one
/// (未启动); a task of a member the plan no longer implies is removed only while nothing was
/// done on it (未启动, no report, no file), else kept. Returns the members given a task and
/// those whose task was removed.
pub(crate) async fn sync_item(
    conn: &mut AnyConnection,
    item_id: i64,
    groups: &[String],
    members: &Members,
) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let mut wanted: Vec<(i64, String)> = Vec::new();
    for group in groups {
        for member in members.of(group) {
            if !wanted.iter().any(|(id, _)| *id == member.0) {
                wanted.push(member.clone());
            }
        }
    }
    let existing: Vec<(i64, String, String)> = sqlx::query(
        "SELECT t.unit_id, t.state, u.name FROM item_tasks t JOIN org_units u ON u.id = t.unit_id
         WHERE t.item_id = $1",
    )
    .arg(item_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
    .collect::<Result<_, StoreError>>()?;
    let mut created = Vec::new();
    for (unit_id, name) in &wanted {
        if existing.iter().any(|(id, _, _)| id == unit_id) {
            continue;
        }
        sqlx::query("INSERT INTO item_tasks (item_id, unit_id, state) VALUES ($1, $2, $3)")
            .arg(item_id)
            .arg(*unit_id)
            .arg(TaskState::Pending.code())
            .execute(&mut *conn)
            .await?;
        created.push(name.clone());
    }
    let mut removed = Vec::new();
    for (unit_id, state, name) in &existing {
        if wanted.iter().any(|(id, _)| id == unit_id) || state != TaskState::Pending.code() {
            continue;
        }
        let deleted = sqlx::query(
            "DELETE FROM item_tasks WHERE item_id = $1 AND unit_id = $2
             AND NOT EXISTS (SELECT 1 FROM progress_reports r WHERE r.item_id = $1 AND r.unit_id = $2)
             AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.item_id = $1 AND e.task_unit_id = $2)",
        )
        .arg(item_id)
        .arg(*unit_id)
        .execute(&mut *conn)
        .await?;
        if deleted.rows_affected() > 0 {
            removed.push(name.clone());
        }
    }
    Ok((created, removed))
}

/// The tasks a sync created and removed on one item, journaled.
async fn journal_sync(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    actor: &str,
    (item_id, number): (i64, u32),
    groups: &[String],
    (created, removed): (&[String], &[String]),
) -> Result<(), StoreError> {
    for (action, members) in [("create", created), ("delete", removed)] {
        if members.is_empty() {
            continue;
        }
        let change = Change {
            actor,
            action,
            entity: "item_tasks",
            entity_id: item_id.to_string(),
            before: None,
            after: Some(json!({ "item": number, "groups": groups, "members": members })),
        };
        append(conn, backend, change).await?;
    }
    Ok(())
}

/// Every item's groups as stored: (item id, number, group names).
async fn stored_groups(
    conn: &mut AnyConnection,
) -> Result<Vec<(i64, u32, Vec<String>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT g.item_id, i.number, g.name FROM item_groups g JOIN items i ON i.id = g.item_id
         ORDER BY g.item_id, g.seq",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut items: Vec<(i64, u32, Vec<String>)> = Vec::new();
    for row in &rows {
        let id: i64 = row.try_get(0)?;
        let number = crate::stored_int(row.try_get(1)?, "items.number")?;
        let name: String = row.try_get(2)?;
        match items.last_mut() {
            Some(last) if last.0 == id => last.2.push(name),
            _ => items.push((id, number, vec![name])),
        }
    }
    Ok(items)
}

/// Moves group names an older import stored as units into `item_groups` (and a group lead to
/// `lead_group`, the city leading in its place), so they resolve like a fresh import's.
/// Returns (item id, group name) of each entry moved.
async fn mend_pseudo_units(conn: &mut AnyConnection) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.item_id, c.seq, u.id, u.name FROM item_units c JOIN org_units u ON u.id = c.unit_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let units = sqlx::query(crate::org::SELECT_UNIT)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(crate::org::unit_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let root = crate::org::home_city(&units).map(|u| u.id);
    let mut mended = Vec::new();
    for row in &rows {
        let name: String = row.try_get(3)?;
        if !is_group(&name) {
            continue;
        }
        let (item_id, seq, unit_id): (i64, i64, i64) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        sqlx::query("DELETE FROM item_units WHERE item_id = $1 AND seq = $2")
            .arg(item_id)
            .arg(seq)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO item_groups (item_id, seq, name) VALUES ($1, $2, $3)")
            .arg(item_id)
            .arg(seq)
            .arg(name.clone())
            .execute(&mut *conn)
            .await?;
        if let Some(root) = root {
            sqlx::query(
                "UPDATE items SET lead_group = $1, lead_unit_id = $2 WHERE id = $3 AND lead_unit_id = $4",
            )
            .arg(name.clone())
            .arg(root)
            .arg(item_id)
            .arg(unit_id)
            .execute(&mut *conn)
            .await?;
        }
        mended.push((item_id, name));
    }
    Ok(mended)
}

/// Resolves every stored item's groups inside the caller's transaction and journals what
/// changed: after an import, a change to the office's member lists or to the org tree.
pub(crate) async fn sync_all(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    actor: &str,
    settings: TaskSettings,
) -> Result<TaskSync, StoreError> {
    let mended = mend_pseudo_units(conn).await?;
    let members = Members::load(conn, settings.include_zones).await?;
    let mut sync = TaskSync {
        mended: mended.len(),
        ..TaskSync::default()
    };
    for (item_id, number, groups) in stored_groups(conn).await? {
        for group in &groups {
            if members.of(group).is_empty() {
                match sync.unresolved.iter_mut().find(|(g, _)| g == group) {
                    Some((_, items)) => items.push(number),
                    None => sync.unresolved.push((group.clone(), vec![number])),
                }
            }
        }
        let (created, removed) = sync_item(conn, item_id, &groups, &members).await?;
        journal_sync(
            conn,
            backend,
            actor,
            (item_id, number),
            &groups,
            (&created, &removed),
        )
        .await?;
        sync.created
            .extend(created.into_iter().map(|unit| (number, unit)));
        sync.removed
            .extend(removed.into_iter().map(|unit| (number, unit)));
    }
    if !mended.is_empty() {
        append(
            conn,
            backend,
            Change {
                actor,
                action: "update",
                entity: "item_groups",
                entity_id: "pseudo-units".to_string(),
                before: None,
                after: Some(json!({ "moved_from_units": mended })),
            },
        )
        .await?;
    }
    Ok(sync)
}

/// Every item's tasks: item id → tasks in the org chart's order.
pub(crate) async fn load_tasks(
    conn: &mut AnyConnection,
) -> Result<HashMap<i64, Vec<StoredTask>>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.item_id, t.unit_id, u.name, t.state, t.note, t.changed_on, t.measures_done,
                (SELECT MAX(r.period) FROM progress_reports r
                 WHERE r.item_id = t.item_id AND r.unit_id = t.unit_id)
         FROM item_tasks t JOIN org_units u ON u.id = t.unit_id ORDER BY t.item_id, u.sort_order, u.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tasks: HashMap<i64, Vec<StoredTask>> = HashMap::new();
    for row in &rows {
        let state: String = row.try_get(3)?;
        let changed_on: Option<String> = row.try_get(5)?;
        let done: String = row.try_get(6)?;
        tasks.entry(row.try_get(0)?).or_default().push(StoredTask {
            unit_id: row.try_get(1)?,
            unit: row.try_get(2)?,
            state: stored_task_state(&state)?,
            note: row.try_get(4)?,
            changed_on: changed_on.as_deref().and_then(Date::parse),
            measures_done: parse_measures_done(&done)?,
            latest_report_period: row.try_get(7)?,
        });
    }
    Ok(tasks)
}

/// Keeps each member's done measures on the same measure texts after a re-import renumbered
/// them (`old` and `new` are the item's measure texts before and after); a measure the file
/// dropped takes its marks with it.
pub(crate) async fn renumber_task_measures(
    conn: &mut AnyConnection,
    item_id: i64,
    old: &[String],
    new: &[String],
) -> Result<(), StoreError> {
    if old == new {
        return Ok(());
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT unit_id, measures_done FROM item_tasks WHERE item_id = $1")
            .arg(item_id)
            .fetch_all(&mut *conn)
            .await?;
    for (unit_id, text) in rows {
        let moved: Vec<(u32, Date)> = parse_measures_done(&text)?
            .into_iter()
            .filter_map(|(n, day)| {
                let text = old.get((n as usize).checked_sub(1)?)?;
                let at = new.iter().position(|t| t == text)?;
                Some((u32::try_from(at + 1).ok()?, day))
            })
            .collect();
        sqlx::query("UPDATE item_tasks SET measures_done = $1 WHERE item_id = $2 AND unit_id = $3")
            .arg(measures_done_text(&moved))
            .arg(item_id)
            .arg(unit_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// `1=2026-05-03,3=2026-06-01`.
fn parse_measures_done(text: &str) -> Result<Vec<(u32, Date)>, StoreError> {
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            pair.split_once('=')
                .and_then(|(n, d)| Some((n.parse().ok()?, Date::parse(d)?)))
                .ok_or_else(|| invalid_stored(&format!("任务完成措施（{pair}）")))
        })
        .collect()
}

fn measures_done_text(done: &[(u32, Date)]) -> String {
    done.iter()
        .map(|(n, d)| format!("{n}={d}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Records that the member's report of `today` marks `numbers` done on its task, and marks an
/// item measure done once every member still concerned has done it. Returns whether the
/// reporting unit has a task on the item.
pub(crate) async fn record_task_measures(
    conn: &mut AnyConnection,
    item_id: i64,
    unit_id: i64,
    numbers: &[u32],
    today: Date,
) -> Result<bool, StoreError> {
    let current: Option<String> = sqlx::query_scalar(
        "SELECT measures_done FROM item_tasks WHERE item_id = $1 AND unit_id = $2",
    )
    .arg(item_id)
    .arg(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(current) = current else {
        return Ok(false);
    };
    let mut done = parse_measures_done(&current)?;
    for n in numbers {
        if !done.iter().any(|(m, _)| m == n) {
            done.push((*n, today));
        }
    }
    done.sort_unstable();
    sqlx::query("UPDATE item_tasks SET measures_done = $1 WHERE item_id = $2 AND unit_id = $3")
        .arg(measures_done_text(&done))
        .arg(item_id)
        .arg(unit_id)
        .execute(&mut *conn)
        .await?;
    close_item_measures(conn, item_id, today).await?;
    Ok(true)
}

/// An item measure is done once every member not exempt has done it (a member whose task is
/// done has done them all).
/// Returns the 1-based numbers of the measures it closed, for the journal.
async fn close_item_measures(
    conn: &mut AnyConnection,
    item_id: i64,
    today: Date,
) -> Result<Vec<u32>, StoreError> {
    let rows = sqlx::query("SELECT state, measures_done FROM item_tasks WHERE item_id = $1")
        .arg(item_id)
        .fetch_all(&mut *conn)
        .await?;
    let measures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM item_measures WHERE item_id = $1")
        .arg(item_id)
        .fetch_one(&mut *conn)
        .await?;
    let mut concerned = Vec::new();
    for row in &rows {
        let state: String = row.try_get(0)?;
        let state = stored_task_state(&state)?;
        if state == TaskState::Exempt {
            continue;
        }
        let done: String = row.try_get(1)?;
        concerned.push((state.work_done(), parse_measures_done(&done)?));
    }
    // With every member found not concerned, nothing is left to do on the item's measures.
    let mut closed = Vec::new();
    for n in 1..=u32::try_from(measures).unwrap_or(0) {
        let all = concerned
            .iter()
            .all(|(finished, done)| *finished || done.iter().any(|(m, _)| *m == n));
        if all {
            let updated = sqlx::query(
                "UPDATE item_measures SET done_on = $1 WHERE item_id = $2 AND seq = $3 AND done_on IS NULL",
            )
            .arg(today.to_string())
            .arg(item_id)
            .arg(i64::from(n) - 1)
            .execute(&mut *conn)
            .await?;
            if updated.rows_affected() > 0 {
                closed.push(n);
            }
        }
    }
    Ok(closed)
}

/// A task's recorded changes: (business day, state before), oldest first.
#[derive(Debug, Clone, Default)]
pub struct TaskHistory {
    changes: Vec<(Date, TaskState)>,
}

impl TaskHistory {
    /// The state at the end of `day`: the one the first later change started from, else
    /// `current`.
    pub fn state_on(&self, current: TaskState, day: Date) -> TaskState {
        self.changes
            .iter()
            .find(|(on, _)| *on > day)
            .map_or(current, |(_, from)| *from)
    }
}

impl Store {
    /// Every task's recorded changes, by (item id, unit id), from the journal.
    pub async fn task_histories(&self) -> Result<HashMap<(i64, i64), TaskHistory>, StoreError> {
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT entity_id, before_json, after_json FROM journal WHERE entity = 'item_task' ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await?;
        let mut histories: HashMap<(i64, i64), TaskHistory> = HashMap::new();
        for (id, before, after) in rows {
            let key = id
                .split_once('/')
                .and_then(|(item, unit)| Some((item.parse().ok()?, unit.parse().ok()?)));
            let parse = |text: Option<String>| -> Option<serde_json::Value> {
                serde_json::from_str(text.as_deref()?).ok()
            };
            let (Some(key), Some(before), Some(after)) = (key, parse(before), parse(after)) else {
                return Err(invalid_stored(&format!("任务日志（{id}）")));
            };
            let from = before["state"].as_str().and_then(TaskState::parse);
            let on = after["on"].as_str().and_then(Date::parse);
            let (Some(from), Some(on)) = (from, on) else {
                return Err(invalid_stored(&format!("任务日志（{id}）")));
            };
            histories.entry(key).or_default().changes.push((on, from));
        }
        Ok(histories)
    }

    /// `tasks.include_zones` and `tasks.acceptance`.
    pub async fn task_settings(&self) -> Result<TaskSettings, StoreError> {
        let include_zones = self
            .setting("tasks.include_zones")
            .await?
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let acceptance = parse_acceptance(self.setting("tasks.acceptance").await?)?;
        Ok(TaskSettings {
            include_zones,
            acceptance,
        })
    }

    /// Resolves every item's groups again (after the org tree or a member list changed, or on
    /// a database an older version filled), journaled.
    pub async fn resolve_groups(&self, actor: &str) -> Result<TaskSync, StoreError> {
        let settings = self.task_settings().await?;
        let mut tx = self.begin_write().await?;
        let sync = sync_all(&mut tx, self.backend(), actor, settings).await?;
        tx.commit().await?;
        Ok(sync)
    }

    /// Sets the members of a group other than the counties (市直有关部门 …), by unit name or
    /// code, then resolves every item naming it; journaled.
    pub async fn set_group_members(
        &self,
        actor: &str,
        group: &str,
        units: &[String],
    ) -> Result<TaskSync, StoreError> {
        let key = match names::named(group) {
            names::Named::Listed(key) => key,
            names::Named::CountyGovernments => {
                return Err(refused(format!(
                    "“{group}”由系统按县区自动确定成员（县、区{}），不需要维护",
                    if self.task_settings().await?.include_zones {
                        "及开发区/园区"
                    } else {
                        ""
                    }
                )));
            }
            names::Named::Unit => {
                return Err(refused(format!(
                    "“{group}”是一个单位的名称，不是单位组（如“市直有关部门”“各成员单位”）"
                )));
            }
        };
        let settings = self.task_settings().await?;
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::new();
        for unit in units {
            let id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM org_units WHERE code = $1 OR name = $1")
                    .arg(unit.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            ids.push(id.ok_or_else(|| StoreError::NotFound {
                what: "单位",
                key: unit.clone(),
            })?);
        }
        sqlx::query("DELETE FROM org_groups WHERE group_key = $1")
            .arg(key.as_str())
            .execute(&mut *tx)
            .await?;
        for id in &ids {
            sqlx::query("INSERT INTO org_groups (group_key, unit_id) VALUES ($1, $2)")
                .arg(key.as_str())
                .arg(*id)
                .execute(&mut *tx)
                .await?;
        }
        append(
            &mut tx,
            self.backend(),
            Change {
                actor,
                action: "update",
                entity: "org_group",
                entity_id: key.clone(),
                before: None,
                after: Some(json!({ "group": group, "members": units })),
            },
        )
        .await?;
        let sync = sync_all(&mut tx, self.backend(), actor, settings).await?;
        tx.commit().await?;
        Ok(sync)
    }

    /// The office's member lists: (group key, member names).
    pub async fn group_members(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let members = Members::load(&mut conn, false).await?;
        let mut lists: Vec<(String, Vec<String>)> = members
            .listed
            .into_iter()
            .map(|(key, units)| (key, units.into_iter().map(|(_, n)| n).collect()))
            .collect();
        lists.sort();
        Ok(lists)
    }

    /// The item's tasks.
    pub async fn tasks_of(&self, item: ItemRef<'_>) -> Result<Vec<StoredTask>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let id = find_item(&mut conn, item).await?;
        Ok(load_tasks(&mut conn).await?.remove(&id).unwrap_or_default())
    }

    /// Takes `action` on `unit`'s task of the item (unit by name or code), with the files it
    /// brings, in one transaction and journaled: a refused action keeps none of them.
    pub async fn act_on_task(
        &self,
        actor: &Actor,
        item: ItemRef<'_>,
        unit: &str,
        action: TaskAction,
        evidence: &[NewEvidence<'_>],
        today: Date,
    ) -> Result<StoredTask, StoreError> {
        let settings = self.task_settings().await?;
        let mut media_types = Vec::with_capacity(evidence.len());
        for new in evidence {
            media_types.push(self.checked_evidence(new).await?);
        }
        let mut tx = self.begin_write().await?;
        let item_id = find_item(&mut tx, item).await?;
        let loaded = load(&mut tx, item_id).await?;
        let task = load_tasks(&mut tx)
            .await?
            .remove(&item_id)
            .unwrap_or_default()
            .into_iter()
            .find(|t| t.unit == unit || names::key(&t.unit) == names::key(unit))
            .ok_or_else(|| StoreError::NotFound {
                what: "分解任务",
                key: format!("第{}项 {unit}", loaded.number),
            })?;
        for (new, media_type) in evidence.iter().zip(media_types) {
            self.insert_evidence(&mut tx, actor, &loaded, new, media_type, Some(task.unit_id))
                .await?;
        }
        let files: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM evidence e WHERE e.item_id = $1 AND e.task_unit_id = $2
             AND NOT EXISTS (SELECT 1 FROM evidence n WHERE n.supersedes = e.id)",
        )
        .arg(item_id)
        .arg(task.unit_id)
        .fetch_one(&mut *tx)
        .await?;
        let cx = TaskContext {
            state: task.state,
            item_state: loaded.flow.state,
            task_unit: task.unit_id,
            actor_roles: &actor.roles,
            actor_unit: actor.unit_id,
            files: usize::try_from(files).unwrap_or(0),
            acceptance: settings.acceptance,
        };
        let (to, facts) = task_transition(&cx, &action).map_err(|r| refused(r.to_string()))?;
        let note = match &action {
            TaskAction::Start => task.note.clone(),
            TaskAction::Complete { note } => note.clone(),
            TaskAction::Exempt { reason } | TaskAction::Return { reason } => reason.clone(),
            TaskAction::Accept { opinion } => opinion.clone(),
        };
        sqlx::query(
            "UPDATE item_tasks SET state = $1, note = $2, changed_on = $3
             WHERE item_id = $4 AND unit_id = $5",
        )
        .arg(to.code())
        .arg(note.clone())
        .arg(today.to_string())
        .arg(item_id)
        .arg(task.unit_id)
        .execute(&mut *tx)
        .await?;
        let closed = if to.work_done() {
            close_item_measures(&mut tx, item_id, today).await?
        } else {
            Vec::new()
        };
        append(
            &mut tx,
            self.backend(),
            Change {
                actor: &actor.username,
                action: "update",
                entity: "item_task",
                entity_id: format!("{item_id}/{}", task.unit_id),
                before: Some(json!({ "state": task.state.code(), "note": task.note })),
                after: Some(json!({
                    "item": loaded.number, "unit": task.unit, "state": to.code(), "note": note,
                    "on": today.to_string(), "facts": facts, "files": files,
                    "closed_measures": closed,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(StoredTask {
            state: to,
            note,
            changed_on: Some(today),
            ..task
        })
    }
}
