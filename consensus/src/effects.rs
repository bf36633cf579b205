//! A transaction's effects, captured on the writer connection as they
//! happen and replayed on every node.
//!
//! Capture: SQLite's pre-update hook reports every row a statement changes
//! (triggers and foreign-key actions included) with its rowid and new
//! values; its statement trace reports the schema statements (CREATE, ALTER,
//! DROP), kept in order between the row changes. The session marks where
//! each statement and savepoint starts, so a failed statement or a ROLLBACK
//! TO drops what it recorded.
//!
//! Replay: the same rows are written by rowid and the same schema statements
//! run, with triggers and foreign-key checks off, since their effects are
//! already among the recorded rows.

use crate::command::{RowChange, SqlValue, Step};
use parking_lot::Mutex;
use rusqlite::hooks::{PreUpdateCase, PreUpdateNewValueAccessor};
use rusqlite::trace::{TraceEvent, TraceEventCodes};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::Arc;

/// The changes of the transaction on a writer, while it records.
#[derive(Debug, Default)]
pub struct Recorder {
    on: bool,
    steps: Vec<Step>,
    /// A DROP being run: recorded when it finishes, after the rows it
    /// deleted (with foreign keys on, DROP TABLE first deletes every row,
    /// and the deletes cascade).
    dropping: Option<String>,
}

/// A position in the recorded changes (the default is the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    steps: usize,
    rows: usize,
}

impl Recorder {
    pub fn start(&mut self) {
        self.on = true;
        self.steps.clear();
        self.dropping = None;
    }

    /// Stops recording and hands over what was recorded.
    pub fn finish(&mut self) -> Vec<Step> {
        self.on = false;
        self.dropping = None;
        std::mem::take(&mut self.steps)
    }

    pub fn is_recording(&self) -> bool {
        self.on
    }

    pub fn mark(&self) -> Mark {
        let rows = match self.steps.last() {
            Some(Step::Rows(r)) => r.len(),
            _ => 0,
        };
        Mark { steps: self.steps.len(), rows }
    }

    /// Forgets what was recorded after `m` (a statement or savepoint rolled back).
    pub fn rewind(&mut self, m: Mark) {
        self.dropping = None;
        self.steps.truncate(m.steps);
        if let Some(Step::Rows(r)) = self.steps.last_mut() {
            r.truncate(m.rows);
            if r.is_empty() {
                self.steps.pop();
            }
        }
    }

    fn push_row(&mut self, change: RowChange) {
        match self.steps.last_mut() {
            Some(Step::Rows(r)) => r.push(change),
            _ => self.steps.push(Step::Rows(vec![change])),
        }
    }
}

pub type SharedRecorder = Arc<Mutex<Recorder>>;

/// Whether a statement changes the schema (and is replayed as it was written).
/// `legacy_alter_table` decides what a later ALTER TABLE RENAME rewrites, so
/// it is replayed with them.
fn is_schema_statement(sql: &str) -> bool {
    let head: String = sql.trim_start().chars().take(26).collect::<String>().to_ascii_uppercase();
    let schema = head.starts_with("CREATE") || head.starts_with("ALTER") || head.starts_with("DROP") || head.starts_with("PRAGMA LEGACY_ALTER_TABLE");
    // Temporary objects belong to one connection and are not replicated.
    schema && !head.starts_with("CREATE TEMP")
}

fn owned(v: ValueRef<'_>) -> SqlValue {
    match v {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Integer(i),
        ValueRef::Real(f) => SqlValue::Real(f),
        ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
    }
}

fn new_values(n: &PreUpdateNewValueAccessor) -> Vec<SqlValue> {
    (0..n.get_column_count()).map(|i| n.get_new_column_value(i).map(owned).unwrap_or(SqlValue::Null)).collect()
}

