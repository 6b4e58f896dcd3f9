//! Plausible synthetic hourly monitoring data, for the demo city and for benchmarks.
//!
//! Deterministic (a seeded generator), with a winter PM peak, a summer afternoon O3 peak,
//! rush-hour NO2, a slow year-on-year improvement, random gaps, a few stations offline for days,
//! and sand-and-dust days. Values are rounded as exports publish them (CO to 0.1 mg/m³).

use crate::rng::Lcg;
use rectify_air::date::Date;
use std::f64::consts::PI;
use std::io::Write;

pub struct Spec {
    /// (station, city)
    pub stations: Vec<(String, String)>,
    pub from: Date,
    /// Inclusive.
    pub to: Date,
    pub seed: u64,
    /// Dates on which every station sees a dust event.
    pub dust_days: Vec<Date>,
    /// Probability (per mille) that one hourly value is missing.
    pub gap_per_mille: u64,
}

/// One generated row: the hour is labelled by its end, as exports do (`HH:00`, with 24:00
/// written as 00:00 of the next day).
pub struct Row<'a> {
    pub station: &'a str,
    pub city: &'a str,
    /// Date and hour of the label.
    pub label: (Date, u8),
    /// so2, no2, co, o3, pm10, pm25; `None` for a gap.
    pub values: [Option<f64>; 6],
    pub dust: bool,
}

fn day_of_year(d: Date) -> f64 {
    f64::from(
        d.day_number()
            - Date {
                year: d.year,
                month: 1,
                day: 1,
            }
            .day_number(),
    )
}

/// One factor per day shared by every station: stagnant spells and clean spells are regional.
/// An AR(1) process with a long right tail, so a winter has a few heavy episodes.
fn regional_weather(seed: u64, days: usize) -> Vec<f64> {
    let mut rng = Lcg::new(seed ^ 0xA5A5_5A5A);
    let mut level = 1.0_f64;
    (0..days)
        .map(|_| {
            let shock = 0.25 + 2.2 * rng.next_f64().powi(3);
            level = (0.7 * level + 0.3 * shock * 1.9).clamp(0.3, 3.4);
            level
        })
        .collect()
}

/// How much of the first day's PM level is left after `years`: 12 points a year for the first
/// three years (the demo's two years were written against these figures), then 6% a year of
/// what is left. Linear all the way, a ten-year benchmark went below zero after 8⅓ years, and a
/// negative reading is an export's mark for a missing one, so its last years had no valid day.
fn improvement(years: f64) -> f64 {
    const LINEAR_YEARS: f64 = 3.0;
    if years <= LINEAR_YEARS {
        1.0 - 0.12 * years
    } else {
        (1.0 - 0.12 * LINEAR_YEARS) * 0.94_f64.powf(years - LINEAR_YEARS)
    }
}

