//! Special inspections (专项督察) and unannounced visits (明察暗访): a round with its scope, team
//! and dates, and findings that note compliance, record a problem, reopen a signed-off item or
//! register entry, or add a new item to the plan. Every finding carries evidence.

use crate::deadline::Deadline;
use crate::ledger::{Item, ItemSource, ItemState, Scope};
use rectify_exact::date::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

labelled_enum!(
    Mode, "督察方式" {
        Special => "special", "专项督察";
        Unannounced => "unannounced", "明察暗访";
    }
);

labelled_enum!(
    Outcome, "督察结论" {
        Compliant => "compliant", "符合要求";
        Problem => "problem", "发现问题";
        Reopen => "reopen", "重新打开";
        NewItem => "new_item", "新增问题";
    }
);

/// A round as the office opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Round {
    pub name: String,
    pub mode: Mode,
    /// What it covers, as written ("全市散乱污企业"), with the register kind and county when it
    /// is narrowed to them.
    pub scope: String,
    pub team: String,
    pub starts_on: Date,
    pub ends_on: Date,
}

impl Round {
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() || self.team.trim().is_empty() {
            return Err("须填写督察名称和督察组".into());
        }
        if self.ends_on < self.starts_on {
            return Err(format!(
                "结束日期 {} 早于开始日期 {}",
                self.ends_on, self.starts_on
            ));
        }
        Ok(())
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Nothing,
    Item,
    Entry,
}

/// Checks a finding before it is stored: its day within the round, its text, its evidence,
/// and a target that fits the outcome.
pub fn check_finding(
    round: &Round,
    on: Date,
    description: &str,
    outcome: Outcome,
    about: About,
    evidence: usize,
) -> Result<(), String> {
    if on < round.starts_on || on > round.ends_on {
        return Err(format!(
            "发现日期 {on} 不在督察期间 {}至{} 内",
            round.starts_on, round.ends_on
        ));
    }
    if description.trim().is_empty() {
        return Err("须写明发现的情况".into());
    }
    if evidence == 0 {
        return Err("每条发现须附佐证材料（照片、笔录等）".into());
    }
    match (outcome, about) {
        (Outcome::Reopen, About::Nothing) => Err("重新打开须指明整改问题或名录条目".into()),
        (Outcome::NewItem, About::Item | About::Entry) => {
            Err("新增问题不能指向已有的整改问题或名录条目".into())
        }
        _ => Ok(()),
    }
}

/// A problem an inspection found, as the plan's new item: its text, its lead unit and its
/// 整改时限 (the number is assigned when it is added).
pub fn new_item(description: &str, unit: &str, deadline: Deadline) -> Item {
    Item {
        number: 0,
        scope: Scope::Specific,
        category: String::new(),
        source: ItemSource::Inspection,
        problem: description.trim().to_string(),
        target: String::new(),
        measures: Vec::new(),
        leaders: Vec::new(),
        supervisors: Vec::new(),
        units: vec![unit.trim().to_string()],
        lead_unit: unit.trim().to_string(),
        deadline,
        state: ItemState::Issued,
        remarks: String::new(),
    }
}

/// A round's month for the bulletin: its findings in the month by outcome, and each problem,
/// reopening and new item in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundMonth {
    pub name: String,
    pub mode: String,
    pub team: String,
    /// "2026-11-02至2026-11-20".
    pub dates: String,
    pub compliant: u32,
    pub problems: u32,
    pub reopened: u32,
    pub new_items: u32,
    /// "2026-11-05 重新打开 第9项：…".
    pub lines: Vec<String>,
}

impl RoundMonth {
    pub fn new(round: &Round) -> RoundMonth {
        RoundMonth {
            name: round.name.clone(),
            mode: round.mode.label_zh().to_string(),
            team: round.team.clone(),
            dates: format!("{}至{}", round.starts_on, round.ends_on),
            compliant: 0,
            problems: 0,
            reopened: 0,
            new_items: 0,
            lines: Vec::new(),
        }
    }

    /// Counts a finding, and names it unless it found compliance.
    pub fn add(&mut self, on: Date, outcome: Outcome, about: &str, description: &str) {
        let count = match outcome {
            Outcome::Compliant => &mut self.compliant,
            Outcome::Problem => &mut self.problems,
            Outcome::Reopen => &mut self.reopened,
            Outcome::NewItem => &mut self.new_items,
        };
        *count += 1;
        if outcome != Outcome::Compliant {
            self.lines.push(format!(
                "{on} {} {about}：{description}",
                outcome.label_zh()
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_problem_is_an_issued_inspection_item_of_its_lead_unit() {
        let deadline = Deadline::from_date(Date {
            year: 2027,
            month: 3,
            day: 31,
        });
        let item = new_item(" 煤场未全封闭 ", " 市生态环境局 ", deadline.clone());
        assert_eq!(item.problem, "煤场未全封闭");
        assert_eq!(
            (item.lead_unit.as_str(), item.units.as_slice()),
            ("市生态环境局", ["市生态环境局".to_string()].as_slice())
        );
        assert_eq!(
            (item.source, item.state, item.scope),
            (ItemSource::Inspection, ItemState::Issued, Scope::Specific)
        );
        assert_eq!(item.deadline, deadline);
    }
}
