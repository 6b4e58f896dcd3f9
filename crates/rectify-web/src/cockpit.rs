//! 领导驾驶舱: one page for leaders and the office that prints on A4 landscape — completion by
//! scope, the 红 items with their reasons and owners, the county ranking and its movement, the
//! air and water targets against the year so far, the complaints' clocks and the register
//! rebounds. Every figure is the running month's bulletin facts as of today
//! (`rectify_app::bulletin::facts_for`), the numbers the bulletin would print.

use crate::AppState;
use crate::auth::{Me, Session};
use crate::error::{PageResult, WebError};
use crate::kit::render;
use askama::Template;
use axum::extract::State;
use rectify_core::bulletin::{BulletinFacts, ItemLine, RankLine, Totals};
use rectify_core::dispatch::AsOf;
use rectify_core::org::Role;
use rectify_core::register::monthly::ReboundLine;
use rectify_store::today_china;

/// Who opens the cockpit: leaders, the office, and those who see everything.
const COCKPIT: &[Role] = &[
    Role::Leader,
    Role::Office,
    Role::Admin,
    Role::Viewer,
    Role::Discipline,
];

#[derive(Template)]
#[template(path = "cockpit.html")]
struct CockpitPage {
    me: Me,
    as_of: String,
    /// Each scope's totals with its completion rate (closed, 长期坚持 and awaiting sign-off).
    totals: Vec<(Totals, String)>,
    red: Vec<ItemLine>,
    counties: Vec<RankLine>,
    environment: Vec<String>,
    /// (received, answered, past their day unanswered), when complaints were transferred.
    complaints: Option<(u32, u32, u32)>,
    rebounds: Vec<(String, ReboundLine)>,
}

pub async fn show(State(state): State<AppState>, session: Session) -> PageResult {
    if !COCKPIT.iter().any(|r| session.user.roles.contains(r)) {
        return Err(WebError::NotFound);
    }
    let today = today_china();
    let as_of =
        AsOf::for_period(today.year, today.month, today).map_err(|e| WebError::internal(&e))?;
    let facts: BulletinFacts = rectify_app::bulletin::facts_for(&state.store, as_of).await?;
    let complaints = facts.complaints.as_ref().map(|c| {
        let overdue = c.units.iter().map(|u| u.overdue).sum();
        (c.received, c.reported, overdue)
    });
    let rebounds = facts
        .registers
        .iter()
        .flat_map(|r| r.rebounds.iter().map(|l| (r.kind.clone(), l.clone())))
        .collect();
    render(CockpitPage {
        me: session.me(),
        as_of: today.chinese(),
        red: facts
            .lagging
            .iter()
            .filter(|l| l.colour == "红")
            .cloned()
            .collect(),
        totals: facts
            .totals
            .into_iter()
            .map(|t| {
                let rate = t.completion_rate();
                (t, rate)
            })
            .collect(),
        counties: facts.counties,
        environment: facts.environment,
        complaints,
        rebounds,
    })
}

/// Who may open the cockpit, for the menu.
pub(crate) const ROLES: &[Role] = COCKPIT;
