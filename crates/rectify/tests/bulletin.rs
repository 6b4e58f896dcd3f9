//! `rectify bulletin` on the demo database: the three files, every count against independent
//! SQL, and a frozen version that renders identically after the ledger changed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

mod common;

use common::{BIN, facts_of, query, rectify_at as rectify};
use rectify_store::{DbTarget, Store};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn facts(db: &str, version: u32) -> serde_json::Value {
    facts_of(db, "2026-11", version)
}

fn count(value: &serde_json::Value) -> u64 {
    value.as_u64().unwrap()
}

#[test]
fn the_bulletin_is_frozen_counted_independently_and_regenerated_identically() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    let out = dir.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    let said = rectify(
        &db,
        "2026-12-01",
        &["bulletin", "--period", "2026-11", "--out", &out_arg],
    );
    assert!(said.contains("已生成并冻结 2026-11 第1版"), "{said}");
    let file =
        |version: u32, ext: &str| out.join(format!("整改进展通报-2026-11-第{version}版.{ext}"));
    assert!(std::fs::read(file(1, "docx")).unwrap().starts_with(b"PK"));
    assert!(std::fs::read(file(1, "xlsx")).unwrap().starts_with(b"PK"));
    let html = std::fs::read_to_string(file(1, "html")).unwrap();
    assert!(
        html.contains("生态环境保护督察整改工作进展情况通报") && html.contains("2026年12月1日")
    );
    assert!(
        html.contains("<svg") && html.contains("aria-label=\"各单位问题完成情况\""),
        "the unit chart"
    );
    // The demo's air data gives the environmental section, with the 两降一增 verdict.
    assert!(
        html.contains("环境质量目标完成情况")
            && html.contains("空气质量：河安市2026年1月1日至")
            && html.contains("“两降一增”")
            && html.contains("地表水：2026年1月1日至")
            && html.contains("达到或优于Ⅲ类断面比例"),
        "{html}"
    );

    // Every total against SQL over the items table.
    let frozen = facts(&db, 1);
    let by_scope: HashMap<String, Vec<u64>> = query(
        &db,
        "SELECT scope, COUNT(*),
                SUM(CASE WHEN state = 'CLOSED' THEN 1 ELSE 0 END),
                SUM(CASE WHEN state = 'SUSTAIN' THEN 1 ELSE 0 END),
                SUM(CASE WHEN state IN ('SUBMITTED', 'UNDER_ACCEPTANCE', 'PUBLIC_NOTICE', 'SIGN_OFF')
                    THEN 1 ELSE 0 END),
                SUM(CASE WHEN state IN ('ISSUED', 'IN_PROGRESS', 'REOPENED', 'AMENDED')
                          AND due_date < '2026-11-30' THEN 1 ELSE 0 END)
         FROM items GROUP BY scope",
    )
    .into_iter()
    .map(|row| (row[0].clone(), row[1..].iter().map(|n| n.parse().unwrap()).collect()))
    .collect();
    for (label, scope) in [("共性", "common"), ("个性", "specific")] {
        let t = frozen["totals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["scope"] == label)
            .unwrap();
        let got = [
            count(&t["items"]),
            count(&t["closed"]),
            count(&t["sustain"]),
            count(&t["awaiting"]),
            count(&t["overdue"]),
        ];
        assert_eq!(got.to_vec(), by_scope[scope], "{label}");
        let coloured = count(&t["blue"]) + count(&t["yellow"]) + count(&t["red"]);
        assert_eq!(
            coloured,
            got[0] - got[1] - got[2] - got[3],
            "{label}: every open item has a colour"
        );
    }
    // Items per lead unit, counties and groups aside (they rank as counties, by their tasks).
    let per_unit: HashMap<String, u64> = query(
        &db,
        "SELECT o.name, COUNT(*) FROM items i JOIN org_units o ON o.id = i.lead_unit_id
         WHERE i.lead_group IS NULL AND o.kind NOT IN ('county', 'district', 'zone') GROUP BY o.name",
    )
    .into_iter()
    .map(|row| (row[0].clone(), row[1].parse().unwrap()))
    .collect();
    let ranked = frozen["units"].as_array().unwrap();
    assert_eq!(ranked.len(), per_unit.len());
    for line in ranked {
        assert_eq!(
            count(&line["items"]),
            per_unit[line["unit"].as_str().unwrap()],
            "{line}"
        );
    }
    // Each county: the items it leads or is named in, and its tasks but those 不涉及.
    let per_county: HashMap<String, u64> = query(
        &db,
        "SELECT o.name, COUNT(*) FROM (
            SELECT i.id, i.lead_unit_id AS unit_id FROM items i WHERE i.lead_group IS NULL
            UNION SELECT c.item_id, c.unit_id FROM item_units c
            UNION SELECT t.item_id, t.unit_id FROM item_tasks t WHERE t.state <> 'exempt') x
         JOIN org_units o ON o.id = x.unit_id WHERE o.kind IN ('county', 'district', 'zone')
         GROUP BY o.name",
    )
    .into_iter()
    .map(|row| (row[0].clone(), row[1].parse().unwrap()))
    .collect();
    let counties = frozen["counties"].as_array().unwrap();
    assert_eq!(counties.len(), per_county.len());
    for line in counties {
        assert_eq!(
            count(&line["items"]),
            per_county[line["unit"].as_str().unwrap()],
            "{line}"
        );
    }
    assert!(
        html.contains("共性问题分县（市、区）完成情况"),
        "the per-county table of the shared items"
    );
    // Missing reports: open items of each unit, and open tasks, without a November report.
    let missing: u64 = query(
        &db,
        "SELECT COUNT(*) FROM (SELECT item_id, unit_id FROM item_units
                               UNION SELECT item_id, unit_id FROM item_tasks
                               WHERE state IN ('pending', 'working')) c
         JOIN items i ON i.id = c.item_id
         WHERE i.state IN ('ISSUED', 'IN_PROGRESS', 'REOPENED', 'AMENDED')
           AND NOT EXISTS (SELECT 1 FROM progress_reports r WHERE r.item_id = i.id
                           AND r.unit_id = c.unit_id AND r.period = '2026-11')",
    )[0][0]
        .parse()
        .unwrap();
    assert_eq!(missing_reports(&frozen), missing);
    recount_complaints(&db, &frozen);
    assert!(html.contains("信访件办理情况") && html.contains("信访迟报逾期"));

    // The ledger changes; version 1 renders as before, a new run is version 2 with new numbers.
    rectify(
        &db,
        "2026-12-02",
        &["setting", "set", "dispatch.months_behind", "1"],
    );
    let blue = frozen["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["colour"] == "蓝")
        .expect("the demo has an item on schedule");
    let number = blue["number"].to_string();
    rectify(
        &db,
        "2026-12-02",
        &[
            "item",
            "criticise",
            &number,
            "--on",
            "2026-11-10",
            "--by",
            "省生态环境保护督察整改办",
        ],
    );
    let first_html = html.clone();
    std::fs::remove_dir_all(&out).unwrap();
    let again = rectify(
        &db,
        "2026-12-03",
        &[
            "bulletin",
            "--period",
            "2026-11",
            "--out",
            &out_arg,
            "--version",
            "1",
            "--format",
            "html",
        ],
    );
    assert!(again.contains("按冻结数据重新输出"), "{again}");
    assert_eq!(
        std::fs::read_to_string(file(1, "html")).unwrap(),
        first_html
    );
    let second = rectify(
        &db,
        "2026-12-03",
        &["bulletin", "--period", "2026-11", "--out", &out_arg],
    );
    assert!(
        second.contains("本期已有通报，已生成新版本 2026-11 第2版"),
        "{second}"
    );
    let (one, two) = (facts(&db, 1), facts(&db, 2));
    assert_ne!(
        one["totals"], two["totals"],
        "the changed rule shows in the new version only"
    );
    assert!(
        two["lagging"]
            .to_string()
            .contains("省生态环境保护督察整改办")
    );
    assert!(Path::new(&file(2, "docx")).exists());
    // The journal records each version as frozen: its period, number and facts' SHA-256.
    let journaled = query(
        &db,
        "SELECT after_json FROM journal WHERE entity = 'bulletin' ORDER BY seq",
    );
    let sha = |version: u32| {
        let sql = format!(
            "SELECT sha256 FROM bulletins WHERE period = '2026-11' AND version = {version}"
        );
        query(&db, &sql)[0][0].clone()
    };
    let expected = [1, 2].map(|v| {
        vec![format!(
            r#"{{"period":"2026-11","sha256":"{}","version":{v}}}"#,
            sha(v)
        )]
    });
    assert_eq!(journaled, expected);

    // Each version prints the journal's head as it was frozen; the chain passes through both,
    // and through the head `audit anchor` prints, but not through a head it never had.
    let head = |version: u32| {
        let h = &facts(&db, version)["journal_head"];
        format!("{}:{}", h["seq"], h["hash"].as_str().unwrap())
    };
    let (head1, head2) = (head(1), head(2));
    assert_ne!(head1, head2);
    let (seq1, hash1) = head1.split_once(':').unwrap();
    assert!(
        first_html.contains(&format!("审计日志链头为第 {seq1} 条，哈希值 {hash1}"))
            && first_html.contains(&format!("rectify audit verify --anchor {head1}")),
        "the head is in the bulletin's text"
    );
    let anchor = rectify(&db, "2026-12-03", &["audit", "anchor"]);
    let printed = anchor.lines().last().unwrap().to_string();
    let verified = rectify(
        &db,
        "2026-12-03",
        &["audit", "verify", "--anchors", "--anchor", &printed],
    );
    assert!(verified.contains("外部链头：3 个，均在链上"), "{verified}");
    let forged = format!("{seq1}:{}", "0".repeat(64));
    let refused = Command::new(BIN)
        .args(["--db", &db, "audit", "verify", "--anchor", &forged])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains(&format!("第 {seq1} 条：与外部记录的链头不符（命令行记为")),
        "{said}"
    );
}

