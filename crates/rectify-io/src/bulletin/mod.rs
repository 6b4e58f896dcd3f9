//! The monthly bulletin (整改进展月度通报) as documents: its text and tables are built once from
//! the frozen facts ([`document`]) and written as a printable HTML page, a docx in the layout of
//! an official document (公文), and an xlsx annex.

mod chart;
mod docx;
pub mod environment;
mod html;
pub mod province;
mod xlsx;

pub use docx::bulletin_docx;
pub use html::bulletin_html;
pub use xlsx::bulletin_xlsx;

use rectify_core::accountability::{AccountabilityDecision, AccountabilityLine};

/// The accountability candidates (问责候选) as a table: the rule, the target, the items, the
/// grounds, the suggested form and any decision.
pub fn accountability_table(lines: &[AccountabilityLine]) -> Table {
    let first_plan = lines
        .iter()
        .flat_map(|l| &l.candidate.items)
        .map(|(plan, _)| plan)
        .next();
    let one_plan = lines
        .iter()
        .flat_map(|l| &l.candidate.items)
        .all(|(plan, _)| Some(plan) == first_plan);
    Table {
        headers: vec![
            "规则",
            "对象",
            "关联问题",
            "事实依据",
            "建议形式",
            "决定机关",
            "决定日期",
            "处理形式",
            "处理结果",
            "是否公开",
        ],
        rows: lines
            .iter()
            .map(|l| {
                let c = &l.candidate;
                let items = c
                    .items
                    .iter()
                    .map(|(plan, n)| {
                        if one_plan {
                            format!("第{n}项")
                        } else {
                            format!("{plan} 第{n}项")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("、");
                let d = l.decision.as_ref();
                let field = |f: fn(&AccountabilityDecision) -> String| d.map(f).unwrap_or_default();
                vec![
                    c.rule.label_zh().to_string(),
                    c.target.clone(),
                    items,
                    c.grounds.join("；"),
                    c.rule.suggested_form().to_string(),
                    field(|d| d.organ.clone()),
                    field(|d| d.decided_on.clone()),
                    field(|d| d.form.clone()),
                    field(|d| d.outcome.clone()),
                    d.map_or(String::new(), |d| {
                        if d.published { "是" } else { "否" }.into()
                    }),
                ]
            })
            .collect(),
    }
}

/// A 督办单 (or 提醒函/催办函/约谈建议) for one escalation step, as a document for the docx
/// writer: the matter, the items, the requirement, the issuer and the date.
pub fn escalation_document(
    step: &rectify_core::dispatch::IssuedStep,
    issuer: &str,
    year_number: &str,
) -> Document {
    use rectify_core::dispatch::Step;
    let requirement = match step.step {
        Step::Remind => "请于截止日前在系统中报送本月整改进展。",
        Step::Urge => "请于收到本函后2个工作日内补报本月整改进展，并说明逾期原因。",
        Step::Supervise => {
            "请于收到本督办单后5个工作日内书面反馈整改情况和下一步措施，逾期未反馈或整改不力的，按程序约谈并追究责任。"
        }
        Step::Interview => "建议由领导小组约谈责任单位主要负责同志，督促限期整改。",
    };
    let items = step
        .items
        .iter()
        .map(|n| format!("第{n}项"))
        .collect::<Vec<_>>()
        .join("、");
    let mut sections = vec![
        Section {
            heading: "督办事项".into(),
            level: 1,
            blocks: vec![Block::Paragraph(format!(
                "{}：{}（涉及{}）。",
                step.unit, step.reason, items
            ))],
        },
        Section {
            heading: "督办要求".into(),
            level: 1,
            blocks: vec![Block::Paragraph(requirement.to_string())],
        },
    ];
    number_headings(&mut sections);
    Document {
        title: step.step.label_zh().to_string(),
        issue: format!("〔{year_number}〕第{}号（{}调度）", step.id, step.period),
        sections,
        issuer: issuer.to_string(),
        date: chinese_date(&step.issued_on),
    }
}

/// The accountability list as a one-sheet workbook.
pub fn accountability_xlsx(
    lines: &[AccountabilityLine],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("问责候选")?;
    xlsx::write_table(sheet, "问责候选与处理情况表", &accountability_table(lines))?;
    workbook.save_to_buffer()
}

use rectify_core::bulletin::{
    BulletinFacts, ComplaintFacts, ComplaintLine, ComplaintUnitLine, ItemLine, RankLine,
    SharedLine, Totals,
};
use rectify_core::coal::CoalStatus;
use rectify_core::register::monthly::{ReboundLine, RegisterMonth};
use rectify_core::special::RoundMonth;

/// The bulletin as text: what every format shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    /// "2019年第3期（第1版）".
    pub issue: String,
    pub sections: Vec<Section>,
    pub issuer: String,
    /// "2019年4月2日".
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// With its numbering: "一、总体情况" or "（一）县（区）".
    pub heading: String,
    pub level: u8,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    Table(Table),
    Chart(Chart),
}

/// A chart in both renderings: SVG for the html, PNG (with its pixel size) for the docx when a
/// CJK font is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub svg: String,
    pub png: Option<(Vec<u8>, u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// Who issues the bulletin and when (the frozen version's date), for its last lines.
pub struct Issue<'a> {
    pub issuer: &'a str,
    pub version: u32,
    /// "YYYY-MM-DD".
    pub date: &'a str,
    /// A CJK font for the chart's PNG (`RECTIFY_CJK_FONT`); else one of the system's is looked for.
    pub cjk_font: Option<&'a std::path::Path>,
}

/// The formats a bulletin is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Xlsx,
    Html,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Docx, Format::Xlsx, Format::Html];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Html => "html",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == text)
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// The file name of a bulletin version in a format, e.g. "整改进展通报-2019-03-第1版.docx".
pub fn file_name(period: &str, version: u32, format: Format) -> String {
    format!("整改进展通报-{period}-第{version}版.{}", format.extension())
}

