//! Queries: SELECT, set operations, VALUES, WITH, FROM items and joins,
//! ORDER BY / LIMIT / FETCH, DISTINCT ON.

use super::expr::{fold, object_name_parts, TExpr, Translator};
use super::plan::OutColumn;
use super::scope::{ScopeColumn, ScopeRel};
use super::sqltext::ident;
use super::TranslateError;
use crate::schema::RelKind;
use crate::types::{PgType, Scalar};
use sqlparser::ast::{
    Distinct, GroupByExpr, JoinConstraint, JoinOperator, LimitClause, OrderBy, OrderByKind, OrderBySort, Query, Select,
    SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, TableAlias, TableFactor, TableWithJoins,
};

impl Translator<'_> {
    /// Translates a query into SQLite text and its result columns. `expected`
    /// types (an INSERT's target columns) type untyped VALUES items.
    pub fn query(&mut self, q: &Query, expected: Option<&[PgType]>) -> Result<(String, Vec<OutColumn>), TranslateError> {
        if q.for_clause.is_some() || q.settings.is_some() || q.format_clause.is_some() || !q.pipe_operators.is_empty() {
            return Err(TranslateError::Unsupported("this query clause".into()));
        }
        self.ctes.push(Vec::new());
        let result = stacker::maybe_grow(1024 * 1024, 8 * 1024 * 1024, || self.query_inner(q, expected));
        self.ctes.pop();
        result
    }

    fn query_inner(&mut self, q: &Query, expected: Option<&[PgType]>) -> Result<(String, Vec<OutColumn>), TranslateError> {
        let mut sql = String::new();
        if let Some(with) = &q.with {
            let mut parts = Vec::new();
            for cte in &with.cte_tables {
                let name = fold(&cte.alias.name);
                let alias_cols: Vec<String> = cte.alias.columns.iter().map(|c| fold(&c.name)).collect();
                let (body, mut cols) = if with.recursive {
                    self.recursive_cte(&name, &alias_cols, &cte.query)?
                } else {
                    self.query(&cte.query, None)?
                };
                rename(&mut cols, &alias_cols);
                let col_list: Vec<String> = cols.iter().map(|c| ident(&c.name)).collect();
                parts.push(format!("{}({}) AS {}({body})", ident(&name), col_list.join(", "), super::cte::materialization(q, cte, &name)));
                if let Some(level) = self.ctes.last_mut() {
                    level.push((name, cols));
                }
            }
            sql.push_str(if with.recursive { "WITH RECURSIVE " } else { "WITH " });
            sql.push_str(&parts.join(", "));
            sql.push(' ');
        }
        let (body, cols) = match q.body.as_ref() {
            SetExpr::Select(s) => self.select(s, q.order_by.as_ref(), expected)?,
            other => {
                let (body, cols) = self.set_expr(other, expected)?;
                let order = self.order_by_outputs(q.order_by.as_ref(), &cols)?;
                (format!("{body}{order}"), cols)
            }
        };
        sql.push_str(&body);
        sql.push_str(&self.limit(q)?);
        Ok((sql, cols))
    }

    fn recursive_cte(&mut self, name: &str, alias_cols: &[String], q: &Query) -> Result<(String, Vec<OutColumn>), TranslateError> {
        super::cte::check_recursive(name, q)?;
        // The anchor fixes the columns; the recursive term then sees the CTE itself.
        if let SetExpr::SetOperation { left, .. } = q.body.as_ref() {
            let (_, mut anchor_cols) = self.set_expr(left, None)?;
            rename(&mut anchor_cols, alias_cols);
            if let Some(level) = self.ctes.last_mut() {
                level.push((name.to_string(), anchor_cols));
            }
            let r = self.query(q, None);
            if let Some(level) = self.ctes.last_mut() {
                level.pop();
            }
            return r;
        }
        self.query(q, None)
    }

    fn limit(&mut self, q: &Query) -> Result<String, TranslateError> {
        let mut limit = None;
        let mut offset = None;
        match &q.limit_clause {
            Some(LimitClause::LimitOffset { limit: l, offset: o, limit_by }) => {
                if !limit_by.is_empty() {
                    return Err(TranslateError::Unsupported("LIMIT BY".into()));
                }
                if let Some(l) = l {
                    limit = Some(self.expr_as(l, &PgType::INT8)?.sql);
                }
                if let Some(o) = o {
                    offset = Some(self.expr_as(&o.value, &PgType::INT8)?.sql);
                }
            }
            Some(LimitClause::OffsetCommaLimit { .. }) => return Err(TranslateError::Syntax("LIMIT #,# syntax is not supported".into())),
            None => {}
        }
        if let Some(f) = &q.fetch {
            if f.with_ties || f.percent {
                return Err(TranslateError::Unsupported("FETCH ... WITH TIES / PERCENT".into()));
            }
            limit = Some(match &f.quantity {
                Some(e) => self.expr_as(e, &PgType::INT8)?.sql,
                None => "1".into(),
            });
        }
        Ok(match (limit, offset) {
            (None, None) => String::new(),
            // LIMIT NULL (or ALL) means no limit in PostgreSQL.
            (Some(l), None) => format!(" LIMIT coalesce({l}, -1)"),
            (None, Some(o)) => format!(" LIMIT -1 OFFSET {o}"),
            (Some(l), Some(o)) => format!(" LIMIT coalesce({l}, -1) OFFSET {o}"),
        })
    }

    /// A set-expression operand; SQLite's compound SELECT takes no parentheses.
    pub fn set_expr(&mut self, s: &SetExpr, expected: Option<&[PgType]>) -> Result<(String, Vec<OutColumn>), TranslateError> {
        match s {
            SetExpr::Select(sel) => self.select(sel, None, expected),
            SetExpr::Query(q) => {
                let (sql, cols) = self.query(q, expected)?;
                Ok((format!("SELECT * FROM ({sql})"), cols))
            }
            SetExpr::Values(v) => self.values(&v.rows.iter().map(|r| r.content.clone()).collect::<Vec<_>>(), expected),
            SetExpr::SetOperation { left, op, set_quantifier, right } => {
                let (l, lcols) = self.set_expr(left, expected)?;
                let types: Vec<PgType> = lcols.iter().map(|c| c.ty.clone()).collect();
                let (r, rcols) = self.set_expr(right, Some(&types))?;
                if lcols.len() != rcols.len() {
                    return Err(TranslateError::Syntax(format!("each {op} query must have the same number of columns")));
                }
                let word = match op {
                    SetOperator::Union => "UNION",
                    SetOperator::Intersect => "INTERSECT",
                    SetOperator::Except => "EXCEPT",
                    other => return Err(TranslateError::Unsupported(format!("{other}"))),
                };
                let all = match set_quantifier {
                    SetQuantifier::All => " ALL",
                    SetQuantifier::None | SetQuantifier::Distinct => "",
                    other => return Err(TranslateError::Unsupported(format!("{word} {other}"))),
                };
                if !all.is_empty() && word != "UNION" {
                    return Err(TranslateError::Unsupported(format!("{word} ALL")));
                }
                let cols = lcols
                    .into_iter()
                    .zip(rcols)
                    .map(|(l, r)| if l.ty.is_unknown() || (l.ty == PgType::TEXT && !r.ty.is_unknown()) { OutColumn { ty: r.ty, ..l } } else { l })
                    .collect();
                Ok((format!("{l} {word}{all} {r}"), cols))
            }
            other => Err(TranslateError::Unsupported(format!("{other}"))),
        }
    }

    pub fn values(&mut self, rows: &[Vec<sqlparser::ast::Expr>], expected: Option<&[PgType]>) -> Result<(String, Vec<OutColumn>), TranslateError> {
        let width = rows.first().map(|r| r.len()).unwrap_or(0);
        let mut types: Vec<PgType> = match expected {
            Some(t) => t.to_vec(),
            None => vec![PgType::UNKNOWN; width],
        };
        types.resize(width, PgType::UNKNOWN);
        let mut out_rows = Vec::with_capacity(rows.len());
        let mut typed_rows: Vec<Vec<TExpr>> = Vec::with_capacity(rows.len());
        for row in rows {
            if row.len() != width {
                return Err(TranslateError::Syntax("VALUES lists must all be the same length".into()));
            }
            let mut items = Vec::with_capacity(width);
            for (i, e) in row.iter().enumerate() {
                let t = match e {
                    sqlparser::ast::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default") => {
                        TExpr::new("DEFAULT".into(), types[i].clone())
                    }
                    _ => self.expr(e)?,
                };
                if types[i].is_unknown() && !t.ty.is_unknown() {
                    types[i] = t.ty.clone();
                }
                items.push(t);
            }
            typed_rows.push(items);
        }
        for ty in types.iter_mut() {
            if ty.is_unknown() {
                *ty = PgType::TEXT;
            }
        }
        for items in typed_rows {
            let mut parts = Vec::with_capacity(width);
            for (i, t) in items.into_iter().enumerate() {
                if t.sql == "DEFAULT" {
                    parts.push(t.sql);
                } else {
                    parts.push(self.coerce(t, &types[i])?.sql);
                }
            }
            out_rows.push(format!("({})", parts.join(", ")));
        }
        let cols = types.into_iter().enumerate().map(|(i, t)| OutColumn::new(format!("column{}", i + 1), t)).collect();
        Ok((format!("VALUES {}", out_rows.join(", ")), cols))
    }

    /// ORDER BY for a set operation: only output names and positions are visible.
    fn order_by_outputs(&mut self, ob: Option<&OrderBy>, cols: &[OutColumn]) -> Result<String, TranslateError> {
        let Some(ob) = ob else { return Ok(String::new()) };
        let OrderByKind::Expressions(items) = &ob.kind else {
            return Err(TranslateError::Unsupported("ORDER BY ALL".into()));
        };
        let mut parts = Vec::new();
        for item in items {
            let pos = match &item.expr {
                sqlparser::ast::Expr::Identifier(id) => cols.iter().position(|c| c.name == fold(id)).map(|p| p + 1),
                sqlparser::ast::Expr::Value(v) => v.value.to_string().parse::<usize>().ok(),
                _ => None,
            }
            .ok_or_else(|| TranslateError::Unsupported("ORDER BY on an expression of a set operation".into()))?;
            parts.push(format!("{pos}{}", order_suffix(&item.options)?));
        }
        Ok(format!(" ORDER BY {}", parts.join(", ")))
    }

    fn select(&mut self, s: &Select, order_by: Option<&OrderBy>, expected: Option<&[PgType]>) -> Result<(String, Vec<OutColumn>), TranslateError> {
        if s.into.is_some() {
            return Err(TranslateError::Unsupported("SELECT INTO".into()));
        }
        if s.top.is_some() || !s.lateral_views.is_empty() || s.prewhere.is_some() || !s.connect_by.is_empty() || s.qualify.is_some() {
            return Err(TranslateError::Unsupported("this SELECT clause".into()));
        }
        self.scopes.push();
        let result = self.select_in_scope(s, order_by, expected);
        self.scopes.pop();
        result
    }

    fn select_in_scope(&mut self, s: &Select, order_by: Option<&OrderBy>, expected: Option<&[PgType]>) -> Result<(String, Vec<OutColumn>), TranslateError> {
        let mut from = Vec::new();
        for twj in &s.from {
            from.push(self.table_with_joins(twj)?);
        }
        // Projection.
        let mut items: Vec<TExpr> = Vec::new();
        for item in &s.projection {
            match item {
                SelectItem::UnnamedExpr(e) => items.push(self.expr(e)?),
                SelectItem::ExprWithAlias { expr, alias } => {
                    let t = self.expr(expr)?;
                    items.push(TExpr { name: fold(alias), ..t });
                }
                SelectItem::Wildcard(_) => {
                    let rels = self.scopes.current().rels.clone();
                    if rels.is_empty() {
                        return Err(TranslateError::Syntax("SELECT * with no tables specified is not valid".into()));
                    }
                    for rel in rels {
                        self.expand(&rel, &mut items);
                    }
                }
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                    let parts = object_name_parts(n);
                    let name = parts.last().cloned().unwrap_or_default();
                    let rel = self
                        .scopes
                        .relation(&name)
                        .cloned()
                        .ok_or_else(|| TranslateError::Syntax(format!("missing FROM-clause entry for table \"{name}\"")))?;
                    self.expand(&rel, &mut items);
                }
                other => return Err(TranslateError::Unsupported(format!("select item {other}"))),
            }
        }
        if let Some(types) = expected {
            for (i, t) in types.iter().enumerate() {
                if let Some(item) = items.get_mut(i) {
                    if item.ty.is_unknown() {
                        *item = self.coerce(item.clone(), t)?;
                    }
                }
            }
        }
        for item in items.iter_mut() {
            if item.ty.is_unknown() {
                *item = self.coerce(item.clone(), &PgType::TEXT)?;
            }
        }
        self.scopes.current().outputs = items.iter().map(|i| i.name.clone()).collect();

        let where_sql = match &s.selection {
            Some(w) => format!(" WHERE {}", self.expr_as(w, &PgType::BOOL)?.sql),
            None => String::new(),
        };
        let group_sql = match &s.group_by {
            GroupByExpr::Expressions(exprs, mods) if !exprs.is_empty() => {
                if !mods.is_empty() {
                    return Err(TranslateError::Unsupported("GROUP BY modifiers".into()));
                }
                let mut parts = Vec::new();
                for e in exprs {
                    parts.push(self.output_or_expr(e, &items)?);
                }
                format!(" GROUP BY {}", parts.join(", "))
            }
            GroupByExpr::Expressions(..) => String::new(),
            GroupByExpr::All(_) => return Err(TranslateError::Unsupported("GROUP BY ALL".into())),
        };
        let having_sql = match &s.having {
            Some(h) => format!(" HAVING {}", self.expr_as(h, &PgType::BOOL)?.sql),
            None => String::new(),
        };
        if !s.named_window.is_empty() {
            return Err(TranslateError::Unsupported("WINDOW clause".into()));
        }
        // An aggregate query without GROUP BY is one row, even when the
        // translation folded its aggregates away (pg_typeof(sum(x))): its
        // select list then names no column, and reads one aggregated row.
        let folded_aggregate = super::grouping::is_grouped(s) && group_sql.is_empty() && having_sql.is_empty() && !items.iter().any(|i| i.aggregate || super::grouping::may_aggregate(&i.sql));
        if super::grouping::is_grouped(s) {
            self.check_grouping(s, order_by)?;
        }
        let order_items = self.order_items(order_by, &items)?;
        let cols: Vec<OutColumn> = items
            .iter()
            .map(|i| OutColumn {
                name: i.name.clone(),
                ty: i.ty.clone(),
                table_oid: i.origin.map(|o| o.0).unwrap_or(0),
                attnum: i.origin.map(|o| o.1).unwrap_or(0),
            })
            .collect();
        let projection: Vec<String> = items.iter().map(|i| format!("{} AS {}", i.sql, ident(&i.name))).collect();
        // Set-returning functions of the select list become json_each joins (SQLite's are lateral).
        for (array_sql, alias) in self.scopes.current().srf.clone() {
            from.push(format!("json_each({array_sql}) AS {}", ident(&alias)));
        }
        let mut from_sql = if from.is_empty() { String::new() } else { format!(" FROM {}", from.join(", ")) };
        let mut where_sql = where_sql;
        if folded_aggregate {
            from_sql = format!(" FROM (SELECT count(*){from_sql}{where_sql})");
            where_sql = String::new();
        }

        match &s.distinct {
            Some(Distinct::On(on)) => {
                // DISTINCT ON: number rows per key in the requested order, keep the first.
                let mut keys = Vec::new();
                for e in on {
                    keys.push(self.output_or_expr(e, &items)?);
                }
                let order_inner: Vec<String> = order_items.iter().map(|(sql, suffix)| format!("{sql}{suffix}")).collect();
                let mut inner_proj: Vec<String> = items.iter().enumerate().map(|(i, it)| format!("{} AS \"_lg_c{i}\"", it.sql)).collect();
                for (k, (sql, _)) in order_items.iter().enumerate() {
                    inner_proj.push(format!("{sql} AS \"_lg_o{k}\""));
                }
                let over = if order_inner.is_empty() {
                    format!("PARTITION BY {}", keys.join(", "))
                } else {
                    format!("PARTITION BY {} ORDER BY {}", keys.join(", "), order_inner.join(", "))
                };
                inner_proj.push(format!("row_number() OVER ({over}) AS \"_lg_rn\""));
                let inner = format!("SELECT {}{from_sql}{where_sql}{group_sql}{having_sql}", inner_proj.join(", "));
                let outer_proj: Vec<String> = items.iter().enumerate().map(|(i, it)| format!("\"_lg_c{i}\" AS {}", ident(&it.name))).collect();
                let outer_order: Vec<String> = order_items.iter().enumerate().map(|(k, (_, suffix))| format!("\"_lg_o{k}\"{suffix}")).collect();
                let order = if outer_order.is_empty() { String::new() } else { format!(" ORDER BY {}", outer_order.join(", ")) };
                Ok((format!("SELECT {} FROM ({inner}) WHERE \"_lg_rn\" = 1{order}", outer_proj.join(", ")), cols))
            }
            d => {
                let distinct = if matches!(d, Some(Distinct::Distinct)) { "DISTINCT " } else { "" };
                let order = if order_items.is_empty() {
                    String::new()
                } else {
                    format!(" ORDER BY {}", order_items.iter().map(|(s, x)| format!("{s}{x}")).collect::<Vec<_>>().join(", "))
                };
                Ok((format!("SELECT {distinct}{}{from_sql}{where_sql}{group_sql}{having_sql}{order}", projection.join(", ")), cols))
            }
        }
    }

    fn expand(&mut self, rel: &ScopeRel, items: &mut Vec<TExpr>) {
        for c in &rel.columns {
            let sql = c.expr.clone().unwrap_or_else(|| format!("{}.{}", ident(&rel.sql_alias), ident(&c.name)));
            let mut t = TExpr::new(sql, c.ty.clone()).named(c.name.clone());
            if c.table_oid != 0 {
                t.origin = Some((c.table_oid, c.attnum));
            }
            items.push(t);
        }
    }

    /// GROUP BY / ORDER BY items: an output position, an output name, or an expression.
    fn output_or_expr(&mut self, e: &sqlparser::ast::Expr, items: &[TExpr]) -> Result<String, TranslateError> {
        Ok(self.output_or_texpr(e, items)?.sql)
    }

    fn output_or_texpr(&mut self, e: &sqlparser::ast::Expr, items: &[TExpr]) -> Result<TExpr, TranslateError> {
        if let sqlparser::ast::Expr::Value(v) = e {
            if let sqlparser::ast::Value::Number(n, _) = &v.value {
                let pos: usize = n.to_string().parse().map_err(|_| TranslateError::Syntax(format!("invalid position {n}")))?;
                let item = items.get(pos.wrapping_sub(1)).ok_or_else(|| TranslateError::Syntax(format!("position {pos} is not in select list")))?;
                return Ok(item.clone());
            }
        }
        if let sqlparser::ast::Expr::Identifier(id) = e {
            let name = fold(id);
            if self.scopes.resolve(&[], &name).is_err() {
                if let Some(item) = items.iter().find(|i| i.name == name) {
                    return Ok(item.clone());
                }
            }
        }
        self.expr(e)
    }

    fn order_items(&mut self, ob: Option<&OrderBy>, items: &[TExpr]) -> Result<Vec<(String, String)>, TranslateError> {
        let Some(ob) = ob else { return Ok(Vec::new()) };
        let OrderByKind::Expressions(list) = &ob.kind else {
            return Err(TranslateError::Unsupported("ORDER BY ALL".into()));
        };
        let mut out = Vec::new();
        for item in list {
            // An output column name wins over an input column in ORDER BY, as in PostgreSQL.
            let key = match &item.expr {
                sqlparser::ast::Expr::Identifier(id) if items.iter().any(|i| i.name == fold(id)) => {
                    items.iter().find(|i| i.name == fold(id)).map(|i| self.sort_key(i)).unwrap_or_default()
                }
                e => {
                    let x = self.output_or_texpr(e, items)?;
                    self.sort_key(&x)
                }
            };
            out.push((key, order_suffix(&item.options)?));
        }
        Ok(out)
    }

    pub fn table_with_joins(&mut self, twj: &TableWithJoins) -> Result<String, TranslateError> {
        let mut sql = self.table_factor(&twj.relation)?;
        for j in &twj.joins {
            let (kw, constraint) = match &j.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => ("JOIN", Some(c)),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => ("LEFT JOIN", Some(c)),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => ("RIGHT JOIN", Some(c)),
                JoinOperator::FullOuter(c) => ("FULL JOIN", Some(c)),
                JoinOperator::CrossJoin(c) => ("CROSS JOIN", Some(c)),
                other => return Err(TranslateError::Unsupported(format!("join {other:?}").chars().take(60).collect())),
            };
            let before: Vec<ScopeRel> = self.scopes.current().rels.clone();
            let right = self.table_factor(&j.relation)?;
            let cond = match constraint {
                Some(JoinConstraint::On(e)) => format!(" ON {}", self.expr_as(e, &PgType::BOOL)?.sql),
                Some(JoinConstraint::Using(names)) => {
                    let cols: Vec<String> = names.iter().map(|n| object_name_parts(n).join(".")).collect();
                    if matches!(j.join_operator, JoinOperator::FullOuter(_) | JoinOperator::Right(_) | JoinOperator::RightOuter(_)) {
                        self.merge_using_columns(&cols, matches!(j.join_operator, JoinOperator::FullOuter(_)));
                    }
                    self.hide_using_columns(&before, &cols);
                    format!(" USING ({})", cols.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", "))
                }
                Some(JoinConstraint::Natural) => return Err(TranslateError::Unsupported("NATURAL JOIN".into())),
                Some(JoinConstraint::None) | None => String::new(),
            };
            sql = format!("{sql} {kw} {right}{cond}");
        }
        Ok(sql)
    }

    /// The column `c` that `JOIN ... USING (c)` merges is the left side's
    /// after an inner or left join, the right side's after a right join and
    /// the first of the two that is not NULL after a full join. It stays
    /// under the left side's name (see `hide_using_columns`).
    fn merge_using_columns(&mut self, cols: &[String], full: bool) {
        let level = self.scopes.current();
        let Some((right, left)) = level.rels.split_last_mut() else { return };
        for c in cols {
            let Some(r) = right.columns.iter().find(|x| &x.name == c) else { continue };
            let r_sql = r.expr.clone().map(|e| format!("({e})")).unwrap_or_else(|| if right.sql_alias.is_empty() { ident(c) } else { format!("{}.{}", ident(&right.sql_alias), ident(c)) });
            let Some(l_rel) = left.iter_mut().find(|x| x.columns.iter().any(|y| &y.name == c)) else { continue };
            let l_alias = l_rel.sql_alias.clone();
            let Some(l) = l_rel.columns.iter_mut().find(|y| &y.name == c) else { continue };
            let l_sql = l.expr.clone().map(|e| format!("({e})")).unwrap_or_else(|| if l_alias.is_empty() { ident(c) } else { format!("{}.{}", ident(&l_alias), ident(c)) });
            l.expr = Some(if full { format!("COALESCE({l_sql}, {r_sql})") } else { r_sql });
        }
    }

    /// After `JOIN ... USING (c)`, an unqualified `c` means the left side's column.
    fn hide_using_columns(&mut self, before: &[ScopeRel], cols: &[String]) {
        let level = self.scopes.current();
        if let Some(right) = level.rels.last_mut() {
            if before.iter().any(|r| r.columns.iter().any(|c| cols.contains(&c.name))) {
                right.columns.retain(|c| !cols.contains(&c.name));
            }
        }
    }

    fn table_factor(&mut self, tf: &TableFactor) -> Result<String, TranslateError> {
        match tf {
            TableFactor::Table { name, alias, args, with_ordinality, .. } => {
                if args.is_some() {
                    return super::table_fn::table_function(self, name, args.as_ref(), alias.as_ref(), *with_ordinality);
                }
                let only = super::expr::without_only(name, alias.as_ref());
                let (name, alias) = match &only {
                    Some(n) => (n, &None),
                    None => (name, alias),
                };
                let parts = object_name_parts(name);
                let (schema, rel_name) = match parts.as_slice() {
                    [n] => (None, n.clone()),
                    [s, n] => (Some(s.clone()), n.clone()),
                    [_, s, n] => (Some(s.clone()), n.clone()),
                    _ => return Err(TranslateError::Syntax(format!("improper relation name {name}"))),
                };
                let alias_name = alias.as_ref().map(|a| fold(&a.name)).unwrap_or_else(|| rel_name.clone());
                // pg_catalog comes first on every search path, as in PostgreSQL.
                let catalog_ref = match schema.as_deref() {
                    Some("pg_catalog") => true,
                    None => crate::pg_catalog::is_catalog_relation(&rel_name) && !self.ctes.iter().any(|l| l.iter().any(|(n, _)| *n == rel_name)),
                    _ => false,
                };
                if schema.as_deref() == Some("information_schema") {
                    let table = crate::information_schema::relation(&rel_name, self.ctx.schema, self.ctx.database)
                        .ok_or_else(|| TranslateError::Unsupported(format!("information_schema.{rel_name}")))?;
                    return Ok(self.inline_table(&alias_name, alias.as_ref(), table));
                }
                if catalog_ref {
                    if let Some(columns) = crate::pg_catalog::live_columns(&rel_name) {
                        return Ok(self.live_table(&rel_name, &alias_name, alias.as_ref(), columns));
                    }
                    let table = crate::pg_catalog::relation(&rel_name, self.ctx.schema, self.ctx.database, self.ctx.databases)
                        .ok_or_else(|| TranslateError::Unsupported(format!("catalog relation pg_catalog.{rel_name}")))?;
                    let sql = self.inline_table(&alias_name, alias.as_ref(), table);
                    if let Some(r) = self.scopes.current().rels.last_mut() {
                        r.oid = crate::pg_catalog::catalog_relation_oid(&rel_name).unwrap_or(0);
                    }
                    return Ok(sql);
                }
                // A CTE of an enclosing WITH shadows tables of the same name.
                if schema.is_none() {
                    if let Some(cols) = self.ctes.iter().rev().find_map(|l| l.iter().rev().find(|(n, _)| *n == rel_name).map(|(_, c)| c.clone())) {
                        let mut columns: Vec<ScopeColumn> = cols.iter().map(|c| ScopeColumn { name: c.name.clone(), ty: c.ty.clone(), table_oid: 0, attnum: 0, expr: None }).collect();
                        apply_alias_columns(&mut columns, alias.as_ref());
                        self.scopes.add(ScopeRel { oid: 0, name: alias_name.clone(), schema: None, sql_alias: alias_name.clone(), columns });
                        return Ok(format!("{} AS {}", ident(&rel_name), ident(&alias_name)));
                    }
                }
                let rel = self
                    .ctx
                    .schema
                    .lookup(schema.as_deref(), &rel_name, self.ctx.search_path)
                    .cloned()
                    .ok_or_else(|| TranslateError::UndefinedTable(parts.join(".")))?;
                if rel.kind == RelKind::Sequence {
                    // A sequence reads as one row of its state, as in PostgreSQL.
                    let cols = [("last_value", PgType::INT8), ("log_cnt", PgType::INT8), ("is_called", PgType::BOOL)];
                    let mut columns: Vec<ScopeColumn> = cols.iter().map(|(n, ty)| ScopeColumn { name: n.to_string(), ty: ty.clone(), table_oid: 0, attnum: 0, expr: None }).collect();
                    apply_alias_columns(&mut columns, alias.as_ref());
                    let names: Vec<String> = columns.iter().map(|c| ident(&c.name)).collect();
                    self.scopes.add(ScopeRel { oid: rel.oid, name: alias_name.clone(), schema: Some(rel.name.schema.clone()), sql_alias: alias_name.clone(), columns });
                    return Ok(format!(
                        "(SELECT last_value AS {}, 0 AS {}, is_called AS {} FROM __lg_sequence WHERE relid = {}) AS {}",
                        names[0],
                        names[1],
                        names[2],
                        rel.oid,
                        ident(&alias_name)
                    ));
                }
                if !matches!(rel.kind, RelKind::Table | RelKind::View) {
                    return Err(TranslateError::Unsupported(format!("selecting from \"{rel_name}\"")));
                }
                self.relations_used.push(rel.oid);
                let mut columns: Vec<ScopeColumn> = rel
                    .columns
                    .iter()
                    .map(|c| ScopeColumn { name: c.name.clone(), ty: c.ty.clone(), table_oid: if rel.kind == RelKind::Table { rel.oid } else { 0 }, attnum: c.attnum as i16, expr: None })
                    .collect();
                apply_alias_columns(&mut columns, alias.as_ref());
                self.scopes.add(ScopeRel { oid: rel.oid, name: alias_name.clone(), schema: Some(rel.name.schema.clone()), sql_alias: alias_name.clone(), columns });
                Ok(format!("{} AS {}", ident(&rel.sqlite_name), ident(&alias_name)))
            }
            TableFactor::Derived { lateral, subquery, alias, .. } => {
                if *lateral {
                    return self.lateral_values(subquery, alias.as_ref());
                }
                let (sql, cols) = self.query(subquery, None)?;
                let alias_name = alias.as_ref().map(|a| fold(&a.name)).unwrap_or_else(|| "subquery".to_string());
                let sql_alias = if alias.is_some() { alias_name.clone() } else { self.fresh_alias() };
                let mut columns: Vec<ScopeColumn> = cols.iter().map(|c| ScopeColumn { name: c.name.clone(), ty: c.ty.clone(), table_oid: 0, attnum: 0, expr: None }).collect();
                apply_alias_columns(&mut columns, alias.as_ref());
                // Renamed columns must be renamed inside SQLite too.
                let inner = if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                    let names: Vec<String> = columns.iter().map(|c| ident(&c.name)).collect();
                    format!("WITH \"_lg_d\"({}) AS ({sql}) SELECT * FROM \"_lg_d\"", names.join(", "))
                } else {
                    sql
                };
                self.scopes.add(ScopeRel { oid: 0, name: alias_name, schema: None, sql_alias: sql_alias.clone(), columns });
                Ok(format!("({inner}) AS {}", ident(&sql_alias)))
            }
            TableFactor::Function { name, args, alias, with_ordinality, lateral } => {
                if *lateral {
                    return Err(TranslateError::Unsupported("LATERAL functions".into()));
                }
                let targs = sqlparser::ast::TableFunctionArgs { args: args.clone(), settings: None };
                super::table_fn::table_function(self, name, Some(&targs), alias.as_ref(), *with_ordinality)
            }
            TableFactor::UNNEST { alias, array_exprs, with_offset, with_ordinality, .. } => {
                if *with_offset || array_exprs.is_empty() {
                    return Err(TranslateError::Unsupported("UNNEST WITH OFFSET".into()));
                }
                self.unnest_join(array_exprs, alias.as_ref(), *with_ordinality)
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                if alias.is_some() {
                    return Err(TranslateError::Unsupported("alias on a parenthesized join".into()));
                }
                Ok(format!("({})", self.table_with_joins(table_with_joins)?))
            }
            other => Err(TranslateError::Unsupported(format!("FROM item {}", other.to_string().chars().take(40).collect::<String>()))),
        }
    }
}

