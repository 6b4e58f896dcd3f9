//! 信访件 for signed-in users: the list with each complaint's report-back clock, and one
//! complaint with the feedback form. Units see the complaints assigned to their subtree; the
//! office, leaders and the discipline commission see all. Only the office sees contacts.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::encode::url_encode;
use crate::error::PageResult;
use crate::error::WebError;
use crate::extract::Path;
use crate::extract::{Allowed, CsrfForm, OfficeWork};
use crate::kit::{FlashQuery, XLSX, back_to, named_download, render};
use crate::scopes::complaint_filter;
use askama::Template;
use axum::extract::{Query, RawQuery, State};
use rectify_app::complaints::{ComplaintTable, workbook};
use rectify_core::complaint::{
    ClockState, ComplaintQuery, ComplaintRecord, Handling, MEASURE_LABELS, Measures, StateFilter,
    SuggestionKind, Verdict,
};
use rectify_core::org::Role;
use rectify_exact::date::Date;
use rectify_store::complaints::ComplaintRebound;
use rectify_store::complaints::ComplaintUpdate;
use rectify_store::today_china;
use serde::Deserialize;
use std::collections::BTreeSet;

struct Line {
    record: ComplaintRecord,
    clock: ClockState,
}

#[derive(Template)]
#[template(path = "complaints.html")]
struct ListPage {
    me: Me,
    lines: Vec<Line>,
    form: ListQuery,
    choices: Choices,
    /// What the filter could not read, by field.
    problems: Vec<String>,
    overdue: usize,
    total: usize,
    /// The filter as a query string, for the exports.
    query: String,
    /// The office imports transfer lists and runs spot-checks.
    office: bool,
}

/// The filter's choices, from the complaints the user sees.
struct Choices {
    batches: Vec<u32>,
    regions: Vec<String>,
    units: Vec<String>,
    states: Vec<&'static str>,
    verdicts: &'static [Verdict],
}

impl Choices {
    fn of(records: &[ComplaintRecord]) -> Choices {
        let set = |pick: &dyn Fn(&ComplaintRecord) -> Option<String>| {
            records
                .iter()
                .filter_map(pick)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        Choices {
            batches: records
                .iter()
                .map(|r| r.batch)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            regions: set(&|r| r.complaint.region.clone()),
            units: set(&|r| r.unit.clone()),
            states: StateFilter::all().iter().map(|s| s.label_zh()).collect(),
            verdicts: Verdict::ALL,
        }
    }
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
    office: bool,
    verdicts: &'static [Verdict],
    states: &'static [Handling],
    /// The signed-off items at the complaint's site.
    rebounds: Vec<ComplaintRebound>,
    /// Some rebound flag awaits the office (one answer covers them all).
    rebound_open: bool,
    /// The 一览表's figures: (field name, label, value as stored).
    figures: Vec<(&'static str, &'static str, String)>,
    today: String,
}

/// The list's filter as the GET form sends it; every field may be empty.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    batch: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    overdue: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    q: String,
}

impl ListQuery {
    /// The filter, and a message per field it could not read (that field then filters nothing).
    fn read(&self) -> (ComplaintQuery, Vec<String>) {
        let mut problems = Vec::new();
        let mut pick = |text: &str, label: &str, parsed: Option<()>| {
            if !text.trim().is_empty() && parsed.is_none() {
                problems.push(format!("{label}“{}”无效，已忽略", text.trim()));
            }
        };
        let given = |t: &str| Some(t.trim()).filter(|t| !t.is_empty()).map(str::to_string);
        let batch = given(&self.batch).and_then(|b| b.parse::<u32>().ok());
        pick(&self.batch, "批次", batch.map(|_| ()));
        let state = StateFilter::parse(&self.state);
        pick(&self.state, "办理状态", state.map(|_| ()));
        let verdict = Verdict::parse(self.verdict.trim());
        pick(&self.verdict, "是否属实", verdict.map(|_| ()));
        let query = ComplaintQuery {
            batch,
            region: given(&self.region),
            unit: given(&self.unit),
            state,
            verdict,
            overdue: self.overdue.is_some(),
            key_case: self.key.is_some(),
            text: given(&self.q),
        };
        (query, problems)
    }
}

