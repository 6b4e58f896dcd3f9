//! Finding a table in a sheet by its content, shared by every reader of office spreadsheets
//! (plans, transfer lists): the header row or rows among titles and info lines, item numbers
//! in the forms offices write, and the rows that are not data (merged group, batch and footnote
//! rows).

use super::sheet::{Cell, Sheet};

/// A header cell's words: no white space (line breaks inside a cell included) and no
/// parenthesised notes ("责任单位\n（牵头单位列第一）" → "责任单位").
pub(crate) fn header_key(header: &str) -> String {
    let mut key = String::new();
    let mut depth = 0_u32;
    for c in header.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            c if depth == 0 && !c.is_whitespace() => key.push(c),
            _ => {}
        }
    }
    key
}

/// Where a table's header is and what its columns are.
pub(crate) struct Header<F> {
    /// 0-based index of the first header row.
    pub first_row: usize,
    /// 0-based index of the last header row.
    pub last_row: usize,
    /// 0-based index of the first data row.
    pub data_start: usize,
    pub columns: Vec<(usize, F)>,
    /// Columns with a header the table does not know, with the header's text.
    pub unknown: Vec<(usize, String)>,
}

const HEADER_SEARCH_ROWS: usize = 20;

/// The header among the first rows: the row naming the most known columns (at least three).
/// The row below belongs to it when it names columns too and holds no item number: a group
/// header (办理情况) merged over sub-columns, the other headers merged down both rows. A
/// column's name is the lower cell's own text, or the upper one's.
pub(crate) fn find_header<F: Copy + PartialEq>(
    sheet: &Sheet,
    recognise: fn(&str) -> Option<F>,
) -> Option<Header<F>> {
    let rows = sheet.height().min(HEADER_SEARCH_ROWS);
    let (row, count) = (0..rows)
        .map(|r| (r, recognised_fields(sheet, r, recognise)))
        .max_by_key(|(r, count)| (*count, std::cmp::Reverse(*r)))?;
    if count < 3 {
        return None;
    }
    let second = row + 1;
    let two_rows =
        recognised_fields(sheet, second, recognise) > 0 && !looks_numbered(sheet, second);
    // A header whose upper row was merged down both rows is found at its lower row; its
    // first row is still the upper one.
    let merged_from_above = |c: usize| {
        row > 0
            && sheet.is_copy(row, c)
            && sheet.cell(row - 1, c) == sheet.cell(row, c)
            && recognise(&sheet.cell(row, c).text()).is_some()
    };
    let first_row = if (0..sheet.row(row).len()).any(merged_from_above) {
        row - 1
    } else {
        row
    };
    let mut header = Header {
        first_row,
        data_start: if two_rows { row + 2 } else { row + 1 },
        last_row: if two_rows { second } else { row },
        columns: Vec::new(),
        unknown: Vec::new(),
    };
    let width = sheet.row(row).len().max(sheet.row(second).len());
    for col in 0..width {
        let lower = two_rows && !sheet.is_copy(second, col) && !sheet.cell(second, col).is_blank();
        let text = if lower {
            sheet.cell(second, col).text()
        } else {
            sheet.cell(row, col).text()
        };
        if text.is_empty() {
            continue;
        }
        match recognise(&text) {
            Some(field) => header.columns.push((col, field)),
            None => header.unknown.push((col, text)),
        }
    }
    Some(header)
}

/// How many known columns a row names (a header repeated further down counts as well).
pub(crate) fn recognised_fields<F: PartialEq>(
    sheet: &Sheet,
    row: usize,
    recognise: fn(&str) -> Option<F>,
) -> usize {
    let mut fields: Vec<F> = Vec::new();
    for field in sheet.row(row).iter().filter_map(|c| recognise(&c.text())) {
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    fields.len()
}

fn looks_numbered(sheet: &Sheet, row: usize) -> bool {
    sheet
        .row(row)
        .iter()
        .take(2)
        .any(|c| parse_number(c).is_some())
}

/// "1", "１", "1.", "第1项", "十四" → the item number.
pub(crate) fn parse_number(cell: &Cell) -> Option<u32> {
    if let Cell::Number(n) = cell {
        return (n.fract() == 0.0 && *n >= 1.0 && *n < 1e9).then_some(*n as u32);
    }
    let text = cell.text();
    let core = text
        .trim_start_matches('第')
        .trim_end_matches(['项', '.', '、', '．'])
        .trim();
    if core.is_empty() {
        return None;
    }
    let folded = ascii_digits(core);
    if folded.chars().all(|c| c.is_ascii_digit()) {
        return folded.parse().ok().filter(|n| *n >= 1);
    }
    chinese_small_number(&folded)
}

/// Full-width digits as ASCII.
pub(crate) fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// 一 … 九十九.
pub(crate) fn chinese_small_number(text: &str) -> Option<u32> {
    let digit = |c: char| "一二三四五六七八九".find(c).map(|i| i as u32 / 3 + 1);
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', d] => Some(10 + digit(*d)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', d] => Some(digit(*t)? * 10 + digit(*d)?),
        _ => None,
    }
}

const FOOTNOTE_STARTS: &[&str] = &[
    "注",
    "说明",
    "填表人",
    "填报人",
    "审核人",
    "制表",
    "联系人",
    "联系电话",
    "填报单位",
    "填表说明",
    "合计",
    "小计",
    "总计",
];

/// A footnote, sign-off or total line under a table (注：…, 填表人：…, 合计：…).
pub(crate) fn is_footnote(text: &str) -> bool {
    FOOTNOTE_STARTS.iter().any(|w| text.starts_with(w))
}

/// A row whose non-blank cells all hold one text: a merged group, batch or footnote row.
pub(crate) fn is_single_text_row(sheet: &Sheet, row: usize) -> bool {
    let mut texts = sheet
        .row(row)
        .iter()
        .filter(|c| !c.is_blank())
        .map(Cell::text);
    let first = texts.next();
    texts.all(|t| Some(&t) == first.as_ref())
}

/// The row's first non-blank text.
pub(crate) fn first_text(sheet: &Sheet, row: usize) -> Option<String> {
    sheet
        .row(row)
        .iter()
        .find(|c| !c.is_blank())
        .map(Cell::text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_numbers_in_the_forms_offices_write() {
        assert_eq!(parse_number(&Cell::Number(7.0)), Some(7));
        assert_eq!(parse_number(&Cell::Text("１２".into())), Some(12));
        assert_eq!(parse_number(&Cell::Text("第十四项".into())), Some(14));
        assert_eq!(parse_number(&Cell::Text("3.".into())), Some(3));
        assert_eq!(parse_number(&Cell::Number(1.5)), None);
        assert_eq!(parse_number(&Cell::Text("一、共性问题".into())), None);
    }

    #[test]
    fn header_words_lose_spaces_breaks_and_notes() {
        assert_eq!(header_key("责任单位\n（牵头单位列第一）"), "责任单位");
        assert_eq!(header_key("序\u{3000}号"), "序号");
        assert_eq!(header_key("受理\n编号"), "受理编号");
    }
}
