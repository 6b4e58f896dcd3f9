//! The evidence files of an archive (an item's dossier, a filtered ledger's evidence), read
//! from the attachment store through its verified reader (the same one downloads stream
//! through, in the data directory or a bucket), within a bound on the whole.

use rectify_store::{Store, StoreError};

/// The most one archive may hold: it is built in memory, so one download cannot take the
/// server's memory with it.
pub const MAX_ARCHIVE_BYTES: i64 = 256 * 1024 * 1024;

/// Archives built at once in this process: with the bound above, at most this many times it
/// in memory, however many people ask at once (the others wait their turn).
static BUILDING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// A turn to build an archive, held while its files are read and packed.
pub async fn turn() -> Result<tokio::sync::SemaphorePermit<'static>, StoreError> {
    BUILDING
        .acquire()
        .await
        .map_err(|_| StoreError::Invalid("打包服务已停止".into()))
}

/// A file to put in an archive: its path there, its digest and its size as stored.
pub struct Wanted {
    pub path: String,
    pub sha256: String,
    pub size: i64,
}

/// The files' bytes under their paths. The sizes are added up before anything is read; past
/// `MAX_ARCHIVE_BYTES` the archive is refused with what to do instead.
pub async fn read_files(
    store: &Store,
    wanted: Vec<Wanted>,
) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let total: i64 = wanted.iter().map(|w| w.size.max(0)).sum();
    if total > MAX_ARCHIVE_BYTES {
        return Err(StoreError::Refused(format!(
            "所选材料共 {} MB，超过单次打包上限 {} MB，请缩小筛选范围后分批下载",
            total / (1024 * 1024),
            MAX_ARCHIVE_BYTES / (1024 * 1024)
        )));
    }
    let mut files = Vec::with_capacity(wanted.len());
    for w in wanted {
        files.push((w.path, store.attachments().get_verified(&w.sha256).await?));
    }
    Ok(files)
}
