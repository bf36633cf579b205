//! Comparison: bringing two operands to one type, and the SQLite text of a
//! comparison whose order agrees with PostgreSQL's (exact numerics, enums in
//! declaration order).

use super::expr::{same_representation, wider, Lit, TExpr, Translator};
use super::TranslateError;
use crate::types::{PgType, Scalar};

impl Translator<'_> {
    /// Brings two operands of a comparison to one type.
    pub fn comparable(&mut self, l: TExpr, r: TExpr) -> Result<(TExpr, TExpr), TranslateError> {
        if l.ty.is_unknown() && !r.ty.is_unknown() {
            let t = r.ty.clone();
            return Ok((self.coerce(l, &t)?, r));
        }
        if r.ty.is_unknown() && !l.ty.is_unknown() {
            let t = l.ty.clone();
            return Ok((l, self.coerce(r, &t)?));
        }
        if l.ty.is_unknown() && r.ty.is_unknown() {
            let l = self.coerce(l, &PgType::TEXT)?;
            let r = self.coerce(r, &PgType::TEXT)?;
            return Ok((l, r));
        }
        if l.ty == r.ty || same_representation(&l.ty, &r.ty) {
            return Ok((l, r));
        }
        if l.ty.is_numeric_family() && r.ty.is_numeric_family() {
            // Keep a numeric literal on the other side in the column's own form (index friendly).
            return Ok((l, r));
        }
        let target = wider(&l.ty, &r.ty);
        let l = self.coerce(l, &target)?;
        let r = self.coerce(r, &target)?;
        Ok((l, r))
    }

    /// SQL whose SQLite ordering is the PostgreSQL ordering of `e`: enum
    /// labels are stored as text but sort in declaration order.
    /// Numeric values are canonical decimal text: they sort with the
    /// `lg_numeric` collation (a column has it from its declaration, an
    /// expression such as `sum(amount)` does not).
    pub fn sort_key(&self, e: &TExpr) -> String {
        if e.ty.scalar == Scalar::Numeric && !e.ty.array && e.origin.is_none() {
            return format!("({}) COLLATE lg_numeric", e.sql);
        }
        let Scalar::Enum(er) = &e.ty.scalar else { return e.sql.clone() };
        if e.ty.array {
            return e.sql.clone();
        }
        let Some(def) = self.ctx.schema.enums.values().find(|d| d.oid == er.oid) else { return e.sql.clone() };
        let arms: Vec<String> = def.labels.iter().enumerate().map(|(i, l)| format!(" WHEN {} THEN {i}", super::sqltext::string(l))).collect();
        format!("(CASE {}{} END)", e.sql, arms.concat())
    }

    /// SQL for `l op r` once both sides are comparable, exact for numeric.
    pub fn compare_sql(&self, l: &TExpr, op: &str, r: &TExpr) -> String {
        if op != "=" && op != "<>" && matches!(l.ty.scalar, Scalar::Enum(_)) && l.ty == r.ty {
            return format!("({} {op} {})", self.sort_key(l), self.sort_key(r));
        }
        let numeric = |t: &TExpr| t.ty.scalar == Scalar::Numeric && !t.ty.array;
        let float = |t: &TExpr| matches!(t.ty.scalar, Scalar::Float4 | Scalar::Float8);
        if (numeric(l) || numeric(r)) && !float(l) && !float(r) {
            let plain = |t: &TExpr| t.origin.is_some() || matches!(t.lit, Lit::Str(_) | Lit::Number(_) | Lit::Param(_));
            let column_vs_value = (l.origin.is_some() && numeric(l) && plain(r)) || (r.origin.is_some() && numeric(r) && plain(l));
            if !column_vs_value {
                return format!("(lg_numcmp({}, {}) {op} 0)", l.sql, r.sql);
            }
        }
        format!("({} {op} {})", l.sql, r.sql)
    }
}
