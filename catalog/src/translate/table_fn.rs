//! Set-returning functions in FROM: generate_series, unnest, the json
//! element and key functions, pg_partition_ancestors.

use super::expr::{fold, object_name_parts, wider, Translator};
use super::sqltext::{ident, string};
use super::TranslateError;
use crate::types::{PgType, Scalar};
use super::scope::{ScopeColumn, ScopeRel};
use super::func::need_args;
use sqlparser::ast::{FunctionArg, FunctionArgExpr, ObjectName, TableAlias, TableFunctionArgs};

/// Set-returning functions in FROM: generate_series, unnest, json(b)_array_elements(_text), json(b)_each(_text), json(b)_object_keys.
pub fn table_function(
    t: &mut Translator<'_>,
    name: &ObjectName,
    args: Option<&TableFunctionArgs>,
    alias: Option<&TableAlias>,
    with_ordinality: bool,
) -> Result<String, TranslateError> {
    let parts = object_name_parts(name);
    let fname = parts.last().cloned().unwrap_or_default();
    let mut exprs = Vec::new();
    for a in args.map(|a| a.args.as_slice()).unwrap_or(&[]) {
        match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => exprs.push(e.clone()),
            other => return Err(TranslateError::Unsupported(format!("function argument {other}"))),
        }
    }
    let alias_name = alias.map(|a| fold(&a.name)).unwrap_or_else(|| fname.clone());
    let sql_alias = alias_name.clone();
    // (sql producing the rows, columns)
    let (body, mut cols): (String, Vec<(String, PgType)>) = match fname.as_str() {
        "generate_series" => {
            need_args(&fname, &exprs, 2, 3)?;
            let a = t.expr(&exprs[0])?;
            let ty = if a.ty.is_unknown() { PgType::INT4 } else { a.ty.clone() };
            if matches!(ty.scalar, Scalar::Timestamp | Scalar::Timestamptz | Scalar::Date) {
                let ty = if ty.scalar == Scalar::Date { PgType::TIMESTAMPTZ } else { ty };
                let a = t.coerce(a, &ty)?;
                let b = t.expr_as(&exprs[1], &ty)?;
                let step = exprs.get(2).map(|s| t.expr_as(s, &PgType::INTERVAL)).transpose()?.ok_or_else(|| TranslateError::UndefinedFunction("generate_series(timestamp, timestamp)".into()))?;
                let tyname = string(&ty.format_type());
                // Up to `b` with a step forward, down to it with a step back:
                // the series always moves toward its end, or is empty.
                (
                    format!(
                        "WITH RECURSIVE _lg_p(s, up) AS (SELECT lg_series_step({s}), lg_ts_add({a}, {s}, 1, {tyname}) > {a}), \
                         _lg_s(v) AS (SELECT {a} UNION ALL SELECT lg_ts_add(v, s, 1, {tyname}) FROM _lg_s, _lg_p WHERE CASE WHEN up THEN lg_ts_add(v, s, 1, {tyname}) <= {b} ELSE lg_ts_add(v, s, 1, {tyname}) >= {b} END) \
                         SELECT v AS value FROM _lg_s, _lg_p WHERE CASE WHEN up THEN v <= {b} ELSE v >= {b} END",
                        a = a.sql,
                        b = b.sql,
                        s = step.sql
                    ),
                    vec![("generate_series".into(), ty)],
                )
            } else {
                let ty = if ty.is_integer() { ty } else { PgType::NUMERIC };
                let a = t.coerce(a, &ty)?;
                let b = t.expr_as(&exprs[1], &ty)?;
                let step = exprs.get(2).map(|s| t.expr_as(s, &ty)).transpose()?.map(|s| format!("lg_series_step({})", s.sql)).unwrap_or_else(|| "1".into());
                // The k-th value is a + k * step, for k from 0 while it has not
                // passed b (in the step's direction): SQLite's own series
                // counts down from its stop for a negative step, PostgreSQL's
                // from its start.
                let body = if ty.is_integer() {
                    format!("SELECT {a} + value * {step} AS value FROM generate_series(0, ({b} - {a}) / {step})", a = a.sql, b = b.sql)
                } else {
                    format!(
                        "SELECT lg_num_add({a}, lg_num_mul(value, {step})) AS value FROM generate_series(0, CAST(lg_num_floor(lg_num_div(lg_num_sub({b}, {a}), {step})) AS INTEGER))",
                        a = a.sql,
                        b = b.sql
                    )
                };
                (body, vec![("generate_series".into(), wider(&ty, &PgType::INT4))])
            }
        }
        "unnest" => {
            need_args(&fname, &exprs, 1, 1)?;
            let a = t.expr(&exprs[0])?;
            let a = if a.ty.array { a } else { t.coerce(a, &PgType::array_of(Scalar::Text))? };
            let elem = a.ty.element();
            (
                format!("SELECT lg_array_get({}, key + 1, {}) AS value, key + 1 AS ord FROM json_each({}) ORDER BY key", a.sql, string(&elem.format_type()), a.sql),
                vec![("unnest".into(), elem)],
            )
        }
        "generate_subscripts" => {
            // The subscripts of dimension 1 (litegres arrays have one), in
            // reverse when the third argument is true; int2vector counts from 0.
            need_args(&fname, &exprs, 2, 3)?;
            let a = t.expr(&exprs[0])?;
            if !a.ty.array {
                return Err(TranslateError::UndefinedFunction(format!("generate_subscripts({}, integer)", a.ty.format_type())));
            }
            let dim = t.expr_as(&exprs[1], &PgType::INT4)?;
            let reverse = exprs.get(2).map(|r| t.expr_as(r, &PgType::BOOL)).transpose()?.map(|r| r.sql).unwrap_or_else(|| "0".into());
            let base = if a.ty.scalar == Scalar::Int2Vector { "0" } else { "1" };
            (
                format!(
                    "SELECT key + {base} AS value, key + 1 AS ord FROM json_each({}) WHERE {} = 1 ORDER BY CASE WHEN {reverse} THEN -key ELSE key END",
                    a.sql, dim.sql
                ),
                vec![("generate_subscripts".into(), PgType::INT4)],
            )
        }
        "jsonb_array_elements" | "json_array_elements" | "jsonb_array_elements_text" | "json_array_elements_text" => {
            need_args(&fname, &exprs, 1, 1)?;
            let a = t.expr_as(&exprs[0], &PgType::JSONB)?;
            let text = fname.ends_with("_text");
            let v = if text { "lg_json_value_text(value, type)" } else { "lg_json_value(value, type)" };
            let ty = if text { PgType::TEXT } else if fname.starts_with("jsonb") { PgType::JSONB } else { PgType::JSON };
            (format!("SELECT {v} AS value, key + 1 AS ord FROM json_each({}) ORDER BY key", a.sql), vec![("value".into(), ty)])
        }
        "jsonb_each" | "json_each" | "jsonb_each_text" | "json_each_text" => {
            need_args(&fname, &exprs, 1, 1)?;
            let a = t.expr_as(&exprs[0], &PgType::JSONB)?;
            let text = fname.ends_with("_text");
            let v = if text { "lg_json_value_text(value, type)" } else { "lg_json_value(value, type)" };
            let ty = if text { PgType::TEXT } else if fname.starts_with("jsonb") { PgType::JSONB } else { PgType::JSON };
            (format!("SELECT key, {v} AS value, id AS ord FROM json_each({})", a.sql), vec![("key".into(), PgType::TEXT), ("value".into(), ty)])
        }
        "jsonb_object_keys" | "json_object_keys" => {
            need_args(&fname, &exprs, 1, 1)?;
            let a = t.expr_as(&exprs[0], &PgType::JSONB)?;
            (format!("SELECT key AS value, id AS ord FROM json_each({})", a.sql), vec![(fname.clone(), PgType::TEXT)])
        }
        "pg_options_to_table" => {
            // reloptions-style `{name=value,...}` into (option_name, option_value) rows.
            need_args(&fname, &exprs, 1, 1)?;
            let a = t.expr_as(&exprs[0], &PgType::array_of(Scalar::Text))?;
            (
                format!(
                    "SELECT substr(value, 1, instr(value, '=') - 1) AS option_name, substr(value, instr(value, '=') + 1) AS option_value, key + 1 AS ord FROM json_each({}) ORDER BY key",
                    a.sql
                ),
                vec![("option_name".into(), PgType::TEXT), ("option_value".into(), PgType::TEXT)],
            )
        }
        "pg_partition_ancestors" => {
            // No partitioning: a relation's only ancestor is itself.
            need_args(&fname, &exprs, 1, 1)?;
            let a = t.expr_as(&exprs[0], &PgType::OID)?;
            (format!("SELECT {} AS value, 1 AS ord", a.sql), vec![("relid".into(), PgType::OID)])
        }
        _ => {
            // A scalar function in FROM is one row with one column named after it.
            let text = format!("{name}({})", exprs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "));
            let call = sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
                .try_with_sql(&text)
                .and_then(|mut p| p.parse_expr())
                .map_err(|e| TranslateError::Syntax(e.to_string()))?;
            let v = t.expr(&call).map_err(|e| match e {
                TranslateError::UndefinedFunction(f) => TranslateError::UndefinedFunction(format!("{f} in FROM")),
                other => other,
            })?;
            let v = if v.ty.is_unknown() { t.coerce(v, &PgType::TEXT)? } else { v };
            (format!("SELECT {} AS value, 1 AS ord", v.sql), vec![(fname.clone(), v.ty)])
        }
    };
    // Single-column functions name their column after the alias, as PostgreSQL does.
    if cols.len() == 1 && alias.is_some_and(|a| a.columns.is_empty()) {
        cols[0].0 = alias_name.clone();
    }
    if let Some(a) = alias {
        for (c, new) in cols.iter_mut().zip(a.columns.iter()) {
            c.0 = fold(&new.name);
        }
    }
    if with_ordinality {
        let ord_name = alias.and_then(|a| a.columns.get(cols.len())).map(|c| fold(&c.name)).unwrap_or_else(|| "ordinality".into());
        cols.push((ord_name, PgType::INT8));
    }
    let inner_names: Vec<&str> = match fname.as_str() {
        "jsonb_each" | "json_each" | "jsonb_each_text" | "json_each_text" => vec!["key", "value"],
        "pg_options_to_table" => vec!["option_name", "option_value"],
        _ => vec!["value"],
    };
    let mut select = Vec::new();
    for (i, (n, _)) in cols.iter().enumerate() {
        let src = if i < inner_names.len() { inner_names[i].to_string() } else { "ord".to_string() };
        select.push(format!("{src} AS {}", ident(n)));
    }
    let needs_ord = with_ordinality && fname == "generate_series";
    let body = if needs_ord { format!("SELECT value, row_number() OVER () AS ord FROM ({body})") } else { body };
    t.scopes.add(ScopeRel {
        oid: 0,
        name: alias_name,
        schema: None,
        sql_alias: sql_alias.clone(),
        columns: cols.iter().map(|(n, ty)| ScopeColumn { name: n.clone(), ty: ty.clone(), table_oid: 0, attnum: 0, expr: None }).collect(),
    });
    Ok(format!("(SELECT {} FROM ({body})) AS {}", select.join(", "), ident(&sql_alias)))
}
