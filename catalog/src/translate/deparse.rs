//! Stored expressions as PostgreSQL prints them back (its `ruleutils.c`).
//!
//! PostgreSQL keeps a CHECK constraint as the parse tree its analyzer
//! produced, so `pg_get_constraintdef`, psql's `\d`, pg_dump and ORMs see the
//! expression with every implicit cast made explicit (`length((name)::text)`,
//! `(amount > (0)::numeric)`), an IN list turned into `= ANY (ARRAY[...])`,
//! BETWEEN expanded, and string literals labelled with their resolved type.
//! litegres stores the expression as written and rebuilds that form here:
//! [`Analyzer`] types the sqlparser tree the way PostgreSQL's parser resolves
//! operators and functions, and [`print`] renders it either fully
//! parenthesised (`pretty = false`) or with only the parentheses precedence
//! needs (`pretty = true`, what `pg_get_constraintdef(oid, true)` returns).
//! An expression it cannot type is printed as written.

use super::expr::{fold, resolve_type_in};
use crate::schema::{Relation, Schema};
use crate::types::{PgType, Scalar};
use sqlparser::ast::{BinaryOperator as B, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator, Value as V};

/// `pg_get_constraintdef`'s text for a CHECK expression of `rel`, with
/// type names resolved along `search_path`.
pub fn check_constraint(schema: &Schema, search_path: &[String], rel: &Relation, text: &str, pretty: bool) -> String {
    let body = match super::ddl::parse_expr(text) {
        Ok(e) => print(&Analyzer { schema, search_path, rel }.expr(&e), pretty),
        Err(_) => text.to_string(),
    };
    format!("CHECK ({body})")
}

/// A typed expression: the node and the type PostgreSQL's parser gives it
/// (`None` when litegres cannot tell, which adds no casts around it).
#[derive(Debug, Clone)]
struct Typed {
    node: Node,
    ty: Option<PgType>,
}