/// One format of the bulletin, from its document and (for the annex) its facts.
pub fn render(facts: &BulletinFacts, doc: &Document, format: Format) -> Result<Vec<u8>, String> {
    match format {
        Format::Html => Ok(bulletin_html(doc).into_bytes()),
        Format::Xlsx => bulletin_xlsx(facts, doc).map_err(|e| format!("xlsx 生成失败：{e}")),
        Format::Docx => bulletin_docx(doc),
    }
}

const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 23 → 二十三 (headings never reach a hundred).
fn chinese_number(n: usize) -> String {
    let (tens, units) = (n / 10 % 10, n % 10);
    let tens_part = match tens {
        0 => String::new(),
        1 => "十".to_string(),
        t => format!("{}十", DIGITS[t]),
    };
    format!("{tens_part}{}", DIGITS[units])
}

pub fn document(facts: &BulletinFacts, issue: &Issue<'_>) -> Document {
    let (year, month) = facts.period.split_once('-').unwrap_or((&facts.period, ""));
    let month = month.trim_start_matches('0');
    let mut sections = vec![
        overview(facts),
        Section {
            heading: "责任单位排名".into(),
            level: 1,
            blocks: vec![
                Block::Table(ranking_table(&facts.units, facts.complaints.is_some())),
                Block::Chart(Chart {
                    svg: chart::chart_svg(&facts.units),
                    png: chart::chart_png(&facts.units, issue.cjk_font),
                }),
            ],
        },
    ];
    if !facts.counties.is_empty() {
        sections.push(Section {
            heading: "县（市、区）排名".into(),
            level: 2,
            blocks: vec![Block::Table(ranking_table(
                &facts.counties,
                facts.complaints.is_some(),
            ))],
        });
    }
    if !facts.shared.is_empty() {
        sections.push(Section {
            heading: "共性问题分县（市、区）完成情况".into(),
            level: 2,
            blocks: vec![
                Block::Paragraph(
                    "由各县（区）政府等单位组负责的问题，按县区（单位）分解任务逐一统计；“不涉及”经整改办认定，不计入任务数。"
                        .into(),
                ),
                Block::Table(shared_table(&facts.shared)),
            ],
        });
    }
    sections.extend([
        item_section("滞后和严重滞后问题", &facts.lagging, "本期无滞后问题。"),
        item_section("逾期未完成问题", &facts.overdue, "本期无逾期问题。"),
        item_section("本月销号问题", &facts.signed_off, "本月无销号问题。"),
        reports_section(facts),
    ]);
    sections.extend(
        facts
            .complaints
            .as_ref()
            .map(|c| complaints_section(c, &so_far(facts))),
    );
    if !facts.registers.is_empty() {
        sections.push(registers_section(&facts.registers, facts.partial));
    }
    if !facts.inspections.is_empty() {
        sections.push(inspections_section(&facts.inspections));
    }
    if !facts.coal.is_empty() {
        sections.push(coal_section(&facts.coal));
    }
    sections.extend([
        escalations_section(facts),
        Section {
            heading: "说明".into(),
            level: 1,
            blocks: std::iter::once(facts.method.clone())
                .chain(facts.journal_head.as_ref().map(anchor_paragraph))
                .map(Block::Paragraph)
                .collect(),
        },
    ]);
    if !facts.environment.is_empty() {
        // Right after the ranking sections, before the lists of items.
        let at = sections
            .iter()
            .position(|s| s.heading.starts_with("滞后"))
            .unwrap_or(sections.len());
        sections.insert(
            at,
            Section {
                heading: "环境质量目标完成情况".into(),
                level: 1,
                blocks: facts
                    .environment
                    .iter()
                    .cloned()
                    .map(Block::Paragraph)
                    .collect(),
            },
        );
    }
    number_headings(&mut sections);
    Document {
        title: "生态环境保护督察整改工作进展情况通报".into(),
        issue: format!("{year}年第{month}期（第{}版）", issue.version),
        sections,
        issuer: issue.issuer.to_string(),
        date: chinese_date(issue.date),
    }
}

