//! The benchmark's yardstick: a bare `csv`-crate pass over a file, touching every field, with
//! the same reader settings as the importer. `csv_baseline FILE`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: csv_baseline FILE")?;
    let started = Instant::now();
    let bytes = std::fs::read(&path)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut field_bytes) = (0_u64, 0_u64);
    while reader.read_byte_record(&mut record)? {
        rows += 1;
        field_bytes += record.iter().map(|f| f.len() as u64).sum::<u64>();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "rows={rows} field_bytes={field_bytes} seconds={secs:.3} rows_per_s={:.0}",
        rows as f64 / secs
    );
    Ok(())
}
