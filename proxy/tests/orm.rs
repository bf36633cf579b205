//! ORMs against litegres, checked against a real PostgreSQL: each program in
//! `compat-tests/` creates a schema, introspects it and uses it through the
//! ORM, printing one JSON line per fact; litegres must print what
//! PostgreSQL prints.

mod common;

use common::{python, run_program, Postgres, Server};
use std::path::Path;

fn program(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel).to_string_lossy().into_owned()
}

fn same_as_postgres(cmd: &[&str]) {
    let pg = Postgres::start();
    // The node reports the reference server's version, so that clients
    // choose the same paths on both (and print the same version).
    let node = Server::start_with(&["--server-version", &pg.version()]);
    let expected = run_program(cmd, pg.port);
    let actual = run_program(cmd, node.port);
    assert!(expected.lines().count() >= 5, "the program printed too little against PostgreSQL:\n{expected}");
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    for (e, a) in expected.iter().zip(&actual) {
        assert_eq!(a, e, "litegres (left) differs from PostgreSQL (right)");
    }
    assert_eq!(actual.len(), expected.len(), "litegres printed {} lines, PostgreSQL {}", actual.len(), expected.len());
}

#[test]
fn sqlalchemy_inspector_and_orm_match_postgres() {
    same_as_postgres(&[&python(), &program("compat-tests/python/sqlalchemy_inspect.py")]);
}

#[test]
fn alembic_autogenerate_and_upgrade_cycle_matches_postgres() {
    same_as_postgres(&[&python(), &program("compat-tests/python/alembic_cycle.py")]);
}

#[test]
fn asyncpg_with_an_enum_matches_postgres() {
    same_as_postgres(&[&python(), &program("compat-tests/python/asyncpg_enum.py")]);
}

#[test]
fn django_migrate_orm_and_inspectdb_match_postgres() {
    same_as_postgres(&[&python(), &program("compat-tests/python/django_migrate.py")]);
}

#[test]
fn knex_schema_builder_and_queries_match_postgres() {
    same_as_postgres(&["node", &program("compat-tests/node/knex_schema.js")]);
}

#[test]
fn typeorm_synchronize_and_repository_match_postgres() {
    same_as_postgres(&["node", &program("compat-tests/node/typeorm_sync.js")]);
}

#[test]
fn jdbc_metadata_and_prepared_statements_match_postgres() {
    // Debian's libpostgresql-jdbc-java; scripts/test installs it with a JDK.
    let jar = "/usr/share/java/postgresql.jar";
    assert!(Path::new(jar).exists(), "{jar} is missing: the test command installs libpostgresql-jdbc-java");
    same_as_postgres(&["java", "-cp", jar, &program("compat-tests/jdbc/JdbcMetadata.java")]);
}

#[test]
fn prisma_db_push_pull_and_migrations_match_postgres() {
    same_as_postgres(&["node", &program("compat-tests/prisma/run.mjs")]);
}
