//! The province's monthly bulletin as a document for the bulletin's writers: the overview, the
//! cities ranked by completion (未报 cities named, never dropped), and the city bulletins it
//! rolled up with their versions and digests.

use super::{Block, Document, Section, Table, chinese_date, number_headings};
use rectify_core::province::ProvinceFacts;

fn overview(facts: &ProvinceFacts) -> Section {
    let t = &facts.totals;
    let reported = facts.cities.iter().filter(|c| c.reported()).count();
    let mut text = format!(
        "全省{}个城市中，{}个城市已报送本月整改进展通报。已报送城市共有整改问题{}个，已完成{}个（已销号{}个、长期坚持{}个、待销号{}个），完成率{}；蓝色{}个、黄色{}个、红色{}个，逾期{}个。",
        facts.cities.len(),
        reported,
        t.items,
        t.done(),
        t.closed,
        t.sustain,
        t.awaiting,
        facts.completion_rate,
        t.blue,
        t.yellow,
        t.red,
        t.overdue,
    );
    let missing = facts.missing();
    if !missing.is_empty() {
        text.push_str(&format!(
            "{}未报送本月通报，请于3个工作日内补报。",
            missing.join("、")
        ));
    }
    Section {
        heading: "总体情况".into(),
        level: 1,
        blocks: vec![Block::Paragraph(text)],
    }
}

fn ranking(facts: &ProvinceFacts) -> Table {
    Table {
        headers: vec![
            "名次",
            "城市",
            "问题数",
            "已完成",
            "完成率",
            "蓝",
            "黄",
            "红",
            "逾期",
        ],
        rows: facts
            .cities
            .iter()
            .map(|c| {
                if !c.reported() {
                    let mut row = vec!["—".to_string(), c.name.clone(), "未报".to_string()];
                    row.extend(std::iter::repeat_n("—".to_string(), 6));
                    return row;
                }
                let t = &c.totals;
                vec![
                    c.place.to_string(),
                    c.name.clone(),
                    t.items.to_string(),
                    t.done().to_string(),
                    c.completion_rate.clone(),
                    t.blue.to_string(),
                    t.yellow.to_string(),
                    t.red.to_string(),
                    t.overdue.to_string(),
                ]
            })
            .collect(),
    }
}

fn sources(facts: &ProvinceFacts) -> Table {
    Table {
        headers: vec!["城市", "通报版本", "印发日期", "数据摘要（SHA-256）"],
        rows: facts
            .cities
            .iter()
            .map(|c| match &c.source {
                Some(s) => vec![
                    c.name.clone(),
                    format!("第{}版", s.version),
                    chinese_date(&s.issued_on),
                    s.sha256.clone(),
                ],
                None => vec![c.name.clone(), "未报".into(), "—".into(), "—".into()],
            })
            .collect(),
    }
}

/// The province's bulletin of `facts.period`, version `version`, issued on `date` (YYYY-MM-DD).
pub fn document(facts: &ProvinceFacts, issuer: &str, version: u32, date: &str) -> Document {
    let (year, month) = facts.period.split_once('-').unwrap_or((&facts.period, ""));
    let month = month.trim_start_matches('0');
    let mut sections = vec![
        overview(facts),
        Section {
            heading: "各城市整改完成情况排名".into(),
            level: 1,
            blocks: vec![
                Block::Paragraph(
                    "按各城市本月最新一版已印发通报的“合计”数据汇总，以完成率（已销号、长期坚持和待销号问题占问题总数的比例）排名，完成率相同的并列。".into(),
                ),
                Block::Table(ranking(facts)),
            ],
        },
        Section {
            heading: "汇总所依据的城市通报".into(),
            level: 1,
            blocks: vec![Block::Table(sources(facts))],
        },
    ];
    number_headings(&mut sections);
    Document {
        title: format!("{}生态环境保护督察整改工作进展情况通报", facts.province),
        issue: format!("{year}年第{month}期（第{version}版）"),
        sections,
        issuer: issuer.to_string(),
        date: chinese_date(date),
    }
}

/// The file name of a province bulletin version.
pub fn file_name(period: &str, version: u32) -> String {
    format!("全省整改进展通报-{period}-第{version}版.docx")
}
