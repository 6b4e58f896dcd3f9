//! 信访件抽查: the office draws a seeded sample of the complaints reported closed, marks each
//! drawn one 合格 or 不合格 with a note, and a 不合格 one goes back to its unit for re-handling
//! (its feedback no longer counts as answered). The same store calls as `rectify complaint
//! spotcheck`. The discipline commission reads the rounds; nobody else sees the page.

use crate::AppState;
use crate::auth::Me;
use crate::error::{PageResult, WebError};
use crate::extract::{Allowed, CsrfForm, OfficeWork, Path, Permission};
use crate::kit::{FlashQuery, actor_label, back_to, display_names, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use rectify_core::complaint::SpotVerdict;
use rectify_core::org::Role;
use rectify_store::today_china;
use serde::Deserialize;

/// Who may read the rounds: the office and the discipline commission.
pub struct Readers;
impl Permission for Readers {
    const ROLES: &'static [Role] = &[Role::Office, Role::Admin, Role::Discipline];
}

/// The most a round may draw: far more than a month's closed complaints.
const MAX_SAMPLE: usize = 1000;

const PAGE: &str = "/complaints/spotchecks";

struct Check {
    received_no: String,
    verdict: Option<&'static str>,
    reason: String,
    checked_by: String,
}

struct Round {
    id: i64,
    drawn_on: String,
    seed: u64,
    population: u32,
    drawn_by: String,
    checks: Vec<Check>,
}

#[derive(Template)]
#[template(path = "spotchecks.html")]
struct SpotChecksPage {
    me: Me,
    flash: Option<String>,
    rounds: Vec<Round>,
    /// The office draws and marks; the commission only reads.
    office: bool,
    seed: String,
    verdicts: &'static [SpotVerdict],
}

pub async fn show(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Readers>,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let names = display_names(&state).await?;
    let rounds = state
        .store
        .spotchecks()
        .await?
        .into_iter()
        .map(|r| Round {
            id: r.id,
            drawn_on: r.drawn_on.to_string(),
            seed: r.seed,
            population: r.population,
            drawn_by: actor_label(&r.drawn_by, &names),
            checks: r
                .checks
                .into_iter()
                .map(|c| Check {
                    received_no: c.received_no,
                    verdict: c.verdict.map(|v| v.label_zh()),
                    reason: c.reason,
                    checked_by: c
                        .checked_by
                        .map(|by| actor_label(&by, &names))
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    render(SpotChecksPage {
        me: session.me(),
        flash: crate::flash::shown(&session, flash.done),
        rounds,
        office: Allowed::<OfficeWork>::holds(&session),
        // A suggestion the office may change: the day's date as a number is easy to record.
        seed: today_china().to_string().replace('-', ""),
        verdicts: SpotVerdict::ALL,
    })
}

/// A round's own address: the page at that round, or the site's 404 for one that does not exist.
pub async fn round(
    State(state): State<AppState>,
    Allowed(_, _): Allowed<Readers>,
    Path(round): Path<i64>,
) -> PageResult {
    let round = state.store.spotcheck(round).await?;
    Ok(Redirect::to(&format!("{PAGE}#round-{}", round.id)).into_response())
}

#[derive(Deserialize)]
pub struct DrawForm {
    seed: String,
    size: String,
}

impl DrawForm {
    fn read(&self) -> Result<(u64, usize), String> {
        let seed = self.seed.trim();
        let seed = seed
            .parse::<u64>()
            .map_err(|_| format!("随机种子“{seed}”应为不小于 0 的整数"))?;
        let size = self.size.trim();
        let size = size
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_SAMPLE).contains(n))
            .ok_or_else(|| format!("抽查件数“{size}”应为 1 至 {MAX_SAMPLE} 的整数"))?;
        Ok((seed, size))
    }
}

pub async fn draw(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<DrawForm, OfficeWork>,
) -> PageResult {
    let message = match form.read() {
        Err(problem) => format!("未抽取：{problem}"),
        Ok((seed, size)) => match state
            .store
            .draw_spotcheck(&session.user.username, seed, size, today_china())
            .await
        {
            Ok(round) => format!(
                "第 {} 轮：从 {} 件已办结信访件中抽取 {} 件",
                round.id,
                round.population,
                round.checks.len()
            ),
            Err(error) => crate::error::user_message(error),
        },
    };
    Ok(back_to(&session, PAGE, &message))
}

#[derive(Deserialize)]
pub struct MarkForm {
    received_no: String,
    verdict: String,
    #[serde(default)]
    reason: String,
}

pub async fn mark(
    State(state): State<AppState>,
    Path(round): Path<i64>,
    CsrfForm { session, form, .. }: CsrfForm<MarkForm, OfficeWork>,
) -> PageResult {
    let Some(verdict) = SpotVerdict::parse(form.verdict.trim()) else {
        return Err(WebError::Invalid(format!(
            "抽查结论“{}”无效（可选：{}）",
            form.verdict.trim(),
            SpotVerdict::choices_zh()
        )));
    };
    let received_no = form.received_no.trim();
    let message = match state
        .store
        .mark_spotcheck(
            &session.user.username,
            round,
            received_no,
            (verdict, &form.reason),
            today_china(),
        )
        .await
    {
        Ok(()) => match verdict {
            SpotVerdict::Pass => format!("{received_no} 抽查合格"),
            SpotVerdict::Fail => format!("{received_no} 抽查不合格，已退回承办单位重新办理"),
        },
        Err(error) => crate::error::user_message(error),
    };
    Ok(back_to(
        &session,
        &format!("{PAGE}#round-{round}"),
        &message,
    ))
}
