//! Daily values from hourly data, with GB 3095 Table 4 validity, and city values from stations.
//!
//! Hours are labelled by their end (air.md §2.4): hour index 0 of a day is the mean of
//! 00:00–01:00, index 23 the mean of 23:00–24:00 (published as 00:00 of the next day).

use crate::aqi::Concentrations;
use rectify_exact::exact::Exact;

/// The hourly series a station reports. O3 here is the 1-h value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Series {
    So2,
    No2,
    Co,
    O3,
    Pm10,
    Pm25,
}

impl Series {
    pub const ALL: [Series; 6] = [
        Series::So2,
        Series::No2,
        Series::Co,
        Series::O3,
        Series::Pm10,
        Series::Pm25,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Column names in files: so2, no2, co, o3, pm10, pm25.
    pub fn code(self) -> &'static str {
        match self {
            Series::So2 => "so2",
            Series::No2 => "no2",
            Series::Co => "co",
            Series::O3 => "o3",
            Series::Pm10 => "pm10",
            Series::Pm25 => "pm25",
        }
    }
}

/// One site's hourly values for one day.
pub type HourGrid = [[Option<Exact>; 24]; 6];

pub fn empty_grid() -> HourGrid {
    [[None; 24]; 6]
}

/// Marks a missing hour in a [`MicroGrid`].
pub const MISSING: i64 = i64::MIN;

/// The compact form of a site-day for bulk data: micro-units (see [`rectify_exact::exact::MICRO`]),
/// series by [`Series::index`], [`MISSING`] where there is no value.
pub type MicroGrid = [[i64; 24]; 6];

pub const EMPTY_MICRO_GRID: MicroGrid = [[MISSING; 24]; 6];

pub fn exact_grid(grid: &MicroGrid) -> HourGrid {
    let mut out = empty_grid();
    for (series, hours) in grid.iter().enumerate() {
        for (hour, &v) in hours.iter().enumerate() {
            if v != MISSING {
                out[series][hour] = Some(Exact::from_micro(v));
            }
        }
    }
    out
}

/// The daily statistics that feed the daily AQI and HJ 663.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DailyItem {
    So2,
    No2,
    Co,
    Pm10,
    Pm25,
    O3_1hMax,
    O3_8hMax,
}

impl DailyItem {
    pub const ALL: [DailyItem; 7] = [
        DailyItem::So2,
        DailyItem::No2,
        DailyItem::Co,
        DailyItem::Pm10,
        DailyItem::Pm25,
        DailyItem::O3_1hMax,
        DailyItem::O3_8hMax,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Column names of the daily file.
    pub fn code(self) -> &'static str {
        match self {
            DailyItem::So2 => "so2",
            DailyItem::No2 => "no2",
            DailyItem::Co => "co",
            DailyItem::Pm10 => "pm10",
            DailyItem::Pm25 => "pm25",
            DailyItem::O3_1hMax => "o3_1h_max",
            DailyItem::O3_8hMax => "o3_8h_max",
        }
    }

    pub fn decimals(self) -> u32 {
        if self == DailyItem::Co { 1 } else { 0 }
    }
}

/// Whether a daily value may be used, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    Valid,
    NoData,
    /// Fewer than 20 valid hours in the day.
    TooFewHours {
        have: u8,
    },
    /// Fewer than 14 valid 8-h windows, and the maximum does not exceed the limit.
    TooFewWindows {
        have: u8,
    },
}

impl Validity {
    pub fn is_valid(self) -> bool {
        self == Validity::Valid
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyValue {
    /// Present even when invalid, so the reason can be shown next to it.
    pub value: Option<Exact>,
    pub validity: Validity,
}

impl DailyValue {
    pub const NONE: DailyValue = DailyValue {
        value: None,
        validity: Validity::NoData,
    };

    pub fn valid(self) -> Option<Exact> {
        self.value.filter(|_| self.validity.is_valid())
    }
}

/// One site-day: the seven daily items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyValues {
    pub items: [DailyValue; 7],
}

impl DailyValues {
    pub fn get(&self, item: DailyItem) -> DailyValue {
        self.items[item.index()]
    }

