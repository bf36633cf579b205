//! Dates, times, timestamps and intervals.
//!
//! Stored forms (text, fixed width so SQLite's text ordering is time order):
//! - date: `YYYY-MM-DD`
//! - time: `HH:MM:SS.ffffff`
//! - timestamp: `YYYY-MM-DD HH:MM:SS.ffffff`
//! - timestamptz: the UTC instant as `YYYY-MM-DD HH:MM:SS.ffffff`; the session
//!   time zone is applied on output, as PostgreSQL does.
//! - interval: PostgreSQL's `postgres` IntervalStyle text, parsed on use.

use super::ValueError;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};

pub const STORED_TS: &str = "%Y-%m-%d %H:%M:%S%.6f";
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120; // 2000-01-01

/// A session time zone: UTC, a fixed offset, or a zone of the IANA
/// database (`Europe/Berlin`), whose offset depends on the instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionZone {
    pub name: String,
    /// For a fixed zone, seconds east of UTC.
    pub offset_seconds: i32,
    pub tz: Option<chrono_tz::Tz>,
}

impl Default for SessionZone {
    fn default() -> Self {
        SessionZone { name: "UTC".into(), offset_seconds: 0, tz: None }
    }
}

impl SessionZone {
    /// Accepts `UTC`, `GMT`, `Etc/UTC`, `Z`, fixed offsets and IANA zone
    /// names (any case, shown as the database spells them). As in
    /// PostgreSQL, a signed offset (`+05:30`, `UTC+3`) is a POSIX zone, whose
    /// sign counts hours *west* of Greenwich; a bare number (`5`) is east.
    pub fn parse(name: &str) -> Option<SessionZone> {
        let n = name.trim().trim_matches('\'');
        let lower = n.to_ascii_lowercase();
        if matches!(lower.as_str(), "utc" | "gmt" | "etc/utc" | "etc/gmt" | "z" | "zulu" | "universal" | "etc/universal" | "uct") {
            return Some(SessionZone { name: if lower == "gmt" { "GMT".into() } else { "UTC".into() }, offset_seconds: 0, tz: None });
        }
        let posix = lower.strip_prefix("utc").or_else(|| lower.strip_prefix("gmt")).unwrap_or(&lower);
        if let Some(secs) = parse_offset(posix) {
            let east = if posix.starts_with(['+', '-']) { -secs } else { secs };
            return Some(SessionZone { name: n.to_string(), offset_seconds: east, tz: None });
        }
        let tz = chrono_tz::Tz::from_str_insensitive(n).ok()?;
        Some(SessionZone { name: tz.name().to_string(), offset_seconds: 0, tz: Some(tz) })
    }

    /// Seconds east of UTC at the instant `utc`.
    pub fn offset_at_utc(&self, utc: &NaiveDateTime) -> i32 {
        use chrono::Offset;
        match &self.tz {
            Some(tz) => tz.offset_from_utc_datetime(utc).fix().local_minus_utc(),
            None => self.offset_seconds,
        }
    }

    /// The zone's abbreviation at the wall-clock time `local` (`EDT`), or
    /// its name for a fixed zone (to_char's TZ).
    pub fn abbreviation(&self, local: &NaiveDateTime) -> String {
        use chrono_tz::OffsetName;
        let Some(tz) = &self.tz else { return self.name.to_uppercase() };
        let utc = *local - chrono::Duration::seconds(self.offset_of_local(local) as i64);
        tz.offset_from_utc_datetime(&utc).abbreviation().map(str::to_string).unwrap_or_default()
    }

    /// Seconds east of UTC for the wall-clock time `local`. As PostgreSQL
    /// does, an ambiguous time (clocks set back) takes the offset in force
    /// after the transition, a time that does not exist (clocks set
    /// forward) the offset in force before it.
    pub fn offset_of_local(&self, local: &NaiveDateTime) -> i32 {
        use chrono::{LocalResult, Offset};
        let Some(tz) = &self.tz else { return self.offset_seconds };
        match tz.offset_from_local_datetime(local) {
            LocalResult::Single(o) => o.fix().local_minus_utc(),
            LocalResult::Ambiguous(a, b) => a.fix().local_minus_utc().min(b.fix().local_minus_utc()),
            LocalResult::None => tz.offset_from_utc_datetime(&(*local - chrono::Duration::hours(24))).fix().local_minus_utc(),
        }
    }
}

