//! Enterprise environmental credit ratings (环境信用评价): four levels a year, from 环保诚信 (绿)
//! to 环保不良 (红); each rating carries its year and basis, a re-rating its reason, and an
//! 环保不良 rating the enforcement decision behind it.

use super::{Lifecycle, MoveContext, Refusal, check_rating};
use serde::{Deserialize, Serialize};
use std::fmt;

labelled_enum!(
    State, "信用等级" {
        Unrated => "unrated", "待评定";
        Honest => "honest", "环保诚信";
        Good => "good", "环保良好";
        Warning => "warning", "环保警示";
        Bad => "bad", "环保不良";
    }
);

impl State {
    /// The colour the level is published in.
    pub fn colour(self) -> &'static str {
        match self {
            State::Unrated => "",
            State::Honest => "绿",
            State::Good => "蓝",
            State::Warning => "黄",
            State::Bad => "红",
        }
    }
}

/// The enforcement decision an 环保不良 rating rests on.
pub const ENFORCEMENT_RECORD: &str = "行政处罚决定书";

/// Every field may be left out (an entry is first registered by name and place).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    /// The year rated, as written ("2026").
    pub year: String,
    /// What the rating rests on (监测、处罚、信访 …).
    pub basis: String,
    /// What follows from it (信贷、招投标、差别电价 …).
    pub consequences: String,
    pub rating_body: String,
}

impl Lifecycle for State {
    const ORDER: &'static [State] = State::ALL;
    type Details = Details;

    fn next(from: State) -> &'static [State] {
        use State::*;
        match from {
            Unrated => &[Honest, Good, Warning, Bad],
            Honest => &[Good, Warning, Bad],
            Good => &[Honest, Warning, Bad],
            Warning => &[Honest, Good, Bad],
            Bad => &[Honest, Good, Warning],
        }
    }

    /// A rating is never finished: it is renewed every year.
    fn done(self) -> bool {
        false
    }

    fn guard(d: &Details, from: State, to: State, cx: &MoveContext<'_>) -> Result<(), Refusal> {
        check_rating(
            cx,
            to.label_zh(),
            from != State::Unrated,
            (to == State::Bad).then_some(ENFORCEMENT_RECORD),
            &[
                (!d.year.trim().is_empty(), "评价年度"),
                (!d.basis.trim().is_empty(), "评价依据"),
            ],
        )
    }
}
