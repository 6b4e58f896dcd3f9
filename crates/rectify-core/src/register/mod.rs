//! Standing registers beside the plan (workflow.md §6): 散乱污 enterprises, construction sites under
//! the 六个百分之百 dust rules, contaminated plots, and the other kinds. One mechanism serves them
//! all — identity, a state machine whose moves are checked here, dated inspections with a
//! checklist, rebounds — and each kind keeps its own states and rules in its own module.

use crate::Labelled;
use rectify_exact::date::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

pub mod boiler;
pub mod chemical;
pub mod credit;
pub mod credit_code;
mod entry;
pub mod monthly;
pub mod plot;
pub mod scattered;
pub mod site;
pub mod water_body;

pub use credit_code::CreditCode;
pub use entry::{EntryRecord, NewEntry};

labelled_enum!(
    /// The register an entry belongs to.
    Kind, "名录类型" {
        Scattered => "scattered", "散乱污企业";
        Site => "site", "建筑工地";
        WaterBody => "water_body", "黑臭水体";
        Plot => "plot", "污染地块";
        Chemical => "chemical", "化工企业";
        Credit => "credit", "环境信用";
        Boiler => "boiler", "燃煤锅炉";
    }
);

/// Runs `$body` with `$S` bound to the state type of `$kind`: the one place that lists every
/// kind with its module.
macro_rules! with_states {
    ($kind:expr, $S:ident => $body:expr) => {
        match $kind {
            Kind::Scattered => {
                type $S = scattered::State;
                $body
            }
            Kind::Site => {
                type $S = site::State;
                $body
            }
            Kind::WaterBody => {
                type $S = water_body::State;
                $body
            }
            Kind::Plot => {
                type $S = plot::State;
                $body
            }
            Kind::Chemical => {
                type $S = chemical::State;
                $body
            }
            Kind::Credit => {
                type $S = credit::State;
                $body
            }
            Kind::Boiler => {
                type $S = boiler::State;
                $body
            }
        }
    };
}

/// Runs `$body` with `$d` bound to the typed fields of `$details`, and `$S` to its state type.
macro_rules! with_details {
    ($details:expr, $d:ident, $S:ident => $body:expr) => {
        match $details {
            Details::Scattered($d) => {
                type $S = scattered::State;
                $body
            }
            Details::Site($d) => {
                type $S = site::State;
                $body
            }
            Details::WaterBody($d) => {
                type $S = water_body::State;
                $body
            }
            Details::Plot($d) => {
                type $S = plot::State;
                $body
            }
            Details::Chemical($d) => {
                type $S = chemical::State;
                $body
            }
            Details::Credit($d) => {
                type $S = credit::State;
                $body
            }
            Details::Boiler($d) => {
                type $S = boiler::State;
                $body
            }
        }
    };
}

impl Kind {
    /// The states an entry of this kind can be in, in their usual order.
    pub fn states(self) -> Vec<&'static str> {
        with_states!(self, S => S::ORDER.iter().map(|s| s.code()).collect())
    }

    /// The state a new entry starts in.
    pub fn initial_state(self) -> &'static str {
        self.states().first().copied().unwrap_or("")
    }

    /// The code of a state of this kind given by its code or its label.
    pub fn parse_state(self, text: &str) -> Option<&'static str> {
        with_states!(self, S => S::parse(text).map(|s| s.code()))
    }

    /// The states (codes) an entry in `code` may move to.
    pub fn next_states(self, code: &str) -> Vec<&'static str> {
        with_states!(self, S => S::parse(code).map_or_else(Vec::new, |s| {
            S::next(s).iter().map(|n| n.code()).collect()
        }))
    }

    /// Whether the state (a code) means the entry's work is done.
    pub fn is_done(self, code: &str) -> bool {
        with_states!(self, S => S::parse(code).is_some_and(Lifecycle::done))
    }

    /// The label of a state code of this kind, or the code itself when it is not one.
    pub fn state_label(self, code: &str) -> String {
        with_states!(self, S => S::parse(code).map_or_else(|| code.to_string(), |s| s.label_zh().to_string()))
    }

    /// The evidence kinds its rules ask for, then a site photo, for the upload form.
    pub fn evidence_kinds(self) -> Vec<&'static str> {
        let mut kinds = match self {
            Kind::Scattered => {
                let mut k = scattered::CLEARANCES.to_vec();
                k.push(scattered::UPGRADE_EVIDENCE);
                k
            }
            Kind::WaterBody => vec![water_body::COMPLETION_REPORT],
            Kind::Plot => vec![plot::SURVEY_REPORT, plot::RISK_REPORT, plot::EFFECT_REPORT],
            Kind::Chemical => vec![chemical::CLOSURE_RECORD],
            Kind::Credit => vec![credit::ENFORCEMENT_RECORD],
            Kind::Boiler => vec![boiler::REMOVAL_PHOTO, boiler::MONITORING_REPORT],
            Kind::Site => Vec::new(),
        };
        kinds.push(PHOTO);
        kinds
    }
}

