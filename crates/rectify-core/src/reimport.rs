//! Importing a plan again (#19): what a file would change, field by field, and what it must
//! not undo. Offices re-send their own spreadsheet; a deadline amended and approved in rectify
//! (申请调整 → 审批调整) is a decision the file does not know about, so a file that still says
//! the old deadline keeps the new one, and a file that says a third one is a conflict the office
//! settles explicitly.

use crate::ledger::Item;
use serde::Serialize;
use std::fmt;

/// One field a re-import changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// The fields `after` changes against `before`, in the ledger's column order; lists are
/// compared whole and shown joined.
pub fn diff(before: &Item, after: &Item) -> Vec<FieldChange> {
    let join = |list: &[String]| list.join("、");
    let measures = |item: &Item| {
        item.measures
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{}.{}", i + 1, m.text))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let fields: [(&'static str, String, String); 11] = [
        (
            "共性/个性",
            before.scope.label_zh().into(),
            after.scope.label_zh().into(),
        ),
        ("问题类别", before.category.clone(), after.category.clone()),
        (
            "问题来源",
            before.source.label_zh().into(),
            after.source.label_zh().into(),
        ),
        ("反馈问题", before.problem.clone(), after.problem.clone()),
        ("整改目标", before.target.clone(), after.target.clone()),
        ("整改措施", measures(before), measures(after)),
        ("责任领导", join(&before.leaders), join(&after.leaders)),
        (
            "监管人",
            join(&before.supervisors),
            join(&after.supervisors),
        ),
        ("责任单位", join(&before.units), join(&after.units)),
        (
            "整改时限",
            before.deadline.text.clone(),
            after.deadline.text.clone(),
        ),
        ("备注", before.remarks.clone(), after.remarks.clone()),
    ];
    let mut changes: Vec<FieldChange> = fields
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, before, after)| FieldChange {
            field,
            before,
            after,
        })
        .collect();
    if before.lead_unit != after.lead_unit {
        changes.push(FieldChange {
            field: "牵头单位",
            before: before.lead_unit.clone(),
            after: after.lead_unit.clone(),
        });
    }
    let due = |item: &Item| {
        item.deadline
            .due_date
            .map_or_else(String::new, |d| d.to_string())
    };
    if before.deadline.text == after.deadline.text && due(before) != due(after) {
        changes.push(FieldChange {
            field: "截止日期",
            before: due(before),
            after: due(after),
        });
    }
    changes
}

/// What a re-import may do to a deadline that was amended in rectify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmendedDeadline {
    /// The file has the amended deadline: nothing to decide.
    Agrees,
    /// The file still has the deadline before the amendment: the amendment is kept.
    Keep,
    /// The file has another deadline: the office decides between the two.
    Conflict,
}

/// The file's deadline text against the stored (amended) one and the one before the amendment.
pub fn amended_deadline(stored: &str, original: &str, file: &str) -> AmendedDeadline {
    if file == stored {
        AmendedDeadline::Agrees
    } else if file == original {
        AmendedDeadline::Keep
    } else {
        AmendedDeadline::Conflict
    }
}

labelled_enum!(
    /// How the office settles a conflict over an amended deadline.
    Resolution, "处理方式" {
        KeepAmended => "keep", "保留系统中批准调整的时限";
        TakeFile => "file", "采用文件中的时限";
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::Deadline;
    use crate::ledger::{ItemSource, ItemState, Scope};

    fn item(deadline: &str, units: &[&str]) -> Item {
        Item {
            number: 1,
            scope: Scope::Common,
            category: "大气污染".into(),
            source: ItemSource::Feedback,
            problem: "问题".into(),
            target: "目标".into(),
            measures: Vec::new(),
            leaders: vec!["王建国（副市长）".into()],
            supervisors: Vec::new(),
            units: units.iter().map(|u| u.to_string()).collect(),
            lead_unit: units[0].into(),
            deadline: Deadline {
                text: deadline.into(),
                due_date: None,
                immediate: false,
                sustain: false,
                stages: Vec::new(),
                needs_manual_date: false,
            },
            state: ItemState::Issued,
            remarks: String::new(),
        }
    }

    #[test]
    fn a_diff_names_each_changed_field_with_both_values() {
        let before = item("2020年底前", &["市生态环境局", "各县（区）政府"]);
        let after = item("2027年6月底前", &["市住建局", "各县（区）政府"]);
        let changes = diff(&before, &after);
        let fields: Vec<&str> = changes.iter().map(|c| c.field).collect();
        assert_eq!(fields, ["责任单位", "整改时限", "牵头单位"]);
        assert_eq!(changes[1].before, "2020年底前");
        assert_eq!(changes[1].after, "2027年6月底前");
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn an_old_file_keeps_the_amendment_and_a_third_deadline_conflicts() {
        let (stored, original) = ("2027年6月底前", "2020年底前");
        assert_eq!(
            amended_deadline(stored, original, stored),
            AmendedDeadline::Agrees
        );
        assert_eq!(
            amended_deadline(stored, original, original),
            AmendedDeadline::Keep
        );
        assert_eq!(
            amended_deadline(stored, original, "2026年底前"),
            AmendedDeadline::Conflict
        );
    }
}
