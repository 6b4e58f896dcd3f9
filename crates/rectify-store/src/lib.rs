//! Persistence for rectify.
//!
//! One [`Store`] wraps a sqlx `Any` pool on either SQLite (the embedded default) or PostgreSQL.
//! All SQL is written once, with `$N` placeholders that both backends accept. Every write that
//! changes domain data goes through [`Store::begin_write`] and appends to the journal in the same
//! transaction (see [`journal`]).

pub mod air;
pub mod attachments;
mod backup;
pub mod bind;
pub mod clock;
pub mod coal;
pub mod complaints;
pub mod deliveries;
pub mod dispatch;
pub mod jobs;

pub mod journal;
pub mod ledger;
mod many_rows;
mod migrate;
pub mod org;
pub mod province;
pub mod publications;
pub mod registers;
pub mod rounds;
pub mod schedule;
pub mod sessions;
pub mod special;
pub mod stats;
pub mod tasks;
pub mod throttle;
pub mod users;
pub mod water;
pub mod workflow;

pub use backup::{AttachmentCheck, BackupOutcome, RestoreOutcome, manifest_path};
pub use migrate::{MigrateReport, latest_version};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where the database is, as given by `--db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    SqliteFile(PathBuf),
    Postgres(String),
}

impl DbTarget {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file
    /// path (an optional `sqlite://` prefix is accepted).
    pub fn parse(spec: &str) -> DbTarget {
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            return DbTarget::Postgres(spec.to_string());
        }
        let path = spec
            .strip_prefix("sqlite://")
            .or_else(|| spec.strip_prefix("sqlite:"))
            .unwrap_or(spec);
        DbTarget::SqliteFile(PathBuf::from(path))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbTarget::SqliteFile(_) => Backend::Sqlite,
            DbTarget::Postgres(_) => Backend::Postgres,
        }
    }

    /// The target as it may appear in a message: a PostgreSQL password is masked.
    pub fn display(&self) -> String {
        match self {
            DbTarget::SqliteFile(p) => p.display().to_string(),
            DbTarget::Postgres(url) => mask_password(url),
        }
    }

    /// What names the database however it is written, to tell whether two targets are one: a
    /// SQLite file by its absolute path (links and `..` resolved where the file or its
    /// directory exists, so `./x.db` and `x.db` are one); a PostgreSQL database by its host
    /// (lower-case, the default port written out), its name (no trailing slash) and its
    /// connection parameters (sorted). Who connects does not change which database it is, so
    /// user and password are left out. For comparing, never for connecting or display.
    pub fn location(&self) -> String {
        match self {
            DbTarget::SqliteFile(path) => format!("sqlite:{}", absolute_file(path).display()),
            DbTarget::Postgres(url) => format!("postgres:{}", postgres_location(url)),
        }
    }

    /// The attachment directory used when `--data-dir` is not given: `rectify-data/` beside a
    /// SQLite file, or in the working directory for PostgreSQL.
    pub fn default_data_dir(&self) -> PathBuf {
        match self {
            DbTarget::SqliteFile(p) => parent_dir(p).join("rectify-data"),
            DbTarget::Postgres(_) => PathBuf::from("rectify-data"),
        }
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A file's absolute path: the real one where it (or else its directory) exists.
fn absolute_file(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    match (std::fs::canonicalize(parent_dir(path)), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// `host:port/name?params` of a `postgres://` URL, as [`DbTarget::location`] compares them.
fn postgres_location(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (target, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, name) = target.split_once('/').unwrap_or((target, ""));
    let (user, host) = authority.rsplit_once('@').unwrap_or(("", authority));
    let host = host.to_ascii_lowercase();
    // Without a name, PostgreSQL opens the database named as the user.
    let name = match name.trim_end_matches('/') {
        "" => user.split_once(':').map_or(user, |(user, _)| user),
        name => name,
    };
    let has_port = host
        .rsplit_once(':')
        .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    let host = if host.is_empty() || has_port {
        host
    } else {
        format!("{host}:5432")
    };
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    params.sort_unstable();
    format!("{host}/{name}?{}", params.join("&"))
}

fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Errors from the store. Messages are in Chinese: they reach office staff through the CLI.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库所在目录不存在：{}", .0.display())]
    DbDirMissing(PathBuf),
    #[error("不是有效的 SQLite 数据库文件（文件可能已损坏）：{}", .0.display())]
    NotADatabase(PathBuf),
    #[error("无法连接数据库 {target}：{reason}")]
    Connect { target: String, reason: String },
    #[error("迁移 {version}（{name}）在数据库中记录的校验和与本程序不一致，请勿修改已发布的迁移")]
    MigrationChanged { version: i64, name: &'static str },
    #[error("数据库尚未初始化：{0}（请先运行 rectify init 或 rectify demo）")]
    NotInitialised(String),
    #[error("数据库架构版本 {found} 比本程序支持的 {supported} 新，请升级 rectify")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("{what}“{key}”不存在")]
    NotFound { what: &'static str, key: String },
    #[error("{what}“{key}”已存在")]
    Conflict { what: &'static str, key: String },
    #[error("{0}")]
    Invalid(String),
    /// The workflow does not allow the action; the message says why.
    #[error("{0}")]
    Refused(String),
    /// Something the store holds or does is not as it must be (a corrupt row, a failed hash):
    /// the operator's problem, never the user's input.
    #[error("{0}")]
    Corrupt(String),
    #[error(
        "文件内容与登记的 SHA-256 不符，已拒绝下载（登记 {expected}，实际 {actual}）：文件在存储中被改动过"
    )]
    Tampered { expected: String, actual: String },
    /// An upload passed its limit; refused while it arrived, nothing kept.
    #[error("文件“{file_name}”超过上限 {limit} 字节，未保存")]
    TooLarge { file_name: String, limit: u64 },
    /// A request to the bucket failed; `away` when the bucket could not be reached or failed
    /// on its side (see [`StoreError::is_bucket_away`]), otherwise it refused the request for
    /// good ([`StoreError::is_bucket_refused`]).
    #[error("附件存储读写失败（{key}）：{reason}")]
    ObjectStorage {
        key: String,
        reason: String,
        away: bool,
    },
    #[error("读写文件失败（{}）：{source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("数据库错误：{0}")]
    Sql(#[from] sqlx::Error),
}

impl StoreError {
    /// The database cannot be reached right now (refused or dropped connections, a server
    /// shutting down or starting, every pooled connection gone), as opposed to a fault in the
    /// request or the data: worth answering "try again shortly", and it passes by itself once
    /// the database is back, since the pool opens fresh connections.
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Sql(error) = self else {
            return false;
        };
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => Self::is_unavailable_code(db.code().as_deref()),
            _ => false,
        }
    }

    /// SQLSTATE class 08: connection exception; 57P01–57P03: the server is shutting down,
    /// crashed or starting; 53300: too many connections.
    pub(crate) fn is_unavailable_code(code: Option<&str>) -> bool {
        code.is_some_and(|code| {
            code.starts_with("08") || ["57P01", "57P02", "57P03", "53300"].contains(&code)
        })
    }

    /// The attachment bucket cannot be reached for now (or fails on its side): nothing was
    /// read or kept, and the same request succeeds once it is back.
    pub fn is_bucket_away(&self) -> bool {
        matches!(self, StoreError::ObjectStorage { away: true, .. })
    }

    /// The attachment bucket refused the request and will refuse it again (no such bucket, a
    /// key it does not accept, no permission): the server's configuration is to be mended.
    pub fn is_bucket_refused(&self) -> bool {
        matches!(self, StoreError::ObjectStorage { away: false, .. })
    }

    /// The disk is full: the attachment store could not write a file (ENOSPC, or the file-size
    /// limit), or the database could not grow (SQLite's SQLITE_FULL, PostgreSQL's 53100).
    /// Nothing was kept, and the same request succeeds once space is freed.
    pub fn is_storage_full(&self) -> bool {
        match self {
            StoreError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::StorageFull
                    | std::io::ErrorKind::QuotaExceeded
                    | std::io::ErrorKind::FileTooLarge
            ),
            StoreError::Sql(sqlx::Error::Database(db)) => db
                .code()
                .is_some_and(|code| code == "13" || code == "53100"),
            StoreError::Sql(sqlx::Error::Io(source)) => {
                source.kind() == std::io::ErrorKind::StorageFull
            }
            _ => false,
        }
    }
}

/// A connection pool plus what the store needs to know about it.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    target: DbTarget,
    data_dir: PathBuf,
    /// Where attachment files live: in `data_dir` unless `with_attachments` chose a bucket.
    attachments: attachments::AttachmentStore,
    /// One write transaction at a time in this process (see `begin_write`).
    write_gate: Arc<tokio::sync::Mutex<()>>,
    /// Woken when deliveries are written (steps issued, one sent again), so this process's
    /// sender tries them at once rather than at its next round.
    deliveries_waiting: Arc<tokio::sync::Notify>,
}

