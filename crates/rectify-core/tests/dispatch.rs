//! Schedule colours against hand-computed cases for every rule, milestones from measures and
//! stages, and the unit ranking with ties and month-on-month change.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::{DeadlineContext, parse_deadline};
use rectify_core::dispatch::{
    AsOf, Assessment, Colour, ColourRules, Criticism, Milestone, RankWeights, Reporting, UnitTally,
    decide, milestones, rank, score,
};
use rectify_core::ledger::{Item, ItemSource, ItemState, Measure, Scope};
use rectify_exact::date::Date;
use rectify_exact::exact::Exact;
use std::collections::HashMap;

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// A month's end, its day over (an ended month's report date).
fn end_of(text: &str) -> AsOf {
    AsOf {
        date: d(text),
        partial: false,
    }
}

fn milestone(n: u32, due: &str, met: Option<&str>) -> Milestone {
    Milestone {
        label: format!("第{n}项措施"),
        due: d(due),
        met_on: met.map(d),
    }
}

struct Case {
    name: &'static str,
    as_of: &'static str,
    final_due: Option<&'static str>,
    milestones: Vec<Milestone>,
    criticisms: Vec<Criticism>,
    colour: Colour,
    overdue: bool,
    reason: &'static str,
}

#[test]
fn each_rule_gives_the_hand_computed_colour_and_reason() {
    let criticised = Criticism {
        on: d("2019-04-02"),
        by: "省整改办".into(),
    };
    let cases = vec![
        Case {
            name: "every due milestone met",
            as_of: "2019-04-30",
            final_due: Some("2019-12-31"),
            milestones: vec![
                milestone(1, "2019-03-31", Some("2019-03-20")),
                milestone(2, "2019-06-30", None),
            ],
            criticisms: vec![],
            colour: Colour::Blue,
            overdue: false,
            reason: "到期节点均已完成",
        },
        Case {
            name: "a milestone met late still counts as missed at the report date before it was met",
            as_of: "2019-03-31",
            final_due: Some("2019-12-31"),
            milestones: vec![milestone(1, "2019-03-31", Some("2019-04-05"))],
            criticisms: vec![],
            colour: Colour::Yellow,
            overdue: false,
            reason: "第1项措施节点 2019-03-31 未完成",
        },
        Case {
            name: "missed in the first period only: yellow",
            as_of: "2019-04-30",
            final_due: Some("2019-12-31"),
            milestones: vec![
                milestone(1, "2019-03-31", Some("2019-03-30")),
                milestone(2, "2019-04-30", None),
            ],
            criticisms: vec![],
            colour: Colour::Yellow,
            overdue: false,
            reason: "第2项措施节点 2019-04-30 未完成",
        },
        Case {
            name: "missed at two period ends in a row: red",
            as_of: "2019-04-30",
            final_due: Some("2019-12-31"),
            milestones: vec![milestone(1, "2019-03-31", None)],
            criticisms: vec![],
            colour: Colour::Red,
            overdue: false,
            reason: "第1项措施节点 2019-03-31 未完成（连续2期）",
        },
        Case {
            name: "met between the two period ends: the run is broken",
            as_of: "2019-05-31",
            final_due: Some("2019-12-31"),
            milestones: vec![
                milestone(1, "2019-03-31", Some("2019-04-10")),
                milestone(2, "2019-05-31", None),
            ],
            criticisms: vec![],
            colour: Colour::Yellow,
            overdue: false,
            reason: "第2项措施节点 2019-05-31 未完成",
        },
        Case {
            name: "three months behind (with the consecutive rule as well)",
            as_of: "2019-06-30",
            final_due: Some("2019-12-31"),
            milestones: vec![milestone(1, "2019-03-31", None)],
            criticisms: vec![],
            colour: Colour::Red,
            overdue: false,
            reason: "滞后3个月以上：节点 2019-03-31 至今未完成",
        },
        Case {
            name: "final deadline passed",
            as_of: "2020-01-31",
            final_due: Some("2019-12-31"),
            milestones: vec![],
            criticisms: vec![],
            colour: Colour::Red,
            overdue: true,
            reason: "已逾期：整改时限 2019-12-31 已过，尚未完成",
        },
        Case {
            name: "due today is not yet overdue",
            as_of: "2019-12-31",
            final_due: Some("2019-12-31"),
            milestones: vec![],
            criticisms: vec![],
            colour: Colour::Blue,
            overdue: false,
            reason: "到期节点均已完成",
        },
        Case {
            name: "criticised by the province",
            as_of: "2019-04-30",
            final_due: Some("2019-12-31"),
            milestones: vec![],
            criticisms: vec![criticised.clone()],
            colour: Colour::Red,
            overdue: false,
            reason: "2019-04-02 受到省整改办通报批评",
        },
        Case {
            name: "a criticism after the report date does not count yet",
            as_of: "2019-03-31",
            final_due: Some("2019-12-31"),
            milestones: vec![],
            criticisms: vec![criticised],
            colour: Colour::Blue,
            overdue: false,
            reason: "到期节点均已完成",
        },
        Case {
            name: "no date at all (时限待定): nothing is due",
            as_of: "2019-04-30",
            final_due: None,
            milestones: vec![],
            criticisms: vec![],
            colour: Colour::Blue,
            overdue: false,
            reason: "到期节点均已完成",
        },
    ];
    for case in &cases {
        let decision = decide(
            &Assessment {
                as_of: end_of(case.as_of),
                final_due: case.final_due.map(d),
                milestones: &case.milestones,
                criticisms: &case.criticisms,
                reporting: Reporting::OnTime,
            },
            ColourRules::default(),
        );
        assert_eq!(decision.colour, case.colour, "{}", case.name);
        assert_eq!(decision.overdue, case.overdue, "{}", case.name);
        assert!(
            decision.reasons.iter().any(|r| r == case.reason),
            "{}: {:?}",
            case.name,
            decision.reasons
        );
    }
}

