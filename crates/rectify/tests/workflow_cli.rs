//! The workflow through the real binary, acting as named users on a controlled clock
//! (`RECTIFY_NOW`), on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::{BIN, Reply, Server};

struct Env {
    db: String,
    data: PathBuf,
    dir: tempfile::TempDir,
}

impl Env {
    fn new(db: Option<String>) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = db.unwrap_or_else(|| dir.path().join("w.db").to_string_lossy().into_owned());
        let env = Env {
            db,
            data: dir.path().join("data"),
            dir,
        };
        env.setup();
        env
    }

    fn command(&self, now: &str, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("--db")
            .arg(&self.db)
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env("RECTIFY_NOW", format!("{now}T10:00:00+08:00"))
            .env_remove("RECTIFY_DB")
            .env_remove("RECTIFY_USER");
        command
    }

    fn run(&self, now: &str, args: &[&str]) -> Output {
        self.command(now, args).output().unwrap()
    }

    fn ok(&self, now: &str, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command that must be refused (exit 1) and returns its message.
    fn refused(&self, now: &str, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn user(&self, name: &str, unit: &str, role: &str) {
        let add = [
            "user",
            "add",
            name,
            "--name",
            name,
            "--unit",
            unit,
            "--role",
            role,
            "--password-stdin",
        ];
        let out = common::with_stdin(self.command("2019-01-01", &add), "correct horse battery\n");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    }

    fn setup(&self) {
        self.ok("2019-01-01", &["init"]);
        for (code, name, kind, parent) in [
            ("city", "河安市", "city", None),
            ("zgb", "市督察整改办", "office", Some("city")),
            ("zjj", "市住建局", "department", Some("city")),
            ("slj", "市水利局", "department", Some("city")),
            ("sthjj", "市生态环境局", "department", Some("city")),
        ] {
            let mut args = vec!["org", "add", code, name, "--kind", kind];
            if let Some(parent) = parent {
                args.extend(["--parent", parent]);
            }
            self.ok("2019-01-01", &args);
        }
        for (name, unit, role) in [
            ("office", "zgb", "office"),
            ("unit", "zjj", "unit"),
            ("stranger", "slj", "unit"),
            ("checker", "sthjj", "acceptance"),
            ("leader", "city", "leader"),
            ("supervisor", "zjj", "supervisor"),
            ("viewer", "city", "viewer"),
            ("discipline", "city", "discipline"),
        ] {
            self.user(name, unit, role);
        }
        let plan = self.file(
            "plan.csv",
            "序号,共性/个性,反馈问题,整改措施,责任领导,监管人,责任单位,整改时限\n\
             1,共性,黑臭水体治理不力,\"1.截污纳管\n2.清淤\",赵志刚（副市长）,何志军（市住建局局长）,市住建局（牵头）、市水利局,2019年9月底前\n\
             2,共性,扬尘管控不到位,1.建立工地清单,赵志刚（副市长）,何志军（市住建局局长）,市住建局,立行立改、长期坚持\n"
                .as_bytes(),
        );
        self.ok("2019-01-01", &["plan", "import", &plan, "--plan", "方案"]);
    }

    fn state(&self, number: &str) -> String {
        let out = self.ok(
            "2019-01-01",
            &["item", "status", number, "--format", "json"],
        );
        let value: Value = serde_json::from_str(&out).unwrap();
        value["state"].as_str().unwrap().to_string()
    }

    /// Runs an item action as a user on a date and checks the state it leads to.
    fn step(&self, now: &str, who: &str, args: &[&str], to: &str) {
        let mut all = vec!["item"];
        all.extend_from_slice(args);
        all.extend(["--as", who]);
        self.ok(now, &all);
        assert_eq!(self.state(args[1]), to, "after {args:?}");
    }

    fn submit_and_accept(&self, number: &str, report: &str, photo: &str, opinion: &str, on: &str) {
        self.step(
            on,
            "unit",
            &["submit", number, "--report", report, "--evidence", photo],
            "SUBMITTED",
        );
        self.step(
            on,
            "checker",
            &["start-acceptance", number, "--team", "验收组"],
            "UNDER_ACCEPTANCE",
        );
        self.step(
            on,
            "checker",
            &["accept", number, "--opinion", "同意", "--evidence", opinion],
            "PUBLIC_NOTICE",
        );
    }
}

fn drive_every_state(env: &Env) {
    let report = env.file("self-check.txt", "自查报告：措施全部完成。".as_bytes());
    let photo = env.file("after.png", b"\x89PNG\r\n\x1a\nafter");
    let opinion = env.file("opinion.pdf", b"%PDF-1.4 acceptance opinion");
    let screenshot = env.file("notice.png", b"\x89PNG\r\n\x1a\nnotice");
    let mechanism = env.file("mechanism.pdf", b"%PDF-1.4 long-term mechanism");
    let d = "2019-09-02";
    assert_eq!(env.state("1"), "ISSUED");
    env.step(
        d,
        "unit",
        &["claim", "1", "--plan-text", "分解到片区"],
        "IN_PROGRESS",
    );
    env.step(
        d,
        "office",
        &[
            "amend",
            "1",
            "--deadline",
            "2019年12月底前",
            "--reason",
            "雨季施工受限",
        ],
        "AMENDED",
    );
    env.step(
        d,
        "leader",
        &["decide-amendment", "1", "--approve"],
        "IN_PROGRESS",
    );
    let shown: Value =
        serde_json::from_str(&env.ok(d, &["ledger", "show", "1", "--format", "json"])).unwrap();
    assert_eq!(shown["due_date"], "2019-12-31");

    // Measures are marked done through the monthly report; the supervisor confirms it.
    let refusal = env.refused(d, &["item", "submit", "1", "--as", "unit"]);
    assert!(refusal.contains("措施未全部完成"), "{refusal}");
    let out = env.ok(
        d,
        &[
            "report",
            "add",
            "1",
            "--as",
            "unit",
            "--period",
            "2019-09",
            "--text",
            "完成截污和清淤",
            "--done",
            "1,2",
        ],
    );
    let id: String = out
        .split('#')
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    env.ok(d, &["report", "confirm", &id, "--as", "supervisor"]);
    let listed: Value = serde_json::from_str(&env.ok(
        d,
        &["report", "list", "--period", "2019-09", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        (listed[0]["item"].as_u64(), listed[0]["status"].as_str()),
        (Some(1), Some("confirmed"))
    );
    let refusal = env.refused(d, &["item", "submit", "1", "--as", "unit"]);
    assert!(refusal.contains("自查报告"), "{refusal}");

    env.step(
        d,
        "unit",
        &["submit", "1", "--report", &report, "--evidence", &photo],
        "SUBMITTED",
    );
    env.step(
        d,
        "checker",
        &["return", "1", "--reason", "缺少监测数据"],
        "IN_PROGRESS",
    );
    env.step(d, "unit", &["submit", "1"], "SUBMITTED");
    env.step(
        d,
        "checker",
        &["start-acceptance", "1", "--team", "验收组"],
        "UNDER_ACCEPTANCE",
    );
    env.step(
        d,
        "checker",
        &[
            "reject",
            "1",
            "--opinion",
            "底泥未清运",
            "--rework-due",
            "2019-09-20",
        ],
        "IN_PROGRESS",
    );

    // Notice opened on Friday 2019-09-27; an objection is upheld.
    let friday = "2019-09-27";
    env.submit_and_accept("1", &report, &photo, &opinion, friday);
    let out = env.ok(
        friday,
        &[
            "item",
            "object",
            "1",
            "--as",
            "office",
            "--source",
            "电话",
            "--content",
            "河水仍有异味",
            "--contact",
            "138xxxx",
        ],
    );
    let objection: String = out
        .split("编号 ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    env.step(
        "2019-09-30",
        "office",
        &[
            "uphold",
            "1",
            "--objection",
            &objection,
            "--conclusion",
            "属实",
        ],
        "IN_PROGRESS",
    );
    // Accepted again on the same Friday; this time the objection is dismissed.
    env.submit_and_accept("1", &report, &photo, &opinion, friday);
    let out = env.ok(
        friday,
        &[
            "item",
            "object",
            "1",
            "--as",
            "office",
            "--source",
            "网络",
            "--content",
            "与本问题无关",
        ],
    );
    let objection: String = out
        .split("编号 ")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    env.step(
        "2019-10-08",
        "office",
        &[
            "dismiss",
            "1",
            "--objection",
            &objection,
            "--reason",
            "不属于本问题",
        ],
        "PUBLIC_NOTICE",
    );
    env.step(
        "2019-10-09",
        "office",
        &[
            "notice",
            "1",
            "--channel",
            "市政府网站",
            "--link",
            "http://heanshi.example/gs/1",
            "--evidence",
            &screenshot,
        ],
        "PUBLIC_NOTICE",
    );
    let refusal = env.refused("2019-10-10", &["item", "signoff", "1", "--as", "leader"]);
    assert!(
        refusal.contains("公示期未满") && refusal.contains("2019-10-10"),
        "{refusal}"
    );
    assert_eq!(env.state("1"), "PUBLIC_NOTICE");
    env.step("2019-10-11", "leader", &["signoff", "1"], "CLOSED");

    // A rebound reopens it; the unit claims it again; the upper level fails the next sign-off.
    env.step(
        "2019-11-05",
        "office",
        &["reopen", "1", "--reason", "群众重复投诉"],
        "REOPENED",
    );
    env.step(
        "2019-11-05",
        "unit",
        &["claim", "1", "--plan-text", "再次整改"],
        "IN_PROGRESS",
    );
    env.ok(
        "2019-11-05",
        &[
            "item",
            "upper-review",
            "1",
            "--required",
            "true",
            "--as",
            "office",
        ],
    );
    env.submit_and_accept("1", &report, &photo, &opinion, "2019-11-06");
    env.step("2019-11-20", "leader", &["signoff", "1"], "SIGN_OFF");
    env.step(
        "2019-11-21",
        "office",
        &["review", "1", "--fail", "--opinion", "省级复核不通过"],
        "IN_PROGRESS",
    );

    // A 长期坚持 item ends in SUSTAIN and is re-checked.
    env.ok(
        d,
        &[
            "report",
            "add",
            "2",
            "--as",
            "unit",
            "--period",
            "2019-09",
            "--text",
            "清单建立",
            "--done",
            "1",
        ],
    );
    env.submit_and_accept("2", &report, &photo, &opinion, d);
    let refusal = env.refused("2019-09-20", &["item", "signoff", "2", "--as", "leader"]);
    assert!(refusal.contains("公示截图/链接"), "{refusal}");
    env.ok(
        "2019-09-20",
        &[
            "evidence",
            "add",
            "2",
            "--as",
            "office",
            "--kind",
            "notice_proof",
            "--file",
            &screenshot,
        ],
    );
    let refusal = env.refused("2019-09-20", &["item", "signoff", "2", "--as", "leader"]);
    assert!(refusal.contains("文件/制度"), "{refusal}");
    env.step(
        "2019-09-20",
        "leader",
        &["signoff", "2", "--evidence", &mechanism],
        "SUSTAIN",
    );
    env.step(
        "2019-12-20",
        "supervisor",
        &["recheck", "2", "--note", "未反弹"],
        "SUSTAIN",
    );

    // Every transition is in the journal, and the chain is intact.
    let history = env.ok("2019-12-31", &["item", "history", "1"]);
    for action in [
        "claim",
        "amend",
        "decide-amendment",
        "submit",
        "return",
        "start-acceptance",
        "reject",
        "accept",
        "object",
        "uphold",
        "dismiss",
        "notice",
        "close-notice",
        "signoff",
        "reopen",
        "review",
        // The item's reports and evidence files are part of its history.
        "progress_report:confirm",
        "evidence:create",
    ] {
        assert!(
            history.contains(&format!("\t{action}\t")),
            "{action} missing from\n{history}"
        );
    }
    assert!(
        env.ok("2019-12-31", &["audit", "verify"])
            .contains("审计日志完整")
    );
}

fn refusals_name_their_reason(env: &Env) {
    let d = "2019-09-02";
    let refusal = env.refused(
        d,
        &["item", "claim", "1", "--as", "stranger", "--plan-text", "x"],
    );
    assert!(refusal.contains("单位不符"), "{refusal}");
    for who in [
        "viewer",
        "discipline",
        "supervisor",
        "checker",
        "leader",
        "office",
    ] {
        let refusal = env.refused(d, &["item", "claim", "1", "--as", who, "--plan-text", "x"]);
        assert!(refusal.contains("角色不符"), "{who}: {refusal}");
    }
    let refusal = env.refused(
        d,
        &["item", "accept", "1", "--as", "checker", "--opinion", "x"],
    );
    assert!(
        refusal.contains("状态不符") && refusal.contains("已交办"),
        "{refusal}"
    );
    let refusal = env.refused(
        d,
        &[
            "report", "add", "1", "--as", "viewer", "--period", "2019-09", "--text", "x",
        ],
    );
    assert!(refusal.contains("角色不符"), "{refusal}");
    let missing = env.ok(
        "2019-09-30",
        &[
            "report", "missing", "--period", "2019-09", "--format", "json",
        ],
    );
    let missing: Value = serde_json::from_str(&missing).unwrap();
    let units = missing["units"].as_array().unwrap();
    let zjj = units.iter().find(|u| u["unit"] == "市住建局").unwrap();
    assert_eq!(zjj["missing"], serde_json::json!([1, 2]));
}

#[test]
fn sqlite_every_state_and_every_refusal() {
    let env = Env::new(None);
    refusals_name_their_reason(&env);
    drive_every_state(&env);
}

#[test]
fn postgres_every_state_and_every_refusal() {
    let env = Env::new(Some(rectify_testkit::postgres_url()));
    refusals_name_their_reason(&env);
    drive_every_state(&env);
}

/// Finds the stored file for a digest under the data directory.
fn stored_path(data: &Path, sha256: &str) -> PathBuf {
    data.join("sha256").join(&sha256[..2]).join(sha256)
}

#[test]
fn tampered_evidence_is_refused_while_the_journal_stays_valid() {
    let env = Env::new(None);
    let photo = env.file("site.jpg", b"\xFF\xD8\xFF\xE0 photo of the river");
    env.ok(
        "2019-09-02",
        &[
            "evidence",
            "add",
            "1",
            "--as",
            "unit",
            "--kind",
            "photo_before",
            "--file",
            &photo,
        ],
    );
    let again = env.ok(
        "2019-09-02",
        &[
            "evidence",
            "add",
            "1",
            "--as",
            "unit",
            "--kind",
            "photo_before",
            "--file",
            &photo,
            "--supersedes",
            "1",
        ],
    );
    assert!(again.contains("#2"), "{again}");
    let list: Value =
        serde_json::from_str(&env.ok("2019-09-02", &["evidence", "list", "1", "--format", "json"]))
            .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["superseded"], true);
    assert_eq!(list[0]["media_type"], "image/jpeg");
    assert_eq!(
        list[0]["sha256"], list[1]["sha256"],
        "same content, stored once"
    );
    let sha = list[0]["sha256"].as_str().unwrap();
    let stored = stored_path(&env.data, sha);
    let out = env.dir.path().join("copy.jpg");
    env.ok(
        "2019-09-02",
        &["evidence", "get", "2", "--out", out.to_str().unwrap()],
    );
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&photo).unwrap());
    std::fs::write(&stored, b"\xFF\xD8\xFF\xE0 a different photo").unwrap();
    let refusal = env.refused(
        "2019-09-02",
        &["evidence", "get", "2", "--out", out.to_str().unwrap()],
    );
    assert!(refusal.contains("SHA-256 不符"), "{refusal}");
    assert!(
        env.ok("2019-09-02", &["audit", "verify"])
            .contains("审计日志完整")
    );
    let exe = env.file("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00");
    let refusal = env.refused(
        "2019-09-02",
        &[
            "evidence", "add", "1", "--as", "unit", "--kind", "document", "--file", &exe,
        ],
    );
    assert!(refusal.contains("不在允许的类型中"), "{refusal}");
    // 市水利局 is a co-unit of item 1 but has nothing to do with item 2.
    env.ok(
        "2019-09-02",
        &[
            "evidence", "add", "1", "--as", "stranger", "--kind", "document", "--file", &photo,
        ],
    );
    let refusal = env.refused(
        "2019-09-02",
        &[
            "evidence", "add", "2", "--as", "stranger", "--kind", "document", "--file", &photo,
        ],
    );
    assert!(refusal.contains("角色不符"), "{refusal}");
}

