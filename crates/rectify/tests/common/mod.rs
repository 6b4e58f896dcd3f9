//! Helpers shared by the binary's test suites. Each suite uses a different subset, hence the
//! `dead_code` allowances.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_rectify");

/// The tests' fixed clock, a Monday in December: the demo and the servers the tests start run
/// at it (`RECTIFY_NOW`), so no test depends on the day it runs.
pub const TEST_NOW: &str = "2026-12-07T10:00:00+08:00";

/// scripts/year-ahead sets `RECTIFY_TEST_FAKETIME` to libfaketime's library and `FAKETIME` to
/// an offset such as `+365d`: the binary then runs on its own system clock moved by libfaketime
/// (and without the fixed test clock), while the harness, Chromium and Node keep the real one.
const FAKETIME_LIB: &str = "RECTIFY_TEST_FAKETIME";

/// Whether the demo and the servers run on the (faked) system clock of the year-ahead run.
pub fn system_clock() -> bool {
    std::env::var_os(FAKETIME_LIB).is_some()
}

/// How many days libfaketime moves the binary's clock in the year-ahead run (`FAKETIME=+365d`).
pub fn days_ahead() -> i64 {
    std::env::var("FAKETIME")
        .ok()
        .and_then(|v| v.strip_prefix('+')?.strip_suffix('d')?.parse().ok())
        .unwrap_or(0)
}

/// The Beijing date the binary takes as today under the tests' clock.
pub fn test_today() -> rectify_exact::date::Date {
    let text = if system_clock() {
        let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        (chrono::Utc::now() + chrono::Duration::days(days_ahead()))
            .with_timezone(&beijing)
            .format("%Y-%m-%d")
            .to_string()
    } else {
        TEST_NOW[..10].to_string()
    };
    rectify_exact::date::Date::parse(&text).unwrap()
}

/// The month `back` months before the tests' today, as a report period "YYYY-MM".
pub fn period_back(back: i32) -> String {
    let month = test_today().add_months(-back);
    format!("{:04}-{:02}", month.year, month.month)
}

/// Sets the tests' clock on a command that creates or serves the demo.
pub fn at_test_clock(command: &mut Command) -> &mut Command {
    match std::env::var_os(FAKETIME_LIB) {
        Some(lib) => command.env_remove("RECTIFY_NOW").env("LD_PRELOAD", lib),
        None => command.env("RECTIFY_NOW", TEST_NOW),
    }
}

/// The demo database as `rectify demo` makes it, copied to `db` with its attachment store
/// (`rectify-data` beside it, the default data directory). `now` is the clock's start as in
/// `rectify_at` ("2026-11-29"), or `None` for the tests' clock (`at_test_clock`, so also the
/// year-ahead run's). The demo is built once per test process and clock and copied for each
/// caller: a build costs several seconds of CPU, and the suites used to build it some sixty
/// times, which was most of what made CI slow. A copy is a database of its own; the template
/// is never served or changed.
pub fn demo_into(db: &str, now: Option<&str>) {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;
    /// Each clock's template: its directory (kept for the process) and database file.
    type Templates = HashMap<Option<String>, (tempfile::TempDir, PathBuf)>;
    static TEMPLATES: Mutex<Option<Templates>> = Mutex::new(None);
    let mut templates = TEMPLATES.lock().unwrap_or_else(|e| e.into_inner());
    let (_, template) = templates
        .get_or_insert_with(HashMap::new)
        .entry(now.map(str::to_string))
        .or_insert_with(|| {
            let dir = tempfile::tempdir().unwrap();
            let template = dir.path().join("demo.db");
            let template_arg = template.to_string_lossy().into_owned();
            match now {
                Some(now) => {
                    rectify_at(&template_arg, now, &["demo"]);
                }
                None => {
                    ok(&rectify(&["--db", &template_arg, "demo"]));
                }
            }
            (dir, template)
        });
    let db = Path::new(db);
    std::fs::copy(&*template, db).unwrap();
    let from = template.with_file_name("rectify-data");
    let to = db.parent().unwrap().join("rectify-data");
    copy_tree(&from, &to);
}

/// Copies a directory tree (the attachment store: directories and plain files).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs the binary at the tests' clock.
pub fn rectify(args: &[&str]) -> Output {
    at_test_clock(&mut Command::new(BIN))
        .args(args)
        .output()
        .unwrap()
}