#[test]
fn thresholds_come_from_the_settings() {
    let missed = [milestone(1, "2019-03-31", None)];
    let at = |as_of: &str, rules: ColourRules| {
        decide(
            &Assessment {
                as_of: end_of(as_of),
                final_due: Some(d("2019-12-31")),
                milestones: &missed,
                criticisms: &[],
                reporting: Reporting::Missing,
            },
            rules,
        )
    };
    let three_periods = ColourRules {
        consecutive_periods: 3,
        months_behind: 6,
    };
    assert_eq!(at("2019-04-30", three_periods).colour, Colour::Yellow);
    let may = at("2019-05-31", three_periods);
    assert_eq!(may.colour, Colour::Red);
    assert_eq!(may.reasons, ["第1项措施节点 2019-03-31 未完成（连续3期）"]);
    assert_eq!(
        may.reporting,
        Reporting::Missing,
        "the report flag is kept apart"
    );
    let behind_only = ColourRules {
        consecutive_periods: 0,
        months_behind: 3,
    };
    assert_eq!(at("2019-06-29", behind_only).colour, Colour::Yellow);
    let june = at("2019-06-30", behind_only);
    assert_eq!(june.colour, Colour::Red);
    assert_eq!(june.reasons, ["滞后3个月以上：节点 2019-03-31 至今未完成"]);
}

#[test]
fn a_month_is_stated_as_of_today_while_it_runs_and_as_of_its_end_after() {
    let of = |today: &str| AsOf::for_period(2026, 12, d(today));
    let running = |date: &str| {
        Ok(AsOf {
            date: d(date),
            partial: true,
        })
    };
    assert_eq!(of("2026-12-01"), running("2026-12-01"), "the first day");
    assert_eq!(of("2026-12-07"), running("2026-12-07"), "mid-month");
    assert_eq!(
        of("2026-12-31"),
        running("2026-12-31"),
        "the last day is not over yet"
    );
    assert_eq!(of("2027-01-01"), Ok(end_of("2026-12-31")), "ended");
    assert_eq!(of("2027-03-15"), Ok(end_of("2026-12-31")), "long ended");
    let future = of("2026-11-30").unwrap_err();
    assert!(
        future.contains("2026年12月尚未开始") && future.contains("2026年11月30日"),
        "{future}"
    );
    assert!(AsOf::for_period(2026, 13, d("2027-02-01")).is_err());
    // February of a leap year ends on the 29th.
    assert_eq!(
        AsOf::for_period(2028, 2, d("2028-03-01")),
        Ok(end_of("2028-02-29"))
    );

    let mid = of("2026-12-07").unwrap();
    assert_eq!(
        (mid.period(), mid.first_day()),
        ("2026-12".to_string(), d("2026-12-01"))
    );
    // Reports due on the 25th: owed in a running month only once the 25th is past; every
    // report of an ended month is owed.
    let deadline = d("2026-12-25");
    assert!(!mid.reports_owed(deadline));
    assert!(!of("2026-12-25").unwrap().reports_owed(deadline));
    assert!(of("2026-12-26").unwrap().reports_owed(deadline));
    assert!(end_of("2026-12-31").reports_owed(d("2027-01-04")));
    // Monthly figures: through November while December runs, through December after it.
    assert_eq!(mid.months_ended(), 11);
    assert_eq!(end_of("2026-12-31").months_ended(), 12);
    assert_eq!(
        AsOf::for_period(2027, 1, d("2027-01-10"))
            .unwrap()
            .months_ended(),
        0
    );
}

