//! Exact decimals (`numeric`) in their canonical text form, as PostgreSQL
//! prints them: no exponent, no leading zeros, the scale kept as written or as
//! the column's typmod fixes it. Arithmetic uses `rust_decimal` (28 significant
//! digits); a result beyond that is an overflow error, never a rounded float.

use super::ValueError;
use rust_decimal::prelude::*;
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// A decimal split into sign and digit strings, used for exact parsing,
/// rounding and comparison without any precision limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecimalText {
    pub negative: bool,
    /// Integer digits without leading zeros ("" for zero).
    pub int: String,
    /// Fraction digits, trailing zeros kept (they are the scale).
    pub frac: String,
}

impl DecimalText {
    /// Parses PostgreSQL numeric input: optional sign, digits, optional point,
    /// optional exponent, surrounding spaces. `NaN` is accepted.
    pub fn parse(input: &str) -> Result<DecimalText, ValueError> {
        let bad = || ValueError::invalid("numeric", input);
        let s = input.trim();
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (rest, 0),
        };
        let (ip, fp) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if (ip.is_empty() && fp.is_empty()) || !ip.bytes().all(|b| b.is_ascii_digit()) || !fp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let mut int = ip.to_string();
        let mut frac = fp.to_string();
        if exp > 0 {
            for _ in 0..exp {
                if frac.is_empty() {
                    int.push('0');
                } else {
                    int.push(frac.remove(0));
                }
            }
        } else if exp < 0 {
            for _ in 0..(-exp) {
                frac.insert(0, int.pop().unwrap_or('0'));
            }
        }
        let int = int.trim_start_matches('0').to_string();
        let mut d = DecimalText { negative, int, frac };
        if d.is_zero() {
            d.negative = false;
        }
        Ok(d)
    }

    pub fn is_zero(&self) -> bool {
        self.int.is_empty() && self.frac.bytes().all(|b| b == b'0')
    }

    pub fn scale(&self) -> u32 {
        self.frac.len() as u32
    }

    /// Rounds half away from zero to `scale` fraction digits (PostgreSQL's rule).
    pub fn round_to(&self, scale: u32) -> DecimalText {
        let scale = scale as usize;
        let mut d = self.clone();
        if d.frac.len() <= scale {
            while d.frac.len() < scale {
                d.frac.push('0');
            }
            return d;
        }
        let round_up = d.frac.as_bytes()[scale] >= b'5';
        d.frac.truncate(scale);
        if round_up {
            let mut digits: Vec<u8> = format!("{}{}", d.int, d.frac).into_bytes();
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
            let all = String::from_utf8(digits).unwrap_or_default();
            let split = all.len() - scale;
            d.int = all[..split].trim_start_matches('0').to_string();
            d.frac = all[split..].to_string();
        }
        if d.is_zero() {
            d.negative = false;
        }
        d
    }

    /// Applies a `numeric(p,s)` typmod: rounds to s and checks the p-s integer digits.
    pub fn apply_typmod(&self, precision: u32, scale: u32) -> Result<DecimalText, ValueError> {
        let d = self.round_to(scale);
        if d.int.len() as u32 > precision.saturating_sub(scale) {
            return Err(ValueError::NumericFieldOverflow { precision, scale });
        }
        Ok(d)
    }

    pub fn to_canonical(&self) -> String {
        let mut s = String::with_capacity(self.int.len() + self.frac.len() + 2);
        if self.negative {
            s.push('-');
        }
        if self.int.is_empty() {
            s.push('0');
        } else {
            s.push_str(&self.int);
        }
        if !self.frac.is_empty() {
            s.push('.');
            s.push_str(&self.frac);
        }
        s
    }

    /// Numeric comparison, independent of scale (1.0 = 1.00).
    pub fn compare(&self, other: &DecimalText) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => return Ordering::Greater,
            (true, false) => return Ordering::Less,
            _ => {}
        }
        let magnitude = self
            .int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(&other.int))
            .then_with(|| {
                let n = self.frac.len().max(other.frac.len());
                let a = format!("{:0<n$}", self.frac);
                let b = format!("{:0<n$}", other.frac);
                a.cmp(&b)
            });
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