/// SQLite settings applied to every pooled connection. `synchronous = FULL`: a sign-off or a
/// journal entry that was reported committed must survive a power cut on an office laptop, and
/// the write rate of a ledger is human-paced, so the extra fsync per commit costs nothing felt.
/// Reads go through a memory map (up to 256 MiB) rather than a copy per page.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
PRAGMA busy_timeout = 10000;
PRAGMA mmap_size = 268435456;";

/// How long a request waits for a pooled SQLite connection. The file is always there; a wait
/// means the other connections are busy, and queueing behind them is right.
const SQLITE_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request waits for a pooled PostgreSQL connection, which is also how long sqlx
/// keeps retrying a refused TCP connection (it has no separate connect timeout). While the
/// server is away over TCP every request waits this long before its 503, so it is short; over
/// a Unix socket the missing socket fails at once. Writers queue at the write gate, not here,
/// so a busy pool of 10 does not keep a request waiting anywhere near this long.
const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Store {
    /// Connects to the target without changing anything in it. A SQLite file is created only if
    /// its directory exists; a corrupt file or an unreachable server is reported, not repaired.
    pub async fn open(target: &DbTarget, data_dir: Option<PathBuf>) -> Result<Store, StoreError> {
        install_default_drivers();
        let url = connect_url(target)?;
        let is_sqlite = target.backend() == Backend::Sqlite;
        // One connection first, outside the pool: a pool would retry a corrupt file or a
        // refused connection until its timeout, and the user would wait for nothing.
        let mut probe = AnyConnection::connect(&url)
            .await
            .map_err(|e| connect_error(target, e))?;
        if is_sqlite {
            probe
                .execute(SQLITE_PRAGMAS)
                .await
                .map_err(|e| connect_error(target, e))?;
        }
        probe.close().await.map_err(|e| connect_error(target, e))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if is_sqlite { 4 } else { 10 })
            .acquire_timeout(if is_sqlite {
                SQLITE_ACQUIRE_TIMEOUT
            } else {
                POSTGRES_ACQUIRE_TIMEOUT
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if is_sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_lazy(&url)
            .map_err(|e| connect_error(target, e))?;
        let data_dir = data_dir.unwrap_or_else(|| target.default_data_dir());
        Ok(Store {
            pool,
            target: target.clone(),
            attachments: attachments::AttachmentStore::new(&data_dir),
            data_dir,
            write_gate: Arc::default(),
            deliveries_waiting: Arc::default(),
        })
    }

    /// Opens a database that `rectify init` has prepared and that this build understands.
    pub async fn open_initialised(
        target: &DbTarget,
        data_dir: Option<PathBuf>,
    ) -> Result<Store, StoreError> {
        let not_initialised = || StoreError::NotInitialised(target.display());
        if let DbTarget::SqliteFile(path) = target
            && !path.exists()
        {
            return Err(not_initialised());
        }
        let store = Store::open(target, data_dir).await?;
        match store.schema_version().await? {
            None => Err(not_initialised()),
            Some(found) if found > latest_version() => Err(StoreError::SchemaTooNew {
                found,
                supported: latest_version(),
            }),
            Some(_) => Ok(store),
        }
    }

    pub fn backend(&self) -> Backend {
        self.target.backend()
    }

    pub fn target(&self) -> &DbTarget {
        &self.target
    }

    /// The same store with its attachment files elsewhere (a bucket: see
    /// `AttachmentStore::s3`).
    pub fn with_attachments(mut self, attachments: attachments::AttachmentStore) -> Store {
        self.attachments = attachments;
        self
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction that will write, holding the database's one write lock from its
    /// first statement, so what it reads stays true until it commits (a read-then-write never
    /// acts on a state another writer has just changed, in this process or another). SQLite:
    /// `BEGIN IMMEDIATE` (and never SQLITE_BUSY half-way). PostgreSQL: the journal's advisory
    /// transaction lock, which `journal::append` takes anyway, taken up front; without it two
    /// servers could both load an item in the same state and both move it.
    ///
    /// Before a connection is taken, the process's write gate: writers of this process queue
    /// there holding nothing. Without it, the pool's connections could all be held by writers
    /// waiting for the database's lock while the writer that has it waits for a connection to
    /// read something (`workflow_config` and the like use the pool), until the pool's and
    /// SQLite's timeouts give up, which two servers on one database under 16 clients did.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let gate = self.write_gate.clone().lock_owned().await;
        let tx = match self.backend() {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query(journal::WRITE_LOCK).execute(&mut *tx).await?;
                tx
            }
        };
        Ok(WriteTx { tx, _gate: gate })
    }

    /// The connection pool's size, idle connections and maximum, for `/metrics`.
    pub fn pool_use(&self) -> (u32, usize, u32) {
        (
            self.pool.size(),
            self.pool.num_idle(),
            self.pool.options().get_max_connections(),
        )
    }

    /// Notified when deliveries are waiting to be sent (see `deliveries`).
    pub fn deliveries_waiting(&self) -> &tokio::sync::Notify {
        &self.deliveries_waiting
    }

    /// The process's write gate alone, for the few writes that are single statements outside
    /// the journal (sessions, the token's last use, the portal's throttle): they queue behind
    /// the write transactions of this process instead of waiting for the database's lock on a
    /// pooled connection (see `begin_write`).
    pub(crate) async fn write_gate(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.write_gate.lock().await
    }

    /// `(…), (…)` for a multi-row INSERT. SQLite gets anonymous `?`: it resolves each `$N` by a
    /// linear search over the statement's names, which is quadratic over thousands of them.
    pub(crate) fn row_placeholders(&self, rows: usize, columns: usize) -> String {
        placeholders(self.backend(), rows, columns)
    }

    /// A cheap check that the database answers, for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Ends the store's work: the bucket's temporary objects deleted, then the connections
    /// closed.
    pub async fn close(&self) {
        self.settle_attachments().await;
        self.pool.close().await;
    }
}

