//! Samples and sections to and from their stored form.

use super::samples::{Item, Sample, Section};
use rectify_core::monitoring::{StoredSample, StoredSection, WaterSampleRow, WaterSectionRow};
use rectify_exact::exact::Exact;
use rectify_water::indicator::{Class, WaterBody};
use rectify_water::period::Reading;

fn exact_text(v: Exact) -> String {
    v.reduced().to_string()
}

fn parse_exact_text(text: &str) -> Option<Exact> {
    match text.split_once('/') {
        Some((n, d)) => {
            let (n, d): (i128, i128) = (n.parse().ok()?, d.parse().ok()?);
            (d > 0).then(|| Exact::ratio(n, d))
        }
        None => text.parse::<i128>().ok().map(|n| Exact::ratio(n, 1)),
    }
}

/// `code=value;…`, exact fractions, `<` for below the detection limit.
pub fn encode_readings(readings: impl IntoIterator<Item = (Item, Reading)>) -> String {
    readings
        .into_iter()
        .map(|(item, r)| {
            let key = match item {
                Item::Basic(i) => i.code(),
                Item::Specific(item) => item.name(),
            };
            match r {
                Reading::Value(v) => format!("{key}={}", exact_text(v)),
                Reading::BelowDetection(dl) => format!("{key}=<{}", exact_text(dl)),
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

pub fn decode_readings(text: &str) -> Result<Vec<(Item, Reading)>, String> {
    text.split(';')
        .filter(|p| !p.is_empty())
        .map(|part| {
            let bad = || format!("存储的读数无效：{part}");
            let (key, value) = part.split_once('=').ok_or_else(bad)?;
            let item = Item::parse(key).ok_or_else(bad)?;
            let reading = match value.strip_prefix('<') {
                Some(dl) => Reading::BelowDetection(parse_exact_text(dl).ok_or_else(bad)?),
                None => Reading::Value(parse_exact_text(value).ok_or_else(bad)?),
            };
            Ok((item, reading))
        })
        .collect()
}

fn body_text(body: WaterBody) -> &'static str {
    match body {
        WaterBody::River => "river",
        WaterBody::Lake => "lake",
    }
}

pub fn section_row(s: &Section) -> WaterSectionRow<'_> {
    WaterSectionRow {
        code: &s.code,
        name: &s.name,
        water_body: body_text(s.water_body),
        target_class: s.target.map(|c| c.code()),
        level: &s.level,
        county: &s.county,
        river: &s.river,
        basin: &s.basin,
        drinking_source: s.drinking_source,
    }
}

/// Encoded readings and withdrawals of `samples`, kept alive while their rows borrow them.
pub struct EncodedSamples(Vec<(String, Option<String>)>);

impl EncodedSamples {
    pub fn new(samples: &[Sample]) -> Self {
        EncodedSamples(
            samples
                .iter()
                .map(|s| {
                    (
                        encode_readings(s.readings.iter()),
                        s.withdrawal.map(exact_text),
                    )
                })
                .collect(),
        )
    }

    pub fn rows<'a>(&'a self, samples: &'a [Sample]) -> Vec<WaterSampleRow<'a>> {
        samples
            .iter()
            .zip(&self.0)
            .map(|(s, (readings, withdrawal))| WaterSampleRow {
                section: &s.section,
                time: &s.time,
                date: s.date,
                readings,
                withdrawal: withdrawal.as_deref(),
            })
            .collect()
    }
}

pub fn section_from_stored(s: &StoredSection) -> Result<Section, String> {
    Ok(Section {
        code: s.code.clone(),
        name: s.name.clone(),
        water_body: WaterBody::parse(&s.water_body)
            .ok_or_else(|| format!("断面 {} 的水体类型无效", s.code))?,
        target: s.target_class.as_deref().and_then(Class::parse),
        level: s.level.clone(),
        county: s.county.clone(),
        river: s.river.clone(),
        basin: s.basin.clone(),
        drinking_source: s.drinking_source,
    })
}

pub fn sample_from_stored(s: &StoredSample) -> Result<Sample, String> {
    Ok(Sample {
        line: 0,
        section: s.section.clone(),
        water_body: None,
        time: s.time.clone(),
        date: s.date,
        readings: decode_readings(&s.readings)?.into_iter().collect(),
        withdrawal: s.withdrawal.as_deref().and_then(parse_exact_text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rectify_water::indicator::Indicator;

    #[test]
    fn readings_round_trip_exactly() {
        let readings = vec![
            (
                Item::Basic(Indicator::Nh3n),
                Reading::Value(Exact::ratio(1005, 1000)),
            ),
            (
                Item::Basic(Indicator::Hg),
                Reading::BelowDetection(Exact::ratio(4, 100_000)),
            ),
            (
                Item::Specific(rectify_water::indicator::SourceItem::parse("苯并(a)芘").unwrap()),
                Reading::Value(Exact::ratio(1, 10_000_000)),
            ),
        ];
        let text = encode_readings(readings.iter().copied());
        assert_eq!(text, "nh3n=201/200;hg=<1/25000;苯并(a)芘=1/10000000");
        assert_eq!(decode_readings(&text).unwrap(), readings);
        assert!(decode_readings("xx=1").is_err());
    }
}