impl Translator<'_> {
    /// `unnest(a [, b ...]) [WITH ORDINALITY]` in FROM, as a `json_each` over
    /// the first array joined in place. The arrays may name columns of earlier
    /// FROM items (`FROM pg_index i, unnest(i.indkey, i.indoption)`), which
    /// SQLite allows for a table-valued function but not for a subquery.
    /// Several arrays are zipped by position over the first one's length.
    fn unnest_join(&mut self, arrays: &[sqlparser::ast::Expr], alias: Option<&TableAlias>, with_ordinality: bool) -> Result<String, TranslateError> {
        let mut items = Vec::new();
        for a in arrays {
            let x = self.expr(a)?;
            items.push(if x.ty.array { x } else { self.coerce(x, &PgType::array_of(Scalar::Text))? });
        }
        let j = self.fresh_alias();
        let mut columns = Vec::new();
        for x in &items {
            let elem = x.ty.element();
            let sql = format!("lg_array_get({}, {}.key + 1, {})", x.sql, ident(&j), super::sqltext::string(&elem.format_type()));
            columns.push(ScopeColumn { name: "unnest".into(), ty: elem, table_oid: 0, attnum: 0, expr: Some(sql) });
        }
        if with_ordinality {
            columns.push(ScopeColumn { name: "ordinality".into(), ty: PgType::INT8, table_oid: 0, attnum: 0, expr: Some(format!("({}.key + 1)", ident(&j))) });
        }
        let name = alias.map(|a| fold(&a.name)).unwrap_or_else(|| "unnest".into());
        // A single array's column is named after the alias, as PostgreSQL does.
        if items.len() == 1 && alias.is_some_and(|a| a.columns.is_empty()) {
            columns[0].name = name.clone();
        }
        apply_alias_columns(&mut columns, alias);
        self.scopes.add(ScopeRel { oid: 0, name, schema: None, sql_alias: j.clone(), columns });
        Ok(format!("json_each({}) AS {}", items[0].sql, ident(&j)))
    }

    /// A LATERAL subquery that yields exactly one row: a row of expressions
    /// (`LATERAL (SELECT a + 1 AS b)`), or aggregates over its FROM with no
    /// GROUP BY, as ORMs nest results (`LEFT JOIN LATERAL (SELECT
    /// coalesce(json_agg(...), '[]') AS data FROM child WHERE child.parent_id
    /// = parent.id) ON true`). Its columns become expressions of the outer
    /// query: the expression itself, or the correlated scalar subquery
    /// computing the aggregate.
    fn lateral_values(&mut self, q: &Query, alias: Option<&TableAlias>) -> Result<String, TranslateError> {
        let unsupported = || TranslateError::Unsupported("LATERAL subqueries other than a single row of expressions or aggregates".into());
        let SetExpr::Select(s) = q.body.as_ref() else { return Err(unsupported()) };
        let one_row = s.having.is_none()
            && s.distinct.is_none()
            && matches!(&s.group_by, GroupByExpr::Expressions(e, _) if e.is_empty())
            && q.order_by.is_none()
            && q.limit_clause.is_none();
        let expressions = s.from.is_empty() && s.selection.is_none() && q.with.is_none();
        if !one_row {
            return Err(unsupported());
        }
        let mut columns = Vec::new();
        for item in &s.projection {
            let (e, name) = match item {
                SelectItem::UnnamedExpr(e) => (e, None),
                SelectItem::ExprWithAlias { expr, alias } => (expr, Some(fold(alias))),
                _ => return Err(unsupported()),
            };
            let t = if expressions {
                let t = self.expr(e)?;
                if t.ty.is_unknown() { self.coerce(t, &PgType::TEXT)? } else { t }
            } else if has_aggregate(e) {
                let mut one = q.clone();
                if let SetExpr::Select(sel) = one.body.as_mut() {
                    sel.projection = vec![SelectItem::UnnamedExpr(e.clone())];
                }
                self.expr(&sqlparser::ast::Expr::Subquery(Box::new(one)))?
            } else {
                return Err(unsupported());
            };
            let column_name = name.unwrap_or_else(|| if t.name.is_empty() { "?column?".into() } else { t.name.clone() });
            columns.push(ScopeColumn { name: column_name, ty: t.ty.clone(), table_oid: 0, attnum: 0, expr: Some(t.sql) });
        }
        apply_alias_columns(&mut columns, alias);
        let name = alias.map(|a| fold(&a.name)).unwrap_or_else(|| "subquery".into());
        let sql_alias = self.fresh_alias();
        self.scopes.add(ScopeRel { oid: 0, name, schema: None, sql_alias: sql_alias.clone(), columns });
        Ok(format!("(SELECT 1) AS {}", ident(&sql_alias)))
    }

    /// A relation of live node state: rows come as JSON from `lg_live(name)` when the statement runs.
    fn live_table(&mut self, name: &str, alias_name: &str, alias: Option<&TableAlias>, cols: Vec<(&'static str, PgType)>) -> String {
        let mut columns: Vec<ScopeColumn> = cols.iter().map(|(n, ty)| ScopeColumn { name: n.to_string(), ty: ty.clone(), table_oid: 0, attnum: 0, expr: None }).collect();
        apply_alias_columns(&mut columns, alias);
        let select: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("json_extract(value, '$[{i}]') AS {}", ident(&c.name))).collect();
        self.scopes.add(ScopeRel { oid: 0, name: alias_name.to_string(), schema: Some("pg_catalog".into()), sql_alias: alias_name.to_string(), columns });
        format!("(SELECT {} FROM json_each(lg_live({}))) AS {}", select.join(", "), super::sqltext::string(name), ident(alias_name))
    }

    /// A relation whose rows are known at translation time, as a VALUES list.
    fn inline_table(&mut self, alias_name: &str, alias: Option<&TableAlias>, table: crate::pg_catalog::CatalogTable) -> String {
        let mut columns: Vec<ScopeColumn> = table.columns.iter().map(|(n, ty)| ScopeColumn { name: n.to_string(), ty: ty.clone(), table_oid: 0, attnum: 0, expr: None }).collect();
        apply_alias_columns(&mut columns, alias);
        let body = if table.rows.is_empty() {
            let cols: Vec<String> = columns.iter().map(|c| format!("NULL AS {}", ident(&c.name))).collect();
            format!("SELECT {} LIMIT 0", cols.join(", "))
        } else {
            let cols: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("column{} AS {}", i + 1, ident(&c.name))).collect();
            let rows: Vec<String> = table
                .rows
                .iter()
                .map(|r| format!("({})", r.iter().map(super::sqltext::literal).collect::<Vec<_>>().join(", ")))
                .collect();
            format!("SELECT {} FROM (VALUES {})", cols.join(", "), rows.join(", "))
        };
        self.scopes.add(ScopeRel { oid: 0, name: alias_name.to_string(), schema: Some("pg_catalog".into()), sql_alias: alias_name.to_string(), columns });
        format!("({body}) AS {}", ident(alias_name))
    }
}

