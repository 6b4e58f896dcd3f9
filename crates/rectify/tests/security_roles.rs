//! Issue #18, who may do what: links reach only what the actor sees (finding 12), evidence
//! kinds belong to the roles of their step (13), a refused action keeps nothing (14).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::process::{Command, Output};

mod common;

use common::{BIN, Server, form_body, ok};

fn demo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, None);
    (dir, db)
}

fn run(db: &str, args: &[&str]) -> Output {
    common::at_test_clock(&mut Command::new(BIN))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn json(db: &str, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(&run(db, args))).unwrap()
}

fn refused(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The links of a register entry.
fn links(db: &str, id: i64) -> usize {
    json(
        db,
        &["register", "show", &id.to_string(), "--format", "json"],
    )["links"]
        .as_array()
        .map_or(0, Vec::len)
}

/// A complaint number handled by `unit` (`own`) or by another unit.
fn complaint(db: &str, unit: &str, own: bool) -> String {
    json(db, &["complaint", "list", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|c| (c["unit"] == unit) == own)
        .unwrap()["received_no"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A register entry in `county` (`own`) or in another county.
fn entry(db: &str, county: &str, own: bool) -> i64 {
    json(db, &["register", "list", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|e| (e["county"] == county) == own)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Finding 12. 北岭县's clerk sees its own entries, complaints and item 38 (its lead), not item
/// 5 (市住建局, 市城管局), other units' complaints or other counties' entries.
#[test]
fn a_link_needs_the_actor_to_see_both_ends() {
    let (_dir, db) = demo();
    let county = "北岭县政府";
    let own = entry(&db, county, true);
    let other_entry = entry(&db, county, false);
    let other_complaint = complaint(&db, county, false);
    let own_complaint = complaint(&db, county, true);
    let id = own.to_string();
    let before = links(&db, own);
    let as_clerk = ["--as", "beiling"];
    for (args, missing) in [
        (vec!["--complaint", other_complaint.as_str()], "信访件"),
        (vec!["--item", "5"], "整改问题"),
    ] {
        let mut command = vec!["register", "link", id.as_str()];
        command.extend(&args);
        command.extend(as_clerk);
        let stderr = refused(&run(&db, &command));
        assert!(stderr.contains(missing), "{args:?}: {stderr}");
    }
    let other = other_entry.to_string();
    let stderr = refused(&run(
        &db,
        &[
            "register", "link", &other, "--item", "38", "--as", "beiling",
        ],
    ));
    assert!(stderr.contains("名录条目"), "{stderr}");
    assert_eq!(links(&db, own), before, "nothing linked");

    // The web form answers the same, through the same store rule.
    let server = Server::start(&db, &["serve"]);
    let cookie = common::web_session(&db, &server, "beiling");
    let path = format!("/registers/{own}");
    let (_, _, page) = server.request("GET", &path, &[("Cookie", &cookie)], b"");
    let page = String::from_utf8_lossy(&page);
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).unwrap();
    let csrf = &csrf[..csrf.find('"').unwrap()];
    let body = form_body(&[("csrf", csrf), ("complaint", &other_complaint)]);
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, head, _) =
        server.request("POST", &format!("{path}/links"), &headers, body.as_bytes());
    assert_eq!(status, 303);
    assert!(
        !head.contains("%E5%B7%B2%E5%85%B3%E8%81%94"),
        "not 已关联: {head}"
    );
    assert_eq!(links(&db, own), before, "nothing linked from the web");

    // Both ends in scope: linked.
    ok(&run(
        &db,
        &[
            "register",
            "link",
            &id,
            "--item",
            "38",
            "--complaint",
            &own_complaint,
            "--as",
            "beiling",
        ],
    ));
    assert_eq!(links(&db, own), before + 1);
}

/// Finding 13: a clerk's 验收意见 is refused and cannot satisfy the accept step; the
/// acceptance unit's is kept.
#[test]
fn an_evidence_kind_is_filed_only_by_the_roles_of_its_step() {
    let (dir, db) = demo();
    let opinion = dir.path().join("验收意见.pdf");
    std::fs::write(&opinion, b"%PDF-1.4 acceptance opinion").unwrap();
    let opinion = opinion.to_string_lossy().into_owned();
    let count = |db: &str| {
        json(db, &["evidence", "list", "16", "--format", "json"])
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = count(&db);
    for (user, kind, filer) in [
        ("zjj", "acceptance_opinion", "验收单位"),
        ("zjj", "notice_proof", "整改办"),
        ("yanshou", "self_check", "牵头单位经办人"),
    ] {
        let stderr = refused(&run(
            &db,
            &[
                "evidence", "add", "16", "--as", user, "--kind", kind, "--file", &opinion,
            ],
        ));
        assert!(
            stderr.contains("角色不符") && stderr.contains(filer),
            "{user} {kind}: {stderr}"
        );
    }
    assert_eq!(count(&db), before, "nothing kept");
    ok(&run(
        &db,
        &[
            "evidence",
            "add",
            "16",
            "--as",
            "yanshou",
            "--kind",
            "acceptance_opinion",
            "--file",
            &opinion,
        ],
    ));
    assert_eq!(count(&db), before + 1);
}

/// Finding 14: the files an action brings go in with it; a refused 申请验收 (measures still
/// open) keeps none of them.
#[test]
fn a_refused_action_keeps_none_of_its_files() {
    let (dir, db) = demo();
    let report = dir.path().join("自查报告.pdf");
    std::fs::write(&report, b"%PDF-1.4 self check").unwrap();
    let photo = dir.path().join("现场.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let count = || {
        json(&db, &["evidence", "list", "38", "--format", "json"])
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = count();
    let stderr = refused(&run(
        &db,
        &[
            "item",
            "submit",
            "38",
            "--as",
            "beiling",
            "--report",
            &report.to_string_lossy(),
            "--evidence",
            &photo.to_string_lossy(),
        ],
    ));
    assert!(stderr.contains("申请验收"), "{stderr}");
    assert_eq!(count(), before, "no evidence row is left behind");
}
