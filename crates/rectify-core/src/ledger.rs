//! The rectification plan (整改方案) and its items: the rows of the 台账.

use crate::deadline::Deadline;
use crate::dispatch::{
    AsOf, Assessment, Colour, ColourRules, Criticism, Reporting, decide, milestones,
};
use crate::task::TaskState;
use rectify_exact::date::Date;
use serde_json::Value;
use std::fmt;

labelled_enum!(
    /// 共性 problems recur across the province; 个性 ones are the city's own.
    Scope, "共性/个性" {
        Common => "common", "共性";
        Specific => "specific", "个性";
    }
);

labelled_enum!(
    /// What kind of inspection fed the problems back.
    InspectionType, "督察类型" {
        Routine => "routine", "例行督察";
        LookBack => "look_back", "回头看";
        Special => "special", "专项督察";
        Provincial => "provincial", "省级督察";
    }
);

labelled_enum!(
    /// Where an item came from.
    ItemSource, "问题来源" {
        Feedback => "feedback", "督察反馈";
        Complaint => "complaint", "信访交办";
        SelfCheck => "self_check", "自查";
        Inspection => "inspection", "专项督察";
    }
);

labelled_enum!(
    /// The item's place in the workflow: states S0–S10 of workflow.md §8. The transitions are
    /// in `workflow`.
    ItemState, "状态" {
        Draft => "DRAFT", "草拟";
        Issued => "ISSUED", "已交办";
        InProgress => "IN_PROGRESS", "整改中";
        Submitted => "SUBMITTED", "申请验收";
        UnderAcceptance => "UNDER_ACCEPTANCE", "验收中";
        PublicNotice => "PUBLIC_NOTICE", "公示中";
        SignOff => "SIGN_OFF", "待审签";
        Closed => "CLOSED", "已销号";
        Sustain => "SUSTAIN", "已完成（长期坚持）";
        Reopened => "REOPENED", "已重开";
        Amended => "AMENDED", "调整待批";
    }
);

labelled_enum!(
    /// The stages the dashboard counts and the ledger filters by, each a set of states: one
    /// definition, so a card's count and the list it links to always agree (#19).
    StateGroup, "进展阶段" {
        Issued => "issued", "已交办未认领";
        Working => "working", "整改中（含重开、调整待批）";
        AwaitingSignoff => "awaiting", "已完成待销号（申请验收至待审签）";
        Closed => "closed", "已销号";
        Sustain => "sustain", "已完成（长期坚持）";
    }
);

impl StateGroup {
    pub fn contains(self, state: ItemState) -> bool {
        match self {
            StateGroup::Issued => state == ItemState::Issued,
            StateGroup::Working => matches!(
                state,
                ItemState::InProgress | ItemState::Reopened | ItemState::Amended
            ),
            StateGroup::AwaitingSignoff => state.awaiting_signoff(),
            StateGroup::Closed => state == ItemState::Closed,
            StateGroup::Sustain => state == ItemState::Sustain,
        }
    }
}

impl ItemState {
    /// S3–S6: the unit's work is done and the item waits for acceptance, notice or sign-off
    /// (counted as 已完成待销号).
    pub fn awaiting_signoff(self) -> bool {
        matches!(
            self,
            ItemState::Submitted
                | ItemState::UnderAcceptance
                | ItemState::PublicNotice
                | ItemState::SignOff
        )
    }

    /// Closed for good or completed and under periodic re-check.
    pub fn completed(self) -> bool {
        matches!(self, ItemState::Closed | ItemState::Sustain)
    }

    /// Units report on it every month.
    pub fn reportable(self) -> bool {
        matches!(
            self,
            ItemState::Issued | ItemState::InProgress | ItemState::Reopened | ItemState::Amended
        )
    }
}

