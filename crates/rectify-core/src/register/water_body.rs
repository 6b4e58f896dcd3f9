//! Urban black and odorous water bodies (城市黑臭水体, workflow.md §6.4): treated until the
//! monitoring shows no black-odour and the public agrees, then kept clean; a recurrence (返黑返臭)
//! reopens the entry as a rebound.
//!
//! The grade follows 《城市黑臭水体整治工作指南》(2015) Table 1: 轻度 at transparency 25–10 cm
//! (40 % of the depth where the water is shallower than 25 cm; where that is under 10 cm it is
//! also the severe bound — this module's reading), dissolved oxygen 0.2–2.0 mg/L,
//! ORP −200–50 mV or ammonia nitrogen 8.0–15 mg/L; 重度 beyond (transparency < 10, DO < 0.2,
//! ORP < −200, NH₃-N > 15). Over a set of samples a level is reached when one indicator has it in
//! at least 60 % of the samples or two indicators in at least 30 % (以上 includes the bound). The
//! guide words that rule for 重度; reading it for 轻度 as well is this module's choice.

use super::{Lifecycle, MoveContext, Refusal, require_field};
use rectify_exact::date::Date;
use rectify_exact::exact::{Exact, parse_decimal};
use serde::{Deserialize, Serialize};
use std::fmt;

labelled_enum!(
    State, "状态" {
        Untreated => "untreated", "未整治";
        Treating => "treating", "治理中";
        Treated => "treated", "完成治理";
        Effective => "effective", "初见成效";
        Lasting => "lasting", "长制久清";
    }
);

labelled_enum!(
    WaterType, "水体类型" {
        River => "river", "河流";
        Pond => "pond", "湖塘";
        Canal => "canal", "渠道";
    }
);

labelled_enum!(
    Grade, "黑臭级别" {
        Clear => "clear", "无黑臭";
        Light => "light", "轻度黑臭";
        Severe => "severe", "重度黑臭";
    }
);

labelled_enum!(
    Measure, "治理措施" {
        SourceControl => "source_control", "控源截污";
        Sediment => "sediment", "内源治理";
        Ecological => "ecological", "生态修复";
        Flow => "flow", "活水保质";
    }
);

/// The evidence a finished treatment rests on.
pub const COMPLETION_REPORT: &str = "治理完工报告";
/// The public's verdict needed for 初见成效 and 长制久清, in percent.
pub const SATISFACTION_NEEDED: i64 = 90;
/// The monitoring window a verdict looks back over, in days before the move.
pub const WINDOW_DAYS: i32 = 90;

/// One monitoring sample of the four indicators, values as written (decimals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    pub on: Date,
    /// 透明度, cm.
    pub transparency: String,
    /// Water depth at the point, cm, when shallower than 25 cm matters.
    #[serde(default)]
    pub depth: Option<String>,
    /// 溶解氧, mg/L.
    pub dissolved_oxygen: String,
    /// 氧化还原电位, mV.
    pub orp: String,
    /// 氨氮, mg/L.
    pub ammonia: String,
}

/// Every field may be left out (an entry is first registered by name and place).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    pub water_type: Option<WaterType>,
    /// 起止边界.
    pub boundaries: String,
    /// Length (m) or area (m²) as written.
    pub size: String,
    /// The grade found when it was listed.
    pub listed_grade: Option<Grade>,
    pub measures: Vec<Measure>,
    /// 河长.
    pub river_chief: String,
    pub due: Option<Date>,
    pub samples: Vec<Sample>,
    /// The latest public survey: share satisfied, percent as written.
    pub satisfaction: Option<String>,
}

/// A signed decimal: ORP is often negative, which the concentration readers refuse.
fn value(text: &str, what: &str) -> Result<Exact, String> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix(['-', '−']) {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let magnitude = parse_decimal(digits)
        .ok()
        .flatten()
        .ok_or_else(|| format!("{what}“{text}”不是数值"))?;
    Ok(if negative {
        Exact::ZERO - magnitude
    } else {
        magnitude
    })
}

/// An indicator's level in one sample.
fn level(light: bool, severe: bool) -> Grade {
    if severe {
        Grade::Severe
    } else if light {
        Grade::Light
    } else {
        Grade::Clear
    }
}