/// Ids handed out before the rows are written, so that an import can write many rows to an
/// INSERT and still link them (a repeat complaint to the earlier one). Only sound under the
/// write lock (`begin_write`), which every writer of those tables holds.
pub(crate) struct IdBlock {
    table: &'static str,
    backend: Backend,
    next: i64,
    handed_out: bool,
}

impl IdBlock {
    /// Starts after the table's largest id.
    pub(crate) async fn after_largest(
        conn: &mut AnyConnection,
        backend: Backend,
        table: &'static str,
    ) -> Result<Self, StoreError> {
        let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
        let next = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut *conn)
            .await?;
        Ok(IdBlock {
            table,
            backend,
            next,
            handed_out: false,
        })
    }

    pub(crate) fn take(&mut self) -> i64 {
        self.handed_out = true;
        self.next += 1;
        self.next - 1
    }

    pub(crate) fn backend(&self) -> Backend {
        self.backend
    }

    /// After the rows are written: PostgreSQL's identity sequence would hand out those ids
    /// again, so it is moved past the largest. SQLite takes the largest id plus one anyway.
    pub(crate) async fn finish(self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        if self.handed_out && self.backend == Backend::Postgres {
            let table = self.table;
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

/// `(?, ?), (?, ?)` on SQLite (its `$N` lookup is quadratic in the number of parameters),
/// `($1, $2), ($3, $4)` on PostgreSQL.
pub(crate) fn placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    let _ = write!(sql, "${}", row * columns + column + 1);
                }
            }
        }
        sql.push(')');
    }
    sql
}

