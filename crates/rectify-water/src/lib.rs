//! Surface-water quality as the 2011 evaluation method (环办〔2011〕22号) judges it against
//! GB 3838-2002.
//!
//! - [`indicator`]: the Table 1 items, their limits per class and water body, Table 2 and 3;
//! - [`section`]: per-indicator classes, the section class and status, main pollutants;
//! - [`period`]: period means (½·DL below detection, optional 2020 rounding, pH mean method);
//! - [`group`]: river and basin status, Ⅰ–Ⅲ and 劣Ⅴ proportions, city targets;
//! - [`tli`]: the lake trophic level index;
//! - [`drinking`]: drinking-water source compliance and its three rates.
//!
//! Pure: no I/O. Limits, values and means are exact ([`rectify_exact::exact::Exact`]); only the
//! logarithms of TLI and of the [H⁺] pH mean use floating point, as their formulas require.

pub mod drinking;
pub mod group;
pub mod indicator;
pub mod period;
pub mod section;
pub mod tli;
