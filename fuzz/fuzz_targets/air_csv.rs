//! Any bytes, read as an hourly air export (wide or long CSV), leniently and strictly: the
//! reader must report bad cells and files, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify_io::air::hourly::{ReadOptions, read_hourly_bytes};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    for strict in [false, true] {
        let options = ReadOptions {
            strict,
            // Two workers, so the split into byte ranges at line ends is exercised.
            threads: 2,
            ..ReadOptions::default()
        };
        let _ = read_hourly_bytes(Path::new("air.csv"), data, options);
    }
});
