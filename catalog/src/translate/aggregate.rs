//! Aggregate and window functions, and values placed inside JSON.

use super::expr::{array_element_sql, call, TExpr, Translator};
use super::sqltext::string;
use super::TranslateError;
use crate::types::{PgType, Scalar};
use super::func::{order_list, Args};

pub(super) fn aggregate_call(t: &mut Translator<'_>, name: &str, a: &Args) -> Result<TExpr, TranslateError> {
    let distinct = if a.distinct { "DISTINCT " } else { "" };
    let order = if a.order_by.is_empty() { String::new() } else { format!(" ORDER BY {}", order_list(t, &a.order_by)?) };
    let mut args = Vec::new();
    for e in &a.exprs {
        args.push(t.expr(e)?);
    }
    let first = args.first().cloned();
    let arg_sql = |i: usize| args.get(i).map(|x| x.sql.clone()).unwrap_or_default();
    let need = |n: usize| -> Result<(), TranslateError> {
        if args.len() < n {
            Err(TranslateError::UndefinedFunction(format!("{name}() with {} arguments", args.len())))
        } else {
            Ok(())
        }
    };
    Ok(match name {
        "count" => {
            if a.star || args.is_empty() {
                TExpr::new("count(*)".into(), PgType::INT8)
            } else {
                TExpr::new(format!("count({distinct}{})", arg_sql(0)), PgType::INT8)
            }
        }
        "sum" | "avg" => {
            need(1)?;
            let x = first.clone().unwrap_or_else(|| TExpr::new(String::new(), PgType::UNKNOWN));
            let x = if x.ty.is_unknown() { t.coerce(x, &PgType::NUMERIC)? } else { x };
            match (&x.ty.scalar, name) {
                // sum(real) is real, as PostgreSQL's float4 sum; avg is double precision.
                (Scalar::Float4, "sum") => TExpr::new(call("lg_cast", &[&format!("lg_float_sum({distinct}{})", x.sql), "'double precision'", "'real'"]), PgType::FLOAT4),
                (Scalar::Float4 | Scalar::Float8, _) => TExpr::new(format!("lg_float_{name}({distinct}{})", x.sql), PgType::FLOAT8),
                (Scalar::Interval, _) => TExpr::new(format!("lg_interval_{name}({distinct}{})", x.sql), PgType::INTERVAL),
                (Scalar::Int2 | Scalar::Int4, "sum") => TExpr::new(format!("sum({distinct}{})", x.sql), PgType::INT8),
                (Scalar::Int8, "sum") => TExpr::new(format!("sum({distinct}{})", x.sql), PgType::NUMERIC),
                (Scalar::Numeric | Scalar::Int2 | Scalar::Int4 | Scalar::Int8, _) => {
                    TExpr::new(format!("lg_num_{name}({distinct}{})", x.sql), PgType::NUMERIC)
                }
                _ => return Err(TranslateError::UndefinedFunction(format!("{name}({})", x.ty))),
            }
        }
        "min" | "max" => {
            need(1)?;
            let x = first.clone().unwrap_or_else(|| TExpr::new(String::new(), PgType::UNKNOWN));
            if x.ty.scalar == Scalar::Numeric && x.origin.is_none() {
                TExpr::new(format!("{name}({distinct}{} COLLATE lg_numeric)", x.sql), x.ty)
            } else {
                let ty = if x.ty.is_unknown() { PgType::TEXT } else { x.ty.clone() };
                TExpr::new(format!("{name}({distinct}{})", x.sql), ty)
            }
        }
        "string_agg" | "group_concat" => {
            need(2)?;
            let x = t.as_text(args[0].clone())?;
            let sep = t.coerce(args[1].clone(), &PgType::TEXT)?;
            TExpr::new(format!("group_concat({distinct}{}, {}{order})", x.sql, sep.sql), PgType::TEXT)
        }
        "array_agg" => {
            need(1)?;
            let x = args[0].clone();
            let x = if x.ty.is_unknown() { t.coerce(x, &PgType::TEXT)? } else { x };
            // PostgreSQL's array_agg over no rows is NULL, not an empty array.
            TExpr::new(format!("(CASE WHEN count(*){{F}} = 0 THEN NULL ELSE json_group_array({distinct}{}{order}){{F}} END)", array_element_sql(&x)), x.ty.as_array())
        }
        "json_agg" | "jsonb_agg" => {
            need(1)?;
            let x = to_json_sql(t, args[0].clone())?;
            let agg = format!("(CASE WHEN count(*){{F}} = 0 THEN NULL ELSE json_group_array({distinct}{x}{order}){{F}} END)");
            if name == "json_agg" {
                TExpr::new(call("lg_json_build_style", &[&agg]), PgType::JSON)
            } else {
                TExpr::new(agg, PgType::JSONB)
            }
        }
        "json_object_agg" | "jsonb_object_agg" => {
            need(2)?;
            let k = t.as_text(args[0].clone())?;
            let v = to_json_sql(t, args[1].clone())?;
            TExpr::new(format!("json_group_object({}, {v})", k.sql), if name == "json_object_agg" { PgType::JSON } else { PgType::JSONB })
        }
        "bool_and" | "every" => {
            need(1)?;
            let x = t.coerce(args[0].clone(), &PgType::BOOL)?;
            TExpr::new(format!("min({})", x.sql), PgType::BOOL)
        }
        "bool_or" => {
            need(1)?;
            let x = t.coerce(args[0].clone(), &PgType::BOOL)?;
            TExpr::new(format!("max({})", x.sql), PgType::BOOL)
        }
        "row_number" | "rank" | "dense_rank" => TExpr::new(format!("{name}()"), PgType::INT8),
        "percent_rank" | "cume_dist" => TExpr::new(format!("{name}()"), PgType::FLOAT8),
        "ntile" => TExpr::new(format!("ntile({})", arg_sql(0)), PgType::INT4),
        "lag" | "lead" | "first_value" | "last_value" | "nth_value" => {
            need(1)?;
            let ty = args[0].ty.clone();
            let rest: Vec<String> = args.iter().map(|x| x.sql.clone()).collect();
            TExpr::new(format!("{name}({})", rest.join(", ")), ty)
        }
        other => return Err(TranslateError::UndefinedFunction(format!("{other}()"))),
    })
}

/// SQL for a value placed inside JSON: JSON-typed text stays JSON, booleans
/// become JSON booleans, numbers stay numbers, everything else a string.
pub fn to_json_sql(t: &mut Translator<'_>, x: TExpr) -> Result<String, TranslateError> {
    let x = if x.ty.is_unknown() { t.coerce(x, &PgType::TEXT)? } else { x };
    Ok(match (&x.ty.scalar, x.ty.array) {
        (_, true) => call("lg_array_to_json", &[&x.sql, &string(&x.ty.format_type())]),
        (Scalar::Json | Scalar::Jsonb, false) => call("json", &[&x.sql]),
        (Scalar::Bool, false) => array_element_sql(&x),
        (Scalar::Numeric, false) => format!("CASE WHEN {0} IS NULL THEN NULL ELSE json({0}) END", x.sql),
        (Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Float4 | Scalar::Float8 | Scalar::Oid, false) => x.sql,
        (Scalar::Text | Scalar::Varchar | Scalar::Bpchar | Scalar::Name | Scalar::Uuid | Scalar::Enum(_) | Scalar::Date, false) => x.sql,
        _ => t.as_text(x)?.sql,
    })
}
