//! Content-addressed attachment files, in the data directory or in S3-compatible object storage.
//!
//! A file is stored once under `sha256/ab/cdef…` whatever its name, so uploading the same
//! evidence twice costs nothing and a stored file can be checked against its own address. The
//! address is the same in both backends: a path under the data directory (the layout backups
//! and `sha256sum -c` rely on), or a key under the bucket's prefix (`s3://BUCKET/PREFIX`).
//!
//! Files stream both ways. An upload is hashed and counted as it arrives and written to a
//! temporary file beside the store, or, in a bucket, to a temporary key through a multipart
//! upload (nothing is written locally). Its digest is known only at the end, so keeping it is
//! a hard link (local) or a server-side copy to `sha256/ab/<digest>` (S3), and the temporary
//! key is deleted. A read ([`AttachmentStore::open_verified`]) hands out the file chunk by
//! chunk while hashing it, and ends in an error instead of its last chunk when the content no
//! longer has the digest it is stored under.

use crate::{Store, StoreError};
use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How much of a file on disk is read at a time when it is stored.
const FILE_PIECE: usize = 1 << 20;

/// A file from disk up to this size goes to a bucket from memory in one request (the evidence
/// limit is 50 MB by default); a bigger one as a multipart upload to a temporary key.
const HELD_IN_MEMORY: u64 = 64 << 20;

/// Where and how big a stored file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: u64,
    /// False when identical content was already stored.
    pub newly_written: bool,
}

/// A bucket and the key prefix under which the store keeps its files: `s3://BUCKET/PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Without leading or trailing slashes; may be empty.
    pub prefix: String,
}

impl S3Location {
    /// Reads `s3://BUCKET` or `s3://BUCKET/PREFIX`.
    pub fn parse(url: &str) -> Result<S3Location, StoreError> {
        let bad = |why: &str| {
            StoreError::Invalid(format!(
                "附件存储地址“{url}”无法识别：{why}（应为 s3://存储桶/前缀）"
            ))
        };
        // A scheme is case-insensitive (RFC 3986): `S3://` is `s3://`.
        let rest = url
            .get(..5)
            .filter(|scheme| scheme.eq_ignore_ascii_case("s3://"))
            .and_then(|_| url.get(5..))
            .ok_or_else(|| bad("不是 s3:// 地址"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            return Err(bad("存储桶名须为 3–63 个小写字母、数字、连字符或点"));
        }
        let prefix = prefix.trim_matches('/');
        if prefix
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
            && !prefix.is_empty()
        {
            return Err(bad("前缀中有空段或 . .."));
        }
        Ok(S3Location {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    /// The key of `relative` (a path such as `sha256/ab/…`) under the prefix.
    fn key(&self, relative: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(relative)
        } else {
            ObjectPath::from(format!("{}/{relative}", self.prefix))
        }
    }
}

#[derive(Debug, Clone)]
pub struct AttachmentStore {
    backend: Backend,
    cleanups: Cleanups,
}

/// The deletions of temporary keys and aborts of multipart uploads that a dropped upload starts:
/// in the background, so a request does not wait for them, and awaited by [`Store::close`]
/// before a process ends (a command ending right after a drop would otherwise cut them off and
/// leave the temporary object in the bucket).
#[derive(Debug, Clone, Default)]
struct Cleanups(Arc<std::sync::Mutex<tokio::task::JoinSet<()>>>);

impl Cleanups {
    fn start(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut running = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Finished ones are let go, so a long-running server holds only those in flight.
        while running.try_join_next().is_some() {}
        running.spawn_on(work, &runtime);
    }

    async fn settle(&self) {
        let mut running = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        while running.join_next().await.is_some() {}
    }
}

#[derive(Debug, Clone)]
enum Backend {
    Local {
        root: PathBuf,
    },
    S3 {
        client: Arc<AmazonS3>,
        location: S3Location,
    },
}

/// Whether `sha256` is a digest as the store writes it (64 lowercase hex digits): anything
/// else never reaches a path or a key.
pub fn is_digest(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The address of a file relative to the store's root: `sha256/ab/<digest>`.
pub fn address_of(sha256: &str) -> String {
    format!("sha256/{}/{sha256}", &sha256[..2])
}

/// The size of the pieces an upload to a bucket is sent in (S3's minimum part size), and how
/// many may be in flight at once: an upload holds at most this many pieces in memory.
const PART_SIZE: usize = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 2;

/// How much of a local file one read hands out.
const READ_CHUNK: usize = 256 * 1024;

impl AttachmentStore {
    /// The store in `data_dir` (files under `data_dir/sha256`).
    pub fn new(data_dir: &Path) -> AttachmentStore {
        AttachmentStore {
            cleanups: Cleanups::default(),
            backend: Backend::Local {
                root: data_dir.join("sha256"),
            },
        }
    }

    /// The store in a bucket. `settings` are the standard AWS variables by name
    /// (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_ALLOW_HTTP`, …), as the caller read them from its environment; names the S3 client
    /// does not know are ignored, as `AmazonS3Builder::from_env` does.
    pub fn s3(
        location: S3Location,
        settings: &[(String, String)],
    ) -> Result<AttachmentStore, StoreError> {
        install_tls_provider();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&location.bucket)
            .with_retry(bucket_retry());
        for (name, value) in settings {
            if let Ok(key) = name.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
                builder = builder.with_config(key, value);
            }
        }
        let client = builder.build().map_err(|e| {
            StoreError::Invalid(format!(
                "无法连接附件存储 {}：{e}（请检查 AWS_ENDPOINT_URL、AWS_REGION 与访问密钥）",
                location.url()
            ))
        })?;
        Ok(AttachmentStore {
            cleanups: Cleanups::default(),
            backend: Backend::S3 {
                client: Arc::new(client),
                location,
            },
        })
    }

    /// Where the files are, for messages: the directory, or the `s3://` address.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local { root } => root.parent().unwrap_or(root).display().to_string(),
            Backend::S3 { location, .. } => location.url(),
        }
    }

