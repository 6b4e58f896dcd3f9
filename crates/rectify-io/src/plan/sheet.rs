//! Spreadsheets as plain grids: xlsx and xls through calamine, csv in UTF-8 or GB18030.
//!
//! Merged regions are filled from their top-left cell, and every filled cell remembers that it
//! was a copy: a problem text merged over two measure rows belongs to one item, not two.

use calamine::{Data, Reader, Sheets};
use rectify_core::text::clean_text;
use rectify_exact::date::Date;
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
const MAX_COLS: usize = 256;
const MAX_MERGED_CELLS: usize = 4_000_000;

/// What a spreadsheet may hold before it is read. Every importer (plan, complaints, registers,
/// coal) reads through `read_sheets`, so these bound all of them: a file over a limit is refused
/// whole, with the limit named, never read in part. Set by `RECTIFY_SHEET_*` (README, Security).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLimits {
    /// The file as uploaded or read from disk.
    pub max_file_bytes: u64,
    /// One part of an xlsx (a zip entry, e.g. one worksheet's XML or the shared strings),
    /// decompressed: a 1 MB file can otherwise unpack to gigabytes. All parts together may
    /// unpack to no more than this either.
    pub max_part_bytes: u64,
    /// Zip entries in an xlsx.
    pub max_parts: usize,
    /// Characters in one cell; Excel's own limit is 32,767.
    pub max_cell_chars: usize,
    /// Rows of one sheet.
    pub max_rows: usize,
}

impl Default for SheetLimits {
    fn default() -> SheetLimits {
        SheetLimits {
            max_file_bytes: 64 << 20,
            // rectify's own register export is ~800 bytes of worksheet XML a row (the widest
            // kind, 散乱污, 22 columns: 39.7 MB for 50,000 entries); 32 MiB refused
            // re-importing an export of more than ~42,000. Parsing costs about nine times the
            // XML (a 50,030-entry export: 366 MB at its peak, release build), so 48 MiB, about
            // 60,000 entries, keeps it under 512 MB; a bigger register raises the limit.
            max_part_bytes: 48 << 20,
            max_parts: 1_000,
            max_cell_chars: 32_767,
            max_rows: 200_000,
        }
    }
}

impl SheetLimits {
    /// The defaults, each replaced by its `RECTIFY_SHEET_*` setting when `setting(name)` has
    /// one (the binary reads them from its environment once, at start-up). A value that is not
    /// a whole number is an error naming the setting.
    pub fn with_settings(setting: impl Fn(&str) -> Option<String>) -> Result<SheetLimits, String> {
        let default = SheetLimits::default();
        let number = |name: &str, default: u64| -> Result<u64, String> {
            match setting(name) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{name}=“{text}”不是整数")),
            }
        };
        let count = |name: &str, default: usize| -> Result<usize, String> {
            let wide = u64::try_from(default).unwrap_or(u64::MAX);
            usize::try_from(number(name, wide)?).map_err(|_| format!("{name} 过大"))
        };
        Ok(SheetLimits {
            max_file_bytes: number("RECTIFY_SHEET_MAX_FILE_BYTES", default.max_file_bytes)?,
            max_part_bytes: number("RECTIFY_SHEET_MAX_PART_BYTES", default.max_part_bytes)?,
            max_parts: count("RECTIFY_SHEET_MAX_PARTS", default.max_parts)?,
            max_cell_chars: count("RECTIFY_SHEET_MAX_CELL_CHARS", default.max_cell_chars)?,
            max_rows: count("RECTIFY_SHEET_MAX_ROWS", default.max_rows)?,
        })
    }
}

