//! The rectification workflow (workflow.md §2, §8): who may move an item from which state to
//! which, with what evidence, and when.
//!
//! `transition` is pure: the caller passes the item's workflow record, what is attached to it,
//! the acting user, the action and today's date, and gets back the new record and the facts to
//! journal, or a `Refusal` that says in Chinese why not.

use crate::calendar::WorkCalendar;
use crate::ledger::ItemState;
use crate::org::Role;
use rectify_exact::date::Date;
use serde_json::{Value, json};
use std::fmt;

labelled_enum!(
    /// What an evidence file is (workflow.md §2.3).
    EvidenceKind, "材料类型" {
        Document => "document", "文件/制度";
        PhotoBefore => "photo_before", "现场照片（整改前）";
        PhotoAfter => "photo_after", "现场照片（整改后）";
        Monitoring => "monitoring", "监测报告";
        Enforcement => "enforcement", "执法文书";
        Engineering => "engineering", "工程验收资料";
        Minutes => "minutes", "会议纪要";
        SiteCheck => "site_check", "现场核查记录";
        AcceptanceOpinion => "acceptance_opinion", "验收意见";
        NoticeProof => "notice_proof", "公示截图/链接";
        Explanation => "explanation", "情况说明";
        SelfCheck => "self_check", "自查报告";
    }
);

impl EvidenceKind {
    /// The steps whose guard this kind satisfies (workflow.md §2.3). Only those steps' roles
    /// file it, so no one supplies another role's proof (a clerk's 验收意见 passing 验收通过);
    /// 文件/制度 and 情况说明 go with any step.
    pub fn steps(self) -> &'static [ActionKind] {
        use ActionKind as A;
        use EvidenceKind as E;
        match self {
            E::AcceptanceOpinion => &[A::Accept, A::RejectAcceptance],
            E::NoticeProof => &[A::RecordNotice],
            E::SiteCheck => &[A::Submit, A::StartAcceptance],
            E::SelfCheck
            | E::PhotoBefore
            | E::PhotoAfter
            | E::Monitoring
            | E::Enforcement
            | E::Engineering
            | E::Minutes => &[A::Submit],
            E::Document | E::Explanation => &[],
        }
    }

    /// Whether a user with `roles` may file this kind: a role of one of its steps.
    pub fn may_file(self, roles: &[Role], lead_is_group: bool) -> bool {
        let steps = self.steps();
        // The office applies for an item a group leads (各县（区）政府), so for such an item it
        // files that step's proof too; for any other item the lead unit does.
        let office_applies = |step: &ActionKind| {
            lead_is_group && *step == ActionKind::Submit && roles.contains(&Role::Office)
        };
        steps.is_empty()
            || steps.iter().any(|step| {
                office_applies(step) || step_roles(*step).0.iter().any(|r| roles.contains(r))
            })
    }

    /// Who files this kind, for a refusal: "验收单位".
    pub fn filers_zh(self) -> String {
        let mut labels: Vec<&str> = self.steps().iter().map(|s| step_roles(*s).1).collect();
        labels.dedup();
        labels.join("或")
    }
}

labelled_enum!(
    /// Where a monthly progress report stands: filed, then confirmed or returned by the
    /// supervisor or the office.
    ProgressStatus, "进展状态" {
        Submitted => "submitted", "待确认";
        Confirmed => "confirmed", "已确认";
        Returned => "returned", "已退回";
    }
);

labelled_enum!(
    /// Where a public objection stands: recorded during the notice, then decided.
    ObjectionStatus, "异议状态" {
        Pending => "pending", "待核查";
        Upheld => "upheld", "成立";
        Dismissed => "dismissed", "不成立";
    }
);

/// Evidence that shows the work itself; 申请验收 needs at least one besides the 自查报告.
pub const WORK_EVIDENCE: &[EvidenceKind] = &[
    EvidenceKind::Document,
    EvidenceKind::PhotoAfter,
    EvidenceKind::Monitoring,
    EvidenceKind::Enforcement,
    EvidenceKind::Engineering,
    EvidenceKind::Minutes,
    EvidenceKind::SiteCheck,
];

