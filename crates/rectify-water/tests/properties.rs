//! Properties of the water engine over sweeps and a seeded generator.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's panic is its failure report

use rectify_exact::exact::Exact;
use rectify_water::group::Proportions;
use rectify_water::indicator::{Class, Direction, Indicator, WaterBody};
use rectify_water::section::{SectionOptions, evaluate_section};

fn classed() -> impl Iterator<Item = Indicator> {
    Indicator::all().filter(|i| matches!(i.direction(), Direction::AtMost | Direction::AtLeast))
}

/// Values around every limit of an indicator, in steps of a hundredth of the class-Ⅰ limit.
fn sweep(indicator: Indicator, body: WaterBody) -> Vec<Exact> {
    let top = indicator
        .limit(Class::V, body)
        .unwrap()
        .max(indicator.limit(Class::I, body).unwrap());
    let step = indicator
        .limit(Class::I, body)
        .unwrap()
        .min(top)
        .div_int(100);
    (0..=2_400)
        .map(|k| step.mul_int(k))
        .filter(|v| *v <= top.mul_int(3))
        .collect()
}

#[test]
fn lower_concentrations_never_worsen_the_class_and_more_oxygen_never_does() {
    for body in [WaterBody::River, WaterBody::Lake] {
        for indicator in classed() {
            let classes: Vec<Class> = sweep(indicator, body)
                .into_iter()
                .map(|v| indicator.class_of(v, body).unwrap())
                .collect();
            let monotone = match indicator.direction() {
                Direction::AtLeast => classes.windows(2).all(|w| w[0] >= w[1]),
                _ => classes.windows(2).all(|w| w[0] <= w[1]),
            };
            assert!(
                monotone,
                "{} is not monotone in a {body:?}",
                indicator.code()
            );
        }
    }
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound
    }
}

#[test]
fn the_section_class_is_the_worst_evaluated_indicator() {
    let mut g = Lcg(3838);
    let indicators: Vec<Indicator> = classed().collect();
    for _ in 0..5_000 {
        let mut values: Vec<(Indicator, Exact)> = Vec::new();
        for &i in &indicators {
            if g.next(3) > 0 {
                let limit = i.limit(Class::III, WaterBody::River).unwrap();
                values.push((i, limit.mul_int(g.next(300) as i64).div_int(100)));
            }
        }
        let body = if g.next(2) == 0 {
            WaterBody::River
        } else {
            WaterBody::Lake
        };
        let result = evaluate_section(&values, body, Class::III, SectionOptions::default());
        let worst = values
            .iter()
            .filter(|(i, _)| i.evaluated())
            .filter_map(|(i, v)| i.class_of(*v, body))
            .max();
        assert_eq!(result.class, worst);
        assert!(result.main_pollutants.len() <= 3);
        assert_eq!(
            result.main_pollutants.is_empty(),
            worst.is_none_or(|c| c <= Class::III)
        );
    }
}

#[test]
fn proportions_add_up() {
    let mut g = Lcg(2011);
    for _ in 0..1_000 {
        let classes: Vec<Class> = (0..g.next(40) + 1)
            .map(|_| Class::ALL[g.next(6) as usize])
            .collect();
        let p = Proportions::of(classes.iter().copied());
        let middle = classes
            .iter()
            .filter(|c| matches!(c, Class::IV | Class::V))
            .count() as u32;
        assert_eq!(p.i_to_iii + middle + p.worse_than_v, p.sections);
        let sum = p.i_to_iii_percent().unwrap() + p.worse_than_v_percent().unwrap();
        assert!(sum <= Exact::int(100));
        assert_eq!(p.sections as usize, classes.len());
    }
}
