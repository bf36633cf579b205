//! The schema model of a table being created or altered: columns with their
//! types, defaults and identity, constraints named as PostgreSQL names them.

use super::expr::{fold, object_name_parts, Translator};
use super::{Context, TranslateError};
use crate::schema::{Column, Constraint, ConstraintKind, QualifiedName, RelKind, Relation};
use crate::types::{parse_type_name, PgType, Scalar};
use sqlparser::ast::{
    ColumnDef, ColumnOption, Expr, GeneratedAs, ReferentialAction, TableConstraint,
};
use super::ddl::*;

#[derive(Debug, Clone)]
pub(super) struct SeqOptions {
    pub(super) start: Option<i64>,
    pub(super) increment: i64,
    pub(super) min: i64,
    pub(super) max: i64,
    pub(super) cycle: bool,
    pub(super) type_name: String,
}

impl SeqOptions {
    pub(super) fn apply(&mut self, o: &sqlparser::ast::SequenceOptions) -> Result<(), TranslateError> {
        use sqlparser::ast::SequenceOptions as S;
        match o {
            S::IncrementBy(e, _) => self.increment = const_i64(e)?,
            S::MinValue(Some(e)) => self.min = const_i64(e)?,
            S::MaxValue(Some(e)) => self.max = const_i64(e)?,
            S::MinValue(None) | S::MaxValue(None) | S::Cache(_) => {}
            S::StartWith(e, _) => self.start = Some(const_i64(e)?),
            S::Cycle(no) => self.cycle = !*no,
        }
        Ok(())
    }
    pub(super) fn start(&self) -> i64 {
        self.start.unwrap_or(if self.increment > 0 { self.min } else { self.max })
    }
}

pub(super) fn max_for(t: &PgType) -> i64 {
    match t.scalar {
        Scalar::Int2 => i16::MAX as i64,
        Scalar::Int4 => i32::MAX as i64,
        _ => i64::MAX,
    }
}

pub(super) fn const_i64(e: &Expr) -> Result<i64, TranslateError> {
    let s = e.to_string().replace(' ', "");
    s.parse().map_err(|_| TranslateError::Syntax(format!("expected an integer, got {s}")))
}

pub(super) fn action(a: &Option<ReferentialAction>) -> Option<String> {
    a.as_ref().map(|a| a.to_string().to_uppercase())
}

/// Builds the model of a new table from CREATE TABLE.
pub(super) fn table_model(ctx: &Context<'_>, q: &QualifiedName, columns: &[ColumnDef], constraints: &[TableConstraint]) -> Result<(Relation, Vec<(QualifiedName, SeqOptions, i32)>), TranslateError> {
    let mut rel = Relation {
        oid: 0,
        name: q.clone(),
        kind: RelKind::Table,
        sqlite_name: q.sqlite_name(),
        columns: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        definition: None,
        comment: None,
    };
    let mut sequences = Vec::new();
    for (i, cd) in columns.iter().enumerate() {
        let attnum = i as i32 + 1;
        let name = fold(&cd.name);
        if rel.column(&name).is_some() {
            return Err(TranslateError::DuplicateColumn { table: q.name.clone(), column: name });
        }
        let (col, seq, cons) = column_model(ctx, q, &name, attnum, cd)?;
        if let Some(s) = seq {
            sequences.push((s.0, s.1, attnum));
        }
        rel.columns.push(col);
        rel.constraints.extend(cons);
    }
    for tc in constraints {
        let c = table_constraint(ctx, &rel, tc)?;
        rel.constraints.push(c);
    }
    // A primary key implies NOT NULL on its columns.
    let pk_cols: Vec<String> = rel.constraints.iter().filter(|c| c.kind == ConstraintKind::PrimaryKey).flat_map(|c| c.columns.clone()).collect();
    if rel.constraints.iter().filter(|c| c.kind == ConstraintKind::PrimaryKey).count() > 1 {
        return Err(TranslateError::Syntax(format!("multiple primary keys for table \"{}\" are not allowed", q.name)));
    }
    for c in rel.columns.iter_mut() {
        if pk_cols.contains(&c.name) {
            c.not_null = true;
        }
    }
    name_checks(&mut rel);
    dedupe_constraint_names(&mut rel);
    Ok((rel, sequences))
}

/// The columns of `rel` a CHECK expression mentions, in column order.
fn mentioned_columns(rel: &Relation, text: &str) -> Vec<String> {
    let words: Vec<String> = text.split(|c: char| !(c.is_alphanumeric() || c == '_')).map(str::to_lowercase).collect();
    rel.columns.iter().map(|c| c.name.clone()).filter(|c| words.contains(c)).collect()
}

/// PostgreSQL names a check `<table>_<column>_check` when it mentions exactly
/// one column and `<table>_check` otherwise, wherever it was written.
fn check_name(table: &str, mentioned: &[String]) -> String {
    match mentioned {
        [c] => format!("{table}_{c}_check"),
        _ => format!("{table}_check"),
    }
}

