//! Reading the inspection teams' transfer lists (交办清单) in the layouts they are sent in: one
//! sheet per batch (第N批) or several batches on one sheet separated by batch rows
//! (`第2批（2018年6月12日交办）`), title and info rows above a one- or two-row header, columns in
//! any order under any known name, footnotes below. The table is found by content with the plan
//! reader's machinery (`plan::layout`); every defect is collected with its cell.

use crate::plan::layout::{
    Header, ascii_digits, chinese_small_number, find_header, first_text, header_key, is_footnote,
    is_single_text_row, parse_number, recognised_fields,
};
use crate::plan::{Finding, Sheet, column_letter};
use rectify_core::complaint::{
    Channel, Clock, Extra, Handling, PollutionType, ReceivedNo, Verdict, parse_types,
};
use rectify_core::complaint::{Feedback, Measures, NewBatch, NewComplaint};
use rectify_exact::date::Date;
use std::collections::HashMap;

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
    Remarks,
    /// A group header over sub-columns (办理情况): names no column of its own.
    Group,
}

/// Header wordings, after white space, line breaks and parenthesised notes are removed.
const HEADERS: &[(Column, &[&str])] = &[
    (Column::Seq, &["序号", "序"]),
    (
        Column::ReceivedNo,
        &[
            "受理编号",
            "信访编号",
            "举报编号",
            "转办编号",
            "交办编号",
            "信访件编号",
        ],
    ),
    (
        Column::Description,
        &[
            "交办问题基本情况",
            "反映问题",
            "问题描述",
            "信访内容",
            "举报内容",
            "反映的主要问题",
            "反映主要问题",
            "信访举报内容",
            "交办问题",
            "举报问题",
        ],
    ),
    (
        Column::Region,
        &[
            "行政区域",
            "所属区县",
            "区县",
            "属地",
            "所在区县",
            "所属地区",
            "县区",
            "区域",
        ],
    ),
    (Column::Types, &["污染类型", "污染种类", "举报类型"]),
    (
        Column::Investigation,
        &["调查核实情况", "核查情况", "调查核实", "核实情况"],
    ),
    (Column::Verdict, &["是否属实", "属实情况"]),
    (
        Column::Handling,
        &[
            "处理和整改情况",
            "处理整改情况",
            "办理结果",
            "处理情况",
            "整改情况",
        ],
    ),
    (
        Column::Accountability,
        &[
            "责任人被处理情况",
            "问责情况",
            "责任追究情况",
            "责任人处理情况",
        ],
    ),
    (
        Column::State,
        &["办理状态", "办结情况", "办结状态", "是否办结"],
    ),
    (
        Column::Channel,
        &["来源", "渠道", "来电/来信", "来电来信", "举报方式"],
    ),
    (Column::Industry, &["行业", "行业类别"]),
    (Column::KeyCase, &["重点件", "是否重点", "是否重点件"]),
    (
        Column::Contact,
        &[
            "联系方式",
            "举报人",
            "联系电话",
            "举报人姓名",
            "举报人电话",
            "举报人联系方式",
        ],
    ),
    (Column::Remarks, &["备注"]),
    (Column::Group, &["办理情况", "办理结果情况", "边督边改情况"]),
];

const REQUIRED: &[Column] = &[
    Column::ReceivedNo,
    Column::Description,
    Column::Region,
    Column::Types,
];

fn recognise(text: &str) -> Option<Column> {
    let key = header_key(text);
    HEADERS
        .iter()
        .find(|(_, words)| words.contains(&key.as_str()))
        .map(|(column, _)| *column)
}

/// A batch and where it came from.
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
    /// The sheets read as transfer lists, in workbook order.
    pub sheets: Vec<String>,
    pub batches: Vec<SourceBatch>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

/// What the person importing says when the file does not: the batch and its transfer date
/// (`--batch N --transferred-on DATE`). What the file writes wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListDefaults {
    pub batch: Option<u32>,
    pub transferred_on: Option<Date>,
}

