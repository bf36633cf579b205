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

pub(super) fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}
pub(super) fn i(n: i64) -> Value {
    Value::Int(n)
}
pub(super) fn b(v: bool) -> Value {
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
    "pg_attrdef",
    "pg_index",
    "pg_constraint",
    "pg_inherits",
    "pg_partitioned_table",
    "pg_database",
    "pg_proc",
    "pg_description",
    "pg_am",
    "pg_collation",
    "pg_roles",
    "pg_user",
    "pg_authid",
    "pg_auth_members",
    "pg_policy",
    "pg_statistic_ext",
    "pg_publication",
    "pg_publication_namespace",
    "pg_publication_rel",
    "pg_trigger",
    "pg_tables",
    "pg_views",
    "pg_indexes",
    "pg_sequence",
    "pg_sequences",
    "pg_extension",
    "pg_language",
    "pg_depend",
    "pg_rewrite",
    "pg_tablespace",
    "pg_foreign_table",
    "pg_opclass",
    "pg_operator",
    "pg_cast",
    "pg_seclabels",
];

mod bootstrap;
mod objects;

pub use bootstrap::catalog_relation_oid;
use bootstrap::{bootstrap_columns, complete};
use objects::{pg_depend, pg_description, pg_indexes, pg_proc, pg_roles, pg_sequence, pg_sequences, pg_tables, pg_views};

pub fn is_catalog_relation(name: &str) -> bool {
    RELATIONS.contains(&name) || live_columns(name).is_some() || catalog_relation_oid(name).is_some()
}

/// Relations whose rows are the node's live state (sessions, locks,
/// settings): the server supplies them when the statement runs, as a JSON
/// array of rows from the `lg_live(name)` function.
pub fn live_columns(name: &str) -> Option<Vec<(&'static str, PgType)>> {
    let ts = PgType::TIMESTAMPTZ;
    Some(match name {
        "pg_stat_activity" => vec![
            ("datid", OID),
            ("datname", NAME),
            ("pid", INT4),
            ("leader_pid", INT4),
            ("usesysid", OID),
            ("usename", NAME),
            ("application_name", TEXT),
            ("client_addr", TEXT),
            ("client_hostname", TEXT),
            ("client_port", INT4),
            ("backend_start", ts.clone()),
            ("xact_start", ts.clone()),
            ("query_start", ts.clone()),
            ("state_change", ts),
            ("wait_event_type", TEXT),
            ("wait_event", TEXT),
            ("state", TEXT),
            ("backend_xid", TEXT),
            ("backend_xmin", TEXT),
            ("query_id", PgType::INT8),
            ("query", TEXT),
            ("backend_type", TEXT),
        ],
        "pg_locks" => vec![
            ("locktype", TEXT),
            ("database", OID),
            ("relation", OID),
            ("page", INT4),
            ("tuple", INT2),
            ("virtualxid", TEXT),
            ("transactionid", TEXT),
            ("classid", OID),
            ("objid", OID),
            ("objsubid", INT2),
            ("virtualtransaction", TEXT),
            ("pid", INT4),
            ("mode", TEXT),
            ("granted", BOOL),
            ("fastpath", BOOL),
            ("waitstart", PgType::TIMESTAMPTZ),
        ],
        "pg_settings" => vec![
            ("name", TEXT),
            ("setting", TEXT),
            ("unit", TEXT),
            ("category", TEXT),
            ("short_desc", TEXT),
            ("extra_desc", TEXT),
            ("context", TEXT),
            ("vartype", TEXT),
            ("source", TEXT),
            ("min_val", TEXT),
            ("max_val", TEXT),
            ("enumvals", TEXT),
            ("boot_val", TEXT),
            ("reset_val", TEXT),
            ("sourcefile", TEXT),
            ("sourceline", INT4),
            ("pending_restart", BOOL),
        ],
        // On the leader, one row per other member: how far its log and its
        // applied state are (log indexes shown as LSNs, 0/<index>).
        "pg_stat_replication" => vec![
            ("pid", INT4),
            ("usesysid", OID),
            ("usename", NAME),
            ("application_name", TEXT),
            ("client_addr", TEXT),
            ("client_hostname", TEXT),
            ("client_port", INT4),
            ("backend_start", PgType::TIMESTAMPTZ),
            ("backend_xmin", TEXT),
            ("state", TEXT),
            ("sent_lsn", TEXT),
            ("write_lsn", TEXT),
            ("flush_lsn", TEXT),
            ("replay_lsn", TEXT),
            ("write_lag", PgType::INTERVAL),
            ("flush_lag", PgType::INTERVAL),
            ("replay_lag", PgType::INTERVAL),
            ("sync_priority", INT4),
            ("sync_state", TEXT),
            ("reply_time", PgType::TIMESTAMPTZ),
        ],
        _ => return None,
    })
}

