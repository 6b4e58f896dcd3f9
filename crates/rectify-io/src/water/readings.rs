//! A sample's readings held compactly: a period's samples are all in memory at once, and an
//! exact reading with its item took 64 bytes.
//!
//! Each reading is kept as the decimal it was written as, `unscaled / 10^scale` on 64 bits
//! (16 bytes with its item), and becomes the exact fraction the reader would have made, numerator
//! and denominator alike, when it is read back. A value that does not fit (more than 18
//! decimals, beyond 64 bits, a denominator not a power of ten) is kept as that fraction.

use super::samples::Item;
use rectify_exact::exact::Exact;
use rectify_water::indicator::{Class, Decimal, Indicator, WaterBody};
use rectify_water::period::Reading;
use rectify_water::section::IndicatorClass;

/// Powers of ten a compact reading's scale may name.
const POW10: [i64; 19] = {
    let mut table = [1_i64; 19];
    let mut i = 1;
    while i < table.len() {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// `scale` of an entry whose value is `wide[unscaled]`.
const WIDE: u8 = u8::MAX;

#[derive(Debug, Clone, Copy)]
struct Entry {
    unscaled: i64,
    item: Item,
    scale: u8,
    below_detection: bool,
}

/// The readings of one sample, in the order they were read.
#[derive(Debug, Clone, Default)]
pub struct Readings {
    entries: Vec<Entry>,
    /// The values that do not fit an entry.
    wide: Vec<Exact>,
}

impl Readings {
    pub fn with_capacity(capacity: usize) -> Self {
        Readings {
            entries: Vec::with_capacity(capacity),
            wide: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Empties them for the next sample's, keeping the room: a reader reuses one `Readings`.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.wide.clear();
    }

    /// Room for `more` readings; exactly that on an empty `Readings` (samples held at once
    /// stay sized to their filled cells).
    pub fn reserve(&mut self, more: usize) {
        self.entries.reserve_exact(more);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn push(&mut self, item: Item, reading: Reading) {
        let (value, below_detection) = match reading {
            Reading::Value(v) => (v, false),
            Reading::BelowDetection(v) => (v, true),
        };
        let entry = match compact(value) {
            Some((unscaled, scale)) => Entry {
                unscaled,
                item,
                scale,
                below_detection,
            },
            None => {
                self.wide.push(value);
                Entry {
                    unscaled: self.wide.len() as i64 - 1,
                    item,
                    scale: WIDE,
                    below_detection,
                }
            }
        };
        self.entries.push(entry);
    }

    /// `unscaled / 10^scale` as [`parse_decimal`](rectify_exact::exact::parse_decimal) reads a
    /// plain decimal; `scale` at most 18.
    pub fn push_decimal(&mut self, item: Item, unscaled: i64, scale: u8, below_detection: bool) {
        debug_assert!(usize::from(scale) < POW10.len());
        self.entries.push(Entry {
            unscaled,
            item,
            scale,
            below_detection,
        });
    }

    pub fn iter(&self) -> impl Iterator<Item = (Item, Reading)> + '_ {
        self.entries.iter().map(|e| (e.item, self.reading(e)))
    }

    fn reading(&self, e: &Entry) -> Reading {
        let value = match self.wide.get(e.unscaled as usize) {
            Some(wide) if e.scale == WIDE => *wide,
            _ => Exact::ratio_unreduced(
                e.unscaled.into(),
                POW10[usize::from(e.scale) % POW10.len()].into(),
            ),
        };
        match e.below_detection {
            true => Reading::BelowDetection(value),
            false => Reading::Value(value),
        }
    }

    /// The class [`Indicator::class_of`] gives the statistical value of an entry's reading: on
    /// integers ([`Indicator::class_of_decimal`]) when it is held as a decimal, as every item
    /// of every sample classified is.
    fn class(&self, e: &Entry, indicator: Indicator, body: WaterBody) -> Option<Class> {
        match e.scale {
            WIDE => indicator.class_of(self.reading(e).statistical_value(), body),
            scale => indicator.class_of_decimal(
                Decimal {
                    unscaled: e.unscaled,
                    scale,
                    halved: e.below_detection,
                },
                body,
            ),
        }
    }

    /// Each basic item with its class, in reading order.
    pub fn basic_item_classes(
        &self,
        body: WaterBody,
    ) -> impl Iterator<Item = (Indicator, Option<Class>)> + '_ {
        self.entries.iter().filter_map(move |e| match e.item {
            Item::Basic(indicator) => Some((indicator, self.class(e, indicator, body))),
            Item::Specific(..) => None,
        })
    }

    /// Whether no basic item is read twice: then each item's mean over this sample alone is its
    /// one reading.
    pub fn basic_items_distinct(&self) -> bool {
        let mut seen = 0_u64;
        self.entries.iter().all(|e| match e.item {
            Item::Basic(indicator) => {
                let bit = 1_u64 << (indicator as u32 % 64);
                let new = seen & bit == 0;
                seen |= bit;
                new
            }
            Item::Specific(..) => true,
        })
    }

    /// Each basic item with its statistical value and its class, in reading order.
    pub fn basic_classes(&self, body: WaterBody) -> impl Iterator<Item = IndicatorClass> + '_ {
        self.entries.iter().filter_map(move |e| match e.item {
            Item::Basic(indicator) => Some(IndicatorClass {
                indicator,
                value: self.reading(e).statistical_value(),
                class: self.class(e, indicator, body),
            }),
            Item::Specific(..) => None,
        })
    }

    /// Appends another sample's readings (the rows of a long file).
    pub fn extend(&mut self, other: Readings) {
        for (item, reading) in other.iter() {
            self.push(item, reading);
        }
    }
}

/// `num/den` as (unscaled, scale) when `den` is 10^scale and `num` fits 64 bits.
fn compact(value: Exact) -> Option<(i64, u8)> {
    let (num, den) = (value.numer_raw(), value.denom_raw());
    let scale = POW10.iter().position(|p| i128::from(*p) == den)?;
    Some((i64::try_from(num).ok()?, u8::try_from(scale).ok()?))
}

impl FromIterator<(Item, Reading)> for Readings {
    fn from_iter<I: IntoIterator<Item = (Item, Reading)>>(iter: I) -> Self {
        let mut readings = Readings::default();
        for (item, reading) in iter {
            readings.push(item, reading);
        }
        readings
    }
}

/// Equal when they hold the same readings in the same order (by value, as the readings compare).
impl PartialEq for Readings {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Readings {}

#[cfg(test)]
mod tests {
    use super::*;
    use rectify_exact::exact::parse_decimal;
    use rectify_water::indicator::{Indicator, SourceItem};

    fn raw(reading: Reading) -> (bool, i128, i128) {
        match reading {
            Reading::Value(v) => (false, v.numer_raw(), v.denom_raw()),
            Reading::BelowDetection(v) => (true, v.numer_raw(), v.denom_raw()),
        }
    }

    #[test]
    fn every_reading_comes_back_as_the_same_fraction() {
        let texts = [
            "0",
            "0.000",
            "7.74",
            "0.00004",
            "404",
            "999999999999999999",
            ".999999999999999999",
            ".000000000000000001",
            "2.8e-6",
            "1e18",
            "9.2e18",
            "9.3e18",
            "1.5e-18",
            "123456789012345678e-18",
            "-0",
            "-0.000",
        ];
        let mut values: Vec<Exact> = texts
            .iter()
            .map(|t| parse_decimal(t).unwrap().unwrap())
            .collect();
        values.extend([
            Exact::ratio_unreduced(i128::from(i64::MAX), 1),
            Exact::ratio_unreduced(i128::from(i64::MAX) + 1, 1),
            Exact::ratio_unreduced(i128::from(i64::MIN), 100),
            Exact::ratio_unreduced(-3, 7),
            Exact::ratio_unreduced(1, 10_i128.pow(19)),
            Exact::ratio(201, 200),
        ]);
        let items = [
            Item::Basic(Indicator::Hg),
            Item::Specific(SourceItem::parse("苯并(a)芘").unwrap()),
        ];
        let mut expected = Vec::new();
        for (n, v) in values.iter().enumerate() {
            let item = items[n % 2];
            expected.push((item, Reading::Value(*v)));
            expected.push((item, Reading::BelowDetection(*v)));
        }
        let readings: Readings = expected.iter().copied().collect();
        assert_eq!(readings.len(), expected.len());
        assert!(readings.wide.len() >= 4, "beyond 64 bits or not 10^k");
        for ((item, got), (want_item, want)) in readings.iter().zip(&expected) {
            assert_eq!(item, *want_item);
            assert_eq!(raw(got), raw(*want), "{want:?}");
        }
        let mut joined = readings.clone();
        joined.extend(readings.clone());
        assert_eq!(joined.len(), 2 * expected.len());
        assert!(
            joined
                .iter()
                .skip(expected.len())
                .eq(expected.iter().copied())
        );
    }
}
