//! ALTER TABLE. Forms SQLite does in place (rename, plain ADD COLUMN) run
//! natively; the rest rebuild the table from the changed model.

use super::expr::{fold, object_name_parts, Translator};
use super::plan::Plan;
use super::sqltext::{ident, string};
use super::{Context, TranslateError};
use crate::schema::{Constraint, ConstraintKind, QualifiedName, Relation};
use super::plan::{FOREIGN_KEYS_OFF, FOREIGN_KEYS_ON};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation,
    ObjectName,
};
use super::ddl::*;
use super::ddl::view_dependents;
use super::table_model::*;

/// How a rebuilt table's columns are filled: each column of the new model
/// takes the old column of the same `attnum` unless `convert` gives it a
/// SQLite expression over the old table's columns (ALTER COLUMN TYPE).
#[derive(Default)]
pub(super) struct Fill {
    pub(super) convert: Vec<(i32, String)>,
}

/// Rewrites a table to match a new model, by SQLite's generalized ALTER
/// TABLE procedure: foreign-key enforcement off, the new table created under
/// a temporary name, rows copied, the old table dropped, the new one renamed
/// into place, indexes recreated, enforcement back on.
///
/// The order matters for the tables that reference this one. Their
/// REFERENCES clauses name the table by its name, and nothing here renames
/// the old table, so they go on naming the rebuilt one (renaming the old
/// table aside would make SQLite point them at the doomed copy). Enforcement
/// is off so that dropping the old table does not delete through their ON
/// DELETE actions; `legacy_alter_table` keeps the final rename from
/// re-checking views that name the table while it is briefly absent (it is
/// recorded with the schema statements, so every node replays it alike).
pub(super) fn rebuild(d: &mut Ddl, ctx: &Context<'_>, old: &Relation, new: &Relation, fill: &Fill) -> Result<(), TranslateError> {
    let tmp = format!("_lg_new_{}", old.oid);
    d.push(FOREIGN_KEYS_OFF);
    d.push("PRAGMA legacy_alter_table = ON");
    d.push(sqlite_create_table(ctx, new, &tmp)?);
    let mut into = Vec::new();
    let mut from = Vec::new();
    for c in &new.columns {
        if let Some((_, e)) = fill.convert.iter().find(|(n, _)| *n == c.attnum) {
            into.push(ident(&c.name));
            from.push(e.clone());
        } else if let Some(o) = old.columns.iter().find(|o| o.attnum == c.attnum) {
            into.push(ident(&c.name));
            from.push(ident(&o.name));
        }
    }
    if !into.is_empty() {
        d.push(format!("INSERT INTO {} ({}) SELECT {} FROM {}", ident(&tmp), into.join(", "), from.join(", "), ident(&old.sqlite_name)));
    }
    d.push(format!("DROP TABLE {}", ident(&old.sqlite_name)));
    d.push(format!("ALTER TABLE {} RENAME TO {}", ident(&tmp), ident(&new.sqlite_name)));
    d.push("PRAGMA legacy_alter_table = OFF");
    d.push(FOREIGN_KEYS_ON);
    for idx in &new.indexes {
        if let Some(sql) = &idx.definition {
            if !idx.primary && !new.constraints.iter().any(|c| c.name == idx.name) {
                d.push(sql.clone());
            }
        }
    }
    // Catalog: replace attributes and constraints.
    d.push(format!("DELETE FROM __lg_attribute WHERE relid = {}", old.oid));
    d.push(format!("DELETE FROM __lg_relation WHERE oid IN (SELECT index_oid FROM __lg_constraint WHERE relid = {} AND index_oid IS NOT NULL)", old.oid));
    d.push(format!("DELETE FROM __lg_index WHERE oid IN (SELECT index_oid FROM __lg_constraint WHERE relid = {} AND index_oid IS NOT NULL)", old.oid));
    d.push(format!("DELETE FROM __lg_constraint WHERE relid = {}", old.oid));
    let mut renamed = new.clone();
    renamed.name = old.name.clone();
    attribute_rows(d, &renamed);
    constraint_rows(d, &renamed);
    Ok(())
}

