//! Date and time functions over stored values.

use super::{f, int, text, FunctionDef, RuntimeCtx};
use crate::types::{parse_type_name, PgType, Scalar};
use crate::value::datetime::{self, Interval};
use crate::value::{self, Value, ValueError, ValueRef};
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};

pub const TIME_SCALARS: &[FunctionDef] = &[
    FunctionDef { name: "lg_extract", args: 3, f: extract },
    FunctionDef { name: "lg_date_trunc", args: 3, f: date_trunc },
    FunctionDef { name: "lg_ts_add", args: 4, f: ts_add },
    FunctionDef { name: "lg_ts_diff", args: 4, f: ts_diff },
    FunctionDef { name: "lg_time_add", args: 3, f: time_add },
    FunctionDef { name: "lg_interval_add", args: 3, f: interval_add },
    FunctionDef { name: "lg_interval_mul", args: 3, f: interval_mul },
    FunctionDef { name: "lg_interval_neg", args: 1, f: |a, _| iv1(a, |i| i.negate()) },
    FunctionDef { name: "lg_interval_abs", args: 1, f: |a, _| iv1(a, |i| if i.sort_key() < 0 { i.negate() } else { i }) },
    FunctionDef { name: "lg_date_add_days", args: 2, f: date_add_days },
    FunctionDef { name: "lg_date_diff", args: 2, f: date_diff },
    FunctionDef { name: "lg_age", args: 2, f: age },
    FunctionDef { name: "lg_to_char", args: 3, f: to_char },
    FunctionDef { name: "lg_to_timestamp", args: 2, f: to_timestamp },
    FunctionDef { name: "lg_to_timestamp_epoch", args: 1, f: to_timestamp_epoch },
    FunctionDef { name: "lg_at_time_zone", args: 3, f: at_time_zone },
];

