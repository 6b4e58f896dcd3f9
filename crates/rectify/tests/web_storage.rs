//! Attachments in S3-compatible object storage, through the real binary: `rectify storage
//! migrate` copies the demo's data directory into a bucket and `serve --storage` serves from
//! it with the directory gone; an upload over HTTP lands in the bucket and nowhere on disk, a
//! big download streams, and one changed in the bucket breaks off instead of completing. The
//! bucket is a real SeaweedFS server (`rectify_testkit::s3`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};

mod common;

use common::{BIN, PASSWORD, Server};
use rectify_testkit::s3::S3Bucket;

/// The binary at the tests' clock with the bucket's AWS_* variables.
fn rectify_with(bucket: &S3Bucket, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    common::at_test_clock(&mut command);
    command.envs(bucket.vars()).args(args).output().unwrap()
}

fn serve_from(db: &str, bucket: &S3Bucket, data_dir: &str) -> Server {
    let mut env = bucket.vars();
    env.push(("RECTIFY_STORAGE", &bucket.url));
    env.push(("RECTIFY_DATA_DIR", data_dir));
    Server::start_with_env(db, &["serve"], &env)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A demo database with a password for zgb, in its own directory.
fn demo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").to_string_lossy().into_owned();
    common::demo_into(&db, None);
    common::with_password(&["--db", &db, "user", "passwd", "zgb"]);
    (dir, db)
}

fn get(server: &Server, path: &str, cookie: &str) -> (u16, String, Vec<u8>) {
    server.request("GET", path, &[("Cookie", cookie)], b"")
}

#[test]
fn the_demo_store_migrates_into_a_bucket_and_is_served_from_it() {
    let (dir, db) = demo();
    let bucket = rectify_testkit::s3::bucket();
    let local: Vec<Vec<String>> = common::query(&db, "SELECT DISTINCT sha256 FROM evidence");
    assert!(local.len() > 3, "the demo has evidence files");

    let first = rectify_with(
        &bucket,
        &["--db", &db, "storage", "migrate", "--to", &bucket.url],
    );
    let said = common::ok(&first);
    let keys = bucket.keys();
    let data = dir.path().join("rectify-data");
    let files = std::fs::read_dir(data.join("sha256"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .count();
    assert_eq!(keys.len(), files, "every file, nothing else: {keys:?}");
    assert!(
        said.contains(&format!("已复制并核对 {files} 个文件")),
        "{said}"
    );
    for row in &local {
        let key = format!("{}/sha256/{}/{}", bucket.prefix, &row[0][..2], row[0]);
        let object = bucket
            .get_raw(&key)
            .unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(sha256(&object), row[0]);
    }
    let again = common::ok(&rectify_with(
        &bucket,
        &["--db", &db, "storage", "migrate", "--to", &bucket.url],
    ));
    assert!(again.contains("已复制并核对 0 个文件"), "{again}");
    assert!(again.contains(&format!("跳过 {files} 个")), "{again}");
    let verified = common::ok(&rectify_with(
        &bucket,
        &["--db", &db, "--storage", &bucket.url, "storage", "verify"],
    ));
    assert!(
        verified.contains(&format!("{files} 个文件均完好")),
        "{verified}"
    );

    // Served from the bucket alone: the data directory is gone.
    std::fs::remove_dir_all(&data).unwrap();
    let server = serve_from(&db, &bucket, data.to_str().unwrap());
    let (cookie, _) = server.api_login("zgb", PASSWORD);
    let evidence = common::query(&db, "SELECT id, sha256 FROM evidence ORDER BY id LIMIT 1");
    let (status, _, body) = get(&server, &format!("/evidence/{}", evidence[0][0]), &cookie);
    assert_eq!(status, 200);
    assert_eq!(sha256(&body), evidence[0][1]);
    let (status, head, zip) = get(&server, "/items/41/dossier", &cookie);
    assert_eq!(status, 200, "{head}");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut packed = 0;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        if file.name().unwrap().starts_with("佐证材料/") {
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            let digest = sha256(&content);
            assert!(local.iter().any(|r| r[0] == digest), "{digest} as recorded");
            packed += 1;
        }
    }
    assert!(
        packed > 0,
        "the dossier packs the item's files from the bucket"
    );
    assert!(!data.exists(), "serving wrote into the data directory");

    // A file changed in the bucket: the copy refuses it, naming it.
    let victim = &local[0][0];
    bucket.put_raw(
        &format!("{}/sha256/{}/{victim}", bucket.prefix, &victim[..2]),
        b"x",
    );
    let broken = rectify_with(
        &bucket,
        &["--db", &db, "--storage", &bucket.url, "storage", "verify"],
    );
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stderr).contains(victim.as_str()));
}

