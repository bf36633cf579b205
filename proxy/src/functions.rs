//! SQL functions registered on every SQLite connection: the pure `lg_*`
//! functions of the catalog crate, the `lg_numeric` collation, exact numeric
//! aggregates, and the functions that read session state (now(), settings,
//! sequences, advisory locks).
//!
//! Session state reaches SQLite callbacks through a thread-local [`ExecCtx`]:
//! a statement runs synchronously on the thread that installed it with
//! [`with_ctx`], so the callback always sees the session that runs it.

use crate::error::udf_error;
use crate::locks::AdvisoryLocks;
use crate::settings::Settings;
use catalog::runtime::{self, RuntimeCtx};
use catalog::value::{self, numeric, Value, ValueError, ValueRef};
use rusqlite::functions::{Aggregate, Context, FunctionFlags, WindowAggregate};
use rusqlite::types::{Value as SqlValue, ValueRef as SqlRef};
use rusqlite::Connection;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// What SQL functions may read and change of the running session.
pub struct ExecCtx {
    pub runtime: RuntimeCtx,
    pub settings: Arc<Settings>,
    /// set_config() calls made by the statement: (name, value, is_local).
    pub set_config: Vec<(String, String, bool)>,
    pub currval: HashMap<String, i64>,
    /// Sequence states the statement set (nextval, setval): (sequence,
    /// last_value, is_called). They outlive a rollback, as in PostgreSQL.
    pub drawn: Vec<(String, i64, bool)>,
    pub lastval: Option<i64>,
    pub backend_pid: i32,
    /// Whose advisory locks the session takes (see `Session::lock_owner`).
    pub lock_owner: i32,
    pub locks: Arc<AdvisoryLocks>,
    pub in_transaction: bool,
    pub txid: i64,
    /// Rows of live catalog relations (pg_stat_activity, pg_locks, pg_settings) as JSON.
    pub live: Arc<dyn Fn(&str, &Settings) -> String + Send + Sync>,
}

thread_local! {
    static CTX: RefCell<Option<ExecCtx>> = const { RefCell::new(None) };
}

/// Runs `f` with `ctx` installed for SQL functions on this thread.
pub fn with_ctx<R>(ctx: &mut Option<ExecCtx>, f: impl FnOnce() -> R) -> R {
    CTX.with(|c| std::mem::swap(&mut *c.borrow_mut(), ctx));
    let r = f();
    CTX.with(|c| std::mem::swap(&mut *c.borrow_mut(), ctx));
    r
}

fn ctx_do<R>(f: impl FnOnce(&mut ExecCtx) -> R) -> Result<R, rusqlite::Error> {
    CTX.with(|c| match c.borrow_mut().as_mut() {
        Some(ctx) => Ok(f(ctx)),
        None => Err(rusqlite::Error::UserFunctionError("litegres function called outside a session".into())),
    })
}

/// A SQLite value as the catalog crate's value type.
pub fn to_ref<'a>(v: SqlRef<'a>) -> ValueRef<'a> {
    match v {
        SqlRef::Null => ValueRef::Null,
        SqlRef::Integer(i) => ValueRef::Int(i),
        SqlRef::Real(f) => ValueRef::Real(f),
        SqlRef::Text(t) => ValueRef::Text(std::str::from_utf8(t).unwrap_or("")),
        SqlRef::Blob(b) => ValueRef::Blob(b),
    }
}

fn to_sql(v: Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Int(i) => SqlValue::Integer(i),
        Value::Real(f) if f.is_nan() => SqlValue::Text("NaN".into()),
        Value::Real(f) => SqlValue::Real(f),
        Value::Text(s) => SqlValue::Text(s),
        Value::Blob(b) => SqlValue::Blob(b),
    }
}

fn fail(e: ValueError) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(udf_error(&e).into())
}

fn fail_msg(code: &str, msg: &str) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(format!("{}{code}:{msg}", crate::error::UDF_ERROR_PREFIX).into())
}

fn args<'a>(ctx: &'a Context<'_>) -> Vec<ValueRef<'a>> {
    (0..ctx.len()).map(|i| to_ref(ctx.get_raw(i))).collect()
}

fn runtime_ctx() -> RuntimeCtx {
    CTX.with(|c| c.borrow().as_ref().map(|x| x.runtime.clone())).unwrap_or_default()
}

