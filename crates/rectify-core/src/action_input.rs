//! What each workflow action asks for, declared once: its fields (name, label, how they are
//! entered), its file slots and the evidence kind each files as. The web generates its forms
//! from the declaration, and the CLI, the API and the forms all read their input through
//! `Action::from_fields`, so one rule decides what a valid action is.

use crate::workflow::{Action, ActionKind, EvidenceKind};
use rectify_exact::date::Date;
use std::fmt;

/// How a field is entered, and so how its text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// One line of free text; may be empty.
    Line,
    /// Several lines of free text; may be empty.
    Paragraph,
    /// A date, `YYYY-MM-DD`; required.
    Date,
    /// A whole number (an objection's id); required.
    Number,
    /// 是 or 否; required, so an empty field never passes for 否.
    YesNo,
}

impl Input {
    /// What a field of this input must hold, for an error that names it.
    pub fn format_hint(self) -> &'static str {
        match self {
            Input::Date => "（YYYY-MM-DD）",
            Input::Number => "（数字）",
            Input::YesNo => "（是或否）",
            Input::Line | Input::Paragraph => "",
        }
    }
}

/// One input of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The name in forms, JSON bodies and the journal.
    pub name: &'static str,
    /// What the form shows.
    pub label: &'static str,
    pub input: Input,
}

/// Files that may go with an action: the form's file input, what it is called, and the kind
/// its files are filed as (`None`: guessed from each file's name, `EvidenceKind::guess`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSlot {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Option<EvidenceKind>,
}

impl FileSlot {
    /// The kind a file put in this slot is filed as.
    pub fn kind_of(&self, file_name: &str) -> EvidenceKind {
        self.kind.unwrap_or_else(|| EvidenceKind::guess(file_name))
    }
}

/// The slot of a step's own proof, and of supporting files whose kind the name tells.
const FILES: &str = "files";

const fn line(name: &'static str, label: &'static str) -> Field {
    Field {
        name,
        label,
        input: Input::Line,
    }
}

const fn paragraph(name: &'static str, label: &'static str) -> Field {
    Field {
        name,
        label,
        input: Input::Paragraph,
    }
}

const fn slot(name: &'static str, label: &'static str, kind: Option<EvidenceKind>) -> FileSlot {
    FileSlot { name, label, kind }
}

impl ActionKind {
    /// The action's fields, in the order a form shows them.
    pub fn fields(self) -> &'static [Field] {
        use ActionKind as A;
        match self {
            A::Issue | A::CloseNotice => &[],
            A::Claim => const { &[paragraph("plan_text", "细化方案")] },
            A::Submit => const { &[paragraph("note", "说明")] },
            A::ReturnSubmission | A::Reopen => const { &[paragraph("reason", "原因")] },
            A::StartAcceptance => const { &[paragraph("team", "验收组成员")] },
            A::RejectAcceptance => const { &[paragraph("opinion", "验收意见"), REWORK_DUE] },
            A::Accept => const { &[paragraph("opinion", "验收意见")] },
            A::RecordNotice => const { &[line("channel", "公示渠道"), line("link", "网址")] },
            A::Object => {
                const {
                    &[
                        line("source", "来源"),
                        paragraph("content", "异议内容"),
                        line("contact", "联系方式（不公开）"),
                    ]
                }
            }
            A::Uphold => const { &[OBJECTION, paragraph("conclusion", "核查结论")] },
            A::Dismiss => const { &[OBJECTION, paragraph("reason", "理由")] },
            A::SignOff => const { &[paragraph("note", "审签意见")] },
            A::Review => const { &[PASSED, paragraph("opinion", "复核意见")] },
            A::Recheck => const { &[paragraph("note", "复查情况")] },
            A::ProposeAmendment => {
                const {
                    &[
                        line("deadline", "新的整改时限"),
                        paragraph("reason", "理由"),
                    ]
                }
            }
            A::DecideAmendment => const { &[APPROVE, paragraph("note", "意见")] },
        }
    }

    /// The files the action takes with it, filed in the same transaction (a refused action
    /// keeps none). Who may file each kind is `EvidenceKind::may_file`.
    pub fn file_slots(self) -> &'static [FileSlot] {
        use ActionKind as A;
        match self {
            A::Submit => {
                const {
                    &[
                        slot("report", "自查报告", Some(EvidenceKind::SelfCheck)),
                        slot(FILES, "整改佐证材料（照片、文件）", None),
                    ]
                }
            }
            A::Accept => {
                const {
                    &[slot(
                        FILES,
                        "验收意见",
                        Some(EvidenceKind::AcceptanceOpinion),
                    )]
                }
            }
            A::RecordNotice => {
                const {
                    &[slot(
                        FILES,
                        "公示截图/链接",
                        Some(EvidenceKind::NoticeProof),
                    )]
                }
            }
            A::SignOff => const { &[slot(FILES, "审签文件", Some(EvidenceKind::Document))] },
            _ => &[],
        }
    }

    /// The slot named `name`, or `None` when the action takes no such files.
    pub fn file_slot(self, name: &str) -> Option<&'static FileSlot> {
        self.file_slots().iter().find(|s| s.name == name)
    }

    /// Whether a person takes this step with a form (objections have their own register,
    /// notices close by the clock).
    pub fn by_hand(self) -> bool {
        !matches!(self, ActionKind::Object | ActionKind::CloseNotice)
    }
}

