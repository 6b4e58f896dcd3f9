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
