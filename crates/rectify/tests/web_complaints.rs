//! Complaints and accountability on the web (#21) over HTTP against the real server on the demo
//! database: who opens which page, the list's filters, the feedback's 一览表 figures, the
//! seeded spot-check that returns a complaint, the import's suggestions, the exports, and the
//! accountability transfers; every new form refused without its CSRF token.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::io::Read;
use std::process::Command;

mod common;

use common::{BIN, Server, flash, form_body, query, web_session};

struct Demo {
    _dir: tempfile::TempDir,
    db: String,
    server: Server,
}

impl Demo {
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db").to_string_lossy().into_owned();
        let out = common::at_test_clock(&mut Command::new(BIN))
            .args(["--db", &db, "demo"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let server = Server::start(&db, &["serve"]);
        Demo {
            _dir: dir,
            db,
            server,
        }
    }

    fn as_user(&self, user: &str) -> Client<'_> {
        Client {
            server: &self.server,
            cookie: web_session(&self.db, &self.server, user),
        }
    }

    fn one(&self, sql: &str) -> String {
        query(&self.db, sql).remove(0).remove(0)
    }
}

struct Client<'a> {
    server: &'a Server,
    cookie: String,
}

impl Client<'_> {
    fn get(&self, path: &str) -> (u16, String, Vec<u8>) {
        self.server
            .request("GET", path, &[("Cookie", self.cookie.as_str())], b"")
    }

    fn page(&self, path: &str) -> String {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}");
        String::from_utf8(body).unwrap()
    }

    fn csrf(&self) -> String {
        let page = self.page("/complaints");
        let token = page.split("name=\"csrf\" value=\"").nth(1).unwrap();
        token[..token.find('"').unwrap()].to_string()
    }

    /// Posts a form with the session's token (or `token` when given); status and the message
    /// the redirect carries back.
    fn post(&self, path: &str, token: Option<&str>, pairs: &[(&str, &str)]) -> (u16, String) {
        let csrf = token.map_or_else(|| self.csrf(), str::to_string);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(pairs);
        let body = form_body(&all);
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, head, _) = self.server.request("POST", path, &headers, body.as_bytes());
        (status, flash(&head))
    }
}

/// The shared strings of an xlsx: every text cell the workbook holds.
fn xlsx_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"PK"), "not an xlsx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn a_complaint_of(demo: &Demo, unit: &str, extra: &str) -> String {
    demo.one(&format!(
        "SELECT c.received_no FROM complaints c JOIN org_units u ON u.id = c.unit_id
         WHERE u.name = '{unit}' {extra} ORDER BY c.received_no LIMIT 1"
    ))
}

