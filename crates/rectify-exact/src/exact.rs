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

fn gcd(a: i128, b: i128) -> i128 {
    let (a, b) = (a.unsigned_abs(), b.unsigned_abs());
    // 128-bit division is a library call; hourly sums and counts fit 64 bits.
    if let (Ok(a), Ok(b)) = (u64::try_from(a), u64::try_from(b)) {
        return i128::from(gcd_u64(a, b));
    }
    let (mut a, mut b) = (a, b);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    i128::try_from(a).unwrap_or(i128::MAX)
}

/// Binary (Stein's) gcd: shifts and subtractions instead of a division per step, which made
/// the reduction of every period mean the costliest part of a water evaluation.
fn gcd_u64(a: u64, b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a | b;
    }
    let shift = (a | b).trailing_zeros();
    let (mut a, mut b) = (a >> a.trailing_zeros(), b);
    while b != 0 {
        b >>= b.trailing_zeros();
        if a > b {
            (a, b) = (b, a);
        }
        b -= a;
    }
    a << shift
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
            num: sign * div_rem_euclid(num, g).0,
            den: sign * div_rem_euclid(den, g).0,
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

    /// The stored numerator (not necessarily in lowest terms).
    pub fn numer_raw(self) -> i128 {
        self.num
    }

    /// The stored denominator, always positive.
    pub fn denom_raw(self) -> i128 {
        self.den
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

    /// `num/den` as given (den > 0): for hot paths whose denominators stay small.
    pub fn ratio_unreduced(num: i128, den: i128) -> Exact {
        Exact { num, den }
    }

    /// The mean of a sum of `count` values, without reducing: for the hot path of hourly data,
    /// where the denominator stays a small multiple of [`MICRO`].
    pub fn mean_unreduced(self, count: u8) -> Exact {
        Exact {
            num: self.num,
            den: self.den * i128::from(count.max(1)),
        }
    }

    pub fn floor(self) -> i128 {
        self.num.div_euclid(self.den)
    }

    pub fn ceil(self) -> i128 {
        -(-self.num).div_euclid(self.den)
    }

    /// For the few formulas that need logarithms (TLI, the [H⁺] pH mean); never used to compare.
    pub fn to_f64_lossy(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// `Exact::ZERO + self`: unchanged over 1, else in lowest terms.
    fn reduced_unless_whole(self) -> Exact {
        if self.den == 1 { self } else { self.reduced() }
    }

    /// The same value in lowest terms.
    pub fn reduced(self) -> Exact {
        Exact::ratio(self.num, self.den)
    }

    /// Only for sums and products that would overflow 128 bits, which takes inputs with many
    /// decimals combined across many stations: round to 10⁻¹⁵, far below any published precision.
    fn approximate(self) -> Exact {
        const SCALE: u32 = 15;
        let whole = self.num.div_euclid(self.den);
        let rest = self.num.rem_euclid(self.den);
        let scale = 10_i128.pow(SCALE);
        // rest < den; scale the denominator down instead of the remainder up when needed.
        let frac_units = match rest.checked_mul(scale) {
            Some(n) => n / self.den,
            None => rest / (self.den / scale).max(1),
        };
        Exact::ratio(
            whole.saturating_mul(scale).saturating_add(frac_units),
            scale,
        )
    }

    /// Rounds to `decimals` places by GB/T 8170: half to even on the exact value
    /// ("四舍六入五成双"; a 5 followed by anything non-zero rounds up, which exactness gives for free).
    pub fn round_half_even(self, decimals: u32) -> Exact {
        Exact::ratio(self.rounded_units(decimals), 10_i128.pow(decimals))
    }

    /// The value rounded half-even to `decimals` places, as an integer count of 10^-decimals.
    fn rounded_units(self, decimals: u32) -> i128 {
        let scaled = self.num * 10_i128.pow(decimals);
        let (floor, rest) = div_rem_euclid(scaled, self.den);
        let twice_rest = rest * 2;
        match twice_rest.cmp(&self.den) {
            Ordering::Less => floor,
            Ordering::Greater => floor + 1,
            Ordering::Equal if floor % 2 == 0 => floor,
            Ordering::Equal => floor + 1,
        }
    }

    /// Decimal text with exactly `decimals` places, rounded half-even.
    pub fn to_fixed(self, decimals: u32) -> String {
        let mut text = String::new();
        let _ = self.write_fixed(decimals, &mut text);
        text
    }

    /// [`Exact::to_fixed`] written into `out`: bulk writers format millions of values without
    /// a string each.
    pub fn write_fixed(self, decimals: u32, out: &mut impl fmt::Write) -> fmt::Result {
        let units = self.rounded_units(decimals);
        let sign = if units < 0 { "-" } else { "" };
        let abs = units.unsigned_abs();
        // Dividing and formatting a u64 is several times cheaper than a u128; published values fit.
        match u64::try_from(abs) {
            Ok(abs) => fixed_text(out, sign, abs, 10_u64.pow(decimals), decimals),
            Err(_) => fixed_text(out, sign, abs, 10_u128.pow(decimals), decimals),
        }
    }
}

fn fixed_text<T>(
    out: &mut impl fmt::Write,
    sign: &str,
    abs: T,
    scale: T,
    decimals: u32,
) -> fmt::Result
where
    T: Copy + fmt::Display + std::ops::Div<Output = T> + std::ops::Rem<Output = T>,
{
    if decimals == 0 {
        return write!(out, "{sign}{abs}");
    }
    let width = decimals as usize;
    write!(out, "{sign}{}.{:0width$}", abs / scale, abs % scale)
}

/// Euclidean quotient and remainder, on 64-bit hardware division when both fit.
fn div_rem_euclid(n: i128, d: i128) -> (i128, i128) {
    match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n), Ok(d)) if d != -1 => (n.div_euclid(d).into(), n.rem_euclid(d).into()),
        _ => (n.div_euclid(d), n.rem_euclid(d)),
    }
}

