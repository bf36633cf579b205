//! Functions and operators: PostgreSQL's built-ins mapped to SQLite built-ins
//! or to litegres's own SQL functions (`lg_*`, registered on every SQLite
//! connection, implemented in [`crate::runtime`]).

use super::expr::{array_element_sql, call, object_name_parts, wider, Lit, TExpr, Translator};
use super::sqltext::string;
use super::TranslateError;
use crate::schema::QualifiedName;
use crate::types::{PgType, Scalar};
use sqlparser::ast::{
    BinaryOperator, DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments, WindowType,
};

/// Keywords that are functions without parentheses (`CURRENT_TIMESTAMP`, `current_user`...).
pub fn bare_keyword(t: &mut Translator<'_>, name: &str) -> Result<Option<TExpr>, TranslateError> {
    Ok(Some(match name {
        "current_timestamp" => TExpr::new("lg_now()".into(), PgType::TIMESTAMPTZ).named("current_timestamp"),
        "localtimestamp" => TExpr::new("lg_localtimestamp()".into(), PgType::TIMESTAMP).named("localtimestamp"),
        "current_date" => TExpr::new("lg_current_date()".into(), PgType::DATE).named("current_date"),
        "current_time" | "localtime" => TExpr::new("lg_current_time()".into(), PgType::TIME).named(name.to_string()),
        "current_user" | "session_user" | "user" | "current_role" => {
            TExpr::new(string(t.ctx.current_user), PgType::NAME).named(if name == "user" { "current_user" } else { name })
        }
        "current_catalog" => TExpr::new(string(t.ctx.database), PgType::NAME).named("current_catalog"),
        "current_schema" => TExpr::new(
            t.ctx.search_path.first().map(|s| string(s)).unwrap_or_else(|| "NULL".into()),
            PgType::NAME,
        )
        .named("current_schema"),
        _ => return Ok(None),
    }))
}

pub(super) struct Args {
    pub exprs: Vec<Expr>,
    pub star: bool,
    pub distinct: bool,
    pub order_by: Vec<sqlparser::ast::OrderByExpr>,
}

fn args_of(f: &Function) -> Result<Args, TranslateError> {
    let mut a = Args { exprs: Vec::new(), star: false, distinct: false, order_by: Vec::new() };
    match &f.args {
        FunctionArguments::None => {}
        FunctionArguments::Subquery(_) => return Err(TranslateError::Unsupported("a subquery as a function's argument list".into())),
        FunctionArguments::List(list) => {
            a.distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
            for arg in &list.args {
                match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => a.exprs.push(e.clone()),
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => a.star = true,
                    other => return Err(TranslateError::Unsupported(format!("function argument {other}"))),
                }
            }
            for c in &list.clauses {
                match c {
                    FunctionArgumentClause::OrderBy(ob) => a.order_by = ob.clone(),
                    other => return Err(TranslateError::Unsupported(format!("function argument clause {other}"))),
                }
            }
        }
    }
    Ok(a)
}

pub(crate) fn is_aggregate(name: &str) -> bool {
    matches!(
        name,
        "count" | "sum" | "avg" | "min" | "max" | "string_agg" | "array_agg" | "json_agg" | "jsonb_agg" | "bool_and" | "bool_or" | "every"
            | "json_object_agg" | "jsonb_object_agg" | "group_concat"
    )
}

fn is_window_only(name: &str) -> bool {
    matches!(name, "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" | "ntile" | "lag" | "lead" | "first_value" | "last_value" | "nth_value")
}

