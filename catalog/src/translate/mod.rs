//! Translation of PostgreSQL SQL into SQLite SQL.
//!
//! The parser (sqlparser, PostgreSQL dialect) gives an AST; the translator
//! walks it with the schema in hand and writes SQLite SQL text, inferring the
//! PostgreSQL type of every expression on the way. Types drive the output:
//! parameter types for Describe, result column OIDs, exact numeric
//! arithmetic, literal coercion at translation time. A construct the walker
//! does not know is an error naming it (0A000), never a guess.

mod aggregate;
mod alter;
mod catalog_fn;
mod compare;
mod cte;
mod ddl;
pub(crate) mod deparse;
mod dml;
mod error;
mod expr;
mod expr_forms;
mod func;
mod grouping;
mod operators;
mod plan;
mod query;
mod scope;
mod sqltext;
mod table_fn;
mod table_model;
mod utility;

pub use error::TranslateError;
pub use plan::{FOREIGN_KEYS_OFF, FOREIGN_KEYS_ON, Access, CopyDirection, CopyFormat, CopyPlan, Notice, OutColumn, Plan, Prepared, SetValue, SqlPlan, Tag, TxnMode};

use crate::schema::Schema;
use crate::types::PgType;
use crate::value::FormatOptions;
use sqlparser::ast::Statement;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::{Parser, ParserError};

/// What a translation needs to know about the session.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub schema: &'a Schema,
    pub search_path: &'a [String],
    pub format: &'a FormatOptions,
    /// Parameter types the client declared in Parse (None = let the server infer).
    pub param_hints: &'a [Option<PgType>],
    pub current_user: &'a str,
    pub database: &'a str,
    /// Every database of the node (pg_database).
    pub databases: &'a [String],
}

/// Statements the SQL parser cannot read, recognised before it.
fn pre_parse(sql: &str) -> Option<Result<Vec<Plan>, TranslateError>> {
    let trimmed = sql.trim().trim_end_matches(';').trim();
    let lower = trimmed.to_ascii_lowercase();
    let first = lower.split_whitespace().next().unwrap_or("");
    match first {
        "" => Some(Ok(vec![Plan::Empty])),
        "vacuum" => Some(Ok(vec![Plan::Vacuum])),
        "analyze" | "analyse" => Some(Ok(vec![Plan::Analyze])),
        "do" => Some(Err(TranslateError::Unsupported("DO blocks (anonymous PL/pgSQL code)".into()))),
        "checkpoint" => Some(Ok(vec![Plan::Checkpoint])),
        "create" | "drop" if lower.split_whitespace().nth(1) == Some("database") => Some(database_statement(trimmed).map(|p| vec![p])),
        _ => None,
    }
}

/// A statement of a query string: already planned (recognised before the
/// parser) or parsed and waiting to be translated against the schema as it
/// is when the statement runs.
#[derive(Debug, Clone)]
pub enum Unit {
    Planned(Plan),
    Parsed(Box<Statement>),
}

impl Unit {
    /// The statement as SQL text (to run it elsewhere), when it was parsed.
    pub fn text(&self) -> Option<String> {
        match self {
            Unit::Parsed(s) => Some(s.to_string()),
            Unit::Planned(_) => None,
        }
    }

    pub fn plan(&self, ctx: &Context<'_>) -> Result<Plan, TranslateError> {
        match self {
            Unit::Planned(p) => Ok(p.clone()),
            Unit::Parsed(s) => translate_statement(s, ctx),
        }
    }
}