    /// Whether the files are in a bucket rather than the data directory.
    pub fn is_object_storage(&self) -> bool {
        matches!(self.backend, Backend::S3 { .. })
    }

    /// The path a file with this digest lives at in the data directory, or `None` if `sha256`
    /// is not a digest or the files are in a bucket.
    pub fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local { root } if is_digest(sha256) => {
                Some(root.join(&sha256[..2]).join(sha256))
            }
            _ => None,
        }
    }

    /// Stores `bytes`. The file appears atomically (written under a temporary name, then
    /// linked or copied into place), so a crash never leaves a truncated file under a valid
    /// address.
    pub async fn put(&self, bytes: &[u8]) -> Result<StoredFile, StoreError> {
        let upload = self.upload("", bytes).await?;
        self.keep(&upload).await
    }

    /// A file already in memory, as an upload (no limit: the caller has it whole already).
    /// Locally it is written to a temporary file as any upload; for a bucket it stays in
    /// memory until `keep` puts it at its address in one request (no temporary key, which a
    /// command ending right after could leave behind).
    pub async fn upload(&self, file_name: &str, bytes: &[u8]) -> Result<Upload, StoreError> {
        let mut receiving = match &self.backend {
            Backend::Local { .. } => self.receive(file_name, u64::MAX).await?,
            Backend::S3 { .. } => Receiving::new(Sink::Memory(Vec::new()), file_name, u64::MAX),
        };
        receiving.write(bytes).await?;
        receiving.finish().await
    }

    /// A file on disk, as an upload of at most `limit` bytes: refused by its size before a byte
    /// is read, then streamed in pieces (a command storing a 400 MB source file does not hold
    /// it), still checked against the limit should it grow meanwhile. For the command line: it
    /// reads the file with blocking calls (the server receives its uploads through `receive`).
    pub async fn upload_file(
        &self,
        path: &Path,
        file_name: &str,
        limit: u64,
    ) -> Result<Upload, StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size > limit {
            return Err(StoreError::TooLarge {
                file_name: file_name.to_string(),
                limit,
            });
        }
        let mut receiving = match &self.backend {
            // As `upload`: one request and no temporary key, unless the file is too big to
            // hold (its temporary key is then deleted when the upload is dropped, and
            // `Store::close` waits for that).
            Backend::S3 { .. } if size <= HELD_IN_MEMORY => {
                Receiving::new(Sink::Memory(Vec::new()), file_name, limit)
            }
            _ => self.receive(file_name, limit).await?,
        };
        let mut piece = vec![0; FILE_PIECE];
        loop {
            let read = std::io::Read::read(&mut file, &mut piece).map_err(io)?;
            if read == 0 {
                return receiving.finish().await;
            }
            receiving.write(&piece[..read]).await?;
        }
    }

    /// A file on disk stored at its content address, streamed (`upload_file` without a limit).
    pub async fn put_file(&self, path: &Path) -> Result<StoredFile, StoreError> {
        let upload = self.upload_file(path, "", u64::MAX).await?;
        self.keep(&upload).await
    }

    /// Starts receiving a file of at most `limit` bytes: into a temporary file under the
    /// store's directory (so keeping it is a link on the same file system, never a copy), or a
    /// multipart upload to a temporary key in the bucket.
    pub async fn receive(&self, file_name: &str, limit: u64) -> Result<Receiving, StoreError> {
        let sink = match &self.backend {
            Backend::Local { root } => {
                let io = |source| StoreError::Io {
                    path: root.clone(),
                    source,
                };
                std::fs::create_dir_all(root).map_err(io)?;
                let file = tempfile::Builder::new()
                    .prefix(".upload-")
                    .tempfile_in(root)
                    .map_err(io)?;
                Sink::File(file)
            }
            Backend::S3 { client, location } => {
                let key = location.key(&format!("uploads/{}", random_name()));
                let upload = client
                    .put_multipart(&key)
                    .await
                    .map_err(object_error(&key))?;
                Sink::Object(ObjectSink {
                    writer: Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)),
                    client: client.clone(),
                    key,
                    cleanups: self.cleanups.clone(),
                })
            }
        };
        Ok(Receiving::new(sink, file_name, limit))
    }

    /// Moves a received file to its content address (nothing to do when identical content is
    /// stored already). Locally a hard link, which cannot replace an existing file, so two
    /// uploads of the same content racing each other both succeed with one file; in a bucket
    /// a server-side copy, skipped when the address holds an object already.
    pub async fn keep(&self, upload: &Upload) -> Result<StoredFile, StoreError> {
        let newly_written = match (&self.backend, &upload.staged) {
            (Backend::Local { root }, Staged::File(file)) => {
                let path = root.join(&upload.sha256[..2]).join(&upload.sha256);
                let io = |source| StoreError::Io {
                    path: path.clone(),
                    source,
                };
                let dir = path.parent().unwrap_or(root);
                std::fs::create_dir_all(dir).map_err(io)?;
                match std::fs::hard_link(file, &path) {
                    Ok(()) => true,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                    Err(e) => return Err(io(e)),
                }
            }
            (Backend::S3 { client, location }, Staged::Object(temporary)) => {
                let key = location.key(&address_of(&upload.sha256));
                let absent = !exists(client, &key).await?;
                if absent {
                    let copied = client.copy(&temporary.key, &key).await;
                    copied.map_err(object_error(&key))?;
                }
                absent
            }
            (Backend::S3 { client, location }, Staged::Memory(bytes)) => {
                let key = location.key(&address_of(&upload.sha256));
                let absent = !exists(client, &key).await?;
                if absent {
                    let payload = PutPayload::from_bytes(bytes.clone());
                    client
                        .put(&key, payload)
                        .await
                        .map_err(object_error(&key))?;
                }
                absent
            }
            _ => {
                return Err(StoreError::Invalid(
                    "上传的文件不属于这个附件存储".to_string(),
                ));
            }
        };
        Ok(StoredFile {
            sha256: upload.sha256.clone(),
            size: upload.size,
            newly_written,
        })
    }

    /// The file as a stream of chunks, hashed as they pass: the last item is an error
    /// ([`StoreError::Tampered`]) instead of the end when the content no longer has the digest
    /// it is stored under, so a reader never takes a changed file for a complete one.
    pub async fn open_verified(&self, sha256: &str) -> Result<VerifiedRead, StoreError> {
        let missing = || StoreError::NotFound {
            what: "附件",
            key: sha256.to_string(),
        };
        if !is_digest(sha256) {
            return Err(missing());
        }
        let (size, chunks): (u64, BoxStream<'static, Result<Bytes, StoreError>>) =
            match &self.backend {
                Backend::Local { root } => {
                    let path = root.join(&sha256[..2]).join(sha256);
                    let file = match tokio::fs::File::open(&path).await {
                        Ok(file) => file,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                            return Err(missing());
                        }
                        Err(source) => return Err(StoreError::Io { path, source }),
                    };
                    let size = file
                        .metadata()
                        .await
                        .map_err(|source| StoreError::Io {
                            path: path.clone(),
                            source,
                        })?
                        .len();
                    (size, file_chunks(file, path))
                }
                Backend::S3 { client, location } => {
                    let key = location.key(&address_of(sha256));
                    let found = match client.get(&key).await {
                        Ok(found) => found,
                        Err(e @ object_store::Error::NotFound { .. }) if !no_such_bucket(&e) => {
                            return Err(missing());
                        }
                        Err(e) => return Err(object_error(&key)(e)),
                    };
                    let size = found.meta.size;
                    let error = object_error(&key);
                    (
                        size,
                        found.into_stream().map(move |r| r.map_err(&error)).boxed(),
                    )
                }
            };
        Ok(VerifiedRead {
            size,
            chunks: verify_stream(sha256.to_string(), chunks),
        })
    }

    /// The whole file, after checking that its content still has the digest it is stored
    /// under: a file changed in storage is refused, never handed out. For small files and
    /// callers that need them whole; read big ones through [`Self::open_verified`].
    pub async fn get_verified(&self, sha256: &str) -> Result<Vec<u8>, StoreError> {
        let mut read = self.open_verified(sha256).await?;
        let mut bytes = Vec::with_capacity(usize::try_from(read.size).unwrap_or(0));
        while let Some(chunk) = read.chunks.next().await {
            bytes.extend_from_slice(&chunk?);
        }
        Ok(bytes)
    }

    /// Whether the file with this digest is there with its content intact.
    pub async fn check(&self, sha256: &str) -> Result<FileState, StoreError> {
        let mut read = match self.open_verified(sha256).await {
            Ok(read) => read,
            Err(StoreError::NotFound { .. }) => return Ok(FileState::Missing),
            Err(other) => return Err(other),
        };
        while let Some(chunk) = read.chunks.next().await {
            match chunk {
                Ok(_) => {}
                Err(StoreError::Tampered { .. }) => return Ok(FileState::Damaged),
                Err(other) => return Err(other),
            }
        }
        Ok(FileState::Intact)
    }

    /// The digest of every file in the store, sorted; temporary uploads are not files of the
    /// store.
    pub async fn list(&self) -> Result<Vec<String>, StoreError> {
        let mut digests = match &self.backend {
            Backend::Local { root } => list_dir(root)?,
            Backend::S3 { client, location } => {
                let prefix = location.key("sha256");
                let mut found = Vec::new();
                let mut listing = client.list(Some(&prefix));
                while let Some(meta) = listing.next().await {
                    let meta = meta.map_err(object_error(&prefix))?;
                    if let Some(name) = meta.location.filename().filter(|n| is_digest(n)) {
                        found.push(name.to_string());
                    }
                }
                found
            }
        };
        digests.sort();
        digests.dedup();
        Ok(digests)
    }
}

