//! Transferred complaints end to end through the binary: the transactional import of the
//! team's transfer list, the report-back clock, spot-checks and their accountability rule,
//! and the public portal — the leak crawl and the objection flood.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::collections::BTreeSet;
use std::process::Command;

mod common;

use common::{BIN, Server, form_body, ok, rectify_at};

/// The team's list as published, with its defects (an empty region among them).
const DEFECTIVE: &str = "tests/data/complaints-batches-sample.xlsx";
/// The same list with the region filled in (the demo's copy).
const FIXED: &str = "demo/complaints-sample.xlsx";

fn fresh() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db").to_string_lossy().into_owned();
    ok(&Command::new(BIN)
        .args(["--db", &db, "init"])
        .output()
        .unwrap());
    (dir, db)
}

/// A command at the tests' clock, as the servers they start run: a notice recorded on the real
/// date would not yet have begun on the server's.
fn run(db: &str, args: &[&str]) -> std::process::Output {
    common::at_test_clock(&mut Command::new(BIN))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn imported() -> (tempfile::TempDir, String) {
    let (dir, db) = fresh();
    rectify_at(
        &db,
        "2018-06-20",
        &["complaint", "import", FIXED, "--reported-on", "2018-06-14"],
    );
    (dir, db)
}

/// One complaint as `complaint show --format json` gives it on day `on`.
fn show(db: &str, on: &str, received_no: &str) -> serde_json::Value {
    json(&rectify_at(
        db,
        on,
        &["complaint", "show", received_no, "--format", "json"],
    ))
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn a_list_with_an_error_is_refused_whole_and_the_cell_is_named() {
    let (_dir, db) = fresh();
    let out = run(&db, &["complaint", "import", DEFECTIVE]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("工作表“第2批” D13（行政区域）"), "{stderr}");
    assert!(stderr.contains("正文提到“清水县”"), "{stderr}");
    assert!(
        stderr.contains("E14:E15"),
        "the merged-cell warning is shown too: {stderr}"
    );
    assert!(stderr.contains("未导入任何信访件"), "{stderr}");
    let list = rectify_at(
        &db,
        "2018-06-20",
        &["complaint", "list", "--format", "json"],
    );
    assert_eq!(
        json(&list).as_array().unwrap().len(),
        0,
        "nothing half-written"
    );
}

#[test]
fn import_clocks_suggestions_and_a_quiet_reimport() {
    let (_dir, db) = fresh();
    let out = rectify_at(
        &db,
        "2018-06-20",
        &["complaint", "import", FIXED, "--reported-on", "2018-06-14"],
    );
    assert!(
        out.contains("中央第一生态环境保护督察组：新增 120 件"),
        "{out}"
    );
    for pair in [
        "X1HA201806040072：重复件 D1HA201806030109",
        "W1HA201806050012：重复件 D1HA201806030099",
        "D1HA201806060010：重复件 D1HA201806050047",
        "W1HA201806050054：重复件 D1HA201806030119",
    ] {
        assert!(out.contains(pair), "{pair} in {out}");
    }
    assert_eq!(
        out.matches("重复件").count(),
        4,
        "no other duplicates: {out}"
    );
    // 38 complaints carry feedback; the other 82 are past their 10 calendar days on 06-20.
    let overdue = json(&rectify_at(
        &db,
        "2018-06-20",
        &["complaint", "list", "--overdue", "--format", "json"],
    ));
    let overdue = overdue.as_array().unwrap();
    assert_eq!(overdue.len(), 82);
    assert!(
        overdue
            .iter()
            .all(|c| c["due_on"].as_str().unwrap() <= "2018-06-17")
    );
    let waiting = show(&db, "2018-06-15", "W1HA201806060051");
    assert_eq!(waiting["due_on"], "2018-06-17");
    assert_eq!(waiting["clock"], "剩2天");
    let repeat = show(&db, "2018-06-15", "D1HA201806060010");
    assert_eq!(repeat["suggested_repeat_of"], "D1HA201806050047");
    assert_eq!(
        repeat["clock"], "按期反馈",
        "its feedback came with the list on 06-14"
    );

    let again = rectify_at(&db, "2018-06-21", &["complaint", "import", FIXED]);
    assert!(
        again.contains("新增 0 件，更新反馈 0 件，未变 120 件"),
        "{again}"
    );

    rectify_at(
        &db,
        "2018-06-20",
        &[
            "complaint",
            "update",
            "W1HA201806060051",
            "--state",
            "已办结",
            "--verdict",
            "属实",
            "--result",
            "责令停产整治",
            "--measures",
            "1,1,50000,0,0,1,0",
        ],
    );
    let late = show(&db, "2018-06-30", "W1HA201806060051");
    assert_eq!(late["clock"], "迟报3天");
    assert_eq!(late["feedback"]["counts"]["penalty_yuan"], "50000");
    let bad = run(
        &db,
        &[
            "complaint",
            "update",
            "D1HA201806060010",
            "--measures",
            "1,1,五万,0,0,1,0",
        ],
    );
    // A bad figure is a bad flag, refused before the database is touched, naming the field.
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("罚款（元）“五万”"));
    let history = rectify_at(&db, "2018-06-30", &["audit", "verify"]);
    // 120 complaints, the file, one update; the re-import that changed nothing left no trace.
    assert!(history.contains("审计日志完整：共 122 条"), "{history}");
}

/// A batch as a CSV file: title, 交办时间 line, header with the private contact column, rows.
fn csv_batch(
    dir: &std::path::Path,
    name: &str,
    batch: u32,
    on: &str,
    rows: &[[&str; 6]],
) -> String {
    let mut text = format!(
        "中央第一生态环境保护督察组交办群众信访举报件（第{batch}批）\n交办时间：{on}\n序号,受理编号,交办问题基本情况,行政区域,污染类型,联系方式,调查核实情况,是否属实,处理和整改情况,责任人被处理情况,办理状态\n"
    );
    for (i, [no, text_, region, types, contact, state]) in rows.iter().enumerate() {
        let feedback = if state.is_empty() {
            ",,,,".to_string()
        } else {
            format!("经现场核查，{text_}情况属实,属实,已责令整改,无,{state}")
        };
        text.push_str(&format!(
            "{},{no},{text_},{region},{types},{contact},{feedback}\n",
            i + 1
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn the_clock_counts_calendar_or_working_days_across_the_dragon_boat_holiday() {
    let (dir, db) = fresh();
    // Working days: 06-13, 06-14, 06-15, (16–18 端午), 06-19, 06-20. Calendar days run through
    // the holiday.
    let cases = [
        (4, "D1HA201806110001", &["--working-days"][..], "2018-06-20"),
        (5, "D1HA201806110002", &[][..], "2018-06-17"),
    ];
    for (batch, received_no, mode, due) in cases {
        let rows = [[
            received_no,
            "城关区某小区附近烧烤油烟扰民",
            "城关区",
            "大气",
            "",
            "",
        ]];
        let name = format!("b{batch}.csv");
        let file = csv_batch(dir.path(), &name, batch, "2018年6月12日", &rows);
        let mut args = vec!["complaint", "import", &file, "--days", "5"];
        args.extend(mode);
        rectify_at(&db, "2018-06-12", &args);
        assert_eq!(
            show(&db, "2018-06-12", received_no)["due_on"],
            due,
            "{mode:?}"
        );
    }
}

fn drawn(out: &str) -> Vec<String> {
    out.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn spot_checks_reproduce_from_their_seed_and_two_returns_make_a_candidate() {
    let (_a, one) = imported();
    let (_b, two) = imported();
    let first = drawn(&rectify_at(
        &one,
        "2018-06-22",
        &[
            "complaint",
            "spotcheck",
            "draw",
            "--seed",
            "99",
            "--size",
            "8",
        ],
    ));
    let second = drawn(&rectify_at(
        &two,
        "2018-06-22",
        &[
            "complaint",
            "spotcheck",
            "draw",
            "--seed",
            "99",
            "--size",
            "8",
        ],
    ));
    assert_eq!(first.len(), 8);
    assert_eq!(first, second, "same seed, same sample in another database");
    let other = drawn(&rectify_at(
        &two,
        "2018-06-22",
        &[
            "complaint",
            "spotcheck",
            "draw",
            "--seed",
            "100",
            "--size",
            "8",
        ],
    ));
    assert_ne!(first, other);

    let target = first[0].clone();
    let outsider = run(
        &one,
        &[
            "complaint",
            "spotcheck",
            "mark",
            "1",
            "D1HA201806030048X",
            "--verdict",
            "合格",
        ],
    );
    assert_eq!(outsider.status.code(), Some(1));
    let no_reason = run(
        &one,
        &[
            "complaint",
            "spotcheck",
            "mark",
            "1",
            &target,
            "--verdict",
            "不合格",
        ],
    );
    assert_eq!(
        no_reason.status.code(),
        Some(1),
        "a failure needs its reason"
    );
    rectify_at(
        &one,
        "2018-06-22",
        &[
            "complaint",
            "spotcheck",
            "mark",
            "1",
            &target,
            "--verdict",
            "不合格",
            "--reason",
            "无整改方案",
        ],
    );
    let returned = show(&one, "2018-06-22", &target);
    assert_eq!(returned["returns"], 1);
    assert_eq!(returned["feedback"]["handling"], "正在办理");
    assert_eq!(
        returned["due_on"], "2018-07-02",
        "re-handled within the batch's 10 days"
    );
    let list = rectify_at(
        &one,
        "2018-06-22",
        &["accountability", "list", "--format", "json"],
    );
    assert!(!list.contains(&target), "one return is not yet a candidate");

    rectify_at(
        &one,
        "2018-06-28",
        &[
            "complaint",
            "update",
            &target,
            "--state",
            "已办结",
            "--result",
            "补充整改方案",
        ],
    );
    let everything = drawn(&rectify_at(
        &one,
        "2018-06-29",
        &[
            "complaint",
            "spotcheck",
            "draw",
            "--seed",
            "7",
            "--size",
            "1000",
        ],
    ));
    assert!(everything.contains(&target));
    rectify_at(
        &one,
        "2018-06-29",
        &[
            "complaint",
            "spotcheck",
            "mark",
            "2",
            &target,
            "--verdict",
            "不合格",
            "--reason",
            "整改方案未落实",
        ],
    );
    let list = json(&rectify_at(
        &one,
        "2018-06-29",
        &["accountability", "list", "--format", "json"],
    ));
    let candidate = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c.to_string().contains(&target))
        .expect("the handling unit is a candidate after two returns");
    assert!(
        candidate.to_string().contains("退回重办 2 次"),
        "{candidate}"
    );
}

/// Every page reachable from the portal's front page by its own links.
fn crawl(server: &Server) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut queue = vec!["/public".to_string()];
    let mut pages = Vec::new();
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let (status, _, body) = server.get(&path);
        assert_eq!(status, 200, "{path}");
        for link in body
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            if link.starts_with("/public") && !seen.contains(link) {
                queue.push(link.to_string());
            }
        }
        pages.push((path, body));
    }
    pages
}

#[test]
fn the_portal_never_serves_a_private_or_unpublished_string() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    ok(&run(&db, &["demo"]));
    let private_rows = [[
        "D1HA202611270001",
        "丰乐县马村镇马村一家塑料颗粒厂夜间焚烧废塑料，举报人欧阳锋，电话13912345678，住幸福路8号院3号楼",
        "丰乐县",
        "大气",
        "欧阳锋 13912345678",
        "已办结",
    ]];
    let published = csv_batch(dir.path(), "b4.csv", 4, "2026年11月27日", &private_rows);
    rectify_at(&db, "2026-11-28", &["complaint", "import", &published]);
    let unpublished_rows = [[
        "D1HA202611270002",
        "未发布批次描述UNPUBLISHED7Q",
        "城关区",
        "水",
        "",
        "已办结",
    ]];
    let unpublished = csv_batch(dir.path(), "b5.csv", 5, "2026年11月27日", &unpublished_rows);
    rectify_at(&db, "2026-11-28", &["complaint", "import", &unpublished]);
    rectify_at(
        &db,
        "2026-11-28",
        &[
            "complaint",
            "update",
            "D1HA202611270001",
            "--follow-up",
            "回访私密RX31",
        ],
    );
    rectify_at(
        &db,
        "2026-11-28",
        &[
            "item",
            "object",
            "14",
            "--as",
            "zgb",
            "--source",
            "电话",
            "--content",
            "公示异议内容ABC",
            "--contact",
            "私密联系人甲13811112222",
        ],
    );
    // A register entry with its people, address, code and coordinates, which stay private.
    let register = dir.path().join("slw.csv");
    std::fs::write(
        &register,
        "名称,统一社会信用代码,地址,所在县（区）,乡镇（街道）,经度,纬度,问题类型,整治类型,包保责任人,网格员\n\
         公开名称LEAK9石料厂,91440300708461136T,私密地址幸福路999号,丰乐县政府,马村镇,116.123456,34.654321,乱、污,关停取缔,包保私密人TQ88,网格员私密PQ55\n",
    )
    .unwrap();
    rectify_at(
        &db,
        "2026-11-28",
        &[
            "register",
            "import",
            "--kind",
            "scattered",
            &register.to_string_lossy(),
        ],
    );
    let preview = rectify_at(
        &db,
        "2026-11-28",
        &["publish", "preview", "--batches", "1,2,3,4"],
    );
    assert!(preview.contains("欧阳锋 → 欧某"), "{preview}");
    assert!(preview.contains("13912345678 → ＊＊"), "{preview}");
    rectify_at(
        &db,
        "2026-11-28",
        &["publish", "approve", "--batches", "1,2,3,4"],
    );

    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            "../rectify-io/tests/data/complaints-batches-sample.expected.json",
        )
        .unwrap(),
    )
    .unwrap();
    let mut secrets: Vec<String> = fixture["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["private_strings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
        })
        .collect();
    secrets.extend(
        [
            "欧阳锋",
            "13912345678",
            "8号院",
            "UNPUBLISHED7Q",
            "回访私密RX31",
            "私密联系人甲",
            "13811112222",
            "公示异议内容ABC",
            "王建设",
            "13700001234",
            "私密地址幸福路999号",
            "91440300708461136T",
            "116.123456",
            "包保私密人TQ88",
            "网格员私密PQ55",
        ]
        .map(String::from),
    );
    let server = Server::start(&db, &["serve"]);
    let pages = crawl(&server);
    let paths: Vec<&str> = pages.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        "/public",
        "/public/items",
        "/public/notices",
        "/public/signed-off",
        "/public/complaints",
        "/public/environment",
        "/public/registers",
    ] {
        assert!(paths.contains(&expected), "{expected} is linked: {paths:?}");
    }
    for (path, body) in &pages {
        for secret in &secrets {
            assert!(!body.contains(secret.as_str()), "{path} leaks {secret}");
        }
        if path == "/public/notices" {
            // Notices are public the moment they are recorded: that page is live (#21).
            assert!(body.contains("即时更新"), "{path} says it is live");
        } else if path.starts_with("/public") {
            assert!(
                body.contains("数据截至 2026-11-28"),
                "{path} carries its snapshot date"
            );
        }
    }
    let complaints = &pages
        .iter()
        .find(|(p, _)| p == "/public/complaints")
        .unwrap()
        .1;
    assert!(
        complaints.contains("欧某"),
        "the published complaint is there, redacted"
    );
    assert!(complaints.contains("D1HA202611270001"));
    let registers = &pages
        .iter()
        .find(|(p, _)| p == "/public/registers")
        .unwrap()
        .1;
    assert!(
        registers.contains("公开名称LEAK9石料厂") && registers.contains("马村镇"),
        "the entry is published by name and place"
    );
    assert!(
        !complaints.contains("D1HA202611270002"),
        "batch 5 was not chosen"
    );

    let (_, head, _) = server.get("/public/items");
    let tag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .unwrap()
        .to_string();
    assert!(head.contains("cache-control: public"));
    let (status, _, _) = server.request(
        "GET",
        "/public/items",
        &[("If-None-Match", tag.as_str())],
        b"",
    );
    assert_eq!(status, 304);
    // A new approval (version 3: the demo published 1) replaces what the running portal
    // serves; it caches per version.
    rectify_at(
        &db,
        "2026-11-29",
        &["publish", "approve", "--parts", "items"],
    );
    let (_, _, front) = server.get("/public");
    assert!(front.contains("数据截至 2026-11-29（第 3 版"), "{front}");
    let (_, _, complaints) = server.get("/public/complaints");
    assert!(
        !complaints.contains("D1HA202611270001"),
        "complaints were not chosen this time"
    );
    let (status, _, body) = server.request("GET", "/complaints", &[], b"");
    assert!(
        status == 303 || body.is_empty(),
        "office pages still need a login"
    );
}