labelled_enum!(
    /// Where an item stands against its schedule (`Item::schedule`): an open item's dispatch
    /// colour 蓝/黄/红, or done. `SeriouslyLagging` keeps the code `overdue` it had when the
    /// final deadline was the only thing judged, so links and stored filters still work.
    Schedule, "进度" {
        OnTrack => "on_track", "序时推进";
        Lagging => "lagging", "滞后";
        SeriouslyLagging => "overdue", "严重滞后";
        Done => "done", "已完成";
    }
);

impl Schedule {
    /// The badge colour: the dispatch colour 蓝/黄/红 of an open item, 绿 when done.
    pub fn colour_zh(self) -> &'static str {
        match self {
            Schedule::OnTrack => "蓝",
            Schedule::Lagging => "黄",
            Schedule::SeriouslyLagging => "红",
            Schedule::Done => "绿",
        }
    }
}

/// What an item's schedule is judged from besides the plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// When each measure was marked done, in the measures' order.
    pub measures_done_on: Vec<Option<Date>>,
    /// Criticisms of the item's handling recorded so far.
    pub criticisms: Vec<Criticism>,
}

/// An item's schedule on a day, with the reasons for its colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub schedule: Schedule,
    /// The final deadline has passed and the item is not done (逾期): a flag of its own, since
    /// an item is also 红 for other reasons.
    pub overdue: bool,
    /// The open item's final date must be set by a person (时限待定, e.g. "采暖季前"): a flag of
    /// its own beside the colour, which the milestones and criticisms still decide, so the
    /// ledger counts colours exactly as the bulletin does.
    pub undated: bool,
    /// Why the open item has its colour (`dispatch::decide`'s reasons, the deciding one first);
    /// empty when it is done.
    pub reasons: Vec<String>,
}

impl Standing {
    /// A schedule that needs no reasons (done).
    pub fn without_reasons(schedule: Schedule) -> Standing {
        Standing {
            schedule,
            overdue: false,
            undated: false,
            reasons: Vec::new(),
        }
    }
}

/// The plan itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub name: String,
    /// e.g. 第一轮, 第二轮.
    pub round: Option<String>,
    pub inspection_type: Option<InspectionType>,
    pub feedback_date: Option<Date>,
    /// 文号, e.g. 河办发〔2018〕35号.
    pub doc_number: Option<String>,
    /// The day the plan was issued; relative deadlines ("15个工作日内") count from it.
    pub issued_on: Option<Date>,
}

/// One numbered measure of an item.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Measure {
    pub text: String,
    /// Units named for this measure alone, when the plan splits the work.
    pub units: Vec<String>,
    pub due: Option<Date>,
}

/// One problem of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub number: u32,
    pub scope: Scope,
    pub category: String,
    pub source: ItemSource,
    pub problem: String,
    pub target: String,
    pub measures: Vec<Measure>,
    pub leaders: Vec<String>,
    pub supervisors: Vec<String>,
    /// All responsible units in listed order, the lead included.
    pub units: Vec<String>,
    pub lead_unit: String,
    pub deadline: Deadline,
    pub state: ItemState,
    pub remarks: String,
}

impl Item {
    /// Whether the item's texts mention `text` (the problem, target, units or measures): the
    /// ledger's text filter and the search box.
    pub fn mentions(&self, text: &str) -> bool {
        self.problem.contains(text)
            || self.target.contains(text)
            || self.units.iter().any(|u| u.contains(text))
            || self.measures.iter().any(|m| m.text.contains(text))
    }

    /// Units that are county/district governments or all of them (各县（区）政府): they answer
    /// for their territory rather than for a line of work.
    pub fn territorial_units(&self) -> impl Iterator<Item = &str> {
        self.units
            .iter()
            .map(String::as_str)
            .filter(|u| is_territorial(u))
    }

    /// Units other than the lead that are not territorial.
    pub fn co_units(&self) -> impl Iterator<Item = &str> {
        self.units
            .iter()
            .map(String::as_str)
            .filter(|u| *u != self.lead_unit && !is_territorial(u))
    }

