//! PostgreSQL's rule for grouped queries: outside aggregate arguments, the
//! select list, HAVING and ORDER BY may name a column of the query's own
//! FROM only if it is grouped, or if its table's primary key is (functional
//! dependency). SQLite answers such a query with a value from an arbitrary
//! row of the group, so the rule is checked before the query reaches it.
//!
//! The walk knows the common expression forms; one it does not know is
//! taken as valid, so the check only refuses what PostgreSQL refuses.

use super::expr::{fold, object_name_parts, Translator};
use super::func::is_aggregate;
use super::scope::ScopeRel;
use super::TranslateError;
use crate::schema::{ConstraintKind, Schema};
use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, OrderBy, OrderByKind, Select, SelectItem, SelectItemQualifiedWildcardKind};

/// A column of the FROM clause: (table oid, attnum), and its name as printed.
type Col = (u32, i16);

pub(super) struct Grouping<'a> {
    rels: &'a [ScopeRel],
    schema: &'a Schema,
    /// GROUP BY items as written (normalised text).
    keys: Vec<String>,
    /// GROUP BY items that are plain columns.
    key_cols: Vec<Col>,
}

fn text(e: &Expr) -> String {
    e.to_string().to_lowercase()
}

/// Whether `s` is a grouped query: GROUP BY, HAVING, or an aggregate in the select list.
pub(super) fn is_grouped(s: &Select) -> bool {
    let grouped_by = matches!(&s.group_by, GroupByExpr::Expressions(e, _) if !e.is_empty());
    grouped_by
        || s.having.is_some()
        || s.projection.iter().any(|i| match i {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => has_aggregate(e),
            _ => false,
        })
}

/// Whether a select list or HAVING calls an aggregate of this query level.
pub(super) fn aggregates_at_level(s: &Select) -> bool {
    s.having.as_ref().is_some_and(has_aggregate)
        || s.projection.iter().any(|i| match i {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => has_aggregate(e),
            _ => false,
        })
}

/// Whether translated SQL may call an aggregate (SQLite's or litegres's):
/// a cautious reading of the text, for deciding that it certainly does not.
pub(super) fn may_aggregate(sql: &str) -> bool {
    const AGGREGATES: [&str; 15] = [
        "count(", "sum(", "total(", "avg(", "min(", "max(", "group_concat(", "json_group_array(", "json_group_object(", "lg_num_sum(", "lg_num_avg(", "lg_interval_sum(", "lg_interval_avg(", "lg_float_sum(", "lg_float_avg(",
    ];
    let lower = sql.to_ascii_lowercase();
    AGGREGATES.iter().any(|a| lower.contains(a))
}

/// Whether `e` calls an aggregate of this query level (one inside a
/// subquery belongs to the subquery).
fn has_aggregate(e: &Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        let agg = matches!(x, Expr::Function(f) if f.over.is_none() && is_aggregate(&f.name.to_string().to_lowercase()));
        found |= agg;
        !agg
    });
    found
}

/// Calls `visit` on `e` and, while it answers true, on the operands of the
/// forms known here (not into subqueries).
fn walk(e: &Expr, visit: &mut dyn FnMut(&Expr) -> bool) {
    if !visit(e) {
        return;
    }
    match e {
        Expr::Function(f) => {
            if let FunctionArguments::List(list) = &f.args {
                for a in &list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) | FunctionArg::Named { arg: FunctionArgExpr::Expr(x), .. } = a {
                        walk(x, visit);
                    }
                }
            }
        }
        Expr::BinaryOp { left, right, .. } => {
            walk(left, visit);
            walk(right, visit);
        }
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) | Expr::Cast { expr, .. } | Expr::IsNull(expr) | Expr::IsNotNull(expr) | Expr::IsTrue(expr) | Expr::IsFalse(expr) => walk(expr, visit),
        Expr::Case { operand, conditions, else_result, .. } => {
            if let Some(o) = operand {
                walk(o, visit);
            }
            for w in conditions {
                walk(&w.condition, visit);
                walk(&w.result, visit);
            }
            if let Some(x) = else_result {
                walk(x, visit);
            }
        }
        Expr::Between { expr, low, high, .. } => {
            walk(expr, visit);
            walk(low, visit);
            walk(high, visit);
        }
        Expr::InList { expr, list, .. } => {
            walk(expr, visit);
            for x in list {
                walk(x, visit);
            }
        }
        _ => {}
    }
}

