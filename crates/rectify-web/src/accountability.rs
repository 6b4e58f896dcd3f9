//! 问责: the accountability candidates for the discipline commission and the office, with the
//! decision form. Nobody else sees the page (404, like an item outside one's scope).

use crate::AppState;
use crate::auth::Me;
use crate::encode::url_encode;
use crate::error::PageResult;
use crate::extract::{Accountability, Allowed, CsrfForm};
use crate::kit::{FlashQuery, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use rectify_core::accountability::AccountabilityDecision;
use rectify_io::bulletin::accountability_table;
use rectify_store::today_china;
use serde::Deserialize;

struct Row {
    key: String,
    cells: Vec<String>,
    decided: bool,
}

#[derive(Template)]
#[template(path = "accountability.html")]
struct AccountabilityPage {
    me: Me,
    flash: Option<String>,
    headers: Vec<&'static str>,
    rows: Vec<Row>,
    today: String,
}

pub async fn list(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Accountability>,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let today = today_china();
    let lines = state.store.accountability(today).await?;
    let table = accountability_table(&lines);
    let rows = lines
        .iter()
        .zip(table.rows)
        .map(|(line, cells)| Row {
            key: line.candidate.key.clone(),
            cells,
            decided: line.decision.is_some(),
        })
        .collect();
    render(AccountabilityPage {
        me: session.me(),
        flash: flash.done,
        headers: table.headers,
        rows,
        today: today.to_string(),
    })
}

#[derive(Deserialize)]
pub struct DecisionForm {
    key: String,
    organ: String,
    on: String,
    form: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    published: Option<String>,
}

pub async fn decide(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<DecisionForm, Accountability>,
) -> PageResult {
    let decision = AccountabilityDecision {
        candidate_key: form.key,
        organ: form.organ,
        decided_on: form.on,
        form: form.form,
        outcome: form.outcome,
        published: form.published.is_some(),
    };
    let message = match state
        .store
        .decide_accountability(&session.user.username, &decision, today_china())
        .await
    {
        Ok(()) => format!("已登记：{}（{}）", decision.form, decision.organ),
        Err(error) => crate::error::user_message(error),
    };
    Ok(Redirect::to(&format!("/accountability?done={}", url_encode(&message))).into_response())
}
