//! Exact rational numbers for concentrations, means and percentiles.
//!
//! The standards demand a ceiling (IAQI) and round-half-even (GB/T 8170) at exact boundaries:
//! `f64` gets CO 2.2 mg/m³ wrong (55.000000000000004 → 56). Every value here is `num/den` with
//! 128-bit integers, so a boundary is a boundary.

use std::cmp::Ordering;
use std::fmt;

/// Concentrations are read as integers in millionths of their unit (µg/m³ or mg/m³), which is
/// exact for any input with up to six decimals.
pub const MICRO: i64 = 1_000_000;

#[derive(Clone, Copy, Debug)]
pub struct Exact {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Exact {
    pub const ZERO: Exact = Exact { num: 0, den: 1 };

    /// `num/den` in lowest terms.
    ///
    /// # Panics
    /// If `den` is zero: callers divide by counts they have checked.
    pub fn ratio(num: i128, den: i128) -> Exact {
        assert!(den != 0, "Exact::ratio with zero denominator");
        let sign = if den < 0 { -1 } else { 1 };
        let g = gcd(num, den).max(1);
        Exact {
            num: sign * num / g,
            den: sign * den / g,
        }
    }

    pub fn int(value: i64) -> Exact {
        Exact {
            num: value.into(),
            den: 1,
        }
    }

    /// A value read in micro-units, left unreduced so that sums of such values stay on one
    /// denominator (equality and order do not depend on lowest terms).
    pub fn from_micro(micro: i64) -> Exact {
        Exact {
            num: micro.into(),
            den: MICRO.into(),
        }
    }

    /// The mean of values given as a sum of micro-units over `count` values.
    pub fn mean_of_micro(sum: i64, count: u32) -> Exact {
        Exact::ratio(sum.into(), i128::from(MICRO) * i128::from(count))
    }

    /// Numerator and denominator in lowest terms.
    pub fn parts(self) -> (i128, i128) {
        let r = Exact::ratio(self.num, self.den);
        (r.num, r.den)
    }

    pub fn is_negative(self) -> bool {
        self.num < 0
    }

    pub fn mul_int(self, k: i64) -> Exact {
        Exact::ratio(self.num * i128::from(k), self.den)
    }

    pub fn div_int(self, k: i64) -> Exact {
        Exact::ratio(self.num, self.den * i128::from(k))
    }

    pub fn floor(self) -> i128 {
        self.num.div_euclid(self.den)
    }

    pub fn ceil(self) -> i128 {
        -(-self.num).div_euclid(self.den)
    }

    /// Rounds to `decimals` places by GB/T 8170: half to even on the exact value
    /// ("四舍六入五成双"; a 5 followed by anything non-zero rounds up, which exactness gives for free).
    pub fn round_half_even(self, decimals: u32) -> Exact {
        let scale = 10_i128.pow(decimals);
        let scaled = Exact::ratio(self.num * scale, self.den);
        let floor = scaled.floor();
        let twice_rest = (scaled.num - floor * scaled.den) * 2;
        let rounded = match twice_rest.cmp(&scaled.den) {
            Ordering::Less => floor,
            Ordering::Greater => floor + 1,
            Ordering::Equal if floor % 2 == 0 => floor,
            Ordering::Equal => floor + 1,
        };
        Exact::ratio(rounded, scale)
    }

    /// Decimal text with exactly `decimals` places, rounded half-even.
    pub fn to_fixed(self, decimals: u32) -> String {
        let r = self.round_half_even(decimals);
        let scale = 10_i128.pow(decimals);
        let units = r.num * (scale / r.den);
        let sign = if units < 0 { "-" } else { "" };
        let abs = units.abs();
        if decimals == 0 {
            return format!("{sign}{abs}");
        }
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = decimals as usize
        )
    }

