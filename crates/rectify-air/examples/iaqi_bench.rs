//! Times 1,000,000 single IAQI computations (PM2.5 24-h, 0.0 … 499.9 in tenths, cycled), the
//! inputs bench/aqi_hub_compare.py gives aqi-hub. `cargo run --release --example iaqi_bench`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_air::exact::Exact;
use rectify_air::iaqi::{Column, iaqi};
use rectify_air::standard::Standard;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    const N: i64 = 1_000_000;
    let values: Vec<Exact> = (0..N)
        .map(|i| Exact::ratio((i % 5000).into(), 10))
        .collect();
    let start = Instant::now();
    let mut checksum = 0_u64;
    for v in &values {
        let r = iaqi(Column::Pm25_24h, Standard::V2026, black_box(*v));
        checksum += r.map_or(0, |i| u64::from(i.value));
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "rectify-air: {N} IAQI in {secs:.3} s ({:.0}/s), checksum {checksum}",
        N as f64 / secs
    );
}
