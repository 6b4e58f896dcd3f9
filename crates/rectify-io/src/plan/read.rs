//! Recognising the 整改问题清单 in a sheet and reading its items.
//!
//! Real plans differ in column order, header wording, merged cells and group rows, so the
//! reader finds the table by its content. Every defect is collected with its cell; the caller
//! writes nothing when any error was found.

use super::layout::{
    Header, chinese_small_number, find_header, first_text, header_key, is_footnote,
    is_single_text_row, parse_number,
};
use super::sheet::{Cell, Sheet, column_letter};
use rectify_core::deadline::{Deadline, DeadlineContext, parse_deadline};
use rectify_core::ledger::{
    Item, ItemSource, ItemState, Measure, Scope, split_measures, split_people, split_units,
};

/// A column the ledger knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Number,
    Scope,
    Category,
    Source,
    Problem,
    Target,
    Measures,
    Leaders,
    Supervisors,
    Units,
    LeadUnit,
    CoUnits,
    Deadline,
    Remarks,
    /// Columns rectify itself derives or records elsewhere (state, progress): read past.
    Derived,
}

impl Field {
    pub fn label_zh(self) -> &'static str {
        match self {
            Field::Number => "序号",
            Field::Scope => "共性/个性",
            Field::Category => "问题类别",
            Field::Source => "问题来源",
            Field::Problem => "反馈问题",
            Field::Target => "整改目标",
            Field::Measures => "整改措施",
            Field::Leaders => "责任领导",
            Field::Supervisors => "监管人",
            Field::Units => "责任单位",
            Field::LeadUnit => "牵头单位",
            Field::CoUnits => "配合单位",
            Field::Deadline => "整改时限",
            Field::Remarks => "备注",
            Field::Derived => "派生列",
        }
    }

    /// Header wordings seen in published plans, after whitespace and parenthesised notes are
    /// removed.
    fn recognise(header: &str) -> Option<Field> {
        let key = header_key(header);
        let table: &[(Field, &[&str])] = &[
            (Field::Number, &["序号", "编号", "问题编号", "序"]),
            (
                Field::Scope,
                &[
                    "共性/个性",
                    "共性个性",
                    "共性或个性",
                    "问题性质",
                    "共性/个性问题",
                ],
            ),
            (
                Field::Category,
                &[
                    "问题类别",
                    "类别",
                    "领域",
                    "问题领域",
                    "所属领域",
                    "问题类型",
                    "类型",
                ],
            ),
            (Field::Source, &["问题来源", "来源"]),
            (
                Field::Problem,
                &[
                    "反馈问题",
                    "存在问题",
                    "问题",
                    "问题描述",
                    "反馈意见",
                    "督察反馈问题",
                    "问题内容",
                    "反馈问题原文",
                ],
            ),
            (Field::Target, &["整改目标", "目标"]),
            (
                Field::Measures,
                &["整改措施", "措施", "主要措施", "具体措施"],
            ),
            (
                Field::Leaders,
                &[
                    "责任领导",
                    "牵头领导",
                    "挂联领导",
                    "牵头市领导",
                    "责任市领导",
                ],
            ),
            (
                Field::Supervisors,
                &["监管人", "督导领导", "监管领导", "督导人", "监管责任人"],
            ),
            (
                Field::Units,
                &[
                    "责任单位",
                    "责任主体",
                    "整改单位",
                    "整改责任单位",
                    "牵头/配合单位",
                ],
            ),
            (Field::LeadUnit, &["牵头单位", "牵头部门"]),
            (Field::CoUnits, &["配合单位", "配合部门"]),
            (
                Field::Deadline,
                &[
                    "整改时限",
                    "完成时限",
                    "时限",
                    "整改期限",
                    "完成时间",
                    "整改时间",
                ],
            ),
            (Field::Remarks, &["备注"]),
            (
                Field::Derived,
                &[
                    "状态",
                    "当前状态",
                    "进度",
                    "进度状态",
                    "进度颜色",
                    "最新进展",
                    "本月进展",
                    "整改进展",
                    "完成情况",
                    "整改完成情况",
                    "截止日期",
                    "立行立改",
                    "长期坚持",
                ],
            ),
        ];
        table
            .iter()
            .find(|(_, words)| words.contains(&key.as_str()))
            .map(|(field, _)| *field)
    }
}

