//! Complaints as a transfer list gives them and as they are kept: plain rows the file formats
//! read and write and the store persists (the store reads them from SQL, the formats never see it).

use super::{Channel, Clock, ClockState, Handling, PollutionType, Verdict};
use rectify_exact::date::Date;
use serde::{Deserialize, Serialize};

/// What the handling unit reported back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Feedback {
    pub investigation: String,
    pub verdict: Option<Verdict>,
    pub counts: Measures,
    pub result: String,
    /// 责任人被处理情况 as written ("无", "对…进行约谈").
    pub accountability: String,
    pub handling: Option<Handling>,
    pub reported_on: Option<Date>,
    pub follow_up: String,
}

/// The daily summary's counts for one complaint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measures {
    pub ordered: u32,
    pub penalised: u32,
    /// 元, an exact decimal.
    pub penalty_yuan: String,
    pub criminal_cases: u32,
    pub detained: u32,
    pub interviewed: u32,
    pub held_accountable: u32,
}

/// One complaint as the transfer list gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewComplaint {
    pub seq: u32,
    pub received_no: String,
    pub channel: Channel,
    pub region: Option<String>,
    pub types: Vec<PollutionType>,
    pub types_raw: String,
    pub industry: String,
    pub description: String,
    pub contact: String,
    pub key_case: bool,
    pub feedback: Feedback,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    pub number: u32,
    pub transferred_on: Date,
    pub clock: Clock,
    pub complaints: Vec<NewComplaint>,
}

/// A stored complaint: what the transfer list gave, with its batch, clock, links and returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintRecord {
    #[serde(skip)]
    pub id: i64,
    pub source: String,
    pub batch: u32,
    /// Its contact is private to the office.
    #[serde(flatten)]
    pub complaint: NewComplaint,
    pub repeat_of: Option<String>,
    pub suggested_repeat_of: Option<String>,
    /// (plan, number) of a plan item at the same site.
    pub suggested_item: Option<(String, u32)>,
    pub suggested_site: String,
    pub unit: Option<String>,
    #[serde(skip)]
    pub unit_id: Option<i64>,
    pub transferred_on: Date,
    pub due_on: Date,
    pub returns: u32,
}

impl ComplaintRecord {
    /// The feedback is in and stands: reported, and not returned for re-handling since (a
    /// return clears the report date). What the portal publishes as answered and the bulletin
    /// counts as reported.
    pub fn answered(&self) -> bool {
        self.complaint.feedback.reported_on.is_some()
    }

    pub fn clock(&self, today: Date) -> ClockState {
        ClockState::of(self.due_on, self.complaint.feedback.reported_on, today)
    }
}