impl Sheet {
    pub fn new(name: String, mut rows: Vec<Vec<Cell>>, merges: &[Merge]) -> Sheet {
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

    /// By extension (xlsx when there is none), corrected by the content: a zip is an xlsx and
    /// an OLE file an xls, whatever the name says.
    pub fn detect(name: &str, bytes: &[u8]) -> SheetFormat {
        let format = SheetFormat::from_name(name).unwrap_or(SheetFormat::Xlsx);
        match (
            format,
            bytes.starts_with(b"PK"),
            bytes.starts_with(b"\xD0\xCF\x11\xE0"),
        ) {
            (SheetFormat::Csv, true, _) | (SheetFormat::Xls, true, _) => SheetFormat::Xlsx,
            (SheetFormat::Csv, _, true) | (SheetFormat::Xlsx, _, true) => SheetFormat::Xls,
            (format, _, _) => format,
        }
    }
}

/// Reads every worksheet of a workbook or the one table of a CSV file, within `limits`.
pub fn read_sheets(
    bytes: &[u8],
    format: SheetFormat,
    name: &str,
    limits: &SheetLimits,
) -> Result<Vec<Sheet>, String> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(format!(
            "文件超过 {} 字节的上限（RECTIFY_SHEET_MAX_FILE_BYTES），未读取",
            limits.max_file_bytes
        ));
    }
    match format {
        SheetFormat::Csv => Ok(vec![read_csv(bytes, name, limits)?]),
        SheetFormat::Xlsx | SheetFormat::Xls => read_workbook(bytes, limits),
    }
}

/// Checks an xlsx's zip before calamine opens it: the number of parts, and each part's size
/// as declared and as it actually decompresses (streamed into nothing, so a bomb costs time
/// bounded by the limit, not memory). An xls is not compressed, so its size is the file's.
fn check_parts(bytes: &[u8], limits: &SheetLimits) -> Result<(), String> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let unreadable = |e: &dyn std::fmt::Display| format!("不是可读取的 Excel 文件（{e}）");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if archive.len() > limits.max_parts {
        return Err(format!(
            "文件含 {} 个部件，超过 {} 个的上限（RECTIFY_SHEET_MAX_PARTS），未读取",
            archive.len(),
            limits.max_parts
        ));
    }
    let too_big = |part: &str| {
        format!(
            "文件中的“{part}”解压后超过 {} 字节的上限（RECTIFY_SHEET_MAX_PART_BYTES），未读取",
            limits.max_part_bytes
        )
    };
    // Every part is parsed and held, so the parts together get the one bound that keeps
    // parsing under 512 MB; rectify's own export is one sheet and its shared strings.
    let mut left = limits.max_part_bytes;
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(|e| unreadable(&e))?;
        let name = part.name().map_or_else(
            |_| format!("第 {} 个部件", index + 1),
            |name| rectify_exact::text::quoted(&name),
        );
        if part.size() > limits.max_part_bytes {
            return Err(too_big(&name));
        }
        let allowed = limits.max_part_bytes.min(left);
        let unpacked = std::io::copy(
            &mut std::io::Read::take(&mut part, allowed.saturating_add(1)),
            &mut std::io::sink(),
        )
        .map_err(|e| unreadable(&e))?;
        if unpacked > limits.max_part_bytes {
            return Err(too_big(&name));
        }
        left = left.checked_sub(unpacked).ok_or_else(|| {
            format!(
                "文件各部件解压后合计超过 {} 字节的上限（RECTIFY_SHEET_MAX_PART_BYTES），未读取",
                limits.max_part_bytes
            )
        })?;
    }
    Ok(())
}

fn read_workbook(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, String> {
    check_parts(bytes, limits)?;
    super::ole::check(bytes)?;
    // A malformed file that still makes calamine panic is refused like any unreadable one: an
    // upload must never take down the request (or the CLI) with a panic.
    std::panic::catch_unwind(|| read_workbook_checked(bytes, limits))
        .unwrap_or_else(|_| Err("不是可读取的 Excel 文件（文件结构损坏）".into()))
}

fn read_workbook_checked(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, String> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("不是可读取的 Excel 文件（{e}）"))?;
    let names = workbook.sheet_names();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let cells = sheet_cells(&mut workbook, &name, limits)?;
        let merges = merged_regions(&mut workbook, &name)?;
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for ((row, col), cell) in cells {
            let (row, col) = (row as usize, col as usize);
            if row >= limits.max_rows {
                return Err(too_many_rows(&name, limits));
            }
            if col >= MAX_COLS {
                return Err(too_many_columns(&name));
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
    limits: &SheetLimits,
) -> Result<Vec<PlacedCell>, String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("工作表“{name}”无法读取（{e}）");
    let checked = |(row, col): (u32, u32), data: &Data| {
        check_cell(data, limits).map_err(|limit| {
            format!(
                "工作表“{name}”单元格 {}{}{limit}",
                column_letter(col as usize),
                u64::from(row) + 1
            )
        })
    };
    let mut cells = Vec::new();
    if let Sheets::Xlsx(xlsx) = workbook {
        let mut reader = xlsx
            .worksheet_cells_reader(name)
            .map_err(|e| unreadable(&e))?;
        while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
            let data = Data::from(cell.get_value().clone());
            if data != Data::Empty {
                checked(cell.get_position(), &data)?;
                cells.push((cell.get_position(), cell_from_data(&data)));
            }
        }
        return Ok(cells);
    }
    let range = workbook.worksheet_range(name).map_err(|e| unreadable(&e))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    for (row, col, data) in range.used_cells() {
        let place = match (u32::try_from(row), u32::try_from(col)) {
            (Ok(row), Ok(col)) => (top.saturating_add(row), left.saturating_add(col)),
            _ => return Err(too_many_rows(name, limits)),
        };
        checked(place, data)?;
        cells.push((place, cell_from_data(data)));
    }
    Ok(cells)
}

