//! The province over its cities (#24): one deployment serves each city's site and the
//! province's, chosen by the request's host. Each city has its own database and its own app
//! (today's router with its own state and caches), so a city's pages can only ever read that
//! city; the province's site reads every city's store with the functions the cities' own pages
//! use (`rectify_app::province`), and freezes its own monthly bulletin in its own database.

use crate::error::{PageResult, WebError};
use crate::extract::{Allowed, CsrfForm, Path, ProvinceOffice};
use crate::kit::{actor_label, display_names, named_download, render};
use crate::{Access, AppState, ServerLimits, Site, WebConfig};
use askama::Template;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use rectify_app::province::{City, CityFigures};
use rectify_core::dispatch::AsOf;
use rectify_core::province::ProvinceFacts;
use rectify_exact::date::Date;
use rectify_io::bulletin::environment::Against;
use rectify_store::{Store, StoreError, today_china};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// A city's site: the host it answers on and its store.
pub struct CitySite {
    pub host: String,
    pub city: City,
}

/// Every site of a province's deployment.
pub struct Deployment {
    pub province_name: String,
    pub province_host: String,
    pub province_store: Store,
    pub cities: Vec<CitySite>,
}

/// What the province's app holds besides its own store: the cities, and each city's figures
/// as of its journal head and the day (every change to a city's data is journaled, and the
/// colours move with the day), so a page read again costs one `MAX(seq)` per city.
pub(crate) struct ProvinceSite {
    name: String,
    cities: Vec<City>,
    figures: tokio::sync::Mutex<HashMap<String, Cached>>,
    /// The cities' journal heads when all could be read, with when: reused for
    /// `HEADS_REUSED_FOR`, so a busy overview asks each city at most once a second.
    heads: std::sync::Mutex<Option<(std::time::Instant, Vec<i64>)>>,
    /// Held while the heads are asked for.
    asking_heads: tokio::sync::Mutex<()>,
    /// Held while stale figures are read again: requests that find them stale together wait
    /// for one reading instead of each reading every city (64 at once took 2 GB and seconds).
    refreshing: tokio::sync::Mutex<()>,
}

/// A city's figures with the journal head and the day they were read at.
type Cached = (i64, Date, Arc<CityFigures>);

/// The province's routes: sign-in as on a city's site, and the province's own pages.
fn routes() -> Vec<(&'static str, Access, MethodRouter<AppState>)> {
    use Access::{Public, SignedIn};
    vec![
        ("/healthz", Public, get(crate::healthz)),
        ("/readyz", Public, get(crate::readyz)),
        ("/metrics", Public, get(crate::metrics::serve)),
        ("/static/app.css", Public, get(crate::stylesheet)),
        (
            "/login",
            Public,
            get(crate::login::show_login).post(crate::login::do_login),
        ),
        ("/logout", SignedIn, post(crate::login::do_logout)),
        ("/", SignedIn, get(home)),
        ("/province", SignedIn, get(overview)),
        ("/province/bulletins", SignedIn, get(bulletins).post(issue)),
        (
            "/province/bulletins/{period}/{version}",
            SignedIn,
            get(download),
        ),
    ]
}

/// The province's paths and who may call them, for the route-table test.
pub fn route_table() -> Vec<(&'static str, Access)> {
    routes()
        .into_iter()
        .map(|(path, access, _)| (path, access))
        .collect()
}

/// The province's site over `cities`.
pub fn router(store: Store, config: WebConfig, name: String, cities: Vec<City>) -> Router {
    let site = Site::Province(Box::new(ProvinceSite {
        name,
        cities,
        figures: tokio::sync::Mutex::default(),
        heads: std::sync::Mutex::default(),
        asking_heads: tokio::sync::Mutex::default(),
        refreshing: tokio::sync::Mutex::default(),
    }));
    crate::app(store, config, site, routes())
}

/// Serves every site of the deployment on `addr`, as `crate::serve` serves one city.
pub async fn serve_deployment(
    deployment: Deployment,
    addr: SocketAddr,
    limits: ServerLimits,
    config: WebConfig,
    on_ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    on_ready(listener.local_addr()?);
    let router = by_host(deployment, config);
    crate::limits::serve(listener, router, limits, crate::shutdown_signal()).await
}

/// One router over every site, by host: the request's host name (port dropped, lower-cased)
/// picks the site; an unknown host gets a plain 404 (and `/healthz`, which needs no site,
/// answers everywhere).
pub fn by_host(deployment: Deployment, config: WebConfig) -> Router {
    let province_cities = deployment.cities.iter().map(|c| c.city.clone()).collect();
    let mut sites: HashMap<String, Router> = deployment
        .cities
        .into_iter()
        .map(|c| (c.host, crate::router(c.city.store, config.clone())))
        .collect();
    sites.insert(
        deployment.province_host,
        router(
            deployment.province_store,
            config,
            deployment.province_name,
            province_cities,
        ),
    );
    Router::new().fallback(dispatch).with_state(Arc::new(sites))
}

