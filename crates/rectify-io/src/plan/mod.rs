//! The rectification plan as a spreadsheet: reading the office's 整改问题清单 and writing the
//! 台账 back out.

pub(crate) mod export;
mod grid;
mod read;
mod sheet;

pub(crate) use export::Formats;
pub use export::{
    LedgerRow, LedgerRowJson, TaskJson, TaskRow, ledger_csv, ledger_row_json,
    ledger_row_json_with_tasks, ledger_xlsx,
};
pub use grid::{Grid, GridCell, GridRow, Mark, grid};
pub use read::{Field, Finding, PlanTable, SourceItem, read_table};
pub use sheet::{Cell, Sheet, SheetFormat, SheetLimits, column_letter, decode_text, read_sheets};

use rectify_core::deadline::DeadlineContext;

/// Reads a plan file held in memory. A file that cannot be opened at all yields one finding
/// without a row.
pub fn read_plan(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&str>,
    context: DeadlineContext<'_>,
    limits: &SheetLimits,
) -> PlanTable {
    read_plan_sheets(bytes, file_name, sheet, context, limits).0
}

/// Like [`read_plan`], and also returns the sheet the table was read from (for a preview of the
/// file as it is, see [`grid`]); `None` when the file could not be opened.
pub fn read_plan_sheets(
    bytes: &[u8],
    file_name: &str,
    sheet: Option<&str>,
    context: DeadlineContext<'_>,
    limits: &SheetLimits,
) -> (PlanTable, Option<Sheet>) {
    let format = SheetFormat::from_name(file_name).unwrap_or(SheetFormat::Xlsx);
    let format = match (
        format,
        bytes.starts_with(b"PK"),
        bytes.starts_with(b"\xD0\xCF\x11\xE0"),
    ) {
        (SheetFormat::Csv, true, _) | (SheetFormat::Xls, true, _) => SheetFormat::Xlsx,
        (SheetFormat::Csv, _, true) | (SheetFormat::Xlsx, _, true) => SheetFormat::Xls,
        (format, _, _) => format,
    };
    match read_sheets(bytes, format, file_name, limits) {
        Ok(sheets) => {
            let table = read_table(&sheets, sheet, context);
            let chosen = sheets.into_iter().find(|s| s.name == table.sheet);
            (table, chosen)
        }
        Err(message) => (
            PlanTable {
                sheet: String::new(),
                errors: vec![Finding {
                    sheet: file_name.to_string(),
                    row: None,
                    column: None,
                    field: None,
                    message,
                }],
                ..PlanTable::default()
            },
            None,
        ),
    }
}
