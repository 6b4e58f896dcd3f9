//! 燃煤消费总量控制和清洁取暖 in the browser, per county: the year's consumption month by month
//! against the pro-rata cap (an SVG chart drawn here, like `/air`'s, and a table), households
//! switched against the target, and the warnings of `rectify_core::coal::assess` — the rule
//! `rectify coal status` prints. The office sees every county and imports the workbook (a
//! preview, then the confirmation; all or nothing) and everyone exports what they see; a
//! county's clerk sees only their own county; leaders read all.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::snapshot_since;
use crate::encode::url_encode;
use crate::error::{PageResult, WebError, user_message};
use crate::extract::{Allowed, CsrfForm, OfficeWork, Permission};
use crate::import::{FindingLine, GRID_ROWS, finding_line};
use crate::kit::{back_to, render, xlsx_download};
use crate::multipart::Posted;
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::response::Response;
use rectify_core::coal::{
    CoalFigures, CoalStatus, CoalYear, MonthLine, assess, month_lines, reported_through,
};
use rectify_core::org::Role;
use rectify_exact::exact::Exact;
use rectify_io::coal::{coal_xlsx, read_coal};
use rectify_io::plan::{Finding, Grid, GridRow, Sheet, SheetFormat, grid, read_sheets};
use rectify_store::coal::CoalTargets;
use rectify_store::today_china;
use serde::Deserialize;

/// Who opens the coal page: the office, leaders and read-only users (every county), and units
/// (a county its own).
pub struct Readers;
impl Permission for Readers {
    const ROLES: &'static [Role] = &[
        Role::Office,
        Role::Admin,
        Role::Leader,
        Role::Viewer,
        Role::Unit,
    ];
}

/// For the menu.
pub(crate) const ROLES: &[Role] = Readers::ROLES;

/// Whether the viewer sees every county's figures.
fn sees_all(session: &Session) -> bool {
    session.viewer.sees_everything() || session.user.roles.contains(&Role::Leader)
}

/// The counties' years the viewer sees.
async fn visible_years(
    state: &AppState,
    session: &Session,
    year: i32,
) -> Result<Vec<CoalYear>, WebError> {
    let all = sees_all(session);
    Ok(state
        .store
        .coal_county_years(year)
        .await?
        .into_iter()
        .filter(|(id, _)| all || session.viewer.units.contains(id))
        .map(|(_, y)| y)
        .collect())
}

#[derive(Deserialize, Default)]
pub struct CoalQuery {
    county: Option<String>,
    year: Option<i32>,
    through: Option<u8>,
    done: Option<String>,
}

/// A point of the chart, in the SVG's units.
struct Column {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    over: bool,
    title: String,
}

struct Tick {
    x: i64,
    y: i64,
    text: String,
}

/// Cumulative consumption as columns, the pro-rata cap as a line, the whole cap dashed.
struct Chart {
    width: i64,
    height: i64,
    left: i64,
    right: i64,
    columns: Vec<Column>,
    /// The pro-rata cap's polyline points ("x,y x,y …").
    allowed: String,
    cap: Option<(i64, String)>,
    x_labels: Vec<Tick>,
    y_ticks: Vec<Tick>,
}

/// A table line: the month's figure, the running total, what the cap allows, and whether the
/// total is over it.
struct Row {
    month: u8,
    used: String,
    cumulative: String,
    allowed: String,
    over: bool,
}

#[derive(Template)]
#[template(path = "coal.html")]
struct CoalPage {
    me: Me,
    flash: Option<String>,
    years: Vec<i32>,
    year: i32,
    through: u8,
    counties: Vec<String>,
    /// The county shown, with its standing; `None` when the viewer has no county's figures.
    shown: Option<Shown>,
    /// Every county the viewer sees, when more than one, with its page.
    overview: Vec<(CoalStatus, String)>,
    can_import: bool,
    export: String,
}

struct Shown {
    status: CoalStatus,
    chart: Chart,
    rows: Vec<Row>,
    gas: u32,
    electric: u32,
    allowed: String,
}