/// A city's database can hold stations of a neighbouring city too (a shared monitoring feed).
/// The bulletin and the `/air` page report the city the org tree is of, not whichever city's
/// name sorts first: `A市` sorts before `河安市`.
#[test]
fn the_air_figures_are_the_home_citys_whatever_else_the_feed_holds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    let feed = dir.path().join("neighbour.csv");
    let mut text = String::from("station,city,time,pm25,pm10\n");
    for day in 1..=28 {
        for hour in 0..24 {
            text.push_str(&format!(
                "外站1,A市,2026-11-{day:02} {hour:02}:00,150,200\n"
            ));
        }
    }
    std::fs::write(&feed, text).unwrap();
    rectify(
        &db,
        "2026-11-29",
        &["air", "import", feed.to_str().unwrap()],
    );
    let out = dir.path().join("out");
    rectify(
        &db,
        "2026-12-01",
        &[
            "bulletin",
            "--period",
            "2026-11",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(out.join("整改进展通报-2026-11-第1版.html")).unwrap();
    let air: String = html
        .split("空气质量：")
        .nth(1)
        .map(|rest| rest.chars().take(60).collect())
        .unwrap_or_default();
    assert!(air.starts_with("河安市2026年1月1日至"), "{air}");
    assert!(!html.contains("A市"), "{air}");
}

/// A bulletin for an earlier month shows the ledger as it stood at that month's end, however
/// late it is generated (the demo, made on 29 November, holds June to November): every item's state against SQL replaying the journal, the items signed
/// off in the month though reopened since, and the missing reports of the items open then.
#[test]
fn a_bulletin_for_an_earlier_month_shows_the_ledger_as_it_stood() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    let out = dir.path().join("out").to_string_lossy().into_owned();
    for period in ["2026-06", "2026-08"] {
        rectify(
            &db,
            "2026-12-01",
            &[
                "bulletin", "--period", period, "--out", &out, "--format", "html",
            ],
        );
    }
    // The state at the end of August: where the first later change started from, else now.
    let then: HashMap<u64, String> = query(
        &db,
        "SELECT i.number, COALESCE(
             (SELECT json_extract(j.after_json, '$.facts.from') FROM journal j
              WHERE j.entity = 'item' AND j.entity_id = CAST(i.id AS TEXT)
                AND json_extract(j.after_json, '$.facts.on') > '2026-08-31'
              ORDER BY j.seq LIMIT 1),
             i.state)
         FROM items i",
    )
    .into_iter()
    .map(|row| (row[0].parse().unwrap(), row[1].clone()))
    .collect();
    let august = facts_of(&db, "2026-08", 1);
    let ledger = august["ledger"].as_array().unwrap();
    assert_eq!(ledger.len(), then.len());
    for line in ledger {
        let code = &then[&line["number"].as_u64().unwrap()];
        let label = rectify_core::ledger::ItemState::parse(code)
            .unwrap()
            .label_zh();
        assert_eq!(line["state"], label, "{line}");
    }
    let state_of = |number: u64| {
        ledger
            .iter()
            .find(|l| l["number"] == number)
            .map(|l| l["state"].as_str().unwrap().to_string())
            .unwrap()
    };
    // Item 21 was signed off in June and reopened in September; item 14 was submitted in November.
    assert_eq!(state_of(21), "已销号");
    assert_eq!(state_of(14), "整改中");
    let now = query(&db, "SELECT state FROM items WHERE number = 21");
    assert_eq!(now[0][0], "REOPENED");
    let june = facts_of(&db, "2026-06", 1);
    let signed_off: Vec<u64> = june["signed_off"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["number"].as_u64().unwrap())
        .collect();
    assert_eq!(signed_off, [5, 21, 38], "item 9 was signed off in July");
    // Missing August reports: units of items open at the month's end without a report.
    let open_then: Vec<String> = then
        .iter()
        .filter(|(_, code)| {
            rectify_core::ledger::ItemState::parse(code)
                .unwrap()
                .reportable()
        })
        .map(|(number, _)| number.to_string())
        .collect();
    let missing: u64 = query(
        &db,
        &format!(
            // A member's part open at the month's end: open now, or changed since (the demo
            // never takes a finished part back).
            "SELECT COUNT(*) FROM (SELECT item_id, unit_id FROM item_units
                                   UNION SELECT item_id, unit_id FROM item_tasks
                                   WHERE state IN ('pending', 'working') OR changed_on > '2026-08-31') c
             JOIN items i ON i.id = c.item_id
             WHERE i.number IN ({})
               AND NOT EXISTS (SELECT 1 FROM progress_reports r WHERE r.item_id = i.id
                               AND r.unit_id = c.unit_id AND r.period = '2026-08')",
            open_then.join(", ")
        ),
    )[0][0]
        .parse()
        .unwrap();
    assert_eq!(missing_reports(&august), missing);
}

