//! The workflow state machine: one item through every state, every illegal transition for every
//! role, and the notice-counting convention on the real calendar.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_core::calendar::WorkCalendar;
use rectify_core::ledger::ItemState;
use rectify_core::org::Role;
use rectify_core::workflow::{
    Action, ActionKind, Actor, Context, EvidenceKind, Flow, ItemFacts, Refusal, Transition, Viewer,
    Visibility, WorkflowConfig, available, transition,
};
use rectify_exact::date::Date;

const LEAD: i64 = 10;
const OTHER_UNIT: i64 = 11;

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn actor(role: Role, unit_id: i64) -> Actor {
    Actor {
        username: role.code().to_string(),
        roles: vec![role],
        unit_id,
    }
}

fn office() -> Actor {
    actor(Role::Office, 1)
}
fn lead_unit() -> Actor {
    actor(Role::Unit, LEAD)
}
fn acceptance() -> Actor {
    actor(Role::Acceptance, 2)
}
fn leader() -> Actor {
    actor(Role::Leader, 1)
}

struct Item {
    flow: Flow,
    facts: ItemFacts,
    calendar: WorkCalendar,
    today: Date,
}

impl Item {
    fn new(sustain: bool) -> Item {
        Item {
            flow: Flow::new(ItemState::Draft),
            facts: ItemFacts {
                lead_unit: LEAD,
                units: vec![LEAD, OTHER_UNIT],
                immediate: false,
                sustain,
                measures: 2,
                measures_done: 0,
                evidence: Vec::new(),
                pending_objections: 0,
                lead_is_group: false,
                open_tasks: Vec::new(),
            },
            calendar: WorkCalendar::embedded(),
            today: d("2019-09-02"),
        }
    }

    fn attempt(&self, who: &Actor, action: Action) -> Result<Transition, Refusal> {
        let cx = Context {
            flow: &self.flow,
            facts: &self.facts,
            actor: who,
            today: self.today,
            calendar: &self.calendar,
            config: WorkflowConfig::default(),
        };
        transition(&cx, &action)
    }

    /// Applies an action that must succeed and checks the state it leads to.
    fn step(&mut self, who: &Actor, action: Action, to: ItemState) -> Transition {
        let done = self
            .attempt(who, action.clone())
            .unwrap_or_else(|r| panic!("{action:?} by {} refused: {r}", who.username));
        assert_eq!(done.flow.state, to, "{action:?}");
        assert_eq!(done.facts["to"], to.code());
        self.flow = done.flow.clone();
        done
    }

    fn refused(&self, who: &Actor, action: Action) -> Refusal {
        match self.attempt(who, action.clone()) {
            Ok(t) => panic!(
                "{action:?} by {} allowed, to {:?}",
                who.username, t.flow.state
            ),
            Err(refusal) => refusal,
        }
    }

    fn attach(&mut self, kind: EvidenceKind) {
        self.facts.evidence.push(kind);
    }

    fn submit_and_accept(&mut self) {
        self.step(&lead_unit(), submit(), ItemState::Submitted);
        self.step(&acceptance(), start(), ItemState::UnderAcceptance);
        self.step(&acceptance(), accept(), ItemState::PublicNotice);
    }
}

fn text(s: &str) -> String {
    s.to_string()
}
fn submit() -> Action {
    Action::Submit {
        note: text("整改完成"),
    }
}
fn start() -> Action {
    Action::StartAcceptance {
        team: text("市生态环境局验收组"),
    }
}
fn accept() -> Action {
    Action::Accept {
        opinion: text("同意销号"),
    }
}
fn signoff() -> Action {
    Action::SignOff {
        note: text("同意")
    }
}
fn claim() -> Action {
    Action::Claim {
        plan: text("细化方案"),
    }
}

