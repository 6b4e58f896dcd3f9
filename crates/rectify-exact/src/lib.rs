//! The numbers the standards engines compute with.
//!
//! - [`exact`]: `Exact`, a 128-bit rational with GB/T 8170 (round-half-even) rounding, and the
//!   parser for monitoring cells (missing markers, up to six decimals, no floats anywhere);
//! - [`date`]: proleptic Gregorian dates without a time-zone library.
//!
//! Shared by `rectify-air` and `rectify-water` so that both round and compare the same way.

pub mod date;
pub mod exact;
pub mod text;
