//! An attachment bucket that cannot be reached (#24 review): a download and an upload answer
//! 503 with `Retry-After` and the plain words that the file storage is away (a page, or the
//! API's JSON), never a 500, and the server logs it. The bucket is an address nothing listens
//! on, so no object store is started.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

mod common;

use common::{PASSWORD, Server};
use std::process::Stdio;

#[test]
fn a_bucket_outage_answers_503_and_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, None);
    common::with_password(&["--db", &db, "user", "passwd", "zgb"]);
    // A port that was free a moment ago: connections to it are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let env = [
        ("RECTIFY_STORAGE", "s3://rectify-away/files"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "rectify-test"),
        ("AWS_SECRET_ACCESS_KEY", "rectify-test-secret"),
        ("AWS_ALLOW_HTTP", "true"),
    ];
    let log = dir.path().join("server.log");
    let server = Server::spawn(
        &db,
        &["serve"],
        &env,
        Stdio::from(std::fs::File::create(&log).unwrap()),
    );
    let (cookie, csrf) = server.api_login("zgb", PASSWORD);
    let evidence = &common::query(&db, "SELECT id FROM evidence ORDER BY id LIMIT 1")[0][0];

    let started = std::time::Instant::now();
    let path = format!("/evidence/{evidence}");
    let (status, head, page) = server.request("GET", &path, &[("Cookie", &cookie)], b"");
    let page = String::from_utf8_lossy(&page);
    assert_eq!(status, 503, "{head}\n{page}");
    assert!(head.contains("retry-after: "), "{head}");
    assert!(page.contains("附件存储暂时无法连接"), "{page}");
    assert!(page.contains("返回首页"), "the site's error page: {page}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "answered only after {:?}",
        started.elapsed()
    );

    let headers = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", "application/octet-stream"),
    ];
    let (status, head, reply) = server.request(
        "POST",
        "/api/v1/items/41/evidence?kind=document&file_name=survey.pdf",
        &headers,
        b"%PDF-1.4\nnothing to keep\n",
    );
    let reply = String::from_utf8_lossy(&reply);
    assert_eq!(status, 503, "{head}\n{reply}");
    assert!(head.contains("retry-after: "), "{head}");
    assert!(reply.contains("附件存储暂时无法连接"), "{reply}");

    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged.matches("attachment storage unavailable").count(),
        2,
        "{logged}"
    );
}
