//! Issue #18, the portal's part: what the public may read and post. Personal data in item and
//! complaint texts is redacted before publication (findings 7 and 8); objections reach only
//! the notices running today, which are public the moment they are recorded (16, #21), and a flood of them writes no row per post (15).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::process::Command;

mod common;

use common::{BIN, Server, ok};

/// The demo, on the tests' clock, in a fresh directory.
fn demo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    ok(&common::rectify(&["--db", &db, "demo"]));
    (dir, db)
}

fn run(db: &str, args: &[&str]) -> std::process::Output {
    common::at_test_clock(&mut Command::new(BIN))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

/// Finding 7: a plan item whose texts name a complainant and give numbers; its officials are
/// named as the plan names them, in their role.
#[test]
fn item_texts_are_redacted_on_the_portal_and_officials_stay() {
    let (dir, db) = demo();
    let plan = dir.path().join("plan.csv");
    std::fs::write(
        &plan,
        "序号,共性/个性,问题类别,反馈问题,整改目标,整改措施,责任领导,监管人,责任单位,整改时限\n\
         1,个性,水污染,群众举报人陈小军（电话13837561294）反映化工园区污水直排，\
         联系人：周红霞，0391-6152287。,举报人陈小军反映的排口全部封堵，由副市长王建国负责督办，回访电话15993721680,\
         1.封堵排口。,王建国（副市长）,李明（市生态环境局局长）,市生态环境局（牵头）,2027年6月底前\n",
    )
    .unwrap();
    ok(&run(
        &db,
        &[
            "plan",
            "import",
            &plan.to_string_lossy(),
            "--plan",
            "隐私测试方案",
        ],
    ));
    ok(&run(&db, &["publish", "approve", "--parts", "items"]));
    let server = Server::start(&db, &["serve"]);
    let (status, _, page) = server.get("/public/items");
    assert_eq!(status, 200);
    assert!(page.contains("化工园区污水直排"), "the item is published");
    for secret in ["陈小军", "13837561294", "周红霞", "6152287", "15993721680"] {
        assert!(!page.contains(secret), "/public/items leaks {secret}");
    }
    assert!(page.contains("陈某"), "the complainant is anonymised");
    assert!(
        page.contains("由副市长王建国负责督办"),
        "an official named in his role stays"
    );
    let published = ok(&run(
        &db,
        &["publish", "preview", "--parts", "items", "--format", "json"],
    ));
    assert!(
        published.contains("王建国（副市长）"),
        "the responsible leader is published as the plan names him"
    );
}

/// Finding 8: complaint texts phrased unlike the shared sample — names after roles, relations
/// and 叫, numbers with separators, full-width digits, +86, landlines, accounts and ID numbers.
#[test]
fn complaint_texts_lose_every_personal_datum_and_the_preview_lists_what_is_left() {
    let (dir, db) = demo();
    let description = "丰乐县马村镇一家塑料厂夜间焚烧废塑料，该村环保网格组长刘建军多次到现场，\
        家长代表孙秀英称孩子咳嗽，老板叫钱大勇，举报电话138-3756-1294，另一电话139 1234 5678，\
        １３６１１１１２２２２，+86 137 0000 1234，座机（0391）6152287，微信：zhangsan_88，\
        QQ 123456789，身份证41030219800101123X，据了解，黄海波来电说夜里也施工";
    let list = dir.path().join("b4.csv");
    std::fs::write(
        &list,
        format!(
            "中央第一生态环境保护督察组交办群众信访举报件（第4批）\n交办时间：2026年11月27日\n\
             序号,受理编号,交办问题基本情况,行政区域,污染类型,联系方式,调查核实情况,是否属实,处理和整改情况,责任人被处理情况,办理状态\n\
             1,D1HA202611270001,{description},丰乐县,大气,,经现场核查情况属实,属实,已责令整改,无,已办结\n"
        ),
    )
    .unwrap();
    ok(&run(&db, &["complaint", "import", &list.to_string_lossy()]));
    let preview = ok(&run(&db, &["publish", "preview", "--parts", "complaints"]));
    let listed: Vec<&str> = preview
        .lines()
        .skip_while(|l| !l.starts_with("疑似人名"))
        .filter(|l| l.contains("D1HA202611270001"))
        .collect();
    assert_eq!(
        listed,
        ["  D1HA202611270001  黄海波"],
        "the name the rules cannot tell from a word is listed for the office: {preview}"
    );
    let server = Server::start(&db, &["serve"]);
    let office = common::web_session(&db, &server, "zgb");
    let (_, _, page) = server.request("GET", "/publish", &[("Cookie", &office)], b"");
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains("疑似人名（") && page.contains("<td>黄海波</td>"),
        "the web preview lists it too"
    );
    ok(&run(
        &db,
        &[
            "publish",
            "approve",
            "--parts",
            "complaints",
            "--redact",
            "黄海波",
        ],
    ));
    let (status, _, public) = server.get("/public/complaints");
    assert_eq!(status, 200);
    assert!(
        public.contains("D1HA202611270001"),
        "the complaint is published"
    );
    for secret in [
        "刘建军",
        "孙秀英",
        "钱大勇",
        "黄海波",
        "138-3756-1294",
        "139 1234 5678",
        "１３６１１１１２２２２",
        "137 0000 1234",
        "6152287",
        "zhangsan_88",
        "123456789",
        "41030219800101123X",
    ] {
        assert!(
            !public.contains(secret),
            "/public/complaints leaks {secret}"
        );
    }
    assert!(public.contains("组长刘某") && public.contains("老板叫钱某"));
}