/// The journal's head as the version was frozen, in words: the issued document witnesses the
/// chain, and `rectify audit verify --anchor SEQ:HASH` checks it against the database.
fn anchor_paragraph(head: &rectify_core::journal::Anchor) -> String {
    format!(
        "本通报生成时审计日志链头为第 {} 条，哈希值 {}。核对时请执行 rectify audit verify --anchor {head}。",
        head.seq, head.hash
    )
}

/// 一、二、… for the sections, （一）（二）… for the subsections under each.
pub(crate) fn number_headings(sections: &mut [Section]) {
    let (mut top, mut sub) = (0, 0);
    for section in sections {
        if section.level == 1 {
            sub = 0;
            section.heading = format!("{}、{}", chinese_number(top + 1), section.heading);
            top += 1;
        } else {
            section.heading = format!("（{}）{}", chinese_number(sub + 1), section.heading);
            sub += 1;
        }
    }
}

/// An ISO date from the frozen facts as documents write it.
fn chinese_date(iso: &str) -> String {
    rectify_exact::date::Date::parse(iso).map_or_else(|| iso.to_string(), |d| d.chinese())
}

fn overview(facts: &BulletinFacts) -> Section {
    let all = facts
        .totals
        .iter()
        .find(|t| t.scope == "合计")
        .cloned()
        .unwrap_or_default();
    let count = |label: &str| {
        facts
            .totals
            .iter()
            .find(|t| t.scope == label)
            .map_or(0, |t| t.items)
    };
    let open = all.items - all.closed - all.sustain - all.awaiting;
    let text = format!(
        "截至{}{}，整改方案共有问题{}项（共性问题{}项、个性问题{}项）。已销号{}项，已完成（长期坚持）{}项，\
         已完成待验收销号{}项；尚未完成的{}项中，序时推进（蓝）{}项，滞后（黄）{}项，严重滞后（红）{}项，其中逾期{}项。",
        chinese_date(&facts.as_of),
        if facts.partial {
            "（本月尚未结束）"
        } else {
            ""
        },
        all.items,
        count("共性"),
        count("个性"),
        all.closed,
        all.sustain,
        all.awaiting,
        open,
        all.blue,
        all.yellow,
        all.red,
        all.overdue
    );
    let mut blocks = vec![
        Block::Paragraph(text),
        Block::Table(Table {
            headers: vec![
                "类别",
                "问题数",
                "已销号",
                "长期坚持",
                "待验收销号",
                "序时推进",
                "滞后",
                "严重滞后",
                "逾期",
            ],
            rows: facts.totals.iter().map(totals_row).collect(),
        }),
    ];
    blocks.push(Block::Paragraph(match &facts.previous {
        Some(previous) => changes(
            &all,
            previous.totals.iter().find(|t| t.scope == "合计"),
            &previous.period,
        ),
        None => "本期为首次通报，无上期数据可比。".into(),
    }));
    Section {
        heading: "总体情况".into(),
        level: 1,
        blocks,
    }
}

fn totals_row(t: &Totals) -> Vec<String> {
    vec![
        t.scope.clone(),
        t.items.to_string(),
        t.closed.to_string(),
        t.sustain.to_string(),
        t.awaiting.to_string(),
        t.blue.to_string(),
        t.yellow.to_string(),
        t.red.to_string(),
        t.overdue.to_string(),
    ]
}

