//! Values on the wire and in SQLite: every PostgreSQL type's text and binary
//! input and output, converted to and from the canonical stored form of its
//! [`StorageClass`](crate::types::StorageClass).

pub mod array;
pub mod datetime;
pub mod float;
pub mod json;
pub mod numeric;

use crate::sqlstate::SqlState;
use crate::types::{PgType, Scalar};
pub use datetime::{Interval, SessionZone};

/// A value as SQLite holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A borrowed value read from a SQLite row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl Value {
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Int(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

/// Why a value could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("invalid input syntax for type {ty}: \"{input}\"")]
    InvalidText { ty: String, input: String },
    #[error("date/time field value out of range: \"{input}\"")]
    InvalidDatetime { ty: &'static str, input: String },
    #[error("invalid input syntax for type {ty}: \"{input}\"")]
    InvalidDatetimeSyntax { ty: &'static str, input: String },
    #[error("invalid input value for enum {ty}: \"{input}\"")]
    InvalidEnum { ty: String, input: String },
    #[error("value too long for type character varying({0})")]
    VarcharTooLong(usize),
    #[error("value too long for type character({0})")]
    CharTooLong(usize),
    #[error("numeric field overflow")]
    NumericFieldOverflow { precision: u32, scale: u32 },
    #[error("value out of range: overflow")]
    NumericOverflow,
    #[error("{0} out of range")]
    IntegerOutOfRange(&'static str),
    #[error("division by zero")]
    DivisionByZero,
    #[error("incorrect binary data format in bind parameter of type {0}")]
    BinaryFormat(&'static str),
    #[error("malformed array literal: \"{0}\"")]
    MalformedArray(String),
    #[error("invalid input syntax for type json")]
    InvalidJson(String),
    #[error("invalid byte sequence for encoding \"UTF8\"")]
    InvalidUtf8,
    #[error("relation \"{0}\" does not exist")]
    UndefinedRelation(String),
    #[error("type \"{0}\" does not exist")]
    UndefinedType(String),
    #[error("{0}")]
    Unsupported(String),
    /// ln/log of zero or a negative number (2201E).
    #[error("{0}")]
    InvalidLogarithm(&'static str),
    /// A NULL where none is allowed (22004), in PostgreSQL's words.
    #[error("{0}")]
    NullNotAllowed(String),
    #[error("\"{input}\" is out of range for type {ty}")]
    OutOfRangeFor { input: String, ty: &'static str },
    #[error("interval field value out of range: \"{0}\"")]
    IntervalFieldOverflow(String),
    #[error("interval out of range")]
    IntervalOverflow,
    /// A float result out of range (22003): "overflow" or "underflow".
    #[error("value out of range: {0}")]
    FloatOverflow(&'static str),
    /// power() with a result PostgreSQL leaves undefined (2201F).
    #[error("{0}")]
    InvalidPower(&'static str),
    /// An argument PostgreSQL refuses (22023), in its words.
    #[error("{0}")]
    InvalidParameter(String),
}

impl ValueError {
    pub fn invalid(ty: &str, input: &str) -> ValueError {
        ValueError::InvalidText { ty: ty.to_string(), input: input.to_string() }
    }
    /// Date/time input PostgreSQL refuses: a well-formed value with a field
    /// out of range (`2024-02-30`, 22008), or text that is no date at all (22007).
    pub fn invalid_datetime(ty: &'static str, input: &str) -> ValueError {
        let t = input.trim();
        let numeric_shape = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || " -:./+T".contains(c)) && t.chars().any(|c| c.is_ascii_digit());
        if numeric_shape {
            ValueError::InvalidDatetime { ty, input: input.to_string() }
        } else {
            ValueError::InvalidDatetimeSyntax { ty, input: input.to_string() }
        }
    }

    pub fn sqlstate(&self) -> SqlState {
        match self {
            ValueError::InvalidText { .. } | ValueError::InvalidEnum { .. } | ValueError::MalformedArray(_) => {
                SqlState::INVALID_TEXT_REPRESENTATION
            }
            ValueError::InvalidDatetime { .. } => SqlState::DATETIME_FIELD_OVERFLOW,
            ValueError::InvalidDatetimeSyntax { .. } => SqlState::INVALID_DATETIME_FORMAT,
            ValueError::VarcharTooLong(_) | ValueError::CharTooLong(_) => SqlState::STRING_DATA_RIGHT_TRUNCATION,
            ValueError::NumericFieldOverflow { .. } | ValueError::NumericOverflow | ValueError::IntegerOutOfRange(_) => {
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE
            }
            ValueError::DivisionByZero => SqlState::DIVISION_BY_ZERO,
            ValueError::BinaryFormat(_) => SqlState::INVALID_BINARY_REPRESENTATION,
            ValueError::InvalidJson(_) => SqlState::INVALID_TEXT_REPRESENTATION,
            ValueError::InvalidUtf8 => SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            ValueError::UndefinedRelation(_) => SqlState::UNDEFINED_TABLE,
            ValueError::UndefinedType(_) => SqlState::UNDEFINED_OBJECT,
            ValueError::Unsupported(_) => SqlState::FEATURE_NOT_SUPPORTED,
            ValueError::InvalidParameter(_) => SqlState::INVALID_PARAMETER_VALUE,
            ValueError::FloatOverflow(_) => SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            ValueError::IntervalFieldOverflow(_) => SqlState::INTERVAL_FIELD_OVERFLOW,
            ValueError::IntervalOverflow => SqlState::DATETIME_FIELD_OVERFLOW,
            ValueError::OutOfRangeFor { .. } => SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            ValueError::NullNotAllowed(_) => SqlState::NULL_VALUE_NOT_ALLOWED,
            ValueError::InvalidLogarithm(_) => SqlState::INVALID_ARGUMENT_FOR_LOG,
            ValueError::InvalidPower(_) => SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
        }
    }

    pub fn detail(&self) -> Option<String> {
        match self {
            ValueError::NumericFieldOverflow { precision, scale } => Some(format!(
                "A field with precision {precision}, scale {scale} must round to an absolute value less than 10^{}.",
                precision - scale
            )),
            ValueError::InvalidJson(d) => Some(d.clone()),
            _ => None,
        }
    }
}

/// Session settings that change how values print and parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatOptions {
    pub zone: SessionZone,
    /// `extra_float_digits`: above 0 (the default, 1) floats print shortest-exact.
    pub extra_float_digits: i32,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions { zone: SessionZone::default(), extra_float_digits: 1 }
    }
}

fn int_in(ty: &'static str, s: &str, min: i64, max: i64) -> Result<Value, ValueError> {
    let v: i64 = s.trim().parse().map_err(|_| {
        if s.trim().bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+') && !s.trim().is_empty() {
            ValueError::IntegerOutOfRange(ty)
        } else {
            ValueError::invalid(ty, s)
        }
    })?;
    if v < min || v > max {
        return Err(ValueError::IntegerOutOfRange(ty));
    }
    Ok(Value::Int(v))
}

/// PostgreSQL text input → stored value.
pub fn from_text(ty: &PgType, s: &str, opts: &FormatOptions) -> Result<Value, ValueError> {
    let v = from_text_unrounded(ty, s, opts)?;
    with_precision(ty, v)
}

/// A time or timestamp value rounded to its type's declared precision.
pub fn with_precision(ty: &PgType, v: Value) -> Result<Value, ValueError> {
    match (ty.seconds_precision(), v) {
        (Some(p), Value::Text(stored)) if !ty.array => Ok(Value::Text(datetime::round_stored(&ty.scalar, &stored, p)?)),
        (_, v) => Ok(v),
    }
}

fn from_text_unrounded(ty: &PgType, s: &str, opts: &FormatOptions) -> Result<Value, ValueError> {
    if ty.array {
        return array::from_text(ty, s, opts);
    }
    Ok(match &ty.scalar {
        Scalar::Bool => Value::Int(parse_bool(s).ok_or_else(|| ValueError::invalid("boolean", s))? as i64),
        Scalar::Int2 | Scalar::Int2Vector => int_in("smallint", s, i16::MIN as i64, i16::MAX as i64)?,
        Scalar::Int4 => int_in("integer", s, i32::MIN as i64, i32::MAX as i64)?,
        Scalar::Int8 => int_in("bigint", s, i64::MIN, i64::MAX)?,
        Scalar::Oid | Scalar::Regclass | Scalar::Regtype | Scalar::Regproc => int_in("oid", s, 0, u32::MAX as i64)?,
        Scalar::Float4 | Scalar::Float8 => {
            let name = if ty.scalar == Scalar::Float4 { "real" } else { "double precision" };
            let x = float::parse(s).ok_or_else(|| ValueError::invalid(name, s))?;
            // A real holds what a float4 holds; a finite input that does not
            // fit is out of range (22003), as PostgreSQL says.
            let x = if ty.scalar == Scalar::Float4 { x as f32 as f64 } else { x };
            if x.is_infinite() && !s.trim().to_ascii_lowercase().trim_start_matches(['+', '-']).starts_with("inf") {
                return Err(ValueError::OutOfRangeFor { input: s.trim().to_string(), ty: name });
            }
            Value::Real(x)
        }
        Scalar::Numeric => Value::Text(numeric::canonical(s, ty.numeric_precision_scale())?),
        Scalar::Varchar => {
            if let Some(n) = ty.char_length() {
                if s.chars().count() > n {
                    // PostgreSQL silently drops trailing spaces that overflow the limit.
                    if s.trim_end_matches(' ').chars().count() > n {
                        return Err(ValueError::VarcharTooLong(n));
                    }
                    return Ok(Value::Text(s.chars().take(n).collect()));
                }
            }
            Value::Text(s.to_string())
        }
        Scalar::Bpchar => {
            let n = ty.char_length();
            let trimmed = s.trim_end_matches(' ');
            match n {
                Some(n) if trimmed.chars().count() > n => return Err(ValueError::CharTooLong(n)),
                Some(n) => {
                    let pad = n.saturating_sub(trimmed.chars().count());
                    Value::Text(format!("{trimmed}{}", " ".repeat(pad)))
                }
                None => Value::Text(s.to_string()),
            }
        }
        Scalar::Text | Scalar::Name | Scalar::Unknown | Scalar::Void => Value::Text(s.to_string()),
        Scalar::Char => Value::Text(s.chars().next().map(|c| c.to_string()).unwrap_or_default()),
        Scalar::Bytea => Value::Blob(bytea_in(s)?),
        Scalar::Date | Scalar::Timestamp | Scalar::Timestamptz if datetime::infinite(s).is_some() => Value::Text(datetime::infinite(s).unwrap_or_default().to_string()),
        Scalar::Date if datetime::is_epoch(s) => Value::Text(datetime::store_date(datetime::parse_date("1970-01-01")?)),
        Scalar::Timestamp | Scalar::Timestamptz if datetime::is_epoch(s) => return from_text(ty, "1970-01-01 00:00:00+00", opts),
        Scalar::Date => Value::Text(datetime::store_date(datetime::parse_date(s)?)),
        Scalar::Time => Value::Text(datetime::store_time(datetime::parse_time(s)?)),
        Scalar::Timestamp => Value::Text(datetime::store_timestamp(datetime::parse_timestamp(s)?)),
        Scalar::Timestamptz => Value::Text(datetime::store_timestamptz(datetime::parse_timestamptz(s, &opts.zone)?)),
        Scalar::Interval => Value::Text(Interval::parse(s)?.to_postgres()),
        Scalar::Uuid => Value::Text(uuid::Uuid::parse_str(s.trim()).map_err(|_| ValueError::invalid("uuid", s))?.hyphenated().to_string()),
        Scalar::Json => {
            json::validate(s)?;
            Value::Text(s.to_string())
        }
        Scalar::Jsonb => Value::Text(json::normalize(s)?),
        Scalar::Enum(_) => Value::Text(s.to_string()),
    })
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn bytea_in(s: &str) -> Result<Vec<u8>, ValueError> {
    if let Some(hex) = s.strip_prefix("\\x") {
        let clean: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        if clean.len() % 2 != 0 {
            return Err(ValueError::invalid("bytea", s));
        }
        return (0..clean.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&clean[i..i + 2], 16).map_err(|_| ValueError::invalid("bytea", s)))
            .collect();
    }
    // Escape format: backslash followed by three octal digits or another backslash.
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
            } else if i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
                let v = (b[i + 1] - b'0') as u16 * 64 + (b[i + 2] - b'0') as u16 * 8 + (b[i + 3] - b'0') as u16;
                out.push(v as u8);
                i += 4;
            } else {
                return Err(ValueError::invalid("bytea", s));
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn hex_out(b: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(2 + b.len() * 2);
    out.extend_from_slice(b"\\x");
    for byte in b {
        out.push(HEX[(byte >> 4) as usize]);
        out.push(HEX[(byte & 15) as usize]);
    }
}

/// Stored value → PostgreSQL text output, appended to `out`. Values whose
/// stored class does not match the type (an expression SQLite computed) are
/// printed from what SQLite holds.
pub fn to_text(ty: &PgType, v: ValueRef<'_>, opts: &FormatOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
    if ty.array {
        if let ValueRef::Text(s) = v {
            return array::to_text(ty, s, opts, out);
        }
    }
    match (&ty.scalar, v) {
        (_, ValueRef::Null) => {}
        (Scalar::Bool, ValueRef::Int(i)) => out.push(if i != 0 { b't' } else { b'f' }),
        (Scalar::Bool, ValueRef::Text(s)) => out.push(if parse_bool(s).unwrap_or(false) { b't' } else { b'f' }),
        (Scalar::Bool, ValueRef::Real(f)) => out.push(if f != 0.0 { b't' } else { b'f' }),
        (Scalar::Float4, ValueRef::Real(f)) => out.extend_from_slice(float::format4(f as f32, opts.extra_float_digits).as_bytes()),
        (Scalar::Float4, ValueRef::Int(i)) => out.extend_from_slice(float::format4(i as f32, opts.extra_float_digits).as_bytes()),
        (Scalar::Float8, ValueRef::Real(f)) => out.extend_from_slice(float::format8(f, opts.extra_float_digits).as_bytes()),
        (Scalar::Float8, ValueRef::Int(i)) => out.extend_from_slice(float::format8(i as f64, opts.extra_float_digits).as_bytes()),
        (Scalar::Numeric, ValueRef::Real(f)) => out.extend_from_slice(float::numeric_from_f64(f).as_bytes()),
        (Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Oid | Scalar::Regclass | Scalar::Regtype | Scalar::Regproc, ValueRef::Real(f)) => {
            out.extend_from_slice((f.round() as i64).to_string().as_bytes())
        }
        (Scalar::Timestamptz, ValueRef::Text(s)) => out.extend_from_slice(datetime::out_timestamptz(s, &opts.zone)?.as_bytes()),
        (Scalar::Timestamp, ValueRef::Text(s)) => out.extend_from_slice(datetime::out_timestamp(s)?.as_bytes()),
        (Scalar::Time, ValueRef::Text(s)) => out.extend_from_slice(datetime::out_time(s)?.as_bytes()),
        (Scalar::Bytea, ValueRef::Blob(b)) => hex_out(b, out),
        (Scalar::Bytea, ValueRef::Text(s)) => hex_out(s.as_bytes(), out),
        (Scalar::Jsonb, ValueRef::Text(s)) => out.extend_from_slice(json::normalize(s).unwrap_or_else(|_| s.to_string()).as_bytes()),
        (_, ValueRef::Int(i)) => out.extend_from_slice(i.to_string().as_bytes()),
        (_, ValueRef::Real(f)) => out.extend_from_slice(float::format8(f, opts.extra_float_digits).as_bytes()),
        (_, ValueRef::Text(s)) => out.extend_from_slice(s.as_bytes()),
        (_, ValueRef::Blob(b)) => hex_out(b, out),
    }
    Ok(())
}

/// Converts a stored value to the text PostgreSQL would print (used by casts to text).
pub fn to_text_string(ty: &PgType, v: ValueRef<'_>, opts: &FormatOptions) -> Result<String, ValueError> {
    let mut out = Vec::new();
    to_text(ty, v, opts, &mut out)?;
    String::from_utf8(out).map_err(|_| ValueError::InvalidUtf8)
}

fn as_i64(v: ValueRef<'_>, ty: &'static str) -> Result<i64, ValueError> {
    match v {
        ValueRef::Int(i) => Ok(i),
        ValueRef::Real(f) => Ok(f.round() as i64),
        ValueRef::Text(s) => s.trim().parse().map_err(|_| ValueError::invalid(ty, s)),
        ValueRef::Blob(_) | ValueRef::Null => Err(ValueError::invalid(ty, "")),
    }
}

fn as_f64(v: ValueRef<'_>) -> Result<f64, ValueError> {
    match v {
        ValueRef::Int(i) => Ok(i as f64),
        ValueRef::Real(f) => Ok(f),
        ValueRef::Text(s) => float::parse(s).ok_or_else(|| ValueError::invalid("double precision", s)),
        ValueRef::Blob(_) | ValueRef::Null => Err(ValueError::invalid("double precision", "")),
    }
}

/// Stored value → PostgreSQL binary output, appended to `out`.
pub fn to_binary(ty: &PgType, v: ValueRef<'_>, opts: &FormatOptions, out: &mut Vec<u8>) -> Result<(), ValueError> {
    if ty.array {
        if let ValueRef::Text(s) = v {
            return array::to_binary(ty, s, opts, out);
        }
    }
    match &ty.scalar {
        Scalar::Bool => out.push(match v {
            ValueRef::Text(s) => parse_bool(s).unwrap_or(false) as u8,
            other => (as_i64(other, "boolean")? != 0) as u8,
        }),
        Scalar::Int2 | Scalar::Int2Vector => out.extend_from_slice(&(as_i64(v, "smallint")? as i16).to_be_bytes()),
        Scalar::Int4 => out.extend_from_slice(&(as_i64(v, "integer")? as i32).to_be_bytes()),
        Scalar::Int8 => out.extend_from_slice(&as_i64(v, "bigint")?.to_be_bytes()),
        Scalar::Oid | Scalar::Regclass | Scalar::Regtype | Scalar::Regproc => out.extend_from_slice(&(as_i64(v, "oid")? as u32).to_be_bytes()),
        Scalar::Float4 => out.extend_from_slice(&(as_f64(v)? as f32).to_be_bytes()),
        Scalar::Float8 => out.extend_from_slice(&as_f64(v)?.to_be_bytes()),
        Scalar::Numeric => {
            let text = match v {
                ValueRef::Text(s) => s.to_string(),
                ValueRef::Int(i) => i.to_string(),
                ValueRef::Real(f) => float::numeric_from_f64(f),
                _ => return Err(ValueError::BinaryFormat("numeric")),
            };
            numeric::to_binary(&text, out)?
        }
        Scalar::Bytea => match v {
            ValueRef::Blob(b) => out.extend_from_slice(b),
            ValueRef::Text(s) => out.extend_from_slice(s.as_bytes()),
            other => out.extend_from_slice(to_text_string(&PgType::TEXT, other, opts)?.as_bytes()),
        },
        Scalar::Date => {
            let s = to_text_string(&PgType::TEXT, v, opts)?;
            let days = match datetime::infinite(&s) {
                Some("infinity") => i32::MAX,
                Some(_) => i32::MIN,
                None => datetime::pg_days(datetime::parse_date(&s)?),
            };
            out.extend_from_slice(&days.to_be_bytes())
        }
        Scalar::Time => {
            let s = to_text_string(&PgType::TEXT, v, opts)?;
            out.extend_from_slice(&datetime::time_micros(datetime::parse_time(&s)?).to_be_bytes())
        }
        Scalar::Timestamp | Scalar::Timestamptz if datetime::infinite(&to_text_string(&PgType::TEXT, v, opts)?).is_some() => {
            let s = to_text_string(&PgType::TEXT, v, opts)?;
            out.extend_from_slice(&if datetime::infinite(&s) == Some("infinity") { i64::MAX } else { i64::MIN }.to_be_bytes())
        }
        Scalar::Timestamp => {
            let s = to_text_string(&PgType::TEXT, v, opts)?;
            out.extend_from_slice(&datetime::pg_micros(datetime::load_timestamp(&s)?).to_be_bytes())
        }
        Scalar::Timestamptz => {
            let s = to_text_string(&PgType::TEXT, v, opts)?;
            out.extend_from_slice(&datetime::pg_micros(datetime::load_timestamptz(&s)?.naive_utc()).to_be_bytes())
        }
        Scalar::Interval => {
            let s = to_text_string(&PgType::TEXT, v, opts)?;
            Interval::parse(&s)?.to_binary(out)
        }
        Scalar::Uuid => {
            let s = to_text_string(&PgType::TEXT, v, opts)?;
            out.extend_from_slice(uuid::Uuid::parse_str(&s).map_err(|_| ValueError::invalid("uuid", &s))?.as_bytes())
        }
        Scalar::Jsonb => {
            out.push(1);
            to_text(ty, v, opts, out)?
        }
        Scalar::Json
        | Scalar::Text
        | Scalar::Varchar
        | Scalar::Bpchar
        | Scalar::Name
        | Scalar::Char
        | Scalar::Enum(_)
        | Scalar::Unknown
        | Scalar::Void => to_text(ty, v, opts, out)?,
    }
    Ok(())
}

fn be<const N: usize>(b: &[u8], ty: &'static str) -> Result<[u8; N], ValueError> {
    b.try_into().map_err(|_| ValueError::BinaryFormat(ty))
}

/// PostgreSQL binary input (a bound parameter) → stored value.
pub fn from_binary(ty: &PgType, b: &[u8], opts: &FormatOptions) -> Result<Value, ValueError> {
    let v = from_binary_unrounded(ty, b, opts)?;
    with_precision(ty, v)
}

fn from_binary_unrounded(ty: &PgType, b: &[u8], opts: &FormatOptions) -> Result<Value, ValueError> {
    if ty.array {
        return array::from_binary(ty, b, opts);
    }
    let text = || std::str::from_utf8(b).map_err(|_| ValueError::InvalidUtf8);
    Ok(match &ty.scalar {
        Scalar::Bool => Value::Int((*b.first().ok_or(ValueError::BinaryFormat("boolean"))? != 0) as i64),
        Scalar::Int2 | Scalar::Int2Vector => Value::Int(i16::from_be_bytes(be(b, "smallint")?) as i64),
        Scalar::Int4 => Value::Int(i32::from_be_bytes(be(b, "integer")?) as i64),
        Scalar::Int8 => Value::Int(i64::from_be_bytes(be(b, "bigint")?)),
        Scalar::Oid | Scalar::Regclass | Scalar::Regtype | Scalar::Regproc => Value::Int(u32::from_be_bytes(be(b, "oid")?) as i64),
        Scalar::Float4 => Value::Real(f32::from_be_bytes(be(b, "real")?) as f64),
        Scalar::Float8 => Value::Real(f64::from_be_bytes(be(b, "double precision")?)),
        Scalar::Numeric => Value::Text(numeric::canonical(&numeric::from_binary(b)?, ty.numeric_precision_scale())?),
        Scalar::Bytea => Value::Blob(b.to_vec()),
        Scalar::Date => match i32::from_be_bytes(be(b, "date")?) {
            i32::MAX => Value::Text("infinity".into()),
            i32::MIN => Value::Text("-infinity".into()),
            days => Value::Text(datetime::store_date(datetime::from_pg_days(days).ok_or(ValueError::BinaryFormat("date"))?)),
        },
        Scalar::Time => {
            let us = i64::from_be_bytes(be(b, "time")?);
            let t = chrono::NaiveTime::from_num_seconds_from_midnight_opt((us / 1_000_000) as u32, ((us % 1_000_000) * 1000) as u32)
                .ok_or(ValueError::BinaryFormat("time"))?;
            Value::Text(datetime::store_time(t))
        }
        Scalar::Timestamp | Scalar::Timestamptz => match i64::from_be_bytes(be(b, "timestamp")?) {
            i64::MAX => Value::Text("infinity".into()),
            i64::MIN => Value::Text("-infinity".into()),
            us => Value::Text(datetime::store_timestamp(datetime::from_pg_micros(us).ok_or(ValueError::BinaryFormat("timestamp"))?)),
        },
        Scalar::Interval => Value::Text(Interval::from_binary(b)?.to_postgres()),
        Scalar::Uuid => Value::Text(uuid::Uuid::from_slice(b).map_err(|_| ValueError::BinaryFormat("uuid"))?.hyphenated().to_string()),
        Scalar::Jsonb => {
            let body = b.get(1..).ok_or(ValueError::BinaryFormat("jsonb"))?;
            Value::Text(json::normalize(std::str::from_utf8(body).map_err(|_| ValueError::InvalidUtf8)?)?)
        }
        Scalar::Json | Scalar::Text | Scalar::Varchar | Scalar::Bpchar | Scalar::Name | Scalar::Char | Scalar::Enum(_) | Scalar::Unknown | Scalar::Void => {
            return from_text(ty, text()?, opts)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::parse_type_name;

    fn text_out(ty: &PgType, v: Value) -> String {
        let mut out = Vec::new();
        to_text(ty, v.as_ref(), &FormatOptions::default(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn ty(name: &str) -> PgType {
        parse_type_name(name).builtin().unwrap()
    }

    #[test]
    fn text_round_trips_for_every_scalar_type() {
        let cases = [
            ("boolean", "t"),
            ("smallint", "-12"),
            ("integer", "42"),
            ("bigint", "9223372036854775807"),
            ("real", "1.5"),
            ("double precision", "0.1"),
            ("numeric(10,2)", "12.30"),
            ("varchar(5)", "abc"),
            ("char(3)", "ab "),
            ("text", "hello"),
            ("bytea", "\\xdeadbeef"),
            ("date", "2024-02-29"),
            ("time", "13:45:00.25"),
            ("timestamp", "2024-01-02 03:04:05.123456"),
            ("timestamptz", "2024-01-02 03:04:05+00"),
            ("interval", "1 day 02:03:04"),
            ("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            ("json", "{\"b\":1,  \"a\":2}"),
            ("jsonb", "{\"a\": 2, \"b\": 1}"),
            ("int4[]", "{1,2,NULL}"),
            ("text[]", "{a,\"b c\",\"\"}"),
        ];
        let opts = FormatOptions::default();
        for (name, text) in cases {
            let t = ty(name);
            let stored = from_text(&t, text, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(text_out(&t, stored.clone()), text, "{name}");
            let mut bin = Vec::new();
            to_binary(&t, stored.as_ref(), &opts, &mut bin).unwrap();
            assert_eq!(from_binary(&t, &bin, &opts).unwrap(), stored, "binary {name}");
        }
    }

    #[test]
    fn input_errors_carry_postgres_sqlstates() {
        let opts = FormatOptions::default();
        let e = from_text(&PgType::INT4, "abc", &opts).unwrap_err();
        assert_eq!(e.to_string(), "invalid input syntax for type integer: \"abc\"");
        assert_eq!(e.sqlstate().code(), "22P02");
        assert_eq!(from_text(&ty("varchar(3)"), "abcd", &opts).unwrap_err().sqlstate().code(), "22001");
        assert_eq!(from_text(&PgType::INT2, "70000", &opts).unwrap_err().sqlstate().code(), "22003");
        assert_eq!(from_text(&PgType::UUID, "nope", &opts).unwrap_err().sqlstate().code(), "22P02");
    }

    #[test]
    fn jsonb_prints_normalised_and_binary_carries_version() {
        let opts = FormatOptions::default();
        let v = from_text(&PgType::JSONB, "{\"bb\":1,\"a\":[1,2]}", &opts).unwrap();
        assert_eq!(text_out(&PgType::JSONB, v.clone()), "{\"a\": [1, 2], \"bb\": 1}");
        let mut bin = Vec::new();
        to_binary(&PgType::JSONB, v.as_ref(), &opts, &mut bin).unwrap();
        assert_eq!(bin[0], 1);
    }

    #[test]
    fn booleans_and_bytea_print_like_postgres() {
        assert_eq!(text_out(&PgType::BOOL, Value::Int(1)), "t");
        assert_eq!(text_out(&PgType::BYTEA, Value::Blob(vec![0, 255])), "\\x00ff");
        assert_eq!(from_text(&PgType::BYTEA, "a\\\\b\\001", &FormatOptions::default()).unwrap(), Value::Blob(b"a\\b\x01".to_vec()));
    }
}