fn is_office(session: &Session) -> bool {
    session.user.roles.contains(&Role::Office)
}

/// The complaints the user sees that pass the filter, the total seen, and the filter's choices.
async fn filtered(
    state: &AppState,
    session: &Session,
    query: &ComplaintQuery,
) -> Result<(Vec<ComplaintRecord>, Vec<ComplaintRecord>), WebError> {
    let records = state.store.complaints(&complaint_filter(session)).await?;
    let today = today_china();
    let shown = records
        .iter()
        .filter(|r| query.matches(r, today))
        .cloned()
        .collect();
    Ok((records, shown))
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    RawQuery(raw): RawQuery,
    Query(form): Query<ListQuery>,
) -> PageResult {
    let today = today_china();
    let (query, problems) = form.read();
    let (records, shown) = filtered(&state, &session, &query).await?;
    let lines: Vec<Line> = shown
        .into_iter()
        .map(|record| Line {
            clock: record.clock(today),
            record,
        })
        .collect();
    render(ListPage {
        me: session.me(),
        overdue: records
            .iter()
            .filter(|r| r.clock(today).is_overdue())
            .count(),
        total: records.len(),
        choices: Choices::of(&records),
        lines,
        form,
        problems,
        query: raw.unwrap_or_default(),
        office: is_office(&session),
    })
}

/// The filtered list as the 一览表 (`/complaints/public.xlsx`) or the type statistics
/// (`/complaints/types.xlsx`), the same workbooks `rectify complaint export` writes.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Path(table): Path<String>,
    Query(form): Query<ListQuery>,
) -> PageResult {
    let (table, name) = match table.as_str() {
        "public.xlsx" => (ComplaintTable::Public, "信访件一览表"),
        "types.xlsx" => (ComplaintTable::Types, "信访件污染类型统计表"),
        _ => return Err(WebError::NotFound),
    };
    let (query, _) = form.read();
    let (_, shown) = filtered(&state, &session, &query).await?;
    let bytes = workbook(&state.store, &shown, table).await?;
    let today = today_china();
    Ok(named_download(
        &format!("complaints-{today}.xlsx"),
        &format!("{name}-{today}.xlsx"),
        XLSX,
        bytes,
    ))
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

/// The form's names of the 一览表's figures, in `MEASURE_LABELS` order.
const FIGURE_FIELDS: [&str; 8] = [
    "ordered",
    "penalised",
    "penalty_yuan",
    "criminal_cases",
    "detained",
    "interviewed",
    "held_accountable",
    "transferred",
];

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(received_no): Path<String>,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let record = visible(&state, &session, &received_no).await?;
    let rebounds = state
        .store
        .complaint_rebounds(&record.complaint.received_no)
        .await?;
    let today = today_china();
    let values = record.complaint.feedback.counts.texts();
    let figures = FIGURE_FIELDS
        .into_iter()
        .zip(MEASURE_LABELS)
        .zip(values)
        .map(|((field, label), value)| (field, label, value))
        .collect();
    render(DetailPage {
        me: session.me(),
        flash: crate::flash::shown(&session, flash.done),
        clock: record.clock(today),
        record,
        show_contact: is_office(&session),
        can_report: can_report(&session),
        office: Allowed::<OfficeWork>::holds(&session),
        verdicts: Verdict::ALL,
        states: Handling::ALL,
        rebound_open: rebounds.iter().any(|r| r.confirmed_by.is_none()),
        rebounds,
        figures,
        today: today.to_string(),
    })
}

#[derive(Deserialize)]
pub struct SuggestionForm {
    kind: String,
    answer: String,
}

