//! The plan importer against the shared fixture and hand-made defective files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::DeadlineContext;
use rectify_core::ledger::{Item, Schedule, Standing};
use rectify_io::plan::{Finding, LedgerRow, PlanTable, ledger_csv, ledger_xlsx, read_plan};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;

const XLSX: &[u8] = include_bytes!("data/plan-sample.xlsx");
const CSV: &[u8] = include_bytes!("data/plan-sample.csv");
const EXPECTED: &str = include_str!("data/plan-sample.expected.json");

fn read(bytes: &[u8], name: &str) -> PlanTable {
    let calendar = WorkCalendar::embedded();
    let context = DeadlineContext {
        reference: None,
        calendar: &calendar,
    };
    read_plan(
        bytes,
        name,
        None,
        context,
        &rectify_io::plan::SheetLimits::default(),
    )
}

fn expected() -> Value {
    serde_json::from_str(EXPECTED).unwrap()
}

fn check_against_fixture(table: &PlanTable, with_rows: bool) {
    assert!(table.errors.is_empty(), "{:#?}", table.errors);
    let expected = expected();
    let items = expected["items"].as_array().unwrap();
    assert_eq!(table.items.len(), items.len());
    for (got, want) in table.items.iter().zip(items) {
        let mut snapshot = got.item.snapshot();
        let n = got.item.number;
        let problem: String = got.item.problem.chars().take(20).collect();
        snapshot["problem"] = Value::from(problem);
        snapshot["measure_count"] = Value::from(got.item.measures.len());
        if with_rows {
            snapshot["source_rows"] = serde_json::json!([got.first_row, got.last_row]);
        }
        for (key, value) in want.as_object().unwrap() {
            if key == "source_rows" && !with_rows {
                continue;
            }
            assert_eq!(&snapshot[key], value, "item {n}, field {key}");
        }
    }
}

#[test]
fn the_xlsx_fixture_imports_exactly() {
    let table = read(XLSX, "plan-sample.xlsx");
    let expected = expected();
    assert_eq!(table.sheet, expected["sheet"].as_str().unwrap());
    assert_eq!(table.title.as_deref(), expected["title"].as_str());
    assert_eq!(
        table.header_row as u64,
        expected["header_row"].as_u64().unwrap()
    );
    check_against_fixture(&table, true);
    let manual: Vec<u32> = table
        .warnings
        .iter()
        .filter(|w| w.field == Some("整改时限"))
        .map(|w| w.row.unwrap() as u32)
        .collect();
    assert_eq!(manual, vec![12], "{:#?}", table.warnings);
}

/// The same sheet saved in the legacy .xls format (BIFF8, written with xlwt from the xlsx,
/// merged regions included), as older office PCs still produce.
#[test]
fn the_xls_fixture_imports_exactly() {
    let table = read(include_bytes!("data/plan-sample.xls"), "plan-sample.xls");
    assert_eq!(table.header_row, 2);
    check_against_fixture(&table, true);
}

#[test]
fn the_csv_fixture_imports_to_the_same_items() {
    check_against_fixture(&read(CSV, "plan-sample.csv"), false);
}

#[test]
fn a_gb18030_csv_reads_like_the_utf8_one() {
    let text = std::str::from_utf8(CSV).unwrap();
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    check_against_fixture(&read(&bytes, "plan-sample.csv"), false);
}

/// Rows with every schedule in turn, so each of the 进度 column's fills is written.
fn ledger_rows(table: &PlanTable) -> Vec<LedgerRow> {
    table
        .items
        .iter()
        .enumerate()
        .map(|(i, s)| LedgerRow {
            item: s.item.clone(),
            standing: Standing::without_reasons(Schedule::ALL[i % Schedule::ALL.len()]),
            latest_progress: String::new(),
            tasks: Vec::new(),
        })
        .collect()
}

fn items(table: &PlanTable) -> Vec<Item> {
    table.items.iter().map(|s| s.item.clone()).collect()
}