labelled_enum!(
    /// Every step an item can take.
    ActionKind, "操作" {
        Issue => "issue", "印发交办";
        Claim => "claim", "认领";
        Submit => "submit", "申请验收";
        ReturnSubmission => "return", "退回补充材料";
        StartAcceptance => "start-acceptance", "受理验收";
        RejectAcceptance => "reject", "验收不通过";
        Accept => "accept", "验收通过";
        RecordNotice => "notice", "登记公示";
        Object => "object", "登记异议";
        Uphold => "uphold", "异议成立";
        Dismiss => "dismiss", "异议不成立";
        CloseNotice => "close-notice", "公示期满";
        SignOff => "signoff", "审签销号";
        Review => "review", "上级复核";
        Recheck => "recheck", "定期复查";
        Reopen => "reopen", "重新打开";
        ProposeAmendment => "amend", "申请调整";
        DecideAmendment => "decide-amendment", "审批调整";
    }
);

/// Who is acting: the user, the roles they hold and the unit they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub username: String,
    pub roles: Vec<Role>,
    pub unit_id: i64,
}

impl Actor {
    /// The clock's own actor, for notices that close when their period ends.
    pub fn system() -> Actor {
        Actor {
            username: "system".to_string(),
            roles: Vec::new(),
            unit_id: 0,
        }
    }

    fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// The item's workflow record, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub state: ItemState,
    /// First and last day of the public notice.
    pub notice: Option<(Date, Date)>,
    /// An objection was upheld at some point; the item is marked.
    pub objection_upheld: bool,
    /// Reopened after closing (rebound, failed spot-check): a candidate for accountability.
    pub accountability: bool,
    /// The leader has signed; the upper-level review is still due.
    pub leader_signed: bool,
    /// Sign-off also needs the upper level's review (e.g. items the province accepts).
    pub requires_upper_review: bool,
    pub next_recheck: Option<Date>,
    /// The new deadline text and reason of an amendment awaiting a leader's decision.
    pub pending_amendment: Option<(String, String)>,
    /// Set by a failed acceptance: the date the defects must be fixed by.
    pub rework_due: Option<Date>,
}

impl Flow {
    pub fn new(state: ItemState) -> Flow {
        Flow {
            state,
            notice: None,
            objection_upheld: false,
            accountability: false,
            leader_signed: false,
            requires_upper_review: false,
            next_recheck: None,
            pending_amendment: None,
            rework_due: None,
        }
    }
}

/// What the guards look at besides the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFacts {
    pub lead_unit: i64,
    pub units: Vec<i64>,
    pub immediate: bool,
    pub sustain: bool,
    pub measures: usize,
    pub measures_done: usize,
    /// Kinds of the current (not superseded) evidence attached to the item.
    pub evidence: Vec<EvidenceKind>,
    /// Objections recorded during the running notice and not yet decided.
    pub pending_objections: usize,
    /// The plan names a group (各县（区）政府) as lead: the members work through their tasks
    /// and the office claims and applies for the item.
    pub lead_is_group: bool,
    /// Members whose task is not finished (`task::TaskState::finished`), in the item's order.
    pub open_tasks: Vec<String>,
}