/// Every built-in type, from the tables postgres-types generates from PostgreSQL's sources.
fn builtin_types() -> Vec<Type> {
    (1..10_000u32).filter_map(Type::from_oid).collect()
}

/// The collation a type's values compare with: `default` for text types, `C` for name.
pub fn type_collation(oid: u32) -> i64 {
    match PgType::from_oid(oid).filter(|t| !t.array).map(|t| t.scalar) {
        Some(Scalar::Text | Scalar::Varchar | Scalar::Bpchar) => 100,
        Some(Scalar::Name) => 950,
        _ => 0,
    }
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
        i(type_collation(oid)),
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
        // public belongs to pg_database_owner, as in PostgreSQL 15+.
        let owner = if name == "public" { 6171 } else { 10 };
        rows.push(vec![i(*oid as i64), t(name), i(owner), Value::Null]);
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
        ("reltoastrelid", OID),
        ("reloftype", OID),
        ("relreplident", CHAR),
    ];
    let mut rows = Vec::new();
    for r in schema.relations.values() {
        let kind = r.kind.code();
        let checks = r.constraints.iter().filter(|c| c.kind == ConstraintKind::Check).count();
        let has_index = !r.indexes.is_empty();
        // Foreign keys are enforced by triggers in PostgreSQL, on both tables; psql relies on it.
        let has_triggers = r.constraints.iter().any(|c| c.kind == ConstraintKind::ForeignKey)
            || schema.relations.values().any(|o| o.constraints.iter().any(|c| c.ref_table.as_ref() == Some(&r.name)));
        rows.push(vec![
            i(r.oid as i64),
            t(&r.name.name),
            i(schema.namespace_oid(&r.name.schema) as i64),
            // reltype: tables, views and sequences have a row type, indexes none.
            // litegres does not list row types in pg_type; the relation's own
            // OID stands for its row type (OIDs are unique per catalog).
            i(if r.kind == RelKind::Index { 0 } else { r.oid as i64 }),
            i(10),
            i(if r.kind == RelKind::Index { 403 } else if r.kind == RelKind::Table { 2 } else { 0 }),
            t(kind),
            t("p"),
            i(r.columns.len() as i64),
            i(checks as i64),
            b(has_index),
            b(false),
            b(has_triggers),
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
            i(0),
            i(0),
            t("d"),
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
        ("attstorage", CHAR),
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
                i(type_collation(c.ty.wire().oid())),
                t(c.ty.typstorage()),
            ]);
        }
    }
    CatalogTable { columns, rows }
}

/// Databases get stable OIDs from their position in the sorted list, above PostgreSQL's own.
/// The database every node lists but nobody connects to: PostgreSQL's
/// pristine template. litegres creates new databases empty, as from it.
pub const TEMPLATE0: &str = "template0";

/// The comments PostgreSQL's initdb gives its three databases, which litegres
/// creates the same way (`shobj_description(oid, 'pg_database')`).
pub const DATABASE_COMMENTS: [(u32, &str); 3] =
    [(1, "default template for new databases"), (4, "unmodifiable empty database"), (5, "default administrative connection database")];