/// An entry's own fields, typed by its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Details {
    Scattered(scattered::Details),
    Site(site::Details),
    WaterBody(water_body::Details),
    Plot(plot::Details),
    Chemical(chemical::Details),
    Credit(credit::Details),
    Boiler(boiler::Details),
}

impl Details {
    /// The empty fields of a kind, for an entry registered by name and place alone.
    pub fn empty(kind: Kind) -> Details {
        match kind {
            Kind::Scattered => Details::Scattered(Default::default()),
            Kind::Site => Details::Site(Default::default()),
            Kind::WaterBody => Details::WaterBody(Default::default()),
            Kind::Plot => Details::Plot(Default::default()),
            Kind::Chemical => Details::Chemical(Default::default()),
            Kind::Credit => Details::Credit(Default::default()),
            Kind::Boiler => Details::Boiler(Default::default()),
        }
    }

    /// Reads the fields of `kind` from JSON (as stored, or as a form or a file gives them),
    /// naming the field that does not read.
    pub fn from_json(kind: Kind, value: serde_json::Value) -> Result<Details, String> {
        let mut details = Details::empty(kind);
        with_details!(&mut details, d, _S => {
            *d = serde_json::from_value(value).map_err(|e| e.to_string())?;
        });
        Ok(details)
    }

    pub fn kind(&self) -> Kind {
        match self {
            Details::Scattered(_) => Kind::Scattered,
            Details::Site(_) => Kind::Site,
            Details::WaterBody(_) => Kind::WaterBody,
            Details::Plot(_) => Kind::Plot,
            Details::Chemical(_) => Kind::Chemical,
            Details::Credit(_) => Kind::Credit,
            Details::Boiler(_) => Kind::Boiler,
        }
    }

    /// Checks a move of an entry with these fields between two state codes of its kind.
    pub fn check_move(&self, from: &str, to: &str, cx: &MoveContext<'_>) -> Result<(), Refusal> {
        with_details!(self, d, S => check_move::<S>(d, from, to, cx).map(drop))
    }

    /// Keeps what a sheet does not carry (a water body's monitoring samples) from the stored
    /// fields when a sheet updates an entry.
    pub fn carry_over(&mut self, stored: &Details) {
        if let (Details::WaterBody(new), Details::WaterBody(old)) = (self, stored) {
            new.samples.clone_from(&old.samples);
        }
    }

    /// Whether the move reopens a finished entry (反弹, 返黑返臭).
    pub fn is_rebound(&self, from: &str, to: &str) -> bool {
        with_details!(self, _d, S => match (S::parse(from), S::parse(to)) {
            (Some(from), Some(to)) => S::rebound(from, to),
            _ => false,
        })
    }

    /// The state an entry moves to when the problem comes back (a patrol finds activity, a
    /// complaint names the site, an inspection finds it), if it is in a state that can rebound.
    pub fn rebound_to(&self, from: &str) -> Option<&'static str> {
        self.kind()
            .next_states(from)
            .into_iter()
            .find(|to| self.is_rebound(from, to))
    }
}

/// The evidence kind of a photo taken on site.
pub const PHOTO: &str = "现场照片";