/// An action with its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Issue,
    Claim {
        plan: String,
    },
    Submit {
        note: String,
    },
    ReturnSubmission {
        reason: String,
    },
    StartAcceptance {
        team: String,
    },
    RejectAcceptance {
        opinion: String,
        rework_due: Date,
    },
    Accept {
        opinion: String,
    },
    RecordNotice {
        channel: String,
        link: String,
    },
    Object {
        objection_id: i64,
    },
    Uphold {
        objection_id: i64,
        conclusion: String,
    },
    Dismiss {
        objection_id: i64,
        reason: String,
    },
    CloseNotice,
    SignOff {
        note: String,
    },
    Review {
        passed: bool,
        opinion: String,
    },
    Recheck {
        note: String,
    },
    Reopen {
        reason: String,
    },
    ProposeAmendment {
        deadline: String,
        reason: String,
    },
    DecideAmendment {
        approve: bool,
        note: String,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Issue => ActionKind::Issue,
            Action::Claim { .. } => ActionKind::Claim,
            Action::Submit { .. } => ActionKind::Submit,
            Action::ReturnSubmission { .. } => ActionKind::ReturnSubmission,
            Action::StartAcceptance { .. } => ActionKind::StartAcceptance,
            Action::RejectAcceptance { .. } => ActionKind::RejectAcceptance,
            Action::Accept { .. } => ActionKind::Accept,
            Action::RecordNotice { .. } => ActionKind::RecordNotice,
            Action::Object { .. } => ActionKind::Object,
            Action::Uphold { .. } => ActionKind::Uphold,
            Action::Dismiss { .. } => ActionKind::Dismiss,
            Action::CloseNotice => ActionKind::CloseNotice,
            Action::SignOff { .. } => ActionKind::SignOff,
            Action::Review { .. } => ActionKind::Review,
            Action::Recheck { .. } => ActionKind::Recheck,
            Action::Reopen { .. } => ActionKind::Reopen,
            Action::ProposeAmendment { .. } => ActionKind::ProposeAmendment,
            Action::DecideAmendment { .. } => ActionKind::DecideAmendment,
        }
    }

    /// The action's input as journal data.
    fn facts(&self) -> Value {
        match self {
            Action::Issue | Action::CloseNotice => json!({}),
            Action::Claim { plan } => json!({ "plan": plan }),
            Action::Submit { note } | Action::SignOff { note } | Action::Recheck { note } => {
                json!({ "note": note })
            }
            Action::ReturnSubmission { reason } | Action::Reopen { reason } => {
                json!({ "reason": reason })
            }
            Action::StartAcceptance { team } => json!({ "team": team }),
            Action::RejectAcceptance {
                opinion,
                rework_due,
            } => {
                json!({ "opinion": opinion, "rework_due": rework_due.to_string() })
            }
            Action::Accept { opinion } => json!({ "opinion": opinion }),
            Action::RecordNotice { channel, link } => json!({ "channel": channel, "link": link }),
            Action::Object { objection_id } => json!({ "objection": objection_id }),
            Action::Uphold {
                objection_id,
                conclusion,
            } => {
                json!({ "objection": objection_id, "conclusion": conclusion })
            }
            Action::Dismiss {
                objection_id,
                reason,
            } => {
                json!({ "objection": objection_id, "reason": reason })
            }
            Action::Review { passed, opinion } => json!({ "passed": passed, "opinion": opinion }),
            Action::ProposeAmendment { deadline, reason } => {
                json!({ "deadline": deadline, "reason": reason })
            }
            Action::DecideAmendment { approve, note } => {
                json!({ "approve": approve, "note": note })
            }
        }
    }
}

/// Settings the workflow reads (stored in `settings`, defaults from workflow.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkflowConfig {
    /// Length of the public notice in working days (default 5).
    pub notice_workdays: i32,
    /// Months between re-checks of a 长期坚持 item (default 3, quarterly).
    pub recheck_months: i32,
}

impl Default for WorkflowConfig {
    fn default() -> Self {
        WorkflowConfig {
            notice_workdays: 5,
            recheck_months: 3,
        }
    }
}

/// Why an action is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    WrongRole {
        action: ActionKind,
        allowed: &'static str,
    },
    NotLeadUnit {
        action: ActionKind,
    },
    WrongState {
        action: ActionKind,
        state: ItemState,
    },
    MissingEvidence {
        action: ActionKind,
        what: String,
    },
    MeasuresOpen {
        open: usize,
    },
    TasksOpen {
        units: Vec<String>,
    },
    NoticeRunning {
        last_day: Date,
    },
    PendingObjections {
        count: usize,
    },
    MissingInput {
        action: ActionKind,
        what: &'static str,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::WrongRole { action, allowed } => {
                write!(f, "角色不符：只有{allowed}可以“{action}”")
            }
            Refusal::NotLeadUnit { action } => {
                write!(f, "单位不符：只有该问题的牵头单位可以“{action}”")
            }
            Refusal::WrongState { action, state } => {
                write!(f, "状态不符：“{state}”状态下不能“{action}”")
            }
            Refusal::MissingEvidence { action, what } => {
                write!(f, "缺少佐证材料：“{action}”需要{what}")
            }
            Refusal::MeasuresOpen { open } => {
                write!(
                    f,
                    "整改措施未全部完成：还有 {open} 项措施未标记完成，不能申请验收"
                )
            }
            Refusal::TasksOpen { units } => write!(
                f,
                "分解任务未全部完成：{} 尚未完成本县区（本单位）的任务，不能申请验收",
                units.join("、")
            ),
            Refusal::NoticeRunning { last_day } => write!(
                f,
                "公示期未满：公示至 {last_day}（含）结束，{} 起方可审签",
                last_day.succ()
            ),
            Refusal::PendingObjections { count } => {
                write!(f, "公示期间有 {count} 条异议尚未核查处理")
            }
            Refusal::MissingInput { action, what } => write!(f, "“{action}”需要填写{what}"),
        }
    }
}

