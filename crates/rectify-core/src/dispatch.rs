//! Monthly dispatch (调度): the schedule colour of every open item at a report date, with the
//! reason for it, and the ranking of responsible units built on those colours.
//!
//! The colour scheme follows the 广元 "贴蓝签、挂黄牌、亮红灯" practice as workflow.md §3.4 proposes it:
//! - 蓝 序时推进: every milestone due by the report date is met;
//! - 黄 滞后: a due milestone is missed and the final deadline has not passed;
//! - 红 严重滞后: the final deadline has passed (逾期), or milestones were missed at the end of
//!   `consecutive_periods` report periods in a row, or the oldest missed milestone is
//!   `months_behind` months old, or a criticism by the province or above is recorded.
//!
//! Milestones are the measures that carry their own date, and — when a staged deadline names as
//! many dates as the item has measures — the stages, matched to the measures in order. A stage
//! count that does not match the measures is not guessed at: only the final deadline counts.

use crate::ledger::Item;
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use std::fmt;

labelled_enum!(
    /// The schedule colour of an open item.
    Colour, "进度颜色" {
        Blue => "blue", "蓝";
        Yellow => "yellow", "黄";
        Red => "red", "红";
    }
);

impl Colour {
    /// What the colour says, in the bulletin's words.
    pub fn meaning_zh(self) -> &'static str {
        match self {
            Colour::Blue => "序时推进",
            Colour::Yellow => "滞后",
            Colour::Red => "严重滞后",
        }
    }
}

/// The thresholds of the red rules (settings `dispatch.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColourRules {
    /// Red when milestones were missed at the end of this many report periods in a row.
    pub consecutive_periods: u32,
    /// Red when the oldest missed milestone is this many months old.
    pub months_behind: u32,
}

impl Default for ColourRules {
    fn default() -> Self {
        ColourRules {
            consecutive_periods: 2,
            months_behind: 3,
        }
    }
}

/// A dated step of an item and when it was met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    /// e.g. "第2项措施".
    pub label: String,
    pub due: Date,
    pub met_on: Option<Date>,
}

impl Milestone {
    /// Missed at the end of `date` (`running`: `date` is today and not over, so a milestone
    /// due that day is not missed yet).
    fn missed_at(&self, date: Date, running: bool) -> bool {
        let passed = if running {
            self.due < date
        } else {
            self.due <= date
        };
        passed && self.met_on.is_none_or(|met| met > date)
    }
}

/// The day a month's bulletin (and its dispatch round) is stated as of: the month's last day
/// once the month has ended, else today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    /// The date after 截至: what happened on it or before counts.
    pub date: Date,
    /// The month had not ended: `date` is today, still running, so what falls due on it is not
    /// late yet and the reports of the month count only once their deadline has passed.
    pub partial: bool,
}

impl AsOf {
    /// The as-of day of the month `year-month` on `today`: the month's last day when the month
    /// has ended, today when today is inside it; a month that has not begun has no bulletin.
    pub fn for_period(year: i32, month: u8, today: Date) -> Result<AsOf, String> {
        let (Some(first), Some(last)) =
            (Date::new(year, month, 1), Date::last_of_month(year, month))
        else {
            return Err(format!("期间 {year}-{month:02} 无效"));
        };
        if today < first {
            return Err(format!(
                "{year}年{month}月尚未开始（今天是{}），不能生成该月的通报或调度",
                today.chinese()
            ));
        }
        Ok(if today > last {
            AsOf {
                date: last,
                partial: false,
            }
        } else {
            AsOf {
                date: today,
                partial: true,
            }
        })
    }

    /// "2026-12".
    pub fn period(self) -> String {
        format!("{:04}-{:02}", self.date.year, self.date.month)
    }

    /// The first day of the month.
    pub fn first_day(self) -> Date {
        self.date.add_days(1 - i32::from(self.date.day))
    }

    /// Whether the month's reports, due on `deadline`, are owed: every one of an ended month,
    /// in a running month only once the deadline (a day on which filing is still on time) has
    /// passed; before that a report not filed is not missing.
    pub fn reports_owed(self, deadline: Date) -> bool {
        !self.partial || deadline < self.date
    }