/// Translates a function call.
pub fn function(t: &mut Translator<'_>, f: &Function) -> Result<TExpr, TranslateError> {
    let parts = object_name_parts(&f.name);
    let name = match parts.as_slice() {
        [n] => n.clone(),
        [s, n] if s == "pg_catalog" || s == "public" => n.clone(),
        [s, n] if s == "information_schema" && n == "_pg_expandarray" => n.clone(),
        _ => return Err(TranslateError::UndefinedFunction(format!("{}()", parts.join(".")))),
    };
    if !f.within_group.is_empty() {
        return Err(TranslateError::Unsupported("WITHIN GROUP".into()));
    }
    if matches!(f.args, FunctionArguments::None) {
        if let Some(k) = bare_keyword(t, &name)? {
            return Ok(k);
        }
    }
    if let (FunctionArguments::Subquery(q), "array") = (&f.args, name.as_str()) {
        // ARRAY(SELECT x ...): the column's values as an array, in the subquery's order.
        let (sql, cols) = t.subquery(q)?;
        let c = cols.first().cloned().ok_or_else(|| TranslateError::Syntax("subquery must return a column".into()))?;
        let x = super::expr::TExpr::new(format!("\"_lg_a\".{}", super::sqltext::ident(&c.name)), c.ty.clone());
        let elem = array_element_sql(&x);
        return Ok(TExpr::new(format!("(SELECT json_group_array({elem}) FROM ({sql}) AS \"_lg_a\")"), c.ty.as_array()).named("array"));
    }
    let args = args_of(f)?;
    let aggregate = is_aggregate(&name);
    let window = f.over.is_some();
    let mut out = if aggregate || is_window_only(&name) {
        if is_window_only(&name) && !window {
            return Err(TranslateError::Syntax(format!("window function {name} requires an OVER clause")));
        }
        super::aggregate::aggregate_call(t, &name, &args)?
    } else {
        if args.distinct || !args.order_by.is_empty() {
            return Err(TranslateError::Syntax(format!("DISTINCT/ORDER BY specified, but {name} is not an aggregate function")));
        }
        scalar(t, &name, &args.exprs)?
    };
    if let Some(filter) = &f.filter {
        if !aggregate {
            return Err(TranslateError::Syntax("FILTER specified, but it is not an aggregate function".into()));
        }
        let cond = t.expr_as(filter, &PgType::BOOL)?;
        let clause = format!(" FILTER (WHERE {})", cond.sql);
        if out.sql.contains("{F}") {
            out.sql = out.sql.replace("{F}", &clause);
        } else {
            out.sql.push_str(&clause);
        }
    }
    out.sql = out.sql.replace("{F}", "");
    if let Some(over) = &f.over {
        let spec = match over {
            WindowType::WindowSpec(s) => s,
            WindowType::NamedWindow(_) => return Err(TranslateError::Unsupported("named windows".into())),
        };
        let mut parts = Vec::new();
        if !spec.partition_by.is_empty() {
            let mut p = Vec::new();
            for e in &spec.partition_by {
                p.push(t.expr(e)?.sql);
            }
            parts.push(format!("PARTITION BY {}", p.join(", ")));
        }
        if !spec.order_by.is_empty() {
            parts.push(format!("ORDER BY {}", order_list(t, &spec.order_by)?));
        }
        if let Some(frame) = &spec.window_frame {
            parts.push(match &frame.end_bound {
                Some(end) => format!("{} BETWEEN {} AND {}", frame.units, frame.start_bound, end),
                None => format!("{} {}", frame.units, frame.start_bound),
            });
        }
        out.sql = format!("{} OVER ({})", out.sql, parts.join(" "));
        // A window call is not an aggregate of the enclosing query.
        out.aggregate = false;
    } else {
        out.aggregate = aggregate;
    }
    Ok(out.named(name))
}

pub(super) fn order_list(t: &mut Translator<'_>, items: &[sqlparser::ast::OrderByExpr]) -> Result<String, TranslateError> {
    let mut parts = Vec::new();
    for o in items {
        let e = t.expr(&o.expr)?;
        let desc = matches!(o.options.sort, Some(sqlparser::ast::OrderBySort::Desc));
        let nulls_first = o.options.nulls_first.unwrap_or(desc);
        parts.push(format!("{}{}{}", t.sort_key(&e), if desc { " DESC" } else { "" }, if nulls_first { " NULLS FIRST" } else { " NULLS LAST" }));
    }
    Ok(parts.join(", "))
}

pub(super) fn need_args(name: &str, exprs: &[Expr], min: usize, max: usize) -> Result<(), TranslateError> {
    if exprs.len() < min || exprs.len() > max {
        return Err(TranslateError::UndefinedFunction(format!("{name}() with {} argument(s)", exprs.len())));
    }
    Ok(())
}

