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
        /// How many transactions the database had applied when this one ran:
        /// it applies only on exactly that state.
        base: u64,
    },
    CreateDatabase { name: String },
    DropDatabase { name: String },
}

/// Where a transaction entry was proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Origin {
    pub node: u64,
    pub proposal: u64,
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
            Command::Transaction { database, .. } => database,
            Command::CreateDatabase { name } | Command::DropDatabase { name } => name,
        }
    }
}
