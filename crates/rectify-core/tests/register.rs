//! Each register kind driven through its states, with the refusals its rules give.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::register::{
    CheckLine, Inspection, Kind, Lifecycle, MoveContext, Refusal, check_move, open_findings, plot,
    scattered, site, water_body,
};
use rectify_exact::date::Date;

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn cx<'a>(evidence: &'a [String], reason: &'a str) -> MoveContext<'a> {
    MoveContext {
        on: d("2026-05-10"),
        evidence,
        reason,
        open_findings: 0,
    }
}

fn kinds(list: &[&str]) -> Vec<String> {
    list.iter().map(|k| k.to_string()).collect()
}

#[test]
fn a_closed_down_scattered_enterprise_is_signed_off_only_with_all_of_two_cuts_three_clears() {
    use scattered::{Details, Disposal, Problem, State};
    let mut details = Details::default();
    let none: Vec<String> = Vec::new();
    let go = |details: &Details, from: &str, to: &str, evidence: &[String], reason: &str| {
        check_move::<State>(details, from, to, &cx(evidence, reason))
    };
    // Nothing filled in: the first missing field is named.
    assert_eq!(
        go(&details, "registered", "remediating", &none, "")
            .unwrap_err()
            .to_string(),
        "转为“整治中”前须填写问题类型（散/乱/污）"
    );
    details.problems = vec![Problem::Disorderly, Problem::Polluting];
    details.disposal = Some(Disposal::Close);
    assert!(
        go(&details, "registered", "remediating", &none, "")
            .unwrap_err()
            .to_string()
            .contains("包保责任人")
    );
    details.responsible = "王某（孙庄乡副乡长）".into();
    assert_eq!(
        go(&details, "registered", "remediating", &none, ""),
        Ok(State::Remediating)
    );
    // No skipping to sign-off.
    assert_eq!(
        go(&details, "registered", "signed_off", &none, "")
            .unwrap_err()
            .to_string(),
        "不能从“排查登记”直接转为“销号”（可转为：整治中）"
    );
    assert_eq!(
        go(&details, "remediating", "acceptance", &none, ""),
        Ok(State::Acceptance)
    );
    // Three of the five: the two missing are named.
    let three = kinds(&["断水", "断电", "清原料"]);
    assert_eq!(
        go(&details, "acceptance", "signed_off", &three, ""),
        Err(Refusal::MissingEvidence {
            to: "销号",
            missing: kinds(&["清设备", "清产品"]),
        })
    );
    let all = kinds(&scattered::CLEARANCES);
    assert_eq!(
        go(&details, "acceptance", "signed_off", &all, ""),
        Ok(State::SignedOff)
    );
    // An open inspection finding blocks the sign-off whatever the evidence.
    let blocked = MoveContext {
        open_findings: 1,
        ..cx(&all, "")
    };
    assert!(matches!(
        check_move::<State>(&details, "acceptance", "signed_off", &blocked),
        Err(Refusal::NotPassed { .. })
    ));
    // 升级改造 needs no 两断三清 but its acceptance monitoring report.
    details.disposal = Some(Disposal::Upgrade);
    assert!(
        go(&details, "remediating", "acceptance", &none, "")
            .unwrap_err()
            .to_string()
            .contains("验收监测报告")
    );
    assert_eq!(
        go(&details, "acceptance", "signed_off", &none, ""),
        Ok(State::SignedOff)
    );
    // 整合搬迁 needs to say where it went.
    details.disposal = Some(Disposal::Relocate);
    assert!(
        go(&details, "remediating", "acceptance", &none, "")
            .unwrap_err()
            .to_string()
            .contains("搬迁去向")
    );
    // Patrol, then a rebound reopens it, with its reason.
    assert_eq!(
        go(&details, "signed_off", "patrol", &none, ""),
        Ok(State::Patrol)
    );
    assert!(
        go(&details, "patrol", "remediating", &none, " ")
            .unwrap_err()
            .to_string()
            .contains("原因")
    );
    assert_eq!(
        go(
            &details,
            "patrol",
            "remediating",
            &none,
            "巡查发现夜间恢复生产"
        ),
        Ok(State::Remediating)
    );
    assert!(<State as Lifecycle>::rebound(
        State::Patrol,
        State::Remediating
    ));
    assert!(!<State as Lifecycle>::rebound(
        State::Acceptance,
        State::Remediating
    ));
}

