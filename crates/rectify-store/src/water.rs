//! Surface-water sections, samples and targets.

use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::{Store, StoreError};
use rectify_core::monitoring::{StoredSample, StoredSection, WaterSampleRow, WaterSectionRow};
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use rectify_water::group::WaterTargets;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// Samples per INSERT statement: 5 parameters each, far below either backend's limit.
const SAMPLES_PER_INSERT: usize = 400;

fn targets_key(year: i32) -> String {
    format!("water.targets.{year}")
}

impl Store {
    /// Upserts the sections and samples of one file in one transaction, journaled once.
    pub async fn import_water(
        &self,
        actor: &str,
        source: &Value,
        sections: &[WaterSectionRow<'_>],
        samples: &[WaterSampleRow<'_>],
    ) -> Result<(usize, usize), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut ids: HashMap<&str, i64> = HashMap::new();
        for s in sections {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO water_sections (code, name, water_body, target_class, level, county, river, basin, drinking_source)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, water_body = excluded.water_body,
                 target_class = excluded.target_class, level = excluded.level, county = excluded.county,
                 river = excluded.river, basin = excluded.basin, drinking_source = excluded.drinking_source
                 RETURNING id",
            )
            .arg(s.code)
            .arg(s.name)
            .arg(s.water_body)
            .arg(s.target_class)
            .arg(s.level)
            .arg(s.county)
            .arg(s.river)
            .arg(s.basin)
            .arg(i64::from(s.drinking_source))
            .fetch_one(&mut *tx)
            .await?;
            ids.insert(s.code, id);
        }
        let mut rows = Vec::with_capacity(samples.len());
        for sample in samples {
            let id = match ids.get(sample.section) {
                Some(id) => *id,
                None => {
                    let id = sqlx::query_scalar("SELECT id FROM water_sections WHERE code = $1")
                        .arg(sample.section)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or_else(|| StoreError::NotFound {
                            what: "断面",
                            key: sample.section.to_string(),
                        })?;
                    ids.insert(sample.section, id);
                    id
                }
            };
            rows.push((id, sample));
        }
        // A file may repeat a section's sample: the last one wins, as a later import would. One
        // INSERT must not name a key twice (PostgreSQL refuses to update a row twice).
        let mut last: HashMap<(i64, &str), usize> = HashMap::new();
        for (i, (id, sample)) in rows.iter().enumerate() {
            last.insert((*id, sample.time), i);
        }
        let rows: Vec<_> = rows
            .iter()
            .enumerate()
            .filter(|(i, (id, sample))| last[&(*id, sample.time)] == *i)
            .map(|(_, row)| *row)
            .collect();
        for chunk in rows.chunks(SAMPLES_PER_INSERT) {
            let sql = format!(
                "INSERT INTO water_samples (section_id, time, date, readings, withdrawal) VALUES {}
                 ON CONFLICT (section_id, time) DO UPDATE SET date = excluded.date, readings = excluded.readings,
                 withdrawal = excluded.withdrawal",
                self.row_placeholders(chunk.len(), 5)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, sample) in chunk {
                q = q
                    .arg(*id)
                    .arg(sample.time)
                    .arg(sample.date.to_string())
                    .arg(sample.readings)
                    .arg(sample.withdrawal);
            }
            q.execute(&mut *tx).await?;
        }
        let after = json!({"source": source, "sections": sections.len(), "samples": samples.len()});
        let change = Change {
            actor,
            action: "import",
            entity: "water_data",
            entity_id: source["sha256"].as_str().unwrap_or("").to_string(),
            before: None,
            after: Some(after),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok((sections.len(), samples.len()))
    }

    pub async fn water_sections(&self) -> Result<Vec<StoredSection>, StoreError> {
        let rows = sqlx::query(
            "SELECT code, name, water_body, target_class, level, county, river, basin, drinking_source
             FROM water_sections ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredSection {
                    code: r.try_get(0)?,
                    name: r.try_get(1)?,
                    water_body: r.try_get(2)?,
                    target_class: r.try_get(3)?,
                    level: r.try_get(4)?,
                    county: r.try_get(5)?,
                    river: r.try_get(6)?,
                    basin: r.try_get(7)?,
                    drinking_source: r.try_get::<i64, _>(8)? != 0,
                })
            })
            .collect()
    }

    pub async fn water_samples(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<StoredSample>, StoreError> {
        let sql = "SELECT s.code, w.time, w.date, w.readings, w.withdrawal
             FROM water_samples w JOIN water_sections s ON s.id = w.section_id
             WHERE w.date >= $1 AND w.date <= $2 ORDER BY s.id, w.date";
        let rows = sqlx::query(AssertSqlSafe(sql))
            .arg(from.to_string())
            .arg(to.to_string())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let date: String = r.try_get(2)?;
                Ok(StoredSample {
                    section: r.try_get(0)?,
                    time: r.try_get(1)?,
                    date: Date::parse(&date).ok_or_else(|| {
                        StoreError::Invalid(format!("water_samples 中的日期无效：{date}"))
                    })?,
                    readings: r.try_get(3)?,
                    withdrawal: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The first and last sample date.
    pub async fn water_date_range(&self) -> Result<Option<(Date, Date)>, StoreError> {
        self.date_range("SELECT MIN(date), MAX(date) FROM water_samples")
            .await
    }

    pub async fn water_targets(&self, year: i32) -> Result<WaterTargets, StoreError> {
        let [i_to_iii_min, worse_than_v_max] = self
            .decimal_setting(&targets_key(year), ["i_to_iii_min", "worse_than_v_max"])
            .await?;
        Ok(WaterTargets {
            i_to_iii_min,
            worse_than_v_max,
        })
    }

    pub async fn set_water_targets(
        &self,
        actor: &str,
        year: i32,
        targets: &WaterTargets,
    ) -> Result<(), StoreError> {
        let text = |v: Option<Exact>| v.map(|v| v.to_fixed(1));
        let value = json!({
            "i_to_iii_min": text(targets.i_to_iii_min),
            "worse_than_v_max": text(targets.worse_than_v_max),
        });
        self.set_setting(actor, &targets_key(year), &value).await
    }
}
