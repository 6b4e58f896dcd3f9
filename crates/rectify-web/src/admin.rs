//! Administration: users (administrators), org units, the working-day calendar and settings
//! (administrators and the office). Every change goes through the store and is journaled.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::error::{PageResult, WebError};
use crate::extract::Path;
use crate::extract::{Accounts, Administration, Allowed, CsrfForm, NoFields};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use rectify_core::calendar::parse_notices;
use rectify_core::org::{OrgKind, Role};
use rectify_store::StoreError;
use rectify_store::org::{NewOrgUnit, OrgUnit};
use rectify_store::users::NewUser;
use serde::Deserialize;

/// Settings the office may change, with what they do.
/// What a setting holds, which decides its form field and how the entry is read.
#[derive(Clone, Copy)]
enum Kind {
    /// A whole number in the range.
    Count(u64, u64),
    /// 是 or 否.
    Flag,
    /// One of the (code, label) choices.
    Choice(&'static [(&'static str, &'static str)]),
    /// A line of text.
    Text,
    /// One entry per line.
    Lines,
    /// A JSON object, for the few settings that map words to words.
    Object,
    /// Where each unit's messages go: one line per unit, "单位：地址，地址", stored as
    /// {"单位": ["地址", …]}; "全部" (stored "*") receives every unit's. The addresses are
    /// e-mail addresses, or web addresses of group robots.
    Routes(Address),
    /// The SMTP relay: "主机[:端口] 发件地址", stored as {"host", "port", "from"}.
    Relay,
}

/// What the addresses of a `Kind::Routes` setting are.
#[derive(Clone, Copy)]
enum Address {
    Mail,
    Web,
}

impl Address {
    fn check(self, address: &str) -> bool {
        match self {
            Address::Mail => address.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') && !address.contains(char::is_whitespace)
            }),
            Address::Web => {
                (address.starts_with("http://") || address.starts_with("https://"))
                    && address.parse::<axum::http::Uri>().is_ok()
            }
        }
    }
}

/// A setting as the office sees it: what it is called, what it means, and what it holds.
struct Setting {
    key: &'static str,
    label: &'static str,
    help: &'static str,
    kind: Kind,
}

const fn setting(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    kind: Kind,
) -> Setting {
    Setting {
        key,
        label,
        help,
        kind,
    }
}

const SETTINGS: &[Setting] = &[
    setting(
        "workflow.notice_workdays",
        "公示期（工作日）",
        "默认 5",
        Kind::Count(1, 60),
    ),
    setting(
        "workflow.recheck_months",
        "长期坚持事项复查间隔（月）",
        "默认 3",
        Kind::Count(1, 24),
    ),
    setting(
        "reports.due_day",
        "月度进展填报截止日",
        "默认 25，遇节假日顺延",
        Kind::Count(1, 28),
    ),
    setting(
        "evidence.max_bytes",
        "佐证材料单个文件上限（字节）",
        "默认 52428800（50 MiB）",
        Kind::Count(1024, 1 << 34),
    ),
    setting(
        "evidence.media_types",
        "允许的材料类型",
        "每行一个，如 image/jpeg",
        Kind::Lines,
    ),
    setting(
        "tasks.include_zones",
        "“各县（区）政府”包括开发区、园区管委会",
        "默认否；修改后立即重新分解任务",
        Kind::Flag,
    ),
    setting(
        "tasks.acceptance",
        "分解任务验收方式",
        "默认随问题整体验收",
        Kind::Choice(&[("item", "随问题整体验收"), ("task", "逐个县区验收")]),
    ),
    setting(
        "dispatch.consecutive_periods",
        "连续几期有节点未完成即为红色",
        "默认 2",
        Kind::Count(1, 12),
    ),
    setting(
        "dispatch.months_behind",
        "节点滞后几个月即为红色",
        "默认 3",
        Kind::Count(1, 24),
    ),
    setting(
        "dispatch.weight.completion",
        "排名得分：完成率权重",
        "默认 50",
        Kind::Count(0, 100),
    ),
    setting(
        "dispatch.weight.schedule",
        "排名得分：序时推进占比权重",
        "默认 30",
        Kind::Count(0, 100),
    ),
    setting(
        "dispatch.weight.reporting",
        "排名得分：按时填报率权重",
        "默认 20",
        Kind::Count(0, 100),
    ),
    setting(
        "dispatch.weight.red_penalty",
        "排名得分：红色问题占比扣分",
        "默认 10",
        Kind::Count(0, 100),
    ),
    setting(
        "dispatch.weight.overdue_penalty",
        "排名得分：逾期问题占比扣分",
        "默认 10",
        Kind::Count(0, 100),
    ),
    setting(
        "dispatch.weight.complaint_penalty",
        "排名得分：信访件逾期或迟报占比扣分",
        "默认 10",
        Kind::Count(0, 100),
    ),
    setting(
        "bulletin.issuer",
        "通报落款单位",
        "如 河安市生态环境保护督察整改工作领导小组办公室",
        Kind::Text,
    ),
    setting(
        "register.site.checklist",
        "建筑工地扬尘检查清单",
        "每行一项，默认六个百分之百",
        Kind::Lines,
    ),
    setting(
        "register.site.repeat_days",
        "建筑工地重复违规：统计天数",
        "默认 90",
        Kind::Count(1, 366),
    ),
    setting(
        "register.site.repeat_times",
        "建筑工地重复违规：不合格检查天数",
        "默认 2",
        Kind::Count(1, 30),
    ),
    setting(
        "mail.smtp",
        "邮件服务器",
        "如 smtp.hean.gov.cn:25 zgb@hean.gov.cn（主机、端口和发件地址）；不填则不发邮件",
        Kind::Relay,
    ),
    setting(
        "mail.recipients",
        "督办消息收件邮箱",
        "每行一个单位，如 北岭县政府：a@bl.gov.cn，b@bl.gov.cn",
        Kind::Routes(Address::Mail),
    ),
    setting(
        "webhook.urls",
        "工作群机器人地址（企业微信、钉钉等）",
        "每行一个单位，如 北岭县政府：https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…；“全部”接收所有单位的督办消息",
        Kind::Routes(Address::Web),
    ),
    setting(
        "register.chemical.colours",
        "化工企业红黄蓝绿标识含义",
        "JSON 对象，如 {\"红\": \"关停、淘汰退出\"}",
        Kind::Object,
    ),
];

