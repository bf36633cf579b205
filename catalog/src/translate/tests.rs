//! Golden pairs: PostgreSQL SQL in, SQLite SQL and inferred types out.
//! (What the SQL returns is checked against a real PostgreSQL by the
//! golden tests of the proxy crate.)

use super::*;
use crate::schema::{CatalogRows, Schema};
use crate::types::{PgType, Scalar};

fn schema() -> Schema {
    Schema::from_rows(CatalogRows {
        namespaces: vec![(2200, "public".into())],
        relations: vec![
            (16384, "public".into(), "users".into(), "r".into(), "users".into(), None, None),
            (16390, "public".into(), "orders".into(), "r".into(), "orders".into(), None, None),
        ],
        attributes: vec![
            (16384, 1, "id".into(), "bigint".into(), true, None, None, None),
            (16384, 2, "email".into(), "character varying(50)".into(), true, None, None, None),
            (16384, 3, "balance".into(), "numeric(10,2)".into(), false, None, None, None),
            (16384, 4, "created".into(), "timestamp with time zone".into(), false, Some("now()".into()), None, None),
            (16384, 5, "tags".into(), "text[]".into(), false, None, None, None),
            (16390, 1, "id".into(), "integer".into(), true, None, None, None),
            (16390, 2, "user_id".into(), "bigint".into(), false, None, None, None),
            (16390, 3, "total".into(), "numeric".into(), false, None, None, None),
        ],
        constraints: vec![(16385, 16384, "users_pkey".into(), "p".into(), "[\"id\"]".into(), None, None, None, None, None)],
        indexes: vec![],
        types: vec![],
        sequences: vec![],
    })
}

fn plan_with(sql: &str, hints: &[Option<PgType>]) -> SqlPlan {
    let s = schema();
    let path = vec!["public".to_string()];
    let fmt = crate::value::FormatOptions::default();
    let ctx = Context { schema: &s, search_path: &path, format: &fmt, param_hints: hints, current_user: "postgres", database: "postgres", databases: &[] };
    match translate(sql, &ctx).unwrap_or_else(|e| panic!("{sql}: {e}")).pop() {
        Some(Plan::Sql(p)) => p,
        other => panic!("{sql}: not SQL: {other:?}"),
    }
}

fn plan(sql: &str) -> SqlPlan {
    plan_with(sql, &[])
}

fn error(sql: &str) -> TranslateError {
    let s = schema();
    let path = vec!["public".to_string()];
    let fmt = crate::value::FormatOptions::default();
    let ctx = Context { schema: &s, search_path: &path, format: &fmt, param_hints: &[], current_user: "postgres", database: "postgres", databases: &[] };
    translate(sql, &ctx).expect_err(sql)
}

fn types(p: &SqlPlan) -> Vec<String> {
    p.columns.iter().map(|c| c.ty.format_type()).collect()
}

#[test]
fn parameters_take_the_type_of_what_they_meet() {
    let p = plan("SELECT email FROM users WHERE id = $1 AND balance > $2 AND created < $3 AND email LIKE $4");
    assert_eq!(p.params, vec![PgType::INT8, PgType::NUMERIC.with_typmod(p.params[1].typmod), PgType::TIMESTAMPTZ, PgType::TEXT]);
    let p = plan("UPDATE users SET balance = $1 WHERE id = ANY($2)");
    assert_eq!(p.params[1], PgType::array_of(Scalar::Int8));
    assert_eq!(p.params[0].numeric_precision_scale(), Some((10, 2)));
    let p = plan("INSERT INTO orders (id, user_id, total) VALUES ($1, $2, $3)");
    assert_eq!(p.params, vec![PgType::INT4, PgType::INT8, PgType::NUMERIC]);
    // A declared parameter type wins over inference.
    let p = plan_with("SELECT $1", &[Some(PgType::INT4)]);
    assert_eq!(p.params, vec![PgType::INT4]);
    assert_eq!(plan("SELECT $1").params, vec![PgType::TEXT]);
    // The low bound types the parameter before the high bound's arithmetic does.
    assert_eq!(plan("SELECT email FROM users WHERE id BETWEEN $1 AND $1 + 9").params, vec![PgType::INT8]);
    assert_eq!(plan("SELECT email FROM users WHERE id = $1 + 9").params, vec![PgType::INT4]);
}

#[test]
fn result_columns_carry_postgres_types_and_names() {
    let p = plan("SELECT count(*), sum(balance), avg(id), now(), $1::text, id, email AS e, 1, 1.5, 'x', true FROM users GROUP BY id");
    assert_eq!(types(&p), vec!["bigint", "numeric", "numeric", "timestamp with time zone", "text", "bigint", "character varying(50)", "integer", "numeric", "text", "boolean"]);
    let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["count", "sum", "avg", "now", "text", "id", "e", "?column?", "?column?", "?column?", "bool"]);
    assert_eq!((p.columns[5].table_oid, p.columns[5].attnum), (16384, 1));
    let p = plan("SELECT u.id, o.total * 2, o.user_id + 1, o.id / 2, tags[1], tags FROM users u JOIN orders o ON o.user_id = u.id");
    assert_eq!(types(&p), vec!["bigint", "numeric", "bigint", "integer", "text", "text[]"]);
}