    /// The one schedule rule every page, list, export and publication shows: an item done or
    /// awaiting sign-off is done; any other item has the monthly dispatch's colour (`dispatch::decide`, the rule the bulletin uses) as of
    /// `today`, a day still running, from its milestones (`dispatch::milestones` over
    /// `progress.measures_done_on`), its final deadline and its recorded criticisms.
    pub fn schedule(&self, progress: &Progress, today: Date, rules: ColourRules) -> Standing {
        if self.state.completed() || self.state.awaiting_signoff() {
            return Standing::without_reasons(Schedule::Done);
        }
        self.open_schedule(progress, today, rules)
    }

    /// A member's part of a shared item (`task`): done once the member's work is done or the
    /// item is, else the item's milestones, deadline and criticisms judged on the member's own
    /// progress (the measures its reports mark done).
    pub fn task_schedule(
        &self,
        state: TaskState,
        progress: &Progress,
        today: Date,
        rules: ColourRules,
    ) -> Standing {
        if state.work_done() {
            return Standing::without_reasons(Schedule::Done);
        }
        self.schedule(progress, today, rules)
    }

    fn open_schedule(&self, progress: &Progress, today: Date, rules: ColourRules) -> Standing {
        let milestones = milestones(self, &progress.measures_done_on);
        let decision = decide(
            &Assessment {
                as_of: AsOf {
                    date: today,
                    partial: true,
                },
                final_due: self.deadline.due_date,
                milestones: &milestones,
                criticisms: &progress.criticisms,
                reporting: Reporting::NotDue,
            },
            rules,
        );
        Standing {
            schedule: match decision.colour {
                Colour::Blue => Schedule::OnTrack,
                Colour::Yellow => Schedule::Lagging,
                Colour::Red => Schedule::SeriouslyLagging,
            },
            overdue: decision.overdue,
            undated: self.deadline.undated(),
            reasons: decision.reasons,
        }
    }

    /// The item's fields as serialisable data: what the journal records and JSON output
    /// builds on.
    pub fn record(&self) -> ItemRecord<'_> {
        ItemRecord {
            number: self.number,
            scope: self.scope.label_zh(),
            category: &self.category,
            source: self.source.label_zh(),
            problem: &self.problem,
            target: &self.target,
            measures: self.measures.iter().map(|m| m.text.as_str()).collect(),
            leaders: &self.leaders,
            supervisors: &self.supervisors,
            lead_unit: &self.lead_unit,
            units: &self.units,
            deadline_text: &self.deadline.text,
            due_date: self.deadline.due_date.map(|d| d.to_string()),
            immediate: self.deadline.immediate,
            sustain: self.deadline.sustain,
            stages: self.deadline.stages.iter().map(Date::to_string).collect(),
            needs_manual_date: self.deadline.needs_manual_date,
            state: self.state.code(),
            remarks: &self.remarks,
        }
    }

    pub fn snapshot(&self) -> Value {
        serde_json::to_value(self.record()).unwrap_or(Value::Null)
    }
}

/// An item as written to the journal and to JSON output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ItemRecord<'a> {
    pub number: u32,
    pub scope: &'static str,
    pub category: &'a str,
    pub source: &'static str,
    pub problem: &'a str,
    pub target: &'a str,
    pub measures: Vec<&'a str>,
    pub leaders: &'a [String],
    pub supervisors: &'a [String],
    pub lead_unit: &'a str,
    pub units: &'a [String],
    pub deadline_text: &'a str,
    pub due_date: Option<String>,
    pub immediate: bool,
    pub sustain: bool,
    pub stages: Vec<String>,
    pub needs_manual_date: bool,
    pub state: &'static str,
    pub remarks: &'a str,
}

pub fn is_territorial(unit: &str) -> bool {
    unit.starts_with('各') || unit.ends_with("县政府") || unit.ends_with("区政府")
}