fn connect_url(target: &DbTarget) -> Result<String, StoreError> {
    match target {
        DbTarget::Postgres(url) => Ok(url.clone()),
        DbTarget::SqliteFile(path) => {
            let dir = parent_dir(path);
            if !dir.is_dir() {
                return Err(StoreError::DbDirMissing(dir.to_path_buf()));
            }
            let absolute = std::fs::canonicalize(dir)
                .map_err(|_| StoreError::DbDirMissing(dir.to_path_buf()))?
                .join(path.file_name().unwrap_or_default());
            Ok(format!(
                "sqlite://{}?mode=rwc",
                percent_encode_path(&absolute.to_string_lossy())
            ))
        }
    }
}

/// sqlx percent-decodes the path of a SQLite URL, so the characters that would end the path or
/// start an escape must be encoded.
fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

fn connect_error(target: &DbTarget, err: sqlx::Error) -> StoreError {
    if let (DbTarget::SqliteFile(path), Some(db_err)) = (target, err.as_database_error()) {
        // SQLITE_NOTADB = 26
        if db_err.code().as_deref() == Some("26") {
            return StoreError::NotADatabase(path.clone());
        }
    }
    StoreError::Connect {
        target: target.display(),
        reason: err.to_string(),
    }
}

/// A write transaction (`Store::begin_write`): used as the connection it runs on, and
/// holding the process's write gate until it commits, rolls back or is dropped.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _gate: tokio::sync::OwnedMutexGuard<()>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// Commits, or on a dry run rolls back: the caller sees what would have happened.
pub(crate) async fn commit_unless(tx: WriteTx, dry_run: bool) -> Result<(), StoreError> {
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(())
}

