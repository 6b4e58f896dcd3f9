//! `rectify register` on the demo database: a bad sheet writes nothing, an export imports back
//! unchanged, a plot cannot skip its risk assessment, and a site's failed inspection sets a
//! deadline that only a passing re-inspection clears.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

mod common;

use common::{BIN, rectify_at};
use std::path::Path;
use std::process::Command;

const TODAY: &str = "2026-12-07";

fn run(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RECTIFY_NOW", format!("{TODAY}T10:00:00+08:00"))
        .output()
        .unwrap()
}

fn journal_length(db: &str) -> usize {
    let out = rectify_at(db, TODAY, &["audit", "verify"]);
    // "审计日志完整：共 N 条，…"
    out.split("共 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"))
}

fn write_csv(path: &Path, rows: &[&[&str]]) {
    let text: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
    std::fs::write(path, text.join("\n")).unwrap();
}

/// The id of the entry of `kind` named `name` (the demo has registers of its own).
fn id_of(db: &str, kind: &str, name: &str) -> String {
    let listed = rectify_at(
        db,
        TODAY,
        &["register", "list", "--kind", kind, "--format", "json"],
    );
    let entries: serde_json::Value = serde_json::from_str(&listed).unwrap();
    entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .map(|e| e["id"].to_string())
        .unwrap_or_else(|| panic!("no {kind} named {name}"))
}

/// Generates the period's first bulletin (html and xlsx) into `out` on 2026-12-01 and returns
/// the html.
fn bulletin_html(db: &str, out: &str, period: &str) -> String {
    rectify_at(
        db,
        "2026-12-01",
        &[
            "bulletin",
            "--period",
            period,
            "--out",
            out,
            "--format",
            "html,xlsx",
        ],
    );
    std::fs::read_to_string(Path::new(out).join(format!("整改进展通报-{period}-第1版.html")))
        .unwrap()
}

fn demo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some(TODAY));
    (dir, db)
}

#[test]
fn a_bad_sheet_writes_nothing_and_an_export_imports_back_unchanged() {
    let (dir, db) = demo();
    let file = dir.path().join("plots.csv");
    let plots = |state: &str, planned_use: &str| {
        write_csv(
            &file,
            &[
                &["名称", "所在县（区）", "状态", "规划用途", "面积（平方米）"],
                &[
                    "原北岭磷肥厂地块",
                    "北岭县政府",
                    "疑似",
                    "第一类用地",
                    "48200",
                ],
                &[
                    "原南川焦化厂地块",
                    "南川县政府",
                    state,
                    planned_use,
                    "120000",
                ],
            ],
        )
    };
    plots("已修复", "工业用地");
    let before = journal_length(&db);
    let out = run(
        &db,
        &[
            "register",
            "import",
            "--kind",
            "plot",
            &file.to_string_lossy(),
        ],
    );
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("C3（状态）")
            && said.contains("D3（规划用途）")
            && said.contains("未导入任何条目"),
        "{said}"
    );
    assert_eq!(journal_length(&db), before, "nothing written");

    plots("详细调查", "第二类用地");
    let said = rectify_at(
        &db,
        TODAY,
        &[
            "register",
            "import",
            "--kind",
            "污染地块",
            &file.to_string_lossy(),
        ],
    );
    assert!(said.contains("新增 2 条"), "{said}");
    let export = dir.path().join("plots.xlsx").to_string_lossy().into_owned();
    rectify_at(
        &db,
        TODAY,
        &["register", "export", "--kind", "plot", "--out", &export],
    );
    let again = rectify_at(
        &db,
        TODAY,
        &["register", "import", "--kind", "plot", &export],
    );
    assert!(
        again.contains("新增 0 条，更新 0 条，未变 7 条"),
        "the two added and the demo's five: {again}"
    );

    // The detailed survey cannot skip the risk assessment.
    let id = id_of(&db, "plot", "原南川焦化厂地块");
    let out = run(&db, &["register", "move", &id, "--to", "列入名录"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("不能从“详细调查”直接转为“列入名录”（可转为：风险评估）")
    );
}

