//! The real binary, driven as a newcomer or an operator would drive it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::{BIN, Server};

fn rectify(db: &str, args: &[&str]) -> Output {
    rectify_with_stdin(db, args, "")
}

fn rectify_with_stdin(db: &str, args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(BIN);
    command
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("RECTIFY_DB")
        .env_remove("RECTIFY_LOG");
    common::with_stdin(command, stdin)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One error line on stderr and the given exit code.
fn assert_one_error_line(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "expected one line, got: {err}");
    assert!(err.starts_with("错误："), "{err}");
    assert!(err.contains(needle), "{err} lacks {needle}");
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A server process on a random port, stopped with SIGTERM when dropped.
fn temp_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rectify.db").to_string_lossy().into_owned();
    (dir, db)
}

#[test]
fn demo_serve_answers_healthz_and_version_then_shuts_down_gracefully() {
    let (_dir, db) = temp_db();
    let server = Server::start(&db, &["demo", "--serve"]);
    let (status, head, body) = server.get("/healthz");
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert!(head.contains("x-request-id: "), "{head}");
    let (status, _, body) = server.get("/readyz");
    assert_eq!((status, body.as_str()), (200, "ok"), "the database answers");
    let (status, _, body) = server.get("/api/v1/version");
    assert_eq!(status, 200);
    assert!(body.contains(r#""backend":"sqlite""#), "{body}");
    let schema = format!(r#""schema_version":{}"#, rectify_store::latest_version());
    assert!(body.contains(&schema), "{body}");
    assert_eq!(server.get("/no-such-page").0, 404);
    assert_eq!(server.get("/").0, 303);
    let (status, _, page) = server.get("/air");
    assert_eq!(status, 200);
    for expected in [
        "河安市 空气质量",
        "两降一增",
        "<rect",
        "PM2.5 目标",
        "HJ 633-2026",
    ] {
        assert!(page.contains(expected), "/air lacks {expected}");
    }
    let (status, _, water) = server.get("/water");
    assert_eq!(status, 200);
    for expected in [
        "断面水质（12 个）",
        "达到或优于Ⅲ类比例",
        "饮用水水源达标率",
        "断面比例法",
        "河安水系",
    ] {
        assert!(water.contains(expected), "/water lacks {expected}");
    }
    let (status, _, filtered) = server.get("/water?county=%E5%8C%97%E5%B2%AD%E5%8E%BF");
    assert_eq!(status, 200);
    assert!(filtered.contains("断面水质（2 个）"), "county filter");
    let (status, head, css) = server.get("/static/app.css");
    assert_eq!(status, 200);
    assert!(head.contains("text/css") && css.contains(".calendar"));
    assert_eq!(server.terminate(), Some(0));

    let users = stdout(&rectify(&db, &["user", "list"]));
    for role in [
        "admin",
        "office",
        "leader",
        "supervisor",
        "unit",
        "acceptance",
        "discipline",
        "viewer",
    ] {
        assert!(
            users
                .lines()
                .any(|l| l.ends_with(&format!("\t{role}\t正常"))),
            "no {role} account in:\n{users}"
        );
    }
}

#[test]
fn json_logs_carry_the_request_id_of_each_request() {
    let (dir, db) = temp_db();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_logging_to(&db, &["--log-format", "json", "demo", "--serve"], log);
    let (status, head, body) = server.get("/healthz");
    let id = head
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .unwrap_or_else(|| panic!("no request id in a {status} response:\n{head}\n{body}"))
        .to_string();
    assert_eq!(server.terminate(), Some(0));
    let log = std::fs::read_to_string(&log_path).unwrap();
    let request_line = log
        .lines()
        .find(|l| l.contains("finished processing request"))
        .unwrap_or_else(|| panic!("no request log in:\n{log}"));
    assert!(request_line.starts_with('{'), "{request_line}");
    assert!(
        request_line.contains(&format!(r#""id":"{id}""#)),
        "{request_line}"
    );
    assert!(!log.contains('\u{1b}'), "ANSI escapes in a log file");
}

#[test]
fn the_air_page_explains_itself_without_data() {
    let (_dir, db) = temp_db();
    assert!(rectify(&db, &["init"]).status.success());
    let server = Server::start(&db, &["serve"]);
    let (status, _, page) = server.get("/air");
    assert_eq!(status, 200);
    assert!(page.contains("还没有空气质量数据"), "{page}");
    let (_, _, page) = server.get("/water");
    assert!(page.contains("还没有水质监测数据"), "{page}");
    assert_eq!(server.terminate(), Some(0));
}

#[test]
fn demo_prints_passwords_once_and_a_second_run_keeps_the_data() {
    let (_dir, db) = temp_db();
    let first = rectify(&db, &["demo"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    assert_eq!(out.matches("密码 ").count(), 10, "{out}");
    assert!(out.contains("经办人账号"), "{out}");
    let second = rectify(&db, &["demo"]);
    assert!(second.status.success());
    assert!(stdout(&second).contains("演示数据已存在"));
    assert!(!stdout(&second).contains("密码 "));
    let verify = rectify(&db, &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(stdout(&verify).contains("审计日志完整"));
    // The demo's workflow history is in the journal: the reopened item went the whole way.
    let history = stdout(&rectify(&db, &["item", "history", "21"]));
    for action in [
        "claim",
        "submit",
        "start-acceptance",
        "accept",
        "notice",
        "close-notice",
        "signoff",
        "reopen",
    ] {
        assert!(
            history.contains(&format!("\t{action}\t")),
            "{action}: {history}"
        );
    }
    let status = stdout(&rectify(&db, &["item", "status", "5", "--format", "json"]));
    assert!(status.contains(r#""state":"SUSTAIN""#), "{status}");
}

#[test]
fn a_second_init_changes_nothing_and_says_so() {
    let (dir, db) = temp_db();
    let first = rectify(&db, &["init"]);
    assert!(
        stdout(&first).contains("已初始化数据库"),
        "{}",
        stderr(&first)
    );
    let before = std::fs::read(&db).unwrap();
    let files_before = files_in(dir.path());
    let second = rectify(&db, &["init"]);
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("未做任何更改"),
        "{}",
        stdout(&second)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(files_in(dir.path()), files_before);
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_command_quietly() {
    let (_dir, db) = temp_db();
    // The reading end is gone before the command prints, as when `| head` has had enough.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(BIN)
        .args(["--db", &db, "init"])
        .env_remove("RECTIFY_DB")
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(141), "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_missing_directory_is_reported_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("absent").join("rectify.db");
    let out = rectify(&db.to_string_lossy(), &["init"]);
    assert_one_error_line(&out, 2, "目录不存在");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_corrupt_file_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rectify.db");
    let garbage: Vec<u8> = (0..8192_u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&db, &garbage).unwrap();
    for args in [&["init"][..], &["demo"], &["audit", "verify"]] {
        let out = rectify(&db.to_string_lossy(), args);
        assert_one_error_line(&out, 2, "不是有效的 SQLite 数据库");
    }
    assert_eq!(std::fs::read(&db).unwrap(), garbage);
    assert_eq!(files_in(dir.path()), ["rectify.db"]);
}

#[test]
fn an_unreachable_postgres_is_reported_without_the_password() {
    let out = rectify("postgres://app:s3cret@127.0.0.1:1/rectify", &["init"]);
    assert_one_error_line(&out, 2, "无法连接数据库");
    assert!(!stderr(&out).contains("s3cret"));
}

#[test]
fn commands_other_than_init_do_not_create_a_database() {
    let (dir, db) = temp_db();
    let out = rectify(&db, &["user", "list"]);
    assert_one_error_line(&out, 2, "尚未初始化");
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn user_lifecycle_never_echoes_the_password() {
    let (_dir, db) = temp_db();
    assert!(rectify(&db, &["demo"]).status.success());
    let secret = "Zz9-never-shown";
    let add = rectify_with_stdin(
        &db,
        &[
            "user",
            "add",
            "qingshui",
            "--name",
            "清水县 经办人",
            "--unit",
            "清水县政府",
            "--role",
            "unit,viewer",
            "--password-stdin",
        ],
        &format!("{secret}\n"),
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let passwd = rectify_with_stdin(
        &db,
        &["user", "passwd", "qingshui", "--password-stdin"],
        "another-secret-1\n",
    );
    assert!(passwd.status.success(), "{}", stderr(&passwd));
    let disable = rectify(&db, &["user", "disable", "qingshui"]);
    assert!(disable.status.success());
    for o in [&add, &passwd, &disable] {
        assert!(!stdout(o).contains(secret) && !stderr(o).contains(secret));
    }
    let list = stdout(&rectify(&db, &["user", "list"]));
    assert!(
        list.contains("qingshui\t清水县 经办人\t清水县政府\tunit,viewer\t已停用"),
        "{list}"
    );

    let short = rectify_with_stdin(
        &db,
        &["user", "passwd", "qingshui", "--password-stdin"],
        "short\n",
    );
    assert_one_error_line(&short, 1, "密码太短");
    let bad_unit = rectify_with_stdin(
        &db,
        &[
            "user",
            "add",
            "x1",
            "--name",
            "x",
            "--unit",
            "火星局",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        "long-enough-1\n",
    );
    assert_one_error_line(&bad_unit, 1, "火星局");
    let bad_role = rectify(
        &db,
        &[
            "user", "add", "x2", "--name", "x", "--unit", "heanshi", "--role", "boss",
        ],
    );
    assert_eq!(bad_role.status.code(), Some(2));
}

#[test]
fn backup_writes_a_copy_that_verifies() {
    let (dir, db) = temp_db();
    assert!(rectify(&db, &["demo"]).status.success());
    let copy = dir.path().join("copy.db");
    let out = rectify(&db, &["backup", "--out", &copy.to_string_lossy()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let verify = rectify(&copy.to_string_lossy(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert_eq!(stdout(&verify), stdout(&rectify(&db, &["audit", "verify"])));
    let listed = std::fs::read_to_string(dir.path().join("copy.db.attachments.txt")).unwrap();
    assert!(
        listed.lines().count() > 0,
        "the demo's imported files are listed"
    );
    let restored = dir
        .path()
        .join("restored.db")
        .to_string_lossy()
        .into_owned();
    let data = dir
        .path()
        .join("rectify-data")
        .to_string_lossy()
        .into_owned();
    let said = rectify(
        &restored,
        &["--data-dir", &data, "restore", &copy.to_string_lossy()],
    );
    assert!(
        stdout(&said).contains("均在且完好"),
        "{}{}",
        stdout(&said),
        stderr(&said)
    );
    let again = rectify(&restored, &["restore", &copy.to_string_lossy()]);
    assert_one_error_line(&again, 1, "已存在");
}

/// Tampering through raw SQL, after dropping the guard trigger, must turn verify red.
fn tamper_and_verify(db: &str, raw_sql: impl Fn(&str)) {
    assert!(rectify(db, &["demo"]).status.success());
    let ok = rectify(db, &["audit", "verify"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    raw_sql("UPDATE journal SET after_json = '{\"name\":\"假单位\"}' WHERE seq = 7");
    let broken = rectify(db, &["audit", "verify"]);
    assert_one_error_line(&broken, 1, "第 7 条");
}

#[test]
fn postgres_demo_serve_and_tamper_detection() {
    let url = rectify_testkit::postgres_url();
    let server = Server::start(&url, &["demo", "--serve"]);
    let (status, _, body) = server.get("/api/v1/version");
    assert_eq!(status, 200);
    assert!(body.contains(r#""backend":"postgres""#), "{body}");
    assert_eq!(server.terminate(), Some(0));
    // The drill: pg_dump through `rectify backup`, `rectify restore` into an empty database,
    // the same ledger and the same journal head there.
    let dir = tempfile::tempdir().unwrap();
    let dump = dir
        .path()
        .join("rectify.dump")
        .to_string_lossy()
        .into_owned();
    let backup = rectify(&url, &["backup", "--out", &dump]);
    assert!(stdout(&backup).contains("已备份到"), "{}", stderr(&backup));
    assert!(
        std::fs::read(&dump).unwrap().starts_with(b"PGDMP"),
        "pg_dump's custom format"
    );
    let empty = rectify_testkit::postgres_url();
    let restored = rectify(&empty, &["restore", &dump]);
    let said = stdout(&restored);
    assert!(
        said.contains("已恢复到") && said.contains("审计日志完整") && said.contains("附件："),
        "{said}{}",
        stderr(&restored)
    );
    for args in [&["audit", "anchor"][..], &["ledger"], &["user", "list"]] {
        assert_eq!(
            stdout(&rectify(&empty, args)),
            stdout(&rectify(&url, args)),
            "{args:?}"
        );
    }
    let again = rectify(&empty, &["restore", &dump]);
    assert_one_error_line(&again, 1, "不是空库");
    tamper_and_verify(&url, |sql| {
        rectify_testkit::psql(
            &url,
            &format!("DROP TRIGGER journal_no_update_delete ON journal; {sql}"),
        )
        .unwrap();
    });
}

#[test]
fn sqlite_tamper_detection() {
    let (_dir, db) = temp_db();
    tamper_and_verify(&db, |sql| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let target = rectify_store::DbTarget::parse(&db);
            let store = rectify_store::Store::open(&target, None).await.unwrap();
            let script = format!("DROP TRIGGER journal_no_update; {sql}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(script))
                .execute(store.pool())
                .await
                .unwrap();
            store.close().await;
        });
    });
}

#[test]
fn a_fresh_database_gets_its_org_tree_and_first_admin_from_the_cli() {
    let (_dir, db) = temp_db();
    assert!(rectify(&db, &["init"]).status.success());
    let city = rectify(&db, &["org", "add", "heanshi", "河安市", "--kind", "city"]);
    assert!(city.status.success(), "{}", stderr(&city));
    let dept = rectify(
        &db,
        &[
            "org",
            "add",
            "sthjj",
            "市生态环境局",
            "--kind",
            "department",
            "--parent",
            "河安市",
        ],
    );
    assert!(
        stdout(&dept).contains("已添加单位 市生态环境局"),
        "{}",
        stderr(&dept)
    );
    let admin = rectify_with_stdin(
        &db,
        &[
            "user",
            "add",
            "admin",
            "--name",
            "管理员",
            "--unit",
            "sthjj",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "first-admin-pw\n",
    );
    assert!(admin.status.success(), "{}", stderr(&admin));
    let tree = stdout(&rectify(&db, &["org", "list"]));
    assert_eq!(tree, "河安市\theanshi\t市\n  市生态环境局\tsthjj\t部门\n");
    // #19: the tree as JSON, and mended by moving a unit and setting its kind.
    let nested = rectify(
        &db,
        &[
            "org",
            "add",
            "lx",
            "临溪市人民政府",
            "--kind",
            "department",
            "--parent",
            "sthjj",
        ],
    );
    assert!(nested.status.success(), "{}", stderr(&nested));
    assert!(
        rectify(&db, &["org", "move", "lx", "--parent", "河安市"])
            .status
            .success()
    );
    assert!(
        rectify(&db, &["org", "set-kind", "lx", "county"])
            .status
            .success()
    );
    let listed: serde_json::Value =
        serde_json::from_str(&stdout(&rectify(&db, &["org", "list", "--format", "json"]))).unwrap();
    assert_eq!(
        listed,
        serde_json::json!([
            {"code": "heanshi", "name": "河安市", "kind": "city", "parent": null},
            {"code": "sthjj", "name": "市生态环境局", "kind": "department", "parent": "heanshi"},
            {"code": "lx", "name": "临溪市人民政府", "kind": "county", "parent": "heanshi"},
        ])
    );
    let cycle = rectify(&db, &["org", "move", "sthjj", "--parent", "sthjj"]);
    assert_one_error_line(&cycle, 1, "不能移到自己");
    let twin = rectify(
        &db,
        &[
            "org",
            "add",
            "other",
            "市生态环境局",
            "--kind",
            "department",
            "--parent",
            "heanshi",
        ],
    );
    assert_one_error_line(&twin, 1, "已存在");
    let orphan = rectify(
        &db,
        &[
            "org",
            "add",
            "x",
            "某局",
            "--kind",
            "department",
            "--parent",
            "火星",
        ],
    );
    assert_one_error_line(&orphan, 1, "火星");
    assert_eq!(
        rectify(&db, &["org", "add", "y", "某区", "--kind", "planet"])
            .status
            .code(),
        Some(2)
    );
    // The two units and the administrator, then 临溪's creation, move and kind.
    let verified = stdout(&rectify(&db, &["audit", "verify"]));
    assert!(verified.contains("共 6 条"), "{verified}");
}

/// A route for a unit that does not exist (a misspelt name) would never receive a step, without
/// a word: it is refused, naming the unit, and nothing is stored. The catch-all and real units
/// go in.
#[test]
fn routes_to_a_unit_that_does_not_exist_are_refused() {
    let (_dir, db) = temp_db();
    common::demo_into(&db, Some("2026-12-01"));
    let misspelt = r#"{"北岭县正府": "http://127.0.0.1:9/robot"}"#;
    let refused = rectify(&db, &["setting", "set", "webhook.urls", misspelt]);
    assert_one_error_line(&refused, 1, "没有名为“北岭县正府”的单位");
    let shown = rectify(&db, &["setting", "get", "webhook.urls"]);
    assert!(!stdout(&shown).contains("北岭县正府"), "{}", stdout(&shown));
    let real = r#"{"北岭县政府": "http://127.0.0.1:9/bl", "*": "http://127.0.0.1:9/all"}"#;
    let stored = rectify(&db, &["setting", "set", "webhook.urls", real]);
    assert!(stored.status.success(), "{}", stderr(&stored));
    let mail = rectify(
        &db,
        &[
            "setting",
            "set",
            "mail.recipients",
            r#"{"市发改委": ["fgw@hean.gov.cn"]}"#,
        ],
    );
    assert!(mail.status.success(), "{}", stderr(&mail));
}

/// A file over its limit is refused by its size before a byte of it is read: an evidence file
/// over `evidence.max_bytes` (50 MB) and a plan over the spreadsheet limit (64 MB). Both files
/// are sparse 4 GiB files, which a command reading them whole would have spent 4 GiB on.
#[test]
fn files_over_their_limit_are_refused_by_size_before_they_are_read() {
    let (dir, db) = temp_db();
    common::demo_into(&db, Some("2026-12-01"));
    let sparse = |name: &str| {
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .set_len(4 << 30)
            .unwrap();
        path.to_string_lossy().into_owned()
    };
    let photo = sparse("验收意见.png");
    let evidence = rectify(
        &db,
        &[
            "evidence",
            "add",
            "16",
            "--as",
            "yanshou",
            "--kind",
            "acceptance_opinion",
            "--file",
            &photo,
        ],
    );
    assert!(!evidence.status.success());
    assert!(
        stderr(&evidence).contains("文件“验收意见.png”超过上限 52428800 字节"),
        "{}",
        stderr(&evidence)
    );
    let plan = sparse("整改方案.xlsx");
    let import = rectify(&db, &["plan", "import", &plan]);
    assert!(!import.status.success());
    assert!(
        stderr(&import).contains("文件有 4294967296 字节，超过上限 67108864 字节，未读取"),
        "{}",
        stderr(&import)
    );
}