#[test]
fn a_plot_is_listed_only_after_its_risk_assessment() {
    use plot::{Details, PlannedUse, State};
    let mut details = Details::default();
    let survey = kinds(&[plot::SURVEY_REPORT]);
    let all = kinds(&[plot::SURVEY_REPORT, plot::RISK_REPORT, plot::EFFECT_REPORT]);
    let go = |details: &Details, from: &str, to: &str, evidence: &[String]| {
        check_move::<State>(details, from, to, &cx(evidence, "效果未达标"))
    };
    assert_eq!(
        go(&details, "suspected", "preliminary", &[]),
        Ok(State::Preliminary)
    );
    assert!(matches!(
        go(&details, "preliminary", "detailed", &[]),
        Err(Refusal::MissingEvidence { .. })
    ));
    assert_eq!(
        go(&details, "preliminary", "detailed", &survey),
        Ok(State::Detailed)
    );
    // Skipping the risk assessment is refused, by state name or by label.
    assert_eq!(
        go(&details, "detailed", "listed", &all)
            .unwrap_err()
            .to_string(),
        "不能从“详细调查”直接转为“列入名录”（可转为：风险评估）"
    );
    assert!(go(&details, "详细调查", "列入名录", &all).is_err());
    assert_eq!(
        go(&details, "detailed", "risk_assessment", &survey),
        Ok(State::RiskAssessment)
    );
    assert!(
        go(&details, "risk_assessment", "listed", &survey)
            .unwrap_err()
            .to_string()
            .contains("风险评估报告")
    );
    assert_eq!(
        go(&details, "risk_assessment", "listed", &all),
        Ok(State::Listed)
    );
    assert!(plot::land_use_restriction(State::Listed).is_some());
    assert!(
        go(&details, "listed", "remediation", &all)
            .unwrap_err()
            .to_string()
            .contains("规划用途")
    );
    details.planned_use = Some(PlannedUse::First);
    assert_eq!(
        go(&details, "listed", "remediation", &all),
        Ok(State::Remediation)
    );
    assert_eq!(
        go(&details, "remediation", "effect_assessment", &all),
        Ok(State::EffectAssessment)
    );
    assert_eq!(
        go(&details, "effect_assessment", "remediation", &all),
        Ok(State::Remediation),
        "targets not met: back to work"
    );
    assert_eq!(
        go(&details, "effect_assessment", "delisted", &all),
        Ok(State::Delisted)
    );
    assert!(plot::land_use_restriction(State::Delisted).is_none());
    assert_eq!(
        go(&details, "delisted", "listed", &all)
            .unwrap_err()
            .to_string(),
        "“移出名录”是终止状态，不能转为“列入名录”"
    );
    // A survey finding nothing excludes the plot.
    assert_eq!(
        go(&details, "preliminary", "excluded", &survey),
        Ok(State::Excluded)
    );
    assert!(matches!(
        go(&details, "preliminary", "疑似地块", &survey),
        Err(Refusal::UnknownState { .. })
    ));
}

fn inspection(
    on: &str,
    failed: &[&str],
    deadline: Option<&str>,
    rechecks: Option<i64>,
) -> Inspection {
    Inspection {
        on: d(on),
        by: "市住建局执法支队 张某".into(),
        lines: site::DEFAULT_CHECKLIST
            .iter()
            .map(|item| CheckLine {
                item: item.to_string(),
                complies: !failed.contains(item),
                note: String::new(),
            })
            .collect(),
        finding: String::new(),
        activity_found: false,
        deadline: deadline.map(d),
        rechecks,
    }
}

