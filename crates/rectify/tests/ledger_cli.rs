//! `rectify plan …`, `rectify ledger …` and `rectify calendar …` through the real binary, on
//! SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_rectify");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/plan-sample.xlsx");
const EXPECTED: &str = include_str!("data/plan-sample.expected.json");

fn rectify(db: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("RECTIFY_DB")
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&ok(o)).unwrap()
}

fn sqlite_db(dir: &Path, name: &str) -> String {
    let db = dir.join(name).to_string_lossy().into_owned();
    ok(&rectify(&db, &["init"]));
    db
}

fn journal_entries(db: &str) -> u64 {
    let text = ok(&rectify(db, &["audit", "verify"]));
    let count: String = text
        .split("共 ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    count.parse().unwrap()
}

fn list(db: &str) -> Vec<Value> {
    json(&rectify(db, &["ledger", "list", "--format", "json"]))
        .as_array()
        .unwrap()
        .clone()
}

/// Imports the fixture and checks the stored ledger against the expected file, field by field.
fn fixture_round(db: &str) {
    let report = json(&rectify(
        db,
        &["plan", "import", FIXTURE, "--format", "json"],
    ));
    assert_eq!(report["items"], 45);
    assert_eq!(report["errors"], Value::Array(vec![]));
    let manual = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["field"] == "整改时限")
        .unwrap();
    assert_eq!(
        (manual["row"].as_u64(), manual["column"].as_str()),
        (Some(12), Some("I"))
    );
    let expected: Value = serde_json::from_str(EXPECTED).unwrap();
    let items = list(db);
    assert_eq!(items.len(), 45);
    for (got, want) in items.iter().zip(expected["items"].as_array().unwrap()) {
        for (key, value) in want.as_object().unwrap() {
            let got_value = match key.as_str() {
                "problem" => Value::from(
                    got["problem"]
                        .as_str()
                        .unwrap()
                        .chars()
                        .take(20)
                        .collect::<String>(),
                ),
                "measure_count" => Value::from(got["measures"].as_array().unwrap().len()),
                "source_rows" => continue,
                _ => got[key].clone(),
            };
            assert_eq!(&got_value, value, "item {}, {key}", got["number"]);
        }
        assert_eq!(got["state"], "ISSUED");
        assert!(got["schedule"].is_string());
    }
    let entries = journal_entries(db);
    let again = json(&rectify(
        db,
        &["plan", "import", FIXTURE, "--format", "json"],
    ));
    assert_eq!(again["unchanged"], 45);
    assert_eq!(
        journal_entries(db),
        entries,
        "re-importing the same file changes nothing"
    );
}

#[test]
fn the_fixture_imports_exactly_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    fixture_round(&sqlite_db(dir.path(), "l.db"));
}

#[test]
fn the_fixture_imports_exactly_on_postgres() {
    let url = rectify_testkit::postgres_url();
    ok(&rectify(&url, &["init"]));
    fixture_round(&url);
}

/// Empty 责任单位 (D2), an unreadable deadline (E3), a duplicate 序号 (A4) and a real date cell
/// in 整改时限 (E5).
fn defective_workbook(path: &Path) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, text) in ["序号", "反馈问题", "整改措施", "责任单位", "整改时限"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *text).unwrap();
    }
    let rows = [
        (1.0, "问题一", "", "2019年6月底前"),
        (2.0, "问题二", "市住建局", "2019年采暖季前"),
        (2.0, "问题三", "市水利局", "2019年底前"),
        (3.0, "问题四", "市林业局", ""),
    ];
    for (r, (number, problem, unit, deadline)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, *number).unwrap();
        sheet.write_string(r, 1, *problem).unwrap();
        sheet.write_string(r, 2, "1.措施").unwrap();
        if !unit.is_empty() {
            sheet.write_string(r, 3, *unit).unwrap();
        }
        if !deadline.is_empty() {
            sheet.write_string(r, 4, *deadline).unwrap();
        }
    }
    let date = ExcelDateTime::from_ymd(2019, 6, 30).unwrap();
    sheet
        .write_datetime_with_format(4, 4, &date, &Format::new().set_num_format("yyyy年m月d日"))
        .unwrap();
    workbook.save(path).unwrap();
}

#[test]
fn a_defective_file_is_reported_by_cell_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(dir.path(), "d.db");
    let file = dir.path().join("defects.xlsx");
    defective_workbook(&file);
    let before = journal_entries(&db);
    let out = rectify(
        &db,
        &["plan", "import", file.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cells = |key: &str| -> Vec<String> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}{}", f["column"].as_str().unwrap_or(""), f["row"]))
            .collect()
    };
    assert_eq!(cells("errors"), vec!["D2", "A4"], "{report}");
    assert!(cells("warnings").contains(&"E3".to_string()), "{report}");
    for finding in report["errors"].as_array().unwrap() {
        for key in ["sheet", "row", "column", "field", "message"] {
            assert!(!finding[key].is_null(), "{key} missing in {finding}");
        }
    }
    assert_eq!(report["items"], 0);
    assert!(list(&db).is_empty(), "nothing is written");
    assert_eq!(journal_entries(&db), before);
    let text = rectify(&db, &["plan", "import", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&text.stderr);
    assert!(
        stderr.contains("2 处错误") && stderr.contains("未导入"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&text.stdout).contains("D2"));

    // Without the two errors, the date cell is accepted as a date.
    let fixed = dir.path().join("fixed.csv");
    std::fs::write(
        &fixed,
        "序号,反馈问题,责任单位,整改时限\n1,问题一,市住建局,2019年6月底前\n",
    )
    .unwrap();
    ok(&rectify(
        &db,
        &["plan", "import", fixed.to_str().unwrap(), "--plan", "p"],
    ));
}

