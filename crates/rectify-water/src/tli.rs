//! The trophic level index TLI(Σ) of lakes and reservoirs (《湖泊(水库)富营养化评价方法及分级技术规定》).
//!
//! Its formulas take natural logarithms, so this is the one computation done in floating point;
//! the result is published to 0.01.

/// chla (mg/m³ = µg/L), TP, TN, CODMn (mg/L), SD (m).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrophicInputs {
    pub chla: f64,
    pub tp: f64,
    pub tn: f64,
    pub sd: f64,
    pub codmn: f64,
}

/// r² of each parameter with chla: 1, 0.84², 0.82², 0.83², 0.83².
const R_SQUARED: [f64; 5] = [1.0, 0.7056, 0.6724, 0.6889, 0.6889];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trophic {
    Oligotrophic,
    Mesotrophic,
    LightEutrophic,
    MiddleEutrophic,
    HyperEutrophic,
}

impl Trophic {
    /// < 30 贫营养; 30–50 中营养 (50 included); > 50 富营养: ≤ 60 轻度, ≤ 70 中度, > 70 重度.
    pub fn of(tli: f64) -> Trophic {
        match tli {
            t if t < 30.0 => Trophic::Oligotrophic,
            t if t <= 50.0 => Trophic::Mesotrophic,
            t if t <= 60.0 => Trophic::LightEutrophic,
            t if t <= 70.0 => Trophic::MiddleEutrophic,
            _ => Trophic::HyperEutrophic,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Trophic::Oligotrophic => "贫营养",
            Trophic::Mesotrophic => "中营养",
            Trophic::LightEutrophic => "轻度富营养",
            Trophic::MiddleEutrophic => "中度富营养",
            Trophic::HyperEutrophic => "重度富营养",
        }
    }
}

/// The five partial indices in the order chla, TP, TN, SD, CODMn; `None` unless every input is
/// positive (a logarithm of zero has no value).
pub fn partial_indices(x: &TrophicInputs) -> Option<[f64; 5]> {
    let all = [x.chla, x.tp, x.tn, x.sd, x.codmn];
    if all.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return None;
    }
    Some([
        10.0 * (2.5 + 1.086 * x.chla.ln()),
        10.0 * (9.436 + 1.624 * x.tp.ln()),
        10.0 * (5.453 + 1.694 * x.tn.ln()),
        10.0 * (5.118 - 1.94 * x.sd.ln()),
        10.0 * (0.109 + 2.661 * x.codmn.ln()),
    ])
}

/// TLI(Σ) = Σ W_j·TLI(j), W_j = r_j² / Σ r².
pub fn tli(x: &TrophicInputs) -> Option<f64> {
    let parts = partial_indices(x)?;
    let total: f64 = R_SQUARED.iter().sum();
    Some(
        parts
            .iter()
            .zip(R_SQUARED)
            .map(|(t, r2)| t * r2 / total)
            .sum(),
    )
}