#[test]
fn while_the_month_runs_what_falls_due_today_or_later_is_not_missed_yet() {
    let at = |as_of: AsOf, milestones: &[Milestone], final_due: &str| {
        decide(
            &Assessment {
                as_of,
                final_due: Some(d(final_due)),
                milestones,
                criticisms: &[],
                reporting: Reporting::NotDue,
            },
            ColourRules::default(),
        )
    };
    let today = AsOf::for_period(2026, 12, d("2026-12-07")).unwrap();
    let later = [milestone(1, "2026-12-20", None)];
    let due_today = [milestone(1, "2026-12-07", None)];
    let yesterday = [milestone(1, "2026-12-06", None)];
    // Stated at the month's end, a milestone of the 20th was missed; on the 7th it is not due.
    assert_eq!(
        at(end_of("2026-12-31"), &later, "2027-06-30").colour,
        Colour::Yellow
    );
    assert_eq!(at(today, &later, "2027-06-30").colour, Colour::Blue);
    assert_eq!(at(today, &due_today, "2027-06-30").colour, Colour::Blue);
    assert_eq!(at(today, &yesterday, "2027-06-30").colour, Colour::Yellow);
    // Met today: not missed whatever the time of day.
    let met = [milestone(1, "2026-12-06", Some("2026-12-07"))];
    assert_eq!(at(today, &met, "2027-06-30").colour, Colour::Blue);
    // The final deadline: not overdue on its day, overdue the day after.
    assert!(!at(today, &[], "2026-12-07").overdue);
    assert!(at(today, &[], "2026-12-06").overdue);
    assert!(!at(today, &[], "2026-12-20").overdue);
    assert!(at(end_of("2026-12-31"), &[], "2026-12-20").overdue);
    // The run of missed periods counts month ends that have passed: missed at the end of
    // November only, it is one period behind while December runs, and two once it has ended.
    let november = [milestone(1, "2026-11-30", None)];
    let behind = at(today, &november, "2027-06-30");
    assert_eq!(behind.colour, Colour::Yellow);
    assert_eq!(behind.reasons, ["第1项措施节点 2026-11-30 未完成"]);
    let first_of_month = AsOf::for_period(2026, 12, d("2026-12-01")).unwrap();
    assert_eq!(
        at(first_of_month, &november, "2027-06-30").colour,
        Colour::Yellow
    );
    let red = at(end_of("2026-12-31"), &november, "2027-06-30");
    assert_eq!(red.reasons, ["第1项措施节点 2026-11-30 未完成（连续2期）"]);
    let october = [milestone(1, "2026-10-20", None)];
    let red = at(today, &october, "2027-06-30");
    assert_eq!(red.colour, Colour::Red);
    assert_eq!(red.reasons, ["第1项措施节点 2026-10-20 未完成（连续2期）"]);
}

fn item(measures: &[Option<&str>], deadline: &str) -> Item {
    let calendar = WorkCalendar::embedded();
    Item {
        number: 1,
        scope: Scope::Common,
        category: String::new(),
        source: ItemSource::Feedback,
        problem: "问题".into(),
        target: String::new(),
        measures: measures
            .iter()
            .map(|due| Measure {
                text: "措施".into(),
                units: Vec::new(),
                due: due.map(d),
            })
            .collect(),
        leaders: Vec::new(),
        supervisors: Vec::new(),
        units: vec!["市生态环境局".into()],
        lead_unit: "市生态环境局".into(),
        deadline: parse_deadline(
            deadline,
            DeadlineContext {
                reference: None,
                calendar: &calendar,
            },
        ),
        state: ItemState::InProgress,
        remarks: String::new(),
    }
}

