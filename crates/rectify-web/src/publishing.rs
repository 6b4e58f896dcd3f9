//! 信息发布 for the office: choose what to publish, review the redacted snapshot with every
//! replacement, approve it as the next version of the public portal.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::error::PageResult;
use crate::error::WebError;
use crate::extract::CsrfForm;
use crate::extract::{Allowed, Publishing};
use crate::kit::render;
use askama::Template;
use axum::extract::{Query, State};
use rectify_app::publish::draft;
use rectify_core::complaint::redact::Replacement;
use rectify_io::publish::{Draft, Part, Selection};
use rectify_store::today_china;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "publish.html")]
struct PublishPage {
    me: Me,
    flash: Option<String>,
    parts: Vec<(Part, bool)>,
    redact: String,
    summary: String,
    replacements: Vec<(String, Replacement)>,
    /// (where, candidate name, the hide list with it added) for the office to confirm or hide.
    candidates: Vec<(String, String, String)>,
    history: Vec<(u32, String, String, String, String)>,
}

/// The choice as the form sends it: a flag per part and the extra strings, one per line.
#[derive(Deserialize, Default)]
pub struct Choice {
    #[serde(default)]
    items: Option<String>,
    #[serde(default)]
    progress: Option<String>,
    #[serde(default)]
    notices: Option<String>,
    #[serde(default)]
    complaints: Option<String>,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    registers: Option<String>,
    #[serde(default)]
    redact: String,
    #[serde(default)]
    done: Option<String>,
}

impl Choice {
    fn selection(&self) -> Selection {
        let flags = [
            &self.items,
            &self.progress,
            &self.notices,
            &self.complaints,
            &self.environment,
            &self.registers,
        ];
        let mut parts: Vec<Part> = Part::ALL
            .into_iter()
            .zip(flags)
            .filter(|(_, flag)| flag.is_some())
            .map(|(part, _)| part)
            .collect();
        if flags.iter().all(|f| f.is_none()) {
            parts = Part::ALL.to_vec();
        }
        Selection {
            parts,
            batches: Vec::new(),
            redact: self
                .redact
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

fn office_only(session: &Session) -> Result<(), WebError> {
    Allowed::<Publishing>::check(session)
}

fn summary(draft: &Draft) -> String {
    let c = &draft.content;
    let items: usize = c.plans.iter().map(|p| p.items.len()).sum();
    format!(
        "整改任务 {items} 项，销号公示 {} 项，信访件 {} 件，环境质量 {} 段；自动隐去 {} 处",
        c.notices.len(),
        c.complaints.len(),
        c.environment.len(),
        draft.review.replacements.len()
    )
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Query(choice): Query<Choice>,
) -> PageResult {
    office_only(&session)?;
    let selection = choice.selection();
    let draft = draft(&state.store, &selection, today_china()).await?;
    render(PublishPage {
        me: session.me(),
        flash: crate::flash::shown(&session, choice.done.clone()),
        parts: Part::ALL
            .into_iter()
            .map(|p| (p, selection.parts.contains(&p)))
            .collect(),
        redact: choice.redact.clone(),
        summary: summary(&draft),
        candidates: draft
            .review
            .candidates
            .into_iter()
            .map(|(at, name)| {
                let hide = format!("{}\n{name}", choice.redact.trim_end());
                (at, name, hide.trim_start().to_string())
            })
            .collect(),
        replacements: draft.review.replacements,
        history: history(&state).await?,
    })
}

/// The publications, newest first, with the approver by name and the parts in Chinese.
async fn history(state: &AppState) -> Result<Vec<(u32, String, String, String, String)>, WebError> {
    let names = crate::kit::display_names(state).await?;
    Ok(state
        .store
        .publications()
        .await?
        .into_iter()
        .map(|(version, on, by, at, scope)| {
            let by = crate::kit::actor_label(&by, &names);
            (version, on, by, at, parts_zh(&scope))
        })
        .collect())
}

/// A stored scope (the part codes, comma-separated) as the office names the parts.
fn parts_zh(scope: &str) -> String {
    scope
        .split(',')
        .map(|code| {
            Part::parse(code).map_or_else(|| code.to_string(), |p| p.label_zh().to_string())
        })
        .collect::<Vec<_>>()
        .join("、")
}

pub async fn approve(
    State(state): State<AppState>,
    CsrfForm {
        session,
        form: choice,
        ..
    }: CsrfForm<Choice>,
) -> PageResult {
    office_only(&session)?;
    let today = today_china();
    let selection = choice.selection();
    let draft = draft(&state.store, &selection, today).await?;
    let parts: Vec<String> = draft.parts.iter().map(|p| p.code().to_string()).collect();
    let content = serde_json::to_value(&draft.content).map_err(|e| WebError::internal(&e))?;
    let publication = state
        .store
        .publish(
            &session.user.username,
            &parts,
            &content,
            today,
            &selection.redact,
        )
        .await?;
    let message = format!(
        "已发布第 {} 版（数据截至 {}）",
        publication.version, publication.snapshot_on
    );
    Ok(crate::kit::back_to(&session, "/publish", &message))
}