/// The office confirms or dismisses a suggestion the import made.
pub async fn answer_suggestion(
    State(state): State<AppState>,
    Path(received_no): Path<String>,
    CsrfForm { session, form, .. }: CsrfForm<SuggestionForm, OfficeWork>,
) -> PageResult {
    let record = visible(&state, &session, &received_no).await?;
    let no = &record.complaint.received_no;
    let kind = SuggestionKind::parse(form.kind.trim())
        .ok_or_else(|| WebError::Invalid(format!("建议类型“{}”无效", form.kind.trim())))?;
    let confirm = match form.answer.trim() {
        "confirm" => true,
        "dismiss" => false,
        other => return Err(WebError::Invalid(format!("核实结论“{other}”无效"))),
    };
    let message = match state
        .store
        .answer_suggestion(&session.user.username, no, kind, confirm)
        .await
    {
        Ok(()) if confirm => format!("已确认：{}", kind.label_zh()),
        Ok(()) => format!("已排除：{}", kind.label_zh()),
        Err(error) => crate::error::user_message(error),
    };
    Ok(back_to(
        &session,
        &format!("/complaints/{}", url_encode(no)),
        &message,
    ))
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
    #[serde(default)]
    ordered: Option<String>,
    #[serde(default)]
    penalised: Option<String>,
    #[serde(default)]
    penalty_yuan: Option<String>,
    #[serde(default)]
    criminal_cases: Option<String>,
    #[serde(default)]
    detained: Option<String>,
    #[serde(default)]
    interviewed: Option<String>,
    #[serde(default)]
    held_accountable: Option<String>,
    #[serde(default)]
    transferred: Option<String>,
}

impl FeedbackForm {
    /// The update the form asks for, or what is wrong with it, naming the field. A form without
    /// the figures leaves them as they are when written; one without some of them keeps those
    /// as `stored` (a field left empty is zero).
    fn update(&self, stored: &Measures) -> Result<ComplaintUpdate, String> {
        let stored = stored.texts();
        let sent = [
            &self.ordered,
            &self.penalised,
            &self.penalty_yuan,
            &self.criminal_cases,
            &self.detained,
            &self.interviewed,
            &self.held_accountable,
            &self.transferred,
        ];
        let counts = if sent.iter().all(|field| field.is_none()) {
            None
        } else {
            Some(Measures::parse(std::array::from_fn(|i| {
                sent[i].as_deref().unwrap_or(&stored[i])
            }))?)
        };
        let verdict = Verdict::parse(self.verdict.trim())
            .ok_or_else(|| format!("是否属实“{}”无效", self.verdict.trim()))?;
        let handling = Handling::parse(self.state.trim())
            .ok_or_else(|| format!("办理状态“{}”无效", self.state.trim()))?;
        let reported_on = match self.reported_on.trim() {
            "" => today_china(),
            text => Date::parse(text).ok_or_else(|| format!("反馈日期“{text}”不是日期"))?,
        };
        Ok(ComplaintUpdate {
            investigation: Some(self.investigation.clone()),
            verdict: Some(verdict),
            result: Some(self.result.clone()),
            accountability: Some(self.accountability.clone()),
            handling: Some(handling),
            reported_on: Some(reported_on),
            counts,
            ..ComplaintUpdate::default()
        })
    }
}

pub async fn feedback(
    State(state): State<AppState>,
    Path(received_no): Path<String>,
    CsrfForm { session, form, .. }: CsrfForm<FeedbackForm>,
) -> PageResult {
    let record = visible(&state, &session, &received_no).await?;
    let path = format!("/complaints/{}", url_encode(&record.complaint.received_no));
    if !can_report(&session) {
        return Err(WebError::Forbidden(
            "只有承办单位经办人或整改办可以填报办理结果".into(),
        ));
    }
    let message = match form.update(&record.complaint.feedback.counts) {
        Err(problem) => format!("未保存：{problem}"),
        Ok(update) => match state
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
        },
    };
    Ok(back_to(&session, &path, &message))
}
