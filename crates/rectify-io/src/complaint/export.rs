//! The public 一览表 (redacted rows) and the type-statistics table with its merged header
//! (workflow.md §1.5 example D).

use crate::plan::Formats;
use rectify_core::complaint::ComplaintRecord;
use rectify_core::complaint::PollutionType;
use rectify_core::complaint::redact::{Policy, Redactor, Review};
use rust_xlsxwriter::{Workbook, XlsxError};
use serde::Serialize;
use std::collections::BTreeMap;

pub const PUBLIC_TITLE: &str = "中央生态环境保护督察群众信访举报转办和边督边改公开情况一览表";
const PUBLIC_HEADER: [&str; 9] = [
    "序号",
    "受理编号",
    "交办问题基本情况",
    "行政区域",
    "污染类型",
    "调查核实情况",
    "是否属实",
    "处理和整改情况",
    "责任人被处理情况",
];

/// One row of the public 一览表, already redacted. Only these fields are ever published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PublicRow {
    pub batch: u32,
    pub seq: u32,
    pub received_no: String,
    pub description: String,
    pub region: String,
    pub types: String,
    pub investigation: String,
    pub verdict: String,
    pub result: String,
    pub accountability: String,
    pub state: String,
}

/// The public rows of the complaints reported back under the office's `policy`, and the review
/// before publishing: every replacement and every remaining candidate name, by 受理编号.
pub fn public_rows(complaints: &[ComplaintRecord], policy: &Policy) -> (Vec<PublicRow>, Review) {
    let mut rows = Vec::new();
    let mut review = Review::default();
    for c in complaints.iter().filter(|c| c.answered()) {
        let private = policy.hiding(
            c.complaint
                .contact
                .split([',', '，', ';', '；', ' '])
                .map(str::to_string),
        );
        let f = &c.complaint.feedback;
        let redactor = Redactor::for_record(
            [
                c.complaint.description.as_str(),
                &f.investigation,
                &f.result,
                &f.accountability,
            ],
            &private,
        );
        let mut clean = |text: &str| redactor.review(text, &c.complaint.received_no, &mut review);
        rows.push(PublicRow {
            batch: c.batch,
            seq: c.complaint.seq,
            received_no: c.complaint.received_no.clone(),
            description: clean(&c.complaint.description),
            region: c.complaint.region.clone().unwrap_or_default(),
            types: c
                .complaint
                .types
                .iter()
                .map(|t| t.label_zh())
                .collect::<Vec<_>>()
                .join("、"),
            investigation: clean(&f.investigation),
            verdict: f
                .verdict
                .map(|v| v.label_zh().to_string())
                .unwrap_or_default(),
            result: clean(&f.result),
            accountability: clean(&f.accountability),
            state: f
                .handling
                .map(|h| h.label_zh().to_string())
                .unwrap_or_default(),
        });
    }
    (rows, review)
}

/// The 一览表 workbook, one sheet per batch, in the published layout.
pub fn public_xlsx(rows: &[PublicRow]) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut batches: BTreeMap<u32, Vec<&PublicRow>> = BTreeMap::new();
    for row in rows {
        batches.entry(row.batch).or_default().push(row);
    }
    for (batch, rows) in batches {
        let sheet = workbook.add_worksheet();
        sheet.set_name(format!("第{batch}批"))?;
        let last = (PUBLIC_HEADER.len() - 1) as u16;
        sheet.merge_range(
            0,
            0,
            0,
            last,
            &format!("{PUBLIC_TITLE}（第{batch}批）"),
            &formats.title,
        )?;
        sheet.set_row_height(0, 36)?;
        for (col, (title, width)) in PUBLIC_HEADER
            .iter()
            .zip([6, 18, 48, 10, 10, 40, 9, 40, 24])
            .enumerate()
        {
            sheet.write_with_format(1, col as u16, *title, &formats.header)?;
            sheet.set_column_width(col as u16, width)?;
        }
        for (index, row) in rows.iter().enumerate() {
            let r = index as u32 + 2;
            sheet.write_with_format(r, 0, row.seq, &formats.centred)?;
            let texts = [
                &row.received_no,
                &row.description,
                &row.region,
                &row.types,
                &row.investigation,
                &row.verdict,
                &row.result,
                &row.accountability,
            ];
            for (col, text) in texts.into_iter().enumerate() {
                sheet.write_with_format(r, col as u16 + 1, text.as_str(), &formats.body)?;
            }
        }
        sheet.set_freeze_panes(2, 0)?;
        sheet.set_repeat_rows(1, 1)?;
        sheet.set_landscape();
    }
    workbook.save_to_buffer()
}

