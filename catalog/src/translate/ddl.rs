//! DDL. Every change is made to the schema model first; the SQLite DDL and
//! the catalog-table rows are then written from the model, so the two never
//! disagree. ALTER TABLE forms SQLite cannot do in place rebuild the table
//! from the model (rename old, create new, copy, drop old) with
//! `legacy_alter_table` on so references from other tables keep the name.

use super::expr::{fold, object_name_parts, Translator};
use super::plan::{Access, Notice, Plan, SqlPlan, Tag};
use super::scope::{ScopeColumn, ScopeRel};
use super::sqltext::{ident, string};
use super::{Context, TranslateError};
use crate::schema::{ConstraintKind, QualifiedName, RelKind, Relation};
use crate::types::{parse_type_name, PgType, Scalar};
use sqlparser::ast::{
    CommentObject, CreateIndex, CreateTable, Expr,
    ObjectName, ObjectType, Statement, UserDefinedTypeRepresentation,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use super::table_model::*;
use super::alter::{alter_table, rebuild, Fill};
use super::plan::{FOREIGN_KEYS_OFF, FOREIGN_KEYS_ON};

pub(super) const NEXT_OID: &str = "(SELECT CAST(value AS INTEGER) FROM __lg_meta WHERE key = 'next_oid')";
pub(super) const BUMP_OID: &str = "UPDATE __lg_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'next_oid'";

pub(super) fn rel_oid(q: &QualifiedName) -> String {
    format!("(SELECT oid FROM __lg_relation WHERE schema = {} AND name = {})", string(&q.schema), string(&q.name))
}

pub fn parse_expr(text: &str) -> Result<Expr, TranslateError> {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| TranslateError::Syntax(e.to_string()))
}

/// `nextval('t_id_seq'::regclass)` → `t_id_seq`.
pub use crate::schema::nextval_target;

/// Statements collected for one DDL command.
#[derive(Default)]
pub(super) struct Ddl {
    pub(super) stmts: Vec<String>,
    pub(super) notices: Vec<Notice>,
}

/// A DDL statement that does nothing but say why (IF [NOT] EXISTS).
pub(super) fn skip(tag: &str, code: &'static str, message: String) -> Plan {
    Ddl { stmts: Vec::new(), notices: vec![Notice::notice(code, message)] }.plan(tag)
}

impl Ddl {
    pub(super) fn push(&mut self, s: impl Into<String>) {
        self.stmts.push(s.into());
    }

    /// Inserts a catalog row that takes a fresh OID.
    pub(super) fn with_oid(&mut self, insert: String) {
        self.stmts.push(insert.replace("{OID}", NEXT_OID));
        self.stmts.push(BUMP_OID.into());
    }

    pub(super) fn plan(self, tag: &str) -> Plan {
        let mut pre = self.stmts;
        if !pre.is_empty() {
            pre.push(REFRESH_INDEX_SQL.into());
        }
        Plan::Sql(SqlPlan {
            pre,
            sql: String::new(),
            post: Vec::new(),
            params: Vec::new(),
            columns: Vec::new(),
            returns_rows: false,
            tag: Tag::Other(tag.into()),
            access: Access::Ddl,
            sequences: Vec::new(),
            notices: self.notices,
        })
    }
}

/// Keeps the stored SQLite text of plain indexes current after any DDL.
pub(super) const REFRESH_INDEX_SQL: &str = "UPDATE __lg_index SET definition = (SELECT s.sql FROM sqlite_schema s JOIN __lg_relation r ON s.name = r.sqlite_name AND s.type = 'index' WHERE r.oid = __lg_index.oid) WHERE EXISTS (SELECT 1 FROM sqlite_schema s JOIN __lg_relation r ON s.name = r.sqlite_name AND s.type = 'index' WHERE r.oid = __lg_index.oid)";

