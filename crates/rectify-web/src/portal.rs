//! The public portal (公众门户): no login, read-only, served from the latest approved
//! publication, so it cannot show a field that was not published. Every page carries the
//! snapshot date and an ETag of the publication. Public notices are the exception: a notice is
//! public the moment it is recorded and never after its last day, so that page is built live
//! (with the publication's texts where it has the item). The objection form is the one write,
//! and it is throttled per client address, with a honeypot field for bots.

use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rectify_app::publish::running_notices;
use rectify_core::ledger::ItemState;
use rectify_core::org::Role;
use rectify_core::time::shown_date;
use rectify_core::workflow::Actor;
use rectify_io::publish::{LedgerLine, PortalContent, PublicItem, PublicNotice, PublicPlan};
use rectify_store::publications::Publication;
use rectify_store::workflow::ItemRef;
use rectify_store::{StoreError, today_china};
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
    /// The notices running today (live, as on the notices page).
    notices: &'a [PublicNotice],
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
struct NoticesPage {
    /// The Beijing date the notices are shown for.
    today: String,
    notices: Arc<Vec<PublicNotice>>,
    message: Option<String>,
    /// An objection that could not be recorded, kept with why.
    kept: Option<Kept>,
}

/// What a visitor wrote when it could not be recorded: shown back with the reason, so the text
/// is never lost.
struct Kept {
    reason: String,
    content: String,
    contact: String,
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
pub struct PortalCache(
    tokio::sync::Mutex<Option<Arc<(Publication, PortalContent)>>>,
    /// The notices running, as of one journal head and day (a notice recorded, closed or
    /// published is journaled; a new day may end one).
    tokio::sync::Mutex<Option<(NoticesKey, Arc<Vec<PublicNotice>>)>>,
);

type NoticesKey = (i64, rectify_exact::date::Date);

async fn published(
    state: &AppState,
) -> Result<Option<Arc<(Publication, PortalContent)>>, StoreError> {
    let Some(version) = state.store.latest_publication_version().await? else {
        return Ok(None);
    };
    let mut cached = state.portal.0.lock().await;
    if let Some(current) = cached.as_ref().filter(|c| c.0.version == version) {
        state.metrics.portal_cache.hit();
        return Ok(Some(current.clone()));
    }
    state.metrics.portal_cache.miss();
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

/// Every portal page is revalidated on each visit (a cheap 304 while nothing changed): a new
/// publication, and a notice the moment it is recorded, are public at once.
fn cache_headers(tag: &str) -> [(header::HeaderName, HeaderValue); 2] {
    [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, no-cache"),
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
    // The index counts the notices running today, so it changes as they do.
    let (notices, live_tag) = match live_notices(&state).await {
        Ok(found) => found,
        Err(e) => return store_failure(e),
    };
    let page = format!("index-{}", live_tag.trim_matches('"'));
    serve(&state, &headers, &page, |publication, content| {
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
            notices: notices.as_slice(),
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

/// The notices running today, and the ETag that changes whenever they may: with any journaled
/// change (a notice recorded, closed or published) and with the day.
async fn live_notices(state: &AppState) -> Result<(Arc<Vec<PublicNotice>>, String), StoreError> {
    let today = today_china();
    let snapshot = crate::caches::snapshot(state).await?;
    let key = (snapshot.head, today);
    let tag = format!("\"notices-{}-{today}\"", snapshot.head);
    let mut cached = state.portal.1.lock().await;
    if let Some((_, notices)) = cached.as_ref().filter(|(k, _)| *k == key) {
        return Ok((notices.clone(), tag));
    }
    let lines = snapshot
        .items
        .iter()
        .filter(|s| s.item.state == ItemState::PublicNotice)
        .filter_map(|s| {
            let notice = snapshot.workflows.get(&s.id)?.flow.notice?;
            Some(LedgerLine {
                plan: s.plan.clone(),
                item: s.item.clone(),
                notice: Some(notice),
                schedule: snapshot.schedules.of(s, today).schedule,
                progress: None,
            })
        })
        .collect();
    let published = published(state).await?;
    let approved = published
        .as_deref()
        .map(|(publication, content)| (content, publication.hide.as_slice()));
    let notices = Arc::new(running_notices(&state.store, lines, approved, today).await?);
    *cached = Some((key, notices.clone()));
    Ok((notices, tag))
}

pub async fn notices(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let message = query
        .sent
        .map(|_| "您的意见已提交，我们将在公示期内核实处理。感谢您的监督！".to_string());
    let (notices, tag) = match live_notices(&state).await {
        Ok(found) => found,
        Err(e) => return store_failure(e),
    };
    let tag = if message.is_some() {
        tag.replace("notices", "notices-sent")
    } else {
        tag
    };
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(tag.as_str())
    {
        return (StatusCode::NOT_MODIFIED, cache_headers(&tag)).into_response();
    }
    let page = NoticesPage {
        today: today_china().to_string(),
        notices,
        message,
        kept: None,
    };
    match page.render() {
        Ok(html) => (cache_headers(&tag), axum::response::Html(html)).into_response(),
        Err(e) => failure(e.to_string()),
    }
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
    let contact = form.contact.trim().chars().take(200).collect::<String>();
    let length = content.chars().count();
    if !(5..=MAX_OBJECTION_CHARS).contains(&length) {
        let reason = format!(
            "意见未提交：请填写 5 至 {MAX_OBJECTION_CHARS} 字的意见内容（现为 {length} 字）。"
        );
        return Err(kept(state, reason, &form).await);
    }
    // Only a notice running today takes objections.
    let (running, _) = live_notices(state).await.map_err(store_failure)?;
    if !running
        .iter()
        .any(|n| n.plan == form.plan && n.number == form.number)
    {
        let reason = not_running(state, &form).await.map_err(store_failure)?;
        return Err(kept(state, reason, &form).await);
    }
    let today = today_china();
    let calendar = state.store.work_calendar().await.map_err(store_failure)?;
    let item = ItemRef {
        plan: Some(form.plan.as_str()),
        number: form.number,
    };
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
        Err(StoreError::Refused(_) | StoreError::NotFound { .. }) => {
            let reason = not_running(state, &form).await.map_err(store_failure)?;
            Err(kept(state, reason, &form).await)
        }
        Err(e) => Err(store_failure(e)),
    }
}

/// Why an objection to an item that is not on notice today was not recorded: its notice has
/// ended (on which day), or it is not on notice at all.
async fn not_running(state: &AppState, form: &ObjectionForm) -> Result<String, StoreError> {
    let snapshot = crate::caches::snapshot(state).await?;
    let ended = snapshot
        .items
        .iter()
        .filter(|s| s.plan == form.plan && s.item.number == form.number)
        .find_map(|s| snapshot.workflows.get(&s.id)?.flow.notice)
        .filter(|&window| rectify_core::workflow::notice_ended(window, today_china()))
        .map(|(_, last)| last);
    Ok(match ended {
        Some(last) => format!(
            "意见未提交：第{}项的公示期已于 {last} 结束，不再受理公示异议。您填写的内容保留在下方，可复制后通过监督电话或信访渠道反映。",
            form.number
        ),
        None => format!(
            "意见未提交：第{}项当前不在公示期内，无法提交公示异议。您填写的内容保留在下方，可复制后通过监督电话或信访渠道反映。",
            form.number
        ),
    })
}

/// The notices page again, with the visitor's text kept and the reason it was not recorded.
async fn kept(state: &AppState, reason: String, form: &ObjectionForm) -> Response {
    let notices = match live_notices(state).await {
        Ok((notices, _)) => notices,
        Err(e) => return store_failure(e),
    };
    let page = NoticesPage {
        today: today_china().to_string(),
        notices,
        message: None,
        kept: Some(Kept {
            reason,
            content: form.content.trim().to_string(),
            contact: form.contact.trim().chars().take(200).collect(),
        }),
    };
    match page.render() {
        Ok(html) => (StatusCode::BAD_REQUEST, axum::response::Html(html)).into_response(),
        Err(e) => failure(e.to_string()),
    }
}
