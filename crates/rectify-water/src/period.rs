//! Period values: the arithmetic mean of a period's samples, classified afterwards (never the
//! worst sample's class).

use crate::indicator::Indicator;
use rectify_exact::exact::Exact;

/// One measurement as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Value(Exact),
    /// Below the detection limit (`0.02L`, `<0.02`): enters statistics as ½·DL (2020 rules pt. 7).
    BelowDetection(Exact),
}

impl Reading {
    pub fn statistical_value(self) -> Exact {
        match self {
            Reading::Value(v) => v,
            Reading::BelowDetection(dl) => half_unreduced(dl).unwrap_or_else(|| dl.div_int(2)),
        }
    }
}

/// ½·DL over twice the denominator, without the gcd that reducing costs per reading: callers
/// compare, sum and reduce means by value. Only while numerator and denominator stay exact in
/// `f64`, so the one lossy use (the pH hydrogen mean) gives the very same result as the reduced
/// fraction.
fn half_unreduced(dl: Exact) -> Option<Exact> {
    const EXACT_IN_F64: u128 = 1 << 53;
    let (num, den) = (dl.numer_raw(), dl.denom_raw() * 2);
    (num.unsigned_abs() < EXACT_IN_F64 && den.unsigned_abs() < EXACT_IN_F64)
        .then(|| Exact::ratio_unreduced(num, den))
}

/// How pH samples are averaged (UNSURE which the 2020 rules mandate; air.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhMean {
    /// Arithmetic mean of the pH values.
    #[default]
    Arithmetic,
    /// pH of the mean hydrogen-ion activity: −log10(mean(10^−pH)).
    Hydrogen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeriodOptions {
    /// Round means to the 2020 statistics rules' decimal places (half-even; a result that would
    /// round to 0 keeps one significant digit) before classifying.
    pub round_2020: bool,
    pub ph_mean: PhMean,
}

impl PeriodOptions {
    /// Whether a period value is the plain arithmetic mean, unrounded: then the value of a
    /// single reading is that reading's statistical value.
    pub fn is_plain_mean(self) -> bool {
        !self.round_2020 && self.ph_mean == PhMean::Arithmetic
    }
}

/// The period value of one indicator, or `None` without readings.
pub fn period_value(
    indicator: Indicator,
    readings: &[Reading],
    options: PeriodOptions,
) -> Option<Exact> {
    mean(indicator, readings, options, true)
}

/// [`period_value`] for callers that only compare it (a month's class): the same value, but a
/// single reading is left as read instead of reduced to lowest terms, which spares a gcd for
/// every item of every month.
pub fn period_value_to_compare(
    indicator: Indicator,
    readings: &[Reading],
    options: PeriodOptions,
) -> Option<Exact> {
    mean(indicator, readings, options, false)
}

fn mean(
    indicator: Indicator,
    readings: &[Reading],
    options: PeriodOptions,
    lowest_terms: bool,
) -> Option<Exact> {
    if readings.is_empty() {
        return None;
    }
    let mean = if indicator == Indicator::Ph && options.ph_mean == PhMean::Hydrogen {
        hydrogen_mean(readings)
    } else if let [one] = readings {
        // A month's single sample is its own mean: the same value in the same lowest terms,
        // with one reduction instead of a sum and a division.
        let value = one.statistical_value();
        if lowest_terms { value.reduced() } else { value }
    } else {
        let sum = readings
            .iter()
            .map(|r| r.statistical_value())
            .sum::<Exact>();
        sum.div_int(readings.len() as i64)
    };
    Some(if options.round_2020 {
        round_2020(mean, indicator.decimals())
    } else {
        mean
    })
}

/// The logarithm needs floating point; the result is kept to 6 decimals, far below any pH
/// boundary's sensitivity.
fn hydrogen_mean(readings: &[Reading]) -> Exact {
    let activity: f64 = readings
        .iter()
        .map(|r| 10f64.powf(-r.statistical_value().to_f64_lossy()))
        .sum::<f64>()
        / readings.len() as f64;
    let ph = -activity.log10();
    Exact::ratio((ph * 1e6).round() as i128, 1_000_000)
}

/// Half-even to `decimals`; a non-zero value that would become 0 keeps one significant digit.
pub fn round_2020(value: Exact, decimals: u32) -> Exact {
    let rounded = value.round_half_even(decimals);
    if rounded != Exact::ZERO || value == Exact::ZERO {
        return rounded;
    }
    (decimals + 1..decimals + 18)
        .map(|d| value.round_half_even(d))
        .find(|r| *r != Exact::ZERO)
        .unwrap_or(rounded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_to_compare_is_the_period_value() {
        let readings = [
            Reading::Value(Exact::ratio_unreduced(460, 10_000)),
            Reading::Value(Exact::ratio_unreduced(7, 1)),
            Reading::BelowDetection(Exact::ratio_unreduced(4, 100_000)),
            Reading::Value(Exact::ratio_unreduced(0, 1000)),
            Reading::Value(Exact::ratio_unreduced(
                123_456_789_012_345_678,
                10_i128.pow(18),
            )),
            Reading::BelowDetection(Exact::ratio_unreduced(5, 10_i128.pow(30))),
        ];
        let options = [
            PeriodOptions::default(),
            PeriodOptions {
                round_2020: true,
                ph_mean: PhMean::Arithmetic,
            },
            PeriodOptions {
                round_2020: false,
                ph_mean: PhMean::Hydrogen,
            },
        ];
        for options in options {
            for indicator in [Indicator::Ph, Indicator::Tp, Indicator::Hg] {
                for n in 0..=readings.len() {
                    for start in 0..readings.len() {
                        let slice = &readings[start..(start + n).min(readings.len())];
                        let value = period_value(indicator, slice, options);
                        let to_compare = period_value_to_compare(indicator, slice, options);
                        assert_eq!(value, to_compare, "{indicator:?} {slice:?} {options:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn half_the_detection_limit_has_the_reduced_value_whatever_its_size() {
        let limits = [
            Exact::ratio_unreduced(4, 100_000),
            Exact::ratio_unreduced(5, 10),
            Exact::ratio_unreduced(0, 1000),
            Exact::ratio_unreduced(3, 1 << 52),
            Exact::ratio_unreduced((1 << 53) + 1, 10),
            Exact::ratio_unreduced(7, 10_i128.pow(30)),
        ];
        for dl in limits {
            let half = Reading::BelowDetection(dl).statistical_value();
            let reduced = dl.div_int(2);
            assert_eq!(half, reduced, "{dl}");
            assert_eq!(half.reduced().to_string(), reduced.to_string(), "{dl}");
            assert_eq!(half.to_f64_lossy(), reduced.to_f64_lossy(), "{dl}");
        }
    }

    #[test]
    fn a_single_reading_is_its_mean_as_the_sum_and_division_give_it() {
        let readings = [
            Reading::Value(Exact::ratio_unreduced(460, 10_000)),
            Reading::Value(Exact::ratio_unreduced(7, 1)),
            Reading::BelowDetection(Exact::ratio_unreduced(4, 100_000)),
            Reading::Value(Exact::ratio_unreduced(0, 1000)),
        ];
        for r in readings {
            let shortcut = period_value(Indicator::Tp, &[r], PeriodOptions::default()).unwrap();
            let general = [r.statistical_value()]
                .into_iter()
                .sum::<Exact>()
                .div_int(1);
            assert_eq!(
                (shortcut.numer_raw(), shortcut.denom_raw()),
                (general.numer_raw(), general.denom_raw())
            );
        }
    }
}