#[test]
fn milestones_are_dated_measures_or_stages_matched_one_to_one() {
    let done = [Some(d("2019-05-01")), None];
    let own_dates = item(&[Some("2019-03-31"), None], "2019年底前");
    assert_eq!(
        milestones(&own_dates, &done),
        [milestone(1, "2019-03-31", Some("2019-05-01"))]
    );
    let staged = item(&[None, None], "2019年6月底前完成排查，2019年底前完成整治");
    assert_eq!(
        milestones(&staged, &done),
        [
            milestone(1, "2019-06-30", Some("2019-05-01")),
            milestone(2, "2019-12-31", None)
        ]
    );
    let mismatched = item(
        &[None, None, None],
        "2019年6月底前完成排查，2019年底前完成整治",
    );
    assert!(
        milestones(&mismatched, &done).is_empty(),
        "two stages for three measures are not guessed at"
    );
}

fn tally(unit: &str, items: u32, closed: u32, blue: u32, red: u32, late: u32) -> UnitTally {
    UnitTally {
        unit: unit.into(),
        items,
        closed,
        awaiting_signoff: 0,
        blue,
        yellow: items - closed - blue - red,
        red,
        overdue: red,
        reports_due: items - closed,
        reports_late: late,
        reports_missing: 0,
        ..UnitTally::default()
    }
}

#[test]
fn ranking_follows_the_formula_with_ties_and_change() {
    let w = RankWeights::default();
    // 4 items, 2 closed, 2 open both blue, 2 reports on time: 50·½ + 30 + 20 = 75.
    assert_eq!(score(&tally("甲", 4, 2, 2, 0, 0), w), Exact::int(75));
    // 4 items, 1 closed, open 3 of which 1 blue, 1 red (overdue), 1 of 3 reports late:
    // 50·¼ + 30·⅓ + 20·⅔ − 10·¼ − 10·¼ = 12.5 + 10 + 13⅓ − 5 = 30⅚.
    assert_eq!(score(&tally("乙", 4, 1, 1, 1, 1), w), Exact::ratio(185, 6));
    // Nothing open, nothing due: the shares count in full.
    assert_eq!(score(&tally("丙", 2, 2, 0, 0, 0), w), Exact::int(100));
    // Complaints: 1 late and 2 unreported of 4 due cost 10·¾ = 7.5 points; none due, nothing.
    let complaints = UnitTally {
        complaints_due: 4,
        complaints_late: 1,
        complaints_overdue: 2,
        ..tally("甲", 4, 2, 2, 0, 0)
    };
    assert_eq!(score(&complaints, w), Exact::ratio(135, 2));
    // Penalties never push the score below zero.
    assert_eq!(score(&tally("丁", 20, 0, 0, 20, 20), w), Exact::ZERO);

    let previous: HashMap<String, u32> = [("甲".to_string(), 1), ("乙".to_string(), 2)].into();
    let ranked = rank(
        vec![
            tally("乙", 4, 1, 1, 1, 1),
            tally("甲", 4, 2, 2, 0, 0),
            tally("戊", 4, 2, 2, 0, 0),
            tally("丙", 2, 2, 0, 0, 0),
        ],
        w,
        &previous,
    );
    let places: Vec<(String, String, String)> = ranked
        .iter()
        .map(|r| (r.tally.unit.clone(), r.place_zh(), r.change_zh()))
        .collect();
    assert_eq!(
        places,
        [
            ("丙".into(), "第1名".into(), "新".into()),
            ("戊".into(), "并列第2名".into(), "新".into()),
            ("甲".into(), "并列第2名".into(), "↓1".into()),
            ("乙".into(), "第4名".into(), "↓2".into()),
        ]
    );
}

