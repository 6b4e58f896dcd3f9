//! Real headless Chromium. The public air and water pages must render their charts, and the
//! people who use the ledger must get through their work in the browser (login, filtering,
//! a report with a photo, its confirmation, a public notice, the timeline, and a clerk kept out
//! of another county's item). Needs the Debian package `chromium` (and a CJK font for readable
//! screenshots) and Node.js for `tests/browser/flows.mjs`; without them this test fails and says
//! so. Screenshots go to `target/screenshots/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

mod common;

use common::BIN;

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

fn demo_server(db: &Path) -> Server {
    let mut child = common::at_test_clock(&mut Command::new(BIN))
        .arg("--db")
        .arg(db)
        .args(["demo", "--serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = lines
        .map_while(Result::ok)
        .find_map(|l| l.split("http://").nth(1).map(str::to_string))
        .expect("server never announced its address");
    Server(child, addr)
}

fn chromium() -> &'static str {
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(candidate)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return candidate;
        }
    }
    panic!("no headless browser: install the Debian packages `chromium` and `fonts-noto-cjk`");
}

fn headless(browser: &str, profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,1500",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_air_page_renders_in_chromium() {
    let browser = chromium();
    let dir = tempfile::tempdir().unwrap();
    let server = demo_server(&dir.path().join("demo.db"));
    let url = format!("http://{}/air", server.1);

    let dom = headless(browser, &dir.path().join("p1"), &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let bars = dom.matches("<rect").count();
    let days = dom.matches("class=\"d\"").count();
    assert!(
        bars >= 20,
        "expected monthly bars in the rendered page, found {bars}"
    );
    assert_eq!(days, 12 * 31, "calendar cells");
    assert!(
        dom.contains("两降一增") && dom.contains("达标"),
        "verdict and target badges"
    );

    let water = format!("http://{}/water", server.1);
    let dom = headless(browser, &dir.path().join("p3"), &["--dump-dom", &water]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom.matches("class=\"class-badge\"").count(),
        12,
        "one class badge per section"
    );
    assert!(
        dom.matches("class=\"dot\"").count() >= 12 * 10,
        "monthly history cells"
    );

    let shot = dir.path().join("air.png");
    let arg = format!("--screenshot={}", shot.display());
    headless(browser, &dir.path().join("p2"), &[&arg, &url]);
    let png = std::fs::read(&shot).expect("no screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        png.len() > 30_000,
        "screenshot of {} bytes looks empty",
        png.len()
    );
}

fn workspace_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `playwright-core` (a driver only: it uses Debian's Chromium, downloads no browser).
fn browser_driver(root: &Path) -> std::path::PathBuf {
    let dir = root.join("tests/browser");
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "Node.js is needed for the browser flows: install the Debian package `nodejs` (and `npm`)"
    );
    if !dir.join("node_modules/playwright-core").exists() {
        let install = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm is needed to install playwright-core: install the Debian package `npm`");
        assert!(install.success(), "npm ci in tests/browser failed");
    }
    dir.join("flows.mjs")
}

fn set_passwords(db: &Path, password: &str) {
    for user in [
        "zgb",
        "sthjj",
        "liming",
        "beiling",
        "yanshou",
        "wangjianguo",
    ] {
        let mut command = Command::new(BIN);
        command
            .arg("--db")
            .arg(db)
            .args(["user", "passwd", user, "--password-stdin"]);
        let out = common::with_stdin(command, &format!("{password}\n"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs `tests/browser/<script>` against a fresh demo server with every account's password set,
/// a photo to upload and the transfer list with defects; asserts it succeeded and returns its
/// output and the screenshots' directory.
fn run_flow(script: &str) -> (String, std::path::PathBuf) {
    let browser = chromium();
    let root = workspace_root();
    let script = browser_driver(&root).with_file_name(script);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let password = "correct horse battery";
    let server = demo_server(&db);
    set_passwords(&db, password);
    let photo = dir.path().join("photo.png");
    std::fs::write(&photo, PHOTO).unwrap();
    let shots = root.join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let executable = Command::new("which").arg(browser).output().unwrap();
    let run = Command::new("node")
        .arg(&script)
        .env("BASE_URL", format!("http://{}", server.1))
        .env("PASSWORD", password)
        .env("SCREENSHOTS", &shots)
        .env("PHOTO", &photo)
        .env(
            "TRANSFER_LIST",
            root.join("crates/rectify-io/tests/data/transfer/combined-batches-defects.xlsx"),
        )
        .env(
            "CHROMIUM",
            String::from_utf8_lossy(&executable.stdout).trim(),
        )
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    (out, shots)
}

/// Each named screenshot exists, is a PNG and is larger than `min_bytes` (not an empty page).
fn assert_screenshots(shots: &std::path::Path, names: &[String], min_bytes: usize) {
    for name in names {
        let png = std::fs::read(shots.join(name)).expect("screenshot missing");
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > min_bytes,
            "{name} looks empty"
        );
    }
}

/// The screenshots `pages` at both widths, named `<page>-<width>.png`.
fn at_both_widths(pages: &[&str]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|page| ["1440", "390"].map(|width| format!("{page}-{width}.png")))
        .collect()
}

#[test]
fn the_ledger_workflow_in_a_real_browser() {
    let (out, shots) = run_flow("flows.mjs");
    assert!(out.contains("17 browser steps passed"), "{out}");
    let names = [
        "dashboard.png",
        "ledger.png",
        "item.png",
        "acceptance.png",
        "notices.png",
        "import.png",
        "complaint-import-1440.png",
        "complaint-import-390.png",
        "portal.png",
        "complaints.png",
        "register.png",
        "tasks.png",
        "tasks-phone.png",
        "bulletin.png",
        "cockpit.png",
    ]
    .map(String::from);
    assert_screenshots(&shots, &names, 30_000);
}

/// #21: the month's dispatch and the cockpit at 1440 px and on a 390 px phone
/// (`tests/browser/month.mjs`).
#[test]
fn the_months_dispatch_and_the_cockpit_in_a_real_browser() {
    let (out, shots) = run_flow("month.mjs");
    assert!(out.contains("4 month steps passed"), "{out}");
    let pages = ["dispatch", "inbox", "cockpit", "search", "ledger-columns"];
    assert_screenshots(&shots, &at_both_widths(&pages), 20_000);
}

/// A 1×1 PNG to upload as a site photo.
const PHOTO: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF0, 0x59, 0x1F, 0x00,
    0x00, 0x02, 0x96, 0x01, 0x4C, 0xF9, 0xC8, 0x3A, 0x86, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Special inspections and coal in Chromium at 1440 px and at a 390 px phone
/// (`tests/browser/inspections.mjs`): the office records a finding that reopens an item and the
/// item's page shows it; a county reads its coal chart on a phone; the office exports and
/// imports the coal workbook. Every page fits the phone's width.
#[test]
fn inspections_and_coal_in_a_real_browser() {
    let (out, shots) = run_flow("inspections.mjs");
    assert!(out.contains("9 browser steps passed"), "{out}");
    let pages = [
        "inspections",
        "inspection",
        "inspection-item",
        "coal-office",
        "coal-import",
    ];
    let mut names = at_both_widths(&pages);
    names.push("coal-county-390.png".into());
    assert_screenshots(&shots, &names, 30_000);
}

/// Complaints in the browser (#21) at 1440 px and 390 px: the office's filtered list and export,
/// a seeded spot-check that returns one complaint, a county's feedback with the 一览表's figures,
/// and the portal's totals after the office publishes.
#[test]
fn complaints_in_a_real_browser() {
    let (out, shots) = run_flow("complaints.mjs");
    assert!(out.contains("8 complaint browser steps passed"), "{out}");
    let pages = [
        "complaints-list",
        "spotchecks",
        "complaint-feedback",
        "accountability",
    ];
    assert_screenshots(&shots, &at_both_widths(&pages), 30_000);
}

#[path = "common/province_fixture.rs"]
mod province_fixture;

/// The province over two cities in Chromium at 1440 px and 390 px (`tests/browser/province.mjs`):
/// the province's office signs in on its own host, reads the cities side by side, issues last
/// month's province bulletin (one city 未报) and downloads it. Every page fits the phone.
#[test]
fn the_province_in_a_real_browser() {
    let browser = chromium();
    let root = workspace_root();
    let script = browser_driver(&root).with_file_name("province.mjs");
    let fixture = province_fixture::province();
    let server = common::Server::start(&fixture.a, &["serve", "--cities", &fixture.config]);
    let port = server.addr.rsplit(':').next().unwrap();
    let shots = root.join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let executable = Command::new("which").arg(browser).output().unwrap();
    let run = Command::new("node")
        .arg(&script)
        .env(
            "PROVINCE_URL",
            format!("http://{}:{port}", province_fixture::P),
        )
        .env("PERIOD", common::period_back(1))
        .env("PASSWORD", province_fixture::PASSWORD)
        .env("SCREENSHOTS", &shots)
        .env(
            "CHROMIUM",
            String::from_utf8_lossy(&executable.stdout).trim(),
        )
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.contains("6 province browser steps passed"), "{out}");
    assert_screenshots(
        &shots,
        &at_both_widths(&["province", "province-bulletins"]),
        30_000,
    );
}
