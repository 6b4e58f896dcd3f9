//! Workflow transitions: the acting user, applying an action and journaling it, closing
//! notices, and reading every item's workflow record and state history.

use super::objections::decide_objection;
use super::{
    ItemRef, Loaded, SELECT_FLOW, find_item, flag, flow_from_row, flow_json, load, refused,
    save_flow, stored_state,
};
use crate::bind::Bind;
use crate::journal::{Change, append, append_all};
use crate::{Store, StoreError};
use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::{DeadlineContext, parse_deadline};
use rectify_core::ledger::ItemState;
use rectify_core::org::Role;
use rectify_core::workflow::{
    Action, Actor, Context, EvidenceKind, Flow, ItemFacts, ObjectionStatus, StateChange,
    StateHistory, Transition, WorkflowConfig, transition,
};
use rectify_exact::date::Date;
use serde_json::{Value, json};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Current evidence of an item as journal references.
async fn evidence_refs(conn: &mut AnyConnection, item_id: i64) -> Result<Value, StoreError> {
    let rows = sqlx::query(
        "SELECT e.id, e.kind, e.sha256 FROM evidence e WHERE e.item_id = $1
         AND NOT EXISTS (SELECT 1 FROM evidence n WHERE n.supersedes = e.id) ORDER BY e.id",
    )
    .arg(item_id)
    .fetch_all(&mut *conn)
    .await?;
    let refs = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "id": r.try_get::<i64, _>(0)?,
                "kind": r.try_get::<String, _>(1)?,
                "sha256": r.try_get::<String, _>(2)?,
            }))
        })
        .collect::<Result<Vec<Value>, StoreError>>()?;
    Ok(Value::from(refs))
}

impl Store {
    /// The acting user, who must exist and be enabled.
    pub async fn actor(&self, username: &str) -> Result<Actor, StoreError> {
        let user = self.user(username).await?;
        if user.disabled {
            return Err(refused(format!("用户 {username} 已停用")));
        }
        Ok(Actor {
            username: user.username,
            roles: user.roles,
            unit_id: user.unit_id,
        })
    }

    pub async fn workflow_config(&self) -> Result<WorkflowConfig, StoreError> {
        let mut config = WorkflowConfig::default();
        if let Some(v) = self
            .setting("workflow.notice_workdays")
            .await?
            .and_then(|v| v.as_i64())
        {
            config.notice_workdays = i32::try_from(v).unwrap_or(config.notice_workdays);
        }
        if let Some(v) = self
            .setting("workflow.recheck_months")
            .await?
            .and_then(|v| v.as_i64())
        {
            config.recheck_months = i32::try_from(v).unwrap_or(config.recheck_months);
        }
        Ok(config)
    }

    /// Takes `action` on the item as `actor` on `today`, or refuses with the reason.
    pub async fn act(
        &self,
        actor: &Actor,
        item: ItemRef<'_>,
        action: Action,
        today: Date,
        calendar: &WorkCalendar,
    ) -> Result<Transition, StoreError> {
        self.act_with_evidence(actor, item, action, &[], today, calendar)
            .await
    }

    /// [`Store::act`] inside the caller's transaction.
    pub(crate) async fn act_in(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        item: ItemRef<'_>,
        action: Action,
        today: Date,
        calendar: &WorkCalendar,
    ) -> Result<Transition, StoreError> {
        let config = self.workflow_config().await?;
        let id = find_item(conn, item).await?;
        let loaded = load(conn, id).await?;
        let done = apply(conn, &loaded, actor, &action, today, calendar, config).await?;
        self.journal_transition(conn, actor, &loaded, &done).await?;
        Ok(done)
    }

    pub(super) async fn journal_transition(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        loaded: &Loaded,
        done: &Transition,
    ) -> Result<(), StoreError> {
        let mut after = flow_json(&done.flow);
        after["facts"] = done.facts.clone();
        after["evidence"] = evidence_refs(conn, loaded.id).await?;
        let change = Change {
            actor: &actor.username,
            action: done.facts["action"].as_str().unwrap_or("workflow"),
            entity: "item",
            entity_id: loaded.id.to_string(),
            before: Some(flow_json(&loaded.flow)),
            after: Some(after),
        };
        append(conn, self.backend(), change).await?;
        Ok(())
    }