/// COPY's option list takes PostgreSQL booleans (`freeze on`) that the
/// parser only knows as true/false.
fn normalize_copy_options(sql: &str) -> Option<String> {
    let lower = sql.to_ascii_lowercase();
    if !lower.trim_start().starts_with("copy") {
        return None;
    }
    let open = lower.rfind("with (").or_else(|| lower.rfind("with("))?;
    let start = lower[open..].find('(')? + open;
    let end = lower[start..].find(')')? + start;
    let options: Vec<String> = sql[start + 1..end]
        .split(',')
        .map(|opt| {
            let words: Vec<&str> = opt.split_whitespace().collect();
            match words.as_slice() {
                [name, v] if v.eq_ignore_ascii_case("on") || *v == "1" => format!("{name} true"),
                [name, v] if v.eq_ignore_ascii_case("off") || *v == "0" => format!("{name} false"),
                _ => opt.trim().to_string(),
            }
        })
        .collect();
    Some(format!("{}({}){}", &sql[..start], options.join(", "), &sql[end + 1..]))
}

/// PostgreSQL takes CREATE SEQUENCE options in any order; the parser wants
/// INCREMENT, MINVALUE, MAXVALUE, START, CACHE, CYCLE. Reorders them.
fn normalize_sequence_options(sql: &str) -> Option<String> {
    let words: Vec<&str> = sql.trim().trim_end_matches(';').split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let head = match lower.as_slice() {
        [c, s, ..] if c == "create" && s == "sequence" => 2,
        [c, t, s, ..] if c == "create" && (t == "temp" || t == "temporary") && s == "sequence" => 3,
        _ => return None,
    };
    let mut i = head;
    if lower.get(i).map(String::as_str) == Some("if") {
        i += 3;
    }
    i += 1; // the name
    let mut groups: Vec<(usize, String)> = Vec::new();
    while i < words.len() {
        let w = lower[i].as_str();
        let next = |n: usize| words.get(i + n).copied().unwrap_or("");
        let (rank, text, used) = match w {
            "as" => (0, format!("AS {}", next(1)), 2),
            "increment" if lower.get(i + 1).map(String::as_str) == Some("by") => (1, format!("INCREMENT BY {}", next(2)), 3),
            "increment" => (1, format!("INCREMENT BY {}", next(1)), 2),
            "minvalue" => (2, format!("MINVALUE {}", next(1)), 2),
            "maxvalue" => (3, format!("MAXVALUE {}", next(1)), 2),
            "no" if lower.get(i + 1).map(String::as_str) == Some("cycle") => (6, "NO CYCLE".to_string(), 2),
            "no" => (if lower.get(i + 1).map(String::as_str) == Some("minvalue") { 2 } else { 3 }, format!("NO {}", next(1)), 2),
            "start" if lower.get(i + 1).map(String::as_str) == Some("with") => (4, format!("START WITH {}", next(2)), 3),
            "start" => (4, format!("START WITH {}", next(1)), 2),
            "cache" => (5, format!("CACHE {}", next(1)), 2),
            "cycle" => (6, "CYCLE".to_string(), 1),
            "owned" => (7, format!("OWNED BY {}", next(2)), 3),
            _ => return None,
        };
        groups.push((rank, text));
        i += used;
    }
    groups.sort_by_key(|g| g.0);
    let name_end = {
        let mut j = head;
        if lower.get(j).map(String::as_str) == Some("if") {
            j += 3;
        }
        j + 1
    };
    let mut out = words[..name_end].join(" ");
    for (_, g) in groups {
        out.push(' ');
        out.push_str(&g);
    }
    Some(out)
}

/// One identifier as PostgreSQL reads it: quoted keeps case, bare folds to lower case.
fn take_ident(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('"') {
        let end = rest.find('"')?;
        return Some((rest[..end].to_string(), &rest[end + 1..]));
    }
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')).unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    Some((s[..end].to_lowercase(), &s[end..]))
}