/// Registers everything on a connection. Called for the writer and each reader.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    // PostgreSQL's LIKE is case-sensitive.
    conn.pragma_update(None, "case_sensitive_like", "ON")?;
    conn.create_collation("lg_numeric", numeric::collate)?;
    rusqlite::vtab::series::load_module(conn)?;
    let pure = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for def in runtime::all_scalars() {
        let f = def.f;
        conn.create_scalar_function(def.name, def.args, pure, move |ctx| {
            let a = args(ctx);
            let rc = runtime_ctx();
            f(&a, &rc).map(to_sql).map_err(fail)
        })?;
    }
    // lg_raise(sqlstate, message): fails the statement with that error, for
    // checks written as queries (a foreign key validated when it is added).
    conn.create_scalar_function("lg_raise", 2, pure, |ctx| -> rusqlite::Result<SqlValue> {
        let (code, message) = (ctx.get::<String>(0)?, ctx.get::<String>(1)?);
        Err(fail_msg(&code, &message))
    })?;
    let volatile = FunctionFlags::SQLITE_UTF8;
    let session = |name: &str, n: i32, f: fn(&Context<'_>) -> rusqlite::Result<SqlValue>| conn.create_scalar_function(name, n, volatile, f);
    session("lg_now", 0, |_| Ok(SqlValue::Text(stamp(ctx_do(|c| c.runtime.txn_start_micros)?))))?;
    session("lg_clock_timestamp", 0, |_| Ok(SqlValue::Text(stamp(chrono::Utc::now().timestamp_micros()))))?;
    // The transaction's start as wall-clock time in the session's zone.
    fn local_start() -> rusqlite::Result<String> {
        let (us, zone) = ctx_do(|c| (c.runtime.txn_start_micros, c.runtime.format.zone.clone()))?;
        let utc = chrono::DateTime::from_timestamp_micros(us).map(|t| t.naive_utc()).unwrap_or_default();
        Ok(stamp(us + zone.offset_at_utc(&utc) as i64 * 1_000_000))
    }
    session("lg_localtimestamp", 0, |_| Ok(SqlValue::Text(local_start()?)))?;
    session("lg_current_date", 0, |_| Ok(SqlValue::Text(local_start()?[..10].to_string())))?;
    session("lg_current_time", 0, |_| Ok(SqlValue::Text(local_start()?[11..].to_string())))?;
    session("lg_random", 0, |_| Ok(SqlValue::Real(rand::random::<f64>())))?;
    session("lg_uuid", 0, |_| Ok(SqlValue::Text(uuid::Uuid::new_v4().hyphenated().to_string())))?;
    session("lg_version", 0, |_| Ok(SqlValue::Text(crate::version_string())))?;
    session("lg_backend_pid", 0, |_| Ok(SqlValue::Integer(ctx_do(|c| c.backend_pid as i64)?)))?;
    session("lg_txid_current", 0, |_| Ok(SqlValue::Integer(ctx_do(|c| c.txid)?)))?;
    session("lg_current_setting", 2, current_setting)?;
    session("lg_set_config", 3, set_config)?;
    session("lg_nextval", 1, nextval)?;
    session("lg_currval", 1, |ctx| {
        let name: String = ctx.get(0)?;
        match ctx_do(|c| c.currval.get(&name).copied())? {
            Some(v) => Ok(SqlValue::Integer(v)),
            None => Err(fail_msg("55000", &format!("currval of sequence \"{}\" is not yet defined in this session", name.rsplit('.').next().unwrap_or("")))),
        }
    })?;
    session("lg_lastval", 0, |_| match ctx_do(|c| c.lastval)? {
        Some(v) => Ok(SqlValue::Integer(v)),
        None => Err(fail_msg("55000", "lastval is not yet defined in this session")),
    })?;
    session("lg_setval", 3, setval)?;
    session("lg_sleep", 1, |ctx| {
        let secs: f64 = ctx.get(0)?;
        // Sleep in slices so a cancel (SQLite interrupt) is noticed; capped at one hour.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs.clamp(0.0, 3600.0));
        while std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10).min(deadline - std::time::Instant::now()));
            // SAFETY: the handle belongs to the connection running this function.
            let interrupted = unsafe { rusqlite::ffi::sqlite3_is_interrupted(ctx.get_connection()?.handle()) } != 0;
            if interrupted {
                return Err(fail_msg("57014", "canceling statement due to user request"));
            }
        }
        Ok(SqlValue::Null)
    })?;
    conn.create_scalar_function("lg_advisory", -1, volatile, advisory)?;
    session("lg_live", 1, |ctx| {
        let name: String = ctx.get(0)?;
        Ok(SqlValue::Text(ctx_do(|c| (c.live)(&name, &c.settings))?))
    })?;
    // Window-capable, so sum(numeric) OVER (...) works too.
    conn.create_window_function("lg_num_sum", 1, pure, NumericAgg { avg: false })?;
    conn.create_window_function("lg_num_avg", 1, pure, NumericAgg { avg: true })?;
    conn.create_window_function("lg_float_sum", 1, pure, FloatAgg { avg: false })?;
    conn.create_window_function("lg_float_avg", 1, pure, FloatAgg { avg: true })?;
    conn.create_aggregate_function("lg_interval_sum", 1, pure, IntervalAgg { avg: false })?;
    conn.create_aggregate_function("lg_interval_avg", 1, pure, IntervalAgg { avg: true })?;
    Ok(())
}

