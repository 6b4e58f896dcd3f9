//! The JSON API for the workflow under `/api/v1/`: the same actions and checks as the CLI.
//!
//! A client logs in with `POST /api/v1/session` and gets a session cookie (server-side, in the
//! database) and a CSRF token; every changing request must echo the token in `X-CSRF-Token`.

use crate::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use rectify_core::action_input::InputError;
use rectify_core::workflow::{Action, ActionKind, Actor, EvidenceKind};
use rectify_exact::date::Date;
use rectify_store::ledger::StoredItem;
use rectify_store::throttle::LoginOutcome;
use rectify_store::users::User;
use rectify_store::workflow::{ItemRef, NewEvidence, NewReport};
use rectify_store::{StoreError, today_china};
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;

const CSRF_HEADER: &str = "x-csrf-token";

use crate::error::{ApiError, ApiResult, WebError};

fn unauthorized() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "请先登录")
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie(headers, crate::auth::SESSION_COOKIE)
}

/// The caller: a script with `Authorization: Bearer <token>` (no cookie, so no CSRF check), or
/// a logged-in browser session, whose changing requests must carry the CSRF token.
async fn user(state: &AppState, headers: &HeaderMap, changing: bool) -> Result<User, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        let mut user = state
            .store
            .token_user(token.trim())
            .await?
            .ok_or_else(unauthorized)?;
        return if state.site.admit(&mut user) {
            Ok(user)
        } else {
            Err(unauthorized())
        };
    }
    let token = session_token(headers).ok_or_else(unauthorized)?;
    let rectify_store::sessions::LiveSession { mut user, csrf, .. } = state
        .store
        .session_user(&token)
        .await?
        .ok_or_else(unauthorized)?;
    if !state.site.admit(&mut user) {
        return Err(unauthorized());
    }
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if changing && sent != Some(csrf.as_str()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "CSRF 校验失败：请求缺少有效的 X-CSRF-Token",
        ));
    }
    Ok(user)
}

fn actor(user: &User) -> Actor {
    Actor {
        username: user.username.clone(),
        roles: user.roles.clone(),
        unit_id: user.unit_id,
    }
}

#[derive(Deserialize)]
pub struct Login {
    username: String,
    password: String,
}

/// The API caller of a reading request.
pub struct Caller(pub User);

/// The API caller of a changing request: a browser session must also send `X-CSRF-Token`.
pub struct ChangingCaller(pub User);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        user(state, &parts.headers, false).await.map(Caller)
    }
}

impl FromRequestParts<AppState> for ChangingCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        user(state, &parts.headers, true).await.map(ChangingCaller)
    }
}

/// Logs in under the same throttle as the web form; a throttled attempt is a 429 with
/// `Retry-After`.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(login): Json<Login>,
) -> ApiResult {
    let address = crate::auth::client_address(&state, peer, &headers).await?;
    let user = match state
        .store
        .log_in(&login.username, &login.password, &address)
        .await?
    {
        LoginOutcome::LoggedIn(user) if state.site.admit(&mut user.clone()) => user,
        LoginOutcome::LoggedIn(_) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                crate::auth::OTHER_SITE,
            ));
        }
        LoginOutcome::Wrong => {
            return Err(ApiError::new(StatusCode::UNAUTHORIZED, "用户名或密码错误"));
        }
        LoginOutcome::Throttled { seconds } => {
            let body = Json(json!({ "error": crate::auth::throttled_message(seconds) }));
            let retry = (header::RETRY_AFTER, HeaderValue::from(seconds));
            return Ok((StatusCode::TOO_MANY_REQUESTS, [retry], body).into_response());
        }
    };
    let session = state.store.create_session(&user).await?;
    let cookie = crate::auth::session_cookie(&state, &session.token, None);
    let roles: Vec<&str> = user.roles.iter().map(|r| r.code()).collect();
    let body = json!({
        "csrf_token": session.csrf_token,
        "user": { "username": user.username, "display_name": user.display_name, "unit": user.unit_name, "roles": roles },
    });
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    _caller: ChangingCaller,
    headers: HeaderMap,
) -> ApiResult {
    if let Some(token) = session_token(&headers) {
        state.store.end_session(&token).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn not_found(number: u32) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("台账中没有第 {number} 项"))
}

