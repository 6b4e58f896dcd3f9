//! The HTTP face of rectify: routes, middleware and the serve loop.
//!
//! Handlers stay thin: they parse the request, call the store (which applies the domain rules
//! and journals the change), and render. Every request gets an `x-request-id` that appears in
//! its log span and in the response.

use axum::extract::State;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
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
mod caches;
mod coal;
mod cockpit;
mod columns;
mod complaint_import;
mod complaints;
mod dashboard;
mod dispatch;
mod dossier;
mod encode;
mod error;
mod evidence;
mod extract;
mod flash;
mod forms;
mod import;
mod inbox;
mod inspections;
mod item;
mod kit;
mod ledger;
mod limits;
mod login;
mod metrics;
mod multipart;
mod openapi;
mod parsing;
mod portal;
mod province;
mod publishing;
mod registers;
mod reports;
mod scopes;
mod search;
mod spotchecks;
mod upload;
mod water;

pub use limits::ServerLimits;
pub use province::{CitySite, Deployment, route_table as province_route_table, serve_deployment};

/// A page built from the data pages (air, water), whose sources fail in many ways.
type BuiltPage = Result<String, Box<dyn std::error::Error + Send + Sync>>;

/// The built page, or an internal error logged with its detail and answered with the request id.
fn page_response(result: BuiltPage) -> Response {
    match result {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(e) => error::WebError::internal(&e).into_response(),
    }
}

/// A page that is public but carries the signed-in viewer's menu and form token (air,
/// water): never stored by a shared cache, and kept apart per cookie.
fn viewer_page_response(result: BuiltPage) -> Response {
    let mut response = page_response(result);
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(
        axum::http::header::VARY,
        axum::http::HeaderValue::from_static("Cookie"),
    );
    response
}

/// The year a page shows: the one asked for if there is data for it, else the latest.
fn year_shown(asked: Option<i32>, first: i32, last: i32) -> i32 {
    asked.filter(|y| (first..=last).contains(y)).unwrap_or(last)
}

/// Shown when a page has no data yet.
#[derive(askama::Template)]
#[template(path = "empty.html")]
struct EmptyPage {
    title: &'static str,
    what: &'static str,
}

/// What the server is configured with: read by the binary once, at start-up, and passed in.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Cookies carry `Secure` (`RECTIFY_SECURE_COOKIES=1`, behind TLS).
    pub secure_cookies: bool,
    /// Uploaded spreadsheets parsed at once (`RECTIFY_SHEET_PARALLEL`, at least 1).
    pub sheet_parallel: usize,
    /// What an uploaded spreadsheet may hold (`RECTIFY_SHEET_*`).
    pub sheets: rectify_io::plan::SheetLimits,
    /// The bulletin chart's CJK font (`RECTIFY_CJK_FONT`).
    pub cjk_font: Option<std::path::PathBuf>,
    /// The bearer token of `/metrics` (`RECTIFY_METRICS_TOKEN`); without one, loopback only.
    pub metrics_token: Option<String>,
}

#[derive(Clone)]
struct AppState {
    store: Store,
    config: Arc<WebConfig>,
    /// One permit per spreadsheet parsed at once (`WebConfig::sheet_parallel`).
    parsing: Arc<tokio::sync::Semaphore>,
    ledger: Arc<caches::LedgerCache>,
    portal: Arc<portal::PortalCache>,
    metrics: Arc<metrics::Metrics>,
    /// Which site this app is: a city's (every page but the province's) or the province's.
    site: Arc<Site>,
}

/// A site of the deployment. A city's database holds only that city, so its app needs nothing
/// more; the province's app reads every city's store.
enum Site {
    City,
    Province(Box<province::ProvinceSite>),
}

impl Site {
    /// The roles this site's pages know.
    fn roles(&self) -> &'static [rectify_core::org::Role] {
        match self {
            Site::City => &rectify_core::org::Role::CITY,
            Site::Province(_) => &[rectify_core::org::Role::Province],
        }
    }

    /// Keeps only the user's roles this site knows; `false` when none is left, and then the
    /// user is not signed in here (a province account in a city's database, or the reverse).
    fn admit(&self, user: &mut rectify_store::users::User) -> bool {
        user.roles.retain(|r| self.roles().contains(r));
        !user.roles.is_empty()
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a prefix of the start time and the process id plus a counter, cheaper than a
/// UUID and still easy to grep; the process id keeps apart the ids of several instances started
/// in the same second behind one proxy.
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
            prefix: format!("{started:x}.{:x}", std::process::id()).into(),
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

/// Who may call a route: anyone, or only a signed-in user (pages redirect to the login, the
/// API answers 401) whose changes carry the CSRF token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    SignedIn,
}