/// Complaints per region and pollution type. A complaint with several types counts once in
/// 移交件数 and once under each type, so the type columns may add up to more (the published
/// tables' footnote says so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeStatistics {
    pub types: Vec<PollutionType>,
    /// (region, transferred, count per type in `types` order); the total row comes last.
    pub rows: Vec<(String, u32, Vec<u32>)>,
}

pub fn type_statistics(complaints: &[ComplaintRecord]) -> TypeStatistics {
    let types: Vec<PollutionType> = PollutionType::ALL.to_vec();
    let mut by_region: BTreeMap<String, (u32, Vec<u32>)> = BTreeMap::new();
    let mut total = (0, vec![0; types.len()]);
    for c in complaints {
        let region = c
            .complaint
            .region
            .clone()
            .unwrap_or_else(|| "（未填行政区域）".to_string());
        let entry = by_region
            .entry(region)
            .or_insert_with(|| (0, vec![0; types.len()]));
        entry.0 += 1;
        total.0 += 1;
        for t in &c.complaint.types {
            if let Some(i) = types.iter().position(|x| x == t) {
                entry.1[i] += 1;
                total.1[i] += 1;
            }
        }
    }
    let mut rows: Vec<(String, u32, Vec<u32>)> = by_region
        .into_iter()
        .map(|(r, (n, counts))| (r, n, counts))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    rows.push(("合计".to_string(), total.0, total.1));
    TypeStatistics { types, rows }
}

/// The statistics table: a two-row header with "交办情况" and "污染类型" merged over their
/// columns and the first column merged down both rows, then the footnote.
pub fn type_statistics_xlsx(title: &str, stats: &TypeStatistics) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("污染类型统计")?;
    let last = 1 + stats.types.len() as u16;
    sheet.merge_range(0, 0, 0, last, title, &formats.title)?;
    sheet.set_row_height(0, 36)?;
    sheet.merge_range(1, 0, 2, 0, "乡镇(街道)、区直部门", &formats.header)?;
    sheet.write_with_format(1, 1, "交办情况", &formats.header)?;
    sheet.merge_range(1, 2, 1, last, "污染类型", &formats.header)?;
    sheet.write_with_format(2, 1, "移交件数", &formats.header)?;
    for (i, t) in stats.types.iter().enumerate() {
        sheet.write_with_format(2, 2 + i as u16, t.label_zh(), &formats.header)?;
    }
    sheet.set_column_width(0, 22)?;
    for (index, (region, count, counts)) in stats.rows.iter().enumerate() {
        let r = 3 + index as u32;
        sheet.write_with_format(r, 0, region.as_str(), &formats.body)?;
        sheet.write_with_format(r, 1, *count, &formats.centred)?;
        for (i, n) in counts.iter().enumerate() {
            sheet.write_with_format(r, 2 + i as u16, *n, &formats.centred)?;
        }
    }
    let note_row = 3 + stats.rows.len() as u32;
    sheet.merge_range(
        note_row,
        0,
        note_row,
        last,
        "注：合计数和污染类型数量不一致原因为部分投诉举报件涉及多个污染类型。",
        &formats.body,
    )?;
    workbook.save_to_buffer()
}
