//! What the public portal shows, built from the ledger and the complaint register for one
//! publication: only the fields listed here, every free text through the redaction. The caller
//! loads the records ([`Sources`]); here they become the publication.

use crate::complaint::{PublicRow, TypeStatistics, public_rows, type_statistics};
use rectify_core::complaint::redact::{Policy, Redactor, Review};
use rectify_core::complaint::{ComplaintRecord, Handling, Measures, Verdict};
use rectify_core::ledger::{Item, ItemState, Plan, Schedule};
use rectify_core::register::EntryRecord;
use rectify_exact::date::Date;
use rectify_exact::exact::{Exact, parse_decimal};
use serde::{Deserialize, Serialize};

/// What the office can choose to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Items,
    Progress,
    Notices,
    Complaints,
    Environment,
    Registers,
}

impl Part {
    pub const ALL: [Part; 6] = [
        Part::Items,
        Part::Progress,
        Part::Notices,
        Part::Complaints,
        Part::Environment,
        Part::Registers,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Part::Items => "items",
            Part::Progress => "progress",
            Part::Notices => "notices",
            Part::Complaints => "complaints",
            Part::Environment => "environment",
            Part::Registers => "registers",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Part::Items => "整改任务及进度",
            Part::Progress => "整改进展情况",
            Part::Notices => "销号公示",
            Part::Complaints => "信访件办理情况",
            Part::Environment => "环境质量目标",
            Part::Registers => "专项整治名录",
        }
    }

    pub fn parse(text: &str) -> Option<Part> {
        Part::ALL
            .into_iter()
            .find(|p| p.code() == text.trim() || p.label_zh() == text.trim())
    }
}

/// The whole of a publication as the portal reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalContent {
    pub snapshot_on: String,
    pub plans: Vec<PublicPlan>,
    pub notices: Vec<PublicNotice>,
    pub complaints: Vec<PublicRow>,
    pub complaint_summary: Option<ComplaintSummary>,
    pub environment: Vec<String>,
    /// Absent from publications made before registers were published.
    #[serde(default)]
    pub registers: Vec<PublicRegister>,
}

