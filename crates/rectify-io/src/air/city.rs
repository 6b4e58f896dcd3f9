//! A city's year to date from stored station-days: the city's daily records, the HJ 663
//! evaluation of this year and of the same span last year, and the 两降一增 verdict. The air
//! page and the bulletin's environment section both start here.
//!
//! The station-days are folded into the cities' daily records as they are read ([`CityDays`]),
//! so two years of hourly grids never sit in memory at once.

use rectify_air::daily::{CityDay, daily_values_micro};
use rectify_air::date::Date;
use rectify_air::standard::StandardChoice;
use rectify_air::stats::{
    DayRecord, Evaluation, EvaluationOptions, TwoDownOneUp, evaluate, two_down_one_up,
};
use rectify_core::monitoring::StoredStationDay;
use std::collections::{BTreeMap, HashMap};

pub struct CityYear {
    pub city: String,
    /// Every city with stations, sorted.
    pub cities: Vec<String>,
    /// The city's daily records over the data given.
    pub days: Vec<DayRecord>,
    pub options: EvaluationOptions,
    /// 1 January to the last day with data (within the year).
    pub start: Date,
    pub end: Date,
    pub ytd: Evaluation,
    /// The same span a year earlier.
    pub base: Evaluation,
    pub verdict: Option<TwoDownOneUp>,
}

/// PM means with dust days deducted, as HJ 663 allows; good days are not.
pub const OPTIONS: EvaluationOptions = EvaluationOptions {
    standard: StandardChoice::Auto,
    deduct_dust: true,
};

/// Every city's daily records, folded from station-days as they arrive, in any order. A city's
/// day is the mean of its stations' valid daily values, item by item ([`CityDay`], the rule of
/// `CityMethod::MeanOfStationDays`), a dust day when one of them is; a station without a city
/// counts for none. Only the running sums of each city-day are kept, never a station's grid.
#[derive(Default)]
pub struct CityDays {
    cities: HashMap<String, BTreeMap<Date, (CityDay, bool)>>,
}

impl CityDays {
    pub fn push(&mut self, stored: &StoredStationDay) {
        let Some(city) = &stored.city else { return };
        let values = daily_values_micro(&stored.grid);
        // Looked up before inserting: a city's name is cloned once, not for every station-day.
        let days = match self.cities.get_mut(city) {
            Some(days) => days,
            None => self.cities.entry(city.clone()).or_default(),
        };
        let (day, dust) = days.entry(stored.date).or_default();
        day.add(&values);
        *dust |= stored.dust;
    }

    /// Every city's daily records in date order, by city name.
    pub fn finish(self) -> BTreeMap<String, Vec<DayRecord>> {
        self.cities
            .into_iter()
            .map(|(city, days)| {
                let records = days
                    .into_iter()
                    .map(|(date, (day, dust))| DayRecord {
                        date,
                        values: day.values(),
                        dust,
                    })
                    .collect();
                (city, records)
            })
            .collect()
    }
}