/// `+02`, `+02:00`, `-0530`, `5` → seconds east of UTC.
fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        b'0'..=b'9' => (1, s),
        _ => return None,
    };
    let (h, m, sec) = if let Some((h, m)) = rest.split_once(':') {
        let (m, sec) = m.split_once(':').unwrap_or((m, "0"));
        (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?, sec.parse::<i32>().ok()?)
    } else if rest.len() == 4 && rest.bytes().all(|b| b.is_ascii_digit()) {
        (rest[..2].parse().ok()?, rest[2..].parse().ok()?, 0)
    } else {
        (rest.parse::<i32>().ok()?, 0, 0)
    };
    if h > 15 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60 + sec))
}

fn fmt_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    let (h, m, s) = (a / 3600, (a % 3600) / 60, a % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    }
}

fn fmt_frac(micros: u32, out: &mut String) {
    if micros != 0 {
        let f = format!(".{:06}", micros);
        out.push_str(f.trim_end_matches('0'));
    }
}

fn bad(ty: &'static str, s: &str) -> ValueError {
    ValueError::invalid_datetime(ty, s)
}

pub fn parse_date(s: &str) -> Result<NaiveDate, ValueError> {
    let t = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    // A date given with a time part keeps only the date, as PostgreSQL does.
    if let Ok((dt, _)) = parse_datetime_parts(t, "date") {
        return Ok(dt.date());
    }
    Err(bad("date", s))
}

pub fn parse_time(s: &str) -> Result<NaiveTime, ValueError> {
    let t = s.trim();
    for f in ["%H:%M:%S%.f", "%H:%M"] {
        if let Ok(v) = NaiveTime::parse_from_str(t, f) {
            return Ok(v);
        }
    }
    if t == "24:00:00" || t == "24:00" {
        return Ok(NaiveTime::from_hms_opt(0, 0, 0).expect("midnight"));
    }
    Err(bad("time without time zone", s))
}

/// Splits `2024-01-02 03:04:05.123+02:00` into the local date-time and an optional offset.
fn parse_datetime_parts(s: &str, ty: &'static str) -> Result<(NaiveDateTime, Option<i32>), ValueError> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if lower == "epoch" {
        return Ok((NaiveDate::from_ymd_opt(1970, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).ok_or_else(|| bad(ty, s))?, Some(0)));
    }
    let (mut body, mut offset) = (t.to_string(), None);
    // Trailing zone: Z, UTC, GMT, or +hh[:mm] / -hh[:mm] after the time.
    for suffix in [" utc", " gmt", "z", " z"] {
        if lower.ends_with(suffix) && lower.len() > 10 {
            body = t[..t.len() - suffix.len()].to_string();
            offset = Some(0);
            break;
        }
    }
    if offset.is_none() && body.len() > 10 {
        let time_start = 11.min(body.len());
        if let Some(pos) = body[time_start..].rfind(['+', '-']) {
            let pos = pos + time_start;
            if let Some(o) = parse_offset(&body[pos..]) {
                offset = Some(o);
                body = body[..pos].trim_end().to_string();
            }
        }
    }
    let body = body.replace('T', " ");
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"] {
        if let Ok(v) = NaiveDateTime::parse_from_str(&body, f) {
            return Ok((v, offset));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(&body, "%Y-%m-%d") {
        return Ok((d.and_hms_opt(0, 0, 0).ok_or_else(|| bad(ty, s))?, offset));
    }
    Err(bad(ty, s))
}