    /// Closes every notice whose last day is before `today` and that has no undecided
    /// objection, as the system. Returns the item numbers moved to 待审签.
    pub async fn advance_notices(
        &self,
        today: Date,
        calendar: &WorkCalendar,
    ) -> Result<Vec<u32>, StoreError> {
        const DUE: &str =
            "SELECT i.id FROM items i WHERE i.state = 'PUBLIC_NOTICE' AND i.notice_last_day < $1
             AND NOT EXISTS (SELECT 1 FROM objections o WHERE o.item_id = i.id AND o.status = $2)";
        // Looked up first without the write lock: on most requests nothing is due.
        let due: Vec<i64> = sqlx::query_scalar(DUE)
            .arg(today.to_string())
            .arg(ObjectionStatus::Pending.code())
            .fetch_all(self.pool())
            .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let config = self.workflow_config().await?;
        let system = Actor::system();
        let mut tx = self.begin_write().await?;
        // Again under the lock: another request or server may have closed them meanwhile.
        let due: Vec<i64> = sqlx::query_scalar(DUE)
            .arg(today.to_string())
            .arg(ObjectionStatus::Pending.code())
            .fetch_all(&mut *tx)
            .await?;
        let mut closed = Vec::new();
        for id in due {
            let loaded = load(&mut tx, id).await?;
            let done = apply(
                &mut tx,
                &loaded,
                &system,
                &Action::CloseNotice,
                today,
                calendar,
                config,
            )
            .await?;
            self.journal_transition(&mut tx, &system, &loaded, &done)
                .await?;
            closed.push(loaded.number);
        }
        tx.commit().await?;
        Ok(closed)
    }
}

/// The state change a journal entry of an item records, if it records one (creation and
/// edits carry no `facts`).
fn state_change(entity_id: &str, after: Option<&str>) -> Option<(i64, StateChange)> {
    let after: Value = serde_json::from_str(after?).ok()?;
    let facts = &after["facts"];
    let change = StateChange {
        on: Date::parse(facts["on"].as_str()?)?,
        from: ItemState::parse(facts["from"].as_str()?)?,
        to: ItemState::parse(facts["to"].as_str()?)?,
    };
    Some((entity_id.parse().ok()?, change))
}

/// Applies a transition to the stored record (and, for an approved amendment, the deadline).
pub(super) async fn apply(
    conn: &mut AnyConnection,
    loaded: &Loaded,
    actor: &Actor,
    action: &Action,
    today: Date,
    calendar: &WorkCalendar,
    config: WorkflowConfig,
) -> Result<Transition, StoreError> {
    let cx = Context {
        flow: &loaded.flow,
        facts: &loaded.facts,
        actor,
        today,
        calendar,
        config,
    };
    let mut done = transition(&cx, action).map_err(refused)?;
    match action {
        Action::Uphold {
            objection_id,
            conclusion,
        } => {
            decide_objection(
                conn,
                loaded.id,
                *objection_id,
                ObjectionStatus::Upheld,
                conclusion,
                actor,
            )
            .await?;
        }
        Action::Dismiss {
            objection_id,
            reason,
        } => {
            decide_objection(
                conn,
                loaded.id,
                *objection_id,
                ObjectionStatus::Dismissed,
                reason,
                actor,
            )
            .await?;
        }
        Action::DecideAmendment { approve: true, .. } => {
            let new_text = done.facts["proposal"]["deadline"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let context = DeadlineContext {
                reference: loaded.issued_on,
                calendar,
            };
            let deadline = parse_deadline(&new_text, context);
            let original = loaded
                .original_deadline_text
                .clone()
                .unwrap_or(loaded.deadline_text.clone());
            sqlx::query(
                "UPDATE items SET deadline_text = $1, due_date = $2, immediate = $3, sustain = $4, stages = $5,
                 needs_manual_date = $6, original_deadline_text = $7 WHERE id = $8",
            )
            .arg(deadline.text.clone())
            .arg(deadline.due_date.map(|d| d.to_string()))
            .arg(i64::from(deadline.immediate))
            .arg(i64::from(deadline.sustain))
            .arg(deadline.stages.iter().map(Date::to_string).collect::<Vec<_>>().join(","))
            .arg(i64::from(deadline.needs_manual_date))
            .arg(original.clone())
            .arg(loaded.id)
            .execute(&mut *conn)
            .await?;
            done.facts["deadline"] =
                json!({ "from": loaded.deadline_text, "to": deadline.text, "original": original });
        }
        _ => {}
    }
    save_flow(conn, loaded.id, &done.flow).await?;
    Ok(done)
}

/// Sets whether sign-off needs the upper level's review; an office decision, journaled.
pub async fn set_upper_review(
    store: &Store,
    actor: &Actor,
    item: ItemRef<'_>,
    required: bool,
) -> Result<(), StoreError> {
    if !actor.roles.contains(&Role::Office) {
        return Err(refused("角色不符：只有整改办可以设定是否需要上级复核"));
    }
    let mut tx = store.begin_write().await?;
    let id = find_item(&mut tx, item).await?;
    let loaded = load(&mut tx, id).await?;
    let mut flow = loaded.flow.clone();
    flow.requires_upper_review = required;
    save_flow(&mut tx, id, &flow).await?;
    let changes = vec![Change {
        actor: &actor.username,
        action: "set-upper-review",
        entity: "item",
        entity_id: id.to_string(),
        before: Some(flow_json(&loaded.flow)),
        after: Some(flow_json(&flow)),
    }];
    append_all(&mut tx, store.backend(), changes).await?;
    tx.commit().await?;
    Ok(())
}

/// An item's workflow record and the facts its guards read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemWorkflow {
    pub flow: Flow,
    pub facts: ItemFacts,
    pub original_deadline_text: Option<String>,
    /// Completion date of each measure, in order.
    pub measures_done_on: Vec<Option<String>>,
}

