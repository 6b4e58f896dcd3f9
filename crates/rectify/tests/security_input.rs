//! Issue #18, the input part: what users and files put in (control characters in stored text,
//! oversized and bomb spreadsheets, truncation, formula cells in exports, echoed cells, a
//! mistyped database path), through the real binary and the real server.

use serde_json::{Value, json};
use std::process::{Command, Output};

mod common;

use common::{BIN, Server};

const PASSWORD: &str = "correct horse battery";

fn run(db: &str, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(BIN);
    common::at_test_clock(&mut command)
        .arg("--db")
        .arg(db)
        .args(args);
    common::with_stdin(command, stdin)
}

fn ok(db: &str, args: &[&str]) -> String {
    let out = run(db, args, "");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The demo database, with `users` given the test password.
fn demo(users: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    ok(&db, &["demo"]);
    for user in users {
        let out = run(
            &db,
            &["user", "passwd", user, "--password-stdin"],
            &format!("{PASSWORD}\n"),
        );
        assert!(out.status.success());
    }
    (dir, db)
}

/// Logs in through the API: the session cookie (good for pages too) and the CSRF token.
fn api_login(server: &Server, user: &str) -> (String, String) {
    let body = json!({ "username": user, "password": PASSWORD }).to_string();
    let headers = [("Content-Type", "application/json")];
    let (status, head, reply) =
        server.request("POST", "/api/v1/session", &headers, body.as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let cookie = head
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .find(|c| c.starts_with("rectify_session="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let reply: Value = serde_json::from_slice(&reply).unwrap();
    (cookie, reply["csrf_token"].as_str().unwrap().to_string())
}

fn api_action(server: &Server, user: &str, path: &str, body: Value) -> (u16, String) {
    let (cookie, csrf) = api_login(server, user);
    let headers = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, _, reply) = server.request("POST", path, &headers, body.to_string().as_bytes());
    (status, String::from_utf8_lossy(&reply).into_owned())
}

/// Every signed-in page the finding named answers 200 for the administrator.
fn pages_answer(server: &Server) {
    let (cookie, _) = api_login(server, "admin");
    for path in [
        "/",
        "/ledger",
        "/items/1",
        "/items/2",
        "/complaints",
        "/registers",
    ] {
        let (status, _, body) = server.request("GET", path, &[("Cookie", &cookie)], b"");
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    }
}

fn deadline_text(db: &str, number: &str) -> String {
    let shown: Value =
        serde_json::from_str(&ok(db, &["ledger", "show", number, "--format", "json"])).unwrap();
    shown["deadline_text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_control_character_in_an_amended_deadline_is_dropped_through_the_cli_and_the_api() {
    let (_dir, db) = demo(&["admin", "zgb", "wangjianguo"]);
    ok(
        &db,
        &[
            "item",
            "amend",
            "2",
            "--as",
            "zgb",
            "--deadline",
            "2027年6月底前\u{1f}",
            "--reason",
            "雨季\u{1e}施工\r受限",
        ],
    );
    ok(
        &db,
        &[
            "item",
            "decide-amendment",
            "2",
            "--as",
            "wangjianguo",
            "--approve",
        ],
    );
    assert_eq!(deadline_text(&db, "2"), "2027年6月底前");
    ok(&db, &["ledger", "list"]);
    ok(&db, &["audit", "verify"]);

    let server = Server::start(&db, &["serve"]);
    let (status, reply) = api_action(
        &server,
        "zgb",
        "/api/v1/items/3/actions/amend",
        json!({ "deadline": "2027年5月底前\u{1e}\u{1f}\u{0}", "reason": "季节\u{1f}原因" }),
    );
    assert_eq!(status, 200, "{reply}");
    let (status, reply) = api_action(
        &server,
        "wangjianguo",
        "/api/v1/items/3/actions/decide-amendment",
        json!({ "approve": true }),
    );
    assert_eq!(status, 200, "{reply}");
    pages_answer(&server);
    drop(server);
    assert_eq!(deadline_text(&db, "3"), "2027年5月底前");
    ok(&db, &["audit", "verify"]);
}

/// Runs SQL on the database, outside the store's gate (as hand-written SQL or an older version
/// would have written it).
fn raw_sql(db: &str, sql: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let target = rectify_store::DbTarget::parse(db);
        let store = rectify_store::Store::open(&target, None).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(store.pool())
            .await
            .unwrap();
        store.close().await;
    });
}

#[test]
fn control_characters_already_stored_by_raw_sql_still_read() {
    let (_dir, db) = demo(&["admin"]);
    raw_sql(
        &db,
        "UPDATE items SET problem = 'A' || char(30) || 'B' || char(31) || 'C' || char(27) || '1D', \
                           deadline_text = deadline_text || char(31) WHERE number = 1; \
         UPDATE item_measures SET text = text || char(31) || char(30); \
         UPDATE org_units SET name = name || char(31) WHERE name = '市生态环境局';",
    );
    let shown: Value =
        serde_json::from_str(&ok(&db, &["ledger", "show", "1", "--format", "json"])).unwrap();
    assert_eq!(
        shown["problem"], "A\u{1e}B\u{1f}C\u{1b}1D",
        "read back exactly as stored"
    );
    ok(&db, &["ledger", "list"]);
    let server = Server::start(&db, &["serve"]);
    pages_answer(&server);
}
