//! The small toolkit the pages share: rendering, the signed-in user as the workflow's actor, the
//! item's address and query, the answers of a form (back with a message) and of a download, the
//! measures as the item and report pages list them, the 进度 filter's values and action labels.

use crate::auth::Session;
use crate::encode::url_encode;
use crate::error::PageResult;
use askama::Template;
use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use rectify_core::ledger::Standing;
use rectify_core::workflow::{ActionKind, Actor};
use rectify_store::ledger::StoredItem;
use rectify_store::workflow::{ItemRef, ItemWorkflow};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn render(page: impl Template) -> PageResult {
    let html = page.render()?;
    Ok(Html(html).into_response())
}

pub(crate) fn actor(session: &Session) -> Actor {
    Actor {
        username: session.user.username.clone(),
        roles: session.user.roles.clone(),
        unit_id: session.user.unit_id,
    }
}

/// The stored item as the store addresses it (plan and number).
pub(crate) fn item_at(stored: &StoredItem) -> ItemRef<'_> {
    ItemRef {
        plan: Some(&stored.plan),
        number: stored.item.number,
    }
}

/// Where an item was addressed: its number in the path, its plan in the query when needed.
#[derive(Deserialize, Default)]
pub struct ItemQuery {
    pub(crate) plan: Option<String>,
    pub(crate) done: Option<String>,
}

#[derive(Deserialize)]
pub struct FlashQuery {
    pub(crate) done: Option<String>,
}

pub(crate) use rectify_core::text::short;

/// Redirects back to the item with a message, the result of a form, signed for the session
/// (`flash`): only the session that sent the form sees it.
pub(crate) fn back_to(session: &Session, path: &str, message: &str) -> Response {
    // The message goes in the query, before a `#section` the page scrolls to.
    let (path, fragment) = path.split_once('#').map_or((path, ""), |(p, f)| (p, f));
    let joiner = if path.contains('?') { '&' } else { '?' };
    let fragment = if fragment.is_empty() {
        String::new()
    } else {
        format!("#{fragment}")
    };
    Redirect::to(&format!(
        "{path}{joiner}done={}{fragment}",
        crate::flash::signed(session, message)
    ))
    .into_response()
}

/// A generated document as a download: an ASCII name for old clients and its Chinese name
/// (RFC 5987) for the rest.
pub(crate) fn named_download(
    ascii: &str,
    name: &str,
    media_type: &'static str,
    bytes: Vec<u8>,
) -> Response {
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(name)
    );
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The media type of an xlsx workbook.
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook as a download named `file_name` (ASCII).
pub(crate) fn xlsx_download(file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(XLSX)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A stored file as a download, named by its id and extension, with its own name for clients
/// that read RFC 5987.
pub(crate) fn attachment(id: i64, file_name: &str, body: impl Into<Body>) -> Response {
    let name = format!(
        "evidence-{id}.{}",
        file_name.rsplit('.').next().unwrap_or("bin")
    );
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        url_encode(&name),
        url_encode(file_name)
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// Files up to this size are read whole and checked before the answer starts, so a changed
/// one is refused with a page; bigger ones stream (see [`stored_file`]).
const CHECKED_BEFORE_SENDING: i64 = 1024 * 1024;

/// A stored file as a response body. A small file is read and checked first. A bigger one
/// streams from storage chunk by chunk while it is hashed, and when its content turns out
/// changed the body ends in an error instead of its last chunk: the connection is cut, so the
/// browser reports a failed download rather than saving a complete-looking wrong file (the
/// store logs and counts it).
pub(crate) async fn stored_file(
    store: &rectify_store::Store,
    sha256: &str,
    size: i64,
) -> Result<Body, rectify_store::StoreError> {
    if size <= CHECKED_BEFORE_SENDING {
        return Ok(Body::from(store.attachments().get_verified(sha256).await?));
    }
    let read = store.attachments().open_verified(sha256).await?;
    Ok(Body::from_stream(read.chunks))
}

/// An image or a PDF shown inline under a sandboxing policy; any other file as a download.
pub(crate) fn inline_or_download(
    id: i64,
    file_name: &str,
    media_type: &str,
    body: Body,
) -> Response {
    let inline = matches!(
        media_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
    );
    if !inline {
        return attachment(id, file_name, body);
    }
    let media = HeaderValue::from_str(media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, media),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "sandbox; default-src 'none'; img-src 'self'; object-src 'self'",
                ),
            ),
        ],
        body,
    )
        .into_response()
}

pub(crate) struct MeasureLine {
    pub(crate) text: String,
    pub(crate) done_on: Option<String>,
    pub(crate) done: bool,
}

/// Each measure with its completion date.
pub(crate) fn measure_lines(
    item: &rectify_core::ledger::Item,
    workflow: &ItemWorkflow,
) -> Vec<MeasureLine> {
    let done = workflow
        .measures_done_on
        .iter()
        .chain(std::iter::repeat(&None));
    item.measures
        .iter()
        .zip(done)
        .map(|(m, done)| MeasureLine {
            text: m.text.clone(),
            done: done.is_some(),
            done_on: done.clone(),
        })
        .collect()
}

/// The 进度 filter's value for items whose final date a person must set: a flag beside the
/// colour (`Standing::undated`), offered with the colours in the filter and on the dashboard.
pub(crate) const UNDATED: &str = "undated";
pub(crate) const UNDATED_LABEL: &str = "时限待定";

/// Whether an item's standing is what the 进度 filter asks for (empty: anything).
pub(crate) fn schedule_matches(wanted: &str, standing: &Standing) -> bool {
    match wanted {
        "" => true,
        UNDATED => standing.undated,
        code => standing.schedule.code() == code,
    }
}

pub(crate) fn action_label(code: &str) -> String {
    match ActionKind::parse(code) {
        Some(kind) => kind.label_zh().to_string(),
        None => match code {
            "create" => "导入".to_string(),
            "update" => "导入更新".to_string(),
            "set-upper-review" => "设定上级复核".to_string(),
            other => other.to_string(),
        },
    }
}

/// Who made a change, as people read it: a user by display name, the clock, the public, the
/// command line by the system user it ran as.
pub(crate) fn actor_label(actor: &str, users: &HashMap<String, String>) -> String {
    if let Some(name) = users.get(actor) {
        return name.clone();
    }
    match actor {
        "system" => "系统（定时）".to_string(),
        "portal" => "公众（门户）".to_string(),
        "demo" => "演示数据".to_string(),
        other => match other.strip_prefix("cli:") {
            Some(os_user) => format!("命令行（系统用户 {os_user}）"),
            None => other.to_string(),
        },
    }
}

/// Every user's display name by login name, for `actor_label`.
pub(crate) async fn display_names(
    state: &crate::AppState,
) -> Result<HashMap<String, String>, rectify_store::StoreError> {
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.username, u.display_name))
        .collect())
}
