//! Any bytes, read as a register sheet (.xlsx) of every kind: the importer must report, never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify_core::register::Kind;
use rectify_exact::date::Date;
use rectify_io::plan::{SheetFormat, SheetLimits, read_sheets};
use rectify_io::register::read_register;

fuzz_target!(|data: &[u8]| {
    let Ok(sheets) = read_sheets(data, SheetFormat::Xlsx, "register.xlsx", &SheetLimits::default())
    else {
        return;
    };
    let Some(today) = Date::new(2026, 12, 7) else {
        return;
    };
    for kind in Kind::ALL {
        let read = read_register(&sheets, *kind, today);
        assert!(read.entries.len() <= 200_000);
    }
});
