//! `pg_catalog` relations, computed from the schema model: a query that
//! reads `pg_type` or `pg_class` gets the rows litegres really holds, inlined
//! into the translated SQL as a VALUES list. Plans are cached per schema
//! generation, so the rows are built once per schema change, and a
//! transaction's own DDL is visible to its own catalog queries.

use crate::schema::{ConstraintKind, RelKind, Schema, PG_CATALOG_OID};
use crate::types::{PgType, Scalar};
use crate::value::Value;
use postgres_types::{Kind, Type};

/// A catalog relation: typed columns and rows.
pub struct CatalogTable {
    pub columns: Vec<(&'static str, PgType)>,
    pub rows: Vec<Vec<Value>>,
}

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}
fn i(n: i64) -> Value {
    Value::Int(n)
}
fn b(v: bool) -> Value {
    Value::Int(v as i64)
}

const OID: PgType = PgType::OID;
const NAME: PgType = PgType::NAME;
const TEXT: PgType = PgType::TEXT;
const BOOL: PgType = PgType::BOOL;
const INT2: PgType = PgType::INT2;
const INT4: PgType = PgType::INT4;
const CHAR: PgType = PgType::scalar(Scalar::Char);
const FLOAT4: PgType = PgType::FLOAT4;

/// Names of the relations served here.
pub const RELATIONS: &[&str] = &[
    "pg_type",
    "pg_namespace",
    "pg_enum",
    "pg_range",
    "pg_class",
    "pg_attribute",
    "pg_inherits",
    "pg_partitioned_table",
    "pg_database",
    "pg_proc",
    "pg_description",
    "pg_am",
];

pub fn is_catalog_relation(name: &str) -> bool {
    RELATIONS.contains(&name)
}

/// Every built-in type, from the tables postgres-types generates from PostgreSQL's sources.
fn builtin_types() -> Vec<Type> {
    (1..10_000u32).filter_map(Type::from_oid).collect()
}

fn type_row(oid: u32, name: &str, ns: u32, len: i16, kind: &str, category: &str, elem: u32, array: u32) -> Vec<Value> {
    vec![
        i(oid as i64),
        t(name),
        i(ns as i64),
        i(10),
        i(len as i64),
        b(len > 0 && len <= 8),
        t(kind),
        t(category),
        b(true),
        t(","),
        i(0),
        i(elem as i64),
        i(array as i64),
        t(&format!("{name}in")),
        t(&format!("{name}out")),
        i(0),
        i(-1),
        b(false),
        i(0),
        i(0),
        Value::Null,
    ]
}

fn pg_type(schema: &Schema) -> CatalogTable {
    let columns = vec![
        ("oid", OID),
        ("typname", NAME),
        ("typnamespace", OID),
        ("typowner", OID),
        ("typlen", INT2),
        ("typbyval", BOOL),
        ("typtype", CHAR),
        ("typcategory", CHAR),
        ("typisdefined", BOOL),
        ("typdelim", CHAR),
        ("typrelid", OID),
        ("typelem", OID),
        ("typarray", OID),
        ("typinput", TEXT),
        ("typoutput", TEXT),
        ("typbasetype", OID),
        ("typtypmod", INT4),
        ("typnotnull", BOOL),
        ("typndims", INT4),
        ("typcollation", OID),
        ("typdefault", TEXT),
    ];
    let all = builtin_types();
    let mut rows = Vec::new();
    for ty in &all {
        let (kind, category, elem) = match ty.kind() {
            Kind::Array(e) => ("b", "A", e.oid()),
            Kind::Pseudo => ("p", "P", 0),
            Kind::Range(_) => ("r", "R", 0),
            Kind::Multirange(_) => ("m", "R", 0),
            Kind::Enum(_) => ("e", "E", 0),
            Kind::Domain(_) => ("d", "U", 0),
            Kind::Composite(_) => ("c", "C", 0),
            _ => ("b", category_of(ty), 0),
        };
        let array = all.iter().find(|a| matches!(a.kind(), Kind::Array(e) if e.oid() == ty.oid())).map(|a| a.oid()).unwrap_or(0);
        let len = PgType::from_oid(ty.oid()).map(|p| p.typlen()).unwrap_or(-1);
        rows.push(type_row(ty.oid(), ty.name(), PG_CATALOG_OID, len, kind, category, elem, array));
    }
    for e in schema.enums.values() {
        let ns = schema.namespace_oid(&e.name.schema);
        rows.push(type_row(e.oid, &e.name.name, ns, 4, "e", "E", 0, e.array_oid));
        rows.push(type_row(e.array_oid, &format!("_{}", e.name.name), ns, -1, "b", "A", e.oid, 0));
    }
    CatalogTable { columns, rows }
}