impl Setting {
    /// The form's entry as the stored value, or what is wrong with it.
    fn read(&self, entry: &str) -> Result<serde_json::Value, String> {
        let entry = entry.trim();
        match self.kind {
            Kind::Count(min, max) => match entry.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n.into()),
                _ => Err(format!("“{}”应为 {min} 到 {max} 之间的整数", self.label)),
            },
            Kind::Flag => match entry {
                "是" | "true" => Ok(true.into()),
                "否" | "false" => Ok(false.into()),
                _ => Err(format!("“{}”应为“是”或“否”", self.label)),
            },
            Kind::Choice(choices) => choices
                .iter()
                .find(|(code, label)| entry == *code || entry == *label)
                .map(|(code, _)| serde_json::Value::from(*code))
                .ok_or_else(|| format!("“{}”的选项无效", self.label)),
            Kind::Text if entry.is_empty() => Err(format!("请填写“{}”", self.label)),
            Kind::Text => Ok(entry.into()),
            Kind::Lines => {
                let lines: Vec<&str> = entry
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                if lines.is_empty() {
                    Err(format!("请至少填写一行“{}”", self.label))
                } else {
                    Ok(lines.into())
                }
            }
            Kind::Routes(address) => self.routes(entry, address),
            Kind::Relay => self.relay(entry),
            Kind::Object => match serde_json::from_str::<serde_json::Value>(entry) {
                Ok(value) if value.is_object() => Ok(value),
                _ => Err(format!(
                    "“{}”应为 JSON 对象，如 {{\"红\": \"关停\"}}",
                    self.label
                )),
            },
        }
    }

    fn routes(&self, entry: &str, address: Address) -> Result<serde_json::Value, String> {
        let mut routes = serde_json::Map::new();
        for (n, line) in entry.lines().map(str::trim).enumerate() {
            if line.is_empty() {
                continue;
            }
            let wrong = |what: String| format!("“{}”第 {} 行：{what}", self.label, n + 1);
            let (unit, list) = line
                .split_once(['：', ':'])
                .filter(|(unit, _)| !unit.trim().is_empty())
                .ok_or_else(|| wrong("应为“单位：地址”".into()))?;
            let unit = match unit.trim() {
                "全部" => "*",
                named => named,
            };
            let addresses: Vec<&str> = list
                .split(['，', ',', ' ', '；', ';'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .collect();
            if addresses.is_empty() {
                return Err(wrong("缺少地址".into()));
            }
            if let Some(bad) = addresses.iter().find(|a| !address.check(a)) {
                return Err(wrong(format!("地址“{bad}”无效")));
            }
            routes.insert(unit.to_string(), addresses.into());
        }
        if routes.is_empty() {
            return Err(format!("请至少填写一行“{}”", self.label));
        }
        Ok(routes.into())
    }

    fn relay(&self, entry: &str) -> Result<serde_json::Value, String> {
        let wrong = || {
            format!(
                "“{}”应为“主机[:端口] 发件地址”，如 smtp.hean.gov.cn:25 zgb@hean.gov.cn",
                self.label
            )
        };
        let (server, from) = entry.split_once(char::is_whitespace).ok_or_else(wrong)?;
        let (host, port) = match server.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| wrong())?),
            None => (server, 25),
        };
        let from = from.trim();
        if host.is_empty() || !Address::Mail.check(from) {
            return Err(wrong());
        }
        Ok(serde_json::json!({ "host": host, "port": port, "from": from }))
    }

    /// The stored value as the form shows it.
    fn shown(&self, value: &serde_json::Value) -> String {
        match (self.kind, value) {
            (Kind::Routes(_), serde_json::Value::Object(routes)) => routes
                .iter()
                .map(|(unit, list)| {
                    let unit = if unit == "*" { "全部" } else { unit };
                    let list = match list {
                        serde_json::Value::Array(all) => all
                            .iter()
                            .filter_map(|a| a.as_str())
                            .collect::<Vec<_>>()
                            .join("，"),
                        other => other.as_str().unwrap_or_default().to_string(),
                    };
                    format!("{unit}：{list}")
                })
                .collect::<Vec<_>>()
                .join("\n"),
            (Kind::Relay, relay) => format!(
                "{}:{} {}",
                relay["host"].as_str().unwrap_or_default(),
                relay["port"].as_u64().unwrap_or(25),
                relay["from"].as_str().unwrap_or_default()
            ),
            (Kind::Flag, serde_json::Value::Bool(on)) => if *on { "是" } else { "否" }.to_string(),
            (Kind::Lines, serde_json::Value::Array(lines)) => lines
                .iter()
                .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join("\n"),
            (Kind::Choice(choices), serde_json::Value::String(code)) => choices
                .iter()
                .find(|(c, _)| c == code)
                .map_or_else(|| code.clone(), |(_, label)| label.to_string()),
            (_, serde_json::Value::String(text)) => text.clone(),
            (_, other) => other.to_string(),
        }
    }
}

