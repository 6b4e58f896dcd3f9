//! How bad input is reported.

use std::fmt;
use std::path::PathBuf;

/// One defect in an input row. The line is 1-based and counts the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// `None` when the defect only shows when rows from different parts of the file meet.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "第 {line} 行")?;
        }
        if let Some(column) = &self.column {
            write!(f, "，列 {column}")?;
        }
        write!(f, "：{}", self.message)
    }
}

/// A file that cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("无法读取 {}：{source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}：{message}", path.display())]
    Format { path: PathBuf, message: String },
    #[error("{}：{problem}（--strict：遇到错误行即停止）", path.display())]
    Strict { path: PathBuf, problem: RowProblem },
}

/// Longest stretch of a bad cell a message repeats.
const QUOTED_CHARS: usize = 80;

/// A bad cell's text as messages repeat it: at most 80 characters, then how long it was, so a
/// 100 MB cell does not come back whole in an error.
pub fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.to_string(),
        Some((end, _)) => format!("{}…（共 {} 个字符）", &text[..end], text.chars().count()),
    }
}

#[cfg(test)]
mod quoted_tests {
    use super::quoted;

    #[test]
    fn long_cells_are_cut_at_80_characters() {
        assert_eq!(quoted("短"), "短");
        let long = "污".repeat(100_000);
        let shown = quoted(&long);
        assert!(shown.starts_with(&"污".repeat(80)));
        assert!(shown.ends_with("…（共 100000 个字符）"), "{shown}");
        assert_eq!(quoted(&"a".repeat(80)), "a".repeat(80));
    }
}