#[test]
fn accountability_candidates_group_items_by_rule_and_target() {
    use rectify_core::accountability::{Grounds, ItemRecord, Rule, candidates};
    let leaders = vec!["王建国（副市长）".to_string()];
    let criticism = [Criticism {
        on: d("2019-04-02"),
        by: "省整改办".into(),
    }];
    let record = |number: u32, unit: &'static str| ItemRecord {
        plan: "方案",
        number,
        lead_unit: unit,
        leaders: &leaders,
        overdue: false,
        red_streak: 0,
        reopened: false,
        rebound: false,
        objection_upheld: false,
        criticisms: &[],
    };
    let items = vec![
        ItemRecord {
            red_streak: 2,
            ..record(1, "市住建局")
        },
        ItemRecord {
            overdue: true,
            ..record(2, "市住建局")
        },
        ItemRecord {
            red_streak: 1,
            ..record(3, "市林业局")
        }, // one red month is not yet a candidate
        ItemRecord {
            reopened: true,
            objection_upheld: true,
            ..record(4, "市林业局")
        },
        ItemRecord {
            criticisms: &criticism,
            ..record(5, "市水利局")
        },
        ItemRecord {
            rebound: true,
            ..record(6, "北岭县政府")
        },
    ];
    let returned = |no: &str, returns| rectify_core::accountability::ReturnedComplaint {
        received_no: no.into(),
        unit: "东湖区政府".into(),
        returns,
        true_but_unhandled: false,
    };
    let complaints = [
        returned("D1HA201806030099", 2),
        returned("D1HA201806030109", 1), // once is not yet a candidate
        returned("X1HA201806040072", 3),
        rectify_core::accountability::ReturnedComplaint {
            true_but_unhandled: true,
            ..returned("W1HA201806050012", 0)
        },
    ];
    let transfer = rectify_core::accountability::Transfer {
        id: 7,
        target: "李某（市住建局副局长）".into(),
        case: "督察发现虚假整改".into(),
        received_on: "2019-05-01".into(),
        items: vec![("方案".into(), 2)],
    };
    let rebound = rectify_core::accountability::RegisterRebound {
        kind: "散乱污企业".into(),
        name: "王楼村废塑料加工点".into(),
        county: "北岭县政府".into(),
        on: "2019-04-02".into(),
        reason: "巡查发现夜间恢复生产".into(),
    };
    let list = candidates(Grounds {
        items: &items,
        complaints: &complaints,
        register_rebounds: &[rebound],
        transfers: &[transfer],
        red_months: 2,
    });
    let summary: Vec<(Rule, &str, Vec<u32>)> = list
        .iter()
        .map(|c| {
            (
                c.rule,
                c.target.as_str(),
                c.items.iter().map(|(_, n)| *n).collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (Rule::Lagging, "市住建局主要负责同志", vec![1, 2]),
            (Rule::Lagging, "王建国（副市长）", vec![1, 2]),
            (Rule::Reopened, "北岭县政府主要负责同志", vec![6]),
            (Rule::Reopened, "市林业局主要负责同志", vec![4]),
            (Rule::ComplaintReturned, "东湖区政府主要负责同志", vec![]),
            (Rule::ObjectionUpheld, "市林业局主要负责同志", vec![4]),
            (Rule::Criticised, "市水利局主要负责同志", vec![5]),
            (Rule::Criticised, "王建国（副市长）", vec![5]),
            (Rule::Transferred, "李某（市住建局副局长）", vec![2]),
        ]
    );
    assert_eq!(list[8].key, "transferred:7");
    assert_eq!(list[8].grounds, ["2019-05-01 督察组移交：督察发现虚假整改"]);
    // The county's register rebound joins its item's under the same candidate.
    assert_eq!(
        list[2].grounds,
        [
            "第6项：销号后同一点位再次被群众信访举报（反弹），建议重新打开",
            "散乱污企业“王楼村废塑料加工点”：2019-04-02 销号后反弹（巡查发现夜间恢复生产）"
        ]
    );
    assert_eq!(
        list[4].grounds,
        [
            "信访件 D1HA201806030099：办理质量不合格，已退回重办 2 次",
            "信访件 X1HA201806040072：办理质量不合格，已退回重办 3 次",
            "信访件 W1HA201806050012：核实属实，报告已办结但未说明处理和整改情况"
        ]
    );
    assert_eq!(
        list[0].grounds,
        ["第1项：连续2期通报为红色（严重滞后）", "第2项：逾期未完成"]
    );
    assert_eq!(list[0].key, "lagging:市住建局主要负责同志");
    assert_eq!(
        Rule::Reopened.suggested_form(),
        "移送纪检监察机关（党纪政务处分）"
    );
}