/// Names the checks written on a column without a name, and records the columns they mention.
pub(super) fn name_checks(rel: &mut Relation) {
    let table = rel.name.name.clone();
    let mentions: Vec<Option<Vec<String>>> =
        rel.constraints.iter().map(|c| (c.kind == ConstraintKind::Check).then(|| mentioned_columns(rel, c.check.as_deref().unwrap_or_default()))).collect();
    for (c, m) in rel.constraints.iter_mut().zip(mentions) {
        let Some(m) = m else { continue };
        if c.name.is_empty() {
            c.name = check_name(&table, &m);
        }
        c.columns = m;
    }
}

pub(super) fn dedupe_constraint_names(rel: &mut Relation) {
    let mut seen: Vec<String> = Vec::new();
    for c in rel.constraints.iter_mut() {
        let base = c.name.clone();
        let mut n = 0;
        while seen.contains(&c.name) {
            n += 1;
            c.name = format!("{base}{n}");
        }
        seen.push(c.name.clone());
    }
}

pub(super) fn column_model(ctx: &Context<'_>, q: &QualifiedName, name: &str, attnum: i32, cd: &ColumnDef) -> Result<ColumnParts, TranslateError> {
    let t = Translator::new(ctx);
    let tn = parse_type_name(&cd.data_type.to_string());
    let ty = t.resolve_type(&cd.data_type.to_string())?;
    let mut col = Column { attnum, name: name.to_string(), ty: ty.clone(), not_null: false, default: None, identity: None, comment: None };
    let mut seq = None;
    let mut cons = Vec::new();
    // As PostgreSQL writes it: quoted where the name needs it ('"User_id_seq"').
    let quote = crate::runtime::quote_ident;
    let seq_ref = |sq: &QualifiedName| if sq.schema == "public" { quote(&sq.name) } else { format!("{}.{}", quote(&sq.schema), quote(&sq.name)) };
    if tn.serial {
        let sq = QualifiedName::new(&q.schema, &format!("{}_{}_seq", q.name, name));
        col.default = Some(format!("nextval('{}'::regclass)", seq_ref(&sq)));
        col.not_null = true;
        seq = Some((sq, SeqOptions { max: max_for(&ty), type_name: ty.format_type(), ..SeqOptions::default() }));
    }
    for opt in &cd.options {
        let cname = opt.name.as_ref().map(fold);
        match &opt.option {
            ColumnOption::Null => col.not_null = false,
            ColumnOption::NotNull => col.not_null = true,
            ColumnOption::Default(e) => col.default = Some(default_text(e, &ty)),
            ColumnOption::PrimaryKey(_) => cons.push(Constraint::new(cname.unwrap_or_else(|| format!("{}_pkey", q.name)), ConstraintKind::PrimaryKey, vec![name.to_string()])),
            ColumnOption::Unique(_) => cons.push(Constraint::new(cname.unwrap_or_else(|| format!("{}_{}_key", q.name, name)), ConstraintKind::Unique, vec![name.to_string()])),
            ColumnOption::ForeignKey(fk) => {
                let target = table(ctx, &fk.foreign_table).map(|r| r.name.clone()).or_else(|e| {
                    // A table may reference itself.
                    let parts = object_name_parts(&fk.foreign_table);
                    if parts.last() == Some(&q.name) {
                        Ok(q.clone())
                    } else {
                        Err(e)
                    }
                })?;
                let mut ref_columns: Vec<String> = fk.referred_columns.iter().map(fold).collect();
                if ref_columns.is_empty() {
                    // REFERENCES t without columns means t's primary key.
                    ref_columns = ctx
                        .schema
                        .relations
                        .get(&target)
                        .and_then(|r| r.constraints.iter().find(|c| c.kind == ConstraintKind::PrimaryKey).map(|c| c.columns.clone()))
                        .unwrap_or_default();
                }
                cons.push(Constraint {
                    ref_columns,
                    ref_table: Some(target),
                    on_update: action(&fk.on_update),
                    on_delete: action(&fk.on_delete),
                    ..Constraint::new(cname.unwrap_or_else(|| format!("{}_{}_fkey", q.name, name)), ConstraintKind::ForeignKey, vec![name.to_string()])
                })
            }
            // Named once the table's columns are known (name_checks): a
            // column's check may mention the columns after it.
            ColumnOption::Check(ck) => cons.push(Constraint {
                check: Some(ck.expr.to_string()),
                ..Constraint::new(cname.unwrap_or_default(), ConstraintKind::Check, vec![name.to_string()])
            }),
            ColumnOption::Generated { generated_as, generation_expr: None, sequence_options, .. } => {
                let sq = QualifiedName::new(&q.schema, &format!("{}_{}_seq", q.name, name));
                let mut so = SeqOptions { max: max_for(&ty), type_name: ty.format_type(), ..SeqOptions::default() };
                for o in sequence_options.iter().flatten() {
                    so.apply(o)?;
                }
                col.identity = Some(if matches!(generated_as, GeneratedAs::Always) { 'a' } else { 'd' });
                col.not_null = true;
                col.default = Some(format!("nextval('{}'::regclass)", seq_ref(&sq)));
                seq = Some((sq, so));
            }
            ColumnOption::Generated { generation_expr: Some(_), .. } => {
                return Err(TranslateError::Unsupported("generated columns (GENERATED ALWAYS AS (expr) STORED)".into()))
            }
            ColumnOption::Collation(c) => {
                let n = object_name_parts(c).join(".");
                if !matches!(n.as_str(), "c" | "default" | "pg_catalog.default" | "posix" | "pg_catalog.c") {
                    return Err(TranslateError::Unsupported(format!("collation \"{n}\"")));
                }
            }
            other => return Err(TranslateError::Unsupported(format!("column option {other}"))),
        }
    }
    Ok((col, seq, cons))
}