#[derive(Debug, Clone)]
enum Node {
    Var(String),
    Const(Const),
    /// A binary (two args) or prefix (one arg) operator.
    Op(String, Vec<Typed>),
    /// AND (true) or OR (false) of two or more arguments.
    Bool(bool, Vec<Typed>),
    Not(Box<Typed>),
    /// `IS NULL`, `IS NOT TRUE`...: the test's words.
    Test(Box<Typed>, &'static str),
    Func(String, Vec<Typed>),
    /// A keyword value such as CURRENT_DATE.
    Keyword(String),
    /// A cast. `relabel` when the types are binary-coercible (varchar to
    /// text), which PostgreSQL represents differently for precedence.
    Cast { arg: Box<Typed>, implicit: bool, relabel: bool },
    /// `x op ANY (array)` (true) or `ALL`.
    AnyAll(String, bool, Box<Typed>, Box<Typed>),
    Array(Vec<Typed>),
    Raw(String),
}

#[derive(Debug, Clone)]
enum Const {
    /// A number as written (sign included).
    Number(String),
    Str(String),
    Bool(bool),
    Null,
}

fn typed(node: Node, ty: Option<PgType>) -> Typed {
    Typed { node, ty }
}

fn base(t: &PgType) -> PgType {
    PgType { typmod: -1, ..t.clone() }
}

fn same_type(a: &PgType, b: &PgType) -> bool {
    a.scalar == b.scalar && a.array == b.array
}

fn is_string(t: &PgType) -> bool {
    !t.array && matches!(t.scalar, Scalar::Text | Scalar::Varchar | Scalar::Bpchar | Scalar::Name)
}

fn is_int(t: &PgType) -> bool {
    !t.array && matches!(t.scalar, Scalar::Int2 | Scalar::Int4 | Scalar::Int8)
}

fn is_float(t: &PgType) -> bool {
    !t.array && matches!(t.scalar, Scalar::Float4 | Scalar::Float8)
}

fn is_datetime(t: &PgType) -> bool {
    !t.array && matches!(t.scalar, Scalar::Date | Scalar::Timestamp | Scalar::Timestamptz)
}

fn int_rank(t: &PgType) -> u8 {
    match t.scalar {
        Scalar::Int2 => 1,
        Scalar::Int4 => 2,
        _ => 3,
    }
}

/// What an implicit cast from `from` to `to` costs in function resolution
/// (None: not implicitly castable). PostgreSQL prefers its category's
/// preferred type (text, double precision), which the lower costs mirror.
fn cast_cost(from: &PgType, to: &PgType) -> Option<u32> {
    if same_type(from, to) {
        return Some(0);
    }
    if from.is_unknown() {
        return Some(if to.scalar == Scalar::Text { 1 } else { 2 });
    }
    if is_string(from) && is_string(to) {
        return Some(if to.scalar == Scalar::Text { 1 } else { 3 });
    }
    if is_int(from) && is_int(to) && int_rank(from) < int_rank(to) {
        return Some(2);
    }
    if (is_int(from) || from.scalar == Scalar::Numeric) && !from.array && (to.scalar == Scalar::Numeric || is_float(to)) && !to.array {
        return Some(if to.scalar == Scalar::Float8 { 3 } else { 4 });
    }
    if from.scalar == Scalar::Date && matches!(to.scalar, Scalar::Timestamp | Scalar::Timestamptz) && !from.array && !to.array {
        return Some(3);
    }
    if from.scalar == Scalar::Timestamp && to.scalar == Scalar::Timestamptz && !from.array && !to.array {
        return Some(2);
    }
    None
}

/// Binary-coercible pairs: the cast is a relabelling, not a function call.
fn is_relabel(from: &PgType, to: &PgType) -> bool {
    from.array == to.array && matches!((&from.scalar, &to.scalar), (Scalar::Varchar, Scalar::Text) | (Scalar::Text, Scalar::Varchar))
}

/// Gives `x` the type `target`: a literal becomes a constant of that type,
/// anything else is wrapped in an implicit cast.
fn coerce(x: Typed, target: &PgType) -> Typed {
    let Some(ty) = &x.ty else { return x };
    if same_type(ty, target) {
        return x;
    }
    if ty.is_unknown() {
        if let Node::Const(_) = &x.node {
            return typed(x.node, Some(base(target)));
        }
    }
    let relabel = is_relabel(ty, target);
    typed(Node::Cast { arg: Box::new(x), implicit: true, relabel }, Some(base(target)))
}

/// The type both sides of a comparison or arithmetic operator are brought to,
/// as PostgreSQL's operator resolution picks it; None keeps both as they are
/// (a cross-type operator exists).
fn operand_types(l: &PgType, r: &PgType) -> (Option<PgType>, Option<PgType>) {
    let text = Some(PgType::TEXT);
    match (l.is_unknown(), r.is_unknown()) {
        (true, true) => return (text.clone(), text),
        (true, false) => {
            let t = if r.scalar == Scalar::Varchar && !r.array { PgType::TEXT } else { base(r) };
            return (Some(t.clone()), Some(t));
        }
        (false, true) => {
            let t = if l.scalar == Scalar::Varchar && !l.array { PgType::TEXT } else { base(l) };
            return (Some(t.clone()), Some(t));
        }
        _ => {}
    }
    if same_type(l, r) {
        // varchar has no operators of its own: text's apply.
        return if l.scalar == Scalar::Varchar && !l.array { (text.clone(), text) } else { (None, None) };
    }
    if is_string(l) && is_string(r) {
        if l.scalar == Scalar::Name || r.scalar == Scalar::Name {
            return (None, None);
        }
        return (text.clone(), text);
    }
    let numeric = Some(PgType::NUMERIC);
    let float8 = Some(PgType::FLOAT8);
    if is_int(l) && is_int(r) {
        return (None, None);
    }
    match (&l.scalar, &r.scalar) {
        (_, Scalar::Numeric) if is_int(l) => (numeric, None),
        (Scalar::Numeric, _) if is_int(r) => (None, numeric),
        // real has cross-type operators with double precision (float48gt...).
        (_, Scalar::Float8 | Scalar::Float4) if is_int(l) || l.scalar == Scalar::Numeric => (float8, None),
        (Scalar::Float8 | Scalar::Float4, _) if is_int(r) || r.scalar == Scalar::Numeric => (None, float8),
        _ => (None, None),
    }
}

/// The result of an arithmetic operator on operands of these types.
fn arithmetic_result(op: &str, l: &PgType, r: &PgType) -> PgType {
    if is_int(l) && is_int(r) {
        return if int_rank(l) >= int_rank(r) { base(l) } else { base(r) };
    }
    if is_datetime(l) && is_datetime(r) && op == "-" {
        return if l.scalar == Scalar::Date && r.scalar == Scalar::Date { PgType::INT4 } else { PgType::INTERVAL };
    }
    if op == "||" {
        return PgType::TEXT;
    }
    if l.is_unknown() {
        base(r)
    } else {
        base(l)
    }
}

struct Analyzer<'a> {
    schema: &'a Schema,
    search_path: &'a [String],
    rel: &'a Relation,
}

