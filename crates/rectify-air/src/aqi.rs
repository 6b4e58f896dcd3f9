//! HJ 633 reports: which indicators feed the daily and the real-time AQI under each version,
//! the special rules for SO2 1-h and O3 8-h above 800, the primary and exceeding pollutants,
//! and the level, category and colour.

use crate::iaqi::{Column, Iaqi, iaqi};
use crate::standard::Standard;
use rectify_exact::exact::Exact;

/// The indicators an AQI report can carry an IAQI for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pollutant {
    So2,
    No2,
    Co,
    O3_1h,
    O3_8h,
    Pm10,
    Pm25,
}

impl Pollutant {
    pub const ALL: [Pollutant; 7] = [
        Pollutant::So2,
        Pollutant::No2,
        Pollutant::Co,
        Pollutant::O3_1h,
        Pollutant::O3_8h,
        Pollutant::Pm10,
        Pollutant::Pm25,
    ];

    /// The name used in files: SO2, NO2, CO, O3_1h, O3_8h, PM10, PM2.5.
    pub fn name(self) -> &'static str {
        match self {
            Pollutant::So2 => "SO2",
            Pollutant::No2 => "NO2",
            Pollutant::Co => "CO",
            Pollutant::O3_1h => "O3_1h",
            Pollutant::O3_8h => "O3_8h",
            Pollutant::Pm10 => "PM10",
            Pollutant::Pm25 => "PM2.5",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Pollutant::So2 => "二氧化硫",
            Pollutant::No2 => "二氧化氮",
            Pollutant::Co => "一氧化碳",
            Pollutant::O3_1h => "臭氧1小时",
            Pollutant::O3_8h => "臭氧8小时",
            Pollutant::Pm10 => "颗粒物(PM10)",
            Pollutant::Pm25 => "细颗粒物(PM2.5)",
        }
    }

    /// Published precision: CO to 0.1 mg/m³, the rest to whole µg/m³.
    pub fn decimals(self) -> u32 {
        if self == Pollutant::Co { 1 } else { 0 }
    }
}

/// Daily report (日报) or real-time report (实时报).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Daily,
    Hourly,
}

/// How a 2012 real-time AQI is read. The text counts the O3 8-h moving mean and takes PM from
/// the 24-h moving means; the national platform in practice used 1-h PM on the 24-h table and
/// no O3 8-h (the reading that reproduces every published station value, air.md §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HourlyMethod {
    #[default]
    Text,
    Platform,
}

/// The concentrations a report may use; `None` is missing. For a daily report `o3_1h` is the
/// day's maximum 1-h value and `o3_8h` the day's maximum 8-h moving mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Concentrations {
    pub so2: Option<Exact>,
    pub no2: Option<Exact>,
    pub co: Option<Exact>,
    pub o3_1h: Option<Exact>,
    pub o3_8h: Option<Exact>,
    pub pm10: Option<Exact>,
    pub pm25: Option<Exact>,
    /// Hourly reports: the 24-h moving means that the 2012 text uses.
    pub so2_24h: Option<Exact>,
    pub pm10_24h: Option<Exact>,
    pub pm25_24h: Option<Exact>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOptions {
    pub standard: Standard,
    pub kind: ReportKind,
    pub hourly_method: HourlyMethod,
}

/// HJ 633 Table 2: level, category and colour of an AQI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub number: u8,
    pub level_zh: &'static str,
    pub category: &'static str,
    pub hex: &'static str,
}

const LEVELS: [Level; 6] = [
    Level {
        number: 1,
        level_zh: "一级",
        category: "优",

        hex: "#00E400",
    },
    Level {
        number: 2,
        level_zh: "二级",
        category: "良",

        hex: "#FFFF00",
    },
    Level {
        number: 3,
        level_zh: "三级",
        category: "轻度污染",

        hex: "#FF7E00",
    },
    Level {
        number: 4,
        level_zh: "四级",
        category: "中度污染",

        hex: "#FF0000",
    },
    Level {
        number: 5,
        level_zh: "五级",
        category: "重度污染",

        hex: "#99004C",
    },
    Level {
        number: 6,
        level_zh: "六级",
        category: "严重污染",

        hex: "#7E0023",
    },
];