fn stamp(micros: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_micros(micros)
        .map(value::datetime::store_timestamptz)
        .unwrap_or_default()
}

fn current_setting(ctx: &Context<'_>) -> rusqlite::Result<SqlValue> {
    let name: String = ctx.get(0)?;
    let missing_ok: bool = ctx.get::<Option<bool>>(1)?.unwrap_or(false);
    let v = ctx_do(|c| {
        c.set_config.iter().rev().find(|(n, _, _)| n.eq_ignore_ascii_case(&name)).map(|(_, v, _)| v.clone()).or_else(|| c.settings.get(&name))
    })?;
    match v {
        Some(v) => Ok(SqlValue::Text(v)),
        None if missing_ok => Ok(SqlValue::Null),
        None => Err(fail_msg("42704", &format!("unrecognized configuration parameter \"{name}\""))),
    }
}

fn set_config(ctx: &Context<'_>) -> rusqlite::Result<SqlValue> {
    let name: String = ctx.get(0)?;
    let value: Option<String> = ctx.get(1)?;
    let local: bool = ctx.get::<Option<bool>>(2)?.unwrap_or(false);
    let value = value.unwrap_or_default();
    // Validated by the session when the statement completes; recorded here.
    ctx_do(|c| c.set_config.push((name, value.clone(), local)))?;
    Ok(SqlValue::Text(value))
}

/// `nextval('schema.seq')`: advances the sequence row in the same transaction.
fn nextval(ctx: &Context<'_>) -> rusqlite::Result<SqlValue> {
    let key: String = ctx.get(0)?;
    let (schema, name) = key.split_once('.').unwrap_or(("public", key.as_str()));
    // SAFETY: the connection is the one running this function, on this thread.
    let conn = unsafe { ctx.get_connection()? };
    let row: Option<(i64, i64, i64, i64, bool, bool)> = conn
        .query_row(
            "SELECT s.last_value, s.increment, s.min_value, s.max_value, s.cycle, s.is_called FROM __lg_sequence s JOIN __lg_relation r ON r.oid = s.relid WHERE r.schema = ?1 AND r.name = ?2",
            [schema, name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .map(Some)
        .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(None) } else { Err(e) })?;
    let Some((last, inc, min, max, cycle, called)) = row else {
        return Err(fail_msg("42P01", &format!("relation \"{name}\" does not exist")));
    };
    let mut next = if called { last.checked_add(inc).unwrap_or(if inc > 0 { i64::MAX } else { i64::MIN }) } else { last };
    if called && (next > max || next < min || (inc > 0 && last == i64::MAX)) {
        if !cycle {
            let bound = if inc > 0 { format!("maximum value of sequence \"{name}\" ({max})") } else { format!("minimum value of sequence \"{name}\" ({min})") };
            return Err(fail_msg("2200H", &format!("nextval: reached {bound}")));
        }
        next = if inc > 0 { min } else { max };
    }
    conn.execute(
        "UPDATE __lg_sequence SET last_value = ?1, is_called = 1 WHERE relid = (SELECT oid FROM __lg_relation WHERE schema = ?2 AND name = ?3)",
        rusqlite::params![next, schema, name],
    )?;
    ctx_do(|c| {
        c.currval.insert(key.clone(), next);
        c.lastval = Some(next);
        c.drawn.push((key.clone(), next, true));
    })?;
    Ok(SqlValue::Integer(next))
}