#[test]
fn the_escalation_ladder_climbs_in_order_and_never_repeats_a_step() {
    use rectify_core::dispatch::{Step, UnitStanding, next_steps};
    let due = d("2019-03-25");
    let missing = UnitStanding {
        missing: vec![3],
        ..UnitStanding::default()
    };
    let steps = |today: &str, unit: &UnitStanding| -> Vec<Step> {
        next_steps(d(today), due, unit)
            .iter()
            .map(|s| s.step)
            .collect()
    };
    assert!(steps("2019-03-21", &missing).is_empty(), "too early");
    assert_eq!(steps("2019-03-22", &missing), [Step::Remind]);
    assert_eq!(
        steps("2019-03-25", &missing),
        [Step::Remind],
        "the deadline day itself"
    );
    assert_eq!(steps("2019-03-26", &missing), [Step::Urge]);
    let already = UnitStanding {
        issued: vec![Step::Remind, Step::Urge],
        ..missing.clone()
    };
    assert!(
        steps("2019-03-28", &already).is_empty(),
        "issued once per round"
    );
    let second_round = UnitStanding {
        urged_before: 1,
        ..missing.clone()
    };
    let second = next_steps(d("2019-03-26"), due, &second_round);
    assert_eq!(
        second.iter().map(|s| s.step).collect::<Vec<_>>(),
        [Step::Urge, Step::Supervise]
    );
    assert_eq!(second[1].reason, "第2次未按时报送进展");
    let lagging = UnitStanding {
        yellow: vec![5],
        red: vec![7],
        ..UnitStanding::default()
    };
    let issued = next_steps(d("2019-03-10"), due, &lagging);
    assert_eq!(
        issued.iter().map(|s| s.step).collect::<Vec<_>>(),
        [Step::Supervise, Step::Interview]
    );
    assert_eq!(issued[0].reason, "第5项进度滞后");
    assert_eq!(issued[1].items, [7]);
}

/// The ledger's one schedule rule (`Item::schedule`): done, undated, or the dispatch colour with
/// its reasons as of today, a day still running.
mod schedule {
    use super::{d, item};
    use rectify_core::dispatch::{ColourRules, Criticism};
    use rectify_core::ledger::{Item, ItemState, Progress, Schedule, Standing};

    /// An item in progress whose measures fall due on `measures` (None: no date of their own),
    /// with a final deadline, or none that a person must set.
    fn scheduled(measures: &[Option<&str>], due: Option<&str>) -> Item {
        let mut item = item(measures, "按要求整改");
        item.deadline.due_date = due.map(d);
        item.deadline.needs_manual_date = due.is_none();
        item
    }

    fn done_on(dates: &[Option<&str>]) -> Progress {
        Progress {
            measures_done_on: dates.iter().map(|o| o.map(d)).collect(),
            criticisms: Vec::new(),
        }
    }

    fn standing(item: &Item, progress: &Progress, today: &str) -> Standing {
        item.schedule(progress, d(today), ColourRules::default())
    }

    #[test]
    fn a_milestone_missed_this_month_is_yellow_with_its_reason() {
        let item = scheduled(
            &[Some("2026-12-03"), Some("2027-03-31")],
            Some("2027-06-30"),
        );
        let progress = done_on(&[None, None]);
        assert_eq!(
            standing(&item, &progress, "2026-12-15"),
            Standing {
                schedule: Schedule::Lagging,
                overdue: false,
                undated: false,
                reasons: vec!["第1项措施节点 2026-12-03 未完成".to_string()],
            }
        );
        assert_eq!(Schedule::Lagging.colour_zh(), "黄");
        // On its due day a milestone is not missed yet: the day is still running.
        let on_the_day = standing(&item, &progress, "2026-12-03");
        assert_eq!(on_the_day.schedule, Schedule::OnTrack);
        assert_eq!(on_the_day.reasons, vec!["到期节点均已完成".to_string()]);
        // Met (on time or late), it no longer holds the item back.
        let met = done_on(&[Some("2026-12-10"), None]);
        assert_eq!(
            standing(&item, &met, "2026-12-15").schedule,
            Schedule::OnTrack
        );
    }