impl Analyzer<'_> {
    fn expr(&self, e: &Expr) -> Typed {
        self.try_expr(e).unwrap_or_else(|| typed(Node::Raw(e.to_string()), None))
    }

    fn try_expr(&self, e: &Expr) -> Option<Typed> {
        Some(match e {
            Expr::Nested(x) => self.expr(x),
            Expr::Identifier(id) => self.column(&fold(id))?,
            Expr::CompoundIdentifier(ids) => self.column(&fold(ids.last()?))?,
            Expr::Value(v) => match &v.value {
                V::Number(n, _) => number(n.clone()),
                V::SingleQuotedString(s) => typed(Node::Const(Const::Str(s.clone())), Some(PgType::UNKNOWN)),
                V::Boolean(b) => typed(Node::Const(Const::Bool(*b)), Some(PgType::BOOL)),
                V::Null => typed(Node::Const(Const::Null), Some(PgType::UNKNOWN)),
                _ => return None,
            },
            Expr::UnaryOp { op: UnaryOperator::Minus, expr } => match expr.as_ref() {
                // The grammar folds a minus sign into a numeric literal.
                Expr::Value(v) if matches!(v.value, V::Number(..)) => {
                    let V::Number(n, _) = &v.value else { return None };
                    number(format!("-{n}"))
                }
                x => {
                    let a = self.expr(x);
                    let ty = a.ty.clone();
                    typed(Node::Op("-".into(), vec![a]), ty)
                }
            },
            Expr::UnaryOp { op: UnaryOperator::Not, expr } => typed(Node::Not(Box::new(self.boolean(expr))), Some(PgType::BOOL)),
            Expr::BinaryOp { left, op: op @ (B::And | B::Or), right } => {
                let and = matches!(op, B::And);
                // The grammar flattens a left-nested chain of the same operator.
                // (BETWEEN expands later, so it is never flattened.)
                let l = self.boolean(left);
                let mut unnested = left.as_ref();
                while let Expr::Nested(x) = unnested {
                    unnested = x;
                }
                let same_op = matches!(unnested, Expr::BinaryOp { op: o, .. } if *o == *op);
                let mut args = match l.node {
                    Node::Bool(a, args) if a == and && same_op => args,
                    node => vec![typed(node, l.ty)],
                };
                args.push(self.boolean(right));
                typed(Node::Bool(and, args), Some(PgType::BOOL))
            }
            Expr::BinaryOp { left, op, right } => {
                let name = operator_name(op)?;
                self.operator(name, self.expr(left), self.expr(right))
            }
            Expr::Like { negated, any: false, expr, pattern, escape_char: None } => {
                self.operator(if *negated { "!~~" } else { "~~" }, self.expr(expr), self.expr(pattern))
            }
            Expr::ILike { negated, any: false, expr, pattern, escape_char: None } => {
                self.operator(if *negated { "!~~*" } else { "~~*" }, self.expr(expr), self.expr(pattern))
            }
            Expr::IsNull(x) => self.test(x, "IS NULL"),
            Expr::IsNotNull(x) => self.test(x, "IS NOT NULL"),
            Expr::IsTrue(x) => self.test(x, "IS TRUE"),
            Expr::IsNotTrue(x) => self.test(x, "IS NOT TRUE"),
            Expr::IsFalse(x) => self.test(x, "IS FALSE"),
            Expr::IsNotFalse(x) => self.test(x, "IS NOT FALSE"),
            Expr::Between { expr, negated, low, high } => {
                let (lo, hi, and) = if *negated { ("<", ">", false) } else { (">=", "<=", true) };
                let a = self.operator(lo, self.expr(expr), self.expr(low));
                let b = self.operator(hi, self.expr(expr), self.expr(high));
                typed(Node::Bool(and, vec![a, b]), Some(PgType::BOOL))
            }
            Expr::InList { expr, list, negated } => self.in_list(expr, list, *negated)?,
            Expr::Cast { expr, data_type, format: None, .. } => {
                let target = resolve_type_in(self.schema, self.search_path, &data_type.to_string()).ok()?;
                let x = self.expr(expr);
                match (&x.node, &x.ty) {
                    // A literal cast to a type is a constant of that type.
                    (Node::Const(_), Some(ty)) if ty.is_unknown() => typed(x.node, Some(target)),
                    _ => {
                        let relabel = x.ty.as_ref().is_some_and(|ty| is_relabel(ty, &target));
                        typed(Node::Cast { arg: Box::new(x), implicit: false, relabel }, Some(target))
                    }
                }
            }
            Expr::Function(f) => self.function(f)?,
            _ => return None,
        })
    }

    fn column(&self, name: &str) -> Option<Typed> {
        let c = self.rel.column(name)?;
        Some(typed(Node::Var(c.name.clone()), Some(c.ty.clone())))
    }

    fn boolean(&self, e: &Expr) -> Typed {
        let x = self.expr(e);
        if x.ty.as_ref().is_some_and(PgType::is_unknown) {
            return coerce(x, &PgType::BOOL);
        }
        x
    }

    fn test(&self, e: &Expr, words: &'static str) -> Typed {
        let x = if words.contains("NULL") { self.expr(e) } else { self.boolean(e) };
        typed(Node::Test(Box::new(x), words), Some(PgType::BOOL))
    }

    fn operator(&self, op: &str, l: Typed, r: Typed) -> Typed {
        let comparison = matches!(op, "=" | "<>" | "<" | "<=" | ">" | ">=" | "~~" | "!~~" | "~~*" | "!~~*" | "~" | "~*" | "!~" | "!~*");
        let (Some(lt), Some(rt)) = (l.ty.clone(), r.ty.clone()) else {
            return typed(Node::Op(op.into(), vec![l, r]), comparison.then_some(PgType::BOOL));
        };
        let (lt2, rt2) = if op.contains('~') || op == "||" {
            // Pattern matching and concatenation are text operators.
            let to_text = |t: &PgType| (!same_type(t, &PgType::TEXT) && (is_string(t) || t.is_unknown())).then_some(PgType::TEXT);
            (to_text(&lt), to_text(&rt))
        } else {
            operand_types(&lt, &rt)
        };
        let l = match &lt2 {
            Some(t) => coerce(l, t),
            None => l,
        };
        let r = match &rt2 {
            Some(t) => coerce(r, t),
            None => r,
        };
        let ty = if comparison {
            PgType::BOOL
        } else {
            arithmetic_result(op, l.ty.as_ref().unwrap_or(&lt), r.ty.as_ref().unwrap_or(&rt))
        };
        typed(Node::Op(op.into(), vec![l, r]), Some(ty))
    }

    /// `x IN (a, b)` is `x = ANY (ARRAY[a, b])` over the list's common type;
    /// a single value is a plain comparison.
    fn in_list(&self, e: &Expr, list: &[Expr], negated: bool) -> Option<Typed> {
        let (op, any) = if negated { ("<>", false) } else { ("=", true) };
        let x = self.expr(e);
        let items: Vec<Typed> = list.iter().map(|i| self.expr(i)).collect();
        if items.len() == 1 {
            return Some(self.operator(op, x, items.into_iter().next()?));
        }
        let mut common = x.ty.clone().filter(|t| !t.is_unknown());
        for i in &items {
            let Some(t) = &i.ty else { return None };
            if t.is_unknown() {
                continue;
            }
            common = Some(match common {
                None => base(t),
                Some(c) if same_type(&c, t) => c,
                Some(c) if is_int(&c) && is_int(t) => {
                    if int_rank(t) > int_rank(&c) {
                        base(t)
                    } else {
                        c
                    }
                }
                Some(c) if (is_int(&c) && t.scalar == Scalar::Numeric) || (c.scalar == Scalar::Numeric && is_int(t)) => PgType::NUMERIC,
                Some(c) if is_string(&c) && is_string(t) => PgType::TEXT,
                Some(_) => return None,
            });
        }
        // The list is brought to the common type; the operator is then
        // resolved between the left side as it is and that type.
        let common = base(&common.unwrap_or(PgType::TEXT));
        let elems: Vec<Typed> = items.into_iter().map(|i| coerce(i, &common)).collect();
        let array = typed(Node::Array(elems), Some(common.as_array()));
        let (lt, et) = match &x.ty {
            Some(t) => operand_types(t, &common),
            None => (None, None),
        };
        let x = match lt {
            Some(t) => coerce(x, &t),
            None => x,
        };
        let array = match et {
            Some(t) => coerce(array, &t.as_array()),
            None => array,
        };
        Some(typed(Node::AnyAll(op.into(), any, Box::new(x), Box::new(array)), Some(PgType::BOOL)))
    }

    fn function(&self, f: &sqlparser::ast::Function) -> Option<Typed> {
        let name = f.name.0.last()?.as_ident()?.value.to_lowercase();
        let args: Vec<Expr> = match &f.args {
            FunctionArguments::None => {
                let ty = match name.as_str() {
                    "current_date" => PgType::DATE,
                    "current_timestamp" | "now" => PgType::TIMESTAMPTZ,
                    "localtimestamp" => PgType::TIMESTAMP,
                    "current_time" | "localtime" => PgType::TIME,
                    "current_user" | "session_user" | "user" | "current_role" | "current_catalog" | "current_schema" => PgType::NAME,
                    _ => return None,
                };
                return Some(typed(Node::Keyword(name.to_uppercase()), Some(ty)));
            }
            FunctionArguments::List(list) if list.duplicate_treatment.is_none() && list.clauses.is_empty() => list
                .args
                .iter()
                .map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                    _ => None,
                })
                .collect::<Option<_>>()?,
            _ => return None,
        };
        if f.over.is_some() || f.filter.is_some() {
            return None;
        }
        let args: Vec<Typed> = args.iter().map(|a| self.expr(a)).collect();
        // The candidate PostgreSQL's function resolution picks: every argument
        // implicitly castable, cheapest casts first.
        let best = crate::builtin_functions::supported()
            .iter()
            .filter(|c| c.name == name && c.args.len() == args.len())
            .filter_map(|c| {
                let cost = c.args.iter().zip(&args).map(|(p, a)| a.ty.as_ref().map_or(Some(0), |t| cast_cost(t, p))).sum::<Option<u32>>()?;
                Some((cost, c))
            })
            .min_by_key(|(cost, _)| *cost);
        match best {
            Some((_, c)) => {
                let args = args.into_iter().zip(&c.args).map(|(a, p)| coerce(a, p)).collect();
                Some(typed(Node::Func(name, args), Some(c.result.clone())))
            }
            None => Some(typed(Node::Func(name, args), None)),
        }
    }
}

