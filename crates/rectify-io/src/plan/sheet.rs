//! Spreadsheets as plain grids: xlsx and xls through calamine, csv in UTF-8 or GB18030.
//!
//! Merged regions are filled from their top-left cell, and every filled cell remembers that it
//! was a copy: a problem text merged over two measure rows belongs to one item, not two.

use calamine::{Data, Reader, Sheets};
use rectify_exact::date::Date;
use rectify_store::clean_text;
use std::io::Cursor;

/// One cell's value, with just the types the ledger distinguishes.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A cell formatted as a date in the workbook.
    Date(Date),
}

impl Cell {
    /// The cell as trimmed text; integers print without a decimal point.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => clean_text(text.trim()),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => format!("{}年{}月{}日", d.year, d.month, d.day),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }
}

/// A worksheet with merged regions filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    rows: Vec<Vec<Cell>>,
    /// Per cell: true when the value was copied from a merged region's top-left cell.
    copied: Vec<Vec<bool>>,
}

/// A merged region, 0-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first_row: usize,
    pub first_col: usize,
    pub last_row: usize,
    pub last_col: usize,
}

/// Large enough for any real plan; stops a crafted file that claims a huge merged region from
/// allocating without bound.
const MAX_ROWS: usize = 200_000;
const MAX_COLS: usize = 256;
const MAX_MERGED_CELLS: usize = 4_000_000;

impl Sheet {
    pub fn new(name: String, mut rows: Vec<Vec<Cell>>, merges: &[Merge]) -> Sheet {
        rows.truncate(MAX_ROWS);
        for row in &mut rows {
            row.truncate(MAX_COLS);
        }
        let mut copied: Vec<Vec<bool>> = rows.iter().map(|r| vec![false; r.len()]).collect();
        let mut budget = MAX_MERGED_CELLS;
        for merge in merges {
            budget = fill_merge(&mut rows, &mut copied, *merge, budget);
        }
        Sheet { name, rows, copied }
    }

    pub fn height(&self) -> usize {
        self.rows.len()
    }

    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&Cell::Empty)
    }

    pub fn is_copy(&self, row: usize, col: usize) -> bool {
        self.copied
            .get(row)
            .and_then(|r| r.get(col))
            .copied()
            .unwrap_or(false)
    }

    pub fn row(&self, row: usize) -> &[Cell] {
        self.rows.get(row).map_or(&[], Vec::as_slice)
    }
}

/// Fills one region if the remaining budget of copied cells allows; returns what is left.
fn fill_merge(
    rows: &mut [Vec<Cell>],
    copied: &mut [Vec<bool>],
    merge: Merge,
    budget: usize,
) -> usize {
    let last_row = merge.last_row.min(rows.len().saturating_sub(1));
    let last_col = merge.last_col.min(MAX_COLS - 1);
    if merge.first_row > last_row || merge.first_col > last_col {
        return budget;
    }
    let area = (last_row - merge.first_row + 1) * (last_col - merge.first_col + 1);
    if area > budget {
        return budget;
    }
    let value = rows[merge.first_row]
        .get(merge.first_col)
        .cloned()
        .unwrap_or(Cell::Empty);
    for r in merge.first_row..=last_row {
        if rows[r].len() <= last_col {
            rows[r].resize(last_col + 1, Cell::Empty);
            copied[r].resize(last_col + 1, false);
        }
        for c in merge.first_col..=last_col {
            if (r, c) != (merge.first_row, merge.first_col) {
                rows[r][c] = value.clone();
                copied[r][c] = true;
            }
        }
    }
    budget - area
}

/// Spreadsheet letters for a 0-based column: 0 → A, 26 → AA.
pub fn column_letter(col: usize) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// The file formats the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    Xlsx,
    Xls,
    Csv,
}

impl SheetFormat {
    /// By extension; the content decides between xlsx and xls when the extension lies.
    pub fn from_name(name: &str) -> Option<SheetFormat> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.')?.1;
        match ext {
            "xlsx" | "xlsm" => Some(SheetFormat::Xlsx),
            "xls" => Some(SheetFormat::Xls),
            "csv" | "txt" => Some(SheetFormat::Csv),
            _ => None,
        }
    }
}

/// Reads every worksheet of a workbook or the one table of a CSV file.
pub fn read_sheets(bytes: &[u8], format: SheetFormat, name: &str) -> Result<Vec<Sheet>, String> {
    match format {
        SheetFormat::Csv => Ok(vec![read_csv(bytes, name)?]),
        SheetFormat::Xlsx | SheetFormat::Xls => read_workbook(bytes),
    }
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<Sheet>, String> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("不是可读取的 Excel 文件（{e}）"))?;
    let names = workbook.sheet_names();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let cells = sheet_cells(&mut workbook, &name)?;
        let merges = merged_regions(&mut workbook, &name)?;
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for ((row, col), cell) in cells {
            let (row, col) = (row as usize, col as usize);
            if row >= MAX_ROWS || col >= MAX_COLS {
                continue;
            }
            if rows.len() <= row {
                rows.resize(row + 1, Vec::new());
            }
            if rows[row].len() <= col {
                rows[row].resize(col + 1, Cell::Empty);
            }
            rows[row][col] = cell;
        }
        sheets.push(Sheet::new(name, rows, &merges));
    }
    Ok(sheets)
}

