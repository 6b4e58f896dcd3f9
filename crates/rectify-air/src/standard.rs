//! Which version of the standards applies, and their limit values.

use rectify_exact::date::Date;
use std::fmt;

/// HJ 633 / GB 3095 / HJ 663 as published in 2012 (HJ 663: 2013) or 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standard {
    V2012,
    V2026,
}

/// The 2026 texts are in force for data dated 2026-03-01 or later.
pub const SWITCH_DATE: Date = Date {
    year: 2026,
    month: 3,
    day: 1,
};

/// A version chosen by the user, or `Auto`: by the date of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandardChoice {
    Auto,
    Fixed(Standard),
}

impl StandardChoice {
    pub fn for_date(self, date: Date) -> Standard {
        match self {
            StandardChoice::Fixed(s) => s,
            StandardChoice::Auto if date < SWITCH_DATE => Standard::V2012,
            StandardChoice::Auto => Standard::V2026,
        }
    }

    pub fn parse(text: &str) -> Option<StandardChoice> {
        match text {
            "auto" => Some(StandardChoice::Auto),
            other => Standard::parse(other).map(StandardChoice::Fixed),
        }
    }
}

impl Standard {
    pub fn parse(text: &str) -> Option<Standard> {
        match text {
            "2012" => Some(Standard::V2012),
            "2026" => Some(Standard::V2026),
            _ => None,
        }
    }

    pub fn year(self) -> u16 {
        match self {
            Standard::V2012 => 2012,
            Standard::V2026 => 2026,
        }
    }
}

impl fmt::Display for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.year())
    }
}

/// GB 3095 class-2 limits that the annual evaluation compares with (µg/m³; CO mg/m³).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub so2_annual: i64,
    pub so2_24h: i64,
    pub no2_annual: i64,
    pub no2_24h: i64,
    pub pm10_annual: i64,
    pub pm10_24h: i64,
    pub pm25_annual: i64,
    pub pm25_24h: i64,
    pub co_24h: i64,
    pub o3_8h: i64,
}

const LIMITS_2012: Limits = Limits {
    so2_annual: 60,
    so2_24h: 150,
    no2_annual: 40,
    no2_24h: 80,
    pm10_annual: 70,
    pm10_24h: 150,
    pm25_annual: 35,
    pm25_24h: 75,
    co_24h: 4,
    o3_8h: 160,
};

/// GB 3095-2026 transition limits, 2026-03-01 to 2030-12-31.
const LIMITS_2026_TRANSITION: Limits = Limits {
    pm10_annual: 60,
    pm10_24h: 120,
    pm25_annual: 30,
    pm25_24h: 60,
    ..LIMITS_2012
};

/// GB 3095-2026 final limits, from 2031-01-01.
const LIMITS_2026_FINAL: Limits = Limits {
    so2_annual: 20,
    so2_24h: 50,
    no2_annual: 30,
    no2_24h: 50,
    pm10_annual: 50,
    pm10_24h: 100,
    pm25_annual: 25,
    pm25_24h: 50,
    co_24h: 4,
    o3_8h: 160,
};

const FINAL_LIMITS_FROM: Date = Date {
    year: 2031,
    month: 1,
    day: 1,
};

impl Limits {
    /// The class-2 limits of `standard` in force at the end of the evaluated period.
    pub fn class2(standard: Standard, period_end: Date) -> Limits {
        match standard {
            Standard::V2012 => LIMITS_2012,
            Standard::V2026 if period_end < FINAL_LIMITS_FROM => LIMITS_2026_TRANSITION,
            Standard::V2026 => LIMITS_2026_FINAL,
        }
    }
}