/// Reads every sheet that has a transfer-list header (a 受理编号 column among at least three
/// known ones); other sheets are ignored.
pub fn read_transfer_list(sheets: &[Sheet], clock: Clock, defaults: ListDefaults) -> TransferList {
    let mut list = TransferList::default();
    let mut seqs = HashMap::new();
    for sheet in sheets {
        let Some(header) = find_header(sheet, recognise)
            .filter(|h| h.columns.iter().any(|(_, c)| *c == Column::ReceivedNo))
        else {
            continue;
        };
        list.sheets.push(sheet.name.clone());
        SheetReader {
            sheet,
            header,
            clock,
            defaults,
            list: &mut list,
            seqs: &mut seqs,
        }
        .read();
    }
    if list.sheets.is_empty() {
        list.errors.push(Finding {
            sheet: sheets.first().map(|s| s.name.clone()).unwrap_or_default(),
            row: None,
            column: None,
            field: Some("受理编号"),
            message: "没有找到交办清单的表头：前 20 行中没有一行同时含有受理编号、交办问题基本情况、行政区域、污染类型等列名".into(),
        });
    }
    let order = |f: &Finding| {
        let sheet = list.sheets.iter().position(|s| *s == f.sheet);
        (
            sheet,
            f.row,
            f.column.as_ref().map(|c| (c.len(), c.clone())),
        )
    };
    let mut errors = std::mem::take(&mut list.errors);
    let mut warnings = std::mem::take(&mut list.warnings);
    errors.sort_by_key(order);
    warnings.sort_by_key(order);
    list.errors = errors;
    list.warnings = warnings;
    list
}

/// The batch being read: from the sheet's name and title, or from the last batch row.
struct Block {
    number: Option<u32>,
    transferred_on: Option<Date>,
    /// 0-based batch row; `None` for the complaints under the header before any batch row.
    batch_row: Option<usize>,
    complaints: Vec<NewComplaint>,
    /// 0-based row of each complaint and whether its 序号 was written as a number.
    rows: Vec<(usize, bool)>,
}