/// Installs the hooks that feed `recorder` on a writer connection.
pub fn install(conn: &mut Connection, recorder: SharedRecorder) -> rusqlite::Result<()> {
    let rows = recorder.clone();
    conn.preupdate_hook(Some(move |_action, db: &str, table: &str, case: &PreUpdateCase| {
        // SQLite's own tables follow from the rest (sqlite_sequence, sqlite_stat*).
        if db != "main" || table.starts_with("sqlite_") {
            return;
        }
        let mut rec = rows.lock();
        if !rec.on {
            return;
        }
        let table = table.to_string();
        let change = match case {
            PreUpdateCase::Insert(n) => RowChange::Insert { table, rowid: n.get_new_row_id(), values: new_values(n) },
            PreUpdateCase::Delete(o) => RowChange::Delete { table, rowid: o.get_old_row_id() },
            PreUpdateCase::Update { old_value_accessor: o, new_value_accessor: n } => {
                RowChange::Update { table, old_rowid: o.get_old_row_id(), rowid: n.get_new_row_id(), values: new_values(n) }
            }
            PreUpdateCase::Unknown => return,
        };
        rec.push_row(change);
    }))?;
    let schema = recorder;
    conn.trace_v2(
        TraceEventCodes::SQLITE_TRACE_STMT | TraceEventCodes::SQLITE_TRACE_PROFILE,
        Some(move |event: TraceEvent<'_>| match event {
            TraceEvent::Stmt(_, sql) if is_schema_statement(sql) => {
                let mut rec = schema.lock();
                if rec.on {
                    if sql.trim_start().get(..4).is_some_and(|w| w.eq_ignore_ascii_case("DROP")) {
                        rec.dropping = Some(sql.to_string());
                    } else {
                        rec.steps.push(Step::Sql(sql.to_string()));
                    }
                }
            }
            TraceEvent::Profile(..) => {
                let mut rec = schema.lock();
                if let Some(sql) = rec.dropping.take() {
                    if rec.on {
                        rec.steps.push(Step::Sql(sql));
                    }
                }
            }
            _ => {}
        }),
    )?;
    Ok(())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Replays recorded steps inside the caller's transaction.
pub fn replay(conn: &Connection, steps: &[Step]) -> rusqlite::Result<()> {
    let mut columns: HashMap<String, Vec<String>> = HashMap::new();
    for step in steps {
        match step {
            Step::Sql(sql) => {
                conn.execute_batch(sql)?;
                columns.clear();
            }
            Step::Rows(rows) => {
                for change in rows {
                    replay_row(conn, &mut columns, change)?;
                }
            }
        }
    }
    Ok(())
}

fn table_columns<'a>(conn: &Connection, cache: &'a mut HashMap<String, Vec<String>>, table: &str) -> rusqlite::Result<&'a Vec<String>> {
    if !cache.contains_key(table) {
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
        let names = stmt.query_map([table], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        if names.is_empty() {
            return Err(rusqlite::Error::InvalidParameterName(format!("no table {table} to replay a row change into")));
        }
        cache.insert(table.to_string(), names);
    }
    Ok(&cache[table])
}

fn to_sql(v: &SqlValue) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::Integer(*i),
        SqlValue::Real(f) => Value::Real(*f),
        SqlValue::Text(s) => Value::Text(s.clone()),
        SqlValue::Blob(b) => Value::Blob(b.clone()),
    }
}

fn check_width(table: &str, columns: &[String], values: &[SqlValue]) -> rusqlite::Result<()> {
    if columns.len() != values.len() {
        return Err(rusqlite::Error::InvalidParameterName(format!("{table} has {} columns, the change has {}", columns.len(), values.len())));
    }
    Ok(())
}