async fn dispatch(State(sites): State<Arc<HashMap<String, Router>>>, request: Request) -> Response {
    let site = host_of(&request).and_then(|host| sites.get(&host).cloned());
    match site {
        Some(site) => match site.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None if request.uri().path() == "/healthz" => crate::healthz().await,
        None => (
            StatusCode::NOT_FOUND,
            Html("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>未找到</title><p>未找到该站点。</p></html>"),
        )
            .into_response(),
    }
}

/// The request's host name, without its port, lower-cased: an absolute-form target's authority
/// (`GET http://host/path`, which RFC 9112 §3.2.2 says the server must use and whose `Host`
/// it must ignore), else the `Host` header.
fn host_of(request: &Request) -> Option<String> {
    let raw = match request.uri().authority() {
        Some(authority) => authority.host(),
        None => request
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())?,
    };
    Some(strip_port(raw).trim_end_matches('.').to_ascii_lowercase())
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        // An IPv6 address keeps its colons inside brackets.
        Some((name, port)) if !port.contains(']') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

fn province(state: &AppState) -> Result<&ProvinceSite, WebError> {
    match &*state.site {
        Site::Province(p) => Ok(p),
        Site::City => Err(WebError::NotFound),
    }
}

async fn home(_: Allowed<ProvinceOffice>) -> Redirect {
    Redirect::to("/province")
}

/// One city's figures, ready to print.
struct CityRow {
    figures: Arc<CityFigures>,
}

/// A figure against its target as a cell shows it: the value, the target's line ("目标≤35 达标"
/// or "未设目标") and whether the target is missed.
struct Shown {
    value: String,
    target: String,
    missed: bool,
}

fn shown(against: Option<&Against>, ceiling: bool) -> Shown {
    let Some(a) = against else {
        return Shown {
            value: "—".into(),
            target: "尚无监测数据".into(),
            missed: false,
        };
    };
    let (target, missed) = match &a.target {
        Some((t, met)) => (
            format!(
                "目标{}{t} {}",
                if ceiling { "≤" } else { "≥" },
                if *met { "达标" } else { "未达标" }
            ),
            !met,
        ),
        None if a.value == rectify_io::bulletin::environment::NO_VALUE => {
            ("无有效监测数据".into(), false)
        }
        None => ("未设年度目标".into(), false),
    };
    Shown {
        value: a.value.clone(),
        target,
        missed,
    }
}

impl CityRow {
    fn complaints(&self) -> String {
        match self.figures.complaints {
            Some((received, answered)) => format!("{received} / {answered}"),
            None => "—".into(),
        }
    }

    fn pm25(&self) -> Shown {
        shown(self.figures.air.as_ref().map(|(pm25, _)| pm25), true)
    }

    fn good_days(&self) -> Shown {
        shown(self.figures.air.as_ref().map(|(_, good)| good), false)
    }

    fn water(&self) -> Shown {
        shown(self.figures.water.as_ref().map(|w| &w.good), false)
    }

    /// Sections evaluated, "—" without water data.
    fn sections(&self) -> String {
        self.figures
            .water
            .as_ref()
            .map_or("—".into(), |w| w.sections.to_string())
    }