#[test]
fn an_item_goes_through_every_state() {
    let mut item = Item::new(false);
    let mut seen = vec![ItemState::Draft];
    let mut record = |t: &Transition| seen.push(t.flow.state);
    record(&item.step(&office(), Action::Issue, ItemState::Issued));
    record(&item.step(&lead_unit(), claim(), ItemState::InProgress));
    let amend = Action::ProposeAmendment {
        deadline: text("2020年6月底前"),
        reason: text("工程量调整"),
    };
    record(&item.step(&office(), amend, ItemState::Amended));
    assert!(item.flow.pending_amendment.is_some());
    let decide = Action::DecideAmendment {
        approve: true,
        note: text("同意"),
    };
    let t = item.step(&leader(), decide, ItemState::InProgress);
    assert_eq!(t.facts["proposal"]["deadline"], "2020年6月底前");
    assert_eq!(
        item.refused(&lead_unit(), submit()),
        Refusal::MeasuresOpen { open: 2 }
    );
    item.facts.measures_done = 2;
    assert!(matches!(
        item.refused(&lead_unit(), submit()),
        Refusal::MissingEvidence { .. }
    ));
    item.attach(EvidenceKind::SelfCheck);
    let missing = item.refused(&lead_unit(), submit()).to_string();
    assert!(missing.contains("现场照片（整改后）"), "{missing}");
    item.attach(EvidenceKind::PhotoAfter);
    record(&item.step(&lead_unit(), submit(), ItemState::Submitted));
    let back = Action::ReturnSubmission {
        reason: text("缺监测报告"),
    };
    item.step(&acceptance(), back, ItemState::InProgress);
    item.step(&lead_unit(), submit(), ItemState::Submitted);
    record(&item.step(&acceptance(), start(), ItemState::UnderAcceptance));
    let reject = Action::RejectAcceptance {
        opinion: text("底泥未清运"),
        rework_due: d("2019-09-20"),
    };
    item.step(&acceptance(), reject, ItemState::InProgress);
    assert_eq!(item.flow.rework_due, Some(d("2019-09-20")));
    item.step(&lead_unit(), submit(), ItemState::Submitted);
    item.step(&acceptance(), start(), ItemState::UnderAcceptance);
    assert!(matches!(
        item.refused(&acceptance(), accept()),
        Refusal::MissingEvidence { .. }
    ));
    item.attach(EvidenceKind::AcceptanceOpinion);
    item.today = d("2019-09-27");
    record(&item.step(&acceptance(), accept(), ItemState::PublicNotice));
    assert_eq!(item.flow.notice, Some((d("2019-09-27"), d("2019-10-10"))));

    // An upheld objection sends the item back to work and marks it.
    item.step(
        &office(),
        Action::Object { objection_id: 1 },
        ItemState::PublicNotice,
    );
    let uphold = Action::Uphold {
        objection_id: 1,
        conclusion: text("群众反映属实"),
    };
    let t = item.step(&office(), uphold, ItemState::InProgress);
    assert_eq!(t.facts["via"], "REOPENED");
    assert!(item.flow.objection_upheld && item.flow.notice.is_none());
    item.submit_and_accept();
    // A dismissed objection leaves the notice running.
    item.step(
        &office(),
        Action::Object { objection_id: 2 },
        ItemState::PublicNotice,
    );
    item.facts.pending_objections = 1;
    item.today = d("2019-10-11");
    assert_eq!(
        item.refused(&Actor::system(), Action::CloseNotice),
        Refusal::PendingObjections { count: 1 }
    );
    let dismiss = Action::Dismiss {
        objection_id: 2,
        reason: text("与本问题无关"),
    };
    item.step(&office(), dismiss, ItemState::PublicNotice);
    item.facts.pending_objections = 0;
    record(&item.step(&Actor::system(), Action::CloseNotice, ItemState::SignOff));
    assert!(matches!(
        item.refused(&leader(), signoff()),
        Refusal::MissingEvidence { .. }
    ));
    item.attach(EvidenceKind::NoticeProof);
    record(&item.step(&leader(), signoff(), ItemState::Closed));

    // A rebound reopens it; the unit claims it again.
    let reopen = Action::Reopen {
        reason: text("群众重复投诉，污染反弹"),
    };
    record(&item.step(&office(), reopen, ItemState::Reopened));
    assert!(item.flow.accountability);
    item.step(&lead_unit(), claim(), ItemState::InProgress);

    // Upper-level review: fail once, then pass.
    item.flow.requires_upper_review = true;
    item.submit_and_accept();
    item.today = item.flow.notice.unwrap().1.succ();
    item.step(&Actor::system(), Action::CloseNotice, ItemState::SignOff);
    item.step(&leader(), signoff(), ItemState::SignOff);
    assert!(item.flow.leader_signed);
    let failed = Action::Review {
        passed: false,
        opinion: text("省级复核不通过"),
    };
    item.step(&office(), failed, ItemState::InProgress);
    item.submit_and_accept();
    item.today = item.flow.notice.unwrap().1.succ();
    item.step(&Actor::system(), Action::CloseNotice, ItemState::SignOff);
    item.step(&leader(), signoff(), ItemState::SignOff);
    let passed = Action::Review {
        passed: true,
        opinion: text("复核通过"),
    };
    item.step(&office(), passed, ItemState::Closed);

    // A 长期坚持 item ends in SUSTAIN with a quarterly re-check, and can be reopened.
    let mut sustained = Item::new(true);
    sustained.flow = Flow::new(ItemState::InProgress);
    sustained.facts.measures_done = 2;
    for kind in [
        EvidenceKind::SelfCheck,
        EvidenceKind::Monitoring,
        EvidenceKind::AcceptanceOpinion,
        EvidenceKind::NoticeProof,
    ] {
        sustained.attach(kind);
    }
    sustained.submit_and_accept();
    sustained.today = d("2019-09-20");
    sustained.step(&Actor::system(), Action::CloseNotice, ItemState::SignOff);
    let refusal = sustained.refused(&leader(), signoff()).to_string();
    assert!(
        refusal.contains("文件/制度"),
        "长效机制 document required: {refusal}"
    );
    sustained.attach(EvidenceKind::Document);
    record(&sustained.step(&leader(), signoff(), ItemState::Sustain));
    assert_eq!(sustained.flow.next_recheck, Some(d("2019-12-20")));
    sustained.today = d("2019-12-18");
    let recheck = Action::Recheck {
        note: text("未反弹"),
    };
    sustained.step(&actor(Role::Supervisor, 5), recheck, ItemState::Sustain);
    assert_eq!(sustained.flow.next_recheck, Some(d("2020-03-18")));
    let reopen = Action::Reopen {
        reason: text("专项督察发现反弹"),
    };
    sustained.step(&office(), reopen, ItemState::Reopened);

    for state in ItemState::ALL {
        assert!(seen.contains(state), "{state:?} never reached");
    }
}

