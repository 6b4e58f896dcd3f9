//! Evidence files of the items in the user's scope: as a download, or previewed inline when
//! an image or a PDF.

use crate::AppState;
use crate::auth::Session;
use crate::caches::visible_by_id;
use crate::error::{PageResult, WebError};
use crate::extract::Path;
use crate::kit::{attachment, inline_or_download, stored_file};
use axum::body::Body;
use axum::extract::State;
use rectify_store::StoreError;

/// The evidence record and its file's body, for a viewer who may see its item.
async fn evidence_for(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<(rectify_store::workflow::Evidence, Body), WebError> {
    let evidence = state.store.evidence(id).await?;
    visible_by_id(state, &session.viewer, evidence.item_id).await?;
    match stored_file(&state.store, &evidence.sha256, evidence.size).await {
        Ok(body) => Ok((evidence, body)),
        Err(StoreError::Tampered { .. }) => Err(WebError::Forbidden(
            "文件内容与登记的 SHA-256 不符，已拒绝下载".into(),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Always a download: a file is never rendered by the browser from here.
pub async fn evidence_download(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> PageResult {
    let (evidence, body) = evidence_for(&state, &session, id).await?;
    Ok(attachment(evidence.id, &evidence.file_name, body))
}

/// Images and PDFs shown inline, under a sandboxing policy; anything else downloads.
pub async fn evidence_preview(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> PageResult {
    let (evidence, body) = evidence_for(&state, &session, id).await?;
    Ok(inline_or_download(
        evidence.id,
        &evidence.file_name,
        &evidence.media_type,
        body,
    ))
}
