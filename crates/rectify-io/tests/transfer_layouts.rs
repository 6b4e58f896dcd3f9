//! The transfer-list reader on every layout of #20, each a fixture written by
//! `scripts/transfer_fixtures.py` with what it must read as (`transfer.expected.json`): the
//! complaints field by field, and the exact cells of every error and warning.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::complaint::Clock;
use rectify_exact::date::Date;
use rectify_io::complaint::{ListDefaults, TransferList, read_transfer_file};
use rectify_io::plan::{Finding, SheetLimits};
use serde_json::Value;

const DIR: &str = "tests/data/transfer";

fn expected(file: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DIR}/transfer.expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all[file].clone()
}

fn read(file: &str, defaults: ListDefaults) -> TransferList {
    let bytes = std::fs::read(format!("{DIR}/{file}")).unwrap();
    read_transfer_file(
        &bytes,
        file,
        Clock::default(),
        defaults,
        &SheetLimits::default(),
    )
    .0
}

fn cells(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{}!{}{}",
                f.sheet,
                f.column.clone().unwrap_or_default(),
                f.row.map_or(String::new(), |r| r.to_string())
            )
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Every complaint field by field, and the findings by cell.
fn check(file: &str, defaults: ListDefaults) -> TransferList {
    let want = expected(file);
    let list = read(file, defaults);
    assert_eq!(
        cells(&list.errors),
        strings(&want["errors"]),
        "{file}: errors {:#?}",
        list.errors
    );
    assert_eq!(
        cells(&list.warnings),
        strings(&want["warnings"]),
        "{file}: warnings {:#?}",
        list.warnings
    );
    assert_eq!(list.source.as_deref(), want["source"].as_str(), "{file}");
    let labelled = want["complaints"].as_array().unwrap();
    if !list.errors.is_empty() {
        return list;
    }
    let read: Vec<_> = list
        .batches
        .iter()
        .flat_map(|b| {
            b.batch
                .complaints
                .iter()
                .zip(&b.rows)
                .map(move |(c, row)| (b, c, *row))
        })
        .collect();
    assert_eq!(read.len(), labelled.len(), "{file}");
    for ((batch, c, row), want) in read.into_iter().zip(labelled) {
        let no = want["received_no"].as_str().unwrap();
        let at = format!("{file} {no}");
        assert_eq!(c.received_no, no, "{at}");
        assert_eq!(batch.sheet, want["sheet"].as_str().unwrap(), "{at}");
        assert_eq!(row as u64, want["row"].as_u64().unwrap(), "{at}");
        assert_eq!(
            u64::from(batch.batch.number),
            want["batch"].as_u64().unwrap(),
            "{at}"
        );
        assert_eq!(
            batch.batch.transferred_on.to_string(),
            want["transferred_on"].as_str().unwrap(),
            "{at}"
        );
        assert_eq!(u64::from(c.seq), want["seq"].as_u64().unwrap(), "{at}");
        assert_eq!(c.region.as_deref(), want["region"].as_str(), "{at}");
        let types: Vec<String> = c.types.iter().map(|t| t.label_zh().to_string()).collect();
        assert_eq!(types, strings(&want["types"]), "{at}");
        assert_eq!(c.types_raw, want["types_raw"].as_str().unwrap(), "{at}");
        assert_eq!(c.description, want["description"].as_str().unwrap(), "{at}");
        let f = &c.feedback;
        assert_eq!(
            f.investigation,
            want["investigation"].as_str().unwrap(),
            "{at}"
        );
        assert_eq!(
            f.verdict.map(|v| v.label_zh()),
            want["verdict"].as_str(),
            "{at}"
        );
        assert_eq!(f.result, want["result"].as_str().unwrap(), "{at}");
        assert_eq!(
            f.accountability,
            want["accountability"].as_str().unwrap(),
            "{at}"
        );
        assert_eq!(
            f.handling.map(|h| h.label_zh()),
            want["state"].as_str(),
            "{at}"
        );
        assert_eq!(c.key_case, want["key_case"].as_bool().unwrap(), "{at}");
        assert_eq!(
            serde_json::to_value(&c.extras).unwrap(),
            want["extras"],
            "{at}"
        );
    }
    list
}

#[test]
fn one_sheet_with_two_batches_a_two_row_header_and_a_footnote() {
    let list = check("combined-batches.xlsx", ListDefaults::default());
    let batches: Vec<(u32, String)> = list
        .batches
        .iter()
        .map(|b| (b.batch.number, b.batch.transferred_on.to_string()))
        .collect();
    assert_eq!(
        batches,
        [(1, "2018-06-05".to_string()), (2, "2018-06-12".to_string())],
        "the info row's 填报时间 is no transfer date"
    );
    assert!(
        list.warnings[0].message.contains("E7:E8"),
        "{:?}",
        list.warnings
    );
    assert!(list.warnings[1].message.contains("垃圾"));
}