#[test]
fn complaint_and_accountability_pages_answer_each_role_by_its_scope() {
    let demo = Demo::start();
    let mine = a_complaint_of(&demo, "北岭县政府", "");
    let theirs = a_complaint_of(&demo, "南川县政府", "");
    let pages = [
        "/complaints",
        "/complaints?region=%E5%8C%97%E5%B2%AD%E5%8E%BF",
        "/complaints/spotchecks",
        "/complaints/export/public.xlsx",
        "/complaints/export/types.xlsx",
        "/accountability",
        "/accountability/export.xlsx",
    ];
    for path in pages {
        let (status, head, _) = demo.server.request("GET", path, &[], b"");
        assert_eq!(status, 303, "anonymous {path}");
        assert!(
            head.contains("location: /login"),
            "anonymous {path}: {head}"
        );
    }
    let zgb = demo.as_user("zgb");
    for path in pages {
        assert_eq!(zgb.get(path).0, 200, "zgb {path}");
    }
    assert_eq!(zgb.get("/complaints/export/other.xlsx").0, 404);
    assert_eq!(zgb.get(&format!("/complaints/{theirs}")).0, 200);

    // A county clerk: its own complaints, and no spot-checks or accountability.
    let beiling = demo.as_user("beiling");
    let list = beiling.page("/complaints");
    assert!(list.contains(&mine) && !list.contains(&theirs));
    assert!(!list.contains("href=\"/complaints/spotchecks\""));
    assert_eq!(beiling.get(&format!("/complaints/{theirs}")).0, 404);
    for path in [
        "/complaints/spotchecks",
        "/accountability",
        "/accountability/export.xlsx",
    ] {
        assert_eq!(beiling.get(path).0, 404, "beiling {path}");
    }
    // Its export holds its own complaints only.
    let answered_mine = a_complaint_of(&demo, "北岭县政府", "AND c.reported_on IS NOT NULL");
    let answered_theirs = a_complaint_of(&demo, "南川县政府", "AND c.reported_on IS NOT NULL");
    let (_, head, bytes) = beiling.get("/complaints/export/public.xlsx");
    assert!(head.contains("spreadsheetml"), "{head}");
    let text = xlsx_text(&bytes);
    assert!(text.contains(&answered_mine) && !text.contains(&answered_theirs));
    let (_, _, bytes) = zgb.get("/complaints/export/public.xlsx");
    assert!(xlsx_text(&bytes).contains(&answered_theirs));

    // A leader reads complaints but files no feedback and answers no suggestion.
    let liming = demo.as_user("liming");
    assert_eq!(liming.get("/complaints").0, 200);
    assert_eq!(liming.get("/complaints/spotchecks").0, 404);
    let form = [
        ("investigation", "x"),
        ("verdict", "属实"),
        ("result", "x"),
        ("state", "已办结"),
        ("reported_on", ""),
    ];
    let visible = demo.one(&format!(
        "SELECT COUNT(*) FROM complaints WHERE received_no = '{mine}'"
    ));
    assert_eq!(visible, "1");
    let path = format!("/complaints/{mine}/feedback");
    let status = liming.post(&path, None, &form).0;
    assert!(
        status == 403 || status == 404,
        "a leader's feedback: {status}"
    );
    let path = format!("/complaints/{mine}/suggestions");
    let answer = [("kind", "duplicate"), ("answer", "dismiss")];
    assert_eq!(liming.post(&path, None, &answer).0, 404);

    // The discipline commission reads the spot-checks and the accountability list, and draws none.
    let jiwei = demo.as_user("jiwei");
    let page = jiwei.page("/complaints/spotchecks");
    assert!(!page.contains("抽取</button>"));
    assert_eq!(jiwei.get("/accountability").0, 200);
    let rounds = demo.one("SELECT COUNT(*) FROM spotcheck_rounds");
    let draw = [("seed", "1"), ("size", "2")];
    assert_eq!(jiwei.post("/complaints/spotchecks", None, &draw).0, 404);
    assert_eq!(demo.one("SELECT COUNT(*) FROM spotcheck_rounds"), rounds);
}

#[test]
fn every_new_form_is_refused_without_its_token() {
    let demo = Demo::start();
    let zgb = demo.as_user("zgb");
    let no = a_complaint_of(&demo, "北岭县政府", "");
    let journal = || demo.one("SELECT COUNT(*) FROM journal");
    let before = journal();
    let posts: [(String, Vec<(&str, &str)>); 5] = [
        (
            "/complaints/spotchecks".into(),
            vec![("seed", "1"), ("size", "2")],
        ),
        (
            "/complaints/spotchecks/1".into(),
            vec![("received_no", &no), ("verdict", "合格")],
        ),
        (
            format!("/complaints/{no}/suggestions"),
            vec![("kind", "item"), ("answer", "dismiss")],
        ),
        (
            format!("/complaints/{no}/feedback"),
            vec![
                ("investigation", "x"),
                ("verdict", "属实"),
                ("result", "x"),
                ("state", "已办结"),
                ("reported_on", ""),
                ("penalty_yuan", "5"),
            ],
        ),
        (
            "/accountability/transfers".into(),
            vec![("target", "某局"), ("case", "问题"), ("on", "2026-12-01")],
        ),
    ];
    for (path, fields) in &posts {
        for token in ["", "forged"] {
            let (status, _) = zgb.post(path, Some(token), fields);
            assert_eq!(status, 403, "POST {path} with token {token:?}");
        }
    }
    assert_eq!(journal(), before, "nothing was written");
}