/// A database's OID: PostgreSQL's fixed ones for template1, template0 and
/// postgres, then 16384 onwards in name order for the others.
pub fn database_oid(name: &str, databases: &[String]) -> u32 {
    match name {
        "template1" => 1,
        TEMPLATE0 => 4,
        "postgres" => 5,
        _ => {
            let mut others: Vec<&String> = databases.iter().filter(|d| !matches!(d.as_str(), "template1" | TEMPLATE0 | "postgres")).collect();
            others.sort();
            16_384 + others.iter().position(|d| d.as_str() == name).unwrap_or(others.len()) as u32
        }
    }
}

fn pg_database(databases: &[String], current: &str) -> CatalogTable {
    let mut names: Vec<String> = databases.to_vec();
    for extra in [current, TEMPLATE0] {
        if !names.iter().any(|n| n == extra) {
            names.push(extra.to_string());
        }
    }
    names.sort();
    // Templates carry PostgreSQL's default ACL: anyone may connect, the owner may also create.
    let template_acl = Value::Text(r#"["=c/postgres","postgres=CTc/postgres"]"#.into());
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
            ("dattablespace", OID),
            ("datcollate", TEXT),
            ("datctype", TEXT),
            ("daticulocale", TEXT),
            ("datacl", PgType::array_of(Scalar::Text)),
        ],
        rows: names
            .iter()
            .map(|name| {
                let template = name == "template1" || name == TEMPLATE0;
                let acl = if template { template_acl.clone() } else { Value::Null };
                vec![i(database_oid(name, databases) as i64), t(name), i(10), i(6), t("c"), b(template), b(name != TEMPLATE0), i(-1), i(1663), t("C"), t("C"), Value::Null, acl]
            })
            .collect(),
    }
}

/// A column default's OID, derived from its table and column (litegres does
/// not store defaults as objects of their own).
pub(super) fn attrdef_oid(table_oid: u32, attnum: i32) -> i64 {
    table_oid as i64 * 1000 + attnum as i64
}

fn pg_attrdef(schema: &Schema) -> CatalogTable {
    let mut rows = Vec::new();
    for r in schema.relations.values() {
        for c in r.columns.iter().filter(|c| c.default.is_some()) {
            rows.push(vec![i(attrdef_oid(r.oid, c.attnum)), i(r.oid as i64), i(c.attnum as i64), t(c.default.as_deref().unwrap_or(""))]);
        }
    }
    CatalogTable { columns: vec![("oid", OID), ("adrelid", OID), ("adnum", INT2), ("adbin", TEXT)], rows }
}

fn attnums(r: &crate::schema::Relation, cols: &[String]) -> Vec<i64> {
    cols.iter().map(|c| r.column(c).map(|x| x.attnum as i64).unwrap_or(0)).collect()
}

pub(super) fn int_array(v: &[i64]) -> Value {
    Value::Text(serde_json::to_string(v).unwrap_or_else(|_| "[]".into()))
}

include!(concat!(env!("OUT_DIR"), "/operator_classes.rs"));

/// The btree operator class an index on a column of type `ty` uses by
/// default: the one for the type, for the type it is binary-coercible to
/// (varchar uses text's), or the polymorphic one (arrays, enums).
fn default_btree_opclass(ty: &PgType) -> u32 {
    const BTREE: u32 = 403;
    let input = match &ty.scalar {
        _ if ty.array => 2277,
        Scalar::Enum(_) => 3500,
        Scalar::Varchar => 25,
        _ => ty.wire().oid(),
    };
    OPERATOR_CLASSES.iter().find(|c| c.1 == BTREE && c.6 == input && c.7).map_or(0, |c| c.0)
}

