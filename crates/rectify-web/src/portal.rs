//! The public portal (公众门户): no login, read-only, served only from the latest approved
//! publication, so it cannot show a field that was not published. Every page carries the
//! snapshot date and an ETag of the publication; the objection form is the one write, and it
//! is throttled per client address, with a honeypot field for bots.

use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rectify_core::org::Role;
use rectify_core::time::shown_date;
use rectify_core::workflow::Actor;
use rectify_io::publish::{PortalContent, PublicItem, PublicNotice, PublicPlan};
use rectify_store::StoreError;
use rectify_store::publications::Publication;
use rectify_store::workflow::ItemRef;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

/// Objections one address may post per hour unless the setting `portal.objections_per_hour`
/// says otherwise.
const OBJECTIONS_PER_HOUR: u32 = 5;
const MAX_OBJECTION_CHARS: usize = 2000;

/// What every portal page shows in its footer.
struct Stamp {
    version: u32,
    snapshot_on: String,
    /// The Beijing date of the approval.
    approved_on: String,
}

#[derive(Template)]
#[template(path = "portal_index.html")]
struct IndexPage<'a> {
    stamp: Stamp,
    content: &'a PortalContent,
    items: usize,
    signed_off: usize,
}

#[derive(Template)]
#[template(path = "portal_items.html")]
struct ItemsPage<'a> {
    stamp: Stamp,
    title: &'static str,
    plans: Vec<PlanView<'a>>,
    with_progress: bool,
}

/// A plan with the items one page shows.
struct PlanView<'a> {
    plan: &'a PublicPlan,
    items: Vec<&'a PublicItem>,
}

#[derive(Template)]
#[template(path = "portal_notices.html")]
struct NoticesPage<'a> {
    stamp: Stamp,
    notices: &'a [PublicNotice],
    message: Option<String>,
}

#[derive(Template)]
#[template(path = "portal_complaints.html")]
struct ComplaintsPage<'a> {
    stamp: Stamp,
    content: &'a PortalContent,
}

#[derive(Template)]
#[template(path = "portal_registers.html")]
struct RegistersPage<'a> {
    stamp: Stamp,
    registers: &'a [rectify_io::publish::PublicRegister],
}

#[derive(Template)]
#[template(path = "portal_environment.html")]
struct EnvironmentPage<'a> {
    stamp: Stamp,
    paragraphs: &'a [String],
}

#[derive(Template)]
#[template(path = "portal_message.html")]
struct MessagePage {
    title: &'static str,
    message: String,
}

/// The newest publication, read and parsed once per version: a portal request costs one
/// `MAX(version)` query while nothing new is published.
#[derive(Default)]
pub struct PortalCache(tokio::sync::Mutex<Option<Arc<(Publication, PortalContent)>>>);

async fn published(
    state: &AppState,
) -> Result<Option<Arc<(Publication, PortalContent)>>, StoreError> {
    let Some(version) = state.store.latest_publication_version().await? else {
        return Ok(None);
    };
    let mut cached = state.portal.0.lock().await;
    if let Some(current) = cached.as_ref().filter(|c| c.0.version == version) {
        return Ok(Some(current.clone()));
    }
    let Some(mut publication) = state.store.latest_publication().await? else {
        return Ok(None);
    };
    let content: PortalContent =
        serde_json::from_value(std::mem::take(&mut publication.content))
            .map_err(|e| StoreError::Invalid(format!("发布内容无法读取：{e}")))?;
    let current = Arc::new((publication, content));
    *cached = Some(current.clone());
    Ok(Some(current))
}

fn stamp(publication: &Publication) -> Stamp {
    Stamp {
        version: publication.version,
        snapshot_on: publication.snapshot_on.to_string(),
        approved_on: shown_date(&publication.approved_at),
    }
}

fn etag(publication: &Publication, page: &str) -> String {
    format!(
        "\"{page}-{}\"",
        publication.sha256.get(..16).unwrap_or_default()
    )
}

/// Renders a page of the latest publication, or answers 304 when the client has it already.
async fn serve(
    state: &AppState,
    headers: &HeaderMap,
    page: &str,
    build: impl FnOnce(&Publication, &PortalContent) -> Result<String, askama::Error>,
) -> Response {
    let found = match published(state).await {
        Ok(found) => found,
        Err(e) => return store_failure(e),
    };
    let Some(current) = found else {
        return message(
            StatusCode::OK,
            "尚未发布",
            "整改信息尚未发布，请稍后访问。".into(),
        );
    };
    let (publication, content) = current.as_ref();
    let tag = etag(publication, page);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(tag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, cache_headers(&tag)).into_response();
    }
    match build(publication, content) {
        Ok(html) => (cache_headers(&tag), axum::response::Html(html)).into_response(),
        Err(e) => failure(e.to_string()),
    }
}

fn cache_headers(tag: &str) -> [(header::HeaderName, HeaderValue); 2] {
    [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(tag).unwrap_or(HeaderValue::from_static("\"0\"")),
        ),
    ]
}

fn failure(error: String) -> Response {
    tracing::error!(error, "portal page failed");
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "暂时无法访问",
        "页面生成失败，请稍后再试。".into(),
    )
}

/// A failed read or write of the store: while the database is away the page says so (503,
/// the message every page gives), otherwise as `failure`.
fn store_failure(error: StoreError) -> Response {
    if error.is_unavailable() {
        tracing::error!(error = %error, "portal page: database unavailable");
        let mut page = message(
            StatusCode::SERVICE_UNAVAILABLE,
            "暂时无法访问",
            crate::error::UNAVAILABLE.into(),
        );
        page.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return page;
    }
    failure(error.to_string())
}