/// Runs the binary on a database at a fixed date (`RECTIFY_NOW`) and returns its stdout, after
/// asserting it succeeded.
pub fn rectify_at(db: &str, now: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RECTIFY_NOW", format!("{now}T10:00:00+08:00"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a prepared command with `stdin` written to its standard input; stdout and stderr are
/// captured.
pub fn with_stdin(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The command's stdout, after asserting it succeeded.
pub fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The real binary serving on a free port, stopped when dropped (zero2prod style).
pub struct Server {
    child: Child,
    pub addr: String,
}

/// A response: status, lower-cased head, body.
pub type Reply = (u16, String, Vec<u8>);

impl Server {
    pub fn start(db: &str, args: &[&str]) -> Server {
        Server::start_logging_to(db, args, Stdio::null())
    }

    pub fn start_logging_to(db: &str, args: &[&str], log: impl Into<Stdio>) -> Server {
        Server::spawn(db, args, &[], log)
    }

    /// The server with its clock started at `now` (RFC 3339, `RECTIFY_NOW`).
    pub fn start_at(db: &str, args: &[&str], now: &str) -> Server {
        Server::spawn(db, args, &[("RECTIFY_NOW", now)], Stdio::null())
    }

    /// The server at the tests' clock with extra environment variables.
    pub fn start_with_env(db: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::spawn(db, args, env, Stdio::null())
    }

    /// The server at the tests' clock with extra environment variables, its log to `log`.
    pub fn spawn(db: &str, args: &[&str], env: &[(&str, &str)], log: impl Into<Stdio>) -> Server {
        let mut command = Command::new(BIN);
        at_test_clock(&mut command);
        command.envs(env.iter().copied());
        let mut child = command
            .arg("--db")
            .arg(db)
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.split("http://").nth(1).map(str::to_string))
            .expect("server never announced its address");
        Server { child, addr }
    }

    /// The server's process id, to read its memory from `/proc/<pid>/status`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Logs in through the API and returns the session cookie (good for pages too) and the
    /// CSRF token, after asserting the login succeeded.
    pub fn api_login(&self, user: &str, password: &str) -> (String, String) {
        let body = serde_json::json!({ "username": user, "password": password }).to_string();
        let headers = [("Content-Type", "application/json")];
        let (status, head, reply) =
            self.request("POST", "/api/v1/session", &headers, body.as_bytes());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
        let cookie = head
            .lines()
            .filter_map(|l| l.strip_prefix("set-cookie: "))
            .find(|c| c.starts_with("rectify_session="))
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_string();
        let reply: serde_json::Value = serde_json::from_slice(&reply).unwrap();
        (cookie, reply["csrf_token"].as_str().unwrap().to_string())
    }

    pub fn get(&self, path: &str) -> (u16, String, String) {
        let (status, head, body) = self.request("GET", path, &[], b"");
        (status, head, String::from_utf8_lossy(&body).into_owned())
    }

    /// One HTTP/1.1 request on a fresh connection, its Host the server's address.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        request_to(&self.addr, &self.addr, method, path, headers, body)
    }

    /// As [`Server::request`] with the Host `name` at the server's port (a province's site).
    pub fn request_as(
        &self,
        name: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        request_to(&self.addr, &self.site(name), method, path, headers, body)
    }

    /// The Host header naming the site `name` at the server's port.
    pub fn site(&self, name: &str) -> String {
        let port = self.addr.rsplit(':').next().unwrap();
        format!("{name}:{port}")
    }

    /// SIGTERM, then the exit status: graceful shutdown must exit 0.
    pub fn terminate(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap().code()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// One HTTP/1.1 request on a fresh connection to `addr` with the Host header `host`.
pub fn request_to(
    addr: &str,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let request = Request {
        method,
        path,
        headers,
        body,
    };
    try_request_to(addr, host, &request, None).unwrap()
}

/// What [`try_request_to`] sends.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// As [`request_to`], with an error instead of a panic when the server cannot be reached or
/// hangs up before answering (a server being killed), and at most `timeout` of waiting for
/// each read.
pub fn try_request_to(
    addr: &str,
    host: &str,
    request: &Request<'_>,
    timeout: Option<std::time::Duration>,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(timeout)?;
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        request.method,
        request.path,
        request.body.len()
    );
    for (name, value) in request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let no_answer = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no HTTP answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(no_answer)?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(no_answer)?;
    Ok((status, head, raw[split + 4..].to_vec()))
}

/// The message a form's redirect carries back (`done=TAG.message`), decoded, without the
/// session's tag (which it must have); empty when the redirect carries none.
pub fn flash(head: &str) -> String {
    let Some(location) = head.lines().find_map(|l| l.strip_prefix("location: ")) else {
        return String::new();
    };
    let Some(done) = location.split("done=").nth(1) else {
        return String::new();
    };
    let done = done.split(['&', '#']).next().unwrap_or_default().trim();
    let bytes = done.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&done[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).unwrap();
    let (tag, message) = decoded.split_once('.').expect("a flash carries its tag");
    assert!(
        tag.len() == 16 && tag.bytes().all(|b| b.is_ascii_hexdigit()),
        "not a flash tag: {decoded}"
    );
    message.to_string()
}

/// The value (`name=…`) of the cookie `name` a lower-cased response head sets.
pub fn set_cookie(head: &str, name: &str) -> Option<String> {
    set_cookie_line(head, name).and_then(|c| c.split(';').next().map(str::to_string))
}

/// The whole `Set-Cookie` value for the cookie `name`, its attributes too.
pub fn set_cookie_line(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .find(|c| c.starts_with(name))
        .map(str::to_string)
}

/// The hidden CSRF field of a page's form.
pub fn form_token(page: &str) -> String {
    let rest = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .expect("a CSRF field");
    rest[..rest.find('"').unwrap()].to_string()
}

/// The tests' password for the accounts they sign in with.
pub const PASSWORD: &str = "correct horse battery";

/// Runs the binary at the tests' clock with `args` and `--password-stdin`, giving it
/// [`PASSWORD`] (`user passwd …`, `user add …`), after asserting it succeeded.
pub fn with_password(args: &[&str]) {
    let mut command = Command::new(BIN);
    at_test_clock(&mut command)
        .args(args)
        .arg("--password-stdin");
    ok(&with_stdin(command, &format!("{PASSWORD}\n")));
}

/// Posts the login form to `addr` as the site `host` (its CSRF cookie and field fetched from
/// there first) and returns the reply.
pub fn log_in_at(addr: &str, host: &str, user: &str, password: &str) -> Reply {
    let (_, head, page) = request_to(addr, host, "GET", "/login", &[], b"");
    let login = set_cookie(&head, "rectify_login_csrf").unwrap();
    let body = form_body(&[
        ("username", user),
        ("password", password),
        ("csrf", &form_token(&String::from_utf8_lossy(&page))),
    ]);
    let headers = [
        ("Cookie", login.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    request_to(addr, host, "POST", "/login", &headers, body.as_bytes())
}

/// An `application/x-www-form-urlencoded` body.
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs in on the web as `user` (after giving it a password) and returns the session cookie.
pub fn web_session(db: &str, server: &Server, user: &str) -> String {
    with_password(&["--db", db, "user", "passwd", user]);
    let (_, head, _) = log_in_at(&server.addr, &server.addr, user, PASSWORD);
    set_cookie(&head, "rectify_session").unwrap()
}

/// Runs SQL against the database and returns the rows as strings.
pub fn query(db: &str, sql: &str) -> Vec<Vec<String>> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store =
            rectify_store::Store::open_initialised(&rectify_store::DbTarget::parse(db), None)
                .await
                .unwrap();
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_all(store.pool())
            .await
            .unwrap();
        let table = rows
            .iter()
            .map(|row| {
                (0..sqlx::Row::len(row))
                    .map(|i| {
                        sqlx::Row::try_get::<String, _>(row, i)
                            .or_else(|_| {
                                sqlx::Row::try_get::<i64, _>(row, i).map(|n| n.to_string())
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        store.close().await;
        table
    })
}

/// A frozen bulletin's facts, as stored.
pub fn facts_of(db: &str, period: &str, version: u32) -> serde_json::Value {
    let sql = format!(
        "SELECT facts_json FROM bulletins WHERE period = '{period}' AND version = {version}"
    );
    serde_json::from_str(&query(db, &sql)[0][0]).unwrap()
}

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
pub fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}