fn category_of(ty: &Type) -> &'static str {
    match PgType::from_oid(ty.oid()).map(|p| p.scalar) {
        Some(Scalar::Bool) => "B",
        Some(Scalar::Int2 | Scalar::Int4 | Scalar::Int8 | Scalar::Float4 | Scalar::Float8 | Scalar::Numeric | Scalar::Oid) => "N",
        Some(Scalar::Text | Scalar::Varchar | Scalar::Bpchar | Scalar::Name | Scalar::Char) => "S",
        Some(Scalar::Date | Scalar::Time | Scalar::Timestamp | Scalar::Timestamptz) => "D",
        Some(Scalar::Interval) => "T",
        _ => "U",
    }
}

fn pg_namespace(schema: &Schema) -> CatalogTable {
    let mut rows = vec![
        vec![i(PG_CATALOG_OID as i64), t("pg_catalog"), i(10), Value::Null],
        vec![i(crate::schema::INFORMATION_SCHEMA_OID as i64), t("information_schema"), i(10), Value::Null],
    ];
    for (oid, name) in &schema.namespaces {
        rows.push(vec![i(*oid as i64), t(name), i(10), Value::Null]);
    }
    CatalogTable { columns: vec![("oid", OID), ("nspname", NAME), ("nspowner", OID), ("nspacl", TEXT)], rows }
}

fn pg_enum(schema: &Schema) -> CatalogTable {
    let mut rows = Vec::new();
    for e in schema.enums.values() {
        for (n, label) in e.labels.iter().enumerate() {
            rows.push(vec![i(e.oid as i64 * 1000 + n as i64), i(e.oid as i64), Value::Real(n as f64 + 1.0), t(label)]);
        }
    }
    CatalogTable { columns: vec![("oid", OID), ("enumtypid", OID), ("enumsortorder", FLOAT4), ("enumlabel", NAME)], rows }
}

fn pg_class(schema: &Schema) -> CatalogTable {
    let columns = vec![
        ("oid", OID),
        ("relname", NAME),
        ("relnamespace", OID),
        ("reltype", OID),
        ("relowner", OID),
        ("relam", OID),
        ("relkind", CHAR),
        ("relpersistence", CHAR),
        ("relnatts", INT2),
        ("relchecks", INT2),
        ("relhasindex", BOOL),
        ("relhasrules", BOOL),
        ("relhastriggers", BOOL),
        ("relhassubclass", BOOL),
        ("relrowsecurity", BOOL),
        ("relforcerowsecurity", BOOL),
        ("relispartition", BOOL),
        ("relispopulated", BOOL),
        ("reltuples", FLOAT4),
        ("relpages", INT4),
        ("reloptions", TEXT),
        ("relacl", TEXT),
        ("reltablespace", OID),
        ("relpartbound", TEXT),
    ];
    let mut rows = Vec::new();
    for r in schema.relations.values() {
        let kind = r.kind.code();
        let checks = r.constraints.iter().filter(|c| c.kind == ConstraintKind::Check).count();
        let has_index = !r.indexes.is_empty();
        rows.push(vec![
            i(r.oid as i64),
            t(&r.name.name),
            i(schema.namespace_oid(&r.name.schema) as i64),
            i(0),
            i(10),
            i(if r.kind == RelKind::Index { 403 } else if r.kind == RelKind::Table { 2 } else { 0 }),
            t(kind),
            t("p"),
            i(r.columns.len() as i64),
            i(checks as i64),
            b(has_index),
            b(false),
            b(false),
            b(false),
            b(false),
            b(false),
            b(false),
            b(true),
            Value::Real(-1.0),
            i(0),
            Value::Null,
            Value::Null,
            i(0),
            Value::Null,
        ]);
    }
    CatalogTable { columns, rows }
}