pub fn parse_timestamp(s: &str) -> Result<NaiveDateTime, ValueError> {
    // A zone in timestamp-without-zone input is ignored, as PostgreSQL does.
    parse_datetime_parts(s, "timestamp").map(|(dt, _)| round_to_micros(dt))
}

/// Input finer than a microsecond is rounded to one, as PostgreSQL keeps microseconds.
fn round_to_micros(t: NaiveDateTime) -> NaiveDateTime {
    let extra = t.nanosecond() % 1000;
    let down = t - Duration::nanoseconds(extra as i64);
    if extra >= 500 {
        down + Duration::microseconds(1)
    } else {
        down
    }
}

/// Parses timestamptz input; a value without a zone is in the session zone.
pub fn parse_timestamptz(s: &str, zone: &SessionZone) -> Result<DateTime<Utc>, ValueError> {
    let (local, offset) = parse_datetime_parts(s, "timestamp with time zone")?;
    let local = round_to_micros(local);
    let off = FixedOffset::east_opt(offset.unwrap_or_else(|| zone.offset_of_local(&local))).ok_or_else(|| bad("timestamp with time zone", s))?;
    let dt = off.from_local_datetime(&local).single().ok_or_else(|| bad("timestamp with time zone", s))?;
    Ok(dt.with_timezone(&Utc))
}

pub fn store_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}
pub fn store_time(t: NaiveTime) -> String {
    t.format("%H:%M:%S%.6f").to_string()
}
pub fn store_timestamp(t: NaiveDateTime) -> String {
    t.format(STORED_TS).to_string()
}
pub fn store_timestamptz(t: DateTime<Utc>) -> String {
    t.naive_utc().format(STORED_TS).to_string()
}

/// Reads a stored timestamp (or anything SQLite's own functions wrote).
pub fn load_timestamp(s: &str) -> Result<NaiveDateTime, ValueError> {
    parse_timestamp(s)
}

pub fn load_timestamptz(s: &str) -> Result<DateTime<Utc>, ValueError> {
    parse_timestamptz(s, &SessionZone::default())
}

pub fn out_date(stored: &str) -> String {
    stored.to_string()
}

pub fn out_time(stored: &str) -> Result<String, ValueError> {
    let t = parse_time(stored)?;
    let mut s = t.format("%H:%M:%S").to_string();
    fmt_frac(t.nanosecond() / 1000, &mut s);
    Ok(s)
}

/// PostgreSQL's infinite dates and timestamps: 'infinity' and '-infinity'.
/// They are stored as those words, which sort after and before every stored
/// date and time (fixed-width ISO text), as PostgreSQL orders them.
pub fn infinite(s: &str) -> Option<&'static str> {
    match s.trim().to_ascii_lowercase().as_str() {
        "infinity" | "+infinity" => Some("infinity"),
        "-infinity" => Some("-infinity"),
        _ => None,
    }
}

/// The input 'epoch' for a date, timestamp or timestamptz: 1970-01-01 (UTC).
pub fn is_epoch(s: &str) -> bool {
    s.trim().eq_ignore_ascii_case("epoch")
}

pub fn out_timestamp(stored: &str) -> Result<String, ValueError> {
    if let Some(w) = infinite(stored) {
        return Ok(w.to_string());
    }
    let t = load_timestamp(stored)?;
    let mut s = t.format("%Y-%m-%d %H:%M:%S").to_string();
    fmt_frac(t.nanosecond() / 1000, &mut s);
    Ok(s)
}

pub fn out_timestamptz(stored: &str, zone: &SessionZone) -> Result<String, ValueError> {
    if let Some(w) = infinite(stored) {
        return Ok(w.to_string());
    }
    let utc = load_timestamptz(stored)?;
    let off = zone.offset_at_utc(&utc.naive_utc());
    let t = utc.naive_utc() + chrono::Duration::seconds(off as i64);
    let mut s = t.format("%Y-%m-%d %H:%M:%S").to_string();
    fmt_frac(t.nanosecond() / 1000, &mut s);
    s.push_str(&fmt_offset(off));
    Ok(s)
}

