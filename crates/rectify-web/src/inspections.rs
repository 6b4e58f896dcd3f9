//! 专项督察 and 明察暗访 in the browser: the rounds with their scope, team and dates, and a
//! round's findings with their photos and outcomes — compliant, a problem, an item or register
//! entry reopened, a new problem added to the plan — through the same store functions as
//! `rectify inspection`. The office opens, corrects and records; leaders read everything; a unit
//! sees the rounds and findings about its own items and its counties' register entries.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::{find_visible, snapshot_since};
use crate::error::{PageResult, WebError, user_message};
use crate::extract::{Allowed, CsrfForm, OfficeWork, Path, Permission};
use crate::kit::{FlashQuery, actor, back_to, inline_or_download, render};
use crate::multipart::Posted;
use crate::scopes::sees_all_registers;
use askama::Template;
use axum::extract::{Query, Request, State};
use rectify_core::org::Role;
use rectify_core::special::{Mode, Outcome, Round};
use rectify_exact::date::Date;
use rectify_store::special::{
    FindingRecord, FindingTarget, NewFinding, RoundEvidence, RoundRecord,
};
use rectify_store::today_china;
use rectify_store::workflow::ItemRef;
use serde::Deserialize;

/// Who opens the inspections: the office, leaders and read-only users (everything), units and
/// supervisors (the findings about the items they see and their counties' entries).
pub struct Readers;
impl Permission for Readers {
    const ROLES: &'static [Role] = &[
        Role::Office,
        Role::Admin,
        Role::Leader,
        Role::Viewer,
        Role::Supervisor,
        Role::Unit,
    ];
}

/// Who opens rounds, corrects them and records findings: the office (`OfficeWork`).
type Recorders = OfficeWork;

/// For the menu.
pub(crate) const ROLES: &[Role] = Readers::ROLES;

/// The round form as typed, kept to show again with what is wrong.
#[derive(Deserialize, Default, Clone)]
pub struct RoundForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The longest name, scope or team a round takes: a line, never a document.
const MAX_LINE_CHARS: usize = 200;

impl RoundForm {
    fn of(round: &Round) -> RoundForm {
        RoundForm {
            name: round.name.clone(),
            mode: round.mode.label_zh().to_string(),
            scope: round.scope.clone(),
            team: round.team.clone(),
            from: round.starts_on.to_string(),
            to: round.ends_on.to_string(),
        }
    }

    /// The round, or what is wrong with the form, naming the field.
    fn round(&self) -> Result<Round, String> {
        let date = |text: &str, field: &str| {
            Date::parse(text.trim()).ok_or_else(|| match text.trim() {
                "" => format!("请填写{field}"),
                t => format!("{field}“{t}”不是有效日期"),
            })
        };
        for (text, field) in [
            (&self.name, "督察名称"),
            (&self.scope, "督察范围"),
            (&self.team, "督察组"),
        ] {
            if text.trim().is_empty() {
                return Err(format!("请填写{field}"));
            }
            if text.chars().count() > MAX_LINE_CHARS {
                return Err(format!("{field}过长（最多 {MAX_LINE_CHARS} 字）"));
            }
        }
        let round = Round {
            name: self.name.trim().to_string(),
            mode: Mode::parse(self.mode.trim())
                .ok_or_else(|| format!("督察方式应为 {}", Mode::choices_zh()))?,
            scope: self.scope.trim().to_string(),
            team: self.team.trim().to_string(),
            starts_on: date(&self.from, "开始日期")?,
            ends_on: date(&self.to, "结束日期")?,
        };
        round.check()?;
        Ok(round)
    }
}

