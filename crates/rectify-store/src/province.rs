//! The province's own bulletins (省级通报), frozen in the province's database: each version is
//! a row with the rolled-up facts and their SHA-256, journaled like a city's bulletin.

use crate::bind::Bind;
use crate::dispatch::FrozenBulletin;
use crate::journal::{Change, append};
use crate::{Store, StoreError, now_utc};
use rectify_core::province::ProvinceFacts;
use rectify_exact::date::Date;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

impl Store {
    /// Stores the facts as the next version of their period's province bulletin, journaled
    /// with the facts' SHA-256 and the city bulletins it rolled up.
    pub async fn freeze_province_bulletin(
        &self,
        actor: &str,
        facts: &ProvinceFacts,
        issued_on: Date,
    ) -> Result<FrozenBulletin, StoreError> {
        let json = serde_json::to_string(facts)
            .map_err(|e| StoreError::Invalid(format!("省级通报数据无法保存：{e}")))?;
        let sha256 = hex::encode(Sha256::digest(json.as_bytes()));
        let sources: Vec<_> = facts
            .cities
            .iter()
            .map(|c| {
                json!({
                    "city": c.code,
                    "version": c.source.as_ref().map(|s| s.version),
                    "sha256": c.source.as_ref().map(|s| s.sha256.clone()),
                })
            })
            .collect();
        let mut tx = self.begin_write().await?;
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM province_bulletins WHERE period = $1")
                .arg(facts.period.clone())
                .fetch_one(&mut *tx)
                .await?;
        let version = last.unwrap_or(0) + 1;
        let created_at = now_utc();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO province_bulletins (period, version, issued_on, created_at, created_by, facts_json, sha256)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .arg(facts.period.clone())
        .arg(version)
        .arg(issued_on.to_string())
        .arg(created_at.clone())
        .arg(actor)
        .arg(json)
        .arg(sha256.clone())
        .fetch_one(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "create",
            entity: "province_bulletin",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({
                "period": facts.period,
                "version": version,
                "sha256": sha256,
                "cities": sources,
            })),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(FrozenBulletin {
            id,
            period: facts.period.clone(),
            version: u32::try_from(version).unwrap_or(u32::MAX),
            issued_on: issued_on.to_string(),
            created_at,
            created_by: actor.to_string(),
            sha256,
        })
    }

    /// Every province bulletin version, newest first (without their facts).
    pub async fn province_bulletins(&self) -> Result<Vec<FrozenBulletin>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, period, version, created_at, created_by, '', sha256, issued_on
             FROM province_bulletins ORDER BY period DESC, version DESC",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(frozen_row).collect()
    }

    /// One version of a period's province bulletin with its facts.
    pub async fn province_bulletin(
        &self,
        period: &str,
        version: u32,
    ) -> Result<(FrozenBulletin, ProvinceFacts), StoreError> {
        let row = sqlx::query(
            "SELECT id, period, version, created_at, created_by, facts_json, sha256, issued_on
             FROM province_bulletins WHERE period = $1 AND version = $2",
        )
        .arg(period)
        .arg(i64::from(version))
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "省级通报",
            key: format!("{period} 第{version}版"),
        })?;
        let json: String = row.try_get(5)?;
        let facts = serde_json::from_str(&json)
            .map_err(|e| StoreError::Invalid(format!("数据库中的省级通报数据无法读取：{e}")))?;
        Ok((frozen_row(&row)?, facts))
    }
}

/// Columns: id, period, version, created_at, created_by, (facts), sha256, issued_on.
fn frozen_row(row: &sqlx::any::AnyRow) -> Result<FrozenBulletin, StoreError> {
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
