//! `information_schema` views, computed from the schema model like the
//! `pg_catalog` relations, with the values PostgreSQL gives them (YES/NO
//! text, SQL-standard type names, udt names).

use crate::pg_catalog::CatalogTable;
use crate::schema::{ConstraintKind, RelKind, Relation, Schema};
use crate::types::{PgType, Scalar};
use crate::value::Value;

fn t(s: &str) -> Value {
    Value::Text(s.to_string())
}
fn i(n: i64) -> Value {
    Value::Int(n)
}
fn opt_i(n: Option<i64>) -> Value {
    n.map(Value::Int).unwrap_or(Value::Null)
}
fn yes(v: bool) -> Value {
    t(if v { "YES" } else { "NO" })
}

const ID: PgType = PgType::NAME;
const TEXT: PgType = PgType::TEXT;
const INT: PgType = PgType::INT4;

pub const RELATIONS: &[&str] = &[
    "schemata",
    "tables",
    "columns",
    "views",
    "table_constraints",
    "key_column_usage",
    "referential_constraints",
    "constraint_column_usage",
    "sequences",
    "routines",
    "check_constraints",
    "element_types",
];

/// The SQL-standard name of a type (`information_schema.columns.data_type`).
pub fn data_type(ty: &PgType) -> String {
    if ty.array {
        return "ARRAY".into();
    }
    match &ty.scalar {
        Scalar::Enum(_) => "USER-DEFINED".into(),
        Scalar::Bpchar => "character".into(),
        _ => PgType { typmod: -1, ..ty.clone() }.format_type(),
    }
}

/// `pg_type.typname` of a type (`udt_name`).
pub fn udt_name(ty: &PgType) -> String {
    let base = match &ty.scalar {
        Scalar::Enum(e) => e.name.to_string(),
        _ => PgType { array: false, typmod: -1, ..ty.clone() }.wire().name().to_string(),
    };
    if ty.array {
        format!("_{base}")
    } else {
        base
    }
}

fn udt_schema(ty: &PgType) -> String {
    match &ty.scalar {
        Scalar::Enum(e) => e.schema.to_string(),
        _ => "pg_catalog".into(),
    }
}

fn precision(ty: &PgType) -> (Option<i64>, Option<i64>, Option<i64>) {
    if ty.array {
        return (None, None, None);
    }
    match ty.scalar {
        Scalar::Int2 => (Some(16), Some(2), Some(0)),
        Scalar::Int4 => (Some(32), Some(2), Some(0)),
        Scalar::Int8 => (Some(64), Some(2), Some(0)),
        Scalar::Float4 => (Some(24), Some(2), None),
        Scalar::Float8 => (Some(53), Some(2), None),
        Scalar::Numeric => match ty.numeric_precision_scale() {
            Some((p, s)) => (Some(p as i64), Some(10), Some(s as i64)),
            None => (None, Some(10), None),
        },
        _ => (None, None, None),
    }
}

fn datetime_precision(ty: &PgType) -> Option<i64> {
    match ty.scalar {
        Scalar::Date => Some(0),
        Scalar::Time | Scalar::Timestamp | Scalar::Timestamptz | Scalar::Interval if !ty.array => Some(ty.seconds_precision().map_or(6, i64::from)),
        _ => None,
    }
}

fn user_relations(schema: &Schema) -> Vec<&Relation> {
    let mut rels: Vec<&Relation> = schema.relations.values().map(|r| r.as_ref()).collect();
    rels.sort_by(|a, b| a.name.cmp(&b.name));
    rels
}

fn schemata(schema: &Schema, db: &str) -> CatalogTable {
    let mut names: Vec<String> = schema.namespaces.iter().map(|(_, n)| n.clone()).collect();
    names.extend(["pg_catalog".to_string(), "pg_toast".to_string(), "information_schema".to_string()]);
    let rows = names
        .iter()
        .map(|n| vec![t(db), t(n), t(if n == "public" { "pg_database_owner" } else { "postgres" }), Value::Null, Value::Null, Value::Null, Value::Null])
        .collect();
    CatalogTable {
        columns: vec![
            ("catalog_name", ID),
            ("schema_name", ID),
            ("schema_owner", ID),
            ("default_character_set_catalog", ID),
            ("default_character_set_schema", ID),
            ("default_character_set_name", ID),
            ("sql_path", TEXT),
        ],
        rows,
    }
}