/// A logged-in API client: the session cookie and the CSRF token.
struct Client<'a> {
    server: &'a Server,
    cookie: String,
    csrf: String,
}

impl<'a> Client<'a> {
    fn login(server: &'a Server, username: &str) -> Client<'a> {
        let body = json!({"username": username, "password": "correct horse battery"}).to_string();
        let (status, head, reply) = server.request(
            "POST",
            "/api/v1/session",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
        let cookie = head
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_string();
        assert!(
            head.contains("httponly") && head.contains("samesite=lax"),
            "{head}"
        );
        let reply: Value = serde_json::from_slice(&reply).unwrap();
        Client {
            server,
            cookie,
            csrf: reply["csrf_token"].as_str().unwrap().to_string(),
        }
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let text = body.to_string();
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("X-CSRF-Token", self.csrf.as_str()),
            ("Content-Type", "application/json"),
        ];
        let (status, _, reply) = self.server.request("POST", path, &headers, text.as_bytes());
        (
            status,
            serde_json::from_slice(&reply).unwrap_or(Value::Null),
        )
    }

    fn upload(&self, path: &str, bytes: &[u8]) -> (u16, Value) {
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("X-CSRF-Token", self.csrf.as_str()),
        ];
        let (status, _, reply) = self.server.request("POST", path, &headers, bytes);
        (
            status,
            serde_json::from_slice(&reply).unwrap_or(Value::Null),
        )
    }

