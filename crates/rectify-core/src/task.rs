//! Shared items split by member (分解任务, #19). A plan that names a group as responsible
//! ("各县（区）政府", "市直有关部门") means every member fixes its own part (属地责任): each
//! (item, member unit) pair is a task with its own state, reports, evidence and colour, and the
//! item applies for acceptance only when every task is finished.

use crate::ledger::ItemState;
use crate::org::Role;
use crate::workflow::EvidenceKind;
use serde_json::{Value, json};
use std::fmt;

labelled_enum!(
    /// A member's part of a shared item.
    TaskState, "任务状态" {
        Pending => "pending", "未启动";
        Working => "working", "整改中";
        Done => "done", "已完成";
        Accepted => "accepted", "已验收";
        Exempt => "exempt", "不涉及";
    }
);

labelled_enum!(
    /// Whether a finished task also needs its own acceptance before the item applies (the
    /// office's setting `tasks.acceptance`).
    TaskAcceptance, "分解任务验收方式" {
        WithItem => "item", "随问题整体验收";
        PerTask => "task", "逐个县区验收";
    }
);

labelled_enum!(
    /// What can be done to a task.
    TaskActionKind, "任务操作" {
        Start => "start", "启动整改";
        Complete => "complete", "报告完成";
        Exempt => "exempt", "认定不涉及";
        Accept => "accept", "验收通过";
        Return => "return", "退回整改";
    }
);

// `labelled_enum!` cannot mark a variant `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for TaskAcceptance {
    fn default() -> Self {
        TaskAcceptance::WithItem
    }
}

impl TaskState {
    /// Nothing more is needed from the member before the item applies for acceptance.
    pub fn finished(self, acceptance: TaskAcceptance) -> bool {
        match self {
            TaskState::Exempt | TaskState::Accepted => true,
            TaskState::Done => acceptance == TaskAcceptance::WithItem,
            TaskState::Pending | TaskState::Working => false,
        }
    }

    /// The member's work is done (whether or not accepted yet) or not its concern: it reports
    /// no more and counts as 已完成 in tallies.
    pub fn work_done(self) -> bool {
        matches!(
            self,
            TaskState::Done | TaskState::Accepted | TaskState::Exempt
        )
    }
}

/// A task's action with its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskAction {
    Start,
    Complete { note: String },
    Exempt { reason: String },
    Accept { opinion: String },
    Return { reason: String },
}

impl TaskAction {
    pub fn kind(&self) -> TaskActionKind {
        match self {
            TaskAction::Start => TaskActionKind::Start,
            TaskAction::Complete { .. } => TaskActionKind::Complete,
            TaskAction::Exempt { .. } => TaskActionKind::Exempt,
            TaskAction::Accept { .. } => TaskActionKind::Accept,
            TaskAction::Return { .. } => TaskActionKind::Return,
        }
    }

    /// Builds the action from a form's or the command line's text: `text` is the note,
    /// reason or opinion the action needs (ignored by 启动整改).
    pub fn from_text(kind: TaskActionKind, text: &str) -> TaskAction {
        let text = text.trim().to_string();
        match kind {
            TaskActionKind::Start => TaskAction::Start,
            TaskActionKind::Complete => TaskAction::Complete { note: text },
            TaskActionKind::Exempt => TaskAction::Exempt { reason: text },
            TaskActionKind::Accept => TaskAction::Accept { opinion: text },
            TaskActionKind::Return => TaskAction::Return { reason: text },
        }
    }

    fn text(&self) -> Option<(&str, &'static str)> {
        match self {
            TaskAction::Start => None,
            TaskAction::Complete { note } => Some((note, "完成情况说明")),
            TaskAction::Exempt { reason } => Some((reason, "不涉及的理由")),
            TaskAction::Accept { opinion } => Some((opinion, "验收意见")),
            TaskAction::Return { reason } => Some((reason, "退回原因")),
        }
    }
}

impl TaskActionKind {
    /// Who takes it, and how a refusal names them.
    fn roles(self) -> (&'static [Role], &'static str) {
        match self {
            TaskActionKind::Start | TaskActionKind::Complete => {
                (&[Role::Unit], "该县区（单位）经办人")
            }
            TaskActionKind::Exempt => (&[Role::Office], "整改办"),
            TaskActionKind::Accept | TaskActionKind::Return => {
                (&[Role::Office, Role::Acceptance], "整改办或验收单位")
            }
        }
    }

    /// The label of the text the action needs, if any.
    pub fn needs_text(self) -> Option<&'static str> {
        TaskAction::from_text(self, "").text().map(|(_, what)| what)
    }

    /// Whether the action needs a file attached for this task.
    pub fn needs_file(self) -> bool {
        matches!(self, TaskActionKind::Complete | TaskActionKind::Exempt)
    }

    /// The kind of a file attached to the action: the office's 情况说明 for 不涉及, else what
    /// the name tells (a photo after rectification, or a document).
    pub fn file_kind(self, file_name: &str) -> EvidenceKind {
        match self {
            TaskActionKind::Exempt => EvidenceKind::Explanation,
            _ => EvidenceKind::guess(file_name),
        }
    }
}