pub fn translate(stmt: &Statement, ctx: &Context<'_>) -> Result<Option<Plan>, TranslateError> {
    Ok(Some(match stmt {
        Statement::CreateTable(ct) => create_table(ctx, ct)?,
        Statement::CreateIndex(ci) => create_index(ctx, ci)?,
        Statement::CreateView(cv) => {
            if cv.materialized {
                return Err(TranslateError::Unsupported("materialized views".into()));
            }
            create_view(ctx, &cv.name, &cv.columns.iter().map(|c| fold(&c.name)).collect::<Vec<_>>(), &cv.query, cv.or_replace)?
        }
        Statement::CreateSchema { schema_name, if_not_exists, .. } => {
            let name = match schema_name {
                sqlparser::ast::SchemaName::Simple(n) | sqlparser::ast::SchemaName::NamedAuthorization(n, _) => object_name_parts(n).join("."),
                sqlparser::ast::SchemaName::UnnamedAuthorization(id) => fold(id),
            };
            if ctx.schema.has_namespace(&name) || name == "pg_catalog" || name == "information_schema" {
                if *if_not_exists {
                    return Ok(Some(skip("CREATE SCHEMA", "42P06", format!("schema \"{name}\" already exists, skipping"))));
                }
                return Err(TranslateError::DuplicateSchema(name));
            }
            let mut d = Ddl::default();
            d.with_oid(format!("INSERT INTO __lg_namespace (oid, name) VALUES ({{OID}}, {})", string(&name)));
            d.plan("CREATE SCHEMA")
        }
        Statement::CreateSequence { if_not_exists, name, sequence_options, data_type, temporary, owned_by } => {
            if *temporary || owned_by.is_some() {
                return Err(TranslateError::Unsupported("TEMPORARY / OWNED BY sequences".into()));
            }
            let q = qualify(ctx, name)?;
            if ctx.schema.sequences.contains_key(&q) || ctx.schema.relations.contains_key(&q) {
                if *if_not_exists {
                    return Ok(Some(skip("CREATE SEQUENCE", "42P07", format!("relation \"{}\" already exists, skipping", q.name))));
                }
                return Err(TranslateError::DuplicateTable(q.name));
            }
            let mut opts = SeqOptions::default();
            if let Some(dt) = data_type {
                opts.max = max_for(&parse_type_name(&dt.to_string()).builtin().unwrap_or(PgType::INT8));
            }
            for o in sequence_options {
                opts.apply(o)?;
            }
            let mut d = Ddl::default();
            create_sequence(&mut d, &q, &opts, None);
            d.plan("CREATE SEQUENCE")
        }
        Statement::CreateType { name, representation } => match representation {
            Some(UserDefinedTypeRepresentation::Enum { labels }) => {
                let q = qualify(ctx, name)?;
                if ctx.schema.enums.contains_key(&q) {
                    return Err(TranslateError::DuplicateType(q.name));
                }
                let labels: Vec<String> = labels.iter().map(|l| l.value.clone()).collect();
                let mut d = Ddl::default();
                d.push(format!(
                    "INSERT INTO __lg_type (oid, array_oid, schema, name, kind, labels) VALUES ({NEXT_OID}, {NEXT_OID} + 1, {}, {}, 'e', {})",
                    string(&q.schema),
                    string(&q.name),
                    string(&serde_json::to_string(&labels).unwrap_or_default())
                ));
                d.push(BUMP_OID);
                d.push(BUMP_OID);
                d.plan("CREATE TYPE")
            }
            _ => return Err(TranslateError::Unsupported("CREATE TYPE other than AS ENUM".into())),
        },
        Statement::AlterTable(at) => alter_table(ctx, &at.name, at.if_exists, &at.operations)?,
        Statement::Drop { object_type, if_exists, names, cascade, .. } => drop(ctx, *object_type, *if_exists, names, *cascade)?,
        Statement::Truncate(tr) => {
            let mut d = Ddl::default();
            for target in &tr.table_names {
                let rel = table(ctx, &target.name)?;
                d.push(format!("DELETE FROM {}", ident(&rel.sqlite_name)));
                if matches!(tr.identity, Some(sqlparser::ast::TruncateIdentityOption::Restart)) {
                    d.push(format!("UPDATE __lg_sequence SET last_value = start_value, is_called = 0 WHERE owned_by_relid = {}", rel.oid));
                }
            }
            let mut p = d.plan("TRUNCATE TABLE");
            if let Plan::Sql(s) = &mut p {
                s.access = Access::Ddl;
            }
            p
        }
        Statement::Comment { object_type, object_name, comment, .. } => comment_on(ctx, object_type, object_name, comment.as_deref())?,
        Statement::CreateExtension(ext) => {
            let n = fold(&ext.name);
            match n.as_str() {
                "plpgsql" | "uuid-ossp" | "pgcrypto" => Plan::Noop("CREATE EXTENSION"),
                other => return Err(TranslateError::Unsupported(format!("extension \"{other}\""))),
            }
        }
        _ => return Ok(None),
    }))
}

pub(super) fn qualify(ctx: &Context<'_>, name: &ObjectName) -> Result<QualifiedName, TranslateError> {
    let parts = object_name_parts(name);
    match parts.as_slice() {
        [n] => {
            let schema = ctx.search_path.iter().find(|s| ctx.schema.has_namespace(s)).cloned().unwrap_or_else(|| "public".into());
            Ok(QualifiedName::new(&schema, n))
        }
        [s, n] => {
            if !ctx.schema.has_namespace(s) {
                return Err(TranslateError::UndefinedSchema(s.clone()));
            }
            Ok(QualifiedName::new(s, n))
        }
        _ => Err(TranslateError::Syntax(format!("improper qualified name {name}"))),
    }
}