fn message(status: StatusCode, title: &'static str, message: String) -> Response {
    match (MessagePage { title, message }).render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    serve(&state, &headers, "index", |publication, content| {
        let items = content.plans.iter().map(|p| p.items.len()).sum();
        let signed_off = content
            .plans
            .iter()
            .flat_map(|p| &p.items)
            .filter(|i| i.signed_off)
            .count();
        IndexPage {
            stamp: stamp(publication),
            content,
            items,
            signed_off,
        }
        .render()
    })
    .await
}

pub async fn items(State(state): State<AppState>, headers: HeaderMap) -> Response {
    items_page(state, headers, ("items", "整改任务及进度"), |_| true).await
}

pub async fn signed_off(State(state): State<AppState>, headers: HeaderMap) -> Response {
    items_page(state, headers, ("signed-off", "已销号任务"), |i| {
        i.signed_off
    })
    .await
}

async fn items_page(
    state: AppState,
    headers: HeaderMap,
    (page, title): (&str, &'static str),
    keep: fn(&PublicItem) -> bool,
) -> Response {
    serve(&state, &headers, page, |publication, content| {
        let with_progress = publication.scope.iter().any(|s| s == "progress");
        let plans = content
            .plans
            .iter()
            .map(|plan| PlanView {
                plan,
                items: plan.items.iter().filter(|i| keep(i)).collect(),
            })
            .collect();
        ItemsPage {
            stamp: stamp(publication),
            title,
            plans,
            with_progress,
        }
        .render()
    })
    .await
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    sent: Option<u8>,
}

pub async fn notices(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let message = query
        .sent
        .map(|_| "您的意见已提交，我们将在公示期内核实处理。感谢您的监督！".to_string());
    let page = if message.is_some() {
        "notices-sent"
    } else {
        "notices"
    };
    serve(&state, &headers, page, |publication, content| {
        NoticesPage {
            stamp: stamp(publication),
            notices: &content.notices,
            message,
        }
        .render()
    })
    .await
}

pub async fn complaints(State(state): State<AppState>, headers: HeaderMap) -> Response {
    serve(&state, &headers, "complaints", |publication, content| {
        ComplaintsPage {
            stamp: stamp(publication),
            content,
        }
        .render()
    })
    .await
}

pub async fn environment(State(state): State<AppState>, headers: HeaderMap) -> Response {
    serve(&state, &headers, "environment", |publication, content| {
        EnvironmentPage {
            stamp: stamp(publication),
            paragraphs: &content.environment,
        }
        .render()
    })
    .await
}

pub async fn registers(State(state): State<AppState>, headers: HeaderMap) -> Response {
    serve(&state, &headers, "registers", |publication, content| {
        RegistersPage {
            stamp: stamp(publication),
            registers: &content.registers,
        }
        .render()
    })
    .await
}

#[derive(Deserialize)]
pub struct ObjectionForm {
    plan: String,
    number: u32,
    content: String,
    #[serde(default)]
    contact: String,
    /// Hidden from people by the stylesheet; only bots fill it in.
    #[serde(default)]
    website: String,
}

/// The objections the portal records appear in the office's journal as this account.
fn portal_actor() -> Actor {
    Actor {
        username: "portal".into(),
        roles: vec![Role::Office],
        unit_id: 0,
    }
}

pub async fn object(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<ObjectionForm>,
) -> Response {
    match record(&state, peer, &headers, form).await {
        Ok(()) => Redirect::to("/public/notices?sent=1").into_response(),
        Err(response) => response,
    }
}

async fn record(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    form: ObjectionForm,
) -> Result<(), Response> {
    let limit = state
        .store
        .setting_u32("portal.objections_per_hour")
        .await
        .map_err(store_failure)?
        .unwrap_or(OBJECTIONS_PER_HOUR);
    let address = crate::auth::client_address(state, peer, headers)
        .await
        .map_err(store_failure)?;
    let allowed = state
        .store
        .public_post_allowed(&address, limit)
        .await
        .map_err(store_failure)?;
    if !allowed {
        return Err(message(
            StatusCode::TOO_MANY_REQUESTS,
            "提交过于频繁",
            "同一网络提交次数过多，请一小时后再试，或拨打公示中的监督电话。".into(),
        ));
    }
    if !form.website.is_empty() {
        // A bot: answered like a person so it learns nothing, recorded nowhere.
        return Ok(());
    }
    let content = form.content.trim();
    if content.chars().count() < 5 || content.chars().count() > MAX_OBJECTION_CHARS {
        return Err(message(
            StatusCode::BAD_REQUEST,
            "意见未提交",
            format!("请填写 5 至 {MAX_OBJECTION_CHARS} 字的意见内容。"),
        ));
    }
    let not_on_notice = || {
        message(
            StatusCode::BAD_REQUEST,
            "意见未提交",
            "该整改任务当前不在公示期内，无法提交异议。".into(),
        )
    };
    // Only a notice the live portal shows takes objections: the newest publication's.
    let published = published(state).await.map_err(store_failure)?;
    let on_portal = published.is_some_and(|p| {
        p.1.notices
            .iter()
            .any(|n| n.plan == form.plan && n.number == form.number)
    });
    if !on_portal {
        return Err(not_on_notice());
    }
    let today = rectify_store::today_china();
    let calendar = state.store.work_calendar().await.map_err(store_failure)?;
    let item = ItemRef {
        plan: Some(form.plan.as_str()),
        number: form.number,
    };
    let contact = form.contact.trim().chars().take(200).collect::<String>();
    match state
        .store
        .record_objection(
            &portal_actor(),
            item,
            ("门户网站", content, &contact),
            today,
            &calendar,
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Refused(_) | StoreError::NotFound { .. }) => Err(not_on_notice()),
        Err(e) => Err(store_failure(e)),
    }
}
