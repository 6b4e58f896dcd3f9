//! The import page: upload the office's problem list, preview it with every defect marked by
//! cell, then confirm. Nothing is written until the confirmation, and never with an error.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::error::WebError;
use crate::extract::{Allowed, CsrfForm, OfficeWork};
use crate::kit::UNDATED_LABEL;
use crate::multipart::Posted;
use askama::Template;
use axum::extract::{Request, State};
use axum::response::{Html, IntoResponse, Response};
use rectify_core::deadline::DeadlineContext;
use rectify_core::ledger::{Item, Plan};
use rectify_core::reimport::Resolution;
use rectify_io::plan::{Finding, Grid, GridRow, PlanTable, Sheet, grid, read_plan_sheets};
use rectify_store::StoreError;
use rectify_store::ledger::{ImportSummary, PlanImport};
use serde::Deserialize;

/// A finding as the import pages list it, linking to its cell in the grid.
pub(crate) struct FindingLine {
    pub(crate) cell: String,
    /// The id of the cell (or row) in the grid.
    pub(crate) anchor: String,
    pub(crate) field: &'static str,
    pub(crate) message: String,
}

struct PreviewRow {
    rows: String,
    number: u32,
    scope: &'static str,
    problem: String,
    lead: String,
    deadline: String,
    due: String,
}

/// One field a re-import changes.
struct ChangeLine {
    number: u32,
    field: &'static str,
    before: String,
    after: String,
}

struct ConflictLine {
    number: u32,
    amended: String,
    original: String,
    file: String,
}

/// What confirming would do to the ledger (a dry run of the import).
struct Outcome {
    counts: String,
    changes: Vec<ChangeLine>,
    conflicts: Vec<ConflictLine>,
    notes: Vec<String>,
}

struct Preview {
    outcome: Option<Outcome>,
    file_name: String,
    sha256: String,
    plan: String,
    sheet: String,
    items: usize,
    errors: Vec<FindingLine>,
    warnings: Vec<FindingLine>,
    rows: Vec<PreviewRow>,
    /// The sheet as uploaded, with the findings on their cells.
    grid: Grid,
}

/// Sheets up to this many rows are shown whole in the preview; longer ones around findings.
pub(crate) const GRID_ROWS: usize = 300;

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    me: Me,
    plan: String,
    preview: Option<Preview>,
    done: Option<String>,
}

fn page(
    session: &Session,
    plan: String,
    preview: Option<Preview>,
    done: Option<String>,
) -> Result<Response, WebError> {
    let html = ImportPage {
        me: session.me(),
        plan,
        preview,
        done,
    }
    .render()?;
    Ok(Html(html).into_response())
}

pub async fn show(
    State(_state): State<AppState>,
    Allowed(session, _): Allowed<OfficeWork>,
) -> Result<Response, WebError> {
    page(&session, String::new(), None, None)
}

fn line(f: &Finding) -> FindingLine {
    finding_line(f, "", false)
}

/// `anchor` prefixes the grid's cell ids; `named` puts the sheet's name before the cell, for a
/// file read from several sheets.
pub(crate) fn finding_line(f: &Finding, anchor: &str, named: bool) -> FindingLine {
    let cell = match (&f.column, f.row) {
        (Some(column), Some(row)) => format!("{column}{row}"),
        (None, Some(row)) => format!("第{row}行"),
        _ => String::new(),
    };
    let shown = match (named || cell.is_empty(), cell.is_empty()) {
        (true, true) => f.sheet.clone(),
        (true, false) => format!("{} {cell}", f.sheet),
        _ => cell.clone(),
    };
    FindingLine {
        anchor: format!("{anchor}{cell}"),
        cell: shown,
        field: f.field.unwrap_or(""),
        message: f.message.clone(),
    }
}

/// Reads the upload off the request threads (`parsing`).
async fn read(
    state: &AppState,
    bytes: Vec<u8>,
    file_name: &str,
) -> Result<(PlanTable, Option<Sheet>), StoreError> {
    let calendar = state.store.work_calendar().await?;
    let file_name = file_name.to_string();
    let limits = state.config.sheets;
    crate::parsing::off_thread(state, move || {
        let context = DeadlineContext {
            reference: None,
            calendar: &calendar,
        };
        read_plan_sheets(&bytes, &file_name, None, context, &limits)
    })
    .await
}

fn preview(
    (table, sheet): &(PlanTable, Option<Sheet>),
    file_name: &str,
    sha256: &str,
    plan: &str,
    summary: Option<&ImportSummary>,
) -> Preview {
    Preview {
        outcome: summary.map(outcome),
        grid: sheet
            .as_ref()
            .map(|sheet| grid(sheet, &table.errors, &table.warnings, GRID_ROWS))
            .unwrap_or_default(),
        file_name: file_name.to_string(),
        sha256: sha256.to_string(),
        plan: plan.to_string(),
        sheet: table.sheet.clone(),
        items: table.items.len(),
        errors: table.errors.iter().map(line).collect(),
        warnings: table.warnings.iter().map(line).collect(),
        rows: table
            .items
            .iter()
            .map(|s| PreviewRow {
                rows: if s.first_row == s.last_row {
                    s.first_row.to_string()
                } else {
                    format!("{}–{}", s.first_row, s.last_row)
                },
                number: s.item.number,
                scope: s.item.scope.label_zh(),
                problem: s.item.problem.chars().take(40).collect(),
                lead: s.item.lead_unit.clone(),
                deadline: s.item.deadline.text.clone(),
                due: match s.item.deadline.due_date {
                    Some(day) => day.to_string(),
                    None if s.item.deadline.undated() => UNDATED_LABEL.to_string(),
                    None => "—".to_string(),
                },
            })
            .collect(),
    }
}