pub(super) fn table(ctx: &Context<'_>, name: &ObjectName) -> Result<std::sync::Arc<Relation>, TranslateError> {
    let parts = object_name_parts(name);
    let (s, n) = match parts.as_slice() {
        [n] => (None, n.as_str()),
        [s, n] => (Some(s.as_str()), n.as_str()),
        _ => return Err(TranslateError::Syntax(format!("improper relation name {name}"))),
    };
    let r = ctx.schema.lookup(s, n, ctx.search_path).cloned().ok_or_else(|| TranslateError::UndefinedTable(parts.join(".")))?;
    if r.kind != RelKind::Table {
        return Err(TranslateError::DatatypeMismatch(format!("\"{}\" is not a table", r.name.name)));
    }
    Ok(r)
}


pub(super) fn create_sequence(d: &mut Ddl, q: &QualifiedName, o: &SeqOptions, owner: Option<(&QualifiedName, i32)>) {
    d.with_oid(format!(
        "INSERT INTO __lg_relation (oid, schema, name, kind, sqlite_name) VALUES ({{OID}}, {}, {}, 'S', '')",
        string(&q.schema),
        string(&q.name)
    ));
    let (owner_rel, owner_att) = match owner {
        Some((t, a)) => (rel_oid(t), a.to_string()),
        None => ("NULL".into(), "NULL".into()),
    };
    d.push(format!(
        "INSERT INTO __lg_sequence (relid, type, last_value, start_value, increment, min_value, max_value, cycle, is_called, owned_by_relid, owned_by_attnum) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, 0, {owner_rel}, {owner_att})",
        rel_oid(q),
        string(&o.type_name),
        o.start(),
        o.start(),
        o.increment,
        o.min,
        o.max,
        o.cycle as i32
    ));
}


/// An expression over the table's own columns, written unqualified (CHECK, DEFAULT, index expressions).
pub(super) fn table_expr(ctx: &Context<'_>, rel: &Relation, text: &str, target: Option<&PgType>) -> Result<String, TranslateError> {
    let e = parse_expr(text)?;
    let mut t = Translator::new(ctx);
    t.scopes.push();
    t.scopes.add(ScopeRel {
        oid: 0,
        name: rel.name.name.clone(),
        schema: Some(rel.name.schema.clone()),
        sql_alias: String::new(),
        columns: rel.columns.iter().map(|c| ScopeColumn { name: c.name.clone(), ty: c.ty.clone(), table_oid: 0, attnum: 0, expr: None }).collect(),
    });
    let x = match target {
        Some(ty) => t.expr_as(&e, ty)?,
        None => t.expr(&e)?,
    };
    Ok(x.sql)
}

/// The SQLite CREATE TABLE for a table model.
pub fn sqlite_create_table(ctx: &Context<'_>, rel: &Relation, sqlite_name: &str) -> Result<String, TranslateError> {
    let mut parts = Vec::new();
    for c in &rel.columns {
        let mut s = format!("{} {}", ident(&c.name), c.ty.sqlite_decl());
        if c.not_null {
            s.push_str(" NOT NULL");
        }
        if let Some(d) = &c.default {
            s.push_str(&format!(" DEFAULT ({})", table_expr(ctx, rel, d, Some(&c.ty))?));
        }
        parts.push(s);
    }
    for c in &rel.constraints {
        let cols = c.columns.iter().map(|x| ident(x)).collect::<Vec<_>>().join(", ");
        let body = match c.kind {
            ConstraintKind::PrimaryKey => format!("PRIMARY KEY ({cols})"),
            ConstraintKind::Unique => format!("UNIQUE ({cols})"),
            ConstraintKind::ForeignKey => {
                let target = c.ref_table.as_ref().ok_or_else(|| TranslateError::Syntax("foreign key without target".into()))?;
                let target_sqlite = ctx.schema.relations.get(target).map(|r| r.sqlite_name.clone()).unwrap_or_else(|| target.sqlite_name());
                let refs = c.ref_columns.iter().map(|x| ident(x)).collect::<Vec<_>>().join(", ");
                let mut s = format!("FOREIGN KEY ({cols}) REFERENCES {} ({refs})", ident(&target_sqlite));
                if let Some(a) = &c.on_delete {
                    s.push_str(&format!(" ON DELETE {a}"));
                }
                if let Some(a) = &c.on_update {
                    s.push_str(&format!(" ON UPDATE {a}"));
                }
                s
            }
            ConstraintKind::Check => format!("CHECK ({})", table_expr(ctx, rel, c.check.as_deref().unwrap_or("true"), Some(&PgType::BOOL))?),
        };
        parts.push(format!("CONSTRAINT {} {body}", ident(&c.name)));
    }
    Ok(format!("CREATE TABLE {} ({})", ident(sqlite_name), parts.join(", ")))
}

/// Catalog rows for a table model (relation, attributes, constraints and their indexes).
pub(super) fn catalog_rows(d: &mut Ddl, rel: &Relation) {
    let q = &rel.name;
    d.with_oid(format!(
        "INSERT INTO __lg_relation (oid, schema, name, kind, sqlite_name, comment) VALUES ({{OID}}, {}, {}, 'r', {}, {})",
        string(&q.schema),
        string(&q.name),
        string(&rel.sqlite_name),
        rel.comment.as_deref().map(string).unwrap_or_else(|| "NULL".into())
    ));
    attribute_rows(d, rel);
    constraint_rows(d, rel);
}

