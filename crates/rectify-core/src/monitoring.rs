//! Monitoring data in their stored form: air station-days and surface-water sections and
//! samples as the store keeps them and the file formats convert them. Plain rows here so the
//! formats need no database to read or write them.

use rectify_air::daily::MicroGrid;
use rectify_exact::date::Date;

/// A station-day read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStationDay {
    pub station: String,
    pub city: Option<String>,
    pub date: Date,
    pub grid: MicroGrid,
    pub dust: bool,
}

/// A section's attributes as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaterSectionRow<'a> {
    pub code: &'a str,
    pub name: &'a str,
    /// `river` or `lake`.
    pub water_body: &'a str,
    pub target_class: Option<&'a str>,
    pub level: &'a str,
    pub county: &'a str,
    pub river: &'a str,
    pub basin: &'a str,
    pub drinking_source: bool,
}

/// A sample as stored; `readings` is the encoded text (see the migration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaterSampleRow<'a> {
    pub section: &'a str,
    pub time: &'a str,
    pub date: Date,
    pub readings: &'a str,
    pub withdrawal: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSection {
    pub code: String,
    pub name: String,
    pub water_body: String,
    pub target_class: Option<String>,
    pub level: String,
    pub county: String,
    pub river: String,
    pub basin: String,
    pub drinking_source: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSample {
    pub section: String,
    pub time: String,
    pub date: Date,
    pub readings: String,
    pub withdrawal: Option<String>,
}