/// A leader or supervisor cell entry "王建国（副市长）" as name and position.
pub fn split_person(entry: &str) -> (String, String) {
    let entry = entry.trim();
    let open = entry.find(['（', '(']);
    match open {
        Some(at) if at > 0 => {
            let name = entry[..at].trim();
            let position = entry[at..]
                .trim_start_matches(['（', '('])
                .trim_end_matches(['）', ')'])
                .trim();
            (name.to_string(), position.to_string())
        }
        _ => (entry.to_string(), String::new()),
    }
}

/// Splits a list cell on line breaks and list punctuation outside parentheses, so that
/// "刘卫民（副市长、市公安局局长）" and "各县（区）政府" stay whole.
pub fn split_list(cell: &str, separators: &[char]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0_i32;
    let mut current = String::new();
    for c in cell.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = (depth - 1).max(0),
            _ => {}
        }
        if c == '\n' || c == '\r' || (depth == 0 && separators.contains(&c)) {
            push_trimmed(&mut parts, &mut current);
        } else {
            current.push(c);
        }
    }
    push_trimmed(&mut parts, &mut current);
    parts
}

fn push_trimmed(parts: &mut Vec<String>, current: &mut String) {
    let trimmed = current.trim();
    if !trimmed.is_empty() {
        parts.push(trimmed.to_string());
    }
    current.clear();
}

/// Leaders and supervisors: one person per line or per 、.
pub fn split_people(cell: &str) -> Vec<String> {
    split_list(cell, &['、', '，', ',', '；', ';'])
}

/// The responsible-units cell, read into units in listed order and the lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitList {
    pub units: Vec<String>,
    pub lead: Option<String>,
}

/// Reads "A（牵头）、B、C", "A牵头，B、C配合" and plain lists. The lead is the unit marked 牵头,
/// else the first one; a second 牵头 mark is reported by the caller, so both are kept here.
pub fn split_units(cell: &str) -> (UnitList, Vec<String>) {
    let mut units = Vec::new();
    let mut marked = Vec::new();
    for part in split_list(cell, &['、', '，', ',', '；', ';', '。']) {
        let (name, lead) = strip_role(&part);
        if name.is_empty() {
            continue;
        }
        if lead {
            marked.push(name.clone());
        }
        if !units.contains(&name) {
            units.push(name);
        }
    }
    let lead = marked.first().or(units.first()).cloned();
    let extra_leads = marked.into_iter().skip(1).collect();
    (UnitList { units, lead }, extra_leads)
}

/// Removes the role words around a unit name; true when it was marked as the lead.
fn strip_role(part: &str) -> (String, bool) {
    let mut name = part.trim().to_string();
    let mut lead = false;
    for (marker, is_lead) in [
        ("（牵头）", true),
        ("(牵头)", true),
        ("（牵头单位）", true),
        ("（配合）", false),
        ("(配合)", false),
        ("牵头", true),
        ("配合", false),
        ("负责", false),
    ] {
        if let Some(stripped) = name.strip_suffix(marker) {
            name = stripped.trim().to_string();
            lead |= is_lead;
        }
    }
    (name, lead)
}

/// Splits the measures cell into numbered measures ("1.…", "（1）…", "一、…"), without their
/// numbers. Text before the first number, or a cell without numbers, is one measure.
pub fn split_measures(cell: &str) -> Vec<String> {
    let mut measures: Vec<String> = Vec::new();
    for line in cell.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match strip_measure_number(line) {
            Some(text) => measures.push(text.to_string()),
            None => match measures.last_mut() {
                Some(last) => {
                    last.push('\n');
                    last.push_str(line);
                }
                None => measures.push(line.to_string()),
            },
        }
    }
    measures
}

