//! Operators with PostgreSQL's typing: arithmetic (exact numeric, integer
//! division, date/time arithmetic), json/jsonb operators, array operators
//! and subscripts.

use super::expr::{array_element_sql, call, wider, Lit, TExpr, Translator};
use super::sqltext::string;
use super::TranslateError;
use crate::types::{PgType, Scalar};
use sqlparser::ast::{AccessExpr, BinaryOperator, Expr, Subscript};

/// abs/ceil/floor/sign keeping numeric exact.
pub fn numeric_unary(_t: &mut Translator<'_>, name: &str, x: TExpr) -> Result<TExpr, TranslateError> {
    let agg = x.aggregate;
    let mut out = match &x.ty.scalar {
        Scalar::Numeric => TExpr::new(call(&format!("lg_num_{name}"), &[&x.sql]), PgType::NUMERIC),
        Scalar::Int2 | Scalar::Int4 | Scalar::Int8 if name == "abs" || name == "sign" => TExpr::new(call(name, &[&x.sql]), x.ty.clone()),
        Scalar::Int2 | Scalar::Int4 | Scalar::Int8 => TExpr::new(call(&format!("lg_float_{name}"), &[&x.sql]), PgType::FLOAT8),
        Scalar::Float4 | Scalar::Float8 if name == "abs" => TExpr::new(call("abs", &[&x.sql]), x.ty.clone()),
        Scalar::Float4 | Scalar::Float8 => TExpr::new(call(&format!("lg_float_{name}"), &[&x.sql]), PgType::FLOAT8),
        Scalar::Interval if name == "abs" => TExpr::new(call("lg_interval_abs", &[&x.sql]), PgType::INTERVAL),
        _ => return Err(TranslateError::UndefinedFunction(format!("{name}({})", x.ty))),
    };
    out.aggregate = agg;
    Ok(out.named(name))
}

