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
    /// 移送 (件): cases handed to the police or the discipline commission. Absent from
    /// publications frozen before it was kept, hence the default.
    #[serde(default)]
    pub transferred: u32,
}

/// The 一览表's figures for one complaint, in the order forms and the CLI give them.
pub const MEASURE_LABELS: [&str; 8] = [
    "责令整改（家）",
    "立案处罚（家）",
    "罚款（元）",
    "立案侦查（件）",
    "拘留（人）",
    "约谈（人）",
    "问责（人）",
    "移送（件）",
];

/// Integer digits a penalty may have: up to 10¹² 元, far above any fine, so a slip of the
/// keyboard (an extra run of zeros) is caught.
const PENALTY_DIGITS: usize = 12;

/// The largest count a 一览表 figure may hold.
pub const MAX_COUNT: u32 = 999_999;

impl Measures {
    /// The eight figures as typed, in [`MEASURE_LABELS`] order. A count is a whole number ≥ 0
    /// (blank reads 0); 罚款 is 元 ≥ 0 with at most two decimals (分), no sign, exponent or
    /// separators (blank reads 0). The error names the field.
    pub fn parse(texts: [&str; 8]) -> Result<Measures, String> {
        let count = |i: usize| -> Result<u32, String> {
            let t = texts[i].trim();
            if t.is_empty() {
                return Ok(0);
            }
            // A count of firms, people or cases: far below a million however large the case,
            // so a typo's extra digits are refused rather than summed into the portal's totals.
            t.parse::<u32>()
                .ok()
                .filter(|&n| n <= MAX_COUNT)
                .ok_or_else(|| {
                    format!("{}“{t}”应为 0 到 {MAX_COUNT} 之间的整数", MEASURE_LABELS[i])
                })
        };
        Ok(Measures {
            ordered: count(0)?,
            penalised: count(1)?,
            penalty_yuan: penalty_yuan(texts[2])?,
            criminal_cases: count(3)?,
            detained: count(4)?,
            interviewed: count(5)?,
            held_accountable: count(6)?,
            transferred: count(7)?,
        })
    }

    /// The figures as text, in [`MEASURE_LABELS`] order, for a form to show.
    pub fn texts(&self) -> [String; 8] {
        [
            self.ordered.to_string(),
            self.penalised.to_string(),
            self.penalty_yuan.clone(),
            self.criminal_cases.to_string(),
            self.detained.to_string(),
            self.interviewed.to_string(),
            self.held_accountable.to_string(),
            self.transferred.to_string(),
        ]
    }
}

/// A fine in 元 as stored: "12.5" stays "12.5", blank is "0". See [`Measures::parse`].
pub fn penalty_yuan(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok("0".into());
    }
    let (whole, cents) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let fits = !whole.is_empty()
        && whole.len() <= PENALTY_DIGITS
        && digits(whole)
        && digits(cents)
        && cents.len() <= 2
        && !(t.contains('.') && cents.is_empty());
    if fits {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{}“{t}”应为不小于 0 的金额，单位元，最多两位小数（例：200000 或 12.5）",
            MEASURE_LABELS[2]
        ))
    }
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
    /// Columns the list has beyond the known ones (备注 …), in column order: kept and shown.
    pub extras: Vec<Extra>,
}

/// One cell of a column the reader does not interpret, under its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    pub label: String,
    pub text: String,
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
    /// (plan, number) of the plan item the office confirmed the complaint concerns.
    pub item: Option<(String, u32)>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_whole_counts_and_a_fine_in_yuan_to_the_fen() {
        let m = Measures::parse(["1", "", "12000.5", "0", " 2 ", "3", "4", "5"]).unwrap();
        assert_eq!((m.ordered, m.penalised, m.detained), (1, 0, 2));
        assert_eq!(m.penalty_yuan, "12000.5");
        assert_eq!((m.texts()[6].as_str(), m.transferred), ("4", 5));
        let bad = |i: usize, t: &'static str| {
            let mut texts = ["0"; 8];
            texts[i] = t;
            Measures::parse(texts).unwrap_err()
        };
        assert!(bad(0, "-1").contains("责令整改（家）"));
        assert!(bad(6, "1.5").contains("问责（人）"));
        assert!(bad(7, "两").contains("移送（件）"));
        assert!(
            bad(1, "3000000000").contains("0 到 999999"),
            "a typo's digits"
        );
        assert_eq!(
            Measures::parse(["999999", "0", "0", "0", "0", "0", "0", "0"])
                .unwrap()
                .ordered,
            MAX_COUNT
        );
        for fine in ["-5", "1e3", "1,000", "0.125", "3.", ".5", "1000000000000"] {
            assert!(bad(2, fine).contains("罚款（元）"), "{fine}");
        }
        assert_eq!(penalty_yuan("").unwrap(), "0");
        assert_eq!(penalty_yuan("999999999999.99").unwrap(), "999999999999.99");
    }
}