fn tables(schema: &Schema, db: &str) -> CatalogTable {
    let rows = user_relations(schema)
        .into_iter()
        .filter(|r| matches!(r.kind, RelKind::Table | RelKind::View))
        .map(|r| {
            let table = r.kind == RelKind::Table;
            vec![
                t(db),
                t(&r.name.schema),
                t(&r.name.name),
                t(if table { "BASE TABLE" } else { "VIEW" }),
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                // Simple views are updatable in PostgreSQL.
                yes(true),
                t("NO"),
                Value::Null,
            ]
        })
        .collect();
    CatalogTable {
        columns: vec![
            ("table_catalog", ID),
            ("table_schema", ID),
            ("table_name", ID),
            ("table_type", TEXT),
            ("self_referencing_column_name", ID),
            ("reference_generation", TEXT),
            ("user_defined_type_catalog", ID),
            ("user_defined_type_schema", ID),
            ("user_defined_type_name", ID),
            ("is_insertable_into", TEXT),
            ("is_typed", TEXT),
            ("commit_action", TEXT),
        ],
        rows,
    }
}

fn columns(schema: &Schema, db: &str) -> CatalogTable {
    let mut rows = Vec::new();
    for r in user_relations(schema).into_iter().filter(|r| matches!(r.kind, RelKind::Table | RelKind::View)) {
        for c in &r.columns {
            let (prec, radix, scale) = precision(&c.ty);
            let char_len = c.ty.char_length().map(|n| n as i64);
            let octets = match (&c.ty.scalar, char_len, c.ty.array) {
                (_, Some(n), false) => Some(n * 4),
                (Scalar::Text | Scalar::Varchar | Scalar::Bpchar, None, false) => Some(1_073_741_824),
                _ => None,
            };
            let identity = c.identity.is_some();
            rows.push(vec![
                t(db),
                t(&r.name.schema),
                t(&r.name.name),
                t(&c.name),
                i(c.attnum as i64),
                if identity { Value::Null } else { c.default.as_deref().map(t).unwrap_or(Value::Null) },
                yes(!c.not_null),
                t(&data_type(&c.ty)),
                opt_i(char_len),
                opt_i(octets),
                opt_i(prec),
                opt_i(radix),
                opt_i(scale),
                opt_i(datetime_precision(&c.ty)),
                Value::Null,
                t(db),
                t(&udt_schema(&c.ty)),
                t(&udt_name(&c.ty)),
                t(&c.attnum.to_string()),
                yes(identity),
                match c.identity {
                    Some('a') => t("ALWAYS"),
                    Some(_) => t("BY DEFAULT"),
                    None => Value::Null,
                },
                t("NEVER"),
                yes(r.kind == RelKind::Table),
            ]);
        }
    }
    CatalogTable {
        columns: vec![
            ("table_catalog", ID),
            ("table_schema", ID),
            ("table_name", ID),
            ("column_name", ID),
            ("ordinal_position", INT),
            ("column_default", TEXT),
            ("is_nullable", TEXT),
            ("data_type", TEXT),
            ("character_maximum_length", INT),
            ("character_octet_length", INT),
            ("numeric_precision", INT),
            ("numeric_precision_radix", INT),
            ("numeric_scale", INT),
            ("datetime_precision", INT),
            ("interval_type", TEXT),
            ("udt_catalog", ID),
            ("udt_schema", ID),
            ("udt_name", ID),
            ("dtd_identifier", ID),
            ("is_identity", TEXT),
            ("identity_generation", TEXT),
            ("is_generated", TEXT),
            ("is_updatable", TEXT),
        ],
        rows,
    }
}

fn views(schema: &Schema, db: &str) -> CatalogTable {
    let rows = user_relations(schema)
        .into_iter()
        .filter(|r| r.kind == RelKind::View)
        .map(|r| vec![t(db), t(&r.name.schema), t(&r.name.name), t(&format!(" {};", r.definition.clone().unwrap_or_default())), t("NONE"), t("YES"), t("YES")])
        .collect();
    CatalogTable {
        columns: vec![
            ("table_catalog", ID),
            ("table_schema", ID),
            ("table_name", ID),
            ("view_definition", TEXT),
            ("check_option", TEXT),
            ("is_updatable", TEXT),
            ("is_insertable_into", TEXT),
        ],
        rows,
    }
}

fn constraint_type(k: ConstraintKind) -> &'static str {
    match k {
        ConstraintKind::PrimaryKey => "PRIMARY KEY",
        ConstraintKind::Unique => "UNIQUE",
        ConstraintKind::ForeignKey => "FOREIGN KEY",
        ConstraintKind::Check => "CHECK",
    }
}

