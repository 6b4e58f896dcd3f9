//! Uploaded spreadsheets are parsed on blocking threads, a few at a time: a large file then
//! neither stalls the async workers (so `/healthz` and every page keep answering) nor, with
//! several uploads at once, multiplies the memory one parse may take (`SheetLimits`).

use rectify_store::StoreError;

/// Runs `parse` on a blocking thread once a permit is free; further uploads wait their turn.
pub(crate) async fn off_thread<T: Send + 'static>(
    state: &crate::AppState,
    parse: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    let _permit = state
        .parsing
        .acquire()
        .await
        .map_err(|_| StoreError::Invalid("文件解析已停止".into()))?;
    tokio::task::spawn_blocking(parse)
        .await
        .map_err(|e| StoreError::Corrupt(format!("文件解析任务失败（{e}）")))
}
