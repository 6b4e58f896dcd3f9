//! HJ 633 Table 1 (2012) and Table 3 (2026): breakpoints and the IAQI formula.

use crate::standard::Standard;
use rectify_exact::exact::Exact;

/// One column of the breakpoint table: a pollutant at one averaging time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    So2_24h,
    So2_1h,
    No2_24h,
    No2_1h,
    Pm10_24h,
    Co24h,
    Co1h,
    O3_1h,
    O3_8h,
    Pm25_24h,
}

const IAQI_STEPS: [i64; 8] = [0, 50, 100, 150, 200, 300, 400, 500];

/// Breakpoints in the column's unit; CO in tenths of mg/m³ so every breakpoint is an integer.
fn breakpoints(column: Column, standard: Standard) -> &'static [i64] {
    match (column, standard) {
        (Column::So2_24h, _) => &[0, 50, 150, 475, 800, 1600, 2100, 2620],
        (Column::So2_1h, _) => &[0, 150, 500, 650, 800],
        (Column::No2_24h, _) => &[0, 40, 80, 180, 280, 565, 750, 940],
        (Column::No2_1h, _) => &[0, 100, 200, 700, 1200, 2340, 3090, 3840],
        (Column::Pm10_24h, Standard::V2012) => &[0, 50, 150, 250, 350, 420, 500, 600],
        (Column::Pm10_24h, Standard::V2026) => &[0, 50, 120, 250, 350, 420, 500, 600],
        (Column::Co24h, _) => &[0, 20, 40, 140, 240, 360, 480, 600],
        (Column::Co1h, _) => &[0, 50, 100, 350, 600, 900, 1200, 1500],
        (Column::O3_1h, _) => &[0, 160, 200, 300, 400, 800, 1000, 1200],
        (Column::O3_8h, _) => &[0, 100, 160, 215, 265, 800],
        (Column::Pm25_24h, Standard::V2012) => &[0, 35, 75, 115, 150, 250, 350, 500],
        (Column::Pm25_24h, Standard::V2026) => &[0, 35, 60, 115, 150, 250, 350, 500],
    }
}

fn is_co(column: Column) -> bool {
    matches!(column, Column::Co24h | Column::Co1h)
}

/// A computed individual index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iaqi {
    pub value: u16,
    /// The concentration lies above the table's top (IAQI 500); the standard defines no value
    /// there, so it is capped at 500 and flagged for display as "500+".
    pub beyond_index: bool,
}

/// HJ 633 eq. (1), rounded up exactly: `IAQI_Lo + ceil((IAQI_Hi − IAQI_Lo)(C − BP_Lo) / (BP_Hi − BP_Lo))`.
///
/// Returns `None` for a negative concentration, and for a value above the top of a column that
/// stops short of IAQI 500 (SO2 1-h above 800, O3 8-h above 800): those are decided by the
/// report's special rules, not by the table.
pub fn iaqi(column: Column, standard: Standard, concentration: Exact) -> Option<Iaqi> {
    if concentration.is_negative() {
        return None;
    }
    let c = if is_co(column) {
        concentration.mul_int(10)
    } else {
        concentration
    };
    let bps = breakpoints(column, standard);
    let (num, den) = (c.numer_raw(), c.denom_raw());
    for (i, pair) in bps.windows(2).enumerate() {
        let (lo, hi) = (i128::from(pair[0]), i128::from(pair[1]));
        if c <= Exact::int(pair[1]) {
            let (i_lo, i_hi) = (i128::from(IAQI_STEPS[i]), i128::from(IAQI_STEPS[i + 1]));
            // (I_hi − I_lo)(C − BP_lo)/(BP_hi − BP_lo) with C = num/den, rounded up, in one
            // integer division.
            let rise = Exact::ratio_unreduced((i_hi - i_lo) * (num - lo * den), (hi - lo) * den);
            let value = i_lo + rise.ceil();
            return Some(Iaqi {
                value: u16::try_from(value).unwrap_or(500),
                beyond_index: false,
            });
        }
    }
    (bps.len() == IAQI_STEPS.len()).then_some(Iaqi {
        value: 500,
        beyond_index: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rectify_exact::exact::parse_exact;

    fn at(column: Column, s: &str) -> Option<u16> {
        iaqi(column, Standard::V2012, parse_exact(s).unwrap().unwrap()).map(|i| i.value)
    }

    #[test]
    fn the_float_trap_is_avoided() {
        assert_eq!(at(Column::Co24h, "2.2"), Some(55));
    }

    #[test]
    fn above_the_table() {
        let top = iaqi(Column::Pm25_24h, Standard::V2012, Exact::int(501)).unwrap();
        assert_eq!(
            top,
            Iaqi {
                value: 500,
                beyond_index: true
            }
        );
        assert_eq!(at(Column::So2_1h, "801"), None);
        assert_eq!(at(Column::O3_8h, "801"), None);
        assert_eq!(at(Column::O3_8h, "800"), Some(300));
    }

    #[test]
    fn every_breakpoint_maps_to_its_step_in_both_versions() {
        let columns = [
            Column::So2_24h,
            Column::So2_1h,
            Column::No2_24h,
            Column::No2_1h,
            Column::Pm10_24h,
            Column::Co24h,
            Column::Co1h,
            Column::O3_1h,
            Column::O3_8h,
            Column::Pm25_24h,
        ];
        for standard in [Standard::V2012, Standard::V2026] {
            for column in columns {
                for (i, &bp) in breakpoints(column, standard).iter().enumerate() {
                    let c = if is_co(column) {
                        Exact::ratio(bp.into(), 10)
                    } else {
                        Exact::int(bp)
                    };
                    let got = iaqi(column, standard, c).unwrap();
                    assert_eq!(i64::from(got.value), IAQI_STEPS[i], "{column:?} {bp}");
                }
            }
        }
    }
}