impl<'a> Grouping<'a> {
    /// `group_by` holds the GROUP BY items with output positions and names
    /// already replaced by the select-list expressions they stand for.
    pub(super) fn new(rels: &'a [ScopeRel], schema: &'a Schema, group_by: &[Expr]) -> Grouping<'a> {
        let mut g = Grouping { rels, schema, keys: group_by.iter().map(text).collect(), key_cols: Vec::new() };
        g.key_cols = group_by.iter().filter_map(|e| g.column(e)).collect();
        g
    }

    /// The FROM column `e` names, if it is a column reference of this query level.
    fn column(&self, e: &Expr) -> Option<Col> {
        let (qualifier, name) = match e {
            Expr::Identifier(id) => (None, fold(id)),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => (Some(fold(&parts[parts.len() - 2])), fold(&parts[parts.len() - 1])),
            Expr::Nested(inner) => return self.column(inner),
            _ => return None,
        };
        let mut found = self.rels.iter().filter(|r| qualifier.as_ref().is_none_or(|q| &r.name == q)).filter_map(|r| r.columns.iter().find(|c| c.name == name).map(|c| (r, c)));
        let (r, c) = found.next()?;
        Some(self.col_id(r, c))
    }

    /// A column's identity: its table and attnum, or for a derived table
    /// (a subquery, a CTE) its position there.
    fn col_id(&self, r: &ScopeRel, c: &super::scope::ScopeColumn) -> Col {
        if c.table_oid != 0 {
            return (c.table_oid, c.attnum);
        }
        let rel = self.rels.iter().position(|x| std::ptr::eq(x, r)).unwrap_or(0);
        let pos = r.columns.iter().position(|x| std::ptr::eq(x, c)).unwrap_or(0);
        (u32::MAX - rel as u32, pos as i16)
    }

    /// Whether every column of `table`'s primary key is grouped.
    fn key_grouped(&self, table: u32) -> bool {
        let Some(rel) = self.schema.relations.values().find(|r| r.oid == table) else { return false };
        let Some(pk) = rel.constraints.iter().find(|c| c.kind == ConstraintKind::PrimaryKey) else { return false };
        pk.columns.iter().all(|name| rel.column(name).is_some_and(|c| self.key_cols.contains(&(table, c.attnum as i16))))
    }

    /// Checks one expression of the select list, HAVING or ORDER BY.
    pub(super) fn check(&self, e: &Expr) -> Result<(), TranslateError> {
        let mut error = None;
        walk(e, &mut |x| {
            if error.is_some() || self.keys.contains(&text(x)) {
                return false;
            }
            if matches!(x, Expr::Function(f) if f.over.is_none() && is_aggregate(&f.name.to_string().to_lowercase())) {
                return false;
            }
            if let Some((table, attnum)) = self.column(x) {
                if !self.key_cols.contains(&(table, attnum)) && !self.key_grouped(table) {
                    let rel = self.rels.iter().find(|r| r.columns.iter().any(|c| self.col_id(r, c) == (table, attnum)));
                    let column = match x {
                        Expr::CompoundIdentifier(parts) => fold(&parts[parts.len() - 1]),
                        Expr::Identifier(id) => fold(id),
                        other => other.to_string(),
                    };
                    error = Some(TranslateError::Grouping(format!(
                        "column \"{}.{column}\" must appear in the GROUP BY clause or be used in an aggregate function",
                        rel.map(|r| r.name.as_str()).unwrap_or("")
                    )));
                }
                return false;
            }
            true
        });
        error.map_or(Ok(()), Err)
    }
}

impl Translator<'_> {
    /// Refuses, as PostgreSQL does (42803), a grouped query that names an
    /// ungrouped column outside an aggregate.
    pub(super) fn check_grouping(&mut self, s: &Select, order_by: Option<&OrderBy>) -> Result<(), TranslateError> {
        use sqlparser::ast::Expr;
        let projected = |i: &SelectItem| match i {
            SelectItem::UnnamedExpr(e) => Some((e.clone(), e.to_string())),
            SelectItem::ExprWithAlias { expr, alias } => Some((expr.clone(), fold(alias))),
            _ => None,
        };
        let outputs: Vec<Option<(Expr, String)>> = s.projection.iter().map(projected).collect();
        let rels = self.scopes.current().rels.clone();
        let is_input = |name: &str| rels.iter().any(|r| r.columns.iter().any(|c| c.name == name));
        // An output position or an output name (not an input column) stands for its expression.
        let as_output = |e: &Expr| -> Option<Expr> {
            match e {
                Expr::Value(v) => match &v.value {
                    sqlparser::ast::Value::Number(n, _) => n.to_string().parse::<usize>().ok().and_then(|p| outputs.get(p.wrapping_sub(1)).cloned().flatten()).map(|o| o.0),
                    _ => None,
                },
                Expr::Identifier(id) if !is_input(&fold(id)) => outputs.iter().flatten().find(|o| o.1 == fold(id)).map(|o| o.0.clone()),
                _ => None,
            }
        };
        let group: Vec<Expr> = match &s.group_by {
            GroupByExpr::Expressions(exprs, _) => exprs.iter().map(|e| as_output(e).unwrap_or_else(|| e.clone())).collect(),
            GroupByExpr::All(_) => Vec::new(),
        };
        let g = super::grouping::Grouping::new(&rels, self.ctx.schema, &group);
        for item in &s.projection {
            match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => g.check(e)?,
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    let qualifier = match item {
                        SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => object_name_parts(n).last().cloned(),
                        _ => None,
                    };
                    for r in rels.iter().filter(|r| qualifier.as_ref().is_none_or(|q| &r.name == q)) {
                        for c in &r.columns {
                            g.check(&Expr::CompoundIdentifier(vec![sqlparser::ast::Ident::with_quote('"', &r.name), sqlparser::ast::Ident::with_quote('"', &c.name)]))?;
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(h) = &s.having {
            g.check(h)?;
        }
        if let Some(OrderByKind::Expressions(list)) = order_by.map(|o| &o.kind) {
            for item in list {
                if as_output(&item.expr).is_none() && !outputs.iter().flatten().any(|o| o.0 == item.expr) {
                    g.check(&item.expr)?;
                }
            }
        }
        Ok(())
    }

}
