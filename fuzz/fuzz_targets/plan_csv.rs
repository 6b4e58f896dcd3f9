//! Any bytes, read as a .csv plan (UTF-8 or GB18030): the importer must report, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::DeadlineContext;
use rectify_exact::date::Date;
use rectify_io::plan::read_plan;

fuzz_target!(|data: &[u8]| {
    let calendar = WorkCalendar::embedded();
    let context = DeadlineContext {
        reference: Date::new(2019, 3, 1),
        calendar: &calendar,
    };
    let table = read_plan(data, "plan.csv", None, context, &rectify_io::plan::SheetLimits::default());
    assert!(table.items.len() <= 200_000);
});
