//! Air monitoring data and settings.
//!
//! An import replaces the hours it carries (upsert) and leaves the rest; it is one transaction
//! with one journal entry naming the file, its SHA-256 and what it held, rather than an entry per
//! hour: monitoring data are measurements, not ledger decisions.

use crate::journal::{Change, append};
use crate::{Store, StoreError};
use rectify_air::daily::{EMPTY_MICRO_GRID, MISSING, MicroGrid};
use rectify_air::date::Date;
use rectify_air::exact::{Exact, parse_exact};
use rectify_air::targets::YearTargets;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// One station-day to store.
#[derive(Debug, Clone)]
pub struct AirStationDay<'a> {
    pub station: &'a str,
    pub city: Option<&'a str>,
    pub date: Date,
    pub grid: &'a MicroGrid,
    pub dust: bool,
}

/// A station-day read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStationDay {
    pub station: String,
    pub city: Option<String>,
    pub date: Date,
    pub grid: MicroGrid,
    pub dust: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AirImportSummary {
    pub stations: usize,
    pub hours: u64,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

fn targets_key(year: i32) -> String {
    format!("air.targets.{year}")
}

/// One hour of one station as inserted.
struct HourRow {
    station_id: i64,
    date: String,
    hour: i64,
    values: [Option<i64>; 6],
    dust: i64,
}

/// Rows per INSERT statement: 12 parameters each, far below either backend's limit.
const ROWS_PER_INSERT: usize = 400;

fn nullable(v: i64) -> Option<i64> {
    (v != MISSING).then_some(v)
}

impl Store {
    /// Stores the station-days of one file in one transaction.
    pub async fn import_air(
        &self,
        actor: &str,
        source: &Value,
        days: &[AirStationDay<'_>],
    ) -> Result<AirImportSummary, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut station_ids: HashMap<&str, i64> = HashMap::new();
        for d in days {
            if station_ids.contains_key(d.station) {
                continue;
            }
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM air_stations WHERE name = $1")
                    .bind(d.station)
                    .fetch_optional(&mut *tx)
                    .await?;
            let id = match existing {
                Some(id) => {
                    sqlx::query("UPDATE air_stations SET city = COALESCE($1, city) WHERE id = $2")
                        .bind(d.city)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    id
                }
                None => {
                    sqlx::query_scalar(
                        "INSERT INTO air_stations (name, city) VALUES ($1, $2) RETURNING id",
                    )
                    .bind(d.station)
                    .bind(d.city)
                    .fetch_one(&mut *tx)
                    .await?
                }
            };
            station_ids.insert(d.station, id);
        }
        let mut rows: Vec<HourRow> = Vec::new();
        for d in days {
            for hour in 0..24 {
                let values: [Option<i64>; 6] = std::array::from_fn(|s| nullable(d.grid[s][hour]));
                if values.iter().any(Option::is_some) {
                    rows.push(HourRow {
                        station_id: station_ids[d.station],
                        date: d.date.to_string(),
                        hour: hour as i64,
                        values,
                        dust: i64::from(d.dust),
                    });
                }
            }
        }
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let placeholders: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p: Vec<String> = (1..=10).map(|k| format!("${}", i * 10 + k)).collect();
                    format!("({})", p.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO air_hourly (station_id, date, hour, so2, no2, co, o3, pm10, pm25, dust) VALUES {}
                 ON CONFLICT (station_id, date, hour) DO UPDATE SET so2 = excluded.so2, no2 = excluded.no2,
                 co = excluded.co, o3 = excluded.o3, pm10 = excluded.pm10, pm25 = excluded.pm25, dust = excluded.dust",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for row in chunk {
                q = q.bind(row.station_id).bind(row.date.clone()).bind(row.hour);
                for v in row.values {
                    q = q.bind(v);
                }
                q = q.bind(row.dust);
            }
            q.execute(&mut *tx).await?;
        }
        let summary = AirImportSummary {
            stations: station_ids.len(),
            hours: rows.len() as u64,
            from: days.iter().map(|d| d.date).min(),
            to: days.iter().map(|d| d.date).max(),
        };
        let after = json!({
            "source": source,
            "stations": summary.stations,
            "hours": summary.hours,
            "from": summary.from.map(|d| d.to_string()),
            "to": summary.to.map(|d| d.to_string()),
        });
        let change = Change {
            actor,
            action: "import",
            entity: "air_hourly",
            entity_id: source["sha256"].as_str().unwrap_or("").to_string(),
            before: None,
            after: Some(after),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Every station-day in `from..=to`, by station then date.
    pub async fn air_station_days(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<StoredStationDay>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.name, s.city, h.date, h.hour, h.so2, h.no2, h.co, h.o3, h.pm10, h.pm25, h.dust
             FROM air_hourly h JOIN air_stations s ON s.id = h.station_id
             WHERE h.date >= $1 AND h.date <= $2
             ORDER BY s.id, h.date, h.hour",
        )
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<StoredStationDay> = Vec::new();
        for row in &rows {
            let station: String = row.try_get(0)?;
            let date_text: String = row.try_get(2)?;
            let date = Date::parse(&date_text).ok_or_else(|| {
                StoreError::Invalid(format!("air_hourly 中的日期无效：{date_text}"))
            })?;
            let same_day = out
                .last()
                .is_some_and(|d| d.station == station && d.date == date);
            if !same_day {
                out.push(StoredStationDay {
                    station,
                    city: row.try_get(1)?,
                    date,
                    grid: EMPTY_MICRO_GRID,
                    dust: false,
                });
            }
            let Some(day) = out.last_mut() else { continue };
            let hour: i64 = row.try_get(3)?;
            let hour = usize::try_from(hour)
                .ok()
                .filter(|h| *h < 24)
                .ok_or_else(|| StoreError::Invalid(format!("air_hourly 中的小时无效：{hour}")))?;
            for series in 0..6 {
                let v: Option<i64> = row.try_get(4 + series)?;
                day.grid[series][hour] = v.unwrap_or(MISSING);
            }
            day.dust |= row.try_get::<i64, _>(10)? != 0;
        }
        Ok(out)
    }

    /// The first and last date with air data.
    pub async fn air_date_range(&self) -> Result<Option<(Date, Date)>, StoreError> {
        let row = sqlx::query("SELECT MIN(date), MAX(date) FROM air_hourly")
            .fetch_one(self.pool())
            .await?;
        let parse = |i: usize| -> Result<Option<Date>, StoreError> {
            let text: Option<String> = row.try_get(i)?;
            Ok(text.as_deref().and_then(Date::parse))
        };
        Ok(parse(0)?.zip(parse(1)?))
    }

    pub async fn air_targets(&self, year: i32) -> Result<YearTargets, StoreError> {
        let Some(v) = self.setting(&targets_key(year)).await? else {
            return Ok(YearTargets::default());
        };
        let field = |name: &str| -> Result<Option<Exact>, StoreError> {
            match v.get(name).and_then(Value::as_str) {
                None => Ok(None),
                Some(text) => parse_exact(text).map_err(|e| {
                    StoreError::Invalid(format!("{} 的 {name}：{e}", targets_key(year)))
                }),
            }
        };
        Ok(YearTargets {
            pm25: field("pm25")?,
            pm10: field("pm10")?,
            good_ratio: field("good_ratio")?,
        })
    }

    /// Stores a year's targets as decimal text, so they come back exactly.
    pub async fn set_air_targets(
        &self,
        actor: &str,
        year: i32,
        targets: &YearTargets,
    ) -> Result<(), StoreError> {
        let text = |v: Option<Exact>, decimals| v.map(|v| v.to_fixed(decimals));
        let value = json!({
            "pm25": text(targets.pm25, 0),
            "pm10": text(targets.pm10, 0),
            "good_ratio": text(targets.good_ratio, 1),
        });
        self.set_setting(actor, &targets_key(year), &value).await
    }

    pub async fn setting(&self, key: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| StoreError::Invalid(format!("设置 {key} 不是合法 JSON：{e}")))
        })
        .transpose()
    }

    /// Sets a setting, journaled with its previous value.
    pub async fn set_setting(
        &self,
        actor: &str,
        key: &str,
        value: &Value,
    ) -> Result<(), StoreError> {
        let before = self.setting(key).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(rectify_core::journal::canonical_json(value))
        .execute(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "set",
            entity: "setting",
            entity_id: key.to_string(),
            before,
            after: Some(value.clone()),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(())
    }
}