#[test]
fn objections_enter_the_workflow_and_a_flood_is_throttled() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    ok(&run(&db, &["demo"]));
    // A notice opened today, whatever day the suite runs.
    let opinion = dir.path().join("验收意见.pdf");
    std::fs::write(&opinion, b"%PDF-1.4 acceptance opinion").unwrap();
    let opinion = opinion.to_string_lossy().into_owned();
    ok(&run(
        &db,
        &[
            "item",
            "accept",
            "16",
            "--as",
            "yanshou",
            "--opinion",
            "验收合格",
            "--evidence",
            &opinion,
        ],
    ));
    ok(&run(&db, &["publish", "approve"]));
    let server = Server::start(&db, &["serve"]);
    let (_, _, notices) = server.get("/public/notices");
    assert!(notices.contains("第16项"), "the new notice is published");
    let plan = "河安市“回头看”整改方案";
    let post = |content: &str, website: &str| {
        let body = form_body(&[
            ("plan", plan),
            ("number", "16"),
            ("content", content),
            ("contact", "13600000000"),
            ("website", website),
        ]);
        let headers = [("Content-Type", "application/x-www-form-urlencoded")];
        server
            .request("POST", "/public/objections", &headers, body.as_bytes())
            .0
    };
    assert_eq!(
        post("工地围挡不连续，夜间仍有扬尘", "http://spam.example"),
        303,
        "a bot is answered like a person"
    );
    let statuses: Vec<u16> = (0..99)
        .map(|i| post(&format!("第{i}条：裸土未覆盖，请核查"), ""))
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 303).count(),
        4,
        "five posts an hour, the bot's included"
    );
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 95);
    assert!(statuses[..4].iter().all(|&s| s == 303));
    for path in ["/public/notices", "/healthz", "/login"] {
        assert_eq!(server.get(path).0, 200, "{path} still serves");
    }
    let history = rectify_at(&db, "2026-11-29", &["item", "history", "16"]);
    // Four stored: the four people answered 303 within the hour's five, not the honeypot's
    // post, which was answered 303 too but dropped (five would be stored otherwise).
    assert_eq!(history.matches("portal\tobject").count(), 4, "{history}");
}

