//! Writes a synthetic wide hourly CSV for benchmarks:
//! `gen_air_hourly STATIONS STATIONS_PER_CITY FROM TO OUT.csv [CITY]`: the stations' cities are
//! `C000`, `C001`, … or, given a name, that name (one city) or the name numbered (several).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_air::date::Date;
use rectify_io::air::synthetic::{Spec, write_csv};
use std::io::BufWriter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (stations, per_city, from, to, out, name) = match args.as_slice() {
        [_, s, p, f, t, o] => (s, p, f, t, o, None),
        [_, s, p, f, t, o, name] => (s, p, f, t, o, Some(name.as_str())),
        _ => {
            return Err(
                "usage: gen_air_hourly STATIONS STATIONS_PER_CITY FROM TO OUT.csv [CITY]".into(),
            );
        }
    };
    let stations: usize = stations.parse()?;
    let per_city: usize = per_city.parse()?;
    let one_city = stations <= per_city;
    let city = |index: usize| match name {
        Some(name) if one_city => name.to_string(),
        Some(name) => format!("{name}{index:03}"),
        None => format!("C{index:03}"),
    };
    let date = |s: &str| Date::parse(s).ok_or(format!("bad date {s}"));
    let spec = Spec {
        stations: (0..stations)
            .map(|i| (format!("S{i:04}"), city(i / per_city.max(1))))
            .collect(),
        from: date(from)?,
        to: date(to)?,
        seed: 2026,
        dust_days: vec![date("2025-03-18")?, date("2025-04-07")?],
        gap_per_mille: 10,
    };
    let mut file = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    let rows = write_csv(&spec, &mut file)?;
    eprintln!("{rows} rows → {out}");
    Ok(())
}
