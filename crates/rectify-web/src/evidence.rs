//! Evidence files of the items in the user's scope: as a download, or previewed inline when
//! an image or a PDF.

use crate::AppState;
use crate::auth::Session;
use crate::caches::visible_by_id;
use crate::error::{PageResult, WebError};
use crate::extract::Path;
use crate::kit::{attachment, inline_or_download};
use axum::extract::State;
use rectify_store::StoreError;

async fn evidence_for(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<(rectify_store::workflow::Evidence, Vec<u8>), WebError> {
    let evidence = state.store.evidence(id).await?;
    visible_by_id(state, &session.viewer, evidence.item_id).await?;
    let (evidence, bytes) = match state.store.evidence_file(id).await {
        Ok(found) => found,
        Err(StoreError::Tampered { .. }) => {
            return Err(WebError::Forbidden(
                "文件内容与登记的 SHA-256 不符，已拒绝下载".into(),
            ));
        }
        Err(other) => return Err(other.into()),
    };
    Ok((evidence, bytes))
}

/// Always a download: a file is never rendered by the browser from here.
pub async fn evidence_download(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> PageResult {
    let (evidence, bytes) = evidence_for(&state, &session, id).await?;
    Ok(attachment(evidence.id, &evidence.file_name, bytes))
}

/// Images and PDFs shown inline, under a sandboxing policy; anything else downloads.
pub async fn evidence_preview(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> PageResult {
    let (evidence, bytes) = evidence_for(&state, &session, id).await?;
    Ok(inline_or_download(
        evidence.id,
        &evidence.file_name,
        &evidence.media_type,
        bytes,
    ))
}
