//! The login page, login and logout: the login form's double-submit CSRF cookie, the throttle's
//! answer, a new session on every login, and the way back to the page that sent the user here.

use crate::AppState;
use crate::auth::{
    SESSION_COOKIE, client_address, cookie, is_local_path, session_cookie, set_cookie,
    throttled_message,
};
use crate::error::WebError;
use crate::extract::{AnySite, CsrfForm, NoFields};
use askama::Template;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use rectify_store::throttle::LoginOutcome;
use serde::Deserialize;
use std::net::SocketAddr;

const LOGIN_CSRF_COOKIE: &str = "rectify_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    error: Option<String>,
    demo_accounts: Vec<(String, String, String)>,
    /// A city's site links its public air and water pages; the province's has none.
    city: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after login: `next` if it is a path on this site, else `/`.
fn local_path(next: Option<&str>) -> String {
    next.filter(|path| is_local_path(path))
        .map_or_else(|| "/".to_string(), str::to_string)
}

async fn login_page(
    state: &AppState,
    next: String,
    error: Option<String>,
) -> Result<Response, WebError> {
    let csrf = hex_token();
    let demo = state
        .store
        .setting("demo")
        .await?
        .is_some_and(|v| v == serde_json::Value::Bool(true));
    let demo_accounts = if demo {
        state
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled && !u.username.starts_with("jbr_"))
            .map(|u| {
                let roles: Vec<&str> = u.roles.iter().map(|r| r.label_zh()).collect();
                (u.username, roles.join("、"), u.unit_name)
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = LoginPage {
        csrf: csrf.clone(),
        next,
        error: error.clone(),
        demo_accounts,
        city: matches!(*state.site, crate::Site::City),
    };
    let html = page.render()?;
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let cookie = set_cookie(
        state,
        LOGIN_CSRF_COOKIE,
        &csrf,
        "SameSite=Strict; Path=/login",
    );
    Ok((status, [(header::SET_COOKIE, cookie)], Html(html)).into_response())
}

fn hex_token() -> String {
    rectify_store::sessions::random_token()
}

pub async fn show_login(
    State(state): State<AppState>,
    Query(query): Query<NextQuery>,
) -> Result<Response, WebError> {
    login_page(&state, local_path(query.next.as_deref()), None).await
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

pub async fn do_login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let next = local_path(form.next.as_deref());
    if cookie(&headers, LOGIN_CSRF_COOKIE).as_deref() != Some(form.csrf.as_str()) {
        return Err(WebError::Forbidden(
            "登录表单已过期（CSRF 校验失败），请刷新登录页后重试".into(),
        ));
    }
    let address = client_address(&state, peer, &headers).await?;
    let user = match state
        .store
        .log_in(&form.username, &form.password, &address)
        .await?
    {
        LoginOutcome::LoggedIn(user) if state.site.admit(&mut user.clone()) => user,
        LoginOutcome::LoggedIn(_) => {
            return login_page(&state, next, Some(crate::auth::OTHER_SITE.into())).await;
        }
        LoginOutcome::Wrong => {
            return login_page(&state, next, Some("用户名或密码错误".into())).await;
        }
        LoginOutcome::Throttled { seconds } => {
            return login_page(&state, next, Some(throttled_message(seconds))).await;
        }
    };
    // A new session on every login: a token planted before login is worth nothing after it.
    if let Some(old) = cookie(&headers, SESSION_COOKIE) {
        state.store.end_session(&old).await?;
    }
    let session = state.store.create_session(&user).await?;
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(&state, &session.token, None),
    );
    Ok(response)
}

pub async fn do_logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: CsrfForm<NoFields, AnySite>,
) -> Result<Response, WebError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.end_session(&token).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, "", Some(0)));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed_after_login() {
        for good in [
            "/",
            "/ledger?q=%E6%95%B4&page=2",
            "/items/3?plan=a",
            "/complaints/X%2F1",
        ] {
            assert_eq!(local_path(Some(good)), good);
        }
        for bad in [
            "//evil.com",
            "/\t/evil.com",
            "/\\evil.com",
            "/\n/evil.com",
            "/ /evil.com",
            "/\u{1f}x",
            "https://evil.com",
            "evil.com",
            "/\u{3000}/evil.com",
            "/整改",
            "",
        ] {
            assert_eq!(local_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
