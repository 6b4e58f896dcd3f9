//! Times the phases of `rectify water classify` and `rectify water evaluate` on a file:
//! `water_phases SAMPLES.csv SECTIONS.csv FROM TO [OUTDIR [classify|evaluate]]`; with OUTDIR
//! (`-` for none), the classes CSV and the JSON are written there (`classes.csv`,
//! `evaluate.json`) to compare with the commands'. The last argument runs one phase alone (to
//! profile it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_exact::date::Date;
use rectify_io::water::evaluate::{ClassWriter, Classifier, WaterOptions, evaluate};
use rectify_io::water::samples::{read_samples, read_sections, scan_sample_blocks, scan_samples};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// The process's CPU seconds so far (user + system, from /proc/self/stat; 0 where there is
/// none): on a machine shared with other builds, wall times swing but CPU time holds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: f64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (samples, sections, from, to) = match args.as_slice() {
        [_, samples, sections, from, to, ..] => (samples, sections, from, to),
        _ => {
            return Err(
                "usage: water_phases SAMPLES.csv SECTIONS.csv FROM TO [OUTDIR [PHASE]]".into(),
            );
        }
    };
    let outdir = args
        .get(5)
        .filter(|d| *d != "-")
        .map(std::path::PathBuf::from);
    let only = args.get(6).map(String::as_str);
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

    if only.is_none() {
        let t = Instant::now();
        let mut count = 0_u64;
        scan_samples(Path::new(samples), input(), &|s, _| s, &mut |_| count += 1)?;
        println!("scan: {count} samples in {:.3}s", t.elapsed().as_secs_f64());
    }

    if only.is_none_or(|o| o == "classify") {
        let (t, c) = (Instant::now(), cpu_seconds());
        let classifier = Classifier::new(&[], options);
        let mut writer = ClassWriter::new(output("classes.csv"))?;
        scan_sample_blocks(
            Path::new(samples),
            input(),
            &|block, s, long| classifier.add(block, s, long),
            &mut |block| writer.push(block).unwrap(),
        )?;
        writer.finish(&classifier)?;
        let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
        println!("classify (read to written): {wall:.3}s, CPU {cpu:.2}s");
    }

    if only.is_none_or(|o| o == "evaluate") {
        let (whole, c) = (Instant::now(), cpu_seconds());
        let t = Instant::now();
        let all = read_samples(Path::new(samples))?;
        let sections = read_sections(Path::new(sections))?;
        let read = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let result = evaluate(&all, &sections, date(from)?, date(to)?, options)
            .map_err(|p| format!("{} problems", p.len()))?;
        let eval = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let text = result.to_json_pretty()?;
        let json = t.elapsed().as_secs_f64();
        writeln!(output("evaluate.json"), "{text}")?;
        let (wall, cpu) = (whole.elapsed().as_secs_f64(), cpu_seconds() - c);
        println!(
            "evaluate (read to written): {wall:.3}s, CPU {cpu:.2}s: read {read:.3}s, \
             evaluate {eval:.3}s, JSON {json:.3}s ({} bytes)",
            text.len()
        );
    }
    Ok(())
}
