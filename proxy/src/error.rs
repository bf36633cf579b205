//! The errors a session reports, and the one place that gives each its
//! SQLSTATE. The match in [`PgError::sqlstate`] is exhaustive on purpose: a
//! new error kind does not compile until it has a code.

use catalog::schema::Schema;
use catalog::sqlstate::SqlState;
use catalog::translate::TranslateError;
use catalog::value::ValueError;
use consensus::StoreError;
use pgwire::error::{ErrorInfo, PgWireError};

/// Marks SQLSTATE-carrying errors raised inside SQL functions, whose message
/// is the only thing SQLite passes back.
pub const UDF_ERROR_PREFIX: &str = "LGERR:";

/// The fields of an error naming the object at fault, as the leader reported
/// them for a forwarded statement (drivers read the constraint name).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorFields {
    pub constraint: Option<String>,
    pub table: Option<String>,
    pub column: Option<String>,
    pub schema: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("{0}")]
    Translate(#[from] TranslateError),
    #[error("{0}")]
    Value(#[from] ValueError),
    /// An error raised by an `lg_*` function, with its code.
    #[error("{message}")]
    Function { code: &'static str, message: String },
    #[error("duplicate key value violates unique constraint \"{constraint}\"")]
    UniqueViolation { constraint: String, table: String, detail: Option<String> },
    #[error("{message}")]
    ForeignKeyViolation { message: String },
    #[error("null value in column \"{column}\" of relation \"{table}\" violates not-null constraint")]
    NotNullViolation { table: String, column: String },
    #[error("new row for relation \"{table}\" violates check constraint \"{constraint}\"")]
    CheckViolation { table: String, constraint: String },
    #[error("current transaction is aborted, commands ignored until end of transaction block")]
    InFailedTransaction,
    #[error("canceling statement due to user request")]
    Canceled,
    #[error("canceling statement due to statement timeout")]
    StatementTimeout,
    #[error("terminating connection due to idle-in-transaction timeout")]
    IdleInTransactionTimeout,
    #[error("cannot execute {0} in a read-only transaction")]
    ReadOnlyTransaction(String),
    #[error("savepoint \"{0}\" does not exist")]
    NoSuchSavepoint(String),
    #[error("{0} can only be used in transaction blocks")]
    NoTransaction(&'static str),
    #[error("{0} cannot run inside a transaction block")]
    InsideTransaction(&'static str),
    #[error("could not serialize access due to concurrent update")]
    SerializationFailure,
    #[error("database \"{0}\" does not exist")]
    NoSuchDatabase(String),
    #[error("database \"{0}\" already exists")]
    DuplicateDatabase(String),
    #[error("database \"{0}\" is being accessed by other users")]
    DatabaseInUse(String),
    #[error("cannot drop the currently open database")]
    DropCurrentDatabase,
    #[error("cannot drop a template database")]
    DropTemplateDatabase,
    #[error("password authentication failed for user \"{0}\"")]
    InvalidPassword(String),
    #[error("{0}")]
    Protocol(String),
    #[error("prepared statement \"{0}\" does not exist")]
    NoSuchStatement(String),
    #[error("prepared statement \"{0}\" already exists")]
    DuplicateStatement(String),
    #[error("cannot insert multiple commands into a prepared statement")]
    MultipleCommands,
    #[error("invalid value for parameter \"{name}\": \"{value}\"")]
    InvalidSetting { name: String, value: String },
    #[error("parameter \"{0}\" cannot be changed now")]
    CantChangeSetting(String),
    #[error("{0}")]
    ProgramLimit(String),
    #[error("{0}")]
    Copy(String),
    #[error("terminating connection due to administrator command")]
    Terminated,
    #[error("cannot write on this node: {0}")]
    NotLeader(String),
    /// An error the leader raised running a forwarded statement.
    #[error("{message}")]
    Forwarded { code: String, message: String, detail: Option<String>, fields: ErrorFields },
    /// The transaction was not committed (leadership moved before it was
    /// proposed); running it again is safe.
    #[error("could not commit: {0}; the transaction was not committed, retry it")]
    CommitRetry(String),
    /// The cluster could not say whether the transaction committed.
    #[error("{0}; the transaction may or may not have committed")]
    CommitUnknown(String),
    #[error("{0}")]
    Internal(String),
}

impl PgError {
    /// The SQLSTATE of every error, in one exhaustive match.
    pub fn sqlstate(&self) -> SqlState {
        match self {
            PgError::Translate(e) => e.sqlstate(),
            PgError::Value(e) => e.sqlstate(),
            PgError::Function { code, .. } => catalog::sqlstate::ALL.iter().copied().find(|s| s.code() == *code).unwrap_or(SqlState::INTERNAL_ERROR),
            PgError::UniqueViolation { .. } => SqlState::UNIQUE_VIOLATION,
            PgError::ForeignKeyViolation { .. } => SqlState::FOREIGN_KEY_VIOLATION,
            PgError::NotNullViolation { .. } => SqlState::NOT_NULL_VIOLATION,
            PgError::CheckViolation { .. } => SqlState::CHECK_VIOLATION,
            PgError::InFailedTransaction => SqlState::IN_FAILED_SQL_TRANSACTION,
            PgError::Canceled | PgError::StatementTimeout => SqlState::QUERY_CANCELED,
            PgError::IdleInTransactionTimeout => SqlState::IDLE_IN_TRANSACTION_SESSION_TIMEOUT,
            PgError::ReadOnlyTransaction(_) => SqlState::READ_ONLY_SQL_TRANSACTION,
            PgError::NoSuchSavepoint(_) => SqlState::S_E_INVALID_SPECIFICATION,
            PgError::NoTransaction(_) => SqlState::NO_ACTIVE_SQL_TRANSACTION,
            PgError::InsideTransaction(_) => SqlState::ACTIVE_SQL_TRANSACTION,
            PgError::SerializationFailure => SqlState::T_R_SERIALIZATION_FAILURE,
            PgError::NoSuchDatabase(_) => SqlState::UNDEFINED_DATABASE,
            PgError::DuplicateDatabase(_) => SqlState::DUPLICATE_DATABASE,
            PgError::DatabaseInUse(_) | PgError::DropCurrentDatabase => SqlState::OBJECT_IN_USE,
            PgError::DropTemplateDatabase => SqlState::WRONG_OBJECT_TYPE,
            PgError::InvalidPassword(_) => SqlState::INVALID_PASSWORD,
            PgError::Protocol(_) => SqlState::PROTOCOL_VIOLATION,
            PgError::NoSuchStatement(_) => SqlState::UNDEFINED_PSTATEMENT,
            PgError::DuplicateStatement(_) => SqlState::DUPLICATE_PSTATEMENT,
            PgError::MultipleCommands => SqlState::SYNTAX_ERROR,
            PgError::InvalidSetting { .. } => SqlState::INVALID_PARAMETER_VALUE,
            PgError::CantChangeSetting(_) => SqlState::CANT_CHANGE_RUNTIME_PARAM,
            PgError::ProgramLimit(_) => SqlState::PROGRAM_LIMIT_EXCEEDED,
            PgError::Copy(_) => SqlState::BAD_COPY_FILE_FORMAT,
            PgError::Terminated => SqlState::ADMIN_SHUTDOWN,
            // A standby refuses writes the same way.
            PgError::NotLeader(_) => SqlState::READ_ONLY_SQL_TRANSACTION,
            PgError::Forwarded { code, .. } => catalog::sqlstate::ALL.iter().copied().find(|s| s.code() == code).unwrap_or(SqlState::INTERNAL_ERROR),
            PgError::CommitRetry(_) => SqlState::T_R_SERIALIZATION_FAILURE,
            PgError::CommitUnknown(_) => SqlState::CONNECTION_FAILURE,
            PgError::Internal(_) => SqlState::INTERNAL_ERROR,
        }
    }

    /// Errors after which the connection closes.
    pub fn is_fatal(&self) -> bool {
        matches!(self, PgError::IdleInTransactionTimeout | PgError::InvalidPassword(_) | PgError::Terminated)
    }

    pub fn detail(&self) -> Option<String> {
        match self {
            PgError::Translate(e) => e.detail(),
            PgError::Value(e) => e.detail(),
            PgError::UniqueViolation { detail, .. } => detail.clone(),
            PgError::Forwarded { detail, .. } => detail.clone(),
            _ => None,
        }
    }

    pub fn to_error_info(&self) -> ErrorInfo {
        let severity = if self.is_fatal() { "FATAL" } else { "ERROR" };
        let mut info = ErrorInfo::new(severity.to_string(), self.sqlstate().code().to_string(), self.to_string());
        info.detail = self.detail();
        info.severity_nonlocalized = Some(severity.to_string());
        match self {
            PgError::Forwarded { fields, .. } => {
                info.constraint = fields.constraint.clone();
                info.table = fields.table.clone();
                info.column = fields.column.clone();
                info.schema = fields.schema.clone();
            }
            PgError::UniqueViolation { constraint, table, .. } | PgError::CheckViolation { constraint, table } => {
                info.constraint = Some(constraint.clone());
                info.table = Some(table.clone());
            }
            PgError::NotNullViolation { table, column } => {
                info.table = Some(table.clone());
                info.column = Some(column.clone());
            }
            _ => {}
        }
        info
    }

    /// Classifies a SQLite error. The schema names the constraint a SQLite
    /// constraint failure was (SQLite reports columns, PostgreSQL names).
    pub fn from_sqlite(e: rusqlite::Error, schema: Option<&Schema>) -> PgError {
        use rusqlite::ffi;
        let (code, message) = match &e {
            rusqlite::Error::SqliteFailure(err, msg) => (err.extended_code, msg.clone().unwrap_or_else(|| err.to_string())),
            rusqlite::Error::UserFunctionError(inner) => (ffi::SQLITE_ERROR, inner.to_string()),
            rusqlite::Error::ExecuteReturnedResults | rusqlite::Error::InvalidQuery => {
                return PgError::Internal(e.to_string());
            }
            // SQLite's message quotes the whole translated statement; the
            // client gets the reason, the statement stays in the trace log.
            rusqlite::Error::SqlInputError { msg, sql, .. } => {
                tracing::trace!(%sql, "SQLite refused the translated statement");
                return PgError::Internal(msg.clone());
            }
            other => return PgError::Internal(other.to_string()),
        };
        if let Some(rest) = message.find(UDF_ERROR_PREFIX).map(|i| &message[i + UDF_ERROR_PREFIX.len()..]) {
            if let Some((code, msg)) = rest.split_once(':') {
                let code: &'static str = catalog::sqlstate::ALL.iter().find(|s| s.code() == code).map(|s| s.code()).unwrap_or("XX000");
                return PgError::Function { code, message: msg.to_string() };
            }
        }
        match code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                // "UNIQUE constraint failed: t.a, t.b"
                let cols = message.split_once(": ").map(|(_, c)| c).unwrap_or("");
                let mut table = String::new();
                let columns: Vec<String> = cols
                    .split(", ")
                    .map(|tc| match tc.rsplit_once('.') {
                        Some((t, c)) => {
                            table = t.to_string();
                            c.to_string()
                        }
                        None => tc.to_string(),
                    })
                    .collect();
                let (constraint, pg_table) = schema
                    .and_then(|s| s.unique_constraint_for(&table, &columns).map(|(c, r)| (c, r.name.name.clone())))
                    .unwrap_or_else(|| (format!("{table}_{}_key", columns.join("_")), table.clone()));
                PgError::UniqueViolation { constraint, table: pg_table, detail: Some(format!("Key ({}) already exists.", columns.join(", "))) }
            }
            ffi::SQLITE_CONSTRAINT_NOTNULL => {
                let tc = message.split_once(": ").map(|(_, c)| c).unwrap_or("");
                let (table, column) = tc.rsplit_once('.').unwrap_or(("", tc));
                let pg_table = schema.and_then(|s| s.relation_by_sqlite_name(table)).map(|r| r.name.name.clone()).unwrap_or_else(|| table.to_string());
                PgError::NotNullViolation { table: pg_table, column: column.to_string() }
            }
            ffi::SQLITE_CONSTRAINT_CHECK => {
                let name = message.split_once(": ").map(|(_, c)| c.to_string()).unwrap_or_default();
                let table = schema
                    .and_then(|s| s.relations.values().find(|r| r.constraints.iter().any(|c| c.name == name)).map(|r| r.name.name.clone()))
                    .unwrap_or_default();
                PgError::CheckViolation { table, constraint: name }
            }
            // ON DELETE/UPDATE RESTRICT fails as a plain constraint error.
            _ if message == "FOREIGN KEY constraint failed" => PgError::ForeignKeyViolation {
                message: "update or delete violates a foreign key constraint".into(),
            },
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => PgError::ForeignKeyViolation {
                message: "insert, update or delete violates a foreign key constraint".into(),
            },
            ffi::SQLITE_INTERRUPT => PgError::Canceled,
            ffi::SQLITE_BUSY | ffi::SQLITE_BUSY_SNAPSHOT | ffi::SQLITE_LOCKED => PgError::SerializationFailure,
            ffi::SQLITE_READONLY | ffi::SQLITE_READONLY_DBMOVED => PgError::ReadOnlyTransaction("a write".into()),
            ffi::SQLITE_TOOBIG => PgError::ProgramLimit("value or statement too large".into()),
            _ => {
                if let Some(t) = message.strip_prefix("no such table: ") {
                    return PgError::Translate(TranslateError::UndefinedTable(t.to_string()));
                }
                if let Some(c) = message.strip_prefix("no such column: ") {
                    return PgError::Translate(TranslateError::UndefinedColumn(c.to_string()));
                }
                if message.starts_with("too many SQL variables") {
                    return PgError::ProgramLimit("too many parameters".into());
                }
                if message.contains("parser stack overflow") || message.contains("Expression tree is too large") {
                    return PgError::Translate(TranslateError::TooComplex);
                }
                PgError::Internal(message)
            }
        }
    }

    /// A failed commit or write through the cluster.
    pub fn from_commit(e: consensus::raft::CommitError) -> PgError {
        use consensus::raft::CommitError;
        match e {
            e @ CommitError::NotLeader { .. } => PgError::NotLeader(e.to_string()),
            CommitError::Unavailable(m) => PgError::CommitUnknown(m),
            CommitError::Conflict(m) => PgError::CommitRetry(m),
            CommitError::Rejected(m) | CommitError::Local(m) => PgError::Internal(m),
        }
    }

    pub fn from_store(e: StoreError) -> PgError {
        match e {
            StoreError::NoSuchDatabase(n) => PgError::NoSuchDatabase(n),
            StoreError::DatabaseExists(n) => PgError::DuplicateDatabase(n),
            StoreError::InUse(n) => PgError::DatabaseInUse(n),
            StoreError::InvalidName(n) => PgError::Translate(TranslateError::InvalidParameterValue(format!("invalid database name \"{n}\""))),
            StoreError::Sqlite(e) => PgError::from_sqlite(e, None),
            StoreError::WriteTimeout => PgError::SerializationFailure,
            other @ (StoreError::Open { .. } | StoreError::Io { .. }) => PgError::Internal(other.to_string()),
        }
    }
}

impl From<PgError> for PgWireError {
    fn from(e: PgError) -> PgWireError {
        PgWireError::UserError(Box::new(e.to_error_info()))
    }
}

/// The message an `lg_*` function raises for a value error.
pub fn udf_error(e: &ValueError) -> String {
    format!("{UDF_ERROR_PREFIX}{}:{}", e.sqlstate().code(), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_errors_keep_their_sqlstate_through_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.create_scalar_function("boom", 0, rusqlite::functions::FunctionFlags::SQLITE_UTF8, |_| {
            Err::<i64, _>(rusqlite::Error::UserFunctionError(udf_error(&ValueError::DivisionByZero).into()))
        })
        .unwrap();
        let e = conn.query_row("SELECT boom()", [], |r| r.get::<_, i64>(0)).unwrap_err();
        let pg = PgError::from_sqlite(e, None);
        assert_eq!(pg.sqlstate().code(), "22012");
        assert_eq!(pg.to_string(), "division by zero");
    }

    #[test]
    fn constraint_failures_map_to_integrity_codes() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT NOT NULL, CONSTRAINT t_n_check CHECK (length(n) < 5)); INSERT INTO t VALUES (1, 'a');").unwrap();
        let code = |sql: &str| PgError::from_sqlite(conn.execute(sql, []).unwrap_err(), None).sqlstate().code();
        assert_eq!(code("INSERT INTO t VALUES (1, 'b')"), "23505");
        assert_eq!(code("INSERT INTO t VALUES (2, NULL)"), "23502");
        assert_eq!(code("INSERT INTO t VALUES (3, 'toolong')"), "23514");
    }
}