    /// For rendering and JSON only; never used in a comparison.
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl std::ops::Add for Exact {
    type Output = Exact;
    fn add(self, other: Exact) -> Exact {
        if self.den == other.den {
            // Summing values read at one scale: skip the gcd, reduce once when dividing.
            return Exact {
                num: self.num + other.num,
                den: self.den,
            };
        }
        Exact::ratio(
            self.num * other.den + other.num * self.den,
            self.den * other.den,
        )
    }
}

impl std::ops::Sub for Exact {
    type Output = Exact;
    fn sub(self, other: Exact) -> Exact {
        self + Exact {
            num: -other.num,
            den: other.den,
        }
    }
}

impl std::ops::Mul for Exact {
    type Output = Exact;
    fn mul(self, other: Exact) -> Exact {
        Exact::ratio(self.num * other.num, self.den * other.den)
    }
}

impl std::ops::Div for Exact {
    type Output = Exact;
    fn div(self, other: Exact) -> Exact {
        Exact::ratio(self.num * other.den, self.den * other.num)
    }
}

impl PartialEq for Exact {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Exact {}

impl PartialOrd for Exact {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Exact {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

impl fmt::Display for Exact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Why a cell could not be read as a concentration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("“{0}”不是数值")]
    NotANumber(String),
    #[error("“{0}”的小数位数超过 6 位")]
    TooPrecise(String),
    #[error("“{0}”超出范围")]
    TooLarge(String),
}

/// Reads a decimal cell into micro-units. Blank, "-", "—", "NA" and negative values are
/// missing (`Ok(None)`), as monitoring exports mark them.
pub fn parse_micro(text: &[u8]) -> Result<Option<i64>, NumberError> {
    let t = text.trim_ascii();
    if t.is_empty() || t == b"-" || t == "—".as_bytes() || t.eq_ignore_ascii_case(b"NA") {
        return Ok(None);
    }
    let bad = || NumberError::NotANumber(String::from_utf8_lossy(t).into_owned());
    let (negative, digits) = match t.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, t),
    };
    let (int_part, frac_part) = match digits.iter().position(|&b| b == b'.') {
        Some(i) => (&digits[..i], &digits[i + 1..]),
        None => (digits, &digits[..0]),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if frac_part.len() > 6 {
        return Err(NumberError::TooPrecise(
            String::from_utf8_lossy(t).into_owned(),
        ));
    }
    let mut value: i64 = 0;
    for &b in int_part.iter().chain(frac_part) {
        if !b.is_ascii_digit() {
            return Err(bad());
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(|| NumberError::TooLarge(String::from_utf8_lossy(t).into_owned()))?;
    }
    for _ in frac_part.len()..6 {
        value = value
            .checked_mul(10)
            .ok_or_else(|| NumberError::TooLarge(String::from_utf8_lossy(t).into_owned()))?;
    }
    Ok(if negative && value > 0 {
        None
    } else {
        Some(value)
    })
}

/// [`parse_micro`] as an exact value.
pub fn parse_exact(text: &str) -> Result<Option<Exact>, NumberError> {
    Ok(parse_micro(text.as_bytes())?.map(Exact::from_micro))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(s: &str) -> Exact {
        parse_exact(s).unwrap().unwrap()
    }

    #[test]
    fn gbt_8170_rounds_half_to_even_on_the_exact_value() {
        assert_eq!(ex("74.5").round_half_even(0), Exact::int(74));
        assert_eq!(ex("75.5").round_half_even(0), Exact::int(76));
        assert_eq!(ex("75.4").round_half_even(0), Exact::int(75));
        assert_eq!(ex("0.25").round_half_even(1).to_fixed(1), "0.2");
        assert_eq!(ex("0.35").round_half_even(1).to_fixed(1), "0.4");
        assert_eq!(ex("0.2501").round_half_even(1).to_fixed(1), "0.3");
        assert_eq!(Exact::ratio(-3, 2).round_half_even(0), Exact::int(-2));
        assert_eq!(Exact::ratio(-189, 10).to_fixed(0), "-19");
    }

    #[test]
    fn ceiling_and_floor_are_exact() {
        assert_eq!(ex("50.125").ceil(), 51);
        assert_eq!(ex("99").ceil(), 99);
        assert_eq!(Exact::ratio(-1, 2).ceil(), 0);
        assert_eq!(Exact::ratio(-1, 2).floor(), -1);
    }

    #[test]
    fn missing_markers_and_negatives_are_missing_and_garbage_is_an_error() {
        for m in ["", " ", "-", "—", "NA", "na", "-1", "-0.5"] {
            assert_eq!(parse_micro(m.as_bytes()), Ok(None), "{m:?}");
        }
        assert_eq!(parse_micro(b"12.5"), Ok(Some(12_500_000)));
        assert_eq!(parse_micro(b".5"), Ok(Some(500_000)));
        assert_eq!(parse_micro(b"-0"), Ok(Some(0)));
        assert!(matches!(
            parse_micro(b"1,2"),
            Err(NumberError::NotANumber(_))
        ));
        assert!(matches!(
            parse_micro(b"1.2345678"),
            Err(NumberError::TooPrecise(_))
        ));
        assert!(matches!(
            parse_micro(b"99999999999999999"),
            Err(NumberError::TooLarge(_))
        ));
    }

    #[test]
    fn arithmetic_stays_in_lowest_terms() {
        let a = Exact::ratio(1, 3) + Exact::ratio(1, 6);
        assert_eq!(a.parts(), (1, 2));
        assert_eq!(Exact::from_micro(2_500_000).parts(), (5, 2));
        assert_eq!(Exact::mean_of_micro(3 * MICRO, 2).to_fixed(1), "1.5");
        assert_eq!(Exact::ratio(2, 3).to_fixed(3), "0.667");
    }
}
