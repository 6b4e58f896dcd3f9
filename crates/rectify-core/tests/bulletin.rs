//! The bulletin's facts from a small hand-counted ledger.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::bulletin::{
    BulletinComplaint, BulletinInput, BulletinItem, UnitReports, compose,
};
use rectify_core::dispatch::{AsOf, ColourRules, Criticism, Milestone, RankWeights};
use rectify_core::ledger::{ItemState, Scope};
use rectify_exact::date::Date;

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// The month, stated at its end (generated after it ended).
fn ended(year: i32, month: u8) -> AsOf {
    AsOf::for_period(year, month, d("2100-01-01")).unwrap()
}

fn item(number: u32, scope: Scope, unit: &str, state: ItemState, due: &str) -> BulletinItem {
    BulletinItem {
        plan: "方案".into(),
        number,
        scope,
        problem: format!("问题{number}"),
        lead_unit: unit.into(),
        units: vec![unit.into(), "北岭县政府".into()],
        state,
        final_due: Some(d(due)),
        milestones: Vec::new(),
        criticisms: Vec::new(),
        completed_on: None,
        tasks: Vec::new(),
    }
}

#[test]
fn totals_ranking_and_lists_match_a_hand_count() {
    use ItemState as S;
    let mut items = vec![
        item(1, Scope::Common, "市住建局", S::InProgress, "2019-12-31"), // blue
        item(2, Scope::Common, "市住建局", S::InProgress, "2019-02-28"), // red, overdue
        item(3, Scope::Common, "市生态环境局", S::Closed, "2019-03-31"),
        item(
            4,
            Scope::Specific,
            "市生态环境局",
            S::PublicNotice,
            "2019-06-30",
        ),
        item(
            5,
            Scope::Specific,
            "市生态环境局",
            S::InProgress,
            "2019-12-31",
        ), // yellow
        item(6, Scope::Specific, "市林业局", S::InProgress, "2019-12-31"), // red: criticised
    ];
    items[2].completed_on = Some(d("2019-03-15"));
    items[4].milestones = vec![Milestone {
        label: "第1项措施".into(),
        due: d("2019-03-20"),
        met_on: None,
    }];
    items[5].criticisms = vec![Criticism {
        on: d("2019-03-02"),
        by: "省整改办".into(),
    }];
    let reports = vec![
        UnitReports {
            unit: "市住建局".into(),
            plan: "方案".into(),
            expected: vec![1, 2],
            missing: vec![2],
            late: vec![],
        },
        UnitReports {
            unit: "市生态环境局".into(),
            plan: "方案".into(),
            expected: vec![5],
            missing: vec![],
            late: vec![5],
        },
    ];
    let counties = vec!["北岭县政府".to_string(), "南川县政府".to_string()];
    let facts = compose(&BulletinInput {
        as_of: ended(2019, 3),
        items: &items,
        reports: &reports,
        counties: &counties,
        previous: None,
        escalations: &[],
        complaints: &[],
        rules: ColourRules::default(),
        weights: RankWeights::default(),
    });
    assert_eq!(facts.as_of, "2019-03-31");
    let total = |label: &str| {
        facts
            .totals
            .iter()
            .find(|t| t.scope == label)
            .unwrap()
            .clone()
    };
    let all = total("合计");
    assert_eq!(
        (
            all.items,
            all.closed,
            all.awaiting,
            all.blue,
            all.yellow,
            all.red,
            all.overdue
        ),
        (6, 1, 1, 1, 1, 2, 1)
    );
    let common = total("共性");
    assert_eq!((common.items, common.closed, common.red), (3, 1, 1));
    assert_eq!(total("个性").items, 3);

    let units: Vec<(&str, &str)> = facts
        .units
        .iter()
        .map(|l| (l.tally.unit.as_str(), l.place.as_str()))
        .collect();
    // 市生态环境局: 3 items, 2 done → 50·⅔ + 30·0 + 20·0 = 33.33;
    // 市住建局: 50·0 + 30·½ + 20·½ − 10·½ − 10·½ = 15; 市林业局: 0 + 0 + 20 − 10·1 = 10.
    assert_eq!(
        units,
        [
            ("市生态环境局", "第1名"),
            ("市住建局", "第2名"),
            ("市林业局", "第3名")
        ]
    );
    let env = &facts.units[0];
    assert_eq!(
        (env.completion_rate.as_str(), env.on_time_rate.as_str()),
        ("66.7%", "0.0%")
    );
    assert_eq!(env.score, "33.33");
    assert_eq!(
        facts.counties.len(),
        1,
        "only counties named by items are ranked"
    );
    assert_eq!(facts.counties[0].tally.items, 6);

    let lagging: Vec<(u32, &str)> = facts
        .lagging
        .iter()
        .map(|l| (l.number, l.colour.as_str()))
        .collect();
    assert_eq!(lagging, [(2, "红"), (6, "红"), (5, "黄")]);
    assert!(facts.lagging[0].action.contains("逾期"));
    assert_eq!(
        facts.overdue.iter().map(|l| l.number).collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(
        facts
            .signed_off
            .iter()
            .map(|l| l.number)
            .collect::<Vec<_>>(),
        [3]
    );
    assert_eq!(facts.reports.len(), 2);

    // A month later, with this bulletin as the previous one, the movement is shown.
    let next = compose(&BulletinInput {
        as_of: ended(2019, 4),
        items: &items,
        reports: &[],
        counties: &counties,
        previous: Some(&facts),
        escalations: &[],
        complaints: &[],
        rules: ColourRules::default(),
        weights: RankWeights::default(),
    });
    assert_eq!(next.previous.as_ref().unwrap().period, "2019-03");
    assert!(next.signed_off.is_empty(), "signed off in March, not April");
    assert!(next.units.iter().all(|l| l.change != "新"));
}

fn complaint(
    no: &str,
    unit: Option<&str>,
    transferred: &str,
    due: &str,
    reported: Option<&str>,
) -> BulletinComplaint {
    BulletinComplaint {
        received_no: no.into(),
        unit: unit.map(Into::into),
        transferred_on: d(transferred),
        due_on: d(due),
        reported_on: reported.map(d),
    }
}

#[test]
fn complaint_clocks_count_in_the_section_and_the_ranking() {
    let beiling = Some("北岭县政府");
    let complaints = [
        complaint("A", beiling, "2019-03-01", "2019-03-10", Some("2019-03-09")), // on time
        complaint("B", beiling, "2019-03-01", "2019-03-10", Some("2019-03-12")), // late 2
        complaint("C", beiling, "2019-03-01", "2019-03-20", None),               // overdue 12
        complaint("D", beiling, "2019-03-01", "2019-03-31", None), // due on the report date: 1
        complaint("E", beiling, "2019-03-01", "2019-04-05", None), // due next month
        // Late in February, settled then: not this month's.
        complaint(
            "F",
            Some("南川县政府"),
            "2019-02-10",
            "2019-02-20",
            Some("2019-02-25"),
        ),
        // Due in February, reported in March: late 13 days, counted now.
        complaint(
            "G",
            Some("南川县政府"),
            "2019-02-10",
            "2019-02-20",
            Some("2019-03-05"),
        ),
        // Reported after the report date: still overdue at it (17 days).
        complaint("H", beiling, "2019-03-01", "2019-03-15", Some("2019-04-02")),
        complaint("I", None, "2019-03-01", "2019-03-05", None), // overdue 27, no unit
        complaint("J", beiling, "2019-04-01", "2019-04-11", None), // not yet transferred
    ];
    let items = vec![item(
        1,
        Scope::Common,
        "市住建局",
        ItemState::InProgress,
        "2019-12-31",
    )];
    let counties = vec!["北岭县政府".to_string(), "南川县政府".to_string()];
    let compose_with = |month: u8, weights: RankWeights| {
        compose(&BulletinInput {
            as_of: ended(2019, month),
            items: &items,
            reports: &[],
            counties: &counties,
            previous: None,
            escalations: &[],
            complaints: &complaints,
            rules: ColourRules::default(),
            weights,
        })
    };
    let facts = compose_with(3, RankWeights::default());
    let c = facts
        .complaints
        .as_ref()
        .expect("complaints were transferred");
    assert_eq!((c.received, c.received_in_period, c.reported), (9, 7, 4));
    let units: Vec<(&str, u32, u32, u32, u32)> = c
        .units
        .iter()
        .map(|u| (u.unit.as_str(), u.due, u.on_time, u.late, u.overdue))
        .collect();
    assert_eq!(
        units,
        [
            ("北岭县政府", 5, 1, 1, 3),
            ("南川县政府", 1, 0, 1, 0),
            ("未明确承办单位", 1, 0, 0, 1)
        ]
    );
    let late: Vec<(&str, &str)> = c
        .late
        .iter()
        .map(|l| (l.received_no.as_str(), l.clock.as_str()))
        .collect();
    assert_eq!(
        late,
        [
            ("I", "逾期27天"),
            ("H", "逾期17天"),
            ("G", "迟报13天"),
            ("C", "逾期12天"),
            ("B", "迟报2天"),
            ("D", "逾期1天")
        ]
    );
    // The county ranks with its complaints: 4 of 5 failed costs 10·⅘ = 8 points. 南川 has no
    // items, so it is not ranked; its complaint shows in the section only.
    assert_eq!(facts.counties.len(), 1);
    let county = &facts.counties[0].tally;
    assert_eq!(
        (
            county.complaints_due,
            county.complaints_late,
            county.complaints_overdue
        ),
        (5, 1, 3)
    );
    let without = compose_with(
        3,
        RankWeights {
            complaint_penalty: 0,
            ..RankWeights::default()
        },
    );
    // One open blue item, no reports due: 50·0 + 30·1 + 20·1 = 50, less 8.
    let score = |f: &rectify_core::bulletin::BulletinFacts| f.counties[0].score.clone();
    assert_eq!(
        (score(&without), score(&facts)),
        ("50.00".into(), "42.00".into())
    );
    assert_eq!(
        facts.units[0].tally.complaints_due, 0,
        "市住建局 handles none"
    );
    assert!(facts.method.contains("信访件迟报或逾期未反馈占比×10"));

    // A bulletin frozen before complaints were counted still reads, without them.
    let mut frozen = serde_json::to_value(&facts).unwrap();
    frozen.as_object_mut().unwrap().remove("complaints");
    for line in frozen["counties"].as_array_mut().unwrap() {
        for key in ["complaints_due", "complaints_late", "complaints_overdue"] {
            line.as_object_mut().unwrap().remove(key);
        }
    }
    let old: rectify_core::bulletin::BulletinFacts = serde_json::from_value(frozen).unwrap();
    assert_eq!(old.complaints, None);
    assert_eq!(old.counties[0].tally.complaints_due, 0);

    // Before any complaint was transferred there is no section.
    let earlier = compose_with(1, RankWeights::default());
    assert_eq!(earlier.complaints, None);
}

#[test]
fn reports_on_two_plans_with_the_same_item_numbers_are_told_apart() {
    let mut items = vec![
        item(
            1,
            Scope::Common,
            "市住建局",
            ItemState::InProgress,
            "2019-12-31",
        ),
        item(
            1,
            Scope::Common,
            "市住建局",
            ItemState::InProgress,
            "2019-12-31",
        ),
    ];
    items[1].plan = "回头看方案".into();
    let report = |plan: &str, missing: Vec<u32>| UnitReports {
        unit: "市住建局".into(),
        plan: plan.into(),
        expected: vec![1],
        missing,
        late: vec![],
    };
    let reports = [report("方案", vec![1]), report("回头看方案", vec![])];
    let facts = compose(&BulletinInput {
        as_of: ended(2019, 3),
        items: &items,
        reports: &reports,
        counties: &[],
        previous: None,
        escalations: &[],
        complaints: &[],
        rules: ColourRules::default(),
        weights: RankWeights::default(),
    });
    let unit = &facts.units[0].tally;
    assert_eq!((unit.reports_due, unit.reports_missing), (2, 1));
    assert_eq!(facts.reports.len(), 1);
    assert_eq!(
        (
            facts.reports[0].plan.as_str(),
            facts.reports[0].missing.clone()
        ),
        ("方案", vec![1])
    );
}

#[test]
fn a_bulletin_of_a_running_month_counts_only_what_has_fallen_due_by_today() {
    let beiling = Some("北岭县政府");
    let complaints = [
        complaint("A", beiling, "2019-03-01", "2019-03-05", None),
        // Due today and answered today: on time.
        complaint("B", beiling, "2019-03-01", "2019-03-10", Some("2019-03-10")),
        // Due today, not answered yet: the day is not over, it does not count yet.
        complaint("C", beiling, "2019-03-01", "2019-03-10", None),
        complaint("D", beiling, "2019-03-01", "2019-03-31", None),
    ];
    let mut items = vec![
        item(
            1,
            Scope::Common,
            "市住建局",
            ItemState::InProgress,
            "2019-06-30",
        ),
        item(
            2,
            Scope::Common,
            "市住建局",
            ItemState::InProgress,
            "2019-03-20",
        ),
    ];
    items[0].milestones = vec![Milestone {
        label: "第1项措施".into(),
        due: d("2019-03-15"),
        met_on: None,
    }];
    let counties = vec!["北岭县政府".to_string()];
    let compose_at = |as_of: AsOf| {
        compose(&BulletinInput {
            as_of,
            items: &items,
            reports: &[],
            counties: &counties,
            previous: None,
            escalations: &[],
            complaints: &complaints,
            rules: ColourRules::default(),
            weights: RankWeights::default(),
        })
    };
    let units = |f: &rectify_core::bulletin::BulletinFacts| {
        let c = f.complaints.as_ref().unwrap();
        let units: Vec<(u32, u32, u32, u32)> = c
            .units
            .iter()
            .map(|u| (u.due, u.on_time, u.late, u.overdue))
            .collect();
        let late: Vec<(String, String)> = c
            .late
            .iter()
            .map(|l| (l.received_no.clone(), l.clock.clone()))
            .collect();
        (units, late)
    };
    let colours = |f: &rectify_core::bulletin::BulletinFacts| {
        f.ledger
            .iter()
            .map(|l| l.colour.clone())
            .collect::<Vec<_>>()
    };

    let today = compose_at(AsOf::for_period(2019, 3, d("2019-03-10")).unwrap());
    assert_eq!((today.as_of.as_str(), today.partial), ("2019-03-10", true));
    assert_eq!(
        units(&today),
        (vec![(2, 1, 0, 1)], vec![("A".into(), "逾期5天".into())])
    );
    assert_eq!(colours(&today), ["蓝", "蓝"], "nothing has fallen due");
    assert!(today.overdue.is_empty());
    assert!(
        today
            .method
            .contains("本月尚未结束，本通报情况截至2019年3月10日")
            && today.method.contains("当日到期尚未反馈的不计为逾期"),
        "{}",
        today.method
    );

    let end = compose_at(ended(2019, 3));
    assert_eq!((end.as_of.as_str(), end.partial), ("2019-03-31", false));
    assert_eq!(
        units(&end),
        (
            vec![(4, 1, 0, 3)],
            vec![
                ("A".into(), "逾期27天".into()),
                ("C".into(), "逾期22天".into()),
                ("D".into(), "逾期1天".into())
            ]
        )
    );
    assert_eq!(colours(&end), ["黄", "红"]);
    assert_eq!(end.overdue.len(), 1);
    assert!(
        end.method.contains("月末当日到期仍未反馈的按逾期计") && !end.method.contains("尚未结束")
    );

    // Bulletins frozen before mid-month ones were told apart have no `partial`: they read as
    // stated at the month's end, their frozen as-of date.
    let mut frozen = serde_json::to_value(&end).unwrap();
    frozen.as_object_mut().unwrap().remove("partial").unwrap();
    let old: rectify_core::bulletin::BulletinFacts = serde_json::from_value(frozen).unwrap();
    assert_eq!(old, end);
}

/// #19: a county is ranked on its own items and its parts of the shared items, with its
/// reports, in one tally; the unit ranking leaves counties to theirs; 不涉及 counts nowhere
/// but in the shared table.
#[test]
fn counties_are_ranked_on_their_tasks_with_the_same_facts_everywhere() {
    use rectify_core::bulletin::BulletinTask;
    use rectify_core::task::TaskState;
    let task = |unit: &str, state: TaskState| BulletinTask {
        unit: unit.into(),
        state,
        milestones: Vec::new(),
    };
    let mut shared = item(
        1,
        Scope::Common,
        "市住建局",
        ItemState::InProgress,
        "2019-12-31",
    );
    shared.units = vec!["市住建局".into(), "各县（区）政府".into()];
    shared.tasks = vec![
        task("北岭县政府", TaskState::Done),
        task("南川县政府", TaskState::Working),
        task("清水县政府", TaskState::Exempt),
        task("丰乐县政府", TaskState::Pending),
    ];
    let mut own = item(
        2,
        Scope::Specific,
        "北岭县政府",
        ItemState::InProgress,
        "2019-12-31",
    );
    own.units = vec!["北岭县政府".into()];
    let items = vec![shared, own];
    let reports = vec![
        UnitReports {
            unit: "北岭县政府".into(),
            plan: "方案".into(),
            expected: vec![2],
            missing: vec![],
            late: vec![2],
        },
        UnitReports {
            unit: "南川县政府".into(),
            plan: "方案".into(),
            expected: vec![1],
            missing: vec![1],
            late: vec![],
        },
    ];
    let counties: Vec<String> = ["北岭县政府", "南川县政府", "清水县政府", "丰乐县政府"]
        .map(String::from)
        .to_vec();
    let facts = compose(&BulletinInput {
        as_of: ended(2019, 3),
        items: &items,
        reports: &reports,
        counties: &counties,
        previous: None,
        escalations: &[],
        complaints: &[],
        rules: ColourRules::default(),
        weights: RankWeights::default(),
    });
    let units: Vec<&str> = facts.units.iter().map(|l| l.tally.unit.as_str()).collect();
    assert_eq!(units, ["市住建局"], "counties rank in their own list");
    let county = |name: &str| {
        facts
            .counties
            .iter()
            .find(|l| l.tally.unit == name)
            .map(|l| l.tally.clone())
    };
    let beiling = county("北岭县政府").unwrap();
    assert_eq!(
        (
            beiling.items,
            beiling.awaiting_signoff,
            beiling.reports_due,
            beiling.reports_late
        ),
        (2, 1, 1, 1),
        "its own item and its finished part, with its report"
    );
    let nanchuan = county("南川县政府").unwrap();
    assert_eq!(
        (
            nanchuan.items,
            nanchuan.reports_due,
            nanchuan.reports_missing
        ),
        (1, 1, 1)
    );
    assert!(county("清水县政府").is_none(), "不涉及 is not ranked");
    let shared: Vec<(&str, u32, u32, u32, u32, u32, &str)> = facts
        .shared
        .iter()
        .map(|l| {
            (
                l.unit.as_str(),
                l.tasks,
                l.done,
                l.working,
                l.pending,
                l.exempt,
                l.completion_rate.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shared,
        [
            ("北岭县政府", 1, 1, 0, 0, 0, "100.0%"),
            ("南川县政府", 1, 0, 1, 0, 0, "0.0%"),
            ("清水县政府", 0, 0, 0, 0, 1, "—"),
            ("丰乐县政府", 1, 0, 0, 1, 0, "0.0%"),
        ]
    );
}