fn checked_sum(a: Exact, b: Exact) -> Option<Exact> {
    if a.den == b.den {
        // Summing values read at one scale: skip the gcd, reduce once when dividing.
        return Some(Exact {
            num: a.num.checked_add(b.num)?,
            den: a.den,
        });
    }
    // Over the least common denominator: daily means (micro-units times 20..24 hours) share
    // most of their factors, so the terms stay within 64 bits and the reduction stays cheap.
    let g = gcd(a.den, b.den);
    let (a_part, b_part) = (div_rem_euclid(a.den, g).0, div_rem_euclid(b.den, g).0);
    let num = a
        .num
        .checked_mul(b_part)?
        .checked_add(b.num.checked_mul(a_part)?)?;
    Some(Exact::ratio(num, a_part.checked_mul(b.den)?))
}

fn checked_product(a: Exact, b: Exact) -> Option<Exact> {
    Some(Exact::ratio(
        a.num.checked_mul(b.num)?,
        a.den.checked_mul(b.den)?,
    ))
}

/// Tries exactly, then exactly in lowest terms, then (beyond 128 bits) approximately.
fn combine(a: Exact, b: Exact, op: fn(Exact, Exact) -> Option<Exact>) -> Exact {
    op(a, b)
        .or_else(|| op(a.reduced(), b.reduced()))
        .or_else(|| op(a.approximate(), b.approximate()))
        .unwrap_or(Exact::ZERO)
}

impl std::ops::Add for Exact {
    type Output = Exact;
    fn add(self, other: Exact) -> Exact {
        combine(self, other, checked_sum)
    }
}

/// Sums many values with few distinct denominators (daily means over micro-units times an hour
/// count) by adding numerators per denominator, so only the few partial sums meet a gcd.
impl std::iter::Sum for Exact {
    fn sum<I: Iterator<Item = Exact>>(values: I) -> Exact {
        // At most 8 partial sums, on the stack: a period mean sums a handful of readings.
        let mut partials = [Exact::ZERO; 8];
        let mut used = 0;
        for value in values {
            match partials[..used].iter().position(|p| p.den == value.den) {
                Some(i) => {
                    let p = &mut partials[i];
                    match p.num.checked_add(value.num) {
                        Some(num) => p.num = num,
                        None => *p = *p + value,
                    }
                }
                None if used < 8 => {
                    partials[used] = value;
                    used += 1;
                }
                None => partials[0] = partials[0] + value,
            }
        }
        match partials[..used] {
            [] => Exact::ZERO,
            // 0 + x, as the fold from zero would give it (in lowest terms), without the
            // common-denominator arithmetic.
            [one] => one.reduced_unless_whole(),
            [first, ref rest @ ..] => rest
                .iter()
                .fold(first.reduced_unless_whole(), |a, b| a + *b),
        }
    }
}

impl<'a> std::iter::Sum<&'a Exact> for Exact {
    fn sum<I: Iterator<Item = &'a Exact>>(values: I) -> Exact {
        values.copied().sum()
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
        combine(self, other, checked_product)
    }
}

