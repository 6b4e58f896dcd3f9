//! The transfer-list reader and the suggestions, checked against the hand-labelled fixture
//! (complaints-batches-sample.expected.json: 120 complaints in 3 batches, with 3 defects,
//! 4 duplicates, 2 plan matches and 5 near misses).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::complaint::Clock;
use rectify_core::complaint::NewComplaint;
use rectify_core::complaint::similar::{Described, Earlier, ItemSites, duplicate_of};
use rectify_io::complaint::{ListDefaults, read_transfer_list};
use rectify_io::plan::{SheetFormat, read_sheets};
use serde_json::Value;

fn fixture() -> (rectify_io::complaint::TransferList, Value) {
    let bytes = std::fs::read("tests/data/complaints-batches-sample.xlsx").unwrap();
    let sheets = read_sheets(
        &bytes,
        SheetFormat::Xlsx,
        "complaints.xlsx",
        &rectify_io::plan::SheetLimits::default(),
    )
    .unwrap();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/complaints-batches-sample.expected.json").unwrap(),
    )
    .unwrap();
    (
        read_transfer_list(&sheets, Clock::default(), ListDefaults::default()),
        expected,
    )
}

fn complaints(list: &rectify_io::complaint::TransferList) -> Vec<&NewComplaint> {
    list.batches
        .iter()
        .flat_map(|b| &b.batch.complaints)
        .collect()
}

fn prefix(text: &str) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text.chars().take(20).collect())
    }
}