    /// Sections meeting their own target class of those with one ("10 / 12"), "—" without.
    fn meeting_target(&self) -> String {
        match self.figures.water.as_ref().map(|w| w.meeting_target) {
            Some((met, all)) if all > 0 => format!("{met} / {all}"),
            _ => "—".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "province.html")]
struct OverviewPage {
    me: crate::auth::Me,
    province: String,
    as_of: String,
    year: i32,
    /// Each city's name with its figures, `None` while its database cannot be read.
    rows: Vec<(String, Option<CityRow>)>,
}

/// Every city's figures, each read again only when its journal moved or the day changed;
/// `None` for a city whose database cannot be read now (logged), so one city's outage does not
/// hide the others.
async fn figures(
    site: &ProvinceSite,
    today: Date,
) -> Result<Vec<Option<Arc<CityFigures>>>, WebError> {
    // Concurrently: a city whose database is away costs its timeout once, not once per city.
    let heads = journal_heads(site).await?;
    let mut stale = stale_cities(site, &heads, today).await;
    let _refreshing = if stale.is_empty() {
        None
    } else {
        let guard = site.refreshing.lock().await;
        // Another request may have read them while this one waited.
        stale = stale_cities(site, &heads, today).await;
        Some(guard)
    };
    let cities: Vec<City> = stale.iter().map(|(_, c)| c.clone()).collect();
    let read = rectify_app::province::overview(&cities, today).await?;
    let mut cached = site.figures.lock().await;
    for ((i, city), result) in stale.into_iter().zip(read) {
        match (&heads[i], result) {
            (Ok(head), Ok(figures)) => {
                cached.insert(city.code, (*head, today, Arc::new(figures)));
            }
            (_, Err(e)) => {
                tracing::warn!(city = %city.code, error = %e, "city unavailable to the province");
                cached.remove(&city.code);
            }
            (Err(_), Ok(_)) => {}
        }
    }
    for (city, head) in site.cities.iter().zip(&heads) {
        if let Err(e) = head {
            tracing::warn!(city = %city.code, error = %e, "city unavailable to the province");
        }
    }
    Ok(site
        .cities
        .iter()
        .zip(&heads)
        .map(|(c, head)| {
            let (h, _, figures) = cached.get(&c.code)?;
            (head.as_ref().ok() == Some(h)).then(|| figures.clone())
        })
        .collect())
}

/// How long the cities' journal heads are taken as current: the overview may show a city's
/// change up to this much later, and 64 clients at once cost 18 queries a second, not 18 each.
const HEADS_REUSED_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// Every city's journal head: the ones read less than `HEADS_REUSED_FOR` ago, or read now
/// (and kept when every city answered).
async fn journal_heads(site: &ProvinceSite) -> Result<Vec<Result<i64, StoreError>>, WebError> {
    let recent = || {
        site.heads
            .lock()
            .ok()
            .and_then(|kept| kept.clone())
            .filter(|(at, _)| at.elapsed() < HEADS_REUSED_FOR)
            .map(|(_, heads)| heads.into_iter().map(Ok).collect())
    };
    if let Some(heads) = recent() {
        return Ok(heads);
    }
    // One request asks the cities; the others that found the heads old wait for its answer
    // (otherwise each would take a connection from every city's pool at once).
    let _asking = site.asking_heads.lock().await;
    if let Some(heads) = recent() {
        return Ok(heads);
    }
    let heads = rectify_app::province::journal_heads(&site.cities).await?;
    let all: Option<Vec<i64>> = heads.iter().map(|h| h.as_ref().ok().copied()).collect();
    if let (Some(all), Ok(mut kept)) = (all, site.heads.lock()) {
        *kept = Some((std::time::Instant::now(), all));
    }
    Ok(heads)
}

/// The cities (with their positions) whose cached figures are not as of `heads` and `today`.
async fn stale_cities(
    site: &ProvinceSite,
    heads: &[Result<i64, StoreError>],
    today: Date,
) -> Vec<(usize, City)> {
    let cached = site.figures.lock().await;
    site.cities
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let head = heads[i].as_ref().ok()?;
            let fresh = cached
                .get(&c.code)
                .is_some_and(|(h, day, _)| h == head && *day == today);
            (!fresh).then(|| (i, c.clone()))
        })
        .collect()
}

async fn overview(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<ProvinceOffice>,
) -> PageResult {
    let site = province(&state)?;
    let today = today_china();
    let rows = site
        .cities
        .iter()
        .zip(figures(site, today).await?)
        .map(|(city, figures)| {
            (
                city.name.clone(),
                figures.map(|figures| CityRow { figures }),
            )
        })
        .collect();
    render(OverviewPage {
        me: session.me(),
        province: site.name.clone(),
        as_of: today.chinese(),
        year: today.year,
        rows,
    })
}

#[derive(Deserialize)]
pub struct MonthQuery {
    period: Option<String>,
    /// Which notice to show after an issue ([`Notice`]), never its text.
    done: Option<String>,
    /// The version just frozen, with `done=issued`.
    version: Option<String>,
}

/// The notices the bulletins page shows after the issue form, chosen by the key the redirect
/// carries. Their text is the server's own, made from the month and what the store holds, so
/// a link cannot put words on the page.
enum Notice {
    /// `done=issued&version=N`: that version of the month was frozen.
    Issued,
    /// `done=early`: the month has not begun.
    Early,
}

impl Notice {
    fn key(&self) -> &'static str {
        match self {
            Notice::Issued => "issued",
            Notice::Early => "early",
        }
    }

    fn from_key(key: &str) -> Option<Notice> {
        [Notice::Issued, Notice::Early]
            .into_iter()
            .find(|n| n.key() == key)
    }
}