/// Canonical stored form of a numeric input, with an optional typmod.
pub fn canonical(input: &str, typmod: Option<(u32, u32)>) -> Result<String, ValueError> {
    if let Some(v) = special(input) {
        // A numeric(p, s) holds no infinity (PostgreSQL: numeric field overflow).
        if let (Some((p, s)), true) = (typmod, v.is_infinite()) {
            return Err(ValueError::NumericFieldOverflow { precision: p, scale: s });
        }
        return Ok(special_text(v).to_string());
    }
    let d = DecimalText::parse(input)?;
    let d = match typmod {
        Some((p, s)) => d.apply_typmod(p, s)?,
        None => d,
    };
    Ok(d.to_canonical())
}

/// NaN, Infinity and -Infinity (PostgreSQL's special numeric values), as
/// the double they behave like.
pub fn special(s: &str) -> Option<f64> {
    match s.trim().to_ascii_lowercase().as_str() {
        "nan" => Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => Some(f64::INFINITY),
        "-infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// The stored (and printed) form of a special value.
fn special_text(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// Where a special value sorts among numbers: -Infinity first, then the
/// numbers, then Infinity, then NaN (PostgreSQL's order).
fn special_rank(s: &str) -> i8 {
    match special(s) {
        Some(v) if v.is_nan() => 3,
        Some(v) if v > 0.0 => 2,
        Some(_) => -1,
        None => 0,
    }
}

/// The collation SQLite uses for numeric columns: compares decimal text numerically.
/// Text that is not a decimal sorts after every number, by bytes.
pub fn collate(a: &str, b: &str) -> Ordering {
    let (ra, rb) = (special_rank(a), special_rank(b));
    if ra != 0 || rb != 0 {
        return ra.cmp(&rb);
    }
    match (DecimalText::parse(a), DecimalText::parse(b)) {
        (Ok(x), Ok(y)) => x.compare(&y),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

fn to_decimal(s: &str) -> Result<Decimal, ValueError> {
    Decimal::from_str_exact(s.trim()).or_else(|_| Decimal::from_scientific(s.trim())).map_err(|_| ValueError::NumericOverflow)
}

fn from_decimal(d: Decimal) -> String {
    let s = d.to_string();
    if s.starts_with("-0") && d.is_zero() {
        s[1..].to_string()
    } else {
        s
    }
}

/// The arithmetic operators on numeric, with PostgreSQL's result scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

pub fn arith(op: NumericOp, a: &str, b: &str) -> Result<String, ValueError> {
    if special(a).is_some() || special(b).is_some() {
        return special_arith(op, a, b);
    }
    let (x, y) = (to_decimal(a)?, to_decimal(b)?);
    let r = match op {
        NumericOp::Add => x.checked_add(y),
        NumericOp::Sub => x.checked_sub(y),
        NumericOp::Mul => x.checked_mul(y),
        NumericOp::Div => {
            if y.is_zero() {
                return Err(ValueError::DivisionByZero);
            }
            let q = x.checked_div(y).ok_or(ValueError::NumericOverflow)?;
            let scale = div_scale(&DecimalText::parse(a)?, &DecimalText::parse(b)?).min(28);
            let mut r = q.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
            r.rescale(scale);
            return Ok(from_decimal(r));
        }
        NumericOp::Mod => {
            if y.is_zero() {
                return Err(ValueError::DivisionByZero);
            }
            x.checked_rem(y)
        }
    };
    // PostgreSQL's result scale: the larger operand scale for + - %, their
    // sum for * (kept for a zero result too: 7.50 * 0 is 0.00).
    let (sa, sb) = (DecimalText::parse(a)?.scale(), DecimalText::parse(b)?.scale());
    let scale = match op {
        NumericOp::Mul => sa + sb,
        _ => sa.max(sb),
    };
    let mut r = r.ok_or(ValueError::NumericOverflow)?;
    if scale <= 28 && r.scale() < scale {
        r.rescale(scale);
    }
    Ok(from_decimal(r))
}

/// Base-10000 weight and first digit group of a decimal, as PostgreSQL's numeric code sees it.
fn weight_and_first_group(d: &DecimalText) -> (i32, u32) {
    if d.is_zero() {
        return (0, 0);
    }
    if !d.int.is_empty() {
        let l = d.int.len();
        let head = (l - 1) % 4 + 1;
        return (((l - 1) / 4) as i32, d.int[..head].parse().unwrap_or(0));
    }
    let zeros = d.frac.bytes().take_while(|b| *b == b'0').count();
    let group = zeros / 4;
    let padded = format!("{:0<w$}", d.frac, w = (group + 1) * 4);
    (-(group as i32) - 1, padded[group * 4..group * 4 + 4].parse().unwrap_or(0))
}

/// PostgreSQL's `select_div_scale`: at least 16 significant digits, and never
/// less than either input's scale.
fn div_scale(a: &DecimalText, b: &DecimalText) -> u32 {
    let (w1, f1) = weight_and_first_group(a);
    let (w2, f2) = weight_and_first_group(b);
    let mut qweight = w1 - w2;
    if f1 <= f2 {
        qweight -= 1;
    }
    let rscale = (16 - qweight * 4).max(a.scale() as i32).max(b.scale() as i32).max(0);
    rscale.min(1000) as u32
}

/// Rounds to `scale` places (negative scales round left of the point), as `round(numeric, int)`.
pub fn round(a: &str, scale: i32) -> Result<String, ValueError> {
    let x = to_decimal(a)?;
    if scale >= 0 {
        Ok(from_decimal(x.round_dp_with_strategy(scale as u32, RoundingStrategy::MidpointAwayFromZero)))
    } else {
        let f = Decimal::from_i128_with_scale(10i128.pow((-scale) as u32), 0);
        let r = (x / f).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero) * f;
        Ok(from_decimal(r.trunc()))
    }
}

pub fn trunc(a: &str, scale: i32) -> Result<String, ValueError> {
    let x = to_decimal(a)?;
    Ok(from_decimal(x.trunc_with_scale(scale.max(0) as u32)))
}

/// The sum of a column of canonical decimals: exact, scale = the largest
/// input scale. NaN and the infinities are counted apart: any NaN, or both
/// infinities, make the sum NaN; one infinity makes it that infinity.
#[derive(Debug, Default, Clone)]
pub struct Sum {
    total: Option<Decimal>,
    count: u64,
    /// How many NaN, Infinity and -Infinity values are in.
    specials: [u64; 3],
}

impl Sum {
    fn special_slot(v: &str) -> Option<usize> {
        special(v).map(|x| if x.is_nan() { 0 } else if x > 0.0 { 1 } else { 2 })
    }

    pub fn add(&mut self, v: &str) -> Result<(), ValueError> {
        self.count += 1;
        if let Some(slot) = Self::special_slot(v) {
            self.specials[slot] += 1;
            return Ok(());
        }
        let d = to_decimal(v)?;
        self.total = Some(match self.total {
            Some(t) => t.checked_add(d).ok_or(ValueError::NumericOverflow)?,
            None => d,
        });
        Ok(())
    }
    /// Takes a value back out (a window frame moving past it).
    pub fn remove(&mut self, v: &str) -> Result<(), ValueError> {
        if self.count == 0 {
            return Ok(());
        }
        self.count -= 1;
        if let Some(slot) = Self::special_slot(v) {
            self.specials[slot] = self.specials[slot].saturating_sub(1);
        } else if let Some(t) = self.total {
            self.total = Some(t.checked_sub(to_decimal(v)?).ok_or(ValueError::NumericOverflow)?);
        }
        if self.count == 0 {
            self.total = None;
        }
        Ok(())
    }

    fn special(&self) -> Option<&'static str> {
        let [nan, pinf, ninf] = self.specials;
        match (nan > 0 || (pinf > 0 && ninf > 0), pinf > 0, ninf > 0) {
            (true, _, _) => Some("NaN"),
            (_, true, _) => Some("Infinity"),
            (_, _, true) => Some("-Infinity"),
            _ => None,
        }
    }

    pub fn sum(&self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        Some(self.special().map(str::to_string).unwrap_or_else(|| self.total.map(from_decimal).unwrap_or_else(|| "0".into())))
    }
    pub fn avg(&self) -> Result<Option<String>, ValueError> {
        if self.count == 0 {
            return Ok(None);
        }
        if let Some(s) = self.special() {
            return Ok(Some(s.to_string()));
        }
        match self.total {
            None => Ok(None),
            Some(t) => arith(NumericOp::Div, &from_decimal(t), &self.count.to_string()).map(Some),
        }
    }
}

/// Arithmetic with NaN or an infinity, as PostgreSQL defines it (the
/// double's rules, but for division by zero, which stays an error).
fn special_arith(op: NumericOp, a: &str, b: &str) -> Result<String, ValueError> {
    let value = |s: &str| -> Result<f64, ValueError> {
        match special(s) {
            Some(v) => Ok(v),
            None => Ok(DecimalText::parse(s)?.to_canonical().parse::<f64>().unwrap_or(0.0)),
        }
    };
    let (x, y) = (value(a)?, value(b)?);
    let r = match op {
        NumericOp::Add => x + y,
        NumericOp::Sub => x - y,
        NumericOp::Mul => x * y,
        NumericOp::Div | NumericOp::Mod if y == 0.0 && !x.is_nan() => return Err(ValueError::DivisionByZero),
        NumericOp::Div => x / y,
        // A finite value modulo an infinity is itself.
        NumericOp::Mod if x.is_finite() && y.is_infinite() => return canonical(a, None),
        NumericOp::Mod => f64::NAN,
    };
    Ok(if r.is_nan() || r.is_infinite() { special_text(r).to_string() } else { "0".to_string() })
}

/// PostgreSQL's binary numeric: base-10000 digits with weight, sign and dscale.
pub fn to_binary(text: &str, out: &mut Vec<u8>) -> Result<(), ValueError> {
    // NaN, Infinity and -Infinity have signs of their own (NUMERIC_NAN, _PINF, _NINF).
    let sign: Option<u8> = match special(text) {
        Some(v) if v.is_nan() => Some(0xC0),
        Some(v) if v > 0.0 => Some(0xD0),
        Some(_) => Some(0xF0),
        None => None,
    };
    if let Some(s) = sign {
        out.extend_from_slice(&[0, 0, 0, 0, s, 0, 0, 0]);
        return Ok(());
    }
    let d = DecimalText::parse(text)?;
    let dscale = d.frac.len() as u16;
    // Pad the integer part on the left and the fraction on the right to groups of 4.
    let int_pad = (4 - d.int.len() % 4) % 4;
    let int_digits = format!("{}{}", "0".repeat(int_pad), d.int);
    let frac_pad = (4 - d.frac.len() % 4) % 4;
    let frac_digits = format!("{}{}", d.frac, "0".repeat(frac_pad));
    let mut groups: Vec<i16> = Vec::new();
    for chunk in int_digits.as_bytes().chunks(4).chain(frac_digits.as_bytes().chunks(4)) {
        let s = std::str::from_utf8(chunk).unwrap_or("0");
        groups.push(s.parse::<i16>().unwrap_or(0));
    }
    let mut weight = (int_digits.len() / 4) as i16 - 1;
    // Strip leading and trailing zero groups (weight follows the leading ones).
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    out.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&(if d.negative { 0x4000u16 } else { 0 }).to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    Ok(())
}

pub fn from_binary(b: &[u8]) -> Result<String, ValueError> {
    let bad = || ValueError::BinaryFormat("numeric");
    if b.len() < 8 {
        return Err(bad());
    }
    let rd = |i: usize| i16::from_be_bytes([b[i], b[i + 1]]);
    let ndigits = rd(0) as usize;
    let weight = rd(2) as i32;
    let sign = rd(4) as u16;
    let dscale = rd(6) as usize;
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => {}
    }
    if b.len() < 8 + ndigits * 2 {
        return Err(bad());
    }
    let groups: Vec<i16> = (0..ndigits).map(|i| rd(8 + i * 2)).collect();
    let mut int = String::new();
    let mut frac = String::new();
    for (i, g) in groups.iter().enumerate() {
        let pos = weight - i as i32;
        let digits = format!("{:04}", g);
        if pos >= 0 {
            int.push_str(&digits);
        } else {
            frac.push_str(&digits);
        }
    }
    // Groups between the last digit group and the point are zeros.
    let last_pos = weight - ndigits as i32 + 1;
    if last_pos > 0 {
        for _ in 0..last_pos {
            int.push_str("0000");
        }
    }
    let first_frac_pos = weight.min(-1);
    if weight < -1 {
        frac.insert_str(0, &"0000".repeat((-1 - first_frac_pos) as usize));
    }
    frac.truncate(dscale);
    while frac.len() < dscale {
        frac.push('0');
    }
    let d = DecimalText { negative: sign == 0x4000, int: int.trim_start_matches('0').to_string(), frac };
    Ok(d.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_keeps_scale_and_applies_typmod() {
        assert_eq!(canonical("1.50", None).unwrap(), "1.50");
        assert_eq!(canonical("007", None).unwrap(), "7");
        assert_eq!(canonical("1.005", Some((10, 2))).unwrap(), "1.01");
        assert_eq!(canonical("-0.004", Some((10, 2))).unwrap(), "0.00");
        assert_eq!(canonical("1.5e3", None).unwrap(), "1500");
        assert_eq!(canonical("9.999", Some((3, 2))).unwrap_err(), ValueError::NumericFieldOverflow { precision: 3, scale: 2 });
        assert!(canonical("abc", None).is_err());
    }

    #[test]
    fn collation_orders_numerically() {
        assert_eq!(collate("9.5", "10"), Ordering::Less);
        assert_eq!(collate("-2", "-10"), Ordering::Greater);
        assert_eq!(collate("1.0", "1.00"), Ordering::Equal);
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(arith(NumericOp::Add, "0.1", "0.2").unwrap(), "0.3");
        assert_eq!(arith(NumericOp::Mul, "1.10", "3").unwrap(), "3.30");
        assert_eq!(arith(NumericOp::Div, "1", "3").unwrap(), "0.33333333333333333333");
        assert_eq!(arith(NumericOp::Div, "3", "2").unwrap(), "1.5000000000000000");
        assert_eq!(arith(NumericOp::Div, "10.00", "4").unwrap(), "2.5000000000000000");
        assert_eq!(arith(NumericOp::Div, "1", "0").unwrap_err(), ValueError::DivisionByZero);
        let mut s = Sum::default();
        for _ in 0..1000 {
            s.add("0.10").unwrap();
        }
        assert_eq!(s.sum().unwrap(), "100.00");
        assert_eq!(round("2.345", 2).unwrap(), "2.35");
        assert_eq!(round("1234", -2).unwrap(), "1200");
    }

    #[test]
    fn binary_round_trips() {
        for s in ["0", "1", "-1.50", "12345.6789", "0.0001", "100000000", "0.00000123", "NaN", "10000.00"] {
            let mut b = Vec::new();
            to_binary(s, &mut b).unwrap();
            assert_eq!(from_binary(&b).unwrap(), s, "{s}");
        }
    }
}

/// PostgreSQL's NUMERIC_MIN_SIG_DIGITS: the significant digits its
/// transcendental functions give at least.
const MIN_SIG_DIGITS: i64 = 16;

/// The decimal exponent of |x| (floor(log10|x|)), for a non-zero x.
fn decimal_exponent(x: Decimal) -> i64 {
    let f = x.abs().to_string().parse::<f64>().unwrap_or(1.0);
    f.log10().floor() as i64
}

/// The display scale PostgreSQL chooses for a result whose decimal weight
/// is about `weight` (numeric.c: NUMERIC_MIN_SIG_DIGITS - (int) weight, at
/// least the inputs' scales, at most 1000).
fn result_scale(weight: f64, input_scales: &[u32]) -> u32 {
    let r = MIN_SIG_DIGITS - weight as i64;
    let r = input_scales.iter().fold(r, |r, s| r.max(*s as i64));
    r.clamp(0, 1000) as u32
}

/// numeric.c's estimate_ln_dweight: the decimal weight of ln(x).
fn ln_dweight(x: Decimal) -> i64 {
    let f = x.to_string().parse::<f64>().unwrap_or(1.0);
    if (0.9..=1.1).contains(&f) {
        let d = (f - 1.0).abs();
        if d == 0.0 {
            0
        } else {
            d.log10().floor() as i64
        }
    } else {
        let l = f.ln().abs();
        if l == 0.0 {
            0
        } else {
            l.log10() as i64
        }
    }
}

/// `r` with `scale` decimals. Past what a Decimal holds (28 digits in
/// all) the decimals are written as zeros.
fn rounded(r: Decimal, scale: u32) -> String {
    let r = r.round_dp_with_strategy(scale.min(28), RoundingStrategy::MidpointAwayFromZero);
    let mut text = from_decimal(r);
    let have = text.split_once('.').map_or(0, |(_, f)| f.len()) as u32;
    if have < scale {
        if have == 0 {
            text.push('.');
        }
        text.extend(std::iter::repeat_n('0', (scale - have) as usize));
    }
    text
}

/// sqrt, exp, ln and log10 of a numeric, with PostgreSQL's result scale
/// (its digits exact to rust_decimal's 28 significant digits).
pub fn transcendental(name: &str, a: &str) -> Result<String, ValueError> {
    use rust_decimal::MathematicalOps;
    if let Some(v) = special(a) {
        return match (name, v) {
            (_, v) if v.is_nan() => Ok("NaN".into()),
            ("exp", v) if v < 0.0 => Ok("0".into()),
            (_, v) if v > 0.0 => Ok("Infinity".into()),
            ("sqrt", _) => Err(ValueError::InvalidPower("cannot take square root of a negative number")),
            _ => Err(ValueError::InvalidLogarithm("cannot take logarithm of a negative number")),
        };
    }
    let x = to_decimal(a)?;
    let scale = DecimalText::parse(a)?.scale();
    match name {
        "sqrt" => {
            if x.is_sign_negative() && !x.is_zero() {
                return Err(ValueError::InvalidPower("cannot take square root of a negative number"));
            }
            if x.is_zero() {
                return Ok(rounded(Decimal::ZERO, scale.max(MIN_SIG_DIGITS as u32)));
            }
            // numeric.c: sweight = (arg.weight + 1) * DEC_DIGITS / 2 - 1, weight in base-10000 digits.
            let weight = decimal_exponent(x).div_euclid(4);
            let sweight = (weight + 1) * 4 / 2 - 1;
            let r = x.sqrt().ok_or(ValueError::NumericOverflow)?;
            Ok(rounded(r, result_scale(sweight as f64, &[scale])))
        }
        "exp" => {
            let f = x.to_string().parse::<f64>().unwrap_or(0.0);
            let r = x.checked_exp().ok_or(ValueError::NumericOverflow)?;
            Ok(rounded(r, result_scale(f * std::f64::consts::LOG10_E, &[scale])))
        }
        "ln" | "log10" => {
            if x.is_zero() {
                return Err(ValueError::InvalidLogarithm("cannot take logarithm of zero"));
            }
            if x.is_sign_negative() {
                return Err(ValueError::InvalidLogarithm("cannot take logarithm of a negative number"));
            }
            let (r, weight) = if name == "ln" {
                (x.checked_ln().ok_or(ValueError::NumericOverflow)?, ln_dweight(x))
            } else {
                (x.checked_log10().ok_or(ValueError::NumericOverflow)?, ln_dweight(x) - ln_dweight(Decimal::TEN))
            };
            Ok(rounded(r, result_scale(weight as f64, &[scale])))
        }
        _ => Err(ValueError::Unsupported(format!("numeric function {name}"))),
    }
}

/// log(b, x) on numerics: PostgreSQL's log_var scale (the weight of
/// ln(x) less that of ln(b)).
pub fn log_base(b: &str, a: &str) -> Result<String, ValueError> {
    use rust_decimal::MathematicalOps;
    let (base, x) = (to_decimal(b)?, to_decimal(a)?);
    for v in [base, x] {
        if v.is_zero() {
            return Err(ValueError::InvalidLogarithm("cannot take logarithm of zero"));
        }
        if v.is_sign_negative() {
            return Err(ValueError::InvalidLogarithm("cannot take logarithm of a negative number"));
        }
    }
    let lb = base.checked_ln().ok_or(ValueError::NumericOverflow)?;
    if lb.is_zero() {
        return Err(ValueError::DivisionByZero);
    }
    let r = x.checked_ln().ok_or(ValueError::NumericOverflow)?.checked_div(lb).ok_or(ValueError::NumericOverflow)?;
    let scales = [DecimalText::parse(b)?.scale(), DecimalText::parse(a)?.scale()];
    Ok(rounded(r, result_scale((ln_dweight(x) - ln_dweight(base)) as f64, &scales)))
}

/// power(x, y) on numerics, with PostgreSQL's errors and result scale.
pub fn power(a: &str, b: &str) -> Result<String, ValueError> {
    use rust_decimal::MathematicalOps;
    let (x, y) = (to_decimal(a)?, to_decimal(b)?);
    if x.is_zero() && y.is_sign_negative() && !y.is_zero() {
        return Err(ValueError::InvalidPower("zero raised to a negative power is undefined"));
    }
    if x.is_sign_negative() && !x.is_zero() && y.fract() != Decimal::ZERO {
        return Err(ValueError::InvalidPower("a negative number raised to a non-integer power yields a complex result"));
    }
    let base_scale = DecimalText::parse(a)?.scale();
    if y.fract() == Decimal::ZERO && y.abs() <= Decimal::from(i32::MAX) {
        // power_var_int: a fixed scale of NUMERIC_MIN_SIG_DIGITS (or the base's).
        let n = y.trunc().to_string().parse::<i64>().unwrap_or(0);
        let r = if n < 0 {
            Decimal::ONE.checked_div(x.checked_powi(-n).ok_or(ValueError::NumericOverflow)?).ok_or(ValueError::NumericOverflow)?
        } else {
            x.checked_powi(n).ok_or(ValueError::NumericOverflow)?
        };
        return Ok(rounded(r, (MIN_SIG_DIGITS as u32).max(base_scale)));
    }
    let r = x.checked_powd(y).ok_or(ValueError::NumericOverflow)?;
    let weight = if r.is_zero() { 0.0 } else { r.abs().to_string().parse::<f64>().unwrap_or(1.0).log10() };
    Ok(rounded(r, result_scale(weight, &[base_scale, DecimalText::parse(b)?.scale()])))
}