/// `CREATE DATABASE name [options]` and `DROP DATABASE [IF EXISTS] name [[WITH] (FORCE)]`.
fn database_statement(sql: &str) -> Result<Plan, TranslateError> {
    let bad = || TranslateError::Syntax(format!("cannot parse \"{}\"", sql.chars().take(80).collect::<String>()));
    let lower = sql.to_ascii_lowercase();
    if lower.starts_with("create") {
        let rest = &sql[lower.find("database").ok_or_else(bad)? + "database".len()..];
        let (name, tail) = take_ident(rest).ok_or_else(bad)?;
        let tail = tail.trim().to_ascii_lowercase();
        // Encoding/locale/template options are accepted: every database is UTF8 with C collation.
        if !(tail.is_empty() || tail.starts_with("with") || tail.starts_with("owner") || tail.starts_with("template") || tail.starts_with("encoding") || tail.starts_with("locale") || tail.starts_with("lc_") || tail.starts_with("connection")) {
            return Err(bad());
        }
        return Ok(Plan::CreateDatabase(name));
    }
    let mut rest = &sql[lower.find("database").ok_or_else(bad)? + "database".len()..];
    let mut if_exists = false;
    let probe = rest.trim_start().to_ascii_lowercase();
    if probe.starts_with("if exists") {
        if_exists = true;
        let start = rest.to_ascii_lowercase().find("exists").ok_or_else(bad)? + "exists".len();
        rest = &rest[start..];
    }
    let (name, tail) = take_ident(rest).ok_or_else(bad)?;
    let tail = tail.trim().to_ascii_lowercase().replace(' ', "");
    let force = match tail.as_str() {
        "" => false,
        "(force)" | "with(force)" => true,
        _ => return Err(bad()),
    };
    Ok(Plan::DropDatabase { name, if_exists, force })
}

/// Splits a query string into its statements.
pub fn split(sql: &str) -> Result<Vec<Unit>, TranslateError> {
    if let Some(done) = pre_parse(sql) {
        return done.map(|plans| plans.into_iter().map(Unit::Planned).collect());
    }
    let normalized = normalize_copy_options(sql).or_else(|| normalize_sequence_options(sql));
    let statements = parse(normalized.as_deref().unwrap_or(sql))?;
    if statements.is_empty() {
        return Ok(vec![Unit::Planned(Plan::Empty)]);
    }
    Ok(statements.into_iter().map(|s| Unit::Parsed(Box::new(s))).collect())
}

/// Splits a query string into its statements and translates each against one schema.
pub fn translate(sql: &str, ctx: &Context<'_>) -> Result<Vec<Plan>, TranslateError> {
    split(sql)?.iter().map(|u| u.plan(ctx)).collect()
}

pub fn parse(sql: &str) -> Result<Vec<Statement>, TranslateError> {
    Parser::new(&PostgreSqlDialect {})
        .with_recursion_limit(200)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| match e {
            ParserError::RecursionLimitExceeded => TranslateError::TooComplex,
            ParserError::TokenizerError(m) | ParserError::ParserError(m) => TranslateError::Syntax(m),
        })
}

/// Translates one parsed statement.
pub fn translate_statement(stmt: &Statement, ctx: &Context<'_>) -> Result<Plan, TranslateError> {
    if let Some(plan) = utility::translate(stmt, ctx)? {
        return Ok(plan);
    }
    if let Some(plan) = ddl::translate(stmt, ctx)? {
        return Ok(plan);
    }
    let mut t = expr::Translator::new(ctx);
    let sql = match stmt {
        Statement::Query(q) => {
            let (sql, columns) = t.query(q, None)?;
            let access = if q.locks.is_empty() { Access::Read } else { Access::Write };
            return Ok(Plan::Sql(t.finish(sql, columns, Tag::Select, access)));
        }
        Statement::Insert(ins) => dml::insert(&mut t, ins)?,
        Statement::Update(upd) => dml::update(&mut t, upd)?,
        Statement::Delete(del) => dml::delete(&mut t, del)?,
        other => return Err(TranslateError::Unsupported(statement_name(other))),
    };
    Ok(Plan::Sql(sql))
}

/// A statement's name for "not supported" messages: its first words.
pub(crate) fn statement_name(stmt: &Statement) -> String {
    let text = stmt.to_string();
    let words: Vec<&str> = text.split_whitespace().take(3).collect();
    words.join(" ")
}

#[cfg(test)]
mod tests;
