//! Administration: users (administrators), org units, the working-day calendar and settings
//! (administrators and the office). Every change goes through the store and is journaled.

use crate::AppState;
use crate::auth::Me;
use crate::error::{PageResult, WebError};
use crate::extract::Path;
use crate::extract::{Accounts, Administration, Allowed, CsrfForm, NoFields};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rectify_core::calendar::parse_notices;
use rectify_core::org::{OrgKind, Role};
use rectify_store::StoreError;
use rectify_store::org::{NewOrgUnit, OrgUnit};
use rectify_store::users::NewUser;
use serde::Deserialize;

/// Settings the office may change, with what they do.
const SETTINGS: &[(&str, &str)] = &[
    ("workflow.notice_workdays", "公示期（工作日），默认 5"),
    (
        "workflow.recheck_months",
        "长期坚持事项复查间隔（月），默认 3",
    ),
    (
        "reports.due_day",
        "月度进展填报截止日，默认 25（遇节假日顺延）",
    ),
    (
        "evidence.max_bytes",
        "佐证材料单个文件上限（字节），默认 52428800",
    ),
    ("evidence.media_types", "允许的材料类型（JSON 数组）"),
    (
        "dispatch.consecutive_periods",
        "连续几期有节点未完成即为红色（严重滞后），默认 2",
    ),
    ("dispatch.months_behind", "节点滞后几个月即为红色，默认 3"),
    (
        "dispatch.weight.completion",
        "排名得分：完成率权重，默认 50",
    ),
    (
        "dispatch.weight.schedule",
        "排名得分：序时推进占比权重，默认 30",
    ),
    (
        "dispatch.weight.reporting",
        "排名得分：按时填报率权重，默认 20",
    ),
    (
        "dispatch.weight.red_penalty",
        "排名得分：红色问题占比扣分，默认 10",
    ),
    (
        "dispatch.weight.overdue_penalty",
        "排名得分：逾期问题占比扣分，默认 10",
    ),
    (
        "dispatch.weight.complaint_penalty",
        "排名得分：信访件逾期或迟报占比扣分，默认 10",
    ),
    ("bulletin.issuer", "通报落款单位（JSON 字符串）"),
    (
        "register.site.checklist",
        "建筑工地扬尘检查清单（JSON 数组），默认六个百分之百",
    ),
    (
        "register.site.repeat_days",
        "建筑工地重复违规：统计天数，默认 90",
    ),
    (
        "register.site.repeat_times",
        "建筑工地重复违规：不合格检查天数，默认 2",
    ),
    (
        "register.chemical.colours",
        "化工企业红黄蓝绿标识含义（JSON 对象，如 {\"红\": \"关停、淘汰退出\"}）",
    ),
];

struct UserLine {
    username: String,
    display_name: String,
    unit: String,
    roles: String,
    disabled: bool,
}

/// An account or address the login throttle holds back.
struct ThrottleLine {
    key: String,
    failures: i64,
    last_at: String,
    wait_minutes: i64,
}

/// An API token as the administrator sees it, times in Beijing.
struct TokenLine {
    username: String,
    name: String,
    state: &'static str,
    created_at: String,
    expires_at: String,
    last_used_at: String,
}

struct UnitLine {
    code: String,
    name: String,
    kind: &'static str,
    indent: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    me: Me,
    admin: bool,
    flash: Option<String>,
    users: Vec<UserLine>,
    throttled: Vec<ThrottleLine>,
    tokens: Vec<TokenLine>,
    units: Vec<UnitLine>,
    roles: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    calendar_years: String,
    settings: Vec<(&'static str, String, &'static str)>,
}