    /// The valid values as inputs of a daily AQI report.
    pub fn concentrations(&self) -> Concentrations {
        let v = |item| self.get(item).valid();
        Concentrations {
            so2: v(DailyItem::So2),
            no2: v(DailyItem::No2),
            co: v(DailyItem::Co),
            o3_1h: v(DailyItem::O3_1hMax),
            o3_8h: v(DailyItem::O3_8hMax),
            pm10: v(DailyItem::Pm10),
            pm25: v(DailyItem::Pm25),
            ..Concentrations::default()
        }
    }
}

pub const MIN_HOURS_PER_DAY: u8 = 20;
pub const MIN_HOURS_PER_8H: u8 = 6;
pub const MIN_O3_8H_WINDOWS: u8 = 14;

/// An hourly value that daily statistics can sum exactly: micro-units from a file (summed in
/// 128-bit integers, the fast path), or exact means from several stations.
pub trait Hourly: Copy + Ord {
    type Sum: Copy;
    fn start(self) -> Self::Sum;
    fn add(sum: Self::Sum, value: Self) -> Self::Sum;
    fn sub(sum: Self::Sum, earlier: Self::Sum) -> Self::Sum;
    fn mean(sum: Self::Sum, count: u8) -> Exact;
    fn exact(self) -> Exact;
}

impl Hourly for i64 {
    type Sum = i128;
    fn start(self) -> i128 {
        self.into()
    }
    fn add(sum: i128, value: i64) -> i128 {
        sum + i128::from(value)
    }
    fn sub(sum: i128, earlier: i128) -> i128 {
        sum - earlier
    }
    fn mean(sum: i128, count: u8) -> Exact {
        Exact::ratio_unreduced(
            sum,
            i128::from(rectify_exact::exact::MICRO) * i128::from(count.max(1)),
        )
    }
    fn exact(self) -> Exact {
        Exact::from_micro(self)
    }
}

impl Hourly for Exact {
    type Sum = Exact;
    fn start(self) -> Exact {
        self
    }
    fn add(sum: Exact, value: Exact) -> Exact {
        sum + value
    }
    fn sub(sum: Exact, earlier: Exact) -> Exact {
        sum - earlier
    }
    fn mean(sum: Exact, count: u8) -> Exact {
        sum.mean_unreduced(count)
    }
    fn exact(self) -> Exact {
        self
    }
}

/// A day's 24 hours in order, read where they lie (an array of options, or micro-units with
/// [`MISSING`] holes) rather than copied into one form first.
trait Hours<T>: Iterator<Item = Option<T>> + Clone {}

impl<T, I: Iterator<Item = Option<T>> + Clone> Hours<T> for I {}

/// The mean of the present values and how many there were.
fn mean<T: Hourly>(values: impl Hours<T>) -> Option<(Exact, u8)> {
    let mut present = values.flatten();
    let mut sum = present.next()?.start();
    let mut count = 1_u8;
    for v in present {
        sum = T::add(sum, v);
        count += 1;
    }
    Some((T::mean(sum, count), count))
}

fn daily_mean<T: Hourly>(hours: impl Hours<T>) -> DailyValue {
    match mean(hours) {
        None => DailyValue::NONE,
        Some((m, have)) => DailyValue {
            value: Some(m),
            validity: if have >= MIN_HOURS_PER_DAY {
                Validity::Valid
            } else {
                Validity::TooFewHours { have }
            },
        },
    }
}

/// The day's maximum 1-h O3. GB 3095 sets no minimum for it; it takes the daily rule (20 hours)
/// unless the maximum already exceeds the 1-h limit (200), which no missing hour could undo.
fn o3_1h_max<T: Hourly>(hours: impl Hours<T>, limit_1h: Exact) -> DailyValue {
    let have = hours.clone().flatten().count() as u8;
    let Some(max) = hours.flatten().max().map(|v| v.exact()) else {
        return DailyValue::NONE;
    };
    let validity = if have >= MIN_HOURS_PER_DAY || max > limit_1h {
        Validity::Valid
    } else {
        Validity::TooFewHours { have }
    };
    DailyValue {
        value: Some(max),
        validity,
    }
}

/// The maximum 8-h moving mean over the 17 windows wholly inside the day (ending 08:00…24:00).
/// A window needs 6 valid hours; the maximum needs 14 valid windows, unless it exceeds the limit.
fn o3_8h_max<T: Hourly>(hours: impl Hours<T>, limit_8h: Exact) -> DailyValue {
    // Running sums and counts: each window is a difference of two, not eight additions.
    let mut sums: [Option<T::Sum>; 25] = [None; 25];
    let mut counts = [0_u8; 25];
    for (i, value) in hours.take(24).enumerate() {
        counts[i + 1] = counts[i] + u8::from(value.is_some());
        sums[i + 1] = match (sums[i], value) {
            (None, Some(v)) => Some(v.start()),
            (Some(s), Some(v)) => Some(T::add(s, v)),
            (s, None) => s,
        };
    }
    let mut best: Option<Exact> = None;
    let mut windows = 0_u8;
    for end in 8..=24 {
        let have = counts[end] - counts[end - 8];
        if have < MIN_HOURS_PER_8H {
            continue;
        }
        let (Some(total), before) = (sums[end], sums[end - 8]) else {
            continue;
        };
        let window = match before {
            Some(b) => T::sub(total, b),
            None => total,
        };
        let m = T::mean(window, have);
        windows += 1;
        best = Some(best.map_or(m, |b| b.max(m)));
    }
    let Some(max) = best else {
        return DailyValue::NONE;
    };
    let validity = if windows >= MIN_O3_8H_WINDOWS || max > limit_8h {
        Validity::Valid
    } else {
        Validity::TooFewWindows { have: windows }
    };
    DailyValue {
        value: Some(max),
        validity,
    }
}

/// O3 class-2 limits, identical in GB 3095-2012 and -2026: 200 (1 h) and 160 (8 h).
const O3_1H_LIMIT: i64 = 200;
const O3_8H_LIMIT: i64 = 160;

/// The seven daily items of one site-day of bulk data.
pub fn daily_values_micro(grid: &MicroGrid) -> DailyValues {
    seven_items(|series| {
        grid[series.index()]
            .iter()
            .map(|&v| (v != MISSING).then_some(v))
    })
}

/// The seven daily items of one site-day.
pub fn daily_values<T: Hourly>(grid: &[[Option<T>; 24]; 6]) -> DailyValues {
    seven_items(|series| grid[series.index()].iter().copied())
}

fn seven_items<T: Hourly, H: Hours<T>>(s: impl Fn(Series) -> H) -> DailyValues {
    DailyValues {
        items: [
            daily_mean(s(Series::So2)),
            daily_mean(s(Series::No2)),
            daily_mean(s(Series::Co)),
            daily_mean(s(Series::Pm10)),
            daily_mean(s(Series::Pm25)),
            o3_1h_max(s(Series::O3), Exact::int(O3_1H_LIMIT)),
            o3_8h_max(s(Series::O3), Exact::int(O3_8H_LIMIT)),
        ],
    }
}

/// How a city's daily values are formed from its stations (air.md §3.4, UNSURE which order the
/// authorities use; the national statistics practice is believed to be the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CityMethod {
    /// Mean of the stations' valid daily values, item by item.
    #[default]
    MeanOfStationDays,
    /// Daily statistics of the city hourly series (mean of the stations' hourly values).
    FromCityHours,
}