/// Microseconds since 2000-01-01 (PostgreSQL's binary timestamp).
pub fn pg_micros(t: NaiveDateTime) -> i64 {
    let days = t.date().num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE;
    days as i64 * 86_400_000_000 + t.time().num_seconds_from_midnight() as i64 * 1_000_000 + (t.nanosecond() / 1000) as i64
}

pub fn from_pg_micros(us: i64) -> Option<NaiveDateTime> {
    let base = NaiveDate::from_ymd_opt(2000, 1, 1)?.and_hms_opt(0, 0, 0)?;
    base.checked_add_signed(Duration::microseconds(us))
}

pub fn pg_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - PG_EPOCH_DAYS_FROM_CE
}

pub fn from_pg_days(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days + PG_EPOCH_DAYS_FROM_CE)
}

/// Rounds microseconds to `precision` fractional digits, halves away from
/// zero, as PostgreSQL's AdjustTimestampForTypmod does.
pub fn round_micros(us: i64, precision: u32) -> i64 {
    if precision >= 6 {
        return us;
    }
    let scale = 10i64.pow(6 - precision);
    let offset = scale / 2;
    if us >= 0 {
        (us + offset) / scale * scale
    } else {
        -((-us + offset) / scale * scale)
    }
}

/// A stored time or timestamp rounded to a declared precision (`timestamp(3)`).
pub fn round_stored(scalar: &crate::types::Scalar, stored: &str, precision: u32) -> Result<String, ValueError> {
    use crate::types::Scalar;
    Ok(match scalar {
        Scalar::Time => {
            let t = parse_time(stored)?;
            // Rounding up past midnight stays at the last representable instant.
            let us = round_micros(time_micros(t), precision).min(86_400_000_000 - 1);
            let t = NaiveTime::from_num_seconds_from_midnight_opt((us / 1_000_000) as u32, (us % 1_000_000) as u32 * 1000).unwrap_or(t);
            store_time(t)
        }
        Scalar::Timestamp | Scalar::Timestamptz => {
            let t = load_timestamp(stored)?;
            let rounded = from_pg_micros(round_micros(pg_micros(t), precision)).unwrap_or(t);
            store_timestamp(rounded)
        }
        _ => stored.to_string(),
    })
}

pub fn time_micros(t: NaiveTime) -> i64 {
    t.num_seconds_from_midnight() as i64 * 1_000_000 + (t.nanosecond() / 1000) as i64
}

/// A PostgreSQL interval: months, days and microseconds are kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

impl Interval {
    /// Parses PostgreSQL interval input: `1 day 02:00:00`, `3 hours`, `1 year 2 mons`,
    /// `-1 days`, `1.5 hours`, `P1DT2H` (ISO 8601), `@ 1 day ago`.
    pub fn parse(input: &str) -> Result<Interval, ValueError> {
        let bad = || ValueError::invalid_datetime("interval", input);
        let mut s = input.trim().to_ascii_lowercase();
        if let Some(rest) = s.strip_prefix('@') {
            s = rest.trim().to_string();
        }
        if s.starts_with('p') {
            return Self::parse_iso(&s).ok_or_else(bad);
        }
        let mut ago = false;
        if let Some(rest) = s.strip_suffix("ago") {
            ago = true;
            s = rest.trim().to_string();
        }
        let mut iv = Interval::default();
        let tokens: Vec<&str> = s.split_whitespace().collect();
        if tokens.is_empty() {
            return Err(bad());
        }
        let mut i = 0;
        while i < tokens.len() {
            let tok = tokens[i];
            if tok.contains(':') {
                let (neg, body) = match tok.strip_prefix('-') {
                    Some(b) => (true, b),
                    None => (false, tok.strip_prefix('+').unwrap_or(tok)),
                };
                let parts: Vec<&str> = body.split(':').collect();
                let h: i64 = parts.first().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
                let m: i64 = parts.get(1).and_then(|p| p.parse().ok()).ok_or_else(bad)?;
                let sec: f64 = parts.get(2).map(|p| p.parse().map_err(|_| bad())).transpose()?.unwrap_or(0.0);
                let us = h * 3_600_000_000 + m * 60_000_000 + (sec * 1e6).round() as i64;
                iv.micros += if neg { -us } else { us };
                i += 1;
                continue;
            }
            let value: f64 = tok.parse().map_err(|_| bad())?;
            let unit = tokens.get(i + 1).copied().unwrap_or("second");
            i += 2;
            let mut overflow = false;
            iv.add_unit(value, unit, &mut overflow).ok_or_else(bad)?;
            if overflow {
                return Err(ValueError::IntervalFieldOverflow(input.to_string()));
            }
        }
        if ago {
            iv = iv.negate();
        }
        Ok(iv)
    }