/// The text after a leading measure number, if the line starts with one.
fn strip_measure_number(line: &str) -> Option<&str> {
    let digits = line
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || ('０'..='９').contains(c))
        .last()
        .map(|(i, c)| i + c.len_utf8());
    if let Some(end) = digits {
        let rest = &line[end..];
        for mark in ['.', '．', '、', ')', '）', ' '] {
            if let Some(text) = rest.strip_prefix(mark) {
                return Some(text.trim_start());
            }
        }
        return None;
    }
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(inner) = line.strip_prefix(open)
            && let Some(end) = inner.find(close)
            && is_numeral(&inner[..end])
        {
            return Some(inner[end + close.len_utf8()..].trim_start());
        }
    }
    let (head, rest) = line.split_once('、')?;
    is_numeral(head).then_some(rest.trim_start())
}

fn is_numeral(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_but_draft_is_in_exactly_one_group() {
        for state in ItemState::ALL.iter().copied() {
            let groups = StateGroup::ALL.iter().filter(|g| g.contains(state)).count();
            let expected = usize::from(state != ItemState::Draft);
            assert_eq!(groups, expected, "{state:?}");
        }
        // A group's code never reads as a state's, so the ledger's filter is never ambiguous.
        for group in StateGroup::ALL {
            assert!(ItemState::parse(group.code()).is_none(), "{group:?}");
        }
    }

    #[test]
    fn parenthesised_titles_are_not_split() {
        assert_eq!(
            split_people("刘卫民（副市长、市公安局局长）"),
            vec!["刘卫民（副市长、市公安局局长）"]
        );
        assert_eq!(
            split_people("何志军（市住建局局长）、马卫东（市城管局局长）"),
            vec!["何志军（市住建局局长）", "马卫东（市城管局局长）"]
        );
        assert_eq!(
            split_people("赵志刚（副市长）\n孙丽华（副市长）"),
            vec!["赵志刚（副市长）", "孙丽华（副市长）"]
        );
    }

    #[test]
    fn lead_marks_are_read_and_removed() {
        let (list, extra) = split_units("市生态环境局、市公安局（牵头）、市交通运输局");
        assert_eq!(list.units, vec!["市生态环境局", "市公安局", "市交通运输局"]);
        assert_eq!(list.lead.as_deref(), Some("市公安局"));
        assert!(extra.is_empty());
        let (list, _) = split_units("市住建局牵头，市城管局、城关区政府、东湖区政府配合");
        assert_eq!(
            list.units,
            vec!["市住建局", "市城管局", "城关区政府", "东湖区政府"]
        );
        assert_eq!(list.lead.as_deref(), Some("市住建局"));
        let (list, _) = split_units("各县（区）政府、河安高新区管委会");
        assert_eq!(list.units, vec!["各县（区）政府", "河安高新区管委会"]);
        assert_eq!(list.lead.as_deref(), Some("各县（区）政府"));
        let (_, extra) = split_units("A（牵头）、B（牵头）");
        assert_eq!(extra, vec!["B"]);
    }

    #[test]
    fn measures_split_on_their_numbers() {
        let cell = "1.建设中心。\n2.开展排查，\n落实责任。\n（3）严肃问责。\n四、公开";
        assert_eq!(
            split_measures(cell),
            vec!["建设中心。", "开展排查，\n落实责任。", "严肃问责。", "公开"]
        );
        assert_eq!(split_measures("无编号的措施"), vec!["无编号的措施"]);
        assert_eq!(split_measures("2018年底前完成"), vec!["2018年底前完成"]);
    }

    #[test]
    fn people_entries_split_into_name_and_position() {
        assert_eq!(
            split_person("王建国（副市长）"),
            ("王建国".to_string(), "副市长".to_string())
        );
        assert_eq!(split_person("李明"), ("李明".to_string(), String::new()));
    }

    #[test]
    fn labels_and_codes_both_parse() {
        assert_eq!(Scope::parse("共性"), Some(Scope::Common));
        assert_eq!(Scope::parse("specific"), Some(Scope::Specific));
        assert_eq!(ItemState::parse("整改中"), Some(ItemState::InProgress));
        assert_eq!(Scope::parse("其他"), None);
    }
}