/// Every route with its access, the one list the router is built from and the route-table
/// test walks.
fn routes() -> Vec<(&'static str, Access, MethodRouter<AppState>)> {
    use Access::{Public, SignedIn};
    vec![
        ("/healthz", Public, get(healthz)),
        ("/readyz", Public, get(readyz)),
        ("/api/v1/version", Public, get(version)),
        ("/", SignedIn, get(dashboard::dashboard)),
        (
            "/login",
            Public,
            get(login::show_login).post(login::do_login),
        ),
        ("/logout", SignedIn, post(login::do_logout)),
        ("/ledger", SignedIn, get(ledger::ledger)),
        ("/ledger.xlsx", SignedIn, get(ledger::ledger_xlsx_export)),
        ("/ledger/evidence.zip", SignedIn, get(dossier::ledger)),
        ("/items/{number}", SignedIn, get(item::item)),
        ("/items/{number}/dossier", SignedIn, get(dossier::item)),
        (
            "/items/{number}/actions/{action}",
            SignedIn,
            post(item::item_action),
        ),
        (
            "/items/{number}/tasks/{unit}/{action}",
            SignedIn,
            post(item::task_action),
        ),
        (
            "/items/{number}/report",
            SignedIn,
            get(reports::report_form).post(reports::report_submit),
        ),
        (
            "/reports/{id}/review",
            SignedIn,
            post(reports::report_review),
        ),
        (
            "/bulletins",
            SignedIn,
            get(bulletins::list).post(bulletins::generate),
        ),
        (
            "/bulletins/{period}/{version}/{format}",
            SignedIn,
            get(bulletins::download),
        ),
        (
            "/accountability",
            SignedIn,
            get(accountability::list).post(accountability::decide),
        ),
        (
            "/accountability/export.xlsx",
            SignedIn,
            get(accountability::export),
        ),
        (
            "/accountability/transfers",
            SignedIn,
            post(accountability::transfer),
        ),
        ("/inbox", SignedIn, get(inbox::show)),
        ("/cockpit", SignedIn, get(cockpit::show)),
        ("/search", SignedIn, get(search::search)),
        ("/dispatch", SignedIn, get(dispatch::show)),
        ("/dispatch/open", SignedIn, post(dispatch::open)),
        ("/dispatch/run", SignedIn, post(dispatch::run)),
        ("/dispatch/steps/{id}", SignedIn, get(dispatch::notice)),
        (
            "/dispatch/deliveries/{id}/resend",
            SignedIn,
            post(dispatch::resend),
        ),
        ("/complaints", SignedIn, get(complaints::list)),
        (
            "/complaints/import",
            SignedIn,
            get(complaint_import::show).post(complaint_import::upload),
        ),
        (
            "/complaints/import/confirm",
            SignedIn,
            post(complaint_import::confirm),
        ),
        (
            "/complaints/spotchecks",
            SignedIn,
            get(spotchecks::show).post(spotchecks::draw),
        ),
        (
            "/complaints/spotchecks/{round}",
            SignedIn,
            get(spotchecks::round).post(spotchecks::mark),
        ),
        (
            "/complaints/export/{table}",
            SignedIn,
            get(complaints::export),
        ),
        ("/complaints/{received_no}", SignedIn, get(complaints::show)),
        (
            "/complaints/{received_no}/feedback",
            SignedIn,
            post(complaints::feedback),
        ),
        (
            "/complaints/{received_no}/suggestions",
            SignedIn,
            post(complaints::answer_suggestion),
        ),
        (
            "/publish",
            SignedIn,
            get(publishing::show).post(publishing::approve),
        ),
        ("/registers", SignedIn, get(registers::list)),
        ("/registers/import", SignedIn, post(registers::import)),
        ("/registers/export", SignedIn, get(registers::export)),
        ("/registers/{id}", SignedIn, get(registers::show)),
        (
            "/registers/{id}/move",
            SignedIn,
            post(registers::move_entry),
        ),
        (
            "/registers/{id}/inspections",
            SignedIn,
            post(registers::inspect),
        ),
        (
            "/registers/{id}/evidence",
            SignedIn,
            post(registers::add_evidence),
        ),
        ("/registers/{id}/links", SignedIn, post(registers::link)),
        (
            "/registers/evidence/{id}",
            SignedIn,
            get(registers::evidence_download),
        ),
        (
            "/inspections",
            SignedIn,
            get(inspections::list).post(inspections::open),
        ),
        (
            "/inspections/{id}",
            SignedIn,
            get(inspections::show).post(inspections::edit),
        ),
        (
            "/inspections/{id}/findings",
            SignedIn,
            post(inspections::record),
        ),
        (
            "/inspections/evidence/{id}",
            SignedIn,
            get(inspections::evidence),
        ),
        ("/coal", SignedIn, get(coal::show)),
        ("/coal/export", SignedIn, get(coal::export)),
        ("/coal/month", SignedIn, post(coal::record_month)),
        ("/coal/targets", SignedIn, post(coal::set_targets)),
        ("/coal/import", SignedIn, post(coal::upload)),
        ("/coal/import/confirm", SignedIn, post(coal::confirm)),
        ("/public", Public, get(portal::index)),
        ("/public/items", Public, get(portal::items)),
        ("/public/signed-off", Public, get(portal::signed_off)),
        ("/public/notices", Public, get(portal::notices)),
        ("/public/objections", Public, post(portal::object)),
        ("/public/complaints", Public, get(portal::complaints)),
        ("/public/environment", Public, get(portal::environment)),
        ("/public/registers", Public, get(portal::registers)),
        ("/acceptance", SignedIn, get(boards::acceptance)),
        ("/notices", SignedIn, get(boards::notices)),
        ("/import", SignedIn, get(import::show).post(import::upload)),
        ("/import/confirm", SignedIn, post(import::confirm)),
        ("/admin", SignedIn, get(admin::show)),
        ("/admin/users", SignedIn, post(admin::add_user)),
        (
            "/admin/users/{username}/{change}",
            SignedIn,
            post(admin::set_user_state),
        ),
        ("/admin/throttle", SignedIn, post(admin::clear_throttle)),
        ("/admin/org", SignedIn, post(admin::add_unit)),
        ("/admin/calendar", SignedIn, post(admin::load_calendar)),
        ("/admin/settings", SignedIn, post(admin::set_setting)),
        ("/evidence/{id}", SignedIn, get(evidence::evidence_download)),
        (
            "/evidence/{id}/preview",
            SignedIn,
            get(evidence::evidence_preview),
        ),
        ("/air", Public, get(air::air_page)),
        ("/water", Public, get(water::water_page)),
        ("/static/app.css", Public, get(stylesheet)),
        ("/metrics", Public, get(metrics::serve)),
        ("/api/v1/openapi.json", Public, get(openapi::serve)),
        (
            "/api/v1/session",
            Public,
            post(api::login).delete(api::logout),
        ),
        ("/api/v1/items/{number}", SignedIn, get(api::item_status)),
        (
            "/api/v1/items/{number}/actions/{action}",
            SignedIn,
            post(api::item_action),
        ),
        (
            "/api/v1/items/{number}/objections",
            SignedIn,
            post(api::objection),
        ),
        (
            "/api/v1/items/{number}/reports",
            SignedIn,
            post(api::report),
        ),
        (
            "/api/v1/items/{number}/evidence",
            SignedIn,
            post(api::upload_evidence),
        ),
        (
            "/api/v1/evidence/{id}",
            SignedIn,
            get(api::download_evidence),
        ),
    ]
}