    /// Adds `value` of `unit`; a field that would leave its type's range
    /// sets `overflow` (PostgreSQL's "interval field value out of range").
    fn add_unit(&mut self, value: f64, unit: &str, overflow: &mut bool) -> Option<()> {
        fn bump32(field: &mut i32, inc: f64, overflow: &mut bool) {
            let v = *field as f64 + inc;
            if v >= i32::MIN as f64 && v <= i32::MAX as f64 {
                *field = v as i32;
            } else {
                *overflow = true;
            }
        }
        fn bump64(field: &mut i64, inc: f64, overflow: &mut bool) {
            let v = *field as f64 + inc;
            if v >= i64::MIN as f64 && v <= i64::MAX as f64 {
                *field = field.saturating_add(inc as i64);
            } else {
                *overflow = true;
            }
        }
        let unit = unit.trim_end_matches(',');
        match unit {
            "millennium" | "millennia" | "millenniums" => bump32(&mut self.months, ((value * 12000.0)) as f64, overflow),
            "century" | "centuries" => bump32(&mut self.months, ((value * 1200.0)) as f64, overflow),
            "decade" | "decades" => bump32(&mut self.months, ((value * 120.0)) as f64, overflow),
            "year" | "years" | "y" | "yr" | "yrs" => {
                bump32(&mut self.months, ((value * 12.0).round()) as f64, overflow);
            }
            "month" | "months" | "mon" | "mons" => {
                bump32(&mut self.months, (value.trunc()) as f64, overflow);
                let frac_days = value.fract() * 30.0;
                bump32(&mut self.days, (frac_days.trunc()) as f64, overflow);
                bump64(&mut self.micros, ((frac_days.fract() * 86_400e6).round()) as f64, overflow);
            }
            "week" | "weeks" | "w" => {
                let d = value * 7.0;
                bump32(&mut self.days, (d.trunc()) as f64, overflow);
                bump64(&mut self.micros, ((d.fract() * 86_400e6).round()) as f64, overflow);
            }
            "day" | "days" | "d" => {
                bump32(&mut self.days, (value.trunc()) as f64, overflow);
                bump64(&mut self.micros, ((value.fract() * 86_400e6).round()) as f64, overflow);
            }
            "hour" | "hours" | "h" | "hr" | "hrs" => bump64(&mut self.micros, ((value * 3_600e6).round()) as f64, overflow),
            "minute" | "minutes" | "min" | "mins" | "m" => bump64(&mut self.micros, ((value * 60e6).round()) as f64, overflow),
            "second" | "seconds" | "sec" | "secs" | "s" => bump64(&mut self.micros, ((value * 1e6).round()) as f64, overflow),
            "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" => bump64(&mut self.micros, ((value * 1e3).round()) as f64, overflow),
            "microsecond" | "microseconds" | "us" | "usec" | "usecs" => bump64(&mut self.micros, (value.round()) as f64, overflow),
            _ => return None,
        }
        Some(())
    }