fn outcome(summary: &ImportSummary) -> Outcome {
    Outcome {
        counts: counts(summary),
        changes: summary
            .changes
            .iter()
            .flat_map(|(number, changes)| {
                changes.iter().map(|c| ChangeLine {
                    number: *number,
                    field: c.field,
                    before: c.before.clone(),
                    after: c.after.clone(),
                })
            })
            .collect(),
        conflicts: summary
            .conflicts
            .iter()
            .map(|c| ConflictLine {
                number: c.number,
                amended: c.amended.clone(),
                original: c.original.clone(),
                file: c.file.clone(),
            })
            .collect(),
        notes: summary
            .notes_zh()
            .into_iter()
            .filter(|n| !n.starts_with("冲突"))
            .collect(),
    }
}

fn counts(summary: &ImportSummary) -> String {
    format!(
        "新增 {} 项，更新 {} 项，未变 {} 项",
        summary.added.len(),
        summary.updated.len(),
        summary.unchanged
    )
}

/// The table imported under the name the office gave (else the sheet's title, else the file's
/// name); a dry run for the preview, for real on confirmation.
async fn import_table(
    state: &AppState,
    session: &Session,
    table: &PlanTable,
    (name, file_name, sha256): (&str, &str, &str),
    dry_run: bool,
    resolutions: &[(u32, Resolution)],
) -> Result<(String, ImportSummary), StoreError> {
    let name = Some(name.to_string())
        .filter(|p| !p.is_empty())
        .or(table.title.clone())
        .unwrap_or(file_name.to_string());
    let plan = Plan {
        name: name.clone(),
        ..Plan::default()
    };
    let items: Vec<Item> = table.items.iter().map(|s| s.item.clone()).collect();
    let import = PlanImport {
        plan: &plan,
        title: table.title.as_deref().unwrap_or(""),
        items: &items,
        source: serde_json::json!({"file": file_name, "sha256": sha256, "via": "web"}),
        dry_run,
        resolutions,
    };
    let summary = state
        .store
        .import_plan(&session.user.username, import)
        .await?;
    Ok((name, summary))
}

pub async fn upload(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<OfficeWork>,
    request: Request,
) -> Result<Response, WebError> {
    let posted = Posted::read(&state, &session, request).await?;
    let plan = posted.text("plan").trim().to_string();
    let Some(file) = posted.files.iter().find(|f| f.field == "file") else {
        return page(&session, plan, None, Some("请选择要上传的文件".into()));
    };
    let stored = state.store.attachments().keep(&file.upload).await?;
    let bytes = file.upload.read().await?;
    let table = read(&state, bytes, &file.name).await?;
    let summary = if table.0.errors.is_empty() {
        let names = (plan.as_str(), file.name.as_str(), stored.sha256.as_str());
        Some(
            import_table(&state, &session, &table.0, names, true, &[])
                .await?
                .1,
        )
    } else {
        None
    };
    let shown = preview(&table, &file.name, &stored.sha256, &plan, summary.as_ref());
    page(&session, plan.clone(), Some(shown), None)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    sha256: String,
    file_name: String,
    plan: String,
    /// `resolve_N` = keep or file: how each conflict over an amended deadline is settled.
    #[serde(flatten)]
    choices: std::collections::HashMap<String, String>,
}

impl ConfirmForm {
    fn resolutions(&self) -> Vec<(u32, Resolution)> {
        self.choices
            .iter()
            .filter_map(|(key, value)| {
                let number = key.strip_prefix("resolve_")?.parse().ok()?;
                Some((number, Resolution::parse(value)?))
            })
            .collect()
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<ConfirmForm, OfficeWork>,
) -> Result<Response, WebError> {
    let bytes = state.store.attachments().get_verified(&form.sha256).await?;
    let read = read(&state, bytes, &form.file_name).await?;
    if !read.0.errors.is_empty() {
        let shown = preview(&read, &form.file_name, &form.sha256, &form.plan, None);
        return page(&session, form.plan.clone(), Some(shown), None);
    }
    let names = (
        form.plan.as_str(),
        form.file_name.as_str(),
        form.sha256.as_str(),
    );
    let resolutions = form.resolutions();
    let (name, summary) = match import_table(&state, &session, &read.0, names, false, &resolutions)
        .await
    {
        Ok(done) => done,
        // An unsettled conflict: the preview again, with what confirming would do.
        Err(StoreError::Refused(message)) => {
            let dry = import_table(&state, &session, &read.0, names, true, &resolutions).await?;
            let shown = preview(
                &read,
                &form.file_name,
                &form.sha256,
                &form.plan,
                Some(&dry.1),
            );
            return page(&session, form.plan.clone(), Some(shown), Some(message));
        }
        Err(other) => return Err(other.into()),
    };
    let notes: String = summary
        .notes_zh()
        .iter()
        .map(|note| format!("；{note}"))
        .collect();
    let message = format!("已导入“{name}”：{}{notes}", counts(&summary));
    page(&session, String::new(), None, Some(message))
}