/// The current time as stored everywhere (see `clock::stored`).
pub fn now_utc() -> String {
    clock::stored(clock::now())
}

/// Today's date in China (UTC+8, no daylight saving), for deadlines and schedules.
pub fn today_china() -> rectify_exact::date::Date {
    clock::beijing_date(clock::now())
}

/// A value read back from the database that does not parse: the database was edited by hand
/// or by a newer version.
pub(crate) fn invalid_stored(what: &str) -> StoreError {
    StoreError::Corrupt(format!("数据库中的{what}无效"))
}

/// A stored integer as the narrower type the domain uses (an item number, a month, a version):
/// one that does not fit is a corrupt row, reported with its column and value, never a zero.
pub(crate) fn stored_int<T: TryFrom<i64>>(value: i64, column: &str) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| invalid_stored(&format!("{column}（{value}）")))
}

/// An ISO date as stored.
pub(crate) fn stored_date(text: &str) -> Result<rectify_exact::date::Date, StoreError> {
    rectify_exact::date::Date::parse(text).ok_or_else(|| invalid_stored("日期"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_location_names_the_database_opened() {
        let at = |url: &str| postgres_location(url);
        assert_eq!(
            at("postgres://u@DB.example/r/"),
            at("postgresql://v:pw@db.example:5432/r")
        );
        // Without a name PostgreSQL opens the user's database.
        assert_ne!(at("postgres://alice@h"), at("postgres://bob@h"));
        assert_eq!(at("postgres://alice:secret@h"), at("postgres://x@h/alice"));
    }

    #[test]
    fn placeholders_per_backend() {
        assert_eq!(placeholders(Backend::Sqlite, 2, 3), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(placeholders(Backend::Postgres, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(placeholders(Backend::Sqlite, 0, 2), "");
    }

    #[test]
    fn targets_are_told_apart_by_scheme() {
        assert_eq!(
            DbTarget::parse("postgres://u@h/db").backend(),
            Backend::Postgres
        );
        assert_eq!(
            DbTarget::parse("sqlite://a/b.db"),
            DbTarget::SqliteFile("a/b.db".into())
        );
        assert_eq!(
            DbTarget::parse("rectify.db").default_data_dir(),
            PathBuf::from("./rectify-data")
        );
    }

    #[test]
    fn passwords_never_reach_messages() {
        let t = DbTarget::parse("postgres://app:s3cret@db.local:5432/rectify");
        assert_eq!(t.display(), "postgres://app:***@db.local:5432/rectify");
        let t = DbTarget::parse("postgres://app@db.local/rectify");
        assert_eq!(t.display(), "postgres://app@db.local/rectify");
    }

    #[test]
    fn special_path_characters_are_encoded() {
        assert_eq!(percent_encode_path("/a b/c?%#.db"), "/a%20b/c%3F%25%23.db");
    }
}
