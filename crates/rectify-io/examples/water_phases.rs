//! Times the phases of `rectify water classify` and `rectify water evaluate` on a file:
//! `water_phases SAMPLES.csv SECTIONS.csv FROM TO [OUTDIR]`; with OUTDIR, the classes CSV and
//! the JSON are written there (`classes.csv`, `evaluate.json`) to compare with the commands'.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_exact::date::Date;
use rectify_io::water::evaluate::{ClassWriter, Classifier, WaterOptions, evaluate};
use rectify_io::water::samples::{read_samples, read_sections, scan_sample_blocks, scan_samples};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (samples, sections, from, to) = match args.as_slice() {
        [_, samples, sections, from, to, ..] => (samples, sections, from, to),
        _ => return Err("usage: water_phases SAMPLES.csv SECTIONS.csv FROM TO [OUTDIR]".into()),
    };
    let outdir = args.get(5).map(std::path::PathBuf::from);
    let output = |name: &str| -> Box<dyn std::io::Write> {
        match &outdir {
            Some(dir) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(dir.join(name)).unwrap(),
            )),
            None => Box::new(std::io::sink()),
        }
    };
    let date = |s: &str| Date::parse(s).ok_or(format!("bad date {s}"));
    let options = WaterOptions::default();
    let input = || std::fs::File::open(samples).unwrap();

    let t = Instant::now();
    let mut count = 0_u64;
    scan_samples(Path::new(samples), input(), &|s, _| s, &mut |_| count += 1)?;
    let scan = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let classifier = Classifier::new(&[], options);
    let mut writer = ClassWriter::new(output("classes.csv"))?;
    scan_sample_blocks(
        Path::new(samples),
        input(),
        &|block, s, long| classifier.add(block, s, long),
        &mut |block| writer.push(block).unwrap(),
    )?;
    writer.finish(&classifier)?;
    let classify = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let all = read_samples(Path::new(samples))?;
    let sections = read_sections(Path::new(sections))?;
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let result = evaluate(&all, &sections, date(from)?, date(to)?, options)
        .map_err(|p| format!("{} problems", p.len()))?;
    let eval = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let json = result.to_json();
    let to_json = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let text = serde_json::to_string_pretty(&json)?;
    let pretty = t.elapsed().as_secs_f64();
    writeln!(output("evaluate.json"), "{text}")?;
    println!(
        "samples={count} scan={scan:.3}s classify(scan+write)={classify:.3}s \
         read={read:.3}s evaluate={eval:.3}s to_json={to_json:.3}s pretty={pretty:.3}s ({} bytes)",
        text.len()
    );
    Ok(())
}
