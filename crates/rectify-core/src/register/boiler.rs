//! The coal-fired boiler inventory (燃煤锅炉, workflow.md §6.5): a boiler in use is retired or
//! refitted as its size requires — 35 t/h and below retired (淘汰, including switching to clean
//! fuel), 35–65 t/h at least to the special emission limits, 65 t/h and above to ultra-low
//! emissions.

use super::{Lifecycle, MoveContext, Refusal};
use rectify_exact::exact::{Exact, parse_decimal};
use serde::{Deserialize, Serialize};
use std::fmt;

labelled_enum!(
    State, "状态" {
        InUse => "in_use", "在用";
        Retired => "retired", "淘汰";
        SpecialLimits => "special_limits", "特别排放限值改造";
        UltraLow => "ultra_low", "超低排放改造";
    }
);

/// The evidence each outcome rests on.
pub const REMOVAL_PHOTO: &str = "拆除照片";
pub const MONITORING_REPORT: &str = "验收监测报告";

/// Every field may be left out (an entry is first registered by name and place).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    /// 使用单位.
    pub owner: String,
    /// 蒸吨/时, as written.
    pub capacity: String,
    /// 供热, 生产 …
    pub purpose: String,
}

impl Details {
    fn capacity(&self) -> Option<Exact> {
        parse_decimal(self.capacity.trim()).ok().flatten()
    }
}

impl Lifecycle for State {
    const ORDER: &'static [State] = State::ALL;
    type Details = Details;

    fn next(from: State) -> &'static [State] {
        match from {
            State::InUse => &[State::Retired, State::SpecialLimits, State::UltraLow],
            // A refitted boiler may still be retired later.
            State::SpecialLimits | State::UltraLow => &[State::Retired],
            State::Retired => &[],
        }
    }

    fn done(self) -> bool {
        self != State::InUse
    }

    fn guard(d: &Details, _: State, to: State, cx: &MoveContext<'_>) -> Result<(), Refusal> {
        let label = to.label_zh();
        let Some(capacity) = d.capacity() else {
            return Err(Refusal::MissingField {
                to: label,
                field: "额定蒸发量（蒸吨/时）",
            });
        };
        let not_enough = |what: &str| Refusal::NotPassed {
            to: label,
            what: format!("{}蒸吨/时的燃煤锅炉须{what}", d.capacity.trim()),
        };
        match to {
            State::Retired => cx.require_evidence(label, &[REMOVAL_PHOTO]),
            _ if capacity <= Exact::int(35) => Err(not_enough("淘汰（35蒸吨/时及以下）")),
            State::SpecialLimits if capacity >= Exact::int(65) => {
                Err(not_enough("淘汰或超低排放改造（65蒸吨/时及以上）"))
            }
            State::SpecialLimits | State::UltraLow => {
                cx.require_evidence(label, &[MONITORING_REPORT])
            }
            State::InUse => Ok(()),
        }
    }
}