    fn parse_iso(s: &str) -> Option<Interval> {
        let mut iv = Interval::default();
        let body = s.strip_prefix('p')?;
        let (date, time) = body.split_once('t').unwrap_or((body, ""));
        let mut num = String::new();
        for c in date.chars() {
            if c.is_ascii_digit() || c == '.' || c == '-' {
                num.push(c);
                continue;
            }
            let v: f64 = num.parse().ok()?;
            num.clear();
            match c {
                'y' => iv.add_unit(v, "year", &mut false)?,
                'm' => iv.add_unit(v, "month", &mut false)?,
                'w' => iv.add_unit(v, "week", &mut false)?,
                'd' => iv.add_unit(v, "day", &mut false)?,
                _ => return None,
            }
        }
        for c in time.chars() {
            if c.is_ascii_digit() || c == '.' || c == '-' {
                num.push(c);
                continue;
            }
            let v: f64 = num.parse().ok()?;
            num.clear();
            match c {
                'h' => iv.add_unit(v, "hour", &mut false)?,
                'm' => iv.add_unit(v, "minute", &mut false)?,
                's' => iv.add_unit(v, "second", &mut false)?,
                _ => return None,
            }
        }
        Some(iv)
    }

    pub fn negate(self) -> Interval {
        Interval { months: -self.months, days: -self.days, micros: -self.micros }
    }

    /// The sum, or PostgreSQL's "interval out of range" (22008).
    pub fn add(self, o: Interval) -> Result<Interval, ValueError> {
        match (self.months.checked_add(o.months), self.days.checked_add(o.days), self.micros.checked_add(o.micros)) {
            (Some(months), Some(days), Some(micros)) => Ok(Interval { months, days, micros }),
            _ => Err(ValueError::IntervalOverflow),
        }
    }

    pub fn scale(self, f: f64) -> Interval {
        // PostgreSQL cascades fractional months into days and fractional days into time.
        let months = self.months as f64 * f;
        let days = self.days as f64 * f + months.fract() * 30.0;
        let micros = self.micros as f64 * f + days.fract() * 86_400e6;
        Interval { months: months.trunc() as i32, days: days.trunc() as i32, micros: micros.round() as i64 }
    }

    /// Total length used for comparisons: PostgreSQL counts a month as 30 days.
    pub fn sort_key(&self) -> i128 {
        (self.months as i128 * 30 + self.days as i128) * 86_400_000_000 + self.micros as i128
    }

    /// PostgreSQL's `postgres` IntervalStyle output (also the stored form).
    pub fn to_postgres(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let (years, mons) = (self.months / 12, self.months % 12);
        let plural = |n: i64, unit: &str| if n == 1 { format!("{n} {unit}") } else { format!("{n} {unit}s") };
        if years != 0 {
            parts.push(plural(years as i64, "year"));
        }
        if mons != 0 {
            parts.push(plural(mons as i64, "mon"));
        }
        if self.days != 0 {
            parts.push(plural(self.days as i64, "day"));
        }
        if self.micros != 0 || parts.is_empty() {
            let neg = self.micros < 0;
            let us = self.micros.unsigned_abs();
            let (h, m, s, f) = (us / 3_600_000_000, (us / 60_000_000) % 60, (us / 1_000_000) % 60, (us % 1_000_000) as u32);
            let mut t = format!("{}{:02}:{:02}:{:02}", if neg { "-" } else { "" }, h, m, s);
            fmt_frac(f, &mut t);
            // PostgreSQL writes a '+' before a positive time part that follows negative fields.
            if !neg && (self.days < 0 || self.months < 0) {
                t.insert(0, '+');
            }
            parts.push(t);
        }
        parts.join(" ")
    }

    pub fn to_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.micros.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
    }

    pub fn from_binary(b: &[u8]) -> Result<Interval, ValueError> {
        if b.len() != 16 {
            return Err(ValueError::BinaryFormat("interval"));
        }
        let micros = i64::from_be_bytes(b[0..8].try_into().map_err(|_| ValueError::BinaryFormat("interval"))?);
        let days = i32::from_be_bytes(b[8..12].try_into().map_err(|_| ValueError::BinaryFormat("interval"))?);
        let months = i32::from_be_bytes(b[12..16].try_into().map_err(|_| ValueError::BinaryFormat("interval"))?);
        Ok(Interval { months, days, micros })
    }
}

