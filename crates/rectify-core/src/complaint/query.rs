//! Which complaints a list shows: the filters the web list and `rectify complaint list` share.
//! The viewer's scope is not here: the store applies it in its query.

use super::{ComplaintRecord, Handling, Verdict};
use rectify_exact::date::Date;

/// The 办理状态 a filter asks for: a reported state, or not reported at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    Reported(Handling),
    Unreported,
}

impl StateFilter {
    /// "已办结", "阶段性办结", "正在办理" or "未反馈".
    pub fn parse(text: &str) -> Option<StateFilter> {
        match text.trim() {
            UNREPORTED => Some(StateFilter::Unreported),
            t => Handling::parse(t).map(StateFilter::Reported),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            StateFilter::Reported(h) => h.label_zh(),
            StateFilter::Unreported => UNREPORTED,
        }
    }

    /// Every choice, in the order a form lists them.
    pub fn all() -> Vec<StateFilter> {
        Handling::ALL
            .iter()
            .map(|h| StateFilter::Reported(*h))
            .chain([StateFilter::Unreported])
            .collect()
    }
}

const UNREPORTED: &str = "未反馈";

/// A list's filters; `None` or `false` lets every complaint through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplaintQuery {
    pub batch: Option<u32>,
    /// 行政区域 as the list writes it.
    pub region: Option<String>,
    /// The handling unit's name.
    pub unit: Option<String>,
    pub state: Option<StateFilter>,
    pub verdict: Option<Verdict>,
    /// Past its due day without feedback.
    pub overdue: bool,
    /// 重点件 only.
    pub key_case: bool,
    /// Words in the 受理编号, the problem, the investigation or the result.
    pub text: Option<String>,
}

impl ComplaintQuery {
    pub fn matches(&self, c: &ComplaintRecord, today: Date) -> bool {
        let feedback = &c.complaint.feedback;
        let state = match feedback.handling {
            Some(h) => StateFilter::Reported(h),
            None => StateFilter::Unreported,
        };
        self.batch.is_none_or(|b| c.batch == b)
            && self
                .region
                .as_deref()
                .is_none_or(|r| c.complaint.region.as_deref() == Some(r))
            && self
                .unit
                .as_deref()
                .is_none_or(|u| c.unit.as_deref() == Some(u))
            && self.state.is_none_or(|s| s == state)
            && self.verdict.is_none_or(|v| feedback.verdict == Some(v))
            && (!self.overdue || c.clock(today).is_overdue())
            && (!self.key_case || c.complaint.key_case)
            && self.text.as_deref().is_none_or(|t| mentions(c, t))
    }
}

fn mentions(c: &ComplaintRecord, text: &str) -> bool {
    let f = &c.complaint.feedback;
    [
        c.complaint.received_no.as_str(),
        &c.complaint.description,
        &f.investigation,
        &f.result,
        &f.accountability,
    ]
    .iter()
    .any(|field| field.contains(text.trim()))
}
