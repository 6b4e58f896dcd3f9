//! Air monitoring data and settings.
//!
//! An import replaces the hours it carries and keeps the others; it is one transaction with one
//! journal entry naming the file, its SHA-256 and what it held, rather than an entry per hour:
//! monitoring data are measurements, not ledger decisions.

use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::{Store, StoreError};
use futures_util::TryStreamExt;
use rectify_air::daily::{EMPTY_MICRO_GRID, MISSING, MicroGrid};
use rectify_air::date::Date;
use rectify_air::exact::{Exact, parse_decimal};
use rectify_air::targets::YearTargets;
use rectify_core::monitoring::StoredStationDay;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
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

/// Days per INSERT statement: 10 parameters each, far below either backend's limit.
const DAYS_PER_INSERT: usize = 200;

/// The 24 values of one series as stored: micro-units separated by commas, empty when missing.
fn encode_series(hours: &[i64; 24]) -> String {
    let cells: Vec<String> = hours
        .iter()
        .map(|&v| {
            if v == MISSING {
                String::new()
            } else {
                v.to_string()
            }
        })
        .collect();
    cells.join(",")
}

fn decode_series(text: &str) -> Result<[i64; 24], StoreError> {
    let wrong_length = || {
        StoreError::Invalid(format!(
            "air_days 中的小时序列应有 24 项，实有 {}",
            text.split(',').count()
        ))
    };
    let mut hours = [MISSING; 24];
    let mut cells = text.split(',');
    for slot in &mut hours {
        let cell = cells.next().ok_or_else(wrong_length)?;
        if !cell.is_empty() {
            *slot = cell
                .parse()
                .map_err(|_| StoreError::Invalid(format!("air_days 中的数值无效：{cell}")))?;
        }
    }
    if cells.next().is_some() {
        return Err(wrong_length());
    }
    Ok(hours)
}

/// Incoming hours replace stored ones; hours the import lacks keep their stored value.
fn overlay(stored: &mut MicroGrid, incoming: &MicroGrid) {
    for (old, new) in stored.iter_mut().zip(incoming) {
        for (o, n) in old.iter_mut().zip(new) {
            if *n != MISSING {
                *o = *n;
            }
        }
    }
}

fn present_hours(grid: &MicroGrid) -> u64 {
    grid.iter().flatten().filter(|v| **v != MISSING).count() as u64
}

const SELECT_DAYS: &str =
    "SELECT s.name, s.city, d.date, d.so2, d.no2, d.co, d.o3, d.pm10, d.pm25, d.dust
     FROM air_days d JOIN air_stations s ON s.id = d.station_id";

fn day_from_row(row: &AnyRow) -> Result<StoredStationDay, StoreError> {
    let date_text: String = row.try_get(2)?;
    let date = Date::parse(&date_text)
        .ok_or_else(|| StoreError::Invalid(format!("air_days 中的日期无效：{date_text}")))?;
    let mut grid = EMPTY_MICRO_GRID;
    for (series, slot) in grid.iter_mut().enumerate() {
        // Borrowed from the row: six strings a row were six allocations.
        let text: &str = row.try_get(3 + series)?;
        *slot = decode_series(text)?;
    }
    Ok(StoredStationDay {
        station: row.try_get(0)?,
        city: row.try_get(1)?,
        date,
        grid,
        dust: row.try_get::<i64, _>(9)? != 0,
    })
}

/// Rows a blocking folder takes at a time, and how many such batches may wait for it.
const FOLD_ROWS: usize = 256;
const FOLD_BATCHES: usize = 4;