pub(super) fn attribute_rows(d: &mut Ddl, rel: &Relation) {
    let relid = rel_oid(&rel.name);
    for c in &rel.columns {
        d.push(format!(
            "INSERT INTO __lg_attribute (relid, attnum, name, type, not_null, default_expr, identity, comment) VALUES ({relid}, {}, {}, {}, {}, {}, {}, {})",
            c.attnum,
            string(&c.name),
            string(&type_text(&c.ty)),
            c.not_null as i32,
            c.default.as_deref().map(string).unwrap_or_else(|| "NULL".into()),
            c.identity.map(|i| string(&i.to_string())).unwrap_or_else(|| "NULL".into()),
            c.comment.as_deref().map(string).unwrap_or_else(|| "NULL".into())
        ));
    }
}

/// The stored type text: enums qualified, so they resolve whatever the search path.
pub(super) fn type_text(t: &PgType) -> String {
    match &t.scalar {
        // Quoted as needed, so that "Role" keeps its case when read back.
        Scalar::Enum(e) => {
            let q = crate::runtime::quote_ident;
            format!("{}.{}{}", q(&e.schema), q(&e.name), if t.array { "[]" } else { "" })
        }
        _ => t.format_type(),
    }
}

pub(super) fn constraint_rows(d: &mut Ddl, rel: &Relation) {
    let relid = rel_oid(&rel.name);
    for c in &rel.constraints {
        let cols = string(&serde_json::to_string(&c.columns).unwrap_or_default());
        if matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique) {
            // The index that backs the constraint, as PostgreSQL creates it.
            let iq = QualifiedName::new(&rel.name.schema, &c.name);
            d.with_oid(format!(
                "INSERT INTO __lg_relation (oid, schema, name, kind, sqlite_name) VALUES ({{OID}}, {}, {}, 'i', '')",
                string(&iq.schema),
                string(&iq.name)
            ));
            d.push(format!(
                "INSERT INTO __lg_index (oid, relid, columns, is_unique, is_primary) VALUES ({}, {relid}, {cols}, 1, {})",
                rel_oid(&iq),
                (c.kind == ConstraintKind::PrimaryKey) as i32
            ));
        }
        let ref_rel = c.ref_table.as_ref().map(rel_oid).unwrap_or_else(|| "NULL".into());
        let ref_cols = if c.ref_columns.is_empty() { "NULL".into() } else { string(&serde_json::to_string(&c.ref_columns).unwrap_or_default()) };
        let index_oid = if matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique) { rel_oid(&QualifiedName::new(&rel.name.schema, &c.name)) } else { "NULL".into() };
        d.with_oid(format!(
            "INSERT INTO __lg_constraint (oid, relid, name, kind, columns, ref_relid, ref_columns, on_update, on_delete, check_expr, index_oid) VALUES ({{OID}}, {relid}, {}, {}, {cols}, {ref_rel}, {ref_cols}, {}, {}, {}, {index_oid})",
            string(&c.name),
            string(c.kind.code()),
            c.on_update.as_deref().map(string).unwrap_or_else(|| "NULL".into()),
            c.on_delete.as_deref().map(string).unwrap_or_else(|| "NULL".into()),
            c.check.as_deref().map(string).unwrap_or_else(|| "NULL".into())
        ));
    }
}

pub(super) fn create_table(ctx: &Context<'_>, ct: &CreateTable) -> Result<Plan, TranslateError> {
    if ct.query.is_some() {
        return Err(TranslateError::Unsupported("CREATE TABLE AS".into()));
    }
    if ct.temporary {
        return Err(TranslateError::Unsupported("temporary tables".into()));
    }
    if ct.partition_by.is_some() || ct.partition_of.is_some() {
        return Err(TranslateError::Unsupported("partitioned tables (PARTITION BY / PARTITION OF)".into()));
    }
    if ct.inherits.is_some() {
        return Err(TranslateError::Unsupported("table inheritance (INHERITS)".into()));
    }
    if ct.like.is_some() {
        return Err(TranslateError::Unsupported("CREATE TABLE ... LIKE".into()));
    }
    let q = qualify(ctx, &ct.name)?;
    if ctx.schema.relations.contains_key(&q) || ctx.schema.sequences.contains_key(&q) {
        if ct.if_not_exists {
            return Ok(skip("CREATE TABLE", "42P07", format!("relation \"{}\" already exists, skipping", q.name)));
        }
        return Err(TranslateError::DuplicateTable(q.name));
    }
    let (rel, sequences) = table_model(ctx, &q, &ct.columns, &ct.constraints)?;
    let mut d = Ddl::default();
    // Sequences first: the table's defaults name them.
    let mut seq_ctx_schema = ctx.schema.clone();
    for (sq, opts, _) in &sequences {
        seq_ctx_schema.sequences.insert(
            sq.clone(),
            crate::schema::Sequence { oid: 0, name: sq.clone(), last_value: 0, start: opts.start(), increment: opts.increment, min: opts.min, max: opts.max, cycle: opts.cycle, is_called: false },
        );
    }
    let seq_ctx = Context { schema: &seq_ctx_schema, ..ctx.clone() };
    d.push(sqlite_create_table(&seq_ctx, &rel, &rel.sqlite_name)?);
    catalog_rows(&mut d, &rel);
    for (sq, opts, attnum) in &sequences {
        create_sequence(&mut d, sq, opts, Some((&q, *attnum)));
    }
    Ok(d.plan("CREATE TABLE"))
}

