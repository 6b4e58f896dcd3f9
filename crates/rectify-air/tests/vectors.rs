//! Every row of the shared air vectors (copied from `shared/vectors/air_vectors.csv`), for both
//! versions of HJ 633, plus the real national snapshot of 2017-07-07 16:00.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_air::aqi::{
    Concentrations, HourlyMethod, Pollutant, ReportKind, ReportOptions, report,
};
use rectify_air::exact::parse_exact;
use rectify_air::standard::Standard;
use std::collections::HashMap;

fn read_csv(text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn value(row: &HashMap<String, String>, column: &str) -> Option<rectify_air::exact::Exact> {
    parse_exact(row.get(column).map_or("", String::as_str)).unwrap()
}

fn pollutant(name: &str) -> Pollutant {
    *Pollutant::ALL
        .iter()
        .find(|p| p.name() == name)
        .unwrap_or_else(|| panic!("{name}"))
}

/// "SO2:0;NO2:NA;PM2.5:500cap?" → name → Some(value) / None
fn expected_iaqis(text: &str) -> HashMap<Pollutant, Option<u16>> {
    text.split(';')
        .map(|part| {
            let (name, v) = part.split_once(':').unwrap();
            let v = v.trim_end_matches("cap?");
            (pollutant(name), (v != "NA").then(|| v.parse().unwrap()))
        })
        .collect()
}

fn names(list: &[Pollutant]) -> Vec<&'static str> {
    let mut v: Vec<_> = list.iter().map(|p| p.name()).collect();
    v.sort();
    v
}

fn expected_list(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = if text == "-" {
        vec![]
    } else {
        text.split('+').collect()
    };
    v.sort();
    v
}

#[test]
fn every_air_vector_passes_for_both_versions() {
    let rows = read_csv(include_str!("data/air_vectors.csv"));
    assert_eq!(rows.len(), 63);
    let mut checked = 0;
    for row in &rows {
        let id = &row["id"];
        let kind = match row["mode"].as_str() {
            "daily" => ReportKind::Daily,
            "hourly" => ReportKind::Hourly,
            m => panic!("{id}: mode {m}"),
        };
        let input = Concentrations {
            so2: value(row, "so2"),
            no2: value(row, "no2"),
            co: value(row, "co"),
            o3_1h: value(row, "o3_1h"),
            o3_8h: value(row, "o3_8h"),
            pm10: value(row, "pm10"),
            pm25: value(row, "pm25"),
            so2_24h: value(row, "so2_24h"),
            pm10_24h: value(row, "pm10_24h_moving"),
            pm25_24h: value(row, "pm25_24h_moving"),
        };
        for (standard, prefix) in [
            (Standard::V2012, "hj633_2012"),
            (Standard::V2026, "hj633_2026"),
        ] {
            let options = ReportOptions {
                standard,
                kind,
                hourly_method: HourlyMethod::Text,
            };
            let got = report(&input, options);
            let ctx = format!("{id} {standard}");
            let expected = expected_iaqis(&row[&format!("{prefix}_iaqi")]);
            for entry in &got.entries {
                let want = expected.get(&entry.pollutant).copied().flatten();
                assert_eq!(
                    entry.iaqi.map(|i| i.value),
                    want,
                    "{ctx} IAQI {}",
                    entry.pollutant.name()
                );
            }
            for (p, v) in &expected {
                if v.is_some() {
                    assert!(
                        got.entries.iter().any(|e| e.pollutant == *p),
                        "{ctx}: {} not reported",
                        p.name()
                    );
                }
            }
            let aqi_text = row[&format!("{prefix}_aqi")].trim_end_matches("(cap?)");
            assert_eq!(got.aqi, Some(aqi_text.parse().unwrap()), "{ctx} AQI");
            if row[&format!("{prefix}_iaqi")].contains("cap?") {
                assert!(got.beyond_index, "{ctx}: beyond_index flag");
            }
            assert_eq!(
                names(&got.primary),
                expected_list(&row[&format!("{prefix}_primary")]),
                "{ctx} primary"
            );
            let level = got.level.unwrap();
            assert_eq!(
                format!("{} {}", level.number, level.category),
                row[&format!("{prefix}_level")],
                "{ctx} level"
            );
            if standard == Standard::V2012 {
                assert_eq!(
                    names(&got.exceeding),
                    expected_list(&row["hj633_2012_exceeding"]),
                    "{ctx} exceeding"
                );
            } else {
                assert!(got.exceeding.is_empty());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 126);
}

fn primary_from_feed(text: &str) -> Vec<&'static str> {
    let mut v: Vec<&str> = text
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| match s {
            "臭氧1小时" => "O3_1h",
            "颗粒物(PM10)" => "PM10",
            "细颗粒物(PM2.5)" => "PM2.5",
            "二氧化硫" => "SO2",
            "二氧化氮" => "NO2",
            "一氧化碳" => "CO",
            other => panic!("unknown primary {other}"),
        })
        .collect();
    v.sort();
    v
}

/// air.md §6 and data/README: the national platform's published AQI of every station with one
/// is reproduced by the platform reading of the 2012 real-time report. The feed's `o3_24h`
/// column carries the current hour's O3.
#[test]
fn the_2017_national_snapshot_is_reproduced_exactly() {
    let rows = read_csv(include_str!("data/cnemc-2017-07-07T16.csv"));
    let mut compared = 0;
    for row in &rows {
        if row["aqi"].is_empty() {
            continue;
        }
        let input = Concentrations {
            so2: value(row, "so2"),
            no2: value(row, "no2"),
            co: value(row, "co"),
            o3_1h: value(row, "o3_24h"),
            pm10: value(row, "pm10"),
            pm25: value(row, "pm2_5"),
            ..Concentrations::default()
        };
        let options = ReportOptions {
            standard: Standard::V2012,
            kind: ReportKind::Hourly,
            hourly_method: HourlyMethod::Platform,
        };
        let got = report(&input, options);
        let station = &row["stationcode"];
        assert_eq!(
            got.aqi.map(|a| a.to_string()),
            Some(row["aqi"].clone()),
            "{station}"
        );
        assert_eq!(got.level.unwrap().category, row["quality"], "{station}");
        assert_eq!(
            names(&got.primary),
            primary_from_feed(&row["primarypollutant"]),
            "{station}"
        );
        compared += 1;
    }
    assert_eq!(compared, 1462);
}