#[test]
fn the_list_filters_by_what_the_data_holds_and_keeps_the_filter() {
    let demo = Demo::start();
    let zgb = demo.as_user("zgb");
    let page = zgb.page("/complaints");
    for choice in [
        "<option value=\"1\">第1批</option>",
        "<option>北岭县</option>",
        "<option>北岭县政府</option>",
        "<option>未反馈</option>",
        "<option>部分属实</option>",
    ] {
        assert!(page.contains(choice), "{choice}");
    }
    let rows = |page: &str| page.matches("data-label=\"受理编号\"").count();
    let beiling_open =
        demo.one("SELECT COUNT(*) FROM complaints WHERE region = '北岭县' AND handling IS NULL");
    let page = zgb
        .page("/complaints?region=%E5%8C%97%E5%B2%AD%E5%8E%BF&state=%E6%9C%AA%E5%8F%8D%E9%A6%88");
    assert_eq!(rows(&page).to_string(), beiling_open);
    assert!(
        page.contains("<option selected>北岭县</option>"),
        "the form keeps the filter"
    );
    assert!(
        page.contains(
            "/complaints/export/public.xlsx?region=%E5%8C%97%E5%B2%AD%E5%8E%BF&#38;state="
        )
    );
    let key_cases = demo.one("SELECT COUNT(*) FROM complaints WHERE key_case = 1");
    assert_eq!(rows(&zgb.page("/complaints?key=1")).to_string(), key_cases);
    let partly = demo.one("SELECT COUNT(*) FROM complaints WHERE verdict = 'partly_true'");
    let page = zgb.page("/complaints?verdict=%E9%83%A8%E5%88%86%E5%B1%9E%E5%AE%9E");
    assert_eq!(rows(&page).to_string(), partly);
    let no = a_complaint_of(&demo, "清水县政府", "");
    assert_eq!(rows(&zgb.page(&format!("/complaints?q={no}"))), 1);
    let batch2 = demo.one(
        "SELECT COUNT(*) FROM complaints c JOIN complaint_batches b ON b.id = c.batch_id WHERE b.number = 2",
    );
    assert_eq!(rows(&zgb.page("/complaints?batch=2")).to_string(), batch2);
    // The CLI lists the same with the same filter.
    let out = common::at_test_clock(&mut Command::new(BIN))
        .args([
            "--db",
            &demo.db,
            "complaint",
            "list",
            "--batch",
            "2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len().to_string(), batch2);
    // A value the form never offers is named and ignored.
    let page = zgb.page("/complaints?batch=abc&verdict=%E7%9C%9F");
    assert!(page.contains("批次“abc”无效") && page.contains("是否属实“真”无效"));
    assert_eq!(rows(&page), 121);
}

#[test]
fn a_county_files_the_figures_and_the_portal_totals_only_answered_complaints() {
    let demo = Demo::start();
    let beiling = demo.as_user("beiling");
    let zgb = demo.as_user("zgb");
    let no = a_complaint_of(&demo, "北岭县政府", "AND c.reported_on IS NULL");
    let path = format!("/complaints/{no}/feedback");
    let mut form = vec![
        ("investigation", "经核查属实"),
        ("verdict", "属实"),
        ("result", "责令整改，罚款"),
        ("state", "已办结"),
        ("reported_on", "2026-12-07"),
        ("ordered", "2"),
        ("penalised", "1"),
        ("penalty_yuan", "12.345"),
        ("criminal_cases", "0"),
        ("detained", "1"),
        ("interviewed", "3"),
        ("held_accountable", "1"),
        ("transferred", "1"),
    ];
    let (status, message) = beiling.post(&path, None, &form);
    assert_eq!(status, 303);
    assert!(message.contains("罚款（元）“12.345”"), "{message}");
    form[9].1 = "-1";
    form[7].1 = "12000.5";
    let (_, message) = beiling.post(&path, None, &form);
    assert!(message.contains("拘留（人）“-1”"), "{message}");
    assert_eq!(
        demo.one(&format!(
            "SELECT COUNT(*) FROM complaints WHERE received_no = '{no}' AND reported_on IS NOT NULL"
        )),
        "0",
        "a refused form saves nothing"
    );
    form[9].1 = "1";
    let (_, message) = beiling.post(&path, None, &form);
    assert_eq!(message, "已保存办理结果");
    let stored = query(
        &demo.db,
        &format!(
            "SELECT ordered_count, penalised_count, penalty_yuan, detained, interviewed, held_accountable, transferred_cases, handling FROM complaints WHERE received_no = '{no}'"
        ),
    );
    assert_eq!(
        stored[0],
        ["2", "1", "12000.5", "1", "3", "1", "1", "closed"]
    );
    assert!(
        zgb.page(&format!("/complaints/{no}"))
            .contains("罚款（元） 12000.5")
    );
    // A form without the figures (an older page, a script) keeps them as stored.
    let (_, message) = beiling.post(&path, None, &form[..5]);
    assert_eq!(message, "已保存办理结果");
    let kept = query(
        &demo.db,
        &format!(
            "SELECT ordered_count, penalty_yuan, transferred_cases FROM complaints WHERE received_no = '{no}'"
        ),
    );
    assert_eq!(kept[0], ["2", "12000.5", "1"]);
    // Another county's complaint is out of reach.
    let theirs = a_complaint_of(&demo, "南川县政府", "AND c.reported_on IS NULL");
    let (status, _) = beiling.post(&format!("/complaints/{theirs}/feedback"), None, &form);
    assert_eq!(status, 404);

    // The office returns it after a spot-check: it is no longer published as answered.
    let round = zgb.post(
        "/complaints/spotchecks",
        None,
        &[("seed", "5"), ("size", "200")],
    );
    let id = demo.one("SELECT id FROM spotcheck_rounds ORDER BY id DESC LIMIT 1");
    assert!(round.1.contains(&format!("第 {id} 轮")), "{}", round.1);
    let mark = format!("/complaints/spotchecks/{id}");
    let fail = [
        ("received_no", no.as_str()),
        ("verdict", "不合格"),
        ("reason", ""),
    ];
    let (_, message) = zgb.post(&mark, None, &fail);
    assert!(message.contains("不合格需写明原因"), "{message}");
    let fail = [
        ("received_no", no.as_str()),
        ("verdict", "不合格"),
        ("reason", "无现场照片"),
    ];
    let (_, message) = zgb.post(&mark, None, &fail);
    assert!(message.contains("已退回承办单位重新办理"), "{message}");
    let fine_total = |page: &str| {
        let at = page.find("罚款 ").unwrap() + "罚款 ".len();
        page[at..page[at..].find(' ').unwrap() + at].to_string()
    };
    let publish = [("complaints", "1"), ("redact", "")];
    assert_eq!(zgb.post("/publish", None, &publish).0, 303);
    let (_, _, portal) = demo.server.request("GET", "/public/complaints", &[], b"");
    let portal = String::from_utf8(portal).unwrap();
    assert!(
        !portal.contains(&no),
        "a returned complaint is not published as answered"
    );
    let without = fine_total(&portal);
    // Reported again, it is answered again and its fine counts.
    beiling.post(&path, None, &form);
    zgb.post("/publish", None, &publish);
    let (_, _, portal) = demo.server.request("GET", "/public/complaints", &[], b"");
    let portal = String::from_utf8(portal).unwrap();
    assert!(portal.contains(&no));
    assert!(portal.contains("移送 1 件"), "the 移送 figure is totalled");
    let with: f64 = fine_total(&portal).parse().unwrap();
    assert!(
        (with - without.parse::<f64>().unwrap() - 12000.5).abs() < 1e-6,
        "{without} → {with}"
    );
}

#[test]
fn the_spot_check_draws_as_the_cli_does_and_marks_once() {
    let demo = Demo::start();
    let zgb = demo.as_user("zgb");
    let journal = demo.one("SELECT seq FROM journal ORDER BY seq DESC LIMIT 1");
    let (_, message) = zgb.post(
        "/complaints/spotchecks",
        None,
        &[("seed", "20261207"), ("size", "4")],
    );
    assert!(message.contains("抽取 4 件"), "{message}");
    let id = demo.one("SELECT id FROM spotcheck_rounds ORDER BY id DESC LIMIT 1");
    let mark = format!("/complaints/spotchecks/{id}");
    let drawn: Vec<String> = query(
        &demo.db,
        &format!("SELECT c.received_no FROM spotchecks s JOIN complaints c ON c.id = s.complaint_id WHERE s.round_id = {id} ORDER BY s.draw_order"),
    )
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    let closed: Vec<String> = query(
        &demo.db,
        "SELECT received_no FROM complaints WHERE handling = 'closed'",
    )
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    assert_eq!(
        drawn,
        rectify_core::complaint::sample::draw(&closed, 4, 20261207)
    );
    let page = zgb.page("/complaints/spotchecks");
    assert!(page.contains("以随机种子 20261207 从") && page.contains(&drawn[0]));
    for (form, problem) in [
        ([("seed", "-3"), ("size", "4")], "随机种子“-3”"),
        ([("seed", "1"), ("size", "0")], "抽查件数“0”"),
    ] {
        let (_, message) = zgb.post("/complaints/spotchecks", None, &form);
        assert!(message.contains(problem), "{message}");
    }
    let pass = [
        ("received_no", drawn[1].as_str()),
        ("verdict", "合格"),
        ("reason", ""),
    ];
    assert!(zgb.post(&mark, None, &pass).1.contains("抽查合格"));
    let (_, again) = zgb.post(&mark, None, &pass);
    assert!(again.contains("已有抽查结论"), "{again}");
    let bad = [
        ("received_no", drawn[2].as_str()),
        ("verdict", "优秀"),
        ("reason", ""),
    ];
    assert_eq!(zgb.post(&mark, None, &bad).0, 422);
    assert_eq!(zgb.post("/complaints/spotchecks/abc", None, &pass).0, 404);
    // A round's address opens the page at it; a missing round is the site's 404.
    let (status, head, _) = zgb.get(&mark);
    assert_eq!(status, 303);
    assert!(head.contains(&format!("location: /complaints/spotchecks#round-{id}")));
    assert_eq!(zgb.get("/complaints/spotchecks/99999").0, 404);
    assert_eq!(demo.as_user("beiling").get(&mark).0, 404);
    let entries =
        demo.one(&format!("SELECT COUNT(*) FROM journal WHERE seq > {journal} AND action IN ('draw', 'spotcheck:pass')"));
    assert_eq!(entries, "2");
}

#[test]
fn the_office_confirms_or_dismisses_each_suggestion_once() {
    let demo = Demo::start();
    let zgb = demo.as_user("zgb");
    let duplicate = demo.one("SELECT received_no FROM complaints WHERE suggested_repeat_of IS NOT NULL ORDER BY received_no LIMIT 1");
    let earlier = demo.one(&format!("SELECT s.received_no FROM complaints c JOIN complaints s ON s.id = c.suggested_repeat_of WHERE c.received_no = '{duplicate}'"));
    let page = zgb.page(&format!("/complaints/{duplicate}"));
    assert!(page.contains("疑似重复件") && page.contains("value=\"duplicate\""));
    let path = format!("/complaints/{duplicate}/suggestions");
    let (_, message) = zgb.post(&path, None, &[("kind", "duplicate"), ("answer", "confirm")]);
    assert_eq!(message, "已确认：疑似重复件");
    let linked = demo.one(&format!("SELECT r.received_no FROM complaints c JOIN complaints r ON r.id = c.repeat_of WHERE c.received_no = '{duplicate}'"));
    assert_eq!(linked, earlier);
    let (_, again) = zgb.post(&path, None, &[("kind", "duplicate"), ("answer", "confirm")]);
    assert!(again.contains("没有待核实的疑似重复件"), "{again}");
    assert!(
        zgb.page(&format!("/complaints/{duplicate}"))
            .contains(&format!("重复 <a href=\"/complaints/{earlier}\""))
    );

    let rebound = demo.one("SELECT c.received_no FROM item_rebounds r JOIN complaints c ON c.id = r.complaint_id LIMIT 1");
    let path = format!("/complaints/{rebound}/suggestions");
    let rebounds_before = demo.one("SELECT COUNT(*) FROM item_rebounds");
    assert!(zgb.page("/accountability").contains("反弹"));
    let (_, message) = zgb.post(&path, None, &[("kind", "rebound"), ("answer", "dismiss")]);
    assert_eq!(message, "已排除：销号后反弹");
    assert_eq!(
        demo.one("SELECT COUNT(*) FROM item_rebounds")
            .parse::<u32>()
            .unwrap()
            + 1,
        rebounds_before.parse::<u32>().unwrap()
    );
    let (_, message) = zgb.post(&path, None, &[("kind", "item"), ("answer", "confirm")]);
    assert_eq!(message, "已确认：同一点位整改任务");
    assert!(
        zgb.page(&format!("/complaints/{rebound}"))
            .contains("对应整改任务")
    );
    assert_eq!(
        zgb.post(&path, None, &[("kind", "other"), ("answer", "confirm")])
            .0,
        422
    );
    let journaled = demo.one("SELECT COUNT(*) FROM journal WHERE action LIKE 'suggestion:%'");
    assert_eq!(journaled, "3");
    // The dismissed rebound's row is recoverable from the journal.
    let before = demo.one(
        "SELECT before_json FROM journal WHERE action = 'suggestion:dismiss' ORDER BY seq LIMIT 1",
    );
    assert!(
        before.contains("\"rebounds\":[{") && before.contains("\"site\""),
        "{before}"
    );
}

#[test]
fn accountability_exports_its_list_and_records_a_transfer_as_the_cli_does() {
    let demo = Demo::start();
    let zgb = demo.as_user("zgb");
    let page = zgb.page("/accountability");
    assert!(!page.contains("待信访模块上线后纳入"));
    assert!(page.contains("信访件两次以上退回重办或属实但未处理"));
    // Rule 3 (workflow.md §5.2): found true and reported closed with nothing done.
    let unhandled = a_complaint_of(&demo, "清水县政府", "AND c.reported_on IS NULL");
    assert!(!page.contains(&unhandled));
    let out = common::at_test_clock(&mut Command::new(BIN))
        .args(["--db", &demo.db, "complaint", "update", &unhandled])
        .args(["--verdict", "属实", "--state", "已办结"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = zgb.page("/accountability");
    assert!(page.contains(&format!(
        "信访件 {unhandled}：核实属实，报告已办结但未说明处理和整改情况"
    )));
    assert!(page.contains("清水县政府主要负责同志"));
    let (status, head, bytes) = zgb.get("/accountability/export.xlsx");
    assert_eq!(status, 200);
    assert!(head.contains("spreadsheetml"));
    assert!(xlsx_text(&bytes).contains("主要负责同志"));
    let plan = demo.one("SELECT name FROM plans ORDER BY id DESC LIMIT 1");
    let transfer = |on: &'static str, items: &'static str| {
        vec![
            ("target", "北岭县水利局主要负责同志"),
            ("case", "黄水河排污口整治弄虚作假"),
            ("doc_no", "督察移〔2026〕3号"),
            ("on", on),
            ("plan", plan.as_str()),
            ("items", items),
        ]
    };
    let (_, message) = zgb.post("/accountability/transfers", None, &transfer("12月1日", ""));
    assert!(message.contains("移交日期“12月1日”"), "{message}");
    let (_, message) = zgb.post(
        "/accountability/transfers",
        None,
        &transfer("2026-12-01", "9999"),
    );
    assert!(message.contains("没有第9999项"), "{message}");
    let (_, message) = zgb.post(
        "/accountability/transfers",
        None,
        &transfer("2026-12-01", "一"),
    );
    assert!(message.contains("关联事项“一”"), "{message}");
    assert_eq!(
        demo.one("SELECT COUNT(*) FROM accountability_transfers"),
        "0"
    );
    let (_, message) = zgb.post(
        "/accountability/transfers",
        None,
        &transfer("2026-12-01", "1，2"),
    );
    assert!(message.starts_with("已登记督察组移交问题"), "{message}");
    let row = query(
        &demo.db,
        "SELECT target, case_text, received_on, items, recorded_by FROM accountability_transfers",
    );
    assert_eq!(row[0][0], "北岭县水利局主要负责同志");
    assert_eq!(row[0][1], "黄水河排污口整治弄虚作假（督察移〔2026〕3号）");
    assert_eq!(row[0][2], "2026-12-01");
    assert!(row[0][3].contains(&plan) && row[0][3].contains(",1]") && row[0][3].contains(",2]"));
    assert_eq!(row[0][4], "zgb");
    assert!(
        zgb.page("/accountability")
            .contains("黄水河排污口整治弄虚作假")
    );
    let beiling = demo.as_user("beiling");
    assert_eq!(
        beiling
            .post(
                "/accountability/transfers",
                None,
                &transfer("2026-12-01", "")
            )
            .0,
        404
    );
}
