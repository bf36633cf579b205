//! ALTER TABLE. Forms SQLite does in place (rename, plain ADD COLUMN) run
//! natively; the rest rebuild the table from the changed model.

use super::expr::{fold, object_name_parts, Translator};
use super::plan::Plan;
use super::sqltext::{ident, string};
use super::{Context, TranslateError};
use crate::schema::{ConstraintKind, QualifiedName, Relation};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation,
    ObjectName,
};
use super::ddl::*;
use super::table_model::*;

/// Rewrites a table to match a new model: the old one is renamed aside,
/// the new one created, rows copied, the old one dropped, indexes recreated.
pub(super) fn rebuild(d: &mut Ddl, ctx: &Context<'_>, old: &Relation, new: &Relation) -> Result<(), TranslateError> {
    let tmp = format!("_lg_old_{}", old.oid);
    d.push("PRAGMA legacy_alter_table = ON");
    d.push(format!("ALTER TABLE {} RENAME TO {}", ident(&old.sqlite_name), ident(&tmp)));
    d.push(sqlite_create_table(ctx, new, &new.sqlite_name)?);
    let common: Vec<String> = new.columns.iter().filter(|c| old.columns.iter().any(|o| o.attnum == c.attnum)).map(|c| c.name.clone()).collect();
    let from: Vec<String> = new
        .columns
        .iter()
        .filter_map(|c| old.columns.iter().find(|o| o.attnum == c.attnum).map(|o| ident(&o.name)))
        .collect();
    if !common.is_empty() {
        d.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            ident(&new.sqlite_name),
            common.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", "),
            from.join(", "),
            ident(&tmp)
        ));
    }
    d.push(format!("DROP TABLE {}", ident(&tmp)));
    d.push("PRAGMA legacy_alter_table = OFF");
    for idx in &old.indexes {
        if let Some(sql) = &idx.definition {
            if !idx.primary && !old.constraints.iter().any(|c| c.name == idx.name) {
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
                    let used_by_other = ctx.schema.relations.values().any(|r| r.constraints.iter().any(|c| c.ref_table.as_ref() == Some(&rel.name) && c.ref_columns.contains(&n)));
                    if used_by_other && !matches!(drop_behavior, Some(sqlparser::ast::DropBehavior::Cascade)) {
                        return Err(TranslateError::DependentObjects(format!("column {n} of table {}", rel.name.name)));
                    }
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
                d.push(format!("UPDATE __lg_relation SET name = {}, sqlite_name = {} WHERE oid = {}", string(&nq.name), string(&nq.sqlite_name()), rel.oid));
                model.name = nq.clone();
                model.sqlite_name = nq.sqlite_name();
            }
            AlterTableOperation::AddConstraint { constraint, .. } => {
                let c = table_constraint(ctx, &model, constraint)?;
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
            AlterTableOperation::DropConstraint { if_exists, name, .. } => {
                let n = fold(name);
                if !model.constraints.iter().any(|c| c.name == n) {
                    if *if_exists {
                        continue;
                    }
                    return Err(TranslateError::UndefinedTable(format!("constraint \"{n}\" of relation \"{}\"", rel.name.name)));
                }
                model.constraints.retain(|c| c.name != n);
                needs_rebuild = true;
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
                        if using.is_some() {
                            return Err(TranslateError::Unsupported("ALTER COLUMN TYPE ... USING".into()));
                        }
                        let t = Translator::new(ctx);
                        model.columns[idx].ty = t.resolve_type(&data_type.to_string())?;
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
        rebuild(&mut d, &sctx, &old, &model)?;
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
    Ok(d.plan("ALTER TABLE"))
}
