//! #24.2: several stateless instances on one PostgreSQL database. Two schedulers ticking at once
//! do each thing once; two `rectify serve` behind a real nginx (Debian's package, started by the
//! test, round-robin) share sessions, CSRF tokens, the login and portal throttles and the
//! journal-head caches and one attachment bucket, and nginx keeps serving when one instance
//! dies.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

mod common;

use common::{BIN, PASSWORD, Server, form_body, form_token, set_cookie};
use rectify_store::bind::Bind;
use rectify_store::jobs::SCHEDULER_LEASE;
use rectify_store::{DbTarget, Store};
use std::collections::BTreeSet;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The demo on PostgreSQL, built once per test process (a build is several seconds), and its
/// attachment directory. Each test gets a copy of the database (`CREATE DATABASE … TEMPLATE`).
fn demo_database() -> (String, PathBuf) {
    static TEMPLATE: OnceLock<(String, tempfile::TempDir)> = OnceLock::new();
    let (template, dir) = TEMPLATE.get_or_init(|| {
        let url = rectify_testkit::postgres_url();
        let dir = tempfile::tempdir().unwrap();
        let mut demo = Command::new(BIN);
        common::at_test_clock(&mut demo)
            .args(["--db", &url, "--data-dir"])
            .arg(dir.path())
            .arg("demo");
        common::ok(&demo.output().unwrap());
        (url, dir)
    });
    // A fresh database of the test server serves as the connection the copy is made from: the
    // template itself must have no connection while it is copied.
    let admin = rectify_testkit::postgres_url();
    let copy = format!("{}_copy", database_name(&admin));
    rectify_testkit::psql(
        &admin,
        &format!(
            "CREATE DATABASE {copy} TEMPLATE {}",
            database_name(template)
        ),
    )
    .unwrap();
    (
        admin.replacen(&database_name(&admin), &copy, 1),
        dir.path().to_path_buf(),
    )
}

/// The database of a `postgres://…/NAME?…` URL.
fn database_name(url: &str) -> String {
    let path = url.split("://").nth(1).unwrap();
    let path = path.split('?').next().unwrap();
    path.rsplit('/').next().unwrap().to_string()
}

fn run(db: &str, data: &Path, args: &[&str]) -> String {
    let mut command = Command::new(BIN);
    common::at_test_clock(&mut command)
        .args(["--db", db, "--data-dir"])
        .arg(data)
        .args(args);
    common::ok(&command.output().unwrap())
}

fn set_password(db: &str, data: &Path, user: &str) {
    let data = data.to_string_lossy();
    common::with_password(&["--db", db, "--data-dir", &data, "user", "passwd", user]);
}

/// The journal's entries after `seq` of this entity: (entity id, after JSON).
async fn journaled(store: &Store, seq: i64, entity: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT entity_id, after_json FROM journal WHERE seq > $1 AND entity = $2 ORDER BY seq",
    )
    .arg(seq)
    .arg(entity)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// Two processes' schedulers on one database tick on the same days at the same moment: every