fn number(text: String) -> Typed {
    let ty = if text.parse::<i32>().is_ok() {
        PgType::INT4
    } else if text.parse::<i64>().is_ok() {
        PgType::INT8
    } else {
        PgType::NUMERIC
    };
    typed(Node::Const(Const::Number(text)), Some(ty))
}

fn operator_name(op: &B) -> Option<&'static str> {
    Some(match op {
        B::Eq => "=",
        B::NotEq => "<>",
        B::Lt => "<",
        B::LtEq => "<=",
        B::Gt => ">",
        B::GtEq => ">=",
        B::Plus => "+",
        B::Minus => "-",
        B::Multiply => "*",
        B::Divide => "/",
        B::Modulo => "%",
        B::StringConcat => "||",
        B::PGRegexMatch => "~",
        B::PGRegexIMatch => "~*",
        B::PGRegexNotMatch => "!~",
        B::PGRegexNotIMatch => "!~*",
        _ => return None,
    })
}

/// Where a node is printed, for PostgreSQL's `isSimpleNode` decisions.
#[derive(Clone, Copy)]
enum Parent<'a> {
    /// An operator; its name and whether the child is its first argument.
    Op(&'a str, bool),
    Bool(Option<bool>),
    Cast,
    Other,
}

/// Renders `x` as ruleutils does.
fn print(x: &Typed, pretty: bool) -> String {
    Printer { pretty }.rule(x, false)
}

