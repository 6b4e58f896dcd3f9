//! Reading the inspection team's transfer lists: one worksheet per batch (第N批), a title, a
//! 交办时间 line, the header and one row per complaint.

use crate::plan::{Finding, Sheet, column_letter};
use rectify_core::complaint::{
    Channel, Clock, Handling, PollutionType, ReceivedNo, Verdict, parse_types,
};
use rectify_core::complaint::{Feedback, Measures, NewBatch, NewComplaint};
use rectify_exact::date::Date;

/// The columns of a transfer list, by their header words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Seq,
    ReceivedNo,
    Description,
    Region,
    Types,
    Investigation,
    Verdict,
    Handling,
    Accountability,
    State,
    Channel,
    Industry,
    KeyCase,
    Contact,
}

const HEADERS: &[(Column, &[&str])] = &[
    (Column::Seq, &["序号"]),
    (Column::ReceivedNo, &["受理编号", "信访编号", "举报编号"]),
    (
        Column::Description,
        &["交办问题基本情况", "反映问题", "问题描述", "信访内容"],
    ),
    (Column::Region, &["行政区域", "所属区县", "区县", "属地"]),
    (Column::Types, &["污染类型"]),
    (Column::Investigation, &["调查核实情况", "核查情况"]),
    (Column::Verdict, &["是否属实"]),
    (
        Column::Handling,
        &["处理和整改情况", "处理整改情况", "办理结果"],
    ),
    (Column::Accountability, &["责任人被处理情况", "问责情况"]),
    (Column::State, &["办理状态", "办结情况"]),
    (Column::Channel, &["来源", "渠道", "来电/来信"]),
    (Column::Industry, &["行业", "行业类别"]),
    (Column::KeyCase, &["重点件", "是否重点"]),
    (Column::Contact, &["联系方式", "举报人", "联系电话"]),
];

const REQUIRED: &[Column] = &[
    Column::ReceivedNo,
    Column::Description,
    Column::Region,
    Column::Types,
];

/// A batch and the sheet it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceBatch {
    pub sheet: String,
    pub batch: NewBatch,
    /// 1-based sheet row of each complaint, in order.
    pub rows: Vec<usize>,
}

/// What a transfer-list workbook yielded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransferList {
    /// The team named in the titles ("中央第一生态环境保护督察组").
    pub source: Option<String>,
    pub batches: Vec<SourceBatch>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

/// Reads every sheet that has a 受理编号 header; other sheets are ignored.
pub fn read_transfer_list(sheets: &[Sheet], clock: Clock) -> TransferList {
    let mut list = TransferList::default();
    for sheet in sheets {
        let Some(header) = header_row(sheet) else {
            continue;
        };
        let mut reader = SheetReader {
            sheet,
            header,
            columns: columns(sheet, header),
            list: &mut list,
        };
        if let Some(batch) = reader.batch(clock) {
            list.batches.push(batch);
        }
    }
    if list.batches.is_empty() && list.errors.is_empty() {
        list.errors.push(Finding {
            sheet: sheets.first().map(|s| s.name.clone()).unwrap_or_default(),
            row: None,
            column: None,
            field: Some("受理编号"),
            message: "没有找到含“受理编号”表头的工作表".into(),
        });
    }
    list
}

fn header_row(sheet: &Sheet) -> Option<usize> {
    (0..sheet.height().min(12)).find(|&r| sheet.row(r).iter().any(|c| c.text() == "受理编号"))
}

fn columns(sheet: &Sheet, header: usize) -> Vec<(Column, usize)> {
    let mut found = Vec::new();
    for (index, cell) in sheet.row(header).iter().enumerate() {
        let text = cell.text().replace([' ', '\u{3000}', '\n'], "");
        let column = HEADERS
            .iter()
            .find(|(_, words)| words.iter().any(|w| text.starts_with(w)))
            .map(|(c, _)| *c);
        if let Some(column) = column.filter(|c| !found.iter().any(|(f, _)| f == c)) {
            found.push((column, index));
        }
    }
    found
}