/// reqwest is built without a TLS provider of its own (see the workspace manifest): ring
/// serves it, as it serves hyper-rustls for the dispatch robots. Installing twice is refused
/// harmlessly. rustls deprecates ring's provider for lacking post-quantum key exchange, which
/// only aws-lc-rs (a C and cmake build) offers; the bucket's TLS does not need it.
#[allow(deprecated)]
fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// What [`AttachmentStore::copy_to`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Files copied and verified in the target, and their bytes.
    pub copied: usize,
    pub copied_bytes: u64,
    /// Files the target held intact already, and their bytes.
    pub skipped: usize,
    pub skipped_bytes: u64,
}

impl AttachmentStore {
    /// Copies every file of this store into `target`, each read through the verified reader,
    /// streamed into the target and then read back from it and hashed again. A file the
    /// target holds intact already is skipped, so running it again after an interruption
    /// finishes the job. Stops at the first file that is damaged in either store, naming it.
    pub async fn copy_to(
        &self,
        target: &AttachmentStore,
        mut progress: impl FnMut(&str, u64),
    ) -> Result<CopyReport, StoreError> {
        let mut report = CopyReport::default();
        for sha256 in self.list().await? {
            let damaged = |at: &AttachmentStore| {
                StoreError::Corrupt(format!(
                    "附件 {} 在 {} 中内容与其 SHA-256 不符，迁移已停止",
                    address_of(&sha256),
                    at.describe()
                ))
            };
            let mut read = self.open_verified(&sha256).await?;
            match target.check(&sha256).await? {
                FileState::Intact => {
                    report.skipped += 1;
                    report.skipped_bytes += read.size;
                    continue;
                }
                FileState::Damaged => return Err(damaged(target)),
                FileState::Missing => {}
            }
            let mut receiving = target.receive(&sha256, u64::MAX).await?;
            while let Some(chunk) = read.chunks.next().await {
                match chunk {
                    Ok(chunk) => receiving.write(&chunk).await?,
                    Err(StoreError::Tampered { .. }) => return Err(damaged(self)),
                    Err(other) => return Err(other),
                }
            }
            let upload = receiving.finish().await?;
            target.keep(&upload).await?;
            let size = upload.size;
            upload.discard().await?;
            if target.check(&sha256).await? != FileState::Intact {
                return Err(damaged(target));
            }
            report.copied += 1;
            report.copied_bytes += size;
            progress(&sha256, size);
        }
        Ok(report)
    }
}