    /// The months of the year that have ended by the as-of day (monthly figures such as coal
    /// use come in after their month): through this month once it has ended, else the month
    /// before (0 in a running January).
    pub fn months_ended(self) -> u8 {
        self.date.month - u8::from(self.partial)
    }
}

/// The item's milestones from its measures (`done_on[i]`: when measure i was marked done).
pub fn milestones(item: &Item, done_on: &[Option<Date>]) -> Vec<Milestone> {
    let stages = &item.deadline.stages;
    let staged = stages.len() > 1 && stages.len() == item.measures.len();
    item.measures
        .iter()
        .enumerate()
        .filter_map(|(i, measure)| {
            let due = measure.due.or_else(|| staged.then(|| stages[i]))?;
            Some(Milestone {
                label: format!("第{}项措施", i + 1),
                due,
                met_on: done_on.get(i).copied().flatten(),
            })
        })
        .collect()
}

/// A criticism of the item's handling by the province or a higher level, or its exposure by
/// provincial or national media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criticism {
    pub on: Date,
    /// Who criticised, e.g. "省生态环境保护督察整改办".
    pub by: String,
}

/// Whether the unit's monthly report for the period came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reporting {
    OnTime,
    Late,
    Missing,
    /// No report was due (the item was done, or not yet issued).
    NotDue,
}

/// What the colour of one open item is decided from.
#[derive(Debug, Clone)]
pub struct Assessment<'a> {
    /// The report date: the last day of the month being dispatched, or today while the month
    /// runs; earlier periods end on the last day of each earlier month.
    pub as_of: AsOf,
    pub final_due: Option<Date>,
    pub milestones: &'a [Milestone],
    pub criticisms: &'a [Criticism],
    pub reporting: Reporting,
}

/// The colour with every reason that led to it (the first one decides the colour's wording).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub colour: Colour,
    /// The final deadline has passed and the item is not done (逾期): a separate flag.
    pub overdue: bool,
    /// The period's report is missing (未报) or came late (迟报).
    pub reporting: Reporting,
    pub reasons: Vec<String>,
}

/// The end of the period `k` periods before the one ending `as_of` (k = 0: `as_of` itself).
fn period_end(as_of: Date, k: u32) -> Date {
    if k == 0 {
        return as_of;
    }
    let month = as_of.add_months(-(k as i32));
    Date::last_of_month(month.year, month.month).unwrap_or(month)
}

/// The colour of an open item at `a.as_of`.
pub fn decide(a: &Assessment<'_>, rules: ColourRules) -> Decision {
    let mut red = Vec::new();
    let as_of = a.as_of.date;
    // Done on the due day is in time, so the final deadline has passed only the day after it.
    let overdue = a.final_due.is_some_and(|due| due < as_of);
    if let Some(due) = a.final_due.filter(|_| overdue) {
        red.push(format!("已逾期：整改时限 {due} 已过，尚未完成"));
    }
    let missed: Vec<&Milestone> = a
        .milestones
        .iter()
        .filter(|m| m.missed_at(as_of, a.as_of.partial))
        .collect();
    // The run counts report periods that have ended: a running month is not one yet, so a
    // milestone missed yesterday, on the last day of last month, is one period behind (黄), not
    // two, until this month ends with it still missed.
    let first = u32::from(a.as_of.partial);
    let runs = (first..first + rules.consecutive_periods)
        .take_while(|&k| {
            let end = period_end(as_of, k);
            a.milestones.iter().any(|m| m.missed_at(end, false))
        })
        .count() as u32;
    if let Some(m) = missed.first()
        && rules.consecutive_periods > 0
        && runs == rules.consecutive_periods
    {
        red.push(format!("{}节点 {} 未完成（连续{runs}期）", m.label, m.due));
    }
    let oldest = missed.iter().map(|m| m.due).min();
    if let Some(oldest) = oldest
        && rules.months_behind > 0
        && oldest.add_months(rules.months_behind as i32) <= as_of
    {
        red.push(format!(
            "滞后{}个月以上：节点 {oldest} 至今未完成",
            rules.months_behind
        ));
    }
    for c in a.criticisms.iter().filter(|c| c.on <= as_of) {
        red.push(format!("{} 受到{}通报批评", c.on, c.by));
    }
    let (colour, reasons) = if !red.is_empty() {
        (Colour::Red, red)
    } else if let Some(m) = missed.first() {
        let more = if missed.len() > 1 {
            format!("等 {} 个节点", missed.len())
        } else {
            String::new()
        };
        (
            Colour::Yellow,
            vec![format!("{}节点 {} 未完成{more}", m.label, m.due)],
        )
    } else {
        (Colour::Blue, vec!["到期节点均已完成".to_string()])
    };
    Decision {
        colour,
        overdue,
        reporting: a.reporting,
        reasons,
    }
}

