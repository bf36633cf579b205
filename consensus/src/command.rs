//! What the Raft log carries. Every change to a node's data is one entry,
//! and an entry holds the change's effects, not its cause: the rows a
//! transaction inserted, updated and deleted (identified by SQLite rowid),
//! and the schema statements it ran, in the order they happened. Replaying
//! effects gives every node the same content whatever the SQL did (random(),
//! now(), sequences, UPDATE without ORDER BY); see docs/ARCHITECTURE.md.

use serde::{Deserialize, Serialize};

/// One replicated change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// A committed transaction of one database.
    Transaction {
        database: String,
        steps: Vec<Step>,
        /// The node and proposal that produced it: on that node the
        /// transaction's effects are already in its group (see [`crate::group`]).
        origin: Origin,
        /// The state of the database this transaction ran on: it applies
        /// only on exactly that state.
        base: Base,
        /// How many `TransactionPart` entries just before this one carry its
        /// first effects.
        #[serde(default)]
        parts: u32,
    },
    /// The first effects of a large transaction, in order; its final
    /// `Transaction` entry follows at once (same origin) and applies them
    /// all. Keeping entries small keeps replication and heartbeats flowing
    /// while a bulk load commits.
    TransactionPart { database: String, steps: Vec<Step>, origin: Origin },
    CreateDatabase { name: String },
    DropDatabase { name: String },
}

/// Effects are split into parts of about this many bytes.
pub const PART_BYTES: usize = 64 * 1024;

/// Splits a transaction's effects into parts of about [`PART_BYTES`], in
/// order (a run of rows may be cut between two parts; a schema statement
/// never is).
pub fn split_steps(steps: Vec<Step>) -> Vec<Vec<Step>> {
    let mut parts = vec![Vec::new()];
    let mut size = 0usize;
    for step in steps {
        match step {
            Step::Sql(sql) => {
                size += sql.len();
                parts.last_mut().map(|p| p.push(Step::Sql(sql)));
            }
            Step::Rows(rows) => {
                let mut run = Vec::new();
                for row in rows {
                    size += row.approx_size();
                    run.push(row);
                    if size >= PART_BYTES {
                        parts.last_mut().map(|p| p.push(Step::Rows(std::mem::take(&mut run))));
                        parts.push(Vec::new());
                        size = 0;
                    }
                }
                if !run.is_empty() {
                    parts.last_mut().map(|p| p.push(Step::Rows(run)));
                }
            }
        }
    }
    if parts.len() > 1 && parts.last().is_some_and(Vec::is_empty) {
        parts.pop();
    }
    parts
}

impl RowChange {
    /// About how many bytes the change takes in an entry.
    pub fn approx_size(&self) -> usize {
        let (table, values) = match self {
            RowChange::Insert { table, values, .. } | RowChange::Update { table, values, .. } => (table, values.as_slice()),
            RowChange::Delete { table, .. } => (table, &[][..]),
        };
        16 + table.len()
            + values
                .iter()
                .map(|v| match v {
                    SqlValue::Text(t) => 8 + t.len(),
                    SqlValue::Blob(b) => 8 + b.len(),
                    _ => 9,
                })
                .sum::<usize>()
    }
}

/// Where a transaction entry was proposed. Unique to one transaction:
/// a node numbers its proposals from a random start each time it starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Origin {
    pub node: u64,
    pub proposal: u64,
}

/// A state of a database: how many transactions it has applied, and the
/// last of them. A count alone does not name a state: when an entry is
/// rejected, another transaction can take its place at the same count, and
/// an entry that ran on the rejected one's data would then apply on data it
/// never saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Base {
    pub seq: u64,
    pub last: Origin,
}

/// A run of row changes, or a schema statement between them. Row changes
/// are only meaningful against the schema in force when they were made, so
/// the order of the two kinds is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Step {
    Rows(Vec<RowChange>),
    /// A CREATE, ALTER or DROP statement as SQLite ran it.
    Sql(String),
}

impl Step {
    /// Whether the step changes the schema a session translates against:
    /// a schema statement, or a row of the catalog litegres keeps beside
    /// SQLite's (declared types, comments, constraints...; sequence values
    /// are data).
    pub fn changes_schema(&self) -> bool {
        match self {
            Step::Sql(_) => true,
            Step::Rows(rows) => rows.iter().any(|r| {
                let table = match r {
                    RowChange::Insert { table, .. } | RowChange::Update { table, .. } | RowChange::Delete { table, .. } => table,
                };
                table.starts_with("__lg_") && table != "__lg_sequence"
            }),
        }
    }
}

/// One row's change. Values are the row's full new image in column order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RowChange {
    Insert { table: String, rowid: i64, values: Vec<SqlValue> },
    Update { table: String, old_rowid: i64, rowid: i64, values: Vec<SqlValue> },
    Delete { table: String, rowid: i64 },
}

/// A SQLite value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// What applying an entry produced: nothing, or the reason it could not be
/// applied (the same on every node, since every node has the same data).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Applied {
    pub error: Option<String>,
    /// The transaction ran on a state that did not commit (an entry before
    /// it was lost): retrying it may succeed.
    #[serde(default)]
    pub conflict: bool,
}

impl Command {
    /// The database the command changes.
    pub fn database(&self) -> &str {
        match self {
            Command::Transaction { database, .. } | Command::TransactionPart { database, .. } => database,
            Command::CreateDatabase { name } | Command::DropDatabase { name } => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: i64, bytes: usize) -> RowChange {
        RowChange::Insert { table: "t".into(), rowid: i, values: vec![SqlValue::Integer(i), SqlValue::Text("x".repeat(bytes))] }
    }

    #[test]
    fn large_effects_split_in_order_and_small_ones_do_not() {
        let small = vec![Step::Sql("CREATE TABLE t (x)".into()), Step::Rows(vec![row(1, 10)])];
        assert_eq!(split_steps(small.clone()), vec![small]);
        let big = vec![Step::Sql("CREATE TABLE t (x)".into()), Step::Rows((0..100).map(|i| row(i, 10_000)).collect()), Step::Sql("CREATE INDEX i ON t (x)".into())];
        let parts = split_steps(big.clone());
        assert!(parts.len() >= 3, "{} parts", parts.len());
        // Concatenated, the parts are the effects, in order.
        let rows: Vec<RowChange> = parts.iter().flatten().filter_map(|s| if let Step::Rows(r) = s { Some(r.clone()) } else { None }).flatten().collect();
        assert_eq!(rows.len(), 100);
        assert!(rows.windows(2).all(|w| matches!((&w[0], &w[1]), (RowChange::Insert { rowid: a, .. }, RowChange::Insert { rowid: b, .. }) if a < b)));
        assert_eq!(parts.first().and_then(|p| p.first()), Some(&Step::Sql("CREATE TABLE t (x)".into())));
        assert_eq!(parts.last().and_then(|p| p.last()), Some(&Step::Sql("CREATE INDEX i ON t (x)".into())));
    }
}