/// What [`AttachmentStore::check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    Intact,
    Missing,
    /// There, with content that does not have its digest.
    Damaged,
}

/// A stored file being read: its size as stored, and its content in chunks, checked against
/// its digest as they pass (see [`AttachmentStore::open_verified`]).
pub struct VerifiedRead {
    pub size: u64,
    pub chunks: BoxStream<'static, Result<Bytes, StoreError>>,
}

/// Hashes the chunks as they pass and, at the end, yields `Tampered` instead of ending when
/// the digest differs. The mismatch is logged and counted here, once for every reader (a
/// download, an archive, a check), so it is never silently dropped.
fn verify_stream(
    expected: String,
    chunks: BoxStream<'static, Result<Bytes, StoreError>>,
) -> BoxStream<'static, Result<Bytes, StoreError>> {
    struct State {
        chunks: BoxStream<'static, Result<Bytes, StoreError>>,
        hasher: Option<Sha256>,
        expected: String,
    }
    let state = State {
        chunks,
        hasher: Some(Sha256::new()),
        expected,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        let hasher = state.hasher.as_mut()?;
        match state.chunks.next().await {
            Some(Ok(chunk)) => {
                hasher.update(&chunk);
                Some((Ok(chunk), state))
            }
            Some(Err(e)) => {
                state.hasher = None;
                Some((Err(e), state))
            }
            None => {
                let actual = hex::encode(state.hasher.take()?.finalize());
                if actual == state.expected {
                    return None;
                }
                crate::stats::ATTACHMENTS_TAMPERED.add(1);
                tracing::error!(
                    expected = %state.expected,
                    %actual,
                    "attachment content does not match its SHA-256; read refused"
                );
                let error = StoreError::Tampered {
                    expected: state.expected.clone(),
                    actual,
                };
                Some((Err(error), state))
            }
        }
    })
    .boxed()
}