/// Scalar (non-aggregate) functions.
fn scalar(t: &mut Translator<'_>, name: &str, e: &[Expr]) -> Result<TExpr, TranslateError> {
    let text = |t: &mut Translator<'_>, x: &Expr| -> Result<TExpr, TranslateError> {
        let v = t.expr(x)?;
        t.as_text(v)
    };
    let typed = |t: &mut Translator<'_>, x: &Expr, ty: &PgType| t.expr_as(x, ty);
    Ok(match name {
        "now" | "transaction_timestamp" => TExpr::new("lg_now()".into(), PgType::TIMESTAMPTZ),
        "statement_timestamp" | "clock_timestamp" => TExpr::new("lg_clock_timestamp()".into(), PgType::TIMESTAMPTZ),
        "timeofday" => TExpr::new("lg_clock_timestamp()".into(), PgType::TEXT),
        "lower" | "upper" => {
            need_args(name, e, 1, 1)?;
            let x = text(t, &e[0])?;
            TExpr::new(call(name, &[&x.sql]), PgType::TEXT)
        }
        "length" | "char_length" | "character_length" => {
            need_args(name, e, 1, 1)?;
            let x = t.expr(&e[0])?;
            let x = if x.ty.is_unknown() { t.coerce(x, &PgType::TEXT)? } else { x };
            if x.ty.scalar == Scalar::Bpchar {
                TExpr::new(call("length", &[&call("rtrim", &[&x.sql, "' '"])]), PgType::INT4)
            } else {
                TExpr::new(call("length", &[&x.sql]), PgType::INT4)
            }
        }
        "octet_length" => {
            need_args(name, e, 1, 1)?;
            let x = t.expr(&e[0])?;
            TExpr::new(call("length", &[&call("CAST", &[&format!("{} AS BLOB", x.sql)])]), PgType::INT4)
        }
        "substr" | "substring" => {
            need_args(name, e, 2, 3)?;
            let s = text(t, &e[0])?;
            let from = typed(t, &e[1], &PgType::INT4)?;
            let mut a = vec![s.sql, from.sql];
            if e.len() == 3 {
                a.push(typed(t, &e[2], &PgType::INT4)?.sql);
            }
            TExpr::new(call("lg_substring", &a.iter().map(String::as_str).collect::<Vec<_>>()), PgType::TEXT)
        }
        "replace" => {
            need_args(name, e, 3, 3)?;
            let (a, b, c) = (text(t, &e[0])?, text(t, &e[1])?, text(t, &e[2])?);
            TExpr::new(call("replace", &[&a.sql, &b.sql, &c.sql]), PgType::TEXT)
        }
        "btrim" | "trim" | "ltrim" | "rtrim" => {
            need_args(name, e, 1, 2)?;
            let s = text(t, &e[0])?;
            let chars = if e.len() == 2 { text(t, &e[1])?.sql } else { "' '".into() };
            let f = if name == "btrim" { "trim" } else { name };
            TExpr::new(call(f, &[&s.sql, &chars]), PgType::TEXT)
        }
        "split_part" | "left" | "right" | "lpad" | "rpad" | "repeat" | "reverse" | "initcap" | "md5" | "to_hex" | "quote_ident"
        | "quote_literal" | "quote_nullable" | "translate" | "regexp_replace" | "regexp_match" | "regexp_matches" | "starts_with" | "strpos" | "chr" | "ascii"
        | "sha256" | "encode" | "decode" => string_function(t, name, e)?,
        "concat" => {
            // concat() prints each argument with its type's output function:
            // a char(n) keeps its padding there, unlike in `||`.
            let mut a = Vec::new();
            for x in e {
                let v = t.expr(x)?;
                a.push(if v.ty.scalar == Scalar::Bpchar && !v.ty.array { v.sql } else { t.as_text(v)?.sql });
            }
            if a.is_empty() {
                return Err(TranslateError::UndefinedFunction("concat()".into()));
            }
            TExpr::new(format!("concat({})", a.join(", ")), PgType::TEXT)
        }
        "concat_ws" => {
            let mut a = Vec::new();
            for x in e {
                a.push(text(t, x)?.sql);
            }
            TExpr::new(format!("concat_ws({})", a.join(", ")), PgType::TEXT)
        }
        "format" => {
            let mut a = Vec::new();
            for x in e {
                a.push(text(t, x)?.sql);
            }
            TExpr::new(format!("lg_format({})", a.join(", ")), PgType::TEXT)
        }
        "enum_range" | "enum_first" | "enum_last" => {
            need_args(name, e, 1, 1)?;
            let arg = t.expr(&e[0])?;
            let Scalar::Enum(er) = &arg.ty.scalar else {
                return Err(TranslateError::UndefinedFunction(format!("{name}({})", arg.ty)));
            };
            let labels = t.ctx.schema.enums.values().find(|d| d.oid == er.oid).map(|d| d.labels.clone()).unwrap_or_default();
            let elem = arg.ty.element();
            match name {
                "enum_range" => {
                    let stored = crate::value::array::store(&elem, labels.into_iter().map(crate::value::Value::Text).collect());
                    TExpr::new(string(&stored), elem.as_array())
                }
                "enum_first" => TExpr::new(labels.first().map(|l| string(l)).unwrap_or_else(|| "NULL".into()), elem),
                _ => TExpr::new(labels.last().map(|l| string(l)).unwrap_or_else(|| "NULL".into()), elem),
            }
        }
        "_pg_expandarray" => {
            // information_schema._pg_expandarray(arr): one (x, n) record per
            // element, n counting from 1. The record is a JSON object here;
            // `(rec).x` reads a field of it.
            need_args(name, e, 1, 1)?;
            let arr = t.expr(&e[0])?;
            if !arr.ty.array {
                return Err(TranslateError::UndefinedFunction(format!("{name}({})", arr.ty)));
            }
            let alias = t.srf_alias(&arr.sql);
            let elem = arr.ty.element();
            TExpr::new(
                format!("json_object('x', lg_array_get({}, \"{alias}\".key + 1, {}), 'n', \"{alias}\".key + 1)", arr.sql, string(&elem.format_type())),
                PgType::JSON,
            )
        }
        "unnest" | "generate_subscripts" => {
            // In the select list: one row per element, from a json_each joined to this query level.
            need_args(name, e, 1, 2)?;
            let arr = t.expr(&e[0])?;
            if !arr.ty.array {
                return Err(TranslateError::UndefinedFunction(format!("{name}({})", arr.ty)));
            }
            let alias = t.srf_alias(&arr.sql);
            if name == "unnest" {
                let elem = arr.ty.element();
                TExpr::new(format!("lg_array_get({}, \"{alias}\".key + 1, {})", arr.sql, string(&elem.format_type())), elem)
            } else if arr.ty.scalar == Scalar::Int2Vector {
                // int2vector subscripts start at 0.
                TExpr::new(format!("\"{alias}\".key"), PgType::INT4)
            } else {
                TExpr::new(format!("(\"{alias}\".key + 1)"), PgType::INT4)
            }
        }
        "coalesce" | "greatest" | "least" | "nullif" => {
            if e.is_empty() {
                return Err(TranslateError::Syntax(format!("{name} requires arguments")));
            }
            let mut items = Vec::new();
            for x in e {
                items.push(t.expr(x)?);
            }
            let mut ty = PgType::UNKNOWN;
            for i in &items {
                if !i.ty.is_unknown() {
                    ty = if ty.is_unknown() { i.ty.clone() } else if ty.is_numeric_family() && i.ty.is_numeric_family() { wider(&ty, &i.ty) } else { ty };
                }
            }
            if ty.is_unknown() {
                ty = PgType::TEXT;
            }
            let mut sqls = Vec::new();
            let mut agg = false;
            for i in items {
                let c = t.coerce(i, &ty)?;
                agg |= c.aggregate;
                sqls.push(c.sql);
            }
            let sql = match name {
                "coalesce" if sqls.len() == 1 => sqls[0].clone(),
                "coalesce" | "nullif" => format!("{name}({})", sqls.join(", ")),
                _ => format!("lg_{name}({}, {})", string(&ty.format_type()), sqls.join(", ")),
            };
            let mut out = TExpr::new(sql, ty);
            out.aggregate = agg;
            out
        }
        "abs" | "ceil" | "ceiling" | "floor" | "sign" => {
            need_args(name, e, 1, 1)?;
            let x = t.expr(&e[0])?;
            let x = if x.ty.is_unknown() { t.coerce(x, &PgType::FLOAT8)? } else { x };
            super::operators::numeric_unary(t, if name == "ceiling" { "ceil" } else { name }, x)?
        }
        "round" | "trunc" => {
            need_args(name, e, 1, 2)?;
            let x = t.expr(&e[0])?;
            let x = if x.ty.is_unknown() || (e.len() == 2 && x.ty.is_integer()) { t.coerce(x, &PgType::NUMERIC)? } else { x };
            if x.ty.scalar == Scalar::Numeric || x.ty.is_integer() {
                let places = if e.len() == 2 { typed(t, &e[1], &PgType::INT4)?.sql } else { "0".into() };
                TExpr::new(call(&format!("lg_num_{name}"), &[&x.sql, &places]), PgType::NUMERIC)
            } else {
                if e.len() == 2 {
                    return Err(TranslateError::UndefinedFunction(format!("{name}(double precision, integer)")));
                }
                TExpr::new(call(&format!("lg_float_{name}"), &[&x.sql]), PgType::FLOAT8)
            }
        }
        "mod" => {
            need_args(name, e, 2, 2)?;
            return super::operators::arithmetic(t, &e[0], &BinaryOperator::Modulo, &e[1]);
        }
        "div" => {
            need_args(name, e, 2, 2)?;
            let a = typed(t, &e[0], &PgType::NUMERIC)?;
            let b = typed(t, &e[1], &PgType::NUMERIC)?;
            TExpr::new(call("lg_num_trunc", &[&call("lg_num_div", &[&a.sql, &b.sql]), "0"]), PgType::NUMERIC)
        }
        "power" | "pow" => {
            need_args(name, e, 2, 2)?;
            let a = t.expr(&e[0])?;
            let numeric = a.ty.scalar == Scalar::Numeric;
            let ty = if numeric { PgType::NUMERIC } else { PgType::FLOAT8 };
            let a = t.coerce(a, &ty)?;
            let b = typed(t, &e[1], &ty)?;
            if numeric {
                TExpr::new(call("lg_num_power", &[&a.sql, &b.sql]), PgType::NUMERIC)
            } else {
                TExpr::new(call("lg_float_power", &[&a.sql, &b.sql]), PgType::FLOAT8)
            }
        }
        "sqrt" | "exp" | "ln" | "log10" | "cbrt" | "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "degrees" | "radians" => {
            need_args(name, e, 1, 1)?;
            let x = t.expr(&e[0])?;
            let numeric = x.ty.scalar == Scalar::Numeric;
            if numeric && matches!(name, "sqrt" | "exp" | "ln" | "log10") {
                return Ok(TExpr::new(call("lg_num_fn", &[&string(name), &x.sql]), PgType::NUMERIC));
            }
            let x = t.coerce(x, &PgType::FLOAT8)?;
            let f = if name == "cbrt" { "lg_cbrt".to_string() } else { format!("lg_float_{name}") };
            TExpr::new(call(&f, &[&x.sql]), PgType::FLOAT8)
        }
        "log" => {
            need_args(name, e, 1, 2)?;
            let x = t.expr(&e[0])?;
            let numeric = x.ty.scalar == Scalar::Numeric;
            if e.len() == 2 {
                // log(b, x) exists for numeric only.
                let b = t.coerce(x, &PgType::NUMERIC)?;
                let y = typed(t, &e[1], &PgType::NUMERIC)?;
                TExpr::new(call("lg_num_log", &[&b.sql, &y.sql]), PgType::NUMERIC)
            } else if numeric {
                TExpr::new(call("lg_num_fn", &[&string("log10"), &x.sql]), PgType::NUMERIC)
            } else {
                let x = t.coerce(x, &PgType::FLOAT8)?;
                TExpr::new(call("lg_float_log10", &[&x.sql]), PgType::FLOAT8)
            }
        }
        "pi" => TExpr::new("3.141592653589793".into(), PgType::FLOAT8),
        "random" => TExpr::new("lg_random()".into(), PgType::FLOAT8),
        "gen_random_uuid" | "uuid_generate_v4" => TExpr::new("lg_uuid()".into(), PgType::UUID),
        "nextval" | "currval" | "setval" | "lastval" => sequence_function(t, name, e)?,
        "date_trunc" => {
            need_args(name, e, 2, 3)?;
            let field = typed(t, &e[0], &PgType::TEXT)?;
            let x = t.expr(&e[1])?;
            let x = if x.ty.is_unknown() { t.coerce(x, &PgType::TIMESTAMPTZ)? } else { x };
            let ty = if x.ty.scalar == Scalar::Date { PgType::TIMESTAMPTZ } else { x.ty.clone() };
            TExpr::new(call("lg_date_trunc", &[&field.sql, &x.sql, &string(&x.ty.format_type())]), ty)
        }
        "date_part" => {
            need_args(name, e, 2, 2)?;
            let field = typed(t, &e[0], &PgType::TEXT)?;
            let x = t.expr(&e[1])?;
            let x = if x.ty.is_unknown() { t.coerce(x, &PgType::TIMESTAMPTZ)? } else { x };
            TExpr::new(format!("CAST({} AS REAL)", call("lg_extract", &[&field.sql, &x.sql, &string(&x.ty.format_type())])), PgType::FLOAT8)
        }
        "age" => {
            need_args(name, e, 1, 2)?;
            let a = typed(t, &e[0], &PgType::TIMESTAMPTZ)?;
            let b = if e.len() == 2 { typed(t, &e[1], &PgType::TIMESTAMPTZ)?.sql } else { "lg_current_date()".into() };
            TExpr::new(call("lg_age", &[&a.sql, &b]), PgType::INTERVAL)
        }
        "to_char" => {
            need_args(name, e, 2, 2)?;
            let x = t.expr(&e[0])?;
            let f = typed(t, &e[1], &PgType::TEXT)?;
            TExpr::new(call("lg_to_char", &[&x.sql, &string(&x.ty.format_type()), &f.sql]), PgType::TEXT)
        }
        "to_timestamp" => {
            need_args(name, e, 1, 2)?;
            if e.len() == 1 {
                let x = typed(t, &e[0], &PgType::FLOAT8)?;
                TExpr::new(call("lg_to_timestamp_epoch", &[&x.sql]), PgType::TIMESTAMPTZ)
            } else {
                let x = typed(t, &e[0], &PgType::TEXT)?;
                let f = typed(t, &e[1], &PgType::TEXT)?;
                TExpr::new(call("lg_to_timestamp", &[&x.sql, &f.sql]), PgType::TIMESTAMPTZ)
            }
        }
        "to_date" => {
            need_args(name, e, 2, 2)?;
            let x = typed(t, &e[0], &PgType::TEXT)?;
            let f = typed(t, &e[1], &PgType::TEXT)?;
            TExpr::new(call("substr", &[&call("lg_to_timestamp", &[&x.sql, &f.sql]), "1", "10"]), PgType::DATE)
        }
        "make_date" => {
            need_args(name, e, 3, 3)?;
            let y = typed(t, &e[0], &PgType::INT4)?;
            let m = typed(t, &e[1], &PgType::INT4)?;
            let d = typed(t, &e[2], &PgType::INT4)?;
            // Read back as a date, so a month 13 fails (22008) as in PostgreSQL.
            TExpr::new(call("lg_cast", &[&format!("printf('%04d-%02d-%02d', {}, {}, {})", y.sql, m.sql, d.sql), "'text'", "'date'"]), PgType::DATE)
        }
        "json_build_object" | "jsonb_build_object" => {
            if e.len() % 2 != 0 {
                return Err(TranslateError::Syntax("argument list must have even number of elements".into()));
            }
            let mut a = Vec::new();
            for (i, x) in e.iter().enumerate() {
                let v = t.expr(x)?;
                a.push(if i % 2 == 0 { t.as_text(v)?.sql } else { super::aggregate::to_json_sql(t, v)? });
            }
            let sql = format!("json_object({})", a.join(", "));
            if name.starts_with("jsonb") {
                TExpr::new(sql, PgType::JSONB)
            } else {
                TExpr::new(call("lg_json_build_style", &[&sql]), PgType::JSON)
            }
        }
        "json_build_array" | "jsonb_build_array" => {
            let mut a = Vec::new();
            for x in e {
                let v = t.expr(x)?;
                a.push(super::aggregate::to_json_sql(t, v)?);
            }
            let sql = format!("json_array({})", a.join(", "));
            if name.starts_with("jsonb") {
                TExpr::new(sql, PgType::JSONB)
            } else {
                TExpr::new(call("lg_json_build_style", &[&sql]), PgType::JSON)
            }
        }
        "to_json" | "to_jsonb" => {
            need_args(name, e, 1, 1)?;
            let v = t.expr(&e[0])?;
            let inner = super::aggregate::to_json_sql(t, v)?;
            TExpr::new(format!("json_quote({inner})"), if name == "to_json" { PgType::JSON } else { PgType::JSONB })
        }
        "jsonb_set" | "jsonb_insert" => {
            need_args(name, e, 3, 4)?;
            let target = typed(t, &e[0], &PgType::JSONB)?;
            let path = typed(t, &e[1], &PgType::array_of(Scalar::Text))?;
            let value = typed(t, &e[2], &PgType::JSONB)?;
            let create = if e.len() == 4 { typed(t, &e[3], &PgType::BOOL)?.sql } else { "1".into() };
            TExpr::new(call(&format!("lg_{name}"), &[&target.sql, &path.sql, &value.sql, &create]), PgType::JSONB)
        }
        "jsonb_typeof" | "json_typeof" => {
            need_args(name, e, 1, 1)?;
            let x = typed(t, &e[0], &PgType::JSONB)?;
            TExpr::new(call("lg_json_typeof", &[&x.sql]), PgType::TEXT)
        }
        "jsonb_array_length" | "json_array_length" => {
            need_args(name, e, 1, 1)?;
            let x = typed(t, &e[0], &PgType::JSONB)?;
            TExpr::new(call("json_array_length", &[&x.sql]), PgType::INT4)
        }
        "jsonb_extract_path" | "json_extract_path" | "jsonb_extract_path_text" | "json_extract_path_text" => {
            if e.is_empty() {
                return Err(TranslateError::UndefinedFunction(format!("{name}()")));
            }
            let x = typed(t, &e[0], &PgType::JSONB)?;
            let mut keys = Vec::new();
            for k in &e[1..] {
                keys.push(typed(t, k, &PgType::TEXT)?.sql);
            }
            let path = format!("json_array({})", keys.join(", "));
            let as_text = name.ends_with("_text");
            let f = if as_text { "lg_json_path_text" } else { "lg_json_path" };
            TExpr::new(call(f, &[&x.sql, &path]), if as_text { PgType::TEXT } else { x.ty.clone() })
        }
        "jsonb_strip_nulls" | "json_strip_nulls" | "jsonb_pretty" => {
            need_args(name, e, 1, 1)?;
            let x = typed(t, &e[0], &PgType::JSONB)?;
            TExpr::new(call(&format!("lg_{name}"), &[&x.sql]), if name == "jsonb_pretty" { PgType::TEXT } else { x.ty.clone() })
        }
        "array_length" | "cardinality" => {
            need_args(name, e, 1, 2)?;
            let x = t.expr(&e[0])?;
            // PostgreSQL: the length of an empty array is NULL for array_length, 0 for cardinality.
            let len = call("json_array_length", &[&x.sql]);
            if name == "array_length" {
                TExpr::new(format!("nullif({len}, 0)"), PgType::INT4)
            } else {
                TExpr::new(len, PgType::INT4)
            }
        }
        "array_position" => {
            need_args(name, e, 2, 2)?;
            let arr = t.expr(&e[0])?;
            let v = typed(t, &e[1], &arr.ty.element())?;
            TExpr::new(format!("(SELECT key + 1 FROM json_each({}) WHERE value = {} ORDER BY key LIMIT 1)", arr.sql, v.sql), PgType::INT4)
        }
        "array_to_string" => {
            need_args(name, e, 2, 3)?;
            let arr = t.expr(&e[0])?;
            let sep = typed(t, &e[1], &PgType::TEXT)?;
            TExpr::new(format!("(SELECT group_concat(value, {}) FROM (SELECT value FROM json_each({}) WHERE value IS NOT NULL ORDER BY key))", sep.sql, arr.sql), PgType::TEXT)
        }
        "string_to_array" => {
            need_args(name, e, 2, 2)?;
            let s = typed(t, &e[0], &PgType::TEXT)?;
            let sep = typed(t, &e[1], &PgType::TEXT)?;
            TExpr::new(call("lg_string_to_array", &[&s.sql, &sep.sql]), PgType::array_of(Scalar::Text))
        }
        "array_append" | "array_prepend" | "array_cat" | "array_remove" => {
            need_args(name, e, 2, 2)?;
            let (arr_idx, other_idx) = if name == "array_prepend" { (1, 0) } else { (0, 1) };
            let arr = t.expr(&e[arr_idx])?;
            let arr_ty = if arr.ty.array { arr.ty.clone() } else { PgType::array_of(Scalar::Text) };
            let arr = t.coerce(arr, &arr_ty)?;
            let other_ty = if name == "array_cat" { arr_ty.clone() } else { arr_ty.element() };
            let other = typed(t, &e[other_idx], &other_ty)?;
            TExpr::new(call(&format!("lg_{name}"), &[&arr.sql, &array_element_sql(&other)]), arr_ty)
        }
        "pg_typeof" => {
            // The argument's type is known here: its OID, printed as the type's name.
            need_args(name, e, 1, 1)?;
            let x = t.expr(&e[0])?;
            TExpr::new(x.ty.wire().oid().to_string(), PgType::scalar(Scalar::Regtype))
        }
        "version" => TExpr::new("lg_version()".into(), PgType::TEXT),
        "current_database" => TExpr::new(string(t.ctx.database), PgType::NAME),
        "current_schema" => bare_keyword(t, "current_schema")?.unwrap_or_else(|| TExpr::new("NULL".into(), PgType::NAME)),
        "current_schemas" => {
            // pg_catalog is searched first even when not listed; only
            // current_schemas(true) shows it then.
            need_args(name, e, 1, 1)?;
            let implicit = typed(t, &e[0], &PgType::BOOL)?;
            let explicit: Vec<String> = t.ctx.search_path.to_vec();
            let mut with: Vec<String> = explicit.clone();
            if !with.iter().any(|s| s == "pg_catalog") {
                with.insert(0, "pg_catalog".into());
            }
            let json = |l: &[String]| string(&serde_json::to_string(l).unwrap_or_default());
            TExpr::new(format!("(CASE WHEN {} THEN {} ELSE {} END)", implicit.sql, json(&with), json(&explicit)), PgType::array_of(Scalar::Name))
        }
        "pg_backend_pid" => TExpr::new("lg_backend_pid()".into(), PgType::INT4),
        "current_setting" => {
            need_args(name, e, 1, 2)?;
            let n = typed(t, &e[0], &PgType::TEXT)?;
            let missing_ok = if e.len() == 2 { typed(t, &e[1], &PgType::BOOL)?.sql } else { "0".into() };
            TExpr::new(call("lg_current_setting", &[&n.sql, &missing_ok]), PgType::TEXT)
        }
        "set_config" => {
            need_args(name, e, 3, 3)?;
            let n = typed(t, &e[0], &PgType::TEXT)?;
            let v = typed(t, &e[1], &PgType::TEXT)?;
            let l = typed(t, &e[2], &PgType::BOOL)?;
            TExpr::new(call("lg_set_config", &[&n.sql, &v.sql, &l.sql]), PgType::TEXT)
        }
        "pg_advisory_lock" | "pg_advisory_unlock" | "pg_try_advisory_lock" | "pg_advisory_xact_lock" | "pg_try_advisory_xact_lock"
        | "pg_advisory_unlock_all" | "pg_advisory_lock_shared" | "pg_advisory_unlock_shared" => {
            let mut keys = Vec::new();
            for x in e {
                keys.push(typed(t, x, &PgType::INT8)?.sql);
            }
            let ty = if matches!(name, "pg_advisory_lock" | "pg_advisory_xact_lock" | "pg_advisory_unlock_all" | "pg_advisory_lock_shared") {
                PgType::VOID
            } else {
                PgType::BOOL
            };
            let mut a = vec![string(name)];
            a.extend(keys);
            TExpr::new(call("lg_advisory", &a.iter().map(String::as_str).collect::<Vec<_>>()), ty)
        }
        "pg_sleep" => {
            need_args(name, e, 1, 1)?;
            let x = typed(t, &e[0], &PgType::FLOAT8)?;
            TExpr::new(call("lg_sleep", &[&x.sql]), PgType::VOID)
        }
        "txid_current" | "pg_current_xact_id" => TExpr::new("lg_txid_current()".into(), PgType::INT8),
        "pg_is_in_recovery" => TExpr::new("0".into(), PgType::BOOL),
        "num_nonnulls" | "num_nulls" => {
            let mut a = Vec::new();
            for x in e {
                a.push(format!("({} IS {}NULL)", t.expr(x)?.sql, if name == "num_nonnulls" { "NOT " } else { "" }));
            }
            TExpr::new(format!("({})", a.join(" + ")), PgType::INT4)
        }
        other => {
            if let Some(x) = super::catalog_fn::function(t, other, e)? {
                return Ok(x);
            }
            let mut shown = Vec::new();
            for x in e {
                shown.push(t.expr(x).map(|v| if v.ty.is_unknown() { "unknown".into() } else { v.ty.format_type() }).unwrap_or_else(|_| "?".into()));
            }
            return Err(TranslateError::UndefinedFunction(format!("{other}({})", shown.join(", "))));
        }
    })
}