/// Reads a response to its end or its break: the head, the body as it arrived, and whether
/// the chunked body ended properly (its zero-length last chunk).
/// A small evidence file posted through the API, for the bucket's failures: (status, head, body).
fn post_small_evidence(server: &Server, cookie: &str, csrf: &str) -> (u16, String, String) {
    let headers = [
        ("Cookie", cookie),
        ("X-CSRF-Token", csrf),
        ("Content-Type", "application/octet-stream"),
    ];
    let (status, head, reply) = server.request(
        "POST",
        "/api/v1/items/41/evidence?kind=document&file_name=survey.pdf",
        &headers,
        b"%PDF-1.4\nnothing to keep\n",
    );
    (status, head, String::from_utf8_lossy(&reply).into_owned())
}

fn raw_get(server: &Server, path: &str, cookie: &str) -> (String, Vec<u8>, bool) {
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
        }
    }
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = raw[split + 4..].to_vec();
    let complete = body.ends_with(b"\r\n0\r\n\r\n");
    (head, body, complete)
}

/// The chunked body's data.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&body[..end]).unwrap(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 4 + size..];
    }
    out
}

#[test]
fn uploads_go_to_the_bucket_and_a_changed_download_breaks_off() {
    let (dir, db) = demo();
    let bucket = rectify_testkit::s3::bucket();
    let data = dir.path().join("elsewhere");
    let server = serve_from(&db, &bucket, data.to_str().unwrap());
    let (cookie, csrf) = server.api_login("zgb", PASSWORD);

    // 40 MiB: eight parts of a multipart upload, past the size a download checks up front,
    // and more than the server may grow by while it passes through.
    let mut file = b"%PDF-1.4\n".to_vec();
    file.extend((0..40 * 1024 * 1024 + 3).map(|i| (i * 7 % 253) as u8));
    let idle = common::memory_kib(server.pid(), "VmRSS");
    let headers = [
        ("Cookie", cookie.as_str()),
        ("X-CSRF-Token", csrf.as_str()),
        ("Content-Type", "application/octet-stream"),
    ];
    let (status, _, reply) = server.request(
        "POST",
        "/api/v1/items/41/evidence?kind=document&file_name=survey.pdf",
        &headers,
        &file,
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&reply));
    let grown = common::memory_kib(server.pid(), "VmHWM").saturating_sub(idle);
    eprintln!("a 40 MiB upload to the bucket grew the server by {grown} KiB");
    assert!(
        grown < 30 * 1024,
        "the upload was held in memory: {grown} KiB"
    );
    let reply: serde_json::Value = serde_json::from_slice(&reply).unwrap();
    let (id, digest) = (reply["id"].as_i64().unwrap(), sha256(&file));
    assert_eq!(reply["sha256"], digest.as_str());
    let key = format!("{}/sha256/{}/{digest}", bucket.prefix, &digest[..2]);
    assert_eq!(bucket.get_raw(&key).map(|o| o.len()), Some(file.len()));
    assert!(!data.exists(), "the upload touched the data directory");
    // The temporary upload key goes in the background, moments after the answer.
    let mut staged = bucket.keys();
    for _ in 0..50 {
        staged.retain(|k| k.contains("/uploads/"));
        if staged.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        staged = bucket.keys();
    }
    assert_eq!(staged, Vec::<String>::new(), "temporary upload keys left");

    let (head, body, complete) = raw_get(&server, &format!("/evidence/{id}"), &cookie);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        head.contains("transfer-encoding: chunked"),
        "streamed: {head}"
    );
    assert!(complete);
    assert_eq!(sha256(&dechunk(&body)), digest);

    // Changed through the S3 API, same size: the answer starts, then breaks off unfinished.
    let mut altered = file.clone();
    altered[30 * 1024 * 1024] ^= 0xff;
    bucket.put_raw(&key, &altered);
    let (head, body, complete) = raw_get(&server, &format!("/evidence/{id}"), &cookie);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(
        !complete,
        "a changed file must not arrive as a complete download"
    );
    assert!(dechunk(&body).len() <= altered.len());
    let (_, _, metrics) = server.request("GET", "/metrics", &[], b"");
    assert!(
        String::from_utf8_lossy(&metrics).contains("rectify_attachments_tampered_total 1"),
        "counted"
    );

    // The report form's files (multipart) go the same way; an empty file input is skipped.
    let boundary = "----rectifys3";
    let form_file = b"%PDF-1.4 monthly report attachment".to_vec();
    let mut form = Vec::new();
    for (name, value) in [
        ("csrf", csrf.as_str()),
        ("period", "2026-11"),
        ("text", "进展"),
    ] {
        form.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .bytes(),
        );
    }
    for (file_name, content) in [("report.pdf", &form_file[..]), ("", &b""[..])] {
        form.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .bytes(),
        );
        form.extend_from_slice(content);
        form.extend(b"\r\n");
    }
    form.extend(format!("--{boundary}--\r\n").bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let (status, head, _) = server.request(
        "POST",
        "/items/41/report",
        &[
            ("Cookie", cookie.as_str()),
            ("Content-Type", content_type.as_str()),
        ],
        &form,
    );
    assert_eq!(status, 303, "{head}");
    let form_digest = sha256(&form_file);
    let stored = common::query(
        &db,
        &format!("SELECT COUNT(*) FROM evidence WHERE sha256 = '{form_digest}'"),
    );
    assert_eq!(stored, vec![vec!["1".to_string()]]);
    let form_key = format!(
        "{}/sha256/{}/{form_digest}",
        bucket.prefix,
        &form_digest[..2]
    );
    assert_eq!(bucket.get_raw(&form_key), Some(form_file));
    assert!(!data.exists());

    // A small file changed in the bucket is refused with a page before anything is sent.
    let small = b"%PDF-1.4 small".to_vec();
    let (status, _, reply) = server.request(
        "POST",
        "/api/v1/items/41/evidence?kind=document&file_name=small.pdf",
        &headers,
        &small,
    );
    assert_eq!(status, 201);
    let id = serde_json::from_slice::<serde_json::Value>(&reply).unwrap()["id"]
        .as_i64()
        .unwrap();
    let digest = sha256(&small);
    bucket.put_raw(
        &format!("{}/sha256/{}/{digest}", bucket.prefix, &digest[..2]),
        b"%PDF-1.4 smell",
    );
    let (status, _, _) = get(&server, &format!("/evidence/{id}"), &cookie);
    assert_eq!(status, 403);
    assert!(!data.exists());
}

