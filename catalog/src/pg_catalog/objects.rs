//! Catalog relations about objects other than tables and types: roles,
//! built-in functions, comments, dependencies, sequences, and the system
//! views (pg_tables, pg_views, pg_indexes, pg_sequences) over them.

use super::*;

fn role_row() -> Vec<Value> {
    vec![i(10), t("postgres"), b(true), b(true), b(true), b(true), b(true), b(true), i(-1), Value::Null, b(true), Value::Null]
}

pub(super) fn pg_roles() -> CatalogTable {
    CatalogTable {
        columns: vec![
            ("oid", OID),
            ("rolname", NAME),
            ("rolsuper", BOOL),
            ("rolinherit", BOOL),
            ("rolcreaterole", BOOL),
            ("rolcreatedb", BOOL),
            ("rolcanlogin", BOOL),
            ("rolreplication", BOOL),
            ("rolconnlimit", INT4),
            ("rolvaliduntil", PgType::TIMESTAMPTZ),
            ("rolbypassrls", BOOL),
            ("rolconfig", TEXT),
        ],
        // pg_database_owner owns the public schema, as in PostgreSQL 15.
        rows: vec![
            role_row(),
            vec![i(6171), t("pg_database_owner"), b(false), b(true), b(false), b(false), b(false), b(false), i(-1), Value::Null, b(false), Value::Null],
        ],
    }
}

pub(super) fn pg_tables(schema: &Schema) -> CatalogTable {
    let rows = schema
        .relations
        .values()
        .filter(|r| r.kind == RelKind::Table)
        .map(|r| vec![t(&r.name.schema), t(&r.name.name), t("postgres"), Value::Null, b(!r.indexes.is_empty()), b(false), b(false), b(false)])
        .collect();
    CatalogTable {
        columns: vec![
            ("schemaname", NAME),
            ("tablename", NAME),
            ("tableowner", NAME),
            ("tablespace", NAME),
            ("hasindexes", BOOL),
            ("hasrules", BOOL),
            ("hastriggers", BOOL),
            ("rowsecurity", BOOL),
        ],
        rows,
    }
}

pub(super) fn pg_views(schema: &Schema) -> CatalogTable {
    let rows = schema
        .relations
        .values()
        .filter(|r| r.kind == RelKind::View)
        .map(|r| vec![t(&r.name.schema), t(&r.name.name), t("postgres"), t(&format!(" {};", r.definition.clone().unwrap_or_default()))])
        .collect();
    CatalogTable { columns: vec![("schemaname", NAME), ("viewname", NAME), ("viewowner", NAME), ("definition", TEXT)], rows }
}

pub(super) fn pg_indexes(schema: &Schema) -> CatalogTable {
    let mut rows = Vec::new();
    for r in schema.relations.values() {
        for ix in &r.indexes {
            let def = ix.create_sql(&r.qualified_name());
            rows.push(vec![t(&r.name.schema), t(&r.name.name), t(&ix.name), Value::Null, t(&def)]);
        }
    }
    CatalogTable { columns: vec![("schemaname", NAME), ("tablename", NAME), ("indexname", NAME), ("tablespace", NAME), ("indexdef", TEXT)], rows }
}

/// The built-in functions litegres can call, with PostgreSQL's OIDs and types.
pub(super) fn pg_proc() -> CatalogTable {
    let rows = crate::builtin_functions::supported()
        .iter()
        .map(|f| {
            let args: Vec<i64> = f.args.iter().map(|a| a.wire().oid() as i64).collect();
            vec![
                i(f.oid as i64),
                t(f.name),
                i(crate::schema::PG_CATALOG_OID as i64),
                t(&f.kind.to_string()),
                b(f.retset),
                i(args.len() as i64),
                i(f.result.wire().oid() as i64),
                int_array(&args),
            ]
        })
        .collect();
    CatalogTable {
        columns: vec![
            ("oid", OID),
            ("proname", NAME),
            ("pronamespace", OID),
            ("prokind", CHAR),
            ("proretset", BOOL),
            ("pronargs", INT2),
            ("prorettype", OID),
            ("proargtypes", PgType::array_of(Scalar::Oid)),
        ],
        rows,
    }
}