struct RoundLine {
    record: RoundRecord,
    /// The findings the viewer sees, by outcome: (label, count).
    counts: Vec<(&'static str, usize)>,
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct ListPage {
    me: Me,
    rounds: Vec<RoundLine>,
    can_record: bool,
    modes: Vec<&'static str>,
    form: RoundForm,
    flash: Option<String>,
    error: Option<String>,
}

/// A finding as its round's page shows it.
struct FindingLine {
    finding: FindingRecord,
    /// Where the item or entry it is about can be opened, when the viewer may.
    link: Option<String>,
    about: String,
    photos: Vec<RoundEvidence>,
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct RoundPage {
    me: Me,
    id: i64,
    round: Round,
    findings: Vec<FindingLine>,
    can_record: bool,
    modes: Vec<&'static str>,
    outcomes: Vec<&'static str>,
    plans: Vec<String>,
    form: RoundForm,
    today: String,
    flash: Option<String>,
}

fn records(session: &Session) -> bool {
    Allowed::<Recorders>::holds(session)
}

/// Whether the viewer sees every finding (the office, leaders) or only their own.
fn sees_all(session: &Session) -> bool {
    session.viewer.sees_everything() || session.user.roles.contains(&Role::Leader)
}

/// What a finding is about, where to open it, and whether the viewer may see the finding: an
/// item they see, or a register entry in their counties.
async fn placed(
    state: &AppState,
    session: &Session,
    finding: &FindingRecord,
) -> Result<Option<(String, Option<String>)>, WebError> {
    let all = sees_all(session);
    if let Some((plan, number)) = &finding.item {
        let snapshot = snapshot_since(state, session.seen_head).await?;
        let about = format!("{plan}第{number}项");
        return Ok(
            match find_visible(&snapshot, &session.viewer, *number, Some(plan)) {
                Ok(stored) => Some((about, Some(snapshot.item_path(stored)))),
                Err(_) => all.then_some((about, None)),
            },
        );
    }
    if let Some((id, name)) = &finding.entry {
        let county = state.store.register_entry(*id).await?.record.county_id;
        let sees = sees_all_registers(session) || session.viewer.units.contains(&county);
        return Ok((all || sees).then(|| {
            let link = sees.then(|| format!("/registers/{id}"));
            (format!("名录条目：{name}"), link)
        }));
    }
    Ok(all.then(|| ("—".to_string(), None)))
}

/// The round's findings the viewer sees; `None` when a unit sees none of them (the round is
/// not theirs).
async fn visible_findings(
    state: &AppState,
    session: &Session,
    record: &RoundRecord,
) -> Result<Option<Vec<(FindingRecord, String, Option<String>)>>, WebError> {
    let mut shown = Vec::new();
    for f in &record.findings {
        if let Some((about, link)) = placed(state, session, f).await? {
            shown.push((f.clone(), about, link));
        }
    }
    Ok((sees_all(session) || !shown.is_empty()).then_some(shown))
}

fn counts(findings: &[(FindingRecord, String, Option<String>)]) -> Vec<(&'static str, usize)> {
    Outcome::ALL
        .iter()
        .map(|o| {
            let n = findings.iter().filter(|(f, _, _)| f.outcome == *o).count();
            (o.label_zh(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

async fn list_page(
    state: &AppState,
    session: &Session,
    form: RoundForm,
    flash: Option<String>,
    error: Option<String>,
) -> PageResult {
    let mut rounds = Vec::new();
    for record in state.store.inspection_rounds().await? {
        if let Some(shown) = visible_findings(state, session, &record).await? {
            rounds.push(RoundLine {
                counts: counts(&shown),
                record,
            });
        }
    }
    render(ListPage {
        me: session.me(),
        rounds,
        can_record: records(session),
        modes: Mode::ALL.iter().map(|m| m.label_zh()).collect(),
        form,
        flash,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Readers>,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let form = RoundForm {
        mode: Mode::Special.label_zh().to_string(),
        from: today_china().to_string(),
        ..RoundForm::default()
    };
    list_page(
        &state,
        &session,
        form,
        crate::flash::shown(&session, flash.done),
        None,
    )
    .await
}

/// Opens a round; a form with a mistake comes back filled in, with the mistake named.
pub async fn open(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<RoundForm, Recorders>,
) -> PageResult {
    let opened = match form.round() {
        Ok(round) => state
            .store
            .open_inspection_round(&session.user.username, &round)
            .await
            .map_err(user_message),
        Err(message) => Err(message),
    };
    match opened {
        Ok(id) => Ok(back_to(
            &session,
            &format!("/inspections/{id}"),
            "已开展督察",
        )),
        Err(message) => list_page(&state, &session, form, None, Some(message)).await,
    }
}

/// The round if the viewer may see it (a unit: only with a finding of theirs), else 404.
async fn round_in_scope(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<(RoundRecord, Vec<(FindingRecord, String, Option<String>)>), WebError> {
    let record = state.store.inspection_round(id).await?;
    let shown = visible_findings(state, session, &record)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((record, shown))
}

pub async fn show(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Readers>,
    Path(id): Path<i64>,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let (record, shown) = round_in_scope(&state, &session, id).await?;
    let files = state.store.round_evidence_files(id).await?;
    let findings = shown
        .into_iter()
        .map(|(finding, about, link)| FindingLine {
            photos: files
                .iter()
                .filter(|e| e.finding_id == finding.id)
                .cloned()
                .collect(),
            finding,
            about,
            link,
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
    render(RoundPage {
        me: session.me(),
        id,
        form: RoundForm::of(&record.round),
        round: record.round,
        findings,
        can_record: records(&session),
        modes: Mode::ALL.iter().map(|m| m.label_zh()).collect(),
        outcomes: Outcome::ALL.iter().map(|o| o.label_zh()).collect(),
        plans,
        today: today_china().to_string(),
        flash: crate::flash::shown(&session, flash.done),
    })
}

/// Corrects the round's details.
pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { session, form, .. }: CsrfForm<RoundForm, Recorders>,
) -> PageResult {
    let path = format!("/inspections/{id}");
    state.store.inspection_round(id).await?;
    let edited = match form.round() {
        Ok(round) => state
            .store
            .edit_inspection_round(&session.user.username, id, &round)
            .await
            .map_err(user_message),
        Err(message) => Err(message),
    };
    Ok(match edited {
        Ok(()) => back_to(&session, &path, "已更新督察信息"),
        Err(message) => back_to(&session, &path, &message),
    })
}

/// The longest description a finding takes.
const MAX_DESCRIPTION_CHARS: usize = 2000;

/// What the form names the finding as being about, as typed.
struct About {
    item: String,
    entry: String,
    plan: String,
    unit: String,
    deadline: String,
}

impl About {
    fn of(posted: &Posted) -> About {
        About {
            item: posted.text("item"),
            entry: posted.text("entry"),
            plan: posted.text("plan"),
            unit: posted.text("unit"),
            deadline: posted.text("deadline"),
        }
    }

    /// An item (by number, in the chosen plan), a register entry (by its number), nothing, or
    /// a new problem (its plan, lead unit and deadline, through the store as the CLI does).
    async fn target(
        &self,
        state: &AppState,
        outcome: Outcome,
        description: &str,
    ) -> Result<FindingTarget<'_>, String> {
        let plan = Some(self.plan.trim()).filter(|p| !p.is_empty());
        if outcome == Outcome::NewItem {
            return state
                .store
                .new_problem(plan, description, &self.unit, &self.deadline, today_china())
                .await
                .map_err(user_message);
        }
        let item = self
            .item
            .trim()
            .trim_start_matches('第')
            .trim_end_matches('项');
        match (item.trim(), self.entry.trim()) {
            ("", "") => Ok(FindingTarget::Nothing),
            (number, "") => number
                .parse::<u32>()
                .map(|number| FindingTarget::Item(ItemRef { plan, number }))
                .map_err(|_| format!("问题序号“{number}”应为数字")),
            ("", entry) => entry
                .parse::<i64>()
                .map(FindingTarget::Entry)
                .map_err(|_| format!("名录条目编号“{entry}”应为数字")),
            _ => Err("问题序号和名录条目编号只能填写一项".into()),
        }
    }
}

/// Records a finding with its photos (multipart: on, description, outcome, item or entry,
/// plan, unit and deadline for a new problem, photos), in one store transaction with what it
/// does to the item or entry.
pub async fn record(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Recorders>,
    Path(id): Path<i64>,
    request: Request,
) -> PageResult {
    let path = format!("/inspections/{id}#record");
    state.store.inspection_round(id).await?;
    let mut posted = Posted::read(&state, &session, request).await?;
    let description = posted.text("description");
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Ok(back_to(
            &session,
            &path,
            &format!("发现情况过长（最多 {MAX_DESCRIPTION_CHARS} 字）"),
        ));
    }
    let Some(outcome) = Outcome::parse(posted.text("outcome").trim()) else {
        return Ok(back_to(
            &session,
            &path,
            &format!("督察结论应为 {}", Outcome::choices_zh()),
        ));
    };
    let on = posted.text("on");
    let Some(on) = Date::parse(on.trim()) else {
        return Ok(back_to(
            &session,
            &path,
            &format!("发现日期“{}”不是有效日期", on.trim()),
        ));
    };
    let about = About::of(&posted);
    let target = match about.target(&state, outcome, &description).await {
        Ok(target) => target,
        Err(message) => return Ok(back_to(&session, &path, &message)),
    };
    let files: Vec<_> = std::mem::take(&mut posted.files)
        .into_iter()
        .map(|f| (f.name, f.upload))
        .collect();
    let finding = NewFinding {
        on,
        description: &description,
        outcome,
        target,
        files: &files,
    };
    let calendar = state.store.work_calendar().await?;
    Ok(
        match state
            .store
            .record_finding(&actor(&session), id, finding, &calendar)
            .await
        {
            Ok(f) => back_to(
                &session,
                &format!("/inspections/{id}#finding-{}", f.id),
                &recorded_message(&f),
            ),
            Err(error) => back_to(&session, &path, &user_message(error)),
        },
    )
}

fn recorded_message(f: &FindingRecord) -> String {
    let about = match (&f.item, &f.entry, f.outcome) {
        (Some((plan, number)), _, Outcome::NewItem) => format!("，已列为{plan}第{number}项"),
        (Some((plan, number)), _, _) => format!("（{plan}第{number}项）"),
        (None, Some((_, name)), _) => format!("（{name}）"),
        _ => String::new(),
    };
    format!("已记录督察发现：{}{about}", f.outcome.label_zh())
}

/// A finding's photo: shown inline when an image or a PDF (sandboxed), else downloaded; only
/// to those who see the finding.
pub async fn evidence(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Readers>,
    Path(id): Path<i64>,
) -> PageResult {
    let (round_id, file) = state.store.round_evidence(id).await?;
    let (_, shown) = round_in_scope(&state, &session, round_id).await?;
    if !shown.iter().any(|(f, _, _)| f.id == file.finding_id) {
        return Err(WebError::NotFound);
    }
    let bytes = state.store.attachments().get_verified(&file.sha256).await?;
    Ok(inline_or_download(
        file.id,
        &file.file_name,
        &file.media_type,
        bytes.into(),
    ))
}