#[test]
fn postgres_gives_the_same_register_sample_and_candidates_as_sqlite() {
    let (_dir, lite) = imported();
    let pg = rectify_testkit::postgres_url();
    ok(&run(&pg, &["init"]));
    rectify_at(
        &pg,
        "2018-06-20",
        &["complaint", "import", FIXED, "--reported-on", "2018-06-14"],
    );
    let list = |db: &str| rectify_at(db, "2018-06-20", &["complaint", "list", "--format", "json"]);
    assert_eq!(list(&lite), list(&pg));
    let draw = |db: &str| {
        rectify_at(
            db,
            "2018-06-22",
            &[
                "complaint",
                "spotcheck",
                "draw",
                "--seed",
                "31",
                "--size",
                "6",
            ],
        )
    };
    let sample = drawn(&draw(&lite));
    assert_eq!(sample, drawn(&draw(&pg)));
    for db in [&lite, &pg] {
        rectify_at(
            db,
            "2018-06-22",
            &[
                "complaint",
                "spotcheck",
                "mark",
                "1",
                &sample[0],
                "--verdict",
                "不合格",
                "--reason",
                "无整改方案",
            ],
        );
        rectify_at(
            db,
            "2018-06-23",
            &["publish", "approve", "--parts", "complaints"],
        );
    }
    let shown = |db: &str| {
        rectify_at(
            db,
            "2018-06-23",
            &["complaint", "show", &sample[0], "--format", "json"],
        )
    };
    assert_eq!(shown(&lite), shown(&pg));
    assert!(rectify_at(&pg, "2018-06-23", &["publish", "list"]).contains("第 1 版"));
    assert!(rectify_at(&pg, "2018-06-23", &["audit", "verify"]).contains("审计日志完整"));
}

