//! Registers as spreadsheets: one sheet per kind with a title row, the header and one row per
//! entry. The identity columns are the same for every kind; each kind adds its own columns,
//! described once in [`columns`] and read and written through the kind's typed fields, so
//! every kind reads and writes the same way and a file written here reads back exactly.

use crate::plan::export::Formats;
use crate::plan::{Cell, Finding, Sheet, column_letter};
use rectify_core::register::{CreditCode, Details, Identity, Kind};
use rectify_core::register::{EntryRecord, NewEntry};
use rectify_exact::date::Date;
use rust_xlsxwriter::{Workbook, XlsxError};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// How a column's cells map to the kind's JSON field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Text,
    /// Several values joined by 、.
    List,
    Date,
    /// 是/否.
    YesNo,
    /// A non-negative decimal, kept as written.
    Number,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub key: &'static str,
    pub form: Form,
}

const fn col(header: &'static str, key: &'static str, form: Form) -> Column {
    Column { header, key, form }
}

use Form::{Date as DateCell, List, Number, Text, YesNo};

const SCATTERED: &[Column] = &[
    col("问题类型", "problems", List),
    col("整治类型", "disposal", Text),
    col("行业", "industry", Text),
    col("手续缺失项", "missing_permits", Text),
    col("整治措施", "measures", Text),
    col("整治时限", "due", DateCell),
    col("包保责任人", "responsible", Text),
    col("网格员", "grid_person", Text),
    col("搬迁去向", "relocated_to", Text),
    col("发现来源", "source", Text),
];

const SITE: &[Column] = &[
    col("项目类型", "project_type", Text),
    col("建设单位", "builder", Text),
    col("施工单位", "contractor", Text),
    col("监理单位", "supervisor", Text),
    col("扬尘治理负责人", "dust_manager", Text),
    col("视频监控在线", "video_online", YesNo),
];

const WATER_BODY: &[Column] = &[
    col("水体类型", "water_type", Text),
    col("起止边界", "boundaries", Text),
    col("长度/面积", "size", Text),
    col("黑臭级别", "listed_grade", Text),
    col("治理措施", "measures", List),
    col("河长", "river_chief", Text),
    col("达标期限", "due", DateCell),
    col("公众满意度（%）", "satisfaction", Text),
];

const CHEMICAL: &[Column] = &[
    col("所在园区", "park", Text),
    col("主要产品", "products", Text),
    col("评分", "scores", Text),
    col("评定日期", "rated_on", DateCell),
    col("评定单位", "rating_body", Text),
    col("处置要求", "required_action", Text),
    col("处置时限", "deadline", DateCell),
];

const CREDIT: &[Column] = &[
    col("评价年度", "year", Number),
    col("评价依据", "basis", Text),
    col("结果运用", "consequences", Text),
    col("评价单位", "rating_body", Text),
];

const BOILER: &[Column] = &[
    col("使用单位", "owner", Text),
    col("额定蒸发量（蒸吨/时）", "capacity", Number),
    col("用途", "purpose", Text),
];

const PLOT: &[Column] = &[
    col("面积（平方米）", "area_m2", Number),
    col("原用途", "former_use", Text),
    col("规划用途", "planned_use", Text),
    col("土地使用权人", "land_user", Text),
    col("超标污染物", "pollutants", Text),
];

/// The kind's own columns, in the order they are written.
pub fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Scattered => SCATTERED,
        Kind::Site => SITE,
        Kind::WaterBody => WATER_BODY,
        Kind::Plot => PLOT,
        Kind::Chemical => CHEMICAL,
        Kind::Credit => CREDIT,
        Kind::Boiler => BOILER,
    }
}

/// The identity columns and the state, before the kind's own; the names a file may use for
/// each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Common {
    Name,
    CreditCode,
    Address,
    County,
    Township,
    Longitude,
    Latitude,
    State,
    CreatedOn,
    /// Written for the reader of the export; never read back (only a move counts a rebound).
    Rebounds,
}