    fn get(&self, path: &str) -> Reply {
        self.server
            .request("GET", path, &[("Cookie", self.cookie.as_str())], b"")
    }
}

#[test]
fn the_json_api_applies_the_same_checks_behind_a_session_and_csrf() {
    let env = Env::new(None);
    let data = env.data.to_string_lossy().into_owned();
    let server = Server::start(&env.db, &["--data-dir", &data, "serve"]);
    let bad = json!({"username": "unit", "password": "wrong password"}).to_string();
    let (status, _, _) = server.request(
        "POST",
        "/api/v1/session",
        &[("Content-Type", "application/json")],
        bad.as_bytes(),
    );
    assert_eq!(status, 401);
    assert_eq!(server.request("GET", "/api/v1/items/1", &[], b"").0, 401);

    let unit = Client::login(&server, "unit");
    let no_csrf = [
        ("Cookie", unit.cookie.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, _, _) = server.request(
        "POST",
        "/api/v1/items/1/actions/claim",
        &no_csrf,
        b"{\"plan_text\":\"x\"}",
    );
    assert_eq!(
        status, 403,
        "a changing request without the CSRF token is refused"
    );
    let (status, reply) = unit.post(
        "/api/v1/items/1/actions/claim",
        &json!({"plan_text": "分解到片区"}),
    );
    assert_eq!(
        (status, reply["to"].as_str()),
        (200, Some("IN_PROGRESS")),
        "{reply}"
    );

    let stranger = Client::login(&server, "stranger");
    // 市水利局 shares item 1 but not item 2: the API scopes reads like the web pages.
    assert_eq!(stranger.get("/api/v1/items/1").0, 200);
    assert_eq!(stranger.get("/api/v1/items/2").0, 404);
    let (status, item2_file) = unit.upload(
        "/api/v1/items/2/evidence?kind=document&file_name=plan.txt",
        "工地清单".as_bytes(),
    );
    assert_eq!(status, 201);
    let item2_file = format!("/api/v1/evidence/{}", item2_file["id"]);
    assert_eq!(unit.get(&item2_file).0, 200);
    assert_eq!(
        stranger.get(&item2_file).0,
        404,
        "evidence of an item outside the scope"
    );
    // Writes are scoped like reads: outside the scope an item does not exist.
    for path in [
        "/api/v1/items/2/actions/claim",
        "/api/v1/items/2/objections",
        "/api/v1/items/2/reports",
    ] {
        let body = json!({"plan_text": "x", "source": "x", "content": "x", "period": "2026-11", "text": "x"});
        assert_eq!(stranger.post(path, &body).0, 404, "{path}");
    }
    assert_eq!(
        stranger
            .upload(
                "/api/v1/items/2/evidence?kind=document&file_name=x.txt",
                b"x"
            )
            .0,
        404
    );
    let (status, reply) = stranger.post("/api/v1/items/1/actions/submit", &json!({}));
    assert_eq!(status, 409);
    assert!(
        reply["error"].as_str().unwrap().contains("单位不符"),
        "{reply}"
    );

    let (status, reply) = unit.post(
        "/api/v1/items/1/reports",
        &json!({"period": "2026-11", "text": "完成", "done": [1, 2]}),
    );
    assert_eq!(status, 201, "{reply}");
    let (status, photo) = unit.upload(
        "/api/v1/items/1/evidence?kind=photo_after&file_name=after.png",
        b"\x89PNG\r\n\x1a\nafter",
    );
    assert_eq!(
        (status, photo["media_type"].as_str()),
        (201, Some("image/png")),
        "{photo}"
    );
    let (status, _) = unit.upload(
        "/api/v1/items/1/evidence?kind=self_check&file_name=self.txt",
        "自查报告".as_bytes(),
    );
    assert_eq!(status, 201);
    assert_eq!(
        unit.post("/api/v1/items/1/actions/submit", &json!({})).0,
        200
    );

    let checker = Client::login(&server, "checker");
    assert_eq!(
        checker
            .post(
                "/api/v1/items/1/actions/start-acceptance",
                &json!({"team": "验收组"})
            )
            .0,
        200
    );
    let (status, reply) = checker.post(
        "/api/v1/items/1/actions/accept",
        &json!({"opinion": "同意"}),
    );
    assert_eq!(status, 409);
    assert!(
        reply["error"].as_str().unwrap().contains("验收意见"),
        "{reply}"
    );
    let (status, _) = checker.upload(
        "/api/v1/items/1/evidence?kind=acceptance_opinion&file_name=op.pdf",
        b"%PDF-1.4 opinion",
    );
    assert_eq!(status, 201);
    let (status, reply) = checker.post(
        "/api/v1/items/1/actions/accept",
        &json!({"opinion": "同意"}),
    );
    assert_eq!(
        (status, reply["to"].as_str()),
        (200, Some("PUBLIC_NOTICE")),
        "{reply}"
    );

    let office = Client::login(&server, "office");
    let (status, reply) = office.post(
        "/api/v1/items/1/objections",
        &json!({"source": "电话", "content": "仍有异味", "contact": "138"}),
    );
    assert_eq!(status, 201, "{reply}");
    let objection = reply["objection"].as_i64().unwrap();
    let (status, reply) = office.post(
        "/api/v1/items/1/actions/uphold",
        &json!({"objection": objection, "conclusion": "属实"}),
    );
    assert_eq!(
        (status, reply["to"].as_str()),
        (200, Some("IN_PROGRESS")),
        "{reply}"
    );
    let (status, _, item) = office.get("/api/v1/items/1");
    let item: Value = serde_json::from_slice(&item).unwrap();
    assert_eq!((status, item["state"].as_str()), (200, Some("IN_PROGRESS")));
    assert_eq!(item["evidence"].as_array().unwrap().len(), 3);

    let id = photo["id"].as_i64().unwrap();
    let (status, head, bytes) = office.get(&format!("/api/v1/evidence/{id}"));
    assert_eq!(
        (status, bytes.as_slice()),
        (200, b"\x89PNG\r\n\x1a\nafter".as_slice())
    );
    assert!(
        head.contains("content-disposition: attachment;"),
        "a download, as the web serves it: {head}"
    );
    let sha = photo["sha256"].as_str().unwrap();
    std::fs::write(stored_path(&env.data, sha), b"changed").unwrap();
    let (status, _, reply) = office.get(&format!("/api/v1/evidence/{id}"));
    assert_eq!(status, 409);
    assert!(String::from_utf8_lossy(&reply).contains("SHA-256 不符"));

    let logout = [
        ("Cookie", office.cookie.as_str()),
        ("X-CSRF-Token", office.csrf.as_str()),
    ];
    assert_eq!(
        server.request("DELETE", "/api/v1/session", &logout, b"").0,
        204
    );
    assert_eq!(office.get("/api/v1/items/1").0, 401, "the session is gone");
    assert!(
        env.ok("2026-11-29", &["audit", "verify"])
            .contains("审计日志完整")
    );
}

#[test]
fn reports_of_a_closed_period_are_corrected_not_overwritten_and_limits_are_settings() {
    let env = Env::new(None);
    let report = |now: &str, text: &str| {
        env.ok(
            now,
            &[
                "report", "add", "1", "--as", "unit", "--period", "2019-05", "--text", text,
            ],
        )
    };
    // 2019-05-25 is a Saturday: the deadline moves to Monday 05-27.
    assert!(!report("2019-05-27", "第一稿").contains("迟报"));
    let first = report("2019-05-27", "第二稿（覆盖第一稿）");
    assert!(first.contains("进展 #1"), "{first}");
    let list: Value = serde_json::from_str(&env.ok(
        "2019-06-01",
        &["report", "list", "--period", "2019-05", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["text"], "第二稿（覆盖第一稿）");
    env.ok(
        "2019-06-01",
        &["report", "confirm", "1", "--as", "supervisor"],
    );
    let refusal = env.refused(
        "2019-06-02",
        &[
            "report", "add", "1", "--as", "unit", "--period", "2019-05", "--text", "改",
        ],
    );
    assert!(refusal.contains("已经监管人确认"), "{refusal}");
    // After June the May period is closed: a change is a correction row.
    let correction = report("2019-07-02", "更正：清淤量为 1.2 万方");
    assert!(correction.contains("更正 #2"), "{correction}");
    let list: Value = serde_json::from_str(&env.ok(
        "2019-07-02",
        &["report", "list", "--period", "2019-05", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(
        list[0]["text"], "第二稿（覆盖第一稿）",
        "the confirmed report is kept"
    );
    assert_eq!(list[1]["corrects"], 1);
    let late = env.ok(
        "2019-06-28",
        &[
            "report", "add", "2", "--as", "unit", "--period", "2019-06", "--text", "x",
        ],
    );
    assert!(late.contains("迟报"), "{late}");

    env.ok(
        "2019-07-02",
        &["setting", "set", "evidence.max_bytes", "10"],
    );
    let big = env.file("big.txt", "超过十个字节的说明".as_bytes());
    let refusal = env.refused(
        "2019-07-02",
        &[
            "evidence",
            "add",
            "1",
            "--as",
            "unit",
            "--kind",
            "explanation",
            "--file",
            &big,
        ],
    );
    assert!(refusal.contains("超过上限 10 字节"), "{refusal}");
    env.ok("2019-07-02", &["setting", "set", "reports.due_day", "5"]);
    let early = env.ok(
        "2019-07-08",
        &[
            "report", "add", "2", "--as", "unit", "--period", "2019-07", "--text", "x",
        ],
    );
    assert!(early.contains("迟报"), "due on the 5th: {early}");
}

#[test]
fn scripts_use_bearer_tokens_without_csrf_until_revoked() {
    let env = Env::new(None);
    let token = env
        .ok(
            "2026-11-29",
            &["token", "create", "--for", "unit", "--name", "nightly"],
        )
        .trim()
        .to_string();
    assert!(token.starts_with("rt_"), "{token}");
    let data = env.data.to_string_lossy().into_owned();
    let server = Server::start(&env.db, &["--data-dir", &data, "serve"]);
    let bearer = format!("Bearer {token}");
    let auth = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, _, _) = server.request("GET", "/api/v1/items/1", &auth, b"");
    assert_eq!(status, 200);
    let body = json!({"plan_text": "脚本认领"}).to_string();
    let (status, _, reply) = server.request(
        "POST",
        "/api/v1/items/1/actions/claim",
        &auth,
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let wrong = [("Authorization", "Bearer rt_not-a-token")];
    assert_eq!(server.request("GET", "/api/v1/items/1", &wrong, b"").0, 401);
    env.ok(
        "2026-11-29",
        &["token", "revoke", "--for", "unit", "--name", "nightly"],
    );
    assert_eq!(
        server.request("GET", "/api/v1/items/1", &auth, b"").0,
        401,
        "a revoked token is refused"
    );
    let history = env.ok("2026-11-29", &["item", "history", "1"]);
    assert!(
        history.contains("\tunit\tclaim\t"),
        "the script acted as its user: {history}"
    );
}

#[test]
fn the_openapi_document_lists_every_api_route() {
    let env = Env::new(None);
    let server = Server::start(&env.db, &["serve"]);
    let (status, _, body) = server.request("GET", "/api/v1/openapi.json", &[], b"");
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/session",
        "/api/v1/items/{number}",
        "/api/v1/items/{number}/actions/{action}",
        "/api/v1/items/{number}/objections",
        "/api/v1/items/{number}/reports",
        "/api/v1/items/{number}/evidence",
        "/api/v1/evidence/{id}",
        "/api/v1/version",
    ] {
        assert!(paths.contains_key(path), "{path} undocumented");
    }
    let actions = &paths["/api/v1/items/{number}/actions/{action}"]["post"]["parameters"][2]["schema"]
        ["enum"];
    for action in [
        "claim",
        "submit",
        "accept",
        "uphold",
        "signoff",
        "decide-amendment",
    ] {
        assert!(
            actions.as_array().unwrap().contains(&Value::from(action)),
            "{action}"
        );
    }
    // Every documented action is one the API knows: an unknown action is 404, a known one is
    // answered by the workflow (here mostly refused, 409, or missing a field, 422).
    let token = env
        .ok(
            "2026-11-29",
            &["token", "create", "--for", "office", "--name", "doc"],
        )
        .trim()
        .to_string();
    let bearer = format!("Bearer {token}");
    let auth = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/json"),
    ];
    for action in actions.as_array().unwrap() {
        let path = format!("/api/v1/items/1/actions/{}", action.as_str().unwrap());
        let status = server.request("POST", &path, &auth, b"{}").0;
        assert!([200, 409, 422].contains(&status), "{path}: {status}");
    }
    assert_eq!(
        server
            .request("POST", "/api/v1/items/1/actions/fly", &auth, b"{}")
            .0,
        404
    );
}