/// A cell's text within `max_cell_chars`; the error says which limit.
fn check_cell(data: &Data, limits: &SheetLimits) -> Result<(), String> {
    let text = match data {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s,
        _ => return Ok(()),
    };
    check_text(text, limits)
}

fn check_text(text: &str, limits: &SheetLimits) -> Result<(), String> {
    // Bytes first: a cell within the byte count is within the character count.
    if text.len() > limits.max_cell_chars && text.chars().count() > limits.max_cell_chars {
        return Err(format!(
            "超过 {} 个字符的上限（RECTIFY_SHEET_MAX_CELL_CHARS），未读取",
            limits.max_cell_chars
        ));
    }
    Ok(())
}

fn too_many_rows(sheet: &str, limits: &SheetLimits) -> String {
    format!(
        "工作表“{sheet}”超过 {} 行的上限（RECTIFY_SHEET_MAX_ROWS），整个文件未读取",
        limits.max_rows
    )
}

fn too_many_columns(sheet: &str) -> String {
    format!("工作表“{sheet}”超过 {MAX_COLS} 列的上限，整个文件未读取")
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
fn read_csv(bytes: &[u8], name: &str, limits: &SheetLimits) -> Result<Sheet, String> {
    let text = decode_text(bytes);
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("第 {} 行无法按 CSV 读取（{e}）", index + 1))?;
        if rows.len() >= limits.max_rows {
            return Err(too_many_rows(stem, limits));
        }
        if record.len() > MAX_COLS {
            return Err(too_many_columns(stem));
        }
        let mut row = Vec::with_capacity(record.len());
        for (col, field) in record.iter().enumerate() {
            check_text(field, limits)
                .map_err(|limit| format!("单元格 {}{}{limit}", column_letter(col), index + 1))?;
            row.push(if field.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(field.to_string())
            });
        }
        rows.push(row);
    }
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

    /// A zip of `parts` entries of `size` bytes each.
    fn zip_of(parts: usize, size: usize) -> Vec<u8> {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for part in 0..parts {
            let options = zip::write::SimpleFileOptions::default();
            writer
                .start_file(format!("xl/part{part}.xml"), options)
                .unwrap();
            writer.write_all(&vec![b'a'; size]).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn the_parts_together_unpack_to_at_most_the_part_limit() {
        let limits = SheetLimits {
            max_part_bytes: 1_000,
            ..SheetLimits::default()
        };
        assert_eq!(check_parts(&zip_of(2, 500), &limits), Ok(()));
        let whole = check_parts(&zip_of(2, 600), &limits).unwrap_err();
        assert!(whole.contains("合计超过 1000 字节"), "{whole}");
        let one = check_parts(&zip_of(1, 1_001), &limits).unwrap_err();
        assert!(one.contains("part0.xml"), "{one}");
    }

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
        let sheet = read_csv(&bytes, "plan.csv", &SheetLimits::default()).unwrap();
        assert_eq!(sheet.cell(1, 1).text(), "2019年6月底前");
        assert_eq!(sheet.name, "plan");
        let sheet = read_csv(b"a\n", "/tmp/in/plan.csv", &SheetLimits::default()).unwrap();
        assert_eq!(sheet.name, "plan", "the file's name, not its path");
    }

    #[test]
    fn excel_serials_become_dates() {
        assert_eq!(excel_serial_date(43646.0), Date::new(2019, 6, 30));
        assert_eq!(excel_serial_date(61.0), Date::new(1900, 3, 1));
        assert_eq!(excel_serial_date(-5.0), None);
    }
}
