//! Writing the 台账 back out: the office's xlsx layout, CSV and JSON.
//!
//! Every column written is one the importer reads back (or knows to skip), so an exported file
//! re-imports to the same ledger.

use rectify_core::ledger::{Item, ItemRecord, Schedule, Scope, Standing};
use rectify_core::task::TaskState;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// One ledger row with what the office adds to the plan's own fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub item: Item,
    /// The item's schedule (`Item::schedule`) on the day of the export.
    pub standing: Standing,
    /// The most recent progress report's text; empty until units report.
    pub latest_progress: String,
    /// The members' tasks when the item names a group (各县（区）政府 …).
    pub tasks: Vec<TaskRow>,
}

/// One member's part of a shared item, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub unit: String,
    pub state: TaskState,
    /// The part's schedule (`Item::task_schedule`) on the day of the export.
    pub schedule: Schedule,
    /// 1-based numbers of the measures the member's reports marked done.
    pub done_measures: Vec<u32>,
    /// `YYYY-MM` of the member's latest report on the item.
    pub latest_report_period: Option<String>,
}

/// A task as JSON.
#[derive(Debug, serde::Serialize)]
pub struct TaskJson<'a> {
    pub unit: &'a str,
    pub state: TaskState,
    pub schedule_colour: &'static str,
    pub done_measures: &'a [u32],
    pub latest_report_period: Option<&'a str>,
}

struct Column {
    header: &'static str,
    /// Width in Excel character units.
    width: f64,
    /// The xlsx shows scope as group rows instead of a column.
    in_xlsx: bool,
    value: fn(&LedgerRow) -> String,
}

const COLUMNS: &[Column] = &[
    Column {
        header: "序号",
        width: 6.0,
        in_xlsx: true,
        value: |r| r.item.number.to_string(),
    },
    Column {
        header: "共性/个性",
        width: 8.0,
        in_xlsx: false,
        value: |r| r.item.scope.label_zh().to_string(),
    },
    Column {
        header: "问题类别",
        width: 10.0,
        in_xlsx: true,
        value: |r| r.item.category.clone(),
    },
    Column {
        header: "问题来源",
        width: 10.0,
        in_xlsx: true,
        value: |r| r.item.source.label_zh().to_string(),
    },
    Column {
        header: "反馈问题",
        width: 42.0,
        in_xlsx: true,
        value: |r| r.item.problem.clone(),
    },
    Column {
        header: "整改目标",
        width: 30.0,
        in_xlsx: true,
        value: |r| r.item.target.clone(),
    },
    Column {
        header: "整改措施",
        width: 50.0,
        in_xlsx: true,
        value: |r| numbered_measures(&r.item),
    },
    Column {
        header: "责任领导",
        width: 14.0,
        in_xlsx: true,
        value: |r| r.item.leaders.join("\n"),
    },
    Column {
        header: "监管人",
        width: 14.0,
        in_xlsx: true,
        value: |r| r.item.supervisors.join("\n"),
    },
    Column {
        header: "责任单位",
        width: 24.0,
        in_xlsx: true,
        value: |r| units_cell(&r.item),
    },
    Column {
        header: "整改时限",
        width: 14.0,
        in_xlsx: true,
        value: |r| r.item.deadline.text.clone(),
    },
    Column {
        header: "备注",
        width: 12.0,
        in_xlsx: true,
        value: |r| r.item.remarks.clone(),
    },
    Column {
        header: "当前状态",
        width: 9.0,
        in_xlsx: true,
        value: |r| r.item.state.label_zh().to_string(),
    },
    Column {
        header: "进度",
        width: 9.0,
        in_xlsx: true,
        value: |r| {
            let label = r.standing.schedule.label_zh();
            if r.standing.undated {
                format!("{label}（时限待定）")
            } else {
                label.to_string()
            }
        },
    },
    Column {
        header: "最新进展",
        width: 30.0,
        in_xlsx: true,
        value: |r| r.latest_progress.clone(),
    },
];