/// The result of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: ItemState,
    pub flow: Flow,
    /// What the journal records besides actor and states: the action's input and its effects.
    pub facts: Value,
}

/// One recorded change of an item's state, dated by the business day it was made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateChange {
    pub on: Date,
    pub from: ItemState,
    pub to: ItemState,
}

/// An item's state now with its recorded changes, oldest first: what it was on an earlier day,
/// for a bulletin of an earlier month or a trend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateHistory {
    pub current: ItemState,
    pub changes: Vec<StateChange>,
}

impl StateHistory {
    /// The state at the end of `day`: the one the first later change started from, else the
    /// state now.
    pub fn state_on(&self, day: Date) -> ItemState {
        self.changes
            .iter()
            .find(|c| c.on > day)
            .map_or(self.current, |c| c.from)
    }

    /// The day it was last completed (signed off, or 长期坚持) on or before `day`, if it was
    /// complete at the end of that day.
    pub fn completed_on(&self, day: Date) -> Option<Date> {
        if !self.state_on(day).completed() {
            return None;
        }
        self.changes
            .iter()
            .filter(|c| c.on <= day && c.to.completed() && !c.from.completed())
            .map(|c| c.on)
            .next_back()
    }
}

/// Everything `transition` needs besides the action.
pub struct Context<'a> {
    pub flow: &'a Flow,
    pub facts: &'a ItemFacts,
    pub actor: &'a Actor,
    pub today: Date,
    pub calendar: &'a WorkCalendar,
    pub config: WorkflowConfig,
}