/// One defect or remark, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub sheet: String,
    /// 1-based sheet row.
    pub row: Option<usize>,
    /// Spreadsheet letter, e.g. "H".
    pub column: Option<String>,
    pub field: Option<&'static str>,
    pub message: String,
}

impl Finding {
    /// A file that could not be read at all, named by `file`.
    pub fn file(file: &str, message: String) -> Finding {
        Finding {
            sheet: file.to_string(),
            row: None,
            column: None,
            field: None,
            message,
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "工作表“{}”", self.sheet)?;
        match (&self.column, self.row) {
            (Some(column), Some(row)) => write!(f, " {column}{row}")?,
            (None, Some(row)) => write!(f, " 第{row}行")?,
            _ => {}
        }
        if let Some(field) = self.field {
            write!(f, "（{field}）")?;
        }
        write!(f, "：{}", self.message)
    }
}

/// An item and the sheet rows it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceItem {
    pub item: Item,
    pub first_row: usize,
    pub last_row: usize,
}

/// What a sheet yielded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanTable {
    pub sheet: String,
    /// The title row above the header, if any.
    pub title: Option<String>,
    /// 1-based row of the (last) header row.
    pub header_row: usize,
    pub items: Vec<SourceItem>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

/// Finds the plan table among `sheets` (or in the named one) and reads it.
pub fn read_table(
    sheets: &[Sheet],
    wanted: Option<&str>,
    context: DeadlineContext<'_>,
) -> PlanTable {
    let candidates: Vec<&Sheet> = match wanted {
        Some(name) => sheets.iter().filter(|s| s.name == name).collect(),
        None => sheets.iter().collect(),
    };
    if let (Some(name), true) = (wanted, candidates.is_empty()) {
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        return failed(
            name,
            format!("没有名为“{name}”的工作表（有：{}）", names.join("、")),
        );
    }
    let best = candidates
        .iter()
        .filter_map(|sheet| find_header(sheet, Field::recognise).map(|h| (*sheet, h)))
        .max_by_key(|(_, header)| header.columns.len());
    match best {
        Some((sheet, header)) => TableReader::new(sheet, header, context).read(),
        None => failed(
            wanted.or(sheets.first().map(|s| s.name.as_str())).unwrap_or(""),
            "找不到整改清单的表头：前 20 行中没有一行同时含有序号、反馈问题、责任单位、整改时限等列名"
                .to_string(),
        ),
    }
}

fn failed(sheet: &str, message: String) -> PlanTable {
    PlanTable {
        sheet: sheet.to_string(),
        errors: vec![Finding {
            sheet: sheet.to_string(),
            row: None,
            column: None,
            field: None,
            message,
        }],
        ..PlanTable::default()
    }
}

/// A group row such as "一、共性问题（36项）".
struct Group {
    scope: Option<Scope>,
    category: Option<String>,
    declared: Option<usize>,
    row: usize,
    counted: usize,
}

fn parse_group(text: &str, row: usize) -> Option<Group> {
    let numbered = text
        .split_once('、')
        .is_some_and(|(head, _)| chinese_small_number(head).is_some())
        || text.starts_with('（') && text.contains('）');
    let scope = if text.contains("共性") {
        Some(Scope::Common)
    } else if text.contains("个性") {
        Some(Scope::Specific)
    } else {
        None
    };
    if !numbered && scope.is_none() {
        return None;
    }
    let body = text.split_once('、').map_or(text, |(_, rest)| rest);
    let (name, declared) = match body.find(['（', '(']) {
        Some(at) => (&body[..at], declared_count(&body[at..])),
        None => (body, None),
    };
    let category = scope
        .is_none()
        .then(|| name.trim().trim_end_matches("问题").to_string());
    Some(Group {
        scope,
        category,
        declared,
        row,
        counted: 0,
    })
}

fn declared_count(text: &str) -> Option<usize> {
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    let rest = text.split_once(digits.as_str())?.1;
    (!digits.is_empty() && (rest.starts_with('项') || rest.starts_with('个')))
        .then(|| digits.parse().ok())
        .flatten()
}