fn table_constraints(schema: &Schema, db: &str) -> CatalogTable {
    let mut rows = Vec::new();
    for r in user_relations(schema) {
        for c in &r.constraints {
            rows.push(vec![
                t(db),
                t(&r.name.schema),
                t(&c.name),
                t(db),
                t(&r.name.schema),
                t(&r.name.name),
                t(constraint_type(c.kind)),
                t("NO"),
                t("NO"),
                t("YES"),
                if c.kind == ConstraintKind::Unique || c.kind == ConstraintKind::PrimaryKey { t("YES") } else { Value::Null },
            ]);
        }
    }
    CatalogTable {
        columns: vec![
            ("constraint_catalog", ID),
            ("constraint_schema", ID),
            ("constraint_name", ID),
            ("table_catalog", ID),
            ("table_schema", ID),
            ("table_name", ID),
            ("constraint_type", TEXT),
            ("is_deferrable", TEXT),
            ("initially_deferred", TEXT),
            ("enforced", TEXT),
            ("nulls_distinct", TEXT),
        ],
        rows,
    }
}

fn key_column_usage(schema: &Schema, db: &str) -> CatalogTable {
    let mut rows = Vec::new();
    for r in user_relations(schema) {
        for c in r.constraints.iter().filter(|c| c.kind != ConstraintKind::Check) {
            for (n, col) in c.columns.iter().enumerate() {
                let pos_in_unique = if c.kind == ConstraintKind::ForeignKey { Some(n as i64 + 1) } else { None };
                rows.push(vec![t(db), t(&r.name.schema), t(&c.name), t(db), t(&r.name.schema), t(&r.name.name), t(col), i(n as i64 + 1), opt_i(pos_in_unique)]);
            }
        }
    }
    CatalogTable {
        columns: vec![
            ("constraint_catalog", ID),
            ("constraint_schema", ID),
            ("constraint_name", ID),
            ("table_catalog", ID),
            ("table_schema", ID),
            ("table_name", ID),
            ("column_name", ID),
            ("ordinal_position", INT),
            ("position_in_unique_constraint", INT),
        ],
        rows,
    }
}

fn rule(a: &Option<String>) -> String {
    a.clone().unwrap_or_else(|| "NO ACTION".into())
}

fn referential_constraints(schema: &Schema, db: &str) -> CatalogTable {
    let mut rows = Vec::new();
    for r in user_relations(schema) {
        for c in r.constraints.iter().filter(|c| c.kind == ConstraintKind::ForeignKey) {
            let target = c.ref_table.as_ref().and_then(|q| schema.relations.get(q));
            let unique = target.and_then(|tr| {
                tr.constraints.iter().find(|u| matches!(u.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique) && u.columns == c.ref_columns).map(|u| (tr.name.schema.clone(), u.name.clone()))
            });
            rows.push(vec![
                t(db),
                t(&r.name.schema),
                t(&c.name),
                t(db),
                unique.as_ref().map(|u| t(&u.0)).unwrap_or(Value::Null),
                unique.as_ref().map(|u| t(&u.1)).unwrap_or(Value::Null),
                t("NONE"),
                t(&rule(&c.on_update)),
                t(&rule(&c.on_delete)),
            ]);
        }
    }
    CatalogTable {
        columns: vec![
            ("constraint_catalog", ID),
            ("constraint_schema", ID),
            ("constraint_name", ID),
            ("unique_constraint_catalog", ID),
            ("unique_constraint_schema", ID),
            ("unique_constraint_name", ID),
            ("match_option", TEXT),
            ("update_rule", TEXT),
            ("delete_rule", TEXT),
        ],
        rows,
    }
}

fn constraint_column_usage(schema: &Schema, db: &str) -> CatalogTable {
    let mut rows = Vec::new();
    for r in user_relations(schema) {
        for c in &r.constraints {
            // For a foreign key PostgreSQL lists the referenced columns.
            let (table, cols) = match (c.kind, c.ref_table.as_ref().and_then(|q| schema.relations.get(q))) {
                (ConstraintKind::ForeignKey, Some(tr)) => (tr.as_ref(), c.ref_columns.clone()),
                _ => (r, c.columns.clone()),
            };
            for col in cols {
                rows.push(vec![t(db), t(&table.name.schema), t(&table.name.name), t(&col), t(db), t(&r.name.schema), t(&c.name)]);
            }
        }
    }
    CatalogTable {
        columns: vec![
            ("table_catalog", ID),
            ("table_schema", ID),
            ("table_name", ID),
            ("column_name", ID),
            ("constraint_catalog", ID),
            ("constraint_schema", ID),
            ("constraint_name", ID),
        ],
        rows,
    }
}

