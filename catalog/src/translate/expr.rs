//! Expressions: each PostgreSQL expression becomes SQLite SQL text together
//! with its inferred PostgreSQL type.
//!
//! Literals and parameters without a type take the type their context
//! expects (as PostgreSQL's `unknown` does); string literals are converted to
//! the stored form right here, so `ts > '2024-01-01 10:00+02'` compares
//! canonical text with canonical text inside SQLite.

use super::plan::{Access, OutColumn, SqlPlan, Tag};
use super::scope::Scopes;
use super::sqltext::{literal, string};
use super::{Context, TranslateError};
use crate::schema::QualifiedName;
use crate::types::{parse_type_name, PgType, Scalar};
use crate::value::{self, Value};
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Ident, ObjectName, ObjectNamePart, UnaryOperator, Value as AstValue,
};

/// What an expression was before translation, when that matters for typing.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    None,
    /// A string literal of type unknown.
    Str(String),
    /// A numeric literal as written.
    Number(String),
    Null,
    /// Parameter $n (0-based index).
    Param(usize),
}

/// A translated expression.
#[derive(Debug, Clone)]
pub struct TExpr {
    pub sql: String,
    pub ty: PgType,
    pub lit: Lit,
    /// The output column name PostgreSQL would give it.
    pub name: String,
    /// Table OID and attnum when it is a plain column reference.
    pub origin: Option<(u32, i16)>,
    /// Whether it contains an aggregate call (at this query level).
    pub aggregate: bool,
}

impl TExpr {
    pub fn new(sql: String, ty: PgType) -> TExpr {
        TExpr { sql, ty, lit: Lit::None, name: "?column?".into(), origin: None, aggregate: false }
    }
    pub fn named(mut self, name: impl Into<String>) -> TExpr {
        self.name = name.into();
        self
    }
    pub fn agg(mut self, a: bool) -> TExpr {
        self.aggregate |= a;
        self
    }
}

/// Case-folds an identifier as PostgreSQL does: unquoted names are lower-cased.
/// Resolves a type written in SQL (built-in or a declared enum) as seen from `search_path`.
pub fn resolve_type_in(schema: &crate::schema::Schema, search_path: &[String], text: &str) -> Result<PgType, TranslateError> {
    let tn = parse_type_name(text);
    if let Some(t) = tn.builtin() {
        return Ok(t);
    }
    let parts = crate::types::split_qualified(&tn.base);
    let (schema_name, name) = match parts.as_slice() {
        [s, n] => (Some(s.clone()), n.clone()),
        [n] => (None, n.clone()),
        _ => return Err(TranslateError::UndefinedType(text.to_string())),
    };
    let e = schema.lookup_enum(schema_name.as_deref(), &name, search_path).ok_or_else(|| TranslateError::UndefinedType(text.to_string()))?;
    let quoted = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    schema
        .resolve_type_text(&format!("{}.{}{}", quoted(&e.name.schema), quoted(&e.name.name), if tn.array { "[]" } else { "" }))
        .ok_or_else(|| TranslateError::UndefinedType(text.to_string()))
}

pub fn fold(id: &Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// `FROM ONLY t` (and `UPDATE ONLY t`, `DELETE FROM ONLY t`): the parser
/// reads ONLY as the table and `t` as its alias. Without table inheritance
/// ONLY changes nothing: the table is `t`, without alias.
pub fn without_only(name: &ObjectName, alias: Option<&sqlparser::ast::TableAlias>) -> Option<ObjectName> {
    let [ObjectNamePart::Identifier(id)] = name.0.as_slice() else { return None };
    let alias = alias?;
    (id.quote_style.is_none() && id.value.eq_ignore_ascii_case("only") && alias.columns.is_empty()).then(|| ObjectName(vec![ObjectNamePart::Identifier(alias.name.clone())]))
}

pub fn object_name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(id) => fold(id),
            other => other.to_string(),
        })
        .collect()
}

pub fn call(name: &str, args: &[&str]) -> String {
    format!("{name}({})", args.join(", "))
}

/// The walker state for one statement.
pub struct Translator<'a> {
    pub ctx: &'a Context<'a>,
    pub params: Vec<Option<PgType>>,
    pub scopes: Scopes,
    pub sequences: Vec<QualifiedName>,
    /// Common table expressions visible at each query level: name → columns.
    pub ctes: Vec<Vec<(String, Vec<OutColumn>)>>,
    /// OIDs of the tables and views the statement reads (a view's dependencies).
    pub relations_used: Vec<u32>,
    next_alias: usize,
}

