//! Session and transaction statements: BEGIN/COMMIT/ROLLBACK, savepoints,
//! SET/SHOW/RESET, DISCARD, DEALLOCATE, COPY, and statements accepted as no-ops.

use super::expr::{fold, object_name_parts, Translator};
use super::plan::{CopyDirection, CopyFormat, CopyPlan, OutColumn, Plan, SetValue, TxnMode};
use super::sqltext::ident;
use super::{Context, TranslateError};
use crate::types::PgType;
use sqlparser::ast::{
    ContextModifier, CopyLegacyOption, CopyOption, CopySource, CopyTarget, DiscardObject, Expr, Set, Statement, TransactionAccessMode,
    TransactionIsolationLevel, TransactionMode, Value as AstValue,
};

fn modes(list: &[TransactionMode]) -> TxnMode {
    let mut m = TxnMode::default();
    for mode in list {
        match mode {
            TransactionMode::AccessMode(TransactionAccessMode::ReadOnly) => m.read_only = Some(true),
            TransactionMode::AccessMode(TransactionAccessMode::ReadWrite) => m.read_only = Some(false),
            TransactionMode::IsolationLevel(level) => {
                m.isolation = Some(
                    match level {
                        TransactionIsolationLevel::ReadUncommitted => "read uncommitted",
                        TransactionIsolationLevel::ReadCommitted => "read committed",
                        TransactionIsolationLevel::RepeatableRead => "repeatable read",
                        TransactionIsolationLevel::Serializable | TransactionIsolationLevel::Snapshot => "serializable",
                    }
                    .to_string(),
                )
            }
        }
    }
    m
}

/// A SET value as PostgreSQL's GUC machinery sees it: identifiers and
/// literals become their text; lists are joined with ", ".
fn set_value_text(values: &[Expr]) -> Result<SetValue, TranslateError> {
    let mut parts = Vec::new();
    for v in values {
        let text = match v {
            Expr::Value(v) => match &v.value {
                AstValue::SingleQuotedString(s) | AstValue::EscapedStringLiteral(s) => s.clone(),
                AstValue::Number(n, _) => n.to_string(),
                AstValue::Boolean(b) => if *b { "on" } else { "off" }.to_string(),
                other => other.to_string(),
            },
            Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default") => return Ok(SetValue::Default),
            Expr::Identifier(id) => fold(id),
            Expr::CompoundIdentifier(ids) => ids.iter().map(fold).collect::<Vec<_>>().join("."),
            Expr::UnaryOp { op: sqlparser::ast::UnaryOperator::Minus, expr } => format!("-{}", set_value_text(std::slice::from_ref(expr))?.text()),
            other => other.to_string(),
        };
        parts.push(text);
    }
    Ok(SetValue::Value(parts.join(", ")))
}

impl SetValue {
    pub fn text(&self) -> String {
        match self {
            SetValue::Default => "DEFAULT".into(),
            SetValue::Value(v) => v.clone(),
        }
    }
}

