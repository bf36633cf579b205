//! What translation produces: a plan per statement that the server executes
//! without looking at SQL again.

use crate::schema::QualifiedName;
use crate::types::PgType;

/// One translated statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// SQL for SQLite, run on a reader or on the write path.
    Sql(SqlPlan),
    Begin(TxnMode),
    Commit,
    Rollback,
    Savepoint(String),
    Release(String),
    RollbackTo(String),
    /// `SET [LOCAL] name = value` (and `SET TIME ZONE`, `SET SESSION CHARACTERISTICS`).
    Set { name: String, value: SetValue, local: bool },
    Show(String),
    /// `RESET name` / `RESET ALL` (None).
    Reset(Option<String>),
    /// `SET TRANSACTION ...` inside a transaction.
    SetTransaction(TxnMode),
    DiscardAll,
    Deallocate(Option<String>),
    /// SQL-level `PREPARE name (types) AS statement`: kept by the session.
    Prepare(Box<Prepared>),
    /// `EXECUTE name (args)`: the session binds the args into its prepared statement.
    Execute { name: String, args: Vec<sqlparser::ast::Expr> },
    Vacuum,
    Analyze,
    Checkpoint,
    Copy(CopyPlan),
    CreateDatabase(String),
    DropDatabase { name: String, if_exists: bool, force: bool },
    /// `LISTEN`/`UNLISTEN`/`NOTIFY` and other statements accepted as no-ops, with their tag.
    Noop(&'static str),
    Empty,
}

/// A statement prepared with SQL `PREPARE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub name: String,
    /// The declared parameter types, as written (`pg_catalog.oid`).
    pub types: Vec<sqlparser::ast::DataType>,
    pub statement: sqlparser::ast::Statement,
}

impl Prepared {
    /// The statement with `$n` replaced by `CAST(arg_n AS type_n)` (or the
    /// bare argument when no type was declared), ready to translate.
    pub fn bind(&self, args: &[sqlparser::ast::Expr]) -> Result<sqlparser::ast::Statement, super::TranslateError> {
        use sqlparser::ast::{Expr, Value, VisitMut, VisitorMut};
        use std::ops::ControlFlow;
        struct Binder<'a> {
            p: &'a Prepared,
            args: &'a [Expr],
            missing: Option<usize>,
        }
        impl VisitorMut for Binder<'_> {
            type Break = ();
            fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
                if let Expr::Value(v) = e {
                    if let Value::Placeholder(ph) = &v.value {
                        if let Some(n) = ph.strip_prefix('$').and_then(|d| d.parse::<usize>().ok()) {
                            match self.args.get(n.wrapping_sub(1)) {
                                Some(arg) => {
                                    *e = match self.p.types.get(n - 1) {
                                        Some(ty) => Expr::Cast { kind: sqlparser::ast::CastKind::DoubleColon, expr: Box::new(Expr::Nested(Box::new(arg.clone()))), data_type: ty.clone(), format: None },
                                        None => Expr::Nested(Box::new(arg.clone())),
                                    };
                                }
                                None => self.missing = Some(n),
                            }
                        }
                    }
                }
                ControlFlow::Continue(())
            }
        }
        if args.len() != self.types.len() && !self.types.is_empty() {
            return Err(super::TranslateError::Syntax(format!(
                "wrong number of parameters for prepared statement \"{}\": expected {}, got {}",
                self.name,
                self.types.len(),
                args.len()
            )));
        }
        let mut statement = self.statement.clone();
        let mut b = Binder { p: self, args, missing: None };
        let _ = statement.visit(&mut b);
        if let Some(n) = b.missing {
            return Err(super::TranslateError::Syntax(format!("there is no parameter ${n}")));
        }
        Ok(statement)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxnMode {
    pub read_only: Option<bool>,
    pub isolation: Option<String>,
    /// Spelled START TRANSACTION (PostgreSQL's command tag says which).
    pub start_transaction: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetValue {
    Default,
    Value(String),
}

/// Whether a statement needs the write path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    /// Changes the schema: the session reloads it after running.
    Ddl,
}