struct SheetReader<'a> {
    sheet: &'a Sheet,
    header: usize,
    columns: Vec<(Column, usize)>,
    list: &'a mut TransferList,
}

impl SheetReader<'_> {
    fn finding(&self, row: Option<usize>, column: Option<Column>, message: String) -> Finding {
        let index = column.and_then(|c| self.index(c));
        Finding {
            sheet: self.sheet.name.clone(),
            row: row.map(|r| r + 1),
            column: index.map(column_letter),
            field: column.map(label),
            message,
        }
    }

    fn error(&mut self, row: Option<usize>, column: Option<Column>, message: String) {
        let finding = self.finding(row, column, message);
        self.list.errors.push(finding);
    }

    fn warn(&mut self, row: Option<usize>, column: Option<Column>, message: String) {
        let finding = self.finding(row, column, message);
        self.list.warnings.push(finding);
    }

    fn index(&self, column: Column) -> Option<usize> {
        self.columns
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, i)| *i)
    }

    fn text(&self, row: usize, column: Column) -> String {
        self.index(column)
            .map(|i| self.sheet.cell(row, i).text())
            .unwrap_or_default()
    }

    fn batch(&mut self, clock: Clock) -> Option<SourceBatch> {
        for column in REQUIRED {
            if self.index(*column).is_none() {
                self.error(
                    Some(self.header),
                    None,
                    format!("表头缺少“{}”列", label(*column)),
                );
            }
        }
        let number = self.batch_number();
        let transferred_on = self.transfer_date();
        if self.list.source.is_none() {
            self.list.source = self.team();
        }
        let mut complaints = Vec::new();
        let mut rows = Vec::new();
        let mut seen_merges = Vec::new();
        for row in self.header + 1..self.sheet.height() {
            if self.sheet.row(row).iter().all(|c| c.is_blank()) {
                continue;
            }
            if let Some(complaint) = self.complaint(row, &mut seen_merges) {
                complaints.push(complaint);
                rows.push(row + 1);
            }
        }
        Some(SourceBatch {
            sheet: self.sheet.name.clone(),
            batch: NewBatch {
                number: number?,
                transferred_on: transferred_on?,
                clock,
                complaints,
            },
            rows,
        })
    }

    /// From the sheet name "第3批" or the title "…（第3批）".
    fn batch_number(&mut self) -> Option<u32> {
        let title = (0..self.header)
            .map(|r| self.sheet.cell(r, 0).text())
            .collect::<String>();
        let number = [self.sheet.name.as_str(), title.as_str()]
            .iter()
            .find_map(|text| number_between(text, "第", "批"));
        if number.is_none() {
            self.error(
                None,
                None,
                "无法确定批次：工作表名或标题中应有“第N批”".into(),
            );
        }
        number
    }

    /// The team before "交办" in the title.
    fn team(&self) -> Option<String> {
        let title = self.sheet.cell(0, 0).text();
        let end = title.find("交办")?;
        let team = title[..end].trim();
        (!team.is_empty()).then(|| team.to_string())
    }

    fn transfer_date(&mut self) -> Option<Date> {
        for row in 0..self.header {
            let text = self.sheet.cell(row, 0).text();
            let Some(at) = text.find("交办时间").or_else(|| text.find("交办日期")) else {
                continue;
            };
            let value = text[at..].trim_start_matches(|c: char| !c.is_ascii_digit());
            let date = parse_chinese_date(value);
            if date.is_none() {
                self.error(
                    Some(row),
                    None,
                    format!(
                        "交办时间“{text}”不是有效日期（例：交办时间：2018年6月5日）",
                        text = rectify_exact::text::quoted(&text)
                    ),
                );
            }
            return date;
        }
        self.error(None, None, "缺少“交办时间：YYYY年M月D日”一行".into());
        None
    }

    fn complaint(
        &mut self,
        row: usize,
        seen_merges: &mut Vec<(usize, usize)>,
    ) -> Option<NewComplaint> {
        let received_no = self.text(row, Column::ReceivedNo);
        let description = self.text(row, Column::Description);
        if received_no.is_empty() {
            self.error(Some(row), Some(Column::ReceivedNo), "受理编号为空".into());
            return None;
        }
        if description.is_empty() {
            self.error(
                Some(row),
                Some(Column::Description),
                "交办问题基本情况为空".into(),
            );
        }
        let channel = self.channel(row, &received_no)?;
        let region = self.region(row, &description);
        let types_raw = self.text(row, Column::Types);
        let types = self.types(row, &types_raw, seen_merges);
        Some(NewComplaint {
            seq: self.seq(row),
            received_no,
            channel,
            region,
            types,
            types_raw,
            industry: self.text(row, Column::Industry),
            description,
            contact: self.text(row, Column::Contact),
            key_case: matches!(
                self.text(row, Column::KeyCase).as_str(),
                "是" | "★" | "重点" | "重点件"
            ),
            feedback: self.feedback(row),
        })
    }

    fn seq(&mut self, row: usize) -> u32 {
        let text = self.text(row, Column::Seq);
        text.parse().unwrap_or_else(|_| {
            let fallback = u32::try_from(row - self.header).unwrap_or(0);
            self.warn(
                Some(row),
                Some(Column::Seq),
                format!(
                    "序号“{text}”不是数字，按行序 {fallback} 登记",
                    text = rectify_exact::text::quoted(&text)
                ),
            );
            fallback
        })
    }

    fn channel(&mut self, row: usize, received_no: &str) -> Option<Channel> {
        if let Some(parsed) = ReceivedNo::parse(received_no) {
            return Some(parsed.channel);
        }
        let written = Channel::parse(&self.text(row, Column::Channel));
        let letter = match received_no.chars().next() {
            Some('D') => Some(Channel::Phone),
            Some('X') => Some(Channel::Letter),
            Some('W') => Some(Channel::Online),
            _ => None,
        };
        match written.or(letter) {
            Some(channel) => {
                self.warn(
                    Some(row),
                    Some(Column::ReceivedNo),
                    format!("受理编号“{received_no}”不符合“渠道字母+轮次+省份+受理日期+序号”的格式，按原文保存", received_no = rectify_exact::text::quoted(received_no)),
                );
                Some(channel)
            }
            None => {
                self.error(
                    Some(row),
                    Some(Column::ReceivedNo),
                    format!(
                        "受理编号“{received_no}”无法识别来源渠道（应以 D/X/W 开头，或填写“来源”列）", received_no = rectify_exact::text::quoted(received_no)),
                );
                None
            }
        }
    }

    /// Required; an empty cell is never filled from the row above. The text may name the
    /// region, which the message suggests for a person to confirm.
    fn region(&mut self, row: usize, description: &str) -> Option<String> {
        let region = self.text(row, Column::Region);
        if !region.is_empty() {
            return Some(region);
        }
        let named = self
            .regions_in_sheet()
            .into_iter()
            .find(|r| description.contains(r.as_str()));
        let hint = named
            .map(|r| format!("；正文提到“{r}”，请核实后填写"))
            .unwrap_or_default();
        self.error(
            Some(row),
            Some(Column::Region),
            format!("行政区域为空（不按上一行补填）{hint}"),
        );
        None
    }

    fn regions_in_sheet(&self) -> Vec<String> {
        let mut regions: Vec<String> = (self.header + 1..self.sheet.height())
            .map(|r| self.text(r, Column::Region))
            .filter(|r| !r.is_empty())
            .collect();
        regions.sort();
        regions.dedup();
        regions
    }

    fn types(
        &mut self,
        row: usize,
        raw: &str,
        seen_merges: &mut Vec<(usize, usize)>,
    ) -> Vec<PollutionType> {
        if raw.is_empty() {
            self.error(Some(row), Some(Column::Types), "污染类型为空".into());
            return Vec::new();
        }
        if let Some(col) = self.index(Column::Types) {
            self.note_merge(row, col, seen_merges);
        }
        let parsed = parse_types(raw);
        for note in parsed.notes {
            self.warn(Some(row), Some(Column::Types), note);
        }
        parsed.types
    }

    /// A type cell merged over several complaints gives its value to each; said once per range.
    fn note_merge(&mut self, row: usize, col: usize, seen: &mut Vec<(usize, usize)>) {
        if !self.sheet.is_copy(row, col) {
            return;
        }
        let mut top = row;
        while top > self.header + 1 && self.sheet.is_copy(top, col) {
            top -= 1;
        }
        if seen.contains(&(top, col)) {
            return;
        }
        seen.push((top, col));
        let mut bottom = row;
        while self.sheet.is_copy(bottom + 1, col) {
            bottom += 1;
        }
        let letter = column_letter(col);
        self.warn(
            Some(top),
            Some(Column::Types),
            format!(
                "污染类型是跨多条信访件的合并单元格（{letter}{}:{letter}{}），已将“{}”登记到每一条",
                top + 1,
                bottom + 1,
                self.sheet.cell(top, col).text()
            ),
        );
    }

    fn feedback(&mut self, row: usize) -> Feedback {
        let verdict = self.vocabulary(row, Column::Verdict, Verdict::parse, Verdict::choices_zh);
        let handling = self.vocabulary(row, Column::State, Handling::parse, Handling::choices_zh);
        Feedback {
            investigation: self.text(row, Column::Investigation),
            verdict,
            counts: Measures {
                penalty_yuan: "0".into(),
                ..Measures::default()
            },
            result: self.text(row, Column::Handling),
            accountability: self.text(row, Column::Accountability),
            handling,
            reported_on: None,
            follow_up: String::new(),
        }
    }

    fn vocabulary<T>(
        &mut self,
        row: usize,
        column: Column,
        parse: fn(&str) -> Option<T>,
        choices: fn() -> String,
    ) -> Option<T> {
        let text = self.text(row, column);
        if text.is_empty() {
            return None;
        }
        let value = parse(&text);
        if value.is_none() {
            self.error(
                Some(row),
                Some(column),
                format!(
                    "“{text}”不是有效的{}（可选：{}）",
                    label(column),
                    choices(),
                    text = rectify_exact::text::quoted(&text)
                ),
            );
        }
        value
    }
}