pub(super) fn create_index(ctx: &Context<'_>, ci: &CreateIndex) -> Result<Plan, TranslateError> {
    let rel = table(ctx, &ci.table_name)?;
    let mut cols = Vec::new();
    let mut parts = Vec::new();
    for c in &ci.columns {
        let text = c.column.expr.to_string();
        let sql = table_expr(ctx, &rel, &text, None)?;
        if let Expr::Identifier(id) = &c.column.expr {
            cols.push(fold(id));
        } else {
            cols.push(text.clone());
        }
        let desc = matches!(c.column.options.sort, Some(sqlparser::ast::OrderBySort::Desc));
        // SQLite has no NULLS FIRST/LAST in an index: kept as a comment in the
        // index's SQL, which SQLite stores as written (see Index::key_options).
        let nulls = match c.column.options.nulls_first {
            Some(true) => " /*NULLS FIRST*/",
            Some(false) => " /*NULLS LAST*/",
            None => "",
        };
        parts.push(format!("{sql}{}{nulls}", if desc { " DESC" } else { "" }));
    }
    // INCLUDE columns likewise (a SQLite index has no non-key columns).
    let mut include = Vec::new();
    for c in &ci.include {
        let n = fold(c);
        if rel.column(&n).is_none() {
            return Err(TranslateError::UndefinedColumn(n));
        }
        include.push(ident(&n));
    }
    if !include.is_empty() {
        if let Some(last) = parts.last_mut() {
            last.push_str(&format!(" /*INCLUDE ({})*/", include.join(", ")));
        }
    }
    let name = match &ci.name {
        Some(n) => object_name_parts(n).last().cloned().unwrap_or_default(),
        None => format!("{}_{}_idx", rel.name.name, cols.iter().map(|c| c.replace(|ch: char| !ch.is_alphanumeric(), "")).collect::<Vec<_>>().join("_")),
    };
    let iq = QualifiedName::new(&rel.name.schema, &name);
    if ctx.schema.relations.contains_key(&iq) {
        if ci.if_not_exists {
            return Ok(skip("CREATE INDEX", "42P07", format!("relation \"{name}\" already exists, skipping")));
        }
        return Err(TranslateError::DuplicateTable(name));
    }
    let predicate = match &ci.predicate {
        Some(p) => format!(" WHERE {}", table_expr(ctx, &rel, &p.to_string(), Some(&PgType::BOOL))?),
        None => String::new(),
    };
    let sqlite_name = iq.sqlite_name();
    let mut d = Ddl::default();
    d.push(format!(
        "CREATE {}INDEX {} ON {} ({}){predicate}",
        if ci.unique { "UNIQUE " } else { "" },
        ident(&sqlite_name),
        ident(&rel.sqlite_name),
        parts.join(", ")
    ));
    d.with_oid(format!(
        "INSERT INTO __lg_relation (oid, schema, name, kind, sqlite_name) VALUES ({{OID}}, {}, {}, 'i', {})",
        string(&iq.schema),
        string(&iq.name),
        string(&sqlite_name)
    ));
    d.push(format!(
        "INSERT INTO __lg_index (oid, relid, columns, is_unique, is_primary) VALUES ({}, {}, {}, {}, 0)",
        rel_oid(&iq),
        rel.oid,
        string(&serde_json::to_string(&cols).unwrap_or_default()),
        ci.unique as i32
    ));
    Ok(d.plan("CREATE INDEX"))
}

