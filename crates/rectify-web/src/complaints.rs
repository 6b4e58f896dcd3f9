//! 信访件 for signed-in users: the list with each complaint's report-back clock, and one
//! complaint with the feedback form. Units see the complaints assigned to their subtree; the
//! office, leaders and the discipline commission see all. Only the office sees contacts.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::encode::url_encode;
use crate::error::PageResult;
use crate::error::WebError;
use crate::extract::CsrfForm;
use crate::extract::Path;
use crate::kit::{FlashQuery, render};
use crate::scopes::complaint_filter;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use rectify_core::complaint::{ClockState, ComplaintRecord, Handling, Verdict};
use rectify_core::org::Role;
use rectify_exact::date::Date;
use rectify_store::complaints::ComplaintUpdate;
use rectify_store::today_china;
use serde::Deserialize;

struct Line {
    record: ComplaintRecord,
    clock: ClockState,
}

#[derive(Template)]
#[template(path = "complaints.html")]
struct ListPage {
    me: Me,
    lines: Vec<Line>,
    overdue_only: bool,
    overdue: usize,
    total: usize,
}

#[derive(Template)]
#[template(path = "complaint.html")]
struct DetailPage {
    me: Me,
    flash: Option<String>,
    record: ComplaintRecord,
    clock: ClockState,
    show_contact: bool,
    can_report: bool,
    verdicts: &'static [Verdict],
    states: &'static [Handling],
    today: String,
}

#[derive(Deserialize)]
pub struct ListQuery {
    overdue: Option<u8>,
}

fn is_office(session: &Session) -> bool {
    session.user.roles.contains(&Role::Office)
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let today = today_china();
    let records = state.store.complaints(&complaint_filter(&session)).await?;
    let total = records.len();
    let mut lines: Vec<Line> = records
        .into_iter()
        .map(|record| Line {
            clock: record.clock(today),
            record,
        })
        .collect();
    let overdue = lines.iter().filter(|l| l.clock.is_overdue()).count();
    let overdue_only = query.overdue.is_some();
    lines.retain(|l| !overdue_only || l.clock.is_overdue());
    render(ListPage {
        me: session.me(),
        lines,
        overdue_only,
        overdue,
        total,
    })
}

/// The complaint if the user may see it; otherwise "not found".
async fn visible(
    state: &AppState,
    session: &Session,
    received_no: &str,
) -> Result<ComplaintRecord, WebError> {
    let record = state.store.complaint(received_no).await?;
    let filter = complaint_filter(session);
    match &filter.units {
        Some(units) if !record.unit_id.is_some_and(|u| units.contains(&u)) => {
            Err(WebError::NotFound)
        }
        _ => Ok(record),
    }
}

fn can_report(session: &Session) -> bool {
    is_office(session) || session.user.roles.contains(&Role::Unit)
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(received_no): Path<String>,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let _path = format!("/complaints/{}", url_encode(&received_no));
    let record = visible(&state, &session, &received_no).await?;
    let today = today_china();
    render(DetailPage {
        me: session.me(),
        flash: flash.done,
        clock: record.clock(today),
        record,
        show_contact: is_office(&session),
        can_report: can_report(&session),
        verdicts: Verdict::ALL,
        states: Handling::ALL,
        today: today.to_string(),
    })
}

#[derive(Deserialize)]
pub struct FeedbackForm {
    investigation: String,
    verdict: String,
    result: String,
    #[serde(default)]
    accountability: String,
    state: String,
    reported_on: String,
}

pub async fn feedback(
    State(state): State<AppState>,
    Path(received_no): Path<String>,
    CsrfForm { session, form, .. }: CsrfForm<FeedbackForm>,
) -> PageResult {
    let path = format!("/complaints/{}", url_encode(&received_no));
    let record = visible(&state, &session, &received_no).await?;
    if !can_report(&session) {
        return Err(WebError::Forbidden(
            "只有承办单位经办人或整改办可以填报办理结果".into(),
        ));
    }
    let update = ComplaintUpdate {
        investigation: Some(form.investigation),
        verdict: Verdict::parse(&form.verdict),
        result: Some(form.result),
        accountability: Some(form.accountability),
        handling: Handling::parse(&form.state),
        reported_on: Date::parse(&form.reported_on).or(Some(today_china())),
        ..ComplaintUpdate::default()
    };
    let message = match state
        .store
        .update_complaint(
            &session.user.username,
            &record.complaint.received_no,
            update,
        )
        .await
    {
        Ok(_) => "已保存办理结果".to_string(),
        Err(error) => crate::error::user_message(error),
    };
    Ok(Redirect::to(&format!("{path}?done={}", url_encode(&message))).into_response())
}