/// `+ - * / %` with PostgreSQL's typing: exact numeric, integer division,
/// division by zero as an error, and date/time arithmetic.
pub fn arithmetic(t: &mut Translator<'_>, left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<TExpr, TranslateError> {
    let l = t.expr(left)?;
    let r = t.expr(right)?;
    if matches!(op, BinaryOperator::Minus) && l.ty == PgType::JSONB {
        // jsonb - text removes a key (or string elements), jsonb - int an array element.
        let r = if r.ty.is_unknown() { t.coerce(r, &PgType::TEXT)? } else { r };
        return Ok(TExpr::new(call("lg_jsonb_delete", &[&l.sql, &r.sql]), PgType::JSONB).agg(l.aggregate || r.aggregate));
    }
    let datetime = |ty: &PgType| matches!(ty.scalar, Scalar::Date | Scalar::Timestamp | Scalar::Timestamptz | Scalar::Time | Scalar::Interval) && !ty.array;
    // An untyped operand takes the other's type, except `datetime + 'literal'`, which is an interval.
    let (l, r) = match (l.ty.is_unknown(), r.ty.is_unknown()) {
        (true, false) => {
            let target = if datetime(&r.ty) && matches!(op, BinaryOperator::Plus) && r.ty.scalar != Scalar::Interval { PgType::INTERVAL } else { r.ty.clone() };
            (t.coerce(l, &target)?, r)
        }
        (false, true) => {
            let target = if datetime(&l.ty) && matches!(op, BinaryOperator::Plus) && l.ty.scalar != Scalar::Interval {
                PgType::INTERVAL
            } else if l.ty.scalar == Scalar::Interval && matches!(op, BinaryOperator::Multiply | BinaryOperator::Divide) {
                PgType::FLOAT8
            } else {
                l.ty.clone()
            };
            (l, t.coerce(r, &target)?)
        }
        (true, true) => {
            let l = if matches!(l.lit, Lit::Str(_)) { t.coerce(l, &PgType::NUMERIC)? } else { t.coerce(l, &PgType::INT4)? };
            let r = if matches!(r.lit, Lit::Str(_)) { t.coerce(r, &PgType::NUMERIC)? } else { t.coerce(r, &PgType::INT4)? };
            (l, r)
        }
        (false, false) => (l, r),
    };
    let agg = l.aggregate || r.aggregate;
    let opname = match op {
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::Multiply => "*",
        BinaryOperator::Divide => "/",
        _ => "%",
    };
    let undefined = || TranslateError::UndefinedFunction(format!("operator {opname}({}, {})", l.ty, r.ty));
    let out = if l.ty.is_numeric_family() && r.ty.is_numeric_family() {
        let float = |t: &PgType| matches!(t.scalar, Scalar::Float4 | Scalar::Float8);
        let numeric = |t: &PgType| t.scalar == Scalar::Numeric;
        if float(&l.ty) || float(&r.ty) {
            let ty = if l.ty.scalar == Scalar::Float4 && r.ty.scalar == Scalar::Float4 { PgType::FLOAT4 } else { PgType::FLOAT8 };
            let op = format!("{opname}{}", if ty.scalar == Scalar::Float4 { "4" } else { "8" });
            match opname {
                "%" => return Err(undefined()),
                _ => TExpr::new(call("lg_farith", &[&string(&op), &l.sql, &r.sql]), ty),
            }
        } else if numeric(&l.ty) || numeric(&r.ty) {
            let f = match opname {
                "+" => "lg_num_add",
                "-" => "lg_num_sub",
                "*" => "lg_num_mul",
                "/" => "lg_num_div",
                _ => "lg_num_mod",
            };
            TExpr::new(call(f, &[&l.sql, &r.sql]), PgType::NUMERIC)
        } else {
            let ty = wider(&l.ty, &r.ty);
            match opname {
                "/" => TExpr::new(call("lg_idiv", &[&l.sql, &r.sql]), ty),
                "%" => TExpr::new(call("lg_imod", &[&l.sql, &r.sql]), ty),
                o => TExpr::new(call("lg_iarith", &[&string(o), &l.sql, &r.sql, &string(&ty.format_type())]), ty),
            }
        }
    } else {
        use Scalar::*;
        let ts = |s: &Scalar| matches!(s, Timestamp | Timestamptz);
        match (&l.ty.scalar, opname, &r.ty.scalar) {
            (Date, "+" | "-", Int2 | Int4 | Int8) => TExpr::new(call("lg_date_add_days", &[&l.sql, &if opname == "+" { r.sql.clone() } else { format!("-({})", r.sql) }]), PgType::DATE),
            (Int2 | Int4 | Int8, "+", Date) => TExpr::new(call("lg_date_add_days", &[&r.sql, &l.sql]), PgType::DATE),
            (Date, "-", Date) => TExpr::new(call("lg_date_diff", &[&l.sql, &r.sql]), PgType::INT4),
            (a, "+" | "-", Interval) if ts(a) || *a == Date => {
                let out_ty = if *a == Date { PgType::TIMESTAMP } else { l.ty.clone() };
                TExpr::new(call("lg_ts_add", &[&l.sql, &r.sql, if opname == "+" { "1" } else { "-1" }, &string(&l.ty.format_type())]), out_ty)
            }
            (Interval, "+", b) if ts(b) || *b == Date => {
                let out_ty = if *b == Date { PgType::TIMESTAMP } else { r.ty.clone() };
                TExpr::new(call("lg_ts_add", &[&r.sql, &l.sql, "1", &string(&r.ty.format_type())]), out_ty)
            }
            (a, "-", b) if (ts(a) || *a == Date) && (ts(b) || *b == Date) => {
                TExpr::new(call("lg_ts_diff", &[&l.sql, &string(&l.ty.format_type()), &r.sql, &string(&r.ty.format_type())]), PgType::INTERVAL)
            }
            (Time, "+" | "-", Interval) => TExpr::new(call("lg_time_add", &[&l.sql, &r.sql, if opname == "+" { "1" } else { "-1" }]), PgType::TIME),
            (Time, "-", Time) => TExpr::new(call("lg_ts_diff", &[&format!("'2000-01-01 ' || {}", l.sql), "'timestamp'", &format!("'2000-01-01 ' || {}", r.sql), "'timestamp'"]), PgType::INTERVAL),
            (Interval, "+" | "-", Interval) => TExpr::new(call("lg_interval_add", &[&l.sql, &r.sql, if opname == "+" { "1" } else { "-1" }]), PgType::INTERVAL),
            (Interval, "*" | "/", Int2 | Int4 | Int8 | Float4 | Float8 | Numeric) => {
                TExpr::new(call("lg_interval_mul", &[&l.sql, &r.sql, if opname == "*" { "0" } else { "1" }]), PgType::INTERVAL)
            }
            (Int2 | Int4 | Int8 | Float4 | Float8 | Numeric, "*", Interval) => TExpr::new(call("lg_interval_mul", &[&r.sql, &l.sql, "0"]), PgType::INTERVAL),
            _ => return Err(undefined()),
        }
    };
    Ok(out.agg(agg))
}