fn pg_attribute(schema: &Schema) -> CatalogTable {
    let columns = vec![
        ("attrelid", OID),
        ("attname", NAME),
        ("atttypid", OID),
        ("attlen", INT2),
        ("attnum", INT2),
        ("atttypmod", INT4),
        ("attndims", INT4),
        ("attnotnull", BOOL),
        ("atthasdef", BOOL),
        ("atthasmissing", BOOL),
        ("attidentity", CHAR),
        ("attgenerated", CHAR),
        ("attisdropped", BOOL),
        ("attislocal", BOOL),
        ("attinhcount", INT4),
        ("attcollation", OID),
    ];
    let mut rows = Vec::new();
    for r in schema.relations.values() {
        for c in &r.columns {
            rows.push(vec![
                i(r.oid as i64),
                t(&c.name),
                i(c.ty.wire().oid() as i64),
                i(c.ty.typlen() as i64),
                i(c.attnum as i64),
                i(c.ty.typmod as i64),
                i(c.ty.array as i64),
                b(c.not_null),
                b(c.default.is_some()),
                b(false),
                t(&c.identity.map(|x| x.to_string()).unwrap_or_default()),
                t(""),
                b(false),
                b(true),
                i(0),
                i(if c.ty.is_text_family() { 100 } else { 0 }),
            ]);
        }
    }
    CatalogTable { columns, rows }
}

/// Databases get stable OIDs from their position in the sorted list, above PostgreSQL's own.
fn pg_database(databases: &[String], current: &str) -> CatalogTable {
    let mut names: Vec<&str> = databases.iter().map(String::as_str).collect();
    if !names.contains(&current) {
        names.push(current);
    }
    names.sort();
    CatalogTable {
        columns: vec![
            ("oid", OID),
            ("datname", NAME),
            ("datdba", OID),
            ("encoding", INT4),
            ("datlocprovider", CHAR),
            ("datistemplate", BOOL),
            ("datallowconn", BOOL),
            ("datconnlimit", INT4),
            ("datcollate", TEXT),
            ("datctype", TEXT),
            ("daticulocale", TEXT),
            ("datacl", TEXT),
        ],
        rows: names
            .iter()
            .enumerate()
            .map(|(n, name)| vec![i(16_000 + n as i64), t(name), i(10), i(6), t("c"), b(false), b(true), i(-1), t("C"), t("C"), Value::Null, Value::Null])
            .collect(),
    }
}

fn empty(columns: Vec<(&'static str, PgType)>) -> CatalogTable {
    CatalogTable { columns, rows: Vec::new() }
}

/// The rows of `pg_catalog.<name>` for this schema, or None if litegres does not serve it.
pub fn relation(name: &str, schema: &Schema, database: &str, databases: &[String]) -> Option<CatalogTable> {
    Some(match name {
        "pg_type" => pg_type(schema),
        "pg_namespace" => pg_namespace(schema),
        "pg_enum" => pg_enum(schema),
        "pg_class" => pg_class(schema),
        "pg_attribute" => pg_attribute(schema),
        "pg_database" => pg_database(databases, database),
        "pg_range" => empty(vec![("rngtypid", OID), ("rngsubtype", OID), ("rngmultitypid", OID), ("rngcollation", OID), ("rngsubopc", OID)]),
        "pg_inherits" => empty(vec![("inhrelid", OID), ("inhparent", OID), ("inhseqno", INT4), ("inhdetachpending", BOOL)]),
        "pg_partitioned_table" => empty(vec![("partrelid", OID), ("partstrat", CHAR), ("partnatts", INT2), ("partdefid", OID)]),
        "pg_proc" => empty(vec![("oid", OID), ("proname", NAME), ("pronamespace", OID), ("prorettype", OID), ("prokind", CHAR)]),
        "pg_description" => empty(vec![("objoid", OID), ("classoid", OID), ("objsubid", INT4), ("description", TEXT)]),
        "pg_am" => CatalogTable {
            columns: vec![("oid", OID), ("amname", NAME), ("amhandler", TEXT), ("amtype", CHAR)],
            rows: vec![vec![i(2), t("heap"), t("heap_tableam_handler"), t("t")], vec![i(403), t("btree"), t("bthandler"), t("i")]],
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_type_lists_builtins_with_their_oids_and_arrays() {
        let tt = pg_type(&Schema::default());
        let int4 = tt.rows.iter().find(|r| r[1] == t("int4")).unwrap();
        assert_eq!(int4[0], i(23));
        assert_eq!(int4[12], i(1007));
        assert!(tt.rows.len() > 150);
        assert_eq!(pg_namespace(&Schema::default()).rows.len(), 2);
    }
}
