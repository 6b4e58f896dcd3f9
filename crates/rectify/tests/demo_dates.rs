//! The demo is a live office month whatever day it is created: run `rectify demo` at dates
//! across the years (a Monday, mid-March, a September Sunday, New Year's Day, the Spring
//! Festival, a leap day, the first of a month) followed by `rectify clock tick`, and check what
//! an office opening it that day must see.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_exact::date::Date;
use serde_json::Value;
use std::process::Command;

mod common;

use common::BIN;

/// The day a demo is made on: a fixed instant (`RECTIFY_NOW`, RFC 3339 at +08:00), or the
/// binary's own system clock in the year-ahead run.
#[derive(Clone, Copy)]
enum Clock<'a> {
    Fixed(&'a str),
    System,
}

impl Clock<'_> {
    /// The Beijing date the binary takes as today.
    fn today(self) -> String {
        match self {
            Clock::Fixed(now) => now[..10].to_string(),
            Clock::System => common::test_today().to_string(),
        }
    }
}

/// Runs the binary at `now` and returns its stdout.
fn run(db: &str, now: Clock<'_>, args: &[&str]) -> String {
    let mut command = Command::new(BIN);
    match now {
        Clock::Fixed(at) => command.env("RECTIFY_NOW", at),
        Clock::System => common::at_test_clock(&mut command),
    };
    let out = command.arg("--db").arg(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        now.today(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(db: &str, now: Clock<'_>, args: &[&str]) -> Value {
    serde_json::from_str(&run(db, now, args)).unwrap()
}

fn check_live_month(now: Clock<'_>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    run(&db, now, &["demo"]);
    run(&db, now, &["clock", "tick"]);
    let today = now.today();
    let today = today.as_str();
    let items = json(&db, now, &["ledger", "list", "--format", "json"]);
    let items = items.as_array().unwrap();
    let with = |key: &str, value: &str| {
        items
            .iter()
            .filter(|i| i[key] == value)
            .map(|i| i["number"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    for colour in ["序时推进", "滞后", "严重滞后"] {
        assert!(
            !with("schedule", colour).is_empty(),
            "{today}: no {colour} item"
        );
    }
    for item in items.iter().filter(|i| i["schedule"] != "已完成") {
        let reasons = item["reasons"].as_array().map_or(0, Vec::len);
        assert!(reasons > 0, "{today}: a colour without a reason: {item}");
    }
    assert_eq!(
        with("state", "PUBLIC_NOTICE"),
        [14],
        "{today}: the running notice"
    );
    assert_eq!(
        with("state", "SIGN_OFF"),
        [27],
        "{today}: awaiting sign-off"
    );
    let horizon = Date::parse(today).unwrap().add_days(14).to_string();
    let due_soon: Vec<_> = items
        .iter()
        .filter(|i| i["schedule"] != "已完成")
        .filter_map(|i| i["due_date"].as_str())
        .filter(|due| *due >= today && *due <= horizon.as_str())
        .collect();
    assert!(
        due_soon.len() >= 2,
        "{today}: due within 14 days: {due_soon:?}"
    );

    let period = &today[..7];
    let missing = json(
        &db,
        now,
        &["report", "missing", "--period", period, "--format", "json"],
    );
    let gaps: usize = missing["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["missing"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(gaps > 0, "{today}: no report missing for {period}");

    let complaints = run(&db, now, &["complaint", "list"]);
    assert!(complaints.contains("逾期"), "{today}: none past its clock");
    assert!(complaints.contains("剩"), "{today}: none inside its clock");

    let rebound_this_month = (1..=30).any(|id| {
        let Ok(entry) = serde_json::from_str::<Value>(&run(
            &db,
            now,
            &["register", "show", &id.to_string(), "--format", "json"],
        )) else {
            return false;
        };
        entry["moves"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["rebound"] == true && m["on"].as_str().unwrap().starts_with(period))
    });
    assert!(
        rebound_this_month,
        "{today}: no register rebound in {period}"
    );
}

#[test]
fn a_demo_created_on_a_monday_in_december_is_a_live_month() {
    check_live_month(Clock::Fixed("2026-12-07T10:00:00+08:00"));
}

#[test]
fn a_demo_created_in_march_next_year_is_a_live_month() {
    check_live_month(Clock::Fixed("2027-03-15T09:00:00+08:00"));
}

#[test]
fn a_demo_created_on_a_september_sunday_is_a_live_month() {
    check_live_month(Clock::Fixed("2028-09-10T15:00:00+08:00"));
}

#[test]
fn a_demo_created_on_new_years_day_is_a_live_month() {
    check_live_month(Clock::Fixed("2027-01-01T08:00:00+08:00"));
}

#[test]
fn a_demo_created_in_the_spring_festival_is_a_live_month() {
    check_live_month(Clock::Fixed("2027-02-08T11:00:00+08:00"));
}

#[test]
fn a_demo_created_on_a_leap_day_late_at_night_is_a_live_month() {
    check_live_month(Clock::Fixed("2028-02-29T23:50:00+08:00"));
}

#[test]
fn a_demo_created_on_the_first_of_a_month_is_a_live_month() {
    check_live_month(Clock::Fixed("2027-07-01T07:30:00+08:00"));
}

/// In the year-ahead run (scripts/year-ahead), also the day the binary's faked system clock says
/// it is.
#[test]
fn a_demo_created_on_the_system_clocks_day_is_a_live_month() {
    if !common::system_clock() {
        return;
    }
    check_live_month(Clock::System);
}