/// The typed fields, named once for the declaration and for `Action::from_fields`.
const OBJECTION: Field = Field {
    name: "objection",
    label: "异议编号",
    input: Input::Number,
};
const REWORK_DUE: Field = Field {
    name: "rework_due",
    label: "整改期限",
    input: Input::Date,
};
const PASSED: Field = Field {
    name: "passed",
    label: "复核通过",
    input: Input::YesNo,
};
const APPROVE: Field = Field {
    name: "approve",
    label: "同意",
    input: Input::YesNo,
};

impl EvidenceKind {
    /// The kind of a file whose kind nobody named: a picture is a site photo after the work,
    /// anything else a document. Photos before the work are named explicitly.
    pub fn guess(file_name: &str) -> EvidenceKind {
        let lower = file_name.to_lowercase();
        let image = [".jpg", ".jpeg", ".png", ".gif", ".webp"]
            .iter()
            .any(|e| lower.ends_with(e));
        if image {
            EvidenceKind::PhotoAfter
        } else {
            EvidenceKind::Document
        }
    }
}

/// Why a form's input is not an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// A required field is empty or cannot be read as its input.
    Field {
        action: ActionKind,
        field: &'static Field,
    },
    /// The step is not taken by hand (`ActionKind::by_hand`).
    NotByHand(ActionKind),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Field { action, field } => write!(
                f,
                "“{}”需要填写{}{}",
                action.label_zh(),
                field.label,
                field.input.format_hint()
            ),
            InputError::NotByHand(action) => {
                write!(f, "“{}”由系统办理，不能手工提交", action.label_zh())
            }
        }
    }
}

impl std::error::Error for InputError {}

/// 是/否 as people and programs write them.
fn yes_or_no(text: &str) -> Option<bool> {
    match text.trim() {
        "是" | "yes" | "true" | "1" | "通过" | "同意" => Some(true),
        "否" | "no" | "false" | "0" | "不通过" | "不同意" => Some(false),
        _ => None,
    }
}