impl Level {
    /// An AQI of 0 (every concentration 0) counts as level 1; HJ 633-2026 is silent on it.
    pub fn of(aqi: u16) -> Level {
        let index = match aqi {
            0..=50 => 0,
            51..=100 => 1,
            101..=150 => 2,
            151..=200 => 3,
            201..=300 => 4,
            _ => 5,
        };
        LEVELS[index]
    }

    pub fn all() -> &'static [Level; 6] {
        &LEVELS
    }
}

/// One indicator's outcome in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IaqiEntry {
    pub pollutant: Pollutant,
    /// `None`: missing input, or an input the rules do not index (e.g. O3 8-h above 800, 2012).
    pub iaqi: Option<Iaqi>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AqiReport {
    pub standard: Standard,
    /// Every indicator of this report, in HJ 633 order.
    pub entries: Vec<IaqiEntry>,
    pub aqi: Option<u16>,
    pub beyond_index: bool,
    pub level: Option<Level>,
    /// Only when AQI > 50; ties list all.
    pub primary: Vec<Pollutant>,
    /// 2012 only: IAQI > 100 (the definition was deleted in 2026).
    pub exceeding: Vec<Pollutant>,
    /// Indicators of the report without an IAQI.
    pub missing: Vec<Pollutant>,
}

impl AqiReport {
    pub fn iaqi_of(&self, pollutant: Pollutant) -> Option<Iaqi> {
        self.entries
            .iter()
            .find(|e| e.pollutant == pollutant)
            .and_then(|e| e.iaqi)
    }

    /// HJ 633-2026 §5.3.1: with an indicator missing, the AQI, level and primary pollutant are
    /// published only when the AQI exceeds 100. 2012 publishes the AQI of the remaining ones.
    pub fn publishable(&self) -> bool {
        match self.standard {
            Standard::V2012 => self.aqi.is_some(),
            Standard::V2026 => self.missing.is_empty() || self.aqi.is_some_and(|a| a > 100),
        }
    }
}

/// 2026 §4.2.2/4.2.3: concentrations are rounded (GB/T 8170) to the published precision before
/// the IAQI. 2012 says nothing, and the reference vectors use the values as given.
fn prepared(value: Option<Exact>, pollutant: Pollutant, standard: Standard) -> Option<Exact> {
    match standard {
        Standard::V2012 => value,
        Standard::V2026 => value.map(|v| v.round_half_even(pollutant.decimals())),
    }
}

const SO2_1H_SPECIAL: i64 = 800;
const O3_8H_SPECIAL: i64 = 800;