/// Everything a task's transition looks at.
pub struct TaskContext<'a> {
    pub state: TaskState,
    pub item_state: ItemState,
    pub task_unit: i64,
    pub actor_roles: &'a [Role],
    pub actor_unit: i64,
    /// Files attached for this task so far (reports' photos, the completion proof, the
    /// office's 不涉及 document).
    pub files: usize,
    pub acceptance: TaskAcceptance,
}

/// Why a task action is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskRefusal {
    WrongRole {
        action: TaskActionKind,
        allowed: &'static str,
    },
    OtherUnit {
        action: TaskActionKind,
    },
    WrongState {
        action: TaskActionKind,
        state: TaskState,
    },
    ItemNotOpen {
        state: ItemState,
    },
    NotPerTask,
    MissingInput {
        action: TaskActionKind,
        what: &'static str,
    },
    MissingFile {
        action: TaskActionKind,
    },
}

impl fmt::Display for TaskRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskRefusal::WrongRole { action, allowed } => {
                write!(f, "角色不符：只有{allowed}可以“{}”", action.label_zh())
            }
            TaskRefusal::OtherUnit { action } => write!(
                f,
                "单位不符：只能“{}”本县区（本单位）的任务",
                action.label_zh()
            ),
            TaskRefusal::WrongState { action, state } => write!(
                f,
                "状态不符：“{}”的任务不能“{}”",
                state.label_zh(),
                action.label_zh()
            ),
            TaskRefusal::ItemNotOpen { state } => write!(
                f,
                "问题处于“{state}”状态，分解任务不能再变更；如需改动请先退回问题"
            ),
            TaskRefusal::NotPerTask => {
                write!(f, "本系统设置为随问题整体验收，分解任务不单独验收")
            }
            TaskRefusal::MissingInput { action, what } => {
                write!(f, "“{}”需要填写{what}", action.label_zh())
            }
            TaskRefusal::MissingFile { action } => {
                write!(f, "“{}”需要先上传该任务的佐证材料", action.label_zh())
            }
        }
    }
}

/// The task's new state and what the journal records of the action, or why it is refused.
pub fn task_transition(
    cx: &TaskContext<'_>,
    action: &TaskAction,
) -> Result<(TaskState, Value), TaskRefusal> {
    let kind = action.kind();
    let (roles, allowed) = kind.roles();
    if !roles.iter().any(|r| cx.actor_roles.contains(r)) {
        return Err(TaskRefusal::WrongRole {
            action: kind,
            allowed,
        });
    }
    if roles == [Role::Unit] && cx.actor_unit != cx.task_unit {
        return Err(TaskRefusal::OtherUnit { action: kind });
    }
    if !cx.item_state.reportable() {
        return Err(TaskRefusal::ItemNotOpen {
            state: cx.item_state,
        });
    }
    use TaskState as S;
    let (from, to): (&[TaskState], TaskState) = match action {
        TaskAction::Start => (&[S::Pending], S::Working),
        TaskAction::Complete { .. } => (&[S::Pending, S::Working], S::Done),
        TaskAction::Exempt { .. } => (&[S::Pending, S::Working], S::Exempt),
        TaskAction::Accept { .. } => {
            if cx.acceptance != TaskAcceptance::PerTask {
                return Err(TaskRefusal::NotPerTask);
            }
            (&[S::Done], S::Accepted)
        }
        TaskAction::Return { .. } => (&[S::Done, S::Accepted, S::Exempt], S::Working),
    };
    if !from.contains(&cx.state) {
        return Err(TaskRefusal::WrongState {
            action: kind,
            state: cx.state,
        });
    }
    let text = action.text();
    if let Some((value, what)) = text
        && value.trim().is_empty()
    {
        return Err(TaskRefusal::MissingInput { action: kind, what });
    }
    if kind.needs_file() && cx.files == 0 {
        return Err(TaskRefusal::MissingFile { action: kind });
    }
    let facts = json!({
        "action": kind.code(),
        "from": cx.state.code(),
        "to": to.code(),
        "text": text.map_or("", |(value, _)| value),
    });
    Ok((to, facts))
}

/// The actions the actor may try on the task now (role, unit and state allow them; inputs and
/// files are asked for by the form).
pub fn task_available(cx: &TaskContext<'_>) -> Vec<TaskActionKind> {
    TaskActionKind::ALL
        .iter()
        .copied()
        .filter(|kind| {
            !matches!(
                task_transition(cx, &TaskAction::from_text(*kind, "-")),
                Err(TaskRefusal::WrongRole { .. }
                    | TaskRefusal::OtherUnit { .. }
                    | TaskRefusal::WrongState { .. }
                    | TaskRefusal::ItemNotOpen { .. }
                    | TaskRefusal::NotPerTask)
            )
        })
        .collect()
}