pub fn json_operator(t: &mut Translator<'_>, left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<TExpr, TranslateError> {
    let l = t.expr(left)?;
    let l = if l.ty.is_unknown() { t.coerce(l, &PgType::JSONB)? } else { l };
    let json_ty = if l.ty.scalar == Scalar::Json { PgType::JSON } else { PgType::JSONB };
    Ok(match op {
        BinaryOperator::Arrow | BinaryOperator::LongArrow => {
            let r = t.expr(right)?;
            let r = if r.ty.is_unknown() { t.coerce(r, &PgType::TEXT)? } else { r };
            let as_text = matches!(op, BinaryOperator::LongArrow);
            let f = if as_text { "lg_json_get_text" } else { "lg_json_get" };
            TExpr::new(call(f, &[&l.sql, &r.sql]), if as_text { PgType::TEXT } else { json_ty }).agg(l.aggregate)
        }
        BinaryOperator::HashArrow | BinaryOperator::HashLongArrow => {
            let r = t.expr_as(right, &PgType::array_of(Scalar::Text))?;
            let as_text = matches!(op, BinaryOperator::HashLongArrow);
            let f = if as_text { "lg_json_path_text" } else { "lg_json_path" };
            TExpr::new(call(f, &[&l.sql, &r.sql]), if as_text { PgType::TEXT } else { json_ty })
        }
        BinaryOperator::AtArrow | BinaryOperator::ArrowAt => {
            if l.ty.array {
                let r = t.expr_as(right, &l.ty.clone())?;
                let (a, b) = if matches!(op, BinaryOperator::AtArrow) { (&l.sql, &r.sql) } else { (&r.sql, &l.sql) };
                return Ok(TExpr::new(call("lg_array_contains", &[a, b]), PgType::BOOL));
            }
            let r = t.expr_as(right, &PgType::JSONB)?;
            let (a, b) = if matches!(op, BinaryOperator::AtArrow) { (&l.sql, &r.sql) } else { (&r.sql, &l.sql) };
            TExpr::new(call("lg_jsonb_contains", &[a, b]), PgType::BOOL)
        }
        BinaryOperator::Question => {
            let r = t.expr_as(right, &PgType::TEXT)?;
            TExpr::new(call("lg_jsonb_exists", &[&l.sql, &r.sql]), PgType::BOOL)
        }
        BinaryOperator::QuestionPipe | BinaryOperator::QuestionAnd => {
            let r = t.expr_as(right, &PgType::array_of(Scalar::Text))?;
            let f = if matches!(op, BinaryOperator::QuestionPipe) { "lg_jsonb_exists_any" } else { "lg_jsonb_exists_all" };
            TExpr::new(call(f, &[&l.sql, &r.sql]), PgType::BOOL)
        }
        other => return Err(TranslateError::Unsupported(format!("operator {other}"))),
    })
}