/// A statement that fails with 23503, as PostgreSQL's validation of a
/// foreign key does, if a row of `child` has no match for constraint `c`
/// (rows with a NULL key column match nothing and need nothing, as in
/// PostgreSQL's default MATCH SIMPLE).
pub(super) fn foreign_key_check(ctx: &Context<'_>, child: &Relation, c: &Constraint) -> Option<String> {
    let parent = ctx.schema.relations.get(c.ref_table.as_ref()?)?;
    let parent_sqlite = if parent.oid == child.oid { child.sqlite_name.clone() } else { parent.sqlite_name.clone() };
    let not_null: Vec<String> = c.columns.iter().map(|x| format!("c.{} IS NOT NULL", ident(x))).collect();
    let matches: Vec<String> = c.columns.iter().zip(&c.ref_columns).map(|(x, r)| format!("p.{} = c.{}", ident(r), ident(x))).collect();
    let message = format!("insert or update on table \"{}\" violates foreign key constraint \"{}\"", child.name.name, c.name);
    Some(format!(
        "SELECT lg_raise('23503', {}) FROM {} AS c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {}) LIMIT 1",
        string(&message),
        ident(&child.sqlite_name),
        not_null.join(" AND "),
        ident(&parent_sqlite),
        matches.join(" AND ")
    ))
}

