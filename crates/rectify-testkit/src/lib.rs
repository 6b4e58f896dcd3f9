//! Test support shared by the suites of several crates.
//!
//! [`postgres_url`] hands each caller a fresh, empty PostgreSQL database. The server is either
//! the one named by `RECTIFY_TEST_PG`, or a throw-away cluster started once per test process
//! from the Debian `postgresql` package: `initdb` into a temporary directory, listening only on
//! a Unix socket inside it. A watchdog stops the cluster and deletes the directory when the test
//! process ends, however it ends. When neither is possible the caller panics with a message that
//! names the package to install: a silent skip would hide a whole backend.

pub mod s3;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The environment variable that points the tests at an existing server instead.
pub const OVERRIDE_VAR: &str = "RECTIFY_TEST_PG";

struct Server {
    /// URL of the maintenance database, used to create the per-test databases.
    admin_url: String,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// A URL for a new, empty database on the test server.
///
/// # Panics
/// When no PostgreSQL server can be had, with instructions.
pub fn postgres_url() -> String {
    let server = SERVER
        .get_or_init(start_server)
        .as_ref()
        .unwrap_or_else(|why| panic!("PostgreSQL tests cannot run: {why}"));
    let name = format!(
        "rectify_test_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    psql(&server.admin_url, &format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|why| panic!("cannot create test database {name}: {why}"));
    with_database(&server.admin_url, &name)
}

/// Runs one SQL command through `psql`, for tests that must go around the application (for
/// instance to tamper with a row).
pub fn psql(url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!("cannot run psql ({e}); install the Debian package `postgresql-client`")
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Replaces the database name in a `postgres://` URL.
fn with_database(url: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let authority = before_query.split('/').next().unwrap_or(before_query);
    match query {
        Some(q) => format!("{scheme}://{authority}/{db}?{q}"),
        None => format!("{scheme}://{authority}/{db}"),
    }
}

fn start_server() -> Result<Server, String> {
    if let Ok(url) = std::env::var(OVERRIDE_VAR) {
        psql(&url, "SELECT 1")
            .map_err(|e| format!("{OVERRIDE_VAR}={url} is not reachable: {e}"))?;
        return Ok(Server { admin_url: url });
    }
    let bin = find_postgres_bin().ok_or_else(|| {
        format!(
            "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin. Install the Debian \
             package `postgresql` (apt-get install -y postgresql), or set {OVERRIDE_VAR} to a \
             server URL"
        )
    })?;
    let dir = tempfile::Builder::new()
        .prefix("rectify-pg-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?
        .keep();
    let as_root = is_root();
    if as_root {
        run(
            Command::new("chown").arg("postgres:").arg(&dir),
            "chown postgres",
        )?;
    }
    let port = 54329;
    let data = dir.join("data");
    let log = dir.join("server.log");
    run(
        as_postgres(as_root, &bin.join("initdb"))
            .args([
                "--auth=trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
                "-D",
            ])
            .arg(&data),
        "initdb",
    )?;
    let options = format!(
        "-k {} -p {port} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        dir.display()
    );
    run(
        as_postgres(as_root, &bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-o", &options, "-w", "start"]),
        "pg_ctl start",
    )?;
    spawn_watchdog(as_root, &bin, &dir, &data)?;
    Ok(Server {
        admin_url: format!(
            "postgres://postgres@localhost/postgres?host={}&port={port}",
            dir.display()
        ),
    })
}

/// A throw-away PostgreSQL cluster of the caller's own, which it may stop and start again: for
/// tests of what the application does while its database is away. Listens on a Unix socket
/// in its own directory, or on `127.0.0.1` ([`Cluster::start_tcp`]); stopped and deleted when
/// dropped (and by a watchdog when the test process ends otherwise).
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    data: PathBuf,
    as_root: bool,
    listen: Listen,
}

/// Where a [`Cluster`] accepts connections.
#[derive(Clone, Copy)]
enum Listen {
    Socket,
    Tcp(u16),
}

impl Cluster {
    /// A cluster on a Unix socket in a new directory under the system's temporary directory.
    ///
    /// # Panics
    /// When no PostgreSQL server binaries are installed, naming the package.
    pub fn start() -> Cluster {
        Cluster::create(&std::env::temp_dir(), Listen::Socket)
    }

    /// A cluster listening on `127.0.0.1` at a free port, as a server on another host would
    /// be reached: a stopped server then refuses connections instead of missing a socket file.
    ///
    /// # Panics
    /// As [`Cluster::start`], or when no free port can be had.
    pub fn start_tcp() -> Cluster {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap_or_else(|e| panic!("no free port for PostgreSQL: {e}"))
            .port();
        Cluster::create(&std::env::temp_dir(), Listen::Tcp(port))
    }

    /// A cluster whose files (data and WAL) live in a new directory under `parent`, for
    /// instance a size-limited file system. `parent` must be traversable by the `postgres`
    /// user when the tests run as root.
    ///
    /// # Panics
    /// As [`Cluster::start`].
    pub fn start_in(parent: &Path) -> Cluster {
        Cluster::create(parent, Listen::Socket)
    }

    fn create(parent: &Path, listen: Listen) -> Cluster {
        let bin = find_postgres_bin().unwrap_or_else(|| {
            panic!("no PostgreSQL server binaries: apt-get install -y postgresql")
        });
        let dir = tempfile::Builder::new()
            .prefix("rectify-pg-own-")
            .tempdir_in(parent)
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"))
            .keep();
        let as_root = is_root();
        if as_root {
            run(
                Command::new("chown").arg("postgres:").arg(&dir),
                "chown postgres",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let data = dir.join("data");
        run(
            as_postgres(as_root, &bin.join("initdb"))
                .args([
                    "--auth=trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "-D",
                ])
                .arg(&data),
            "initdb",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        spawn_watchdog(as_root, &bin, &dir, &data).unwrap_or_else(|e| panic!("{e}"));
        let cluster = Cluster {
            bin,
            dir,
            data,
            as_root,
            listen,
        };
        cluster.resume();
        cluster
    }

    /// A new, empty database on the cluster.
    pub fn database(&self, name: &str) -> String {
        let admin = self.url("postgres");
        psql(&admin, &format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        self.url(name)
    }

    /// The URL of a database on the cluster.
    pub fn url(&self, name: &str) -> String {
        match self.listen {
            Listen::Socket => format!(
                "postgres://postgres@localhost/{name}?host={}&port=54329",
                self.dir.display()
            ),
            Listen::Tcp(port) => format!("postgres://postgres@127.0.0.1:{port}/{name}"),
        }
    }

    /// Stops the server at once (`-m immediate`): open transactions are cut off mid-way and
    /// clients lose their connections, as in a crash.
    pub fn halt(&self) {
        self.pg_ctl(&["-m", "immediate", "stop"]);
    }

    /// Starts the server again (after `halt`), waiting until it accepts connections.
    pub fn resume(&self) {
        let log = self.dir.join("server.log");
        let (port, addresses) = match self.listen {
            Listen::Socket => (54329, String::new()),
            Listen::Tcp(port) => (port, "127.0.0.1".to_string()),
        };
        let options = format!(
            "-k {} -p {port} -c listen_addresses='{addresses}' -c fsync=off -c full_page_writes=off",
            self.dir.display()
        );
        let log = log.to_string_lossy().into_owned();
        self.pg_ctl(&["-l", &log, "-o", &options, "-w", "start"]);
    }

    fn pg_ctl(&self, args: &[&str]) {
        run(
            as_postgres(self.as_root, &self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data)
                .args(args),
            "pg_ctl",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(self.as_root, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .stdin(Stdio::null())
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn find_postgres_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// `initdb` and `postgres` refuse to run as root, so as root they run as the `postgres` user.
fn as_postgres(as_root: bool, program: &Path) -> Command {
    if as_root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what} could not start: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Stops the throw-away PostgreSQL cluster at `data` and deletes `dir` when the test process
/// ends (see [`watch_over`]).
fn spawn_watchdog(as_root: bool, bin: &Path, dir: &Path, data: &Path) -> Result<(), String> {
    let pg_ctl = bin.join("pg_ctl");
    let pg_ctl = if as_root {
        format!("runuser -u postgres -- '{}'", pg_ctl.display())
    } else {
        format!("'{}'", pg_ctl.display())
    };
    watch_over(
        &format!("{pg_ctl} -D '{}' -m immediate stop", data.display()),
        dir,
    )
}

/// A watchdog for a server a test process starts and cannot be sure to stop itself (a panic,
/// a kill): a detached shell that waits for the test process to end, then runs `stop` and
/// deletes the server's directory `dir`. Its standard streams are closed so it never holds the
/// test runner's output pipe open.
fn watch_over(stop: &str, dir: &Path) -> Result<(), String> {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot start the cleanup watchdog: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_swapped_keeping_socket_parameters() {
        assert_eq!(
            with_database(
                "postgres://postgres@localhost/postgres?host=/tmp/x&port=5",
                "t1"
            ),
            "postgres://postgres@localhost/t1?host=/tmp/x&port=5"
        );
        assert_eq!(
            with_database("postgres://u:p@h:5432", "t2"),
            "postgres://u:p@h:5432/t2"
        );
    }

    #[test]
    fn a_fresh_database_answers() {
        let url = postgres_url();
        assert_eq!(psql(&url, "SELECT 40 + 2").unwrap(), "42");
    }
}
