//! A section (断面) or lake point: per-indicator classes, the section class by the single-factor
//! method, its status, and its main pollutants.

use crate::indicator::{Class, Indicator, Status, WaterBody};
use rectify_exact::exact::Exact;
use std::cmp::Reverse;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SectionOptions {
    /// "当氰化物或铅、铬等重金属超标时，优先作为主要污染指标": list cyanide and heavy metals worse than
    /// Ⅲ first. The 2011 text's exact scope is unclear (water.md §2.5), so it is off by default and
    /// main pollutants are ranked by class, then by multiple.
    pub metal_priority: bool,
}

/// The priority set when [`SectionOptions::metal_priority`] is on.
const PRIORITY: [Indicator; 6] = [
    Indicator::Cn,
    Indicator::Hg,
    Indicator::Cd,
    Indicator::Cr6,
    Indicator::Pb,
    Indicator::As,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndicatorClass {
    pub indicator: Indicator,
    pub value: Exact,
    /// `None` for water temperature and trophic items, which are never classed.
    pub class: Option<Class>,
}

impl IndicatorClass {
    /// Counted in the section class (the 21 evaluated items).
    pub fn evaluated(&self) -> bool {
        self.indicator.evaluated()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MainPollutant {
    pub indicator: Indicator,
    pub class: Class,
    /// 超标倍数 against the reference class; none for pH and DO.
    pub multiple: Option<Exact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SectionResult {
    /// `None` when no evaluated item was measured ("未评价", never Ⅰ).
    pub class: Option<Class>,
    pub indicators: Vec<IndicatorClass>,
    pub main_pollutants: Vec<MainPollutant>,
}

impl SectionResult {
    pub fn status(&self) -> Option<Status> {
        self.class.map(Class::status)
    }

    /// The reference items (TN, fecal coliform) with their classes.
    pub fn references(&self) -> impl Iterator<Item = &IndicatorClass> {
        self.indicators
            .iter()
            .filter(|i| i.indicator.reference_only())
    }
}

/// Classifies every item, takes the worst evaluated one as the section class, and lists the main
/// pollutants (only when worse than Ⅲ) with multiples against `reference` (Ⅲ in the 2011 method,
/// a target class in compliance reports).
pub fn evaluate_section(
    values: &[(Indicator, Exact)],
    body: WaterBody,
    reference: Class,
    options: SectionOptions,
) -> SectionResult {
    let mut result = SectionResult {
        class: None,
        indicators: values
            .iter()
            .map(|&(indicator, value)| IndicatorClass {
                indicator,
                value,
                class: indicator.class_of(value, body),
            })
            .collect(),
        main_pollutants: Vec::new(),
    };
    rank_classed(&mut result, body, reference, options);
    result
}

/// [`evaluate_section`] of items already classed: sets `result.class` and its main pollutants
/// from `result.indicators`, each of which must hold the class [`Indicator::class_of`] gives
/// its value. For callers that class many samples: the lists are reused from one to the next.
pub fn rank_classed(
    result: &mut SectionResult,
    body: WaterBody,
    reference: Class,
    options: SectionOptions,
) {
    result.class = worst_class(result.indicators.iter().map(|i| (i.indicator, i.class)));
    result.main_pollutants.clear();
    if result.class.is_some_and(|c| c > Class::III) {
        main_pollutants(
            &mut result.main_pollutants,
            &result.indicators,
            body,
            reference,
            options,
        );
    }
}

/// The section class alone, as [`evaluate_section`] gives it, without the per-item list: for the
/// many classes (a section's every month) that are shown without their items.
pub fn section_class(values: &[(Indicator, Exact)], body: WaterBody) -> Option<Class> {
    worst_class(
        values
            .iter()
            .map(|&(indicator, value)| (indicator, indicator.class_of(value, body))),
    )
}

/// The single-factor rule: the worst class among the evaluated items, given each item's class.
pub fn worst_class(classes: impl Iterator<Item = (Indicator, Option<Class>)>) -> Option<Class> {
    classes
        .filter(|(indicator, _)| indicator.evaluated())
        .filter_map(|(_, class)| class)
        .max()
}

fn main_pollutants(
    candidates: &mut Vec<MainPollutant>,
    indicators: &[IndicatorClass],
    body: WaterBody,
    reference: Class,
    options: SectionOptions,
) {
    candidates.extend(indicators.iter().filter(|i| i.evaluated()).filter_map(|i| {
        let class = i.class.filter(|c| *c > Class::III)?;
        Some(MainPollutant {
            indicator: i.indicator,
            class,
            multiple: i.indicator.multiple(i.value, reference, body),
        })
    }));
    // Worse class first; within a class, pH and DO (no multiple) first, then larger multiples.
    candidates.sort_by_key(|p| {
        let priority = options.metal_priority && PRIORITY.contains(&p.indicator);
        (
            Reverse(priority),
            Reverse(p.class),
            p.multiple.is_some(),
            Reverse(p.multiple),
        )
    });
    candidates.truncate(3);
}

/// A multiple as the 2011 method prints it: at most `decimals` places, no trailing zeros.
pub fn format_multiple(m: Exact, decimals: u32) -> String {
    let text = m.to_fixed(decimals);
    match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_alone_is_the_class_of_the_whole_evaluation() {
        let value = |n: i128, scale: u32| Exact::ratio_unreduced(n, 10_i128.pow(scale));
        let samples: Vec<Vec<(Indicator, Exact)>> = vec![
            vec![],
            vec![
                (Indicator::Temp, value(215, 1)),
                (Indicator::Tn, value(9, 0)),
            ],
            vec![(Indicator::Ph, value(55, 1)), (Indicator::Do, value(80, 1))],
            vec![
                (Indicator::Tp, value(25, 3)),
                (Indicator::Nh3n, value(150, 2)),
            ],
            vec![(Indicator::Do, value(19, 1)), (Indicator::Hg, value(2, 5))],
            vec![
                (Indicator::FecalColiform, value(50_000, 0)),
                (Indicator::Cod, value(15, 0)),
            ],
        ];
        for values in &samples {
            for body in [WaterBody::River, WaterBody::Lake] {
                let whole = evaluate_section(values, body, Class::III, SectionOptions::default());
                assert_eq!(section_class(values, body), whole.class, "{values:?}");
            }
        }
    }
}
