//! Online backups.

use crate::bind::Bind;
use crate::{Backend, Store, StoreError};
use std::path::Path;

/// What a backup request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupOutcome {
    /// A consistent SQLite copy was written.
    Written { bytes: u64 },
    /// PostgreSQL is backed up with its own tools; this is the recipe.
    Recipe(String),
}

impl Store {
    /// SQLite: `VACUUM INTO` writes a consistent, compacted copy while others keep working.
    /// PostgreSQL: returns the `pg_dump` recipe instead, because its tools do this better.
    pub async fn backup(&self, out: &Path) -> Result<BackupOutcome, StoreError> {
        if self.backend() == Backend::Postgres {
            let url = self.target().display();
            return Ok(BackupOutcome::Recipe(format!(
                "pg_dump --format=custom --file={} '{url}'\n恢复：pg_restore --clean --dbname='{url}' {}",
                out.display(),
                out.display()
            )));
        }
        if out.exists() {
            return Err(StoreError::Conflict {
                what: "备份文件",
                key: out.display().to_string(),
            });
        }
        sqlx::query("VACUUM INTO $1")
            .arg(out.to_string_lossy().into_owned())
            .execute(self.pool())
            .await?;
        let bytes = std::fs::metadata(out)
            .map_err(|source| StoreError::Io {
                path: out.to_path_buf(),
                source,
            })?
            .len();
        Ok(BackupOutcome::Written { bytes })
    }
}
