//! The uploaded sheet as it is, with the reader's findings on their cells: what the import
//! preview shows, so that the office finds each defect where it sits in its own file.

use super::read::Finding;
use super::sheet::{Sheet, column_letter};
use rectify_core::text::short;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Mark {
    #[default]
    None,
    Warning,
    Error,
}

impl Mark {
    /// For the CSS class of the cell.
    pub fn code(self) -> &'static str {
        match self {
            Mark::None => "",
            Mark::Warning => "warn",
            Mark::Error => "bad",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridCell {
    /// The spreadsheet address, e.g. "C5".
    pub address: String,
    pub text: String,
    pub mark: Mark,
    /// The findings on this cell, one per line.
    pub note: String,
    /// Filled from a merged region's top-left cell rather than typed here.
    pub merged_copy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridRow {
    Row {
        /// 1-based, as the spreadsheet shows it.
        number: usize,
        /// Findings on the row as a whole (no column).
        mark: Mark,
        note: String,
        cells: Vec<GridCell>,
    },
    /// Rows left out because nothing is wrong in or next to them.
    Gap { rows: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    /// Column letters.
    pub columns: Vec<String>,
    pub rows: Vec<GridRow>,
}

/// Columns beyond this are not shown; plan tables have a dozen.
const MAX_COLUMNS: usize = 30;
/// Characters of a cell shown; the whole text is in the parsed preview.
const CELL_CHARS: usize = 60;
/// Rows shown before the first gap, so the title, header and first items are always visible.
const LEADING_ROWS: usize = 12;

/// The sheet with the errors and warnings found on it (those of other sheets are left out) on
/// their cells. A sheet of more than `max_rows` rows shows the leading rows and the rows with
/// findings (with one row of context on each side); the rest collapse into gaps.
pub fn grid(sheet: &Sheet, errors: &[Finding], warnings: &[Finding], max_rows: usize) -> Grid {
    let marks = marks_by_cell(&sheet.name, errors, warnings);
    let height = (0..sheet.height())
        .rev()
        .find(|&r| sheet.row(r).iter().any(|c| !c.is_blank()))
        .map_or(0, |r| r + 1);
    let width = (0..height)
        .filter_map(|r| sheet.row(r).iter().rposition(|c| !c.is_blank()))
        .max()
        .map_or(0, |c| c + 1)
        .min(MAX_COLUMNS);
    let shown = shown_rows(height, max_rows, &marks);
    let mut rows = Vec::new();
    let mut hidden = 0;
    for r in 0..height {
        if !shown(r) {
            hidden += 1;
            continue;
        }
        if hidden > 0 {
            rows.push(GridRow::Gap { rows: hidden });
            hidden = 0;
        }
        rows.push(grid_row(sheet, r, width, &marks));
    }
    if hidden > 0 {
        rows.push(GridRow::Gap { rows: hidden });
    }
    Grid {
        columns: (0..width).map(column_letter).collect(),
        rows,
    }
}

/// Findings by 0-based (row, column); `None` for a finding on the whole row.
type Marks = HashMap<(usize, Option<usize>), (Mark, Vec<String>)>;

fn marks_by_cell(sheet: &str, errors: &[Finding], warnings: &[Finding]) -> Marks {
    let mut marks: Marks = HashMap::new();
    let tagged = errors
        .iter()
        .map(|f| (Mark::Error, f))
        .chain(warnings.iter().map(|f| (Mark::Warning, f)))
        .filter(|(_, f)| f.sheet == sheet);
    for (mark, finding) in tagged {
        let Some(row) = finding.row.and_then(|r| r.checked_sub(1)) else {
            continue;
        };
        let entry = marks
            .entry((row, column_index(finding)))
            .or_insert((Mark::None, Vec::new()));
        entry.0 = entry.0.max(mark);
        entry.1.push(message(finding));
    }
    marks
}

fn message(finding: &Finding) -> String {
    match finding.field {
        Some(field) => format!("{field}：{}", finding.message),
        None => finding.message.clone(),
    }
}

/// "AB" → 27.
fn column_index(finding: &Finding) -> Option<usize> {
    let letters = finding.column.as_deref()?;
    letters
        .bytes()
        .try_fold(0_usize, |n, b| {
            b.is_ascii_uppercase()
                .then(|| n * 26 + usize::from(b - b'A' + 1))
        })?
        .checked_sub(1)
}

fn shown_rows(height: usize, max_rows: usize, marks: &Marks) -> impl Fn(usize) -> bool {
    let everything = height <= max_rows;
    let flagged: std::collections::HashSet<usize> = marks
        .keys()
        .flat_map(|&(r, _)| [r.saturating_sub(1), r, r + 1])
        .collect();
    move |r| everything || r < LEADING_ROWS || flagged.contains(&r)
}

fn grid_row(sheet: &Sheet, r: usize, width: usize, marks: &Marks) -> GridRow {
    let (mark, note) = mark_of(marks, r, None);
    let cells = (0..width)
        .map(|c| {
            let (mark, note) = mark_of(marks, r, Some(c));
            GridCell {
                address: format!("{}{}", column_letter(c), r + 1),
                text: short(&sheet.cell(r, c).text(), CELL_CHARS),
                mark,
                note,
                merged_copy: sheet.is_copy(r, c),
            }
        })
        .collect();
    GridRow::Row {
        number: r + 1,
        mark,
        note,
        cells,
    }
}

fn mark_of(marks: &Marks, row: usize, column: Option<usize>) -> (Mark, String) {
    marks
        .get(&(row, column))
        .map_or((Mark::None, String::new()), |(mark, notes)| {
            (*mark, notes.join("\n"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::sheet::Cell;

    fn finding(row: usize, column: Option<&str>, message: &str) -> Finding {
        Finding {
            sheet: "清单".into(),
            row: Some(row),
            column: column.map(str::to_string),
            field: Some("整改时限"),
            message: message.into(),
        }
    }

    fn sheet(rows: usize) -> Sheet {
        let rows = (0..rows)
            .map(|r| {
                vec![
                    Cell::Text(format!("{}", r + 1)),
                    Cell::Text("问题".repeat(40)),
                    Cell::Empty,
                ]
            })
            .collect();
        Sheet::new("清单".into(), rows, &[])
    }

    fn row(grid: &Grid, number: usize) -> (Mark, Vec<GridCell>) {
        grid.rows
            .iter()
            .find_map(|r| match r {
                GridRow::Row {
                    number: n,
                    mark,
                    cells,
                    ..
                } if *n == number => Some((*mark, cells.clone())),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn findings_sit_on_their_cells_and_quiet_stretches_collapse() {
        let errors = vec![
            finding(40, Some("B"), "为空"),
            finding(41, None, "序号重复"),
        ];
        let mut warnings = vec![
            finding(40, Some("B"), "需人工设定"),
            finding(3, Some("A"), "x"),
        ];
        let mut elsewhere = finding(5, Some("A"), "另一张表的");
        elsewhere.sheet = "第2批".into();
        warnings.push(elsewhere);
        let small = grid(&sheet(50), &errors, &warnings, 100);
        assert_eq!(
            small.columns,
            ["A", "B"],
            "blank trailing columns are dropped"
        );
        assert_eq!(small.rows.len(), 50);
        let (_, cells) = row(&small, 40);
        assert_eq!(cells[1].address, "B40");
        assert_eq!(
            cells[1].mark,
            Mark::Error,
            "the worse finding colours the cell"
        );
        assert_eq!(cells[1].note, "整改时限：为空\n整改时限：需人工设定");
        assert!(cells[1].text.ends_with('…') && cells[1].text.chars().count() == 61);
        assert_eq!(row(&small, 41).0, Mark::Error);
        assert_eq!(row(&small, 3).1[0].mark, Mark::Warning);
        assert_eq!(
            row(&small, 5).1[0].mark,
            Mark::None,
            "another sheet's finding stays off this one"
        );

        let large = grid(&sheet(500), &errors, &warnings, 100);
        let numbers: Vec<usize> = large
            .rows
            .iter()
            .filter_map(|r| match r {
                GridRow::Row { number, .. } => Some(*number),
                GridRow::Gap { .. } => None,
            })
            .collect();
        let mut expected: Vec<usize> = (1..=12).collect();
        expected.extend([39, 40, 41, 42]);
        assert_eq!(numbers, expected);
        assert_eq!(large.rows[12], GridRow::Gap { rows: 26 });
        assert_eq!(large.rows.last(), Some(&GridRow::Gap { rows: 458 }));
    }
}
