//! The benchmark's yardstick: bare `csv`-crate passes over a file, touching every field.
//! `csv_baseline FILE [bytes|string]`:
//! - `bytes` (default): the whole file in memory, a reused `ByteRecord` (the fastest bare pass);
//! - `string`: `Reader::from_path` with a reused `StringRecord` (the plain way; stack-notes'
//!   yardstick).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use std::time::Instant;

fn string_pass(path: &str) -> Result<(u64, u64), csv::Error> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(path)?;
    let mut record = csv::StringRecord::new();
    let (mut rows, mut bytes) = (0_u64, 0_u64);
    while reader.read_record(&mut record)? {
        rows += 1;
        bytes += record.iter().map(|f| f.len() as u64).sum::<u64>();
    }
    Ok((rows, bytes))
}

fn bytes_pass(path: &str) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let data = std::fs::read(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(data.as_slice());
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut bytes) = (0_u64, 0_u64);
    while reader.read_byte_record(&mut record)? {
        rows += 1;
        bytes += record.iter().map(|f| f.len() as u64).sum::<u64>();
    }
    Ok((rows, bytes))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: csv_baseline FILE [bytes|string]")?;
    let mode = std::env::args().nth(2).unwrap_or_else(|| "bytes".into());
    let started = Instant::now();
    let (rows, field_bytes) = match mode.as_str() {
        "bytes" => bytes_pass(&path)?,
        "string" => string_pass(&path)?,
        other => return Err(format!("unknown mode {other}").into()),
    };
    let secs = started.elapsed().as_secs_f64();
    println!("{mode}: rows={rows} field_bytes={field_bytes} seconds={secs:.3}");
    Ok(())
}
