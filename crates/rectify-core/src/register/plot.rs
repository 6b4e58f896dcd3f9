//! 建设用地污染地块名录 (土壤污染防治法 §§59–66): a suspected plot is surveyed, then surveyed in
//! detail and its risk assessed; only an assessed plot is listed; a listed plot is managed or
//! remediated, its effect assessed, and then taken off the list. A survey finding nothing over
//! the screening values, or an assessment finding the risk acceptable, excludes the plot.

use super::{Lifecycle, MoveContext, Refusal, require_field};
use serde::{Deserialize, Serialize};
use std::fmt;

labelled_enum!(
    State, "状态" {
        Suspected => "suspected", "疑似";
        Preliminary => "preliminary", "初步调查";
        Detailed => "detailed", "详细调查";
        RiskAssessment => "risk_assessment", "风险评估";
        Listed => "listed", "列入名录";
        RiskControl => "risk_control", "风险管控";
        Remediation => "remediation", "治理修复";
        EffectAssessment => "effect_assessment", "效果评估";
        Delisted => "delisted", "移出名录";
        Excluded => "excluded", "排除（非污染地块）";
    }
);

labelled_enum!(
    /// GB 36600-2018's two classes of planned land use.
    PlannedUse, "规划用途" {
        First => "first", "第一类用地";
        Second => "second", "第二类用地";
    }
);

/// The report each step rests on.
pub const SURVEY_REPORT: &str = "调查报告";
pub const RISK_REPORT: &str = "风险评估报告";
pub const EFFECT_REPORT: &str = "效果评估报告";

/// Every field may be left out (an entry is first registered by name and place).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    /// Square metres, as written.
    pub area_m2: String,
    /// What the land was used for (the industry that may have polluted it).
    pub former_use: String,
    pub planned_use: Option<PlannedUse>,
    /// 土地使用权人.
    pub land_user: String,
    /// Pollutants over the screening values, as the survey named them.
    pub pollutants: String,
}

impl Lifecycle for State {
    const ORDER: &'static [State] = State::ALL;
    type Details = Details;

    fn next(from: State) -> &'static [State] {
        use State::*;
        match from {
            Suspected => &[Preliminary],
            Preliminary => &[Detailed, Excluded],
            Detailed => &[RiskAssessment],
            RiskAssessment => &[Listed, Excluded],
            Listed => &[RiskControl, Remediation],
            RiskControl | Remediation => &[EffectAssessment],
            // The targets not met: back to work.
            EffectAssessment => &[Delisted, RiskControl, Remediation],
            Delisted | Excluded => &[],
        }
    }

    fn done(self) -> bool {
        matches!(self, State::Delisted | State::Excluded)
    }

    fn guard(d: &Details, from: State, to: State, cx: &MoveContext<'_>) -> Result<(), Refusal> {
        let label = to.label_zh();
        match (from, to) {
            (State::Preliminary | State::Detailed, _) => {
                cx.require_evidence(label, &[SURVEY_REPORT])
            }
            (State::RiskAssessment, _) => cx.require_evidence(label, &[RISK_REPORT]),
            (State::Listed, _) => require_field(d.planned_use.is_some(), label, "规划用途"),
            (State::EffectAssessment, State::Delisted) => {
                cx.require_evidence(label, &[EFFECT_REPORT])
            }
            (State::EffectAssessment, _) => {
                require_field(!cx.reason.trim().is_empty(), label, "原因")
            }
            _ => Ok(()),
        }
    }
}

/// While listed and until its targets are met, the plot may not be turned to housing or public
/// use, nor built on for anything but the control or remediation (土壤污染防治法 §66).
pub fn land_use_restriction(state: State) -> Option<&'static str> {
    matches!(
        state,
        State::Listed | State::RiskControl | State::Remediation | State::EffectAssessment
    )
    .then_some(
        "列入名录：不得作为住宅、公共管理与公共服务用地；未达到风险管控、修复目标前，禁止开工建设与风险管控、修复无关的项目",
    )
}