impl Sample {
    /// The level of each indicator: transparency, DO, ORP, ammonia.
    pub fn levels(&self) -> Result<[Grade; 4], String> {
        let t = value(&self.transparency, "透明度")?;
        let light_top = match &self.depth {
            Some(depth) if value(depth, "水深")? < Exact::int(25) => {
                value(depth, "水深")?.mul_int(2).div_int(5)
            }
            _ => Exact::int(25),
        };
        let dissolved = value(&self.dissolved_oxygen, "溶解氧")?;
        let orp = value(&self.orp, "氧化还原电位")?;
        let ammonia = value(&self.ammonia, "氨氮")?;
        let tenth = |n: i64| Exact::ratio(i128::from(n), 10);
        // In shallow water the severe bound cannot lie above the light one.
        let severe_below = if light_top < Exact::int(10) {
            light_top
        } else {
            Exact::int(10)
        };
        Ok([
            level(t <= light_top, t < severe_below),
            level(dissolved <= tenth(20), dissolved < tenth(2)),
            level(orp <= Exact::int(50), orp < Exact::int(-200)),
            level(ammonia >= tenth(80), ammonia > Exact::int(15)),
        ])
    }
}

/// The grade over a set of samples (see the module's note); `Clear` without samples.
pub fn grade(samples: &[&Sample]) -> Result<Grade, String> {
    let levels: Vec<[Grade; 4]> = samples
        .iter()
        .map(|s| s.levels())
        .collect::<Result<_, _>>()?;
    let n = levels.len();
    let reaches = |at: Grade| {
        let shares: Vec<usize> = (0..4)
            .map(|i| levels.iter().filter(|l| l[i] >= at).count())
            .collect();
        let one_at_60 = shares.iter().any(|c| c * 10 >= n * 6 && *c > 0);
        let two_at_30 = shares
            .iter()
            .filter(|c| **c * 10 >= n * 3 && **c > 0)
            .count()
            >= 2;
        n > 0 && (one_at_60 || two_at_30)
    };
    Ok(if reaches(Grade::Severe) {
        Grade::Severe
    } else if reaches(Grade::Light) {
        Grade::Light
    } else {
        Grade::Clear
    })
}

impl Details {
    /// The samples within the window before `on`.
    pub fn recent(&self, on: Date) -> Vec<&Sample> {
        let since = on.add_days(-WINDOW_DAYS);
        self.samples
            .iter()
            .filter(|s| s.on > since && s.on <= on)
            .collect()
    }

    /// Why the entry cannot be called clean on `on`, if it cannot.
    fn not_clean(&self, on: Date) -> Option<String> {
        let recent = self.recent(on);
        if recent.is_empty() {
            return Some(format!("近{WINDOW_DAYS}天没有水质监测数据"));
        }
        match grade(&recent) {
            Err(e) => return Some(e),
            Ok(Grade::Clear) => {}
            Ok(g) => {
                return Some(format!(
                    "近{WINDOW_DAYS}天{}次监测判定为{}",
                    recent.len(),
                    g.label_zh()
                ));
            }
        }
        let satisfied = self
            .satisfaction
            .as_deref()
            .and_then(|s| value(s.trim().trim_end_matches('%'), "满意度").ok());
        match satisfied {
            Some(share) if share >= Exact::int(SATISFACTION_NEEDED) => None,
            Some(_) | None => Some(format!(
                "公众满意度须达到{SATISFACTION_NEEDED}%（现为{}）",
                self.satisfaction.as_deref().unwrap_or("未调查")
            )),
        }
    }
}

impl Lifecycle for State {
    const ORDER: &'static [State] = State::ALL;
    type Details = Details;

    fn next(from: State) -> &'static [State] {
        use State::*;
        match from {
            Untreated => &[Treating],
            Treating => &[Treated],
            Treated => &[Effective, Treating],
            // A recurrence (返黑返臭) sends it back to work.
            Effective => &[Lasting, Treating],
            Lasting => &[Treating],
        }
    }

    fn done(self) -> bool {
        matches!(self, State::Effective | State::Lasting)
    }

    fn rebound(from: State, to: State) -> bool {
        from.done() && to == State::Treating
    }

    fn guard(d: &Details, from: State, to: State, cx: &MoveContext<'_>) -> Result<(), Refusal> {
        let label = to.label_zh();
        match (from, to) {
            (State::Untreated, State::Treating) => {
                require_field(!d.measures.is_empty(), label, "治理措施")?;
                require_field(!d.river_chief.trim().is_empty(), label, "河长")
            }
            (State::Treating, State::Treated) => cx.require_evidence(label, &[COMPLETION_REPORT]),
            (_, State::Effective | State::Lasting) => match d.not_clean(cx.on) {
                None => Ok(()),
                Some(what) => Err(Refusal::NotPassed { to: label, what }),
            },
            (_, State::Treating) => require_field(!cx.reason.trim().is_empty(), label, "原因"),
            _ => Ok(()),
        }
    }
}