/// The item if the user may see it, with the same rule as the web pages; "not found" otherwise,
/// so that an item outside the user's scope does not reveal itself.
async fn in_scope(
    state: &AppState,
    user: &User,
    number: u32,
    plan: Option<&str>,
) -> Result<StoredItem, ApiError> {
    let viewer = viewer(state, user).await?;
    scoped(
        crate::caches::visible_item(state, &viewer, number, plan).await,
        || not_found(number),
    )
}

/// Checks that the user may see the item of evidence file `id` (by the item's row id), under
/// the same rule. A file outside the scope is answered exactly like an id that does not exist,
/// so ids do not reveal which files exist.
async fn evidence_in_scope(state: &AppState, user: &User, id: i64) -> Result<(), ApiError> {
    let evidence = state.store.evidence(id).await?;
    let viewer = viewer(state, user).await?;
    scoped(
        crate::caches::visible_by_id(state, &viewer, evidence.item_id).await,
        || {
            ApiError::from(StoreError::NotFound {
                what: "佐证材料",
                key: id.to_string(),
            })
        },
    )?;
    Ok(())
}

async fn viewer(state: &AppState, user: &User) -> Result<rectify_core::workflow::Viewer, ApiError> {
    let snapshot = crate::caches::snapshot(state).await?;
    Ok(rectify_store::sessions::viewer_in(
        &snapshot.org_units,
        user,
    ))
}

fn scoped(
    found: Result<StoredItem, WebError>,
    hidden: impl FnOnce() -> ApiError,
) -> Result<StoredItem, ApiError> {
    match found {
        Ok(item) => Ok(item),
        Err(WebError::NotFound) => Err(hidden()),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct PlanQuery {
    plan: Option<String>,
}

/// The item as the store addresses it, once the user's scope is checked.
fn item(stored: &StoredItem) -> ItemRef<'_> {
    ItemRef {
        plan: Some(&stored.plan),
        number: stored.item.number,
    }
}

/// Closes notices whose period ended: every workflow request sees the clock's effect first.
async fn tick(state: &AppState) -> Result<(Date, rectify_core::calendar::WorkCalendar), ApiError> {
    let today = today_china();
    let calendar = state.store.work_calendar().await?;
    state.store.advance_notices(today, &calendar).await?;
    Ok((today, calendar))
}

pub async fn item_status(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(number): Path<u32>,
    Query(query): Query<PlanQuery>,
) -> ApiResult {
    tick(&state).await?;
    let stored = in_scope(&state, &user, number, query.plan.as_deref()).await?;
    let evidence = state.store.evidence_of(item(&stored)).await?;
    let files: Vec<Value> = evidence
        .iter()
        .map(|e| json!({"id": e.id, "kind": e.kind.code(), "title": e.title, "sha256": e.sha256, "superseded": e.superseded}))
        .collect();
    let mut body = stored.item.snapshot();
    body["plan"] = json!(stored.plan);
    body["evidence"] = Value::from(files);
    Ok(Json(body).into_response())
}

/// An action's fields as JSON: strings, numbers or booleans under the declared names
/// (`ActionKind::fields`).
type ActionBody = serde_json::Map<String, Value>;

/// The action from its JSON fields, through the one reader the forms and the CLI use too.
fn action_from(kind: ActionKind, body: &ActionBody) -> Result<Action, ApiError> {
    let field = |name: &str| match body.get(name)? {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    Action::from_fields(kind, field).map_err(|error| match error {
        InputError::Field { field, .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("缺少字段 {}{}", field.name, field.input.format_hint()),
        ),
        InputError::NotByHand(_) => ApiError::new(
            StatusCode::NOT_FOUND,
            "异议请 POST /api/v1/items/{number}/objections；公示期满由系统自动处理",
        ),
    })
}

pub async fn item_action(
    State(state): State<AppState>,
    ChangingCaller(user): ChangingCaller,
    Path((number, action)): Path<(u32, String)>,
    Query(query): Query<PlanQuery>,
    body: Option<Json<ActionBody>>,
) -> ApiResult {
    let kind = ActionKind::parse(&action)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("没有名为 {action} 的操作")))?;
    let action = action_from(kind, &body.map(|Json(b)| b).unwrap_or_default())?;
    let (today, calendar) = tick(&state).await?;
    let stored = in_scope(&state, &user, number, query.plan.as_deref()).await?;
    let done = state
        .store
        .act(&actor(&user), item(&stored), action, today, &calendar)
        .await?;
    Ok(
        Json(
            json!({ "from": done.from.code(), "to": done.flow.state.code(), "facts": done.facts }),
        )
        .into_response(),
    )
}

