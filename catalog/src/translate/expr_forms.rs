//! The expression forms with their own typing rules: casts (literal folding,
//! regclass), CASE, ANY/ALL over arrays and subqueries, LIKE/ILIKE.

use super::expr::{call, type_output_name, wider, Lit, TExpr, Translator};
use super::sqltext::string;
use super::TranslateError;
use crate::schema::QualifiedName;
use crate::types::{PgType, Scalar};
use sqlparser::ast::{BinaryOperator, DataType, Expr};

impl Translator<'_> {
    pub(super) fn cast(&mut self, e: &Expr, dt: &DataType) -> Result<TExpr, TranslateError> {
        let type_text = dt.to_string().to_ascii_lowercase();
        let bare = type_text.trim_start_matches("pg_catalog.");
        if matches!(bare, "regnamespace" | "regrole") {
            let t = self.expr(e)?;
            let sql = if bare == "regrole" { "'postgres'".to_string() } else { super::catalog_fn::regnamespace_name(self, &t.sql) };
            return Ok(TExpr::new(sql, PgType::NAME).named(bare.to_string()));
        }
        let target = self.data_type(dt)?;
        let t = self.expr(e)?;
        // PostgreSQL names a cast after its argument when that is a column or
        // a function (through any casts between), otherwise after the type.
        fn named_argument(e: &Expr) -> bool {
            match e {
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Function(_) => true,
                Expr::Cast { expr, .. } | Expr::Nested(expr) => named_argument(expr),
                _ => false,
            }
        }
        let name = if t.origin.is_some() || named_argument(e) { t.name.clone() } else { type_output_name(&target) };
        // regclass/regtype values print as names: cast to text asks for the name.
        if matches!(t.ty.scalar, Scalar::Regclass | Scalar::Regtype) && !t.ty.array && target.is_text_family() {
            let sql = if t.ty.scalar == Scalar::Regclass { super::catalog_fn::regclass_name(self, &t.sql) } else { super::catalog_fn::format_type_sql(self, &t.sql, "-1") };
            return Ok(TExpr::new(sql, target).named(name));
        }
        // A resolved '...'::regclass is an OID now, no longer a string literal.
        let t = if matches!(t.lit, Lit::Str(_)) && !t.ty.is_unknown() { TExpr { lit: Lit::None, ..t } } else { t };
        let agg = t.aggregate;
        // `'name'::regclass` names a relation: resolve it now, and keep the name
        // for functions that take it (nextval('seq'::regclass)).
        if let (Lit::Str(name), Scalar::Regclass, false) = (&t.lit, &target.scalar, target.array) {
            let oid = self.regclass_oid(name)?;
            return Ok(TExpr { sql: oid.to_string(), ty: target, lit: Lit::Str(name.clone()), name: "regclass".into(), origin: None, aggregate: false });
        }
        // An explicit cast to varchar(n)/char(n) truncates instead of failing.
        let t = match (&t.lit, target.char_length()) {
            (Lit::Str(s), Some(n)) if !target.array => TExpr { lit: Lit::Str(s.chars().take(n).collect()), ..t },
            _ => t,
        };
        if let (Lit::Str(written), Scalar::Regtype, false) = (&t.lit, &target.scalar, target.array) {
            let ty = self.resolve_type(written)?;
            return Ok(TExpr { sql: ty.wire().oid().to_string(), ty: target, lit: Lit::None, origin: None, name, aggregate: false });
        }
        if let (Lit::Str(written), Scalar::Regproc, false) = (&t.lit, &target.scalar, target.array) {
            // A function named by a literal must be one: regproc names no overloads.
            let bare = crate::types::split_qualified(written).last().cloned().unwrap_or_default();
            let mut oids: Vec<u32> = crate::builtin_functions::supported().iter().filter(|f| f.name == bare).map(|f| f.oid).collect();
            oids.dedup();
            return match oids.len() {
                0 => Err(TranslateError::UndefinedFunction(format!("\"{written}\""))),
                1 => Ok(TExpr { sql: string(&bare), ty: target, lit: Lit::None, origin: None, name, ..t }),
                _ => Err(TranslateError::AmbiguousFunction(written.clone())),
            };
        }
        // A numeric literal cast to an integer rounds half away from zero
        // (`2.5::int` is 3), as numeric's cast does; a string literal must
        // be an integer already (`'2.5'::int` fails).
        let t = match &t.lit {
            Lit::Number(n) if target.is_integer() && n.contains(['.', 'e', 'E']) => {
                let r = crate::value::numeric::round(n, 0)?;
                TExpr { lit: Lit::Number(r.clone()), sql: r, ty: PgType::NUMERIC, ..t }
            }
            _ => t,
        };
        // Folding a literal cast here means `'abc'::int` fails as in PostgreSQL, at translation.
        match (&t.lit, &target.scalar) {
            (Lit::Str(_) | Lit::Number(_) | Lit::Null, _) => {
                let mut out = self.coerce(t, &target)?;
                out.lit = Lit::None;
                out.name = name;
                return Ok(out);
            }
            (Lit::Param(_), _) if t.ty.is_unknown() => {
                let mut out = self.coerce(t, &target)?;
                out.name = name;
                return Ok(out);
            }
            _ => {}
        }
        if t.ty.scalar == Scalar::Regproc && !t.ty.array && matches!(target.scalar, Scalar::Oid | Scalar::Int4 | Scalar::Int8) {
            // A regproc holds the function's name; its OID is the one function of that name.
            let mut pairs: Vec<(String, u32)> = crate::builtin_functions::supported().iter().map(|f| (f.name.to_string(), f.oid)).collect();
            pairs.sort();
            pairs.dedup_by(|a, b| a.0 == b.0);
            let rows: Vec<String> = pairs.iter().map(|(n, o)| format!("({}, {o})", string(n))).collect();
            return Ok(TExpr::new(format!("(SELECT column2 FROM (VALUES {}) WHERE column1 = {})", rows.join(", "), t.sql), target).named(name));
        }
        if target.scalar == Scalar::Regproc && !target.array && t.ty.is_text_family() {
            // Functions have no OIDs in litegres: catalog columns such as
            // pg_type.typinput hold the function's name, which is what
            // `regproc` prints, so the name stands for the regproc value.
            return Ok(TExpr { ty: PgType::TEXT, lit: Lit::None, origin: None, name, ..t });
        }
        if matches!(target.scalar, Scalar::Regclass | Scalar::Regtype) && !target.array && t.ty.is_text_family() {
            // A computed name: looked up when the row is read, in a map of
            // the names this session can use, built now.
            let (f, map) = if target.scalar == Scalar::Regclass { ("lg_regclass_named", self.relation_name_map()) } else { ("lg_regtype_named", self.type_name_map()) };
            return Ok(TExpr { sql: call(f, &[&t.sql, &string(&map)]), ty: target, lit: Lit::None, origin: None, name, ..t });
        }
        if matches!(target.scalar, Scalar::Regclass | Scalar::Regtype | Scalar::Oid) && !target.array && t.ty.is_integer() {
            // An OID viewed as regclass/regtype keeps its value; it prints as a name.
            return Ok(TExpr { ty: target, lit: Lit::None, origin: None, name, ..t });
        }
        let mut out = self.coerce(t, &target)?;
        // A cast to a typmod'ed type applies the typmod even between same-storage types.
        if target.typmod >= 0 && !out.sql.starts_with("lg_cast(") {
            out.sql = call("lg_cast", &[&out.sql, &string(&target.format_type()), &string(&target.format_type())]);
        }
        out.lit = Lit::None;
        out.origin = None;
        out.name = name;
        Ok(out.agg(agg))
    }

    pub(super) fn case(&mut self, operand: Option<&Expr>, conditions: &[sqlparser::ast::CaseWhen], else_result: Option<&Expr>) -> Result<TExpr, TranslateError> {
        let op = operand.map(|o| self.expr(o)).transpose()?;
        let mut whens = Vec::new();
        let mut results = Vec::new();
        for cw in conditions {
            let cond = match &op {
                Some(o) => {
                    let c = self.expr(&cw.condition)?;
                    let (l, r) = self.comparable(o.clone(), c)?;
                    self.compare_sql(&l, "=", &r)
                }
                None => self.expr_as(&cw.condition, &PgType::BOOL)?.sql,
            };
            whens.push(cond);
            results.push(self.expr(&cw.result)?);
        }
        let els = else_result.map(|e| self.expr(e)).transpose()?;
        let mut ty = results.iter().chain(els.iter()).map(|r| r.ty.clone()).find(|t| !t.is_unknown()).unwrap_or(PgType::TEXT);
        for r in results.iter().chain(els.iter()) {
            if r.ty.is_numeric_family() && ty.is_numeric_family() {
                ty = wider(&ty, &r.ty);
            }
        }
        let mut sql = String::from("(CASE");
        let mut agg = op.as_ref().is_some_and(|o| o.aggregate);
        for (w, r) in whens.into_iter().zip(results) {
            let r = self.coerce(r, &ty)?;
            agg |= r.aggregate;
            sql.push_str(&format!(" WHEN {w} THEN {}", r.sql));
        }
        if let Some(e) = els {
            let e = self.coerce(e, &ty)?;
            agg |= e.aggregate;
            sql.push_str(&format!(" ELSE {}", e.sql));
        }
        sql.push_str(" END)");
        Ok(TExpr::new(sql, ty).named("case").agg(agg))
    }

    pub(super) fn any_all(&mut self, left: &Expr, op: &BinaryOperator, right: &Expr, any: bool) -> Result<TExpr, TranslateError> {
        let l = self.expr(left)?;
        let o = match op {
            BinaryOperator::Eq => "=",
            BinaryOperator::NotEq => "<>",
            BinaryOperator::Lt => "<",
            BinaryOperator::LtEq => "<=",
            BinaryOperator::Gt => ">",
            BinaryOperator::GtEq => ">=",
            other => return Err(TranslateError::Unsupported(format!("{other} ANY/ALL"))),
        };
        // `x = ANY (SELECT ...)`
        if let Expr::Subquery(q) = right {
            let (sql, _) = self.subquery(q)?;
            let q = if any { "ANY" } else { "ALL" };
            return match (o, any) {
                ("=", true) => Ok(TExpr::new(format!("({} IN ({sql}))", l.sql), PgType::BOOL)),
                ("<>", false) => Ok(TExpr::new(format!("({} NOT IN ({sql}))", l.sql), PgType::BOOL)),
                _ => Err(TranslateError::Unsupported(format!("{o} {q} (subquery)"))),
            };
        }
        let r = self.expr(right)?;
        let (l, r) = if r.ty.is_unknown() || matches!(r.lit, Lit::Param(_)) && !r.ty.array {
            let elem = if l.ty.is_unknown() { PgType::TEXT } else { l.ty.clone() };
            let r = self.coerce(r, &elem.as_array())?;
            (self.coerce(l, &elem)?, r)
        } else {
            let elem = r.ty.element();
            (self.coerce(l, &elem)?, r)
        };
        let elem_col = TExpr { sql: "value".into(), ty: r.ty.element(), lit: Lit::None, name: String::new(), origin: None, aggregate: false };
        let cmp = self.compare_sql(&l, o, &elem_col);
        let sql = if any {
            if o == "=" {
                format!("({} IN (SELECT value FROM json_each({})))", l.sql, r.sql)
            } else {
                format!("EXISTS (SELECT 1 FROM json_each({}) WHERE {cmp})", r.sql)
            }
        } else {
            format!("NOT EXISTS (SELECT 1 FROM json_each({}) WHERE NOT {cmp})", r.sql)
        };
        // Any/All over a NULL array is NULL.
        Ok(TExpr::new(format!("(CASE WHEN {} IS NULL THEN NULL ELSE {sql} END)", r.sql), PgType::BOOL))
    }

    pub(super) fn like(&mut self, expr: &Expr, pattern: &Expr, escape: Option<&Expr>, negated: bool, ilike: bool) -> Result<TExpr, TranslateError> {
        let s = self.expr_as(expr, &PgType::TEXT)?;
        let p = self.expr_as(pattern, &PgType::TEXT)?;
        // PostgreSQL's default LIKE escape is the backslash; SQLite has none.
        let esc = match escape {
            Some(x) => self.expr_as(x, &PgType::TEXT)?.sql,
            None => "'\\'".into(),
        };
        let not = if negated { "NOT " } else { "" };
        let sql = if ilike {
            format!("(lower({}) {not}LIKE lower({}) ESCAPE {esc})", s.sql, p.sql)
        } else {
            format!("({} {not}LIKE {} ESCAPE {esc})", s.sql, p.sql)
        };
        Ok(TExpr::new(sql, PgType::BOOL).agg(s.aggregate))
    }

    /// The OID of a relation or sequence named in text (`'public.users'`, `'"Mixed"'`).
    /// Relation and sequence names (`schema.name`, and `name` when the
    /// search path finds it) to OIDs, as JSON, for `lg_regclass`.
    fn relation_name_map(&self) -> String {
        let mut map = serde_json::Map::new();
        let schema = self.ctx.schema;
        let rels = schema.relations.values().map(|r| (&r.name, r.oid));
        let seqs = schema.sequences.values().map(|s| (&s.name, s.oid));
        for (qn, oid) in rels.chain(seqs) {
            map.insert(format!("{}.{}", qn.schema, qn.name), oid.into());
            let visible = self.ctx.search_path.iter().find(|s| schema.relations.contains_key(&QualifiedName::new(s, &qn.name)) || schema.sequences.contains_key(&QualifiedName::new(s, &qn.name)));
            if visible == Some(&qn.schema) {
                map.insert(qn.name.clone(), oid.into());
            }
        }
        serde_json::Value::Object(map).to_string()
    }

    /// Declared type names to OIDs, as JSON, for `lg_regtype`.
    fn type_name_map(&self) -> String {
        let mut map = serde_json::Map::new();
        for e in self.ctx.schema.enums.values() {
            map.insert(format!("{}.{}", e.name.schema, e.name.name), e.oid.into());
            if self.ctx.search_path.contains(&e.name.schema) {
                map.entry(e.name.name.clone()).or_insert(e.oid.into());
            }
        }
        serde_json::Value::Object(map).to_string()
    }

    pub fn regclass_oid(&self, text: &str) -> Result<u32, TranslateError> {
        if let Ok(oid) = text.trim().parse::<u32>() {
            return Ok(oid);
        }
        let parts = crate::types::split_qualified(text.trim());
        let (schema, name) = match parts.as_slice() {
            [n] => (None, n.as_str()),
            [s, n] => (Some(s.as_str()), n.as_str()),
            _ => return Err(TranslateError::UndefinedTable(text.to_string())),
        };
        if let Some(r) = self.ctx.schema.lookup(schema, name, self.ctx.search_path) {
            return Ok(r.oid);
        }
        if matches!(schema, None | Some("pg_catalog")) {
            if let Some(oid) = crate::pg_catalog::catalog_relation_oid(name) {
                return Ok(oid);
            }
        }
        let seq = match schema {
            Some(s) => self.ctx.schema.sequences.get(&QualifiedName::new(s, name)),
            None => self.ctx.search_path.iter().find_map(|s| self.ctx.schema.sequences.get(&QualifiedName::new(s, name))),
        };
        seq.map(|s| s.oid).ok_or_else(|| TranslateError::UndefinedTable(text.to_string()))
    }
}
