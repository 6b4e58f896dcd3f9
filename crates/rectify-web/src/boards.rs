//! The two steps of 销号 where items queue for someone else: the acceptance queue (验收) and the
//! public-notice board (公示), each with the actions this user may take on every item, inline.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::caches::{Snapshot, tick_since, visible_items};
use crate::error::PageResult;
use crate::forms::{ActionForm, BOARDS, action_form};
use crate::kit::{FlashQuery, actor, render, short};
use askama::Template;
use axum::extract::{Query, State};
use rectify_core::ledger::ItemState;
use rectify_core::workflow::ActionKind;
use rectify_exact::date::Date;
use rectify_store::ledger::StoredItem;
use rectify_store::workflow::ItemWorkflow;
use std::collections::HashMap;

struct BoardRow {
    href: String,
    /// For the inline forms' addresses.
    plan_query: String,
    number: u32,
    /// When the item reached this step, for the order of the queue.
    since: Option<Date>,
    problem: String,
    lead: String,
    state: &'static str,
    cells: Vec<String>,
    actions: Vec<ActionForm>,
}

struct BoardSection {
    title: String,
    columns: &'static [&'static str],
    rows: Vec<BoardRow>,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    me: Me,
    title: &'static str,
    intro: &'static str,
    back: &'static str,
    flash: Option<String>,
    sections: Vec<BoardSection>,
}

/// What one board shows: which items, the columns besides number, problem, lead unit and state,
/// and which actions it offers inline (the item page offers all of them).
struct Board {
    path: &'static str,
    title: &'static str,
    intro: &'static str,
    sections: Vec<SectionSpec>,
    actions: &'static [ActionKind],
    /// The workflow actions that bring an item to this board (their dates are read from the
    /// journal).
    arrivals: &'static [&'static str],
}

struct SectionSpec {
    title: &'static str,
    states: &'static [ItemState],
    columns: &'static [&'static str],
    cells: fn(&RowFacts<'_>) -> Vec<String>,
}

/// What a section's cells are computed from.
struct RowFacts<'a> {
    workflow: &'a ItemWorkflow,
    snapshot: &'a Snapshot,
    today: Date,
    /// The latest step the item took toward this board, with its business date.
    step: Option<&'a (String, Date)>,
}

impl RowFacts<'_> {
    fn waited(&self) -> String {
        match self.step {
            Some((_, on)) => format!(
                "{on}（{} 个工作日）",
                self.snapshot.calendar.workdays_between(*on, self.today)
            ),
            None => "—".into(),
        }
    }

    fn evidence(&self) -> String {
        let facts = &self.workflow.facts;
        format!(
            "措施 {}/{} · 材料 {} 份",
            facts.measures_done,
            facts.measures,
            facts.evidence.len()
        )
    }
}

fn acceptance_board() -> Board {
    Board {
        path: BOARDS[0],
        title: "验收",
        intro: "单位申请验收后，验收单位受理、组织验收并出具验收意见；通过后自动进入公示。",
        sections: vec![
            SectionSpec {
                title: "待受理（申请验收）",
                states: &[ItemState::Submitted],
                columns: &["申请日期（已等待）", "完成情况"],
                cells: |f| vec![f.waited(), f.evidence()],
            },
            SectionSpec {
                title: "验收中",
                states: &[ItemState::UnderAcceptance],
                columns: &["受理日期（已历时）", "完成情况"],
                cells: |f| vec![f.waited(), f.evidence()],
            },
        ],
        actions: &[
            ActionKind::ReturnSubmission,
            ActionKind::StartAcceptance,
            ActionKind::RejectAcceptance,
            ActionKind::Accept,
        ],
        arrivals: &["submit", "start-acceptance"],
    }
}