/// A setting's row on the page.
struct SettingLine {
    key: &'static str,
    label: &'static str,
    help: &'static str,
    /// The current value as the form shows it; empty for the default.
    value: String,
    /// "number", "flag", "choice", "text", "lines".
    field: &'static str,
    min: u64,
    max: u64,
    choices: &'static [(&'static str, &'static str)],
}

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
    settings: Vec<SettingLine>,
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
    for setting in SETTINGS {
        let value = state
            .store
            .setting(setting.key)
            .await?
            .map(|v| setting.shown(&v))
            .unwrap_or_default();
        let (field, min, max, choices): (&str, u64, u64, &[(&str, &str)]) = match setting.kind {
            Kind::Count(min, max) => ("number", min, max, &[]),
            Kind::Flag => ("choice", 0, 0, &[("否", "否"), ("是", "是")]),
            Kind::Choice(choices) => ("choice", 0, 0, choices),
            Kind::Text | Kind::Relay => ("text", 0, 0, &[]),
            Kind::Lines | Kind::Object | Kind::Routes(_) => ("lines", 0, 0, &[]),
        };
        settings.push(SettingLine {
            key: setting.key,
            label: setting.label,
            help: setting.help,
            value,
            field,
            min,
            max,
            choices,
        });
    }
    let html = AdminPage {
        me: session.me(),
        admin: Allowed::<Accounts>::holds(&session),
        flash: crate::flash::shown(&session, q.done),
        users,
        throttled,
        tokens,
        units: tree(&state.store.org_units().await?),
        roles: Role::CITY
            .iter()
            .map(|r| (r.code(), r.label_zh()))
            .collect(),
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

fn done(session: &Session, message: &str) -> Response {
    crate::kit::back_to(session, "/admin", message)
}

/// Runs a change and reports its outcome on the page; a refused change is a message, not an error page.
fn outcome(session: &Session, result: Result<String, StoreError>) -> PageResult {
    Ok(match result {
        Ok(message) => done(session, &message),
        Err(error) => done(session, &crate::error::user_message(error)),
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
        &session,
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
    outcome(
        &session,
        result.map(|_| format!("已{}用户 {username}", if disable { "停用" } else { "启用" })),
    )
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
    outcome(
        &session,
        result.map(|()| format!("已解除 {} 的登录限制", form.key)),
    )
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
        &session,
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
        Ok(_) => return Ok(done(&session, "没有任何 year 段")),
        Err(error) => return Ok(done(&session, &format!("节假日安排有误：{error}"))),
    };
    let blocks: Vec<(i32, String)> = notices.iter().map(|n| (n.year, n.to_text())).collect();
    let years: Vec<String> = notices.iter().map(|n| n.year.to_string()).collect();
    let result = state
        .store
        .load_calendar_notices(&session.user.username, &blocks)
        .await;
    outcome(
        &session,
        result.map(|()| format!("已载入 {} 年的节假日安排", years.join("、"))),
    )
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
    let Some(setting) = SETTINGS.iter().find(|s| s.key == form.key) else {
        return Err(WebError::NotFound);
    };
    let value = match setting.read(&form.value) {
        Ok(value) => value,
        Err(message) => return Ok(done(&session, &message)),
    };
    let result = state
        .store
        .set_setting(&session.user.username, &form.key, &value)
        .await;
    outcome(
        &session,
        result.map(|()| format!("已保存“{}”：{}", setting.label, setting.shown(&value))),
    )
}