/// One responsible unit's (or county's) figures for a period.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct UnitTally {
    pub unit: String,
    pub items: u32,
    /// Signed off (已销号) or completed and under re-check (长期坚持).
    pub closed: u32,
    /// Completed and in acceptance, notice or sign-off.
    pub awaiting_signoff: u32,
    pub blue: u32,
    pub yellow: u32,
    pub red: u32,
    pub overdue: u32,
    pub reports_due: u32,
    pub reports_late: u32,
    pub reports_missing: u32,
    /// Transferred complaints whose report-back fell due by the report date and counted in the
    /// period (see `bulletin::complaint_clock`); absent from bulletins frozen before they were.
    #[serde(default)]
    pub complaints_due: u32,
    /// Of those, reported back after their due day.
    #[serde(default)]
    pub complaints_late: u32,
    /// Of those, not reported back by the report date.
    #[serde(default)]
    pub complaints_overdue: u32,
}

impl UnitTally {
    /// Counts one item: its state, and its colour when it is open.
    pub fn add(&mut self, state: crate::ledger::ItemState, decision: Option<&Decision>) {
        self.items += 1;
        self.closed += u32::from(state.completed());
        self.awaiting_signoff += u32::from(state.awaiting_signoff());
        if let Some(d) = decision {
            match d.colour {
                Colour::Blue => self.blue += 1,
                Colour::Yellow => self.yellow += 1,
                Colour::Red => self.red += 1,
            }
            self.overdue += u32::from(d.overdue);
        }
    }

    pub fn open(&self) -> u32 {
        self.items - self.closed - self.awaiting_signoff
    }

    /// (closed + awaiting sign-off) / items.
    pub fn completion_rate(&self) -> Option<Exact> {
        ratio(self.closed + self.awaiting_signoff, self.items)
    }

    /// Reports in on time / reports due.
    pub fn on_time_rate(&self) -> Option<Exact> {
        let on_time = self.reports_due - self.reports_late - self.reports_missing;
        ratio(on_time, self.reports_due)
    }

    /// Complaints reported late or not at all / complaints due.
    pub fn complaint_failure_rate(&self) -> Option<Exact> {
        ratio(
            self.complaints_late + self.complaints_overdue,
            self.complaints_due,
        )
    }
}

pub(crate) fn ratio(part: u32, whole: u32) -> Option<Exact> {
    (whole > 0).then(|| Exact::ratio(i128::from(part), i128::from(whole)))
}

/// The ranking formula's weights (settings `dispatch.weight.*`), in points of 100:
///
/// score = completion × completion rate + schedule × (blue ÷ open items)
///       + reporting × on-time report rate
///       − red_penalty × (red ÷ items) − overdue_penalty × (overdue ÷ items)
///       − complaint_penalty × (complaints late or unreported ÷ complaints due),
///
/// where a share with nothing to count (no open items, no reports due) counts in full, and the
/// score is not less than 0. Penalties are shares too, so a unit with many items is not ranked
/// down for their number alone. Equal scores (exactly, not as rounded) rank equal (并列).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankWeights {
    pub completion: u32,
    pub schedule: u32,
    pub reporting: u32,
    pub red_penalty: u32,
    pub overdue_penalty: u32,
    pub complaint_penalty: u32,
}

