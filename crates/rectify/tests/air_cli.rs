//! `rectify air …` through the real binary: the CLI contract that external checks rely on.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::collections::HashMap;
use std::path::{Path, PathBuf};
mod common;

use common::{ok, rectify};

fn vectors_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rectify-air/tests/data/air_vectors.csv")
}

fn read_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The vectors' inputs as an `air aqi` input table for one mode.
fn vector_input(dir: &Path, mode: &str) -> (PathBuf, Vec<HashMap<String, String>>) {
    let rows: Vec<_> = read_rows(&vectors_path())
        .into_iter()
        .filter(|r| r["mode"] == mode)
        .collect();
    let path = dir.join(format!("{mode}.csv"));
    let mut w = csv::Writer::from_path(&path).unwrap();
    let cols = [
        "so2", "no2", "co", "o3_1h", "o3_8h", "pm10", "pm25", "so2_24h", "pm10_24h", "pm25_24h",
    ];
    let mut header = vec!["id"];
    header.extend(cols);
    w.write_record(&header).unwrap();
    for r in &rows {
        let get = |c: &str| {
            let key = match c {
                "pm10_24h" => "pm10_24h_moving",
                "pm25_24h" => "pm25_24h_moving",
                other => other,
            };
            r[key].clone()
        };
        let mut record = vec![r["id"].clone()];
        record.extend(cols.iter().map(|c| get(c)));
        w.write_record(&record).unwrap();
    }
    w.flush().unwrap();
    (path, rows)
}

fn primary_set(text: &str, sep: char) -> Vec<String> {
    let mut v: Vec<String> = text
        .split(sep)
        .filter(|s| !s.is_empty() && *s != "-")
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn air_aqi_reproduces_every_vector_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    for mode in ["daily", "hourly"] {
        let (input, vectors) = vector_input(dir.path(), mode);
        for standard in ["2012", "2026"] {
            let out = dir.path().join(format!("{mode}-{standard}.out.csv"));
            let args = [
                "air",
                "aqi",
                "--standard",
                standard,
                "--mode",
                mode,
                "--input",
                input.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ];
            ok(&rectify(&args));
            let got = read_rows(&out);
            assert_eq!(got.len(), vectors.len());
            for (row, v) in got.iter().zip(&vectors) {
                let prefix = format!("hj633_{standard}");
                let want_aqi = v[&format!("{prefix}_aqi")]
                    .trim_end_matches("(cap?)")
                    .to_string();
                assert_eq!(row["aqi"], want_aqi, "{} {standard}", v["id"]);
                let (level, category) = v[&format!("{prefix}_level")].split_once(' ').unwrap();
                assert_eq!(
                    (row["level"].as_str(), row["category"].as_str()),
                    (level, category),
                    "{}",
                    v["id"]
                );
                assert_eq!(
                    primary_set(&row["primary"], ';'),
                    primary_set(&v[&format!("{prefix}_primary")], '+'),
                    "{} {standard}",
                    v["id"]
                );
                assert_eq!(row["id"], v["id"], "input columns come first, unchanged");
            }
        }
    }
}

#[test]
fn air_aqi_reports_bad_cells_and_strict_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "pm25,pm10\n35,50\nabc,60\n").unwrap();
    let out = dir.path().join("out.csv");
    let args = [
        "air",
        "aqi",
        "--standard",
        "2026",
        "--mode",
        "daily",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let lenient = rectify(&args);
    ok(&lenient);
    assert!(String::from_utf8_lossy(&lenient.stderr).contains("第 3 行，列 pm25"));
    let rows = read_rows(&out);
    assert_eq!(
        (rows[0]["aqi"].as_str(), rows[1]["aqi"].as_str()),
        ("50", "")
    );

    std::fs::remove_file(&out).unwrap();
    let mut strict = args.to_vec();
    strict.push("--strict");
    let o = rectify(&strict);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("第 3 行"));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temporary file left behind"
    );
}

