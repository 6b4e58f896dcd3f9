//! The HTTP face of rectify: routes, middleware and the serve loop.
//!
//! Handlers stay thin: they parse the request, call the store (which applies the domain rules
//! and journals the change), and render. Every request gets an `x-request-id` that appears in
//! its log span and in the response.

use axum::extract::State;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rectify_store::Store;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

mod accountability;
mod admin;
mod air;
mod api;
mod auth;
mod boards;
mod bulletins;
mod complaints;
mod import;
mod inbox;
mod limits;
mod openapi;
mod pages;
mod parsing;
mod portal;
mod publishing;
mod registers;
mod upload;
mod water;

pub use limits::ServerLimits;

type PageResult = Result<String, Box<dyn std::error::Error + Send + Sync>>;

/// A rendered page, or a logged error and a 500 that names the page.
fn page_response(result: PageResult, page: &'static str) -> Response {
    match result {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, page, "page failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("{page}页面生成失败"),
            )
                .into_response()
        }
    }
}

/// The year a page shows: the one asked for if there is data for it, else the latest.
fn year_shown(asked: Option<i32>, first: i32, last: i32) -> i32 {
    asked.filter(|y| (first..=last).contains(y)).unwrap_or(last)
}

/// Shown when a page has no data yet, with the command that brings it.
#[derive(askama::Template)]
#[template(path = "empty.html")]
struct EmptyPage {
    title: &'static str,
    what: &'static str,
    command: &'static str,
}

#[derive(Clone)]
struct AppState {
    store: Store,
    ledger: Arc<pages::LedgerCache>,
    portal: Arc<portal::PortalCache>,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids unique within this process: a per-start prefix plus a counter, cheaper than a
/// UUID and still easy to grep across one server's log.
#[derive(Clone)]
struct SequentialRequestId {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl SequentialRequestId {
    fn new() -> Self {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        SequentialRequestId {
            prefix: format!("{started:x}").into(),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for SequentialRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.prefix)
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

/// The application with all routes and middleware.
pub fn router(store: Store) -> Router {
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", id, method = %req.method(), uri = %req.uri())
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/version", get(version))
        .route("/", get(pages::dashboard))
        .route("/login", get(auth::show_login).post(auth::do_login))
        .route("/logout", post(auth::do_logout))
        .route("/ledger", get(pages::ledger))
        .route("/ledger.xlsx", get(pages::ledger_xlsx_export))
        .route("/items/{number}", get(pages::item))
        .route("/items/{number}/actions/{action}", post(pages::item_action))
        .route(
            "/items/{number}/report",
            get(pages::report_form).post(pages::report_submit),
        )
        .route("/reports/{id}/review", post(pages::report_review))
        .route("/bulletins", get(bulletins::list).post(bulletins::generate))
        .route(
            "/bulletins/{period}/{version}/{format}",
            get(bulletins::download),
        )
        .route(
            "/accountability",
            get(accountability::list).post(accountability::decide),
        )
        .route("/inbox", get(inbox::show))
        .route("/complaints", get(complaints::list))
        .route("/complaints/{received_no}", get(complaints::show))
        .route(
            "/complaints/{received_no}/feedback",
            post(complaints::feedback),
        )
        .route("/publish", get(publishing::show).post(publishing::approve))
        .route("/registers", get(registers::list))
        .route("/registers/import", post(registers::import))
        .route("/registers/export", get(registers::export))
        .route("/registers/{id}", get(registers::show))
        .route("/registers/{id}/move", post(registers::move_entry))
        .route("/registers/{id}/inspections", post(registers::inspect))
        .route("/registers/{id}/evidence", post(registers::add_evidence))
        .route("/registers/{id}/links", post(registers::link))
        .route(
            "/registers/evidence/{id}",
            get(registers::evidence_download),
        )
        .route("/public", get(portal::index))
        .route("/public/items", get(portal::items))
        .route("/public/signed-off", get(portal::signed_off))
        .route("/public/notices", get(portal::notices))
        .route("/public/objections", post(portal::object))
        .route("/public/complaints", get(portal::complaints))
        .route("/public/environment", get(portal::environment))
        .route("/public/registers", get(portal::registers))
        .route("/acceptance", get(boards::acceptance))
        .route("/notices", get(boards::notices))
        .route("/import", get(import::show).post(import::upload))
        .route("/import/confirm", post(import::confirm))
        .route("/admin", get(admin::show))
        .route("/admin/users", post(admin::add_user))
        .route(
            "/admin/users/{username}/{change}",
            post(admin::set_user_state),
        )
        .route("/admin/throttle", post(admin::clear_throttle))
        .route("/admin/org", post(admin::add_unit))
        .route("/admin/calendar", post(admin::load_calendar))
        .route("/admin/settings", post(admin::set_setting))
        .route("/evidence/{id}", get(pages::evidence_download))
        .route("/evidence/{id}/preview", get(pages::evidence_preview))
        .route("/air", get(air::air_page))
        .route("/water", get(water::water_page))
        .route("/static/app.css", get(stylesheet))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/session", post(api::login).delete(api::logout))
        .route("/api/v1/items/{number}", get(api::item_status))
        .route(
            "/api/v1/items/{number}/actions/{action}",
            post(api::item_action),
        )
        .route("/api/v1/items/{number}/objections", post(api::objection))
        .route("/api/v1/items/{number}/reports", post(api::report))
        .route(
            "/api/v1/items/{number}/evidence",
            post(api::upload_evidence),
        )
        .route("/api/v1/evidence/{id}", get(api::download_evidence))
        .with_state(AppState {
            store,
            ledger: Arc::default(),
            portal: Arc::default(),
        })
        .layer(axum::middleware::from_fn(security_headers))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(
            REQUEST_ID,
            SequentialRequestId::new(),
        ))
}

/// Headers every response carries: no framing, no referrer leaks, no MIME sniffing, and a
/// content policy that allows only this site's own scripts (there are none) and styles.
async fn security_headers(
    request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/app.css"),
    )
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn version(State(state): State<AppState>) -> Response {
    match state.store.schema_version().await {
        Ok(schema) => Json(json!({
            "name": "rectify",
            "version": env!("CARGO_PKG_VERSION"),
            "schema_version": schema,
            "backend": state.store.backend().name(),
        }))
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "version lookup failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Binds `addr`, reports the bound address (useful with port 0), and serves within `limits`
/// until SIGINT or SIGTERM, letting requests in flight finish.
pub async fn serve(
    store: Store,
    addr: SocketAddr,
    limits: ServerLimits,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_ready(listener.local_addr()?);
    limits::serve(listener, router(store), limits, shutdown_signal()).await
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::terminate(),
        ) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the server");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