/// An item being assembled from one or more rows.
struct Draft {
    number: u32,
    first_row: usize,
    last_row: usize,
    scope: Option<Scope>,
    category: String,
    source: Option<ItemSource>,
    problem: String,
    target: String,
    measures: Vec<String>,
    leaders: Vec<String>,
    supervisors: Vec<String>,
    /// (row, column, field, text) of each units cell, in column order.
    unit_cells: Vec<(usize, usize, Field, String)>,
    deadline: Option<(usize, usize, Cell)>,
    remarks: String,
}

struct TableReader<'a> {
    sheet: &'a Sheet,
    header: Header<Field>,
    context: DeadlineContext<'a>,
    table: PlanTable,
    group: Option<Group>,
    drafts: Vec<Draft>,
    /// Number → 1-based row where it first appeared.
    seen: std::collections::HashMap<u32, usize>,
    /// Items that had neither a scope column nor a group row.
    unscoped: Vec<u32>,
}

impl<'a> TableReader<'a> {
    fn new(sheet: &'a Sheet, header: Header<Field>, context: DeadlineContext<'a>) -> Self {
        let table = PlanTable {
            sheet: sheet.name.clone(),
            header_row: header.last_row + 1,
            ..PlanTable::default()
        };
        TableReader {
            sheet,
            header,
            context,
            table,
            group: None,
            drafts: Vec::new(),
            seen: std::collections::HashMap::new(),
            unscoped: Vec::new(),
        }
    }

    fn read(mut self) -> PlanTable {
        self.table.title = self.title();
        self.check_columns();
        for row in self.header.data_start..self.sheet.height() {
            self.read_row(row);
        }
        self.close_group();
        let drafts = std::mem::take(&mut self.drafts);
        for draft in drafts {
            if let Some(item) = self.finish(draft) {
                self.table.items.push(item);
            }
        }
        if !self.unscoped.is_empty() {
            let numbers: Vec<String> = self.unscoped.iter().map(u32::to_string).collect();
            let message = format!(
                "未标明共性/个性（无该列也无分组行），第{}项按共性导入",
                numbers.join("、")
            );
            self.warn(self.header.last_row, None, Some(Field::Scope), message);
        }
        let order = |f: &Finding| (f.row, f.column.as_ref().map(|c| (c.len(), c.clone())));
        self.table.errors.sort_by_key(order);
        self.table.warnings.sort_by_key(order);
        self.table
    }

    fn title(&self) -> Option<String> {
        (0..self.header.data_start.saturating_sub(1))
            .flat_map(|r| self.sheet.row(r).iter())
            .map(Cell::text)
            .find(|t| !t.is_empty() && Field::recognise(t).is_none())
    }

    fn column(&self, field: Field) -> Option<usize> {
        self.header
            .columns
            .iter()
            .find(|(_, f)| *f == field)
            .map(|(c, _)| *c)
    }

    fn finding(
        &self,
        row: usize,
        col: Option<usize>,
        field: Option<Field>,
        message: String,
    ) -> Finding {
        Finding {
            sheet: self.sheet.name.clone(),
            row: Some(row + 1),
            column: col.map(column_letter),
            field: field.map(Field::label_zh),
            message,
        }
    }

    fn error(&mut self, row: usize, col: Option<usize>, field: Option<Field>, message: String) {
        let finding = self.finding(row, col, field, message);
        self.table.errors.push(finding);
    }

    fn warn(&mut self, row: usize, col: Option<usize>, field: Option<Field>, message: String) {
        let finding = self.finding(row, col, field, message);
        self.table.warnings.push(finding);
    }