pub fn transition(cx: &Context<'_>, action: &Action) -> Result<Transition, Refusal> {
    let kind = action.kind();
    check_role(cx, kind)?;
    let mut flow = cx.flow.clone();
    let from = flow.state;
    let wrong_state = || Refusal::WrongState {
        action: kind,
        state: from,
    };
    // Facts are built only for an allowed action: `available` tries every action on every item.
    let mut extra: Vec<(&'static str, Value)> = Vec::new();
    use ItemState as S;
    match action {
        Action::Issue => {
            expect(from, &[S::Draft], wrong_state)?;
            flow.state = S::Issued;
        }
        Action::Claim { plan } => {
            expect(from, &[S::Issued, S::Reopened], wrong_state)?;
            require_text(kind, plan, "单位细化方案（措施分解、节点计划、具体责任人）")?;
            flow.state = S::InProgress;
        }
        Action::Submit { .. } => {
            let allowed: &[ItemState] = if cx.facts.immediate {
                &[S::Issued, S::InProgress]
            } else {
                &[S::InProgress]
            };
            expect(from, allowed, wrong_state)?;
            check_submission(cx.facts)?;
            flow.state = S::Submitted;
            flow.rework_due = None;
        }
        Action::ReturnSubmission { reason } => {
            expect(from, &[S::Submitted], wrong_state)?;
            require_text(kind, reason, "退回原因")?;
            flow.state = S::InProgress;
        }
        Action::StartAcceptance { team } => {
            expect(from, &[S::Submitted], wrong_state)?;
            require_text(kind, team, "验收组成员")?;
            flow.state = S::UnderAcceptance;
        }
        Action::RejectAcceptance {
            opinion,
            rework_due,
        } => {
            expect(from, &[S::UnderAcceptance], wrong_state)?;
            require_text(kind, opinion, "验收意见（存在的问题）")?;
            flow.state = S::InProgress;
            flow.rework_due = Some(*rework_due);
        }
        Action::Accept { opinion } => {
            expect(from, &[S::UnderAcceptance], wrong_state)?;
            require_text(kind, opinion, "验收意见")?;
            require_evidence(cx.facts, kind, &[EvidenceKind::AcceptanceOpinion])?;
            let last_day = cx
                .calendar
                .add_workdays(cx.today, cx.config.notice_workdays);
            flow.state = S::PublicNotice;
            flow.notice = Some((cx.today, last_day));
            extra.push((
                "notice",
                json!({ "opened": cx.today.to_string(), "last_day": last_day.to_string() }),
            ));
        }
        Action::RecordNotice { link, .. } => {
            // The screenshot is often filed after the notice has ended.
            expect(from, &[S::PublicNotice, S::SignOff], wrong_state)?;
            require_text(kind, link, "公示网址或媒体名称")?;
        }
        Action::Object { .. } | Action::Dismiss { .. } => {
            expect(from, &[S::PublicNotice], wrong_state)?;
            if let Action::Dismiss { reason, .. } = action {
                require_text(kind, reason, "异议不成立的理由")?;
            }
        }
        Action::Uphold { conclusion, .. } => {
            expect(from, &[S::PublicNotice], wrong_state)?;
            require_text(kind, conclusion, "核查结论")?;
            flow.state = S::InProgress;
            flow.notice = None;
            flow.objection_upheld = true;
            extra.push(("via", json!(S::Reopened.code())));
        }
        Action::CloseNotice => {
            expect(from, &[S::PublicNotice], wrong_state)?;
            check_notice_over(cx)?;
            flow.state = S::SignOff;
        }
        Action::SignOff { .. } => {
            if from == S::PublicNotice {
                check_notice_over(cx)?;
            }
            expect(from, &[S::SignOff], wrong_state)?;
            if flow.leader_signed {
                return Err(wrong_state());
            }
            require_evidence(cx.facts, kind, &[EvidenceKind::NoticeProof])?;
            if cx.facts.sustain {
                require_evidence(cx.facts, kind, &[EvidenceKind::Document])?;
            }
            if flow.requires_upper_review {
                flow.leader_signed = true;
                extra.push(("awaiting", json!("upper_review")));
            } else {
                complete(&mut flow, cx);
            }
        }
        Action::Review { passed, opinion } => {
            expect(from, &[S::SignOff], wrong_state)?;
            if !flow.leader_signed {
                return Err(wrong_state());
            }
            require_text(kind, opinion, "复核意见")?;
            flow.leader_signed = false;
            if *passed {
                complete(&mut flow, cx);
            } else {
                flow.state = S::InProgress;
                flow.notice = None;
            }
        }
        Action::Recheck { note } => {
            expect(from, &[S::Sustain], wrong_state)?;
            require_text(kind, note, "复查情况")?;
            flow.next_recheck = Some(cx.today.add_months(cx.config.recheck_months));
        }
        Action::Reopen { reason } => {
            expect(from, &[S::Closed, S::Sustain], wrong_state)?;
            require_text(kind, reason, "重新打开的原因（反弹、抽查不合格等）")?;
            flow.state = S::Reopened;
            flow.accountability = true;
            flow.next_recheck = None;
            flow.notice = None;
        }
        Action::ProposeAmendment { deadline, reason } => {
            expect(from, &[S::InProgress], wrong_state)?;
            require_text(kind, deadline, "新的整改时限")?;
            require_text(kind, reason, "调整理由")?;
            flow.state = S::Amended;
            flow.pending_amendment = Some((deadline.clone(), reason.clone()));
        }
        Action::DecideAmendment { .. } => {
            expect(from, &[S::Amended], wrong_state)?;
            let (deadline, reason) = flow.pending_amendment.take().unwrap_or_default();
            extra.push((
                "proposal",
                json!({ "deadline": deadline, "reason": reason }),
            ));
            flow.state = S::InProgress;
        }
    }
    let mut facts = action.facts();
    for (key, value) in extra {
        facts[key] = value;
    }
    facts["action"] = json!(kind.code());
    facts["from"] = json!(from.code());
    facts["to"] = json!(flow.state.code());
    facts["on"] = json!(cx.today.to_string());
    Ok(Transition { from, flow, facts })
}

/// Who may take each action (workflow.md §8): the office (整改办), the lead unit's staff, the
/// acceptance unit, leaders, supervisors; the clock closes notices.
fn check_role(cx: &Context<'_>, kind: ActionKind) -> Result<(), Refusal> {
    use ActionKind as A;
    let actor = cx.actor;
    let (allowed, label) = step_roles(kind);
    // A group leads no one: the office claims the item and applies once the members are done.
    let office_for_group =
        matches!(kind, A::Claim | A::Submit) && cx.facts.lead_is_group && actor.has(Role::Office);
    let permitted = if kind == A::CloseNotice {
        actor.username == "system"
    } else {
        office_for_group || allowed.iter().any(|r| actor.has(*r))
    };
    if !permitted {
        return Err(Refusal::WrongRole {
            action: kind,
            allowed: label,
        });
    }
    if matches!(kind, A::Claim | A::Submit)
        && !office_for_group
        && (cx.facts.lead_is_group || actor.unit_id != cx.facts.lead_unit)
    {
        return Err(Refusal::NotLeadUnit { action: kind });
    }
    Ok(())
}

/// The roles that take a step, and how a refusal names them.
fn step_roles(kind: ActionKind) -> (&'static [Role], &'static str) {
    use ActionKind as A;
    match kind {
        A::Issue | A::RecordNotice | A::Object | A::Uphold | A::Dismiss | A::Reopen => {
            (&[Role::Office], "整改办")
        }
        A::Review | A::ProposeAmendment => (&[Role::Office], "整改办"),
        A::Claim | A::Submit => (&[Role::Unit], "牵头单位经办人"),
        A::ReturnSubmission => (&[Role::Acceptance, Role::Office], "验收单位或整改办"),
        A::StartAcceptance | A::RejectAcceptance | A::Accept => (&[Role::Acceptance], "验收单位"),
        A::SignOff | A::DecideAmendment => (&[Role::Leader], "责任领导"),
        A::Recheck => (&[Role::Supervisor, Role::Office], "监管人或整改办"),
        A::CloseNotice => (&[], "系统（公示期满自动）"),
    }
}

fn expect(
    state: ItemState,
    allowed: &[ItemState],
    refusal: impl Fn() -> Refusal,
) -> Result<(), Refusal> {
    if allowed.contains(&state) {
        Ok(())
    } else {
        Err(refusal())
    }
}

fn require_text(action: ActionKind, text: &str, what: &'static str) -> Result<(), Refusal> {
    if text.trim().is_empty() {
        Err(Refusal::MissingInput { action, what })
    } else {
        Ok(())
    }
}

fn require_evidence(
    facts: &ItemFacts,
    action: ActionKind,
    any_of: &[EvidenceKind],
) -> Result<(), Refusal> {
    if any_of.iter().any(|k| facts.evidence.contains(k)) {
        return Ok(());
    }
    let names: Vec<&str> = any_of.iter().map(|k| k.label_zh()).collect();
    Err(Refusal::MissingEvidence {
        action,
        what: format!("“{}”", names.join("”或“")),
    })
}

fn check_submission(facts: &ItemFacts) -> Result<(), Refusal> {
    if !facts.open_tasks.is_empty() {
        return Err(Refusal::TasksOpen {
            units: facts.open_tasks.clone(),
        });
    }
    let open = facts.measures.saturating_sub(facts.measures_done);
    if open > 0 {
        return Err(Refusal::MeasuresOpen { open });
    }
    require_evidence(facts, ActionKind::Submit, &[EvidenceKind::SelfCheck])?;
    require_evidence(facts, ActionKind::Submit, WORK_EVIDENCE)
}

/// The notice runs through its last day; it is over from the next day on, if no objection
/// waits for a decision.
/// Whether a public notice running from `first` to `last` (both days included) runs on
/// `today`. A notice past its last day never shows as running, even while an objection keeps
/// the item on notice.
pub fn notice_runs((first, last): (Date, Date), today: Date) -> bool {
    first <= today && !notice_ended((first, last), today)
}

/// Whether a public notice running until `last` has ended by `today`.
pub fn notice_ended((_, last): (Date, Date), today: Date) -> bool {
    last < today
}

fn check_notice_over(cx: &Context<'_>) -> Result<(), Refusal> {
    if let Some(window @ (_, last_day)) = cx.flow.notice
        && !notice_ended(window, cx.today)
    {
        return Err(Refusal::NoticeRunning { last_day });
    }
    if cx.facts.pending_objections > 0 {
        return Err(Refusal::PendingObjections {
            count: cx.facts.pending_objections,
        });
    }
    Ok(())
}

fn complete(flow: &mut Flow, cx: &Context<'_>) {
    if cx.facts.sustain {
        flow.state = ItemState::Sustain;
        flow.next_recheck = Some(cx.today.add_months(cx.config.recheck_months));
    } else {
        flow.state = ItemState::Closed;
    }
}

/// The actions the actor may try on the item now: role, unit, state and the notice clock allow
/// them. Inputs and evidence are not checked here; the form leads to `transition`, which says
/// what is missing.
pub fn available(cx: &Context<'_>) -> Vec<ActionKind> {
    let today = cx.today;
    let samples = [
        Action::Issue,
        Action::Claim { plan: "-".into() },
        Action::Submit { note: "-".into() },
        Action::ReturnSubmission { reason: "-".into() },
        Action::StartAcceptance { team: "-".into() },
        Action::RejectAcceptance {
            opinion: "-".into(),
            rework_due: today,
        },
        Action::Accept {
            opinion: "-".into(),
        },
        Action::RecordNotice {
            channel: "-".into(),
            link: "-".into(),
        },
        Action::Object { objection_id: 0 },
        Action::Uphold {
            objection_id: 0,
            conclusion: "-".into(),
        },
        Action::Dismiss {
            objection_id: 0,
            reason: "-".into(),
        },
        Action::SignOff { note: "-".into() },
        Action::Review {
            passed: true,
            opinion: "-".into(),
        },
        Action::Recheck { note: "-".into() },
        Action::Reopen { reason: "-".into() },
        Action::ProposeAmendment {
            deadline: "-".into(),
            reason: "-".into(),
        },
        Action::DecideAmendment {
            approve: true,
            note: "-".into(),
        },
    ];
    // Deciding needs an objection to decide on; the guard itself is the store's (it knows ids).
    let nothing_to_decide = cx.facts.pending_objections == 0;
    samples
        .iter()
        .filter(|action| {
            !(nothing_to_decide
                && matches!(action.kind(), ActionKind::Uphold | ActionKind::Dismiss))
        })
        .filter(|action| check_role(cx, action.kind()).is_ok())
        .filter(|action| {
            !matches!(
                transition(cx, action),
                Err(Refusal::WrongRole { .. }
                    | Refusal::NotLeadUnit { .. }
                    | Refusal::WrongState { .. }
                    | Refusal::NoticeRunning { .. }
                    | Refusal::PendingObjections { .. })
            )
        })
        .map(Action::kind)
        .collect()
}

/// What a user may see: office, discipline commission, administrators and read-only users
/// see every item (acting only as their roles allow); a
/// unit clerk the items of their unit or of a unit below it; leaders and supervisors the items
/// that name them; acceptance units the items of their unit and those waiting for acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub roles: Vec<Role>,
    /// The user's unit and every unit below it.
    pub units: Vec<i64>,
    /// How items name the user as leader or supervisor, e.g. "王建国（副市长）".
    pub person: String,
}

/// The facts about an item that decide who sees it.
pub struct Visibility<'a> {
    pub state: ItemState,
    pub units: &'a [i64],
    pub leaders: &'a [String],
    pub supervisors: &'a [String],
}

impl Viewer {
    pub fn sees_everything(&self) -> bool {
        [Role::Office, Role::Discipline, Role::Admin, Role::Viewer]
            .iter()
            .any(|r| self.roles.contains(r))
    }

    pub fn sees(&self, item: &Visibility<'_>) -> bool {
        if self.sees_everything() {
            return true;
        }
        let own_unit = item.units.iter().any(|u| self.units.contains(u));
        self.roles.iter().any(|role| match role {
            Role::Unit => own_unit,
            Role::Leader => item.leaders.contains(&self.person),
            Role::Supervisor => item.supervisors.contains(&self.person),
            Role::Acceptance => own_unit || item.state.awaiting_signoff(),
            _ => false,
        })
    }
}