#[test]
fn a_failed_site_inspection_stops_the_site_until_the_recheck_passes() {
    let (dir, db) = demo();
    let file = dir.path().join("sites.csv");
    write_csv(
        &file,
        &[
            &[
                "工地名称",
                "所在县（区）",
                "项目类型",
                "施工单位",
                "视频监控在线",
            ],
            &[
                "北岭县妇幼保健院迁建",
                "北岭县政府",
                "建筑",
                "河安建工集团有限公司",
                "是",
            ],
        ],
    );
    rectify_at(
        &db,
        TODAY,
        &[
            "register",
            "import",
            "--kind",
            "site",
            &file.to_string_lossy(),
        ],
    );
    let id = id_of(&db, "site", "北岭县妇幼保健院迁建");
    let inspect = |args: &[&str]| {
        let mut all = vec![
            "register",
            "inspect",
            &id,
            "--by",
            "市住建局执法支队 张某",
            "--checklist",
        ];
        all.extend_from_slice(args);
        run(&db, &all)
    };
    // A failure without a deadline is refused; with one it is recorded.
    let out = inspect(&["--fail", "物料堆放覆盖", "--on", "2026-11-20"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("须规定整改期限"));
    let out = inspect(&[
        "--fail",
        "物料堆放覆盖、出入车辆冲洗",
        "--on",
        "2026-11-20",
        "--deadline",
        "2026-11-25",
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("不合格（物料堆放覆盖；出入车辆冲洗；限2026-11-25前整改）"),
        "{said}"
    );
    // "已记录检查 N：…"
    let failed = said
        .split("已记录检查 ")
        .nth(1)
        .and_then(|rest| rest.split('：').next())
        .unwrap()
        .to_string();
    let out = inspect(&["--fail", "围挡"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("不在检查清单中"));

    rectify_at(
        &db,
        TODAY,
        &[
            "register",
            "move",
            &id,
            "--to",
            "停工整治",
            "--reason",
            "覆盖、冲洗不到位",
        ],
    );
    let out = run(&db, &["register", "move", &id, "--to", "在建"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("尚有1次检查发现的问题未复查通过"));
    let out = inspect(&["--on", "2026-11-26", "--rechecks", &failed]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("合格"));
    rectify_at(&db, TODAY, &["register", "move", &id, "--to", "在建"]);
    let shown = rectify_at(&db, TODAY, &["register", "show", &id, "--format", "json"]);
    let detail: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(detail["state"], "building");
    assert_eq!(detail["inspections"].as_array().unwrap().len(), 2);
    assert!(detail["open_findings"].as_array().unwrap().is_empty());
    // One failing day is not yet repeat offending; the demo's 东湖大道 site failed on three.
    let listed = rectify_at(
        &db,
        TODAY,
        &[
            "register",
            "list",
            "--kind",
            "site",
            "--repeat-offenders",
            "--format",
            "json",
        ],
    );
    let offenders: Vec<String> = serde_json::from_str::<serde_json::Value>(&listed)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(offenders, ["东湖大道快速化改造"]);
}

/// A patrol finds a signed-off 散乱污 site working again: it is reopened, its county lands on
/// the accountability list, and the month's bulletin names the rebound.
#[test]
fn a_rebound_reopens_the_entry_and_shows_in_the_bulletin_and_the_accountability_list() {
    let (dir, db) = demo();
    let file = dir.path().join("slw.csv");
    write_csv(
        &file,
        &[
            &[
                "名称",
                "所在县（区）",
                "地址",
                "问题类型",
                "整治类型",
                "包保责任人",
            ],
            &[
                "孙庄乡再生塑料颗粒厂",
                "北岭县政府",
                "孙庄乡王楼村",
                "乱、污",
                "关停取缔",
                "王某",
            ],
        ],
    );
    rectify_at(
        &db,
        "2026-03-01",
        &[
            "register",
            "import",
            "--kind",
            "scattered",
            &file.to_string_lossy(),
        ],
    );
    let id = id_of(&db, "scattered", "孙庄乡再生塑料颗粒厂");
    let photo = dir.path().join("photo.png");
    std::fs::write(&photo, [0x89, b'P', b'N', b'G', 13, 10, 26, 10]).unwrap();
    let at = |day: &str, args: &[&str]| rectify_at(&db, day, args);
    at("2026-10-08", &["register", "move", &id, "--to", "整治中"]);
    at("2026-10-20", &["register", "move", &id, "--to", "验收"]);
    for kind in ["断水", "断电", "清原料", "清设备", "清产品"] {
        at(
            "2026-10-21",
            &[
                "register",
                "evidence",
                &id,
                &photo.to_string_lossy(),
                "--kind",
                kind,
            ],
        );
    }
    at("2026-10-25", &["register", "move", &id, "--to", "销号"]);
    at("2026-10-26", &["register", "move", &id, "--to", "巡查"]);
    let said = at(
        "2026-11-20",
        &[
            "register",
            "inspect",
            &id,
            "--by",
            "孙庄乡网格员 李某",
            "--activity",
            "--finding",
            "夜间恢复生产",
        ],
    );
    assert!(said.contains("现为“整治中”"), "{said}");

    let listed = at(
        "2026-11-29",
        &["accountability", "list", "--format", "json"],
    );
    assert!(
        listed.contains("北岭县政府主要负责同志")
            && listed.contains("散乱污企业“孙庄乡再生塑料颗粒厂”：2026-11-20 销号后反弹"),
        "{listed}"
    );
    let out = dir.path().join("out").to_string_lossy().into_owned();
    let html = bulletin_html(&db, &out, "2026-11");
    assert!(
        // This one and the demo's two November rebounds (a site and a water body).
        html.contains("专项名录情况") && html.contains("本月发现反弹3处"),
        "{html}"
    );
    assert!(html.contains("孙庄乡再生塑料颗粒厂") && html.contains("夜间恢复生产"));
    // October's bulletin, generated later, shows the entry signed off then, without a rebound.
    let october = bulletin_html(&db, &out, "2026-10");
    assert!(
        october.contains("本月各名录未发现反弹") && !october.contains("孙庄乡再生塑料颗粒厂"),
        "{october}"
    );
}

/// A special inspection reopens a signed-off item through the workflow and a patrolled 散乱污
/// site as a rebound, adds a new problem to the plan, and shows in the month's bulletin.
#[test]
fn a_special_inspection_reopens_items_and_entries_and_adds_a_problem() {
    let (dir, db) = demo();
    let photo = dir.path().join("暗访.png");
    std::fs::write(&photo, [0x89, b'P', b'N', b'G', 13, 10, 26, 10]).unwrap();
    let photo = photo.to_string_lossy().into_owned();
    let at = |day: &str, args: &[&str]| rectify_at(&db, day, args);
    let said = at(
        "2026-11-02",
        &[
            "inspection",
            "open",
            "--as",
            "zgb",
            "--name",
            "散乱污和水源地整改回头看",
            "--mode",
            "明察暗访",
            "--scope",
            "全市已销号问题和散乱污企业",
            "--team",
            "市委督查室暗访组",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-20",
        ],
    );
    let round = said
        .split("明察暗访 ")
        .nth(1)
        .and_then(|r| r.split('：').next())
        .unwrap()
        .to_string();
    let finding = |args: &[&str]| {
        let mut all = vec![
            "inspection",
            "finding",
            &round,
            "--as",
            "zgb",
            "--file",
            &photo,
        ];
        all.extend_from_slice(args);
        run(&db, &all)
    };
    // Item 38 was signed off in July.
    let out = finding(&[
        "--on",
        "2026-11-05",
        "--outcome",
        "重新打开",
        "--item",
        "38",
        "--description",
        "整改点位再次出现违规排放",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let item = at("2026-11-29", &["item", "status", "38", "--as", "zgb"]);
    assert!(item.contains("已重开"), "{item}");
    // A patrolled site without a rebound so far.
    let listed = at(
        "2026-11-29",
        &[
            "register",
            "list",
            "--kind",
            "scattered",
            "--state",
            "巡查",
            "--format",
            "json",
        ],
    );
    let entries: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let site = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rebounds"] == 0)
        .unwrap();
    let id = site["id"].to_string();
    let out = finding(&[
        "--on",
        "2026-11-06",
        "--outcome",
        "重新打开",
        "--entry",
        &id,
        "--description",
        "夜间偷偷恢复生产",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = at("2026-11-29", &["register", "show", &id, "--format", "json"]);
    let detail: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        (detail["state"].as_str(), detail["rebounds"].as_u64()),
        (Some("remediating"), Some(1))
    );
    // A new problem becomes the plan's next item; a reopen without a target is refused.
    let out = finding(&[
        "--on",
        "2026-11-07",
        "--outcome",
        "新增问题",
        "--description",
        "城东河沿岸新增3处养殖废水直排口",
        "--unit",
        "北岭县政府",
        "--deadline",
        "2027年3月底前",
    ]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("已列为") && said.contains("第46项"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = finding(&[
        "--on",
        "2026-11-08",
        "--outcome",
        "重新打开",
        "--description",
        "无对象",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("须指明整改问题或名录条目"));
    let out = finding(&[
        "--on",
        "2026-12-01",
        "--outcome",
        "符合要求",
        "--description",
        "期后",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("不在督察期间"));

    let out_dir = dir.path().join("out").to_string_lossy().into_owned();
    let html = bulletin_html(&db, &out_dir, "2026-11");
    assert!(
        html.contains("专项督察情况") && html.contains("散乱污和水源地整改回头看"),
        "{html}"
    );
    assert!(html.contains("新增问题") && html.contains("养殖废水直排口"));
    let listed = at(
        "2026-11-29",
        &["accountability", "list", "--format", "json"],
    );
    assert!(listed.contains("第38项：销号后重新打开"), "{listed}");
}

/// Every county's coal status through October 2026, as JSON.
fn coal_status(db: &str) -> String {
    rectify_at(
        db,
        TODAY,
        &[
            "coal",
            "status",
            "--year",
            "2026",
            "--through",
            "10",
            "--json",
        ],
    )
}

/// The demo's coal figures: 北岭县 runs ahead of its seasonal pro-rata cap and 丰乐县 behind its
/// clean heating; the bulletin shows each county through the latest month reported.
#[test]
fn coal_use_and_clean_heating_are_warned_and_shown_in_the_bulletin() {
    let (dir, db) = demo();
    let status = coal_status(&db);
    let counties: serde_json::Value = serde_json::from_str(&status).unwrap();
    let warnings = |name: &str| {
        counties
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["county"] == name)
            .map(|c| c["warnings"].to_string())
            .unwrap()
    };
    assert!(warnings("北岭县政府").contains("超过序时进度"), "{status}");
    assert!(
        warnings("丰乐县政府").contains("清洁取暖改造300户"),
        "{status}"
    );
    assert_eq!(warnings("城关区政府"), "[]");
    // November's figure for 北岭县 comes in; the bulletin counts through November for it only.
    rectify_at(
        &db,
        TODAY,
        &[
            "coal",
            "record",
            "--county",
            "北岭县政府",
            "--year",
            "2026",
            "--month",
            "11",
            "--tons",
            "18.6",
        ],
    );
    let out = dir.path().join("out").to_string_lossy().into_owned();
    let html = bulletin_html(&db, &out, "2026-11");
    assert!(html.contains("煤炭消费与清洁取暖"), "{html}");
    assert!(
        html.contains("<td>北岭县政府</td><td>11月</td>")
            && html.contains("<td>城关区政府</td><td>10月</td>"),
        "{html}"
    );
    assert!(html.contains("丰乐县政府：清洁取暖改造300户"));
    // The annex carries the registers, the inspections and the coal as sheets of their own.
    let annex = std::fs::read(Path::new(&out).join("整改进展通报-2026-11-第1版.xlsx")).unwrap();
    let sheets = rectify_io::plan::read_sheets(
        &annex,
        rectify_io::plan::SheetFormat::Xlsx,
        "annex.xlsx",
        &rectify_io::plan::SheetLimits::default(),
    )
    .unwrap();
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    for sheet in ["名录月报", "专项督察", "煤炭消费"] {
        assert!(names.contains(&sheet), "{names:?}");
    }
    // Thirteen sections, numbered on past ten.
    assert!(
        html.contains("十一、煤炭消费与清洁取暖") && html.contains("十三、说明"),
        "{html}"
    );
}

/// The coal workbook: an export imports into a fresh copy and gives the same status; a bad
/// workbook names its cells and writes nothing.
#[test]
fn the_coal_workbook_round_trips_and_a_bad_one_writes_nothing() {
    let (dir, db) = demo();
    let file = dir.path().join("coal.xlsx").to_string_lossy().into_owned();
    rectify_at(
        &db,
        TODAY,
        &["coal", "export", "--year", "2026", "--out", &file],
    );
    let before = coal_status(&db);
    // Figures and a target change; importing the export restores every one of them.
    rectify_at(
        &db,
        TODAY,
        &[
            "coal",
            "record",
            "--county",
            "城关区政府",
            "--year",
            "2026",
            "--month",
            "3",
            "--tons",
            "99",
        ],
    );
    rectify_at(
        &db,
        TODAY,
        &[
            "coal",
            "target",
            "--county",
            "丰乐县政府",
            "--year",
            "2026",
            "--cap",
            "1",
            "--gas",
            "0",
        ],
    );
    let changed = coal_status(&db);
    assert_ne!(before, changed);
    let said = rectify_at(&db, TODAY, &["coal", "import", &file]);
    assert!(
        said.contains("已导入月度消费 60 条、年度目标 6 条"),
        "{said}"
    );
    let after = coal_status(&db);
    assert_eq!(before, after);
    // A bad workbook: a word for a number, a month missing its county.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "县（区）,年度,月份,煤炭消费量（万吨）\n北岭县政府,2026,11,很多\n,2026,12,3.5\n北岭县政府,2026,12,4\n",
    )
    .unwrap();
    let journal = journal_length(&db);
    let out = run(&db, &["coal", "import", &bad.to_string_lossy()]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("D2（煤炭消费量（万吨））") && said.contains("A3（县（区））"),
        "{said}"
    );
    assert_eq!(journal_length(&db), journal, "nothing written");
}
