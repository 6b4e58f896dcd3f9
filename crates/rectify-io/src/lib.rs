//! File formats around the pure engines: reading monitoring exports, writing results.
//!
//! Everything here reports bad input by file, line and column, and never panics on it.

pub mod air;
pub mod plan;
mod problem;
mod rng;
pub mod water;

pub use problem::{ReadError, RowProblem};
