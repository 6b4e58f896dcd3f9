//! The bulletin as a docx in the layout of an official document (GB/T 9704 公文): A4 with the
//! standard margins, the title in 小标宋 二号, the body in 仿宋_GB2312 三号 on a fixed 28.95 pt
//! line, level-1 headings in 黑体 and level-2 in 楷体, tables in 五号, page numbers "— N —" at
//! the foot, the issuer and date at the end. Where a font is not installed, the reader
//! substitutes its own CJK font (LibreOffice through fontconfig, Word through its font fallback).

use super::{Block, Document, Table};
use docx_rs::{
    AlignmentType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum, Paragraph, Pic,
    Run, RunFonts, SpecialIndentType, TableCell, TableLayoutType, TableRow, WidthType,
};

const TITLE_FONT: &str = "方正小标宋简体";
const BODY_FONT: &str = "仿宋_GB2312";
const HEADING_FONT: &str = "黑体";
const SUBHEADING_FONT: &str = "楷体_GB2312";
/// Half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt.
const ERHAO: usize = 44;
const SANHAO: usize = 32;
const SIHAO: usize = 28;
const WUHAO: usize = 21;
/// 小五 9 pt, for tables of many columns.
const XIAOWU: usize = 18;
/// Twips per millimetre (1440 per inch).
const MM: f64 = 1440.0 / 25.4;

fn mm(value: f64) -> i32 {
    (value * MM).round() as i32
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new().add_text(text).size(size).fonts(
        RunFonts::new()
            .east_asia(font)
            .ascii("Times New Roman")
            .hi_ansi("Times New Roman"),
    )
}

/// The body's fixed line pitch: 22 lines of 28 characters on the type area, as 公文 sets it.
fn body_spacing() -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(579)
}

fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, BODY_FONT, SANHAO))
        .line_spacing(body_spacing())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
}

fn heading(text: &str, level: u8) -> Paragraph {
    let font = if level == 1 {
        HEADING_FONT
    } else {
        SUBHEADING_FONT
    };
    Paragraph::new()
        .add_run(run(text, font, SANHAO))
        .line_spacing(body_spacing())
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
}

/// The type area's width in twips (A4 less the 28 mm and 26 mm side margins).
const TYPE_AREA: usize = 8844;

/// The tables' cell margin left and right (1 mm; Word's default 1.9 mm leaves a ranking of 18
/// columns no room for two digits), in twips.
const CELL_MARGIN: usize = 57;
/// Both margins with a little slack for the borders.
const CELL_MARGINS: usize = 2 * CELL_MARGIN + 16;

/// Column widths in twips for a table at `size` half-points: each column needs its widest cell
/// on one line (a CJK character is `size` × 10 twips wide, others half that; a header counts
/// one character, as headers may wrap: a ranking of 18 columns has no room for more). Short columns (counts, rates, dates) keep that
/// width; columns of running text share what is left in proportion to their length, capped,
/// since they wrap anyway.
fn column_widths(t: &Table, size: usize) -> Vec<usize> {
    let half_width = size * 5;
    let units =
        |text: &str| -> usize { text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum() };
    let needs: Vec<usize> = (0..t.headers.len())
        .map(|i| {
            let widest = t
                .rows
                .iter()
                .filter_map(|row| row.get(i))
                .map(|cell| units(cell))
                .max()
                .unwrap_or(0);
            widest.max(units(t.headers[i]).min(2)).clamp(2, 40) * half_width + CELL_MARGINS
        })
        .collect();
    let short = 12 * half_width + CELL_MARGINS;
    let fixed: usize = needs.iter().filter(|n| **n <= short).sum();
    let flexible: usize = needs.iter().filter(|n| **n > short).sum();
    if flexible == 0 || fixed + flexible <= TYPE_AREA || fixed >= TYPE_AREA {
        let total = (fixed + flexible).max(1);
        return needs.iter().map(|n| TYPE_AREA * n / total).collect();
    }
    let room = TYPE_AREA - fixed;
    needs
        .iter()
        .map(|n| if *n <= short { *n } else { room * n / flexible })
        .collect()
}

fn table(t: &Table) -> docx_rs::Table {
    let size = if t.headers.len() > 6 { XIAOWU } else { WUHAO };
    let widths = column_widths(t, size);
    let row = |cells: Vec<(&str, bool)>| {
        TableRow::new(
            cells
                .into_iter()
                .zip(&widths)
                .map(|((text, bold), width)| {
                    let mut r = run(text, BODY_FONT, size);
                    if bold {
                        r = r.bold();
                    }
                    TableCell::new()
                        .width(*width, WidthType::Dxa)
                        .add_paragraph(Paragraph::new().add_run(r))
                })
                .collect(),
        )
    };
    let mut rows = vec![row(t.headers.iter().map(|h| (*h, true)).collect())];
    rows.extend(
        t.rows
            .iter()
            .map(|r| row(r.iter().map(|c| (c.as_str(), false)).collect())),
    );
    docx_rs::Table::new(rows)
        .set_grid(widths.clone())
        .margins(docx_rs::TableCellMargins::new().margin(0, CELL_MARGIN, 0, CELL_MARGIN))
        .layout(TableLayoutType::Fixed)
        .width(TYPE_AREA, WidthType::Dxa)
}

/// The chart across the type area, or a note where it would be.
fn picture(chart: &super::Chart) -> Paragraph {
    match &chart.png {
        Some((png, width, height)) => {
            // EMU: 36,000 per millimetre; the type area is 156 mm wide.
            let emu_width = 156 * 36_000;
            let emu_height = emu_width * *height / (*width).max(1);
            let pic =
                Pic::new_with_dimensions(png.clone(), *width, *height).size(emu_width, emu_height);
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(Run::new().add_image(pic))
        }
        None => body("（本机未安装中文字体，图略；见 html 版。）"),
    }
}

pub fn bulletin_docx(doc: &Document) -> Result<Vec<u8>, String> {
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run("— ", BODY_FONT, SIHAO))
            .add_page_num(PageNum::new())
            .add_run(run(" —", BODY_FONT, SIHAO)),
    );
    let mut docx = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin {
            top: mm(37.0),
            bottom: mm(35.0),
            left: mm(28.0),
            right: mm(26.0),
            header: mm(15.0),
            footer: mm(28.0),
            gutter: 0,
        })
        .footer(footer)
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run(&doc.title, TITLE_FONT, ERHAO)),
        )
        .add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(body_spacing())
                .add_run(run(&doc.issue, BODY_FONT, SANHAO)),
        );
    for section in &doc.sections {
        docx = docx.add_paragraph(heading(&section.heading, section.level));
        for block in &section.blocks {
            docx = match block {
                Block::Paragraph(text) => docx.add_paragraph(body(text)),
                Block::Table(t) => docx.add_table(table(t)),
                Block::Chart(chart) => docx.add_paragraph(picture(chart)),
            };
        }
    }
    for line in [&doc.issuer, &doc.date] {
        docx = docx.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Right)
                .line_spacing(body_spacing())
                .add_run(run(line, BODY_FONT, SANHAO)),
        );
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| format!("docx 生成失败：{e}"))?;
    deflated(&out.into_inner()).map_err(|e| format!("docx 压缩失败：{e}"))
}

/// docx-rs stores its parts uncompressed; a 5,000-item annex would be 25 MB that way.
fn deflated(stored: &[u8]) -> zip::result::ZipResult<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(stored))?;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i)?;
        let name = part.name()?.into_owned();
        writer.start_file(name, options)?;
        std::io::copy(&mut part, &mut writer)?;
    }
    Ok(writer.finish()?.into_inner())
}