#[test]
fn a_five_day_notice_opened_on_friday_2019_09_27_ends_on_10_10() {
    let mut item = Item::new(false);
    item.flow = Flow::new(ItemState::UnderAcceptance);
    item.attach(EvidenceKind::AcceptanceOpinion);
    item.attach(EvidenceKind::NoticeProof);
    item.today = d("2019-09-27");
    item.step(&acceptance(), accept(), ItemState::PublicNotice);
    // 09-29 (a 调休 Sunday), 09-30, 10-08, 10-09, 10-10.
    assert_eq!(item.flow.notice, Some((d("2019-09-27"), d("2019-10-10"))));
    item.today = d("2019-10-10");
    let refusal = item.refused(&leader(), signoff());
    assert_eq!(
        refusal,
        Refusal::NoticeRunning {
            last_day: d("2019-10-10")
        }
    );
    assert!(
        refusal.to_string().contains("2019-10-11 起方可审签"),
        "{refusal}"
    );
    assert!(matches!(
        item.refused(&Actor::system(), Action::CloseNotice),
        Refusal::NoticeRunning { .. }
    ));
    item.today = d("2019-10-11");
    item.step(&Actor::system(), Action::CloseNotice, ItemState::SignOff);
    item.step(&leader(), signoff(), ItemState::Closed);
}

