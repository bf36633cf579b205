//! Floating-point text as PostgreSQL 12+ prints it: shortest round-trip digits
//! (Ryu-style), switching to exponent form below 1e-4 and from 1e15 (1e6 for
//! real), or `%g` with 15 (6) + extra_float_digits digits when that is <= 0.

fn special(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v == f64::INFINITY {
        Some("Infinity")
    } else if v == f64::NEG_INFINITY {
        Some("-Infinity")
    } else {
        None
    }
}

/// Lays out `digits` (no point) with decimal exponent `exp` (of the first digit).
fn layout(negative: bool, digits: &str, exp: i32, fixed_max_exp: i32) -> String {
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    if exp < -4 || exp >= fixed_max_exp {
        s.push_str(&digits[..1]);
        if digits.len() > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        s.push('e');
        s.push(if exp < 0 { '-' } else { '+' });
        s.push_str(&format!("{:02}", exp.abs()));
    } else if exp < 0 {
        s.push_str("0.");
        for _ in 0..(-exp - 1) {
            s.push('0');
        }
        s.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            s.push_str(digits);
            for _ in digits.len()..int_len {
                s.push('0');
            }
        } else {
            s.push_str(&digits[..int_len]);
            s.push('.');
            s.push_str(&digits[int_len..]);
        }
    }
    s
}

/// Splits Rust's `{:e}` output ("-1.25e-7") into sign, digits and exponent.
fn split_sci(sci: &str) -> (bool, String, i32) {
    let (negative, body) = match sci.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, sci),
    };
    let (mant, exp) = body.split_once('e').unwrap_or((body, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0".to_string() } else { digits.to_string() };
    (negative, digits, exp.parse().unwrap_or(0))
}

fn format_general(negative_zero: bool, sci: String, fixed_max_exp: i32) -> String {
    let (negative, digits, exp) = split_sci(&sci);
    if digits == "0" {
        return if negative_zero { "-0".into() } else { "0".into() };
    }
    layout(negative, &digits, exp, fixed_max_exp)
}

pub fn format8(v: f64, extra_float_digits: i32) -> String {
    if let Some(s) = special(v) {
        return s.into();
    }
    if extra_float_digits > 0 {
        format_general(v == 0.0 && v.is_sign_negative(), format!("{:e}", v), 15)
    } else {
        let p = (15 + extra_float_digits).max(1) as usize;
        format_general(v == 0.0 && v.is_sign_negative(), format!("{:.*e}", p - 1, v), p as i32)
    }
}

pub fn format4(v: f32, extra_float_digits: i32) -> String {
    if let Some(s) = special(v as f64) {
        return s.into();
    }
    if extra_float_digits > 0 {
        format_general(v == 0.0 && v.is_sign_negative(), format!("{:e}", v), 6)
    } else {
        let p = (6 + extra_float_digits).max(1) as usize;
        format_general(v == 0.0 && v.is_sign_negative(), format!("{:.*e}", p - 1, v), p as i32)
    }
}

/// PostgreSQL float input: decimal, exponent, NaN, Infinity (any case, signed).
pub fn parse(s: &str) -> Option<f64> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "nan" => return Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => return Some(f64::INFINITY),
        "-infinity" | "-inf" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if t.is_empty() || t.chars().any(|c| c.is_alphabetic() && c != 'e' && c != 'E') {
        return None;
    }
    t.parse().ok()
}

/// A double shown as a numeric (plain notation, shortest digits).
pub fn numeric_from_f64(v: f64) -> String {
    if let Some(s) = special(v) {
        return s.into();
    }
    let (negative, digits, exp) = split_sci(&format!("{:e}", v));
    if digits == "0" {
        return "0".into();
    }
    layout(negative, &digits, exp, i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_round_trip_like_postgres() {
        assert_eq!(format8(0.1, 1), "0.1");
        assert_eq!(format8(1.0, 1), "1");
        assert_eq!(format8(1e20, 1), "1e+20");
        assert_eq!(format8(123456789012345.0, 1), "123456789012345");
        assert_eq!(format8(1234567890123456789.0, 1), "1.2345678901234568e+18");
        assert_eq!(format8(0.00001, 1), "1e-05");
        assert_eq!(format8(0.0001, 1), "0.0001");
        assert_eq!(format8(-2.5, 1), "-2.5");
        assert_eq!(format8(f64::NAN, 1), "NaN");
        assert_eq!(format8(-0.0, 1), "-0");
        assert_eq!(format4(1.1, 1), "1.1");
        assert_eq!(format4(1234567.0, 1), "1.234567e+06");
    }

    #[test]
    fn extra_float_digits_zero_uses_fifteen_digits() {
        assert_eq!(format8(0.1 + 0.2, 0), "0.3");
        assert_eq!(format8(0.1 + 0.2, 1), "0.30000000000000004");
    }

    #[test]
    fn parses_special_values() {
        assert_eq!(parse("  -Infinity "), Some(f64::NEG_INFINITY));
        assert!(parse("NaN").unwrap().is_nan());
        assert_eq!(parse("1.5e3"), Some(1500.0));
        assert_eq!(parse("abc"), None);
        assert_eq!(numeric_from_f64(2.5), "2.5");
    }
}