/// Computes a report from concentrations.
pub fn report(input: &Concentrations, options: ReportOptions) -> AqiReport {
    let std = options.standard;
    let table = |column: Column, value: Option<Exact>| value.and_then(|c| iaqi(column, std, c));
    let entry = |pollutant: Pollutant, iaqi: Option<Iaqi>| IaqiEntry { pollutant, iaqi };
    // An indicator read from its table after the version's concentration rounding.
    let indexed = |pollutant: Pollutant, column: Column, value: Option<Exact>| {
        entry(pollutant, table(column, prepared(value, pollutant, std)))
    };
    let o3_8h = entry(Pollutant::O3_8h, o3_8h_iaqi(input, std));
    let entries = match options.kind {
        ReportKind::Daily => {
            let mut e = vec![
                indexed(Pollutant::So2, Column::So2_24h, input.so2),
                indexed(Pollutant::No2, Column::No2_24h, input.no2),
                indexed(Pollutant::Pm10, Column::Pm10_24h, input.pm10),
                indexed(Pollutant::Co, Column::Co24h, input.co),
                o3_8h,
            ];
            if std == Standard::V2012 {
                e.push(entry(Pollutant::O3_1h, table(Column::O3_1h, input.o3_1h)));
            }
            e.push(indexed(Pollutant::Pm25, Column::Pm25_24h, input.pm25));
            e
        }
        ReportKind::Hourly => {
            let mut e = vec![
                entry(Pollutant::So2, so2_hourly(input, std)),
                indexed(Pollutant::No2, Column::No2_1h, input.no2),
                indexed(Pollutant::Co, Column::Co1h, input.co),
                indexed(Pollutant::O3_1h, Column::O3_1h, input.o3_1h),
            ];
            if std == Standard::V2012 && options.hourly_method == HourlyMethod::Text {
                // The 24-h moving means when given; otherwise the 1-h value stands in. 2012 does
                // not round, so they go to the table as they are.
                e.push(o3_8h);
                e.push(entry(
                    Pollutant::Pm10,
                    table(Column::Pm10_24h, input.pm10_24h.or(input.pm10)),
                ));
                e.push(entry(
                    Pollutant::Pm25,
                    table(Column::Pm25_24h, input.pm25_24h.or(input.pm25)),
                ));
            } else {
                e.push(indexed(Pollutant::Pm10, Column::Pm10_24h, input.pm10));
                e.push(indexed(Pollutant::Pm25, Column::Pm25_24h, input.pm25));
            }
            e
        }
    };
    summarise(std, entries)
}

/// O3 8-h above 800: 2012 note 3 leaves it unindexed (O3 is then reported by its 1-h IAQI);
/// 2026 note c fixes it at 300.
fn o3_8h_iaqi(input: &Concentrations, std: Standard) -> Option<Iaqi> {
    let c = prepared(input.o3_8h, Pollutant::O3_8h, std)?;
    if c <= Exact::int(O3_8H_SPECIAL) {
        return iaqi(Column::O3_8h, std, c);
    }
    match std {
        Standard::V2012 => None,
        Standard::V2026 => Some(Iaqi {
            value: 300,
            beyond_index: false,
        }),
    }
}

/// SO2 1-h above 800: 2012 note 2 takes the IAQI of the 24-h mean; 2026 note b fixes it at 200.
fn so2_hourly(input: &Concentrations, std: Standard) -> Option<Iaqi> {
    let c = prepared(input.so2, Pollutant::So2, std)?;
    if c <= Exact::int(SO2_1H_SPECIAL) {
        return iaqi(Column::So2_1h, std, c);
    }
    match std {
        Standard::V2012 => input.so2_24h.and_then(|d| iaqi(Column::So2_24h, std, d)),
        Standard::V2026 => Some(Iaqi {
            value: 200,
            beyond_index: false,
        }),
    }
}

fn summarise(standard: Standard, entries: Vec<IaqiEntry>) -> AqiReport {
    let aqi = entries.iter().filter_map(|e| e.iaqi.map(|i| i.value)).max();
    let at = |value: u16| {
        entries
            .iter()
            .filter(move |e| e.iaqi.is_some_and(|i| i.value == value))
    };
    let primary = match aqi {
        Some(a) if a > 50 => at(a).map(|e| e.pollutant).collect(),
        _ => Vec::new(),
    };
    let exceeding = match standard {
        Standard::V2012 => entries
            .iter()
            .filter(|e| e.iaqi.is_some_and(|i| i.value > 100))
            .map(|e| e.pollutant)
            .collect(),
        Standard::V2026 => Vec::new(),
    };
    let beyond_index = aqi.is_some_and(|a| at(a).any(|e| e.iaqi.is_some_and(|i| i.beyond_index)));
    AqiReport {
        standard,
        missing: entries
            .iter()
            .filter(|e| e.iaqi.is_none())
            .map(|e| e.pollutant)
            .collect(),
        level: aqi.map(Level::of),
        entries,
        aqi,
        beyond_index,
        primary,
        exceeding,
    }
}
