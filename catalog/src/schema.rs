//! The schema model: what a database holds in PostgreSQL terms (schemas,
//! tables and their typed columns, constraints, indexes, sequences, enums,
//! views). SQLite forgets declared types, so litegres keeps this model in
//! catalog tables inside each database file (`__lg_*`, created by
//! [`BOOTSTRAP_SQL`]) and rebuilds it from their rows with [`Schema::from_rows`].

use crate::types::{parse_type_name, EnumRef, PgType, Scalar};
use std::collections::HashMap;
use std::sync::Arc;

/// Creates the catalog tables of a new database. Idempotent. They are rowid
/// tables like every table litegres creates: replication names a changed
/// row by its rowid.
pub const BOOTSTRAP_SQL: &str = "
CREATE TABLE IF NOT EXISTS __lg_meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS __lg_namespace (oid INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, comment TEXT);
CREATE TABLE IF NOT EXISTS __lg_relation (
  oid INTEGER PRIMARY KEY, schema TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
  sqlite_name TEXT NOT NULL, definition TEXT, comment TEXT, UNIQUE (schema, name));
CREATE TABLE IF NOT EXISTS __lg_attribute (
  relid INTEGER NOT NULL, attnum INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
  not_null INTEGER NOT NULL DEFAULT 0, default_expr TEXT, identity TEXT, comment TEXT,
  PRIMARY KEY (relid, attnum));
CREATE TABLE IF NOT EXISTS __lg_constraint (
  oid INTEGER PRIMARY KEY, relid INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
  columns TEXT NOT NULL, ref_relid INTEGER, ref_columns TEXT, on_update TEXT, on_delete TEXT,
  check_expr TEXT, index_oid INTEGER);
CREATE TABLE IF NOT EXISTS __lg_index (
  oid INTEGER PRIMARY KEY, relid INTEGER NOT NULL, columns TEXT NOT NULL,
  is_unique INTEGER NOT NULL, is_primary INTEGER NOT NULL, definition TEXT);
CREATE TABLE IF NOT EXISTS __lg_type (
  oid INTEGER PRIMARY KEY, array_oid INTEGER NOT NULL, schema TEXT NOT NULL, name TEXT NOT NULL,
  kind TEXT NOT NULL, labels TEXT NOT NULL, comment TEXT, UNIQUE (schema, name));
CREATE TABLE IF NOT EXISTS __lg_sequence (
  relid INTEGER PRIMARY KEY, type TEXT NOT NULL DEFAULT 'bigint', last_value INTEGER NOT NULL, start_value INTEGER NOT NULL,
  increment INTEGER NOT NULL, min_value INTEGER NOT NULL, max_value INTEGER NOT NULL,
  cycle INTEGER NOT NULL, is_called INTEGER NOT NULL, owned_by_relid INTEGER, owned_by_attnum INTEGER);
INSERT OR IGNORE INTO __lg_namespace (oid, name, comment) VALUES (2200, 'public', 'standard public schema');
INSERT OR IGNORE INTO __lg_meta (key, value) VALUES ('next_oid', '16384');
";

/// OIDs PostgreSQL gives its own schemas.
pub const PG_CATALOG_OID: u32 = 11;
pub const PUBLIC_OID: u32 = 2200;
pub const INFORMATION_SCHEMA_OID: u32 = 13_000;

/// The SQL expression that allocates the next OID inside a DDL transaction.
pub const NEXT_OID_SQL: &str =
    "UPDATE __lg_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'next_oid' RETURNING CAST(value AS INTEGER) - 1";

