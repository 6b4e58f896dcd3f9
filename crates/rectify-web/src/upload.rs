//! Uploads: refused before their body is read when they may not be taken, and streamed to
//! storage as they arrive when they may.
//!
//! An upload route takes the request body unread. Its handler resolves the session (and, for the
//! API, the CSRF header) from the headers alone, `check_declared` answers a `Content-Length`
//! over the limit with 413 at once, and the body is then read piece by piece into a temporary
//! file of the attachment store (`rectify_store::attachments::Receiving`), which refuses a body
//! without a declared length the moment it passes the limit. A 400 MB upload therefore costs a
//! few buffers, never 400 MB of memory, whether it is refused or kept. With the files in a
//! bucket the body goes out as a multipart upload instead, a few 5 MiB parts at a time.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use http_body_util::BodyExt;
use rectify_store::attachments::{Receiving, Upload};
use rectify_store::{Store, StoreError};

/// Room for a multipart form's text fields and part headers, on top of its files.
pub(crate) const FORM_OVERHEAD: u64 = 1024 * 1024;

/// An upload refused: the status to answer and what to tell the user.
pub(crate) struct Refused(pub StatusCode, pub String);

impl From<StoreError> for Refused {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::TooLarge { .. } => {
                Refused(StatusCode::PAYLOAD_TOO_LARGE, error.to_string())
            }
            full if full.is_storage_full() => Refused(
                StatusCode::INSUFFICIENT_STORAGE,
                crate::error::storage_full_message(&full),
            ),
            away if away.is_bucket_away() => Refused(
                StatusCode::SERVICE_UNAVAILABLE,
                crate::error::bucket_away_message(&away),
            ),
            refused if refused.is_bucket_refused() => Refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                crate::error::bucket_refused_message(&refused),
            ),
            other => {
                tracing::error!(error = %other, "upload failed");
                Refused(StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误".into())
            }
        }
    }
}

/// A multipart form that cannot be read: over its whole-form limit (413), its body broken off,
/// or not a form at all (400).
pub(crate) fn form_error(error: multer::Error) -> Refused {
    match error {
        multer::Error::StreamSizeExceeded { limit } => Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("表单超过上限 {limit} 字节，未接收"),
        ),
        multer::Error::StreamReadFailed(e) => broken(e.as_ref()),
        other => Refused(StatusCode::BAD_REQUEST, format!("表单无法读取：{other}")),
    }
}

/// The text fields of a form together are bounded too, or one huge field would be held in memory.
pub(crate) fn text_too_large() -> Refused {
    Refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("表单的文字内容超过上限 {FORM_OVERHEAD} 字节，未接收"),
    )
}

pub(crate) fn not_text(field: &str) -> Refused {
    Refused(
        StatusCode::BAD_REQUEST,
        format!("表单字段“{field}”不是 UTF-8 文字"),
    )
}

/// The declared length, refused when over `limit` (nothing of the body has been read).
pub(crate) fn check_declared(headers: &HeaderMap, limit: u64) -> Result<(), Refused> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit => Err(Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("上传内容有 {length} 字节，超过上限 {limit} 字节，未接收"),
        )),
        _ => Ok(()),
    }
}

/// A body that could not be read to its end: the upload broke off.
pub(crate) fn broken(error: &(dyn std::error::Error + 'static)) -> Refused {
    Refused(
        StatusCode::BAD_REQUEST,
        format!("上传未完成，已中断：{error}"),
    )
}

/// The raw request body as one file of at most `limit` bytes.
pub(crate) async fn receive_body(
    store: &Store,
    mut body: Body,
    file_name: &str,
    limit: u64,
) -> Result<Upload, Refused> {
    let mut receiving = store.attachments().receive(file_name, limit).await?;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| broken(&e))?;
        if let Some(data) = frame.data_ref() {
            receiving.write(data).await?;
        }
    }
    finish(receiving).await
}

/// The received file, complete (synced to disk, or its upload to the bucket completed), and
/// counted.
pub(crate) async fn finish(receiving: Receiving) -> Result<Upload, Refused> {
    let upload = receiving.finish().await?;
    rectify_store::stats::UPLOAD_BYTES.add(upload.size);
    Ok(upload)
}