fn pg_opclass() -> CatalogTable {
    CatalogTable {
        columns: vec![
            ("oid", OID),
            ("opcmethod", OID),
            ("opcname", NAME),
            ("opcnamespace", OID),
            ("opcowner", OID),
            ("opcfamily", OID),
            ("opcintype", OID),
            ("opcdefault", BOOL),
            ("opckeytype", OID),
        ],
        rows: OPERATOR_CLASSES
            .iter()
            .map(|&(oid, method, name, nsp, owner, family, intype, default, keytype)| {
                vec![i(oid as i64), i(method as i64), t(name), i(nsp as i64), i(owner as i64), i(family as i64), i(intype as i64), b(default), i(keytype as i64)]
            })
            .collect(),
    }
}

fn pg_index(schema: &Schema) -> CatalogTable {
    let mut rows = Vec::new();
    for r in schema.relations.values() {
        for ix in &r.indexes {
            let keys = attnums(r, &ix.columns);
            let include = attnums(r, &ix.include());
            let all: Vec<i64> = keys.iter().chain(&include).copied().collect();
            let options: Vec<i64> = ix.key_orders().iter().map(|o| o.indoption()).collect();
            rows.push(vec![
                i(ix.oid as i64),
                i(r.oid as i64),
                i(all.len() as i64),
                i(keys.len() as i64),
                b(ix.unique),
                b(false),
                b(ix.primary),
                b(false),
                b(true),
                b(false),
                b(true),
                b(true),
                b(true),
                b(false),
                int_array(&all),
                int_array(&ix.columns.iter().map(|c| r.column(c).map_or(0, |c| default_btree_opclass(&c.ty)) as i64).collect::<Vec<_>>()),
                int_array(&options),
                Value::Null,
                Value::Null,
            ]);
        }
    }
    CatalogTable {
        columns: vec![
            ("indexrelid", OID),
            ("indrelid", OID),
            ("indnatts", INT2),
            ("indnkeyatts", INT2),
            ("indisunique", BOOL),
            ("indnullsnotdistinct", BOOL),
            ("indisprimary", BOOL),
            ("indisexclusion", BOOL),
            ("indimmediate", BOOL),
            ("indisclustered", BOOL),
            ("indisvalid", BOOL),
            ("indisready", BOOL),
            ("indislive", BOOL),
            ("indisreplident", BOOL),
            ("indkey", PgType::INT2VECTOR),
            ("indclass", PgType::array_of(Scalar::Oid)),
            ("indoption", PgType::INT2VECTOR),
            ("indexprs", TEXT),
            ("indpred", TEXT),
        ],
        rows,
    }
}

fn action_code(a: &Option<String>) -> &'static str {
    match a.as_deref() {
        Some("CASCADE") => "c",
        Some("SET NULL") => "n",
        Some("SET DEFAULT") => "d",
        Some("RESTRICT") => "r",
        _ => "a",
    }
}

