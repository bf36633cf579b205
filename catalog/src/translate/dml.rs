//! INSERT (VALUES, SELECT, DEFAULT VALUES, ON CONFLICT), UPDATE (with FROM),
//! DELETE (with USING), each with RETURNING.

use super::expr::{fold, object_name_parts, same_representation, TExpr, Translator};
use super::plan::{Access, OutColumn, SqlPlan, Tag};
use super::scope::{ScopeColumn, ScopeRel};
use super::sqltext::{ident, string};
use super::TranslateError;
use crate::schema::{ConstraintKind, Relation, RelKind};
use crate::types::PgType;
use sqlparser::ast::{
    AssignmentTarget, ConflictTarget, Delete, Expr, FromTable, Insert, OnConflictAction, OnInsert, ObjectName, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableFactor, TableObject, Update, UpdateTableFromKind,
};
use std::sync::Arc;

fn lookup(t: &Translator<'_>, name: &ObjectName) -> Result<Arc<Relation>, TranslateError> {
    let parts = object_name_parts(name);
    let (schema, rel) = match parts.as_slice() {
        [n] => (None, n.as_str()),
        [s, n] => (Some(s.as_str()), n.as_str()),
        [_, s, n] => (Some(s.as_str()), n.as_str()),
        _ => return Err(TranslateError::Syntax(format!("improper relation name {name}"))),
    };
    let r = t.ctx.schema.lookup(schema, rel, t.ctx.search_path).cloned().ok_or_else(|| TranslateError::UndefinedTable(parts.join(".")))?;
    if r.kind != RelKind::Table {
        return Err(TranslateError::Unsupported(format!("changing \"{}\" (not a table)", r.name.name)));
    }
    Ok(r)
}

/// The target table as a scope entry. `sql_alias` empty means columns are written unqualified.
fn target_scope(rel: &Relation, name: &str, sql_alias: &str) -> ScopeRel {
    ScopeRel {
        oid: 0,
        name: name.to_string(),
        schema: Some(rel.name.schema.clone()),
        sql_alias: sql_alias.to_string(),
        columns: rel.columns.iter().map(|c| ScopeColumn { name: c.name.clone(), ty: c.ty.clone(), table_oid: rel.oid, attnum: c.attnum as i16, expr: None }).collect(),
    }
}

/// The SQL of a column's default (for an explicit DEFAULT in a multi-row VALUES).
fn default_sql(t: &mut Translator<'_>, rel: &Relation, col: &str) -> Result<String, TranslateError> {
    let Some(c) = rel.column(col) else { return Ok("NULL".into()) };
    let Some(text) = &c.default else { return Ok("NULL".into()) };
    let e = super::ddl::parse_expr(text)?;
    let v = t.expr(&e)?;
    Ok(t.coerce(v, &c.ty)?.sql)
}

/// Renders RETURNING against the modified table.
/// RETURNING of an UPDATE ... FROM or DELETE ... USING. SQLite evaluates it
/// on the target's row alone and knows no alias there, so the target's
/// columns are written unqualified (PostgreSQL's `RETURNING x.id` for
/// `UPDATE t AS x` included).
fn target_returning(t: &mut Translator<'_>, rel: &Relation, name: &str, items: &Option<Vec<SelectItem>>) -> Result<(String, Vec<OutColumn>), TranslateError> {
    t.scopes.push();
    t.scopes.add(target_scope(rel, name, ""));
    let r = returning(t, items);
    t.scopes.pop();
    r
}

