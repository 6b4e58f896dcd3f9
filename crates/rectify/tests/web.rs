//! The web UI over HTTP against the real server on the demo database: who reaches which page,
//! the XSS and CSRF probes, login throttling and session rotation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::process::Command;

mod common;

use common::{BIN, Server, facts_of, form_body, set_cookie};

const PASSWORD: &str = "correct horse battery";

struct Demo {
    _dir: tempfile::TempDir,
    db: String,
    server: Server,
}

fn rectify(db: &str, args: &[&str], stdin: &str) -> String {
    let mut command = Command::new(BIN);
    common::at_test_clock(&mut command)
        .arg("--db")
        .arg(db)
        .args(args);
    let out = common::with_stdin(command, stdin);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const USERS: &[&str] = &[
    "admin",
    "zgb",
    "wangjianguo",
    "liming",
    "beiling",
    "sthjj",
    "zjj",
    "yanshou",
    "jiwei",
    "viewer",
];

impl Demo {
    fn start(extra_plan: Option<&str>) -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db").to_string_lossy().into_owned();
        common::demo_into(&db, None);
        for user in USERS {
            rectify(
                &db,
                &["user", "passwd", user, "--password-stdin"],
                &format!("{PASSWORD}\n"),
            );
        }
        if let Some(csv) = extra_plan {
            let path = dir.path().join("probe.csv");
            std::fs::write(&path, csv).unwrap();
            rectify(
                &db,
                &["plan", "import", path.to_str().unwrap(), "--plan", "探针"],
                "",
            );
        }
        let server = Server::start(&db, &["serve"]);
        Demo {
            _dir: dir,
            db,
            server,
        }
    }
}

/// A browser's worth of state: the session cookie and the page's CSRF token.
struct Browser<'a> {
    server: &'a Server,
    cookie: String,
}

fn hidden_csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

impl<'a> Browser<'a> {
    fn login(server: &'a Server, user: &str, password: &str) -> (u16, Option<Browser<'a>>, String) {
        let (_, head, page) = server.request("GET", "/login", &[], b"");
        let login_cookie = set_cookie(&head, "rectify_login_csrf").unwrap();
        let csrf = hidden_csrf(&String::from_utf8_lossy(&page));
        let body = form_body(&[
            ("username", user),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/ledger"),
        ]);
        let headers = [
            ("Cookie", login_cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, head, page) = server.request("POST", "/login", &headers, body.as_bytes());
        let browser = set_cookie(&head, "rectify_session").map(|cookie| Browser { server, cookie });
        (status, browser, String::from_utf8_lossy(&page).into_owned())
    }

    /// A page that must load (200): what a test then says is or is not on it means something.
    fn page(&self, path: &str) -> String {
        let (status, page) = self.get(path);
        assert_eq!(status, 200, "GET {path}");
        page
    }

    fn get(&self, path: &str) -> (u16, String) {
        let (status, head, body) =
            self.server
                .request("GET", path, &[("Cookie", self.cookie.as_str())], b"");
        let text = if head.contains("text/html") {
            String::from_utf8_lossy(&body).into_owned()
        } else {
            String::new()
        };
        (status, text)
    }

    /// A URL-encoded form post, as the administration and review forms send it.
    fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> (u16, String) {
        let body = form_body(pairs);
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, head, _) = self.server.request("POST", path, &headers, body.as_bytes());
        (status, head)
    }

    /// A multipart form post, as the item page's action forms send it.
    fn post_multipart(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let (status, head, _) = self.post_file(path, fields, None);
        (status, head)
    }