pub fn array_concat(t: &mut Translator<'_>, l: TExpr, r: TExpr) -> Result<TExpr, TranslateError> {
    let ty = if l.ty.array { l.ty.clone() } else { r.ty.clone() };
    match (l.ty.array, r.ty.array) {
        (true, true) => Ok(TExpr::new(call("lg_array_cat", &[&l.sql, &r.sql]), ty)),
        (true, false) => {
            let r = t.coerce(r, &ty.element())?;
            Ok(TExpr::new(call("lg_array_append", &[&l.sql, &array_element_sql(&r)]), ty))
        }
        _ => {
            let l = t.coerce(l, &ty.element())?;
            Ok(TExpr::new(call("lg_array_prepend", &[&r.sql, &array_element_sql(&l)]), ty))
        }
    }
}

pub fn array_overlap(t: &mut Translator<'_>, left: &Expr, right: &Expr) -> Result<TExpr, TranslateError> {
    let l = t.expr(left)?;
    let ty = if l.ty.array { l.ty.clone() } else { PgType::array_of(Scalar::Text) };
    let l = t.coerce(l, &ty)?;
    let r = t.expr_as(right, &ty)?;
    Ok(TExpr::new(format!("EXISTS (SELECT 1 FROM json_each({}) a JOIN json_each({}) b ON a.value = b.value)", l.sql, r.sql), PgType::BOOL))
}

/// `arr[i]` (1-based) on a stored array.
pub fn subscript(t: &mut Translator<'_>, root: &Expr, chain: &[AccessExpr]) -> Result<TExpr, TranslateError> {
    // `c.conkey[1]` parses as `c` followed by `.conkey` and `[1]`: the leading
    // dotted names are one column reference.
    let mut names: Vec<sqlparser::ast::Ident> = match root {
        Expr::Identifier(i) => vec![i.clone()],
        Expr::CompoundIdentifier(v) => v.clone(),
        _ => Vec::new(),
    };
    let mut rest = chain;
    if !names.is_empty() {
        while let Some((AccessExpr::Dot(Expr::Identifier(i)), tail)) = rest.split_first() {
            names.push(i.clone());
            rest = tail;
        }
    }
    let mut cur = if rest.len() < chain.len() { t.expr(&Expr::CompoundIdentifier(names))? } else { t.expr(root)? };
    for access in rest {
        match access {
            AccessExpr::Subscript(Subscript::Index { index }) if cur.ty.array => {
                let i = t.expr_as(index, &PgType::INT4)?;
                let elem = cur.ty.element();
                // int2vector subscripts start at 0.
                let index = if cur.ty.scalar == Scalar::Int2Vector { format!("({}) + 1", i.sql) } else { i.sql };
                let sql = format!("lg_array_get({}, {}, {})", cur.sql, index, string(&elem.format_type()));
                cur = TExpr::new(sql, elem).named(cur.name.clone());
            }
            AccessExpr::Subscript(Subscript::Index { index }) if matches!(cur.ty.scalar, Scalar::Json | Scalar::Jsonb) => {
                let i = t.expr(index)?;
                let i = if i.ty.is_unknown() { t.coerce(i, &PgType::TEXT)? } else { i };
                cur = TExpr::new(call("lg_json_get", &[&cur.sql, &i.sql]), cur.ty.clone()).named(cur.name.clone());
            }
            // `(record).field` on a record built as a JSON object (_pg_expandarray).
            AccessExpr::Dot(Expr::Identifier(field)) if cur.ty == PgType::JSON => {
                let f = super::expr::fold(field);
                // The position `n` is an integer; other fields take the type of what they meet.
                let ty = if f == "n" { PgType::INT4 } else { PgType::UNKNOWN };
                cur = TExpr::new(format!("json_extract({}, {})", cur.sql, string(&format!("$.{f}"))), ty).named(f);
            }
            // `name` is a fixed array of bytes in PostgreSQL: `typname[0]` is its first character.
            AccessExpr::Subscript(Subscript::Index { index }) if cur.ty == PgType::NAME => {
                let i = t.expr_as(index, &PgType::INT4)?;
                cur = TExpr::new(format!("substr({}, ({}) + 1, 1)", cur.sql, i.sql), PgType::scalar(Scalar::Char));
            }
            other => return Err(TranslateError::Unsupported(format!("field access {other}"))),
        }
    }
    Ok(cur)
}