/// The paths the server answers and who may call them.
pub fn route_table() -> Vec<(&'static str, Access)> {
    routes()
        .into_iter()
        .map(|(path, access, _)| (path, access))
        .collect()
}

/// The application with all routes and middleware: one city's site.
pub fn router(store: Store, config: WebConfig) -> Router {
    app(store, config, Site::City, routes())
}

/// Builds a site's router from its route table.
fn app(
    store: Store,
    config: WebConfig,
    site: Site,
    routes: Vec<(&'static str, Access, MethodRouter<AppState>)>,
) -> Router {
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
    let app = routes
        .into_iter()
        .fold(Router::new(), |app, (path, _, method)| {
            app.route(path, method)
        })
        // An address no route knows is the same friendly page as a missing item.
        .fallback(|| async { error::WebError::NotFound });
    let state = AppState {
        store,
        parsing: Arc::new(tokio::sync::Semaphore::new(config.sheet_parallel.max(1))),
        config: Arc::new(config),
        ledger: Arc::default(),
        portal: Arc::default(),
        metrics: Arc::default(),
        site: Arc::new(site),
    };
    app.route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        metrics::track,
    ))
    .with_state(state)
    .layer(axum::middleware::from_fn(security_headers))
    .layer(axum::middleware::from_fn(error::request_scope))
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

/// Liveness: the process answers. It never touches the database, so an outage of the
/// database does not get a healthy server restarted (that is `/readyz`'s question).
async fn healthz() -> Response {
    (StatusCode::OK, "ok").into_response()
}

/// How long `/readyz` waits for the database before answering that it is not ready.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Readiness: the database answers a query within `READY_TIMEOUT`. While it does not, 503 with
/// the message users read (the detail goes to the log), and ready again by itself once the pool
/// reaches the database again.
async fn readyz(State(state): State<AppState>) -> Response {
    let failure = match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => return (StatusCode::OK, "ok").into_response(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {READY_TIMEOUT:?}"),
    };
    tracing::warn!(error = %failure, "not ready: database unavailable");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, "5")],
        error::UNAVAILABLE,
    )
        .into_response()
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
    config: WebConfig,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_ready(listener.local_addr()?);
    limits::serve(listener, router(store, config), limits, shutdown_signal()).await
}

pub(crate) async fn shutdown_signal() {
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