impl Action {
    /// The action of kind `kind` from its fields' texts (`value(name)`; a missing field is
    /// `None`). Free texts may be empty (the workflow says when one is needed); dates,
    /// numbers and 是/否 must be readable.
    pub fn from_fields(
        kind: ActionKind,
        value: impl Fn(&str) -> Option<String>,
    ) -> Result<Action, InputError> {
        let text = |name: &str| value(name).unwrap_or_default();
        let typed = |field: &'static Field| {
            let error = InputError::Field {
                action: kind,
                field,
            };
            (value(field.name).unwrap_or_default(), error)
        };
        let date = |field| {
            let (text, error) = typed(field);
            Date::parse(text.trim()).ok_or(error)
        };
        let number = |field| {
            let (text, error) = typed(field);
            text.trim().parse::<i64>().map_err(|_| error)
        };
        let yes = |field| {
            let (text, error) = typed(field);
            yes_or_no(&text).ok_or(error)
        };
        use ActionKind as A;
        Ok(match kind {
            A::Issue => Action::Issue,
            A::Claim => Action::Claim {
                plan: text("plan_text"),
            },
            A::Submit => Action::Submit { note: text("note") },
            A::ReturnSubmission => Action::ReturnSubmission {
                reason: text("reason"),
            },
            A::StartAcceptance => Action::StartAcceptance { team: text("team") },
            A::RejectAcceptance => Action::RejectAcceptance {
                opinion: text("opinion"),
                rework_due: date(&REWORK_DUE)?,
            },
            A::Accept => Action::Accept {
                opinion: text("opinion"),
            },
            A::RecordNotice => Action::RecordNotice {
                channel: text("channel"),
                link: text("link"),
            },
            A::Uphold => Action::Uphold {
                objection_id: number(&OBJECTION)?,
                conclusion: text("conclusion"),
            },
            A::Dismiss => Action::Dismiss {
                objection_id: number(&OBJECTION)?,
                reason: text("reason"),
            },
            A::SignOff => Action::SignOff { note: text("note") },
            A::Review => Action::Review {
                passed: yes(&PASSED)?,
                opinion: text("opinion"),
            },
            A::Recheck => Action::Recheck { note: text("note") },
            A::Reopen => Action::Reopen {
                reason: text("reason"),
            },
            A::ProposeAmendment => Action::ProposeAmendment {
                deadline: text("deadline"),
                reason: text("reason"),
            },
            A::DecideAmendment => Action::DecideAmendment {
                approve: yes(&APPROVE)?,
                note: text("note"),
            },
            A::Object | A::CloseNotice => return Err(InputError::NotByHand(kind)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(kind: ActionKind, pairs: &[(&str, &str)]) -> Result<Action, InputError> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        Action::from_fields(kind, |name| map.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn an_action_reads_exactly_its_declared_fields() {
        for kind in ActionKind::ALL.iter().copied().filter(|k| k.by_hand()) {
            let declared = kind.fields();
            let value_of = |field: &Field| match field.input {
                Input::Date => "2027-01-31".to_string(),
                Input::Number => "7".to_string(),
                Input::YesNo => "是".to_string(),
                Input::Line | Input::Paragraph => format!("值-{}", field.name),
            };
            let asked = std::cell::RefCell::new(Vec::new());
            let action = Action::from_fields(kind, |name| {
                asked.borrow_mut().push(name.to_string());
                declared.iter().find(|f| f.name == name).map(value_of)
            })
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert_eq!(action.kind(), kind);
            for name in asked.borrow().iter() {
                assert!(
                    declared.iter().any(|f| f.name == name),
                    "{kind:?} reads undeclared {name}"
                );
            }
            let shown = format!("{action:?}");
            for field in declared {
                if matches!(field.input, Input::Line | Input::Paragraph) {
                    assert!(
                        shown.contains(&value_of(field)),
                        "{kind:?} ignores {}",
                        field.name
                    );
                }
            }
        }
    }

    #[test]
    fn typed_fields_must_be_readable() {
        let missing = from(ActionKind::RejectAcceptance, &[("opinion", "不合格")]);
        assert_eq!(
            missing.unwrap_err().to_string(),
            "“验收不通过”需要填写整改期限（YYYY-MM-DD）"
        );
        let bad = from(ActionKind::Uphold, &[("objection", "七")]);
        assert_eq!(
            bad.unwrap_err().to_string(),
            "“异议成立”需要填写异议编号（数字）"
        );
        // An empty 是/否 is not a 否: a review is never failed by a blank field.
        assert!(from(ActionKind::Review, &[("passed", " ")]).is_err());
        assert_eq!(
            from(ActionKind::Review, &[("passed", "否")]),
            Ok(Action::Review {
                passed: false,
                opinion: String::new()
            })
        );
        assert_eq!(
            from(ActionKind::DecideAmendment, &[("approve", "true")]),
            Ok(Action::DecideAmendment {
                approve: true,
                note: String::new()
            })
        );
        assert_eq!(
            from(ActionKind::CloseNotice, &[]),
            Err(InputError::NotByHand(ActionKind::CloseNotice))
        );
    }

    #[test]
    fn a_picture_is_an_after_photo_unless_its_slot_says_otherwise() {
        assert_eq!(EvidenceKind::guess("现场.JPG"), EvidenceKind::PhotoAfter);
        assert_eq!(EvidenceKind::guess("方案.pdf"), EvidenceKind::Document);
        let sign_off = ActionKind::SignOff.file_slot("files").unwrap();
        assert_eq!(sign_off.kind_of("审签.png"), EvidenceKind::Document);
        let submit = ActionKind::Submit.file_slot("files").unwrap();
        assert_eq!(submit.kind_of("现场.png"), EvidenceKind::PhotoAfter);
        assert_eq!(
            ActionKind::Submit
                .file_slot("report")
                .unwrap()
                .kind_of("自查.docx"),
            EvidenceKind::SelfCheck
        );
        assert!(ActionKind::Claim.file_slots().is_empty());
    }

    #[test]
    fn a_slot_files_only_kinds_its_step_may_carry() {
        for kind in ActionKind::ALL.iter().copied() {
            for slot in kind.file_slots() {
                for evidence in slot.kind.map_or(
                    vec![EvidenceKind::PhotoAfter, EvidenceKind::Document],
                    |k| vec![k],
                ) {
                    let steps = evidence.steps();
                    assert!(
                        steps.is_empty() || steps.contains(&kind),
                        "{kind:?} slot {} files {evidence:?}",
                        slot.name
                    );
                }
            }
        }
    }
}