fn replay_row(conn: &Connection, cache: &mut HashMap<String, Vec<String>>, change: &RowChange) -> rusqlite::Result<()> {
    use rusqlite::types::Value;
    match change {
        RowChange::Insert { table, rowid, values } => {
            let cols = table_columns(conn, cache, table)?;
            check_width(table, cols, values)?;
            let names: Vec<String> = cols.iter().map(|c| quote(c)).collect();
            let marks: Vec<String> = (0..=values.len()).map(|i| format!("?{}", i + 1)).collect();
            let sql = format!("INSERT INTO {} (rowid, {}) VALUES ({})", quote(table), names.join(", "), marks.join(", "));
            let params = std::iter::once(Value::Integer(*rowid)).chain(values.iter().map(to_sql));
            conn.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(params))?;
        }
        RowChange::Update { table, old_rowid, rowid, values } => {
            let cols = table_columns(conn, cache, table)?;
            check_width(table, cols, values)?;
            let sets: Vec<String> = cols.iter().enumerate().map(|(i, c)| format!("{} = ?{}", quote(c), i + 2)).collect();
            let sql = format!("UPDATE {} SET rowid = ?1, {} WHERE rowid = ?{}", quote(table), sets.join(", "), values.len() + 2);
            let params = std::iter::once(Value::Integer(*rowid)).chain(values.iter().map(to_sql)).chain(std::iter::once(Value::Integer(*old_rowid)));
            conn.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(params))?;
        }
        RowChange::Delete { table, rowid } => {
            conn.prepare_cached(&format!("DELETE FROM {} WHERE rowid = ?1", quote(table)))?.execute([rowid])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(setup: &str, work: &str) -> (Connection, Vec<Step>) {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(setup).unwrap();
        let rec: SharedRecorder = Arc::default();
        install(&mut conn, rec.clone()).unwrap();
        rec.lock().start();
        conn.execute_batch(work).unwrap();
        let steps = rec.lock().finish();
        (conn, steps)
    }

    fn dump(conn: &Connection, table: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("SELECT rowid, * FROM {table} ORDER BY rowid")).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| Ok((0..n).map(|i| format!("{:?}", r.get_ref(i).unwrap())).collect::<Vec<_>>().join("|")))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn replaying_effects_reproduces_nondeterministic_writes() {
        let setup = "CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL, s TEXT); CREATE TABLE n (x);";
        let work = "INSERT INTO t (v, s) SELECT random(), hex(randomblob(8)) FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);
                    UPDATE t SET v = random() WHERE id = 2; DELETE FROM t WHERE id = 1; UPDATE t SET id = 10 WHERE id = 3;
                    INSERT INTO n VALUES (random()); CREATE TABLE later (a, b); INSERT INTO later VALUES (1, randomblob(4));";
        let (leader, steps) = recorded(setup, work);
        let follower = Connection::open_in_memory().unwrap();
        follower.execute_batch(setup).unwrap();
        replay(&follower, &steps).unwrap();
        for table in ["t", "n", "later"] {
            assert_eq!(dump(&leader, table), dump(&follower, table), "{table}");
        }
        assert!(matches!(steps.iter().find(|s| matches!(s, Step::Sql(_))), Some(Step::Sql(s)) if s.trim_start().starts_with("CREATE TABLE later")));
    }

    #[test]
    fn dropping_a_referenced_table_replays_its_cascades_first() {
        let setup = "PRAGMA foreign_keys = ON; CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p ON DELETE CASCADE);
                     INSERT INTO p VALUES (1), (2); INSERT INTO c VALUES (10, 1), (11, 2), (12, NULL);";
        let (leader, steps) = recorded(setup, "DROP TABLE c; CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p ON DELETE CASCADE); INSERT INTO c VALUES (20, 2); DROP TABLE p;");
        let follower = Connection::open_in_memory().unwrap();
        follower.execute_batch(setup).unwrap();
        follower.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        replay(&follower, &steps).unwrap();
        assert_eq!(dump(&leader, "c"), dump(&follower, "c"));
        assert!(dump(&leader, "c").is_empty(), "the cascade emptied c");
    }

    #[test]
    fn rewinding_forgets_rolled_back_changes() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x)").unwrap();
        let rec: SharedRecorder = Arc::default();
        install(&mut conn, rec.clone()).unwrap();
        rec.lock().start();
        conn.execute_batch("BEGIN; INSERT INTO t VALUES (1); SAVEPOINT a;").unwrap();
        let mark = rec.lock().mark();
        conn.execute_batch("INSERT INTO t VALUES (2); ROLLBACK TO a; INSERT INTO t VALUES (3); COMMIT").unwrap();
        // The session rewinds when it rolls back to the savepoint; here, by hand.
        let mut all = rec.lock().finish();
        assert_eq!(all.len(), 1);
        let Step::Rows(rows) = &mut all[0] else { panic!() };
        assert_eq!(rows.len(), 3);
        let mut r = Recorder::default();
        r.start();
        r.push_row(rows[0].clone());
        let m = r.mark();
        assert_eq!(m, mark);
        r.push_row(rows[1].clone());
        r.rewind(m);
        r.push_row(rows[2].clone());
        assert_eq!(r.finish(), vec![Step::Rows(vec![rows[0].clone(), rows[2].clone()])]);
        assert!(!is_schema_statement("CREATE TEMP TABLE x (a)"));
        assert!(is_schema_statement("  drop table x"));
    }
}