/// timestamp + interval, with month arithmetic clamped to the month's end as PostgreSQL does.
pub fn add_interval(t: NaiveDateTime, iv: Interval) -> Option<NaiveDateTime> {
    let mut d = t.date();
    if iv.months != 0 {
        let total = d.year() * 12 + d.month0() as i32 + iv.months;
        let (y, m0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
        let mut day = d.day();
        loop {
            if let Some(nd) = NaiveDate::from_ymd_opt(y, m0 + 1, day) {
                d = nd;
                break;
            }
            day -= 1;
            if day == 0 {
                return None;
            }
        }
    }
    let t = d.and_time(t.time());
    t.checked_add_signed(Duration::days(iv.days as i64))?.checked_add_signed(Duration::microseconds(iv.micros))
}

/// The difference of two timestamps as PostgreSQL's `timestamp - timestamp`: days and time.
pub fn diff(a: NaiveDateTime, b: NaiveDateTime) -> Interval {
    let us = (a - b).num_microseconds().unwrap_or(0);
    let days = us / 86_400_000_000;
    Interval { months: 0, days: days as i32, micros: us - days * 86_400_000_000 }
}

/// `age(a, b)`: symbolic years, months and days.
pub fn age(a: NaiveDateTime, b: NaiveDateTime) -> Interval {
    let neg = a < b;
    let (hi, lo) = if neg { (b, a) } else { (a, b) };
    let mut months = (hi.year() - lo.year()) * 12 + hi.month() as i32 - lo.month() as i32;
    let mut probe = add_interval(lo, Interval { months, days: 0, micros: 0 });
    while months > 0 && probe.map(|p| p > hi).unwrap_or(true) {
        months -= 1;
        probe = add_interval(lo, Interval { months, days: 0, micros: 0 });
    }
    let rest = probe.map(|p| diff(hi, p)).unwrap_or_default();
    let iv = Interval { months, days: rest.days, micros: rest.micros };
    if neg {
        iv.negate()
    } else {
        iv
    }
}

pub fn now_utc() -> DateTime<Utc> {
    Utc::now()
}

/// Truncates to the given field (`date_trunc`).
pub fn trunc(field: &str, t: NaiveDateTime) -> Option<NaiveDateTime> {
    let d = t.date();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0);
    Some(match field.to_ascii_lowercase().as_str() {
        "microseconds" => t,
        "milliseconds" => t.with_nanosecond((t.nanosecond() / 1_000_000) * 1_000_000)?,
        "second" => t.with_nanosecond(0)?,
        "minute" => t.with_nanosecond(0)?.with_second(0)?,
        "hour" => t.with_nanosecond(0)?.with_second(0)?.with_minute(0)?,
        "day" => midnight(d)?,
        "week" => midnight(d - Duration::days(d.weekday().num_days_from_monday() as i64))?,
        "month" => midnight(d.with_day(1)?)?,
        "quarter" => midnight(NaiveDate::from_ymd_opt(d.year(), (d.month0() / 3) * 3 + 1, 1)?)?,
        "year" => midnight(NaiveDate::from_ymd_opt(d.year(), 1, 1)?)?,
        "decade" => midnight(NaiveDate::from_ymd_opt(d.year() - d.year().rem_euclid(10), 1, 1)?)?,
        "century" => midnight(NaiveDate::from_ymd_opt(((d.year() - 1) / 100) * 100 + 1, 1, 1)?)?,
        _ => return None,
    })
}