/// Mean of the valid station values of each item; an item is valid when one station has it.
pub fn city_day_from_station_days(stations: &[DailyValues]) -> DailyValues {
    let mut day = CityDay::default();
    for station in stations {
        day.add(station);
    }
    day.values()
}

/// A city's day gathered one station at a time, in any order, so that a caller reading many
/// stations' days need keep only each city-day's running sums: per item, the sum and number of
/// the stations' valid values. [`CityDay::values`] is [`city_day_from_station_days`] of the
/// stations added.
#[derive(Debug, Clone, Copy, Default)]
pub struct CityDay {
    sums: [Option<(Exact, i64)>; 7],
}

impl CityDay {
    pub fn add(&mut self, station: &DailyValues) {
        for (slot, item) in self.sums.iter_mut().zip(&station.items) {
            if let Some(v) = item.valid() {
                *slot = Some(match *slot {
                    Some((sum, count)) => (sum + v, count + 1),
                    None => (v, 1),
                });
            }
        }
    }

    /// Adds the stations gathered in `other` (another reader's part of the same city-day):
    /// the sums are exact, so the order of gathering does not change [`CityDay::values`].
    pub fn merge(&mut self, other: &CityDay) {
        for (slot, theirs) in self.sums.iter_mut().zip(&other.sums) {
            if let Some((sum, count)) = *theirs {
                *slot = Some(match *slot {
                    Some((mine, n)) => (mine + sum, n + count),
                    None => (sum, count),
                });
            }
        }
    }

    /// The mean of each item over the stations that had it valid, in lowest terms.
    pub fn values(&self) -> DailyValues {
        DailyValues {
            items: self.sums.map(|sum| match sum {
                Some((sum, count)) => DailyValue {
                    value: Some(sum.div_int(count)),
                    validity: Validity::Valid,
                },
                None => DailyValue::NONE,
            }),
        }
    }
}

/// The city hourly series: at each hour, the mean of the stations that have a value.
pub fn city_hours(stations: &[HourGrid]) -> HourGrid {
    let mut grid = empty_grid();
    for series in 0..6 {
        for hour in 0..24 {
            let values: Vec<Option<Exact>> = stations.iter().map(|g| g[series][hour]).collect();
            grid[series][hour] = station_mean(&values);
        }
    }
    grid
}