#[test]
fn sqlite_text_for_common_constructs() {
    assert_eq!(plan("SELECT id FROM users WHERE email ILIKE 'A%'").sql, "SELECT \"users\".\"id\" AS \"id\" FROM \"users\" AS \"users\" WHERE (lower(\"users\".\"email\") LIKE lower('A%') ESCAPE '\\')");
    assert_eq!(
        plan("SELECT id FROM users ORDER BY email DESC LIMIT 5 OFFSET 10").sql,
        "SELECT \"users\".\"id\" AS \"id\" FROM \"users\" AS \"users\" ORDER BY \"users\".\"email\" DESC NULLS FIRST LIMIT coalesce(5, -1) OFFSET 10"
    );
    // Literals are converted to the stored form of the type they meet.
    assert!(plan("SELECT id FROM users WHERE created > '2024-01-01 10:00+02'").sql.contains("'2024-01-01 08:00:00.000000'"));
    // Exact numeric arithmetic and numeric comparison of computed values.
    assert!(plan("SELECT balance * 2 FROM users").sql.contains("lg_num_mul(\"users\".\"balance\", 2)"));
    assert!(plan("SELECT id FROM users WHERE balance * 2 > 10").sql.contains("lg_numcmp("));
    // A column compared to a literal keeps a plain, index-friendly comparison
    // (SQLite applies the column's TEXT affinity and lg_numeric collation).
    assert!(plan("SELECT id FROM users WHERE balance > 10").sql.ends_with("WHERE (\"users\".\"balance\" > 10)"));
    assert!(plan("SELECT id FROM users WHERE id = ANY($1)").sql.contains("json_each(?1)"));
}

#[test]
fn dml_writes_defaults_and_returning() {
    let p = plan("INSERT INTO users (id, email) VALUES (1, 'a') ON CONFLICT (email) DO UPDATE SET balance = excluded.balance RETURNING id, created");
    assert!(p.sql.contains("(\"id\", \"email\", \"created\") VALUES (1, 'a', lg_now())"), "{}", p.sql);
    assert!(p.sql.contains("ON CONFLICT (\"email\") DO UPDATE SET \"balance\" = \"excluded\".\"balance\""), "{}", p.sql);
    assert_eq!(types(&p), vec!["bigint", "timestamp with time zone"]);
    assert!(p.returns_rows);
    let p = plan("DELETE FROM orders USING users WHERE users.id = orders.user_id AND users.email = 'x'");
    assert!(p.sql.contains("rowid IN (SELECT"), "{}", p.sql);
}

#[test]
fn what_cannot_be_translated_is_refused_by_name() {
    assert_eq!(error("SELECT * FROM users u, LATERAL (SELECT * FROM orders WHERE user_id = u.id) o").sqlstate().code(), "0A000");
    assert!(error("SELECT 1 FROM users FETCH FIRST 1 ROWS WITH TIES").to_string().contains("WITH TIES"));
    assert_eq!(error("DO $$ BEGIN END $$").sqlstate().code(), "0A000");
    assert_eq!(error("SELECT nope FROM users").sqlstate().code(), "42703");
    assert_eq!(error("SELECT * FROM nope").sqlstate().code(), "42P01");
    assert_eq!(error("SELECT 'x'::int").sqlstate().code(), "22P02");
    assert_eq!(error("SELECT id FROM users, orders").sqlstate().code(), "42702");
    assert_eq!(error("SELEC 1").sqlstate().code(), "42601");
}

#[test]
fn statements_before_the_parser() {
    let s = schema();
    let path = vec!["public".to_string()];
    let fmt = crate::value::FormatOptions::default();
    let ctx = Context { schema: &s, search_path: &path, format: &fmt, param_hints: &[], current_user: "postgres", database: "postgres", databases: &[] };
    assert_eq!(translate("VACUUM ANALYZE users", &ctx).unwrap(), vec![Plan::Vacuum]);
    assert_eq!(translate("  ;  ", &ctx).unwrap(), vec![Plan::Empty]);
    assert_eq!(translate("copy users from stdin with (freeze on)", &ctx).map(|p| p.len()).unwrap(), 1);
    assert!(matches!(translate("CREATE SEQUENCE s START 10 INCREMENT 5", &ctx).unwrap()[0], Plan::Sql(_)));
    assert_eq!(translate("CREATE DATABASE \"Shadow\" WITH ENCODING 'UTF8'", &ctx).unwrap(), vec![Plan::CreateDatabase("Shadow".into())]);
    assert_eq!(
        translate("drop database if exists app_test with (force)", &ctx).unwrap(),
        vec![Plan::DropDatabase { name: "app_test".into(), if_exists: true, force: true }]
    );
}


#[test]
fn unnest_in_from_joins_json_each_in_place() {
    // The array may name a column of an earlier FROM item: json_each is
    // joined directly (SQLite has no LATERAL subqueries) and its columns are
    // expressions over the array.
    let p = plan("SELECT u.id, t, n FROM users u, unnest(u.tags) WITH ORDINALITY x(t, n)");
    assert_eq!(types(&p), vec!["bigint", "text", "bigint"]);
    assert!(p.sql.contains("json_each(\"u\".\"tags\") AS \"_lg1\""), "{}", p.sql);
    assert!(p.sql.contains("(lg_array_get(\"u\".\"tags\", \"_lg1\".key + 1, 'text')) AS \"t\""), "{}", p.sql);
    let p = plan("SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a', 'b']) AS z(i, s)");
    assert_eq!(types(&p), vec!["integer", "text"]);
    let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["i", "s"]);
}

#[test]
fn a_qualified_column_can_be_subscripted() {
    // `u.tags[1]` parses as `u` . `tags` [1]: one column reference, then the subscript.
    let p = plan("SELECT u.tags[1] FROM users u");
    assert_eq!(types(&p), vec!["text"]);
    assert!(p.sql.contains("lg_array_get(\"u\".\"tags\", 1, 'text')"), "{}", p.sql);
}