pub(super) fn alter_table(ctx: &Context<'_>, name: &ObjectName, if_exists: bool, ops: &[AlterTableOperation]) -> Result<Plan, TranslateError> {
    let rel = match table(ctx, name) {
        Ok(r) => r,
        Err(TranslateError::UndefinedTable(n)) if if_exists => return Ok(skip("ALTER TABLE", "00000", format!("relation \"{n}\" does not exist, skipping"))),
        Err(e) => return Err(e),
    };
    let mut d = Ddl::default();
    let mut model = (*rel).clone();
    let mut needs_rebuild = false;
    let mut new_sequences = Vec::new();
    let mut fill = Fill::default();
    // Foreign keys of this table to validate against existing rows once rebuilt.
    let mut validate: Vec<String> = Vec::new();
    // Tables whose foreign keys to this one go (DROP ... CASCADE): rebuilt without them.
    let mut dropped_refs: Vec<(QualifiedName, String)> = Vec::new();
    for op in ops {
        match op {
            AlterTableOperation::AddColumn { if_not_exists, column_def, .. } => {
                let name = fold(&column_def.name);
                if model.column(&name).is_some() {
                    if *if_not_exists {
                        continue;
                    }
                    return Err(TranslateError::DuplicateColumn { table: rel.name.name.clone(), column: name });
                }
                let attnum = model.columns.iter().map(|c| c.attnum).max().unwrap_or(0) + 1;
                let (col, seq, cons) = column_model(ctx, &rel.name, &name, attnum, column_def)?;
                if let Some((sq, so)) = seq {
                    new_sequences.push((sq, so, attnum));
                }
                if !cons.is_empty() || col.default.is_some() || col.not_null {
                    needs_rebuild = true;
                }
                model.constraints.extend(cons);
                model.columns.push(col);
                super::table_model::name_checks(&mut model);
                super::table_model::dedupe_constraint_names(&mut model);
            }
            AlterTableOperation::DropColumn { column_names, if_exists, drop_behavior, .. } => {
                for cn in column_names {
                    let n = fold(cn);
                    if model.column(&n).is_none() {
                        if *if_exists {
                            continue;
                        }
                        return Err(TranslateError::UndefinedColumn(format!("{n}\" of relation \"{}", rel.name.name)));
                    }
                    let refs = referencing(ctx, &rel, |c| c.ref_columns.contains(&n));
                    if !refs.is_empty() && !matches!(drop_behavior, Some(sqlparser::ast::DropBehavior::Cascade)) {
                        return Err(TranslateError::DependentObjects(format!("column {n} of table {}", rel.name.name)));
                    }
                    dropped_refs.extend(refs);
                    model.columns.retain(|c| c.name != n);
                    model.constraints.retain(|c| !c.columns.contains(&n));
                    model.indexes.retain(|i| !i.columns.contains(&n));
                    needs_rebuild = true;
                }
            }
            AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                let (o, n) = (fold(old_column_name), fold(new_column_name));
                if model.column(&n).is_some() {
                    return Err(TranslateError::DuplicateColumn { table: rel.name.name.clone(), column: n });
                }
                let col = model.columns.iter_mut().find(|c| c.name == o).ok_or_else(|| TranslateError::UndefinedColumn(o.clone()))?;
                col.name = n.clone();
                for c in model.constraints.iter_mut() {
                    for x in c.columns.iter_mut() {
                        if *x == o {
                            *x = n.clone();
                        }
                    }
                }
                if !needs_rebuild {
                    d.push(format!("ALTER TABLE {} RENAME COLUMN {} TO {}", ident(&rel.sqlite_name), ident(&o), ident(&n)));
                    d.push(format!("UPDATE __lg_attribute SET name = {} WHERE relid = {} AND name = {}", string(&n), rel.oid, string(&o)));
                    d.push(format!("UPDATE __lg_constraint SET columns = replace(columns, {}, {}) WHERE relid = {}", string(&format!("\"{o}\"")), string(&format!("\"{n}\"")), rel.oid));
                    d.push(format!("UPDATE __lg_index SET columns = replace(columns, {}, {}) WHERE relid = {}", string(&format!("\"{o}\"")), string(&format!("\"{n}\"")), rel.oid));
                    // SQLite renames the column in the tables that reference it too.
                    d.push(format!("UPDATE __lg_constraint SET ref_columns = replace(ref_columns, {}, {}) WHERE ref_relid = {}", string(&format!("\"{o}\"")), string(&format!("\"{n}\"")), rel.oid));
                }
            }
            AlterTableOperation::RenameTable { table_name } => {
                let new_name = match table_name {
                    sqlparser::ast::RenameTableNameKind::As(n) | sqlparser::ast::RenameTableNameKind::To(n) => object_name_parts(n).last().cloned().unwrap_or_default(),
                };
                let nq = QualifiedName::new(&rel.name.schema, &new_name);
                if ctx.schema.relations.contains_key(&nq) {
                    return Err(TranslateError::DuplicateTable(new_name));
                }
                d.push(format!("ALTER TABLE {} RENAME TO {}", ident(&rel.sqlite_name), ident(&nq.sqlite_name())));
                // SQLite renames the table inside its views; the definitions kept
                // for PostgreSQL's catalog follow (else the views' dependencies
                // and pg_get_viewdef would name a table that no longer exists).
                for v in view_dependents(ctx, rel.oid).iter().filter(|v| view_reads_directly(ctx, v, rel.oid)) {
                    if let Some(def) = v.definition.as_deref().and_then(|def| rename_in_query(def, &rel.name.name, &new_name)) {
                        d.push(format!("UPDATE __lg_relation SET definition = {} WHERE oid = {}", string(&def), v.oid));
                    }
                }
                d.push(format!("UPDATE __lg_relation SET name = {}, sqlite_name = {} WHERE oid = {}", string(&nq.name), string(&nq.sqlite_name()), rel.oid));
                model.name = nq.clone();
                model.sqlite_name = nq.sqlite_name();
            }
            AlterTableOperation::AddConstraint { constraint, not_valid } => {
                let c = table_constraint(ctx, &model, constraint)?;
                if c.kind == ConstraintKind::ForeignKey && !*not_valid {
                    validate.push(c.name.clone());
                }
                if model.constraints.iter().any(|x| x.name == c.name) {
                    return Err(TranslateError::DuplicateTable(c.name));
                }
                if c.kind == ConstraintKind::PrimaryKey {
                    for col in model.columns.iter_mut() {
                        if c.columns.contains(&col.name) {
                            col.not_null = true;
                        }
                    }
                }
                model.constraints.push(c);
                needs_rebuild = true;
            }
            AlterTableOperation::DropConstraint { if_exists, name, drop_behavior } => {
                let n = fold(name);
                let Some(dropped) = model.constraints.iter().find(|c| c.name == n).cloned() else {
                    if *if_exists {
                        continue;
                    }
                    return Err(TranslateError::UndefinedTable(format!("constraint \"{n}\" of relation \"{}\"", rel.name.name)));
                };
                // A foreign key elsewhere needs this key to stay unique.
                if matches!(dropped.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique) {
                    let refs = referencing(ctx, &rel, |c| same_columns(&c.ref_columns, &dropped.columns));
                    if !refs.is_empty() && !matches!(drop_behavior, Some(sqlparser::ast::DropBehavior::Cascade)) {
                        return Err(TranslateError::DependentObjects(format!("constraint {n} on table {}", rel.name.name)));
                    }
                    dropped_refs.extend(refs);
                }
                model.constraints.retain(|c| c.name != n);
                needs_rebuild = true;
            }
            AlterTableOperation::ValidateConstraint { name } => {
                let n = fold(name);
                let c = model.constraints.iter().find(|c| c.name == n).ok_or_else(|| TranslateError::UndefinedTable(format!("constraint \"{n}\" of relation \"{}\"", rel.name.name)))?;
                if c.kind == ConstraintKind::ForeignKey {
                    validate.push(n);
                }
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let n = fold(column_name);
                let idx = model.columns.iter().position(|c| c.name == n).ok_or_else(|| TranslateError::UndefinedColumn(n.clone()))?;
                match op {
                    AlterColumnOperation::SetNotNull => model.columns[idx].not_null = true,
                    AlterColumnOperation::DropNotNull => model.columns[idx].not_null = false,
                    AlterColumnOperation::SetDefault { value } => {
                        let ty = model.columns[idx].ty.clone();
                        model.columns[idx].default = Some(default_text(value, &ty))
                    }
                    AlterColumnOperation::DropDefault => model.columns[idx].default = None,
                    AlterColumnOperation::SetDataType { data_type, using, .. } => {
                        if let Some(view) = view_dependents(ctx, rel.oid).iter().find(|v| view_names_column(v, &n)) {
                            return Err(TranslateError::NotSupported(format!(
                                "cannot alter type of a column used by a view or rule (rule _RETURN on view {} depends on column \"{n}\")",
                                view.name.name
                            )));
                        }
                        let t = Translator::new(ctx);
                        let ty = t.resolve_type(&data_type.to_string())?;
                        // Values convert as an explicit cast (or the USING
                        // expression) over the table's current columns would.
                        let source = using.as_ref().map(|u| u.to_string()).unwrap_or_else(|| ident(&n));
                        let expr = table_expr(ctx, &rel, &format!("CAST(({source}) AS {data_type})"), None)?;
                        let attnum = model.columns[idx].attnum;
                        fill.convert.retain(|(a, _)| *a != attnum);
                        fill.convert.push((attnum, expr));
                        model.columns[idx].ty = ty;
                        // Keys through this column are checked again, as PostgreSQL re-validates them.
                        for c in model.constraints.iter().filter(|c| c.kind == ConstraintKind::ForeignKey && c.columns.contains(&n)) {
                            validate.push(c.name.clone());
                        }
                    }
                    other => return Err(TranslateError::Unsupported(format!("ALTER COLUMN {other}"))),
                }
                needs_rebuild = true;
            }
            other => return Err(TranslateError::Unsupported(format!("ALTER TABLE {}", other.to_string().split_whitespace().take(3).collect::<Vec<_>>().join(" ")))),
        }
    }
    let mut seq_schema = ctx.schema.clone();
    for (sq, opts, _) in &new_sequences {
        create_sequence(&mut d, sq, opts, Some((&model.name, 0)));
        seq_schema.sequences.insert(
            sq.clone(),
            crate::schema::Sequence { oid: 0, name: sq.clone(), last_value: 0, start: opts.start(), increment: opts.increment, min: opts.min, max: opts.max, cycle: opts.cycle, is_called: false },
        );
    }
    let sctx = Context { schema: &seq_schema, ..ctx.clone() };
    if needs_rebuild {
        let mut old = (*rel).clone();
        old.sqlite_name = model.sqlite_name.clone();
        rebuild(&mut d, &sctx, &old, &model, &fill)?;
    } else {
        // Plain ADD COLUMN: SQLite adds it in place.
        for c in model.columns.iter().filter(|c| rel.column(&c.name).is_none() && !rel.columns.iter().any(|o| o.attnum == c.attnum)) {
            d.push(format!("ALTER TABLE {} ADD COLUMN {} {}", ident(&model.sqlite_name), ident(&c.name), c.ty.sqlite_decl()));
            d.push(format!(
                "INSERT INTO __lg_attribute (relid, attnum, name, type, not_null) VALUES ({}, {}, {}, {}, 0)",
                rel.oid,
                c.attnum,
                string(&c.name),
                string(&type_text(&c.ty))
            ));
        }
    }
    // Tables that lose their foreign keys to this one (CASCADE), each once.
    dropped_refs.sort();
    dropped_refs.dedup();
    for child_name in dropped_refs.iter().map(|(t, _)| t).collect::<std::collections::BTreeSet<_>>() {
        let Some(child) = ctx.schema.relations.get(child_name) else { continue };
        let mut kept = (**child).clone();
        let gone: Vec<&String> = dropped_refs.iter().filter(|(t, _)| t == child_name).map(|(_, c)| c).collect();
        kept.constraints.retain(|c| !gone.contains(&&c.name));
        rebuild(&mut d, &sctx, child, &kept, &Fill::default())?;
    }
    if !dropped_refs.is_empty() {
        super::ddl::cascade_notice(&mut d, dropped_refs.iter().map(|(t, c)| format!("constraint {c} on table {}", t.name)).collect());
    }
    validate.sort();
    validate.dedup();
    for name in &validate {
        if let Some(check) = model.constraints.iter().find(|c| &c.name == name).and_then(|c| foreign_key_check(&sctx, &model, c)) {
            d.push(check);
        }
    }
    Ok(d.plan("ALTER TABLE"))
}