fn returning(t: &mut Translator<'_>, items: &Option<Vec<SelectItem>>) -> Result<(String, Vec<OutColumn>), TranslateError> {
    let Some(items) = items else { return Ok((String::new(), Vec::new())) };
    let mut exprs: Vec<TExpr> = Vec::new();
    for item in items {
        match item {
            SelectItem::UnnamedExpr(e) => exprs.push(t.expr(e)?),
            SelectItem::ExprWithAlias { expr, alias } => {
                let x = t.expr(expr)?;
                exprs.push(TExpr { name: fold(alias), ..x });
            }
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(_), _) => {
                let rels = t.scopes.current().rels.clone();
                if let Some(rel) = rels.first() {
                    for c in &rel.columns {
                        let sql = if rel.sql_alias.is_empty() { ident(&c.name) } else { format!("{}.{}", ident(&rel.sql_alias), ident(&c.name)) };
                        let mut x = TExpr::new(sql, c.ty.clone()).named(c.name.clone());
                        x.origin = Some((c.table_oid, c.attnum));
                        exprs.push(x);
                    }
                }
            }
            other => return Err(TranslateError::Unsupported(format!("RETURNING item {other}"))),
        }
    }
    let mut cols = Vec::new();
    let mut parts = Vec::new();
    for x in exprs {
        let x = if x.ty.is_unknown() { t.coerce(x, &PgType::TEXT)? } else { x };
        parts.push(format!("{} AS {}", x.sql, ident(&x.name)));
        cols.push(OutColumn { name: x.name.clone(), ty: x.ty.clone(), table_oid: x.origin.map(|o| o.0).unwrap_or(0), attnum: x.origin.map(|o| o.1).unwrap_or(0) });
    }
    Ok((format!(" RETURNING {}", parts.join(", ")), cols))
}

fn dml_plan(t: Translator<'_>, sql: String, cols: Vec<OutColumn>, tag: Tag) -> SqlPlan {
    let returns_rows = !cols.is_empty();
    let mut plan = t.finish(sql, cols, tag, Access::Write);
    plan.returns_rows = returns_rows;
    plan
}

