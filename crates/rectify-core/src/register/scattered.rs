//! 散乱污 enterprises (workflow.md §6.1): found in a survey, remediated by one of three disposals,
//! accepted, signed off ("依法整治一个，销号一个") and then patrolled for rebounds (死灰复燃).
//! A 关停取缔 entry is signed off only with evidence of all of 两断三清.

use super::{Lifecycle, MoveContext, Refusal, require_field};
use rectify_exact::date::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

labelled_enum!(
    /// 散: outside planned areas; 乱: without the permits; 污: polluting beyond the standards.
    Problem, "问题类型" {
        Scattered => "san", "散";
        Disorderly => "luan", "乱";
        Polluting => "wu", "污";
    }
);

labelled_enum!(
    Disposal, "整治类型" {
        Close => "close", "关停取缔";
        Relocate => "relocate", "整合搬迁";
        Upgrade => "upgrade", "升级改造";
    }
);

labelled_enum!(
    Source, "发现来源" {
        Survey => "survey", "排查";
        Complaint => "complaint", "举报";
        Inspection => "inspection", "督察";
    }
);

labelled_enum!(
    State, "状态" {
        Registered => "registered", "排查登记";
        Remediating => "remediating", "整治中";
        Acceptance => "acceptance", "验收";
        SignedOff => "signed_off", "销号";
        Patrol => "patrol", "巡查";
    }
);

/// 两断三清: the evidence kinds a 关停取缔 sign-off needs, one each.
pub const CLEARANCES: [&str; 5] = ["断水", "断电", "清原料", "清设备", "清产品"];
/// The evidence an 升级改造 acceptance rests on.
pub const UPGRADE_EVIDENCE: &str = "验收监测报告";

/// Every field may be left out (an entry is first registered by name and place).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    pub problems: Vec<Problem>,
    pub disposal: Option<Disposal>,
    pub industry: String,
    /// 手续缺失项 (环评, 排污许可, 工商 …).
    pub missing_permits: String,
    pub measures: String,
    pub due: Option<Date>,
    /// 包保责任人.
    pub responsible: String,
    /// 网格员.
    pub grid_person: String,
    /// Where a 整合搬迁 entry moved to.
    pub relocated_to: String,
    pub source: Option<Source>,
}

impl Lifecycle for State {
    const ORDER: &'static [State] = State::ALL;
    type Details = Details;

    fn next(from: State) -> &'static [State] {
        use State::*;
        match from {
            Registered => &[Remediating],
            Remediating => &[Acceptance],
            // Not accepted: back to work.
            Acceptance => &[SignedOff, Remediating],
            // A rebound reopens a signed-off entry.
            SignedOff => &[Patrol, Remediating],
            Patrol => &[Remediating],
        }
    }

    fn done(self) -> bool {
        matches!(self, State::SignedOff | State::Patrol)
    }

    /// A move back to 整治中 from a signed-off or patrolled entry: a rebound (反弹).
    fn rebound(from: State, to: State) -> bool {
        from.done() && to == State::Remediating
    }

    fn guard(d: &Details, from: State, to: State, cx: &MoveContext<'_>) -> Result<(), Refusal> {
        let to_label = to.label_zh();
        let need = |ok: bool, field| require_field(ok, to_label, field);
        match (from, to) {
            (State::Registered, State::Remediating) => {
                need(!d.problems.is_empty(), "问题类型（散/乱/污）")?;
                need(d.disposal.is_some(), "整治类型")?;
                need(!d.responsible.trim().is_empty(), "包保责任人")
            }
            (State::Remediating, State::Acceptance) => match d.disposal {
                Some(Disposal::Relocate) => need(!d.relocated_to.trim().is_empty(), "搬迁去向"),
                Some(Disposal::Upgrade) => cx.require_evidence(to_label, &[UPGRADE_EVIDENCE]),
                Some(Disposal::Close) | None => Ok(()),
            },
            (State::Acceptance, State::SignedOff) => {
                if cx.open_findings > 0 {
                    return Err(Refusal::NotPassed {
                        to: to_label,
                        what: format!("尚有{}次检查发现的问题未复查通过", cx.open_findings),
                    });
                }
                match d.disposal {
                    Some(Disposal::Close) => cx.require_evidence(to_label, &CLEARANCES),
                    _ => Ok(()),
                }
            }
            // Sending back or reopening needs its reason on record.
            (_, State::Remediating) => need(!cx.reason.trim().is_empty(), "原因"),
            _ => Ok(()),
        }
    }
}
