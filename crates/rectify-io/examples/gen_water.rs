//! Writes synthetic monthly water samples and their sections table for benchmarks:
//! `gen_water SECTIONS FROM TO SAMPLES.csv SECTIONS.csv`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_exact::date::Date;
use rectify_io::water::synthetic::{bench_sections, write_samples_csv, write_sections_csv};
use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, n, from, to, samples, sections] = args.as_slice() else {
        return Err("usage: gen_water SECTIONS FROM TO SAMPLES.csv SECTIONS.csv".into());
    };
    let date = |s: &str| Date::parse(s).ok_or(format!("bad date {s}"));
    let network = bench_sections(n.parse()?);
    write_sections_csv(
        &network,
        &mut BufWriter::new(std::fs::File::create(sections)?),
    )?;
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(samples)?);
    let rows = write_samples_csv(&network, date(from)?, date(to)?, 2011, &mut out)?;
    eprintln!("{rows} samples → {samples}");
    Ok(())
}