/// The foreign keys of other tables to `rel` that `pick` selects, as
/// (referencing table, constraint name).
fn referencing(ctx: &Context<'_>, rel: &Relation, pick: impl Fn(&Constraint) -> bool) -> Vec<(QualifiedName, String)> {
    ctx.schema
        .relations
        .values()
        .filter(|r| r.oid != rel.oid)
        .flat_map(|r| r.constraints.iter().filter(|c| c.kind == ConstraintKind::ForeignKey && c.ref_table.as_ref() == Some(&rel.name) && pick(c)).map(|c| (r.name.clone(), c.name.clone())))
        .collect()
}

fn same_columns(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// Whether a view's query names `column` (any identifier spelled so): a
/// view that depends on a table and names one of its columns is taken to use it.
fn view_names_column(view: &Relation, column: &str) -> bool {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let Some(def) = &view.definition else { return false };
    let Ok(tokens) = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, def).tokenize() else { return true };
    tokens.iter().any(|t| matches!(t, Token::Word(w) if fold(&sqlparser::ast::Ident { value: w.value.clone(), quote_style: w.quote_style, span: sqlparser::tokenizer::Span::empty() }) == column))
}

fn view_reads_directly(ctx: &Context<'_>, view: &Relation, oid: u32) -> bool {
    super::ddl::view_reads(ctx, view).contains(&oid)
}

/// A query's text with every identifier that names `old` (not as a
/// function) spelled `new`; None if the text does not tokenize.
fn rename_in_query(query: &str, old: &str, new: &str) -> Option<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, query).tokenize().ok()?;
    let mut out = String::with_capacity(query.len());
    for (i, t) in tokens.iter().enumerate() {
        let is_call = matches!(tokens.get(i + 1), Some(Token::LParen));
        match t {
            Token::Word(w) if !is_call && fold(&sqlparser::ast::Ident { value: w.value.clone(), quote_style: w.quote_style, span: sqlparser::tokenizer::Span::empty() }) == old => {
                out.push_str(&crate::runtime::quote_ident(new))
            }
            other => out.push_str(&other.to_string()),
        }
    }
    Some(out)
}
