//! The evidence files of an archive (an item's dossier, a filtered ledger's evidence), read
//! from the attachment store with their digests checked, within a bound on the whole.

use rectify_store::{Store, StoreError};

/// The most one archive may hold: it is built in memory, so one download cannot take the
/// server's memory with it.
pub const MAX_ARCHIVE_BYTES: i64 = 512 * 1024 * 1024;

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
    let attachments = store.attachments();
    tokio::task::spawn_blocking(move || {
        wanted
            .into_iter()
            .map(|w| Ok((w.path, attachments.get_verified(&w.sha256)?)))
            .collect()
    })
    .await
    .map_err(|e| StoreError::Invalid(format!("打包失败：{e}")))?
}
