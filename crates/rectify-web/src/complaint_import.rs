//! The office's transfer-list (交办清单) import: upload a list in any layout the teams send,
//! see each sheet as uploaded with every finding on its cell (the plan import's grid), the
//! batches found, the duplicate and plan-item suggestions and what a re-sent list changes;
//! then confirm. Nothing is written before the confirmation, and never a list with an error.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::error::{PageResult, WebError};
use crate::extract::{Allowed, CsrfForm, OfficeWork};
use crate::import::{FindingLine, GRID_ROWS, finding_line};
use crate::kit::render;
use crate::multipart::Posted;
use askama::Template;
use axum::extract::{Request, State};
use rectify_core::complaint::{Clock, NewBatch};
use rectify_exact::date::Date;
use rectify_io::complaint::{ListDefaults, TransferList, read_transfer_file};
use rectify_io::plan::{Grid, GridRow, Sheet, grid};
use rectify_store::StoreError;
use rectify_store::complaints::{ComplaintImport, ComplaintImportSummary};
use serde::Deserialize;

/// One sheet read as a transfer list, as uploaded.
struct SheetPreview {
    name: String,
    /// Prefix of its cells' ids.
    anchor: String,
    grid: Grid,
}

struct BatchLine {
    sheet: String,
    number: u32,
    transferred_on: Date,
    complaints: usize,
    rows: String,
}

struct Preview {
    file_name: String,
    sha256: String,
    /// What the person typed (kept for the confirmation).
    source: String,
    batch: String,
    transferred_on: String,
    /// The team: typed, or from the titles.
    team: Option<String>,
    errors: Vec<FindingLine>,
    warnings: Vec<FindingLine>,
    sheets: Vec<SheetPreview>,
    batches: Vec<BatchLine>,
    complaints: usize,
    /// What the import would do (a dry run), when the list has no error.
    summary: Option<ComplaintImportSummary>,
    /// Why the stored data refuses the list (a batch number already registered with another
    /// transfer date).
    problem: Option<String>,
}

/// The store's refusal of the list as a message for the page; other errors stay errors.
fn refusal(error: StoreError) -> Result<String, WebError> {
    match error {
        StoreError::Conflict { .. } | StoreError::Invalid(_) | StoreError::Refused(_) => {
            Ok(error.to_string())
        }
        other => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "complaints_import.html")]
struct ImportPage {
    me: Me,
    preview: Option<Preview>,
    done: Option<String>,
    changes: Option<ComplaintImportSummary>,
}

fn page(
    session: &Session,
    preview: Option<Preview>,
    done: Option<String>,
    changes: Option<ComplaintImportSummary>,
) -> PageResult {
    render(ImportPage {
        me: session.me(),
        preview,
        done,
        changes,
    })
}

pub async fn show(
    State(_state): State<AppState>,
    Allowed(session, _): Allowed<OfficeWork>,
) -> PageResult {
    page(&session, None, None, None)
}

/// A team's name is a line ("中央第一生态环境保护督察组"), never a text.
const MAX_TEAM_CHARS: usize = 60;

/// What the form says besides the file, as typed.
struct Typed {
    source: String,
    batch: String,
    transferred_on: String,
}

impl Typed {
    /// The team the person typed, or the one the titles name.
    fn team(&self, list: &TransferList) -> Option<String> {
        Some(self.source.trim().to_string())
            .filter(|s| !s.is_empty())
            .or(list.source.clone())
    }

    /// The batch and date the person gave, or the message saying what is wrong with them (or
    /// with the team's name).
    fn defaults(&self) -> Result<ListDefaults, String> {
        if self.source.trim().chars().count() > MAX_TEAM_CHARS {
            return Err(format!("督察组名称过长（最多 {MAX_TEAM_CHARS} 字）"));
        }
        let batch =
            match self.batch.trim() {
                "" => None,
                text => Some(text.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("批次“{}”应为正整数", rectify_exact::text::quoted(text))
                })?),
            };
        let transferred_on = match self.transferred_on.trim() {
            "" => None,
            text => Some(Date::parse(text).ok_or_else(|| {
                format!(
                    "交办日期“{}”不是有效日期",
                    rectify_exact::text::quoted(text)
                )
            })?),
        };
        Ok(ListDefaults {
            batch,
            transferred_on,
        })
    }
}

/// Reads the upload off the request threads (`parsing`).
async fn read(
    state: &AppState,
    bytes: Vec<u8>,
    file_name: &str,
    defaults: ListDefaults,
) -> Result<(TransferList, Vec<Sheet>), StoreError> {
    let file_name = file_name.to_string();
    let limits = state.config.sheets;
    crate::parsing::off_thread(state, move || {
        read_transfer_file(&bytes, &file_name, Clock::default(), defaults, &limits)
    })
    .await
}

fn batches(list: &TransferList) -> Vec<NewBatch> {
    list.batches.iter().map(|b| b.batch.clone()).collect()
}

