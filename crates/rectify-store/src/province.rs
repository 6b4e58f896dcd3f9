//! The province's own bulletins (省级通报), frozen in the province's database: each version is
//! a row with the rolled-up facts and their SHA-256, journaled like a city's bulletin.

use crate::bind::Bind;
use crate::dispatch::{BulletinKind, FrozenBulletin, Versioned, freeze_version, frozen_row};
use crate::{Store, StoreError};
use rectify_core::province::ProvinceFacts;
use rectify_exact::date::Date;
use serde_json::json;
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
        let mut extra = serde_json::Map::new();
        extra.insert("cities".into(), json!(sources));
        let mut tx = self.begin_write().await?;
        let frozen = freeze_version(
            &mut tx,
            self.backend(),
            Versioned {
                kind: BulletinKind::Province,
                period: &facts.period,
                issued_on,
                actor,
                json,
            },
            extra,
        )
        .await?;
        tx.commit().await?;
        Ok(frozen)
    }

    /// Every province bulletin version, newest first (without their facts).
    pub async fn province_bulletins(&self) -> Result<Vec<FrozenBulletin>, StoreError> {
        self.frozen_versions(BulletinKind::Province).await
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
