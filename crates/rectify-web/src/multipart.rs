//! The multipart forms of the signed-in user: their text fields, and their files streamed into
//! the attachment store as they arrive (`upload` holds the limits and the refusals).

use crate::AppState;
use crate::auth::Session;
use crate::error::WebError;
use crate::upload;
use axum::extract::Request;
use axum::http::header;
use rectify_store::attachments::Upload;
use std::collections::HashMap;

/// Multipart form fields and files, with the files' names.
#[derive(Default)]
pub(crate) struct Posted {
    pub(crate) fields: HashMap<String, Vec<String>>,
    pub(crate) files: Vec<PostedFile>,
}

/// A file from a multipart form: the form field it came in, its name, and its content, received
/// into a temporary file of the attachment store.
pub(crate) struct PostedFile {
    pub(crate) field: String,
    pub(crate) name: String,
    pub(crate) upload: Upload,
}

impl Posted {
    /// The signed-in user's multipart form (taking the session proves the caller resolved it
    /// from the headers first). The declared size is checked before any byte is read and the
    /// CSRF token before the first file, so a forged or oversized form is refused unread; files
    /// go to temporary files as they arrive, each at most `evidence.max_bytes`, the whole form
    /// at most that plus `FORM_OVERHEAD`.
    pub(crate) async fn read(
        state: &AppState,
        session: &Session,
        request: Request,
    ) -> Result<Posted, WebError> {
        let (parts, body) = request.into_parts();
        let limit = state.store.evidence_policy().await?.max_bytes;
        let whole = limit.saturating_add(upload::FORM_OVERHEAD);
        upload::check_declared(&parts.headers, whole)?;
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let boundary = multer::parse_boundary(content_type).map_err(upload::form_error)?;
        let constraints =
            multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(whole));
        let mut multipart =
            multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
        let mut posted = Posted::default();
        let mut text_bytes = 0;
        let mut csrf_checked = false;
        while let Some(mut field) = multipart.next_field().await.map_err(upload::form_error)? {
            let name = field.name().unwrap_or_default().to_string();
            let Some(file_name) = field.file_name().map(str::to_string) else {
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(upload::form_error)? {
                    text_bytes += chunk.len() as u64;
                    if text_bytes > upload::FORM_OVERHEAD {
                        return Err(upload::text_too_large().into());
                    }
                    text.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(text).map_err(|_| upload::not_text(&name))?;
                posted.fields.entry(name).or_default().push(text);
                continue;
            };
            if !csrf_checked {
                session.check_csrf(&posted.text("csrf"))?;
                csrf_checked = true;
            }
            // A file input left empty arrives as a part with no name and no content: read
            // past it without starting an upload (in a bucket that would be three requests).
            if file_name.is_empty() {
                while field.chunk().await.map_err(upload::form_error)?.is_some() {}
                continue;
            }
            let mut receiving = state
                .store
                .attachments()
                .receive(&file_name, limit)
                .await
                .map_err(upload::Refused::from)?;
            while let Some(chunk) = field.chunk().await.map_err(upload::form_error)? {
                receiving
                    .write(&chunk)
                    .await
                    .map_err(upload::Refused::from)?;
            }
            let upload = upload::finish(receiving).await?;
            if upload.size > 0 {
                posted.files.push(PostedFile {
                    field: name,
                    name: file_name,
                    upload,
                });
            }
        }
        if !csrf_checked {
            session.check_csrf(&posted.text("csrf"))?;
        }
        Ok(posted)
    }

    pub(crate) fn text(&self, name: &str) -> String {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    /// The field's first value, if the form sent it.
    pub(crate) fn field(&self, name: &str) -> Option<String> {
        self.fields.get(name).and_then(|v| v.first()).cloned()
    }
}
