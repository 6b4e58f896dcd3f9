//! The monthly bulletin's facts (整改进展月度通报, workflow.md §9 item 1), computed once from the
//! ledger at the report date and then frozen: every rendering reads these facts, never the
//! ledger, so a bulletin regenerated later shows the same numbers.

use crate::complaint::ClockState;
use crate::dispatch::{
    AsOf, Assessment, Colour, ColourRules, Criticism, Decision, Milestone, RankWeights, Reporting,
    UnitTally, decide, rank,
};
use crate::ledger::{ItemState, Scope};
use crate::org::names;
use crate::task::TaskState;
use crate::text::short;
use rectify_exact::date::Date;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One item as the bulletin needs it.
#[derive(Debug, Clone)]
pub struct BulletinItem {
    pub plan: String,
    pub number: u32,
    pub scope: Scope,
    pub problem: String,
    pub lead_unit: String,
    pub units: Vec<String>,
    pub state: ItemState,
    pub final_due: Option<Date>,
    pub milestones: Vec<Milestone>,
    pub criticisms: Vec<Criticism>,
    /// When it was signed off (已销号 or 长期坚持), if it was.
    pub completed_on: Option<Date>,
    /// Each member's part when the item names a group (各县（区）政府 …).
    pub tasks: Vec<BulletinTask>,
}

/// A member's part of a shared item as the bulletin needs it: its state at the report date
/// and the item's milestones judged on the member's own progress.
#[derive(Debug, Clone)]
pub struct BulletinTask {
    pub unit: String,
    pub state: TaskState,
    pub milestones: Vec<Milestone>,
}

/// A unit's monthly reports for the period on one plan's items: the item numbers it had to
/// report on, and those missing or late.
#[derive(Debug, Clone, Default)]
pub struct UnitReports {
    pub unit: String,
    pub plan: String,
    pub expected: Vec<u32>,
    pub missing: Vec<u32>,
    pub late: Vec<u32>,
}

/// A transferred complaint (信访件) as the bulletin counts it.
#[derive(Debug, Clone)]
pub struct BulletinComplaint {
    pub received_no: String,
    /// The handling unit, when the office knows it.
    pub unit: Option<String>,
    pub transferred_on: Date,
    pub due_on: Date,
    pub reported_on: Option<Date>,
}

pub struct BulletinInput<'a> {
    /// The month and the day it is stated as of (`AsOf::for_period`).
    pub as_of: AsOf,
    pub items: &'a [BulletinItem],
    pub reports: &'a [UnitReports],
    /// The county-level units, ranked in their own list: each on the items it leads or is
    /// named in and on its tasks; every other unit on the items it leads.
    pub counties: &'a [String],
    /// The latest bulletin of an earlier period, for the changes and the rank movement.
    pub previous: Option<&'a BulletinFacts>,
    pub escalations: &'a [EscalationLine],
    /// Every transferred complaint; those transferred after the report date are left out.
    pub complaints: &'a [BulletinComplaint],
    pub rules: ColourRules,
    pub weights: RankWeights,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulletinFacts {
    /// "2019-03".
    pub period: String,
    /// The report date: the last day of the period, or the day it was generated while the
    /// period ran.
    pub as_of: String,
    /// Generated before the period ended (stated as of that day); false in bulletins frozen
    /// before mid-month bulletins were told apart, which were all stated at the month's end.
    #[serde(default)]
    pub partial: bool,
    /// 共性, 个性 and 合计.
    pub totals: Vec<Totals>,
    /// The totals of the previous bulletin, when there is one.
    pub previous: Option<PreviousBulletin>,
    pub units: Vec<RankLine>,
    pub counties: Vec<RankLine>,
    /// Each member's completion of the shared items (各县（区）政府 …), in the members' order.
    #[serde(default)]
    pub shared: Vec<SharedLine>,
    /// 黄 and 红 items, red first.
    pub lagging: Vec<ItemLine>,
    pub overdue: Vec<ItemLine>,
    pub signed_off: Vec<ItemLine>,
    pub reports: Vec<ReportGap>,
    /// Every item with its state and colour, for the annex.
    pub ledger: Vec<ItemLine>,
    /// The escalation steps issued in the month's dispatch round.
    #[serde(default)]
    pub escalations: Vec<EscalationLine>,
    /// The environmental targets in words (air quality year to date against the targets), set
    /// by the caller that can read the monitoring data; empty without data.
    #[serde(default)]
    pub environment: Vec<String>,
    /// The transferred complaints' clocks; `None` when no complaint was transferred by the
    /// report date (and in bulletins frozen before complaints were counted).
    #[serde(default)]
    pub complaints: Option<ComplaintFacts>,
    /// Each register's monthly sheet, set by the caller that reads the registers.
    #[serde(default)]
    pub registers: Vec<crate::register::monthly::RegisterMonth>,
    /// Special inspections with findings in the month, set by the caller.
    #[serde(default)]
    pub inspections: Vec<crate::special::RoundMonth>,
    /// Each county's coal use and clean heating through the month, set by the caller.
    #[serde(default)]
    pub coal: Vec<crate::coal::CoalStatus>,
    /// The thresholds and weights used, in words.
    pub method: String,
    /// The journal's head when the version was frozen, set by the store as it freezes: printed
    /// on the bulletin, which is filed and sent outside the system, so the paper witnesses the
    /// chain (`rectify audit verify --anchors`). `None` in versions frozen before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_head: Option<crate::journal::Anchor>,
}