/// For each action: a state it is legal from, an example input, and the roles the spec
/// (workflow.md §8) gives it to.
fn spec() -> Vec<(Action, ItemState, &'static [Role])> {
    use ItemState as S;
    vec![
        (Action::Issue, S::Draft, &[Role::Office]),
        (claim(), S::Issued, &[Role::Unit]),
        (submit(), S::InProgress, &[Role::Unit]),
        (
            Action::ReturnSubmission { reason: text("x") },
            S::Submitted,
            &[Role::Acceptance, Role::Office],
        ),
        (start(), S::Submitted, &[Role::Acceptance]),
        (
            Action::RejectAcceptance {
                opinion: text("x"),
                rework_due: d("2019-12-31"),
            },
            S::UnderAcceptance,
            &[Role::Acceptance],
        ),
        (accept(), S::UnderAcceptance, &[Role::Acceptance]),
        (
            Action::RecordNotice {
                channel: text("网站"),
                link: text("https://x"),
            },
            S::PublicNotice,
            &[Role::Office],
        ),
        (
            Action::Object { objection_id: 1 },
            S::PublicNotice,
            &[Role::Office],
        ),
        (
            Action::Uphold {
                objection_id: 1,
                conclusion: text("x"),
            },
            S::PublicNotice,
            &[Role::Office],
        ),
        (
            Action::Dismiss {
                objection_id: 1,
                reason: text("x"),
            },
            S::PublicNotice,
            &[Role::Office],
        ),
        (signoff(), S::SignOff, &[Role::Leader]),
        (
            Action::Recheck { note: text("x") },
            S::Sustain,
            &[Role::Supervisor, Role::Office],
        ),
        (
            Action::Reopen { reason: text("x") },
            S::Closed,
            &[Role::Office],
        ),
        (
            Action::ProposeAmendment {
                deadline: text("2020年底前"),
                reason: text("x"),
            },
            S::InProgress,
            &[Role::Office],
        ),
        (
            Action::DecideAmendment {
                approve: false,
                note: text("x"),
            },
            S::Amended,
            &[Role::Leader],
        ),
    ]
}

/// An item whose guards all pass, so that only role, unit and state decide.
fn ready(state: ItemState) -> Item {
    let mut item = Item::new(false);
    item.flow = Flow::new(state);
    item.facts.measures_done = 2;
    for kind in [
        EvidenceKind::SelfCheck,
        EvidenceKind::PhotoAfter,
        EvidenceKind::AcceptanceOpinion,
        EvidenceKind::NoticeProof,
    ] {
        item.attach(kind);
    }
    item.flow.pending_amendment = Some((text("2020年底前"), text("x")));
    item
}