/// Translates statements that are not SQL for SQLite; None for the rest.
pub fn translate(stmt: &Statement, ctx: &Context<'_>) -> Result<Option<Plan>, TranslateError> {
    Ok(Some(match stmt {
        Statement::StartTransaction { modes: m, statements, exception, begin, .. } => {
            if !statements.is_empty() || exception.is_some() {
                return Err(TranslateError::Unsupported("BEGIN ... END blocks".into()));
            }
            Plan::Begin(TxnMode { start_transaction: !*begin, ..modes(m) })
        }
        Statement::Commit { chain: false, .. } => Plan::Commit,
        Statement::Rollback { chain: false, savepoint: None } => Plan::Rollback,
        Statement::Rollback { savepoint: Some(sp), .. } => Plan::RollbackTo(fold(sp)),
        Statement::Commit { chain: true, .. } | Statement::Rollback { chain: true, .. } => {
            return Err(TranslateError::Unsupported("AND CHAIN".into()))
        }
        Statement::Savepoint { name } => Plan::Savepoint(fold(name)),
        Statement::ReleaseSavepoint { name } => Plan::Release(fold(name)),
        Statement::Set(set) => match set {
            Set::SingleAssignment { scope, variable, values, .. } => {
                let name = object_name_parts(variable).join(".");
                Plan::Set { name, value: set_value_text(values)?, local: matches!(scope, Some(ContextModifier::Local)) }
            }
            Set::SetTimeZone { local, value } => {
                Plan::Set { name: "timezone".into(), value: set_value_text(std::slice::from_ref(value))?, local: *local }
            }
            Set::SetNames { charset_name, .. } => Plan::Set { name: "client_encoding".into(), value: SetValue::Value(charset_name.value.clone()), local: false },
            Set::SetNamesDefault {} => Plan::Set { name: "client_encoding".into(), value: SetValue::Default, local: false },
            Set::SetTransaction { modes: m, session, .. } => {
                if *session {
                    let m = modes(m);
                    match (m.read_only, m.isolation) {
                        (Some(ro), _) => Plan::Set { name: "default_transaction_read_only".into(), value: SetValue::Value(if ro { "on" } else { "off" }.into()), local: false },
                        (None, Some(iso)) => Plan::Set { name: "default_transaction_isolation".into(), value: SetValue::Value(iso), local: false },
                        (None, None) => Plan::Noop("SET"),
                    }
                } else {
                    Plan::SetTransaction(modes(m))
                }
            }
            Set::SetRole { .. } | Set::SetSessionAuthorization(_) => Plan::Noop("SET"),
            Set::MultipleAssignments { assignments } => {
                let [a] = assignments.as_slice() else {
                    return Err(TranslateError::Unsupported("SET of several variables".into()));
                };
                Plan::Set {
                    name: object_name_parts(&a.name).join("."),
                    value: set_value_text(std::slice::from_ref(&a.value))?,
                    local: matches!(a.scope, Some(ContextModifier::Local)),
                }
            }
            other => return Err(TranslateError::Unsupported(format!("{other}"))),
        },
        Statement::ShowVariable { variable } => {
            // The parser drops the dot of `SHOW a.b`: only these names are several words.
            let words: Vec<String> = variable.iter().map(fold).collect();
            let multiword = matches!(words.first().map(String::as_str), Some("time" | "transaction" | "session"));
            let name = words.join(if multiword { " " } else { "." });
            let name = match name.as_str() {
                "time zone" => "timezone".to_string(),
                "transaction isolation level" => "transaction_isolation".to_string(),
                _ => name.replace(' ', "_"),
            };
            Plan::Show(name)
        }
        Statement::Reset(r) => match &r.reset {
            sqlparser::ast::Reset::ALL => Plan::Reset(None),
            sqlparser::ast::Reset::ConfigurationParameter(name) => Plan::Reset(Some(object_name_parts(name).join("."))),
            other => return Err(TranslateError::Unsupported(format!("RESET {other:?}"))),
        },
        Statement::Discard { object_type } => match object_type {
            DiscardObject::ALL => Plan::DiscardAll,
            DiscardObject::PLANS | DiscardObject::SEQUENCES | DiscardObject::TEMP => Plan::Noop("DISCARD"),
        },
        Statement::Prepare { name, data_types, statement } => {
            Plan::Prepare(Box::new(super::plan::Prepared { name: fold(name), types: data_types.clone(), statement: (**statement).clone() }))
        }
        Statement::Execute { name: Some(name), parameters, immediate: false, .. } => {
            Plan::Execute { name: super::expr::object_name_parts(name).join("."), args: parameters.clone() }
        }
        Statement::Deallocate { name, .. } => {
            let n = fold(name);
            Plan::Deallocate(if n == "all" { None } else { Some(n) })
        }
        Statement::Copy { source, to, target, options, legacy_options, values } => {
            if !values.is_empty() {
                return Err(TranslateError::Unsupported("COPY with inline data".into()));
            }
            Plan::Copy(copy(ctx, source, *to, target, options, legacy_options)?)
        }
        Statement::Comment { .. } => return super::ddl::translate(stmt, ctx),
        Statement::CreateDatabase { db_name, .. } => Plan::CreateDatabase(object_name_parts(db_name).join(".")),
        Statement::Drop { object_type: sqlparser::ast::ObjectType::Database, if_exists, names, .. } => {
            let [name] = names.as_slice() else {
                return Err(TranslateError::Syntax("DROP DATABASE takes one name".into()));
            };
            Plan::DropDatabase { name: object_name_parts(name).join("."), if_exists: *if_exists, force: false }
        }
        Statement::LISTEN { .. } => Plan::Noop("LISTEN"),
        Statement::UNLISTEN { .. } => Plan::Noop("UNLISTEN"),
        Statement::NOTIFY { .. } => Plan::Noop("NOTIFY"),
        Statement::Lock(_) | Statement::LockTables { .. } => Plan::Noop("LOCK TABLE"),
        _ => return Ok(None),
    }))
}