/// `days` should reach back to 1 January of the year before `year`; the city is `wanted` if
/// it has stations, else the first city.
pub fn city_year(
    days: CityDays,
    wanted: Option<&str>,
    year: i32,
    data_to: Date,
) -> Result<CityYear, String> {
    let mut by_city = days.finish();
    let cities: Vec<String> = by_city.keys().cloned().collect();
    let city = wanted
        .filter(|c| by_city.contains_key(*c))
        .map(str::to_string)
        .or_else(|| cities.first().cloned())
        .ok_or("没有带城市的站点")?;
    let days = by_city.remove(&city).unwrap_or_default();
    let start = Date {
        year,
        month: 1,
        day: 1,
    };
    let end = data_to.min(Date {
        year,
        month: 12,
        day: 31,
    });
    let ytd = evaluate(&days, start, end, OPTIONS);
    let base = evaluate(&days, start.year_before(), end.year_before(), OPTIONS);
    let verdict = two_down_one_up(&ytd, &base);
    Ok(CityYear {
        city,
        cities,
        days,
        options: OPTIONS,
        start,
        end,
        ytd,
        base,
        verdict,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::air::daily::{CITY_PREFIX, compute_daily};
    use crate::air::hourly::{HourlyData, ReadOptions, read_hourly_bytes};
    use crate::air::synthetic::{Spec, write_csv};
    use rectify_air::daily::CityMethod;
    use std::path::Path;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    /// Two cities of three stations and a station without a city, over two years with gaps,
    /// an outage per station and a dust day: the station-days as the store holds them.
    fn stored() -> Vec<StoredStationDay> {
        let mut stations: Vec<(String, String)> = (0..6)
            .map(|i| (format!("S{i}"), format!("C{}", i / 3)))
            .collect();
        stations.push(("S9".into(), "".into()));
        let spec = Spec {
            stations,
            from: date("2025-01-01"),
            to: date("2026-11-30"),
            seed: 7,
            dust_days: vec![date("2026-03-18")],
            gap_per_mille: 40,
        };
        let mut csv = Vec::new();
        write_csv(&spec, &mut csv).unwrap();
        let data = read_hourly_bytes(Path::new("t.csv"), &csv, ReadOptions::default()).unwrap();
        data.days
            .iter()
            .map(|d| {
                let station = &data.stations[d.station as usize];
                StoredStationDay {
                    station: station.name.clone(),
                    city: station.city.clone().filter(|c| !c.is_empty()),
                    date: d.date,
                    grid: *d.grid,
                    dust: d.dust,
                }
            })
            .collect()
    }

    /// The whole-span computation the fold replaced: every station-day in memory as
    /// `HourlyData`, then `compute_daily`'s city rows.
    fn whole_span(stored: &[StoredStationDay]) -> BTreeMap<String, Vec<DayRecord>> {
        let mut data = HourlyData::default();
        for day in stored {
            let station = match data.stations.iter().position(|s| s.name == day.station) {
                Some(i) => i,
                None => {
                    data.stations.push(crate::air::hourly::Station {
                        name: day.station.clone(),
                        city: day.city.clone(),
                    });
                    data.stations.len() - 1
                }
            };
            data.days.push(crate::air::hourly::StationDay {
                station: station as u32,
                date: day.date,
                grid: Box::new(day.grid),
                dust: day.dust,
            });
        }
        data.days.sort_by_key(|d| (d.station, d.date));
        let mut by_city: BTreeMap<String, Vec<DayRecord>> = BTreeMap::new();
        for row in compute_daily(&data, CityMethod::MeanOfStationDays, 2) {
            if let Some(city) = row.site.strip_prefix(CITY_PREFIX) {
                by_city
                    .entry(city.to_string())
                    .or_default()
                    .push(DayRecord {
                        date: row.date,
                        values: row.values,
                        dust: row.dust,
                    });
            }
        }
        by_city
    }

    fn folded<'a>(stored: impl Iterator<Item = &'a StoredStationDay>) -> CityDays {
        let mut days = CityDays::default();
        for day in stored {
            days.push(day);
        }
        days
    }

    #[test]
    fn the_streamed_fold_gives_the_whole_span_computation_day_for_day() {
        let stored = stored();
        let expected = whole_span(&stored);
        let got = folded(stored.iter()).finish();
        // In whatever order the rows come: as read (by station, then date), and backwards.
        let reversed = folded(stored.iter().rev()).finish();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        assert_eq!(got.keys().collect::<Vec<_>>(), ["C0", "C1"]);
        for (city, want) in &expected {
            let have = &got[city];
            assert_eq!(have.len(), want.len(), "{city}");
            assert!(want.len() > 690, "{city}: {} days", want.len());
            for (h, w) in have.iter().zip(want) {
                assert_eq!((h.date, h.values, h.dust), (w.date, w.values, w.dust));
            }
            assert!(have.iter().any(|d| d.dust));
            assert_eq!(reversed[city].len(), have.len());
            for (h, r) in have.iter().zip(&reversed[city]) {
                assert_eq!((h.date, h.values, h.dust), (r.date, r.values, r.dust));
            }
        }
        // And the year built on it: the evaluations and the verdict the pages print.
        let through = date("2026-11-30");
        let year = city_year(folded(stored.iter()), Some("C1"), 2026, through).unwrap();
        let days = &expected["C1"];
        let ytd = evaluate(days, date("2026-01-01"), through, OPTIONS);
        let base = evaluate(days, date("2025-01-01"), date("2025-11-30"), OPTIONS);
        assert_eq!(
            (year.city.as_str(), &year.ytd, &year.base),
            ("C1", &ytd, &base)
        );
        assert_eq!(year.verdict, two_down_one_up(&ytd, &base));
        assert!(year.ytd.good_ratio_published().is_some());
    }
}