#[derive(Deserialize)]
pub struct ObjectionBody {
    source: String,
    content: String,
    #[serde(default)]
    contact: String,
}

pub async fn objection(
    State(state): State<AppState>,
    ChangingCaller(user): ChangingCaller,
    Path(number): Path<u32>,
    Query(query): Query<PlanQuery>,
    Json(body): Json<ObjectionBody>,
) -> ApiResult {
    let (today, calendar) = tick(&state).await?;
    let stored = in_scope(&state, &user, number, query.plan.as_deref()).await?;
    let triple = (
        body.source.as_str(),
        body.content.as_str(),
        body.contact.as_str(),
    );
    let id = state
        .store
        .record_objection(&actor(&user), item(&stored), triple, today, &calendar)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "objection": id }))).into_response())
}

#[derive(Deserialize)]
pub struct ReportBody {
    period: String,
    text: String,
    #[serde(default)]
    done: Vec<u32>,
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    evidence: Vec<i64>,
}

pub async fn report(
    State(state): State<AppState>,
    ChangingCaller(user): ChangingCaller,
    Path(number): Path<u32>,
    Query(query): Query<PlanQuery>,
    Json(body): Json<ReportBody>,
) -> ApiResult {
    let (today, calendar) = tick(&state).await?;
    let stored = in_scope(&state, &user, number, query.plan.as_deref()).await?;
    let new = NewReport {
        period: &body.period,
        text: &body.text,
        done_measures: &body.done,
        self_schedule: &body.schedule,
        evidence_ids: &body.evidence,
    };
    let report = state
        .store
        .add_report(&actor(&user), item(&stored), new, today, &calendar)
        .await?;
    let body = json!({ "id": report.id, "late": report.late, "corrects": report.corrects, "status": report.status.code() });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize)]
pub struct EvidenceQuery {
    plan: Option<String>,
    kind: String,
    file_name: String,
    title: Option<String>,
    supersedes: Option<i64>,
}

/// Uploads one file as the raw request body; kind and name come in the query string. Who is
/// asking, the CSRF header, the item, the kind and the declared size are all checked before the
/// body is read; the body then goes to a temporary file, refused the moment it passes
/// `evidence.max_bytes`.
pub async fn upload_evidence(
    State(state): State<AppState>,
    headers: HeaderMap,
    ChangingCaller(user): ChangingCaller,
    Path(number): Path<u32>,
    Query(query): Query<EvidenceQuery>,
    body: Body,
) -> ApiResult {
    let stored = in_scope(&state, &user, number, query.plan.as_deref()).await?;
    let kind = EvidenceKind::parse(&query.kind).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("未知的材料类型 {}", query.kind),
        )
    })?;
    let limit = state.store.evidence_policy().await?.max_bytes;
    crate::upload::check_declared(&headers, limit)?;
    let file = crate::upload::receive_body(&state.store, body, &query.file_name, limit).await?;
    let new = NewEvidence {
        kind,
        title: query.title.as_deref().unwrap_or(&query.file_name),
        file_name: &query.file_name,
        file: &file,
        supersedes: query.supersedes,
    };
    let e = state
        .store
        .add_evidence(&actor(&user), item(&stored), new)
        .await?;
    let body = json!({ "id": e.id, "kind": e.kind.code(), "sha256": e.sha256, "size": e.size, "media_type": e.media_type });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The file, after its content is checked against the recorded SHA-256, as a download exactly
/// as the web serves it: a stored HTML or SVG file opened inline would run in this site's origin.
pub async fn download_evidence(
    State(state): State<AppState>,
    Caller(user): Caller,
    Path(id): Path<i64>,
) -> ApiResult {
    evidence_in_scope(&state, &user, id).await?;
    let evidence = state.store.evidence(id).await?;
    let body = crate::kit::stored_file(&state.store, &evidence.sha256, evidence.size).await?;
    Ok(crate::kit::attachment(
        evidence.id,
        &evidence.file_name,
        body,
    ))
}