/// The #20 layouts, written by scripts/transfer_fixtures.py.
fn layout(file: &str) -> String {
    format!(
        "{}/../rectify-io/tests/data/transfer/{file}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn a_dry_run_in_json_names_exactly_the_one_empty_region() {
    let (_dir, db) = fresh();
    let file = layout("synonyms-defects.csv");
    let out = run(
        &db,
        &[
            "complaint",
            "import",
            &file,
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let report = json(&String::from_utf8_lossy(&out.stdout));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{report}");
    assert_eq!(errors[0]["sheet"], "synonyms-defects");
    assert_eq!(errors[0]["column"], "D");
    assert_eq!(errors[0]["row"], 7);
    assert_eq!(errors[0]["field"], "行政区域");
    assert_eq!(report["warnings"], serde_json::json!([]), "{report}");
}

#[test]
fn batch_and_transfer_date_from_the_command_line_when_the_list_has_none() {
    let (_dir, db) = fresh();
    let file = layout("no-batch.csv");
    let refused = run(&db, &["complaint", "import", &file, "--dry-run"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("无法确定批次"), "{stderr}");
    assert!(stderr.contains("工作表名（如“第3批”）"), "{stderr}");
    let out = rectify_at(
        &db,
        "2018-06-20",
        &[
            "complaint",
            "import",
            &file,
            "--batch",
            "7",
            "--transferred-on",
            "2018-06-15",
            "--source",
            "中央第一生态环境保护督察组",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    let report = json(&out);
    assert_eq!(
        report["batches"],
        serde_json::json!([{ "batch": 7, "transferred_on": "2018-06-15", "complaints": 2 }])
    );
    assert_eq!(report["summary"]["added"], 2);
}

#[test]
fn batches_on_one_sheet_import_and_a_resent_list_shows_what_changed() {
    let (dir, db) = fresh();
    let out = rectify_at(
        &db,
        "2018-06-20",
        &["complaint", "import", &layout("combined-batches.xlsx")],
    );
    assert!(out.contains("新增 5 件"), "{out}");
    let first = show(&db, "2018-06-20", "D1HA201806030101");
    assert_eq!(first["batch"], 1);
    assert_eq!(first["region"], "城关区");
    assert_eq!(first["key_case"], true, "重点件 in 备注");
    assert_eq!(
        first["extras"],
        serde_json::json!([{ "label": "备注", "text": "重点件" }])
    );
    let text = rectify_at(
        &db,
        "2018-06-20",
        &["complaint", "show", "D1HA201806030101"],
    );
    assert!(
        text.contains("重点件：是\n备注：重点件"),
        "the extra column in the text view: {text}"
    );
    let second_batch = show(&db, "2018-06-20", "W1HA201806100202");
    assert_eq!(second_batch["batch"], 2);
    assert_eq!(second_batch["seq"], 2);
    assert_eq!(second_batch["transferred_on"], "2018-06-12");

    let csv = layout("synonyms.csv");
    rectify_at(&db, "2018-06-20", &["complaint", "import", &csv]);
    let original = std::fs::read_to_string(&csv).unwrap();
    assert!(original.contains("部分属实"));
    // The unit's 一览表 figures, which no transfer list carries, survive the re-sent list.
    rectify_at(
        &db,
        "2018-06-20",
        &[
            "complaint",
            "update",
            "D1HA201806090601",
            "--measures",
            "1,0,800.5,0,0,2,0,1",
        ],
    );
    let resent = dir.path().join("synonyms-resent.csv");
    std::fs::write(&resent, original.replace("部分属实", "属实")).unwrap();
    let again = rectify_at(
        &db,
        "2018-06-21",
        &["complaint", "import", &resent.to_string_lossy()],
    );
    assert!(
        again.contains("新增 0 件，更新反馈 1 件，未变 2 件"),
        "{again}"
    );
    assert!(
        again.contains("反馈更新 D1HA201806090601：是否属实“部分属实”→“属实”"),
        "{again}"
    );
    let shown = show(&db, "2018-06-21", "D1HA201806090601");
    assert_eq!(shown["feedback"]["verdict"], "属实");
    assert_eq!(shown["feedback"]["counts"]["penalty_yuan"], "800.5");
    assert_eq!(shown["feedback"]["counts"]["transferred"], 1);
}