struct Printer {
    pretty: bool,
}

impl Printer {
    /// `get_rule_expr`: `show_implicit` says whether an implicit cast at
    /// this position is printed.
    fn rule(&self, x: &Typed, show_implicit: bool) -> String {
        let open = if self.pretty { "" } else { "(" };
        let close = if self.pretty { "" } else { ")" };
        match &x.node {
            Node::Var(name) => crate::runtime::quote_ident(name),
            Node::Raw(text) => text.clone(),
            Node::Keyword(k) => k.clone(),
            Node::Const(c) => constant(c, x.ty.as_ref()),
            Node::Op(op, args) => match args.as_slice() {
                [a] => format!("{open}{op} {}{close}", self.paren(a, true, Parent::Op(op, true))),
                [a, b] => format!("{open}{} {op} {}{close}", self.paren(a, true, Parent::Op(op, true)), self.paren(b, true, Parent::Op(op, false))),
                _ => String::new(),
            },
            Node::Bool(and, args) => {
                let word = if *and { " AND " } else { " OR " };
                let parts: Vec<String> = args.iter().map(|a| self.paren(a, false, Parent::Bool(Some(*and)))).collect();
                format!("{open}{}{close}", parts.join(word))
            }
            Node::Not(a) => format!("{open}NOT {}{close}", self.paren(a, false, Parent::Bool(None))),
            Node::Test(a, words) => format!("{open}{} {words}{close}", self.paren(a, true, Parent::Other)),
            Node::Func(name, args) => {
                let parts: Vec<String> = args.iter().map(|a| self.rule(a, true)).collect();
                format!("{}({})", crate::runtime::quote_ident(name), parts.join(", "))
            }
            Node::Cast { arg, implicit, .. } => {
                if *implicit && !show_implicit {
                    return self.paren(arg, false, Parent::Cast);
                }
                let ty = x.ty.as_ref().map(PgType::format_type).unwrap_or_default();
                format!("{open}{}{close}::{ty}", self.paren(arg, false, Parent::Cast))
            }
            Node::AnyAll(op, any, l, r) => format!(
                "{open}{} {op} {} ({}){close}",
                self.paren(l, true, Parent::Other),
                if *any { "ANY" } else { "ALL" },
                self.paren(r, true, Parent::Other)
            ),
            Node::Array(elems) => {
                let parts: Vec<String> = elems.iter().map(|e| self.rule(e, true)).collect();
                format!("ARRAY[{}]", parts.join(", "))
            }
        }
    }