impl Default for RankWeights {
    fn default() -> Self {
        RankWeights {
            completion: 50,
            schedule: 30,
            reporting: 20,
            red_penalty: 10,
            overdue_penalty: 10,
            complaint_penalty: 10,
        }
    }
}

pub fn score(t: &UnitTally, w: RankWeights) -> Exact {
    let full = Exact::int(1);
    let part = |weight: u32, share: Option<Exact>| share.unwrap_or(full).mul_int(i64::from(weight));
    let blue_share = ratio(t.blue, t.open());
    let gained = part(w.completion, t.completion_rate().or(Some(Exact::ZERO)))
        + part(w.schedule, blue_share)
        + part(w.reporting, t.on_time_rate());
    let lost = part(w.red_penalty, ratio(t.red, t.items).or(Some(Exact::ZERO)))
        + part(
            w.overdue_penalty,
            ratio(t.overdue, t.items).or(Some(Exact::ZERO)),
        )
        + part(
            w.complaint_penalty,
            t.complaint_failure_rate().or(Some(Exact::ZERO)),
        );
    let total = gained - lost;
    if total.is_negative() {
        Exact::ZERO
    } else {
        total
    }
}

/// A unit's place in the ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub tally: UnitTally,
    pub score: Exact,
    /// 1-based; equal scores share the rank and the next rank skips (1, 2, 2, 4).
    pub rank: u32,
    pub tied: bool,
    /// Places gained since the previous period (negative: lost); `None` if not ranked then.
    pub change: Option<i64>,
}

/// Ranks the units, best first (ties by name for a stable order); `previous` holds last period's
/// ranks by unit.
pub fn rank(
    tallies: Vec<UnitTally>,
    weights: RankWeights,
    previous: &std::collections::HashMap<String, u32>,
) -> Vec<Ranked> {
    let mut scored: Vec<(Exact, UnitTally)> = tallies
        .into_iter()
        .map(|t| (score(&t, weights), t))
        .collect();
    scored.sort_by(|(a, ta), (b, tb)| b.cmp(a).then_with(|| ta.unit.cmp(&tb.unit)));
    let scores: Vec<Exact> = scored.iter().map(|(s, _)| *s).collect();
    scored
        .into_iter()
        .enumerate()
        .map(|(i, (score, tally))| {
            let first = scores.iter().position(|s| *s == score).unwrap_or(i);
            let rank = first as u32 + 1;
            let tied = scores.iter().filter(|s| **s == score).count() > 1;
            let change = previous
                .get(&tally.unit)
                .map(|before| i64::from(*before) - i64::from(rank));
            Ranked {
                tally,
                score,
                rank,
                tied,
                change,
            }
        })
        .collect()
}

impl Ranked {
    /// "第3名" or "并列第3名".
    pub fn place_zh(&self) -> String {
        let tie = if self.tied { "并列" } else { "" };
        format!("{tie}第{}名", self.rank)
    }

    /// "↑2", "↓1", "持平", or "新" when the unit was not ranked last period.
    pub fn change_zh(&self) -> String {
        match self.change {
            None => "新".into(),
            Some(0) => "持平".into(),
            Some(up) if up > 0 => format!("↑{up}"),
            Some(down) => format!("↓{}", -down),
        }
    }
}

labelled_enum!(
    /// The escalation ladder of a dispatch round, in order (workflow.md §3.3, 三明/广元 practice).
    Step, "督办步骤" {
        Remind => "remind", "提醒";
        Urge => "urge", "催办";
        Supervise => "supervise", "督办单";
        Interview => "interview", "约谈建议";
    }
);

/// Where one unit stands in a round.
#[derive(Debug, Clone, Default)]
pub struct UnitStanding {
    /// Items the unit has not reported on this round.
    pub missing: Vec<u32>,
    /// Items the unit leads, or its parts of shared items, that are 黄 / 红 at the report date.
    pub yellow: Vec<u32>,
    pub red: Vec<u32>,
    /// Earlier rounds in which the unit was urged (催办) for a missing report.
    pub urged_before: u32,
    /// Steps already issued to the unit this round (never issued twice).
    pub issued: Vec<Step>,
}