pub(super) fn create_view(ctx: &Context<'_>, name: &ObjectName, col_names: &[String], query: &sqlparser::ast::Query, or_replace: bool) -> Result<Plan, TranslateError> {
    let q = qualify(ctx, name)?;
    let mut d = Ddl::default();
    if let Some(existing) = ctx.schema.relations.get(&q) {
        if !or_replace || existing.kind != RelKind::View {
            return Err(TranslateError::DuplicateTable(q.name));
        }
        d.push(format!("DROP VIEW {}", ident(&existing.sqlite_name)));
        drop_catalog_rows(&mut d, existing.oid);
    }
    let mut t = Translator::new(ctx);
    let (sql, mut cols) = t.query(query, None)?;
    for (c, n) in cols.iter_mut().zip(col_names) {
        c.name = n.clone();
    }
    let names: Vec<String> = cols.iter().map(|c| ident(&c.name)).collect();
    d.push(format!("CREATE VIEW {}({}) AS {sql}", ident(&q.sqlite_name()), names.join(", ")));
    d.with_oid(format!(
        "INSERT INTO __lg_relation (oid, schema, name, kind, sqlite_name, definition) VALUES ({{OID}}, {}, {}, 'v', {}, {})",
        string(&q.schema),
        string(&q.name),
        string(&q.sqlite_name()),
        string(&query.to_string())
    ));
    let relid = rel_oid(&q);
    for (i, c) in cols.iter().enumerate() {
        d.push(format!(
            "INSERT INTO __lg_attribute (relid, attnum, name, type) VALUES ({relid}, {}, {}, {})",
            i + 1,
            string(&c.name),
            string(&type_text(&c.ty))
        ));
    }
    Ok(d.plan("CREATE VIEW"))
}

pub(super) fn drop_catalog_rows(d: &mut Ddl, oid: u32) {
    d.push(format!("DELETE FROM __lg_attribute WHERE relid = {oid}"));
    d.push(format!("DELETE FROM __lg_relation WHERE oid IN (SELECT oid FROM __lg_index WHERE relid = {oid})"));
    d.push(format!("DELETE FROM __lg_index WHERE relid = {oid}"));
    d.push(format!("DELETE FROM __lg_constraint WHERE relid = {oid}"));
    d.push(format!("DELETE FROM __lg_relation WHERE oid = {oid}"));
}