/// The command tag PostgreSQL sends in CommandComplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    Select,
    Insert,
    Update,
    Delete,
    Other(String),
}

impl Tag {
    /// The tag text for `rows` affected or returned.
    pub fn render(&self, rows: usize) -> String {
        match self {
            Tag::Select => format!("SELECT {rows}"),
            Tag::Insert => format!("INSERT 0 {rows}"),
            Tag::Update => format!("UPDATE {rows}"),
            Tag::Delete => format!("DELETE {rows}"),
            Tag::Other(t) => t.clone(),
        }
    }
}

/// A result column: name and PostgreSQL type, plus the table column it comes
/// from when it is a plain column reference (RowDescription's table OID / attnum).
#[derive(Debug, Clone, PartialEq)]
pub struct OutColumn {
    pub name: String,
    pub ty: PgType,
    pub table_oid: u32,
    pub attnum: i16,
}

impl OutColumn {
    pub fn new(name: impl Into<String>, ty: PgType) -> OutColumn {
        OutColumn { name: name.into(), ty, table_oid: 0, attnum: 0 }
    }
}

/// A NOTICE or WARNING sent before the statement's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    pub detail: Option<String>,
}

impl Notice {
    pub fn notice(code: &'static str, message: impl Into<String>) -> Notice {
        Notice { severity: "NOTICE", code, message: message.into(), detail: None }
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Notice {
        Notice { severity: "WARNING", code, message: message.into(), detail: None }
    }
    pub fn with_detail(mut self, detail: impl Into<String>) -> Notice {
        self.detail = Some(detail.into());
        self
    }
}

/// A step of `SqlPlan::pre` that turns foreign-key enforcement off on the
/// writer until [`FOREIGN_KEYS_ON`]. SQLite ignores `PRAGMA foreign_keys`
/// inside a transaction, and DDL always runs in one, so the executor sets the
/// connection's flag itself when it meets this text. A table rebuild needs
/// it: with enforcement on, dropping the old table would delete its rows
/// through every referencing table's ON DELETE action (SQLite's generalized
/// ALTER TABLE procedure turns enforcement off for the same reason).
pub const FOREIGN_KEYS_OFF: &str = "PRAGMA foreign_keys = OFF";
/// Ends [`FOREIGN_KEYS_OFF`]; the executor also restores enforcement when a
/// step between the two fails.
pub const FOREIGN_KEYS_ON: &str = "PRAGMA foreign_keys = ON";

#[derive(Debug, Clone, PartialEq)]
pub struct SqlPlan {
    /// Statements run before `sql`, in order, without parameters (DDL bookkeeping).
    pub pre: Vec<String>,
    /// The statement whose rows (if any) are the result. Parameters are `?N`.
    pub sql: String,
    /// Statements run after `sql` (catalog updates of DDL).
    pub post: Vec<String>,
    pub params: Vec<PgType>,
    pub columns: Vec<OutColumn>,
    pub returns_rows: bool,
    pub tag: Tag,
    pub access: Access,
    /// Sequences whose values the statement may draw (nextval defaults).
    pub sequences: Vec<QualifiedName>,
    pub notices: Vec<Notice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyDirection {
    /// COPY ... FROM STDIN
    In,
    /// COPY ... TO STDOUT
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    Text,
    Csv,
    Binary,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CopyPlan {
    pub direction: CopyDirection,
    pub format: CopyFormat,
    pub delimiter: char,
    pub null: String,
    pub header: bool,
    pub quote: char,
    /// COPY FROM: the INSERT to run per row, with one `?N` per column.
    /// COPY TO: the SELECT whose rows are sent.
    pub sql: String,
    pub columns: Vec<OutColumn>,
}
