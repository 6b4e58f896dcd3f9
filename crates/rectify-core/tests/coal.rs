//! Coal consumption and clean heating against their targets, counted by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::coal::{CoalYear, assess, month_lines, pro_rata_cap, reported_through};
use rectify_exact::exact::{Exact, parse_decimal};

fn wan(text: &str) -> Exact {
    parse_decimal(text).unwrap().unwrap()
}

#[test]
fn a_county_ahead_of_its_cap_or_behind_its_switching_is_warned() {
    let year = CoalYear {
        county: "北岭县政府".into(),
        year: 2026,
        cap: Some(wan("100")),
        months: (1..=11).map(|m| (m, wan("9.5"))).collect(),
        previous: Vec::new(),
        heating_target: 1200,
        heating_gas: 500,
        heating_electric: 300,
    };
    // June: 57.00 against a pro-rata 50.00; 800 households against 600.
    let june = assess(&year, 6);
    assert_eq!(
        (june.used.as_str(), june.share_of_cap.as_str()),
        ("57.00", "57.0%")
    );
    assert_eq!(june.warnings, ["煤炭消费57.00万吨，超过序时进度50.00万吨"]);
    // November: over the whole cap, and switching behind 1,100 households.
    let november = assess(&year, 11);
    assert_eq!(november.used, "104.50");
    assert_eq!(november.heating_rate, "66.7%");
    assert_eq!(
        november.warnings,
        [
            "煤炭消费104.50万吨，已超过年度控制目标100.00万吨",
            "清洁取暖改造800户，落后于序时进度1100户"
        ]
    );
    // Within the pro-rata cap and with no target set: no warning.
    let quiet = CoalYear {
        months: vec![(1, wan("8.3"))],
        heating_target: 0,
        ..year
    };
    let january = assess(&quiet, 1);
    assert!(january.warnings.is_empty(), "{:?}", january.warnings);
    assert_eq!(
        (january.share_of_cap.as_str(), january.heating_rate.as_str()),
        ("8.3%", "—")
    );
}

#[test]
fn the_pro_rata_cap_follows_last_years_seasons() {
    // Last year: 15 a month in the four heating months, 5 in the other eight: 100 in all, 35
    // by the end of March (15 + 15 + 5). This year's cap of 90 allows 31.50 by then.
    let previous: Vec<(u8, Exact)> = (1..=12)
        .map(|m| {
            (
                m,
                wan(if matches!(m, 1 | 2 | 11 | 12) {
                    "15"
                } else {
                    "5"
                }),
            )
        })
        .collect();
    let year = CoalYear {
        county: "城关区政府".into(),
        year: 2026,
        cap: Some(wan("90")),
        months: vec![(1, wan("14")), (2, wan("13")), (3, wan("4"))],
        previous: previous.clone(),
        heating_target: 0,
        heating_gas: 0,
        heating_electric: 0,
    };
    // 31 by March is within 31.50, though above a flat quarter of the cap (22.50).
    assert!(
        assess(&year, 3).warnings.is_empty(),
        "{:?}",
        assess(&year, 3).warnings
    );
    let heavier = CoalYear {
        months: vec![(1, wan("14")), (2, wan("14")), (3, wan("4"))],
        ..year.clone()
    };
    assert_eq!(
        assess(&heavier, 3).warnings,
        ["煤炭消费32.00万吨，超过序时进度31.50万吨"]
    );
    // Without a complete year before, the months' share counts.
    let partial = CoalYear {
        previous: previous[..11].to_vec(),
        ..year
    };
    assert_eq!(
        assess(&partial, 3).warnings,
        ["煤炭消费31.00万吨，超过序时进度22.50万吨"]
    );
}

#[test]
fn the_months_carry_running_totals_against_the_pro_rata_cap() {
    let year = CoalYear {
        county: "北岭县政府".into(),
        year: 2026,
        cap: Some(wan("120")),
        months: vec![(1, wan("12.5")), (2, wan("11")), (4, wan("9"))],
        previous: Vec::new(),
        heating_target: 0,
        heating_gas: 0,
        heating_electric: 0,
    };
    assert_eq!(reported_through(&year), Some(4));
    let lines = month_lines(&year);
    assert_eq!(lines.len(), 12);
    // March has no figure: the running total stands, the allowance keeps growing by 10 a month.
    let march = &lines[2];
    assert_eq!(
        (march.used, march.cumulative, march.allowed),
        (None, wan("23.5"), Some(wan("30")))
    );
    assert_eq!(lines[3].cumulative, wan("32.5"));
    assert_eq!(lines[11].allowed, Some(wan("120")));
    assert_eq!(pro_rata_cap(&year, 6), Some(wan("60")));
    // Without a cap nothing is allowed or warned; without figures nothing is reported.
    let open = CoalYear {
        cap: None,
        months: Vec::new(),
        ..year
    };
    assert_eq!(reported_through(&open), None);
    assert!(month_lines(&open).iter().all(|l| l.allowed.is_none()));
}