#[test]
fn a_failed_site_inspection_needs_a_deadline_and_a_passing_recheck() {
    use site::{Details, State};
    let failed = inspection("2026-05-06", &["物料堆放覆盖", "出入车辆冲洗"], None, None);
    assert_eq!(
        failed.check().unwrap_err(),
        "物料堆放覆盖、出入车辆冲洗不符合，须规定整改期限"
    );
    let late = inspection("2026-05-06", &["物料堆放覆盖"], Some("2026-05-06"), None);
    assert!(late.check().unwrap_err().contains("应晚于检查日期"));
    let first = inspection("2026-05-06", &["物料堆放覆盖"], Some("2026-05-13"), None);
    assert_eq!(first.check(), Ok(()));
    // Re-checked and failed again, then passed: both findings close through the chain.
    let again = inspection("2026-05-13", &["物料堆放覆盖"], Some("2026-05-20"), Some(1));
    let passed = inspection("2026-05-20", &[], None, Some(2));
    let unrelated = inspection("2026-05-21", &["工地周边围挡"], Some("2026-05-28"), None);
    let history = vec![(1, first.clone()), (2, again.clone())];
    assert_eq!(open_findings(&history), [1, 2]);
    let history = vec![(1, first), (2, again), (3, passed), (4, unrelated)];
    assert_eq!(open_findings(&history), [4]);

    let details = Details::default();
    fn stopped(open: usize, reason: &str) -> MoveContext<'_> {
        MoveContext {
            open_findings: open,
            ..cx(&[], reason)
        }
    }
    assert!(
        check_move::<State>(&details, "building", "stopped", &stopped(1, ""))
            .unwrap_err()
            .to_string()
            .contains("停工原因")
    );
    assert_eq!(
        check_move::<State>(
            &details,
            "building",
            "stopped",
            &stopped(1, "覆盖不到位，拒不整改")
        ),
        Ok(State::Stopped)
    );
    assert!(
        check_move::<State>(&details, "stopped", "building", &stopped(1, ""))
            .unwrap_err()
            .to_string()
            .contains("尚有1次检查发现的问题未复查通过")
    );
    assert_eq!(
        check_move::<State>(&details, "stopped", "building", &stopped(0, "")),
        Ok(State::Building)
    );

    // Two failing days within 90 days make a repeat offender; one does not.
    let failures = [
        inspection("2026-03-01", &["工地周边围挡"], Some("2026-03-05"), None),
        inspection("2026-05-06", &["物料堆放覆盖"], Some("2026-05-13"), None),
    ];
    assert!(site::repeat_offender(&failures, d("2026-05-20"), 90, 2));
    assert!(!site::repeat_offender(&failures, d("2026-06-30"), 90, 2));
}

#[test]
fn every_kind_names_its_states_in_order() {
    assert_eq!(Kind::Scattered.initial_state(), "registered");
    assert_eq!(Kind::Plot.initial_state(), "suspected");
    assert_eq!(Kind::Site.initial_state(), "building");
    assert_eq!(Kind::Plot.state_label("listed"), "列入名录");
    assert_eq!(Kind::Plot.states().len(), 10);
}

