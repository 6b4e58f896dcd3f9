//! Any bytes, read as the coal workbook (.xlsx): the importer must report, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify_io::coal::read_coal;
use rectify_io::plan::{SheetFormat, SheetLimits, read_sheets};

fuzz_target!(|data: &[u8]| {
    let Ok(sheets) = read_sheets(data, SheetFormat::Xlsx, "coal.xlsx", &SheetLimits::default())
    else {
        return;
    };
    let _ = read_coal(&sheets);
});
