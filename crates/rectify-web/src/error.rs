//! One error type for every handler, and how it is answered.
//!
//! | `WebError`        | status | page                               | API (`ApiError`)          |
//! |-------------------|--------|------------------------------------|---------------------------|
//! | `Login(path)`     | 303    | to `/login?next=path`              | 401 `请先登录`            |
//! | `NotFound`        | 404    | 未找到 (also outside the scope)    | 404                       |
//! | `Forbidden(m)`    | 403    | the message (CSRF, a role's step)  | 403                       |
//! | `Invalid(m)`      | 422    | the message (what to fill in)      | 422                       |
//! | `Conflict(m)`     | 409    | the message (the workflow refused) | 409                       |
//! | `Refused(s, m)`   | s      | the message (too large, too slow)  | s (also `ApiError::new`)  |
//! | (disk full)       | 507    | 服务器存储空间已满…, as `Refused`     | 507                       |
//! | `Unavailable(id)` | 503    | 数据库暂时无法连接… (the database is away) | the same text        |
//! | (bucket away)     | 503    | 附件存储暂时无法连接…, as `Refused`    | 503                       |
//! | (bucket refuses)  | 500    | 附件存储拒绝了服务器的请求…, as `Refused` | 500                  |
//! | `Internal(id)`    | 500    | 系统错误，请联系管理员（请求编号 id） | the same text              |
//!
//! An internal error's detail (an SQL message, a path) is logged with the request id when the
//! error is made and never shown: the user reads the id to quote.

use crate::upload::Refused;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rectify_store::StoreError;
use serde_json::json;

tokio::task_local! {
    /// The request id of the request being answered (`x-request-id`), set by `request_scope`.
    static REQUEST_ID: String;
}

/// Runs the rest of the stack with the request's id at hand for `WebError::internal`.
pub(crate) async fn request_scope(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let id = request
        .headers()
        .get(&crate::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    REQUEST_ID.scope(id, next.run(request)).await
}

/// Why a request is not answered as asked.
#[derive(Debug)]
pub enum WebError {
    /// Not signed in: the path to come back to after login.
    Login(String),
    /// Missing, or outside the user's scope: the same answer, so existence does not leak.
    NotFound,
    Forbidden(String),
    Invalid(String),
    Conflict(String),
    /// Refused with its own status: before or while the body was read (too large, too slow,
    /// broken), or an API answer with a specific message.
    Refused(StatusCode, String),
    /// The database cannot be reached for now (`StoreError::is_unavailable`); logged when
    /// made, holds the request id. Passes by itself when the database is back.
    Unavailable(String),
    /// Logged when made; holds the request id the user may quote.
    Internal(String),
}

impl WebError {
    /// An internal failure: logged now with its detail, answered with the request id only.
    pub fn internal(detail: &dyn std::fmt::Display) -> WebError {
        let id = request_id();
        tracing::error!(request_id = %id, error = %detail, "request failed");
        WebError::Internal(id)
    }

    /// The disk is full: logged now with its detail, answered 507 with the message that says
    /// nothing was saved.
    pub fn storage_full(detail: &dyn std::fmt::Display) -> WebError {
        WebError::Refused(
            StatusCode::INSUFFICIENT_STORAGE,
            storage_full_message(detail),
        )
    }

    /// The attachment bucket is away: logged now with its detail, answered 503 (with
    /// `Retry-After`) and the message that says nothing was done.
    pub fn bucket_away(detail: &dyn std::fmt::Display) -> WebError {
        WebError::Refused(StatusCode::SERVICE_UNAVAILABLE, bucket_away_message(detail))
    }

    /// The attachment bucket refuses the server for good (its configuration): logged now with
    /// its detail, answered 500 with the message that says so and that nothing was done.
    pub fn bucket_refused(detail: &dyn std::fmt::Display) -> WebError {
        WebError::Refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            bucket_refused_message(detail),
        )
    }

    /// The database is away: logged now with its detail, answered 503 with the request id.
    pub fn unavailable(detail: &dyn std::fmt::Display) -> WebError {
        let id = request_id();
        tracing::error!(request_id = %id, error = %detail, "database unavailable");
        WebError::Unavailable(id)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Login(_) => StatusCode::SEE_OTHER,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Refused(status, _) => *status,
            WebError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user reads.
    pub fn message(&self) -> String {
        match self {
            WebError::Login(_) => "请先登录".into(),
            WebError::NotFound => "未找到该页面或问题。".into(),
            WebError::Forbidden(m)
            | WebError::Invalid(m)
            | WebError::Conflict(m)
            | WebError::Refused(_, m) => m.clone(),
            WebError::Unavailable(id) => format!("{UNAVAILABLE}（请求编号 {id}）"),
            WebError::Internal(id) => format!("系统错误，请联系管理员（请求编号 {id}）"),
        }
    }

    pub fn csrf_failed() -> WebError {
        WebError::Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试".into())
    }
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => WebError::NotFound,
            StoreError::Invalid(m) => WebError::Invalid(m),
            StoreError::Refused(m) => WebError::Conflict(m),
            conflict @ (StoreError::Conflict { .. } | StoreError::Tampered { .. }) => {
                WebError::Conflict(conflict.to_string())
            }
            too_large @ StoreError::TooLarge { .. } => {
                WebError::Refused(StatusCode::PAYLOAD_TOO_LARGE, too_large.to_string())
            }
            away if away.is_unavailable() => WebError::unavailable(&away),
            full if full.is_storage_full() => WebError::storage_full(&full),
            away if away.is_bucket_away() => WebError::bucket_away(&away),
            refused if refused.is_bucket_refused() => WebError::bucket_refused(&refused),
            other => WebError::internal(&other),
        }
    }
}