pub(super) fn drop(ctx: &Context<'_>, object_type: ObjectType, if_exists: bool, names: &[ObjectName], cascade: bool) -> Result<Plan, TranslateError> {
    let mut d = Ddl::default();
    let tag = match object_type {
        ObjectType::Table => "DROP TABLE",
        ObjectType::View => "DROP VIEW",
        ObjectType::Index => "DROP INDEX",
        ObjectType::Sequence => "DROP SEQUENCE",
        ObjectType::Type => "DROP TYPE",
        ObjectType::Schema => "DROP SCHEMA",
        other => return Err(TranslateError::Unsupported(format!("DROP {other}"))),
    };
    for name in names {
        let parts = object_name_parts(name);
        let (s, n) = match parts.as_slice() {
            [n] => (None, n.clone()),
            [s, n] => (Some(s.clone()), n.clone()),
            _ => return Err(TranslateError::Syntax(format!("improper name {name}"))),
        };
        match object_type {
            ObjectType::Schema => {
                if !ctx.schema.has_namespace(&n) {
                    if if_exists {
                        d.notices.push(Notice::notice("00000", format!("schema \"{n}\" does not exist, skipping")));
                        continue;
                    }
                    return Err(TranslateError::UndefinedSchema(n));
                }
                let members: Vec<_> = ctx.schema.relations.values().filter(|r| r.name.schema == n).cloned().collect();
                if !members.is_empty() && !cascade {
                    return Err(TranslateError::DependentObjects(format!("schema {n}")));
                }
                let shown: Vec<_> = members.iter().filter(|r| matches!(r.kind, RelKind::Table | RelKind::View)).collect();
                if shown.len() == 1 {
                    let r = shown[0];
                    d.notices.push(Notice::notice("00000", format!("drop cascades to {} {}.{}", if r.kind == RelKind::View { "view" } else { "table" }, r.name.schema, r.name.name)));
                } else if shown.len() > 1 {
                    d.notices.push(Notice::notice("00000", format!("drop cascades to {} other objects", shown.len())));
                }
                for r in members {
                    match r.kind {
                        RelKind::Table => d.push(format!("DROP TABLE IF EXISTS {}", ident(&r.sqlite_name))),
                        RelKind::View => d.push(format!("DROP VIEW IF EXISTS {}", ident(&r.sqlite_name))),
                        RelKind::Sequence => d.push(format!("DELETE FROM __lg_sequence WHERE relid = {}", r.oid)),
                        RelKind::Index => {}
                    }
                    drop_catalog_rows(&mut d, r.oid);
                }
                d.push(format!("DELETE FROM __lg_type WHERE schema = {}", string(&n)));
                d.push(format!("DELETE FROM __lg_namespace WHERE name = {}", string(&n)));
            }
            ObjectType::Type => match ctx.schema.lookup_enum(s.as_deref(), &n, ctx.search_path) {
                Some(e) => {
                    let used = ctx.schema.relations.values().any(|r| r.columns.iter().any(|c| matches!(&c.ty.scalar, Scalar::Enum(x) if x.oid == e.oid)));
                    if used && !cascade {
                        return Err(TranslateError::DependentObjects(format!("type {n}")));
                    }
                    d.push(format!("DELETE FROM __lg_type WHERE oid = {}", e.oid));
                }
                None if if_exists => d.notices.push(Notice::notice("00000", format!("type \"{n}\" does not exist, skipping"))),
                None => return Err(TranslateError::UndefinedType(n)),
            },
            _ => {
                let found = match s.as_deref() {
                    Some(s) => ctx.schema.relations.get(&QualifiedName::new(s, &n)),
                    None => ctx.schema.lookup(None, &n, ctx.search_path),
                };
                let Some(rel) = found.cloned() else {
                    if if_exists {
                        let what = tag.trim_start_matches("DROP ").to_lowercase();
                        let what = if what == "table" || what == "index" || what == "sequence" { "relation".to_string() } else { what };
                        let what = if what == "relation" && tag == "DROP TABLE" { "table".to_string() } else { what };
                        d.notices.push(Notice::notice("00000", format!("{what} \"{n}\" does not exist, skipping")));
                        continue;
                    }
                    return Err(TranslateError::UndefinedTable(n));
                };
                let want = match object_type {
                    ObjectType::Table => RelKind::Table,
                    ObjectType::View => RelKind::View,
                    ObjectType::Index => RelKind::Index,
                    _ => RelKind::Sequence,
                };
                if rel.kind != want {
                    return Err(TranslateError::DatatypeMismatch(format!("\"{n}\" is not a {}", tag.trim_start_matches("DROP ").to_lowercase())));
                }
                match rel.kind {
                    RelKind::Table => {
                        let dependents: Vec<_> = ctx
                            .schema
                            .relations
                            .values()
                            .filter(|r| r.oid != rel.oid && r.constraints.iter().any(|c| c.ref_table.as_ref() == Some(&rel.name)))
                            .cloned()
                            .collect();
                        let dependents: Vec<_> = dependents.into_iter().filter(|r| !names_contain(ctx, names, &r.name)).collect();
                        let views: Vec<_> = view_dependents(ctx, rel.oid).into_iter().filter(|v| !names_contain(ctx, names, &v.name)).collect();
                        if (!dependents.is_empty() || !views.is_empty()) && !cascade {
                            return Err(TranslateError::DependentObjects(format!("table {n}")));
                        }
                        let mut cascaded = Vec::new();
                        for v in &views {
                            cascaded.push(format!("view {}", v.name.name));
                        }
                        for dep in &dependents {
                            for c in dep.constraints.iter().filter(|c| c.ref_table.as_ref() == Some(&rel.name)) {
                                cascaded.push(format!("constraint {} on table {}", c.name, dep.name.name));
                            }
                        }
                        cascade_notice(&mut d, cascaded);
                        for v in views.iter().rev() {
                            d.push(format!("DROP VIEW IF EXISTS {}", ident(&v.sqlite_name)));
                            drop_catalog_rows(&mut d, v.oid);
                        }
                        // The referencing tables keep their rows (PostgreSQL drops
                        // only their constraints): no implicit delete through them.
                        if !dependents.is_empty() {
                            d.push(FOREIGN_KEYS_OFF);
                        }
                        d.push(format!("DROP TABLE {}", ident(&rel.sqlite_name)));
                        if !dependents.is_empty() {
                            d.push(FOREIGN_KEYS_ON);
                        }
                        d.push(format!("DELETE FROM __lg_relation WHERE oid IN (SELECT relid FROM __lg_sequence WHERE owned_by_relid = {})", rel.oid));
                        d.push(format!("DELETE FROM __lg_sequence WHERE owned_by_relid = {}", rel.oid));
                        drop_catalog_rows(&mut d, rel.oid);
                        for dep in dependents {
                            let mut model = (*dep).clone();
                            model.constraints.retain(|c| c.ref_table.as_ref() != Some(&rel.name));
                            rebuild(&mut d, ctx, &dep, &model, &Fill::default())?;
                        }
                    }
                    RelKind::View => {
                        let views: Vec<_> = view_dependents(ctx, rel.oid).into_iter().filter(|v| !names_contain(ctx, names, &v.name)).collect();
                        if !views.is_empty() && !cascade {
                            return Err(TranslateError::DependentObjects(format!("view {n}")));
                        }
                        cascade_notice(&mut d, views.iter().map(|v| format!("view {}", v.name.name)).collect());
                        for v in views.iter().rev() {
                            d.push(format!("DROP VIEW IF EXISTS {}", ident(&v.sqlite_name)));
                            drop_catalog_rows(&mut d, v.oid);
                        }
                        d.push(format!("DROP VIEW {}", ident(&rel.sqlite_name)));
                        drop_catalog_rows(&mut d, rel.oid);
                    }
                    RelKind::Index => {
                        if rel.sqlite_name.is_empty() {
                            return Err(TranslateError::DependentObjects(format!("index {n} (it backs a constraint)")));
                        }
                        d.push(format!("DROP INDEX {}", ident(&rel.sqlite_name)));
                        d.push(format!("DELETE FROM __lg_index WHERE oid = {}", rel.oid));
                        d.push(format!("DELETE FROM __lg_relation WHERE oid = {}", rel.oid));
                    }
                    RelKind::Sequence => {
                        d.push(format!("DELETE FROM __lg_sequence WHERE relid = {}", rel.oid));
                        d.push(format!("DELETE FROM __lg_relation WHERE oid = {}", rel.oid));
                    }
                }
            }
        }
    }
    Ok(d.plan(tag))
}

