//! File formats around the pure engines: reading monitoring exports, writing results.
//!
//! Everything here reports bad input by file, line and column, and never panics on it.

pub mod air;
pub mod bulletin;
pub mod coal;
pub mod complaint;
pub mod csv_cell;
pub mod dossier;
pub mod plan;
mod problem;
pub mod publish;
pub mod register;
mod rng;
pub mod water;

pub use problem::{ReadError, RowProblem};

/// Text made safe for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
