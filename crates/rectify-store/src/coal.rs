//! Coal consumption and clean heating per county: monthly figures, yearly caps and households
//! switched, each change journaled.

use crate::bind::Bind;
use crate::complaints::unit_named;
use crate::journal::{Change, append};
use crate::{Store, StoreError, stored_int};
use rectify_core::coal::{CoalFigures, CoalYear};
use rectify_exact::exact::{Exact, parse_decimal};
use serde_json::json;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// A figure in 万吨 as written: a non-negative decimal.
fn tons(text: &str, what: &str) -> Result<Exact, StoreError> {
    parse_decimal(text.trim())
        .ok()
        .flatten()
        .ok_or_else(|| StoreError::Invalid(format!("{what}“{text}”应为非负数（万吨）")))
}

/// A county's yearly targets; `None` leaves a part as it is.
pub struct CoalTargets<'a> {
    pub cap: Option<&'a str>,
    pub heating_target: Option<u32>,
    pub heating_gas: Option<u32>,
    pub heating_electric: Option<u32>,
}

impl Store {
    /// Records (or corrects) a county's coal consumption for a month.
    pub async fn record_coal(
        &self,
        actor: &str,
        county: &str,
        year: i32,
        month: u8,
        value: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        self.record_coal_in(&mut tx, actor, county, year, month, value)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a workbook's figures in one transaction: all or nothing, each row journaled. A
    /// dry run checks every row against the stored counties the same way and writes nothing.
    pub async fn import_coal(
        &self,
        actor: &str,
        figures: &CoalFigures,
        dry_run: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for t in &figures.targets {
            let targets = CoalTargets {
                cap: t.cap.as_deref(),
                heating_target: t.heating_target,
                heating_gas: t.heating_gas,
                heating_electric: t.heating_electric,
            };
            self.set_coal_targets_in(&mut tx, actor, &t.county, t.year, targets)
                .await?;
        }
        for m in &figures.months {
            self.record_coal_in(&mut tx, actor, &m.county, m.year, m.month, &m.tons)
                .await?;
        }
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn record_coal_in(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        county: &str,
        year: i32,
        month: u8,
        value: &str,
    ) -> Result<(), StoreError> {
        if !(1..=12).contains(&month) {
            return Err(StoreError::Invalid(format!("月份 {month} 应在1–12之间")));
        }
        let value = tons(value, "煤炭消费量")?;
        let county_id = unit_named(tx, "所在县（区）", county).await?;
        // A correction keeps the figure it replaces in the journal.
        let replaced: Option<String> = sqlx::query_scalar(
            "SELECT tons FROM coal_months WHERE county_id = $1 AND year = $2 AND month = $3",
        )
        .arg(county_id)
        .arg(i64::from(year))
        .arg(i64::from(month))
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM coal_months WHERE county_id = $1 AND year = $2 AND month = $3")
            .arg(county_id)
            .arg(i64::from(year))
            .arg(i64::from(month))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO coal_months (county_id, year, month, tons) VALUES ($1, $2, $3, $4)",
        )
        .arg(county_id)
        .arg(i64::from(year))
        .arg(i64::from(month))
        .arg(value.to_fixed(4))
        .execute(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "record",
            entity: "coal",
            entity_id: format!("{county}/{year}-{month:02}"),
            before: replaced.map(|tons| json!({ "tons": tons })),
            after: Some(json!({ "tons": value.to_fixed(4) })),
        };
        append(tx, self.backend(), change).await?;
        Ok(())
    }

    /// Sets a county's cap and clean-heating figures for a year.
    pub async fn set_coal_targets(
        &self,
        actor: &str,
        county: &str,
        year: i32,
        targets: CoalTargets<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        self.set_coal_targets_in(&mut tx, actor, county, year, targets)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_coal_targets_in(
        &self,
        tx: &mut AnyConnection,
        actor: &str,
        county: &str,
        year: i32,
        targets: CoalTargets<'_>,
    ) -> Result<(), StoreError> {
        let cap = targets.cap.map(|c| tons(c, "年度控制目标")).transpose()?;
        let county_id = unit_named(tx, "所在县（区）", county).await?;
        let before = sqlx::query(
            "SELECT cap, heating_target, heating_gas, heating_electric FROM coal_targets
             WHERE county_id = $1 AND year = $2",
        )
        .arg(county_id)
        .arg(i64::from(year))
        .fetch_optional(&mut *tx)
        .await?;
        let stored = |i: usize| -> Result<i64, StoreError> {
            Ok(before
                .as_ref()
                .map(|r| r.try_get::<i64, _>(i))
                .transpose()?
                .unwrap_or(0))
        };
        let old_cap: Option<String> = before.as_ref().map(|r| r.try_get(0)).transpose()?.flatten();
        let cap_text = cap.map(|c| c.to_fixed(4)).or(old_cap.clone());
        let count = |new: Option<u32>, i| new.map_or_else(|| stored(i), |n| Ok(i64::from(n)));
        let after = (
            cap_text,
            count(targets.heating_target, 1)?,
            count(targets.heating_gas, 2)?,
            count(targets.heating_electric, 3)?,
        );
        sqlx::query("DELETE FROM coal_targets WHERE county_id = $1 AND year = $2")
            .arg(county_id)
            .arg(i64::from(year))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO coal_targets (county_id, year, cap, heating_target, heating_gas, heating_electric)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .arg(county_id)
        .arg(i64::from(year))
        .arg(after.0.clone())
        .arg(after.1)
        .arg(after.2)
        .arg(after.3)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            actor,
            action: "set",
            entity: "coal_targets",
            entity_id: format!("{county}/{year}"),
            before: before.as_ref().map(|_| json!({ "cap": old_cap })),
            after: Some(json!({
                "cap": after.0, "heating_target": after.1, "heating_gas": after.2,
                "heating_electric": after.3,
            })),
        };
        append(tx, self.backend(), change).await?;
        Ok(())
    }

    /// Every county's year with figures or targets, in the org chart's order, with the year
    /// before's months for the seasonal profile.
    pub async fn coal_years(&self, year: i32) -> Result<Vec<CoalYear>, StoreError> {
        Ok(self
            .coal_county_years(year)
            .await?
            .into_iter()
            .map(|(_, y)| y)
            .collect())
    }

    /// `coal_years` with each county's unit id, for pages that show a county only to its own
    /// clerks.
    pub async fn coal_county_years(&self, year: i32) -> Result<Vec<(i64, CoalYear)>, StoreError> {
        let mut years = self.coal_year_figures(year).await?;
        let before = self.coal_year_figures(year - 1).await?;
        for (id, y) in &mut years {
            if let Some((_, b)) = before.iter().find(|(b, _)| b == id) {
                y.previous.clone_from(&b.months);
            }
        }
        Ok(years)
    }

    /// The years with any coal figure or target, newest first.
    pub async fn coal_year_list(&self) -> Result<Vec<i32>, StoreError> {
        let years: Vec<i64> = sqlx::query_scalar(
            "SELECT year FROM coal_months UNION SELECT year FROM coal_targets ORDER BY 1 DESC",
        )
        .fetch_all(self.pool())
        .await?;
        years
            .into_iter()
            .map(|y| stored_int(y, "coal_months.year"))
            .collect()
    }

    async fn coal_year_figures(&self, year: i32) -> Result<Vec<(i64, CoalYear)>, StoreError> {
        let mut years: BTreeMap<(i64, i64), CoalYear> = BTreeMap::new();
        let blank = |county: String| CoalYear {
            county,
            year,
            cap: None,
            months: Vec::new(),
            previous: Vec::new(),
            heating_target: 0,
            heating_gas: 0,
            heating_electric: 0,
        };
        let targets = sqlx::query(
            "SELECT o.sort_order, o.id, o.name, t.cap, t.heating_target, t.heating_gas, t.heating_electric
             FROM coal_targets t JOIN org_units o ON o.id = t.county_id WHERE t.year = $1",
        )
        .arg(i64::from(year))
        .fetch_all(self.pool())
        .await?;
        let count = |r: &sqlx::any::AnyRow, i| -> Result<u32, StoreError> {
            let column = format!("coal_targets.{}", sqlx::Column::name(r.column(i)));
            stored_int(r.try_get(i)?, &column)
        };
        for r in &targets {
            let cap: Option<String> = r.try_get(3)?;
            let name: String = r.try_get(2)?;
            let entry = years
                .entry((r.try_get(0)?, r.try_get(1)?))
                .or_insert_with(|| blank(name));
            entry.cap = cap
                .as_deref()
                .map(|c| tons(c, "年度控制目标"))
                .transpose()?;
            entry.heating_target = count(r, 4)?;
            entry.heating_gas = count(r, 5)?;
            entry.heating_electric = count(r, 6)?;
        }
        let months = sqlx::query(
            "SELECT o.sort_order, o.id, o.name, m.month, m.tons FROM coal_months m
             JOIN org_units o ON o.id = m.county_id WHERE m.year = $1 ORDER BY m.month",
        )
        .arg(i64::from(year))
        .fetch_all(self.pool())
        .await?;
        for r in &months {
            let month = stored_int(r.try_get(3)?, "coal_months.month")?;
            let value = tons(&r.try_get::<String, _>(4)?, "煤炭消费量")?;
            let name: String = r.try_get(2)?;
            years
                .entry((r.try_get(0)?, r.try_get(1)?))
                .or_insert_with(|| blank(name))
                .months
                .push((month, value));
        }
        Ok(years.into_iter().map(|((_, id), y)| (id, y)).collect())
    }
}