impl ItemWorkflow {
    /// The measures' completion dates as dates (one that does not parse counts as not done).
    pub fn measures_done(&self) -> Vec<Option<Date>> {
        self.measures_done_on
            .iter()
            .map(|d| d.as_deref().and_then(Date::parse))
            .collect()
    }
}

impl Store {
    /// Every item's state now with its recorded changes (the journal's transitions, dated by
    /// their business day), by item id.
    pub async fn state_histories(&self) -> Result<HashMap<i64, StateHistory>, StoreError> {
        let current: Vec<(i64, String)> = sqlx::query_as("SELECT id, state FROM items")
            .fetch_all(self.pool())
            .await?;
        let mut histories = HashMap::new();
        for (id, state) in current {
            let current = stored_state(&state)?;
            histories.insert(
                id,
                StateHistory {
                    current,
                    changes: Vec::new(),
                },
            );
        }
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            // Only transitions carry facts; a quote inside a JSON string is escaped, so the
            // pattern cannot match an item's text.
            "SELECT entity_id, after_json FROM journal
             WHERE entity = 'item' AND after_json LIKE '%\"facts\":{%' ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await?;
        for (id, after) in &rows {
            let Some((id, change)) = state_change(id, after.as_deref()) else {
                continue;
            };
            if let Some(history) = histories.get_mut(&id) {
                history.changes.push(change);
            }
        }
        Ok(histories)
    }
}

impl Store {
    /// The workflow record and guard facts of every item, in seven queries whatever their
    /// number (the dashboard needs them all).
    pub async fn workflows(
        &self,
    ) -> Result<std::collections::HashMap<i64, ItemWorkflow>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(SELECT_FLOW.to_string()))
            .fetch_all(&mut *conn)
            .await?;
        let mut all = std::collections::HashMap::new();
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            let workflow = ItemWorkflow {
                flow: flow_from_row(row)?,
                facts: ItemFacts {
                    lead_unit: row.try_get(13)?,
                    units: Vec::new(),
                    immediate: flag(row, 14)?,
                    sustain: flag(row, 15)?,
                    measures: 0,
                    measures_done: 0,
                    evidence: Vec::new(),
                    pending_objections: 0,
                    lead_is_group: row.try_get::<Option<String>, _>(19)?.is_some(),
                    open_tasks: Vec::new(),
                },
                original_deadline_text: row.try_get(17)?,
                measures_done_on: Vec::new(),
            };
            all.insert(id, workflow);
        }
        let pairs = |sql: &'static str| sqlx::query(sql);
        for row in pairs("SELECT item_id, unit_id FROM item_units ORDER BY item_id, seq")
            .fetch_all(&mut *conn)
            .await?
        {
            if let Some(w) = all.get_mut(&row.try_get::<i64, _>(0)?) {
                w.facts.units.push(row.try_get(1)?);
            }
        }
        for row in pairs("SELECT item_id, done_on FROM item_measures ORDER BY item_id, seq")
            .fetch_all(&mut *conn)
            .await?
        {
            if let Some(w) = all.get_mut(&row.try_get::<i64, _>(0)?) {
                let done: Option<String> = row.try_get(1)?;
                w.facts.measures += 1;
                w.facts.measures_done += usize::from(done.is_some());
                w.measures_done_on.push(done);
            }
        }
        let current = "SELECT e.item_id, e.kind FROM evidence e
            WHERE NOT EXISTS (SELECT 1 FROM evidence n WHERE n.supersedes = e.id)";
        for row in pairs(current).fetch_all(&mut *conn).await? {
            let kind: String = row.try_get(1)?;
            if let (Some(w), Some(kind)) = (
                all.get_mut(&row.try_get::<i64, _>(0)?),
                EvidenceKind::parse(&kind),
            ) {
                w.facts.evidence.push(kind);
            }
        }
        let pending = sqlx::query(
            "SELECT item_id, COUNT(*) FROM objections WHERE status = $1 GROUP BY item_id",
        )
        .arg(ObjectionStatus::Pending.code());
        for row in pending.fetch_all(&mut *conn).await? {
            if let Some(w) = all.get_mut(&row.try_get::<i64, _>(0)?) {
                w.facts.pending_objections =
                    usize::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0);
            }
        }
        let acceptance = super::task_acceptance(&mut conn).await?;
        for (id, tasks) in crate::tasks::load_tasks(&mut conn).await? {
            if let Some(w) = all.get_mut(&id) {
                for task in tasks {
                    w.facts.units.push(task.unit_id);
                    if !task.state.finished(acceptance) {
                        w.facts.open_tasks.push(task.unit);
                    }
                }
            }
        }
        Ok(all)
    }
}
