//! Coal figures as a workbook: a sheet of monthly consumption (县（区）, 年度, 月份, 煤炭消费量) and a
//! sheet of yearly targets and clean heating (县（区）, 年度, 年度控制目标, 清洁取暖目标, 气代煤, 电代煤).
//! Every bad cell is named; a file with any is taken whole or not at all.

use crate::plan::export::Formats;
use crate::plan::{Cell, Finding, Sheet, column_letter};
use rectify_core::coal::CoalYear;
use rectify_core::coal::{CoalFigures, MonthFigure, YearTargets};
use rectify_exact::exact::parse_decimal;
use rust_xlsxwriter::{Workbook, XlsxError};

const MONTHS: [&str; 4] = ["县（区）", "年度", "月份", "煤炭消费量（万吨）"];
const TARGETS: [&str; 6] = [
    "县（区）",
    "年度",
    "年度控制目标（万吨）",
    "清洁取暖目标（户）",
    "气代煤（户）",
    "电代煤（户）",
];

/// The figures of the years given, as the two sheets.
pub fn coal_xlsx(years: &[CoalYear]) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let months = workbook.add_worksheet();
    months.set_name("月度消费")?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for y in years {
        for (month, tons) in &y.months {
            rows.push(vec![
                y.county.clone(),
                y.year.to_string(),
                month.to_string(),
                tons.to_fixed(4),
            ]);
        }
    }
    write(months, &MONTHS, &rows, &formats)?;
    let targets = workbook.add_worksheet();
    targets.set_name("年度目标")?;
    let rows: Vec<Vec<String>> = years
        .iter()
        .map(|y| {
            vec![
                y.county.clone(),
                y.year.to_string(),
                y.cap.map(|c| c.to_fixed(4)).unwrap_or_default(),
                y.heating_target.to_string(),
                y.heating_gas.to_string(),
                y.heating_electric.to_string(),
            ]
        })
        .collect();
    write(targets, &TARGETS, &rows, &formats)?;
    workbook.save_to_buffer()
}

fn write(
    sheet: &mut rust_xlsxwriter::Worksheet,
    headers: &[&str],
    rows: &[Vec<String>],
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (c, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *header, &formats.header)?;
        sheet.set_column_width(c as u16, 16)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string_with_format(r as u32 + 1, c as u16, text, &formats.body)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Reads the two sheets (found by their headers; either may be missing), naming every bad cell.
pub fn read_coal(sheets: &[Sheet]) -> Result<CoalFigures, Vec<Finding>> {
    let mut figures = CoalFigures::default();
    let mut errors = Vec::new();
    for sheet in sheets {
        let Some(header) = header_row(sheet) else {
            continue;
        };
        let has = |h: &str| sheet.row(header).iter().any(|c| c.text() == h);
        let kind = if has(MONTHS[3]) {
            &MONTHS[..]
        } else {
            &TARGETS[..]
        };
        let at: Vec<Option<usize>> = kind
            .iter()
            .map(|h| sheet.row(header).iter().position(|c| c.text() == *h))
            .collect();
        for r in header + 1..sheet.height() {
            if sheet.row(r).iter().all(Cell::is_blank) {
                continue;
            }
            // A number cell may be empty on the targets sheet: that part stays as stored.
            let optional = kind.len() == TARGETS.len();
            let mut cell = |i: usize, number: bool| -> Option<String> {
                let c = at[i]?;
                let text = sheet.cell(r, c).text();
                let fine = match (number, text.is_empty()) {
                    (_, true) => optional && i >= 2,
                    (true, false) => parse_decimal(&text).ok().flatten().is_some(),
                    (false, false) => true,
                };
                if !fine {
                    errors.push(Finding {
                        sheet: sheet.name.clone(),
                        row: Some(r + 1),
                        column: Some(column_letter(c)),
                        field: Some(kind[i]),
                        message: format!(
                            "“{text}”{}",
                            if number {
                                "应为非负数"
                            } else {
                                "不能为空"
                            },
                            text = rectify_exact::text::quoted(&text)
                        ),
                    });
                }
                fine.then_some(text)
            };
            let county = cell(0, false);
            let year = cell(1, true).and_then(|y| y.parse::<i32>().ok());
            if optional {
                let count = |t: Option<String>| t.and_then(|t| t.parse::<u32>().ok());
                let cap = cell(2, true).filter(|c| !c.is_empty());
                let heating_target = count(cell(3, true));
                let heating_gas = count(cell(4, true));
                let heating_electric = count(cell(5, true));
                if let (Some(county), Some(year)) = (county, year) {
                    figures.targets.push(YearTargets {
                        county,
                        year,
                        cap,
                        heating_target,
                        heating_gas,
                        heating_electric,
                    });
                }
            } else {
                let month = cell(2, true).and_then(|m| m.parse::<u8>().ok());
                let tons = cell(3, true);
                if let (Some(county), Some(year), Some(month), Some(tons)) =
                    (county, year, month, tons)
                {
                    figures.months.push(MonthFigure {
                        county,
                        year,
                        month,
                        tons,
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(figures)
    } else {
        Err(errors)
    }
}

fn header_row(sheet: &Sheet) -> Option<usize> {
    (0..sheet.height().min(10)).find(|&r| {
        let texts: Vec<String> = sheet.row(r).iter().map(Cell::text).collect();
        texts.iter().any(|t| t == "县（区）") && texts.iter().any(|t| t == "年度")
    })
}