/// What every entry has, whatever its kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Identity {
    pub name: String,
    /// 统一社会信用代码, when the entry is an organisation that has one.
    pub credit_code: Option<CreditCode>,
    pub address: String,
    /// The county (district, zone) it lies in, as the org chart names it.
    pub county: String,
    /// 乡镇（街道）/网格.
    pub township: String,
    /// Longitude and latitude as written (decimal degrees), when known.
    pub coordinates: Option<(String, String)>,
}

/// A state machine of a register kind: its states in order, the moves allowed, and the rules a
/// move must pass beyond being allowed.
pub trait Lifecycle: Labelled + Serialize {
    const ORDER: &'static [Self];
    /// The kind-specific fields the rules look at.
    type Details;
    /// Where an entry may go from `from`.
    fn next(from: Self) -> &'static [Self];
    /// Signed off, closed or delisted: the entry's work is done.
    fn done(self) -> bool;
    /// The move reopens a finished entry because the problem came back (反弹, 返黑返臭).
    fn rebound(_from: Self, _to: Self) -> bool {
        false
    }
    /// The kind's own conditions on an allowed move.
    fn guard(
        details: &Self::Details,
        from: Self,
        to: Self,
        cx: &MoveContext<'_>,
    ) -> Result<(), Refusal>;
}

/// What a move is checked against besides the entry's details.
#[derive(Debug, Clone, Copy)]
pub struct MoveContext<'a> {
    pub on: Date,
    /// The kinds of the evidence files on the entry ("断水", "现场照片", …).
    pub evidence: &'a [String],
    /// Why, as the person moving it wrote.
    pub reason: &'a str,
    /// Failed inspections not yet re-checked and passed.
    pub open_findings: usize,
}

impl MoveContext<'_> {
    pub fn has_evidence(&self, kind: &str) -> bool {
        self.evidence.iter().any(|e| e == kind)
    }

    /// Refuses the move to `to` unless the entry has evidence of every one of `kinds`, naming
    /// those missing.
    pub fn require_evidence(&self, to: &'static str, kinds: &[&str]) -> Result<(), Refusal> {
        let missing: Vec<String> = kinds
            .iter()
            .filter(|k| !self.has_evidence(k))
            .map(|k| k.to_string())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Refusal::MissingEvidence { to, missing })
        }
    }
}

/// The rules of the rated kinds (化工企业 labels, environmental credit): a rating needs its
/// fields, a re-rating its reason, and the worst rating the record behind it.
pub(crate) fn check_rating(
    cx: &MoveContext<'_>,
    to: &'static str,
    rerating: bool,
    record: Option<&str>,
    fields: &[(bool, &'static str)],
) -> Result<(), Refusal> {
    for (filled, field) in fields {
        require_field(*filled, to, field)?;
    }
    require_field(!rerating || !cx.reason.trim().is_empty(), to, "调整原因")?;
    match record {
        Some(record) => cx.require_evidence(to, &[record]),
        None => Ok(()),
    }
}

/// Refuses the move to `to` when a field it needs is empty.
pub fn require_field(filled: bool, to: &'static str, field: &'static str) -> Result<(), Refusal> {
    if filled {
        Ok(())
    } else {
        Err(Refusal::MissingField { to, field })
    }
}

/// Checks a move of an entry from `from` to `to` (state codes of the kind `L`).
pub fn check_move<L: Lifecycle>(
    details: &L::Details,
    from: &str,
    to: &str,
    cx: &MoveContext<'_>,
) -> Result<L, Refusal> {
    let parse = |code: &str| {
        L::parse(code).ok_or_else(|| Refusal::UnknownState {
            state: code.to_string(),
            known: L::ORDER
                .iter()
                .map(|s| s.label_zh())
                .collect::<Vec<_>>()
                .join("、"),
        })
    };
    let (from, to) = (parse(from)?, parse(to)?);
    if !L::next(from).contains(&to) {
        return Err(Refusal::NotAllowed {
            from: from.label_zh(),
            to: to.label_zh(),
            allowed: L::next(from)
                .iter()
                .map(|s| s.label_zh())
                .collect::<Vec<_>>()
                .join("、"),
        });
    }
    L::guard(details, from, to, cx)?;
    Ok(to)
}

/// Why a register move or record is refused, in words for the person who tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownState {
        state: String,
        known: String,
    },
    NotAllowed {
        from: &'static str,
        to: &'static str,
        allowed: String,
    },
    /// Evidence the move needs is not on the entry.
    MissingEvidence {
        to: &'static str,
        missing: Vec<String>,
    },
    /// A field the move needs is empty.
    MissingField {
        to: &'static str,
        field: &'static str,
    },
    /// A check the move needs has not passed.
    NotPassed {
        to: &'static str,
        what: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownState { state, known } => {
                write!(f, "没有“{state}”这个状态（可选：{known}）")
            }
            Refusal::NotAllowed { from, to, allowed } if allowed.is_empty() => {
                write!(f, "“{from}”是终止状态，不能转为“{to}”")
            }
            Refusal::NotAllowed { from, to, allowed } => {
                write!(f, "不能从“{from}”直接转为“{to}”（可转为：{allowed}）")
            }
            Refusal::MissingEvidence { to, missing } => {
                write!(f, "转为“{to}”前须上传佐证材料：{}", missing.join("、"))
            }
            Refusal::MissingField { to, field } => write!(f, "转为“{to}”前须填写{field}"),
            Refusal::NotPassed { to, what } => write!(f, "转为“{to}”的条件未满足：{what}"),
        }
    }
}