/// The complaints section: how many came and were answered, each handling unit's clock
/// figures for the period, and the complaints answered late or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ComplaintFacts {
    /// Transferred by the report date, and within the period.
    pub received: u32,
    pub received_in_period: u32,
    /// Reported back by the report date.
    pub reported: u32,
    pub units: Vec<ComplaintUnitLine>,
    /// Late or unreported in the period, the longest overdue first.
    pub late: Vec<ComplaintLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintUnitLine {
    pub unit: String,
    pub due: u32,
    pub on_time: u32,
    pub late: u32,
    pub overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintLine {
    pub received_no: String,
    pub unit: String,
    pub transferred_on: String,
    pub due_on: String,
    /// "逾期N天" (not reported by the report date) or "迟报N天".
    pub clock: String,
}

/// Where a complaint stands for the period up to `as_of`: `None` when it does not count (its
/// report-back falls due later, or it was settled before the period began). A report dated
/// after the report date is not yet in. At a month's end the report date counts as a whole day:
/// a complaint due that day and not reported is overdue by one day. While the month runs the
/// report date is today, not over yet: a complaint due today counts once it is reported, and
/// is not overdue before tomorrow.
pub fn complaint_clock(c: &BulletinComplaint, as_of: AsOf) -> Option<ClockState> {
    let (first_day, day) = (as_of.first_day(), as_of.date);
    let reported = c.reported_on.filter(|on| *on <= day);
    let settled_before = c.due_on < first_day && reported.is_some_and(|on| on < first_day);
    let clock_day = if as_of.partial { day } else { day.add_days(1) };
    let clock = ClockState::of(c.due_on, reported, clock_day);
    let still_running = matches!(clock, ClockState::Running { .. });
    (c.due_on <= day && !settled_before && !still_running).then_some(clock)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousBulletin {
    pub period: String,
    pub totals: Vec<Totals>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub scope: String,
    pub items: u32,
    /// 已销号.
    pub closed: u32,
    /// 已完成（长期坚持）.
    pub sustain: u32,
    /// Completed, in acceptance, notice or sign-off.
    pub awaiting: u32,
    pub blue: u32,
    pub yellow: u32,
    pub red: u32,
    pub overdue: u32,
}

impl Totals {
    /// Items done: closed, 长期坚持, and completed awaiting sign-off.
    pub fn done(&self) -> u32 {
        self.closed + self.sustain + self.awaiting
    }

    /// Done per item, `None` without items.
    pub fn completion(&self) -> Option<rectify_exact::exact::Exact> {
        crate::dispatch::ratio(self.done(), self.items)
    }

    /// The completion as the cockpit and the province print it: "62.5%", "—" without items.
    pub fn completion_rate(&self) -> String {
        percent(self.completion())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankLine {
    #[serde(flatten)]
    pub tally: UnitTally,
    /// Percentages to one decimal, "—" when there is nothing to count.
    pub completion_rate: String,
    pub on_time_rate: String,
    /// To two decimals; the ranks come from the exact scores.
    pub score: String,
    pub rank: u32,
    pub place: String,
    pub change: String,
}

/// One member's parts of the shared items at the report date.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SharedLine {
    pub unit: String,
    /// Tasks the member answers for (不涉及 not counted).
    pub tasks: u32,
    /// Done (已完成 or 已验收), or the item completed.
    pub done: u32,
    pub working: u32,
    pub pending: u32,
    pub exempt: u32,
    pub yellow: u32,
    pub red: u32,
    /// done / tasks to one decimal, "—" with none.
    pub completion_rate: String,
    /// The numbers of the items whose part is 黄 and 红: what the dispatch round urges the
    /// member on.
    #[serde(default)]
    pub yellow_items: Vec<u32>,
    #[serde(default)]
    pub red_items: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLine {
    pub plan: String,
    pub number: u32,
    pub scope: String,
    pub unit: String,
    pub problem: String,
    pub due: String,
    pub state: String,
    /// 蓝/黄/红, or empty for a completed item.
    pub colour: String,
    pub reason: String,
    pub action: String,
}

/// A step of the month's dispatch round (提醒, 催办, 督办单, 约谈建议).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationLine {
    pub issued_on: String,
    pub unit: String,
    pub step: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportGap {
    pub unit: String,
    /// Empty in bulletins frozen before gaps were told apart by plan.
    #[serde(default)]
    pub plan: String,
    pub missing: Vec<u32>,
    pub late: Vec<u32>,
}

/// What the office asks of a unit whose item has the colour (workflow.md §3.3, 广元 practice).
pub fn required_action(decision: &Decision) -> &'static str {
    match (decision.colour, decision.overdue) {
        (_, true) => "说明逾期原因，明确完成时限，整改办专函督办",
        (Colour::Red, false) => "限期整改，整改办专函督办，约谈责任单位主要负责同志",
        (Colour::Yellow, false) => "加快推进，下次调度前补齐滞后节点",
        (Colour::Blue, false) => "",
    }
}

pub fn compose(input: &BulletinInput<'_>) -> BulletinFacts {
    let as_of = input.as_of;
    let (first_day, day) = (as_of.first_day(), as_of.date);
    let reporting = reporting_by_item(input.reports);
    let decided: Vec<(&BulletinItem, Option<Decision>)> = input
        .items
        .iter()
        .map(|item| {
            (
                item,
                open(item).then(|| decision(item, as_of, &reporting, input.rules)),
            )
        })
        .collect();
    let totals = totals(&decided);
    let complaint_units = complaint_units(input.complaints, as_of);
    let tasks = task_decisions(input, as_of, &reporting);
    let tallies = tallies(&decided, &tasks, input, &complaint_units);
    let is_county = |unit: &str| input.counties.iter().any(|c| c == unit);
    let units = ranking(
        tallies
            .iter()
            .filter(|t| !is_county(&t.unit))
            .cloned()
            .collect(),
        input,
        |p| &p.units,
    );
    let counties = ranking(
        tallies
            .iter()
            .filter(|t| is_county(&t.unit))
            .cloned()
            .collect(),
        input,
        |p| &p.counties,
    );
    let shared = shared_lines(&tasks);
    let line = |item: &BulletinItem, decision: Option<&Decision>| ItemLine {
        plan: item.plan.clone(),
        number: item.number,
        scope: item.scope.label_zh().to_string(),
        unit: item.lead_unit.clone(),
        problem: short(&item.problem, 40),
        due: item.final_due.map_or("时限待定".into(), |d| d.to_string()),
        state: item.state.label_zh().to_string(),
        colour: decision.map_or(String::new(), |d| d.colour.label_zh().to_string()),
        reason: decision.map_or(String::new(), |d| d.reasons.join("；")),
        action: decision.map_or(String::new(), |d| required_action(d).to_string()),
    };
    let mut lagging: Vec<(Colour, ItemLine)> = decided
        .iter()
        .filter_map(|(item, d)| {
            let d = d.as_ref().filter(|d| d.colour != Colour::Blue)?;
            Some((d.colour, line(item, Some(d))))
        })
        .collect();
    lagging.sort_by_key(|(colour, l)| (std::cmp::Reverse(*colour), l.plan.clone(), l.number));
    let overdue = decided
        .iter()
        .filter(|(_, d)| d.as_ref().is_some_and(|d| d.overdue))
        .map(|(item, d)| line(item, d.as_ref()))
        .collect();
    let signed_off = decided
        .iter()
        .filter(|(item, _)| {
            item.completed_on
                .is_some_and(|on| on >= first_day && on <= day)
        })
        .map(|(item, _)| line(item, None))
        .collect();
    let ledger = decided
        .iter()
        .map(|(item, d)| line(item, d.as_ref()))
        .collect();
    let reports = input
        .reports
        .iter()
        .filter(|r| !r.missing.is_empty() || !r.late.is_empty())
        .map(|r| ReportGap {
            unit: r.unit.clone(),
            plan: r.plan.clone(),
            missing: r.missing.clone(),
            late: r.late.clone(),
        })
        .collect();
    BulletinFacts {
        period: as_of.period(),
        as_of: day.to_string(),
        partial: as_of.partial,
        totals,
        previous: input.previous.map(|p| PreviousBulletin {
            period: p.period.clone(),
            totals: p.totals.clone(),
        }),
        units,
        counties,
        shared,
        lagging: lagging.into_iter().map(|(_, l)| l).collect(),
        overdue,
        signed_off,
        reports,
        ledger,
        escalations: input.escalations.to_vec(),
        environment: Vec::new(),
        complaints: complaint_facts(input.complaints, complaint_units, as_of),
        registers: Vec::new(),
        inspections: Vec::new(),
        coal: Vec::new(),
        method: method(input.rules, input.weights, as_of),
        journal_head: None,
    }
}

/// Each handling unit's complaint clocks for the period, by unit name; complaints without a
/// handling unit are listed under 未明确承办单位.
fn complaint_units(complaints: &[BulletinComplaint], as_of: AsOf) -> Vec<ComplaintUnitLine> {
    let mut lines: Vec<ComplaintUnitLine> = Vec::new();
    for c in complaints {
        let Some(clock) = complaint_clock(c, as_of) else {
            continue;
        };
        let unit = c.unit.as_deref().unwrap_or(UNASSIGNED);
        let at = match lines.iter().position(|l| l.unit == unit) {
            Some(at) => at,
            None => {
                lines.push(ComplaintUnitLine {
                    unit: unit.to_string(),
                    due: 0,
                    on_time: 0,
                    late: 0,
                    overdue: 0,
                });
                lines.len() - 1
            }
        };
        let line = &mut lines[at];
        line.due += 1;
        match clock {
            ClockState::OnTime => line.on_time += 1,
            ClockState::Late { .. } => line.late += 1,
            ClockState::Overdue { .. } | ClockState::Running { .. } => line.overdue += 1,
        }
    }
    lines.sort_by(|a, b| {
        (b.late + b.overdue)
            .cmp(&(a.late + a.overdue))
            .then_with(|| a.unit.cmp(&b.unit))
    });
    lines
}

const UNASSIGNED: &str = "未明确承办单位";

fn complaint_facts(
    complaints: &[BulletinComplaint],
    units: Vec<ComplaintUnitLine>,
    as_of: AsOf,
) -> Option<ComplaintFacts> {
    let (first_day, day) = (as_of.first_day(), as_of.date);
    let received: Vec<&BulletinComplaint> = complaints
        .iter()
        .filter(|c| c.transferred_on <= day)
        .collect();
    if received.is_empty() {
        return None;
    }
    let mut late: Vec<(i32, ComplaintLine)> = received
        .iter()
        .filter_map(|c| {
            let clock = complaint_clock(c, as_of)?;
            let days = match clock {
                ClockState::Overdue { days } | ClockState::Late { days } => days,
                ClockState::OnTime | ClockState::Running { .. } => return None,
            };
            Some((
                days,
                ComplaintLine {
                    received_no: c.received_no.clone(),
                    unit: c.unit.clone().unwrap_or_else(|| UNASSIGNED.into()),
                    transferred_on: c.transferred_on.to_string(),
                    due_on: c.due_on.to_string(),
                    clock: clock.label_zh(),
                },
            ))
        })
        .collect();
    late.sort_by(|(a, la), (b, lb)| b.cmp(a).then_with(|| la.received_no.cmp(&lb.received_no)));
    Some(ComplaintFacts {
        received: received.len() as u32,
        received_in_period: received
            .iter()
            .filter(|c| c.transferred_on >= first_day)
            .count() as u32,
        reported: received
            .iter()
            .filter(|c| c.reported_on.is_some_and(|on| on <= day))
            .count() as u32,
        units,
        late: late.into_iter().map(|(_, l)| l).collect(),
    })
}

/// Open items are coloured; completed ones (signed off, or awaiting sign-off) are not.
fn open(item: &BulletinItem) -> bool {
    !item.state.completed() && !item.state.awaiting_signoff() && item.state != ItemState::Draft
}

fn reporting_by_item(reports: &[UnitReports]) -> HashMap<(&str, &str, u32), Reporting> {
    let mut by_item = HashMap::new();
    for r in reports {
        for n in &r.expected {
            let state = if r.missing.contains(n) {
                Reporting::Missing
            } else if r.late.contains(n) {
                Reporting::Late
            } else {
                Reporting::OnTime
            };
            by_item.insert((r.unit.as_str(), r.plan.as_str(), *n), state);
        }
    }
    by_item
}

fn decision(
    item: &BulletinItem,
    as_of: AsOf,
    reporting: &HashMap<(&str, &str, u32), Reporting>,
    rules: ColourRules,
) -> Decision {
    decide(
        &Assessment {
            as_of,
            final_due: item.final_due,
            milestones: &item.milestones,
            criticisms: &item.criticisms,
            reporting: reporting
                .get(&(item.lead_unit.as_str(), item.plan.as_str(), item.number))
                .copied()
                .unwrap_or(Reporting::NotDue),
        },
        rules,
    )
}

fn totals(decided: &[(&BulletinItem, Option<Decision>)]) -> Vec<Totals> {
    let of = |label: &str, wanted: Option<Scope>| {
        let (mut t, mut sustain) = (UnitTally::default(), 0);
        for (item, d) in decided
            .iter()
            .filter(|(i, _)| wanted.is_none_or(|s| i.scope == s))
        {
            t.add(item.state, d.as_ref());
            sustain += u32::from(item.state == ItemState::Sustain);
        }
        Totals {
            scope: label.to_string(),
            items: t.items,
            closed: t.closed - sustain,
            sustain,
            awaiting: t.awaiting_signoff,
            blue: t.blue,
            yellow: t.yellow,
            red: t.red,
            overdue: t.overdue,
        }
    };
    vec![
        of(Scope::Common.label_zh(), Some(Scope::Common)),
        of(Scope::Specific.label_zh(), Some(Scope::Specific)),
        of("合计", None),
    ]
}

/// Tallies per unit (the units `of` names for each item) and ranks them. `with_reports`: whether
/// the units' own report figures count (the responsible units); counties are ranked on items.
/// Each task of an open item with its state and, while it is open, its decision: the item's
/// deadline and criticisms with the member's milestones and reporting.
struct DecidedTask<'a> {
    unit: &'a str,
    plan: &'a str,
    number: u32,
    item_state: ItemState,
    state: TaskState,
    decision: Option<Decision>,
}

fn task_decisions<'a>(
    input: &BulletinInput<'a>,
    as_of: AsOf,
    reporting: &HashMap<(&str, &str, u32), Reporting>,
) -> Vec<DecidedTask<'a>> {
    let mut decided = Vec::new();
    for item in input.items {
        for task in &item.tasks {
            let open_task = open(item) && !task.state.work_done();
            let decision = open_task.then(|| {
                decide(
                    &Assessment {
                        as_of,
                        final_due: item.final_due,
                        milestones: &task.milestones,
                        criticisms: &item.criticisms,
                        reporting: reporting
                            .get(&(task.unit.as_str(), item.plan.as_str(), item.number))
                            .copied()
                            .unwrap_or(Reporting::NotDue),
                    },
                    input.rules,
                )
            });
            decided.push(DecidedTask {
                unit: &task.unit,
                plan: &item.plan,
                number: item.number,
                item_state: item.state,
                state: task.state,
                decision,
            });
        }
    }
    decided
}