/// A local file in chunks of `READ_CHUNK`.
fn file_chunks(
    file: tokio::fs::File,
    path: PathBuf,
) -> BoxStream<'static, Result<Bytes, StoreError>> {
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(Some((file, path)), |state| async move {
        let (mut file, path) = state?;
        let mut buffer = vec![0; READ_CHUNK];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(Bytes::from(buffer)), Some((file, path))))
            }
            Err(source) => Some((Err(StoreError::Io { path, source }), None)),
        }
    })
    .boxed()
}

/// The digests of the files under a local store's root.
fn list_dir(root: &Path) -> Result<Vec<String>, StoreError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    let mut files = Vec::new();
    let Ok(dirs) = std::fs::read_dir(root) else {
        return Ok(files);
    };
    for dir in dirs {
        let dir = dir.map_err(io(root))?;
        if !dir.file_type().map_err(io(&dir.path()))?.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path()).map_err(io(&dir.path()))? {
            let name = file.map_err(io(&dir.path()))?.file_name();
            let name = name.to_string_lossy();
            if is_digest(&name) {
                files.push(name.into_owned());
            }
        }
    }
    Ok(files)
}

/// Whether the bucket holds an object at `key`.
async fn exists(client: &AmazonS3, key: &ObjectPath) -> Result<bool, StoreError> {
    match client.head(key).await {
        Ok(_) => Ok(true),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(object_error(key)(e)),
    }
}

fn object_error(key: &ObjectPath) -> impl Fn(object_store::Error) -> StoreError + use<> {
    let key = key.to_string();
    move |source| StoreError::ObjectStorage {
        key: key.clone(),
        away: is_away(&source),
        reason: source.to_string(),
    }
}

