//! Applying workflow transitions, evidence, objections and monthly progress reports.
//!
//! The rules are `rectify_core::workflow`; this module loads what they look at, applies the
//! outcome and journals it, all in one write transaction.

use crate::attachments::Upload;
use crate::bind::Bind;
use crate::journal::{Change, append, append_all};
use crate::{Store, StoreError, now_utc};
use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::{DeadlineContext, parse_deadline};
use rectify_core::ledger::ItemState;
use rectify_core::org::Role;
use rectify_core::workflow::{
    Action, Actor, Context, EvidenceKind, Flow, ItemFacts, StateChange, StateHistory, Transition,
    WorkflowConfig, transition,
};
use rectify_exact::date::Date;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Which item: its number, and the plan when several plans are stored.
#[derive(Debug, Clone, Copy)]
pub struct ItemRef<'a> {
    pub plan: Option<&'a str>,
    pub number: u32,
}

/// Evidence as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub id: i64,
    /// The item's row id: numbers repeat across plans, so scope checks go by this.
    pub item_id: i64,
    pub item_number: u32,
    pub kind: EvidenceKind,
    pub title: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub supersedes: Option<i64>,
    /// A newer version exists.
    pub superseded: bool,
}

/// A new evidence file.
pub struct NewEvidence<'a> {
    pub kind: EvidenceKind,
    pub title: &'a str,
    pub file_name: &'a str,
    pub file: &'a Upload,
    pub supersedes: Option<i64>,
}

/// Limits on evidence files (settings `evidence.max_bytes`, `evidence.media_types`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidencePolicy {
    pub max_bytes: u64,
    pub media_types: Vec<String>,
}

