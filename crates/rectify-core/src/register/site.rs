//! Construction sites under the dust rules (六个百分之百, workflow.md §6.3): inspected against a
//! checklist; what fails gets a deadline and a re-inspection; a site with failures is stopped
//! for remediation (停工整治) and resumes only when the re-inspection passes. Sites failing
//! repeatedly are listed.

use super::{Inspection, Lifecycle, MoveContext, Refusal, require_field};
use rectify_exact::date::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

labelled_enum!(
    State, "状态" {
        Building => "building", "在建";
        Stopped => "stopped", "停工整治";
        Finished => "finished", "完工";
    }
);

labelled_enum!(
    ProjectType, "项目类型" {
        Building => "building", "建筑";
        Road => "road", "道路";
        Municipal => "municipal", "市政";
        Demolition => "demolition", "拆迁";
        Water => "water", "水利";
    }
);

/// The six 100% items (Henan 2016 wording); cities replace them in the setting
/// `register.site.checklist`.
pub const DEFAULT_CHECKLIST: [&str; 6] = [
    "工地周边围挡",
    "物料堆放覆盖",
    "出入车辆冲洗",
    "施工现场地面硬化",
    "拆迁工地湿法作业",
    "渣土车辆密闭运输",
];

/// Every field may be left out (an entry is first registered by name and place).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    pub project_type: Option<ProjectType>,
    /// 建设单位, 施工单位, 监理单位.
    pub builder: String,
    pub contractor: String,
    pub supervisor: String,
    /// 扬尘治理负责人.
    pub dust_manager: String,
    /// Online video monitoring at the dust points.
    pub video_online: bool,
}

impl Lifecycle for State {
    const ORDER: &'static [State] = State::ALL;
    type Details = Details;

    fn next(from: State) -> &'static [State] {
        match from {
            State::Building => &[State::Stopped, State::Finished],
            State::Stopped => &[State::Building],
            State::Finished => &[],
        }
    }

    fn done(self) -> bool {
        self == State::Finished
    }

    fn guard(_: &Details, _: State, to: State, cx: &MoveContext<'_>) -> Result<(), Refusal> {
        let label = to.label_zh();
        match to {
            State::Stopped => require_field(!cx.reason.trim().is_empty(), label, "停工原因"),
            State::Building | State::Finished if cx.open_findings > 0 => Err(Refusal::NotPassed {
                to: label,
                what: format!("尚有{}次检查发现的问题未复查通过", cx.open_findings),
            }),
            State::Building | State::Finished => Ok(()),
        }
    }
}

/// A repeat offender: failed inspections on at least `times` days within the `days` up to `on`.
pub fn repeat_offender(inspections: &[Inspection], on: Date, days: i32, times: usize) -> bool {
    let since = on.add_days(-days);
    let mut failed_days: Vec<Date> = inspections
        .iter()
        .filter(|i| !i.passed() && i.on > since && i.on <= on)
        .map(|i| i.on)
        .collect();
    failed_days.dedup();
    failed_days.len() >= times
}