/// `extract(field FROM t)` as a decimal string (PostgreSQL 14+ returns numeric).
pub fn extract(field: &str, t: NaiveDateTime) -> Option<String> {
    let f = field.to_ascii_lowercase();
    let us = (t.nanosecond() / 1000) as i64;
    Some(match f.as_str() {
        "year" => t.year().to_string(),
        "month" => t.month().to_string(),
        "day" => t.day().to_string(),
        "hour" => t.hour().to_string(),
        "minute" => t.minute().to_string(),
        "second" => format!("{}.{:06}", t.second(), us),
        "milliseconds" => format!("{}.{:03}", t.second() as i64 * 1000 + us / 1000, us % 1000),
        "microseconds" => (t.second() as i64 * 1_000_000 + us).to_string(),
        "dow" => t.weekday().num_days_from_sunday().to_string(),
        "isodow" => t.weekday().number_from_monday().to_string(),
        "doy" => t.ordinal().to_string(),
        "week" => t.iso_week().week().to_string(),
        "quarter" => (t.month0() / 3 + 1).to_string(),
        "decade" => (t.year().div_euclid(10)).to_string(),
        "century" => ((t.year() - 1) / 100 + 1).to_string(),
        "epoch" => format!("{}.{:06}", t.and_utc().timestamp(), us),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamptz_input_normalises_to_utc_and_prints_in_session_zone() {
        let t = parse_timestamptz("2024-01-02 05:04:05.5+02", &SessionZone::default()).unwrap();
        let stored = store_timestamptz(t);
        assert_eq!(stored, "2024-01-02 03:04:05.500000");
        assert_eq!(out_timestamptz(&stored, &SessionZone::default()).unwrap(), "2024-01-02 03:04:05.5+00");
        let plus2 = SessionZone::parse("-02:00").unwrap();
        assert_eq!(out_timestamptz(&stored, &plus2).unwrap(), "2024-01-02 05:04:05.5+02");
        assert_eq!(out_timestamptz("2024-01-02 03:04:05.000000", &SessionZone::default()).unwrap(), "2024-01-02 03:04:05+00");
    }

    #[test]
    fn timestamps_accept_common_spellings() {
        for s in ["2024-01-02T03:04:05Z", "2024-01-02 03:04:05 UTC", "2024-01-02 03:04:05+00:00", "2024-01-02 03:04:05.000"] {
            assert_eq!(store_timestamptz(parse_timestamptz(s, &SessionZone::default()).unwrap()), "2024-01-02 03:04:05.000000", "{s}");
        }
        assert_eq!(store_timestamp(parse_timestamp("2024-01-02").unwrap()), "2024-01-02 00:00:00.000000");
        assert!(parse_timestamp("yesterday-ish").is_err());
    }

    #[test]
    fn intervals_parse_and_print_like_postgres() {
        assert_eq!(Interval::parse("1 day 02:00:00").unwrap().to_postgres(), "1 day 02:00:00");
        assert_eq!(Interval::parse("3 hours").unwrap().to_postgres(), "03:00:00");
        assert_eq!(Interval::parse("14 months").unwrap().to_postgres(), "1 year 2 mons");
        assert_eq!(Interval::parse("-1 days").unwrap().to_postgres(), "-1 days");
        assert_eq!(Interval::parse("1.5 hours").unwrap().to_postgres(), "01:30:00");
        assert_eq!(Interval::parse("P1DT2H").unwrap().to_postgres(), "1 day 02:00:00");
        assert_eq!(Interval::parse("0").unwrap().to_postgres(), "00:00:00");
        assert!(Interval::parse("soon").is_err());
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        let t = parse_timestamp("2024-01-31 10:00:00").unwrap();
        let r = add_interval(t, Interval::parse("1 month").unwrap()).unwrap();
        assert_eq!(store_timestamp(r), "2024-02-29 10:00:00.000000");
        let a = age(parse_timestamp("2024-03-15").unwrap(), parse_timestamp("2023-01-10").unwrap());
        assert_eq!(a.to_postgres(), "1 year 2 mons 5 days");
    }

    #[test]
    fn binary_epochs() {
        assert_eq!(pg_micros(parse_timestamp("2000-01-01").unwrap()), 0);
        assert_eq!(pg_days(parse_date("2000-01-02").unwrap()), 1);
        assert_eq!(from_pg_micros(86_400_000_000).map(store_timestamp).unwrap(), "2000-01-02 00:00:00.000000");
    }
}