    fn check_columns(&mut self) {
        let row = self.header.last_row;
        for (col, text) in self.header.unknown.clone() {
            self.error(
                row,
                Some(col),
                None,
                format!(
                    "未知的列“{text}”：请改为标准列名（如 整改措施、责任单位）或删除该列",
                    text = rectify_exact::text::quoted(&text)
                ),
            );
        }
        let mut fields: Vec<(usize, Field)> = self.header.columns.clone();
        fields.sort_by_key(|(c, _)| *c);
        for (index, (col, field)) in fields.iter().enumerate() {
            let repeated = fields[..index].iter().any(|(_, f)| f == field);
            let may_repeat = matches!(field, Field::Units | Field::CoUnits | Field::Derived);
            if repeated && !may_repeat {
                self.error(
                    row,
                    Some(*col),
                    Some(*field),
                    format!("“{}”列出现了两次", field.label_zh()),
                );
            }
        }
        let has_units = [Field::Units, Field::LeadUnit]
            .iter()
            .any(|f| self.column(*f).is_some());
        let required = [Field::Number, Field::Problem, Field::Deadline];
        for field in required {
            if self.column(field).is_none() {
                self.error(
                    row,
                    None,
                    Some(field),
                    format!("缺少“{}”列", field.label_zh()),
                );
            }
        }
        if !has_units {
            self.error(
                row,
                None,
                Some(Field::Units),
                "缺少“责任单位”列".to_string(),
            );
        }
        for (col, field) in fields {
            if field == Field::Derived {
                let text = self.sheet.cell(row, col).text();
                self.warn(
                    row,
                    Some(col),
                    None,
                    format!(
                        "“{text}”列由系统生成或通过月度填报录入，导入时不读取",
                        text = rectify_exact::text::quoted(&text)
                    ),
                );
            }
        }
    }

    fn read_row(&mut self, row: usize) {
        let Some(first) = first_text(self.sheet, row) else {
            return;
        };
        let number_col = self.column(Field::Number).unwrap_or(0);
        let number_cell = self.sheet.cell(row, number_col);
        let numbered = parse_number(number_cell).is_some();
        if !numbered && is_single_text_row(self.sheet, row) {
            if let Some(group) = parse_group(&first, row) {
                self.close_group();
                self.group = Some(group);
                return;
            }
            if is_footnote(&first) {
                return;
            }
        }
        let continuation = number_cell.is_blank() || self.sheet.is_copy(row, number_col);
        if continuation {
            self.continue_item(row);
            return;
        }
        let Some(number) = parse_number(number_cell) else {
            let text = number_cell.text();
            self.error(
                row,
                Some(number_col),
                Some(Field::Number),
                format!(
                    "序号“{text}”不是正整数",
                    text = rectify_exact::text::quoted(&text)
                ),
            );
            return;
        };
        if let Some(first_row) = self.seen.get(&number) {
            let message = format!("序号 {number} 与第{first_row}行重复");
            self.error(row, Some(number_col), Some(Field::Number), message);
            return;
        }
        self.seen.insert(number, row + 1);
        if let Some(group) = &mut self.group {
            group.counted += 1;
        }
        let draft = self.start_item(row, number);
        self.drafts.push(draft);
    }

    fn close_group(&mut self) {
        let Some(group) = self.group.take() else {
            return;
        };
        if let Some(declared) = group.declared
            && declared != group.counted
        {
            let message = format!("分组标明 {declared} 项，实际读到 {} 项", group.counted);
            self.warn(group.row, None, None, message);
        }
    }

    fn text(&self, row: usize, field: Field) -> Option<(usize, String)> {
        let col = self.column(field)?;
        let text = self.sheet.cell(row, col).text();
        (!text.is_empty()).then_some((col, text))
    }

    fn plain(&self, row: usize, field: Field) -> String {
        self.text(row, field).map(|(_, t)| t).unwrap_or_default()
    }

    /// Text that is this row's own, not a copy from a merged region above.
    fn own_text(&self, row: usize, field: Field) -> Option<(usize, String)> {
        let (col, text) = self.text(row, field)?;
        (!self.sheet.is_copy(row, col)).then_some((col, text))
    }