const COMMON: &[(Common, &[&str])] = &[
    (
        Common::Name,
        &[
            "名称",
            "企业名称",
            "工地名称",
            "项目名称",
            "地块名称",
            "水体名称",
        ],
    ),
    (Common::CreditCode, &["统一社会信用代码", "信用代码"]),
    (Common::Address, &["地址", "详细地址"]),
    (
        Common::County,
        &["所在县（区）", "县（区）", "所在区县", "区县"],
    ),
    (
        Common::Township,
        &["乡镇（街道）/网格", "乡镇（街道）", "乡镇"],
    ),
    (Common::Longitude, &["经度"]),
    (Common::Latitude, &["纬度"]),
    (Common::State, &["状态"]),
    (Common::CreatedOn, &["登记日期"]),
    (Common::Rebounds, &["反弹次数"]),
];

/// The register as a workbook: a merged title, the header frozen and repeated on every printed
/// page, one row per entry.
pub fn register_xlsx(
    kind: Kind,
    title: &str,
    entries: &[EntryRecord],
) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(kind.label_zh())?;
    let headers: Vec<&str> = COMMON
        .iter()
        .map(|(_, names)| names[0])
        .chain(columns(kind).iter().map(|c| c.header))
        .collect();
    let last = (headers.len() - 1) as u16;
    sheet.merge_range(0, 0, 0, last, title, &formats.title)?;
    sheet.set_row_height(0, 30)?;
    for (i, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(1, i as u16, *header, &formats.header)?;
        sheet.set_column_width(i as u16, if i == 0 || i == 2 { 28 } else { 14 })?;
    }
    for (r, entry) in entries.iter().enumerate() {
        for (i, text) in row_texts(kind, entry).iter().enumerate() {
            sheet.write_string_with_format(r as u32 + 2, i as u16, text, &formats.body)?;
        }
    }
    sheet.set_freeze_panes(2, 1)?;
    sheet.set_repeat_rows(1, 1)?;
    sheet.set_landscape();
    sheet.set_paper_size(8);
    sheet.set_print_fit_to_pages(1, 0);
    workbook.save_to_buffer()
}

fn row_texts(kind: Kind, entry: &EntryRecord) -> Vec<String> {
    let id = &entry.identity;
    let (longitude, latitude) = id.coordinates.clone().unzip();
    let mut texts = vec![
        id.name.clone(),
        id.credit_code
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        id.address.clone(),
        id.county.clone(),
        id.township.clone(),
        longitude.unwrap_or_default(),
        latitude.unwrap_or_default(),
        entry.state_label.clone(),
        entry.created_on.to_string(),
        entry.rebounds.to_string(),
    ];
    let fields = serde_json::to_value(&entry.details).unwrap_or(Value::Null);
    texts.extend(
        columns(kind)
            .iter()
            .map(|c| cell_text(c.form, &fields[c.key])),
    );
    texts
}

/// A field's JSON value as its cell shows it.
pub fn cell_text(form: Form, value: &Value) -> String {
    match (form, value) {
        (Form::List, Value::Array(values)) => values
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("、"),
        (Form::YesNo, Value::Bool(yes)) => if *yes { "是" } else { "否" }.to_string(),
        (_, Value::String(text)) => text.clone(),
        _ => String::new(),
    }
}

/// What a register sheet yielded: the entries with their sheet rows, or every defect found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RegisterRead {
    pub entries: Vec<(usize, NewEntry)>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

/// Reads the kind's register from the first sheet with its header (名称 and 所在县（区）).
/// Entries without a 登记日期 are dated `today`.
pub fn read_register(sheets: &[Sheet], kind: Kind, today: Date) -> RegisterRead {
    let mut read = RegisterRead::default();
    let Some((sheet, header_row)) = sheets.iter().find_map(|s| header_row(s).map(|r| (s, r)))
    else {
        read.errors.push(Finding {
            sheet: sheets.first().map(|s| s.name.clone()).unwrap_or_default(),
            row: None,
            column: None,
            field: None,
            message: "找不到表头：须有“名称”和“所在县（区）”两列".into(),
        });
        return read;
    };
    let layout = Layout::of(sheet, header_row, kind, &mut read.warnings);
    // (county, name) → the first row naming them; a map, since a survey runs to 50,000 rows.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for r in header_row + 1..sheet.height() {
        if sheet.row(r).iter().all(Cell::is_blank) {
            continue;
        }
        let mut row = RowReader {
            sheet,
            row: r,
            errors: &mut read.errors,
        };
        let entry = layout.entry(&mut row, kind, today);
        let text = |which| {
            layout
                .common(which)
                .map(|c| row.text(c))
                .unwrap_or_default()
        };
        let key = (text(Common::County), text(Common::Name));
        let earlier = seen.get(&key).copied();
        if let Some(first) = earlier.filter(|_| !key.1.is_empty()) {
            row.error(
                layout.common(Common::Name),
                "名称",
                format!("与第{first}行重复（同一县区不能重名）"),
            );
            continue;
        }
        seen.entry(key).or_insert(r + 1);
        read.entries.extend(entry.map(|e| (r + 1, e)));
    }
    if !read.errors.is_empty() {
        read.entries.clear();
    }
    read
}