#[test]
fn a_date_cell_is_read_as_a_date() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(dir.path(), "c.db");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, text) in ["序号", "反馈问题", "责任单位", "整改时限"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *text).unwrap();
    }
    sheet.write_number(1, 0, 1.0).unwrap();
    sheet.write_string(1, 1, "问题").unwrap();
    sheet.write_string(1, 2, "市林业局").unwrap();
    let date = ExcelDateTime::from_ymd(2019, 6, 30).unwrap();
    sheet
        .write_datetime_with_format(1, 3, &date, &Format::new().set_num_format("yyyy-mm-dd"))
        .unwrap();
    let file = dir.path().join("date.xlsx");
    workbook.save(&file).unwrap();
    ok(&rectify(&db, &["plan", "import", file.to_str().unwrap()]));
    let item = json(&rectify(&db, &["ledger", "show", "1", "--format", "json"]));
    assert_eq!(item["due_date"], "2019-06-30");
    assert_eq!(item["deadline_text"], "2019年6月30日");
    assert_eq!(item["needs_manual_date"], false);
}

#[test]
fn export_then_import_reproduces_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let source = sqlite_db(dir.path(), "src.db");
    let name = "河安市整改方案";
    ok(&rectify(
        &source,
        &["plan", "import", FIXTURE, "--plan", name],
    ));
    let original = list(&source);
    for format in ["xlsx", "csv"] {
        let out = dir.path().join(format!("ledger.{format}"));
        let out = out.to_str().unwrap();
        ok(&rectify(
            &source,
            &["ledger", "export", "--format", format, "--out", out],
        ));
        let copy = sqlite_db(dir.path(), &format!("{format}.db"));
        ok(&rectify(&copy, &["plan", "import", out, "--plan", name]));
        assert_eq!(list(&copy), original, "{format} round trip");
    }
    let out = dir.path().join("ledger.json");
    ok(&rectify(
        &source,
        &[
            "ledger",
            "export",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(exported["items"].as_array().unwrap(), &original);
}

#[test]
fn listing_filters_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(dir.path(), "f.db");
    ok(&rectify(&db, &["plan", "import", FIXTURE]));
    let numbers = |args: &[&str]| -> Vec<u64> {
        let mut all = vec!["ledger", "list", "--format", "json"];
        all.extend_from_slice(args);
        json(&rectify(&db, &all))
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["number"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(numbers(&["--scope", "个性"]), (37..=45).collect::<Vec<_>>());
    assert_eq!(numbers(&["--unit", "清水县政府"]), vec![42]);
    assert_eq!(numbers(&["--status", "整改中"]), Vec::<u64>::new());
    // Every dated item of the 2018 plan is past its deadline; the undated ones are not overdue.
    let overdue = numbers(&["--overdue"]);
    assert!(
        !overdue.contains(&5) && !overdue.contains(&8) && overdue.contains(&1),
        "{overdue:?}"
    );
    let csv = ok(&rectify(
        &db,
        &["ledger", "list", "--scope", "个性", "--format", "csv"],
    ));
    assert!(csv.starts_with("序号,共性/个性"), "{csv}");
    let table = ok(&rectify(&db, &["ledger", "list"]));
    assert!(table.trim_end().ends_with("共 45 项"), "{table}");
    let shown = ok(&rectify(&db, &["ledger", "show", "19"]));
    assert!(shown.contains("节点 2018-12-31、2020-12-31"), "{shown}");
    assert!(
        shown.contains("属地单位：城关区政府、东湖区政府"),
        "{shown}"
    );
    let missing = rectify(&db, &["ledger", "show", "99"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn a_loaded_calendar_year_moves_relative_deadlines() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_db(dir.path(), "cal.db");
    let plan = dir.path().join("p.csv");
    std::fs::write(
        &plan,
        "序号,反馈问题,责任单位,整改时限\n1,问题,市林业局,5个工作日内\n",
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    let import = |db: &str| {
        ok(&rectify(
            db,
            &["plan", "import", plan, "--issued-on", "2027-01-29"],
        ))
    };
    import(&db);
    let due = |db: &str| {
        json(&rectify(db, &["ledger", "show", "1", "--format", "json"]))["due_date"].clone()
    };
    // 2027 is not shipped: Monday to Friday only.
    assert_eq!(due(&db), "2027-02-05");
    let notice = dir.path().join("2027.txt");
    std::fs::write(
        &notice,
        "year 2027 测试通知\noff 2027-02-01..2027-02-03 春节\n",
    )
    .unwrap();
    ok(&rectify(
        &db,
        &["calendar", "load", notice.to_str().unwrap()],
    ));
    let shown = ok(&rectify(&db, &["calendar", "show", "--year", "2027"]));
    assert!(shown.contains("off 2027-02-02 春节"), "{shown}");
    import(&db);
    assert_eq!(due(&db), "2027-02-10");
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "year 2027\noff 2027-13-01\n").unwrap();
    let out = rectify(&db, &["calendar", "load", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("第2行"));
}
