//! Transferred complaints as spreadsheets: the team's transfer lists in, the public 一览表 and
//! the type-statistics table out.

mod export;
mod read;

pub use export::{
    PublicRow, TypeStatistics, public_rows, public_xlsx, type_statistics, type_statistics_xlsx,
};
pub use read::{ListDefaults, SourceBatch, TransferList, read_transfer_list};

use crate::plan::{Finding, Sheet, SheetFormat, SheetLimits, read_sheets};
use rectify_core::complaint::Clock;

/// Reads a transfer list held in memory (xlsx, xls or CSV, told by name and content), and
/// returns the sheets it was read from for a preview of the file as it is. A file that cannot
/// be opened at all yields one finding without a row and no sheets.
pub fn read_transfer_file(
    bytes: &[u8],
    file_name: &str,
    clock: Clock,
    defaults: ListDefaults,
    limits: &SheetLimits,
) -> (TransferList, Vec<Sheet>) {
    let format = SheetFormat::detect(file_name, bytes);
    match read_sheets(bytes, format, file_name, limits) {
        Ok(sheets) => {
            let list = read_transfer_list(&sheets, clock, defaults);
            let read: Vec<Sheet> = sheets
                .into_iter()
                .filter(|s| list.sheets.contains(&s.name))
                .collect();
            (list, read)
        }
        Err(message) => (
            TransferList {
                errors: vec![Finding::file(file_name, message)],
                ..TransferList::default()
            },
            Vec::new(),
        ),
    }
}
