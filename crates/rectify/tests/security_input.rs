//! Issue #18, the input part: what users and files put in (control characters in stored text,
//! oversized and bomb spreadsheets, truncation, formula cells in exports, echoed cells, a
//! mistyped database path), through the real binary and the real server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

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
    common::demo_into(&db, None);
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

fn api_action(server: &Server, user: &str, path: &str, body: Value) -> (u16, String) {
    let (cookie, csrf) = server.api_login(user, PASSWORD);
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
    let (cookie, _) = server.api_login("admin", PASSWORD);
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

/// An xlsx whose shared string "BOMB" is replaced, while the file is written, by what `fill`
/// writes: every other part is rust_xlsxwriter's own, so only the bomb differs from a real file.
fn bomb_xlsx(path: &std::path::Path, fill: impl Fn(&mut dyn std::io::Write)) {
    use std::io::{Read, Write};
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, head) in ["序号", "反馈问题", "整改时限", "责任单位"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *head).unwrap();
    }
    sheet.write_number(1, 0, 1).unwrap();
    sheet.write_string(1, 1, "BOMB").unwrap();
    let plain = book.save_to_buffer().unwrap();
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for index in 0..source.len() {
        let mut part = source.by_index(index).unwrap();
        let name = part.name().unwrap().to_string();
        let mut text = String::new();
        part.read_to_string(&mut text).unwrap();
        out.start_file(name.as_str(), options).unwrap();
        match text.split_once("<si><t>BOMB</t></si>") {
            Some((before, after)) if name == "xl/sharedStrings.xml" => {
                out.write_all(before.as_bytes()).unwrap();
                fill(&mut out);
                out.write_all(after.as_bytes()).unwrap();
            }
            _ => out.write_all(text.as_bytes()).unwrap(),
        }
    }
    out.finish().unwrap();
}

/// Runs the binary and returns its output with its peak resident memory in MB, read from
/// /proc/<pid>/status (VmHWM) while it runs.
fn peak_rss(db: &str, args: &[&str]) -> (Output, u64) {
    let mut command = Command::new(BIN);
    common::at_test_clock(&mut command)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    (child.wait_with_output().unwrap(), peak_kb / 1024)
}

fn refused_within_memory(bomb: &std::path::Path, limit_named: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db").to_string_lossy().into_owned();
    ok(&db, &["init"]);
    let size = std::fs::metadata(bomb).unwrap().len();
    let (out, peak_mb) = peak_rss(&db, &["plan", "import", bomb.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{} ({size} bytes): peak {peak_mb} MB", bomb.display());
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains(limit_named),
        "{stdout}{stderr}"
    );
    assert!(peak_mb < 512, "peak RSS {peak_mb} MB");
    assert!(stderr.len() + stdout.len() < 4_000, "the refusal is short");
}

#[test]
fn a_one_gib_cell_in_a_small_xlsx_is_refused_naming_the_limit_under_512_mb() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb-cell.xlsx");
    one_gib_cell_bomb(&bomb);
    refused_within_memory(&bomb, "RECTIFY_SHEET_MAX_PART_BYTES");
}

#[test]
fn twenty_million_shared_strings_are_refused_naming_the_limit_under_512_mb() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb-strings.xlsx");
    bomb_xlsx(&bomb, |out| {
        let chunk = "<si><t>x</t></si>".repeat(100_000);
        for _ in 0..200 {
            out.write_all(chunk.as_bytes()).unwrap();
        }
    });
    refused_within_memory(&bomb, "RECTIFY_SHEET_MAX_PART_BYTES");
}

fn one_gib_cell_bomb(path: &std::path::Path) {
    bomb_xlsx(path, |out| {
        out.write_all(b"<si><t>").unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..1024 {
            out.write_all(&chunk).unwrap();
        }
        out.write_all(b"</t></si>").unwrap();
    });
}

/// A multipart form with text fields and one file.
fn multipart(fields: &[(&str, &str)], file: (&str, &[u8])) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "----rectify-bomb";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            file.0
        )
        .as_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// Peak resident memory (VmHWM) of the server serving `db`, found by its command line.
fn server_peak_mb(db: &str) -> u64 {
    let pid = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c);
                c.contains(db) && c.contains("serve")
            })
        })
        .expect("the server's process");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

