//! The bulletin's xlsx annex: the full ledger status, the rankings and the lagging items, one
//! sheet each, with the period in every title.

use super::{
    Document, Table, coal_table, complaint_unit_table, inspection_table, item_table,
    late_complaint_table, ranking_table, register_table, shared_table,
};
use rectify_core::bulletin::BulletinFacts;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

pub fn bulletin_xlsx(facts: &BulletinFacts, doc: &Document) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let stated = super::chinese_date(&facts.as_of);
    let title = |what: &str| format!("{}（{}，截至{stated}）{what}", doc.title, doc.issue);
    let with_complaints = facts.complaints.is_some();
    let mut sheets: Vec<(&str, String, Table)> = vec![
        ("台账状态", title("台账状态"), item_table(&facts.ledger)),
        (
            "单位排名",
            title("责任单位排名"),
            ranking_table(&facts.units, with_complaints),
        ),
        (
            "县区排名",
            title("县（市、区）排名"),
            ranking_table(&facts.counties, with_complaints),
        ),
        (
            "滞后问题",
            title("滞后和严重滞后问题"),
            item_table(&facts.lagging),
        ),
    ];
    if !facts.shared.is_empty() {
        sheets.push((
            "分县区完成情况",
            title("共性问题分县（市、区）完成情况"),
            shared_table(&facts.shared),
        ));
    }
    if let Some(c) = &facts.complaints {
        sheets.push((
            "信访件反馈",
            title("信访件按单位反馈情况"),
            complaint_unit_table(&c.units),
        ));
        sheets.push((
            "信访件迟报逾期",
            title("迟报和逾期未反馈信访件"),
            late_complaint_table(&c.late),
        ));
    }
    if !facts.registers.is_empty() {
        sheets.push((
            "名录月报",
            title("专项名录月报"),
            register_table(&facts.registers, facts.partial),
        ));
    }
    if !facts.inspections.is_empty() {
        sheets.push((
            "专项督察",
            title("专项督察情况"),
            inspection_table(&facts.inspections),
        ));
    }
    if !facts.coal.is_empty() {
        sheets.push((
            "煤炭消费",
            title("煤炭消费与清洁取暖"),
            coal_table(&facts.coal),
        ));
    }
    for (name, heading, table) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_table(sheet, &heading, &table)?;
    }
    workbook.save_to_buffer()
}

pub(crate) fn write_table(
    sheet: &mut Worksheet,
    heading: &str,
    table: &Table,
) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    sheet.write_string_with_format(0, 0, heading, &title)?;
    for (c, h) in table.headers.iter().enumerate() {
        let col = c as u16;
        sheet.write_string_with_format(1, col, *h, &header)?;
        let wide = matches!(*h, "问题" | "原因" | "要求" | "单位" | "牵头单位" | "方案");
        sheet.set_column_width(col, if wide { 30 } else { 10 })?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string_with_format(r as u32 + 2, c as u16, value, &cell)?;
        }
    }
    sheet.set_freeze_panes(2, 0)?;
    Ok(())
}