pub(super) fn table_constraint(ctx: &Context<'_>, rel: &Relation, tc: &TableConstraint) -> Result<Constraint, TranslateError> {
    let name_or = |n: &Option<sqlparser::ast::Ident>, default: String| n.as_ref().map(fold).unwrap_or(default);
    let index_cols = |cols: &[sqlparser::ast::IndexColumn]| -> Result<Vec<String>, TranslateError> {
        cols.iter()
            .map(|c| match &c.column.expr {
                Expr::Identifier(id) => Ok(fold(id)),
                other => Err(TranslateError::Unsupported(format!("constraint on expression {other}"))),
            })
            .collect()
    };
    let t = &rel.name.name;
    Ok(match tc {
        TableConstraint::PrimaryKey(pk) => Constraint::new(name_or(&pk.name, format!("{t}_pkey")), ConstraintKind::PrimaryKey, index_cols(&pk.columns)?),
        TableConstraint::Unique(u) => {
            let cols = index_cols(&u.columns)?;
            Constraint::new(name_or(&u.name, format!("{t}_{}_key", cols.join("_"))), ConstraintKind::Unique, cols)
        }
        TableConstraint::ForeignKey(fk) => {
            let cols: Vec<String> = fk.columns.iter().map(fold).collect();
            let parts = object_name_parts(&fk.foreign_table);
            let target = if parts.last() == Some(&rel.name.name) && ctx.schema.lookup(None, &rel.name.name, ctx.search_path).is_none() {
                rel.name.clone()
            } else {
                table(ctx, &fk.foreign_table)?.name.clone()
            };
            let mut ref_cols: Vec<String> = fk.referred_columns.iter().map(fold).collect();
            if ref_cols.is_empty() {
                // REFERENCES t without columns means t's primary key.
                let target_rel = ctx.schema.relations.get(&target).cloned();
                ref_cols = target_rel
                    .and_then(|r| r.constraints.iter().find(|c| c.kind == ConstraintKind::PrimaryKey).map(|c| c.columns.clone()))
                    .unwrap_or_default();
            }
            Constraint {
                ref_table: Some(target),
                ref_columns: ref_cols,
                on_update: action(&fk.on_update),
                on_delete: action(&fk.on_delete),
                ..Constraint::new(name_or(&fk.name, format!("{t}_{}_fkey", cols.join("_"))), ConstraintKind::ForeignKey, cols)
            }
        }
        TableConstraint::Check(ck) => {
            let text = ck.expr.to_string();
            let mentioned = mentioned_columns(rel, &text);
            let default = check_name(&rel.name.name, &mentioned);
            Constraint {
                check: Some(text),
                ..Constraint::new(name_or(&ck.name, default), ConstraintKind::Check, mentioned)
            }
        }
        other => return Err(TranslateError::Unsupported(format!("table constraint {other}"))),
    })
}

/// A default as PostgreSQL prints it back (pg_get_expr): a string literal
/// carries its column's type, `'x'::character varying`.
pub(super) fn default_text(e: &Expr, ty: &PgType) -> String {
    use sqlparser::ast::Value as V;
    match e {
        Expr::Value(v) => match &v.value {
            V::SingleQuotedString(s) => {
                let base = PgType { typmod: -1, ..ty.clone() };
                format!("'{}'::{}", s.replace('\'', "''"), base.format_type())
            }
            _ => e.to_string(),
        },
        _ => e.to_string(),
    }
}

impl Default for SeqOptions {
    fn default() -> Self {
        SeqOptions { start: None, increment: 1, min: 1, max: i64::MAX, cycle: false, type_name: "bigint".into() }
    }
}

pub(super) type ColumnParts = (Column, Option<(QualifiedName, SeqOptions)>, Vec<Constraint>);
