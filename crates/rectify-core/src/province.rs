//! The province's monthly bulletin (省级整改进展通报): each city's latest frozen bulletin of the
//! month rolled up into one table, the cities ranked by completion. A city without a frozen
//! bulletin for the month is listed as 未报, never dropped, so the province sees who is missing.

use crate::bulletin::{BulletinFacts, Totals};
use crate::journal::Anchor;
use serde::{Deserialize, Serialize};

/// The city bulletin a province line was taken from: which version, and its digest, so the
/// province's document names exactly what it rolled up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceBulletin {
    pub version: u32,
    /// SHA-256 of the city's stored facts.
    pub sha256: String,
    /// The date printed on the city's bulletin, "YYYY-MM-DD".
    pub issued_on: String,
    /// The city's journal head as that version was frozen.
    pub journal_head: Option<Anchor>,
}

/// One city's line of the province's bulletin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityLine {
    pub code: String,
    pub name: String,
    /// `None`: the city froze no bulletin for the month (未报).
    pub source: Option<SourceBulletin>,
    /// The city's 合计 line; zero for a city that did not report.
    pub totals: Totals,
    /// "62.5%", "—" without items or report.
    pub completion_rate: String,
    /// 1 for the best completion, ties share a place; 0 for a city that did not report.
    pub place: u32,
}

impl CityLine {
    pub fn reported(&self) -> bool {
        self.source.is_some()
    }
}

/// The province's bulletin of a month, as frozen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvinceFacts {
    /// "2026-11".
    pub period: String,
    pub province: String,
    /// Reporting cities by place, then those that did not report, in configuration order.
    pub cities: Vec<CityLine>,
    /// The reporting cities' totals summed (scope 全省).
    pub totals: Totals,
    pub completion_rate: String,
}

impl ProvinceFacts {
    /// The names of the cities without a frozen bulletin for the month.
    pub fn missing(&self) -> Vec<&str> {
        self.cities
            .iter()
            .filter(|c| !c.reported())
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// One city as the roll-up reads it: its latest frozen bulletin of the month with that
/// bulletin's 合计 line ([`overall`]), if any.
pub struct CityBulletin {
    pub code: String,
    pub name: String,
    pub frozen: Option<(SourceBulletin, Totals)>,
}

/// The 合计 line of a city's bulletin (the last of its totals, by `bulletin::compose`).
pub fn overall(facts: &BulletinFacts) -> Totals {
    facts
        .totals
        .iter()
        .find(|t| t.scope == "合计")
        .or(facts.totals.last())
        .cloned()
        .unwrap_or_default()
}

/// Rolls the cities' bulletins of `period` up: a line per city, ranked by completion.
pub fn roll_up(province: &str, period: &str, cities: Vec<CityBulletin>) -> ProvinceFacts {
    let mut lines: Vec<CityLine> = cities
        .into_iter()
        .map(|city| {
            let (source, totals) = match city.frozen {
                Some((source, totals)) => (Some(source), totals),
                None => (None, Totals::default()),
            };
            CityLine {
                code: city.code,
                name: city.name,
                completion_rate: if source.is_some() {
                    totals.completion_rate()
                } else {
                    "—".into()
                },
                source,
                totals,
                place: 0,
            }
        })
        .collect();
    let completions: Vec<_> = lines
        .iter()
        .map(|l| l.source.as_ref().and(l.totals.completion()))
        .collect();
    for (line, own) in lines.iter_mut().zip(&completions) {
        if line.reported() {
            // Cities without items rank after every city with a rate (`None` < `Some`).
            let better = completions.iter().filter(|c| **c > *own).count();
            line.place = u32::try_from(better + 1).unwrap_or(u32::MAX);
        }
    }
    // Stable: cities of one place, and those that did not report, keep the configured order.
    lines.sort_by_key(|l| if l.reported() { l.place } else { u32::MAX });
    let mut totals = Totals {
        scope: "全省".into(),
        ..Totals::default()
    };
    for t in lines.iter().filter(|l| l.reported()).map(|l| &l.totals) {
        totals.items += t.items;
        totals.closed += t.closed;
        totals.sustain += t.sustain;
        totals.awaiting += t.awaiting;
        totals.blue += t.blue;
        totals.yellow += t.yellow;
        totals.red += t.red;
        totals.overdue += t.overdue;
    }
    ProvinceFacts {
        period: period.to_string(),
        province: province.to_string(),
        completion_rate: totals.completion_rate(),
        cities: lines,
        totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city(code: &str, items: u32, closed: u32) -> CityBulletin {
        let totals = Totals {
            scope: "合计".into(),
            items,
            closed,
            red: 1,
            ..Totals::default()
        };
        let source = SourceBulletin {
            version: 2,
            sha256: "ab".into(),
            issued_on: "2026-12-01".into(),
            journal_head: None,
        };
        CityBulletin {
            code: code.into(),
            name: format!("{code}市"),
            frozen: Some((source, totals)),
        }
    }

    #[test]
    fn cities_rank_by_completion_and_the_unreported_are_listed_last() {
        let missing = CityBulletin {
            code: "c".into(),
            name: "c市".into(),
            frozen: None,
        };
        let facts = roll_up(
            "省",
            "2026-11",
            vec![missing, city("a", 10, 2), city("b", 4, 2), city("d", 8, 4)],
        );
        let order: Vec<(&str, u32, &str)> = facts
            .cities
            .iter()
            .map(|c| (c.code.as_str(), c.place, c.completion_rate.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("b", 1, "50.0%"),
                ("d", 1, "50.0%"),
                ("a", 3, "20.0%"),
                ("c", 0, "—")
            ]
        );
        assert_eq!(facts.missing(), ["c市"]);
        assert_eq!((facts.totals.items, facts.totals.closed), (22, 8));
        assert_eq!(facts.totals.red, 3);
        assert_eq!(facts.completion_rate, "36.4%");
    }
}
