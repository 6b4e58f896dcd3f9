//! 一事一档: an item's file as the office archives it — the item as the plan states it, its
//! timeline, its monthly reports, its evidence and objections as one docx, packed in a zip with
//! the evidence files themselves. The caller loads the records and the files; here they become
//! the document and the archive.

use crate::bulletin::{Block, Document, Section, Table, bulletin_docx};
use rectify_core::ledger::Item;
use std::io::Write;

/// What the dossier shows, already in the words and times its reader sees (actors by name,
/// Beijing time).
pub struct Dossier<'a> {
    pub plan: &'a str,
    pub item: &'a Item,
    /// The item's state and schedule colour, e.g. "整改中（黄）".
    pub standing: String,
    /// (when, who, what, detail), oldest first.
    pub timeline: Vec<[String; 4]>,
    /// (period, unit, text, status), newest period first.
    pub reports: Vec<[String; 4]>,
    pub evidence: Vec<FileEntry>,
    /// (received on, source, content, status and decision).
    pub objections: Vec<[String; 4]>,
    /// The issuing office and the day the dossier was made ("2026年12月7日").
    pub issuer: &'a str,
    pub made_on: String,
}

/// One evidence file: its line in the document, its place in the archive.
pub struct FileEntry {
    pub kind: String,
    pub title: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub sha256: String,
    /// The file's path in the archive, e.g. "佐证材料/03-整改前照片.jpg".
    pub path: String,
}

impl FileEntry {
    /// The archive path of the `n`th (1-based) file named `file_name`: numbered, so two files
    /// with one name do not collide, and stripped of anything that would leave the folder.
    pub fn path_for(n: usize, file_name: &str) -> String {
        let safe: String = file_name
            .chars()
            .map(|c| match c {
                '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
                c if c.is_control() => '_',
                c => c,
            })
            .collect();
        let safe = safe.trim_start_matches('.');
        format!("佐证材料/{n:02}-{safe}")
    }
}

/// The dossier as a document (rendered with the bulletin's docx writer).
pub fn document(dossier: &Dossier<'_>) -> Document {
    let item = dossier.item;
    let measures = item
        .measures
        .iter()
        .enumerate()
        .map(|(i, m)| format!("{}. {}", i + 1, m.text))
        .collect::<Vec<_>>()
        .join("\n");
    let basics = Table {
        headers: vec!["项目", "内容"],
        rows: [
            ("整改方案", dossier.plan.to_string()),
            ("问题类别", item.category.clone()),
            ("反馈问题", item.problem.clone()),
            ("整改目标", item.target.clone()),
            ("整改措施", measures),
            ("责任领导", item.leaders.join("、")),
            ("监管人", item.supervisors.join("、")),
            ("牵头单位", item.lead_unit.clone()),
            ("责任单位", item.units.join("、")),
            ("整改时限", item.deadline.text.clone()),
            ("当前状态", dossier.standing.clone()),
        ]
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect(),
    };
    let table = |headers: Vec<&'static str>, rows: Vec<Vec<String>>, none: &str| {
        if rows.is_empty() {
            Block::Paragraph(none.to_string())
        } else {
            Block::Table(Table { headers, rows })
        }
    };
    let mut sections = vec![
        section("基本情况", vec![Block::Table(basics)]),
        section(
            "整改过程",
            vec![table(
                vec!["时间", "操作人", "事项", "说明"],
                dossier.timeline.iter().map(|r| r.to_vec()).collect(),
                "暂无记录。",
            )],
        ),
        section(
            "月度进展",
            vec![table(
                vec!["期次", "单位", "进展情况", "状态"],
                dossier.reports.iter().map(|r| r.to_vec()).collect(),
                "暂无报送。",
            )],
        ),
        section(
            "佐证材料",
            vec![table(
                vec!["类型", "名称", "上传", "档案内文件", "SHA-256"],
                dossier
                    .evidence
                    .iter()
                    .map(|f| {
                        vec![
                            f.kind.clone(),
                            f.title.clone(),
                            format!("{} {}", f.uploaded_by, f.uploaded_at),
                            f.path.clone(),
                            f.sha256.clone(),
                        ]
                    })
                    .collect(),
                "暂无材料。",
            )],
        ),
        section(
            "公示异议",
            vec![table(
                vec!["收到日期", "来源", "内容", "处理情况"],
                dossier.objections.iter().map(|r| r.to_vec()).collect(),
                "公示期间未收到异议。",
            )],
        ),
    ];
    crate::bulletin::number_headings(&mut sections);
    Document {
        title: format!("整改事项档案（第{}项）", item.number),
        issue: format!("{} 第{}项", dossier.plan, item.number),
        sections,
        issuer: dossier.issuer.to_string(),
        date: dossier.made_on.clone(),
    }
}

fn section(heading: &str, blocks: Vec<Block>) -> Section {
    Section {
        heading: heading.to_string(),
        level: 1,
        blocks,
    }
}

/// The archive: the dossier's docx and every evidence file under its path. Pictures and PDFs
/// are compressed already, so files are stored as they are; the docx is deflated.
pub fn archive(
    dossier: &Dossier<'_>,
    files: impl IntoIterator<Item = (String, Vec<u8>)>,
) -> Result<Vec<u8>, String> {
    let docx = bulletin_docx(&document(dossier))?;
    let name = format!("第{}项 整改事项档案.docx", dossier.item.number);
    pack(std::iter::once((name, docx)).chain(files))
}

/// A zip of (path, bytes), in order.
pub fn pack(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Result<Vec<u8>, String> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, bytes) in files {
        let method = if path.ends_with(".docx") || path.ends_with(".txt") {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(bytes.len() >= u32::MAX as usize);
        zip.start_file(path, options).map_err(|e| e.to_string())?;
        zip.write_all(&bytes).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths_stay_in_their_folder_and_are_numbered() {
        assert_eq!(
            FileEntry::path_for(3, "../../etc/passwd"),
            "佐证材料/03-_.._etc_passwd"
        );
        assert_eq!(
            FileEntry::path_for(12, "整改后照片.jpg"),
            "佐证材料/12-整改后照片.jpg"
        );
    }

    #[test]
    fn a_pack_reads_back_file_by_file() {
        let zip = pack([
            ("a.docx".to_string(), b"doc".to_vec()),
            ("佐证材料/01-p.png".to_string(), vec![7; 1000]),
        ])
        .unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut photo = archive.by_name("佐证材料/01-p.png").unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut photo, &mut bytes).unwrap();
        assert_eq!(bytes, vec![7; 1000]);
    }
}
