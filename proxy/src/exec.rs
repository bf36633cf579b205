//! Running a translated statement on one SQLite connection and encoding its
//! rows as PostgreSQL DataRows, in text or binary per column.

use crate::error::PgError;
use crate::functions::{with_ctx, ExecCtx};
use bytes::{BufMut, BytesMut};
use catalog::schema::Schema;
use catalog::translate::{OutColumn, SqlPlan, Tag, FOREIGN_KEYS_OFF, FOREIGN_KEYS_ON};
use catalog::types::{PgType, Scalar};
use catalog::value::{self, FormatOptions, Value, ValueRef};
use pgwire::messages::data::DataRow;
use rusqlite::types::{ToSqlOutput, ValueRef as SqlRef};
use rusqlite::Connection;

/// A statement's result.
#[derive(Debug)]
pub struct Output {
    pub columns: Vec<OutColumn>,
    pub rows: Vec<DataRow>,
    pub tag: String,
}


pub fn to_sql(v: &Value) -> ToSqlOutput<'_> {
    match v {
        Value::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
        Value::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
        // SQLite would store NaN as NULL (see catalog::translate::sqltext::literal).
        Value::Real(f) if f.is_nan() => ToSqlOutput::Borrowed(SqlRef::Text(b"NaN")),
        Value::Real(f) => ToSqlOutput::Owned(rusqlite::types::Value::Real(*f)),
        Value::Text(s) => ToSqlOutput::Borrowed(SqlRef::Text(s.as_bytes())),
        Value::Blob(b) => ToSqlOutput::Borrowed(SqlRef::Blob(b)),
    }
}

/// Encodes one row. `binary(i)` says whether column i goes in binary format.
/// Names for regclass/regtype values, which print as names, not numbers.
pub type OidNames<'a> = &'a dyn Fn(&PgType, u32) -> Option<String>;

pub fn encode_row(
    row: &rusqlite::Row<'_>,
    columns: &[OutColumn],
    binary: &(dyn Fn(usize) -> bool + Sync),
    opts: &FormatOptions,
    names: Option<OidNames<'_>>,
    scratch: &mut Vec<u8>,
) -> Result<DataRow, PgError> {
    let mut data = BytesMut::with_capacity(columns.len() * 8);
    for (i, col) in columns.iter().enumerate() {
        let v = crate::functions::to_ref(row.get_ref(i).map_err(|e| PgError::from_sqlite(e, None))?);
        if v == ValueRef::Null {
            data.put_i32(-1);
            continue;
        }
        scratch.clear();
        if let (Some(names), ValueRef::Int(oid), false) = (names, v, binary(i)) {
            if let Some(name) = names(&col.ty, oid as u32) {
                data.put_i32(name.len() as i32);
                data.put_slice(name.as_bytes());
                continue;
            }
        }
        if binary(i) {
            value::to_binary(&col.ty, v, opts, scratch)?;
        } else {
            value::to_text(&col.ty, v, opts, scratch)?;
        }
        data.put_i32(scratch.len() as i32);
        data.put_slice(scratch);
    }
    Ok(DataRow::new(data, columns.len() as i16))
}

/// Encodes a row of values computed outside SQLite (SHOW, catalog answers).
pub fn encode_values(values: &[Option<String>]) -> DataRow {
    let mut data = BytesMut::new();
    for v in values {
        match v {
            None => data.put_i32(-1),
            Some(s) => {
                data.put_i32(s.len() as i32);
                data.put_slice(s.as_bytes());
            }
        }
    }
    DataRow::new(data, values.len() as i16)
}

/// How a statement is run: parameters, result formats and session context.
pub struct Run<'a> {
    pub plan: &'a SqlPlan,
    pub params: &'a [Value],
    pub binary: &'a (dyn Fn(usize) -> bool + Sync),
    pub format: &'a FormatOptions,
    pub schema: &'a Schema,
    pub search_path: &'a [String],
    pub max_rows: usize,
}

/// Runs a plan on `conn` (blocking).
pub fn run(conn: &Connection, r: &Run<'_>, ctx: &mut Option<ExecCtx>) -> Result<Output, PgError> {
    with_ctx(ctx, || run_inner(conn, r))
}

