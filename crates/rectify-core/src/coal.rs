//! Coal consumption control and clean heating (workflow.md §6.5): each county's coal use against
//! its annual cap, and households switched to gas or electricity (气代煤, 电代煤) against their
//! target, with warnings when a county runs ahead of its cap or behind its switching.

use rectify_exact::exact::Exact;
use serde::{Deserialize, Serialize};

/// A month's figure as a file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigure {
    pub county: String,
    pub year: i32,
    pub month: u8,
    pub tons: String,
}

/// A year's targets as a file gives them; `None` leaves a part as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearTargets {
    pub county: String,
    pub year: i32,
    pub cap: Option<String>,
    pub heating_target: Option<u32>,
    pub heating_gas: Option<u32>,
    pub heating_electric: Option<u32>,
}

/// What a coal workbook holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoalFigures {
    pub months: Vec<MonthFigure>,
    pub targets: Vec<YearTargets>,
}

/// A county's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoalYear {
    pub county: String,
    pub year: i32,
    /// The cap, 万吨.
    pub cap: Option<Exact>,
    /// Consumption by month (1–12), 万吨.
    pub months: Vec<(u8, Exact)>,
    /// The year before's months, whose seasonal profile sets the pro-rata cap when complete.
    pub previous: Vec<(u8, Exact)>,
    pub heating_target: u32,
    pub heating_gas: u32,
    pub heating_electric: u32,
}

/// Where a county stands after `through` months, frozen with a bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoalStatus {
    pub county: String,
    pub year: i32,
    pub through: u8,
    /// 万吨, two decimals.
    pub used: String,
    pub cap: String,
    /// Used ÷ cap, a percentage to one decimal; "—" without a cap.
    pub share_of_cap: String,
    pub heating_done: u32,
    pub heating_target: u32,
    pub heating_rate: String,
    pub warnings: Vec<String>,
}

fn percent(part: Exact, whole: Exact) -> String {
    if whole == Exact::ZERO {
        return "—".into();
    }
    let share = part / whole;
    format!("{}%", share.mul_int(100).round_half_even(1).to_fixed(1))
}

fn sum_through(months: &[(u8, Exact)], through: u8) -> Exact {
    months
        .iter()
        .filter(|(m, _)| *m <= through)
        .fold(Exact::ZERO, |sum, (_, v)| sum + *v)
}

/// The share of a year's coal burnt by the end of month `through`: the year before's profile
/// when all twelve of its months are known (heating months burn more), else the months' share.
fn seasonal_share(previous: &[(u8, Exact)], through: u8) -> Exact {
    let complete = (1..=12).all(|m| previous.iter().any(|(p, _)| *p == m));
    let total = sum_through(previous, 12);
    if complete && total > Exact::ZERO {
        let part = sum_through(previous, through);
        part / total
    } else {
        Exact::ratio(i128::from(through), 12)
    }
}

/// The consumption the cap allows by the end of month `through` (序时进度), `None` without a cap.
pub fn pro_rata_cap(y: &CoalYear, through: u8) -> Option<Exact> {
    y.cap.map(|cap| cap * seasonal_share(&y.previous, through))
}

/// The last month with a recorded figure, or `None` before the first.
pub fn reported_through(y: &CoalYear) -> Option<u8> {
    y.months.iter().map(|(m, _)| *m).max()
}

/// A month of a county's year as the chart and the table show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthLine {
    pub month: u8,
    /// The month's figure, when recorded.
    pub used: Option<Exact>,
    /// Consumption from January through this month.
    pub cumulative: Exact,
    /// What the cap allows by the end of this month.
    pub allowed: Option<Exact>,
}

/// The twelve months with their figures, running totals and pro-rata caps.
pub fn month_lines(y: &CoalYear) -> Vec<MonthLine> {
    (1..=12)
        .map(|month| MonthLine {
            month,
            used: y.months.iter().find(|(m, _)| *m == month).map(|(_, v)| *v),
            cumulative: sum_through(&y.months, month),
            allowed: pro_rata_cap(y, month),
        })
        .collect()
}

/// The county's standing after `through` months: consumption so far against the cap's share
/// of the year passed (序时进度, by the year before's seasonal profile) and against the whole cap;
/// households switched against the target's share of the months passed.
pub fn assess(y: &CoalYear, through: u8) -> CoalStatus {
    let used = sum_through(&y.months, through);
    let elapsed = |whole: Exact| whole.mul_int(i64::from(through)).div_int(12);
    let mut warnings = Vec::new();
    if let (Some(cap), Some(allowed)) = (y.cap, pro_rata_cap(y, through)) {
        if used > cap {
            warnings.push(format!(
                "煤炭消费{}万吨，已超过年度控制目标{}万吨",
                used.to_fixed(2),
                cap.to_fixed(2)
            ));
        } else if used > allowed {
            warnings.push(format!(
                "煤炭消费{}万吨，超过序时进度{}万吨",
                used.to_fixed(2),
                allowed.round_half_even(2).to_fixed(2)
            ));
        }
    }
    let done = y.heating_gas + y.heating_electric;
    let target = Exact::int(i64::from(y.heating_target));
    if y.heating_target > 0 && Exact::int(i64::from(done)) < elapsed(target) {
        warnings.push(format!(
            "清洁取暖改造{done}户，落后于序时进度{}户",
            elapsed(target).ceil()
        ));
    }
    CoalStatus {
        county: y.county.clone(),
        year: y.year,
        through,
        used: used.round_half_even(2).to_fixed(2),
        cap: y
            .cap
            .map_or("—".into(), |c| c.round_half_even(2).to_fixed(2)),
        share_of_cap: y.cap.map_or("—".into(), |c| percent(used, c)),
        heating_done: done,
        heating_target: y.heating_target,
        heating_rate: percent(Exact::int(i64::from(done)), target),
        warnings,
    }
}