fn string_function(t: &mut Translator<'_>, name: &str, e: &[Expr]) -> Result<TExpr, TranslateError> {
    let (min, max, ret) = match name {
        "split_part" => (3, 3, PgType::TEXT),
        "left" | "right" | "repeat" => (2, 2, PgType::TEXT),
        "lpad" | "rpad" => (2, 3, PgType::TEXT),
        "reverse" | "initcap" | "md5" | "quote_ident" | "quote_literal" | "quote_nullable" => (1, 1, PgType::TEXT),
        "to_hex" => (1, 1, PgType::TEXT),
        "translate" => (3, 3, PgType::TEXT),
        "regexp_replace" => (3, 4, PgType::TEXT),
        "regexp_match" | "regexp_matches" => (2, 3, PgType::array_of(Scalar::Text)),
        "starts_with" => (2, 2, PgType::BOOL),
        "strpos" => (2, 2, PgType::INT4),
        "chr" => (1, 1, PgType::TEXT),
        "ascii" => (1, 1, PgType::INT4),
        "sha256" => (1, 1, PgType::BYTEA),
        "encode" => (2, 2, PgType::TEXT),
        "decode" => (2, 2, PgType::BYTEA),
        _ => return Err(TranslateError::UndefinedFunction(format!("{name}()"))),
    };
    need_args(name, e, min, max)?;
    let mut a = Vec::new();
    for (i, x) in e.iter().enumerate() {
        let int_arg = matches!((name, i), ("left" | "right" | "repeat" | "lpad" | "rpad", 1) | ("split_part", 2) | ("chr" | "to_hex", 0));
        let bytea_arg = matches!((name, i), ("sha256" | "encode", 0));
        let v = t.expr(x)?;
        let v = if int_arg {
            t.coerce(v, &PgType::INT8)?
        } else if bytea_arg {
            t.coerce(v, &PgType::BYTEA)?
        } else {
            t.as_text(v)?
        };
        a.push(v.sql);
    }
    let sql = match name {
        "strpos" => call("instr", &[&a[0], &a[1]]),
        "chr" => call("char", &[&a[0]]),
        "ascii" => call("unicode", &[&a[0]]),
        "starts_with" => format!("(substr({0}, 1, length({1})) = {1})", a[0], a[1]),
        _ => call(&format!("lg_{name}"), &a.iter().map(String::as_str).collect::<Vec<_>>()),
    };
    Ok(TExpr::new(sql, ret))
}

