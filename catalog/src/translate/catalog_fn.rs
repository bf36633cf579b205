//! PostgreSQL's catalog functions (`pg_get_constraintdef`, `format_type`,
//! `pg_table_is_visible`...). Their answers depend only on the schema the
//! statement sees, so they are computed here and inlined as constants or as
//! small lookup tables.

use super::expr::{call, TExpr, Translator};
use super::sqltext::string;
use super::TranslateError;
use crate::schema::{ConstraintKind, RelKind, Relation};
use crate::types::{PgType, Scalar};
use sqlparser::ast::Expr;

/// `(SELECT value FROM (VALUES (key, value), ...) WHERE key = <key>)`.
pub fn lookup(key_sql: &str, pairs: &[(i64, String)]) -> String {
    if pairs.is_empty() {
        return "NULL".into();
    }
    let rows: Vec<String> = pairs.iter().map(|(k, v)| format!("({k}, {})", string(v))).collect();
    format!("(SELECT column2 FROM (VALUES {}) WHERE column1 = ({key_sql}))", rows.join(", "))
}

fn qualified(t: &Translator<'_>, r: &Relation) -> String {
    let visible = t.ctx.search_path.iter().find_map(|s| t.ctx.schema.relations.get(&crate::schema::QualifiedName::new(s, &r.name.name))).is_some_and(|v| v.oid == r.oid);
    if visible {
        quote_if_needed(&r.name.name)
    } else {
        format!("{}.{}", quote_if_needed(&r.name.schema), quote_if_needed(&r.name.name))
    }
}

fn quote_if_needed(name: &str) -> String {
    crate::runtime::quote_ident(name)
}

/// A constraint of `rel` as `pg_get_constraintdef` prints it (`pretty` is its second argument).
pub fn constraint_def(t: &Translator<'_>, rel: &Relation, c: &crate::schema::Constraint, pretty: bool) -> String {
    let cols = c.columns.iter().map(|x| quote_if_needed(x)).collect::<Vec<_>>().join(", ");
    match c.kind {
        ConstraintKind::PrimaryKey => format!("PRIMARY KEY ({cols})"),
        ConstraintKind::Unique => format!("UNIQUE ({cols})"),
        ConstraintKind::Check => super::deparse::check_constraint(t.ctx.schema, t.ctx.search_path, rel, c.check.as_deref().unwrap_or_default(), pretty),
        ConstraintKind::ForeignKey => {
            let target = c
                .ref_table
                .as_ref()
                .and_then(|q| t.ctx.schema.relations.get(q))
                .map(|r| qualified(t, r))
                .unwrap_or_else(|| c.ref_table.as_ref().map(|q| q.name.clone()).unwrap_or_default());
            let refs = c.ref_columns.iter().map(|x| quote_if_needed(x)).collect::<Vec<_>>().join(", ");
            let mut s = format!("FOREIGN KEY ({cols}) REFERENCES {target}({refs})");
            for (word, action) in [("UPDATE", &c.on_update), ("DELETE", &c.on_delete)] {
                if let Some(a) = action {
                    if a != "NO ACTION" {
                        s.push_str(&format!(" ON {word} {a}"));
                    }
                }
            }
            s
        }
    }
}