impl<'a> Translator<'a> {
    pub fn new(ctx: &'a Context<'a>) -> Translator<'a> {
        Translator {
            ctx,
            params: ctx.param_hints.to_vec(),
            scopes: Scopes::default(),
            sequences: Vec::new(),
            ctes: Vec::new(),
            relations_used: Vec::new(),
            next_alias: 0,
        }
    }

    /// The alias of the json_each that expands `array_sql` at this query level.
    ///
    /// Several set-returning functions in one select list advance together,
    /// as in PostgreSQL: every array after the first is read at the first
    /// one's position (so the rows follow the first array's length).
    pub fn srf_alias(&mut self, array_sql: &str) -> String {
        if let Some((_, a)) = self.scopes.current().srf.first() {
            return a.clone();
        }
        let alias = self.fresh_alias();
        self.scopes.current().srf.push((array_sql.to_string(), alias.clone()));
        alias
    }

    pub fn fresh_alias(&mut self) -> String {
        self.next_alias += 1;
        format!("_lg{}", self.next_alias)
    }

    /// Final parameter types: anything still unknown is text, as in PostgreSQL.
    pub fn param_types(&self) -> Vec<PgType> {
        self.params.iter().map(|p| p.clone().filter(|t| !t.is_unknown()).unwrap_or(PgType::TEXT)).collect()
    }

    pub fn finish(self, sql: String, columns: Vec<OutColumn>, tag: Tag, access: Access) -> SqlPlan {
        let returns_rows = !columns.is_empty() || tag == Tag::Select;
        SqlPlan {
            pre: Vec::new(),
            params: self.param_types(),
            sql,
            post: Vec::new(),
            columns,
            returns_rows,
            tag,
            access,
            sequences: self.sequences,
            notices: Vec::new(),
        }
    }

    fn param(&mut self, n: usize) -> Option<PgType> {
        if self.params.len() < n + 1 {
            self.params.resize(n + 1, None);
        }
        self.params[n].clone().filter(|t| !t.is_unknown())
    }

    fn set_param(&mut self, n: usize, ty: &PgType) {
        if self.params.len() < n + 1 {
            self.params.resize(n + 1, None);
        }
        if self.params[n].as_ref().is_none_or(|t| t.is_unknown()) && !ty.is_unknown() {
            self.params[n] = Some(ty.clone());
        }
    }

    /// Resolves a type written in SQL (built-in or a declared enum).
    pub fn resolve_type(&self, text: &str) -> Result<PgType, TranslateError> {
        resolve_type_in(self.ctx.schema, self.ctx.search_path, text)
    }

    pub fn data_type(&self, dt: &DataType) -> Result<PgType, TranslateError> {
        self.resolve_type(&dt.to_string())
    }

    /// Translates `e` and coerces it to `target`.
    pub fn expr_as(&mut self, e: &Expr, target: &PgType) -> Result<TExpr, TranslateError> {
        let t = self.expr(e)?;
        self.coerce(t, target)
    }

    /// Gives an untyped literal or parameter the type `target`; converts typed
    /// values whose stored form differs.
    pub fn coerce(&mut self, e: TExpr, target: &PgType) -> Result<TExpr, TranslateError> {
        if target.is_unknown() {
            return Ok(e);
        }
        match &e.lit {
            Lit::Str(s) => {
                if !target.array {
                    self.ctx.schema.check_enum(target, s)?;
                }
                let v = value::from_text(target, s, self.ctx.format)?;
                return Ok(TExpr { sql: literal(&v), ty: target.clone(), ..e });
            }
            Lit::Null => return Ok(TExpr { ty: target.clone(), ..e }),
            Lit::Param(n) if e.ty.is_unknown() => {
                let n = *n;
                self.set_param(n, target);
                let ty = self.param(n).unwrap_or_else(|| target.clone());
                return Ok(TExpr { ty, ..e });
            }
            Lit::Number(s) if target.storage() != e.ty.storage() || target.typmod >= 0 => {
                let v = value::from_text(target, s, self.ctx.format)?;
                return Ok(TExpr { sql: literal(&v), ty: target.clone(), ..e });
            }
            _ => {}
        }
        if e.ty == *target || e.ty.is_unknown() {
            return Ok(TExpr { ty: if e.ty.is_unknown() { target.clone() } else { e.ty }, ..e });
        }
        // char(n) drops its padding when it becomes text or varchar.
        let e = if e.ty.scalar == Scalar::Bpchar && !e.ty.array && !target.array && matches!(target.scalar, Scalar::Text | Scalar::Varchar | Scalar::Name) {
            let sql = call("rtrim", &[&e.sql, "' '"]);
            let trimmed = TExpr { sql, ty: PgType::TEXT, lit: Lit::None, ..e };
            if *target == PgType::TEXT {
                return Ok(trimmed);
            }
            trimmed
        } else {
            e
        };
        if same_representation(&e.ty, target) {
            return Ok(TExpr { ty: target.clone(), ..e });
        }
        let sql = call("lg_cast", &[&e.sql, &string(&e.ty.format_type()), &string(&target.format_type())]);
        Ok(TExpr { sql, ty: target.clone(), lit: Lit::None, ..e })
    }

    /// Translates an expression. Deep expressions (a chain of ten thousand
    /// `+`) grow the stack on the heap instead of overflowing it.
    pub fn expr(&mut self, e: &Expr) -> Result<TExpr, TranslateError> {
        stacker::maybe_grow(1024 * 1024, 8 * 1024 * 1024, || self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &Expr) -> Result<TExpr, TranslateError> {
        match e {
            Expr::Identifier(id) => self.column(&[], &fold(id), id),
            Expr::CompoundIdentifier(ids) => {
                let parts: Vec<String> = ids.iter().map(fold).collect();
                let (col, qual) = parts.split_last().ok_or_else(|| TranslateError::Syntax("empty identifier".into()))?;
                self.column(qual, col, ids.last().unwrap_or(&ids[0]))
            }
            Expr::Value(v) => self.value(&v.value),
            Expr::Nested(inner) => {
                let t = self.expr(inner)?;
                Ok(TExpr { sql: format!("({})", t.sql), ..t })
            }
            Expr::IsNull(x) | Expr::IsNotNull(x) => {
                let t = self.expr(x)?;
                let op = if matches!(e, Expr::IsNull(_)) { "IS NULL" } else { "IS NOT NULL" };
                Ok(TExpr::new(format!("({} {op})", t.sql), PgType::BOOL).agg(t.aggregate))
            }
            Expr::IsTrue(x) | Expr::IsNotTrue(x) | Expr::IsFalse(x) | Expr::IsNotFalse(x) => {
                let t = self.expr_as(x, &PgType::BOOL)?;
                let op = match e {
                    Expr::IsTrue(_) => "IS 1",
                    Expr::IsNotTrue(_) => "IS NOT 1",
                    Expr::IsFalse(_) => "IS 0",
                    _ => "IS NOT 0",
                };
                Ok(TExpr::new(format!("({} {op})", t.sql), PgType::BOOL).agg(t.aggregate))
            }
            Expr::IsUnknown(x) | Expr::IsNotUnknown(x) => {
                let t = self.expr_as(x, &PgType::BOOL)?;
                let op = if matches!(e, Expr::IsUnknown(_)) { "IS NULL" } else { "IS NOT NULL" };
                Ok(TExpr::new(format!("({} {op})", t.sql), PgType::BOOL).agg(t.aggregate))
            }
            Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                let (l, r) = self.pair(a, b)?;
                let (l, r) = self.comparable(l, r)?;
                let op = if matches!(e, Expr::IsDistinctFrom(..)) { "IS NOT" } else { "IS" };
                Ok(TExpr::new(format!("({} {op} {})", l.sql, r.sql), PgType::BOOL).agg(l.aggregate || r.aggregate))
            }
            Expr::InList { expr, list, negated } => {
                let mut l = self.expr(expr)?;
                let mut items = Vec::with_capacity(list.len());
                let mut agg = l.aggregate;
                for item in list {
                    let it = self.expr(item)?;
                    if l.ty.is_unknown() && !it.ty.is_unknown() {
                        l = self.coerce(l, &it.ty.clone())?;
                    }
                    let it = self.coerce(it, &l.ty.clone())?;
                    agg |= it.aggregate;
                    items.push(it.sql);
                }
                let not = if *negated { "NOT " } else { "" };
                Ok(TExpr::new(format!("({} {not}IN ({}))", l.sql, items.join(", ")), PgType::BOOL).agg(agg))
            }
            Expr::InSubquery { expr, subquery, negated } => {
                let l = self.expr(expr)?;
                let (sql, cols) = self.subquery(subquery)?;
                if let Some(c) = cols.first() {
                    let _ = self.coerce(l.clone(), &c.ty)?;
                }
                let not = if *negated { "NOT " } else { "" };
                Ok(TExpr::new(format!("({} {not}IN ({sql}))", l.sql), PgType::BOOL).agg(l.aggregate))
            }
            Expr::Between { expr, negated, low, high } => {
                // PostgreSQL reads `x BETWEEN lo AND hi` as `x >= lo AND
                // x <= hi`, in that order: a parameter in `lo` takes x's
                // type before `hi` (`$1 + 9`) is typed.
                let x = self.expr(expr)?;
                let lo = self.expr(low)?;
                let target = if x.ty.is_unknown() { lo.ty.clone() } else { x.ty.clone() };
                let lo = self.coerce(lo, &target)?;
                let hi = self.expr(high)?;
                let target = if target.is_unknown() { hi.ty.clone() } else { target };
                let x = self.coerce(x, &target)?;
                let lo = self.coerce(lo, &target)?;
                let hi = self.coerce(hi, &target)?;
                let ge = self.compare_sql(&x, ">=", &lo);
                let le = self.compare_sql(&x, "<=", &hi);
                let body = format!("({ge} AND {le})");
                let sql = if *negated { format!("(NOT {body})") } else { body };
                Ok(TExpr::new(sql, PgType::BOOL).agg(x.aggregate))
            }
            Expr::BinaryOp { left, op, right } => self.binary(left, op, right),
            Expr::UnaryOp { op, expr } => self.unary(op, expr),
            Expr::Like { negated, any, expr, pattern, escape_char } | Expr::ILike { negated, any, expr, pattern, escape_char } => {
                if *any {
                    return Err(TranslateError::Unsupported("LIKE ANY".into()));
                }
                let ilike = matches!(e, Expr::ILike { .. });
                self.like(expr, pattern, escape_char.as_deref(), *negated, ilike)
            }
            Expr::SimilarTo { .. } => Err(TranslateError::Unsupported("SIMILAR TO".into())),
            Expr::AnyOp { left, compare_op, right, .. } => self.any_all(left, compare_op, right, true),
            Expr::AllOp { left, compare_op, right } => self.any_all(left, compare_op, right, false),
            Expr::Cast { kind, expr, data_type, format } => {
                if format.is_some() || matches!(kind, CastKind::TryCast | CastKind::SafeCast) {
                    return Err(TranslateError::Unsupported(format!("{kind:?} cast")));
                }
                self.cast(expr, data_type)
            }
            Expr::TypedString(ts) => {
                let target = self.data_type(&ts.data_type)?;
                let text = match &ts.value.value {
                    AstValue::SingleQuotedString(s) | AstValue::EscapedStringLiteral(s) => s.clone(),
                    other => other.to_string(),
                };
                let v = value::from_text(&target, &text, self.ctx.format)?;
                Ok(TExpr::new(literal(&v), target.clone()).named(type_output_name(&target)))
            }
            Expr::Interval(iv) => {
                if iv.leading_field.is_some() || iv.last_field.is_some() {
                    let text = format!("{} {}", self.const_text(&iv.value)?, iv.leading_field.as_ref().map(|f| f.to_string()).unwrap_or_default());
                    let v = value::from_text(&PgType::INTERVAL, &text, self.ctx.format)?;
                    return Ok(TExpr::new(literal(&v), PgType::INTERVAL).named("interval"));
                }
                let text = self.const_text(&iv.value)?;
                let v = value::from_text(&PgType::INTERVAL, &text, self.ctx.format)?;
                Ok(TExpr::new(literal(&v), PgType::INTERVAL).named("interval"))
            }
            Expr::Case { operand, conditions, else_result, .. } => self.case(operand.as_deref(), conditions, else_result.as_deref()),
            Expr::Exists { subquery, negated } => {
                let (sql, _) = self.subquery(subquery)?;
                let not = if *negated { "NOT " } else { "" };
                Ok(TExpr::new(format!("({not}EXISTS ({sql}))"), PgType::BOOL).named("exists"))
            }
            Expr::Subquery(q) => {
                let (sql, cols) = self.subquery(q)?;
                let c = cols.first().cloned().unwrap_or_else(|| OutColumn::new("?column?", PgType::TEXT));
                Ok(TExpr::new(format!("({sql})"), c.ty).named(c.name))
            }
            Expr::Function(f) => super::func::function(self, f),
            Expr::Extract { field, expr, .. } => {
                let field_name = field.to_string().to_lowercase();
                let t = self.expr(expr)?;
                let t = if t.ty.is_unknown() { self.coerce(t, &PgType::TIMESTAMPTZ)? } else { t };
                let sql = call("lg_extract", &[&string(&field_name), &t.sql, &string(&t.ty.format_type())]);
                Ok(TExpr::new(sql, PgType::NUMERIC).named("extract").agg(t.aggregate))
            }
            Expr::Position { expr, r#in } => {
                let needle = self.expr_as(expr, &PgType::TEXT)?;
                let hay = self.expr_as(r#in, &PgType::TEXT)?;
                Ok(TExpr::new(call("instr", &[&hay.sql, &needle.sql]), PgType::INT4).named("position"))
            }
            Expr::Substring { expr, substring_from, substring_for, shorthand, .. } => {
                let fname = if *shorthand { "substr" } else { "substring" };
                let s = self.expr_as(expr, &PgType::TEXT)?;
                let from = match substring_from {
                    Some(f) => self.expr_as(f, &PgType::INT4)?.sql,
                    None => "1".into(),
                };
                let sql = match substring_for {
                    Some(n) => {
                        let n = self.expr_as(n, &PgType::INT4)?;
                        call("lg_substring", &[&s.sql, &from, &n.sql])
                    }
                    None => call("lg_substring", &[&s.sql, &from]),
                };
                Ok(TExpr::new(sql, PgType::TEXT).named(fname).agg(s.aggregate))
            }
            Expr::Trim { trim_where, trim_what, expr, trim_characters } => {
                if trim_characters.is_some() {
                    return Err(TranslateError::Unsupported("TRIM with a character list".into()));
                }
                let s = self.expr_as(expr, &PgType::TEXT)?;
                let f = match trim_where.as_ref().map(|w| w.to_string().to_uppercase()) {
                    Some(w) if w == "LEADING" => "ltrim",
                    Some(w) if w == "TRAILING" => "rtrim",
                    _ => "trim",
                };
                let sql = match trim_what {
                    Some(w) => {
                        let w = self.expr_as(w, &PgType::TEXT)?;
                        call(f, &[&s.sql, &w.sql])
                    }
                    None => call(f, &[&s.sql, "' '"]),
                };
                Ok(TExpr::new(sql, PgType::TEXT).named(if f == "trim" { "btrim" } else { f }).agg(s.aggregate))
            }
            Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => {
                let t = self.expr(expr)?;
                let t = if t.ty.is_unknown() { self.coerce(t, &PgType::FLOAT8)? } else { t };
                let name = if matches!(e, Expr::Ceil { .. }) { "ceil" } else { "floor" };
                super::operators::numeric_unary(self, name, t)
            }
            Expr::Collate { expr, collation } => {
                let t = self.expr(expr)?;
                let c = object_name_parts(collation).join(".");
                match c.as_str() {
                    "c" | "pg_catalog.c" | "default" | "pg_catalog.default" | "posix" | "ucs_basic" => Ok(TExpr { sql: format!("({} COLLATE BINARY)", t.sql), ..t }),
                    other => Err(TranslateError::Unsupported(format!("collation \"{other}\""))),
                }
            }
            Expr::Array(arr) => {
                let mut elems = Vec::new();
                let mut elem_ty = PgType::UNKNOWN;
                for x in &arr.elem {
                    let t = self.expr(x)?;
                    if elem_ty.is_unknown() && !t.ty.is_unknown() {
                        elem_ty = t.ty.clone();
                    }
                    elems.push(t);
                }
                if elem_ty.is_unknown() {
                    elem_ty = PgType::TEXT;
                }
                let mut parts = Vec::new();
                for t in elems {
                    let t = self.coerce(t, &elem_ty)?;
                    parts.push(array_element_sql(&t));
                }
                Ok(TExpr::new(call("json_array", &parts.iter().map(String::as_str).collect::<Vec<_>>()), elem_ty.as_array()).named("array"))
            }
            Expr::CompoundFieldAccess { root, access_chain } => super::operators::subscript(self, root, access_chain),
            Expr::AtTimeZone { timestamp, time_zone } => {
                let t = self.expr(timestamp)?;
                let t = if t.ty.is_unknown() { self.coerce(t, &PgType::TIMESTAMPTZ)? } else { t };
                let z = self.expr_as(time_zone, &PgType::TEXT)?;
                let out = if t.ty.scalar == Scalar::Timestamptz { PgType::TIMESTAMP } else { PgType::TIMESTAMPTZ };
                let sql = call("lg_at_time_zone", &[&t.sql, &string(&t.ty.format_type()), &z.sql]);
                Ok(TExpr::new(sql, out).named("timezone").agg(t.aggregate))
            }
            Expr::Tuple(items) => {
                let mut parts = Vec::new();
                for i in items {
                    parts.push(self.expr(i)?.sql);
                }
                Ok(TExpr::new(format!("({})", parts.join(", ")), PgType::UNKNOWN).named("row"))
            }
            other => Err(TranslateError::Unsupported(format!("expression {}", describe_expr(other)))),
        }
    }

    fn const_text(&mut self, e: &Expr) -> Result<String, TranslateError> {
        match e {
            Expr::Value(v) => match &v.value {
                AstValue::SingleQuotedString(s) | AstValue::EscapedStringLiteral(s) => Ok(s.clone()),
                AstValue::Number(n, _) => Ok(n.to_string()),
                other => Ok(other.to_string()),
            },
            other => Err(TranslateError::Unsupported(format!("non-constant interval {other}"))),
        }
    }

    fn column(&mut self, qualifier: &[String], name: &str, id: &Ident) -> Result<TExpr, TranslateError> {
        match self.scopes.resolve(qualifier, name) {
            Ok(r) => {
                let mut t = TExpr::new(r.sql, r.column.ty.clone()).named(name);
                if r.column.table_oid != 0 {
                    t.origin = Some((r.column.table_oid, r.column.attnum));
                }
                Ok(t)
            }
            Err(err) => {
                // Keywords PostgreSQL accepts without parentheses.
                if qualifier.is_empty() && id.quote_style.is_none() {
                    if let Some(t) = super::func::bare_keyword(self, name)? {
                        return Ok(t);
                    }
                }
                Err(err)
            }
        }
    }

    fn value(&mut self, v: &AstValue) -> Result<TExpr, TranslateError> {
        Ok(match v {
            AstValue::Number(n, _) => {
                let s = n.to_string();
                if let Ok(i) = s.parse::<i64>() {
                    let ty = if i32::try_from(i).is_ok() { PgType::INT4 } else { PgType::INT8 };
                    TExpr { lit: Lit::Number(s.clone()), ..TExpr::new(i.to_string(), ty) }
                } else {
                    let v = value::from_text(&PgType::NUMERIC, &s, self.ctx.format)?;
                    TExpr { lit: Lit::Number(s), ..TExpr::new(literal(&v), PgType::NUMERIC) }
                }
            }
            AstValue::SingleQuotedString(s) | AstValue::EscapedStringLiteral(s) | AstValue::DollarQuotedString(sqlparser::ast::DollarQuotedString { value: s, .. }) => {
                TExpr { lit: Lit::Str(s.clone()), ..TExpr::new(string(s), PgType::UNKNOWN) }
            }
            AstValue::Boolean(b) => TExpr::new(if *b { "1".into() } else { "0".into() }, PgType::BOOL).named("bool"),
            AstValue::Null => TExpr { lit: Lit::Null, ..TExpr::new("NULL".into(), PgType::UNKNOWN) },
            AstValue::Placeholder(p) => {
                let n: usize = p
                    .trim_start_matches('$')
                    .parse()
                    .map_err(|_| TranslateError::Syntax(format!("invalid parameter {p}")))?;
                if n == 0 || n > 65535 {
                    return Err(TranslateError::Syntax(format!("there is no parameter ${n}")));
                }
                let idx = n - 1;
                let ty = self.param(idx).unwrap_or(PgType::UNKNOWN);
                TExpr { lit: Lit::Param(idx), ..TExpr::new(format!("?{n}"), ty) }
            }
            AstValue::HexStringLiteral(h) => {
                let bytes: Result<Vec<u8>, _> = (0..h.len() / 2).map(|i| u8::from_str_radix(&h[i * 2..i * 2 + 2], 16)).collect();
                let bytes = bytes.map_err(|_| TranslateError::Syntax(format!("invalid hex literal {h}")))?;
                TExpr::new(literal(&Value::Blob(bytes)), PgType::BYTEA)
            }
            other => return Err(TranslateError::Unsupported(format!("literal {other}"))),
        })
    }

    fn pair(&mut self, a: &Expr, b: &Expr) -> Result<(TExpr, TExpr), TranslateError> {
        let l = self.expr(a)?;
        let r = self.expr(b)?;
        Ok((l, r))
    }

    fn binary(&mut self, left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<TExpr, TranslateError> {
        use BinaryOperator as B;
        match op {
            B::And | B::Or => {
                let l = self.expr_as(left, &PgType::BOOL)?;
                let r = self.expr_as(right, &PgType::BOOL)?;
                let o = if matches!(op, B::And) { "AND" } else { "OR" };
                Ok(TExpr::new(format!("({} {o} {})", l.sql, r.sql), PgType::BOOL).agg(l.aggregate || r.aggregate))
            }
            B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq => {
                let (l, r) = self.pair(left, right)?;
                let (l, r) = self.comparable(l, r)?;
                let o = match op {
                    B::Eq => "=",
                    B::NotEq => "<>",
                    B::Lt => "<",
                    B::LtEq => "<=",
                    B::Gt => ">",
                    _ => ">=",
                };
                let agg = l.aggregate || r.aggregate;
                Ok(TExpr::new(self.compare_sql(&l, o, &r), PgType::BOOL).agg(agg))
            }
            B::Plus | B::Minus | B::Multiply | B::Divide | B::Modulo => super::operators::arithmetic(self, left, op, right),
            B::StringConcat => {
                let (l, r) = self.pair(left, right)?;
                if l.ty.array || r.ty.array {
                    return super::operators::array_concat(self, l, r);
                }
                if l.ty == PgType::JSONB || r.ty == PgType::JSONB {
                    let l = self.coerce(l, &PgType::JSONB)?;
                    let r = self.coerce(r, &PgType::JSONB)?;
                    return Ok(TExpr::new(call("lg_jsonb_concat", &[&l.sql, &r.sql]), PgType::JSONB).agg(l.aggregate || r.aggregate));
                }
                let l = self.as_text(l)?;
                let r = self.as_text(r)?;
                Ok(TExpr::new(format!("({} || {})", l.sql, r.sql), PgType::TEXT).agg(l.aggregate || r.aggregate))
            }
            B::PGRegexMatch | B::PGRegexIMatch | B::PGRegexNotMatch | B::PGRegexNotIMatch => {
                let s = self.expr_as(left, &PgType::TEXT)?;
                let p = self.expr_as(right, &PgType::TEXT)?;
                let ci = matches!(op, B::PGRegexIMatch | B::PGRegexNotIMatch);
                let not = matches!(op, B::PGRegexNotMatch | B::PGRegexNotIMatch);
                let m = call("lg_regex_match", &[&s.sql, &p.sql, if ci { "1" } else { "0" }]);
                Ok(TExpr::new(if not { format!("(NOT {m})") } else { m }, PgType::BOOL).agg(s.aggregate))
            }
            B::PGLikeMatch | B::PGNotLikeMatch => self.like(left, right, None, matches!(op, B::PGNotLikeMatch), false),
            B::PGILikeMatch | B::PGNotILikeMatch => self.like(left, right, None, matches!(op, B::PGNotILikeMatch), true),
            B::Arrow | B::LongArrow | B::HashArrow | B::HashLongArrow | B::AtArrow | B::ArrowAt | B::Question | B::QuestionAnd | B::QuestionPipe => {
                super::operators::json_operator(self, left, op, right)
            }
            B::BitwiseAnd | B::BitwiseOr | B::PGBitwiseShiftLeft | B::PGBitwiseShiftRight => {
                let l = self.expr_as(left, &PgType::INT8)?;
                let r = self.expr_as(right, &PgType::INT8)?;
                let o = match op {
                    B::BitwiseAnd => "&",
                    B::BitwiseOr => "|",
                    B::PGBitwiseShiftLeft => "<<",
                    _ => ">>",
                };
                let ty = if l.ty == PgType::INT4 && r.ty == PgType::INT4 { PgType::INT4 } else { l.ty.clone() };
                Ok(TExpr::new(format!("({} {o} {})", l.sql, r.sql), ty))
            }
            B::PGExp => {
                // numeric ^ numeric when either side is numeric (and neither a
                // float), else float8 ^ float8, as PostgreSQL resolves it.
                let (l, r) = (self.expr(left)?, self.expr(right)?);
                let numeric = (l.ty.scalar == Scalar::Numeric || r.ty.scalar == Scalar::Numeric) && !l.ty.is_float() && !r.ty.is_float();
                let ty = if numeric { PgType::NUMERIC } else { PgType::FLOAT8 };
                let (l, r) = (self.coerce(l, &ty)?, self.coerce(r, &ty)?);
                let f = if numeric { "lg_num_power" } else { "lg_float_power" };
                Ok(TExpr::new(call(f, &[&l.sql, &r.sql]), ty))
            }
            B::PGOverlap => super::operators::array_overlap(self, left, right),
            B::PGCustomBinaryOperator(parts) if parts.len() <= 2 && parts.first().is_none_or(|s| parts.len() == 1 || s == "pg_catalog") => {
                let plain = match parts.last().map(String::as_str) {
                    Some("~") => B::PGRegexMatch,
                    Some("~*") => B::PGRegexIMatch,
                    Some("!~") => B::PGRegexNotMatch,
                    Some("!~*") => B::PGRegexNotIMatch,
                    Some("~~") => B::PGLikeMatch,
                    Some("!~~") => B::PGNotLikeMatch,
                    Some("~~*") => B::PGILikeMatch,
                    Some("!~~*") => B::PGNotILikeMatch,
                    Some("=") => B::Eq,
                    Some("<>") | Some("!=") => B::NotEq,
                    Some("<") => B::Lt,
                    Some(">") => B::Gt,
                    Some("<=") => B::LtEq,
                    Some(">=") => B::GtEq,
                    Some("||") => B::StringConcat,
                    Some("+") => B::Plus,
                    Some("-") => B::Minus,
                    Some("*") => B::Multiply,
                    Some("/") => B::Divide,
                    _ => return Err(TranslateError::Unsupported(format!("operator {op}"))),
                };
                self.binary(left, &plain, right)
            }
            other => Err(TranslateError::Unsupported(format!("operator {other}"))),
        }
    }

    /// A value as text for `||` and friends, printed as PostgreSQL prints it.
    pub fn as_text(&mut self, t: TExpr) -> Result<TExpr, TranslateError> {
        if t.ty.is_unknown() {
            return self.coerce(t, &PgType::TEXT);
        }
        if t.ty.scalar == Scalar::Bpchar && !t.ty.array {
            let sql = call("rtrim", &[&t.sql, "' '"]);
            return Ok(TExpr { sql, ty: PgType::TEXT, lit: Lit::None, ..t });
        }
        if t.ty.is_text_family() || t.ty.is_integer() {
            return Ok(t);
        }
        // Concatenation uses the type's output function (true prints as t), not a cast.
        let sql = call("lg_text_out", &[&t.sql, &string(&t.ty.format_type())]);
        Ok(TExpr { sql, ty: PgType::TEXT, lit: Lit::None, ..t })
    }

    fn unary(&mut self, op: &UnaryOperator, e: &Expr) -> Result<TExpr, TranslateError> {
        match op {
            UnaryOperator::Not => {
                let t = self.expr_as(e, &PgType::BOOL)?;
                Ok(TExpr::new(format!("(NOT {})", t.sql), PgType::BOOL).agg(t.aggregate))
            }
            UnaryOperator::Minus => {
                // Fold negative literals so `-1` stays a literal of its own type.
                if let Expr::Value(v) = e {
                    if let AstValue::Number(n, _) = &v.value {
                        let neg = format!("-{n}");
                        let t = self.value(&AstValue::Number(neg.clone(), false))?;
                        return Ok(t);
                    }
                }
                let t = self.expr(e)?;
                if t.ty.scalar == Scalar::Numeric {
                    return Ok(TExpr::new(call("lg_num_neg", &[&t.sql]), t.ty.clone()).agg(t.aggregate));
                }
                if t.ty.scalar == Scalar::Interval {
                    return Ok(TExpr::new(call("lg_interval_neg", &[&t.sql]), t.ty.clone()).agg(t.aggregate));
                }
                Ok(TExpr { sql: format!("(- {})", t.sql), lit: Lit::None, name: "?column?".into(), origin: None, ..t })
            }
            UnaryOperator::Plus => self.expr(e),
            UnaryOperator::PGAbs => {
                let t = self.expr(e)?;
                super::operators::numeric_unary(self, "abs", t)
            }
            UnaryOperator::PGSquareRoot => {
                let t = self.expr_as(e, &PgType::FLOAT8)?;
                Ok(TExpr::new(call("sqrt", &[&t.sql]), PgType::FLOAT8))
            }
            other => Err(TranslateError::Unsupported(format!("operator {other}"))),
        }
    }

    /// A subquery in an expression: its own level of scope above the current one.
    pub fn subquery(&mut self, q: &sqlparser::ast::Query) -> Result<(String, Vec<OutColumn>), TranslateError> {
        self.query(q, None)
    }
}

/// Types whose stored forms are interchangeable without conversion.
pub fn same_representation(a: &PgType, b: &PgType) -> bool {
    if a.array != b.array {
        return false;
    }
    let text_like = |t: &PgType| matches!(t.scalar, Scalar::Text | Scalar::Varchar | Scalar::Bpchar | Scalar::Name | Scalar::Unknown);
    let int_like = |t: &PgType| matches!(t.scalar, Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Oid | Scalar::Regclass | Scalar::Regtype | Scalar::Regproc);
    let float_like = |t: &PgType| matches!(t.scalar, Scalar::Float4 | Scalar::Float8);
    (text_like(a) && text_like(b) && (b.typmod < 0 || a.array))
        || (text_like(a) && matches!(b.scalar, Scalar::Enum(_)))
        || (matches!(a.scalar, Scalar::Enum(_)) && text_like(b))
        || (int_like(a) && int_like(b) && rank(b) >= rank(a))
        || (float_like(a) && float_like(b))
        || (int_like(a) && float_like(b))
        || (a.scalar == Scalar::Json && b.scalar == Scalar::Json)
        || (a.scalar == Scalar::Numeric && b.scalar == Scalar::Numeric && b.typmod < 0)
}

fn rank(t: &PgType) -> u8 {
    match t.scalar {
        Scalar::Int2 => 1,
        Scalar::Int4 => 2,
        Scalar::Int8 | Scalar::Oid | Scalar::Regclass | Scalar::Regtype | Scalar::Regproc => 3,
        Scalar::Numeric => 4,
        Scalar::Float4 => 5,
        Scalar::Float8 => 6,
        Scalar::Date => 10,
        Scalar::Timestamp => 11,
        Scalar::Timestamptz => 12,
        _ => 0,
    }
}

/// The common type of two operands (PostgreSQL's implicit promotion).
pub fn wider(a: &PgType, b: &PgType) -> PgType {
    if a.is_unknown() {
        return b.clone();
    }
    if b.is_unknown() {
        return a.clone();
    }
    if rank(a) >= rank(b) {
        PgType { typmod: -1, ..a.clone() }
    } else {
        PgType { typmod: -1, ..b.clone() }
    }
}

/// The element as it must appear inside `json_array(...)` (JSON text kept as JSON).
pub fn array_element_sql(t: &TExpr) -> String {
    match t.ty.scalar {
        Scalar::Bool => format!("CASE WHEN {} IS NULL THEN NULL WHEN {} THEN json('true') ELSE json('false') END", t.sql, t.sql),
        _ => t.sql.clone(),
    }
}

/// PostgreSQL's output name for a cast of a literal: the type's own name.
pub fn type_output_name(t: &PgType) -> String {
    let n = match &t.scalar {
        Scalar::Bool => "bool",
        Scalar::Int2 => "int2",
        Scalar::Int4 => "int4",
        Scalar::Int8 => "int8",
        Scalar::Float4 => "float4",
        Scalar::Float8 => "float8",
        Scalar::Numeric => "numeric",
        Scalar::Varchar => "varchar",
        Scalar::Bpchar => "bpchar",
        Scalar::Timestamptz => "timestamptz",
        Scalar::Timestamp => "timestamp",
        Scalar::Time => "time",
        Scalar::Char => "char",
        Scalar::Enum(e) => return e.name.to_string(),
        _ => return t.element().format_type(),
    };
    n.to_string()
}

fn describe_expr(e: &Expr) -> String {
    let s = e.to_string();
    if s.len() > 60 {
        format!("{}...", &s[..s.char_indices().nth(60).map(|(i, _)| i).unwrap_or(s.len())])
    } else {
        s
    }
}