/// The rows of every table of a SQLite database, summed.
fn rows(db: &str) -> u64 {
    let sqlite = |sql: &str| ok(&Command::new("sqlite3").args([db, sql]).output().unwrap());
    let tables = sqlite("SELECT name FROM sqlite_master WHERE type = 'table'");
    let counts: Vec<String> = tables
        .lines()
        .map(|t| format!("(SELECT COUNT(*) FROM \"{t}\")"))
        .collect();
    sqlite(&format!("SELECT {}", counts.join(" + ")))
        .trim()
        .parse()
        .unwrap()
}

/// An anonymous objection to item 16 from the portal's form; the response status.
fn object(server: &Server, content: &str) -> u16 {
    let body = common::form_body(&[
        ("plan", "河安市“回头看”整改方案"),
        ("number", "16"),
        ("content", content),
        ("contact", ""),
        ("website", ""),
    ]);
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    server
        .request("POST", "/public/objections", &headers, body.as_bytes())
        .0
}

/// Item 16 put on notice today (验收通过), not yet published.
fn notice_unpublished() -> (tempfile::TempDir, String) {
    let (dir, db) = demo();
    let opinion = dir.path().join("验收意见.pdf");
    std::fs::write(&opinion, b"%PDF-1.4 acceptance opinion").unwrap();
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
            &opinion.to_string_lossy(),
        ],
    ));
    (dir, db)
}

fn portal_objections(db: &str) -> usize {
    ok(&run(db, &["item", "history", "16"]))
        .matches("portal\tobject")
        .count()
}

/// #21: a notice is public the moment it is recorded (no publication needed), on the notices
/// page and in the index's count, and takes objections at once.
#[test]
fn a_notice_is_public_the_moment_it_is_recorded() {
    let (_dir, db) = notice_unpublished();
    let server = Server::start(&db, &["serve"]);
    let (status, head, notices) = server.get("/public/notices");
    assert_eq!(status, 200);
    assert!(notices.contains("第16项"), "{notices}");
    assert!(head.to_lowercase().contains("no-cache"), "{head}");
    let (_, _, index) = server.get("/public");
    let running = notices
        .matches("<section class=\"panel\" id=\"notice-")
        .count();
    assert!(
        index.contains(&format!("正在公示</div><div class=\"value\">{running}<")),
        "the index counts the same notices: {index}"
    );
    assert_eq!(object(&server, "工地围挡不连续，夜间仍有扬尘"), 303);
    assert_eq!(portal_objections(&db), 1);
}

/// #21: after its last day a notice is no longer shown as running, and an objection sent to it
/// (from a page opened earlier) keeps its text and says when the notice ended.
#[test]
fn an_objection_after_the_last_day_keeps_its_text_and_explains() {
    let (_dir, db) = notice_unpublished();
    let server = Server::start_at(&db, &["serve"], "2027-02-01T10:00:00+08:00");
    let (_, _, notices) = server.get("/public/notices");
    assert!(!notices.contains("第16项"), "{notices}");
    let text = "工地围挡不连续，夜间仍有扬尘";
    let body = common::form_body(&[
        ("plan", "河安市“回头看”整改方案"),
        ("number", "16"),
        ("content", text),
        ("contact", "13800000000"),
        ("website", ""),
    ]);
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, _, page) = server.request("POST", "/public/objections", &headers, body.as_bytes());
    let page = String::from_utf8(page).unwrap();
    assert_eq!(status, 400);
    assert!(page.contains(text), "the text is kept: {page}");
    assert!(
        page.contains("第16项的公示期已于 2026-12-") && page.contains("结束"),
        "{page}"
    );
    assert_eq!(portal_objections(&db), 0, "nothing recorded");
}

/// Finding 15: a flood of anonymous posts writes no row per post — at most the objections it
/// stores (each with its journal entry) and the address's one counter row.
#[test]
fn three_thousand_anonymous_posts_write_only_the_stored_objections() {
    let (_dir, db) = notice_unpublished();
    ok(&run(&db, &["publish", "approve"]));
    let server = Server::start(&db, &["serve"]);
    let before = rows(&db);
    let statuses: Vec<u16> = (0..3_000)
        .map(|i| object(&server, &format!("第{i}条：裸土未覆盖，请核查")))
        .collect();
    assert_eq!(statuses.iter().filter(|&&s| s == 303).count(), 5);
    let stored = portal_objections(&db) as u64;
    assert_eq!(stored, 5, "the hourly limit");
    let written = rows(&db) - before;
    assert!(
        written <= 2 * stored + 1,
        "{written} rows for {stored} objections"
    );
}
