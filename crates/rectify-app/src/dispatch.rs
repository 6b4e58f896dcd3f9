//! The dispatch round's documents: an issued step (提醒函, 催办函, 督办单, 约谈建议) as the
//! office prints it, for the CLI and the web alike.

use rectify_core::dispatch::IssuedStep;
use rectify_io::bulletin::{bulletin_docx, escalation_document};
use rectify_store::{Store, StoreError};

/// The issued step `id` and its docx, or `None` when there is no such step.
pub async fn notice_docx(
    store: &Store,
    id: i64,
) -> Result<Option<(IssuedStep, Vec<u8>)>, StoreError> {
    let Some(step) = store
        .escalations(None)
        .await?
        .into_iter()
        .find(|s| s.id == id)
    else {
        return Ok(None);
    };
    let issuer = store.bulletin_issuer().await?;
    let year = step.issued_on.get(..4).unwrap_or("");
    let doc = escalation_document(&step, &issuer, year);
    let bytes = bulletin_docx(&doc).map_err(StoreError::Invalid)?;
    Ok(Some((step, bytes)))
}
