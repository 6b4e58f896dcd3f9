//! Text written to a CSV cell. A spreadsheet opening the file runs a cell that starts with
//! `=`, `+`, `-` or `@` (or a tab or CR before one) as a formula, so a problem text such as
//! `=HYPERLINK(…)` in an export would act when opened. As OWASP recommends, such a cell gets a
//! leading single quote, which shows the text as text. A plain number (`-3.5`) is no formula
//! and stays as it is, so numeric exports still read as numbers.

use std::borrow::Cow;

/// The cell's text, neutralised when a spreadsheet would take it for a formula. Every CSV
/// writer passes its cells through here.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && text.trim().parse::<f64>().is_err() {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formulas_get_a_quote_and_numbers_stay() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+86 138"), "'+86 138");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\t=cmd"), "'\t=cmd");
        assert_eq!(csv_cell("-2.5"), "-2.5");
        assert_eq!(csv_cell("整改完成"), "整改完成");
    }
}