#[test]
fn the_combined_sheets_defects_are_named_by_cell() {
    let list = check("combined-batches-defects.xlsx", ListDefaults::default());
    let messages: Vec<&str> = list.errors.iter().map(|f| f.message.as_str()).collect();
    assert!(messages[0].contains("待核实"), "{messages:?}");
    assert!(
        messages[1].contains("第1批的序号 2 与第7行重复"),
        "{messages:?}"
    );
    assert!(messages[2].contains("行政区域为空"), "{messages:?}");
}

#[test]
fn a_legacy_xls_with_one_sheet_per_batch() {
    let list = check("legacy-per-batch.xls", ListDefaults::default());
    assert_eq!(list.sheets, ["第4批", "第5批"]);
}

#[test]
fn the_legacy_xls_defects_are_named_by_cell() {
    let list = check("legacy-per-batch-defects.xls", ListDefaults::default());
    assert!(list.errors[0].message.contains("无法识别来源渠道"));
    assert!(list.errors[1].message.contains("污染类型为空"));
}

#[test]
fn a_csv_with_synonyms_in_utf8_and_gb18030() {
    let utf8 = check("synonyms.csv", ListDefaults::default());
    let gb = check("synonyms-gb18030.csv", ListDefaults::default());
    let complaints = |l: &TransferList| -> Vec<_> {
        l.batches
            .iter()
            .flat_map(|b| b.batch.complaints.clone())
            .collect()
    };
    assert_eq!(complaints(&utf8), complaints(&gb));
}

#[test]
fn the_csv_defect_is_its_one_empty_region() {
    for file in ["synonyms-defects.csv", "synonyms-gb18030-defects.csv"] {
        let list = check(file, ListDefaults::default());
        assert_eq!(list.errors[0].field, Some("行政区域"));
        assert!(
            list.errors[0].message.contains("不按上一行补填"),
            "never filled from the row above: {:?}",
            list.errors
        );
    }
}

#[test]
fn a_list_without_a_batch_says_where_to_write_it_or_takes_the_importers() {
    let list = read("no-batch.csv", ListDefaults::default());
    assert_eq!(cells(&list.errors), ["no-batch!1", "no-batch!1"]);
    assert!(
        list.errors[0].message.contains("工作表名"),
        "{:?}",
        list.errors
    );
    assert!(
        list.errors[1].message.contains("交办时间："),
        "{:?}",
        list.errors
    );
    let given = ListDefaults {
        batch: Some(7),
        transferred_on: Date::new(2018, 6, 15),
    };
    check("no-batch.csv", given);
}

#[test]
fn the_shared_sample_reads_through_the_file_reader_as_through_the_sheets() {
    let bytes = std::fs::read("tests/data/complaints-batches-sample.xlsx").unwrap();
    let (list, sheets) = read_transfer_file(
        &bytes,
        "complaints-batches-sample.xlsx",
        Clock::default(),
        ListDefaults::default(),
        &SheetLimits::default(),
    );
    assert_eq!(list.sheets, ["第1批", "第2批", "第3批"]);
    assert_eq!(sheets.len(), 3);
    assert_eq!(
        list.batches
            .iter()
            .map(|b| b.batch.complaints.len())
            .sum::<usize>(),
        120
    );
}

#[test]
fn crafted_xls_files_are_refused_not_a_panic_or_a_runaway_allocation() {
    // Found by `cargo fuzz run complaint`: calamine asserted on the first, allocated gigabytes
    // for the second (a 6 KB file) and indexed past its buffer on the third (caught).
    for (file, why) in [
        ("xls-partial-sector.xls", "文件不完整"),
        ("xls-cyclic-chain.xls", "扇区链首尾相接"),
        ("xls-sector-past-end.xls", "文件结构损坏"),
    ] {
        let bytes = std::fs::read(format!("tests/data/fuzz/{file}")).unwrap();
        for name in ["list.xls", "list.csv"] {
            let (list, sheets) = read_transfer_file(
                &bytes,
                name,
                Clock::default(),
                ListDefaults::default(),
                &SheetLimits::default(),
            );
            assert!(sheets.is_empty());
            assert_eq!(list.errors.len(), 1, "{:?}", list.errors);
            assert!(
                list.errors[0].message.contains(why),
                "{file}: {:?}",
                list.errors
            );
        }
    }
}
