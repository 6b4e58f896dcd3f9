//! Online backups, their attachment manifest, and restoring a backup into a new database.
//!
//! A backup is the database (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump --format=custom`)
//! plus `<out>.attachments.txt`, every file of the attachment store in `sha256sum` form
//! (`<sha256>  sha256/ab/<sha256>`), taken after the database: files are written before the
//! rows that name them, so the list covers every file the backup refers to. The files
//! themselves are copied with the data directory; `sha256sum -c` in it, or `rectify restore`,
//! checks the copy against the list. When the files live in a bucket the list names the
//! bucket's objects (by the same relative address, under its `s3://` prefix) and the backup
//! copies none of them: the bucket keeps them (give it versioning or replication of its own),
//! and `rectify restore` with the same `--storage` checks every listed object in it.

use crate::attachments::{AttachmentStore, FileState, address_of, is_digest};
use crate::bind::Bind;
use crate::{Backend, DbTarget, Store, StoreError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupOutcome {
    /// Size of the database copy or dump.
    pub bytes: u64,
    /// The attachment list beside it, and how many files it names.
    pub manifest: PathBuf,
    pub attachments: usize,
    /// Where the listed files are: the data directory, or the `s3://` address.
    pub attachments_at: String,
    /// The files are in a bucket, not copied by the backup.
    pub in_object_storage: bool,
}

/// What a restore found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreOutcome {
    /// Journal entries in the restored database (the chain is verified by the caller).
    pub journal_entries: i64,
    /// The attachment check, when the backup's list was found beside it.
    pub attachments: Option<AttachmentCheck>,
}

/// The data directory against a backup's attachment list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachmentCheck {
    pub listed: usize,
    /// Listed but not in the data directory.
    pub missing: Vec<String>,
    /// In the data directory under the address, with other content.
    pub damaged: Vec<String>,
}

/// The attachment list written beside a backup.
pub fn manifest_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_os_string();
    name.push(".attachments.txt");
    PathBuf::from(name)
}

impl Store {
    /// Writes a consistent copy of the database to `out` while others keep working, then the
    /// attachment list beside it. SQLite: `VACUUM INTO`. PostgreSQL: `pg_dump --format=custom`
    /// (the client tools must be installed), restorable with `rectify restore`.
    pub async fn backup(&self, out: &Path) -> Result<BackupOutcome, StoreError> {
        let manifest = manifest_path(out);
        for path in [out, manifest.as_path()] {
            if path.exists() {
                return Err(StoreError::Conflict {
                    what: "备份文件",
                    key: path.display().to_string(),
                });
            }
        }
        match self.backend() {
            Backend::Sqlite => {
                sqlx::query("VACUUM INTO $1")
                    .arg(out.to_string_lossy().into_owned())
                    .execute(self.pool())
                    .await?;
            }
            Backend::Postgres => {
                let DbTarget::Postgres(url) = self.target() else {
                    return Err(StoreError::Invalid("PostgreSQL 数据库地址缺失".into()));
                };
                let mut dump = tokio::process::Command::new("pg_dump");
                dump.args(["--format=custom", "--no-owner", "--file"])
                    .arg(out)
                    .arg("--dbname")
                    .arg(url);
                run_tool(dump, "pg_dump").await?;
            }
        }
        let bytes = std::fs::metadata(out).map_err(io_at(out))?.len();
        let files = self.attachments().list().await?;
        write_manifest(&manifest, &files)?;
        Ok(BackupOutcome {
            bytes,
            manifest,
            attachments: files.len(),
            attachments_at: self.attachments().describe(),
            in_object_storage: self.attachments().is_object_storage(),
        })
    }