pub fn insert(t: &mut Translator<'_>, ins: &Insert) -> Result<SqlPlan, TranslateError> {
    let TableObject::TableName(name) = &ins.table else {
        return Err(TranslateError::Unsupported("INSERT INTO a table function".into()));
    };
    if ins.or.is_some() || ins.ignore || ins.overwrite || ins.partitioned.is_some() || !ins.assignments.is_empty() || ins.replace_into {
        return Err(TranslateError::Unsupported("this INSERT form".into()));
    }
    let rel = lookup(t, name)?;
    let alias = ins.table_alias.as_ref().map(|a| fold(&a.alias));
    let target_cols: Vec<String> = if ins.columns.is_empty() {
        rel.columns.iter().map(|c| c.name.clone()).collect()
    } else {
        ins.columns.iter().map(|c| object_name_parts(c).last().cloned().unwrap_or_default()).collect()
    };
    let mut target_types = Vec::with_capacity(target_cols.len());
    for c in &target_cols {
        let col = rel.column(c).ok_or_else(|| TranslateError::UndefinedColumn(format!("{c}\" of relation \"{}", rel.name.name)))?;
        target_types.push(col.ty.clone());
    }
    // Omitted columns get their defaults written into the statement, so a
    // sequence default is drawn for every row (even one an ON CONFLICT skips,
    // as in PostgreSQL) and SQLite's rowid never stands in for a sequence.
    let extra = default_columns(t, &rel, &target_cols)?;
    let extra_sql: Vec<&str> = extra.iter().map(|(_, s)| s.as_str()).collect();
    t.scopes.push();
    let source_sql = match ins.source.as_deref() {
        None => None,
        Some(q) => match q.body.as_ref() {
            SetExpr::Values(v) if q.with.is_none() && q.order_by.is_none() && q.limit_clause.is_none() => {
                let rows: Vec<Vec<Expr>> = v.rows.iter().map(|r| r.content.clone()).collect();
                let width = rows.first().map(|r| r.len()).unwrap_or(0);
                for r in &rows {
                    if r.len() > target_cols.len() {
                        return Err(TranslateError::Syntax("INSERT has more expressions than target columns".into()));
                    }
                    if r.len() != width {
                        return Err(TranslateError::Syntax("VALUES lists must all be the same length".into()));
                    }
                }
                let sql = values_rows(t, &rel, &rows, &target_cols[..width], &target_types[..width], &extra_sql)?;
                Some((sql, width))
            }
            _ => {
                let (sql, cols) = t.query(q, Some(&target_types))?;
                if cols.len() > target_cols.len() {
                    return Err(TranslateError::Syntax("INSERT has more expressions than target columns".into()));
                }
                let names: Vec<String> = (0..cols.len()).map(|i| format!("\"_lg_c{i}\"")).collect();
                let mut items: Vec<String> = cols
                    .iter()
                    .zip(&target_types)
                    .enumerate()
                    .map(|(i, (c, ty))| {
                        if c.ty == *ty || same_representation(&c.ty, ty) {
                            format!("\"_lg_c{i}\"")
                        } else {
                            format!("lg_cast(\"_lg_c{i}\", {}, {})", string(&c.ty.format_type()), string(&ty.format_type()))
                        }
                    })
                    .collect();
                items.extend(extra_sql.iter().map(|s| s.to_string()));
                // SQLite needs a WHERE before ON CONFLICT to parse an INSERT ... SELECT upsert.
                let sql = format!("WITH \"_lg_src\"({}) AS ({sql}) SELECT {} FROM \"_lg_src\" WHERE 1", names.join(", "), items.join(", "));
                Some((sql, cols.len()))
            }
        },
    };
    t.scopes.pop();

    // ON CONFLICT and RETURNING see the target table (and `excluded`).
    t.scopes.push();
    let scope_name = alias.clone().unwrap_or_else(|| rel.name.name.clone());
    t.scopes.add(target_scope(&rel, &scope_name, &scope_name));
    let on_conflict = match &ins.on {
        None => String::new(),
        Some(OnInsert::OnConflict(oc)) => {
            let target = match &oc.conflict_target {
                None => String::new(),
                Some(ConflictTarget::Columns(cols)) => format!(" ({})", cols.iter().map(|c| ident(&fold(c))).collect::<Vec<_>>().join(", ")),
                Some(ConflictTarget::OnConstraint(cn)) => {
                    let cname = object_name_parts(cn).last().cloned().unwrap_or_default();
                    let c = rel
                        .constraints
                        .iter()
                        .find(|c| c.name == cname && matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique))
                        .map(|c| c.columns.clone())
                        .or_else(|| rel.indexes.iter().find(|i| i.name == cname && i.unique).map(|i| i.columns.clone()))
                        .ok_or_else(|| TranslateError::UndefinedTable(format!("constraint \"{cname}\" for table \"{}\"", rel.name.name)))?;
                    format!(" ({})", c.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", "))
                }
            };
            match &oc.action {
                OnConflictAction::DoNothing => format!(" ON CONFLICT{target} DO NOTHING"),
                OnConflictAction::DoUpdate(du) => {
                    if target.is_empty() {
                        return Err(TranslateError::Syntax("ON CONFLICT DO UPDATE requires inference specification or constraint name".into()));
                    }
                    let mut excluded = target_scope(&rel, "excluded", "excluded");
                    excluded.schema = None;
                    t.scopes.add(excluded);
                    let sets = assignments(t, &rel, &du.assignments)?;
                    let cond = match &du.selection {
                        Some(w) => format!(" WHERE {}", t.expr_as(w, &PgType::BOOL)?.sql),
                        None => String::new(),
                    };
                    t.scopes.current().rels.pop();
                    format!(" ON CONFLICT{target} DO UPDATE SET {sets}{cond}")
                }
            }
        }
        Some(_) => return Err(TranslateError::Unsupported("ON DUPLICATE KEY UPDATE".into())),
    };
    let (ret, cols) = returning(t, &ins.returning)?;
    t.scopes.pop();

    let table = format!("{} AS {}", ident(&rel.sqlite_name), ident(&scope_name));
    let extra_names: Vec<String> = extra.iter().map(|(n, _)| ident(n)).collect();
    let sql = match source_sql {
        None if extra.is_empty() => format!("INSERT INTO {table} DEFAULT VALUES{on_conflict}{ret}"),
        None => format!("INSERT INTO {table} ({}) VALUES ({}){on_conflict}{ret}", extra_names.join(", "), extra_sql.join(", ")),
        Some((src, width)) => {
            let mut cols_sql: Vec<String> = target_cols[..width].iter().map(|c| ident(c)).collect();
            cols_sql.extend(extra_names);
            format!("INSERT INTO {table} ({}) {src}{on_conflict}{ret}", cols_sql.join(", "))
        }
    };
    // Inserting into a table whose defaults draw from sequences touches them.
    for c in &rel.columns {
        if let Some(d) = &c.default {
            if let Some(seq) = super::ddl::nextval_target(d) {
                if let Ok(qn) = super::func::resolve_sequence(t, &seq) {
                    t.sequences.push(qn);
                }
            }
        }
    }
    let ctx = t.ctx;
    let translator = std::mem::replace(t, Translator::new(ctx));
    Ok(dml_plan(translator, sql, cols, Tag::Insert))
}

