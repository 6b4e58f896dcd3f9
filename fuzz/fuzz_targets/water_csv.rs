//! Any bytes, read as water samples (wide or long CSV) and as a section table: the reader must
//! name the defect, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rectify_io::water::samples::{read_samples_from, read_sections_from};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let _ = read_samples_from(Path::new("samples.csv"), data);
    let _ = read_sections_from(Path::new("sections.csv"), data);
});