fn copy(
    ctx: &Context<'_>,
    source: &CopySource,
    to: bool,
    target: &CopyTarget,
    options: &[CopyOption],
    legacy: &[CopyLegacyOption],
) -> Result<CopyPlan, TranslateError> {
    let direction = match (to, target) {
        (false, CopyTarget::Stdin) => CopyDirection::In,
        (true, CopyTarget::Stdout) => CopyDirection::Out,
        _ => return Err(TranslateError::Unsupported("COPY to or from a server file or program (use STDIN/STDOUT)".into())),
    };
    let mut format = CopyFormat::Text;
    let mut delimiter = None;
    let mut null = None;
    let mut header = false;
    let mut quote = '"';
    for o in options {
        match o {
            CopyOption::Format(f) => {
                format = match f.value.to_lowercase().as_str() {
                    "text" => CopyFormat::Text,
                    "csv" => CopyFormat::Csv,
                    "binary" => CopyFormat::Binary,
                    other => return Err(TranslateError::InvalidParameterValue(format!("COPY format \"{other}\" not recognized"))),
                }
            }
            CopyOption::Delimiter(c) => delimiter = Some(*c),
            CopyOption::Null(n) => null = Some(n.clone()),
            CopyOption::Header(h) => header = *h,
            CopyOption::Quote(q) => quote = *q,
            CopyOption::Freeze(_) => {}
            other => return Err(TranslateError::Unsupported(format!("COPY option {other}"))),
        }
    }
    for o in legacy {
        match o {
            CopyLegacyOption::Binary => format = CopyFormat::Binary,
            CopyLegacyOption::Delimiter(c) => delimiter = Some(*c),
            CopyLegacyOption::Null(n) => null = Some(n.clone()),
            CopyLegacyOption::Csv(_) => format = CopyFormat::Csv,
            CopyLegacyOption::Header => header = true,
            other => return Err(TranslateError::Unsupported(format!("COPY option {other}"))),
        }
    }
    let (def_delim, def_null) = if format == CopyFormat::Csv { (',', "") } else { ('\t', "\\N") };
    let mut plan = CopyPlan {
        direction,
        format,
        delimiter: delimiter.unwrap_or(def_delim),
        null: null.unwrap_or_else(|| def_null.to_string()),
        header,
        quote,
        sql: String::new(),
        columns: Vec::new(),
    };
    match source {
        CopySource::Table { table_name, columns } => {
            let parts = object_name_parts(table_name);
            let (schema, name) = match parts.as_slice() {
                [n] => (None, n.as_str()),
                [s, n] => (Some(s.as_str()), n.as_str()),
                _ => return Err(TranslateError::Syntax(format!("improper relation name {table_name}"))),
            };
            let rel = ctx.schema.lookup(schema, name, ctx.search_path).ok_or_else(|| TranslateError::UndefinedTable(parts.join(".")))?;
            let cols: Vec<String> = if columns.is_empty() { rel.columns.iter().map(|c| c.name.clone()).collect() } else { columns.iter().map(fold).collect() };
            for c in &cols {
                let col = rel.column(c).ok_or_else(|| TranslateError::UndefinedColumn(format!("{c}\" of relation \"{}", rel.name.name)))?;
                plan.columns.push(OutColumn { name: c.clone(), ty: col.ty.clone(), table_oid: rel.oid, attnum: col.attnum as i16 });
            }
            let quoted: Vec<String> = cols.iter().map(|c| ident(c)).collect();
            plan.sql = match direction {
                CopyDirection::In => {
                    let mut params: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                    let mut names = quoted.clone();
                    let mut t = Translator::new(ctx);
                    for (name, sql) in super::dml::default_columns(&mut t, rel, &cols)? {
                        names.push(ident(&name));
                        params.push(sql);
                    }
                    format!("INSERT INTO {} ({}) VALUES ({})", ident(&rel.sqlite_name), names.join(", "), params.join(", "))
                }
                CopyDirection::Out => format!("SELECT {} FROM {}", quoted.join(", "), ident(&rel.sqlite_name)),
            };
        }
        CopySource::Query(q) => {
            if direction == CopyDirection::In {
                return Err(TranslateError::Syntax("COPY query FROM is not valid".into()));
            }
            let mut t = Translator::new(ctx);
            let (sql, cols) = t.query(q, None)?;
            plan.sql = sql;
            plan.columns = cols;
        }
    }
    if plan.columns.iter().any(|c| c.ty == PgType::UNKNOWN) {
        return Err(TranslateError::Unsupported("COPY of untyped columns".into()));
    }
    Ok(plan)
}