fn apply_alias_columns(columns: &mut [ScopeColumn], alias: Option<&TableAlias>) {
    if let Some(a) = alias {
        for (c, new) in columns.iter_mut().zip(a.columns.iter()) {
            c.name = fold(&new.name);
        }
    }
}

fn rename(cols: &mut [OutColumn], names: &[String]) {
    for (c, n) in cols.iter_mut().zip(names) {
        c.name = n.clone();
    }
}

/// ASC/DESC with PostgreSQL's NULL placement (NULLS LAST for ASC, FIRST for DESC).
fn order_suffix(o: &sqlparser::ast::OrderByOptions) -> Result<String, TranslateError> {
    let desc = match &o.sort {
        Some(OrderBySort::Desc) => true,
        Some(OrderBySort::Asc) | None => false,
        Some(OrderBySort::Using(_)) => return Err(TranslateError::Unsupported("ORDER BY ... USING".into())),
    };
    let nulls_first = o.nulls_first.unwrap_or(desc);
    Ok(format!("{}{}", if desc { " DESC" } else { "" }, if nulls_first { " NULLS FIRST" } else { " NULLS LAST" }))
}

/// Whether `e` is computed by an aggregate: an aggregate call is met before
/// any subquery (whose rows could make the result several rows).
fn has_aggregate(e: &sqlparser::ast::Expr) -> bool {
    use sqlparser::ast::{visit_expressions, Expr};
    use std::ops::ControlFlow;
    let found = visit_expressions(e, |x| match x {
        Expr::Function(f) if f.over.is_none() && super::func::is_aggregate(&f.name.to_string().to_ascii_lowercase()) => ControlFlow::Break(true),
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => ControlFlow::Break(false),
        _ => ControlFlow::Continue(()),
    });
    found == ControlFlow::Break(true)
}