fn tree(units: &[OrgUnit]) -> Vec<UnitLine> {
    fn walk(units: &[OrgUnit], parent: Option<i64>, depth: usize, out: &mut Vec<UnitLine>) {
        for unit in units.iter().filter(|u| u.parent_id == parent) {
            out.push(UnitLine {
                code: unit.code.clone(),
                name: unit.name.clone(),
                kind: unit.kind.label_zh(),
                indent: "　".repeat(depth),
            });
            walk(units, Some(unit.id), depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(units.len());
    walk(units, None, 0, &mut out);
    out
}

#[derive(Deserialize)]
pub struct FlashQuery {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Administration>,
    axum::extract::Query(q): axum::extract::Query<FlashQuery>,
) -> PageResult {
    let users = if Allowed::<Accounts>::holds(&session) {
        state
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| UserLine {
                roles: u
                    .roles
                    .iter()
                    .map(|r| r.label_zh())
                    .collect::<Vec<_>>()
                    .join("、"),
                username: u.username,
                display_name: u.display_name,
                unit: u.unit_name,
                disabled: u.disabled,
            })
            .collect()
    } else {
        Vec::new()
    };
    let throttled = if Allowed::<Accounts>::holds(&session) {
        state
            .store
            .throttled_logins()
            .await?
            .into_iter()
            .map(|t| ThrottleLine {
                last_at: rectify_core::time::shown_minute(&t.last_at),
                wait_minutes: (t.wait_seconds + 59) / 60,
                key: t.key,
                failures: t.failures,
            })
            .collect()
    } else {
        Vec::new()
    };
    let tokens = if Allowed::<Accounts>::holds(&session) {
        let now = rectify_store::now_utc();
        let shown = |at: Option<String>| {
            at.as_deref()
                .map_or_else(|| "—".to_string(), rectify_core::time::shown_minute)
        };
        state
            .store
            .tokens()
            .await?
            .into_iter()
            .map(|t| TokenLine {
                state: t.state_zh(&now),
                created_at: rectify_core::time::shown_minute(&t.created_at),
                expires_at: shown(t.expires_at),
                last_used_at: shown(t.last_used_at),
                username: t.username,
                name: t.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let years: Vec<String> = state
        .store
        .calendar_notices()
        .await?
        .iter()
        .map(|(y, _)| y.to_string())
        .collect();
    let mut settings = Vec::new();
    for (key, help) in SETTINGS {
        let value = state
            .store
            .setting(key)
            .await?
            .map(|v| v.to_string())
            .unwrap_or_else(|| "（默认）".into());
        settings.push((*key, value, *help));
    }
    let html = AdminPage {
        me: session.me(),
        admin: Allowed::<Accounts>::holds(&session),
        flash: q.done,
        users,
        throttled,
        tokens,
        units: tree(&state.store.org_units().await?),
        roles: Role::ALL.iter().map(|r| (r.code(), r.label_zh())).collect(),
        kinds: OrgKind::ALL
            .iter()
            .map(|k| (k.code(), k.label_zh()))
            .collect(),
        calendar_years: if years.is_empty() {
            "无".into()
        } else {
            years.join("、")
        },
        settings,
    }
    .render()?;
    Ok(Html(html).into_response())
}

fn done(message: &str) -> Response {
    Redirect::to(&format!(
        "/admin?done={}",
        crate::encode::url_encode(message)
    ))
    .into_response()
}

/// Runs a change and reports its outcome on the page; a refused change is a message, not an error page.
fn outcome(result: Result<String, StoreError>) -> PageResult {
    Ok(match result {
        Ok(message) => done(&message),
        Err(error) => done(&crate::error::user_message(error)),
    })
}

#[derive(Deserialize)]
pub struct UserForm {
    username: String,
    display_name: String,
    unit: String,
    role: String,
    password: String,
}

pub async fn add_user(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<UserForm, Accounts>,
) -> PageResult {
    let role: Role = form
        .role
        .parse()
        .map_err(|_| WebError::Forbidden("未知的角色".into()))?;
    let new = NewUser {
        username: &form.username,
        display_name: &form.display_name,
        unit: &form.unit,
        roles: &[role],
        password: &form.password,
    };
    outcome(
        state
            .store
            .add_user(&session.user.username, new)
            .await
            .map(|u| format!("已添加用户 {}", u.username)),
    )
}

pub async fn set_user_state(
    State(state): State<AppState>,
    Path((username, change)): Path<(String, String)>,
    CsrfForm { session, .. }: CsrfForm<NoFields, Accounts>,
) -> PageResult {
    let disable = match change.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(WebError::NotFound),
    };
    let result = state
        .store
        .set_disabled(&session.user.username, &username, disable)
        .await;
    outcome(result.map(|_| format!("已{}用户 {username}", if disable { "停用" } else { "启用" })))
}

#[derive(Deserialize)]
pub struct ThrottleForm {
    key: String,
}

/// Lets a throttled account or address log in again at once (administrators).
pub async fn clear_throttle(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<ThrottleForm, Accounts>,
) -> PageResult {
    let result = state
        .store
        .clear_login_throttle(&session.user.username, &form.key)
        .await;
    outcome(result.map(|()| format!("已解除 {} 的登录限制", form.key)))
}

#[derive(Deserialize)]
pub struct OrgForm {
    code: String,
    name: String,
    kind: String,
    parent: String,
}

pub async fn add_unit(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<OrgForm, Administration>,
) -> PageResult {
    let kind: OrgKind = form
        .kind
        .parse()
        .map_err(|_| WebError::Forbidden("未知的单位类型".into()))?;
    let sort_order = state.store.org_units().await?.len() as i64;
    let new = NewOrgUnit {
        code: &form.code,
        name: &form.name,
        kind,
        parent: Some(form.parent.as_str()).filter(|p| !p.is_empty()),
        sort_order,
    };
    outcome(
        state
            .store
            .add_org_unit(&session.user.username, new)
            .await
            .map(|u| format!("已添加单位 {}", u.name)),
    )
}

#[derive(Deserialize)]
pub struct CalendarForm {
    text: String,
}

pub async fn load_calendar(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<CalendarForm, Administration>,
) -> PageResult {
    let notices = match parse_notices(&form.text) {
        Ok(notices) if !notices.is_empty() => notices,
        Ok(_) => return Ok(done("没有任何 year 段")),
        Err(error) => return Ok(done(&format!("节假日安排有误：{error}"))),
    };
    let blocks: Vec<(i32, String)> = notices.iter().map(|n| (n.year, n.to_text())).collect();
    let years: Vec<String> = notices.iter().map(|n| n.year.to_string()).collect();
    let result = state
        .store
        .load_calendar_notices(&session.user.username, &blocks)
        .await;
    outcome(result.map(|()| format!("已载入 {} 年的节假日安排", years.join("、"))))
}

#[derive(Deserialize)]
pub struct SettingForm {
    key: String,
    value: String,
}

pub async fn set_setting(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<SettingForm, Administration>,
) -> PageResult {
    if !SETTINGS.iter().any(|(key, _)| *key == form.key) {
        return Err(WebError::NotFound);
    }
    let value: serde_json::Value = match serde_json::from_str(&form.value) {
        Ok(value) => value,
        Err(error) => return Ok(done(&format!("“{}”不是 JSON 值：{error}", form.value))),
    };
    let result = state
        .store
        .set_setting(&session.user.username, &form.key, &value)
        .await;
    outcome(result.map(|()| format!("已设置 {} = {value}", form.key)))
}