    fn start_item(&mut self, row: usize, number: u32) -> Draft {
        let scope = match self.text(row, Field::Scope) {
            Some((col, text)) => {
                let scope = Scope::parse(&text);
                if scope.is_none() {
                    let message = format!(
                        "“{text}”不是 {}",
                        Scope::choices_zh(),
                        text = rectify_exact::text::quoted(&text)
                    );
                    self.error(row, Some(col), Some(Field::Scope), message);
                }
                scope
            }
            None => self.group.as_ref().and_then(|g| g.scope),
        };
        let source = match self.text(row, Field::Source) {
            Some((col, text)) => {
                let source = ItemSource::parse(&text);
                if source.is_none() {
                    let message = format!(
                        "“{text}”不是 {}",
                        ItemSource::choices_zh(),
                        text = rectify_exact::text::quoted(&text)
                    );
                    self.error(row, Some(col), Some(Field::Source), message);
                }
                source
            }
            None => None,
        };
        let category = match self.text(row, Field::Category) {
            Some((_, text)) => text,
            None => self
                .group
                .as_ref()
                .and_then(|g| g.category.clone())
                .unwrap_or_default(),
        };
        let mut draft = Draft {
            number,
            first_row: row,
            last_row: row,
            scope,
            category,
            source,
            problem: self.plain(row, Field::Problem),
            target: self.plain(row, Field::Target),
            measures: split_measures(&self.plain(row, Field::Measures)),
            leaders: split_people(&self.plain(row, Field::Leaders)),
            supervisors: split_people(&self.plain(row, Field::Supervisors)),
            unit_cells: Vec::new(),
            deadline: None,
            remarks: self.plain(row, Field::Remarks),
        };
        self.collect_units(row, &mut draft, false);
        if let Some(col) = self.column(Field::Deadline) {
            let cell = self.sheet.cell(row, col).clone();
            if !cell.is_blank() {
                draft.deadline = Some((row, col, cell));
            }
        }
        draft
    }

    fn collect_units(&self, row: usize, draft: &mut Draft, own_only: bool) {
        for &(col, field) in &self.header.columns {
            if !matches!(field, Field::Units | Field::LeadUnit | Field::CoUnits) {
                continue;
            }
            let text = self.sheet.cell(row, col).text();
            if text.is_empty() || (own_only && self.sheet.is_copy(row, col)) {
                continue;
            }
            draft.unit_cells.push((row, col, field, text));
        }
    }

    fn continue_item(&mut self, row: usize) {
        let Some(mut draft) = self.drafts.pop() else {
            let col = self.column(Field::Number);
            self.error(
                row,
                col,
                Some(Field::Number),
                "此行没有序号，也不接续任何问题".to_string(),
            );
            return;
        };
        draft.last_row = row;
        for field in [Field::Problem, Field::Target, Field::Remarks] {
            if let Some((_, text)) = self.own_text(row, field) {
                let target = match field {
                    Field::Problem => &mut draft.problem,
                    Field::Target => &mut draft.target,
                    _ => &mut draft.remarks,
                };
                append_line(target, &text);
            }
        }
        if let Some((_, text)) = self.own_text(row, Field::Measures) {
            draft.measures.extend(split_measures(&text));
        }
        for (field, list) in [
            (Field::Leaders, &mut draft.leaders),
            (Field::Supervisors, &mut draft.supervisors),
        ] {
            if let Some((_, text)) = self.own_text(row, field) {
                for person in split_people(&text) {
                    if !list.contains(&person) {
                        list.push(person);
                    }
                }
            }
        }
        self.collect_units(row, &mut draft, true);
        if let Some((col, _)) = self.own_text(row, Field::Deadline) {
            let message = format!("第{}项的整改时限在续行中再次出现", draft.number);
            self.error(row, Some(col), Some(Field::Deadline), message);
        }
        for field in [Field::Category, Field::Scope] {
            if let Some((col, text)) = self.own_text(row, field) {
                let message = format!(
                    "续行中的“{text}”与第{}项首行不一致",
                    draft.number,
                    text = rectify_exact::text::quoted(&text)
                );
                let current = if field == Field::Category {
                    draft.category.clone()
                } else {
                    draft
                        .scope
                        .map(|s| s.label_zh().to_string())
                        .unwrap_or_default()
                };
                if text != current {
                    self.error(row, Some(col), Some(field), message);
                }
            }
        }
        self.drafts.push(draft);
    }