/// Whether the bucket could not be reached or failed on its side (a connection refused,
/// dropped or timed out; 5xx, 429, 408), after the client's retries: worth "try again
/// shortly". The client names some refusals (401, 403, 404, 409, 412) and leaves the rest,
/// outages and other refusals alike, as `Generic`; a 4xx among those (a 404 NoSuchBucket from
/// a listing, a 400) is refused for good: the operator's configuration, not a pause.
fn is_away(error: &object_store::Error) -> bool {
    matches!(error, object_store::Error::Generic { .. }) && refused_status(error).is_none()
}

/// The 3xx or 4xx status a request was refused with, found along the error's sources. The
/// client's error carrying the status is private to it, so the status is read from the text
/// it gives ("Server returned non-2xx status code: 404 Not Found: …"); a redirect without a
/// place to go (a wrong region) counts as a 301.
fn refused_status(error: &object_store::Error) -> Option<u16> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = next {
        if cause
            .downcast_ref::<object_store::client::HttpError>()
            .is_some()
        {
            // No answer came (connect, timeout, a dropped connection).
            return None;
        }
        let text = cause.to_string();
        if text.starts_with("Received redirect without LOCATION") {
            return Some(301);
        }
        let status = text
            .strip_prefix("Server returned non-2xx status code: ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse::<u16>().ok());
        if let Some(status) = status {
            // S3 answers a body that came too slowly with 400 RequestTimeout: a pause too.
            let timed_out = text.contains("<Code>RequestTimeout</Code>");
            return (status < 500 && status != 408 && status != 429 && !timed_out)
                .then_some(status);
        }
        next = cause.source();
    }
    None
}

/// A 404 that is about the bucket, not the object: every file would read as missing, when
/// the configuration names a bucket that does not exist.
fn no_such_bucket(error: &object_store::Error) -> bool {
    error.to_string().contains("<Code>NoSuchBucket</Code>")
}

/// How long a request to the bucket is retried before the bucket counts as away. The client's
/// default retries for up to three minutes, which held a download or an upload that long
/// before it failed; a few quick tries ride out a blip, and an outage is answered at once.
fn bucket_retry() -> object_store::RetryConfig {
    object_store::RetryConfig {
        backoff: object_store::BackoffConfig {
            init_backoff: std::time::Duration::from_millis(100),
            max_backoff: std::time::Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: std::time::Duration::from_secs(15),
    }
}

/// A name for a temporary upload key that no other upload picks.
fn random_name() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// How many leading bytes are kept for telling the media type (the longest signature, WebP's,
/// is 12).
const HEAD: usize = 16;

/// A file arriving in pieces: written to a temporary file or key, hashed and counted as it
/// comes, and refused the moment it passes its limit, so no upload is ever held in memory
/// whole.
pub struct Receiving {
    sink: Sink,
    hasher: Sha256,
    size: u64,
    limit: u64,
    file_name: String,
    head: Vec<u8>,
    text: TextCheck,
}

enum Sink {
    File(tempfile::NamedTempFile),
    Object(ObjectSink),
    /// A file the caller holds whole already (`AttachmentStore::upload` to a bucket).
    Memory(Vec<u8>),
}

/// A multipart upload to a temporary key. Dropped before it finishes (a refused or broken
/// upload), it is aborted in the background so the bucket keeps no parts.
struct ObjectSink {
    writer: Option<WriteMultipart>,
    client: Arc<AmazonS3>,
    key: ObjectPath,
    cleanups: Cleanups,
}

impl Drop for ObjectSink {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            self.cleanups.start(async move {
                let _ = writer.abort().await;
            });
        }
    }
}

impl Receiving {
    fn new(sink: Sink, file_name: &str, limit: u64) -> Receiving {
        Receiving {
            sink,
            hasher: Sha256::new(),
            size: 0,
            limit,
            file_name: file_name.to_string(),
            head: Vec::with_capacity(HEAD),
            text: TextCheck::default(),
        }
    }