    /// Restores a backup made by `backup` into `target`, which must be new: a SQLite path that
    /// does not exist, or an empty PostgreSQL database. Then, when the backup's attachment
    /// list lies beside it, checks the attachment store against it: `data_dir` (the copied
    /// files), or `attachments` when given (a bucket).
    pub async fn restore(
        target: &DbTarget,
        backup: &Path,
        data_dir: Option<PathBuf>,
        attachments: Option<AttachmentStore>,
    ) -> Result<RestoreOutcome, StoreError> {
        std::fs::metadata(backup).map_err(io_at(backup))?;
        match target {
            DbTarget::SqliteFile(path) => {
                if path.exists() {
                    return Err(StoreError::Conflict {
                        what: "恢复目标数据库",
                        key: path.display().to_string(),
                    });
                }
                // Copied under a temporary name and renamed: an interrupted restore leaves no
                // half database under the target's name.
                let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
                let dir = dir.unwrap_or(Path::new("."));
                let temp = tempfile::Builder::new()
                    .prefix(".restore-")
                    .tempfile_in(dir)
                    .map_err(io_at(dir))?;
                std::fs::copy(backup, temp.path()).map_err(io_at(temp.path()))?;
                temp.as_file().sync_all().map_err(io_at(temp.path()))?;
                temp.persist_noclobber(path).map_err(|e| StoreError::Io {
                    path: path.clone(),
                    source: e.error,
                })?;
            }
            DbTarget::Postgres(url) => {
                let empty = Store::open(target, data_dir.clone()).await?;
                let tables: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_one(empty.pool())
                .await?;
                empty.close().await;
                if tables > 0 {
                    return Err(StoreError::Invalid(format!(
                        "恢复目标数据库不是空库（已有 {tables} 张表），请先新建空库：{}",
                        target.display()
                    )));
                }
                let mut restore = tokio::process::Command::new("pg_restore");
                restore
                    .args(["--no-owner", "--exit-on-error", "--single-transaction"])
                    .arg("--dbname")
                    .arg(url)
                    .arg(backup);
                run_tool(restore, "pg_restore").await?;
            }
        }
        let mut store = Store::open_initialised(target, data_dir).await?;
        if let Some(attachments) = attachments {
            store = store.with_attachments(attachments);
        }
        let journal_entries = store.journal_head().await?;
        let manifest = manifest_path(backup);
        let attachments = if manifest.exists() {
            Some(store.check_attachments(&manifest).await?)
        } else {
            None
        };
        store.close().await;
        Ok(RestoreOutcome {
            journal_entries,
            attachments,
        })
    }

    /// The attachment store against a backup's list: every listed file present, with the
    /// content its address names.
    pub async fn check_attachments(&self, manifest: &Path) -> Result<AttachmentCheck, StoreError> {
        let text = std::fs::read_to_string(manifest).map_err(io_at(manifest))?;
        let mut check = AttachmentCheck::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let sha256 = line.split_whitespace().next().unwrap_or_default();
            if !is_digest(sha256) {
                return Err(StoreError::Invalid(format!(
                    "附件清单 {} 中有无法识别的行：{line}",
                    manifest.display()
                )));
            }
            check.record(sha256, self.attachments().check(sha256).await?);
        }
        Ok(check)
    }

    /// Every file of the attachment store read through and checked against its address.
    pub async fn verify_attachments(&self) -> Result<AttachmentCheck, StoreError> {
        let mut check = AttachmentCheck::default();
        for sha256 in self.attachments().list().await? {
            check.record(&sha256, self.attachments().check(&sha256).await?);
        }
        Ok(check)
    }
}

impl AttachmentCheck {
    fn record(&mut self, sha256: &str, state: FileState) {
        self.listed += 1;
        match state {
            FileState::Intact => {}
            FileState::Missing => self.missing.push(sha256.to_string()),
            FileState::Damaged => self.damaged.push(sha256.to_string()),
        }
    }
}

/// The list in `sha256sum` form: `<sha256>  sha256/ab/<sha256>`.
fn write_manifest(manifest: &Path, digests: &[String]) -> Result<(), StoreError> {
    let mut out = std::fs::File::create_new(manifest).map_err(io_at(manifest))?;
    let mut text = String::new();
    for sha256 in digests {
        text.push_str(&format!("{sha256}  {}\n", address_of(sha256)));
    }
    out.write_all(text.as_bytes()).map_err(io_at(manifest))?;
    out.sync_all().map_err(io_at(manifest))
}

/// Runs a PostgreSQL client tool to its end; its own message when it fails.
async fn run_tool(mut command: tokio::process::Command, name: &str) -> Result<(), StoreError> {
    let output = command
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| {
            StoreError::Invalid(format!("无法运行 {name}（请安装 postgresql-client）：{e}"))
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "{name} 失败：{}",
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}