/// The columns a statement leaves out that have defaults, with the default's SQL.
pub fn default_columns(t: &mut Translator<'_>, rel: &Relation, given: &[String]) -> Result<Vec<(String, String)>, TranslateError> {
    let mut out = Vec::new();
    for c in &rel.columns {
        if c.default.is_some() && !given.contains(&c.name) {
            out.push((c.name.clone(), default_sql(t, rel, &c.name)?));
        }
    }
    Ok(out)
}

/// VALUES rows coerced to the target columns, DEFAULT items replaced by the
/// column's default expression, and the omitted columns' defaults appended.
fn values_rows(t: &mut Translator<'_>, rel: &Relation, rows: &[Vec<Expr>], cols: &[String], types: &[PgType], extra: &[&str]) -> Result<String, TranslateError> {
    let mut out = Vec::new();
    for row in rows {
        let mut parts: Vec<String> = Vec::new();
        for (i, e) in row.iter().enumerate() {
            let is_default = matches!(e, Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"));
            if is_default {
                parts.push(default_sql(t, rel, &cols[i])?);
            } else {
                let x = t.expr_as(e, &types[i])?;
                parts.push(x.sql);
            }
        }
        parts.extend(extra.iter().map(|s| s.to_string()));
        out.push(format!("({})", parts.join(", ")));
    }
    Ok(format!("VALUES {}", out.join(", ")))
}

fn assignments(t: &mut Translator<'_>, rel: &Relation, list: &[sqlparser::ast::Assignment]) -> Result<String, TranslateError> {
    let mut sets = Vec::new();
    for a in list {
        let names: Vec<String> = match &a.target {
            AssignmentTarget::ColumnName(n) => vec![object_name_parts(n).last().cloned().unwrap_or_default()],
            AssignmentTarget::Tuple(ns) => ns.iter().map(|n| object_name_parts(n).last().cloned().unwrap_or_default()).collect(),
        };
        let values: Vec<Expr> = match (&a.target, &a.value) {
            (AssignmentTarget::Tuple(_), Expr::Tuple(items)) => items.clone(),
            (AssignmentTarget::Tuple(_), _) => return Err(TranslateError::Unsupported("SET (a, b) = (SELECT ...)".into())),
            _ => vec![a.value.clone()],
        };
        if names.len() != values.len() {
            return Err(TranslateError::Syntax("number of columns does not match number of values".into()));
        }
        for (n, v) in names.iter().zip(values.iter()) {
            let col = rel.column(n).ok_or_else(|| TranslateError::UndefinedColumn(format!("{n}\" of relation \"{}", rel.name.name)))?;
            let is_default = matches!(v, Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"));
            let sql = if is_default { default_sql(t, rel, n)? } else { t.expr_as(v, &col.ty)?.sql };
            sets.push(format!("{} = {sql}", ident(n)));
        }
    }
    Ok(sets.join(", "))
}

pub fn update(t: &mut Translator<'_>, upd: &Update) -> Result<SqlPlan, TranslateError> {
    if upd.or.is_some() || !upd.order_by.is_empty() || upd.limit.is_some() || !upd.table.joins.is_empty() {
        return Err(TranslateError::Unsupported("this UPDATE form".into()));
    }
    let TableFactor::Table { name, alias, .. } = &upd.table.relation else {
        return Err(TranslateError::Unsupported("UPDATE of a non-table".into()));
    };
    let only = super::expr::without_only(name, alias.as_ref());
    let (name, alias) = match &only {
        Some(n) => (n, &None),
        None => (name, alias),
    };
    let rel = lookup(t, name)?;
    let scope_name = alias.as_ref().map(|a| fold(&a.name)).unwrap_or_else(|| rel.name.name.clone());
    t.scopes.push();
    t.scopes.add(target_scope(&rel, &scope_name, &scope_name));
    let from_sql = match &upd.from {
        None => String::new(),
        Some(UpdateTableFromKind::AfterSet(items)) | Some(UpdateTableFromKind::BeforeSet(items)) => {
            let mut parts = Vec::new();
            for twj in items {
                parts.push(t.table_with_joins(twj)?);
            }
            format!(" FROM {}", parts.join(", "))
        }
    };
    let sets = assignments(t, &rel, &upd.assignments)?;
    let where_sql = match &upd.selection {
        Some(w) => format!(" WHERE {}", t.expr_as(w, &PgType::BOOL)?.sql),
        None => String::new(),
    };
    t.scopes.pop();
    let (ret, cols) = target_returning(t, &rel, &scope_name, &upd.returning)?;
    let sql = format!("UPDATE {} AS {} SET {sets}{from_sql}{where_sql}{ret}", ident(&rel.sqlite_name), ident(&scope_name));
    let ctx = t.ctx;
    let translator = std::mem::replace(t, Translator::new(ctx));
    Ok(dml_plan(translator, sql, cols, Tag::Update))
}

pub fn delete(t: &mut Translator<'_>, del: &Delete) -> Result<SqlPlan, TranslateError> {
    if !del.tables.is_empty() || !del.order_by.is_empty() || del.limit.is_some() {
        return Err(TranslateError::Unsupported("this DELETE form".into()));
    }
    let from = match &del.from {
        FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f) => f,
    };
    let [twj] = from.as_slice() else {
        return Err(TranslateError::Unsupported("DELETE from several tables".into()));
    };
    let TableFactor::Table { name, alias, .. } = &twj.relation else {
        return Err(TranslateError::Unsupported("DELETE from a non-table".into()));
    };
    let only = super::expr::without_only(name, alias.as_ref());
    let (name, alias) = match &only {
        Some(n) => (n, &None),
        None => (name, alias),
    };
    let rel = lookup(t, name)?;
    let scope_name = alias.as_ref().map(|a| fold(&a.name)).unwrap_or_else(|| rel.name.name.clone());
    let table = format!("{} AS {}", ident(&rel.sqlite_name), ident(&scope_name));
    t.scopes.push();
    t.scopes.add(target_scope(&rel, &scope_name, &scope_name));
    let sql = match &del.using {
        Some(using) => {
            // SQLite has no DELETE ... USING: select the victims' rowids with a join.
            let mut parts = Vec::new();
            for u in using {
                parts.push(t.table_with_joins(u)?);
            }
            let cond = match &del.selection {
                Some(w) => format!(" WHERE {}", t.expr_as(w, &PgType::BOOL)?.sql),
                None => String::new(),
            };
            t.scopes.pop();
            let (ret, cols) = target_returning(t, &rel, &scope_name, &del.returning)?;
            let sql = format!(
                "DELETE FROM {table} WHERE {a}.rowid IN (SELECT {a}.rowid FROM {table}, {}{cond}){ret}",
                parts.join(", "),
                a = ident(&scope_name)
            );
            let ctx = t.ctx;
    let translator = std::mem::replace(t, Translator::new(ctx));
            return Ok(dml_plan(translator, sql, cols, Tag::Delete));
        }
        None => {
            let cond = match &del.selection {
                Some(w) => format!(" WHERE {}", t.expr_as(w, &PgType::BOOL)?.sql),
                None => String::new(),
            };
            let (ret, cols) = returning(t, &del.returning)?;
            (format!("DELETE FROM {table}{cond}{ret}"), cols)
        }
    };
    t.scopes.pop();
    let ctx = t.ctx;
    let translator = std::mem::replace(t, Translator::new(ctx));
    Ok(dml_plan(translator, sql.0, sql.1, Tag::Delete))
}

