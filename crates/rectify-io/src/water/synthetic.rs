//! Plausible synthetic monthly water data for the demo city and for benchmarks: sections of
//! varying quality, seasonal swings, slow improvement, values below detection limits, and one
//! badly polluted section recovering from 劣Ⅴ to Ⅴ.

use crate::rng::Lcg;
use rectify_exact::date::Date;
use std::io::Write;

/// One section of the synthetic network.
pub struct SyntheticSection {
    pub code: String,
    pub name: String,
    pub lake: bool,
    pub target: &'static str,
    pub level: &'static str,
    pub county: String,
    pub river: String,
    pub basin: String,
    pub drinking_source: bool,
    /// 1 clean … 5 badly polluted.
    pub pollution: f64,
    /// Relative improvement per year (0.1 = 10 %).
    pub improvement: f64,
}

/// (code, name, lake, target, level, county, river, drinking source, pollution, improvement)
type DemoRow = (
    &'static str,
    &'static str,
    bool,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    f64,
    f64,
);

#[rustfmt::skip]
const DEMO: [DemoRow; 12] = [
    ("QS01", "清水河北岭桥", false, "III", "国控", "北岭县", "清水河", false, 1.4, 0.03),
    ("QS02", "清水河城关大桥", false, "III", "国控", "城关区", "清水河", false, 2.2, 0.08),
    ("QS03", "清水河东湖闸", false, "IV", "省控", "东湖区", "清水河", false, 2.8, 0.10),
    ("QS04", "清水河出境断面", false, "III", "国控", "丰乐县", "清水河", false, 2.4, 0.12),
    ("QS05", "清水河一水厂取水口", false, "II", "国控", "城关区", "清水河", true, 1.1, 0.02),
    ("NC01", "南川河水文站", false, "III", "省控", "南川县", "南川河", false, 1.8, 0.05),
    ("NC02", "南川河化工园区下游", false, "V", "市控", "南川县", "南川河", false, 4.6, 0.30),
    ("NC03", "南川河入清水河口", false, "IV", "省控", "城关区", "南川河", false, 3.0, 0.12),
    ("FL01", "丰乐河丰乐镇", false, "III", "市控", "丰乐县", "丰乐河", false, 1.6, 0.04),
    ("GX01", "高新区排洪渠出口", false, "IV", "市控", "高新区", "排洪渠", false, 3.4, 0.15),
    ("DH01", "东湖湖心", true, "III", "省控", "东湖区", "东湖", false, 2.0, 0.06),
    ("BL01", "北岭水库坝前", true, "II", "国控", "北岭县", "北岭水库", true, 1.0, 0.0),
];

/// The demo's 12 sections of 河安市: most improving, one badly polluted below a chemical park.
pub fn demo_sections() -> Vec<SyntheticSection> {
    DEMO.iter()
        .map(
            |&(
                code,
                name,
                lake,
                target,
                level,
                county,
                river,
                drinking,
                pollution,
                improvement,
            )| SyntheticSection {
                code: code.into(),
                name: name.into(),
                lake,
                target,
                level,
                county: county.into(),
                river: river.into(),
                basin: "河安水系".into(),
                drinking_source: drinking,
                pollution,
                improvement,
            },
        )
        .collect()
}

/// Many generic sections, for benchmarks.
pub fn bench_sections(n: usize) -> Vec<SyntheticSection> {
    let mut rng = Lcg::new(3838);
    (0..n)
        .map(|i| SyntheticSection {
            code: format!("W{i:05}"),
            name: format!("断面{i:05}"),
            lake: i % 9 == 0,
            target: ["II", "III", "III", "IV"][i % 4],
            level: ["国控", "省控", "市控"][i % 3],
            county: format!("县{:03}", i / 40),
            river: format!("河{:03}", i / 12),
            basin: format!("流域{:02}", i / 300),
            drinking_source: i % 25 == 0,
            pollution: 1.0 + 4.0 * rng.next_f64().powi(2),
            improvement: 0.1 * rng.next_f64(),
        })
        .collect()
}

pub fn write_sections_csv(
    sections: &[SyntheticSection],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "section,name,water_body,target_class,level,county,river,basin,drinking_source"
    )?;
    for s in sections {
        let body = if s.lake { "lake" } else { "river" };
        let drinking = u8::from(s.drinking_source);
        let (code, name, target, level) = (&s.code, &s.name, s.target, s.level);
        let (county, river, basin) = (&s.county, &s.river, &s.basin);
        writeln!(
            out,
            "{code},{name},{body},{target},{level},{county},{river},{basin},{drinking}"
        )?;
    }
    Ok(())
}

