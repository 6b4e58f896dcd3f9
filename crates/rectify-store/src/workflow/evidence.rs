//! Evidence files: the policy on size and type, who may file what, storing a file with its
//! metadata (alone or with the action it supports) and reading it back verified.

use super::{ItemRef, Loaded, find_item, load, refused};
use crate::attachments::Upload;
use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::{Store, StoreError, now_utc, stored_int};
use rectify_core::calendar::WorkCalendar;
use rectify_core::org::Role;
use rectify_core::workflow::{Action, Actor, EvidenceKind, Transition};
use rectify_exact::date::Date;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

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

impl Store {
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
        let media_type = self.checked_evidence(&new).await?;
        let mut tx = self.begin_write().await?;
        let item_id = find_item(&mut tx, item).await?;
        let loaded = load(&mut tx, item_id).await?;
        check_evidence_rights(actor, &loaded)?;
        let evidence = self
            .insert_evidence(&mut tx, actor, &loaded, &new, media_type, None)
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
            media_types.push(self.checked_evidence(new).await?);
        }
        let mut tx = self.begin_write().await?;
        if !evidence.is_empty() {
            let item_id = find_item(&mut tx, item).await?;
            let loaded = load(&mut tx, item_id).await?;
            check_evidence_rights(actor, &loaded)?;
            for (new, media_type) in evidence.iter().zip(media_types) {
                self.insert_evidence(&mut tx, actor, &loaded, new, media_type, None)
                    .await?;
            }
        }
        let done = self
            .act_in(&mut tx, actor, item, action, today, calendar)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// What is checked before any transaction: the file's type and size are accepted. Returns
    /// the sniffed media type.
    pub(crate) async fn checked_evidence(
        &self,
        new: &NewEvidence<'_>,
    ) -> Result<&'static str, StoreError> {
        self.accepted_media_type(new.file_name, new.file).await
    }

    /// The file into the attachment store and its row into `conn`'s transaction, journaled.
    /// `task_unit`: the member whose task the file supports; a file a member uploads to an
    /// item it has a task on is that task's.
    pub(crate) async fn insert_evidence(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        loaded: &Loaded,
        new: &NewEvidence<'_>,
        media_type: &'static str,
        task_unit: Option<i64>,
    ) -> Result<Evidence, StoreError> {
        if !new.kind.may_file(&actor.roles, loaded.facts.lead_is_group) {
            return Err(refused(format!(
                "角色不符：“{}”只能由{}上传",
                new.kind.label_zh(),
                new.kind.filers_zh()
            )));
        }
        let task_unit = task_unit.or_else(|| {
            (actor.roles.contains(&Role::Unit) && loaded.task_units.contains(&actor.unit_id))
                .then_some(actor.unit_id)
        });
        let item_id = loaded.id;
        if let Some(old) = new.supersedes {
            let owner: Option<(i64, Option<i64>)> =
                sqlx::query_as("SELECT item_id, task_unit_id FROM evidence WHERE id = $1")
                    .arg(old)
                    .fetch_optional(&mut *conn)
                    .await?;
            // A member replaces only its own task's files; the office any of the item's.
            let same_task = owner
                .is_some_and(|(_, unit)| unit == task_unit || actor.roles.contains(&Role::Office));
            if owner.map(|(item, _)| item) != Some(item_id) || !same_task {
                return Err(refused(format!(
                    "佐证材料 {old} 不属于第 {} 项",
                    loaded.number
                )));
            }
        }
        let stored = self.attachments().keep(new.file).await?;
        let uploaded_at = now_utc();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evidence (item_id, kind, title, file_name, sha256, size, media_type, uploaded_by, uploaded_at, supersedes, task_unit_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
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
        .arg(task_unit)
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
                "task_unit": task_unit,
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

    /// The evidence of each of the items (by row id), oldest first, on one connection.
    pub async fn evidence_of_items(
        &self,
        item_ids: &[i64],
    ) -> Result<Vec<(i64, Vec<Evidence>)>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let mut all = Vec::with_capacity(item_ids.len());
        for &id in item_ids {
            all.push((id, evidence_rows(&mut conn, id).await?));
        }
        Ok(all)
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
        let bytes = self.attachments().get_verified(&evidence.sha256).await?;
        Ok((evidence, bytes))
    }
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
        item_number: stored_int(row.try_get(1)?, "items.number")?,
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

pub(super) async fn evidence_rows(
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