fn header_row(sheet: &Sheet) -> Option<usize> {
    let names = |which: Common| {
        COMMON
            .iter()
            .find(|(c, _)| *c == which)
            .map_or(&[][..], |(_, n)| n)
    };
    (0..sheet.height().min(20)).find(|&r| {
        let texts: Vec<String> = sheet.row(r).iter().map(Cell::text).collect();
        let has = |which| texts.iter().any(|t| names(which).contains(&t.as_str()));
        has(Common::Name) && has(Common::County)
    })
}

/// Where each known column is.
struct Layout {
    common: Vec<(Common, usize)>,
    own: Vec<(Column, usize)>,
}

impl Layout {
    fn of(sheet: &Sheet, header_row: usize, kind: Kind, warnings: &mut Vec<Finding>) -> Layout {
        let mut layout = Layout {
            common: Vec::new(),
            own: Vec::new(),
        };
        for (c, cell) in sheet.row(header_row).iter().enumerate() {
            let text = cell.text();
            if text.is_empty() {
                continue;
            }
            if let Some((which, _)) = COMMON
                .iter()
                .find(|(_, names)| names.contains(&text.as_str()))
            {
                layout.common.push((*which, c));
            } else if let Some(column) = columns(kind).iter().find(|col| col.header == text) {
                layout.own.push((*column, c));
            } else {
                warnings.push(Finding {
                    sheet: sheet.name.clone(),
                    row: Some(header_row + 1),
                    column: Some(column_letter(c)),
                    field: None,
                    message: format!(
                        "不认识的列“{text}”，已忽略",
                        text = rectify_exact::text::quoted(&text)
                    ),
                });
            }
        }
        layout
    }

    fn common(&self, which: Common) -> Option<usize> {
        self.common
            .iter()
            .find(|(c, _)| *c == which)
            .map(|(_, i)| *i)
    }

    fn entry(&self, row: &mut RowReader<'_>, kind: Kind, today: Date) -> Option<NewEntry> {
        let errors_before = row.errors.len();
        let text = |which| self.common(which).map(|c| row.text(c)).unwrap_or_default();
        let (name, county) = (text(Common::Name), text(Common::County));
        let (address, township) = (text(Common::Address), text(Common::Township));
        let credit_text = text(Common::CreditCode);
        let (longitude, latitude) = (text(Common::Longitude), text(Common::Latitude));
        let state_text = text(Common::State);
        if name.is_empty() {
            row.error(self.common(Common::Name), "名称", "不能为空".into());
        }
        if county.is_empty() {
            row.error(
                self.common(Common::County),
                "所在县（区）",
                "不能为空".into(),
            );
        }
        let credit_code = match credit_text.as_str() {
            "" => None,
            text => CreditCode::parse(text)
                .map_err(|e| row.error(self.common(Common::CreditCode), "统一社会信用代码", e))
                .ok(),
        };
        let coordinates = self.coordinates(row, longitude, latitude);
        let state = match state_text.as_str() {
            "" => None,
            text => match kind.parse_state(text) {
                Some(code) => Some(code.to_string()),
                None => {
                    let known: Vec<String> =
                        kind.states().iter().map(|s| kind.state_label(s)).collect();
                    row.error(
                        self.common(Common::State),
                        "状态",
                        format!(
                            "“{text}”不是{}的状态（可选：{}）",
                            kind.label_zh(),
                            known.join("、"),
                            text = rectify_exact::text::quoted(text)
                        ),
                    );
                    None
                }
            },
        };
        let created_on = match self.common(Common::CreatedOn) {
            Some(c) if !row.cell(c).is_blank() => row.date(c, "登记日期").unwrap_or(today),
            _ => today,
        };
        let details = self.details(row, kind);
        (row.errors.len() == errors_before).then(|| NewEntry {
            identity: Identity {
                name,
                credit_code,
                address,
                county,
                township,
                coordinates,
            },
            state,
            details: details.unwrap_or_else(|| Details::empty(kind)),
            created_on,
        })
    }

