//! The plan importer against the shared fixture and hand-made defective files.

use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::DeadlineContext;
use rectify_io::plan::{PlanTable, read_plan};
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
    read_plan(bytes, name, None, context)
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
    assert_eq!(table.header_row as u64, expected["header_row"].as_u64().unwrap());
    check_against_fixture(&table, true);
    let manual: Vec<u32> = table
        .warnings
        .iter()
        .filter(|w| w.field == Some("整改时限"))
        .map(|w| w.row.unwrap() as u32)
        .collect();
    assert_eq!(manual, vec![12], "{:#?}", table.warnings);
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
