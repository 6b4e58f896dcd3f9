//! Every row of the shared water vectors (copied from `shared/vectors/water_vectors.csv`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_exact::exact::{Exact, parse_decimal};
use rectify_water::drinking::{SourceSample, judge_source, percent, source_rates};
use rectify_water::group::{Proportions, RiverVerdict, river_verdict};
use rectify_water::indicator::{Class, Indicator, SourceItem, WaterBody};
use rectify_water::period::{PeriodOptions, PhMean, Reading, period_value, round_2020};
use rectify_water::section::{SectionOptions, evaluate_section, format_multiple};
use rectify_water::tli::{Trophic, TrophicInputs, partial_indices, tli};
use std::collections::HashMap;

type Row = HashMap<String, String>;

fn rows() -> Vec<Row> {
    let mut reader = csv::Reader::from_reader(include_str!("data/water_vectors.csv").as_bytes());
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

fn ex(text: &str) -> Exact {
    parse_decimal(text).unwrap().unwrap()
}

fn pairs(text: &str) -> Vec<(String, String)> {
    text.split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect()
}

fn body(row: &Row) -> WaterBody {
    WaterBody::parse(&row["water_body"]).unwrap_or(WaterBody::River)
}

fn values(text: &str) -> Vec<(Indicator, Exact)> {
    pairs(text)
        .into_iter()
        .map(|(k, v)| {
            (
                Indicator::parse(&k).unwrap_or_else(|| panic!("{k}")),
                ex(&v),
            )
        })
        .collect()
}

fn pollutant_list(result: &rectify_water::section::SectionResult) -> String {
    result
        .main_pollutants
        .iter()
        .map(|p| match p.multiple {
            Some(m) => format!("{}({})", p.indicator.name_zh(), format_multiple(m, 3)),
            None => p.indicator.name_zh().to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn check_section(row: &Row) {
    let id = &row["id"];
    let result = evaluate_section(
        &values(&row["inputs"]),
        body(row),
        Class::III,
        SectionOptions::default(),
    );
    for (code, want) in pairs(&row["expected_per_indicator"]) {
        let indicator = Indicator::parse(&code).unwrap();
        let got = result
            .indicators
            .iter()
            .find(|i| i.indicator == indicator)
            .unwrap();
        match want.as_str() {
            "not classified" => assert_eq!(got.class, None, "{id} {code}"),
            w => {
                let reference = w.ends_with("(ref)");
                assert_eq!(
                    got.class,
                    Class::parse(w.trim_end_matches("(ref)")),
                    "{id} {code}"
                );
                assert_eq!(
                    indicator.reference_only(),
                    reference,
                    "{id} {code} reference flag"
                );
            }
        }
    }
    assert_eq!(
        result.class,
        Class::parse(&row["expected_class"]),
        "{id} class"
    );
    assert_eq!(
        result.status().map(|s| s.zh()),
        Some(row["expected_status"].as_str()),
        "{id} status"
    );
    assert_eq!(
        pollutant_list(&result),
        row["expected_over_III_top3"],
        "{id} main pollutants"
    );
}

fn check_group(row: &Row) {
    let id = &row["id"];
    let n: HashMap<String, u32> = pairs(&row["inputs"])
        .into_iter()
        .map(|(k, v)| (k, v.parse().unwrap()))
        .collect();
    let p = Proportions {
        sections: n["n"],
        i_to_iii: n["n_I_III"],
        worse_than_v: n["n_worse_V"],
    };
    let expected: HashMap<String, String> =
        pairs(&row["expected_per_indicator"]).into_iter().collect();
    assert_eq!(
        p.i_to_iii_percent().unwrap().to_fixed(1),
        expected["I-III%"],
        "{id}"
    );
    assert_eq!(
        p.worse_than_v_percent().unwrap().to_fixed(1),
        expected["worseV%"],
        "{id}"
    );
    assert_eq!(
        p.status().unwrap().zh(),
        row["expected_status"],
        "{id} status"
    );
}

fn check_river(row: &Row) {
    let sections: Vec<_> = row["inputs"]
        .split(';')
        .map(|s| {
            let (_, kv) = s.split_once(':').unwrap();
            let v = values(kv);
            let r = evaluate_section(&v, WaterBody::River, Class::III, SectionOptions::default());
            (v, r)
        })
        .collect();
    let Some(RiverVerdict::Averaged(result)) =
        river_verdict(&sections, WaterBody::River, SectionOptions::default())
    else {
        panic!("fewer than five sections must be averaged");
    };
    assert_eq!(result.class, Class::parse(&row["expected_class"]));
    assert_eq!(result.status().unwrap().zh(), row["expected_status"]);
    assert_eq!(pollutant_list(&result), row["expected_over_III_top3"]);
}

/// "nh3n monthly=0.8,0.9" / "hg monthly=ND(DL 0.00004),0.00008" / "ph=5.5,9.5" / "codmn=6.04"
fn readings(text: &str) -> (Indicator, Vec<Reading>) {
    let (key, list) = text.split_once('=').unwrap();
    let indicator = Indicator::parse(key.trim_end_matches(" monthly")).unwrap();
    let readings = list
        .split(',')
        .map(|v| match v.strip_prefix("ND(DL ") {
            Some(dl) => Reading::BelowDetection(ex(dl.trim_end_matches(')'))),
            None => Reading::Value(ex(v)),
        })
        .collect();
    (indicator, readings)
}

fn check_period(row: &Row) {
    let id = &row["id"];
    let (indicator, readings) = readings(&row["inputs"]);
    let classify = |options: PeriodOptions| {
        let v = period_value(indicator, &readings, options).unwrap();
        indicator.class_of(v, WaterBody::River).unwrap()
    };
    match row["kind"].as_str() {
        "ph_mean" => {
            assert_eq!(
                classify(PeriodOptions::default()),
                Class::I,
                "{id} arithmetic"
            );
            let hydrogen = PeriodOptions {
                ph_mean: PhMean::Hydrogen,
                ..PeriodOptions::default()
            };
            assert_eq!(classify(hydrogen), Class::WorseThanV, "{id} [H+]");
            let ph = period_value(indicator, &readings, hydrogen).unwrap();
            assert_eq!(ph.to_fixed(2), "5.80", "{id}");
        }
        "rounding" => {
            let rounded = PeriodOptions {
                round_2020: true,
                ..PeriodOptions::default()
            };
            assert_eq!(
                Some(classify(rounded)),
                Class::parse(row["expected_class"].split(' ').next().unwrap()),
                "{id}"
            );
            assert!(
                classify(PeriodOptions::default()) > Class::III,
                "{id}: unrounded is worse"
            );
        }
        _ => {
            assert_eq!(
                Some(classify(PeriodOptions::default())),
                Class::parse(&row["expected_class"]),
                "{id}"
            );
        }
    }
}

fn check_tli(row: &Row) {
    let id = &row["id"];
    let v: HashMap<String, f64> = pairs(&row["inputs"])
        .into_iter()
        .map(|(k, v)| (k, v.parse().unwrap()))
        .collect();
    let inputs = TrophicInputs {
        chla: v["chla"],
        tp: v["tp"],
        tn: v["tn"],
        sd: v["sd"],
        codmn: v["codmn"],
    };
    let parts = partial_indices(&inputs).unwrap();
    let expected: Vec<String> = pairs(&row["expected_per_indicator"])
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let got: Vec<String> = parts.iter().map(|p| format!("{p:.2}")).collect();
    assert_eq!(got, expected, "{id} partial indices");
    let total = tli(&inputs).unwrap();
    assert_eq!(format!("TLI={total:.2}"), row["expected_class"], "{id}");
    assert_eq!(Trophic::of(total).zh(), row["expected_status"], "{id}");
}

fn check_source(row: &Row) {
    let id = &row["id"];
    match id.as_str() {
        "D01" | "D02" | "D03" => {
            let mut basic = Vec::new();
            let mut specific = Vec::new();
            for part in row["inputs"].split(" | ") {
                let (table, list) = part.split_once(": ").unwrap();
                if table == "basic" {
                    basic = values(list);
                } else if !list.starts_with("all ") {
                    for (k, v) in pairs(list) {
                        let item = SourceItem::parse(&k).unwrap();
                        specific.push((item.name(), item.limit(), ex(&v)));
                    }
                }
            }
            let verdict = judge_source(&SourceSample { basic, specific }, body(row));
            let class = row["expected_class"].split(' ').next().unwrap();
            assert_eq!(verdict.basic_class, Class::parse(class), "{id}");
            assert_eq!(
                verdict.compliant,
                row["expected_status"].starts_with("达标"),
                "{id}"
            );
            let failures: Vec<String> = verdict
                .failures
                .iter()
                .map(|(n, m)| format!("{n}({})", format_multiple(*m, 3)))
                .collect();
            let expected = row["expected_over_III_top3"].replace(" over its limit", "");
            assert_eq!(failures.join(";"), expected, "{id}");
        }
        "D04" => {
            let rates =
                source_rates(&[vec![(true, Some(ex("100")))], vec![(false, Some(ex("50")))]]);
            let count = percent(
                Exact::int(rates.by_count.0.into()),
                Exact::int(rates.by_count.1.into()),
            );
            assert_eq!(count.unwrap().to_fixed(1), "50.0");
            assert_eq!(
                percent(rates.by_volume.0, rates.by_volume.1)
                    .unwrap()
                    .to_fixed(1),
                "66.7"
            );
        }
        "D05" => {
            let months: Vec<(bool, Option<Exact>)> = (0..12).map(|m| (m != 7, None)).collect();
            let rates = source_rates(&[months]);
            assert_eq!(
                rates.all_samples,
                (0, 1),
                "one month out of twelve breaks 全年均达标"
            );
            assert_eq!(rates.by_count, (11, 12));
        }
        "D06" => {
            let sources: Vec<Vec<(bool, Option<Exact>)>> =
                (0..902).map(|i| vec![(i < 830, None)]).collect();
            let rates = source_rates(&sources);
            let rate = percent(
                Exact::int(rates.all_samples.0.into()),
                Exact::int(rates.all_samples.1.into()),
            );
            assert_eq!(
                format!("{}%", rate.unwrap().to_fixed(1)),
                row["expected_status"]
            );
        }
        other => panic!("unknown drinking-source vector {other}"),
    }
}

#[test]
fn every_water_vector_passes() {
    let rows = rows();
    assert_eq!(rows.len(), 94);
    for row in &rows {
        match (row["kind"].as_str(), row["id"].chars().next()) {
            ("section", _) | ("real", Some('R')) => check_section(row),
            ("group", _) | ("real", Some('G')) => check_group(row),
            ("river_lt5", _) => check_river(row),
            ("annual_mean" | "below_DL" | "ph_mean" | "rounding", _) => check_period(row),
            ("tli", _) => check_tli(row),
            ("dw_source", _) => check_source(row),
            (kind, _) => panic!("{}: unhandled kind {kind}", row["id"]),
        }
    }
}

#[test]
fn rounding_keeps_one_significant_digit() {
    assert_eq!(round_2020(ex("0.00004"), 3), ex("0.00004"));
    assert_eq!(round_2020(ex("0.000045"), 3), ex("0.00004"));
    assert_eq!(round_2020(ex("0.0455"), 3), ex("0.046"));
    assert_eq!(round_2020(Exact::ZERO, 3), Exact::ZERO);
}