/// Sends the rows on in batches until they end or the folder stops taking them (it failed:
/// its error is the one to report).
async fn send_in_batches(
    mut rows: impl futures_util::Stream<Item = Result<AnyRow, sqlx::Error>> + Unpin,
    sender: tokio::sync::mpsc::Sender<Vec<AnyRow>>,
) -> Result<(), StoreError> {
    let mut batch = Vec::with_capacity(FOLD_ROWS);
    while let Some(row) = rows.try_next().await? {
        batch.push(row);
        if batch.len() == FOLD_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(FOLD_ROWS));
            if sender.send(full).await.is_err() {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        // A folder that stopped has its own error to report.
        let _ = sender.send(batch).await;
    }
    Ok(())
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
            if !station_ids.contains_key(d.station) {
                let id = upsert_station(&mut tx, d.station, d.city).await?;
                station_ids.insert(d.station, id);
            }
        }
        let (Some(from), Some(to)) = (
            days.iter().map(|d| d.date).min(),
            days.iter().map(|d| d.date).max(),
        ) else {
            return Err(StoreError::Invalid("文件中没有可导入的小时数据".into()));
        };
        let mut existing: HashMap<(String, Date), StoredStationDay> = HashMap::new();
        let sql = format!("{SELECT_DAYS} WHERE d.date >= $1 AND d.date <= $2");
        for row in sqlx::query(AssertSqlSafe(sql))
            .arg(from.to_string())
            .arg(to.to_string())
            .fetch_all(&mut *tx)
            .await?
        {
            let day = day_from_row(&row)?;
            existing.insert((day.station.clone(), day.date), day);
        }
        let mut rows: Vec<(i64, Date, MicroGrid, bool)> = Vec::with_capacity(days.len());
        let mut hours = 0;
        for d in days {
            hours += present_hours(d.grid);
            let (mut grid, mut dust) = (EMPTY_MICRO_GRID, false);
            if let Some(old) = existing.get(&(d.station.to_string(), d.date)) {
                (grid, dust) = (old.grid, old.dust);
            }
            overlay(&mut grid, d.grid);
            rows.push((station_ids[d.station], d.date, grid, dust || d.dust));
        }
        for chunk in rows.chunks(DAYS_PER_INSERT) {
            let sql = format!(
                "INSERT INTO air_days (station_id, date, so2, no2, co, o3, pm10, pm25, dust) VALUES {}
                 ON CONFLICT (station_id, date) DO UPDATE SET so2 = excluded.so2, no2 = excluded.no2,
                 co = excluded.co, o3 = excluded.o3, pm10 = excluded.pm10, pm25 = excluded.pm25,
                 dust = excluded.dust",
                self.row_placeholders(chunk.len(), 9)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (station, date, grid, dust) in chunk {
                q = q.arg(*station).arg(date.to_string());
                for series in grid {
                    q = q.arg(encode_series(series));
                }
                q = q.arg(i64::from(*dust));
            }
            q.execute(&mut *tx).await?;
        }
        let summary = AirImportSummary {
            stations: station_ids.len(),
            hours,
            from: Some(from),
            to: Some(to),
        };
        let after = json!({
            "source": source,
            "stations": summary.stations,
            "hours": summary.hours,
            "from": from.to_string(),
            "to": to.to_string(),
        });
        let change = Change {
            actor,
            action: "import",
            entity: "air_data",
            entity_id: source["sha256"].as_str().unwrap_or("").to_string(),
            before: None,
            after: Some(after),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// Every station-day in `from..=to`, in no particular order, folded into `into` by `fold`
    /// as it is read: two years of a city's station-days are 64,000 rows of six hourly grids
    /// (80 MB), which callers fold into daily values rather than hold. Unsorted, since sorting
    /// the wide rows made PostgreSQL spill them to disk (60 MB) before sending the first.
    ///
    /// The rows are decoded and folded on a blocking thread, a few hundred at a time through a
    /// short channel: a province's cities are half a second of CPU each, which on the async
    /// worker held up every other request waiting on that worker.
    pub async fn air_station_days<A: Send + 'static>(
        &self,
        from: Date,
        to: Date,
        into: A,
        mut fold: impl FnMut(&mut A, StoredStationDay) + Send + 'static,
    ) -> Result<A, StoreError> {
        let (sender, mut batches) = tokio::sync::mpsc::channel::<Vec<AnyRow>>(FOLD_BATCHES);
        let folder = tokio::task::spawn_blocking(move || {
            let mut folded = into;
            while let Some(rows) = batches.blocking_recv() {
                for row in &rows {
                    fold(&mut folded, day_from_row(row)?);
                }
            }
            Ok::<A, StoreError>(folded)
        });
        let sql = format!("{SELECT_DAYS} WHERE d.date >= $1 AND d.date <= $2");
        let query = sqlx::query(AssertSqlSafe(sql))
            .arg(from.to_string())
            .arg(to.to_string());
        let fetched = send_in_batches(query.fetch(self.pool()), sender).await;
        let folded = match folder.await {
            Ok(folded) => folded,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Cancelled: the runtime is shutting down.
            Err(e) => Err(StoreError::Corrupt(format!("空气质量数据汇总未完成：{e}"))),
        };
        fetched?;
        folded
    }

    /// The first and last date with air data.
    pub async fn air_date_range(&self) -> Result<Option<(Date, Date)>, StoreError> {
        self.date_range("SELECT MIN(date), MAX(date) FROM air_days")
            .await
    }

    pub async fn air_targets(&self, year: i32) -> Result<YearTargets, StoreError> {
        let [pm25, pm10, good_ratio] = self
            .decimal_setting(&targets_key(year), ["pm25", "pm10", "good_ratio"])
            .await?;
        Ok(YearTargets {
            pm25,
            pm10,
            good_ratio,
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

    /// `SELECT MIN(date), MAX(date) …` as dates.
    pub(crate) async fn date_range(
        &self,
        sql: &'static str,
    ) -> Result<Option<(Date, Date)>, StoreError> {
        let row = sqlx::query(sql).fetch_one(self.pool()).await?;
        let parse = |i: usize| -> Result<Option<Date>, StoreError> {
            let text: Option<String> = row.try_get(i)?;
            Ok(text.as_deref().and_then(Date::parse))
        };
        Ok(parse(0)?.zip(parse(1)?))
    }

    /// Fields of a JSON setting that hold decimal text, read exactly; absent ones are `None`.
    pub(crate) async fn decimal_setting<const N: usize>(
        &self,
        key: &str,
        fields: [&str; N],
    ) -> Result<[Option<Exact>; N], StoreError> {
        let value = self.setting(key).await?.unwrap_or(Value::Null);
        let mut out = [None; N];
        for (slot, name) in out.iter_mut().zip(fields) {
            if let Some(text) = value.get(name).and_then(Value::as_str) {
                *slot = parse_decimal(text)
                    .map_err(|e| StoreError::Invalid(format!("设置 {key} 的 {name}：{e}")))?;
            }
        }
        Ok(out)
    }

    pub async fn setting(&self, key: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .arg(key)
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
        crate::tasks::check_setting(key, value)?;
        let before = self.setting(key).await?;
        let mut tx = self.begin_write().await?;
        if crate::deliveries::ROUTED_BY_UNIT.contains(&key) {
            crate::deliveries::check_route_units(&mut tx, value).await?;
        }
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .arg(key)
        .arg(rectify_core::journal::canonical_json(value))
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
        // Whether zones count among the counties changes who has a task.
        if key == "tasks.include_zones" {
            let mut settings = self.task_settings().await?;
            settings.include_zones = value.as_bool().unwrap_or(false);
            crate::tasks::sync_all(&mut tx, self.backend(), actor, settings).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn upsert_station(
    conn: &mut sqlx::AnyConnection,
    name: &str,
    city: Option<&str>,
) -> Result<i64, StoreError> {
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM air_stations WHERE name = $1")
        .arg(name)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = existing {
        sqlx::query("UPDATE air_stations SET city = COALESCE($1, city) WHERE id = $2")
            .arg(city)
            .arg(id)
            .execute(&mut *conn)
            .await?;
        return Ok(id);
    }
    let id =
        sqlx::query_scalar("INSERT INTO air_stations (name, city) VALUES ($1, $2) RETURNING id")
            .arg(name)
            .arg(city)
            .fetch_one(&mut *conn)
            .await?;
    Ok(id)
}