/// A register as the public sees it: counts by state, and each entry by name and place only
/// (no address, people, codes or coordinates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicRegister {
    pub kind: String,
    pub by_state: Vec<(String, u32)>,
    pub rebounds: u32,
    pub entries: Vec<PublicEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicEntry {
    pub name: String,
    pub county: String,
    pub township: String,
    pub state: String,
    pub rebounds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicPlan {
    pub name: String,
    pub doc_number: String,
    pub items: Vec<PublicItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicItem {
    pub number: u32,
    pub scope: String,
    pub category: String,
    pub problem: String,
    pub target: String,
    pub lead_unit: String,
    pub units: String,
    /// The responsible leaders as the published plan names them, with their post.
    pub leaders: String,
    pub deadline: String,
    pub state: String,
    pub schedule: String,
    pub signed_off: bool,
    /// (period, text) of the latest confirmed progress report, when progress is published.
    pub progress: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicNotice {
    pub plan: String,
    pub number: u32,
    pub problem: String,
    pub lead_unit: String,
    pub first_day: String,
    pub last_day: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintSummary {
    pub transferred: u32,
    pub reported: u32,
    pub by_verdict: Vec<(String, u32)>,
    pub by_state: Vec<(String, u32)>,
    /// The daily summary line's totals over the reported complaints.
    pub measures: Measures,
    pub types: Vec<String>,
    pub by_region: Vec<(String, u32, Vec<u32>)>,
}

/// A publication before approval, with every replacement the redaction made and every
/// candidate name left for the office to confirm or hide.
#[derive(Debug, Clone)]
pub struct Draft {
    pub parts: Vec<Part>,
    pub content: PortalContent,
    pub review: Review,
}

/// What to publish: the parts, the complaint batches (empty: all) and the strings the office
/// asks to remove besides what the rules find.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub parts: Vec<Part>,
    pub batches: Vec<u32>,
    pub redact: Vec<String>,
}

/// A ledger item as a publication reads it, with what the caller looked up for it.
#[derive(Debug, Clone)]
pub struct LedgerLine {
    /// The plan's name.
    pub plan: String,
    pub item: Item,
    /// First and last day of its public notice, if it has one.
    pub notice: Option<(Date, Date)>,
    /// Its schedule on the publication's day.
    pub schedule: Schedule,
    /// (period, text) of its latest confirmed progress report, when progress is published.
    pub progress: Option<(String, String)>,
}

/// The notices the portal shows: those running today, as a notices-only draft of today found
/// them. A notice or item the approved publication carries keeps that publication's texts, so
/// the office's redaction review holds; one it lacks keeps the draft's redaction (automatic,
/// and the strings the office hid by hand).
pub fn as_published(
    mut running: Vec<PublicNotice>,
    published: Option<&PortalContent>,
) -> Vec<PublicNotice> {
    let Some(content) = published else {
        return running;
    };
    for notice in &mut running {
        let as_notice = content
            .notices
            .iter()
            .find(|n| n.plan == notice.plan && n.number == notice.number)
            .map(|n| (&n.problem, &n.lead_unit));
        let as_item = || {
            content
                .plans
                .iter()
                .filter(|p| p.name == notice.plan)
                .flat_map(|p| &p.items)
                .find(|i| i.number == notice.number)
                .map(|i| (&i.problem, &i.lead_unit))
        };
        if let Some((problem, lead_unit)) = as_notice.or_else(as_item) {
            notice.problem.clone_from(problem);
            notice.lead_unit.clone_from(lead_unit);
        }
    }
    running
}

/// What a publication is built from. The caller loads only what the selected parts need:
/// plans and items for items or notices, complaints, the environment's paragraphs, registers.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub policy: Policy,
    pub plans: Vec<Plan>,
    pub items: Vec<LedgerLine>,
    pub complaints: Vec<ComplaintRecord>,
    pub environment: Vec<String>,
    pub registers: Vec<EntryRecord>,
}

/// The selected parts of a publication as of `today`, from what the caller loaded.
pub fn draft(selection: &Selection, today: Date, sources: Sources) -> Draft {
    let has = |part| selection.parts.contains(&part);
    let policy = &sources.policy;
    let mut draft = Draft {
        parts: selection.parts.clone(),
        content: PortalContent {
            snapshot_on: today.to_string(),
            ..PortalContent::default()
        },
        review: Review::default(),
    };
    if has(Part::Items) || has(Part::Notices) {
        items_and_notices(
            &sources.plans,
            &sources.items,
            (selection, today),
            policy,
            &mut draft,
        );
    }
    if has(Part::Complaints) {
        let mut complaints = sources.complaints;
        complaints.retain(|c| selection.batches.is_empty() || selection.batches.contains(&c.batch));
        let (rows, review) = public_rows(&complaints, policy);
        draft.review.replacements.extend(review.replacements);
        draft.review.candidates.extend(review.candidates);
        draft.content.complaint_summary = Some(summary(&rows, &complaints));
        draft.content.complaints = rows;
    }
    if has(Part::Environment) {
        draft.content.environment = sources.environment;
    }
    if has(Part::Registers) {
        registers(&sources.registers, policy, &mut draft);
    }
    draft
}

/// The redaction of one record's texts, noting in the review where each replacement and
/// candidate is.
struct Record<'a> {
    redactor: Redactor,
    place: String,
    review: &'a mut Review,
}

impl<'a> Record<'a> {
    fn new(texts: &[&str], policy: &Policy, place: String, review: &'a mut Review) -> Record<'a> {
        Record {
            redactor: Redactor::for_record(texts.iter().copied(), policy),
            place,
            review,
        }
    }

    fn clean(&mut self, text: &str) -> String {
        self.redactor.review(text, &self.place, self.review)
    }
}

/// Every register with entries; names and places through the office's list of strings to hide.
fn registers(entries: &[EntryRecord], policy: &Policy, draft: &mut Draft) {
    use rectify_core::register::Kind;
    for kind in Kind::ALL {
        let of_kind: Vec<_> = entries.iter().filter(|e| e.kind == *kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let mut public = Vec::with_capacity(of_kind.len());
        for e in &of_kind {
            let identity = &e.identity;
            let mut record = Record::new(
                &[&identity.name, &identity.county, &identity.township],
                policy,
                format!("{} {}", kind.label_zh(), identity.name),
                &mut draft.review,
            );
            public.push(PublicEntry {
                name: record.clean(&identity.name),
                county: record.clean(&identity.county),
                township: record.clean(&identity.township),
                state: e.state_label.clone(),
                rebounds: e.rebounds,
            });
        }
        let by_state = kind
            .states()
            .into_iter()
            .map(|code| {
                let n = of_kind.iter().filter(|e| e.state == code).count() as u32;
                (kind.state_label(code), n)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        draft.content.registers.push(PublicRegister {
            kind: kind.label_zh().to_string(),
            by_state,
            rebounds: of_kind.iter().map(|e| e.rebounds).sum(),
            entries: public,
        });
    }
}

fn items_and_notices(
    plans: &[Plan],
    items: &[LedgerLine],
    (selection, draft_day): (&Selection, Date),
    policy: &Policy,
    draft: &mut Draft,
) {
    for plan in plans {
        let doc_number = plan.doc_number.clone().unwrap_or_default();
        let mut heading = Record::new(
            &[&plan.name, &doc_number],
            policy,
            plan.name.clone(),
            &mut draft.review,
        );
        let plan_name = heading.clean(&plan.name);
        let mut public = PublicPlan {
            doc_number: heading.clean(&doc_number),
            name: plan_name.clone(),
            items: Vec::new(),
        };
        for line in items.iter().filter(|l| l.plan == plan.name) {
            let item = &line.item;
            let units = item.units.join("、");
            let leaders = item.leaders.join("、");
            let progress = line.progress.as_ref();
            // One record: a complainant named in the problem is hidden in the progress too.
            let mut texts = vec![
                item.category.as_str(),
                &item.problem,
                &item.target,
                &item.lead_unit,
                &units,
                &leaders,
                &item.deadline.text,
            ];
            texts.extend(progress.map(|(_, text)| text.as_str()));
            let mut record = Record::new(
                &texts,
                policy,
                format!("{} 第{}项", plan.name, item.number),
                &mut draft.review,
            );
            let problem = record.clean(&item.problem);
            let lead_unit = record.clean(&item.lead_unit);
            let running = line
                .notice
                .filter(|&window| rectify_core::workflow::notice_runs(window, draft_day));
            if let (Some((first, last)), ItemState::PublicNotice, true) = (
                running,
                item.state,
                selection.parts.contains(&Part::Notices),
            ) {
                draft.content.notices.push(PublicNotice {
                    plan: plan_name.clone(),
                    number: item.number,
                    problem: problem.clone(),
                    lead_unit: lead_unit.clone(),
                    first_day: first.to_string(),
                    last_day: last.to_string(),
                });
            }
            let progress = progress.map(|(period, text)| (period.clone(), record.clean(text)));
            public.items.push(PublicItem {
                number: item.number,
                scope: item.scope.label_zh().to_string(),
                category: record.clean(&item.category),
                problem,
                target: record.clean(&item.target),
                lead_unit,
                units: record.clean(&units),
                leaders: record.clean(&leaders),
                deadline: record.clean(&item.deadline.text),
                state: item.state.label_zh().to_string(),
                schedule: line.schedule.label_zh().to_string(),
                signed_off: item.state == ItemState::Closed || item.state == ItemState::Sustain,
                progress,
            });
        }
        if selection.parts.contains(&Part::Items) {
            draft.content.plans.push(public);
        }
    }
}

/// A sum of fines as the portal prints it: whole 元 without decimals, else to the 分 (stored
/// fines have at most two decimals, so nothing is rounded away).
fn yuan_text(total: Exact) -> String {
    let total = total.reduced();
    if total.denom_raw() == 1 {
        total.numer_raw().to_string()
    } else {
        total.to_fixed(2)
    }
}

fn summary(rows: &[PublicRow], complaints: &[ComplaintRecord]) -> ComplaintSummary {
    let count = |f: &dyn Fn(&&ComplaintRecord) -> bool| complaints.iter().filter(f).count() as u32;
    let reported: Vec<_> = complaints.iter().filter(|c| c.answered()).collect();
    // Saturating: stored figures are bounded (`MAX_COUNT`), but an old or hand-edited row
    // must not wrap the public total.
    let sum = |pick: fn(&Measures) -> u32| {
        reported
            .iter()
            .map(|c| pick(&c.complaint.feedback.counts))
            .fold(0u32, u32::saturating_add)
    };
    let penalty: Exact = reported
        .iter()
        .filter_map(|c| {
            parse_decimal(&c.complaint.feedback.counts.penalty_yuan)
                .ok()
                .flatten()
        })
        .sum();
    let TypeStatistics {
        types,
        rows: by_region,
    } = type_statistics(complaints);
    ComplaintSummary {
        transferred: complaints.len() as u32,
        reported: rows.len() as u32,
        by_verdict: Verdict::ALL
            .iter()
            .map(|v| {
                (
                    v.label_zh().to_string(),
                    count(&|c| c.complaint.feedback.verdict == Some(*v)),
                )
            })
            .collect(),
        by_state: Handling::ALL
            .iter()
            .map(|h| {
                (
                    h.label_zh().to_string(),
                    count(&|c| c.complaint.feedback.handling == Some(*h)),
                )
            })
            .collect(),
        measures: Measures {
            ordered: sum(|m| m.ordered),
            penalised: sum(|m| m.penalised),
            penalty_yuan: yuan_text(penalty),
            criminal_cases: sum(|m| m.criminal_cases),
            detained: sum(|m| m.detained),
            interviewed: sum(|m| m.interviewed),
            held_accountable: sum(|m| m.held_accountable),
            transferred: sum(|m| m.transferred),
        },
        types: types.iter().map(|t| t.label_zh().to_string()).collect(),
        by_region,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_fine_reads_in_yuan_never_as_a_fraction() {
        let sum = |fines: &[&str]| -> Exact {
            fines
                .iter()
                .map(|f| parse_decimal(f).unwrap().unwrap())
                .sum()
        };
        assert_eq!(yuan_text(sum(&["12000.5", "12000"])), "24000.50");
        assert_eq!(yuan_text(sum(&["30000", "0"])), "30000");
        assert_eq!(yuan_text(sum(&["0.25", "0.75"])), "1");
    }
}