fn changes(now: &Totals, before: Option<&Totals>, period: &str) -> String {
    let Some(before) = before else {
        return format!("上期（{period}）无合计数据可比。");
    };
    let delta = |now: u32, before: u32| match i64::from(now) - i64::from(before) {
        0 => "持平".to_string(),
        d if d > 0 => format!("增加{d}项"),
        d => format!("减少{}项", -d),
    };
    format!(
        "与上期（{period}）相比：已销号{}，待验收销号{}，滞后{}，严重滞后{}，逾期{}。",
        delta(now.closed + now.sustain, before.closed + before.sustain),
        delta(now.awaiting, before.awaiting),
        delta(now.yellow, before.yellow),
        delta(now.red, before.red),
        delta(now.overdue, before.overdue)
    )
}

/// The ranking with the complaint columns when the bulletin counts complaints.
/// Each member's parts of the shared items.
pub(crate) fn shared_table(lines: &[SharedLine]) -> Table {
    Table {
        headers: vec![
            "县区（单位）",
            "任务数",
            "已完成",
            "整改中",
            "未启动",
            "黄",
            "红",
            "不涉及",
            "完成率",
        ],
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    l.unit.clone(),
                    l.tasks.to_string(),
                    l.done.to_string(),
                    l.working.to_string(),
                    l.pending.to_string(),
                    l.yellow.to_string(),
                    l.red.to_string(),
                    l.exempt.to_string(),
                    l.completion_rate.clone(),
                ]
            })
            .collect(),
    }
}

pub(crate) fn ranking_table(lines: &[RankLine], with_complaints: bool) -> Table {
    let mut table = Table {
        headers: vec![
            "名次",
            "单位",
            "问题数",
            "已销号",
            "待销号",
            "蓝",
            "黄",
            "红",
            "逾期",
            "应报",
            "迟报",
            "未报",
            "完成率",
            "按时填报率",
            "得分",
            "较上期",
        ],
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    l.place.clone(),
                    l.tally.unit.clone(),
                    l.tally.items.to_string(),
                    l.tally.closed.to_string(),
                    l.tally.awaiting_signoff.to_string(),
                    l.tally.blue.to_string(),
                    l.tally.yellow.to_string(),
                    l.tally.red.to_string(),
                    l.tally.overdue.to_string(),
                    l.tally.reports_due.to_string(),
                    l.tally.reports_late.to_string(),
                    l.tally.reports_missing.to_string(),
                    l.completion_rate.clone(),
                    l.on_time_rate.clone(),
                    l.score.clone(),
                    l.change.clone(),
                ]
            })
            .collect(),
    };
    if with_complaints {
        // Before 完成率: the counts stay together, the rates and the score last.
        let at = table.headers.len() - 4;
        table.headers.splice(at..at, ["信访应反馈", "信访迟报逾期"]);
        for (row, l) in table.rows.iter_mut().zip(lines) {
            let failed = l.tally.complaints_late + l.tally.complaints_overdue;
            row.splice(
                at..at,
                [l.tally.complaints_due.to_string(), failed.to_string()],
            );
        }
    }
    table
}

/// "截至2026年12月7日" after 本月 in a bulletin of a month that had not ended, else nothing.
fn so_far(facts: &BulletinFacts) -> String {
    if facts.partial {
        format!("截至{}", chinese_date(&facts.as_of))
    } else {
        String::new()
    }
}

fn complaints_section(c: &ComplaintFacts, so_far: &str) -> Section {
    let sum = |f: fn(&ComplaintUnitLine) -> u32| c.units.iter().map(f).sum::<u32>();
    let mut blocks = vec![Block::Paragraph(format!(
        "累计接收督察组转办信访件{}件（本月{}件），已反馈办理结果{}件。本月{so_far}应反馈{}件，其中按期反馈{}件，迟报{}件，逾期未反馈{}件。",
        c.received,
        c.received_in_period,
        c.reported,
        sum(|u| u.due),
        sum(|u| u.on_time),
        sum(|u| u.late),
        sum(|u| u.overdue)
    ))];
    if !c.units.is_empty() {
        blocks.push(Block::Table(complaint_unit_table(&c.units)));
    }
    if !c.late.is_empty() {
        blocks.push(Block::Paragraph(
            "迟报和逾期未反馈的信访件如下，请承办单位立即反馈办理结果并说明原因：".into(),
        ));
        blocks.push(Block::Table(late_complaint_table(&c.late)));
    }
    Section {
        heading: "信访件办理情况".into(),
        level: 1,
        blocks,
    }
}