const COLUMNS: &str = "section,water_body,time,ph,do,codmn,cod,bod5,nh3n,tp,tn,cu,zn,f,se,as,hg,cd,cr6,pb,cn,phenol,petroleum,las,sulfide,fecal_coliform,chla,sd,sulfate,chloride,nitrate,fe,mn,withdrawal";

/// One sample a month for every section from `from`'s month through `to`'s, as a wide CSV.
pub fn write_samples_csv(
    sections: &[SyntheticSection],
    from: Date,
    to: Date,
    seed: u64,
    out: &mut dyn Write,
) -> std::io::Result<u64> {
    writeln!(out, "{COLUMNS}")?;
    let mut rows = 0;
    for (index, s) in sections.iter().enumerate() {
        let mut rng = Lcg::for_item(seed, index);
        let (mut year, mut month) = (from.year, from.month);
        let mut months = 0.0_f64;
        while (year, month) <= (to.year, to.month) {
            let level = s.pollution * (1.0 - s.improvement).powf(months / 12.0);
            let summer = (std::f64::consts::PI * (f64::from(month) - 1.0) / 11.0).sin();
            write_sample(out, s, (year, month), level, summer, &mut rng)?;
            rows += 1;
            months += 1.0;
            (year, month) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
        }
    }
    Ok(rows)
}

fn write_sample(
    out: &mut dyn Write,
    s: &SyntheticSection,
    (year, month): (i32, u8),
    level: f64,
    summer: f64,
    rng: &mut Lcg,
) -> std::io::Result<()> {
    let mut noise = || 0.8 + 0.4 * rng.next_f64();
    let body = if s.lake { "lake" } else { "river" };
    let q = level;
    let tp = if s.lake { 0.012 * q * q } else { 0.045 * q * q } * noise();
    let values = [
        format!("{:.2}", 7.2 + 0.6 * noise() - 0.1 * q),
        format!("{:.1}", (9.5 - 1.3 * q - 1.5 * summer).max(0.8) * noise()),
        format!("{:.1}", 1.6 * q * noise()),
        if s.drinking_source {
            String::new()
        } else {
            format!("{:.0}", 7.0 * q * noise())
        },
        format!("{:.1}", 1.0 * q * noise()),
        format!("{:.3}", 0.09 * q * q * noise()),
        format!("{tp:.3}"),
        format!("{:.2}", 0.5 * q * noise()),
        format!("{:.3}", 0.004 * q * noise()),
        format!("{:.3}", 0.02 * q * noise()),
        format!("{:.2}", 0.25 * q * noise()),
        "0.0004L".to_string(),
        format!("{:.4}", 0.001 * q * noise()),
        if noise() < 1.0 {
            "0.00004L".to_string()
        } else {
            format!("{:.5}", 0.00002 * q * noise())
        },
        format!("{:.4}", 0.0004 * q * noise()),
        "0.004L".to_string(),
        format!("{:.3}", 0.003 * q * noise()),
        "0.004L".to_string(),
        format!("{:.4}", 0.0006 * q * noise()),
        format!("{:.2}", 0.01 * q * noise()),
        "0.05L".to_string(),
        format!("{:.3}", 0.01 * q * noise()),
        format!("{:.0}", 400.0 * q * q * noise()),
        if s.lake {
            format!("{:.1}", 4.0 * q * noise() * (1.0 + summer))
        } else {
            String::new()
        },
        if s.lake {
            format!("{:.2}", (2.2 / q) * noise())
        } else {
            String::new()
        },
    ];
    write!(out, "{},{body},{year:04}-{month:02}", s.code)?;
    for v in &values {
        write!(out, ",{v}")?;
    }
    if s.drinking_source {
        let mn = if month == 8 && year % 2 == 0 {
            0.12
        } else {
            0.03 * noise()
        };
        writeln!(
            out,
            ",{:.0},{:.0},{:.2},{:.2},{mn:.3},{:.1}",
            60.0 * noise(),
            25.0 * noise(),
            1.5 * noise(),
            0.08 * noise(),
            300.0 * noise()
        )
    } else {
        writeln!(out, ",,,,,,")
    }
}
