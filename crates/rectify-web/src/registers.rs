//! The standing registers for signed-in users: a list per kind, and an entry with its timeline,
//! its moves, the inspection form (with the checklist and a photo per line) and evidence.
//! Units see the entries in their own counties; the office, leaders, supervisors, acceptance
//! staff (who inspect) and the discipline commission see all. The office and the entry's county may move it (sign-off and
//! the other final states are the office's); the office, acceptance staff and the county record
//! inspections and evidence.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::encode::url_encode;
use crate::error::PageResult;
use crate::error::WebError;
use crate::extract::CsrfForm;
use crate::extract::Path;
use crate::kit::{FlashQuery, attachment, back_to, render, xlsx_download};
use crate::multipart::Posted;
use crate::scopes::{register_units, sees_all_registers};
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use rectify_core::org::Role;
use rectify_core::register::{
    CheckLine, Details, EntryRecord, Inspection, Kind, PHOTO, plot, water_body,
};
use rectify_exact::date::Date;
use rectify_io::plan::{SheetFormat, read_sheets};
use rectify_io::register::{cell_text, columns, read_register, register_xlsx};
use rectify_store::registers::{EntryDetail, NewRegisterEvidence, RegisterFilter};
use rectify_store::today_china;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "registers.html")]
struct ListPage {
    me: Me,
    kinds: Vec<(Kind, usize)>,
    kind: Kind,
    entries: Vec<EntryRecord>,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    /// Construction sites failing inspections repeatedly.
    offenders: Vec<i64>,
    counties: Vec<String>,
    states: Vec<(&'static str, String)>,
    county: String,
    state: String,
    total: usize,
    page: usize,
    pages: usize,
    prev: String,
    next: String,
    flash: Option<String>,
    is_office: bool,
}

#[derive(Template)]
#[template(path = "register.html")]
struct DetailPage {
    me: Me,
    flash: Option<String>,
    detail: EntryDetail,
    fields: Vec<(&'static str, String)>,
    restriction: Option<&'static str>,
    samples: Option<(Vec<SampleLine>, String)>,
    /// The 红黄蓝绿 labels' meanings, for a chemical enterprise.
    meanings: Vec<(String, String)>,
    timeline: Vec<TimelineLine>,
    findings: Vec<Finding>,
    next_states: Vec<(&'static str, String)>,
    can_move: bool,
    can_inspect: bool,
    checklist: Vec<String>,
    evidence_kinds: Vec<&'static str>,
    patrols: bool,
    today: String,
}

struct SampleLine {
    sample: water_body::Sample,
    /// Each indicator's level, or why the sample does not read.
    levels: Vec<String>,
}

/// A failed inspection still open, with its deadline.
struct Finding {
    id: i64,
    on: Date,
    items: String,
    deadline: String,
    overdue: bool,
}

struct TimelineLine {
    on: Date,
    what: String,
    by: String,
    rebound: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    kind: Option<String>,
    #[serde(default)]
    county: String,
    #[serde(default)]
    state: String,
    page: Option<usize>,
    done: Option<String>,
}

/// Entries per page of a register's list.
const PAGE_SIZE: usize = 200;

fn filter_for(session: &Session, kind: Option<Kind>) -> RegisterFilter {
    RegisterFilter {
        kind,
        units: register_units(session),
        ..RegisterFilter::default()
    }
}

fn has(session: &Session, role: Role) -> bool {
    session.user.roles.contains(&role)
}

fn own_county(session: &Session, record: &EntryRecord) -> bool {
    has(session, Role::Unit) && session.viewer.units.contains(&record.county_id)
}

fn may_move(session: &Session, record: &EntryRecord, to: &str) -> bool {
    has(session, Role::Office) || (own_county(session, record) && !record.kind.is_done(to))
}

fn may_inspect(session: &Session, record: &EntryRecord) -> bool {
    has(session, Role::Office) || has(session, Role::Acceptance) || own_county(session, record)
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    _headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let counts = state
        .store
        .register_state_counts(register_units(&session).as_deref())
        .await?;
    let kind = query
        .kind
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::Scattered);
    let kinds = Kind::ALL
        .iter()
        .map(|k| {
            let entries = counts.iter().filter(|c| c.kind == *k).map(|c| c.entries);
            (*k, entries.sum())
        })
        .collect();
    let of_kind = state
        .store
        .register_entries(&filter_for(&session, Some(kind)))
        .await?;
    let mut counties: Vec<String> = Vec::new();
    for e in &of_kind {
        if !counties.contains(&e.identity.county) {
            counties.push(e.identity.county.clone());
        }
    }
    let states: Vec<(&'static str, String)> = kind
        .states()
        .into_iter()
        .map(|code| (code, kind.state_label(code)))
        .collect();
    let matching: Vec<EntryRecord> = of_kind
        .into_iter()
        .filter(|e| query.county.is_empty() || e.identity.county == query.county)
        .filter(|e| query.state.is_empty() || e.state == query.state)
        .collect();
    let total = matching.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let entries: Vec<EntryRecord> = matching
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let page_link = |p: usize| {
        format!(
            "/registers?kind={}&county={}&state={}&page={p}",
            kind.code(),
            url_encode(&query.county),
            url_encode(&query.state)
        )
    };
    // The kind's first three own columns say most about an entry in a list.
    let shown = &columns(kind)[..columns(kind).len().min(3)];
    let rows = entries
        .iter()
        .map(|e| {
            let fields = serde_json::to_value(&e.details).unwrap_or_default();
            shown
                .iter()
                .map(|c| cell_text(c.form, &fields[c.key]))
                .collect()
        })
        .collect();
    let offenders = match kind {
        Kind::Site => state.store.repeat_offenders(today_china()).await?,
        _ => Vec::new(),
    };
    render(ListPage {
        me: session.me(),
        kinds,
        kind,
        offenders,
        counties,
        states,
        total,
        page,
        pages,
        prev: page_link(page.saturating_sub(1).max(1)),
        next: page_link((page + 1).min(pages)),
        flash: crate::flash::shown(&session, query.done),
        is_office: has(&session, Role::Office),
        county: query.county,
        state: query.state,
        headers: shown.iter().map(|c| c.header).collect(),
        rows,
        entries,
    })
}

/// The entry if the user may see it; otherwise "not found".
async fn visible(state: &AppState, session: &Session, id: i64) -> Result<EntryDetail, WebError> {
    let detail = state.store.register_entry(id).await?;
    if sees_all_registers(session) || session.viewer.units.contains(&detail.record.county_id) {
        Ok(detail)
    } else {
        Err(WebError::NotFound)
    }
}

/// An entry the signed-in user can see, with its page (to return to).
async fn entry_in_scope(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<(String, EntryDetail), WebError> {
    let detail = visible(state, session, id).await?;
    Ok((format!("/registers/{id}"), detail))
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    let _path = format!("/registers/{id}");
    let detail = visible(&state, &session, id).await?;
    let today = today_china();
    let record = &detail.record;
    let fields_json = serde_json::to_value(&record.details).unwrap_or_default();
    let fields = columns(record.kind)
        .iter()
        .map(|c| (c.header, cell_text(c.form, &fields_json[c.key])))
        .collect();
    let next_states = record
        .kind
        .next_states(&record.state)
        .into_iter()
        .filter(|to| may_move(&session, record, to))
        .map(|to| (to, record.kind.state_label(to)))
        .collect();
    let checklist = checklist_for(&state, record.kind).await?;
    let restriction = match record.kind {
        Kind::Plot => plot::State::parse(&record.state).and_then(plot::land_use_restriction),
        _ => None,
    };
    let samples = samples(&record.details);
    let meanings = match record.kind {
        Kind::Chemical => state.store.chemical_meanings().await?,
        _ => Vec::new(),
    };
    render(DetailPage {
        me: session.me(),
        flash: crate::flash::shown(&session, flash.done),
        fields,
        restriction,
        samples,
        meanings,
        timeline: timeline(&detail),
        findings: findings(&detail, today),
        can_move: has(&session, Role::Office) || own_county(&session, record),
        can_inspect: may_inspect(&session, record),
        next_states,
        checklist,
        evidence_kinds: record.kind.evidence_kinds(),
        patrols: record.kind == Kind::Scattered,
        today: today.to_string(),
        detail,
    })
}

/// Sites are inspected against the checklist; other kinds are patrolled or visited.
async fn checklist_for(state: &AppState, kind: Kind) -> Result<Vec<String>, WebError> {
    Ok(match kind {
        Kind::Site => state.store.site_checklist().await?,
        _ => Vec::new(),
    })
}

/// A water body's monitoring, newest first, each sample with its indicators' levels, and the
/// grade over the last 90 days.
fn samples(details: &Details) -> Option<(Vec<SampleLine>, String)> {
    let Details::WaterBody(d) = details else {
        return None;
    };
    let mut lines: Vec<SampleLine> = d
        .samples
        .iter()
        .map(|s| SampleLine {
            levels: s.levels().map_or_else(
                |e| vec![e],
                |l| l.iter().map(|g| g.label_zh().to_string()).collect(),
            ),
            sample: s.clone(),
        })
        .collect();
    lines.reverse();
    let today = today_china();
    let grade = match water_body::grade(&d.recent(today)) {
        Ok(g) if d.recent(today).is_empty() => {
            format!("近{}天无监测（{}）", water_body::WINDOW_DAYS, g.label_zh())
        }
        Ok(g) => format!("近{}天判定：{}", water_body::WINDOW_DAYS, g.label_zh()),
        Err(e) => e,
    };
    Some((lines, grade))
}

fn timeline(detail: &EntryDetail) -> Vec<TimelineLine> {
    let mut lines: Vec<TimelineLine> = detail
        .moves
        .iter()
        .map(|m| TimelineLine {
            on: m.on,
            what: format!("{} → {}{}", m.from, m.to, reason(&m.reason)),
            by: m.actor.clone(),
            rebound: m.rebound,
        })
        .collect();
    lines.extend(detail.inspections.iter().map(|i| {
        let x = &i.inspection;
        let outcome = if x.passed() {
            "合格".to_string()
        } else if x.activity_found {
            format!("发现生产活动：{}", x.finding)
        } else {
            format!("不合格：{}", x.failures().join("、"))
        };
        let recheck = x
            .rechecks
            .map_or(String::new(), |r| format!("（复查检查 {r}）"));
        TimelineLine {
            on: x.on,
            what: format!("检查 {}{recheck}：{outcome}", i.id),
            by: x.by.clone(),
            rebound: false,
        }
    }));
    lines.sort_by_key(|l| l.on);
    lines
}

fn reason(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("（{text}）")
    }
}

fn findings(detail: &EntryDetail, today: Date) -> Vec<Finding> {
    detail
        .inspections
        .iter()
        .filter(|i| detail.open_findings.contains(&i.id))
        .map(|i| Finding {
            id: i.id,
            on: i.inspection.on,
            items: i.inspection.failures().join("、"),
            deadline: i.inspection.deadline.map_or("—".into(), |d| d.to_string()),
            overdue: i.inspection.deadline.is_some_and(|d| d < today),
        })
        .collect()
}

#[derive(Deserialize)]
pub struct MoveForm {
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    on: String,
}

pub async fn move_entry(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { session, form, .. }: CsrfForm<MoveForm>,
) -> PageResult {
    let (path, detail) = entry_in_scope(&state, &session, id).await?;
    let record = &detail.record;
    let to = record.kind.parse_state(&form.to).unwrap_or_default();
    if !may_move(&session, record, to) {
        return Err(WebError::Forbidden(
            "只有整改办或该条目所在县（区）可以办理流转，销号等办结须由整改办办理".into(),
        ));
    }
    let on = Date::parse(&form.on).unwrap_or_else(today_china);
    let user = &session.user.username;
    Ok(
        match state
            .store
            .move_register_entry(user, id, &form.to, on, &form.reason)
            .await
        {
            Ok(moved) => back_to(&session, &path, &format!("已转为“{}”", moved.state_label)),
            Err(error) => back_to(&session, &path, &crate::error::user_message(error)),
        },
    )
}

/// The inspection form: a checklist line per item (`line_N` 符合/不符合, `note_N`, `photo_N`),
/// or a patrol's finding; more photos in `photos`.
pub async fn inspect(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    request: Request,
) -> PageResult {
    let (path, detail) = entry_in_scope(&state, &session, id).await?;
    if !may_inspect(&session, &detail.record) {
        return Err(WebError::Forbidden(
            "只有整改办、验收核查人员或所在县（区）可以记录检查".into(),
        ));
    }
    let posted = Posted::read(&state, &session, request).await?;
    let inspection = match inspection_from(&state, &detail, &posted).await? {
        Ok(inspection) => inspection,
        Err(message) => return Ok(back_to(&session, &path, &message)),
    };
    let user = &session.user.username;
    let inspection_id = match state.store.record_inspection(user, id, &inspection).await {
        Ok(inspection_id) => inspection_id,
        Err(error) => return Ok(back_to(&session, &path, &crate::error::user_message(error))),
    };
    if let Err(error) = store_photos(&state, user, id, inspection_id, &inspection, &posted).await {
        return Ok(back_to(
            &session,
            &path,
            &format!(
                "检查已记录，但照片未全部保存：{}",
                crate::error::user_message(error)
            ),
        ));
    }
    let outcome = if inspection.passed() {
        "合格"
    } else {
        "不合格"
    };
    Ok(back_to(
        &session,
        &path,
        &format!("已记录检查 {inspection_id}：{outcome}"),
    ))
}

async fn inspection_from(
    state: &AppState,
    detail: &EntryDetail,
    posted: &Posted,
) -> Result<Result<Inspection, String>, WebError> {
    let checklist = checklist_for(state, detail.record.kind).await?;
    let lines = checklist
        .into_iter()
        .enumerate()
        .map(|(i, item)| CheckLine {
            complies: posted.text(&format!("line_{i}")) != "不符合",
            note: posted.text(&format!("note_{i}")).trim().to_string(),
            item,
        })
        .collect();
    let date = |name: &str| {
        let text = posted.text(name);
        match text.trim() {
            "" => Ok(None),
            t => Date::parse(t).map(Some).ok_or(format!("“{t}”不是日期")),
        }
    };
    let rechecks = posted.text("rechecks").trim().parse::<i64>().ok();
    Ok((|| {
        Ok(Inspection {
            on: date("on")?.unwrap_or_else(today_china),
            by: posted.text("by").trim().to_string(),
            lines,
            finding: posted.text("finding").trim().to_string(),
            activity_found: posted.text("activity") == "是",
            deadline: date("deadline")?,
            rechecks,
        })
    })())
}

/// The photos of an inspection: a line's photo is filed under the line's item.
async fn store_photos(
    state: &AppState,
    user: &str,
    id: i64,
    inspection_id: i64,
    inspection: &Inspection,
    posted: &Posted,
) -> Result<(), rectify_store::StoreError> {
    for file in &posted.files {
        let item = file
            .field
            .strip_prefix("photo_")
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| inspection.lines.get(i));
        let kind = match item {
            Some(line) => format!("{PHOTO}（{}）", line.item),
            None => PHOTO.to_string(),
        };
        let evidence = NewRegisterEvidence {
            inspection_id: Some(inspection_id),
            kind: &kind,
            file_name: &file.name,
            file: &file.upload,
        };
        state
            .store
            .add_register_evidence(user, id, evidence)
            .await?;
    }
    Ok(())
}

pub async fn add_evidence(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    request: Request,
) -> PageResult {
    let (path, detail) = entry_in_scope(&state, &session, id).await?;
    if !may_inspect(&session, &detail.record) {
        return Err(WebError::Forbidden(
            "只有整改办、验收核查人员或所在县（区）可以上传材料".into(),
        ));
    }
    let posted = Posted::read(&state, &session, request).await?;
    let kind = posted.text("kind");
    let mut saved = 0;
    for file in &posted.files {
        let evidence = NewRegisterEvidence {
            inspection_id: None,
            kind: &kind,
            file_name: &file.name,
            file: &file.upload,
        };
        if let Err(error) = state
            .store
            .add_register_evidence(&session.user.username, id, evidence)
            .await
        {
            return Ok(back_to(&session, &path, &crate::error::user_message(error)));
        }
        saved += 1;
    }
    Ok(back_to(
        &session,
        &path,
        &format!("已上传{saved}个材料（{kind}）"),
    ))
}

#[derive(Deserialize)]
pub struct LinkForm {
    /// "第3项", "3" or "方案名 3"; empty when linking a complaint.
    #[serde(default)]
    item: String,
    #[serde(default)]
    complaint: String,
}

/// Links the entry with a plan item (by number, optionally after the plan's name) or a
/// complaint (by 受理编号): the office and the entry's county.
pub async fn link(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm { session, form, .. }: CsrfForm<LinkForm>,
) -> PageResult {
    let (path, detail) = entry_in_scope(&state, &session, id).await?;
    if !(has(&session, Role::Office) || own_county(&session, &detail.record)) {
        return Err(WebError::Forbidden(
            "只有整改办或所在县（区）可以关联".into(),
        ));
    }
    let item_text = form
        .item
        .trim()
        .trim_start_matches('第')
        .trim_end_matches('项');
    let (plan, number) = match item_text.rsplit_once(char::is_whitespace) {
        Some((plan, number)) => (Some(plan.trim()), number),
        None => (None, item_text),
    };
    let item = match number.trim() {
        "" => None,
        n => match n.parse::<u32>() {
            Ok(number) => Some(rectify_store::workflow::ItemRef { plan, number }),
            Err(_) => {
                return Ok(back_to(
                    &session,
                    &path,
                    &format!("“{}”不是问题序号", form.item.trim()),
                ));
            }
        },
    };
    let complaint = Some(form.complaint.trim()).filter(|c| !c.is_empty());
    let user = &session.user.username;
    Ok(
        match state
            .store
            .link_register_entry(
                user,
                Some(&session.viewer),
                id,
                item,
                complaint,
                today_china(),
            )
            .await
        {
            Ok(()) => back_to(&session, &path, "已关联"),
            Err(error) => back_to(&session, &path, &crate::error::user_message(error)),
        },
    )
}

#[derive(Template)]
#[template(path = "registers_import.html")]
struct ImportPage {
    me: Me,
    kind: Kind,
    file: String,
    errors: Vec<String>,
    warnings: Vec<String>,
}

/// A kind's register from a sheet (the office): every bad cell listed and nothing written, or
/// the entries added and updated.
pub async fn import(
    State(state): State<AppState>,
    session: Session,
    request: Request,
) -> PageResult {
    if !has(&session, Role::Office) {
        return Err(WebError::Forbidden("只有整改办可以导入名录".into()));
    }
    let posted = Posted::read(&state, &session, request).await?;
    let kind = Kind::parse(&posted.text("kind")).unwrap_or(Kind::Scattered);
    let back = |message: &str| {
        back_to(
            &session,
            &format!("/registers?kind={}", kind.code()),
            message,
        )
    };
    let Some(file) = posted.files.first() else {
        return Ok(back("请选择要导入的文件"));
    };
    let format = SheetFormat::from_name(&file.name).unwrap_or(SheetFormat::Xlsx);
    let bytes = file.upload.read().await?;
    let name = file.name.clone();
    let limits = state.config.sheets;
    let parsed =
        crate::parsing::off_thread(&state, move || read_sheets(&bytes, format, &name, &limits));
    let sheets = match parsed.await? {
        Ok(sheets) => sheets,
        Err(e) => return Ok(back(&format!("{}：{e}", file.name))),
    };
    let read = read_register(&sheets, kind, today_china());
    if !read.errors.is_empty() {
        return render(ImportPage {
            me: session.me(),
            kind,
            file: file.name.clone(),
            errors: read.errors.iter().map(ToString::to_string).collect(),
            warnings: read.warnings.iter().map(ToString::to_string).collect(),
        });
    }
    let entries: Vec<_> = read.entries.into_iter().map(|(_, e)| e).collect();
    let user = &session.user.username;
    Ok(
        match state
            .store
            .upsert_register_entries(user, kind, &entries, false)
            .await
        {
            Ok(s) => back(&format!(
                "{}：新增 {} 条，更新 {} 条，未变 {} 条",
                file.name, s.added, s.updated, s.unchanged
            )),
            Err(error) => back(&crate::error::user_message(error)),
        },
    )
}

#[derive(Deserialize)]
pub struct ExportQuery {
    kind: Option<String>,
}

/// A kind's register as the viewer sees it, as a sheet that imports back.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let kind = query
        .kind
        .as_deref()
        .and_then(Kind::parse)
        .unwrap_or(Kind::Scattered);
    let entries = state
        .store
        .register_entries(&filter_for(&session, Some(kind)))
        .await?;
    let today = today_china();
    let title = format!("{}名录（{}导出）", kind.label_zh(), today.chinese());
    let bytes = register_xlsx(kind, &title, &entries).map_err(|e| WebError::internal(&e))?;
    Ok(xlsx_download(
        &format!("register-{}-{today}.xlsx", kind.code()),
        bytes,
    ))
}

pub async fn evidence_download(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (entry_id, evidence) = state.store.register_evidence(id).await?;
    visible(&state, &session, entry_id).await?;
    let body = crate::kit::stored_file(&state.store, &evidence.sha256, evidence.size).await?;
    Ok(attachment(evidence.id, &evidence.file_name, body))
}