fn registers_section(months: &[RegisterMonth], partial: bool) -> Section {
    let mut blocks = vec![Block::Table(register_table(months, partial))];
    let rebounds: Vec<(&str, &ReboundLine)> = months
        .iter()
        .flat_map(|m| m.rebounds.iter().map(move |r| (m.kind.as_str(), r)))
        .collect();
    if rebounds.is_empty() {
        blocks.push(Block::Paragraph("本月各名录未发现反弹。".into()));
    } else {
        blocks.push(Block::Paragraph(format!(
            "本月发现反弹{}处，已重新纳入整治，所在县（区）列入问责候选：",
            rebounds.len()
        )));
        blocks.push(Block::Table(Table {
            headers: vec!["名录", "名称", "所在县（区）", "日期", "情况"],
            rows: rebounds
                .iter()
                .map(|(kind, r)| {
                    vec![
                        kind.to_string(),
                        r.name.clone(),
                        r.county.clone(),
                        r.on.clone(),
                        r.reason.clone(),
                    ]
                })
                .collect(),
        }));
    }
    Section {
        heading: "专项名录情况".into(),
        level: 1,
        blocks,
    }
}

/// Each county's coal use and clean heating in one row.
pub(crate) fn coal_table(counties: &[CoalStatus]) -> Table {
    Table {
        headers: vec![
            "县（区）",
            "截至",
            "累计消费（万吨）",
            "年度目标（万吨）",
            "占目标",
            "清洁取暖（户）",
            "目标（户）",
            "完成率",
        ],
        rows: counties
            .iter()
            .map(|c| {
                vec![
                    c.county.clone(),
                    format!("{}月", c.through),
                    c.used.clone(),
                    c.cap.clone(),
                    c.share_of_cap.clone(),
                    c.heating_done.to_string(),
                    c.heating_target.to_string(),
                    c.heating_rate.clone(),
                ]
            })
            .collect(),
    }
}

fn coal_section(counties: &[CoalStatus]) -> Section {
    let warned: Vec<String> = counties
        .iter()
        .flat_map(|c| c.warnings.iter().map(move |w| format!("{}：{w}", c.county)))
        .collect();
    let mut blocks = vec![Block::Table(coal_table(counties))];
    blocks.push(Block::Paragraph(if warned.is_empty() {
        "各县（区）煤炭消费和清洁取暖改造均符合序时进度。".into()
    } else {
        format!("预警：{}。", warned.join("；"))
    }));
    Section {
        heading: "煤炭消费与清洁取暖".into(),
        level: 1,
        blocks,
    }
}

/// Each round's findings of the month by outcome in one row.
pub(crate) fn inspection_table(rounds: &[RoundMonth]) -> Table {
    Table {
        headers: vec![
            "名称",
            "方式",
            "督察组",
            "时间",
            "符合要求",
            "发现问题",
            "重新打开",
            "新增问题",
        ],
        rows: rounds
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.mode.clone(),
                    r.team.clone(),
                    r.dates.clone(),
                    r.compliant.to_string(),
                    r.problems.to_string(),
                    r.reopened.to_string(),
                    r.new_items.to_string(),
                ]
            })
            .collect(),
    }
}

fn inspections_section(rounds: &[RoundMonth]) -> Section {
    let mut blocks = vec![Block::Table(inspection_table(rounds))];
    blocks.extend(rounds.iter().flat_map(|r| {
        r.lines
            .iter()
            .map(move |l| Block::Paragraph(format!("{}：{l}", r.name)))
    }));
    Section {
        heading: "专项督察情况".into(),
        level: 1,
        blocks,
    }
}

/// Each register's month in one row; the states at the month's end, or on the as-of day of a
/// month that had not ended (`partial`).
pub(crate) fn register_table(months: &[RegisterMonth], partial: bool) -> Table {
    Table {
        headers: vec![
            "名录",
            "条目数",
            "本月新增",
            "本月完成",
            "本月检查",
            "不合格",
            "本月反弹",
            if partial {
                "截至当日状态"
            } else {
                "月末状态"
            },
        ],
        rows: months
            .iter()
            .map(|m| {
                let states: Vec<String> =
                    m.by_state.iter().map(|(s, n)| format!("{s}{n}")).collect();
                vec![
                    m.kind.clone(),
                    m.total.to_string(),
                    m.added.to_string(),
                    m.finished.to_string(),
                    m.inspected.to_string(),
                    m.failed.to_string(),
                    m.rebounds.len().to_string(),
                    states.join("、"),
                ]
            })
            .collect(),
    }
}