fn run_inner(conn: &Connection, r: &Run<'_>) -> Result<Output, PgError> {
    let sqlite_err = |e| PgError::from_sqlite(e, Some(r.schema));
    run_pre(conn, &r.plan.pre).map_err(sqlite_err)?;
    let mut count = 0usize;
    let mut rows = Vec::new();
    if !r.plan.sql.is_empty() {
        let mut stmt = conn.prepare_cached(&r.plan.sql).map_err(sqlite_err)?;
        let n = stmt.parameter_count();
        for i in 1..=n {
            let v = r.params.get(i - 1).ok_or_else(|| PgError::Protocol(format!("bind message supplies {} parameters, but prepared statement requires {n}", r.params.len())))?;
            stmt.raw_bind_parameter(i, to_sql(v)).map_err(sqlite_err)?;
        }
        if r.plan.returns_rows {
            let mut scratch = Vec::with_capacity(64);
            let has_oid_names = r.plan.columns.iter().any(|c| !c.ty.array && matches!(c.ty.scalar, Scalar::Regclass | Scalar::Regtype));
            let lookup = |ty: &PgType, oid: u32| r.schema.oid_display(ty, oid, r.search_path);
            let names: Option<OidNames<'_>> = if has_oid_names { Some(&lookup) } else { None };
            let mut q = stmt.raw_query();
            while let Some(row) = q.next().map_err(sqlite_err)? {
                rows.push(encode_row(row, &r.plan.columns, r.binary, r.format, names, &mut scratch)?);
                count += 1;
                if r.max_rows > 0 && count >= r.max_rows {
                    break;
                }
            }
        } else {
            count = stmt.raw_execute().map_err(sqlite_err)?;
        }
        if r.plan.tag != Tag::Select && !r.plan.returns_rows {
            count = conn.changes() as usize;
        }
    }
    for s in &r.plan.post {
        conn.execute_batch(s).map_err(sqlite_err)?;
    }
    Ok(Output { columns: r.plan.columns.clone(), rows, tag: r.plan.tag.render(count) })
}

/// Runs a plan's leading statements. Foreign-key enforcement, which SQLite
/// lets no statement change inside a transaction, is switched on the
/// connection itself between `FOREIGN_KEYS_OFF` and `FOREIGN_KEYS_ON`, and is
/// always on again when this returns, whatever failed in between.
fn run_pre(conn: &Connection, pre: &[String]) -> rusqlite::Result<()> {
    use rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY;
    let mut off = false;
    let mut run = || -> rusqlite::Result<()> {
        for s in pre {
            match s.as_str() {
                FOREIGN_KEYS_OFF => off = !conn.set_db_config(SQLITE_DBCONFIG_ENABLE_FKEY, false)?,
                FOREIGN_KEYS_ON => off = !conn.set_db_config(SQLITE_DBCONFIG_ENABLE_FKEY, true)?,
                _ => conn.execute_batch(s)?,
            }
        }
        Ok(())
    };
    let outcome = run();
    if off {
        conn.set_db_config(SQLITE_DBCONFIG_ENABLE_FKEY, true)?;
    }
    outcome
}

/// Decodes a bound parameter from the wire into its stored form.
pub fn decode_param(ty: &PgType, bytes: Option<&[u8]>, binary: bool, opts: &FormatOptions) -> Result<Value, PgError> {
    let Some(b) = bytes else { return Ok(Value::Null) };
    if binary {
        Ok(value::from_binary(ty, b, opts)?)
    } else {
        let s = std::str::from_utf8(b).map_err(|_| PgError::Value(value::ValueError::InvalidUtf8))?;
        Ok(value::from_text(ty, s, opts)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_encoded_in_the_requested_format() {
        let conn = Connection::open_in_memory().unwrap();
        let mut st = conn.prepare("SELECT 1, 'x', NULL").unwrap();
        let cols = vec![OutColumn::new("a", PgType::BOOL), OutColumn::new("b", PgType::TEXT), OutColumn::new("c", PgType::INT4)];
        let mut q = st.raw_query();
        let row = q.next().unwrap().unwrap();
        let mut scratch = Vec::new();
        let text = encode_row(row, &cols, &|_| false, &FormatOptions::default(), None, &mut scratch).unwrap();
        assert_eq!(&text.data[..], &[0, 0, 0, 1, b't', 0, 0, 0, 1, b'x', 0xff, 0xff, 0xff, 0xff]);
        let bin = encode_row(row, &cols, &|i| i == 0, &FormatOptions::default(), None, &mut scratch).unwrap();
        assert_eq!(&bin.data[..5], &[0, 0, 0, 1, 1]);
    }
}
