//! The plan's yearly air targets and whether an evaluation meets them.

use crate::aqi::Pollutant;
use crate::stats::Evaluation;
use rectify_exact::exact::Exact;

/// Targets for one year: PM2.5 and PM10 means at most, the good-day ratio (percent) at least.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearTargets {
    pub pm25: Option<Exact>,
    pub pm10: Option<Exact>,
    pub good_ratio: Option<Exact>,
}

/// One target against its published value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetCheck {
    pub target: Exact,
    pub actual: Exact,
    pub met: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TargetReport {
    pub pm25: Option<TargetCheck>,
    pub pm10: Option<TargetCheck>,
    pub good_ratio: Option<TargetCheck>,
}

impl YearTargets {
    /// Compares published-precision values with the targets; absent targets or values give none.
    pub fn check(&self, evaluation: &Evaluation) -> TargetReport {
        let mean = |p| evaluation.pollutant(p).and_then(|s| s.mean_published());
        let at_most = |target: Option<Exact>, actual: Option<Exact>| {
            let (target, actual) = (target?, actual?);
            Some(TargetCheck {
                target,
                actual,
                met: actual <= target,
            })
        };
        let good_ratio =
            self.good_ratio
                .zip(evaluation.good_ratio_published())
                .map(|(target, actual)| TargetCheck {
                    target,
                    actual,
                    met: actual >= target,
                });
        TargetReport {
            pm25: at_most(self.pm25, mean(Pollutant::Pm25)),
            pm10: at_most(self.pm10, mean(Pollutant::Pm10)),
            good_ratio,
        }
    }
}