    #[test]
    fn a_milestone_missed_at_two_consecutive_month_ends_is_red() {
        let item = scheduled(&[Some("2026-11-30")], Some("2027-06-30"));
        // Missed at the end of November and still when December has ended: two in a row.
        let got = standing(&item, &done_on(&[None]), "2027-01-04");
        assert_eq!(got.schedule, Schedule::SeriouslyLagging);
        assert_eq!(got.schedule.colour_zh(), "红");
        assert!(!got.overdue, "the final deadline has not passed");
        assert_eq!(
            got.reasons,
            vec!["第1项措施节点 2026-11-30 未完成（连续2期）"]
        );
        // Met between the two month ends: the run is broken and nothing is missed now.
        let met = standing(&item, &done_on(&[Some("2026-12-05")]), "2027-01-04");
        assert_eq!(met.schedule, Schedule::OnTrack);
    }

    #[test]
    fn a_passed_final_deadline_is_red_and_overdue_from_the_next_day() {
        let item = scheduled(&[None], Some("2026-11-30"));
        let progress = done_on(&[None]);
        let on_the_day = standing(&item, &progress, "2026-11-30");
        assert_eq!(on_the_day.schedule, Schedule::OnTrack);
        assert!(!on_the_day.overdue);
        let after = standing(&item, &progress, "2026-12-01");
        assert_eq!(after.schedule, Schedule::SeriouslyLagging);
        assert!(after.overdue);
        assert_eq!(
            after.reasons,
            vec!["已逾期：整改时限 2026-11-30 已过，尚未完成"]
        );
        // The code the "overdue" links and filters used stays.
        assert_eq!(Schedule::parse("overdue"), Some(Schedule::SeriouslyLagging));
    }

    #[test]
    fn a_recorded_criticism_makes_an_item_red_from_its_date() {
        let item = scheduled(&[], Some("2027-06-30"));
        let progress = Progress {
            measures_done_on: Vec::new(),
            criticisms: vec![Criticism {
                on: d("2026-12-02"),
                by: "省整改办".into(),
            }],
        };
        assert_eq!(
            standing(&item, &progress, "2026-12-01").schedule,
            Schedule::OnTrack
        );
        let got = standing(&item, &progress, "2026-12-02");
        assert_eq!(got.schedule, Schedule::SeriouslyLagging);
        assert!(!got.overdue);
        assert_eq!(got.reasons, vec!["2026-12-02 受到省整改办通报批评"]);
    }

    #[test]
    fn done_items_are_done_whatever_their_dates() {
        let mut item = scheduled(&[Some("2026-01-31")], Some("2026-03-31"));
        let progress = done_on(&[None]);
        for state in [
            ItemState::Submitted,
            ItemState::UnderAcceptance,
            ItemState::PublicNotice,
            ItemState::SignOff,
            ItemState::Closed,
            ItemState::Sustain,
        ] {
            item.state = state;
            assert_eq!(
                standing(&item, &progress, "2026-12-15"),
                Standing::without_reasons(Schedule::Done),
                "{state:?}"
            );
        }
        item.state = ItemState::Reopened;
        assert!(standing(&item, &progress, "2026-12-15").overdue);
    }

    #[test]
    fn an_item_whose_date_a_person_must_set_is_flagged_and_still_coloured() {
        // Its colour comes from its milestones as for any item, so the ledger's colour counts
        // are the bulletin's; 时限待定 is a flag beside it.
        let item = scheduled(&[Some("2026-11-10")], None);
        let got = standing(&item, &done_on(&[None]), "2026-12-15");
        assert!(got.undated && !got.overdue);
        assert_eq!(got.schedule, Schedule::Lagging);
        let met = standing(&item, &done_on(&[Some("2026-11-01")]), "2026-12-15");
        assert!(met.undated);
        assert_eq!(met.schedule, Schedule::OnTrack);
        // Without a final date but nothing to set (长期坚持), its milestones still count.
        let mut sustained = item.clone();
        sustained.deadline.needs_manual_date = false;
        sustained.deadline.sustain = true;
        let got = standing(&sustained, &done_on(&[None]), "2026-11-15");
        assert_eq!(got.schedule, Schedule::Lagging);
        assert!(!got.overdue && !got.undated);
    }
}
