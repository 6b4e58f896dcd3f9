//! The air page in a real headless Chromium: it must render its charts and calendar, and a
//! screenshot must show more than an empty page. Needs the Debian package `chromium`
//! (and a CJK font for readable screenshots); without it this test fails and says so.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rectify");

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

fn demo_server(db: &Path) -> Server {
    let mut child = Command::new(BIN)
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