/// A step to issue: its items and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub step: Step,
    pub items: Vec<u32>,
    pub reason: String,
}

/// Days before the report deadline when the reminder goes out.
pub const REMIND_DAYS_BEFORE: i32 = 3;

/// The steps due for a unit on `today` in a round whose reports are due on `report_due`:
/// 提醒 from three days before the deadline while reports are missing; 催办 once the deadline
/// has passed with reports missing; a 督办单 when reports are missing a second round running or
/// an item is 黄; a 约谈 proposal when an item is 红.
pub fn next_steps(today: Date, report_due: Date, unit: &UnitStanding) -> Vec<Escalation> {
    let mut steps = Vec::new();
    let numbers = |items: &[u32]| {
        items
            .iter()
            .map(|n| format!("第{n}项"))
            .collect::<Vec<_>>()
            .join("、")
    };
    let late = today > report_due;
    if !unit.missing.is_empty() && today >= report_due.add_days(-REMIND_DAYS_BEFORE) && !late {
        steps.push(Escalation {
            step: Step::Remind,
            items: unit.missing.clone(),
            reason: format!(
                "{}的本月进展尚未填报，截止 {report_due}",
                numbers(&unit.missing)
            ),
        });
    }
    if !unit.missing.is_empty() && late {
        steps.push(Escalation {
            step: Step::Urge,
            items: unit.missing.clone(),
            reason: format!(
                "{}的本月进展逾期未报（截止 {report_due}）",
                numbers(&unit.missing)
            ),
        });
    }
    let repeated = late && !unit.missing.is_empty() && unit.urged_before > 0;
    if repeated || !unit.yellow.is_empty() {
        let mut items = if repeated {
            unit.missing.clone()
        } else {
            Vec::new()
        };
        for n in &unit.yellow {
            if !items.contains(n) {
                items.push(*n);
            }
        }
        let mut why = Vec::new();
        if repeated {
            why.push(format!("第{}次未按时报送进展", unit.urged_before + 1));
        }
        if !unit.yellow.is_empty() {
            why.push(format!("{}进度滞后", numbers(&unit.yellow)));
        }
        steps.push(Escalation {
            step: Step::Supervise,
            items,
            reason: why.join("；"),
        });
    }
    if !unit.red.is_empty() {
        steps.push(Escalation {
            step: Step::Interview,
            items: unit.red.clone(),
            reason: format!("{}严重滞后，建议约谈单位主要负责同志", numbers(&unit.red)),
        });
    }
    steps.retain(|s| !unit.issued.contains(&s.step));
    steps
}

/// A step issued to a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedStep {
    pub id: i64,
    pub period: String,
    pub unit: String,
    pub step: Step,
    pub items: Vec<u32>,
    pub reason: String,
    pub issued_on: String,
}

impl IssuedStep {
    /// The subject of the step's message, the same in 消息, e-mail and group robots.
    pub fn subject(&self) -> String {
        format!("【{}】{} {}", self.step.label_zh(), self.period, self.unit)
    }

    /// The body of the step's message outside the app (e-mail, group robots).
    pub fn message(&self) -> String {
        format!(
            "{}：\n\n{}\n\n（{} 调度，编号 #{}，{}；详见督察整改台账“消息”）",
            self.unit, self.reason, self.period, self.id, self.issued_on
        )
    }
}

/// Minutes to wait before trying a failed delivery (e-mail, group robot) again, after
/// `attempts` tries: 1, 5, 15, 60, then 240. After six tries it waits for the office, who sees
/// it failed on the dispatch page and may send it again; a step is never dropped.
pub fn retry_delay_minutes(attempts: u32) -> Option<i64> {
    match attempts {
        0 | 1 => Some(1),
        2 => Some(5),
        3 => Some(15),
        4 => Some(60),
        5 => Some(240),
        _ => None,
    }
}