/// The import as it would run (`dry_run`) or runs.
async fn import(
    state: &AppState,
    session: &Session,
    list: &TransferList,
    team: &str,
    file: serde_json::Value,
    dry_run: bool,
) -> Result<ComplaintImportSummary, StoreError> {
    let batches = batches(list);
    state
        .store
        .import_complaints(
            &session.user.username,
            ComplaintImport {
                source: team,
                batches: &batches,
                file,
                reported_on: rectify_store::today_china(),
                dry_run,
            },
        )
        .await
}

/// The preview of a read list; the dry run only when the list can be imported.
async fn preview(
    state: &AppState,
    session: &Session,
    (list, sheets): &(TransferList, Vec<Sheet>),
    file_name: &str,
    sha256: &str,
    typed: &Typed,
) -> Result<Preview, WebError> {
    let named = list.sheets.len() > 1;
    let anchor = |sheet: &str| {
        let index = list.sheets.iter().position(|s| s == sheet).unwrap_or(0);
        format!("s{index}-")
    };
    let line = |f| finding_line(f, &anchor(&f.sheet), named);
    let team = typed.team(list);
    let (summary, problem) = match (&team, list.errors.is_empty()) {
        (Some(team), true) => {
            let file = serde_json::json!({ "file": file_name, "sha256": sha256, "via": "web" });
            match import(state, session, list, team, file, true).await {
                Ok(summary) => (Some(summary), None),
                Err(error) => (None, Some(refusal(error)?)),
            }
        }
        _ => (None, None),
    };
    Ok(Preview {
        file_name: file_name.to_string(),
        sha256: sha256.to_string(),
        source: typed.source.clone(),
        batch: typed.batch.clone(),
        transferred_on: typed.transferred_on.clone(),
        team,
        errors: list.errors.iter().map(line).collect(),
        warnings: list.warnings.iter().map(line).collect(),
        sheets: sheets
            .iter()
            .map(|sheet| SheetPreview {
                name: sheet.name.clone(),
                anchor: anchor(&sheet.name),
                grid: grid(sheet, &list.errors, &list.warnings, GRID_ROWS),
            })
            .collect(),
        batches: list
            .batches
            .iter()
            .map(|b| BatchLine {
                sheet: b.sheet.clone(),
                number: b.batch.number,
                transferred_on: b.batch.transferred_on,
                complaints: b.batch.complaints.len(),
                rows: match (b.rows.first(), b.rows.last()) {
                    (Some(first), Some(last)) => format!("{first}–{last}"),
                    _ => String::new(),
                },
            })
            .collect(),
        complaints: list.batches.iter().map(|b| b.batch.complaints.len()).sum(),
        summary,
        problem,
    })
}

pub async fn upload(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<OfficeWork>,
    request: Request,
) -> PageResult {
    let posted = Posted::read(&state, &session, request).await?;
    let typed = Typed {
        source: posted.text("source"),
        batch: posted.text("batch"),
        transferred_on: posted.text("transferred_on"),
    };
    let Some(file) = posted.files.iter().find(|f| f.field == "file") else {
        return page(&session, None, Some("请选择要上传的文件".into()), None);
    };
    let defaults = match typed.defaults() {
        Ok(defaults) => defaults,
        Err(message) => return page(&session, None, Some(message), None),
    };
    let stored = state.store.attachments().keep(&file.upload).await?;
    let bytes = file.upload.read().await?;
    let read = read(&state, bytes, &file.name, defaults).await?;
    let shown = preview(&state, &session, &read, &file.name, &stored.sha256, &typed).await?;
    page(&session, Some(shown), None, None)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    sha256: String,
    file_name: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    transferred_on: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<ConfirmForm, OfficeWork>,
) -> PageResult {
    let typed = Typed {
        source: form.source.clone(),
        batch: form.batch.clone(),
        transferred_on: form.transferred_on.clone(),
    };
    let defaults = match typed.defaults() {
        Ok(defaults) => defaults,
        Err(message) => return page(&session, None, Some(message), None),
    };
    let bytes = state.store.attachments().get_verified(&form.sha256).await?;
    let read = read(&state, bytes, &form.file_name, defaults).await?;
    let team = typed.team(&read.0).filter(|_| read.0.errors.is_empty());
    if let Some(team) = team {
        let file =
            serde_json::json!({ "file": form.file_name, "sha256": form.sha256, "via": "web" });
        match import(&state, &session, &read.0, &team, file, false).await {
            Ok(summary) => return page(&session, None, Some(done(&team, &summary)), Some(summary)),
            // Refused by the store (nothing written): the preview says why.
            Err(error) => {
                refusal(error)?;
            }
        }
    }
    let shown = preview(
        &state,
        &session,
        &read,
        &form.file_name,
        &form.sha256,
        &typed,
    )
    .await?;
    page(&session, Some(shown), None, None)
}

fn done(team: &str, summary: &ComplaintImportSummary) -> String {
    format!(
        "已导入{team}的交办清单：新增 {} 件，更新反馈 {} 件，未变 {} 件",
        summary.added, summary.updated, summary.unchanged
    )
}
