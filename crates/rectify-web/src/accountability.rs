//! 问责: the accountability candidates for the discipline commission and the office, with the
//! decision form. Nobody else sees the page (404, like an item outside one's scope).

use crate::AppState;
use crate::auth::Me;
use crate::error::PageResult;
use crate::error::WebError;
use crate::extract::{Accountability, Allowed, CsrfForm};
use crate::kit::{FlashQuery, XLSX, back_to, named_download, render};
use askama::Template;
use axum::extract::{Query, State};
use rectify_core::accountability::AccountabilityDecision;
use rectify_exact::date::Date;
use rectify_io::bulletin::{accountability_table, accountability_xlsx};
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
    /// The plans a transferred case's items may belong to, the latest first.
    plans: Vec<String>,
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
    let plans = state
        .store
        .plans()
        .await?
        .into_iter()
        .rev()
        .map(|p| p.plan.name)
        .collect();
    render(AccountabilityPage {
        me: session.me(),
        flash: crate::flash::shown(&session, flash.done),
        headers: table.headers,
        rows,
        today: today.to_string(),
        plans,
    })
}

/// The list as `rectify accountability list --format xlsx` writes it.
pub async fn export(
    State(state): State<AppState>,
    Allowed(_, _): Allowed<Accountability>,
) -> PageResult {
    let today = today_china();
    let lines = state.store.accountability(today).await?;
    let bytes = accountability_xlsx(&lines).map_err(|e| WebError::internal(&e))?;
    Ok(named_download(
        &format!("accountability-{today}.xlsx"),
        &format!("问责候选与处理情况-{today}.xlsx"),
        XLSX,
        bytes,
    ))
}

#[derive(Deserialize)]
pub struct TransferForm {
    target: String,
    case: String,
    #[serde(default)]
    doc_no: String,
    on: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    items: String,
}

/// A transferred case as the store records it.
struct Transfer {
    /// With the team's document number when given.
    case: String,
    on: Date,
    /// (plan, number) of the items it concerns.
    items: Vec<(String, u32)>,
}

impl TransferForm {
    fn read(&self) -> Result<Transfer, String> {
        let on = Date::parse(self.on.trim())
            .ok_or_else(|| format!("移交日期“{}”不是日期", self.on.trim()))?;
        let items = self
            .items
            .split([',', '，', '、', ' '])
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                t.trim()
                    .parse::<u32>()
                    .map(|n| (self.plan.trim().to_string(), n))
                    .map_err(|_| format!("关联事项“{}”应为事项序号，如 1,5", t.trim()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let case = match self.doc_no.trim() {
            "" => self.case.trim().to_string(),
            doc => format!("{}（{doc}）", self.case.trim()),
        };
        Ok(Transfer { case, on, items })
    }
}

/// Records a case the inspection team transferred for accountability, as `rectify
/// accountability transfer` does.
pub async fn transfer(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<TransferForm, Accountability>,
) -> PageResult {
    let message = match form.read() {
        Err(problem) => format!("未登记：{problem}"),
        Ok(Transfer { case, on, items }) => match state
            .store
            .record_transfer(&session.user.username, &form.target, &case, on, &items)
            .await
        {
            Ok(_) => format!("已登记督察组移交问题（{}）", form.target.trim()),
            Err(error) => crate::error::user_message(error),
        },
    };
    Ok(back_to(&session, "/accountability", &message))
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
    Ok(back_to(&session, "/accountability", &message))
}