    /// Both coordinates or neither, in decimal degrees within China's extent.
    fn coordinates(
        &self,
        row: &mut RowReader<'_>,
        longitude: String,
        latitude: String,
    ) -> Option<(String, String)> {
        let checks = [
            (Common::Longitude, "经度", &longitude, 73.0..=136.0),
            (Common::Latitude, "纬度", &latitude, 3.0..=54.0),
        ];
        if longitude.is_empty() && latitude.is_empty() {
            return None;
        }
        let mut ok = true;
        for (which, field, text, range) in checks {
            let valid = text.parse::<f64>().is_ok_and(|v| range.contains(&v));
            if !valid {
                ok = false;
                row.error(
                    self.common(which),
                    field,
                    format!(
                        "“{text}”应为十进制度数（{}–{}）",
                        range.start(),
                        range.end(),
                        text = rectify_exact::text::quoted(text)
                    ),
                );
            }
        }
        ok.then_some((longitude, latitude))
    }

    /// The kind's own fields, each cell checked against its typed field on its own so that
    /// every bad cell is named.
    fn details(&self, row: &mut RowReader<'_>, kind: Kind) -> Option<Details> {
        let mut fields = Map::new();
        for (column, c) in &self.own {
            let Some(value) = row.value(*c, column) else {
                continue;
            };
            let single = Value::Object(Map::from_iter([(column.key.to_string(), value.clone())]));
            match Details::from_json(kind, single) {
                Ok(_) => {
                    fields.insert(column.key.to_string(), value);
                }
                Err(e) => row.error(Some(*c), column.header, explain(&e)),
            }
        }
        Details::from_json(kind, Value::Object(fields)).ok()
    }
}

/// serde's message without its position suffix.
fn explain(error: &str) -> String {
    error.split(" at line ").next().unwrap_or(error).to_string()
}

struct RowReader<'a> {
    sheet: &'a Sheet,
    row: usize,
    errors: &'a mut Vec<Finding>,
}

impl RowReader<'_> {
    fn cell(&self, c: usize) -> &Cell {
        self.sheet.cell(self.row, c)
    }

    fn text(&self, c: usize) -> String {
        self.cell(c).text()
    }

    fn error(&mut self, column: Option<usize>, field: &'static str, message: String) {
        self.errors.push(Finding {
            sheet: self.sheet.name.clone(),
            row: Some(self.row + 1),
            column: column.map(column_letter),
            field: Some(field),
            message,
        });
    }

    fn date(&mut self, c: usize, field: &'static str) -> Option<Date> {
        match self.cell(c) {
            Cell::Date(d) => Some(*d),
            cell => {
                let text = cell.text();
                let date = Date::parse(&text);
                if date.is_none() {
                    self.error(
                        Some(c),
                        field,
                        format!(
                            "“{text}”应为日期（如 2026-06-30）",
                            text = rectify_exact::text::quoted(&text)
                        ),
                    );
                }
                date
            }
        }
    }

    /// The cell as the JSON its field reads; `None` for an empty cell or an unreadable date.
    fn value(&mut self, c: usize, column: &Column) -> Option<Value> {
        if self.cell(c).is_blank() {
            return None;
        }
        let text = self.text(c);
        match column.form {
            Form::Text => Some(Value::String(text)),
            Form::List => Some(Value::Array(
                text.split(['、', ',', '，', ';', '；', '/'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| Value::String(t.to_string()))
                    .collect(),
            )),
            Form::Date => self
                .date(c, column.header)
                .map(|d| Value::String(d.to_string())),
            Form::Number => match rectify_exact::exact::parse_decimal(&text) {
                Ok(Some(_)) => Some(Value::String(text)),
                _ => {
                    self.error(
                        Some(c),
                        column.header,
                        format!(
                            "“{text}”应为数值",
                            text = rectify_exact::text::quoted(&text)
                        ),
                    );
                    None
                }
            },
            Form::YesNo => match text.as_str() {
                "是" | "√" | "在线" => Some(Value::Bool(true)),
                "否" | "×" | "离线" => Some(Value::Bool(false)),
                _ => {
                    self.error(
                        Some(c),
                        column.header,
                        format!(
                            "“{text}”应为“是”或“否”",
                            text = rectify_exact::text::quoted(&text)
                        ),
                    );
                    None
                }
            },
        }
    }
}
