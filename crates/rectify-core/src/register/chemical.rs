//! Chemical enterprises under the 红黄蓝绿 labels (workflow.md §6.2): each rating and re-rating
//! is a move with its date, rating body and (for a re-rating) reason; a 红 label stands for
//! closure and needs the closure decision on file. What each colour means is the city's text
//! (setting `register.chemical.colours`); the defaults are the spec's recommended reading.

use super::{Lifecycle, MoveContext, Refusal, check_rating};
use rectify_exact::date::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

labelled_enum!(
    State, "标识颜色" {
        Unrated => "unrated", "待评定";
        Green => "green", "绿";
        Blue => "blue", "蓝";
        Yellow => "yellow", "黄";
        Red => "red", "红";
    }
);

/// The closure decision a 红 label rests on.
pub const CLOSURE_RECORD: &str = "关停决定书";

/// The colours' meanings when the city has not set its own (workflow.md §6.2, UNSURE: by
/// analogy with Shandong's 2017 rating).
pub const DEFAULT_MEANINGS: [(State, &str); 4] = [
    (State::Red, "关停、淘汰退出"),
    (State::Yellow, "限期整改、停产整顿"),
    (State::Blue, "改造提升、规范管理"),
    (State::Green, "达标、保留"),
];

/// Every field may be left out (an entry is first registered by name and place).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Details {
    /// The chemical park it is in; empty outside a park.
    pub park: String,
    pub products: String,
    /// 安全、环保、节能、转型 scores as the rating gives them.
    pub scores: String,
    pub rated_on: Option<Date>,
    pub rating_body: String,
    pub required_action: String,
    pub deadline: Option<Date>,
}

impl Lifecycle for State {
    const ORDER: &'static [State] = State::ALL;
    type Details = Details;

    fn next(from: State) -> &'static [State] {
        use State::*;
        match from {
            Unrated => &[Green, Blue, Yellow, Red],
            Green => &[Blue, Yellow, Red],
            Blue => &[Green, Yellow, Red],
            Yellow => &[Green, Blue, Red],
            Red => &[Green, Blue, Yellow],
        }
    }

    /// A label is never finished: it is re-rated.
    fn done(self) -> bool {
        false
    }

    fn guard(d: &Details, from: State, to: State, cx: &MoveContext<'_>) -> Result<(), Refusal> {
        check_rating(
            cx,
            to.label_zh(),
            from != State::Unrated,
            (to == State::Red).then_some(CLOSURE_RECORD),
            &[
                (d.rated_on.is_some(), "评定日期"),
                (!d.rating_body.trim().is_empty(), "评定单位"),
            ],
        )
    }
}
