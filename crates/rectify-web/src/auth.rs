//! The signed-in user of a request, their cookies, and the client's address (the login page
//! and its handlers are in `login`).
//!
//! Sessions live in the database (several server processes share them). The cookie holds a
//! random token; the stored id is its SHA-256. Every state-changing form carries the session's
//! CSRF token; the login form, before there is a session, uses a double-submit cookie.

use crate::AppState;
use crate::error::WebError;
use axum::http::uri::PathAndQuery;
use axum::http::{HeaderMap, HeaderValue, header};
use rectify_core::workflow::Viewer;
use rectify_store::StoreError;
use rectify_store::users::User;
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "rectify_session";

/// The signed-in user, their CSRF token and what they may see.
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub viewer: Viewer,
    /// The journal's head when the session was read: a page that only reads the ledger reads
    /// a snapshot at least this new (`caches::snapshot_since`).
    pub seen_head: i64,
}

/// What the header shows about the signed-in user.
pub struct Me {
    pub display_name: String,
    pub unit: String,
    pub roles: String,
    pub csrf: String,
    /// The menu's links the user may follow (`extract::menu_for`).
    pub menu: Vec<(&'static str, &'static str)>,
}

impl Session {
    pub fn me(&self) -> Me {
        let roles: Vec<&str> = self.user.roles.iter().map(|r| r.label_zh()).collect();
        Me {
            display_name: self.user.display_name.clone(),
            unit: self.user.unit_name.clone(),
            roles: roles.join("、"),
            csrf: self.csrf.clone(),
            menu: crate::extract::menu_for(&self.user.roles),
        }
    }

    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        if sent == self.csrf {
            Ok(())
        } else {
            Err(WebError::csrf_failed())
        }
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            pair.trim()
                .strip_prefix(name)?
                .strip_prefix('=')
                .map(str::to_string)
        })
}

/// `Set-Cookie` for the session.
pub fn session_cookie(state: &AppState, token: &str, max_age: Option<u32>) -> HeaderValue {
    let mut attributes = String::from("SameSite=Lax; Path=/");
    if let Some(age) = max_age {
        attributes.push_str(&format!("; Max-Age={age}"));
    }
    set_cookie(state, SESSION_COOKIE, token, &attributes)
}

/// A `Set-Cookie` value: always `HttpOnly`, and `Secure` when the deployment is behind TLS
/// (`WebConfig::secure_cookies`). Every cookie the server sets goes through here, so none can
/// miss either.
pub(crate) fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    attributes: &str,
) -> HeaderValue {
    let mut text = format!("{name}={value}; HttpOnly; {attributes}");
    if state.config.secure_cookies {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("rectify_invalid=; Path=/"))
}

/// The request's session, if it has a live one.
pub async fn session(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, StoreError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(live) = state.store.session_user(&token).await? else {
        return Ok(None);
    };
    let rectify_store::sessions::LiveSession {
        mut user,
        csrf,
        journal_head,
    } = live;
    if !state.site.admit(&mut user) {
        return Ok(None);
    }
    let snapshot = crate::caches::snapshot_since(state, journal_head).await?;
    let viewer = rectify_store::sessions::viewer_in(&snapshot.org_units, &user);
    Ok(Some(Session {
        user,
        csrf,
        viewer,
        seen_head: journal_head,
    }))
}

/// A path on this site: one leading `/`, printable ASCII only (this site's own links are
/// percent-encoded), and a valid path and query on its own. Browsers drop tabs and line breaks
/// from a `Location` and read `\` as `/`, so `/\t/evil.com` or `/\evil.com` would become
/// `//evil.com`, another host; `//` itself is a host; and a control character or non-ASCII text
/// cannot go into a header at all.
pub(crate) fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.chars().all(|c| c.is_ascii_graphic() && c != '\\')
        && path
            .parse::<PathAndQuery>()
            .is_ok_and(|parsed| parsed.as_str() == path && parsed.path().starts_with('/'))
}

/// The refusal of a correct login on a site the account does not belong to.
pub const OTHER_SITE: &str = "此账号不属于本站点，请到所属城市或省级站点登录";

/// The refusal of a throttled login, web and API alike.
pub fn throttled_message(seconds: i64) -> String {
    let minutes = (seconds + 59) / 60;
    format!("登录失败次数过多，请 {minutes} 分钟后再试")
}

/// The client's address for throttling: the peer, unless the peer is one of the trusted proxies
/// (setting `web.trusted_proxies`, a JSON array of IP addresses), in which case the last
/// address in `X-Forwarded-For` that is not itself a trusted proxy. Anyone can send the header,
/// so it is believed only from a proxy that is trusted to overwrite it.
pub async fn client_address(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Result<String, StoreError> {
    let trusted = match state.store.setting("web.trusted_proxies").await? {
        None => Vec::new(),
        Some(value) => serde_json::from_value::<Vec<IpAddr>>(value).map_err(|_| {
            StoreError::Invalid(
                "设置 web.trusted_proxies 应为 IP 地址的 JSON 数组，如 [\"10.0.0.1\"]".into(),
            )
        })?,
    };
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    Ok(client_ip(peer.ip(), &forwarded.join(","), &trusted).to_string())
}

/// Walks the hops from the nearest: each trusted proxy vouches for the address before it. An
/// entry that is not an address ends the walk at the proxy that passed it on.
fn client_ip(peer: IpAddr, forwarded: &str, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    for hop in forwarded
        .rsplit(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        if !trusted.contains(&client) {
            break;
        }
        match hop.parse::<IpAddr>() {
            Ok(ip) => client = ip,
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = ip("10.0.0.1");
        assert_eq!(
            client_ip(ip("127.0.0.1"), "203.0.113.9", &[proxy]),
            ip("127.0.0.1")
        );
        assert_eq!(client_ip(proxy, "203.0.113.9", &[proxy]), ip("203.0.113.9"));
        assert_eq!(
            client_ip(proxy, "1.1.1.1, 203.0.113.9", &[proxy]),
            ip("203.0.113.9"),
            "the spoofable left part is not believed"
        );
        assert_eq!(
            client_ip(proxy, "203.0.113.9, 10.0.0.2", &[proxy, ip("10.0.0.2")]),
            ip("203.0.113.9")
        );
        assert_eq!(client_ip(proxy, "junk", &[proxy]), proxy);
        assert_eq!(client_ip(proxy, "", &[proxy]), proxy);
    }
}
