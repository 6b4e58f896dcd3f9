//! The accountability candidate list (问责候选, workflow.md §5.2): who may have to answer for an
//! item, under which rule, with the items behind it. The office and the discipline commission
//! decide; the system only proposes.
//!
//! Rules: 1 (red for N monthly bulletins in a row, or overdue and not done), 2 (reopened after
//! sign-off, or a new complaint at the site of a signed-off item: a rebound), 3 (complaint
//! handling returned twice or more after spot-checks, or found true and reported closed with
//! nothing done about it), 4 (public objection upheld), 5
//! (criticised by the province or above) and 6 (cases the inspection team transferred).

use crate::dispatch::Criticism;
use std::fmt;

labelled_enum!(
    /// The rule that put a target on the list.
    Rule, "问责规则" {
        Lagging => "lagging", "连续严重滞后或逾期未完成";
        Reopened => "reopened", "销号后重新打开（反弹或复核不合格）";
        ComplaintReturned => "complaint_returned", "信访件办理质量不合格（两次以上退回重办，或属实但未处理）";
        ObjectionUpheld => "objection_upheld", "公示期间异议成立";
        Criticised => "criticised", "受到省级以上通报批评或媒体曝光";
        Transferred => "transferred", "督察组移交责任追究问题";
    }
);

impl Rule {
    /// The form the office usually proposes for it (workflow.md §5.1–5.2).
    pub fn suggested_form(self) -> &'static str {
        match self {
            Rule::Lagging => "约谈",
            Rule::Reopened => "移送纪检监察机关（党纪政务处分）",
            Rule::ComplaintReturned => "约谈、通报批评",
            Rule::ObjectionUpheld => "通报批评",
            Rule::Criticised => "约谈、通报批评",
            Rule::Transferred => "立案审查，依规依纪依法追责并公开",
        }
    }
}

/// What the rules look at for one item.
#[derive(Debug, Clone)]
pub struct ItemRecord<'a> {
    pub plan: &'a str,
    pub number: u32,
    pub lead_unit: &'a str,
    /// As the plan names them, with their post: "王建国（副市长）".
    pub leaders: &'a [String],
    /// Open and past its final deadline today.
    pub overdue: bool,
    /// How many of the latest monthly bulletins in a row showed the item red.
    pub red_streak: u32,
    pub reopened: bool,
    /// A complaint came in about the item's site after it was signed off.
    pub rebound: bool,
    pub objection_upheld: bool,
    pub criticisms: &'a [Criticism],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Stable while the rule and the target are the same: decisions are recorded against it.
    pub key: String,
    pub rule: Rule,
    /// A unit's principal ("市住建局主要负责同志") or a named leader with post.
    pub target: String,
    /// (plan, number) of the items behind it, in ledger order.
    pub items: Vec<(String, u32)>,
    /// Why, item by item.
    pub grounds: Vec<String>,
}

/// A case the inspection team transferred for accountability, as the office recorded it.
#[derive(Debug, Clone)]
pub struct Transfer {
    pub id: i64,
    pub target: String,
    pub case: String,
    pub received_on: String,
    pub items: Vec<(String, u32)>,
}

/// A complaint whose handling rule 3 looks at: returned for re-handling after spot-checks, or
/// found true and reported closed without a word of what was done (处理和整改情况 blank).
#[derive(Debug, Clone)]
pub struct ReturnedComplaint {
    pub received_no: String,
    /// The handling unit.
    pub unit: String,
    pub returns: u32,
    /// 属实 (wholly, mostly or partly), reported 已办结, and no 处理和整改情况.
    pub true_but_unhandled: bool,
}

/// A signed-off register entry that rebounded (死灰复燃): a patrol found it working again, or a
/// complaint named it.
#[derive(Debug, Clone)]
pub struct RegisterRebound {
    /// "散乱污企业".
    pub kind: String,
    pub name: String,
    /// The county (district, zone) government responsible for the site.
    pub county: String,
    pub on: String,
    pub reason: String,
}

/// Everything the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Grounds<'a> {
    pub items: &'a [ItemRecord<'a>],
    pub complaints: &'a [ReturnedComplaint],
    pub register_rebounds: &'a [RegisterRebound],
    pub transfers: &'a [Transfer],
    /// Red in this many monthly bulletins running makes a candidate (rule 1).
    pub red_months: u32,
}