/// Calls `emit` for every station-hour in the spec, station by station.
pub fn generate(spec: &Spec, mut emit: impl FnMut(&Row<'_>)) {
    let first = spec.from.day_number();
    let last = spec.to.day_number();
    let regional = regional_weather(spec.seed, (last - first + 1).max(0) as usize);
    for (index, (station, city)) in spec.stations.iter().enumerate() {
        let mut rng = Lcg::for_item(spec.seed, index);
        let local = 0.8 + 0.4 * rng.next_f64();
        let outage_start = first + (rng.next_f64() * f64::from((last - first).max(1))) as i32;
        for day in first..=last {
            let date = Date::from_day_number(day);
            let weather = regional[(day - first) as usize] * (0.9 + 0.2 * rng.next_f64());
            let offline = (outage_start..outage_start + 3).contains(&day);
            let dust = spec.dust_days.contains(&date);
            let years = f64::from(day - first) / 365.0;
            let seasonal_pm = 1.0 + 0.7 * (2.0 * PI * (day_of_year(date) - 15.0) / 365.0).cos();
            let seasonal_o3 = 1.0 + 0.6 * (2.0 * PI * (day_of_year(date) - 190.0) / 365.0).cos();
            for hour in 1..=24_u8 {
                let h = f64::from(hour);
                let night = 1.0 + 0.25 * (2.0 * PI * (h - 2.0) / 24.0).cos();
                let rush = 1.0
                    + 0.35 * (-(h - 8.5).powi(2) / 4.0).exp()
                    + 0.3 * (-(h - 18.5).powi(2) / 4.0).exp();
                let sun = ((PI * (h - 7.0) / 14.0).sin()).max(0.0);
                let improve = improvement(years);
                let noise = |rng: &mut Lcg| 0.85 + 0.3 * rng.next_f64();
                let mut pm25 =
                    32.0 * seasonal_pm * weather * night * local * improve * noise(&mut rng);
                let mut pm10 = pm25 * (1.5 + 0.3 * rng.next_f64());
                if dust {
                    pm10 *= 6.0;
                    pm25 *= 2.2;
                }
                let values = [
                    6.0 + 10.0 * seasonal_pm * local * noise(&mut rng),
                    (18.0 + 14.0 * seasonal_pm * weather) * rush * noise(&mut rng),
                    (0.4 + 0.5 * seasonal_pm * weather) * noise(&mut rng),
                    (20.0 + 150.0 * seasonal_o3 * sun)
                        * (2.0 - weather.min(1.6))
                        * 0.7
                        * noise(&mut rng),
                    pm10,
                    pm25,
                ];
                let values =
                    values.map(|v| (!offline && !rng.chance(spec.gap_per_mille)).then_some(v));
                let label = if hour == 24 {
                    (date.succ(), 0)
                } else {
                    (date, hour)
                };
                emit(&Row {
                    station,
                    city,
                    label,
                    values,
                    dust,
                });
            }
        }
    }
}

/// Writes the spec as a wide CSV export.
pub fn write_csv(spec: &Spec, out: &mut dyn Write) -> std::io::Result<u64> {
    writeln!(out, "station,city,time,so2,no2,co,o3,pm10,pm25,dust")?;
    let mut rows = 0_u64;
    let mut result = Ok(());
    generate(spec, |row| {
        if result.is_err() {
            return;
        }
        rows += 1;
        result = write_row(out, row);
    });
    result.map(|()| rows)
}

fn write_row(out: &mut dyn Write, row: &Row<'_>) -> std::io::Result<()> {
    let (date, hour) = row.label;
    write!(out, "{},{},{date} {hour:02}:00", row.station, row.city)?;
    for (i, v) in row.values.iter().enumerate() {
        match (v, i) {
            (None, _) => write!(out, ",")?,
            (Some(v), 2) => write!(out, ",{v:.1}")?,
            (Some(v), _) => write!(out, ",{}", v.round() as i64)?,
        }
    }
    writeln!(out, ",{}", u8::from(row.dust))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::air::hourly::{ReadOptions, read_hourly_bytes};
    use rectify_air::daily::{DailyItem, daily_values_micro};

    #[test]
    fn a_ten_year_span_keeps_its_last_year_valid() {
        let date = |s| Date::parse(s).unwrap();
        let spec = Spec {
            stations: vec![("S0000".into(), "C000".into())],
            from: date("2016-12-07"),
            to: date("2026-12-06"),
            seed: 2026,
            dust_days: vec![],
            gap_per_mille: 10,
        };
        let mut csv = Vec::new();
        write_csv(&spec, &mut csv).unwrap();
        let data =
            read_hourly_bytes(std::path::Path::new("a.csv"), &csv, ReadOptions::default()).unwrap();
        assert!(data.problems.is_empty(), "{:?}", data.problems.first());
        let last_year: Vec<_> = data
            .days
            .iter()
            .filter(|d| d.date >= date("2025-12-07") && d.date <= date("2026-12-06"))
            .collect();
        assert_eq!(last_year.len(), 365);
        let valid = last_year
            .iter()
            .filter(|d| {
                let values = daily_values_micro(&d.grid);
                values.get(DailyItem::Pm25).validity.is_valid()
                    && values.get(DailyItem::Pm10).validity.is_valid()
            })
            .count();
        // All but the odd day of gaps (and an outage that may fall in this year).
        assert!(valid >= 355, "{valid} valid PM days of 365");
    }

    #[test]
    fn the_improvement_goes_on_without_reaching_zero() {
        assert!((improvement(2.0) - 0.76).abs() < 1e-12);
        assert!((improvement(3.0) - 0.64).abs() < 1e-12);
        assert!(improvement(10.0) < improvement(9.0));
        assert!(improvement(30.0) > 0.0);
    }
}