fn hourly_fixture(dir: &Path) -> PathBuf {
    // Two stations of one city on 2025-06-01: A full (24 h), B with only 19 hours of PM2.5.
    let mut text = String::from("station,city,time,so2,no2,co,o3,pm10,pm25\n");
    for station in ["A", "B"] {
        for hour in 1..=24 {
            let (date, label) = if hour == 24 {
                ("2025-06-02", 0)
            } else {
                ("2025-06-01", hour)
            };
            let pm25 = if station == "B" && hour > 19 {
                String::new()
            } else {
                (30 + hour % 3).to_string()
            };
            let o3 = 60 + 8 * (12 - (hour - 14_i32).abs()).max(0);
            text.push_str(&format!(
                "{station},河安市,{date} {label:02}:00,8,30,0.6,{o3},70,{pm25}\n"
            ));
        }
    }
    let path = dir.join("hourly.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn air_daily_writes_station_and_city_rows_with_validity() {
    let dir = tempfile::tempdir().unwrap();
    let input = hourly_fixture(dir.path());
    let out = dir.path().join("daily.csv");
    ok(&rectify(&[
        "air",
        "daily",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let rows = read_rows(&out);
    let sites: Vec<&str> = rows.iter().map(|r| r["station"].as_str()).collect();
    assert_eq!(sites, ["A", "B", "city:河安市"]);
    let (a, b, city) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(a["date"], "2025-06-01");
    assert_eq!((a["pm25"].as_str(), a["valid_pm25"].as_str()), ("31", "1"));
    assert_eq!(
        (b["pm25"].as_str(), b["valid_pm25"].as_str()),
        ("", "0"),
        "19 hours is not a valid day"
    );
    assert_eq!(city["pm25"], a["pm25"], "the city uses valid stations only");
    assert_eq!(a["o3_1h_max"], "156");
    assert_eq!(a["standard"], "2012");
    for r in &rows {
        assert!(!r["aqi"].is_empty() && !r["category"].is_empty());
    }
}

#[test]
fn air_evaluate_reports_json_and_the_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let input = hourly_fixture(dir.path());
    let args = [
        "air",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-01",
        "--city",
        "河安市",
        "--format",
        "json",
        "--compare-from",
        "2025-06-01",
        "--compare-to",
        "2025-06-01",
    ];
    let json: serde_json::Value = serde_json::from_str(&ok(&rectify(&args))).unwrap();
    let site = &json["sites"][0];
    assert_eq!(site["site"], "city:河安市");
    assert_eq!(site["aqi_days"], 1);
    assert_eq!(site["good_ratio"], 100.0);
    assert_eq!(site["pollutants"]["PM2.5"]["mean"], 31);
    let verdict = &site["comparison"]["two_down_one_up"];
    assert_eq!(verdict["pm25"]["trend"], "持平");
    assert_eq!(verdict["achieved"], false);

    let bad = rectify(&[
        "air",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
        "--from",
        "2025-6-1",
        "--to",
        "2025-06-01",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let missing = rectify(&[
        "air",
        "evaluate",
        "--input",
        input.to_str().unwrap(),
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-01",
        "--city",
        "火星市",
    ]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn air_import_keeps_the_source_and_strict_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let db = db.to_str().unwrap();
    ok(&rectify(&["--db", db, "init"]));
    let input = hourly_fixture(dir.path());
    let out = ok(&rectify(&[
        "--db",
        db,
        "air",
        "import",
        input.to_str().unwrap(),
    ]));
    assert!(out.contains("2 个站点"), "{out}");
    let kept: Vec<_> = walk(&dir.path().join("rectify-data"));
    assert_eq!(kept.len(), 1, "the imported file is kept once");
    assert_eq!(
        std::fs::read(&kept[0]).unwrap(),
        std::fs::read(&input).unwrap()
    );
    ok(&rectify(&["--db", db, "audit", "verify"]));
    ok(&rectify(&[
        "--db",
        db,
        "air",
        "target",
        "--year",
        "2025",
        "--pm25",
        "35",
        "--good-ratio",
        "80.5",
    ]));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "station,time,pm25\nA,2025-06-03 01:00,12\nA,2025-06-03 02:00,oops\n",
    )
    .unwrap();
    let before = ok(&rectify(&["--db", db, "audit", "verify"]));
    let strict = rectify(&[
        "--db",
        db,
        "air",
        "import",
        bad.to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("第 3 行，列 pm25"));
    assert_eq!(
        ok(&rectify(&["--db", db, "audit", "verify"])),
        before,
        "nothing was written"
    );
    let bad_target = rectify(&[
        "--db", db, "air", "target", "--year", "2025", "--pm25", "abc",
    ]);
    assert_eq!(bad_target.status.code(), Some(2));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
