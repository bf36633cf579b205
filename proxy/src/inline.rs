//! Which statements run on the connection's own task. Handing a statement
//! to a blocking thread (`block_in_place`) costs thread wake-ups that
//! outweigh a point read several times over, but a statement that scans
//! must not hold up the other connections sharing a runtime worker. So a
//! statement runs in place only when SQLite's plan for it touches a bounded
//! number of rows: every step a SEARCH by equality on a key (or no table
//! at all). The decision is made once per statement text, from
//! `EXPLAIN QUERY PLAN`, and kept per session until the schema changes.
//! Planning reads the schema, never table data, so it is done in place too:
//! a statement with its values written in (the simple protocol), planned
//! anew each time, still costs less than a thread hop.

use rusqlite::Connection;
use std::collections::HashMap;

/// The decisions of one session, for one schema generation.
#[derive(Debug, Default)]
pub struct InlineCache {
    generation: u64,
    known: HashMap<String, bool>,
}

/// SQL functions that may wait (pg_sleep, advisory locks held elsewhere):
/// a statement calling one never runs in place, whatever its plan.
const WAITING_FUNCTIONS: &[&str] = &["lg_sleep(", "lg_advisory("];

/// Statements remembered per session; past this the cache starts over.
const MAX_STATEMENTS: usize = 1024;

impl InlineCache {
    /// Whether `sql` reads a bounded number of rows under schema
    /// `generation`; planned with `conn` the first time.
    pub fn is_cheap(&mut self, generation: u64, sql: &str, conn: &Connection) -> bool {
        if generation != self.generation {
            self.generation = generation;
            self.known.clear();
        }
        if let Some(cheap) = self.known.get(sql) {
            return *cheap;
        }
        let waits = WAITING_FUNCTIONS.iter().any(|f| sql.contains(f));
        let cheap = !waits && plan_of(conn, sql).is_some_and(|steps| is_bounded(&steps));
        if self.known.len() >= MAX_STATEMENTS {
            self.known.clear();
        }
        self.known.insert(sql.to_string(), cheap);
        cheap
    }
}

fn plan_of(conn: &Connection, sql: &str) -> Option<Vec<String>> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).ok()?;
    // Parameters stay unbound (NULL): the plan does not depend on them.
    let mut rows = stmt.raw_query();
    let mut steps = Vec::new();
    while let Some(row) = rows.next().ok()? {
        steps.push(row.get::<_, String>(3).ok()?);
    }
    Some(steps)
}

/// Whether every step of a plan reads a bounded number of rows.
fn is_bounded(steps: &[String]) -> bool {
    steps.iter().all(|s| {
        if s == "SCAN CONSTANT ROW" {
            return true;
        }
        let Some(rest) = s.strip_prefix("SEARCH ") else { return false };
        // The constraint: "(rowid=?)", "(a=? AND b=?)"; a range (< or >) may read the whole table.
        match (rest.find('('), rest.rfind(')')) {
            (Some(open), Some(close)) if open < close => {
                let cond = &rest[open + 1..close];
                !cond.contains('<') && !cond.contains('>') && cond.split(" AND ").all(|c| c.ends_with("=?"))
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(conn: &Connection, sql: &str) -> bool {
        InlineCache::default().is_cheap(1, sql, conn)
    }

    #[test]
    fn only_plans_that_read_a_bounded_number_of_rows_run_in_place() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE a (id INTEGER PRIMARY KEY, k int, v text);
             CREATE UNIQUE INDEX a_k ON a (k);
             CREATE TABLE b (id INTEGER PRIMARY KEY, a_id int);",
        )
        .unwrap();
        assert!(plan(&c, "SELECT v FROM a WHERE id = ?1"));
        assert!(plan(&c, "SELECT v FROM a WHERE k = ?1"));
        assert!(plan(&c, "UPDATE a SET v = ?1 WHERE id = ?2"));
        assert!(plan(&c, "INSERT INTO a (k, v) VALUES (?1, ?2)"));
        assert!(plan(&c, "SELECT 1"));
        c.create_scalar_function("lg_sleep", 1, rusqlite::functions::FunctionFlags::SQLITE_UTF8, |_| Ok(0)).unwrap();
        assert!(!plan(&c, "SELECT lg_sleep(1)"), "a function that waits would hold up the runtime");
        assert!(!plan(&c, "SELECT v FROM a"), "a scan");
        assert!(!plan(&c, "SELECT v FROM a WHERE id > ?1"), "a range");
        assert!(!plan(&c, "SELECT * FROM a JOIN b ON b.a_id = a.id WHERE a.id = ?1"), "a scan of b");
        assert!(!plan(&c, "SELECT count(*) FROM b"));
        assert!(!plan(&c, "SELECT v FROM a ORDER BY v LIMIT 1"));
        assert!(!plan(&c, "not sql"), "what cannot be planned runs off the task");
    }

    #[test]
    fn decisions_are_kept_until_the_schema_changes() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE a (id INTEGER PRIMARY KEY, k int)").unwrap();
        let mut cache = InlineCache::default();
        let sql = "SELECT id FROM a WHERE k = ?1";
        assert!(!cache.is_cheap(1, sql, &c));
        c.execute_batch("CREATE INDEX a_k ON a (k)").unwrap();
        assert!(!cache.is_cheap(1, sql, &c), "kept for the same schema generation");
        assert!(cache.is_cheap(2, sql, &c), "a new generation plans again");
    }
}