fn sequences(schema: &Schema, db: &str) -> CatalogTable {
    let mut seqs: Vec<_> = schema.sequences.values().collect();
    seqs.sort_by(|a, b| a.name.cmp(&b.name));
    let rows = seqs
        .into_iter()
        .map(|s| {
            vec![
                t(db),
                t(&s.name.schema),
                t(&s.name.name),
                t("bigint"),
                i(64),
                i(2),
                i(0),
                t(&s.start.to_string()),
                t(&s.min.to_string()),
                t(&s.max.to_string()),
                t(&s.increment.to_string()),
                yes(s.cycle),
            ]
        })
        .collect();
    CatalogTable {
        columns: vec![
            ("sequence_catalog", ID),
            ("sequence_schema", ID),
            ("sequence_name", ID),
            ("data_type", TEXT),
            ("numeric_precision", INT),
            ("numeric_precision_radix", INT),
            ("numeric_scale", INT),
            ("start_value", TEXT),
            ("minimum_value", TEXT),
            ("maximum_value", TEXT),
            ("increment", TEXT),
            ("cycle_option", TEXT),
        ],
        rows,
    }
}

/// CHECK constraints in PostgreSQL's printed form without the `CHECK `
/// keyword, and each NOT NULL column as the check PostgreSQL lists for it
/// (`<schema oid>_<table oid>_<attnum>_not_null`).
fn check_constraints(schema: &Schema, db: &str) -> CatalogTable {
    let mut rows = Vec::new();
    let path = ["public".to_string()];
    for r in user_relations(schema) {
        for c in r.constraints.iter().filter(|c| c.kind == ConstraintKind::Check) {
            let def = crate::translate::deparse::check_constraint(schema, &path, r, c.check.as_deref().unwrap_or_default(), false);
            rows.push(vec![t(db), t(&r.name.schema), t(&c.name), t(def.strip_prefix("CHECK ").unwrap_or(&def))]);
        }
        if r.kind == RelKind::Table {
            let nsp = schema.namespace_oid(&r.name.schema);
            for c in r.columns.iter().filter(|c| c.not_null) {
                rows.push(vec![t(db), t(&r.name.schema), t(&format!("{nsp}_{}_{}_not_null", r.oid, c.attnum)), t(&format!("{} IS NOT NULL", crate::runtime::quote_ident(&c.name)))]);
            }
        }
    }
    CatalogTable { columns: vec![("constraint_catalog", ID), ("constraint_schema", ID), ("constraint_name", ID), ("check_clause", TEXT)], rows }
}

/// The rows of `information_schema.<name>`, or None if litegres does not serve it.
pub fn relation(name: &str, schema: &Schema, database: &str) -> Option<CatalogTable> {
    Some(match name {
        "schemata" => schemata(schema, database),
        "tables" => tables(schema, database),
        "columns" => columns(schema, database),
        "views" => views(schema, database),
        "table_constraints" => table_constraints(schema, database),
        "key_column_usage" => key_column_usage(schema, database),
        "referential_constraints" => referential_constraints(schema, database),
        "constraint_column_usage" => constraint_column_usage(schema, database),
        "sequences" => sequences(schema, database),
        "check_constraints" => check_constraints(schema, database),
        "routines" => CatalogTable {
            columns: vec![
                ("specific_catalog", ID),
                ("specific_schema", ID),
                ("specific_name", ID),
                ("routine_catalog", ID),
                ("routine_schema", ID),
                ("routine_name", ID),
                ("routine_type", TEXT),
                ("data_type", TEXT),
                ("routine_definition", TEXT),
                ("external_language", TEXT),
            ],
            rows: Vec::new(),
        },
        "element_types" => CatalogTable {
            columns: vec![("object_catalog", ID), ("object_schema", ID), ("object_name", ID), ("object_type", TEXT), ("collection_type_identifier", ID), ("data_type", TEXT)],
            rows: Vec::new(),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::parse_type_name;

    #[test]
    fn standard_type_names() {
        let ty = |s: &str| parse_type_name(s).builtin().unwrap();
        assert_eq!(data_type(&ty("varchar(20)")), "character varying");
        assert_eq!(data_type(&ty("timestamptz")), "timestamp with time zone");
        assert_eq!(data_type(&ty("int4[]")), "ARRAY");
        assert_eq!(udt_name(&ty("int4[]")), "_int4");
        assert_eq!(udt_name(&ty("varchar(20)")), "varchar");
        assert_eq!(precision(&ty("numeric(10,2)")), (Some(10), Some(10), Some(2)));
    }
}
