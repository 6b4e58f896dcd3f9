//! Issue #18, the access part: logging in (one throttle for the web form and the API, client
//! addresses behind a trusted proxy), where a login may send the browser, sessions and tokens,
//! and what the API reveals. Each test runs the real server on the demo database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::process::Command;

mod common;

use common::{BIN, Server, form_body, set_cookie, set_cookie_line};

const PASSWORD: &str = "correct horse battery";

/// The demo with known passwords, served at the tests' clock.
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

impl Demo {
    fn start(users: &[&str]) -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db").to_string_lossy().into_owned();
        common::demo_into(&db, None);
        for user in users {
            rectify(
                &db,
                &["user", "passwd", user, "--password-stdin"],
                &format!("{PASSWORD}\n"),
            );
        }
        let server = Server::start(&db, &["serve"]);
        Demo {
            _dir: dir,
            db,
            server,
        }
    }

    fn set(&self, key: &str, value: &str) {
        rectify(&self.db, &["setting", "set", key, value], "");
    }
}

fn hidden(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// A web-form login with `next`; status, lower-cased head and body.
fn web_login(
    server: &Server,
    user: &str,
    password: &str,
    next: &str,
    extra: &[(&str, &str)],
) -> (u16, String, String) {
    let (_, head, page) = server.request("GET", "/login", &[], b"");
    let login_cookie = set_cookie(&head, "rectify_login_csrf").unwrap();
    let csrf = hidden(&String::from_utf8_lossy(&page), "csrf");
    let body = form_body(&[
        ("username", user),
        ("password", password),
        ("csrf", &csrf),
        ("next", next),
    ]);
    let mut headers = vec![
        ("Cookie", login_cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    headers.extend_from_slice(extra);
    let (status, head, page) = server.request("POST", "/login", &headers, body.as_bytes());
    (status, head, String::from_utf8_lossy(&page).into_owned())
}

/// An API login; status, head and body.
fn api_login(
    server: &Server,
    user: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> (u16, String, String) {
    let body = serde_json::json!({ "username": user, "password": password }).to_string();
    let mut headers = vec![("Content-Type", "application/json")];
    headers.extend_from_slice(extra);
    let (status, head, reply) =
        server.request("POST", "/api/v1/session", &headers, body.as_bytes());
    (status, head, String::from_utf8_lossy(&reply).into_owned())
}

/// Finding 2: the web form and the API share one throttle, checked and counted atomically, and
/// the account waits (it is not locked) while the administrator sees and can lift the wait.
#[test]
fn parallel_wrong_logins_over_the_web_and_the_api_are_limited_together() {
    let demo = Demo::start(&["liming", "admin"]);
    let server = &demo.server;
    let replies: Vec<(u16, String)> = std::thread::scope(|scope| {
        let attempts: Vec<_> = (0..24)
            .map(|i| {
                scope.spawn(move || {
                    let (status, _, body) = if i % 2 == 0 {
                        web_login(server, "liming", "wrong password", "/", &[])
                    } else {
                        api_login(server, "liming", "wrong password", &[])
                    };
                    // Only the message matters; the login page around it is long.
                    let said = ["用户名或密码错误", "登录失败次数过多"]
                        .into_iter()
                        .find(|m| body.contains(m))
                        .unwrap_or("?");
                    (status, said.to_string())
                })
            })
            .collect();
        attempts.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let checked = replies
        .iter()
        .filter(|(_, said)| said == "用户名或密码错误")
        .count();
    let throttled = replies
        .iter()
        .filter(|(_, said)| said == "登录失败次数过多")
        .count();
    assert_eq!(
        (checked, throttled),
        (5, 19),
        "five passwords checked, the rest refused unchecked: {replies:?}"
    );

    // The right password over the API is refused while the account waits.
    let (status, head, body) = api_login(server, "liming", PASSWORD, &[]);
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("登录失败次数过多"), "{body}");
    assert!(head.contains("retry-after: "), "{head}");
    let (status, _, body) = web_login(server, "liming", PASSWORD, "/", &[]);
    assert!(status != 303 && body.contains("登录失败次数过多"), "{body}");

    // Another account is not held back by liming's failures.
    let (status, head, _) = web_login(server, "admin", PASSWORD, "/admin", &[]);
    assert_eq!(status, 303);
    let admin = set_cookie(&head, "rectify_session").unwrap();
    let (_, _, page) = server.request("GET", "/admin", &[("Cookie", admin.as_str())], b"");
    let page = String::from_utf8_lossy(&page);
    assert!(page.contains("<code>user:liming</code>"), "{page}");
    let body = form_body(&[("csrf", &hidden(&page, "csrf")), ("key", "user:liming")]);
    let headers = [
        ("Cookie", admin.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, _, _) = server.request("POST", "/admin/throttle", &headers, body.as_bytes());
    assert_eq!(status, 303);
    let (status, _, body) = api_login(server, "liming", PASSWORD, &[]);
    assert_eq!(status, 200, "cleared by the administrator: {body}");
}

/// Finding 2: `X-Forwarded-For` is believed only from a configured trusted proxy; otherwise
/// the attempts count on the peer however the header varies.
#[test]
fn forwarded_addresses_count_on_the_peer_unless_it_is_a_trusted_proxy() {
    let demo = Demo::start(&["liming", "zgb", "viewer", "admin"]);
    demo.set("login.address_failures", "3");
    let server = &demo.server;
    for (user, spoofed) in [
        ("liming", "203.0.113.1"),
        ("zgb", "203.0.113.2"),
        ("viewer", "203.0.113.3"),
    ] {
        let (status, _, body) = api_login(
            server,
            user,
            "wrong password",
            &[("X-Forwarded-For", spoofed)],
        );
        assert_eq!(status, 401, "{body}");
    }
    let (status, _, body) = api_login(
        server,
        "admin",
        PASSWORD,
        &[("X-Forwarded-For", "203.0.113.4")],
    );
    assert_eq!(status, 429, "the peer's three failures count: {body}");
    let (status, _, body) = web_login(
        server,
        "admin",
        PASSWORD,
        "/",
        &[("X-Forwarded-For", "203.0.113.5")],
    );
    assert!(status != 303 && body.contains("登录失败次数过多"), "{body}");

    // Behind a trusted proxy the forwarded address is the client.
    demo.set("web.trusted_proxies", r#"["127.0.0.1"]"#);
    let from = |ip| [("X-Forwarded-For", ip)];
    assert_eq!(
        api_login(server, "admin", PASSWORD, &from("203.0.113.4")).0,
        200
    );
    for user in ["liming", "zgb", "viewer"] {
        assert_eq!(
            api_login(server, user, "wrong password", &from("198.51.100.7")).0,
            401
        );
    }
    assert_eq!(
        api_login(server, "admin", PASSWORD, &from("198.51.100.7")).0,
        429
    );
    assert_eq!(
        api_login(server, "admin", PASSWORD, &from("198.51.100.8")).0,
        200
    );
    assert_eq!(
        web_login(server, "admin", PASSWORD, "/", &from("198.51.100.9")).0,
        303
    );
}

/// Finding 4: after login the browser goes only to a path on this site.
#[test]
fn login_sends_the_browser_only_to_a_path_on_this_site() {
    let demo = Demo::start(&["zgb"]);
    let server = &demo.server;
    let location = |next: &str| {
        let (status, head, body) = web_login(server, "zgb", PASSWORD, next, &[]);
        assert_eq!(status, 303, "next={next:?}: {body}");
        head.lines()
            .find_map(|l| l.strip_prefix("location: "))
            .unwrap()
            .to_string()
    };
    for bad in [
        "/\t/evil.com",
        "/\n/evil.com",
        "/\\evil.com",
        "//evil.com",
        "/ /evil.com",
        "/\u{1}x",
        "/\u{7f}x",
        "https://evil.com/",
        "evil.com",
        "/\u{3000}/evil.com",
    ] {
        assert_eq!(location(bad), "/", "next={bad:?}");
    }
    // The test reads the head lower-cased.
    assert_eq!(
        location("/ledger?page=2&q=%E6%95%B4"),
        "/ledger?page=2&q=%e6%95%b4"
    );

    // The login page does not carry a foreign `next` into its form either.
    let (status, _, page) = server.get("/login?next=/%09/evil.com");
    assert_eq!(status, 200);
    assert_eq!(hidden(&page, "next"), "/");
}

/// Finding 20: behind TLS every cookie the server sets is `Secure`, the login form's too.
#[test]
fn every_cookie_is_secure_when_the_deployment_says_so() {
    let demo = Demo::start(&["zgb"]);
    let secure = Server::start_with_env(&demo.db, &["serve"], &[("RECTIFY_SECURE_COOKIES", "1")]);
    let attributes = |cookie: Option<String>| -> Vec<String> {
        let cookie = cookie.expect("the cookie is set");
        cookie
            .split(';')
            .skip(1)
            .map(|a| a.trim().to_string())
            .collect()
    };

    let (_, head, _) = secure.get("/login");
    let login = attributes(set_cookie_line(&head, "rectify_login_csrf="));
    assert!(login.iter().any(|a| a == "secure"), "{login:?}");
    assert!(login.iter().any(|a| a == "httponly"), "{login:?}");
    let (status, head, body) = web_login(&secure, "zgb", PASSWORD, "/", &[]);
    assert_eq!(status, 303, "{body}");
    assert!(attributes(set_cookie_line(&head, "rectify_session=")).contains(&"secure".into()));
    let (status, head, body) = api_login(&secure, "zgb", PASSWORD, &[]);
    assert_eq!(status, 200, "{body}");
    assert!(attributes(set_cookie_line(&head, "rectify_session=")).contains(&"secure".into()));

    // Without the setting (plain HTTP on a desk), a Secure cookie would never come back.
    let (_, head, _) = demo.server.get("/login");
    let login = attributes(set_cookie_line(&head, "rectify_login_csrf="));
    assert!(!login.iter().any(|a| a == "secure"), "{login:?}");
}

/// Finding 2: the portal's objection throttle is checked and counted atomically too.
#[test]
fn parallel_portal_objections_are_limited_to_the_hourly_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, None);
    let opinion = dir.path().join("验收意见.pdf");
    std::fs::write(&opinion, b"%PDF-1.4 acceptance opinion").unwrap();
    let opinion = opinion.to_string_lossy().into_owned();
    let accept = [
        "item",
        "accept",
        "16",
        "--as",
        "yanshou",
        "--opinion",
        "验收合格",
        "--evidence",
    ];
    rectify(&db, &[&accept[..], &[opinion.as_str()]].concat(), "");
    rectify(&db, &["publish", "approve"], "");
    let server = Server::start(&db, &["serve"]);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let posts: Vec<_> = (0..20)
            .map(|i| {
                let server = &server;
                scope.spawn(move || {
                    let body = form_body(&[
                        ("plan", "河安市“回头看”整改方案"),
                        ("number", "16"),
                        ("content", &format!("第{i}条：裸土未覆盖，请核查")),
                    ]);
                    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
                    server
                        .request("POST", "/public/objections", &headers, body.as_bytes())
                        .0
                })
            })
            .collect();
        posts.into_iter().map(|p| p.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&s| s == 303).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 15);
    let history = rectify(&db, &["item", "history", "16"], "");
    assert_eq!(history.matches("portal\tobject").count(), 5, "{history}");
}

/// The status of a signed-in page and of an API read with `cookie`.
fn still_signed_in(server: &Server, cookie: &str) -> (u16, u16) {
    let page = server.request("GET", "/", &[("Cookie", cookie)], b"").0;
    let api = server
        .request("GET", "/api/v1/items/1", &[("Cookie", cookie)], b"")
        .0;
    (page, api)
}

/// Finding 10: a password change, a disable and a re-enable end the user's sessions.
#[test]
fn a_password_change_or_a_re_enable_ends_the_users_sessions() {
    let demo = Demo::start(&["zgb"]);
    let server = &demo.server;
    let (status, head, _) = web_login(server, "zgb", PASSWORD, "/", &[]);
    assert_eq!(status, 303);
    let web = set_cookie(&head, "rectify_session").unwrap();
    let (status, head, _) = api_login(server, "zgb", PASSWORD, &[]);
    assert_eq!(status, 200);
    let api = set_cookie(&head, "rectify_session").unwrap();
    assert_eq!(still_signed_in(server, &web), (200, 200));
    assert_eq!(still_signed_in(server, &api), (200, 200));

    let changed = "another horse battery";
    rectify(
        &demo.db,
        &["user", "passwd", "zgb", "--password-stdin"],
        &format!("{changed}\n"),
    );
    assert_eq!(still_signed_in(server, &web), (303, 401), "after passwd");
    assert_eq!(still_signed_in(server, &api), (303, 401), "after passwd");

    let (status, head, _) = web_login(server, "zgb", changed, "/", &[]);
    assert_eq!(status, 303);
    let again = set_cookie(&head, "rectify_session").unwrap();
    assert_eq!(still_signed_in(server, &again), (200, 200));
    rectify(&demo.db, &["user", "disable", "zgb"], "");
    rectify(&demo.db, &["user", "enable", "zgb"], "");
    assert_eq!(
        still_signed_in(server, &again),
        (303, 401),
        "a session does not come back when the account is enabled again"
    );
}

/// Finding 10: an API token may expire; its last use is shown by `token list` and on 管理.
#[test]
fn api_tokens_may_expire_and_show_their_last_use() {
    let demo = Demo::start(&["admin"]);
    let db = demo.db.as_str();
    let today = "2026-12-07";
    let create = |name: &str, extra: &[&str]| {
        let args = [
            &["token", "create", "--for", "zgb", "--name", name][..],
            extra,
        ]
        .concat();
        common::rectify_at(db, today, &args).trim().to_string()
    };
    let expiring = create("nightly", &["--expires", "2026-12-08"]);
    let lasting = create("lasting", &[]);
    let past = Command::new(BIN)
        .args([
            "--db", db, "token", "create", "--for", "zgb", "--name", "old",
        ])
        .args(["--expires", "2026-12-06"])
        .env("RECTIFY_NOW", format!("{today}T10:00:00+08:00"))
        .output()
        .unwrap();
    assert!(!past.status.success());
    assert!(String::from_utf8_lossy(&past.stderr).contains("2026-12-06"));

    let list = common::rectify_at(db, today, &["token", "list"]);
    let line = |list: &str, name: &str| {
        list.lines()
            .find(|l| l.contains(&format!("\t{name}\t")))
            .unwrap()
            .to_string()
    };
    assert!(
        line(&list, "nightly").ends_with("\t2026-12-09 00:00\t-"),
        "valid through the 8th, never used: {list}"
    );

    let server = Server::start_at(db, &["serve"], "2026-12-08T23:59:00+08:00");
    let bearer = |token: &str| format!("Bearer {token}");
    let read = |server: &Server, token: &str| {
        let auth = bearer(token);
        server
            .request(
                "GET",
                "/api/v1/items/1",
                &[("Authorization", auth.as_str())],
                b"",
            )
            .0
    };
    assert_eq!(read(&server, &expiring), 200);
    drop(server);
    let list = common::rectify_at(db, today, &["token", "list"]);
    assert!(
        line(&list, "nightly").contains("\t2026-12-08 23:59"),
        "its last use: {list}"
    );
    assert!(line(&list, "lasting").ends_with("\t-\t-"), "{list}");

    let server = Server::start_at(db, &["serve"], "2026-12-09T00:00:01+08:00");
    assert_eq!(read(&server, &expiring), 401, "expired at Beijing midnight");
    assert_eq!(read(&server, &lasting), 200);
    let (status, head, _) = web_login(&server, "admin", PASSWORD, "/admin", &[]);
    assert_eq!(status, 303);
    let admin = set_cookie(&head, "rectify_session").unwrap();
    let (_, _, page) = server.request("GET", "/admin", &[("Cookie", admin.as_str())], b"");
    let page = String::from_utf8_lossy(&page);
    let row = page
        .split("<tr>")
        .find(|row| row.contains("<td>nightly</td>"))
        .unwrap_or_default();
    assert!(
        row.contains("已过期") && row.contains("2026-12-08 23:59"),
        "{row}"
    );
}

/// The session cookie of an API login.
fn api_cookie(server: &Server, user: &str) -> String {
    let (status, head, body) = api_login(server, user, PASSWORD, &[]);
    assert_eq!(status, 200, "{body}");
    set_cookie(&head, "rectify_session").unwrap()
}

/// An evidence id on an item the office sees and `clerk` does not.
fn evidence_outside(server: &Server, office: &str, clerk: &str) -> i64 {
    (1..=80)
        .find_map(|n| {
            let path = format!("/api/v1/items/{n}");
            let (status, _, body) = server.request("GET", &path, &[("Cookie", office)], b"");
            if status != 200 || server.request("GET", &path, &[("Cookie", clerk)], b"").0 != 404 {
                return None;
            }
            let item: serde_json::Value = serde_json::from_slice(&body).unwrap();
            item["evidence"].as_array()?.first()?["id"].as_i64()
        })
        .expect("the demo has evidence on an item outside 北岭县's scope")
}

/// Finding 11: an evidence id outside the caller's scope is answered like one that does not
/// exist.
#[test]
fn evidence_outside_the_scope_is_answered_like_a_missing_id() {
    let demo = Demo::start(&["zgb", "beiling"]);
    let server = &demo.server;
    let office = api_cookie(server, "zgb");
    let clerk = api_cookie(server, "beiling");
    let id = evidence_outside(server, &office, &clerk);
    let get = |id: &str| {
        let (status, _, body) = server.request(
            "GET",
            &format!("/api/v1/evidence/{id}"),
            &[("Cookie", clerk.as_str())],
            b"",
        );
        (status, String::from_utf8_lossy(&body).replace(id, "N"))
    };
    let hidden = get(&id.to_string());
    assert_eq!(hidden.0, 404);
    assert_eq!(hidden, get("99999999"));
}

/// Finding 17: the API serves evidence as a download, as the web does.
#[test]
fn api_evidence_downloads_are_attachments() {
    let demo = Demo::start(&["zgb", "beiling"]);
    let server = &demo.server;
    let office = api_cookie(server, "zgb");
    let clerk = api_cookie(server, "beiling");
    let id = evidence_outside(server, &office, &clerk);
    let (status, head, _) = server.request(
        "GET",
        &format!("/api/v1/evidence/{id}"),
        &[("Cookie", office.as_str())],
        b"",
    );
    assert_eq!(status, 200);
    assert!(
        head.contains("content-disposition: attachment;")
            && head.contains("content-type: application/octet-stream"),
        "{head}"
    );
}