pub async fn show(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Readers>,
    Query(query): Query<CoalQuery>,
) -> PageResult {
    let years = state.store.coal_year_list().await?;
    let this_year = today_china().year;
    let year = query
        .year
        .filter(|y| years.contains(y))
        .or_else(|| years.iter().copied().find(|y| *y <= this_year))
        .or(years.first().copied())
        .unwrap_or(this_year);
    let visible = visible_years(&state, &session, year).await?;
    let chosen = match &query.county {
        Some(name) => county_in_scope(&state, &session, &visible, name).await?,
        None => visible.first(),
    };
    let through = query
        .through
        .filter(|t| (1..=12).contains(t))
        .or_else(|| visible.iter().filter_map(reported_through).max())
        .unwrap_or(12);
    let overview = if visible.len() > 1 {
        visible
            .iter()
            .map(|y| (assess(y, through), county_link(&y.county, year)))
            .collect()
    } else {
        Vec::new()
    };
    render(CoalPage {
        me: session.me(),
        flash: crate::flash::shown(&session, query.done),
        years,
        year,
        through,
        counties: visible.iter().map(|y| y.county.clone()).collect(),
        shown: chosen.map(|y| shown(y, through)),
        overview,
        can_import: Allowed::<OfficeWork>::holds(&session),
        export: format!("/coal/export?year={year}"),
    })
}

/// The county asked for among those the viewer sees; one of theirs without figures this year is
/// `None`; any other is "not found", like a page outside the viewer's scope.
async fn county_in_scope<'y>(
    state: &AppState,
    session: &Session,
    visible: &'y [CoalYear],
    name: &str,
) -> Result<Option<&'y CoalYear>, WebError> {
    if let Some(y) = visible.iter().find(|y| y.county == name) {
        return Ok(Some(y));
    }
    let snapshot = snapshot_since(state, session.seen_head).await?;
    let theirs = snapshot
        .org_units
        .iter()
        .any(|u| u.name == name && (sees_all(session) || session.viewer.units.contains(&u.id)));
    if theirs {
        Ok(None)
    } else {
        Err(WebError::NotFound)
    }
}

fn shown(y: &CoalYear, through: u8) -> Shown {
    let lines = month_lines(y);
    let at = |line: &MonthLine| line.month <= through;
    let fixed =
        |v: Option<Exact>| v.map_or("—".to_string(), |v| v.round_half_even(2).to_fixed(2));
    let rows = lines
        .iter()
        .filter(|l| at(l))
        .map(|l| Row {
            month: l.month,
            used: fixed(l.used),
            cumulative: fixed(Some(l.cumulative)),
            allowed: fixed(l.allowed),
            over: l.allowed.is_some_and(|a| l.cumulative > a),
        })
        .collect();
    let allowed = fixed(lines.get(usize::from(through) - 1).and_then(|l| l.allowed));
    Shown {
        status: assess(y, through),
        chart: chart(y, &lines, through),
        rows,
        gas: y.heating_gas,
        electric: y.heating_electric,
        allowed,
    }
}

const CHART_W: i64 = 420;
const CHART_H: i64 = 250;
const LEFT: i64 = 40;
const RIGHT: i64 = CHART_W - 10;
const TOP: i64 = 14;
const BOTTOM: i64 = 26;

/// The largest value the chart draws, in tenths of 万吨 (10 亿吨, far above any county's
/// use): a typo's extra digits are drawn at the top, never overflow the arithmetic.
const CHART_MAX_TENTHS: i64 = 100_000_000;

/// Tenths of 万吨, the chart's integer unit, clamped to what the chart can draw.
fn tenths(v: Exact) -> i64 {
    let t = v.mul_int(10).round_half_even(0).floor();
    i64::try_from(t).map_or(if t < 0 { 0 } else { CHART_MAX_TENTHS }, |t| {
        t.clamp(0, CHART_MAX_TENTHS)
    })
}

