//! Public objections during the notice: recording one (it moves the item) and deciding it.

use super::transitions::apply;
use super::{ItemRef, find_item, load, refused};
use crate::bind::Bind;
use crate::{Store, StoreError, invalid_stored};
use rectify_core::calendar::WorkCalendar;
use rectify_core::workflow::{Action, Actor, ObjectionStatus};
use rectify_exact::date::Date;
use serde_json::json;
use sqlx::{AnyConnection, Row};

/// An objection as the office sees it (the contact is for the office only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    pub id: i64,
    pub received_on: String,
    pub source: String,
    pub content: String,
    pub contact: String,
    pub status: ObjectionStatus,
    pub decision: String,
}

impl Store {
    /// Records a public objection during the notice (the contact stays private) and returns its id.
    pub async fn record_objection(
        &self,
        actor: &Actor,
        item: ItemRef<'_>,
        (source, content, contact): (&str, &str, &str),
        today: Date,
        calendar: &WorkCalendar,
    ) -> Result<i64, StoreError> {
        if content.trim().is_empty() {
            return Err(refused("“登记异议”需要填写异议内容"));
        }
        let config = self.workflow_config().await?;
        let mut tx = self.begin_write().await?;
        let item_id = find_item(&mut tx, item).await?;
        let objection_id: i64 = sqlx::query_scalar(
            "INSERT INTO objections (item_id, received_on, source, content, contact, status, recorded_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .arg(item_id)
        .arg(today.to_string())
        .arg(source)
        .arg(content)
        .arg(contact)
        .arg(ObjectionStatus::Pending.code())
        .arg(actor.username.clone())
        .fetch_one(&mut *tx)
        .await?;
        let loaded = load(&mut tx, item_id).await?;
        let action = Action::Object { objection_id };
        let mut done = apply(&mut tx, &loaded, actor, &action, today, calendar, config).await?;
        // The journal keeps what was objected to, not who objected.
        done.facts["source"] = json!(source);
        done.facts["content"] = json!(content);
        self.journal_transition(&mut tx, actor, &loaded, &done)
            .await?;
        tx.commit().await?;
        Ok(objection_id)
    }
}

pub(super) async fn decide_objection(
    conn: &mut AnyConnection,
    item_id: i64,
    objection_id: i64,
    status: ObjectionStatus,
    decision: &str,
    actor: &Actor,
) -> Result<(), StoreError> {
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM objections WHERE id = $1 AND item_id = $2")
            .arg(objection_id)
            .arg(item_id)
            .fetch_optional(&mut *conn)
            .await?;
    match current
        .as_deref()
        .map(stored_objection_status)
        .transpose()?
    {
        Some(ObjectionStatus::Pending) => {}
        Some(other) => {
            return Err(refused(format!(
                "异议 {objection_id} 已处理（{}）",
                other.code()
            )));
        }
        None => return Err(refused(format!("该问题没有编号为 {objection_id} 的异议"))),
    }
    sqlx::query("UPDATE objections SET status = $1, decision = $2, decided_by = $3 WHERE id = $4")
        .arg(status.code())
        .arg(decision)
        .arg(actor.username.clone())
        .arg(objection_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn objection_rows(
    conn: &mut AnyConnection,
    item_id: i64,
) -> Result<Vec<Objection>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, received_on, source, content, contact, status, decision FROM objections
         WHERE item_id = $1 ORDER BY id",
    )
    .arg(item_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Objection {
                id: r.try_get(0)?,
                received_on: r.try_get(1)?,
                source: r.try_get(2)?,
                content: r.try_get(3)?,
                contact: r.try_get(4)?,
                status: stored_objection_status(&r.try_get::<String, _>(5)?)?,
                decision: r.try_get(6)?,
            })
        })
        .collect()
}

/// An objection's status as stored.
fn stored_objection_status(code: &str) -> Result<ObjectionStatus, StoreError> {
    ObjectionStatus::parse(code).ok_or_else(|| invalid_stored("异议状态（objections.status）"))
}