fn user_types_json(t: &Translator<'_>) -> String {
    let map: serde_json::Map<String, serde_json::Value> = t
        .ctx
        .schema
        .enums
        .values()
        .flat_map(|e| {
            // A type outside the search path is shown schema-qualified, as PostgreSQL's format_type does.
            let shown = if t.ctx.search_path.contains(&e.name.schema) { e.name.name.clone() } else { format!("{}.{}", e.name.schema, e.name.name) };
            [(e.oid.to_string(), serde_json::Value::String(shown.clone())), (e.array_oid.to_string(), serde_json::Value::String(format!("{shown}[]")))]
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// `format_type(oid, typmod)` for any type the schema knows.
pub fn format_type_sql(t: &Translator<'_>, oid: &str, typmod: &str) -> String {
    call("lg_format_type", &[oid, typmod, &string(&user_types_json(t))])
}

/// Relations whose unqualified name resolves to them on the search path.
fn visible_oids(t: &Translator<'_>) -> Vec<u32> {
    t.ctx
        .schema
        .relations
        .values()
        .filter(|r| {
            t.ctx.search_path.iter().find_map(|s| t.ctx.schema.relations.get(&crate::schema::QualifiedName::new(s, &r.name.name))).is_some_and(|v| v.oid == r.oid)
        })
        .map(|r| r.oid)
        .chain(t.ctx.schema.sequences.values().map(|s| s.oid))
        .collect()
}

/// Translates a catalog function, or None if `name` is not one.
pub fn function(t: &mut Translator<'_>, name: &str, args: &[Expr]) -> Result<Option<TExpr>, TranslateError> {
    // Functions whose first argument is an OID take a literal as a regclass/oid, as PostgreSQL does.
    let oid_first = matches!(
        name,
        "pg_table_is_visible" | "pg_type_is_visible" | "pg_get_constraintdef" | "pg_get_indexdef" | "pg_get_viewdef" | "obj_description" | "col_description"
            | "pg_get_userbyid" | "format_type" | "pg_partition_ancestors" | "pg_partition_root" | "pg_relation_is_publishable" | "pg_table_size"
            | "pg_total_relation_size" | "pg_relation_size" | "pg_indexes_size"
    );
    let mut a = Vec::new();
    for (n, e) in args.iter().enumerate() {
        let x = t.expr(e)?;
        let x = match (&x.lit, n == 0 && oid_first) {
            (super::expr::Lit::Str(s), true) => TExpr::new(t.regclass_oid(s)?.to_string(), PgType::OID),
            _ => x,
        };
        a.push(x);
    }
    let arg = |i: usize| a.get(i).map(|x| x.sql.clone()).unwrap_or_else(|| "NULL".into());
    let rels: Vec<std::sync::Arc<Relation>> = t.ctx.schema.relations.values().cloned().collect();
    Ok(Some(match name {
        "pg_get_userbyid" => TExpr::new(format!("(CASE WHEN {0} IS NULL THEN NULL WHEN {0} = 6171 THEN 'pg_database_owner' ELSE 'postgres' END)", arg(0)), PgType::NAME),
        // Privileges are not modelled: every object has its owner's default
        // rights, which an absent (NULL) ACL means in PostgreSQL too.
        "acldefault" => TExpr::new("NULL".into(), PgType::array_of(crate::types::Scalar::Text)),
        "pg_encoding_to_char" => TExpr::new(format!("(CASE {} WHEN 6 THEN 'UTF8' WHEN 0 THEN 'SQL_ASCII' ELSE '' END)", arg(0)), PgType::NAME),
        "pg_table_is_visible" => {
            let oids: Vec<String> = visible_oids(t).iter().map(u32::to_string).collect();
            TExpr::new(if oids.is_empty() { "0".into() } else { format!("({} IN ({}))", arg(0), oids.join(", ")) }, PgType::BOOL)
        }
        "pg_type_is_visible" => {
            let user: Vec<String> = t.ctx.schema.enums.values().filter(|e| t.ctx.search_path.contains(&e.name.schema)).flat_map(|e| [e.oid, e.array_oid]).map(|o| o.to_string()).collect();
            let extra = if user.is_empty() { String::new() } else { format!(" OR {} IN ({})", arg(0), user.join(", ")) };
            TExpr::new(format!("({} < 16384{extra})", arg(0)), PgType::BOOL)
        }
        "pg_function_is_visible" | "pg_opclass_is_visible" | "pg_collation_is_visible" | "pg_conversion_is_visible" => TExpr::new("1".into(), PgType::BOOL),
        "format_type" => TExpr::new(format_type_sql(t, &arg(0), &format!("coalesce({}, -1)", arg(1))), PgType::TEXT),
        "pg_get_expr" => {
            // Sequences outside the search path are named with their schema,
            // as PostgreSQL deparses a regclass constant.
            let mut sql = arg(0);
            for (qn, _) in t.ctx.schema.sequences.iter().filter(|(qn, _)| !t.ctx.search_path.contains(&qn.schema)) {
                let q = crate::runtime::quote_ident;
                let bare = format!("nextval('{}'::regclass)", q(&qn.name));
                let qualified = format!("nextval('{}.{}'::regclass)", q(&qn.schema), q(&qn.name));
                sql = format!("replace({sql}, {}, {})", string(&bare), string(&qualified));
            }
            // Likewise a literal cast to an enum type: 'ok'::mood.
            for e in t.ctx.schema.enums.values().filter(|e| !t.ctx.search_path.contains(&e.name.schema)) {
                let bare = format!("'::{}", e.name.name);
                let qualified = format!("'::{}.{}", e.name.schema, e.name.name);
                sql = format!("replace({sql}, {}, {})", string(&bare), string(&qualified));
            }
            TExpr::new(sql, PgType::TEXT)
        }
        "pg_get_constraintdef" => {
            let defs = |pretty: bool| -> Vec<(i64, String)> {
                rels.iter().flat_map(|r| r.constraints.iter().map(|c| (c.oid as i64, constraint_def(t, r, c, pretty))).collect::<Vec<_>>()).collect()
            };
            let plain = lookup(&arg(0), &defs(false));
            let sql = if a.len() >= 2 { format!("(CASE WHEN coalesce({}, 0) THEN {} ELSE {plain} END)", arg(1), lookup(&arg(0), &defs(true))) } else { plain };
            TExpr::new(sql, PgType::TEXT)
        }
        "pg_get_indexdef" => {
            let defs = |pretty: bool| -> Vec<(i64, String)> {
                rels.iter().flat_map(|r| r.indexes.iter().map(|i| (i.oid as i64, i.create_sql(&if pretty { qualified(t, r) } else { r.qualified_name() }))).collect::<Vec<_>>()).collect()
            };
            let pairs = defs(false);
            if a.len() >= 2 {
                // With a column number other than 0, the column's name.
                let cols: Vec<String> = rels
                    .iter()
                    .flat_map(|r| r.indexes.iter().flat_map(|i| i.columns.iter().enumerate().map(move |(n, c)| format!("({}, {}, {})", i.oid, n + 1, string(c)))).collect::<Vec<_>>())
                    .collect();
                let col_sql = if cols.is_empty() { "NULL".to_string() } else { format!("(SELECT column3 FROM (VALUES {}) WHERE column1 = ({}) AND column2 = ({}))", cols.join(", "), arg(0), arg(1)) };
                // The third argument asks for the pretty form: the table named as visible.
                let whole = if a.len() >= 3 { format!("(CASE WHEN coalesce({}, 0) THEN {} ELSE {} END)", arg(2), lookup(&arg(0), &defs(true)), lookup(&arg(0), &pairs)) } else { lookup(&arg(0), &pairs) };
                TExpr::new(format!("(CASE WHEN coalesce({}, 0) = 0 THEN {whole} ELSE {col_sql} END)", arg(1)), PgType::TEXT)
            } else {
                TExpr::new(lookup(&arg(0), &pairs), PgType::TEXT)
            }
        }
        "pg_get_viewdef" => {
            let pairs: Vec<(i64, String)> = rels.iter().filter(|r| r.kind == RelKind::View).map(|r| (r.oid as i64, format!(" {};", r.definition.clone().unwrap_or_default()))).collect();
            TExpr::new(lookup(&arg(0), &pairs), PgType::TEXT)
        }
        "obj_description" => {
            let pairs: Vec<(i64, String)> = rels.iter().filter_map(|r| r.comment.clone().map(|c| (r.oid as i64, c))).collect();
            TExpr::new(lookup(&arg(0), &pairs), PgType::TEXT)
        }
        "col_description" => {
            let rows: Vec<String> = rels
                .iter()
                .flat_map(|r| r.columns.iter().filter_map(|c| c.comment.as_ref().map(|d| format!("({}, {}, {})", r.oid, c.attnum, string(d)))).collect::<Vec<_>>())
                .collect();
            let sql = if rows.is_empty() { "NULL".into() } else { format!("(SELECT column3 FROM (VALUES {}) WHERE column1 = ({}) AND column2 = ({}))", rows.join(", "), arg(0), arg(1)) };
            TExpr::new(sql, PgType::TEXT)
        }
        "pg_get_function_result" | "pg_get_function_arguments" | "pg_get_function_identity_arguments" => {
            // Built-in functions only: their result type, or their argument types.
            let pairs: Vec<(i64, String)> = crate::builtin_functions::supported()
                .iter()
                .map(|f| {
                    let text = if name == "pg_get_function_result" {
                        f.result.format_type()
                    } else {
                        f.args.iter().map(PgType::format_type).collect::<Vec<_>>().join(", ")
                    };
                    (f.oid as i64, text)
                })
                .collect();
            TExpr::new(lookup(&arg(0), &pairs), PgType::TEXT)
        }
        "shobj_description" => {
            let pairs: Vec<(i64, String)> = crate::pg_catalog::DATABASE_COMMENTS.iter().map(|(oid, text)| (*oid as i64, text.to_string())).collect();
            TExpr::new(format!("(CASE WHEN {} = 'pg_database' THEN {} END)", arg(1), lookup(&arg(0), &pairs)), PgType::TEXT)
        }
        "pg_get_statisticsobjdef_columns" | "pg_get_triggerdef" | "pg_get_functiondef" | "pg_get_partkeydef" | "pg_tablespace_location" => {
            TExpr::new("NULL".into(), PgType::TEXT)
        }
        "pg_relation_is_publishable" => TExpr::new("0".into(), PgType::BOOL),
        "pg_partition_ancestors" | "pg_partition_root" => TExpr::new(arg(0), PgType::scalar(Scalar::Regclass)),
        "pg_relation_size" | "pg_table_size" => TExpr::new(btree_bytes(&storage_name(&rels, &arg(0))), PgType::INT8),
        "pg_total_relation_size" | "pg_indexes_size" => {
            let tables: Vec<(i64, String)> = rels.iter().filter(|r| r.kind == RelKind::Table).map(|r| (r.oid as i64, r.sqlite_name.clone())).collect();
            let table = lookup(&arg(0), &tables);
            let total = format!("coalesce((SELECT sum(d.pgsize) FROM dbstat('main', 1) d JOIN sqlite_schema s ON s.name = d.name WHERE s.tbl_name = {table}), 0)");
            TExpr::new(if name == "pg_total_relation_size" { total } else { format!("({total} - {})", btree_bytes(&table)) }, PgType::INT8)
        }
        "pg_database_size" => {
            // By name, or by OID as pg_database numbers the node's databases.
            let by_name = a.first().is_some_and(|x| x.ty.is_text_family() || x.ty.is_unknown());
            let name_sql = if by_name {
                arg(0)
            } else {
                let mut all: Vec<String> = t.ctx.databases.to_vec();
                all.push(crate::pg_catalog::TEMPLATE0.to_string());
                lookup(&arg(0), &all.iter().map(|d| (crate::pg_catalog::database_oid(d, t.ctx.databases) as i64, d.clone())).collect::<Vec<_>>())
            };
            TExpr::new(format!("(SELECT json_extract(value, '$[1]') FROM json_each(lg_live('database_sizes')) WHERE json_extract(value, '$[0]') = {name_sql})"), PgType::INT8)
        }
        "pg_size_pretty" => TExpr::new(call("lg_size_pretty", &[&arg(0)]), PgType::TEXT),
        "has_table_privilege" | "has_schema_privilege" | "has_database_privilege" | "has_column_privilege" | "has_sequence_privilege" | "has_function_privilege"
        | "has_any_column_privilege" | "has_type_privilege" | "pg_has_role" => TExpr::new("1".into(), PgType::BOOL),
        "pg_get_serial_sequence" => {
            // ORMs ask which sequence feeds a serial or identity column.
            let mut rows = Vec::new();
            for r in &rels {
                for c in &r.columns {
                    let Some(seq) = c.default.as_deref().and_then(super::ddl::nextval_target) else { continue };
                    let seq = if seq.contains('.') { seq } else { format!("{}.{seq}", r.name.schema) };
                    for table in [r.name.name.clone(), format!("{}.{}", r.name.schema, r.name.name)] {
                        rows.push(format!("({}, {}, {})", string(&table), string(&c.name), string(&seq)));
                    }
                }
            }
            let sql = if rows.is_empty() {
                "NULL".to_string()
            } else {
                format!("(SELECT column3 FROM (VALUES {}) WHERE column1 = ({}) AND column2 = ({}))", rows.join(", "), arg(0), arg(1))
            };
            TExpr::new(sql, PgType::TEXT)
        }
        "array_upper" => TExpr::new(format!("nullif(json_array_length({}), 0)", arg(0)), PgType::INT4),
        "array_lower" => TExpr::new(format!("(CASE WHEN json_array_length({}) > 0 THEN 1 END)", arg(0)), PgType::INT4),
        "pg_postmaster_start_time" | "pg_conf_load_time" => TExpr::new("lg_now()".into(), PgType::TIMESTAMPTZ),
        "inet_server_addr" | "inet_client_addr" => TExpr::new("'127.0.0.1'".into(), PgType::TEXT),
        "inet_server_port" | "inet_client_port" => TExpr::new("5432".into(), PgType::INT4),
        "pg_jit_available" => TExpr::new("0".into(), PgType::BOOL),
        _ => return Ok(None),
    }))
}


/// The bytes of the SQLite b-tree named by `name_sql` (0 for none: views, sequences).
fn btree_bytes(name_sql: &str) -> String {
    format!("coalesce((SELECT sum(pgsize) FROM dbstat('main', 1) WHERE name = {name_sql}), 0)")
}

/// The name of the SQLite b-tree that stores relation or index `oid_sql`.
/// An index that backs a constraint is SQLite's automatic index with the
/// same columns (none for an INTEGER PRIMARY KEY, which is the table itself).
fn storage_name(rels: &[std::sync::Arc<Relation>], oid_sql: &str) -> String {
    let mut arms = Vec::new();
    for r in rels.iter().filter(|r| r.kind == RelKind::Table) {
        arms.push(format!("WHEN {} THEN {}", r.oid, string(&r.sqlite_name)));
        for i in &r.indexes {
            let name = if i.definition.is_some() {
                string(&crate::schema::QualifiedName::new(&r.name.schema, &i.name).sqlite_name())
            } else {
                format!(
                    "(SELECT s.name FROM sqlite_schema s WHERE s.tbl_name = {} AND s.name LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\' AND (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(s.name) ORDER BY seqno)) = {})",
                    string(&r.sqlite_name),
                    string(&i.columns.join(","))
                )
            };
            arms.push(format!("WHEN {} THEN {name}", i.oid));
        }
    }
    if arms.is_empty() {
        return "NULL".into();
    }
    format!("(CASE ({oid_sql}) {} END)", arms.join(" "))
}

/// `x::regclass` of a computed OID: the relation's name as PostgreSQL prints it.
pub fn regclass_name(t: &Translator<'_>, oid_sql: &str) -> String {
    let pairs: Vec<(i64, String)> = t.ctx.schema.relations.values().map(|r| (r.oid as i64, qualified(t, r))).collect();
    format!("coalesce({}, CAST({oid_sql} AS TEXT))", lookup(oid_sql, &pairs))
}

/// `x::regnamespace` of a computed OID: the schema's name.
pub fn regnamespace_name(t: &Translator<'_>, oid_sql: &str) -> String {
    let mut pairs: Vec<(i64, String)> = t.ctx.schema.namespaces.iter().map(|(o, n)| (*o as i64, n.clone())).collect();
    pairs.push((crate::schema::PG_CATALOG_OID as i64, "pg_catalog".into()));
    lookup(oid_sql, &pairs)
}