/// One tally per unit, whichever list it is ranked in, so a unit's figures are the same
/// wherever they appear: the items it leads (a county also those naming it), its tasks (不涉及
/// not counted), its monthly reports and its complaints.
fn tallies(
    decided: &[(&BulletinItem, Option<Decision>)],
    tasks: &[DecidedTask<'_>],
    input: &BulletinInput<'_>,
    complaints: &[ComplaintUnitLine],
) -> Vec<UnitTally> {
    let mut tallies: Vec<UnitTally> = Vec::new();
    let mut at = |unit: &str| match tallies.iter().position(|t| t.unit == unit) {
        Some(at) => at,
        None => {
            tallies.push(UnitTally {
                unit: unit.to_string(),
                ..UnitTally::default()
            });
            tallies.len() - 1
        }
    };
    let mut counted: Vec<(usize, ItemState, Option<&Decision>)> = Vec::new();
    // (unit, plan, number) counted once: a county the item names that also has a task on it.
    let mut seen: Vec<(&str, &str, u32)> = Vec::new();
    for (item, d) in decided {
        // A group that leads (各县（区）政府) is no unit: its members count through their tasks.
        let lead_is_unit = names::named(&item.lead_unit) == names::Named::Unit;
        let mut named: Vec<&str> = Vec::new();
        if lead_is_unit {
            named.push(&item.lead_unit);
        }
        named.extend(
            input
                .counties
                .iter()
                .map(String::as_str)
                .filter(|c| *c != item.lead_unit && item.units.iter().any(|u| u == c)),
        );
        for unit in named {
            counted.push((at(unit), item.state, d.as_ref()));
            seen.push((unit, &item.plan, item.number));
        }
    }
    let mut task_counts = Vec::new();
    for task in tasks.iter().filter(|t| t.state != TaskState::Exempt) {
        if !seen.contains(&(task.unit, task.plan, task.number)) {
            task_counts.push((at(task.unit), task));
        }
    }
    for (index, state, decision) in counted {
        tallies[index].add(state, decision);
    }
    for (index, task) in task_counts {
        let tally = &mut tallies[index];
        // A finished part counts as done, awaiting the item's sign-off until the item closes.
        let state = if task.item_state.completed() || !task.state.work_done() {
            task.item_state
        } else {
            ItemState::Submitted
        };
        tally.add(state, task.decision.as_ref());
    }
    for t in &mut tallies {
        if let Some(c) = complaints.iter().find(|c| c.unit == t.unit) {
            (t.complaints_due, t.complaints_late, t.complaints_overdue) =
                (c.due, c.late, c.overdue);
        }
        for r in input.reports.iter().filter(|r| r.unit == t.unit) {
            t.reports_due += r.expected.len() as u32;
            t.reports_missing += r.missing.len() as u32;
            t.reports_late += r.late.len() as u32;
        }
    }
    tallies
}

/// Ranks the tallies, with the movement against the same list of the previous bulletin.
fn ranking<'a>(
    tallies: Vec<UnitTally>,
    input: &BulletinInput<'a>,
    list: impl Fn(&'a BulletinFacts) -> &'a Vec<RankLine>,
) -> Vec<RankLine> {
    let previous: HashMap<String, u32> = input
        .previous
        .map(|p| {
            list(p)
                .iter()
                .map(|l| (l.tally.unit.clone(), l.rank))
                .collect()
        })
        .unwrap_or_default();
    rank(tallies, input.weights, &previous)
        .into_iter()
        .map(|r| RankLine {
            completion_rate: percent(r.tally.completion_rate()),
            on_time_rate: percent(r.tally.on_time_rate()),
            score: r.score.to_fixed(2),
            rank: r.rank,
            place: r.place_zh(),
            change: r.change_zh(),
            tally: r.tally,
        })
        .collect()
}

/// Each member's parts of the shared items, in the order members first appear.
fn shared_lines(tasks: &[DecidedTask<'_>]) -> Vec<SharedLine> {
    let mut lines: Vec<SharedLine> = Vec::new();
    for task in tasks {
        let at = match lines.iter().position(|l| l.unit == task.unit) {
            Some(at) => at,
            None => {
                lines.push(SharedLine {
                    unit: task.unit.to_string(),
                    ..SharedLine::default()
                });
                lines.len() - 1
            }
        };
        let line = &mut lines[at];
        if task.state == TaskState::Exempt {
            line.exempt += 1;
            continue;
        }
        line.tasks += 1;
        if task.item_state.completed() || task.state.work_done() {
            line.done += 1;
        } else if task.state == TaskState::Pending {
            line.pending += 1;
        } else {
            line.working += 1;
        }
        match task.decision.as_ref().map(|d| d.colour) {
            Some(Colour::Yellow) => {
                line.yellow += 1;
                line.yellow_items.push(task.number);
            }
            Some(Colour::Red) => {
                line.red += 1;
                line.red_items.push(task.number);
            }
            _ => {}
        }
    }
    for line in &mut lines {
        line.completion_rate = percent(crate::dispatch::ratio(line.done, line.tasks));
    }
    lines
}

pub(crate) fn percent(share: Option<rectify_exact::exact::Exact>) -> String {
    share.map_or("—".into(), |s| format!("{}%", s.mul_int(100).to_fixed(1)))
}

fn method(rules: ColourRules, w: RankWeights, as_of: AsOf) -> String {
    let (complaints, partial) = if as_of.partial {
        let day = as_of.date.chinese();
        (
            format!(
                "反馈期限在本月1日至{day}之间、或此前到期而本月初仍未反馈的转办信访件；当日到期尚未反馈的不计为逾期"
            ),
            format!(
                "本月尚未结束，本通报情况截至{day}：节点、整改时限和信访件反馈期限在当日或以后的尚不计为未完成或逾期，月度进展在填报期限过后才计为未报。"
            ),
        )
    } else {
        (
            "反馈期限在本月内、或此前到期而本月初仍未反馈的转办信访件；月末当日到期仍未反馈的按逾期计".to_string(),
            String::new(),
        )
    };
    format!(
        "颜色：蓝=到期节点均已完成；黄=有到期节点未完成；红=逾期、连续{}期有节点未完成、滞后{}个月以上或受到省级以上通报批评。\
         排名得分=完成率×{}+未完成问题中序时推进占比×{}+按时填报率×{}−红色问题占比×{}−逾期问题占比×{}−信访件迟报或逾期未反馈占比×{}（最低0分；无可计数时加分项按满分计、扣分项不扣分），得分相同者并列。\
         信访件按承办单位计入排名：统计{complaints}。{partial}",
        rules.consecutive_periods,
        rules.months_behind,
        w.completion,
        w.schedule,
        w.reporting,
        w.red_penalty,
        w.overdue_penalty,
        w.complaint_penalty
    )
}
