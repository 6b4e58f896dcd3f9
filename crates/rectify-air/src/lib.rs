//! Ambient-air evaluation as the monitoring centres compute it.
//!
//! - [`aqi`]: HJ 633 IAQI/AQI, daily and real-time, for the 2012 and the 2026 texts.
//! - [`daily`]: GB 3095 validity and the daily values (24-h means, O3 1-h and 8-h maxima)
//!   from hourly data; city values from station values.
//! - [`stats`]: HJ 663 period statistics: means, percentiles, good-day ratio, attainment and
//!   the composite index; year-on-year comparison and the 两降一增 verdict.
//!
//! Pure: no I/O, no clock. Every number that meets a boundary is exact ([`exact::Exact`]).

pub mod aqi;
pub use rectify_exact::{date, exact};
pub mod daily;
pub mod iaqi;
pub mod standard;
pub mod stats;
pub mod targets;