#[test]
fn a_registers_month_counts_what_changed_in_it_and_names_rebounds() {
    use rectify_core::register::monthly::{EntryHistory, EntryMove, month};
    let mv = |on: &str, from: &str, to: &str, rebound: bool| EntryMove {
        on: d(on),
        from: from.into(),
        to: to.into(),
        rebound,
        reason: if rebound {
            "巡查发现恢复生产".into()
        } else {
            String::new()
        },
    };
    let entry = |name: &str, created: &str, state: &str, moves: Vec<EntryMove>| EntryHistory {
        name: name.into(),
        county: "北岭县政府".into(),
        created_on: d(created),
        state: state.into(),
        moves,
        inspections: Vec::new(),
    };
    let mut entries = vec![
        // Signed off in April, rebounded in May.
        entry(
            "甲",
            "2026-03-02",
            "remediating",
            vec![
                mv("2026-03-10", "registered", "remediating", false),
                mv("2026-04-01", "remediating", "acceptance", false),
                mv("2026-04-20", "acceptance", "signed_off", false),
                mv("2026-05-12", "signed_off", "remediating", true),
            ],
        ),
        // Added in April, still registered.
        entry("乙", "2026-04-15", "registered", Vec::new()),
        // Added in June: not yet there in April.
        entry("丙", "2026-06-01", "registered", Vec::new()),
    ];
    entries[1].inspections = vec![(d("2026-04-16"), false), (d("2026-04-25"), true)];
    let april = month(Kind::Scattered, &entries, d("2026-04-01"), d("2026-04-30")).unwrap();
    assert_eq!(
        (
            april.total,
            april.added,
            april.finished,
            april.inspected,
            april.failed
        ),
        (2, 1, 1, 2, 1)
    );
    assert_eq!(
        april.by_state,
        [("排查登记".to_string(), 1), ("销号".to_string(), 1)]
    );
    assert!(april.rebounds.is_empty());
    let may = month(Kind::Scattered, &entries, d("2026-05-01"), d("2026-05-31")).unwrap();
    assert_eq!((may.added, may.finished), (0, 0));
    assert_eq!(may.rebounds.len(), 1);
    assert_eq!(
        (may.rebounds[0].name.as_str(), may.rebounds[0].on.as_str()),
        ("甲", "2026-05-12")
    );
    assert_eq!(
        may.by_state,
        [("排查登记".to_string(), 1), ("整治中".to_string(), 1)]
    );
    assert!(month(Kind::Scattered, &entries, d("2026-02-01"), d("2026-02-28")).is_none());
}

fn sample(
    on: &str,
    t: &str,
    depth: Option<&str>,
    o2: &str,
    orp: &str,
    nh3: &str,
) -> water_body::Sample {
    water_body::Sample {
        on: d(on),
        transparency: t.into(),
        depth: depth.map(Into::into),
        dissolved_oxygen: o2.into(),
        orp: orp.into(),
        ammonia: nh3.into(),
    }
}

#[test]
fn a_water_bodys_grade_follows_the_guides_table_and_the_60_30_rule() {
    use water_body::Grade::{Clear, Light, Severe};
    // Each indicator on its bounds: 25 cm and 10 cm, 2.0 and 0.2, 50 and −200, 8.0 and 15.
    let levels = |s: &water_body::Sample| s.levels().unwrap();
    assert_eq!(
        levels(&sample("2026-05-01", "25.1", None, "2.01", "50.1", "7.99")),
        [Clear; 4]
    );
    assert_eq!(
        levels(&sample("2026-05-01", "25", None, "2.0", "50", "8.0")),
        [Light; 4]
    );
    assert_eq!(
        levels(&sample("2026-05-01", "10", None, "0.2", "-200", "15")),
        [Light; 4]
    );
    assert_eq!(
        levels(&sample("2026-05-01", "9.9", None, "0.19", "-200.1", "15.1")),
        [Severe; 4]
    );
    // In water 20 cm deep the light bound is 40 % of the depth, 8 cm, and below it is severe.
    assert_eq!(
        levels(&sample("2026-05-01", "9", Some("20"), "5", "100", "1"))[0],
        Clear
    );
    assert_eq!(
        levels(&sample("2026-05-01", "8", Some("20"), "5", "100", "1"))[0],
        Light
    );
    assert_eq!(
        levels(&sample("2026-05-01", "7.9", Some("20"), "5", "100", "1"))[0],
        Severe
    );
    assert!(
        sample("2026-05-01", "浑浊", None, "5", "100", "1")
            .levels()
            .is_err()
    );

    let clean = sample("2026-05-01", "40", None, "5", "100", "1");
    let severe_ammonia = sample("2026-05-02", "40", None, "5", "100", "18");
    let severe_two = sample("2026-05-03", "5", None, "0.1", "100", "1");
    let grade = |s: &[&water_body::Sample]| water_body::grade(s).unwrap();
    // One indicator severe in 3 of 5 (60 %): severe; in 2 of 5 (40 %) alone: not.
    let three = [
        &severe_ammonia,
        &severe_ammonia,
        &severe_ammonia,
        &clean,
        &clean,
    ];
    assert_eq!(grade(&three), Severe);
    let two = [&severe_ammonia, &severe_ammonia, &clean, &clean, &clean];
    assert_eq!(
        grade(&two),
        Clear,
        "one indicator in 40 % of the samples reaches neither level"
    );
    // Two indicators severe in 3 of 10 (30 %): severe.
    let mut ten = vec![&clean; 7];
    ten.extend([&severe_two, &severe_two, &severe_two]);
    assert_eq!(grade(&ten), Severe);
    assert_eq!(grade(&[&clean, &clean]), Clear);
    assert_eq!(grade(&[]), Clear);
}

