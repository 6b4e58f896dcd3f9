//! The bulletin as one self-contained, printable HTML page (styles inline, no scripts).

use super::{Block, Document, Table};
use crate::escape_html as escape;
use std::fmt::Write;

const STYLE: &str = "body{font-family:'FangSong','STFangsong','仿宋_GB2312','仿宋','Noto Serif CJK SC',serif;\
font-size:16pt;line-height:1.6;max-width:60em;margin:2em auto;color:#000}\
h1{font-family:'FZXiaoBiaoSong-B05S','方正小标宋简体','SimHei','黑体','Noto Sans CJK SC',sans-serif;\
font-size:22pt;font-weight:normal;text-align:center;margin-bottom:0.2em}\
.issue{text-align:center;margin-top:0}\
h2{font-family:'SimHei','黑体','Noto Sans CJK SC',sans-serif;font-size:16pt;font-weight:normal}\
h3{font-family:'KaiTi','楷体','Noto Serif CJK SC',serif;font-size:16pt;font-weight:normal}\
p{text-indent:2em;margin:0.3em 0}\
table{border-collapse:collapse;width:100%;font-size:10.5pt;margin:0.5em 0}\
th,td{border:1px solid #000;padding:2px 4px;vertical-align:top}\
th{background:#eee}\
.end{text-align:right;text-indent:0;margin-top:2em}\
@media print{body{margin:0;max-width:none}tr{break-inside:avoid}}";

pub fn bulletin_html(doc: &Document) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{} {}</title><style>{STYLE}</style></head><body>",
        escape(&doc.title),
        escape(&doc.issue)
    );
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"issue\">{}</p>",
        escape(&doc.title),
        escape(&doc.issue)
    );
    for section in &doc.sections {
        let tag = if section.level == 1 { "h2" } else { "h3" };
        let _ = write!(out, "<{tag}>{}</{tag}>", escape(&section.heading));
        for block in &section.blocks {
            match block {
                Block::Paragraph(text) => {
                    let _ = write!(out, "<p>{}</p>", escape(text));
                }
                Block::Table(table) => table_html(&mut out, table),
                // Built from escaped text by `chart_svg`.
                Block::Chart(chart) => {
                    let _ = write!(out, "<figure>{}</figure>", chart.svg);
                }
            }
        }
    }
    let _ = write!(
        out,
        "<p class=\"end\">{}<br>{}</p></body></html>",
        escape(&doc.issuer),
        escape(&doc.date)
    );
    out
}

fn table_html(out: &mut String, table: &Table) {
    out.push_str("<table><thead><tr>");
    for h in &table.headers {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", escape(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}
