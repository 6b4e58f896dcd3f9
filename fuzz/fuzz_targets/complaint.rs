//! Any bytes, read as a transfer list (交办清单): the reader must report, never panic. The file
//! is named .csv; its content decides as it does for an upload, so a zip is read as .xlsx and
//! an OLE file as .xls, and the seeds (fuzz/seeds/complaint) cover all three formats.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify_core::complaint::Clock;
use rectify_io::complaint::{ListDefaults, read_transfer_file};
use rectify_io::plan::SheetLimits;
use std::sync::Once;

static QUIET: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // A panic the reader catches (the spreadsheet library's, on a damaged workbook, refused
    // as such) is no crash: libfuzzer-sys's hook would abort on it. One that escapes the reader
    // still aborts the run through libfuzzer-sys's own catch.
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let (list, sheets) = read_transfer_file(
        data,
        "list.csv",
        Clock::default(),
        ListDefaults::default(),
        &SheetLimits::default(),
    );
    assert_eq!(sheets.len(), list.sheets.len());
    for batch in &list.batches {
        assert_eq!(batch.rows.len(), batch.batch.complaints.len());
    }
});
