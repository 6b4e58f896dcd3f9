//! Writes a synthetic plan of N items in the office xlsx layout (title row, group rows,
//! multi-line measures), built by repeating the 45 items of the sample plan.
//!
//! Usage: cargo run --release -p rectify-io --example gen_plan -- OUT.xlsx [ITEMS]

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::calendar::WorkCalendar;
use rectify_core::deadline::DeadlineContext;
use rectify_core::ledger::{Schedule, Standing};
use rectify_io::plan::{LedgerRow, ledger_xlsx, read_plan};

const SAMPLE: &[u8] = include_bytes!("../tests/data/plan-sample.xlsx");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: gen_plan OUT.xlsx [ITEMS]")?;
    let count: usize = args.next().map_or(Ok(5_000), |n| n.parse())?;
    let calendar = WorkCalendar::embedded();
    let context = DeadlineContext {
        reference: None,
        calendar: &calendar,
    };
    let sample = read_plan(
        SAMPLE,
        "plan-sample.xlsx",
        None,
        context,
        &rectify_io::plan::SheetLimits::default(),
    );
    let rows: Vec<LedgerRow> = (0..count)
        .map(|i| {
            let mut item = sample.items[i % sample.items.len()].item.clone();
            item.number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            item.problem = format!("{}（第{}轮复查）", item.problem, i / sample.items.len() + 1);
            LedgerRow {
                item,
                standing: Standing::without_reasons(Schedule::OnTrack),
                latest_progress: String::new(),
                tasks: Vec::new(),
            }
        })
        .collect();
    let bytes = ledger_xlsx("河安市整改问题清单（基准测试）", &rows)?;
    std::fs::write(&out, &bytes)?;
    eprintln!("{count} items, {} bytes → {out}", bytes.len());
    Ok(())
}