    /// Appends the next piece; past the limit the temporary file is dropped (deleted) with the
    /// error, so nothing half-received stays behind.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
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
        match &mut self.sink {
            Sink::File(file) => file.write_all(chunk).map_err(|source| StoreError::Io {
                path: file.path().to_path_buf(),
                source,
            }),
            Sink::Object(sink) => {
                let Some(writer) = sink.writer.as_mut() else {
                    return Err(StoreError::Corrupt("上传已结束".to_string()));
                };
                // Back-pressure: wait while the pieces in flight fill the allowance.
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(object_error(&sink.key))?;
                writer.write(chunk);
                Ok(())
            }
            Sink::Memory(bytes) => {
                bytes.extend_from_slice(chunk);
                Ok(())
            }
        }
    }

    /// The complete file: synced to disk (on a blocking thread) or its multipart upload
    /// completed, still under its temporary name until `keep`.
    pub async fn finish(self) -> Result<Upload, StoreError> {
        let Receiving {
            sink,
            hasher,
            size,
            head,
            text,
            ..
        } = self;
        let staged = match sink {
            Sink::File(file) => {
                let path = file.path().to_path_buf();
                let synced = tokio::task::spawn_blocking(move || {
                    file.as_file().sync_all().map(|()| file.into_temp_path())
                })
                .await
                .map_err(|e| StoreError::Corrupt(format!("上传保存失败：{e}")))?;
                Staged::File(synced.map_err(|source| StoreError::Io { path, source })?)
            }
            Sink::Object(mut sink) => {
                let Some(writer) = sink.writer.take() else {
                    return Err(StoreError::Corrupt("上传已结束".to_string()));
                };
                writer.finish().await.map_err(object_error(&sink.key))?;
                Staged::Object(StagedObject {
                    client: sink.client.clone(),
                    key: sink.key.clone(),
                    deleted: false,
                    cleanups: sink.cleanups.clone(),
                })
            }
            Sink::Memory(bytes) => Staged::Memory(Bytes::from(bytes)),
        };
        Ok(Upload {
            staged,
            sha256: hex::encode(hasher.finalize()),
            size,
            head,
            text: text.is_text(),
        })
    }
}

/// A received file under a temporary name, deleted when dropped (kept or not: keeping made
/// its own link or copy).
#[derive(Debug)]
pub struct Upload {
    staged: Staged,
    pub sha256: String,
    pub size: u64,
    head: Vec<u8>,
    text: bool,
}

#[derive(Debug)]
enum Staged {
    File(tempfile::TempPath),
    Object(StagedObject),
    Memory(Bytes),
}

/// A temporary key in the bucket, deleted in the background when dropped (unless
/// `Upload::discard` deleted it already).
#[derive(Debug)]
struct StagedObject {
    client: Arc<AmazonS3>,
    key: ObjectPath,
    deleted: bool,
    cleanups: Cleanups,
}

impl Drop for StagedObject {
    fn drop(&mut self) {
        if self.deleted {
            return;
        }
        let (client, key) = (self.client.clone(), self.key.clone());
        self.cleanups.start(async move {
            if let Err(e) = client.delete(&key).await {
                tracing::warn!(%key, error = %e, "temporary upload not deleted");
            }
        });
    }
}

impl Upload {
    /// The received bytes, for a reader that needs them whole (a spreadsheet import); the size
    /// was bounded while they arrived.
    pub async fn read(&self) -> Result<Vec<u8>, StoreError> {
        match &self.staged {
            Staged::File(file) => tokio::fs::read(&file)
                .await
                .map_err(|source| StoreError::Io {
                    path: file.to_path_buf(),
                    source,
                }),
            Staged::Object(staged) => {
                let error = object_error(&staged.key);
                let found = staged.client.get(&staged.key).await.map_err(&error)?;
                Ok(found.bytes().await.map_err(&error)?.to_vec())
            }
            Staged::Memory(bytes) => Ok(bytes.to_vec()),
        }
    }