fn numbered_measures(item: &Item) -> String {
    item.measures
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{}.{}", i + 1, m.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// "A（牵头）、B、C": the lead is always marked, so it survives a re-import wherever it stands.
fn units_cell(item: &Item) -> String {
    item.units
        .iter()
        .map(|u| {
            if *u == item.lead_unit {
                format!("{u}（牵头）")
            } else {
                u.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// CSV with a BOM, so that Excel on Chinese Windows opens it as UTF-8.
pub fn ledger_csv(rows: &[LedgerRow]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(COLUMNS.iter().map(|c| c.header))?;
    for row in rows {
        writer.write_record(
            COLUMNS
                .iter()
                .map(|c| crate::csv_cell::csv_cell(&(c.value)(row)).into_owned()),
        )?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// A ledger row as JSON: the item's record plus the derived schedule and progress.
#[derive(Debug, serde::Serialize)]
pub struct LedgerRowJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<&'a str>,
    #[serde(flatten)]
    pub item: ItemRecord<'a>,
    pub schedule: &'static str,
    pub schedule_colour: &'static str,
    /// Why the item has its schedule colour (none when done).
    pub reasons: &'a [String],
    /// The final deadline has passed and the item is not done.
    pub overdue: bool,
    /// A person must set the item's final date (时限待定).
    pub undated: bool,
    pub latest_progress: &'a str,
    pub co_units: Vec<&'a str>,
    pub territorial_units: Vec<&'a str>,
    /// Tasks whose work is done (已完成, 已验收, 不涉及) and all tasks; 0 and 0 for an item
    /// one unit answers for.
    pub tasks_done: usize,
    pub tasks_total: usize,
    /// Each task, when asked for (`ledger show`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<Vec<TaskJson<'a>>>,
}

pub fn ledger_row_json<'a>(row: &'a LedgerRow, plan: Option<&'a str>) -> LedgerRowJson<'a> {
    LedgerRowJson {
        plan,
        item: row.item.record(),
        schedule: row.standing.schedule.label_zh(),
        schedule_colour: row.standing.schedule.colour_zh(),
        reasons: &row.standing.reasons,
        overdue: row.standing.overdue,
        undated: row.standing.undated,
        latest_progress: &row.latest_progress,
        co_units: row.item.co_units().collect(),
        territorial_units: row.item.territorial_units().collect(),
        tasks_done: row.tasks.iter().filter(|t| t.state.work_done()).count(),
        tasks_total: row.tasks.len(),
        tasks: None,
    }
}

/// The row as JSON with each of its tasks.
pub fn ledger_row_json_with_tasks<'a>(
    row: &'a LedgerRow,
    plan: Option<&'a str>,
) -> LedgerRowJson<'a> {
    let tasks = row
        .tasks
        .iter()
        .map(|t| TaskJson {
            unit: &t.unit,
            state: t.state,
            schedule_colour: t.schedule.colour_zh(),
            done_measures: &t.done_measures,
            latest_report_period: t.latest_report_period.as_deref(),
        })
        .collect();
    LedgerRowJson {
        tasks: Some(tasks),
        ..ledger_row_json(row, plan)
    }
}

pub(crate) struct Formats {
    pub(crate) title: Format,
    pub(crate) header: Format,
    group: Format,
    pub(crate) body: Format,
    pub(crate) centred: Format,
    /// Indexed like `Schedule::ALL`.
    schedules: Vec<Format>,
}

impl Formats {
    pub(crate) fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::VerticalCenter)
            .set_font_name("宋体")
            .set_font_size(10);
        let centred = cell.clone().set_align(FormatAlign::Center);
        let schedules = Schedule::ALL
            .iter()
            .map(|s| {
                centred
                    .clone()
                    .set_background_color(Color::RGB(schedule_fill(*s)))
            })
            .collect();
        Formats {
            schedules,
            title: Format::new()
                .set_bold()
                .set_font_name("方正小标宋简体")
                .set_font_size(16)
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            header: cell
                .clone()
                .set_bold()
                .set_font_name("黑体")
                .set_align(FormatAlign::Center)
                .set_background_color(Color::RGB(0xD9E1F2)),
            group: cell.clone().set_bold().set_font_name("黑体"),
            centred,
            body: cell,
        }
    }

    fn schedule(&self, schedule: Schedule) -> &Format {
        let index = Schedule::ALL
            .iter()
            .position(|s| *s == schedule)
            .unwrap_or(0);
        &self.schedules[index]
    }
}

fn schedule_fill(schedule: Schedule) -> u32 {
    match schedule {
        Schedule::OnTrack => 0xDDEBF7,
        Schedule::Lagging => 0xFFEB9C,
        Schedule::SeriouslyLagging => 0xF8CBAD,
        Schedule::Done => 0xE2EFDA,
    }
}

/// The office layout: a merged title, a frozen header repeated on every printed page, group
/// rows per scope, wrapped text, A3 landscape.
pub fn ledger_xlsx(title: &str, rows: &[LedgerRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("整改台账")?;
    let columns: Vec<&Column> = COLUMNS.iter().filter(|c| c.in_xlsx).collect();
    let last_col = (columns.len() - 1) as u16;
    let formats = Formats::new();
    sheet.merge_range(0, 0, 0, last_col, title, &formats.title)?;
    sheet.set_row_height(0, 40)?;
    for (index, column) in columns.iter().enumerate() {
        let col = index as u16;
        sheet.set_column_width(col, column.width)?;
        sheet.write_string_with_format(1, col, column.header, &formats.header)?;
    }
    let mut row_index: u32 = 2;
    for (ordinal, scope) in Scope::ALL.iter().enumerate() {
        let in_scope: Vec<&LedgerRow> = rows.iter().filter(|r| r.item.scope == *scope).collect();
        if in_scope.is_empty() {
            continue;
        }
        let label = format!(
            "{}、{}问题（{}项）",
            ["一", "二"][ordinal.min(1)],
            scope.label_zh(),
            in_scope.len()
        );
        sheet.merge_range(row_index, 0, row_index, last_col, &label, &formats.group)?;
        row_index += 1;
        for row in in_scope {
            write_item_row(sheet, row_index, &columns, row, &formats)?;
            row_index += 1;
        }
    }
    sheet.set_freeze_panes(2, 0)?;
    sheet.set_repeat_rows(1, 1)?;
    sheet.set_paper_size(8);
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_footer("&C第 &P 页，共 &N 页");
    workbook.save_to_buffer()
}

fn write_item_row(
    sheet: &mut Worksheet,
    row_index: u32,
    columns: &[&Column],
    row: &LedgerRow,
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (index, column) in columns.iter().enumerate() {
        let text = (column.value)(row);
        let format = match column.header {
            "进度" => formats.schedule(row.standing.schedule),
            "序号" | "当前状态" | "问题类别" | "问题来源" => &formats.centred,
            _ => &formats.body,
        };
        let col = index as u16;
        if column.header == "序号" {
            sheet.write_number_with_format(row_index, col, f64::from(row.item.number), format)?;
        } else {
            sheet.write_string_with_format(row_index, col, &text, format)?;
        }
    }
    Ok(())
}