fn pg_constraint(schema: &Schema) -> CatalogTable {
    let int2_array = PgType::array_of(Scalar::Int2);
    let mut rows = Vec::new();
    for r in schema.relations.values() {
        for c in &r.constraints {
            let index_oid = r.indexes.iter().find(|ix| ix.name == c.name).map(|ix| ix.oid).unwrap_or(0);
            let target = c.ref_table.as_ref().and_then(|q| schema.relations.get(q));
            let fk_index = target.and_then(|tr| tr.indexes.iter().find(|ix| ix.unique && ix.columns == c.ref_columns)).map(|ix| ix.oid).unwrap_or(0);
            rows.push(vec![
                i(c.oid as i64),
                t(&c.name),
                i(schema.namespace_oid(&r.name.schema) as i64),
                t(c.kind.code()),
                b(false),
                b(false),
                b(true),
                i(r.oid as i64),
                i(0),
                i(if c.kind == ConstraintKind::ForeignKey { fk_index } else { index_oid } as i64),
                i(0),
                i(target.map(|tr| tr.oid).unwrap_or(0) as i64),
                t(if c.kind == ConstraintKind::ForeignKey { action_code(&c.on_update) } else { " " }),
                t(if c.kind == ConstraintKind::ForeignKey { action_code(&c.on_delete) } else { " " }),
                t(if c.kind == ConstraintKind::ForeignKey { "s" } else { " " }),
                b(true),
                i(0),
                b(false),
                if c.columns.is_empty() { Value::Null } else { int_array(&attnums(r, &c.columns)) },
                match target {
                    Some(tr) => int_array(&attnums(tr, &c.ref_columns)),
                    None => Value::Null,
                },
                c.check.as_deref().map(t).unwrap_or(Value::Null),
            ]);
        }
    }
    CatalogTable {
        columns: vec![
            ("oid", OID),
            ("conname", NAME),
            ("connamespace", OID),
            ("contype", CHAR),
            ("condeferrable", BOOL),
            ("condeferred", BOOL),
            ("convalidated", BOOL),
            ("conrelid", OID),
            ("contypid", OID),
            ("conindid", OID),
            ("conparentid", OID),
            ("confrelid", OID),
            ("confupdtype", CHAR),
            ("confdeltype", CHAR),
            ("confmatchtype", CHAR),
            ("conislocal", BOOL),
            ("coninhcount", INT4),
            ("connoinherit", BOOL),
            ("conkey", int2_array.clone()),
            ("confkey", int2_array),
            ("conbin", TEXT),
        ],
        rows,
    }
}