/// An attachment bucket that cannot be reached (#24 review): a download and an upload answer
/// 503 with `Retry-After` and the plain words that the file storage is away (a page, or the
/// API's JSON), never a 500, and the server logs it. The bucket is an address nothing listens
/// on, so this test needs no SeaweedFS; it is here to share the binary's demo build.
#[test]
fn a_bucket_outage_answers_503_and_is_logged() {
    let (dir, db) = demo();
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
        std::process::Stdio::from(std::fs::File::create(&log).unwrap()),
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

    let (status, head, reply) = post_small_evidence(&server, &cookie, &csrf);
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

/// The command line stores files from disk in the bucket too, and a process that ends right
/// after leaves nothing behind: an imported air data file (small: sent from memory in one
/// request) and an evidence file over 64 MiB (streamed as a multipart upload to a temporary key,
/// which the command deletes before it exits) each land at their content address, no temporary
/// key stays, and nothing is written to a local data directory.
#[test]
fn files_from_the_command_line_go_to_the_bucket_whole() {
    let (dir, db) = demo();
    let bucket = rectify_testkit::s3::bucket();
    let data = dir.path().join("elsewhere");
    let with_bucket = |args: &[&str]| {
        let mut all = vec!["--db", &db, "--data-dir", data.to_str().unwrap()];
        all.extend_from_slice(&["--storage", &bucket.url]);
        all.extend_from_slice(args);
        common::ok(&rectify_with(&bucket, &all))
    };
    let in_bucket = |content: &[u8]| {
        let digest = sha256(content);
        let key = format!("{}/sha256/{}/{digest}", bucket.prefix, &digest[..2]);
        bucket.get_raw(&key).map(|o| o.len())
    };

    let air = dir.path().join("hourly.csv");
    let mut text = String::from("station,city,time,pm25,pm10\n");
    for hour in 0..24 {
        text.push_str(&format!("站1,河安市,2026-11-02 {hour:02}:00,35,70\n"));
    }
    std::fs::write(&air, &text).unwrap();
    with_bucket(&["air", "import", air.to_str().unwrap()]);
    assert_eq!(in_bucket(text.as_bytes()), Some(text.len()));

    let mut opinion = b"%PDF-1.4 acceptance opinion\n".to_vec();
    opinion.resize(65 << 20, b' ');
    let file = dir.path().join("验收意见.pdf");
    std::fs::write(&file, &opinion).unwrap();
    with_bucket(&["setting", "set", "evidence.max_bytes", "100000000"]);
    with_bucket(&[
        "evidence",
        "add",
        "16",
        "--as",
        "yanshou",
        "--kind",
        "acceptance_opinion",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(in_bucket(&opinion), Some(opinion.len()));

    let keys = bucket.keys();
    assert!(
        keys.iter().all(|k| !k.contains("/uploads/")),
        "temporary keys left: {keys:?}"
    );
    assert!(!data.exists(), "a command wrote to the data directory");
}

/// An attachment bucket the server refuses for good (#24 review; here a bucket SeaweedFS does
/// not have): a download and an upload answer 500 with the plain words that the storage's
/// configuration is wrong, not a 503 that says "try later", and the reason is logged.
#[test]
fn a_missing_bucket_answers_500_not_503() {
    let (dir, db) = demo();
    let bucket = rectify_testkit::s3::bucket();
    let gone = format!("s3://{}-gone/files", bucket.bucket);
    let mut env = bucket.vars();
    env.push(("RECTIFY_STORAGE", &gone));
    let log = dir.path().join("server.log");
    let server = Server::spawn(
        &db,
        &["serve"],
        &env,
        std::process::Stdio::from(std::fs::File::create(&log).unwrap()),
    );
    let (cookie, csrf) = server.api_login("zgb", PASSWORD);
    let evidence = &common::query(&db, "SELECT id FROM evidence ORDER BY id LIMIT 1")[0][0];

    let (status, head, page) = get(&server, &format!("/evidence/{evidence}"), &cookie);
    let page = String::from_utf8_lossy(&page);
    assert_eq!(status, 500, "{head}\n{page}");
    assert!(!head.contains("retry-after: "), "{head}");
    assert!(page.contains("附件存储拒绝了服务器的请求"), "{page}");
    assert!(!page.contains("稍后再试"), "{page}");

    let (status, head, reply) = post_small_evidence(&server, &cookie, &csrf);
    assert_eq!(status, 500, "{head}\n{reply}");
    assert!(reply.contains("附件存储拒绝了服务器的请求"), "{reply}");

    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged
            .matches("attachment storage refused the request")
            .count(),
        2,
        "{logged}"
    );
    assert!(!logged.contains("rectify-test-secret"), "{logged}");
}