/// The mean over the stations that have a value, in lowest terms. Any number of stations:
/// the hour count of [`mean`] would not hold a large city.
fn station_mean(values: &[Option<Exact>]) -> Option<Exact> {
    let count = values.iter().flatten().count();
    let sum: Exact = values.iter().flatten().sum();
    (count > 0).then(|| sum.div_int(count as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid_with(series: Series, values: &[(usize, i64)]) -> HourGrid {
        let mut g = empty_grid();
        for &(h, v) in values {
            g[series.index()][h] = Some(Exact::int(v));
        }
        g
    }

    #[test]
    fn a_day_needs_twenty_hours() {
        let twenty: Vec<(usize, i64)> = (0..20).map(|h| (h, 10 + h as i64)).collect();
        let d = daily_values(&grid_with(Series::Pm25, &twenty));
        assert_eq!(d.get(DailyItem::Pm25).validity, Validity::Valid);
        assert_eq!(d.get(DailyItem::Pm25).value, Some(Exact::ratio(390, 20)));
        let d = daily_values(&grid_with(Series::Pm25, &twenty[..19]));
        assert_eq!(
            d.get(DailyItem::Pm25).validity,
            Validity::TooFewHours { have: 19 }
        );
        assert_eq!(d.get(DailyItem::Pm25).valid(), None);
    }

    #[test]
    fn o3_8h_max_uses_windows_with_six_hours_and_needs_fourteen() {
        let full: Vec<(usize, i64)> = (0..24)
            .map(|h| (h, if h == 12 { 180 } else { 100 }))
            .collect();
        let d = daily_values(&grid_with(Series::O3, &full));
        // The best window holds 180 once and 100 seven times.
        assert_eq!(d.get(DailyItem::O3_8hMax).value, Some(Exact::int(110)));
        assert!(d.get(DailyItem::O3_8hMax).validity.is_valid());
        assert_eq!(d.get(DailyItem::O3_1hMax).valid(), Some(Exact::int(180)));

        // Hours 0..=11 only: windows ending 8..=14 have ≥6 hours → 7 windows, below 14.
        let morning: Vec<(usize, i64)> = (0..12).map(|h| (h, 100)).collect();
        let d = daily_values(&grid_with(Series::O3, &morning));
        assert_eq!(
            d.get(DailyItem::O3_8hMax).validity,
            Validity::TooFewWindows { have: 7 }
        );
        // …but a maximum above 160 stands anyway: more hours could only raise it.
        let hot: Vec<(usize, i64)> = (0..12).map(|h| (h, 170)).collect();
        let d = daily_values(&grid_with(Series::O3, &hot));
        assert_eq!(d.get(DailyItem::O3_8hMax).valid(), Some(Exact::int(170)));
    }

    #[test]
    fn city_values_average_valid_stations_only() {
        let full = |v: i64| grid_with(Series::So2, &(0..24).map(|h| (h, v)).collect::<Vec<_>>());
        let a = daily_values(&full(10));
        let b = daily_values(&full(21));
        let short = daily_values(&grid_with(Series::So2, &[(0, 999)]));
        let city = city_day_from_station_days(&[a, b, short]);
        assert_eq!(city.get(DailyItem::So2).valid(), Some(Exact::ratio(31, 2)));
        assert_eq!(city.get(DailyItem::Pm25), DailyValue::NONE);
        // Gathered one station at a time, in another order: the same day.
        let mut gathered = CityDay::default();
        for station in [short, b, a] {
            gathered.add(&station);
        }
        assert_eq!(gathered.values(), city);
        // Gathered in two parts and merged, as two readers do: the same day again.
        let (mut first, mut second) = (CityDay::default(), CityDay::default());
        first.add(&b);
        second.add(&short);
        second.add(&a);
        first.merge(&second);
        assert_eq!(first.values(), city);
        let mut empty = CityDay::default();
        empty.merge(&first);
        assert_eq!(empty.values(), city);
        let hourly = city_hours(&[full(10), full(21)]);
        assert_eq!(hourly[Series::So2.index()][5], Some(Exact::ratio(31, 2)));
    }

    #[test]
    fn a_city_may_have_more_stations_than_a_day_has_hours() {
        // 300 stations: 150 at 10 and 150 at 21; a small counter would wrap past 255.
        let grids: Vec<HourGrid> = (0..300)
            .map(|i| grid_with(Series::So2, &[(3, if i % 2 == 0 { 10 } else { 21 })]))
            .collect();
        assert_eq!(
            city_hours(&grids)[Series::So2.index()][3],
            Some(Exact::ratio(31, 2))
        );
        let days: Vec<DailyValues> = grids
            .iter()
            .map(|_| {
                daily_values(&grid_with(
                    Series::So2,
                    &(0..24).map(|h| (h, 7)).collect::<Vec<_>>(),
                ))
            })
            .collect();
        assert_eq!(
            city_day_from_station_days(&days)
                .get(DailyItem::So2)
                .valid(),
            Some(Exact::int(7))
        );
    }
}
