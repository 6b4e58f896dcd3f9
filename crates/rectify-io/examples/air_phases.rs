//! Times the phases of `rectify air daily` on a file, the grid path and the streaming one:
//! `air_phases FILE [THREADS]`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_air::daily::CityMethod;
use rectify_air::standard::StandardChoice;
use rectify_io::air::daily::{compute_daily, write_daily_csv};
use rectify_io::air::hourly::{ReadOptions, read_hourly_file};
use rectify_io::air::stream::daily_table_from_file;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: air_phases FILE [THREADS]")?;
    let threads: usize = std::env::args().nth(2).map_or(Ok(2), |t| t.parse())?;
    let t = Instant::now();
    let options = ReadOptions {
        threads,
        ..ReadOptions::default()
    };
    let data = read_hourly_file(path.as_ref(), options)?;
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let rows = compute_daily(&data, CityMethod::MeanOfStationDays, threads);
    let daily = t.elapsed().as_secs_f64();
    let t = Instant::now();
    write_daily_csv(&rows, StandardChoice::Auto, threads, &mut std::io::sink())?;
    let write = t.elapsed().as_secs_f64();
    println!(
        "grid path: rows={} read={read:.3}s daily={daily:.3}s write={write:.3}s site_days={}",
        data.rows,
        rows.len()
    );
    drop((data, rows));
    let t = Instant::now();
    let method = CityMethod::MeanOfStationDays;
    let table = daily_table_from_file(path.as_ref(), options, method, StandardChoice::Auto)?;
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    table.write(&mut std::io::sink())?;
    let write = t.elapsed().as_secs_f64();
    println!(
        "streaming: rows={} read+daily={read:.3}s write={write:.3}s site_days={} streamed={}",
        table.rows,
        table.len(),
        table.streamed()
    );
    Ok(())
}
