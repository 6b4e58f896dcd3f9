//! A form's result message on the page it leads back to (#24 review): it shows only to the
//! session whose form it was. A link with text of someone else's making, or one session's
//! real link opened in another, shows no message.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

mod common;

use common::{Server, flash, form_body, form_token, web_session};

fn get(server: &Server, cookie: &str, path: &str) -> String {
    let (status, _, page) = server.request("GET", path, &[("Cookie", cookie)], b"");
    assert_eq!(status, 200, "GET {path}");
    String::from_utf8(page).unwrap()
}

/// The page's flash line, if it shows one.
fn note(page: &str) -> Option<&str> {
    let rest = page.split("<p class=\"note\">").nth(1)?;
    rest.split("</p>").next()
}

#[test]
fn a_flash_shows_only_to_the_session_whose_form_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, None);
    let server = Server::start(&db, &["serve"]);
    let mine = web_session(&db, &server, "admin");
    // Signed in again, without setting the password again (that ends the first session).
    let (_, head, _) = common::log_in_at(&server.addr, &server.addr, "admin", common::PASSWORD);
    let other = common::set_cookie(&head, "rectify_session").unwrap();
    assert_ne!(mine, other);

    let csrf = form_token(&get(&server, &mine, "/admin"));
    let body = form_body(&[("csrf", &csrf), ("key", "beiling")]);
    let headers = [
        ("Cookie", mine.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, head, _) = server.request("POST", "/admin/throttle", &headers, body.as_bytes());
    assert_eq!(status, 303, "{head}");
    let message = flash(&head);
    assert!(!message.is_empty(), "{head}");
    let location = head
        .lines()
        .find_map(|l| l.strip_prefix("location: "))
        .unwrap()
        .trim();
    assert_eq!(note(&get(&server, &mine, location)), Some(message.as_str()));
    assert_eq!(
        note(&get(&server, &other, location)),
        None,
        "another session"
    );

    let forged = "%E7%B3%BB%E7%BB%9F%E5%B7%B2%E5%81%9C%E7%94%A8"; // 系统已停用
    for done in [
        forged.to_string(),
        format!("0123456789abcdef.{forged}"),
        format!(".{forged}"),
    ] {
        let page = get(&server, &mine, &format!("/admin?done={done}"));
        assert_eq!(note(&page), None, "done={done}");
        assert!(!page.contains("系统已停用"), "done={done}");
    }
}