/// The candidates, one per rule and target (each transferred case on its own), in rule order
/// then by target.
pub fn candidates(g: Grounds<'_>) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut add = |rule: Rule, target: String, item: Option<&ItemRecord<'_>>, ground: String| {
        let key = format!("{}:{target}", rule.code());
        let at = match out.iter().position(|c| c.key == key) {
            Some(at) => at,
            None => {
                out.push(Candidate {
                    key,
                    rule,
                    target,
                    items: Vec::new(),
                    grounds: Vec::new(),
                });
                out.len() - 1
            }
        };
        match item {
            Some(item) => {
                out[at].items.push((item.plan.to_string(), item.number));
                out[at]
                    .grounds
                    .push(format!("第{}项：{ground}", item.number));
            }
            None => out[at].grounds.push(ground),
        }
    };
    for item in g.items {
        let principal = format!("{}主要负责同志", item.lead_unit);
        let everyone = || std::iter::once(principal.clone()).chain(item.leaders.iter().cloned());
        let lagging = if g.red_months > 0 && item.red_streak >= g.red_months {
            Some(format!("连续{}期通报为红色（严重滞后）", item.red_streak))
        } else if item.overdue {
            Some("逾期未完成".to_string())
        } else {
            None
        };
        if let Some(ground) = lagging {
            for target in everyone() {
                add(Rule::Lagging, target, Some(item), ground.clone());
            }
        }
        if item.reopened {
            add(
                Rule::Reopened,
                principal.clone(),
                Some(item),
                "销号后重新打开".into(),
            );
        }
        if item.rebound {
            add(
                Rule::Reopened,
                principal.clone(),
                Some(item),
                "销号后同一点位再次被群众信访举报（反弹），建议重新打开".into(),
            );
        }
        if item.objection_upheld {
            add(
                Rule::ObjectionUpheld,
                principal.clone(),
                Some(item),
                "公示期间群众异议经核查成立".into(),
            );
        }
        for c in item.criticisms {
            for target in everyone() {
                add(
                    Rule::Criticised,
                    target,
                    Some(item),
                    format!("{} 受到{}通报批评", c.on, c.by),
                );
            }
        }
    }
    for r in g.register_rebounds {
        add(
            Rule::Reopened,
            format!("{}主要负责同志", r.county),
            None,
            format!(
                "{}“{}”：{} 销号后反弹（{}）",
                r.kind, r.name, r.on, r.reason
            ),
        );
    }
    // Rule 3: per handling unit, its complaints returned twice or more, and those found true
    // but closed with nothing done.
    for complaint in g.complaints {
        let target = format!("{}主要负责同志", complaint.unit);
        if complaint.returns >= crate::complaint::RETURNS_FOR_ACCOUNTABILITY {
            add(
                Rule::ComplaintReturned,
                target.clone(),
                None,
                format!(
                    "信访件 {}：办理质量不合格，已退回重办 {} 次",
                    complaint.received_no, complaint.returns
                ),
            );
        }
        if complaint.true_but_unhandled {
            add(
                Rule::ComplaintReturned,
                target,
                None,
                format!(
                    "信访件 {}：核实属实，报告已办结但未说明处理和整改情况",
                    complaint.received_no
                ),
            );
        }
    }
    out.extend(g.transfers.iter().map(|t| Candidate {
        key: format!("{}:{}", Rule::Transferred.code(), t.id),
        rule: Rule::Transferred,
        target: t.target.clone(),
        items: t.items.clone(),
        grounds: vec![format!("{} 督察组移交：{}", t.received_on, t.case)],
    }));
    out.sort_by(|a, b| a.rule.cmp(&b.rule).then_with(|| a.target.cmp(&b.target)));
    out
}

/// A decision on an accountability candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountabilityDecision {
    pub candidate_key: String,
    /// The deciding organ, e.g. 市纪委监委.
    pub organ: String,
    pub decided_on: String,
    /// 约谈, 通报批评, 诫勉, 党纪政务处分, 移送 …
    pub form: String,
    pub outcome: String,
    pub published: bool,
}

/// A candidate with the latest decision recorded on it, if any.
#[derive(Debug, Clone)]
pub struct AccountabilityLine {
    pub candidate: Candidate,
    pub decision: Option<AccountabilityDecision>,
}