struct SheetReader<'a> {
    sheet: &'a Sheet,
    header: Header<Column>,
    clock: Clock,
    defaults: ListDefaults,
    list: &'a mut TransferList,
    /// (batch, 序号) → 1-based row where it first appeared, over the whole file.
    seqs: &'a mut HashMap<(u32, u32), (String, usize)>,
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
        self.header
            .columns
            .iter()
            .find(|(_, c)| *c == column)
            .map(|(i, _)| *i)
    }

    /// Every cell of a field written in several columns (举报人 | 联系电话), joined.
    fn joined(&self, row: usize, column: Column) -> String {
        let texts: Vec<String> = self
            .header
            .columns
            .iter()
            .filter(|(_, c)| *c == column)
            .map(|(i, _)| self.sheet.cell(row, *i).text())
            .filter(|t| !t.is_empty())
            .collect();
        texts.join(" ")
    }

    fn text(&self, row: usize, column: Column) -> String {
        self.index(column)
            .map(|i| self.sheet.cell(row, i).text())
            .unwrap_or_default()
    }

    fn read(mut self) {
        for column in REQUIRED {
            if self.index(*column).is_none() {
                self.error(
                    Some(self.header.last_row),
                    None,
                    format!("表头缺少“{}”列", label(*column)),
                );
            }
        }
        let title = self.title_texts();
        if self.list.source.is_none() {
            self.list.source = title.iter().find_map(|(_, t)| team(t));
        }
        let mut block = Block {
            number: number_between(&ascii_digits(&self.sheet.name), "第", "批")
                .or_else(|| title.iter().find_map(|(_, t)| batch_number(t))),
            transferred_on: self.title_date(&title),
            batch_row: None,
            complaints: Vec::new(),
            rows: Vec::new(),
        };
        let sheet_date = block.transferred_on;
        let mut seen_merges = Vec::new();
        for row in self.header.data_start..self.sheet.height() {
            let Some(first) = first_text(self.sheet, row) else {
                continue;
            };
            let seq_col = self.index(Column::Seq).unwrap_or(0);
            let numbered = parse_number(self.sheet.cell(row, seq_col)).is_some();
            let batch_row = (!numbered && is_single_text_row(self.sheet, row))
                .then(|| batch_number(&first).filter(|_| first.starts_with('第')))
                .flatten();
            if let Some(number) = batch_row {
                let next = Block {
                    number: Some(number),
                    transferred_on: first_date(&first).or(sheet_date),
                    batch_row: Some(row),
                    complaints: Vec::new(),
                    rows: Vec::new(),
                };
                let done = std::mem::replace(&mut block, next);
                self.finish(done);
                continue;
            }
            let number_blank = self.text(row, Column::ReceivedNo).is_empty()
                || self.text(row, Column::ReceivedNo) == first;
            if !numbered && is_footnote(&first) && number_blank {
                continue;
            }
            // The header repeated further down (a block of its own per batch).
            if !numbered && recognised_fields(self.sheet, row, recognise) >= 3 {
                continue;
            }
            if let Some(complaint) = self.complaint(row, block.complaints.len(), &mut seen_merges) {
                block.complaints.push(complaint);
                block.rows.push((row, numbered));
            }
        }
        self.finish(block);
    }

    /// The distinct texts of each row above the header, with their 0-based row.
    fn title_texts(&self) -> Vec<(usize, String)> {
        let mut texts: Vec<(usize, String)> = Vec::new();
        for row in 0..self.header.first_row {
            for cell in self.sheet.row(row) {
                let text = cell.text();
                if !text.is_empty() && !texts.iter().any(|(r, t)| *r == row && *t == text) {
                    texts.push((row, text));
                }
            }
        }
        texts
    }

    /// From a `交办时间：…` line, or a date written before 交办 in a title or batch row above
    /// the header. A `填报时间` is the office's own date, not the transfer's.
    fn title_date(&mut self, title: &[(usize, String)]) -> Option<Date> {
        for (row, text) in title {
            let folded = ascii_digits(text);
            let Some(at) = folded.find("交办时间").or_else(|| folded.find("交办日期"))
            else {
                continue;
            };
            let date = dates(&folded[at..]).first().map(|(_, _, d)| *d);
            if date.is_none() {
                self.error(
                    Some(*row),
                    None,
                    format!(
                        "交办时间“{text}”不是有效日期（例：交办时间：2018年6月5日）",
                        text = rectify_exact::text::quoted(text)
                    ),
                );
            }
            return date;
        }
        title
            .iter()
            .find_map(|(_, text)| date_before_transfer(text))
    }

    /// Closes a batch: its number and date from the file or the importer's defaults, each
    /// 序号 unique within the batch.
    fn finish(&mut self, block: Block) {
        if block.complaints.is_empty() && block.batch_row.is_none() {
            return;
        }
        let at = Some(block.batch_row.unwrap_or(self.header.last_row));
        let number = block.number.or(self.defaults.batch);
        let transferred_on = block.transferred_on.or(self.defaults.transferred_on);
        if number.is_none() {
            self.error(
                at,
                None,
                "无法确定批次：请在工作表名（如“第3批”）、表头上方的标题，或数据前的批次行（如“第3批（2018年6月5日交办）”）中写明“第N批”，或导入时指定批次".into(),
            );
        }
        if transferred_on.is_none() {
            let message = match block.batch_row {
                Some(_) => {
                    "批次行没有交办日期：请写成“第N批（2018年6月5日交办）”，或在表头上方写“交办时间：2018年6月5日”，或导入时指定交办日期"
                }
                None => {
                    "缺少交办日期：请在表头上方写“交办时间：2018年6月5日”，或在批次行写明（如“第3批（2018年6月5日交办）”），或导入时指定交办日期"
                }
            };
            self.error(at, None, message.into());
        }
        let (Some(number), Some(transferred_on)) = (number, transferred_on) else {
            return;
        };
        for ((row, written), complaint) in block.rows.iter().zip(&block.complaints) {
            if !written {
                continue;
            }
            let key = (number, complaint.seq);
            match self.seqs.get(&key) {
                Some((sheet, first)) => {
                    let place = if *sheet == self.sheet.name {
                        format!("第{first}行")
                    } else {
                        format!("工作表“{sheet}”第{first}行")
                    };
                    let message = format!(
                        "第{number}批的序号 {} 与{place}重复（同一批次内序号不能重复）",
                        complaint.seq
                    );
                    self.error(Some(*row), Some(Column::Seq), message);
                }
                None => {
                    self.seqs.insert(key, (self.sheet.name.clone(), row + 1));
                }
            }
        }
        self.list.batches.push(SourceBatch {
            sheet: self.sheet.name.clone(),
            batch: NewBatch {
                number,
                transferred_on,
                clock: self.clock,
                complaints: block.complaints,
            },
            rows: block.rows.iter().map(|(r, _)| r + 1).collect(),
        });
    }

    fn complaint(
        &mut self,
        row: usize,
        before: usize,
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
        let extras = self.extras(row);
        let key_case = matches!(
            self.text(row, Column::KeyCase).as_str(),
            "是" | "★" | "重点" | "重点件"
        ) || extras
            .iter()
            .any(|e| e.label == "备注" && e.text.contains("重点件"));
        Some(NewComplaint {
            seq: self.seq(row, before),
            received_no,
            channel,
            region,
            types,
            types_raw,
            industry: self.text(row, Column::Industry),
            description,
            contact: self.joined(row, Column::Contact),
            key_case,
            feedback: self.feedback(row),
            extras,
        })
    }

    /// 备注 and the columns the reader does not know, under their headers.
    fn extras(&self, row: usize) -> Vec<Extra> {
        let remarks = self
            .index(Column::Remarks)
            .map(|col| (col, "备注".to_string()));
        let unknown = self.header.unknown.iter().cloned();
        let mut columns: Vec<(usize, String)> = remarks.into_iter().chain(unknown).collect();
        columns.sort_by_key(|(col, _)| *col);
        columns
            .into_iter()
            .filter_map(|(col, label)| {
                let text = self.sheet.cell(row, col).text();
                (!text.is_empty()).then(|| Extra {
                    label: header_key(&label),
                    text,
                })
            })
            .collect()
    }

    /// The written 序号; when it is not a number, the complaint's place in its batch.
    fn seq(&mut self, row: usize, before: usize) -> u32 {
        let cell = self
            .index(Column::Seq)
            .map(|col| self.sheet.cell(row, col).clone());
        let text = self.text(row, Column::Seq);
        cell.as_ref().and_then(parse_number).unwrap_or_else(|| {
            let fallback = u32::try_from(before + 1).unwrap_or(u32::MAX);
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
            return Some(rectify_core::org::names::region(&region));
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
        let mut regions: Vec<String> = (self.header.data_start..self.sheet.height())
            .map(|r| self.text(r, Column::Region))
            .filter(|r| !r.is_empty())
            .map(|r| rectify_core::org::names::region(&r))
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
        while top > self.header.data_start && self.sheet.is_copy(top, col) {
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

/// The first number written as `before`N`after` ("第一生态…（第4批）" → 4); digits or 一 … 九十九.
fn number_between(text: &str, before: &str, after: &str) -> Option<u32> {
    text.match_indices(before).find_map(|(at, _)| {
        let start = at + before.len();
        let end = start + text[start..].find(after)?;
        let number = text[start..end].trim();
        number.parse().ok().or_else(|| chinese_small_number(number))
    })
}

/// The batch a title or batch row names (`第2批（2018年6月12日交办）`, `第二批`).
fn batch_number(text: &str) -> Option<u32> {
    number_between(&ascii_digits(text), "第", "批").filter(|n| *n > 0)
}

/// The team before 交办 in a title ("中央第一生态环境保护督察组交办…").
fn team(text: &str) -> Option<String> {
    let end = text.find("交办")?;
    let team = text[..end].trim();
    let named = !team.is_empty()
        && !team.starts_with('第')
        && (team.contains("督察") || team.ends_with('组'))
        && !team.chars().any(|c| c.is_ascii_digit());
    named.then(|| team.to_string())
}

/// The first date in a text (a batch row's).
fn first_date(text: &str) -> Option<Date> {
    dates(&ascii_digits(text)).first().map(|(_, _, d)| *d)
}

/// A date written just before 交办 ("（2018年6月12日交办）").
fn date_before_transfer(text: &str) -> Option<Date> {
    let folded = ascii_digits(text);
    dates(&folded)
        .into_iter()
        .find(|(_, end, _)| folded[*end..].trim_start().starts_with("交办"))
        .map(|(_, _, d)| d)
}

/// Every date in a text with ASCII digits: "2018年6月5日", "2018-06-05", "2018.6.5",
/// "2018/6/5", as (byte start, byte end, date).
fn dates(text: &str) -> Vec<(usize, usize, Date)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() || (at > 0 && bytes[at - 1].is_ascii_digit()) {
            at += 1;
            continue;
        }
        match date_at(text, at) {
            Some((end, date)) => {
                found.push((at, end, date));
                at = end;
            }
            None => at += 1,
        }
    }
    found
}

/// A date starting at byte `at`: year, month and day, separated by 年/月 or - . /, 日 or 号
/// after a day written with 月.
fn date_at(text: &str, at: usize) -> Option<(usize, Date)> {
    let mut rest = &text[at..];
    let mut parts = [0_u32; 3];
    let mut chinese = false;
    for (index, part) in parts.iter_mut().enumerate() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let wanted = if index == 0 { 4..=4 } else { 1..=2 };
        if !wanted.contains(&digits) {
            return None;
        }
        *part = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        if index == 2 {
            break;
        }
        let separator = rest.chars().next()?;
        let expected = match (index, separator) {
            (0, '年') => {
                chinese = true;
                true
            }
            (1, '月') => chinese,
            (_, '-' | '.' | '/' | '．') => !chinese,
            _ => false,
        };
        if !expected {
            return None;
        }
        rest = rest[separator.len_utf8()..].trim_start();
    }
    if chinese {
        rest = rest
            .strip_prefix('日')
            .or_else(|| rest.strip_prefix('号'))
            .unwrap_or(rest);
    }
    let date = Date::new(
        i32::try_from(parts[0]).ok()?,
        u8::try_from(parts[1]).ok()?,
        u8::try_from(parts[2]).ok()?,
    )?;
    Some((text.len() - rest.len(), date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_batch_numbers() {
        assert_eq!(first_date("2018年6月5日"), Date::new(2018, 6, 5));
        assert_eq!(first_date("交办时间：2018-06-05"), Date::new(2018, 6, 5));
        assert_eq!(first_date("２０１８年６月５日"), Date::new(2018, 6, 5));
        assert_eq!(first_date("2018 年 6 月 5 日"), Date::new(2018, 6, 5));
        assert_eq!(first_date("2018.6.5"), Date::new(2018, 6, 5));
        assert_eq!(first_date("2018年13月5日"), None);
        assert_eq!(first_date("2018-6月5日"), None);
        assert_eq!(
            date_before_transfer("第2批（2018年6月12日交办）"),
            Date::new(2018, 6, 12)
        );
        assert_eq!(
            date_before_transfer("填报单位：河安市整改办  填报时间：2018年6月20日"),
            None
        );
        assert_eq!(batch_number("…举报件（第12批）"), Some(12));
        assert_eq!(batch_number("第二批（2018年6月12日交办）"), Some(2));
        assert_eq!(batch_number("汇总"), None);
        assert_eq!(
            batch_number("中央第一生态环境保护督察组交办（第4批）"),
            Some(4)
        );
        assert_eq!(
            team("中央第一生态环境保护督察组交办群众信访举报件（第1批）").as_deref(),
            Some("中央第一生态环境保护督察组")
        );
        assert_eq!(team("第2批（2018年6月12日交办）"), None);
    }

    #[test]
    fn a_contact_written_in_two_columns_is_kept_whole() {
        use crate::plan::Cell;
        let text = |t: &str| Cell::Text(t.into());
        let rows = vec![
            vec![text("交办时间：2018年6月5日")],
            [
                "序号",
                "受理编号",
                "反映问题",
                "区县",
                "污染类型",
                "举报人",
                "联系电话",
            ]
            .map(text)
            .to_vec(),
            [
                "1",
                "D1HA201806030101",
                "烧烤油烟",
                "城关区",
                "大气",
                "王某",
                "13700001234",
            ]
            .map(text)
            .to_vec(),
        ];
        let sheet = Sheet::new("第1批".into(), rows, &[]);
        let list = read_transfer_list(&[sheet], Clock::default(), ListDefaults::default());
        assert!(list.errors.is_empty(), "{:?}", list.errors);
        let complaint = &list.batches[0].batch.complaints[0];
        assert_eq!(complaint.contact, "王某 13700001234");
        assert!(complaint.extras.is_empty());
    }

    #[test]
    fn each_batch_under_its_own_header_copy() {
        use crate::plan::Cell;
        let text = |t: &str| Cell::Text(t.into());
        let header = [
            "序号",
            "受理编号",
            "交办问题基本情况",
            "行政区域",
            "污染类型",
        ];
        let row = |seq: &str, no: &str| {
            [seq, no, "夜间噪声扰民", "城关区", "噪声"]
                .map(text)
                .to_vec()
        };
        let rows = vec![
            vec![text("第一批（2018年6月5日交办）")],
            header.map(text).to_vec(),
            row("1", "D1HA201806030101"),
            vec![text("第二批（2018年6月6日交办）")],
            header.map(text).to_vec(),
            row("1", "D1HA201806040101"),
            row("2", "D1HA201806040102"),
            vec![Cell::Empty, Cell::Empty, text("北岭县某厂夜间偷排")],
            vec![text("合计：3件")],
        ];
        let sheet = Sheet::new("汇总".into(), rows, &[]);
        let list = read_transfer_list(&[sheet], Clock::default(), ListDefaults::default());
        let batches: Vec<(u32, String, Vec<usize>)> = list
            .batches
            .iter()
            .map(|b| {
                (
                    b.batch.number,
                    b.batch.transferred_on.to_string(),
                    b.rows.clone(),
                )
            })
            .collect();
        assert_eq!(
            batches,
            [
                (1, "2018-06-05".to_string(), vec![3]),
                (2, "2018-06-06".to_string(), vec![6, 7]),
            ]
        );
        let errors: Vec<_> = list.errors.iter().map(|f| (f.row, f.field)).collect();
        assert_eq!(
            errors,
            [(Some(8), Some("受理编号"))],
            "a row that is no complaint and no footnote or total is named, never skipped silently"
        );
    }

    #[test]
    fn headers_through_synonyms_breaks_and_notes() {
        assert_eq!(recognise("受理\n编号"), Some(Column::ReceivedNo));
        assert_eq!(
            recognise("责任人被处理情况（问责情况）"),
            Some(Column::Accountability)
        );
        assert_eq!(recognise("反映的主要问题"), Some(Column::Description));
        assert_eq!(recognise("办理情况"), Some(Column::Group));
        assert_eq!(recognise("经费"), None);
    }
}