/// What a user reads when the server's disk is full.
pub const STORAGE_FULL: &str = "服务器存储空间已满，本次提交未保存，请联系管理员清理空间后重试";

/// Logs a full disk with the request id and says so in the user's words.
pub(crate) fn storage_full_message(detail: &dyn std::fmt::Display) -> String {
    let id = request_id();
    tracing::error!(request_id = %id, error = %detail, "storage full");
    format!("{STORAGE_FULL}（请求编号 {id}）")
}

/// What a user reads while the attachment bucket cannot be reached.
pub const BUCKET_AWAY: &str = "附件存储暂时无法连接，本次操作未完成，请稍后再试";

/// Logs an unreachable bucket with the request id and says so in the user's words.
pub(crate) fn bucket_away_message(detail: &dyn std::fmt::Display) -> String {
    let id = request_id();
    tracing::error!(request_id = %id, error = %detail, "attachment storage unavailable");
    format!("{BUCKET_AWAY}（请求编号 {id}）")
}

/// What a user reads when the attachment bucket refuses the server's requests for good: no
/// "try again later", since the same request fails until the configuration is mended.
pub const BUCKET_REFUSED: &str =
    "附件存储拒绝了服务器的请求（存储桶或访问密钥的配置有误），本次操作未完成，请联系管理员";

/// Logs a refusing bucket with the request id and says so in the user's words. The detail
/// names the bucket and the key, never the secret (the client keeps it out of its errors).
pub(crate) fn bucket_refused_message(detail: &dyn std::fmt::Display) -> String {
    let id = request_id();
    tracing::error!(request_id = %id, error = %detail, "attachment storage refused the request");
    format!("{BUCKET_REFUSED}（请求编号 {id}）")
}

/// The id of the request being answered, `-` outside one.
fn request_id() -> String {
    REQUEST_ID
        .try_with(String::clone)
        .unwrap_or_else(|_| "-".into())
}

/// What a user reads while the database cannot be reached.
pub const UNAVAILABLE: &str = "数据库暂时无法连接，系统正在自动重试，请稍后再试";

/// How many seconds a client is asked to wait before trying again after a 503.
const RETRY_AFTER: &str = "5";

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> Self {
        WebError::internal(&format_args!("page template failed: {error}"))
    }
}

impl From<Refused> for WebError {
    fn from(Refused(status, message): Refused) -> Self {
        WebError::Refused(status, message)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            WebError::Login(next) => {
                let target = format!("/login?next={}", crate::encode::url_encode(&next));
                Redirect::to(&target).into_response()
            }
            other => with_retry_after(
                status,
                (status, Html(error_page(status, &other.message()))).into_response(),
            ),
        }
    }
}

/// A page for any failure: readable on a phone, in the site's style, with the way home.
fn error_page(status: StatusCode, message: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=utf-8>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"/static/app.css\"><title>{}</title>\
         <main><section class=\"panel\"><h1>{}</h1><p>{}</p><p><a href=\"/\">返回首页</a></p></section></main></html>",
        title(status),
        title(status),
        crate::encode::escape(message)
    )
}

fn title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::INTERNAL_SERVER_ERROR => "系统错误",
        StatusCode::SERVICE_UNAVAILABLE => "暂时无法服务",
        StatusCode::NOT_FOUND => "未找到",
        StatusCode::CONFLICT => "无法办理",
        StatusCode::UNPROCESSABLE_ENTITY => "请补充填写",
        _ => "拒绝",
    }
}

/// A `WebError` answered as JSON (`{"error": message}`), for the API's routes.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl ApiError {
    /// An answer with its own status and message (`台账中没有第 3 项`).
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError(WebError::Refused(status, message.into()))
    }
}

impl From<WebError> for ApiError {
    fn from(error: WebError) -> Self {
        ApiError(error)
    }
}

impl From<Refused> for ApiError {
    fn from(refused: Refused) -> Self {
        ApiError(refused.into())
    }
}

/// As `WebError`'s, except that a missing record is named: API callers ask by id.
impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            missing @ StoreError::NotFound { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, missing.to_string())
            }
            other => ApiError(other.into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self.0 {
            WebError::Login(_) => StatusCode::UNAUTHORIZED,
            ref other => other.status(),
        };
        let response = (status, Json(json!({ "error": self.0.message() }))).into_response();
        with_retry_after(status, response)
    }
}

/// A 503 tells the client when to try again.
fn with_retry_after(status: StatusCode, mut response: Response) -> Response {
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static(RETRY_AFTER),
        );
    }
    response
}

/// What a form shows after a refused or failed change: the refusal's own words, or for an
/// internal failure the logged request id, never an SQL message.
pub fn user_message(error: impl Into<WebError>) -> String {
    error.into().message()
}

/// A page handler's answer.
pub type PageResult = Result<Response, WebError>;
/// An API handler's answer.
pub type ApiResult = Result<Response, ApiError>;