fn sequence_function(t: &mut Translator<'_>, name: &str, e: &[Expr]) -> Result<TExpr, TranslateError> {
    if name == "lastval" {
        return Ok(TExpr::new("lg_lastval()".into(), PgType::INT8));
    }
    need_args(name, e, 1, 3)?;
    let seq = t.expr(&e[0])?;
    let text = match &seq.lit {
        Lit::Str(s) => s.clone(),
        _ => return Err(TranslateError::Unsupported(format!("{name}() of a non-constant sequence name"))),
    };
    let qn = resolve_sequence(t, &text)?;
    t.sequences.push(qn.clone());
    let key = string(&format!("{}.{}", qn.schema, qn.name));
    let sql = match name {
        "nextval" => call("lg_nextval", &[&key]),
        "currval" => call("lg_currval", &[&key]),
        _ => {
            let v = t.expr_as(&e[1], &PgType::INT8)?;
            let called = if e.len() == 3 { t.expr_as(&e[2], &PgType::BOOL)?.sql } else { "1".into() };
            call("lg_setval", &[&key, &v.sql, &called])
        }
    };
    Ok(TExpr::new(sql, PgType::INT8))
}

/// Resolves `'name'`, `'schema.name'` or `'"Quoted"'` to a sequence on the search path.
pub fn resolve_sequence(t: &Translator<'_>, text: &str) -> Result<QualifiedName, TranslateError> {
    let parts = crate::types::split_qualified(text);
    let (schema, name) = match parts.as_slice() {
        [n] => (None, n.clone()),
        [s, n] => (Some(s.clone()), n.clone()),
        _ => return Err(TranslateError::UndefinedTable(text.to_string())),
    };
    let found = match &schema {
        Some(s) => t.ctx.schema.sequences.get(&QualifiedName::new(s, &name)).map(|s| s.name.clone()),
        None => t.ctx.search_path.iter().find_map(|s| t.ctx.schema.sequences.get(&QualifiedName::new(s, &name)).map(|s| s.name.clone())),
    };
    found.ok_or_else(|| TranslateError::UndefinedTable(text.to_string()))
}