    /// A multipart post with one file field `file`; returns status, head and body.
    fn post_file(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> (u16, String, String) {
        let files: Vec<(&str, &str, &[u8])> = file
            .map(|(name, bytes)| ("file", name, bytes))
            .into_iter()
            .collect();
        self.post_files(path, fields, &files)
    }

    /// A multipart post with files `(form field, file name, content)`.
    fn post_files(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> (u16, String, String) {
        let boundary = "----rectifyboundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            let part = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            );
            body.extend(part.into_bytes());
        }
        for (field, file_name, bytes) in files {
            let part = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            );
            body.extend(part.into_bytes());
            body.extend_from_slice(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").into_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("Content-Type", content_type.as_str()),
        ];
        let (status, head, reply) = self.server.request("POST", path, &headers, &body);
        (status, head, String::from_utf8_lossy(&reply).into_owned())
    }

    /// Follows a form's redirect and returns the message it carries back (`?done=`).
    fn outcome(&self, head: &str) -> String {
        let location = head
            .lines()
            .find_map(|l| l.strip_prefix("location: "))
            .expect("the form redirects");
        let location = location.trim();
        let location = location.split('#').next().unwrap_or(location);
        let (status, page) = self.get(location);
        assert_eq!(status, 200, "{location}");
        page.split("<p class=\"note\">")
            .nth(1)
            .and_then(|p| p.split("</p>").next())
            .unwrap_or_default()
            .to_string()
    }
}

#[test]
fn every_route_for_every_role_in_and_out_of_scope() {
    let demo = Demo::start(None);
    let anonymous = demo.server.request("GET", "/ledger", &[], b"");
    assert_eq!(anonymous.0, 303);
    assert!(
        anonymous.1.contains("location: /login?next=%2fledger"),
        "{}",
        anonymous.1
    );
    // (user, an item in scope, an item out of scope or None when the user sees everything)
    let cases: &[(&str, u32, Option<u32>)] = &[
        ("admin", 41, None),
        ("zgb", 41, None),
        ("jiwei", 41, None),
        ("viewer", 41, None),
        ("beiling", 38, Some(41)),
        ("sthjj", 9, Some(40)),
        ("zjj", 18, Some(38)),
        ("wangjianguo", 9, Some(5)),
        ("liming", 9, Some(5)),
        ("yanshou", 16, Some(40)),
    ];
    for (user, inside, outside) in cases {
        let (status, browser, _) = Browser::login(&demo.server, user, PASSWORD);
        assert_eq!(status, 303, "{user} login");
        let browser = browser.unwrap();
        for path in [
            "/",
            "/ledger",
            "/ledger?scope=specific&q=%E6%B0%B4",
            "/air",
            "/water",
        ] {
            assert_eq!(browser.get(path).0, 200, "{user} {path}");
        }
        let (status, _, xlsx) = demo.server.request(
            "GET",
            "/ledger.xlsx",
            &[("Cookie", browser.cookie.as_str())],
            b"",
        );
        assert_eq!(status, 200, "{user} xlsx");
        assert!(xlsx.starts_with(b"PK"), "{user} xlsx is a workbook");
        let (status, page) = browser.get(&format!("/items/{inside}"));
        assert_eq!(status, 200, "{user} item {inside}");
        assert!(page.contains("时间线"), "{user}");
        if let Some(outside) = outside {
            for path in [
                format!("/items/{outside}"),
                format!("/items/{outside}/report"),
            ] {
                assert_eq!(browser.get(&path).0, 404, "{user} must not reach {path}");
            }
            let (ledger_status, ledger) = browser.get("/ledger");
            assert_eq!(ledger_status, 200);
            assert!(
                !ledger.contains(&format!("href=\"/items/{outside}\"")),
                "{user} sees {outside} in the ledger"
            );
        }
        assert_eq!(browser.get("/items/999").0, 404, "{user}");
    }
    // A 北岭县 clerk cannot reach 南川县's item 41 or its evidence, and cannot act on it.
    let (_, beiling, _) = Browser::login(&demo.server, "beiling", PASSWORD);
    let beiling = beiling.unwrap();
    let page = beiling.page("/items/38");
    let csrf = hidden_csrf(&page);
    let (status, _) = beiling.post_multipart(
        "/items/41/actions/submit",
        &[("csrf", &csrf), ("note", "x")],
    );
    assert_eq!(status, 404);
    let ids = rectify(
        &demo.db,
        &["evidence", "list", "41", "--format", "json"],
        "",
    );
    let first: serde_json::Value = serde_json::from_str(&ids).unwrap();
    let evidence = first[0]["id"].as_i64().unwrap();
    assert_eq!(
        beiling.get(&format!("/evidence/{evidence}")).0,
        404,
        "evidence of another unit's item"
    );
    let (_, zgb, _) = Browser::login(&demo.server, "zgb", PASSWORD);
    let (status, head, _) = demo.server.request(
        "GET",
        &format!("/evidence/{evidence}"),
        &[("Cookie", zgb.unwrap().cookie.as_str())],
        b"",
    );
    assert_eq!(status, 200);
    assert!(
        head.contains("content-disposition: attachment")
            && head.contains("x-content-type-options: nosniff"),
        "{head}"
    );
    assert!(
        head.contains("frame-ancestors 'none'") && head.contains("referrer-policy: same-origin"),
        "{head}"
    );
}

#[test]
fn xss_and_csrf_probes_throttling_and_session_rotation() {
    let probe = "序号,共性/个性,反馈问题,整改措施,责任单位,整改时限\n\
                 901,个性,<script>alert(1)</script>,\"1.\"\"><img src=x onerror=alert(2)>\",北岭县政府,2030年底前\n";
    let demo = Demo::start(Some(probe));
    let (_, zgb, _) = Browser::login(&demo.server, "zgb", PASSWORD);
    let zgb = zgb.unwrap();
    for path in [
        "/ledger?q=script",
        "/items/901",
        "/",
        "/ledger?sort=number&desc=1&page=1",
    ] {
        let (status, page) = zgb.get(path);
        assert_eq!(status, 200, "{path}");
        assert!(
            !page.contains("<script>alert(1)"),
            "unescaped script on {path}"
        );
        assert!(
            !page.contains("<img src=x"),
            "unescaped attribute breaker on {path}"
        );
    }
    let page = zgb.page("/items/901");
    assert!(
        page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "the text is shown, escaped: {page}"
    );

    // CSRF: a state-changing post without the session's token is refused.
    let (status, _) = zgb.post_multipart("/items/901/actions/reopen", &[("reason", "x")]);
    assert_eq!(status, 403);
    let (status, _) = zgb.post_multipart(
        "/items/901/actions/reopen",
        &[("csrf", "forged"), ("reason", "x")],
    );
    assert_eq!(status, 403);
    let no_cookie = form_body(&[("username", "zgb"), ("password", PASSWORD), ("csrf", "x")]);
    let (status, _, _) = demo.server.request(
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        no_cookie.as_bytes(),
    );
    assert_eq!(status, 403, "a login post without its form cookie");

    // Session rotation: logging in from a browser that still holds a session ends that session.
    let old = zgb.cookie.clone();
    let (_, head, page) = demo.server.request("GET", "/login", &[], b"");
    let login_cookie = set_cookie(&head, "rectify_login_csrf").unwrap();
    let csrf = hidden_csrf(&String::from_utf8_lossy(&page));
    let cookies = format!("{login_cookie}; {old}");
    let body = form_body(&[("username", "zgb"), ("password", PASSWORD), ("csrf", &csrf)]);
    let headers = [
        ("Cookie", cookies.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, head, _) = demo
        .server
        .request("POST", "/login", &headers, body.as_bytes());
    assert_eq!(status, 303);
    let new = set_cookie(&head, "rectify_session").unwrap();
    assert_ne!(new, old);
    assert_eq!(zgb.get("/").0, 303, "the earlier session no longer works");

    // Throttling: five failures lock the account for a while, even for the right password.
    for _ in 0..5 {
        let (status, browser, page) = Browser::login(&demo.server, "liming", "wrong password");
        assert_eq!(status, 401);
        assert!(browser.is_none());
        assert!(page.contains("用户名或密码错误"), "{page}");
    }
    let (status, browser, page) = Browser::login(&demo.server, "liming", PASSWORD);
    assert_eq!(status, 401);
    assert!(browser.is_none() && page.contains("失败次数过多"), "{page}");

    // Logout ends the session.
    let (_, viewer, _) = Browser::login(&demo.server, "viewer", PASSWORD);
    let viewer = viewer.unwrap();
    let page = viewer.page("/");
    let body = form_body(&[("csrf", &hidden_csrf(&page))]);
    let headers = [
        ("Cookie", viewer.cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    assert_eq!(
        demo.server
            .request("POST", "/logout", &headers, body.as_bytes())
            .0,
        303
    );
    assert_eq!(viewer.get("/").0, 303, "back to the login page");
    let (status, page) = Browser::login(&demo.server, "zgb", PASSWORD)
        .1
        .unwrap()
        .get("/login");
    assert_eq!(status, 200);
    assert!(
        page.contains("<code>zjj</code>"),
        "the demo login page lists the demo accounts"
    );
}

#[test]
fn the_import_page_previews_defects_by_cell_and_writes_only_on_confirmation() {
    let demo = Demo::start(None);
    let (_, beiling, _) = Browser::login(&demo.server, "beiling", PASSWORD);
    assert_eq!(
        beiling.unwrap().get("/import").0,
        404,
        "only the office imports"
    );
    let (_, zgb, _) = Browser::login(&demo.server, "zgb", PASSWORD);
    let zgb = zgb.unwrap();
    let (status, page) = zgb.get("/import");
    assert_eq!(status, 200);
    let csrf = hidden_csrf(&page);
    let defects = "序号,反馈问题,责任单位,整改时限\n1,问题一,,2019年底前\n1,问题二,市林业局,2019年底前\n2,问题三,市林业局,2019年采暖季前\n";
    let (status, _, page) = zgb.post_file(
        "/import",
        &[("csrf", &csrf), ("plan", "新方案")],
        Some(("defects.csv", defects.as_bytes())),
    );
    assert_eq!(status, 200);
    // Each finding is listed with a link to its cell, and marked on the cell in the sheet.
    for (cell, mark) in [("C2", "bad"), ("A3", "bad"), ("D4", "warn")] {
        assert!(
            page.contains(&format!("<a href=\"#{cell}\">{cell}</a>")),
            "{cell} listed: {page}"
        );
        assert!(
            page.contains(&format!("<td id=\"{cell}\" class=\"{mark}\"")),
            "{cell} marked {mark}: {page}"
        );
    }
    assert!(
        page.contains("<td id=\"B2\" class=\"\">问题一</td>"),
        "{page}"
    );
    assert!(!page.contains("确认导入"), "no confirmation with errors");
    let good = "序号,反馈问题,责任单位,整改时限\n1,网页导入的问题,市林业局,2030年底前\n";
    let (_, _, page) = zgb.post_file(
        "/import",
        &[("csrf", &csrf), ("plan", "新方案")],
        Some(("good.csv", good.as_bytes())),
    );
    assert!(page.contains("确认导入"), "{page}");
    let search = "/ledger?q=%E7%BD%91%E9%A1%B5%E5%AF%BC%E5%85%A5";
    assert!(
        !zgb.page(search).contains("网页导入的问题"),
        "nothing written before the confirmation"
    );
    let sha = page
        .split("name=\"sha256\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let body = form_body(&[
        ("csrf", &csrf),
        ("sha256", &sha),
        ("file_name", "good.csv"),
        ("plan", "新方案"),
    ]);
    let headers = [
        ("Cookie", zgb.cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, _, reply) =
        demo.server
            .request("POST", "/import/confirm", &headers, body.as_bytes());
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&reply).contains("新增 1 项"));
    assert!(zgb.page(search).contains("网页导入的问题"));
}

/// A transfer-list fixture of #20 (scripts/transfer_fixtures.py).
fn transfer_list(file: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../rectify-io/tests/data/transfer/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The `sha256` hidden field of a preview.
fn previewed_sha(page: &str) -> String {
    page.split("name=\"sha256\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn the_complaint_import_previews_a_list_by_cell_and_writes_only_on_confirmation() {
    let demo = Demo::start(None);
    let (_, beiling, _) = Browser::login(&demo.server, "beiling", PASSWORD);
    assert_eq!(
        beiling.unwrap().get("/complaints/import").0,
        404,
        "only the office imports"
    );
    let (_, zgb, _) = Browser::login(&demo.server, "zgb", PASSWORD);
    let zgb = zgb.unwrap();
    assert!(
        zgb.page("/complaints")
            .contains("href=\"/complaints/import\"")
    );
    let page = zgb.page("/complaints/import");
    let csrf = hidden_csrf(&page);
    let defects = transfer_list("combined-batches-defects.xlsx");
    let (status, _, page) = zgb.post_file(
        "/complaints/import",
        &[("csrf", &csrf)],
        Some(("combined-batches-defects.xlsx", &defects)),
    );
    assert_eq!(status, 200);
    // Each finding is listed with a link to its cell and marked on the cell of the sheet as
    // uploaded; the 填报时间 row, the batch rows and the footnote are no complaints.
    for (cell, mark) in [
        ("G6", "bad"),
        ("A8", "bad"),
        ("C12", "bad"),
        ("E7", "warn"),
        ("E11", "warn"),
    ] {
        assert!(
            page.contains(&format!("<a href=\"#s0-{cell}\">{cell}</a>")),
            "{cell} listed: {page}"
        );
        assert!(
            page.contains(&format!("<td id=\"s0-{cell}\" class=\"{mark}\"")),
            "{cell} marked {mark}: {page}"
        );
    }
    assert_eq!(page.matches("<tr class=\"bad\">").count(), 3, "{page}");
    assert!(page.contains("第1批的序号 2 与第7行重复"), "{page}");
    assert!(!page.contains("确认导入"), "no confirmation with errors");

    let good = transfer_list("combined-batches.xlsx");
    let (_, _, page) = zgb.post_file(
        "/complaints/import",
        &[("csrf", &csrf), ("batch", "三")],
        Some(("combined-batches.xlsx", &good)),
    );
    assert!(page.contains("批次“三”应为正整数"), "{page}");
    assert!(!page.contains("确认导入"), "{page}");
    // The demo holds this team's 第1批 with another transfer date: said, and nothing offered.
    let (_, _, page) = zgb.post_file(
        "/complaints/import",
        &[("csrf", &csrf)],
        Some(("combined-batches.xlsx", &good)),
    );
    assert!(
        page.contains("中央第一生态环境保护督察组 第1批（已登记交办日期"),
        "{page}"
    );
    assert!(!page.contains("确认导入"), "{page}");
    let team = [
        ("csrf", csrf.as_str()),
        ("source", "省第三生态环境保护督察组"),
    ];
    let (_, _, page) = zgb.post_file(
        "/complaints/import",
        &team,
        Some(("combined-batches.xlsx", &good)),
    );
    for shown in [
        "<td class=\"nowrap\">第1批</td><td class=\"nowrap\">2018-06-05</td><td>3</td>",
        "<td class=\"nowrap\">第2批</td><td class=\"nowrap\">2018-06-12</td><td>2</td>",
        "省第三生态环境保护督察组：将新增 5 件，更新反馈 0 件，未变 0 件",
        "确认导入",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(
        !zgb.page("/complaints").contains("D1HA201806030101"),
        "nothing written before the confirmation"
    );
    let confirm = |sha: &str, file: &str| {
        let body = form_body(&[
            ("csrf", &csrf),
            ("sha256", sha),
            ("file_name", file),
            ("source", "省第三生态环境保护督察组"),
        ]);
        let headers = [
            ("Cookie", zgb.cookie.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (status, _, reply) = demo.server.request(
            "POST",
            "/complaints/import/confirm",
            &headers,
            body.as_bytes(),
        );
        assert_eq!(status, 200);
        String::from_utf8_lossy(&reply).into_owned()
    };
    let done = confirm(&previewed_sha(&page), "combined-batches.xlsx");
    assert!(done.contains("新增 5 件"), "{done}");
    assert!(zgb.page("/complaints").contains("D1HA201806030101"));
    let first = zgb.page("/complaints/D1HA201806030101");
    assert!(
        first.contains("<th>备注</th><td colspan=\"3\" class=\"text\">重点件</td>"),
        "the 备注 column is kept and shown: {first}"
    );
    assert!(
        first.contains("<th>行政区域</th><td>城关区</td>"),
        "{first}"
    );

    // A re-sent list updates the feedback, and the preview and the result say what changed.
    let csv = String::from_utf8(transfer_list("synonyms.csv")).unwrap();
    let (_, _, page) = zgb.post_file(
        "/complaints/import",
        &team,
        Some(("synonyms.csv", csv.as_bytes())),
    );
    confirm(&previewed_sha(&page), "synonyms.csv");
    let resent = csv.replace("部分属实", "属实");
    let (_, _, page) = zgb.post_file(
        "/complaints/import",
        &team,
        Some(("synonyms.csv", resent.as_bytes())),
    );
    let change = "<td class=\"nowrap\">是否属实</td><td>部分属实</td><td>属实</td>";
    assert!(page.contains("将更新的反馈"), "{page}");
    assert!(page.contains(change), "{page}");
    let done = confirm(&previewed_sha(&page), "synonyms.csv");
    assert!(done.contains("更新反馈 1 件"), "{done}");
    assert!(
        done.contains("反馈有改动的信访件") && done.contains(change),
        "{done}"
    );
}

#[test]
fn administration_is_for_administrators_and_the_office() {
    let demo = Demo::start(None);
    let (_, beiling, _) = Browser::login(&demo.server, "beiling", PASSWORD);
    assert_eq!(beiling.unwrap().get("/admin").0, 404);
    let post =
        |browser: &Browser, path: &str, pairs: &[(&str, &str)]| browser.post_form(path, pairs);
    let (_, admin, _) = Browser::login(&demo.server, "admin", PASSWORD);
    let admin = admin.unwrap();
    let (status, page) = admin.get("/admin");
    assert_eq!(status, 200);
    let csrf = hidden_csrf(&page);
    let new_user = [
        ("csrf", csrf.as_str()),
        ("username", "nanchuan"),
        ("display_name", "南川县政府 经办人"),
        ("unit", "nanchuan"),
        ("role", "unit"),
        ("password", PASSWORD),
    ];
    assert_eq!(post(&admin, "/admin/users", &new_user).0, 303);
    let (status, nanchuan, _) = Browser::login(&demo.server, "nanchuan", PASSWORD);
    assert_eq!(status, 303);
    assert_eq!(
        nanchuan.unwrap().get("/items/41").0,
        200,
        "the new clerk sees their county's item"
    );
    assert_eq!(
        post(&admin, "/admin/users/nanchuan/disable", &[("csrf", &csrf)]).0,
        303
    );
    assert_eq!(
        Browser::login(&demo.server, "nanchuan", PASSWORD).0,
        401,
        "a disabled account cannot log in"
    );
    let (status, head) = post(&admin, "/admin/users/admin/disable", &[("csrf", &csrf)]);
    assert_eq!(status, 303);
    let refusal = head
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .map(|l| admin.page(l.trim()))
        .unwrap_or_default();
    assert!(refusal.contains("最后一个启用的系统管理员"), "{head}");
    assert_eq!(
        admin.get("/admin").0,
        200,
        "the last administrator keeps its account and session"
    );

    let (_, zgb, _) = Browser::login(&demo.server, "zgb", PASSWORD);
    let zgb = zgb.unwrap();
    let (status, page) = zgb.get("/admin");
    assert_eq!(status, 200);
    assert!(
        !page.contains("添加用户"),
        "the office does not manage accounts"
    );
    let csrf = hidden_csrf(&page);
    assert_eq!(
        post(
            &zgb,
            "/admin/users",
            &new_user.map(|(k, v)| if k == "csrf" {
                (k, csrf.as_str())
            } else {
                (k, v)
            })
        )
        .0,
        404
    );
    assert_eq!(
        post(
            &zgb,
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("key", "workflow.notice_workdays"),
                ("value", "7")
            ]
        )
        .0,
        303
    );
    assert_eq!(
        rectify(
            &demo.db,
            &["setting", "get", "workflow.notice_workdays"],
            ""
        )
        .trim(),
        "7"
    );
    let notice = "year 2027 测试\noff 2027-01-01 元旦\n";
    assert_eq!(
        post(
            &zgb,
            "/admin/calendar",
            &[("csrf", &csrf), ("text", notice)]
        )
        .0,
        303
    );
    assert!(
        rectify(&demo.db, &["calendar", "show", "--year", "2027"], "")
            .contains("off 2027-01-01 元旦")
    );
    let unit = [
        ("csrf", csrf.as_str()),
        ("code", "hbj"),
        ("name", "河安市环保宣教中心"),
        ("kind", "department"),
        ("parent", "sthjj"),
    ];
    assert_eq!(post(&zgb, "/admin/org", &unit).0, 303);
    assert!(zgb.page("/admin").contains("河安市环保宣教中心"));
    assert_eq!(
        post(
            &zgb,
            "/admin/settings",
            &[("key", "reports.due_day"), ("value", "3")]
        )
        .0,
        403,
        "no CSRF token"
    );
}

/// Reports filed on an item, by CLI, as (id, status).
fn reports_of(db: &str, period: &str, item: u32) -> Vec<i64> {
    let listed = rectify(
        db,
        &["report", "list", "--period", period, "--format", "json"],
        "",
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["item"] == item)
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

fn state_of(db: &str, item: u32) -> String {
    let shown = rectify(
        db,
        &["ledger", "show", &item.to_string(), "--format", "json"],
        "",
    );
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    shown["state"].as_str().unwrap().to_string()
}

/// A form's fields as (name, value).
type FormFields<'a> = &'a [(&'a str, &'a str)];

/// SHA-256 of the one-byte file "x".
const X_SHA256: &str = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

#[test]
fn every_post_route_and_both_boards_for_every_role() {
    let demo = Demo::start(None);
    // (user, in scope, out of scope, may import, may administer)
    let cases: &[(&str, u32, Option<u32>, bool, bool)] = &[
        ("admin", 41, None, true, true),
        ("zgb", 41, None, true, true),
        ("jiwei", 41, None, false, false),
        ("viewer", 41, None, false, false),
        ("beiling", 38, Some(41), false, false),
        ("sthjj", 14, Some(17), false, false),
        ("zjj", 17, Some(14), false, false),
        ("wangjianguo", 9, Some(5), false, false),
        ("liming", 9, Some(5), false, false),
        ("yanshou", 16, Some(40), false, false),
    ];
    let mut foreign_reviews = 0;
    for &(user, inside, outside, imports, administers) in cases {
        let (_, browser, _) = Browser::login(&demo.server, user, PASSWORD);
        let browser = browser.unwrap();
        let (status, board) = browser.get("/acceptance");
        assert_eq!(status, 200, "{user} /acceptance");
        let (status, notices) = browser.get("/notices");
        assert_eq!(status, 200, "{user} /notices");
        assert_eq!(browser.get("/inbox").0, 200, "{user} /inbox");
        let page = browser.page(&format!("/items/{inside}"));
        let csrf = hidden_csrf(&page);
        let before = state_of(&demo.db, inside);
        // An action the user may not take here is refused with a message, and changes nothing.
        let (status, head) = browser.post_multipart(
            &format!("/items/{inside}/actions/issue"),
            &[("csrf", &csrf)],
        );
        assert_eq!(status, 303, "{user}");
        assert!(
            head.contains(&format!("location: /items/{inside}?done=")),
            "{head}"
        );
        assert_eq!(state_of(&demo.db, inside), before, "{user}");
        let (status, _) = browser.post_multipart(&format!("/items/{inside}/actions/issue"), &[]);
        assert_eq!(status, 403, "{user}: no CSRF token");
        let expected = |allowed: bool| if allowed { 303 } else { 404 };
        let (status, _) = browser.post_form(
            "/admin/org",
            &[
                ("csrf", &csrf),
                ("code", &format!("probe_{user}")),
                ("name", &format!("探针单位 {user}")),
                ("kind", "department"),
                ("parent", "sthjj"),
            ],
        );
        assert_eq!(status, expected(administers), "{user} /admin/org");
        let (status, _, _) =
            browser.post_file("/import", &[("csrf", &csrf)], Some(("p.csv", b"x")));
        assert_eq!(status, if imports { 200 } else { 404 }, "{user} /import");
        let (status, _, _) = browser.post_file(
            "/complaints/import",
            &[("csrf", &csrf)],
            Some(("c.csv", b"x")),
        );
        assert_eq!(
            status,
            if imports { 200 } else { 404 },
            "{user} /complaints/import"
        );
        // The rest of the administration and the import confirmation: the same rule. Account
        // management is for administrators only.
        let is_admin = user == "admin";
        let judges = matches!(user, "admin" | "zgb" | "jiwei");
        for (path, allowed) in [
            ("/accountability", judges),
            ("/import", imports),
            ("/complaints/import", imports),
            ("/admin", administers),
            ("/bulletins", true),
        ] {
            let expected = if allowed { 200 } else { 404 };
            assert_eq!(browser.get(path).0, expected, "{user} GET {path}");
        }
        let admin_posts: [(&str, FormFields, bool); 7] = [
            ("/bulletins", &[("period", "2026-10")], imports),
            (
                "/accountability",
                &[
                    ("key", "reopened:无此对象"),
                    ("organ", "x"),
                    ("on", "2026-12-01"),
                    ("form", "约谈"),
                ],
                judges,
            ),
            (
                "/admin/settings",
                &[("key", "reports.due_day"), ("value", "5")],
                administers,
            ),
            ("/admin/calendar", &[("text", "year 2031\n")], administers),
            (
                "/admin/users",
                &[
                    ("username", "matrix"),
                    ("display_name", "矩阵"),
                    ("unit", "nanchuan"),
                    ("role", "viewer"),
                    ("password", PASSWORD),
                ],
                is_admin,
            ),
            ("/admin/users/viewer/enable", &[], is_admin),
            (
                "/import/confirm",
                // The file uploaded above: it has errors, so confirming shows them again.
                &[("sha256", X_SHA256), ("file_name", "p.csv"), ("plan", "x")],
                imports,
            ),
        ];
        for (path, fields, allowed) in admin_posts {
            let mut form = vec![("csrf", csrf.as_str())];
            form.extend_from_slice(fields);
            let (status, _) = browser.post_form(path, &form);
            if allowed {
                assert!(status != 404 && status < 500, "{user} {path}: {status}");
            } else {
                assert_eq!(status, 404, "{user} {path}");
            }
        }
        let Some(outside) = outside else { continue };
        for page in [&board, &notices] {
            assert!(
                !page.contains(&format!("href=\"/items/{outside}\"")),
                "{user} board shows {outside}"
            );
        }
        for path in [
            format!("/items/{outside}/actions/issue"),
            format!("/items/{outside}/actions/object"),
            format!("/items/{outside}/report"),
        ] {
            let (status, _) = browser.post_multipart(&path, &[("csrf", &csrf), ("content", "x")]);
            assert_eq!(status, 404, "{user} POST {path}");
        }
        // Reviewing another item's report is out of scope whatever item the form names.
        for report in reports_of(&demo.db, &common::period_back(1), outside) {
            let path = format!("/reports/{report}/review");
            let item = inside.to_string();
            let form = [
                ("csrf", csrf.as_str()),
                ("item", &item),
                ("decision", "confirm"),
            ];
            assert_eq!(browser.post_form(&path, &form).0, 404, "{user} POST {path}");
            foreign_reviews += 1;
        }
    }
    assert!(
        foreign_reviews > 0,
        "the demo has reports on out-of-scope items"
    );
}

#[test]
fn the_boards_list_what_waits_and_act_inline() {
    let demo = Demo::start(None);
    let login = |user: &str| Browser::login(&demo.server, user, PASSWORD).1.unwrap();
    let (zjj, sthjj, yanshou) = (login("zjj"), login("sthjj"), login("yanshou"));
    let queue = zjj.page("/acceptance");
    assert!(
        queue.contains("待受理（申请验收）（1）") && queue.contains("href=\"/items/17\""),
        "{queue}"
    );
    assert!(queue.contains("验收中（1）") && queue.contains("href=\"/items/16\""));
    assert!(
        !queue.contains("<details"),
        "a unit clerk only watches the queue"
    );
    assert!(!sthjj.page("/acceptance").contains("href=\"/items/17\""));
    let notices = sthjj.page("/notices");
    assert!(
        notices.contains("公示中（1）") && notices.contains("href=\"/items/14\""),
        "{notices}"
    );
    assert!(!zjj.page("/notices").contains("href=\"/items/14\""));

    // The acceptance unit starts the acceptance of item 17 from the queue and lands back there.
    let queue = yanshou.page("/acceptance");
    assert!(
        queue.contains("/items/17/actions/start-acceptance"),
        "{queue}"
    );
    let csrf = hidden_csrf(&queue);
    let (status, head) = yanshou.post_multipart(
        "/items/17/actions/start-acceptance",
        &[
            ("csrf", &csrf),
            ("back", "/acceptance"),
            ("team", "市生态环境局、市住建局"),
        ],
    );
    assert_eq!(status, 303);
    assert!(head.contains("location: /acceptance?done="), "{head}");
    assert_eq!(state_of(&demo.db, 17), "UNDER_ACCEPTANCE");
    assert!(yanshou.page("/acceptance").contains("验收中（2）"));
    // Any other return address is ignored: no open redirect.
    let (_, head) = yanshou.post_multipart(
        "/items/16/actions/accept",
        &[
            ("csrf", &csrf),
            ("back", "https://example.com/"),
            ("opinion", ""),
        ],
    );
    assert!(head.contains("location: /items/16?done="), "{head}");

    // The office records an objection on the notice board; deciding it becomes possible.
    let zgb = login("zgb");
    let board = zgb.page("/notices");
    assert!(
        !board.contains("/items/14/actions/uphold"),
        "nothing to decide yet"
    );
    let csrf = hidden_csrf(&board);
    let (_, head) = zgb.post_multipart(
        "/items/14/actions/object",
        &[
            ("csrf", &csrf),
            ("back", "/notices"),
            ("source", "来信"),
            ("content", "夜间仍有异味"),
        ],
    );
    assert!(head.contains("location: /notices?done="), "{head}");
    let board = zgb.page("/notices");
    assert!(
        board.contains("1 件") && board.contains("/items/14/actions/uphold"),
        "{board}"
    );
}

/// The addresses the page links to for an item number, in page order.
fn item_links(page: &str, number: u32) -> Vec<String> {
    let prefix = format!("href=\"/items/{number}?plan=");
    let mut links: Vec<String> = page
        .match_indices(&prefix)
        .map(|(at, _)| {
            let rest = &page[at + "href=\"".len()..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
        .collect();
    links.dedup();
    links
}

#[test]
fn two_plans_with_the_same_numbers_are_told_apart() {
    // A second plan reuses numbers 1 and 41; its 41 is 北岭县's, the demo's 41 is 南川县's.
    let probe = "序号,共性/个性,反馈问题,整改措施,责任单位,整改时限\n\
                 1,个性,第二方案的第一项,1.排查,市生态环境局,2030年底前\n\
                 41,个性,第二方案的北岭县问题,1.整治,北岭县政府,2030年底前\n";
    let demo = Demo::start(Some(probe));
    let login = |user: &str| Browser::login(&demo.server, user, PASSWORD).1.unwrap();
    let (zgb, beiling) = (login("zgb"), login("beiling"));

    let ledger = zgb.page("/ledger?q=%E7%AC%AC");
    assert!(ledger.contains("<select name=\"plan\">"), "a plan filter");
    let ledger = zgb.page("/ledger");
    let ones = item_links(&ledger, 1);
    assert_eq!(
        ones.len(),
        2,
        "both plans' item 1 are linked with their plan: {ones:?}"
    );
    let (demo_one, probe_one) = (&ones[0], &ones[1]);
    assert!(zgb.page(demo_one).contains("督察"), "the demo's item 1");
    let page = zgb.page(probe_one);
    assert!(page.contains("第二方案的第一项"));
    let bare = zgb.page("/items/1");
    assert!(
        bare.contains("第二方案的第一项"),
        "a bare number means the latest plan"
    );
    assert!(bare.contains("同号问题另见"), "and points to the other one");

    // The clerk of 北岭县 sees and acts on the second plan's 41 only.
    let (status, page) = beiling.get("/items/41");
    assert_eq!(status, 200);
    assert!(page.contains("第二方案的北岭县问题"), "{page}");
    let ledger = beiling.page("/ledger");
    let links = item_links(&ledger, 41);
    assert_eq!(links.len(), 1, "{links:?}");
    let demo_41 = demo_one.replace("/items/1?", "/items/41?");
    assert_eq!(beiling.get(&demo_41).0, 404, "南川县's 41 stays hidden");
    let state_41 = |demo_plan: bool| {
        let listed = rectify(&demo.db, &["ledger", "list", "--format", "json"], "");
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["number"] == 41 && (r["plan"] != "探针") == demo_plan)
            .map(|r| r["state"].as_str().unwrap().to_string())
            .unwrap()
    };
    let demo_before = state_41(true);
    assert_eq!(state_41(false), "ISSUED");
    let csrf = hidden_csrf(&page);
    let action = links[0].replacen("/items/41?", "/items/41/actions/claim?", 1);
    let (status, head) =
        beiling.post_multipart(&action, &[("csrf", &csrf), ("plan_text", "分解到乡镇")]);
    assert_eq!(status, 303);
    assert!(head.contains("location: /items/41?plan="), "{head}");
    assert_eq!(
        state_41(false),
        "IN_PROGRESS",
        "the second plan's 41 was claimed"
    );
    assert_eq!(state_41(true), demo_before, "the demo's 41 is untouched");

    // Evidence of the demo's 41 stays out of reach although the clerk sees a 41 of their own.
    let listed = rectify(
        &demo.db,
        &[
            "evidence",
            "list",
            "41",
            "--plan",
            "河安市“回头看”整改方案",
            "--format",
            "json",
        ],
        "",
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let evidence = listed[0]["id"]
        .as_i64()
        .expect("the demo's 41 has evidence");
    assert_eq!(beiling.get(&format!("/evidence/{evidence}")).0, 404);
}

#[test]
fn bulletins_are_generated_by_the_office_and_downloaded_by_everyone() {
    let demo = Demo::start(None);
    let login = |user: &str| Browser::login(&demo.server, user, PASSWORD).1.unwrap();
    let (zgb, beiling) = (login("zgb"), login("beiling"));
    let (status, page) = zgb.get("/bulletins");
    assert_eq!(status, 200);
    assert!(
        page.contains("生成通报") && page.contains("尚未生成通报"),
        "{page}"
    );
    let csrf = hidden_csrf(&page);
    assert_eq!(
        zgb.post_form("/bulletins", &[("period", "2026-11")]).0,
        403,
        "no CSRF token"
    );
    let (status, head) = zgb.post_form("/bulletins", &[("csrf", &csrf), ("period", "2026-11")]);
    assert_eq!(status, 303);
    assert!(head.contains("location: /bulletins?done="), "{head}");
    let (_, head) = zgb.post_form("/bulletins", &[("csrf", &csrf), ("period", "11/2026")]);
    assert!(
        head.contains("location: /bulletins?done="),
        "a bad month is a message: {head}"
    );
    let page = beiling.page("/bulletins");
    assert!(page.contains("2026-11") && page.contains("第1版"), "{page}");
    assert!(!page.contains("生成通报"), "only the office generates");
    let csrf = hidden_csrf(&page);
    assert_eq!(
        beiling
            .post_form("/bulletins", &[("csrf", &csrf), ("period", "2026-11")])
            .0,
        404
    );
    for (format, magic) in [
        ("docx", &b"PK"[..]),
        ("xlsx", &b"PK"[..]),
        ("html", &b"<!doctype"[..]),
    ] {
        let (status, head, body) = demo.server.request(
            "GET",
            &format!("/bulletins/2026-11/1/{format}"),
            &[("Cookie", beiling.cookie.as_str())],
            b"",
        );
        assert_eq!(status, 200, "{format}");
        assert!(body.starts_with(magic), "{format}");
        assert!(head.contains("content-disposition: attachment"), "{head}");
    }
    assert_eq!(beiling.get("/bulletins/2026-11/9/docx").0, 404);
    assert_eq!(beiling.get("/bulletins/2026-11/1/pdf").0, 404);
}

#[test]
fn the_discipline_commission_records_accountability_decisions() {
    let demo = Demo::start(None);
    let jiwei = Browser::login(&demo.server, "jiwei", PASSWORD).1.unwrap();
    let (status, page) = jiwei.get("/accountability");
    assert_eq!(status, 200);
    assert!(
        page.contains("销号后重新打开") && page.contains("公示期间异议成立"),
        "{page}"
    );
    let key = page
        .split("name=\"key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let csrf = hidden_csrf(&page);
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("organ", "市纪委监委"),
        ("on", "2026-12-01"),
        ("form", "诫勉"),
        ("outcome", "对相关责任人诫勉谈话"),
        ("published", "1"),
    ];
    let (status, head) = jiwei.post_form("/accountability", &form);
    assert_eq!(status, 303);
    assert!(head.contains("location: /accountability?done="), "{head}");
    let page = jiwei.page("/accountability");
    assert!(
        page.contains("对相关责任人诫勉谈话") && page.contains("市纪委监委"),
        "{page}"
    );
    let (status, head) = jiwei.post_form(
        "/accountability",
        &[
            ("csrf", &csrf),
            ("key", &key),
            ("organ", ""),
            ("on", "2026-12-01"),
            ("form", "诫勉"),
        ],
    );
    assert_eq!(status, 303);
    assert!(
        head.contains("location: /accountability?done="),
        "a missing organ is a message"
    );
}

#[test]
fn dispatch_messages_reach_only_their_units() {
    let demo = Demo::start(None);
    let at = |now: &str, args: &[&str]| common::rectify_at(&demo.db, now, args);
    at("2026-12-01", &["dispatch", "open", "--period", "2026-12"]);
    at("2026-12-29", &["dispatch", "run", "--period", "2026-12"]);
    let login = |user: &str| Browser::login(&demo.server, user, PASSWORD).1.unwrap();
    let (_, mine) = login("beiling").get("/inbox");
    assert!(
        mine.contains("北岭县政府") && mine.contains("催办"),
        "{mine}"
    );
    assert!(
        !mine.contains("市发改委"),
        "another unit's messages are not shown"
    );
    let (_, all) = login("zgb").get("/inbox");
    assert!(all.contains("市发改委") && all.contains("北岭县政府"));
}

/// The registers are scoped like the ledger: a 北岭县 clerk sees 北岭县's entries only and
/// cannot open another county's, moves follow the rules, sign-offs are the office's, and the
/// list filters by county and state.
#[test]
fn registers_are_scoped_to_the_viewers_counties_and_moved_by_rule() {
    let demo = Demo::start(None);
    let json = rectify(
        &demo.db,
        &[
            "register",
            "list",
            "--kind",
            "scattered",
            "--format",
            "json",
        ],
        "",
    );
    let entries: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entry = |county: &str, state: &str| {
        entries
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["county"] == county && e["state"] == state)
            .map(|e| e["id"].to_string())
            .unwrap()
    };
    let (beiling_own, nanchuan) = (
        entry("北岭县政府", "acceptance"),
        entry("南川县政府", "patrol"),
    );
    let beiling = Browser::login(&demo.server, "beiling", PASSWORD).1.unwrap();
    let (status, list) = beiling.get("/registers?kind=scattered");
    assert_eq!(status, 200);
    assert!(
        list.contains("北岭县政府") && !list.contains("<td class=\"nowrap\">南川县政府</td>"),
        "{list}"
    );
    assert_eq!(beiling.get(&format!("/registers/{nanchuan}")).0, 404);
    let (status, page) = beiling.get(&format!("/registers/{beiling_own}"));
    assert_eq!(status, 200);
    // The county may send back to work but not sign off: 销号 is not offered, and is refused.
    assert!(!page.contains("<option value=\"signed_off\">"), "{page}");
    let csrf = hidden_csrf(&page);
    let move_to = |browser: &Browser<'_>, to: &str, csrf: &str| {
        browser.post_form(
            &format!("/registers/{beiling_own}/move"),
            &[
                ("csrf", csrf),
                ("to", to),
                ("reason", "验收不通过"),
                ("on", "2026-11-29"),
            ],
        )
    };
    assert_eq!(move_to(&beiling, "signed_off", &csrf).0, 403);
    let (status, head) = move_to(&beiling, "remediating", &csrf);
    assert_eq!(status, 303);
    assert!(head.contains("location: /registers/"), "{head}");
    let page = beiling.page(&format!("/registers/{beiling_own}"));
    assert!(page.contains("整治中"), "{page}");
    assert_eq!(move_to(&beiling, "remediating", "forged").0, 403, "CSRF");
    // The office sees every county and filters.
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    let filtered = zgb.page("/registers?kind=scattered&county=%E5%8D%97%E5%B7%9D%E5%8E%BF%E6%94%BF%E5%BA%9C&state=patrol");
    assert!(
        filtered.contains(&format!("href=\"/registers/{nanchuan}\"")),
        "{filtered}"
    );
    assert!(!filtered.contains("北岭县政府</td>"), "{filtered}");
    let (status, paged) = zgb.get("/registers?kind=scattered&page=9");
    assert_eq!(status, 200);
    assert!(
        paged.contains("共 30 条，第 1/1 页"),
        "a page past the end shows the last"
    );
    let sites = zgb.page("/registers?kind=site");
    assert!(
        sites.contains("重复违规"),
        "the demo's repeat offender is marked"
    );
    // The office links the entry with item 2 and a complaint; a bad number links nothing.
    let page = zgb.page(&format!("/registers/{beiling_own}"));
    let csrf = hidden_csrf(&page);
    let links = format!("/registers/{beiling_own}/links");
    // The demo's complaint numbers carry their dates, which move with the demo's day.
    let complaints = zgb.page("/complaints");
    let complaint = complaints
        .split("href=\"/complaints/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        // A received number, not one of the list's own pages (import, spot-checks, exports).
        .find(|path| {
            path.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
        .unwrap()
        .to_string();
    for (item, complaint) in [("第2项", ""), ("", complaint.as_str()), ("第二项", "")] {
        let form = [
            ("csrf", csrf.as_str()),
            ("item", item),
            ("complaint", complaint),
        ];
        assert_eq!(zgb.post_form(&links, &form).0, 303);
    }
    let page = zgb.page(&format!("/registers/{beiling_own}"));
    assert!(
        page.contains("第2项") && page.contains(&format!("href=\"/complaints/{complaint}\"")),
        "{page}"
    );
    let links = page
        .split("<h2>关联</h2>")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .unwrap();
    assert_eq!(
        links.matches("<li>").count(),
        2,
        "the bad number linked nothing: {links}"
    );

    // The office exports a register and imports it back unchanged; a bad sheet is listed and
    // writes nothing; a county clerk may not import.
    let (status, head, xlsx) = zgb.server.request(
        "GET",
        "/registers/export?kind=scattered",
        &[("Cookie", zgb.cookie.as_str())],
        b"",
    );
    assert_eq!(status, 200);
    assert!(
        head.contains("spreadsheetml") && xlsx.starts_with(b"PK"),
        "{head}"
    );
    let page = zgb.page("/registers?kind=scattered");
    let csrf = hidden_csrf(&page);
    let fields = [("csrf", csrf.as_str()), ("kind", "scattered")];
    let (status, head, _) = zgb.post_file("/registers/import", &fields, Some(("out.xlsx", &xlsx)));
    assert_eq!(status, 303);
    assert!(head.contains(&url_encoded("未变 30 条")), "{head}");
    let bad = "名称,所在县（区）,整治类型\n某厂,北岭县政府,取缔\n".as_bytes();
    let (status, _, body) = zgb.post_file("/registers/import", &fields, Some(("bad.csv", bad)));
    assert_eq!(status, 200);
    assert!(
        body.contains("未导入任何条目") && body.contains("C2（整治类型）"),
        "{body}"
    );
    let page = beiling.page("/registers?kind=scattered");
    assert!(
        !page.contains("action=\"/registers/import\""),
        "no import form for a county"
    );
    let csrf = hidden_csrf(&page);
    let fields = [("csrf", csrf.as_str()), ("kind", "scattered")];
    let (status, _, _) = beiling.post_file("/registers/import", &fields, Some(("out.xlsx", &xlsx)));
    assert_eq!(status, 403);
}

/// How a flash message sits in a redirect's query string.
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02x}"),
        })
        .collect()
}

/// The server's clock in the Beijing-time test: 23:30 UTC is already 07:30 of the next day in
/// Beijing, so a page that showed the stored UTC text would name the wrong day.
const LATE_EVENING_UTC: &str = "2026-12-06T23:30:00Z";

/// Instants are stored in UTC and shown in Beijing time. What the server does at 23:30 UTC
/// appears at 07:30 the next day: on the item's timeline, the dashboard, a register entry's
/// evidence, the publication history, and as the portal footer's approval date.
#[test]
fn what_happens_at_23_30_utc_is_shown_at_07_30_beijing_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    // The demo is made the day before, so only what the server does falls at 07:30.
    let day_before = |args: &[&str], stdin: &str| {
        let mut command = Command::new(BIN);
        command
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("RECTIFY_NOW", "2026-12-06T10:00:00+08:00");
        common::ok(&common::with_stdin(command, stdin))
    };
    day_before(&["demo"], "");
    for user in ["yanshou", "zgb"] {
        day_before(
            &["user", "passwd", user, "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
    }
    let server = Server::start_at(&db, &["serve"], LATE_EVENING_UTC);
    let login = |user: &str| Browser::login(&server, user, PASSWORD).1.unwrap();
    let (yanshou, zgb) = (login("yanshou"), login("zgb"));
    let utc_minute = "2026-12-06 23:30";
    let beijing_minute = "2026-12-07 07:30";

    // The acceptance unit starts the acceptance of the first item its queue offers.
    let queue = yanshou.page("/acceptance");
    let offered = queue
        .split("/actions/start-acceptance")
        .next()
        .filter(|_| queue.contains("/actions/start-acceptance"))
        .and_then(|before| before.rsplit("/items/").next())
        .expect("the demo has an item waiting for acceptance");
    let number = offered.to_string();
    let (status, _) = yanshou.post_multipart(
        &format!("/items/{number}/actions/start-acceptance"),
        &[("csrf", &hidden_csrf(&queue)), ("team", "市生态环境局")],
    );
    assert_eq!(status, 303);
    let page = yanshou.page(&format!("/items/{number}"));
    assert!(
        page.contains(&format!(
            "<span class=\"sub\">{beijing_minute}</span> <strong>市生态环境局 验收组</strong>"
        )),
        "the timeline shows Beijing time: {page}"
    );
    assert!(!page.contains(utc_minute), "{page}");
    let dashboard = zgb.page("/");
    assert!(
        dashboard.contains(&format!(
            "<td class=\"sub\">{beijing_minute}</td><td>市生态环境局 验收组</td>"
        )),
        "{dashboard}"
    );
    let history = day_before(&["item", "history", &number], "");
    assert!(
        history.contains(&format!("\t{beijing_minute}\t")),
        "the command line's history too: {history}"
    );

    // The office adds a photo to a register entry.
    let entries: serde_json::Value = serde_json::from_str(&day_before(
        &[
            "register",
            "list",
            "--kind",
            "scattered",
            "--format",
            "json",
        ],
        "",
    ))
    .unwrap();
    let entry = format!("/registers/{}", entries[0]["id"]);
    let page = zgb.page(&entry);
    let png = [0x89, b'P', b'N', b'G', 13, 10, 26, 10];
    let (status, _, _) = zgb.post_file(
        &format!("{entry}/evidence"),
        &[("csrf", &hidden_csrf(&page)), ("kind", "现场照片")],
        Some(("photo.png", &png)),
    );
    assert_eq!(status, 303);
    let page = zgb.page(&entry);
    assert!(
        page.contains(&format!("zgb {beijing_minute}</td>")),
        "the evidence shows Beijing time: {page}"
    );

    // The office publishes: the history shows the minute, the portal's footer the Beijing date.
    let page = zgb.page("/publish");
    let (status, _) = zgb.post_form("/publish", &[("csrf", &hidden_csrf(&page))]);
    assert_eq!(status, 303);
    let page = zgb.page("/publish");
    assert!(
        page.contains(&format!("<td>{beijing_minute}</td>")),
        "{page}"
    );
    let (status, _, portal) = server.get("/public");
    assert_eq!(status, 200);
    assert!(portal.contains("2026-12-07 审核发布"), "{portal}");
    assert!(!portal.contains("2026-12-06 审核发布"), "{portal}");
}

/// The dashboard's schedule cards as (code, count), in order.
fn schedule_cards(dashboard: &str) -> Vec<(String, usize)> {
    dashboard
        .split("<a class=\"card sched-")
        .skip(1)
        .map(|card| {
            let code = card.split('"').next().unwrap().to_string();
            let count = card
                .split("<div class=\"value\">")
                .nth(1)
                .and_then(|v| v.split('<').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("a card without a count: {card}"));
            (code, count)
        })
        .collect()
}

/// How many of the ledger's badges, over all its pages, carry `code`.
fn ledger_badges(browser: &Browser<'_>, query: &str, code: &str) -> usize {
    let badge = format!("<span class=\"badge sched-{code}\"");
    let mut count = 0;
    for page in 1.. {
        let (status, html) = browser.get(&format!("/ledger?{query}page={page}"));
        assert_eq!(status, 200);
        count += html.matches(&badge).count();
        let pages = html
            .split(&format!("第 {page}/"))
            .nth(1)
            .and_then(|p| p.split(' ').next())
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap();
        if page >= pages {
            break;
        }
    }
    count
}

/// The dashboard's 蓝/黄/红 (and 时限待定, 已完成) counts are the ledger's badges for the same
/// user, and each card's link lists exactly its items: both come from `Item::schedule`. The
/// demo at the tests' clock has items of every colour, 黄 among them.
#[test]
fn the_dashboards_schedule_counts_are_the_ledgers_badges() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, None);
    for user in ["zgb", "beiling"] {
        rectify(
            &db,
            &["user", "passwd", user, "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
    }
    let server = if common::system_clock() {
        Server::start(&db, &["serve"])
    } else {
        Server::start_at(&db, &["serve"], common::TEST_NOW)
    };
    let mut totals = Vec::new();
    for user in ["zgb", "beiling"] {
        let browser = Browser::login(&server, user, PASSWORD).1.unwrap();
        let dashboard = browser.page("/");
        let cards = schedule_cards(&dashboard);
        let codes: Vec<&str> = cards.iter().map(|(code, _)| code.as_str()).collect();
        assert_eq!(
            codes,
            ["on_track", "lagging", "overdue", "done", "undated"],
            "{user}"
        );
        // The colours partition the items (as in the bulletin); 时限待定 is a flag beside them.
        let coloured: usize = cards.iter().take(4).map(|(_, n)| n).sum();
        assert!(
            dashboard.contains(&format!("可见问题 {coloured} 项")),
            "{user}: {cards:?}"
        );
        for (code, count) in &cards {
            assert_eq!(ledger_badges(&browser, "", code), *count, "{user}: {code}");
            assert_eq!(
                ledger_badges(&browser, &format!("schedule={code}&"), code),
                *count,
                "{user}: /ledger?schedule={code}"
            );
        }
        totals.push(cards);
    }
    let count = |cards: &[(String, usize)], code: &str| {
        cards.iter().find(|(c, _)| c == code).map_or(0, |(_, n)| *n)
    };
    let everything = &totals[0];
    for code in ["on_track", "lagging", "overdue"] {
        assert!(
            count(everything, code) > 0,
            "no {code} item: {everything:?}"
        );
    }
    let county = &totals[1];
    let sum = |cards: &[(String, usize)]| cards.iter().map(|(_, n)| n).sum::<usize>();
    assert!(sum(county) < sum(everything), "{county:?} {everything:?}");

    // A 黄 item's page says which milestone holds it back.
    let office = Browser::login(&server, "zgb", PASSWORD).1.unwrap();
    let ledger = office.page("/ledger?schedule=lagging");
    let href = ledger
        .split("<td><a href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let (status, page) = office.get(&href);
    assert_eq!(status, 200);
    let reasons = page
        .split("<ul class=\"reasons sched-lagging\">")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .unwrap_or_else(|| panic!("no reasons on {href}: {page}"));
    assert!(
        reasons.contains("项措施节点 ") && reasons.contains(" 未完成"),
        "{reasons}"
    );
}

/// #22: an action's form is drawn from its declaration, and its input goes through the one
/// reader the CLI and the API use: a 是/否 is chosen, never left to mean 否, and each file is
/// filed as its slot says.
#[test]
fn action_forms_follow_the_declaration() {
    let demo = Demo::start(None);
    let (_, sthjj, _) = Browser::login(&demo.server, "sthjj", PASSWORD);
    let sthjj = sthjj.unwrap();
    let (status, page) = sthjj.get("/items/1");
    assert_eq!(status, 200);
    let submit = page
        .split("action=\"/items/1/actions/submit\"")
        .nth(1)
        .and_then(|f| f.split("</form>").next())
        .expect("the lead unit may apply for acceptance");
    assert!(submit.contains("name=\"report\""), "{submit}");
    assert!(submit.contains("name=\"files\""), "{submit}");
    let csrf = hidden_csrf(&page);

    // A file in a slot the step does not declare is refused, and nothing is filed.
    let (_, zgb, _) = Browser::login(&demo.server, "zgb", PASSWORD);
    let zgb = zgb.unwrap();
    let before = rectify(&demo.db, &["evidence", "list", "1", "--format", "json"], "");
    let amend = [
        ("csrf", csrf.as_str()),
        ("deadline", "2027年6月底前"),
        ("reason", "施工期延长"),
    ];
    let csrf = hidden_csrf(&zgb.page("/items/1"));
    let amend = amend.map(|(k, v)| {
        if k == "csrf" {
            (k, csrf.as_str())
        } else {
            (k, v)
        }
    });
    let (status, head, _) = zgb.post_files(
        "/items/1/actions/amend",
        &amend,
        &[("files", "说明.pdf", b"%PDF-1.4 x")],
    );
    assert_eq!(status, 303);
    assert_eq!(zgb.outcome(&head), "“申请调整”不附带文件");
    let after = rectify(&demo.db, &["evidence", "list", "1", "--format", "json"], "");
    assert_eq!(before, after);
    let (status, head, _) = zgb.post_files("/items/1/actions/amend", &amend, &[]);
    assert_eq!(status, 303);
    assert!(zgb.outcome(&head).starts_with("申请调整："), "{head}");

    let (_, leader, _) = Browser::login(&demo.server, "wangjianguo", PASSWORD);
    let leader = leader.unwrap();
    let (status, page) = leader.get("/items/1");
    assert_eq!(status, 200);
    let decide = page
        .split("action=\"/items/1/actions/decide-amendment\"")
        .nth(1)
        .and_then(|f| f.split("</form>").next())
        .expect("the leader decides the amendment");
    assert!(
        decide.contains("<select name=\"approve\" required>"),
        "{decide}"
    );
    let csrf = hidden_csrf(&page);
    let (_, head, _) = leader.post_files(
        "/items/1/actions/decide-amendment",
        &[("csrf", &csrf), ("approve", ""), ("note", "")],
        &[],
    );
    assert_eq!(leader.outcome(&head), "“审批调整”需要填写同意（是或否）");
    let (_, head, _) = leader.post_files(
        "/items/1/actions/decide-amendment",
        &[("csrf", &csrf), ("approve", "否"), ("note", "理由不足")],
        &[],
    );
    assert!(leader.outcome(&head).starts_with("审批调整："), "{head}");
    let ledger = rectify(&demo.db, &["ledger", "list", "--format", "json"], "");
    let ledger: serde_json::Value = serde_json::from_str(&ledger).unwrap();
    let first = ledger[0].to_string();
    assert!(first.contains("\"number\":1"), "{first}");
    assert!(
        !first.contains("2027年6月底前"),
        "a refused amendment changed the deadline"
    );
}

/// A concrete path for a route pattern, with values that exist in the demo.
fn concrete(pattern: &str, complaint: &str) -> String {
    let mut path = pattern.to_string();
    for (param, value) in [
        ("{number}", "1"),
        ("{action}", "claim"),
        ("{id}", "1"),
        ("{period}", "2026-11"),
        ("{version}", "1"),
        ("{format}", "docx"),
        ("{received_no}", complaint),
        ("{username}", "viewer"),
        ("{change}", "disable"),
        ("{unit}", "1"),
        ("{table}", "public.xlsx"),
        ("{round}", "1"),
    ] {
        path = path.replace(param, value);
    }
    assert!(
        !path.contains('{'),
        "a route parameter without a value: {pattern}"
    );
    path
}

/// #22: every route that is not public refuses a caller who is not signed in, and refuses a
/// change without the CSRF token, taken from the router's own table rather than a list here.
#[test]
fn every_signed_in_route_refuses_anonymous_callers_and_changes_without_csrf() {
    let demo = Demo::start(None);
    let complaints = rectify(&demo.db, &["complaint", "list", "--format", "json"], "");
    let complaints: serde_json::Value = serde_json::from_str(&complaints).unwrap();
    let complaint = complaints[0]["received_no"].as_str().unwrap().to_string();
    // The administrator holds every permission a route asks for, so only the token is missing.
    let (_, admin, _) = Browser::login(&demo.server, "admin", PASSWORD);
    let admin = admin.unwrap();
    let multipart = [
        ("Cookie", admin.cookie.as_str()),
        ("Content-Type", "multipart/form-data; boundary=x"),
    ];
    let table = rectify_web::route_table();
    let guarded: Vec<&str> = table
        .iter()
        .filter(|(_, access)| *access == rectify_web::Access::SignedIn)
        .map(|(path, _)| *path)
        .collect();
    assert!(guarded.len() > 30, "{guarded:?}");
    for pattern in guarded {
        let path = concrete(pattern, &complaint);
        let api = path.starts_with("/api/");
        for method in ["GET", "POST", "DELETE"] {
            let (status, head, _) = demo.server.request(method, &path, &[], b"");
            let refused = match status {
                303 => !api && head.contains("location: /login?next="),
                401 => api,
                405 => true,
                _ => false,
            };
            assert!(refused, "anonymous {method} {path}: {status}\n{head}");
        }
        let (status, head, body) = demo.server.request("POST", &path, &multipart, b"--x--\r\n");
        assert!(
            status == 403 || status == 405,
            "POST {path} without a CSRF token: {status}\n{head}\n{}",
            String::from_utf8_lossy(&body)
        );
    }
    // Outside a role, a change is answered like a missing page before its token is looked at,
    // so the refusal does not tell that the route exists.
    let (_, beiling, _) = Browser::login(&demo.server, "beiling", PASSWORD);
    let beiling = beiling.unwrap();
    for path in [
        "/admin/users",
        "/admin/org",
        "/admin/users/viewer/disable",
        "/import/confirm",
        "/accountability",
    ] {
        assert_eq!(beiling.post_form(path, &[("x", "y")]).0, 404, "{path}");
    }
}

/// #19 (one count wherever it appears): each stage card on the dashboard counts exactly the
/// items the ledger lists behind its link, and a state picked in the ledger's filter selects
/// that state only.
#[test]
fn dashboard_stage_cards_match_the_ledger_they_link_to() {
    let demo = Demo::start(None);
    let (_, zgb, _) = Browser::login(&demo.server, "zgb", PASSWORD);
    let zgb = zgb.unwrap();
    let dashboard = zgb.page("/");
    let cards: Vec<(String, usize)> = dashboard
        .split("<a class=\"card\" href=\"/ledger?state=")
        .skip(1)
        .map(|card| {
            let code = card.split('"').next().unwrap().to_string();
            let value = card
                .split("<div class=\"value\">")
                .nth(1)
                .and_then(|v| v.split('<').next())
                .unwrap()
                .parse()
                .unwrap();
            (code, value)
        })
        .collect();
    assert_eq!(cards.len(), 5, "{dashboard}");
    let listed = |query: &str| -> usize {
        let page = zgb.page(&format!("/ledger?{query}"));
        page.split("共 ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .unwrap()
            .parse()
            .unwrap()
    };
    let mut total = 0;
    for (code, count) in &cards {
        assert_eq!(listed(&format!("state={code}")), *count, "card {code}");
        total += count;
    }
    assert_eq!(total, listed(""), "the cards cover every item once");
    let submitted = zgb.page("/ledger?state=SUBMITTED");
    for state in ["验收中", "公示中", "待审签"] {
        assert!(
            !submitted.contains(&format!("<td>{state}</td>")),
            "申请验收 lists {state}"
        );
    }
    assert!(submitted.contains("<td>申请验收</td>"), "{submitted}");
    assert!(listed("state=SUBMITTED") < listed("state=awaiting"));
}

/// #19: a shared item (各县（区）政府) is the counties' to work on. 北岭县's clerk sees it, files
/// its monthly report with a photo and reports its part done; a department not named does
/// not see it; the office sees every county's part on the item and in the bulletin.
#[test]
fn a_county_works_its_part_of_a_shared_item() {
    let demo = Demo::start(None);
    let period = common::period_back(0);
    let login = |user: &str| Browser::login(&demo.server, user, PASSWORD).1.unwrap();
    let (beiling, zjj, zgb) = (login("beiling"), login("zjj"), login("zgb"));
    // Item 3: 市生态环境局（牵头）、市工信局、各县（区）政府 — 住建局 is not named.
    assert_eq!(zjj.get("/items/3").0, 404, "a department not named");
    let ledger = beiling.page("/ledger");
    assert!(
        ledger.contains("/items/3"),
        "the county sees the shared item"
    );
    let page = beiling.page("/items/3");
    assert!(
        page.contains("分解任务") && page.contains("北岭县政府"),
        "{page}"
    );
    let csrf = hidden_csrf(&page);
    let form = beiling.page("/items/3/report");
    assert!(form.contains("本月完成的措施"), "{form}");
    let (status, head, _) = beiling.post_files(
        "/items/3/report",
        &[
            ("csrf", &csrf),
            ("period", &period),
            ("text", "北岭县：排查企业 36 家，整治完成"),
            ("done", "1"),
            ("done", "2"),
            ("schedule", "序时推进"),
        ],
        &[("files", "现场.png", PHOTO)],
    );
    assert_eq!(status, 303, "{head}");
    let json = rectify(&demo.db, &["ledger", "show", "3", "--format", "json"], "");
    let shown: serde_json::Value = serde_json::from_str(&json).unwrap();
    let task = shown["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["unit"] == "北岭县政府")
        .unwrap()
        .clone();
    assert_eq!(task["latest_report_period"], period.as_str());
    assert!(
        task["done_measures"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(2)),
        "{task}"
    );
    // 报告完成: the form on 北岭县's card is the only task form it is offered.
    let ids = task_form_units(&page);
    assert_eq!(ids.len(), 1, "one task form for 北岭县");
    let unit_id = ids[0];
    let (status, head, _) = beiling.post_files(
        &format!("/items/3/tasks/{unit_id}/complete"),
        &[("csrf", &csrf), ("text", "全部措施完成")],
        &[("files", "验收前照片.png", PHOTO)],
    );
    assert_eq!(status, 303);
    assert_eq!(beiling.outcome(&head), "北岭县政府：已完成");
    let office = zgb.page("/items/3");
    // Another county's task is not 北岭县's to act on.
    let other = task_form_units(&office)
        .into_iter()
        .find(|id| *id != unit_id)
        .unwrap();
    let (_, head, _) = beiling.post_files(
        &format!("/items/3/tasks/{other}/start"),
        &[("csrf", &csrf)],
        &[],
    );
    assert!(beiling.outcome(&head).contains("单位不符"), "{head}");

    assert!(office.contains("已完成 "), "{office}");
    assert!(
        office.contains("<strong>北岭县政府 经办人</strong>")
            && !office.contains("<strong>beiling</strong>"),
        "the timeline names people by their display names"
    );
    for county in [
        "城关区政府",
        "东湖区政府",
        "北岭县政府",
        "南川县政府",
        "清水县政府",
        "丰乐县政府",
    ] {
        assert!(office.contains(county), "{county} on the item");
    }
    let page = zgb.page("/bulletins");
    let csrf = hidden_csrf(&page);
    let (status, _) = zgb.post_form("/bulletins", &[("csrf", &csrf), ("period", &period)]);
    assert_eq!(status, 303);
    let (status, _, body) = demo.server.request(
        "GET",
        &format!("/bulletins/{period}/1/html"),
        &[("Cookie", zgb.cookie.as_str())],
        b"",
    );
    assert_eq!(status, 200);
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("共性问题分县（市、区）完成情况"), "{html}");
}

/// The member ids in a page's task forms (`/items/N/tasks/ID/ACTION`), in order, once each.
fn task_form_units(page: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = Vec::new();
    for part in page.split("/tasks/").skip(1) {
        let id: String = part.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(id) = id.parse()
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// A PNG signature: enough for the upload's type check.
const PHOTO: &[u8] = &[0x89, b'P', b'N', b'G', 13, 10, 26, 10];

/// #19: every count is the same wherever it appears. On the demo, the office's dashboard, the
/// ledger's filter and the bulletin of the running month (stated as of the same day) give the
/// same totals by stage and colour, the same 逾期 and 时限待定, and the same overdue complaints.
#[test]
fn every_count_is_the_same_wherever_it_appears() {
    let demo = Demo::start(None);
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    let dashboard = zgb.page("/");
    let card = |kind: &str, code: &str| -> u64 {
        let marker = format!("href=\"/ledger?{kind}={code}\">");
        dashboard
            .split(&marker)
            .nth(1)
            .and_then(|c| c.split("<div class=\"value\">").nth(1))
            .and_then(|v| v.split('<').next())
            .unwrap_or_else(|| panic!("no card {kind}={code}"))
            .parse()
            .unwrap()
    };
    let listed = |query: &str| -> u64 {
        let page = zgb.page(&format!("/ledger?{query}"));
        page.split("共 ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .unwrap()
            .parse()
            .unwrap()
    };
    let period = common::period_back(0);
    let out = tempfile::tempdir().unwrap();
    rectify(
        &demo.db,
        &[
            "bulletin",
            "--period",
            &period,
            "--out",
            &out.path().to_string_lossy(),
            "--format",
            "xlsx",
        ],
        "",
    );
    let facts = facts_of(&demo.db, &period, 1);
    let all = facts["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["scope"] == "合计")
        .unwrap();
    let total = |field: &str| all[field].as_u64().unwrap();
    for (field, kind, code) in [
        ("closed", "state", "closed"),
        ("sustain", "state", "sustain"),
        ("awaiting", "state", "awaiting"),
        ("blue", "schedule", "on_track"),
        ("yellow", "schedule", "lagging"),
        ("red", "schedule", "overdue"),
    ] {
        let shown = card(kind, code);
        assert_eq!(total(field), shown, "bulletin {field} = dashboard {code}");
        assert_eq!(
            listed(&format!("{kind}={code}")),
            shown,
            "ledger {kind}={code}"
        );
    }
    assert_eq!(total("items"), listed(""), "every item");
    let overdue: u64 = dashboard
        .split("已逾期（")
        .nth(1)
        .and_then(|t| t.split('）').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(total("overdue"), overdue, "逾期");
    // 时限待定: the dashboard's card, the ledger's filter and the items the ledger marks.
    let undated = card("schedule", "undated");
    assert_eq!(listed("schedule=undated"), undated);
    let json = rectify(&demo.db, &["ledger", "list", "--format", "json"], "");
    let ledger: serde_json::Value = serde_json::from_str(&json).unwrap();
    let marked = ledger
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["undated"] == true)
        .count() as u64;
    assert_eq!(marked, undated, "ledger list 时限待定");
    // Complaints past their report-back day and not answered, as of today.
    let complaints_overdue: u64 = dashboard
        .split("逾期未反馈 <strong")
        .nth(1)
        .and_then(|t| t.split('>').nth(1))
        .and_then(|t| t.split('<').next())
        .unwrap()
        .parse()
        .unwrap();
    let units = facts["complaints"]["units"].as_array().unwrap();
    let in_bulletin: u64 = units.iter().map(|u| u["overdue"].as_u64().unwrap()).sum();
    assert_eq!(in_bulletin, complaints_overdue, "overdue complaints");
    // The demo has some of each, so no equality above holds by being zero on both sides.
    assert!(
        [
            total("red"),
            total("yellow"),
            total("awaiting"),
            overdue,
            undated,
            complaints_overdue
        ]
        .iter()
        .all(|n| *n > 0),
        "{all} {overdue} {undated} {complaints_overdue}"
    );
}

/// A path that does not parse is the same friendly page as a missing one.
#[test]
fn a_malformed_address_is_a_friendly_not_found() {
    let demo = Demo::start(None);
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    for path in [
        "/items/abc",
        "/items/99999999999",
        "/complaints/spotchecks/x",
    ] {
        let (status, page) = zgb.get(path);
        assert_eq!(status, 404, "{path}");
        assert!(
            page.contains("未找到") && page.contains("返回首页"),
            "{path}: {page}"
        );
        assert!(
            !page.contains("Invalid URL") && page.contains("viewport"),
            "{page}"
        );
    }
}

/// Menus show only what the role may open: every link in every role's menu answers 200, and
/// a county clerk's menu has no office pages.
#[test]
fn every_menu_links_only_to_pages_its_user_may_open() {
    let demo = Demo::start(None);
    for user in USERS {
        let browser = Browser::login(&demo.server, user, PASSWORD).1.unwrap();
        let home = browser.page("/");
        let header = home
            .split("<header class=\"top\">")
            .nth(1)
            .and_then(|h| h.split("</header>").next())
            .unwrap();
        let links: Vec<&str> = header
            .split("href=\"")
            .skip(1)
            .filter_map(|l| l.split('"').next())
            .collect();
        assert!(links.contains(&"/ledger"), "{user}: {links:?}");
        for link in &links {
            assert_eq!(browser.get(link).0, 200, "{user}'s menu links to {link}");
        }
        if *user == "beiling" {
            for office in ["/import", "/publish", "/admin", "/accountability"] {
                assert!(!links.contains(&office), "a clerk's menu shows {office}");
            }
        }
    }
}

/// #21: settings are labelled forms that read what people type (是/否, a choice, one entry per
/// line, a number in its range), never raw JSON, and refuse a bad entry with its reason.
#[test]
fn settings_are_labelled_forms_with_validation() {
    let demo = Demo::start(None);
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    let page = zgb.page("/admin");
    assert!(
        page.contains("分解任务验收方式") && !page.contains("JSON 值"),
        "{page}"
    );
    let csrf = hidden_csrf(&page);
    let save = |key: &str, value: &str| {
        let (status, head) = zgb.post_form(
            "/admin/settings",
            &[("csrf", &csrf), ("key", key), ("value", value)],
        );
        assert_eq!(status, 303, "{key}");
        zgb.outcome(&head)
    };
    let get = |key: &str| {
        rectify(&demo.db, &["setting", "get", key], "")
            .trim()
            .to_string()
    };
    assert!(save("tasks.include_zones", "是").starts_with("已保存"));
    assert_eq!(get("tasks.include_zones"), "true");
    assert!(save("tasks.acceptance", "task").contains("逐个县区验收"));
    assert_eq!(get("tasks.acceptance"), "\"task\"");
    save("evidence.media_types", "image/jpeg\n\napplication/pdf\n");
    assert_eq!(
        get("evidence.media_types"),
        r#"["image/jpeg","application/pdf"]"#
    );
    let refused = save("reports.due_day", "31");
    assert!(refused.contains("1 到 28"), "{refused}");
    let stored = common::query(
        &demo.db,
        "SELECT COUNT(*) FROM settings WHERE key = 'reports.due_day'",
    );
    assert_eq!(stored[0][0], "0", "a refused entry is not stored");
}

/// #21: the office runs the month's dispatch in the browser: it opens November's round, sees
/// who owes reports, issues the steps due, prints one; the unit reads it in 消息 and may print
/// its own, no other.
#[test]
fn the_office_runs_a_dispatch_round_in_the_browser() {
    let demo = Demo::start(None);
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    let beiling = Browser::login(&demo.server, "beiling", PASSWORD).1.unwrap();
    assert_eq!(beiling.get("/dispatch").0, 404, "the office's page");
    let period = common::period_back(1);
    let page = zgb.page(&format!("/dispatch?period={period}"));
    assert!(page.contains("本月调度尚未开启"), "{page}");
    let csrf = hidden_csrf(&page);
    let (status, head) = zgb.post_form("/dispatch/open", &[("csrf", &csrf), ("period", &period)]);
    assert_eq!(status, 303);
    assert!(zgb.outcome(&head).starts_with("已开启"), "{head}");
    let page = zgb.page(&format!("/dispatch?period={period}"));
    assert!(
        page.contains("应报送进展的单位") && page.contains("北岭县政府"),
        "{page}"
    );
    let (_, head) = zgb.post_form("/dispatch/run", &[("csrf", &csrf), ("period", &period)]);
    let said = zgb.outcome(&head);
    assert!(said.starts_with("已发出"), "{said}");
    let page = zgb.page(&format!("/dispatch?period={period}"));
    let ids: Vec<i64> = page
        .split("/dispatch/steps/")
        .skip(1)
        .filter_map(|p| p.split('"').next()?.parse().ok())
        .collect();
    assert!(!ids.is_empty(), "{page}");
    let (status, _, body) = demo.server.request(
        "GET",
        &format!("/dispatch/steps/{}", ids[0]),
        &[("Cookie", zgb.cookie.as_str())],
        b"",
    );
    assert_eq!(status, 200);
    assert!(body.starts_with(b"PK"), "a docx");
    let inbox = beiling.page("/inbox");
    let theirs = page.contains("北岭县政府");
    assert!(!theirs || inbox.contains("北岭县政府"), "{inbox}");
    // A step sent to another unit is not 北岭县's to print.
    let others: Vec<&i64> = ids
        .iter()
        .filter(|id| {
            let row = page
                .split(&format!("/dispatch/steps/{id}\""))
                .next()
                .and_then(|before| before.rsplit("<tr>").next())
                .unwrap_or("");
            !row.contains("北岭县政府")
        })
        .collect();
    let other = others.first().expect("a step for another unit");
    assert_eq!(beiling.get(&format!("/dispatch/steps/{other}")).0, 404);
}

/// #21: the cockpit is the leaders' and the office's, with the running month's bulletin
/// figures; a county clerk gets the same 404 as a missing page and no menu entry.
#[test]
fn the_cockpit_is_for_leaders_with_the_bulletins_figures() {
    let demo = Demo::start(None);
    let leader = Browser::login(&demo.server, "wangjianguo", PASSWORD)
        .1
        .unwrap();
    let page = leader.page("/cockpit");
    assert!(page.contains("href=\"/cockpit\""), "in the leader's menu");
    let json = rectify(&demo.db, &["ledger", "list", "--format", "json"], "");
    let items = serde_json::from_str::<serde_json::Value>(&json)
        .unwrap()
        .as_array()
        .unwrap()
        .len();
    assert!(
        page.contains(&format!("<th>合计</th><td>{items}</td>")),
        "{page}"
    );
    let beiling = Browser::login(&demo.server, "beiling", PASSWORD).1.unwrap();
    assert_eq!(beiling.get("/cockpit").0, 404);
    assert!(!beiling.page("/").contains("href=\"/cockpit\""));
}

/// Ticking 专项整治名录 alone publishes the registers (the form once dropped the field), and
/// the publication history names the parts in Chinese and the approver by name.
#[test]
fn ticking_the_registers_publishes_them() {
    let demo = Demo::start(None);
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    let page = zgb.page("/publish?registers=1");
    assert!(
        page.contains("name=\"registers\" value=\"1\" checked"),
        "{page}"
    );
    let (status, _) = zgb.post_form(
        "/publish",
        &[("csrf", &hidden_csrf(&page)), ("registers", "1")],
    );
    assert_eq!(status, 303);
    let (status, _, registers) = demo.server.get("/public/registers");
    assert_eq!(status, 200);
    assert!(registers.contains("散乱污"), "{registers}");
    let history = zgb.page("/publish");
    assert!(
        history.contains("<td>整改办 张伟</td>") && history.contains("<td>专项整治名录</td>"),
        "{history}"
    );
}

/// #21: /air and /water show a signed-in user's own menu, and a visitor the portal's, never
/// the internal one.
#[test]
fn air_and_water_show_the_viewers_menu() {
    let demo = Demo::start(None);
    let beiling = Browser::login(&demo.server, "beiling", PASSWORD).1.unwrap();
    for page in ["/air", "/water"] {
        let (status, _, anonymous) = demo.server.get(page);
        assert_eq!(status, 200);
        assert!(
            anonymous.contains("href=\"/public/notices\"")
                && !anonymous.contains("href=\"/ledger\""),
            "{page} for a visitor: {anonymous}"
        );
        let signed_in = beiling.page(page);
        assert!(
            signed_in.contains("href=\"/ledger\"")
                && signed_in.contains("/logout")
                && !signed_in.contains("href=\"/public/notices\""),
            "{page} for a county clerk: {signed_in}"
        );
        assert!(
            !signed_in.contains("href=\"/admin\""),
            "only the clerk's own menu"
        );
    }
}

/// A local group robot: answers each POST by its path (`/ok…` accepts with errcode 0, `/down`
/// answers 500, `/refuse` errcode 93000) and keeps every (path, body) it received.
struct Robot {
    addr: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl Robot {
    fn start() -> Robot {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                log.lock()
                    .unwrap()
                    .push((path.clone(), String::from_utf8(body).unwrap()));
                let (status, answer) = match path.as_str() {
                    "/down" => ("500 Internal Server Error", "{}"),
                    "/refuse" => (
                        "200 OK",
                        r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#,
                    ),
                    _ => ("200 OK", r#"{"errcode":0,"errmsg":"ok"}"#),
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        Robot { addr, received }
    }

    fn bodies_to(&self, path: &str) -> Vec<String> {
        let log = self.received.lock().unwrap();
        log.iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .collect()
    }
}

/// #21: each issued step goes to its unit's group robot and to the catch-all one as a JSON text
/// message; a failing robot is retried on its schedule and, after the last try, shown to the
/// office as failed with a button that sends it again. Nothing is lost.
#[test]
fn dispatch_steps_reach_group_robots_and_failures_are_retried_and_shown() {
    // On a clock of its own (not the year-ahead run's): the retries are timed to the minute,
    // and no server may send meanwhile; the server starts after the command-line part.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, Some("2026-12-07"));
    let robot = Robot::start();
    let url = |path: &str| format!("http://{}{path}", robot.addr);
    let routes = serde_json::json!({
        "北岭县政府": url("/ok-beiling"),
        "南川县政府": [url("/down")],
        "*": url("/ok-all"),
    })
    .to_string();
    let at = |now: &str, args: &[&str]| {
        let out = Command::new(BIN)
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("RECTIFY_NOW", now)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    at(
        "2026-12-01T09:00:00+08:00",
        &["setting", "set", "webhook.urls", &routes],
    );
    at(
        "2026-12-01T09:00:00+08:00",
        &["dispatch", "open", "--period", "2026-12"],
    );
    let run = |now: &str| at(now, &["dispatch", "run", "--period", "2026-12"]);
    let first = run("2026-12-29T10:00:00+08:00");
    assert!(
        first.contains("北岭县政府（工作群机器人）") && first.contains("已送达"),
        "{first}"
    );
    assert!(first.contains("发送失败，稍后重试（HTTP 500"), "{first}");

    let beiling = robot.bodies_to("/ok-beiling");
    assert!(!beiling.is_empty(), "北岭县's robot got its steps");
    let message: serde_json::Value = serde_json::from_str(&beiling[0]).unwrap();
    assert_eq!(message["msgtype"], "text");
    let content = message["text"]["content"].as_str().unwrap();
    assert!(
        content.contains("2026-12 北岭县政府") && content.contains('【'),
        "{content}"
    );
    let all = robot.bodies_to("/ok-all").len();
    let down_first = robot.bodies_to("/down").len();
    assert!(
        all > beiling.len(),
        "the catch-all robot gets every unit's steps"
    );
    assert!(down_first > 0);

    // Not due yet: nothing is tried again a minute early.
    run("2026-12-29T10:00:30+08:00");
    assert_eq!(robot.bodies_to("/down").len(), down_first);
    // Tried again on its schedule (1, 5, 15, 60, 240 minutes), then left for the office.
    for now in [
        "2026-12-29T10:02:00+08:00",
        "2026-12-29T10:08:00+08:00",
        "2026-12-29T10:24:00+08:00",
        "2026-12-29T11:25:00+08:00",
        "2026-12-29T15:26:00+08:00",
    ] {
        run(now);
    }
    assert_eq!(
        robot.bodies_to("/down").len(),
        down_first * 6,
        "six tries each"
    );
    run("2026-12-30T10:00:00+08:00");
    assert_eq!(
        robot.bodies_to("/down").len(),
        down_first * 6,
        "no seventh try"
    );
    for user in ["zgb", "beiling"] {
        let out = Command::new(BIN)
            .args(["--db", &db, "user", "passwd", user, "--password-stdin"])
            .env("RECTIFY_NOW", "2026-12-30T10:00:00+08:00")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(format!("{PASSWORD}\n").as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(out.status.success());
    }
    let server = Server::start_at(&db, &["serve"], "2026-12-30T10:05:00+08:00");

    let zgb = Browser::login(&server, "zgb", PASSWORD).1.unwrap();
    let page = zgb.page("/dispatch?period=2026-12");
    assert!(
        page.contains("发送失败") && page.contains("HTTP 500") && page.contains("6 次"),
        "{page}"
    );
    assert!(
        !page.contains("/ok-beiling"),
        "a robot's address is shown without its path and key"
    );
    let resend = page
        .split("action=\"/dispatch/deliveries/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("/dispatch/deliveries/{rest}"))
        .expect("a resend button");
    let (status, _) = zgb.post_form(
        &resend,
        &[("csrf", &hidden_csrf(&page)), ("period", "2026-12")],
    );
    assert_eq!(status, 303);
    // The server's sender is woken at once; give it a moment to try.
    let tried = (0..50).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        robot.bodies_to("/down").len() > down_first * 6
    });
    assert!(tried, "the resent message was tried again");
    let beiling_clerk = Browser::login(&server, "beiling", PASSWORD).1.unwrap();
    let (status, _) = beiling_clerk.post_form(
        &resend,
        &[
            ("csrf", &hidden_csrf(&beiling_clerk.page("/"))),
            ("period", "2026-12"),
        ],
    );
    assert_eq!(status, 404, "only the office resends");
}

/// The files in a zip, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut content).unwrap();
            (file.name().unwrap().to_string(), content)
        })
        .collect()
}

/// #21: 一事一档 — the item, its timeline, reports and evidence as one docx zipped with the
/// files (each the exact bytes recorded), scoped like the item page; and the evidence of a
/// filtered ledger as one zip.
#[test]
fn an_items_dossier_and_the_ledgers_evidence_download_as_zips() {
    use sha2::Digest;
    let demo = Demo::start(None);
    let evidence: Vec<serde_json::Value> = serde_json::from_str(&rectify(
        &demo.db,
        &["evidence", "list", "41", "--format", "json"],
        "",
    ))
    .unwrap();
    assert!(!evidence.is_empty(), "the demo's item 41 has evidence");
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    assert!(zgb.page("/items/41").contains("/items/41/dossier"));
    let (status, head, zip) = demo.server.request(
        "GET",
        "/items/41/dossier",
        &[("Cookie", zgb.cookie.as_str())],
        b"",
    );
    assert_eq!(status, 200);
    assert!(head.contains("application/zip"), "{head}");
    let files = unzip(&zip);
    let docx = files
        .get("第41项 整改事项档案.docx")
        .unwrap_or_else(|| panic!("{:?}", files.keys()));
    let document = String::from_utf8_lossy(&unzip(docx)["word/document.xml"]).into_owned();
    for part in ["基本情况", "整改过程", "月度进展", "佐证材料", "公示异议"] {
        assert!(document.contains(part), "the dossier has {part}");
    }
    let stored: Vec<&Vec<u8>> = files
        .iter()
        .filter(|(name, _)| name.starts_with("佐证材料/"))
        .map(|(_, bytes)| bytes)
        .collect();
    assert_eq!(stored.len(), evidence.len(), "every version of every file");
    for e in &evidence {
        let sha = e["sha256"].as_str().unwrap();
        assert!(
            stored
                .iter()
                .any(|b| hex::encode(sha2::Sha256::digest(b)) == sha),
            "the file {sha} as recorded"
        );
        assert!(document.contains(sha), "listed with its digest");
    }
    let beiling = Browser::login(&demo.server, "beiling", PASSWORD).1.unwrap();
    assert_eq!(beiling.get("/items/41/dossier").0, 404, "南川县's item");

    let (status, _, zip) = demo.server.request(
        "GET",
        "/ledger/evidence.zip?unit=%E5%8D%97%E5%B7%9D%E5%8E%BF%E6%94%BF%E5%BA%9C",
        &[("Cookie", zgb.cookie.as_str())],
        b"",
    );
    assert_eq!(status, 200);
    let files = unzip(&zip);
    let listing = String::from_utf8(files["材料清单.txt"].clone()).unwrap();
    assert!(listing.contains("第41项"), "{listing}");
    assert!(
        files.keys().any(|k| k.starts_with("第41项/佐证材料/")),
        "{:?}",
        files.keys()
    );
    assert_eq!(
        files.len() - 1,
        listing.lines().count() - 1,
        "every listed file is in the zip"
    );
    let (_, _, theirs) = demo.server.request(
        "GET",
        "/ledger/evidence.zip",
        &[("Cookie", beiling.cookie.as_str())],
        b"",
    );
    assert!(
        !unzip(&theirs).keys().any(|k| k.starts_with("第41项/")),
        "a county's pack holds only what it may see"
    );
}

/// #21: one search box across items, complaints and register entries, each scoped as its own
/// page: the office finds 南川县's reservoir item, a complaint by its text and by its number, and
/// a boiler; 北岭县's clerk finds only what is 北岭县's.
#[test]
fn one_search_box_finds_items_complaints_and_register_entries_in_scope() {
    let demo = Demo::start(None);
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    assert!(
        zgb.page("/").contains("action=\"/search\""),
        "the box is in the menu"
    );
    let search = |who: &Browser<'_>, q: &str| who.page(&format!("/search?q={}", url_encoded(q)));
    let found = search(&zgb, "南川水库");
    assert!(found.contains("href=\"/items/41\""), "{found}");
    // The demo's complaint numbers follow the day it runs: read one with its text.
    let complaints: Vec<serde_json::Value> = serde_json::from_str(&rectify(
        &demo.db,
        &["complaint", "list", "--format", "json"],
        "",
    ))
    .unwrap();
    let happy = complaints
        .iter()
        .find(|c| {
            c["description"]
                .as_str()
                .is_some_and(|d| d.contains("幸福里小区"))
        })
        .expect("the demo's 幸福里小区 complaint");
    let number = happy["received_no"].as_str().unwrap();
    let link = format!("/complaints/{number}");
    let found = search(&zgb, "幸福里小区");
    assert!(found.contains(&link), "{found}");
    assert!(search(&zgb, number).contains(&link));
    let found = search(&zgb, "锅炉");
    assert!(
        found.contains("南川县医院锅炉") && found.contains("北岭水泥余热锅炉"),
        "{found}"
    );

    let beiling = Browser::login(&demo.server, "beiling", PASSWORD).1.unwrap();
    let theirs = search(&beiling, "锅炉");
    assert!(theirs.contains("北岭水泥余热锅炉"), "{theirs}");
    assert!(!theirs.contains("南川县医院锅炉"), "another county's entry");
    assert!(!search(&beiling, "南川水库").contains("href=\"/items/41\""));
    assert!(
        !search(&beiling, "幸福里小区").contains("D1HA202611150048"),
        "城关区's complaint"
    );
    let long = "长".repeat(51);
    assert!(search(&zgb, &long).contains("不超过 50 个字"));
}

/// #21: the ledger's columns are the user's choice (责任领导, 最新进展 …), kept by the browser
/// for the next visit, and unticking them all is a choice too.
#[test]
fn ledger_columns_are_chosen_and_kept() {
    let demo = Demo::start(None);
    let zgb = Browser::login(&demo.server, "zgb", PASSWORD).1.unwrap();
    let get = |path: &str, extra_cookie: &str| {
        let cookie = format!("{}{extra_cookie}", zgb.cookie);
        let (status, head, body) =
            demo.server
                .request("GET", path, &[("Cookie", cookie.as_str())], b"");
        assert_eq!(status, 200, "{path}");
        (head, String::from_utf8(body).unwrap())
    };
    let (_, plain) = get("/ledger", "");
    assert!(!plain.contains("<th>责任领导</th>"), "not shown by default");
    let (head, chosen) = get("/ledger?cols=1&c_leaders=1&c_progress=1", "");
    assert!(chosen.contains("<th>责任领导</th>") && chosen.contains("<th>最新进展</th>"));
    assert!(!chosen.contains("<th>监管人</th>"));
    assert!(
        chosen.contains("孙丽华（副市长）"),
        "a leader in its column"
    );
    // A latest report, "YYYY-MM：…" (the demo is dated by the day it runs).
    let reports = chosen
        .split("<td class=\"extra\">")
        .skip(1)
        .filter(|cell| {
            let period: Vec<char> = cell.chars().take(8).collect();
            period.len() == 8
                && period[4] == '-'
                && period[7] == '：'
                && period
                    .iter()
                    .enumerate()
                    .all(|(i, c)| matches!(i, 4 | 7) || c.is_ascii_digit())
        })
        .count();
    assert!(reports > 0, "a latest report in its column");
    let kept = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ledger_cols="))
        .expect("the choice is kept")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(kept, "leaders.progress");
    let (_, again) = get("/ledger?page=1", &format!("; ledger_cols={kept}"));
    assert!(again.contains("<th>责任领导</th>") && again.contains("<th>最新进展</th>"));
    let (head, none) = get("/ledger?cols=1", &format!("; ledger_cols={kept}"));
    assert!(!none.contains("<th>责任领导</th>"));
    assert!(head.contains("set-cookie: ledger_cols=;"), "{head}");
}
