//! The bulletin's facts from a small hand-counted ledger.

use rectify_core::bulletin::{BulletinInput, BulletinItem, UnitReports, compose};
use rectify_core::dispatch::{ColourRules, Criticism, Milestone, RankWeights};
use rectify_core::ledger::{ItemState, Scope};
use rectify_exact::date::Date;

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
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
            expected: vec![1, 2],
            missing: vec![2],
            late: vec![],
        },
        UnitReports {
            unit: "市生态环境局".into(),
            expected: vec![5],
            missing: vec![],
            late: vec![5],
        },
    ];
    let counties = vec!["北岭县政府".to_string(), "南川县政府".to_string()];
    let facts = compose(&BulletinInput {
        year: 2019,
        month: 3,
        items: &items,
        reports: &reports,
        counties: &counties,
        previous: None,
        escalations: &[],
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
        year: 2019,
        month: 4,
        items: &items,
        reports: &[],
        counties: &counties,
        previous: Some(&facts),
        escalations: &[],
        rules: ColourRules::default(),
        weights: RankWeights::default(),
    });
    assert_eq!(next.previous.as_ref().unwrap().period, "2019-03");
    assert!(next.signed_off.is_empty(), "signed off in March, not April");
    assert!(next.units.iter().all(|l| l.change != "新"));
}