fn chart(y: &CoalYear, lines: &[MonthLine], through: u8) -> Chart {
    let highest = lines
        .iter()
        .flat_map(|l| [Some(l.cumulative), l.allowed])
        .chain([y.cap])
        .flatten()
        .map(tenths)
        .max()
        .unwrap_or(0);
    // A round top above the highest value with room for the cap's label: the next multiple
    // of 20 万吨 (200 tenths) past it plus an eighth.
    let top = ((highest + highest / 8) / 200 + 1) * 200;
    let plot_h = CHART_H - TOP - BOTTOM;
    let y_of = |v: i64| TOP + plot_h - v * plot_h / top;
    let slot = (RIGHT - LEFT) / 12;
    let x_mid = |month: u8| LEFT + i64::from(month - 1) * slot + slot / 2;
    let columns = lines
        .iter()
        .filter(|l| l.month <= through && l.used.is_some())
        .map(|l| {
            let v = tenths(l.cumulative);
            Column {
                x: x_mid(l.month) - slot * 3 / 8,
                y: y_of(v),
                w: slot * 3 / 4,
                h: (TOP + plot_h - y_of(v)).max(1),
                over: l.allowed.is_some_and(|a| l.cumulative > a),
                title: format!(
                    "{}月累计 {} 万吨",
                    l.month,
                    l.cumulative.round_half_even(2).to_fixed(2)
                ),
            }
        })
        .collect();
    let allowed = lines
        .iter()
        .filter_map(|l| {
            l.allowed
                .map(|a| format!("{},{}", x_mid(l.month), y_of(tenths(a))))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let cap = y.cap.map(|c| {
        (
            y_of(tenths(c)),
            format!("年度目标 {} 万吨", c.round_half_even(1).to_fixed(1)),
        )
    });
    Chart {
        width: CHART_W,
        height: CHART_H,
        left: LEFT,
        right: RIGHT,
        columns,
        allowed,
        cap,
        x_labels: (1..=12)
            .map(|m| Tick {
                x: x_mid(m),
                y: CHART_H - 8,
                text: m.to_string(),
            })
            .collect(),
        y_ticks: (0..=4)
            .map(|k| {
                let v = top * k / 4;
                Tick {
                    x: LEFT - 4,
                    y: y_of(v),
                    text: (v / 10).to_string(),
                }
            })
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    year: Option<i32>,
}

/// The year's workbook of the counties the viewer sees, in the layout the import reads.
pub async fn export(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<Readers>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, WebError> {
    let year = query
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(today_china().year);
    let years = visible_years(&state, &session, year).await?;
    let bytes = coal_xlsx(&years).map_err(|e| WebError::internal(&e))?;
    Ok(xlsx_download(&format!("coal-{year}.xlsx"), bytes))
}

/// One sheet of the upload as it is, with the findings on their cells.
struct SheetPreview {
    name: String,
    anchor: String,
    grid: Grid,
}

/// What an uploaded workbook holds and what importing it would do.
struct Preview {
    file_name: String,
    sha256: String,
    errors: Vec<FindingLine>,
    warnings: Vec<FindingLine>,
    sheets: Vec<SheetPreview>,
    months: usize,
    targets: usize,
    /// (county, years) named in the file.
    counties: Vec<(String, String)>,
    /// Why the stored data refuses the file (a county not in the org chart), from a dry run.
    problem: Option<String>,
}

impl Preview {
    fn importable(&self) -> bool {
        self.errors.is_empty() && self.problem.is_none()
    }
}

#[derive(Template)]
#[template(path = "coal_import.html")]
struct ImportPage {
    me: Me,
    preview: Preview,
}

/// The upload's sheets, its figures (empty when any cell is bad) and the bad cells.
type Read = (Vec<Sheet>, CoalFigures, Vec<Finding>);

/// Reads the workbook off the request threads, or says why it cannot be read at all.
async fn read(
    state: &AppState,
    bytes: Vec<u8>,
    file_name: &str,
) -> Result<Result<Read, String>, WebError> {
    let format = SheetFormat::from_name(file_name).unwrap_or(SheetFormat::Xlsx);
    let name = file_name.to_string();
    let limits = state.config.sheets;
    let sheets =
        crate::parsing::off_thread(state, move || read_sheets(&bytes, format, &name, &limits))
            .await?;
    let sheets = match sheets {
        Ok(sheets) => sheets,
        Err(message) => return Ok(Err(format!("{file_name}：{message}"))),
    };
    Ok(Ok(match read_coal(&sheets) {
        Ok(figures) => (sheets, figures, Vec::new()),
        Err(findings) => (sheets, CoalFigures::default(), findings),
    }))
}

fn anchor_of(sheets: &[Sheet], sheet: &str) -> String {
    let index = sheets.iter().position(|s| s.name == sheet).unwrap_or(0);
    format!("s{index}-")
}

/// Each county in the file with the years it gives.
fn counties(figures: &CoalFigures) -> Vec<(String, String)> {
    let mut named: Vec<(String, Vec<i32>)> = Vec::new();
    let all = figures
        .months
        .iter()
        .map(|m| (&m.county, m.year))
        .chain(figures.targets.iter().map(|t| (&t.county, t.year)));
    for (county, year) in all {
        match named.iter_mut().find(|(c, _)| c == county) {
            Some((_, years)) if !years.contains(&year) => years.push(year),
            Some(_) => {}
            None => named.push((county.clone(), vec![year])),
        }
    }
    named
        .into_iter()
        .map(|(county, mut years)| {
            years.sort_unstable();
            let years: Vec<String> = years.iter().map(|y| format!("{y}年")).collect();
            (county, years.join("、"))
        })
        .collect()
}

async fn preview(
    state: &AppState,
    session: &Session,
    file_name: &str,
    sha256: &str,
    bytes: Vec<u8>,
) -> Result<Result<(Preview, CoalFigures), String>, WebError> {
    let (sheets, figures, findings) = match read(state, bytes, file_name).await? {
        Ok(read) => read,
        Err(message) => return Ok(Err(message)),
    };
    let problem = if findings.is_empty() {
        state
            .store
            .import_coal(&session.user.username, &figures, true)
            .await
            .err()
            .map(user_message)
    } else {
        None
    };
    let preview = Preview {
        file_name: file_name.to_string(),
        sha256: sha256.to_string(),
        sheets: sheets
            .iter()
            .map(|s| SheetPreview {
                name: s.name.clone(),
                anchor: anchor_of(&sheets, &s.name),
                grid: grid(s, &findings, &[], GRID_ROWS),
            })
            .collect(),
        errors: findings
            .iter()
            .map(|f| finding_line(f, &anchor_of(&sheets, &f.sheet), true))
            .collect(),
        warnings: Vec::new(),
        months: figures.months.len(),
        targets: figures.targets.len(),
        counties: counties(&figures),
        problem,
    };
    Ok(Ok((preview, figures)))
}

/// The office's upload: nothing is written; the preview shows what the file holds, every bad
/// cell, and whether the store would take it.
pub async fn upload(
    State(state): State<AppState>,
    Allowed(session, _): Allowed<OfficeWork>,
    request: Request,
) -> PageResult {
    let posted = Posted::read(&state, &session, request).await?;
    let Some(file) = posted.files.iter().find(|f| f.field == "file") else {
        return Ok(back_to(&session, "/coal#import", "请选择要导入的文件"));
    };
    let stored = state.store.attachments().keep(&file.upload).await?;
    let bytes = file.upload.read().await?;
    match preview(&state, &session, &file.name, &stored.sha256, bytes).await? {
        Ok((preview, _)) => render(ImportPage {
            me: session.me(),
            preview,
        }),
        Err(message) => Ok(back_to(&session, "/coal#import", &message)),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    sha256: String,
    file_name: String,
}

/// Imports the previewed workbook, read again from the stored upload: all or nothing.
pub async fn confirm(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<ConfirmForm, OfficeWork>,
) -> PageResult {
    let bytes = state.store.attachments().get_verified(&form.sha256).await?;
    let (preview, figures) =
        match preview(&state, &session, &form.file_name, &form.sha256, bytes).await? {
            Ok(read) => read,
            Err(message) => return Ok(back_to(&session, "/coal#import", &message)),
        };
    if !preview.importable() {
        return render(ImportPage {
            me: session.me(),
            preview,
        });
    }
    match state
        .store
        .import_coal(&session.user.username, &figures, false)
        .await
    {
        Ok(()) => Ok(back_to(
            &session,
            "/coal",
            &format!(
                "已导入{}：月度消费 {} 条、年度目标 {} 条",
                form.file_name,
                figures.months.len(),
                figures.targets.len()
            ),
        )),
        Err(error) => Ok(back_to(&session, "/coal#import", &user_message(error))),
    }
}

#[derive(Deserialize)]
pub struct MonthForm {
    county: String,
    year: String,
    month: String,
    tons: String,
}

/// A year as typed, named in the refusal.
fn year_of(text: &str) -> Result<i32, String> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| format!("年度“{}”应为四位年份", text.trim()))
}

/// One county's month, recorded or corrected by the office (`rectify coal record`).
pub async fn record_month(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<MonthForm, OfficeWork>,
) -> PageResult {
    let back = |year: &str, message: &str| {
        back_to(
            &session,
            &format!(
                "{}#enter",
                county_link(&form.county, year.parse().unwrap_or(0))
            ),
            message,
        )
    };
    let year = match year_of(&form.year) {
        Ok(year) => year,
        Err(message) => return Ok(back(&form.year, &message)),
    };
    let Some(month) = form
        .month
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|m| (1..=12).contains(m))
    else {
        return Ok(back(
            &form.year,
            &format!("月份“{}”应为1–12", form.month.trim()),
        ));
    };
    let recorded = state
        .store
        .record_coal(
            &session.user.username,
            &form.county,
            year,
            month,
            &form.tons,
        )
        .await;
    Ok(match recorded {
        Ok(()) => back(
            &form.year,
            &format!(
                "已记录{} {year}年{month}月煤炭消费 {} 万吨",
                form.county,
                form.tons.trim()
            ),
        ),
        Err(error) => back(&form.year, &user_message(error)),
    })
}

#[derive(Deserialize)]
pub struct TargetsForm {
    county: String,
    year: String,
    #[serde(default)]
    cap: String,
    #[serde(default)]
    heating_target: String,
    #[serde(default)]
    gas: String,
    #[serde(default)]
    electric: String,
}

/// A household count as typed; empty leaves it as stored.
fn households(text: &str, field: &str) -> Result<Option<u32>, String> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse::<u32>()
            .map(Some)
            .map_err(|_| format!("{field}“{t}”应为非负整数（户）")),
    }
}