#[test]
fn every_complaint_reads_as_labelled() {
    let (list, expected) = fixture();
    assert_eq!(list.source.as_deref(), expected["inspection_team"].as_str());
    let complaints: Vec<_> = list
        .batches
        .iter()
        .flat_map(|b| {
            b.batch
                .complaints
                .iter()
                .zip(&b.rows)
                .map(move |(c, row)| (b, c, row))
        })
        .collect();
    let labelled = expected["complaints"].as_array().unwrap();
    assert_eq!(complaints.len(), labelled.len());
    for ((batch, c, row), want) in complaints.iter().zip(labelled) {
        let no = want["received_no"].as_str().unwrap();
        assert_eq!(c.received_no, no);
        assert_eq!(
            u64::from(batch.batch.number),
            want["batch"].as_u64().unwrap(),
            "{no}"
        );
        assert_eq!(
            batch.batch.transferred_on.to_string(),
            want["transfer_date"].as_str().unwrap(),
            "{no}"
        );
        assert_eq!(u64::from(c.seq), want["seq"].as_u64().unwrap(), "{no}");
        assert_eq!(
            **row as u64,
            want["source"]["row"].as_u64().unwrap(),
            "{no}"
        );
        assert_eq!(
            batch.sheet,
            want["source"]["sheet"].as_str().unwrap(),
            "{no}"
        );
        assert_eq!(
            c.channel.label_zh(),
            want["channel"].as_str().unwrap(),
            "{no}"
        );
        assert_eq!(c.region.as_deref(), want["region"].as_str(), "{no}");
        let types: Vec<&str> = c.types.iter().map(|t| t.label_zh()).collect();
        let want_types: Vec<&str> = want["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(types, want_types, "{no}");
        assert_eq!(c.types_raw, want["types_raw"].as_str().unwrap(), "{no}");
        assert_eq!(prefix(&c.description), want["description_prefix"], "{no}");
        assert_eq!(
            c.description.chars().count() as u64,
            want["description_length"].as_u64().unwrap(),
            "{no}"
        );
        let f = &c.feedback;
        assert_eq!(
            f.verdict.map(|v| v.label_zh()),
            want["verdict"].as_str(),
            "{no}"
        );
        assert_eq!(
            f.handling.map(|h| h.label_zh()),
            want["state"].as_str(),
            "{no}"
        );
        assert_eq!(
            prefix(&f.investigation),
            want["investigation_prefix"],
            "{no}"
        );
        assert_eq!(prefix(&f.result), want["handling_prefix"], "{no}");
        let accountability = (!f.accountability.is_empty()).then_some(f.accountability.as_str());
        assert_eq!(accountability, want["accountability"].as_str(), "{no}");
    }
}

#[test]
fn the_three_defects_are_reported_where_they_are() {
    let (list, _) = fixture();
    let at = |f: &rectify_io::plan::Finding| {
        format!(
            "{} {}{}",
            f.sheet,
            f.column.clone().unwrap_or_default(),
            f.row.unwrap_or(0)
        )
    };
    let errors: Vec<String> = list.errors.iter().map(at).collect();
    assert_eq!(errors, vec!["第2批 D13"], "{:?}", list.errors);
    assert!(
        list.errors[0].message.contains("清水县"),
        "suggests the region named in the text"
    );
    assert!(!list.errors[0].message.contains("南川县"));
    let warnings: Vec<String> = list.warnings.iter().map(at).collect();
    assert_eq!(
        warnings,
        vec!["第1批 E14", "第3批 E13"],
        "{:?}",
        list.warnings
    );
    assert!(list.warnings[0].message.contains("E14:E15"));
    assert!(list.warnings[1].message.contains("臭味"));
}

#[test]
fn duplicates_and_plan_sites_are_suggested_exactly_as_labelled() {
    let (list, expected) = fixture();
    let all = complaints(&list);
    let mut found = Vec::new();
    let described: Vec<Described> = all
        .iter()
        .map(|c| Described::new(c.region.as_deref(), &c.description))
        .collect();
    // The import's site index must find exactly what comparing every pair finds.
    let mut indexed = Earlier::default();
    for (i, c) in all.iter().enumerate() {
        let pairwise = duplicate_of(&described[i], described[..i].iter().enumerate());
        assert_eq!(
            indexed.duplicate_of(&described[i]),
            pairwise,
            "{}",
            c.received_no
        );
        indexed.push(described[i].clone());
        if let Some((j, _)) = pairwise {
            found.push((c.received_no.clone(), all[j].received_no.clone()));
        }
    }
    let labelled: Vec<(String, String)> = expected["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["received_no"].as_str().unwrap().into(),
                d["duplicate_of"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(found, labelled);

    let plan = std::fs::read_to_string("tests/data/plan-sample.csv").unwrap();
    let problems: Vec<(u64, String)> = plan
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut cells = line.split(',');
            Some((
                cells.next()?.trim().parse().ok()?,
                cells.nth(2)?.to_string(),
            ))
        })
        .collect();
    let items: Vec<(u64, ItemSites)> = problems
        .iter()
        .map(|(n, p)| (*n, ItemSites::new(p)))
        .collect();
    let mut matches = Vec::new();
    for (c, d) in all.iter().zip(&described) {
        for (number, item) in &items {
            if item.about(d).is_some() {
                matches.push((c.received_no.clone(), *number));
            }
        }
    }
    let labelled: Vec<(String, u64)> = expected["plan_matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["received_no"].as_str().unwrap().into(),
                m["plan_item"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(matches, labelled);
}

#[test]
fn counts_match_the_labels() {
    let (list, expected) = fixture();
    let all = complaints(&list);
    let counts = &expected["counts"];
    for t in rectify_core::complaint::PollutionType::ALL {
        let n = all.iter().filter(|c| c.types.contains(t)).count() as u64;
        assert_eq!(
            n,
            counts["by_type"][t.label_zh()].as_u64().unwrap_or(0),
            "{t}"
        );
    }
    let with_feedback = all.iter().filter(|c| c.feedback.handling.is_some()).count() as u64;
    assert_eq!(with_feedback, counts["with_feedback"].as_u64().unwrap());
}

#[test]
fn redaction_removes_every_labelled_private_string_and_nothing_else() {
    use rectify_core::complaint::redact::Redactor;
    let (list, expected) = fixture();
    let all = complaints(&list);
    for (c, want) in all.iter().zip(expected["complaints"].as_array().unwrap()) {
        let private: Vec<&str> = want["private_strings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let f = &c.feedback;
        let texts = [
            c.description.as_str(),
            &f.investigation,
            &f.result,
            &f.accountability,
        ];
        let redactor = Redactor::for_record(texts, &Default::default());
        let mut replaced = Vec::new();
        for text in texts {
            let (clean, replacements) = redactor.apply(text);
            for secret in &private {
                assert!(
                    !clean.contains(secret),
                    "{}: {secret} left in {clean}",
                    c.received_no
                );
            }
            // House numbers go too (the "addresses below street level"); the fixture
            // labels only names and phone numbers.
            replaced.extend(
                replacements
                    .into_iter()
                    .filter(|r| r.kind != rectify_core::complaint::redact::Private::HouseNumber)
                    .map(|r| r.original),
            );
        }
        replaced.sort();
        replaced.dedup();
        let mut want_replaced: Vec<String> = private.iter().map(|s| s.to_string()).collect();
        want_replaced.sort();
        assert_eq!(
            replaced, want_replaced,
            "{}: no other names or numbers are replaced",
            c.received_no
        );
    }
}