#[test]
fn xlsx_and_csv_exports_re_import_to_the_same_items() {
    let original = read(XLSX, "plan-sample.xlsx");
    let rows = ledger_rows(&original);
    let xlsx = ledger_xlsx("河安市整改台账", &rows).unwrap();
    let again = read(&xlsx, "ledger.xlsx");
    assert!(again.errors.is_empty(), "{:#?}", again.errors);
    assert_eq!(again.title.as_deref(), Some("河安市整改台账"));
    assert_eq!(items(&again), items(&original));
    let csv = ledger_csv(&rows).unwrap();
    let again = read(&csv, "ledger.csv");
    assert!(again.errors.is_empty(), "{:#?}", again.errors);
    assert_eq!(items(&again), items(&original));
}

/// A plan with the four defects the acceptance list names, written as a real workbook.
fn defective_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("清单").unwrap();
    let header = ["序号", "反馈问题", "整改措施", "责任单位", "整改时限"];
    for (col, text) in header.iter().enumerate() {
        sheet.write_string(0, col as u16, *text).unwrap();
    }
    let rows: [[&str; 5]; 4] = [
        ["1", "问题一", "1.措施", "", "2019年6月底前"],
        ["2", "问题二", "1.措施", "市住建局", "2019年采暖季前"],
        ["2", "问题三", "1.措施", "市水利局", "2019年底前"],
        ["3", "问题四", "1.措施", "市林业局", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet
            .write_number(r, 0, row[0].parse::<f64>().unwrap())
            .unwrap();
        for (col, text) in row.iter().enumerate().take(4).skip(1) {
            sheet.write_string(r, col as u16, *text).unwrap();
        }
        if !row[4].is_empty() {
            sheet.write_string(r, 4, row[4]).unwrap();
        }
    }
    let date = ExcelDateTime::from_ymd(2019, 6, 30).unwrap();
    let format = Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_datetime_with_format(4, 4, &date, &format)
        .unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn every_defect_is_reported_by_cell_and_a_date_cell_is_a_date() {
    let table = read(&defective_workbook(), "defects.xlsx");
    let cells = |list: &[Finding]| {
        list.iter()
            .map(|f| {
                format!(
                    "{}{}",
                    f.column.clone().unwrap_or_default(),
                    f.row.unwrap_or(0)
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        cells(&table.errors),
        vec!["D2", "A4"],
        "{:#?}",
        table.errors
    );
    assert!(table.errors[0].message.contains("责任单位为空"));
    assert!(table.errors[1].message.contains("重复"));
    assert_eq!(
        cells(&table.warnings),
        vec!["1", "E3"],
        "{:#?}",
        table.warnings
    );
    assert!(table.warnings[0].message.contains("共性"));
    let fourth = table.items.iter().find(|i| i.item.number == 3).unwrap();
    assert_eq!(
        fourth
            .item
            .deadline
            .due_date
            .map(|d| d.to_string())
            .as_deref(),
        Some("2019-06-30")
    );
    assert!(!fourth.item.deadline.needs_manual_date);
}

#[test]
fn hidden_rows_are_imported() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, text) in ["序号", "反馈问题", "责任单位", "整改时限"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *text).unwrap();
    }
    for r in 1..=2_u32 {
        sheet.write_number(r, 0, f64::from(r)).unwrap();
        sheet.write_string(r, 1, "问题").unwrap();
        sheet.write_string(r, 2, "市生态环境局").unwrap();
        sheet.write_string(r, 3, "2019年底前").unwrap();
    }
    sheet.set_row_hidden(2).unwrap();
    let table = read(&workbook.save_to_buffer().unwrap(), "hidden.xlsx");
    assert_eq!(table.items.len(), 2, "{:#?}", table.errors);
}

#[test]
fn unknown_columns_and_garbage_are_errors_not_panics() {
    let table = read(
        "序号,反馈问题,责任单位,整改时限,经费\n1,问题,市林业局,2019年底前,5万\n".as_bytes(),
        "x.csv",
    );
    assert_eq!(table.errors.len(), 1, "{:#?}", table.errors);
    assert_eq!(table.errors[0].column.as_deref(), Some("E"));
    let table = read(b"PK\x03\x04garbage", "x.xlsx");
    assert_eq!(table.errors.len(), 1);
    assert!(
        table.errors[0].message.contains("Excel"),
        "{}",
        table.errors[0]
    );
    let table = read(b"", "x.csv");
    assert_eq!(table.errors.len(), 1);
}