    /// `get_rule_expr_paren`: parentheses around a child that is not simple
    /// under its parent, in pretty mode only (otherwise every node brings its own).
    fn paren(&self, x: &Typed, show_implicit: bool, parent: Parent<'_>) -> String {
        let s = self.rule(x, show_implicit);
        if self.pretty && !simple(x, parent) {
            format!("({s})")
        } else {
            s
        }
    }
}

/// PostgreSQL's `isSimpleNode`: can `x` be printed under `parent` without parentheses?
fn simple(x: &Typed, parent: Parent<'_>) -> bool {
    match &x.node {
        Node::Var(_) | Node::Const(_) | Node::Func(..) | Node::Keyword(_) | Node::Array(_) | Node::Raw(_) => true,
        Node::Cast { arg, relabel, .. } => !relabel || simple(arg, Parent::Cast),
        Node::Op(op, args) => {
            if let Parent::Op(parent_op, first) = parent {
                let lo = |o: &str| o == "+" || o == "-";
                let hi = |o: &str| o == "*" || o == "/" || o == "%";
                if args.len() != 2 || !(lo(op) || hi(op)) || !(lo(parent_op) || hi(parent_op)) {
                    return false;
                }
                if hi(op) && lo(parent_op) {
                    return true;
                }
                if lo(op) && hi(parent_op) {
                    return false;
                }
                return first;
            }
            test_like(parent)
        }
        Node::Test(..) => test_like(parent),
        Node::Bool(and, _) => match parent {
            Parent::Bool(Some(parent_and)) => *and || !parent_and,
            Parent::Bool(None) => false,
                        _ => false,
        },
        Node::Not(_) => matches!(parent, Parent::Bool(Some(_))),
        Node::AnyAll(..) => false,
    }
}