/// The notice for `query` on the month `period`: none for an unknown key or a version the
/// store does not hold.
async fn notice(
    store: &Store,
    query: &MonthQuery,
    period: &str,
) -> Result<Option<String>, WebError> {
    let Some(notice) = query.done.as_deref().and_then(Notice::from_key) else {
        return Ok(None);
    };
    match notice {
        Notice::Issued => {
            let Some(version) = query.version.as_deref().and_then(|v| v.parse().ok()) else {
                return Ok(None);
            };
            match store.province_bulletin(period, version).await {
                Ok((frozen, facts)) => Ok(Some(issued_note(&frozen, &facts))),
                Err(StoreError::NotFound { .. }) => Ok(None),
                Err(other) => Err(other.into()),
            }
        }
        Notice::Early => Ok(rectify_exact::date::parse_year_month(period)
            .and_then(|(year, month)| AsOf::for_period(year, month, today_china()).err())),
    }
}

/// "已生成并冻结：2026-11 第1版；未报：北河市".
fn issued_note(frozen: &rectify_store::dispatch::FrozenBulletin, facts: &ProvinceFacts) -> String {
    let missing = facts.missing();
    let note = if missing.is_empty() {
        String::new()
    } else {
        format!("；未报：{}", missing.join("、"))
    };
    format!(
        "已生成并冻结：{} 第{}版{note}",
        frozen.period, frozen.version
    )
}

struct Issued {
    period: String,
    version: u32,
    issued_on: String,
    created_by: String,
    sha: String,
}

#[derive(Template)]
#[template(path = "province_bulletins.html")]
struct BulletinsPage {
    me: crate::auth::Me,
    province: String,
    flash: Option<String>,
    period: String,
    /// The month's roll-up as it would be frozen now.
    preview: Option<ProvinceFacts>,
    issued: Vec<Issued>,
}

async fn bulletins(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<ProvinceOffice>,
    Query(query): Query<MonthQuery>,
) -> PageResult {
    let site = province(&state)?;
    let period = query
        .period
        .as_deref()
        .map(|p| p.trim().to_string())
        .unwrap_or_else(|| last_month(today_china()));
    let preview = if rectify_exact::date::parse_year_month(&period).is_some() {
        Some(rectify_app::province::bulletin_facts(&site.name, &site.cities, &period).await?)
    } else {
        None
    };
    let notice = notice(&state.store, &query, &period).await?;
    let names = display_names(&state).await?;
    let issued = state
        .store
        .province_bulletins()
        .await?
        .into_iter()
        .map(|b| Issued {
            sha: b.sha256.chars().take(12).collect(),
            period: b.period,
            version: b.version,
            issued_on: b.issued_on,
            created_by: actor_label(&b.created_by, &names),
        })
        .collect();
    render(BulletinsPage {
        me: session.me(),
        province: site.name.clone(),
        flash: notice.or_else(|| {
            // The month stays in its field; a link's text is not repeated on the page.
            preview
                .is_none()
                .then(|| "月份应为 YYYY-MM，如 2026-11".to_string())
        }),
        period,
        preview,
        issued,
    })
}

fn last_month(today: Date) -> String {
    let last = today.add_months(-1);
    format!("{}-{:02}", last.year, last.month)
}

#[derive(Deserialize)]
pub struct IssueForm {
    period: String,
}

async fn issue(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<IssueForm, ProvinceOffice>,
) -> PageResult {
    let site = province(&state)?;
    let period = form.period.trim();
    // Back to the month with a notice's key; an invalid month is named by the page itself.
    let back = |notice: &str| {
        Redirect::to(&format!(
            "/province/bulletins?period={}{notice}",
            crate::encode::url_encode(period)
        ))
        .into_response()
    };
    let Some((year, month)) = rectify_exact::date::parse_year_month(period) else {
        return Ok(back(""));
    };
    let today = today_china();
    if AsOf::for_period(year, month, today).is_err() {
        return Ok(back(&format!("&done={}", Notice::Early.key())));
    }
    let (frozen, _) = rectify_app::province::issue_bulletin(
        &state.store,
        &session.user.username,
        &site.name,
        &site.cities,
        period,
        today,
    )
    .await?;
    let issued = Notice::Issued.key();
    Ok(back(&format!("&done={issued}&version={}", frozen.version)))
}

async fn download(
    State(state): State<AppState>,
    _: Allowed<ProvinceOffice>,
    Path((period, version)): Path<(String, u32)>,
) -> PageResult {
    province(&state)?;
    let (frozen, facts) = state
        .store
        .province_bulletin(&period, version)
        .await
        .map_err(|_| WebError::NotFound)?;
    let bytes = rectify_app::province::bulletin_docx(&frozen, &facts)
        .map_err(|e| WebError::internal(&e))?;
    let name = rectify_io::bulletin::province::file_name(&frozen.period, frozen.version);
    Ok(named_download(
        &format!("province-{}-{}.docx", frozen.period, frozen.version),
        &name,
        rectify_io::bulletin::Format::Docx.media_type(),
        bytes,
    ))
}
