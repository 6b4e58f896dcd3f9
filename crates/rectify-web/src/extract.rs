//! Extractors that make the web layer's checks impossible to forget: a handler that takes a
//! `Session` has a signed-in user (or the browser went to the login page), one that takes
//! `Allowed<P>` has a user with a role `P` admits (or answered 404), and one that takes
//! `CsrfForm<T>` has a form whose CSRF token matched before a single field was used.

use crate::AppState;
use crate::auth::{Session, is_local_path, session};
use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use rectify_core::org::Role;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

impl FromRequestParts<AppState> for Session {
    type Rejection = WebError;

    /// The signed-in user, or a redirect to the login page that comes back: to this page for a
    /// `GET`, to the page the form was on for a post.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        if let Some(session) = session(state, &parts.headers).await? {
            return Ok(session);
        }
        let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let back = if parts.method == Method::GET {
            here.to_string()
        } else {
            form_page(parts).unwrap_or_else(|| "/".into())
        };
        Err(WebError::Login(back))
    }
}

/// The page a form was posted from, when it is one of this site's.
fn form_page(parts: &Parts) -> Option<String> {
    let referer = parts.headers.get(header::REFERER)?.to_str().ok()?;
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    is_local_path(path).then(|| path.to_string())
}

/// Who may open a part of the site. Outside it the answer is 404, as for a missing page, and
/// the menus do not show it (`crate::auth::Me`).
pub trait Permission {
    const ROLES: &'static [Role];
}

/// Any signed-in user of a city's site.
pub struct SignedIn;
impl Permission for SignedIn {
    const ROLES: &'static [Role] = &Role::CITY;
}

/// Any signed-in user of whichever site: signing out works on a city's and the province's.
/// (The site has already narrowed the session's roles to its own.)
pub struct AnySite;
impl Permission for AnySite {
    const ROLES: &'static [Role] = &Role::ALL;
}

/// The province's pages: its office (省级督察办), on the province's site.
pub struct ProvinceOffice;
impl Permission for ProvinceOffice {
    const ROLES: &'static [Role] = &[Role::Province];
}

/// The office's work: imports, bulletins.
pub struct OfficeWork;
impl Permission for OfficeWork {
    const ROLES: &'static [Role] = &[Role::Office, Role::Admin];
}

/// The accountability list: discipline inspectors and the office.
pub struct Accountability;
impl Permission for Accountability {
    const ROLES: &'static [Role] = &[Role::Discipline, Role::Office, Role::Admin];
}

/// The administration page: units, the calendar and settings (accounts are `Accounts`').
pub struct Administration;
impl Permission for Administration {
    const ROLES: &'static [Role] = &[Role::Admin, Role::Office];
}

/// User accounts, tokens and login throttles.
pub struct Accounts;
impl Permission for Accounts {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// Publishing to the portal: the office.
pub struct Publishing;
impl Permission for Publishing {
    const ROLES: &'static [Role] = &[Role::Office];
}

/// The site's menu: each page with the roles its handler lets in, so a menu links only to
/// pages that open for the user.
const MENU: &[(&str, &str, &[Role])] = &[
    ("/cockpit", "驾驶舱", crate::cockpit::ROLES),
    ("/ledger", "台账", SignedIn::ROLES),
    ("/acceptance", "验收", SignedIn::ROLES),
    ("/notices", "公示", SignedIn::ROLES),
    ("/bulletins", "通报", SignedIn::ROLES),
    ("/dispatch", "调度", OfficeWork::ROLES),
    ("/accountability", "问责", Accountability::ROLES),
    ("/complaints", "信访", SignedIn::ROLES),
    ("/registers", "名录", SignedIn::ROLES),
    ("/inspections", "督察", crate::inspections::ROLES),
    ("/coal", "燃煤", crate::coal::ROLES),
    ("/inbox", "消息", SignedIn::ROLES),
    ("/import", "导入", OfficeWork::ROLES),
    ("/publish", "发布", Publishing::ROLES),
    ("/admin", "管理", Administration::ROLES),
    ("/air", "空气质量", SignedIn::ROLES),
    ("/water", "水环境", SignedIn::ROLES),
    ("/province", "全省概览", ProvinceOffice::ROLES),
    ("/province/bulletins", "省级通报", ProvinceOffice::ROLES),
];

/// The menu links (address, label) a user with `roles` may follow.
pub fn menu_for(roles: &[Role]) -> Vec<(&'static str, &'static str)> {
    MENU.iter()
        .filter(|(_, _, allowed)| allowed.iter().any(|r| roles.contains(r)))
        .map(|(href, label, _)| (*href, *label))
        .collect()
}

/// A signed-in user holding one of `P::ROLES`.
pub struct Allowed<P: Permission>(pub Session, pub PhantomData<P>);

impl<P: Permission> Allowed<P> {
    pub fn holds(session: &Session) -> bool {
        P::ROLES.iter().any(|r| session.user.roles.contains(r))
    }

    /// For a handler whose session came with its form (`CsrfForm`): 404 outside `P`.
    pub fn check(session: &Session) -> Result<(), WebError> {
        if Self::holds(session) {
            Ok(())
        } else {
            Err(WebError::NotFound)
        }
    }
}

impl<P: Permission + Send + Sync> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let session = Session::from_request_parts(parts, state).await?;
        Self::check(&session)?;
        Ok(Allowed(session, PhantomData))
    }
}

/// A form with nothing but its CSRF token (a button).
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A URL-encoded form of a signed-in user holding a role of `P` (else 404, before anything of
/// the form is read), whose `csrf` field matched the session's before `T` was read.
pub struct CsrfForm<T, P: Permission = SignedIn> {
    pub session: Session,
    pub form: T,
    pub allowed: PhantomData<P>,
}

impl<T: DeserializeOwned + Send, P: Permission + Send + Sync> FromRequest<AppState>
    for CsrfForm<T, P>
{
    type Rejection = WebError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        Allowed::<P>::check(&session)?;
        let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| WebError::Refused(e.status(), e.body_text()))?;
        let again = |bytes: Bytes| {
            // A form is read from the body only for a non-GET request (axum reads a GET's
            // query instead), so the re-made request is a POST like the one that came.
            let mut request = Request::new(axum::body::Body::from(bytes));
            *request.method_mut() = Method::POST;
            if let Some(value) = content_type.clone() {
                request.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            request
        };
        let axum::Form(CsrfField { csrf }) = axum::Form::from_request(again(bytes.clone()), state)
            .await
            .map_err(|_| WebError::csrf_failed())?;
        session.check_csrf(&csrf)?;
        let axum::Form(form) = axum::Form::from_request(again(bytes), state)
            .await
            .map_err(|e| WebError::Invalid(format!("表单内容有误：{}", e.body_text())))?;
        Ok(CsrfForm {
            session,
            form,
            allowed: PhantomData,
        })
    }
}

/// A page's path parameters: one that does not parse (`/items/abc`) is the same friendly 404
/// as a page that does not exist, never the framework's "Invalid URL" text.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|_| WebError::NotFound)
    }
}
