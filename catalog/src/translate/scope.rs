//! Name resolution: which relations a query level can see and what their
//! columns are called and typed.

use super::sqltext::ident;
use super::TranslateError;
use crate::types::PgType;

/// A column visible through a FROM item.
#[derive(Debug, Clone)]
pub struct ScopeColumn {
    pub name: String,
    pub ty: PgType,
    pub table_oid: u32,
    pub attnum: i16,
    /// SQL standing for the column itself (a LATERAL subquery's computed value).
    pub expr: Option<String>,
}

/// A FROM item: its name in the query and in the SQLite text, and its columns.
#[derive(Debug, Clone)]
pub struct ScopeRel {
    /// The relation's OID when it is a table or catalog relation (0 otherwise):
    /// the value of its `tableoid` system column.
    pub oid: u32,
    /// The name the query uses (alias or table name).
    pub name: String,
    /// The schema the relation was named with, for `schema.table.column`.
    pub schema: Option<String>,
    pub sql_alias: String,
    pub columns: Vec<ScopeColumn>,
}

/// One query level; outer levels are searched for correlated references.
#[derive(Debug, Clone, Default)]
pub struct Level {
    pub rels: Vec<ScopeRel>,
    /// Output column names (for ORDER BY alias references).
    pub outputs: Vec<String>,
    /// Set-returning functions used in the select list (`unnest(arr)`): the
    /// array's SQL and the alias of the `json_each` joined for it.
    pub srf: Vec<(String, String)>,
}

/// A resolved column reference.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub sql: String,
    pub column: ScopeColumn,
}

#[derive(Debug, Clone, Default)]
pub struct Scopes {
    pub levels: Vec<Level>,
}

impl Scopes {
    pub fn push(&mut self) {
        self.levels.push(Level::default());
    }

    pub fn pop(&mut self) -> Level {
        self.levels.pop().unwrap_or_default()
    }

    pub fn current(&mut self) -> &mut Level {
        if self.levels.is_empty() {
            self.levels.push(Level::default());
        }
        let n = self.levels.len() - 1;
        &mut self.levels[n]
    }

    pub fn add(&mut self, rel: ScopeRel) {
        self.current().rels.push(rel);
    }

    /// Resolves `col`, `rel.col` or `schema.rel.col`, innermost level first.
    pub fn resolve(&self, qualifier: &[String], column: &str) -> Result<Resolved, TranslateError> {
        for level in self.levels.iter().rev() {
            let mut found: Option<Resolved> = None;
            for rel in &level.rels {
                let matches_rel = match qualifier {
                    [] => true,
                    [r] => rel.name == *r,
                    [s, r] => rel.name == *r && rel.schema.as_deref().is_none_or(|rs| rs == s),
                    _ => false,
                };
                if !matches_rel {
                    continue;
                }
                if let Some(c) = rel.columns.iter().find(|c| c.name == column) {
                    if found.is_some() {
                        return Err(TranslateError::AmbiguousColumn(column.to_string()));
                    }
                    let sql = match &c.expr {
                        Some(e) => format!("({e})"),
                        None if rel.sql_alias.is_empty() => ident(column),
                        None => format!("{}.{}", ident(&rel.sql_alias), ident(column)),
                    };
                    found = Some(Resolved { sql, column: c.clone() });
                }
            }
            if let Some(r) = found {
                return Ok(r);
            }
            // The `tableoid` system column: which relation a row came from.
            if column == "tableoid" {
                if let Some(rel) = level.rels.iter().find(|r| r.oid != 0 && qualifier.last().is_none_or(|q| r.name == *q)) {
                    let column = ScopeColumn { name: column.into(), ty: crate::types::PgType::OID, table_oid: 0, attnum: 0, expr: None };
                    return Ok(Resolved { sql: rel.oid.to_string(), column });
                }
            }
        }
        let shown = if qualifier.is_empty() { column.to_string() } else { format!("{}.{}", qualifier.join("."), column) };
        if let Some(q) = qualifier.last() {
            if !self.levels.iter().any(|l| l.rels.iter().any(|r| r.name == *q)) {
                return Err(TranslateError::Syntax(format!("missing FROM-clause entry for table \"{q}\"")));
            }
        }
        Err(TranslateError::UndefinedColumn(shown))
    }

    /// The relation named `name` in any level (for `t.*`).
    pub fn relation(&self, name: &str) -> Option<&ScopeRel> {
        self.levels.iter().rev().find_map(|l| l.rels.iter().find(|r| r.name == name))
    }
}