#[test]
fn bombs_uploaded_at_once_are_refused_and_the_server_keeps_answering_under_512_mb() {
    let (dir, db) = demo(&["zgb"]);
    let bomb = dir.path().join("bomb.xlsx");
    one_gib_cell_bomb(&bomb);
    let bomb = std::fs::read(&bomb).unwrap();
    let server = Server::start(&db, &["serve"]);
    let (cookie, csrf) = server.api_login("zgb", PASSWORD);
    let refusals = std::thread::scope(|scope| {
        let uploads: Vec<_> = [("/import", "plan"), ("/registers/import", "kind")]
            .iter()
            .cycle()
            .take(4)
            .map(|&(path, field)| {
                let (server, cookie, csrf, bomb) = (&server, &cookie, &csrf, &bomb);
                scope.spawn(move || {
                    let value = if field == "kind" {
                        "scattered"
                    } else {
                        "炸弹"
                    };
                    let (kind, body) =
                        multipart(&[("csrf", csrf), (field, value)], ("bomb.xlsx", bomb));
                    let headers = [("Cookie", cookie.as_str()), ("Content-Type", kind.as_str())];
                    let (status, head, reply) = server.request("POST", path, &headers, &body);
                    let text = format!("{head}\n{}", String::from_utf8_lossy(&reply));
                    (status, text.replace("%5F", "_"))
                })
            })
            .collect();
        for _ in 0..20 {
            let (status, _, _) = server.get("/healthz");
            assert_eq!(status, 200);
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        uploads
            .into_iter()
            .map(|u| u.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (status, text) in refusals {
        assert!(matches!(status, 200 | 303), "{status}: {text}");
        let text = text.to_ascii_lowercase();
        assert!(text.contains("rectify_sheet_max_part_bytes"), "{text}");
    }
    let peak = server_peak_mb(&db);
    eprintln!("server peak RSS after four bomb uploads: {peak} MB");
    assert!(peak < 512, "server peak RSS {peak} MB");
}

#[test]
fn migrate_on_a_mistyped_path_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("rectfy.db");
    let out = run(typo.to_str().unwrap(), &["migrate"], "");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rectify init"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing created"
    );

    let db = dir.path().join("real.db").to_string_lossy().into_owned();
    ok(&db, &["init"]);
    ok(&db, &["migrate"]);
}

#[test]
fn a_sheet_over_the_row_limit_is_refused_whole_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rows.db").to_string_lossy().into_owned();
    ok(&db, &["init"]);
    let plan = dir.path().join("long.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, head) in ["序号", "反馈问题", "责任单位", "整改时限"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *head).unwrap();
    }
    for row in 1..=1_500_u32 {
        sheet.write_number(row, 0, row).unwrap();
        sheet.write_string(row, 1, format!("问题{row}")).unwrap();
        sheet.write_string(row, 2, "市林业局").unwrap();
        sheet.write_string(row, 3, "2030年底前").unwrap();
    }
    book.save(&plan).unwrap();
    let mut command = Command::new(BIN);
    common::at_test_clock(&mut command)
        .env("RECTIFY_SHEET_MAX_ROWS", "1000")
        .args(["--db", &db, "plan", "import", plan.to_str().unwrap()]);
    let out = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("超过 1000 行的上限"), "{text}");
    assert!(text.contains("RECTIFY_SHEET_MAX_ROWS"), "{text}");
    assert!(
        !ok(&db, &["plan", "list"]).contains("long"),
        "nothing imported"
    );
}

#[test]
fn csv_exports_neutralise_formula_cells() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("csv.db").to_string_lossy().into_owned();
    ok(&db, &["init"]);
    let plan = dir.path().join("formulas.csv");
    std::fs::write(
        &plan,
        "序号,反馈问题,整改措施,责任单位,整改时限\n\
         1,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",@SUM(1+1),市林业局,2030年底前\n\
         2,+1+1,-2+3,市林业局,2030年底前\n",
    )
    .unwrap();
    ok(
        &db,
        &["plan", "import", plan.to_str().unwrap(), "--plan", "公式"],
    );
    let out = dir.path().join("ledger.csv");
    ok(
        &db,
        &[
            "ledger",
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&out).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell.parse::<f64>().is_ok(),
            "formula cell in the export: {cell}"
        );
    }
    assert!(
        cells.iter().any(|c| c.starts_with("'=HYPERLINK")),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c == "'+1+1"), "{cells:?}");
}

#[test]
fn a_huge_bad_cell_is_quoted_at_most_80_characters() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.db").to_string_lossy().into_owned();
    ok(&db, &["init"]);
    let big = "x".repeat(2_000_000);
    let table = dir.path().join("aqi.csv");
    std::fs::write(&table, format!("so2,pm25\n{big},10\n")).unwrap();
    let out = run(
        &db,
        &[
            "air",
            "aqi",
            "--standard",
            "2012",
            "--mode",
            "daily",
            "--input",
            table.to_str().unwrap(),
            "--out",
            dir.path().join("out.csv").to_str().unwrap(),
        ],
        "",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("共 2000000 个字符"),
        "{}",
        &stderr[..stderr.len().min(300)]
    );
    assert!(stderr.len() < 1_000, "{} bytes of message", stderr.len());

    let number = "9".repeat(30_000);
    let plan = dir.path().join("plan.csv");
    std::fs::write(
        &plan,
        format!("序号,反馈问题,责任单位,整改时限\n{number}x,问题,市林业局,2030年底前\n"),
    )
    .unwrap();
    let out = run(&db, &["plan", "import", plan.to_str().unwrap()], "");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        &text[..text.len().min(300)]
    );
    assert!(
        text.contains("共 30001 个字符"),
        "{}",
        &text[..text.len().min(300)]
    );
    assert!(text.len() < 2_000, "{} bytes of message", text.len());
}

/// #22: a fault in what the database holds is the operator's problem: the user reads a request
/// id to quote, never the stored detail, and the log has the detail under that id.
#[test]
fn a_corrupt_stored_value_shows_a_request_id_not_its_detail() {
    let (dir, db) = demo(&["admin"]);
    let log = dir.path().join("serve.log");
    let server = Server::start_logging_to(&db, &["serve"], std::fs::File::create(&log).unwrap());
    let (cookie, _) = server.api_login("admin", PASSWORD);
    raw_sql(
        &db,
        "UPDATE user_roles SET role = 'overlord' \
         WHERE user_id = (SELECT id FROM users WHERE username = 'admin')",
    );
    let (status, head, body) = server.request("GET", "/ledger", &[("Cookie", &cookie)], b"");
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 500, "{body}");
    let id = head
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        body.contains(&format!("系统错误，请联系管理员（请求编号 {id}）")),
        "{body}"
    );
    assert!(!body.contains("overlord"), "{body}");
    let (status, _, reply) = server.request("GET", "/api/v1/items/1", &[("Cookie", &cookie)], b"");
    let reply = String::from_utf8_lossy(&reply);
    assert_eq!(status, 500, "{reply}");
    assert!(
        reply.contains("请求编号") && !reply.contains("overlord"),
        "{reply}"
    );
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains(&id) && logged.contains("overlord"),
        "the detail is logged under the id: {logged}"
    );
}