/// A cell and its 0-based (row, column).
type PlacedCell = ((u32, u32), Cell);

/// The non-empty cells of a sheet. xlsx is read cell by cell, because a dense range sized by a
/// stray cell at XFD1048576 would not fit in memory.
fn sheet_cells<RS: std::io::Read + std::io::Seek>(
    workbook: &mut Sheets<RS>,
    name: &str,
) -> Result<Vec<PlacedCell>, String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("工作表“{name}”无法读取（{e}）");
    let mut cells = Vec::new();
    if let Sheets::Xlsx(xlsx) = workbook {
        let mut reader = xlsx
            .worksheet_cells_reader(name)
            .map_err(|e| unreadable(&e))?;
        while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
            let data = Data::from(cell.get_value().clone());
            if data != Data::Empty {
                cells.push((cell.get_position(), cell_from_data(&data)));
            }
        }
        return Ok(cells);
    }
    let range = workbook.worksheet_range(name).map_err(|e| unreadable(&e))?;
    for (row, col, data) in range.used_cells() {
        let (Ok(row), Ok(col)) = (u32::try_from(row), u32::try_from(col)) else {
            continue;
        };
        let (top, left) = range.start().unwrap_or((0, 0));
        cells.push(((top + row, left + col), cell_from_data(data)));
    }
    Ok(cells)
}

fn merged_regions<RS: std::io::Read + std::io::Seek>(
    workbook: &mut Sheets<RS>,
    name: &str,
) -> Result<Vec<Merge>, String> {
    let regions = match workbook {
        Sheets::Xlsx(xlsx) => xlsx
            .merge_cells_by_sheet_name(name)
            .map_err(|e| format!("工作表“{name}”的合并单元格无法读取（{e}）"))?,
        Sheets::Xls(xls) => xls
            .merge_cells_by_sheet_name(name)
            .map_err(|e| format!("工作表“{name}”的合并单元格无法读取（{e}）"))?,
        _ => Vec::new(),
    };
    Ok(regions
        .into_iter()
        .map(|d| Merge {
            first_row: d.start.0 as usize,
            first_col: d.start.1 as usize,
            last_row: d.end.0 as usize,
            last_col: d.end.1 as usize,
        })
        .collect())
}

fn cell_from_data(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(if *b { "是" } else { "否" }.to_string()),
        Data::DateTime(dt) if dt.is_datetime() => {
            excel_serial_date(dt.as_f64()).map_or(Cell::Number(dt.as_f64()), Cell::Date)
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) => {
            Date::parse(s.get(..10).unwrap_or(s)).map_or_else(|| Cell::Text(s.clone()), Cell::Date)
        }
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e}")),
    }
}

/// Excel's 1900 date system: serial 1 is 1900-01-01 and day 60 is the phantom 1900-02-29, so
/// counting from 1899-12-30 is right for every date after February 1900.
fn excel_serial_date(serial: f64) -> Option<Date> {
    if !(61.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let epoch = Date::new(1899, 12, 30)?;
    Some(epoch.add_days(serial.trunc() as i32))
}

/// CSV as offices save it: UTF-8 (with or without BOM), or GB18030 from Excel on Chinese
/// Windows.
fn read_csv(bytes: &[u8], name: &str) -> Result<Sheet, String> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("第 {} 行无法按 CSV 读取（{e}）", index + 1))?;
        if rows.len() >= MAX_ROWS {
            return Err(format!("超过 {MAX_ROWS} 行，不像是整改清单"));
        }
        rows.push(
            record
                .iter()
                .take(MAX_COLS)
                .map(|field| {
                    if field.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(field.to_string())
                    }
                })
                .collect(),
        );
    }
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    Ok(Sheet::new(stem.to_string(), rows, &[]))
}

pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(8), "I");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
    }

    #[test]
    fn merged_regions_fill_and_remember_copies() {
        let rows = vec![
            vec![Cell::Text("a".into()), Cell::Empty],
            vec![Cell::Empty, Cell::Empty],
        ];
        let merge = Merge {
            first_row: 0,
            first_col: 0,
            last_row: 1,
            last_col: 0,
        };
        let sheet = Sheet::new("s".into(), rows, &[merge]);
        assert_eq!(sheet.cell(1, 0), &Cell::Text("a".into()));
        assert!(sheet.is_copy(1, 0));
        assert!(!sheet.is_copy(0, 0));
        assert_eq!(sheet.cell(5, 5), &Cell::Empty);
    }

    #[test]
    fn gb18030_csv_is_decoded() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("序号,整改时限\n1,2019年6月底前\n");
        let sheet = read_csv(&bytes, "plan.csv").unwrap();
        assert_eq!(sheet.cell(1, 1).text(), "2019年6月底前");
        assert_eq!(sheet.name, "plan");
    }

    #[test]
    fn excel_serials_become_dates() {
        assert_eq!(excel_serial_date(43646.0), Date::new(2019, 6, 30));
        assert_eq!(excel_serial_date(61.0), Date::new(1900, 3, 1));
        assert_eq!(excel_serial_date(-5.0), None);
    }
}