impl std::ops::Div for Exact {
    type Output = Exact;
    fn div(self, other: Exact) -> Exact {
        combine(self, Exact::ratio(other.den, other.num), checked_product)
    }
}

/// Compares a/b with c/d (b, d > 0) without overflow: by integer parts, then by the inverted
/// fractional parts (the continued-fraction expansion).
fn compare(a: i128, b: i128, c: i128, d: i128) -> Ordering {
    if b == d {
        return a.cmp(&c);
    }
    let small = |x: i128| i64::try_from(x).ok();
    if let (Some(a), Some(b), Some(c), Some(d)) = (small(a), small(b), small(c), small(d)) {
        // Products of two 64-bit values cannot overflow 128 bits; widened from i64, each is one
        // multiplication instead of a full 128-bit one.
        return (i128::from(a) * i128::from(d)).cmp(&(i128::from(c) * i128::from(b)));
    }
    if let (Some(x), Some(y)) = (a.checked_mul(d), c.checked_mul(b)) {
        return x.cmp(&y);
    }
    let (q1, r1) = (a.div_euclid(b), a.rem_euclid(b));
    let (q2, r2) = (c.div_euclid(d), c.rem_euclid(d));
    match (q1.cmp(&q2), r1 == 0, r2 == 0) {
        (Ordering::Equal, true, true) => Ordering::Equal,
        (Ordering::Equal, true, false) => Ordering::Less,
        (Ordering::Equal, false, true) => Ordering::Greater,
        // r1/b < r2/d  ⇔  d/r2 < b/r1
        (Ordering::Equal, false, false) => compare(d, r2, b, r1),
        (other, _, _) => other,
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
        compare(self.num, self.den, other.num, other.den)
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
    match plain_micro(text) {
        Some(value) => Ok(Some(value)),
        None => parse_micro_general(text),
    }
}

/// The fast path of [`parse_micro`] for what exports nearly always hold, `123` or `123.4`: up to
/// 12 integer digits, then optionally a point and 1 to 6 decimals, 18 characters at most, nothing
/// else (no sign, no blank). Anything else is `None` and takes the general path, which gives the same value for
/// every text this one accepts (tested against it).
fn plain_micro(t: &[u8]) -> Option<i64> {
    const POW10: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
    // The general path refuses more than 18 characters (point included) as too large.
    if t.len() > 18 {
        return None;
    }
    let digit = |b: u8| b.wrapping_sub(b'0');
    let mut whole: i64 = 0;
    let mut i = 0;
    while i < t.len() && i < 12 && digit(t[i]) < 10 {
        whole = whole * 10 + i64::from(digit(t[i]));
        i += 1;
    }
    if i == 0 {
        return None;
    }
    // At most 12 digits: below 10¹² · 10⁶, far inside i64.
    if i == t.len() {
        return Some(whole * POW10[0]);
    }
    if t[i] != b'.' {
        return None;
    }
    let fraction = &t[i + 1..];
    if fraction.is_empty() || fraction.len() > 6 {
        return None;
    }
    let mut units: i64 = 0;
    for &b in fraction {
        let d = digit(b);
        if d >= 10 {
            return None;
        }
        units = units * 10 + i64::from(d);
    }
    Some(whole * POW10[0] + units * POW10[fraction.len()])
}

/// Every spelling [`parse_micro`] accepts: blanks around, a sign, a leading or trailing point,
/// the missing markers, and the errors.
fn parse_micro_general(text: &[u8]) -> Result<Option<i64>, NumberError> {
    let t = text.trim_ascii();
    let (negative, digits) = match t.first() {
        None => return Ok(None),
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        Some(_) => (false, t),
    };
    // Up to 18 significant characters cannot overflow i64 even after scaling to micro-units
    // (12 integer digits at most once 6 decimals are reserved), so the common case runs unchecked.
    if digits.len() > 18 {
        return Err(NumberError::TooLarge(lossy(t)));
    }
    let mut value: i64 = 0;
    let mut seen_digit = false;
    let mut point: Option<usize> = None;
    for (i, &b) in digits.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                value = value * 10 + i64::from(b - b'0');
                seen_digit = true;
            }
            b'.' if point.is_none() => point = Some(i),
            _ => return missing_marker(t),
        }
    }
    if !seen_digit {
        return missing_marker(t);
    }
    let decimals = point.map_or(0, |p| digits.len() - p - 1);
    if decimals > 6 {
        return Err(NumberError::TooPrecise(lossy(t)));
    }
    const POW10: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
    let value = value
        .checked_mul(POW10[decimals])
        .ok_or_else(|| NumberError::TooLarge(lossy(t)))?;
    Ok(if negative && value > 0 {
        None
    } else {
        Some(value)
    })
}