    fn finish(&mut self, draft: Draft) -> Option<SourceItem> {
        let row = draft.first_row;
        let mut ok = true;
        for (field, empty) in [
            (Field::Problem, draft.problem.is_empty()),
            (Field::Deadline, draft.deadline.is_none()),
            (Field::Units, draft.unit_cells.is_empty()),
        ] {
            if empty {
                let col = self.column(field).or_else(|| self.column(Field::LeadUnit));
                self.error(
                    row,
                    col,
                    Some(field),
                    format!("第{}项的{}为空", draft.number, field.label_zh()),
                );
                ok = false;
            }
        }
        for (field, empty) in [
            (Field::Target, draft.target.is_empty()),
            (Field::Measures, draft.measures.is_empty()),
            (Field::Leaders, draft.leaders.is_empty()),
            (Field::Supervisors, draft.supervisors.is_empty()),
        ] {
            if empty && self.column(field).is_some() {
                let col = self.column(field);
                self.warn(
                    row,
                    col,
                    Some(field),
                    format!("第{}项的{}为空", draft.number, field.label_zh()),
                );
            }
        }
        let (units, lead) = self.units(&draft)?;
        let deadline = self.deadline(&draft)?;
        let scope = draft.scope.unwrap_or_else(|| {
            self.unscoped.push(draft.number);
            Scope::Common
        });
        if !ok {
            return None;
        }
        let item = Item {
            number: draft.number,
            scope,
            category: draft.category,
            source: draft.source.unwrap_or(ItemSource::Feedback),
            problem: draft.problem,
            target: draft.target,
            measures: draft
                .measures
                .into_iter()
                .map(|text| Measure {
                    text,
                    ..Measure::default()
                })
                .collect(),
            leaders: draft.leaders,
            supervisors: draft.supervisors,
            units,
            lead_unit: lead,
            deadline,
            state: ItemState::Issued,
            remarks: draft.remarks,
        };
        Some(SourceItem {
            item,
            first_row: draft.first_row + 1,
            last_row: draft.last_row + 1,
        })
    }

    /// All units in column order; the lead from a 牵头单位 column, a 牵头 mark, or first place.
    fn units(&mut self, draft: &Draft) -> Option<(Vec<String>, String)> {
        let mut units: Vec<String> = Vec::new();
        let mut lead_column: Option<String> = None;
        let mut marked: Vec<String> = Vec::new();
        for (row, col, field, text) in &draft.unit_cells {
            let (list, extra) = split_units(text);
            if text.contains("牵头") {
                marked.extend(list.lead.clone());
                marked.extend(extra);
            }
            if marked.len() > 1 {
                let message = format!("同一问题标了多个牵头单位：{}", marked.join("、"));
                self.error(*row, Some(*col), Some(*field), message);
                return None;
            }
            if *field == Field::LeadUnit && lead_column.is_none() {
                lead_column = list.units.first().cloned();
            }
            for unit in list.units {
                if !units.contains(&unit) {
                    units.push(unit);
                }
            }
        }
        let marked = marked.into_iter().next();
        let lead = lead_column.or(marked).or_else(|| units.first().cloned())?;
        Some((units, lead))
    }

    fn deadline(&mut self, draft: &Draft) -> Option<Deadline> {
        let (row, col, cell) = draft.deadline.as_ref()?;
        let deadline = match cell {
            Cell::Date(date) => Deadline::from_date(*date),
            other => parse_deadline(&other.text(), self.context),
        };
        if deadline.needs_manual_date {
            let message = format!(
                "整改时限“{}”无法确定完成日期，已原样保留，需人工设定日期",
                deadline.text
            );
            self.warn(*row, Some(*col), Some(Field::Deadline), message);
        }
        Some(deadline)
    }
}

fn append_line(target: &mut String, text: &str) {
    if !target.is_empty() {
        target.push('\n');
    }
    target.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised_through_synonyms_and_notes() {
        assert_eq!(Field::recognise("序 号"), Some(Field::Number));
        assert_eq!(
            Field::recognise("责任单位\n（牵头单位列第一）"),
            Some(Field::Units)
        );
        assert_eq!(Field::recognise("完成时限"), Some(Field::Deadline));
        assert_eq!(Field::recognise("挂联领导"), Some(Field::Leaders));
        assert_eq!(Field::recognise("经费"), None);
    }

    #[test]
    fn group_rows_give_scope_and_count() {
        let group = parse_group("一、共性问题（36项）", 2).unwrap();
        assert_eq!(group.scope, Some(Scope::Common));
        assert_eq!(group.declared, Some(36));
        let group = parse_group("三、大气污染问题", 2).unwrap();
        assert_eq!(group.category.as_deref(), Some("大气污染"));
        assert!(parse_group("注：本表由市督察整改办汇总", 9).is_none());
    }
}
