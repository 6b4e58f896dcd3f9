//! A city's year to date from stored station-days: the city's daily records, the HJ 663
//! evaluation of this year and of the same span last year, and the 两降一增 verdict. The air
//! page and the bulletin's environment section both start here.

use super::daily::{CITY_PREFIX, compute_daily};
use super::hourly::{HourlyData, Station, StationDay};
use rectify_air::daily::CityMethod;
use rectify_air::date::Date;
use rectify_air::standard::StandardChoice;
use rectify_air::stats::{
    DayRecord, Evaluation, EvaluationOptions, TwoDownOneUp, evaluate, two_down_one_up,
};
use rectify_core::monitoring::StoredStationDay;

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

/// `stored` should reach back to 1 January of the year before `year`; the city is `wanted` if
/// it has stations, else the first city.
pub fn city_year(
    stored: Vec<StoredStationDay>,
    wanted: Option<&str>,
    year: i32,
    data_to: Date,
) -> Result<CityYear, String> {
    let data = hourly_data(stored);
    let daily = compute_daily(&data, CityMethod::MeanOfStationDays, 2);
    let mut cities: Vec<String> = data
        .stations
        .iter()
        .filter_map(|s| s.city.clone())
        .collect();
    cities.sort();
    cities.dedup();
    let city = wanted
        .filter(|c| cities.iter().any(|known| known == c))
        .map(str::to_string)
        .or_else(|| cities.first().cloned())
        .ok_or("没有带城市的站点")?;
    let site = format!("{CITY_PREFIX}{city}");
    let days: Vec<DayRecord> = daily
        .iter()
        .filter(|d| d.site == site)
        .map(|d| DayRecord {
            date: d.date,
            values: d.values,
            dust: d.dust,
        })
        .collect();
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

/// Stored station-days as the reader would have produced them.
fn hourly_data(stored: Vec<StoredStationDay>) -> HourlyData {
    let mut data = HourlyData::default();
    for day in stored {
        // The store returns days grouped by station: look at the last one before searching.
        let known = match data.stations.last() {
            Some(last) if last.name == day.station => Some(data.stations.len() - 1),
            _ => data.stations.iter().position(|s| s.name == day.station),
        };
        let station = match known {
            Some(i) => i as u32,
            None => {
                data.stations.push(Station {
                    name: day.station.clone(),
                    city: day.city.clone(),
                });
                (data.stations.len() - 1) as u32
            }
        };
        data.days.push(StationDay {
            station,
            date: day.date,
            grid: Box::new(day.grid),
            dust: day.dust,
        });
    }
    data.days.sort_by_key(|d| (d.station, d.date));
    data
}