/// A bulletin for the month still running is stated as of today: generated on 7 December it
/// says 截至2026年12月7日 and counts nothing that falls due later in December (the complaint due
/// on the 31st, the December reports due on the 25th, items due after the 7th); generated in
/// January the same complaint, still unanswered, is overdue at the month's end. A month that
/// has not begun is refused.
#[test]
fn a_bulletin_for_the_running_month_is_stated_as_of_today() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    let list = dir.path().join("b9.csv");
    std::fs::write(
        &list,
        "中央第一生态环境保护督察组交办群众信访举报件（第9批）\n交办时间：2026年12月1日\n\
         序号,受理编号,交办问题基本情况,行政区域,污染类型,联系方式,调查核实情况,是否属实,处理和整改情况,责任人被处理情况,办理状态\n\
         1,D1HA202612010001,城关区某小区附近烧烤油烟扰民,城关区,大气,,,,,,\n",
    )
    .unwrap();
    rectify(
        &db,
        "2026-12-01",
        &[
            "complaint",
            "import",
            list.to_str().unwrap(),
            "--days",
            "30",
        ],
    );
    let shown = rectify(
        &db,
        "2026-12-01",
        &["complaint", "show", "D1HA202612010001", "--format", "json"],
    );
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["due_on"], "2026-12-31");

    let out = dir.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    let generate = |now: &str| {
        rectify(
            &db,
            now,
            &["bulletin", "--period", "2026-12", "--out", &out_arg],
        )
    };
    let html = |version: u32| {
        std::fs::read_to_string(out.join(format!("整改进展通报-2026-12-第{version}版.html")))
            .unwrap()
    };
    let mentions = |facts: &serde_json::Value| facts.to_string().contains("D1HA202612010001");

    assert!(generate("2026-12-07").contains("已生成并冻结 2026-12 第1版"));
    let today = facts_of(&db, "2026-12", 1);
    assert_eq!(
        (&today["as_of"], &today["partial"]),
        (&"2026-12-07".into(), &true.into())
    );
    let page = html(1);
    assert!(page.contains("截至2026年12月7日（本月尚未结束）"), "{page}");
    assert!(!page.contains("截至2026年12月31日"));
    assert!(
        !mentions(&today["complaints"]),
        "not due yet: {}",
        today["complaints"]
    );
    let complaints_due: u64 = today["complaints"]["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| count(&u["due"]))
        .sum();
    let due_by_today = query(
        &db,
        "SELECT COUNT(*) FROM complaints WHERE due_on < '2026-12-07'
           AND (due_on >= '2026-12-01' OR reported_on IS NULL OR reported_on >= '2026-12-01')",
    );
    let due_today_answered = query(
        &db,
        "SELECT COUNT(*) FROM complaints WHERE due_on = '2026-12-07' AND reported_on <= '2026-12-07'",
    );
    assert_eq!(
        complaints_due,
        due_by_today[0][0].parse::<u64>().unwrap()
            + due_today_answered[0][0].parse::<u64>().unwrap()
    );
    assert_eq!(
        missing_reports(&today),
        0,
        "the December reports are due on the 25th"
    );
    for line in today["overdue"].as_array().unwrap() {
        assert!(line["due"].as_str().unwrap() < "2026-12-07", "{line}");
    }
    let overdue_today = query(
        &db,
        "SELECT COUNT(*) FROM items WHERE state IN ('ISSUED', 'IN_PROGRESS', 'REOPENED', 'AMENDED')
           AND due_date < '2026-12-07'",
    );
    let overdue_then = query(
        &db,
        "SELECT COUNT(*) FROM items WHERE state IN ('ISSUED', 'IN_PROGRESS', 'REOPENED', 'AMENDED')
           AND due_date < '2026-12-31'",
    );
    assert_eq!(
        today["overdue"].as_array().unwrap().len().to_string(),
        overdue_today[0][0]
    );

    // In January the month has ended: as of the 31st, the complaint is a day overdue.
    assert!(generate("2027-01-05").contains("第2版"));
    let end = facts_of(&db, "2026-12", 2);
    assert_eq!(
        (&end["as_of"], &end["partial"]),
        (&"2026-12-31".into(), &false.into())
    );
    assert!(html(2).contains("截至2026年12月31日，"));
    let late = end["complaints"]["late"].as_array().unwrap();
    let ours = late
        .iter()
        .find(|l| l["received_no"] == "D1HA202612010001")
        .expect("overdue at the month's end");
    assert_eq!(ours["clock"], "逾期1天");
    assert!(missing_reports(&end) > 0, "December reports never filed");
    assert_eq!(
        end["overdue"].as_array().unwrap().len().to_string(),
        overdue_then[0][0]
    );

    // January has not begun on 7 December: refused, nothing frozen.
    let refused = Command::new(BIN)
        .args([
            "--db", &db, "bulletin", "--period", "2027-01", "--out", &out_arg,
        ])
        .env("RECTIFY_NOW", "2026-12-07T10:00:00+08:00")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("2027年1月尚未开始"), "{stderr}");
    assert_eq!(
        query(
            &db,
            "SELECT COUNT(*) FROM bulletins WHERE period = '2027-01'"
        )[0][0],
        "0"
    );
}

