//! Centralized drinking-water sources (集中式饮用水水源地): a sample's compliance and the three
//! 达标率 in use.

use crate::indicator::{Class, Indicator, WaterBody};
use crate::section::{SectionOptions, evaluate_section};
use rectify_exact::exact::Exact;

/// One monitoring of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSample {
    /// Table 1 items (COD is usually not monitored at sources).
    pub basic: Vec<(Indicator, Exact)>,
    /// Table 2 and Table 3 items: (name, limit, value).
    pub specific: Vec<(&'static str, Exact, Exact)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceVerdict {
    pub basic_class: Option<Class>,
    /// Basic class at most Ⅲ and every specific item within its limit.
    pub compliant: bool,
    /// Specific items over their limit: (name, (C − L)/L).
    pub failures: Vec<(&'static str, Exact)>,
}

pub fn judge_source(sample: &SourceSample, body: WaterBody) -> SourceVerdict {
    let basic = evaluate_section(&sample.basic, body, Class::III, SectionOptions::default());
    let failures: Vec<(&'static str, Exact)> = sample
        .specific
        .iter()
        .filter(|(_, limit, value)| value > limit)
        .map(|(name, limit, value)| (*name, (*value - *limit) / *limit))
        .collect();
    SourceVerdict {
        compliant: basic.class.is_some_and(Class::meets_iii) && failures.is_empty(),
        basic_class: basic.class,
        failures,
    }
}

/// The three rates, each as (numerator, denominator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceRates {
    /// Compliant samples / samples: for one month, compliant sources / sources (水源达标率).
    pub by_count: (u32, u32),
    /// Withdrawal in compliant months / all withdrawal (取水水质达标率, volume form).
    pub by_volume: (Exact, Exact),
    /// Sources whose every sample complied (全年均达标 over a year) / sources.
    pub all_samples: (u32, u32),
}

/// Per source, its samples in the period as (compliant, withdrawal of that month).
pub fn source_rates(sources: &[Vec<(bool, Option<Exact>)>]) -> SourceRates {
    let mut rates = SourceRates {
        by_count: (0, 0),
        by_volume: (Exact::ZERO, Exact::ZERO),
        all_samples: (0, 0),
    };
    for samples in sources.iter().filter(|s| !s.is_empty()) {
        rates.all_samples.1 += 1;
        rates.all_samples.0 += u32::from(samples.iter().all(|(ok, _)| *ok));
        for (ok, withdrawal) in samples {
            rates.by_count.1 += 1;
            rates.by_count.0 += u32::from(*ok);
            let w = withdrawal.unwrap_or(Exact::ZERO);
            rates.by_volume.1 = rates.by_volume.1 + w;
            if *ok {
                rates.by_volume.0 = rates.by_volume.0 + w;
            }
        }
    }
    rates
}

/// A rate in percent, exact; `None` with an empty denominator.
pub fn percent(numerator: Exact, denominator: Exact) -> Option<Exact> {
    (denominator > Exact::ZERO).then(|| (numerator / denominator).mul_int(100))
}