/// Comments: on tables and columns (COMMENT ON), and PostgreSQL's own on the public schema.
pub(super) fn pg_description(schema: &Schema) -> CatalogTable {
    let class = catalog_relation_oid("pg_class").unwrap_or(0) as i64;
    let namespace = catalog_relation_oid("pg_namespace").unwrap_or(0) as i64;
    let mut rows = Vec::new();
    if let Some((oid, _)) = schema.namespaces.iter().find(|(_, n)| n == "public") {
        rows.push(vec![i(*oid as i64), i(namespace), i(0), t("standard public schema")]);
    }
    for r in schema.relations.values() {
        if let Some(c) = &r.comment {
            rows.push(vec![i(r.oid as i64), i(class), i(0), t(c)]);
        }
        for col in &r.columns {
            if let Some(c) = &col.comment {
                rows.push(vec![i(r.oid as i64), i(class), i(col.attnum as i64), t(c)]);
            }
        }
    }
    CatalogTable { columns: vec![("objoid", OID), ("classoid", OID), ("objsubid", INT4), ("description", TEXT)], rows }
}

/// Dependencies clients look for: a serial column's sequence is owned by
/// the column (deptype 'a'), which pg_dump turns into `OWNED BY`.
pub(super) fn pg_depend(schema: &Schema) -> CatalogTable {
    let class = catalog_relation_oid("pg_class").unwrap_or(0) as i64;
    let attrdef = catalog_relation_oid("pg_attrdef").unwrap_or(0) as i64;
    let mut rows = Vec::new();
    for o in schema.owned_sequences() {
        rows.push(vec![i(class), i(o.sequence.oid as i64), i(0), i(class), i(o.table_oid as i64), i(o.attnum as i64), t("a")]);
        // The default (nextval) depends on the sequence in turn.
        rows.push(vec![i(attrdef), i(attrdef_oid(o.table_oid, o.attnum)), i(0), i(class), i(o.sequence.oid as i64), i(0), t("n")]);
    }
    CatalogTable {
        columns: vec![("classid", OID), ("objid", OID), ("objsubid", INT4), ("refclassid", OID), ("refobjid", OID), ("refobjsubid", INT4), ("deptype", CHAR)],
        rows,
    }
}

pub(super) fn pg_sequence(schema: &Schema) -> CatalogTable {
    // A serial's sequence has its column's type (int4 for serial); others are bigint.
    let owned = schema.owned_sequences();
    let rows = schema
        .sequences
        .values()
        .map(|s| {
            let ty = owned.iter().find(|o| o.sequence.oid == s.oid).map(|o| o.column_type.wire().oid()).unwrap_or(20);
            vec![i(s.oid as i64), i(ty as i64), i(s.start), i(s.increment), i(s.max), i(s.min), i(1), b(s.cycle)]
        })
        .collect();
    CatalogTable {
        columns: vec![
            ("seqrelid", OID),
            ("seqtypid", OID),
            ("seqstart", PgType::INT8),
            ("seqincrement", PgType::INT8),
            ("seqmax", PgType::INT8),
            ("seqmin", PgType::INT8),
            ("seqcache", PgType::INT8),
            ("seqcycle", BOOL),
        ],
        rows,
    }
}

pub(super) fn pg_sequences(schema: &Schema) -> CatalogTable {
    let rows = schema
        .sequences
        .values()
        .map(|s| {
            vec![
                t(&s.name.schema),
                t(&s.name.name),
                t("postgres"),
                t("bigint"),
                i(s.start),
                i(s.min),
                i(s.max),
                i(s.increment),
                b(s.cycle),
                i(1),
                if s.is_called { i(s.last_value) } else { Value::Null },
            ]
        })
        .collect();
    CatalogTable {
        columns: vec![
            ("schemaname", NAME),
            ("sequencename", NAME),
            ("sequenceowner", NAME),
            ("data_type", TEXT),
            ("start_value", PgType::INT8),
            ("min_value", PgType::INT8),
            ("max_value", PgType::INT8),
            ("increment_by", PgType::INT8),
            ("cycle", BOOL),
            ("cache_size", PgType::INT8),
            ("last_value", PgType::INT8),
        ],
        rows,
    }
}