#[test]
fn a_water_body_is_called_clean_only_on_clean_monitoring_and_public_satisfaction() {
    use water_body::{Details, Measure, State};
    let mut details = Details::default();
    let go =
        |details: &Details, from: &str, to: &str, on: &str, evidence: &[String], reason: &str| {
            let cx = MoveContext {
                on: d(on),
                evidence,
                reason,
                open_findings: 0,
            };
            check_move::<State>(details, from, to, &cx)
        };
    assert!(
        go(&details, "untreated", "treating", "2026-03-01", &[], "")
            .unwrap_err()
            .to_string()
            .contains("治理措施")
    );
    details.measures = vec![Measure::SourceControl, Measure::Sediment];
    details.river_chief = "城关区副区长 刘某".into();
    assert_eq!(
        go(&details, "untreated", "treating", "2026-03-01", &[], ""),
        Ok(State::Treating)
    );
    assert!(matches!(
        go(&details, "treating", "treated", "2026-06-01", &[], ""),
        Err(Refusal::MissingEvidence { .. })
    ));
    let report = kinds(&[water_body::COMPLETION_REPORT]);
    assert_eq!(
        go(&details, "treating", "treated", "2026-06-01", &report, ""),
        Ok(State::Treated)
    );
    // No monitoring yet; then light; then clean but the public is not yet satisfied.
    assert!(
        go(&details, "treated", "effective", "2026-09-01", &[], "")
            .unwrap_err()
            .to_string()
            .contains("没有水质监测数据")
    );
    details.samples = vec![sample("2026-08-10", "18", None, "3", "80", "4")];
    assert!(
        go(&details, "treated", "effective", "2026-09-01", &[], "")
            .unwrap_err()
            .to_string()
            .contains("判定为轻度黑臭")
    );
    details
        .samples
        .push(sample("2026-08-20", "45", None, "4.2", "120", "2.1"));
    details
        .samples
        .push(sample("2026-08-30", "50", None, "4.8", "140", "1.6"));
    details
        .samples
        .push(sample("2026-09-01", "48", None, "5.1", "150", "1.2"));
    // One light sample in four is 25 % of one indicator: clean.
    details.satisfaction = Some("86".into());
    assert!(
        go(&details, "treated", "effective", "2026-09-01", &[], "")
            .unwrap_err()
            .to_string()
            .contains("公众满意度须达到90%（现为86）")
    );
    details.satisfaction = Some("92.5%".into());
    assert_eq!(
        go(&details, "treated", "effective", "2026-09-01", &[], ""),
        Ok(State::Effective)
    );
    // Ninety days later the old samples no longer count.
    assert!(
        go(&details, "effective", "lasting", "2026-12-15", &[], "")
            .unwrap_err()
            .to_string()
            .contains("近90天没有水质监测数据")
    );
    // A recurrence reopens it as a rebound, with its reason.
    assert!(go(&details, "effective", "treating", "2026-10-01", &[], "").is_err());
    assert_eq!(
        go(
            &details,
            "effective",
            "treating",
            "2026-10-01",
            &[],
            "群众反映返黑返臭"
        ),
        Ok(State::Treating)
    );
    assert!(<State as Lifecycle>::rebound(
        State::Effective,
        State::Treating
    ));
    assert!(!<State as Lifecycle>::rebound(
        State::Treated,
        State::Treating
    ));
}

