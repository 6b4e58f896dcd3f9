//! Publications: frozen, versioned, already-redacted snapshots of what the public portal shows,
//! each with its approver; and the per-address throttle of the portal's objection form.

use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::{Store, StoreError, now_utc, stored_int};
use rectify_exact::date::Date;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// A stored publication.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub version: u32,
    pub snapshot_on: Date,
    pub approved_by: String,
    pub approved_at: String,
    /// What was chosen for publication ("items", "progress", "notices", "complaints", …).
    pub scope: Vec<String>,
    pub content: Value,
    pub sha256: String,
    /// The strings the office hid by hand in it.
    pub hide: Vec<String>,
}

impl Store {
    /// Freezes `content` as the next version; journaled with its hash.
    pub async fn publish(
        &self,
        approver: &str,
        scope: &[String],
        content: &Value,
        snapshot_on: Date,
        hide: &[String],
    ) -> Result<Publication, StoreError> {
        let text = serde_json::to_string(content)
            .map_err(|e| StoreError::Invalid(format!("发布内容无法序列化：{e}")))?;
        let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        let approved_at = now_utc();
        let mut tx = self.begin_write().await?;
        let version: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM publications")
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO publications (version, snapshot_on, approved_by, approved_at, scope, content_json, sha256, hide_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .arg(version)
        .arg(snapshot_on.to_string())
        .arg(approver)
        .arg(approved_at.clone())
        .arg(scope.join(","))
        .arg(text)
        .arg(sha256.clone())
        .arg(serde_json::to_string(hide).unwrap_or_else(|_| "[]".into()))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.backend(),
            Change {
                actor: approver,
                action: "publish",
                entity: "publication",
                entity_id: version.to_string(),
                before: None,
                after: Some(json!({ "scope": scope, "snapshot_on": snapshot_on.to_string(), "sha256": sha256 })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Publication {
            version: stored_int(version, "publications.version")?,
            snapshot_on,
            approved_by: approver.to_string(),
            approved_at,
            scope: scope.to_vec(),
            content: content.clone(),
            sha256,
            hide: hide.to_vec(),
        })
    }

    /// The newest version's number, to tell whether a cached copy is still current.
    pub async fn latest_publication_version(&self) -> Result<Option<u32>, StoreError> {
        let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM publications")
            .fetch_one(self.pool())
            .await?;
        Ok(version.and_then(|v| u32::try_from(v).ok()))
    }

    /// The version the portal serves: the newest.
    pub async fn latest_publication(&self) -> Result<Option<Publication>, StoreError> {
        let row = sqlx::query(
            "SELECT version, snapshot_on, approved_by, approved_at, scope, content_json, sha256, hide_json
             FROM publications ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let snapshot: String = row.try_get(1)?;
        let scope: String = row.try_get(4)?;
        let content: String = row.try_get(5)?;
        Ok(Some(Publication {
            version: stored_int(row.try_get(0)?, "publications.version")?,
            snapshot_on: Date::parse(&snapshot)
                .ok_or_else(|| StoreError::Invalid("发布记录的日期无效".into()))?,
            approved_by: row.try_get(2)?,
            approved_at: row.try_get(3)?,
            scope: scope
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            content: serde_json::from_str(&content)
                .map_err(|e| StoreError::Invalid(format!("发布内容无法读取：{e}")))?,
            sha256: row.try_get(6)?,
            hide: serde_json::from_str(&row.try_get::<String, _>(7)?)
                .map_err(|_| crate::invalid_stored("发布时隐去的文字"))?,
        }))
    }

    /// (version, snapshot date, approver, approved at, scope) of every publication, newest first.
    pub async fn publications(
        &self,
    ) -> Result<Vec<(u32, String, String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, snapshot_on, approved_by, approved_at, scope FROM publications ORDER BY version DESC",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    stored_int(r.try_get(0)?, "publications.version")?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect()
    }

    /// Counts a public post from `address` and says whether it is within `limit` per hour.
    /// Checked and counted in one statement, so parallel posts cannot all pass the limit, and
    /// one row per address however many posts come. A refused post restarts the hour, so a
    /// flood stays refused until it stops.
    pub async fn public_post_allowed(&self, address: &str, limit: u32) -> Result<bool, StoreError> {
        let now = crate::sessions::time_in_minutes(0);
        let _gate = self.write_gate().await;
        let posts: i64 = sqlx::query_scalar(
            "INSERT INTO post_throttle (key, window_start, posts) VALUES ($1, $2, 1)
             ON CONFLICT (key) DO UPDATE SET
               posts = CASE WHEN post_throttle.window_start > $3 THEN post_throttle.posts + 1 ELSE 1 END,
               window_start = CASE WHEN post_throttle.window_start > $3 AND post_throttle.posts < $4
                                   THEN post_throttle.window_start ELSE excluded.window_start END
             RETURNING posts",
        )
        .arg(format!("objection:{address}"))
        .arg(now)
        .arg(crate::sessions::time_in_minutes(-60))
        .arg(i64::from(limit))
        .fetch_one(self.pool())
        .await?;
        sqlx::query("DELETE FROM post_throttle WHERE window_start < $1")
            .arg(crate::sessions::time_in_minutes(-24 * 60))
            .execute(self.pool())
            .await?;
        Ok(posts <= i64::from(limit))
    }
}

impl Store {
    /// The latest confirmed progress report of each item: item id → (period, text).
    pub async fn latest_confirmed_progress(
        &self,
    ) -> Result<std::collections::HashMap<i64, (String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT item_id, period, text FROM progress_reports WHERE status = $1 ORDER BY period, id",
        )
        .arg(rectify_core::workflow::ProgressStatus::Confirmed.code())
        .fetch_all(self.pool())
        .await?;
        let mut latest = std::collections::HashMap::new();
        for row in &rows {
            latest.insert(
                row.try_get::<i64, _>(0)?,
                (row.try_get(1)?, row.try_get(2)?),
            );
        }
        Ok(latest)
    }
}