pub(crate) fn complaint_unit_table(units: &[ComplaintUnitLine]) -> Table {
    Table {
        headers: vec!["承办单位", "应反馈", "按期反馈", "迟报", "逾期未反馈"],
        rows: units
            .iter()
            .map(|u| {
                vec![
                    u.unit.clone(),
                    u.due.to_string(),
                    u.on_time.to_string(),
                    u.late.to_string(),
                    u.overdue.to_string(),
                ]
            })
            .collect(),
    }
}

pub(crate) fn late_complaint_table(lines: &[ComplaintLine]) -> Table {
    Table {
        headers: vec!["受理编号", "承办单位", "交办日期", "反馈期限", "情况"],
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    l.received_no.clone(),
                    l.unit.clone(),
                    l.transferred_on.clone(),
                    l.due_on.clone(),
                    l.clock.clone(),
                ]
            })
            .collect(),
    }
}

fn item_section(heading: &str, lines: &[ItemLine], none: &str) -> Section {
    let blocks = if lines.is_empty() {
        vec![Block::Paragraph(none.to_string())]
    } else {
        vec![Block::Table(item_table(lines))]
    };
    Section {
        heading: heading.to_string(),
        level: 1,
        blocks,
    }
}

/// Items with their colour, reason and required action; the plan column only when the lines
/// come from more than one plan.
pub(crate) fn item_table(lines: &[ItemLine]) -> Table {
    let several_plans = lines.iter().any(|l| l.plan != lines[0].plan);
    let mut headers = vec!["序号"];
    if several_plans {
        headers.push("方案");
    }
    headers.extend([
        "类别",
        "牵头单位",
        "问题",
        "整改时限",
        "状态",
        "颜色",
        "原因",
        "要求",
    ]);
    let rows = lines
        .iter()
        .map(|l| {
            let mut row = vec![l.number.to_string()];
            if several_plans {
                row.push(l.plan.clone());
            }
            row.extend([
                l.scope.clone(),
                l.unit.clone(),
                l.problem.clone(),
                l.due.clone(),
                l.state.clone(),
                l.colour.clone(),
                l.reason.clone(),
                l.action.clone(),
            ]);
            row
        })
        .collect();
    Table { headers, rows }
}

fn escalations_section(facts: &BulletinFacts) -> Section {
    let blocks = if facts.escalations.is_empty() {
        vec![Block::Paragraph("本月未发出提醒、催办和督办单。".into())]
    } else {
        vec![Block::Table(Table {
            headers: vec!["日期", "单位", "方式", "事由"],
            rows: facts
                .escalations
                .iter()
                .map(|e| {
                    vec![
                        e.issued_on.clone(),
                        e.unit.clone(),
                        e.step.clone(),
                        e.reason.clone(),
                    ]
                })
                .collect(),
        })]
    };
    Section {
        heading: "督办情况".into(),
        level: 1,
        blocks,
    }
}

fn reports_section(facts: &BulletinFacts) -> Section {
    let numbers = |list: &[u32]| {
        list.iter()
            .map(|n| format!("第{n}项"))
            .collect::<Vec<_>>()
            .join("、")
    };
    let blocks = if facts.reports.is_empty() {
        let none = if facts.partial {
            format!(
                "截至{}，没有未报或迟报的本月进展（填报期限未过的不计为未报）。",
                chinese_date(&facts.as_of)
            )
        } else {
            "各单位均按时报送了本月进展。".into()
        };
        vec![Block::Paragraph(none)]
    } else {
        let several_plans = facts
            .reports
            .iter()
            .any(|r| r.plan != facts.reports[0].plan);
        let mut headers = vec!["单位"];
        if several_plans {
            headers.push("方案");
        }
        headers.extend(["未报", "迟报"]);
        let rows = facts
            .reports
            .iter()
            .map(|r| {
                let mut row = vec![r.unit.clone()];
                if several_plans {
                    row.push(r.plan.clone());
                }
                row.extend([numbers(&r.missing), numbers(&r.late)]);
                row
            })
            .collect();
        vec![Block::Table(Table { headers, rows })]
    };
    Section {
        heading: "进展填报情况".into(),
        level: 1,
        blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::chinese_number;

    #[test]
    fn headings_count_past_ten_in_chinese() {
        let written: Vec<String> = [1, 9, 10, 11, 13, 20, 23].map(chinese_number).to_vec();
        assert_eq!(
            written,
            ["一", "九", "十", "十一", "十三", "二十", "二十三"]
        );
    }
}
