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
    /// (written to a temporary name, synced, then linked into place), so a crash never leaves a
    /// truncated file under a valid address.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredFile, StoreError> {
        let upload = self.upload("", bytes)?;
        self.keep(&upload)
    }

    /// Starts receiving a file of at most `limit` bytes into a temporary file under the store's
    /// directory (so keeping it is a link on the same file system, never a copy).
    pub fn receive(&self, file_name: &str, limit: u64) -> Result<Receiving, StoreError> {
        let io = |source| StoreError::Io {
            path: self.root.clone(),
            source,
        };
        std::fs::create_dir_all(&self.root).map_err(io)?;
        let file = tempfile::Builder::new()
            .prefix(".upload-")
            .tempfile_in(&self.root)
            .map_err(io)?;
        Ok(Receiving {
            file,
            hasher: Sha256::new(),
            size: 0,
            limit,
            file_name: file_name.to_string(),
            head: Vec::with_capacity(HEAD),
            text: TextCheck::default(),
        })
    }

    /// A file already in memory, as an upload (no limit: the caller has it whole already).
    pub fn upload(&self, file_name: &str, bytes: &[u8]) -> Result<Upload, StoreError> {
        let mut receiving = self.receive(file_name, u64::MAX)?;
        receiving.write(bytes)?;
        receiving.finish()
    }

    /// Moves a received file to its content address (nothing to do when identical content is
    /// stored already). A hard link cannot replace an existing file, so two uploads of the same
    /// content racing each other both succeed with one file.
    pub fn keep(&self, upload: &Upload) -> Result<StoredFile, StoreError> {
        let path = self.root.join(&upload.sha256[..2]).join(&upload.sha256);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(io)?;
        let newly_written = match std::fs::hard_link(&upload.file, &path) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(io(e)),
        };
        Ok(StoredFile {
            sha256: upload.sha256.clone(),
            size: upload.size,
            newly_written,
        })
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

/// How many leading bytes are kept for telling the media type (the longest signature, WebP's,
/// is 12).
const HEAD: usize = 16;

/// A file arriving in pieces: written to a temporary file, hashed and counted as it comes, and
/// refused the moment it passes its limit, so no upload is ever held in memory whole.
pub struct Receiving {
    file: tempfile::NamedTempFile,
    hasher: Sha256,
    size: u64,
    limit: u64,
    file_name: String,
    head: Vec<u8>,
    text: TextCheck,
}

impl Receiving {
    /// Appends the next piece; past the limit the temporary file is dropped (deleted) with the
    /// error, so nothing half-received stays behind.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(StoreError::TooLarge {
                file_name: self.file_name.clone(),
                limit: self.limit,
            });
        }
        let room = HEAD.saturating_sub(self.head.len()).min(chunk.len());
        self.head.extend_from_slice(&chunk[..room]);
        self.text.feed(chunk);
        self.hasher.update(chunk);
        self.file.write_all(chunk).map_err(|source| StoreError::Io {
            path: self.file.path().to_path_buf(),
            source,
        })
    }

    /// The complete file, synced to disk, still under its temporary name until `keep`.
    pub fn finish(self) -> Result<Upload, StoreError> {
        let path = self.file.path().to_path_buf();
        self.file
            .as_file()
            .sync_all()
            .map_err(|source| StoreError::Io { path, source })?;
        Ok(Upload {
            file: self.file.into_temp_path(),
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
            head: self.head,
            text: self.text.is_text(),
        })
    }
}

/// A received file under a temporary name, deleted when dropped unless `keep` linked it into
/// the store first.
#[derive(Debug)]
pub struct Upload {
    file: tempfile::TempPath,
    pub sha256: String,
    pub size: u64,
    head: Vec<u8>,
    text: bool,
}

impl Upload {
    /// The received bytes, for a reader that needs them whole (a spreadsheet import); the size
    /// was bounded while they arrived.
    pub fn read(&self) -> Result<Vec<u8>, StoreError> {
        std::fs::read(&self.file).map_err(|source| StoreError::Io {
            path: self.file.to_path_buf(),
            source,
        })
    }

    /// The media type by the file's first bytes (see [`media_type_of`]).
    pub fn media_type(&self, file_name: &str) -> &'static str {
        media_type_of(&self.head, self.text, file_name)
    }
}

/// The media type by the file's first bytes (`head`) and whether the whole file is plain text;
/// the name only tells the Office formats apart.
fn media_type_of(head: &[u8], text: bool, file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match head {
        [b'%', b'P', b'D', b'F', ..] => "application/pdf",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "image/webp",
        [b'P', b'K', 3, 4, ..] => match ext.as_str() {
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => "application/zip",
        },
        [0xD0, 0xCF, 0x11, 0xE0, ..] => match ext.as_str() {
            "xls" => "application/vnd.ms-excel",
            _ => "application/msword",
        },
        _ if text => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Whether a file is plain text (valid UTF-8 without NUL), decided piece by piece: a character
/// split across two pieces is carried over to the next.
#[derive(Default)]
struct TextCheck {
    broken: bool,
    carry: Vec<u8>,
}

impl TextCheck {
    fn feed(&mut self, chunk: &[u8]) {
        if self.broken {
            return;
        }
        if chunk.contains(&0) {
            self.broken = true;
            return;
        }
        let joined;
        let data = if self.carry.is_empty() {
            chunk
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), chunk].concat();
            joined.as_slice()
        };
        match std::str::from_utf8(data) {
            Ok(_) => {}
            // Only an incomplete character at the very end may still become valid.
            Err(e) if e.error_len().is_none() => self.carry = data[e.valid_up_to()..].to_vec(),
            Err(_) => self.broken = true,
        }
    }

    fn is_text(&self) -> bool {
        !self.broken && self.carry.is_empty()
    }
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
