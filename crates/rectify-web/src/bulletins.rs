//! 通报: the frozen monthly bulletins, each version downloadable as docx, xlsx or html, and the
//! office's button that generates (and freezes) a new one.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::error::PageResult;
use crate::error::WebError;
use crate::extract::CsrfForm;
use crate::extract::Path;
use crate::kit::{FlashQuery, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use rectify_core::dispatch::AsOf;
use rectify_core::org::Role;
use rectify_io::bulletin::{Format, Issue, document, file_name};
use rectify_store::today_china;
use serde::Deserialize;

struct Line {
    period: String,
    version: u32,
    issued_on: String,
    created_by: String,
    sha: String,
}

#[derive(Template)]
#[template(path = "bulletins.html")]
struct BulletinsPage {
    me: Me,
    office: bool,
    flash: Option<String>,
    /// The month just ended, offered in the form.
    last_month: String,
    lines: Vec<Line>,
    formats: [&'static str; 3],
}

fn may_generate(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::Office | Role::Admin))
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let today = today_china();
    let last = today.add_months(-1);
    let lines = state
        .store
        .bulletins()
        .await?
        .into_iter()
        .map(|b| Line {
            sha: b.sha256[..12].to_string(),
            period: b.period,
            version: b.version,
            issued_on: b.issued_on,
            created_by: b.created_by,
        })
        .collect();
    render(BulletinsPage {
        me: session.me(),
        office: may_generate(&session.user.roles),
        flash: crate::flash::shown(&session, flash.done),
        last_month: format!("{:04}-{:02}", last.year, last.month),
        lines,
        formats: Format::ALL.map(Format::extension),
    })
}

#[derive(Deserialize)]
pub struct GenerateForm {
    period: String,
}

pub async fn generate(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<GenerateForm>,
) -> PageResult {
    if !may_generate(&session.user.roles) {
        return Err(WebError::NotFound);
    }
    let back = |message: &str| crate::kit::back_to(&session, "/bulletins", message);
    let Some((year, month)) = rectify_exact::date::parse_year_month(form.period.trim()) else {
        return Ok(back(&format!("期间“{}”应为 YYYY-MM", form.period)));
    };
    let today = today_china();
    let as_of = match AsOf::for_period(year, month, today) {
        Ok(as_of) => as_of,
        Err(refused) => return Ok(back(&refused)),
    };
    let facts = rectify_app::bulletin::facts_for(&state.store, as_of).await?;
    let earlier = state.store.bulletin(&facts.period, None).await.is_ok();
    let (frozen, _) = state
        .store
        .freeze_bulletin(&session.user.username, &facts, today)
        .await?;
    let what = if earlier {
        "本期已有通报，已生成新版本"
    } else {
        "已生成并冻结"
    };
    Ok(back(&format!(
        "{what}：{} 第{}版",
        frozen.period, frozen.version
    )))
}

/// One version in one format, rendered from its frozen facts.
pub async fn download(
    State(state): State<AppState>,
    _signed_in: Session,
    Path((period, version, format)): Path<(String, u32, String)>,
) -> PageResult {
    let format = Format::parse(&format).ok_or(WebError::NotFound)?;
    let (frozen, facts) = state
        .store
        .bulletin(&period, Some(version))
        .await
        .map_err(|_| WebError::NotFound)?;
    let issuer = state.store.bulletin_issuer().await?;
    let doc = document(
        &facts,
        &Issue {
            issuer: &issuer,
            version: frozen.version,
            date: &frozen.issued_on,
            cjk_font: state.config.cjk_font.as_deref(),
        },
    );
    let bytes =
        rectify_io::bulletin::render(&facts, &doc, format).map_err(|e| WebError::internal(&e))?;
    let name = file_name(&frozen.period, frozen.version, format);
    let disposition = format!(
        "attachment; filename=\"bulletin.{}\"; filename*=UTF-8''{}",
        format.extension(),
        crate::encode::url_encode(&name)
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.media_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response())
}