/// The rule for operators under non-operators, null tests and boolean tests.
fn test_like(parent: Parent<'_>) -> bool {
    matches!(parent, Parent::Bool(_))
}

/// `get_const_expr`: integers and decimal numbers bare (negative ones quoted
/// and labelled), booleans as words, everything else quoted with its type.
fn constant(c: &Const, ty: Option<&PgType>) -> String {
    let label = |t: Option<&PgType>| t.filter(|t| !t.is_unknown()).map(|t| format!("::{}", t.format_type())).unwrap_or_default();
    match c {
        Const::Bool(b) => b.to_string(),
        Const::Null => format!("NULL{}", label(ty)),
        Const::Number(n) => match ty.map(|t| &t.scalar) {
            Some(Scalar::Int4) if !n.starts_with('-') => n.clone(),
            Some(Scalar::Numeric) if !n.starts_with('-') && n.contains(['.', 'e', 'E']) => n.clone(),
            Some(Scalar::Numeric) if !n.starts_with('-') => format!("{n}{}", label(ty)),
            _ => format!("'{n}'{}", label(ty)),
        },
        Const::Str(s) => match ty.map(|t| &t.scalar) {
            Some(Scalar::Bool) => match s.to_lowercase().as_str() {
                "t" | "true" | "yes" | "on" | "1" => "true".into(),
                _ => "false".into(),
            },
            Some(Scalar::Int4) if s.trim().parse::<i32>().is_ok_and(|v| v >= 0) => s.trim().to_string(),
            _ => format!("'{}'{}", s.replace('\'', "''"), label(ty)),
        },
    }
}