fn setval(ctx: &Context<'_>) -> rusqlite::Result<SqlValue> {
    let key: String = ctx.get(0)?;
    let v: i64 = ctx.get(1)?;
    let called: bool = ctx.get::<Option<bool>>(2)?.unwrap_or(true);
    let (schema, name) = key.split_once('.').unwrap_or(("public", key.as_str()));
    // SAFETY: as in nextval.
    let conn = unsafe { ctx.get_connection()? };
    let n = conn.execute(
        "UPDATE __lg_sequence SET last_value = ?1, is_called = ?2 WHERE relid = (SELECT oid FROM __lg_relation WHERE schema = ?3 AND name = ?4)",
        rusqlite::params![v, called, schema, name],
    )?;
    if n == 0 {
        return Err(fail_msg("42P01", &format!("relation \"{name}\" does not exist")));
    }
    ctx_do(|c| c.drawn.push((key.clone(), v, called)))?;
    if called {
        ctx_do(|c| {
            c.currval.insert(key.clone(), v);
            c.lastval = Some(v);
        })?;
    }
    Ok(SqlValue::Integer(v))
}

fn advisory(ctx: &Context<'_>) -> rusqlite::Result<SqlValue> {
    let op: String = ctx.get(0)?;
    let key = match ctx.len() {
        2 => ctx.get::<i64>(1)?,
        3 => (ctx.get::<i64>(1)? << 32) | (ctx.get::<i64>(2)? & 0xffff_ffff),
        _ => 0,
    };
    let (locks, pid, in_txn) = ctx_do(|c| (c.locks.clone(), c.lock_owner, c.in_transaction))?;
    // SAFETY: the handle belongs to the connection running this function.
    let handle = unsafe { ctx.get_connection()?.handle() } as usize;
    let interrupted = move || unsafe { rusqlite::ffi::sqlite3_is_interrupted(handle as *mut rusqlite::ffi::sqlite3) != 0 };
    let shared = op.ends_with("_shared");
    Ok(match op.trim_end_matches("_shared") {
        "pg_advisory_lock" => {
            if !locks.lock(pid, key, false, shared, &interrupted) {
                return Err(fail_msg("57014", "canceling statement due to user request"));
            }
            SqlValue::Null
        }
        "pg_advisory_xact_lock" => {
            if !in_txn {
                // Outside a transaction block the statement is its own transaction: lock and release at once.
                return Ok(SqlValue::Null);
            }
            if !locks.lock(pid, key, true, shared, &interrupted) {
                return Err(fail_msg("57014", "canceling statement due to user request"));
            }
            SqlValue::Null
        }
        "pg_try_advisory_lock" => SqlValue::Integer(locks.try_lock(pid, key, false, shared) as i64),
        "pg_try_advisory_xact_lock" => SqlValue::Integer(if in_txn { locks.try_lock(pid, key, true, shared) } else { locks.is_free(key) } as i64),
        "pg_advisory_unlock" => SqlValue::Integer(locks.unlock(pid, key, shared) as i64),
        "pg_advisory_unlock_all" => {
            locks.release_session(pid);
            SqlValue::Null
        }
        other => return Err(fail_msg("42883", &format!("function {other} does not exist"))),
    })
}

/// sum/avg over numeric: exact decimal accumulation.
struct NumericAgg {
    avg: bool,
}

impl Aggregate<numeric::Sum, SqlValue> for NumericAgg {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<numeric::Sum> {
        Ok(numeric::Sum::default())
    }
    fn step(&self, ctx: &mut Context<'_>, acc: &mut numeric::Sum) -> rusqlite::Result<()> {
        let v = to_ref(ctx.get_raw(0));
        if let Some(text) = runtime::numeric_text(v).map_err(fail)? {
            acc.add(&text).map_err(fail)?;
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, acc: Option<numeric::Sum>) -> rusqlite::Result<SqlValue> {
        let Some(acc) = acc else { return Ok(SqlValue::Null) };
        let r = if self.avg { acc.avg().map_err(fail)? } else { acc.sum() };
        Ok(r.map(SqlValue::Text).unwrap_or(SqlValue::Null))
    }
}

impl WindowAggregate<numeric::Sum, SqlValue> for NumericAgg {
    fn value(&self, acc: Option<&mut numeric::Sum>) -> rusqlite::Result<SqlValue> {
        let Some(acc) = acc else { return Ok(SqlValue::Null) };
        let r = if self.avg { acc.avg().map_err(fail)? } else { acc.sum() };
        Ok(r.map(SqlValue::Text).unwrap_or(SqlValue::Null))
    }
    fn inverse(&self, ctx: &mut Context<'_>, acc: &mut numeric::Sum) -> rusqlite::Result<()> {
        let v = to_ref(ctx.get_raw(0));
        if let Some(text) = runtime::numeric_text(v).map_err(fail)? {
            acc.remove(&text).map_err(fail)?;
        }
        Ok(())
    }
}

/// sum/avg over float4/float8 as PostgreSQL's: a NaN, or both infinities,
/// make the result NaN; one infinity makes it that infinity; finite inputs
/// that overflow fail with 22003. (SQLite's own sum skips the stored 'NaN'
/// and turns Infinity + -Infinity into NULL.)
struct FloatAgg {
    avg: bool,
}

#[derive(Default)]
struct FloatAcc {
    sum: f64,
    /// Values counted (NULLs are not).
    count: i64,
    /// NaN, +Infinity and -Infinity values in.
    specials: [i64; 3],
}

impl FloatAcc {
    fn slot(x: f64) -> Option<usize> {
        if x.is_nan() {
            Some(0)
        } else if x == f64::INFINITY {
            Some(1)
        } else if x == f64::NEG_INFINITY {
            Some(2)
        } else {
            None
        }
    }