fn ty(a: &[ValueRef<'_>], i: usize) -> PgType {
    text(a, i).and_then(|t| parse_type_name(&t).builtin()).unwrap_or(PgType::TIMESTAMPTZ)
}

/// Any date/time value as a naive timestamp (timestamptz: in the session zone).
fn as_timestamp(v: &str, t: &PgType, ctx: &RuntimeCtx) -> Result<NaiveDateTime, ValueError> {
    match t.scalar {
        Scalar::Timestamptz => {
            let utc = datetime::load_timestamptz(v)?.naive_utc();
            Ok(utc + chrono::Duration::seconds(ctx.format.zone.offset_at_utc(&utc) as i64))
        }
        Scalar::Date => Ok(datetime::parse_date(v)?.and_hms_opt(0, 0, 0).ok_or_else(|| ValueError::invalid("date", v))?),
        Scalar::Time => Ok(chrono::NaiveDate::from_ymd_opt(2000, 1, 1).ok_or_else(|| ValueError::invalid("time", v))?.and_time(datetime::parse_time(v)?)),
        _ => datetime::load_timestamp(v),
    }
}

fn from_timestamp(t: NaiveDateTime, to: &PgType, ctx: &RuntimeCtx) -> Value {
    match to.scalar {
        Scalar::Timestamptz => {
            let utc = t - chrono::Duration::seconds(ctx.format.zone.offset_of_local(&t) as i64);
            Value::Text(datetime::store_timestamp(utc))
        }
        Scalar::Date => Value::Text(datetime::store_date(t.date())),
        _ => Value::Text(datetime::store_timestamp(t)),
    }
}

fn extract(a: &[ValueRef<'_>], ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(field), Some(v)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let t = ty(a, 2);
    let field = field.to_lowercase();
    if t.scalar == Scalar::Interval {
        let iv = Interval::parse(&v)?;
        let secs = iv.micros as f64 / 1e6;
        let out = match field.as_str() {
            "epoch" => value::float::numeric_from_f64((iv.months as f64 * 30.0 + iv.days as f64) * 86400.0 + secs),
            "year" => (iv.months / 12).to_string(),
            "month" => (iv.months % 12).to_string(),
            "day" => iv.days.to_string(),
            "hour" => (iv.micros / 3_600_000_000).to_string(),
            "minute" => ((iv.micros / 60_000_000) % 60).to_string(),
            "second" => format!("{:.6}", (iv.micros % 60_000_000) as f64 / 1e6),
            other => return Err(ValueError::Unsupported(format!("unit \"{other}\" not supported for type interval"))),
        };
        return Ok(Value::Text(out));
    }
    let ts = if t.scalar == Scalar::Timestamptz && field == "epoch" { datetime::load_timestamptz(&v)?.naive_utc() } else { as_timestamp(&v, &t, ctx)? };
    let out = datetime::extract(&field, ts).ok_or_else(|| ValueError::Unsupported(format!("unit \"{field}\" not recognized for type {t}")))?;
    // Date fields of a date have no fraction: "second" of a date is an error in PostgreSQL, kept simple here.
    Ok(Value::Text(out))
}

fn date_trunc(a: &[ValueRef<'_>], ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(field), Some(v)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let t = ty(a, 2);
    if t.scalar == Scalar::Interval {
        return Err(ValueError::Unsupported("date_trunc on interval".into()));
    }
    let out_ty = if t.scalar == Scalar::Date { PgType::TIMESTAMPTZ } else { t.clone() };
    let ts = as_timestamp(&v, &t, ctx)?;
    let r = datetime::trunc(&field, ts).ok_or_else(|| ValueError::Unsupported(format!("unit \"{field}\" not recognized for type {t}")))?;
    Ok(from_timestamp(r, &out_ty, ctx))
}

fn ts_add(a: &[ValueRef<'_>], ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(v), Some(iv)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let sign = int(a, 2)?.unwrap_or(1);
    let t = ty(a, 3);
    let mut iv = Interval::parse(&iv)?;
    if sign < 0 {
        iv = iv.negate();
    }
    let out_ty = if t.scalar == Scalar::Date { PgType::TIMESTAMP } else { t.clone() };
    // Infinity plus or minus a finite interval is still infinity.
    if let Some(w) = datetime::infinite(&v) {
        return Ok(Value::Text(w.into()));
    }
    let ts = as_timestamp(&v, &t, ctx)?;
    let r = datetime::add_interval(ts, iv).ok_or(ValueError::Unsupported("timestamp out of range".into()))?;
    Ok(from_timestamp(r, &out_ty, ctx))
}

fn ts_diff(a: &[ValueRef<'_>], ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(x), Some(y)) = (text(a, 0), text(a, 2)) else { return Ok(Value::Null) };
    let (tx, ty_) = (ty(a, 1), ty(a, 3));
    if tx.scalar == Scalar::Date && ty_.scalar == Scalar::Date {
        let d = datetime::parse_date(&x)? - datetime::parse_date(&y)?;
        return Ok(Value::Int(d.num_days()));
    }
    let (x, y) = if tx.scalar == Scalar::Timestamptz || ty_.scalar == Scalar::Timestamptz {
        (datetime::load_timestamptz(&x)?.naive_utc(), datetime::load_timestamptz(&y)?.naive_utc())
    } else {
        (as_timestamp(&x, &tx, ctx)?, as_timestamp(&y, &ty_, ctx)?)
    };
    Ok(Value::Text(datetime::diff(x, y).to_postgres()))
}

fn time_add(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(t), Some(iv)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let sign = int(a, 2)?.unwrap_or(1);
    let iv = Interval::parse(&iv)?;
    let t = datetime::parse_time(&t)?;
    let us = (datetime::time_micros(t) + sign * iv.micros).rem_euclid(86_400_000_000);
    let nt = chrono::NaiveTime::from_num_seconds_from_midnight_opt((us / 1_000_000) as u32, ((us % 1_000_000) * 1000) as u32)
        .ok_or_else(|| ValueError::invalid("time", ""))?;
    Ok(Value::Text(datetime::store_time(nt)))
}

fn iv1(a: &[ValueRef<'_>], op: fn(Interval) -> Interval) -> Result<Value, ValueError> {
    match text(a, 0) {
        Some(s) => Ok(Value::Text(op(Interval::parse(&s)?).to_postgres())),
        None => Ok(Value::Null),
    }
}

fn interval_add(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(x), Some(y)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let mut y = Interval::parse(&y)?;
    if int(a, 2)?.unwrap_or(1) < 0 {
        y = y.negate();
    }
    Ok(Value::Text(Interval::parse(&x)?.add(y)?.to_postgres()))
}

fn interval_mul(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(x), Some(k)) = (text(a, 0), f(a, 1)?) else { return Ok(Value::Null) };
    let divide = int(a, 2)?.unwrap_or(0) != 0;
    if divide && k == 0.0 {
        return Err(ValueError::DivisionByZero);
    }
    Ok(Value::Text(Interval::parse(&x)?.scale(if divide { 1.0 / k } else { k }).to_postgres()))
}

fn date_add_days(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(d), Some(n)) = (text(a, 0), int(a, 1)?) else { return Ok(Value::Null) };
    let d = datetime::parse_date(&d)? + chrono::Duration::days(n);
    Ok(Value::Text(datetime::store_date(d)))
}

fn date_diff(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(x), Some(y)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    Ok(Value::Int((datetime::parse_date(&x)? - datetime::parse_date(&y)?).num_days()))
}

fn age(a: &[ValueRef<'_>], ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(x), Some(y)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let x = as_timestamp(&x, &PgType::TIMESTAMPTZ, ctx)?;
    let y = if y.len() == 10 { as_timestamp(&y, &PgType::DATE, ctx)? } else { as_timestamp(&y, &PgType::TIMESTAMPTZ, ctx)? };
    Ok(Value::Text(datetime::age(x, y).to_postgres()))
}

/// `to_char` for the common timestamp patterns.
fn to_char(a: &[ValueRef<'_>], ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(v), Some(fmt)) = (text(a, 0), text(a, 2)) else { return Ok(Value::Null) };
    let t = ty(a, 1);
    if t.is_numeric_family() {
        return Err(ValueError::Unsupported("to_char of numbers".into()));
    }
    let ts = as_timestamp(&v, &t, ctx)?;
    let mut out = String::new();
    let f: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    while i < f.len() {
        let rest: String = f[i..].iter().collect();
        let tok = [
            "YYYY", "MONTH", "Month", "month", "MON", "Mon", "mon", "DAY", "Day", "day", "DY", "Dy", "HH24", "HH12", "HH", "MI", "SS", "MS", "US", "YY", "MM", "DD",
            "AM", "PM", "am", "pm", "TZ", "Q", "D",
        ]
        .into_iter()
        .find(|t| rest.starts_with(t));
        let Some(tok) = tok else {
            if f[i] == '"' {
                i += 1;
                while i < f.len() && f[i] != '"' {
                    out.push(f[i]);
                    i += 1;
                }
                i += 1;
                continue;
            }
            out.push(f[i]);
            i += 1;
            continue;
        };
        let m = months[ts.month0() as usize];
        let d = days[ts.weekday().num_days_from_sunday() as usize];
        let h12 = if ts.hour() % 12 == 0 { 12 } else { ts.hour() % 12 };
        out.push_str(&match tok {
            "YYYY" => format!("{:04}", ts.year()),
            "YY" => format!("{:02}", ts.year() % 100),
            "MONTH" => format!("{:<9}", m.to_uppercase()),
            "Month" => format!("{:<9}", m),
            "month" => format!("{:<9}", m.to_lowercase()),
            "MON" => m[..3].to_uppercase(),
            "Mon" => m[..3].to_string(),
            "mon" => m[..3].to_lowercase(),
            "DAY" => format!("{:<9}", d.to_uppercase()),
            "Day" => format!("{:<9}", d),
            "day" => format!("{:<9}", d.to_lowercase()),
            "DY" => d[..3].to_uppercase(),
            "Dy" => d[..3].to_string(),
            "MM" => format!("{:02}", ts.month()),
            "DD" => format!("{:02}", ts.day()),
            "D" => (ts.weekday().num_days_from_sunday() + 1).to_string(),
            "Q" => (ts.month0() / 3 + 1).to_string(),
            "HH24" => format!("{:02}", ts.hour()),
            "HH12" | "HH" => format!("{:02}", h12),
            "MI" => format!("{:02}", ts.minute()),
            "SS" => format!("{:02}", ts.second()),
            "MS" => format!("{:03}", ts.nanosecond() / 1_000_000),
            "US" => format!("{:06}", ts.nanosecond() / 1000),
            "AM" | "PM" => (if ts.hour() < 12 { "AM" } else { "PM" }).to_string(),
            "am" | "pm" => (if ts.hour() < 12 { "am" } else { "pm" }).to_string(),
            "TZ" => if t.scalar == Scalar::Timestamptz { ctx.format.zone.abbreviation(&ts) } else { String::new() },
            _ => String::new(),
        });
        i += tok.chars().count();
    }
    Ok(Value::Text(out))
}

/// `to_timestamp(text, format)` for the common patterns (YYYY MM DD HH24 MI SS and separators).
fn to_timestamp(a: &[ValueRef<'_>], ctx: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(s), Some(fmt)) = (text(a, 0), text(a, 1)) else { return Ok(Value::Null) };
    let chrono_fmt = fmt
        .replace("YYYY", "%Y")
        .replace("HH24", "%H")
        .replace("HH12", "%I")
        .replace("MM", "%m")
        .replace("DD", "%d")
        .replace("MI", "%M")
        .replace("SS", "%S")
        .replace("Mon", "%b")
        .replace("AM", "%p")
        .replace("PM", "%p");
    let parsed = NaiveDateTime::parse_from_str(&s, &chrono_fmt)
        .or_else(|_| chrono::NaiveDate::parse_from_str(&s, &chrono_fmt).map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default()))
        .map_err(|_| ValueError::invalid("timestamp with time zone", &s))?;
    Ok(from_timestamp(parsed, &PgType::TIMESTAMPTZ, ctx))
}

fn to_timestamp_epoch(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let Some(secs) = f(a, 0)? else { return Ok(Value::Null) };
    let t = DateTime::<Utc>::from_timestamp_micros((secs * 1e6).round() as i64).ok_or(ValueError::Unsupported("timestamp out of range".into()))?;
    Ok(Value::Text(datetime::store_timestamptz(t)))
}

/// `ts AT TIME ZONE z`: timestamptz → local timestamp in z; timestamp → the instant in z.
fn at_time_zone(a: &[ValueRef<'_>], _: &RuntimeCtx) -> Result<Value, ValueError> {
    let (Some(v), Some(z)) = (text(a, 0), text(a, 2)) else { return Ok(Value::Null) };
    let t = ty(a, 1);
    let zone = datetime::SessionZone::parse(&z).ok_or_else(|| ValueError::Unsupported(format!("time zone \"{z}\" not recognized")))?;
    if t.scalar == Scalar::Timestamptz {
        let utc = datetime::load_timestamptz(&v)?.naive_utc();
        Ok(Value::Text(datetime::store_timestamp(utc + chrono::Duration::seconds(zone.offset_at_utc(&utc) as i64))))
    } else {
        let local = datetime::load_timestamp(&v)?;
        Ok(Value::Text(datetime::store_timestamp(local - chrono::Duration::seconds(zone.offset_of_local(&local) as i64))))
    }
}
