//! Monthly progress reports: a unit's form and its submission, and a supervisor's review.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::{find_visible, snapshot, snapshot_since, tick, visible_by_id, visible_item};
use crate::error::PageResult;
use crate::extract::CsrfForm;
use crate::extract::Path;
use crate::kit::{ItemQuery, MeasureLine, actor, back_to, item_at, measure_lines, render, short};
use crate::multipart::Posted;
use askama::Template;
use axum::extract::{Query, Request, State};
use rectify_core::workflow::{EvidenceKind, ProgressStatus};
use rectify_store::today_china;
use rectify_store::workflow::{NewEvidence, NewReport};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "report_form.html")]
struct ReportForm {
    me: Me,
    number: u32,
    plan_query: String,
    problem: String,
    period: String,
    measures: Vec<MeasureLine>,
}

pub async fn report_form(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<u32>,
    Query(query): Query<ItemQuery>,
) -> PageResult {
    let snapshot = snapshot_since(&state, session.seen_head).await?;
    let stored = find_visible(&snapshot, &session.viewer, number, query.plan.as_deref())?;
    let workflow = snapshot.workflow(stored)?;
    let today = today_china();
    let mut measures = measure_lines(&stored.item, workflow);
    // A member reports on its own part: the measures its task has done, not the item's.
    if let Some(task) = stored
        .tasks
        .iter()
        .find(|t| t.unit_id == session.user.unit_id)
    {
        let done_on = task.measures_done_on(measures.len());
        for (line, done) in measures.iter_mut().zip(done_on) {
            line.done = done.is_some();
            line.done_on = done.map(|d| d.to_string());
        }
    }
    render(ReportForm {
        me: session.me(),
        number,
        plan_query: snapshot.plan_query(stored),
        problem: short(&stored.item.problem, 60),
        period: format!("{:04}-{:02}", today.year, today.month),
        measures,
    })
}

pub async fn report_submit(
    State(state): State<AppState>,
    session: Session,
    Path(number): Path<u32>,
    Query(query): Query<ItemQuery>,
    request: Request,
) -> PageResult {
    let stored = visible_item(&state, &session.viewer, number, query.plan.as_deref()).await?;
    let posted = Posted::read(&state, &session, request).await?;
    let at = item_at(&stored);
    let (today, current) = tick(&state).await?;
    let calendar = current.calendar.clone();
    let me = actor(&session);
    let path = current.item_path(&stored);
    let back = |message: &str| back_to(&session, &path, message);
    let mut evidence = Vec::new();
    for file in &posted.files {
        let new = NewEvidence {
            kind: EvidenceKind::guess(&file.name),
            title: &file.name,
            file_name: &file.name,
            file: &file.upload,
            supersedes: None,
        };
        match state.store.add_evidence(&me, at, new).await {
            Ok(e) => evidence.push(e.id),
            Err(error) => return Ok(back(&crate::error::user_message(error))),
        }
    }
    let done: Vec<u32> = posted
        .fields
        .get("done")
        .into_iter()
        .flatten()
        .filter_map(|d| d.parse().ok())
        .collect();
    let new = NewReport {
        period: &posted.text("period"),
        text: &posted.text("text"),
        done_measures: &done,
        self_schedule: &posted.text("schedule"),
        evidence_ids: &evidence,
    };
    Ok(
        match state.store.add_report(&me, at, new, today, &calendar).await {
            Ok(report) => back(&format!(
                "已提交 {} 进展{}",
                report.period,
                if report.late { "（迟报）" } else { "" }
            )),
            Err(error) => back(&crate::error::user_message(error)),
        },
    )
}

#[derive(Deserialize)]
pub struct ReviewForm {
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn report_review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { session, form, .. }: CsrfForm<ReviewForm>,
) -> PageResult {
    // The scope is that of the report's own item, never of an item named by the form.
    let report = state.store.report(id).await?;
    let stored = visible_by_id(&state, &session.viewer, report.item_id).await?;
    let path = snapshot(&state).await?.item_path(&stored);
    let outcome = state
        .store
        .review_report(&actor(&session), id, form.decision == "confirm", &form.note)
        .await;
    Ok(match outcome {
        Ok(report) => back_to(
            &session,
            &path,
            &format!(
                "已{} {} 进展",
                if report.status == ProgressStatus::Confirmed {
                    "确认"
                } else {
                    "退回"
                },
                report.period
            ),
        ),
        Err(error) => back_to(&session, &path, &crate::error::user_message(error)),
    })
}
