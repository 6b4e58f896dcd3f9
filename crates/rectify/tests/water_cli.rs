//! `rectify water …` through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::path::Path;
mod common;

use common::{ok, rectify};
use std::process::Output;

fn failure(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const SECTIONS: &str = "section,name,water_body,target_class,level,county,river,drinking_source
A,清水河北岭桥,river,III,国控,北岭县,清水河,0
B,清水河城关,river,III,国控,城关区,清水河,0
L,东湖湖心,lake,III,省控,东湖区,东湖,0
S,一水厂取水口,river,II,国控,城关区,清水河,1
";

#[test]
fn classify_writes_the_contract_columns() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "s.csv",
        "section,water_body,time,do,codmn,cod,bod5,nh3n,tp,tn,hg\n\
         M02,river,2025-01,6.5,9.0,28,5.0,1.2,0.26,2.5,0.00004L\n\
         V21,lake,2025-01,,,,,,0.2,,\n\
         V06,river,2025-01,1.9,,,,,,,\n",
    );
    let out = dir.path().join("c.csv");
    ok(&rectify(&[
        "water",
        "classify",
        "--input",
        &input,
        "--out",
        out.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "section,time,class,status,main_pollutants,per_indicator"
    );
    assert_eq!(
        lines[1],
        "M02,2025-01,IV,轻度污染,高锰酸盐指数:0.50;化学需氧量:0.40;总磷:0.30,do=II;codmn=IV;cod=IV;bod5=IV;nh3n=IV;tp=IV;tn=劣V(ref);hg=I"
    );
    assert_eq!(lines[2], "V21,2025-01,V,中度污染,总磷:3.00,tp=V");
    assert_eq!(lines[3], "V06,2025-01,劣V,重度污染,溶解氧,do=劣V");
}

#[test]
fn bad_input_is_named_by_row_and_column_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.csv");
    let out = out.to_str().unwrap();
    let unknown = write(
        dir.path(),
        "u.csv",
        "section,water_body,time,nh3n,benzol\nA,river,2025-01,0.5,1\n",
    );
    let e = failure(&rectify(&[
        "water", "classify", "--input", &unknown, "--out", out,
    ]));
    assert!(e.contains("benzol") && e.contains("第 5 列"), "{e}");
    let long = write(
        dir.path(),
        "l.csv",
        "section,water_body,time,indicator,value\nA,river,2025-01,nh3n,0.5\nA,river,2025-01,xyz,1\n",
    );
    let e = failure(&rectify(&[
        "water", "classify", "--input", &long, "--out", out,
    ]));
    assert!(
        e.contains("第 3 行，列 indicator") && e.contains("xyz"),
        "{e}"
    );
    let text = write(
        dir.path(),
        "t.csv",
        "section,water_body,time,nh3n,tp\nA,river,2025-01,0.5,abc\n",
    );
    let e = failure(&rectify(&[
        "water", "classify", "--input", &text, "--out", out,
    ]));
    assert!(e.contains("第 2 行，列 tp") && e.contains("abc"), "{e}");
    let no_body = write(dir.path(), "b.csv", "section,time,tp\nL,2025-01,0.05\n");
    let e = failure(&rectify(&[
        "water", "classify", "--input", &no_body, "--out", out,
    ]));
    assert!(
        e.contains("第 2 行，列 water_body") && e.contains("断面 L"),
        "{e}"
    );
    assert!(!Path::new(out).exists());
    // With a sections table the lake is known, and lake TP limits apply.
    let sections = write(dir.path(), "sec.csv", SECTIONS);
    ok(&rectify(&[
        "water",
        "classify",
        "--input",
        &no_body,
        "--out",
        out,
        "--sections",
        &sections,
    ]));
    assert!(
        std::fs::read_to_string(out)
            .unwrap()
            .contains("L,2025-01,III,良好")
    );
    let bad_sections = write(dir.path(), "bs.csv", "section,water_body\nL,\n");
    let e = failure(&rectify(&[
        "water",
        "classify",
        "--input",
        &no_body,
        "--out",
        out,
        "--sections",
        &bad_sections,
    ]));
    assert!(e.contains("第 2 行，列 water_body"), "{e}");
}

#[test]
fn evaluate_reports_period_classes_proportions_rivers_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let sections = write(dir.path(), "sec.csv", SECTIONS);
    let samples = write(
        dir.path(),
        "s.csv",
        "section,water_body,time,do,nh3n,tp,chla,sd,codmn,tn,mn,withdrawal\n\
         A,,2025-01,7,0.8,0.15,,,4,,,\n\
         A,,2025-02,7,1.2,0.15,,,4,,,\n\
         B,,2025-01,6,2.5,0.3,,,5,,,\n\
         L,,2025-01,8,0.3,0.05,10,1.0,4.0,1.0,,\n\
         S,,2025-01,8,0.2,0.05,,,2,,0.05,100\n\
         S,,2025-02,8,0.2,0.05,,,2,,0.12,50\n\
         A,,2024-12,1,9,9,,,40,,,\n",
    );
    let json = ok(&rectify(&[
        "water",
        "evaluate",
        "--input",
        &samples,
        "--sections",
        &sections,
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let section = |code: &str| {
        v["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["section"] == code)
            .unwrap()
            .clone()
    };
    // A: NH3-N mean 1.0 → III (the months are 0.8 and 1.2; 2024-12 is outside the period).
    assert_eq!(section("A")["class"], "III");
    assert_eq!(section("A")["samples"], 2);
    assert_eq!(section("A")["monthly"][1]["class"], "IV");
    assert_eq!(section("B")["class"], "劣V");
    assert_eq!(section("B")["target_met"], false);
    assert_eq!(section("L")["trophic"]["tli"], 48.02);
    assert_eq!(section("L")["references"]["tn"], "III");
    let all = &v["proportions"]["all"];
    assert_eq!(
        (
            all["sections"].as_u64(),
            all["i_to_iii"].as_u64(),
            all["worse_than_v"].as_u64()
        ),
        (Some(4), Some(3), Some(1))
    );
    assert_eq!(all["i_to_iii_percent"], 75.0);
    let river = v["rivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["river"] == "清水河")
        .unwrap();
    assert_eq!(river["detail"]["method"], "averaged");
    let sources = &v["drinking_sources"];
    assert_eq!(sources["by_count"]["percent"], 50.0);
    assert_eq!(sources["by_volume"]["percent"], 66.7);
    assert_eq!(sources["all_samples"]["percent"], 0.0);
    assert!(
        sources["non_compliant"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("锰")
    );
}