fn label(column: Column) -> &'static str {
    HEADERS
        .iter()
        .find(|(c, _)| *c == column)
        .map_or("", |(_, words)| words[0])
}

/// The first number written as `before`N`after` ("第一生态…（第4批）" → 4).
fn number_between(text: &str, before: &str, after: &str) -> Option<u32> {
    text.match_indices(before).find_map(|(at, _)| {
        let start = at + before.len();
        let end = start + text[start..].find(after)?;
        text[start..end].trim().parse().ok()
    })
}

/// "2018年6月5日" or "2018-06-05".
fn parse_chinese_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Some(date) = Date::parse(text.get(..10).unwrap_or(text)) {
        return Some(date);
    }
    let year_end = text.find('年')?;
    let month_end = text.find('月')?;
    let day_end = text.find('日')?;
    Date::new(
        text[..year_end].trim().parse().ok()?,
        text[year_end + '年'.len_utf8()..month_end]
            .trim()
            .parse()
            .ok()?,
        text[month_end + '月'.len_utf8()..day_end]
            .trim()
            .parse()
            .ok()?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_batch_numbers() {
        assert_eq!(parse_chinese_date("2018年6月5日"), Date::new(2018, 6, 5));
        assert_eq!(parse_chinese_date("2018-06-05"), Date::new(2018, 6, 5));
        assert_eq!(parse_chinese_date("2018年13月5日"), None);
        assert_eq!(number_between("…举报件（第12批）", "第", "批"), Some(12));
        assert_eq!(number_between("汇总", "第", "批"), None);
        assert_eq!(
            number_between("中央第一生态环境保护督察组交办（第4批）", "第", "批"),
            Some(4)
        );
    }
}
