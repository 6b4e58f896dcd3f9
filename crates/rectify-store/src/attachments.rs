//! Content-addressed attachment files under the data directory.
//!
//! A file is stored once under `sha256/ab/cdef…` whatever its name, so uploading the same
//! evidence twice costs nothing and a stored file can be checked against its own address.

use crate::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where and how big a stored file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
    /// False when identical content was already stored.
    pub newly_written: bool,
}

#[derive(Debug, Clone)]
pub struct AttachmentStore {
    root: PathBuf,
}

impl AttachmentStore {
    pub fn new(data_dir: &Path) -> AttachmentStore {
        AttachmentStore {
            root: data_dir.join("sha256"),
        }
    }

    /// The path a file with this digest lives at, or `None` if `sha256` is not a digest.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes`; the directory is created on first use. The file appears atomically
    /// (written to a temporary name, synced, then renamed), so a crash never leaves a truncated
    /// file under a valid address.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredFile, StoreError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.root.join(&sha256[..2]).join(&sha256);
        let stored = StoredFile {
            sha256,
            size: bytes.len() as u64,
            newly_written: !path.exists(),
        };
        if stored.newly_written {
            write_atomically(&path, bytes)?;
        }
        Ok(stored)
    }

    pub fn get(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path_of(sha256).ok_or_else(|| StoreError::NotFound {
            what: "附件",
            key: sha256.to_string(),
        })?;
        std::fs::read(&path).map_err(|source| StoreError::Io { path, source })
    }
}

impl AttachmentStore {
    /// The file, after checking that its content still has the digest it is stored under: a
    /// file changed on disk is refused, never handed out.
    pub fn get_verified(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let bytes = self.get(sha256)?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != sha256 {
            return Err(StoreError::Tampered {
                expected: sha256.to_string(),
                actual,
            });
        }
        Ok(bytes)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(".tmp-{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

impl Store {
    pub fn attachments(&self) -> AttachmentStore {
        AttachmentStore::new(self.data_dir())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_content_is_stored_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = AttachmentStore::new(dir.path());
        let first = store.put("验收意见".as_bytes()).unwrap();
        let second = store.put("验收意见".as_bytes()).unwrap();
        assert!(first.newly_written);
        assert!(!second.newly_written);
        assert_eq!(first.sha256, second.sha256);
        assert_eq!(store.get(&first.sha256).unwrap(), "验收意见".as_bytes());
        let files = std::fs::read_dir(dir.path().join("sha256").join(&first.sha256[..2]))
            .unwrap()
            .count();
        assert_eq!(files, 1);
    }

    #[test]
    fn nothing_is_written_until_a_file_is_stored_and_bad_digests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = AttachmentStore::new(&dir.path().join("data"));
        assert!(!dir.path().join("data").exists());
        assert!(store.path_of("../../etc/passwd").is_none());
        assert!(matches!(store.get("zz"), Err(StoreError::NotFound { .. })));
    }
}