/// notice that ends is closed once and every dispatch step issued once, each journaled once,
/// whichever process did it; two senders claiming the outbox at once claim each message once;
/// and of two processes taking the scheduler's lease at once exactly one gets it, the other
/// only after it has run out.
#[test]
fn two_schedulers_on_one_database_do_each_thing_once() {
    let (db, _) = demo_database();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let target = DbTarget::parse(&db);
        let a = Store::open_initialised(&target, None).await.unwrap();
        let b = Store::open_initialised(&target, None).await.unwrap();
        let today = common::test_today();
        match a.open_round("zgb", &common::period_back(0), today).await {
            Ok(_) | Err(rectify_store::StoreError::Conflict { .. }) => {}
            Err(other) => panic!("{other}"),
        }
        // Every step goes to a group robot too, so the outbox has a delivery per step.
        let robot = serde_json::json!({ "*": "http://127.0.0.1:9/robot" });
        a.set_setting("zgb", "webhook.urls", &robot).await.unwrap();
        let head = a.journal_head().await.unwrap();
        let (mut closed, mut issued) = (Vec::new(), Vec::new());
        // Through the month: the notices running today end, and each step falls due.
        let last = today.add_months(1).add_days(-i32::from(today.day));
        let mut days = Vec::new();
        let mut day = today;
        while day < last {
            days.push(day);
            day = day.add_days(3);
        }
        days.push(last);
        for day in days {
            let (ta, tb) = tokio::join!(a.run_schedule(day), b.run_schedule(day));
            for tick in [ta.unwrap(), tb.unwrap()] {
                closed.extend(tick.closed);
                issued.extend(tick.issued.into_iter().map(|s| (s.unit, s.step.code())));
            }
        }
        let distinct_closed: BTreeSet<_> = closed.iter().collect();
        let distinct_issued: BTreeSet<_> = issued.iter().collect();
        assert!(
            !closed.is_empty() && !issued.is_empty(),
            "nothing was due: {closed:?} {issued:?}"
        );
        assert_eq!(
            distinct_closed.len(),
            closed.len(),
            "a notice closed twice: {closed:?}"
        );
        assert_eq!(
            distinct_issued.len(),
            issued.len(),
            "a step issued twice: {issued:?}"
        );
        let closes: Vec<_> = journaled(&a, head, "item")
            .await
            .into_iter()
            .filter(|(_, after)| after.contains(r#""action":"close-notice""#))
            .collect();
        assert_eq!(
            closes.len(),
            closed.len(),
            "one journal entry per closed notice"
        );
        let ids: BTreeSet<_> = closes.iter().map(|(id, _)| id).collect();
        assert_eq!(
            ids.len(),
            closes.len(),
            "an item's notice closed twice in the journal"
        );
        let steps = journaled(&a, head, "escalation").await;
        assert_eq!(
            steps.len(),
            issued.len(),
            "one journal entry per issued step"
        );
        eprintln!(
            "two schedulers through the month: {} notices closed, {} steps issued, each once",
            closed.len(),
            issued.len()
        );

        // The two senders claim the outbox at once: each delivery goes to one of them.
        let (da, db) = tokio::join!(a.claim_deliveries(1000), b.claim_deliveries(1000));
        let claimed: Vec<i64> = da
            .unwrap()
            .iter()
            .chain(&db.unwrap())
            .map(|d| d.id)
            .collect();
        let distinct: BTreeSet<_> = claimed.iter().collect();
        assert_eq!(distinct.len(), claimed.len(), "a delivery claimed twice");
        assert_eq!(
            claimed.len(),
            issued.len(),
            "one robot message per step, all claimed"
        );
        lease_is_exclusive(&a, &b).await;
        a.close().await;
        b.close().await;
    });
}

/// Of two processes taking the scheduler's lease at once exactly one gets it; the other gets it
/// once it has run out.
async fn lease_is_exclusive(a: &Store, b: &Store) {
    let length = chrono::Duration::seconds(1);
    let (la, lb) = tokio::join!(
        a.take_lease(SCHEDULER_LEASE, "a", length),
        b.take_lease(SCHEDULER_LEASE, "b", length)
    );
    assert!(
        la.unwrap() ^ lb.unwrap(),
        "exactly one process holds the lease"
    );
    assert!(!a.take_lease(SCHEDULER_LEASE, "a", length).await.unwrap());
    assert!(!b.take_lease(SCHEDULER_LEASE, "b", length).await.unwrap());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(b.take_lease(SCHEDULER_LEASE, "b", length).await.unwrap());
    assert!(!a.take_lease(SCHEDULER_LEASE, "a", length).await.unwrap());
}