    fn take(&mut self, x: f64, sign: i64) {
        self.count += sign;
        match Self::slot(x) {
            Some(i) => self.specials[i] += sign,
            None => self.sum += x * sign as f64,
        }
    }

    fn result(&self, avg: bool) -> rusqlite::Result<SqlValue> {
        if self.count == 0 {
            return Ok(SqlValue::Null);
        }
        let [nan, pinf, ninf] = self.specials;
        let total = if nan > 0 || (pinf > 0 && ninf > 0) {
            f64::NAN
        } else if pinf > 0 {
            f64::INFINITY
        } else if ninf > 0 {
            f64::NEG_INFINITY
        } else if self.sum.is_infinite() {
            return Err(fail(ValueError::FloatOverflow("overflow")));
        } else {
            self.sum
        };
        let r = if avg { total / self.count as f64 } else { total };
        Ok(to_sql(Value::Real(r)))
    }
}

fn float_arg(ctx: &Context<'_>) -> rusqlite::Result<Option<f64>> {
    Ok(match ctx.get_raw(0) {
        SqlRef::Null => None,
        SqlRef::Integer(i) => Some(i as f64),
        SqlRef::Real(x) => Some(x),
        SqlRef::Text(t) => Some(value::float::parse(&String::from_utf8_lossy(t)).unwrap_or(f64::NAN)),
        SqlRef::Blob(_) => None,
    })
}

impl Aggregate<FloatAcc, SqlValue> for FloatAgg {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<FloatAcc> {
        Ok(FloatAcc::default())
    }
    fn step(&self, ctx: &mut Context<'_>, acc: &mut FloatAcc) -> rusqlite::Result<()> {
        if let Some(x) = float_arg(ctx)? {
            acc.take(x, 1);
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, acc: Option<FloatAcc>) -> rusqlite::Result<SqlValue> {
        acc.map_or(Ok(SqlValue::Null), |a| a.result(self.avg))
    }
}

impl WindowAggregate<FloatAcc, SqlValue> for FloatAgg {
    fn value(&self, acc: Option<&mut FloatAcc>) -> rusqlite::Result<SqlValue> {
        acc.map_or(Ok(SqlValue::Null), |a| a.result(self.avg))
    }
    fn inverse(&self, ctx: &mut Context<'_>, acc: &mut FloatAcc) -> rusqlite::Result<()> {
        if let Some(x) = float_arg(ctx)? {
            acc.take(x, -1);
        }
        Ok(())
    }
}

struct IntervalAgg {
    avg: bool,
}

impl Aggregate<(value::Interval, i64), SqlValue> for IntervalAgg {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<(value::Interval, i64)> {
        Ok((value::Interval::default(), 0))
    }
    fn step(&self, ctx: &mut Context<'_>, acc: &mut (value::Interval, i64)) -> rusqlite::Result<()> {
        if let SqlRef::Text(t) = ctx.get_raw(0) {
            let iv = value::Interval::parse(std::str::from_utf8(t).unwrap_or("")).map_err(fail)?;
            acc.0 = acc.0.add(iv).map_err(fail)?;
            acc.1 += 1;
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, acc: Option<(value::Interval, i64)>) -> rusqlite::Result<SqlValue> {
        match acc {
            Some((iv, n)) if n > 0 => Ok(SqlValue::Text(if self.avg { iv.scale(1.0 / n as f64) } else { iv }.to_postgres())),
            _ => Ok(SqlValue::Null),
        }
    }
}