    /// Deletes the temporary key now rather than in the background on drop: for a process
    /// about to end, whose background work would be cut off.
    pub async fn discard(mut self) -> Result<(), StoreError> {
        if let Staged::Object(staged) = &mut self.staged {
            staged
                .client
                .delete(&staged.key)
                .await
                .map_err(object_error(&staged.key))?;
            staged.deleted = true;
        }
        Ok(())
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
    pub fn attachments(&self) -> &AttachmentStore {
        &self.attachments
    }

    /// Waits for the temporary objects dropped uploads left to be deleted (see `Cleanups`).
    pub(crate) async fn settle_attachments(&self) {
        self.attachments.cleanups.settle().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client's `Generic` error with `text` as its source, as it reports an answer.
    fn answered(text: &str) -> object_store::Error {
        object_store::Error::Generic {
            store: "S3",
            source: text.to_string().into(),
        }
    }

    /// A refusal is the configuration's and stays; a slow body, a server error or a throttle
    /// is a pause, worth trying again.
    #[test]
    fn refusals_and_pauses_are_told_apart_by_the_answer() {
        let refused = answered(
            "Server returned non-2xx status code: 403 Forbidden: <Code>AccessDenied</Code>",
        );
        assert!(!is_away(&refused));
        for pause in [
            "Server returned non-2xx status code: 400 Bad Request: <Error><Code>RequestTimeout</Code></Error>",
            "Server returned non-2xx status code: 503 Service Unavailable: ",
            "Server returned non-2xx status code: 429 Too Many Requests: ",
        ] {
            assert!(is_away(&answered(pause)), "{pause}");
        }
    }

    #[tokio::test]
    async fn identical_content_is_stored_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = AttachmentStore::new(dir.path());
        let first = store.put("验收意见".as_bytes()).await.unwrap();
        let second = store.put("验收意见".as_bytes()).await.unwrap();
        assert!(first.newly_written);
        assert!(!second.newly_written);
        assert_eq!(first.sha256, second.sha256);
        assert_eq!(
            store.get_verified(&first.sha256).await.unwrap(),
            "验收意见".as_bytes()
        );
        let files = std::fs::read_dir(dir.path().join("sha256").join(&first.sha256[..2]))
            .unwrap()
            .count();
        assert_eq!(files, 1);
    }

    #[tokio::test]
    async fn nothing_is_written_until_a_file_is_stored_and_bad_digests_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = AttachmentStore::new(&dir.path().join("data"));
        assert!(!dir.path().join("data").exists());
        assert!(store.path_of("../../etc/passwd").is_none());
        assert!(matches!(
            store.get_verified("zz").await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    #[tokio::test]
    async fn a_local_file_changed_on_disk_streams_to_an_error_instead_of_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let store = AttachmentStore::new(dir.path());
        let content: Vec<u8> = (0..3 * READ_CHUNK + 5).map(|i| (i % 199) as u8).collect();
        let kept = store.put(&content).await.unwrap();
        let mut read = store.open_verified(&kept.sha256).await.unwrap();
        let mut whole = Vec::new();
        while let Some(chunk) = read.chunks.next().await {
            whole.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(whole, content);

        let mut altered = content.clone();
        altered[2 * READ_CHUNK] ^= 1;
        std::fs::write(store.path_of(&kept.sha256).unwrap(), &altered).unwrap();
        let before = crate::stats::ATTACHMENTS_TAMPERED.get();
        let mut read = store.open_verified(&kept.sha256).await.unwrap();
        let mut items = Vec::new();
        while let Some(chunk) = read.chunks.next().await {
            items.push(chunk);
        }
        let (last, chunks) = items.split_last().unwrap();
        let passed: usize = chunks.iter().map(|c| c.as_ref().unwrap().len()).sum();
        assert_eq!(
            passed,
            altered.len(),
            "every byte passes before the verdict"
        );
        assert!(matches!(last, Err(StoreError::Tampered { .. })), "{last:?}");
        assert!(crate::stats::ATTACHMENTS_TAMPERED.get() > before);
        assert_eq!(store.check(&kept.sha256).await.unwrap(), FileState::Damaged);
    }
}

#[cfg(test)]
mod location_tests {
    use super::*;

    #[test]
    fn an_s3_address_is_read_and_a_bad_one_named() {
        let at = S3Location::parse("s3://rectify-files/city/files/").unwrap();
        assert_eq!(at.bucket, "rectify-files");
        assert_eq!(at.prefix, "city/files");
        assert_eq!(at.url(), "s3://rectify-files/city/files");
        assert_eq!(
            at.key(&address_of(&"ab".repeat(32))).to_string(),
            format!("city/files/sha256/ab/{}", "ab".repeat(32))
        );
        assert_eq!(S3Location::parse("s3://bucket").unwrap().prefix, "");
        for bad in [
            "/data",
            "s3://",
            "s3://Upper/x",
            "s3://b",
            "s3://bkt/a//b",
            "s3://bkt/../x",
        ] {
            let error = S3Location::parse(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{bad}: {error}");
        }
    }
}