/// The lease's one upsert behaves the same on SQLite (two handles on one file).
#[test]
fn the_scheduler_lease_is_exclusive_on_sqlite_too() {
    let dir = tempfile::tempdir().unwrap();
    let target = DbTarget::parse(&dir.path().join("lease.db").to_string_lossy());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let a = Store::open(&target, None).await.unwrap();
        a.migrate().await.unwrap();
        let b = Store::open_initialised(&target, None).await.unwrap();
        lease_is_exclusive(&a, &b).await;
        a.close().await;
        b.close().await;
    });
}

/// A throw-away nginx (Debian's package) in front of the instances, round-robin, its
/// configuration, logs and pid in a temporary directory.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
    addr: String,
}

impl Nginx {
    fn start(upstreams: &[&str]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        // nginx's workers run as another user when started as root: they must reach the temp
        // directories nginx creates in here.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let servers: String = upstreams
            .iter()
            .map(|u| format!("    server {u} max_fails=1 fail_timeout=30s;\n"))
            .collect();
        let d = dir.path().display();
        let config = format!(
            "worker_processes 1;
error_log {d}/error.log warn;
pid {d}/nginx.pid;
events {{ worker_connections 128; }}
http {{
  log_format upstream '$remote_addr \"$request\" $status $upstream_addr';
  access_log {d}/access.log upstream;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  upstream rectify {{
{servers}  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://rectify;
      proxy_set_header Host $host;
      # The test's client stands for the outer proxy: the address it forwards is kept, and
      # rectify believes it because this nginx (127.0.0.1) is in web.trusted_proxies.
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout;
    }}
  }}
}}
"
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start nginx ({e}): install the Debian package `nginx`")
            });
        let addr = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while TcpStream::connect(&addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { child, dir, addr }
    }

    /// The upstream each request went to, from the access log.
    fn upstreams(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("access.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.rsplit(' ').next().map(str::to_string))
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // A graceful stop: killing only the master would leave its worker listening.
        let _ = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// One request to `addr` (an instance or nginx, named as its own Host), the body as text.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, String) {
    text(common::request_to(addr, addr, method, path, headers, body))
}

fn text((status, head, body): common::Reply) -> (u16, String, String) {
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

/// Posts the login form at `addr` (its CSRF cookie and field fetched from there first).
fn log_in(addr: &str, user: &str, password: &str) -> (u16, String, String) {
    text(common::log_in_at(addr, addr, user, password))
}

/// A multipart form post, as the item page's action forms send it.
fn post_multipart(
    addr: &str,
    path: &str,
    session: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let boundary = "----rectifyinstances";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let headers = [("Cookie", session), ("Content-Type", content_type.as_str())];
    request(addr, "POST", path, &headers, body.as_bytes())
}

/// A portal objection with the honeypot filled: counted by the throttle, then dropped.
fn portal_post(addr: &str, forwarded_for: Option<&str>) -> u16 {
    let body = form_body(&[
        ("plan", "p"),
        ("number", "1"),
        ("content", "两个实例共用一个限流"),
        ("website", "http://spam.example"),
    ]);
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(address) = forwarded_for {
        headers.push(("X-Forwarded-For", address));
    }
    request(
        addr,
        "POST",
        "/public/objections",
        &headers,
        body.as_bytes(),
    )
    .0
}

#[test]
fn two_instances_behind_nginx_behave_as_one() {
    let (db, data) = demo_database();
    for user in ["zgb", "sthjj"] {
        set_password(&db, &data, user);
    }
    for (key, value) in [
        ("web.trusted_proxies", r#"["127.0.0.1"]"#),
        ("portal.objections_per_hour", "2"),
        ("login.account_failures", "2"),
    ] {
        run(&db, &data, &["setting", "set", key, value]);
    }
    let data_arg = data.to_string_lossy().into_owned();
    // Both instances keep attachments in one bucket (a real SeaweedFS).
    let bucket = rectify_testkit::s3::bucket();
    let mut env = bucket.vars();
    env.push(("RECTIFY_STORAGE", &bucket.url));
    let a = Server::start_with_env(&db, &["--data-dir", &data_arg, "serve"], &env);
    let b = Server::start_with_env(&db, &["--data-dir", &data_arg, "serve"], &env);
    let nginx = Nginx::start(&[&a.addr, &b.addr]);

    // Logged in through A; B knows the session, and its CSRF token, from the database.
    let (status, head, _) = log_in(&a.addr, "zgb", PASSWORD);
    assert_eq!(status, 303, "{head}");
    let session = set_cookie(&head, "rectify_session").unwrap();
    let headers = [("Cookie", session.as_str())];
    // A reads item 17 (申请验收) before the change, so its caches hold the old state.
    let (status, _, before) = request(&a.addr, "GET", "/items/17", &headers, b"");
    assert_eq!(status, 200);
    assert!(
        before.contains("申请验收"),
        "item 17 awaits acceptance in the demo"
    );
    let (_, _, submitted) = request(&a.addr, "GET", "/ledger?state=SUBMITTED", &headers, b"");
    assert!(
        lists_item_17(&submitted),
        "A's ledger lists item 17 as awaiting acceptance"
    );
    let (status, _, page) = request(&b.addr, "GET", "/items/17", &headers, b"");
    assert_eq!(status, 200, "B signs in A's session");
    let reason = "两实例测试：请补充整改前后对比照片";
    let (status, head, _) = post_multipart(
        &b.addr,
        "/items/17/actions/return",
        &session,
        &[("csrf", &form_token(&page)), ("reason", reason)],
    );
    assert_eq!(status, 303, "{head}");
    assert!(head.contains("location: /items/17?done="), "{head}");
    let (status, _, _) = post_multipart(
        &b.addr,
        "/items/17/actions/return",
        &session,
        &[("reason", reason)],
    );
    assert_eq!(
        status, 403,
        "a post without the CSRF token is refused on B too"
    );
    // A's page shows the change at once: its caches follow the journal's head.
    let (_, _, after) = request(&a.addr, "GET", "/items/17", &headers, b"");
    assert!(after.contains(reason), "A shows B's write at once");
    for (addr, state, listed) in [
        (&a.addr, "SUBMITTED", false),
        (&a.addr, "IN_PROGRESS", true),
        (&b.addr, "IN_PROGRESS", true),
    ] {
        let path = format!("/ledger?state={state}");
        let (_, _, ledger) = request(addr, "GET", &path, &headers, b"");
        assert_eq!(lists_item_17(&ledger), listed, "{addr}{path}");
    }
    for _ in 0..4 {
        let (status, _, page) = request(&nginx.addr, "GET", "/items/17", &headers, b"");
        assert_eq!(status, 200);
        assert!(page.contains(reason));
    }

    // A file uploaded through A lands in the bucket and downloads through B.
    let pdf = "%PDF-1.4\n% uploaded through A, read through B\n%%EOF\n";
    let csrf = form_token(&page);
    let (status, _, reply) = request(
        &a.addr,
        "POST",
        "/api/v1/items/17/evidence?kind=document&file_name=two-instances.pdf",
        &[
            ("Cookie", session.as_str()),
            ("X-CSRF-Token", csrf.as_str()),
            ("Content-Type", "application/pdf"),
        ],
        pdf.as_bytes(),
    );
    assert_eq!(status, 201, "{reply}");
    let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
    let sha = reply["sha256"].as_str().unwrap();
    assert!(
        bucket.keys().iter().any(|key| key.contains(sha)),
        "the upload is in the bucket: {:?}",
        bucket.keys()
    );
    let (status, _, file) = request(
        &b.addr,
        "GET",
        &format!("/evidence/{}", reply["id"]),
        &headers,
        b"",
    );
    assert_eq!((status, file.as_str()), (200, pdf), "B serves A's upload");

    // The login throttle counts across the instances: two failures (one on each) and even the
    // right password waits, on either.
    for addr in [&a.addr, &b.addr] {
        let (status, _, page) = log_in(addr, "sthjj", "wrong password");
        assert_eq!(status, 401);
        assert!(page.contains("用户名或密码错误"), "{page}");
    }
    let (status, head, page) = log_in(&a.addr, "sthjj", PASSWORD);
    assert_eq!(status, 401);
    assert_eq!(
        set_cookie(&head, "rectify_session"),
        None,
        "no session while throttled"
    );
    assert!(page.contains("登录失败次数过多"), "{page}");

    // The portal's throttle too (2 posts an hour per address): directly from 127.0.0.1 …
    assert_eq!(portal_post(&a.addr, None), 303);
    assert_eq!(portal_post(&b.addr, None), 303);
    assert_eq!(portal_post(&a.addr, None), 429);
    // … and through nginx, per client address it forwards, whichever instance answers.
    let client = Some("198.51.100.7");
    assert_eq!(portal_post(&nginx.addr, client), 303);
    assert_eq!(portal_post(&nginx.addr, client), 303);
    assert_eq!(portal_post(&nginx.addr, client), 429);
    assert_eq!(
        portal_post(&nginx.addr, Some("198.51.100.8")),
        303,
        "another client"
    );

    let served: BTreeSet<String> = nginx.upstreams().into_iter().collect();
    assert!(
        served.contains(&a.addr) && served.contains(&b.addr),
        "round-robin reached both: {served:?}"
    );

    // One instance dies: nginx serves every request through the other.
    drop(a);
    for _ in 0..6 {
        let (status, _, _) = request(&nginx.addr, "GET", "/ledger", &headers, b"");
        assert_eq!(status, 200, "served through B alone");
    }
    assert_eq!(request(&nginx.addr, "GET", "/public", &[], b"").0, 200);
}

/// Whether a ledger page lists item 17.
fn lists_item_17(page: &str) -> bool {
    page.contains("href=\"/items/17\"") || page.contains("href=\"/items/17?")
}

/// deploy/nginx/ as an office installs it passes `nginx -t`, with a throw-away certificate in
/// place of the office's and the paths moved into a temporary prefix.
#[test]
fn the_deploy_nginx_site_passes_nginx_t() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nginx");
    let openssl = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t",
        ])
        .arg("-keyout")
        .arg(d.join("key.pem"))
        .arg("-out")
        .arg(d.join("cert.pem"))
        .output()
        .expect("openssl (Debian package `openssl`)");
    assert!(openssl.status.success());
    std::fs::create_dir(d.join("conf.d")).unwrap();
    for file in ["00-rectify-upstream.conf", "rectify.conf"] {
        let text = std::fs::read_to_string(deploy.join(file))
            .unwrap()
            .replace(
                "/etc/ssl/rectify/fullchain.pem",
                &d.join("cert.pem").to_string_lossy(),
            )
            .replace(
                "/etc/ssl/rectify/privkey.pem",
                &d.join("key.pem").to_string_lossy(),
            );
        assert!(
            !text.contains("/etc/ssl/"),
            "{file}: a certificate path left unreplaced"
        );
        std::fs::write(d.join("conf.d").join(file), text).unwrap();
    }
    let main = format!(
        "pid {0}/nginx.pid;\nerror_log {0}/error.log;\nevents {{}}\nhttp {{ access_log off; include conf.d/*.conf; }}\n",
        d.display()
    );
    std::fs::write(d.join("nginx.conf"), main).unwrap();
    let check = Command::new("nginx")
        .arg("-t")
        .arg("-p")
        .arg(d)
        .arg("-c")
        .arg(d.join("nginx.conf"))
        .output()
        .expect("nginx (Debian package `nginx`)");
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "{said}");
    assert!(said.contains("test is successful"), "{said}");
}