/// A name as PostgreSQL resolves it: schema and object, already case-folded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: &str, name: &str) -> QualifiedName {
        QualifiedName { schema: schema.to_string(), name: name.to_string() }
    }

    /// The table's name inside SQLite: `public` objects keep their own name;
    /// other schemas are prefixed so names from different schemas never clash.
    pub fn sqlite_name(&self) -> String {
        if self.schema == "public" {
            self.name.clone()
        } else {
            format!("{}.{}", self.schema, self.name)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    Table,
    View,
    Sequence,
    Index,
}

impl RelKind {
    pub fn code(self) -> &'static str {
        match self {
            RelKind::Table => "r",
            RelKind::View => "v",
            RelKind::Sequence => "S",
            RelKind::Index => "i",
        }
    }
    pub fn from_code(c: &str) -> Option<RelKind> {
        Some(match c {
            "r" => RelKind::Table,
            "v" => RelKind::View,
            "S" => RelKind::Sequence,
            "i" => RelKind::Index,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub attnum: i32,
    pub name: String,
    pub ty: PgType,
    pub not_null: bool,
    /// The default as PostgreSQL prints it (`nextval('t_id_seq'::regclass)`).
    pub default: Option<String>,
    /// `a` (ALWAYS) or `d` (BY DEFAULT) for identity columns.
    pub identity: Option<char>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
}

impl ConstraintKind {
    pub fn code(self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey => "p",
            ConstraintKind::Unique => "u",
            ConstraintKind::ForeignKey => "f",
            ConstraintKind::Check => "c",
        }
    }
    pub fn from_code(c: &str) -> Option<ConstraintKind> {
        Some(match c {
            "p" => ConstraintKind::PrimaryKey,
            "u" => ConstraintKind::Unique,
            "f" => ConstraintKind::ForeignKey,
            "c" => ConstraintKind::Check,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub oid: u32,
    pub name: String,
    pub kind: ConstraintKind,
    pub columns: Vec<String>,
    pub ref_table: Option<QualifiedName>,
    pub ref_columns: Vec<String>,
    pub on_update: Option<String>,
    pub on_delete: Option<String>,
    pub check: Option<String>,
}

impl Constraint {
    /// A constraint of `kind` on `columns`, with no reference, actions or
    /// check expression yet (the OID comes when it is stored).
    pub fn new(name: String, kind: ConstraintKind, columns: Vec<String>) -> Constraint {
        Constraint { oid: 0, name, kind, columns, ref_table: None, ref_columns: vec![], on_update: None, on_delete: None, check: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub oid: u32,
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    pub definition: Option<String>,
}

/// A key column's order in an index: descending, and NULLs first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyOrder {
    pub desc: bool,
    pub nulls_first: bool,
}

impl KeyOrder {
    /// As pg_index.indoption has it (INDOPTION_DESC = 1, INDOPTION_NULLS_FIRST = 2).
    pub fn indoption(self) -> i64 {
        self.desc as i64 | (self.nulls_first as i64) << 1
    }

    /// As pg_get_indexdef prints it after the column: only what differs from
    /// the default (NULLS LAST for ASC, NULLS FIRST for DESC).
    fn suffix(self) -> &'static str {
        match (self.desc, self.nulls_first) {
            (false, false) => "",
            (false, true) => " NULLS FIRST",
            (true, true) => " DESC",
            (true, false) => " DESC NULLS LAST",
        }
    }
}

impl Index {
    /// The order of each key column, read from the index's SQLite SQL: DESC
    /// is SQLite's own, NULLS FIRST/LAST a comment litegres writes there.
    pub fn key_orders(&self) -> Vec<KeyOrder> {
        let parts = self.definition.as_deref().map(key_list).unwrap_or_default();
        (0..self.columns.len())
            .map(|i| {
                let part = parts.get(i).map(|p| p.to_ascii_uppercase()).unwrap_or_default();
                let part = part.split("/*INCLUDE").next().unwrap_or("");
                let desc = part.split("/*").next().unwrap_or("").trim_end().ends_with(" DESC");
                let nulls_first = if part.contains("/*NULLS FIRST*/") { true } else if part.contains("/*NULLS LAST*/") { false } else { desc };
                KeyOrder { desc, nulls_first }
            })
            .collect()
    }

    /// The INCLUDE columns, read from the comment litegres writes for them.
    pub fn include(&self) -> Vec<String> {
        let Some(def) = self.definition.as_deref() else { return Vec::new() };
        let Some(start) = def.find("/*INCLUDE (") else { return Vec::new() };
        let rest = &def[start + "/*INCLUDE (".len()..];
        let Some(end) = rest.find(")*/") else { return Vec::new() };
        rest[..end].split(", ").map(|c| c.trim().trim_matches('"').replace("\"\"", "\"")).collect()
    }

    /// The index as `pg_get_indexdef` prints it; `table` is the table's name
    /// as printed (schema-qualified, or as visible in pretty mode).
    pub fn create_sql(&self, table: &str) -> String {
        let orders = self.key_orders();
        let keys: Vec<String> = self.columns.iter().zip(orders).map(|(c, o)| format!("{c}{}", o.suffix())).collect();
        let include = self.include();
        let include = if include.is_empty() { String::new() } else { format!(" INCLUDE ({})", include.iter().map(|c| crate::runtime::quote_ident(c)).collect::<Vec<_>>().join(", ")) };
        format!("CREATE {}INDEX {} ON {table} USING btree ({}){include}", if self.unique { "UNIQUE " } else { "" }, crate::runtime::quote_ident(&self.name), keys.join(", "))
    }
}

/// The key list of a CREATE INDEX statement: the text between the
/// parentheses after ON, split at its top-level commas.
fn key_list(sql: &str) -> Vec<String> {
    let upper = sql.to_ascii_uppercase();
    let Some(on) = upper.find(" ON ") else { return Vec::new() };
    let Some(open) = sql[on..].find('(').map(|i| i + on) else { return Vec::new() };
    let (mut depth, mut quote, mut parts, mut cur) = (0i32, None::<char>, Vec::new(), String::new());
    for ch in sql[open + 1..].chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                return parts;
            }
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    parts
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub oid: u32,
    pub name: QualifiedName,
    pub kind: RelKind,
    pub sqlite_name: String,
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    /// A view's query text.
    pub definition: Option<String>,
    pub comment: Option<String>,
}

impl Relation {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// `schema.name`, each part quoted as needed.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", crate::runtime::quote_ident(&self.name.schema), crate::runtime::quote_ident(&self.name.name))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    pub oid: u32,
    pub array_oid: u32,
    pub name: QualifiedName,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub oid: u32,
    pub name: QualifiedName,
    pub last_value: i64,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cycle: bool,
    pub is_called: bool,
}

/// A database's schema at one moment. Immutable; DDL builds a new one.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// User-visible schemas: (oid, name).
    pub namespaces: Vec<(u32, String)>,
    pub relations: HashMap<QualifiedName, Arc<Relation>>,
    pub enums: HashMap<QualifiedName, Arc<EnumType>>,
    pub sequences: HashMap<QualifiedName, Sequence>,
}

/// Rows of the catalog tables, as the storage layer reads them.
#[derive(Debug, Clone, Default)]
pub struct CatalogRows {
    /// oid, name
    pub namespaces: Vec<(u32, String)>,
    /// oid, schema, name, kind, sqlite_name, definition, comment
    pub relations: Vec<(u32, String, String, String, String, Option<String>, Option<String>)>,
    /// relid, attnum, name, type, not_null, default, identity, comment
    pub attributes: Vec<(u32, i32, String, String, bool, Option<String>, Option<String>, Option<String>)>,
    /// oid, relid, name, kind, columns(json), ref_relid, ref_columns(json), on_update, on_delete, check
    pub constraints: Vec<(u32, u32, String, String, String, Option<u32>, Option<String>, Option<String>, Option<String>, Option<String>)>,
    /// oid, relid, columns(json), unique, primary, definition
    pub indexes: Vec<(u32, u32, String, bool, bool, Option<String>)>,
    /// oid, array_oid, schema, name, labels(json)
    pub types: Vec<(u32, u32, String, String, String)>,
    /// relid, last_value, start, increment, min, max, cycle, is_called
    pub sequences: Vec<(u32, i64, i64, i64, i64, i64, bool, bool)>,
}

fn json_list(s: &str) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Array(items)) => items.into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// The sequence a column default draws from: `nextval('name'::regclass)` gives `name`.
pub fn nextval_target(default: &str) -> Option<String> {
    let rest = default.trim().strip_prefix("nextval('")?;
    let end = rest.find('\'')?;
    Some(rest[..end].to_string())
}

/// A sequence that feeds a column's default (serial columns): PostgreSQL
/// records it as owned by the column.
#[derive(Debug, Clone)]
pub struct OwnedSequence {
    pub sequence: Sequence,
    pub table_oid: u32,
    pub attnum: i32,
    pub column_type: PgType,
}

impl Schema {
    /// Every sequence used by a column default, with that column.
    pub fn owned_sequences(&self) -> Vec<OwnedSequence> {
        let mut out = Vec::new();
        for r in self.relations.values() {
            for c in &r.columns {
                let Some(name) = c.default.as_deref().and_then(nextval_target) else { continue };
                let qn = match crate::types::split_qualified(&name).as_slice() {
                    [s, n] => QualifiedName::new(s, n),
                    [n] => QualifiedName::new(&r.name.schema, n),
                    _ => continue,
                };
                if let Some(seq) = self.sequences.get(&qn) {
                    out.push(OwnedSequence { sequence: seq.clone(), table_oid: r.oid, attnum: c.attnum, column_type: c.ty.clone() });
                }
            }
        }
        out
    }

    pub fn from_rows(rows: CatalogRows) -> Schema {
        let mut schema = Schema { namespaces: rows.namespaces, ..Schema::default() };
        for (oid, array_oid, ns, name, labels) in rows.types {
            let qn = QualifiedName::new(&ns, &name);
            schema.enums.insert(qn.clone(), Arc::new(EnumType { oid, array_oid, name: qn, labels: json_list(&labels) }));
        }
        let mut by_oid: HashMap<u32, Relation> = HashMap::new();
        for (oid, ns, name, kind, sqlite_name, definition, comment) in rows.relations {
            let Some(kind) = RelKind::from_code(&kind) else { continue };
            by_oid.insert(
                oid,
                Relation {
                    oid,
                    name: QualifiedName::new(&ns, &name),
                    kind,
                    sqlite_name,
                    columns: Vec::new(),
                    constraints: Vec::new(),
                    indexes: Vec::new(),
                    definition,
                    comment,
                },
            );
        }
        let names: HashMap<u32, QualifiedName> = by_oid.iter().map(|(o, r)| (*o, r.name.clone())).collect();
        for (relid, attnum, name, ty, not_null, default, identity, comment) in rows.attributes {
            let ty = schema.resolve_type_text(&ty).unwrap_or(PgType::TEXT);
            if let Some(rel) = by_oid.get_mut(&relid) {
                rel.columns.push(Column { attnum, name, ty, not_null, default, identity: identity.and_then(|s| s.chars().next()), comment });
            }
        }
        for (oid, relid, name, kind, columns, ref_relid, ref_columns, on_update, on_delete, check) in rows.constraints {
            let Some(kind) = ConstraintKind::from_code(&kind) else { continue };
            if let Some(rel) = by_oid.get_mut(&relid) {
                rel.constraints.push(Constraint {
                    oid,
                    name,
                    kind,
                    columns: json_list(&columns),
                    ref_table: ref_relid.and_then(|r| names.get(&r).cloned()),
                    ref_columns: ref_columns.as_deref().map(json_list).unwrap_or_default(),
                    on_update,
                    on_delete,
                    check,
                });
            }
        }
        for (oid, relid, columns, unique, primary, definition) in rows.indexes {
            let name = names.get(&oid).map(|n| n.name.clone()).unwrap_or_default();
            if let Some(rel) = by_oid.get_mut(&relid) {
                rel.indexes.push(Index { oid, name, columns: json_list(&columns), unique, primary, definition });
            }
        }
        for (relid, last_value, start, increment, min, max, cycle, is_called) in rows.sequences {
            if let Some(name) = names.get(&relid) {
                schema.sequences.insert(
                    name.clone(),
                    Sequence { oid: relid, name: name.clone(), last_value, start, increment, min, max, cycle, is_called },
                );
            }
        }
        for (_, mut rel) in by_oid {
            rel.columns.sort_by_key(|c| c.attnum);
            schema.relations.insert(rel.name.clone(), Arc::new(rel));
        }
        schema
    }

    /// Resolves a stored or written type name, including user enums.
    pub fn resolve_type_text(&self, text: &str) -> Option<PgType> {
        let tn = parse_type_name(text);
        if let Some(t) = tn.builtin() {
            return Some(t);
        }
        let parts = crate::types::split_qualified(&tn.base);
        let (ns, name) = match parts.as_slice() {
            [s, n] => (Some(s.clone()), n.clone()),
            [n] => (None, n.clone()),
            _ => return None,
        };
        let e = self.enums.values().find(|e| e.name.name == name && ns.as_ref().is_none_or(|s| *s == e.name.schema))?;
        Some(PgType {
            scalar: Scalar::Enum(EnumRef { oid: e.oid, array_oid: e.array_oid, schema: e.name.schema.as_str().into(), name: e.name.name.as_str().into() }),
            array: tn.array,
            typmod: -1,
        })
    }

    /// Finds a relation by (optionally qualified) name along the search path.
    pub fn lookup(&self, schema: Option<&str>, name: &str, search_path: &[String]) -> Option<&Arc<Relation>> {
        match schema {
            Some(s) => self.relations.get(&QualifiedName::new(s, name)),
            None => search_path.iter().find_map(|s| self.relations.get(&QualifiedName::new(s, name))),
        }
    }

    pub fn lookup_enum(&self, schema: Option<&str>, name: &str, search_path: &[String]) -> Option<&Arc<EnumType>> {
        match schema {
            Some(s) => self.enums.get(&QualifiedName::new(s, name)),
            None => search_path.iter().find_map(|s| self.enums.get(&QualifiedName::new(s, name))),
        }
    }

    /// Refuses a value that is not a label of the enum type `ty` (other types pass).
    pub fn check_enum(&self, ty: &PgType, value: &str) -> Result<(), crate::value::ValueError> {
        let Scalar::Enum(e) = &ty.scalar else { return Ok(()) };
        let known = self.enums.values().find(|x| x.oid == e.oid);
        match known {
            Some(def) if !def.labels.iter().any(|l| l == value) => {
                Err(crate::value::ValueError::InvalidEnum { ty: e.name.to_string(), input: value.to_string() })
            }
            _ => Ok(()),
        }
    }

    /// How a regclass or regtype value prints: the relation's name (qualified
    /// when the search path would not find it) or the type's name.
    pub fn oid_display(&self, ty: &PgType, oid: u32, search_path: &[String]) -> Option<String> {
        match ty.scalar {
            Scalar::Regclass => {
                let r = self.relations.values().find(|r| r.oid == oid)?;
                let visible = search_path.iter().find_map(|s| self.relations.get(&QualifiedName::new(s, &r.name.name))).is_some_and(|v| v.oid == oid);
                let q = crate::runtime::quote_ident;
                Some(if visible { q(&r.name.name) } else { format!("{}.{}", q(&r.name.schema), q(&r.name.name)) })
            }
            Scalar::Regtype => {
                if let Some(t) = PgType::from_oid(oid) {
                    return Some(t.format_type());
                }
                let e = self.enums.values().find(|e| e.oid == oid || e.array_oid == oid)?;
                Some(if e.oid == oid { e.name.name.clone() } else { format!("{}[]", e.name.name) })
            }
            _ => None,
        }
    }

    pub fn has_namespace(&self, name: &str) -> bool {
        self.namespaces.iter().any(|(_, n)| n == name)
    }

    pub fn namespace_oid(&self, name: &str) -> u32 {
        match name {
            "pg_catalog" => PG_CATALOG_OID,
            "information_schema" => INFORMATION_SCHEMA_OID,
            _ => self.namespaces.iter().find(|(_, n)| n == name).map(|(o, _)| *o).unwrap_or(0),
        }
    }

    /// Which constraint a SQLite constraint failure on `sqlite_table(cols)` was.
    pub fn unique_constraint_for(&self, sqlite_table: &str, columns: &[String]) -> Option<(String, &Relation)> {
        let rel = self.relations.values().find(|r| r.sqlite_name == sqlite_table)?;
        let c = rel
            .constraints
            .iter()
            .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique) && c.columns == columns)
            .map(|c| c.name.clone())
            .or_else(|| rel.indexes.iter().find(|i| i.unique && i.columns == columns).map(|i| i.name.clone()))?;
        Some((c, rel))
    }

    pub fn relation_by_sqlite_name(&self, sqlite_table: &str) -> Option<&Arc<Relation>> {
        self.relations.values().find(|r| r.sqlite_name == sqlite_table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> CatalogRows {
        CatalogRows {
            namespaces: vec![(2200, "public".into())],
            relations: vec![(16384, "public".into(), "t".into(), "r".into(), "t".into(), None, None)],
            attributes: vec![
                (16384, 1, "id".into(), "bigint".into(), true, None, None, None),
                (16384, 2, "mood".into(), "mood".into(), false, None, None, None),
                (16384, 3, "price".into(), "numeric(10,2)".into(), false, None, None, None),
            ],
            constraints: vec![(16390, 16384, "t_pkey".into(), "p".into(), "[\"id\"]".into(), None, None, None, None, None)],
            indexes: vec![],
            types: vec![(16385, 16386, "public".into(), "mood".into(), "[\"sad\",\"ok\"]".into())],
            sequences: vec![],
        }
    }

    #[test]
    fn rebuilds_typed_columns_and_enums_from_catalog_rows() {
        let s = Schema::from_rows(rows());
        let t = s.lookup(None, "t", &["public".to_string()]).unwrap();
        assert_eq!(t.columns[0].ty, PgType::INT8);
        assert_eq!(t.columns[1].ty.format_type(), "mood");
        assert_eq!(t.columns[1].ty.wire().oid(), 16385);
        assert_eq!(t.columns[2].ty.numeric_precision_scale(), Some((10, 2)));
        assert_eq!(s.unique_constraint_for("t", &["id".to_string()]).unwrap().0, "t_pkey");
    }

    #[test]
    fn non_public_schemas_get_prefixed_sqlite_names() {
        assert_eq!(QualifiedName::new("public", "users").sqlite_name(), "users");
        assert_eq!(QualifiedName::new("audit", "log").sqlite_name(), "audit.log");
    }
}
