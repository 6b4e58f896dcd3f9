//! A register's monthly sheet for the bulletin (workflow.md §9 item 10): how many entries there
//! were at the month's end and in which states, what was added, finished and inspected in the
//! month, and every rebound.

use super::Kind;
use rectify_exact::date::Date;
use serde::{Deserialize, Serialize};

/// One entry as the monthly sheet needs it.
#[derive(Debug, Clone)]
pub struct EntryHistory {
    pub name: String,
    pub county: String,
    pub created_on: Date,
    /// The state code now.
    pub state: String,
    /// Its moves, oldest first.
    pub moves: Vec<EntryMove>,
    /// Its inspections: the day and whether it passed.
    pub inspections: Vec<(Date, bool)>,
}

#[derive(Debug, Clone)]
pub struct EntryMove {
    pub on: Date,
    pub from: String,
    pub to: String,
    pub rebound: bool,
    pub reason: String,
}

impl EntryHistory {
    /// The state code at the end of `day`.
    pub fn state_on(&self, day: Date) -> &str {
        self.moves
            .iter()
            .find(|m| m.on > day)
            .map_or(self.state.as_str(), |m| m.from.as_str())
    }
}

/// A register's figures for a month, frozen with the bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterMonth {
    /// "散乱污企业".
    pub kind: String,
    pub total: u32,
    pub added: u32,
    /// Moved into a done state (销号, 移出名录, 完工) in the month.
    pub finished: u32,
    pub inspected: u32,
    pub failed: u32,
    /// Each state with its count at the month's end, in the kind's order, empty ones left out.
    pub by_state: Vec<(String, u32)>,
    pub rebounds: Vec<ReboundLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReboundLine {
    pub name: String,
    pub county: String,
    pub on: String,
    pub reason: String,
}

/// The kind's sheet for the month `first_day..=as_of`; `None` when it had no entry by then.
pub fn month(
    kind: Kind,
    entries: &[EntryHistory],
    first_day: Date,
    as_of: Date,
) -> Option<RegisterMonth> {
    let existing: Vec<&EntryHistory> = entries.iter().filter(|e| e.created_on <= as_of).collect();
    if existing.is_empty() {
        return None;
    }
    let in_month = |on: Date| on >= first_day && on <= as_of;
    let count =
        |f: &dyn Fn(&EntryHistory) -> usize| existing.iter().map(|e| f(e)).sum::<usize>() as u32;
    let by_state = kind
        .states()
        .into_iter()
        .map(|code| {
            let n = existing
                .iter()
                .filter(|e| e.state_on(as_of) == code)
                .count() as u32;
            (kind.state_label(code), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let rebounds = existing
        .iter()
        .flat_map(|e| {
            e.moves
                .iter()
                .filter(|m| m.rebound && in_month(m.on))
                .map(|m| ReboundLine {
                    name: e.name.clone(),
                    county: e.county.clone(),
                    on: m.on.to_string(),
                    reason: m.reason.clone(),
                })
        })
        .collect();
    Some(RegisterMonth {
        kind: kind.label_zh().to_string(),
        total: existing.len() as u32,
        added: count(&|e| usize::from(in_month(e.created_on))),
        finished: count(&|e| {
            e.moves
                .iter()
                .filter(|m| in_month(m.on) && kind.is_done(&m.to) && !kind.is_done(&m.from))
                .count()
        }),
        inspected: count(&|e| e.inspections.iter().filter(|(on, _)| in_month(*on)).count()),
        failed: count(&|e| {
            e.inspections
                .iter()
                .filter(|(on, passed)| in_month(*on) && !passed)
                .count()
        }),
        by_state,
        rebounds,
    })
}