/// How far a shared item's members are: "已完成 4/6", and who lags, by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskTally {
    /// Tasks whose work is done (已完成, 已验收 or 不涉及).
    pub done: usize,
    pub total: usize,
    /// Members still working whose part is 黄 or 红, in the item's order.
    pub lagging: Vec<String>,
    /// Members not finished for acceptance (under per-task acceptance, done but not accepted
    /// counts here too), in the item's order: what keeps the item from applying.
    pub open: Vec<String>,
}

impl TaskTally {
    /// "已完成 4/6".
    pub fn label_zh(&self) -> String {
        format!("已完成 {}/{}", self.done, self.total)
    }
}

/// The tally of an item's tasks, each given as (member name, state, lagging).
pub fn tally<'a>(
    tasks: impl IntoIterator<Item = (&'a str, TaskState, bool)>,
    acceptance: TaskAcceptance,
) -> TaskTally {
    let mut tally = TaskTally::default();
    for (unit, state, lagging) in tasks {
        tally.total += 1;
        tally.done += usize::from(state.work_done());
        if !state.finished(acceptance) {
            tally.open.push(unit.to_string());
            if lagging && !state.work_done() {
                tally.lagging.push(unit.to_string());
            }
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(state: TaskState, roles: &[Role], unit: i64, files: usize) -> TaskContext<'_> {
        TaskContext {
            state,
            item_state: ItemState::InProgress,
            task_unit: 7,
            actor_roles: roles,
            actor_unit: unit,
            files,
            acceptance: TaskAcceptance::WithItem,
        }
    }

    #[test]
    fn a_county_runs_its_own_task_and_no_other() {
        let clerk = [Role::Unit];
        let start = task_transition(&cx(TaskState::Pending, &clerk, 7, 0), &TaskAction::Start);
        assert_eq!(start.map(|t| t.0), Ok(TaskState::Working));
        let other = task_transition(&cx(TaskState::Pending, &clerk, 8, 0), &TaskAction::Start);
        assert!(matches!(other, Err(TaskRefusal::OtherUnit { .. })));
        let done = TaskAction::Complete {
            note: "已整治".into(),
        };
        assert_eq!(
            task_transition(&cx(TaskState::Working, &clerk, 7, 0), &done),
            Err(TaskRefusal::MissingFile {
                action: TaskActionKind::Complete
            })
        );
        assert_eq!(
            task_transition(&cx(TaskState::Working, &clerk, 7, 1), &done).map(|t| t.0),
            Ok(TaskState::Done)
        );
    }

    #[test]
    fn only_the_office_exempts_and_only_with_a_reason() {
        let office = [Role::Office];
        let empty = TaskAction::Exempt { reason: " ".into() };
        assert!(matches!(
            task_transition(&cx(TaskState::Pending, &office, 1, 1), &empty),
            Err(TaskRefusal::MissingInput { .. })
        ));
        let exempt = TaskAction::Exempt {
            reason: "辖区内无燃煤锅炉".into(),
        };
        assert!(matches!(
            task_transition(&cx(TaskState::Pending, &[Role::Unit], 7, 1), &exempt),
            Err(TaskRefusal::WrongRole { .. })
        ));
        assert_eq!(
            task_transition(&cx(TaskState::Pending, &office, 1, 1), &exempt).map(|t| t.0),
            Ok(TaskState::Exempt)
        );
    }

    #[test]
    fn per_task_acceptance_is_a_setting() {
        let office = [Role::Office];
        let accept = TaskAction::Accept {
            opinion: "现场核查通过".into(),
        };
        assert_eq!(
            task_transition(&cx(TaskState::Done, &office, 1, 1), &accept),
            Err(TaskRefusal::NotPerTask)
        );
        let mut per_task = cx(TaskState::Done, &office, 1, 1);
        per_task.acceptance = TaskAcceptance::PerTask;
        assert_eq!(
            task_transition(&per_task, &accept).map(|t| t.0),
            Ok(TaskState::Accepted)
        );
        assert!(!TaskState::Done.finished(TaskAcceptance::PerTask));
        assert!(TaskState::Done.finished(TaskAcceptance::WithItem));
    }

    #[test]
    fn tasks_freeze_once_the_item_applied() {
        let mut applied = cx(TaskState::Working, &[Role::Unit], 7, 1);
        applied.item_state = ItemState::Submitted;
        assert!(task_available(&applied).is_empty());
        assert_eq!(
            task_available(&cx(TaskState::Working, &[Role::Unit], 7, 0)),
            vec![TaskActionKind::Complete]
        );
    }

    #[test]
    fn the_tally_names_who_lags_and_who_keeps_the_item_open() {
        let tasks = [
            ("北岭县", TaskState::Done, false),
            ("南山区", TaskState::Working, true),
            ("临溪市", TaskState::Exempt, false),
            ("东湖区", TaskState::Pending, false),
        ];
        let t = tally(tasks, TaskAcceptance::WithItem);
        assert_eq!(t.label_zh(), "已完成 2/4");
        assert_eq!(t.lagging, vec!["南山区"]);
        assert_eq!(t.open, vec!["南山区", "东湖区"]);
        let strict = tally(tasks, TaskAcceptance::PerTask);
        assert_eq!(strict.open, vec!["北岭县", "南山区", "东湖区"]);
    }
}