/// The missing reports the bulletin lists, over all units.
fn missing_reports(facts: &serde_json::Value) -> u64 {
    facts["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["missing"].as_array().unwrap().len() as u64)
        .sum()
}

/// The complaints section and the ranking's complaint columns against SQL over the complaints:
/// due by the report date and not settled before the month; late, or unreported at its end.
fn recount_complaints(db: &str, frozen: &serde_json::Value) {
    let per_unit: HashMap<String, Vec<u64>> = query(
        db,
        "SELECT COALESCE(u.name, '未明确承办单位'), COUNT(*),
                SUM(CASE WHEN c.reported_on <= c.due_on THEN 1 ELSE 0 END),
                SUM(CASE WHEN c.reported_on > c.due_on AND c.reported_on <= '2026-11-30'
                    THEN 1 ELSE 0 END),
                SUM(CASE WHEN c.reported_on IS NULL OR c.reported_on > '2026-11-30'
                    THEN 1 ELSE 0 END)
         FROM complaints c LEFT JOIN org_units u ON u.id = c.unit_id
         WHERE c.due_on <= '2026-11-30'
           AND (c.due_on >= '2026-11-01' OR c.reported_on IS NULL OR c.reported_on >= '2026-11-01')
         GROUP BY COALESCE(u.name, '未明确承办单位')",
    )
    .into_iter()
    .map(|row| {
        (
            row[0].clone(),
            row[1..].iter().map(|n| n.parse().unwrap()).collect(),
        )
    })
    .collect();
    let section = &frozen["complaints"];
    let units = section["units"].as_array().unwrap();
    assert_eq!(units.len(), per_unit.len());
    let mut overdue = 0;
    for line in units {
        let got = ["due", "on_time", "late", "overdue"].map(|k| count(&line[k]));
        assert_eq!(
            got.to_vec(),
            per_unit[line["unit"].as_str().unwrap()],
            "{line}"
        );
        overdue += got[2] + got[3];
    }
    assert!(
        overdue > 0,
        "the demo has complaints overdue at the end of November"
    );
    assert_eq!(section["late"].as_array().unwrap().len() as u64, overdue);
    let received = query(
        db,
        "SELECT COUNT(*), SUM(CASE WHEN c.reported_on <= '2026-11-30' THEN 1 ELSE 0 END)
         FROM complaints c JOIN complaint_batches b ON b.id = c.batch_id
         WHERE b.transferred_on <= '2026-11-30'",
    );
    assert_eq!(count(&section["received"]).to_string(), received[0][0]);
    assert_eq!(count(&section["reported"]).to_string(), received[0][1]);
    // Each ranked county carries its own complaint figures.
    let mut ranked_with_complaints = 0;
    for line in frozen["counties"].as_array().unwrap() {
        let unit = line["unit"].as_str().unwrap();
        let expected = per_unit.get(unit).map_or([0, 0, 0], |c| [c[0], c[2], c[3]]);
        let got =
            ["complaints_due", "complaints_late", "complaints_overdue"].map(|k| count(&line[k]));
        assert_eq!(got, expected, "{unit}");
        ranked_with_complaints += u64::from(got[0] > 0);
    }
    assert!(ranked_with_complaints > 0);
}

/// Converts the docx with LibreOffice (as an office would print it) and reads the first page:
/// the Chinese must come out as text in a CJK font, not as empty boxes.
#[test]
fn the_docx_renders_to_pdf_with_chinese_on_the_first_page() {
    for tool in ["soffice", "pdftotext", "pdffonts", "unzip"] {
        let found = Command::new("which").arg(tool).output().unwrap();
        assert!(
            found.status.success(),
            "{tool} is needed: install the Debian packages libreoffice-writer-nogui and poppler-utils"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    let out = dir.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    rectify(
        &db,
        "2026-12-01",
        &[
            "bulletin", "--period", "2026-11", "--out", &out_arg, "--format", "docx",
        ],
    );
    let docx = out.join("bulletin.docx");
    std::fs::rename(out.join("整改进展通报-2026-11-第1版.docx"), &docx).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.path().join("lo").display()
    );
    let converted = Command::new("soffice")
        .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(&docx)
        .output()
        .unwrap();
    assert!(
        converted.status.success(),
        "{}",
        String::from_utf8_lossy(&converted.stderr)
    );
    let pdf = out.join("bulletin.pdf");
    let text = Command::new("pdftotext")
        .args(["-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    // Lines break anywhere in Chinese text, and pdftotext spaces Latin digits apart.
    let first_page: String = String::from_utf8_lossy(&text.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for expected in [
        "生态环境保护督察整改工作进展情况通报",
        "一、总体情况",
        "共性问题36项",
    ] {
        assert!(first_page.contains(expected), "{expected}: {first_page}");
    }
    // The unit chart is embedded as a PNG (CI installs a CJK font; without one it is left out).
    let listing = Command::new("unzip").arg("-l").arg(&docx).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(
        listing.contains("word/media/") && listing.contains(".png"),
        "{listing}"
    );
    let fonts = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(
        fonts
            .lines()
            .any(|l| ["CJK", "WenQuanYi", "Hei", "Song", "Fang"]
                .iter()
                .any(|f| l.contains(f))),
        "no CJK font in the PDF:\n{fonts}"
    );
}

#[test]
fn accountability_candidates_follow_the_bulletins_and_take_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    let list = |now: &str| -> Vec<serde_json::Value> {
        let out = rectify(&db, now, &["accountability", "list", "--format", "json"]);
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let before = list("2026-12-01");
    for rule in ["lagging", "reopened", "objection_upheld"] {
        assert!(
            before.iter().any(|c| c["rule"] == rule),
            "{rule} in the demo"
        );
    }
    assert!(
        !format!("{before:?}").contains("连续2期"),
        "no bulletins yet"
    );
    // Two monthly bulletins in a row with the same red items make a streak.
    let out = dir.path().join("out").to_string_lossy().into_owned();
    for period in ["2026-10", "2026-11"] {
        rectify(
            &db,
            "2026-12-01",
            &[
                "bulletin", "--period", period, "--out", &out, "--format", "html",
            ],
        );
    }
    let after = list("2026-12-01");
    assert!(
        format!("{after:?}").contains("连续2期通报为红色"),
        "{after:?}"
    );

    // A case the inspection team transferred is a candidate of its own until decided.
    let said = rectify(
        &db,
        "2026-12-02",
        &[
            "accountability",
            "transfer",
            "--target",
            "李某（市住建局副局长）",
            "--case",
            "虚假整改",
            "--on",
            "2026-12-01",
            "--items",
            "17",
        ],
    );
    assert!(said.contains("transferred:"), "{said}");
    let with_transfer = list("2026-12-02");
    let transferred = with_transfer
        .iter()
        .find(|c| c["rule"] == "transferred")
        .unwrap();
    assert_eq!(transferred["target"], "李某（市住建局副局长）");
    assert_eq!(transferred["items"][0][1], 17);
    let key = after[0]["key"].as_str().unwrap().to_string();
    rectify(
        &db,
        "2026-12-05",
        &[
            "accountability",
            "decide",
            &key,
            "--organ",
            "市纪委监委",
            "--on",
            "2026-12-05",
            "--form",
            "约谈",
            "--outcome",
            "已约谈",
            "--published",
        ],
    );
    let decided = list("2026-12-06");
    let line = decided.iter().find(|c| c["key"] == key.as_str()).unwrap();
    assert_eq!(line["decision"]["form"], "约谈");
    assert_eq!(line["decision"]["published"], true);
    let refused = Command::new(BIN)
        .args([
            "--db",
            &db,
            "accountability",
            "decide",
            "lagging:无此对象",
            "--organ",
            "x",
            "--on",
            "2026-12-05",
            "--form",
            "约谈",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let xlsx = dir.path().join("list.xlsx");
    rectify(
        &db,
        "2026-12-06",
        &[
            "accountability",
            "list",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let journal = query(
        &db,
        "SELECT COUNT(*) FROM journal WHERE entity IN ('accountability', 'accountability_transfer')",
    );
    assert_eq!(journal[0][0], "2");
}

#[test]
fn a_unit_missing_two_report_deadlines_is_reminded_urged_then_supervised() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    let said = rectify(
        &db,
        "2026-12-01",
        &["dispatch", "open", "--period", "2026-12"],
    );
    assert!(said.contains("截止 2026-12-25"), "{said}");
    assert!(
        said.lines()
            .any(|l| l.starts_with("市发改委\t") && l.contains("第1项")),
        "who must report what: {said}"
    );
    let run = |now: &str, period: &str| rectify(&db, now, &["dispatch", "run", "--period", period]);
    assert!(
        !run("2026-12-10", "2026-12").contains("提醒"),
        "too early for a reminder"
    );
    assert!(run("2026-12-22", "2026-12").contains("提醒\t市发改委"));
    assert!(
        run("2026-12-22", "2026-12").contains("今日无新的督办事项"),
        "never twice"
    );
    assert!(run("2026-12-29", "2026-12").contains("催办\t市发改委"));
    rectify(
        &db,
        "2027-01-04",
        &["dispatch", "open", "--period", "2027-01"],
    );
    run("2027-01-22", "2027-01");
    let second = run("2027-01-26", "2027-01");
    assert!(
        second.contains("督办单\t市发改委\t第2次未按时报送进展"),
        "{second}"
    );

    let steps: Vec<Vec<String>> = query(
        &db,
        "SELECT e.step, r.period FROM escalations e JOIN dispatch_rounds r ON r.id = e.round_id
         JOIN org_units o ON o.id = e.unit_id WHERE o.name = '市发改委' AND e.step <> 'interview'
         ORDER BY e.id",
    );
    let steps: Vec<(&str, &str)> = steps
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("remind", "2026-12"),
            ("urge", "2026-12"),
            ("remind", "2027-01"),
            ("urge", "2027-01"),
            ("supervise", "2027-01"),
        ]
    );
    let inbox = query(
        &db,
        "SELECT COUNT(*) FROM inbox m JOIN org_units o ON o.id = m.unit_id WHERE o.name = '市发改委'",
    );
    assert!(
        inbox[0][0].parse::<u32>().unwrap() >= 5,
        "every step reaches the unit's inbox"
    );
    let id = second
        .lines()
        .find(|l| l.contains("督办单\t市发改委"))
        .and_then(|l| l.strip_prefix('#'))
        .and_then(|l| l.split('\t').next())
        .unwrap()
        .to_string();
    let docx = dir.path().join("督办单.docx");
    rectify(
        &db,
        "2027-01-26",
        &["dispatch", "notice", &id, "--out", docx.to_str().unwrap()],
    );
    assert!(std::fs::read(&docx).unwrap().starts_with(b"PK"));
    let journal = query(
        &db,
        "SELECT COUNT(*) FROM journal WHERE entity = 'escalation'",
    );
    let issued = query(&db, "SELECT COUNT(*) FROM escalations");
    assert_eq!(journal[0][0], issued[0][0], "every step is journaled");
}

/// A one-connection-at-a-time SMTP sink on a free port that keeps every session's transcript.
fn smtp_sink() -> (u16, std::sync::Arc<std::sync::Mutex<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let transcript = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let kept = transcript.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut writer = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            writer.write_all(b"220 sink ESMTP\r\n").unwrap();
            let mut in_data = false;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                kept.lock().unwrap().push_str(&line);
                let command = line.trim_end().to_ascii_uppercase();
                let reply: &[u8] = if in_data {
                    if command == "." {
                        in_data = false;
                        b"250 queued\r\n"
                    } else {
                        b""
                    }
                } else if command.starts_with("DATA") {
                    in_data = true;
                    b"354 go ahead\r\n"
                } else if command.starts_with("QUIT") {
                    let _ = writer.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 ok\r\n"
                };
                writer.write_all(reply).unwrap();
                line.clear();
            }
        }
    });
    (port, transcript)
}

#[test]
fn dispatch_steps_are_mailed_through_the_configured_relay() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    let (port, transcript) = smtp_sink();
    let relay = format!(
        r#"{{"host": "127.0.0.1", "port": {port}, "from": "督察整改办 <zgb@hean.gov.cn>"}}"#
    );
    rectify(&db, "2026-11-29", &["setting", "set", "mail.smtp", &relay]);
    rectify(
        &db,
        "2026-11-29",
        &[
            "setting",
            "set",
            "mail.recipients",
            r#"{"市发改委": ["fgw@hean.gov.cn", "fgw2@hean.gov.cn"]}"#,
        ],
    );
    rectify(
        &db,
        "2026-12-01",
        &["dispatch", "open", "--period", "2026-12"],
    );
    let out = rectify(
        &db,
        "2026-12-22",
        &["dispatch", "run", "--period", "2026-12"],
    );
    assert!(
        out.contains("市发改委（电子邮件）→ fgw@hean.gov.cn：已送达")
            && out.contains("市发改委（电子邮件）→ fgw2@hean.gov.cn：已送达"),
        "{out}"
    );
    assert!(
        !out.contains("北岭县政府（电子邮件）"),
        "a unit without addresses has its steps in 消息 only: {out}"
    );
    let sent = transcript.lock().unwrap().clone();
    assert!(
        sent.contains("RCPT TO:<fgw@hean.gov.cn>") && sent.contains("RCPT TO:<fgw2@hean.gov.cn>"),
        "{sent}"
    );
    assert!(sent.contains("MAIL FROM:<zgb@hean.gov.cn>"), "{sent}");
    assert!(
        sent.contains("Subject: =?utf-8?"),
        "the Chinese subject is encoded: {sent}"
    );

    // A relay that does not answer is reported and tried again later; the steps stay issued
    // (the inbox has them).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!(r#"{{"host": "127.0.0.1", "port": {closed}, "from": "zgb@hean.gov.cn"}}"#);
    rectify(&db, "2026-12-29", &["setting", "set", "mail.smtp", &dead]);
    let out = rectify(
        &db,
        "2026-12-29",
        &["dispatch", "run", "--period", "2026-12"],
    );
    assert!(
        out.contains("催办\t市发改委")
            && out.contains("市发改委（电子邮件）→ fgw@hean.gov.cn：发送失败，稍后重试"),
        "{out}"
    );
}

/// The same dispatch, bulletin and accountability paths on PostgreSQL (the store's SQL runs on
/// both backends).
#[test]
fn postgres_bulletin_dispatch_and_accountability() {
    let db = rectify_testkit::postgres_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let run = |now: &str, args: &[&str]| {
        let mut all = vec!["--data-dir", data.as_str()];
        all.extend_from_slice(args);
        rectify(&db, now, &all)
    };
    run("2026-11-29", &["demo"]);
    let out = dir.path().join("out").to_string_lossy().into_owned();
    for period in ["2026-10", "2026-11"] {
        let said = run(
            "2026-12-01",
            &["bulletin", "--period", period, "--out", &out],
        );
        assert!(said.contains("第1版"), "{said}");
    }
    let again = run(
        "2026-12-01",
        &["bulletin", "--period", "2026-11", "--out", &out],
    );
    assert!(again.contains("第2版"), "{again}");
    let frozen = run(
        "2026-12-02",
        &[
            "bulletin",
            "--period",
            "2026-11",
            "--out",
            &out,
            "--version",
            "1",
            "--format",
            "html",
        ],
    );
    assert!(frozen.contains("按冻结数据重新输出"), "{frozen}");
    run(
        "2026-12-02",
        &[
            "item",
            "criticise",
            "9",
            "--on",
            "2026-11-10",
            "--by",
            "省整改办",
        ],
    );
    run(
        "2026-12-02",
        &[
            "accountability",
            "transfer",
            "--target",
            "市住建局",
            "--case",
            "虚假整改",
            "--on",
            "2026-12-01",
            "--items",
            "17",
        ],
    );
    let list = run(
        "2026-12-02",
        &["accountability", "list", "--format", "json"],
    );
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let rules: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["rule"].as_str())
        .collect();
    for rule in [
        "lagging",
        "reopened",
        "objection_upheld",
        "criticised",
        "transferred",
    ] {
        assert!(rules.contains(&rule), "{rule}: {rules:?}");
    }
    assert!(list.to_string().contains("连续2期通报为红色"));
    let key = list[0]["key"].as_str().unwrap().to_string();
    run(
        "2026-12-03",
        &[
            "accountability",
            "decide",
            &key,
            "--organ",
            "市纪委监委",
            "--on",
            "2026-12-03",
            "--form",
            "约谈",
        ],
    );
    run("2026-12-01", &["dispatch", "open", "--period", "2026-12"]);
    assert!(
        run("2026-12-22", &["dispatch", "run", "--period", "2026-12"]).contains("提醒\t市发改委")
    );
    assert!(
        run("2026-12-29", &["dispatch", "run", "--period", "2026-12"]).contains("催办\t市发改委")
    );
    let listed = run("2026-12-29", &["dispatch", "list", "--period", "2026-12"]);
    assert!(listed.lines().count() > 2, "{listed}");
    // The inbox query scopes by unit in SQL on PostgreSQL too.
    let unit: i64 = query(&db, "SELECT id FROM org_units WHERE name = '市发改委'")[0][0]
        .parse()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let inbox = runtime.block_on(async {
        let store = Store::open_initialised(&DbTarget::parse(&db), None)
            .await
            .unwrap();
        let inbox = store.inbox(&[unit]).await.unwrap();
        store.close().await;
        inbox
    });
    assert!(
        inbox.len() >= 2 && inbox.iter().all(|m| m.unit == "市发改委"),
        "{inbox:?}"
    );
    let verified = run("2026-12-29", &["audit", "verify", "--anchors"]);
    assert!(
        verified.contains("审计日志完整") && verified.contains("外部链头：3 个，均在链上"),
        "{verified}"
    );
}

/// Two processes running the same day's dispatch at once (two servers' schedulers, or a
/// server and the office's button) issue each step once.
#[test]
fn concurrent_dispatch_runs_issue_each_step_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-11-29"));
    rectify(
        &db,
        "2026-12-01",
        &["dispatch", "open", "--period", "2026-11"],
    );
    let runs: Vec<std::process::Child> = (0..2)
        .map(|_| {
            Command::new(BIN)
                .env("RECTIFY_NOW", "2026-12-01T10:00:00+08:00")
                .args(["--db", &db, "dispatch", "run", "--period", "2026-11"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut run in runs {
        run.wait().unwrap();
    }
    let counts = query(
        &db,
        "SELECT COUNT(*), COUNT(DISTINCT CAST(round_id AS TEXT) || '/' || CAST(unit_id AS TEXT) || '/' || step)
         FROM escalations",
    );
    let (all, distinct) = (&counts[0][0], &counts[0][1]);
    assert_ne!(all, "0", "steps were issued");
    assert_eq!(all, distinct, "no step issued twice");
}