fn lossy(t: &[u8]) -> String {
    crate::text::quoted(&String::from_utf8_lossy(t))
}

/// The cell is not a number: fine if it is one of the usual markers for "no value".
fn missing_marker(t: &[u8]) -> Result<Option<i64>, NumberError> {
    if t == b"-" || t == "—".as_bytes() || t.eq_ignore_ascii_case(b"NA") {
        Ok(None)
    } else {
        Err(NumberError::NotANumber(lossy(t)))
    }
}

/// Reads decimal text of any precision (up to 18 significant digits), with an optional exponent
/// (`2.8e-6`), into an exact value. Missing markers and negatives read as in [`parse_micro`].
pub fn parse_decimal(text: &str) -> Result<Option<Exact>, NumberError> {
    match plain_decimal(text.as_bytes()) {
        Some(value) => Ok(Some(value)),
        None => parse_decimal_general(text),
    }
}

/// The common cell of a monitoring file, unsigned digits with at most one point and at most 18
/// digits (`0.046`, `404`), read on 64 bits; anything else (blank, sign, exponent, marker,
/// surrounding space) is `None` and left to [`parse_decimal_general`], whose value for such a
/// cell this equals, representation included.
fn plain_decimal(t: &[u8]) -> Option<Exact> {
    let (unscaled, decimals) = plain_digits(t)?;
    Some(Exact::ratio_unreduced(
        i128::from(unscaled),
        10_i128.pow(decimals),
    ))
}

/// A plain decimal's digits as (unscaled, decimals): unsigned digits with at most one point and
/// at most 18 digits (`0.046` is (46, 3)), so the unscaled value fits an i64; anything else is
/// `None`. The readers' fast paths share it and fall back to their general parsers.
pub fn plain_digits(t: &[u8]) -> Option<(u64, u32)> {
    let mut unscaled: u64 = 0;
    let mut digits = 0_u32;
    let mut point: Option<u32> = None;
    for &b in t {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                if digits > 18 {
                    return None;
                }
                unscaled = unscaled * 10 + u64::from(b - b'0');
            }
            b'.' if point.is_none() => point = Some(digits),
            _ => return None,
        }
    }
    (digits > 0).then(|| (unscaled, digits - point.unwrap_or(digits)))
}

