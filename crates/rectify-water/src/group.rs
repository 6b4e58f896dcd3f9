//! Several sections together: a river or basin's status, the Ⅰ–Ⅲ and 劣Ⅴ proportions, and the
//! city's yearly targets.

use crate::indicator::{Class, Indicator, Status, WaterBody};
use crate::section::{SectionOptions, SectionResult, evaluate_section};
use rectify_exact::exact::Exact;
use std::collections::BTreeMap;

/// Counts over the sections with data in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Proportions {
    pub sections: u32,
    pub i_to_iii: u32,
    pub worse_than_v: u32,
}

impl Proportions {
    pub fn of(classes: impl IntoIterator<Item = Class>) -> Proportions {
        let mut p = Proportions::default();
        for c in classes {
            p.sections += 1;
            p.i_to_iii += u32::from(c.meets_iii());
            p.worse_than_v += u32::from(c == Class::WorseThanV);
        }
        p
    }

    fn percent(part: u32, whole: u32) -> Option<Exact> {
        (whole > 0).then(|| Exact::ratio(i128::from(part) * 100, i128::from(whole)))
    }

    /// 达到或优于Ⅲ类比例, exact (publish to 0.1).
    pub fn i_to_iii_percent(&self) -> Option<Exact> {
        Proportions::percent(self.i_to_iii, self.sections)
    }

    /// 劣Ⅴ类比例, exact.
    pub fn worse_than_v_percent(&self) -> Option<Exact> {
        Proportions::percent(self.worse_than_v, self.sections)
    }

    /// The 2011 method's status for five or more sections, compared exactly (100·n ≥ 90·N):
    /// Ⅰ–Ⅲ ≥ 90 % 优; ≥ 75 % 良好; below that by the 劣Ⅴ share: < 20 % 轻度, < 40 % 中度, else 重度
    /// (which also takes the 60 %/40 % case the text leaves open, water.md §2.4).
    pub fn status(&self) -> Option<Status> {
        let n = u64::from(self.sections);
        if n == 0 {
            return None;
        }
        let (good, bad) = (
            u64::from(self.i_to_iii) * 100,
            u64::from(self.worse_than_v) * 100,
        );
        Some(match () {
            _ if good >= 90 * n => Status::Excellent,
            _ if good >= 75 * n => Status::Good,
            _ if bad < 20 * n => Status::Light,
            _ if bad < 40 * n => Status::Moderate,
            _ => Status::Heavy,
        })
    }
}

/// How a river or basin was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RiverVerdict {
    /// Fewer than five sections: the mean of each indicator over the sections, as one section.
    Averaged(SectionResult),
    /// Five or more: the proportions; main pollutants ranked by 断面超标率.
    Proportional {
        proportions: Proportions,
        status: Status,
        /// (indicator, share of sections where it is worse than Ⅲ), top 3.
        main_pollutants: Vec<(Indicator, Exact)>,
    },
}

impl RiverVerdict {
    pub fn status(&self) -> Option<Status> {
        match self {
            RiverVerdict::Averaged(section) => section.status(),
            RiverVerdict::Proportional { status, .. } => Some(*status),
        }
    }
}

/// Judges a river or basin from its sections' period values and results.
pub fn river_verdict(
    sections: &[(Vec<(Indicator, Exact)>, SectionResult)],
    body: WaterBody,
    options: SectionOptions,
) -> Option<RiverVerdict> {
    let classed: Vec<&(Vec<(Indicator, Exact)>, SectionResult)> =
        sections.iter().filter(|(_, r)| r.class.is_some()).collect();
    if classed.is_empty() {
        return None;
    }
    if classed.len() < 5 {
        let mut sums: BTreeMap<Indicator, (Exact, i64)> = BTreeMap::new();
        for (values, _) in &classed {
            for (indicator, value) in values {
                let entry = sums.entry(*indicator).or_insert((Exact::ZERO, 0));
                *entry = (entry.0 + *value, entry.1 + 1);
            }
        }
        let means: Vec<(Indicator, Exact)> = sums
            .into_iter()
            .map(|(i, (s, n))| (i, s.div_int(n)))
            .collect();
        return Some(RiverVerdict::Averaged(evaluate_section(
            &means,
            body,
            Class::III,
            options,
        )));
    }
    let proportions = Proportions::of(classed.iter().filter_map(|(_, r)| r.class));
    let mut exceedances: BTreeMap<Indicator, u32> = BTreeMap::new();
    for (_, result) in &classed {
        for i in result.indicators.iter().filter(|i| i.evaluated()) {
            if i.class.is_some_and(|c| c > Class::III) {
                *exceedances.entry(i.indicator).or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(Indicator, Exact)> = exceedances
        .into_iter()
        .map(|(i, k)| (i, Exact::ratio(i128::from(k) * 100, classed.len() as i128)))
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    ranked.truncate(3);
    Some(RiverVerdict::Proportional {
        status: proportions.status()?,
        proportions,
        main_pollutants: ranked,
    })
}

/// A year's targets for the city (e.g. 国考断面优良比例 ≥ 80 %, 劣Ⅴ ≤ 0 %), in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WaterTargets {
    pub i_to_iii_min: Option<Exact>,
    pub worse_than_v_max: Option<Exact>,
}

impl WaterTargets {
    /// (Ⅰ–Ⅲ target met, 劣Ⅴ target met), on the published 0.1 % values.
    pub fn check(&self, p: &Proportions) -> (Option<bool>, Option<bool>) {
        let published = |v: Option<Exact>| v.map(|v| v.round_half_even(1));
        let good = published(p.i_to_iii_percent());
        let bad = published(p.worse_than_v_percent());
        (
            self.i_to_iii_min.zip(good).map(|(t, v)| v >= t),
            self.worse_than_v_max.zip(bad).map(|(t, v)| v <= t),
        )
    }
}