fn notice_board() -> Board {
    Board {
        path: BOARDS[1],
        title: "公示",
        intro: "验收通过的问题在公示期内接受社会监督；公示期间收到的异议须逐件核查，全部办结且期满后方可审签销号。",
        sections: vec![
            SectionSpec {
                title: "公示中",
                states: &[ItemState::PublicNotice],
                columns: &["公示期", "剩余", "待核查异议"],
                cells: |f| {
                    let flow = &f.workflow.flow;
                    let (period, left) = match flow.notice {
                        Some((first, last)) => (
                            format!("{first} 至 {last}"),
                            remaining(f.snapshot, f.today, (first, last)),
                        ),
                        None => ("—".into(), "—".into()),
                    };
                    let pending = f.workflow.facts.pending_objections;
                    let objections = if pending == 0 {
                        "无".into()
                    } else {
                        format!("{pending} 件")
                    };
                    vec![period, left, objections]
                },
            },
            SectionSpec {
                title: "公示期满，待审签销号",
                states: &[ItemState::SignOff],
                columns: &["公示期", "审签"],
                cells: |f| {
                    let flow = &f.workflow.flow;
                    let period = flow
                        .notice
                        .map_or("—".into(), |(first, last)| format!("{first} 至 {last}"));
                    let signed = if flow.leader_signed {
                        "已审签，待上级复核"
                    } else {
                        "待审签"
                    };
                    vec![period, signed.into()]
                },
            },
        ],
        actions: &[
            ActionKind::RecordNotice,
            ActionKind::Object,
            ActionKind::Uphold,
            ActionKind::Dismiss,
            ActionKind::CloseNotice,
        ],
        arrivals: &[],
    }
}

fn remaining(snapshot: &Snapshot, today: Date, window: (Date, Date)) -> String {
    if rectify_core::workflow::notice_ended(window, today) {
        return "已期满".into();
    }
    let (_, last) = window;
    let workdays = snapshot.calendar.workdays_between(today, last);
    let today_counts = i64::from(snapshot.calendar.is_workday(today));
    format!("含今日 {} 个工作日", workdays + today_counts)
}

pub async fn acceptance(
    State(state): State<AppState>,
    session: Session,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    show(&state, session, acceptance_board(), flash).await
}

pub async fn notices(
    State(state): State<AppState>,
    session: Session,
    Query(flash): Query<FlashQuery>,
) -> PageResult {
    show(&state, session, notice_board(), flash).await
}

async fn show(state: &AppState, session: Session, board: Board, flash: FlashQuery) -> PageResult {
    let (today, snapshot) = tick_since(state, session.seen_head).await?;
    let steps = if board.arrivals.is_empty() {
        HashMap::new()
    } else {
        state.store.latest_item_actions(board.arrivals).await?
    };
    let visible = visible_items(snapshot.clone(), &session.viewer);
    let me = actor(&session);
    let offered = |workflow: &ItemWorkflow| -> Vec<ActionForm> {
        snapshot
            .actions(workflow, &me, today)
            .into_iter()
            .filter(|kind| board.actions.contains(kind))
            .map(action_form)
            .collect()
    };
    let sections = board
        .sections
        .iter()
        .map(|spec| section(spec, &visible.items(), &snapshot, today, &steps, &offered))
        .collect();
    render(BoardPage {
        me: session.me(),
        title: board.title,
        intro: board.intro,
        back: board.path,
        flash: crate::flash::shown(&session, flash.done),
        sections,
    })
}

fn section(
    spec: &SectionSpec,
    items: &[&StoredItem],
    snapshot: &Snapshot,
    today: Date,
    steps: &HashMap<i64, (String, Date)>,
    offered: &dyn Fn(&ItemWorkflow) -> Vec<ActionForm>,
) -> BoardSection {
    let mut rows: Vec<BoardRow> = items
        .iter()
        .filter(|s| spec.states.contains(&s.item.state))
        .filter_map(|stored| {
            let workflow = snapshot.workflows.get(&stored.id)?;
            let step = steps.get(&stored.id);
            let facts = RowFacts {
                workflow,
                snapshot,
                today,
                step,
            };
            Some(BoardRow {
                href: snapshot.item_path(stored),
                plan_query: snapshot.plan_query(stored),
                number: stored.item.number,
                since: step.map(|(_, on)| *on),
                problem: short(&stored.item.problem, 60),
                lead: stored.item.lead_unit.clone(),
                state: stored.item.state.label_zh(),
                cells: (spec.cells)(&facts),
                actions: offered(workflow),
            })
        })
        .collect();
    // What this user can act on first, then the longest waiting, then by number.
    rows.sort_by_key(|r| (r.actions.is_empty(), r.since, r.number));
    BoardSection {
        title: format!("{}（{}）", spec.title, rows.len()),
        columns: spec.columns,
        rows,
    }
}
