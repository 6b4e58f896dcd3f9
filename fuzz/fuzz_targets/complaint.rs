//! Any bytes, read as a transfer list (交办清单): the reader must report, never panic. The file
//! is named .csv; its content decides as it does for an upload, so a zip is read as .xlsx and
//! an OLE file as .xls, and the seeds (fuzz/seeds/complaint) cover all three formats.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify_core::complaint::Clock;
use rectify_io::complaint::{ListDefaults, read_transfer_file};
use rectify_io::plan::SheetLimits;

fuzz_target!(|data: &[u8]| {
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