fn empty(columns: Vec<(&'static str, PgType)>) -> CatalogTable {
    CatalogTable { columns, rows: Vec::new() }
}

/// The rows of `pg_catalog.<name>` for this schema, or None if litegres does not serve it.
pub fn relation(name: &str, schema: &Schema, database: &str, databases: &[String]) -> Option<CatalogTable> {
    let table = match computed(name, schema, database, databases) {
        Some(t) => t,
        // Catalog tables litegres has nothing in (text search, extensions,
        // event triggers...) are empty with PostgreSQL's columns.
        None => empty(bootstrap_columns(name)?),
    };
    Some(complete(name, table))
}

fn computed(name: &str, schema: &Schema, database: &str, databases: &[String]) -> Option<CatalogTable> {
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
        "pg_proc" => pg_proc(),
        "pg_description" => pg_description(schema),
        "pg_attrdef" => pg_attrdef(schema),
        "pg_index" => pg_index(schema),
        "pg_constraint" => pg_constraint(schema),
        "pg_roles" | "pg_authid" => pg_roles(),
        "pg_user" => CatalogTable {
            columns: vec![("usename", NAME), ("usesysid", OID), ("usecreatedb", BOOL), ("usesuper", BOOL), ("userepl", BOOL), ("usebypassrls", BOOL), ("passwd", TEXT), ("valuntil", PgType::TIMESTAMPTZ), ("useconfig", TEXT)],
            rows: vec![vec![t("postgres"), i(10), b(true), b(true), b(true), b(true), t("********"), Value::Null, Value::Null]],
        },
        "pg_auth_members" => empty(vec![("roleid", OID), ("member", OID), ("grantor", OID), ("admin_option", BOOL)]),
        "pg_collation" => CatalogTable {
            columns: vec![("oid", OID), ("collname", NAME), ("collnamespace", OID), ("collprovider", CHAR), ("collencoding", INT4), ("collcollate", TEXT), ("collctype", TEXT)],
            rows: vec![vec![i(100), t("default"), i(11), t("d"), i(-1), Value::Null, Value::Null], vec![i(950), t("C"), i(11), t("c"), i(-1), t("C"), t("C")]],
        },
        "pg_policy" => empty(vec![("oid", OID), ("polname", NAME), ("polrelid", OID), ("polcmd", CHAR), ("polpermissive", BOOL), ("polroles", TEXT), ("polqual", TEXT), ("polwithcheck", TEXT)]),
        "pg_statistic_ext" => empty(vec![("oid", OID), ("stxrelid", OID), ("stxname", NAME), ("stxnamespace", OID), ("stxowner", OID), ("stxstattarget", INT4), ("stxkeys", TEXT), ("stxkind", TEXT)]),
        "pg_publication" => empty(vec![("oid", OID), ("pubname", NAME), ("pubowner", OID), ("puballtables", BOOL), ("pubinsert", BOOL), ("pubupdate", BOOL), ("pubdelete", BOOL), ("pubtruncate", BOOL), ("pubviaroot", BOOL)]),
        "pg_publication_namespace" => empty(vec![("oid", OID), ("pnpubid", OID), ("pnnspid", OID)]),
        "pg_publication_rel" => empty(vec![("oid", OID), ("prpubid", OID), ("prrelid", OID), ("prqual", TEXT), ("prattrs", PgType::array_of(Scalar::Int2))]),
        "pg_trigger" => empty(vec![("oid", OID), ("tgrelid", OID), ("tgparentid", OID), ("tgname", NAME), ("tgfoid", OID), ("tgtype", INT2), ("tgenabled", CHAR), ("tgisinternal", BOOL), ("tgconstraint", OID)]),
        "pg_tables" => pg_tables(schema),
        "pg_views" => pg_views(schema),
        "pg_indexes" => pg_indexes(schema),
        "pg_sequence" => pg_sequence(schema),
        "pg_sequences" => pg_sequences(schema),
        "pg_extension" => CatalogTable {
            columns: vec![("oid", OID), ("extname", NAME), ("extowner", OID), ("extnamespace", OID), ("extrelocatable", BOOL), ("extversion", TEXT)],
            rows: vec![vec![i(13_500), t("plpgsql"), i(10), i(11), b(false), t("1.0")]],
        },
        "pg_language" => CatalogTable {
            columns: vec![("oid", OID), ("lanname", NAME), ("lanowner", OID), ("lanispl", BOOL), ("lanpltrusted", BOOL)],
            rows: vec![vec![i(12), t("internal"), i(10), b(false), b(false)], vec![i(13), t("c"), i(10), b(false), b(false)], vec![i(14), t("sql"), i(10), b(false), b(true)]],
        },
        "pg_depend" => pg_depend(schema),
        "pg_rewrite" => empty(vec![("oid", OID), ("rulename", NAME), ("ev_class", OID), ("ev_type", CHAR), ("ev_enabled", CHAR), ("is_instead", BOOL)]),
        "pg_tablespace" => CatalogTable {
            columns: vec![("oid", OID), ("spcname", NAME), ("spcowner", OID)],
            rows: vec![vec![i(1663), t("pg_default"), i(10)], vec![i(1664), t("pg_global"), i(10)]],
        },
        "pg_foreign_table" => empty(vec![("ftrelid", OID), ("ftserver", OID)]),
        "pg_opclass" => pg_opclass(),
        "pg_operator" => empty(vec![("oid", OID), ("oprname", NAME), ("oprnamespace", OID), ("oprleft", OID), ("oprright", OID), ("oprresult", OID)]),
        "pg_seclabels" => empty(vec![
            ("objoid", OID),
            ("classoid", OID),
            ("objsubid", INT4),
            ("objtype", TEXT),
            ("objnamespace", OID),
            ("objname", TEXT),
            ("provider", TEXT),
            ("label", TEXT),
        ]),
        "pg_cast" => empty(vec![("oid", OID), ("castsource", OID), ("casttarget", OID), ("castfunc", OID), ("castcontext", CHAR), ("castmethod", CHAR)]),
        // amhandler (a regproc) is left to its empty value: litegres has no
        // pg_proc rows for the handlers to point to.
        "pg_am" => CatalogTable {
            columns: vec![("oid", OID), ("amname", NAME), ("amtype", CHAR)],
            rows: vec![vec![i(2), t("heap"), t("t")], vec![i(403), t("btree"), t("i")]],
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
