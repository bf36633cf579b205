//! PostgreSQL's catalog tables as its bootstrap file defines them: their
//! fixed OIDs and column lists (generated at build time from the `create`
//! blocks of `postgres.bki`), and the completion of litegres's computed
//! catalog tables to exactly those columns.

use super::CatalogTable;
use crate::types::{PgType, Scalar};
use crate::value::Value;

include!(concat!(env!("OUT_DIR"), "/catalog_relations.rs"));

/// The fixed OID of a PostgreSQL catalog table (`'pg_class'::regclass`).
pub fn catalog_relation_oid(name: &str) -> Option<u32> {
    CATALOG_RELATIONS.iter().find(|(n, _, _)| *n == name).map(|(_, oid, _)| *oid)
}

/// The columns PostgreSQL gives a catalog table, with their types.
pub(super) fn bootstrap_columns(name: &str) -> Option<Vec<(&'static str, PgType)>> {
    let (_, _, cols) = CATALOG_RELATIONS.iter().find(|(n, _, _)| *n == name)?;
    Some(cols.iter().map(|(c, ty)| (*c, bki_type(ty))).collect())
}

/// A type as postgres.bki spells it (`_text` is text[]). Types litegres
/// does not model (pg_node_tree, aclitem, xid, pg_lsn...) are served as text.
fn bki_type(ty: &str) -> PgType {
    match ty {
        "char" => PgType::scalar(Scalar::Char),
        "_char" => PgType::array_of(Scalar::Char),
        "int2vector" => PgType::INT2VECTOR,
        "oidvector" => PgType::array_of(Scalar::Oid),
        _ => match ty.strip_prefix('_') {
            Some(elem) => PgType::from_builtin_name(elem).map(|t| t.as_array()).unwrap_or_else(|| PgType::array_of(Scalar::Text)),
            None => PgType::from_builtin_name(ty).unwrap_or(PgType::TEXT),
        },
    }
}

/// Brings a computed catalog table to PostgreSQL's column list and order:
/// columns litegres has no value for are filled with the type's empty value
/// (false, 0, NULL; owners are the bootstrap superuser), so that queries naming them run and filter as on a
/// fresh PostgreSQL; columns PostgreSQL does not have stay at the end.
pub(super) fn complete(name: &str, table: CatalogTable) -> CatalogTable {
    let Some(pg_cols) = bootstrap_columns(name) else { return table };
    let position = |c: &str| table.columns.iter().position(|(n, _)| *n == c);
    let mut columns = Vec::new();
    let mut sources: Vec<Result<usize, Value>> = Vec::new();
    for (c, ty) in &pg_cols {
        match position(c) {
            Some(p) => {
                columns.push(table.columns[p].clone());
                sources.push(Ok(p));
            }
            None => {
                let empty = match (&ty.scalar, ty.array) {
                    // Built-in objects belong to the bootstrap superuser.
                    (Scalar::Oid, false) if c.ends_with("owner") || *c == "datdba" => Value::Int(10),
                    // -1: the default statistics target.
                    (Scalar::Int4 | Scalar::Int2, false) if *c == "attstattarget" => Value::Int(-1),
                    (Scalar::Bool, false) => Value::Int(0),
                    (Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Oid | Scalar::Regproc, false) => Value::Int(0),
                    _ => Value::Null,
                };
                columns.push((*c, ty.clone()));
                sources.push(Err(empty));
            }
        }
    }
    for (p, col) in table.columns.iter().enumerate() {
        if !pg_cols.iter().any(|(c, _)| *c == col.0) {
            columns.push(col.clone());
            sources.push(Ok(p));
        }
    }
    let rows = table
        .rows
        .into_iter()
        .map(|row| sources.iter().map(|s| match s { Ok(p) => row.get(*p).cloned().unwrap_or(Value::Null), Err(v) => v.clone() }).collect())
        .collect();
    CatalogTable { columns, rows }
}