#[test]
fn a_red_label_needs_the_closure_decision_and_a_rerating_its_reason() {
    use rectify_core::register::chemical::{self, Details, State};
    let mut details = Details::default();
    let go = |details: &Details, from: &str, to: &str, evidence: &[String], reason: &str| {
        check_move::<State>(details, from, to, &cx(evidence, reason))
    };
    assert!(
        go(&details, "unrated", "黄", &[], "")
            .unwrap_err()
            .to_string()
            .contains("评定日期")
    );
    details.rated_on = Some(d("2026-04-01"));
    details.rating_body = "河安化工园区管委会".into();
    assert_eq!(go(&details, "待评定", "黄", &[], ""), Ok(State::Yellow));
    // Re-rating: the reason first, then for 红 the closure decision.
    assert!(
        go(&details, "yellow", "red", &[], "")
            .unwrap_err()
            .to_string()
            .contains("调整原因")
    );
    assert_eq!(
        go(&details, "yellow", "red", &[], "整改逾期未完成")
            .unwrap_err()
            .to_string(),
        "转为“红”前须上传佐证材料：关停决定书"
    );
    let closure = kinds(&[chemical::CLOSURE_RECORD]);
    assert_eq!(
        go(&details, "yellow", "red", &closure, "整改逾期未完成"),
        Ok(State::Red)
    );
    assert!(
        go(&details, "red", "red", &closure, "复评").is_err(),
        "no move to itself"
    );
    assert!(go(&details, "red", "unrated", &closure, "撤销").is_err());
}

#[test]
fn an_adverse_credit_rating_needs_its_enforcement_record() {
    use rectify_core::register::credit::{self, Details, State};
    let mut details = Details {
        year: "2026".into(),
        ..Details::default()
    };
    let go = |details: &Details, from: &str, to: &str, evidence: &[String], reason: &str| {
        check_move::<State>(details, from, to, &cx(evidence, reason))
    };
    assert!(
        go(&details, "unrated", "环保良好", &[], "")
            .unwrap_err()
            .to_string()
            .contains("评价依据")
    );
    details.basis = "2026年度监督性监测全部达标，无行政处罚".into();
    assert_eq!(
        go(&details, "unrated", "环保良好", &[], ""),
        Ok(State::Good)
    );
    let record = kinds(&[credit::ENFORCEMENT_RECORD]);
    assert!(matches!(
        go(&details, "good", "bad", &[], "超标排放被处罚"),
        Err(Refusal::MissingEvidence { .. })
    ));
    assert_eq!(
        go(&details, "good", "bad", &record, "超标排放被处罚"),
        Ok(State::Bad)
    );
    assert_eq!((State::Bad.colour(), State::Honest.colour()), ("红", "绿"));
}

#[test]
fn a_boiler_is_retired_or_refitted_as_its_size_requires() {
    use rectify_core::register::boiler::{self, Details, State};
    let boiler = |capacity: &str| Details {
        owner: "河安热力公司".into(),
        capacity: capacity.into(),
        purpose: "供热".into(),
    };
    let report = kinds(&[boiler::MONITORING_REPORT]);
    let photo = kinds(&[boiler::REMOVAL_PHOTO]);
    let go = |d: &Details, to: &str, evidence: &[String]| {
        check_move::<State>(d, "in_use", to, &cx(evidence, ""))
    };
    // 35 t/h and below: retired only.
    assert!(
        go(&boiler("35"), "超低排放改造", &report)
            .unwrap_err()
            .to_string()
            .contains("35蒸吨/时的燃煤锅炉须淘汰")
    );
    assert!(matches!(
        go(&boiler("20"), "淘汰", &[]),
        Err(Refusal::MissingEvidence { .. })
    ));
    assert_eq!(go(&boiler("20"), "淘汰", &photo), Ok(State::Retired));
    // Between: the special limits suffice; at 65 and above they do not.
    assert_eq!(
        go(&boiler("40"), "特别排放限值改造", &report),
        Ok(State::SpecialLimits)
    );
    assert!(
        go(&boiler("65"), "特别排放限值改造", &report)
            .unwrap_err()
            .to_string()
            .contains("超低排放改造")
    );
    assert_eq!(
        go(&boiler("75"), "超低排放改造", &report),
        Ok(State::UltraLow)
    );
    assert!(
        go(&boiler("大型"), "淘汰", &photo)
            .unwrap_err()
            .to_string()
            .contains("额定蒸发量")
    );
}
