//! The `lg_*` SQL functions the translator emits, as pure functions over
//! stored values. The server registers each on every SQLite connection; the
//! ones that need session state (now(), settings, sequences, locks) are the
//! server's own and are not here.

mod json_fn;
mod text_fn;
mod time_fn;

use crate::types::{parse_type_name, PgType, Scalar, StorageClass};
use crate::value::numeric::{self, NumericOp};
use crate::value::{self, array, FormatOptions, Value, ValueError, ValueRef};

/// What the pure functions read from the session: formats and the transaction's start.
#[derive(Debug, Clone, Default)]
pub struct RuntimeCtx {
    pub format: FormatOptions,
    /// `now()` for the current transaction, in microseconds since the Unix epoch.
    pub txn_start_micros: i64,
}

pub type ScalarFn = fn(&[ValueRef<'_>], &RuntimeCtx) -> Result<Value, ValueError>;

/// A function: SQL name, argument count (-1 = any) and implementation.
pub struct FunctionDef {
    pub name: &'static str,
    pub args: i32,
    pub f: ScalarFn,
}

macro_rules! defs {
    ($($name:literal, $args:expr, $f:expr;)*) => {
        /// Every pure `lg_*` scalar function.
        pub const SCALARS: &[FunctionDef] = &[$(FunctionDef { name: $name, args: $args, f: $f },)*];
    };
}

defs! {
    "lg_cast", 3, cast_fn;
    "lg_numcmp", 2, numcmp;
    "lg_num_add", 2, |a, _| num_op(NumericOp::Add, a);
    "lg_num_sub", 2, |a, _| num_op(NumericOp::Sub, a);
    "lg_num_mul", 2, |a, _| num_op(NumericOp::Mul, a);
    "lg_num_div", 2, |a, _| num_op(NumericOp::Div, a);
    "lg_num_mod", 2, |a, _| num_op(NumericOp::Mod, a);
    "lg_num_neg", 1, |a, _| num_unary(a, |d| numeric::arith(NumericOp::Sub, "0", d));
    "lg_num_abs", 1, |a, _| num_unary(a, |d| Ok(d.trim_start_matches('-').to_string()));
    "lg_num_ceil", 1, |a, _| num_unary(a, |d| numeric::round(&numeric::arith(NumericOp::Add, d, "0.5")?, 0).and_then(|r| fix_ceil(d, r)));
    "lg_num_floor", 1, |a, _| num_unary(a, |d| numeric::round(&numeric::arith(NumericOp::Sub, d, "0.5")?, 0).and_then(|r| fix_floor(d, r)));
    "lg_num_sign", 1, |a, _| num_unary(a, |d| Ok(match numeric::collate(d, "0") { std::cmp::Ordering::Less => "-1", std::cmp::Ordering::Equal => "0", std::cmp::Ordering::Greater => "1" }.to_string()));
    "lg_num_round", 2, |a, _| num_scale(a, numeric::round);
    "lg_num_trunc", 2, |a, _| num_scale(a, numeric::trunc);
    "lg_num_power", 2, num_power;
    "lg_num_fn", 2, num_fn;
    "lg_num_log", 2, num_log;
    "lg_fdiv", 2, fdiv;
    "lg_idiv", 2, idiv;
    "lg_imod", 2, imod;
    "lg_iarith", 4, iarith;
    "lg_float_round", 1, |a, _| float1(a, |x| x.round_ties_even());
    "lg_float_trunc", 1, |a, _| float1(a, f64::trunc);
    "lg_float_ceil", 1, |a, _| float1(a, f64::ceil);
    "lg_float_floor", 1, |a, _| float1(a, f64::floor);
    "lg_float_sign", 1, |a, _| float1(a, |x| if x > 0.0 { 1.0 } else if x < 0.0 { -1.0 } else { 0.0 });
    "lg_float_sqrt", 1, |a, _| float1_checked(a, |x| if x < 0.0 { Err(ValueError::Unsupported("cannot take square root of a negative number".into())) } else { Ok(x.sqrt()) });
    "lg_float_exp", 1, |a, _| float1(a, f64::exp);
    "lg_float_ln", 1, |a, _| float1_checked(a, |x| if x <= 0.0 { Err(ValueError::Unsupported("cannot take logarithm of zero or a negative number".into())) } else { Ok(x.ln()) });
    "lg_float_log10", 1, |a, _| float1_checked(a, |x| if x <= 0.0 { Err(ValueError::Unsupported("cannot take logarithm of zero or a negative number".into())) } else { Ok(x.log10()) });
    "lg_float_logb", 2, |a, _| { let (b, x) = (f(a, 0)?, f(a, 1)?); opt_real(b.zip(x).map(|(b, x)| x.ln() / b.ln())) };
    "lg_float_power", 2, float_power;
    "lg_farith", 3, farith;
    "lg_float_sin", 1, |a, _| float1(a, f64::sin);
    "lg_float_cos", 1, |a, _| float1(a, f64::cos);
    "lg_float_tan", 1, |a, _| float1(a, f64::tan);
    "lg_float_asin", 1, |a, _| float1(a, f64::asin);
    "lg_float_acos", 1, |a, _| float1(a, f64::acos);
    "lg_float_atan", 1, |a, _| float1(a, f64::atan);
    "lg_float_degrees", 1, |a, _| float1(a, f64::to_degrees);
    "lg_float_radians", 1, |a, _| float1(a, f64::to_radians);
    "lg_cbrt", 1, |a, _| float1(a, f64::cbrt);
    "lg_greatest", -1, |a, c| pick(a, c, std::cmp::Ordering::Greater);
    "lg_least", -1, |a, c| pick(a, c, std::cmp::Ordering::Less);
    "lg_regclass", 1, |a, _| Ok(match a.first() { Some(ValueRef::Int(i)) => Value::Int(*i), Some(ValueRef::Text(s)) => Value::Text(s.to_string()), _ => Value::Null });
    "lg_array_get", 3, array_get;
    "lg_array_append", 2, |a, _| array_edit(a, |mut items, x| { items.push(x.clone()); items });
    "lg_array_prepend", 2, |a, _| array_edit(a, |mut items, x| { items.insert(0, x.clone()); items });
    "lg_array_remove", 2, |a, _| array_edit(a, |items, x| items.into_iter().filter(|i| i != x).collect());
    "lg_array_cat", 2, array_cat;
    "lg_array_contains", 2, array_contains;
    "lg_array_to_json", 2, array_to_json;
    "lg_string_to_array", 2, string_to_array;
    "lg_format_type", 3, format_type_fn;
    "lg_size_pretty", 1, |a, _| Ok(match a.first() { Some(ValueRef::Int(n)) => Value::Text(size_pretty(*n)), Some(ValueRef::Real(x)) => Value::Text(size_pretty(*x as i64)), _ => Value::Null });
    "lg_series_step", 1, series_step;
    "lg_text_out", 2, |a, c| { let ty = type_arg(a, 1)?; if a[0] == ValueRef::Null { Ok(Value::Null) } else { value::to_text_string(&ty, a[0], &c.format).map(Value::Text) } };
}

/// `pg_size_pretty(bigint)`: bytes below 10 kB, then the largest unit that
/// keeps the number under 20 thousand, halves rounded away from zero, as
/// PostgreSQL prints it.
pub fn size_pretty(size: i64) -> String {
    const UNITS: [(&str, i64, bool, u32); 6] =
        [("bytes", 10 * 1024, false, 0), ("kB", 20 * 1024 - 1, true, 10), ("MB", 20 * 1024 - 1, true, 20), ("GB", 20 * 1024 - 1, true, 30), ("TB", 20 * 1024 - 1, true, 40), ("PB", 20 * 1024 - 1, true, 50)];
    let half_rounded = |x: i64| (x + if x < 0 { -1 } else { 1 }) / 2;
    let mut size = size;
    for (n, (name, limit, round, bits)) in UNITS.iter().enumerate() {
        let last = n + 1 == UNITS.len();
        if last || size.abs() < *limit {
            let shown = if *round { half_rounded(size) } else { size };
            return format!("{shown} {name}");
        }
        let (_, _, next_round, next_bits) = UNITS[n + 1];
        let shift = next_bits - bits - u32::from(next_round) + u32::from(*round);
        size /= 1i64 << shift;
    }
    String::new()
}

pub use json_fn::JSON_SCALARS;
pub use text_fn::{quote_ident, quote_literal, TEXT_SCALARS};
pub use time_fn::TIME_SCALARS;

/// All pure scalar functions.
pub fn all_scalars() -> impl Iterator<Item = &'static FunctionDef> {
    SCALARS.iter().chain(TEXT_SCALARS).chain(TIME_SCALARS).chain(JSON_SCALARS)
}

pub(crate) fn text<'a>(a: &'a [ValueRef<'a>], i: usize) -> Option<std::borrow::Cow<'a, str>> {
    match a.get(i)? {
        ValueRef::Null => None,
        ValueRef::Text(s) => Some(std::borrow::Cow::Borrowed(s)),
        ValueRef::Int(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        ValueRef::Real(x) => Some(std::borrow::Cow::Owned(value::float::format8(*x, 1))),
        ValueRef::Blob(b) => Some(String::from_utf8_lossy(b)),
    }
}

pub(crate) fn int(a: &[ValueRef<'_>], i: usize) -> Result<Option<i64>, ValueError> {
    match a.get(i) {
        None | Some(ValueRef::Null) => Ok(None),
        Some(ValueRef::Int(n)) => Ok(Some(*n)),
        Some(ValueRef::Real(x)) => Ok(Some(x.round() as i64)),
        Some(ValueRef::Text(s)) => s.trim().parse().map(Some).map_err(|_| ValueError::invalid("integer", s)),
        Some(ValueRef::Blob(_)) => Err(ValueError::invalid("integer", "<bytes>")),
    }
}

pub(crate) fn f(a: &[ValueRef<'_>], i: usize) -> Result<Option<f64>, ValueError> {
    match a.get(i) {
        None | Some(ValueRef::Null) => Ok(None),
        Some(ValueRef::Int(n)) => Ok(Some(*n as f64)),
        Some(ValueRef::Real(x)) => Ok(Some(*x)),
        Some(ValueRef::Text(s)) => value::float::parse(s).map(Some).ok_or_else(|| ValueError::invalid("double precision", s)),
        Some(ValueRef::Blob(_)) => Err(ValueError::invalid("double precision", "<bytes>")),
    }
}

fn opt_real(v: Option<f64>) -> Result<Value, ValueError> {
    Ok(v.map(Value::Real).unwrap_or(Value::Null))
}

fn float1(a: &[ValueRef<'_>], op: fn(f64) -> f64) -> Result<Value, ValueError> {
    opt_real(f(a, 0)?.map(op))
}

fn float1_checked(a: &[ValueRef<'_>], op: fn(f64) -> Result<f64, ValueError>) -> Result<Value, ValueError> {
    match f(a, 0)? {
        None => Ok(Value::Null),
        Some(x) => op(x).map(Value::Real),
    }
}

/// A value as numeric text (integers and reals converted exactly as printed).
pub fn numeric_text(v: ValueRef<'_>) -> Result<Option<String>, ValueError> {
    Ok(match v {
        ValueRef::Null => None,
        ValueRef::Int(i) => Some(i.to_string()),
        ValueRef::Real(x) => Some(value::float::numeric_from_f64(x)),
        ValueRef::Text(s) => Some(s.trim().to_string()),
        ValueRef::Blob(_) => return Err(ValueError::invalid("numeric", "<bytes>")),
    })
}

fn num_op(op: NumericOp, a: &[ValueRef<'_>]) -> Result<Value, ValueError> {
    match (numeric_text(a[0])?, numeric_text(a[1])?) {
        (Some(x), Some(y)) => numeric::arith(op, &x, &y).map(Value::Text),
        _ => Ok(Value::Null),
    }
}

fn num_unary(a: &[ValueRef<'_>], op: impl Fn(&str) -> Result<String, ValueError>) -> Result<Value, ValueError> {
    match numeric_text(a[0])? {
        Some(x) => op(&x).map(Value::Text),
        None => Ok(Value::Null),
    }
}

fn fix_ceil(orig: &str, rounded: String) -> Result<String, ValueError> {
    // round(x + 0.5) overshoots exact integers; ceil(x) = x when x is integral.
    let t = numeric::trunc(orig, 0)?;
    if numeric::collate(&t, orig) == std::cmp::Ordering::Equal {
        Ok(t)
    } else {
        Ok(rounded)
    }
}

fn fix_floor(orig: &str, rounded: String) -> Result<String, ValueError> {
    let t = numeric::trunc(orig, 0)?;
    if numeric::collate(&t, orig) == std::cmp::Ordering::Equal {
        Ok(t)
    } else if orig.starts_with('-') {
        numeric::arith(NumericOp::Sub, &t, "1")
    } else {
        drop(rounded);
        Ok(t)
    }
}

fn num_scale(a: &[ValueRef<'_>], op: fn(&str, i32) -> Result<String, ValueError>) -> Result<Value, ValueError> {
    match (numeric_text(a[0])?, int(a, 1)?) {
        (Some(x), Some(s)) => op(&x, s as i32).map(Value::Text),
        _ => Ok(Value::Null),
    }
}

fn num_power(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (numeric_text(a[0])?, numeric_text(a[1])?) {
        (Some(x), Some(y)) => numeric::power(&x, &y).map(Value::Text),
        _ => Ok(Value::Null),
    }
}

/// sqrt/exp/ln/log10 of a numeric (the function's name first).
fn num_fn(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let name = text(a, 0).unwrap_or_default().to_string();
    match numeric_text(a[1])? {
        Some(x) => numeric::transcendental(&name, &x).map(Value::Text),
        None => Ok(Value::Null),
    }
}

fn num_log(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (numeric_text(a[0])?, numeric_text(a[1])?) {
        (Some(b), Some(x)) => numeric::log_base(&b, &x).map(Value::Text),
        _ => Ok(Value::Null),
    }
}

fn numcmp(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (numeric_text(a[0])?, numeric_text(a[1])?) {
        (Some(x), Some(y)) => Ok(Value::Int(numeric::collate(&x, &y) as i64)),
        _ => Ok(Value::Null),
    }
}

fn fdiv(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (f(a, 0)?, f(a, 1)?) {
        (Some(_), Some(y)) if y == 0.0 => Err(ValueError::DivisionByZero),
        (Some(x), Some(y)) => Ok(Value::Real(x / y)),
        _ => Ok(Value::Null),
    }
}

fn idiv(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (int(a, 0)?, int(a, 1)?) {
        (Some(_), Some(0)) => Err(ValueError::DivisionByZero),
        (Some(x), Some(y)) => x.checked_div(y).map(Value::Int).ok_or(ValueError::IntegerOutOfRange("bigint")),
        _ => Ok(Value::Null),
    }
}

fn imod(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (int(a, 0)?, int(a, 1)?) {
        (Some(_), Some(0)) => Err(ValueError::DivisionByZero),
        (Some(x), Some(y)) => Ok(Value::Int(x.checked_rem(y).unwrap_or(0))),
        _ => Ok(Value::Null),
    }
}

/// float8 `^` and power(), with PostgreSQL's errors (2201F, 22003).
fn float_power(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(x), Some(y)) = (f(a, 0)?, f(a, 1)?) else { return Ok(Value::Null) };
    if x == 0.0 && y < 0.0 {
        return Err(ValueError::InvalidPower("zero raised to a negative power is undefined"));
    }
    if x < 0.0 && y.is_finite() && y.fract() != 0.0 {
        return Err(ValueError::InvalidPower("a negative number raised to a non-integer power yields a complex result"));
    }
    let r = x.powf(y);
    check_float(r, x.is_infinite() || y.is_infinite(), x == 0.0, false).map(Value::Real)
}

/// A float result as PostgreSQL checks it: infinite from finite inputs is
/// an overflow, zero from non-zero inputs an underflow (22003).
fn check_float(r: f64, inf_ok: bool, zero_ok: bool, float4: bool) -> Result<f64, ValueError> {
    let (inf, zero) = if float4 { ((r as f32).is_infinite(), (r as f32) == 0.0) } else { (r.is_infinite(), r == 0.0) };
    if inf && !inf_ok {
        return Err(ValueError::FloatOverflow("overflow"));
    }
    if zero && !zero_ok {
        return Err(ValueError::FloatOverflow("underflow"));
    }
    Ok(if float4 { r as f32 as f64 } else { r })
}

/// float + - * with PostgreSQL's overflow and underflow errors; the third
/// argument's first letter says float4 ('r', real) or float8.
fn farith(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(x), Some(y)) = (f(a, 1)?, f(a, 2)?) else { return Ok(Value::Null) };
    let op = text(a, 0).unwrap_or_default();
    let float4 = op.ends_with('4');
    let inf = x.is_infinite() || y.is_infinite();
    let r = match op.as_bytes().first() {
        Some(b'+') => check_float(x + y, inf, true, float4)?,
        Some(b'-') => check_float(x - y, inf, true, float4)?,
        Some(b'*') => check_float(x * y, inf, x == 0.0 || y == 0.0, float4)?,
        _ => {
            if y == 0.0 {
                return Err(ValueError::DivisionByZero);
            }
            check_float(x / y, x.is_infinite(), x == 0.0 || y.is_infinite(), float4)?
        }
    };
    Ok(Value::Real(r))
}

/// Integer + - * with PostgreSQL's overflow errors (SQLite would turn them into floats).
fn iarith(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let op = text(a, 0).unwrap_or_default().to_string();
    let ty = text(a, 3).unwrap_or_default().to_string();
    let (Some(x), Some(y)) = (int(a, 1)?, int(a, 2)?) else { return Ok(Value::Null) };
    let r = match op.as_str() {
        "+" => x.checked_add(y),
        "-" => x.checked_sub(y),
        _ => x.checked_mul(y),
    };
    let (name, min, max) = match ty.as_str() {
        "smallint" => ("smallint", i16::MIN as i64, i16::MAX as i64),
        "integer" => ("integer", i32::MIN as i64, i32::MAX as i64),
        _ => ("bigint", i64::MIN, i64::MAX),
    };
    match r {
        Some(v) if v >= min && v <= max => Ok(Value::Int(v)),
        _ => Err(ValueError::IntegerOutOfRange(name)),
    }
}

fn type_arg(a: &[ValueRef<'_>], i: usize) -> Result<PgType, ValueError> {
    let t = text(a, i).ok_or_else(|| ValueError::Unsupported("missing type".into()))?;
    let tn = parse_type_name(&t);
    Ok(tn.builtin().unwrap_or(PgType { scalar: Scalar::Text, array: tn.array, typmod: -1 }))
}

fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Int(i) => Value::Int(i),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(s) => Value::Text(s.to_string()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Converts a stored value of type `from` into the stored form of `to`,
/// with PostgreSQL's cast rules (float→int rounds, bool→text is 'true').
pub fn cast(v: ValueRef<'_>, from: &PgType, to: &PgType, ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    if v == ValueRef::Null {
        return Ok(Value::Null);
    }
    let opts = &ctx.format;
    if to.array || from.array {
        let text = match v {
            ValueRef::Text(s) if from.array => {
                let mut out = Vec::new();
                array::to_text(from, s, opts, &mut out)?;
                String::from_utf8(out).map_err(|_| ValueError::InvalidUtf8)?
            }
            other => value::to_text_string(from, other, opts)?,
        };
        if to.is_text_family() {
            return Ok(Value::Text(text));
        }
        return value::from_text(to, &text, opts);
    }
    match (&from.scalar, &to.scalar, v) {
        (Scalar::Bool, t, ValueRef::Int(i)) if PgType::scalar(t.clone()).is_text_family() => {
            return Ok(Value::Text(if i != 0 { "true" } else { "false" }.into()))
        }
        (_, Scalar::Int2 | Scalar::Int4 | Scalar::Int8, ValueRef::Real(x)) => {
            let r = x.round_ties_even();
            return value::from_text(to, &format!("{r:.0}"), opts);
        }
        (_, Scalar::Int2 | Scalar::Int4 | Scalar::Int8, ValueRef::Text(s)) if from.scalar == Scalar::Numeric => {
            if let Some(v) = numeric::special(s) {
                return Err(ValueError::Unsupported(format!("cannot convert {} to integer", if v.is_nan() { "NaN" } else { "infinity" })));
            }
            let r = numeric::round(s, 0)?;
            return value::from_text(to, &r, opts);
        }
        (Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Bool, Scalar::Bool, ValueRef::Int(i)) => return Ok(Value::Int((i != 0) as i64)),
        (_, Scalar::Float4 | Scalar::Float8, ValueRef::Int(i)) => return Ok(Value::Real(i as f64)),
        (_, Scalar::Float4, ValueRef::Real(x)) => return Ok(Value::Real(x as f32 as f64)),
        (_, Scalar::Numeric, ValueRef::Real(x)) => return value::from_text(to, &value::float::numeric_from_f64(x), opts),
        (Scalar::Date | Scalar::Timestamp | Scalar::Timestamptz, Scalar::Date | Scalar::Timestamp | Scalar::Timestamptz | Scalar::Time, ValueRef::Text(s)) => {
            return value::with_precision(to, datetime_cast(s, &from.scalar, &to.scalar, opts)?);
        }
        _ => {}
    }
    if to.storage() == StorageClass::Blob {
        return Ok(match v {
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            ValueRef::Text(s) => value::from_text(to, s, opts)?,
            other => Value::Blob(value::to_text_string(from, other, opts)?.into_bytes()),
        });
    }
    let text = value::to_text_string(from, v, opts)?;
    if to.scalar == Scalar::Text && !to.array {
        return Ok(Value::Text(text));
    }
    // An explicit cast to varchar(n)/char(n) truncates instead of failing.
    if let (Scalar::Varchar | Scalar::Bpchar, Some(n)) = (&to.scalar, to.char_length()) {
        let cut: String = text.chars().take(n).collect();
        return value::from_text(to, &cut, opts);
    }
    value::from_text(to, &text, opts).map_err(|e| match e {
        ValueError::InvalidText { .. } => e,
        other => other,
    })
    .or_else(|e| if from.scalar == to.scalar { Ok(owned(v)) } else { Err(e) })
}

/// Conversions among date, timestamp and timestamptz: a timestamp without
/// zone is wall-clock time in the session's zone.
fn datetime_cast(s: &str, from: &Scalar, to: &Scalar, opts: &FormatOptions) -> Result<Value, ValueError> {
    use value::datetime;
    if let Some(w) = datetime::infinite(s) {
        // An infinite date or timestamp stays so, but has no time of day.
        return if *to == Scalar::Time { Err(ValueError::Unsupported("time out of range".into())) } else { Ok(Value::Text(w.into())) };
    }
    let zone = &opts.zone;
    let local = match from {
        Scalar::Timestamptz => {
            let utc = datetime::load_timestamptz(s)?.naive_utc();
            utc + chrono::Duration::seconds(zone.offset_at_utc(&utc) as i64)
        }
        Scalar::Date => datetime::parse_date(s)?.and_hms_opt(0, 0, 0).ok_or_else(|| ValueError::invalid("date", s))?,
        _ => datetime::load_timestamp(s)?,
    };
    Ok(Value::Text(match to {
        Scalar::Timestamptz => datetime::store_timestamp(local - chrono::Duration::seconds(zone.offset_of_local(&local) as i64)),
        Scalar::Date => datetime::store_date(local.date()),
        Scalar::Time => datetime::store_time(local.time()),
        _ => datetime::store_timestamp(local),
    }))
}

/// `format_type(oid, typmod)`: built-in types by their generated OIDs,
/// user types from the map the translator passes (`{"oid": "name"}`).
fn format_type_fn(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(oid) = int(a, 0)? else { return Ok(Value::Null) };
    let typmod = int(a, 1)?.unwrap_or(-1) as i32;
    if let Some(t) = PgType::from_oid(oid as u32) {
        return Ok(Value::Text(t.with_typmod(typmod).format_type()));
    }
    if let Some(t) = postgres_types::Type::from_oid(oid as u32) {
        return Ok(Value::Text(t.name().to_string()));
    }
    let map: serde_json::Value = text(a, 2).and_then(|m| serde_json::from_str(&m).ok()).unwrap_or_default();
    Ok(Value::Text(map.get(oid.to_string()).and_then(|v| v.as_str()).map(str::to_string).unwrap_or_else(|| "???".into())))
}

/// generate_series's step, refused when zero as PostgreSQL refuses it (a
/// zero step would never end). Integers and reals come as such; numeric and
/// interval steps as their stored text.
fn series_step(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let zero = match a.first() {
        Some(ValueRef::Int(0)) => true,
        Some(ValueRef::Real(x)) => *x == 0.0,
        Some(ValueRef::Text(s)) => match value::Interval::parse(s) {
            Ok(i) => i.months == 0 && i.days == 0 && i.micros == 0,
            Err(_) => numeric::collate(s, "0") == std::cmp::Ordering::Equal,
        },
        _ => false,
    };
    if zero {
        return Err(ValueError::InvalidParameter("step size cannot equal zero".into()));
    }
    Ok(a.first().map(|v| owned(*v)).unwrap_or(Value::Null))
}

fn cast_fn(a: &[ValueRef<'_>], ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    let from = type_arg(a, 1)?;
    let to = type_arg(a, 2)?;
    cast(a[0], &from, &to, ctx)
}

/// greatest/least ignoring NULLs, comparing by the arguments' type.
fn pick(a: &[ValueRef<'_>], _: &RuntimeCtx, want: std::cmp::Ordering) -> Result<Value, ValueError> {
    let ty = type_arg(a, 0)?;
    let mut best: Option<ValueRef<'_>> = None;
    for v in &a[1..] {
        if *v == ValueRef::Null {
            continue;
        }
        best = Some(match best {
            None => *v,
            Some(b) => {
                if compare(&ty, *v, b)? == want {
                    *v
                } else {
                    b
                }
            }
        });
    }
    Ok(best.map(owned).unwrap_or(Value::Null))
}

/// Orders two stored values of one type.
pub fn compare(ty: &PgType, a: ValueRef<'_>, b: ValueRef<'_>) -> Result<std::cmp::Ordering, ValueError> {
    use std::cmp::Ordering;
    Ok(match (ty.storage(), a, b) {
        (StorageClass::Numeric, x, y) => numeric::collate(&numeric_text(x)?.unwrap_or_default(), &numeric_text(y)?.unwrap_or_default()),
        (_, ValueRef::Int(x), ValueRef::Int(y)) => x.cmp(&y),
        (_, ValueRef::Real(x), ValueRef::Real(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (_, ValueRef::Int(x), ValueRef::Real(y)) => (x as f64).partial_cmp(&y).unwrap_or(Ordering::Equal),
        (_, ValueRef::Real(x), ValueRef::Int(y)) => x.partial_cmp(&(y as f64)).unwrap_or(Ordering::Equal),
        (_, ValueRef::Text(x), ValueRef::Text(y)) => x.cmp(y),
        (_, ValueRef::Blob(x), ValueRef::Blob(y)) => x.cmp(y),
        _ => Ordering::Equal,
    })
}

fn load_array<'a>(v: ValueRef<'a>) -> Result<Option<Vec<serde_json::Value>>, ValueError> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Text(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(serde_json::Value::Array(items)) => Ok(Some(items)),
            _ => Err(ValueError::MalformedArray(s.to_string())),
        },
        _ => Err(ValueError::MalformedArray(String::new())),
    }
}

fn array_get(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let elem = type_arg(a, 2)?;
    let (Some(items), Some(i)) = (load_array(a[0])?, int(a, 1)?) else { return Ok(Value::Null) };
    if i < 1 {
        return Ok(Value::Null);
    }
    Ok(items.get((i - 1) as usize).map(|j| array::json_to_element(&elem.element(), j)).unwrap_or(Value::Null))
}

fn json_of(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Int(i) => serde_json::Value::from(i),
        ValueRef::Real(x) => serde_json::Number::from_f64(x).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null),
        // Elements built by json('true') arrive as JSON text.
        ValueRef::Text(s) if s == "true" || s == "false" => serde_json::Value::Bool(s == "true"),
        ValueRef::Text(s) => serde_json::Value::String(s.to_string()),
        ValueRef::Blob(b) => serde_json::Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

fn array_edit(a: &[ValueRef<'_>], op: fn(Vec<serde_json::Value>, &serde_json::Value) -> Vec<serde_json::Value>) -> Result<Value, ValueError> {
    let items = load_array(a[0])?.unwrap_or_default();
    let x = json_of(a[1]);
    Ok(Value::Text(serde_json::Value::Array(op(items, &x)).to_string()))
}

fn array_cat(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (load_array(a[0])?, load_array(a[1])?) {
        (None, None) => Ok(Value::Null),
        (x, y) => {
            let mut items = x.unwrap_or_default();
            items.extend(y.unwrap_or_default());
            Ok(Value::Text(serde_json::Value::Array(items).to_string()))
        }
    }
}

fn array_contains(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match (load_array(a[0])?, load_array(a[1])?) {
        (Some(x), Some(y)) => Ok(Value::Int(y.iter().all(|v| x.contains(v)) as i64)),
        _ => Ok(Value::Null),
    }
}

fn array_to_json(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    match a[0] {
        ValueRef::Null => Ok(Value::Null),
        ValueRef::Text(s) => Ok(Value::Text(s.to_string())),
        _ => Err(ValueError::MalformedArray(String::new())),
    }
}

fn string_to_array(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(s) = text(a, 0) else { return Ok(Value::Null) };
    let items: Vec<serde_json::Value> = match text(a, 1) {
        None => s.chars().map(|c| serde_json::Value::String(c.to_string())).collect(),
        Some(sep) if sep.is_empty() => vec![serde_json::Value::String(s.to_string())],
        Some(_) if s.is_empty() => vec![],
        Some(sep) => s.split(sep.as_ref()).map(|p| serde_json::Value::String(p.to_string())).collect(),
    };
    Ok(Value::Text(serde_json::Value::Array(items).to_string()))
}

#[cfg(test)]
mod tests;