impl std::error::Error for Refusal {}

/// One line of an inspection's checklist: the item checked, whether it complied, and what the
/// inspector noted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    pub item: String,
    pub complies: bool,
    #[serde(default)]
    pub note: String,
}

/// A dated inspection (检查, 巡查, 复查) of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub on: Date,
    pub by: String,
    pub lines: Vec<CheckLine>,
    /// What was found beyond the checklist (e.g. a closed site found working again).
    #[serde(default)]
    pub finding: String,
    /// Activity found where there should be none: a rebound (反弹).
    #[serde(default)]
    pub activity_found: bool,
    /// The day by which what failed must be put right.
    pub deadline: Option<Date>,
    /// The earlier failed inspection this one re-checks (复查).
    pub rechecks: Option<i64>,
}

/// The failed inspections (by id) that no passed re-inspection has closed, directly or through
/// a chain of failed re-inspections.
pub fn open_findings(inspections: &[(i64, Inspection)]) -> Vec<i64> {
    let rechecked = |id: i64| inspections.iter().find(|(i, _)| *i == id).map(|(_, x)| x);
    let mut closed: Vec<i64> = Vec::new();
    for (_, passed) in inspections.iter().filter(|(_, x)| x.passed()) {
        let mut next = passed.rechecks;
        while let Some(id) = next.filter(|id| !closed.contains(id)) {
            closed.push(id);
            next = rechecked(id).and_then(|x| x.rechecks);
        }
    }
    inspections
        .iter()
        .filter(|(id, x)| !x.passed() && !closed.contains(id))
        .map(|(id, _)| *id)
        .collect()
}

impl Inspection {
    pub fn failed_items(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|l| !l.complies)
            .map(|l| l.item.as_str())
            .collect()
    }

    /// The lines that failed, each with the inspector's note: "物料堆放覆盖（东侧料堆未覆盖）".
    pub fn failures(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| !l.complies)
            .map(|l| match l.note.as_str() {
                "" => l.item.clone(),
                note => format!("{}（{note}）", l.item),
            })
            .collect()
    }

    /// Passed: every checklist line complies and no activity was found.
    pub fn passed(&self) -> bool {
        !self.activity_found && self.lines.iter().all(|l| l.complies)
    }

    /// A failed inspection must set the day things are to be put right, after the inspection.
    pub fn check(&self) -> Result<(), String> {
        if self.by.trim().is_empty() {
            return Err("须填写检查人".into());
        }
        match (self.passed(), self.deadline) {
            (false, None) if !self.lines.is_empty() => Err(format!(
                "{}不符合，须规定整改期限",
                self.failed_items().join("、")
            )),
            (_, Some(deadline)) if deadline <= self.on => {
                Err(format!("整改期限 {deadline} 应晚于检查日期 {}", self.on))
            }
            _ => Ok(()),
        }
    }
}
