//! Uploaded spreadsheets are parsed on blocking threads, a few at a time: a large file then
//! neither stalls the async workers (so `/healthz` and every page keep answering) nor, with
//! several uploads at once, multiplies the memory one parse may take (`SheetLimits`).

use rectify_store::StoreError;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// Parses at once by default; `RECTIFY_SHEET_PARALLEL` sets another number (README, Security).
const DEFAULT_PARALLEL: usize = 2;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let parallel = std::env::var("RECTIFY_SHEET_PARALLEL")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_PARALLEL);
        Semaphore::new(parallel)
    })
}

/// Runs `parse` on a blocking thread once a permit is free; further uploads wait their turn.
pub(crate) async fn off_thread<T: Send + 'static>(
    parse: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    let _permit = permits()
        .acquire()
        .await
        .map_err(|_| StoreError::Invalid("文件解析已停止".into()))?;
    tokio::task::spawn_blocking(parse)
        .await
        .map_err(|e| StoreError::Invalid(format!("文件解析失败（{e}）")))
}