impl Default for EvidencePolicy {
    fn default() -> Self {
        EvidencePolicy {
            max_bytes: 50 * 1024 * 1024,
            media_types: [
                "application/pdf",
                "image/jpeg",
                "image/png",
                "image/gif",
                "image/webp",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/msword",
                "application/vnd.ms-excel",
                "text/plain",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

/// The media type by the file's first bytes (`head`) and whether the whole file is plain text;
/// the name only tells the Office formats apart.
pub(crate) fn media_type_of(head: &[u8], text: bool, file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match head {
        [b'%', b'P', b'D', b'F', ..] => "application/pdf",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "image/webp",
        [b'P', b'K', 3, 4, ..] => match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => "application/zip",
        },
        [0xD0, 0xCF, 0x11, 0xE0, ..] => match ext.as_str() {
            "xls" => "application/vnd.ms-excel",
            _ => "application/msword",
        },
        _ if text => "text/plain",
        _ => "application/octet-stream",
    }
}

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
    pub status: String,
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

/// What the guards and the record need about one item.
struct Loaded {
    id: i64,
    number: u32,
    flow: Flow,
    facts: ItemFacts,
    deadline_text: String,
    original_deadline_text: Option<String>,
    issued_on: Option<Date>,
    unit_names: Vec<(i64, String)>,
}

const SELECT_FLOW: &str = "SELECT i.id, i.number, i.state, i.notice_opened, i.notice_last_day,
    i.objection_upheld, i.accountability, i.leader_signed, i.requires_upper_review, i.next_recheck,
    i.amendment_deadline, i.amendment_reason, i.rework_due, i.lead_unit_id, i.immediate, i.sustain,
    i.deadline_text, i.original_deadline_text, p.issued_on
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

async fn load(conn: &mut AnyConnection, id: i64) -> Result<Loaded, StoreError> {
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
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM objections WHERE item_id = $1 AND status = 'pending'",
    )
    .arg(id)
    .fetch_one(&mut *conn)
    .await?;
    let number: i64 = row.try_get(1)?;
    Ok(Loaded {
        id,
        number: u32::try_from(number).unwrap_or(0),
        facts: ItemFacts {
            lead_unit: row.try_get(13)?,
            units: unit_names.iter().map(|(id, _)| *id).collect(),
            immediate: flag(&row, 14)?,
            sustain: flag(&row, 15)?,
            measures: measures.len(),
            measures_done: measures.iter().filter(|d| d.is_some()).count(),
            evidence: kinds
                .iter()
                .filter_map(|k| EvidenceKind::parse(k))
                .collect(),
            pending_objections: usize::try_from(pending).unwrap_or(0),
        },
        flow,
        deadline_text: row.try_get(16)?,
        original_deadline_text: row.try_get(17)?,
        issued_on: opt_date(&row, 18)?,
        unit_names,
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

fn refused(refusal: impl ToString) -> StoreError {
    StoreError::Refused(refusal.to_string())
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

    async fn journal_transition(
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
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT i.id FROM items i WHERE i.state = 'PUBLIC_NOTICE' AND i.notice_last_day < $1
             AND NOT EXISTS (SELECT 1 FROM objections o WHERE o.item_id = i.id AND o.status = 'pending')",
        )
        .arg(today.to_string())
        .fetch_all(self.pool())
        .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let config = self.workflow_config().await?;
        let system = Actor::system();
        let mut tx = self.begin_write().await?;
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
             VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING id",
        )
        .arg(item_id)
        .arg(today.to_string())
        .arg(source)
        .arg(content)
        .arg(contact)
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

    /// The file's media type, if the evidence policy accepts its size and type.
    pub(crate) async fn accepted_media_type(
        &self,
        file_name: &str,
        file: &Upload,
    ) -> Result<&'static str, StoreError> {
        let policy = self.evidence_policy().await?;
        if file.size > policy.max_bytes {
            return Err(StoreError::TooLarge {
                file_name: file_name.to_string(),
                limit: policy.max_bytes,
            });
        }
        let media_type = file.media_type(file_name);
        if !policy.media_types.iter().any(|t| t == media_type) {
            return Err(refused(format!(
                "文件 {file_name} 的类型 {media_type} 不在允许的类型中（{}）",
                policy.media_types.join("、")
            )));
        }
        Ok(media_type)
    }

    /// Stores an evidence file for the item (content-addressed: the same bytes are stored once)
    /// and records its metadata; journaled with its SHA-256.
    pub async fn add_evidence(
        &self,
        actor: &Actor,
        item: ItemRef<'_>,
        new: NewEvidence<'_>,
    ) -> Result<Evidence, StoreError> {
        let media_type = self.checked_evidence(actor, &new).await?;
        let mut tx = self.begin_write().await?;
        let item_id = find_item(&mut tx, item).await?;
        let loaded = load(&mut tx, item_id).await?;
        check_evidence_rights(actor, &loaded)?;
        let evidence = self
            .insert_evidence(&mut tx, actor, &loaded, &new, media_type)
            .await?;
        tx.commit().await?;
        Ok(evidence)
    }

    /// Takes `action` with the files it brings, in one transaction: the files count for the
    /// action's guard, and a refused action keeps none of them.
    pub async fn act_with_evidence(
        &self,
        actor: &Actor,
        item: ItemRef<'_>,
        action: Action,
        evidence: &[NewEvidence<'_>],
        today: Date,
        calendar: &WorkCalendar,
    ) -> Result<Transition, StoreError> {
        let mut media_types = Vec::with_capacity(evidence.len());
        for new in evidence {
            media_types.push(self.checked_evidence(actor, new).await?);
        }
        let mut tx = self.begin_write().await?;
        if !evidence.is_empty() {
            let item_id = find_item(&mut tx, item).await?;
            let loaded = load(&mut tx, item_id).await?;
            check_evidence_rights(actor, &loaded)?;
            for (new, media_type) in evidence.iter().zip(media_types) {
                self.insert_evidence(&mut tx, actor, &loaded, new, media_type)
                    .await?;
            }
        }
        let done = self
            .act_in(&mut tx, actor, item, action, today, calendar)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// What is checked before any transaction: the kind is the actor's to file, the file's type
    /// and size are accepted. Returns the sniffed media type.
    async fn checked_evidence(
        &self,
        actor: &Actor,
        new: &NewEvidence<'_>,
    ) -> Result<&'static str, StoreError> {
        if !new.kind.may_file(&actor.roles) {
            return Err(refused(format!(
                "角色不符：“{}”只能由{}上传",
                new.kind.label_zh(),
                new.kind.filers_zh()
            )));
        }
        self.accepted_media_type(new.file_name, new.file).await
    }

    /// The file into the attachment store and its row into `conn`'s transaction, journaled.
    async fn insert_evidence(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        loaded: &Loaded,
        new: &NewEvidence<'_>,
        media_type: &'static str,
    ) -> Result<Evidence, StoreError> {
        let item_id = loaded.id;
        if let Some(old) = new.supersedes {
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT item_id FROM evidence WHERE id = $1")
                    .arg(old)
                    .fetch_optional(&mut *conn)
                    .await?;
            if owner != Some(item_id) {
                return Err(refused(format!(
                    "佐证材料 {old} 不属于第 {} 项",
                    loaded.number
                )));
            }
        }
        let stored = self.attachments().keep(new.file)?;
        let uploaded_at = now_utc();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evidence (item_id, kind, title, file_name, sha256, size, media_type, uploaded_by, uploaded_at, supersedes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .arg(item_id)
        .arg(new.kind.code())
        .arg(new.title)
        .arg(new.file_name)
        .arg(stored.sha256.clone())
        .arg(stored.size as i64)
        .arg(media_type)
        .arg(actor.username.clone())
        .arg(uploaded_at.clone())
        .arg(new.supersedes)
        .fetch_one(&mut *conn)
        .await?;
        let evidence = Evidence {
            id,
            item_id,
            item_number: loaded.number,
            kind: new.kind,
            title: new.title.to_string(),
            file_name: new.file_name.to_string(),
            sha256: stored.sha256,
            size: stored.size as i64,
            media_type: media_type.to_string(),
            uploaded_by: actor.username.clone(),
            uploaded_at,
            supersedes: new.supersedes,
            superseded: false,
        };
        let change = Change {
            actor: &actor.username,
            action: "create",
            entity: "evidence",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({
                "item": item_id, "kind": evidence.kind.code(), "title": evidence.title,
                "file_name": evidence.file_name, "sha256": evidence.sha256, "size": evidence.size,
                "media_type": evidence.media_type, "supersedes": evidence.supersedes,
            })),
        };
        append(conn, self.backend(), change).await?;
        Ok(evidence)
    }

    pub async fn evidence_policy(&self) -> Result<EvidencePolicy, StoreError> {
        let mut policy = EvidencePolicy::default();
        if let Some(max) = self
            .setting("evidence.max_bytes")
            .await?
            .and_then(|v| v.as_u64())
        {
            policy.max_bytes = max;
        }
        if let Some(Value::Array(list)) = self.setting("evidence.media_types").await? {
            policy.media_types = list
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect();
        }
        Ok(policy)
    }

    /// Every version of every evidence file of the item, oldest first.
    pub async fn evidence_of(&self, item: ItemRef<'_>) -> Result<Vec<Evidence>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let item_id = find_item(&mut conn, item).await?;
        evidence_rows(&mut conn, item_id).await
    }

    /// One evidence file's metadata, without reading the file (callers check the user's scope
    /// on its item first).
    pub async fn evidence(&self, id: i64) -> Result<Evidence, StoreError> {
        let sql = format!("{SELECT_EVIDENCE} WHERE e.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "佐证材料",
                key: id.to_string(),
            })?;
        evidence_from_row(&row)
    }

    /// The evidence file's metadata and content, refused if the stored file no longer matches
    /// the SHA-256 recorded (and journaled) when it was uploaded.
    pub async fn evidence_file(&self, id: i64) -> Result<(Evidence, Vec<u8>), StoreError> {
        let evidence = self.evidence(id).await?;
        let bytes = self.attachments().get_verified(&evidence.sha256)?;
        Ok((evidence, bytes))
    }

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
        let previous: Option<(i64, String)> = sqlx::query(
            "SELECT id, status FROM progress_reports WHERE item_id = $1 AND unit_id = $2 AND period = $3
             ORDER BY id DESC LIMIT 1",
        )
        .arg(item_id)
        .arg(actor.unit_id)
        .arg(report.period)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| Ok::<_, StoreError>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?;
        let closed = period_closed(period, today);
        let late = today > report_deadline(period, due_day, calendar);
        let done_text = join_numbers(report.done_measures);
        let evidence_text = join_numbers(report.evidence_ids);
        let (id, action, before) = match previous {
            Some((old, status)) if !closed && status != "confirmed" => {
                let before = report_json(&mut tx, old).await?;
                sqlx::query(
                    "UPDATE progress_reports SET text = $1, done_measures = $2, self_schedule = $3,
                     evidence_ids = $4, status = 'submitted', submitted_by = $5, submitted_on = $6,
                     late = $7, reviewed_by = NULL, review_note = '' WHERE id = $8",
                )
                .arg(report.text)
                .arg(done_text)
                .arg(report.self_schedule)
                .arg(evidence_text)
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
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, $10, $11) RETURNING id",
                )
                .arg(item_id)
                .arg(actor.unit_id)
                .arg(report.period)
                .arg(report.text)
                .arg(done_text)
                .arg(report.self_schedule)
                .arg(evidence_text)
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
        for number in report.done_measures {
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
        let before = report_json(&mut tx, report_id).await?;
        if before["status"] != "submitted" {
            return Err(refused(format!(
                "进展 {report_id} 不是待确认状态（{}）",
                before["status"]
            )));
        }
        sqlx::query("UPDATE progress_reports SET status = $1, reviewed_by = $2, review_note = $3 WHERE id = $4")
            .arg(if confirm { "confirmed" } else { "returned" })
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

    /// Every unit's report on every item it works on for the period, whatever the item's
    /// state (the caller decides which items were due a report), by unit in the org chart's
    /// order, then plan and number.
    pub async fn report_statuses(&self, period: &str) -> Result<Vec<ReportStatus>, StoreError> {
        parse_period(period)?;
        let rows = sqlx::query(
            "SELECT o.name, i.id, pl.name, i.number, i.state,
                    (SELECT MIN(r.late) FROM progress_reports r
                     WHERE r.item_id = i.id AND r.unit_id = c.unit_id AND r.period = $1 AND r.corrects IS NULL)
             FROM item_units c JOIN items i ON i.id = c.item_id JOIN org_units o ON o.id = c.unit_id
             JOIN plans pl ON pl.id = i.plan_id
             ORDER BY o.sort_order, o.id, pl.id, i.number",
        )
        .arg(period)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get(4)?;
                Ok(ReportStatus {
                    unit: row.try_get(0)?,
                    item_id: row.try_get(1)?,
                    plan: row.try_get(2)?,
                    number: u32::try_from(row.try_get::<i64, _>(3)?).unwrap_or(0),
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
}

/// An item's state as stored.
fn stored_state(code: &str) -> Result<ItemState, StoreError> {
    ItemState::parse(code)
        .ok_or_else(|| StoreError::Invalid(format!("数据库中的问题状态“{code}”无效")))
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
async fn apply(
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
            decide_objection(conn, loaded.id, *objection_id, "upheld", conclusion, actor).await?;
        }
        Action::Dismiss {
            objection_id,
            reason,
        } => {
            decide_objection(conn, loaded.id, *objection_id, "dismissed", reason, actor).await?;
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

async fn decide_objection(
    conn: &mut AnyConnection,
    item_id: i64,
    objection_id: i64,
    status: &str,
    decision: &str,
    actor: &Actor,
) -> Result<(), StoreError> {
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM objections WHERE id = $1 AND item_id = $2")
            .arg(objection_id)
            .arg(item_id)
            .fetch_optional(&mut *conn)
            .await?;
    match current.as_deref() {
        Some("pending") => {}
        Some(other) => return Err(refused(format!("异议 {objection_id} 已处理（{other}）"))),
        None => return Err(refused(format!("该问题没有编号为 {objection_id} 的异议"))),
    }
    sqlx::query("UPDATE objections SET status = $1, decision = $2, decided_by = $3 WHERE id = $4")
        .arg(status)
        .arg(decision)
        .arg(actor.username.clone())
        .arg(objection_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Unit staff may attach files to their own unit's items; the office, acceptance units,
/// supervisors and leaders to any item.
fn check_evidence_rights(actor: &Actor, loaded: &Loaded) -> Result<(), StoreError> {
    let any_item = [
        Role::Office,
        Role::Acceptance,
        Role::Supervisor,
        Role::Leader,
    ];
    if any_item.iter().any(|r| actor.roles.contains(r)) {
        return Ok(());
    }
    if actor.roles.contains(&Role::Unit) && loaded.facts.units.contains(&actor.unit_id) {
        return Ok(());
    }
    let units: Vec<&str> = loaded.unit_names.iter().map(|(_, n)| n.as_str()).collect();
    Err(refused(format!(
        "角色不符：只有第 {} 项的责任单位（{}）、整改办、验收单位、监管人或领导可以上传佐证材料",
        loaded.number,
        units.join("、")
    )))
}

const SELECT_EVIDENCE: &str =
    "SELECT e.id, i.number, e.kind, e.title, e.file_name, e.sha256, e.size,
    e.media_type, e.uploaded_by, e.uploaded_at, e.supersedes,
    (SELECT COUNT(*) FROM evidence n WHERE n.supersedes = e.id), e.item_id
    FROM evidence e JOIN items i ON i.id = e.item_id";

fn evidence_from_row(row: &AnyRow) -> Result<Evidence, StoreError> {
    let kind: String = row.try_get(2)?;
    let superseded: i64 = row.try_get(11)?;
    Ok(Evidence {
        id: row.try_get(0)?,
        item_id: row.try_get(12)?,
        item_number: u32::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0),
        kind: EvidenceKind::parse(&kind)
            .ok_or_else(|| StoreError::Invalid(format!("数据库中的材料类型“{kind}”无效")))?,
        title: row.try_get(3)?,
        file_name: row.try_get(4)?,
        sha256: row.try_get(5)?,
        size: row.try_get(6)?,
        media_type: row.try_get(7)?,
        uploaded_by: row.try_get(8)?,
        uploaded_at: row.try_get(9)?,
        supersedes: row.try_get(10)?,
        superseded: superseded > 0,
    })
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
enum ReportFilter<'a> {
    Period(&'a str),
    Item(i64),
    AwaitingReview,
}

/// The reports the filter selects, in one query.
async fn load_reports(
    conn: &mut AnyConnection,
    filter: ReportFilter<'_>,
) -> Result<Vec<Report>, StoreError> {
    let (condition, order) = match filter {
        ReportFilter::Period(_) => ("r.period = $1", "r.id"),
        ReportFilter::Item(_) => ("r.item_id = $1", "r.period DESC, r.id DESC"),
        ReportFilter::AwaitingReview => ("r.status = 'submitted'", "r.id"),
    };
    let sql = format!("{SELECT_REPORT} WHERE {condition} ORDER BY {order}");
    let query = sqlx::query(sqlx::AssertSqlSafe(sql));
    let query = match filter {
        ReportFilter::Period(period) => query.arg(period.to_string()),
        ReportFilter::Item(id) => query.arg(id),
        ReportFilter::AwaitingReview => query,
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
        item_number: u32::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0),
        unit: row.try_get(2)?,
        period: row.try_get(3)?,
        text: row.try_get(4)?,
        done_measures: split_numbers(&done),
        self_schedule: row.try_get(6)?,
        evidence_ids: split_numbers(&evidence),
        status: row.try_get(8)?,
        submitted_by: row.try_get(9)?,
        submitted_on: row.try_get(10)?,
        late: row.try_get::<i64, _>(11)? != 0,
        reviewed_by: row.try_get(12)?,
        review_note: row.try_get(13)?,
        corrects: row.try_get(14)?,
    })
}

async fn report_json(conn: &mut AnyConnection, id: i64) -> Result<Value, StoreError> {
    let r = load_report(conn, id).await?;
    Ok(json!({
        "item": r.item_number, "unit": r.unit, "period": r.period, "text": r.text,
        "done_measures": r.done_measures, "self_schedule": r.self_schedule,
        "evidence": r.evidence_ids, "status": r.status, "submitted_by": r.submitted_by,
        "submitted_on": r.submitted_on, "late": r.late, "reviewed_by": r.reviewed_by,
        "review_note": r.review_note, "corrects": r.corrects,
    }))
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

/// An objection as the office sees it (the contact is for the office only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    pub id: i64,
    pub received_on: String,
    pub source: String,
    pub content: String,
    pub contact: String,
    pub status: String,
    pub decision: String,
}

/// What [`Store::item_detail`] returns.
#[derive(Debug, Clone)]
pub struct ItemDetail {
    pub reports: Vec<Report>,
    pub evidence: Vec<Evidence>,
    pub objections: Vec<Objection>,
    pub journal: Vec<rectify_core::journal::JournalEntry>,
}

async fn evidence_rows(
    conn: &mut AnyConnection,
    item_id: i64,
) -> Result<Vec<Evidence>, StoreError> {
    let sql = format!("{SELECT_EVIDENCE} WHERE e.item_id = $1 ORDER BY e.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .arg(item_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(evidence_from_row).collect()
}

async fn objection_rows(
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
                status: r.try_get(5)?,
                decision: r.try_get(6)?,
            })
        })
        .collect()
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
    /// Everything the item page shows besides the ledger row and the workflow record, on one
    /// connection: reports (newest period first), evidence and objections (oldest first), and
    /// the journal entries of the item, its reports and its evidence in journal order.
    pub async fn item_detail(&self, item: ItemRef<'_>) -> Result<ItemDetail, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let id = find_item(&mut conn, item).await?;
        Ok(ItemDetail {
            reports: load_reports(&mut conn, ReportFilter::Item(id)).await?,
            evidence: evidence_rows(&mut conn, id).await?,
            objections: objection_rows(&mut conn, id).await?,
            journal: crate::journal::item_journal(&mut conn, id).await?,
        })
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
    /// The workflow record and guard facts of every item, in six queries whatever their
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
        let pending =
            "SELECT item_id, COUNT(*) FROM objections WHERE status = 'pending' GROUP BY item_id";
        for row in pairs(pending).fetch_all(&mut *conn).await? {
            if let Some(w) = all.get_mut(&row.try_get::<i64, _>(0)?) {
                w.facts.pending_objections =
                    usize::try_from(row.try_get::<i64, _>(1)?).unwrap_or(0);
            }
        }
        Ok(all)
    }
}
