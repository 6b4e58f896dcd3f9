//! Uploads against the real server on the demo database (#18.1): refused before their body is
//! read when anonymous, forged or declared too large; refused while they arrive once they pass
//! `evidence.max_bytes`; never held in memory whole. Memory is the server's own, read from
//! `/proc/<pid>/status`; the bodies are generated as they are sent, never allocated.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::Duration;

mod common;

use common::{BIN, Server};

const PASSWORD: &str = "correct horse battery";
const MIB: u64 = 1024 * 1024;
/// What concurrent large uploads may add to the server's memory at most.
const GROWTH_LIMIT_KIB: u64 = 100 * 1024;
const BOUNDARY: &str = "----rectifyupload";

struct Demo {
    dir: tempfile::TempDir,
    server: Server,
}

impl Demo {
    fn start() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("demo.db").to_string_lossy().into_owned();
        common::demo_into(&db, None);
        let mut passwd = Command::new(BIN);
        passwd.args(["--db", &db, "user", "passwd", "zgb", "--password-stdin"]);
        common::ok(&common::with_stdin(passwd, &format!("{PASSWORD}\n")));
        let server = Server::start(&db, &["serve"]);
        Demo { dir, server }
    }

    /// Every file under the attachment store, temporary ones included.
    fn stored_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.dir.path().join("rectify-data"), &mut found);
        found.sort();
        found
    }
}

/// What the server answered and how much of the body it took before it stopped reading.
struct Answer {
    status: u16,
    body: String,
    sent: u64,
}

/// Sends `head`, then `prefix`, then `length` filler bytes (a fixed 64 KiB buffer sent again and
/// again, chunked or not) while another thread reads the answer, so an early refusal is seen even
/// though the rest of the body is then cut off.
fn send(addr: &str, head: &str, prefix: &[u8], length: u64, chunked: bool) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut reader = stream.try_clone().unwrap();
    reader
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let answer = thread::spawn(move || {
        let mut raw = Vec::new();
        let _ = reader.read_to_end(&mut raw);
        raw
    });
    let filler = vec![b'x'; 64 * 1024];
    let mut sent = 0;
    let head_sent = stream.write_all(head.as_bytes()).is_ok();
    let mut write = |bytes: &[u8]| -> bool {
        // Chunked, an empty piece is the last chunk.
        let framed = if chunked && bytes.is_empty() {
            b"0\r\n\r\n".to_vec()
        } else if chunked {
            let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
            framed.extend_from_slice(bytes);
            framed.extend_from_slice(b"\r\n");
            framed
        } else {
            bytes.to_vec()
        };
        stream.write_all(&framed).is_ok()
    };
    let mut open = head_sent && write(prefix);
    while open && sent < length {
        let n = filler.len().min((length - sent) as usize);
        open = write(&filler[..n]);
        if open {
            sent += n as u64;
        }
    }
    if open && chunked {
        write(&[]);
    }
    let raw = answer.join().unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no answer after {sent} bytes: {text:?}"));
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Answer { status, body, sent }
}

/// A multipart part's header: a text field, or a file when `file_name` is given.
fn part(name: &str, file_name: Option<&str>) -> String {
    match file_name {
        Some(file) => format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/pdf\r\n\r\n"
        ),
        None => format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
    }
}

#[test]
fn four_concurrent_anonymous_400_mb_uploads_are_refused_unread() {
    let demo = Demo::start();
    let pid = demo.server.pid();
    assert_eq!(demo.server.get("/healthz").0, 200);
    let idle = common::memory_kib(pid, "VmRSS");
    let uploads: Vec<_> = (0..4)
        .map(|_| {
            let addr = demo.server.addr.clone();
            thread::spawn(move || {
                let head = format!(
                    "POST /api/v1/items/41/evidence?kind=document&file_name=big.pdf HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                    400 * MIB
                );
                send(&addr, &head, b"", 400 * MIB, false)
            })
        })
        .collect();
    for upload in uploads {
        let answer = upload.join().unwrap();
        assert_eq!(answer.status, 401, "{}", answer.body);
        assert!(answer.body.contains("请先登录"), "{}", answer.body);
        assert!(
            answer.sent < 400 * MIB,
            "the server read the whole anonymous body"
        );
    }
    let peak = common::memory_kib(pid, "VmHWM");
    let grown = peak.saturating_sub(idle);
    eprintln!("idle {idle} KiB, peak {peak} KiB, grown {grown} KiB");
    assert!(
        grown < GROWTH_LIMIT_KIB,
        "four anonymous uploads grew the server by {grown} KiB"
    );
    assert!(demo.stored_files().iter().all(|f| {
        !f.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".upload-"))
    }));
}

#[test]
fn signed_in_oversized_uploads_are_refused_as_they_arrive_and_leave_nothing() {
    let demo = Demo::start();
    let pid = demo.server.pid();
    let addr = demo.server.addr.clone();
    let (cookie, csrf) = demo.server.api_login("zgb", PASSWORD);
    let files_before = demo.stored_files();
    let idle = common::memory_kib(pid, "VmRSS");
    let multipart = format!("multipart/form-data; boundary={BOUNDARY}");

    // A 480 MB report form, declared: refused at once, before the session's form is read.
    let head = format!(
        "POST /items/41/report HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: {multipart}\r\nContent-Length: {}\r\n\r\n",
        480 * MIB
    );
    let prefix = format!(
        "{}{csrf}\r\n{}",
        part("csrf", None),
        part("files", Some("big.pdf"))
    );
    let answer = send(&addr, &head, prefix.as_bytes(), 480 * MIB, false);
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(answer.body.contains("超过上限"), "{}", answer.body);
    assert!(answer.sent < 480 * MIB);

    // The same form chunked (no declared length): counted as it arrives, refused past the
    // evidence limit (50 MiB by default).
    let head = format!(
        "POST /items/41/report HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: {multipart}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let answer = send(&addr, &head, prefix.as_bytes(), 400 * MIB, true);
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(answer.body.contains("big.pdf"), "{}", answer.body);
    assert!(
        answer.sent < 100 * MIB,
        "refused only after {} bytes",
        answer.sent
    );

    // A raw API upload chunked: the same limit, as it arrives.
    let head = format!(
        "POST /api/v1/items/41/evidence?kind=document&file_name=big.pdf HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let answer = send(&addr, &head, b"%PDF-1.4\n", 400 * MIB, true);
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(answer.body.contains("超过上限"), "{}", answer.body);
    assert!(
        answer.sent < 100 * MIB,
        "refused only after {} bytes",
        answer.sent
    );

    // A file before the form's CSRF token is never received: the form may be forged.
    let head = format!(
        "POST /items/41/report HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: {multipart}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let forged = part("files", Some("first.pdf"));
    let answer = send(&addr, &head, forged.as_bytes(), 10 * MIB, true);
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.body.contains("CSRF"), "{}", answer.body);

    let peak = common::memory_kib(pid, "VmHWM");
    let grown = peak.saturating_sub(idle);
    eprintln!("idle {idle} KiB, peak {peak} KiB, grown {grown} KiB");
    assert!(
        grown < GROWTH_LIMIT_KIB,
        "oversized uploads grew the server by {grown} KiB"
    );
    assert_eq!(
        demo.stored_files(),
        files_before,
        "nothing kept, no temporary file left behind"
    );
}
