//! A register entry as a file or a form gives it and as it is kept: plain rows the file formats
//! read and write and the store persists.

use super::{Details, Identity, Kind};
use rectify_exact::date::Date;
use serde::Serialize;

/// An entry as a file or a form gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub identity: Identity,
    /// A state code of the kind for an entry registered before rectify kept it; `None`: the
    /// kind's first state. Ignored for entries already stored, whose state only moves by rule.
    pub state: Option<String>,
    pub details: Details,
    pub created_on: Date,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryRecord {
    pub id: i64,
    pub kind: Kind,
    #[serde(flatten)]
    pub identity: Identity,
    #[serde(skip)]
    pub county_id: i64,
    /// The state's code; `state_label` for people.
    pub state: String,
    pub state_label: String,
    pub details: Details,
    pub rebounds: u32,
    pub created_on: Date,
}