/// The views that read `oid`, directly or through other views, innermost
/// last (so dropping them in reverse order drops dependents first).
pub(super) fn view_dependents(ctx: &Context<'_>, oid: u32) -> Vec<std::sync::Arc<crate::schema::Relation>> {
    let mut out: Vec<std::sync::Arc<crate::schema::Relation>> = Vec::new();
    let mut frontier = vec![oid];
    while let Some(target) = frontier.pop() {
        for v in ctx.schema.relations.values().filter(|r| r.kind == RelKind::View) {
            if out.iter().any(|o| o.oid == v.oid) || v.oid == oid {
                continue;
            }
            if view_reads(ctx, v).contains(&target) {
                out.push(v.clone());
                frontier.push(v.oid);
            }
        }
    }
    out
}

/// The relations a view's stored query reads, found by translating it again.
pub(super) fn view_reads(ctx: &Context<'_>, view: &crate::schema::Relation) -> Vec<u32> {
    let Some(def) = &view.definition else { return Vec::new() };
    let Ok(mut stmts) = sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, def) else { return Vec::new() };
    let Some(sqlparser::ast::Statement::Query(q)) = stmts.pop() else { return Vec::new() };
    let mut t = Translator::new(ctx);
    if t.query(&q, None).is_err() {
        return Vec::new();
    }
    t.relations_used
}

/// The NOTICE PostgreSQL gives for what a DROP ... CASCADE also dropped.
pub(super) fn cascade_notice(d: &mut Ddl, what: Vec<String>) {
    match what.len() {
        0 => {}
        1 => d.notices.push(Notice::notice("00000", format!("drop cascades to {}", what[0]))),
        n => d.notices.push(
            Notice::notice("00000", format!("drop cascades to {n} other objects"))
                .with_detail(what.iter().map(|w| format!("drop cascades to {w}")).collect::<Vec<_>>().join("\n")),
        ),
    }
}

pub(super) fn names_contain(ctx: &Context<'_>, names: &[ObjectName], q: &QualifiedName) -> bool {
    names.iter().any(|n| {
        let parts = object_name_parts(n);
        match parts.as_slice() {
            [x] => ctx.schema.lookup(None, x, ctx.search_path).is_some_and(|r| r.name == *q),
            [s, x] => q.schema == *s && q.name == *x,
            _ => false,
        }
    })
}

pub(super) fn comment_on(ctx: &Context<'_>, object_type: &CommentObject, name: &ObjectName, comment: Option<&str>) -> Result<Plan, TranslateError> {
    let text = comment.map(string).unwrap_or_else(|| "NULL".into());
    let mut d = Ddl::default();
    match object_type {
        CommentObject::Table | CommentObject::View => {
            let parts = object_name_parts(name);
            let (s, n) = match parts.as_slice() {
                [n] => (None, n.as_str()),
                [s, n] => (Some(s.as_str()), n.as_str()),
                _ => return Err(TranslateError::Syntax(format!("improper name {name}"))),
            };
            let rel = ctx.schema.lookup(s, n, ctx.search_path).ok_or_else(|| TranslateError::UndefinedTable(parts.join(".")))?;
            d.push(format!("UPDATE __lg_relation SET comment = {text} WHERE oid = {}", rel.oid));
        }
        CommentObject::Column => {
            let parts = object_name_parts(name);
            let (tparts, col) = parts.split_at(parts.len().saturating_sub(1));
            let (s, n) = match tparts {
                [n] => (None, n.as_str()),
                [s, n] => (Some(s.as_str()), n.as_str()),
                _ => return Err(TranslateError::Syntax(format!("column name must be qualified: {name}"))),
            };
            let rel = ctx.schema.lookup(s, n, ctx.search_path).ok_or_else(|| TranslateError::UndefinedTable(tparts.join(".")))?;
            let col = &col[0];
            rel.column(col).ok_or_else(|| TranslateError::UndefinedColumn(format!("{col}\" of relation \"{}", rel.name.name)))?;
            d.push(format!("UPDATE __lg_attribute SET comment = {text} WHERE relid = {} AND name = {}", rel.oid, string(col)));
        }
        CommentObject::Schema => {
            let n = object_name_parts(name).join(".");
            d.push(format!("UPDATE __lg_namespace SET comment = {text} WHERE name = {}", string(&n)));
        }
        CommentObject::Type => {
            let q = qualify(ctx, name)?;
            d.push(format!("UPDATE __lg_type SET comment = {text} WHERE schema = {} AND name = {}", string(&q.schema), string(&q.name)));
        }
        other => return Err(TranslateError::Unsupported(format!("COMMENT ON {other}"))),
    }
    Ok(d.plan("COMMENT"))
}