/// Every form [`parse_decimal`] accepts.
fn parse_decimal_general(text: &str) -> Result<Option<Exact>, NumberError> {
    let t = text.trim();
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => {
            let exp: i32 = t[i + 1..]
                .parse()
                .map_err(|_| NumberError::NotANumber(crate::text::quoted(t)))?;
            (&t[..i], exp)
        }
        None => (t, 0),
    };
    let (negative, digits) = match mantissa.as_bytes().first() {
        None => return Ok(None),
        Some(b'-') => (true, &mantissa[1..]),
        Some(b'+') => (false, &mantissa[1..]),
        Some(_) => (false, mantissa),
    };
    let mut unscaled: i128 = 0;
    let mut significant = 0_usize;
    let mut decimals: Option<i32> = None;
    for b in digits.bytes() {
        match b {
            b'0'..=b'9' => {
                unscaled = unscaled * 10 + i128::from(b - b'0');
                significant += 1;
                decimals = decimals.map(|d| d + 1);
            }
            b'.' if decimals.is_none() => decimals = Some(0),
            _ => return missing_marker(t.as_bytes()).map(|v| v.map(Exact::from_micro)),
        }
        if significant > 18 {
            return Err(NumberError::TooLarge(crate::text::quoted(t)));
        }
    }
    if significant == 0 {
        return missing_marker(t.as_bytes()).map(|v| v.map(Exact::from_micro));
    }
    if exponent.unsigned_abs() > 18 {
        return Err(NumberError::TooLarge(crate::text::quoted(t)));
    }
    let scale = exponent - decimals.unwrap_or(0);
    // Unreduced: a value read at one scale keeps the denominator 10^k (cheap to compare and sum).
    let value = if scale >= 0 {
        Exact::ratio_unreduced(unscaled * 10_i128.pow(scale as u32), 1)
    } else {
        Exact::ratio_unreduced(unscaled, 10_i128.pow(scale.unsigned_abs()))
    };
    Ok(if negative && value > Exact::ZERO {
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
    fn decimals_of_any_precision_and_exponents_are_exact() {
        assert_eq!(
            parse_decimal("2.8e-6").unwrap(),
            Some(Exact::ratio(28, 10_000_000))
        );
        assert_eq!(
            parse_decimal("0.00005").unwrap(),
            Some(Exact::ratio(5, 100_000))
        );
        assert_eq!(parse_decimal("1.005").unwrap().unwrap().to_fixed(2), "1.00");
        assert_eq!(parse_decimal("NA").unwrap(), None);
        assert_eq!(parse_decimal("-3").unwrap(), None);
        assert!(parse_decimal("abc").is_err());
        assert!(parse_decimal("1e").is_err());
    }

    #[test]
    fn the_plain_fast_path_reads_as_the_general_parser_representation_included() {
        // Every string of up to 5 characters over digits, point, sign, exponent and space, and
        // lengths around the 18-digit limit: same result, same numerator and denominator.
        let alphabet = [b'0', b'7', b'9', b'.', b'-', b'e', b' ', b'L'];
        let mut cells: Vec<String> = Vec::new();
        for len in 0..=5_u32 {
            for n in 0..8_usize.pow(len) {
                let cell: Vec<u8> = (0..len).map(|i| alphabet[n / 8_usize.pow(i) % 8]).collect();
                cells.push(String::from_utf8(cell).unwrap());
            }
        }
        for digits in 16..=20 {
            for point in [None, Some(0), Some(1), Some(digits / 2), Some(digits)] {
                let mut cell = "9".repeat(digits);
                if let Some(p) = point {
                    cell.insert(p, '.');
                }
                cells.push(cell.clone());
                cells.push(cell.replace('9', "0"));
            }
        }
        for cell in &cells {
            let fast = parse_decimal(cell);
            let general = parse_decimal_general(cell);
            assert_eq!(fast, general, "{cell:?}");
            if let (Ok(Some(a)), Ok(Some(b))) = (fast, general) {
                assert_eq!((a.num, a.den), (b.num, b.den), "{cell:?}");
            }
        }
    }

    #[test]
    fn the_plain_micro_fast_path_reads_as_the_general_parser() {
        // Every cell of up to 5 characters over digits, point, signs, exponent, blanks and a
        // letter; the missing markers; and lengths around the 12 integer and 6 decimal digits the
        // fast path takes: the same value, the same error.
        let alphabet = [b'0', b'7', b'9', b'.', b'-', b'+', b'e', b' ', b'\t', b'N'];
        let mut cells: Vec<Vec<u8>> = Vec::new();
        for len in 0..=5_u32 {
            for n in 0..10_usize.pow(len) {
                cells.push(
                    (0..len)
                        .map(|i| alphabet[n / 10_usize.pow(i) % 10])
                        .collect(),
                );
            }
        }
        for marker in [
            "—", "NA", "na", "—5", "1—", "１２", "1.2.3", "1e5", "2.8e-6", "0x10",
        ] {
            cells.push(marker.as_bytes().to_vec());
        }
        for whole in 0..=20 {
            for decimals in [None, Some(0), Some(1), Some(5), Some(6), Some(7), Some(8)] {
                let mut cell = "9".repeat(whole);
                if let Some(d) = decimals {
                    cell.push('.');
                    cell.push_str(&"8".repeat(d));
                }
                for variant in [
                    cell.clone(),
                    format!(" {cell}"),
                    format!("-{cell}"),
                    cell.replace('9', "0"),
                ] {
                    cells.push(variant.into_bytes());
                }
            }
        }
        let mut fast_taken = 0;
        for cell in &cells {
            let shown = String::from_utf8_lossy(cell);
            assert_eq!(parse_micro(cell), parse_micro_general(cell), "{shown:?}");
            if let Some(value) = plain_micro(cell) {
                fast_taken += 1;
                assert_eq!(parse_micro_general(cell), Ok(Some(value)), "{shown:?}");
            }
        }
        // The fast path is really taken, for the shapes it is meant for.
        assert_eq!(plain_micro(b"123.4"), Some(123_400_000));
        assert_eq!(
            plain_micro(b"99999999999.999999"),
            Some(99_999_999_999_999_999)
        );
        assert_eq!(plain_micro(b"0.000001"), Some(1));
        for other in [
            &b"1."[..],
            b".5",
            b"+1",
            b"-1",
            b" 1",
            b"1 ",
            b"1.1234567",
            b"1234567890123",
            b"123456789012.123456",
        ] {
            assert_eq!(
                plain_micro(other),
                None,
                "{:?}",
                String::from_utf8_lossy(other)
            );
        }
        assert!(fast_taken > 500, "{fast_taken}");
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
    fn huge_denominators_neither_overflow_nor_panic() {
        let a = Exact::ratio(1, 999_999_999_999_999_989);
        let b = Exact::ratio(1, 999_999_999_999_999_967);
        // Exact where the cross products exceed 128 bits but the values do not.
        assert!(a < b);
        let (c, d) = (a * a, b * b);
        assert!(c < d && c > Exact::ZERO);
        // Beyond 128 bits a sum is approximated (to 1e-15), never a panic.
        let p = 10_i128.pow(20);
        let sum = Exact::ratio(7 * p + 1, p + 3) + Exact::ratio(7 * p + 7, p + 9);
        assert_eq!(sum.to_fixed(9), "14.000000000");
        assert_eq!(compare(7, 3, 7, 3), Ordering::Equal);
        assert_eq!(compare(-7, 3, 7, 3), Ordering::Less);
        assert_eq!(compare(i128::MAX, 3, i128::MAX - 1, 3), Ordering::Greater);
    }

    #[test]
    fn results_agree_on_both_sides_of_the_64_bit_fast_paths() {
        let big = i128::from(u64::MAX) * 10;
        assert_eq!(Exact::ratio(big, 4).to_string(), format!("{}/2", big / 2));
        assert_eq!(Exact::ratio(-big, -4), Exact::ratio(big / 2, 2));
        assert_eq!(
            Exact::ratio(big + 5, 10).to_fixed(1),
            format!("{}.5", big / 10)
        );
        assert_eq!(
            Exact::ratio(-(big + 5), 10).to_fixed(0),
            format!("-{}", big / 10 + 1)
        );
        assert_eq!(Exact::int(i64::MIN).to_fixed(2), format!("{}.00", i64::MIN));
        assert_eq!(
            Exact::ratio(i128::from(i64::MIN), 2).to_fixed(0),
            "-4611686018427387904"
        );
        assert!(Exact::ratio(big, 3) > Exact::ratio(big - 1, 3));
        assert!(Exact::int(i64::MAX) > Exact::int(i64::MAX - 1));
        assert!(Exact::int(i64::MIN) < Exact::ratio(i128::from(i64::MIN) * 2 + 1, 2));
    }

    #[test]
    fn sums_equal_pairwise_addition_whatever_the_denominators() {
        let values: Vec<Exact> = (1..200_i128)
            .map(|i| Exact::ratio(i * 7_919 % 1_000, 1 + i % 13))
            .collect();
        let pairwise = values.iter().fold(Exact::ZERO, |a, b| a + *b);
        assert_eq!(values.iter().sum::<Exact>(), pairwise);
        assert_eq!(
            values.iter().sum::<Exact>().to_string(),
            pairwise.to_string()
        );
        assert_eq!(std::iter::empty::<Exact>().sum::<Exact>(), Exact::ZERO);
        let near_overflow = [
            Exact::ratio(i128::MAX - 1, 1),
            Exact::ratio(-5, 1),
            Exact::int(3),
        ];
        assert_eq!(
            near_overflow.iter().sum::<Exact>(),
            Exact::ratio(i128::MAX - 3, 1)
        );
    }

    #[test]
    fn the_binary_gcd_agrees_with_euclid() {
        let euclid = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let mut values = vec![0, 1, 2, 3, 4, 6, 10, 12, 1_000_000, 999_999_999_999_999_989];
        values.extend([
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            10_u64.pow(19),
            3 * (1 << 40),
        ]);
        values.extend((0..64).map(|i| (1_u64 << i).wrapping_mul(5)));
        for &a in &values {
            for &b in &values {
                assert_eq!(gcd_u64(a, b), euclid(a, b), "{a} {b}");
            }
        }
    }

    #[test]
    fn arithmetic_stays_in_lowest_terms() {
        let a = Exact::ratio(1, 3) + Exact::ratio(1, 6);
        assert_eq!(a.to_string(), "1/2");
        assert_eq!(Exact::from_micro(2_500_000).reduced().to_string(), "5/2");
        assert_eq!(Exact::from_micro(3 * MICRO).div_int(2).to_fixed(1), "1.5");
        assert_eq!(Exact::ratio(2, 3).to_fixed(3), "0.667");
    }
}