/// A county's cap and clean-heating figures for a year (`rectify coal target`); a field left
/// empty keeps what is stored.
pub async fn set_targets(
    State(state): State<AppState>,
    CsrfForm { session, form, .. }: CsrfForm<TargetsForm, OfficeWork>,
) -> PageResult {
    let back = |year: i32, message: &str| {
        back_to(
            &session,
            &format!("{}#enter", county_link(&form.county, year)),
            message,
        )
    };
    let parsed = (|| {
        Ok::<_, String>((
            year_of(&form.year)?,
            households(&form.heating_target, "清洁取暖目标")?,
            households(&form.gas, "气代煤")?,
            households(&form.electric, "电代煤")?,
        ))
    })();
    let (year, heating_target, heating_gas, heating_electric) = match parsed {
        Ok(parsed) => parsed,
        Err(message) => return Ok(back(0, &message)),
    };
    let cap = Some(form.cap.trim()).filter(|c| !c.is_empty());
    let targets = CoalTargets {
        cap,
        heating_target,
        heating_gas,
        heating_electric,
    };
    Ok(
        match state
            .store
            .set_coal_targets(&session.user.username, &form.county, year, targets)
            .await
        {
            Ok(()) => back(year, &format!("已更新{} {year}年目标", form.county)),
            Err(error) => back(year, &user_message(error)),
        },
    )
}

/// The page of a county in a year.
fn county_link(county: &str, year: i32) -> String {
    format!("/coal?county={}&year={year}", url_encode(county))
}