#[test]
fn every_illegal_transition_is_refused_with_its_reason_for_every_role() {
    let mut checked = 0;
    for (action, legal_from, allowed) in spec() {
        let kind = action.kind();
        for role in Role::ALL {
            let who = actor(role, LEAD);
            let item = ready(legal_from);
            match item.attempt(&who, action.clone()) {
                Ok(_) => assert!(allowed.contains(&role), "{kind:?} allowed for {role:?}"),
                Err(Refusal::WrongRole { action, .. }) => {
                    assert!(!allowed.contains(&role), "{kind:?} refused for {role:?}");
                    assert_eq!(action, kind);
                }
                Err(other) => panic!("{kind:?} by {role:?}: unexpected {other}"),
            }
            checked += 1;
        }
        let system = ready(legal_from).attempt(&Actor::system(), action.clone());
        assert!(
            matches!(system, Err(Refusal::WrongRole { .. })),
            "{kind:?} by the clock"
        );
        if allowed.contains(&Role::Unit) {
            let stranger = actor(Role::Unit, OTHER_UNIT);
            let refusal = ready(legal_from).refused(&stranger, action.clone());
            assert_eq!(refusal, Refusal::NotLeadUnit { action: kind });
        }
        let who = actor(allowed[0], LEAD);
        for state in ItemState::ALL {
            let item = ready(*state);
            match item.attempt(&who, action.clone()) {
                Ok(t) => assert!(
                    legal_states(kind).contains(state),
                    "{kind:?} allowed from {state:?} to {:?}",
                    t.flow.state
                ),
                Err(Refusal::WrongState {
                    action,
                    state: from,
                }) => {
                    assert_eq!((action, from), (kind, *state));
                    assert!(
                        !legal_states(kind).contains(state),
                        "{kind:?} refused from {state:?}"
                    );
                    let message = Refusal::WrongState {
                        action,
                        state: from,
                    }
                    .to_string();
                    assert!(
                        message.contains(state.label_zh()) && message.contains(kind.label_zh())
                    );
                }
                Err(other) => panic!("{kind:?} from {state:?}: unexpected {other}"),
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
    let t = ready(ItemState::Draft).refused(&office(), Action::CloseNotice);
    assert!(matches!(
        t,
        Refusal::WrongRole {
            action: ActionKind::CloseNotice,
            ..
        }
    ));
}

/// The states each action may start from, as workflow.md §8 lists them.
fn legal_states(kind: ActionKind) -> &'static [ItemState] {
    use ActionKind as A;
    use ItemState as S;
    match kind {
        A::Issue => &[S::Draft],
        A::Claim => &[S::Issued, S::Reopened],
        A::Submit => &[S::InProgress],
        A::ReturnSubmission | A::StartAcceptance => &[S::Submitted],
        A::RejectAcceptance | A::Accept => &[S::UnderAcceptance],
        A::RecordNotice => &[S::PublicNotice, S::SignOff],
        A::Object | A::Uphold | A::Dismiss | A::CloseNotice => &[S::PublicNotice],
        A::SignOff | A::Review => &[S::SignOff],
        A::Recheck => &[S::Sustain],
        A::Reopen => &[S::Closed, S::Sustain],
        A::ProposeAmendment => &[S::InProgress],
        A::DecideAmendment => &[S::Amended],
    }
}

#[test]
fn immediate_items_may_apply_for_acceptance_straight_away_and_inputs_are_required() {
    let mut item = ready(ItemState::Issued);
    assert!(matches!(
        item.refused(&lead_unit(), submit()),
        Refusal::WrongState { .. }
    ));
    item.facts.immediate = true;
    item.step(&lead_unit(), submit(), ItemState::Submitted);
    let empty = ready(ItemState::Submitted).refused(
        &acceptance(),
        Action::ReturnSubmission { reason: text(" ") },
    );
    assert!(matches!(empty, Refusal::MissingInput { .. }));
    assert!(empty.to_string().contains("退回原因"));
}

#[test]
fn available_actions_follow_role_unit_and_state() {
    let mut item = ready(ItemState::PublicNotice);
    let offered = |item: &Item, who: &Actor| {
        available(&Context {
            flow: &item.flow,
            facts: &item.facts,
            actor: who,
            today: item.today,
            calendar: &item.calendar,
            config: WorkflowConfig::default(),
        })
    };
    use ActionKind as A;
    assert_eq!(
        offered(&item, &office()),
        vec![A::RecordNotice, A::Object],
        "no objection to decide on"
    );
    item.facts.pending_objections = 1;
    assert_eq!(
        offered(&item, &office()),
        vec![A::RecordNotice, A::Object, A::Uphold, A::Dismiss]
    );
    let cx = |who: &Actor| offered(&item, who);
    assert!(
        cx(&leader()).is_empty(),
        "no sign-off while the notice runs"
    );
    let signing = ready(ItemState::SignOff);
    let offered = available(&Context {
        flow: &signing.flow,
        facts: &signing.facts,
        actor: &leader(),
        today: signing.today,
        calendar: &signing.calendar,
        config: WorkflowConfig::default(),
    });
    assert_eq!(offered, vec![A::SignOff]);
    assert!(cx(&lead_unit()).is_empty());
    assert!(cx(&actor(Role::Viewer, 1)).is_empty());
}

#[test]
fn who_sees_which_item() {
    let leaders = vec!["王建国（副市长）".to_string()];
    let supervisors = vec!["李明（市生态环境局局长）".to_string()];
    let item = Visibility {
        state: ItemState::InProgress,
        units: &[LEAD, OTHER_UNIT],
        leaders: &leaders,
        supervisors: &supervisors,
    };
    let viewer = |role: Role, units: Vec<i64>, person: &str| Viewer {
        roles: vec![role],
        units,
        person: person.to_string(),
    };
    assert!(viewer(Role::Office, vec![1], "").sees(&item));
    assert!(viewer(Role::Discipline, vec![1], "").sees(&item));
    assert!(
        viewer(Role::Unit, vec![OTHER_UNIT], "").sees(&item),
        "a co-unit sees it"
    );
    assert!(
        viewer(Role::Unit, vec![3, LEAD], "").sees(&item),
        "a parent unit sees its children's items"
    );
    assert!(!viewer(Role::Unit, vec![99], "").sees(&item));
    assert!(viewer(Role::Leader, vec![1], "王建国（副市长）").sees(&item));
    assert!(!viewer(Role::Leader, vec![1], "赵志刚（副市长）").sees(&item));
    assert!(viewer(Role::Supervisor, vec![1], "李明（市生态环境局局长）").sees(&item));
    assert!(
        viewer(Role::Viewer, vec![99], "").sees(&item),
        "read-only users read everything"
    );
    assert!(!viewer(Role::Acceptance, vec![99], "").sees(&item));
    let waiting = Visibility {
        state: ItemState::Submitted,
        ..item
    };
    assert!(viewer(Role::Acceptance, vec![99], "").sees(&waiting));
}

#[test]
fn an_items_state_on_an_earlier_day_comes_from_its_changes() {
    use ItemState as S;
    use rectify_core::workflow::{StateChange, StateHistory};
    let day = |text: &str| Date::parse(text).unwrap();
    let change = |on: &str, from, to| StateChange {
        on: day(on),
        from,
        to,
    };
    // Signed off in July, reopened in October (the demo's item 21).
    let history = StateHistory {
        current: S::Reopened,
        changes: vec![
            change("2026-06-02", S::Issued, S::InProgress),
            change("2026-07-01", S::InProgress, S::Submitted),
            change("2026-07-06", S::Submitted, S::PublicNotice),
            change("2026-07-20", S::PublicNotice, S::SignOff),
            change("2026-07-20", S::SignOff, S::Closed),
            change("2026-10-15", S::Closed, S::Reopened),
        ],
    };
    let at = |text: &str| (history.state_on(day(text)), history.completed_on(day(text)));
    assert_eq!(at("2026-05-31"), (S::Issued, None));
    assert_eq!(at("2026-06-30"), (S::InProgress, None));
    assert_eq!(at("2026-07-19"), (S::PublicNotice, None));
    assert_eq!(at("2026-07-20"), (S::Closed, Some(day("2026-07-20"))));
    assert_eq!(at("2026-09-30"), (S::Closed, Some(day("2026-07-20"))));
    assert_eq!(at("2026-10-31"), (S::Reopened, None));
    // Nothing recorded: the state now, whatever the day.
    let unchanged = StateHistory {
        current: S::InProgress,
        changes: Vec::new(),
    };
    assert_eq!(unchanged.state_on(day("2020-01-31")), S::InProgress);
}

#[test]
fn a_shared_item_applies_only_when_every_county_is_done() {
    let mut item = Item::new(false);
    item.facts.lead_is_group = true;
    item.facts.measures_done = 2;
    item.attach(EvidenceKind::SelfCheck);
    item.attach(EvidenceKind::PhotoAfter);
    item.step(&office(), Action::Issue, ItemState::Issued);
    // The group leads no one: the office claims for it, and no clerk may.
    assert!(matches!(
        item.refused(&lead_unit(), claim()),
        Refusal::NotLeadUnit { .. }
    ));
    item.step(&office(), claim(), ItemState::InProgress);
    item.facts.open_tasks = vec![text("北岭县"), text("南山区")];
    let refusal = item.refused(&office(), submit());
    assert_eq!(
        refusal,
        Refusal::TasksOpen {
            units: vec![text("北岭县"), text("南山区")]
        }
    );
    assert!(refusal.to_string().contains("北岭县、南山区"), "{refusal}");
    item.facts.open_tasks.clear();
    item.step(&office(), submit(), ItemState::Submitted);
}

#[test]
fn the_office_applies_only_for_items_a_group_leads() {
    let mut item = Item::new(false);
    item.step(&office(), Action::Issue, ItemState::Issued);
    assert!(matches!(
        item.refused(&office(), claim()),
        Refusal::WrongRole { .. }
    ));
}
